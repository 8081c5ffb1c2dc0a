package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.Concurrency;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.Operation;

/**
 * A driver bean as a device holds it. Lets the same singleton bean take over from itself
 * on a replace: the new holder skips {@link #initialize} (the bean is already set up for
 * this device) and the old one skips {@link #terminate} (the bean stays in use).
 */
final class BeanDriver implements BlockDriver {

    private final BlockDriver bean;

    private final boolean alreadyInitialized;

    private volatile boolean retained;

    BeanDriver(BlockDriver bean, boolean alreadyInitialized) {
        this.bean = bean;
        this.alreadyInitialized = alreadyInitialized;
    }

    BlockDriver bean() {
        return this.bean;
    }

    /** Keeps the bean alive when this holder is terminated (it goes on serving under another). */
    void retain(boolean retained) {
        this.retained = retained;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        this.bean.read(buffer, offset);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        this.bean.write(buffer, offset);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        this.bean.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void fuaWrite(ByteBuffer buffer, long offset) throws IOException {
        this.bean.fuaWrite(buffer, offset);
    }

    @Override
    public void flush() throws IOException {
        this.bean.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        this.bean.discard(offset, length);
    }

    @Override
    public void secureErase(long offset, long length) throws IOException {
        this.bean.secureErase(offset, length);
    }

    @Override
    public int ioctl(int command, ByteBuffer argument) throws IOException {
        return this.bean.ioctl(command, argument);
    }

    @Override
    public void initialize(DeviceInfo device) throws IOException {
        if (!this.alreadyInitialized) {
            this.bean.initialize(device);
        }
    }

    @Override
    public void onDeviceAvailable(DeviceInfo device) {
        this.bean.onDeviceAvailable(device);
    }

    @Override
    public void terminate() throws IOException {
        if (!this.retained) {
            this.bean.terminate();
        }
    }

    @Override
    public Concurrency concurrency() {
        return this.bean.concurrency();
    }

    @Override
    public Set<Operation> supportedOperations() {
        return this.bean.supportedOperations();
    }

    @Override
    public String toString() {
        return this.bean.toString();
    }

}
