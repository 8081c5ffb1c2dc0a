package io.bdus.driver.latency;

import io.bdus.driver.Completion;
import java.util.concurrent.locks.LockSupport;

/**
 * Completes requests a fixed delay after they were handed to it, from its own thread. Every
 * request waits the same delay, so their deadlines come in the order they arrive: a ring of
 * deadlines and completions, preallocated and grown only when full, and one thread that
 * sleeps until the oldest deadline. Nothing is allocated per request.
 */
final class CompletionTimer implements Runnable {

    private final long delayNanos;

    private long[] deadlines = new long[512];

    private Completion[] completions = new Completion[512];

    private int head;

    private int size;

    private boolean stopped;

    private final Thread thread;

    /** A timer whose thread, named {@code threadName}, runs until {@link #stop}. */
    CompletionTimer(long delayNanos, String threadName) {
        this.delayNanos = delayNanos;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        this.thread.start();
    }

    /** Completes {@code completion} after the delay (at once, once the timer is stopped). */
    void completeLater(Completion completion) {
        boolean stopped;
        boolean wasEmpty = false;
        synchronized (this) {
            stopped = this.stopped;
            if (!stopped) {
                if (this.size == this.deadlines.length) {
                    grow();
                }
                int tail = (this.head + this.size) & (this.deadlines.length - 1);
                // taken under the lock, so that deadlines stay in ring order
                this.deadlines[tail] = System.nanoTime() + this.delayNanos;
                this.completions[tail] = completion;
                wasEmpty = this.size++ == 0;
            }
        }
        if (stopped) {
            completion.complete();
        }
        else if (wasEmpty) {
            LockSupport.unpark(this.thread);
        }
    }

    private void grow() {
        int capacity = this.deadlines.length;
        long[] deadlines = new long[capacity * 2];
        Completion[] completions = new Completion[capacity * 2];
        for (int i = 0; i < this.size; i++) {
            deadlines[i] = this.deadlines[(this.head + i) & (capacity - 1)];
            completions[i] = this.completions[(this.head + i) & (capacity - 1)];
        }
        this.deadlines = deadlines;
        this.completions = completions;
        this.head = 0;
    }

    @Override
    public void run() {
        while (true) {
            Completion due = null;
            long wait = 0;
            synchronized (this) {
                if (this.size == 0) {
                    if (this.stopped) {
                        return;
                    }
                    wait = Long.MAX_VALUE;
                }
                else {
                    long left = this.deadlines[this.head] - System.nanoTime();
                    if (left <= 0 || this.stopped) {
                        due = this.completions[this.head];
                        this.completions[this.head] = null;
                        this.head = (this.head + 1) & (this.deadlines.length - 1);
                        this.size--;
                    }
                    else {
                        wait = left;
                    }
                }
            }
            if (due != null) {
                due.complete();
            }
            else if (wait == Long.MAX_VALUE) {
                LockSupport.park(this);
            }
            else {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /** Completes what is pending at once and ends the thread. */
    void stop() {
        synchronized (this) {
            this.stopped = true;
        }
        LockSupport.unpark(this.thread);
    }
}
