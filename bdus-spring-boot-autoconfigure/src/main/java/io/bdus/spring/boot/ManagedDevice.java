package io.bdus.spring.boot;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.device.DeviceStats;
import io.bdus.device.InFlightRequest;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Operation;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of one configured block device: what it is configured as and, once it
 * runs, what it is doing. Change it through {@link BdusDeviceActions}.
 */
public interface ManagedDevice {

    /**
     * The device name, as under {@code bdus.devices}.
     * @return the name
     */
    String name();

    /**
     * What the device looks like to clients.
     * @return the spec
     */
    DeviceSpec spec();

    /**
     * The block device's path, e.g. {@code /dev/loop3}.
     * @return the path, or {@code null} before the device exists
     */
    @Nullable String path();

    /**
     * Where the device is in its life.
     * @return the state, {@link DeviceState#STARTING} before the device exists
     */
    DeviceState state();

    /**
     * Name of the transport serving the device ({@code fuse-loop}, {@code kbdus}).
     * @return the transport name
     */
    String transportName();

    /**
     * How the transport serves the device, e.g. {@code requests: io_uring} for a fuse-loop
     * device whose requests come over io_uring.
     * @return names and values in the order to show them, empty before the device exists
     */
    default Map<String, Object> transportDetails() {
        return Map.of();
    }

    /**
     * Name of the {@link BlockDriver} bean serving the device now.
     * @return the bean name
     */
    String driverBean();

    /**
     * Class of the driver serving the device now.
     * @return the class, or {@code null} before the device started
     */
    @Nullable Class<? extends BlockDriver> driverType();

    /**
     * What the driver serving the device reports about its storage, if it is a
     * {@link io.bdus.driver.ReportingDriver} (e.g. the RADOS pool and image, and whether the
     * cluster answers).
     * @return the report, or {@code null} when the driver does not report or none serves yet
     */
    default @Nullable DriverReport driverReport() {
        return null;
    }

    /**
     * How many drivers served the device before the current one.
     * @return the generation
     */
    int generation();

    /**
     * The operations clients can send.
     * @return the operations, empty before the device exists
     */
    Set<Operation> capabilities();

    /**
     * Request statistics.
     * @return the statistics, or {@code null} before the device exists
     */
    @Nullable DeviceStats stats();

    /**
     * Requests being served by the driver right now.
     * @return the number of requests, 0 when the device does not run
     */
    int activeRequests();

    /**
     * The request that has been inside the driver longest: a stuck request shows here.
     * @return the request, empty when none is in the driver
     */
    Optional<InFlightRequest> oldestRequest();

    /**
     * How long a request may be in the driver before it counts as stuck: the device's
     * request timeout, or 30 seconds when it has none.
     * @return the limit
     */
    default Duration stuckRequestLimit() {
        Duration timeout = spec().requestTimeout();
        return timeout.isZero() ? Duration.ofSeconds(30) : timeout;
    }

    /**
     * Why the device failed.
     * @return the cause, or {@code null} when it did not fail
     */
    @Nullable Throwable failure();

    /**
     * Whether the device is to be left in place when the application stops.
     * @return whether it is kept on shutdown
     */
    boolean keepOnShutdown();

    /**
     * Whether an operator detached the device (through {@link BdusDeviceActions#detach}),
     * so that it no longer serves on purpose.
     * @return whether it was detached
     */
    boolean isDetachedByOperator();

}
