package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.log.LogMessage;

/**
 * The records of this application's devices in the state directory
 * ({@link DeviceRecords}): each device is recorded while it is served, so that the bdus
 * command line sees it, and a device left in place stays recorded with its handle, so that
 * the next start takes it over. A record that cannot be written is logged, not fatal.
 */
final class KeptDevices {

    private static final Log logger = LogFactory.getLog(KeptDevices.class);

    private final @Nullable DeviceRecords records;

    /**
     * @param records where devices are recorded, {@code null} to record nothing
     */
    KeptDevices(@Nullable DeviceRecords records) {
        this.records = records;
    }

    /**
     * The record a previous run (or a process that died) left of a device.
     * @return the record, or {@code null}
     */
    @Nullable DeviceRecord find(String transport, String name) {
        return (this.records != null) ? this.records.find(transport, name).orElse(null) : null;
    }

    /** Records a device this process serves from now on. */
    void serving(BlockDevice device) {
        save(DeviceRecord.serving(device, device.handle()));
    }

    /**
     * Records a device left in place without a driver, for the next start.
     * @return the record
     */
    DeviceRecord kept(BlockDevice device, String handle) {
        DeviceRecord kept = DeviceRecord.serving(device, handle).keptWith(handle);
        save(kept);
        return kept;
    }

    /** Forgets a device that went away. */
    void forget(String transport, String name) {
        if (this.records == null) {
            return;
        }
        try {
            this.records.delete(transport, name);
        }
        catch (IOException ex) {
            logger.warn(LogMessage.format("bdus device '%s': cannot delete its record in %s: %s", name,
                    this.records.directory(), ex.getMessage()));
        }
    }

    /**
     * Where a device is recorded.
     * @return the file, or {@code null} when nothing is recorded
     */
    @Nullable Path file(String transport, String name) {
        return (this.records != null) ? this.records.file(transport, name) : null;
    }

    private void save(DeviceRecord record) {
        if (this.records == null) {
            return;
        }
        try {
            this.records.save(record);
        }
        catch (IOException ex) {
            logger.warn(LogMessage.format("bdus device '%s': cannot record it in %s: %s", record.name(),
                    this.records.directory(), ex.getMessage()));
        }
    }

}
