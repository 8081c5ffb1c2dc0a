package io.bdus.linux.uring;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.bdus.linux.LibC;
import io.bdus.linux.MemoryMapping;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One io_uring instance: its submission queue (SQ), completion queue (CQ) and entry array
 * mmap'd from the ring descriptor. Entries are prepared with {@link #next()}, handed to the
 * kernel with {@link #submit()} or {@link #submitAndWait(int)}, and their completions
 * drained with {@link #complete(CompletionHandler)}; none of these allocates.
 *
 * <p>Memory ordering, as the kernel expects it: the SQ tail is stored with release semantics
 * after the entries are written, the CQ tail loaded with acquire semantics before the
 * completions are read, and the CQ head stored with release semantics once they are read
 * (so that the kernel does not overwrite an entry still being read). The SQ head, which the
 * kernel moves, is loaded with acquire semantics.
 *
 * <p>Not thread-safe: one thread owns a ring (the kernel also ties some commands, such as
 * ublk's, to the submitting thread). Other threads wake it through an eventfd read that
 * the owner keeps in the ring.
 */
public final class IoUring implements AutoCloseable {

    /** {@code IORING_SETUP_CQSIZE}: set implicitly when a CQ size is given. */
    public static final int SETUP_CQSIZE = 1 << 3;

    /** {@code IORING_SETUP_CLAMP}: clamp sizes to the maximum instead of failing. */
    public static final int SETUP_CLAMP = 1 << 4;

    /** {@code IORING_SETUP_COOP_TASKRUN}: no interrupt of the task to run completion work (5.19). */
    public static final int SETUP_COOP_TASKRUN = 1 << 8;

    /** {@code IORING_SETUP_SQE128}: 128-byte entries, 80 bytes of command area (5.19). */
    public static final int SETUP_SQE128 = 1 << 10;

    /** {@code IORING_SETUP_CQE32}: 32-byte completions (5.19). */
    public static final int SETUP_CQE32 = 1 << 11;

    /** {@code IORING_SETUP_SINGLE_ISSUER}: only the creating thread submits (6.0). */
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;

    /** {@code IORING_SETUP_DEFER_TASKRUN}: completion work runs only when waiting (6.1; needs SINGLE_ISSUER). */
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;

    /** {@code IORING_FEAT_SINGLE_MMAP}: SQ and CQ rings share one mapping (5.4). */
    public static final int FEAT_SINGLE_MMAP = 1;

    /** {@code IORING_FEAT_NODROP}: completions are never dropped when the CQ is full (5.5). */
    public static final int FEAT_NODROP = 1 << 1;

    /** {@code IORING_FEAT_EXT_ARG}: waits can carry a timeout (5.11). */
    public static final int FEAT_EXT_ARG = 1 << 8;

    /** {@code IORING_MAX_ENTRIES}. */
    public static final int MAX_ENTRIES = 32768;

    private static final int ENTER_GETEVENTS = 1;

    private static final int ENTER_EXT_ARG = 1 << 3;

    private static final int REGISTER_PROBE = 8;

    private static final int EINTR = 4;

    private static final int EAGAIN = 11;

    private static final int EBUSY = 16;

    private static final int ETIME = 62;

    // struct io_uring_params (120 bytes) and its io_sqring_offsets / io_cqring_offsets
    static final int PARAMS_SIZE = 120;
    static final int P_SQ_ENTRIES = 0;
    static final int P_CQ_ENTRIES = 4;
    static final int P_FLAGS = 8;
    static final int P_FEATURES = 20;
    static final int P_SQ_OFF = 40;
    static final int P_CQ_OFF = 80;
    static final int SQ_HEAD = 0;
    static final int SQ_TAIL = 4;
    static final int SQ_RING_MASK = 8;
    static final int SQ_ARRAY = 24;
    static final int CQ_HEAD = 0;
    static final int CQ_TAIL = 4;
    static final int CQ_RING_MASK = 8;
    static final int CQ_CQES = 20;

    // mmap offsets of the ring descriptor
    static final long OFF_SQ_RING = 0;
    static final long OFF_CQ_RING = 0x8000000L;
    static final long OFF_SQES = 0x10000000L;

    // struct io_uring_cqe: user_data, res, flags (16 bytes, 32 with CQE32)
    static final int CQE_USER_DATA = 0;
    static final int CQE_RES = 8;
    static final int CQE_FLAGS = 12;

    // struct io_uring_getevents_arg (24 bytes), then the struct __kernel_timespec it points to
    private static final int GETEVENTS_ARG_SIZE = 24;
    private static final int ARG_TS = 16;
    private static final int TIMESPEC = 24;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final int fd;

    private final int flags;

    private final int features;

    private final int sqEntries;

    private final int cqEntries;

    private final int sqMask;

    private final int cqMask;

    private final int sqeSize;

    private final int cqeSize;

    private final Pointer sqRingMemory;

    private final long sqRingLength;

    private final Pointer cqRingMemory;

    private final long cqRingLength;

    private final Pointer sqeMemory;

    private final long sqeLength;

    private final ByteBuffer sqRing;

    private final ByteBuffer cqRing;

    private final int sqHead;

    private final int sqTail;

    private final int cqHead;

    private final int cqTail;

    private final int cqes;

    private final SubmissionEntry entry;

    private final Memory waitArgument = new Memory(GETEVENTS_ARG_SIZE + 16);

    /** Entries handed out by {@link #next()}; the kernel sees them once the SQ tail is stored. */
    private int preparedTail;

    private int completedHead;

    private boolean closed;

    private IoUring(int fd, Memory params) {
        this.fd = fd;
        this.flags = params.getInt(P_FLAGS);
        this.features = params.getInt(P_FEATURES);
        this.sqEntries = params.getInt(P_SQ_ENTRIES);
        this.cqEntries = params.getInt(P_CQ_ENTRIES);
        this.sqeSize = ((this.flags & SETUP_SQE128) != 0) ? 128 : 64;
        this.cqeSize = ((this.flags & SETUP_CQE32) != 0) ? 32 : 16;
        this.sqHead = params.getInt(P_SQ_OFF + SQ_HEAD);
        this.sqTail = params.getInt(P_SQ_OFF + SQ_TAIL);
        int sqArray = params.getInt(P_SQ_OFF + SQ_ARRAY);
        this.cqHead = params.getInt(P_CQ_OFF + CQ_HEAD);
        this.cqTail = params.getInt(P_CQ_OFF + CQ_TAIL);
        this.cqes = params.getInt(P_CQ_OFF + CQ_CQES);
        long sqLength = sqArray + 4L * this.sqEntries;
        long cqLength = this.cqes + (long) this.cqeSize * this.cqEntries;
        Pointer sq = null;
        Pointer cq = null;
        Pointer sqes = null;
        try {
            if ((this.features & FEAT_SINGLE_MMAP) != 0) {
                this.sqRingLength = Math.max(sqLength, cqLength);
                sq = map(this.sqRingLength, OFF_SQ_RING);
                cq = sq;
                this.cqRingLength = 0;
            }
            else {
                this.sqRingLength = sqLength;
                this.cqRingLength = cqLength;
                sq = map(sqLength, OFF_SQ_RING);
                cq = map(cqLength, OFF_CQ_RING);
            }
            this.sqeLength = (long) this.sqeSize * this.sqEntries;
            sqes = map(this.sqeLength, OFF_SQES);
        }
        catch (LastErrorException ex) {
            unmapQuietly(sqes, (long) this.sqeSize * this.sqEntries);
            if (cq != sq) {
                unmapQuietly(cq, cqLength);
            }
            unmapQuietly(sq, Math.max(sqLength, cqLength));
            throw ex;
        }
        this.sqRingMemory = sq;
        this.cqRingMemory = cq;
        this.sqeMemory = sqes;
        this.sqRing = sq.getByteBuffer(0, (cq == sq) ? this.sqRingLength : sqLength).order(ByteOrder.nativeOrder());
        this.cqRing = (cq == sq) ? this.sqRing : cq.getByteBuffer(0, cqLength).order(ByteOrder.nativeOrder());
        this.sqMask = this.sqRing.getInt(params.getInt(P_SQ_OFF + SQ_RING_MASK));
        this.cqMask = this.cqRing.getInt(params.getInt(P_CQ_OFF + CQ_RING_MASK));
        // Entry i of the SQ array always names SQE i: the SQE to fill is (tail & mask).
        for (int i = 0; i < this.sqEntries; i++) {
            this.sqRing.putInt(sqArray + 4 * i, i);
        }
        this.entry = new SubmissionEntry(sqes.getByteBuffer(0, this.sqeLength).order(ByteOrder.nativeOrder()),
                this.sqeSize);
        this.preparedTail = (int) INT.getAcquire(this.sqRing, this.sqTail);
        this.completedHead = (int) INT.getAcquire(this.cqRing, this.cqHead);
        this.waitArgument.clear();
    }

    /** A ring of at least {@code entries} SQ entries (rounded up to a power of two) and twice as many CQ entries. */
    public static IoUring open(int entries, int flags) throws IOException {
        return open(entries, 0, flags);
    }

    /**
     * A ring of at least {@code entries} SQ entries and {@code cqEntries} CQ entries (0: twice
     * the SQ entries), both rounded up to powers of two.
     *
     * @param flags {@code SETUP_*} flags
     * @throws IOException if the kernel refuses (errno in the message): io_uring disabled
     *         ({@code kernel.io_uring_disabled}), a flag it does not know, no memory
     */
    public static IoUring open(int entries, int cqEntries, int flags) throws IOException {
        if (entries < 1 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("io_uring entries: " + entries + " (allowed: 1 to " + MAX_ENTRIES + ")");
        }
        if (cqEntries < 0 || (cqEntries > 0 && cqEntries < entries)) {
            throw new IllegalArgumentException("io_uring CQ entries: " + cqEntries + " (allowed: 0, or at least the "
                    + entries + " SQ entries)");
        }
        try (Memory params = new Memory(PARAMS_SIZE)) {
            params.clear();
            int setupFlags = flags;
            if (cqEntries > 0) {
                setupFlags |= SETUP_CQSIZE;
                params.setInt(P_CQ_ENTRIES, cqEntries);
            }
            params.setInt(P_FLAGS, setupFlags);
            int fd = IoUringCalls.setup(entries, params);
            if (fd < 0) {
                int errno = Native.getLastError();
                throw new IOException("io_uring_setup(" + entries + ", flags 0x" + Integer.toHexString(setupFlags)
                        + ") failed: errno " + errno + setupHint(errno));
            }
            try {
                return new IoUring(fd, params);
            }
            catch (LastErrorException ex) {
                LibC.close(fd);
                throw new IOException("Cannot mmap the io_uring rings: errno " + ex.getErrorCode(), ex);
            }
        }
    }

    private static String setupHint(int errno) {
        return switch (errno) {
            case 1 -> " (io_uring is disabled for this process: see sysctl kernel.io_uring_disabled)";
            case 22 -> " (a setup flag this kernel does not know)";
            case 38 -> " (this kernel has no io_uring)";
            case 12 -> " (out of memory, or RLIMIT_MEMLOCK too low on kernels before 5.12)";
            default -> "";
        };
    }

    private Pointer map(long length, long offset) {
        return MemoryMapping.mapShared(this.fd, length, offset, MemoryMapping.MAP_POPULATE);
    }

    private static void unmapQuietly(Pointer address, long length) {
        if (address != null) {
            try {
                MemoryMapping.munmap(address, length);
            }
            catch (LastErrorException ex) {
                // nothing left to do
            }
        }
    }

    public int fd() {
        return this.fd;
    }

    /** The {@code SETUP_*} flags the ring was created with. */
    public int flags() {
        return this.flags;
    }

    /** {@code IORING_FEAT_*} bits the kernel reported. */
    public int features() {
        return this.features;
    }

    public int submissionQueueEntries() {
        return this.sqEntries;
    }

    public int completionQueueEntries() {
        return this.cqEntries;
    }

    /**
     * The next free submission entry, zeroed, or {@code null} when the SQ is full (then
     * {@link #submit()} first). The returned view is valid until the next call.
     */
    public SubmissionEntry next() {
        int head = (int) INT.getAcquire(this.sqRing, this.sqHead);
        if (this.preparedTail - head == this.sqEntries) {
            return null;
        }
        int index = this.preparedTail & this.sqMask;
        this.preparedTail++;
        return this.entry.at(index * this.sqeSize);
    }

    /** Entries prepared and not yet consumed by the kernel. */
    public int pending() {
        return this.preparedTail - (int) INT.getAcquire(this.sqRing, this.sqHead);
    }

    /**
     * Hands every prepared entry to the kernel without waiting.
     *
     * @return how many the kernel consumed (fewer than prepared if it was busy, EAGAIN or
     *         EBUSY: drain completions and submit again)
     */
    public int submit() throws IOException {
        return enter(0, 0, Pointer.NULL, 0);
    }

    /**
     * Hands every prepared entry to the kernel and waits until at least {@code minComplete}
     * completions are ready (returns early on a signal, EINTR).
     *
     * @return how many entries the kernel consumed
     */
    public int submitAndWait(int minComplete) throws IOException {
        return enter(minComplete, ENTER_GETEVENTS, Pointer.NULL, 0);
    }

    /**
     * Like {@link #submitAndWait(int)}, giving up the wait after {@code timeoutNanos}
     * (needs {@link #FEAT_EXT_ARG}, Linux 5.11).
     */
    public int submitAndWait(int minComplete, long timeoutNanos) throws IOException {
        if ((this.features & FEAT_EXT_ARG) == 0) {
            throw new IOException("This kernel's io_uring cannot wait with a timeout (no IORING_FEAT_EXT_ARG)");
        }
        Memory argument = this.waitArgument;
        argument.setLong(TIMESPEC, timeoutNanos / 1_000_000_000L);
        argument.setLong(TIMESPEC + 8, timeoutNanos % 1_000_000_000L);
        argument.setLong(ARG_TS, Pointer.nativeValue(argument) + TIMESPEC);
        return enter(minComplete, ENTER_GETEVENTS | ENTER_EXT_ARG, argument, GETEVENTS_ARG_SIZE);
    }

    private int enter(int minComplete, int enterFlags, Pointer argument, long argumentSize) throws IOException {
        checkOpen();
        INT.setRelease(this.sqRing, this.sqTail, this.preparedTail);
        int toSubmit = pending();
        if (toSubmit == 0 && enterFlags == 0) {
            return 0;
        }
        int consumed = IoUringCalls.enter(this.fd, toSubmit, minComplete, enterFlags, argument, argumentSize);
        if (consumed >= 0) {
            return consumed;
        }
        int errno = Native.getLastError();
        if (errno == EINTR || errno == ETIME || errno == EAGAIN || errno == EBUSY) {
            // Interrupted, timed out, or the kernel is short of room: the caller drains and retries.
            return toSubmit - pending();
        }
        throw new IOException("io_uring_enter failed: errno " + errno);
    }

    /** Completions ready to be drained. */
    public int ready() {
        return (int) INT.getAcquire(this.cqRing, this.cqTail) - this.completedHead;
    }

    /**
     * Passes every completion ready now to {@code handler}, oldest first, and gives their
     * slots back to the kernel. The handler may prepare and submit new entries.
     *
     * @return how many completions were passed
     */
    public int complete(CompletionHandler handler) {
        int tail = (int) INT.getAcquire(this.cqRing, this.cqTail);
        int count = 0;
        while (this.completedHead != tail) {
            int base = this.cqes + (this.completedHead & this.cqMask) * this.cqeSize;
            long userData = this.cqRing.getLong(base + CQE_USER_DATA);
            int result = this.cqRing.getInt(base + CQE_RES);
            int cqeFlags = this.cqRing.getInt(base + CQE_FLAGS);
            this.completedHead++;
            INT.setRelease(this.cqRing, this.cqHead, this.completedHead);
            handler.onCompletion(userData, result, cqeFlags);
            count++;
        }
        return count;
    }

    /**
     * Whether this kernel's io_uring supports {@code opcode}, by {@code IORING_REGISTER_PROBE}
     * (5.6).
     */
    public boolean supports(int opcode) throws IOException {
        checkOpen();
        int ops = 256;
        // struct io_uring_probe (16 bytes) then struct io_uring_probe_op[ops] (8 bytes each)
        try (Memory probe = new Memory(16 + 8L * ops)) {
            probe.clear();
            if (IoUringCalls.register(this.fd, REGISTER_PROBE, probe, ops) < 0) {
                throw new IOException("IORING_REGISTER_PROBE failed: errno " + Native.getLastError());
            }
            int lastOp = probe.getByte(0) & 0xff;
            if (opcode < 0 || opcode > lastOp) {
                return false;
            }
            // IO_URING_OP_SUPPORTED in the u16 flags of struct io_uring_probe_op
            return (probe.getShort(16 + 8L * opcode + 2) & 1) != 0;
        }
    }

    private void checkOpen() throws IOException {
        if (this.closed) {
            throw new IOException("io_uring " + this.fd + " is closed");
        }
    }

    /**
     * Unmaps the rings and closes the descriptor; the kernel cancels what is still in
     * flight. Idempotent.
     */
    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        unmapQuietly(this.sqeMemory, this.sqeLength);
        if (this.cqRingMemory != this.sqRingMemory) {
            unmapQuietly(this.cqRingMemory, this.cqRingLength);
        }
        unmapQuietly(this.sqRingMemory, this.sqRingLength);
        this.waitArgument.close();
        try {
            LibC.close(this.fd);
        }
        catch (LastErrorException ex) {
            // already gone
        }
    }
}
