package io.bdus.driver.rados;

import java.util.function.Supplier;

/**
 * Objects of the I/O path kept for reuse, so that a request allocates nothing once the list
 * has grown to the number in flight. A lock, not a lock-free stack: nodes are reused, so a
 * Treiber stack would need ABA protection, and the critical section is a few instructions.
 */
final class FreeList<T> {

    private final Supplier<T> factory;

    private Object[] free = new Object[64];

    private int count;

    FreeList(Supplier<T> factory) {
        this.factory = factory;
    }

    @SuppressWarnings("unchecked")
    T take() {
        synchronized (this) {
            if (this.count > 0) {
                T item = (T) this.free[--this.count];
                this.free[this.count] = null;
                return item;
            }
        }
        return this.factory.get();
    }

    void give(T item) {
        synchronized (this) {
            if (this.count == this.free.length) {
                this.free = java.util.Arrays.copyOf(this.free, this.count * 2);
            }
            this.free[this.count++] = item;
        }
    }
}
