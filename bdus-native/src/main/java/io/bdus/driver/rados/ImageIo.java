package io.bdus.driver.rados;

import io.bdus.driver.Completion;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous I/O of one image: splits each request at object boundaries and submits
 * one librados operation per object, zero-copy where the C API allows (reads land in the
 * payload buffer; librados copies a write's payload once). Keeps what health needs: the
 * operations in flight, the outcome of the last one, and a probe of the header object.
 */
final class ImageIo {

    private static final Logger logger = LoggerFactory.getLogger(ImageIo.class);

    private static final long FAILURE_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final long ioctx;

    private final long size;

    private final int objectSize;

    private final int objectShift;

    private final byte[] dataPrefix;

    private final byte[] headerName;

    private final String description;

    private final AtomicInteger inFlight = new AtomicInteger();

    private final AtomicLong failedRequests = new AtomicLong();

    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);

    private volatile int lastErrno;

    private volatile long lastSuccessNanos = System.nanoTime();

    private volatile long lastFailureNanos;

    private final AtomicInteger probesInFlight = new AtomicInteger();

    private volatile long probeStartedNanos;

    private volatile int probeResult;

    private volatile long probeAnsweredNanos;

    ImageIo(long ioctx, String image, long size, int objectSize, String description) {
        this.ioctx = ioctx;
        this.size = size;
        this.objectSize = objectSize;
        this.objectShift = Integer.numberOfTrailingZeros(objectSize);
        this.dataPrefix = (image + ".").getBytes(StandardCharsets.US_ASCII);
        this.headerName = (RadosImage.headerObject(image) + "\0").getBytes(StandardCharsets.US_ASCII);
        this.description = description;
    }

    void read(ByteBuffer buffer, long offset, Completion completion) {
        RequestTracker request = RequestTracker.start(this, completion, buffer);
        int base = buffer.position();
        int total = buffer.remaining();
        int done = 0;
        try {
            while (done < total) {
                long position = offset + done;
                long index = position >>> this.objectShift;
                long within = position & (this.objectSize - 1);
                int length = (int) Math.min(total - done, this.objectSize - within);
                ObjectOp op = ObjectOp.take(this, ObjectOp.Kind.READ, request).object(this.dataPrefix, index)
                    .payload(buffer, base + done, length);
                request.addPart();
                long completionHandle = submitting(op);
                if (completionHandle >= 0) {
                    buffer.position(base + done);
                    int result = Librados.rados_aio_read(this.ioctx, op.nameAddress(), completionHandle, buffer,
                            length, within);
                    if (result < 0) {
                        op.submitFailed(result);
                    }
                }
                done += length;
            }
        }
        finally {
            buffer.position(base);
            request.partDone(0);
        }
    }

    void write(ByteBuffer buffer, long offset, Completion completion) {
        RequestTracker request = RequestTracker.start(this, completion, null);
        int base = buffer.position();
        int total = buffer.remaining();
        int done = 0;
        try {
            while (done < total) {
                long position = offset + done;
                long index = position >>> this.objectShift;
                long within = position & (this.objectSize - 1);
                int length = (int) Math.min(total - done, this.objectSize - within);
                long writeOp = Librados.rados_create_write_op();
                buffer.position(base + done);
                // librados copies the payload here: the C API has no way to lend it a buffer.
                Librados.rados_write_op_write(writeOp, buffer, length, within);
                operate(ObjectOp.take(this, ObjectOp.Kind.WRITE, request).object(this.dataPrefix, index)
                    .writeOp(writeOp), request);
                done += length;
            }
        }
        finally {
            buffer.position(base + total);
            request.partDone(0);
        }
    }

    /**
     * Makes a range read back as zeroes: objects it covers whole are removed, the tail of an
     * object is truncated away, anything else is zeroed in place. Missing objects stay missing.
     */
    void zero(long offset, long length, Completion completion) {
        RequestTracker request = RequestTracker.start(this, completion, null);
        long done = 0;
        try {
            while (done < length) {
                long position = offset + done;
                long index = position >>> this.objectShift;
                long within = position & (this.objectSize - 1);
                long part = Math.min(length - done, this.objectSize - within);
                long objectLength = Math.min(this.objectSize, this.size - (index << this.objectShift));
                long writeOp = Librados.rados_create_write_op();
                if (within == 0 && part == objectLength) {
                    Librados.rados_write_op_remove(writeOp);
                }
                else {
                    // Only an existing object is changed; zeroing or truncating would create it.
                    Librados.rados_write_op_assert_exists(writeOp);
                    if (within + part == objectLength) {
                        Librados.rados_write_op_truncate(writeOp, within);
                    }
                    else {
                        Librados.rados_write_op_zero(writeOp, within, part);
                    }
                }
                operate(ObjectOp.take(this, ObjectOp.Kind.ZERO, request).object(this.dataPrefix, index)
                    .writeOp(writeOp), request);
                done += part;
            }
        }
        finally {
            request.partDone(0);
        }
    }

    /** Completes once every write submitted so far is acknowledged by all replicas. */
    void flush(Completion completion) {
        RequestTracker request = RequestTracker.start(this, completion, null);
        try {
            ObjectOp op = ObjectOp.take(this, ObjectOp.Kind.FLUSH, request);
            request.addPart();
            long completionHandle = submitting(op);
            if (completionHandle >= 0) {
                int result = Librados.rados_aio_flush_async(this.ioctx, completionHandle);
                if (result < 0) {
                    op.submitFailed(result);
                }
            }
        }
        finally {
            request.partDone(0);
        }
    }

    private void operate(ObjectOp op, RequestTracker request) {
        request.addPart();
        long completionHandle = submitting(op);
        if (completionHandle >= 0) {
            int result = Librados.rados_aio_write_op_operate(op.writeOpHandle(), this.ioctx, completionHandle,
                    op.nameAddress(), 0, Librados.OPERATION_FULL_TRY);
            if (result < 0) {
                op.submitFailed(result);
            }
        }
    }

    /** Counts the operation in flight and creates its completion; on failure completes it. */
    private long submitting(ObjectOp op) {
        this.inFlight.incrementAndGet();
        long completionHandle = op.arm();
        if (completionHandle < 0) {
            op.submitFailed((int) completionHandle);
        }
        return completionHandle;
    }

    /** Called for every operation, on the thread that completes it. */
    void operationDone(int result) {
        this.inFlight.decrementAndGet();
        if (result >= 0) {
            this.lastSuccessNanos = System.nanoTime();
        }
        else if (RadosErrors.isUnreachable(-result)) {
            this.lastErrno = -result;
            this.lastFailureNanos = System.nanoTime();
        }
    }

    /** A request failed with {@code errno}: counted, and logged at most every few seconds. */
    void requestFailed(int errno) {
        this.failedRequests.incrementAndGet();
        long now = System.nanoTime();
        long last = this.lastFailureLog.get();
        if (now - last >= FAILURE_LOG_INTERVAL_NANOS && this.lastFailureLog.compareAndSet(last, now)) {
            logger.warn("{}: a request failed with {} (client sees errno {}); {} failed so far", this.description,
                    RadosErrors.name(errno), RadosErrors.forClient(errno), this.failedRequests.get());
        }
    }

    /** Starts an asynchronous stat of the header object unless one is in flight. */
    void probe() {
        if (!this.probesInFlight.compareAndSet(0, 1)) {
            return;
        }
        this.probeStartedNanos = System.nanoTime();
        ObjectOp op = ObjectOp.take(this, ObjectOp.Kind.PROBE, null).object(this.headerName);
        long completionHandle = submitting(op);
        if (completionHandle >= 0) {
            int result = Librados.rados_aio_stat(this.ioctx, op.nameAddress(), completionHandle, op.statSizeAddress(),
                    op.statMtimeAddress());
            if (result < 0) {
                op.submitFailed(result);
            }
        }
    }

    void probed(int result, long headerSize) {
        this.probeResult = result;
        this.probeAnsweredNanos = System.nanoTime();
        this.probesInFlight.set(0);
    }

    int inFlight() {
        return this.inFlight.get();
    }

    long failedRequests() {
        return this.failedRequests.get();
    }

    /** Nanoseconds the probe in flight has waited, or -1 when none is. */
    long probeWaitingNanos() {
        return (this.probesInFlight.get() == 0) ? -1 : System.nanoTime() - this.probeStartedNanos;
    }

    /** The last probe's result (0 or a negative errno), and when it came, or 0 if none did. */
    int probeResult() {
        return this.probeResult;
    }

    long probeAnsweredNanos() {
        return this.probeAnsweredNanos;
    }

    /** The last errno meaning the cluster was unreachable, if it came after the last success; else 0. */
    int unreachableErrno() {
        return (this.lastFailureNanos - this.lastSuccessNanos > 0) ? this.lastErrno : 0;
    }
}
