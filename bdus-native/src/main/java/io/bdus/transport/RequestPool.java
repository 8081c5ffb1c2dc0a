package io.bdus.transport;

import java.time.Duration;
import java.util.List;

/**
 * The requests of one device a transport can have in flight, each with its own buffer:
 * channels {@link #take} a free one to receive into and requests answered later come back
 * with {@link #give}. Bounded by construction, so requests in flight never exceed the plan's
 * number. Taking and giving allocate nothing (a monitor, an array stack); waiting happens
 * only when every request is in flight.
 *
 * <p>Teardown {@link #close}s the pool: waiting channels get {@code null} and stop, and
 * {@link #awaitAllReturned} (or {@link #whenAllReturned}) tells when no request is left with a
 * driver, so that memory the requests point into can be released safely.
 */
public final class RequestPool<T extends Request> {

    private final List<T> all;

    private final Object[] free;

    private int freeCount;

    private boolean closed;

    private Runnable onAllReturned;

    public RequestPool(List<T> requests) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("a request pool needs at least one request");
        }
        this.all = List.copyOf(requests);
        this.free = requests.toArray();
        this.freeCount = this.free.length;
    }

    /** Every request of the pool, free or not (for watchdogs). */
    public List<T> all() {
        return this.all;
    }

    public int capacity() {
        return this.all.size();
    }

    /**
     * A free request, waiting while all are in flight.
     *
     * @return null once the pool is closed
     */
    @SuppressWarnings("unchecked")
    public synchronized T take() throws InterruptedException {
        while (this.freeCount == 0 && !this.closed) {
            wait();
        }
        if (this.closed) {
            return null;
        }
        T request = (T) this.free[--this.freeCount];
        this.free[this.freeCount] = null;
        return request;
    }

    /** Puts back a request that is no longer in flight. */
    public void give(T request) {
        Runnable last = null;
        synchronized (this) {
            this.free[this.freeCount++] = request;
            if (this.freeCount == this.free.length) {
                last = this.onAllReturned;
                this.onAllReturned = null;
            }
            notifyAll();
        }
        if (last != null) {
            last.run();
        }
    }

    /** Requests handed out and not given back (being received into, or in flight). */
    public synchronized int outstanding() {
        return this.free.length - this.freeCount;
    }

    /** Makes {@link #take} return null from now on, waking every thread waiting in it. */
    public synchronized void close() {
        this.closed = true;
        notifyAll();
    }

    public synchronized boolean isClosed() {
        return this.closed;
    }

    /** Waits up to {@code timeout} until every request is back; returns whether they are. */
    public synchronized boolean awaitAllReturned(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (this.freeCount < this.free.length) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /**
     * Runs {@code action} once every request is back: now (on this thread) if they are, else
     * on the thread that gives back the last one.
     */
    public void whenAllReturned(Runnable action) {
        synchronized (this) {
            if (this.freeCount < this.free.length) {
                this.onAllReturned = action;
                return;
            }
        }
        action.run();
    }

    @Override
    public synchronized String toString() {
        return "RequestPool[" + this.freeCount + " of " + this.free.length + " free"
                + (this.closed ? ", closed" : "") + "]";
    }
}
