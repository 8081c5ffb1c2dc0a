package io.bdus.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bdus.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Skips host integration tests on machines that cannot run them, saying why. */
public final class HostAssumptions {

    private HostAssumptions() {
    }

    /** Root, /dev/fuse and /dev/loop-control: what the fuse-loop transport needs. */
    public static void assumeFuseLoop() {
        assumeTrue(LibC.geteuid() == 0, "host integration test needs root (euid is " + LibC.geteuid() + ")");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "host integration test needs /dev/fuse (modprobe fuse)");
        assumeTrue(Files.exists(Path.of("/dev/loop-control")),
                "host integration test needs /dev/loop-control (modprobe loop)");
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

    /** Runs a command, failing with its output when it exits non-zero; returns its output. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        int status = process.waitFor();
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + status + ":\n" + output);
        }
        return output;
    }
}
