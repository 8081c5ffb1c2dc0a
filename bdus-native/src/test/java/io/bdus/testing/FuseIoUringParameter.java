package io.bdus.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.transport.fuse.FuseIoUring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fuse module parameter {@code enable_uring} for tests that serve over io_uring: turned
 * on for the test run (saying so) and put back as it was when the JVM exits.
 */
public final class FuseIoUringParameter {

    private static String previous;

    private FuseIoUringParameter() {
    }

    /** Skips, printing why, when this kernel has no FUSE over io_uring; else turns it on. */
    public static synchronized void enableForThisRun() {
        Path file = FuseIoUring.MODULE_PARAMETER;
        if (!Files.exists(file)) {
            String reason = file + " is missing: this kernel has no FUSE over io_uring (Linux 6.14+ with "
                    + "CONFIG_FUSE_IO_URING)";
            System.out.println("SKIPPED FUSE over io_uring test: " + reason);
            assumeTrue(false, reason);
        }
        if (previous != null) {
            return;
        }
        try {
            previous = Files.readString(file).trim();
            if (!previous.equals("Y")) {
                System.out.println("Setting " + file + " to Y for this test run (was " + previous
                        + "; restored when the run ends)");
                Files.writeString(file, "Y");
                String restore = previous;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> set(file, restore)));
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot turn on " + file + " (needs root)", ex);
        }
    }

    /** Sets the parameter to {@code value} (Y or N); for tests of the modes. */
    public static void set(Path file, String value) {
        try {
            Files.writeString(file, value);
            System.out.println("Set " + file + " to " + value);
        }
        catch (IOException ex) {
            System.out.println("Cannot set " + file + " to " + value + ": " + ex);
        }
    }
}
