package io.bdus.transport.ublk;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** What SET_PARAMS tells the kernel about a device. */
class UblkParametersTest {

    @Test
    void geometryLimitsAndAttributesFollowTheSpecAndTheDriver() {
        DeviceSpec spec = DeviceSpec.builder("d", 1L << 30).logicalBlockSize(4096).rotational(true).build();
        try (Memory params = new Memory(UblkAbi.PARAMS_SIZE)) {
            UblkDevice.fillParameters(params, spec, EnumSet.of(Operation.READ, Operation.WRITE, Operation.FLUSH,
                    Operation.FUA_WRITE, Operation.WRITE_ZEROES), 128 << 10);
            assertThat(params.getInt(UblkAbi.P_LEN)).isEqualTo(UblkAbi.PARAMS_SIZE);
            assertThat(params.getInt(UblkAbi.P_TYPES))
                .isEqualTo(UblkAbi.PARAM_TYPE_BASIC | UblkAbi.PARAM_TYPE_DISCARD);
            int basic = UblkAbi.P_BASIC;
            assertThat(params.getInt(basic + UblkAbi.PB_ATTRS))
                .isEqualTo(UblkAbi.ATTR_ROTATIONAL | UblkAbi.ATTR_VOLATILE_CACHE | UblkAbi.ATTR_FUA);
            assertThat(params.getByte(basic + UblkAbi.PB_LOGICAL_BS_SHIFT)).isEqualTo((byte) 12);
            assertThat(params.getByte(basic + UblkAbi.PB_PHYSICAL_BS_SHIFT)).isEqualTo((byte) 12);
            assertThat(params.getInt(basic + UblkAbi.PB_MAX_SECTORS)).isEqualTo(256);
            assertThat(params.getLong(basic + UblkAbi.PB_DEV_SECTORS)).isEqualTo((1L << 30) >> 9);
            int discard = UblkAbi.P_DISCARD;
            // write-zeroes without discard: the discard limits are there, discard itself is off
            assertThat(params.getInt(discard + UblkAbi.PD_MAX_DISCARD_SECTORS)).isZero();
            assertThat(params.getInt(discard + UblkAbi.PD_MAX_WRITE_ZEROES_SECTORS)).isPositive()
                .matches(sectors -> sectors % 8 == 0, "whole 4 KiB blocks");
            assertThat(params.getInt(discard + UblkAbi.PD_DISCARD_GRANULARITY)).isEqualTo(4096);
            assertThat(params.getShort(discard + UblkAbi.PD_MAX_DISCARD_SEGMENTS)).isEqualTo((short) 1);
        }
    }

    @Test
    void aDriverWithoutWritesIsReadOnlyAndFuaNeedsFlush() {
        DeviceSpec spec = DeviceSpec.builder("d", 1L << 20).build();
        try (Memory params = new Memory(UblkAbi.PARAMS_SIZE)) {
            UblkDevice.fillParameters(params, spec, EnumSet.of(Operation.READ, Operation.FUA_WRITE), 4096);
            assertThat(params.getInt(UblkAbi.P_TYPES)).isEqualTo(UblkAbi.PARAM_TYPE_BASIC);
            assertThat(params.getInt(UblkAbi.P_BASIC + UblkAbi.PB_ATTRS)).isEqualTo(UblkAbi.ATTR_READ_ONLY);
        }
    }
}
