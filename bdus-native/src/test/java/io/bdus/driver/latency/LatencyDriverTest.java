package io.bdus.driver.latency;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.driver.Completion;
import io.bdus.driver.DeviceInfo;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyDriverTest {

    private static final long SIZE = 1 << 20;

    private static final Duration LATENCY = Duration.ofMillis(20);

    private static final DeviceInfo INFO = new DeviceInfo("lat", SIZE, 512, 4096, 1 << 18, false, 0);

    @Test
    void theBlockingDriverHoldsItsCallerForTheLatencyAndKeepsData() {
        LatencyDriver driver = new LatencyDriver(SIZE, LATENCY);
        long start = System.nanoTime();
        driver.write(ByteBuffer.wrap(new byte[] { 1, 2, 3, 4 }), 512);
        ByteBuffer back = ByteBuffer.allocate(4);
        driver.read(back, 512);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LATENCY.multipliedBy(2));
        assertThat(back.array()).containsExactly(1, 2, 3, 4);
    }

    /** Completions come from the timer thread, in order, no earlier than the latency after each start. */
    @Test
    void theAsyncDriverCompletesFromItsTimerAfterTheLatency() throws Exception {
        AsyncLatencyDriver driver = new AsyncLatencyDriver(SIZE, LATENCY);
        driver.initialize(INFO);
        try {
            int requests = 50;
            List<String> completed = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(requests);
            long[] started = new long[requests];
            long[] late = new long[requests];
            for (int i = 0; i < requests; i++) {
                int index = i;
                started[i] = System.nanoTime();
                driver.read(ByteBuffer.allocate(512), 0, new Completion() {
                    @Override
                    public void complete() {
                        late[index] = System.nanoTime() - started[index];
                        completed.add(index + " " + Thread.currentThread().getName());
                        done.countDown();
                    }

                    @Override
                    public void complete(int result) {
                        complete();
                    }

                    @Override
                    public void fail(int errno) {
                    }

                    @Override
                    public void fail(Throwable cause) {
                    }
                });
            }
            long submitted = System.nanoTime() - started[0];
            assertThat(submitted).as("starting does not wait").isLessThan(LATENCY.toNanos());
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < requests; i++) {
                assertThat(completed.get(i)).isEqualTo(i + " bdus-lat-timer");
                assertThat(late[i]).isGreaterThanOrEqualTo(LATENCY.toNanos());
            }
        }
        finally {
            driver.terminate();
        }
    }

    @Test
    void aStoppedTimerCompletesAtOnce() throws Exception {
        AsyncLatencyDriver driver = new AsyncLatencyDriver(SIZE, Duration.ofSeconds(30));
        driver.initialize(INFO);
        CountDownLatch done = new CountDownLatch(2);
        Completion counting = new Completion() {
            @Override
            public void complete() {
                done.countDown();
            }

            @Override
            public void complete(int result) {
                done.countDown();
            }

            @Override
            public void fail(int errno) {
            }

            @Override
            public void fail(Throwable cause) {
            }
        };
        driver.flush(counting);
        driver.terminate();
        driver.flush(counting);
        assertThat(done.await(5, TimeUnit.SECONDS)).as("pending and later requests complete").isTrue();
    }
}
