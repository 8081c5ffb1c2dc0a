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
        Pointer address = mmap(Pointer.NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
        if (Pointer.nativeValue(address) == -1L) {
            throw new LastErrorException(Native.getLastError());
        }
        return address;
    }
}
