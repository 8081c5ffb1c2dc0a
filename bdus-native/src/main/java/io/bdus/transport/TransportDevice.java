package io.bdus.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * A block device a transport created, from the runtime's side. The runtime opens
 * {@link #channelCount()} channels, serves each on its own thread, then calls
 * {@link #activate} to make the block device appear, and {@link #close} to tear it down.
 *
 * <p>Requests may be answered after their channel moved on, from other threads (see
 * {@link Request}): teardown releases the memory of a request only once it was answered, or
 * logs loudly that it keeps it because a driver never answered.
 */
public interface TransportDevice extends AutoCloseable {

    /** How many channels (serving threads) this device wants. */
    int channelCount();

    /**
     * How this device serves, for people: names and values (strings, numbers, booleans) in
     * the order to show them, such as how requests reach the transport. Empty by default.
     */
    default Map<String, Object> details() {
        return Map.of();
    }

    /** Opens one more channel; called {@link #channelCount()} times before {@link #activate}. */
    RequestChannel openChannel() throws IOException;

    /**
     * Makes the block device available to clients while channels are being served, and
     * returns its path (e.g. {@code /dev/loop3}).
     */
    String activate(Duration timeout) throws IOException;

    /** The block device path, or {@code null} before {@link #activate}. */
    String path();

    /**
     * What {@link Transport#attach} would take to serve this device again (kbdus: its id),
     * or {@code null} when the device cannot outlive its driver.
     */
    default String handle() {
        return null;
    }

    /**
     * Whether {@link #detach} can leave this device in place for a later
     * {@link Transport#attach} (kbdus, recoverable devices).
     */
    default boolean canDetach() {
        return false;
    }

    /**
     * Stops serving but leaves the block device, and the requests queued on it, in place for
     * a later {@link Transport#attach}; every channel's {@link RequestChannel#serve} returns.
     *
     * @return the handle that {@link Transport#attach} takes
     * @throws UnsupportedOperationException if {@link #canDetach()} is false
     */
    default String detach() {
        throw new UnsupportedOperationException("this transport cannot keep a device without a driver");
    }

    /**
     * Like {@link #detach()}, waiting at most {@code timeout} for serving threads to leave the
     * driver and for requests in flight to be answered; resources they might still touch are
     * released only once they have.
     */
    default String detach(Duration timeout) {
        return detach();
    }

    /**
     * Tears the device down: clients see it go away, pending requests are answered or
     * failed, and every channel's {@link RequestChannel#serve} returns. Idempotent.
     */
    @Override
    void close();

    /**
     * Like {@link #close()}, returning within about {@code timeout} even if a driver call
     * never returns or a request is never answered: resources a serving thread or a driver
     * might still touch (buffers, descriptors) are then released only once it has left the
     * driver and every request was answered.
     */
    default void close(Duration timeout) {
        close();
    }
}
