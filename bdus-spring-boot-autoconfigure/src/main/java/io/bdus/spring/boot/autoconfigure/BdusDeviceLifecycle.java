package io.bdus.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.bdus.device.BlockDevice;
import io.bdus.driver.BlockDriver;
import io.bdus.spring.boot.BdusDeviceReplacedEvent;
import io.bdus.spring.boot.BdusDeviceStartedEvent;
import io.bdus.spring.boot.autoconfigure.DeviceStarter.Started;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogMessage;

/**
 * Runs the devices with the application context. Starts them in parallel before the web
 * server, within one deadline ({@code bdus.start-timeout}), and returns once each is
 * available; when one fails or runs out of time, every device that started or is still
 * starting is torn down. Stops them after the web server has drained, within one deadline
 * ({@code spring.lifecycle.timeout-per-shutdown-phase}). While devices run, a non-daemon
 * thread keeps the JVM alive. Devices are not paused with the context: pausing would tear
 * them down and bring them back at other paths.
 */
final class BdusDeviceLifecycle implements SmartLifecycle, DisposableBean {

    /** Below the web server's phases, so devices start before and stop after HTTP traffic. */
    static final int PHASE = Integer.MAX_VALUE - 4096;

    /** How long past the start timeout start-up waits for a device to give up by itself. */
    static final Duration START_GRACE = Duration.ofSeconds(5);

    private static final Log logger = LogFactory.getLog(BdusDeviceLifecycle.class);

    private final DefaultBdusDeviceRegistry registry;

    private final @Nullable DeviceStarter starter;

    private final DeviceStopper stopper;

    private final DriverBeans drivers;

    private final ApplicationEventPublisher publisher;

    private final Duration startTimeout;

    private final Duration shutdownTimeout;

    private final Object monitor = new Object();

    private volatile boolean running;

    private boolean stopRequested;

    /** The stop under way or done since the last start, and the deadline it keeps. */
    private @Nullable Stopping stopping;

    private @Nullable CountDownLatch keepAlive;

    /**
     * @param registry the devices
     * @param kept where devices are recorded
     * @param drivers where driver beans come from
     * @param publisher where device events go
     * @param startTimeout how long starting the devices may take
     * @param shutdownTimeout how long stopping them may take
     */
    BdusDeviceLifecycle(DefaultBdusDeviceRegistry registry, KeptDevices kept, DriverBeans drivers,
            ApplicationEventPublisher publisher, Duration startTimeout, Duration shutdownTimeout) {
        this.registry = registry;
        this.starter = (registry.transport() != null)
                ? new DeviceStarter(registry.transport(), kept, registry.observers(), publisher) : null;
        this.stopper = new DeviceStopper(kept);
        this.drivers = drivers;
        this.publisher = publisher;
        this.startTimeout = startTimeout;
        this.shutdownTimeout = shutdownTimeout;
        registry.handles().forEach((handle) -> drivers.dependOn(handle.driverBean()));
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void start() {
        synchronized (this.monitor) {
            if (this.running) {
                return;
            }
            this.stopRequested = false;
            this.stopping = null;
        }
        List<DeviceHandle> handles = this.registry.handles();
        if (!handles.isEmpty()) {
            Map<DeviceHandle, BlockDriver> drivers = new LinkedHashMap<>();
            handles.forEach((handle) -> drivers.put(handle, this.drivers.get(handle.driverBean())));
            new StartUp(drivers).run();
        }
        this.running = true;
        for (DeviceHandle handle : handles) {
            this.publisher.publishEvent(new BdusDeviceStartedEvent(handle));
            String takeOver = handle.takeOver();
            if (takeOver != null) {
                this.publisher.publishEvent(
                        new BdusDeviceReplacedEvent(handle, handle.generation(), handle.driverBean(), takeOver));
            }
        }
        if (!handles.isEmpty()) {
            startKeepAlive();
        }
    }

    @Override
    public void stop() {
        Stopping stopping = beginStop();
        if (stopping != null) {
            stopping.run();
        }
    }

    @Override
    public void stop(Runnable callback) {
        Stopping stopping = beginStop();
        if (stopping == null) {
            callback.run();
            return;
        }
        stopping.done.whenComplete((result, ex) -> callback.run());
        new Thread(stopping::run, "bdus-stop").start();
    }

    /**
     * Tears down devices still running when the context goes away without a lifecycle stop;
     * after a stop, waits for it to finish, but never past its deadline: the driver beans,
     * destroyed next, are still in use until then.
     */
    @Override
    public void destroy() {
        Stopping underWay;
        Stopping stopping = null;
        synchronized (this.monitor) {
            underWay = this.stopping;
            if (underWay == null) {
                stopping = new Stopping(Deadline.in(this.shutdownTimeout));
                this.stopping = stopping;
                this.stopRequested = true;
            }
        }
        if (underWay != null) {
            underWay.await();
        }
        else {
            stopping.run();
        }
    }

    /** The stop to run, or {@code null} if the devices do not run or a stop is under way. */
    private @Nullable Stopping beginStop() {
        synchronized (this.monitor) {
            if (!this.running || this.stopRequested) {
                return null;
            }
            this.stopRequested = true;
            this.stopping = new Stopping(Deadline.in(this.shutdownTimeout));
            return this.stopping;
        }
    }

    private void endStop() {
        CountDownLatch latch;
        synchronized (this.monitor) {
            this.running = false;
            latch = this.keepAlive;
            this.keepAlive = null;
        }
        if (latch != null) {
            latch.countDown();
        }
    }

    private void startKeepAlive() {
        CountDownLatch latch = new CountDownLatch(1);
        synchronized (this.monitor) {
            this.keepAlive = latch;
        }
        Thread thread = new Thread(() -> {
            try {
                latch.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, "bdus-keep-alive");
        thread.setDaemon(false);
        thread.start();
    }

    /**
     * Stops every device that runs, in parallel, by the deadline; a device whose stop
     * overruns it is left to finish in the background.
     * @param afterFailedStart whether start-up failed: a device taken over from a previous
     * run is then left in place again, for the next start
     */
    private void stopDevices(Deadline deadline, boolean afterFailedStart) {
        // The devices get most of the time, the rest is for joining and logging.
        Deadline devices = deadline.fraction(0.9);
        Map<DeviceHandle, Thread> stoppers = new LinkedHashMap<>();
        for (DeviceHandle handle : this.registry.handles()) {
            if (!handle.isLive()) {
                continue;
            }
            boolean keep = handle.keepOnShutdown() || (afterFailedStart && handle.takeOver() != null);
            Thread stopping = new Thread(() -> stopDevice(handle, devices, keep), "bdus-stop-" + handle.name());
            stopping.start();
            stoppers.put(handle, stopping);
        }
        List<String> late = new ArrayList<>();
        boolean interrupted = Thread.interrupted();
        for (Map.Entry<DeviceHandle, Thread> entry : stoppers.entrySet()) {
            try {
                entry.getValue().join(deadline.leftMillis());
            }
            catch (InterruptedException ex) {
                interrupted = true;
            }
            if (entry.getValue().isAlive()) {
                late.add(entry.getKey().name());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!late.isEmpty()) {
            logger.warn(LogMessage.format("bdus devices %s did not stop within %s; they go on stopping in the "
                    + "background", late, BdusDeviceStartException.text(this.shutdownTimeout)));
        }
    }

    private void stopDevice(DeviceHandle handle, Deadline deadline, boolean keep) {
        // An action on the device gets a quarter of the time to finish; then the stop goes ahead.
        boolean locked = handle.tryLock(deadline.fraction(0.25));
        try {
            BlockDevice device = handle.device();
            if (device != null && handle.isLive()) {
                this.stopper.stop(handle, device, deadline, keep);
            }
        }
        catch (RuntimeException ex) {
            logger.warn(LogMessage.format("bdus device '%s': stopping it failed", handle.name()), ex);
        }
        finally {
            if (locked) {
                handle.unlock();
            }
        }
    }

    /** One stop of every device, within one deadline. */
    private final class Stopping {

        private final Deadline deadline;

        private final CompletableFuture<Void> done = new CompletableFuture<>();

        Stopping(Deadline deadline) {
            this.deadline = deadline;
        }

        void run() {
            try {
                stopDevices(this.deadline, false);
            }
            finally {
                endStop();
                this.done.complete(null);
            }
        }

        /** Waits for the stop to finish, at most until its deadline. */
        void await() {
            try {
                this.done.get(this.deadline.leftNanos(), TimeUnit.NANOSECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            catch (ExecutionException | TimeoutException ex) {
                // Logged by the stop; the deadline has passed.
            }
        }

    }

    /** One start of every device, in parallel, within one deadline. */
    private final class StartUp {

        private final Map<DeviceHandle, BlockDriver> drivers;

        private final Map<DeviceHandle, CompletableFuture<Started>> results = new LinkedHashMap<>();

        private final List<Thread> threads = new ArrayList<>();

        /** Set when start-up gives up: until when the devices still coming up may take to go away. */
        private @Nullable Deadline teardown;

        StartUp(Map<DeviceHandle, BlockDriver> drivers) {
            this.drivers = drivers;
        }

        void run() {
            Deadline deadline = Deadline.in(BdusDeviceLifecycle.this.startTimeout.plus(START_GRACE));
            this.drivers.forEach((handle, driver) -> {
                CompletableFuture<Started> result = new CompletableFuture<>();
                this.results.put(handle, result);
                Thread starting = new Thread(() -> startDevice(handle, driver, result), "bdus-start-" + handle.name());
                this.threads.add(starting);
                starting.start();
            });
            Throwable failure = awaitAll(deadline);
            if (failure == null) {
                return;
            }
            boolean interrupted = Thread.interrupted();
            Deadline teardown = Deadline.in(BdusDeviceLifecycle.this.shutdownTimeout);
            synchronized (this) {
                this.teardown = teardown;
            }
            // Devices still coming up give up now and clean up after themselves.
            this.threads.forEach(Thread::interrupt);
            stopDevices(teardown, true);
            for (Thread thread : this.threads) {
                try {
                    thread.join(teardown.leftMillis());
                }
                catch (InterruptedException ex) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(failure.getMessage(), failure);
        }

        private void startDevice(DeviceHandle handle, BlockDriver driver, CompletableFuture<Started> result) {
            try {
                Started started = BdusDeviceLifecycle.this.starter.start(handle, driver,
                        BdusDeviceLifecycle.this.startTimeout);
                // A give-up may have interrupted this thread just after the device came up.
                Thread.interrupted();
                Deadline teardown;
                synchronized (this) {
                    teardown = this.teardown;
                    if (teardown == null) {
                        BdusDeviceLifecycle.this.registry.observers()
                            .publish(handle, started.device(), started.takeOver());
                        result.complete(started);
                        return;
                    }
                }
                logger.info(LogMessage.format("bdus device '%s' came up after start-up gave up; taking it down",
                        handle.name()));
                BdusDeviceLifecycle.this.stopper.stop(handle, started.device(), teardown.fraction(0.9),
                        handle.keepOnShutdown() || started.takeOver() != null);
                result.cancel(false);
            }
            catch (Throwable ex) {
                result.completeExceptionally(ex);
            }
        }

        /** The first failure, or a timeout naming a device still starting; {@code null} when all started. */
        private @Nullable Throwable awaitAll(Deadline deadline) {
            CompletableFuture<@Nullable Throwable> outcome = new CompletableFuture<>();
            this.results.values()
                .forEach((result) -> result.whenComplete((started, ex) -> {
                    if (ex != null) {
                        outcome.complete(unwrap(ex));
                    }
                }));
            CompletableFuture.allOf(this.results.values().toArray(CompletableFuture[]::new))
                .whenComplete((all, ex) -> {
                    if (ex == null) {
                        outcome.complete(null);
                    }
                });
            try {
                return outcome.get(deadline.leftNanos(), TimeUnit.NANOSECONDS);
            }
            catch (TimeoutException ex) {
                DeviceHandle late = this.results.entrySet()
                    .stream()
                    .filter((entry) -> !entry.getValue().isDone())
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow();
                Duration timeout = BdusDeviceLifecycle.this.startTimeout;
                return new BdusDeviceStartException(late.name(), null, true, timeout,
                        "Could not start device '" + late.name() + "' on transport " + late.transportName()
                                + ": it did not come up within " + BdusDeviceStartException.TIMEOUT_PROPERTY + " ("
                                + BdusDeviceStartException.text(timeout) + ")",
                        null);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return new IllegalStateException("Interrupted while starting bdus devices", ex);
            }
            catch (ExecutionException ex) {
                return unwrap(ex.getCause());
            }
        }

    }

    private static Throwable unwrap(Throwable ex) {
        return (ex instanceof CompletionException || ex instanceof ExecutionException) && ex.getCause() != null
                ? ex.getCause() : ex;
    }

}
