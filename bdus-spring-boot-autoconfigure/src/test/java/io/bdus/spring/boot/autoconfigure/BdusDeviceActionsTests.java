package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.bdus.device.DeviceState;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link DefaultBdusDeviceActions}: each action returns within its timeout even
 * while the driver never returns, and reports what went wrong with the exception its
 * contract names.
 */
class BdusDeviceActionsTests {

    private final List<BlockingDriver> hung = new CopyOnWriteArrayList<>();

    private final FakeTransport transport = new FakeTransport("fuse-loop");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withBean(Transport.class, () -> this.transport)
        .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.request-timeout=1s",
                "bdus.replace-timeout=1s", "spring.lifecycle.timeout-per-shutdown-phase=2s");

    @AfterEach
    void releaseHungDrivers() {
        this.hung.forEach(BlockingDriver::release);
    }

    private ApplicationContextRunner servedBy(BlockingDriver.Call... hanging) {
        BlockingDriver driver = new BlockingDriver(1 << 20, hanging);
        this.hung.add(driver);
        return this.runner.withBean("disk0", BlockingDriver.class, () -> driver);
    }

    @Test
    void flushOfAHungDriverFailsWithinTheRequestTimeout() {
        servedBy(BlockingDriver.Call.FLUSH).run((context) -> {
            BdusDeviceActions actions = context.getBean(BdusDeviceActions.class);
            assertThatExceptionOfType(IOException.class).isThrownBy(() -> actions.flush("disk0"))
                .withMessageContaining("The flush of device 'disk0' did not return within");
            assertThat(device(context.getBean(BdusDeviceRegistry.class)).state()).isEqualTo(DeviceState.AVAILABLE);
        });
    }

    @Test
    void replaceWhoseOldDriverNeverFlushesFailsWithinTheReplaceTimeoutAndTheOldDriverKeepsServing() {
        servedBy(BlockingDriver.Call.FLUSH).run((context) -> {
            BdusDeviceActions actions = context.getBean(BdusDeviceActions.class);
            assertThatExceptionOfType(IOException.class).isThrownBy(() -> actions.replace("disk0", null));
            ManagedDevice device = device(context.getBean(BdusDeviceRegistry.class));
            assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
            assertThat(device.generation()).isZero();
            assertThat(this.transport.device("disk0").read(0, 512)).hasSize(512);
        });
    }

    @Test
    void detachOfADeviceWhoseDriverNeverFlushesTearsItDownWithinTheShutdownTimeout() {
        servedBy(BlockingDriver.Call.FLUSH).run((context) -> {
            String outcome = context.getBean(BdusDeviceActions.class).detach("disk0", false);
            assertThat(outcome).contains("flushed and torn down");
            assertThat(this.transport.device("disk0").isClosed()).isTrue();
            ManagedDevice device = device(context.getBean(BdusDeviceRegistry.class));
            assertThat(device.state()).isEqualTo(DeviceState.STOPPED);
            assertThat(device.isDetachedByOperator()).isTrue();
        });
    }

    @Test
    void anActionWaitsForAnotherOnTheSameDeviceOnlyUntilItsOwnTimeout() {
        servedBy(BlockingDriver.Call.FLUSH).withPropertyValues("bdus.replace-timeout=10s").run((context) -> {
            BdusDeviceActions actions = context.getBean(BdusDeviceActions.class);
            CompletableFuture<Void> replacing = CompletableFuture.runAsync(() -> {
                try {
                    actions.replace("disk0", null);
                }
                catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            BlockingDriver driver = context.getBean(BlockingDriver.class);
            assertThat(driver.awaitHanging()).isTrue();
            assertThatIllegalStateException().isThrownBy(() -> actions.detach("disk0", false))
                .withMessage("Cannot detach device 'disk0': another action on it is still running");
            driver.release();
            replacing.get(60, TimeUnit.SECONDS);
            assertThat(device(context.getBean(BdusDeviceRegistry.class)).generation()).isEqualTo(1);
        });
    }

    @Test
    void unknownDeviceIsABadRequest() {
        servedBy().run((context) -> assertThatIllegalArgumentException()
            .isThrownBy(() -> context.getBean(BdusDeviceActions.class).flush("nope"))
            .withMessage("No device named 'nope'; devices: disk0"));
    }

    @Test
    void aDeviceThatDoesNotServeRefusesActions() {
        servedBy().run((context) -> {
            BdusDeviceActions actions = context.getBean(BdusDeviceActions.class);
            actions.detach("disk0", false);
            assertThatIllegalStateException().isThrownBy(() -> actions.flush("disk0"))
                .withMessage("Device 'disk0' is not serving (state STOPPED)");
            assertThatIllegalStateException().isThrownBy(() -> actions.replace("disk0", null));
            assertThatIllegalStateException().isThrownBy(() -> actions.detach("disk0", true));
        });
    }

    private static ManagedDevice device(BdusDeviceRegistry registry) {
        return registry.device("disk0");
    }

}
