package io.bdus.device;

/**
 * Totals for one operation of one device since it started.
 *
 * @param count requests completed (successfully or not)
 * @param bytes bytes those requests covered
 * @param errors requests that completed with an error
 * @param p50Micros median latency in microseconds (bucketed, at most 25 % high)
 * @param p99Micros 99th-percentile latency in microseconds
 * @param maxMicros largest latency bucket seen, in microseconds
 */
public record OperationStats(long count, long bytes, long errors, double p50Micros, double p99Micros,
        double maxMicros) {

    static final OperationStats EMPTY = new OperationStats(0, 0, 0, 0, 0, 0);
}
