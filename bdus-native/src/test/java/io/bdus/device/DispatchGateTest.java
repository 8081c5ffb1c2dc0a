package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The replacement gate: requests leave it on any thread; a pause drains it and holds new ones back. */
class DispatchGateTest {

    /**
     * How long a pause that must succeed may wait: far beyond any scheduling stall of a busy
     * machine, so only a gate that never drains can fail the test.
     */
    private static final long PATIENCE_MILLIS = 60_000;

    private final DispatchGate gate = new DispatchGate();

    /**
     * Threads of the test's own: on JDK 25 with one common-pool worker (2 CPUs), a task run
     * on the common pool waits behind the blocked pause instead of running beside it.
     */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        this.threads.shutdownNow();
    }

    @Test
    void aPauseWaitsForRequestsThatLeaveOnAnotherThread() throws Exception {
        this.gate.enter();
        this.gate.enter();
        CompletableFuture<Boolean> pause = CompletableFuture.supplyAsync(() -> pause(PATIENCE_MILLIS), this.threads);
        Thread.sleep(50);
        assertThat(pause).as("two requests inside").isNotDone();
        // completed elsewhere: no thread owns what it entered
        CompletableFuture.runAsync(this.gate::leave, this.threads).get();
        Thread.sleep(20);
        assertThat(pause).isNotDone();
        CompletableFuture.runAsync(this.gate::leave, this.threads).get();
        assertThat(pause.get(PATIENCE_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(this.gate.inside()).isZero();
    }

    @Test
    void requestsArrivingDuringAPauseWaitAndNoneIsLost() throws Exception {
        assertThat(pause(100)).isTrue();
        CountDownLatch entered = new CountDownLatch(1);
        Thread request = new Thread(() -> {
            this.gate.enter();
            entered.countDown();
        });
        request.start();
        assertThat(entered.await(100, TimeUnit.MILLISECONDS)).as("held back while paused").isFalse();
        this.gate.resume();
        assertThat(entered.await(PATIENCE_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(this.gate.inside()).isEqualTo(1);
    }

    @Test
    void aPauseThatDoesNotDrainInTimeLetsRequestsInAgain() throws Exception {
        this.gate.enter();
        long start = System.nanoTime();
        assertThat(pause(200)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(190);
        CompletableFuture<Void> next = CompletableFuture.runAsync(this.gate::enter, this.threads);
        next.get(PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
        assertThat(this.gate.inside()).isEqualTo(2);
    }

    @Test
    void awaitEmptySeesTheLastLeave() throws Exception {
        this.gate.enter();
        CompletableFuture<Boolean> empty = CompletableFuture.supplyAsync(() -> {
            try {
                return this.gate.awaitEmpty(PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }, this.threads);
        Thread.sleep(50);
        assertThat(empty).isNotDone();
        this.gate.leave();
        assertThat(empty.get(PATIENCE_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(this.gate.awaitEmpty(0, TimeUnit.SECONDS)).isTrue();
    }

    /** Requests entering and leaving from many threads while pauses come and go: a pause never sees one inside. */
    @Test
    void noRequestIsInsideWhileAPauseHolds() throws Exception {
        AtomicBoolean paused = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        Thread[] clients = new Thread[4];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Thread(() -> {
                while (running.get()) {
                    this.gate.enter();
                    if (paused.get()) {
                        violations.incrementAndGet();
                    }
                    served.incrementAndGet();
                    this.gate.leave();
                }
            });
            clients[i].start();
        }
        for (int i = 0; i < 200; i++) {
            assertThat(pause(PATIENCE_MILLIS)).isTrue();
            paused.set(true);
            Thread.onSpinWait();
            paused.set(false);
            this.gate.resume();
        }
        running.set(false);
        for (Thread client : clients) {
            client.join(PATIENCE_MILLIS);
        }
        assertThat(violations).hasValue(0);
        assertThat(served.get()).isPositive();
        assertThat(this.gate.inside()).isZero();
    }

    private boolean pause(long millis) {
        try {
            return this.gate.pause(millis, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
