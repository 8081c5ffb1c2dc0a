package io.bdus.device;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free latency histogram over nanoseconds: exact below 16 ns, then four buckets per
 * power of two (at most 25 % relative error), 256 buckets in all. Recording is one atomic
 * increment, so it can stay on for every request.
 */
final class LatencyHistogram {

    static final int BUCKETS = 256;

    private static final int LINEAR = 16;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
        this.counts.incrementAndGet(bucketOf(Math.max(0, nanos)));
    }

    long[] snapshot() {
        long[] copy = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            copy[i] = this.counts.get(i);
        }
        return copy;
    }

    static int bucketOf(long nanos) {
        if (nanos < LINEAR) {
            return (int) nanos;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        int sub = (int) (nanos >>> (exponent - 2)) & 3;
        return LINEAR + (exponent - 4) * 4 + sub;
    }

    /** The largest value that falls in {@code bucket}. */
    static long upperBoundOf(int bucket) {
        if (bucket < LINEAR) {
            return bucket;
        }
        int exponent = (bucket - LINEAR) / 4 + 4;
        int sub = (bucket - LINEAR) % 4;
        long lower = (1L << exponent) + ((long) sub << (exponent - 2));
        return lower + (1L << (exponent - 2)) - 1;
    }

    /** The value at quantile {@code q} (0..1) of a snapshot, as a bucket's upper bound; 0 when empty. */
    static long valueAt(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBoundOf(i);
            }
        }
        return upperBoundOf(counts.length - 1);
    }
}
