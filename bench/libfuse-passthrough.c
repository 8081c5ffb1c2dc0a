/*
 * libfuse-passthrough: the C baseline of the benchmark suite.  A libfuse 3
 * high-level file system with a single regular file, /disk, whose reads,
 * writes, fsyncs and fallocates are passed to a backing file or block device
 * with pread/pwrite/fsync/fallocate.  The file is opened with direct_io (no
 * page cache in FUSE), so a loop device in direct-I/O mode on top of it sees
 * the same request path as the Java fuse-loop transport.  It runs libfuse's
 * own multithreaded loop with its default settings.
 *
 *   libfuse-passthrough BACKING MOUNTPOINT [FUSE OPTIONS]
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

static const char *disk_name = "disk";
static int backing_fd = -1;
static off_t backing_size;

static int is_disk(const char *path)
{
	return path[0] == '/' && strcmp(path + 1, disk_name) == 0;
}

static int pt_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0700;
		st->st_nlink = 2;
	} else if (is_disk(path)) {
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		st->st_size = backing_size;
		st->st_blocks = backing_size / 512;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int pt_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off, (void)fi, (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, disk_name, NULL, 0, 0);
	return 0;
}

static int pt_open(const char *path, struct fuse_file_info *fi)
{
	if (!is_disk(path))
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int pt_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path, (void)fi;
	n = pread(backing_fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int pt_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path, (void)fi;
	n = pwrite(backing_fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int pt_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path, (void)fi;
	return (datasync ? fdatasync(backing_fd) : fsync(backing_fd)) < 0 ? -errno : 0;
}

static int pt_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	(void)path, (void)fi;
	return fallocate(backing_fd, mode, off, len) < 0 ? -errno : 0;
}

static const struct fuse_operations pt_ops = {
	.getattr = pt_getattr,
	.readdir = pt_readdir,
	.open = pt_open,
	.read = pt_read,
	.write = pt_write,
	.fsync = pt_fsync,
	.fallocate = pt_fallocate,
};

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 3) {
		fprintf(stderr, "usage: %s BACKING MOUNTPOINT [FUSE OPTIONS]\n"
			"Mounts MOUNTPOINT/%s, a file passing I/O through to BACKING.\n",
			argv[0], disk_name);
		return 2;
	}
	backing_fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (backing_fd < 0 || fstat(backing_fd, &st) < 0) {
		perror(argv[1]);
		return 1;
	}
	backing_size = st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(backing_fd, BLKGETSIZE64, &backing_size) < 0) {
		perror("BLKGETSIZE64");
		return 1;
	}
	/* libfuse sees: PROGRAM MOUNTPOINT [OPTIONS] (the backing path is ours). */
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &pt_ops, NULL);
}
