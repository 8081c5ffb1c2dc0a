package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.Owner;
import io.bdus.testing.CephTestCluster;
import io.bdus.testing.FuseIoUringParameter;
import io.bdus.testing.HostAssumptions;
import io.bdus.testing.Shell;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseIoUring;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import io.bdus.transport.ublk.UblkTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Starts real devices for the integration tests and checks that nothing is left behind.
 * The transport is fuse-loop, or the one named by {@code -Dbdus.test.transport} ({@code kbdus}
 * or {@code ublk} inside the kernel test VM), so every transport passes the same suite; the tests' data lives in
 * RAM and files, or with {@code -Dbdus.test.storage=rados} in RADOS images on the test cluster
 * (scripts/ceph-test-cluster.sh), so that the RADOS driver passes it too. With
 * {@code -Dbdus.test.fuse-io-uring=on} fuse-loop devices serve over io_uring (the run turns
 * the fuse module parameter enable_uring on and restores it, saying so; it skips where the
 * kernel has none), with {@code off} through {@code /dev/fuse}; {@code auto}, the default,
 * leaves it to the host's setting.
 */
final class HostDevices {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    static final Path STATE_DIR = Path.of("/run/bdus-test-" + ProcessHandle.current().pid());

    private static Transport transport;

    /** RADOS images the suite created, removed after each class. */
    private static final List<String> images = new ArrayList<>();

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
                case UblkTransport.NAME -> new UblkTransport();
                case FuseLoopTransport.NAME -> new FuseLoopTransport(STATE_DIR, true, Owner.ROOT, fuseIoUring());
                default -> throw new IllegalArgumentException(
                        "bdus.test.transport must be fuse-loop, kbdus or ublk, was '" + name + "'");
            };
        }
        return transport;
    }

    /** The io_uring mode of fuse-loop devices, {@code -Dbdus.test.fuse-io-uring}. */
    static FuseIoUring fuseIoUring() {
        FuseIoUring mode = FuseIoUring.of(System.getProperty("bdus.test.fuse-io-uring", "auto"));
        if (mode == FuseIoUring.ON) {
            FuseIoUringParameter.enableForThisRun();
        }
        return mode;
    }

    /** Whether the suite keeps its data in RADOS ({@code -Dbdus.test.storage=rados}) rather than RAM and files. */
    static boolean onRados() {
        return "rados".equals(System.getProperty("bdus.test.storage"));
    }

    /**
     * A driver for a test's data: a RAM disk, or with {@code -Dbdus.test.storage=rados} a
     * RADOS image of its own on the test cluster.
     */
    static BlockDriver storage(String name, long size) {
        return onRados() ? rados(newImage(name)) : new RamDiskDriver(size);
    }

    /**
     * Drivers over one piece of storage that outlives them: each call returns a new driver over
     * the same file in {@code dir} or, with {@code -Dbdus.test.storage=rados}, the same image.
     */
    static Supplier<BlockDriver> persistentStorage(Path dir, String name) {
        if (onRados()) {
            String image = newImage(name);
            return () -> rados(image);
        }
        Path file = dir.resolve(name + ".img");
        return () -> new PassthroughDriver(file);
    }

    private static synchronized String newImage(String name) {
        CephTestCluster.assumeReachable();
        String image = CephTestCluster.uniqueImage(name);
        images.add(image);
        return image;
    }

    private static RadosDriver rados(String image) {
        return new RadosDriver(CephTestCluster.settings(image).objectSize(RADOS_OBJECT_SIZE).build());
    }

    /** Small objects, so that the suite's requests cross object boundaries. */
    static final int RADOS_OBJECT_SIZE = 256 << 10;

    /** Removes the RADOS images the suite created. */
    static synchronized void removeImages() throws Exception {
        for (String image : images) {
            CephTestCluster.removeImage(image);
        }
        images.clear();
    }

    static BlockDevice start(DeviceSpec spec, BlockDriver driver) throws IOException {
        return BlockDevice.start(spec, driver, transport(), TIMEOUT);
    }

    /** Starts a device served by {@code driver} in {@code style}. */
    static BlockDevice start(DriverStyle style, DeviceSpec spec, BlockDriver driver) throws IOException {
        return start(spec, style.serve(driver));
    }

    /** Asserts that no mount, loop device, kbdus or ublk device of this run survives. */
    static void assertNothingLeft() throws Exception {
        if (transport() instanceof UblkTransport) {
            try (Stream<Path> nodes = Files.list(Path.of("/dev"))) {
                assertThat(nodes.map(Path::getFileName).map(Path::toString))
                    .noneMatch(name -> name.matches("ublk[bc]\\d+"));
            }
            return;
        }
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
