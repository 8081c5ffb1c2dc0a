package io.bdus.transport;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/** A way to turn a user-space driver into a Linux block device. */
public interface Transport {

    /** The name used in configuration and logs ({@code kbdus}, {@code fuse-loop}). */
    String name();

    /**
     * Why this transport cannot be used on this machine (e.g. "/dev/fuse is missing"), or
     * empty when it can.
     */
    Optional<String> unavailableReason();

    /**
     * Creates a device. {@code operations} are the operations the driver supports; the
     * transport advertises no others. {@code plan} says how many channels the runtime
     * serves and how many requests it may have in flight.
     */
    TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) throws IOException;

    /**
     * Becomes the driver of a device an earlier driver detached (or left by crashing, for a
     * recoverable device); requests it left unanswered are delivered again.
     *
     * @param handle what {@link TransportDevice#detach()} returned
     * @throws IOException if the device is gone, or this transport cannot attach
     */
    default TransportDevice attach(String handle, DeviceSpec spec, Set<Operation> operations, ServingPlan plan)
            throws IOException {
        throw new IOException("The " + name() + " transport cannot attach to an existing device");
    }
}
