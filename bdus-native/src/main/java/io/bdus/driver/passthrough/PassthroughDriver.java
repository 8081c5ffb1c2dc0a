package io.bdus.driver.passthrough;

import com.sun.jna.LastErrorException;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Concurrency;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.Errno;
import io.bdus.linux.LibC;
import io.bdus.linux.LibC.Flags;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a device from a file or another block device. Opens it with O_DIRECT where the
 * file system allows (so data is not cached twice), otherwise buffered with
 * {@code fdatasync} on flush. Discard punches holes and write-zeroes zeroes ranges with
 * {@code fallocate}. A regular file is created or extended to the device size.
 *
 * <p>Reads and writes go straight between the file and the request's payload buffer when it
 * is direct and, for O_DIRECT, page-aligned with a length in whole sectors (both transports
 * hand out such buffers); anything else goes through a per-thread aligned bounce buffer.
 * Nothing is allocated per request: the buffer is passed to {@code pread}/{@code pwrite} as
 * it is (JNA takes a direct buffer's address without allocating) and alignment is read with
 * {@link ByteBuffer#alignmentOffset}.
 */
public class PassthroughDriver implements BlockDriver {

    private static final Logger logger = LoggerFactory.getLogger(PassthroughDriver.class);

    /** O_DIRECT needs buffer addresses and sizes aligned to the backing block size; 4096 covers all. */
    private static final int ALIGNMENT = 4096;

    private final Path path;

    private static final int SECTOR = 512;

    private static final byte[] ZEROES = new byte[ALIGNMENT];

    private final ThreadLocal<ByteBuffer> bounce = new ThreadLocal<>();

    private volatile int fd = -1;

    private volatile boolean direct;

    private volatile int bounceSize;

    public PassthroughDriver(Path path) {
        this.path = path;
    }

    public Path path() {
        return this.path;
    }

    /** Whether the backing file is open with O_DIRECT. */
    public boolean isDirect() {
        return this.direct;
    }

    @Override
    public Concurrency concurrency() {
        return Concurrency.PARALLEL;
    }

    @Override
    public void initialize(DeviceInfo device) throws IOException {
        boolean regular = !Files.exists(this.path) || Files.isRegularFile(this.path);
        int flags = (device.readOnly() ? Flags.O_RDONLY : Flags.O_RDWR) | Flags.O_CLOEXEC
                | (regular && !device.readOnly() ? Flags.O_CREAT : 0);
        this.bounceSize = device.maxRequestSize();
        try {
            this.fd = LibC.open(this.path.toString(), flags | Flags.O_DIRECT, 0600);
            this.direct = true;
        }
        catch (LastErrorException ex) {
            if (ex.getErrorCode() != Errno.EINVAL) {
                throw failure("open", ex);
            }
            this.fd = open(flags);
            this.direct = false;
            logger.info("{} does not support O_DIRECT; using buffered I/O with fdatasync on flush", this.path);
        }
        if (regular && Files.size(this.path) < device.size() && !device.readOnly()) {
            try {
                LibC.ftruncate(this.fd, device.size());
            }
            catch (LastErrorException ex) {
                throw failure("ftruncate", ex);
            }
        }
    }

    private int open(int flags) throws IOException {
        try {
            return LibC.open(this.path.toString(), flags, 0600);
        }
        catch (LastErrorException ex) {
            throw failure("open", ex);
        }
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        int length = buffer.remaining();
        if (usableAsIs(buffer, length)) {
            transfer(false, buffer, length, offset);
            return;
        }
        ByteBuffer bounce = bounce(length);
        transfer(false, bounce, length, offset);
        buffer.put(buffer.position(), bounce, 0, length);
        buffer.position(buffer.limit());
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        int length = buffer.remaining();
        if (usableAsIs(buffer, length)) {
            transfer(true, buffer, length, offset);
            return;
        }
        ByteBuffer bounce = bounce(length);
        bounce.put(0, buffer, buffer.position(), length);
        transfer(true, bounce, length, offset);
        buffer.position(buffer.limit());
    }

    @Override
    public void flush() throws IOException {
        try {
            LibC.fdatasync(this.fd);
        }
        catch (LastErrorException ex) {
            throw failure("fdatasync", ex);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        fallocate(Flags.FALLOC_FL_PUNCH_HOLE | Flags.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /**
     * Punches a hole when unmapping is allowed, else zeroes the range in place. File systems
     * without {@code FALLOC_FL_ZERO_RANGE} (tmpfs before Linux 6.x, for one) get a hole that is
     * allocated again, or, failing that, zeroes written out.
     */
    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        if (mayUnmap) {
            fallocate(Flags.FALLOC_FL_PUNCH_HOLE | Flags.FALLOC_FL_KEEP_SIZE, offset, length);
            return;
        }
        try {
            LibC.fallocate(this.fd, Flags.FALLOC_FL_ZERO_RANGE | Flags.FALLOC_FL_KEEP_SIZE, offset, length);
            return;
        }
        catch (LastErrorException ex) {
            if (ex.getErrorCode() != Errno.EOPNOTSUPP) {
                throw failure("fallocate", ex);
            }
        }
        try {
            LibC.fallocate(this.fd, Flags.FALLOC_FL_PUNCH_HOLE | Flags.FALLOC_FL_KEEP_SIZE, offset, length);
            LibC.fallocate(this.fd, Flags.FALLOC_FL_KEEP_SIZE, offset, length);
        }
        catch (LastErrorException ex) {
            writeZeroBytes(offset, length);
        }
    }

    private void writeZeroBytes(long offset, long length) throws IOException {
        int chunk = (int) Math.min(length, this.bounceSize);
        ByteBuffer zeroes = bounce(chunk);
        fillZeroes(zeroes, 0, chunk);
        for (long done = 0; done < length; done += chunk) {
            int size = (int) Math.min(chunk, length - done);
            zeroes.clear().limit(size);
            transfer(true, zeroes, size, offset + done);
        }
    }

    @Override
    public void terminate() {
        int current = this.fd;
        this.fd = -1;
        if (current >= 0) {
            LibC.close(current);
        }
    }

    private void fallocate(int mode, long offset, long length) throws IOException {
        try {
            LibC.fallocate(this.fd, mode, offset, length);
        }
        catch (LastErrorException ex) {
            throw failure("fallocate", ex);
        }
    }

    /**
     * Reads or writes {@code length} bytes between the file at {@code offset} and
     * {@code buffer} from its position, which ends at the end of what was moved. A read
     * past the end of the file reads zeroes.
     */
    private void transfer(boolean write, ByteBuffer buffer, int length, long offset) throws IOException {
        int start = buffer.position();
        int done = 0;
        while (done < length) {
            buffer.position(start + done);
            long n;
            try {
                n = write ? LibC.pwrite(this.fd, buffer, length - done, offset + done)
                        : LibC.pread(this.fd, buffer, length - done, offset + done);
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() == Errno.EINTR) {
                    continue;
                }
                throw failure(write ? "pwrite" : "pread", ex);
            }
            if (n == 0) {
                if (write) {
                    throw new BlockDriverException(Errno.ENOSPC, "No space left writing " + this.path);
                }
                fillZeroes(buffer, start + done, length - done);
                break;
            }
            done += (int) n;
        }
        buffer.position(start + length);
    }

    private static void fillZeroes(ByteBuffer buffer, int from, int length) {
        for (int at = from, end = from + length; at < end; at += ZEROES.length) {
            buffer.put(at, ZEROES, 0, Math.min(ZEROES.length, end - at));
        }
    }

    /** Whether {@code buffer} can be handed to the system call as it is. */
    private boolean usableAsIs(ByteBuffer buffer, int length) {
        if (!buffer.isDirect()) {
            return false;
        }
        return !this.direct || (buffer.alignmentOffset(buffer.position(), ALIGNMENT) == 0 && length % SECTOR == 0);
    }

    /** This thread's aligned bounce buffer, position 0 and limit {@code length}. */
    private ByteBuffer bounce(int length) {
        ByteBuffer buffer = this.bounce.get();
        if (buffer == null || buffer.capacity() < length) {
            int size = Math.max(length, this.bounceSize);
            buffer = ByteBuffer.allocateDirect(size + ALIGNMENT).alignedSlice(ALIGNMENT);
            this.bounce.set(buffer);
        }
        return buffer.clear().limit(length);
    }

    private BlockDriverException failure(String call, LastErrorException ex) {
        int errno = ex.getErrorCode();
        return new BlockDriverException(errno == Errno.ENOSPC ? Errno.ENOSPC : Errno.EIO,
                call + " on " + this.path + " failed with errno " + errno, ex);
    }
}
