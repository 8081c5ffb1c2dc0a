package io.bdus.device;

import io.bdus.driver.Completion;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * The runtime's side of one transport request, attached to it and reused with it: what the
 * request asks of the driver and since when (so that health can name a stuck one), and the
 * completions an asynchronous driver gets for it.
 *
 * <p>Completions are pooled like the requests, two per request used in turn: a completion
 * called again after its request was answered finds itself disarmed and is ignored (and
 * logged once), at least until its request has been reused twice. Drivers must not keep a
 * completion after calling it (see {@link Completion}).
 */
final class DriverCall {

    final Request request;

    /** Made for one runtime call of its own ({@code BlockDevice.flush}): forgotten once answered. */
    final boolean oneShot;

    private final RequestDispatcher dispatcher;

    private final Done[] completions = { new Done(), new Done() };

    private int uses;

    Operation operation;

    long offset;

    long length;

    /** A read's payload limit when the driver got it: a read must fill up to here. */
    int payloadEnd;

    /** When the request entered the runtime (for its latency). */
    long start;

    /** When it entered the driver, or 0 while it is not there; written last, read first. */
    private volatile long since;

    DriverCall(Request request, RequestDispatcher dispatcher, boolean oneShot) {
        this.request = request;
        this.dispatcher = dispatcher;
        this.oneShot = oneShot;
    }

    void enter(long now) {
        this.since = now;
    }

    void leave() {
        this.since = 0;
    }

    /** The completion for this use of the request, armed. */
    Done arm() {
        Done done = this.completions[this.uses++ & 1];
        done.arm();
        return done;
    }

    /** This request as health shows it, or null when it is not in the driver. */
    InFlightRequest snapshot(long now) {
        long since = this.since;
        if (since == 0) {
            return null;
        }
        InFlightRequest request = new InFlightRequest(this.operation, this.offset, this.length,
                Duration.ofNanos(now - since));
        return (this.since == since) ? request : null;
    }

    /** A completion of one use of the request; answers at most once. */
    final class Done implements Completion {

        private static final VarHandle ARMED;

        static {
            try {
                ARMED = MethodHandles.lookup().findVarHandle(Done.class, "armed", boolean.class);
            }
            catch (ReflectiveOperationException ex) {
                throw new ExceptionInInitializerError(ex);
            }
        }

        @SuppressWarnings("unused") // accessed through ARMED
        private volatile boolean armed;

        void arm() {
            ARMED.setVolatile(this, true);
        }

        /** Whether this call is the one that answers the request. */
        private boolean claim() {
            if (ARMED.compareAndSet(this, true, false)) {
                return true;
            }
            DriverCall.this.dispatcher.ignoredCompletion();
            return false;
        }

        @Override
        public void complete() {
            if (claim()) {
                DriverCall.this.dispatcher.completed(DriverCall.this, 0);
            }
        }

        @Override
        public void complete(int result) {
            if (claim()) {
                DriverCall.this.dispatcher.completed(DriverCall.this, result);
            }
        }

        @Override
        public void fail(int errno) {
            if (claim()) {
                DriverCall.this.dispatcher.failed(DriverCall.this, errno);
            }
        }

        @Override
        public void fail(Throwable cause) {
            if (claim()) {
                DriverCall.this.dispatcher.failed(DriverCall.this, cause);
            }
        }

        /** The driver's method threw: fails the request unless the driver completed it already. */
        void thrown(Throwable cause) {
            if (ARMED.compareAndSet(this, true, false)) {
                DriverCall.this.dispatcher.failed(DriverCall.this, cause);
            }
            else {
                DriverCall.this.dispatcher.thrownAfterCompletion(DriverCall.this, cause);
            }
        }
    }
}
