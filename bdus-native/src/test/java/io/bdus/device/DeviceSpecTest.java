package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceSpecTest {

    @Test
    void defaultsAreValid() {
        DeviceSpec spec = DeviceSpec.builder("disk0", 64L << 20).build();
        assertThat(spec.logicalBlockSize()).isEqualTo(512);
        assertThat(spec.physicalBlockSize()).isEqualTo(4096);
        assertThat(spec.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(spec.toBuilder().build()).isEqualTo(spec);
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 256, 768, 8192 })
    void logicalBlockSizeMustBeAPowerOfTwoFrom512To4096(int size) {
        assertInvalid(b -> b.logicalBlockSize(size), "logical-block-size", size,
                "a power of two from 512 to 4096 bytes");
    }

    @Test
    void physicalBlockSizeMustNotBeBelowLogical() {
        assertInvalid(b -> b.logicalBlockSize(4096).physicalBlockSize(512), "physical-block-size", 512,
                "from the logical block size (4096) to 65536");
    }

    @Test
    void sizeMustBeAMultipleOfTheLogicalBlockSize() {
        assertThatThrownBy(() -> DeviceSpec.builder("d", 1000).build())
            .isInstanceOfSatisfying(InvalidDeviceSpecException.class, ex -> {
                assertThat(ex.field()).isEqualTo("size");
                assertThat(ex.value()).isEqualTo(1000L);
                assertThat(ex.getMessage()).isEqualTo(
                        "Invalid value 1000 for 'size' of device 'd': a positive multiple of the logical block size (512 bytes)");
            });
    }

    @Test
    void maxRequestSizeRange() {
        assertInvalid(b -> b.maxRequestSize(2048), "max-request-size", 2048, "4096 to 1048576");
        assertInvalid(b -> b.maxRequestSize(2 << 20), "max-request-size", 2 << 20, "4096 to 1048576");
    }

    @Test
    void concurrencyRange() {
        assertInvalid(b -> b.maxConcurrentRequests(0), "max-concurrent-requests", 0, "1 to 256");
        assertInvalid(b -> b.maxConcurrentRequests(257), "max-concurrent-requests", 257, "1 to 256");
    }

    @Test
    void timeoutRange() {
        assertInvalid(b -> b.requestTimeout(Duration.ofSeconds(-1)), "request-timeout", Duration.ofSeconds(-1),
                "0 (no timeout) to 1h");
        assertInvalid(b -> b.requestTimeout(Duration.ofHours(2)), "request-timeout", Duration.ofHours(2), "to 1h");
    }

    @Test
    void nameIsChecked() {
        assertThatThrownBy(() -> DeviceSpec.builder("bad name", 4096).build())
            .isInstanceOf(InvalidDeviceSpecException.class)
            .hasMessageContaining("'name'")
            .hasMessageContaining("letters, digits");
    }

    private static void assertInvalid(UnaryOperator<DeviceSpec.Builder> change, String field, Object value,
            String allowed) {
        assertThatThrownBy(() -> change.apply(DeviceSpec.builder("d", 1L << 20)).build())
            .isInstanceOfSatisfying(InvalidDeviceSpecException.class, ex -> {
                assertThat(ex.field()).isEqualTo(field);
                assertThat(ex.value()).isEqualTo(value);
                assertThat(ex.allowed()).contains(allowed);
                assertThat(ex.getMessage()).contains("'" + field + "'").contains(String.valueOf(value));
            });
    }
}
