package io.bdus.testing;

import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A request handler over an in-memory array that counts what it serves (for transport tests). */
public final class MemoryHandler implements RequestHandler {

    private final byte[] data;

    private final Map<Operation, AtomicLong> counts = new EnumMap<>(Operation.class);

    private final Map<Operation, AtomicLong> bytes = new EnumMap<>(Operation.class);

    private volatile boolean lastMayUnmap;

    private volatile Runnable onRequest = () -> {
    };

    public MemoryHandler(int size) {
        this.data = new byte[size];
        for (Operation operation : Operation.values()) {
            this.counts.put(operation, new AtomicLong());
            this.bytes.put(operation, new AtomicLong());
        }
    }

    public byte[] data() {
        return this.data;
    }

    public long count(Operation operation) {
        return this.counts.get(operation).get();
    }

    public long bytes(Operation operation) {
        return this.bytes.get(operation).get();
    }

    /** Runs {@code action} on the serving thread at the start of every request. */
    public void onRequest(Runnable action) {
        this.onRequest = action;
    }

    public boolean lastMayUnmap() {
        return this.lastMayUnmap;
    }

    @Override
    public void handle(Request request) {
        request.reply(serve(request));
    }

    private int serve(Request request) {
        this.onRequest.run();
        this.counts.get(request.operation()).incrementAndGet();
        this.bytes.get(request.operation()).addAndGet(request.length());
        int offset = (int) request.offset();
        int length = (int) request.length();
        ByteBuffer payload = request.payload();
        switch (request.operation()) {
            case READ -> payload.put(payload.position(), this.data, offset, length);
            case WRITE, FUA_WRITE -> payload.get(payload.position(), this.data, offset, length);
            case WRITE_ZEROES, DISCARD, SECURE_ERASE -> {
                this.lastMayUnmap = request.mayUnmap();
                java.util.Arrays.fill(this.data, offset, offset + length, (byte) 0);
            }
            case FLUSH -> {
            }
            default -> {
                return Errno.EOPNOTSUPP;
            }
        }
        return 0;
    }
}
