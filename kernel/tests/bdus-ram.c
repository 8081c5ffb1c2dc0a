// SPDX-License-Identifier: GPL-2.0
/*
 * bdus-ram: smoke-test driver and client for kbdus, using only the uapi
 * header.  Subcommands (see usage()):
 *
 *   driver side   create / attach: a RAM disk (optionally backed by a file, so
 *                 that a later driver can take over its contents, and
 *                 optionally behind a volatile write cache) with injectable
 *                 errors, delays, abort() and hand-over interleavings.
 *   control       version, destroy, destroy-timed, flush, path-to-id,
 *                 get-config
 *   tests         bad-configs, slot-checks, cycles, ioctl-client, io (one
 *                 client request, prints the errno it got)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/kbdus.h"

#define CONTROL_PATH "/dev/bdus-control"
#define NUM_TYPES (KBDUS_ITEM_IOCTL + 1)

/* Test ioctls understood by the driver (type 'k'). */
#define KT_IO _IO('k', 1)
#define KT_IOR _IOR('k', 2, int32_t)
#define KT_IOW _IOW('k', 3, int32_t)
#define KT_IOWR _IOWR('k', 4, int32_t)
#define KT_EOVERFLOW _IO('k', 5)

static const char *const type_names[NUM_TYPES] = {
	"device_available", "terminate", "flush_and_terminate", "read",
	"write", "write_zeroes_no_unmap", "write_zeroes_may_unmap",
	"fua_write", "flush", "discard", "secure_erase", "ioctl",
};

/* ---------------------------------------------------------------- utils */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bdus-ram: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int open_control(void)
{
	int fd = open(CONTROL_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", CONTROL_PATH, strerror(errno));
	return fd;
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

static int type_by_name(const char *name)
{
	for (int i = 0; i < NUM_TYPES; i++)
		if (strcmp(name, type_names[i]) == 0)
			return i;
	die("unknown request type '%s'", name);
	return -1;
}

/* ------------------------------------------------------------ the driver */

struct options {
	struct kbdus_device_config dc;
	uint32_t threads;
	const char *backing;
	const char *trace;
	const char *gate;
	const char *id_file;
	bool user_buffers;
	bool volatile_cache;
	bool hold_writes;
	bool self_read;
	int inject_errno[NUM_TYPES];
	int delay_ms[NUM_TYPES];
	bool abort_on[NUM_TYPES];
};

static struct options opt;
static uint8_t *disk;
static int control_fd;
static int trace_fd = -1;
static union kbdus_slot *slots;
static uint8_t *buffers;
static uint32_t buffer_size;
static volatile int failed;

/* --volatile: writes land in "cache" (dirty blocks marked), flushes copy
 * them to "disk"; a driver that exits without a flush loses them. */
static uint8_t *cache;
static uint8_t *dirty;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* --hold-writes: set once FLUSH_AND_TERMINATE has been flushed. */
static bool handover_flushed;
static pthread_mutex_t handover_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t handover_cond = PTHREAD_COND_INITIALIZER;

static void trace(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (trace_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(trace_fd, line, n) != n)
		failed = 1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int handle_ioctl(uint32_t cmd, void *buf)
{
	int32_t *v = buf;

	switch (cmd) {
	case KT_IO:
		return 0;
	case KT_IOR:
		*v = 2345;
		return 0;
	case KT_IOW:
		return *v == 1234 ? 0 : EINVAL;
	case KT_IOWR:
		*v = *v * 2;
		return 0;
	case KT_EOVERFLOW:
		return EOVERFLOW;
	default:
		return ENOTTY;
	}
}

static const char *opener_name(uint64_t bits)
{
	static const char *const names[] = { "-", "r", "w", "rw" };

	return bits < 4 ? names[bits] : "?";
}

/* Copy @len bytes at @off into / out of the storage (cache-aware). */
static void store(uint64_t off, const void *src, uint32_t len)
{
	uint32_t lbs = opt.dc.logical_block_size;

	if (!opt.volatile_cache) {
		if (src)
			memcpy(disk + off, src, len);
		else
			memset(disk + off, 0, len);
		return;
	}
	pthread_mutex_lock(&cache_lock);
	if (src)
		memcpy(cache + off, src, len);
	else
		memset(cache + off, 0, len);
	memset(dirty + off / lbs, 1, len / lbs);
	pthread_mutex_unlock(&cache_lock);
}

static void load(uint64_t off, void *dst, uint32_t len)
{
	uint32_t lbs = opt.dc.logical_block_size;

	if (!opt.volatile_cache) {
		memcpy(dst, disk + off, len);
		return;
	}
	pthread_mutex_lock(&cache_lock);
	for (uint32_t i = 0; i < len; i += lbs) {
		uint64_t b = (off + i) / lbs;

		memcpy((uint8_t *)dst + i, (dirty[b] ? cache : disk) + off + i, lbs);
	}
	pthread_mutex_unlock(&cache_lock);
}

/* Make completed writes durable: write the cache back, sync the file. */
static int flush_storage(void)
{
	uint32_t lbs = opt.dc.logical_block_size;

	if (opt.volatile_cache) {
		pthread_mutex_lock(&cache_lock);
		for (uint64_t b = 0; b < opt.dc.size / lbs; b++) {
			if (dirty[b]) {
				memcpy(disk + b * lbs, cache + b * lbs, lbs);
				dirty[b] = 0;
			}
		}
		pthread_mutex_unlock(&cache_lock);
	}
	if (opt.backing && msync(disk, opt.dc.size, MS_SYNC) < 0)
		return EIO;
	return 0;
}

/* --hold-writes: wait until another thread has flushed for the hand-over. */
static void wait_for_handover_flush(void)
{
	pthread_mutex_lock(&handover_lock);
	while (!handover_flushed)
		pthread_cond_wait(&handover_cond, &handover_lock);
	pthread_mutex_unlock(&handover_lock);
}

static void wait_for_gate(void)
{
	while (opt.gate && access(opt.gate, F_OK) != 0)
		sleep_ms(50);
}

/* Serve one request; returns the errno for the reply. */
static int serve(struct kbdus_item *item, void *buf)
{
	uint64_t off = item->arg64;
	uint32_t len = item->arg32;
	int type = item->type;

	if (type == KBDUS_ITEM_IOCTL)
		trace("ioctl 0x%08" PRIx32 " opener=%s\n", len,
		      opener_name(off));
	else
		trace("%s %" PRIu64 " %" PRIu32 "\n", type_names[type], off, len);

	if (opt.abort_on[type])
		abort();
	if (opt.delay_ms[type])
		sleep_ms(opt.delay_ms[type]);
	if (opt.inject_errno[type])
		return opt.inject_errno[type];

	if (type != KBDUS_ITEM_FLUSH && type != KBDUS_ITEM_IOCTL &&
	    (off > opt.dc.size || len > opt.dc.size - off))
		return EIO; /* the kernel never sends this */

	switch (type) {
	case KBDUS_ITEM_READ:
		load(off, buf, len);
		return 0;
	case KBDUS_ITEM_WRITE:
		if (opt.hold_writes)
			wait_for_handover_flush();
		store(off, buf, len);
		return 0;
	case KBDUS_ITEM_FUA_WRITE:
		store(off, buf, len);
		return flush_storage();
	case KBDUS_ITEM_WRITE_ZEROES_NO_UNMAP:
	case KBDUS_ITEM_WRITE_ZEROES_MAY_UNMAP:
	case KBDUS_ITEM_DISCARD:
	case KBDUS_ITEM_SECURE_ERASE:
		store(off, NULL, len);
		return 0;
	case KBDUS_ITEM_FLUSH:
		return flush_storage();
	case KBDUS_ITEM_IOCTL:
		return handle_ioctl(len, buf);
	default:
		return EIO;
	}
}

/* --self-read: the driver reads its own device (uninterruptible I/O). */
static void *self_reader(void *arg)
{
	char path[64];
	void *buf;
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "/dev/bdus-%llu",
		 (unsigned long long)opt.dc.id);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096))
		die("self-read: open %s: %s", path, strerror(errno));
	if (pread(fd, buf, 4096, 0) != 4096)
		fprintf(stderr, "bdus-ram: self-read: %s\n", strerror(errno));
	else
		fprintf(stderr, "bdus-ram: self-read: ok\n");
	close(fd);
	return NULL;
}

static void *worker(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	union kbdus_slot *slot = &slots[i];
	void *buf;

	if (opt.user_buffers) {
		if (posix_memalign(&buf, 4096, buffer_size))
			die("posix_memalign");
		slot->item.use_preallocated_buffer = 0;
		slot->item.user_ptr_or_buffer_index = (uintptr_t)buf;
	} else {
		buf = buffers + (size_t)i * buffer_size;
		slot->item.use_preallocated_buffer = 1;
		slot->item.user_ptr_or_buffer_index = i;
	}
	slot->reply.handle_index = 0;

	for (;;) {
		if (xioctl(control_fd, KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM,
			   (void *)(uintptr_t)i) < 0) {
			fprintf(stderr, "bdus-ram: receive: %s\n", strerror(errno));
			failed = 1;
			xioctl(control_fd, KBDUS_IOCTL_TERMINATE, NULL);
			break;
		}

		switch (slot->item.type) {
		case KBDUS_ITEM_DEVICE_AVAILABLE:
			trace("device_available\n");
			printf("%llu\n", (unsigned long long)opt.dc.id);
			fflush(stdout);
			if (opt.self_read) {
				pthread_t t;

				if (pthread_create(&t, NULL, self_reader, NULL))
					die("pthread_create");
				pthread_detach(t);
			}
			continue;
		case KBDUS_ITEM_TERMINATE:
			return NULL;
		case KBDUS_ITEM_FLUSH_AND_TERMINATE:
			trace("flush_and_terminate\n");
			wait_for_gate();
			if (flush_storage())
				failed = 1;
			pthread_mutex_lock(&handover_lock);
			handover_flushed = true;
			pthread_cond_broadcast(&handover_cond);
			pthread_mutex_unlock(&handover_lock);
			continue;
		default:
			slot->reply.error = serve(&slot->item, buf);
		}
	}
	return NULL;
}

static void setup_storage(void)
{
	if (opt.backing) {
		int fd = open(opt.backing, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0 || ftruncate(fd, opt.dc.size) < 0)
			die("backing file %s: %s", opt.backing, strerror(errno));
		disk = mmap(NULL, opt.dc.size, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		close(fd);
	} else {
		disk = mmap(NULL, opt.dc.size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (disk == MAP_FAILED)
		die("mmap storage: %s", strerror(errno));
	if (opt.volatile_cache) {
		cache = mmap(NULL, opt.dc.size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		dirty = calloc(opt.dc.size / opt.dc.logical_block_size, 1);
		if (cache == MAP_FAILED || !dirty)
			die("volatile cache: %s", strerror(errno));
	}
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static int run_driver(bool attach)
{
	struct kbdus_device_and_fd_config cfg;
	pthread_t *threads;
	size_t map_size;
	uint32_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.device = opt.dc;
	cfg.fd.num_preallocated_buffers = opt.user_buffers ? 0 : opt.threads;

	control_fd = open_control();
	if (attach) {
		/* A caught signal must not end the attach: no retry here, so
		 * that an EINTR would show.  SIGUSR1 is caught for the test. */
		struct sigaction sa = { .sa_handler = on_sigusr1 };

		sigaction(SIGUSR1, &sa, NULL);
		if (ioctl(control_fd, KBDUS_IOCTL_ATTACH_TO_DEVICE, &cfg) < 0)
			die("attach: %s", strerror(errno));
	} else if (xioctl(control_fd, KBDUS_IOCTL_CREATE_DEVICE, &cfg) < 0) {
		die("create: %s", strerror(errno));
	}
	opt.dc = cfg.device;
	if (opt.id_file) {
		FILE *f = fopen(opt.id_file, "w");

		if (!f || fprintf(f, "%llu\n", (unsigned long long)opt.dc.id) < 0 ||
		    fclose(f))
			die("id file %s: %s", opt.id_file, strerror(errno));
	}

	if (opt.threads > opt.dc.max_outstanding_reqs)
		opt.threads = opt.dc.max_outstanding_reqs;
	buffer_size = cfg.fd.buffer_size;

	setup_storage();

	map_size = cfg.fd.buffers_offset +
		   (size_t)cfg.fd.num_preallocated_buffers * cfg.fd.buffer_size;
	slots = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     control_fd, 0);
	if (slots == MAP_FAILED)
		die("mmap control: %s", strerror(errno));
	buffers = (uint8_t *)slots + cfg.fd.buffers_offset;

	threads = calloc(opt.threads, sizeof(*threads));
	for (i = 0; i < opt.threads; i++)
		if (pthread_create(&threads[i], NULL, worker,
				   (void *)(uintptr_t)i))
			die("pthread_create");
	for (i = 0; i < opt.threads; i++)
		pthread_join(threads[i], NULL);

	if (!failed)
		xioctl(control_fd, KBDUS_IOCTL_MARK_AS_SUCCESSFUL, NULL);
	close(control_fd);
	return failed ? 1 : 0;
}

static void parse_type_value(const char *s, int *table)
{
	char name[64];
	const char *eq = strchr(s, '=');

	if (!eq || (size_t)(eq - s) >= sizeof(name))
		die("expected TYPE=VALUE, got '%s'", s);
	memcpy(name, s, eq - s);
	name[eq - s] = '\0';
	table[type_by_name(name)] = atoi(eq + 1);
}

static void parse_driver_options(int argc, char **argv)
{
	struct kbdus_device_config *c = &opt.dc;

	c->size = 64 << 20;
	c->logical_block_size = 512;
	c->max_outstanding_reqs = 16;
	c->supports_read = c->supports_write = c->supports_write_zeroes = 1;
	c->supports_fua_write = c->supports_flush = c->supports_discard = 1;
	c->supports_secure_erase = c->supports_ioctl = 1;
	c->merge_requests = 1;
	c->enable_partition_scanning = 1;
	opt.threads = 4;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define NEEDV()                                        \
	do {                                           \
		if (!v)                                \
			die("%s needs a value", a);    \
		i++;                                   \
	} while (0)
		if (!strcmp(a, "--size")) {
			NEEDV();
			c->size = strtoull(v, NULL, 0);
		} else if (!strcmp(a, "--lbs")) {
			NEEDV();
			c->logical_block_size = strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--threads")) {
			NEEDV();
			opt.threads = strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--queue-depth")) {
			NEEDV();
			c->max_outstanding_reqs = strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--timeout-ms")) {
			NEEDV();
			c->request_timeout_ms = strtoul(v, NULL, 0);
		} else if (!strcmp(a, "--timeout-while-detached")) {
			c->timeout_while_detached = 1;
		} else if (!strcmp(a, "--recoverable")) {
			c->recoverable = 1;
		} else if (!strcmp(a, "--no-partitions")) {
			c->enable_partition_scanning = 0;
		} else if (!strcmp(a, "--read-only")) {
			c->read_only = 1;
		} else if (!strcmp(a, "--rotational")) {
			c->rotational = 1;
		} else if (!strcmp(a, "--no-merge")) {
			c->merge_requests = 0;
		} else if (!strcmp(a, "--no-flush")) {
			c->supports_flush = c->supports_fua_write = 0;
		} else if (!strcmp(a, "--user-buffers")) {
			opt.user_buffers = true;
		} else if (!strcmp(a, "--volatile")) {
			opt.volatile_cache = true;
		} else if (!strcmp(a, "--hold-writes")) {
			opt.hold_writes = true;
		} else if (!strcmp(a, "--self-read")) {
			opt.self_read = true;
		} else if (!strcmp(a, "--gate")) {
			NEEDV();
			opt.gate = v;
		} else if (!strcmp(a, "--id-file")) {
			NEEDV();
			opt.id_file = v;
		} else if (!strcmp(a, "--backing")) {
			NEEDV();
			opt.backing = v;
		} else if (!strcmp(a, "--trace")) {
			NEEDV();
			opt.trace = v;
		} else if (!strcmp(a, "--error")) {
			NEEDV();
			parse_type_value(v, opt.inject_errno);
		} else if (!strcmp(a, "--delay")) {
			NEEDV();
			parse_type_value(v, opt.delay_ms);
		} else if (!strcmp(a, "--abort")) {
			NEEDV();
			opt.abort_on[type_by_name(v)] = true;
		} else {
			die("unknown option '%s'", a);
		}
#undef NEEDV
	}

	if (opt.threads == 0)
		opt.threads = 1;
	if (opt.trace) {
		trace_fd = open(opt.trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				0644);
		if (trace_fd < 0)
			die("trace file %s: %s", opt.trace, strerror(errno));
	}
}

/* --------------------------------------------------------- control cmds */

static uint64_t parse_id(const char *s)
{
	char *end;
	uint64_t id = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		die("bad device id '%s'", s);
	return id;
}

static int cmd_version(void)
{
	struct kbdus_version v;
	int fd = open_control();

	if (xioctl(fd, KBDUS_IOCTL_GET_VERSION, &v) < 0)
		die("get version: %s", strerror(errno));
	printf("%u.%u.%u\n", v.major, v.minor, v.patch);
	if (v.major != KBDUS_VERSION_MAJOR || v.reserved != 0)
		die("unexpected version");
	return 0;
}

static int cmd_id_ioctl(unsigned long cmd, const char *what, const char *ids)
{
	uint64_t id = parse_id(ids);
	int fd = open_control();

	if (xioctl(fd, cmd, &id) < 0) {
		fprintf(stderr, "bdus-ram: %s: %s\n", what, strerror(errno));
		return 1;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Destroy a device; with @timed, print how long the wait took. */
static int cmd_destroy(const char *ids, bool timed)
{
	uint64_t id = parse_id(ids), t0;
	int fd = open_control();

	if (xioctl(fd, KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION, &id) < 0)
		die("trigger destruction: %s", strerror(errno));
	t0 = now_us();
	if (xioctl(fd, KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED, &id) < 0)
		die("wait: %s", strerror(errno));
	if (timed)
		printf("wait_ms %" PRIu64 "\n", (now_us() - t0) / 1000);
	close(fd);
	return 0;
}

static int cmd_path_to_id(const char *path)
{
	struct kbdus_path_to_id p = { .path = (uintptr_t)path };
	int fd = open_control();

	if (xioctl(fd, KBDUS_IOCTL_DEVICE_PATH_TO_ID, &p) < 0) {
		printf("ERR %d\n", errno);
		return 1;
	}
	printf("%llu\n", (unsigned long long)p.id);
	return 0;
}

static int cmd_get_config(const char *ids)
{
	struct kbdus_device_config c = { .id = parse_id(ids) };
	int fd = open_control();

	if (xioctl(fd, KBDUS_IOCTL_GET_DEVICE_CONFIG, &c) < 0) {
		printf("ERR %d\n", errno);
		return 1;
	}
	printf("id=%llu size=%llu lbs=%u pbs=%u max_rw=%u "
	       "max_wz=%u max_de=%u qd=%u timeout_ms=%u major=%u minor=%u "
	       "read_only=%u rotational=%u merge=%u partitions=%u "
	       "recoverable=%u\n",
	       (unsigned long long)c.id, (unsigned long long)c.size, c.logical_block_size, c.physical_block_size,
	       c.max_read_write_size, c.max_write_zeroes_size,
	       c.max_discard_erase_size, c.max_outstanding_reqs,
	       c.request_timeout_ms, c.major, c.minor, c.read_only,
	       c.rotational, c.merge_requests, c.enable_partition_scanning,
	       c.recoverable);
	return 0;
}

/* ------------------------------------------------------------ test cmds */

static void valid_config(struct kbdus_device_and_fd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device.size = 1 << 20;
	cfg->device.logical_block_size = 512;
	cfg->device.max_outstanding_reqs = 4;
	cfg->device.supports_read = 1;
	cfg->device.supports_write = 1;
	cfg->fd.num_preallocated_buffers = 1;
}

/* Create with @cfg on a fresh fd; returns 0 or errno.  Cleans up. */
static int try_create(struct kbdus_device_and_fd_config *cfg)
{
	int fd = open_control();
	int ret = xioctl(fd, KBDUS_IOCTL_CREATE_DEVICE, cfg) < 0 ? errno : 0;
	uint64_t id = cfg->device.id;

	close(fd);
	if (ret == 0) {
		/* Closed without success: the device is destroyed. */
		fd = open_control();
		if (xioctl(fd, KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED,
			   &id) < 0)
			die("wait: %s", strerror(errno));
		close(fd);
	}
	return ret;
}

static int report(const char *desc, int got, int expected)
{
	printf("%-40s %s (got %d)\n", desc, got == expected ? "ok" : "WRONG",
	       got);
	return got != expected;
}

static int slot_ioctl(int fd, unsigned long cmd)
{
	return ioctl(fd, cmd, 0) < 0 ? errno : 0;
}

/*
 * Checks of the mmap and of the slot, on a live device: MAP_PRIVATE, bad
 * use_preallocated_buffer, receive zeroing the reserved bytes, a reply with
 * non-zero reserved bytes (rejected, the request stays pending).  A child
 * process is the client.  Returns the number of failures.
 */
static int slot_checks(void)
{
	struct kbdus_device_and_fd_config cfg;
	union kbdus_slot *s;
	char path[64];
	size_t map_size;
	int fd, failures = 0, status, ret;
	pid_t child;
	void *p;

	valid_config(&cfg);
	fd = open_control();
	if (xioctl(fd, KBDUS_IOCTL_CREATE_DEVICE, &cfg) < 0)
		die("slot checks: create: %s", strerror(errno));
	map_size = cfg.fd.buffers_offset + cfg.fd.buffer_size;

	p = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	failures += report("mmap MAP_PRIVATE", p == MAP_FAILED ? errno : 0,
			   EINVAL);
	if (p != MAP_FAILED)
		munmap(p, map_size);
	s = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED)
		die("slot checks: mmap: %s", strerror(errno));

	/* A kernel that accepts the bad slot must not make this hang. */
	alarm(60);
	s->item.user_ptr_or_buffer_index = 0;
	s->item.use_preallocated_buffer = 2;
	memset(s->item.reserved, 0xa5, sizeof(s->item.reserved));
	ret = slot_ioctl(fd, KBDUS_IOCTL_RECEIVE_ITEM);
	failures += report("receive: use_preallocated_buffer 2", ret, EINVAL);

	if (ret != 0) {
		s->item.use_preallocated_buffer = 1;
		memset(s->item.reserved, 0xa5, sizeof(s->item.reserved));
		if (slot_ioctl(fd, KBDUS_IOCTL_RECEIVE_ITEM))
			die("slot checks: receive: %s", strerror(errno));
	}
	if (s->item.type != KBDUS_ITEM_DEVICE_AVAILABLE)
		die("slot checks: no DEVICE_AVAILABLE");
	s->item.use_preallocated_buffer = 1;
	failures += report("receive zeroes bytes 32..63",
			   memchr(s->item.reserved, 0xa5,
				  sizeof(s->item.reserved)) != NULL, 0);

	snprintf(path, sizeof(path), "/dev/bdus-%llu",
		 (unsigned long long)cfg.device.id);
	child = fork();
	if (child == 0) {
		int bfd = open(path, O_RDONLY | O_DIRECT);
		void *buf;

		if (bfd < 0 || posix_memalign(&buf, 4096, 4096))
			_exit(2);
		_exit(pread(bfd, buf, 4096, 0) == 4096 ? 0 : 1);
	}
	if (slot_ioctl(fd, KBDUS_IOCTL_RECEIVE_ITEM) ||
	    s->item.type != KBDUS_ITEM_READ)
		die("slot checks: no READ");

	s->reply.error = 0;
	s->reply.reserved[31] = 1;
	failures += report("reply: reserved not zero",
			   slot_ioctl(fd, KBDUS_IOCTL_SEND_REPLY), EINVAL);
	s->reply.reserved[31] = 0;
	s->reply.use_preallocated_buffer = 2;
	failures += report("reply: use_preallocated_buffer 2",
			   slot_ioctl(fd, KBDUS_IOCTL_SEND_REPLY), EINVAL);
	s->reply.use_preallocated_buffer = 1;
	failures += report("request pending after rejected replies",
			   waitpid(child, &status, WNOHANG), 0);
	s->reply.ignored_1 = 0xff; /* ignored, as documented */
	s->reply.ignored_2 = UINT64_MAX;
	failures += report("reply: valid (ignored bytes set)",
			   slot_ioctl(fd, KBDUS_IOCTL_SEND_REPLY), 0);
	failures += report("client's read completed",
			   waitpid(child, &status, 0) == child &&
					   WIFEXITED(status) ?
				   WEXITSTATUS(status) :
				   -1,
			   0);

	alarm(0);
	munmap(s, map_size);
	close(fd);
	fd = open_control();
	if (xioctl(fd, KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED,
		   &cfg.device.id) < 0)
		die("slot checks: wait: %s", strerror(errno));
	close(fd);
	return failures;
}

static int cmd_bad_configs(void)
{
	struct kbdus_device_and_fd_config cfg;
	int failures = 0, ret;

#define EXPECT(desc, expected, mutate)                                      \
	do {                                                                \
		valid_config(&cfg);                                         \
		mutate;                                                     \
		ret = try_create(&cfg);                                     \
		printf("%-40s %s (got %d)\n", desc,                         \
		       ret == (expected) ? "ok" : "WRONG", ret);            \
		if (ret != (expected))                                      \
			failures++;                                         \
	} while (0)

	EXPECT("valid", 0, (void)0);
	EXPECT("valid: 4k blocks, largest size", 0,
	       (cfg.device.logical_block_size = 4096,
		cfg.device.size = (uint64_t)INT64_MAX - 4095));
	EXPECT("valid: largest timeout", 0,
	       cfg.device.request_timeout_ms = KBDUS_MAX_REQUEST_TIMEOUT_MS);
	EXPECT("size 0", EINVAL, cfg.device.size = 0);
	EXPECT("size > MAX_LFS_FILESIZE", EINVAL,
	       (cfg.device.logical_block_size = 4096,
		cfg.device.size = UINT64_MAX - 4095));
	EXPECT("size 2^63", EINVAL, cfg.device.size = (uint64_t)1 << 63);
	EXPECT("request_timeout_ms > max", EINVAL,
	       cfg.device.request_timeout_ms = KBDUS_MAX_REQUEST_TIMEOUT_MS + 1);
	EXPECT("request_timeout_ms UINT32_MAX", EINVAL,
	       cfg.device.request_timeout_ms = UINT32_MAX);
	EXPECT("size not a multiple", EINVAL, cfg.device.size = 1000);
	EXPECT("lbs 0", EINVAL, cfg.device.logical_block_size = 0);
	EXPECT("lbs 513", EINVAL, cfg.device.logical_block_size = 513);
	EXPECT("lbs 256", EINVAL, cfg.device.logical_block_size = 256);
	EXPECT("lbs > page", EINVAL, cfg.device.logical_block_size = 1 << 16);
	EXPECT("pbs < lbs", EINVAL,
	       (cfg.device.logical_block_size = 4096,
		cfg.device.physical_block_size = 512));
	EXPECT("pbs not power of 2", EINVAL,
	       cfg.device.physical_block_size = 1536);
	EXPECT("fua without flush", EINVAL, cfg.device.supports_fua_write = 1);
	EXPECT("max_read_write_size < page", EINVAL,
	       cfg.device.max_read_write_size = 512);
	EXPECT("max_write_zeroes_size < lbs", EINVAL,
	       (cfg.device.supports_write_zeroes = 1,
		cfg.device.max_write_zeroes_size = 100));
	EXPECT("max_discard_erase_size < lbs", EINVAL,
	       (cfg.device.supports_discard = 1,
		cfg.device.max_discard_erase_size = 100));
	EXPECT("max_outstanding_reqs 0", EINVAL,
	       cfg.device.max_outstanding_reqs = 0);
	EXPECT("bool field 2", EINVAL, cfg.device.recoverable = 2);
	EXPECT("reserved_1", EINVAL, cfg.device.reserved_1[1] = 1);
	EXPECT("reserved_2", EINVAL, cfg.device.reserved_2[59] = 1);
	EXPECT("fd reserved", EINVAL, cfg.fd.reserved[0] = 1);

#undef EXPECT
	{
		/* Unknown ids, and an attach from an fd that is a driver. */
		int fd = open_control();
		uint64_t id = UINT64_MAX;
		struct kbdus_device_config c = { .id = UINT64_MAX };

		ret = xioctl(fd, KBDUS_IOCTL_GET_DEVICE_CONFIG, &c) < 0 ? errno : 0;
		printf("%-40s %s (got %d)\n", "get-config of unknown id",
		       ret == EINVAL ? "ok" : "WRONG", ret);
		failures += ret != EINVAL;
		ret = xioctl(fd, KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION, &id) < 0 ?
			      errno : 0;
		printf("%-40s %s (got %d)\n", "destroy of unknown id",
		       ret == EINVAL ? "ok" : "WRONG", ret);
		failures += ret != EINVAL;
		ret = xioctl(fd, KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM, 0) < 0 ?
			      errno : 0;
		printf("%-40s %s (got %d)\n", "receive on a non-driver fd",
		       ret == EINVAL ? "ok" : "WRONG", ret);
		failures += ret != EINVAL;
		ret = ioctl(fd, _IO(KBDUS_IOCTL_TYPE, 99), 0) < 0 ? errno : 0;
		printf("%-40s %s (got %d)\n", "unknown ioctl",
		       ret == ENOTTY ? "ok" : "WRONG", ret);
		failures += ret != ENOTTY;
		close(fd);
	}
	failures += slot_checks();
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* Serve a device with one thread until TERMINATE; for cycles. */
static void serve_until_terminated(int fd, union kbdus_slot *s, uint8_t *buf,
				   uint8_t *store, uint64_t trigger_id,
				   int other_fd)
{
	s->item.use_preallocated_buffer = 1;
	s->item.user_ptr_or_buffer_index = 0;
	s->reply.handle_index = 0;
	for (;;) {
		if (xioctl(fd, KBDUS_IOCTL_SEND_REPLY_AND_RECEIVE_ITEM, 0) < 0)
			die("cycles: receive: %s", strerror(errno));
		switch (s->item.type) {
		case KBDUS_ITEM_DEVICE_AVAILABLE:
			if (xioctl(other_fd,
				   KBDUS_IOCTL_TRIGGER_DEVICE_DESTRUCTION,
				   &trigger_id) < 0)
				die("cycles: trigger: %s", strerror(errno));
			break;
		case KBDUS_ITEM_TERMINATE:
			return;
		case KBDUS_ITEM_READ:
			memcpy(buf, store + s->item.arg64, s->item.arg32);
			s->reply.error = 0;
			break;
		default:
			s->reply.error = 0;
			break;
		}
	}
}

static int cmd_cycles(const char *ns)
{
	int n = atoi(ns);
	int other = open_control();
	size_t size = 1 << 20;
	uint8_t *store = calloc(1, size);

	for (int i = 0; i < n; i++) {
		struct kbdus_device_and_fd_config cfg;
		union kbdus_slot *s;
		uint64_t id;
		int fd;

		valid_config(&cfg);
		cfg.device.size = size;
		cfg.device.enable_partition_scanning = i % 2;
		fd = open_control();
		if (xioctl(fd, KBDUS_IOCTL_CREATE_DEVICE, &cfg) < 0)
			die("cycles: create #%d: %s", i, strerror(errno));
		id = cfg.device.id;
		s = mmap(NULL, cfg.fd.buffers_offset + cfg.fd.buffer_size,
			 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (s == MAP_FAILED)
			die("cycles: mmap: %s", strerror(errno));
		serve_until_terminated(fd, s, (uint8_t *)s + cfg.fd.buffers_offset,
				       store, id, other);
		munmap(s, cfg.fd.buffers_offset + cfg.fd.buffer_size);
		close(fd);
		if (xioctl(other, KBDUS_IOCTL_WAIT_UNTIL_DEVICE_IS_DESTROYED,
			   &id) < 0)
			die("cycles: wait: %s", strerror(errno));
	}
	printf("%d cycles done\n", n);
	return 0;
}

/*
 * Client: forwarded ioctls in every direction, on the device opened
 * read-write ("rw") or read-only ("ro", where commands that pass data in
 * must fail with EBADF).
 */
static int cmd_ioctl_client(const char *path, const char *mode)
{
	bool ro = !strcmp(mode, "ro");
	int fd, failures = 0;
	int32_t v;

	if (!ro && strcmp(mode, "rw"))
		die("ioctl-client: mode must be ro or rw");
	fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));

#define CHECK(desc, cond)                                              \
	do {                                                           \
		bool ok_ = (cond);                                     \
		printf("%-32s %s\n", desc, ok_ ? "ok" : "WRONG");      \
		failures += !ok_;                                      \
	} while (0)

	CHECK("_IO", ioctl(fd, KT_IO) == 0);
	v = 0;
	CHECK("_IOR returns 2345", ioctl(fd, KT_IOR, &v) == 0 && v == 2345);
	if (ro) {
		v = 1234;
		CHECK("_IOW read-only: EBADF",
		      ioctl(fd, KT_IOW, &v) < 0 && errno == EBADF);
		v = 21;
		CHECK("_IOWR read-only: EBADF",
		      ioctl(fd, KT_IOWR, &v) < 0 && errno == EBADF && v == 21);
	} else {
		v = 1234;
		CHECK("_IOW accepted", ioctl(fd, KT_IOW, &v) == 0 && v == 1234);
		v = 1;
		CHECK("_IOW EINVAL passes",
		      ioctl(fd, KT_IOW, &v) < 0 && errno == EINVAL);
		v = 21;
		CHECK("_IOWR doubles", ioctl(fd, KT_IOWR, &v) == 0 && v == 42);
	}
	CHECK("EOVERFLOW passes",
	      ioctl(fd, KT_EOVERFLOW) < 0 && errno == EOVERFLOW);
	CHECK("unknown cmd ENOTTY",
	      ioctl(fd, _IO('k', 77)) < 0 && errno == ENOTTY);
	CHECK("malformed cmd ENOTTY",
	      ioctl(fd, _IOC(_IOC_NONE, 'k', 6, 4)) < 0 && errno == ENOTTY);
#undef CHECK
	close(fd);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* Client: one request; prints "OK" or "ERR <errno>". */
static int cmd_io(int argc, char **argv)
{
	const char *op, *path;
	uint64_t off, len, range[2];
	void *buf;
	int fd, ret = 0;

	if (argc != 4)
		die("usage: io PATH OP OFFSET LENGTH");
	path = argv[0];
	op = argv[1];
	off = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	range[0] = off;
	range[1] = len;

	if (!strncmp(path, "fd:", 3)) {
		fd = atoi(path + 3); /* an inherited descriptor */
	} else {
		fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (fd < 0)
			fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	}
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (posix_memalign(&buf, 4096, len ? len : 4096))
		die("posix_memalign");
	memset(buf, 0x5a, len);

	if (!strcmp(op, "read"))
		ret = pread(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
	else if (!strcmp(op, "write"))
		ret = pwrite(fd, buf, len, off) == (ssize_t)len ? 0 : -1;
	else if (!strcmp(op, "fsync"))
		ret = fsync(fd);
	else if (!strcmp(op, "discard"))
		ret = ioctl(fd, BLKDISCARD, range);
	else if (!strcmp(op, "zeroout"))
		ret = ioctl(fd, BLKZEROOUT, range);
	else if (!strcmp(op, "secdiscard"))
		ret = ioctl(fd, BLKSECDISCARD, range);
	else if (!strcmp(op, "ioctl"))
		ret = ioctl(fd, KT_IOR, buf);
	else
		die("unknown op '%s'", op);

	if (ret < 0)
		printf("ERR %d\n", errno ? errno : EIO);
	else
		printf("OK\n");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bdus-ram COMMAND [ARGS]\n"
		"\n"
		"Driver (serves until terminated; prints the device id when available):\n"
		"  create [OPTIONS]          create a RAM device\n"
		"  attach ID [OPTIONS]       take over device ID (replace/recover)\n"
		"    --size BYTES --lbs N --threads N --queue-depth N\n"
		"    --timeout-ms MS [--timeout-while-detached] --recoverable\n"
		"    --no-partitions --read-only --rotational --no-merge --no-flush\n"
		"    --user-buffers            payload in user memory, not the mmap\n"
		"    --backing FILE            keep the contents in FILE (shared)\n"
		"    --volatile                writes go to a private cache; only a\n"
		"                              flush (or FLUSH_AND_TERMINATE) copies\n"
		"                              them to the storage\n"
		"    --hold-writes             a WRITE waits until another thread has\n"
		"                              received FLUSH_AND_TERMINATE and flushed\n"
		"    --gate FILE               FLUSH_AND_TERMINATE waits until FILE exists\n"
		"    --self-read               once available, a thread reads block 0\n"
		"                              of the device itself (O_DIRECT)\n"
		"    --id-file FILE            write the id to FILE when created\n"
		"    --trace FILE              append one line per item received\n"
		"                              (ioctls: command and opener=r|w|rw)\n"
		"    --error TYPE=ERRNO        reply ERRNO to every TYPE request\n"
		"    --delay TYPE=MS           sleep MS before serving TYPE\n"
		"    --abort TYPE              abort() on receiving a TYPE request\n"
		"  TYPE: read write write_zeroes_no_unmap write_zeroes_may_unmap\n"
		"        fua_write flush discard secure_erase ioctl\n"
		"\n"
		"Control:\n"
		"  version | destroy ID | flush ID | path-to-id PATH | get-config ID\n"
		"  destroy-timed ID          destroy, print how long the wait took\n"
		"\n"
		"Tests:\n"
		"  bad-configs               invalid configs, mmaps and slots must get\n"
		"                            EINVAL\n"
		"  cycles N                  N create/serve/destroy cycles\n"
		"  ioctl-client DEV [rw|ro]  forwarded ioctls in every direction, with\n"
		"                            the device opened read-write (default) or\n"
		"                            read-only (_IOW/_IOWR must get EBADF)\n"
		"  io DEV OP OFFSET LENGTH   OP: read write fsync discard zeroout\n"
		"                            secdiscard ioctl; prints OK or ERR <errno>;\n"
		"                            DEV may be fd:N (an inherited descriptor)\n");
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(cmd, "create")) {
		parse_driver_options(argc - 2, argv + 2);
		return run_driver(false);
	}
	if (!strcmp(cmd, "attach") && argc >= 3) {
		parse_driver_options(argc - 3, argv + 3);
		opt.dc.id = parse_id(argv[2]);
		return run_driver(true);
	}
	if (!strcmp(cmd, "version"))
		return cmd_version();
	if (!strcmp(cmd, "destroy") && argc == 3)
		return cmd_destroy(argv[2], false);
	if (!strcmp(cmd, "destroy-timed") && argc == 3)
		return cmd_destroy(argv[2], true);
	if (!strcmp(cmd, "flush") && argc == 3)
		return cmd_id_ioctl(KBDUS_IOCTL_FLUSH_DEVICE, "flush", argv[2]);
	if (!strcmp(cmd, "path-to-id") && argc == 3)
		return cmd_path_to_id(argv[2]);
	if (!strcmp(cmd, "get-config") && argc == 3)
		return cmd_get_config(argv[2]);
	if (!strcmp(cmd, "bad-configs"))
		return cmd_bad_configs();
	if (!strcmp(cmd, "cycles") && argc == 3)
		return cmd_cycles(argv[2]);
	if (!strcmp(cmd, "ioctl-client") && (argc == 3 || argc == 4))
		return cmd_ioctl_client(argv[2], argc == 4 ? argv[3] : "rw");
	if (!strcmp(cmd, "io"))
		return cmd_io(argc - 2, argv + 2);

	usage(stderr);
	return 2;
}
