package io.bdus.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibCTest {

    @Test
    void failedCallCarriesErrno() {
        assertThatThrownBy(() -> LibC.open("/nonexistent/bdus", LibC.Flags.O_RDONLY, 0))
                .isInstanceOfSatisfying(LastErrorException.class, ex -> assertThat(ex.getErrorCode()).isEqualTo(2));
    }

    @Test
    void writesAndReadsAtOffsets(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f");
        int fd = LibC.open(file.toString(), LibC.Flags.O_RDWR | LibC.Flags.O_CREAT | LibC.Flags.O_CLOEXEC, 0600);
        try (Memory data = new Memory(8)) {
            data.setLong(0, 0x0102030405060708L);
            assertThat(LibC.pwrite(fd, data, 8, 4096)).isEqualTo(8);
            data.setLong(0, 0);
            assertThat(LibC.pread(fd, data, 8, 4096)).isEqualTo(8);
            assertThat(data.getLong(0)).isEqualTo(0x0102030405060708L);
        }
        finally {
            LibC.close(fd);
        }
        assertThat(Files.size(file)).isEqualTo(4104);
    }
}
