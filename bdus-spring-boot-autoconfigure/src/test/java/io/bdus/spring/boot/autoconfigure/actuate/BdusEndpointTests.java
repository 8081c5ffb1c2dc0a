package io.bdus.spring.boot.autoconfigure.actuate;

import io.bdus.device.DeviceRecords;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.FakeTransport;
import io.bdus.spring.boot.autoconfigure.StateDirectories;
import io.bdus.spring.boot.autoconfigure.actuate.BdusEndpoint.ActionResult;
import io.bdus.spring.boot.autoconfigure.actuate.BdusEndpoint.DeviceDescriptor;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BdusEndpointAutoConfiguration} and {@link BdusEndpoint}.
 */
class BdusEndpointTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class, BdusEndpointAutoConfiguration.class))
        .withUserConfiguration(Drivers.class)
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"))
        .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.driver=ram",
                "management.endpoints.web.exposure.include=bdus");

    @Test
    void endpointIsCreatedWhenExposed() {
        this.runner.run((context) -> assertThat(context).hasSingleBean(BdusEndpoint.class));
    }

    @Test
    void endpointIsNotCreatedWhenNotExposed() {
        this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
            .run((context) -> assertThat(context).doesNotHaveBean(BdusEndpoint.class));
    }

    @Test
    void endpointIsNotCreatedWhenAccessIsNone() {
        this.runner.withPropertyValues("management.endpoint.bdus.access=NONE")
            .run((context) -> assertThat(context).doesNotHaveBean(BdusEndpoint.class));
    }

    @Test
    void endpointIsNotCreatedWithoutActuator() {
        this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
            .run((context) -> assertThat(context).hasSingleBean(BdusDeviceRegistry.class)
                .doesNotHaveBean(BdusEndpoint.class));
    }

    @Test
    void endpointIsNotCreatedWhenBdusIsDisabled() {
        this.runner.withPropertyValues("bdus.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(BdusEndpoint.class));
    }

    @Test
    void userEndpointWins() {
        this.runner.withBean("myEndpoint", BdusEndpoint.class, () -> new BdusEndpoint(null, null))
            .run((context) -> assertThat(context).hasSingleBean(BdusEndpoint.class).hasBean("myEndpoint"));
    }

    @Test
    void describesEveryDeviceWithStatistics() {
        this.runner.run((context) -> {
            FakeTransport transport = context.getBean(FakeTransport.class);
            transport.device("disk0").write(4096, new byte[8192]);
            transport.device("disk0").read(0, 512);
            BdusEndpoint endpoint = context.getBean(BdusEndpoint.class);
            BdusEndpoint.DevicesDescriptor all = endpoint.devices();
            assertThat(all.transport()).isEqualTo("fuse-loop");
            DeviceDescriptor disk = all.devices().get("disk0");
            assertThat(disk.path()).isEqualTo("/dev/fake-disk0");
            assertThat(disk.state()).isEqualTo("AVAILABLE");
            assertThat(disk.size()).isEqualTo(1024 * 1024);
            assertThat(disk.logicalBlockSize()).isEqualTo(512);
            assertThat(disk.physicalBlockSize()).isEqualTo(4096);
            assertThat(disk.capabilities()).contains("read", "write", "flush", "discard", "write_zeroes");
            assertThat(disk.driver().bean()).isEqualTo("ram");
            assertThat(disk.driver().type()).isEqualTo(RamDiskDriver.class.getName());
            assertThat(disk.driver().generation()).isZero();
            assertThat(disk.operations().get("write").count()).isEqualTo(1);
            assertThat(disk.operations().get("write").bytes()).isEqualTo(8192);
            assertThat(disk.operations().get("read").count()).isEqualTo(1);
            assertThat(disk.operations().get("read").bytes()).isEqualTo(512);
            assertThat(disk.operations().get("read").latency().max()).isPositive();
            assertThat(endpoint.device("disk0")).isEqualTo(disk);
            assertThat(endpoint.device("nope")).isNull();
        });
    }

    @Test
    void unknownActionIsABadRequestListingAllowedActions() {
        this.runner.run((context) -> {
            WebEndpointResponse<ActionResult> response = context.getBean(BdusEndpoint.class)
                .perform("disk0", "reboot", null, null);
            assertThat(response.getStatus()).isEqualTo(400);
            assertThat(response.getBody().message())
                .isEqualTo("Unknown action 'reboot'; allowed actions: flush, replace, detach");
        });
    }

    @Test
    void actionsAreWrittenInLowerCase() {
        assertThat(BdusEndpoint.Action.values()).extracting(BdusEndpoint.Action::value)
            .containsExactly("flush", "replace", "detach");
        assertThat(BdusEndpoint.Action.of("detach")).isEqualTo(BdusEndpoint.Action.DETACH);
        assertThat(BdusEndpoint.Action.of("DETACH")).isNull();
        assertThat(BdusEndpoint.Action.of(null)).isNull();
    }

    @Test
    void unknownDeviceIsNotFound() {
        this.runner.run((context) -> assertThat(
                context.getBean(BdusEndpoint.class).perform("nope", "flush", null, null).getStatus())
            .isEqualTo(404));
    }

    @Test
    void flushReplaceAndDetach() {
        this.runner.run((context) -> {
            BdusEndpoint endpoint = context.getBean(BdusEndpoint.class);
            FakeTransport.FakeDevice device = context.getBean(FakeTransport.class).device("disk0");
            byte[] block = new byte[512];
            block[7] = 7;
            device.write(0, block);
            assertThat(endpoint.perform("disk0", "flush", null, null).getStatus()).isEqualTo(200);

            WebEndpointResponse<ActionResult> replaced = endpoint.perform("disk0", "replace", null, null);
            assertThat(replaced.getStatus()).isEqualTo(200);
            assertThat(replaced.getBody().generation()).isEqualTo(1);
            assertThat(replaced.getBody().driver()).isEqualTo("ram");
            assertThat(device.read(0, 512)).isEqualTo(block);

            WebEndpointResponse<ActionResult> other = endpoint.perform("disk0", "replace", "scratch", null);
            assertThat(other.getStatus()).isEqualTo(200);
            assertThat(other.getBody().driver()).isEqualTo("scratch");
            assertThat(other.getBody().generation()).isEqualTo(2);

            WebEndpointResponse<ActionResult> missing = endpoint.perform("disk0", "replace", "nope", null);
            assertThat(missing.getStatus()).isEqualTo(400);
            assertThat(missing.getBody().message()).contains("No BlockDriver bean named 'nope'");

            assertThat(endpoint.perform("disk0", "flush", "scratch", null).getStatus()).isEqualTo(400);

            WebEndpointResponse<ActionResult> detached = endpoint.perform("disk0", "detach", null, null);
            assertThat(detached.getStatus()).isEqualTo(200);
            assertThat(detached.getBody().state()).isEqualTo("STOPPED");
            assertThat(detached.getBody().message()).contains("fuse-loop transport cannot leave a non-recoverable device without a driver")
                .contains("flushed and torn down");
            assertThat(device.isClosed()).isTrue();
            assertThat(endpoint.perform("disk0", "flush", null, null).getStatus()).isEqualTo(409);
        });
    }

    @Test
    void detachLeavesARecoverableDeviceInPlace(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state) {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        ApplicationContextRunner recoverable = new ApplicationContextRunner()
            .withPropertyValues(StateDirectories.property())
            .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class, BdusEndpointAutoConfiguration.class))
            .withUserConfiguration(Drivers.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.driver=ram", "bdus.devices.disk0.recoverable=true",
                    "management.endpoints.web.exposure.include=bdus");
        recoverable.run((context) -> {
                WebEndpointResponse<ActionResult> detached = context.getBean(BdusEndpoint.class)
                    .perform("disk0", "detach", null, null);
                assertThat(detached.getStatus()).isEqualTo(200);
                assertThat(detached.getBody().state()).isEqualTo("DETACHED");
                assertThat(detached.getBody().message())
                    .isEqualTo("Device 'disk0' left in place without a driver (handle id-disk0); "
                            + "the next start of the application attaches to it");
                assertThat(transport.device("disk0").isClosed()).isFalse();
                assertThat(new DeviceRecords(state.resolve("devices")).find("kbdus", "disk0"))
                    .hasValueSatisfying((record) -> assertThat(record.handle()).isEqualTo("id-disk0"));
            });
        recoverable.run((context) -> {
            assertThat(transport.attached()).containsExactly("id-disk0");
            assertThat(context.getBean(BdusDeviceRegistry.class).device("disk0").state().isServing()).isTrue();
        });
        assertThat(transport.created()).containsExactly("disk0");
    }

    @Configuration(proxyBeanMethods = false)
    static class Drivers {

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(1024 * 1024);
        }

        @Bean
        @Scope("prototype")
        RamDiskDriver scratch() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

}
