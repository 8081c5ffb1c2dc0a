package io.bdus.transport.fuse;

import com.sun.jna.LastErrorException;
import io.bdus.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fuse-loop devices of one state directory as the kernel and the file system show them,
 * whoever serves them: each device's mount-point file {@code bdus-<pid>-<name>} and the loop
 * devices whose backing file it is. Lets an operator find, from another process, devices of
 * owners that died, and clean one up as {@link FuseLoopTransport#sweepStale()} would.
 */
public final class FuseLoopMountPoints {

    private static final Pattern MOUNT_POINT = Pattern.compile("bdus-(\\d+)-([A-Za-z0-9_-]+)");

    private static final String DELETED = " (deleted)";

    private final Path directory;

    public FuseLoopMountPoints(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    public Path directory() {
        return this.directory;
    }

    /** Every device of the directory: mount-point files, and loop devices over one (even deleted). */
    public List<MountPoint> all() {
        Map<Path, List<Integer>> loops = new TreeMap<>();
        if (Files.isDirectory(this.directory)) {
            try (Stream<Path> files = Files.list(this.directory)) {
                files.filter(file -> MOUNT_POINT.matcher(file.getFileName().toString()).matches())
                    .forEach(file -> loops.put(file, new ArrayList<>()));
            }
            catch (IOException ex) {
                // unreadable: only the loop devices below tell
            }
        }
        for (int number : loopNumbers()) {
            String backing = Loop.backingFile(number);
            if (backing == null) {
                continue;
            }
            Path file = Path.of(backing.endsWith(DELETED) ? backing.substring(0, backing.length() - DELETED.length())
                    : backing);
            if (this.directory.equals(file.getParent()) && MOUNT_POINT.matcher(file.getFileName().toString()).matches()) {
                loops.computeIfAbsent(file, key -> new ArrayList<>()).add(number);
            }
        }
        String mountInfo = mountInfo();
        List<MountPoint> found = new ArrayList<>();
        loops.forEach((file, numbers) -> {
            Matcher matcher = MOUNT_POINT.matcher(file.getFileName().toString());
            matcher.matches();
            found.add(new MountPoint(matcher.group(2), Long.parseLong(matcher.group(1)), file, List.copyOf(numbers),
                    mountInfo.contains(" " + file + " ")));
        });
        return found;
    }

    /** The device of {@code name} whose owner was {@code pid}, if any trace of it is left. */
    public Optional<MountPoint> find(String name, long pid) {
        return all().stream().filter(point -> point.name().equals(name) && point.pid() == pid).findFirst();
    }

    /**
     * Tears down what a dead owner left of one device: detaches its loop devices, unmounts
     * the FUSE file lazily and deletes it.
     *
     * @throws IllegalStateException if the owner still runs
     */
    public void clean(MountPoint point) throws IOException {
        if (point.ownerAlive()) {
            throw new IllegalStateException("Process " + point.pid() + " still serves " + point.file());
        }
        for (int loop : point.loops()) {
            Loop.detach(loop);
        }
        try {
            LibC.umount2(point.file().toString(), LibC.Flags.MNT_DETACH);
        }
        catch (LastErrorException ex) {
            // not mounted any more
        }
        Files.deleteIfExists(point.file());
    }

    private static List<Integer> loopNumbers() {
        List<Integer> numbers = new ArrayList<>();
        try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
            devices.map(device -> device.getFileName().toString())
                .filter(name -> name.matches("loop\\d+"))
                .forEach(name -> numbers.add(Integer.parseInt(name.substring(4))));
        }
        catch (IOException ex) {
            // no /sys/block: no loop devices to see
        }
        return numbers;
    }

    private static String mountInfo() {
        try {
            return Files.readString(Path.of("/proc/self/mountinfo"));
        }
        catch (IOException ex) {
            return "";
        }
    }

    /**
     * One device's traces.
     *
     * @param name the device name
     * @param pid the process that created it
     * @param file its mount-point file
     * @param loops loop devices over the file
     * @param mounted whether the FUSE file system is still mounted there
     */
    public record MountPoint(String name, long pid, Path file, List<Integer> loops, boolean mounted) {

        /** The first loop device's path, or {@code null} when there is none. */
        public String path() {
            return this.loops.isEmpty() ? null : "/dev/loop" + this.loops.get(0);
        }

        public boolean ownerAlive() {
            return ProcessHandle.of(this.pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }
}
