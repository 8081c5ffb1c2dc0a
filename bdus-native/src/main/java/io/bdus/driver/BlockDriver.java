package io.bdus.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Serves the requests of one block device.
 *
 * <p>Implement {@link #read} and whichever other operations the storage supports. An
 * operation whose method is not overridden is not advertised by the device, so the kernel
 * never sends it (and, e.g., emulates FUA with write + flush). Override
 * {@link #supportedOperations()} to decide explicitly.
 *
 * <p>Offsets and lengths are multiples of the logical block size and lie within the device.
 * Payload buffers are views of transport memory, valid only during the call: read from or
 * fill them between their position and limit, never keep them.
 *
 * <p>To fail one request with a specific errno, throw {@link BlockDriverException}; any other
 * exception fails it with EIO. Neither stops the device.
 */
public interface BlockDriver {

    /**
     * Fills {@code buffer} (from its position to its limit) with the data at {@code offset}.
     * On return the buffer's position must have reached its limit, as relative {@code put}s
     * leave it (after absolute puts, set it); a read that leaves any of the buffer unfilled
     * fails with EIO, so that no client ever sees stale bytes of an earlier request.
     */
    void read(ByteBuffer buffer, long offset) throws IOException;

    /** Stores {@code buffer} (from its position to its limit) at {@code offset}. */
    default void write(ByteBuffer buffer, long offset) throws IOException {
        throw unsupported(Operation.WRITE);
    }

    /**
     * Makes {@code length} bytes at {@code offset} read back as zeroes. When {@code mayUnmap}
     * is true the driver may deallocate the range instead of writing zeroes.
     */
    default void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        throw unsupported(Operation.WRITE_ZEROES);
    }

    /** Writes like {@link #write} and makes the data durable before returning. */
    default void fuaWrite(ByteBuffer buffer, long offset) throws IOException {
        throw unsupported(Operation.FUA_WRITE);
    }

    /** Makes every write completed so far durable. */
    default void flush() throws IOException {
        throw unsupported(Operation.FLUSH);
    }

    /** Notes that a range is unused; later reads of it may return anything. */
    default void discard(long offset, long length) throws IOException {
        throw unsupported(Operation.DISCARD);
    }

    /** Irrecoverably erases a range. */
    default void secureErase(long offset, long length) throws IOException {
        throw unsupported(Operation.SECURE_ERASE);
    }

    /**
     * Handles an ioctl forwarded from the block device. The argument buffer holds the data
     * the ioctl number's size and direction bits describe; write results into it for ioctls
     * that read. Returns a non-negative result.
     */
    default int ioctl(int command, ByteBuffer argument) throws IOException {
        throw unsupported(Operation.IOCTL);
    }

    /**
     * Handles an ioctl like {@link #ioctl(int, ByteBuffer)}, knowing whether the process that
     * issued it opened the block device for writing. Ioctls that change the device or its
     * data should refuse callers that did not (throw {@link BlockDriverException} with
     * {@link Errno#EBADF} or {@link Errno#EPERM}); the kernel already refuses ioctls whose
     * number says they carry input from such callers. Calls {@link #ioctl(int, ByteBuffer)}
     * by default; override either.
     */
    default int ioctl(int command, ByteBuffer argument, boolean callerMayWrite) throws IOException {
        return ioctl(command, argument);
    }

    /** Called once before the device is created or this driver takes it over. */
    default void initialize(DeviceInfo device) throws IOException {
    }

    /** Called when the block device is ready for clients. */
    default void onDeviceAvailable(DeviceInfo device) {
    }

    /** Called once when this driver stops serving (after a final flush, when supported). */
    default void terminate() throws IOException {
    }

    /** Whether the runtime may call this driver from several threads at once. */
    default Concurrency concurrency() {
        return Concurrency.SERIALIZED;
    }

    /**
     * The operations this driver supports: by default {@link Operation#READ} and every
     * operation whose method this driver's class overrides.
     */
    default Set<Operation> supportedOperations() {
        return OverriddenOperations.of(getClass());
    }

    private static BlockDriverException unsupported(Operation operation) {
        return new BlockDriverException(Errno.EOPNOTSUPP, operation.tag() + " is not supported");
    }
}
