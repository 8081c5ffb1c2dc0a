package io.bdus.transport.kbdus;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.device.DeviceSpec;
import io.bdus.driver.Operation;
import io.bdus.transport.ServingPlan;
import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a C program against {@code kernel/include/uapi/kbdus.h} that prints every size,
 * offset and ioctl number the Java side uses, and compares them with {@link KbdusAbi}.
 */
class KbdusAbiTest {

    private static final Path HEADER = Path.of("..", "kernel", "include", "uapi", "kbdus.h");

    @Test
    void javaLayoutMatchesTheUapiHeader(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(HEADER),
                "kernel/include/uapi/kbdus.h not found from " + Path.of("").toAbsolutePath());
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("sizeof(struct kbdus_version)", (long) KbdusAbi.VERSION_SIZE);
        expected.put("offsetof(struct kbdus_version, major)", (long) KbdusAbi.VERSION_MAJOR_OFFSET);
        expected.put("offsetof(struct kbdus_version, minor)", (long) KbdusAbi.VERSION_MINOR_OFFSET);
        expected.put("offsetof(struct kbdus_version, patch)", (long) KbdusAbi.VERSION_PATCH_OFFSET);
        expected.put("KBDUS_VERSION_MAJOR", (long) KbdusAbi.VERSION_MAJOR);
        expected.put("KBDUS_VERSION_MINOR", (long) KbdusAbi.VERSION_MINOR);
        expected.put("KBDUS_OPENER_READ", (long) KbdusAbi.OPENER_READ);
        expected.put("KBDUS_OPENER_WRITE", (long) KbdusAbi.OPENER_WRITE);
        expected.put("KBDUS_MAX_REQUEST_TIMEOUT_MS", KbdusAbi.MAX_REQUEST_TIMEOUT_MS);
        expected.put("offsetof(struct kbdus_reply, reserved)", (long) KbdusAbi.REPLY_RESERVED);
        expected.put("KBDUS_SLOT_SIZE", (long) KbdusAbi.SLOT_SIZE);
        expected.put("KBDUS_MAX_OUTSTANDING_REQS", (long) KbdusAbi.MAX_OUTSTANDING_REQS);
        expected.put("KBDUS_MAX_IOCTL_SIZE", (long) KbdusAbi.MAX_IOCTL_SIZE);
        expected.put("sizeof(struct kbdus_device_config)", (long) KbdusAbi.DEVICE_CONFIG_SIZE);
        expected.put("sizeof(struct kbdus_device_and_fd_config)", (long) KbdusAbi.DEVICE_AND_FD_CONFIG_SIZE);
        expected.put("offsetof(struct kbdus_device_and_fd_config, fd)", (long) KbdusAbi.FD_CONFIG);
        String[][] deviceFields = { { "id", "DC_ID" }, { "size", "DC_SIZE" },
                { "logical_block_size", "DC_LOGICAL_BLOCK_SIZE" }, { "physical_block_size", "DC_PHYSICAL_BLOCK_SIZE" },
                { "max_read_write_size", "DC_MAX_READ_WRITE_SIZE" },
                { "max_write_zeroes_size", "DC_MAX_WRITE_ZEROES_SIZE" },
                { "max_discard_erase_size", "DC_MAX_DISCARD_ERASE_SIZE" },
                { "max_outstanding_reqs", "DC_MAX_OUTSTANDING_REQS" },
                { "request_timeout_ms", "DC_REQUEST_TIMEOUT_MS" }, { "major", "DC_MAJOR" }, { "minor", "DC_MINOR" },
                { "supports_read", "DC_SUPPORTS_READ" }, { "supports_write", "DC_SUPPORTS_WRITE" },
                { "supports_write_zeroes", "DC_SUPPORTS_WRITE_ZEROES" },
                { "supports_fua_write", "DC_SUPPORTS_FUA_WRITE" }, { "supports_flush", "DC_SUPPORTS_FLUSH" },
                { "supports_discard", "DC_SUPPORTS_DISCARD" },
                { "supports_secure_erase", "DC_SUPPORTS_SECURE_ERASE" },
                { "supports_ioctl", "DC_SUPPORTS_IOCTL" }, { "read_only", "DC_READ_ONLY" },
                { "rotational", "DC_ROTATIONAL" }, { "merge_requests", "DC_MERGE_REQUESTS" },
                { "enable_partition_scanning", "DC_ENABLE_PARTITION_SCANNING" },
                { "recoverable", "DC_RECOVERABLE" }, { "timeout_while_detached", "DC_TIMEOUT_WHILE_DETACHED" } };
        for (String[] field : deviceFields) {
            expected.put("offsetof(struct kbdus_device_config, " + field[0] + ")", constant(field[1]));
        }
        expected.put("offsetof(struct kbdus_fd_config, num_preallocated_buffers)",
                (long) KbdusAbi.FC_NUM_PREALLOCATED_BUFFERS);
        expected.put("offsetof(struct kbdus_fd_config, buffer_size)", (long) KbdusAbi.FC_BUFFER_SIZE);
        expected.put("offsetof(struct kbdus_fd_config, buffers_offset)", (long) KbdusAbi.FC_BUFFERS_OFFSET);
        expected.put("offsetof(struct kbdus_item, user_ptr_or_buffer_index)",
                (long) KbdusAbi.SLOT_USER_PTR_OR_BUFFER_INDEX);
        expected.put("offsetof(struct kbdus_item, handle_seqnum)", (long) KbdusAbi.SLOT_HANDLE_SEQNUM);
        expected.put("offsetof(struct kbdus_item, handle_index)", (long) KbdusAbi.SLOT_HANDLE_INDEX);
        expected.put("offsetof(struct kbdus_item, use_preallocated_buffer)",
                (long) KbdusAbi.SLOT_USE_PREALLOCATED_BUFFER);
        expected.put("offsetof(struct kbdus_item, type)", (long) KbdusAbi.ITEM_TYPE);
        expected.put("offsetof(struct kbdus_item, arg32)", (long) KbdusAbi.ITEM_ARG32);
        expected.put("offsetof(struct kbdus_item, arg64)", (long) KbdusAbi.ITEM_ARG64);
        expected.put("offsetof(struct kbdus_reply, error)", (long) KbdusAbi.REPLY_ERROR);
        String[] items = { "DEVICE_AVAILABLE", "TERMINATE", "FLUSH_AND_TERMINATE", "READ", "WRITE",
                "WRITE_ZEROES_NO_UNMAP", "WRITE_ZEROES_MAY_UNMAP", "FUA_WRITE", "FLUSH", "DISCARD", "SECURE_ERASE",
                "IOCTL" };
        for (String item : items) {
            expected.put("KBDUS_ITEM_" + item, constant("ITEM_" + item));
        }
        String[] ioctls = { "GET_VERSION", "CREATE_DEVICE", "ATTACH_TO_DEVICE", "TERMINATE", "MARK_AS_SUCCESSFUL",
                "DEVICE_PATH_TO_ID", "GET_DEVICE_CONFIG", "FLUSH_DEVICE", "TRIGGER_DEVICE_DESTRUCTION",
                "WAIT_UNTIL_DEVICE_IS_DESTROYED", "RECEIVE_ITEM", "SEND_REPLY", "SEND_REPLY_AND_RECEIVE_ITEM" };
        for (String ioctl : ioctls) {
            expected.put("KBDUS_IOCTL_" + ioctl, constant("IOCTL_" + ioctl));
        }

        Map<String, Long> actual = printFromC(dir, expected.keySet());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void configCarriesTheSpecAndCapabilities() {
        DeviceSpec spec = DeviceSpec.builder("d", 1L << 30).logicalBlockSize(4096).maxConcurrentRequests(4)
            .requestTimeout(Duration.ofSeconds(5)).recoverable(true).readOnly(false).build();
        try (Memory config = new Memory(KbdusAbi.DEVICE_AND_FD_CONFIG_SIZE)) {
            KbdusDevice.fillConfig(config, spec, EnumSet.of(Operation.READ, Operation.WRITE, Operation.FUA_WRITE),
                    ServingPlan.blocking(2));
            assertThat(config.getLong(KbdusAbi.DC_SIZE)).isEqualTo(1L << 30);
            assertThat(config.getInt(KbdusAbi.DC_LOGICAL_BLOCK_SIZE)).isEqualTo(4096);
            assertThat(config.getInt(KbdusAbi.DC_MAX_OUTSTANDING_REQS)).isEqualTo(4);
            assertThat(config.getInt(KbdusAbi.DC_REQUEST_TIMEOUT_MS)).isEqualTo(5000);
            assertThat(config.getByte(KbdusAbi.DC_SUPPORTS_WRITE)).isEqualTo((byte) 1);
            // FUA needs flush: without flush support the kernel must not send FUA writes.
            assertThat(config.getByte(KbdusAbi.DC_SUPPORTS_FUA_WRITE)).isZero();
            assertThat(config.getByte(KbdusAbi.DC_RECOVERABLE)).isEqualTo((byte) 1);
            assertThat(config.getInt(KbdusAbi.FD_CONFIG + KbdusAbi.FC_NUM_PREALLOCATED_BUFFERS)).isEqualTo(2);
        }
    }

    @Test
    void anAsynchronousPlanGetsASlotAndABufferForEveryRequestOfTheQueueDepth() {
        DeviceSpec spec = DeviceSpec.builder("d", 1L << 30).maxConcurrentRequests(128).build();
        try (Memory config = new Memory(KbdusAbi.DEVICE_AND_FD_CONFIG_SIZE)) {
            KbdusDevice.fillConfig(config, spec, EnumSet.of(Operation.READ), new ServingPlan(2, 128));
            assertThat(config.getInt(KbdusAbi.DC_MAX_OUTSTANDING_REQS)).isEqualTo(128);
            assertThat(config.getInt(KbdusAbi.FD_CONFIG + KbdusAbi.FC_NUM_PREALLOCATED_BUFFERS)).isEqualTo(128);
        }
    }

    @Test
    void ioctlSizeComesFromTheCommandNumber() {
        assertThat(KbdusRequest.ioctlSize((int) KbdusAbi.encode(2, 7, 24))).isEqualTo(24);
        assertThat(KbdusRequest.ioctlSize(0x1234)).isZero();
    }

    private static long constant(String name) {
        try {
            return ((Number) KbdusAbi.class.getDeclaredField(name).get(null)).longValue();
        }
        catch (ReflectiveOperationException ex) {
            throw new AssertionError("KbdusAbi." + name + " is missing", ex);
        }
    }

    private static Map<String, Long> printFromC(Path dir, Iterable<String> expressions) throws Exception {
        StringBuilder source = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"kbdus.h\"\n"
                + "int main(void) {\n");
        for (String expression : expressions) {
            source.append("  printf(\"%s=%llu\\n\", \"").append(expression).append("\", (unsigned long long)(")
                .append(expression).append("));\n");
        }
        source.append("  return 0;\n}\n");
        Path c = Files.writeString(dir.resolve("abi.c"), source);
        Path binary = dir.resolve("abi");
        Process gcc = new ProcessBuilder("gcc", "-Wall", "-Werror", "-I",
                HEADER.getParent().toAbsolutePath().toString(),
                "-o", binary.toString(), c.toString()).redirectErrorStream(true).start();
        String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as("gcc output:%n%s", gccOutput).isZero();
        Process run = new ProcessBuilder(binary.toString()).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
        }
        return values;
    }
}
