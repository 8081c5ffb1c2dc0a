package io.bdus.driver.rados;

import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Errno;

/**
 * What librados' negative errnos mean for a block-device client: a timeout stays ETIMEDOUT,
 * a full pool or quota is ENOSPC, a lost or refused connection (and a client the cluster has
 * blocklisted, which can no longer reach it) is ENOLINK; everything else is EIO.
 */
final class RadosErrors {

    static final int ENOENT = 2;

    static final int EEXIST = 17;

    static final int EBUSY = 16;

    static final int ERANGE = 34;

    static final int ENETUNREACH = 101;

    static final int ECONNRESET = 104;

    static final int ENOTCONN = 107;

    /** Also {@code EBLOCKLISTED}: this client was fenced off the cluster. */
    static final int ESHUTDOWN = 108;

    static final int ECONNREFUSED = 111;

    static final int EHOSTUNREACH = 113;

    static final int EDQUOT = 122;

    private RadosErrors() {
    }

    /** The errno a client sees for a (positive) librados errno. */
    static int forClient(int errno) {
        return switch (errno) {
            case Errno.ETIMEDOUT -> Errno.ETIMEDOUT;
            case Errno.ENOSPC, EDQUOT -> Errno.ENOSPC;
            case Errno.ENOLINK, ENETUNREACH, ECONNRESET, ENOTCONN, ESHUTDOWN, ECONNREFUSED, EHOSTUNREACH ->
                Errno.ENOLINK;
            default -> Errno.EIO;
        };
    }

    /** Whether an errno says the cluster could not be reached, rather than refusing one operation. */
    static boolean isUnreachable(int errno) {
        return forClient(errno) == Errno.ENOLINK || errno == Errno.ETIMEDOUT;
    }

    /** A short name for a (positive) errno, for messages. */
    static String name(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "EPERM (operation not permitted)";
            case ENOENT -> "ENOENT (no such object or pool)";
            case Errno.EIO -> "EIO (input/output error)";
            case Errno.EACCES -> "EACCES (permission denied: check the client's caps)";
            case EBUSY -> "EBUSY (busy)";
            case EEXIST -> "EEXIST (exists)";
            case Errno.EINVAL -> "EINVAL (invalid argument)";
            case Errno.ENOSPC -> "ENOSPC (the cluster is full)";
            case EDQUOT -> "EDQUOT (the pool's quota is reached)";
            case Errno.ENOLINK -> "ENOLINK (link lost)";
            case ENOTCONN -> "ENOTCONN (not connected)";
            case ESHUTDOWN -> "ESHUTDOWN (this client is blocklisted or shut down)";
            case ECONNREFUSED -> "ECONNREFUSED (connection refused)";
            case Errno.ETIMEDOUT -> "ETIMEDOUT (the cluster did not answer in time)";
            default -> "errno " + errno;
        };
    }

    /** Fails with {@code what} and the errno of a negative librados result, mapped for clients. */
    static BlockDriverException failure(String what, int result) {
        int errno = -result;
        return new BlockDriverException(forClient(errno), what + ": " + name(errno));
    }
}
