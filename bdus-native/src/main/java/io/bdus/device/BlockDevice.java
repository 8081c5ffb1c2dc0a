package io.bdus.device;

import io.bdus.driver.BlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.Operation;
import io.bdus.transport.Request;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live block device whose requests a {@link BlockDriver} serves. Created by
 * {@link #start}; owns its serving threads (platform threads, one per transport channel).
 *
 * <p>Thread safety: state changes ({@link #replaceDriver}, {@link #flush}, {@link #stop})
 * are serialized on this object; requests never take that lock.
 */
public final class BlockDevice implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(BlockDevice.class);

    private static final Set<Operation> WRITING = EnumSet.of(Operation.WRITE, Operation.FUA_WRITE,
            Operation.WRITE_ZEROES, Operation.DISCARD, Operation.SECURE_ERASE);

    private final DeviceSpec spec;

    private final String transportName;

    private final Set<Operation> capabilities;

    private final RequestStatistics statistics = new RequestStatistics();

    private final RequestDispatcher dispatcher;

    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    private final List<Thread> workers = new ArrayList<>();

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
    }

    /**
     * Creates the device, serves it with {@code driver} and returns once clients can use it.
     *
     * @throws DeviceStartException if the transport or the driver failed; nothing is left behind
     */
    public static BlockDevice start(DeviceSpec spec, BlockDriver driver, Transport transport, Duration timeout,
            DeviceListener... listeners) throws DeviceStartException {
        return open(spec, driver, transport, null, timeout, listeners);
    }

    /**
     * Serves a device an earlier driver detached (see {@link #detach}), or left behind by
     * crashing if it is recoverable. Requests queued meanwhile are served by {@code driver}.
     *
     * @param handle what {@link #detach} returned
     * @throws DeviceStartException if the device is gone or does not match {@code spec}
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
        try {
            device.open(transport, driver, handle, timeout);
        }
        catch (Exception ex) {
            device.abortStart(driver, handle != null);
            throw new DeviceStartException("Could not " + (handle != null ? "attach to" : "start") + " device '"
                    + spec.name() + "' on transport " + transport.name() + ": " + ex.getMessage(), ex);
        }
        device.listeners.forEach(listener -> listener.started(device));
        return device;
    }

    private void open(Transport transport, BlockDriver driver, String handle, Duration timeout) throws IOException {
        String unavailable = transport.unavailableReason().orElse(null);
        if (unavailable != null) {
            throw new IOException(unavailable);
        }
        // An attached driver takes over a device that kept its data: it is not the first one.
        int generation = (handle != null) ? 1 : 0;
        this.generation = generation;
        driver.initialize(info(generation));
        this.transportDevice = (handle != null) ? transport.attach(handle, this.spec, this.capabilities)
                : transport.create(this.spec, this.capabilities);
        for (int i = 0; i < this.transportDevice.channelCount(); i++) {
            startWorker(this.transportDevice.openChannel(), i);
        }
        this.path = this.transportDevice.activate(timeout);
        this.state = DeviceState.AVAILABLE;
        logger.info("Device '{}' {} {} ({} bytes, {}-byte blocks, transport {}, {} workers, driver {})",
                this.spec.name(), (handle != null) ? "re-attached at" : "available at", this.path, this.spec.size(),
                this.spec.logicalBlockSize(), this.transportName, this.workers.size(), driver.getClass().getName());
        driver.onDeviceAvailable(info(generation));
    }

    private void abortStart(BlockDriver driver, boolean keepDevice) {
        this.state = DeviceState.FAILED;
        TransportDevice device = this.transportDevice;
        if (keepDevice && device != null && device.canDetach()) {
            // A device we failed to take over keeps its data for another attempt.
            device.detach();
            joinWorkers(Duration.ofSeconds(10));
        }
        else {
            closeTransport(Duration.ofSeconds(10));
        }
        try {
            driver.terminate();
        }
        catch (Exception ex) {
            logger.debug("Driver of device '{}' failed to terminate after a failed start", this.spec.name(), ex);
        }
    }

    private void startWorker(RequestChannel channel, int index) {
        Thread worker = new Thread(() -> serve(channel), "bdus-" + this.spec.name() + "-" + index);
        worker.setDaemon(true);
        this.workers.add(worker);
        worker.start();
    }

    private void serve(RequestChannel channel) {
        try (channel) {
            channel.serve(this.dispatcher);
        }
        catch (Throwable ex) {
            fail(ex);
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

    /** Requests in the driver right now. */
    public int activeRequests() {
        return this.statistics.active();
    }

    public void addListener(DeviceListener listener) {
        this.listeners.add(listener);
    }

    /** Sets the observer that sees every completed request (e.g. a metrics binder). */
    public void requestObserver(RequestObserver observer) {
        this.dispatcher.observer(observer);
    }

    /** Makes every write completed so far durable, when the driver supports flushing. */
    public synchronized void flush() throws IOException {
        requireServing("flush");
        if (this.capabilities.contains(Operation.FLUSH)) {
            int errno = this.dispatcher.handle(new Request().set(Operation.FLUSH, 0, 0, null, false));
            if (errno != 0) {
                throw new BlockDriverException(errno, "Flush of device '" + name() + "' failed");
            }
        }
    }

    /**
     * Swaps in {@code next} without failing any client request: waits for requests in
     * flight (holding new ones back), flushes and terminates the current driver, and resumes
     * with {@code next}. A different instance is initialized before the pause, so the pause
     * stays short; the same instance is terminated and initialized again during it. If the
     * current driver cannot flush, or a different {@code next} fails to initialize, the
     * current driver stays in place and this throws. The same instance that fails to start
     * again is retried, requests held back, until the timeout; then the device fails.
     *
     * @throws IllegalArgumentException if {@code next} lacks an operation the device advertises
     */
    public synchronized void replaceDriver(BlockDriver next, Duration timeout) throws IOException {
        Objects.requireNonNull(next, "next");
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
            next.initialize(info(nextGeneration));
        }
        this.state = DeviceState.REPLACING;
        try {
            quiesceAndFlush(previous, timeout);
        }
        catch (IOException | RuntimeException ex) {
            this.state = DeviceState.AVAILABLE;
            if (!sameInstance) {
                terminateQuietly(next);
            }
            throw ex;
        }
        IOException restartFailure = null;
        try {
            if (sameInstance) {
                terminateQuietly(previous);
                restartFailure = reinitialize(next, info(nextGeneration), timeout);
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
            terminateQuietly(previous);
        }
        logger.info("Device '{}' at {}: driver replaced by {} (generation {})", name(), this.path,
                next.getClass().getName(), nextGeneration);
        next.onDeviceAvailable(info(nextGeneration));
        this.listeners.forEach(listener -> listener.replaced(this, nextGeneration));
    }

    /**
     * Initializes a driver that was just terminated, retrying while requests are held back:
     * there is no other driver to fall back to.
     * @return null, or why the driver still could not start when the timeout ran out
     */
    private IOException reinitialize(BlockDriver driver, DeviceInfo info, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 50;
        while (true) {
            try {
                driver.initialize(info);
                return null;
            }
            catch (Exception ex) {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline) {
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
    private void quiesceAndFlush(BlockDriver driver, Duration timeout) throws IOException {
        boolean quiesced = false;
        try {
            quiesced = this.dispatcher.quiesce(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!quiesced) {
                throw new IOException("Requests of '" + name() + "' did not drain within " + timeout);
            }
            if (this.capabilities.contains(Operation.FLUSH)) {
                driver.flush();
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
     * terminated, clients wait.
     *
     * @return the handle {@link #attach} takes
     * @throws IllegalStateException if the device cannot be detached (see {@link #canDetach})
     */
    public synchronized String detach(Duration timeout) {
        if (!canDetach()) {
            throw new IllegalStateException("Device '" + name() + "' on transport " + this.transportName
                    + " cannot be detached" + (this.spec.recoverable() ? "" : " (it is not recoverable)"));
        }
        BlockDriver driver = this.dispatcher.driver();
        this.state = DeviceState.STOPPING;
        String handle = this.transportDevice.detach(timeout);
        joinWorkers(timeout);
        if (this.capabilities.contains(Operation.FLUSH)) {
            try {
                driver.flush();
            }
            catch (Exception ex) {
                logger.warn("Device '{}': flush before detaching failed", name(), ex);
            }
        }
        terminateQuietly(driver);
        this.state = DeviceState.DETACHED;
        logger.info("Device '{}' at {} detached and left in place (handle {})", name(), this.path, handle);
        this.listeners.forEach(listener -> listener.stopped(this));
        return handle;
    }

    /**
     * Stops serving: the block device goes away once requests in flight are answered, then
     * the driver is flushed and terminated. Idempotent.
     */
    public synchronized void stop(Duration timeout) {
        if (this.state == DeviceState.STOPPED || this.state == DeviceState.DETACHED) {
            return;
        }
        boolean wasFailed = this.state == DeviceState.FAILED;
        this.state = DeviceState.STOPPING;
        closeTransport(timeout);
        BlockDriver driver = this.dispatcher.driver();
        if (!wasFailed && this.capabilities.contains(Operation.FLUSH)) {
            try {
                driver.flush();
            }
            catch (Exception ex) {
                logger.warn("Device '{}': final flush failed", name(), ex);
            }
        }
        terminateQuietly(driver);
        this.state = DeviceState.STOPPED;
        logger.info("Device '{}' at {} stopped", name(), this.path);
        this.listeners.forEach(listener -> listener.stopped(this));
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    private void closeTransport(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        TransportDevice device = this.transportDevice;
        if (device != null) {
            device.close(timeout);
        }
        joinWorkers(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
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
            if (worker.isAlive()) {
                logger.warn("Device '{}': worker {} still running after {}", name(), worker.getName(), timeout);
            }
        }
    }

    private void requireServing(String what) {
        if (!this.state.isServing()) {
            throw new IllegalStateException("Cannot " + what + " device '" + name() + "' while it is " + this.state);
        }
    }

    private void terminateQuietly(BlockDriver driver) {
        try {
            driver.terminate();
        }
        catch (Exception ex) {
            logger.warn("Driver {} of device '{}' failed to terminate", driver.getClass().getName(), name(), ex);
        }
    }

    @Override
    public String toString() {
        return "BlockDevice[" + name() + " " + this.path + " " + this.state + "]";
    }
}
