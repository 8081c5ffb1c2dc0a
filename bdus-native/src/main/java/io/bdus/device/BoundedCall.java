package io.bdus.device;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs a call that may never return (a driver's, or a transport's waiting on one) on a
 * thread of its own and waits for it at most a given time, so that the caller always gets
 * control back. A call that overruns goes on in the background; what it returns late is
 * handed to a clean-up action.
 */
final class BoundedCall {

    private BoundedCall() {
    }

    /** A call that did not return in time. */
    static final class TimedOut extends IOException {

        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    /** "300 ms", "30 s", "2 min". */
    static String text(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 10_000) {
            return millis + " ms";
        }
        return (millis < 600_000) ? (millis / 1000) + " s" : (millis / 60_000) + " min";
    }

    static void run(String thread, String what, Duration timeout, Callable<?> call) throws IOException {
        call(thread, what, timeout, call, (late) -> {
        });
    }

    /**
     * @param thread name of the thread the call runs on
     * @param what the call, for the message of a timeout ("the driver's flush")
     * @param lateResult receives the result of a call that returns after the timeout
     * @throws TimedOut if the call did not return within {@code timeout}
     * @throws IOException what the call threw, unwrapped (other checked exceptions wrapped)
     */
    static <T> T call(String thread, String what, Duration timeout, Callable<T> call, Consumer<T> lateResult)
            throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                result.complete(call.call());
            }
            catch (Throwable ex) {
                result.completeExceptionally(ex);
            }
        }, thread);
        runner.setDaemon(true);
        runner.start();
        try {
            return result.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            result.thenAccept(lateResult);
            throw new TimedOut(what + " did not return within " + text(timeout));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            result.thenAccept(lateResult);
            throw new IOException("Interrupted while waiting for " + what, ex);
        }
        catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(what + " failed: " + cause, cause);
        }
    }
}
