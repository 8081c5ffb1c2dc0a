package io.bdus.transport.ublk;

import static io.bdus.transport.ublk.UblkAbi.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.DeviceNodes;
import io.bdus.linux.LibC;
import io.bdus.linux.MemoryMapping;
import io.bdus.transport.RequestChannel;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk device: {@code /dev/ublkbN} for clients, {@code /dev/ublkcN} for this server.
 * Created with ADD_DEV and SET_PARAMS; each queue's descriptors are mapped read-only from
 * the char device and each tag gets a page-aligned payload buffer. {@link #activate} sends
 * START_DEV once every queue thread has its fetches outstanding (the kernel waits for them);
 * {@link #close} sends STOP_DEV, lets the queue threads go, unmaps, closes the char device
 * and sends DEL_DEV (which waits for that close).
 */
final class UblkDevice implements TransportDevice {

    private static final Logger logger = LoggerFactory.getLogger(UblkDevice.class);

    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    private static final int PAGE = 4096;

    /** Largest discard or write-zeroes range per request (the block layer splits larger ones). */
    private static final int MAX_DISCARD_SECTORS = (1 << 30) >>> SECTOR_SHIFT;

    private final UblkControl control;

    private final DeviceSpec spec;

    private final int id;

    private final int charFd;

    private final UblkQueue[] queues;

    private final CountDownLatch ready;

    private final CountDownLatch queuesDone;

    private int opened;

    private volatile boolean queueFailedEarly;

    private volatile boolean closing;

    private boolean started;

    private final Object releaseLock = new Object();

    /** Guarded by {@link #releaseLock}. */
    private boolean released;

    private volatile String path;

    /** What {@link #details()} shows, fixed at creation. */
    private volatile Map<String, Object> details = Map.of();

    /**
     * {@code queues}, {@code queueDepth}, {@code kernelFeatures} (the {@code UBLK_F_*} bits
     * GET_FEATURES reported) and {@code missingFeatures} (those bdus would use that the
     * kernel lacks; empty when none is).
     */
    @Override
    public Map<String, Object> details() {
        return this.details;
    }

    private UblkDevice(UblkControl control, DeviceSpec spec, int id, int charFd, int queueCount) {
        this.control = control;
        this.spec = spec;
        this.id = id;
        this.charFd = charFd;
        this.queues = new UblkQueue[queueCount];
        this.ready = new CountDownLatch(queueCount);
        this.queuesDone = new CountDownLatch(queueCount);
    }

    /**
     * Adds a device sized for {@code plan}: one queue per channel, each as deep as its share
     * of the requests in flight, and a buffer of {@code max-request-size} per tag.
     */
    static UblkDevice create(UblkControl control, long features, List<String> missingFeatures, DeviceSpec spec,
            Set<Operation> operations, ServingPlan plan) throws IOException {
        // the kernel gives at most one queue per CPU; ask for no more, so that the depth per queue carries the plan
        int queueCount = Math.max(1, Math.min(plan.channels(), Runtime.getRuntime().availableProcessors()));
        int depth = Math.min(MAX_QUEUE_DEPTH, (plan.requestsInFlight() + queueCount - 1) / queueCount);
        int maxIo = (spec.maxRequestSize() + PAGE - 1) / PAGE * PAGE;
        int id;
        try (Memory info = new Memory(DEV_INFO_SIZE)) {
            info.clear(DEV_INFO_SIZE);
            info.setShort(DI_NR_HW_QUEUES, (short) queueCount);
            info.setShort(DI_QUEUE_DEPTH, (short) depth);
            info.setInt(DI_MAX_IO_BUF_BYTES, maxIo);
            info.setInt(DI_DEV_ID, -1);
            info.setInt(DI_UBLKSRV_PID, LibC.getpid());
            info.setLong(DI_FLAGS, features > 0 ? features & F_CMD_IOCTL_ENCODE : 0);
            control.addDevice(info, DEFAULT_GRACE);
            id = info.getInt(DI_DEV_ID);
            int grantedQueues = Short.toUnsignedInt(info.getShort(DI_NR_HW_QUEUES));
            int grantedDepth = Short.toUnsignedInt(info.getShort(DI_QUEUE_DEPTH));
            int grantedIo = info.getInt(DI_MAX_IO_BUF_BYTES);
            long flags = info.getLong(DI_FLAGS);
            try {
                // the kernel may lower the queue count (to its CPUs) and the I/O size, never raise them
                if (id < 0 || grantedQueues < 1 || grantedQueues > queueCount || grantedDepth != depth
                        || grantedIo < spec.logicalBlockSize() || grantedIo > maxIo) {
                    throw new IOException("ublk ADD_DEV granted an unusable device: id " + id + ", " + grantedQueues
                            + " queues (asked " + queueCount + "), depth " + grantedDepth + " (asked " + depth
                            + "), " + grantedIo + "-byte I/O (asked " + maxIo + ")");
                }
                int ioBytes = grantedIo / spec.logicalBlockSize() * spec.logicalBlockSize();
                try (Memory params = new Memory(PARAMS_SIZE)) {
                    fillParameters(params, spec, operations, ioBytes);
                    control.setParameters(id, params, DEFAULT_GRACE);
                }
                int charFd = openCharDevice(id, DEFAULT_GRACE);
                UblkDevice device = new UblkDevice(control, spec, id, charFd, grantedQueues);
                device.mapQueues(grantedDepth, ioBytes, operations, (flags & F_CMD_IOCTL_ENCODE) != 0);
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("queues", grantedQueues);
                details.put("queueDepth", grantedDepth);
                details.put("kernelFeatures", (features < 0) ? "unknown" : "0x" + Long.toHexString(features));
                details.put("missingFeatures", String.join(", ", missingFeatures));
                device.details = Collections.unmodifiableMap(details);
                logger.debug("ublk device {} added for '{}': {} queue(s) of depth {}, {}-byte buffers, flags 0x{}", id,
                        spec.name(), grantedQueues, grantedDepth, ioBytes, Long.toHexString(flags));
                return device;
            }
            catch (IOException | RuntimeException ex) {
                deleteQuietly(control, id);
                throw ex;
            }
        }
    }

    private static void deleteQuietly(UblkControl control, int id) {
        try {
            control.delete(id, DEFAULT_GRACE);
        }
        catch (IOException ex) {
            logger.warn("ublk device {} could not be deleted after a failed start: {}", id, ex.getMessage());
        }
    }

    /** Fills the basic and discard parameters: geometry, limits and what the driver advertises. */
    static void fillParameters(Pointer params, DeviceSpec spec, Set<Operation> operations, int ioBytes) {
        params.clear(PARAMS_SIZE);
        boolean discard = operations.contains(Operation.DISCARD);
        boolean writeZeroes = operations.contains(Operation.WRITE_ZEROES);
        params.setInt(P_LEN, PARAMS_SIZE);
        params.setInt(P_TYPES, PARAM_TYPE_BASIC | (discard || writeZeroes ? PARAM_TYPE_DISCARD : 0));
        int attributes = 0;
        if (spec.readOnly() || !operations.contains(Operation.WRITE)) {
            attributes |= ATTR_READ_ONLY;
        }
        if (spec.rotational()) {
            attributes |= ATTR_ROTATIONAL;
        }
        if (operations.contains(Operation.FLUSH)) {
            attributes |= ATTR_VOLATILE_CACHE;
            if (operations.contains(Operation.FUA_WRITE)) {
                attributes |= ATTR_FUA;
            }
        }
        int logicalShift = Integer.numberOfTrailingZeros(spec.logicalBlockSize());
        int physicalShift = Integer.numberOfTrailingZeros(
                Math.max(spec.logicalBlockSize(), Math.min(spec.physicalBlockSize(), PAGE)));
        params.setInt(P_BASIC + PB_ATTRS, attributes);
        params.setByte(P_BASIC + PB_LOGICAL_BS_SHIFT, (byte) logicalShift);
        params.setByte(P_BASIC + PB_PHYSICAL_BS_SHIFT, (byte) physicalShift);
        params.setByte(P_BASIC + PB_IO_OPT_SHIFT, (byte) physicalShift);
        params.setByte(P_BASIC + PB_IO_MIN_SHIFT, (byte) physicalShift);
        params.setInt(P_BASIC + PB_MAX_SECTORS, ioBytes >>> SECTOR_SHIFT);
        params.setLong(P_BASIC + PB_DEV_SECTORS, spec.size() >>> SECTOR_SHIFT);
        if (discard || writeZeroes) {
            int maxSectors = MAX_DISCARD_SECTORS / (spec.logicalBlockSize() >>> SECTOR_SHIFT)
                    * (spec.logicalBlockSize() >>> SECTOR_SHIFT);
            params.setInt(P_DISCARD + PD_DISCARD_GRANULARITY, spec.logicalBlockSize());
            params.setInt(P_DISCARD + PD_MAX_DISCARD_SECTORS, discard ? maxSectors : 0);
            params.setInt(P_DISCARD + PD_MAX_WRITE_ZEROES_SECTORS, writeZeroes ? maxSectors : 0);
            params.setShort(P_DISCARD + PD_MAX_DISCARD_SEGMENTS, (short) 1);
        }
    }

    /** Opens /dev/ublkcN, waiting for devtmpfs (or udev) to create it. */
    private static int openCharDevice(int id, Duration timeout) throws IOException {
        String node = CHAR_DEVICE_PREFIX + id;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return LibC.open(node, LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
            }
            catch (LastErrorException ex) {
                if (ex.getErrorCode() != 2 || System.nanoTime() > deadline) {
                    throw new IOException("Cannot open " + node + ": errno " + ex.getErrorCode(), ex);
                }
            }
            try {
                Thread.sleep(10);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for " + node, ex);
            }
        }
    }

    private void mapQueues(int depth, int ioBytes, Set<Operation> operations, boolean ioctlEncoded) {
        long length = descriptorMappingSize(depth, PAGE);
        int mapped = 0;
        try {
            for (int q = 0; q < this.queues.length; q++) {
                Pointer descriptors = MemoryMapping.mapSharedReadOnly(this.charFd, length,
                        descriptorMappingOffset(q, PAGE));
                mapped++;
                UblkRequest[] requests = new UblkRequest[depth];
                for (int tag = 0; tag < depth; tag++) {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(ioBytes + PAGE).alignedSlice(PAGE);
                    long address = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
                    requests[tag] = new UblkRequest(tag,
                            descriptors.getByteBuffer((long) tag * IO_DESC_SIZE, IO_DESC_SIZE), buffer, address,
                            this.spec.size(), this.spec.logicalBlockSize(), operations);
                }
                this.queues[q] = new UblkQueue(this, q, this.charFd, requests, descriptors, length, ioctlEncoded);
            }
        }
        catch (RuntimeException ex) {
            for (int q = 0; q < mapped; q++) {
                if (this.queues[q] != null) {
                    unmapQuietly(this.queues[q]);
                }
            }
            LibC.close(this.charFd);
            throw ex;
        }
    }

    int id() {
        return this.id;
    }

    boolean isClosing() {
        return this.closing;
    }

    @Override
    public int channelCount() {
        return this.queues.length;
    }

    @Override
    public synchronized RequestChannel openChannel() {
        if (this.opened >= this.queues.length) {
            throw new IllegalStateException("all " + this.queues.length + " queues are open");
        }
        return this.queues[this.opened++];
    }

    /** A queue thread has a fetch outstanding for every tag. */
    void queueReady() {
        this.ready.countDown();
    }

    /** A queue thread left; the last one lets {@link #close} release the char device. */
    void queueDone() {
        if (this.ready.getCount() > 0 && !this.closing) {
            this.queueFailedEarly = true;
            while (this.ready.getCount() > 0) {
                this.ready.countDown();
            }
        }
        this.queuesDone.countDown();
        if (this.queuesDone.getCount() == 0) {
            releaseIfClosing();
        }
    }

    @Override
    public String activate(Duration timeout) throws IOException {
        try {
            if (!this.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || this.queueFailedEarly) {
                throw new IOException("ublk device " + this.id + ": the queue threads did not fetch within " + timeout);
            }
            synchronized (this) {
                this.control.start(this.id, LibC.getpid(), timeout);
                this.started = true;
            }
            String node = BLOCK_DEVICE_PREFIX + this.id;
            DeviceNodes.await(node, timeout);
            this.path = node;
            return node;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting ublk device " + this.id, ex);
        }
    }

    @Override
    public String path() {
        return this.path;
    }

    @Override
    public void close() {
        close(DEFAULT_GRACE);
    }

    /**
     * STOP_DEV (the kernel removes the disk once requests in flight are answered, and aborts
     * the queues' fetches), then the queue threads return and the device is deleted. A
     * driver that never answers keeps STOP_DEV waiting: then the device, its char device and
     * mapping stay until the queue threads return, and that is logged.
     */
    @Override
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            if (this.closing) {
                return;
            }
            this.closing = true;
            try {
                this.control.stop(this.id, timeout);
            }
            catch (IOException ex) {
                logger.error("ublk device {} ({}): {}; its queue threads keep serving until the driver answers",
                        this.id, this.path, ex.getMessage());
            }
            for (UblkQueue queue : this.queues) {
                if (queue.enter()) {
                    // never served: nothing to wait for
                    queueDone();
                }
                else {
                    queue.stop();
                }
            }
        }
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            if (this.queuesDone.await(left, TimeUnit.NANOSECONDS)) {
                releaseIfClosing();
            }
            else {
                logger.error("ublk device {} ({}): {} queue thread(s) still serve after {}; the device is deleted when "
                        + "they return", this.id, this.path, this.queuesDone.getCount(), timeout);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unmaps, closes the char device and deletes the device, once; a second caller waits for the first. */
    private void releaseIfClosing() {
        synchronized (this.releaseLock) {
            if (!this.closing || this.released) {
                return;
            }
            this.released = true;
            release();
        }
    }

    private void release() {
        for (UblkQueue queue : this.queues) {
            unmapQuietly(queue);
        }
        try {
            LibC.close(this.charFd);
        }
        catch (LastErrorException ex) {
            logger.debug("close of /dev/ublkc{} failed", this.id, ex);
        }
        deleteQuietly(this.control, this.id);
        this.control.close();
        logger.debug("ublk device {} ({}) deleted", this.id, this.path);
    }

    private static void unmapQuietly(UblkQueue queue) {
        try {
            MemoryMapping.munmap(queue.descriptors(), queue.descriptorsLength());
        }
        catch (LastErrorException ex) {
            logger.debug("munmap of ublk queue {} failed", queue.id(), ex);
        }
    }
}
