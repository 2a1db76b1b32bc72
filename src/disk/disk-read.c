/* disk-read.c - raw and qcow2 images read back, read-only
 *
 * The writers in disk-*.c never read an image they did not just make, so
 * reading existing files lives here, apart: the file is opened O_RDONLY
 * and no function in this module writes.  qcow2 follows QEMU's
 * docs/interop/qcow2.txt (hurd-disk-format.md, section 6): the L1 table
 * is loaded once, L2 tables and the last inflated compressed cluster are
 * cached, since libext2fs reads a 64 KiB cluster 4 KiB at a time.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "channel.h"
#include "diag.h"
#include "disk-read.h"
#include "fullio.h"
#include "qcow2.h"

#define OFFSET_MASK 0x00fffffffffffe00ULL /* bits 9-55 of L1/L2 entries */
#define ZERO_FLAG 1ULL			  /* v3: the cluster reads as zeros */
#define MAX_L1_BYTES (32u << 20)	  /* QEMU's QCOW_MAX_L1_SIZE */
#define L2_SLOTS 16

struct l2_slot {
	uint64_t index; /* L1 index of the table held */
	int valid;
	uint8_t *table; /* one cluster of big-endian entries */
};

struct disk_reader {
	int fd;
	char *path;
	int qcow2;
	uint64_t size;	    /* virtual */
	uint64_t file_size; /* host */
	/* qcow2 only: */
	unsigned version, cb;
	uint64_t cs;
	uint32_t l1_size;
	uint64_t *l1;
	struct l2_slot l2[L2_SLOTS];
	uint8_t *zdata; /* the last inflated cluster */
	uint64_t zvc;
	int zvalid;
	uint8_t *zin; /* its compressed bytes, up to 2 clusters */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* ---- qcow2 ---- */

static int __attribute__((format(printf, 2, 3)))
bad_qcow2(const struct disk_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_error(EXIT_BUILD, "%s: qcow2: %s", r->path, msg);
}

/* What we read of version 3: dirty and corrupt (bits 0 and 1) only
 * matter to writers; external data files, zstd and extended L2 entries
 * change the mapping itself. */
static int check_features(struct disk_reader *r, const uint8_t *h)
{
	uint64_t incompat = be64(h + 72);
	uint32_t hlen = be32(h + 100);

	if (hlen < QCOW2_HEADER_LENGTH || hlen > r->file_size)
		return bad_qcow2(r, "bad header length %" PRIu32, hlen);
	if (incompat & ~3ULL)
		return bad_qcow2(
			r,
			"incompatible features 0x%" PRIx64
			" (external data file, zstd or extended L2) are not supported; convert it with qemu-img convert",
			incompat);
	return 0;
}

static int check_header(struct disk_reader *r, const uint8_t *h)
{
	r->version = be32(h + 4);
	r->cb = be32(h + 20);
	r->size = be64(h + 24);
	r->l1_size = be32(h + 36);
	if (r->version != 2 && r->version != 3)
		return bad_qcow2(r,
				 "version %u is not supported (only 2 and 3)",
				 r->version);
	if (be64(h + 8))
		return bad_qcow2(
			r,
			"the image has a backing file; merge it with qemu-img convert first");
	if (r->cb < 9 || r->cb > 21)
		return bad_qcow2(r, "cluster bits %u out of range 9..21",
				 r->cb);
	if (be32(h + 32))
		return bad_qcow2(r, "encrypted images are not supported");
	if (r->size > (1ULL << 62))
		return bad_qcow2(r, "virtual size %" PRIu64 " too large",
				 r->size);
	r->cs = 1ULL << r->cb;
	if (r->version == 3)
		return check_features(r, h);
	return 0;
}

static int load_l1(struct disk_reader *r, uint64_t l1_offset)
{
	uint8_t *raw;
	uint32_t i;
	int err;

	if (r->l1_size < qcow2_l1_size(r->size, r->cb))
		return bad_qcow2(r,
				 "the L1 table (%" PRIu32
				 " entries) is too small for the disk size",
				 r->l1_size);
	if ((uint64_t)r->l1_size * 8 > MAX_L1_BYTES ||
	    l1_offset & (r->cs - 1) || l1_offset > r->file_size ||
	    (uint64_t)r->l1_size * 8 > r->file_size - l1_offset)
		return bad_qcow2(r, "the L1 table lies outside the file");
	raw = malloc((size_t)r->l1_size * 8 + 1);
	r->l1 = calloc((size_t)r->l1_size + 1, sizeof(uint64_t));
	if (!raw || !r->l1) {
		free(raw);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	err = pread_full(r->fd, raw, (size_t)r->l1_size * 8, l1_offset, NULL);
	for (i = 0; !err && i < r->l1_size; i++)
		r->l1[i] = be64(raw + 8 * i);
	free(raw);
	if (err)
		return diag_error(EXIT_BUILD,
				  "%s: cannot read the L1 table: %s", r->path,
				  strerror(err));
	return 0;
}

static int qcow2_open(struct disk_reader *r)
{
	uint8_t h[QCOW2_HEADER_LENGTH];
	int err, i;

	if (r->file_size < 72)
		return bad_qcow2(r, "the header is truncated");
	memset(h, 0, sizeof(h));
	err = pread_full(r->fd, h, r->file_size < sizeof(h) ? 72 : sizeof(h), 0,
			 NULL);
	if (err)
		return diag_error(EXIT_BUILD, "%s: %s", r->path, strerror(err));
	if ((err = check_header(r, h)) || (err = load_l1(r, be64(h + 40))))
		return err;
	r->zdata = malloc(r->cs);
	for (i = 0; i < L2_SLOTS && r->zdata; i++)
		if (!(r->l2[i].table = malloc(r->cs)))
			break;
	if (!r->zdata || i < L2_SLOTS)
		return diag_error(EXIT_BUILD, "out of memory");
	return 0;
}

/* The L2 entry for virtual cluster VC, 0 when it is not mapped. */
static int l2_entry(struct disk_reader *r, uint64_t vc, uint64_t *e)
{
	uint64_t per = r->cs / 8, i1 = vc / per, l2off;
	struct l2_slot *s = &r->l2[i1 % L2_SLOTS];
	int err;

	*e = 0;
	if (i1 >= r->l1_size || !(l2off = r->l1[i1] & OFFSET_MASK))
		return 0;
	if (l2off & (r->cs - 1))
		return EIO; /* QEMU: "L2 table offset unaligned" */
	if (!s->valid || s->index != i1) {
		s->valid = 0;
		if ((err = pread_full(r->fd, s->table, r->cs, l2off, NULL)))
			return err;
		s->index = i1;
		s->valid = 1;
	}
	*e = be64(s->table + 8 * (vc % per));
	return 0;
}

/* Inflate the compressed cluster VC described by E into r->zdata:
 * QEMU's raw deflate with a 4 KiB window, which must fill the cluster
 * exactly (block/qcow2-threads.c, qcow2_zlib_decompress). */
static int inflate_cluster(struct disk_reader *r, uint64_t vc, uint64_t e)
{
	unsigned x = 62 - (r->cb - 8);
	uint64_t off = e & ((1ULL << x) - 1);
	uint64_t nsec = (e >> x) & ((1ULL << (r->cb - 8)) - 1);
	uint64_t len = (nsec + 1) * 512 - (off & 511);
	z_stream z;
	int err, zr;

	if (r->zvalid && r->zvc == vc)
		return 0;
	/* The last stream may end before its last sector does. */
	if (off >= r->file_size)
		return EIO;
	if (len > r->file_size - off)
		len = r->file_size - off;
	if (!r->zin && !(r->zin = malloc(2 * r->cs)))
		return ENOMEM;
	if ((err = pread_full(r->fd, r->zin, (size_t)len, off, NULL)))
		return err;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -12) != Z_OK)
		return ENOMEM;
	z.next_in = r->zin;
	z.avail_in = (uInt)len;
	z.next_out = r->zdata;
	z.avail_out = (uInt)r->cs;
	zr = inflate(&z, Z_FINISH);
	err = (zr == Z_STREAM_END || zr == Z_BUF_ERROR) && !z.avail_out ? 0 :
									  EIO;
	inflateEnd(&z);
	r->zvalid = !err;
	r->zvc = vc;
	return err;
}

/* LEN bytes from offset IN of virtual cluster VC (LEN fits in it). */
static int read_in_cluster(struct disk_reader *r, uint64_t vc, uint64_t in,
			   uint8_t *buf, size_t len)
{
	uint64_t e, host;
	int err;

	if ((err = l2_entry(r, vc, &e)))
		return err;
	if (e & QCOW2_COMPRESSED) {
		if ((err = inflate_cluster(r, vc, e)))
			return err;
		memcpy(buf, r->zdata + in, len);
		return 0;
	}
	host = e & OFFSET_MASK;
	if ((r->version >= 3 && (e & ZERO_FLAG)) || !host) {
		memset(buf, 0, len); /* no backing file: zeros */
		return 0;
	}
	if (host & (r->cs - 1))
		return EIO;
	return pread_full(r->fd, buf, len, host + in, NULL);
}

static int qcow2_read(struct disk_reader *r, uint8_t *buf, size_t len,
		      uint64_t off)
{
	while (len) {
		uint64_t in = off & (r->cs - 1);
		size_t n = len < r->cs - in ? len : (size_t)(r->cs - in);
		int err = read_in_cluster(r, off >> r->cb, in, buf, n);

		if (err)
			return err;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- the reader ---- */

static int file_size(int fd, uint64_t *size)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st))
		return errno;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	/* A block device: its size is where it ends. */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return errno;
	*size = (uint64_t)end;
	return 0;
}

static int recognise(struct disk_reader *r)
{
	uint8_t magic[4] = { 0 };
	int err;

	if (r->file_size >= 4 && (err = pread_full(r->fd, magic, 4, 0, NULL)))
		return diag_error(EXIT_BUILD, "%s: %s", r->path, strerror(err));
	if (!memcmp(magic, "QFI\xfb", 4)) {
		r->qcow2 = 1;
		return qcow2_open(r);
	}
	r->size = r->file_size;
	return 0;
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a file";
	}
}

/* Open PATH for reading only, and learn its size.  Only a regular file
 * or a block device is read: the open does not wait for a FIFO's writer,
 * and anything else is refused before the first read.  0 or EXIT_BUILD
 * with a message. */
static int open_file(struct disk_reader *r)
{
	struct stat st;
	int err;

	r->fd = open(r->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st))
		return diag_error(EXIT_BUILD, "%s: %s", r->path,
				  strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return diag_error(
			EXIT_BUILD,
			"%s: not a disk image: %s, not a regular file or block device",
			r->path, file_kind(st.st_mode));
	if (fcntl(r->fd, F_SETFL, 0))
		return diag_error(EXIT_BUILD, "%s: %s", r->path,
				  strerror(errno));
	if ((err = file_size(r->fd, &r->file_size)))
		return diag_error(EXIT_BUILD, "%s: %s", r->path, strerror(err));
	return 0;
}

int disk_reader_open(const char *path, struct disk_reader **out)
{
	struct disk_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r || !(r->path = strdup(path))) {
		free(r);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if ((err = open_file(r)) || (err = recognise(r))) {
		disk_reader_close(r);
		return err;
	}
	*out = r;
	return 0;
}

void disk_reader_close(struct disk_reader *r)
{
	int i;

	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < L2_SLOTS; i++)
		free(r->l2[i].table);
	free(r->l1);
	free(r->zdata);
	free(r->zin);
	free(r->path);
	free(r);
}

const char *disk_reader_format(const struct disk_reader *r)
{
	return r->qcow2 ? "qcow2" : "raw";
}

uint64_t disk_reader_size(const struct disk_reader *r)
{
	return r->size;
}

uint64_t disk_reader_cluster_size(const struct disk_reader *r)
{
	return r->qcow2 ? r->cs : 0;
}

int disk_reader_read(struct disk_reader *r, void *buf, size_t len, uint64_t off)
{
	if (off > r->size || len > r->size - off)
		return EINVAL;
	if (r->qcow2)
		return qcow2_read(r, buf, len, off);
	return pread_full(r->fd, buf, len, off, NULL);
}

/* ---- a read-only io_manager ---- */

void disk_reader_io_name(struct disk_reader *r, uint64_t offset, uint64_t size,
			 char *buf, size_t len)
{
	channel_name("diskread", r, offset, size, buf, len);
}

static errcode_t rio_open(const char *name, int flags, io_channel *out)
{
	if (flags & IO_FLAG_RW)
		return EROFS;
	return channel_open(name, "diskread", disk_reader_io_manager,
			    sizeof(struct channel_region), out);
}

static errcode_t rio_close(io_channel ch)
{
	if (--ch->refcount == 0)
		channel_free(ch);
	return 0;
}

static errcode_t rio_set_blksize(io_channel ch, int blksize)
{
	ch->block_size = blksize;
	return 0;
}

static errcode_t rio_read64(io_channel ch, unsigned long long blk, int count,
			    void *buf)
{
	struct channel_region *g = ch->private_data;
	uint64_t off = blk * (uint64_t)ch->block_size, len;

	/* A negative count is a byte count (libext2fs's convention). */
	len = count < 0 ? (uint64_t) - (int64_t)count :
			  (uint64_t)count * ch->block_size;
	if (off > g->size || len > g->size - off)
		return EXT2_ET_SHORT_READ;
	return disk_reader_read(g->disk, buf, (size_t)len, g->offset + off) ?
		       EXT2_ET_SHORT_READ :
		       0;
}

static errcode_t rio_read(io_channel ch, unsigned long blk, int count,
			  void *buf)
{
	return rio_read64(ch, blk, count, buf);
}

static errcode_t rio_write64(io_channel ch, unsigned long long blk, int count,
			     const void *buf)
{
	return EROFS;
}

static errcode_t rio_write(io_channel ch, unsigned long blk, int count,
			   const void *buf)
{
	return EROFS;
}

static errcode_t rio_flush(io_channel ch)
{
	return 0;
}

static errcode_t rio_set_option(io_channel ch, const char *opt, const char *arg)
{
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "mkhurdimg read-only disk",
	.open = rio_open,
	.close = rio_close,
	.set_blksize = rio_set_blksize,
	.read_blk = rio_read,
	.write_blk = rio_write,
	.flush = rio_flush,
	.set_option = rio_set_option,
	.read_blk64 = rio_read64,
	.write_blk64 = rio_write64,
};

io_manager disk_reader_io_manager = &manager;
