package io.bdus.linux;

import com.sun.jna.LastErrorException;
import io.bdus.driver.Errno;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is using a block device or one of its partitions: mounts, swap, stacked devices
 * (device-mapper, md) and processes holding it open. Used to refuse operator actions that
 * would pull a device from under a mounted file system.
 *
 * <p>Opens of the calling process are not counted: a transport holds its own device open
 * (fuse-loop keeps the loop device's descriptor), and an application that opens its own
 * device knows it does.
 */
public final class BlockDeviceUsers {

    private static final Path SYS_CLASS_BLOCK = Path.of("/sys/class/block");

    private static final Path PROC = Path.of("/proc");

    private BlockDeviceUsers() {
    }

    /**
     * Describes each use of the block device at {@code devicePath} and of its partitions, one
     * short phrase each ("mounted at /mnt (ext4)", "open by pid 4242 (dd)"); empty when
     * nobody but this process uses it, or when the device does not exist.
     */
    public static List<String> of(String devicePath) {
        Map<String, String> nodes = nodes(devicePath);
        if (nodes.isEmpty()) {
            return List.of();
        }
        Set<String> uses = new LinkedHashSet<>();
        mounts(nodes, uses);
        swaps(nodes, uses);
        holders(nodes, uses);
        openers(nodes, uses);
        if (uses.isEmpty()) {
            exclusiveClaims(nodes, uses);
        }
        return List.copyOf(uses);
    }

    /** The device and its partitions: "major:minor" to node name, e.g. "7:0" to "loop0". */
    static Map<String, String> nodes(String devicePath) {
        Map<String, String> nodes = new LinkedHashMap<>();
        String name;
        try {
            name = Path.of(devicePath).toRealPath().getFileName().toString();
        }
        catch (IOException ex) {
            return nodes;
        }
        Path sys = SYS_CLASS_BLOCK.resolve(name);
        String number = read(sys.resolve("dev"));
        if (number == null) {
            return nodes;
        }
        nodes.put(number, name);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(sys, name + "*")) {
            for (Path child : children) {
                String partition = read(child.resolve("partition"));
                String childNumber = read(child.resolve("dev"));
                if (partition != null && childNumber != null) {
                    nodes.put(childNumber, child.getFileName().toString());
                }
            }
        }
        catch (IOException ex) {
            // no partitions to add
        }
        return nodes;
    }

    /** /proc/self/mountinfo: "id parent major:minor root mountpoint options ... - fstype source ...". */
    private static void mounts(Map<String, String> nodes, Set<String> uses) {
        for (String line : lines(PROC.resolve("self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length < 5 || !nodes.containsKey(fields[2])) {
                continue;
            }
            int separator = List.of(fields).indexOf("-");
            String type = (separator >= 0 && separator + 1 < fields.length) ? fields[separator + 1] : "?";
            uses.add(prefix(nodes, fields[2]) + "mounted at " + unescape(fields[4]) + " (" + type + ")");
        }
    }

    private static void swaps(Map<String, String> nodes, Set<String> uses) {
        for (String line : lines(PROC.resolve("swaps"))) {
            String device = line.split("\\s+")[0];
            for (Map.Entry<String, String> node : nodes.entrySet()) {
                if (device.equals("/dev/" + node.getValue())) {
                    uses.add(prefix(nodes, node.getKey()) + "used as swap");
                }
            }
        }
    }

    /** Stacked devices (device-mapper, md, bcache) list themselves under holders/. */
    private static void holders(Map<String, String> nodes, Set<String> uses) {
        for (Map.Entry<String, String> node : nodes.entrySet()) {
            Path holders = SYS_CLASS_BLOCK.resolve(node.getValue()).resolve("holders");
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(holders)) {
                for (Path holder : entries) {
                    uses.add(prefix(nodes, node.getKey()) + "used by " + holder.getFileName());
                }
            }
            catch (IOException ex) {
                // none
            }
        }
    }

    private static void openers(Map<String, String> nodes, Set<String> uses) {
        Map<String, String> paths = new LinkedHashMap<>();
        nodes.forEach((number, name) -> paths.put("/dev/" + name, number));
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                Set<String> held = openBy(process, paths);
                for (String number : held) {
                    uses.add(prefix(nodes, number) + "open by pid " + pid + " (" + command(process) + ")");
                }
            }
        }
        catch (IOException ex) {
            // no /proc: nothing to find
        }
    }

    private static Set<String> openBy(Path process, Map<String, String> paths) {
        Set<String> held = new LinkedHashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                String number;
                try {
                    number = paths.get(Files.readSymbolicLink(fd).toString());
                }
                catch (IOException ex) {
                    continue;
                }
                if (number != null) {
                    held.add(number);
                }
            }
        }
        catch (IOException ex) {
            // the process ended, or its fds are not ours to see
        }
        return held;
    }

    /**
     * Mounts in other mount namespaces are not in our mountinfo, but a mounted block device
     * is claimed exclusively: an O_EXCL open of it fails with EBUSY.
     */
    private static void exclusiveClaims(Map<String, String> nodes, Set<String> uses) {
        for (Map.Entry<String, String> node : nodes.entrySet()) {
            String path = "/dev/" + node.getValue();
            try {
                int fd = LibC.open(path, LibC.Flags.O_RDONLY | LibC.Flags.O_EXCL | LibC.Flags.O_CLOEXEC, 0);
                LibC.close(fd);
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() == Errno.EBUSY) {
                    uses.add(prefix(nodes, node.getKey())
                            + "claimed exclusively (mounted in another mount namespace, or opened with O_EXCL)");
                }
            }
        }
    }

    private static String prefix(Map<String, String> nodes, String number) {
        String first = nodes.keySet().iterator().next();
        return number.equals(first) ? "" : "partition /dev/" + nodes.get(number) + " ";
    }

    private static String command(Path process) {
        String comm = read(process.resolve("comm"));
        return (comm != null) ? comm : "?";
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            }
            else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        }
        catch (IOException ex) {
            return new ArrayList<>();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        }
        catch (IOException ex) {
            return null;
        }
    }
}
