package io.bdus.transport.kbdus;

import static io.bdus.transport.kbdus.KbdusAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One serving thread's slot and payload buffer. Each turn is one
 * {@code SEND_REPLY_AND_RECEIVE_ITEM} ioctl: it completes the request whose reply is in the
 * slot and writes the next item into it. Nothing is allocated per request.
 */
final class KbdusChannel implements RequestChannel {

    private final KbdusDevice device;

    private final Pointer slot;

    private final Pointer slotIndex;

    private final ByteBuffer buffer;

    private final Request request = new Request();

    KbdusChannel(KbdusDevice device, int index, Pointer slot, ByteBuffer buffer) {
        this.device = device;
        this.slot = slot;
        this.slotIndex = new Pointer(index);
        this.buffer = buffer;
        // The payload of every item received in this slot goes to preallocated buffer "index".
        slot.clear(SLOT_SIZE);
        slot.setLong(SLOT_USER_PTR_OR_BUFFER_INDEX, index);
        slot.setByte(SLOT_USE_PREALLOCATED_BUFFER, (byte) 1);
    }

    @Override
    public void serve(RequestHandler handler) throws IOException {
        try {
            while (true) {
                receive();
                int type = this.slot.getByte(ITEM_TYPE) & 0xff;
                switch (type) {
                    case ITEM_DEVICE_AVAILABLE -> this.device.deviceAvailable();
                    case ITEM_TERMINATE -> {
                        return;
                    }
                    case ITEM_FLUSH_AND_TERMINATE -> {
                        if (this.device.supports(Operation.FLUSH)) {
                            handler.handle(this.request.set(Operation.FLUSH, 0, 0, null, false));
                        }
                        return;
                    }
                    default -> this.slot.setInt(REPLY_ERROR, serveRequest(type, handler));
                }
            }
        }
        finally {
            this.device.channelDone();
        }
    }

    /** Sends the reply in the slot (if any) and waits for the next item; retries on EINTR. */
    private void receive() throws IOException {
        while (true) {
            try {
                LibC.ioctl(this.device.fd(), IOCTL_SEND_REPLY_AND_RECEIVE_ITEM, this.slotIndex);
                return;
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() != Errno.EINTR) {
                    throw new IOException("SEND_REPLY_AND_RECEIVE_ITEM failed on device '"
                            + this.device.spec().name() + "': errno " + ex.getErrorCode(), ex);
                }
            }
        }
    }

    private int serveRequest(int type, RequestHandler handler) {
        long offset = this.slot.getLong(ITEM_ARG64);
        int arg32 = this.slot.getInt(ITEM_ARG32);
        Request r = this.request;
        switch (type) {
            case ITEM_READ -> r.set(Operation.READ, offset, payload(arg32));
            case ITEM_WRITE -> r.set(Operation.WRITE, offset, payload(arg32));
            case ITEM_FUA_WRITE -> r.set(Operation.FUA_WRITE, offset, payload(arg32));
            case ITEM_WRITE_ZEROES_NO_UNMAP -> r.set(Operation.WRITE_ZEROES, offset, arg32, null, false);
            case ITEM_WRITE_ZEROES_MAY_UNMAP -> r.set(Operation.WRITE_ZEROES, offset, arg32, null, true);
            case ITEM_FLUSH -> r.set(Operation.FLUSH, 0, 0, null, false);
            case ITEM_DISCARD -> r.set(Operation.DISCARD, offset, arg32, null, false);
            case ITEM_SECURE_ERASE -> r.set(Operation.SECURE_ERASE, offset, arg32, null, false);
            case ITEM_IOCTL -> r.setIoctl(arg32, ioctlArgument(arg32), (offset & OPENER_WRITE) != 0);
            default -> {
                return Errno.EOPNOTSUPP;
            }
        }
        return handler.handle(r);
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

    @Override
    public void close() {
        // The slot and buffer belong to the device's mapping, released when the device closes.
    }
}
