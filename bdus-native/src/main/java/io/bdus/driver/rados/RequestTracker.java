package io.bdus.driver.rados;

import io.bdus.driver.Completion;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One client request split into object operations: completes the request's
 * {@link Completion} once every part has, with the first error any part met. Pooled.
 *
 * <p>The submitting thread holds one extra part while it submits, so the request cannot
 * complete (and give its buffer back) before every part is on its way.
 */
final class RequestTracker {

    private static final VarHandle PENDING;

    private static final VarHandle ERRNO;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(RequestTracker.class, "pending", int.class);
            ERRNO = lookup.findVarHandle(RequestTracker.class, "errno", int.class);
        }
        catch (ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private static final FreeList<RequestTracker> pool = new FreeList<>(RequestTracker::new);

    private ImageIo io;

    private Completion completion;

    private ByteBuffer readBuffer;

    private volatile int pending;

    private volatile int errno;

    private RequestTracker() {
    }

    /**
     * A tracker holding the submitter's part.
     * @param readBuffer the payload of a read (its position is set to its limit on success), else null
     */
    static RequestTracker start(ImageIo io, Completion completion, ByteBuffer readBuffer) {
        RequestTracker tracker = pool.take();
        tracker.io = io;
        tracker.completion = completion;
        tracker.readBuffer = readBuffer;
        tracker.errno = 0;
        tracker.pending = 1;
        return tracker;
    }

    void addPart() {
        PENDING.getAndAdd(this, 1);
    }

    /** One part is done with {@code result} (negative errno or not); the last one completes the request. */
    void partDone(int result) {
        if (result < 0) {
            ERRNO.compareAndSet(this, 0, -result);
        }
        if ((int) PENDING.getAndAdd(this, -1) == 1) {
            finish();
        }
    }

    private void finish() {
        int errno = this.errno;
        Completion completion = this.completion;
        ByteBuffer buffer = this.readBuffer;
        ImageIo io = this.io;
        this.io = null;
        this.completion = null;
        this.readBuffer = null;
        pool.give(this);
        if (errno == 0) {
            if (buffer != null) {
                buffer.position(buffer.limit());
            }
            completion.complete();
        }
        else {
            io.requestFailed(errno);
            completion.fail(RadosErrors.forClient(errno));
        }
    }
}
