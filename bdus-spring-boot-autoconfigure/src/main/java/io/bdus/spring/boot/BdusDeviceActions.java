package io.bdus.spring.boot;

import java.io.IOException;

import io.bdus.device.DeviceInUseException;
import org.jspecify.annotations.Nullable;

/**
 * What an operator can do to a running device (the {@code bdus} Actuator endpoint uses it).
 * Each action returns within its timeout even while a driver call never returns. Failures
 * are reported as:
 * <ul>
 * <li>{@link DeviceInUseException}: refused, because the action would take the device away
 * from its users (it is mounted or open);</li>
 * <li>{@link IllegalStateException}: the device does not serve, or another action on it is
 * still running;</li>
 * <li>{@link IllegalArgumentException}: a bad request, e.g. no such device or driver bean;</li>
 * <li>{@link IOException}: the action failed; the driver that served the device before goes
 * on serving it.</li>
 * </ul>
 */
public interface BdusDeviceActions {

    /**
     * Makes every write a device completed so far durable. Waits at most the device's
     * request timeout (30 seconds when it has none).
     * @param name the device name
     * @throws IOException if the driver's flush failed or did not return in time
     * @throws IllegalStateException if the device does not serve
     * @throws IllegalArgumentException if there is no device of that name
     */
    void flush(String name) throws IOException;

    /**
     * Replaces the driver of a device without failing a client request, within
     * {@code bdus.replace-timeout}. A prototype-scoped bean gives a fresh instance; a
     * singleton bean that already serves the device is flushed, terminated and initialized
     * again while requests are held back.
     * @param name the device name
     * @param driverBean name of the BlockDriver bean to use, or {@code null} for the current
     * one
     * @return the device
     * @throws IOException if the old driver could not be drained or flushed, or the new one
     * could not be initialized, in time; the old driver then goes on serving
     * @throws IllegalArgumentException if there is no such device or BlockDriver bean, or the
     * bean cannot serve the device
     * @throws IllegalStateException if the device does not serve
     */
    ManagedDevice replace(String name, @Nullable String driverBean) throws IOException;

    /**
     * Stops serving a device, within {@code spring.lifecycle.timeout-per-shutdown-phase}. A
     * device whose transport can keep it (a recoverable kbdus device) is left in place with
     * its queued requests, and the next start of the application attaches to it; others
     * (fuse-loop) are flushed and torn down, which is refused while the block device is
     * mounted or open unless {@code force} is set.
     * @param name the device name
     * @param force whether to tear down a device that cannot be kept even while it is in
     * use
     * @return what happened, in one sentence
     * @throws DeviceInUseException if the device would be torn down under its users and
     * {@code force} is not set
     * @throws IllegalStateException if the device does not serve
     * @throws IllegalArgumentException if there is no device of that name
     */
    String detach(String name, boolean force);

    /**
     * Tears a device down, even one its transport could keep, after flushing it unless
     * {@code flush} is false, within {@code spring.lifecycle.timeout-per-shutdown-phase}. This
     * is refused while the block device is mounted or open unless {@code force} is set. (The
     * {@code bdus destroy} command line uses it.)
     * @param name the device name
     * @param flush whether to flush first
     * @param force whether to tear it down even while it is in use
     * @return what happened, in one sentence
     * @throws DeviceInUseException if the device is in use and {@code force} is not set
     * @throws IllegalStateException if the device does not serve
     * @throws IllegalArgumentException if there is no device of that name
     */
    String destroy(String name, boolean flush, boolean force);

}
