package io.bdus.spring.boot;

import java.util.Map;
import java.util.Set;

import io.bdus.device.RequestObserver;
import org.jspecify.annotations.Nullable;

/**
 * The block devices of the application, in configuration order (devices under
 * {@code bdus.devices} first, then those a {@link BdusDeviceRegistrar} added). Inject it to
 * look at them.
 */
public interface BdusDeviceRegistry {

    /**
     * Every device.
     * @return the devices by name, in configuration order
     */
    Map<String, ManagedDevice> devices();

    /**
     * One device.
     * @param name the device name
     * @return the device, or {@code null} if none has that name
     */
    @Nullable ManagedDevice device(String name);

    /**
     * Names of the devices.
     * @return the names, in configuration order
     */
    Set<String> names();

    /**
     * Name of the transport serving the devices.
     * @return the transport name, or {@code null} when no device is configured
     */
    @Nullable String transportName();

    /**
     * Adds an observer of every request a device completes (e.g. a metrics binder), from
     * now on, or from its first request if the device has not started yet.
     * @param name the device name
     * @param observer the observer; must be fast and must not allocate or throw
     * @throws IllegalArgumentException if there is no device of that name
     */
    void observe(String name, RequestObserver observer);

}
