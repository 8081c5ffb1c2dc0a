package io.bdus.linux.uring;

/** Receives completion queue entries from {@link IoUring#complete(CompletionHandler)}. */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * One completion.
     *
     * @param userData what the submission carried
     * @param result the operation's result: non-negative on success, {@code -errno} on failure
     * @param flags {@code IORING_CQE_F_*} bits
     */
    void onCompletion(long userData, int result, int flags);
}
