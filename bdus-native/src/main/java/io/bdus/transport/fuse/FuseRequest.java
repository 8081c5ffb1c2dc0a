package io.bdus.transport.fuse;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.RequestPool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One FUSE request that may be in flight, with its own buffer, seen through the views the
 * protocol code works on: the request header, the operation's arguments, the payload, the
 * reply header and the reply's arguments. {@link FuseOperations} decodes and encodes only
 * through these views, so it does not depend on how the bytes arrive.
 *
 * <p>On {@code /dev/fuse} ({@link #forDevFuse}) the kernel writes a request in one piece and
 * takes a reply in one piece, so all views are windows of one buffer, placed so that the
 * payload starts on a page boundary both ways: the request is read to 80 bytes before the
 * page ({@code fuse_in_header} and {@code fuse_write_in} end where a WRITE's data begins)
 * and the reply is written from 16 bytes before it ({@code fuse_out_header}, then a READ's
 * data). A driver doing O_DIRECT can use the payload as it is.
 *
 * <p>The watchdog and the runtime may both want to answer a request that stays in the driver
 * too long: {@link #claimAnswer} lets exactly one of them (the kernel forgets a request once
 * answered). The buffer goes back to the pool only when the runtime has answered, never
 * earlier: a driver that is late still owns it.
 */
final class FuseRequest extends Request {

    /** Where a WRITE's data starts in a request read from /dev/fuse. */
    static final int WRITE_DATA_OFFSET = FuseProtocol.IN_HEADER_SIZE + FuseProtocol.WRITE_IN_SIZE;

    private static final int PAGE = 4096;

    private final ByteBuffer inHeader;

    private final ByteBuffer opArgs;

    private final ByteBuffer payload;

    private final ByteBuffer outHeader;

    private final ByteBuffer outArgs;

    /** /dev/fuse only: where a request is read to, where a reply is written from, and how much may be read. */
    private final Pointer readFrame;

    private final Pointer replyFrame;

    private final int readSize;

    /** The unique of a request whose answer is still owed to the kernel, else 0. */
    private final AtomicLong owed = new AtomicLong();

    private volatile long since;

    private RequestPool<FuseRequest> pool;

    private FuseOperations operations;

    private FuseReplies channel;

    /** Over io_uring: the ring entry the request arrived in, which its reply commits. */
    int ringEntry = -1;

    int opcode;

    long unique;

    /** A READ's or WRITE's size in bytes. */
    int ioSize;

    FuseRequest(ByteBuffer inHeader, ByteBuffer opArgs, ByteBuffer payload, ByteBuffer outHeader, ByteBuffer outArgs,
            Pointer readFrame, Pointer replyFrame, int readSize) {
        this.inHeader = inHeader.order(ByteOrder.nativeOrder());
        this.opArgs = opArgs.order(ByteOrder.nativeOrder());
        this.payload = payload.order(ByteOrder.nativeOrder());
        this.outHeader = outHeader.order(ByteOrder.nativeOrder());
        this.outArgs = outArgs.order(ByteOrder.nativeOrder());
        this.readFrame = readFrame;
        this.replyFrame = replyFrame;
        this.readSize = readSize;
    }

    /**
     * A request with its own buffer laid out for /dev/fuse: room for any request of a session
     * whose largest write is {@code maxWrite} bytes, the payload page-aligned.
     */
    static FuseRequest forDevFuse(int maxWrite) {
        int readSize = Math.max(FuseProtocol.MIN_READ_BUFFER, WRITE_DATA_OFFSET + maxWrite);
        // one page in front of the payload for the headers, the rest of the read after it
        int size = PAGE + roundUp(readSize - WRITE_DATA_OFFSET, PAGE);
        ByteBuffer region = ByteBuffer.allocateDirect(size + PAGE).alignedSlice(PAGE).limit(size);
        int base = PAGE;
        Pointer address = Native.getDirectBufferPointer(region);
        int frame = base - WRITE_DATA_OFFSET;
        int reply = base - FuseProtocol.OUT_HEADER_SIZE;
        return new FuseRequest(region.slice(frame, FuseProtocol.IN_HEADER_SIZE),
                region.slice(frame + FuseProtocol.IN_HEADER_SIZE, size - frame - FuseProtocol.IN_HEADER_SIZE),
                region.slice(base, size - base), region.slice(reply, FuseProtocol.OUT_HEADER_SIZE),
                region.slice(base, size - base), address.share(frame), address.share(reply), readSize);
    }

    private static int roundUp(int value, int unit) {
        return (value + unit - 1) / unit * unit;
    }

    /** Joins a pool and the protocol code that answers for it; done once, before first use. */
    FuseRequest joining(RequestPool<FuseRequest> pool, FuseOperations operations) {
        this.pool = pool;
        this.operations = operations;
        return this;
    }

    ByteBuffer inHeader() {
        return this.inHeader;
    }

    ByteBuffer opArgs() {
        return this.opArgs;
    }

    /** The data of a READ (filled by the driver) or a WRITE, starting at index 0. */
    ByteBuffer ioPayload() {
        return this.payload;
    }

    ByteBuffer outHeader() {
        return this.outHeader;
    }

    ByteBuffer outArgs() {
        return this.outArgs;
    }

    Pointer readFrame() {
        return this.readFrame;
    }

    Pointer replyFrame() {
        return this.replyFrame;
    }

    int readSize() {
        return this.readSize;
    }

    FuseReplies channel() {
        return this.channel;
    }

    /**
     * Hands the decoded request to the runtime; its answer is owed to the kernel, through
     * {@code channel}, until {@link #claimAnswer}.
     * @return whether the runtime answered before returning (see {@link Request#handTo})
     */
    boolean serve(RequestHandler handler, FuseReplies channel) {
        this.channel = channel;
        this.since = System.nanoTime();
        this.owed.set(this.unique);
        return handTo(handler);
    }

    /** The errno the runtime answered with. */
    int answer() {
        return errno();
    }

    /** Whether the caller is the one to answer the kernel (the watchdog did not, and will not). */
    boolean claimAnswer() {
        long unique = this.unique;
        return this.owed.compareAndSet(unique, 0);
    }

    /**
     * Answers with ETIMEDOUT if the request has been owed an answer longer than
     * {@code timeoutNanos}; the runtime's answer is dropped when it comes. Watchdog only.
     * @return the unique answered, or 0
     */
    long expire(long now, long timeoutNanos) {
        long unique = this.owed.get();
        if (unique == 0 || now - this.since < timeoutNanos || !this.owed.compareAndSet(unique, 0)) {
            return 0;
        }
        return unique;
    }

    @Override
    protected void sendLater(int errno) {
        try {
            if (claimAnswer()) {
                this.channel.sendLate(this, this.operations.answer(this, errno));
            }
        }
        finally {
            this.pool.give(this);
        }
    }
}
