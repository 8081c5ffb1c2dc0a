package io.bdus.spring.boot.autoconfigure.actuate;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.Completion;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceFailedEvent;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.autoconfigure.BdusAutoConfiguration;
import io.bdus.spring.boot.autoconfigure.BlockingDriver;
import io.bdus.spring.boot.autoconfigure.FakeTransport;
import io.bdus.spring.boot.autoconfigure.StateDirectories;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BdusHealthContributorAutoConfiguration}.
 */
class BdusHealthContributorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class,
                BdusHealthContributorAutoConfiguration.class))
        .withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1024 * 1024))
        .withBean(Transport.class, () -> new FakeTransport("fuse-loop"))
        .withPropertyValues("bdus.devices.disk0.size=1MB");

    @Test
    void oneEntryPerDeviceUpWhileServingOutOfServiceOnceDetached() {
        this.runner.run((context) -> {
            CompositeHealthContributor composite = context.getBean("bdusHealthContributor",
                    CompositeHealthContributor.class);
            HealthContributor contributor = composite.getContributor("disk0");
            assertThat(contributor).isInstanceOf(BdusDeviceHealthIndicator.class);
            Health health = ((HealthIndicator) contributor).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("path", "/dev/fake-disk0")
                .containsEntry("state", "AVAILABLE")
                .containsEntry("driver", "ram");
            context.getBean(BdusDeviceActions.class).detach("disk0", false);
            Health down = ((HealthIndicator) contributor).health();
            assertThat(down.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(down.getDetails()).containsEntry("state", "STOPPED")
                .containsEntry("reason", "detached through the bdus endpoint");
        });
    }

    @Test
    void upShowsHowLongTheOldestRequestHasBeenInTheDriver() {
        this.runner.run((context) -> {
            Health health = indicator(context).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("oldestRequestMillis", 0L).containsEntry("activeRequests", 0);
        });
    }

    @Test
    void aRequestStuckLongerThanTheRequestTimeoutMakesTheDeviceDownNamingIt() {
        BlockingDriver driver = new BlockingDriver(1024 * 1024, BlockingDriver.Call.WRITE);
        try {
            this.runner.withBean("stuck", BlockingDriver.class, () -> driver)
                .withPropertyValues("bdus.devices.disk0.driver=stuck", "bdus.devices.disk0.request-timeout=1s",
                        "spring.lifecycle.timeout-per-shutdown-phase=2s")
                .run((context) -> {
                    FakeTransport.FakeDevice device = context.getBean(FakeTransport.class).device("disk0");
                    CompletableFuture.runAsync(() -> {
                        try {
                            device.write(4096, new byte[512]);
                        }
                        catch (java.io.IOException ex) {
                            // The request stays stuck; the client gives up.
                        }
                    });
                    assertThat(driver.awaitHanging()).isTrue();
                    HealthIndicator indicator = indicator(context);
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (indicator.health().getStatus() == Status.UP && System.currentTimeMillis() < deadline) {
                        Thread.sleep(50);
                    }
                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("state", "AVAILABLE");
                    assertThat((String) health.getDetails().get("reason"))
                        .startsWith("a request is stuck in the driver for longer than 1 s: write of 512 bytes at "
                                + "offset 4096, in the driver for ");
                    assertThat((Long) health.getDetails().get("oldestRequestMillis")).isGreaterThan(1000L);
                });
        }
        finally {
            driver.release();
        }
    }

    @Test
    void anAsynchronousRequestNeverCompletedMakesTheDeviceDownNamingIt() {
        List<Completion> held = new CopyOnWriteArrayList<>();
        AsyncBlockDriver driver = new AsyncBlockDriver() {

            @Override
            public void read(ByteBuffer buffer, long offset, Completion completion) {
                buffer.position(buffer.limit());
                completion.complete();
            }

            @Override
            public void write(ByteBuffer buffer, long offset, Completion completion) {
                // started, never completed: no thread is held, the request stays in flight
                held.add(completion);
            }

        };
        try {
            this.runner.withBean("neverDone", AsyncBlockDriver.class, () -> driver)
                .withPropertyValues("bdus.devices.disk0.driver=neverDone", "bdus.devices.disk0.request-timeout=1s",
                        "spring.lifecycle.timeout-per-shutdown-phase=2s")
                .run((context) -> {
                    FakeTransport.FakeDevice device = context.getBean(FakeTransport.class).device("disk0");
                    CompletableFuture.runAsync(() -> {
                        try {
                            device.write(8192, new byte[1024]);
                        }
                        catch (java.io.IOException ex) {
                            // The request stays in flight; the client gives up.
                        }
                    });
                    HealthIndicator indicator = indicator(context);
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (indicator.health().getStatus() == Status.UP && System.currentTimeMillis() < deadline) {
                        Thread.sleep(50);
                    }
                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat((String) health.getDetails().get("reason"))
                        .startsWith("a request is stuck in the driver for longer than 1 s: write of 1024 bytes at "
                                + "offset 8192, in the driver for ");
                    assertThat(health.getDetails()).containsEntry("activeRequests", 1);
                    // the serving thread is free: other requests are answered meanwhile
                    assertThat(device.read(0, 512)).hasSize(512);
                });
        }
        finally {
            held.forEach(Completion::complete);
        }
    }

    private static HealthIndicator indicator(org.springframework.context.ApplicationContext context) {
        return (HealthIndicator) context.getBean("bdusHealthContributor", CompositeHealthContributor.class)
            .getContributor("disk0");
    }

    @Test
    void failedDeviceIsDownWithTheCause() {
        List<BdusDeviceFailedEvent> events = new CopyOnWriteArrayList<>();
        this.runner
            .withBean(ApplicationListener.class, () -> (ApplicationListener<BdusDeviceFailedEvent>) events::add)
            .run((context) -> {
                context.getBean(FakeTransport.class).device("disk0").breakChannel();
                HealthIndicator indicator = (HealthIndicator) context
                    .getBean("bdusHealthContributor", CompositeHealthContributor.class)
                    .getContributor("disk0");
                long deadline = System.currentTimeMillis() + 5000;
                // The device turns FAILED before its listeners hear of it: wait for both.
                while ((indicator.health().getStatus() == Status.UP || events.isEmpty())
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                Health health = indicator.health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat(health.getDetails()).containsEntry("state", "FAILED");
                assertThat((String) health.getDetails().get("reason")).startsWith("failed: ")
                    .contains("transport connection lost");
                assertThat(events).singleElement().satisfies((event) -> {
                    assertThat(event.getDeviceName()).isEqualTo("disk0");
                    assertThat(event.getCause()).hasMessageContaining("transport connection lost");
                });
            });
    }

    @Test
    void noContributorWhenDisabled() {
        this.runner.withPropertyValues("management.health.bdus.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean("bdusHealthContributor"));
    }

    @Test
    void noContributorWithoutHealthSupport() {
        this.runner.withClassLoader(new FilteredClassLoader(HealthContributor.class))
            .run((context) -> assertThat(context).hasSingleBean(BdusDeviceRegistry.class)
                .doesNotHaveBean("bdusHealthContributor"));
    }

    @Test
    void userContributorWins() {
        this.runner.withBean("bdusHealthContributor", HealthIndicator.class, () -> () -> Health.up().build())
            .run((context) -> assertThat(context.getBean("bdusHealthContributor"))
                .isNotInstanceOf(CompositeHealthContributor.class));
    }

}
