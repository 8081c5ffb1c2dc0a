package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceListener;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceStartException;
import io.bdus.driver.BlockDriver;
import io.bdus.spring.boot.BdusDeviceFailedEvent;
import io.bdus.spring.boot.BdusDeviceReplacedEvent;
import io.bdus.transport.DeviceGoneException;
import io.bdus.transport.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.log.LogMessage;
import org.springframework.util.unit.DataSize;

/**
 * Brings one device up within a timeout: takes over the device a previous run left in
 * place (kept at shutdown, or left by a process that died, if recoverable), else creates
 * it; records it; and logs the one line that says it serves.
 */
final class DeviceStarter {

    private static final Log logger = LogFactory.getLog(DeviceStarter.class);

    private final Transport transport;

    private final KeptDevices kept;

    private final RequestObservers observers;

    private final ApplicationEventPublisher publisher;

    DeviceStarter(Transport transport, KeptDevices kept, RequestObservers observers,
            ApplicationEventPublisher publisher) {
        this.transport = transport;
        this.kept = kept;
        this.observers = observers;
        this.publisher = publisher;
    }

    /**
     * A device that serves.
     *
     * @param device the device
     * @param takeOver {@link BdusDeviceReplacedEvent#RESTART} or
     * {@link BdusDeviceReplacedEvent#CRASH} when an existing device was taken over, else
     * {@code null}
     */
    record Started(BlockDevice device, @Nullable String takeOver) {
    }

    /**
     * Brings a device up; nothing of it is left behind when this fails.
     * @param handle the device
     * @param driver the driver to serve it
     * @param timeout how long it may take
     * @return the device, serving
     * @throws KeptDeviceAttachException if the device a previous run left cannot be taken
     * over
     * @throws BdusDeviceStartException otherwise
     */
    Started start(DeviceHandle handle, BlockDriver driver, Duration timeout) throws DeviceStartException {
        Deadline deadline = Deadline.in(timeout);
        DeviceListener listener = new DeviceEventPublisher(handle, this.observers, this.publisher);
        try {
            Started takenOver = takeOver(handle, driver, deadline, timeout, listener);
            Started started = (takenOver != null) ? takenOver : new Started(
                    BlockDevice.start(handle.spec(), driver, this.transport, deadline.left(), listener), null);
            this.kept.serving(started.device());
            logger.info(LogMessage.of(() -> line(handle, started)));
            return started;
        }
        catch (KeptDeviceAttachException | BdusDeviceStartException ex) {
            this.publisher.publishEvent(new BdusDeviceFailedEvent(handle, ex));
            throw ex;
        }
        catch (DeviceStartException ex) {
            this.publisher.publishEvent(new BdusDeviceFailedEvent(handle, ex));
            throw new BdusDeviceStartException(handle.name(), deadline.hasPassed(), timeout, ex);
        }
    }

    private @Nullable Started takeOver(DeviceHandle handle, BlockDriver driver, Deadline deadline, Duration timeout,
            DeviceListener listener) throws DeviceStartException {
        DeviceRecord left = this.kept.find(this.transport.name(), handle.name());
        if (left == null) {
            return null;
        }
        if (!left.kept() && left.ownerAlive()) {
            throw new BdusDeviceStartException(handle.name(), "checking the device records", false, timeout,
                    "bdus device '" + handle.name() + "' is already served by process " + left.pid() + " ("
                            + left.path() + ", recorded in " + this.kept.file(left.transport(), left.name())
                            + "); give this application its own bdus.state-dir or another device name",
                    null);
        }
        if (left.handle() == null) {
            this.kept.forget(left.transport(), left.name());
            return null;
        }
        try {
            BlockDevice device = BlockDevice.attach(left.handle(), handle.spec(), driver, this.transport,
                    deadline.left(), listener);
            return new Started(device, left.kept() ? BdusDeviceReplacedEvent.RESTART : BdusDeviceReplacedEvent.CRASH);
        }
        catch (DeviceStartException ex) {
            if (ex.getCause() instanceof DeviceGoneException) {
                logger.warn(LogMessage.format("bdus device '%s': the device recorded at %s is gone (%s); creating a "
                        + "new one", handle.name(), left.path(), ex.getCause().getMessage()));
                this.kept.forget(left.transport(), left.name());
                return null;
            }
            throw new KeptDeviceAttachException(handle.name(), left, this.kept.file(left.transport(), left.name()),
                    ex);
        }
    }

    private static String line(DeviceHandle handle, Started started) {
        BlockDevice device = started.device();
        String takeOver = "";
        if (BdusDeviceReplacedEvent.RESTART.equals(started.takeOver())) {
            takeOver = ", taken over from a previous run that left it in place";
        }
        else if (BdusDeviceReplacedEvent.CRASH.equals(started.takeOver())) {
            takeOver = ", taken over from a process that died";
        }
        return "bdus device '" + handle.name() + "' serving at " + device.path() + " (" + sizeText(device.spec().size())
                + ", transport " + device.transportName() + transportDetails(device) + ", driver bean '"
                + handle.driverBean() + "')" + takeOver;
    }

    /** E.g. {@code " (requests over io_uring)"}, or nothing. */
    private static String transportDetails(BlockDevice device) {
        Object requests = device.transportDetails().get("requests");
        return (requests != null) ? " (requests over " + requests + ")" : "";
    }

    static String sizeText(long bytes) {
        DataSize size = DataSize.ofBytes(bytes);
        if (bytes % (1L << 30) == 0) {
            return size.toGigabytes() + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return size.toMegabytes() + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return size.toKilobytes() + " KiB";
        }
        return bytes + " bytes";
    }

}
