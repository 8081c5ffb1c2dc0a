package io.bdus.linux.uring;

/** Opcodes of {@code enum io_uring_op} (include/uapi/linux/io_uring.h) that bdus uses. */
public final class IoUringOp {

    public static final int NOP = 0;

    public static final int POLL_ADD = 6;

    public static final int TIMEOUT = 11;

    public static final int ASYNC_CANCEL = 14;

    public static final int READ = 22;

    public static final int WRITE = 23;

    public static final int MSG_RING = 40;

    /** A command for the file's driver ({@code file_operations.uring_cmd}); since 5.19. */
    public static final int URING_CMD = 46;

    private IoUringOp() {
    }
}
