package io.bdus.transport.ublk;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.CHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles C programs against the kernel's {@code ublk_cmd.h} and compares every size,
 * offset and number {@link UblkAbi} uses. The layouts every ublk kernel shares are checked
 * against the host's header ({@code linux-libc-dev}); the ioctl-encoded commands and later
 * feature bits against a newer header: {@code -Dbdus.ublk.uapi=<dir with linux/ublk_cmd.h>},
 * or the newest kernel headers unpacked under {@code $BDUS_VM_DIR} (the VM harness cache).
 */
class UblkAbiTest {

    private static final Path HOST_HEADER = Path.of("/usr/include/linux/ublk_cmd.h");

    @Test
    void layoutsMatchTheHostHeader(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(HOST_HEADER),
                HOST_HEADER + " is missing (install linux-libc-dev): skipping the ublk ABI check");
        Map<String, Long> expected = sharedLayout();
        Map<String, Long> actual = CHeaders.evaluate(dir, List.of("<errno.h>", "<linux/ublk_cmd.h>"), List.of(),
                expected.keySet());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void commandNumbersAndFeaturesMatchANewerHeader(@TempDir Path dir) throws Exception {
        Optional<Path> header = newerHeader();
        if (header.isEmpty()) {
            System.out.println("SKIPPED ublk ioctl-encoding check: no ublk_cmd.h with UBLK_U_CMD_GET_FEATURES "
                    + "(set -Dbdus.ublk.uapi=<include dir> or BDUS_VM_DIR to the VM harness cache)");
        }
        Assumptions.assumeTrue(header.isPresent(), "no ublk_cmd.h with ioctl-encoded commands found");
        Map<String, Long> expected = sharedLayout();
        String[][] encoded = { { "UBLK_U_CMD_GET_DEV_INFO", "U_CMD_GET_DEV_INFO" },
                { "UBLK_U_CMD_ADD_DEV", "U_CMD_ADD_DEV" }, { "UBLK_U_CMD_DEL_DEV", "U_CMD_DEL_DEV" },
                { "UBLK_U_CMD_START_DEV", "U_CMD_START_DEV" }, { "UBLK_U_CMD_STOP_DEV", "U_CMD_STOP_DEV" },
                { "UBLK_U_CMD_SET_PARAMS", "U_CMD_SET_PARAMS" }, { "UBLK_U_CMD_GET_PARAMS", "U_CMD_GET_PARAMS" },
                { "UBLK_U_CMD_START_USER_RECOVERY", "U_CMD_START_USER_RECOVERY" },
                { "UBLK_U_CMD_END_USER_RECOVERY", "U_CMD_END_USER_RECOVERY" },
                { "UBLK_U_CMD_GET_FEATURES", "U_CMD_GET_FEATURES" }, { "UBLK_U_IO_FETCH_REQ", "U_IO_FETCH_REQ" },
                { "UBLK_U_IO_COMMIT_AND_FETCH_REQ", "U_IO_COMMIT_AND_FETCH_REQ" },
                { "UBLK_FEATURES_LEN", "FEATURES_LEN" }, { "UBLK_F_UNPRIVILEGED_DEV", "F_UNPRIVILEGED_DEV" },
                { "UBLK_F_CMD_IOCTL_ENCODE", "F_CMD_IOCTL_ENCODE" }, { "UBLK_F_USER_COPY", "F_USER_COPY" },
                { "UBLK_F_ZONED", "F_ZONED" } };
        for (String[] pair : encoded) {
            expected.put(pair[0], constant(pair[1]));
        }
        // the fields after discard are newer: bdus sends the 60-byte prefix every kernel knows
        expected.put("offsetof(struct ublk_params, devt)", (long) UblkAbi.PARAMS_SIZE);
        Map<String, Long> actual = CHeaders.evaluate(dir, List.of("<errno.h>", "<sys/ioctl.h>", "\"" + header.get() + "\""),
                List.of(), expected.keySet());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void queueDescriptorsAreSpacedByTheDeepestQueue() {
        assertThat(UblkAbi.descriptorMappingSize(128, 4096)).isEqualTo(4096);
        assertThat(UblkAbi.descriptorMappingSize(200, 4096)).isEqualTo(8192);
        assertThat(UblkAbi.descriptorMappingOffset(0, 4096)).isZero();
        assertThat(UblkAbi.descriptorMappingOffset(2, 4096)).isEqualTo(2L * 4096 * 24);
    }

    /** What the 6.1 header (the oldest with ublk) already has, with the same values since. */
    private static Map<String, Long> sharedLayout() {
        Map<String, Long> expected = new LinkedHashMap<>();
        String[][] constants = { { "UBLK_CMD_GET_DEV_INFO", "CMD_GET_DEV_INFO" }, { "UBLK_CMD_ADD_DEV", "CMD_ADD_DEV" },
                { "UBLK_CMD_DEL_DEV", "CMD_DEL_DEV" }, { "UBLK_CMD_START_DEV", "CMD_START_DEV" },
                { "UBLK_CMD_STOP_DEV", "CMD_STOP_DEV" }, { "UBLK_CMD_SET_PARAMS", "CMD_SET_PARAMS" },
                { "UBLK_CMD_GET_PARAMS", "CMD_GET_PARAMS" },
                { "UBLK_CMD_START_USER_RECOVERY", "CMD_START_USER_RECOVERY" },
                { "UBLK_CMD_END_USER_RECOVERY", "CMD_END_USER_RECOVERY" }, { "UBLK_IO_FETCH_REQ", "IO_FETCH_REQ" },
                { "UBLK_IO_COMMIT_AND_FETCH_REQ", "IO_COMMIT_AND_FETCH_REQ" },
                { "UBLK_IO_NEED_GET_DATA", "IO_NEED_GET_DATA" }, { "UBLK_IO_RES_OK", "IO_RES_OK" },
                { "UBLK_IO_RES_NEED_GET_DATA", "IO_RES_NEED_GET_DATA" },
                { "UBLKSRV_CMD_BUF_OFFSET", "CMD_BUF_OFFSET" }, { "UBLK_MAX_QUEUE_DEPTH", "MAX_QUEUE_DEPTH" },
                { "UBLK_F_SUPPORT_ZERO_COPY", "F_SUPPORT_ZERO_COPY" },
                { "UBLK_F_URING_CMD_COMP_IN_TASK", "F_URING_CMD_COMP_IN_TASK" },
                { "UBLK_F_NEED_GET_DATA", "F_NEED_GET_DATA" }, { "UBLK_F_USER_RECOVERY", "F_USER_RECOVERY" },
                { "UBLK_F_USER_RECOVERY_REISSUE", "F_USER_RECOVERY_REISSUE" }, { "UBLK_S_DEV_DEAD", "S_DEV_DEAD" },
                { "UBLK_S_DEV_LIVE", "S_DEV_LIVE" }, { "UBLK_S_DEV_QUIESCED", "S_DEV_QUIESCED" },
                { "sizeof(struct ublksrv_ctrl_cmd)", "CTRL_CMD_SIZE" },
                { "offsetof(struct ublksrv_ctrl_cmd, dev_id)", "CTRL_DEV_ID" },
                { "offsetof(struct ublksrv_ctrl_cmd, queue_id)", "CTRL_QUEUE_ID" },
                { "offsetof(struct ublksrv_ctrl_cmd, len)", "CTRL_LEN" },
                { "offsetof(struct ublksrv_ctrl_cmd, addr)", "CTRL_ADDR" },
                { "offsetof(struct ublksrv_ctrl_cmd, data)", "CTRL_DATA" },
                { "sizeof(struct ublksrv_ctrl_dev_info)", "DEV_INFO_SIZE" },
                { "offsetof(struct ublksrv_ctrl_dev_info, nr_hw_queues)", "DI_NR_HW_QUEUES" },
                { "offsetof(struct ublksrv_ctrl_dev_info, queue_depth)", "DI_QUEUE_DEPTH" },
                { "offsetof(struct ublksrv_ctrl_dev_info, state)", "DI_STATE" },
                { "offsetof(struct ublksrv_ctrl_dev_info, max_io_buf_bytes)", "DI_MAX_IO_BUF_BYTES" },
                { "offsetof(struct ublksrv_ctrl_dev_info, dev_id)", "DI_DEV_ID" },
                { "offsetof(struct ublksrv_ctrl_dev_info, ublksrv_pid)", "DI_UBLKSRV_PID" },
                { "offsetof(struct ublksrv_ctrl_dev_info, flags)", "DI_FLAGS" },
                { "UBLK_IO_OP_READ", "IO_OP_READ" }, { "UBLK_IO_OP_WRITE", "IO_OP_WRITE" },
                { "UBLK_IO_OP_FLUSH", "IO_OP_FLUSH" }, { "UBLK_IO_OP_DISCARD", "IO_OP_DISCARD" },
                { "UBLK_IO_OP_WRITE_SAME", "IO_OP_WRITE_SAME" }, { "UBLK_IO_OP_WRITE_ZEROES", "IO_OP_WRITE_ZEROES" },
                { "UBLK_IO_F_FAILFAST_DEV", "IO_F_FAILFAST_DEV" },
                { "UBLK_IO_F_FAILFAST_TRANSPORT", "IO_F_FAILFAST_TRANSPORT" },
                { "UBLK_IO_F_FAILFAST_DRIVER", "IO_F_FAILFAST_DRIVER" }, { "UBLK_IO_F_META", "IO_F_META" },
                { "UBLK_IO_F_FUA", "IO_F_FUA" }, { "UBLK_IO_F_NOUNMAP", "IO_F_NOUNMAP" },
                { "UBLK_IO_F_SWAP", "IO_F_SWAP" }, { "sizeof(struct ublksrv_io_desc)", "IO_DESC_SIZE" },
                { "offsetof(struct ublksrv_io_desc, op_flags)", "IOD_OP_FLAGS" },
                { "offsetof(struct ublksrv_io_desc, nr_sectors)", "IOD_NR_SECTORS" },
                { "offsetof(struct ublksrv_io_desc, start_sector)", "IOD_START_SECTOR" },
                { "offsetof(struct ublksrv_io_desc, addr)", "IOD_ADDR" },
                { "sizeof(struct ublksrv_io_cmd)", "IO_CMD_SIZE" },
                { "offsetof(struct ublksrv_io_cmd, q_id)", "IOC_Q_ID" },
                { "offsetof(struct ublksrv_io_cmd, tag)", "IOC_TAG" },
                { "offsetof(struct ublksrv_io_cmd, result)", "IOC_RESULT" },
                { "offsetof(struct ublksrv_io_cmd, addr)", "IOC_ADDR" },
                { "offsetof(struct ublk_params, len)", "P_LEN" }, { "offsetof(struct ublk_params, types)", "P_TYPES" },
                { "offsetof(struct ublk_params, basic)", "P_BASIC" },
                { "offsetof(struct ublk_params, discard)", "P_DISCARD" },
                { "UBLK_PARAM_TYPE_BASIC", "PARAM_TYPE_BASIC" }, { "UBLK_PARAM_TYPE_DISCARD", "PARAM_TYPE_DISCARD" },
                { "offsetof(struct ublk_param_basic, attrs)", "PB_ATTRS" },
                { "offsetof(struct ublk_param_basic, logical_bs_shift)", "PB_LOGICAL_BS_SHIFT" },
                { "offsetof(struct ublk_param_basic, physical_bs_shift)", "PB_PHYSICAL_BS_SHIFT" },
                { "offsetof(struct ublk_param_basic, io_opt_shift)", "PB_IO_OPT_SHIFT" },
                { "offsetof(struct ublk_param_basic, io_min_shift)", "PB_IO_MIN_SHIFT" },
                { "offsetof(struct ublk_param_basic, max_sectors)", "PB_MAX_SECTORS" },
                { "offsetof(struct ublk_param_basic, chunk_sectors)", "PB_CHUNK_SECTORS" },
                { "offsetof(struct ublk_param_basic, dev_sectors)", "PB_DEV_SECTORS" },
                { "offsetof(struct ublk_param_basic, virt_boundary_mask)", "PB_VIRT_BOUNDARY_MASK" },
                { "UBLK_ATTR_READ_ONLY", "ATTR_READ_ONLY" }, { "UBLK_ATTR_ROTATIONAL", "ATTR_ROTATIONAL" },
                { "UBLK_ATTR_VOLATILE_CACHE", "ATTR_VOLATILE_CACHE" }, { "UBLK_ATTR_FUA", "ATTR_FUA" },
                { "offsetof(struct ublk_param_discard, discard_alignment)", "PD_DISCARD_ALIGNMENT" },
                { "offsetof(struct ublk_param_discard, discard_granularity)", "PD_DISCARD_GRANULARITY" },
                { "offsetof(struct ublk_param_discard, max_discard_sectors)", "PD_MAX_DISCARD_SECTORS" },
                { "offsetof(struct ublk_param_discard, max_write_zeroes_sectors)", "PD_MAX_WRITE_ZEROES_SECTORS" },
                { "offsetof(struct ublk_param_discard, max_discard_segments)", "PD_MAX_DISCARD_SEGMENTS" } };
        for (String[] pair : constants) {
            expected.put(pair[0], constant(pair[1]));
        }
        expected.put("offsetof(struct ublk_params, discard) + sizeof(struct ublk_param_discard)",
                (long) UblkAbi.PARAMS_SIZE);
        // UBLK_IO_RES_ABORT is -ENODEV; printed through unsigned long long, so compare as such
        expected.put("(int) UBLK_IO_RES_ABORT + 100", (long) UblkAbi.IO_RES_ABORT + 100);
        return expected;
    }

    private static long constant(String name) {
        try {
            Object value = UblkAbi.class.getDeclaredField(name).get(null);
            // C prints the 32-bit command numbers unsigned
            return (value instanceof Integer i) ? Integer.toUnsignedLong(i) : ((Number) value).longValue();
        }
        catch (ReflectiveOperationException ex) {
            throw new AssertionError("UblkAbi." + name + " is missing", ex);
        }
    }

    /** A ublk_cmd.h that has the ioctl-encoded commands, newest kernel first. */
    private static Optional<Path> newerHeader() throws IOException {
        String configured = System.getProperty("bdus.ublk.uapi");
        if (configured != null) {
            return Optional.of(Path.of(configured, "linux", "ublk_cmd.h")).filter(UblkAbiTest::hasEncodedCommands);
        }
        if (hasEncodedCommands(HOST_HEADER)) {
            return Optional.of(HOST_HEADER);
        }
        String vmDir = System.getenv("BDUS_VM_DIR");
        if (vmDir == null || !Files.isDirectory(Path.of(vmDir))) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(Path.of(vmDir), 8,
                (path, attributes) -> path.endsWith(Path.of("include", "uapi", "linux", "ublk_cmd.h")))) {
            return files.filter(UblkAbiTest::hasEncodedCommands)
                .max(Comparator.comparing(UblkAbiTest::kernelVersionKey));
        }
    }

    private static String kernelVersionKey(Path header) {
        // .../kroot-<version>/usr/src/linux-headers-<version>-common/...: sort by the version digits
        StringBuilder key = new StringBuilder();
        for (String part : header.toString().split("[^0-9]+")) {
            if (!part.isEmpty()) {
                key.append(String.format("%06d", Long.parseLong(part.length() > 6 ? part.substring(0, 6) : part)));
            }
        }
        return key.toString();
    }

    private static boolean hasEncodedCommands(Path header) {
        try {
            return Files.isRegularFile(header) && Files.readString(header).contains("UBLK_U_CMD_GET_FEATURES");
        }
        catch (IOException ex) {
            return false;
        }
    }
}
