package io.bdus.linux.uring;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.bdus.linux.SupportedPlatform;

/**
 * The three io_uring system calls through libc's {@code syscall(2)}: glibc has no wrappers.
 * Direct-mapped like {@link io.bdus.linux.LibC}, but without {@code LastErrorException}:
 * {@code io_uring_enter} fails routinely (EINTR, ETIME, EBUSY) on the serving path, so
 * callers read {@link Native#getLastError()} instead of paying for an exception.
 */
final class IoUringCalls {

    /** {@code __NR_io_uring_setup}: the same on x86-64 and arm64 (asm-generic numbering). */
    static final long SETUP = 425;

    static final long ENTER = 426;

    static final long REGISTER = 427;

    static {
        SupportedPlatform.checkCurrent();
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private IoUringCalls() {
    }

    /** {@code io_uring_setup(entries, params)}. */
    static native long syscall(long number, int entries, Pointer params);

    /** {@code io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz)}. */
    static native long syscall(long number, int fd, int toSubmit, int minComplete, int flags, Pointer arg,
            long argSize);

    /** {@code io_uring_register(fd, opcode, arg, nr_args)}. */
    static native long syscall(long number, int fd, int opcode, Pointer arg, int count);

    static int setup(int entries, Pointer params) {
        return (int) syscall(SETUP, entries, params);
    }

    static int enter(int fd, int toSubmit, int minComplete, int flags, Pointer arg, long argSize) {
        return (int) syscall(ENTER, fd, toSubmit, minComplete, flags, arg, argSize);
    }

    static int register(int fd, int opcode, Pointer arg, int count) {
        return (int) syscall(REGISTER, fd, opcode, arg, count);
    }
}
