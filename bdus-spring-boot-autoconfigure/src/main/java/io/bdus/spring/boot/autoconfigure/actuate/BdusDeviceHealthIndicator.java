package io.bdus.spring.boot.autoconfigure.actuate;

import io.bdus.device.DeviceState;
import io.bdus.spring.boot.autoconfigure.BdusDevices;
import io.bdus.spring.boot.autoconfigure.ManagedDevice;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of one block device: UP while it serves clients, DOWN with the reason otherwise.
 */
public class BdusDeviceHealthIndicator implements HealthIndicator {

    private final BdusDevices devices;

    private final String name;

    public BdusDeviceHealthIndicator(BdusDevices devices, String name) {
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
        Health.Builder builder = state.isServing() ? Health.up() : Health.down();
        builder.withDetail("state", state.name()).withDetail("transport", device.transportName());
        if (device.path() != null) {
            builder.withDetail("path", device.path());
        }
        builder.withDetail("driver", device.driverBean()).withDetail("generation", device.generation());
        if (state.isServing()) {
            builder.withDetail("activeRequests", device.activeRequests());
        }
        else {
            builder.withDetail("reason", reason(device, state));
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
        if (device.isDetached()) {
            return "detached through the bdus endpoint";
        }
        return switch (state) {
            case STARTING -> "not started yet";
            case STOPPING, STOPPED -> "stopped";
            default -> state.name().toLowerCase();
        };
    }

}
