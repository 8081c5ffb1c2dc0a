package io.bdus.driver;

/**
 * A type of request a block device can receive. A driver supports a subset; the device
 * advertises exactly that subset, so the kernel never sends the others.
 */
public enum Operation {

    /** Read a range into the payload buffer. Every driver supports it. */
    READ("read"),
    /** Write the payload buffer to a range. */
    WRITE("write"),
    /** Zero a range, optionally deallocating it. */
    WRITE_ZEROES("write_zeroes"),
    /** Write and make the data durable before completing (forced unit access). */
    FUA_WRITE("fua_write"),
    /** Make every completed write durable. */
    FLUSH("flush"),
    /** Tell the driver a range is no longer in use; its contents become unspecified. */
    DISCARD("discard"),
    /** Irrecoverably erase a range. */
    SECURE_ERASE("secure_erase"),
    /** A device-specific ioctl forwarded from the block device. */
    IOCTL("ioctl");

    private final String tag;

    Operation(String tag) {
        this.tag = tag;
    }

    /** Lowercase name, stable across versions, used in metrics tags and JSON. */
    public String tag() {
        return this.tag;
    }
}
