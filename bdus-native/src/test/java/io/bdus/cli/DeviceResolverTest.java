package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bdus.cli.KnownDevice.Presence;
import io.bdus.device.DeviceRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceResolverTest {

    private static final KnownDevice KBDUS_DISK = device("kbdus", "disk0", "/dev/bdus-3", 3L);

    private static final KnownDevice FUSE_DISK = device("fuse-loop", "disk0", "/dev/loop7", null);

    private static final KnownDevice FUSE_DB = device("fuse-loop", "db", "/dev/loop8", null);

    private static final KnownDevice UNNAMED = new KnownDevice("kbdus", null, "/dev/bdus-9", 4096,
            Presence.UNRECORDED, null, null, null, 9L, null);

    private static final List<KnownDevice> DEVICES = List.of(KBDUS_DISK, FUSE_DISK, FUSE_DB, UNNAMED);

    @Test
    void resolvesPathsIdsNamesAndTransportNames() {
        assertThat(DeviceResolver.resolve("/dev/loop8", DEVICES)).isEqualTo(FUSE_DB);
        assertThat(DeviceResolver.resolve("3", DEVICES)).isEqualTo(KBDUS_DISK);
        assertThat(DeviceResolver.resolve("9", DEVICES)).isEqualTo(UNNAMED);
        assertThat(DeviceResolver.resolve("db", DEVICES)).isEqualTo(FUSE_DB);
        assertThat(DeviceResolver.resolve("fuse-loop/disk0", DEVICES)).isEqualTo(FUSE_DISK);
        assertThat(DeviceResolver.resolve(" kbdus/disk0 ", DEVICES)).isEqualTo(KBDUS_DISK);
    }

    @Test
    void saysWhenNothingOrMoreThanOneMatches() {
        assertThatThrownBy(() -> DeviceResolver.resolve("disk0", DEVICES)).isInstanceOf(CommandFailedException.class)
            .hasMessageContaining("More than one device named 'disk0'")
            .hasMessageContaining("kbdus/disk0, fuse-loop/disk0");
        assertThatThrownBy(() -> DeviceResolver.resolve("nope", DEVICES)).hasMessageContaining("No bdus device named "
                + "'nope'").hasMessageContaining("bdus list");
        assertThatThrownBy(() -> DeviceResolver.resolve("4", DEVICES)).hasMessageContaining("kbdus id 4");
        assertThatThrownBy(() -> DeviceResolver.resolve("/dev/sda", DEVICES)).hasMessageContaining("at /dev/sda");
        assertThatThrownBy(() -> DeviceResolver.resolve("kbdus/db", DEVICES))
            .hasMessageContaining("named 'db' on transport kbdus");
    }

    static KnownDevice device(String transport, String name, String path, Long kbdusId) {
        DeviceRecord record = new DeviceRecord(name, transport, path, null, 1 << 20, 0, Instant.EPOCH, false);
        return new KnownDevice(transport, name, path, 1 << 20, Presence.ORPHANED, record, null, null, kbdusId, null);
    }
}
