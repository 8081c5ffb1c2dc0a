package io.bdus.spring.boot.docs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;
import io.bdus.spring.boot.autoconfigure.FakeTransport;
import io.bdus.spring.boot.autoconfigure.StateDirectories;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Java snippet of the starter's documentation (the modules' READMEs and the "Using the
 * starter" part of the root README) is a verbatim part of {@link ReadmeSnippets}, which
 * compiles, and the snippets do what the documentation says.
 */
class ReadmeSnippetsTests {

    private static final Pattern JAVA = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Path MIRROR = Path.of("src/test/java/io/bdus/spring/boot/docs/ReadmeSnippets.java");

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetIsInTheCompiledMirror() throws IOException {
        String mirror = normalize(Files.readString(MIRROR));
        List<DynamicTest> tests = new ArrayList<>();
        for (Documentation doc : documentation()) {
            Matcher matcher = JAVA.matcher(doc.text());
            int index = 0;
            while (matcher.find()) {
                String snippet = matcher.group(1);
                String name = doc.name() + " java snippet " + (++index);
                tests.add(DynamicTest.dynamicTest(name, () -> assertThat(mirror)
                    .as("%s must be copied into %s, where it compiles", name, MIRROR)
                    .contains(normalize(snippet))));
            }
        }
        assertThat(tests).as("Java snippets").hasSizeGreaterThanOrEqualTo(2);
        return tests.stream();
    }

    @Test
    void theSnippetsAddAndAdjustDevicesAsDocumented() {
        new ApplicationContextRunner().withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
            .withUserConfiguration(ReadmeSnippets.class)
            .withBean(Transport.class, () -> new FakeTransport("fuse-loop"))
            .withPropertyValues("bdus.devices.ram.size=256MB")
            .run((context) -> {
                BdusDeviceRegistry registry = context.getBean(BdusDeviceRegistry.class);
                assertThat(registry.names()).containsExactly("ram", "scratch0", "scratch1");
                registry.devices()
                    .values()
                    .forEach((device) -> assertThat(device.spec().maxConcurrentRequests()).isEqualTo(16));
                assertThat(registry.device("scratch1").spec().size()).isEqualTo(64L << 20);
                assertThat(registry.device("scratch1").driverBean()).isEqualTo("scratch");
            });
    }

    @Test
    void theAsynchronousFileDriverServesADevice(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1 << 20);
        }
        FakeTransport transport = new FakeTransport("fuse-loop");
        ReadmeSnippets.AsyncFileDriver driver = new ReadmeSnippets().new AsyncFileDriver(image);
        try (BlockDevice device = BlockDevice.start(DeviceSpec.builder("async", 1 << 20).build(), driver, transport,
                Duration.ofSeconds(10))) {
            byte[] data = new byte[8192];
            new Random(5).nextBytes(data);
            assertThat(transport.device("async").write(65536, data)).isZero();
            assertThat(transport.device("async").read(65536, data.length)).isEqualTo(data);
            assertThat(device.stats().totalErrors()).isZero();
        }
        byte[] stored = Files.readAllBytes(image);
        assertThat(stored).hasSize(1 << 20);
    }

    private static List<Documentation> documentation() throws IOException {
        List<Documentation> docs = new ArrayList<>();
        String root = Files.readString(ROOT.resolve("README.md"));
        int start = root.indexOf("\n## Using the starter");
        assertThat(start).as("'Using the starter' in README.md").isNotNegative();
        int end = root.indexOf("\n## ", start + 1);
        docs.add(new Documentation("README.md (Using the starter)",
                root.substring(start, (end < 0) ? root.length() : end)));
        for (String module : List.of("bdus-spring-boot-autoconfigure", "bdus-spring-boot-starter", "demo-app")) {
            Path readme = ROOT.resolve(module).resolve("README.md");
            if (Files.isRegularFile(readme)) {
                docs.add(new Documentation(module + "/README.md", Files.readString(readme)));
            }
        }
        return docs;
    }

    private static String normalize(String code) {
        return code.replaceAll("\\s+", " ").trim();
    }

    private record Documentation(String name, String text) {
    }

}
