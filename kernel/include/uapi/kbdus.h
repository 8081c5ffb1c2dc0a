/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kbdus: block devices implemented in user space -- the user <-> kernel ABI.
 *
 * Everything a driver needs to talk to the kbdus module is in this file.
 *
 * Overview
 * --------
 * A driver opens /dev/bdus-control (needs CAP_SYS_ADMIN) and issues
 * KBDUS_IOCTL_CREATE_DEVICE (or KBDUS_IOCTL_ATTACH_TO_DEVICE).  From then on
 * the open file description *is* the driver of block device /dev/bdus-<id>.
 * It mmap()s the file (MAP_SHARED; a private mapping fails with EINVAL) to
 * reach:
 *
 *   offset 0                   slot array: max_outstanding_reqs slots of
 *                              64 bytes (union kbdus_slot), page aligned
 *                              in total (fd config field "buffers_offset")
 *   buffers_offset + i*B       payload buffer i, for
 *                              i < num_preallocated_buffers, each of
 *                              B = "buffer_size" bytes (page aligned)
 *
 * and serves requests with one ioctl per request:
 *
 *   ioctl(fd, KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM, slot_index)
 *
 * which first completes the request whose reply is in the slot (if any) and
 * then blocks until the next item is available and writes it into the same
 * slot.  A slot holds an item after a receive, and the driver turns it into
 * a reply by writing "error" (the handle fields are shared, see
 * union kbdus_slot).
 *
 * Conventions
 * -----------
 * - All integers are in the native byte order of the machine (little-endian
 *   on the supported x86-64 and arm64), explicitly sized and naturally
 *   aligned; no struct has implicit padding.  Sizes and offsets are given
 *   beside each field and checked with _Static_assert at the end of the file.
 * - Every "reserved" field of a struct the kernel reads must be zero (EINVAL
 *   otherwise; the module logs the field's name with pr_debug) and is zero
 *   when the kernel writes the struct.  Fields marked OUT or "ignored" are
 *   not read.
 * - ioctl direction bits follow asm-generic/ioctl.h: _IOR means the kernel
 *   writes the argument, _IOW means the kernel reads it.
 * - Errors are reported as -1 / errno from ioctl().
 */

#ifndef _UAPI_KBDUS_H
#define _UAPI_KBDUS_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <linux/ioctl.h>
#include <linux/types.h>
#endif

/* ABI version, reported by KBDUS_IOCTL_GET_VERSION.  A driver built against
 * major.minor works with any module of the same major and minor >= its own. */
#define KBDUS_VERSION_MAJOR 1
#define KBDUS_VERSION_MINOR 1
#define KBDUS_VERSION_PATCH 0

/* Size of one slot of the mmap'd slot array. */
#define KBDUS_SLOT_SIZE 64

/* Upper bound of device_config.max_outstanding_reqs (adjusted down). */
#define KBDUS_MAX_OUTSTANDING_REQS 256

/* Upper bound of device_config.max_read_write_size (adjusted down). */
#define KBDUS_HARD_MAX_READ_WRITE_SIZE (1u << 20)

/* Default of device_config.max_read_write_size when 0 is given. */
#define KBDUS_DEFAULT_MAX_READ_WRITE_SIZE (1u << 18)

/* Largest argument of a forwarded block-device ioctl (_IOC_SIZE). */
#define KBDUS_MAX_IOCTL_SIZE (1u << 14)

/* Largest device_config.request_timeout_ms (INT_MAX, about 24.8 days): what
 * the block layer's timeout, in jiffies, can hold for any HZ up to 1000. */
#define KBDUS_MAX_REQUEST_TIMEOUT_MS 0x7fffffffu

/* How the client opened the block device, in the arg64 of KBDUS_ITEM_IOCTL
 * items: for reading, for writing (both bits for O_RDWR). */
#define KBDUS_OPENER_READ (1u << 0)
#define KBDUS_OPENER_WRITE (1u << 1)

/* struct kbdus_version: 16 bytes. */
struct kbdus_version {
	__u32 major;    /* @0  OUT: KBDUS_VERSION_MAJOR of the module */
	__u32 minor;    /* @4  OUT */
	__u32 patch;    /* @8  OUT */
	__u32 reserved; /* @12 OUT: zero */
};

/*
 * struct kbdus_device_config: 128 bytes.  Describes one block device.
 *
 * IN on CREATE_DEVICE (then adjusted by the kernel and written back, see each
 * field), OUT on ATTACH_TO_DEVICE and GET_DEVICE_CONFIG (where only "id" is
 * read).  Boolean fields (__u8) must be 0 or 1.
 */
struct kbdus_device_config {
	/* @0 OUT on create; IN on attach / get-config.  Never reused while
	 * the module stays loaded.  The device node is /dev/bdus-<id>. */
	__u64 id;

	/* @8 Size of the device in bytes: > 0, a multiple of
	 * physical_block_size, at most the kernel's MAX_LFS_FILESIZE
	 * (2^63 - 1 on 64-bit kernels). */
	__u64 size;

	/* @16 Power of two, 512 <= v <= PAGE_SIZE. */
	__u32 logical_block_size;

	/* @20 0 (becomes logical_block_size) or a power of two with
	 * logical_block_size <= v <= PAGE_SIZE. */
	__u32 physical_block_size;

	/* @24 Largest READ/WRITE/FUA_WRITE payload: 0 (default 256 KiB) or
	 * >= PAGE_SIZE; adjusted to min(v, 1 MiB) rounded down to
	 * logical_block_size; 0 if none of those types is supported. */
	__u32 max_read_write_size;

	/* @28 Largest WRITE_ZEROES_* request: 0 (no limit) or >=
	 * logical_block_size; rounded down to logical_block_size; 0 if
	 * write-zeroes is not supported. */
	__u32 max_write_zeroes_size;

	/* @32 Largest DISCARD / SECURE_ERASE request, same rules as
	 * max_write_zeroes_size. */
	__u32 max_discard_erase_size;

	/* @36 Number of requests the device can hold at once (the blk-mq
	 * queue depth and the number of slots): >= 1, adjusted to
	 * min(v, KBDUS_MAX_OUTSTANDING_REQS). */
	__u32 max_outstanding_reqs;

	/* @40 Request timeout in milliseconds, at most
	 * KBDUS_MAX_REQUEST_TIMEOUT_MS; 0 means requests never time out.  A
	 * request that times out fails with ETIMEDOUT. */
	__u32 request_timeout_ms;

	/* @44 OUT: block device major number. */
	__u32 major;

	/* @48 OUT: block device first minor number. */
	__u32 minor;

	/* @52..@59 Which request types the driver serves.  Unsupported types
	 * never reach the driver: the kernel fails them (EOPNOTSUPP, ENOTTY
	 * for ioctls) or does not generate them. */
	__u8 supports_read;          /* @52 READ */
	__u8 supports_write;         /* @53 WRITE */
	__u8 supports_write_zeroes;  /* @54 WRITE_ZEROES_NO_UNMAP/_MAY_UNMAP */
	__u8 supports_fua_write;     /* @55 FUA_WRITE; needs supports_flush */
	__u8 supports_flush;         /* @56 FLUSH (volatile write cache) */
	__u8 supports_discard;       /* @57 DISCARD */
	__u8 supports_secure_erase;  /* @58 SECURE_ERASE */
	__u8 supports_ioctl;         /* @59 IOCTL (forwarded from the bdev) */

	/* @60 The device is read-only for clients (also implied when no
	 * write-type request is supported). */
	__u8 read_only;

	/* @61 The device reports itself as rotational. */
	__u8 rotational;

	/* @62 The block layer may merge adjacent requests. */
	__u8 merge_requests;

	/* @63 The kernel scans the device for partitions (256 minors). */
	__u8 enable_partition_scanning;

	/* @64 The device survives its driver: when the driver goes away
	 * without terminating it, queued and unanswered requests wait for
	 * the next driver (KBDUS_IOCTL_ATTACH_TO_DEVICE). */
	__u8 recoverable;

	/* @65 With request_timeout_ms != 0: whether requests also time out
	 * while a recoverable device has no driver.  0 (the default) parks
	 * them without a deadline until a driver attaches. */
	__u8 timeout_while_detached;

	__u8 reserved_1[2];  /* @66 must be zero */
	__u8 reserved_2[60]; /* @68 must be zero */
};

/*
 * struct kbdus_fd_config: 128 bytes.  Describes the shared memory of one
 * driver (file description).  IN/OUT on CREATE_DEVICE and ATTACH_TO_DEVICE.
 */
struct kbdus_fd_config {
	/* @0 IN/OUT: number of payload buffers in the mmap area; adjusted to
	 * min(v, max_outstanding_reqs). */
	__u32 num_preallocated_buffers;

	/* @4 OUT: size of each payload buffer (page aligned; large enough for
	 * max_read_write_size and, if ioctls are supported,
	 * KBDUS_MAX_IOCTL_SIZE). */
	__u32 buffer_size;

	/* @8 OUT: mmap offset of payload buffer 0 (= page-aligned size of the
	 * slot array). */
	__u64 buffers_offset;

	__u8 reserved[112]; /* @16 must be zero */
};

/* struct kbdus_device_and_fd_config: 256 bytes; argument of CREATE and
 * ATTACH. */
struct kbdus_device_and_fd_config {
	struct kbdus_device_config device; /* @0 */
	struct kbdus_fd_config fd;         /* @128 */
};

/* struct kbdus_path_to_id: 16 bytes; argument of DEVICE_PATH_TO_ID. */
struct kbdus_path_to_id {
	/* @0 IN: user pointer to a NUL-terminated path of a bdus block device
	 * (symlinks are followed). */
	__u64 path;
	/* @8 OUT: the device's id. */
	__u64 id;
};

/*
 * Item types (kbdus_item.type).
 *
 * Notifications have handle_index == 0 and need no reply (replying to them
 * is a no-op).  For requests, "offset" (arg64) and "length" (arg32) are in
 * bytes and multiples of logical_block_size.
 */
enum kbdus_item_type {
	/* The device is available to clients (sent once per driver, before
	 * anything but partition-scan requests; first item after attach). */
	KBDUS_ITEM_DEVICE_AVAILABLE = 0,
	/* Stop: close the file description.  Repeated on every receive. */
	KBDUS_ITEM_TERMINATE = 1,
	/* Flush all data, then close (sent once, to a driver being replaced,
	 * if the device supports flush; TERMINATE follows).  It is a barrier:
	 * once it has been received, that driver's replies to write-type
	 * requests (WRITE, FUA_WRITE, WRITE_ZEROES_*, DISCARD, SECURE_ERASE)
	 * are not acknowledged to the client, since the flush may not cover
	 * them.  SEND_REPLY succeeds, but the request stays pending and is
	 * delivered again, with the same handle, to the next driver.  Replies
	 * to READ, FLUSH and IOCTL requests complete them as usual. */
	KBDUS_ITEM_FLUSH_AND_TERMINATE = 2,
	/* Read arg32 bytes at arg64 into the payload buffer. */
	KBDUS_ITEM_READ = 3,
	/* Write the arg32 bytes of the payload buffer at arg64. */
	KBDUS_ITEM_WRITE = 4,
	/* Zero arg32 bytes at arg64; the range must stay allocated. */
	KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP = 5,
	/* Zero arg32 bytes at arg64; the range may be deallocated. */
	KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP = 6,
	/* Like WRITE, and the data must be durable when the reply is sent. */
	KBDUS_ITEM_FUA_WRITE = 7,
	/* Make all completed writes durable. */
	KBDUS_ITEM_FLUSH = 8,
	/* Discard arg32 bytes at arg64 (contents then unspecified). */
	KBDUS_ITEM_DISCARD = 9,
	/* Securely erase arg32 bytes at arg64. */
	KBDUS_ITEM_SECURE_ERASE = 10,
	/* A block-device ioctl; arg32 is the command and arg64 holds
	 * KBDUS_OPENER_READ / KBDUS_OPENER_WRITE, how the caller opened the
	 * block device.  If _IOC_DIR(cmd) has _IOC_WRITE, the payload buffer
	 * holds the caller's _IOC_SIZE(cmd) argument bytes; if it has
	 * _IOC_READ, the driver writes the result there and it is copied back
	 * to the caller when error == 0.  A command whose _IOC_DIR has
	 * _IOC_WRITE, from a caller that did not open the device for
	 * writing, fails with EBADF and never reaches the driver. */
	KBDUS_ITEM_IOCTL = 11,
};

/*
 * struct kbdus_item: 64 bytes; a slot after a receive.
 *
 * Before receiving, the driver chooses where the payload goes by setting
 * use_preallocated_buffer and user_ptr_or_buffer_index in the slot.  A
 * receive writes every other field.
 */
struct kbdus_item {
	/* @0 IN (set by the driver before receiving): payload buffer index
	 * if use_preallocated_buffer, else a user address of a buffer of at
	 * least max_read_write_size (or KBDUS_MAX_IOCTL_SIZE) bytes. */
	__u64 user_ptr_or_buffer_index;
	/* @8 OUT: handle sequence number (with handle_index, identifies the
	 * request; a reply with an old seqnum is silently ignored). */
	__u64 handle_seqnum;
	/* @16 OUT: handle index, 1..max_outstanding_reqs; 0 for
	 * notifications. */
	__u16 handle_index;
	/* @18 IN: 1 = use a preallocated (mmap'd) buffer, 0 = user address;
	 * other values: EINVAL. */
	__u8 use_preallocated_buffer;
	/* @19 OUT: enum kbdus_item_type. */
	__u8 type;
	/* @20 OUT: length in bytes, or the ioctl command. */
	__u32 arg32;
	/* @24 OUT: offset in bytes; for IOCTL items the caller's
	 * KBDUS_OPENER_* bits. */
	__u64 arg64;
	/* @32 OUT: zero (written on every receive, so that the slot is a
	 * valid reply afterwards). */
	__u8 reserved[32];
};

/*
 * struct kbdus_reply: 64 bytes; a slot before a send-reply.  The first 19
 * bytes are shared with struct kbdus_item, so after a receive only "error"
 * needs to be written (and the payload, for READ and ioctls).  Bytes 19 and
 * 24..31 still hold the item's type and arg64 then: they are ignored.
 */
struct kbdus_reply {
	__u64 user_ptr_or_buffer_index; /* @0  where the payload is */
	__u64 handle_seqnum;            /* @8  from the item */
	__u16 handle_index;             /* @16 from the item; 0 = no reply */
	__u8 use_preallocated_buffer;   /* @18 0 or 1, as in kbdus_item */
	__u8 ignored_1;                 /* @19 ignored (the item's type) */
	/* @20 0 or a positive errno.  For I/O requests ENOLINK, ENOSPC and
	 * ETIMEDOUT reach the client, anything else becomes EIO.  For ioctls
	 * 1..133 except ENOSYS pass through, others become EIO. */
	__s32 error;
	__u64 ignored_2;                /* @24 ignored (the item's arg64) */
	__u8 reserved[32];              /* @32 must be zero */
};

/* union kbdus_slot: 64 bytes; one element of the mmap'd slot array. */
union kbdus_slot {
	struct kbdus_item item;
	struct kbdus_reply reply;
};

/* ------------------------------------------------------------------ ioctls */

#define KBDUS_IOCTL_TYPE 0xbd

/* Get the module's ABI version.  Never fails (EFAULT aside). */
#define KBDUS_IOCTL_GET_VERSION _IOR(KBDUS_IOCTL_TYPE, 0, struct kbdus_version)

/* Create a device and make this fd its driver.  CAP_SYS_ADMIN.
 * EINVAL: bad config, or fd already a driver.  ENOSPC: max_devices reached. */
#define KBDUS_IOCTL_CREATE_DEVICE \
	_IOWR(KBDUS_IOCTL_TYPE, 1, struct kbdus_device_and_fd_config)

/* Make this fd the driver of existing device device.id (replace or recover).
 * A current driver gets FLUSH_AND_TERMINATE and this call waits until it
 * closes; requests it left unanswered are then delivered again.  The device
 * config is read-only here: only device.id and the fd config are read.
 * A recoverable device whose driver died before it became available can be
 * attached to at once; DEVICE_AVAILABLE then comes when it is.
 * CAP_SYS_ADMIN.  EINVAL: fd already a driver, or id never existed.
 * ENODEV: device gone (or destroyed while replacing a failed driver).
 * EBUSY: device not yet available (and its first driver still there).
 * EINPROGRESS: another attach is waiting.  EINTR: killed (only a fatal
 * signal interrupts the wait for the old driver, which has then already
 * been told to terminate). */
#define KBDUS_IOCTL_ATTACH_TO_DEVICE \
	_IOWR(KBDUS_IOCTL_TYPE, 2, struct kbdus_device_and_fd_config)

/* The driver asks to stop.  A non-recoverable device is terminated (pending
 * requests fail with EIO); a recoverable one keeps its requests for the next
 * driver.  This fd then only receives TERMINATE.  EINVAL: not a driver. */
#define KBDUS_IOCTL_TERMINATE _IO(KBDUS_IOCTL_TYPE, 3)

/* Mark the driver successful: when it closes, a non-recoverable device is
 * destroyed cleanly rather than terminated with errors. */
#define KBDUS_IOCTL_MARK_AS_SUCCESSFUL _IO(KBDUS_IOCTL_TYPE, 4)

/* Translate a block device path into a device id.  CAP_SYS_ADMIN.
 * ENOTBLK: not a block device.  EINVAL: not a bdus device.  ECHILD: a
 * partition.  ENODEV: no such device.  Path lookup errors as for stat(). */
#define KBDUS_IOCTL_DEVICE_PATH_TO_ID \
	_IOWR(KBDUS_IOCTL_TYPE, 5, struct kbdus_path_to_id)

/* Get the (adjusted) config of device "id".  CAP_SYS_ADMIN.
 * EINVAL: id never existed.  ENODEV: device gone. */
#define KBDUS_IOCTL_GET_DEVICE_CONFIG \
	_IOWR(KBDUS_IOCTL_TYPE, 6, struct kbdus_device_config)

/* Write back the device's page cache and send it a flush.  Argument: the id
 * (__u64).  CAP_SYS_ADMIN.  EINVAL / ENODEV as above, EIO on failure. */
#define KBDUS_IOCTL_FLUSH_DEVICE _IOW(KBDUS_IOCTL_TYPE, 7, __u64)

/* Start destroying a device (even a recoverable one): pending and future
 * requests fail with EIO, the driver receives TERMINATE, and the device is
 * removed when the driver closes (at once if it has none).  Does not flush.
 * Argument: the id.  CAP_SYS_ADMIN.  A gone device is a success. */
#define KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION _IOW(KBDUS_IOCTL_TYPE, 8, __u64)

/* Wait until a device is destroyed and its driver's file is fully released
 * (so that the module can be unloaded right after, if nothing else holds
 * it).  Argument: the id.  CAP_SYS_ADMIN.  EINVAL: id never existed.
 * EINTR. */
#define KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED \
	_IOW(KBDUS_IOCTL_TYPE, 9, __u64)

/* Data plane.  The argument is a slot index (an integer, not a pointer),
 * < max_outstanding_reqs.  They need no capability. */

/* Block until an item is available and write it into the slot.
 * EINVAL: bad slot, payload buffer or use_preallocated_buffer.  EFAULT:
 * payload copy failed (the request stays queued).  EINTR: nothing was
 * received.  A thread killed while waiting here (fatal signal) gives the
 * device up at once, as if the driver had closed it without
 * MARK_AS_SUCCESSFUL: a non-recoverable device is terminated, a recoverable
 * one waits for ATTACH.  So a dying driver whose other threads are stuck in
 * I/O on its own device does not keep the device forever. */
#define KBDUS_IOCTL_RECEIVE_ITEM _IO(KBDUS_IOCTL_TYPE, 10)

/* Complete the request whose reply is in the slot.  A reply with
 * handle_index 0 or an outdated handle_seqnum is ignored.  EINVAL: bad
 * handle index, the request is not awaiting a reply, use_preallocated_buffer
 * is not 0 or 1, or "reserved" is not zero (the request stays pending).
 * EFAULT: payload copy failed (the request stays pending).  After
 * FLUSH_AND_TERMINATE, replies to write-type requests succeed but leave them
 * pending for the next driver (see KBDUS_ITEM_FLUSH_AND_TERMINATE). */
#define KBDUS_IOCTL_SEND_REPLY _IO(KBDUS_IOCTL_TYPE, 11)

/* SEND_REPLY then RECEIVE_ITEM on the same slot.  On EINTR the reply was
 * already sent; retrying is safe (the repeated reply is ignored). */
#define KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM _IO(KBDUS_IOCTL_TYPE, 12)

/* ------------------------------------------------------------ layout checks */

#ifndef __cplusplus
#define KBDUS_ASSERT_SIZE_(type, size) \
	_Static_assert(sizeof(type) == (size), #type " has the wrong size")
KBDUS_ASSERT_SIZE_(struct kbdus_version, 16);
KBDUS_ASSERT_SIZE_(struct kbdus_device_config, 128);
KBDUS_ASSERT_SIZE_(struct kbdus_fd_config, 128);
KBDUS_ASSERT_SIZE_(struct kbdus_device_and_fd_config, 256);
KBDUS_ASSERT_SIZE_(struct kbdus_path_to_id, 16);
KBDUS_ASSERT_SIZE_(struct kbdus_item, KBDUS_SLOT_SIZE);
KBDUS_ASSERT_SIZE_(struct kbdus_reply, KBDUS_SLOT_SIZE);
KBDUS_ASSERT_SIZE_(union kbdus_slot, KBDUS_SLOT_SIZE);
#undef KBDUS_ASSERT_SIZE_
#endif

#endif /* _UAPI_KBDUS_H */
