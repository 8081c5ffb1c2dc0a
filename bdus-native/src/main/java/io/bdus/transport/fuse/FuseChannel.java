package io.bdus.transport.fuse;

import static io.bdus.transport.fuse.FuseProtocol.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /dev/fuse} file descriptor of a session and the buffer it is served with. A
 * request is read into the buffer, decoded in place, and answered from the same buffer:
 * read payloads are filled right after the reply header, write payloads are passed where
 * the kernel put them. Serving allocates nothing.
 */
final class FuseChannel implements RequestChannel {

    private static final Logger log = LoggerFactory.getLogger(FuseChannel.class);

    private static final int EPROTO = 71;

    private static final int ECONNABORTED = 103;

    /** How long the kernel may cache the file's attributes; they never change. */
    private static final long ATTR_VALID_SECONDS = 24 * 3600;

    private final FuseSession session;

    private final DeviceSpec spec;

    private final int fd;

    private final Memory memory;

    private final ByteBuffer buffer;

    private final ByteBuffer readPayload;

    private final ByteBuffer writePayload;

    private final Request request = new Request();

    private final boolean ownsFd;

    /** The unique of the request inside the driver, or 0. */
    private final AtomicLong inDriver = new AtomicLong();

    private volatile long inDriverSince;

    private boolean answeredByWatchdog;

    private final Memory timeoutReply;

    private boolean serving;

    private boolean closed;

    /** A channel served from {@code fd} with its own native buffer. */
    FuseChannel(FuseSession session, int fd, boolean ownsFd) {
        this.session = session;
        this.spec = session.spec();
        this.fd = fd;
        this.ownsFd = ownsFd;
        int size = session.readBufferSize();
        this.memory = new Memory(size);
        this.timeoutReply = new Memory(OUT_HEADER_SIZE);
        this.buffer = this.memory.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
        this.readPayload = this.buffer.slice(OUT_HEADER_SIZE, size - OUT_HEADER_SIZE);
        this.writePayload = this.buffer.slice(IN_HEADER_SIZE + WRITE_IN_SIZE, size - IN_HEADER_SIZE - WRITE_IN_SIZE);
    }

    /** A channel without a file descriptor that decodes requests placed in {@code buffer} (tests). */
    FuseChannel(FuseSession session, ByteBuffer buffer) {
        this.session = session;
        this.spec = session.spec();
        this.fd = -1;
        this.ownsFd = false;
        this.memory = null;
        this.timeoutReply = new Memory(OUT_HEADER_SIZE);
        this.buffer = buffer.order(ByteOrder.nativeOrder());
        int size = buffer.capacity();
        this.readPayload = this.buffer.slice(OUT_HEADER_SIZE, size - OUT_HEADER_SIZE);
        this.writePayload = this.buffer.slice(IN_HEADER_SIZE + WRITE_IN_SIZE, size - IN_HEADER_SIZE - WRITE_IN_SIZE);
    }

    int fd() {
        return this.fd;
    }

    ByteBuffer buffer() {
        return this.buffer;
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
        finally {
            boolean release;
            synchronized (this) {
                this.serving = false;
                release = this.closed;
                notifyAll();
            }
            if (release) {
                release();
            }
        }
    }

    private void serveLoop(RequestHandler handler) throws IOException {
        Pointer pointer = this.memory;
        long capacity = this.buffer.capacity();
        while (true) {
            long length;
            try {
                length = LibC.read(this.fd, pointer, capacity);
            }
            catch (LastErrorException ex) {
                switch (ex.getErrorCode()) {
                    case Errno.EINTR, Errno.EAGAIN, Errno.ENOENT:
                        continue;
                    case Errno.ENODEV, ECONNABORTED:
                        log.debug("FUSE session of {} ended", this.spec.name());
                        return;
                    default:
                        throw new IOException("read from /dev/fuse failed for " + this.spec.name() + ": errno "
                                + ex.getErrorCode(), ex);
                }
            }
            if (length == 0) {
                return;
            }
            int reply = dispatch((int) length, handler);
            if (this.answeredByWatchdog) {
                this.answeredByWatchdog = false;
                reply = 0;
            }
            if (reply > 0) {
                try {
                    LibC.write(this.fd, pointer, reply);
                }
                catch (LastErrorException ex) {
                    switch (ex.getErrorCode()) {
                        // ENOENT: the request was interrupted or aborted meanwhile
                        case Errno.ENOENT, Errno.EINTR:
                            break;
                        case Errno.ENODEV, ECONNABORTED:
                            return;
                        default:
                            throw new IOException("write to /dev/fuse failed for " + this.spec.name() + ": errno "
                                    + ex.getErrorCode(), ex);
                    }
                }
            }
        }
    }

    /**
     * Decodes the request of {@code length} bytes at the start of the buffer, serves it and
     * writes the reply at the start of the buffer.
     * @return the reply's length, or 0 when the request takes no reply
     */
    int dispatch(int length, RequestHandler handler) {
        ByteBuffer b = this.buffer;
        if (length < IN_HEADER_SIZE || b.getInt(IN_LEN) != length) {
            log.warn("Ignoring malformed FUSE request of {} bytes for {}", length, this.spec.name());
            return 0;
        }
        int opcode = b.getInt(IN_OPCODE);
        long unique = b.getLong(IN_UNIQUE);
        return switch (opcode) {
            case FUSE_INIT -> init(unique, length);
            case FUSE_GETATTR -> attr(unique);
            case FUSE_SETATTR -> setattr(unique);
            case FUSE_OPEN -> open(unique);
            case FUSE_READ -> read(unique, handler);
            case FUSE_WRITE -> write(unique, length, handler);
            case FUSE_FSYNC -> fsync(unique, handler);
            case FUSE_FALLOCATE -> fallocate(unique, handler);
            case FUSE_STATFS -> statfs(unique);
            case FUSE_ACCESS -> access(unique);
            case FUSE_FLUSH, FUSE_RELEASE, FUSE_DESTROY -> error(unique, 0);
            case FUSE_FORGET, FUSE_BATCH_FORGET, FUSE_INTERRUPT -> 0;
            default -> error(unique, Errno.ENOSYS);
        };
    }

    private int init(long unique, int length) {
        ByteBuffer b = this.buffer;
        int arg = IN_HEADER_SIZE;
        if (length < arg + 16) {
            return error(unique, Errno.EINVAL);
        }
        int major = b.getInt(arg + INIT_IN_MAJOR);
        int kernelMinor = b.getInt(arg + INIT_IN_MINOR);
        int maxReadahead = b.getInt(arg + INIT_IN_MAX_READAHEAD);
        int kernelFlags = b.getInt(arg + INIT_IN_FLAGS);
        int out = OUT_HEADER_SIZE;
        zero(out, out + INIT_OUT_SIZE);
        if (major > KERNEL_VERSION) {
            // the kernel sends INIT again with our major version
            b.putInt(out + INIT_OUT_MAJOR, KERNEL_VERSION);
            return header(unique, 0, INIT_OUT_COMPAT_22_SIZE);
        }
        int minor = Math.min(kernelMinor, MAX_MINOR);
        if (major < KERNEL_VERSION || minor < MIN_MINOR) {
            log.error("FUSE protocol {}.{} of this kernel is too old for {} (need 7.{})", major, kernelMinor,
                    this.spec.name(), MIN_MINOR);
            return error(unique, EPROTO);
        }
        int maxWrite = this.spec.maxRequestSize();
        int flags = kernelFlags & (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_ASYNC_DIO | FUSE_MAX_PAGES);
        int maxBackground = Math.min(this.session.maxBackground(), 0xffff);
        b.putInt(out + INIT_OUT_MAJOR, KERNEL_VERSION);
        b.putInt(out + INIT_OUT_MINOR, minor);
        b.putInt(out + INIT_OUT_MAX_READAHEAD, maxReadahead);
        b.putInt(out + INIT_OUT_FLAGS, flags);
        b.putShort(out + INIT_OUT_MAX_BACKGROUND, (short) maxBackground);
        b.putShort(out + INIT_OUT_CONGESTION_THRESHOLD, (short) Math.max(1, maxBackground * 3 / 4));
        b.putInt(out + INIT_OUT_MAX_WRITE, maxWrite);
        b.putInt(out + INIT_OUT_TIME_GRAN, 1);
        b.putShort(out + INIT_OUT_MAX_PAGES, (short) (maxWrite / DeviceSpec.PAGE_SIZE));
        this.session.minor(minor);
        if ((kernelFlags & FUSE_ASYNC_DIO) == 0) {
            log.warn("Kernel FUSE lacks asynchronous direct I/O: {} will serve one request at a time",
                    this.spec.name());
        }
        log.debug("FUSE session of {}: protocol 7.{} (kernel 7.{}), flags {}, max_write {}", this.spec.name(),
                minor, kernelMinor, Integer.toHexString(flags), maxWrite);
        return header(unique, 0, minor < 23 ? INIT_OUT_COMPAT_22_SIZE : INIT_OUT_SIZE);
    }

    private int attr(long unique) {
        ByteBuffer b = this.buffer;
        int out = OUT_HEADER_SIZE;
        zero(out, out + ATTR_OUT_SIZE);
        b.putLong(out + ATTR_OUT_VALID, ATTR_VALID_SECONDS);
        int attr = out + ATTR_OUT_ATTR;
        b.putLong(attr + ATTR_INO, ROOT_ID);
        b.putLong(attr + ATTR_SIZE, this.spec.size());
        b.putLong(attr + ATTR_BLOCKS, this.spec.size() / 512);
        b.putInt(attr + ATTR_MODE, S_IFREG | (this.spec.readOnly() ? 0400 : 0600));
        b.putInt(attr + ATTR_NLINK, 1);
        b.putInt(attr + ATTR_UID, this.session.owner().uid());
        b.putInt(attr + ATTR_GID, this.session.owner().gid());
        b.putInt(attr + ATTR_BLKSIZE, this.spec.physicalBlockSize());
        return header(unique, 0, ATTR_OUT_SIZE);
    }

    private int setattr(long unique) {
        int arg = IN_HEADER_SIZE;
        int valid = this.buffer.getInt(arg + SETATTR_IN_VALID);
        if ((valid & ~(FATTR_HARMLESS | FATTR_SIZE)) != 0) {
            return error(unique, Errno.EPERM);
        }
        if ((valid & FATTR_SIZE) != 0 && this.buffer.getLong(arg + SETATTR_IN_SIZE) != this.spec.size()) {
            return error(unique, Errno.EINVAL);
        }
        return attr(unique);
    }

    private int open(long unique) {
        // The kernel checked the file's permissions (default_permissions); check again here,
        // so the device never depends on a mount option alone.
        int uid = this.buffer.getInt(IN_UID);
        if (uid != 0 && uid != this.session.owner().uid()) {
            return error(unique, Errno.EACCES);
        }
        int flags = this.buffer.getInt(IN_HEADER_SIZE + OPEN_IN_FLAGS);
        if (this.spec.readOnly() && (flags & O_ACCMODE) != 0) {
            return error(unique, Errno.EROFS);
        }
        int out = OUT_HEADER_SIZE;
        zero(out, out + OPEN_OUT_SIZE);
        // no page cache (every request reaches the driver), no FLUSH on close(2), and writes
        // from the loop device run in parallel instead of under the inode lock
        this.buffer.putInt(out + OPEN_OUT_FLAGS, FOPEN_DIRECT_IO | FOPEN_NOFLUSH | FOPEN_PARALLEL_DIRECT_WRITES);
        return header(unique, 0, OPEN_OUT_SIZE);
    }

    private int read(long unique, RequestHandler handler) {
        ByteBuffer b = this.buffer;
        int arg = IN_HEADER_SIZE;
        long offset = b.getLong(arg + RW_IN_OFFSET);
        int size = b.getInt(arg + RW_IN_SIZE);
        if (!inRange(offset, size) || size > this.readPayload.capacity()) {
            return error(unique, Errno.EINVAL);
        }
        if (size == 0) {
            return header(unique, 0, 0);
        }
        ByteBuffer payload = this.readPayload;
        payload.position(0).limit(size);
        int errno = call(unique, handler, this.request.set(Operation.READ, offset, payload));
        return errno != 0 ? error(unique, errno) : header(unique, 0, size);
    }

    private int write(long unique, int length, RequestHandler handler) {
        ByteBuffer b = this.buffer;
        int arg = IN_HEADER_SIZE;
        long offset = b.getLong(arg + RW_IN_OFFSET);
        int size = b.getInt(arg + RW_IN_SIZE);
        int fileFlags = b.getInt(arg + RW_IN_FLAGS);
        if (length != IN_HEADER_SIZE + WRITE_IN_SIZE + size || !inRange(offset, size)) {
            return error(unique, Errno.EINVAL);
        }
        if (this.spec.readOnly() || !this.session.supports(Operation.WRITE)) {
            return error(unique, Errno.EROFS);
        }
        if (size > 0) {
            Operation operation = (fileFlags & O_DSYNC) != 0 && this.session.supports(Operation.FUA_WRITE)
                    ? Operation.FUA_WRITE : Operation.WRITE;
            ByteBuffer payload = this.writePayload;
            payload.position(0).limit(size);
            int errno = call(unique, handler, this.request.set(operation, offset, payload));
            if (errno != 0) {
                return error(unique, errno);
            }
        }
        int out = OUT_HEADER_SIZE;
        b.putInt(out, size);
        b.putInt(out + 4, 0);
        return header(unique, 0, WRITE_OUT_SIZE);
    }

    private int fsync(long unique, RequestHandler handler) {
        if (!this.session.supports(Operation.FLUSH)) {
            return error(unique, 0);
        }
        return error(unique, call(unique, handler, this.request.set(Operation.FLUSH, 0, 0, null, false)));
    }

    private int fallocate(long unique, RequestHandler handler) {
        ByteBuffer b = this.buffer;
        int arg = IN_HEADER_SIZE;
        long offset = b.getLong(arg + FALLOCATE_IN_OFFSET);
        long length = b.getLong(arg + FALLOCATE_IN_LENGTH);
        int mode = b.getInt(arg + FALLOCATE_IN_MODE);
        Operation operation;
        boolean mayUnmap;
        if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
            // loop sends this for discard and for write-zeroes that may unmap, so the range
            // must read back as zeroes: prefer WRITE_ZEROES over DISCARD
            if (this.session.supports(Operation.WRITE_ZEROES)) {
                operation = Operation.WRITE_ZEROES;
                mayUnmap = true;
            }
            else if (this.session.supports(Operation.DISCARD)) {
                operation = Operation.DISCARD;
                mayUnmap = false;
            }
            else {
                return error(unique, Errno.EOPNOTSUPP);
            }
        }
        else if ((mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_ZERO_RANGE
                || (mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_WRITE_ZEROES) {
            if (!this.session.supports(Operation.WRITE_ZEROES)) {
                return error(unique, Errno.EOPNOTSUPP);
            }
            operation = Operation.WRITE_ZEROES;
            mayUnmap = false;
        }
        else {
            return error(unique, Errno.EOPNOTSUPP);
        }
        if (length <= 0 || !inRange(offset, length)) {
            return error(unique, Errno.EINVAL);
        }
        if (this.spec.readOnly()) {
            return error(unique, Errno.EROFS);
        }
        return error(unique, call(unique, handler, this.request.set(operation, offset, length, null, mayUnmap)));
    }

    private int statfs(long unique) {
        ByteBuffer b = this.buffer;
        int out = OUT_HEADER_SIZE;
        zero(out, out + STATFS_OUT_SIZE);
        int blockSize = this.spec.logicalBlockSize();
        // f_bsize becomes the loop device's discard granularity
        b.putLong(out + STATFS_BLOCKS, this.spec.size() / blockSize);
        b.putLong(out + STATFS_FILES, 1);
        b.putInt(out + STATFS_BSIZE, blockSize);
        b.putInt(out + STATFS_NAMELEN, 255);
        b.putInt(out + STATFS_FRSIZE, blockSize);
        return header(unique, 0, STATFS_OUT_SIZE);
    }

    private int access(long unique) {
        int mask = this.buffer.getInt(IN_HEADER_SIZE);
        return error(unique, this.spec.readOnly() && (mask & 2) != 0 ? Errno.EROFS : 0);
    }

    private boolean inRange(long offset, long length) {
        int block = this.spec.logicalBlockSize();
        boolean ok = offset >= 0 && length >= 0 && offset <= this.spec.size() - length && offset % block == 0
                && length % block == 0;
        if (!ok && this.session.firstRejection()) {
            log.warn("Refusing a request at offset {} of {} bytes on {}: outside the device or not aligned to {} "
                    + "bytes (logged once)", offset, length, this.spec.name(), block);
        }
        return ok;
    }

    private int call(long unique, RequestHandler handler, Request request) {
        this.inDriverSince = System.nanoTime();
        this.inDriver.set(unique);
        try {
            int errno = handler.handle(request);
            return errno < 0 ? Errno.EIO : errno;
        }
        catch (RuntimeException | Error ex) {
            log.error("Request handler failed on {}", request.operation(), ex);
            return Errno.EIO;
        }
        finally {
            // The watchdog answered the request meanwhile: the kernel has forgotten it.
            this.answeredByWatchdog = !this.inDriver.compareAndSet(unique, 0);
        }
    }

    /**
     * Answers the request in the driver with ETIMEDOUT if it has been there longer than
     * {@code timeoutNanos}; its reply, when the driver returns, is then dropped. Called by
     * the device's watchdog thread only.
     * @return whether a request was answered
     */
    boolean expire(long now, long timeoutNanos) {
        long unique = this.inDriver.get();
        if (unique == 0 || now - this.inDriverSince < timeoutNanos || !this.inDriver.compareAndSet(unique, 0)) {
            return false;
        }
        Memory reply = this.timeoutReply;
        reply.setInt(OUT_LEN, OUT_HEADER_SIZE);
        reply.setInt(OUT_ERROR, -Errno.ETIMEDOUT);
        reply.setLong(OUT_UNIQUE, unique);
        try {
            LibC.write(this.fd, reply, OUT_HEADER_SIZE);
        }
        catch (LastErrorException ex) {
            // ENOENT: interrupted meanwhile; ENODEV: the session ended
            log.debug("Timeout reply for {} not delivered: errno {}", this.spec.name(), ex.getErrorCode());
        }
        return true;
    }

    private int error(long unique, int errno) {
        return header(unique, errno, 0);
    }

    private int header(long unique, int errno, int bodyLength) {
        int length = OUT_HEADER_SIZE + (errno == 0 ? bodyLength : 0);
        ByteBuffer b = this.buffer;
        b.putInt(OUT_LEN, length);
        b.putInt(OUT_ERROR, -errno);
        b.putLong(OUT_UNIQUE, unique);
        return length;
    }

    private void zero(int from, int to) {
        ByteBuffer b = this.buffer;
        for (int i = from; i < to; i += 8) {
            b.putLong(i, 0);
        }
    }

    /** Closes this channel's descriptor unless it is being served. */
    @Override
    public void close() {
        synchronized (this) {
            if (this.closed) {
                return;
            }
            this.closed = true;
            if (this.serving) {
                return;
            }
        }
        release();
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

    private void release() {
        if (this.ownsFd && this.fd >= 0) {
            try {
                LibC.close(this.fd);
            }
            catch (LastErrorException ex) {
                log.debug("close of /dev/fuse fd failed: errno {}", ex.getErrorCode());
            }
        }
        if (this.memory != null) {
            this.memory.close();
        }
        this.timeoutReply.close();
    }
}
