package io.bdus.spring.boot;

import io.bdus.device.DeviceSpec;
import org.jspecify.annotations.Nullable;

/**
 * A device about to be created, as a {@link BdusDeviceCustomizer} sees it: its
 * {@code bdus.devices.<name>.*} properties (with {@code bdus.defaults.*} applied) or what a
 * {@link BdusDeviceRegistrar} added.
 */
public interface BdusDeviceDefinition {

    /**
     * The device name.
     * @return the name
     */
    String name();

    /**
     * What the device will look like to clients.
     * @return the spec
     */
    DeviceSpec spec();

    /**
     * Changes what the device will look like, e.g.
     * {@code definition.spec(definition.spec().toBuilder().maxConcurrentRequests(16).build())}.
     * @param spec the new spec; its name must be {@link #name()}
     * @throws IllegalArgumentException if the spec has another name
     */
    void spec(DeviceSpec spec);

    /**
     * Name of the BlockDriver bean that will serve the device.
     * @return the bean name, or {@code null} to take the bean named like the device, else
     * the only BlockDriver bean
     */
    @Nullable String driverBean();

    /**
     * Changes the BlockDriver bean that will serve the device.
     * @param driverBean the bean name
     */
    void driverBean(String driverBean);

    /**
     * Whether the device is to be left in place when the application stops.
     * @return whether it is kept
     */
    boolean keepOnShutdown();

    /**
     * Changes whether the device is left in place when the application stops (recoverable
     * kbdus devices only).
     * @param keepOnShutdown whether to keep it
     */
    void keepOnShutdown(boolean keepOnShutdown);

}
