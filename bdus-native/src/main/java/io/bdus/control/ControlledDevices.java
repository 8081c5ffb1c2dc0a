package io.bdus.control;

import io.bdus.device.DeviceInUseException;
import java.io.IOException;
import java.util.List;

/**
 * The devices a serving process owns, as its {@link ControlServer} offers them to other
 * processes. Each action runs as the owner itself would run it: in order, with the owner's
 * timeouts, refusing to take a device from its users unless forced.
 *
 * <p>Errors an implementation reports (each reaches the client as its kind of error):
 * {@link IllegalArgumentException} when it has no device of that name,
 * {@link DeviceInUseException} when the device is in use and {@code force} is not set,
 * {@link IllegalStateException} when the device cannot do that now (e.g. it is not
 * serving), and {@link IOException} when the action failed.
 */
public interface ControlledDevices {

    /** The names of the devices this process serves. */
    List<String> names();

    /** A snapshot of one device. */
    DeviceStatus status(String name);

    /**
     * Makes every write the device completed so far durable.
     *
     * @return what was done, in one sentence
     */
    String flush(String name) throws IOException;

    /**
     * Stops serving the device, leaving it in place without a driver where its transport can
     * keep it (a recoverable kbdus device, recorded as kept); otherwise flushes and tears it
     * down, which is refused while it is in use unless {@code force}.
     *
     * @return what was done, in one sentence
     */
    String detach(String name, boolean force) throws IOException;

    /**
     * Flushes the device (unless {@code flush} is false) and tears it down, even a
     * recoverable one. Refused while it is in use unless {@code force}.
     *
     * @return what was done, in one sentence
     */
    String destroy(String name, boolean flush, boolean force) throws IOException;
}
