package io.bdus.linux.uring;

import static org.assertj.core.api.Assertions.assertThat;

import io.bdus.testing.CHeaders;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binding's layouts and numbers against {@code <linux/io_uring.h>} and {@code <sys/syscall.h>}. */
class IoUringAbiTest {

    @Test
    void layoutsAndNumbersMatchTheUapiHeader(@TempDir Path dir) throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("__NR_io_uring_setup", IoUringCalls.SETUP);
        expected.put("__NR_io_uring_enter", IoUringCalls.ENTER);
        expected.put("__NR_io_uring_register", IoUringCalls.REGISTER);
        expected.put("sizeof(struct io_uring_params)", (long) IoUring.PARAMS_SIZE);
        expected.put("offsetof(struct io_uring_params, sq_entries)", (long) IoUring.P_SQ_ENTRIES);
        expected.put("offsetof(struct io_uring_params, cq_entries)", (long) IoUring.P_CQ_ENTRIES);
        expected.put("offsetof(struct io_uring_params, flags)", (long) IoUring.P_FLAGS);
        expected.put("offsetof(struct io_uring_params, features)", (long) IoUring.P_FEATURES);
        expected.put("offsetof(struct io_uring_params, sq_off)", (long) IoUring.P_SQ_OFF);
        expected.put("offsetof(struct io_uring_params, cq_off)", (long) IoUring.P_CQ_OFF);
        expected.put("offsetof(struct io_sqring_offsets, head)", (long) IoUring.SQ_HEAD);
        expected.put("offsetof(struct io_sqring_offsets, tail)", (long) IoUring.SQ_TAIL);
        expected.put("offsetof(struct io_sqring_offsets, ring_mask)", (long) IoUring.SQ_RING_MASK);
        expected.put("offsetof(struct io_sqring_offsets, array)", (long) IoUring.SQ_ARRAY);
        expected.put("offsetof(struct io_cqring_offsets, head)", (long) IoUring.CQ_HEAD);
        expected.put("offsetof(struct io_cqring_offsets, tail)", (long) IoUring.CQ_TAIL);
        expected.put("offsetof(struct io_cqring_offsets, ring_mask)", (long) IoUring.CQ_RING_MASK);
        expected.put("offsetof(struct io_cqring_offsets, cqes)", (long) IoUring.CQ_CQES);
        expected.put("IORING_OFF_SQ_RING", IoUring.OFF_SQ_RING);
        expected.put("IORING_OFF_CQ_RING", IoUring.OFF_CQ_RING);
        expected.put("IORING_OFF_SQES", IoUring.OFF_SQES);
        expected.put("sizeof(struct io_uring_sqe)", 64L);
        expected.put("offsetof(struct io_uring_sqe, opcode)", (long) SubmissionEntry.OPCODE);
        expected.put("offsetof(struct io_uring_sqe, flags)", (long) SubmissionEntry.FLAGS);
        expected.put("offsetof(struct io_uring_sqe, ioprio)", (long) SubmissionEntry.IOPRIO);
        expected.put("offsetof(struct io_uring_sqe, fd)", (long) SubmissionEntry.FD);
        expected.put("offsetof(struct io_uring_sqe, off)", (long) SubmissionEntry.OFF);
        expected.put("offsetof(struct io_uring_sqe, cmd_op)", (long) SubmissionEntry.CMD_OP);
        expected.put("offsetof(struct io_uring_sqe, addr)", (long) SubmissionEntry.ADDR);
        expected.put("offsetof(struct io_uring_sqe, len)", (long) SubmissionEntry.LEN);
        expected.put("offsetof(struct io_uring_sqe, rw_flags)", (long) SubmissionEntry.OP_FLAGS);
        expected.put("offsetof(struct io_uring_sqe, user_data)", (long) SubmissionEntry.USER_DATA);
        expected.put("offsetof(struct io_uring_sqe, buf_index)", (long) SubmissionEntry.BUF_INDEX);
        expected.put("offsetof(struct io_uring_sqe, personality)", (long) SubmissionEntry.PERSONALITY);
        expected.put("offsetof(struct io_uring_sqe, file_index)", (long) SubmissionEntry.FILE_INDEX);
        expected.put("offsetof(struct io_uring_sqe, cmd)", (long) SubmissionEntry.CMD);
        expected.put("sizeof(struct io_uring_cqe)", 16L);
        expected.put("offsetof(struct io_uring_cqe, user_data)", (long) IoUring.CQE_USER_DATA);
        expected.put("offsetof(struct io_uring_cqe, res)", (long) IoUring.CQE_RES);
        expected.put("offsetof(struct io_uring_cqe, flags)", (long) IoUring.CQE_FLAGS);
        expected.put("IORING_SETUP_CQSIZE", (long) IoUring.SETUP_CQSIZE);
        expected.put("IORING_SETUP_CLAMP", (long) IoUring.SETUP_CLAMP);
        expected.put("IORING_SETUP_COOP_TASKRUN", (long) IoUring.SETUP_COOP_TASKRUN);
        expected.put("IORING_SETUP_SQE128", (long) IoUring.SETUP_SQE128);
        expected.put("IORING_SETUP_CQE32", (long) IoUring.SETUP_CQE32);
        expected.put("IORING_SETUP_SINGLE_ISSUER", (long) IoUring.SETUP_SINGLE_ISSUER);
        expected.put("IORING_SETUP_DEFER_TASKRUN", (long) IoUring.SETUP_DEFER_TASKRUN);
        expected.put("IORING_FEAT_SINGLE_MMAP", (long) IoUring.FEAT_SINGLE_MMAP);
        expected.put("IORING_FEAT_NODROP", (long) IoUring.FEAT_NODROP);
        expected.put("IORING_FEAT_EXT_ARG", (long) IoUring.FEAT_EXT_ARG);
        expected.put("IORING_OP_NOP", (long) IoUringOp.NOP);
        expected.put("IORING_OP_POLL_ADD", (long) IoUringOp.POLL_ADD);
        expected.put("IORING_OP_TIMEOUT", (long) IoUringOp.TIMEOUT);
        expected.put("IORING_OP_ASYNC_CANCEL", (long) IoUringOp.ASYNC_CANCEL);
        expected.put("IORING_OP_READ", (long) IoUringOp.READ);
        expected.put("IORING_OP_WRITE", (long) IoUringOp.WRITE);
        expected.put("IORING_OP_MSG_RING", (long) IoUringOp.MSG_RING);
        expected.put("IORING_OP_URING_CMD", (long) IoUringOp.URING_CMD);

        Map<String, Long> actual = CHeaders.evaluate(dir, List.of("<sys/syscall.h>", "<linux/io_uring.h>"),
                List.of(), expected.keySet());
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }
}
