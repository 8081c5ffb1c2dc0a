package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.driver.ram.RamDiskDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockDeviceTest {

    private static final long SIZE = 1 << 20;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final QueueTransport transport = new QueueTransport(4);

    private final List<String> events = new ArrayList<>();

    private BlockDevice device;

    @AfterEach
    void stop() {
        if (this.device != null) {
            this.device.stop(TIMEOUT);
        }
    }

    @Test
    void startsAdvertisesCapabilitiesAndCountsRequests() throws Exception {
        this.device = start(new RamDiskDriver(SIZE), spec().build());
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.path()).isEqualTo("/dev/queue0");
        assertThat(this.transport.advertised).containsExactlyInAnyOrder(Operation.READ, Operation.WRITE,
                Operation.WRITE_ZEROES, Operation.DISCARD, Operation.FLUSH);

        assertThat(this.transport.call(Operation.WRITE, 4096, ByteBuffer.allocate(8192))).isZero();
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(4096))).isZero();
        DeviceStats stats = this.device.stats();
        assertThat(stats.of(Operation.WRITE).count()).isEqualTo(1);
        assertThat(stats.of(Operation.WRITE).bytes()).isEqualTo(8192);
        assertThat(stats.of(Operation.READ).bytes()).isEqualTo(4096);
        assertThat(stats.of(Operation.READ).p99Micros()).isGreaterThan(0);
        assertThat(stats.totalErrors()).isZero();
        assertThat(this.events).containsExactly("started");
    }

    @Test
    void observerSetWhileStartingSeesEveryRequest() throws Exception {
        List<String> seen = new ArrayList<>();
        this.device = BlockDevice.start(spec().build(), new RamDiskDriver(SIZE), this.transport, TIMEOUT,
                new DeviceListener() {
                    @Override
                    public void starting(BlockDevice device) {
                        seen.add("starting, transport created: " + (BlockDeviceTest.this.transport.advertised != null));
                        device.requestObserver((operation, bytes, nanos, errno) -> seen.add(operation + " " + bytes));
                    }
                });
        this.transport.call(Operation.READ, 0, ByteBuffer.allocate(4096));
        assertThat(seen).containsExactly("starting, transport created: false", "READ 4096");
    }

    @Test
    void readOnlyDeviceDoesNotAdvertiseWrites() throws Exception {
        this.device = start(new RamDiskDriver(SIZE), spec().readOnly(true).build());
        assertThat(this.device.capabilities()).containsExactlyInAnyOrder(Operation.READ, Operation.FLUSH);
        assertThat(this.transport.call(Operation.WRITE, 0, ByteBuffer.allocate(512))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    void driverExceptionsFailOnlyThatRequest() throws Exception {
        BlockDriver driver = new BlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset) throws IOException {
                if (offset == 0) {
                    throw new BlockDriverException(Errno.ENOSPC, "full");
                }
                if (offset == 512) {
                    throw new BlockDriverException(Errno.EACCES, "denied");
                }
                if (offset == 1024) {
                    throw new IllegalStateException("bug");
                }
                if (offset == 1536) {
                    throw new StackOverflowError("deep bug");
                }
                buffer.position(buffer.limit());
            }
        };
        this.device = start(driver, spec().build());
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(512))).isEqualTo(Errno.ENOSPC);
        assertThat(this.transport.call(Operation.READ, 512, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 1024, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 1536, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 2048, ByteBuffer.allocate(512))).isZero();
        assertThat(this.transport.call(Operation.READ, SIZE, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.stats().of(Operation.READ).errors()).isEqualTo(5);
    }

    @Test
    void serializedDriverIsNeverCalledConcurrently() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        BlockDriver driver = (buffer, offset) -> {
            if (inside.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            try {
                Thread.sleep(1);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            buffer.position(buffer.limit());
        };
        this.device = start(driver, spec().build());
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(this.transport.submit(Operation.READ, 0, ByteBuffer.allocate(512)));
        }
        for (CompletableFuture<Integer> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
        }
        assertThat(overlapped).isFalse();
    }

    @Test
    void replacementUnderLoadFailsNoRequestAndKeepsData() throws Exception {
        RamDiskDriver first = new RamDiskDriver(SIZE);
        this.device = start(first, spec().build());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long offset = t * 4096L;
            Thread client = new Thread(() -> {
                while (running.get()) {
                    try {
                        if (this.transport.call(Operation.WRITE, offset, ByteBuffer.allocate(4096)) != 0) {
                            failures.incrementAndGet();
                        }
                        served.incrementAndGet();
                    }
                    catch (Exception ex) {
                        failures.incrementAndGet();
                    }
                }
            });
            clients.add(client);
            client.start();
        }
        // Each replacement hands the same memory to a new driver instance.
        CountDownLatch flushed = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            Thread.sleep(20);
            this.device.replaceDriver(new DelegatingRam(first, flushed), TIMEOUT);
        }
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        assertThat(failures).hasValue(0);
        assertThat(served.get()).isPositive();
        assertThat(this.device.generation()).isEqualTo(3);
        assertThat(flushed.getCount()).isEqualTo(1);
        assertThat(this.events).containsExactly("started", "replaced 1", "replaced 2", "replaced 3");
    }

    @Test
    void replacingWithTheSameInstanceReinitializesIt() throws Exception {
        List<String> calls = new ArrayList<>();
        RamDiskDriver driver = new RamDiskDriver(SIZE) {
            @Override
            public void initialize(io.bdus.driver.DeviceInfo info) {
                calls.add("initialize " + info.generation());
            }

            @Override
            public void flush() {
                calls.add("flush");
            }

            @Override
            public void terminate() {
                calls.add("terminate");
            }
        };
        this.device = start(driver, spec().build());
        this.transport.call(Operation.WRITE, 0, ByteBuffer.wrap(new byte[512]).put(0, (byte) 5));
        this.device.replaceDriver(driver, TIMEOUT);
        assertThat(calls).containsExactly("initialize 0", "flush", "terminate", "initialize 1");
        ByteBuffer back = ByteBuffer.allocate(512);
        assertThat(this.transport.call(Operation.READ, 0, back)).isZero();
        assertThat(back.get(0)).isEqualTo((byte) 5);
        assertThat(this.device.driver()).isSameAs(driver);
    }

    @Test
    void readsTheDriverLeavesPartlyUnfilledFailWithEio() throws Exception {
        BlockDriver lazy = (buffer, offset) -> {
            // fills only the first half, with an absolute put that does not move the position
            for (int i = 0; i < buffer.remaining() / 2; i++) {
                buffer.put(buffer.position() + i, (byte) 1);
            }
            if (offset == 4096) {
                buffer.position(buffer.position() + buffer.remaining() / 2);
            }
            if (offset == 8192) {
                buffer.limit(buffer.position());
            }
        };
        this.device = start(lazy, spec().build());
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(4096))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 4096, ByteBuffer.allocate(4096))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 8192, ByteBuffer.allocate(4096))).isEqualTo(Errno.EIO);
        assertThat(this.device.stats().of(Operation.READ).errors()).isEqualTo(3);
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
    }

    @Test
    void aReplacementThatFailsToStartLeavesTheCurrentDriverServing() throws Exception {
        RamDiskDriver current = new RamDiskDriver(SIZE);
        this.device = start(current, spec().build());
        this.transport.call(Operation.WRITE, 0, ByteBuffer.wrap(new byte[512]).put(0, (byte) 9));
        RamDiskDriver broken = new RamDiskDriver(SIZE) {
            @Override
            public void initialize(io.bdus.driver.DeviceInfo info) throws IOException {
                throw new IOException("backend unreachable");
            }
        };
        org.assertj.core.api.Assertions.assertThatIOException()
            .isThrownBy(() -> this.device.replaceDriver(broken, TIMEOUT))
            .withMessageContaining("backend unreachable");
        assertThat(this.device.driver()).isSameAs(current);
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.generation()).isZero();
        ByteBuffer back = ByteBuffer.allocate(512);
        assertThat(this.transport.call(Operation.READ, 0, back)).isZero();
        assertThat(back.get(0)).isEqualTo((byte) 9);
    }

    @Test
    void theSameInstanceIsStartedAgainUntilItSucceeds() throws Exception {
        AtomicInteger starts = new AtomicInteger();
        RamDiskDriver flaky = new RamDiskDriver(SIZE) {
            @Override
            public void initialize(io.bdus.driver.DeviceInfo info) throws IOException {
                // the first start succeeds, the next two fail, then it works again
                int n = starts.incrementAndGet();
                if (n == 2 || n == 3) {
                    throw new IOException("not yet");
                }
            }
        };
        this.device = start(flaky, spec().build());
        this.device.replaceDriver(flaky, TIMEOUT);
        assertThat(starts).hasValue(4);
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(512))).isZero();
    }

    @Test
    void operationsReturnWithinTheirTimeoutsWhileADriverCallNeverReturns() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger terminations = new AtomicInteger();
        RamDiskDriver hanging = new RamDiskDriver(SIZE) {
            @Override
            public void read(ByteBuffer buffer, long offset) {
                if (offset == 8192) {
                    stuck.countDown();
                    awaitQuietly(never);
                }
                super.read(buffer, offset);
            }

            @Override
            public void terminate() {
                terminations.incrementAndGet();
            }

            @Override
            public io.bdus.driver.Concurrency concurrency() {
                return io.bdus.driver.Concurrency.SERIALIZED;
            }
        };
        this.device = start(hanging, spec().build());
        CompletableFuture<Integer> blocked = this.transport.submit(Operation.READ, 8192, ByteBuffer.allocate(512));
        assertThat(stuck.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(this.device.oldestRequest()).hasValueSatisfying((request) -> {
            assertThat(request.operation()).isEqualTo(Operation.READ);
            assertThat(request.offset()).isEqualTo(8192);
        });

        // serialized driver: the flush waits behind the stuck read, and gives up
        org.assertj.core.api.Assertions.assertThatIOException()
            .isThrownBy(() -> this.device.flush(Duration.ofMillis(300)))
            .withMessageContaining("did not return within");
        org.assertj.core.api.Assertions.assertThatIOException()
            .isThrownBy(() -> this.device.replaceDriver(new RamDiskDriver(SIZE), Duration.ofMillis(300)))
            .withMessageContaining("did not drain")
            .withMessageContaining("read of 512 bytes at offset 8192");
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(this.device.driver()).isSameAs(hanging);

        this.device.stop(Duration.ofMillis(500));
        assertThat(this.device.state()).isEqualTo(DeviceState.STOPPED);
        assertThat(blocked).isNotDone();
        assertThat(terminations).as("a driver still inside a call is not terminated under it").hasValue(0);
        never.countDown();
    }

    @Test
    void aFlushThatOverranIsNotJoinedByAnotherDriverCall() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger flushes = new AtomicInteger();
        AtomicInteger terminations = new AtomicInteger();
        RamDiskDriver stuckFlush = new RamDiskDriver(SIZE) {
            @Override
            public void flush() {
                flushes.incrementAndGet();
                awaitQuietly(never);
            }

            @Override
            public void terminate() {
                terminations.incrementAndGet();
            }
        };
        this.device = start(stuckFlush, spec().build());
        org.assertj.core.api.Assertions.assertThatIOException()
            .isThrownBy(() -> this.device.flush(Duration.ofMillis(200)));
        this.device.stop(Duration.ofMillis(500));
        assertThat(this.device.state()).isEqualTo(DeviceState.STOPPED);
        assertThat(flushes).as("no second flush beside the one still running").hasValue(1);
        assertThat(terminations).hasValue(0);
        never.countDown();
    }

    @Test
    void aDriverThatNeverFinishesStartingFailsTheStartNamingTheStage() {
        CountDownLatch never = new CountDownLatch(1);
        RamDiskDriver slow = new RamDiskDriver(SIZE) {
            @Override
            public void initialize(io.bdus.driver.DeviceInfo info) {
                awaitQuietly(never);
            }
        };
        org.assertj.core.api.Assertions.assertThatExceptionOfType(DeviceStartException.class)
            .isThrownBy(() -> BlockDevice.start(spec().build(), slow, this.transport, Duration.ofMillis(300)))
            .withMessageContaining("initializing the driver took longer than the start timeout (300 ms)")
            .satisfies((ex) -> assertThat(ex.stage()).isEqualTo("initializing the driver"));
        assertThat(this.transport.advertised).as("no device was created").isNull();
        never.countDown();
    }

    @Test
    void aDeviceTornDownFromOutsideFails() throws Exception {
        this.device = start(new RamDiskDriver(SIZE), spec().build());
        this.transport.tearDownFromOutside();
        for (int i = 0; i < 100 && this.device.state() != DeviceState.FAILED; i++) {
            Thread.sleep(20);
        }
        assertThat(this.device.state()).isEqualTo(DeviceState.FAILED);
        assertThat(this.device.failure()).hasMessageContaining("torn down from outside this process");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void replacementNeedsEveryAdvertisedOperation() throws Exception {
        this.device = start(new RamDiskDriver(SIZE), spec().build());
        BlockDriver readOnly = (buffer, offset) -> {
        };
        assertThatIllegalArgumentException().isThrownBy(() -> this.device.replaceDriver(readOnly, TIMEOUT))
            .withMessageContaining("does not support")
            .withMessageContaining("WRITE");
        assertThat(this.device.generation()).isZero();
    }

    @Test
    void stopFlushesAndTerminatesOnce() throws Exception {
        AtomicInteger flushes = new AtomicInteger();
        AtomicInteger terminations = new AtomicInteger();
        BlockDriver driver = new BlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset) {
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }

            @Override
            public void terminate() {
                terminations.incrementAndGet();
            }
        };
        this.device = start(driver, spec().build());
        this.device.stop(TIMEOUT);
        this.device.stop(TIMEOUT);
        assertThat(this.device.state()).isEqualTo(DeviceState.STOPPED);
        assertThat(this.transport.closed).isTrue();
        assertThat(flushes).hasValue(1);
        assertThat(terminations).hasValue(1);
        assertThat(this.events).containsExactly("started", "stopped");
    }

    private DeviceSpec.Builder spec() {
        return DeviceSpec.builder("test", SIZE);
    }

    private BlockDevice start(BlockDriver driver, DeviceSpec spec) throws Exception {
        return BlockDevice.start(spec, driver, this.transport, TIMEOUT, new DeviceListener() {
            @Override
            public void started(BlockDevice device) {
                BlockDeviceTest.this.events.add("started");
            }

            @Override
            public void replaced(BlockDevice device, int generation) {
                BlockDeviceTest.this.events.add("replaced " + generation);
            }

            @Override
            public void stopped(BlockDevice device) {
                BlockDeviceTest.this.events.add("stopped");
            }
        });
    }

    /** A fresh driver instance over the same memory, counting the flushes it receives. */
    private static final class DelegatingRam extends RamDiskDriver {

        private final RamDiskDriver memory;

        private final CountDownLatch flushed;

        DelegatingRam(RamDiskDriver memory, CountDownLatch flushed) {
            super(memory.size());
            this.memory = memory;
            this.flushed = flushed;
        }

        @Override
        public void read(ByteBuffer buffer, long offset) {
            this.memory.read(buffer, offset);
        }

        @Override
        public void write(ByteBuffer buffer, long offset) {
            this.memory.write(buffer, offset);
        }

        @Override
        public void flush() {
            this.flushed.countDown();
        }
    }
}
