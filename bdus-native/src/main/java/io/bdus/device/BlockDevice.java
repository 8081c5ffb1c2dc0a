package io.bdus.device;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.Operation;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live block device whose requests a {@link BlockDriver} serves. Created by
 * {@link #start}; owns its serving threads (platform threads, one per transport channel; how
 * many, and how many requests may be in flight, is chosen from the driver and the machine:
 * see {@link #servingPlan()}). An {@link io.bdus.driver.AsyncBlockDriver} answers requests
 * after its methods return: those requests count as in flight, for health, replacement and
 * teardown, until it completes them.
 *
 * <p>Every operation is bounded by its timeout, even while a driver call never returns:
 * driver calls made by the operations themselves (initialize, flush, terminate) run on
 * threads of their own and are abandoned, not waited for, when they overrun; a transport is
 * never made to release memory a serving thread inside the driver may still touch.
 *
 * <p>Thread safety: state changes ({@link #replaceDriver}, {@link #flush}, {@link #detach},
 * {@link #stop}) take turns on a lock that each waits for at most its timeout; requests never
 * take it.
 */
public final class BlockDevice implements AutoCloseable {

    /** How long {@link #flush()} and {@link #close()} may take. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger logger = LoggerFactory.getLogger(BlockDevice.class);

    private static final Set<Operation> WRITING = EnumSet.of(Operation.WRITE, Operation.FUA_WRITE,
            Operation.WRITE_ZEROES, Operation.DISCARD, Operation.SECURE_ERASE);

    private final DeviceSpec spec;

    private final String transportName;

    private final Set<Operation> capabilities;

    private final RequestStatistics statistics = new RequestStatistics();

    private final RequestDispatcher dispatcher;

    private final ServingPlan servingPlan;

    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    private final List<Thread> workers = new ArrayList<>();

    private final AtomicInteger servingWorkers = new AtomicInteger();

    private final ReentrantLock operations = new ReentrantLock();

    private volatile TransportDevice transportDevice;

    private volatile DeviceState state = DeviceState.STARTING;

    private volatile Throwable failure;

    private volatile String path;

    private volatile int generation;

    private BlockDevice(DeviceSpec spec, BlockDriver driver, Transport transport) {
        this.spec = spec;
        this.transportName = transport.name();
        this.capabilities = advertisedOperations(spec, driver);
        this.dispatcher = new RequestDispatcher(spec, this.capabilities, driver, this.statistics);
        this.servingPlan = ServingDefaults.plan(spec, driver);
    }

    /**
     * Creates the device, serves it with {@code driver} and returns once clients can use it.
     *
     * @param timeout how long the whole start may take: the driver's initialization, the
     *        creation of the device and its appearance
     * @throws DeviceStartException if the transport or the driver failed or took too long;
     *         nothing is left behind
     */
    public static BlockDevice start(DeviceSpec spec, BlockDriver driver, Transport transport, Duration timeout,
            DeviceListener... listeners) throws DeviceStartException {
        return open(spec, driver, transport, null, timeout, listeners);
    }

    /**
     * Serves a device an earlier driver detached (see {@link #detach}), or left behind by
     * crashing if it is recoverable. Requests queued meanwhile are served by {@code driver}.
     *
     * @param handle what {@link #detach} or {@link #handle()} returned
     * @throws DeviceStartException if the device is gone (then its cause is a
     *         {@link io.bdus.transport.DeviceGoneException}) or does not match {@code spec}
     */
    public static BlockDevice attach(String handle, DeviceSpec spec, BlockDriver driver, Transport transport,
            Duration timeout, DeviceListener... listeners) throws DeviceStartException {
        Objects.requireNonNull(handle, "handle");
        return open(spec, driver, transport, handle, timeout, listeners);
    }

    private static BlockDevice open(DeviceSpec spec, BlockDriver driver, Transport transport, String handle,
            Duration timeout, DeviceListener... listeners) throws DeviceStartException {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(driver, "driver");
        BlockDevice device = new BlockDevice(spec, driver, transport);
        device.listeners.addAll(List.of(listeners));
        device.listeners.forEach(listener -> listener.starting(device));
        Stage stage = new Stage();
        try {
            device.open(transport, driver, handle, timeout, stage);
        }
        catch (Exception ex) {
            device.abortStart(driver, handle != null, stage.driverInitialized);
            String reason = (ex instanceof BoundedCall.TimedOut)
                    ? stage.current + " took longer than the start timeout (" + BoundedCall.text(timeout) + "): "
                            + ex.getMessage()
                    : (stage.current != null) ? stage.current + " failed: " + ex.getMessage() : ex.getMessage();
            throw new DeviceStartException("Could not " + (handle != null ? "attach to" : "start") + " device '"
                    + spec.name() + "' on transport " + transport.name() + ": " + reason, stage.current, ex);
        }
        device.listeners.forEach(listener -> listener.started(device));
        return device;
    }

    /** Where a start is, for the message of a failure. */
    private static final class Stage {

        /** Null while checking that the transport can run here. */
        String current;

        boolean driverInitialized;
    }

    private void open(Transport transport, BlockDriver driver, String handle, Duration timeout, Stage stage)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String unavailable = transport.unavailableReason().orElse(null);
        if (unavailable != null) {
            throw new IOException(unavailable);
        }
        // An attached driver takes over a device that kept its data: it is not the first one.
        int generation = (handle != null) ? 1 : 0;
        this.generation = generation;
        stage.current = "initializing the driver";
        BoundedCall.run(thread("start"), "Initializing driver " + driver.getClass().getName(), left(deadline), () -> {
            driver.initialize(info(generation));
            return null;
        });
        stage.driverInitialized = true;
        stage.current = (handle != null) ? "attaching to the device" : "creating the device";
        this.transportDevice = BoundedCall.call(thread("start"), "The " + transport.name() + " transport ("
                + stage.current + ")", left(deadline),
                () -> (handle != null) ? transport.attach(handle, this.spec, this.capabilities, this.servingPlan)
                        : transport.create(this.spec, this.capabilities, this.servingPlan),
                (late) -> {
                    logger.warn("Device '{}': the {} transport finished {} after the start gave up; letting it go",
                            name(), transport.name(), stage.current);
                    if (handle != null && late.canDetach()) {
                        late.detach();
                    }
                    else {
                        late.close();
                    }
                });
        for (int i = 0; i < this.transportDevice.channelCount(); i++) {
            startWorker(this.transportDevice.openChannel(), i);
        }
        stage.current = "waiting for the device to appear";
        this.path = this.transportDevice.activate(left(deadline));
        this.state = DeviceState.AVAILABLE;
        logger.debug("Device '{}' {} {} ({} bytes, {}-byte blocks, transport {}, {} serving threads, up to {} "
                + "requests in flight, driver {})", this.spec.name(), (handle != null) ? "re-attached at"
                        : "available at", this.path, this.spec.size(), this.spec.logicalBlockSize(), this.transportName,
                this.workers.size(), this.servingPlan.requestsInFlight(), driver.getClass().getName());
        driver.onDeviceAvailable(info(generation));
    }

    private void abortStart(BlockDriver driver, boolean keepDevice, boolean driverInitialized) {
        this.state = DeviceState.FAILED;
        TransportDevice device = this.transportDevice;
        if (keepDevice && device != null && device.canDetach()) {
            // A device we failed to take over keeps its data for another attempt.
            device.detach(Duration.ofSeconds(10));
            joinWorkers(Duration.ofSeconds(10));
        }
        else {
            closeTransport(Duration.ofSeconds(10));
        }
        if (driverInitialized && allWorkersReturned()) {
            terminateQuietly(driver, Duration.ofSeconds(10));
        }
    }

    private void startWorker(RequestChannel channel, int index) {
        Thread worker = new Thread(() -> serve(channel), "bdus-" + this.spec.name() + "-" + index);
        worker.setDaemon(true);
        this.workers.add(worker);
        this.servingWorkers.incrementAndGet();
        worker.start();
    }

    private void serve(RequestChannel channel) {
        try (channel) {
            channel.serve(this.dispatcher);
        }
        catch (Throwable ex) {
            fail(ex);
        }
        finally {
            if (this.servingWorkers.decrementAndGet() == 0 && this.state.isServing()) {
                // Nobody asked this process to stop serving: the kernel side went away.
                fail(new IOException("the block device " + this.path + " was torn down from outside this process "
                        + "(e.g. by 'bdus destroy')"));
            }
        }
    }

    private void fail(Throwable cause) {
        synchronized (this) {
            if (this.state == DeviceState.STOPPING || this.state == DeviceState.STOPPED
                    || this.state == DeviceState.DETACHED || this.state == DeviceState.FAILED) {
                return;
            }
            this.state = DeviceState.FAILED;
            this.failure = cause;
        }
        logger.error("Device '{}' at {} failed and stops serving", this.spec.name(), this.path, cause);
        this.listeners.forEach(listener -> listener.failed(this, cause));
    }

    /** Operations the device advertises: the driver's, minus writes on a read-only device. */
    static Set<Operation> advertisedOperations(DeviceSpec spec, BlockDriver driver) {
        Set<Operation> operations = EnumSet.copyOf(driver.supportedOperations());
        operations.add(Operation.READ);
        if (spec.readOnly()) {
            operations.removeAll(WRITING);
        }
        return Set.copyOf(operations);
    }

    private DeviceInfo info(int generation) {
        return new DeviceInfo(this.spec.name(), this.spec.size(), this.spec.logicalBlockSize(),
                this.spec.physicalBlockSize(), this.spec.maxRequestSize(), this.spec.readOnly(), generation);
    }

    public String name() {
        return this.spec.name();
    }

    public DeviceSpec spec() {
        return this.spec;
    }

    /** The block device's path (e.g. {@code /dev/loop3}), or {@code null} before it exists. */
    public String path() {
        return this.path;
    }

    public String transportName() {
        return this.transportName;
    }

    /** How the transport serves this device (see {@link TransportDevice#details()}); empty before it exists. */
    public Map<String, Object> transportDetails() {
        TransportDevice device = this.transportDevice;
        return (device != null) ? device.details() : Map.of();
    }

    public DeviceState state() {
        return this.state;
    }

    /** Why the device failed, or {@code null}. */
    public Throwable failure() {
        return this.failure;
    }

    /** The operations clients can send. */
    public Set<Operation> capabilities() {
        return this.capabilities;
    }

    /** How many drivers served this device before the current one. */
    public int generation() {
        return this.generation;
    }

    public BlockDriver driver() {
        return this.dispatcher.driver();
    }

    public DeviceStats stats() {
        return this.statistics.snapshot();
    }

    /**
     * How this device is served: its serving threads and how many requests may be in the
     * driver at once (see {@link ServingDefaults}).
     */
    public ServingPlan servingPlan() {
        return this.servingPlan;
    }

    /** Requests in the driver right now (for an asynchronous driver: started and not completed). */
    public int activeRequests() {
        return this.statistics.active();
    }

    /** The request that has been inside the driver longest, if any: a stuck one shows here. */
    public Optional<InFlightRequest> oldestRequest() {
        return this.dispatcher.oldestInFlight();
    }

    public void addListener(DeviceListener listener) {
        this.listeners.add(listener);
    }

    /** Sets the observer that sees every completed request (e.g. a metrics binder). */
    public void requestObserver(RequestObserver observer) {
        this.dispatcher.observer(observer);
    }

    /** Makes every write completed so far durable, within {@link #DEFAULT_TIMEOUT}. */
    public void flush() throws IOException {
        flush(DEFAULT_TIMEOUT);
    }

    /**
     * Makes every write completed so far durable, when the driver supports flushing.
     *
     * @throws IOException if the driver's flush failed or did not return within {@code timeout}
     */
    public void flush(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock(timeout, "flush");
        try {
            requireServing("flush");
            if (this.capabilities.contains(Operation.FLUSH)) {
                int errno = BoundedCall.call(thread("flush"), "The flush of device '" + name() + "'", left(deadline),
                        () -> AwaitedRequest.flush().serve(this.dispatcher), (late) -> {
                        });
                if (errno != 0) {
                    throw new BlockDriverException(errno, "Flush of device '" + name() + "' failed");
                }
            }
        }
        finally {
            this.operations.unlock();
        }
    }

    /**
     * Swaps in {@code next} without failing any client request: waits for requests in
     * flight (holding new ones back), flushes and terminates the current driver, and resumes
     * with {@code next}. A different instance is initialized before the pause, so the pause
     * stays short; the same instance is terminated and initialized again during it. If the
     * current driver cannot flush, or a different {@code next} fails to initialize, or any of
     * it overruns {@code timeout}, the current driver stays in place and this throws. The same
     * instance that fails to start again is retried, requests held back, until the timeout;
     * then the device fails.
     *
     * @throws IllegalArgumentException if {@code next} lacks an operation the device advertises
     */
    public void replaceDriver(BlockDriver next, Duration timeout) throws IOException {
        Objects.requireNonNull(next, "next");
        long deadline = System.nanoTime() + timeout.toNanos();
        lock(timeout, "replace the driver of");
        try {
            replaceLocked(next, timeout, deadline);
        }
        finally {
            this.operations.unlock();
        }
    }

    private void replaceLocked(BlockDriver next, Duration timeout, long deadline) throws IOException {
        requireServing("replace the driver of");
        Set<Operation> missing = EnumSet.copyOf(this.capabilities);
        missing.removeAll(next.supportedOperations());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Driver " + next.getClass().getName() + " cannot replace the driver of '"
                    + name() + "': it does not support " + missing + ", which the device advertises");
        }
        int nextGeneration = this.generation + 1;
        BlockDriver previous = this.dispatcher.driver();
        boolean sameInstance = previous == next;
        if (!sameInstance) {
            BoundedCall.run(thread("replace"), "Initializing driver " + next.getClass().getName(), left(deadline),
                    () -> {
                        next.initialize(info(nextGeneration));
                        return null;
                    });
        }
        this.state = DeviceState.REPLACING;
        try {
            quiesceAndFlush(previous, deadline);
        }
        catch (IOException | RuntimeException ex) {
            this.state = DeviceState.AVAILABLE;
            if (!sameInstance) {
                // the timeout may be spent waiting for the old driver: the unused one still gets a moment
                terminateQuietly(next, Duration.ofMillis(Math.max(1000, left(deadline).toMillis())));
            }
            throw ex;
        }
        IOException restartFailure = null;
        try {
            if (sameInstance) {
                terminateQuietly(previous, left(deadline));
                restartFailure = reinitialize(next, info(nextGeneration), deadline, timeout);
            }
        }
        finally {
            this.generation = nextGeneration;
            this.dispatcher.resume(next);
            this.state = DeviceState.AVAILABLE;
        }
        if (restartFailure != null) {
            fail(restartFailure);
            throw restartFailure;
        }
        if (!sameInstance) {
            terminateQuietly(previous, Duration.ofMillis(Math.max(1000, left(deadline).toMillis())));
        }
        logger.debug("Device '{}' at {}: driver replaced by {} (generation {})", name(), this.path,
                next.getClass().getName(), nextGeneration);
        next.onDeviceAvailable(info(nextGeneration));
        this.listeners.forEach(listener -> listener.replaced(this, nextGeneration));
    }

    /**
     * Initializes a driver that was just terminated, retrying while requests are held back:
     * there is no other driver to fall back to.
     * @return null, or why the driver still could not start when the timeout ran out
     */
    private IOException reinitialize(BlockDriver driver, DeviceInfo info, long deadline, Duration timeout) {
        long pause = 50;
        while (true) {
            try {
                BoundedCall.run(thread("replace"), "Initializing driver " + driver.getClass().getName(),
                        left(deadline), () -> {
                            driver.initialize(info);
                            return null;
                        });
                return null;
            }
            catch (Exception ex) {
                if (ex instanceof BoundedCall.TimedOut
                        || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline) {
                    return new IOException("Driver " + driver.getClass().getName() + " of '" + name()
                            + "' did not start again within " + timeout + ": " + ex.getMessage(), ex);
                }
                logger.warn("Device '{}': driver {} failed to start again ({}); retrying in {} ms", name(),
                        driver.getClass().getName(), ex.toString(), pause);
            }
            try {
                Thread.sleep(pause);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return new IOException("Interrupted while restarting the driver of '" + name() + "'", ex);
            }
            pause = Math.min(pause * 2, 1000);
        }
    }

    /** Holds requests back and flushes {@code driver}; on failure requests flow to it again. */
    private void quiesceAndFlush(BlockDriver driver, long deadline) throws IOException {
        boolean quiesced = false;
        try {
            quiesced = this.dispatcher.quiesce(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (!quiesced) {
                String stuck = oldestRequest().map(request -> " (" + request + ")").orElse("");
                throw new IOException("Requests of '" + name() + "' did not drain in time" + stuck);
            }
            if (this.capabilities.contains(Operation.FLUSH)) {
                BoundedCall.run(thread("replace"), "The flush of the driver of '" + name() + "'", left(deadline),
                        () -> this.dispatcher.callDriver(() -> {
                            driver.flush();
                            return null;
                        }));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while replacing the driver of '" + name() + "'", ex);
        }
        catch (IOException | RuntimeException ex) {
            if (quiesced) {
                this.dispatcher.resume(driver);
            }
            throw ex;
        }
    }

    /**
     * What {@link #attach} takes to serve this device again, from this or another process,
     * once it is detached or its process died; {@code null} if it cannot outlive its driver.
     */
    public String handle() {
        TransportDevice device = this.transportDevice;
        return (device != null) ? device.handle() : null;
    }

    /** Whether {@link #detach} can leave this device in place for a later {@link #attach}. */
    public boolean canDetach() {
        TransportDevice device = this.transportDevice;
        return device != null && device.canDetach() && this.state.isServing();
    }

    /**
     * Stops serving but leaves the block device in place, with the requests queued on it, for
     * a later {@link #attach} by this or another process: the driver is flushed and
     * terminated, clients wait. Returns within about {@code timeout}; a driver call that does
     * not return by then is left running, and the driver is then neither flushed nor
     * terminated (its unanswered request goes to the next driver).
     *
     * @return the handle {@link #attach} takes
     * @throws IllegalStateException if the device cannot be detached (see {@link #canDetach})
     */
    public String detach(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean locked = lockForTeardown(timeout, "detach");
        try {
            if (!canDetach()) {
                throw new IllegalStateException("Device '" + name() + "' on transport " + this.transportName
                        + " cannot be detached" + (this.spec.recoverable() ? "" : " (it is not recoverable)"));
            }
            BlockDriver driver = this.dispatcher.driver();
            this.state = DeviceState.STOPPING;
            String handle = this.transportDevice.detach(left(deadline));
            joinWorkers(left(deadline));
            awaitAnswered(deadline);
            finishDriver(driver, deadline, "detaching");
            this.state = DeviceState.DETACHED;
            logger.debug("Device '{}' at {} detached and left in place (handle {})", name(), this.path, handle);
            this.listeners.forEach(listener -> listener.stopped(this));
            return handle;
        }
        finally {
            if (locked) {
                this.operations.unlock();
            }
        }
    }

    /**
     * Stops serving: the block device goes away once requests in flight are answered (or
     * failed), then the driver is flushed and terminated. Returns within about
     * {@code timeout} even if a driver call never returns. Idempotent.
     */
    public void stop(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean locked = lockForTeardown(timeout, "stop");
        try {
            if (this.state == DeviceState.STOPPED || this.state == DeviceState.DETACHED) {
                return;
            }
            boolean wasFailed = this.state == DeviceState.FAILED;
            this.state = DeviceState.STOPPING;
            closeTransport(left(deadline));
            awaitAnswered(deadline);
            finishDriver(this.dispatcher.driver(), wasFailed ? -1 : deadline, "stopping");
            this.state = DeviceState.STOPPED;
            logger.debug("Device '{}' at {} stopped", name(), this.path);
            this.listeners.forEach(listener -> listener.stopped(this));
        }
        finally {
            if (locked) {
                this.operations.unlock();
            }
        }
    }

    /**
     * Flushes (unless {@code deadline} is negative) and terminates the driver, once no serving
     * thread is inside it any more: a call made beside a stuck one could break a driver that
     * expects one call at a time, so the driver is then left alone.
     */
    private void finishDriver(BlockDriver driver, long deadline, String what) {
        if (!allWorkersReturned() || !this.dispatcher.idle()) {
            String stuck = oldestRequest().map(InFlightRequest::toString).orElse("an earlier call that overran");
            logger.error("Device '{}': a thread is still inside the driver ({}) after {}; the driver is neither "
                    + "flushed nor terminated", name(), stuck, what);
            return;
        }
        if (deadline >= 0 && this.capabilities.contains(Operation.FLUSH)) {
            try {
                BoundedCall.run(thread("stop"), "The final flush of device '" + name() + "'", left(deadline),
                        () -> this.dispatcher.callDriver(() -> {
                            driver.flush();
                            return null;
                        }));
            }
            catch (Exception ex) {
                logger.warn("Device '{}': final flush failed", name(), ex);
            }
        }
        terminateQuietly(driver, Duration.ofMillis(Math.max(1000, left(Math.max(deadline, 0)).toMillis())));
    }

    /** Waits, until {@code deadline}, for requests an asynchronous driver has not completed yet. */
    private void awaitAnswered(long deadline) {
        try {
            this.dispatcher.awaitAnswered(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops within {@link #DEFAULT_TIMEOUT}. */
    @Override
    public void close() {
        stop(DEFAULT_TIMEOUT);
    }

    private void closeTransport(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        TransportDevice device = this.transportDevice;
        if (device != null) {
            device.close(timeout);
        }
        joinWorkers(left(deadline));
    }

    private void joinWorkers(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread worker : this.workers) {
            try {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean allWorkersReturned() {
        return this.servingWorkers.get() == 0;
    }

    private void lock(Duration timeout, String what) throws IOException {
        try {
            if (!this.operations.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("Cannot " + what + " device '" + name() + "': another operation on it did not "
                        + "finish within " + timeout);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting to " + what + " device '" + name() + "'", ex);
        }
    }

    /** Teardown waits for another operation for at most its timeout, then goes ahead anyway. */
    private boolean lockForTeardown(Duration timeout, String what) {
        try {
            if (this.operations.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        logger.warn("Device '{}': another operation did not finish within {}; going ahead with {}", name(), timeout,
                what);
        return false;
    }

    private void requireServing(String what) {
        if (!this.state.isServing()) {
            throw new IllegalStateException("Cannot " + what + " device '" + name() + "' while it is " + this.state);
        }
    }

    private void terminateQuietly(BlockDriver driver, Duration timeout) {
        try {
            BoundedCall.run(thread("terminate"), "Terminating driver " + driver.getClass().getName(), timeout,
                    () -> this.dispatcher.callDriver(() -> {
                        driver.terminate();
                        return null;
                    }));
        }
        catch (Exception ex) {
            logger.warn("Driver {} of device '{}' failed to terminate", driver.getClass().getName(), name(), ex);
        }
    }

    private String thread(String what) {
        return "bdus-" + this.spec.name() + "-" + what;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public String toString() {
        return "BlockDevice[" + name() + " " + this.path + " " + this.state + "]";
    }
}
