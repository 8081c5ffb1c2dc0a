package io.bdus.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.bdus.testing.HostAssumptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The many-devices benchmark runs end to end on a few real devices and rejects bad arguments. */
class ManyDevicesBenchmarkTest {

    @Test
    void startsTheDevicesMeasuresThemAndLeavesNothingBehind() throws Exception {
        HostAssumptions.assumeFuseLoop();
        HostAssumptions.assumeTool("fio");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ManyDevicesBenchmark.Result result = new ManyDevicesBenchmark(
                ManyDevicesBenchmark.Settings.parse(new String[] { "--count", "3", "--device-mib", "8", "--runtime", "1" }),
                new PrintStream(printed, true, StandardCharsets.UTF_8))
            .run();
        assertThat(result.startNanos()).hasSize(3).doesNotContain(0L);
        assertThat(result.aloneIops()).isPositive();
        assertThat(result.besideIops()).isPositive();
        assertThat(result.after().threads()).isGreaterThan(result.before().threads());
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("start time per device", "per idle device",
                "beside 2 idle devices");
    }

    @Test
    void badArgumentsNameTheOptionAndTheRange() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> ManyDevicesBenchmark.Settings.parse(new String[] { "--count", "0" }))
            .withMessage("--count must be from 1 to 4096, was 0");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> ManyDevicesBenchmark.Settings.parse(new String[] { "--runtime", "x" }))
            .withMessage("--runtime must be a whole number from 1 to 3600, was 'x'");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> ManyDevicesBenchmark.Settings.parse(new String[] { "--devices" }))
            .withMessage("unknown argument '--devices'");
    }
}
