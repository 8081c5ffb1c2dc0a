package io.bdus.transport.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.linux.LibC;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestPool;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device of the fuse-loop transport: a FUSE mount of one file and a loop device over it,
 * served through one cloned {@code /dev/fuse} descriptor per channel and a pool of requests
 * (one per request that may be in flight) that all channels share.
 *
 * <p>Descriptors are closed only once no request read from them can still be answered: an
 * asynchronous driver may answer after its channel stopped, and the answer is written to the
 * channel's descriptor (a closed number could meanwhile belong to another file).
 */
final class FuseLoopDevice implements TransportDevice {

    private static final Logger log = LoggerFactory.getLogger(FuseLoopDevice.class);

    private static final Path FUSECTL = Path.of("/sys/fs/fuse/connections");

    /** Entries per io_uring queue at most, each with a payload buffer of the largest request. */
    static final int MAX_URING_ENTRIES = 32;

    private final FuseLoopTransport transport;

    private final DeviceSpec spec;

    private final FuseSession session;

    private final Path mountPoint;

    private final int sessionFd;

    private final String connection;

    private final int channelCount;

    private final RequestPool<FuseRequest> pool;

    private final FuseOperations operations;

    private final List<FuseChannel> channels = new ArrayList<>();

    /** FUSE over io_uring: how many queues the kernel makes (one per possible CPU), else 0. */
    private final int uringQueues;

    private final int uringEntries;

    private final int channelsPerQueue;

    private int ringChannels;

    private final FuseIoUring ioUring;

    private final List<FuseUringQueue> queues = new ArrayList<>();

    private final AtomicBoolean closed = new AtomicBoolean();

    private final AtomicLong timedOut = new AtomicLong();

    private final AtomicBoolean timeoutLogged = new AtomicBoolean();

    private volatile Thread watchdog;

    private volatile String path;

    private int backingFd = -1;

    private int loopFd = -1;

    private int loopNumber = -1;

    FuseLoopDevice(FuseLoopTransport transport, DeviceSpec spec, FuseSession session, Path mountPoint,
            int sessionFd, String connection, ServingPlan plan, FuseIoUring ioUring, int uringQueues) {
        this.transport = transport;
        this.spec = spec;
        this.session = session;
        this.mountPoint = mountPoint;
        this.sessionFd = sessionFd;
        this.connection = connection;
        this.ioUring = ioUring;
        this.uringQueues = session.uringWanted() ? uringQueues : 0;
        // the /dev/fuse channel (INIT, and everything before the rings are ready) and one
        // channel per queue; each queue's entries cover the requests in flight, up to a bound
        // on the memory they pin (the kernel queues the rest until an entry is free)
        // several channels per queue when the plan has more: a blocking driver then keeps
        // serving a queue while one of its channels waits in the driver
        // (at least two: a request stuck in a blocking driver holds one up, not its CPU's queue)
        this.channelsPerQueue = (this.uringQueues > 0)
                ? Math.max(2, (plan.channels() + this.uringQueues - 1) / this.uringQueues) : 0;
        this.channelCount = (this.uringQueues > 0) ? 1 + this.uringQueues * this.channelsPerQueue : plan.channels();
        this.uringEntries = Math.max(2, Math.min(MAX_URING_ENTRIES, plan.requestsInFlight()));
        this.operations = new FuseOperations(session);
        List<FuseRequest> requests = new ArrayList<>();
        // over io_uring the /dev/fuse channel keeps one request to read into besides those in flight
        int poolSize = (this.uringQueues > 0)
                ? Math.max(plan.requestsInFlight(), this.channelCount - 1) + 1 : plan.requestsInFlight();
        for (int i = 0; i < poolSize; i++) {
            requests.add(FuseRequest.forDevFuse(spec.maxRequestSize()));
        }
        this.pool = new RequestPool<>(requests);
        requests.forEach(request -> request.joining(this.pool, this.operations));
    }

    Path mountPoint() {
        return this.mountPoint;
    }

    DeviceSpec spec() {
        return this.spec;
    }

    @Override
    public int channelCount() {
        return this.channelCount;
    }

    @Override
    public synchronized RequestChannel openChannel() throws IOException {
        if (this.closed.get()) {
            throw new IOException("device " + this.spec.name() + " is closed");
        }
        if (this.channels.isEmpty()) {
            FuseChannel channel = new FuseChannel(this.session, this.sessionFd, this.pool, this.operations);
            this.channels.add(channel);
            return channel;
        }
        FuseChannel channel = new FuseChannel(this.session, cloneSession(), this.pool, this.operations);
        this.channels.add(channel);
        if (this.ringChannels < this.uringQueues * this.channelsPerQueue) {
            int qid = this.ringChannels++ % this.uringQueues;
            if (qid == this.queues.size()) {
                this.queues.add(new FuseUringQueue(this.session, this.sessionFd, qid, this.uringEntries,
                        this.channelsPerQueue, this.pool, this.operations));
            }
            return this.queues.get(qid).channel(channel);
        }
        return channel;
    }

    /** A new descriptor of this device's FUSE session. */
    private int cloneSession() throws IOException {
        {
            int fd;
            try {
                fd = LibC.open("/dev/fuse", LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
            }
            catch (LastErrorException ex) {
                throw new IOException("cannot open /dev/fuse: errno " + ex.getErrorCode(), ex);
            }
            try (Memory arg = new Memory(4)) {
                arg.setInt(0, this.sessionFd);
                LibC.ioctl(fd, FuseProtocol.FUSE_DEV_IOC_CLONE, arg);
            }
            catch (LastErrorException ex) {
                Loop.closeQuietly(fd);
                throw new IOException("FUSE_DEV_IOC_CLONE failed: errno " + ex.getErrorCode(), ex);
            }
            return fd;
        }
    }

    @Override
    public String activate(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            if (this.closed.get()) {
                throw new IOException("device " + this.spec.name() + " is closed");
            }
            if (this.path != null) {
                return this.path;
            }
        }
        awaitServing(deadline);
        awaitRings(deadline);
        int flags = (this.spec.readOnly() ? LibC.Flags.O_RDONLY : LibC.Flags.O_RDWR) | LibC.Flags.O_DIRECT
                | LibC.Flags.O_CLOEXEC;
        int fd;
        try {
            fd = LibC.open(this.mountPoint.toString(), flags, 0);
        }
        catch (LastErrorException ex) {
            throw new IOException("cannot open " + this.mountPoint + " with O_DIRECT: errno " + ex.getErrorCode(),
                    ex);
        }
        int[] loop;
        try {
            // a stat makes the kernel fetch the file's size: the root inode starts with size 0
            long size = Files.size(this.mountPoint);
            if (size != this.spec.size()) {
                throw new IOException(this.mountPoint + " has size " + size + ", expected " + this.spec.size());
            }
            int loopFlags = Loop.LO_FLAGS_DIRECT_IO | Loop.LO_FLAGS_AUTOCLEAR
                    | (this.spec.partitionScanning() ? Loop.LO_FLAGS_PARTSCAN : 0)
                    | (this.spec.readOnly() ? Loop.LO_FLAGS_READ_ONLY : 0);
            loop = Loop.attach(fd, this.spec.logicalBlockSize(), loopFlags, this.mountPoint.toString(), deadline);
        }
        catch (IOException | RuntimeException ex) {
            Loop.closeQuietly(fd);
            throw ex;
        }
        synchronized (this) {
            this.backingFd = fd;
            this.loopFd = loop[0];
            this.loopNumber = loop[1];
            this.path = "/dev/loop" + loop[1];
        }
        if (this.closed.get()) {
            // closed while we attached: undo
            closeLoop();
            throw new IOException("device " + this.spec.name() + " was closed while activating");
        }
        tune(loop[1]);
        startWatchdog();
        log.debug("Device {} is {} (fuse-loop, {} bytes, {} channels, requests over {})", this.spec.name(),
                this.path, this.spec.size(), this.channels.size(), requestPath());
        return this.path;
    }

    private void awaitServing(long deadline) throws IOException {
        while (true) {
            synchronized (this) {
                for (FuseChannel channel : this.channels) {
                    if (channel.isServing()) {
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no channel of " + this.spec.name() + " is being served; serve them before "
                        + "activate");
            }
            try {
                Thread.sleep(2);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while activating " + this.spec.name(), ex);
            }
        }
    }

    /**
     * Waits until INIT was answered and, when it enabled io_uring, until every queue handed
     * its entries to the kernel (which uses the rings only then).
     * @throws IOException in mode {@link FuseIoUring#ON} when the device cannot serve over io_uring
     */
    private void awaitRings(long deadline) throws IOException {
        if (this.uringQueues == 0) {
            return;
        }
        try {
            if (!this.session.awaitInit(Math.max(1, (deadline - System.nanoTime()) / 1_000_000))) {
                throw new IOException("the kernel did not send FUSE INIT for " + this.spec.name() + " in time");
            }
            while (this.session.uring()) {
                List<FuseUringQueue> queues;
                synchronized (this) {
                    queues = List.copyOf(this.queues);
                }
                String failure = queues.stream().map(FuseUringQueue::failure).filter(f -> f != null).findFirst()
                    .orElse(null);
                if (failure != null) {
                    if (this.ioUring == FuseIoUring.ON) {
                        throw new IOException(failure);
                    }
                    log.warn("{}: requests of {} go through /dev/fuse", failure, this.spec.name());
                    return;
                }
                if (queues.size() == this.uringQueues && queues.stream().allMatch(FuseUringQueue::isRegistered)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the io_uring queues of " + this.spec.name() + " did not register in time");
                }
                Thread.sleep(2);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while activating " + this.spec.name(), ex);
        }
        if (this.ioUring == FuseIoUring.ON) {
            throw new IOException("FUSE over io_uring was required (io-uring mode on), but the kernel did not offer "
                    + "it in FUSE INIT for " + this.spec.name() + " (" + FuseIoUring.MODULE_PARAMETER
                    + " may have been turned off meanwhile)");
        }
    }

    /** How requests reach this device's server: {@code io_uring} or {@code /dev/fuse}. */
    String requestPath() {
        return (this.uringQueues > 0 && this.session.uring()) ? "io_uring" : "/dev/fuse";
    }

    /** {@code requests}: how requests reach the server, {@code io_uring} or {@code /dev/fuse}. */
    @Override
    public Map<String, Object> details() {
        return Map.of("requests", requestPath());
    }

    /** Requests received over the io_uring queues so far. */
    synchronized long uringRequests() {
        return this.queues.stream().mapToLong(FuseUringQueue::served).sum();
    }

    private void tune(int number) {
        Path rotational = Path.of("/sys/block/loop" + number + "/queue/rotational");
        try {
            Files.writeString(rotational, this.spec.rotational() ? "1" : "0");
        }
        catch (IOException ex) {
            log.warn("Cannot set {}: {}", rotational, ex.toString());
        }
        String dio = Loop.sysfs(number, "loop/dio");
        if (!"1".equals(dio)) {
            log.warn("/dev/loop{} for {} does not use direct I/O (loop/dio = {}): requests go through the page "
                    + "cache and lose their concurrency", number, this.spec.name(), dio);
        }
    }

    /**
     * FUSE itself has no request timeout: a thread of this device answers requests that stay
     * in the driver longer than the device's request timeout with ETIMEDOUT. Such a request
     * keeps its buffer until the driver answers it after all; that answer is dropped.
     */
    private void startWatchdog() {
        long timeout = this.spec.requestTimeout().toNanos();
        if (timeout == 0) {
            return;
        }
        long period = Math.max(10, Math.min(1000, this.spec.requestTimeout().toMillis() / 4));
        Thread watchdog = new Thread(() -> {
            try {
                while (!this.closed.get()) {
                    expireOverdue(System.nanoTime(), timeout);
                    Thread.sleep(period);
                }
            }
            catch (InterruptedException ex) {
                // closing
            }
        }, "bdus-" + this.spec.name() + "-watchdog");
        watchdog.setDaemon(true);
        this.watchdog = watchdog;
        watchdog.start();
    }

    private void expireOverdue(long now, long timeout) {
        for (FuseRequest request : this.pool.all()) {
            long unique = request.expire(now, timeout);
            if (unique == 0) {
                continue;
            }
            request.channel().sendTimeout(request, unique);
            this.timedOut.incrementAndGet();
            if (this.timeoutLogged.compareAndSet(false, true)) {
                log.warn("Device {} ({}): a request stayed in the driver longer than {}; it was failed with "
                        + "ETIMEDOUT, and the driver's late answer will be dropped (logged once)", this.spec.name(),
                        this.path, this.spec.requestTimeout());
            }
        }
    }

    /** Requests the watchdog failed with ETIMEDOUT. */
    long timedOutRequests() {
        return this.timedOut.get();
    }

    @Override
    public String path() {
        return this.path;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Detaches the loop device, unmounts the file (which ends the FUSE session: channels
     * return) and closes the descriptors once every request was answered, waiting up to
     * {@code timeout} for that; past it they are closed by whoever answers the last request.
     */
    @Override
    public void close(Duration timeout) {
        if (!this.closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        stopWatchdog();
        this.transport.forget(this);
        closeLoop();
        try {
            LibC.umount2(this.mountPoint.toString(), LibC.Flags.MNT_DETACH);
        }
        catch (LastErrorException ex) {
            log.debug("umount of {} failed: errno {}", this.mountPoint, ex.getErrorCode());
        }
        // channels waiting for a free request (all in flight) stop too
        this.pool.close();
        List<FuseChannel> open;
        List<FuseUringQueue> queues;
        synchronized (this) {
            open = List.copyOf(this.channels);
            queues = List.copyOf(this.queues);
        }
        // with the loop detached and the mount gone the kernel ends the session, and every
        // blocked read of /dev/fuse returns ENODEV, every ring entry ENOTCONN; a client still
        // holding /dev/loopN delays that
        if (!awaitIdle(open, queues, 1000) && abortConnection()) {
            awaitIdle(open, queues, 2000);
        }
        for (FuseUringQueue queue : queues) {
            queue.close();
        }
        for (FuseChannel channel : open) {
            channel.close();
        }
        // a queue leaves within moments of close and then submits nothing with the descriptors
        awaitIdle(List.of(), queues, 5000);
        closeDescriptorsWhenAnswered(open, deadline);
        try {
            Files.deleteIfExists(this.mountPoint);
        }
        catch (IOException ex) {
            log.warn("Cannot delete {}: {}", this.mountPoint, ex.toString());
        }
        log.debug("Device {} ({}) closed", this.spec.name(), this.path == null ? "never activated" : this.path);
    }

    private void closeDescriptorsWhenAnswered(List<FuseChannel> open, long deadline) {
        Runnable closeDescriptors = () -> {
            if (open.isEmpty()) {
                Loop.closeQuietly(this.sessionFd);
            }
            for (FuseChannel channel : open) {
                Loop.closeQuietly(channel.fd());
            }
        };
        boolean answered = false;
        try {
            answered = this.pool.awaitAllReturned(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (!answered) {
            log.error("Device {} ({}): {} request(s) still not answered by the driver; the FUSE descriptors stay open "
                    + "until they are (a request never answered keeps them forever)", this.spec.name(), this.path,
                    this.pool.outstanding());
        }
        this.pool.whenAllReturned(closeDescriptors);
    }

    /** Before channels may release their descriptors, which the watchdog writes to. */
    private void stopWatchdog() {
        Thread watchdog = this.watchdog;
        if (watchdog != null) {
            watchdog.interrupt();
            try {
                watchdog.join(5000);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void closeLoop() {
        if (this.loopFd >= 0) {
            try {
                LibC.ioctl(this.loopFd, Loop.LOOP_CLR_FD, Pointer.NULL);
            }
            catch (LastErrorException ex) {
                log.debug("LOOP_CLR_FD of loop{} failed: errno {}", this.loopNumber, ex.getErrorCode());
            }
            Loop.closeQuietly(this.loopFd);
            this.loopFd = -1;
        }
        if (this.backingFd >= 0) {
            Loop.closeQuietly(this.backingFd);
            this.backingFd = -1;
        }
    }

    private boolean awaitIdle(List<FuseChannel> channels, List<FuseUringQueue> queues, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        try {
            for (FuseUringQueue queue : queues) {
                if (!queue.awaitIdle(Math.max(1, deadline - System.currentTimeMillis()))) {
                    return false;
                }
            }
            for (FuseChannel channel : channels) {
                if (!channel.awaitIdle(Math.max(1, deadline - System.currentTimeMillis()))) {
                    return false;
                }
            }
            return true;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Aborts the FUSE connection through fusectl, so requests still queued fail and every
     * channel returns. When fusectl is not mounted at its usual place, mounts it privately
     * in the state directory for the moment it takes.
     */
    private boolean abortConnection() {
        if (this.connection == null) {
            log.warn("Channels of {} keep serving until the last client of {} closes it", this.spec.name(), this.path);
            return false;
        }
        Path abort = FUSECTL.resolve(this.connection).resolve("abort");
        if (Files.exists(abort)) {
            return abort(abort);
        }
        Path control = this.mountPoint.resolveSibling("fusectl-" + ProcessHandle.current().pid() + "-"
                + this.spec.name());
        try {
            Files.createDirectories(control);
            LibC.mount("fusectl", control.toString(), "fusectl", 0, null);
            try {
                return abort(control.resolve(this.connection).resolve("abort"));
            }
            finally {
                LibC.umount2(control.toString(), LibC.Flags.MNT_DETACH);
            }
        }
        catch (IOException | LastErrorException ex) {
            log.warn("Cannot abort the FUSE connection of {} ({}): channels keep serving until the last client of "
                    + "{} closes it", this.spec.name(), ex.toString(), this.path);
            return false;
        }
        finally {
            try {
                Files.deleteIfExists(control);
            }
            catch (IOException ex) {
                log.debug("Cannot delete {}: {}", control, ex.toString());
            }
        }
    }

    private boolean abort(Path abort) {
        try {
            Files.writeString(abort, "1");
            log.warn("Aborted the FUSE connection of {}: a client still held {}", this.spec.name(), this.path);
            return true;
        }
        catch (IOException ex) {
            log.warn("Cannot write {}: {}", abort, ex.toString());
            return false;
        }
    }
}
