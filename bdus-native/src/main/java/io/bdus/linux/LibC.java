package io.bdus.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * The libc calls the transports and drivers make, bound by JNA direct mapping (the cheapest
 * JNA call path). Every call throws {@link LastErrorException} when it returns -1, so callers
 * never read errno themselves. Sizes are {@code long} because this runs only on 64-bit Linux.
 */
public final class LibC {

    static {
        SupportedPlatform.checkCurrent();
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    public static native int open(String path, int flags, int mode) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

    public static native long write(int fd, Pointer buffer, long count) throws LastErrorException;

    public static native long pread(int fd, Pointer buffer, long count, long offset) throws LastErrorException;

    public static native long pwrite(int fd, Pointer buffer, long count, long offset) throws LastErrorException;

    /**
     * {@code pread} into {@code buffer} from its position. JNA passes a direct buffer's address
     * plus its position without allocating (checked by a test); a heap buffer's array is pinned
     * or copied around the call.
     */
    public static native long pread(int fd, ByteBuffer buffer, long count, long offset) throws LastErrorException;

    /** {@code pwrite} from {@code buffer}'s position, passed like {@link #pread(int, ByteBuffer, long, long)}. */
    public static native long pwrite(int fd, ByteBuffer buffer, long count, long offset) throws LastErrorException;

    /** {@code arg} is a pointer, or an integer passed as {@code new Pointer(value)}. */
    public static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    public static native int fsync(int fd) throws LastErrorException;

    public static native int fdatasync(int fd) throws LastErrorException;

    public static native int ftruncate(int fd, long length) throws LastErrorException;

    public static native int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

    public static native int mount(String source, String target, String fileSystemType, long flags, String data)
            throws LastErrorException;

    public static native int umount2(String target, int flags) throws LastErrorException;

    public static native int eventfd(int initialValue, int flags) throws LastErrorException;

    public static native int getpid();

    public static native int geteuid();

    /** Flags and constants of the calls above (x86-64 and arm64 values; checked by a test). */
    public static final class Flags {

        public static final int O_RDONLY = 0;
        public static final int O_WRONLY = 1;
        public static final int O_RDWR = 2;
        public static final int O_CREAT = 0100;
        public static final int O_EXCL = 0200;
        public static final int O_TRUNC = 01000;
        public static final int O_NONBLOCK = 04000;
        public static final int O_CLOEXEC = 02000000;
        public static final int O_DIRECT = 040000;

        public static final int FALLOC_FL_KEEP_SIZE = 0x01;
        public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
        public static final int FALLOC_FL_ZERO_RANGE = 0x10;

        public static final int EFD_NONBLOCK = 04000;
        public static final int EFD_CLOEXEC = 02000000;

        public static final long MS_NOSUID = 2;
        public static final long MS_NODEV = 4;
        public static final long MS_NOEXEC = 8;
        public static final int MNT_DETACH = 2;

        private Flags() {
        }
    }
}
