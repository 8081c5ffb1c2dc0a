package io.bdus.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code bdus list} output: an aligned text table, or a JSON array. */
final class DeviceTable {

    static final List<String> COLUMNS = List.of("NAME", "TRANSPORT", "PATH", "SIZE", "STATE", "PID", "KEPT");

    private DeviceTable() {
    }

    static String text(List<KnownDevice> devices) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        for (KnownDevice device : devices) {
            rows.add(List.of(orDash(device.name()), device.transport(), orDash(device.path()),
                    (device.size() > 0) ? ByteSize.format(device.size()) : "-", device.state(),
                    (device.pid() > 0) ? Long.toString(device.pid()) : "-", device.kept() ? "yes" : "no"));
        }
        int[] widths = new int[COLUMNS.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(String.format("%-" + widths[i] + "s", row.get(i)));
                if (i + 1 < row.size()) {
                    line.append("  ");
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    static String json(List<KnownDevice> devices) {
        return JsonWriter.write(devices.stream().map(DeviceTable::toMap).toList()) + "\n";
    }

    static Map<String, Object> toMap(KnownDevice device) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", device.name());
        map.put("transport", device.transport());
        map.put("path", device.path());
        map.put("size", device.size());
        map.put("state", device.state());
        map.put("pid", (device.pid() > 0) ? device.pid() : null);
        map.put("kept", device.kept());
        map.put("recorded", device.record() != null);
        map.put("kbdusId", device.kbdusId());
        map.put("handle", (device.record() != null) ? device.record().handle() : null);
        if (device.ownerProblem() != null) {
            map.put("ownerProblem", device.ownerProblem());
        }
        return map;
    }

    private static String orDash(String text) {
        return (text != null) ? text : "-";
    }
}
