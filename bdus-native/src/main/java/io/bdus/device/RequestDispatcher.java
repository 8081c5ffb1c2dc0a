package io.bdus.device;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Concurrency;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestHandler;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Calls the current driver for each request, turns exceptions into errnos, records
 * statistics and answers the request: on the calling thread for a blocking driver, on the
 * completing thread for an asynchronous one. Everything it keeps about a request lives in
 * the {@link DriverCall} attached to the transport's pooled request, so serving allocates
 * nothing.
 *
 * <p>Locking: every request passes the {@link DispatchGate} and counts as inside it until it
 * is answered; a driver swap pauses the gate, so it waits for requests in flight (whatever
 * thread completes them) and new ones wait for it (none fail). A serialized driver is called
 * under {@code serial} in addition: a blocking one for the whole call, an asynchronous one
 * while it starts the request.
 */
final class RequestDispatcher implements RequestHandler {

    private final long size;

    private final Set<Operation> advertised;

    private final RequestStatistics statistics;

    private final DriverErrorLog errorLog;

    private final DispatchGate gate = new DispatchGate();

    private final ReentrantLock serial = new ReentrantLock();

    private final InFlightRequests inFlight = new InFlightRequests();

    private final AtomicInteger ownCalls = new AtomicInteger();

    private volatile BlockDriver driver;

    /** The driver when it is asynchronous, else null; set together with {@code driver}. */
    private volatile AsyncBlockDriver asyncDriver;

    private volatile boolean serialized;

    private volatile RequestObserver observer = RequestObserver.NONE;

    RequestDispatcher(DeviceSpec spec, Set<Operation> advertised, BlockDriver driver, RequestStatistics statistics) {
        this.size = spec.size();
        this.advertised = Set.copyOf(advertised);
        this.statistics = statistics;
        this.errorLog = new DriverErrorLog(spec.name());
        use(driver);
    }

    BlockDriver driver() {
        return this.driver;
    }

    void observer(RequestObserver observer) {
        this.observer = (observer != null) ? observer : RequestObserver.NONE;
    }

    /**
     * Waits until no request is in the driver (answered or not yet started) and holds new
     * ones back; returns false if that did not happen within the timeout.
     */
    boolean quiesce(long timeout, TimeUnit unit) throws InterruptedException {
        return this.gate.pause(timeout, unit);
    }

    /** Lets requests flow again, to {@code next} from now on. Only after {@link #quiesce}. */
    void resume(BlockDriver next) {
        use(next);
        this.gate.resume();
    }

    private void use(BlockDriver next) {
        this.serialized = next.concurrency() != Concurrency.PARALLEL;
        this.asyncDriver = (next instanceof AsyncBlockDriver async) ? async : null;
        this.driver = next;
    }

    /**
     * Calls the driver outside any request (a flush or terminate of the runtime's own), one
     * at a time with requests if the driver is serialized, and counts the call while it runs.
     */
    <T> T callDriver(Callable<T> call) throws Exception {
        this.ownCalls.incrementAndGet();
        boolean serialized = this.serialized;
        if (serialized) {
            this.serial.lock();
        }
        try {
            return call.call();
        }
        finally {
            if (serialized) {
                this.serial.unlock();
            }
            this.ownCalls.decrementAndGet();
        }
    }

    /** Whether no request is inside the driver or waiting to enter it, and no call of the runtime's own runs. */
    boolean idle() {
        return this.ownCalls.get() == 0 && this.statistics.active() == 0;
    }

    /**
     * Waits up to the timeout until every request that entered the driver was answered (an
     * asynchronous driver answers after the serving threads returned).
     */
    boolean awaitAnswered(long timeout, TimeUnit unit) throws InterruptedException {
        return this.gate.awaitEmpty(timeout, unit);
    }

    /** The request that has been in the driver longest, if any. */
    Optional<InFlightRequest> oldestInFlight() {
        return this.inFlight.oldest();
    }

    @Override
    public void handle(Request request) {
        Operation operation = request.operation();
        this.statistics.started();
        long start = System.nanoTime();
        this.gate.enter();
        DriverCall call = callFor(request);
        call.operation = operation;
        call.offset = request.offset();
        call.length = request.length();
        call.start = start;
        ByteBuffer payload = request.payload();
        call.payloadEnd = (payload != null) ? payload.limit() : 0;
        call.enter(start);
        int refusal = refusal(request, operation);
        if (refusal != 0) {
            finish(call, refusal);
            return;
        }
        AsyncBlockDriver async = this.asyncDriver;
        if (async != null) {
            start(async, call);
        }
        else {
            finish(call, callBlocking(this.driver, call));
        }
    }

    private DriverCall callFor(Request request) {
        Object attached = request.attachment();
        if (attached instanceof DriverCall call) {
            return call;
        }
        DriverCall call = new DriverCall(request, this, request instanceof AwaitedRequest);
        request.attach(call);
        this.inFlight.register(call);
        return call;
    }

    /** Why a request cannot reach the driver (an errno), or 0. */
    private int refusal(Request request, Operation operation) {
        if (!this.advertised.contains(operation)) {
            return operation == Operation.IOCTL ? Errno.ENOTTY : Errno.EOPNOTSUPP;
        }
        if (operation != Operation.IOCTL && operation != Operation.FLUSH
                && (request.offset() < 0 || request.length() < 0 || request.offset() + request.length() > this.size)) {
            return Errno.EIO;
        }
        return 0;
    }

    private int callBlocking(BlockDriver driver, DriverCall call) {
        Request request = call.request;
        Operation operation = call.operation;
        boolean serialized = this.serialized;
        if (serialized) {
            this.serial.lock();
        }
        try {
            ByteBuffer payload = request.payload();
            switch (operation) {
                case READ -> driver.read(payload, request.offset());
                case WRITE -> driver.write(payload, request.offset());
                case FUA_WRITE -> driver.fuaWrite(payload, request.offset());
                case WRITE_ZEROES -> driver.writeZeroes(request.offset(), request.length(), request.mayUnmap());
                case FLUSH -> driver.flush();
                case DISCARD -> driver.discard(request.offset(), request.length());
                case SECURE_ERASE -> driver.secureErase(request.offset(), request.length());
                case IOCTL -> {
                    int result = driver.ioctl(request.ioctlCommand(), payload, request.ioctlCallerMayWrite());
                    if (result < 0) {
                        return errnoOf(call, new BlockDriverException(Errno.EIO, "ioctl returned " + result));
                    }
                    request.ioctlResult(result);
                }
            }
            return 0;
        }
        catch (Throwable ex) {
            // Even an Error (e.g. StackOverflowError in the driver) fails only this request.
            return errnoOf(call, ex);
        }
        finally {
            if (serialized) {
                this.serial.unlock();
            }
        }
    }

    private void start(AsyncBlockDriver driver, DriverCall call) {
        Request request = call.request;
        DriverCall.Done done = call.arm();
        boolean serialized = this.serialized;
        if (serialized) {
            this.serial.lock();
        }
        try {
            ByteBuffer payload = request.payload();
            switch (call.operation) {
                case READ -> driver.read(payload, request.offset(), done);
                case WRITE -> driver.write(payload, request.offset(), done);
                case FUA_WRITE -> driver.fuaWrite(payload, request.offset(), done);
                case WRITE_ZEROES -> driver.writeZeroes(request.offset(), request.length(), request.mayUnmap(), done);
                case FLUSH -> driver.flush(done);
                case DISCARD -> driver.discard(request.offset(), request.length(), done);
                case SECURE_ERASE -> driver.secureErase(request.offset(), request.length(), done);
                case IOCTL -> driver.ioctl(request.ioctlCommand(), payload, request.ioctlCallerMayWrite(), done);
            }
        }
        catch (Throwable ex) {
            done.thrown(ex);
        }
        finally {
            if (serialized) {
                this.serial.unlock();
            }
        }
    }

    /** An asynchronous driver completed a request (with an ioctl's result). */
    void completed(DriverCall call, int result) {
        if (call.operation == Operation.IOCTL) {
            if (result < 0) {
                finish(call, errnoOf(call, new BlockDriverException(Errno.EIO, "ioctl completed with " + result)));
                return;
            }
            call.request.ioctlResult(result);
        }
        finish(call, 0);
    }

    /** An asynchronous driver failed a request with an errno. */
    void failed(DriverCall call, int errno) {
        int mapped = (call.operation == Operation.IOCTL) ? ioctlErrno(errno) : Errno.forClient(errno);
        this.errorLog.failed(call.operation.tag(), call.offset, mapped, null);
        finish(call, mapped);
    }

    /** An asynchronous driver failed a request with an exception, or its method threw. */
    void failed(DriverCall call, Throwable cause) {
        finish(call, errnoOf(call, cause));
    }

    /** A completion called when its request was no longer waiting for one. */
    void ignoredCompletion() {
        this.errorLog.ignoredCompletion();
    }

    void thrownAfterCompletion(DriverCall call, Throwable cause) {
        this.errorLog.thrownAfterCompletion(cause);
    }

    private int errnoOf(DriverCall call, Throwable failure) {
        int errno;
        if (failure instanceof BlockDriverException ex) {
            errno = (call.operation == Operation.IOCTL) ? ioctlErrno(ex.errno()) : Errno.forClient(ex.errno());
        }
        else {
            errno = Errno.EIO;
        }
        this.errorLog.failed(call.operation.tag(), call.offset, errno, failure);
        return errno;
    }

    /**
     * Answers the request: checks that a read filled its buffer, leaves the gate, records
     * statistics and hands the reply to the transport, which may reuse the request at once.
     */
    private void finish(DriverCall call, int errno) {
        Request request = call.request;
        Operation operation = call.operation;
        long length = call.length;
        if (errno == 0 && operation == Operation.READ && request.payload().position() != call.payloadEnd) {
            // Sending the reply would give the client stale bytes of earlier requests.
            this.errorLog.underfilledRead(call.offset, length, call.payloadEnd - request.payload().position());
            errno = Errno.EIO;
        }
        long nanos = System.nanoTime() - call.start;
        call.leave();
        if (call.oneShot) {
            this.inFlight.unregister(call);
        }
        this.statistics.completed(operation, length, nanos, errno != 0);
        this.gate.leave();
        this.observer.onRequest(operation, length, nanos, errno);
        request.reply(errno);
    }

    /** ioctls may fail with any ordinary errno (1..133) except ENOSYS; others become EIO. */
    private static int ioctlErrno(int errno) {
        return (errno >= 1 && errno <= 133 && errno != Errno.ENOSYS) ? errno : Errno.EIO;
    }
}
