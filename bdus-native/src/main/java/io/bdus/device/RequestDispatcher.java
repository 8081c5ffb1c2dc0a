package io.bdus.device;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Calls the current driver for each request, turns exceptions into errnos and records
 * statistics.
 *
 * <p>Locking: every request holds the read side of {@code gate} while it is in the driver;
 * a driver swap takes the write side, so it waits for requests in flight and new ones wait
 * for it (none fail). A serialized driver is called under {@code serial} in addition.
 */
final class RequestDispatcher implements RequestHandler {

    private final long size;

    private final Set<Operation> advertised;

    private final RequestStatistics statistics;

    private final DriverErrorLog errorLog;

    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

    private final ReentrantLock serial = new ReentrantLock();

    private final InFlightRequests inFlight = new InFlightRequests();

    private final AtomicInteger ownCalls = new AtomicInteger();

    private volatile BlockDriver driver;

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
     * Waits until no request is in the driver and holds new ones back; returns false if that
     * did not happen within the timeout.
     */
    boolean quiesce(long timeout, TimeUnit unit) throws InterruptedException {
        return this.gate.writeLock().tryLock(timeout, unit);
    }

    /** Lets requests flow again, to {@code next} from now on. Only after {@link #quiesce}. */
    void resume(BlockDriver next) {
        use(next);
        this.gate.writeLock().unlock();
    }

    private void use(BlockDriver next) {
        this.serialized = next.concurrency() != Concurrency.PARALLEL;
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

    /** Whether no thread is inside the driver or waiting to enter it. */
    boolean idle() {
        return this.ownCalls.get() == 0 && this.statistics.active() == 0;
    }

    /** The request that has been in the driver longest, if any. */
    Optional<InFlightRequest> oldestInFlight() {
        return this.inFlight.oldest();
    }

    @Override
    public int handle(Request request) {
        Operation operation = request.operation();
        this.statistics.started();
        long start = System.nanoTime();
        int errno;
        this.gate.readLock().lock();
        InFlightRequests.Slot slot = this.inFlight.enter(operation, request.offset(), request.length(), start);
        try {
            errno = dispatch(request, operation);
        }
        finally {
            slot.leave();
            this.gate.readLock().unlock();
        }
        long nanos = System.nanoTime() - start;
        this.statistics.completed(operation, request.length(), nanos, errno != 0);
        this.observer.onRequest(operation, request.length(), nanos, errno);
        return errno;
    }

    private int dispatch(Request request, Operation operation) {
        if (!this.advertised.contains(operation)) {
            return operation == Operation.IOCTL ? Errno.ENOTTY : Errno.EOPNOTSUPP;
        }
        if (operation != Operation.IOCTL && operation != Operation.FLUSH
                && (request.offset() < 0 || request.length() < 0 || request.offset() + request.length() > this.size)) {
            return Errno.EIO;
        }
        boolean serialized = this.serialized;
        if (serialized) {
            this.serial.lock();
        }
        try {
            ByteBuffer payload = request.payload();
            int end = (payload != null) ? payload.limit() : 0;
            call(this.driver, request, operation);
            if (operation == Operation.READ && payload.position() != end) {
                // Sending the reply would give the client stale bytes of earlier requests.
                this.errorLog.underfilledRead(request.offset(), request.length(), end - payload.position());
                return Errno.EIO;
            }
            return 0;
        }
        catch (BlockDriverException ex) {
            int errno = (operation == Operation.IOCTL) ? ioctlErrno(ex.errno()) : Errno.forClient(ex.errno());
            this.errorLog.failed(operation.tag(), request.offset(), errno, ex);
            return errno;
        }
        catch (Throwable ex) {
            // Even an Error (e.g. StackOverflowError in the driver) fails only this request.
            this.errorLog.failed(operation.tag(), request.offset(), Errno.EIO, ex);
            return Errno.EIO;
        }
        finally {
            if (serialized) {
                this.serial.unlock();
            }
        }
    }

    private static void call(BlockDriver driver, Request request, Operation operation) throws Exception {
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
                    throw new BlockDriverException(Errno.EIO, "ioctl returned " + result);
                }
                request.ioctlResult(result);
            }
        }
    }

    /** ioctls may fail with any ordinary errno (1..133) except ENOSYS; others become EIO. */
    private static int ioctlErrno(int errno) {
        return (errno >= 1 && errno <= 133 && errno != Errno.ENOSYS) ? errno : Errno.EIO;
    }
}
