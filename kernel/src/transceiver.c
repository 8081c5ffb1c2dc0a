// SPDX-License-Identifier: GPL-2.0
/*
 * The transceiver: one per driver (attached control file description).  This
 * file owns the driver's shared memory and the data-plane ioctls:
 *
 *   - one vmalloc_user() area, mmap'able through the control fd: the slot
 *     array (64-byte union kbdus_slot, page-aligned in total) followed by
 *     num_preallocated_buffers payload buffers of buffer_size bytes;
 *   - RECEIVE_ITEM / SEND_REPLY / SEND_REPLY_AND_RECEIVE_ITEM, which move
 *     items and replies through a slot and copy payloads between the
 *     request's pages (or a forwarded ioctl's buffer) and either a
 *     preallocated buffer or a user address chosen in the slot.
 *
 * Locking: none of its own.  The area is freed only when the control file is
 * released, i.e. after every ioctl and mapping is gone.  Concurrent calls on
 * different slots are independent; request ownership is arbitrated by the
 * inverter.  Slot contents are shared with user space and read once.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kbdus_priv.h"

struct kbdus_transceiver {
	struct kbdus_inverter *inverter;
	void *mem;
	u32 num_slots;
	u32 num_buffers;
	u32 buffer_size;
	size_t buffers_offset;
};

/* A payload location named by a slot. */
struct kbdus_payload {
	void *kptr;          /* preallocated buffer, or NULL */
	void __user *uptr;   /* user address otherwise */
};

int kbdus_fd_config_validate(struct kbdus_fd_config *fc)
{
	size_t i;

	for (i = 0; i < sizeof(fc->reserved); i++) {
		if (fc->reserved[i]) {
			pr_debug("invalid fd config: reserved\n");
			return -EINVAL;
		}
	}
	return 0;
}

struct kbdus_transceiver *
kbdus_transceiver_create(const struct kbdus_device_config *dc,
			 struct kbdus_fd_config *fc,
			 struct kbdus_inverter *inv)
{
	struct kbdus_transceiver *tc;
	u32 payload;
	size_t size;

	tc = kzalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc)
		return ERR_PTR(-ENOMEM);

	payload = max_t(u32, dc->max_read_write_size,
			dc->supports_ioctl ? KBDUS_MAX_IOCTL_SIZE : 0);

	tc->inverter = inv;
	tc->num_slots = dc->max_outstanding_reqs;
	tc->num_buffers = min(fc->num_preallocated_buffers, tc->num_slots);
	tc->buffer_size = PAGE_ALIGN(max_t(u32, payload, 1));
	tc->buffers_offset = PAGE_ALIGN((size_t)tc->num_slots * KBDUS_SLOT_SIZE);

	size = tc->buffers_offset + (size_t)tc->num_buffers * tc->buffer_size;
	tc->mem = vmalloc_user(size);
	if (!tc->mem) {
		kfree(tc);
		return ERR_PTR(-ENOMEM);
	}

	fc->num_preallocated_buffers = tc->num_buffers;
	fc->buffer_size = tc->buffer_size;
	fc->buffers_offset = tc->buffers_offset;
	return tc;
}

void kbdus_transceiver_destroy(struct kbdus_transceiver *tc)
{
	if (tc) {
		vfree(tc->mem);
		kfree(tc);
	}
}

int kbdus_transceiver_mmap(struct kbdus_transceiver *tc,
			   struct vm_area_struct *vma)
{
	/* A private mapping would turn the driver's writes into copies that
	 * the kernel never sees. */
	if (!(vma->vm_flags & VM_SHARED)) {
		pr_debug("invalid mmap: not MAP_SHARED\n");
		return -EINVAL;
	}
	return remap_vmalloc_range(vma, tc->mem, vma->vm_pgoff);
}

static union kbdus_slot *kbdus_slot_(struct kbdus_transceiver *tc, u32 i)
{
	return (union kbdus_slot *)((char *)tc->mem + (size_t)i * KBDUS_SLOT_SIZE);
}

static int kbdus_payload_of_(struct kbdus_transceiver *tc, u8 prealloc,
			     u64 ptr_or_index, struct kbdus_payload *p)
{
	if (prealloc > 1) {
		pr_debug("invalid slot: use_preallocated_buffer\n");
		return -EINVAL;
	}
	if (prealloc) {
		if (ptr_or_index >= tc->num_buffers)
			return -EINVAL;
		p->kptr = (char *)tc->mem + tc->buffers_offset +
			  (size_t)ptr_or_index * tc->buffer_size;
		p->uptr = NULL;
	} else {
		p->kptr = NULL;
		p->uptr = u64_to_user_ptr(ptr_or_index);
	}
	return 0;
}

/* Copy @len bytes at @off of the payload from/to @buf. */
static int kbdus_payload_to_(const struct kbdus_payload *p, size_t off,
			     const void *buf, size_t len)
{
	if (p->kptr) {
		memcpy((char *)p->kptr + off, buf, len);
		return 0;
	}
	return copy_to_user((char __user *)p->uptr + off, buf, len) ? -EFAULT : 0;
}

static int kbdus_payload_from_(const struct kbdus_payload *p, size_t off,
			       void *buf, size_t len)
{
	if (p->kptr) {
		memcpy(buf, (char *)p->kptr + off, len);
		return 0;
	}
	return copy_from_user(buf, (char __user *)p->uptr + off, len) ? -EFAULT :
									 0;
}

/* Copy the data of a write request into the payload. */
static int kbdus_copy_rq_to_payload_(struct request *rq,
				     const struct kbdus_payload *p)
{
	struct req_iterator iter;
	struct bio_vec bv;
	size_t off = 0;
	int ret = 0;

	rq_for_each_segment(bv, rq, iter) {
		void *kaddr = bvec_kmap_local(&bv);

		ret = kbdus_payload_to_(p, off, kaddr, bv.bv_len);
		kunmap_local(kaddr);
		if (ret)
			break;
		off += bv.bv_len;
	}
	return ret;
}

/* Copy the payload into the data of a read request. */
static int kbdus_copy_payload_to_rq_(struct request *rq,
				     const struct kbdus_payload *p)
{
	struct req_iterator iter;
	struct bio_vec bv;
	size_t off = 0;
	int ret = 0;

	rq_for_each_segment(bv, rq, iter) {
		void *kaddr = bvec_kmap_local(&bv);

		ret = kbdus_payload_from_(p, off, kaddr, bv.bv_len);
		if (!ret)
			flush_dcache_page(bv.bv_page);
		kunmap_local(kaddr);
		if (ret)
			break;
		off += bv.bv_len;
	}
	return ret;
}

static int kbdus_receive_(struct kbdus_transceiver *tc, u32 index)
{
	union kbdus_slot *slot = kbdus_slot_(tc, index);
	struct kbdus_payload p;
	struct kbdus_got got;
	struct kbdus_pdu *pdu;
	u64 ptr_or_index;
	u32 arg32 = 0;
	u64 arg64 = 0;
	u8 prealloc;
	int ret;

	ptr_or_index = READ_ONCE(slot->item.user_ptr_or_buffer_index);
	prealloc = READ_ONCE(slot->item.use_preallocated_buffer);
	ret = kbdus_payload_of_(tc, prealloc, ptr_or_index, &p);
	if (ret)
		return ret;

	ret = kbdus_inverter_begin_get(tc->inverter, &got);
	if (ret)
		return ret;

	if (got.rq) {
		pdu = blk_mq_rq_to_pdu(got.rq);
		switch (got.type) {
		case KBDUS_ITEM_WRITE:
		case KBDUS_ITEM_FUA_WRITE:
			ret = kbdus_copy_rq_to_payload_(got.rq, &p);
			fallthrough;
		case KBDUS_ITEM_READ:
		case KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP:
		case KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP:
		case KBDUS_ITEM_DISCARD:
		case KBDUS_ITEM_SECURE_ERASE:
			arg64 = (u64)blk_rq_pos(got.rq) << SECTOR_SHIFT;
			arg32 = blk_rq_bytes(got.rq);
			break;
		case KBDUS_ITEM_IOCTL:
			arg32 = pdu->ioctl_cmd;
			arg64 = pdu->ioctl_opener;
			if (_IOC_DIR(pdu->ioctl_cmd) & _IOC_WRITE)
				ret = kbdus_payload_to_(&p, 0, pdu->ioctl_buf,
							_IOC_SIZE(pdu->ioctl_cmd));
			break;
		default: /* FLUSH */
			break;
		}
		if (ret) {
			kbdus_inverter_end_get(tc->inverter, &got, false);
			return ret;
		}
	}

	WRITE_ONCE(slot->item.handle_seqnum, got.rq ? got.seqnum : 0);
	WRITE_ONCE(slot->item.handle_index, got.rq ? got.slot + 1 : 0);
	WRITE_ONCE(slot->item.type, got.type);
	WRITE_ONCE(slot->item.arg32, arg32);
	WRITE_ONCE(slot->item.arg64, arg64);
	memset(slot->item.reserved, 0, sizeof(slot->item.reserved));

	kbdus_inverter_end_get(tc->inverter, &got, true);
	return 0;
}

static int kbdus_io_errno_(s32 e)
{
	return e == 0 || e == ENOLINK || e == ENOSPC || e == ETIMEDOUT ? e : EIO;
}

static int kbdus_ioctl_errno_(s32 e)
{
	return e == 0 || (e >= 1 && e <= 133 && e != ENOSYS) ? e : EIO;
}

/* Whether the reply's reserved bytes are zero (the kernel zeroed them on
 * receive; anything else is a driver bug worth reporting). */
static bool kbdus_reply_reserved_ok_(const union kbdus_slot *slot)
{
	u8 reserved[sizeof(slot->reply.reserved)];

	memcpy(reserved, slot->reply.reserved, sizeof(reserved));
	if (memchr_inv(reserved, 0, sizeof(reserved))) {
		pr_debug("invalid reply: reserved\n");
		return false;
	}
	return true;
}

static int kbdus_send_reply_(struct kbdus_transceiver *tc, u32 index)
{
	union kbdus_slot *slot = kbdus_slot_(tc, index);
	struct kbdus_payload p;
	struct kbdus_got got;
	struct kbdus_pdu *pdu;
	u64 ptr_or_index, seqnum;
	u16 handle_index;
	u8 prealloc;
	s32 error;
	int ret;

	ptr_or_index = READ_ONCE(slot->reply.user_ptr_or_buffer_index);
	seqnum = READ_ONCE(slot->reply.handle_seqnum);
	handle_index = READ_ONCE(slot->reply.handle_index);
	prealloc = READ_ONCE(slot->reply.use_preallocated_buffer);
	error = READ_ONCE(slot->reply.error);

	if (prealloc > 1) {
		pr_debug("invalid reply: use_preallocated_buffer\n");
		return -EINVAL;
	}
	if (!kbdus_reply_reserved_ok_(slot))
		return -EINVAL;

	ret = kbdus_inverter_begin_completion(tc->inverter, handle_index,
					      seqnum, &got);
	if (ret)
		return ret > 0 ? 0 : ret;

	pdu = blk_mq_rq_to_pdu(got.rq);

	if (got.type == KBDUS_ITEM_IOCTL)
		error = kbdus_ioctl_errno_(error);
	else
		error = kbdus_io_errno_(error);

	if (error == 0 && (got.type == KBDUS_ITEM_READ ||
			   (got.type == KBDUS_ITEM_IOCTL &&
			    (_IOC_DIR(pdu->ioctl_cmd) & _IOC_READ)))) {
		ret = kbdus_payload_of_(tc, prealloc, ptr_or_index, &p);
		if (!ret) {
			if (got.type == KBDUS_ITEM_READ)
				ret = kbdus_copy_payload_to_rq_(got.rq, &p);
			else
				ret = kbdus_payload_from_(
					&p, 0, pdu->ioctl_buf,
					_IOC_SIZE(pdu->ioctl_cmd));
		}
		if (ret) {
			kbdus_inverter_end_completion(tc->inverter, &got, 0,
						      false);
			return ret;
		}
	}

	kbdus_inverter_end_completion(tc->inverter, &got, error, true);
	return 0;
}

long kbdus_transceiver_ioctl(struct kbdus_transceiver *tc, unsigned int cmd,
			     unsigned long arg)
{
	int ret;

	if (arg >= tc->num_slots)
		return -EINVAL;

	switch (cmd) {
	case KBDUS_IOCTL_RECEIVE_ITEM:
		return kbdus_receive_(tc, arg);
	case KBDUS_IOCTL_SEND_REPLY:
		return kbdus_send_reply_(tc, arg);
	case KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM:
		ret = kbdus_send_reply_(tc, arg);
		if (ret)
			return ret;
		/* Retrying after EINTR is safe: the reply is now stale. */
		WRITE_ONCE(kbdus_slot_(tc, arg)->reply.handle_index, 0);
		return kbdus_receive_(tc, arg);
	default:
		return -ENOTTY;
	}
}
