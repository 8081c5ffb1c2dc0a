package io.bdus.device;

import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A transport test double: "clients" submit requests to a queue that the runtime's channels
 * serve, and get the errno back, as a kernel would.
 */
final class QueueTransport implements Transport {

    private static final Submission POISON = new Submission(null, 0, 0, null);

    private final int channels;

    private final LinkedBlockingQueue<Submission> queue = new LinkedBlockingQueue<>();

    volatile Set<Operation> advertised;

    volatile boolean closed;

    volatile ServingPlan plan;

    QueueTransport(int channels) {
        this.channels = channels;
    }

    @Override
    public String name() {
        return "queue";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) {
        this.advertised = operations;
        this.plan = plan;
        return new Device();
    }

    /** Ends every channel as a kernel-side teardown from another process would. */
    void tearDownFromOutside() {
        this.queue.add(POISON);
    }

    CompletableFuture<Integer> submit(Operation operation, long offset, ByteBuffer payload) {
        Submission submission = new Submission(operation, offset,
                payload != null ? payload.remaining() : 4096, payload);
        this.queue.add(submission);
        return submission.result;
    }

    int call(Operation operation, long offset, ByteBuffer payload) throws Exception {
        return submit(operation, offset, payload).get(10, TimeUnit.SECONDS);
    }

    record Submission(Operation operation, long offset, long length, ByteBuffer payload,
            CompletableFuture<Integer> result) {

        Submission(Operation operation, long offset, long length, ByteBuffer payload) {
            this(operation, offset, length, payload, new CompletableFuture<>());
        }
    }

    /** A request answered now or later, like a transport's; its client waits on {@code result}. */
    static final class QueuedRequest extends Request {

        private final CompletableFuture<Integer> result;

        QueuedRequest(CompletableFuture<Integer> result) {
            this.result = result;
        }

        void serve(RequestHandler handler) {
            if (handTo(handler)) {
                this.result.complete(errno());
            }
        }

        @Override
        protected void sendLater(int errno) {
            this.result.complete(errno);
        }
    }

    private final class Device implements TransportDevice {

        private String path;

        @Override
        public int channelCount() {
            return (QueueTransport.this.channels > 0) ? QueueTransport.this.channels
                    : QueueTransport.this.plan.channels();
        }

        @Override
        public RequestChannel openChannel() {
            return new RequestChannel() {
                @Override
                public void serve(RequestHandler handler) {
                    while (true) {
                        Submission s;
                        try {
                            s = QueueTransport.this.queue.take();
                        }
                        catch (InterruptedException ex) {
                            return;
                        }
                        if (s == POISON) {
                            QueueTransport.this.queue.add(POISON);
                            return;
                        }
                        QueuedRequest request = new QueuedRequest(s.result());
                        request.set(s.operation(), s.offset(), s.length(), s.payload(), false);
                        request.serve(handler);
                    }
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public String activate(Duration timeout) {
            this.path = "/dev/queue0";
            return this.path;
        }

        @Override
        public String path() {
            return this.path;
        }

        @Override
        public void close() {
            QueueTransport.this.closed = true;
            QueueTransport.this.queue.add(POISON);
        }
    }
}
