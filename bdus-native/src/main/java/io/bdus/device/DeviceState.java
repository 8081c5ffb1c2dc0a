package io.bdus.device;

/** Where a device is in its life. */
public enum DeviceState {

    /** Being created; clients cannot see it yet. */
    STARTING,
    /** Serving clients. */
    AVAILABLE,
    /** Swapping drivers; requests wait, none fail. */
    REPLACING,
    /** Draining, flushing and tearing down. */
    STOPPING,
    /** Gone; its block device no longer exists. */
    STOPPED,
    /** Left in place without a driver, for a later attach (kbdus, recoverable devices). */
    DETACHED,
    /** Stopped serving because of an error; see the device's failure cause. */
    FAILED;

    /** Whether clients are being served (possibly after a short pause). */
    public boolean isServing() {
        return this == AVAILABLE || this == REPLACING;
    }
}
