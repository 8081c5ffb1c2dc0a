package io.bdus.control;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStats;
import io.bdus.device.OperationStats;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Operation;
import io.bdus.driver.ReportingDriver;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One device as its owner describes it to other processes.
 *
 * @param name device name
 * @param transport transport name
 * @param path block device path
 * @param state the device's state ({@code AVAILABLE}, {@code REPLACING}, ...)
 * @param size size in bytes
 * @param logicalBlockSize logical block size in bytes
 * @param physicalBlockSize physical block size in bytes
 * @param maxRequestSize largest request payload in bytes
 * @param readOnly whether clients may only read
 * @param recoverable whether the device may outlive its driver
 * @param capabilities tags of the operations clients can send ({@link Operation#tag()})
 * @param driver the driver's class name
 * @param generation how many drivers served the device before the current one
 * @param pid the owning process
 * @param activeRequests requests in the driver when the snapshot was taken
 * @param operations totals per operation tag, for operations seen at least once
 */
public record DeviceStatus(String name, String transport, String path, String state, long size,
        int logicalBlockSize, int physicalBlockSize, int maxRequestSize, boolean readOnly, boolean recoverable,
        List<String> capabilities, String driver, int generation, long pid, int activeRequests,
        Map<String, Totals> operations, Map<String, String> driverDetails, String driverProblem) {

    public DeviceStatus {
        Objects.requireNonNull(name, "name");
        capabilities = List.copyOf(capabilities);
        operations = Map.copyOf(operations);
        driverDetails = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(driverDetails));
    }

    /** A status without a driver report. */
    public DeviceStatus(String name, String transport, String path, String state, long size, int logicalBlockSize,
            int physicalBlockSize, int maxRequestSize, boolean readOnly, boolean recoverable, List<String> capabilities,
            String driver, int generation, long pid, int activeRequests, Map<String, Totals> operations) {
        this(name, transport, path, state, size, logicalBlockSize, physicalBlockSize, maxRequestSize, readOnly,
                recoverable, capabilities, driver, generation, pid, activeRequests, operations, Map.of(), null);
    }

    /** This status with what {@code driver} reports, if it is a {@link ReportingDriver}. */
    public DeviceStatus withReportOf(BlockDriver driver) {
        return (driver instanceof ReportingDriver reporting) ? withReport(reporting.report()) : this;
    }

    /** This status with a driver's report ({@code null}: none). */
    public DeviceStatus withReport(DriverReport report) {
        if (report == null) {
            return this;
        }
        Map<String, String> details = new LinkedHashMap<>();
        report.details().forEach((key, value) -> details.put(key, String.valueOf(value)));
        return new DeviceStatus(this.name, this.transport, this.path, this.state, this.size, this.logicalBlockSize,
                this.physicalBlockSize, this.maxRequestSize, this.readOnly, this.recoverable, this.capabilities,
                this.driver, this.generation, this.pid, this.activeRequests, this.operations, details,
                report.problem());
    }

    /** The status of a device served by this process. */
    public static DeviceStatus of(BlockDevice device) {
        DeviceSpec spec = device.spec();
        DeviceStats stats = device.stats();
        Map<String, Totals> totals = new LinkedHashMap<>();
        for (Operation operation : Operation.values()) {
            OperationStats of = stats.of(operation);
            if (of.count() > 0) {
                totals.put(operation.tag(), new Totals(of.count(), of.bytes(), of.errors()));
            }
        }
        List<String> capabilities = Arrays.stream(Operation.values())
            .filter(device.capabilities()::contains)
            .map(Operation::tag)
            .toList();
        return new DeviceStatus(device.name(), device.transportName(), device.path(), device.state().name(),
                spec.size(), spec.logicalBlockSize(), spec.physicalBlockSize(), spec.maxRequestSize(),
                spec.readOnly(), spec.recoverable(), capabilities, device.driver().getClass().getName(),
                device.generation(), ProcessHandle.current().pid(), stats.activeRequests(), totals)
            .withReportOf(device.driver());
    }

    /** The fields of a status response, in a stable order. */
    Map<String, String> toFields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("name", this.name);
        fields.put("transport", this.transport);
        fields.put("path", this.path);
        fields.put("state", this.state);
        fields.put("size", Long.toString(this.size));
        fields.put("logical-block-size", Integer.toString(this.logicalBlockSize));
        fields.put("physical-block-size", Integer.toString(this.physicalBlockSize));
        fields.put("max-request-size", Integer.toString(this.maxRequestSize));
        fields.put("read-only", Boolean.toString(this.readOnly));
        fields.put("recoverable", Boolean.toString(this.recoverable));
        fields.put("capabilities", String.join(",", this.capabilities));
        fields.put("driver", this.driver);
        fields.put("generation", Integer.toString(this.generation));
        fields.put("pid", Long.toString(this.pid));
        fields.put("active-requests", Integer.toString(this.activeRequests));
        this.operations.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            Totals totals = entry.getValue();
            fields.put("op." + entry.getKey(), totals.count() + " " + totals.bytes() + " " + totals.errors());
        });
        // Response keys are lowercase: camelCase detail names travel in kebab-case.
        this.driverDetails.forEach((key, value) -> fields.put("driver." + kebab(key), value));
        if (this.driverProblem != null) {
            fields.put("driver-problem", this.driverProblem);
        }
        return fields;
    }

    /**
     * Reads a status response's fields.
     *
     * @throws IllegalArgumentException naming the first missing or malformed field
     */
    static DeviceStatus fromFields(Map<String, String> fields) {
        Map<String, Totals> operations = new LinkedHashMap<>();
        Map<String, String> driverDetails = new LinkedHashMap<>();
        fields.forEach((key, value) -> {
            if (key.startsWith("driver.")) {
                driverDetails.put(camel(key.substring("driver.".length())), value);
            }
            if (key.startsWith("op.")) {
                String[] numbers = value.split(" ");
                if (numbers.length != 3) {
                    throw new IllegalArgumentException("malformed field " + key + "=" + value);
                }
                operations.put(key.substring(3), new Totals(Long.parseLong(numbers[0]), Long.parseLong(numbers[1]),
                        Long.parseLong(numbers[2])));
            }
        });
        String capabilities = required(fields, "capabilities");
        return new DeviceStatus(required(fields, "name"), required(fields, "transport"), fields.get("path"),
                required(fields, "state"), Long.parseLong(required(fields, "size")),
                Integer.parseInt(required(fields, "logical-block-size")),
                Integer.parseInt(required(fields, "physical-block-size")),
                Integer.parseInt(required(fields, "max-request-size")),
                Boolean.parseBoolean(required(fields, "read-only")), Boolean.parseBoolean(required(fields, "recoverable")),
                capabilities.isEmpty() ? List.of() : List.of(capabilities.split(",")), required(fields, "driver"),
                Integer.parseInt(required(fields, "generation")), Long.parseLong(required(fields, "pid")),
                Integer.parseInt(required(fields, "active-requests")), operations, driverDetails,
                fields.get("driver-problem"));
    }

    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String camel(String name) {
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '-') {
                upper = true;
            }
            else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }

    private static String required(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no field '" + key + "'");
        }
        return value;
    }

    /** A readable list of the operations seen: "read 130 (1154048 bytes), flush 2 (1 error)". */
    public String operationsSummary() {
        return this.operations.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(entry -> entry.getKey() + " " + entry.getValue())
            .collect(Collectors.joining(", "));
    }

    /**
     * Totals for one operation.
     *
     * @param count requests completed
     * @param bytes bytes they covered
     * @param errors requests that failed
     */
    public record Totals(long count, long bytes, long errors) {

        @Override
        public String toString() {
            return this.count + " (" + this.bytes + " bytes" + (this.errors > 0 ? ", " + this.errors + " errors" : "")
                    + ")";
        }
    }
}
