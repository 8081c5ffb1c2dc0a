package io.bdus.driver.latency;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.Completion;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.ram.RamDiskDriver;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A benchmark driver: a {@link RamDiskDriver} whose every request completes a fixed latency
 * after it started, from one timer thread (no thread waits per request), as an asynchronous
 * driver over a slow backend does. Requests in flight are bounded by the device's queue
 * depth only, so it serves up to about queue depth / latency requests per second, where
 * {@link LatencyDriver} is bound by its serving threads. Allocates nothing per request.
 */
public class AsyncLatencyDriver implements AsyncBlockDriver {

    private final RamDiskDriver ram;

    private final long latencyNanos;

    private volatile CompletionTimer timer;

    /** A RAM disk of {@code size} bytes whose every request completes {@code latency} after it started. */
    public AsyncLatencyDriver(long size, Duration latency) {
        this.ram = new RamDiskDriver(size);
        this.latencyNanos = latency.toNanos();
    }

    public Duration latency() {
        return Duration.ofNanos(this.latencyNanos);
    }

    @Override
    public void initialize(DeviceInfo device) {
        CompletionTimer timer = new CompletionTimer(this.latencyNanos, "bdus-" + device.name() + "-timer");
        timer.start();
        this.timer = timer;
    }

    @Override
    public void terminate() {
        CompletionTimer timer = this.timer;
        if (timer != null) {
            timer.stop();
        }
    }

    @Override
    public void read(ByteBuffer buffer, long offset, Completion completion) {
        this.ram.read(buffer, offset);
        this.timer.completeLater(completion);
    }

    @Override
    public void write(ByteBuffer buffer, long offset, Completion completion) {
        this.ram.write(buffer, offset);
        this.timer.completeLater(completion);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Completion completion) {
        this.ram.writeZeroes(offset, length, mayUnmap);
        this.timer.completeLater(completion);
    }

    @Override
    public void discard(long offset, long length, Completion completion) {
        this.ram.discard(offset, length);
        this.timer.completeLater(completion);
    }

    @Override
    public void flush(Completion completion) {
        this.timer.completeLater(completion);
    }
}
