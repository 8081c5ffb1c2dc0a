package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.device.DeviceStats;
import io.bdus.device.InFlightRequest;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Operation;
import io.bdus.driver.ReportingDriver;
import io.bdus.spring.boot.ManagedDevice;
import org.jspecify.annotations.Nullable;

/**
 * One configured device and, once it runs, its {@link BlockDevice}: the mutable side of
 * the {@link ManagedDevice} view. Actions on the device take turns on its lock.
 */
final class DeviceHandle implements ManagedDevice {

    private final DevicePlan plan;

    private final String transportName;

    private final ReentrantLock actions = new ReentrantLock();

    private volatile @Nullable BlockDevice device;

    private volatile String driverBean;

    private volatile boolean detachedByOperator;

    private volatile @Nullable String takeOver;

    DeviceHandle(DevicePlan plan, String transportName) {
        this.plan = plan;
        this.transportName = transportName;
        this.driverBean = plan.driverBean();
    }

    @Override
    public String name() {
        return this.plan.name();
    }

    @Override
    public DeviceSpec spec() {
        return this.plan.spec();
    }

    @Override
    public String transportName() {
        return this.transportName;
    }

    @Override
    public Map<String, Object> transportDetails() {
        BlockDevice device = this.device;
        return (device != null) ? device.transportDetails() : Map.of();
    }

    @Override
    public String driverBean() {
        return this.driverBean;
    }

    void driverBean(String driverBean) {
        this.driverBean = driverBean;
    }

    @Override
    public boolean keepOnShutdown() {
        return this.plan.keepOnShutdown();
    }

    @Override
    public boolean isDetachedByOperator() {
        return this.detachedByOperator;
    }

    void detachedByOperator() {
        this.detachedByOperator = true;
    }

    /**
     * The running device.
     * @return the device, or {@code null} before it started
     */
    @Nullable BlockDevice device() {
        return this.device;
    }

    /** Called by {@link RequestObservers#publish}, which also hands it the observers. */
    void device(BlockDevice device, @Nullable String takeOver) {
        this.device = device;
        this.takeOver = takeOver;
        this.detachedByOperator = false;
    }

    /**
     * Why the running device was taken over at start-up rather than created.
     * @return {@code restart} or {@code crash}, or {@code null} when it was created
     */
    @Nullable String takeOver() {
        return this.takeOver;
    }

    /** The running device, checked to be serving. */
    BlockDevice serving() {
        BlockDevice device = this.device;
        if (device == null || !device.state().isServing()) {
            throw new IllegalStateException("Device '" + name() + "' is not serving (state "
                    + ((device != null) ? device.state() : DeviceState.STARTING) + ")");
        }
        return device;
    }

    /** Whether there is a device that has not stopped (or been left in place) yet. */
    boolean isLive() {
        BlockDevice device = this.device;
        return device != null && device.state() != DeviceState.STOPPED && device.state() != DeviceState.DETACHED;
    }

    /**
     * Takes this device's turn for an action.
     * @param deadline until when to wait for another action to finish
     * @param what the action, for the message
     * @throws IllegalStateException if another action did not finish in time
     */
    void lock(Deadline deadline, String what) {
        try {
            if (this.actions.tryLock(deadline.leftNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("Cannot " + what + " device '" + name()
                + "': another action on it is still running");
    }

    /**
     * Takes this device's turn, but goes ahead without it once the deadline has passed.
     * @param deadline until when to wait
     * @return whether the turn was taken (then {@link #unlock()} it)
     */
    boolean tryLock(Deadline deadline) {
        try {
            return this.actions.tryLock(deadline.leftNanos(), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void unlock() {
        this.actions.unlock();
    }

    /**
     * The driver serving the device now.
     * @return the driver, or {@code null} before the device started
     */
    @Nullable BlockDriver driver() {
        BlockDevice device = this.device;
        return (device != null) ? device.driver() : null;
    }

    @Override
    public @Nullable DriverReport driverReport() {
        return (driver() instanceof ReportingDriver reporting) ? reporting.report() : null;
    }

    @Override
    public @Nullable Class<? extends BlockDriver> driverType() {
        BlockDriver driver = driver();
        return (driver != null) ? driver.getClass() : null;
    }

    @Override
    public DeviceState state() {
        BlockDevice device = this.device;
        return (device != null) ? device.state() : DeviceState.STARTING;
    }

    @Override
    public @Nullable String path() {
        BlockDevice device = this.device;
        return (device != null) ? device.path() : null;
    }

    @Override
    public int generation() {
        BlockDevice device = this.device;
        return (device != null) ? device.generation() : 0;
    }

    @Override
    public Set<Operation> capabilities() {
        BlockDevice device = this.device;
        return (device != null) ? device.capabilities() : Set.of();
    }

    @Override
    public @Nullable DeviceStats stats() {
        BlockDevice device = this.device;
        return (device != null) ? device.stats() : null;
    }

    @Override
    public int activeRequests() {
        BlockDevice device = this.device;
        return (device != null) ? device.activeRequests() : 0;
    }

    @Override
    public Optional<InFlightRequest> oldestRequest() {
        BlockDevice device = this.device;
        return (device != null) ? device.oldestRequest() : Optional.empty();
    }

    @Override
    public @Nullable Throwable failure() {
        BlockDevice device = this.device;
        return (device != null) ? device.failure() : null;
    }

    /** How long a flush may take: the request timeout, or 30 seconds without one. */
    Duration flushTimeout() {
        return stuckRequestLimit();
    }

    @Override
    public String toString() {
        return "ManagedDevice[" + name() + " " + path() + " " + state() + "]";
    }

}
