package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.transport.fuse.FuseLoopTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * Starts real devices on the fuse-loop transport for host integration tests, under a state
 * directory of this test run, and checks that nothing is left behind.
 */
final class HostDevices {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static final Path STATE_DIR = Path.of("/run/bdus-test-" + ProcessHandle.current().pid());

    private static FuseLoopTransport transport;

    private HostDevices() {
    }

    /** Skips the calling test, printing why, when this host cannot serve real devices. */
    static void assumeHostCanServeDevices() {
        String reason = whyHostCannotServeDevices();
        if (reason != null) {
            System.out.println("SKIPPED host integration test: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
    }

    static boolean hostCanServeDevices() {
        return whyHostCannotServeDevices() == null;
    }

    private static String whyHostCannotServeDevices() {
        if (Boolean.getBoolean("bdus.skipHostTests")) {
            return "host tests disabled with -DskipHostTests";
        }
        return transport().unavailableReason().orElse(null);
    }

    static synchronized FuseLoopTransport transport() {
        if (transport == null) {
            transport = new FuseLoopTransport(STATE_DIR);
        }
        return transport;
    }

    static BlockDevice start(DeviceSpec spec, BlockDriver driver) throws IOException {
        return BlockDevice.start(spec, driver, transport(), TIMEOUT);
    }

    /** Asserts that no mount and no loop device of this run survive. */
    static void assertNothingLeft() throws Exception {
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).doesNotContain(STATE_DIR.toString());
        String loops = Shell.ok("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE");
        assertThat(loops).doesNotContain(STATE_DIR.toString());
    }
}
