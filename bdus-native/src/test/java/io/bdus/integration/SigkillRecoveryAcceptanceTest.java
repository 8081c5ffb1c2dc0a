package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.testing.Shell;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Crash recovery at BDUS's own standard: ext4 on a recoverable device served by the Java
 * pass-through driver in a JVM of its own; {@code fio --verify=crc32c} random writes and
 * reads on a file of that file system for at least 60 s while the driver JVM is SIGKILLed
 * at a random moment 1-3 s after each new one attached (at least 15 kills; each driver also
 * replaces itself in-process every 400 ms). No verify error, no client I/O error, and
 * {@code e2fsck -fn} finds the file system clean afterwards.
 */
@EnabledIfSystemProperty(named = "bdus.test.transport", matches = "kbdus")
class SigkillRecoveryAcceptanceTest extends RealDeviceTest {

    private static final long SIZE = 128L << 20;

    private static final int MIN_KILLS = 15;

    private static final long MIN_RUN_MILLIS = 60_000;

    @Test
    void fioOnExt4SurvivesRepeatedSigkillsOfTheDriver(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        DriverJvm first = start(image, null);
        String id = first.id;
        String path = first.path;
        AtomicInteger replacements = new AtomicInteger();
        drain(first, replacements);
        DriverJvm[] driver = { first };
        boolean mounted = false;
        try {
            Shell.ok("mkfs.ext4", "-q", "-F", path);
            Shell.ok("mount", path, mnt.toString());
            mounted = true;
            Result result = killRepeatedly(dir, mnt, image, id, driver, replacements);
            Shell.ok("umount", mnt.toString());
            mounted = false;
            Shell.Result fsck = Shell.run(300, "e2fsck", "-fn", path);
            assertThat(fsck.exitCode()).as("e2fsck -fn:%n%s", fsck.output()).isZero();
            System.out.printf("SIGKILL acceptance: %d kills and %d in-process replacements in %d s; fio %d writes, "
                    + "%d reads, 0 errors; longest client stall %.0f ms; e2fsck clean%n", result.kills,
                    replacements.get(), result.seconds, result.writes, result.reads, result.stallMillis);
            assertThat(result.kills).isGreaterThanOrEqualTo(MIN_KILLS);
            assertThat(result.writes).isPositive();
        }
        finally {
            // Whatever happened, serve the device again before the file system is touched (an
            // unmount, or the clean-up of the temporary directory), then tear it down.
            driver[0].kill();
            BlockDevice last = BlockDevice.attach(id, DeviceSpec.builder("accept", SIZE).recoverable(true).build(),
                    new PassthroughDriver(image), HostDevices.transport(), HostDevices.TIMEOUT);
            try {
                if (mounted) {
                    Shell.run("umount", mnt.toString());
                }
            }
            finally {
                last.stop(HostDevices.TIMEOUT);
            }
        }
    }

    /** What one run of fio with the supervisor killing drivers under it gave. */
    private record Result(int kills, long seconds, long writes, long reads, double stallMillis) {
    }

    private static Result killRepeatedly(Path dir, Path mnt, Path image, String id, DriverJvm[] driver,
            AtomicInteger replacements) throws Exception {
        Path output = dir.resolve("fio.json");
        Process fio = new ProcessBuilder("fio", "--name=accept", "--filename=" + mnt.resolve("fio.dat"),
                "--size=48m", "--direct=1", "--ioengine=libaio", "--iodepth=4", "--rw=randrw", "--bs=4k",
                "--verify=crc32c", "--verify_backlog=64", "--verify_fatal=1", "--do_verify=1",
                "--verify_state_save=0", "--time_based", "--runtime=3600", "--eta=never", "--output-format=json",
                "--output=" + output)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("fio.log").toFile())
            .start();
        Random random = new Random();
        long started = System.currentTimeMillis();
        int kills = 0;
        try {
            while (kills < MIN_KILLS || System.currentTimeMillis() - started < MIN_RUN_MILLIS) {
                // The clock starts when the new driver has attached: JVM start-up takes seconds here.
                Thread.sleep(1000 + random.nextInt(2001));
                assertThat(fio.isAlive()).as("fio is still running; log:%n%s", log(dir)).isTrue();
                driver[0].kill();
                kills++;
                driver[0] = start(image, id);
                drain(driver[0], replacements);
            }
            fio.destroy();
            assertThat(fio.waitFor(120, TimeUnit.SECONDS)).isTrue();
        }
        finally {
            fio.destroyForcibly();
            fio.waitFor(60, TimeUnit.SECONDS);
        }
        String fioLog = log(dir);
        // SIGTERM ends fio with status 0 or 128 (it was stopped, not failed); errors are in the report.
        assertThat(fio.exitValue()).as("fio exit status; log:%n%s", fioLog).isIn(0, 128);
        assertThat(fioLog).doesNotContain("verify failed").doesNotContain("bad magic").doesNotContain("error=");
        JsonNode job = readJob(output);
        assertThat(job.get("error").asInt()).as("fio job error").isZero();
        double stallMillis = Math.max(job.at("/write/lat_ns/max").asDouble(), job.at("/read/lat_ns/max").asDouble())
                / 1e6;
        return new Result(kills, (System.currentTimeMillis() - started) / 1000, job.at("/write/total_ios").asLong(),
                job.at("/read/total_ios").asLong(), stallMillis);
    }

    private static DriverJvm start(Path image, String id) throws Exception {
        return (id != null)
                ? DriverJvm.start(ReplacingDriverMain.class, image.toString(), String.valueOf(SIZE), id)
                : DriverJvm.start(ReplacingDriverMain.class, image.toString(), String.valueOf(SIZE));
    }

    /** Reads a driver's output in the background, counting its in-process replacements. */
    private static void drain(DriverJvm driver, AtomicInteger replaced) {
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = driver.output.readLine()) != null) {
                    if (line.startsWith("REPLACED ")) {
                        replaced.incrementAndGet();
                    }
                }
            }
            catch (Exception ex) {
                // the driver was killed
            }
        }, "driver-output");
        reader.setDaemon(true);
        reader.start();
    }

    private static JsonNode readJob(Path output) throws Exception {
        String text = Files.readString(output, StandardCharsets.UTF_8);
        return JsonMapper.builder().build().readTree(text.substring(text.indexOf('{'))).get("jobs").get(0);
    }

    private static String log(Path dir) throws Exception {
        Path log = dir.resolve("fio.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
