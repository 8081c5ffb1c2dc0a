package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.bdus.device.BlockDevice;
import io.bdus.linux.BlockDeviceUsers;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;

/**
 * Takes one device out of service within a deadline: leaves it in place for the next start
 * (and records its handle), or flushes and tears it down (and forgets its record).
 */
final class DeviceStopper {

    private static final Log logger = LogFactory.getLog(DeviceStopper.class);

    private final KeptDevices kept;

    DeviceStopper(KeptDevices kept) {
        this.kept = kept;
    }

    /**
     * Stops a device at shutdown (or after a failed start-up): leaves it in place if
     * {@code keep} and its transport can, else flushes and tears it down, warning if it is
     * still in use.
     */
    void stop(DeviceHandle handle, BlockDevice device, Deadline deadline, boolean keep) {
        if (keep) {
            if (device.canDetach()) {
                detach(handle, device, deadline);
                return;
            }
            if (handle.keepOnShutdown()) {
                logger.info(LogMessage.format("bdus device '%s': the %s transport cannot keep this device across "
                        + "restarts%s; tearing it down despite keep-on-shutdown", handle.name(), device.transportName(),
                        device.spec().recoverable() ? "" : " (it is not recoverable)"));
            }
        }
        List<String> users = BlockDeviceUsers.of(device.path());
        if (!users.isEmpty()) {
            logger.warn(LogMessage.format("bdus device '%s' at %s goes away while still in use (%s): unmount it "
                    + "before stopping the application", handle.name(), device.path(), String.join("; ", users)));
        }
        flushAndStop(handle, device, deadline);
    }

    /**
     * Flushes the device, with at most half the time left, then tears it down with the rest
     * and forgets its record.
     */
    void flushAndStop(DeviceHandle handle, BlockDevice device, Deadline deadline) {
        if (device.state().isServing()) {
            try {
                device.flush(deadline.fraction(0.5).left());
            }
            catch (IOException | RuntimeException ex) {
                logger.warn(LogMessage.format("bdus device '%s': flush before stop failed: %s", handle.name(),
                        ex.getMessage()));
            }
        }
        device.stop(deadline.left());
        this.kept.forget(device.transportName(), device.name());
    }

    /** Tears the device down without flushing it first, and forgets its record. */
    void stopWithoutFlush(DeviceHandle handle, BlockDevice device, Deadline deadline) {
        device.stop(deadline.left());
        this.kept.forget(device.transportName(), device.name());
    }

    /**
     * Leaves the device in place without a driver and records its handle for the next start.
     * @return the handle
     */
    String detach(DeviceHandle handle, BlockDevice device, Deadline deadline) {
        String id = device.detach(deadline.left());
        this.kept.kept(device, id);
        Path file = this.kept.file(device.transportName(), device.name());
        logger.info(LogMessage.format("bdus device '%s' at %s left in place (handle %s%s)", handle.name(),
                device.path(), id, (file != null) ? ", recorded in " + file : ""));
        return id;
    }

}
