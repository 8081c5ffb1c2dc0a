package io.bdus.spring.boot.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceInUseException;
import io.bdus.device.DeviceListener;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.device.DeviceStartException;
import io.bdus.device.DeviceState;
import io.bdus.device.RequestObserver;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.Operation;
import io.bdus.linux.BlockDeviceUsers;
import io.bdus.transport.DeviceGoneException;
import io.bdus.transport.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;
import org.springframework.util.unit.DataSize;

/**
 * The configured block devices, owned by the application context. Starts them in parallel
 * before the web server (and returns only once each is available); stops them after the
 * web server has drained: flush, then tear down, within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}. While devices run, a non-daemon
 * thread keeps the JVM alive.
 */
public class BdusDevices implements SmartLifecycle, DisposableBean {

    /** Below the web server's phases, so devices start before and stop after HTTP traffic. */
    public static final int PHASE = Integer.MAX_VALUE - 4096;

    /** How long a device may take to appear. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(1);

    /** How long a replace may wait for requests in flight to drain. */
    static final Duration REPLACE_TIMEOUT = Duration.ofSeconds(30);

    private static final Log logger = LogFactory.getLog(BdusDevices.class);

    private final Map<String, ManagedDevice> devices;

    private final Transport transport;

    private final ListableBeanFactory beanFactory;

    private final ApplicationEventPublisher publisher;

    private final Duration shutdownTimeout;

    private final DeviceRecords records;

    private final Map<String, RequestObserver> observers = new ConcurrentHashMap<>();

    private final Object monitor = new Object();

    private volatile boolean running;

    private volatile CountDownLatch keepAlive;

    /**
     * Creates the registry of devices; nothing is created before {@link #start()}.
     * @param plans the validated devices, by name
     * @param transport the transport serving them, {@code null} when there are no devices
     * @param beanFactory where driver beans come from
     * @param publisher where device events go
     * @param shutdownTimeout time stopping every device may take
     * @param records where each device is recorded while it exists, so that the bdus command
     * line sees it and the next start attaches to a device left in place (or left by a
     * crash, if recoverable); {@code null} to record nothing
     */
    public BdusDevices(Map<String, DevicePlan> plans, Transport transport, ListableBeanFactory beanFactory,
            ApplicationEventPublisher publisher, Duration shutdownTimeout, DeviceRecords records) {
        Assert.isTrue(plans.isEmpty() || transport != null, "A transport is needed to serve devices");
        Map<String, ManagedDevice> devices = new LinkedHashMap<>();
        plans.forEach((name, plan) -> devices.put(name, new ManagedDevice(plan, transport.name())));
        this.devices = Collections.unmodifiableMap(devices);
        this.transport = transport;
        this.beanFactory = beanFactory;
        this.publisher = publisher;
        this.shutdownTimeout = shutdownTimeout;
        this.records = records;
    }

    /**
     * Every configured device, in configuration order.
     * @return the devices by name
     */
    public Map<String, ManagedDevice> devices() {
        return this.devices;
    }

    /**
     * One device.
     * @param name the device name
     * @return the device, or {@code null} if none has that name
     */
    public ManagedDevice device(String name) {
        return this.devices.get(name);
    }

    /**
     * Names of the configured devices.
     * @return the names
     */
    public Set<String> names() {
        return this.devices.keySet();
    }

    /**
     * The transport serving the devices.
     * @return the transport, or {@code null} when no device is configured
     */
    public Transport transport() {
        return this.transport;
    }

    /**
     * Requests being served by a device right now.
     * @param name the device name
     * @return the number of requests in the driver, 0 when the device is not running
     */
    public int activeRequests(String name) {
        ManagedDevice device = this.devices.get(name);
        return (device != null) ? device.activeRequests() : 0;
    }

    /**
     * Adds an observer of every request a device completes (e.g. a metrics binder), now or
     * once the device starts.
     * @param name the device name
     * @param observer the observer; must be fast and must not allocate or throw
     */
    public void observe(String name, RequestObserver observer) {
        ManagedDevice device = this.devices.get(name);
        Assert.notNull(device, () -> "No device named '" + name + "'");
        synchronized (this.monitor) {
            RequestObserver combined = this.observers.merge(name, observer, FanOutObserver::of);
            BlockDevice running = device.device();
            if (running != null) {
                running.requestObserver(combined);
            }
        }
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void start() {
        if (this.running) {
            return;
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (ManagedDevice device : this.devices.values()) {
            CompletableFuture<Void> started = new CompletableFuture<>();
            Thread starter = new Thread(() -> {
                try {
                    startDevice(device);
                    started.complete(null);
                }
                catch (Throwable ex) {
                    started.completeExceptionally(ex);
                }
            }, "bdus-start-" + device.name());
            starter.start();
            starts.add(started);
        }
        Throwable failure = null;
        for (CompletableFuture<Void> start : starts) {
            try {
                start.get();
            }
            catch (ExecutionException ex) {
                failure = (failure != null) ? failure : ex.getCause();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failure = (failure != null) ? failure : ex;
            }
        }
        if (failure != null) {
            stopDevices(this.shutdownTimeout);
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        this.running = true;
        this.devices.values().forEach((device) -> this.publisher.publishEvent(new BdusDeviceStartedEvent(device)));
        if (!this.devices.isEmpty()) {
            startKeepAlive();
        }
    }

    private void startDevice(ManagedDevice managed) throws DeviceStartException {
        BlockDriver bean = this.beanFactory.getBean(managed.driverBean(), BlockDriver.class);
        BlockDevice device;
        try {
            device = attachLeftInPlace(managed, bean);
            if (device == null) {
                device = BlockDevice.start(managed.spec(), bean, this.transport, START_TIMEOUT,
                        new EventPublishingListener(managed));
            }
        }
        catch (DeviceStartException ex) {
            this.publisher.publishEvent(new BdusDeviceFailedEvent(managed, ex));
            throw ex;
        }
        synchronized (this.monitor) {
            managed.device(device);
            RequestObserver observer = this.observers.get(managed.name());
            if (observer != null) {
                device.requestObserver(observer);
            }
        }
        record(DeviceRecord.serving(device, device.handle()));
        logger.info(String.format("bdus device '%s' serving at %s (%s, transport %s, driver bean '%s')",
                managed.name(), device.path(), sizeText(managed.spec().size()), device.transportName(),
                managed.driverBean()));
    }

    /**
     * Attaches to the device a previous run left in place (kept at shutdown, or left by a
     * process that died), if its record says there is one. A device that is gone meanwhile
     * is forgotten; one that cannot be attached fails the start, and its record stays.
     */
    private BlockDevice attachLeftInPlace(ManagedDevice managed, BlockDriver bean) throws DeviceStartException {
        DeviceRecord left = findRecord(managed.name());
        if (left == null) {
            return null;
        }
        if (!left.kept() && left.ownerAlive()) {
            throw new DeviceStartException("bdus device '" + managed.name() + "' is already served by process "
                    + left.pid() + " (" + left.path() + ", recorded in "
                    + this.records.file(left.transport(), left.name())
                    + "); give this application its own bdus.state-dir or another device name", null);
        }
        if (left.handle() == null) {
            forget(left);
            return null;
        }
        try {
            BlockDevice device = BlockDevice.attach(left.handle(), managed.spec(), bean, this.transport,
                    START_TIMEOUT, new EventPublishingListener(managed));
            logger.info(String.format("bdus device '%s': took over the device %s (%s)", managed.name(),
                    left.kept() ? "a previous run left in place" : "of process " + left.pid() + ", which ended",
                    device.path()));
            return device;
        }
        catch (DeviceStartException ex) {
            if (ex.getCause() instanceof DeviceGoneException) {
                logger.warn(String.format("bdus device '%s': the device recorded at %s is gone (%s); creating a new "
                        + "one", managed.name(), left.path(), ex.getCause().getMessage()));
                forget(left);
                return null;
            }
            throw new KeptDeviceAttachException(managed.name(), left,
                    this.records.file(left.transport(), left.name()), ex);
        }
    }

    private DeviceRecord findRecord(String name) {
        return (this.records != null) ? this.records.find(this.transport.name(), name).orElse(null) : null;
    }

    private void record(DeviceRecord record) {
        if (this.records == null) {
            return;
        }
        try {
            this.records.save(record);
        }
        catch (IOException ex) {
            logger.warn(String.format("bdus device '%s': cannot record it in %s: %s", record.name(),
                    this.records.directory(), ex.getMessage()));
        }
    }

    private void forget(DeviceRecord record) {
        if (this.records == null) {
            return;
        }
        try {
            this.records.delete(record.transport(), record.name());
        }
        catch (IOException ex) {
            logger.warn(String.format("bdus device '%s': cannot delete its record in %s: %s", record.name(),
                    this.records.directory(), ex.getMessage()));
        }
    }

    private void startKeepAlive() {
        CountDownLatch latch = new CountDownLatch(1);
        this.keepAlive = latch;
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

    @Override
    public void stop() {
        stopDevices(this.shutdownTimeout);
    }

    @Override
    public void stop(Runnable callback) {
        if (!this.running) {
            callback.run();
            return;
        }
        Thread stopper = new Thread(() -> {
            try {
                stopDevices(this.shutdownTimeout);
            }
            finally {
                callback.run();
            }
        }, "bdus-stop");
        stopper.start();
    }

    /**
     * Tears down devices still running when the context goes away without a lifecycle stop
     * (e.g. a later bean failed to start).
     */
    @Override
    public void destroy() {
        if (this.running || this.devices.values().stream().anyMatch((device) -> device.device() != null
                && device.state() != DeviceState.STOPPED && device.state() != DeviceState.DETACHED)) {
            stopDevices(this.shutdownTimeout);
        }
    }

    private void stopDevices(Duration timeout) {
        // Leave a little of the phase timeout for the callback and logging.
        Duration budget = timeout.minus(timeout.dividedBy(10));
        List<Thread> stoppers = new ArrayList<>();
        for (ManagedDevice device : this.devices.values()) {
            BlockDevice running = device.device();
            if (running == null || running.state() == DeviceState.STOPPED
                    || running.state() == DeviceState.DETACHED) {
                continue;
            }
            Thread stopper = new Thread(() -> stopDevice(device, running, budget), "bdus-stop-" + device.name());
            stopper.start();
            stoppers.add(stopper);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread stopper : stoppers) {
            try {
                stopper.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        this.running = false;
        CountDownLatch latch = this.keepAlive;
        if (latch != null) {
            latch.countDown();
        }
    }

    private void stopDevice(ManagedDevice managed, BlockDevice device, Duration timeout) {
        if (managed.keepOnShutdown()) {
            if (device.canDetach()) {
                detachAndRecord(managed, device, timeout);
                return;
            }
            logger.info(String.format("bdus device '%s': the %s transport cannot keep this device across restarts%s; "
                    + "tearing it down despite keep-on-shutdown", managed.name(), device.transportName(),
                    device.spec().recoverable() ? "" : " (it is not recoverable)"));
        }
        List<String> users = BlockDeviceUsers.of(device.path());
        if (!users.isEmpty()) {
            logger.warn(String.format("bdus device '%s' at %s goes away while still in use (%s): unmount it before "
                    + "stopping the application", managed.name(), device.path(), String.join("; ", users)));
        }
        flushAndStop(managed, device, timeout);
    }

    private void flushAndStop(ManagedDevice managed, BlockDevice device, Duration timeout) {
        if (device.state().isServing()) {
            try {
                device.flush();
            }
            catch (IOException | RuntimeException ex) {
                logger.warn(String.format("bdus device '%s': flush before stop failed", managed.name()), ex);
            }
        }
        device.stop(timeout);
        forget(DeviceRecord.serving(device, null));
    }

    /** Leaves the device in place and records its handle for the next start. */
    private String detachAndRecord(ManagedDevice managed, BlockDevice device, Duration timeout) {
        String handle = device.detach(timeout);
        DeviceRecord kept = DeviceRecord.serving(device, handle).keptWith(handle);
        record(kept);
        logger.info(String.format("bdus device '%s' at %s left in place (handle %s%s)", managed.name(), device.path(),
                handle, (this.records != null)
                        ? ", recorded in " + this.records.file(kept.transport(), kept.name()) : ""));
        return handle;
    }

    /**
     * Makes every write a device completed so far durable.
     * @param name the device name
     * @throws IOException if the driver's flush failed
     * @throws IllegalStateException if the device does not serve
     */
    public void flush(String name) throws IOException {
        running(name).flush();
    }

    /**
     * Replaces the driver of a device without failing a client request. A prototype-scoped
     * bean gives a fresh instance; a singleton bean that already serves the device is
     * flushed, terminated and initialized again while requests are held back.
     * @param name the device name
     * @param driverBean name of the BlockDriver bean to use, or {@code null} for the current
     * one
     * @return the device
     * @throws IOException if the old driver could not be flushed or the new one could not
     * be initialized; the old driver then goes on serving
     * @throws IllegalArgumentException if there is no such BlockDriver bean, or it lacks an
     * operation the device advertises
     * @throws IllegalStateException if the device does not serve
     */
    public ManagedDevice replace(String name, String driverBean) throws IOException {
        ManagedDevice managed = managed(name);
        synchronized (managed) {
            BlockDevice device = running(name);
            String beanName = (driverBean != null && !driverBean.isBlank()) ? driverBean : managed.driverBean();
            if (!this.beanFactory.containsBean(beanName) || !this.beanFactory.isTypeMatch(beanName, BlockDriver.class)) {
                throw new IllegalArgumentException("No BlockDriver bean named '" + beanName + "'; BlockDriver beans: "
                        + String.join(", ", this.beanFactory.getBeanNamesForType(BlockDriver.class, true, false)));
            }
            BlockDriver next = this.beanFactory.getBean(beanName, BlockDriver.class);
            boolean sameInstance = device.driver() == next;
            if (!sameInstance && !this.beanFactory.isPrototype(beanName) && servesAnother(managed, next)) {
                throw new IllegalArgumentException("Bean '" + beanName + "' already serves another device");
            }
            device.replaceDriver(next, REPLACE_TIMEOUT);
            managed.driverBean(beanName);
            logger.info(String.format("bdus device '%s' at %s: driver bean '%s' took over (%s, generation %d)", name,
                    device.path(), beanName, sameInstance ? "same instance re-initialized" : "new instance", device.generation()));
            this.publisher.publishEvent(new BdusDeviceReplacedEvent(managed, device.generation(), beanName,
                    BdusDeviceReplacedEvent.PLANNED));
            return managed;
        }
    }

    private boolean servesAnother(ManagedDevice self, BlockDriver bean) {
        return this.devices.values().stream().anyMatch((other) -> other != self && other.driver() == bean);
    }

    /**
     * Stops serving a device. A device whose transport can keep it (a recoverable kbdus
     * device) is left in place with its queued requests, and the next start of the
     * application attaches to it; others (fuse-loop) are flushed and torn down, which is
     * refused while the block device is mounted or open unless {@code force} is set.
     * @param name the device name
     * @param force whether to tear down a device that cannot be kept even while it is in
     * use
     * @return what happened, in one sentence
     * @throws DeviceInUseException if the device would be torn down under its users and
     * {@code force} is not set
     * @throws IllegalStateException if the device does not serve
     */
    public String detach(String name, boolean force) {
        ManagedDevice managed = managed(name);
        synchronized (managed) {
            BlockDevice device = running(name);
            if (device.canDetach()) {
                managed.detached();
                String handle = detachAndRecord(managed, device, this.shutdownTimeout);
                return "Device '" + name + "' left in place without a driver (handle " + handle
                        + "); the next start of the application attaches to it";
            }
            String cannotKeep = "the " + device.transportName() + " transport cannot leave "
                    + (device.spec().recoverable() ? "a" : "a non-recoverable") + " device without a driver";
            List<String> users = BlockDeviceUsers.of(device.path());
            if (!users.isEmpty()) {
                if (!force) {
                    throw new DeviceInUseException(name, device.path(), users,
                            cannotKeep + ", so detaching would tear it down and fail their I/O",
                            "Unmount it and stop the processes using it, then detach again; or repeat the action "
                                    + "with \"force\": true to tear it down anyway.");
                }
                logger.warn(String.format("bdus device '%s' at %s: forced detach tears it down while in use (%s)",
                        name, device.path(), String.join("; ", users)));
            }
            managed.detached();
            flushAndStop(managed, device, this.shutdownTimeout);
            return cannotKeep.substring(0, 1).toUpperCase(Locale.ROOT) + cannotKeep.substring(1) + "; device '"
                    + name + "' was flushed and torn down";
        }
    }

    private ManagedDevice managed(String name) {
        ManagedDevice managed = this.devices.get(name);
        if (managed == null) {
            throw new IllegalArgumentException("No device named '" + name + "'");
        }
        return managed;
    }

    private BlockDevice running(String name) {
        BlockDevice device = managed(name).device();
        if (device == null || !device.state().isServing()) {
            throw new IllegalStateException("Device '" + name + "' is not serving (state "
                    + ((device != null) ? device.state() : "STARTING") + ")");
        }
        return device;
    }

    static String sizeText(long bytes) {
        DataSize size = DataSize.ofBytes(bytes);
        if (bytes % (1L << 30) == 0) {
            return size.toGigabytes() + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return size.toMegabytes() + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return size.toKilobytes() + " KiB";
        }
        return bytes + " bytes";
    }

    /** Publishes the events the device itself reports: stopped and failed. */
    private final class EventPublishingListener implements DeviceListener {

        private final ManagedDevice device;

        EventPublishingListener(ManagedDevice device) {
            this.device = device;
        }

        /** Observers (metrics) see requests from the first one on, the partition scan included. */
        @Override
        public void starting(BlockDevice device) {
            RequestObserver observer = BdusDevices.this.observers.get(this.device.name());
            if (observer != null) {
                device.requestObserver(observer);
            }
        }

        @Override
        public void stopped(BlockDevice device) {
            BdusDevices.this.publisher.publishEvent(new BdusDeviceStoppedEvent(this.device));
        }

        @Override
        public void failed(BlockDevice device, Throwable cause) {
            BdusDevices.this.publisher.publishEvent(new BdusDeviceFailedEvent(this.device, cause));
        }

    }

    /** Passes each request to several observers. */
    private record FanOutObserver(RequestObserver[] observers) implements RequestObserver {

        static RequestObserver of(RequestObserver first, RequestObserver second) {
            List<RequestObserver> all = new ArrayList<>();
            for (RequestObserver observer : List.of(first, second)) {
                if (observer instanceof FanOutObserver fanOut) {
                    all.addAll(List.of(fanOut.observers));
                }
                else {
                    all.add(observer);
                }
            }
            return new FanOutObserver(all.toArray(RequestObserver[]::new));
        }

        @Override
        public void onRequest(Operation operation, long bytes, long nanos, int errno) {
            for (RequestObserver observer : this.observers) {
                observer.onRequest(operation, bytes, nanos, errno);
            }
        }

    }

}
