package io.bdus.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The DEV argument of the commands that act on one device, with the options every command takes. */
final class DeviceArgument {

    @Parameters(paramLabel = "DEV", description = DeviceResolver.DEV_HELP)
    String dev;

    @Mixin
    CommonOptions common;

    private DeviceInventory inventory;

    /** The devices of this machine, scanned once per command. */
    DeviceInventory inventory() {
        if (this.inventory == null) {
            this.inventory = this.common.inventory();
        }
        return this.inventory;
    }

    /** The device DEV names; fails, saying what was tried, when none or several match. */
    KnownDevice resolve() {
        return DeviceResolver.resolve(this.dev, inventory().scan());
    }

    /** The actions on the devices of this machine. */
    DeviceActions actions() {
        return new DeviceActions(inventory());
    }
}
