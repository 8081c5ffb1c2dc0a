package io.bdus.transport.fuse;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of one io_uring queue's ring, taken and let go once per request by its channels:
 * a {@code ReentrantLock} allocates a queue node whenever a thread has to wait, this one
 * parks waiters in fixed slots (one per channel) and allocates nothing. Not reentrant.
 */
final class RingLock {

    private final AtomicReference<Thread> owner = new AtomicReference<>();

    private final AtomicReferenceArray<Thread> waiters;

    RingLock(int slots) {
        this.waiters = new AtomicReferenceArray<>(slots);
    }

    int slots() {
        return this.waiters.length();
    }

    boolean tryLock() {
        return this.owner.compareAndSet(null, Thread.currentThread());
    }

    /** Waits for the lock; {@code slot} is the caller's own, in 0 to slots - 1. */
    void lock(int slot) {
        Thread me = Thread.currentThread();
        while (!tryLock()) {
            this.waiters.set(slot, me);
            // a release between the failed try and the publication above would not unpark us
            if (tryLock()) {
                this.waiters.set(slot, null);
                return;
            }
            LockSupport.park(this);
            this.waiters.set(slot, null);
        }
    }

    void unlock() {
        this.owner.set(null);
        for (int i = 0; i < this.waiters.length(); i++) {
            Thread waiter = this.waiters.get(i);
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }

    boolean isHeldByCurrentThread() {
        return this.owner.get() == Thread.currentThread();
    }
}
