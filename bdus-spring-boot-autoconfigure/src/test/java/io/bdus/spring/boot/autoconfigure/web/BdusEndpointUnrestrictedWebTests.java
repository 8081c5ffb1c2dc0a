package io.bdus.spring.boot.autoconfigure.web;

import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.FakeTransport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code management.endpoint.bdus.access=unrestricted}: actions over HTTP, health and
 * Prometheus output, on a device served in memory.
 */
@SpringBootTest(classes = FakeDeviceApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.state-dir=target/web-tests/unrestricted", "bdus.devices.disk0.size=1MB",
                "management.endpoint.bdus.access=unrestricted",
                "management.endpoints.web.exposure.include=bdus,health,prometheus",
                "management.endpoint.health.show-components=always" })
class BdusEndpointUnrestrictedWebTests {

    @LocalServerPort
    private int port;

    @Autowired
    private BdusDeviceRegistry devices;

    @Autowired
    private FakeTransport transport;

    @Test
    void actionsOverHttp() {
        Http http = new Http(this.port);
        ResponseEntity<String> flush = http.post("/actuator/bdus/disk0", "{\"action\":\"flush\"}");
        assertThat(flush.getStatusCode().value()).isEqualTo(200);
        assertThat(flush.getBody()).contains("\"message\":\"Flushed\"");

        ResponseEntity<String> bad = http.post("/actuator/bdus/disk0", "{\"action\":\"reboot\"}");
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getBody()).contains("Unknown action 'reboot'; allowed actions: flush, replace, detach");

        ResponseEntity<String> replace = http.post("/actuator/bdus/disk0", "{\"action\":\"replace\"}");
        assertThat(replace.getStatusCode().value()).isEqualTo(200);
        assertThat(replace.getBody()).contains("\"generation\":1").contains("\"driver\":\"ram\"");
        assertThat(this.devices.device("disk0").generation()).isEqualTo(1);

        ResponseEntity<String> noDriver = http.post("/actuator/bdus/disk0",
                "{\"action\":\"replace\",\"driver\":\"nope\"}");
        assertThat(noDriver.getStatusCode().value()).isEqualTo(400);
        assertThat(noDriver.getBody()).contains("No BlockDriver bean named 'nope'");
    }

    @Test
    void healthAndPrometheus() throws Exception {
        this.transport.device("disk0").write(0, new byte[4096]);
        Http http = new Http(this.port);
        ResponseEntity<String> health = http.get("/actuator/health/bdus");
        assertThat(health.getStatusCode().value()).as("health: %s", http.get("/actuator/health").getBody()).isEqualTo(200);
        assertThat(health.getBody()).contains("\"status\":\"UP\"");
        assertThat(http.get("/actuator/health/bdus/disk0").getBody()).contains("\"status\":\"UP\"");

        String prometheus = http.get("/actuator/prometheus").getBody();
        assertThat(prometheus).containsPattern(
                "bdus_requests_seconds_count\\{device=\"disk0\",op=\"write\",outcome=\"success\"} [1-9]");
        assertThat(prometheus).contains("bdus_request_size_bytes_sum{device=\"disk0\",op=\"write\"}")
            .contains("bdus_requests_active{device=\"disk0\"}")
            .contains("bdus_driver_replacements_total{device=\"disk0\",reason=\"planned\"}");
    }

}
