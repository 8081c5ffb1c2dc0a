package io.bdus.transport;

import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request as a transport hands it to the runtime, and the way back for its reply.
 *
 * <p>A transport keeps a pool of these, one per request that may be in flight, each with its
 * own payload memory, and reuses them: serving allocates nothing. It hands a request to the
 * runtime with {@link #handTo}; the runtime answers it exactly once with {@link #reply},
 * either before {@link RequestHandler#handle} returns (a blocking driver) or later, from any
 * thread (an asynchronous driver). The payload stays valid, and the request out of the pool,
 * until then.
 *
 * <p>A reply given while the transport's thread is still inside {@code handle} is left for
 * that thread to send ({@link #handTo} returns true), so it can combine the reply with
 * receiving the next request in one system call. A reply given later is sent by the replying
 * thread itself, through {@link #sendLater}. Telling the two apart costs one compare-and-set
 * on each side.
 */
public abstract class Request {

    private static final Logger logger = LoggerFactory.getLogger(Request.class);

    private static final VarHandle PHASE;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(Request.class, "phase", int.class);
        }
        catch (ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Not handed to the runtime (in the transport's pool, or being received into). */
    private static final int IDLE = 0;

    /** Inside {@link RequestHandler#handle}, not answered yet. */
    private static final int HANDLING = 1;

    /** Answered while {@code handle} still ran: the transport's thread sends the reply. */
    private static final int ANSWERED_INLINE = 2;

    /** {@code handle} returned without an answer: whoever answers sends the reply. */
    private static final int AWAITING_REPLY = 3;

    @SuppressWarnings("unused") // accessed through PHASE
    private volatile int phase;

    private int errno;

    private Object attachment;

    private Operation operation;

    private long offset;

    private long length;

    private ByteBuffer payload;

    private boolean mayUnmap;

    private int ioctlCommand;

    private int ioctlResult;

    private boolean ioctlCallerMayWrite;

    /** Sets a read, write or FUA write whose payload lies between the buffer's position and limit. */
    public Request set(Operation operation, long offset, ByteBuffer payload) {
        return set(operation, offset, payload.remaining(), payload, false);
    }

    /** Sets a request of any type. */
    public Request set(Operation operation, long offset, long length, ByteBuffer payload, boolean mayUnmap) {
        this.operation = operation;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.mayUnmap = mayUnmap;
        this.ioctlCommand = 0;
        this.ioctlResult = 0;
        this.ioctlCallerMayWrite = false;
        return this;
    }

    /**
     * Sets an ioctl whose argument buffer holds the data the command's size bits describe;
     * {@code callerMayWrite} says whether its caller opened the block device for writing.
     */
    public Request setIoctl(int command, ByteBuffer argument, boolean callerMayWrite) {
        set(Operation.IOCTL, 0, argument == null ? 0 : argument.remaining(), argument, false);
        this.ioctlCommand = command;
        this.ioctlCallerMayWrite = callerMayWrite;
        return this;
    }

    /**
     * Hands this request to {@code handler}. Called by the transport's serving thread.
     *
     * @return true if the request was answered before {@code handle} returned: the caller
     *         sends the reply ({@link #errno()}) and may reuse the request at once; false if
     *         the answer comes later, when {@link #sendLater} sends it
     */
    protected final boolean handTo(RequestHandler handler) {
        PHASE.setVolatile(this, HANDLING);
        try {
            handler.handle(this);
        }
        catch (RuntimeException | Error ex) {
            // The handler never throws; should it, the request must not stay unanswered.
            logger.error("Request handler failed on {}", this.operation, ex);
            if ((int) PHASE.getVolatile(this) == HANDLING) {
                reply(Errno.EIO);
            }
        }
        if (PHASE.compareAndSet(this, HANDLING, AWAITING_REPLY)) {
            return false;
        }
        PHASE.setVolatile(this, IDLE);
        return true;
    }

    /**
     * The runtime's answer to this request: 0, or the errno the client gets (already mapped
     * for clients). Called exactly once per {@link #handTo}, from any thread; the request
     * belongs to the transport again afterwards, so the caller must not touch it or its
     * payload any more.
     */
    public final void reply(int errno) {
        this.errno = errno;
        if (PHASE.compareAndSet(this, HANDLING, ANSWERED_INLINE)) {
            return;
        }
        if (PHASE.compareAndSet(this, AWAITING_REPLY, IDLE)) {
            sendLater(errno);
            return;
        }
        logger.error("A reply to a {} request that was not awaiting one was dropped (errno {})", this.operation,
                errno, new IllegalStateException("reply without a request"));
    }

    /**
     * Sends the reply given after {@link RequestHandler#handle} returned, on the replying
     * thread, and gives the request back to the transport's pool. Must not throw.
     */
    protected abstract void sendLater(int errno);

    /** The errno of the last reply. */
    protected final int errno() {
        return this.errno;
    }

    /**
     * What the runtime keeps with this request across uses (its per-request state), or null
     * before it attached anything. Transports leave it alone.
     */
    public final Object attachment() {
        return this.attachment;
    }

    public final void attach(Object attachment) {
        this.attachment = attachment;
    }

    public Operation operation() {
        return this.operation;
    }

    public long offset() {
        return this.offset;
    }

    /** Bytes the request covers (payload size for reads and writes, range for the others). */
    public long length() {
        return this.length;
    }

    /** The payload, or {@code null} for requests without one. */
    public ByteBuffer payload() {
        return this.payload;
    }

    /** For write-zeroes: whether the driver may deallocate the range. */
    public boolean mayUnmap() {
        return this.mayUnmap;
    }

    public int ioctlCommand() {
        return this.ioctlCommand;
    }

    /** For an ioctl: whether its caller opened the block device for writing. */
    public boolean ioctlCallerMayWrite() {
        return this.ioctlCallerMayWrite;
    }

    /** The driver's non-negative return value for an ioctl. */
    public int ioctlResult() {
        return this.ioctlResult;
    }

    public void ioctlResult(int result) {
        this.ioctlResult = result;
    }
}
