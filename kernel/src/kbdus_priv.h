/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interfaces between the parts of the kbdus module:
 *
 *   control.c     control device /dev/bdus-control, device registry, driver
 *                 lifecycle (create/attach/terminate/destroy), module init
 *   device.c      one block device: config validation, tag set, gendisk,
 *                 queue limits, asynchronous add_disk, blk-mq ops, ioctl
 *                 forwarding
 *   inverter.c    turns blk-mq pushes into driver pulls: slot array,
 *                 (index, seqnum) handles, notifications, timeouts
 *   transceiver.c per-driver shared memory (mmap) and the data-plane ioctls
 *                 that copy payloads between requests and driver buffers
 *
 * Lock order: kbdus_ctl_mutex (control.c) -> inverter->lock (inverter.c).
 * The inverter lock is a leaf spinlock taken with interrupts disabled.
 */
#ifndef KBDUS_PRIV_H
#define KBDUS_PRIV_H

#include <linux/blk-mq.h>
#include <linux/kref.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "../include/uapi/kbdus.h"

#define KBDUS_MINORS_PER_DEVICE 256
#define KBDUS_HARD_MAX_DEVICES ((1u << MINORBITS) / KBDUS_MINORS_PER_DEVICE)

/* ------------------------------------------------------------- inverter.c */

struct kbdus_inverter;

/* Per-request blk-mq payload (tag_set.cmd_size). */
struct kbdus_pdu {
	int error;        /* positive errno the request completes with */
	u16 slot;         /* inverter slot holding the request */
	u32 ioctl_cmd;    /* REQ_OP_DRV_IN: the forwarded command */
	u32 ioctl_opener; /* REQ_OP_DRV_IN: KBDUS_OPENER_* of the caller */
	void *ioctl_buf;  /* REQ_OP_DRV_IN: _IOC_SIZE(cmd) bytes */
};

/* What a receive got from the inverter. */
struct kbdus_got {
	u8 type;               /* enum kbdus_item_type */
	u16 slot;              /* requests only: slot index (handle_index-1) */
	u64 seqnum;            /* requests only */
	struct request *rq;    /* requests only */
};

struct kbdus_inverter *kbdus_inverter_create(const struct kbdus_device_config *c);
void kbdus_inverter_destroy(struct kbdus_inverter *inv);
blk_status_t kbdus_inverter_submit(struct kbdus_inverter *inv,
				   struct request *rq);
enum blk_eh_timer_return kbdus_inverter_timeout(struct kbdus_inverter *inv,
						struct request *rq);
int kbdus_inverter_begin_get(struct kbdus_inverter *inv, struct kbdus_got *got);
void kbdus_inverter_end_get(struct kbdus_inverter *inv,
			    const struct kbdus_got *got, bool success);
int kbdus_inverter_begin_completion(struct kbdus_inverter *inv, u16 index,
				    u64 seqnum, struct kbdus_got *got);
void kbdus_inverter_end_completion(struct kbdus_inverter *inv,
				   const struct kbdus_got *got, int error,
				   bool success);
void kbdus_inverter_terminate(struct kbdus_inverter *inv);
void kbdus_inverter_deactivate(struct kbdus_inverter *inv, bool flush);
void kbdus_inverter_activate(struct kbdus_inverter *inv);
void kbdus_inverter_mark_available(struct kbdus_inverter *inv);
int kbdus_item_type_of(struct request *rq);

/* --------------------------------------------------------------- device.c */

/*
 * A recoverable device whose driver goes away while UNAVAILABLE stays so
 * (its requests wait) and may be attached to; add_disk then makes it ACTIVE
 * with or without a driver, and ATTACH accepts it either way.
 */
enum kbdus_device_state {
	KBDUS_DEV_UNAVAILABLE, /* add_disk running; requests are served */
	KBDUS_DEV_ACTIVE,      /* a driver is serving it */
	KBDUS_DEV_INACTIVE,    /* no serving driver; requests wait */
	KBDUS_DEV_TERMINATED,  /* all requests fail; removal pending */
};

struct kbdus_driver;

struct kbdus_device {
	struct kref kref;
	u64 id;
	int index;
	struct kbdus_device_config config; /* adjusted; read-only */
	atomic_t state;                    /* enum kbdus_device_state */
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct kbdus_inverter *inverter;
	struct work_struct add_disk_work;
	bool disk_added;                   /* set by add_disk_work */
	bool dead;                         /* teardown started */
	atomic_t users;                    /* flushes and bdev ioctls inside */
	wait_queue_head_t users_wq;

	/* Owned by control.c, under kbdus_ctl_mutex. */
	bool destroyed;
	struct kbdus_driver *driver;       /* attached driver, or NULL */
	struct completion *attacher;       /* attach waiting for the driver */
};

extern int kbdus_major;
extern atomic_t kbdus_open_bdevs;

int kbdus_device_adjust_config(struct kbdus_device_config *c);
struct kbdus_device *kbdus_device_create(const struct kbdus_device_config *c,
					 u64 id, int index);
void kbdus_device_start(struct kbdus_device *dev);
void kbdus_device_terminate(struct kbdus_device *dev);
void kbdus_device_deactivate(struct kbdus_device *dev, bool flush);
void kbdus_device_activate(struct kbdus_device *dev);
void kbdus_device_park(struct kbdus_device *dev);
void kbdus_device_teardown(struct kbdus_device *dev);
bool kbdus_device_enter(struct kbdus_device *dev);
void kbdus_device_leave(struct kbdus_device *dev);
int kbdus_device_flush(struct kbdus_device *dev);
void kbdus_device_put(struct kbdus_device *dev);
int kbdus_device_state(struct kbdus_device *dev);
int kbdus_device_init(void);
void kbdus_device_exit(void);

/* ---------------------------------------------------------- transceiver.c */

struct kbdus_transceiver;

struct kbdus_transceiver *
kbdus_transceiver_create(const struct kbdus_device_config *dc,
			 struct kbdus_fd_config *fc,
			 struct kbdus_inverter *inv);
void kbdus_transceiver_destroy(struct kbdus_transceiver *tc);
int kbdus_transceiver_mmap(struct kbdus_transceiver *tc,
			   struct vm_area_struct *vma);
long kbdus_transceiver_ioctl(struct kbdus_transceiver *tc, unsigned int cmd,
			     unsigned long arg);
int kbdus_fd_config_validate(struct kbdus_fd_config *fc);

#endif /* KBDUS_PRIV_H */
