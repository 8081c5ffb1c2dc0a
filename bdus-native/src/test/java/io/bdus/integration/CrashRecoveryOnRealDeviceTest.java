package io.bdus.integration;

import static io.bdus.integration.DirectIo.aligned;
import static io.bdus.integration.DirectIo.openDirect;
import static io.bdus.integration.DirectIo.random;
import static io.bdus.integration.DirectIo.readBack;
import static io.bdus.integration.DirectIo.writeFully;
import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.passthrough.PassthroughDriver;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recoverable kbdus device survives a driver process killed in the middle of a request:
 * a new driver attaches by id, the unanswered request is delivered to it and completes,
 * and acknowledged data is intact. (The fuse-loop transport cannot keep a device past its
 * process; its clean-up after a crash is tested in FuseLoopTransportHostTest.)
 */
@EnabledIfSystemProperty(named = "bdus.test.transport", matches = "kbdus")
class CrashRecoveryOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 16L << 20;

    @Test
    void killedDriverIsReplacedAndTheUnansweredWriteCompletes(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        DriverJvm child = startChild(image, null);
        String id = child.id;
        String path = child.path;

        byte[] acknowledged = random(1, 65536);
        byte[] inFlight = random(2, 4096);
        try (FileChannel channel = openDirect(path)) {
            writeFully(channel, aligned(acknowledged.length).put(acknowledged).flip(), 0);
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    writeFully(channel, aligned(inFlight.length).put(inFlight).flip(),
                            CrashingDriverMain.STUCK_OFFSET);
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            DriverJvm.awaitLine(child.output, "STUCK");
            child.kill();
            assertThat(write).isNotDone();

            DeviceSpec spec = DeviceSpec.builder("recovered", SIZE).recoverable(true).build();
            BlockDevice recovered = BlockDevice.attach(id, spec, new PassthroughDriver(image),
                    HostDevices.transport(), HostDevices.TIMEOUT);
            try {
                assertThat(recovered.path()).isEqualTo(path);
                write.get(60, TimeUnit.SECONDS);
                assertThat(readBack(channel, 0, acknowledged.length)).isEqualTo(acknowledged);
                assertThat(readBack(channel, CrashingDriverMain.STUCK_OFFSET, inFlight.length)).isEqualTo(inFlight);
            }
            finally {
                recovered.stop(HostDevices.TIMEOUT);
            }
        }
        finally {
            child.kill();
        }
    }

    private static DriverJvm startChild(Path image, String attachTo) throws Exception {
        return (attachTo != null)
                ? DriverJvm.start(CrashingDriverMain.class, image.toString(), String.valueOf(SIZE), attachTo)
                : DriverJvm.start(CrashingDriverMain.class, image.toString(), String.valueOf(SIZE));
    }
}
