package io.bdus.testing;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Completion;
import io.bdus.driver.Concurrency;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.Operation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The asynchronous form of a blocking driver, for the contract suite: each request is served
 * by the blocking driver on a thread of this driver's own pool and completed there, never on
 * the serving thread that started it. A serialized driver gets a pool of one thread.
 */
public final class ThreadPoolAsyncDriver implements AsyncBlockDriver {

    private static final AtomicInteger pools = new AtomicInteger();

    private final BlockDriver driver;

    private final int threads;

    private volatile ExecutorService executor;

    public ThreadPoolAsyncDriver(BlockDriver driver) {
        this.driver = driver;
        this.threads = (driver.concurrency() == Concurrency.PARALLEL) ? 8 : 1;
    }

    /** The blocking driver that does the work. */
    public BlockDriver driver() {
        return this.driver;
    }

    @Override
    public void initialize(DeviceInfo device) throws IOException {
        int pool = pools.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(this.threads, runnable -> {
            Thread t = new Thread(runnable, "async-driver-" + pool + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.driver.initialize(device);
    }

    @Override
    public void onDeviceAvailable(DeviceInfo device) {
        this.driver.onDeviceAvailable(device);
    }

    @Override
    public void terminate() throws IOException {
        try {
            this.driver.terminate();
        }
        finally {
            this.executor.shutdown();
        }
    }

    @Override
    public Set<Operation> supportedOperations() {
        return this.driver.supportedOperations();
    }

    /** Submissions may overlap; the pool keeps a serialized driver to one call at a time. */
    @Override
    public Concurrency concurrency() {
        return Concurrency.PARALLEL;
    }

    @Override
    public void read(ByteBuffer buffer, long offset, Completion completion) {
        run(completion, () -> this.driver.read(buffer, offset));
    }

    @Override
    public void write(ByteBuffer buffer, long offset, Completion completion) {
        run(completion, () -> this.driver.write(buffer, offset));
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Completion completion) {
        run(completion, () -> this.driver.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public void fuaWrite(ByteBuffer buffer, long offset, Completion completion) {
        run(completion, () -> this.driver.fuaWrite(buffer, offset));
    }

    @Override
    public void flush(Completion completion) {
        run(completion, this.driver::flush);
    }

    @Override
    public void discard(long offset, long length, Completion completion) {
        run(completion, () -> this.driver.discard(offset, length));
    }

    @Override
    public void secureErase(long offset, long length, Completion completion) {
        run(completion, () -> this.driver.secureErase(offset, length));
    }

    @Override
    public void ioctl(int command, ByteBuffer argument, boolean callerMayWrite, Completion completion) {
        this.executor.execute(() -> {
            try {
                completion.complete(this.driver.ioctl(command, argument, callerMayWrite));
            }
            catch (Throwable ex) {
                completion.fail(ex);
            }
        });
    }

    private void run(Completion completion, Call call) {
        this.executor.execute(() -> {
            try {
                call.run();
                completion.complete();
            }
            catch (Throwable ex) {
                completion.fail(ex);
            }
        });
    }

    @FunctionalInterface
    private interface Call {

        void run() throws Exception;
    }

    @Override
    public String toString() {
        return "async " + this.driver;
    }
}
