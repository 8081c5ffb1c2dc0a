package io.bdus.device;

import io.bdus.driver.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which requests are inside the driver and since when, one slot per serving thread (made
 * the first time the thread serves, reused after): so that a stuck request can be named.
 * Entering and leaving cost a few plain and volatile writes and allocate nothing.
 */
final class InFlightRequests {

    private final List<Slot> slots = new CopyOnWriteArrayList<>();

    private final ThreadLocal<Slot> current = ThreadLocal.withInitial(this::register);

    private Slot register() {
        Slot slot = new Slot();
        this.slots.add(slot);
        return slot;
    }

    /** The calling thread's request entered the driver at {@code startNanos}. */
    Slot enter(Operation operation, long offset, long length, long startNanos) {
        Slot slot = this.current.get();
        slot.operation = operation;
        slot.offset = offset;
        slot.length = length;
        slot.since = startNanos;
        return slot;
    }

    /** The request that has been in the driver longest, if any. */
    Optional<InFlightRequest> oldest() {
        long now = System.nanoTime();
        InFlightRequest oldest = null;
        for (Slot slot : this.slots) {
            long since = slot.since;
            if (since == 0) {
                continue;
            }
            InFlightRequest request = new InFlightRequest(slot.operation, slot.offset, slot.length,
                    Duration.ofNanos(now - since));
            if (slot.since == since && (oldest == null || request.age().compareTo(oldest.age()) > 0)) {
                oldest = request;
            }
        }
        return Optional.ofNullable(oldest);
    }

    /** One serving thread's current request; {@code since} is written last and read first. */
    static final class Slot {

        private Operation operation;

        private long offset;

        private long length;

        private volatile long since;

        void leave() {
            this.since = 0;
        }
    }
}
