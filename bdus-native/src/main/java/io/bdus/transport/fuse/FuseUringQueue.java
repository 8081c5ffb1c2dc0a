package io.bdus.transport.fuse;

import static io.bdus.transport.fuse.FuseProtocol.*;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.linux.EventFd;
import io.bdus.linux.uring.CompletionHandler;
import io.bdus.linux.uring.IoUring;
import io.bdus.linux.uring.SubmissionEntry;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.RequestPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FUSE-over-io_uring queue (the kernel keeps one per possible CPU and hands a request to
 * the queue of the CPU it was issued on), served by one thread with its own ring. Each ring
 * entry registers a header area and a payload buffer with the kernel
 * ({@code FUSE_IO_URING_CMD_REGISTER}); the kernel completes the entry's command once it has
 * written a request into them, and the reply goes back in the same buffers with
 * {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH}, which also re-arms the entry for the next
 * request. The replies of one pass over the completions go to the kernel in the same
 * {@code io_uring_enter} that waits for the next ones.
 *
 * <p>The kernel uses the rings only after INIT enabled FUSE over io_uring and every queue
 * registered; until then requests come through {@code /dev/fuse}. When INIT did not enable
 * it (the kernel does not offer it), the queue serves a cloned {@code /dev/fuse} descriptor
 * instead.
 *
 * <p>A request is copied from its entry into a {@link FuseRequest} of the device's pool (in
 * the layout of a {@code /dev/fuse} read, so one decoder serves both) and its reply copied
 * back: the entry returns to the kernel at the reply, while the request's buffer stays with a
 * driver that answers after the request timed out, and is never refilled under it.
 *
 * <p>One thread at a time touches a ring (an SQ has one producer), under a lock: this
 * queue's thread holds it except while a driver handles a request on it. A thread that
 * answers later copies the reply into the entry and marks it ready; if the lock is free it
 * submits the commit itself (so a queue whose thread is stuck in a blocking driver still
 * answers the rest, and the watchdog's ETIMEDOUT still reaches the kernel), else the holder
 * commits it, woken through an eventfd read kept in the ring when it waits there. Answering
 * threads never wait for the lock. Rings are set up without SINGLE_ISSUER for this.
 */
final class FuseUringQueue implements RequestChannel, FuseReplies {

    private static final Logger log = LoggerFactory.getLogger(FuseUringQueue.class);

    /** user_data of the eventfd read; entries use their index. */
    private static final long WAKE = -1;

    private static final int ENOTCONN = 107;

    private static final int ECANCELED = 125;

    private static final int ECONNABORTED = 103;

    /** How often a waiting queue looks whether it was closed. */
    private static final long POLL_NANOS = 200_000_000L;

    private final DeviceSpec spec;

    private final FuseSession session;

    private final int fd;

    private final int qid;

    private final RequestPool<FuseRequest> pool;

    private final FuseOperations operations;

    private final FuseChannel fallback;

    private final Entry[] entries;

    private final int payloadSize;

    /**
     * Held by whoever touches the ring's SQ or CQ (an SQ has one producer): this queue's
     * thread, except while it waits for the driver, and an answering thread that finds it
     * free and submits its commit itself. Answering threads only try it, never wait for it.
     */
    private final ReentrantLock ringLock = new ReentrantLock();

    /** Whether this queue's thread waits in the ring, holding the lock: wake it through the eventfd. */
    private final AtomicBoolean sleeping = new AtomicBoolean();

    /** Set under the lock once the ring is closed. */
    private boolean ringClosed;

    private final Memory wakeValue = new Memory(Long.BYTES);

    private final AtomicBoolean malformedLogged = new AtomicBoolean();

    private volatile boolean registered;

    /** Requests this queue received over its ring; written by its thread only. */
    private volatile long served;

    private volatile String failure;

    private final CompletionHandler completions = (userData, result, flags) -> onCompletion(userData, result);

    private RequestHandler handler;

    private EventFd wake;

    private IoUring ring;

    /** Entries whose command is with the kernel (registered or committed, not completed). */
    private int withKernel;

    private boolean ended;

    private boolean serving;

    private boolean closed;

    /**
     * @param fd a {@code /dev/fuse} descriptor of the session, for the ring commands
     * @param fallback the channel to serve instead when INIT did not enable io_uring
     * @param entryCount ring entries, each with a header area and a payload buffer
     */
    FuseUringQueue(FuseSession session, int fd, int qid, int entryCount, RequestPool<FuseRequest> pool,
            FuseOperations operations, FuseChannel fallback) {
        this.spec = session.spec();
        this.session = session;
        this.fd = fd;
        this.qid = qid;
        this.pool = pool;
        this.operations = operations;
        this.fallback = fallback;
        this.payloadSize = payloadSize(this.spec.maxRequestSize());
        this.entries = new Entry[entryCount];
    }

    /** The payload buffer the kernel wants: at least max(8 KiB, max_write), whole pages. */
    static int payloadSize(int maxWrite) {
        int size = Math.max(URING_MIN_PAYLOAD, maxWrite);
        return (size + DeviceSpec.PAGE_SIZE - 1) / DeviceSpec.PAGE_SIZE * DeviceSpec.PAGE_SIZE;
    }

    int qid() {
        return this.qid;
    }

    /** The fallback channel's descriptor, which the device closes. */
    FuseChannel fallback() {
        return this.fallback;
    }

    /** Whether every entry of this queue was handed to the kernel. */
    boolean isRegistered() {
        return this.registered;
    }

    /** Requests this queue received over its ring. */
    long served() {
        return this.served;
    }

    /** Why the queue could not serve over io_uring, or null. */
    String failure() {
        return this.failure;
    }

    synchronized boolean isServing() {
        return this.serving || this.fallback.isServing();
    }

    @Override
    public void serve(RequestHandler handler) throws IOException {
        synchronized (this) {
            if (this.closed) {
                return;
            }
            this.serving = true;
        }
        try {
            if (!awaitInit()) {
                return;
            }
            if (!this.session.uring()) {
                synchronized (this) {
                    this.serving = false;
                    notifyAll();
                }
                this.fallback.serve(handler);
                return;
            }
            serveRing(handler);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            synchronized (this) {
                this.serving = false;
                notifyAll();
            }
        }
    }

    /** @return false if the queue was closed first */
    private boolean awaitInit() throws InterruptedException {
        while (!this.session.awaitInit(POLL_NANOS / 1_000_000)) {
            synchronized (this) {
                if (this.closed) {
                    return false;
                }
            }
        }
        return true;
    }

    private void serveRing(RequestHandler handler) throws IOException {
        this.ringLock.lock();
        try {
            open();
            register();
            loop(handler);
        }
        catch (IOException | RuntimeException ex) {
            if (this.failure == null) {
                this.failure = "FUSE io_uring queue " + this.qid + " of " + this.spec.name() + " failed: " + ex;
            }
            throw ex;
        }
        finally {
            teardown();
            this.ringLock.unlock();
        }
    }

    private void open() throws IOException {
        // one SQ slot per entry and one for the eventfd read: the SQ never fills
        this.ring = IoUring.open(this.entries.length + 1, IoUring.SETUP_SQE128);
        this.wake = EventFd.open(false);
        for (int i = 0; i < this.entries.length; i++) {
            this.entries[i] = new Entry(i, this.payloadSize);
        }
    }

    private void register() throws IOException {
        for (Entry entry : this.entries) {
            SubmissionEntry sqe = this.ring.next();
            sqe.uringCommand(this.fd, FUSE_IO_URING_CMD_REGISTER, entry.index)
                .address(entry.iovecAddress)
                .length(URING_IOV_SEGS)
                .putCommandShort(URING_CMD_QID, (short) this.qid);
            this.withKernel++;
        }
        armWake();
        this.ring.submit();
        this.registered = true;
        log.debug("FUSE io_uring queue {} of {}: {} entries of {} bytes registered", this.qid, this.spec.name(),
                this.entries.length, this.payloadSize);
    }

    private void armWake() {
        this.ring.next().read(this.wake.fd(), Pointer.nativeValue(this.wakeValue), Long.BYTES, -1, WAKE);
    }

    private void loop(RequestHandler handler) throws IOException {
        this.handler = handler;
        while (true) {
            this.ring.complete(this.completions);
            commitReady();
            if ((this.ended && this.withKernel == 0) || isClosed()) {
                // closing the ring cancels what is still with the kernel
                return;
            }
            this.sleeping.set(true);
            // replies made ready before the flag was set did not signal
            commitReady();
            this.ring.submitAndWait(1, POLL_NANOS);
            this.sleeping.set(false);
        }
    }

    private void onCompletion(long userData, int result) {
        if (userData == WAKE) {
            if (result >= 0 && !this.ended) {
                armWake();
            }
            return;
        }
        if (userData < 0 || userData >= this.entries.length) {
            log.error("FUSE io_uring queue {} of {}: completion for unknown entry {}", this.qid, this.spec.name(),
                    userData);
            return;
        }
        this.withKernel--;
        Entry entry = this.entries[(int) userData];
        if (result < 0) {
            entryFailed(entry, -result);
            return;
        }
        try {
            if (!serveEntry(entry, this.handler)) {
                this.ended = true;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.ended = true;
        }
    }

    private void entryFailed(Entry entry, int errno) {
        switch (errno) {
            case ENOTCONN, ECANCELED, Errno.ENODEV, ECONNABORTED -> log.debug(
                    "FUSE io_uring queue {} of {}: entry {} ended (errno {})", this.qid, this.spec.name(),
                    entry.index, errno);
            case Errno.ENOENT -> log.warn("FUSE io_uring queue {} of {}: the kernel did not know the request a "
                    + "reply was committed for", this.qid, this.spec.name());
            default -> {
                String reason = "FUSE io_uring queue " + this.qid + " of " + this.spec.name() + ": entry "
                        + entry.index + " failed with errno " + errno + hint(errno);
                if (this.failure == null) {
                    this.failure = reason;
                    log.error(reason);
                }
            }
        }
        this.ended = true;
    }

    private static String hint(int errno) {
        return switch (errno) {
            case 95 -> " (FUSE over io_uring is disabled: /sys/module/fuse/parameters/enable_uring is N)";
            case Errno.EINVAL -> " (the kernel refused the queue or the entry's buffers)";
            case Errno.EAGAIN -> " (INIT had not been answered)";
            default -> "";
        };
    }

    /**
     * Validates the request the kernel wrote into {@code entry}, copies it into a request of
     * the pool, decodes it and serves it.
     * @return false once the pool closed
     */
    private boolean serveEntry(Entry entry, RequestHandler handler) throws InterruptedException {
        ByteBuffer header = entry.header;
        long unique = header.getLong(URING_IN_OUT + IN_UNIQUE);
        FuseRequest request = this.pool.take();
        if (request == null) {
            return false;
        }
        int length = fetch(header, entry.payload, request);
        if (length < 0) {
            this.pool.give(request);
            malformed(entry);
            return true;
        }
        this.served++;
        int reply = this.operations.decode(request, length);
        if (reply == FuseOperations.FOR_DRIVER) {
            request.ringEntry = entry.index;
            boolean answered;
            // the driver may block (or hang): meanwhile answering threads submit themselves
            this.ringLock.unlock();
            try {
                flushReady();
                answered = request.serve(handler, this);
            }
            finally {
                this.ringLock.lock();
            }
            if (!answered) {
                return true;
            }
            reply = request.claimAnswer() ? this.operations.answer(request, request.answer()) : -1;
        }
        if (reply > 0) {
            copyReply(entry.header, entry.payload, request, reply);
            commit(entry, unique);
        }
        else if (reply == FuseOperations.NO_REPLY) {
            // nothing through the ring goes unanswered: the entry comes back only with a commit
            errorReply(entry.header, unique, Errno.EIO);
            commit(entry, unique);
        }
        // reply < 0: the watchdog answered and made the entry ready
        this.pool.give(request);
        return true;
    }

    /**
     * Validates the request the kernel wrote into an entry's {@code header} area and
     * {@code payload} and copies it into {@code request} in the layout of a {@code /dev/fuse}
     * read: fuse_in_header, the opcode's argument, then the data.
     * @return the request's length, or -1 if the entry does not hold a well-formed request
     */
    static int fetch(ByteBuffer header, ByteBuffer payload, FuseRequest request) {
        int length = header.getInt(URING_IN_OUT + IN_LEN);
        long unique = header.getLong(URING_IN_OUT + IN_UNIQUE);
        long commitId = header.getLong(URING_ENT_COMMIT_ID);
        long payloadLength = Integer.toUnsignedLong(header.getInt(URING_ENT_PAYLOAD_SZ));
        long argLength = (long) length - IN_HEADER_SIZE - payloadLength;
        if (length < IN_HEADER_SIZE || payloadLength > payload.capacity() || argLength < 0
                || argLength > URING_OP_IN_SIZE || commitId != unique || unique == 0
                || argLength + payloadLength > request.opArgs().capacity()) {
            return -1;
        }
        request.inHeader().put(0, header, URING_IN_OUT, IN_HEADER_SIZE);
        request.opArgs().put(0, header, URING_OP_IN, (int) argLength);
        if (payloadLength > 0) {
            request.opArgs().put((int) argLength, payload, 0, (int) payloadLength);
        }
        return length;
    }

    private void malformed(Entry entry) {
        ByteBuffer header = entry.header;
        long commitId = header.getLong(URING_ENT_COMMIT_ID);
        if (this.malformedLogged.compareAndSet(false, true)) {
            log.warn("FUSE io_uring queue {} of {}: malformed request (length {}, payload {}, commit id {}, unique {}); "
                    + "failing it with EIO (logged once)", this.qid, this.spec.name(),
                    header.getInt(URING_IN_OUT + IN_LEN), Integer.toUnsignedLong(header.getInt(URING_ENT_PAYLOAD_SZ)),
                    commitId, header.getLong(URING_IN_OUT + IN_UNIQUE));
        }
        // the kernel finds the request by the commit id
        errorReply(entry.header, commitId, Errno.EIO);
        commit(entry, commitId);
    }

    /**
     * Copies the reply of {@code length} bytes encoded in {@code request}'s reply views into
     * an entry: fuse_out_header into the header area, the rest into the payload.
     */
    static void copyReply(ByteBuffer header, ByteBuffer payload, FuseRequest request, int length) {
        header.put(URING_IN_OUT, request.outHeader(), 0, OUT_HEADER_SIZE);
        int body = length - OUT_HEADER_SIZE;
        if (body > 0) {
            payload.put(0, request.outArgs(), 0, body);
        }
        header.putInt(URING_ENT_PAYLOAD_SZ, body);
    }

    /** Writes a reply that fails request {@code unique} with {@code errno} into an entry's header area. */
    static void errorReply(ByteBuffer header, long unique, int errno) {
        header.putInt(URING_IN_OUT + OUT_LEN, OUT_HEADER_SIZE);
        header.putInt(URING_IN_OUT + OUT_ERROR, -errno);
        header.putLong(URING_IN_OUT + OUT_UNIQUE, unique);
        header.putInt(URING_ENT_PAYLOAD_SZ, 0);
    }

    /** Queues {@code entry}'s commit; this thread only. */
    private void commit(Entry entry, long commitId) {
        SubmissionEntry sqe = this.ring.next();
        sqe.uringCommand(this.fd, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, entry.index)
            .putCommandLong(URING_CMD_COMMIT_ID, commitId)
            .putCommandShort(URING_CMD_QID, (short) this.qid);
        this.withKernel++;
    }

    /** Commits the entries other threads made ready. */
    private void commitReady() {
        for (Entry entry : this.entries) {
            if (entry != null && entry.ready) {
                entry.ready = false;
                commit(entry, entry.readyCommitId);
            }
        }
    }

    @Override
    public void sendLate(FuseRequest request, int length) {
        Entry entry = entryOf(request);
        if (entry == null) {
            return;
        }
        copyReply(entry.header, entry.payload, request, length);
        ready(entry, request.unique);
    }

    @Override
    public boolean sendTimeout(FuseRequest request, long unique) {
        Entry entry = entryOf(request);
        if (entry == null) {
            return false;
        }
        errorReply(entry.header, unique, Errno.ETIMEDOUT);
        ready(entry, unique);
        return true;
    }

    private Entry entryOf(FuseRequest request) {
        int index = request.ringEntry;
        Entry[] entries = this.entries;
        return (index >= 0 && index < entries.length) ? entries[index] : null;
    }

    /** Hands a reply written into {@code entry} to this queue's thread, waking it if it waits. */
    private void ready(Entry entry, long commitId) {
        entry.readyCommitId = commitId;
        entry.ready = true;
        flushReady();
    }

    /**
     * Submits the commits of ready entries when the ring is free; else leaves them to the
     * thread holding it, which commits every ready entry before it waits and looks again
     * after it lets go (and is woken through the eventfd when it waits in the ring).
     */
    private void flushReady() {
        while (anyReady()) {
            if (!this.ringLock.tryLock()) {
                if (this.sleeping.compareAndSet(true, false)) {
                    EventFd wake = this.wake;
                    if (wake != null) {
                        wake.signal();
                    }
                }
                return;
            }
            try {
                if (this.ringClosed || this.ring == null) {
                    return;
                }
                commitReady();
                this.ring.submit();
            }
            catch (IOException ex) {
                log.error("FUSE io_uring queue {} of {}: cannot submit replies: {}", this.qid, this.spec.name(),
                        ex.getMessage());
                return;
            }
            finally {
                this.ringLock.unlock();
            }
        }
    }

    private boolean anyReady() {
        for (Entry entry : this.entries) {
            if (entry != null && entry.ready) {
                return true;
            }
        }
        return false;
    }

    private synchronized boolean isClosed() {
        return this.closed;
    }

    private void teardown() {
        this.ringClosed = true;
        // closing the ring cancels the commands still with the kernel
        if (this.ring != null) {
            this.ring.close();
        }
        if (this.wake != null) {
            this.wake.close();
        }
    }

    /** A later {@link #serve} returns at once, a running one within a short while. */
    @Override
    public synchronized void close() {
        this.closed = true;
        this.fallback.close();
    }

    /** Waits up to {@code millis} for {@link #serve} to return. */
    synchronized boolean awaitIdle(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (this.serving) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return this.fallback.awaitIdle(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }

    /** One ring entry: its header area, payload buffer and the iovec that registers them. */
    static final class Entry {

        final int index;

        final ByteBuffer header;

        final ByteBuffer payload;

        final ByteBuffer iovec;

        final long iovecAddress;

        /** Set by an answering thread once the reply is in the buffers, cleared by the queue's thread. */
        volatile boolean ready;

        long readyCommitId;

        Entry(int index, int payloadSize) {
            this.index = index;
            this.header = ByteBuffer.allocateDirect(2 * DeviceSpec.PAGE_SIZE).alignedSlice(DeviceSpec.PAGE_SIZE)
                .limit(URING_HEADER_SIZE).slice().order(ByteOrder.nativeOrder());
            this.payload = ByteBuffer.allocateDirect(payloadSize + DeviceSpec.PAGE_SIZE)
                .alignedSlice(DeviceSpec.PAGE_SIZE).limit(payloadSize).slice().order(ByteOrder.nativeOrder());
            this.iovec = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
            this.iovec.putLong(0, Pointer.nativeValue(Native.getDirectBufferPointer(this.header)));
            this.iovec.putLong(8, URING_HEADER_SIZE);
            this.iovec.putLong(16, Pointer.nativeValue(Native.getDirectBufferPointer(this.payload)));
            this.iovec.putLong(24, payloadSize);
            this.iovecAddress = Pointer.nativeValue(Native.getDirectBufferPointer(this.iovec));
        }
    }
}
