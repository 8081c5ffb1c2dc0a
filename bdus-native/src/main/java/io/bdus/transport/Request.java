package io.bdus.transport;

import io.bdus.driver.Operation;
import java.nio.ByteBuffer;

/**
 * One request as a transport hands it to the runtime. A channel reuses one instance for
 * every request it receives, so serving allocates nothing; it is valid only during
 * {@link RequestHandler#handle}.
 */
public final class Request {

    private Operation operation;

    private long offset;

    private long length;

    private ByteBuffer payload;

    private boolean mayUnmap;

    private int ioctlCommand;

    private int ioctlResult;

    private boolean ioctlCallerMayWrite;

    /** Sets a read, write or FUA write whose payload lies between the buffer's position and limit. */
    public Request set(Operation operation, long offset, ByteBuffer payload) {
        return set(operation, offset, payload.remaining(), payload, false);
    }

    /** Sets a request of any type. */
    public Request set(Operation operation, long offset, long length, ByteBuffer payload, boolean mayUnmap) {
        this.operation = operation;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.mayUnmap = mayUnmap;
        this.ioctlCommand = 0;
        this.ioctlResult = 0;
        this.ioctlCallerMayWrite = false;
        return this;
    }

    /**
     * Sets an ioctl whose argument buffer holds the data the command's size bits describe;
     * {@code callerMayWrite} says whether its caller opened the block device for writing.
     */
    public Request setIoctl(int command, ByteBuffer argument, boolean callerMayWrite) {
        set(Operation.IOCTL, 0, argument == null ? 0 : argument.remaining(), argument, false);
        this.ioctlCommand = command;
        this.ioctlCallerMayWrite = callerMayWrite;
        return this;
    }

    public Operation operation() {
        return this.operation;
    }

    public long offset() {
        return this.offset;
    }

    /** Bytes the request covers (payload size for reads and writes, range for the others). */
    public long length() {
        return this.length;
    }

    /** The payload, or {@code null} for requests without one. */
    public ByteBuffer payload() {
        return this.payload;
    }

    /** For write-zeroes: whether the driver may deallocate the range. */
    public boolean mayUnmap() {
        return this.mayUnmap;
    }

    public int ioctlCommand() {
        return this.ioctlCommand;
    }

    /** For an ioctl: whether its caller opened the block device for writing. */
    public boolean ioctlCallerMayWrite() {
        return this.ioctlCallerMayWrite;
    }

    /** The driver's non-negative return value for an ioctl. */
    public int ioctlResult() {
        return this.ioctlResult;
    }

    public void ioctlResult(int result) {
        this.ioctlResult = result;
    }
}
