package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIOException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FuseIoUringTest {

    private static final Path FILE = Path.of("/sys/module/fuse/parameters/enable_uring");

    @Test
    void modesParseFromTheirConfigurationValues() {
        assertThat(FuseIoUring.of("auto")).isEqualTo(FuseIoUring.AUTO);
        assertThat(FuseIoUring.of(" ON ")).isEqualTo(FuseIoUring.ON);
        assertThat(FuseIoUring.of("off")).isEqualTo(FuseIoUring.OFF);
        assertThat(FuseIoUring.ON.value()).isEqualTo("on");
        assertThatIllegalArgumentException().isThrownBy(() -> FuseIoUring.of("yes"))
            .withMessage("FUSE io_uring mode 'yes' is not one of auto, on, off");
    }

    @Test
    void autoUsesIoUringExactlyWhenTheModuleParameterIsOn() throws IOException {
        assertThat(FuseIoUring.AUTO.wanted(Optional.of(true), FILE)).isTrue();
        assertThat(FuseIoUring.AUTO.wanted(Optional.of(false), FILE)).isFalse();
        assertThat(FuseIoUring.AUTO.wanted(Optional.empty(), FILE)).isFalse();
        assertThat(FuseIoUring.OFF.wanted(Optional.of(true), FILE)).isFalse();
        assertThat(FuseIoUring.ON.wanted(Optional.of(true), FILE)).isTrue();
    }

    @Test
    void onFailsNamingTheParameterFileWhenTheKernelDoesNotAllowIt() {
        assertThatIOException().isThrownBy(() -> FuseIoUring.ON.wanted(Optional.of(false), FILE))
            .withMessageContaining("io-uring mode on")
            .withMessageContaining(FILE + " is N")
            .withMessageContaining("echo Y > " + FILE);
        assertThatIOException().isThrownBy(() -> FuseIoUring.ON.wanted(Optional.empty(), FILE))
            .withMessageContaining(FILE + " is missing")
            .withMessageContaining("CONFIG_FUSE_IO_URING");
    }

    @Test
    void theModuleParameterReadsYAsOn(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("enable_uring");
        assertThat(FuseIoUring.moduleParameter(file)).isEmpty();
        Files.writeString(file, "Y\n");
        assertThat(FuseIoUring.moduleParameter(file)).contains(true);
        Files.writeString(file, "N\n");
        assertThat(FuseIoUring.moduleParameter(file)).contains(false);
    }

    @Test
    void possibleCpuListsCountEveryCpu() {
        assertThat(FuseIoUring.countCpus("0")).isEqualTo(1);
        assertThat(FuseIoUring.countCpus("0-1")).isEqualTo(2);
        assertThat(FuseIoUring.countCpus("0-3,8,10-11")).isEqualTo(7);
        assertThatIllegalArgumentException().isThrownBy(() -> FuseIoUring.countCpus("3-1"));
        assertThat(FuseIoUring.possibleCpus()).isPositive();
    }
}
