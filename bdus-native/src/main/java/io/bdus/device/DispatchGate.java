package io.bdus.device;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replacement gate: lets requests into the driver unless a driver swap has paused it,
 * and counts the requests inside, from entering until they complete, on whatever thread
 * that happens (an asynchronous driver completes elsewhere, so no thread-owned lock can
 * stand for a request). A pause holds new requests back and waits for the count to reach
 * zero.
 *
 * <p>Entering and leaving cost one atomic add and one volatile read, and allocate nothing;
 * only a paused gate blocks, on this object's monitor. Correctness rests on the order of the
 * two steps on each side: a request adds itself, then looks for a pause; a pause sets its
 * flag, then looks at the count. One of the two always sees the other.
 */
final class DispatchGate {

    private final AtomicInteger inside = new AtomicInteger();

    private volatile boolean paused;

    /** Threads waiting for the count to reach zero ({@link #pause}, {@link #awaitEmpty}). */
    private volatile int watchers;

    /** Lets one request in, waiting while the gate is paused. */
    void enter() {
        while (true) {
            if (!this.paused) {
                this.inside.incrementAndGet();
                if (!this.paused) {
                    return;
                }
                // A pause began meanwhile: step back so that it can drain, and wait for it.
                leave();
            }
            awaitResume();
        }
    }

    private void awaitResume() {
        boolean interrupted = false;
        synchronized (this) {
            while (this.paused) {
                try {
                    wait();
                }
                catch (InterruptedException ex) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request that entered has completed. */
    void leave() {
        if (this.inside.decrementAndGet() == 0 && (this.paused || this.watchers > 0)) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Requests inside now. */
    int inside() {
        return this.inside.get();
    }

    /**
     * Holds new requests back and waits until none is inside. If that does not happen within
     * the timeout, lets requests in again and returns false.
     */
    boolean pause(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (this) {
            this.paused = true;
        }
        boolean drained = false;
        try {
            drained = awaitEmpty(timeout, unit);
            return drained;
        }
        finally {
            if (!drained) {
                resume();
            }
        }
    }

    /** Lets requests in again after {@link #pause}. */
    void resume() {
        synchronized (this) {
            this.paused = false;
            notifyAll();
        }
    }

    /** Waits up to the timeout until no request is inside; returns whether none is. */
    synchronized boolean awaitEmpty(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        this.watchers++;
        try {
            while (this.inside.get() != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
        finally {
            this.watchers--;
        }
    }
}
