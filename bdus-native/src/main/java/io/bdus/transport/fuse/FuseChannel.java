package io.bdus.transport.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.linux.LibC;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.RequestPool;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /dev/fuse} file descriptor of a session, served by one thread: reads each
 * request into a free {@link FuseRequest} of the device's pool, decodes it in place and hands
 * it to the runtime. A request answered before the runtime returns is replied to from this
 * thread, and its buffer takes the next request (a read and a write per request, nothing
 * allocated); one answered later is replied to by the answering thread, on this channel's
 * descriptor (the kernel matches a reply only on the descriptor its request was read from),
 * while this thread goes on reading into another free request. When every request is in
 * flight, it waits for one to come back.
 *
 * <p>The descriptor is closed by the device, once no request read from it can still be
 * answered.
 */
final class FuseChannel implements RequestChannel, FuseReplies {

    private static final Logger log = LoggerFactory.getLogger(FuseChannel.class);

    private static final int ECONNABORTED = 103;

    private final DeviceSpec spec;

    private final FuseSession session;

    private final int fd;

    private final RequestPool<FuseRequest> pool;

    private final FuseOperations operations;

    /** The watchdog's ETIMEDOUT reply: a header only. */
    private final Memory timeoutReply = new Memory(FuseProtocol.OUT_HEADER_SIZE);

    private boolean serving;

    private boolean closed;

    FuseChannel(FuseSession session, int fd, RequestPool<FuseRequest> pool, FuseOperations operations) {
        this.spec = session.spec();
        this.session = session;
        this.fd = fd;
        this.pool = pool;
        this.operations = operations;
    }

    int fd() {
        return this.fd;
    }

    synchronized boolean isServing() {
        return this.serving;
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
            serveLoop(handler);
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

    private void serveLoop(RequestHandler handler) throws IOException, InterruptedException {
        FuseRequest request = this.pool.take();
        try {
            while (request != null) {
                int length = receive(request);
                if (length < 0) {
                    return;
                }
                int reply = this.operations.decode(request, length);
                if (reply == FuseOperations.FOR_DRIVER) {
                    if (!request.serve(handler, this)) {
                        // answered later, by whoever answers; read the next request elsewhere
                        request = this.pool.take();
                        continue;
                    }
                    reply = request.claimAnswer() ? this.operations.answer(request, request.answer()) : 0;
                }
                if (reply > 0 && !send(request, reply)) {
                    return;
                }
                if (request.opcode == FuseProtocol.FUSE_INIT && this.session.minor() > 0) {
                    this.session.initialized();
                }
            }
        }
        finally {
            if (request != null) {
                this.pool.give(request);
            }
        }
    }

    /**
     * Reads the next request into {@code request}'s buffer.
     * @return its length, or -1 once the session ended
     */
    private int receive(FuseRequest request) throws IOException {
        while (true) {
            long length;
            try {
                length = LibC.read(this.fd, request.readFrame(), request.readSize());
            }
            catch (LastErrorException ex) {
                switch (ex.getErrorCode()) {
                    case Errno.EINTR, Errno.EAGAIN, Errno.ENOENT:
                        continue;
                    case Errno.ENODEV, ECONNABORTED:
                        log.debug("FUSE session of {} ended", this.spec.name());
                        return -1;
                    default:
                        throw new IOException("read from /dev/fuse failed for " + this.spec.name() + ": errno "
                                + ex.getErrorCode(), ex);
                }
            }
            return (length == 0) ? -1 : (int) length;
        }
    }

    /**
     * Writes a reply from the serving thread.
     * @return false once the session ended
     */
    private boolean send(FuseRequest request, int length) throws IOException {
        try {
            LibC.write(this.fd, request.replyFrame(), length);
            return true;
        }
        catch (LastErrorException ex) {
            switch (ex.getErrorCode()) {
                // ENOENT: the request was interrupted or aborted meanwhile
                case Errno.ENOENT, Errno.EINTR:
                    return true;
                case Errno.ENODEV, ECONNABORTED:
                    return false;
                default:
                    throw new IOException("write to /dev/fuse failed for " + this.spec.name() + ": errno "
                            + ex.getErrorCode(), ex);
            }
        }
    }

    @Override
    public boolean sendTimeout(FuseRequest request, long unique) {
        Memory reply = this.timeoutReply;
        reply.setInt(FuseProtocol.OUT_LEN, FuseProtocol.OUT_HEADER_SIZE);
        reply.setInt(FuseProtocol.OUT_ERROR, -Errno.ETIMEDOUT);
        reply.setLong(FuseProtocol.OUT_UNIQUE, unique);
        try {
            LibC.write(this.fd, reply, FuseProtocol.OUT_HEADER_SIZE);
            return true;
        }
        catch (LastErrorException ex) {
            // ENOENT: interrupted meanwhile; ENODEV: the session ended
            log.debug("Timeout reply for {} not delivered: errno {}", this.spec.name(), ex.getErrorCode());
            return false;
        }
    }

    /** Writes a reply from the thread that answered after the runtime returned. Never throws. */
    @Override
    public void sendLate(FuseRequest request, int length) {
        try {
            LibC.write(this.fd, request.replyFrame(), length);
        }
        catch (LastErrorException ex) {
            int errno = ex.getErrorCode();
            if (errno != Errno.ENOENT && errno != Errno.EINTR && errno != Errno.ENODEV && errno != ECONNABORTED) {
                log.error("Reply to a FUSE request of {} not delivered: write to /dev/fuse failed with errno {}",
                        this.spec.name(), errno);
            }
        }
    }

    /** A later {@link #serve} returns at once; the device closes the descriptor. */
    @Override
    public synchronized void close() {
        this.closed = true;
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
        return true;
    }
}
