package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void bucketsAreMonotonicAndWithinQuarter() {
        int previous = -1;
        for (long v = 0; v < 1L << 40; v = v < 64 ? v + 1 : v + v / 7) {
            int bucket = LatencyHistogram.bucketOf(v);
            assertThat(bucket).isGreaterThanOrEqualTo(previous).isLessThan(LatencyHistogram.BUCKETS);
            long upper = LatencyHistogram.upperBoundOf(bucket);
            assertThat(upper).isGreaterThanOrEqualTo(v);
            assertThat((double) upper).isLessThanOrEqualTo(Math.max(v * 1.25, v + 1));
            previous = bucket;
        }
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE)).isLessThan(LatencyHistogram.BUCKETS);
    }

    @Test
    void quantilesFollowTheData() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 1; i <= 99; i++) {
            histogram.record(10_000);
        }
        histogram.record(5_000_000);
        long[] snapshot = histogram.snapshot();
        assertThat(LatencyHistogram.valueAt(snapshot, 0.5)).isBetween(10_000L, 12_500L);
        assertThat(LatencyHistogram.valueAt(snapshot, 0.99)).isBetween(10_000L, 12_500L);
        assertThat(LatencyHistogram.valueAt(snapshot, 1.0)).isBetween(5_000_000L, 6_250_000L);
        assertThat(LatencyHistogram.valueAt(new long[LatencyHistogram.BUCKETS], 0.5)).isZero();
    }
}
