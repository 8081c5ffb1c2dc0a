package io.bdus.driver.ram;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RamDiskDriverTest {

    private static final int CHUNK = RamDiskDriver.CHUNK_SIZE;

    @Test
    void untouchedRangesReadAsZeroesWithoutAllocating() {
        RamDiskDriver disk = new RamDiskDriver(1 << 20);
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        buffer.put(0, (byte) 7);
        disk.read(buffer, 4096);
        assertThat(buffer.hasRemaining()).isFalse();
        assertThat(buffer.array()).containsOnly(0);
        assertThat(disk.allocatedBytes()).isZero();
    }

    @Test
    void writesAcrossChunkBoundariesReadBack() {
        RamDiskDriver disk = new RamDiskDriver(1 << 20);
        byte[] data = new byte[3 * CHUNK];
        new Random(1).nextBytes(data);
        long offset = CHUNK - 512;
        disk.write(ByteBuffer.allocateDirect(data.length).put(data).flip(), offset);
        ByteBuffer back = ByteBuffer.allocate(data.length);
        disk.read(back, offset);
        assertThat(back.array()).isEqualTo(data);
        assertThat(disk.allocatedBytes()).isEqualTo(4L * CHUNK);
    }

    @Test
    void discardFreesWholeChunksAndZeroesPartialOnes() {
        RamDiskDriver disk = new RamDiskDriver(1 << 20);
        byte[] ones = new byte[4 * CHUNK];
        java.util.Arrays.fill(ones, (byte) 1);
        disk.write(ByteBuffer.wrap(ones), 0);
        disk.discard(CHUNK / 2, 2 * CHUNK);
        assertThat(disk.allocatedBytes()).isEqualTo(3L * CHUNK);
        ByteBuffer back = ByteBuffer.allocate(4 * CHUNK);
        disk.read(back, 0);
        for (int i = 0; i < back.capacity(); i++) {
            boolean zeroed = i >= CHUNK / 2 && i < CHUNK / 2 + 2 * CHUNK;
            assertThat(back.get(i)).as("byte %d", i).isEqualTo(zeroed ? (byte) 0 : (byte) 1);
        }
    }

    @Test
    void writeZeroesWithoutUnmapKeepsMemory() {
        RamDiskDriver disk = new RamDiskDriver(1 << 20);
        disk.write(ByteBuffer.wrap(new byte[CHUNK]).put(0, (byte) 9), 0);
        disk.writeZeroes(0, CHUNK, false);
        assertThat(disk.allocatedBytes()).isEqualTo(CHUNK);
        disk.writeZeroes(0, CHUNK, true);
        assertThat(disk.allocatedBytes()).isZero();
    }
}
