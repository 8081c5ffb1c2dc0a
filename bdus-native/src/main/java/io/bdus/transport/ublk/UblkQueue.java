package io.bdus.transport.ublk;

import static io.bdus.transport.ublk.UblkAbi.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.linux.EventFd;
import io.bdus.linux.uring.CompletionHandler;
import io.bdus.linux.uring.IoUring;
import io.bdus.linux.uring.SubmissionEntry;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk hardware queue, served by one thread with an io_uring of its own: every tag of
 * the queue has a FETCH_REQ or COMMIT_AND_FETCH_REQ outstanding on that ring except while
 * its request is with the runtime, so an asynchronous driver has the whole queue depth in
 * flight on one thread. A request answered before the runtime returns is committed at once,
 * and all commits prepared while draining completions go to the kernel in one
 * {@code io_uring_enter}, which also waits for the next completions.
 *
 * <p>The kernel takes a tag's commands only from the thread that fetched it (the queue's
 * daemon), so an answer given later on another thread cannot be committed there. It is
 * pushed on a lock-free stack (an intrusive Treiber stack through
 * {@link UblkRequest#nextAnswered}: one compare-and-set, nothing allocated; each tag is on
 * it at most once) and the pusher that finds the stack empty signals an eventfd, whose read
 * this thread keeps in its ring. The thread takes the whole stack with one swap, so the
 * stack never pops single entries and has no ABA problem. A lock would also be safe, but
 * would need the ring's submission path to be shared, and the thread still has to be woken
 * from {@code io_uring_enter}.
 */
final class UblkQueue implements RequestChannel, CompletionHandler {

    private static final Logger logger = LoggerFactory.getLogger(UblkQueue.class);

    /** user_data of the eventfd read; tags are 0 to depth - 1. */
    private static final long WAKEUP = 1L << 32;

    private final UblkDevice device;

    private final int id;

    private final int charFd;

    private final UblkRequest[] requests;

    private final Pointer descriptors;

    private final long descriptorsLength;

    private final int fetchOp;

    private final int commitOp;

    private final AtomicReference<UblkRequest> answered = new AtomicReference<>();

    private final EventFd wakeup = EventFd.open(false);

    private final Memory wakeupValue = new Memory(Long.BYTES);

    private final AtomicBoolean entered = new AtomicBoolean();

    private IoUring ring;

    private RequestHandler handler;

    /** Tags whose command ended with an error (ABORT once the device is stopped): no more requests come on them. */
    private int finished;

    /** Requests handed to the runtime and not committed yet. */
    private int withRuntime;

    private int lastError;

    private volatile boolean stopping;

    UblkQueue(UblkDevice device, int id, int charFd, UblkRequest[] requests, Pointer descriptors,
            long descriptorsLength, boolean ioctlEncoded) {
        this.device = device;
        this.id = id;
        this.charFd = charFd;
        this.requests = requests;
        this.descriptors = descriptors;
        this.descriptorsLength = descriptorsLength;
        this.fetchOp = ioctlEncoded ? U_IO_FETCH_REQ : IO_FETCH_REQ;
        this.commitOp = ioctlEncoded ? U_IO_COMMIT_AND_FETCH_REQ : IO_COMMIT_AND_FETCH_REQ;
        for (UblkRequest request : requests) {
            request.joining(this);
        }
    }

    int id() {
        return this.id;
    }

    Pointer descriptors() {
        return this.descriptors;
    }

    long descriptorsLength() {
        return this.descriptorsLength;
    }

    /** Claims the queue for serving; false if it was served or given up already. */
    boolean enter() {
        return this.entered.compareAndSet(false, true);
    }

    @Override
    public void serve(RequestHandler handler) throws IOException {
        if (!enter()) {
            return;
        }
        this.handler = handler;
        int depth = this.requests.length;
        try (IoUring ring = IoUring.open(depth + 1, 0)) {
            this.ring = ring;
            for (UblkRequest request : this.requests) {
                command(this.fetchOp, request, 0);
            }
            armWakeup();
            ring.submit();
            this.device.queueReady();
            while (this.finished < depth && !(this.stopping && this.withRuntime == 0)) {
                ring.submitAndWait(1);
                ring.complete(this);
                commitAnswered();
            }
        }
        finally {
            this.ring = null;
            this.device.queueDone();
        }
        if (this.finished == depth && !this.stopping && !this.device.isClosing()) {
            throw new IOException("ublk device " + this.device.id() + " queue " + this.id
                    + ": the kernel ended every tag's fetch (last errno " + -this.lastError + ")");
        }
    }

    /** Lets the serving thread return once no request of this queue is with the runtime. */
    void stop() {
        this.stopping = true;
        this.wakeup.signal();
    }

    @Override
    public void onCompletion(long userData, int result, int flags) {
        if (userData == WAKEUP) {
            if (!this.stopping) {
                armWakeup();
            }
            return;
        }
        if (userData < 0 || userData >= this.requests.length) {
            logger.error("ublk device {} queue {}: a completion for tag {} outside the queue's {} tags was ignored",
                    this.device.id(), this.id, userData, this.requests.length);
            return;
        }
        UblkRequest request = this.requests[(int) userData];
        if (result != IO_RES_OK) {
            this.finished++;
            this.lastError = result;
            if (result != IO_RES_ABORT) {
                logger.warn("ublk device {} queue {}: the command of tag {} failed with {}", this.device.id(),
                        this.id, request.tag(), result);
            }
            return;
        }
        int refusal = request.decode();
        if (refusal != 0) {
            command(this.commitOp, request, request.result(refusal));
        }
        else if (request.serve(this.handler)) {
            command(this.commitOp, request, request.result(request.answer()));
        }
        else {
            this.withRuntime++;
        }
    }

    /** Called by the thread that answers a request after the runtime returned; never blocks. */
    void commitLater(UblkRequest request) {
        UblkRequest head;
        do {
            head = this.answered.get();
            request.nextAnswered = head;
        }
        while (!this.answered.compareAndSet(head, request));
        if (head == null) {
            this.wakeup.signal();
        }
    }

    private void commitAnswered() {
        UblkRequest request = this.answered.getAndSet(null);
        while (request != null) {
            UblkRequest next = request.nextAnswered;
            request.nextAnswered = null;
            this.withRuntime--;
            command(this.commitOp, request, request.result(request.answer()));
            request = next;
        }
    }

    private void armWakeup() {
        entry().read(this.wakeup.fd(), Pointer.nativeValue(this.wakeupValue), Long.BYTES, -1, WAKEUP);
    }

    /** Prepares FETCH_REQ or COMMIT_AND_FETCH_REQ (with {@code result}) for the request's tag. */
    private void command(int op, UblkRequest request, int result) {
        entry().uringCommand(this.charFd, op, request.tag())
            .putCommandShort(IOC_Q_ID, (short) this.id)
            .putCommandShort(IOC_TAG, (short) request.tag())
            .putCommandInt(IOC_RESULT, result)
            .putCommandLong(IOC_ADDR, request.bufferAddress());
    }

    private SubmissionEntry entry() {
        SubmissionEntry entry = this.ring.next();
        if (entry == null) {
            // cannot happen with one entry per tag plus the wakeup, but never lose a command
            try {
                this.ring.submit();
            }
            catch (IOException ex) {
                throw new IllegalStateException("io_uring_enter failed on ublk queue " + this.id, ex);
            }
            entry = this.ring.next();
            if (entry == null) {
                throw new IllegalStateException("the ring of ublk queue " + this.id + " is full");
            }
        }
        return entry;
    }

    @Override
    public void close() {
        this.wakeup.close();
    }
}
