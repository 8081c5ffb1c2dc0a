package io.bdus.integration;

import static io.bdus.integration.DirectIo.aligned;
import static io.bdus.integration.DirectIo.openDirect;
import static io.bdus.integration.DirectIo.random;
import static io.bdus.integration.DirectIo.readBack;
import static io.bdus.integration.DirectIo.writeFully;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStartException;
import io.bdus.device.DeviceState;
import io.bdus.driver.Operation;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.testing.CephTestCluster;
import io.bdus.testing.Shell;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RADOS-backed device when the cluster fails: an OSD killed under fio, the serving JVM
 * killed, a second opener, the whole cluster stopped under I/O. Runs against the test
 * cluster (scripts/ceph-test-cluster.sh), which it disturbs and restores.
 */
class RadosFailuresOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 256L << 20;

    private final List<String> images = new ArrayList<>();

    @BeforeEach
    void requireCluster() {
        CephTestCluster.assumeReachable();
    }

    @AfterEach
    void removeImages() throws Exception {
        for (String image : this.images) {
            CephTestCluster.removeImage(image);
        }
    }

    @Test
    void fioVerifiesWithoutErrorsWhileAnOsdIsKilled() throws Exception {
        RadosDriver driver = driver("osd-kill", Duration.ofSeconds(30), false);
        DeviceSpec spec = DeviceSpec.builder("osd-kill", SIZE).requestTimeout(Duration.ofSeconds(60)).build();
        boolean bluestore = "bluestore"
            .equals(Files.readString(CephTestCluster.conf().resolveSibling("store")).strip());
        try (BlockDevice device = HostDevices.start(spec, driver)) {
            long started = System.nanoTime();
            Process fio = FioVerifyOnRealDeviceTest.startFio(device.path(), 16);
            Thread.sleep(4000);
            CephTestCluster.script("kill-osd", "1");
            double killedAt = (System.nanoTime() - started) / 1e9;
            if (bluestore) {
                Thread.sleep(4000);
                CephTestCluster.script("start-osd", "1");
            }
            String output = FioVerifyOnRealDeviceTest.finish(fio);
            System.out.printf("OSD-kill test (%s): osd.1 SIGKILLed %.1f s into a 16 s fio run%s; device errors %d, "
                    + "writes %d, reads %d; fio:%n%s%n", bluestore ? "bluestore" : "memstore", killedAt,
                    bluestore ? " and restarted 4 s later" : " (memstore: stays down, size 3 / min_size 2)",
                    device.stats().totalErrors(), device.stats().of(Operation.WRITE).count(),
                    device.stats().of(Operation.READ).count(), fioSummary(output));
            assertThat(device.stats().totalErrors()).isZero();
            assertThat(device.stats().of(Operation.WRITE).count()).isPositive();
        }
        finally {
            // Without the image, the OSD coming back has nothing to catch up on.
            CephTestCluster.removeImage(driver.settings().image());
            CephTestCluster.script("start-osd", "1");
            // Serving again is enough for the tests after this one; recovery finishes in the background.
            CephTestCluster.script("await-active");
        }
    }

    @Test
    void aKilledServingJvmIsFollowedWithBreakLockAndEveryFsyncedFileIsIntact(@TempDir Path dir) throws Exception {
        String image = image("jvm-kill");
        Path state = dir.resolve("state");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        String size = String.valueOf(128L << 20);
        Process first = startServer(image, size, state, false);
        String sums;
        String path;
        try {
            path = ready(first);
            Shell.ok("mkfs.ext4", "-q", "-F", path);
            Shell.ok("mount", path, mnt.toString());
            Shell.ok("mkdir", mnt + "/data");
            for (int i = 0; i < 4; i++) {
                Shell.ok("dd", "if=/dev/urandom", "of=" + mnt + "/data/file" + i, "bs=1M", "count=" + (i + 2),
                        "conv=fsync", "status=none");
            }
            Shell.ok("sync", "-f", mnt + "/data");
            sums = Shell.ok("sh", "-c", "cd " + mnt + "/data && sha256sum file*");
            // Written, not fsync'd: may or may not survive, must not break the file system.
            Shell.ok("dd", "if=/dev/urandom", "of=" + mnt + "/data/unsynced", "bs=1M", "count=3", "status=none");
        }
        finally {
            first.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        }
        Shell.run("umount", "-l", mnt.toString());

        Process refused = startServer(image, size, state, false);
        String answer = new BufferedReader(new InputStreamReader(refused.getInputStream(), StandardCharsets.UTF_8))
            .lines().filter((line) -> line.startsWith("FAILED") || line.startsWith("READY")).findFirst().orElse("");
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(answer).startsWith("FAILED").contains("is in use: locked by").contains("break-lock");

        Process second = startServer(image, size, state, true);
        try {
            String again = ready(second);
            Shell.ok("mount", again, mnt.toString());
            try {
                assertThat(Shell.ok("sh", "-c", "cd " + mnt + "/data && sha256sum file*")).isEqualTo(sums);
            }
            finally {
                Shell.ok("umount", mnt.toString());
            }
            Shell.ok("fsck.ext4", "-n", "-f", again);
        }
        finally {
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aSecondDeviceOnTheSameImageIsRefused() throws Exception {
        String image = image("twice");
        try (BlockDevice first = HostDevices.start(DeviceSpec.builder("twice-1", 64L << 20).build(),
                new RadosDriver(CephTestCluster.settings(image).objectSize(HostDevices.RADOS_OBJECT_SIZE).build()))) {
            assertThatExceptionOfType(DeviceStartException.class)
                .isThrownBy(() -> HostDevices.start(DeviceSpec.builder("twice-2", 64L << 20).build(),
                        new RadosDriver(CephTestCluster.settings(image).objectSize(HostDevices.RADOS_OBJECT_SIZE)
                            .build())))
                .withMessageContaining("initializing the driver failed")
                .withMessageContaining("is served by device 'twice-1' of this process");
            assertThat(first.state()).isEqualTo(DeviceState.AVAILABLE);
        }
    }

    @Test
    void aStoppedClusterFailsRequestsInTimeAndTheDeviceRecoversWhenItReturns() throws Exception {
        RadosDriver driver = driver("paused", Duration.ofSeconds(5), false);
        DeviceSpec spec = DeviceSpec.builder("paused", 64L << 20).requestTimeout(Duration.ofSeconds(30)).build();
        byte[] before = random(11, 1 << 20);
        byte[] after = random(12, 1 << 20);
        try (BlockDevice device = HostDevices.start(spec, driver); FileChannel channel = openDirect(device.path())) {
            writeFully(channel, aligned(before.length).put(before).flip(), 0);
            assertThat(driver.report().problem()).isNull();
            CephTestCluster.script("pause");
            try {
                long start = System.nanoTime();
                CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                    try {
                        writeFully(channel, aligned(after.length).put(after).flip(), 8 << 20);
                    }
                    catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                });
                assertThat(write).failsWithin(60, TimeUnit.SECONDS).withThrowableOfType(Exception.class)
                    .withMessageContaining("Connection timed out");
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("Cluster paused: the write failed with ETIMEDOUT after %.1f s%n", seconds);
                String problem = driver.report().problem();
                System.out.println("Cluster paused: the driver reports: " + problem);
                assertThat(problem).containsAnyOf("has not answered", "ETIMEDOUT");
                assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
            }
            finally {
                CephTestCluster.script("resume");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (driver.report().problem() != null && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(driver.report().problem()).isNull();
            writeFully(channel, aligned(after.length).put(after).flip(), 8 << 20);
            assertThat(readBack(channel, 0, before.length)).isEqualTo(before);
            assertThat(readBack(channel, 8 << 20, after.length)).isEqualTo(after);
            assertThat(device.stats().of(Operation.WRITE).errors()).isPositive();
        }
    }

    private RadosDriver driver(String name, Duration timeout, boolean breakLock) {
        return new RadosDriver(CephTestCluster.settings(image(name)).objectSize(HostDevices.RADOS_OBJECT_SIZE)
            .operationTimeout(timeout).breakLock(breakLock).build());
    }

    private String image(String prefix) {
        String image = CephTestCluster.uniqueImage(prefix);
        this.images.add(image);
        return image;
    }

    private static Process startServer(String image, String size, Path state, boolean breakLock) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), RadosDeviceMain.class.getName(), image, size,
                state.toString()));
        if (breakLock) {
            command.add("break-lock");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String ready(Process server) throws Exception {
        BufferedReader output = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        String line = DriverJvm.awaitLine(output, "READY ");
        // keep draining, so the child never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (output.readLine() != null) {
                    // discard
                }
            }
            catch (java.io.IOException ex) {
                // the child is gone
            }
        });
        drain.setDaemon(true);
        drain.start();
        return line.split(" ")[2];
    }

    private static String fioSummary(String output) {
        StringBuilder summary = new StringBuilder();
        output.lines().filter((line) -> line.contains("IOPS=") || line.contains(" clat (") || line.contains("lat (")
                && line.contains("max=") || line.contains("err=")).forEach((line) -> summary.append(line).append('\n'));
        return summary.toString();
    }
}
