package io.bdus.linux.uring;

import java.nio.ByteBuffer;

/**
 * A view of one {@code struct io_uring_sqe} in the ring, handed out by {@link IoUring#next()}
 * already zeroed. The ring reuses one view for every entry, so it is valid only until the
 * next call to {@code next()}; nothing is allocated per submission.
 */
public final class SubmissionEntry {

    // struct io_uring_sqe: 64 bytes, 128 with IORING_SETUP_SQE128
    static final int OPCODE = 0;
    static final int FLAGS = 1;
    static final int IOPRIO = 2;
    static final int FD = 4;
    static final int OFF = 8;
    static final int CMD_OP = 8;
    static final int ADDR = 16;
    static final int LEN = 24;
    static final int OP_FLAGS = 28;
    static final int USER_DATA = 32;
    static final int BUF_INDEX = 40;
    static final int PERSONALITY = 42;
    static final int FILE_INDEX = 44;
    /** {@code cmd[]}: 16 bytes in a 64-byte entry, 80 in a 128-byte one. */
    static final int CMD = 48;

    private final ByteBuffer entries;

    private final int size;

    private int base;

    SubmissionEntry(ByteBuffer entries, int size) {
        this.entries = entries;
        this.size = size;
    }

    /** Points this view at the entry starting at byte {@code base} and zeroes it. */
    SubmissionEntry at(int base) {
        this.base = base;
        for (int i = 0; i < this.size; i += Long.BYTES) {
            this.entries.putLong(base + i, 0);
        }
        return this;
    }

    public SubmissionEntry opcode(int opcode) {
        this.entries.put(this.base + OPCODE, (byte) opcode);
        return this;
    }

    /** {@code IOSQE_*} flags (link, drain, async, ...). */
    public SubmissionEntry flags(int flags) {
        this.entries.put(this.base + FLAGS, (byte) flags);
        return this;
    }

    public SubmissionEntry fd(int fd) {
        this.entries.putInt(this.base + FD, fd);
        return this;
    }

    /** The file offset ({@code off}); shares its place with {@code addr2} and {@code cmd_op}. */
    public SubmissionEntry offset(long offset) {
        this.entries.putLong(this.base + OFF, offset);
        return this;
    }

    /** The buffer address ({@code addr}). */
    public SubmissionEntry address(long address) {
        this.entries.putLong(this.base + ADDR, address);
        return this;
    }

    public SubmissionEntry length(int length) {
        this.entries.putInt(this.base + LEN, length);
        return this;
    }

    /** The operation's own flags ({@code rw_flags}, {@code poll32_events}, {@code uring_cmd_flags}, ...). */
    public SubmissionEntry operationFlags(int flags) {
        this.entries.putInt(this.base + OP_FLAGS, flags);
        return this;
    }

    public SubmissionEntry userData(long userData) {
        this.entries.putLong(this.base + USER_DATA, userData);
        return this;
    }

    /** For {@link IoUringOp#URING_CMD}: the driver's command number. */
    public SubmissionEntry commandOp(int commandOp) {
        this.entries.putInt(this.base + CMD_OP, commandOp);
        return this;
    }

    /** Bytes in the command area of a {@link IoUringOp#URING_CMD} entry: 16, or 80 with SQE128. */
    public int commandSize() {
        return this.size - CMD;
    }

    public SubmissionEntry putCommandShort(int offset, short value) {
        this.entries.putShort(commandIndex(offset, Short.BYTES), value);
        return this;
    }

    public SubmissionEntry putCommandInt(int offset, int value) {
        this.entries.putInt(commandIndex(offset, Integer.BYTES), value);
        return this;
    }

    public SubmissionEntry putCommandLong(int offset, long value) {
        this.entries.putLong(commandIndex(offset, Long.BYTES), value);
        return this;
    }

    private int commandIndex(int offset, int width) {
        if (offset < 0 || offset + width > commandSize()) {
            throw new IndexOutOfBoundsException("command bytes " + offset + ".." + (offset + width)
                    + " outside the " + commandSize() + "-byte command area");
        }
        return this.base + CMD + offset;
    }

    /** {@code IORING_OP_NOP}. */
    public SubmissionEntry nop(long userData) {
        return opcode(IoUringOp.NOP).userData(userData);
    }

    /** {@code IORING_OP_READ}: {@code length} bytes at {@code offset} (-1: the file position) into {@code address}. */
    public SubmissionEntry read(int fd, long address, int length, long offset, long userData) {
        return opcode(IoUringOp.READ).fd(fd).address(address).length(length).offset(offset).userData(userData);
    }

    /** {@code IORING_OP_WRITE}: {@code length} bytes from {@code address} at {@code offset} (-1: the file position). */
    public SubmissionEntry write(int fd, long address, int length, long offset, long userData) {
        return opcode(IoUringOp.WRITE).fd(fd).address(address).length(length).offset(offset).userData(userData);
    }

    /** {@code IORING_OP_POLL_ADD}, one shot: completes with the ready {@code events} ({@code POLLIN} = 1, ...). */
    public SubmissionEntry pollAdd(int fd, int events, long userData) {
        return opcode(IoUringOp.POLL_ADD).fd(fd).operationFlags(events).userData(userData);
    }

    /** {@code IORING_OP_URING_CMD} with command {@code commandOp}; fill the command area with {@code putCommand*}. */
    public SubmissionEntry uringCommand(int fd, int commandOp, long userData) {
        return opcode(IoUringOp.URING_CMD).fd(fd).commandOp(commandOp).userData(userData);
    }

    /** {@code IORING_OP_ASYNC_CANCEL} of the request submitted with {@code targetUserData}. */
    public SubmissionEntry cancel(long targetUserData, long userData) {
        return opcode(IoUringOp.ASYNC_CANCEL).address(targetUserData).userData(userData);
    }
}
