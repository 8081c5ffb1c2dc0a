package io.bdus.spring.boot.autoconfigure.actuate;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.bdus.device.DeviceStats;
import io.bdus.device.OperationStats;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Operation;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/bdus}: every block device with its state and statistics; one device by
 * name; and, once {@code management.endpoint.bdus.access=unrestricted}, actions on one
 * device ({@code flush}, {@code replace}, {@code detach}).
 */
@Endpoint(id = "bdus", defaultAccess = Access.READ_ONLY)
public class BdusEndpoint {

    private final BdusDeviceRegistry devices;

    private final BdusDeviceActions actions;

    public BdusEndpoint(BdusDeviceRegistry devices, BdusDeviceActions actions) {
        this.devices = devices;
        this.actions = actions;
    }

    @ReadOperation
    public DevicesDescriptor devices() {
        Map<String, DeviceDescriptor> descriptors = new LinkedHashMap<>();
        this.devices.devices().forEach((name, device) -> descriptors.put(name, describe(device)));
        return new DevicesDescriptor(this.devices.transportName(), descriptors);
    }

    @ReadOperation
    public @Nullable DeviceDescriptor device(@Selector String device) {
        ManagedDevice managed = this.devices.device(device);
        return (managed != null) ? describe(managed) : null;
    }

    @WriteOperation
    public WebEndpointResponse<ActionResult> perform(@Selector String device, String action,
            @Nullable String driver, @Nullable Boolean force) {
        ManagedDevice managed = this.devices.device(device);
        if (managed == null) {
            return new WebEndpointResponse<>(ActionResult.error(device, action, "No device named '" + device
                    + "'; devices: " + String.join(", ", this.devices.names())), WebEndpointResponse.STATUS_NOT_FOUND);
        }
        Action chosen = Action.of(action);
        if (chosen == null) {
            return new WebEndpointResponse<>(ActionResult.error(device, action, "Unknown action '" + action
                    + "'; allowed actions: " + Action.allowed()), WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        if (driver != null && chosen != Action.REPLACE) {
            return new WebEndpointResponse<>(
                    ActionResult.error(device, action, "'driver' applies to the replace action only"),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        if (force != null && chosen != Action.DETACH) {
            return new WebEndpointResponse<>(
                    ActionResult.error(device, action, "'force' applies to the detach action only"),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        try {
            String message = switch (chosen) {
                case FLUSH -> {
                    this.actions.flush(device);
                    yield "Flushed";
                }
                case REPLACE -> {
                    replace(managed, driver);
                    yield "Driver bean '" + managed.driverBean() + "' took over (generation " + managed.generation()
                            + ")";
                }
                case DETACH -> this.actions.detach(device, Boolean.TRUE.equals(force));
            };
            return new WebEndpointResponse<>(ActionResult.done(managed, chosen.value(), message));
        }
        catch (IllegalArgumentException ex) {
            return new WebEndpointResponse<>(ActionResult.error(device, action, ex.getMessage()),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        catch (IllegalStateException ex) {
            // Refused (DeviceInUseException), not serving, or busy with another action.
            return new WebEndpointResponse<>(ActionResult.error(device, action, ex.getMessage()), STATUS_CONFLICT);
        }
        catch (IOException ex) {
            return new WebEndpointResponse<>(ActionResult.error(device, action, ex.getMessage()),
                    WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR);
        }
    }

    /** A replacement that fails leaves the current driver serving: say so, as a conflict. */
    private void replace(ManagedDevice managed, @Nullable String driver) {
        String serving = managed.driverBean();
        int generation = managed.generation();
        try {
            this.actions.replace(managed.name(), driver);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex.getMessage() + "; driver bean '" + serving
                    + "' keeps serving device '" + managed.name() + "' (generation " + generation + ")", ex);
        }
    }

    private static final int STATUS_CONFLICT = 409;

    /** What a write operation can do to a device; written in lower case. */
    public enum Action {

        /** Makes completed writes durable. */
        FLUSH,

        /** Swaps the driver without failing a request. */
        REPLACE,

        /** Stops serving the device, leaving it in place when its transport can. */
        DETACH;

        /**
         * The action as written in a request.
         * @return the lower-case name
         */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The action a request names.
         * @param value the name as written, e.g. {@code flush}
         * @return the action, or {@code null} if there is none of that name
         */
        public static @Nullable Action of(@Nullable String value) {
            for (Action action : values()) {
                if (action.value().equals(value)) {
                    return action;
                }
            }
            return null;
        }

        static String allowed() {
            return String.join(", ", Arrays.stream(values()).map(Action::value).toList());
        }

    }

    static DeviceDescriptor describe(ManagedDevice device) {
        DeviceStats stats = device.stats();
        Map<String, OperationDescriptor> operations = new LinkedHashMap<>();
        for (Operation operation : Operation.values()) {
            OperationStats op = (stats != null) ? stats.of(operation) : null;
            if (op != null && op.count() > 0 || device.capabilities().contains(operation)) {
                operations.put(operation.tag(), OperationDescriptor.of(op));
            }
        }
        Set<String> capabilities = new TreeSet<>();
        device.capabilities().forEach((operation) -> capabilities.add(operation.tag()));
        Class<? extends BlockDriver> driverType = device.driverType();
        DriverReport report = device.driverReport();
        Throwable failure = device.failure();
        return new DeviceDescriptor(device.name(), device.path(), device.transportName(), device.transportDetails(),
                device.state().name(),
                device.spec().size(), device.spec().logicalBlockSize(), device.spec().physicalBlockSize(),
                device.spec().maxRequestSize(), device.spec().readOnly(), capabilities,
                new DriverDescriptor(device.driverBean(), (driverType != null) ? driverType.getName() : null,
                        device.generation(), (report != null) ? report.details() : null,
                        (report != null) ? report.problem() : null),
                device.activeRequests(), (failure != null) ? String.valueOf(failure.getMessage()) : null, operations);
    }

    /**
     * Every device.
     *
     * @param transport name of the transport serving the devices
     * @param devices the devices by name
     */
    public record DevicesDescriptor(@Nullable String transport, Map<String, DeviceDescriptor> devices) {
    }

    /**
     * One device.
     *
     * @param name device name
     * @param path block device path, e.g. /dev/loop3
     * @param transport transport name
     * @param transportDetails how the transport serves the device (for fuse-loop:
     * {@code requests}, {@code io_uring} or {@code /dev/fuse})
     * @param state device state
     * @param size size in bytes
     * @param logicalBlockSize logical block size in bytes
     * @param physicalBlockSize physical block size in bytes
     * @param maxRequestSize largest request payload in bytes
     * @param readOnly whether clients may only read
     * @param capabilities operations clients can send
     * @param driver the driver serving it
     * @param activeRequests requests in the driver now
     * @param failure why the device failed, if it did
     * @param operations per-operation totals
     */
    public record DeviceDescriptor(String name, @Nullable String path, String transport,
            Map<String, Object> transportDetails, String state, long size,
            int logicalBlockSize, int physicalBlockSize, int maxRequestSize, boolean readOnly, Set<String> capabilities,
            DriverDescriptor driver, int activeRequests, @Nullable String failure,
            Map<String, OperationDescriptor> operations) {
    }

    /**
     * The driver of a device.
     *
     * @param bean bean name
     * @param type class of the bean
     * @param generation how many drivers served the device before this one
     * @param details what the driver reports about its storage (e.g. a RADOS pool, image,
     * cluster fsid and operations in flight), if it reports
     * @param problem why the driver's storage cannot serve requests now, if it reports one
     */
    public record DriverDescriptor(String bean, @Nullable String type, int generation,
            @Nullable Map<String, Object> details, @Nullable String problem) {
    }

    /**
     * Totals for one operation.
     *
     * @param count requests completed
     * @param bytes bytes they covered
     * @param errors requests that failed
     * @param latency latency percentiles in microseconds
     */
    public record OperationDescriptor(long count, long bytes, long errors, LatencyDescriptor latency) {

        static OperationDescriptor of(@Nullable OperationStats stats) {
            if (stats == null) {
                return new OperationDescriptor(0, 0, 0, new LatencyDescriptor(0, 0, 0));
            }
            return new OperationDescriptor(stats.count(), stats.bytes(), stats.errors(),
                    new LatencyDescriptor(stats.p50Micros(), stats.p99Micros(), stats.maxMicros()));
        }

    }

    /**
     * Latency percentiles, in microseconds.
     *
     * @param p50 median
     * @param p99 99th percentile
     * @param max largest
     */
    public record LatencyDescriptor(double p50, double p99, double max) {
    }

    /**
     * Outcome of an action.
     *
     * @param device device name
     * @param action the action
     * @param state device state afterwards
     * @param driver bean serving the device afterwards
     * @param generation driver generation afterwards
     * @param message what happened, or why nothing did
     */
    public record ActionResult(String device, @Nullable String action, @Nullable String state,
            @Nullable String driver, @Nullable Integer generation, String message) {

        static ActionResult done(ManagedDevice device, String action, String message) {
            return new ActionResult(device.name(), action, device.state().name(), device.driverBean(),
                    device.generation(), message);
        }

        static ActionResult error(String device, @Nullable String action, String message) {
            return new ActionResult(device, action, null, null, null, message);
        }

    }

}
