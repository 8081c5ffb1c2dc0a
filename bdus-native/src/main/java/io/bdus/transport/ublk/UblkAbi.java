package io.bdus.transport.ublk;

/**
 * The ublk user-space ABI ({@code include/uapi/linux/ublk_cmd.h}) as far as bdus uses it:
 * command numbers, feature bits and the byte layouts of the structures exchanged with
 * {@code ublk_drv}. {@code UblkAbiTest} compiles these against the kernel header.
 */
final class UblkAbi {

    static final String CONTROL_PATH = "/dev/ublk-control";

    static final String CHAR_DEVICE_PREFIX = "/dev/ublkc";

    static final String BLOCK_DEVICE_PREFIX = "/dev/ublkb";

    // Control commands: the legacy numbers; the ioctl-encoded ones wrap them (see control()).
    static final int CMD_GET_DEV_INFO = 0x02;
    static final int CMD_ADD_DEV = 0x04;
    static final int CMD_DEL_DEV = 0x05;
    static final int CMD_START_DEV = 0x06;
    static final int CMD_STOP_DEV = 0x07;
    static final int CMD_SET_PARAMS = 0x08;
    static final int CMD_GET_PARAMS = 0x09;
    static final int CMD_START_USER_RECOVERY = 0x10;
    static final int CMD_END_USER_RECOVERY = 0x11;
    /** Only ioctl-encoded; Linux 6.5. */
    static final int CMD_GET_FEATURES = 0x13;

    // I/O commands on /dev/ublkcN
    static final int IO_FETCH_REQ = 0x20;
    static final int IO_COMMIT_AND_FETCH_REQ = 0x21;
    static final int IO_NEED_GET_DATA = 0x22;

    // _IOC directions
    static final int IOC_WRITE = 1;
    static final int IOC_READ = 2;

    static final int U_CMD_GET_DEV_INFO = ioc(IOC_READ, CMD_GET_DEV_INFO, 32);
    static final int U_CMD_ADD_DEV = ioc(IOC_READ | IOC_WRITE, CMD_ADD_DEV, 32);
    static final int U_CMD_DEL_DEV = ioc(IOC_READ | IOC_WRITE, CMD_DEL_DEV, 32);
    static final int U_CMD_START_DEV = ioc(IOC_READ | IOC_WRITE, CMD_START_DEV, 32);
    static final int U_CMD_STOP_DEV = ioc(IOC_READ | IOC_WRITE, CMD_STOP_DEV, 32);
    static final int U_CMD_SET_PARAMS = ioc(IOC_READ | IOC_WRITE, CMD_SET_PARAMS, 32);
    static final int U_CMD_GET_PARAMS = ioc(IOC_READ, CMD_GET_PARAMS, 32);
    static final int U_CMD_START_USER_RECOVERY = ioc(IOC_READ | IOC_WRITE, CMD_START_USER_RECOVERY, 32);
    static final int U_CMD_END_USER_RECOVERY = ioc(IOC_READ | IOC_WRITE, CMD_END_USER_RECOVERY, 32);
    static final int U_CMD_GET_FEATURES = ioc(IOC_READ, CMD_GET_FEATURES, 32);
    static final int U_IO_FETCH_REQ = ioc(IOC_READ | IOC_WRITE, IO_FETCH_REQ, 16);
    static final int U_IO_COMMIT_AND_FETCH_REQ = ioc(IOC_READ | IOC_WRITE, IO_COMMIT_AND_FETCH_REQ, 16);

    /** {@code UBLK_FEATURES_LEN}: GET_FEATURES writes one u64. */
    static final int FEATURES_LEN = 8;

    // results of FETCH_REQ / COMMIT_AND_FETCH_REQ completions
    static final int IO_RES_OK = 0;
    static final int IO_RES_NEED_GET_DATA = 1;
    static final int IO_RES_ABORT = -19; // -ENODEV

    static final long CMD_BUF_OFFSET = 0;
    static final int MAX_QUEUE_DEPTH = 4096;

    // UBLK_F_* feature and device flags
    static final long F_SUPPORT_ZERO_COPY = 1L << 0;
    static final long F_URING_CMD_COMP_IN_TASK = 1L << 1;
    static final long F_NEED_GET_DATA = 1L << 2;
    static final long F_USER_RECOVERY = 1L << 3;
    static final long F_USER_RECOVERY_REISSUE = 1L << 4;
    static final long F_UNPRIVILEGED_DEV = 1L << 5;
    static final long F_CMD_IOCTL_ENCODE = 1L << 6;
    static final long F_USER_COPY = 1L << 7;
    static final long F_ZONED = 1L << 8;

    // device states
    static final int S_DEV_DEAD = 0;
    static final int S_DEV_LIVE = 1;
    static final int S_DEV_QUIESCED = 2;

    // struct ublksrv_ctrl_cmd (32 bytes; the command area of a 128-byte SQE)
    static final int CTRL_CMD_SIZE = 32;
    static final int CTRL_DEV_ID = 0;
    static final int CTRL_QUEUE_ID = 4;
    static final int CTRL_LEN = 6;
    static final int CTRL_ADDR = 8;
    static final int CTRL_DATA = 16;

    // struct ublksrv_ctrl_dev_info (64 bytes)
    static final int DEV_INFO_SIZE = 64;
    static final int DI_NR_HW_QUEUES = 0;
    static final int DI_QUEUE_DEPTH = 2;
    static final int DI_STATE = 4;
    static final int DI_MAX_IO_BUF_BYTES = 8;
    static final int DI_DEV_ID = 12;
    static final int DI_UBLKSRV_PID = 16;
    static final int DI_FLAGS = 24;

    // I/O operations (op_flags bits 0-7) and flags (bits 8-31, as in op_flags)
    static final int IO_OP_READ = 0;
    static final int IO_OP_WRITE = 1;
    static final int IO_OP_FLUSH = 2;
    static final int IO_OP_DISCARD = 3;
    static final int IO_OP_WRITE_SAME = 4;
    static final int IO_OP_WRITE_ZEROES = 5;
    static final int IO_F_FAILFAST_DEV = 1 << 8;
    static final int IO_F_FAILFAST_TRANSPORT = 1 << 9;
    static final int IO_F_FAILFAST_DRIVER = 1 << 10;
    static final int IO_F_META = 1 << 11;
    static final int IO_F_FUA = 1 << 13;
    static final int IO_F_NOUNMAP = 1 << 15;
    static final int IO_F_SWAP = 1 << 16;

    // struct ublksrv_io_desc (24 bytes), one per tag in the read-only mapping of a queue
    static final int IO_DESC_SIZE = 24;
    static final int IOD_OP_FLAGS = 0;
    static final int IOD_NR_SECTORS = 4;
    static final int IOD_START_SECTOR = 8;
    static final int IOD_ADDR = 16;

    // struct ublksrv_io_cmd (16 bytes; fits the command area of a 64-byte SQE)
    static final int IO_CMD_SIZE = 16;
    static final int IOC_Q_ID = 0;
    static final int IOC_TAG = 2;
    static final int IOC_RESULT = 4;
    static final int IOC_ADDR = 8;

    // struct ublk_params: header, basic, discard (what every ublk kernel knows: 60 bytes)
    static final int PARAMS_SIZE = 60;
    static final int P_LEN = 0;
    static final int P_TYPES = 4;
    static final int PARAM_TYPE_BASIC = 1;
    static final int PARAM_TYPE_DISCARD = 1 << 1;
    static final int P_BASIC = 8;
    static final int PB_ATTRS = 0;
    static final int PB_LOGICAL_BS_SHIFT = 4;
    static final int PB_PHYSICAL_BS_SHIFT = 5;
    static final int PB_IO_OPT_SHIFT = 6;
    static final int PB_IO_MIN_SHIFT = 7;
    static final int PB_MAX_SECTORS = 8;
    static final int PB_CHUNK_SECTORS = 12;
    static final int PB_DEV_SECTORS = 16;
    static final int PB_VIRT_BOUNDARY_MASK = 24;
    static final int ATTR_READ_ONLY = 1;
    static final int ATTR_ROTATIONAL = 1 << 1;
    static final int ATTR_VOLATILE_CACHE = 1 << 2;
    static final int ATTR_FUA = 1 << 3;
    static final int P_DISCARD = 40;
    static final int PD_DISCARD_ALIGNMENT = 0;
    static final int PD_DISCARD_GRANULARITY = 4;
    static final int PD_MAX_DISCARD_SECTORS = 8;
    static final int PD_MAX_WRITE_ZEROES_SECTORS = 12;
    static final int PD_MAX_DISCARD_SEGMENTS = 16;

    static final int SECTOR_SHIFT = 9;

    private UblkAbi() {
    }

    /** {@code _IOC(direction, 'u', number, size)}. */
    static int ioc(int direction, int number, int size) {
        return direction << 30 | size << 16 | 'u' << 8 | number;
    }

    /**
     * Bytes of a queue's descriptor mapping: its depth's descriptors, rounded up to a page.
     */
    static long descriptorMappingSize(int depth, int pageSize) {
        long bytes = (long) depth * IO_DESC_SIZE;
        return (bytes + pageSize - 1) / pageSize * pageSize;
    }

    /**
     * Offset of queue {@code queue}'s descriptors in /dev/ublkcN: the kernel spaces queues by
     * the mapping size of the deepest possible queue, whatever the device's depth.
     */
    static long descriptorMappingOffset(int queue, int pageSize) {
        return CMD_BUF_OFFSET + queue * descriptorMappingSize(MAX_QUEUE_DEPTH, pageSize);
    }
}
