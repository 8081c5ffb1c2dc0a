package io.bdus.spring.boot.autoconfigure.metrics;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceSpec;
import io.bdus.device.RequestObserver;
import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Completion;
import io.bdus.driver.Operation;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestHandler;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per request of the runtime's dispatch (replacement gate, in-flight entry, statistics,
 * errno mapping, the under-filled read check, the reply), with metrics off and on
 * ({@link DeviceMeters} on a {@link SimpleMeterRegistry} or a {@link PrometheusMeterRegistry}),
 * for a blocking RAM disk and for an asynchronous one that completes on the calling thread:
 * a 4 KiB read handed to a started device's request handler. Run with {@code -prof gc} for
 * the allocation per request. Not a test; run with
 * {@code ./mvnw -B -Pbenchmarks -pl bdus-spring-boot-autoconfigure -am verify -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestDispatchBenchmark {

    private static final long SIZE = 64L << 20;

    @Param({ "none", "simple", "prometheus" })
    public String registry;

    @Param({ "blocking", "async" })
    public String driver;

    private BlockDevice device;

    private RequestHandler handler;

    private final BenchmarkRequest request = new BenchmarkRequest();

    private final ByteBuffer payload = ByteBuffer.allocateDirect(4096);

    private long offset;

    @Setup(Level.Trial)
    public void start() throws Exception {
        RamDiskDriver ram = new RamDiskDriver(SIZE);
        BlockDriver blockDriver = this.driver.equals("async") ? new InlineAsyncRam(ram) : ram;
        HandlerCapture transport = new HandlerCapture();
        this.device = BlockDevice.start(DeviceSpec.builder("bench", SIZE).build(), blockDriver, transport,
                Duration.ofSeconds(30));
        this.handler = transport.handler.get(10, TimeUnit.SECONDS);
        this.device.requestObserver(switch (this.registry) {
            case "none" -> RequestObserver.NONE;
            case "simple" -> new DeviceMeters("bench", new SimpleMeterRegistry());
            case "prometheus" -> new DeviceMeters("bench", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            default -> throw new IllegalArgumentException(this.registry);
        });
    }

    @TearDown(Level.Trial)
    public void stop() {
        this.device.stop(Duration.ofSeconds(30));
    }

    /** One 4 KiB read, dispatched and answered; returns its errno. */
    @Benchmark
    public int dispatchOneRead() {
        long offset = this.offset;
        this.offset = (offset + 4096) & (SIZE - 1);
        this.payload.clear();
        this.request.set(Operation.READ, offset, this.payload);
        return this.request.serve(this.handler);
    }

    /** A request as a transport hands it over; this benchmark's answers all come before returning. */
    static final class BenchmarkRequest extends Request {

        int serve(RequestHandler handler) {
            if (!handTo(handler)) {
                throw new IllegalStateException("the benchmark's drivers answer before returning");
            }
            return errno();
        }

        @Override
        protected void sendLater(int errno) {
        }

    }

    /** An asynchronous RAM disk that completes each request before its method returns. */
    static final class InlineAsyncRam implements AsyncBlockDriver {

        private final RamDiskDriver ram;

        InlineAsyncRam(RamDiskDriver ram) {
            this.ram = ram;
        }

        @Override
        public void read(ByteBuffer buffer, long offset, Completion completion) {
            this.ram.read(buffer, offset);
            completion.complete();
        }

    }

    /** A transport without a kernel whose one channel hands out the runtime's request handler. */
    static final class HandlerCapture implements Transport {

        final CompletableFuture<RequestHandler> handler = new CompletableFuture<>();

        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public String name() {
            return "in-memory";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
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
                        public void serve(RequestHandler handler) {
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
                    return "/dev/in-memory";
                }

                @Override
                public void close() {
                    HandlerCapture.this.closed.countDown();
                }

            };
        }

    }

}
