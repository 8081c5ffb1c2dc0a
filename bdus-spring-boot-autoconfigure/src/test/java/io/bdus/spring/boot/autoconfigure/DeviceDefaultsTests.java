package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bdus.defaults.*}: a device's own setting wins, then the default, then the built-in
 * default; a bad value is reported under the property it came from. Also the units of the
 * timeouts.
 */
class DeviceDefaultsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withBean("a", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
        .withBean("b", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"));

    @Test
    void aDeviceOwnSettingWinsOverTheDefaultWhichWinsOverTheBuiltInOne() {
        this.runner
            .withPropertyValues("bdus.defaults.size=1MB", "bdus.defaults.max-concurrent-requests=8",
                    "bdus.defaults.request-timeout=10s", "bdus.defaults.read-only=true",
                    "bdus.devices.a.max-concurrent-requests=2", "bdus.devices.a.read-only=false",
                    "bdus.devices.b.size=2MB")
            .run((context) -> {
                DeviceSpec a = spec(context, "a");
                DeviceSpec b = spec(context, "b");
                assertThat(a.size()).isEqualTo(1 << 20);
                assertThat(b.size()).isEqualTo(2 << 20);
                assertThat(a.maxConcurrentRequests()).isEqualTo(2);
                assertThat(b.maxConcurrentRequests()).isEqualTo(8);
                assertThat(a.readOnly()).isFalse();
                assertThat(b.readOnly()).isTrue();
                assertThat(a.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
                assertThat(b.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
                assertThat(a.logicalBlockSize()).isEqualTo(512);
                assertThat(a.maxRequestSize()).isEqualTo(256 * 1024);
                assertThat(a.partitionScanning()).isTrue();
            });
    }

    @Test
    void builtInDefaultsApplyWithoutDefaults() {
        this.runner.withPropertyValues("bdus.devices.a.size=1MB").run((context) -> {
            DeviceSpec a = spec(context, "a");
            DeviceSpec builtIn = DeviceSpec.builder("a", 1 << 20).build();
            assertThat(a).isEqualTo(builtIn);
        });
    }

    @Test
    void aBareNumberOfTimeoutIsSeconds() {
        this.runner
            .withPropertyValues("bdus.devices.a.size=1MB", "bdus.devices.a.request-timeout=5",
                    "bdus.start-timeout=90", "bdus.replace-timeout=7")
            .run((context) -> {
                assertThat(spec(context, "a").requestTimeout()).isEqualTo(Duration.ofSeconds(5));
                BdusProperties properties = context.getBean(BdusProperties.class);
                assertThat(properties.getStartTimeout()).isEqualTo(Duration.ofSeconds(90));
                assertThat(properties.getReplaceTimeout()).isEqualTo(Duration.ofSeconds(7));
            });
    }

    @Test
    void timeoutsDefaultToSixtyAndThirtySeconds() {
        BdusProperties properties = new BdusProperties();
        assertThat(properties.getStartTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(properties.getReplaceTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anInvalidDefaultIsReportedUnderTheDefaultsProperty() {
        this.runner.withPropertyValues("bdus.defaults.max-concurrent-requests=0", "bdus.devices.a.size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.defaults.max-concurrent-requests")
                    .contains("Value: 0")
                    .contains("Allowed: 1 to 256");
                assertThat(analysis.getAction())
                    .isEqualTo("Change 'bdus.defaults.max-concurrent-requests' to 1 to 256.");
            });
    }

    @Test
    void anInvalidDefaultADeviceOverridesDoesNotMatter() {
        this.runner
            .withPropertyValues("bdus.defaults.max-concurrent-requests=0", "bdus.devices.a.size=1MB",
                    "bdus.devices.a.max-concurrent-requests=3")
            .run((context) -> assertThat(spec(context, "a").maxConcurrentRequests()).isEqualTo(3));
    }

    @Test
    void anInvalidDeviceValueIsReportedUnderTheDeviceProperty() {
        this.runner
            .withPropertyValues("bdus.defaults.logical-block-size=4KB", "bdus.devices.a.size=1MB",
                    "bdus.devices.a.logical-block-size=1000B")
            .run((context) -> assertThat(analyze(context).getDescription())
                .contains("Property: bdus.devices.a.logical-block-size")
                .contains("Value: 1000B"));
    }

    @Test
    void aDefaultSizeThatDoesNotFitTheDeviceBlockSizeNamesTheDefault() {
        this.runner
            .withPropertyValues("bdus.defaults.size=1001KB", "bdus.devices.a.logical-block-size=4KB")
            .run((context) -> assertThat(analyze(context).getDescription()).contains("Property: bdus.defaults.size")
                .contains("Allowed: a positive multiple of the logical block size (4096 bytes)"));
    }

    @Test
    void aDefaultSingletonDriverServingTwoDevicesNamesTheDefaultAndSaysWhatToSetInstead() {
        this.runner
            .withPropertyValues("bdus.defaults.size=1MB", "bdus.defaults.driver=a", "bdus.devices.x.read-only=true",
                    "bdus.devices.y.read-only=true")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Property: bdus.defaults.driver").contains("Value: a");
                assertThat(analysis.getAction()).contains("Bean 'a' already serves device 'x'")
                    .contains("set 'bdus.devices.y.driver' to another bean");
            });
    }

    @Test
    void aStartTimeoutThatIsNotPositiveFailsNamingTheProperty() {
        this.runner.withPropertyValues("bdus.start-timeout=0s").run((context) -> {
            FailureAnalysis analysis = analyze(context);
            assertThat(analysis.getDescription()).contains("Property: bdus.start-timeout")
                .contains("Allowed: a positive duration");
        });
    }

    private static DeviceSpec spec(AssertableApplicationContext context, String device) {
        assertThat(context).hasNotFailed();
        return context.getBean(BdusDeviceRegistry.class).device(device).spec();
    }

    private static FailureAnalysis analyze(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new BdusFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
        return analysis;
    }

}
