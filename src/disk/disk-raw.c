/* disk-raw.c - the raw container: virtual offset = file offset */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "fullio.h"

static int raw_open(struct disk *d)
{
	/* A sparse file: what is never written reads as zeros. */
	if (ftruncate(d->fd, (off_t)d->size))
		return errno;
	return 0;
}

static int raw_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	return pwrite_full(d->fd, buf, len, off);
}

/* Past the end of the file is a hole still to be written: zeros. */
static int raw_pread(struct disk *d, void *buf, size_t len, uint64_t off)
{
	size_t got;
	int err = pread_full(d->fd, buf, len, off, &got);

	if (!err)
		memset((char *)buf + got, 0, len - got);
	return err;
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
