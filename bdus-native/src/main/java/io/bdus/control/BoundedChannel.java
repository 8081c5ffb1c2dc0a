package io.bdus.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A connected socket channel read and written with a deadline and a size limit: blocking
 * channels ignore socket timeouts, so this one is non-blocking and waits on a selector.
 */
final class BoundedChannel implements AutoCloseable {

    private final SocketChannel channel;

    private final Selector selector;

    private final long deadline;

    BoundedChannel(SocketChannel channel, long timeoutNanos) throws IOException {
        this.channel = channel;
        this.deadline = System.nanoTime() + timeoutNanos;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    /** Reads up to the first newline (returned without it); fails past {@code limit} bytes. */
    String readLine(int limit) throws IOException {
        return read(limit, true);
    }

    /** Reads until the peer closes its side; fails past {@code limit} bytes. */
    String readAll(int limit) throws IOException {
        return read(limit, false);
    }

    private String read(int limit, boolean line) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (true) {
            buffer.clear();
            int read = this.channel.read(buffer);
            if (read < 0) {
                if (line) {
                    throw new IOException("connection closed before a whole line arrived");
                }
                return data.toString(StandardCharsets.UTF_8);
            }
            for (int i = 0; i < read; i++) {
                byte b = buffer.get(i);
                if (line && b == '\n') {
                    return data.toString(StandardCharsets.UTF_8);
                }
                if (data.size() >= limit) {
                    throw new IOException("message longer than " + limit + " bytes");
                }
                data.write(b);
            }
            if (read == 0) {
                await(SelectionKey.OP_READ);
            }
        }
    }

    void write(String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            if (this.channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE);
            }
        }
    }

    /** Tells the peer nothing more is coming. */
    void endOutput() throws IOException {
        this.channel.shutdownOutput();
    }

    private void await(int operation) throws IOException {
        long left = this.deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no answer in time");
        }
        SelectionKey key = this.channel.register(this.selector, operation);
        try {
            this.selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        finally {
            key.interestOps(0);
            this.selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            this.selector.close();
        }
        finally {
            this.channel.close();
        }
    }
}
