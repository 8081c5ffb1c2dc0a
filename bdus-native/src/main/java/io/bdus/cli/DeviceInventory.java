package io.bdus.cli;

import io.bdus.cli.KnownDevice.Presence;
import io.bdus.control.ControlClient;
import io.bdus.control.ControlSockets;
import io.bdus.control.DeviceStatus;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.transport.fuse.FuseLoopMountPoints;
import io.bdus.transport.fuse.FuseLoopMountPoints.MountPoint;
import io.bdus.transport.fuse.FuseLoopTransport;
import io.bdus.transport.kbdus.KbdusControl;
import io.bdus.transport.kbdus.KbdusTransport;
import io.bdus.transport.ublk.UblkTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every device of this machine from every transport: the records of the state directory,
 * merged with what the kernel has (each {@code /sys/block/bdus-*}, and the loop devices over
 * fuse-loop mount points of the state directory), and with what live owners answer.
 */
final class DeviceInventory {

    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private final DeviceRecords records;

    private final FuseLoopMountPoints mountPoints;

    private final ControlSockets sockets;

    private final ControlClient control;

    DeviceInventory(DeviceRecords records, FuseLoopMountPoints mountPoints, ControlSockets sockets) {
        this.records = records;
        this.mountPoints = mountPoints;
        this.sockets = sockets;
        this.control = new ControlClient(sockets);
    }

    DeviceRecords records() {
        return this.records;
    }

    FuseLoopMountPoints mountPoints() {
        return this.mountPoints;
    }

    ControlClient control() {
        return this.control;
    }

    ControlSockets controlSockets() {
        return this.sockets;
    }

    /** Every device, sorted by transport and name; asks each live owner for its status. */
    List<KnownDevice> scan() {
        TreeSet<Long> kbdusIds = kbdusIds();
        TreeSet<String> ublkNodes = ublkNodes();
        List<MountPoint> points = new ArrayList<>(this.mountPoints.all());
        List<KnownDevice> devices = new ArrayList<>();
        for (DeviceRecord record : this.records.all()) {
            if (record.transport().equals(UblkTransport.NAME) && record.path() != null) {
                ublkNodes.remove(Path.of(record.path()).getFileName().toString());
            }
            devices.add(recorded(record, kbdusIds, points));
        }
        for (String node : ublkNodes) {
            devices.add(new KnownDevice(UblkTransport.NAME, null, "/dev/" + node, sysfsSize(node),
                    Presence.UNRECORDED, null, null, null, null, null));
        }
        for (long id : kbdusIds) {
            devices.add(new KnownDevice(KbdusTransport.NAME, null, KbdusControl.DEVICE_PATH_PREFIX + id,
                    sysfsSize("bdus-" + id), Presence.UNRECORDED, null, null, null, id, null));
        }
        for (MountPoint point : points) {
            String path = point.path();
            devices.add(new KnownDevice(FuseLoopTransport.NAME, point.name(), path,
                    (path != null) ? sysfsSize(Path.of(path).getFileName().toString()) : 0,
                    point.ownerAlive() ? Presence.UNRECORDED : Presence.ORPHANED, null, null, null, null, point));
        }
        devices.sort(Comparator.comparing(KnownDevice::transport)
            .thenComparing(KnownDevice::name, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(KnownDevice::path, Comparator.nullsLast(Comparator.naturalOrder())));
        return devices;
    }

    /** Matches a record with the kernel's device, consuming it from {@code kbdusIds} or {@code points}. */
    private KnownDevice recorded(DeviceRecord record, TreeSet<Long> kbdusIds, List<MountPoint> points) {
        Long kbdusId = null;
        MountPoint point = null;
        boolean exists;
        String path = record.path();
        if (record.transport().equals(KbdusTransport.NAME)) {
            kbdusId = kbdusId(record);
            exists = kbdusId != null && kbdusIds.remove(kbdusId);
        }
        else if (record.transport().equals(FuseLoopTransport.NAME)) {
            point = points.stream().filter(p -> p.name().equals(record.name()) && p.pid() == record.pid())
                .findFirst().orElse(null);
            points.remove(point);
            exists = point != null && (point.mounted() || !point.loops().isEmpty());
            // Without a loop device (the kernel clears it once its last user is gone) the recorded
            // path may already name another device.
            path = (point != null) ? point.path() : null;
        }
        else {
            exists = path != null && Files.exists(Path.of(path));
        }
        Presence presence;
        if (!exists) {
            presence = Presence.GONE;
        }
        else if (record.kept()) {
            presence = Presence.KEPT;
        }
        else {
            presence = record.ownerAlive() ? Presence.OWNED : Presence.ORPHANED;
        }
        DeviceStatus status = null;
        String problem = null;
        if (presence == Presence.OWNED) {
            try {
                status = this.control.status(record.pid(), record.name());
            }
            catch (IOException ex) {
                problem = ex.getMessage();
            }
        }
        return new KnownDevice(record.transport(), record.name(), path,
                (status != null) ? status.size() : record.size(), presence, record, status, problem, kbdusId, point);
    }

    /** The kbdus id a record names: its handle, else the number in its path. */
    static Long kbdusId(DeviceRecord record) {
        String handle = record.handle();
        if (handle != null && handle.matches("\\d{1,18}")) {
            return Long.parseLong(handle);
        }
        String path = record.path();
        if (path != null && path.matches(KbdusControl.DEVICE_PATH_PREFIX + "\\d{1,18}")) {
            return Long.parseLong(path.substring(KbdusControl.DEVICE_PATH_PREFIX.length()));
        }
        return null;
    }

    /** The ublk block devices the kernel has ({@code ublkbN}). */
    private static TreeSet<String> ublkNodes() {
        TreeSet<String> nodes = new TreeSet<>();
        try (Stream<Path> devices = Files.list(SYS_BLOCK)) {
            devices.map(device -> device.getFileName().toString())
                .filter(name -> name.matches("ublkb\\d{1,9}"))
                .forEach(nodes::add);
        }
        catch (IOException ex) {
            // no /sys/block: no devices to see
        }
        return nodes;
    }

    private static TreeSet<Long> kbdusIds() {
        TreeSet<Long> ids = new TreeSet<>();
        try (Stream<Path> devices = Files.list(SYS_BLOCK)) {
            devices.map(device -> device.getFileName().toString())
                .filter(name -> name.matches("bdus-\\d{1,18}"))
                .forEach(name -> ids.add(Long.parseLong(name.substring("bdus-".length()))));
        }
        catch (IOException ex) {
            // no /sys/block: no devices to see
        }
        return ids;
    }

    /** A block device's size from sysfs (in 512-byte sectors there), or 0. */
    static long sysfsSize(String node) {
        try {
            return Long.parseLong(Files.readString(SYS_BLOCK.resolve(node).resolve("size")).strip()) * 512;
        }
        catch (IOException | NumberFormatException ex) {
            return 0;
        }
    }

    /** Whether two device paths name the same node (symlinks followed). */
    static boolean samePath(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return Objects.equals(realPath(a), realPath(b));
    }

    static String realPath(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        }
        catch (IOException | RuntimeException ex) {
            return Path.of(path).toAbsolutePath().normalize().toString();
        }
    }
}
