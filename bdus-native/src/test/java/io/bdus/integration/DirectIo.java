package io.bdus.integration;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import io.bdus.testing.AlignedBuffers;

/** O_DIRECT access to a block device from this JVM, as a client of the device under test. */
final class DirectIo {

    private DirectIo() {
    }

    static FileChannel openDirect(String path) throws IOException {
        return FileChannel.open(Path.of(path), StandardOpenOption.READ, StandardOpenOption.WRITE,
                ExtendedOpenOption.DIRECT);
    }

    static ByteBuffer aligned(int size) {
        return AlignedBuffers.allocate(size);
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        while (buffer.hasRemaining()) {
            offset += channel.write(buffer, offset);
        }
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset);
            if (n < 0) {
                throw new IOException("end of device at " + offset);
            }
            offset += n;
        }
    }

    static byte[] readBack(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = aligned(length);
        readFully(channel, buffer, offset);
        byte[] data = new byte[length];
        buffer.flip().get(data);
        return data;
    }

    static byte[] random(int seed, int length) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }
}
