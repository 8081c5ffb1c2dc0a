package io.bdus.transport.kbdus;

import static io.bdus.transport.kbdus.KbdusAbi.*;

import com.sun.jna.LastErrorException;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.RequestPool;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * One serving thread of a kbdus driver. It receives into a free slot of the device's pool;
 * when the runtime answers before returning (a blocking driver), the next turn is one
 * {@code SEND_REPLY_AND_RECEIVE_ITEM} on the same slot, as in BDUS: one system call per
 * request. When the answer comes later (an asynchronous driver), the slot stays with its
 * request, whose answering thread sends {@code SEND_REPLY} for it, and this thread receives
 * into another free slot, waiting for one when every slot is in flight. Nothing is allocated
 * per request.
 */
final class KbdusChannel implements RequestChannel {

    private final KbdusDevice device;

    private final RequestPool<KbdusRequest> pool;

    KbdusChannel(KbdusDevice device, RequestPool<KbdusRequest> pool) {
        this.device = device;
        this.pool = pool;
    }

    @Override
    public void serve(RequestHandler handler) throws IOException {
        KbdusRequest request = null;
        try {
            request = this.pool.take();
            boolean replyInSlot = false;
            while (request != null) {
                receive(request, replyInSlot);
                replyInSlot = false;
                int type = request.itemType();
                switch (type) {
                    case ITEM_DEVICE_AVAILABLE -> this.device.deviceAvailable();
                    case ITEM_TERMINATE -> {
                        stop();
                        return;
                    }
                    case ITEM_FLUSH_AND_TERMINATE -> {
                        flushBeforeHandOver(handler);
                        stop();
                        return;
                    }
                    default -> {
                        int refusal = request.decode(type);
                        if (refusal != 0) {
                            request.answerInSlot(refusal);
                            replyInSlot = true;
                        }
                        else if (request.serve(handler)) {
                            request.answerInSlot(request.answer());
                            replyInSlot = true;
                        }
                        else {
                            // the answering thread sends the reply; receive into another slot
                            request = this.pool.take();
                        }
                    }
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            if (request != null) {
                this.pool.give(request);
            }
            this.device.channelDone();
        }
    }

    /** No more requests come to this driver: channels waiting for a free slot stop too. */
    private void stop() {
        this.pool.close();
    }

    /**
     * Flushes (when the device supports it) before a new driver takes over, waiting for the
     * answer also from an asynchronous driver: the kernel hands the next driver every write
     * answered after this point.
     */
    private void flushBeforeHandOver(RequestHandler handler) throws InterruptedException {
        if (this.device.supports(Operation.FLUSH)) {
            HandOverFlush flush = new HandOverFlush();
            flush.set(Operation.FLUSH, 0, 0, null, false);
            flush.serve(handler);
        }
    }

    /** Sends the reply in the slot (if any) and waits for the next item; retries on EINTR. */
    private void receive(KbdusRequest request, boolean replyInSlot) throws IOException {
        long command = replyInSlot ? IOCTL_SEND_REPLY_AND_RECEIVE_ITEM : IOCTL_RECEIVE_ITEM;
        while (true) {
            try {
                LibC.ioctl(this.device.fd(), command, request.index());
                return;
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() != Errno.EINTR) {
                    throw new IOException((replyInSlot ? "SEND_REPLY_AND_RECEIVE_ITEM" : "RECEIVE_ITEM")
                            + " failed on device '" + this.device.spec().name() + "': errno " + ex.getErrorCode(), ex);
                }
            }
        }
    }

    @Override
    public void close() {
        // The slots and buffers belong to the device's mapping, released when the device closes.
    }

    /** The flush a driver being replaced makes: the channel waits for its answer. */
    private static final class HandOverFlush extends Request {

        private final CountDownLatch answered = new CountDownLatch(1);

        void serve(RequestHandler handler) throws InterruptedException {
            if (!handTo(handler)) {
                this.answered.await();
            }
        }

        @Override
        protected void sendLater(int errno) {
            this.answered.countDown();
        }
    }
}
