package io.bdus.transport;

/** What the runtime gives a transport channel: serves one request. */
@FunctionalInterface
public interface RequestHandler {

    /**
     * Serves {@code request}: calls {@link Request#reply} exactly once, with 0 or the errno
     * the client must see (already mapped for clients: EIO, ENOSPC, ENOLINK, ETIMEDOUT,
     * EOPNOTSUPP, or an ioctl's errno), before returning or later from any thread. Never
     * throws.
     */
    void handle(Request request);
}
