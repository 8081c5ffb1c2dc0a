package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Completion;
import io.bdus.driver.Concurrency;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link AsyncBlockDriver} served by the runtime: requests answered on other threads, more of
 * them in flight than serving threads, and every rule of blocking drivers kept (errno mapping,
 * under-filled reads, serialization, replacement and stop waiting for requests in flight).
 */
class AsyncDispatchTest {

    private static final long SIZE = 1 << 20;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One serving thread: whatever is in flight beyond one is the asynchronous driver's doing. */
    private final QueueTransport transport = new QueueTransport(1);

    private final ExecutorService completer = Executors.newFixedThreadPool(4);

    private BlockDevice device;

    @AfterEach
    void stop() {
        if (this.device != null) {
            this.device.stop(TIMEOUT);
        }
        this.completer.shutdownNow();
    }

    /** Holds each request until the test releases it, then serves it from memory on another thread. */
    private class HoldingDriver implements AsyncBlockDriver {

        final byte[] data = new byte[(int) SIZE];

        final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();

        final List<String> completingThreads = new ArrayList<>();

        volatile boolean hold = true;

        @Override
        public void read(ByteBuffer buffer, long offset, Completion completion) {
            start(() -> {
                buffer.put(this.data, (int) offset, buffer.remaining());
                completion.complete();
            });
        }

        @Override
        public void write(ByteBuffer buffer, long offset, Completion completion) {
            start(() -> {
                buffer.get(this.data, (int) offset, buffer.remaining());
                completion.complete();
            });
        }

        @Override
        public void flush(Completion completion) {
            start(completion::complete);
        }

        private void start(Runnable work) {
            Runnable completing = () -> {
                synchronized (this.completingThreads) {
                    this.completingThreads.add(Thread.currentThread().getName());
                }
                work.run();
            };
            if (this.hold) {
                this.held.add(completing);
            }
            else {
                AsyncDispatchTest.this.completer.execute(completing);
            }
        }

        void releaseAll() {
            for (Runnable work; (work = this.held.poll()) != null;) {
                AsyncDispatchTest.this.completer.execute(work);
            }
        }
    }

    @Test
    void requestsInFlightAreNotBoundByServingThreads() throws Exception {
        HoldingDriver driver = new HoldingDriver();
        this.device = start(driver, 8);
        assertThat(this.device.servingPlan().requestsInFlight()).isEqualTo(8);
        List<CompletableFuture<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ByteBuffer data = ByteBuffer.allocateDirect(4096);
            while (data.hasRemaining()) {
                data.put((byte) (i + 1));
            }
            writes.add(this.transport.submit(Operation.WRITE, i * 4096L, data.flip()));
        }
        awaitTrue(() -> driver.held.size() == 8);
        assertThat(this.device.activeRequests()).isEqualTo(8);
        assertThat(this.device.oldestRequest()).hasValueSatisfying(request -> assertThat(request.operation())
            .isEqualTo(Operation.WRITE));
        assertThat(writes).allMatch(write -> !write.isDone());

        driver.releaseAll();
        for (CompletableFuture<Integer> write : writes) {
            assertThat(write.get(60, TimeUnit.SECONDS)).isZero();
        }
        assertThat(driver.completingThreads).allMatch(name -> name.startsWith("pool-"));
        driver.hold = false;
        ByteBuffer back = ByteBuffer.allocateDirect(4096);
        assertThat(this.transport.call(Operation.READ, 5 * 4096L, back)).isZero();
        assertThat(back.get(0)).isEqualTo((byte) 6);
        assertThat(this.device.activeRequests()).isZero();
        assertThat(this.device.oldestRequest()).isEmpty();
        DeviceStats stats = this.device.stats();
        assertThat(stats.of(Operation.WRITE).count()).isEqualTo(8);
        assertThat(stats.of(Operation.WRITE).p99Micros()).isPositive();
        assertThat(stats.totalErrors()).isZero();
    }

    @Test
    void theObserverSeesEachRequestOnTheThreadThatCompletedIt() throws Exception {
        HoldingDriver driver = new HoldingDriver();
        driver.hold = false;
        this.device = start(driver, 4);
        List<String> seen = new ArrayList<>();
        this.device.requestObserver((operation, bytes, nanos, errno) -> {
            synchronized (seen) {
                seen.add(operation + " " + bytes + " " + errno + " " + Thread.currentThread().getName());
            }
        });
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocateDirect(512))).isZero();
        assertThat(seen).singleElement().asString().startsWith("READ 512 0 pool-");
    }

    @Test
    void failuresMapToErrnosWhetherReportedOrThrown() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AsyncBlockDriver driver = new AsyncBlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset, Completion completion) {
                calls.incrementAndGet();
                switch ((int) offset) {
                    case 0 -> completion.fail(Errno.ENOSPC);
                    case 512 -> completion.fail(Errno.EACCES);
                    case 1024 -> completion.fail(new BlockDriverException(Errno.ENOLINK, "link down"));
                    case 1536 -> throw new IllegalStateException("bug before completing");
                    case 2048 -> {
                        buffer.position(buffer.limit());
                        completion.complete();
                        throw new IllegalStateException("bug after completing");
                    }
                    case 2560 -> {
                        // under-filled: the buffer would show the client stale bytes
                        CompletableFuture.runAsync(completion::complete, AsyncDispatchTest.this.completer);
                    }
                    default -> {
                        buffer.position(buffer.limit());
                        CompletableFuture.runAsync(completion::complete, AsyncDispatchTest.this.completer);
                    }
                }
            }
        };
        this.device = start(driver, 4);
        assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(512))).isEqualTo(Errno.ENOSPC);
        assertThat(this.transport.call(Operation.READ, 512, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 1024, ByteBuffer.allocate(512))).isEqualTo(Errno.ENOLINK);
        assertThat(this.transport.call(Operation.READ, 1536, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 2048, ByteBuffer.allocate(512))).isZero();
        assertThat(this.transport.call(Operation.READ, 2560, ByteBuffer.allocate(512))).isEqualTo(Errno.EIO);
        assertThat(this.transport.call(Operation.READ, 3072, ByteBuffer.allocate(512))).isZero();
        assertThat(this.device.stats().of(Operation.READ).errors()).isEqualTo(5);
        assertThat(this.device.state()).isEqualTo(DeviceState.AVAILABLE);
        assertThat(calls).hasValue(7);
    }

    @Test
    void aSecondCompletionIsIgnored() throws Exception {
        AsyncBlockDriver driver = (buffer, offset, completion) -> {
            buffer.position(buffer.limit());
            completion.complete();
            completion.fail(Errno.EIO);
            completion.complete();
        };
        this.device = start(driver, 4);
        for (int i = 0; i < 5; i++) {
            assertThat(this.transport.call(Operation.READ, 0, ByteBuffer.allocate(512))).isZero();
        }
        assertThat(this.device.stats().of(Operation.READ).count()).isEqualTo(5);
        assertThat(this.device.stats().totalErrors()).isZero();
        assertThat(this.device.activeRequests()).isZero();
    }

    @Test
    void aSerializedDriverStartsOneRequestAtATimeAndCompletesThemAnywhere() throws Exception {
        AtomicInteger starting = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        QueueTransport fourThreads = new QueueTransport(4);
        AsyncBlockDriver driver = new AsyncBlockDriver() {
            @Override
            public void read(ByteBuffer buffer, long offset, Completion completion) {
                if (starting.incrementAndGet() > 1) {
                    overlapped.set(true);
                }
                try {
                    Thread.sleep(1);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                starting.decrementAndGet();
                buffer.position(buffer.limit());
                AsyncDispatchTest.this.completer.execute(completion::complete);
            }

            @Override
            public Concurrency concurrency() {
                return Concurrency.SERIALIZED;
            }
        };
        this.device = BlockDevice.start(DeviceSpec.builder("serial", SIZE).maxConcurrentRequests(16).build(), driver,
                fourThreads, TIMEOUT);
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            results.add(fourThreads.submit(Operation.READ, 0, ByteBuffer.allocate(512)));
        }
        for (CompletableFuture<Integer> result : results) {
            assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
        }
        assertThat(overlapped).isFalse();
    }

    @Test
    void replacementWaitsForRequestsInFlightOnOtherThreads() throws Exception {
        HoldingDriver first = new HoldingDriver();
        this.device = start(first, 4);
        CompletableFuture<Integer> write = this.transport.submit(Operation.WRITE, 8192,
                ByteBuffer.allocateDirect(512).put(0, (byte) 7));
        awaitTrue(() -> first.held.size() == 1);

        assertThatIOException().isThrownBy(() -> this.device.replaceDriver(new HoldingDriver(), Duration.ofMillis(300)))
            .withMessageContaining("did not drain")
            .withMessageContaining("write of 512 bytes at offset 8192");
        assertThat(this.device.driver()).isSameAs(first);

        HoldingDriver second = new HoldingDriver();
        second.hold = false;
        CompletableFuture<Void> replace = CompletableFuture.runAsync(() -> {
            try {
                this.device.replaceDriver(second, TIMEOUT);
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        Thread.sleep(100);
        assertThat(replace).as("waits for the write in flight").isNotDone();
        first.releaseAll();
        assertThat(write.get(60, TimeUnit.SECONDS)).isZero();
        // the replacement's own flush of the first driver
        awaitTrue(() -> !first.held.isEmpty() || replace.isDone());
        first.releaseAll();
        replace.get(60, TimeUnit.SECONDS);
        assertThat(this.device.driver()).isSameAs(second);
        assertThat(first.data[8192]).isEqualTo((byte) 7);
    }

    @Test
    void stopReturnsWithinItsTimeoutWhileARequestIsNeverCompleted() throws Exception {
        AtomicInteger terminations = new AtomicInteger();
        HoldingDriver driver = new HoldingDriver() {
            @Override
            public void terminate() {
                terminations.incrementAndGet();
            }
        };
        this.device = start(driver, 4);
        CompletableFuture<Integer> read = this.transport.submit(Operation.READ, 4096, ByteBuffer.allocateDirect(512));
        awaitTrue(() -> driver.held.size() == 1);
        assertThat(this.device.oldestRequest()).hasValueSatisfying(request -> {
            assertThat(request.operation()).isEqualTo(Operation.READ);
            assertThat(request.offset()).isEqualTo(4096);
        });
        long start = System.nanoTime();
        this.device.stop(Duration.ofMillis(500));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        assertThat(this.device.state()).isEqualTo(DeviceState.STOPPED);
        assertThat(terminations).as("not terminated under a request it still holds").hasValue(0);
        // a completion long after the stop is harmless
        driver.releaseAll();
        assertThat(read.get(60, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void stopWaitsForRequestsThatCompleteInTime() throws Exception {
        AtomicInteger terminations = new AtomicInteger();
        HoldingDriver driver = new HoldingDriver() {
            @Override
            public void terminate() {
                terminations.incrementAndGet();
            }
        };
        this.device = start(driver, 4);
        this.transport.submit(Operation.READ, 0, ByteBuffer.allocateDirect(512));
        awaitTrue(() -> driver.held.size() == 1);
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(driver::releaseAll);
        this.device.stop(TIMEOUT);
        assertThat(terminations).as("flushed and terminated once the request was answered").hasValue(1);
    }

    @Test
    void servingDefaultsFollowTheDriverAndTheProcessors() {
        HoldingDriver async = new HoldingDriver();
        assertThat(ServingDefaults.plan(128, async, 2)).isEqualTo(new io.bdus.transport.ServingPlan(2, 128));
        assertThat(ServingDefaults.plan(1, async, 8)).isEqualTo(new io.bdus.transport.ServingPlan(1, 1));
        io.bdus.driver.ram.RamDiskDriver parallel = new io.bdus.driver.ram.RamDiskDriver(SIZE);
        assertThat(ServingDefaults.plan(4, parallel, 2)).isEqualTo(io.bdus.transport.ServingPlan.blocking(2));
        assertThat(ServingDefaults.plan(4, parallel, 16)).isEqualTo(io.bdus.transport.ServingPlan.blocking(4));
        io.bdus.driver.BlockDriver serialized = (buffer, offset) -> buffer.position(buffer.limit());
        assertThat(ServingDefaults.plan(64, serialized, 16)).isEqualTo(io.bdus.transport.ServingPlan.blocking(1));
        // one processor: a second thread keeps a stuck call from stopping every other request
        assertThat(ServingDefaults.plan(4, parallel, 1)).isEqualTo(io.bdus.transport.ServingPlan.blocking(2));
        assertThat(ServingDefaults.plan(1, parallel, 1)).isEqualTo(io.bdus.transport.ServingPlan.blocking(1));
    }

    private BlockDevice start(AsyncBlockDriver driver, int queueDepth) throws Exception {
        return BlockDevice.start(DeviceSpec.builder("async", SIZE).maxConcurrentRequests(queueDepth).build(), driver,
                this.transport, TIMEOUT);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
