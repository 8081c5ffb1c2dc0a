package io.bdus.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bounded pool of in-flight requests a transport serves from. */
class RequestPoolTest {

    private static final class Pooled extends Request {

        @Override
        protected void sendLater(int errno) {
        }
    }

    private final List<Pooled> requests = List.of(new Pooled(), new Pooled());

    private final RequestPool<Pooled> pool = new RequestPool<>(this.requests);

    @Test
    void takingWaitsWhileEveryRequestIsInFlight() throws Exception {
        Pooled first = this.pool.take();
        Pooled second = this.pool.take();
        assertThat(List.of(first, second)).containsExactlyInAnyOrderElementsOf(this.requests);
        assertThat(this.pool.outstanding()).isEqualTo(2);
        CompletableFuture<Pooled> third = CompletableFuture.supplyAsync(this::take);
        Thread.sleep(50);
        assertThat(third).as("bounded: no third request").isNotDone();
        this.pool.give(second);
        assertThat(third.get(60, TimeUnit.SECONDS)).isSameAs(second);
    }

    @Test
    void closingWakesWaitersWithNullButRequestsStillComeBack() throws Exception {
        Pooled first = this.pool.take();
        Pooled second = this.pool.take();
        CompletableFuture<Pooled> waiting = CompletableFuture.supplyAsync(this::take);
        Thread.sleep(20);
        this.pool.close();
        assertThat(waiting.get(60, TimeUnit.SECONDS)).isNull();
        assertThat(this.pool.take()).isNull();
        assertThat(this.pool.awaitAllReturned(Duration.ofMillis(50))).isFalse();
        AtomicInteger released = new AtomicInteger();
        this.pool.whenAllReturned(released::incrementAndGet);
        this.pool.give(first);
        assertThat(released).hasValue(0);
        this.pool.give(second);
        assertThat(released).as("run by the thread giving back the last request").hasValue(1);
        assertThat(this.pool.awaitAllReturned(Duration.ZERO)).isTrue();
        this.pool.whenAllReturned(released::incrementAndGet);
        assertThat(released).as("run at once when nothing is out").hasValue(2);
    }

    @Test
    void manyThreadsNeverHoldMoreThanThePool() throws Exception {
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    Pooled request = take();
                    most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                    holding.decrementAndGet();
                    this.pool.give(request);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertThat(most.get()).isBetween(1, 2);
        assertThat(this.pool.outstanding()).isZero();
    }

    @Test
    void anEmptyPoolIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RequestPool<Pooled>(List.of()));
    }

    private Pooled take() {
        try {
            return this.pool.take();
        }
        catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
