package io.bdus.spring.boot.autoconfigure.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bdus.driver.rados.RadosDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device configured by {@code bdus.devices.vol.rados.*} alone, served from the test
 * cluster of scripts/ceph-test-cluster.sh: no driver bean is declared, I/O reaches the image,
 * /actuator/bdus shows the pool, image, cluster and operations in flight, and health goes
 * DOWN, with the reason, while the cluster is stopped. Skipped, saying why, when no test
 * cluster is reachable (CEPH_CONF unset) or the host cannot serve devices.
 */
@SpringBootTest(classes = RadosDeviceWebTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.transport=fuse-loop", "bdus.devices.vol.size=64MB",
                "bdus.devices.vol.rados.object-size=1MB", "bdus.devices.vol.rados.operation-timeout=5s",
                "management.endpoints.web.exposure.include=bdus,health",
                "management.endpoint.health.show-components=always",
                "management.endpoint.health.show-details=always" })
@DirtiesContext
class RadosDeviceWebTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    private static final Path work = Path.of("target", "rados-device-test").toAbsolutePath();

    private static final String CONF = System.getenv("CEPH_CONF");

    private static final String IMAGE = "spring-" + ProcessHandle.current().pid();

    @LocalServerPort
    private int port;

    @Autowired
    private BdusDeviceRegistry devices;

    @BeforeAll
    static void requireHostAndCluster() throws IOException {
        HostConditions.assumeFuseLoop(RadosDeviceWebTests.class);
        String reason = (CONF == null) ? "CEPH_CONF is not set; start a cluster with: eval \"$(scripts/"
                + "ceph-test-cluster.sh up)\"" : Files.isReadable(Path.of(CONF)) ? null : CONF + " cannot be read";
        if (reason != null) {
            System.out.println("Skipping RadosDeviceWebTests: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        Files.createDirectories(work);
    }

    @AfterAll
    static void removeImage() throws Exception {
        if (CONF != null) {
            run("sh", "-c", "rados --name " + client() + " -p " + pool() + " ls | grep '^" + IMAGE
                    + "\\.' | xargs -r rados --name " + client() + " -p " + pool() + " rm");
        }
    }

    @DynamicPropertySource
    static void cluster(DynamicPropertyRegistry registry) {
        registry.add("bdus.state-dir", () -> work.resolve("state").toString());
        registry.add("bdus.devices.vol.rados.pool", RadosDeviceWebTests::pool);
        registry.add("bdus.devices.vol.rados.image", () -> IMAGE);
        registry.add("bdus.devices.vol.rados.client", RadosDeviceWebTests::client);
    }

    private static String pool() {
        return System.getenv().getOrDefault("BDUS_RADOS_POOL", "bdus");
    }

    private static String client() {
        return System.getenv().getOrDefault("BDUS_RADOS_CLIENT", "client.bdus");
    }

    @Test
    void aDeviceFromPropertiesAloneServesTheImageAndReportsTheCluster() throws Exception {
        ManagedDevice vol = this.devices.device("vol");
        assertThat(vol.driverBean()).isEqualTo("bdusRadosDriver.vol");
        assertThat(vol.driverType()).isEqualTo(RadosDriver.class);
        byte[] data = new byte[2 << 20];
        new Random(5).nextBytes(data);
        Path source = Files.write(work.resolve("source.bin"), data);
        run("dd", "if=" + source, "of=" + vol.path(), "bs=256k", "oflag=direct", "conv=fsync", "status=none");
        run("rados", "--name", client(), "-p", pool(), "stat", IMAGE + ".0000000000000001");

        JsonNode device = json.readTree(get("/actuator/bdus/vol").getBody());
        assertThat(device.at("/driver/bean").asString()).isEqualTo("bdusRadosDriver.vol");
        assertThat(device.at("/driver/details/pool").asString()).isEqualTo(pool());
        assertThat(device.at("/driver/details/image").asString()).isEqualTo(IMAGE);
        assertThat(device.at("/driver/details/objectSize").asInt()).isEqualTo(1 << 20);
        assertThat(device.at("/driver/details/clusterFsid").asString()).matches("[0-9a-f-]{36}");
        assertThat(device.at("/driver/details/inFlightOperations").asInt()).isZero();
        assertThat(device.at("/operations/write/bytes").asLong()).isGreaterThanOrEqualTo(data.length);
        assertThat(health().at("/status").asString()).isEqualTo("UP");

        script("pause");
        try {
            JsonNode down = awaitHealth("DOWN");
            assertThat(down.at("/details/reason").asString()).contains("the driver's storage cannot serve requests")
                .containsAnyOf("has not answered", "ETIMEDOUT");
            assertThat(down.at("/details/storage/image").asString()).isEqualTo(IMAGE);
        }
        finally {
            script("resume");
        }
        awaitHealth("UP");
        Path back = work.resolve("back.bin");
        run("dd", "if=" + vol.path(), "of=" + back, "bs=256k", "count=8", "iflag=direct", "status=none");
        assertThat(Files.readAllBytes(back)).isEqualTo(data);
    }

    private JsonNode awaitHealth(String status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        JsonNode health = health();
        while (!health.at("/status").asString().equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            health = health();
        }
        assertThat(health.at("/status").asString()).as("health: %s", health).isEqualTo(status);
        return health;
    }

    private JsonNode health() {
        return json.readTree(get("/actuator/health/bdus/vol").getBody());
    }

    private ResponseEntity<String> get(String path) {
        return RestClient.create("http://localhost:" + this.port).get().uri(path).retrieve()
            .onStatus((s) -> true, (q, r) -> {
            })
            .toEntity(String.class);
    }

    private static void script(String command) throws Exception {
        run(Path.of("..", "scripts", "ceph-test-cluster.sh").toAbsolutePath().normalize().toString(), "--dir",
                Path.of(CONF).getParent().toString(), command);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

    }

}
