package io.bdus.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import java.nio.file.Files;
import java.nio.file.Path;

/** Skips host integration tests on machines that cannot run them, saying why. */
public final class HostAssumptions {

    private HostAssumptions() {
    }

    /** Root, /dev/fuse and /dev/loop-control: what the fuse-loop transport needs. */
    public static void assumeFuseLoop() {
        assumeAvailable(new FuseLoopTransport());
    }

    /**
     * Skips the calling test, printing why, when {@code transport} cannot serve devices here
     * or host tests are turned off with {@code -DskipHostTests}.
     */
    public static void assumeAvailable(Transport transport) {
        String reason = Boolean.getBoolean("bdus.skipHostTests") ? "host tests disabled with -DskipHostTests"
                : transport.unavailableReason().map(r -> transport.name() + ": " + r).orElse(null);
        if (reason != null) {
            System.out.println("SKIPPED host integration test: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    /** An executable on the PATH, such as mkfs.ext4 or fio. */
    public static void assumeTool(String tool) {
        assumeTrue(onPath(tool), tool + " is not installed (apt-get install e2fsprogs util-linux fio)");
    }

    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
