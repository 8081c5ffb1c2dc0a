package io.bdus.integration;

import static io.bdus.integration.DirectIo.aligned;
import static io.bdus.integration.DirectIo.openDirect;
import static io.bdus.integration.DirectIo.random;
import static io.bdus.integration.DirectIo.readBack;
import static io.bdus.integration.DirectIo.readFully;
import static io.bdus.integration.DirectIo.writeFully;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.driver.Concurrency;
import io.bdus.driver.ram.RamDiskDriver;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A driver call that does not return cannot wedge the device or the process: stopping the
 * device returns within its timeout, the client's request fails, and the buffer the stuck
 * call holds stays mapped until the call returns and writes into it (on kbdus the mapping
 * and the driver's descriptor are released only then, and the device goes away).
 */
class HungDriverOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 16L << 20;

    private static final long STUCK = 4L << 20;

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void stopReturnsWhileADriverCallHangsAndItsBufferStaysValid(DriverStyle style) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        RamDiskDriver hanging = new RamDiskDriver(SIZE) {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset <= STUCK && STUCK < offset + buffer.remaining()) {
                    entered.countDown();
                    awaitQuietly(release);
                    // the buffer is transport memory: writing it must still be safe now
                    while (buffer.hasRemaining()) {
                        buffer.put((byte) 0x5a);
                    }
                    returned.countDown();
                    return;
                }
                super.read(buffer, offset);
            }

            @Override
            public Concurrency concurrency() {
                return Concurrency.PARALLEL;
            }
        };
        BlockDevice device = HostDevices.start(style, DeviceSpec.builder("hung", SIZE).build(), hanging);
        String path = device.path();
        CompletableFuture<Void> client;
        try (FileChannel channel = openDirect(path)) {
            client = CompletableFuture.runAsync(() -> {
                try {
                    readFully(channel, aligned(4096), STUCK);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertThat(entered.await(60, TimeUnit.SECONDS)).as("the read reached the driver").isTrue();

            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> device.stop(Duration.ofSeconds(3)));
            stop.get(60, TimeUnit.SECONDS);
            assertThat(device.state()).isEqualTo(DeviceState.STOPPED);
            assertThat(client).failsWithin(60, TimeUnit.SECONDS);
        }
        release.countDown();
        assertThat(returned.await(30, TimeUnit.SECONDS)).isTrue();
        awaitGone(path);
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void aRequestThatStaysInTheDriverTooLongFailsWithEtimedout(DriverStyle style) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RamDiskDriver hanging = new RamDiskDriver(SIZE) {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset <= STUCK && STUCK < offset + buffer.remaining()) {
                    entered.countDown();
                    awaitQuietly(release);
                }
                super.read(buffer, offset);
            }

            @Override
            public Concurrency concurrency() {
                return Concurrency.PARALLEL;
            }
        };
        DeviceSpec spec = DeviceSpec.builder("slow", SIZE).requestTimeout(Duration.ofSeconds(1)).build();
        try (BlockDevice device = HostDevices.start(style, spec, hanging);
                FileChannel channel = openDirect(device.path())) {
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                try {
                    readFully(channel, aligned(4096), STUCK);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client).failsWithin(60, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("Connection timed out");
            // the device goes on serving other requests meanwhile, and a replacement gives up in time
            readFully(channel, aligned(4096), 0);
            long start = System.nanoTime();
            assertThatIOException()
                .isThrownBy(() -> device.replaceDriver(style.serve(new RamDiskDriver(SIZE)), Duration.ofMillis(500)))
                .withMessageContaining("did not drain");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
            assertThat(device.oldestRequest()).hasValueSatisfying(request -> assertThat(request.offset())
                .isLessThanOrEqualTo(STUCK));
            release.countDown();
            readFully(channel, aligned(4096), STUCK);
            assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
        }
        finally {
            release.countDown();
        }
    }

    /**
     * A driver that answers after the request timed out scribbles over its payload buffer
     * first: the client already had ETIMEDOUT, the answer is dropped, and no later request
     * sees the scribble (the buffer was not reused while the driver still held it).
     */
    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void aLateAnswerAfterATimeoutDoesNotCorruptLaterRequests(DriverStyle style) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch scribbled = new CountDownLatch(1);
        RamDiskDriver late = new RamDiskDriver(SIZE) {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset <= STUCK && STUCK < offset + buffer.remaining()) {
                    entered.countDown();
                    awaitQuietly(release);
                    while (buffer.hasRemaining()) {
                        buffer.put((byte) 0xEE);
                    }
                    scribbled.countDown();
                    return;
                }
                super.read(buffer, offset);
            }

            @Override
            public Concurrency concurrency() {
                return Concurrency.PARALLEL;
            }
        };
        DeviceSpec spec = DeviceSpec.builder("late", SIZE).requestTimeout(Duration.ofSeconds(1)).build();
        long region = 8L << 20;
        byte[] pattern = random(11, 1 << 20);
        try (BlockDevice device = HostDevices.start(style, spec, late);
                FileChannel channel = openDirect(device.path())) {
            writeFully(channel, aligned(pattern.length).put(pattern).flip(), region);
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                try {
                    readFully(channel, aligned(4096), STUCK);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client).failsWithin(60, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withMessageContaining("Connection timed out");
            assertRegionReadsBack(channel, region, pattern);

            release.countDown();
            assertThat(scribbled.await(30, TimeUnit.SECONDS)).isTrue();
            for (int round = 0; round < 4; round++) {
                assertRegionReadsBack(channel, region, pattern);
            }
            byte[] next = random(12, 1 << 20);
            writeFully(channel, aligned(next.length).put(next).flip(), region);
            assertRegionReadsBack(channel, region, next);
            assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
            assertThat(device.activeRequests()).isZero();
        }
        finally {
            release.countDown();
        }
    }

    /** Reads {@code expected.length} bytes at {@code offset} in 16 KiB requests and compares them. */
    private static void assertRegionReadsBack(FileChannel channel, long offset, byte[] expected) throws Exception {
        int chunk = 16 * 1024;
        for (int at = 0; at < expected.length; at += chunk) {
            byte[] actual = readBack(channel, offset + at, chunk);
            assertThat(actual).as("16 KiB at offset %d", offset + at)
                .isEqualTo(java.util.Arrays.copyOfRange(expected, at, at + chunk));
        }
    }

    private static void awaitGone(String path) throws InterruptedException {
        String name = Path.of(path).getFileName().toString();
        for (int i = 0; i < 300 && deviceStillThere(name); i++) {
            Thread.sleep(100);
        }
        assertThat(deviceStillThere(name)).as(path + " went away after the stuck call returned").isFalse();
    }

    /** A kbdus disk, or a loop device that still has a backing file. */
    private static boolean deviceStillThere(String name) {
        Path block = Path.of("/sys/block", name);
        return name.startsWith("loop") ? Files.exists(block.resolve("loop/backing_file")) : Files.exists(block);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
