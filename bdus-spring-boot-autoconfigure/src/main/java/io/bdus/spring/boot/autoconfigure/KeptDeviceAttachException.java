package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;

import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceStartException;

/**
 * A device that a previous run left in place (or that a crashed process left behind) could
 * not be taken over, for example because the configuration no longer matches it. Start-up
 * stops rather than creating a second device: the first would be orphaned, its clients
 * waiting forever.
 */
public class KeptDeviceAttachException extends DeviceStartException {

    private static final long serialVersionUID = 1L;

    private final String device;

    private final transient DeviceRecord record;

    private final transient Path recordFile;

    KeptDeviceAttachException(String device, DeviceRecord record, Path recordFile, DeviceStartException cause) {
        super("bdus device '" + device + "' cannot take over " + record.transport() + " device " + record.handle()
                + " (" + record.path() + ") that " + (record.kept() ? "a previous run left in place"
                        : "process " + record.pid() + " left behind")
                + ": " + rootMessage(cause), cause);
        this.device = device;
        this.record = record;
        this.recordFile = recordFile;
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause().getMessage() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    /** The configured device's name. */
    public String device() {
        return this.device;
    }

    /** The device left in place, as recorded. */
    public DeviceRecord record() {
        return this.record;
    }

    /** Where it is recorded; the record stays until the device is taken over or destroyed. */
    public Path recordFile() {
        return this.recordFile;
    }
}
