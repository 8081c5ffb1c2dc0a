package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

    @Test
    void unitsArePowersOf1024WithOrWithoutIbOrB() {
        assertThat(ByteSize.parse("256M")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("256MiB")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("256MB")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("256mb")).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("1G")).isEqualTo(1L << 30);
        assertThat(ByteSize.parse("4k")).isEqualTo(4096);
        assertThat(ByteSize.parse("2T")).isEqualTo(2L << 40);
        assertThat(ByteSize.parse("4096")).isEqualTo(4096);
        assertThat(ByteSize.parse("512B")).isEqualTo(512);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "abc", "-1", "1.5G", "1P", "12 apples", "99999999999T", "99999999999999999999" })
    void anythingElseIsRejectedSayingWhatASizeIs(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> ByteSize.parse(text)).withMessageContaining("'" + text);
    }

    @Test
    void formatsWithTheLargestExactUnit() {
        assertThat(ByteSize.format(256L << 20)).isEqualTo("256 MiB");
        assertThat(ByteSize.format(1L << 30)).isEqualTo("1 GiB");
        assertThat(ByteSize.format(1536L << 10)).isEqualTo("1536 KiB");
        assertThat(ByteSize.format(4097)).isEqualTo("4097 bytes");
        assertThat(ByteSize.format(0)).isEqualTo("0 bytes");
    }
}
