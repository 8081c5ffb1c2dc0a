package io.bdus.cli;

import io.bdus.control.DeviceStatus;
import io.bdus.device.DeviceRecord;
import io.bdus.transport.fuse.FuseLoopMountPoints.MountPoint;

/**
 * One device of this machine as {@code bdus} sees it: what its record says, what the kernel
 * has, and what its owner answered.
 *
 * @param transport transport name
 * @param name device name, or {@code null} for a kbdus device no record names
 * @param path block device path, or {@code null} when the kernel has none
 * @param size size in bytes (0 when unknown)
 * @param presence how record, kernel and owner relate
 * @param record its record, or {@code null}
 * @param status what its owner answered, or {@code null}
 * @param ownerProblem why a live owner did not answer, or {@code null}
 * @param kbdusId the kbdus device id, or {@code null} for other transports
 * @param mountPoint the fuse-loop mount point, or {@code null}
 */
record KnownDevice(String transport, String name, String path, long size, Presence presence, DeviceRecord record,
        DeviceStatus status, String ownerProblem, Long kbdusId, MountPoint mountPoint) {

    /** How a device's record, the kernel and its owner relate. */
    enum Presence {
        /** A live process serves it. */
        OWNED,
        /** Left in place without a driver, recorded with its handle for a later attach. */
        KEPT,
        /** Its owner died and left it behind. */
        ORPHANED,
        /** Recorded, but the kernel no longer has it. */
        GONE,
        /** The kernel has it (in our state directory, for fuse-loop) but no record names it. */
        UNRECORDED
    }

    /** The device state: the owner's word when it answered, else the presence. */
    String state() {
        if (this.status != null) {
            return this.status.state();
        }
        return (this.presence == Presence.OWNED) ? "UNKNOWN" : this.presence.name();
    }

    /** The serving process, or 0 when none. */
    long pid() {
        if (this.presence == Presence.OWNED && this.record != null) {
            return this.record.pid();
        }
        if (this.mountPoint != null && this.mountPoint.ownerAlive()) {
            return this.mountPoint.pid();
        }
        return 0;
    }

    /** The process that served it last, alive or not, or 0 when unknown. */
    long lastPid() {
        if (this.record != null && this.record.pid() > 0) {
            return this.record.pid();
        }
        return (this.mountPoint != null) ? this.mountPoint.pid() : 0;
    }

    boolean kept() {
        return this.presence == Presence.KEPT;
    }

    /** Whether the kernel still has the device. */
    boolean exists() {
        return this.presence != Presence.GONE;
    }

    /** How the user names it: {@code transport/name}, or the path of an unnamed device. */
    String label() {
        return (this.name != null) ? this.transport + "/" + this.name : this.path;
    }

    /** "device 'disk0' (fuse-loop, /dev/loop0)", or "kbdus device /dev/bdus-3" when unnamed, for messages. */
    String describe() {
        if (this.name == null) {
            return this.transport + " device " + this.path;
        }
        return "device '" + this.name + "' (" + this.transport + ((this.path != null) ? ", " + this.path : "") + ")";
    }
}
