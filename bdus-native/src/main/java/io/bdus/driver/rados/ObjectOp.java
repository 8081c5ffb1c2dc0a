package io.bdus.driver.rados;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One asynchronous librados operation on one object, part of a client request (or a health
 * probe). Pooled for every driver of the process and numbered: the number is the argument of
 * librados' completion callback, which finds the operation by it without allocating.
 *
 * <p>Each operation owns a small native block: the completion handle librados writes, the
 * outputs of a stat, and the object name as a C string.
 */
final class ObjectOp {

    enum Kind {
        READ, WRITE, ZERO, FLUSH, PROBE
    }

    private static final Logger logger = LoggerFactory.getLogger(ObjectOp.class);

    private static final int COMPLETION_OUT = 0;

    private static final int STAT_SIZE_OUT = 8;

    private static final int STAT_MTIME_OUT = 16;

    private static final int NAME = 64;

    /** Room for {@code <image>.header} and {@code <image>.<16 hex digits>} with a 96-character image name. */
    static final int MAX_NAME = 128;

    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private static final Librados.AioCallback callback = ObjectOp::completed;

    /** Where librados calls {@link #completed}; {@link #callback} stays reachable as a static. */
    private static final long CALLBACK = Librados.functionPointer(callback, "bdus-rados-aio");

    private static final FreeList<ObjectOp> pool = new FreeList<>(ObjectOp::create);

    private static final Object registration = new Object();

    private static volatile ObjectOp[] byNumber = new ObjectOp[64];

    private static int created;

    private final int number;

    private final Memory block = new Memory(NAME + MAX_NAME);

    private final long address = Pointer.nativeValue(this.block);

    private final byte[] name = new byte[MAX_NAME];

    private ImageIo io;

    private RequestTracker request;

    private Kind kind;

    private ByteBuffer buffer;

    private int bufferIndex;

    private int length;

    private long writeOp;

    private long completion;

    /** Written last before submission and read first on completion: publishes the fields above. */
    private volatile boolean armed;

    private ObjectOp(int number) {
        this.number = number;
    }

    private static ObjectOp create() {
        synchronized (registration) {
            ObjectOp op = new ObjectOp(created);
            ObjectOp[] ops = byNumber;
            if (created == ops.length) {
                ops = Arrays.copyOf(ops, ops.length * 2);
            }
            ops[created++] = op;
            byNumber = ops;
            return op;
        }
    }

    /** An operation of {@code kind} for {@code io}, part of {@code request} (null for a probe). */
    static ObjectOp take(ImageIo io, Kind kind, RequestTracker request) {
        ObjectOp op = pool.take();
        op.io = io;
        op.kind = kind;
        op.request = request;
        return op;
    }

    /** Sets the object name: {@code prefix} followed by the object index in 16 hex digits. */
    ObjectOp object(byte[] prefix, long index) {
        System.arraycopy(prefix, 0, this.name, 0, prefix.length);
        int end = prefix.length + 16;
        for (int i = end - 1; i >= prefix.length; i--) {
            this.name[i] = (byte) Character.forDigit((int) (index & 0xf), 16);
            index >>>= 4;
        }
        this.name[end] = 0;
        this.block.write(NAME, this.name, 0, end + 1);
        return this;
    }

    /** Sets the object name to {@code name} (a C string with its NUL). */
    ObjectOp object(byte[] name) {
        this.block.write(NAME, name, 0, name.length);
        return this;
    }

    /** The part of a payload this operation reads into or writes from. */
    ObjectOp payload(ByteBuffer buffer, int index, int length) {
        this.buffer = buffer;
        this.bufferIndex = index;
        this.length = length;
        return this;
    }

    long nameAddress() {
        return this.address + NAME;
    }

    long statSizeAddress() {
        return this.address + STAT_SIZE_OUT;
    }

    long statMtimeAddress() {
        return this.address + STAT_MTIME_OUT;
    }

    /** Uses a write operation, released when this operation completes. */
    ObjectOp writeOp(long writeOp) {
        this.writeOp = writeOp;
        return this;
    }

    long writeOpHandle() {
        return this.writeOp;
    }

    /**
     * Creates the librados completion that calls back with this operation's number, and arms
     * the operation.
     * @return the completion handle, or a negative errno
     */
    long arm() {
        this.armed = true;
        int result = Librados.rados_aio_create_completion2(this.number, CALLBACK, this.address + COMPLETION_OUT);
        if (result < 0) {
            return result;
        }
        this.completion = this.block.getLong(COMPLETION_OUT);
        return this.completion;
    }

    /** The submission failed with {@code result} (negative): completes the operation on this thread. */
    void submitFailed(int result) {
        if (this.completion != 0) {
            Librados.rados_aio_release(this.completion);
        }
        finish(result);
    }

    private static void completed(long completion, long number) {
        try {
            ObjectOp op = byNumber[(int) number];
            int result = Librados.rados_aio_get_return_value(completion);
            Librados.rados_aio_release(completion);
            op.finish(result);
        }
        catch (Throwable ex) {
            // Never let an exception unwind into librados' thread.
            logger.error("RADOS completion callback failed", ex);
        }
    }

    private void finish(int result) {
        if (!this.armed) {
            throw new IllegalStateException("completion for an operation that was not submitted");
        }
        this.armed = false;
        if (this.writeOp != 0) {
            Librados.rados_release_write_op(this.writeOp);
        }
        ImageIo io = this.io;
        RequestTracker request = this.request;
        switch (this.kind) {
            case READ -> {
                // A missing object, or the part past an object's end, reads as zeroes.
                if (result == -RadosErrors.ENOENT) {
                    zero(this.buffer, this.bufferIndex, this.length);
                    result = 0;
                }
                else if (result >= 0) {
                    if (result < this.length) {
                        zero(this.buffer, this.bufferIndex + result, this.length - result);
                    }
                    result = 0;
                }
            }
            case ZERO -> {
                if (result == -RadosErrors.ENOENT) {
                    result = 0;
                }
            }
            case PROBE -> io.probed(result, this.block.getLong(STAT_SIZE_OUT));
            default -> {
            }
        }
        this.io = null;
        this.request = null;
        this.buffer = null;
        this.writeOp = 0;
        this.completion = 0;
        this.kind = null;
        pool.give(this);
        io.operationDone(result);
        if (request != null) {
            request.partDone(result);
        }
    }

    private static void zero(ByteBuffer buffer, int index, int length) {
        while (length > 0) {
            int chunk = Math.min(length, ZEROES.capacity());
            buffer.put(index, ZEROES, 0, chunk);
            index += chunk;
            length -= chunk;
        }
    }
}
