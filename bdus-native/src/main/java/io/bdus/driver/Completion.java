package io.bdus.driver;

/**
 * Reports the outcome of one request of an {@link AsyncBlockDriver}. Call exactly one of its
 * methods, once, from any thread; later calls are ignored (and logged once). Until then the
 * request's payload buffer belongs to the driver; afterwards the runtime reuses it at once, so
 * the driver must neither read nor write it again.
 *
 * <p>Implementations are pooled by the runtime and reused for later requests (nothing is
 * allocated per request): never keep a completion after calling it. A call that comes after
 * the completion was handed out again would answer the later request.
 */
public interface Completion {

    /**
     * The request succeeded. For a read, the payload buffer's position must have reached its
     * limit (see {@link BlockDriver#read}); otherwise the read fails with EIO.
     */
    void complete();

    /** An ioctl succeeded with {@code result} (non-negative); other requests treat it as {@link #complete()}. */
    void complete(int result);

    /**
     * The request failed with {@code errno}, mapped for the client as a
     * {@link BlockDriverException} with that errno would be.
     */
    void fail(int errno);

    /**
     * The request failed: a {@link BlockDriverException} gives its errno, anything else EIO
     * (and is logged without flooding the log).
     */
    void fail(Throwable cause);
}
