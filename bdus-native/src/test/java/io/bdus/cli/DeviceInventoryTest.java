package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.cli.KnownDevice.Presence;
import io.bdus.control.ControlSockets;
import io.bdus.device.DeviceRecord;
import io.bdus.device.DeviceRecords;
import io.bdus.transport.fuse.FuseLoopMountPoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records merged with what is left on the machine, for devices the kernel does not have. */
class DeviceInventoryTest {

    @TempDir
    Path state;

    @Test
    void recordsWithoutADeviceAreGoneAndMountPointsOfDeadOwnersAreOrphaned() throws Exception {
        long dead = deadPid();
        DeviceRecords records = new DeviceRecords(this.state.resolve("devices"));
        records.save(new DeviceRecord("kept", "kbdus", "/dev/bdus-987654", "987654", 1 << 20, 0, Instant.EPOCH, true));
        records.save(new DeviceRecord("lost", "fuse-loop", "/dev/loop99", null, 1 << 20, dead, Instant.EPOCH, false));
        Path fuseLoop = Files.createDirectories(this.state.resolve("fuse-loop"));
        Files.createFile(fuseLoop.resolve("bdus-" + dead + "-stray"));
        Files.createFile(fuseLoop.resolve("not-a-mount-point"));

        List<KnownDevice> devices = new DeviceInventory(records, new FuseLoopMountPoints(fuseLoop),
                ControlSockets.in(this.state)).scan();

        assertThat(devices).extracting(KnownDevice::label, KnownDevice::state, KnownDevice::pid, KnownDevice::kept)
            .containsSubsequence(
                    Tuple.tuple("fuse-loop/lost", "GONE", 0L, false),
                    Tuple.tuple("fuse-loop/stray", "ORPHANED", 0L, false))
            .contains(Tuple.tuple("kbdus/kept", "GONE", 0L, false));
        KnownDevice lost = devices.stream().filter(device -> "lost".equals(device.name())).findFirst().orElseThrow();
        assertThat(lost.path()).as("a recorded loop path may name another device by now").isNull();
        assertThat(lost.lastPid()).isEqualTo(dead);
        assertThat(devices.stream().filter(device -> "stray".equals(device.name())).findFirst().orElseThrow()
            .presence()).isEqualTo(Presence.ORPHANED);
    }

    @Test
    void kbdusIdsComeFromTheHandleOrThePath() {
        assertThat(DeviceInventory.kbdusId(new DeviceRecord("a", "kbdus", "/dev/bdus-3", "7", 0, 0, Instant.EPOCH,
                true))).isEqualTo(7L);
        assertThat(DeviceInventory.kbdusId(new DeviceRecord("a", "kbdus", "/dev/bdus-3", null, 0, 0, Instant.EPOCH,
                false))).isEqualTo(3L);
        assertThat(DeviceInventory.kbdusId(new DeviceRecord("a", "kbdus", "/dev/loop3", null, 0, 0, Instant.EPOCH,
                false))).isNull();
    }

    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
