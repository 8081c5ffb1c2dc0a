package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.bdus.driver.DeviceInfo;
import io.bdus.driver.ram.RamDiskDriver;

/**
 * A RAM disk whose chosen calls never return until {@link #release()} (tests release it when
 * they end, so that no thread stays blocked): a hung driver.
 */
public class BlockingDriver extends RamDiskDriver {

    /** The calls that can hang. */
    public enum Call {

        INITIALIZE, FLUSH, WRITE

    }

    private final Set<Call> hanging;

    private final CountDownLatch released = new CountDownLatch(1);

    private final CountDownLatch entered = new CountDownLatch(1);

    public BlockingDriver(long size, Call... hanging) {
        super(size);
        this.hanging = (hanging.length == 0) ? EnumSet.noneOf(Call.class) : EnumSet.of(hanging[0], hanging);
    }

    @Override
    public void initialize(DeviceInfo device) throws IOException {
        hang(Call.INITIALIZE);
        super.initialize(device);
    }

    @Override
    public void flush() {
        hang(Call.FLUSH);
        super.flush();
    }

    @Override
    public void write(ByteBuffer buffer, long offset) {
        hang(Call.WRITE);
        super.write(buffer, offset);
    }

    /** Whether a hanging call was entered within a few seconds. */
    public boolean awaitHanging() throws InterruptedException {
        return this.entered.await(10, TimeUnit.SECONDS);
    }

    /** Lets every hanging call return. */
    public void release() {
        this.released.countDown();
    }

    private void hang(Call call) {
        if (!this.hanging.contains(call)) {
            return;
        }
        this.entered.countDown();
        try {
            this.released.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
