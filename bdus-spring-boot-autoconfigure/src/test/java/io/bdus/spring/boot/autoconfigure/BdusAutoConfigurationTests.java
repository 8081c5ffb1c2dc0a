package io.bdus.spring.boot.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.device.DeviceState;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.Owner;
import io.bdus.spring.boot.BdusDeviceActions;
import io.bdus.spring.boot.BdusDeviceEvent;
import io.bdus.spring.boot.BdusDeviceFailedEvent;
import io.bdus.spring.boot.BdusDeviceRegistry;
import io.bdus.spring.boot.BdusDeviceReplacedEvent;
import io.bdus.spring.boot.BdusDeviceStartedEvent;
import io.bdus.spring.boot.BdusDeviceStoppedEvent;
import io.bdus.spring.boot.ManagedDevice;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusTransport;
import io.bdus.transport.ublk.UblkTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BdusAutoConfiguration}: conditions, back-off, lifecycle and events.
 */
@ExtendWith(OutputCaptureExtension.class)
class BdusAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property())
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class));

    @Test
    void createsBuiltInTransports() {
        this.runner.withPropertyValues("bdus.state-dir=/tmp/bdus-state").run((context) -> {
            assertThat(context).hasSingleBean(FuseLoopTransport.class)
                .hasSingleBean(KbdusTransport.class)
                .hasSingleBean(UblkTransport.class)
                .hasSingleBean(BdusDeviceRegistry.class)
                .hasSingleBean(BdusDeviceActions.class)
                .hasSingleBean(BdusDeviceLifecycle.class);
            assertThat(context.getBean(FuseLoopTransport.class).stateDirectory())
                .hasToString("/tmp/bdus-state/fuse-loop");
            assertThat(context.getBean(BdusDeviceRegistry.class).devices()).isEmpty();
            assertThat(context.getBean(BdusDeviceRegistry.class).transportName()).isNull();
        });
    }

    @Test
    void fuseOwnerIsRootUnlessConfigured() {
        this.runner.run((context) -> assertThat(context.getBean(FuseLoopTransport.class).owner())
            .isEqualTo(Owner.ROOT));
        this.runner.withPropertyValues("bdus.fuse.owner=65534:100")
            .run((context) -> assertThat(context.getBean(FuseLoopTransport.class).owner())
                .isEqualTo(new Owner(65534, 100)));
    }

    @Test
    void unknownFuseOwnerFailsNamingTheProperty() {
        this.runner.withPropertyValues("bdus.fuse.owner=no-such-user-here").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(InvalidBdusConfigurationException.class)
                .hasMessageContaining("bdus.fuse.owner")
                .hasMessageContaining("no-such-user-here");
        });
    }

    @Test
    void backsOffWhenDisabled() {
        this.runner.withUserConfiguration(FakeFuseLoop.class, OneRamDriver.class)
            .withPropertyValues("bdus.enabled=false", "bdus.devices.disk0.size=1MB")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(BdusDeviceRegistry.class)
                    .doesNotHaveBean(BdusDeviceLifecycle.class)
                    .doesNotHaveBean(BdusProperties.class)
                    .doesNotHaveBean(FuseLoopTransport.class);
            });
    }

    @Test
    void userTransportReplacesFuseLoop() {
        this.runner.withUserConfiguration(FakeFuseLoop.class).run((context) -> {
            assertThat(context).doesNotHaveBean(FuseLoopTransport.class).doesNotHaveBean(KbdusTransport.class);
            assertThat(context.getBeansOfType(Transport.class)).containsOnlyKeys("fakeTransport");
        });
    }

    @Test
    void userRegistryReplacesTheDevices() {
        this.runner.withUserConfiguration(FakeFuseLoop.class, OneRamDriver.class, CustomDevices.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                assertThat(context).hasSingleBean(BdusDeviceRegistry.class)
                    .doesNotHaveBean(BdusDeviceLifecycle.class)
                    .doesNotHaveBean(BdusDeviceActions.class);
                assertThat(context.getBean(BdusDeviceRegistry.class)).isSameAs(context.getBean("customDevices"));
                assertThat(context.getBean(FakeTransport.class).created()).isEmpty();
            });
    }

    @Test
    void userActionsWin() {
        BdusDeviceActions mine = new RefusingActions();
        this.runner.withUserConfiguration(FakeFuseLoop.class, OneRamDriver.class)
            .withBean("myActions", BdusDeviceActions.class, () -> mine)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                assertThat(context).hasSingleBean(BdusDeviceActions.class).hasSingleBean(BdusDeviceLifecycle.class);
                assertThat(context.getBean(BdusDeviceActions.class)).isSameAs(mine);
            });
    }

    @Test
    void startsDeviceServedByDriverBeanAndStopsItOnClose() throws Exception {
        FakeTransport transport = new FakeTransport("fuse-loop");
        List<BdusDeviceEvent> events = new CopyOnWriteArrayList<>();
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withBean(ApplicationListener.class, () -> (ApplicationListener<BdusDeviceEvent>) events::add)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                BdusDeviceLifecycle lifecycle = context.getBean(BdusDeviceLifecycle.class);
                assertThat(lifecycle.isRunning()).isTrue();
                assertThat(lifecycle.getPhase()).isEqualTo(Integer.MAX_VALUE - 4096);
                ManagedDevice device = context.getBean(BdusDeviceRegistry.class).device("disk0");
                assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
                assertThat(device.path()).isEqualTo("/dev/fake-disk0");
                assertThat(device.driverBean()).isEqualTo("ram");
                assertThat(device.driverType()).isEqualTo(RamDiskDriver.class);
                assertThat(driverOf(device)).isSameAs(context.getBean("ram"));
                assertThat(device.spec().size()).isEqualTo(1024 * 1024);
                byte[] data = "hello, block device".getBytes(StandardCharsets.US_ASCII);
                byte[] block = new byte[4096];
                System.arraycopy(data, 0, block, 0, data.length);
                assertThat(transport.device("disk0").write(8192, block)).isZero();
                assertThat(transport.device("disk0").read(8192, 4096)).isEqualTo(block);
                assertThat(device.stats().totalCount()).isEqualTo(2);
                assertThat(events).singleElement().isInstanceOf(BdusDeviceStartedEvent.class);
            });
        assertThat(transport.device("disk0").isClosed()).isTrue();
        assertThat(events).hasSize(2).last().isInstanceOf(BdusDeviceStoppedEvent.class);
    }

    @Test
    void startsDevicesInParallelAndLogsOneLineEach(CapturedOutput output) {
        FakeTransport transport = new FakeTransport("fuse-loop");
        this.runner.withUserConfiguration(TwoDrivers.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.first.size=1MB", "bdus.devices.second.size=2MB",
                    "bdus.devices.second.logical-block-size=4KB")
            .run((context) -> {
                BdusDeviceRegistry devices = context.getBean(BdusDeviceRegistry.class);
                assertThat(devices.devices()).containsOnlyKeys("first", "second");
                assertThat(devices.devices().values()).allMatch((device) -> device.state() == DeviceState.AVAILABLE);
                assertThat(devices.device("second").spec().logicalBlockSize()).isEqualTo(4096);
                assertThat(devices.device("second").spec().physicalBlockSize()).isEqualTo(4096);
                assertThat(output).contains(
                        "bdus device 'first' serving at /dev/fake-first (1 MiB, transport fuse-loop, driver bean 'first')",
                        "bdus device 'second' serving at /dev/fake-second (2 MiB, transport fuse-loop, driver bean 'second')");
            });
    }

    @Test
    void keepOnShutdownIsNotPossibleWithFuseLoop(CapturedOutput output) {
        FakeTransport transport = new FakeTransport("fuse-loop");
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.keep-on-shutdown=true")
            .run((context) -> assertThat(context.getBean(BdusDeviceLifecycle.class).isRunning()).isTrue());
        assertThat(transport.device("disk0").isClosed()).isTrue();
        assertThat(output).contains("bdus device 'disk0': the fuse-loop transport cannot keep this device across restarts");
    }

    @Test
    void keptDeviceIsLeftInPlaceAndAttachedByTheNextRun(@TempDir Path state) {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        ApplicationContextRunner kept = this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.recoverable=true", "bdus.devices.disk0.keep-on-shutdown=true");
        kept.run((context) -> assertThat(transport.device("disk0").canDetach()).isTrue());
        assertThat(transport.device("disk0").isDetached()).isTrue();
        assertThat(transport.device("disk0").isClosed()).isFalse();
        DeviceRecords records = new DeviceRecords(state.resolve("devices"));
        assertThat(records.find("kbdus", "disk0")).hasValueSatisfying((record) -> {
            assertThat(record.kept()).isTrue();
            assertThat(record.handle()).isEqualTo("id-disk0");
            assertThat(record.pid()).isZero();
        });
        List<BdusDeviceEvent> events = new CopyOnWriteArrayList<>();
        kept.withBean(ApplicationListener.class, () -> (ApplicationListener<BdusDeviceEvent>) events::add)
            .run((context) -> {
                ManagedDevice device = context.getBean(BdusDeviceRegistry.class).device("disk0");
                assertThat(events).hasSize(2).first().isInstanceOf(BdusDeviceStartedEvent.class);
                assertThat(events.get(1)).isInstanceOfSatisfying(BdusDeviceReplacedEvent.class, (replaced) -> {
                    assertThat(replaced.getReason()).isEqualTo(BdusDeviceReplacedEvent.RESTART);
                    assertThat(replaced.getGeneration()).isEqualTo(1);
                    assertThat(replaced.getDriverBean()).isEqualTo("ram");
                });
                assertThat(transport.attached()).containsExactly("id-disk0");
                assertThat(device.state()).isEqualTo(DeviceState.AVAILABLE);
                assertThat(device.generation()).isEqualTo(1);
                assertThat(records.find("kbdus", "disk0")).hasValueSatisfying((record) -> {
                    assertThat(record.kept()).isFalse();
                    assertThat(record.pid()).isEqualTo(ProcessHandle.current().pid());
                });
            });
        assertThat(transport.created()).containsExactly("disk0");
    }

    @Test
    void aKeptDeviceThatNoLongerMatchesFailsStartUpAndStaysRecorded(@TempDir Path state) throws Exception {
        FakeTransport transport = new FakeTransport("kbdus").detachable().withMismatchedDevices();
        DeviceRecords records = new DeviceRecords(state.resolve("devices"));
        records.save(new DeviceRecord("disk0", "kbdus", "/dev/bdus-7", "id-disk0", 4096, 0, Instant.now(), true));
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.recoverable=true")
            .run((context) -> {
                assertThat(context).hasFailed();
                Throwable failure = context.getStartupFailure();
                KeptDeviceAttachException kept = findCause(failure, KeptDeviceAttachException.class);
                assertThat(kept).hasMessageContaining("bdus device 'disk0' cannot take over kbdus device id-disk0")
                    .hasMessageContaining("/dev/bdus-7")
                    .hasMessageContaining("has size 4096, but 'disk0' is configured with 1048576");
                FailureAnalysis analysis = new KeptDeviceAttachFailureAnalyzer().analyze(failure);
                assertThat(analysis.getAction()).contains("bdus destroy /dev/bdus-7")
                    .contains("bdus.devices.disk0")
                    .contains(records.file("kbdus", "disk0").toString());
            });
        assertThat(transport.created()).isEmpty();
        assertThat(records.find("kbdus", "disk0")).hasValueSatisfying((record) -> assertThat(record.kept()).isTrue());
    }

    @Test
    void aKeptDeviceThatIsGoneIsReplacedByANewOne(@TempDir Path state) throws Exception {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        DeviceRecords records = new DeviceRecords(state.resolve("devices"));
        records.save(new DeviceRecord("disk0", "kbdus", "/dev/bdus-7", "id-7", 4096, 0, Instant.now(), true));
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.recoverable=true")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(transport.created()).containsExactly("disk0");
                assertThat(records.find("kbdus", "disk0")).hasValueSatisfying((record) -> {
                    assertThat(record.kept()).isFalse();
                    assertThat(record.path()).isEqualTo("/dev/fake-disk0");
                });
            });
        assertThat(records.find("kbdus", "disk0")).isEmpty();
    }

    @Test
    void aRecoverableDeviceLeftByAProcessThatDiedIsTakenOver(@TempDir Path state) throws Exception {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        DeviceRecords records = new DeviceRecords(state.resolve("devices"));
        List<BdusDeviceReplacedEvent> replacements = new CopyOnWriteArrayList<>();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        records.save(new DeviceRecord("disk0", "kbdus", "/dev/bdus-7", "id-disk0", 1 << 20, dead.pid(),
                Instant.now(), false));
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.state-dir=" + state, "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.recoverable=true")
            .withBean(ApplicationListener.class,
                    () -> (ApplicationListener<BdusDeviceReplacedEvent>) replacements::add)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(transport.attached()).containsExactly("id-disk0");
                assertThat(transport.created()).isEmpty();
                assertThat(replacements).singleElement()
                    .satisfies((replaced) -> assertThat(replaced.getReason()).isEqualTo(BdusDeviceReplacedEvent.CRASH));
            });
    }

    static BlockDriver driverOf(ManagedDevice device) {
        return ((DeviceHandle) device).driver();
    }

    static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure);
    }

    @Test
    void notRecoverableDeviceIsTornDownDespiteKeepOnShutdown(CapturedOutput output) {
        FakeTransport transport = new FakeTransport("kbdus").detachable();
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withPropertyValues("bdus.transport=kbdus", "bdus.devices.disk0.size=1MB",
                    "bdus.devices.disk0.keep-on-shutdown=true")
            .run((context) -> assertThat(context.getBean(BdusDeviceLifecycle.class).isRunning()).isTrue());
        assertThat(transport.device("disk0").isClosed()).isTrue();
        assertThat(output).contains("the kbdus transport cannot keep this device across restarts (it is not recoverable)");
    }

    @Test
    void failedStartStopsTheOtherDevicesAndPublishesFailedEvent() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        List<BdusDeviceEvent> events = new CopyOnWriteArrayList<>();
        this.runner.withUserConfiguration(TwoDrivers.class)
            .withBean(Transport.class, () -> transport)
            .withBean(ApplicationListener.class, () -> (ApplicationListener<BdusDeviceEvent>) events::add)
            .withBean("broken", BlockDriver.class, () -> new FailingInitializeDriver(() -> transport.device("first")))
            .withPropertyValues("bdus.devices.first.size=1MB", "bdus.devices.bad.size=1MB",
                    "bdus.devices.bad.driver=broken")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("cannot open backing store");
                assertThat(transport.device("first").isClosed()).isTrue();
                assertThat(events).anySatisfy((event) -> {
                    assertThat(event).isInstanceOf(BdusDeviceFailedEvent.class);
                    assertThat(event.getDeviceName()).isEqualTo("bad");
                });
            });
    }

    @Test
    void devicesAreTornDownWhenALaterBeanFailsToStart() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        this.runner.withUserConfiguration(OneRamDriver.class)
            .withBean(Transport.class, () -> transport)
            .withBean(FailingLifecycle.class, FailingLifecycle::new)
            .withPropertyValues("bdus.devices.disk0.size=1MB")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(transport.device("disk0").isClosed()).isTrue();
            });
    }

    @Test
    void stopUsesLifecycleTimeout() {
        this.runner.withUserConfiguration(FakeFuseLoop.class, OneRamDriver.class)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "spring.lifecycle.timeout-per-shutdown-phase=5s")
            .run((context) -> {
                BdusDeviceLifecycle lifecycle = context.getBean(BdusDeviceLifecycle.class);
                java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
                lifecycle.stop(stopped::countDown);
                assertThat(stopped.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(context.getBean(BdusDeviceRegistry.class).device("disk0").state())
                    .isEqualTo(DeviceState.STOPPED);
                assertThat(lifecycle.isRunning()).isFalse();
            });
    }

    @Test
    void replaceWithSingletonKeepsDataAndPrototypeGivesFreshInstance() {
        FakeTransport transport = new FakeTransport("fuse-loop");
        List<BdusDeviceEvent> events = new CopyOnWriteArrayList<>();
        this.runner.withUserConfiguration(OneRamDriver.class, PrototypeDriver.class)
            .withBean(Transport.class, () -> transport)
            .withBean(ApplicationListener.class, () -> (ApplicationListener<BdusDeviceEvent>) events::add)
            .withPropertyValues("bdus.devices.disk0.size=1MB", "bdus.devices.disk0.driver=ram")
            .run((context) -> {
                BdusDeviceActions actions = context.getBean(BdusDeviceActions.class);
                ManagedDevice device = context.getBean(BdusDeviceRegistry.class).device("disk0");
                FakeTransport.FakeDevice fake = transport.device("disk0");
                byte[] block = new byte[512];
                block[0] = 42;
                fake.write(0, block);
                BlockDriver before = driverOf(device);
                assertThat(actions.replace("disk0", null)).isSameAs(device);
                assertThat(driverOf(device)).isSameAs(before);
                assertThat(device.generation()).isEqualTo(1);
                assertThat(fake.read(0, 512)).isEqualTo(block);
                actions.replace("disk0", "scratch");
                BlockDriver scratch = driverOf(device);
                assertThat(scratch).isNotSameAs(before).isInstanceOf(RamDiskDriver.class);
                assertThat(device.driverBean()).isEqualTo("scratch");
                actions.replace("disk0", null);
                assertThat(driverOf(device)).isNotSameAs(scratch);
                assertThat(device.generation()).isEqualTo(3);
                assertThat(events).filteredOn(BdusDeviceReplacedEvent.class::isInstance)
                    .extracting((event) -> ((BdusDeviceReplacedEvent) event).getGeneration())
                    .containsExactly(1, 2, 3);
            });
    }

    @Configuration(proxyBeanMethods = false)
    static class FakeFuseLoop {

        @Bean
        FakeTransport fakeTransport() {
            return new FakeTransport("fuse-loop");
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class OneRamDriver {

        @Bean
        RamDiskDriver ram() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDrivers {

        @Bean
        RamDiskDriver first() {
            return new RamDiskDriver(1024 * 1024);
        }

        @Bean
        RamDiskDriver second() {
            return new RamDiskDriver(2 * 1024 * 1024);
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class PrototypeDriver {

        @Bean
        @Scope("prototype")
        RamDiskDriver scratch() {
            return new RamDiskDriver(1024 * 1024);
        }

    }

    @Configuration(proxyBeanMethods = false)
    static class CustomDevices {

        @Bean
        BdusDeviceRegistry customDevices() {
            return new DefaultBdusDeviceRegistry(java.util.Map.of(), null);
        }

    }

    /** Actions an application might put in place of the built-in ones (e.g. to audit them). */
    static class RefusingActions implements BdusDeviceActions {

        @Override
        public void flush(String name) {
            throw new IllegalStateException("refused");
        }

        @Override
        public ManagedDevice replace(String name, String driverBean) {
            throw new IllegalStateException("refused");
        }

        @Override
        public String detach(String name, boolean force) {
            throw new IllegalStateException("refused");
        }

        @Override
        public String destroy(String name, boolean flush, boolean force) {
            throw new IllegalStateException("refused");
        }

    }

    /** Starts after the devices (higher phase) and fails. */
    static class FailingLifecycle implements org.springframework.context.SmartLifecycle {

        @Override
        public void start() {
            throw new IllegalStateException("port in use");
        }

        @Override
        public void stop() {
        }

        @Override
        public boolean isRunning() {
            return false;
        }

        @Override
        public int getPhase() {
            return Integer.MAX_VALUE - 2048;
        }

    }

    /** Fails to initialize, once another device has appeared (if given one to wait for). */
    static class FailingInitializeDriver implements BlockDriver {

        private final java.util.function.Supplier<FakeTransport.FakeDevice> after;

        FailingInitializeDriver() {
            this(null);
        }

        FailingInitializeDriver(java.util.function.Supplier<FakeTransport.FakeDevice> after) {
            this.after = after;
        }

        @Override
        public void read(java.nio.ByteBuffer buffer, long offset) {
        }

        @Override
        public void initialize(io.bdus.driver.DeviceInfo device) throws java.io.IOException {
            FakeTransport.FakeDevice other = (this.after != null) ? this.after.get() : null;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (this.after != null && (other == null || other.path() == null) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
                other = this.after.get();
            }
            throw new java.io.IOException("cannot open backing store");
        }

    }

}
