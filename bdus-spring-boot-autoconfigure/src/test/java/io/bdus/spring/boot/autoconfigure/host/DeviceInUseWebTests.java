package io.bdus.spring.boot.autoconfigure.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Scope;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator action that cannot keep a device is refused while the device is in use: with
 * ext4 mounted on a fuse-loop device, {@code detach} (which would tear it down) answers 409
 * naming the mount, and so does a {@code replace} whose new driver cannot start, while the
 * file system keeps working; {@code "force": true} tears down a device held open. Needs
 * root, /dev/fuse, /dev/loop-control and mkfs.ext4; skipped otherwise.
 */
@SpringBootTest(classes = DeviceInUseWebTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "bdus.transport=fuse-loop", "bdus.devices.busy.size=32MB", "bdus.devices.busy.driver=ram",
                "management.endpoint.bdus.access=unrestricted", "management.endpoints.web.exposure.include=bdus" })
@DirtiesContext
class DeviceInUseWebTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    private static final Path work = Path.of("target", "device-in-use-test").toAbsolutePath();

    @LocalServerPort
    private int port;

    @Autowired
    private BdusDeviceRegistry devices;

    @BeforeAll
    static void requireHost() throws IOException {
        HostConditions.assumeFuseLoop(DeviceInUseWebTests.class, new HostConditions.Tool("mkfs.ext4", "e2fsprogs"));
        Files.createDirectories(work);
    }

    @DynamicPropertySource
    static void paths(DynamicPropertyRegistry registry) {
        registry.add("bdus.state-dir", () -> work.resolve("state").toString());
    }

    @Test
    void actionsThatCannotKeepAMountedDeviceAreRefusedUnlessForced() throws Exception {
        ManagedDevice busy = this.devices.device("busy");
        String path = busy.path();
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        byte[] content = new byte[1 << 20];
        new Random(3).nextBytes(content);
        run("mkfs.ext4", "-q", "-F", path);
        run("mount", path, mnt.toString());
        try {
            Files.write(mnt.resolve("file"), content);
            run("sync", "-f", mnt.resolve("file").toString());

            ResponseEntity<String> detach = post("{\"action\":\"detach\"}");
            assertThat(detach.getStatusCode().value()).as(detach.getBody()).isEqualTo(409);
            JsonNode refused = json.readTree(detach.getBody());
            assertThat(refused.get("message").asString()).contains("is in use")
                .contains("mounted at " + mnt + " (ext4)")
                .contains("Unmount it")
                .contains("\"force\": true");

            ResponseEntity<String> replace = post("{\"action\":\"replace\",\"driver\":\"broken\"}");
            assertThat(replace.getStatusCode().value()).as(replace.getBody()).isEqualTo(409);
            assertThat(json.readTree(replace.getBody()).get("message").asString())
                .contains("driver bean 'ram' keeps serving device 'busy'");

            assertThat(busy.state().name()).isEqualTo("AVAILABLE");
            assertThat(busy.driverBean()).isEqualTo("ram");
            run("sh", "-c", "echo 3 > /proc/sys/vm/drop_caches");
            assertThat(Files.readAllBytes(mnt.resolve("file"))).isEqualTo(content);
            Files.writeString(mnt.resolve("after"), "still writable");
            run("sync", "-f", mnt.resolve("after").toString());
        }
        finally {
            run("umount", mnt.toString());
        }
        run("fsck.ext4", "-n", "-f", path);

        Process holder = new ProcessBuilder("sh", "-c", "exec 3<" + path + "; echo held; exec sleep 60").start();
        try {
            assertThat(new String(holder.getInputStream().readNBytes(5))).isEqualTo("held\n");
            ResponseEntity<String> held = post("{\"action\":\"detach\"}");
            assertThat(held.getStatusCode().value()).isEqualTo(409);
            assertThat(held.getBody()).contains("open by pid " + holder.pid() + " (sleep)");

            ResponseEntity<String> forced = post("{\"action\":\"detach\",\"force\":true}");
            assertThat(forced.getStatusCode().value()).as(forced.getBody()).isEqualTo(200);
            assertThat(json.readTree(forced.getBody()).get("state").asString()).isEqualTo("STOPPED");
        }
        finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ResponseEntity<String> post(String body) {
        return RestClient.create("http://localhost:" + this.port)
            .post()
            .uri("/actuator/bdus/busy")
            .contentType(MediaType.APPLICATION_JSON)
            .body(body)
            .retrieve()
            .onStatus((s) -> true, (q, r) -> {
            })
            .toEntity(String.class);
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

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(32 << 20);
        }

        /** A driver whose backing file cannot be opened: it fails to start. */
        @Bean
        @Scope("prototype")
        PassthroughDriver broken() {
            return new PassthroughDriver(work.resolve("no-such-directory").resolve("disk.img"));
        }

    }

}
