package io.bdus.spring.boot.autoconfigure.web;

import io.bdus.spring.boot.BdusDeviceRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the endpoint's default (read-only) access, {@code GET /actuator/bdus} works and
 * {@code POST} is refused.
 */
@SpringBootTest(classes = FakeDeviceApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.state-dir=target/web-tests/read-only", "bdus.devices.disk0.size=1MB",
                "management.endpoints.web.exposure.include=bdus,health" })
class BdusEndpointReadOnlyWebTests {

    @LocalServerPort
    private int port;

    @Autowired
    private BdusDeviceRegistry devices;

    @Test
    void readsButRefusesActions() {
        Http http = new Http(this.port);
        ResponseEntity<String> all = http.get("/actuator/bdus");
        assertThat(all.getStatusCode().value()).isEqualTo(200);
        assertThat(all.getBody()).contains("\"disk0\"").contains("\"path\":\"/dev/fake-disk0\"");
        assertThat(http.get("/actuator/bdus/disk0").getStatusCode().value()).isEqualTo(200);
        assertThat(http.get("/actuator/bdus/nope").getStatusCode().value()).isEqualTo(404);

        ResponseEntity<String> post = http.post("/actuator/bdus/disk0", "{\"action\":\"replace\"}");
        assertThat(post.getStatusCode().value()).as("POST status").isEqualTo(405);
        assertThat(this.devices.device("disk0").generation()).isZero();
    }

}
