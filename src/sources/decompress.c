/* decompress.c - a possibly compressed input, read to its real end
 *
 * Three kinds of input: a plain file, read as it is; gzip, inflated here
 * with zlib because libarchive's gzip reader skips the trailer of each
 * member unchecked (a flipped data byte then gives wrong bytes and no
 * error); and whatever other compression libarchive's filters recognise,
 * read through its "raw" format, whose decoders check their trailers.
 */
#include "autoconfig.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "decompress.h"
#include "diag.h"

#define BLOCK 65536

enum kind { PLAIN, GZIP, FILTER };
enum state { READING, AT_END, FAILED };

struct decomp {
	const char *path;
	enum kind kind;
	enum state state;
	const char *name;  /* of the compression; NULL if none */
	int fd;		   /* PLAIN, GZIP */
	struct archive *a; /* FILTER */
	z_stream z;	   /* GZIP */
	int z_live;	   /* inflateInit2 done */
	int in_eof;	   /* GZIP: the file has no more bytes */
	int between;	   /* GZIP: a member has ended, the next not begun */
	unsigned member;   /* GZIP: 1 for the first */
	uint64_t in_total; /* GZIP: compressed bytes read */
	uint8_t *in, *out;
	const uint8_t *pending; /* decomp_read: what the last block has left */
	size_t npending;
	uint64_t out_total;
	char err[512];
};

static long failed(struct decomp *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static long failed(struct decomp *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->state = FAILED;
	return -1;
}

/* ---- gzip, with zlib ---- */

static int fill(struct decomp *d)
{
	ssize_t n;

	do
		n = read(d->fd, d->in, BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (int)failed(d, "read error: %s", strerror(errno));
	if (n == 0)
		d->in_eof = 1;
	d->z.next_in = d->in;
	d->z.avail_in = (uInt)n;
	d->in_total += (uint64_t)n;
	return 0;
}

/* What follows a member: another member, zeros to the end of the file
 * (tape padding, which gzip -t accepts too), or garbage.  1 at the end,
 * 0 when another member starts, -1 on an error. */
static int next_member(struct decomp *d)
{
	if (!d->z.avail_in && !d->in_eof && fill(d))
		return -1;
	if (!d->z.avail_in)
		return 1;
	if (d->z.next_in[0] == 0x1f) {
		if (inflateReset(&d->z) != Z_OK)
			return (int)failed(d, "zlib cannot restart");
		d->member++;
		d->between = 0;
		return 0;
	}
	for (;;) {
		while (d->z.avail_in) {
			if (*d->z.next_in) {
				uint64_t at = d->in_total - d->z.avail_in;

				return (int)failed(
					d,
					"corrupt compressed data (gzip: byte %llu, after member %u, starts neither a member nor zero padding)",
					(unsigned long long)at, d->member);
			}
			d->z.next_in++;
			d->z.avail_in--;
		}
		if (d->in_eof)
			return 1;
		if (fill(d))
			return -1;
	}
}

/* zlib's words for the two trailer checks, in the gzip format's. */
static const char *zlib_why(const z_stream *z)
{
	if (!z->msg)
		return "invalid data";
	if (!strcmp(z->msg, "incorrect data check"))
		return "CRC-32 mismatch";
	if (!strcmp(z->msg, "incorrect length check"))
		return "ISIZE mismatch";
	return z->msg;
}

static long gzip_block(struct decomp *d, const void **buf)
{
	for (;;) {
		size_t n;
		int r;

		if (d->between) {
			r = next_member(d);
			if (r)
				return r > 0 ? 0 : -1;
		}
		if (!d->z.avail_in && !d->in_eof && fill(d))
			return -1;
		d->z.next_out = d->out;
		d->z.avail_out = BLOCK;
		r = inflate(&d->z, Z_NO_FLUSH);
		n = BLOCK - d->z.avail_out;
		if (r == Z_STREAM_END)
			d->between = 1;
		else if (r == Z_MEM_ERROR)
			return failed(d, "out of memory");
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return failed(
				d,
				"corrupt compressed data (gzip, member %u: %s)",
				d->member, zlib_why(&d->z));
		else if (!n && d->in_eof && !d->z.avail_in)
			return failed(
				d,
				"truncated compressed data (gzip: the file ends inside member %u)",
				d->member);
		if (n) {
			*buf = d->out;
			return (long)n;
		}
	}
}

static int gzip_open(struct decomp *d)
{
	d->in = malloc(BLOCK);
	if (!d->in || inflateInit2(&d->z, 15 + 16) != Z_OK)
		return diag_error(EXIT_BUILD, "out of memory");
	d->z_live = 1;
	d->member = 1;
	d->kind = GZIP;
	d->name = "gzip";
	return 0;
}

/* ---- libarchive's filters, through its raw format ---- */

/* libarchive's message, said as what it is: the compressed data is
 * corrupt, or it ends early.  Its own words ("Truncated input file", "No
 * progress is possible") also come when the data is corrupt: the data
 * ends early only if every byte of the file was read (ALL). */
static long filter_failed(struct decomp *d, int all)
{
	const char *e = archive_error_string(d->a);

	if (!e || !*e)
		e = "invalid data";
	if (all && (strstr(e, "runcated") || strstr(e, "No progress")))
		return d->name ? failed(d, "truncated compressed data (%s: %s)",
					d->name, e) :
				 failed(d, "truncated compressed data (%s)", e);
	return d->name ? failed(d, "corrupt compressed data (%s: %s)", d->name,
				e) :
			 failed(d, "corrupt compressed data (%s)", e);
}

/* Has libarchive read the whole file? */
static int read_all(struct decomp *d)
{
	int last = archive_filter_count(d->a) - 1;
	struct stat st;

	return last >= 0 && !fstat(d->fd, &st) &&
	       archive_filter_bytes(d->a, last) >= (la_int64_t)st.st_size;
}

static long filter_block(struct decomp *d, const void **buf)
{
	la_int64_t offset;
	size_t size = 0;
	int r;

	do
		r = archive_read_data_block(d->a, buf, &size, &offset);
	while (r == ARCHIVE_OK && !size);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK)
		return filter_failed(d, read_all(d));
	return (long)size;
}

/* The compression a failed filter leaves no name of, by its magic. */
static const char *name_by_magic(int fd)
{
	static const struct {
		const char *name;
		size_t len;
		const char *magic;
	} known[] = {
		{ "xz", 6,
		  "\xfd"
		  "7zXZ\0" },
		{ "zstd", 4, "\x28\xb5\x2f\xfd" },
		{ "bzip2", 3, "BZh" },
		{ "lzip", 4, "LZIP" },
	};
	char head[8];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (n >= (ssize_t)known[i].len &&
		    !memcmp(head, known[i].magic, known[i].len))
			return known[i].name;
	return NULL;
}

/* Is the file no larger than what libarchive reads at once?  Then a
 * filter failing as it opens has seen all of it. */
static int small(struct decomp *d)
{
	struct stat st;

	return !fstat(d->fd, &st) && st.st_size <= BLOCK;
}

/* Open PATH through libarchive's filters.  A file none of them claims is
 * PLAIN; gzip inside another compression is refused, as its trailer
 * would go unchecked. */
static int filter_open(struct decomp *d)
{
	struct archive_entry *e;
	int r, n, i;

	d->a = archive_read_new();
	if (!d->a)
		return diag_error(EXIT_BUILD, "out of memory");
	archive_read_support_filter_all(d->a);
	archive_read_support_format_raw(d->a);
	/* Raw refuses no bytes at all; a stream holding nothing is empty. */
	archive_read_support_format_empty(d->a);
	/* Opening decompresses the first block: a filter may fail there,
	 * and then leaves no filter behind (and no errno: it is not I/O).
	 * The raw format refuses only an empty file, which is PLAIN. */
	r = archive_read_open_filename(d->a, d->path, BLOCK);
	if (r != ARCHIVE_OK && archive_filter_count(d->a) == 0) {
		if (archive_errno(d->a) > 0)
			return diag_error(EXIT_BUILD, "%s: %s", d->path,
					  archive_error_string(d->a));
		d->name = name_by_magic(d->fd);
		filter_failed(d, small(d));
		return diag_error(EXIT_BUILD, "%s: %s", d->path, d->err);
	}
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(d->a, &e);
	n = archive_filter_count(d->a);
	if (n <= 1) {
		archive_read_free(d->a);
		d->a = NULL;
		d->kind = PLAIN;
		return 0;
	}
	d->kind = FILTER;
	d->name = archive_filter_name(d->a, 0);
	for (i = 0; i < n - 1; i++)
		if (archive_filter_code(d->a, i) == ARCHIVE_FILTER_GZIP &&
		    n > 2)
			return diag_error(
				EXIT_BUILD,
				"%s: gzip inside another compression (%s), whose CRC-32 cannot be checked; refused",
				d->path, archive_filter_name(d->a, n - 2));
	if (r == ARCHIVE_EOF) {
		d->state = AT_END;
		return 0;
	}
	if (r != ARCHIVE_OK) {
		filter_failed(d, read_all(d));
		return diag_error(EXIT_BUILD, "%s: %s", d->path, d->err);
	}
	return 0;
}

/* ---- the interface ---- */

static int is_gzip(int fd)
{
	uint8_t magic[2];

	return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	       magic[1] == 0x8b;
}

int decomp_open(const char *path, struct decomp **out)
{
	struct decomp *d = calloc(1, sizeof(*d));
	int r;

	*out = NULL;
	if (d)
		d->fd = -1;
	if (!d || !(d->out = malloc(BLOCK))) {
		free(d);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	d->path = path;
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		r = diag_error(EXIT_BUILD, "%s: %s", path, strerror(errno));
		decomp_close(d);
		return r;
	}
	r = is_gzip(d->fd) ? gzip_open(d) : filter_open(d);
	if (r) {
		decomp_close(d);
		return r;
	}
	*out = d;
	return 0;
}

const char *decomp_name(const struct decomp *d)
{
	return d->name;
}

static long plain_block(struct decomp *d, const void **buf)
{
	ssize_t n;

	do
		n = read(d->fd, d->out, BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return failed(d, "read error: %s", strerror(errno));
	*buf = d->out;
	return (long)n;
}

long decomp_block(struct decomp *d, const void **buf)
{
	long n;

	if (d->state == AT_END)
		return 0;
	if (d->state == FAILED)
		return -1;
	n = d->kind == GZIP   ? gzip_block(d, buf) :
	    d->kind == FILTER ? filter_block(d, buf) :
				plain_block(d, buf);
	if (n > 0)
		d->out_total += (uint64_t)n;
	else if (n == 0)
		d->state = AT_END;
	return n;
}

long decomp_read(struct decomp *d, void *buf, size_t len)
{
	const void *block;
	long n;

	if (!d->npending) {
		n = decomp_block(d, &block);
		if (n <= 0)
			return n;
		d->pending = block;
		d->npending = (size_t)n;
	}
	if (len > d->npending)
		len = d->npending;
	memcpy(buf, d->pending, len);
	d->pending += len;
	d->npending -= len;
	return (long)len;
}

uint64_t decomp_bytes_out(const struct decomp *d)
{
	return d->out_total;
}

int decomp_corrupt(struct decomp *d, uint64_t limit)
{
	uint64_t stop = d->out_total + limit;
	const void *block;
	long n;

	if (d->kind == PLAIN)
		return 0;
	while (d->out_total < stop && (n = decomp_block(d, &block)) > 0)
		;
	return d->state == FAILED;
}

const char *decomp_error(const struct decomp *d)
{
	return d->state == FAILED ? d->err : NULL;
}

void decomp_close(struct decomp *d)
{
	if (!d)
		return;
	if (d->a)
		archive_read_free(d->a);
	if (d->z_live)
		inflateEnd(&d->z);
	if (d->fd >= 0)
		close(d->fd);
	free(d->in);
	free(d->out);
	free(d);
}
