package io.bdus.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** fio random writes with crc32c verification, with and without driver replacement. */
class FioVerifyOnRealDeviceTest extends RealDeviceTest {

    private static final long SIZE = 256L << 20;

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void randomWritesWithSeveralJobsVerify(DriverStyle style) throws Exception {
        try (BlockDevice device = HostDevices.start(style, DeviceSpec.builder("fio-ram", SIZE).build(),
                HostDevices.storage("fio-ram", SIZE))) {
            Process fio = startFio(device.path(), 8);
            String output = finish(fio);
            assertThat(output).contains("verify");
            assertThat(device.stats().of(Operation.WRITE).count()).isPositive();
            assertThat(device.stats().of(Operation.READ).count()).isPositive();
            assertThat(device.stats().totalErrors()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void replacingTheDriverDuringFioVerifyCausesNoErrors(DriverStyle style, @TempDir Path dir) throws Exception {
        Supplier<BlockDriver> image = HostDevices.persistentStorage(dir, "disk");
        try (BlockDevice device = HostDevices.start(style, DeviceSpec.builder("fio-swap", SIZE).build(),
                image.get())) {
            Process fio = startFio(device.path(), 12);
            Thread.sleep(2500);
            for (int i = 0; i < 4; i++) {
                // Alternate a fresh instance over the same file and the same instance re-initialized.
                var next = (i % 2 == 0) ? style.serve(image.get()) : device.driver();
                device.replaceDriver(next, Duration.ofSeconds(10));
                Thread.sleep(1500);
            }
            finish(fio);
            assertThat(device.generation()).isEqualTo(4);
            assertThat(device.stats().totalErrors()).isZero();
        }
    }

    /** 4 jobs of 32 requests each on a device that takes 64 at once: deep queues, data verified. */
    @ParameterizedTest
    @EnumSource(DriverStyle.class)
    void randomWritesAtDepthVerify(DriverStyle style) throws Exception {
        DeviceSpec spec = DeviceSpec.builder("fio-deep", SIZE).maxConcurrentRequests(64).build();
        try (BlockDevice device = HostDevices.start(style, spec, HostDevices.storage("fio-deep", SIZE))) {
            finish(startFio(device.path(), 6, 32));
            assertThat(device.stats().of(Operation.WRITE).count()).isPositive();
            assertThat(device.stats().totalErrors()).isZero();
        }
    }

    static Process startFio(String path, int seconds) throws Exception {
        return startFio(path, seconds, 8);
    }

    /** fio with 4 jobs, each on its own quarter, writing and verifying crc32c for a bounded time. */
    static Process startFio(String path, int seconds, int depth) throws Exception {
        long perJob = SIZE / 4;
        List<String> command = new ArrayList<>(List.of("fio", "--name=verify", "--filename=" + path,
                "--direct=1", "--ioengine=libaio", "--iodepth=" + depth, "--rw=randwrite", "--bsrange=4k-64k",
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
