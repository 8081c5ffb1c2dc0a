package io.bdus.transport.kbdus;

import static io.bdus.transport.kbdus.KbdusAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.RequestPool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mmap'd slot of a kbdus driver and the preallocated payload buffer of the same index:
 * a request received into the slot is decoded from it, its payload is the buffer, and its
 * reply is the slot's error field, sent with the next {@code SEND_REPLY_AND_RECEIVE_ITEM} on
 * the slot when the runtime answers before returning, else with a {@code SEND_REPLY} from the
 * answering thread ({@link #sendLater}). The kernel matches replies by the handle in the
 * slot, so an answer to a request that timed out or was taken over is ignored there.
 */
final class KbdusRequest extends Request {

    private static final Logger logger = LoggerFactory.getLogger(KbdusRequest.class);

    private final int fd;

    private final ByteBuffer slot;

    private final ByteBuffer buffer;

    /** The slot index as the ioctl's integer argument. */
    private final Pointer index;

    private RequestPool<KbdusRequest> pool;

    KbdusRequest(int fd, int index, ByteBuffer slot, ByteBuffer buffer) {
        this.fd = fd;
        this.index = new Pointer(index);
        this.slot = slot.order(ByteOrder.nativeOrder());
        this.buffer = buffer;
        // Every item received in this slot puts its payload in preallocated buffer "index".
        for (int i = 0; i < SLOT_SIZE; i += Long.BYTES) {
            this.slot.putLong(i, 0);
        }
        this.slot.putLong(SLOT_USER_PTR_OR_BUFFER_INDEX, index);
        this.slot.put(SLOT_USE_PREALLOCATED_BUFFER, (byte) 1);
    }

    KbdusRequest joining(RequestPool<KbdusRequest> pool) {
        this.pool = pool;
        return this;
    }

    /** The slot index, as the argument of the data-plane ioctls. */
    Pointer index() {
        return this.index;
    }

    /** The type of the item last received into the slot. */
    int itemType() {
        return this.slot.get(ITEM_TYPE) & 0xff;
    }

    /**
     * Describes the request in the slot (type {@code type}, a request type).
     * @return 0, or the errno that answers a request type this runtime does not know
     */
    int decode(int type) {
        long offset = this.slot.getLong(ITEM_ARG64);
        int arg32 = this.slot.getInt(ITEM_ARG32);
        switch (type) {
            case ITEM_READ -> set(Operation.READ, offset, payload(arg32));
            case ITEM_WRITE -> set(Operation.WRITE, offset, payload(arg32));
            case ITEM_FUA_WRITE -> set(Operation.FUA_WRITE, offset, payload(arg32));
            case ITEM_WRITE_ZEROES_NO_UNMAP -> set(Operation.WRITE_ZEROES, offset, arg32, null, false);
            case ITEM_WRITE_ZEROES_MAY_UNMAP -> set(Operation.WRITE_ZEROES, offset, arg32, null, true);
            case ITEM_FLUSH -> set(Operation.FLUSH, 0, 0, null, false);
            case ITEM_DISCARD -> set(Operation.DISCARD, offset, arg32, null, false);
            case ITEM_SECURE_ERASE -> set(Operation.SECURE_ERASE, offset, arg32, null, false);
            case ITEM_IOCTL -> setIoctl(arg32, ioctlArgument(arg32), (offset & OPENER_WRITE) != 0);
            default -> {
                return Errno.EOPNOTSUPP;
            }
        }
        return 0;
    }

    /** Hands the decoded request to the runtime (see {@link Request#handTo}). */
    boolean serve(RequestHandler handler) {
        return handTo(handler);
    }

    /** Writes {@code errno} as the slot's reply; the next send on the slot carries it. */
    void answerInSlot(int errno) {
        this.slot.putInt(REPLY_ERROR, errno);
    }

    /** The runtime's answer, for the serving thread to put in the slot. */
    int answer() {
        return errno();
    }

    @Override
    protected void sendLater(int errno) {
        answerInSlot(errno);
        try {
            while (true) {
                try {
                    LibC.ioctl(this.fd, IOCTL_SEND_REPLY, this.index);
                    return;
                }
                catch (LastErrorException ex) {
                    if (ex.getErrorCode() != Errno.EINTR) {
                        logger.error("KBDUS_IOCTL_SEND_REPLY failed with errno {}: the request stays pending in the "
                                + "kernel until it times out or the device goes away", ex.getErrorCode());
                        return;
                    }
                }
            }
        }
        finally {
            this.pool.give(this);
        }
    }

    /**
     * The argument buffer of an ioctl. Without input from the caller it is zeroed: whatever
     * the driver leaves unwritten is copied back to the caller and must not be stale data.
     */
    private ByteBuffer ioctlArgument(int command) {
        ByteBuffer argument = payload(ioctlSize(command));
        if ((command >>> 30 & IOC_WRITE) == 0) {
            int i = 0;
            for (; i + Long.BYTES <= argument.limit(); i += Long.BYTES) {
                argument.putLong(i, 0);
            }
            for (; i < argument.limit(); i++) {
                argument.put(i, (byte) 0);
            }
        }
        return argument;
    }

    /** {@code _IOC_SIZE(command)}: bits 16-29. */
    static int ioctlSize(int command) {
        return Math.min((command >>> 16) & 0x3fff, MAX_IOCTL_SIZE);
    }

    private ByteBuffer payload(int length) {
        return this.buffer.clear().limit(Math.min(length, this.buffer.capacity()));
    }
}
