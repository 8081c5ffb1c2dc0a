package io.bdus.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.driver.DriverReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceStatusTest {

    @Test
    void aDriverReportTravelsThroughTheControlProtocol() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("pool", "rbd");
        details.put("objectSize", 4194304);
        details.put("inFlightOperations", 3);
        DeviceStatus status = new DeviceStatus("vol", "fuse-loop", "/dev/loop3", "AVAILABLE", 1 << 20, 512, 4096,
                262144, false, false, List.of("read"), "io.bdus.driver.rados.RadosDriver", 0, 42, 1, Map.of())
            .withReport(new DriverReport(details, "the Ceph cluster has not answered for 6 s"));
        Map<String, String> fields = status.toFields();
        assertThat(fields).containsEntry("driver.object-size", "4194304")
            .containsEntry("driver.in-flight-operations", "3")
            .containsEntry("driver-problem", "the Ceph cluster has not answered for 6 s");
        new ControlResponse(null, List.copyOf(fields.entrySet()));
        DeviceStatus back = DeviceStatus.fromFields(fields);
        assertThat(back.driverDetails()).containsExactly(Map.entry("pool", "rbd"), Map.entry("objectSize", "4194304"),
                Map.entry("inFlightOperations", "3"));
        assertThat(back.driverProblem()).isEqualTo(status.driverProblem());
        assertThat(DeviceStatus.fromFields(status.withReport(null).toFields()).driverDetails()).hasSize(3);
    }
}
