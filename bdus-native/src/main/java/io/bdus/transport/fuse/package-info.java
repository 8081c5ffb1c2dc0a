/**
 * The {@code fuse-loop} transport: a {@code /dev/fuse} server in Java that exposes a device
 * as one file, and a kernel loop device in direct-I/O mode over it.
 */
package io.bdus.transport.fuse;
