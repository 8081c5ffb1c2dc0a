// SPDX-License-Identifier: GPL-2.0
/*
 * The control device /dev/bdus-control, the device registry and the driver
 * lifecycle; also module init/exit.  This file owns:
 *
 *   - the registry: an IDR from device index (minor / 256) to device, the
 *     never-reused id counter and the device count (module parameter
 *     max_devices);
 *   - struct kbdus_driver, one per open control file: a file description
 *     becomes the driver of at most one device (CREATE or ATTACH) and stops
 *     being it when it is released, or earlier when one of its threads is
 *     killed in a data-plane ioctl (kbdus_abandon_); it keeps its device
 *     reference (and so the inverter its transceiver uses) until release;
 *   - the lifecycle decisions: what TERMINATE, release, ATTACH and
 *     TRIGGER_DEVICE_DESTRUCTION do in each device state.
 *
 * Locking: kbdus_ctl_mutex serialises every control operation, device state
 * change and attachment, and is held while a device is torn down.  It is
 * dropped while ATTACH waits for the old driver and during FLUSH_DEVICE.
 * kbdus_registry_lock (spinlock, nests inside the mutex) also guards the IDR
 * so that WAIT_UNTIL_DEVICE_IS_DESTROYED can check it from a wait condition.
 * Data-plane ioctls and mmap take no lock here: the driver's transceiver is
 * published once (release/acquire) and lives until release.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kbdus_priv.h"

static unsigned int max_devices = KBDUS_HARD_MAX_DEVICES;
module_param(max_devices, uint, 0444);
MODULE_PARM_DESC(max_devices,
		 "Maximum number of bdus devices at once (1..4096, default 4096)");

struct kbdus_driver {
	struct kbdus_device *device;      /* under kbdus_ctl_mutex; attached
					   * while device->driver == this */
	struct kbdus_transceiver *tc;     /* published with release semantics */
	bool successful;
};

static DEFINE_MUTEX(kbdus_ctl_mutex);
static DEFINE_SPINLOCK(kbdus_registry_lock);
static DEFINE_IDR(kbdus_registry);
static DECLARE_WAIT_QUEUE_HEAD(kbdus_destroyed_wq);
static u64 kbdus_next_id;
static unsigned int kbdus_num_devices;
static atomic_t kbdus_open_files = ATOMIC_INIT(0);

/* ------------------------------------------------------------- registry */

/* Find a live device by id; call with kbdus_ctl_mutex or the spinlock. */
static struct kbdus_device *kbdus_lookup_(u64 id)
{
	struct kbdus_device *dev;
	int index;

	idr_for_each_entry(&kbdus_registry, dev, index)
		if (dev && dev->id == id)
			return dev;
	return NULL;
}

/* Like kbdus_lookup_, with the errors of the ABI (EINVAL / ENODEV). */
static struct kbdus_device *kbdus_lookup_or_err_(u64 id)
{
	struct kbdus_device *dev;

	if (id >= kbdus_next_id)
		return ERR_PTR(-EINVAL);
	dev = kbdus_lookup_(id);
	return dev ? dev : ERR_PTR(-ENODEV);
}

static bool kbdus_id_alive_(u64 id)
{
	bool alive;

	spin_lock(&kbdus_registry_lock);
	alive = kbdus_lookup_(id) != NULL;
	spin_unlock(&kbdus_registry_lock);
	return alive;
}

/* Remove a device for good; no driver may be attached.  Idempotent. */
static void kbdus_destroy_(struct kbdus_device *dev)
{
	lockdep_assert_held(&kbdus_ctl_mutex);

	if (dev->destroyed)
		return;
	WARN_ON(dev->driver);

	kbdus_device_teardown(dev);
	dev->destroyed = true;

	spin_lock(&kbdus_registry_lock);
	idr_remove(&kbdus_registry, dev->index);
	kbdus_num_devices--;
	spin_unlock(&kbdus_registry_lock);

	wake_up_all(&kbdus_destroyed_wq);
	kbdus_device_put(dev); /* the registry's reference */
}

/* ----------------------------------------------------------- lifecycle */

static int kbdus_create_(struct kbdus_driver *drv, void __user *uarg)
{
	struct kbdus_device_and_fd_config cfg;
	struct kbdus_transceiver *tc;
	struct kbdus_device *dev;
	int index, ret;

	if (copy_from_user(&cfg, uarg, sizeof(cfg)))
		return -EFAULT;

	ret = kbdus_device_adjust_config(&cfg.device);
	if (ret)
		return ret;
	ret = kbdus_fd_config_validate(&cfg.fd);
	if (ret)
		return ret;

	mutex_lock(&kbdus_ctl_mutex);

	if (drv->device) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (kbdus_num_devices >= max_devices) {
		ret = -ENOSPC;
		goto out_unlock;
	}

	spin_lock(&kbdus_registry_lock);
	index = idr_alloc_cyclic(&kbdus_registry, NULL, 0, max_devices,
				 GFP_ATOMIC);
	spin_unlock(&kbdus_registry_lock);
	if (index < 0) {
		ret = index == -ENOSPC ? -ENOSPC : -ENOMEM;
		goto out_unlock;
	}

	dev = kbdus_device_create(&cfg.device, kbdus_next_id, index);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out_free_index;
	}

	tc = kbdus_transceiver_create(&dev->config, &cfg.fd, dev->inverter);
	if (IS_ERR(tc)) {
		ret = PTR_ERR(tc);
		goto out_teardown;
	}

	cfg.device = dev->config;
	if (copy_to_user(uarg, &cfg, sizeof(cfg))) {
		ret = -EFAULT;
		goto out_free_tc;
	}

	kbdus_next_id++;
	spin_lock(&kbdus_registry_lock);
	idr_replace(&kbdus_registry, dev, index);
	kbdus_num_devices++;
	spin_unlock(&kbdus_registry_lock);

	kref_get(&dev->kref); /* the driver's reference */
	dev->driver = drv;
	drv->device = dev;
	smp_store_release(&drv->tc, tc);

	kbdus_device_start(dev);
	mutex_unlock(&kbdus_ctl_mutex);
	return 0;

out_free_tc:
	kbdus_transceiver_destroy(tc);
out_teardown:
	kbdus_device_teardown(dev);
	kbdus_device_put(dev);
out_free_index:
	spin_lock(&kbdus_registry_lock);
	idr_remove(&kbdus_registry, index);
	spin_unlock(&kbdus_registry_lock);
out_unlock:
	mutex_unlock(&kbdus_ctl_mutex);
	return ret;
}

static int kbdus_attach_(struct kbdus_driver *drv, void __user *uarg)
{
	struct kbdus_device_and_fd_config cfg;
	DECLARE_COMPLETION_ONSTACK(detached);
	struct kbdus_transceiver *tc;
	struct kbdus_device *dev;
	int ret;

	if (copy_from_user(&cfg, uarg, sizeof(cfg)))
		return -EFAULT;
	ret = kbdus_fd_config_validate(&cfg.fd);
	if (ret)
		return ret;

	mutex_lock(&kbdus_ctl_mutex);

	if (drv->device) {
		ret = -EINVAL;
		goto out_unlock;
	}

	dev = kbdus_lookup_or_err_(cfg.device.id);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out_unlock;
	}

	switch (kbdus_device_state(dev)) {
	case KBDUS_DEV_UNAVAILABLE:
		/* Without a driver: a recoverable one whose driver died. */
		if (dev->driver) {
			ret = -EBUSY;
			goto out_unlock;
		}
		break;
	case KBDUS_DEV_TERMINATED:
		ret = -ENODEV;
		goto out_unlock;
	}
	if (dev->attacher) {
		ret = -EINPROGRESS;
		goto out_unlock;
	}

	kref_get(&dev->kref);

	if (dev->driver) {
		/* Hand-over: the old driver flushes and goes away first. */
		kbdus_device_deactivate(dev, true);
		dev->attacher = &detached;
		mutex_unlock(&kbdus_ctl_mutex);

		/* The old driver was already told to terminate, so giving
		 * up on a caught signal would lose a live device: only a
		 * fatal signal ends the wait. */
		ret = wait_for_completion_killable(&detached);

		mutex_lock(&kbdus_ctl_mutex);
		dev->attacher = NULL;
		if (ret) {
			ret = -EINTR;
			if (dev->driver)
				goto out_put;
			goto out_orphan;
		}
	}

	if (dev->destroyed) {
		ret = -ENODEV;
		goto out_put;
	}
	if (kbdus_device_state(dev) == KBDUS_DEV_TERMINATED) {
		/* The old driver failed a non-recoverable device. */
		kbdus_destroy_(dev);
		ret = -ENODEV;
		goto out_put;
	}

	tc = kbdus_transceiver_create(&dev->config, &cfg.fd, dev->inverter);
	if (IS_ERR(tc)) {
		ret = PTR_ERR(tc);
		goto out_orphan;
	}

	cfg.device = dev->config;
	if (copy_to_user(uarg, &cfg, sizeof(cfg))) {
		kbdus_transceiver_destroy(tc);
		ret = -EFAULT;
		goto out_orphan;
	}

	dev->driver = drv;
	drv->device = dev; /* takes over the reference */
	smp_store_release(&drv->tc, tc);
	kbdus_device_activate(dev);
	mutex_unlock(&kbdus_ctl_mutex);
	return 0;

out_orphan:
	/* No driver now: a non-recoverable device cannot stay. */
	if (!dev->config.recoverable)
		kbdus_destroy_(dev);
out_put:
	kbdus_device_put(dev);
out_unlock:
	mutex_unlock(&kbdus_ctl_mutex);
	return ret;
}

/* The driver asks to stop (KBDUS_IOCTL_TERMINATE). */
static int kbdus_terminate_(struct kbdus_driver *drv)
{
	struct kbdus_device *dev;
	int ret = 0;

	mutex_lock(&kbdus_ctl_mutex);
	dev = drv->device;
	if (!dev) {
		ret = -EINVAL;
	} else if (dev->driver == drv) {
		switch (kbdus_device_state(dev)) {
		case KBDUS_DEV_UNAVAILABLE:
			kbdus_device_terminate(dev);
			break;
		case KBDUS_DEV_ACTIVE:
			if (dev->config.recoverable)
				kbdus_device_deactivate(dev, false);
			else
				kbdus_device_terminate(dev);
			break;
		case KBDUS_DEV_INACTIVE:
			if (!dev->config.recoverable)
				kbdus_device_terminate(dev);
			break;
		}
	}
	mutex_unlock(&kbdus_ctl_mutex);
	return ret;
}

/*
 * The driver goes away (its file is released, or it was killed): decide the
 * device's fate.  The driver keeps its device reference.
 */
static void kbdus_detach_(struct kbdus_driver *drv)
{
	struct kbdus_device *dev = drv->device;
	bool failed;

	lockdep_assert_held(&kbdus_ctl_mutex);

	if (dev->driver != drv)
		return; /* already detached */
	failed = !dev->config.recoverable && !READ_ONCE(drv->successful);
	dev->driver = NULL;

	switch (kbdus_device_state(dev)) {
	case KBDUS_DEV_UNAVAILABLE:
		if (dev->config.recoverable)
			kbdus_device_park(dev);
		else
			kbdus_device_terminate(dev);
		break;
	case KBDUS_DEV_ACTIVE:
		if (failed)
			kbdus_device_terminate(dev);
		else
			kbdus_device_deactivate(dev, false);
		break;
	case KBDUS_DEV_INACTIVE:
		if (failed)
			kbdus_device_terminate(dev);
		break;
	}

	if (dev->attacher)
		complete(dev->attacher);
	else if (kbdus_device_state(dev) == KBDUS_DEV_TERMINATED ||
		 !dev->config.recoverable)
		kbdus_destroy_(dev);
}

/*
 * A thread of the driver was killed while in a data-plane ioctl.  Its
 * process is dying, but the file may stay open for a long time: another of
 * its threads can be stuck in uninterruptible I/O on this very device, which
 * only the device can end.  So give the device up now, as release would.
 */
static void kbdus_abandon_(struct kbdus_driver *drv)
{
	mutex_lock(&kbdus_ctl_mutex);
	if (drv->device)
		kbdus_detach_(drv);
	mutex_unlock(&kbdus_ctl_mutex);
}

static int kbdus_trigger_destruction_(u64 id)
{
	struct kbdus_device *dev;
	int ret = 0;

	mutex_lock(&kbdus_ctl_mutex);
	dev = kbdus_lookup_or_err_(id);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev) == -ENODEV ? 0 : PTR_ERR(dev);
	} else if (dev->driver || dev->attacher) {
		/* Destroyed when the driver goes away. */
		kbdus_device_terminate(dev);
	} else {
		kbdus_destroy_(dev);
	}
	mutex_unlock(&kbdus_ctl_mutex);
	return ret;
}

/*
 * Wait for destruction, then for the module references of released control
 * files to be dropped: the VFS drops a file's module reference only after
 * ->release returns, which is after the device was destroyed.  Waiting here
 * lets "destroy; rmmod" work without a retry.  Each open control file holds
 * exactly one reference (misc_open takes it for our fops) and so does each
 * open of a block device (counted in ->open / ->release; a partition opened
 * more than once at a time holds more, hence the bound on the wait).
 */
static bool kbdus_module_refs_settled_(void)
{
	return module_refcount(THIS_MODULE) <=
	       atomic_read(&kbdus_open_files) + atomic_read(&kbdus_open_bdevs);
}

static int kbdus_wait_destroyed_(u64 id)
{
	unsigned long deadline;

	mutex_lock(&kbdus_ctl_mutex);
	if (id >= kbdus_next_id) {
		mutex_unlock(&kbdus_ctl_mutex);
		return -EINVAL;
	}
	mutex_unlock(&kbdus_ctl_mutex);

	if (wait_event_interruptible(kbdus_destroyed_wq, !kbdus_id_alive_(id)))
		return -EINTR;

	deadline = jiffies + HZ;
	while (!kbdus_module_refs_settled_() && time_before(jiffies, deadline)) {
		if (signal_pending(current))
			return -EINTR;
		usleep_range(500, 1000);
	}
	return 0;
}

static int kbdus_get_config_(void __user *uarg)
{
	struct kbdus_device_config cfg;
	struct kbdus_device *dev;
	int ret = 0;

	if (copy_from_user(&cfg, uarg, sizeof(cfg)))
		return -EFAULT;

	mutex_lock(&kbdus_ctl_mutex);
	dev = kbdus_lookup_or_err_(cfg.id);
	if (IS_ERR(dev))
		ret = PTR_ERR(dev);
	else
		cfg = dev->config;
	mutex_unlock(&kbdus_ctl_mutex);

	if (!ret && copy_to_user(uarg, &cfg, sizeof(cfg)))
		ret = -EFAULT;
	return ret;
}

static int kbdus_flush_(u64 id)
{
	struct kbdus_device *dev;

	mutex_lock(&kbdus_ctl_mutex);
	dev = kbdus_lookup_or_err_(id);
	if (IS_ERR(dev)) {
		mutex_unlock(&kbdus_ctl_mutex);
		return PTR_ERR(dev);
	}
	if (kbdus_device_state(dev) == KBDUS_DEV_TERMINATED ||
	    !kbdus_device_enter(dev)) {
		mutex_unlock(&kbdus_ctl_mutex);
		return -ENODEV;
	}
	kref_get(&dev->kref);
	mutex_unlock(&kbdus_ctl_mutex);

	/* kbdus_device_flush leaves the device. */
	id = kbdus_device_flush(dev);
	kbdus_device_put(dev);
	return (int)id;
}

static int kbdus_path_to_id_(void __user *uarg)
{
	struct kbdus_path_to_id arg;
	struct kbdus_device *dev;
	struct path path;
	struct inode *inode;
	unsigned int minor;
	char *name;
	dev_t rdev;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;

	name = strndup_user(u64_to_user_ptr(arg.path), PATH_MAX);
	if (IS_ERR(name))
		return PTR_ERR(name);
	ret = kern_path(name, LOOKUP_FOLLOW, &path);
	kfree(name);
	if (ret)
		return ret;

	inode = d_backing_inode(path.dentry);
	rdev = inode->i_rdev;
	ret = S_ISBLK(inode->i_mode) ? 0 : -ENOTBLK;
	path_put(&path);
	if (ret)
		return ret;

	if (MAJOR(rdev) != kbdus_major)
		return -EINVAL;
	minor = MINOR(rdev);
	if (minor % KBDUS_MINORS_PER_DEVICE)
		return -ECHILD;

	mutex_lock(&kbdus_ctl_mutex);
	dev = idr_find(&kbdus_registry, minor / KBDUS_MINORS_PER_DEVICE);
	if (dev)
		arg.id = dev->id;
	mutex_unlock(&kbdus_ctl_mutex);
	if (!dev)
		return -ENODEV;

	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* ------------------------------------------------------ file operations */

static int kbdus_ctl_open(struct inode *inode, struct file *file)
{
	struct kbdus_driver *drv;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	drv = kzalloc(sizeof(*drv), GFP_KERNEL);
	if (!drv)
		return -ENOMEM;

	file->private_data = drv;
	atomic_inc(&kbdus_open_files);
	return 0;
}

static int kbdus_ctl_release(struct inode *inode, struct file *file)
{
	struct kbdus_driver *drv = file->private_data;

	if (drv->device) {
		mutex_lock(&kbdus_ctl_mutex);
		kbdus_detach_(drv);
		mutex_unlock(&kbdus_ctl_mutex);
	}
	kbdus_transceiver_destroy(drv->tc);
	if (drv->device)
		kbdus_device_put(drv->device);
	kfree(drv);

	atomic_dec(&kbdus_open_files);
	return 0;
}

static long kbdus_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct kbdus_driver *drv = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct kbdus_transceiver *tc;
	struct kbdus_version v = {
		.major = KBDUS_VERSION_MAJOR,
		.minor = KBDUS_VERSION_MINOR,
		.patch = KBDUS_VERSION_PATCH,
	};
	long ret;
	u64 id;

	switch (cmd) {
	case KBDUS_IOCTL_GET_VERSION:
		return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;

	case KBDUS_IOCTL_TERMINATE:
		return kbdus_terminate_(drv);

	case KBDUS_IOCTL_MARK_AS_SUCCESSFUL:
		WRITE_ONCE(drv->successful, true);
		return 0;

	case KBDUS_IOCTL_RECEIVE_ITEM:
	case KBDUS_IOCTL_SEND_REPLY:
	case KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM:
		tc = smp_load_acquire(&drv->tc);
		if (!tc)
			return -EINVAL;
		ret = kbdus_transceiver_ioctl(tc, cmd, arg);
		if (ret == -EINTR && fatal_signal_pending(current))
			kbdus_abandon_(drv);
		return ret;
	}

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case KBDUS_IOCTL_CREATE_DEVICE:
		return kbdus_create_(drv, uarg);
	case KBDUS_IOCTL_ATTACH_TO_DEVICE:
		return kbdus_attach_(drv, uarg);
	case KBDUS_IOCTL_DEVICE_PATH_TO_ID:
		return kbdus_path_to_id_(uarg);
	case KBDUS_IOCTL_GET_DEVICE_CONFIG:
		return kbdus_get_config_(uarg);
	case KBDUS_IOCTL_FLUSH_DEVICE:
	case KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION:
	case KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED:
		if (copy_from_user(&id, uarg, sizeof(id)))
			return -EFAULT;
		if (cmd == KBDUS_IOCTL_FLUSH_DEVICE)
			return kbdus_flush_(id);
		if (cmd == KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION)
			return kbdus_trigger_destruction_(id);
		return kbdus_wait_destroyed_(id);
	default:
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/* Data-plane arguments are slot indices, not pointers: compat_ptr() must
 * not touch them (it masks bit 31 on s390). */
static long kbdus_ctl_compat_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	switch (cmd) {
	case KBDUS_IOCTL_RECEIVE_ITEM:
	case KBDUS_IOCTL_SEND_REPLY:
	case KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM:
		return kbdus_ctl_ioctl(file, cmd, arg);
	default:
		return kbdus_ctl_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
	}
}
#else
#define kbdus_ctl_compat_ioctl NULL
#endif

static int kbdus_ctl_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kbdus_driver *drv = file->private_data;
	struct kbdus_transceiver *tc = smp_load_acquire(&drv->tc);

	return tc ? kbdus_transceiver_mmap(tc, vma) : -EINVAL;
}

static const struct file_operations kbdus_ctl_fops = {
	.owner = THIS_MODULE,
	.open = kbdus_ctl_open,
	.release = kbdus_ctl_release,
	.unlocked_ioctl = kbdus_ctl_ioctl,
	.compat_ioctl = kbdus_ctl_compat_ioctl,
	.mmap = kbdus_ctl_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice kbdus_ctl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bdus-control",
	.fops = &kbdus_ctl_fops,
	.mode = 0600,
};

/* ------------------------------------------------------------ module */

static int __init kbdus_init(void)
{
	int ret;

	if (max_devices < 1 || max_devices > KBDUS_HARD_MAX_DEVICES) {
		pr_err("max_devices must be in 1..%u\n", KBDUS_HARD_MAX_DEVICES);
		return -EINVAL;
	}

	ret = kbdus_device_init();
	if (ret)
		return ret;

	ret = misc_register(&kbdus_ctl_misc);
	if (ret) {
		kbdus_device_exit();
		return ret;
	}

	pr_info("loaded, version %d.%d.%d\n", KBDUS_VERSION_MAJOR,
		KBDUS_VERSION_MINOR, KBDUS_VERSION_PATCH);
	return 0;
}

static void __exit kbdus_exit(void)
{
	struct kbdus_device *dev;
	int index;

	misc_deregister(&kbdus_ctl_misc);

	/* No control file is open, so no driver: destroy orphaned devices. */
	mutex_lock(&kbdus_ctl_mutex);
	idr_for_each_entry(&kbdus_registry, dev, index)
		kbdus_destroy_(dev);
	mutex_unlock(&kbdus_ctl_mutex);
	idr_destroy(&kbdus_registry);

	kbdus_device_exit();
}

module_init(kbdus_init);
module_exit(kbdus_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Block devices implemented in user space");
MODULE_VERSION("1.1.0");
