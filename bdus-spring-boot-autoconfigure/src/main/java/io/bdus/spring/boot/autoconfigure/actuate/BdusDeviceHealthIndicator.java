package io.bdus.spring.boot.autoconfigure.actuate;

import java.util.Locale;
import java.util.Optional;

import io.bdus.device.DeviceState;
import io.bdus.device.InFlightRequest;
import io.bdus.driver.DriverReport;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of one block device: UP while it serves clients, with how long its oldest request
 * has been in the driver ({@code oldestRequestMillis}); DOWN with the stuck request when that
 * is longer than the device's request timeout (30 seconds when it has none), DOWN with the
 * problem a {@link io.bdus.driver.ReportingDriver} reports about its storage (e.g. a Ceph
 * cluster that does not answer), and DOWN with the reason when it does not serve;
 * OUT_OF_SERVICE once an operator detached it.
 */
public class BdusDeviceHealthIndicator implements HealthIndicator {

    private final BdusDeviceRegistry devices;

    private final String name;

    public BdusDeviceHealthIndicator(BdusDeviceRegistry devices, String name) {
        this.devices = devices;
        this.name = name;
    }

    @Override
    public Health health() {
        ManagedDevice device = this.devices.device(this.name);
        if (device == null) {
            return Health.unknown().withDetail("reason", "no device named '" + this.name + "'").build();
        }
        DeviceState state = device.state();
        Health.Builder builder;
        String reason = null;
        Optional<InFlightRequest> oldest = state.isServing() ? device.oldestRequest() : Optional.empty();
        DriverReport report = state.isServing() ? device.driverReport() : null;
        if (state.isServing()) {
            InFlightRequest stuck = oldest.filter((request) -> request.age().compareTo(device.stuckRequestLimit()) > 0)
                .orElse(null);
            builder = (stuck != null || report != null && !report.isHealthy()) ? Health.down() : Health.up();
            if (stuck != null) {
                reason = "a request is stuck in the driver for longer than " + device.stuckRequestLimit().toSeconds()
                        + " s: " + stuck;
            }
            else if (report != null && !report.isHealthy()) {
                reason = "the driver's storage cannot serve requests: " + report.problem();
            }
        }
        else if (device.isDetachedByOperator()) {
            builder = Health.outOfService();
            reason = (state == DeviceState.DETACHED)
                    ? "detached through the bdus endpoint and left in place without a driver; the next start of the "
                            + "application attaches to it"
                    : "detached through the bdus endpoint";
        }
        else {
            builder = Health.down();
            reason = reason(device, state);
        }
        builder.withDetail("state", state.name()).withDetail("transport", device.transportName());
        if (device.path() != null) {
            builder.withDetail("path", device.path());
        }
        builder.withDetail("driver", device.driverBean()).withDetail("generation", device.generation());
        if (state.isServing()) {
            builder.withDetail("activeRequests", device.activeRequests())
                .withDetail("oldestRequestMillis", oldest.map((request) -> request.age().toMillis()).orElse(0L));
        }
        if (report != null) {
            builder.withDetail("storage", report.details());
        }
        if (reason != null) {
            builder.withDetail("reason", reason);
        }
        return builder.build();
    }

    private static String reason(ManagedDevice device, DeviceState state) {
        Throwable failure = device.failure();
        if (failure != null) {
            return "failed: " + failure;
        }
        if (state == DeviceState.DETACHED) {
            return "left in place without a driver; the next start of the application attaches to it";
        }
        return switch (state) {
            case STARTING -> "not started yet";
            case STOPPING, STOPPED -> "stopped";
            default -> state.name().toLowerCase(Locale.ROOT);
        };
    }

}
