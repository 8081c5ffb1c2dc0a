package io.bdus.device;

import io.bdus.driver.Operation;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Always-on counters of one device: striped adders and a histogram per operation. */
final class RequestStatistics {

    private static final Operation[] OPERATIONS = Operation.values();

    private final Counters[] counters = new Counters[OPERATIONS.length];

    private final AtomicInteger active = new AtomicInteger();

    RequestStatistics() {
        for (int i = 0; i < this.counters.length; i++) {
            this.counters[i] = new Counters();
        }
    }

    void started() {
        this.active.incrementAndGet();
    }

    void completed(Operation operation, long bytes, long nanos, boolean error) {
        this.active.decrementAndGet();
        Counters c = this.counters[operation.ordinal()];
        c.count.increment();
        c.bytes.add(bytes);
        if (error) {
            c.errors.increment();
        }
        c.latency.record(nanos);
    }

    int active() {
        return this.active.get();
    }

    DeviceStats snapshot() {
        Map<Operation, OperationStats> result = new EnumMap<>(Operation.class);
        for (Operation operation : OPERATIONS) {
            Counters c = this.counters[operation.ordinal()];
            long[] histogram = c.latency.snapshot();
            result.put(operation, new OperationStats(c.count.sum(), c.bytes.sum(), c.errors.sum(),
                    micros(LatencyHistogram.valueAt(histogram, 0.5)), micros(LatencyHistogram.valueAt(histogram, 0.99)),
                    micros(LatencyHistogram.valueAt(histogram, 1.0))));
        }
        return new DeviceStats(result, this.active.get());
    }

    private static double micros(long nanos) {
        return nanos / 1000.0;
    }

    private static final class Counters {

        final LongAdder count = new LongAdder();

        final LongAdder bytes = new LongAdder();

        final LongAdder errors = new LongAdder();

        final LatencyHistogram latency = new LatencyHistogram();
    }
}
