package io.bdus.driver;

/**
 * The Linux errno values a driver may report. {@link #ENOSPC}, {@link #ENOLINK} and
 * {@link #ETIMEDOUT} reach the client as themselves; every other value becomes {@link #EIO}.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ENOLINK = 67;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;

    private Errno() {
    }

    /**
     * The errno a block-device client sees for a driver's errno: ENOSPC, ENOLINK and
     * ETIMEDOUT pass through, anything else (including out-of-range values) becomes EIO.
     */
    public static int forClient(int errno) {
        return switch (errno) {
            case ENOSPC, ENOLINK, ETIMEDOUT -> errno;
            default -> EIO;
        };
    }
}
