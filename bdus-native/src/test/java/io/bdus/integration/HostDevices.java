package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.testing.HostAssumptions;
import io.bdus.testing.Shell;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Starts real devices for the integration tests and checks that nothing is left behind.
 * The transport is fuse-loop, or the one named by {@code -Dbdus.test.transport} ({@code kbdus}
 * inside the kernel test VM), so both transports pass the same suite.
 */
final class HostDevices {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    static final Path STATE_DIR = Path.of("/run/bdus-test-" + ProcessHandle.current().pid());

    private static Transport transport;

    private HostDevices() {
    }

    /** Skips the calling test, printing why, when this host cannot serve real devices. */
    static void assumeHostCanServeDevices() {
        HostAssumptions.assumeAvailable(transport());
    }

    static boolean hostCanServeDevices() {
        return !Boolean.getBoolean("bdus.skipHostTests") && transport().unavailableReason().isEmpty();
    }

    static synchronized Transport transport() {
        if (transport == null) {
            String name = System.getProperty("bdus.test.transport", FuseLoopTransport.NAME);
            transport = switch (name) {
                case KbdusTransport.NAME -> new KbdusTransport();
                case FuseLoopTransport.NAME -> new FuseLoopTransport(STATE_DIR);
                default -> throw new IllegalArgumentException(
                        "bdus.test.transport must be fuse-loop or kbdus, was '" + name + "'");
            };
        }
        return transport;
    }

    static BlockDevice start(DeviceSpec spec, BlockDriver driver) throws IOException {
        return BlockDevice.start(spec, driver, transport(), TIMEOUT);
    }

    /** Starts a device served by {@code driver} in {@code style}. */
    static BlockDevice start(DriverStyle style, DeviceSpec spec, BlockDriver driver) throws IOException {
        return start(spec, style.serve(driver));
    }

    /** Asserts that no mount, loop device or kbdus device of this run survives. */
    static void assertNothingLeft() throws Exception {
        if (transport() instanceof KbdusTransport) {
            try (Stream<Path> nodes = Files.list(Path.of("/dev"))) {
                assertThat(nodes.map(Path::getFileName).map(Path::toString))
                    .noneMatch(name -> name.matches("bdus-\\d+"));
            }
            return;
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).doesNotContain(STATE_DIR.toString());
        String loops = Shell.ok("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE");
        assertThat(loops).doesNotContain(STATE_DIR.toString());
    }
}
