package io.bdus.driver.rados;

import io.bdus.driver.AsyncBlockDriver;
import io.bdus.driver.BlockDriverException;
import io.bdus.driver.Completion;
import io.bdus.driver.DeviceInfo;
import io.bdus.driver.DriverReport;
import io.bdus.driver.Errno;
import io.bdus.driver.ReportingDriver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a device from an image in a Ceph RADOS pool: the device is striped over objects of
 * {@link RadosSettings#objectSize()} bytes, {@code <image>.<object index in 16 hex digits>},
 * and a header object {@code <image>.header} records the size, the object size and the
 * format. A new image is created on first use; an existing one must match the configured
 * size and object size.
 *
 * <p>Every request becomes one asynchronous librados operation per object it touches and
 * completes from librados' callback thread. Objects never written read as zeroes; discard and
 * write-zeroes remove whole objects and zero or truncate partial ones. librados acknowledges
 * a write once every replica has it, so flush and FUA writes wait for nothing more than the
 * writes before them. Failures reach clients as ETIMEDOUT (an operation exceeded
 * {@link RadosSettings#operationTimeout()}), ENOSPC (the pool is full or over quota), ENOLINK
 * (the cluster cannot be reached, or this client was blocklisted) or EIO.
 *
 * <p>One device at a time serves an image: the driver takes an exclusive RADOS lock on the
 * header object and refuses to start while another device holds it, unless
 * {@link RadosSettings#breakLock()} (for recovery after a crash: the old client is
 * blocklisted first). A driver replacing another in this process on the same device shares
 * its lock and connection. Payload buffers must be direct (the runtime's always are).
 */
public class RadosDriver implements AsyncBlockDriver, ReportingDriver {

    private static final Logger logger = LoggerFactory.getLogger(RadosDriver.class);

    /** How long the cluster may leave a health probe unanswered before the device is reported down. */
    private static final long PROBE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final RadosSettings settings;

    private volatile RadosConnection connection;

    private volatile RadosImage image;

    public RadosDriver(RadosSettings settings) {
        this.settings = settings;
    }

    public RadosSettings settings() {
        return this.settings;
    }

    @Override
    public void initialize(DeviceInfo device) throws IOException {
        if (this.image != null) {
            throw new IllegalStateException("RadosDriver for image '" + this.settings.image() + "' is initialized "
                    + "already; terminate it first");
        }
        RadosConnection connection = RadosConnection.open(this.settings);
        try {
            this.image = RadosImage.open(connection, this.settings, device.name(), device.size());
            this.connection = connection;
        }
        catch (IOException | RuntimeException ex) {
            connection.release();
            throw ex;
        }
        logger.info("Device '{}' serves RADOS image '{}' in pool '{}' of cluster {} ({}, {}-byte objects, as {})",
                device.name(), this.settings.image(), this.settings.pool(), connection.fsid(),
                this.image.created() ? "created now" : "existing", this.settings.objectSize(),
                this.settings.client());
    }

    @Override
    public void terminate() throws IOException {
        RadosImage image = this.image;
        RadosConnection connection = this.connection;
        if (image == null) {
            return;
        }
        this.image = null;
        this.connection = null;
        long grace = this.settings.operationTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
        try {
            if (image.close(grace)) {
                connection.release();
            }
            else {
                // librados may still call back for these; keep what they use.
                logger.warn("RADOS image '{}': {} operations still in flight after {}; leaving its connection open",
                        this.settings.image(), image.io().inFlight(), this.settings.operationTimeout());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing RADOS image '" + this.settings.image() + "'");
        }
    }

    @Override
    public void read(ByteBuffer buffer, long offset, Completion completion) {
        ImageIo io = io(buffer, completion);
        if (io != null) {
            io.read(buffer, offset, completion);
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset, Completion completion) {
        ImageIo io = io(buffer, completion);
        if (io != null) {
            io.write(buffer, offset, completion);
        }
    }

    /** librados acknowledges a write once all replicas have it: a FUA write is a write. */
    @Override
    public void fuaWrite(ByteBuffer buffer, long offset, Completion completion) {
        write(buffer, offset, completion);
    }

    @Override
    public void flush(Completion completion) {
        ImageIo io = io(null, completion);
        if (io != null) {
            io.flush(completion);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap, Completion completion) {
        ImageIo io = io(null, completion);
        if (io != null) {
            io.zero(offset, length, completion);
        }
    }

    /** Discarded ranges read back as zeroes. */
    @Override
    public void discard(long offset, long length, Completion completion) {
        writeZeroes(offset, length, true, completion);
    }

    private ImageIo io(ByteBuffer buffer, Completion completion) {
        RadosImage image = this.image;
        if (image == null) {
            completion.fail(new BlockDriverException(Errno.EIO, "RadosDriver for image '" + this.settings.image()
                    + "' is not initialized"));
            return null;
        }
        if (buffer != null && !buffer.isDirect()) {
            completion.fail(new IllegalArgumentException("RadosDriver needs direct payload buffers"));
            return null;
        }
        return image.io();
    }

    /**
     * Pool, image, cluster, client, in-flight operations; a problem when the cluster has not
     * answered a probe of the header object for a few seconds, or RADOS operations fail because
     * the cluster cannot be reached.
     */
    @Override
    public DriverReport report() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("pool", this.settings.pool());
        details.put("image", this.settings.image());
        details.put("objectSize", this.settings.objectSize());
        details.put("client", this.settings.client());
        RadosImage image = this.image;
        RadosConnection connection = this.connection;
        if (image == null || connection == null) {
            return new DriverReport(details, "not connected to the cluster (the driver is not initialized)");
        }
        ImageIo io = image.io();
        details.put("clusterFsid", connection.fsid());
        details.put("clientInstance", "client." + connection.instanceId());
        details.put("inFlightOperations", io.inFlight());
        details.put("failedRequests", io.failedRequests());
        io.probe();
        return new DriverReport(details, problem(io));
    }

    private String problem(ImageIo io) {
        long waiting = io.probeWaitingNanos();
        long grace = Math.min(PROBE_GRACE_NANOS, this.settings.operationTimeout().toNanos());
        if (waiting > grace) {
            return "the Ceph cluster has not answered for " + TimeUnit.NANOSECONDS.toSeconds(waiting)
                    + " s (a stat of " + RadosImage.headerObject(this.settings.image()) + " in pool '"
                    + this.settings.pool() + "')";
        }
        int probe = io.probeResult();
        if (probe < 0) {
            return "the last check of the cluster failed: " + RadosErrors.name(-probe);
        }
        int unreachable = io.unreachableErrno();
        if (unreachable != 0) {
            return "RADOS operations fail: " + RadosErrors.name(unreachable);
        }
        return null;
    }

    @Override
    public String toString() {
        return "RadosDriver[pool=" + this.settings.pool() + ", image=" + this.settings.image() + "]";
    }
}
