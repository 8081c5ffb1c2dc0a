package io.bdus.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.device.DeviceState;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.ManagedDevice;
import io.bdus.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BdusDeviceLifecycle}: bounded start-up and shutdown, teardown after a
 * failed start, pausing, the order of destruction against driver beans, and the one
 * start-up line per device.
 */
@ExtendWith(OutputCaptureExtension.class)
class BdusDeviceLifecycleTests {

    private final List<BlockingDriver> hung = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class));

    @AfterEach
    void releaseHungDrivers() {
        this.hung.forEach(BlockingDriver::release);
    }

    private BlockingDriver hanging(BlockingDriver.Call call) {
        BlockingDriver driver = new BlockingDriver(1 << 20, call);
        this.hung.add(driver);
        return driver;
    }

    @Test
    void devicesAreNotPausedWithTheContext() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        this.runner.withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                assertThat(context.getBean(BdusDeviceLifecycle.class).isPauseable()).isFalse();
                ManagedDevice device = context.getBean(BdusDeviceRegistry.class).device("disk0");
                context.pause();
                assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
                assertThat(transport.device("disk0").isClosed()).isFalse();
                context.restart();
                assertThat(transport.created()).containsExactly("disk0");
                assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
            });
    }

    @Test
    void aStartThatRunsOutOfTimeTearsDownTheOtherDevicesAndNamesDeviceStageAndProperty() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        this.runner.withBean("fast", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
            .withBean("slow", BlockingDriver.class, () -> hanging(BlockingDriver.Call.INITIALIZE))
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.start-timeout=2", "bdus.devices.fast.size=1MB", "bdus.devices.slow.size=1MB")
            .run((context) -> {
                assertThat(context).hasFailed();
                BdusDeviceStartException failure = BdusAutoConfigurationTests.findCause(context.getStartupFailure(),
                        BdusDeviceStartException.class);
                assertThat(failure.device()).isEqualTo("slow");
                assertThat(failure.timedOut()).isTrue();
                assertThat(failure.stage()).isEqualTo("initializing the driver");
                FailureAnalysis analysis = new BdusDeviceStartFailureAnalyzer().analyze(context.getStartupFailure());
                assertThat(analysis.getDescription()).contains("Device: slow")
                    .contains("Stage: initializing the driver")
                    .contains("bdus.start-timeout");
                assertThat(analysis.getAction()).contains("raise 'bdus.start-timeout' (now 2s)");
                assertThat(transport.device("fast")).isNotNull();
                assertThat(transport.device("fast").isClosed()).isTrue();
                assertThat(transport.created()).containsExactly("fast");
            });
    }

    @Test
    void aDeviceStillStartingWhenAnotherFailsIsNotLeftBehind() throws Exception {
        FakeTransport transport = new FakeTransport("fuse-loop");
        BlockingDriver slow = hanging(BlockingDriver.Call.INITIALIZE);
        this.runner.withBean("slow", BlockingDriver.class, () -> slow)
            .withBean("broken", BdusAutoConfigurationTests.FailingInitializeDriver.class,
                    () -> new BdusAutoConfigurationTests.FailingInitializeDriver())
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.slow.size=1MB", "bdus.devices.bad.size=1MB",
                    "bdus.devices.bad.driver=broken")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(slow.awaitHanging()).isTrue();
            });
        // The slow driver finishes initializing after start-up gave up: no device may appear.
        slow.release();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (transport.created().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(transport.created()).isEmpty();
    }

    @Test
    void shutdownTakesOnePhaseTimeoutEvenWhenTheDriverNeverFlushes() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        BlockingDriver driver = hanging(BlockingDriver.Call.FLUSH);
        this.runner.withBean("stuck", BlockingDriver.class, () -> driver)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.stuck.size=1MB", "spring.lifecycle.timeout-per-shutdown-phase=1s")
            .run((context) -> {
                long started = System.nanoTime();
                context.close();
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertThat(driver.awaitHanging()).isTrue();
                // Generous: the old code took the 30 s flush timeout, and the stop twice.
                assertThat(took).isLessThan(Duration.ofSeconds(10));
                assertThat(transport.device("stuck").isClosed()).isTrue();
            });
    }

    @Test
    void driverBeansAreDependenciesOfTheLifecycle() {
        this.runner.withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
            .withBean(Transport.class, () -> new FakeTransport("fuse-loop"))
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> assertThat(context.getBeanFactory().getDependentBeans("ram"))
                .contains(BdusAutoConfiguration.LIFECYCLE_BEAN));
    }

    @Test
    void aDriverBeanThatHasALifecycleIsStartedBeforeItsDeviceAndDestroyedAfterIt() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        List<String> calls = new CopyOnWriteArrayList<>();
        // Its phase (the default, last) would start it after the devices, were it not their dependency.
        this.runner.withBean("ram", ConnectingDriver.class, () -> new ConnectingDriver(calls))
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> assertThat(calls).containsExactly("connect", "initialize"));
        assertThat(transport.device("disk0").isClosed()).isTrue();
        assertThat(calls).startsWith("connect", "initialize").contains("terminate").endsWith("destroy");
    }

    @Test
    void logsOneStartUpLinePerDeviceAlsoWhenTakingOneOver(@TempDir Path state, CapturedOutput output)
            throws Exception {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        new DeviceRecords(state.resolve("devices"))
            .save(new DeviceRecord("solo", "kbdus", "/dev/bdus-7", "id-solo", 1 << 20, 0, Instant.now(), true));
        this.runner.withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.solo.size=1MB",
                    "bdus.devices.solo.recoverable=true")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                List<String> lines = output.toString()
                    .lines()
                    .filter((line) -> line.contains(" INFO ") && line.contains("'solo'"))
                    .toList();
                assertThat(lines).singleElement()
                    .asString()
                    .contains("bdus device 'solo' serving at /dev/fake-solo (1 MiB, transport kbdus, "
                            + "driver bean 'ram'), taken over from a previous run that left it in place");
            });
    }

    /**
     * A driver with a lifecycle of its own (say, a connection to remote storage): it must be
     * connected before it is initialized, and terminated before its bean goes away.
     */
    static class ConnectingDriver extends RamDiskDriver implements SmartLifecycle, DisposableBean {

        private final List<String> calls;

        private volatile boolean running;

        ConnectingDriver(List<String> calls) {
            super(1 << 20);
            this.calls = calls;
        }

        @Override
        public void start() {
            this.calls.add("connect");
            this.running = true;
        }

        @Override
        public void stop() {
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public void initialize(io.bdus.driver.DeviceInfo device) {
            this.calls.add("initialize");
        }

        @Override
        public void terminate() {
            this.calls.add("terminate");
        }

        @Override
        public void destroy() {
            this.calls.add("destroy");
        }

    }

}
