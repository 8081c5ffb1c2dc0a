package io.bdus.transport.fuse;

import com.sun.jna.LastErrorException;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.linux.LibC;
import io.bdus.linux.Owner;
import io.bdus.transport.ServingPlan;
import io.bdus.transport.Transport;
import io.bdus.transport.TransportDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code fuse-loop} transport: a FUSE server written in Java (it speaks the
 * {@code /dev/fuse} protocol itself, no libfuse) exposes each device as one file, and a kernel
 * loop device in direct-I/O mode over that file gives a real {@code /dev/loopN}. Needs root,
 * {@code /dev/fuse} and {@code /dev/loop-control}; no extra kernel module.
 *
 * <p>Each device's file is a mount point named {@code bdus-<pid>-<device>} in the state
 * directory, so mounts left by a process that died are recognised and cleaned at the first
 * {@link #create}.
 */
public final class FuseLoopTransport implements Transport {

    public static final String NAME = "fuse-loop";

    public static final Path DEFAULT_STATE_DIRECTORY = Path.of("/run/bdus/fuse-loop");

    private static final Logger log = LoggerFactory.getLogger(FuseLoopTransport.class);

    private static final Pattern MOUNT_POINT = Pattern.compile("bdus-(\\d+)-([A-Za-z0-9_-]+)");

    private final Path stateDirectory;

    private final long ownerPid;

    private final Set<FuseLoopDevice> devices = ConcurrentHashMap.newKeySet();

    private final boolean closeOnJvmExit;

    private final Owner owner;

    private final FuseIoUring ioUring;

    private boolean started;

    public FuseLoopTransport() {
        this(DEFAULT_STATE_DIRECTORY);
    }

    public FuseLoopTransport(Path stateDirectory) {
        this(stateDirectory, true);
    }

    /**
     * @param closeOnJvmExit whether a JVM shutdown hook tears down devices still open; turn it
     *        off when something else (e.g. an application context) stops devices in order
     */
    public FuseLoopTransport(Path stateDirectory, boolean closeOnJvmExit) {
        this(stateDirectory, closeOnJvmExit, Owner.ROOT);
    }

    /**
     * @param owner who may open the FUSE files behind the loop devices and list the state
     *        directory, besides root: nobody else can reach a device's data through them (the
     *        loop devices themselves keep their usual node permissions)
     */
    public FuseLoopTransport(Path stateDirectory, boolean closeOnJvmExit, Owner owner) {
        this(stateDirectory, closeOnJvmExit, owner, FuseIoUring.OFF);
    }

    /**
     * @param ioUring whether devices serve their requests over io_uring (see {@link FuseIoUring})
     */
    public FuseLoopTransport(Path stateDirectory, boolean closeOnJvmExit, Owner owner, FuseIoUring ioUring) {
        this(stateDirectory, ProcessHandle.current().pid(), closeOnJvmExit, owner, ioUring);
    }

    /** {@code ownerPid} is the pid written into mount-point names (tests simulate dead owners). */
    FuseLoopTransport(Path stateDirectory, long ownerPid) {
        this(stateDirectory, ownerPid, true, Owner.ROOT, FuseIoUring.OFF);
    }

    private FuseLoopTransport(Path stateDirectory, long ownerPid, boolean closeOnJvmExit, Owner owner,
            FuseIoUring ioUring) {
        this.ioUring = Objects.requireNonNull(ioUring, "ioUring");
        this.stateDirectory = stateDirectory.toAbsolutePath().normalize();
        this.ownerPid = ownerPid;
        this.closeOnJvmExit = closeOnJvmExit;
        this.owner = Objects.requireNonNull(owner, "owner");
    }

    @Override
    public String name() {
        return NAME;
    }

    public Path stateDirectory() {
        return this.stateDirectory;
    }

    /** Whether devices serve their requests over io_uring. */
    public FuseIoUring ioUring() {
        return this.ioUring;
    }

    /**
     * How the requests of the device on {@code path} reach this transport: {@code io_uring},
     * {@code /dev/fuse}, or empty when no device of this transport is there.
     */
    public Optional<String> requestPath(String path) {
        return this.devices.stream().filter(device -> Objects.equals(device.path(), path))
            .map(FuseLoopDevice::requestPath).findFirst();
    }

    /** Requests the device on {@code path} received over io_uring so far, or empty when no device is there. */
    public Optional<Long> uringRequests(String path) {
        return this.devices.stream().filter(device -> Objects.equals(device.path(), path))
            .map(FuseLoopDevice::uringRequests).findFirst();
    }

    /** Who, besides root, may open the FUSE files and list the state directory. */
    public Owner owner() {
        return this.owner;
    }

    @Override
    public Optional<String> unavailableReason() {
        return reason();
    }

    /** Why no fuse-loop device can be made on this machine, or empty. */
    public static Optional<String> reason() {
        if (LibC.geteuid() != 0) {
            return Optional.of("fuse-loop needs root (to mount FUSE and configure loop devices): run as root or "
                    + "with CAP_SYS_ADMIN");
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return Optional.of("/dev/fuse is missing: load the fuse module (modprobe fuse) or pass /dev/fuse into "
                    + "the container");
        }
        if (!Files.exists(Path.of(Loop.CONTROL))) {
            return Optional.of(Loop.CONTROL + " is missing: load the loop module (modprobe loop) or pass "
                    + "/dev/loop-control and /dev/loop* into the container");
        }
        return Optional.empty();
    }

    @Override
    public TransportDevice create(DeviceSpec spec, Set<Operation> operations, ServingPlan plan) throws IOException {
        boolean uring = this.ioUring.wanted(FuseIoUring.moduleParameter(), FuseIoUring.MODULE_PARAMETER);
        start();
        createPrivateDirectory();
        Path mountPoint = this.stateDirectory.resolve("bdus-" + this.ownerPid + "-" + spec.name());
        Files.createFile(mountPoint,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        int fd = -1;
        boolean mounted = false;
        try {
            fd = LibC.open("/dev/fuse", LibC.Flags.O_RDWR | LibC.Flags.O_CLOEXEC, 0);
            // default_permissions: the kernel checks the file's mode and owner (below) on every
            // open, so allow_other lets in the owner and root, and no one else
            String data = "fd=" + fd + ",rootmode=100000,user_id=0,group_id=0,default_permissions,allow_other,"
                    + "max_read=" + spec.maxRequestSize();
            LibC.mount("bdus-" + spec.name(), mountPoint.toString(), "fuse.bdus",
                    LibC.Flags.MS_NOSUID | LibC.Flags.MS_NODEV | LibC.Flags.MS_NOEXEC, data);
            mounted = true;
            FuseSession session = new FuseSession(spec, operations, Math.max(16, 4 * spec.maxConcurrentRequests()),
                    this.owner, uring);
            FuseLoopDevice device = new FuseLoopDevice(this, spec, session, mountPoint, fd,
                    connectionOf(mountPoint), plan, this.ioUring, uring ? FuseIoUring.possibleCpus() : 0);
            this.devices.add(device);
            return device;
        }
        catch (LastErrorException ex) {
            if (mounted) {
                umountQuietly(mountPoint);
            }
            if (fd >= 0) {
                Loop.closeQuietly(fd);
            }
            Files.deleteIfExists(mountPoint);
            throw new IOException("cannot create FUSE mount " + mountPoint + " for " + spec.name() + ": errno "
                    + ex.getErrorCode(), ex);
        }
    }

    /** The state directory, owned by {@link #owner()} and closed to everyone else (0700). */
    private void createPrivateDirectory() throws IOException {
        Files.createDirectories(this.stateDirectory);
        Files.setAttribute(this.stateDirectory, "unix:uid", this.owner.uid());
        Files.setAttribute(this.stateDirectory, "unix:gid", this.owner.gid());
        Files.setPosixFilePermissions(this.stateDirectory, PosixFilePermissions.fromString("rwx------"));
    }

    void forget(FuseLoopDevice device) {
        this.devices.remove(device);
    }

    private synchronized void start() {
        if (this.started) {
            return;
        }
        this.started = true;
        sweepStale();
        if (!this.closeOnJvmExit) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (FuseLoopDevice device : List.copyOf(this.devices)) {
                device.close();
            }
        }, "bdus-fuse-loop-shutdown"));
    }

    /**
     * Cleans up after owners that died: for each mount-point file in the state directory whose
     * pid no longer runs, detaches loop devices over it, unmounts it lazily and deletes it.
     * @return how many were cleaned
     */
    public int sweepStale() {
        if (!Files.isDirectory(this.stateDirectory)) {
            return 0;
        }
        int cleaned = 0;
        List<Path> files;
        try (Stream<Path> list = Files.list(this.stateDirectory)) {
            files = list.toList();
        }
        catch (IOException ex) {
            log.warn("Cannot list {}: {}", this.stateDirectory, ex.toString());
            return 0;
        }
        for (Path file : files) {
            Matcher matcher = MOUNT_POINT.matcher(file.getFileName().toString());
            if (!matcher.matches()) {
                continue;
            }
            long pid = Long.parseLong(matcher.group(1));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            List<Integer> loops = Loop.backedBy(file);
            for (int loop : loops) {
                Loop.detach(loop);
            }
            boolean wasMounted = umountQuietly(file);
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException ex) {
                log.warn("Cannot delete stale {}: {}", file, ex.toString());
            }
            log.info("Cleaned stale fuse-loop device {} of dead process {}: {}loop devices {}", file, pid,
                    wasMounted ? "unmounted, " : "", loops);
            cleaned++;
        }
        return cleaned;
    }

    private static boolean umountQuietly(Path mountPoint) {
        try {
            LibC.umount2(mountPoint.toString(), LibC.Flags.MNT_DETACH);
            return true;
        }
        catch (LastErrorException ex) {
            return false;
        }
    }

    /** The FUSE connection id (the mount's anonymous device minor), from /proc/self/mountinfo. */
    static String connectionOf(Path mountPoint) {
        String target = mountPoint.toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && fields[4].equals(target) && fields[2].startsWith("0:")) {
                    return fields[2].substring(2);
                }
            }
        }
        catch (IOException ex) {
            // fall through: no abort possible
        }
        return null;
    }
}
