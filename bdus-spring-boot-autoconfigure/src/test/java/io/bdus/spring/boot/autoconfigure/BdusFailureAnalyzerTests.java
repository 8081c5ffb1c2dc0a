package io.bdus.spring.boot.autoconfigure;

import java.util.List;

import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every invalid {@code bdus.*} setting fails start-up with a report that names the property,
 * the value and what is allowed, and says what to change.
 */
class BdusFailureAnalyzerTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"));

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            size                    | 1000B  | a positive multiple of the logical block size (512 bytes)
            size                    | 0B     | a positive multiple of the logical block size (512 bytes)
            logical-block-size      | 1000B  | a power of two from 512 to 4096 bytes
            logical-block-size      | 8KB    | a power of two from 512 to 4096 bytes
            logical-block-size      | 256B   | a power of two from 512 to 4096 bytes
            physical-block-size     | 256B   | a power of two from the logical block size (512) to 65536 bytes
            physical-block-size     | 3000B  | a power of two from the logical block size (512) to 65536 bytes
            max-request-size        | 5000B  | a multiple of 4096 from 4096 to 1048576 bytes
            max-request-size        | 2MB    | a multiple of 4096 from 4096 to 1048576 bytes
            max-request-size        | 8GB    | a multiple of 4096 from 4096 to 1048576 bytes
            max-concurrent-requests | 0      | 1 to 256
            max-concurrent-requests | 300    | 1 to 256
            request-timeout         | 2h     | 0 (no timeout) to 1h
            request-timeout         | -1s    | 0 (no timeout) to 1h
            """)
    void invalidDeviceProperty(String field, String value, String allowed) {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0." + field + "=" + value)
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                String property = "bdus.devices.disk0." + field;
                assertThat(analysis.getDescription()).contains("Property: " + property)
                    .contains("Allowed: " + allowed)
                    .contains("Value: ");
                assertThat(analysis.getAction()).isEqualTo("Change '" + property + "' to " + allowed + ".");
            });
    }

    @Test
    void valueIsShownAsConfigured() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.logical-block-size=1000B")
            .run((context) -> assertThat(analyze(context).getDescription())
                .startsWith("Invalid value '1000B' for configuration property 'bdus.devices.disk0.logical-block-size'"));
    }

    @Test
    void missingSize() {
        this.runner.withUserConfiguration(Ram.class).withPropertyValues("bdus.devices.disk0.read-only=true")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.devices.disk0.size")
                    .contains("Value: (not set)");
                assertThat(analysis.getAction()).contains("Set 'bdus.devices.disk0.size'");
            });
    }

    @Test
    void invalidDeviceName() {
        this.runner.withUserConfiguration(Ram.class).withPropertyValues("bdus.devices[has space].size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.devices").contains("Value: has space");
                assertThat(analysis.getAction()).contains("Rename the device 'has space'");
            });
    }

    @Test
    void driverNamesMissingBean() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.driver=nope")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.devices.disk0.driver")
                    .contains("Value: nope")
                    .contains("Allowed: the name of a BlockDriver bean: ram");
                assertThat(analysis.getAction()).contains("Set 'bdus.devices.disk0.driver'")
                    .contains("(ram)")
                    .contains("declare a BlockDriver bean named 'nope'");
            });
    }

    @Test
    void driverNamesBeanOfAnotherType() {
        this.runner.withUserConfiguration(Ram.class)
            .withBean("notADriver", String.class, () -> "text")
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.driver=notADriver")
            .run((context) -> assertThat(analyze(context).getAction())
                .contains("Bean 'notADriver' is a java.lang.String, not an io.bdus.driver.BlockDriver"));
    }

    @Test
    void noDriverBean() {
        this.runner.withPropertyValues("bdus.devices.disk0.size=1MB").run((context) -> {
            FailureAnalysis analysis = analyze(context);
            assertThat(analysis.getDescription()).contains("Property: bdus.devices.disk0.driver")
                .contains("Value: (not set)");
            assertThat(analysis.getAction()).contains("Declare a bean of type io.bdus.driver.BlockDriver")
                .contains("named 'disk0'");
        });
    }

    @Test
    void severalDriverBeansAndNoneNamedLikeTheDevice() {
        this.runner.withUserConfiguration(Ram.class, OtherRam.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Allowed: the name of a BlockDriver bean: ram, other");
                assertThat(analysis.getAction())
                    .isEqualTo("There are several BlockDriver beans and none is named 'disk0'. "
                            + "Set 'bdus.devices.disk0.driver' to one of ram, other.");
            });
    }

    @Test
    void beanNamedLikeTheDeviceIsChosenAmongSeveral() {
        this.runner.withUserConfiguration(Ram.class, OtherRam.class)
            .withPropertyValues("bdus.devices.other.size=1MB")
            .run((context) -> assertThat(context.getBean(BdusDeviceRegistry.class).device("other").driverBean())
                .isEqualTo("other"));
    }

    @Test
    void singletonDriverServingTwoDevices() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.devices.a.size=1MB", "bdus.devices.b.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.devices.b.driver").contains("Value: ram");
                assertThat(analysis.getAction()).contains("Bean 'ram' already serves device 'a'")
                    .contains("prototype-scoped");
            });
    }

    @Test
    void prototypeDriverMayServeTwoDevices() {
        this.runner.withUserConfiguration(PrototypeRam.class)
            .withPropertyValues("bdus.devices.a.size=1MB", "bdus.devices.b.size=1MB")
            .run((context) -> {
                BdusDeviceRegistry devices = context.getBean(BdusDeviceRegistry.class);
                assertThat(BdusAutoConfigurationTests.driverOf(devices.device("a")))
                    .isNotSameAs(BdusAutoConfigurationTests.driverOf(devices.device("b")));
            });
    }

    @Test
    void explicitKbdusWithoutKbdusTransport() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.transport=kbdus", "bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.transport")
                    .contains("Value: kbdus")
                    .contains("Allowed: a transport that is present: fuse-loop");
                assertThat(analysis.getAction())
                    .startsWith("Declare a Transport bean whose name() is 'kbdus' (io.bdus.transport.kbdus.KbdusTransport")
                    .endsWith("or set 'bdus.transport' to fuse-loop (or auto).");
            });
    }

    @Test
    void explicitUblkWithoutUblkTransport() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.transport=ublk", "bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.transport")
                    .contains("Value: ublk")
                    .contains("Allowed: a transport that is present: fuse-loop");
                assertThat(analysis.getAction())
                    .startsWith("Declare a Transport bean whose name() is 'ublk' (io.bdus.transport.ublk.UblkTransport")
                    .endsWith("or set 'bdus.transport' to fuse-loop (or auto).");
            });
    }

    @Test
    void unknownTransportFailsBinding() {
        this.runner.withPropertyValues("bdus.transport=nbd").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("bdus.transport")
                .hasRootCauseMessage("No enum constant "
                        + "io.bdus.spring.boot.autoconfigure.BdusProperties.TransportType.nbd");
        });
    }

    @Test
    void explicitFuseLoopWithoutFuseLoopTransport() {
        new ApplicationContextRunner()
            .withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
            .withUserConfiguration(Ram.class)
            .withBean(Transport.class, () -> new FakeTransport("kbdus"))
            .withPropertyValues("bdus.transport=fuse-loop", "bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Value: fuse-loop")
                    .contains("Allowed: a transport that is present: kbdus");
                assertThat(analysis.getAction()).contains("io.bdus.transport.fuse.FuseLoopTransport");
            });
    }

    @Test
    void autoWithoutUsableTransportSaysWhatIsMissing() {
        new ApplicationContextRunner()
            .withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
            .withUserConfiguration(Ram.class)
            .withBean(Transport.class, () -> new FakeTransport("fuse-loop", "/dev/fuse does not exist"))
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Value: auto")
                    .contains("kbdus: /dev/bdus-control")
                    .contains("fuse-loop: /dev/fuse does not exist");
                assertThat(analysis.getAction()).contains("/dev/fuse and /dev/loop-control")
                    .contains("bdus.enabled=false");
            });
    }

    @Test
    void autoPicksUsableFuseLoop() {
        this.runner.withUserConfiguration(Ram.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> assertThat(context.getBean(BdusDeviceRegistry.class).transportName())
                .isEqualTo("fuse-loop"));
    }

    @Test
    void deviceThatCannotStartIsReported() {
        new ApplicationContextRunner()
            .withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
            .withUserConfiguration(Ram.class)
            .withBean(Transport.class, () -> new FakeTransport("fuse-loop", "/dev/loop-control does not exist"))
            .withPropertyValues("bdus.transport=fuse-loop", "bdus.devices.disk0.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription())
                    .contains("Could not start device 'disk0' on transport fuse-loop: /dev/loop-control does not exist");
                assertThat(analysis.getAction()).contains("needs root, /dev/fuse and /dev/loop-control");
            });
    }

    @Test
    void analyzersAreRegistered() throws Exception {
        List<String> registered = new java.util.ArrayList<>();
        java.util.Enumeration<java.net.URL> resources = getClass().getClassLoader()
            .getResources("META-INF/spring.factories");
        while (resources.hasMoreElements()) {
            java.util.Properties properties = org.springframework.core.io.support.PropertiesLoaderUtils
                .loadProperties(new org.springframework.core.io.UrlResource(resources.nextElement()));
            String value = properties.getProperty(FailureAnalyzer.class.getName());
            if (value != null) {
                registered.addAll(List.of(value.split("\\s*,\\s*")));
            }
        }
        assertThat(registered).contains(BdusFailureAnalyzer.class.getName(),
                BdusDeviceStartFailureAnalyzer.class.getName(), KeptDeviceAttachFailureAnalyzer.class.getName(),
                UnsupportedPlatformFailureAnalyzer.class.getName());
    }

    private static FailureAnalysis analyze(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        List<FailureAnalyzer> analyzers = List.of(new BdusFailureAnalyzer(), new BdusDeviceStartFailureAnalyzer());
        FailureAnalysis analysis = analyzers.stream()
            .map((analyzer) -> analyzer.analyze(failure))
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse(null);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }

    @Configuration(proxyBeanMethods = false)
    static class Ram {

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class OtherRam {

        @Bean
        RamDiskDriver other() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class PrototypeRam {

        @Bean
        @Scope("prototype")
        RamDiskDriver ram() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

}
