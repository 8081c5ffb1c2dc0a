package io.bdus.cli;

import io.bdus.testing.HostAssumptions;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import java.nio.file.Path;

/**
 * The transport the command-line tests serve on: fuse-loop, or the one named by
 * {@code -Dbdus.test.transport} ({@code kbdus} inside the kernel test VM).
 */
final class CliHost {

    static final String TRANSPORT = System.getProperty("bdus.test.transport", FuseLoopTransport.NAME);

    private CliHost() {
    }

    /** Skips the calling test, printing why, where devices cannot be served here. */
    static void assumeDevices() {
        Transport transport = switch (TRANSPORT) {
            case KbdusTransport.NAME -> new KbdusTransport();
            case FuseLoopTransport.NAME -> new FuseLoopTransport(Path.of("/run/bdus-unused"));
            default -> throw new IllegalArgumentException("bdus.test.transport must be fuse-loop or kbdus, was '"
                    + TRANSPORT + "'");
        };
        HostAssumptions.assumeAvailable(transport);
    }

    static boolean kbdus() {
        return TRANSPORT.equals(KbdusTransport.NAME);
    }

    /** A fresh state directory for one test class. */
    static Path stateDir(String test) {
        return Path.of("/run/bdus-it-" + test + "-" + ProcessHandle.current().pid());
    }
}
