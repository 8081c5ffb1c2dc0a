package io.bdus.transport.ublk;

import static io.bdus.transport.ublk.UblkAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.linux.LibC;
import io.bdus.linux.uring.CompletionHandler;
import io.bdus.linux.uring.IoUring;
import io.bdus.linux.uring.SubmissionEntry;
import java.io.IOException;
import java.time.Duration;

/**
 * Control commands to {@code /dev/ublk-control}: each a {@code URING_CMD} carrying a
 * {@code struct ublksrv_ctrl_cmd} in a 128-byte SQE of a small ring of its own, waited for
 * one at a time. The kernel runs the blocking ones (START_DEV waits for every tag's
 * FETCH_REQ, STOP_DEV for requests in flight) on an io-wq worker, so the wait here is
 * bounded by a timeout and a completion that comes after it is recognised as stale by its
 * sequence number.
 */
final class UblkControl implements AutoCloseable, CompletionHandler {

    private static final int ENTRIES = 4;

    /** Room for the largest payload exchanged: the device info (64 bytes). */
    private static final int BUFFER_SIZE = 128;

    private final int fd;

    private final IoUring ring;

    private final Memory buffer = new Memory(BUFFER_SIZE);

    /** Whether the kernel takes ioctl-encoded command numbers ({@code UBLK_F_CMD_IOCTL_ENCODE}). */
    private boolean encoded = true;

    private long sequence;

    private long completedSequence;

    private int completedResult;

    private boolean closed;

    private UblkControl(int fd, IoUring ring) {
        this.fd = fd;
        this.ring = ring;
    }

    static UblkControl open() throws IOException {
        int fd;
        try {
            fd = LibC.open(CONTROL_PATH, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
        }
        catch (LastErrorException ex) {
            throw new IOException("Cannot open " + CONTROL_PATH + ": errno " + ex.getErrorCode(), ex);
        }
        try {
            return new UblkControl(fd, IoUring.open(ENTRIES, IoUring.SETUP_SQE128));
        }
        catch (IOException | RuntimeException ex) {
            LibC.close(fd);
            throw ex;
        }
    }

    /**
     * {@code UBLK_U_CMD_GET_FEATURES} (Linux 6.5): the {@code UBLK_F_*} bits this kernel
     * supports. A kernel without it gets legacy command numbers from then on.
     *
     * @return the bits, or -1 when the kernel has no GET_FEATURES
     */
    synchronized long features(Duration timeout) throws IOException {
        this.buffer.clear(BUFFER_SIZE);
        int result = command(U_CMD_GET_FEATURES, -1, Pointer.nativeValue(this.buffer), FEATURES_LEN, 0, timeout);
        if (result < 0) {
            this.encoded = false;
            return -1;
        }
        return this.buffer.getLong(0);
    }

    /**
     * {@code ADD_DEV} with {@code info} (a {@code struct ublksrv_ctrl_dev_info}, dev_id -1
     * for a new id); the kernel writes back what it granted.
     */
    synchronized void addDevice(Memory info, Duration timeout) throws IOException {
        this.buffer.clear(BUFFER_SIZE);
        this.buffer.write(0, info.getByteArray(0, DEV_INFO_SIZE), 0, DEV_INFO_SIZE);
        check("ADD_DEV", command(pick(U_CMD_ADD_DEV, CMD_ADD_DEV), -1, Pointer.nativeValue(this.buffer),
                DEV_INFO_SIZE, 0, timeout));
        info.write(0, this.buffer.getByteArray(0, DEV_INFO_SIZE), 0, DEV_INFO_SIZE);
    }

    /** {@code SET_PARAMS}: {@code params} is a filled {@code struct ublk_params} prefix. */
    synchronized void setParameters(int id, Memory params, Duration timeout) throws IOException {
        check("SET_PARAMS", command(pick(U_CMD_SET_PARAMS, CMD_SET_PARAMS), id, Pointer.nativeValue(params),
                PARAMS_SIZE, 0, timeout));
    }

    /** {@code START_DEV}: returns once every queue has a FETCH_REQ outstanding for every tag and the disk is added. */
    synchronized void start(int id, int pid, Duration timeout) throws IOException {
        check("START_DEV", command(pick(U_CMD_START_DEV, CMD_START_DEV), id, 0, 0, pid, timeout));
    }

    /** {@code STOP_DEV}: removes the disk (waiting for requests in flight) and aborts the queues' fetches. */
    synchronized void stop(int id, Duration timeout) throws IOException {
        check("STOP_DEV", command(pick(U_CMD_STOP_DEV, CMD_STOP_DEV), id, 0, 0, 0, timeout));
    }

    /** {@code DEL_DEV}: frees the device id; waits until /dev/ublkcN is closed. */
    synchronized void delete(int id, Duration timeout) throws IOException {
        check("DEL_DEV", command(pick(U_CMD_DEL_DEV, CMD_DEL_DEV), id, 0, 0, 0, timeout));
    }

    /**
     * {@code GET_DEV_INFO} of device {@code id} into {@code info}.
     *
     * @return 0, or the negative errno (-ENODEV: no such device)
     */
    synchronized int deviceInfo(int id, Memory info, Duration timeout) throws IOException {
        this.buffer.clear(BUFFER_SIZE);
        int result = command(pick(U_CMD_GET_DEV_INFO, CMD_GET_DEV_INFO), id, Pointer.nativeValue(this.buffer),
                DEV_INFO_SIZE, 0, timeout);
        if (result >= 0) {
            info.write(0, this.buffer.getByteArray(0, DEV_INFO_SIZE), 0, DEV_INFO_SIZE);
        }
        return result;
    }

    boolean ioctlEncoded() {
        return this.encoded;
    }

    private int pick(int encodedCommand, int legacyCommand) {
        return this.encoded ? encodedCommand : legacyCommand;
    }

    private static void check(String what, int result) throws IOException {
        if (result < 0) {
            throw new IOException("ublk " + what + " failed: errno " + -result + hint(-result));
        }
    }

    private static String hint(int errno) {
        return switch (errno) {
            case 1 -> " (needs CAP_SYS_ADMIN)";
            case 22 -> " (the kernel rejected a value)";
            case 19 -> " (no such ublk device)";
            case 16 -> " (busy)";
            default -> "";
        };
    }

    /** Submits one command and waits for its completion; returns its result (negative errno on failure). */
    private int command(int op, int id, long address, int length, long data, Duration timeout) throws IOException {
        if (this.closed) {
            throw new IOException("the ublk control ring is closed");
        }
        long tag = ++this.sequence;
        SubmissionEntry entry = this.ring.next();
        if (entry == null) {
            throw new IOException("the ublk control ring is full (earlier commands never completed)");
        }
        entry.uringCommand(this.fd, op, tag)
            .putCommandInt(CTRL_DEV_ID, id)
            .putCommandShort(CTRL_QUEUE_ID, (short) -1)
            .putCommandShort(CTRL_LEN, (short) length)
            .putCommandLong(CTRL_ADDR, address)
            .putCommandLong(CTRL_DATA, data);
        long deadline = System.nanoTime() + timeout.toNanos();
        this.ring.submit();
        while (true) {
            this.ring.complete(this);
            if (this.completedSequence == tag) {
                return this.completedResult;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("ublk control command 0x" + Integer.toHexString(op) + " for device " + id
                        + " did not complete within " + timeout);
            }
            this.ring.submitAndWait(1, Math.min(left, 1_000_000_000L));
        }
    }

    @Override
    public void onCompletion(long userData, int result, int flags) {
        // only the awaited command counts; one that timed out earlier completes here unseen
        if (userData == this.sequence) {
            this.completedSequence = userData;
            this.completedResult = result;
        }
    }

    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        this.ring.close();
        this.buffer.close();
        try {
            LibC.close(this.fd);
        }
        catch (LastErrorException ex) {
            // already gone
        }
    }
}
