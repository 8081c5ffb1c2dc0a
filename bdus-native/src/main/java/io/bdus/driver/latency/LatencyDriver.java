package io.bdus.driver.latency;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.Concurrency;
import io.bdus.driver.ram.RamDiskDriver;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A benchmark driver: a {@link RamDiskDriver} that answers every request only after a fixed
 * latency, holding its serving thread meanwhile, as a blocking driver over a slow backend
 * does. Requests in flight are bounded by the serving threads, so it serves at most about
 * threads / latency requests per second; {@link AsyncLatencyDriver} is its asynchronous
 * counterpart.
 */
public class LatencyDriver implements BlockDriver {

    private final RamDiskDriver ram;

    private final long latencyNanos;

    /** A RAM disk of {@code size} bytes whose every request takes {@code latency}. */
    public LatencyDriver(long size, Duration latency) {
        this.ram = new RamDiskDriver(size);
        this.latencyNanos = latency.toNanos();
    }

    public Duration latency() {
        return Duration.ofNanos(this.latencyNanos);
    }

    @Override
    public Concurrency concurrency() {
        return Concurrency.PARALLEL;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) {
        long deadline = System.nanoTime() + this.latencyNanos;
        this.ram.read(buffer, offset);
        waitUntil(deadline);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) {
        long deadline = System.nanoTime() + this.latencyNanos;
        this.ram.write(buffer, offset);
        waitUntil(deadline);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) {
        long deadline = System.nanoTime() + this.latencyNanos;
        this.ram.writeZeroes(offset, length, mayUnmap);
        waitUntil(deadline);
    }

    @Override
    public void discard(long offset, long length) {
        long deadline = System.nanoTime() + this.latencyNanos;
        this.ram.discard(offset, length);
        waitUntil(deadline);
    }

    @Override
    public void flush() {
        waitUntil(System.nanoTime() + this.latencyNanos);
    }

    private static void waitUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
