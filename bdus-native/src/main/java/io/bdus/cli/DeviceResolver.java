package io.bdus.cli;

import java.util.List;

/**
 * Finds the device a DEV argument names: a block device path ({@code /dev/bdus-3},
 * {@code /dev/loop0}, symlinks followed), a kbdus id ({@code 3}), or a recorded name
 * ({@code disk0}, or {@code transport/name} when two transports have one).
 */
final class DeviceResolver {

    static final String DEV_HELP = "The device: its path (/dev/bdus-3, /dev/loop0), a kbdus id (3), or its name "
            + "(disk0, or transport/name such as fuse-loop/disk0).";

    private DeviceResolver() {
    }

    /**
     * @throws CommandFailedException saying that nothing or more than one device matched
     */
    static KnownDevice resolve(String argument, List<KnownDevice> devices) {
        String dev = argument.strip();
        List<KnownDevice> matches;
        String what;
        if (dev.startsWith("/")) {
            what = "at " + dev;
            matches = devices.stream().filter(device -> DeviceInventory.samePath(device.path(), dev)).toList();
        }
        else if (dev.matches("\\d{1,18}")) {
            long id = Long.parseLong(dev);
            what = "with kbdus id " + id;
            matches = devices.stream().filter(device -> device.kbdusId() != null && device.kbdusId() == id).toList();
        }
        else if (dev.contains("/")) {
            String transport = dev.substring(0, dev.indexOf('/'));
            String name = dev.substring(dev.indexOf('/') + 1);
            what = "named '" + name + "' on transport " + transport;
            matches = devices.stream()
                .filter(device -> transport.equals(device.transport()) && name.equals(device.name()))
                .toList();
        }
        else {
            what = "named '" + dev + "'";
            matches = devices.stream().filter(device -> dev.equals(device.name())).toList();
        }
        if (matches.isEmpty()) {
            throw new CommandFailedException("No bdus device " + what + " on this machine.\n"
                    + "'bdus list' shows every device (with --state-dir if it was served with another state directory).");
        }
        if (matches.size() > 1) {
            throw new CommandFailedException("More than one device " + what + ": "
                    + String.join(", ", matches.stream().map(KnownDevice::label).toList()) + ".\n"
                    + "Name one of them as shown (transport/name, or its path).");
        }
        return matches.get(0);
    }
}
