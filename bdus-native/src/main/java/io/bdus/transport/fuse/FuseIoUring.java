package io.bdus.transport.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a fuse-loop device serves its requests over io_uring (FUSE over io_uring, Linux
 * 6.14+ with {@code CONFIG_FUSE_IO_URING}) or through {@code /dev/fuse} reads and writes.
 * The kernel offers it only while the fuse module parameter {@code enable_uring} is on;
 * turning it on is the administrator's decision ({@code echo Y >
 * /sys/module/fuse/parameters/enable_uring}), never taken by bdus. {@link #OFF} is the
 * default: on the machines measured so far the classic path served more requests per second
 * (each request is copied between its ring entry and a pooled buffer, so that a late driver
 * cannot write into an entry the kernel has reused).
 */
public enum FuseIoUring {

    /** io_uring when the module parameter is on and INIT enables it, else {@code /dev/fuse}. */
    AUTO,

    /** io_uring, or the device fails to start saying why. */
    ON,

    /** {@code /dev/fuse} only. */
    OFF;

    /** The fuse module parameter that allows FUSE over io_uring. */
    public static final Path MODULE_PARAMETER = Path.of("/sys/module/fuse/parameters/enable_uring");

    /** The value as written in configuration: {@code auto}, {@code on} or {@code off}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mode named {@code value} ({@code auto}, {@code on} or {@code off}, any case).
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static FuseIoUring of(String value) {
        for (FuseIoUring mode : values()) {
            if (mode.value().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("FUSE io_uring mode '" + value + "' is not one of auto, on, off");
    }

    /** The module parameter: on, off, or empty when the kernel has no FUSE over io_uring. */
    public static Optional<Boolean> moduleParameter() {
        return moduleParameter(MODULE_PARAMETER);
    }

    static Optional<Boolean> moduleParameter(Path file) {
        try {
            String value = Files.readString(file).trim();
            return Optional.of(value.equals("Y") || value.equals("1"));
        }
        catch (IOException ex) {
            return Optional.empty();
        }
    }

    /**
     * Whether a device in this mode asks INIT for io_uring, given the module parameter.
     * @throws IOException for {@link #ON} when the parameter is off or missing, naming its file
     */
    boolean wanted(Optional<Boolean> parameter, Path file) throws IOException {
        return switch (this) {
            case OFF -> false;
            case AUTO -> parameter.orElse(false);
            case ON -> {
                if (parameter.isEmpty()) {
                    throw new IOException("FUSE over io_uring was required (io-uring mode on), but this kernel has "
                            + "none: " + file + " is missing (it needs Linux 6.14+ with CONFIG_FUSE_IO_URING)");
                }
                if (!parameter.get()) {
                    throw new IOException("FUSE over io_uring was required (io-uring mode on), but the kernel "
                            + "does not allow it: " + file + " is N (turn it on with 'echo Y > " + file
                            + "', or use io-uring mode auto or off)");
                }
                yield true;
            }
        };
    }

    /** How many queues the kernel makes: one per possible CPU. */
    static int possibleCpus() {
        try {
            return countCpus(Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim());
        }
        catch (IOException | RuntimeException ex) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** The CPUs in a list such as {@code 0-3,8,10-11}. */
    static int countCpus(String list) {
        int count = 0;
        for (String range : list.split(",")) {
            int dash = range.indexOf('-');
            if (dash < 0) {
                Integer.parseInt(range.trim());
                count++;
            }
            else {
                int first = Integer.parseInt(range.substring(0, dash).trim());
                int last = Integer.parseInt(range.substring(dash + 1).trim());
                if (last < first) {
                    throw new IllegalArgumentException("CPU range " + range);
                }
                count += last - first + 1;
            }
        }
        return count;
    }
}
