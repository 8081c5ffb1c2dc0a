package io.bdus.spring.boot.autoconfigure.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code bdus} command line sees an application's devices and acts on them through the
 * application's control socket: {@code list} shows them served by this process, {@code info}
 * and {@code flush} are answered by it, and {@code destroy} tears one down the way the
 * application would. Drives the real launcher ({@code scripts/bdus}) with the jar that
 * {@code ./mvnw verify} builds in bdus-native. Needs root, /dev/fuse and /dev/loop-control.
 */
@SpringBootTest(classes = CommandLineOnApplicationDevicesTests.App.class,
        properties = { "bdus.transport=fuse-loop", "bdus.devices.cli0.size=16MB" })
@DirtiesContext
class CommandLineOnApplicationDevicesTests {

    private static final Path work = Path.of("target", "command-line-test").toAbsolutePath();

    private static final Path repository = Path.of("..").toAbsolutePath().normalize();

    @Autowired
    private BdusDeviceRegistry registry;

    @BeforeAll
    static void requireHost() throws IOException {
        HostConditions.assumeFuseLoop(CommandLineOnApplicationDevicesTests.class);
        String noJar = "bdus-native's command-line jar is not built (./mvnw verify builds it before this module)";
        if (cliJar() == null) {
            System.out.println("Skipping CommandLineOnApplicationDevicesTests: " + noJar);
        }
        Assumptions.assumeTrue(cliJar() != null, noJar);
        Files.createDirectories(work);
    }

    @DynamicPropertySource
    static void paths(DynamicPropertyRegistry registry) {
        registry.add("bdus.state-dir", () -> work.resolve("state").toString());
    }

    @Test
    void listInfoFlushAndDestroyReachTheApplication() throws Exception {
        ManagedDevice device = this.registry.device("cli0");
        String pid = Long.toString(ProcessHandle.current().pid());

        String list = bdus("list");
        assertThat(list).containsPattern("cli0\\s+fuse-loop\\s+" + device.path() + "\\s+16 MiB\\s+AVAILABLE\\s+" + pid);
        assertThat(bdus("info", "cli0")).contains(device.path()).contains("AVAILABLE").contains(RamDiskDriver.class.getName());

        long flushes = device.stats().of(io.bdus.driver.Operation.FLUSH).count();
        bdus("flush", "cli0");
        assertThat(device.stats().of(io.bdus.driver.Operation.FLUSH).count()).isGreaterThan(flushes);

        bdus("destroy", "cli0");
        assertThat(device.state().name()).isEqualTo("STOPPED");
        assertThat(bdus("list")).doesNotContain("cli0");
    }

    private static String bdus(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(repository.resolve("scripts/bdus").toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--state-dir", work.resolve("state").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BDUS_JAR", cliJar().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("bdus %s:%n%s", String.join(" ", arguments), output).isZero();
        return output;
    }

    private static Path cliJar() {
        Path target = repository.resolve("bdus-native/target");
        if (!Files.isDirectory(target)) {
            return null;
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "bdus-native-*-cli.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        }
        catch (IOException ex) {
            return null;
        }
        return null;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        RamDiskDriver cli0() {
            return new RamDiskDriver(16 << 20);
        }

    }

}
