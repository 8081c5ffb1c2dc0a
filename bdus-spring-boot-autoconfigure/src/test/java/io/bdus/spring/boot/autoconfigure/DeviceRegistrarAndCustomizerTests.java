package io.bdus.spring.boot.autoconfigure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceState;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceCustomizer;
import io.bdus.spring.boot.BdusDeviceRegistrar;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BdusDeviceRegistrar} beans add devices in code, {@link BdusDeviceCustomizer} beans
 * adjust every device; both run in order.
 */
class DeviceRegistrarAndCustomizerTests {

    private final FakeTransport transport = new FakeTransport("fuse-loop");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withUserConfiguration(Drivers.class)
        .withBean(Transport.class, () -> this.transport);

    @Test
    void aRegistrarAddsDevicesAfterThoseOfTheProperties() {
        this.runner.withPropertyValues("bdus.devices.ram.size=1MB")
            .withBean(BdusDeviceRegistrar.class, () -> (devices) -> {
                devices.add(DeviceSpec.builder("scratch0", 1 << 20).build(), "scratch");
                devices.add(DeviceSpec.builder("scratch1", 2 << 20).build(), "scratch");
            })
            .run((context) -> {
                BdusDeviceRegistry registry = context.getBean(BdusDeviceRegistry.class);
                assertThat(registry.names()).containsExactly("ram", "scratch0", "scratch1");
                ManagedDevice scratch = registry.device("scratch1");
                assertThat(scratch.state()).isEqualTo(DeviceState.AVAILABLE);
                assertThat(scratch.driverBean()).isEqualTo("scratch");
                assertThat(scratch.spec().size()).isEqualTo(2 << 20);
                assertThat(this.transport.created()).containsExactlyInAnyOrder("ram", "scratch0", "scratch1");
            });
    }

    @Test
    void defaultsDoNotApplyToTheSpecOfARegisteredDevice() {
        this.runner.withPropertyValues("bdus.defaults.max-concurrent-requests=8")
            .withBean(BdusDeviceRegistrar.class,
                    () -> (devices) -> devices.add(DeviceSpec.builder("scratch0", 1 << 20).build(), "scratch"))
            .run((context) -> assertThat(spec(context, "scratch0").maxConcurrentRequests()).isEqualTo(4));
    }

    @Test
    void customizersAdjustEveryDeviceInOrderAfterPropertiesAndDefaults() {
        List<String> order = new CopyOnWriteArrayList<>();
        this.runner
            .withPropertyValues("bdus.defaults.max-concurrent-requests=8", "bdus.devices.ram.size=1MB")
            .withBean(BdusDeviceRegistrar.class,
                    () -> (devices) -> devices.add(DeviceSpec.builder("scratch0", 1 << 20).build(), "scratch"))
            .withBean("second", BdusDeviceCustomizer.class, () -> new Second(order))
            .withBean("first", BdusDeviceCustomizer.class, () -> new First(order))
            .run((context) -> {
                assertThat(order).containsExactly("first ram (8)", "second ram (16)", "first scratch0 (4)",
                        "second scratch0 (16)");
                assertThat(spec(context, "ram").maxConcurrentRequests()).isEqualTo(32);
                assertThat(spec(context, "scratch0").maxConcurrentRequests()).isEqualTo(32);
            });
    }

    @Test
    void aCustomizerCanChooseTheDriverBeanAndKeepOnShutdown() {
        this.runner.withPropertyValues("bdus.devices.disk.size=1MB", "bdus.devices.disk.driver=ram")
            .withBean(BdusDeviceCustomizer.class, () -> (device) -> {
                device.driverBean("scratch");
                device.keepOnShutdown(true);
            })
            .run((context) -> {
                ManagedDevice disk = context.getBean(BdusDeviceRegistry.class).device("disk");
                assertThat(disk.driverBean()).isEqualTo("scratch");
                assertThat(disk.keepOnShutdown()).isTrue();
            });
    }

    @Test
    void aRegistrarCannotTakeTheNameOfAnotherDevice() {
        this.runner.withPropertyValues("bdus.devices.ram.size=1MB")
            .withBean(BdusDeviceRegistrar.class,
                    () -> (devices) -> devices.add(DeviceSpec.builder("ram", 1 << 20).build(), "scratch"))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A BdusDeviceRegistrar adds device 'ram', but a device of that name exists already"));
    }

    @Test
    void aRegisteredDeviceNeedsAnExistingDriverBean() {
        this.runner
            .withBean(BdusDeviceRegistrar.class,
                    () -> (devices) -> devices.add(DeviceSpec.builder("extra", 1 << 20).build(), "nope"))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Device 'extra' is to be served by bean 'nope' (set in code), but there is no "
                        + "bean named 'nope'")
                .hasMessageContaining("the name of a BlockDriver bean: ram, scratch"));
    }

    @Test
    void aCustomizerCannotRenameADevice() {
        this.runner.withPropertyValues("bdus.devices.ram.size=1MB")
            .withBean(BdusDeviceCustomizer.class,
                    () -> (device) -> device.spec(DeviceSpec.builder("other", 1 << 20).build()))
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .hasMessage("A customizer cannot rename device 'ram' (to 'other')"));
    }

    private static DeviceSpec spec(org.springframework.context.ApplicationContext context, String device) {
        return context.getBean(BdusDeviceRegistry.class).device(device).spec();
    }

    @Order(1)
    record First(List<String> order) implements BdusDeviceCustomizer {

        @Override
        public void customize(io.bdus.spring.boot.BdusDeviceDefinition device) {
            this.order.add("first " + device.name() + " (" + device.spec().maxConcurrentRequests() + ")");
            device.spec(device.spec().toBuilder().maxConcurrentRequests(16).build());
        }

    }

    @Order(2)
    record Second(List<String> order) implements BdusDeviceCustomizer {

        @Override
        public void customize(io.bdus.spring.boot.BdusDeviceDefinition device) {
            this.order.add("second " + device.name() + " (" + device.spec().maxConcurrentRequests() + ")");
            device.spec(device.spec().toBuilder().maxConcurrentRequests(32).build());
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class Drivers {

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(1 << 20);
        }

        @Bean
        @Scope("prototype")
        RamDiskDriver scratch() {
            return new RamDiskDriver(2 << 20);
        }

    }

}
