/* disk-raw.c - the raw container: virtual offset = file offset */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"

static int raw_open(struct disk *d)
{
	/* A sparse file: what is never written reads as zeros. */
	if (ftruncate(d->fd, (off_t)d->size))
		return errno;
	return 0;
}

static int raw_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(d->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0)
			return EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int raw_pread(struct disk *d, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(d->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int raw_finish(struct disk *d)
{
	return 0;
}

static void raw_close(struct disk *d)
{
}

/* A raw disk has no options of its own. */
static int raw_parse(cfg_t *sec, const struct os_config *cfg, int line,
		     void *object)
{
	return 0;
}

const struct disk_format disk_format_raw = {
	.conf = {
		.name = "raw",
		.parse = raw_parse,
	},
	.open = raw_open,
	.pwrite = raw_pwrite,
	.pread = raw_pread,
	.finish = raw_finish,
	.close = raw_close,
};
