package io.bdus.transport.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

/** struct loop_config as include/uapi/linux/loop.h lays it out. */
class LoopTest {

    @Test
    void configLayout() {
        try (Memory config = new Memory(Loop.CONFIG_SIZE)) {
            config.setByte(Loop.CONFIG_SIZE - 1, (byte) 0x55);
            Loop.config(config, 7, 4096, Loop.LO_FLAGS_DIRECT_IO | Loop.LO_FLAGS_AUTOCLEAR, "/run/x/bdus-1-disk");
            assertThat(Loop.CONFIG_SIZE).isEqualTo(304);
            assertThat(config.getInt(0)).isEqualTo(7);
            assertThat(config.getInt(4)).isEqualTo(4096);
            // loop_info64 starts at 8: five u64 (40 bytes), lo_number, encrypt type, key size, then lo_flags
            assertThat(config.getInt(8 + 40 + 12)).isEqualTo(20);
            assertThat(config.getString(8 + 56)).isEqualTo("/run/x/bdus-1-disk");
            assertThat(config.getLong(8)).isZero();
            assertThat(config.getByte(Loop.CONFIG_SIZE - 1)).isZero();
        }
    }

    @Test
    void longFileNamesAreTruncatedWithATerminator() {
        try (Memory config = new Memory(Loop.CONFIG_SIZE)) {
            Loop.config(config, 3, 512, 0, "/" + "a".repeat(100));
            assertThat(config.getString(8 + 56)).hasSize(63);
            assertThat(config.getByte(8 + 56 + 63)).isZero();
        }
    }

    @Test
    void ioctlNumbers() {
        assertThat(Loop.LOOP_CONFIGURE).isEqualTo(0x4C0A);
        assertThat(Loop.LOOP_CLR_FD).isEqualTo(0x4C01);
        assertThat(Loop.LOOP_CTL_GET_FREE).isEqualTo(0x4C82);
    }
}
