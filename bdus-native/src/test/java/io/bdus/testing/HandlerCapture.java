package io.bdus.testing;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A transport without a kernel that hands out the runtime's {@link RequestHandler}, so that a
 * benchmark or test thread can drive the real dispatch path of a started
 * {@link io.bdus.device.BlockDevice} itself: its one channel only waits until the device
 * stops.
 */
public final class HandlerCapture implements Transport {

    private final CompletableFuture<RequestHandler> handler = new CompletableFuture<>();

    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public String name() {
        return "in-memory";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /** The handler of the device this transport created, once its channel is served. */
    public RequestHandler handler() throws Exception {
        return this.handler.get(10, TimeUnit.SECONDS);
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) {
        return new TransportDevice() {

            @Override
            public int channelCount() {
                return 1;
            }

            @Override
            public RequestChannel openChannel() {
                return new RequestChannel() {
                    @Override
                    public void serve(RequestHandler handler) throws java.io.IOException {
                        HandlerCapture.this.handler.complete(handler);
                        try {
                            HandlerCapture.this.closed.await();
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public String activate(Duration timeout) {
                return path();
            }

            @Override
            public String path() {
                return "/dev/in-memory-" + spec.name();
            }

            @Override
            public void close() {
                HandlerCapture.this.closed.countDown();
            }
        };
    }
}
