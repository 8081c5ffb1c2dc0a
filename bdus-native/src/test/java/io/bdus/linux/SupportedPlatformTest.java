package io.bdus.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;

class SupportedPlatformTest {

    @Test
    void sixtyFourBitLinuxIsSupported() {
        assertThat(SupportedPlatform.isSupported("Linux", "amd64")).isTrue();
        assertThat(SupportedPlatform.isSupported("Linux", "aarch64")).isTrue();
        assertThatNoException().isThrownBy(() -> SupportedPlatform.check("Linux", "x86_64"));
    }

    @Test
    void otherSystemsAndThirtyTwoBitLinuxAreNot() {
        assertThat(SupportedPlatform.isSupported("Mac OS X", "aarch64")).isFalse();
        assertThat(SupportedPlatform.isSupported("Windows 11", "amd64")).isFalse();
        assertThat(SupportedPlatform.isSupported("Linux", "x86")).isFalse();
        assertThat(SupportedPlatform.isSupported("Linux", "arm")).isFalse();
        assertThat(SupportedPlatform.isSupported(null, null)).isFalse();
    }

    @Test
    void checkNamesWhatItFound() {
        assertThatExceptionOfType(UnsupportedPlatformException.class)
            .isThrownBy(() -> SupportedPlatform.check("Mac OS X", "aarch64"))
            .withMessage("bdus needs 64-bit Linux; this is Mac OS X aarch64")
            .satisfies(ex -> {
                assertThat(ex.osName()).isEqualTo("Mac OS X");
                assertThat(ex.osArch()).isEqualTo("aarch64");
            });
    }

    @Test
    void agreesWithTheConditionOfLibC() {
        assertThat(SupportedPlatform.isCurrentSupported()).isEqualTo(Platform.isLinux() && Platform.is64Bit());
    }
}
