package io.bdus.transport;

/** What the runtime gives a transport channel: serves one request. */
@FunctionalInterface
public interface RequestHandler {

    /**
     * Serves {@code request} and returns 0 on success or the errno the client must see
     * (already mapped for clients: EIO, ENOSPC, ENOLINK, ETIMEDOUT, or EOPNOTSUPP).
     * Never throws.
     */
    int handle(Request request);
}
