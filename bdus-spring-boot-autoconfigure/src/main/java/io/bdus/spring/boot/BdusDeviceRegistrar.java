package io.bdus.spring.boot;

import io.bdus.device.DeviceSpec;

/**
 * Adds devices in code, besides those under {@code bdus.devices}. Declare it as a bean;
 * several run in {@link org.springframework.core.annotation.Order @Order} /
 * {@link org.springframework.core.Ordered Ordered} order. {@code bdus.defaults} does not
 * apply to these devices: their {@link DeviceSpec} is used as given (then customized).
 */
@FunctionalInterface
public interface BdusDeviceRegistrar {

    /**
     * Adds devices.
     * @param devices where to add them
     */
    void registerDevices(Devices devices);

    /**
     * The devices being configured.
     */
    interface Devices {

        /**
         * Adds a device.
         * @param spec what the device looks like to clients; its name must not be taken
         * @param driverBean name of the BlockDriver bean that serves it
         * @return the new device, e.g. to set {@link BdusDeviceDefinition#keepOnShutdown}
         * @throws IllegalArgumentException if a device of that name exists already
         */
        BdusDeviceDefinition add(DeviceSpec spec, String driverBean);

    }

}
