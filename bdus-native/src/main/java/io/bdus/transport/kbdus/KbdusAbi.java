package io.bdus.transport.kbdus;

/**
 * Layouts and numbers of the kbdus module's user ABI, mirrored from
 * {@code kernel/include/uapi/kbdus.h} (the single source of truth; a test compiles a C
 * program against that header and compares every offset and size with these).
 */
final class KbdusAbi {

    static final String CONTROL_PATH = "/dev/bdus-control";

    static final String DEVICE_PATH_PREFIX = "/dev/bdus-";

    static final int VERSION_MAJOR = 1;

    static final int VERSION_MINOR = 1;

    static final int SLOT_SIZE = 64;

    static final int MAX_OUTSTANDING_REQS = 256;

    // struct kbdus_version (16 bytes)
    static final int VERSION_SIZE = 16;
    static final int VERSION_MAJOR_OFFSET = 0;
    static final int VERSION_MINOR_OFFSET = 4;
    static final int VERSION_PATCH_OFFSET = 8;

    // struct kbdus_device_config (128 bytes)
    static final int DEVICE_CONFIG_SIZE = 128;
    static final int DC_ID = 0;
    static final int DC_SIZE = 8;
    static final int DC_LOGICAL_BLOCK_SIZE = 16;
    static final int DC_PHYSICAL_BLOCK_SIZE = 20;
    static final int DC_MAX_READ_WRITE_SIZE = 24;
    static final int DC_MAX_WRITE_ZEROES_SIZE = 28;
    static final int DC_MAX_DISCARD_ERASE_SIZE = 32;
    static final int DC_MAX_OUTSTANDING_REQS = 36;
    static final int DC_REQUEST_TIMEOUT_MS = 40;
    static final int DC_MAJOR = 44;
    static final int DC_MINOR = 48;
    static final int DC_SUPPORTS_READ = 52;
    static final int DC_SUPPORTS_WRITE = 53;
    static final int DC_SUPPORTS_WRITE_ZEROES = 54;
    static final int DC_SUPPORTS_FUA_WRITE = 55;
    static final int DC_SUPPORTS_FLUSH = 56;
    static final int DC_SUPPORTS_DISCARD = 57;
    static final int DC_SUPPORTS_SECURE_ERASE = 58;
    static final int DC_SUPPORTS_IOCTL = 59;
    static final int DC_READ_ONLY = 60;
    static final int DC_ROTATIONAL = 61;
    static final int DC_MERGE_REQUESTS = 62;
    static final int DC_ENABLE_PARTITION_SCANNING = 63;
    static final int DC_RECOVERABLE = 64;
    static final int DC_TIMEOUT_WHILE_DETACHED = 65;

    // struct kbdus_fd_config (128 bytes), after the device config in
    // struct kbdus_device_and_fd_config (256 bytes)
    static final int DEVICE_AND_FD_CONFIG_SIZE = 256;
    static final int FD_CONFIG = 128;
    static final int FC_NUM_PREALLOCATED_BUFFERS = 0;
    static final int FC_BUFFER_SIZE = 4;
    static final int FC_BUFFERS_OFFSET = 8;

    // struct kbdus_item / struct kbdus_reply (one 64-byte slot)
    static final int SLOT_USER_PTR_OR_BUFFER_INDEX = 0;
    static final int SLOT_HANDLE_SEQNUM = 8;
    static final int SLOT_HANDLE_INDEX = 16;
    static final int SLOT_USE_PREALLOCATED_BUFFER = 18;
    static final int ITEM_TYPE = 19;
    static final int ITEM_ARG32 = 20;
    static final int ITEM_ARG64 = 24;
    static final int REPLY_ERROR = 20;
    // bytes 32..63 of a reply must be zero; a receive leaves them so
    static final int REPLY_RESERVED = 32;

    // enum kbdus_item_type
    static final int ITEM_DEVICE_AVAILABLE = 0;
    static final int ITEM_TERMINATE = 1;
    static final int ITEM_FLUSH_AND_TERMINATE = 2;
    static final int ITEM_READ = 3;
    static final int ITEM_WRITE = 4;
    static final int ITEM_WRITE_ZEROES_NO_UNMAP = 5;
    static final int ITEM_WRITE_ZEROES_MAY_UNMAP = 6;
    static final int ITEM_FUA_WRITE = 7;
    static final int ITEM_FLUSH = 8;
    static final int ITEM_DISCARD = 9;
    static final int ITEM_SECURE_ERASE = 10;
    static final int ITEM_IOCTL = 11;

    static final int MAX_IOCTL_SIZE = 1 << 14;

    static final long MAX_REQUEST_TIMEOUT_MS = 0x7fffffffL;

    // arg64 of an IOCTL item: how the caller opened the block device
    static final int OPENER_READ = 1;
    static final int OPENER_WRITE = 1 << 1;

    // ioctl numbers: asm-generic/ioctl.h encoding, type 0xbd
    static final long IOCTL_GET_VERSION = ior(0, VERSION_SIZE);
    static final long IOCTL_CREATE_DEVICE = iowr(1, DEVICE_AND_FD_CONFIG_SIZE);
    static final long IOCTL_ATTACH_TO_DEVICE = iowr(2, DEVICE_AND_FD_CONFIG_SIZE);
    static final long IOCTL_TERMINATE = io(3);
    static final long IOCTL_MARK_AS_SUCCESSFUL = io(4);
    static final long IOCTL_DEVICE_PATH_TO_ID = iowr(5, 16);
    static final long IOCTL_GET_DEVICE_CONFIG = iowr(6, DEVICE_CONFIG_SIZE);
    static final long IOCTL_FLUSH_DEVICE = iow(7, 8);
    static final long IOCTL_TRIGGER_DEVICE_DESTRUCTION = iow(8, 8);
    static final long IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED = iow(9, 8);
    static final long IOCTL_RECEIVE_ITEM = io(10);
    static final long IOCTL_SEND_REPLY = io(11);
    static final long IOCTL_SEND_REPLY_AND_RECEIVE_ITEM = io(12);

    private static final int TYPE = 0xbd;

    /** {@code _IOC_WRITE}: the caller passes input (asm-generic/ioctl.h). */
    static final int IOC_WRITE = 1;

    /** {@code _IOC_READ}: the caller gets output. */
    static final int IOC_READ = 2;

    private KbdusAbi() {
    }

    private static long io(int nr) {
        return encode(0, nr, 0);
    }

    private static long ior(int nr, int size) {
        return encode(IOC_READ, nr, size);
    }

    private static long iow(int nr, int size) {
        return encode(IOC_WRITE, nr, size);
    }

    private static long iowr(int nr, int size) {
        return encode(IOC_READ | IOC_WRITE, nr, size);
    }

    /** {@code _IOC(dir, type, nr, size)}: dir in bits 30-31, size 16-29, type 8-15, nr 0-7. */
    static long encode(int direction, int nr, int size) {
        return ((long) direction << 30) | ((long) size << 16) | ((long) TYPE << 8) | nr;
    }
}
