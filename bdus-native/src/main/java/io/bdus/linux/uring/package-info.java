/**
 * io_uring from Java through JNA: ring setup and mapping, allocation-free submission and
 * completion with the memory ordering the kernel expects, {@code URING_CMD} entries with
 * their command area. Shared by the ublk transport and FUSE over io_uring.
 */
package io.bdus.linux.uring;
