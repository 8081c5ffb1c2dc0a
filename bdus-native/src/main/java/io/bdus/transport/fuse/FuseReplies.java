package io.bdus.transport.fuse;

/**
 * Where the answers to requests read from one channel go: the kernel matches a reply only on
 * the path its request came from (the same {@code /dev/fuse} descriptor, or the same io_uring
 * queue and entry).
 */
interface FuseReplies {

    /**
     * Sends the reply of {@code length} bytes encoded in {@code request}'s reply views, from
     * the thread that answered after the serving thread moved on. Never throws.
     */
    void sendLate(FuseRequest request, int length);

    /**
     * Fails the request {@code unique} with ETIMEDOUT without touching {@code request}'s
     * buffer, which a late driver may still be using. Watchdog thread only. Never throws.
     * @return whether the reply was handed to the kernel
     */
    boolean sendTimeout(FuseRequest request, long unique);
}
