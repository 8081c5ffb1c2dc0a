package io.bdus.spring.boot.autoconfigure;

import io.bdus.transport.fuse.FuseIoUring;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the block devices an application serves.
 */
@ConfigurationProperties("bdus")
public class BdusProperties {

    /**
     * Whether to create the configured block devices.
     */
    private boolean enabled = true;

    /**
     * Transport that turns drivers into block devices.
     */
    private TransportType transport = TransportType.AUTO;

    /**
     * Directory for state that outlives a run: fuse-loop mounts under its fuse-loop
     * subdirectory, handles of devices kept on shutdown under its devices subdirectory.
     */
    private Path stateDir = Path.of("/run/bdus");

    /**
     * Time the devices may take to start (they start in parallel): each driver's
     * initialization and the transport bringing up its device; a bare number is in seconds.
     * When it runs out, start-up fails and every device started so far is torn down.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration startTimeout = Duration.ofSeconds(60);

    /**
     * Time replacing a device's driver may take (draining requests in flight, flushing the
     * old driver, initializing the new one); a bare number is in seconds. When it runs out,
     * the old driver keeps serving.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration replaceTimeout = Duration.ofSeconds(30);

    /**
     * Block devices by name. A setting a device does not give comes from bdus.defaults.
     */
    private Map<String, Device> devices = new LinkedHashMap<>();

    /**
     * Settings for every device under bdus.devices that does not give them itself.
     */
    private final Device defaults = new Device();

    private final Fuse fuse = new Fuse();

    private final ControlSocket controlSocket = new ControlSocket();

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public TransportType getTransport() {
        return this.transport;
    }

    public void setTransport(TransportType transport) {
        this.transport = transport;
    }

    public Path getStateDir() {
        return this.stateDir;
    }

    public void setStateDir(Path stateDir) {
        this.stateDir = stateDir;
    }

    public Duration getStartTimeout() {
        return this.startTimeout;
    }

    public void setStartTimeout(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    public Duration getReplaceTimeout() {
        return this.replaceTimeout;
    }

    public void setReplaceTimeout(Duration replaceTimeout) {
        this.replaceTimeout = replaceTimeout;
    }

    public Device getDefaults() {
        return this.defaults;
    }

    public Map<String, Device> getDevices() {
        return this.devices;
    }

    public void setDevices(Map<String, Device> devices) {
        this.devices = devices;
    }

    public Fuse getFuse() {
        return this.fuse;
    }

    public ControlSocket getControlSocket() {
        return this.controlSocket;
    }

    /**
     * Ways to turn a driver into a Linux block device.
     */
    public enum TransportType {

        /**
         * kbdus when its kernel module is loaded and a kbdus transport is present, else
         * fuse-loop.
         */
        AUTO("auto"),

        /**
         * The kbdus kernel module: /dev/bdus-N devices.
         */
        KBDUS("kbdus"),

        /**
         * The kernel's ublk driver (Linux 6.0+, ublk_drv loaded): /dev/ublkbN devices.
         */
        UBLK("ublk"),

        /**
         * A FUSE file with a loop device on top: /dev/loopN devices, no extra kernel module.
         */
        FUSE_LOOP("fuse-loop");

        private final String value;

        TransportType(String value) {
            this.value = value;
        }

        /**
         * Name as written in configuration and as returned by {@code Transport.name()}.
         * @return the configuration value
         */
        public String value() {
            return this.value;
        }

    }

    /**
     * The control socket under the state directory, through which the bdus command line
     * lists the application's devices and acts on them.
     */
    public static class ControlSocket {

        /**
         * Whether to open the control socket ({@code <state-dir>/control/<pid>.sock}, root
         * only) while devices serve.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

    }

    /**
     * The fuse-loop transport.
     */
    public static class Fuse {

        /**
         * User (and optionally group) besides root that may open the FUSE files behind the
         * loop devices and list their directory, as user[:group] by name or number. When not
         * set, only root may. The loop devices keep their usual node permissions either way.
         */
        private String owner;

        /**
         * Whether fuse-loop devices take their requests over io_uring (FUSE over io_uring,
         * Linux 6.14+): 'auto' when the fuse module parameter
         * /sys/module/fuse/parameters/enable_uring is Y and the kernel agrees at FUSE INIT,
         * else through /dev/fuse; 'on' fails start-up when it cannot; 'off' always uses
         * /dev/fuse (the default: io_uring does not pay yet, see the benchmarks). The module
         * parameter is the administrator's to set; bdus never changes it.
         */
        private FuseIoUring ioUring = FuseIoUring.OFF;

        public String getOwner() {
            return this.owner;
        }

        public void setOwner(String owner) {
            this.owner = owner;
        }

        public FuseIoUring getIoUring() {
            return this.ioUring;
        }

        public void setIoUring(FuseIoUring ioUring) {
            this.ioUring = ioUring;
        }

    }

    /**
     * Settings of one block device, or, under {@code bdus.defaults}, of every device that does
     * not give them itself. A setting given nowhere takes its built-in default.
     */
    public static class Device {

        /**
         * Name of the BlockDriver bean that serves the device. When not set, the bean named
         * like the device, else the only BlockDriver bean.
         */
        private String driver;

        /**
         * Size of the device, a multiple of the logical block size.
         */
        private DataSize size;

        /**
         * Smallest unit the device addresses, a power of two from 512B to 4KB.
         */
        private DataSize logicalBlockSize;

        /**
         * Unit the device writes atomically, a power of two from the logical block size to
         * 64KB. When not set, the larger of 4KB and the logical block size.
         */
        private DataSize physicalBlockSize;

        /**
         * Largest payload of one read or write request, a multiple of 4KB up to 1MB.
         */
        private DataSize maxRequestSize;

        /**
         * Requests the device holds at once (its queue depth), 1 to 256. A thread-safe
         * blocking driver is served by one thread per processor (at least 2, at most this
         * many), a serialized one by a single thread, each thread with one request in flight;
         * an asynchronous driver may have this many requests in flight.
         */
        private Integer maxConcurrentRequests;

        /**
         * Whether clients may only read the device.
         */
        private Boolean readOnly;

        /**
         * Whether the block layer should treat the device as a spinning disk.
         */
        private Boolean rotational;

        /**
         * Whether the device outlives its driver so that a new driver can take it over
         * (kbdus transport).
         */
        private Boolean recoverable;

        /**
         * Whether to leave the device in place when the application stops, so that the next
         * run attaches to it (recoverable kbdus devices only; fuse-loop devices are always
         * torn down).
         */
        private Boolean keepOnShutdown;

        /**
         * Whether the kernel scans the device for partitions.
         */
        private Boolean partitionScanning;

        /**
         * Time a request may take before it fails with ETIMEDOUT, at most 1h; a bare number
         * is in seconds. Zero means no timeout.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration requestTimeout;

        /**
         * Ceph RADOS image that holds the device's data. Setting rados.pool (or rados.image)
         * serves the device from that image, with no BlockDriver bean to declare.
         */
        private final Rados rados = new Rados();

        public String getDriver() {
            return this.driver;
        }

        public void setDriver(String driver) {
            this.driver = driver;
        }

        public DataSize getSize() {
            return this.size;
        }

        public void setSize(DataSize size) {
            this.size = size;
        }

        public DataSize getLogicalBlockSize() {
            return this.logicalBlockSize;
        }

        public void setLogicalBlockSize(DataSize logicalBlockSize) {
            this.logicalBlockSize = logicalBlockSize;
        }

        public DataSize getPhysicalBlockSize() {
            return this.physicalBlockSize;
        }

        public void setPhysicalBlockSize(DataSize physicalBlockSize) {
            this.physicalBlockSize = physicalBlockSize;
        }

        public DataSize getMaxRequestSize() {
            return this.maxRequestSize;
        }

        public void setMaxRequestSize(DataSize maxRequestSize) {
            this.maxRequestSize = maxRequestSize;
        }

        public Integer getMaxConcurrentRequests() {
            return this.maxConcurrentRequests;
        }

        public void setMaxConcurrentRequests(Integer maxConcurrentRequests) {
            this.maxConcurrentRequests = maxConcurrentRequests;
        }

        public Boolean getReadOnly() {
            return this.readOnly;
        }

        public void setReadOnly(Boolean readOnly) {
            this.readOnly = readOnly;
        }

        public Boolean getRotational() {
            return this.rotational;
        }

        public void setRotational(Boolean rotational) {
            this.rotational = rotational;
        }

        public Boolean getRecoverable() {
            return this.recoverable;
        }

        public void setRecoverable(Boolean recoverable) {
            this.recoverable = recoverable;
        }

        public Boolean getKeepOnShutdown() {
            return this.keepOnShutdown;
        }

        public void setKeepOnShutdown(Boolean keepOnShutdown) {
            this.keepOnShutdown = keepOnShutdown;
        }

        public Boolean getPartitionScanning() {
            return this.partitionScanning;
        }

        public void setPartitionScanning(Boolean partitionScanning) {
            this.partitionScanning = partitionScanning;
        }

        public Duration getRequestTimeout() {
            return this.requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public Rados getRados() {
            return this.rados;
        }

    }

    /**
     * Where a device's data lives in a Ceph cluster: an image (a header object and one object
     * per object-size bytes of the device) in a RADOS pool, and how to reach the cluster.
     */
    public static class Rados {

        /**
         * RADOS pool that holds the image. Setting it on a device serves the device from Ceph.
         */
        private String pool;

        /**
         * Name of the image in the pool: 1 to 96 letters, digits, '.', '-' or '_'. When not
         * set, the device name. A new image is created on first use; an existing one must
         * have the device's size and object size.
         */
        private String image;

        /**
         * Bytes of the device each RADOS object holds, a power of two from 4KB to 64MB. When
         * not set, 4MB.
         */
        private DataSize objectSize;

        /**
         * Path of the cluster's ceph.conf. When not set, the CEPH_CONF environment variable,
         * else /etc/ceph/ceph.conf.
         */
        private Path cephConf;

        /**
         * Ceph user to connect as, e.g. client.bdus. When not set, client.admin.
         */
        private String client;

        /**
         * Keyring file with the user's key. When not set, the keyring ceph.conf names.
         */
        private Path keyring;

        /**
         * Time one RADOS operation (and connecting) may take before the request fails with
         * ETIMEDOUT, from 1s to 1h; a bare number is in seconds. When not set, 30s.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration operationTimeout;

        /**
         * Whether to take the image from a holder that is gone (its process crashed): its lock
         * is broken and its client blocklisted first, so that it can never write again. Set it
         * only to recover; while unset, an image held by another device is refused.
         */
        private Boolean breakLock;

        public String getPool() {
            return this.pool;
        }

        public void setPool(String pool) {
            this.pool = pool;
        }

        public String getImage() {
            return this.image;
        }

        public void setImage(String image) {
            this.image = image;
        }

        public DataSize getObjectSize() {
            return this.objectSize;
        }

        public void setObjectSize(DataSize objectSize) {
            this.objectSize = objectSize;
        }

        public Path getCephConf() {
            return this.cephConf;
        }

        public void setCephConf(Path cephConf) {
            this.cephConf = cephConf;
        }

        public String getClient() {
            return this.client;
        }

        public void setClient(String client) {
            this.client = client;
        }

        public Path getKeyring() {
            return this.keyring;
        }

        public void setKeyring(Path keyring) {
            this.keyring = keyring;
        }

        public Duration getOperationTimeout() {
            return this.operationTimeout;
        }

        public void setOperationTimeout(Duration operationTimeout) {
            this.operationTimeout = operationTimeout;
        }

        public Boolean getBreakLock() {
            return this.breakLock;
        }

        public void setBreakLock(Boolean breakLock) {
            this.breakLock = breakLock;
        }

    }

}
