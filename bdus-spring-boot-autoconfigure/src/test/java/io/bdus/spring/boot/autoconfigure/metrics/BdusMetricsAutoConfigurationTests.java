package io.bdus.spring.boot.autoconfigure.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;

import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;
import io.bdus.spring.boot.autoconfigure.FakeTransport;
import io.bdus.spring.boot.autoconfigure.StateDirectories;
import io.bdus.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BdusMetricsAutoConfiguration} and {@link BdusMetrics}.
 */
class BdusMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, BdusAutoConfiguration.class,
                BdusMetricsAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
        .withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1024 * 1024))
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"))
        .withPropertyValues("bdus.devices.disk0.size=1MB");

    @Test
    void everyMeterExistsBeforeTheFirstRequest() {
        this.runner.run((context) -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            int operations = Operation.values().length;
            assertThat(registry.find("bdus.requests").tag("device", "disk0").timers()).hasSize(operations * 2);
            assertThat(registry.find("bdus.request.size").tag("device", "disk0").summaries()).hasSize(operations);
            assertThat(registry.get("bdus.request.size").tags("device", "disk0", "op", "read").summary()
                .getId()
                .getBaseUnit()).isEqualTo("bytes");
            assertThat(registry.get("bdus.requests.active").tag("device", "disk0").gauge().value()).isZero();
            assertThat(registry.find("bdus.driver.replacements").tag("device", "disk0").counters()).hasSize(3);
        });
    }

    @Test
    void recordsRequestsBySizeAndOutcome() {
        this.runner.run((context) -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FakeTransport.FakeDevice device = context.getBean(FakeTransport.class).device("disk0");
            device.write(0, new byte[8192]);
            device.write(8192, new byte[4096]);
            device.read(0, 512);
            assertThat(registry.get("bdus.requests").tags("device", "disk0", "op", "write", "outcome", "success")
                .timer()
                .count()).isEqualTo(2);
            assertThat(registry.get("bdus.requests").tags("device", "disk0", "op", "read", "outcome", "success")
                .timer()
                .count()).isEqualTo(1);
            assertThat(registry.get("bdus.request.size").tags("device", "disk0", "op", "write").summary().totalAmount())
                .isEqualTo(12288);
        });
    }

    @Test
    void failedRequestsAreTaggedError() {
        this.runner.withBean("failing", BlockDriver.class, FailingWrites::new)
            .withPropertyValues("bdus.devices.disk0.driver=failing")
            .run((context) -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FakeTransport.FakeDevice device = context.getBean(FakeTransport.class).device("disk0");
            assertThat(device.write(0, new byte[512])).isEqualTo(Errno.ENOSPC);
            assertThat(registry.get("bdus.requests").tags("device", "disk0", "op", "write", "outcome", "error")
                .timer()
                .count()).isEqualTo(1);
            assertThat(registry.get("bdus.requests").tags("device", "disk0", "op", "write", "outcome", "success")
                .timer()
                .count()).isZero();
        });
    }

    @Test
    void countsPlannedReplacements() {
        this.runner.run((context) -> {
            context.getBean(BdusDeviceActions.class).replace("disk0", null);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("bdus.driver.replacements").tags("device", "disk0", "reason", "planned")
                .counter()
                .count()).isEqualTo(1);
            assertThat(replacements(registry, "disk0", "crash")).isZero();
            assertThat(replacements(registry, "disk0", "restart")).isZero();
        });
    }

    @Test
    void countsTakeOversAtStartUpOfDevicesLeftByACrashOrByAPreviousRun(@TempDir Path state) throws Exception {
        DeviceRecords records = new DeviceRecords(state.resolve("devices"));
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        records.save(new DeviceRecord("crashed", "kbdus", "/dev/bdus-7", "id-crashed", 1 << 20, dead.pid(),
                Instant.now(), false));
        records.save(new DeviceRecord("kept", "kbdus", "/dev/bdus-8", "id-kept", 1 << 20, 0, Instant.now(), true));
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, BdusAutoConfiguration.class,
                    BdusMetricsAutoConfiguration.class))
            .withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
            .withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1024 * 1024),
                    (definition) -> definition.setScope("prototype"))
            .withBean(Transport.class, () -> new FakeTransport("kbdus").detachable())
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.defaults.size=1MB",
                    "bdus.defaults.recoverable=true", "bdus.devices.crashed.driver=ram", "bdus.devices.kept.driver=ram")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                assertThat(replacements(registry, "crashed", "crash")).isEqualTo(1);
                assertThat(replacements(registry, "crashed", "restart")).isZero();
                assertThat(replacements(registry, "kept", "restart")).isEqualTo(1);
                assertThat(replacements(registry, "kept", "crash")).isZero();
                assertThat(replacements(registry, "kept", "planned")).isZero();
            });
    }

    private static double replacements(MeterRegistry registry, String device, String reason) {
        return registry.get("bdus.driver.replacements").tags("device", device, "reason", reason).counter().count();
    }

    @Test
    void backsOffWithoutMicrometer() {
        new ApplicationContextRunner()
            .withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class,
                BdusMetricsAutoConfiguration.class))
            .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
            .run((context) -> assertThat(context).hasSingleBean(BdusDeviceRegistry.class)
                .doesNotHaveBean(BdusMetrics.class));
    }

    @Test
    void userMetricsBeanWins() {
        this.runner.withBean("myMetrics", BdusMetrics.class, () -> new BdusMetrics(null) {

            @Override
            public void bindTo(MeterRegistry registry) {
            }

        }).run((context) -> {
            assertThat(context).hasSingleBean(BdusMetrics.class).hasBean("myMetrics");
            assertThat(context.getBean(MeterRegistry.class).find("bdus.requests").timers()).isEmpty();
        });
    }

    static class FailingWrites implements BlockDriver {

        @Override
        public void read(ByteBuffer buffer, long offset) {
            buffer.position(buffer.limit());
        }

        @Override
        public void write(ByteBuffer buffer, long offset) throws IOException {
            throw new BlockDriverException(Errno.ENOSPC, "full");
        }

    }

}
