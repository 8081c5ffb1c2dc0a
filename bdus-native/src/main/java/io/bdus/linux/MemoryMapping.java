package io.bdus.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/** {@code mmap}/{@code munmap}, bound like {@link LibC}: -1 / MAP_FAILED throws {@link LastErrorException}. */
public final class MemoryMapping {

    public static final int PROT_READ = 1;

    public static final int PROT_WRITE = 2;

    public static final int MAP_SHARED = 1;

    /** Fault the pages in at once rather than on first touch. */
    public static final int MAP_POPULATE = 0x8000;

    static {
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private MemoryMapping() {
    }

    public static native Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(Pointer address, long length) throws LastErrorException;

    /** Maps {@code length} bytes of {@code fd} from {@code offset}, shared and read-write. */
    public static Pointer mapShared(int fd, long length, long offset) {
        return mapShared(fd, length, offset, 0);
    }

    /** Maps {@code length} bytes of {@code fd} from {@code offset}, shared and read-write, with extra flags. */
    public static Pointer mapShared(int fd, long length, long offset, int flags) {
        return map(fd, length, offset, PROT_READ | PROT_WRITE, MAP_SHARED | flags);
    }

    /** Maps {@code length} bytes of {@code fd} from {@code offset}, shared and read-only. */
    public static Pointer mapSharedReadOnly(int fd, long length, long offset) {
        return map(fd, length, offset, PROT_READ, MAP_SHARED);
    }

    private static Pointer map(int fd, long length, long offset, int protection, int flags) {
        Pointer address = mmap(Pointer.NULL, length, protection, flags, fd, offset);
        if (Pointer.nativeValue(address) == -1L) {
            throw new LastErrorException(Native.getLastError());
        }
        return address;
    }
}
