package io.bdus.transport;

import java.io.IOException;

/**
 * One stream of requests, served by one runtime worker thread. Each channel is used by a
 * single thread; different channels of a device are served in parallel.
 */
public interface RequestChannel extends AutoCloseable {

    /**
     * Receives requests, passes each to {@code handler} and sends its reply, until the
     * device is torn down; then returns normally. Throws only on a transport failure.
     */
    void serve(RequestHandler handler) throws IOException;

    /** Releases the channel's resources; called by its worker thread after {@link #serve} returns. */
    @Override
    void close();
}
