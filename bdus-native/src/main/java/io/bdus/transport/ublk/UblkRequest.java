package io.bdus.transport.ublk;

import static io.bdus.transport.ublk.UblkAbi.*;

import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * One tag of a ublk queue: its I/O descriptor (a read-only view of the kernel's mapping)
 * and its payload buffer, which the kernel fills for a write before the tag's fetch
 * completes and copies from for a read when the tag is committed. Every descriptor field is
 * checked before the request reaches the runtime; a bad one fails that request only.
 *
 * <p>A reply given after the runtime returned is queued for the queue's thread, the only one
 * the kernel takes this tag's next command from ({@link UblkQueue#commitLater}).
 */
final class UblkRequest extends Request {

    private final int tag;

    private final ByteBuffer descriptor;

    private final ByteBuffer buffer;

    private final long bufferAddress;

    private final long deviceSectors;

    private final int sectorsPerBlock;

    private final Set<Operation> operations;

    private UblkQueue queue;

    /** The kernel's op of the request being served (its commit result depends on it). */
    private int op;

    private int sectors;

    /** The next request in the queue's stack of answered requests (see {@link UblkQueue}). */
    UblkRequest nextAnswered;

    UblkRequest(int tag, ByteBuffer descriptor, ByteBuffer buffer, long bufferAddress, long deviceSize,
            int logicalBlockSize, Set<Operation> operations) {
        this.tag = tag;
        this.descriptor = descriptor.order(ByteOrder.nativeOrder());
        this.buffer = buffer;
        this.bufferAddress = bufferAddress;
        this.deviceSectors = deviceSize >>> SECTOR_SHIFT;
        this.sectorsPerBlock = logicalBlockSize >>> SECTOR_SHIFT;
        this.operations = operations;
    }

    UblkRequest joining(UblkQueue queue) {
        this.queue = queue;
        return this;
    }

    int tag() {
        return this.tag;
    }

    long bufferAddress() {
        return this.bufferAddress;
    }

    /**
     * Describes the request the kernel put in this tag's descriptor.
     *
     * @return 0, or the errno that answers it without the runtime: EOPNOTSUPP for an op the
     *         device does not advertise, EIO for a range or size the device cannot have
     */
    int decode() {
        int opFlags = this.descriptor.getInt(IOD_OP_FLAGS);
        this.op = opFlags & 0xff;
        this.sectors = this.descriptor.getInt(IOD_NR_SECTORS);
        long start = this.descriptor.getLong(IOD_START_SECTOR);
        long sectorsUnsigned = Integer.toUnsignedLong(this.sectors);
        if (this.op == IO_OP_FLUSH) {
            set(Operation.FLUSH, 0, 0, null, false);
            return admit(Operation.FLUSH);
        }
        // the range: inside the device, whole logical blocks, not empty
        if (start < 0 || start > this.deviceSectors || sectorsUnsigned > this.deviceSectors - start
                || sectorsUnsigned == 0 || start % this.sectorsPerBlock != 0
                || sectorsUnsigned % this.sectorsPerBlock != 0) {
            this.sectors = 0;
            return Errno.EIO;
        }
        long offset = start << SECTOR_SHIFT;
        long length = sectorsUnsigned << SECTOR_SHIFT;
        switch (this.op) {
            case IO_OP_READ, IO_OP_WRITE -> {
                if (length > this.buffer.capacity() || this.descriptor.getLong(IOD_ADDR) != this.bufferAddress) {
                    this.sectors = 0;
                    return Errno.EIO;
                }
                Operation operation = this.op == IO_OP_READ ? Operation.READ
                        : (opFlags & IO_F_FUA) != 0 ? Operation.FUA_WRITE : Operation.WRITE;
                set(operation, offset, this.buffer.clear().limit((int) length));
                return admit(operation);
            }
            case IO_OP_DISCARD -> {
                set(Operation.DISCARD, offset, length, null, false);
                return admit(Operation.DISCARD);
            }
            case IO_OP_WRITE_ZEROES -> {
                set(Operation.WRITE_ZEROES, offset, length, null, (opFlags & IO_F_NOUNMAP) == 0);
                return admit(Operation.WRITE_ZEROES);
            }
            default -> {
                return Errno.EOPNOTSUPP;
            }
        }
    }

    private int admit(Operation operation) {
        return this.operations.contains(operation) ? 0 : Errno.EOPNOTSUPP;
    }

    /**
     * What COMMIT_AND_FETCH_REQ reports for an answer {@code errno}: the bytes transferred
     * for a read or write (the kernel completes that much of the request, so anything short
     * of the whole would have it resubmit the rest), 0 for the other ops, -errno on failure.
     */
    int result(int errno) {
        if (errno != 0) {
            return -errno;
        }
        return (this.op == IO_OP_READ || this.op == IO_OP_WRITE) ? this.sectors << SECTOR_SHIFT : 0;
    }

    /** Hands the decoded request to the runtime (see {@link Request#handTo}). */
    boolean serve(io.bdus.transport.RequestHandler handler) {
        return handTo(handler);
    }

    /** The runtime's answer, for the queue thread to commit. */
    int answer() {
        return errno();
    }

    @Override
    protected void sendLater(int errno) {
        this.queue.commitLater(this);
    }
}
