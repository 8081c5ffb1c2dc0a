package io.bdus.spring.boot.autoconfigure;

import java.util.Set;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.device.DeviceStats;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Operation;

/**
 * A configured device and, once it runs, its {@link BlockDevice}: what the endpoint, the
 * health contributor and the metrics look at.
 */
public final class ManagedDevice {

    private final DevicePlan plan;

    private final String transportName;

    private volatile BlockDevice device;

    private volatile String driverBean;

    private volatile boolean detached;

    ManagedDevice(DevicePlan plan, String transportName) {
        this.plan = plan;
        this.transportName = transportName;
        this.driverBean = plan.driverBean();
    }

    public String name() {
        return this.plan.name();
    }

    public DeviceSpec spec() {
        return this.plan.spec();
    }

    /**
     * The running device.
     * @return the device, or {@code null} before it started
     */
    public BlockDevice device() {
        return this.device;
    }

    void device(BlockDevice device) {
        this.device = device;
    }

    /**
     * Name of the bean serving the device now.
     * @return the bean name
     */
    public String driverBean() {
        return this.driverBean;
    }

    void driverBean(String driverBean) {
        this.driverBean = driverBean;
    }

    /**
     * The driver bean serving the device now.
     * @return the driver, or {@code null} before the device started
     */
    public BlockDriver driver() {
        BlockDevice device = this.device;
        if (device == null) {
            return null;
        }
        return device.driver();
    }

    public String transportName() {
        return this.transportName;
    }

    public boolean keepOnShutdown() {
        return this.plan.keepOnShutdown();
    }

    /**
     * Whether the device was detached through the endpoint (and no longer serves).
     * @return whether it was detached
     */
    public boolean isDetached() {
        return this.detached;
    }

    void detached() {
        this.detached = true;
    }

    /**
     * Where the device is in its life.
     * @return the state, {@link DeviceState#STARTING} before the device exists
     */
    public DeviceState state() {
        BlockDevice device = this.device;
        return (device != null) ? device.state() : DeviceState.STARTING;
    }

    /**
     * The block device's path.
     * @return the path, or {@code null} before the device exists
     */
    public String path() {
        BlockDevice device = this.device;
        return (device != null) ? device.path() : null;
    }

    public int generation() {
        BlockDevice device = this.device;
        return (device != null) ? device.generation() : 0;
    }

    public Set<Operation> capabilities() {
        BlockDevice device = this.device;
        return (device != null) ? device.capabilities() : Set.of();
    }

    /**
     * Request statistics.
     * @return the statistics, or {@code null} before the device exists
     */
    public DeviceStats stats() {
        BlockDevice device = this.device;
        return (device != null) ? device.stats() : null;
    }

    public int activeRequests() {
        BlockDevice device = this.device;
        return (device != null) ? device.activeRequests() : 0;
    }

    /**
     * Why the device failed.
     * @return the cause, or {@code null}
     */
    public Throwable failure() {
        BlockDevice device = this.device;
        return (device != null) ? device.failure() : null;
    }

    @Override
    public String toString() {
        return "ManagedDevice[" + name() + " " + path() + " " + state() + "]";
    }

}
