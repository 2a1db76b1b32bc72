/* disk.c - the container registry and the io_manager libext2fs writes through
 *
 * The io_manager keeps a small write-back cache of single blocks: the
 * library writes inode-table blocks once per inode and bitmaps a block at
 * a time, and the cache turns those into one write per block.  Multi-block
 * writes (file data, directories) go straight to the container.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "channel.h"
#include "diag.h"
#include "disk.h"

static const struct disk_format *const formats[] = {
	&disk_format_raw,
	&disk_format_qcow2,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))
#define WRITEBACK_STEP (32ULL << 20)

const struct disk_format *disk_format_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < NFORMATS; i++)
		if (!strcmp(formats[i]->conf.name, name))
			return formats[i];
	return NULL;
}

const struct conf_kind *const *disk_format_conf_kinds(void)
{
	static const struct conf_kind *v[NFORMATS + 1];
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		v[i] = &formats[i]->conf;
	return v;
}

const char *disk_format_names(void)
{
	static char buf[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < NFORMATS; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 i ? ", " : "", formats[i]->conf.name);
	return buf;
}

int disk_error(struct disk *d, const char *what, int err)
{
	return diag_error(EXIT_BUILD, "%s: %s: %s", d->path, what,
			  strerror(err));
}

int disk_open(struct disk *d, const struct disk_format *fmt, int fd,
	      const char *path, uint64_t size, const struct disk_options *opts)
{
	int err;

	memset(d, 0, sizeof(*d));
	if (opts)
		d->opts = *opts;
	d->fmt = fmt;
	d->fd = fd;
	d->path = path;
	d->size = size;
	err = fmt->open(d);
	return err ? disk_error(d, "cannot create the disk", err) : 0;
}

/*
 * N more bytes went into the output: at every WRITEBACK_STEP of them,
 * start writing the output's dirty pages to its device (not waiting for
 * them).  The device then works while the build goes on, instead of all
 * of it at the fsync before the rename, and the dirty pages the build
 * leaves stay few.  A failure here is no failure of the build: the
 * fsync that follows reports any error of the writeback.
 */
static void written(struct disk *d, uint64_t n)
{
	uint64_t now = __atomic_add_fetch(&d->written, n, __ATOMIC_RELAXED);

	if (now / WRITEBACK_STEP != (now - n) / WRITEBACK_STEP)
		(void)sync_file_range(d->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static int in_range(struct disk *d, size_t len, uint64_t off)
{
	return off <= d->size && len <= d->size - off;
}

int disk_copy(struct disk *d, int fd, uint64_t src_off, uint64_t len,
	      uint64_t off, int *caps, uint64_t *done)
{
	int err;

	*done = 0;
	if (!d->fmt->copy || !*caps)
		return 0;
	if (!in_range(d, len, off))
		return EINVAL;
	err = d->fmt->copy(d, fd, src_off, len, off, caps, done);
	written(d, *done);
	return err;
}

int disk_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	int err;

	if (!in_range(d, len, off))
		return EINVAL;
	err = d->fmt->pwrite(d, buf, len, off);
	if (!err)
		written(d, len);
	return err;
}

/* disk_pwrite, with the message for the user. */
int disk_write(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	int err;

	if (!in_range(d, len, off))
		return disk_error(d, "write beyond the end of the disk",
				  EINVAL);
	err = disk_pwrite(d, buf, len, off);
	return err ? disk_error(d, "cannot write the image", err) : 0;
}

int disk_read(struct disk *d, void *buf, size_t len, uint64_t off)
{
	int err;

	if (!in_range(d, len, off))
		return disk_error(d, "read beyond the end of the disk", EINVAL);
	err = d->fmt->pread(d, buf, len, off);
	return err ? disk_error(d, "read failed", err) : 0;
}

int disk_finish(struct disk *d)
{
	int err = d->fmt->finish(d);

	return err ? disk_error(d, "cannot finish the disk", err) : 0;
}

void disk_close(struct disk *d)
{
	if (d->fmt)
		d->fmt->close(d);
	d->fmt = NULL;
}

/* ---- io_manager ---- */

#define CACHE_SLOTS 64

struct cache_slot {
	unsigned long long blk;
	int valid, dirty;
	char *data;
};

struct region {
	struct channel_region at; /* at.disk: the struct disk */
	struct cache_slot cache[CACHE_SLOTS];
	char *cache_mem;
};

void disk_io_name(struct disk *d, uint64_t offset, uint64_t size, char *buf,
		  size_t len)
{
	channel_name("disk", d, offset, size, buf, len);
}

static errcode_t region_rw(io_channel ch, unsigned long long blk, int count,
			   void *rbuf, const void *wbuf)
{
	struct region *r = ch->private_data;
	uint64_t off = blk * (uint64_t)ch->block_size, len;

	/* A negative count is a byte count (libext2fs's convention). */
	len = count < 0 ? (uint64_t)-count : (uint64_t)count * ch->block_size;
	if (!r->at.disk) /* a region for sizing only */
		return EROFS;
	if (off > r->at.size || len > r->at.size - off)
		return EXT2_ET_LLSEEK_FAILED;
	/* Through disk_write/disk_read, so that a failure is explained
	 * once, naming the image file. */
	if (wbuf)
		return disk_write(r->at.disk, wbuf, len, r->at.offset + off) ?
			       EIO :
			       0;
	return disk_read(r->at.disk, rbuf, len, r->at.offset + off) ? EIO : 0;
}

static errcode_t slot_flush(io_channel ch, struct cache_slot *s)
{
	errcode_t err;

	if (!s->valid || !s->dirty)
		return 0;
	err = region_rw(ch, s->blk, 1, NULL, s->data);
	if (!err)
		s->dirty = 0;
	return err;
}

/* Write back, then forget, every cached block overlapping the range. */
static errcode_t cache_drop(io_channel ch, unsigned long long blk,
			    unsigned long long n, int write_back)
{
	struct region *r = ch->private_data;
	errcode_t err;
	int i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		struct cache_slot *s = &r->cache[i];

		if (!s->valid || s->blk < blk || s->blk >= blk + n)
			continue;
		if (write_back && (err = slot_flush(ch, s)))
			return err;
		s->valid = 0;
	}
	return 0;
}

static errcode_t cache_flush_all(io_channel ch)
{
	struct region *r = ch->private_data;
	errcode_t err;
	int i;

	for (i = 0; i < CACHE_SLOTS; i++)
		if ((err = slot_flush(ch, &r->cache[i])))
			return err;
	return 0;
}

static errcode_t dio_open(const char *name, int flags, io_channel *out)
{
	return channel_open(name, "disk", disk_io_manager,
			    sizeof(struct region), out);
}

static errcode_t dio_close(io_channel ch)
{
	struct region *r = ch->private_data;
	errcode_t err = 0;

	if (--ch->refcount > 0)
		return 0;
	err = cache_flush_all(ch);
	free(r->cache_mem);
	channel_free(ch);
	return err;
}

static errcode_t dio_set_blksize(io_channel ch, int blksize)
{
	struct region *r = ch->private_data;
	errcode_t err;
	char *mem;
	int i;

	if (ch->block_size == blksize && r->cache_mem)
		return 0;
	if ((err = cache_flush_all(ch)))
		return err;
	mem = calloc(CACHE_SLOTS, (size_t)blksize);
	if (!mem)
		return EXT2_ET_NO_MEMORY;
	free(r->cache_mem);
	r->cache_mem = mem;
	for (i = 0; i < CACHE_SLOTS; i++) {
		r->cache[i].valid = 0;
		r->cache[i].data = mem + (size_t)i * blksize;
	}
	ch->block_size = blksize;
	return 0;
}

/* Blocks touched by a transfer of COUNT (negative: bytes). */
static unsigned long long span(io_channel ch, int count)
{
	if (count >= 0)
		return (unsigned long long)count;
	return ((unsigned long long)-count + ch->block_size - 1) /
	       ch->block_size;
}

static errcode_t dio_read64(io_channel ch, unsigned long long blk, int count,
			    void *buf)
{
	struct region *r = ch->private_data;
	struct cache_slot *s = &r->cache[blk % CACHE_SLOTS];
	errcode_t err;

	if (count != 1 || !r->cache_mem) {
		if (r->cache_mem &&
		    (err = cache_drop(ch, blk, span(ch, count), 1)))
			return err;
		return region_rw(ch, blk, count, buf, NULL);
	}
	if (!(s->valid && s->blk == blk)) {
		if ((err = slot_flush(ch, s)))
			return err;
		s->valid = 0;
		if ((err = region_rw(ch, blk, 1, s->data, NULL)))
			return err;
		s->blk = blk;
		s->valid = 1;
	}
	memcpy(buf, s->data, ch->block_size);
	return 0;
}

static errcode_t dio_write64(io_channel ch, unsigned long long blk, int count,
			     const void *buf)
{
	struct region *r = ch->private_data;
	struct cache_slot *s = &r->cache[blk % CACHE_SLOTS];
	errcode_t err;

	if (((unsigned long long)blk + span(ch, count)) *
		    (uint64_t)ch->block_size >
	    r->at.size)
		return EXT2_ET_LLSEEK_FAILED; /* now, not when it is flushed */
	if (count != 1 || !r->cache_mem) {
		/* A byte-count write (the superblock) may cover only part of
		 * a cached block: write that back first.  Whole blocks that
		 * are overwritten are simply forgotten. */
		if (r->cache_mem &&
		    (err = cache_drop(ch, blk, span(ch, count), count < 0)))
			return err;
		return region_rw(ch, blk, count, NULL, buf);
	}
	if (s->valid && s->blk != blk && (err = slot_flush(ch, s)))
		return err;
	memcpy(s->data, buf, ch->block_size);
	s->blk = blk;
	s->valid = 1;
	s->dirty = 1;
	return 0;
}

static errcode_t dio_read(io_channel ch, unsigned long blk, int count,
			  void *buf)
{
	return dio_read64(ch, blk, count, buf);
}

static errcode_t dio_write(io_channel ch, unsigned long blk, int count,
			   const void *buf)
{
	return dio_write64(ch, blk, count, buf);
}

static errcode_t dio_flush(io_channel ch)
{
	return cache_flush_all(ch);
}

static errcode_t dio_set_option(io_channel ch, const char *opt, const char *arg)
{
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "mkhurdimg disk",
	.open = dio_open,
	.close = dio_close,
	.set_blksize = dio_set_blksize,
	.read_blk = dio_read,
	.write_blk = dio_write,
	.flush = dio_flush,
	.set_option = dio_set_option,
	.read_blk64 = dio_read64,
	.write_blk64 = dio_write64,
};

io_manager disk_io_manager = &manager;
