package io.bdus.driver;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link ReportingDriver} says about its storage.
 *
 * @param details names and values (strings, numbers, booleans) in the order to show them,
 *        e.g. {@code pool}, {@code image}, {@code inFlightOperations}
 * @param problem why the storage cannot serve requests now (e.g. "the cluster has not
 *        answered for 6 s"), or {@code null} when it can
 */
public record DriverReport(Map<String, Object> details, String problem) {

    public DriverReport {
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /** A report without a problem. */
    public static DriverReport healthy(Map<String, Object> details) {
        return new DriverReport(details, null);
    }

    public boolean isHealthy() {
        return this.problem == null;
    }
}
