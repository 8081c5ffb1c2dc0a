package io.bdus.cli;

import io.bdus.control.ControlServer;
import io.bdus.device.BlockDevice;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceSpec;
import io.bdus.device.DeviceStartException;
import io.bdus.device.InvalidDeviceSpecException;
import io.bdus.driver.BlockDriver;
import io.bdus.driver.latency.AsyncLatencyDriver;
import io.bdus.driver.latency.LatencyDriver;
import io.bdus.driver.passthrough.PassthroughDriver;
import io.bdus.driver.rados.InvalidRadosSettingsException;
import io.bdus.driver.rados.RadosDriver;
import io.bdus.driver.rados.RadosSettings;
import io.bdus.driver.ram.RamDiskDriver;
import io.bdus.linux.Owner;
import io.bdus.transport.Transport;
import io.bdus.transport.fuse.FuseIoUring;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusControl;
import io.bdus.transport.kbdus.KbdusDeviceConfig;
import io.bdus.transport.kbdus.KbdusTransport;
import io.bdus.transport.ublk.UblkTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bdus serve}: serves one device until SIGTERM or Ctrl-C. */
@Command(name = "serve", sortOptions = false,
        header = "Serve a block device (a RAM disk, a file, or a Ceph RADOS image) until SIGTERM or Ctrl-C.",
        description = {
            "Creates the device, records it in the state directory, prints exactly one line 'READY <device path>' on "
                    + "stdout once clients can use it (and nothing else on stdout), and serves it. One human-readable "
                    + "line goes to stderr. SIGTERM or SIGINT flushes the device and tears it down (with --keep, "
                    + "leaves a recoverable device in place) and exits 0. Other bdus commands reach the device "
                    + "through this process's control socket. Needs root." },
        footerHeading = "%nExamples:%n",
        footer = {
            "  bdus serve --size 1G                      # a 1 GiB RAM disk",
            "  bdus serve --name db --file /var/db.img   # serve a file",
            "  bdus serve --rados-pool rbd --rados-image vol1 --size 10G --ceph-conf /etc/ceph/ceph.conf",
            "  bdus serve --transport kbdus --recoverable --keep --file disk.img",
            "  bdus serve --attach 3 --file disk.img     # take over kbdus device 3",
            "  bdus serve --latency 1ms --async --workers 128   # benchmark: a 1 ms backend" })
final class ServeCommand implements Callable<Integer> {

    static final long DEFAULT_SIZE = 256L << 20;

    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--transport", paramLabel = "auto|kbdus|ublk|fuse-loop", defaultValue = "auto",
            description = "auto (the default) picks kbdus when /dev/bdus-control exists, else fuse-loop; ublk "
                    + "serves through the kernel's ublk_drv (/dev/ublk-control).")
    String transport;

    @Option(names = "--fuse-io-uring", paramLabel = "auto|on|off", defaultValue = "off",
            description = "fuse-loop only: serve requests over io_uring (FUSE over io_uring, Linux 6.14+). auto does "
                    + "when /sys/module/fuse/parameters/enable_uring is Y and the kernel agrees, on fails when it "
                    + "cannot, off (the default) always uses /dev/fuse. bdus never changes the module parameter.")
    String fuseIoUring;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Device name: 1 to 32 letters, digits, '-' or '_' (default: disk0, or the kept device's "
                    + "name with --attach).")
    String name;

    @Option(names = "--size", paramLabel = "SIZE", converter = ByteSize.Converter.class,
            description = "Device size: " + ByteSize.UNITS_HELP + ". Default: the size of --file if it exists, "
                    + "the kernel's with --attach, else 256M.")
    Long size;

    @Option(names = "--file", paramLabel = "PATH",
            description = "Serve this file or block device (pass-through driver; a file is created or extended to "
                    + "--size). Without it, a RAM disk that starts empty.")
    Path file;

    @Option(names = "--rados-pool", paramLabel = "POOL",
            description = "Serve a Ceph RADOS image in this pool (RADOS driver; created on first use, else it must "
                    + "have this --size and object size). Cannot be used with --file.")
    String radosPool;

    @Option(names = "--rados-image", paramLabel = "IMAGE",
            description = "Image name: 1 to 96 letters, digits, '.', '-' or '_' (default: the device name).")
    String radosImage;

    @Option(names = "--ceph-conf", paramLabel = "PATH",
            description = "The cluster's ceph.conf (default: $CEPH_CONF, else /etc/ceph/ceph.conf).")
    Path cephConf;

    @Option(names = "--rados-client", paramLabel = "NAME", defaultValue = RadosSettings.DEFAULT_CLIENT,
            description = "Ceph user to connect as (default: ${DEFAULT-VALUE}).")
    String radosClient;

    @Option(names = "--rados-keyring", paramLabel = "PATH",
            description = "Keyring with the user's key (default: the one ceph.conf names).")
    Path radosKeyring;

    @Option(names = "--rados-object-size", paramLabel = "SIZE", converter = ByteSize.Converter.class,
            description = "Bytes of the device per RADOS object: a power of two from 4K to 64M (default: 4M).")
    Long radosObjectSize;

    @Option(names = "--rados-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds one RADOS operation may take before its request fails with ETIMEDOUT: 1 to 3600 "
                    + "(default: ${DEFAULT-VALUE}).")
    long radosTimeout;

    @Option(names = "--rados-break-lock",
            description = "Take the image from a holder that is gone (its process crashed): its client is "
                    + "blocklisted, then its lock broken. Without it, an image another device holds is refused.")
    boolean radosBreakLock;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
            description = "Requests the device holds at once (its queue depth): 1 to 256 (default: "
                    + "${DEFAULT-VALUE}). A blocking driver (the RAM disk, --file, --latency) is served by one "
                    + "thread per processor, at least two, at most N; an asynchronous one (--rados-pool, --latency "
                    + "with --async) has up to N requests in flight whatever the threads.")
    int workers;

    @Option(names = "--latency", paramLabel = "LATENCY", converter = Latency.Converter.class,
            description = "Benchmark driver: a RAM disk that answers every request after LATENCY (" + Latency.UNITS_HELP
                    + "), holding a serving thread meanwhile, like a blocking driver over a slow backend.")
    Duration latency;

    @Option(names = "--async",
            description = "With --latency: complete requests from a timer instead, without holding a thread, like "
                    + "an asynchronous driver (requests in flight: up to --workers).")
    boolean async;

    @Option(names = "--recoverable",
            description = "kbdus: the device outlives this process (it waits for 'bdus serve --attach' if the "
                    + "process dies).")
    boolean recoverable;

    @Option(names = "--keep",
            description = "On SIGTERM or SIGINT, leave the recoverable device in place (recorded as kept) instead "
                    + "of destroying it. Needs --recoverable or --attach.")
    boolean keep;

    @Option(names = "--attach", paramLabel = "ID|PATH",
            description = "Take over an existing recoverable kbdus device (kept, or left by a process that died) "
                    + "by id or path; requests it holds are served by this process.")
    String attach;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    private final PrintStream out;

    /** What --transport auto chose and why, or null. */
    private String autoChoice;

    private final PrintStream err;

    ServeCommand() {
        this(System.out, System.err);
    }

    ServeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (this.keep && !this.recoverable && this.attach == null) {
            throw usage("--keep needs --recoverable (or --attach): only a recoverable device can be left in place");
        }
        if (this.async && this.latency == null) {
            throw usage("--async needs --latency: it chooses the asynchronous form of the latency driver");
        }
        if (this.latency != null && this.file != null) {
            throw usage("--latency serves a RAM disk; it cannot be used with --file");
        }
        Transport transport = transport();
        KbdusDeviceConfig attached = (this.attach != null) ? attachedConfig(transport) : null;
        DeviceSpec deviceSpec = deviceSpec(attached, transport);
        BlockDriver driver = driver(deviceSpec);
        ServedDevice served = new ServedDevice(this.common.records(), this.err);
        checkNotServedElsewhere(deviceSpec.name(), transport, attached);

        if (this.autoChoice != null) {
            this.err.println("bdus serve: transport auto: " + this.autoChoice);
        }
        CountDownLatch signalled = new CountDownLatch(1);
        Signals.onTermination(signalled::countDown);
        boolean keep = this.keep;
        Thread hook = new Thread(() -> served.stop(keep), "bdus-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        BlockDevice device;
        try {
            device = (attached != null)
                    ? BlockDevice.attach(Long.toString(attached.id()), deviceSpec, driver, transport, START_TIMEOUT,
                            served)
                    : BlockDevice.start(deviceSpec, driver, transport, START_TIMEOUT, served);
        }
        catch (DeviceStartException ex) {
            throw new CommandFailedException(ex.getMessage() + "\nSee above for warnings; add --verbose for details.",
                    ex);
        }
        try {
            served.serving(device);
        }
        catch (IOException ex) {
            served.stop(false);
            throw new CommandFailedException("Could not record " + ServedDevice.describe(device) + " in "
                    + this.common.records().directory() + ": " + ex.getMessage() + "; the device was torn down.\n"
                    + "Check --state-dir.", ex);
        }
        ControlServer control;
        try {
            control = ControlServer.start(this.common.controlSockets(), served);
        }
        catch (IOException ex) {
            served.stop(false);
            throw new CommandFailedException("Could not open the control socket in " + this.common.controlSockets()
                .directory() + ": " + ex.getMessage() + "; the device was torn down.", ex);
        }
        this.err.println("bdus serve: " + ServedDevice.describe(device) + " "
                + ((attached != null) ? "taken over" : "serving") + ", " + ByteSize.format(deviceSpec.size()) + ", "
                + backing(driver) + ", queue depth " + deviceSpec.maxConcurrentRequests() + ", "
                + device.servingPlan().channels() + " serving threads, pid " + ProcessHandle.current().pid()
                + "; stop with SIGTERM or Ctrl-C");
        this.out.println("READY " + device.path());
        this.out.flush();

        served.awaitEnd(signalled);
        served.stop(keep);
        control.close(ServedDevice.STOP_TIMEOUT);
        removeHook(hook);
        Throwable failure = served.failure();
        if (failure != null) {
            throw new CommandFailedException(ServedDevice.describe(device) + " failed: " + failure.getMessage()
                    + "\nIt was torn down; see the log above (--verbose for more).", failure);
        }
        return 0;
    }

    private BlockDriver driver(DeviceSpec deviceSpec) {
        if (this.radosPool == null) {
            if (this.radosImage != null || this.radosObjectSize != null || this.radosKeyring != null
                    || this.radosBreakLock || this.cephConf != null) {
                throw usage("--rados-image, --ceph-conf, --rados-keyring, --rados-object-size and --rados-break-lock "
                        + "need --rados-pool");
            }
            if (this.file != null) {
                return new PassthroughDriver(this.file);
            }
            if (this.latency != null) {
                return this.async ? new AsyncLatencyDriver(deviceSpec.size(), this.latency)
                        : new LatencyDriver(deviceSpec.size(), this.latency);
            }
            return new RamDiskDriver(deviceSpec.size());
        }
        if (this.file != null) {
            throw usage("--file and --rados-pool cannot be used together: serve a file or a RADOS image");
        }
        if (this.latency != null) {
            throw usage("--latency serves a RAM disk; it cannot be used with --rados-pool");
        }
        if (this.radosTimeout < 1 || this.radosTimeout > 3600) {
            throw usage("Invalid value for option '--rados-timeout': " + this.radosTimeout + " (allowed: 1 to 3600)");
        }
        long objectSize = (this.radosObjectSize != null) ? this.radosObjectSize : RadosSettings.DEFAULT_OBJECT_SIZE;
        try {
            return new RadosDriver(RadosSettings.builder(this.radosPool,
                    (this.radosImage != null) ? this.radosImage : deviceSpec.name())
                .objectSize((objectSize > Integer.MAX_VALUE) ? -1 : (int) objectSize)
                .cephConf(this.cephConf)
                .client(this.radosClient)
                .keyring(this.radosKeyring)
                .operationTimeout(Duration.ofSeconds(this.radosTimeout))
                .breakLock(this.radosBreakLock)
                .build());
        }
        catch (InvalidRadosSettingsException ex) {
            String option = Map.of("pool", "--rados-pool", "image", "--rados-image", "object-size",
                    "--rados-object-size", "client", "--rados-client").getOrDefault(ex.field(), ex.field());
            throw usage("Invalid value for option '" + option + "': " + ex.value() + " (allowed: " + ex.allowed()
                    + ")");
        }
    }

    private String backing(BlockDriver driver) {
        if (driver instanceof RadosDriver rados) {
            return "RADOS image '" + rados.settings().image() + "' in pool '" + rados.settings().pool() + "'";
        }
        if (this.latency != null) {
            return "RAM disk answering after " + Latency.format(this.latency) + " ("
                    + (this.async ? "asynchronous" : "blocking") + ")";
        }
        return (this.file != null) ? "file " + this.file : "RAM disk";
    }

    private Transport transport() {
        Path fuseLoopDirectory = this.common.fuseLoopDirectory();
        switch (this.transport) {
            case KbdusTransport.NAME:
                return new KbdusTransport();
            case UblkTransport.NAME:
                return new UblkTransport();
            case FuseLoopTransport.NAME:
                return fuseLoop(fuseLoopDirectory);
            case "auto":
                if (KbdusControl.isLoaded() || this.attach != null) {
                    this.autoChoice = "kbdus (" + KbdusControl.CONTROL_PATH + " exists)";
                    return new KbdusTransport();
                }
                this.autoChoice = "fuse-loop (" + KbdusControl.CONTROL_PATH + " is missing: the kbdus module is not "
                        + "loaded)";
                return fuseLoop(fuseLoopDirectory);
            default:
                throw usage("Invalid value for option '--transport': '" + this.transport
                        + "' (allowed: auto, kbdus, ublk, fuse-loop)");
        }
    }

    private FuseLoopTransport fuseLoop(Path directory) {
        FuseIoUring mode;
        try {
            mode = FuseIoUring.of(this.fuseIoUring);
        }
        catch (IllegalArgumentException ex) {
            throw usage("Invalid value for option '--fuse-io-uring': '" + this.fuseIoUring
                    + "' (allowed: auto, on, off)");
        }
        return new FuseLoopTransport(directory, false, Owner.ROOT, mode);
    }

    /** The kernel's view of the device {@code --attach} names. */
    private KbdusDeviceConfig attachedConfig(Transport transport) {
        if (!(transport instanceof KbdusTransport)) {
            throw usage("--attach takes over a kbdus device; it cannot be used with --transport " + this.transport);
        }
        String reason = transport.unavailableReason().orElse(null);
        if (reason != null) {
            throw new CommandFailedException("Cannot take over kbdus device " + this.attach + ": " + reason + ".");
        }
        try {
            long id = this.attach.matches("\\d{1,18}") ? Long.parseLong(this.attach) : KbdusControl.idOf(this.attach);
            KbdusDeviceConfig config = KbdusControl.config(id);
            if (!config.recoverable()) {
                throw new CommandFailedException("kbdus device " + id + " (" + config.path() + ") is not recoverable: "
                        + "only a recoverable device can be taken over.\nIts driver serves it until it stops.");
            }
            return config;
        }
        catch (IOException ex) {
            throw new CommandFailedException("Cannot take over kbdus device " + this.attach + ": " + ex.getMessage()
                    + ".\n'bdus list' shows the devices there are.", ex);
        }
    }

    private DeviceSpec deviceSpec(KbdusDeviceConfig attached, Transport transport) {
        String deviceName = (this.name != null) ? this.name : defaultName(attached);
        long deviceSize = (this.size != null) ? this.size : defaultSize(attached);
        DeviceSpec.Builder builder = DeviceSpec.builder(deviceName, deviceSize)
            .maxConcurrentRequests(this.workers)
            .recoverable(this.recoverable || attached != null);
        if (attached != null) {
            builder.logicalBlockSize(attached.logicalBlockSize()).readOnly(attached.readOnly());
        }
        if (this.recoverable && !(transport instanceof KbdusTransport)) {
            this.err.println("bdus serve: --recoverable has no effect on " + transport.name()
                    + ", which cannot keep a device past its process");
        }
        try {
            return builder.build();
        }
        catch (InvalidDeviceSpecException ex) {
            String option = Map.of("name", "--name", "size", "--size", "max-concurrent-requests", "--workers")
                .getOrDefault(ex.field(), ex.field());
            throw usage("Invalid value for option '" + option + "': " + ex.value() + " (allowed: " + ex.allowed()
                    + ")");
        }
    }

    private String defaultName(KbdusDeviceConfig attached) {
        if (attached != null) {
            Optional<DeviceRecord> kept = this.common.records().all().stream()
                .filter(record -> record.transport().equals(KbdusTransport.NAME)
                        && Long.valueOf(attached.id()).equals(DeviceInventory.kbdusId(record)))
                .findFirst();
            if (kept.isPresent()) {
                return kept.get().name();
            }
        }
        return "disk0";
    }

    private long defaultSize(KbdusDeviceConfig attached) {
        if (attached != null) {
            return attached.size();
        }
        try {
            if (this.file != null && Files.isRegularFile(this.file) && Files.size(this.file) > 0) {
                return Files.size(this.file);
            }
        }
        catch (IOException ex) {
            // the driver reports an unreadable file when it opens it
        }
        return DEFAULT_SIZE;
    }

    /** Refuses a name another live process serves, or that names a kept device this run does not take over. */
    private void checkNotServedElsewhere(String deviceName, Transport transport, KbdusDeviceConfig attached) {
        Optional<DeviceRecord> existing = this.common.records().find(transport.name(), deviceName);
        if (existing.isEmpty()) {
            return;
        }
        DeviceRecord record = existing.get();
        if (!record.kept() && record.ownerAlive()) {
            throw new CommandFailedException(transport.name() + " device '" + deviceName + "' is already served by pid "
                    + record.pid() + " (" + record.path() + ").\nChoose another --name, or stop that process first.");
        }
        Long id = DeviceInventory.kbdusId(record);
        boolean takesItOver = attached != null && id != null && id == attached.id();
        boolean stillThere = transport instanceof KbdusTransport && id != null
                && Files.exists(Path.of(KbdusControl.DEVICE_PATH_PREFIX + id));
        if (!takesItOver && stillThere) {
            throw new CommandFailedException("kbdus device '" + deviceName + "' (" + record.path() + ") is "
                    + (record.kept() ? "kept" : "left by pid " + record.pid() + ", which ended") + ".\n"
                    + "Take it over with 'bdus serve --attach " + id + "', destroy it with 'bdus destroy kbdus/"
                    + deviceName + "', or choose another --name.");
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(this.spec.commandLine(), message);
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException ex) {
            // already shutting down
        }
    }
}
