package io.bdus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.cli.KnownDevice.Presence;
import io.bdus.device.DeviceRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceTableTest {

    private static final KnownDevice KEPT = new KnownDevice("kbdus", "db", "/dev/bdus-3", 1L << 30, Presence.KEPT,
            new DeviceRecord("db", "kbdus", "/dev/bdus-3", "3", 1L << 30, 0, Instant.EPOCH, true), null, null, 3L,
            null);

    private static final KnownDevice UNRECORDED = new KnownDevice("kbdus", null, "/dev/bdus-9", 0,
            Presence.UNRECORDED, null, null, null, 9L, null);

    @Test
    void textIsAlignedColumnsWithDashesForTheUnknown() {
        assertThat(DeviceTable.text(List.of(KEPT, UNRECORDED))).isEqualTo("""
                NAME  TRANSPORT  PATH         SIZE   STATE       PID  KEPT
                db    kbdus      /dev/bdus-3  1 GiB  KEPT        -    yes
                -     kbdus      /dev/bdus-9  -      UNRECORDED  -    no
                """);
        assertThat(DeviceTable.text(List.of())).isEqualTo("NAME  TRANSPORT  PATH  SIZE  STATE  PID  KEPT\n");
    }

    @Test
    void jsonIsAnArrayOfObjects() {
        assertThat(DeviceTable.json(List.of(KEPT))).isEqualTo("""
                [
                  {
                    "name": "db",
                    "transport": "kbdus",
                    "path": "/dev/bdus-3",
                    "size": 1073741824,
                    "state": "KEPT",
                    "pid": null,
                    "kept": true,
                    "recorded": true,
                    "kbdusId": 3,
                    "handle": "3"
                  }
                ]
                """);
        assertThat(DeviceTable.json(List.of())).isEqualTo("[]\n");
    }

    @Test
    void jsonStringsAreEscaped() {
        assertThat(JsonWriter.write(Map.of("k", "a\"b\\c\nd\u0001"))).isEqualTo("{\n  \"k\": \"a\\\"b\\\\c\\nd\\u0001\"\n}");
        assertThat(JsonWriter.write(List.of(Map.of()))).isEqualTo("[\n  {}\n]");
    }
}
