package io.bdus.spring.boot.autoconfigure.web;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with the starter but no device configured: health, the endpoint and
 * Prometheus work and show no device.
 */
@SpringBootTest(classes = FakeDeviceApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.state-dir=target/web-tests/no-devices",
                "management.endpoints.web.exposure.include=bdus,health,prometheus",
                "management.endpoint.health.show-components=always" })
class BdusNoDevicesWebTests {

    @LocalServerPort
    private int port;

    @Test
    void nothingToShow() {
        Http http = new Http(this.port);
        ResponseEntity<String> health = http.get("/actuator/health");
        assertThat(health.getStatusCode().value()).isEqualTo(200);
        assertThat(health.getBody()).contains("\"status\":\"UP\"");
        ResponseEntity<String> bdus = http.get("/actuator/bdus");
        assertThat(bdus.getStatusCode().value()).isEqualTo(200);
        assertThat(bdus.getBody()).isEqualTo("{\"transport\":null,\"devices\":{}}");
        assertThat(http.get("/actuator/prometheus").getBody()).doesNotContain("bdus_requests_seconds");
    }

}
