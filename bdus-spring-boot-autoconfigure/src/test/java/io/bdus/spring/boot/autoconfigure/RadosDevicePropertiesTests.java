package io.bdus.spring.boot.autoconfigure;

import java.util.List;
import java.util.Objects;

import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bdus.devices.<name>.rados.*}: a device that names a RADOS image is served by a
 * RadosDriver no bean declares; bad values stop start-up naming the property. (These tests
 * need no cluster: the host tests serve such a device from a real one.)
 */
class RadosDevicePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"));

    @Test
    void aDeviceNamingAPoolIsServedByItsOwnRadosDriverBean() {
        this.runner
            .withPropertyValues("bdus.devices.vol.size=64MB", "bdus.devices.vol.rados.pool=rbd",
                    "bdus.devices.vol.rados.ceph-conf=/nonexistent/ceph.conf", "bdus.devices.vol.rados.client=client.x",
                    "bdus.devices.vol.rados.object-size=1MB")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                // The driver bean was made from the properties and tried to reach the cluster.
                assertThat(analysis.getDescription()).contains("Could not start device 'vol'")
                    .contains("initializing the driver failed")
                    .contains("Cannot read the Ceph configuration /nonexistent/ceph.conf");
            });
    }

    @Test
    void radosSettingsComeFromDefaultsAndTheImageFromTheDeviceName() {
        DeviceSettings settings = new DeviceSettings("vol", device("pool-a", null), defaults());
        var rados = RadosDriverBeans.settings(settings);
        assertThat(rados.pool()).isEqualTo("pool-a");
        assertThat(rados.image()).isEqualTo("vol");
        assertThat(rados.client()).isEqualTo("client.shared");
        assertThat(rados.objectSize()).isEqualTo(4 << 20);
        assertThat(rados.operationTimeout()).hasSeconds(12);
        assertThat(rados.breakLock()).isFalse();
        assertThat(rados.cephConf()).hasToString("/etc/ceph/other.conf");
        assertThat(RadosDriverBeans.settings(new DeviceSettings("vol", device("p", "img-1"), defaults())).image())
            .isEqualTo("img-1");
    }

    @Test
    void otherDevicesDoNotTakeTheRadosDriverAsTheirOnlyBean() {
        this.runner.withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
            .withPropertyValues("bdus.devices.plain.size=1MB", "bdus.devices.vol.size=64MB",
                    "bdus.devices.vol.rados.pool=rbd", "bdus.devices.vol.rados.ceph-conf=/nonexistent/ceph.conf")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("Could not start device 'vol'");
                assertThat(context.getStartupFailure()).hasStackTraceContaining("Cannot read the Ceph configuration");
            });
    }

    @Test
    void badValuesNameTheirProperty() {
        assertFailure("bdus.devices.vol.rados.object-size=3KB", "bdus.devices.vol.rados.object-size",
                "a power of two from 4096");
        assertFailure("bdus.devices.vol.rados.image=no/slash", "bdus.devices.vol.rados.image", "letters, digits");
        assertFailure("bdus.devices.vol.rados.client=admin", "bdus.devices.vol.rados.client", "client.admin");
        assertFailure("bdus.devices.vol.rados.operation-timeout=0", "bdus.devices.vol.rados.operation-timeout",
                "1s to 1h");
    }

    @Test
    void anImageWithoutAPoolOrWithADriverBeanIsRefused() {
        this.runner.withPropertyValues("bdus.devices.vol.size=64MB", "bdus.devices.vol.rados.image=img")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("'bdus.devices.vol.rados.pool'");
                assertThat(analysis.getAction()).contains("Set 'bdus.devices.vol.rados.pool'");
            });
        this.runner
            .withPropertyValues("bdus.devices.vol.size=64MB", "bdus.devices.vol.rados.pool=rbd",
                    "bdus.devices.vol.driver=ram")
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("'bdus.devices.vol.driver'");
                assertThat(analysis.getAction()).contains("names both a driver bean and a RADOS image");
            });
    }

    private void assertFailure(String property, String name, String allowed) {
        this.runner.withPropertyValues("bdus.devices.vol.size=64MB", "bdus.devices.vol.rados.pool=rbd", property)
            .run((context) -> {
                FailureAnalysis analysis = analyze(context);
                assertThat(analysis.getDescription()).contains("'" + name + "'").contains(allowed);
            });
    }

    private static BdusProperties.Device device(String pool, String image) {
        BdusProperties.Device device = new BdusProperties.Device();
        device.getRados().setPool(pool);
        device.getRados().setImage(image);
        return device;
    }

    private static BdusProperties.Device defaults() {
        BdusProperties.Device defaults = new BdusProperties.Device();
        defaults.getRados().setClient("client.shared");
        defaults.getRados().setOperationTimeout(java.time.Duration.ofSeconds(12));
        defaults.getRados().setCephConf(java.nio.file.Path.of("/etc/ceph/other.conf"));
        return defaults;
    }

    private static FailureAnalysis analyze(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        List<FailureAnalyzer> analyzers = List.of(new BdusFailureAnalyzer(), new BdusDeviceStartFailureAnalyzer());
        FailureAnalysis analysis = analyzers.stream()
            .map((analyzer) -> analyzer.analyze(failure))
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }

}
