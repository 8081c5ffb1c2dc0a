package io.bdus.device;

/** Hears about a device's life; called on the thread that caused the change. Must not throw. */
public interface DeviceListener {

    /**
     * The device is about to be created (or attached): set a {@link RequestObserver} here to
     * see its very first requests, such as the kernel's partition scan.
     */
    default void starting(BlockDevice device) {
    }

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
