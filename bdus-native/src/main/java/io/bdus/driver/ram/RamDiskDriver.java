package io.bdus.driver.ram;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.Concurrency;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A sparse RAM disk: memory is taken in 64 KiB chunks on first write, and discarding or
 * zeroing a whole chunk gives it back. Reads of untouched ranges return zeroes. Safe for
 * parallel calls.
 */
public class RamDiskDriver implements BlockDriver {

    static final int CHUNK_SIZE = 64 * 1024;

    private static final byte[] ZEROES = new byte[CHUNK_SIZE];

    private final long size;

    private final AtomicReferenceArray<byte[]> chunks;

    private final AtomicLong allocated = new AtomicLong();

    /** A RAM disk of {@code size} bytes (at most 64 TiB). */
    public RamDiskDriver(long size) {
        if (size <= 0 || size / CHUNK_SIZE >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size must be in 1 byte..64 TiB, was " + size);
        }
        this.size = size;
        this.chunks = new AtomicReferenceArray<>((int) ((size + CHUNK_SIZE - 1) / CHUNK_SIZE));
    }

    /** The device size this disk was made for. */
    public long size() {
        return this.size;
    }

    /** Bytes of memory the disk holds now. */
    public long allocatedBytes() {
        return this.allocated.get();
    }

    @Override
    public Concurrency concurrency() {
        return Concurrency.PARALLEL;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) {
        long position = offset;
        while (buffer.hasRemaining()) {
            int index = (int) (position / CHUNK_SIZE);
            int within = (int) (position % CHUNK_SIZE);
            int length = Math.min(buffer.remaining(), CHUNK_SIZE - within);
            byte[] chunk = this.chunks.get(index);
            if (chunk == null) {
                fillZeroes(buffer, length);
            }
            else {
                buffer.put(chunk, within, length);
            }
            position += length;
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) {
        long position = offset;
        while (buffer.hasRemaining()) {
            int index = (int) (position / CHUNK_SIZE);
            int within = (int) (position % CHUNK_SIZE);
            int length = Math.min(buffer.remaining(), CHUNK_SIZE - within);
            buffer.get(chunkForWrite(index), within, length);
            position += length;
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) {
        zero(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) {
        zero(offset, length, true);
    }

    @Override
    public void flush() {
        // Memory is as durable as it gets.
    }

    private void zero(long offset, long length, boolean release) {
        long position = offset;
        long end = offset + length;
        while (position < end) {
            int index = (int) (position / CHUNK_SIZE);
            int within = (int) (position % CHUNK_SIZE);
            int span = (int) Math.min(end - position, CHUNK_SIZE - within);
            if (release && span == CHUNK_SIZE) {
                if (this.chunks.getAndSet(index, null) != null) {
                    this.allocated.addAndGet(-CHUNK_SIZE);
                }
            }
            else {
                byte[] chunk = this.chunks.get(index);
                if (chunk != null) {
                    Arrays.fill(chunk, within, within + span, (byte) 0);
                }
            }
            position += span;
        }
    }

    private byte[] chunkForWrite(int index) {
        byte[] chunk = this.chunks.get(index);
        if (chunk != null) {
            return chunk;
        }
        byte[] fresh = new byte[CHUNK_SIZE];
        if (this.chunks.compareAndSet(index, null, fresh)) {
            this.allocated.addAndGet(CHUNK_SIZE);
            return fresh;
        }
        return this.chunks.get(index);
    }

    private static void fillZeroes(ByteBuffer buffer, int length) {
        buffer.put(ZEROES, 0, length);
    }
}
