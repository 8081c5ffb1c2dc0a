package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.driver.BlockDriver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fio random writes with crc32c verification, with and without driver replacement. */
class FioVerifyOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 256L << 20;

    @Test
    void randomWritesWithSeveralJobsVerify() throws Exception {
        try (BlockDevice device = HostDevices.start(DeviceSpec.builder("fio-ram", SIZE).build(),
                HostDevices.storage("fio-ram", SIZE))) {
            Process fio = startFio(device.path(), 8);
            String output = finish(fio);
            assertThat(output).contains("verify");
            assertThat(device.stats().of(Operation.WRITE).count()).isPositive();
            assertThat(device.stats().of(Operation.READ).count()).isPositive();
            assertThat(device.stats().totalErrors()).isZero();
        }
    }

    @Test
    void replacingTheDriverDuringFioVerifyCausesNoErrors(@TempDir Path dir) throws Exception {
        Supplier<BlockDriver> image = HostDevices.persistentStorage(dir, "disk");
        try (BlockDevice device = HostDevices.start(DeviceSpec.builder("fio-swap", SIZE).build(), image.get())) {
            Process fio = startFio(device.path(), 12);
            Thread.sleep(2500);
            for (int i = 0; i < 4; i++) {
                // Alternate a fresh instance over the same file and the same instance re-initialized.
                var next = (i % 2 == 0) ? image.get() : device.driver();
                device.replaceDriver(next, Duration.ofSeconds(10));
                Thread.sleep(1500);
            }
            finish(fio);
            assertThat(device.generation()).isEqualTo(4);
            assertThat(device.stats().totalErrors()).isZero();
        }
    }

    /** fio with 4 jobs, each on its own quarter, writing and verifying crc32c for a bounded time. */
    static Process startFio(String path, int seconds) throws Exception {
        long perJob = SIZE / 4;
        List<String> command = new ArrayList<>(List.of("fio", "--name=verify", "--filename=" + path,
                "--direct=1", "--ioengine=libaio", "--iodepth=8", "--rw=randwrite", "--bsrange=4k-64k",
                "--numjobs=4", "--size=" + perJob, "--offset_increment=" + perJob, "--verify=crc32c",
                "--verify_backlog=256", "--verify_fatal=1", "--do_verify=1", "--time_based",
                "--runtime=" + seconds, "--group_reporting", "--eta=never", "--verify_state_save=0"));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    static String finish(Process fio) throws Exception {
        fio.getOutputStream().close();
        String output = new String(fio.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(fio.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(fio.exitValue()).as("fio exit code; output:%n%s", output).isZero();
        assertThat(output).contains("err= 0");
        assertThat(output).doesNotContain("verify failed").doesNotContain("bad magic");
        return output;
    }
}
