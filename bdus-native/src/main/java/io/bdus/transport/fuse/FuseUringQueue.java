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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FUSE-over-io_uring queue (the kernel keeps one per possible CPU and hands a request to
 * the queue of the CPU it was issued on) with its own ring. Each ring entry registers a
 * header area and a payload buffer with the kernel ({@code FUSE_IO_URING_CMD_REGISTER}); the
 * kernel completes the entry's command once it has written a request into them, and the
 * reply goes back in the same buffers with {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH}, which
 * also re-arms the entry for the next request. The commits of one pass over the completions
 * go to the kernel in the same {@code io_uring_enter} that waits for the next ones.
 *
 * <p>The kernel uses the rings only after INIT enabled FUSE over io_uring and every queue
 * registered; until then requests come through {@code /dev/fuse}. When INIT did not enable
 * it (the kernel does not offer it), each of the queue's channels serves a cloned
 * {@code /dev/fuse} descriptor instead.
 *
 * <p>A request is copied from its entry into a {@link FuseRequest} of the device's pool (in
 * the layout of a {@code /dev/fuse} read, so one decoder serves both) and its reply copied
 * back: the entry returns to the kernel at the reply, while the request's buffer stays with a
 * driver that answers after the request timed out, and is never refilled under it.
 *
 * <p>Threads: a queue is served by one or more channels, leader/follower. One thread at a
 * time holds the ring (an SQ has one producer; rings are set up without SINGLE_ISSUER): it
 * reaps completions, commits, and waits in the ring. Before it hands a request to the driver
 * it lets go, so that a follower leads meanwhile; a driver that blocks or hangs holds up its
 * own thread only. A thread that answers later (an asynchronous driver, the watchdog's
 * ETIMEDOUT, a former leader back from the driver) copies the reply into the entry and marks
 * it ready; the leader commits it, woken through an eventfd read kept in the ring when it
 * waits there. Only the queue's channel threads submit (io_uring cancels a thread's
 * submissions when it exits, and a driver's threads come and go); answering threads never
 * wait for the ring. When every channel of a queue is inside the driver, ready replies wait
 * for the first to come back.
 */
final class FuseUringQueue implements FuseReplies {

    private static final Logger log = LoggerFactory.getLogger(FuseUringQueue.class);

    /** user_data of the eventfd read; entries use their index. */
    private static final long WAKE = -1;

    private static final int ENOTCONN = 107;

    private static final int ECANCELED = 125;

    private static final int ECONNABORTED = 103;

    /** How often a waiting leader looks whether the device closes. */
    private static final long POLL_NANOS = 200_000_000L;

    private final DeviceSpec spec;

    private final FuseSession session;

    private final int fd;

    private final int qid;

    private final RequestPool<FuseRequest> pool;

    private final FuseOperations operations;

    private final Entry[] entries;

    private final int payloadSize;

    private final List<Channel> channels = new CopyOnWriteArrayList<>();

    /** Held by the thread that leads: the only one to touch the ring's SQ and CQ. */
    private final RingLock ringLock;

    /** Whether the leader waits in the ring: wake it through the eventfd. */
    private final AtomicBoolean sleeping = new AtomicBoolean();

    private final Memory wakeValue = new Memory(Long.BYTES);

    private final AtomicBoolean malformedLogged = new AtomicBoolean();

    private final CompletionHandler completions = (userData, result, flags) -> onCompletion(userData, result);

    private volatile boolean registered;

    private volatile String failure;

    private volatile boolean closed;

    /** Requests received over the ring; written under the lock only. */
    private volatile long served;

    // under ringLock:

    private IoUring ring;

    private EventFd wake;

    private boolean ringClosed;

    /** Entries whose command is with the kernel (registered or committed, not completed). */
    private int withKernel;

    /** Entries holding a request no thread has taken yet. */
    private int arrived;

    private boolean ended;

    /**
     * @param fd a {@code /dev/fuse} descriptor of the session, for the ring commands
     * @param entryCount ring entries, each with a header area and a payload buffer
     * @param channelCount how many channels will serve the queue
     */
    FuseUringQueue(FuseSession session, int fd, int qid, int entryCount, int channelCount,
            RequestPool<FuseRequest> pool, FuseOperations operations) {
        this.spec = session.spec();
        this.session = session;
        this.fd = fd;
        this.qid = qid;
        this.pool = pool;
        this.operations = operations;
        this.payloadSize = payloadSize(this.spec.maxRequestSize());
        this.entries = new Entry[entryCount];
        this.ringLock = new RingLock(channelCount);
    }

    /** The payload buffer the kernel wants: at least max(8 KiB, max_write), whole pages. */
    static int payloadSize(int maxWrite) {
        int size = Math.max(URING_MIN_PAYLOAD, maxWrite);
        return (size + DeviceSpec.PAGE_SIZE - 1) / DeviceSpec.PAGE_SIZE * DeviceSpec.PAGE_SIZE;
    }

    /**
     * One more channel serving this queue.
     * @param fallback what it serves instead when INIT did not enable io_uring
     */
    RequestChannel channel(FuseChannel fallback) {
        if (this.channels.size() >= this.ringLock.slots()) {
            throw new IllegalStateException("queue " + this.qid + " has all its " + this.ringLock.slots() + " channels");
        }
        Channel channel = new Channel(fallback, this.channels.size());
        this.channels.add(channel);
        return channel;
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

    /** Every channel returns within moments; the last leader closes the ring. */
    void close() {
        this.closed = true;
        for (Channel channel : this.channels) {
            channel.close();
        }
    }

    /** Waits up to {@code millis} for every channel to return. */
    boolean awaitIdle(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        for (Channel channel : this.channels) {
            if (!channel.awaitIdle(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) {
                return false;
            }
        }
        return true;
    }

    /** @return false if the queue was closed first */
    private boolean awaitInit() throws InterruptedException {
        while (!this.session.awaitInit(POLL_NANOS / 1_000_000)) {
            if (this.closed) {
                return false;
            }
        }
        return true;
    }

    /** Serves the ring as leader or follower until it closes. */
    private void lead(RequestHandler handler, int slot) throws IOException, InterruptedException {
        this.ringLock.lock(slot);
        try {
            if (this.ring == null && !this.ringClosed) {
                setUp();
            }
            while (!this.ringClosed) {
                this.ring.complete(this.completions);
                Entry entry = (this.arrived > 0) ? nextArrived() : null;
                if (entry != null) {
                    if (!serveEntry(entry, handler)) {
                        // another thread leads now: follow
                        this.ringLock.lock(slot);
                    }
                    continue;
                }
                commitReady();
                if ((this.ended && this.withKernel == 0) || this.closed) {
                    tearDown();
                    return;
                }
                this.sleeping.set(true);
                // replies made ready before the flag was set did not wake anyone
                commitReady();
                this.ring.submitAndWait(1, POLL_NANOS);
                this.sleeping.set(false);
            }
        }
        finally {
            if (this.ringLock.isHeldByCurrentThread()) {
                this.ringLock.unlock();
            }
        }
    }

    private void setUp() throws IOException {
        try {
            // one SQ slot per entry and one for the eventfd read: the SQ never fills
            this.ring = IoUring.open(this.entries.length + 1, IoUring.SETUP_SQE128);
            this.wake = EventFd.open(false);
            for (int i = 0; i < this.entries.length; i++) {
                this.entries[i] = new Entry(i, this.payloadSize);
            }
            for (Entry entry : this.entries) {
                this.ring.next().uringCommand(this.fd, FUSE_IO_URING_CMD_REGISTER, entry.index)
                    .address(entry.iovecAddress)
                    .length(URING_IOV_SEGS)
                    .putCommandShort(URING_CMD_QID, (short) this.qid);
                this.withKernel++;
            }
            armWake();
            this.ring.submit();
        }
        catch (IOException | RuntimeException ex) {
            this.failure = "FUSE io_uring queue " + this.qid + " of " + this.spec.name() + " failed: " + ex;
            tearDown();
            throw ex;
        }
        this.registered = true;
        log.debug("FUSE io_uring queue {} of {}: {} entries of {} bytes registered", this.qid, this.spec.name(),
                this.entries.length, this.payloadSize);
    }

    private void armWake() {
        this.ring.next().read(this.wake.fd(), Pointer.nativeValue(this.wakeValue), Long.BYTES, -1, WAKE);
    }

    private void tearDown() {
        this.ringClosed = true;
        // closing the ring cancels the commands still with the kernel
        if (this.ring != null) {
            this.ring.close();
        }
        if (this.wake != null) {
            this.wake.close();
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
        entry.arrived = true;
        this.arrived++;
    }

    private Entry nextArrived() {
        for (Entry entry : this.entries) {
            if (entry.arrived) {
                entry.arrived = false;
                this.arrived--;
                return entry;
            }
        }
        return null;
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
            case 95 -> " (FUSE over io_uring is disabled: " + FuseIoUring.MODULE_PARAMETER + " is N)";
            case Errno.EINVAL -> " (the kernel refused the queue or the entry's buffers)";
            case Errno.EAGAIN -> " (INIT had not been answered)";
            default -> "";
        };
    }

    /**
     * Serves the request the kernel wrote into {@code entry}; called holding the ring.
     * @return whether this thread still holds the ring (it lets go while the driver works)
     */
    private boolean serveEntry(Entry entry, RequestHandler handler) throws InterruptedException {
        long unique = entry.header.getLong(URING_IN_OUT + IN_UNIQUE);
        FuseRequest request = this.pool.take();
        if (request == null) {
            // the device closes
            this.ended = true;
            return true;
        }
        int length = fetch(entry.header, entry.payload, request);
        if (length < 0) {
            this.pool.give(request);
            malformed(entry);
            return true;
        }
        this.served++;
        int reply = this.operations.decode(request, length);
        if (reply != FuseOperations.FOR_DRIVER) {
            finish(entry, request, reply, unique);
            return true;
        }
        request.ringEntry = entry.index;
        this.ringLock.unlock();
        flushReady();
        if (!request.serve(handler, this)) {
            // answered later, through sendLate
            return this.ringLock.tryLock();
        }
        reply = request.claimAnswer() ? this.operations.answer(request, request.answer()) : -1;
        if (this.ringLock.tryLock()) {
            finish(entry, request, reply, unique);
            return true;
        }
        // another thread leads: hand it the reply
        if (reply > 0) {
            copyReply(entry.header, entry.payload, request, reply);
            this.pool.give(request);
            ready(entry, unique);
        }
        else {
            this.pool.give(request);
        }
        return false;
    }

    /** Commits the reply of {@code length} bytes in {@code request}'s views; holding the ring. */
    private void finish(Entry entry, FuseRequest request, int length, long unique) {
        if (length > 0) {
            copyReply(entry.header, entry.payload, request, length);
            commit(entry, unique);
        }
        else if (length == FuseOperations.NO_REPLY) {
            // nothing through the ring goes unanswered: the entry comes back only with a commit
            errorReply(entry.header, unique, Errno.EIO);
            commit(entry, unique);
        }
        // else the watchdog answered and made the entry ready
        this.pool.give(request);
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

    /** Queues {@code entry}'s commit; holding the ring. */
    private void commit(Entry entry, long commitId) {
        if (this.ringClosed) {
            return;
        }
        this.ring.next().uringCommand(this.fd, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, entry.index)
            .putCommandLong(URING_CMD_COMMIT_ID, commitId)
            .putCommandShort(URING_CMD_QID, (short) this.qid);
        this.withKernel++;
    }

    /** Commits the entries other threads made ready; holding the ring. */
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

    /**
     * Hands a reply written into {@code entry} to the queue's channels, waking the leader if
     * it waits in the ring. Never submits: io_uring cancels what a thread submitted when that
     * thread exits (a driver's pool shutting down), and the next request's fetch would go
     * with it, so only the queue's own channel threads submit.
     */
    private void ready(Entry entry, long commitId) {
        entry.readyCommitId = commitId;
        entry.ready = true;
        if (this.sleeping.compareAndSet(true, false)) {
            EventFd wake = this.wake;
            if (wake != null) {
                wake.signal();
            }
        }
    }

    /**
     * Submits the commits of ready entries when the ring is free; else leaves them to the
     * leader, which commits every ready entry before it waits (woken through the eventfd if
     * it waits already). A channel thread only, after it let go of the ring.
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

    /** One channel (one serving thread) of the queue. */
    private final class Channel implements RequestChannel {

        private final FuseChannel fallback;

        private final int slot;

        private boolean serving;

        private boolean closed;

        Channel(FuseChannel fallback, int slot) {
            this.fallback = fallback;
            this.slot = slot;
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
                if (session.uring()) {
                    lead(handler, this.slot);
                    return;
                }
                synchronized (this) {
                    this.serving = false;
                    notifyAll();
                }
                this.fallback.serve(handler);
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

        @Override
        public void close() {
            synchronized (this) {
                this.closed = true;
            }
            this.fallback.close();
        }

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
    }

    /** One ring entry: its header area, payload buffer and the iovec that registers them. */
    static final class Entry {

        final int index;

        final ByteBuffer header;

        final ByteBuffer payload;

        final ByteBuffer iovec;

        final long iovecAddress;

        /** Set once a reply is in the buffers, cleared by the thread that commits it. */
        volatile boolean ready;

        /** Holds a request no thread has taken yet; under the ring lock. */
        boolean arrived;

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
