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
        Child child = Child.start(image, null);
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
            awaitLine(child.output, "STUCK");
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

    /**
     * BDUS's acceptance test, shortened: fio writes and verifies while the driver process is
     * SIGKILLed and replaced again and again; clients must see no error and no bad data.
     */
    @Test
    void fioVerifySurvivesRepeatedDriverKills(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        Child child = Child.start(image, null);
        String id = child.id;
        String path = child.path;
        Process fio = new ProcessBuilder("fio", "--name=kill", "--filename=" + path, "--direct=1",
                "--ioengine=libaio", "--iodepth=4", "--rw=randwrite", "--bs=4k",
                // The second half of the device: the children never answer a write at STUCK_OFFSET.
                "--offset=" + (SIZE / 2), "--size=" + (SIZE / 2),
                "--verify=crc32c", "--verify_backlog=64", "--verify_fatal=1", "--do_verify=1",
                "--verify_state_save=0", "--time_based", "--runtime=40", "--eta=never")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
        fio.getOutputStream().close();
        try {
            for (int kill = 0; kill < 3; kill++) {
                Thread.sleep(5000);
                child.kill();
                child = Child.start(image, id);
            }
            String fioOutput = new String(fio.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(fio.waitFor(300, TimeUnit.SECONDS)).isTrue();
            assertThat(fio.exitValue()).as("fio output:%n%s", fioOutput).isZero();
            assertThat(fioOutput).contains("err= 0").doesNotContain("verify failed");
        }
        finally {
            fio.destroyForcibly();
            child.kill();
            // Take the device over once more and destroy it.
            DeviceSpec spec = DeviceSpec.builder("recovered", SIZE).recoverable(true).build();
            BlockDevice.attach(id, spec, new PassthroughDriver(image), HostDevices.transport(), HostDevices.TIMEOUT)
                .stop(HostDevices.TIMEOUT);
        }
    }

    /** A driver JVM ({@link CrashingDriverMain}) that printed READY. */
    private static final class Child {

        private static final String JVM_FATAL_ERROR = "A fatal error has been detected by the Java Runtime";

        final Process process;

        final BufferedReader output;

        final String id;

        final String path;

        private Child(Process process, BufferedReader output, String[] ready) {
            this.process = process;
            this.output = output;
            this.id = ready[1];
            this.path = ready[2];
        }

        /**
         * Starts a driver JVM and waits for READY. Under QEMU/TCG a fresh JVM sometimes dies
         * in just-compiled code (a known emulation fault, see kernel/vm/vmrun): that one is
         * started again, once.
         */
        static Child start(Path image, String attachTo) throws Exception {
            try {
                return startOnce(image, attachTo);
            }
            catch (AssertionError ex) {
                if (!String.valueOf(ex.getMessage()).contains(JVM_FATAL_ERROR)) {
                    throw ex;
                }
                System.out.println("Driver JVM died of an emulation fault before serving; starting it again");
                return startOnce(image, attachTo);
            }
        }

        private static Child startOnce(Path image, String attachTo) throws Exception {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), CrashingDriverMain.class.getName(),
                    image.toString(), String.valueOf(SIZE)));
            if (attachTo != null) {
                command.add(attachTo);
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            return new Child(process, output, awaitLine(output, "READY ").split(" "));
        }

        /** SIGKILL, as a crash would. */
        void kill() throws InterruptedException {
            this.process.destroyForcibly();
            assertThat(this.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
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
