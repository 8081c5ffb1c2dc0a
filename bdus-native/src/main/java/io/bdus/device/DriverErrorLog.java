package io.bdus.device;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs driver failures without flooding: the first few in full, then one line a minute
 * that says how many were suppressed.
 */
final class DriverErrorLog {

    private static final Logger logger = LoggerFactory.getLogger(DriverErrorLog.class);

    private static final int BURST = 5;

    private static final long WINDOW_NANOS = 60_000_000_000L;

    private final String device;

    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());

    private final AtomicLong inWindow = new AtomicLong();

    private final AtomicBoolean underfilledLogged = new AtomicBoolean();

    private final AtomicBoolean ignoredCompletionLogged = new AtomicBoolean();

    private final AtomicBoolean thrownAfterCompletionLogged = new AtomicBoolean();

    DriverErrorLog(String device) {
        this.device = device;
    }

    void failed(String operation, long offset, int errno, Throwable failure) {
        long now = System.nanoTime();
        long start = this.windowStart.get();
        if (now - start > WINDOW_NANOS && this.windowStart.compareAndSet(start, now)) {
            long suppressed = this.inWindow.getAndSet(0) - BURST;
            if (suppressed > 0) {
                logger.warn("Device '{}': {} more driver errors in the last minute were not logged", this.device,
                        suppressed);
            }
        }
        long n = this.inWindow.incrementAndGet();
        if (n <= BURST) {
            logger.warn("Device '{}': driver failed {} at offset {}; the client gets errno {}", this.device,
                    operation, offset, errno, failure);
        }
    }

    /** A read the driver returned from without filling its buffer: logged once per device. */
    void underfilledRead(long offset, long length, int unfilled) {
        if (!this.underfilledLogged.getAndSet(true)) {
            logger.error("Device '{}': the driver returned from a read of {} bytes at offset {} leaving {} bytes of "
                    + "the buffer unfilled; such reads fail with EIO (the buffer would hand the client stale data). "
                    + "A driver must fill the buffer from its position to its limit (logged once)", this.device,
                    length, offset, unfilled);
        }
    }

    /** A completion called when its request was answered already: logged once per device. */
    void ignoredCompletion() {
        if (!this.ignoredCompletionLogged.getAndSet(true)) {
            logger.error("Device '{}': the driver called a completion whose request was already answered (a second "
                    + "call, or a call after an exception failed the request); it was ignored. A driver must call "
                    + "each completion exactly once and not keep it afterwards (logged once)", this.device,
                    new IllegalStateException("completion called again"));
        }
    }

    /** An asynchronous method threw after completing its request: logged once per device. */
    void thrownAfterCompletion(Throwable failure) {
        if (!this.thrownAfterCompletionLogged.getAndSet(true)) {
            logger.warn("Device '{}': a driver method threw after it had completed its request; the request keeps "
                    + "its answer (logged once)", this.device, failure);
        }
    }
}
