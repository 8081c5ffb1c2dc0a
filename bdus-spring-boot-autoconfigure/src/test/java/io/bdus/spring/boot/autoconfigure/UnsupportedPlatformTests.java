package io.bdus.spring.boot.autoconfigure;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.UnsupportedPlatformException;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a machine bdus cannot run on, configured devices fail start-up with a report, before
 * anything touches the native bindings; without devices the application starts.
 */
class UnsupportedPlatformTests {

    private final CountingTransport transport = new CountingTransport();

    private final ApplicationContextRunner mac = new ApplicationContextRunner()
        .withPropertyValues(StateDirectories.property(), "os.name=Mac OS X", "os.arch=aarch64")
        .withConfiguration(AutoConfigurations.of(BdusAutoConfiguration.class))
        .withBean("ram", RamDiskDriver.class, () -> new RamDiskDriver(1 << 20))
        .withBean(Transport.class, () -> this.transport);

    @Test
    void configuredDevicesFailBeforeAnyTransportIsAsked() {
        this.mac.withPropertyValues("bdus.devices.disk0.size=1MB").run((context) -> {
            assertThat(context).getFailure()
                .rootCause()
                .isInstanceOf(UnsupportedPlatformException.class)
                .hasMessage("bdus needs 64-bit Linux; this is Mac OS X aarch64");
            assertThat(this.transport.calls).hasValue(0);
            FailureAnalysis analysis = new UnsupportedPlatformFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("bdus needs 64-bit Linux; this is Mac OS X aarch64");
            assertThat(analysis.getAction())
                .isEqualTo("Run the application on 64-bit Linux, or set bdus.enabled=false to start it without "
                        + "block devices.");
        });
    }

    @Test
    void withoutDevicesTheApplicationStartsAnywhere() {
        this.mac.run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void theReportAlsoComesWhenTheFailureIsWrappedInAnExceptionInInitializerError() {
        Throwable failure = new IllegalStateException("Failed to start bean 'bdusDeviceLifecycle'",
                new ExceptionInInitializerError(new UnsupportedPlatformException("Windows 11", "amd64")));
        FailureAnalysis analysis = new UnsupportedPlatformFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).startsWith("bdus needs 64-bit Linux; this is Windows 11 amd64");
        assertThat(analysis.getAction()).contains("bdus.enabled=false");
    }

    /** A transport that counts what it is asked; the real ones load JNA for any of it. */
    static class CountingTransport implements Transport {

        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "fuse-loop";
        }

        @Override
        public Optional<String> unavailableReason() {
            this.calls.incrementAndGet();
            return Optional.empty();
        }

        @Override
        public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) {
            this.calls.incrementAndGet();
            throw new UnsupportedOperationException();
        }

    }

}
