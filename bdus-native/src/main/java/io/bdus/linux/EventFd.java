package io.bdus.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.util.concurrent.locks.StampedLock;

/**
 * An eventfd(2) counter: any thread {@link #signal()}s it, one thread waits for it (with
 * {@link #read()}, or with a read or poll kept in an io_uring). Signalling allocates nothing.
 *
 * <p>Signals and {@link #close()} exclude each other, so that a late signal never writes to
 * a descriptor number that was closed and perhaps reused; a signal after close is dropped.
 */
public final class EventFd implements AutoCloseable {

    private final int fd;

    /** The 8-byte value 1 that every signal writes; never changed, so threads may share it. */
    private final Memory one = new Memory(Long.BYTES);

    private final Memory value = new Memory(Long.BYTES);

    private final StampedLock lock = new StampedLock();

    private boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        this.one.setLong(0, 1);
    }

    /** A new counter at zero; reads block until it is signalled unless {@code nonBlocking}. */
    public static EventFd open(boolean nonBlocking) {
        int flags = LibC.Flags.EFD_CLOEXEC | (nonBlocking ? LibC.Flags.EFD_NONBLOCK : 0);
        return new EventFd(LibC.eventfd(0, flags));
    }

    public int fd() {
        return this.fd;
    }

    /**
     * Adds one to the counter, waking a reader. Safe from any thread.
     *
     * @return false if the counter is closed (nothing was written)
     */
    public boolean signal() {
        long stamp = this.lock.readLock();
        try {
            if (this.closed) {
                return false;
            }
            LibC.write(this.fd, this.one, Long.BYTES);
            return true;
        }
        finally {
            this.lock.unlockRead(stamp);
        }
    }

    /**
     * Reads and resets the counter: how many signals arrived since the last read. Blocks on a
     * blocking counter at zero; throws {@link LastErrorException} (EAGAIN) on a non-blocking one.
     */
    public long read() {
        LibC.read(this.fd, this.value, Long.BYTES);
        return this.value.getLong(0);
    }

    /** Closes the descriptor once no signal is being written. Idempotent. */
    @Override
    public void close() {
        long stamp = this.lock.writeLock();
        try {
            if (!this.closed) {
                this.closed = true;
                LibC.close(this.fd);
            }
        }
        finally {
            this.lock.unlockWrite(stamp);
        }
    }
}
