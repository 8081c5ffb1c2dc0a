package io.bdus.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A driver that answers requests when they are done rather than before returning: each
 * method starts a request and returns; the driver later calls its {@link Completion} from
 * any thread (an I/O completion callback, an executor, the calling thread itself). Requests
 * in flight are then bounded by the device's queue depth, not by the number of serving
 * threads, which is what a driver over a remote or high-latency backend needs.
 *
 * <p>Payload buffers are valid from the call until the completion is called, and only for
 * that long. A method that throws instead of completing fails its request the way
 * {@link Completion#fail(Throwable)} would.
 *
 * <p>The blocking methods inherited from {@link BlockDriver} start the request and wait for
 * its completion; the runtime uses them only for its own calls outside client requests
 * (for example the flush before a driver is replaced). Calls may overlap, from several
 * threads, unless {@link #concurrency()} says otherwise.
 */
public interface AsyncBlockDriver extends BlockDriver {

    /** Fills {@code buffer} (from its position to its limit) with the data at {@code offset}. */
    void read(ByteBuffer buffer, long offset, Completion completion);

    /** Stores {@code buffer} (from its position to its limit) at {@code offset}. */
    default void write(ByteBuffer buffer, long offset, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.WRITE));
    }

    /** Makes {@code length} bytes at {@code offset} read back as zeroes (see {@link BlockDriver#writeZeroes}). */
    default void writeZeroes(long offset, long length, boolean mayUnmap, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.WRITE_ZEROES));
    }

    /** Writes like {@link #write(ByteBuffer, long, Completion)}, durable once completed. */
    default void fuaWrite(ByteBuffer buffer, long offset, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.FUA_WRITE));
    }

    /** Makes every write completed so far durable. */
    default void flush(Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.FLUSH));
    }

    /** Notes that a range is unused. */
    default void discard(long offset, long length, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.DISCARD));
    }

    /** Irrecoverably erases a range. */
    default void secureErase(long offset, long length, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.SECURE_ERASE));
    }

    /**
     * Handles a forwarded ioctl (see {@link BlockDriver#ioctl(int, ByteBuffer, boolean)}) and
     * completes with its non-negative result ({@link Completion#complete(int)}).
     */
    default void ioctl(int command, ByteBuffer argument, boolean callerMayWrite, Completion completion) {
        completion.fail(AsyncOperations.unsupported(Operation.IOCTL));
    }

    @Override
    default void read(ByteBuffer buffer, long offset) throws IOException {
        AwaitedCompletion.run(completion -> read(buffer, offset, completion));
    }

    @Override
    default void write(ByteBuffer buffer, long offset) throws IOException {
        AwaitedCompletion.run(completion -> write(buffer, offset, completion));
    }

    @Override
    default void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        AwaitedCompletion.run(completion -> writeZeroes(offset, length, mayUnmap, completion));
    }

    @Override
    default void fuaWrite(ByteBuffer buffer, long offset) throws IOException {
        AwaitedCompletion.run(completion -> fuaWrite(buffer, offset, completion));
    }

    @Override
    default void flush() throws IOException {
        AwaitedCompletion.run(this::flush);
    }

    @Override
    default void discard(long offset, long length) throws IOException {
        AwaitedCompletion.run(completion -> discard(offset, length, completion));
    }

    @Override
    default void secureErase(long offset, long length) throws IOException {
        AwaitedCompletion.run(completion -> secureErase(offset, length, completion));
    }

    @Override
    default int ioctl(int command, ByteBuffer argument, boolean callerMayWrite) throws IOException {
        return AwaitedCompletion.run(completion -> ioctl(command, argument, callerMayWrite, completion));
    }

    @Override
    default int ioctl(int command, ByteBuffer argument) throws IOException {
        return ioctl(command, argument, false);
    }

    /** Asynchronous drivers take overlapping calls by default. */
    @Override
    default Concurrency concurrency() {
        return Concurrency.PARALLEL;
    }

    /**
     * {@link Operation#READ} and every operation whose asynchronous method this driver's
     * class overrides.
     */
    @Override
    default Set<Operation> supportedOperations() {
        return OverriddenOperations.of(getClass());
    }
}
