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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(CrashingDriverMain.class.getName(), image.toString(), String.valueOf(SIZE)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
        String[] ready = awaitLine(output, "READY ").split(" ");
        String id = ready[1];
        String path = ready[2];

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
            awaitLine(output, "STUCK");
            child.destroyForcibly();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
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
            child.destroyForcibly();
        }
    }

    private static String awaitLine(BufferedReader output, String prefix) throws Exception {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("child driver ended before printing " + prefix + ":\n" + seen);
    }
}
