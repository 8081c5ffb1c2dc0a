package io.bdus.device;

import java.util.List;

/**
 * An action that would take a block device away from its users (tear it down, or leave it
 * without a driver that can serve them) was refused because the device is mounted or open.
 */
public class DeviceInUseException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String device;

    private final transient List<String> users;

    /**
     * @param device the device's name
     * @param path its block device path
     * @param users who uses it, as {@link io.bdus.linux.BlockDeviceUsers#of} describes them
     * @param consequence what the refused action would have done to them
     * @param remedy what the operator can do instead
     */
    public DeviceInUseException(String device, String path, List<String> users, String consequence,
            String remedy) {
        super("Device '" + device + "' at " + path + " is in use (" + String.join("; ", users) + "): "
                + consequence + ". " + remedy);
        this.device = device;
        this.users = List.copyOf(users);
    }

    public String device() {
        return this.device;
    }

    /** Who uses the device. */
    public List<String> users() {
        return this.users;
    }
}
