package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LatencyTest {

    @Test
    void aNumberWithAUnit() {
        assertThat(Latency.parse("1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(Latency.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Latency.parse("250 US")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Latency.parse("800ns")).isEqualTo(Duration.ofNanos(800));
        assertThat(Latency.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Latency.parse("0ms")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "1", "ms", "-1ms", "1.5ms", "1 minute", "61s", "999999999999ms" })
    void anythingElseIsRejectedSayingWhatALatencyIs(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Latency.parse(text)).withMessageContaining("'" + text);
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertThat(Latency.format(Duration.ofMillis(1))).isEqualTo("1 ms");
        assertThat(Latency.format(Duration.ofNanos(250_000))).isEqualTo("250 us");
        assertThat(Latency.format(Duration.ofSeconds(3))).isEqualTo("3 s");
        assertThat(Latency.format(Duration.ofNanos(1500))).isEqualTo("1500 ns");
    }
}
