// SPDX-License-Identifier: GPL-2.0
/*
 * Print the layout of the kbdus ABI (include/uapi/kbdus.h): every struct's
 * size and every field's offset and size, the ioctl numbers and the item
 * types, one per line.  ci.sh compares the output with abi-layout.expected,
 * so an ABI change is always deliberate; bindings in other languages can be
 * checked against the same table.
 */
#include <stddef.h>
#include <stdio.h>

#include "../include/uapi/kbdus.h"

#define S(t) printf("sizeof %s %zu\n", #t, sizeof(t))
#define F(t, f) \
	printf("field %s.%s %zu %zu\n", #t, #f, offsetof(t, f), sizeof(((t *)0)->f))
#define I(c) printf("ioctl %s 0x%08lx\n", #c, (unsigned long)(c))
#define E(c) printf("const %s %ld\n", #c, (long)(c))

int main(void)
{
	S(struct kbdus_version);
	F(struct kbdus_version, major);
	F(struct kbdus_version, minor);
	F(struct kbdus_version, patch);
	F(struct kbdus_version, reserved);

	S(struct kbdus_device_config);
	F(struct kbdus_device_config, id);
	F(struct kbdus_device_config, size);
	F(struct kbdus_device_config, logical_block_size);
	F(struct kbdus_device_config, physical_block_size);
	F(struct kbdus_device_config, max_read_write_size);
	F(struct kbdus_device_config, max_write_zeroes_size);
	F(struct kbdus_device_config, max_discard_erase_size);
	F(struct kbdus_device_config, max_outstanding_reqs);
	F(struct kbdus_device_config, request_timeout_ms);
	F(struct kbdus_device_config, major);
	F(struct kbdus_device_config, minor);
	F(struct kbdus_device_config, supports_read);
	F(struct kbdus_device_config, supports_write);
	F(struct kbdus_device_config, supports_write_zeroes);
	F(struct kbdus_device_config, supports_fua_write);
	F(struct kbdus_device_config, supports_flush);
	F(struct kbdus_device_config, supports_discard);
	F(struct kbdus_device_config, supports_secure_erase);
	F(struct kbdus_device_config, supports_ioctl);
	F(struct kbdus_device_config, read_only);
	F(struct kbdus_device_config, rotational);
	F(struct kbdus_device_config, merge_requests);
	F(struct kbdus_device_config, enable_partition_scanning);
	F(struct kbdus_device_config, recoverable);
	F(struct kbdus_device_config, timeout_while_detached);
	F(struct kbdus_device_config, reserved_1);
	F(struct kbdus_device_config, reserved_2);

	S(struct kbdus_fd_config);
	F(struct kbdus_fd_config, num_preallocated_buffers);
	F(struct kbdus_fd_config, buffer_size);
	F(struct kbdus_fd_config, buffers_offset);
	F(struct kbdus_fd_config, reserved);

	S(struct kbdus_device_and_fd_config);
	F(struct kbdus_device_and_fd_config, device);
	F(struct kbdus_device_and_fd_config, fd);

	S(struct kbdus_path_to_id);
	F(struct kbdus_path_to_id, path);
	F(struct kbdus_path_to_id, id);

	S(struct kbdus_item);
	F(struct kbdus_item, user_ptr_or_buffer_index);
	F(struct kbdus_item, handle_seqnum);
	F(struct kbdus_item, handle_index);
	F(struct kbdus_item, use_preallocated_buffer);
	F(struct kbdus_item, type);
	F(struct kbdus_item, arg32);
	F(struct kbdus_item, arg64);
	F(struct kbdus_item, reserved);

	S(struct kbdus_reply);
	F(struct kbdus_reply, user_ptr_or_buffer_index);
	F(struct kbdus_reply, handle_seqnum);
	F(struct kbdus_reply, handle_index);
	F(struct kbdus_reply, use_preallocated_buffer);
	F(struct kbdus_reply, ignored_1);
	F(struct kbdus_reply, error);
	F(struct kbdus_reply, ignored_2);
	F(struct kbdus_reply, reserved);

	S(union kbdus_slot);

	I(KBDUS_IOCTL_GET_VERSION);
	I(KBDUS_IOCTL_CREATE_DEVICE);
	I(KBDUS_IOCTL_ATTACH_TO_DEVICE);
	I(KBDUS_IOCTL_TERMINATE);
	I(KBDUS_IOCTL_MARK_AS_SUCCESSFUL);
	I(KBDUS_IOCTL_DEVICE_PATH_TO_ID);
	I(KBDUS_IOCTL_GET_DEVICE_CONFIG);
	I(KBDUS_IOCTL_FLUSH_DEVICE);
	I(KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION);
	I(KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED);
	I(KBDUS_IOCTL_RECEIVE_ITEM);
	I(KBDUS_IOCTL_SEND_REPLY);
	I(KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM);

	E(KBDUS_ITEM_DEVICE_AVAILABLE);
	E(KBDUS_ITEM_TERMINATE);
	E(KBDUS_ITEM_FLUSH_AND_TERMINATE);
	E(KBDUS_ITEM_READ);
	E(KBDUS_ITEM_WRITE);
	E(KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP);
	E(KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP);
	E(KBDUS_ITEM_FUA_WRITE);
	E(KBDUS_ITEM_FLUSH);
	E(KBDUS_ITEM_DISCARD);
	E(KBDUS_ITEM_SECURE_ERASE);
	E(KBDUS_ITEM_IOCTL);
	E(KBDUS_VERSION_MAJOR);
	E(KBDUS_VERSION_MINOR);
	E(KBDUS_VERSION_PATCH);
	E(KBDUS_SLOT_SIZE);
	E(KBDUS_MAX_OUTSTANDING_REQS);
	E(KBDUS_HARD_MAX_READ_WRITE_SIZE);
	E(KBDUS_DEFAULT_MAX_READ_WRITE_SIZE);
	E(KBDUS_MAX_IOCTL_SIZE);
	E(KBDUS_MAX_REQUEST_TIMEOUT_MS);
	E(KBDUS_OPENER_READ);
	E(KBDUS_OPENER_WRITE);
	return 0;
}
