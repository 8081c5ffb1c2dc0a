package io.bdus.device;

import java.time.Instant;
import java.util.Objects;

/**
 * What this machine knows of one device besides the kernel: who serves it and how to find
 * it again. Saved by {@link DeviceRecords} while the device exists.
 *
 * @param name device name
 * @param transport transport name ({@code kbdus}, {@code fuse-loop})
 * @param path block device path, e.g. {@code /dev/bdus-3}
 * @param handle what {@link BlockDevice#attach} takes to serve it again (kbdus: the
 *        device id), or {@code null} when it cannot be kept
 * @param size size in bytes
 * @param pid the serving process, or 0 while the device is kept without a driver
 * @param since when that process started serving it, or when it was kept
 * @param kept whether the device was left in place without a driver, waiting for an
 *        attach
 */
public record DeviceRecord(String name, String transport, String path, String handle, long size, long pid,
        Instant since, boolean kept) {

    public DeviceRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(since, "since");
    }

    /** A device served by this process from now on. */
    public static DeviceRecord serving(BlockDevice device, String handle) {
        return new DeviceRecord(device.name(), device.transportName(), device.path(), handle, device.spec().size(),
                ProcessHandle.current().pid(), Instant.now(), false);
    }

    /** The same device, left in place without a driver. */
    public DeviceRecord keptWith(String handle) {
        return new DeviceRecord(this.name, this.transport, this.path, handle, this.size, 0, Instant.now(), true);
    }

    /** Whether the process that serves the device still runs. */
    public boolean ownerAlive() {
        return this.pid > 0 && ProcessHandle.of(this.pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
