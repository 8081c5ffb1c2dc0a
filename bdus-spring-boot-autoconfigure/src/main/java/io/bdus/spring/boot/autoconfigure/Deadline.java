package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;

/**
 * The one point in time an operation must be done by; every wait inside the operation takes
 * what is left of it.
 */
final class Deadline {

    private final long nanos;

    private Deadline(long nanos) {
        this.nanos = nanos;
    }

    static Deadline in(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    /** An earlier deadline, {@code fraction} of what is left of this one from now. */
    Deadline fraction(double fraction) {
        return new Deadline(System.nanoTime() + (long) (leftNanos() * fraction));
    }

    long leftNanos() {
        return Math.max(0, this.nanos - System.nanoTime());
    }

    long leftMillis() {
        return Math.max(1, leftNanos() / 1_000_000);
    }

    Duration left() {
        return Duration.ofNanos(leftNanos());
    }

    boolean hasPassed() {
        return this.nanos - System.nanoTime() <= 0;
    }

}
