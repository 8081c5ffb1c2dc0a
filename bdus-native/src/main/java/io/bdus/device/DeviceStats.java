package io.bdus.device;

import io.bdus.driver.Operation;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a device's request statistics.
 *
 * @param operations per-operation totals, for every operation (zeroes when none were seen)
 * @param activeRequests requests being served when the snapshot was taken
 */
public record DeviceStats(Map<Operation, OperationStats> operations, int activeRequests) {

    public DeviceStats {
        operations = Collections.unmodifiableMap(new EnumMap<>(operations));
    }

    /** Totals for one operation. */
    public OperationStats of(Operation operation) {
        return this.operations.getOrDefault(operation, OperationStats.EMPTY);
    }

    /** Requests completed over all operations. */
    public long totalCount() {
        return this.operations.values().stream().mapToLong(OperationStats::count).sum();
    }

    /** Errors over all operations. */
    public long totalErrors() {
        return this.operations.values().stream().mapToLong(OperationStats::errors).sum();
    }
}
