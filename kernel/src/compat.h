/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, and nothing else.
 *
 * The module is written against the Linux 6.1 block API.  Everything that
 * changed up to 6.12 is wrapped here, so no other file needs an #if:
 *   - 6.5: block_device_operations take a blk_mode_t instead of fmode_t;
 *   - 6.9/6.11: queue limits and features are passed to blk_mq_alloc_disk()
 *     in a struct queue_limits instead of being set on the queue.
 */
#ifndef KBDUS_COMPAT_H
#define KBDUS_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "kbdus needs Linux 6.1 or later"
#endif

/* Mode argument of block_device_operations.ioctl. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
typedef blk_mode_t kbdus_blk_mode_t;
#else
typedef fmode_t kbdus_blk_mode_t;
#endif

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

/* Allocate a disk (and its queue) for @set with limits @l. */
static inline struct gendisk *
kbdus_alloc_disk(struct blk_mq_tag_set *set, const struct kbdus_queue_limits *l,
		 void *queuedata)
{
	struct gendisk *disk;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	struct queue_limits lim = {
		.logical_block_size = l->logical_block_size,
		.physical_block_size = l->physical_block_size,
		.max_hw_sectors = l->max_hw_sectors,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.max_secure_erase_sectors = l->max_secure_erase_sectors,
		.discard_granularity = l->max_discard_sectors ||
						       l->max_secure_erase_sectors ?
					       l->logical_block_size :
					       0,
	};

	if (l->write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim.features |= BLK_FEAT_FUA;
	if (l->rotational)
		lim.features |= BLK_FEAT_ROTATIONAL;

	disk = blk_mq_alloc_disk(set, &lim, queuedata);
	if (IS_ERR(disk))
		return disk;
#else
	struct request_queue *q;

	disk = blk_mq_alloc_disk(set, queuedata);
	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_write_zeroes_sectors(q, l->max_write_zeroes_sectors);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	blk_queue_max_secure_erase_sectors(q, l->max_secure_erase_sectors);
	if (l->max_discard_sectors || l->max_secure_erase_sectors)
		q->limits.discard_granularity = l->logical_block_size;
	blk_queue_write_cache(q, l->write_cache, l->fua);
	if (l->rotational)
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_clear(QUEUE_FLAG_ADD_RANDOM, q);
#endif
	if (!l->merge)
		blk_queue_flag_set(QUEUE_FLAG_NOMERGES, disk->queue);
	return disk;
}

#endif /* KBDUS_COMPAT_H */
