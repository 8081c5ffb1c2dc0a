package io.bdus.transport.fuse;

import static io.bdus.transport.fuse.FuseProtocol.*;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE operations of the one-file file system behind a fuse-loop device: decodes a
 * request and either answers it at once (INIT, GETATTR, OPEN, ...) or sets it up for the
 * runtime (READ, WRITE, FSYNC, FALLOCATE), and encodes the runtime's answer. Works only on
 * the views of a {@link FuseRequest} (request header, operation arguments, payload, reply
 * header, reply arguments), each indexed from 0, so the same code serves requests read from
 * {@code /dev/fuse} and ones delivered in separate header and payload buffers (FUSE over
 * io_uring). Allocates nothing.
 */
final class FuseOperations {

    /** {@link #decode} result: the request is set up for the runtime. */
    static final int FOR_DRIVER = -1;

    /** {@link #decode} result: the request takes no reply. */
    static final int NO_REPLY = 0;

    private static final Logger log = LoggerFactory.getLogger(FuseOperations.class);

    private static final int EPROTO = 71;

    /** How long the kernel may cache the file's attributes; they never change. */
    private static final long ATTR_VALID_SECONDS = 24 * 3600;

    private final FuseSession session;

    private final DeviceSpec spec;

    FuseOperations(FuseSession session) {
        this.session = session;
        this.spec = session.spec();
    }

    /**
     * Decodes the request of {@code length} bytes (header, arguments and any data) in
     * {@code r}'s views.
     * @return the length of a reply encoded in the reply views, {@link #NO_REPLY}, or
     *         {@link #FOR_DRIVER} when {@code r} now describes a request for the runtime
     */
    int decode(FuseRequest r, int length) {
        ByteBuffer in = r.inHeader();
        if (length < IN_HEADER_SIZE || in.getInt(IN_LEN) != length) {
            log.warn("Ignoring malformed FUSE request of {} bytes for {}", length, this.spec.name());
            return NO_REPLY;
        }
        int opcode = in.getInt(IN_OPCODE);
        long unique = in.getLong(IN_UNIQUE);
        r.opcode = opcode;
        r.unique = unique;
        int argLength = length - IN_HEADER_SIZE;
        return switch (opcode) {
            case FUSE_INIT -> init(r, argLength);
            case FUSE_GETATTR -> attr(r);
            case FUSE_SETATTR -> setattr(r);
            case FUSE_OPEN -> open(r);
            case FUSE_READ -> read(r);
            case FUSE_WRITE -> write(r, argLength);
            case FUSE_FSYNC -> fsync(r);
            case FUSE_FALLOCATE -> fallocate(r);
            case FUSE_STATFS -> statfs(r);
            case FUSE_ACCESS -> access(r);
            case FUSE_FLUSH, FUSE_RELEASE, FUSE_DESTROY -> error(r, 0);
            case FUSE_FORGET, FUSE_BATCH_FORGET, FUSE_INTERRUPT -> NO_REPLY;
            default -> error(r, Errno.ENOSYS);
        };
    }

    /**
     * Encodes the runtime's answer to a request {@link #decode} set up for it.
     * @return the reply's length
     */
    int answer(FuseRequest r, int errno) {
        if (errno != 0) {
            return error(r, errno < 0 ? Errno.EIO : errno);
        }
        return switch (r.opcode) {
            case FUSE_READ -> header(r, 0, r.ioSize);
            case FUSE_WRITE -> {
                ByteBuffer out = r.outArgs();
                out.putInt(0, r.ioSize);
                out.putInt(4, 0);
                yield header(r, 0, WRITE_OUT_SIZE);
            }
            default -> error(r, 0);
        };
    }

    private int init(FuseRequest r, int argLength) {
        ByteBuffer arg = r.opArgs();
        if (argLength < 16) {
            return error(r, Errno.EINVAL);
        }
        int major = arg.getInt(INIT_IN_MAJOR);
        int kernelMinor = arg.getInt(INIT_IN_MINOR);
        int maxReadahead = arg.getInt(INIT_IN_MAX_READAHEAD);
        int kernelFlags = arg.getInt(INIT_IN_FLAGS);
        ByteBuffer out = r.outArgs();
        zero(out, INIT_OUT_SIZE);
        if (major > KERNEL_VERSION) {
            // the kernel sends INIT again with our major version
            out.putInt(INIT_OUT_MAJOR, KERNEL_VERSION);
            return header(r, 0, INIT_OUT_COMPAT_22_SIZE);
        }
        // FUSE over io_uring: only when wanted, offered (the kernel offers it only while the
        // module parameter enable_uring is on) and flags2 is understood both ways
        int kernelFlags2 = (argLength >= INIT_IN_FLAGS2 + 4 && (kernelFlags & FUSE_INIT_EXT) != 0)
                ? arg.getInt(INIT_IN_FLAGS2) : 0;
        boolean uring = this.session.uringWanted() && kernelMinor >= URING_MINOR
                && (kernelFlags2 & FUSE_OVER_IO_URING_FLAGS2) != 0;
        int minor = Math.min(kernelMinor, uring ? URING_MINOR : MAX_MINOR);
        if (major < KERNEL_VERSION || minor < MIN_MINOR) {
            log.error("FUSE protocol {}.{} of this kernel is too old for {} (need 7.{})", major, kernelMinor,
                    this.spec.name(), MIN_MINOR);
            return error(r, EPROTO);
        }
        int maxWrite = this.spec.maxRequestSize();
        int flags = kernelFlags & (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_ASYNC_DIO | FUSE_MAX_PAGES);
        int maxBackground = Math.min(this.session.maxBackground(), 0xffff);
        out.putInt(INIT_OUT_MAJOR, KERNEL_VERSION);
        out.putInt(INIT_OUT_MINOR, minor);
        out.putInt(INIT_OUT_MAX_READAHEAD, maxReadahead);
        out.putInt(INIT_OUT_FLAGS, flags);
        out.putShort(INIT_OUT_MAX_BACKGROUND, (short) maxBackground);
        out.putShort(INIT_OUT_CONGESTION_THRESHOLD, (short) Math.max(1, maxBackground * 3 / 4));
        out.putInt(INIT_OUT_MAX_WRITE, maxWrite);
        out.putInt(INIT_OUT_TIME_GRAN, 1);
        out.putShort(INIT_OUT_MAX_PAGES, (short) (maxWrite / DeviceSpec.PAGE_SIZE));
        if (uring) {
            out.putInt(INIT_OUT_FLAGS, flags | FUSE_INIT_EXT);
            out.putInt(INIT_OUT_FLAGS2, FUSE_OVER_IO_URING_FLAGS2);
        }
        this.session.negotiated(minor, uring);
        if ((kernelFlags & FUSE_ASYNC_DIO) == 0) {
            log.warn("Kernel FUSE lacks asynchronous direct I/O: {} will serve one request at a time",
                    this.spec.name());
        }
        log.debug("FUSE session of {}: protocol 7.{} (kernel 7.{}), flags {}, max_write {}, io_uring {}",
                this.spec.name(), minor, kernelMinor, Integer.toHexString(flags), maxWrite, uring);
        return header(r, 0, minor < 23 ? INIT_OUT_COMPAT_22_SIZE : INIT_OUT_SIZE);
    }

    private int attr(FuseRequest r) {
        ByteBuffer out = r.outArgs();
        zero(out, ATTR_OUT_SIZE);
        out.putLong(ATTR_OUT_VALID, ATTR_VALID_SECONDS);
        int attr = ATTR_OUT_ATTR;
        out.putLong(attr + ATTR_INO, ROOT_ID);
        out.putLong(attr + ATTR_SIZE, this.spec.size());
        out.putLong(attr + ATTR_BLOCKS, this.spec.size() / 512);
        out.putInt(attr + ATTR_MODE, S_IFREG | (this.spec.readOnly() ? 0400 : 0600));
        out.putInt(attr + ATTR_NLINK, 1);
        out.putInt(attr + ATTR_UID, this.session.owner().uid());
        out.putInt(attr + ATTR_GID, this.session.owner().gid());
        out.putInt(attr + ATTR_BLKSIZE, this.spec.physicalBlockSize());
        return header(r, 0, ATTR_OUT_SIZE);
    }

    private int setattr(FuseRequest r) {
        ByteBuffer arg = r.opArgs();
        int valid = arg.getInt(SETATTR_IN_VALID);
        long size = arg.getLong(SETATTR_IN_SIZE);
        if ((valid & ~(FATTR_HARMLESS | FATTR_SIZE)) != 0) {
            return error(r, Errno.EPERM);
        }
        if ((valid & FATTR_SIZE) != 0 && size != this.spec.size()) {
            return error(r, Errno.EINVAL);
        }
        return attr(r);
    }

    private int open(FuseRequest r) {
        // The kernel checked the file's permissions (default_permissions); check again here,
        // so the device never depends on a mount option alone.
        int uid = r.inHeader().getInt(IN_UID);
        int flags = r.opArgs().getInt(OPEN_IN_FLAGS);
        if (uid != 0 && uid != this.session.owner().uid()) {
            return error(r, Errno.EACCES);
        }
        if (this.spec.readOnly() && (flags & O_ACCMODE) != 0) {
            return error(r, Errno.EROFS);
        }
        ByteBuffer out = r.outArgs();
        zero(out, OPEN_OUT_SIZE);
        // no page cache (every request reaches the driver), no FLUSH on close(2), and writes
        // from the loop device run in parallel instead of under the inode lock
        out.putInt(OPEN_OUT_FLAGS, FOPEN_DIRECT_IO | FOPEN_NOFLUSH | FOPEN_PARALLEL_DIRECT_WRITES);
        return header(r, 0, OPEN_OUT_SIZE);
    }

    private int read(FuseRequest r) {
        ByteBuffer arg = r.opArgs();
        long offset = arg.getLong(RW_IN_OFFSET);
        int size = arg.getInt(RW_IN_SIZE);
        ByteBuffer payload = r.ioPayload();
        if (!inRange(offset, size) || size > payload.capacity()) {
            return error(r, Errno.EINVAL);
        }
        if (size == 0) {
            return header(r, 0, 0);
        }
        r.ioSize = size;
        payload.limit(size).position(0);
        r.set(Operation.READ, offset, payload);
        return FOR_DRIVER;
    }

    private int write(FuseRequest r, int argLength) {
        ByteBuffer arg = r.opArgs();
        long offset = arg.getLong(RW_IN_OFFSET);
        int size = arg.getInt(RW_IN_SIZE);
        int fileFlags = arg.getInt(RW_IN_FLAGS);
        if (argLength != WRITE_IN_SIZE + size || !inRange(offset, size)) {
            return error(r, Errno.EINVAL);
        }
        if (this.spec.readOnly() || !this.session.supports(Operation.WRITE)) {
            return error(r, Errno.EROFS);
        }
        r.ioSize = size;
        if (size == 0) {
            return answer(r, 0);
        }
        Operation operation = (fileFlags & O_DSYNC) != 0 && this.session.supports(Operation.FUA_WRITE)
                ? Operation.FUA_WRITE : Operation.WRITE;
        ByteBuffer payload = r.ioPayload();
        payload.limit(size).position(0);
        r.set(operation, offset, payload);
        return FOR_DRIVER;
    }

    private int fsync(FuseRequest r) {
        if (!this.session.supports(Operation.FLUSH)) {
            return error(r, 0);
        }
        r.set(Operation.FLUSH, 0, 0, null, false);
        return FOR_DRIVER;
    }

    private int fallocate(FuseRequest r) {
        ByteBuffer arg = r.opArgs();
        long offset = arg.getLong(FALLOCATE_IN_OFFSET);
        long length = arg.getLong(FALLOCATE_IN_LENGTH);
        int mode = arg.getInt(FALLOCATE_IN_MODE);
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
                return error(r, Errno.EOPNOTSUPP);
            }
        }
        else if ((mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_ZERO_RANGE
                || (mode & ~FALLOC_FL_KEEP_SIZE) == FALLOC_FL_WRITE_ZEROES) {
            if (!this.session.supports(Operation.WRITE_ZEROES)) {
                return error(r, Errno.EOPNOTSUPP);
            }
            operation = Operation.WRITE_ZEROES;
            mayUnmap = false;
        }
        else {
            return error(r, Errno.EOPNOTSUPP);
        }
        if (length <= 0 || !inRange(offset, length)) {
            return error(r, Errno.EINVAL);
        }
        if (this.spec.readOnly()) {
            return error(r, Errno.EROFS);
        }
        r.set(operation, offset, length, null, mayUnmap);
        return FOR_DRIVER;
    }

    private int statfs(FuseRequest r) {
        ByteBuffer out = r.outArgs();
        zero(out, STATFS_OUT_SIZE);
        int blockSize = this.spec.logicalBlockSize();
        // f_bsize becomes the loop device's discard granularity
        out.putLong(STATFS_BLOCKS, this.spec.size() / blockSize);
        out.putLong(STATFS_FILES, 1);
        out.putInt(STATFS_BSIZE, blockSize);
        out.putInt(STATFS_NAMELEN, 255);
        out.putInt(STATFS_FRSIZE, blockSize);
        return header(r, 0, STATFS_OUT_SIZE);
    }

    private int access(FuseRequest r) {
        int mask = r.opArgs().getInt(0);
        return error(r, this.spec.readOnly() && (mask & 2) != 0 ? Errno.EROFS : 0);
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

    private static int error(FuseRequest r, int errno) {
        return header(r, errno, 0);
    }

    private static int header(FuseRequest r, int errno, int bodyLength) {
        int length = OUT_HEADER_SIZE + (errno == 0 ? bodyLength : 0);
        ByteBuffer out = r.outHeader();
        out.putInt(OUT_LEN, length);
        out.putInt(OUT_ERROR, -errno);
        out.putLong(OUT_UNIQUE, r.unique);
        return length;
    }

    private static void zero(ByteBuffer b, int length) {
        for (int i = 0; i < length; i += 8) {
            b.putLong(i, 0);
        }
    }
}
