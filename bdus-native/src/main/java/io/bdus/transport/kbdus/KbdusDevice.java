package io.bdus.transport.kbdus;

import static io.bdus.transport.kbdus.KbdusAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Errno;
import io.bdus.driver.Operation;
import io.bdus.linux.DeviceNodes;
import io.bdus.linux.LibC;
import io.bdus.linux.MemoryMapping;
import io.bdus.transport.DeviceGoneException;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.RequestPool;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /dev/bdus-<id>} and its driver file description: the slot array and payload
 * buffers mmap'd from it. Slot {@code i} and buffer {@code i} form one pooled request, one
 * per request that may be in flight (a blocking driver: one per channel; an asynchronous
 * one: the device's queue depth); channels receive into free ones.
 *
 * <p>The mapping and the driver fd stay until every channel has stopped using them and every
 * request was answered: a driver still holding a payload buffer would write into unmapped
 * memory, and a closed fd number could be reused by another open while a channel or an
 * answering thread still issues ioctls on it. A driver that never answers keeps them, and
 * that is logged.
 */
final class KbdusDevice implements TransportDevice {

    private static final Logger logger = LoggerFactory.getLogger(KbdusDevice.class);

    /** How long teardown waits for serving threads when no timeout is given. */
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private final int fd;

    private final DeviceSpec spec;

    private final Set<Operation> operations;

    private final long id;

    private final int channels;

    private final int buffers;

    private final int bufferSize;

    private final long buffersOffset;

    private final Pointer mapping;

    private final long mappingLength;

    private final CountDownLatch available = new CountDownLatch(1);

    private final CountDownLatch channelsDone;

    private final RequestPool<KbdusRequest> pool;

    private int opened;

    private volatile String path;

    private boolean closed;

    private boolean releaseDeferred;

    private KbdusDevice(int fd, DeviceSpec spec, Set<Operation> operations, Memory config, ServingPlan plan) {
        this.fd = fd;
        this.spec = spec;
        this.operations = operations;
        this.id = config.getLong(DC_ID);
        this.buffers = config.getInt(FD_CONFIG + FC_NUM_PREALLOCATED_BUFFERS);
        this.channels = Math.min(plan.channels(), this.buffers);
        this.bufferSize = config.getInt(FD_CONFIG + FC_BUFFER_SIZE);
        this.buffersOffset = config.getLong(FD_CONFIG + FC_BUFFERS_OFFSET);
        this.mappingLength = this.buffersOffset + (long) this.buffers * this.bufferSize;
        this.mapping = MemoryMapping.mapShared(fd, this.mappingLength, 0);
        this.channelsDone = new CountDownLatch(this.channels);
        List<KbdusRequest> requests = new ArrayList<>();
        for (int i = 0; i < this.buffers; i++) {
            requests.add(new KbdusRequest(fd, i, this.mapping.getByteBuffer((long) i * SLOT_SIZE, SLOT_SIZE),
                    this.mapping.getByteBuffer(this.buffersOffset + (long) i * this.bufferSize, this.bufferSize)));
        }
        this.pool = new RequestPool<>(requests);
        requests.forEach(request -> request.joining(this.pool));
    }

    static KbdusDevice create(int fd, DeviceSpec spec, Set<Operation> operations, ServingPlan plan)
            throws IOException {
        try (Memory config = new Memory(DEVICE_AND_FD_CONFIG_SIZE)) {
            fillConfig(config, spec, operations, plan);
            try {
                LibC.ioctl(fd, IOCTL_CREATE_DEVICE, config);
            }
            catch (LastErrorException ex) {
                throw new IOException("KBDUS_IOCTL_CREATE_DEVICE for '" + spec.name() + "' failed: errno "
                        + ex.getErrorCode() + (ex.getErrorCode() == 22 ? " (the module rejected the configuration)"
                                : ""), ex);
            }
            KbdusDevice device = new KbdusDevice(fd, spec, operations, config, plan);
            logger.debug("kbdus device {} created for '{}': {} channels, {} slots with {}-byte buffers", device.id,
                    spec.name(), device.channels, device.buffers, device.bufferSize);
            return device;
        }
    }

    /**
     * Becomes the driver of existing device {@code id}; a current driver is asked to flush and
     * go first. The device is left untouched if it does not match {@code spec} (geometry, or
     * a request type the driver cannot serve).
     *
     * @throws DeviceGoneException if there is no device {@code id}
     */
    static KbdusDevice attach(int fd, long id, DeviceSpec spec, Set<Operation> operations, ServingPlan plan)
            throws IOException {
        checkMatches(fd, id, spec, operations);
        try (Memory config = new Memory(DEVICE_AND_FD_CONFIG_SIZE)) {
            config.clear(DEVICE_AND_FD_CONFIG_SIZE);
            config.setLong(DC_ID, id);
            // the kernel gives at most the device's slot count
            config.setInt(FD_CONFIG + FC_NUM_PREALLOCATED_BUFFERS, plan.requestsInFlight());
            try {
                LibC.ioctl(fd, IOCTL_ATTACH_TO_DEVICE, config);
            }
            catch (LastErrorException ex) {
                String message = "KBDUS_IOCTL_ATTACH_TO_DEVICE to device " + id + " for '" + spec.name()
                        + "' failed: errno " + ex.getErrorCode();
                if (ex.getErrorCode() == Errno.ENODEV) {
                    throw new DeviceGoneException(message + " (the device is gone)", ex);
                }
                throw new IOException(message, ex);
            }
            return new KbdusDevice(fd, spec, operations, config, plan);
        }
    }

    /** Compares device {@code id} with what this driver would serve, before taking it over. */
    private static void checkMatches(int fd, long id, DeviceSpec spec, Set<Operation> operations)
            throws IOException {
        try (Memory config = new Memory(DEVICE_CONFIG_SIZE)) {
            config.clear(DEVICE_CONFIG_SIZE);
            config.setLong(DC_ID, id);
            try {
                LibC.ioctl(fd, IOCTL_GET_DEVICE_CONFIG, config);
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() == Errno.ENODEV || ex.getErrorCode() == Errno.EINVAL) {
                    throw new DeviceGoneException("kbdus device " + id + " does not exist (errno "
                            + ex.getErrorCode() + ")", ex);
                }
                throw new IOException("KBDUS_IOCTL_GET_DEVICE_CONFIG of device " + id + " failed: errno "
                        + ex.getErrorCode(), ex);
            }
            List<String> mismatches = new ArrayList<>();
            compare(mismatches, "size", config.getLong(DC_SIZE), spec.size());
            compare(mismatches, "logical block size", config.getInt(DC_LOGICAL_BLOCK_SIZE), spec.logicalBlockSize());
            compare(mismatches, "read-only", config.getByte(DC_READ_ONLY) != 0, spec.readOnly());
            Set<Operation> served = servedOperations(config);
            served.removeAll(operations);
            if (!served.isEmpty()) {
                mismatches.add("the device sends " + served + ", which the driver does not support");
            }
            if (!mismatches.isEmpty()) {
                throw new IOException("kbdus device " + id + " does not match device '" + spec.name() + "': "
                        + String.join("; ", mismatches));
            }
        }
    }

    private static void compare(List<String> mismatches, String what, Object device, Object configured) {
        if (!device.equals(configured)) {
            mismatches.add(what + " is " + device + " on the device but " + configured + " in the configuration");
        }
    }

    /** The request types device config {@code config} sends to its driver. */
    private static Set<Operation> servedOperations(Pointer config) {
        Map<Integer, Operation> flags = Map.of(DC_SUPPORTS_WRITE, Operation.WRITE, DC_SUPPORTS_WRITE_ZEROES,
                Operation.WRITE_ZEROES, DC_SUPPORTS_FUA_WRITE, Operation.FUA_WRITE, DC_SUPPORTS_FLUSH, Operation.FLUSH,
                DC_SUPPORTS_DISCARD, Operation.DISCARD, DC_SUPPORTS_SECURE_ERASE, Operation.SECURE_ERASE,
                DC_SUPPORTS_IOCTL, Operation.IOCTL);
        Set<Operation> operations = EnumSet.noneOf(Operation.class);
        flags.forEach((offset, operation) -> {
            if (config.getByte(offset) != 0) {
                operations.add(operation);
            }
        });
        return operations;
    }

    /**
     * Fills a {@code struct kbdus_device_and_fd_config} for CREATE_DEVICE: as many slots as
     * the queue depth, one payload buffer per request the plan may have in flight.
     */
    static void fillConfig(Pointer config, DeviceSpec spec, Set<Operation> operations, ServingPlan plan) {
        config.clear(DEVICE_AND_FD_CONFIG_SIZE);
        config.setLong(DC_SIZE, spec.size());
        config.setInt(DC_LOGICAL_BLOCK_SIZE, spec.logicalBlockSize());
        config.setInt(DC_PHYSICAL_BLOCK_SIZE, Math.min(spec.physicalBlockSize(), 4096));
        config.setInt(DC_MAX_READ_WRITE_SIZE, spec.maxRequestSize());
        int slots = Math.min(MAX_OUTSTANDING_REQS, Math.max(spec.maxConcurrentRequests(), plan.requestsInFlight()));
        config.setInt(DC_MAX_OUTSTANDING_REQS, slots);
        config.setInt(DC_REQUEST_TIMEOUT_MS, (int) Math.min(Integer.MAX_VALUE, spec.requestTimeout().toMillis()));
        config.setByte(DC_SUPPORTS_READ, flag(operations.contains(Operation.READ)));
        config.setByte(DC_SUPPORTS_WRITE, flag(operations.contains(Operation.WRITE)));
        config.setByte(DC_SUPPORTS_WRITE_ZEROES, flag(operations.contains(Operation.WRITE_ZEROES)));
        config.setByte(DC_SUPPORTS_FUA_WRITE,
                flag(operations.contains(Operation.FUA_WRITE) && operations.contains(Operation.FLUSH)));
        config.setByte(DC_SUPPORTS_FLUSH, flag(operations.contains(Operation.FLUSH)));
        config.setByte(DC_SUPPORTS_DISCARD, flag(operations.contains(Operation.DISCARD)));
        config.setByte(DC_SUPPORTS_SECURE_ERASE, flag(operations.contains(Operation.SECURE_ERASE)));
        config.setByte(DC_SUPPORTS_IOCTL, flag(operations.contains(Operation.IOCTL)));
        config.setByte(DC_READ_ONLY, flag(spec.readOnly()));
        config.setByte(DC_ROTATIONAL, flag(spec.rotational()));
        config.setByte(DC_MERGE_REQUESTS, (byte) 1);
        config.setByte(DC_ENABLE_PARTITION_SCANNING, flag(spec.partitionScanning()));
        config.setByte(DC_RECOVERABLE, flag(spec.recoverable()));
        config.setInt(FD_CONFIG + FC_NUM_PREALLOCATED_BUFFERS, plan.requestsInFlight());
    }

    private static byte flag(boolean value) {
        return value ? (byte) 1 : (byte) 0;
    }

    long id() {
        return this.id;
    }

    @Override
    public int channelCount() {
        return this.channels;
    }

    @Override
    public synchronized RequestChannel openChannel() {
        if (this.opened >= this.channels) {
            throw new IllegalStateException("all " + this.channels + " channels are open");
        }
        this.opened++;
        return new KbdusChannel(this, this.pool);
    }

    int fd() {
        return this.fd;
    }

    DeviceSpec spec() {
        return this.spec;
    }

    boolean supports(Operation operation) {
        return this.operations.contains(operation);
    }

    void deviceAvailable() {
        this.available.countDown();
    }

    @Override
    public String activate(Duration timeout) throws IOException {
        try {
            if (!this.available.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("kbdus device " + this.id + " did not become available within " + timeout);
            }
            String node = DEVICE_PATH_PREFIX + this.id;
            DeviceNodes.await(node, timeout);
            this.path = node;
            return node;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for kbdus device " + this.id, ex);
        }
    }

    @Override
    public String path() {
        return this.path;
    }

    @Override
    public boolean canDetach() {
        return this.spec.recoverable();
    }

    @Override
    public String handle() {
        return this.spec.recoverable() ? Long.toString(this.id) : null;
    }

    /**
     * Asks to stop without destroying: the recoverable device keeps its queued requests for
     * the next driver, channels receive TERMINATE and return, then the fd is released.
     */
    @Override
    public String detach() {
        return detach(DEFAULT_GRACE);
    }

    @Override
    public synchronized String detach(Duration timeout) {
        if (!canDetach()) {
            throw new UnsupportedOperationException("kbdus device " + this.id + " is not recoverable");
        }
        if (!this.closed) {
            this.closed = true;
            ioctlQuietly(this.fd, IOCTL_TERMINATE, Pointer.NULL, "terminate");
            releaseWhenUnused(timeout, "detaching");
            logger.debug("kbdus device {} ({}) detached; it waits for a driver", this.id, this.path);
        }
        return Long.toString(this.id);
    }

    @Override
    public void close() {
        close(DEFAULT_GRACE);
    }

    /**
     * Flushes the device (for at most half of {@code timeout}), marks this driver successful
     * and destroys the device: pending requests fail, channels receive TERMINATE and return,
     * then the mapping and the fd are released and the device goes away.
     */
    @Override
    public synchronized void close(Duration timeout) {
        if (this.closed) {
            return;
        }
        this.closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        int control = -1;
        try (Memory id = new Memory(8)) {
            id.setLong(0, this.id);
            control = KbdusTransport.openControl();
            if (this.path != null) {
                flushWithin(timeout.dividedBy(2));
            }
            ioctlQuietly(this.fd, IOCTL_MARK_AS_SUCCESSFUL, Pointer.NULL, "mark as successful");
            ioctlQuietly(control, IOCTL_TRIGGER_DEVICE_DESTRUCTION, id, "trigger destruction");
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (releaseWhenUnused(left, "its destruction began")) {
                ioctlQuietly(control, IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED, id, "wait until destroyed");
                logger.debug("kbdus device {} ({}) destroyed", this.id, this.path);
            }
        }
        catch (IOException ex) {
            logger.warn("Could not destroy kbdus device {} cleanly; closing its driver", this.id, ex);
            releaseWhenUnused(Duration.ZERO, "its destruction failed");
        }
        finally {
            if (control >= 0) {
                LibC.close(control);
            }
        }
    }

    /**
     * KBDUS_IOCTL_FLUSH_DEVICE waits, uninterruptibly, for the driver to answer the flush:
     * run it aside so that a driver that never answers cannot hold up the teardown, which
     * fails the flush by destroying the device.
     */
    private void flushWithin(Duration timeout) {
        Thread flusher = new Thread(() -> {
            try (Memory id = new Memory(8)) {
                id.setLong(0, this.id);
                int control = KbdusTransport.openControl();
                try {
                    ioctlQuietly(control, IOCTL_FLUSH_DEVICE, id, "flush");
                }
                finally {
                    LibC.close(control);
                }
            }
            catch (IOException ex) {
                logger.debug("kbdus device {}: flush failed", this.id, ex);
            }
        }, "bdus-kbdus-flush-" + this.id);
        flusher.setDaemon(true);
        flusher.start();
        try {
            flusher.join(Math.max(1, timeout.toMillis()));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (flusher.isAlive()) {
            logger.warn("kbdus device {} ({}): its driver did not answer a flush within {}; destroying it without",
                    this.id, this.path, timeout);
        }
    }

    /**
     * Releases the mapping and the fd once nothing can touch them any more: a channel thread
     * still inside a driver call holds a buffer of the mapping and would issue its next ioctl
     * on the fd, and so does a request an asynchronous driver has not answered yet. Caller
     * holds this object's monitor.
     *
     * @return whether they were released now (else the last channel to return, or the last
     *         request to be answered, releases them)
     */
    private boolean releaseWhenUnused(Duration timeout, String since) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = this.opened; i < this.channels; i++) {
            this.channelsDone.countDown();
        }
        this.opened = this.channels;
        // channels waiting for a free slot stop; requests in flight can still be answered
        this.pool.close();
        boolean answered = false;
        try {
            this.channelsDone.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            answered = this.pool.awaitAllReturned(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (this.channelsDone.getCount() == 0 && answered) {
            release();
            return true;
        }
        this.releaseDeferred = true;
        logger.error("kbdus device {} ({}): {} serving thread(s) still inside the driver and {} request(s) not "
                + "answered by it {} after {}; its memory mapping and driver descriptor stay open until they are "
                + "(a driver call that never returns or a request never answered keeps them, and the device, "
                + "forever)", this.id, this.path, this.channelsDone.getCount(), this.pool.outstanding(), timeout,
                since);
        this.pool.whenAllReturned(this::releaseIfUnused);
        return false;
    }

    /** A channel's serving thread left it for good. */
    void channelDone() {
        this.channelsDone.countDown();
        if (this.channelsDone.getCount() == 0) {
            releaseIfUnused();
        }
    }

    private synchronized void releaseIfUnused() {
        if (this.releaseDeferred && this.channelsDone.getCount() == 0 && this.pool.outstanding() == 0) {
            this.releaseDeferred = false;
            release();
            logger.info("kbdus device {} ({}): the last serving thread returned and the last request was answered; "
                    + "mapping and descriptor released", this.id, this.path);
        }
    }

    private void release() {
        try {
            MemoryMapping.munmap(this.mapping, this.mappingLength);
        }
        catch (LastErrorException ex) {
            logger.debug("munmap failed for kbdus device {}", this.id, ex);
        }
        try {
            LibC.close(this.fd);
        }
        catch (LastErrorException ex) {
            logger.debug("close failed for kbdus device {}", this.id, ex);
        }
    }

    private void ioctlQuietly(int fd, long request, Pointer argument, String what) {
        try {
            LibC.ioctl(fd, request, argument);
        }
        catch (LastErrorException ex) {
            logger.debug("kbdus device {}: {} failed with errno {}", this.id, what, ex.getErrorCode());
        }
    }
}
