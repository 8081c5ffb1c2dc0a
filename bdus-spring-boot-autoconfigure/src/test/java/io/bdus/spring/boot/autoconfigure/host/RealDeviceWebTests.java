package io.bdus.spring.boot.autoconfigure.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Scope;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole application on a real block device: fuse-loop gives a /dev/loopN served by a
 * pass-through driver bean; I/O on it shows up in /actuator/bdus, Prometheus and health, and
 * replacing the driver over HTTP during {@code fio --verify=crc32c} costs no I/O or verify
 * error. Needs root, /dev/fuse, /dev/loop-control and fio; skipped otherwise.
 */
@SpringBootTest(classes = RealDeviceWebTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.transport=fuse-loop", "bdus.devices.disk0.size=64MB", "bdus.devices.disk0.driver=file",
                "bdus.devices.ram.size=16MB", "management.endpoint.bdus.access=unrestricted",
                "management.endpoints.web.exposure.include=bdus,health,prometheus",
                "management.endpoint.health.show-components=always" })
@DirtiesContext
class RealDeviceWebTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    /** Under the build directory: the context (and its mounts) may outlive a JUnit temp directory. */
    private static final Path work = Path.of("target", "real-device-test").toAbsolutePath();

    @LocalServerPort
    private int port;

    @Autowired
    private BdusDeviceRegistry devices;

    @BeforeAll
    static void requireHost() throws IOException {
        HostConditions.assumeFuseLoop(RealDeviceWebTests.class, new HostConditions.Tool("fio", "fio"));
        Files.createDirectories(work);
    }

    @DynamicPropertySource
    static void paths(DynamicPropertyRegistry registry) {
        registry.add("bdus.state-dir", () -> work.resolve("state").toString());
        registry.add("test.backing-file", () -> work.resolve("disk0.img").toString());
    }

    @Test
    void ioShowsInEndpointMetricsAndHealth() throws Exception {
        ManagedDevice disk = this.devices.device("disk0");
        assertThat(disk.path()).startsWith("/dev/loop");
        JsonNode before = device(get("/actuator/bdus/disk0"));
        Path source = work.resolve("source.bin");
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        Files.write(source, data);
        run("dd", "if=" + source, "of=" + disk.path(), "bs=64k", "oflag=direct", "conv=fsync", "status=none");
        Path back = work.resolve("back.bin");
        run("dd", "if=" + disk.path(), "of=" + back, "bs=64k", "count=16", "iflag=direct", "status=none");
        assertThat(Files.readAllBytes(back)).isEqualTo(data);

        JsonNode after = device(get("/actuator/bdus/disk0"));
        assertThat(after.get("path").asString()).isEqualTo(disk.path());
        assertThat(after.get("transport").asString()).isEqualTo("fuse-loop");
        assertThat(after.get("state").asString()).isEqualTo("AVAILABLE");
        assertThat(after.get("size").asLong()).isEqualTo(64L << 20);
        assertThat(after.at("/driver/bean").asString()).isEqualTo("file");
        long writtenBytes = after.at("/operations/write/bytes").asLong() - before.at("/operations/write/bytes").asLong();
        long writes = after.at("/operations/write/count").asLong() - before.at("/operations/write/count").asLong();
        long readBytes = after.at("/operations/read/bytes").asLong() - before.at("/operations/read/bytes").asLong();
        assertThat(writtenBytes).isEqualTo(data.length);
        assertThat(writes).isBetween(4L, (long) data.length / 512);
        assertThat(readBytes).isGreaterThanOrEqualTo(data.length);
        assertThat(after.at("/operations/write/errors").asLong()).isZero();
        assertThat(after.at("/operations/write/latency/p99").asDouble()).isPositive();

        String prometheus = get("/actuator/prometheus").getBody();
        assertThat(prometheus).containsPattern(
                "bdus_requests_seconds_count\\{device=\"disk0\",op=\"write\",outcome=\"success\"} [1-9]")
            .containsPattern("bdus_requests_seconds_count\\{device=\"disk0\",op=\"read\",outcome=\"success\"} [1-9]");

        ResponseEntity<String> health = get("/actuator/health/bdus");
        assertThat(health.getStatusCode().value()).isEqualTo(200);
        JsonNode healthJson = json.readTree(health.getBody());
        assertThat(healthJson.get("status").asString()).isEqualTo("UP");
        assertThat(healthJson.at("/components/disk0/status").asString()).isEqualTo("UP");
        assertThat(healthJson.at("/components/ram/status").asString()).isEqualTo("UP");
    }

    @Test
    void replaceDuringFioVerifyGivesNoErrors() throws Exception {
        ManagedDevice disk = this.devices.device("disk0");
        int generation = disk.generation();
        Path output = work.resolve("fio.json");
        Process fio = new ProcessBuilder("fio", "--name=verify", "--filename=" + disk.path(), "--rw=randwrite",
                "--bs=4k", "--size=32m", "--ioengine=libaio", "--direct=1", "--iodepth=16", "--verify=crc32c",
                "--verify_backlog=1024", "--verify_fatal=1", "--verify_state_save=0", "--loops=2",
                "--output-format=json",
                "--output=" + output)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("fio.log").toFile())
            .start();
        List<Integer> statuses = new ArrayList<>();
        int replacedWhileRunning = 0;
        Thread.sleep(300);
        while (fio.isAlive() && replacedWhileRunning < 10) {
            ResponseEntity<String> replaced = post("/actuator/bdus/disk0", "{\"action\":\"replace\"}");
            statuses.add(replaced.getStatusCode().value());
            if (fio.isAlive()) {
                replacedWhileRunning++;
            }
            Thread.sleep(200);
        }
        assertThat(fio.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(work.resolve("fio.log"));
        assertThat(fio.exitValue()).as("fio exit status; log:%n%s", log).isZero();
        JsonNode job = json.readTree(Files.readString(output)).get("jobs").get(0);
        assertThat(job.get("error").asInt()).isZero();
        assertThat(job.at("/write/total_ios").asLong()).isPositive();
        System.out.printf("fio --verify=crc32c: %d writes, %d verify reads, error %d; %d replacements while it ran%n",
                job.at("/write/total_ios").asLong(), job.at("/read/total_ios").asLong(), job.get("error").asInt(),
                replacedWhileRunning);
        assertThat(statuses).isNotEmpty().containsOnly(200);
        assertThat(replacedWhileRunning).as("replacements while fio ran").isPositive();
        assertThat(disk.generation()).isEqualTo(generation + statuses.size());
        JsonNode after = device(get("/actuator/bdus/disk0"));
        assertThat(after.at("/operations/write/errors").asLong()).isZero();
        assertThat(after.at("/operations/read/errors").asLong()).isZero();
        assertThat(after.at("/driver/generation").asInt()).isEqualTo(disk.generation());
    }

    private JsonNode device(ResponseEntity<String> response) {
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    private ResponseEntity<String> get(String path) {
        return client().get().uri(path).retrieve().onStatus((s) -> true, (q, r) -> {
        }).toEntity(String.class);
    }

    private ResponseEntity<String> post(String path, String body) {
        return client().post().uri(path).contentType(MediaType.APPLICATION_JSON).body(body).retrieve()
            .onStatus((s) -> true, (q, r) -> {
            })
            .toEntity(String.class);
    }

    private RestClient client() {
        return RestClient.create("http://localhost:" + this.port);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        /** Prototype-scoped, so a replace opens the same backing file with a fresh driver. */
        @Bean
        @Scope("prototype")
        PassthroughDriver file(@Value("${test.backing-file}") Path file) {
            return new PassthroughDriver(file);
        }

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(16 << 20);
        }

    }

}
