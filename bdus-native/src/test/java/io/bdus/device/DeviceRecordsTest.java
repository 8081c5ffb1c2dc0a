package io.bdus.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRecordsTest {

    @TempDir
    Path dir;

    @Test
    void savesFindsListsAndDeletesRecords() throws Exception {
        DeviceRecords records = new DeviceRecords(this.dir.resolve("devices"));
        Instant since = Instant.parse("2026-12-01T10:00:00Z");
        DeviceRecord kept = new DeviceRecord("disk0", "kbdus", "/dev/bdus-3", "3", 1 << 20, 0, since, true);
        DeviceRecord served = new DeviceRecord("ram", "fuse-loop", "/dev/loop4", null, 4096, 42, since, false);
        records.save(kept);
        records.save(served);
        assertThat(records.find("kbdus", "disk0")).contains(kept);
        assertThat(records.find("fuse-loop", "ram")).contains(served);
        assertThat(records.find("kbdus", "ram")).isEmpty();
        assertThat(records.all()).containsExactly(served, kept);
        assertThat(Files.getPosixFilePermissions(records.directory()))
            .isEqualTo(PosixFilePermissions.fromString("rwx------"));

        DeviceRecord replaced = new DeviceRecord("disk0", "kbdus", "/dev/bdus-3", "3", 1 << 20, 7, since, false);
        records.save(replaced);
        assertThat(records.find("kbdus", "disk0")).contains(replaced);
        records.delete("kbdus", "disk0");
        records.delete("kbdus", "disk0");
        assertThat(records.all()).containsExactly(served);
        try (var files = Files.list(records.directory())) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).containsExactly("fuse-loop-ram.device");
        }
    }

    @Test
    void unreadableRecordsAreSkippedAndNamesAreChecked() throws Exception {
        DeviceRecords records = new DeviceRecords(this.dir);
        Files.writeString(this.dir.resolve("kbdus-broken.device"), "name=broken\n");
        assertThat(records.all()).isEmpty();
        assertThat(records.find("kbdus", "broken")).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> records.file("kbdus", "../etc"));
    }

    @Test
    void anOwnerThatEndedIsNotAlive() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        assertThat(new DeviceRecord("d", "kbdus", null, null, 0, process.pid(), Instant.now(), false).ownerAlive())
            .isFalse();
        assertThat(new DeviceRecord("d", "kbdus", null, null, 0, ProcessHandle.current().pid(), Instant.now(), false)
            .ownerAlive()).isTrue();
    }
}
