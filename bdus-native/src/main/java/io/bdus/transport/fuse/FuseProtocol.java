package io.bdus.transport.fuse;

/**
 * The parts of the {@code /dev/fuse} protocol (Linux {@code include/uapi/linux/fuse.h}) this
 * transport speaks. Offsets are in bytes from the start of each structure; every field is
 * little-endian (native order on x86-64 and arm64). A request is {@code fuse_in_header}
 * followed by the opcode's argument; a reply is {@code fuse_out_header} followed by the
 * opcode's result.
 */
final class FuseProtocol {

    static final int KERNEL_VERSION = 7;

    /** Highest minor version this server speaks; the session uses min(this, kernel's). */
    static final int MAX_MINOR = 41;

    /** The minor version a session speaks when it serves over io_uring (7.42 brought it). */
    static final int URING_MINOR = 42;

    /** Lowest minor we accept: 7.28 (Linux 4.20) brought max_pages. */
    static final int MIN_MINOR = 28;

    static final long ROOT_ID = 1;

    /** Every read of /dev/fuse needs a buffer at least this big. */
    static final int MIN_READ_BUFFER = 8192;

    // struct fuse_in_header (40 bytes)
    static final int IN_HEADER_SIZE = 40;
    static final int IN_LEN = 0; // u32 total length including header
    static final int IN_OPCODE = 4; // u32
    static final int IN_UNIQUE = 8; // u64
    static final int IN_NODEID = 16; // u64
    static final int IN_UID = 24; // u32
    static final int IN_GID = 28; // u32
    static final int IN_PID = 32; // u32
    static final int IN_TOTAL_EXTLEN = 36; // u16, in units of 8 bytes (7.38+)

    // struct fuse_out_header (16 bytes)
    static final int OUT_HEADER_SIZE = 16;
    static final int OUT_LEN = 0; // u32 total length including header
    static final int OUT_ERROR = 4; // s32, 0 or -errno
    static final int OUT_UNIQUE = 8; // u64

    // opcodes
    static final int FUSE_LOOKUP = 1;
    static final int FUSE_FORGET = 2; // no reply
    static final int FUSE_GETATTR = 3;
    static final int FUSE_SETATTR = 4;
    static final int FUSE_OPEN = 14;
    static final int FUSE_READ = 15;
    static final int FUSE_WRITE = 16;
    static final int FUSE_STATFS = 17;
    static final int FUSE_RELEASE = 18;
    static final int FUSE_FSYNC = 20;
    static final int FUSE_FLUSH = 25;
    static final int FUSE_INIT = 26;
    static final int FUSE_ACCESS = 34;
    static final int FUSE_INTERRUPT = 36; // no reply needed
    static final int FUSE_DESTROY = 38;
    static final int FUSE_BATCH_FORGET = 42; // no reply
    static final int FUSE_FALLOCATE = 43;

    // struct fuse_init_in: major, minor, max_readahead, flags (16 bytes up to 7.35),
    // then flags2 and unused[11] (64 bytes from 7.36)
    static final int INIT_IN_MAJOR = 0;
    static final int INIT_IN_MINOR = 4;
    static final int INIT_IN_MAX_READAHEAD = 8;
    static final int INIT_IN_FLAGS = 12;
    static final int INIT_IN_FLAGS2 = 16;

    // struct fuse_init_out: 24 bytes up to 7.22 (FUSE_COMPAT_22_INIT_OUT_SIZE), 64 from 7.23
    static final int INIT_OUT_MAJOR = 0; // u32
    static final int INIT_OUT_MINOR = 4; // u32
    static final int INIT_OUT_MAX_READAHEAD = 8; // u32
    static final int INIT_OUT_FLAGS = 12; // u32
    static final int INIT_OUT_MAX_BACKGROUND = 16; // u16 (7.13)
    static final int INIT_OUT_CONGESTION_THRESHOLD = 18; // u16 (7.13)
    static final int INIT_OUT_MAX_WRITE = 20; // u32
    static final int INIT_OUT_TIME_GRAN = 24; // u32 (7.23)
    static final int INIT_OUT_MAX_PAGES = 28; // u16 (7.28)
    static final int INIT_OUT_MAP_ALIGNMENT = 30; // u16
    static final int INIT_OUT_FLAGS2 = 32; // u32 (7.36)
    static final int INIT_OUT_SIZE = 64;
    static final int INIT_OUT_COMPAT_22_SIZE = 24;

    // INIT flags
    static final int FUSE_ASYNC_READ = 1 << 0;
    static final int FUSE_BIG_WRITES = 1 << 5;
    static final int FUSE_ASYNC_DIO = 1 << 15;
    static final int FUSE_MAX_PAGES = 1 << 22;
    /** {@code flags2} of fuse_init_in/out is valid (7.36). */
    static final int FUSE_INIT_EXT = 1 << 30;
    /** {@code FUSE_OVER_IO_URING} (bit 41 of the 64-bit flags): bit 9 of {@code flags2} (7.42). */
    static final int FUSE_OVER_IO_URING_FLAGS2 = 1 << (41 - 32);

    // FUSE over io_uring (7.42). Each ring entry has a header area, struct fuse_uring_req_header:
    // in_out[128] holds fuse_in_header on fetch and fuse_out_header on commit, op_in[128] the
    // opcode's first argument, then struct fuse_uring_ent_in_out; everything else (a WRITE's
    // data, every reply argument) travels in the entry's payload buffer.
    static final int URING_IN_OUT = 0;
    static final int URING_OP_IN = 128;
    static final int URING_OP_IN_SIZE = 128;
    static final int URING_ENT_IN_OUT = 256;
    static final int URING_ENT_FLAGS = URING_ENT_IN_OUT; // u64
    static final int URING_ENT_COMMIT_ID = URING_ENT_IN_OUT + 8; // u64
    static final int URING_ENT_PAYLOAD_SZ = URING_ENT_IN_OUT + 16; // u32
    static final int URING_HEADER_SIZE = 288;
    /** The kernel wants the payload buffer at least this big, and at least max_write. */
    static final int URING_MIN_PAYLOAD = MIN_READ_BUFFER;
    /** enum fuse_uring_cmd, the {@code cmd_op} of the URING_CMD entries. */
    static final int FUSE_IO_URING_CMD_REGISTER = 1;
    static final int FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2;
    // struct fuse_uring_cmd_req (24 bytes) in the SQE128 command area
    static final int URING_CMD_FLAGS = 0; // u64
    static final int URING_CMD_COMMIT_ID = 8; // u64
    static final int URING_CMD_QID = 16; // u16
    /** A REGISTER entry's iovec count: header area, then payload. */
    static final int URING_IOV_SEGS = 2;

    // struct fuse_attr (88 bytes)
    static final int ATTR_INO = 0; // u64
    static final int ATTR_SIZE = 8; // u64
    static final int ATTR_BLOCKS = 16; // u64, 512-byte units
    static final int ATTR_ATIME = 24; // u64
    static final int ATTR_MTIME = 32; // u64
    static final int ATTR_CTIME = 40; // u64
    static final int ATTR_MODE = 60; // u32 (after atimensec, mtimensec, ctimensec)
    static final int ATTR_NLINK = 64; // u32
    static final int ATTR_UID = 68; // u32
    static final int ATTR_GID = 72; // u32
    static final int ATTR_RDEV = 76; // u32
    static final int ATTR_BLKSIZE = 80; // u32 (7.9)
    static final int ATTR_FLAGS = 84; // u32
    static final int ATTR_SIZE_OF = 88;

    // struct fuse_attr_out: attr_valid u64, attr_valid_nsec u32, dummy u32, fuse_attr
    static final int ATTR_OUT_VALID = 0;
    static final int ATTR_OUT_VALID_NSEC = 8;
    static final int ATTR_OUT_ATTR = 16;
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE_OF; // 104

    // struct fuse_setattr_in (88 bytes)
    static final int SETATTR_IN_VALID = 0; // u32
    static final int SETATTR_IN_SIZE = 16; // u64
    static final int FATTR_MODE = 1 << 0;
    static final int FATTR_UID = 1 << 1;
    static final int FATTR_GID = 1 << 2;
    static final int FATTR_SIZE = 1 << 3;
    static final int FATTR_ATIME = 1 << 4;
    static final int FATTR_MTIME = 1 << 5;
    static final int FATTR_FH = 1 << 6;
    static final int FATTR_LOCKOWNER = 1 << 9;
    /** Bits that name no attribute but only say which other fields are valid. */
    static final int FATTR_HARMLESS = FATTR_FH | FATTR_LOCKOWNER;

    // struct fuse_open_in: flags u32, open_flags u32
    static final int OPEN_IN_FLAGS = 0;

    // struct fuse_open_out: fh u64, open_flags u32, backing_id s32 (16 bytes)
    static final int OPEN_OUT_FH = 0;
    static final int OPEN_OUT_FLAGS = 8;
    static final int OPEN_OUT_SIZE = 16;
    static final int FOPEN_DIRECT_IO = 1 << 0;
    static final int FOPEN_NOFLUSH = 1 << 5; // 7.29+: close(2) sends no FLUSH
    static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6; // 7.36+

    // struct fuse_read_in / fuse_write_in (40 bytes each from 7.9; write_in was 24 before)
    static final int RW_IN_FH = 0; // u64
    static final int RW_IN_OFFSET = 8; // u64
    static final int RW_IN_SIZE = 16; // u32
    static final int RW_IN_RW_FLAGS = 20; // u32 read_flags / write_flags
    static final int RW_IN_FLAGS = 32; // u32 open flags of the file
    static final int WRITE_IN_SIZE = 40;

    // struct fuse_write_out: size u32, padding u32
    static final int WRITE_OUT_SIZE = 8;

    // struct fuse_fsync_in: fh u64, fsync_flags u32, padding u32
    static final int FSYNC_IN_FLAGS = 8;

    // struct fuse_fallocate_in: fh u64, offset u64, length u64, mode u32, padding u32
    static final int FALLOCATE_IN_OFFSET = 8;
    static final int FALLOCATE_IN_LENGTH = 16;
    static final int FALLOCATE_IN_MODE = 24;

    // struct fuse_kstatfs / fuse_statfs_out (80 bytes)
    static final int STATFS_BLOCKS = 0; // u64
    static final int STATFS_BFREE = 8; // u64
    static final int STATFS_BAVAIL = 16; // u64
    static final int STATFS_FILES = 24; // u64
    static final int STATFS_FFREE = 32; // u64
    static final int STATFS_BSIZE = 40; // u32
    static final int STATFS_NAMELEN = 44; // u32
    static final int STATFS_FRSIZE = 48; // u32
    static final int STATFS_OUT_SIZE = 80;

    // fallocate(2) modes the kernel forwards
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;
    static final int FALLOC_FL_WRITE_ZEROES = 0x80; // Linux 6.17+

    static final int O_ACCMODE = 3;
    static final int O_DSYNC = 010000;
    static final int O_SYNC = 04010000;

    static final int S_IFREG = 0100000;

    /** {@code FUSE_DEV_IOC_CLONE = _IOR(229, 0, uint32_t)}: attach a new fd to a session. */
    static final long FUSE_DEV_IOC_CLONE = (2L << 30) | (4L << 16) | (229L << 8);

    private FuseProtocol() {
    }
}
