/* disk-raw.c - the raw container: virtual offset = file offset
 *
 * Being a plain file, it can take a host file's bytes without them
 * passing through this process: shared blocks (FICLONERANGE) or a copy
 * in the kernel (copy_file_range).
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#include "disk.h"
#include "fullio.h"

#define RAW_BLOCK 4096	       /* what a reflink shares at least */
#define RAW_COPY_MAX (1 << 30) /* per copy_file_range call */

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

/* Errors that say the output cannot take the bytes: not worth a retry by
 * another path, and the build fails naming the image. */
static int output_error(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

/* Errors that say the kernel cannot do it between these two files at
 * all (other file systems, no reflinks, an old kernel). */
static int cannot(int err)
{
	return err == EXDEV || err == EOPNOTSUPP || err == ENOTTY ||
	       err == ENOSYS || err == EINVAL || err == EPERM;
}

/* The whole blocks, shared with the host file where the file system has
 * reflinks (btrfs, XFS): a block of the image is then the host's block. */
static int raw_clone(struct disk *d, int fd, uint64_t src_off, uint64_t len,
		     uint64_t off, int *caps, uint64_t *done)
{
	struct file_clone_range r;

	r.src_fd = fd;
	r.src_offset = src_off;
	r.src_length = len & ~(uint64_t)(RAW_BLOCK - 1);
	r.dest_offset = off;
	if (!r.src_length || (src_off | off) & (RAW_BLOCK - 1))
		return 0;
	if (ioctl(d->fd, FICLONERANGE, &r) == 0) {
		*done = r.src_length;
		*caps |= DISK_SHARED;
		return 0;
	}
	if (output_error(errno))
		return errno;
	if (cannot(errno))
		*caps &= ~DISK_CLONE;
	return 0;
}

static int raw_copy(struct disk *d, int fd, uint64_t src_off, uint64_t len,
		    uint64_t off, int *caps, uint64_t *done)
{
	int err;

	if ((*caps & DISK_CLONE) &&
	    (err = raw_clone(d, fd, src_off, len, off, caps, done)))
		return err;
	while ((*caps & DISK_COPY) && *done < len) {
		loff_t in = (loff_t)(src_off + *done),
		       out = (loff_t)(off + *done);
		size_t want = len - *done < RAW_COPY_MAX ?
				      (size_t)(len - *done) :
				      RAW_COPY_MAX;
		ssize_t n = copy_file_range(fd, &in, d->fd, &out, want, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && output_error(errno))
			return errno;
		if (n < 0 && cannot(errno))
			*caps &= ~DISK_COPY;
		if (n <= 0)
			break; /* the caller reads and writes the rest */
		*done += (uint64_t)n;
		if ((size_t)n < want)
			break; /* a short count: the same */
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
	.copy = raw_copy,
	.finish = raw_finish,
	.close = raw_close,
};
