// SPDX-License-Identifier: GPL-2.0
/*
 * One bdus block device.  This file owns:
 *
 *   - validation and adjustment of struct kbdus_device_config (every
 *     rejected field is named with pr_debug);
 *   - the blk-mq tag set (one hardware queue, queue depth =
 *     max_outstanding_reqs), the gendisk /dev/bdus-<id> and its queue limits
 *     (through compat.h);
 *   - the asynchronous add_disk (a work item, so that the partition scan's
 *     reads can be served by the driver that is already running);
 *   - the blk-mq ops, which hand requests to the inverter, and the
 *     forwarding of block-device ioctls as REQ_OP_DRV_IN requests;
 *   - the device state (enum kbdus_device_state).
 *
 * Locking: state transitions are made by control.c under kbdus_ctl_mutex,
 * except UNAVAILABLE -> ACTIVE, done by the add_disk work with a cmpxchg
 * (a concurrent termination wins).  kbdus_device_teardown() runs under
 * kbdus_ctl_mutex with no driver attached; it waits for the add_disk work
 * and for "users" (FLUSH_DEVICE callers and forwarded bdev ioctls, which
 * never take the mutex; kbdus_device_enter() refuses them once teardown has
 * started).
 *
 * Lifetime: the struct is reference counted.  A disk that was added holds a
 * reference until the block layer frees it (->free_disk), so a client that
 * keeps the block device open past the teardown never sees freed memory.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "kbdus_priv.h"

int kbdus_major;
atomic_t kbdus_open_bdevs = ATOMIC_INIT(0);

/* ---------------------------------------------------------------- config */

#define KBDUS_INVALID(field)                                          \
	({                                                            \
		pr_debug("invalid device config: %s\n", #field);      \
		-EINVAL;                                              \
	})

static bool kbdus_is_bool_(u8 v)
{
	return v <= 1;
}

static u32 kbdus_adjust_max_(u32 v, u32 lbs)
{
	return round_down(v ? v : U32_MAX, lbs);
}

/* Validate @c (EINVAL, naming the field) and adjust it in place. */
int kbdus_device_adjust_config(struct kbdus_device_config *c)
{
	u32 lbs = c->logical_block_size;
	size_t i;

	for (i = 0; i < sizeof(c->reserved_1); i++)
		if (c->reserved_1[i])
			return KBDUS_INVALID(reserved_1);
	for (i = 0; i < sizeof(c->reserved_2); i++)
		if (c->reserved_2[i])
			return KBDUS_INVALID(reserved_2);

#define KBDUS_CHECK_BOOL(f)                 \
	do {                                \
		if (!kbdus_is_bool_(c->f))  \
			return KBDUS_INVALID(f); \
	} while (0)
	KBDUS_CHECK_BOOL(supports_read);
	KBDUS_CHECK_BOOL(supports_write);
	KBDUS_CHECK_BOOL(supports_write_zeroes);
	KBDUS_CHECK_BOOL(supports_fua_write);
	KBDUS_CHECK_BOOL(supports_flush);
	KBDUS_CHECK_BOOL(supports_discard);
	KBDUS_CHECK_BOOL(supports_secure_erase);
	KBDUS_CHECK_BOOL(supports_ioctl);
	KBDUS_CHECK_BOOL(read_only);
	KBDUS_CHECK_BOOL(rotational);
	KBDUS_CHECK_BOOL(merge_requests);
	KBDUS_CHECK_BOOL(enable_partition_scanning);
	KBDUS_CHECK_BOOL(recoverable);
	KBDUS_CHECK_BOOL(timeout_while_detached);
#undef KBDUS_CHECK_BOOL

	if (lbs < 512 || lbs > PAGE_SIZE || !is_power_of_2(lbs))
		return KBDUS_INVALID(logical_block_size);

	if (c->physical_block_size == 0)
		c->physical_block_size = lbs;
	if (c->physical_block_size < lbs ||
	    c->physical_block_size > PAGE_SIZE ||
	    !is_power_of_2(c->physical_block_size))
		return KBDUS_INVALID(physical_block_size);

	if (c->size == 0 || c->size % c->physical_block_size != 0 ||
	    c->size > MAX_LFS_FILESIZE)
		return KBDUS_INVALID(size);

	if (c->supports_fua_write && !c->supports_flush)
		return KBDUS_INVALID(supports_fua_write);

	if (c->max_read_write_size != 0 && c->max_read_write_size < PAGE_SIZE)
		return KBDUS_INVALID(max_read_write_size);
	if (c->max_write_zeroes_size != 0 && c->max_write_zeroes_size < lbs)
		return KBDUS_INVALID(max_write_zeroes_size);
	if (c->max_discard_erase_size != 0 && c->max_discard_erase_size < lbs)
		return KBDUS_INVALID(max_discard_erase_size);
	if (c->max_outstanding_reqs == 0)
		return KBDUS_INVALID(max_outstanding_reqs);
	/* tag_set.timeout is an unsigned int of jiffies, and msecs_to_jiffies()
	 * saturates at MAX_JIFFY_OFFSET above INT_MAX ms. */
	if (c->request_timeout_ms > KBDUS_MAX_REQUEST_TIMEOUT_MS ||
	    msecs_to_jiffies(c->request_timeout_ms) > UINT_MAX)
		return KBDUS_INVALID(request_timeout_ms);

	/* Adjust. */

	if (c->supports_read || c->supports_write || c->supports_fua_write) {
		u32 v = c->max_read_write_size ? c->max_read_write_size :
			KBDUS_DEFAULT_MAX_READ_WRITE_SIZE;

		v = min_t(u32, v, KBDUS_HARD_MAX_READ_WRITE_SIZE);
		c->max_read_write_size = round_down(v, lbs);
	} else {
		c->max_read_write_size = 0;
	}

	c->max_write_zeroes_size = c->supports_write_zeroes ?
		kbdus_adjust_max_(c->max_write_zeroes_size, lbs) : 0;

	c->max_discard_erase_size =
		c->supports_discard || c->supports_secure_erase ?
		kbdus_adjust_max_(c->max_discard_erase_size, lbs) : 0;

	c->max_outstanding_reqs = min_t(u32, c->max_outstanding_reqs,
					KBDUS_MAX_OUTSTANDING_REQS);

	if (!c->supports_write && !c->supports_write_zeroes &&
	    !c->supports_fua_write && !c->supports_discard &&
	    !c->supports_secure_erase)
		c->read_only = 1;

	return 0;
}

/* ---------------------------------------------------------- blk-mq ops */

static blk_status_t kbdus_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct kbdus_device *dev = hctx->queue->queuedata;

	return kbdus_inverter_submit(dev->inverter, bd->rq);
}

static enum blk_eh_timer_return kbdus_timeout(struct request *rq)
{
	struct kbdus_device *dev = rq->q->queuedata;

	return kbdus_inverter_timeout(dev->inverter, rq);
}

static void kbdus_complete(struct request *rq)
{
	struct kbdus_pdu *pdu = blk_mq_rq_to_pdu(rq);

	blk_mq_end_request(rq, errno_to_blk_status(-pdu->error));
}

static const struct blk_mq_ops kbdus_mq_ops = {
	.queue_rq = kbdus_queue_rq,
	.timeout = kbdus_timeout,
	.complete = kbdus_complete,
};

/* --------------------------------------------------- block device ioctl */

/*
 * Forward an ioctl the block layer does not handle itself to the driver.
 * Only well-formed commands are forwarded: _IOC_NONE with size 0, or a
 * direction with 0 < size <= KBDUS_MAX_IOCTL_SIZE.  The driver runs with
 * privileges the caller may lack, so a command that passes data in
 * (_IOC_WRITE) needs a caller that opened the device for writing.
 */
static int kbdus_bdev_ioctl_(struct kbdus_device *dev,
			     struct block_device *bdev, u32 opener,
			     unsigned int cmd, unsigned long arg);

static int kbdus_bdev_ioctl(struct block_device *bdev, kbdus_blk_mode_t mode,
			    unsigned int cmd, unsigned long arg)
{
	struct kbdus_device *dev = bdev->bd_disk->private_data;
	u32 opener = 0;
	int ret;

	if (kbdus_mode_readable(mode))
		opener |= KBDUS_OPENER_READ;
	if (kbdus_mode_writable(mode))
		opener |= KBDUS_OPENER_WRITE;

	if (!kbdus_device_enter(dev))
		return -ENODEV;
	ret = kbdus_bdev_ioctl_(dev, bdev, opener, cmd, arg);
	kbdus_device_leave(dev);
	return ret;
}

static int kbdus_bdev_ioctl_(struct kbdus_device *dev,
			     struct block_device *bdev, u32 opener,
			     unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	u32 size = _IOC_SIZE(cmd);
	u32 dir = _IOC_DIR(cmd);
	struct kbdus_pdu *pdu;
	struct request *rq;
	blk_status_t status;
	void *buf;
	int err;

	if (!dev->config.supports_ioctl)
		return -ENOTTY;
	if (dir == _IOC_NONE ? size != 0 :
			       size == 0 || size > KBDUS_MAX_IOCTL_SIZE)
		return -ENOTTY;
	if ((dir & _IOC_WRITE) && !(opener & KBDUS_OPENER_WRITE))
		return -EBADF;

	buf = kzalloc(max_t(u32, size, 1), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	if ((dir & _IOC_WRITE) && copy_from_user(buf, uarg, size)) {
		err = EFAULT;
		goto out;
	}

	rq = blk_mq_alloc_request(bdev->bd_disk->queue, REQ_OP_DRV_IN, 0);
	if (IS_ERR(rq)) {
		err = ENODEV;
		goto out;
	}

	pdu = blk_mq_rq_to_pdu(rq);
	pdu->error = 0;
	pdu->ioctl_cmd = cmd;
	pdu->ioctl_opener = opener;
	pdu->ioctl_buf = buf;

	status = blk_execute_rq(rq, false);
	err = pdu->error;
	if (!err && status != BLK_STS_OK)
		err = -blk_status_to_errno(status);
	blk_mq_free_request(rq);

	if (!err && (dir & _IOC_READ) && copy_to_user(uarg, buf, size))
		err = EFAULT;
out:
	kfree(buf);
	return -err;
}

/*
 * Every open of the block device holds a reference to this module; count
 * them so that WAIT_UNTIL_DEVICE_IS_DESTROYED can tell them from the
 * references of control files still being released.
 */
int kbdus_bdev_opened(struct gendisk *disk)
{
	atomic_inc(&kbdus_open_bdevs);
	return 0;
}

void kbdus_bdev_closed(struct gendisk *disk)
{
	atomic_dec(&kbdus_open_bdevs);
}

static void kbdus_free_disk(struct gendisk *disk)
{
	kbdus_device_put(disk->private_data);
}

static const struct block_device_operations kbdus_bdev_ops = {
	.owner = THIS_MODULE,
	.open = kbdus_compat_open,
	.release = kbdus_compat_release,
	.ioctl = kbdus_bdev_ioctl,
	/* NULL without CONFIG_COMPAT.  Forwarded commands are checked for
	 * size only, so pointer arguments just need compat_ptr(). */
	.compat_ioctl = blkdev_compat_ptr_ioctl,
	.free_disk = kbdus_free_disk,
};

/* ------------------------------------------------------------- lifecycle */

static void kbdus_add_disk_work(struct work_struct *work)
{
	struct kbdus_device *dev =
		container_of(work, struct kbdus_device, add_disk_work);
	int ret;

	/* An added disk keeps the struct alive until ->free_disk. */
	kref_get(&dev->kref);
	ret = add_disk(dev->disk);
	if (ret) {
		kbdus_device_put(dev);
		pr_err("bdus-%llu: add_disk failed (%d)\n", dev->id, ret);
		kbdus_device_terminate(dev);
		return;
	}

	WRITE_ONCE(dev->disk_added, true);
	if (atomic_cmpxchg(&dev->state, KBDUS_DEV_UNAVAILABLE,
			   KBDUS_DEV_ACTIVE) == KBDUS_DEV_UNAVAILABLE)
		kbdus_inverter_mark_available(dev->inverter);
}

/*
 * The inverter outlives the teardown: a driver's transceiver keeps using it
 * until the driver's file is released, and the driver holds a reference.
 */
static void kbdus_device_release_(struct kref *kref)
{
	struct kbdus_device *dev = container_of(kref, struct kbdus_device, kref);

	kbdus_inverter_destroy(dev->inverter);
	kfree(dev);
}

void kbdus_device_put(struct kbdus_device *dev)
{
	kref_put(&dev->kref, kbdus_device_release_);
}

int kbdus_device_state(struct kbdus_device *dev)
{
	return atomic_read(&dev->state);
}

/* Create a device (not yet visible: see kbdus_device_start()). */
struct kbdus_device *kbdus_device_create(const struct kbdus_device_config *c,
					 u64 id, int index)
{
	struct kbdus_queue_limits lim = {};
	struct kbdus_device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	kref_init(&dev->kref);
	dev->id = id;
	dev->index = index;
	dev->config = *c;
	dev->config.id = id;
	dev->config.major = kbdus_major;
	dev->config.minor = index * KBDUS_MINORS_PER_DEVICE;
	atomic_set(&dev->state, KBDUS_DEV_UNAVAILABLE);
	atomic_set(&dev->users, 0);
	init_waitqueue_head(&dev->users_wq);
	INIT_WORK(&dev->add_disk_work, kbdus_add_disk_work);

	dev->inverter = kbdus_inverter_create(&dev->config);
	if (!dev->inverter) {
		ret = -ENOMEM;
		goto err_free;
	}

	dev->tag_set.ops = &kbdus_mq_ops;
	dev->tag_set.nr_hw_queues = 1;
	dev->tag_set.queue_depth = c->max_outstanding_reqs;
	dev->tag_set.numa_node = NUMA_NO_NODE;
	dev->tag_set.cmd_size = sizeof(struct kbdus_pdu);
	dev->tag_set.flags = BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	if (c->merge_requests)
		dev->tag_set.flags |= KBDUS_MQ_F_MERGE;
	/* With no timeout the handler always re-arms the timer. */
	dev->tag_set.timeout = c->request_timeout_ms ?
		max_t(unsigned long, msecs_to_jiffies(c->request_timeout_ms), 1) :
		30 * HZ;
	dev->tag_set.driver_data = dev;

	ret = blk_mq_alloc_tag_set(&dev->tag_set);
	if (ret)
		goto err_inverter;

	lim.logical_block_size = c->logical_block_size;
	lim.physical_block_size = c->physical_block_size;
	lim.max_hw_sectors = max_t(u32, c->max_read_write_size, PAGE_SIZE) >> 9;
	lim.max_write_zeroes_sectors = c->max_write_zeroes_size >> 9;
	lim.max_discard_sectors =
		c->supports_discard ? c->max_discard_erase_size >> 9 : 0;
	lim.max_secure_erase_sectors =
		c->supports_secure_erase ? c->max_discard_erase_size >> 9 : 0;
	lim.write_cache = c->supports_flush;
	lim.fua = c->supports_fua_write;
	lim.rotational = c->rotational;
	lim.merge = c->merge_requests;

	dev->disk = kbdus_alloc_disk(&dev->tag_set, &lim, dev);
	if (IS_ERR(dev->disk)) {
		ret = PTR_ERR(dev->disk);
		goto err_tag_set;
	}

	dev->disk->major = kbdus_major;
	dev->disk->first_minor = dev->config.minor;
	dev->disk->fops = &kbdus_bdev_ops;
	dev->disk->private_data = dev;
	if (c->enable_partition_scanning) {
		dev->disk->minors = KBDUS_MINORS_PER_DEVICE;
	} else {
		dev->disk->minors = 1;
		dev->disk->flags |= GENHD_FL_NO_PART;
	}
	snprintf(dev->disk->disk_name, DISK_NAME_LEN, "bdus-%llu", id);
	set_capacity(dev->disk, c->size >> SECTOR_SHIFT);
	set_disk_ro(dev->disk, c->read_only);

	return dev;

err_tag_set:
	blk_mq_free_tag_set(&dev->tag_set);
err_inverter:
	kbdus_inverter_destroy(dev->inverter);
err_free:
	kfree(dev);
	return ERR_PTR(ret);
}

/* Make the device visible; it becomes ACTIVE when add_disk returns. */
void kbdus_device_start(struct kbdus_device *dev)
{
	queue_work(system_unbound_wq, &dev->add_disk_work);
}

void kbdus_device_terminate(struct kbdus_device *dev)
{
	atomic_set(&dev->state, KBDUS_DEV_TERMINATED);
	kbdus_inverter_terminate(dev->inverter);
}

void kbdus_device_deactivate(struct kbdus_device *dev, bool flush)
{
	atomic_set(&dev->state, KBDUS_DEV_INACTIVE);
	kbdus_inverter_deactivate(dev->inverter, flush);
}

/* A new driver serves the device.  UNAVAILABLE stays: add_disk ends it. */
void kbdus_device_activate(struct kbdus_device *dev)
{
	atomic_cmpxchg(&dev->state, KBDUS_DEV_INACTIVE, KBDUS_DEV_ACTIVE);
	kbdus_inverter_activate(dev->inverter);
}

/* No driver while UNAVAILABLE (recoverable only): requests wait. */
void kbdus_device_park(struct kbdus_device *dev)
{
	kbdus_inverter_deactivate(dev->inverter, false);
}

/*
 * Fail everything and remove the disk.  Called once, with no driver
 * attached.  The struct itself lives until its last reference is put.
 */
void kbdus_device_teardown(struct kbdus_device *dev)
{
	WRITE_ONCE(dev->dead, true);
	smp_mb(); /* pairs with kbdus_device_enter() */
	kbdus_device_terminate(dev);
	flush_work(&dev->add_disk_work);
	wait_event(dev->users_wq, atomic_read(&dev->users) == 0);

	if (READ_ONCE(dev->disk_added))
		del_gendisk(dev->disk);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
}

/* Enter a section that uses the disk and tag set outside kbdus_ctl_mutex. */
bool kbdus_device_enter(struct kbdus_device *dev)
{
	atomic_inc(&dev->users);
	smp_mb__after_atomic(); /* pairs with kbdus_device_teardown() */
	if (READ_ONCE(dev->dead)) {
		kbdus_device_leave(dev);
		return false;
	}
	return true;
}

void kbdus_device_leave(struct kbdus_device *dev)
{
	if (atomic_dec_and_test(&dev->users))
		wake_up_all(&dev->users_wq);
}

/*
 * Write back the page cache and flush the device's write cache.  The caller
 * holds a reference and has entered the device (kbdus_device_enter); this
 * leaves it and does not take kbdus_ctl_mutex.
 */
int kbdus_device_flush(struct kbdus_device *dev)
{
	struct block_device *bdev = dev->disk->part0;
	int ret = 0;

	if (READ_ONCE(dev->disk_added) && !dev->config.read_only) {
		ret = sync_blockdev(bdev);
		if (!ret)
			ret = blkdev_issue_flush(bdev);
		if (ret == -EOPNOTSUPP)
			ret = 0;
	}

	kbdus_device_leave(dev);
	return ret;
}

int kbdus_device_init(void)
{
	kbdus_major = register_blkdev(0, "bdus");
	return kbdus_major < 0 ? kbdus_major : 0;
}

void kbdus_device_exit(void)
{
	unregister_blkdev(kbdus_major, "bdus");
}
