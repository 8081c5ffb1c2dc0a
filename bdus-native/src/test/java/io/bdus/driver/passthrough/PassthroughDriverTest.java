package io.bdus.driver.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.driver.DeviceInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PassthroughDriverTest {

    private static final long SIZE = 4L << 20;

    @Test
    void createsTheFileAndServesAlignedAndUnalignedBuffers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("disk.img");
        PassthroughDriver driver = new PassthroughDriver(file);
        driver.initialize(new DeviceInfo("d", SIZE, 512, 4096, 256 * 1024, false, 0));
        try {
            assertThat(Files.size(file)).isEqualTo(SIZE);
            byte[] data = new byte[12288];
            new Random(3).nextBytes(data);
            ByteBuffer unaligned = ByteBuffer.allocateDirect(data.length + 80).position(80);
            unaligned.put(data).flip().position(80);
            driver.write(unaligned, 8192);
            assertThat(unaligned.hasRemaining()).isFalse();
            ByteBuffer heap = ByteBuffer.allocate(data.length);
            driver.read(heap, 8192);
            assertThat(heap.array()).isEqualTo(data);
            driver.flush();

            driver.writeZeroes(8192, 4096, false);
            driver.discard(12288, 4096);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            driver.read(back, 8192);
            for (int i = 0; i < 8192; i++) {
                assertThat(back.get(i)).isZero();
            }
            assertThat(back.get(8192)).isEqualTo(data[8192]);
        }
        finally {
            driver.terminate();
        }
    }
}
