package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.transport.DeviceGoneException;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;

/**
 * A transport double: devices live in memory, and tests send requests to them with
 * {@link FakeDevice#submit}, which a serving thread passes to the runtime like a kernel
 * would.
 */
public class FakeTransport implements Transport {

    private final String name;

    private final String unavailableReason;

    private final Map<String, FakeDevice> devices = new ConcurrentHashMap<>();

    private final List<String> created = new CopyOnWriteArrayList<>();

    private final List<String> attached = new CopyOnWriteArrayList<>();

    private boolean detachable;

    private boolean mismatched;

    public FakeTransport(String name) {
        this(name, null);
    }

    public FakeTransport(String name, String unavailableReason) {
        this.name = name;
        this.unavailableReason = unavailableReason;
    }

    @Override
    public String name() {
        return this.name;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(this.unavailableReason);
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) {
        FakeDevice device = new FakeDevice(spec, operations, this.detachable);
        this.devices.put(spec.name(), device);
        this.created.add(spec.name());
        return device;
    }

    /** Makes devices of this transport detachable, like recoverable kbdus devices. */
    public FakeTransport detachable() {
        this.detachable = true;
        return this;
    }

    /** Makes attach find devices of another size than configured, as after a config change. */
    public FakeTransport withMismatchedDevices() {
        this.mismatched = true;
        return this;
    }

    @Override
    public TransportDevice attach(String handle, DeviceSpec spec, Set<Operation> operations, ServingPlan plan)
            throws IOException {
        if (!handle.equals("id-" + spec.name())) {
            throw new DeviceGoneException("no device with handle " + handle, null);
        }
        if (this.mismatched) {
            throw new IOException("device " + handle + " has size 4096, but '" + spec.name() + "' is configured with "
                    + spec.size());
        }
        FakeDevice device = new FakeDevice(spec, operations, this.detachable);
        this.devices.put(spec.name(), device);
        this.attached.add(handle);
        return device;
    }

    /** Handles attached to, in order. */
    public List<String> attached() {
        return this.attached;
    }

    public FakeDevice device(String name) {
        return this.devices.get(name);
    }

    /** Names of the devices created, in order, including ones created again. */
    public List<String> created() {
        return this.created;
    }

    /** A device of the double. */
    public static final class FakeDevice implements TransportDevice {

        private static final Submission CLOSE = new Submission(null, null);

        private static final Submission BREAK = new Submission(null, null);

        private final DeviceSpec spec;

        private final Set<Operation> operations;

        private final LinkedBlockingQueue<Submission> queue = new LinkedBlockingQueue<>();

        private volatile String path;

        private final boolean detachable;

        private volatile boolean closed;

        private volatile boolean detached;

        FakeDevice(DeviceSpec spec, Set<Operation> operations, boolean detachable) {
            this.spec = spec;
            this.operations = operations;
            this.detachable = detachable;
        }

        public boolean isDetached() {
            return this.detached;
        }

        @Override
        public boolean canDetach() {
            return this.detachable && this.spec.recoverable();
        }

        @Override
        public String detach() {
            this.detached = true;
            this.queue.add(CLOSE);
            return "id-" + this.spec.name();
        }

        public Set<Operation> operations() {
            return this.operations;
        }

        public boolean isClosed() {
            return this.closed;
        }

        @Override
        public int channelCount() {
            return 1;
        }

        @Override
        public RequestChannel openChannel() {
            return new RequestChannel() {

                @Override
                public void serve(RequestHandler handler) throws IOException {
                    while (true) {
                        Submission submission;
                        try {
                            submission = FakeDevice.this.queue.take();
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        if (submission == CLOSE) {
                            return;
                        }
                        if (submission == BREAK) {
                            throw new IOException("transport connection lost");
                        }
                        submission.request.serve(handler, submission.result);
                    }
                }

                @Override
                public void close() {
                }

            };
        }

        @Override
        public String activate(Duration timeout) {
            this.path = "/dev/fake-" + this.spec.name();
            return this.path;
        }

        @Override
        public String path() {
            return this.path;
        }

        @Override
        public void close() {
            if (!this.closed) {
                this.closed = true;
                this.queue.add(CLOSE);
            }
        }

        /** Makes the serving channel fail, as a broken transport connection would. */
        public void breakChannel() {
            this.queue.add(BREAK);
        }

        /** Sends a request as the kernel would and returns the errno the client sees. */
        public int submit(FakeRequest request) throws IOException {
            if (this.closed) {
                throw new IOException("device is gone");
            }
            Submission submission = new Submission(request, new CompletableFuture<>());
            this.queue.add(submission);
            try {
                return submission.result.get(10, TimeUnit.SECONDS);
            }
            catch (Exception ex) {
                throw new IOException("request not served", ex);
            }
        }

        public int write(long offset, byte[] data) throws IOException {
            FakeRequest request = new FakeRequest();
            request.set(Operation.WRITE, offset, ByteBuffer.allocateDirect(data.length).put(data).flip());
            return submit(request);
        }

        public byte[] read(long offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocateDirect(length);
            FakeRequest request = new FakeRequest();
            request.set(Operation.READ, offset, buffer);
            int errno = submit(request);
            if (errno != 0) {
                throw new IOException("read failed with errno " + errno);
            }
            byte[] data = new byte[length];
            buffer.flip().get(data);
            return data;
        }

    }

    private record Submission(FakeRequest request, CompletableFuture<Integer> result) {
    }

    /** A request as the double's kernel sends it; answered now or later, like a transport's. */
    public static final class FakeRequest extends Request {

        private volatile CompletableFuture<Integer> result;

        void serve(RequestHandler handler, CompletableFuture<Integer> result) {
            this.result = result;
            if (handTo(handler)) {
                result.complete(errno());
            }
        }

        @Override
        protected void sendLater(int errno) {
            this.result.complete(errno);
        }

    }

}
