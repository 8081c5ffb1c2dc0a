package io.bdus.spring.boot.autoconfigure;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.bdus.device.RequestObserver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import io.bdus.transport.Transport;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The application's devices by name, and the transport that serves them.
 */
final class DefaultBdusDeviceRegistry implements BdusDeviceRegistry {

    private final Map<String, DeviceHandle> handles;

    private final Map<String, ManagedDevice> devices;

    private final @Nullable Transport transport;

    private final RequestObservers observers = new RequestObservers();

    /**
     * @param plans the validated devices, by name
     * @param transport the transport serving them, {@code null} when there are no devices
     */
    DefaultBdusDeviceRegistry(Map<String, DevicePlan> plans, @Nullable Transport transport) {
        Assert.isTrue(plans.isEmpty() || transport != null, "A transport is needed to serve devices");
        Map<String, DeviceHandle> handles = new LinkedHashMap<>();
        plans.forEach((name, plan) -> handles.put(name, new DeviceHandle(plan, transport.name())));
        this.handles = Collections.unmodifiableMap(handles);
        this.devices = Collections.unmodifiableMap(new LinkedHashMap<>(handles));
        this.transport = transport;
    }

    @Override
    public Map<String, ManagedDevice> devices() {
        return this.devices;
    }

    @Override
    public @Nullable ManagedDevice device(String name) {
        return this.handles.get(name);
    }

    @Override
    public Set<String> names() {
        return this.handles.keySet();
    }

    @Override
    public @Nullable String transportName() {
        return (this.transport != null) ? this.transport.name() : null;
    }

    @Override
    public void observe(String name, RequestObserver observer) {
        Assert.notNull(observer, "observer must not be null");
        this.observers.add(handle(name), observer);
    }

    /**
     * The transport.
     * @return the transport, {@code null} when there are no devices
     */
    @Nullable Transport transport() {
        return this.transport;
    }

    RequestObservers observers() {
        return this.observers;
    }

    /** Every device, in configuration order. */
    List<DeviceHandle> handles() {
        return List.copyOf(this.handles.values());
    }

    /**
     * One device.
     * @throws IllegalArgumentException if there is none of that name
     */
    DeviceHandle handle(String name) {
        DeviceHandle handle = this.handles.get(name);
        if (handle == null) {
            throw new IllegalArgumentException("No device named '" + name + "'; devices: "
                    + (this.handles.isEmpty() ? "(none)" : String.join(", ", this.handles.keySet())));
        }
        return handle;
    }

}
