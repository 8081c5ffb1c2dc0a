package io.bdus.spring.boot.autoconfigure;

import io.bdus.device.DeviceSpec;

/**
 * A device to create, validated: its spec and the name of the bean that serves it.
 *
 * @param spec what the device looks like to clients
 * @param driverBean name of the {@code BlockDriver} bean serving it
 * @param keepOnShutdown whether the device should outlive the application
 */
record DevicePlan(DeviceSpec spec, String driverBean, boolean keepOnShutdown) {

    String name() {
        return this.spec.name();
    }

}
