package io.bdus.testing;

import java.nio.ByteBuffer;

/** Direct buffers for O_DIRECT I/O in tests. */
public final class AlignedBuffers {

    public static final int ALIGNMENT = 4096;

    private AlignedBuffers() {
    }

    /**
     * A direct buffer of exactly {@code size} bytes (capacity and limit) starting on a 4 KiB
     * boundary. An aligned slice of a larger allocation is as large as whatever is left after
     * the boundary, which depends on where the allocation happened to land; cutting it to
     * {@code size} makes {@code clear()} and {@code remaining()} mean the same on every run.
     */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size + ALIGNMENT).alignedSlice(ALIGNMENT).limit(size).slice();
    }
}
