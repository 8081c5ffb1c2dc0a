package io.bdus.integration;

import static io.bdus.testing.AlignedBuffers.ALIGNMENT;
import static io.bdus.integration.DirectIo.aligned;
import static io.bdus.integration.DirectIo.openDirect;
import static io.bdus.integration.DirectIo.readBack;
import static io.bdus.integration.DirectIo.readFully;
import static io.bdus.integration.DirectIo.writeFully;
import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.testing.CephTestCluster;
import io.bdus.testing.Shell;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Block I/O from clients in this JVM and from host tools on a real /dev/loopN. */
class BlockIoOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 64L << 20;


    private BlockDevice device;

    @AfterEach
    void stopDevice() {
        if (this.device != null) {
            this.device.stop(HostDevices.TIMEOUT);
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void patternedWritesReadBackAcrossBufferAndChunkBoundaries(DriverStyle style) throws Exception {
        this.device = HostDevices.start(style, DeviceSpec.builder("pattern", SIZE).maxRequestSize(128 * 1024).build(),
                HostDevices.storage("pattern", SIZE));
        assertThat(this.device.path()).matches("/dev/(loop|bdus-|ublkb)\\d+");
        // how the transport serves, as /actuator/bdus shows it
        switch (this.device.transportName()) {
            case "fuse-loop" -> assertThat(this.device.transportDetails()).containsKey("requests");
            case "ublk" -> assertThat(this.device.transportDetails()).containsKeys("queues", "queueDepth",
                    "kernelFeatures", "missingFeatures");
            default -> { }
        }
        // Sizes straddle the RAM disk's 64 KiB chunks and the 128 KiB request limit.
        long[] offsets = { 0, 4096, 61440, 135168, (1 << 20) + 12288, SIZE - 4096 * 3 };
        int[] lengths = { 4096, 8192, 69632, 266240, 4096, 4096 * 3 };
        Random random = new Random(42);
        List<byte[]> written = new ArrayList<>();
        try (FileChannel channel = openDirect(this.device.path())) {
            for (int i = 0; i < offsets.length; i++) {
                byte[] data = new byte[lengths[i]];
                random.nextBytes(data);
                written.add(data);
                ByteBuffer buffer = aligned(data.length).put(data).flip();
                writeFully(channel, buffer, offsets[i]);
            }
            for (int i = 0; i < offsets.length; i++) {
                ByteBuffer back = aligned(lengths[i]);
                readFully(channel, back, offsets[i]);
                byte[] actual = new byte[lengths[i]];
                back.flip().get(actual);
                assertThat(actual).as("data at offset %d", offsets[i]).isEqualTo(written.get(i));
            }
        }
        assertThat(this.device.stats().of(Operation.WRITE).bytes()).isGreaterThanOrEqualTo(
                java.util.Arrays.stream(lengths).sum());
        assertThat(this.device.stats().totalErrors()).isZero();
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void singleSectorsAtOddOffsetsReadBack(DriverStyle style, @TempDir Path dir) throws Exception {
        this.device = HostDevices.start(style, DeviceSpec.builder("sectors", SIZE).build(),
                HostDevices.storage("sectors", SIZE));
        byte[] data = new byte[3 * 512];
        new Random(7).nextBytes(data);
        Path in = Files.write(dir.resolve("in"), data);
        Path out = dir.resolve("out");
        Shell.ok("dd", "if=" + in, "of=" + this.device.path(), "bs=512", "seek=13107", "oflag=direct", "status=none");
        Shell.ok("dd", "if=" + this.device.path(), "of=" + out, "bs=512", "skip=13107", "count=3", "iflag=direct",
                "status=none");
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void concurrentClientsEachSeeTheirOwnData(DriverStyle style) throws Exception {
        this.device = HostDevices.start(style, DeviceSpec.builder("concurrent", SIZE).maxConcurrentRequests(4).build(),
                HostDevices.storage("concurrent", SIZE));
        int clients = 6;
        long region = SIZE / clients / ALIGNMENT * ALIGNMENT;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (FileChannel channel = openDirect(this.device.path())) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                long base = c * region;
                int seed = c;
                results.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    byte[] data = new byte[(int) Math.min(region, 4 << 20)];
                    random.nextBytes(data);
                    for (int off = 0; off < data.length; off += 65536) {
                        int len = Math.min(65536, data.length - off);
                        writeFully(channel, aligned(len).put(data, off, len).flip(), base + off);
                    }
                    ByteBuffer back = aligned(data.length);
                    readFully(channel, back, base);
                    return back.flip().equals(ByteBuffer.wrap(data));
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        }
        finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void discardAndZeroRangeReachTheDriverAndReadBackAsZeroes(DriverStyle style) throws Exception {
        BlockDriver storage = HostDevices.storage("discard", SIZE);
        this.device = HostDevices.start(style, DeviceSpec.builder("discard", SIZE).build(), storage);
        String path = this.device.path();
        Shell.ok("dd", "if=/dev/urandom", "of=" + path, "bs=1M", "count=8", "oflag=direct", "status=none");
        long allocated = allocatedBytes(storage);
        assertThat(allocated).isEqualTo(8L << 20);

        Shell.ok("blkdiscard", "--offset", "0", "--length", String.valueOf(4 << 20), path);
        Shell.ok("fallocate", "--zero-range", "--offset", String.valueOf(4 << 20), "--length",
                String.valueOf(1 << 20), path);

        assertThat(allocatedBytes(storage)).isLessThan(allocated);
        var stats = this.device.stats();
        assertThat(stats.of(Operation.WRITE_ZEROES).count() + stats.of(Operation.DISCARD).count()).isPositive();
        assertThat(stats.of(Operation.WRITE_ZEROES).bytes() + stats.of(Operation.DISCARD).bytes())
            .isGreaterThanOrEqualTo(5L << 20);
        try (FileChannel channel = openDirect(path)) {
            ByteBuffer back = aligned(5 << 20);
            readFully(channel, back, 0);
            back.flip();
            while (back.hasRemaining()) {
                assertThat(back.get()).isZero();
            }
            ByteBuffer rest = aligned(4096);
            readFully(channel, rest, 5 << 20);
            boolean anyNonZero = false;
            for (int i = 0; i < 4096; i++) {
                anyNonZero |= rest.get(i) != 0;
            }
            assertThat(anyNonZero).as("data after the zeroed range is kept").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void driverErrorsFailOnlyThatRequestAndTheDeviceKeepsServing(DriverStyle style) throws Exception {
        long poisoned = 1 << 20;
        RamDiskDriver failing = new RamDiskDriver(SIZE) {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset <= poisoned && poisoned < offset + buffer.remaining()) {
                    throw new IllegalStateException("injected failure");
                }
                super.read(buffer, offset);
            }

            @Override
            public void write(ByteBuffer buffer, long offset) {
                if (offset == 2 * poisoned) {
                    sneaky(new BlockDriverException(Errno.ENOSPC, "injected: no space"));
                }
                super.write(buffer, offset);
            }
        };
        this.device = HostDevices.start(style, DeviceSpec.builder("failing", SIZE).build(), failing);
        String path = this.device.path();
        Shell.Result bad = Shell.run("dd", "if=" + path, "of=/dev/null", "bs=4096", "count=1",
                "skip=" + (poisoned / 4096), "iflag=direct", "status=none");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.output()).contains("Input/output error");
        Shell.Result full = Shell.run("dd", "if=/dev/zero", "of=" + path, "bs=4096", "count=1",
                "seek=" + (2 * poisoned / 4096), "oflag=direct", "status=none");
        assertThat(full.exitCode()).isNotZero();
        assertThat(full.output()).contains("No space left on device");

        Shell.ok("dd", "if=" + path, "of=/dev/null", "bs=4096", "count=16", "iflag=direct", "status=none");
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.stats().of(Operation.READ).errors()).isPositive();
        assertThat(this.device.stats().of(Operation.WRITE).errors()).isPositive();
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void aReadTheDriverLeavesUnfilledFailsInsteadOfShowingStaleBytes(DriverStyle style) throws Exception {
        long secret = 1 << 20;
        long lazy = 2 << 20;
        BlockDriver driver = new BlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset >= lazy && offset < lazy + (1 << 20)) {
                    // returns without touching the buffer: it still holds whatever came before
                    return;
                }
                byte value = (offset >= secret && offset < lazy) ? (byte) 0xA5 : 0;
                while (buffer.hasRemaining()) {
                    buffer.put(value);
                }
            }
        };
        this.device = HostDevices.start(style, DeviceSpec.builder("lazy", SIZE).maxConcurrentRequests(1).build(),
                driver);
        try (FileChannel channel = openDirect(this.device.path())) {
            assertThat(readBack(channel, secret, 4096)).containsOnly((byte) 0xA5);
            ByteBuffer stale = aligned(4096);
            org.assertj.core.api.Assertions.assertThatIOException()
                .isThrownBy(() -> readFully(channel, stale, lazy))
                .withMessageContaining("Input/output error");
            assertThat(readBack(channel, 0, 4096)).containsOnly((byte) 0);
        }
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.stats().of(Operation.READ).errors()).isPositive();
    }

    /** Bytes the storage holds: the RAM disk's chunks, or the RADOS image's data objects. */
    private static long allocatedBytes(BlockDriver storage) throws Exception {
        if (storage instanceof RadosDriver rados) {
            String image = rados.settings().image();
            long objects = CephTestCluster.rados("ls").output().lines()
                .filter((name) -> name.startsWith(image + ".") && !name.endsWith(".header"))
                .count();
            return objects * rados.settings().objectSize();
        }
        return ((RamDiskDriver) storage).allocatedBytes();
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneaky(Throwable ex) throws E {
        throw (E) ex;
    }
}
