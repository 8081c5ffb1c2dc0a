// SPDX-License-Identifier: GPL-2.0
/*
 * The inverter: blk-mq pushes requests into the device (queue_rq), drivers
 * pull them out (receive ioctls).  This file owns, per device:
 *
 *   - a fixed array of slots, one per outstanding request.  Slot i carries
 *     the handle (index = i + 1, seqnum).  The seqnum grows each time the
 *     slot is freed, so a reply naming an old seqnum can never match;
 *   - the FIFO of requests waiting for a driver (awaiting_get) and the free
 *     list;
 *   - the notification flags (DEVICE_AVAILABLE, FLUSH_AND_TERMINATE,
 *     TERMINATE) and the per-request timeout decision.
 *
 * Slot states: FREE -> AWAITING_GET -> BEING_GOTTEN -> AWAITING_COMPLETION
 * -> BEING_COMPLETED -> FREE.  BEING_GOTTEN falls back to AWAITING_GET and
 * BEING_COMPLETED to AWAITING_COMPLETION when a payload copy fails; after a
 * driver change, AWAITING_COMPLETION goes back to AWAITING_GET (re-delivery
 * with the same handle).  Whoever moves a slot to FREE completes its request,
 * exactly once.  While BEING_* (a payload copy runs outside the lock) the
 * request cannot be completed by anyone else: timeouts re-arm and
 * termination only sets "cancel", honoured when the copy ends.
 *
 * Hand-over barrier: once FLUSH_AND_TERMINATE has been handed to a driver,
 * its flush may already be done, so a write-type request it answers after
 * that is not known to be covered by any flush.  Such a reply is dropped
 * (the slot stays AWAITING_COMPLETION) and the request goes to the next
 * driver, until kbdus_inverter_activate() lifts the barrier.
 *
 * Locking: everything here is under inverter->lock (irq-safe spinlock, a
 * leaf).  Requests are completed after the lock is dropped.
 *
 * Wake-ups: receivers sleep on inverter->wq as exclusive waiters.  A request
 * put on awaiting_get wakes one of them (wake_up); a notification, which
 * every receiver must see, wakes all (wake_up_all).  The condition is
 * re-checked under the lock, so a receiver may find nothing (another one,
 * not asleep, took the item) and sleeps again.  A receiver woken for a
 * request that leaves without taking one (fatal signal, or it took a
 * DEVICE_AVAILABLE notification instead) passes the wake-up on while
 * requests remain, so no request waits with a receiver idle.  A receiver
 * interrupted while its condition is false need not: prepare_to_wait_event()
 * takes it off the wait queue before it looks, so a later wake_up goes to
 * another waiter.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "kbdus_priv.h"

enum kbdus_slot_state {
	KBDUS_SLOT_FREE,
	KBDUS_SLOT_AWAITING_GET,
	KBDUS_SLOT_BEING_GOTTEN,
	KBDUS_SLOT_AWAITING_COMPLETION,
	KBDUS_SLOT_BEING_COMPLETED,
};

struct kbdus_slot_state_ {
	u64 seqnum;
	struct request *rq;
	struct list_head link; /* in awaiting_get or free */
	u8 state;
	u8 type;
	bool cancel;           /* terminated while BEING_* */
};

struct kbdus_inverter {
	spinlock_t lock;
	wait_queue_head_t wq;
	struct list_head awaiting_get;
	struct list_head free;
	bool terminated;
	bool deactivated;
	bool flush_owed;
	bool barrier;           /* FLUSH_AND_TERMINATE was handed out */
	bool available;         /* add_disk has finished */
	bool available_pending;

	/* Read-only after creation. */
	bool supports[KBDUS_ITEM_IOCTL + 1];
	bool timeout_enabled;
	bool timeout_while_detached;
	u32 num_slots;
	struct kbdus_slot_state_ slots[];
};

struct kbdus_inverter *kbdus_inverter_create(const struct kbdus_device_config *c)
{
	struct kbdus_inverter *inv;
	u32 i;

	inv = kzalloc(struct_size(inv, slots, c->max_outstanding_reqs),
		      GFP_KERNEL);
	if (!inv)
		return NULL;

	spin_lock_init(&inv->lock);
	init_waitqueue_head(&inv->wq);
	INIT_LIST_HEAD(&inv->awaiting_get);
	INIT_LIST_HEAD(&inv->free);
	inv->num_slots = c->max_outstanding_reqs;
	inv->timeout_enabled = c->request_timeout_ms != 0;
	inv->timeout_while_detached = c->timeout_while_detached;

	inv->supports[KBDUS_ITEM_READ] = c->supports_read;
	inv->supports[KBDUS_ITEM_WRITE] = c->supports_write;
	inv->supports[KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP] = c->supports_write_zeroes;
	inv->supports[KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP] = c->supports_write_zeroes;
	inv->supports[KBDUS_ITEM_FUA_WRITE] = c->supports_fua_write;
	inv->supports[KBDUS_ITEM_FLUSH] = c->supports_flush;
	inv->supports[KBDUS_ITEM_DISCARD] = c->supports_discard;
	inv->supports[KBDUS_ITEM_SECURE_ERASE] = c->supports_secure_erase;
	inv->supports[KBDUS_ITEM_IOCTL] = c->supports_ioctl;

	for (i = 0; i < inv->num_slots; i++)
		list_add_tail(&inv->slots[i].link, &inv->free);

	return inv;
}

void kbdus_inverter_destroy(struct kbdus_inverter *inv)
{
	kfree(inv);
}

/* Map a request to an item type, or -1 if it has none. */
int kbdus_item_type_of(struct request *rq)
{
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return KBDUS_ITEM_READ;
	case REQ_OP_WRITE:
		return (rq->cmd_flags & REQ_FUA) ? KBDUS_ITEM_FUA_WRITE :
						   KBDUS_ITEM_WRITE;
	case REQ_OP_WRITE_ZEROES:
		return (rq->cmd_flags & REQ_NOUNMAP) ?
			       KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP :
			       KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP;
	case REQ_OP_FLUSH:
		return KBDUS_ITEM_FLUSH;
	case REQ_OP_DISCARD:
		return KBDUS_ITEM_DISCARD;
	case REQ_OP_SECURE_ERASE:
		return KBDUS_ITEM_SECURE_ERASE;
	case REQ_OP_DRV_IN:
		return KBDUS_ITEM_IOCTL;
	default:
		return -1;
	}
}

/* Put a slot back on the free list; the caller completes slot->rq. */
static struct request *kbdus_slot_free_(struct kbdus_inverter *inv,
					struct kbdus_slot_state_ *slot,
					int error)
{
	struct request *rq = slot->rq;

	((struct kbdus_pdu *)blk_mq_rq_to_pdu(rq))->error = error;
	slot->seqnum++;
	slot->rq = NULL;
	slot->cancel = false;
	slot->state = KBDUS_SLOT_FREE;
	list_add(&slot->link, &inv->free);
	return rq;
}

static int kbdus_dead_errno_(struct request *rq)
{
	return req_op(rq) == REQ_OP_DRV_IN ? ENODEV : EIO;
}

static bool kbdus_is_write_type_(u8 type)
{
	switch (type) {
	case KBDUS_ITEM_WRITE:
	case KBDUS_ITEM_FUA_WRITE:
	case KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP:
	case KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP:
	case KBDUS_ITEM_DISCARD:
	case KBDUS_ITEM_SECURE_ERASE:
		return true;
	default:
		return false;
	}
}

/*
 * Called from queue_rq; never sleeps.  On success the request sits in a slot
 * and its timer runs.
 */
blk_status_t kbdus_inverter_submit(struct kbdus_inverter *inv,
				   struct request *rq)
{
	struct kbdus_pdu *pdu = blk_mq_rq_to_pdu(rq);
	struct kbdus_slot_state_ *slot;
	unsigned long flags;
	int type = kbdus_item_type_of(rq);

	if (type < 0 || !inv->supports[type]) {
		pdu->error = type == KBDUS_ITEM_IOCTL ? ENOTTY : EOPNOTSUPP;
		return BLK_STS_NOTSUPP;
	}

	spin_lock_irqsave(&inv->lock, flags);

	if (inv->terminated) {
		spin_unlock_irqrestore(&inv->lock, flags);
		pdu->error = kbdus_dead_errno_(rq);
		return BLK_STS_IOERR;
	}

	slot = list_first_entry_or_null(&inv->free, struct kbdus_slot_state_,
					link);
	if (!slot) {
		/* Cannot happen with queue_depth == num_slots; be safe. */
		spin_unlock_irqrestore(&inv->lock, flags);
		return BLK_STS_RESOURCE;
	}

	list_del(&slot->link);
	slot->rq = rq;
	slot->type = type;
	slot->state = KBDUS_SLOT_AWAITING_GET;
	pdu->slot = slot - inv->slots;
	pdu->error = 0;
	blk_mq_start_request(rq);
	list_add_tail(&slot->link, &inv->awaiting_get);

	spin_unlock_irqrestore(&inv->lock, flags);

	/* One request, one receiver. */
	wake_up(&inv->wq);
	return BLK_STS_OK;
}

enum blk_eh_timer_return kbdus_inverter_timeout(struct kbdus_inverter *inv,
						struct request *rq)
{
	struct kbdus_pdu *pdu = blk_mq_rq_to_pdu(rq);
	struct kbdus_slot_state_ *slot = &inv->slots[pdu->slot];
	unsigned long flags;

	spin_lock_irqsave(&inv->lock, flags);

	if (slot->rq != rq || slot->state == KBDUS_SLOT_FREE) {
		spin_unlock_irqrestore(&inv->lock, flags);
		return BLK_EH_DONE;
	}

	if (!inv->timeout_enabled ||
	    (inv->deactivated && !inv->timeout_while_detached) ||
	    slot->state == KBDUS_SLOT_BEING_GOTTEN ||
	    slot->state == KBDUS_SLOT_BEING_COMPLETED) {
		spin_unlock_irqrestore(&inv->lock, flags);
		return BLK_EH_RESET_TIMER;
	}

	if (slot->state == KBDUS_SLOT_AWAITING_GET)
		list_del(&slot->link);
	kbdus_slot_free_(inv, slot, ETIMEDOUT);

	spin_unlock_irqrestore(&inv->lock, flags);

	blk_mq_complete_request(rq);
	return BLK_EH_DONE;
}

static bool kbdus_item_ready_(struct kbdus_inverter *inv)
{
	return READ_ONCE(inv->terminated) || READ_ONCE(inv->deactivated) ||
	       READ_ONCE(inv->available_pending) ||
	       !list_empty_careful(&inv->awaiting_get);
}

/*
 * Block until there is an item for the driver.  Notifications come first:
 * FLUSH_AND_TERMINATE (once), TERMINATE (forever), DEVICE_AVAILABLE (once);
 * then requests in FIFO order.  Returns 0 or -EINTR.
 */
int kbdus_inverter_begin_get(struct kbdus_inverter *inv, struct kbdus_got *got)
{
	struct kbdus_slot_state_ *slot;
	unsigned long flags;
	bool pass_on;

	for (;;) {
		/* A dying driver must not take requests it will never answer. */
		if (fatal_signal_pending(current) ||
		    wait_event_interruptible_exclusive(inv->wq,
						       kbdus_item_ready_(inv)))
			return -EINTR;

		spin_lock_irqsave(&inv->lock, flags);

		if (fatal_signal_pending(current)) {
			/* Killed after the wake-up: leave the items to others. */
			pass_on = inv->flush_owed || inv->available_pending ||
				  !list_empty(&inv->awaiting_get);
			spin_unlock_irqrestore(&inv->lock, flags);
			if (pass_on)
				wake_up(&inv->wq);
			return -EINTR;
		}

		got->rq = NULL;
		pass_on = false;
		if (inv->flush_owed) {
			inv->flush_owed = false;
			inv->barrier = true;
			got->type = KBDUS_ITEM_FLUSH_AND_TERMINATE;
		} else if (inv->terminated || inv->deactivated) {
			got->type = KBDUS_ITEM_TERMINATE;
		} else if (inv->available_pending) {
			inv->available_pending = false;
			got->type = KBDUS_ITEM_DEVICE_AVAILABLE;
			pass_on = !list_empty(&inv->awaiting_get);
		} else if (!list_empty(&inv->awaiting_get)) {
			slot = list_first_entry(&inv->awaiting_get,
						struct kbdus_slot_state_, link);
			list_del(&slot->link);
			slot->state = KBDUS_SLOT_BEING_GOTTEN;
			got->type = slot->type;
			got->slot = slot - inv->slots;
			got->seqnum = slot->seqnum;
			got->rq = slot->rq;
		} else {
			spin_unlock_irqrestore(&inv->lock, flags);
			continue;
		}

		spin_unlock_irqrestore(&inv->lock, flags);

		/*
		 * Terminate and deactivate woke everyone; DEVICE_AVAILABLE may
		 * have used up a wake-up meant for a request.
		 */
		if (pass_on)
			wake_up(&inv->wq);
		return 0;
	}
}

/* Finish a get started by kbdus_inverter_begin_get (requests only). */
void kbdus_inverter_end_get(struct kbdus_inverter *inv,
			    const struct kbdus_got *got, bool success)
{
	struct kbdus_slot_state_ *slot = &inv->slots[got->slot];
	struct request *done = NULL;
	unsigned long flags;

	if (!got->rq)
		return;

	spin_lock_irqsave(&inv->lock, flags);
	if (slot->cancel) {
		done = kbdus_slot_free_(inv, slot, kbdus_dead_errno_(slot->rq));
	} else if (success) {
		slot->state = KBDUS_SLOT_AWAITING_COMPLETION;
	} else {
		slot->state = KBDUS_SLOT_AWAITING_GET;
		list_add(&slot->link, &inv->awaiting_get);
	}
	spin_unlock_irqrestore(&inv->lock, flags);

	if (done)
		blk_mq_complete_request(done);
	else if (!success)
		wake_up(&inv->wq); /* the request is back: one receiver for it */
}

/*
 * Start completing the request named by a reply.  Returns 0 (got filled in),
 * 1 if the reply is to be ignored (no handle, an outdated seqnum, or a
 * write-type request behind the hand-over barrier), or -EINVAL.
 */
int kbdus_inverter_begin_completion(struct kbdus_inverter *inv, u16 index,
				    u64 seqnum, struct kbdus_got *got)
{
	struct kbdus_slot_state_ *slot;
	unsigned long flags;
	int ret = 0;

	if (index == 0)
		return 1;
	if (index > inv->num_slots)
		return -EINVAL;

	slot = &inv->slots[index - 1];

	spin_lock_irqsave(&inv->lock, flags);
	if (slot->seqnum != seqnum) {
		ret = 1;
	} else if (slot->state != KBDUS_SLOT_AWAITING_COMPLETION) {
		ret = -EINVAL;
	} else if (inv->barrier && kbdus_is_write_type_(slot->type)) {
		ret = 1;
	} else {
		slot->state = KBDUS_SLOT_BEING_COMPLETED;
		got->type = slot->type;
		got->slot = index - 1;
		got->seqnum = seqnum;
		got->rq = slot->rq;
	}
	spin_unlock_irqrestore(&inv->lock, flags);

	return ret;
}

/* Finish a completion; on failure the request awaits a reply again. */
void kbdus_inverter_end_completion(struct kbdus_inverter *inv,
				   const struct kbdus_got *got, int error,
				   bool success)
{
	struct kbdus_slot_state_ *slot = &inv->slots[got->slot];
	struct request *done = NULL;
	unsigned long flags;

	spin_lock_irqsave(&inv->lock, flags);
	if (success)
		done = kbdus_slot_free_(inv, slot, error);
	else if (slot->cancel)
		done = kbdus_slot_free_(inv, slot, kbdus_dead_errno_(slot->rq));
	else
		slot->state = KBDUS_SLOT_AWAITING_COMPLETION;
	spin_unlock_irqrestore(&inv->lock, flags);

	if (done)
		blk_mq_complete_request(done);
}

/* Fail every request, now and from now on.  Idempotent. */
void kbdus_inverter_terminate(struct kbdus_inverter *inv)
{
	struct kbdus_slot_state_ *slot;
	struct request *rq;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&inv->lock, flags);
	inv->terminated = true;
	inv->flush_owed = false;
	inv->available_pending = false;

	for (i = 0; i < inv->num_slots; i++) {
		slot = &inv->slots[i];
		switch (slot->state) {
		case KBDUS_SLOT_AWAITING_GET:
			list_del(&slot->link);
			fallthrough;
		case KBDUS_SLOT_AWAITING_COMPLETION:
			rq = kbdus_slot_free_(inv, slot, kbdus_dead_errno_(slot->rq));
			spin_unlock_irqrestore(&inv->lock, flags);
			blk_mq_complete_request(rq);
			spin_lock_irqsave(&inv->lock, flags);
			break;
		case KBDUS_SLOT_BEING_GOTTEN:
		case KBDUS_SLOT_BEING_COMPLETED:
			slot->cancel = true;
			break;
		default:
			break;
		}
	}
	spin_unlock_irqrestore(&inv->lock, flags);

	wake_up_all(&inv->wq);
}

/*
 * The current driver must stop: it gets one FLUSH_AND_TERMINATE if @flush
 * (and the device has a write cache), then TERMINATE.  Requests stay.
 */
void kbdus_inverter_deactivate(struct kbdus_inverter *inv, bool flush)
{
	unsigned long flags;

	spin_lock_irqsave(&inv->lock, flags);
	if (!inv->terminated) {
		inv->deactivated = true;
		inv->flush_owed = flush && inv->supports[KBDUS_ITEM_FLUSH];
		inv->available_pending = false;
	}
	spin_unlock_irqrestore(&inv->lock, flags);

	wake_up_all(&inv->wq);
}

/*
 * A new driver took over: requests the old one received but did not answer
 * are delivered again (first, keeping their handles), after a
 * DEVICE_AVAILABLE notification (once add_disk has finished).
 */
void kbdus_inverter_activate(struct kbdus_inverter *inv)
{
	struct kbdus_slot_state_ *slot;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&inv->lock, flags);
	inv->deactivated = false;
	inv->flush_owed = false;
	inv->barrier = false;
	for (i = inv->num_slots; i-- > 0;) {
		slot = &inv->slots[i];
		if (slot->state == KBDUS_SLOT_AWAITING_COMPLETION) {
			slot->state = KBDUS_SLOT_AWAITING_GET;
			list_add(&slot->link, &inv->awaiting_get);
		}
	}
	if (!inv->terminated && inv->available)
		inv->available_pending = true;
	spin_unlock_irqrestore(&inv->lock, flags);

	wake_up_all(&inv->wq);
}

/*
 * add_disk finished: tell the driver, or the next one if there is none now
 * (a recoverable device whose driver went away while add_disk ran).
 */
void kbdus_inverter_mark_available(struct kbdus_inverter *inv)
{
	unsigned long flags;

	spin_lock_irqsave(&inv->lock, flags);
	inv->available = true;
	if (!inv->terminated && !inv->deactivated)
		inv->available_pending = true;
	spin_unlock_irqrestore(&inv->lock, flags);

	wake_up_all(&inv->wq);
}
