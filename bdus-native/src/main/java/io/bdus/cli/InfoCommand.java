package io.bdus.cli;

import io.bdus.control.DeviceStatus;
import io.bdus.driver.Operation;
import io.bdus.transport.kbdus.KbdusControl;
import io.bdus.transport.kbdus.KbdusDeviceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bdus info DEV}: one device in detail. */
@Command(name = "info", header = "Show one device in detail.",
        description = "Its record, its owner, its configuration as the kernel reports it (size, block sizes, "
                + "read-only, capabilities, recoverable) and, when its owner answers, the driver and request "
                + "statistics.",
        footerHeading = "%nExamples:%n",
        footer = { "  bdus info disk0", "  bdus info /dev/bdus-3 --json" })
final class InfoCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Mixin
    DeviceArgument device;

    @Override
    public Integer call() {
        Details details = details(this.device.resolve(), this.device.inventory());
        System.out.print(this.json ? JsonWriter.write(details.json) + "\n" : details.text());
        return 0;
    }

    static Details details(KnownDevice device, DeviceInventory inventory) {
        Details details = new Details();
        details.add("name", "name", device.name());
        details.add("transport", "transport", device.transport());
        details.add("path", "path", device.path());
        details.add("state", "state", device.state());
        details.add("size", "size", device.size(), ByteSize.format(device.size()) + " (" + device.size() + " bytes)");
        details.add("owner", "pid", (device.pid() > 0) ? device.pid() : null, owner(device));
        details.add("kept", "kept", device.kept(), device.kept() ? "yes" : "no");
        if (device.kbdusId() != null) {
            details.add("kbdus id", "kbdusId", device.kbdusId());
        }
        if (device.record() != null) {
            details.add("record", "record",
                    inventory.records().file(device.transport(), device.name()).toString());
        }
        DeviceStatus status = device.status();
        if (status != null) {
            configFrom(details, status);
        }
        else if (device.kbdusId() != null && device.exists()) {
            kbdusConfig(details, device.kbdusId());
        }
        else if (device.path() != null && device.exists()) {
            sysfsConfig(details, Path.of(device.path()).getFileName().toString());
        }
        if (device.ownerProblem() != null) {
            details.add("owner problem", "ownerProblem", device.ownerProblem());
        }
        return details;
    }

    private static String owner(KnownDevice device) {
        if (device.pid() > 0) {
            return "pid " + device.pid() + ((device.record() != null) ? ", serving since " + device.record().since() : "");
        }
        if (device.lastPid() > 0) {
            return "none (pid " + device.lastPid() + " served it last)";
        }
        return "none";
    }

    private static void configFrom(Details details, DeviceStatus status) {
        details.add("logical block size", "logicalBlockSize", status.logicalBlockSize());
        details.add("physical block size", "physicalBlockSize", status.physicalBlockSize());
        details.add("max request size", "maxRequestSize", status.maxRequestSize());
        details.add("read-only", "readOnly", status.readOnly(), status.readOnly() ? "yes" : "no");
        details.add("recoverable", "recoverable", status.recoverable(), status.recoverable() ? "yes" : "no");
        details.add("capabilities", "capabilities", status.capabilities(), String.join(", ", status.capabilities()));
        details.add("driver", "driver", status.driver(), status.driver() + " (generation " + status.generation() + ")");
        if (!status.driverDetails().isEmpty()) {
            details.json.put("driverDetails", status.driverDetails());
            status.driverDetails().forEach((key, value) -> details.line("  " + key, value));
        }
        if (status.driverProblem() != null) {
            details.add("driver problem", "driverProblem", status.driverProblem());
        }
        details.add("active requests", "activeRequests", status.activeRequests());
        Map<String, Object> operations = new LinkedHashMap<>();
        status.operations().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            Map<String, Object> totals = new LinkedHashMap<>();
            totals.put("count", entry.getValue().count());
            totals.put("bytes", entry.getValue().bytes());
            totals.put("errors", entry.getValue().errors());
            operations.put(entry.getKey(), totals);
        });
        String summary = status.operationsSummary();
        details.add("requests", "operations", operations, summary.isEmpty() ? "none yet" : summary);
    }

    private static void kbdusConfig(Details details, long id) {
        KbdusDeviceConfig config;
        try {
            config = KbdusControl.config(id);
        }
        catch (IOException ex) {
            details.add("configuration", "configurationProblem", "unavailable: " + ex.getMessage());
            return;
        }
        details.add("logical block size", "logicalBlockSize", config.logicalBlockSize());
        details.add("physical block size", "physicalBlockSize", config.physicalBlockSize());
        details.add("max request size", "maxRequestSize", config.maxReadWriteSize());
        details.add("read-only", "readOnly", config.readOnly(), config.readOnly() ? "yes" : "no");
        details.add("recoverable", "recoverable", config.recoverable(), config.recoverable() ? "yes" : "no");
        List<String> capabilities = Arrays.stream(Operation.values()).filter(config.operations()::contains)
            .map(Operation::tag).toList();
        details.add("capabilities", "capabilities", capabilities, String.join(", ", capabilities));
        details.add("request timeout", "requestTimeoutMillis", config.requestTimeoutMillis(),
                (config.requestTimeoutMillis() == 0) ? "none" : config.requestTimeoutMillis() + " ms");
    }

    private static void sysfsConfig(Details details, String node) {
        Path queue = Path.of("/sys/block", node, "queue");
        Long logical = number(queue.resolve("logical_block_size"));
        Long physical = number(queue.resolve("physical_block_size"));
        Long maxKb = number(queue.resolve("max_sectors_kb"));
        Long readOnly = number(Path.of("/sys/block", node, "ro"));
        details.add("logical block size", "logicalBlockSize", logical);
        details.add("physical block size", "physicalBlockSize", physical);
        details.add("max request size", "maxRequestSize", (maxKb != null) ? maxKb * 1024 : null);
        details.add("read-only", "readOnly", (readOnly != null) ? readOnly == 1 : null,
                (readOnly == null) ? "-" : (readOnly == 1) ? "yes" : "no");
    }

    private static Long number(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        }
        catch (IOException | NumberFormatException ex) {
            return null;
        }
    }

    /** Labelled lines for text, keyed values for JSON. */
    static final class Details {

        final Map<String, Object> json = new LinkedHashMap<>();

        private final List<String[]> lines = new ArrayList<>();

        void add(String label, String key, Object value) {
            add(label, key, value, (value != null) ? value.toString() : "-");
        }

        void add(String label, String key, Object value, String text) {
            this.json.put(key, value);
            this.lines.add(new String[] { label, text });
        }

        /** A line of the text output only (its value is in the JSON under another key). */
        void line(String label, String text) {
            this.lines.add(new String[] { label, text });
        }

        String text() {
            int width = this.lines.stream().mapToInt(line -> line[0].length()).max().orElse(0) + 1;
            StringBuilder out = new StringBuilder();
            for (String[] line : this.lines) {
                out.append(String.format("%-" + width + "s %s%n", line[0] + ":", line[1]));
            }
            return out.toString();
        }
    }
}
