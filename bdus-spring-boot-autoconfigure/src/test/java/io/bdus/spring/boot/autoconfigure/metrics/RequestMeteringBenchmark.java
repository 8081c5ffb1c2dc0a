package io.bdus.spring.boot.autoconfigure.metrics;

import java.util.concurrent.TimeUnit;

import io.bdus.device.RequestObserver;
import io.bdus.driver.Operation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per request of metering: what a device's serving thread pays in
 * {@link RequestObserver#onRequest} with no observer, and with {@link DeviceMeters} on a
 * {@link SimpleMeterRegistry} or a {@link PrometheusMeterRegistry}. Not a test; run with
 * {@code ./mvnw -B -Pbenchmarks -pl bdus-spring-boot-autoconfigure -am verify -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestMeteringBenchmark {

    private static final Operation[] OPERATIONS = { Operation.READ, Operation.WRITE, Operation.READ,
            Operation.FLUSH };

    @Param({ "none", "simple", "prometheus" })
    public String registry;

    private RequestObserver observer;

    private int next;

    @Setup
    public void setUp() {
        this.observer = switch (this.registry) {
            case "none" -> RequestObserver.NONE;
            case "simple" -> new DeviceMeters("disk0", new SimpleMeterRegistry());
            case "prometheus" -> new DeviceMeters("disk0", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            default -> throw new IllegalArgumentException(this.registry);
        };
    }

    /** One completed request: a mix of operations, sizes, latencies and an occasional error. */
    @Benchmark
    public int onRequest() {
        int i = this.next++;
        Operation operation = OPERATIONS[i & 3];
        this.observer.onRequest(operation, (i & 7) * 4096L, 20_000 + (i & 1023), ((i & 255) == 0) ? 5 : 0);
        return i;
    }

    /** Same, from 4 threads at once on one device's meters (several workers of one device). */
    @Benchmark
    @org.openjdk.jmh.annotations.Threads(4)
    public int onRequestFromFourThreads(SharedObserver shared) {
        int i = this.next++;
        Operation operation = OPERATIONS[i & 3];
        shared.observer.onRequest(operation, (i & 7) * 4096L, 20_000 + (i & 1023), ((i & 255) == 0) ? 5 : 0);
        return i;
    }

    /** Meters shared by every benchmark thread, like the workers of one device. */
    @State(Scope.Benchmark)
    public static class SharedObserver {

        @Param({ "none", "simple", "prometheus" })
        public String registry;

        RequestObserver observer;

        @Setup
        public void setUp() {
            this.observer = switch (this.registry) {
                case "none" -> RequestObserver.NONE;
                case "simple" -> new DeviceMeters("disk0", new SimpleMeterRegistry());
                case "prometheus" -> new DeviceMeters("disk0", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
                default -> throw new IllegalArgumentException(this.registry);
            };
        }

    }

}
