package io.bdus.device;

/** Hears about a device's life; called on the thread that caused the change. Must not throw. */
public interface DeviceListener {

    /** The block device appeared and serves clients. */
    default void started(BlockDevice device) {
    }

    /** A new driver took over; {@code generation} counts the drivers before it. */
    default void replaced(BlockDevice device, int generation) {
    }

    /** The device was torn down on request. */
    default void stopped(BlockDevice device) {
    }

    /** The device stopped serving because of {@code cause}. */
    default void failed(BlockDevice device, Throwable cause) {
    }
}
