/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, and nothing else.
 *
 * The module is written against the Linux 6.1 block API and is built and
 * tested against Debian's 6.1, 6.12 and newest 7.x kernels.  Everything that
 * changed between them is wrapped here, so that no other file needs an #if.
 * Each branch names the upstream change and the release that brought it:
 *
 *   6.5   "block: replace fmode_t with a block-specific type for block open
 *         flags": ->ioctl takes a blk_mode_t (BLK_OPEN_*), not an fmode_t;
 *   6.5   "block: pass a gendisk to ->open" and "block: remove the unused
 *         mode argument to ->release";
 *   6.9   "block: pass a queue_limits argument to blk_mq_alloc_disk": limits
 *         are passed at allocation instead of set on the queue afterwards;
 *   6.11  "block: move cache control settings out of queue->flags" and
 *         "block: move the nonrot flag to queue_limits": write cache, FUA
 *         and rotational become BLK_FEAT_* features in the queue limits;
 *   6.14  "block: remove BLK_MQ_F_SHOULD_MERGE": blk-mq always tries to
 *         merge unless QUEUE_FLAG_NOMERGES is set.
 */
#ifndef KBDUS_COMPAT_H
#define KBDUS_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "kbdus needs Linux 6.1 or later"
#endif

/* ------------------------------------------------ open modes (6.5) */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
typedef blk_mode_t kbdus_blk_mode_t;
#define KBDUS_MODE_READ BLK_OPEN_READ
#define KBDUS_MODE_WRITE BLK_OPEN_WRITE
#else
typedef fmode_t kbdus_blk_mode_t;
#define KBDUS_MODE_READ FMODE_READ
#define KBDUS_MODE_WRITE FMODE_WRITE
#endif

/* Whether the block device was opened for reading / writing. */
static inline bool kbdus_mode_readable(kbdus_blk_mode_t mode)
{
	return mode & KBDUS_MODE_READ;
}

static inline bool kbdus_mode_writable(kbdus_blk_mode_t mode)
{
	return mode & KBDUS_MODE_WRITE;
}

/* --------------------------------------- ->open / ->release (6.5) */

/* Version-neutral hooks, in device.c. */
int kbdus_bdev_opened(struct gendisk *disk);
void kbdus_bdev_closed(struct gendisk *disk);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline int kbdus_compat_open(struct gendisk *disk, blk_mode_t mode)
{
	return kbdus_bdev_opened(disk);
}

static inline void kbdus_compat_release(struct gendisk *disk)
{
	kbdus_bdev_closed(disk);
}
#else
static inline int kbdus_compat_open(struct block_device *bdev, fmode_t mode)
{
	return kbdus_bdev_opened(bdev->bd_disk);
}

static inline void kbdus_compat_release(struct gendisk *disk, fmode_t mode)
{
	kbdus_bdev_closed(disk);
}
#endif

/* -------------------------------------------- tag set flags (6.14) */

/* Tag set flags that let the block layer merge requests. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define KBDUS_MQ_F_MERGE 0
#else
#define KBDUS_MQ_F_MERGE BLK_MQ_F_SHOULD_MERGE
#endif

/* ------------------------------- queue limits (6.9) and features (6.11) */

/* Version-neutral description of a device's queue limits and features. */
struct kbdus_queue_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int max_hw_sectors;
	unsigned int max_write_zeroes_sectors;
	unsigned int max_discard_sectors;
	unsigned int max_secure_erase_sectors;
	bool write_cache;
	bool fua;
	bool rotational;
	bool merge;
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
static inline void kbdus_fill_limits_(struct queue_limits *lim,
				      const struct kbdus_queue_limits *l)
{
	lim->logical_block_size = l->logical_block_size;
	lim->physical_block_size = l->physical_block_size;
	lim->max_hw_sectors = l->max_hw_sectors;
	lim->max_write_zeroes_sectors = l->max_write_zeroes_sectors;
	lim->max_hw_discard_sectors = l->max_discard_sectors;
	lim->max_secure_erase_sectors = l->max_secure_erase_sectors;
	if (l->max_discard_sectors || l->max_secure_erase_sectors)
		lim->discard_granularity = l->logical_block_size;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	if (l->write_cache)
		lim->features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim->features |= BLK_FEAT_FUA;
	if (l->rotational)
		lim->features |= BLK_FEAT_ROTATIONAL;
#endif
}
#else
static inline void kbdus_set_limits_(struct request_queue *q,
				     const struct kbdus_queue_limits *l)
{
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_write_zeroes_sectors(q, l->max_write_zeroes_sectors);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	blk_queue_max_secure_erase_sectors(q, l->max_secure_erase_sectors);
	if (l->max_discard_sectors || l->max_secure_erase_sectors)
		q->limits.discard_granularity = l->logical_block_size;
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
static inline void kbdus_set_flags_(struct request_queue *q,
				    const struct kbdus_queue_limits *l)
{
	blk_queue_write_cache(q, l->write_cache, l->fua);
	if (l->rotational)
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
}
#endif

/* Allocate a disk (and its queue) for @set with limits @l. */
static inline struct gendisk *
kbdus_alloc_disk(struct blk_mq_tag_set *set, const struct kbdus_queue_limits *l,
		 void *queuedata)
{
	struct gendisk *disk;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct queue_limits lim = {};

	kbdus_fill_limits_(&lim, l);
	disk = blk_mq_alloc_disk(set, &lim, queuedata);
#else
	disk = blk_mq_alloc_disk(set, queuedata);
	if (!IS_ERR(disk))
		kbdus_set_limits_(disk->queue, l);
#endif
	if (IS_ERR(disk))
		return disk;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	kbdus_set_flags_(disk->queue, l);
#endif
	if (!l->merge)
		blk_queue_flag_set(QUEUE_FLAG_NOMERGES, disk->queue);
	return disk;
}

#endif /* KBDUS_COMPAT_H */
