package io.bdus.integration;

import static io.bdus.integration.DirectIo.aligned;
import static io.bdus.integration.DirectIo.openDirect;
import static io.bdus.integration.DirectIo.random;
import static io.bdus.integration.DirectIo.readBack;
import static io.bdus.integration.DirectIo.writeFully;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStartException;
import io.bdus.device.DeviceState;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.transport.DeviceGoneException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A recoverable device outlives its driver: detached, it keeps the block device and holds
 * client requests until a new driver attaches (kbdus). Transports that cannot keep a
 * device refuse to detach and keep serving (fuse-loop).
 */
class DetachAndAttachOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 32L << 20;

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void recoverableDeviceKeepsItsDataAndClientsAcrossDriversOrRefusesToDetach(DriverStyle style) throws Exception {
        RamDiskDriver ram = new RamDiskDriver(SIZE);
        DeviceSpec spec = DeviceSpec.builder("keep", SIZE).recoverable(true).build();
        BlockDevice first = HostDevices.start(style, spec, ram);
        byte[] before = random(1, 65536);
        byte[] during = random(2, 8192);
        try (FileChannel channel = openDirect(first.path())) {
            writeFully(channel, aligned(before.length).put(before).flip(), 0);
            if (!first.canDetach()) {
                assertThatIllegalStateException().isThrownBy(() -> first.detach(HostDevices.TIMEOUT))
                    .withMessageContaining("cannot be detached");
                assertThat(first.state()).isEqualTo(DeviceState.AVAILABLE);
                assertThat(readBack(channel, 0, before.length)).isEqualTo(before);
                first.stop(HostDevices.TIMEOUT);
                return;
            }
            String path = first.path();
            String handle = first.detach(HostDevices.TIMEOUT);
            assertThat(first.state()).isEqualTo(DeviceState.DETACHED);
            assertThat(Files.exists(Path.of(path))).as("the block device stays").isTrue();

            // A client writing now waits in the kernel until a driver attaches.
            CompletableFuture<Void> parked = CompletableFuture.runAsync(() -> {
                try {
                    writeFully(channel, aligned(during.length).put(during).flip(), 1 << 20);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            Thread.sleep(500);
            assertThat(parked).isNotDone();

            BlockDevice second = BlockDevice.attach(handle, spec, style.serve(ram), HostDevices.transport(),
                    HostDevices.TIMEOUT);
            try {
                assertThat(second.path()).isEqualTo(path);
                assertThat(second.generation()).isEqualTo(1);
                parked.get(60, TimeUnit.SECONDS);
                assertThat(readBack(channel, 0, before.length)).isEqualTo(before);
                assertThat(readBack(channel, 1 << 20, during.length)).isEqualTo(during);
            }
            finally {
                second.stop(HostDevices.TIMEOUT);
            }
        }
        finally {
            first.stop(HostDevices.TIMEOUT);
        }
    }

    @Test
    void aKeptDeviceIsLeftUntouchedByADriverThatDoesNotMatchIt() throws Exception {
        RamDiskDriver ram = new RamDiskDriver(SIZE);
        DeviceSpec spec = DeviceSpec.builder("match", SIZE).recoverable(true).build();
        BlockDevice first = HostDevices.start(spec, ram);
        boolean keepable = first.canDetach();
        if (!keepable) {
            first.stop(HostDevices.TIMEOUT);
            System.out.println("SKIPPED mismatch case on " + first.transportName()
                    + ": it cannot keep a device (the kbdus VM suite runs it)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(keepable, "the transport cannot keep a device");
        byte[] before = random(3, 65536);
        try (FileChannel channel = openDirect(first.path())) {
            writeFully(channel, aligned(before.length).put(before).flip(), 0);
        }
        String handle = first.detach(HostDevices.TIMEOUT);
        DeviceSpec bigger = DeviceSpec.builder("match", 2 * SIZE).recoverable(true).build();
        assertThatExceptionOfType(DeviceStartException.class)
            .isThrownBy(() -> BlockDevice.attach(handle, bigger, new RamDiskDriver(2 * SIZE), HostDevices.transport(),
                    HostDevices.TIMEOUT))
            .withMessageContaining("does not match")
            .withMessageContaining("size is " + SIZE + " on the device but " + (2 * SIZE) + " in the configuration")
            .satisfies((ex) -> assertThat(ex.getCause()).isNotInstanceOf(DeviceGoneException.class));
        assertThatExceptionOfType(DeviceStartException.class)
            .isThrownBy(() -> BlockDevice.attach("987654", spec, ram, HostDevices.transport(), HostDevices.TIMEOUT))
            .satisfies((ex) -> assertThat(ex.getCause()).isInstanceOf(DeviceGoneException.class));

        BlockDevice second = BlockDevice.attach(handle, spec, ram, HostDevices.transport(), HostDevices.TIMEOUT);
        try (FileChannel channel = openDirect(second.path())) {
            assertThat(readBack(channel, 0, before.length)).isEqualTo(before);
        }
        finally {
            second.stop(HostDevices.TIMEOUT);
        }
    }

    /**
     * Detaching waits for a request an asynchronous driver still holds (its answer reaches the
     * client, or the request goes to the next driver); the mapping is released only after.
     */
    @Test
    void detachWaitsForARequestAnAsynchronousDriverStillHolds() throws Exception {
        long held = 2L << 20;
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RamDiskDriver ram = new RamDiskDriver(SIZE) {
            @Override
            public void write(ByteBuffer buffer, long offset) {
                if (offset == held) {
                    entered.countDown();
                    try {
                        release.await();
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.write(buffer, offset);
            }
        };
        DeviceSpec spec = DeviceSpec.builder("hold", SIZE).recoverable(true).build();
        BlockDevice first = HostDevices.start(DriverStyle.ASYNC, spec, ram);
        boolean keepable = first.canDetach();
        if (!keepable) {
            first.stop(HostDevices.TIMEOUT);
            System.out.println("SKIPPED detach with a request in flight on " + first.transportName()
                    + ": it cannot keep a device (the kbdus VM suite runs it)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(keepable, "the transport cannot keep a device");
        byte[] data = random(4, 8192);
        try (FileChannel channel = openDirect(first.path())) {
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    writeFully(channel, aligned(data.length).put(data).flip(), held);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<String> detach = CompletableFuture.supplyAsync(() -> first.detach(HostDevices.TIMEOUT));
            Thread.sleep(500);
            assertThat(detach).as("waits for the request the driver holds").isNotDone();
            release.countDown();
            String handle = detach.get(60, TimeUnit.SECONDS);
            assertThat(first.state()).isEqualTo(DeviceState.DETACHED);

            BlockDevice second = BlockDevice.attach(handle, spec, DriverStyle.ASYNC.serve(ram),
                    HostDevices.transport(), HostDevices.TIMEOUT);
            try {
                write.get(60, TimeUnit.SECONDS);
                assertThat(readBack(channel, held, data.length)).isEqualTo(data);
            }
            finally {
                second.stop(HostDevices.TIMEOUT);
            }
        }
        finally {
            release.countDown();
            first.stop(HostDevices.TIMEOUT);
        }
    }
}
