package io.bdus.driver;

import java.io.IOException;

/**
 * Fails one request with a specific errno. ENOSPC, ENOLINK and ETIMEDOUT reach the client
 * as themselves; others become EIO (see {@link Errno#forClient}). Any other exception
 * thrown by a driver fails the request with EIO.
 */
public class BlockDriverException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public BlockDriverException(int errno, String message) {
        super(message);
        if (errno <= 0 || errno > 4095) {
            throw new IllegalArgumentException("errno must be in 1..4095, was " + errno);
        }
        this.errno = errno;
    }

    public BlockDriverException(int errno, String message, Throwable cause) {
        this(errno, message);
        initCause(cause);
    }

    /** The errno the driver chose. */
    public int errno() {
        return this.errno;
    }
}
