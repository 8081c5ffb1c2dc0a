package io.bdus.spring.boot.autoconfigure.host;

import java.nio.file.Files;
import java.nio.file.Path;

import io.bdus.transport.fuse.FuseLoopTransport;
import org.junit.jupiter.api.Assumptions;

/** What the tests of this package need from the host, checked before their context starts. */
final class HostConditions {

    private HostConditions() {
    }

    /**
     * Skips the calling test class, printing why, unless host tests are on, fuse-loop can run
     * here and every named tool is installed.
     * @param test the test class, for the message
     * @param tools executables the test runs, each with the package that provides it
     */
    static void assumeFuseLoop(Class<?> test, Tool... tools) {
        String reason = null;
        if (Boolean.getBoolean("bdus.skipHostTests")) {
            reason = "host tests disabled with -DskipHostTests";
        }
        else if (FuseLoopTransport.reason().isPresent()) {
            reason = FuseLoopTransport.reason().get();
        }
        else {
            for (Tool tool : tools) {
                if (!tool.installed()) {
                    reason = tool.name() + " is not installed (apt-get install -y " + tool.packageName() + ")";
                    break;
                }
            }
        }
        if (reason != null) {
            System.out.println("Skipping " + test.getSimpleName() + ": " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
    }

    /**
     * An executable a test runs.
     * @param name its name
     * @param packageName the Debian package that provides it
     */
    record Tool(String name, String packageName) {

        boolean installed() {
            for (String dir : new String[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }) {
                if (Files.isExecutable(Path.of(dir, this.name))) {
                    return true;
                }
            }
            return false;
        }

    }

}
