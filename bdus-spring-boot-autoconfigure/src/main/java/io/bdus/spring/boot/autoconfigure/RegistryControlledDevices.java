package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.bdus.control.ControlledDevices;
import io.bdus.control.DeviceStatus;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStats;
import io.bdus.device.OperationStats;
import io.bdus.driver.Operation;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;

/**
 * The application's devices as the {@code bdus} command line reaches them through the
 * control socket: status from the registry, actions through {@link BdusDeviceActions} (so
 * the same rules, timeouts and events apply as for the Actuator endpoint).
 */
final class RegistryControlledDevices implements ControlledDevices {

    private final BdusDeviceRegistry registry;

    private final BdusDeviceActions actions;

    RegistryControlledDevices(BdusDeviceRegistry registry, BdusDeviceActions actions) {
        this.registry = registry;
        this.actions = actions;
    }

    @Override
    public List<String> names() {
        return List.copyOf(this.registry.names());
    }

    @Override
    public DeviceStatus status(String name) {
        ManagedDevice device = device(name);
        DeviceSpec spec = device.spec();
        DeviceStats stats = device.stats();
        Map<String, DeviceStatus.Totals> totals = new LinkedHashMap<>();
        for (Operation operation : Operation.values()) {
            OperationStats of = (stats != null) ? stats.of(operation) : null;
            if (of != null && of.count() > 0) {
                totals.put(operation.tag(), new DeviceStatus.Totals(of.count(), of.bytes(), of.errors()));
            }
        }
        List<String> capabilities = Arrays.stream(Operation.values())
            .filter(device.capabilities()::contains)
            .map(Operation::tag)
            .toList();
        Class<?> driver = device.driverType();
        return new DeviceStatus(device.name(), device.transportName(), device.path(), device.state().name(),
                spec.size(), spec.logicalBlockSize(), spec.physicalBlockSize(), spec.maxRequestSize(), spec.readOnly(),
                spec.recoverable(), capabilities, (driver != null) ? driver.getName() : "", device.generation(),
                ProcessHandle.current().pid(), device.activeRequests(), totals)
            .withReport(device.driverReport());
    }

    @Override
    public String flush(String name) throws IOException {
        device(name);
        this.actions.flush(name);
        return "Flushed device '" + name + "'";
    }

    @Override
    public String detach(String name, boolean force) {
        device(name);
        return this.actions.detach(name, force);
    }

    @Override
    public String destroy(String name, boolean flush, boolean force) {
        device(name);
        return this.actions.destroy(name, flush, force);
    }

    private ManagedDevice device(String name) {
        ManagedDevice device = this.registry.device(name);
        if (device == null) {
            throw new IllegalArgumentException("No device named '" + name + "'; devices: "
                    + String.join(", ", this.registry.names()));
        }
        return device;
    }

}
