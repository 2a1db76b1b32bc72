/* zipcheck.c - a zip's structure, checked as unzip -t checks it
 *
 * The end record must end the file and describe one disk; the central
 * directory must fill the space up to it exactly; the entries must follow
 * one another from byte 0 with nothing between them; and each local
 * header must say what its central directory entry says (name, flags,
 * method and, unless a data descriptor follows the data, CRC-32 and
 * sizes).  Zip64 records and extra fields are read where a field says
 * 0xffff or 0xffffffff.  Each entry's data is checked against its CRC-32
 * by libarchive as the entry is read.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "zipcheck.h"

#define EOCD_SIZE 22
#define EOCD64_SIZE 56
#define LOC64_SIZE 20
#define CDH_SIZE 46
#define LFH_SIZE 30
#define MAX_COMMENT 65535
#define DESCRIPTOR_SIG 0x08074b50

struct entry {
	uint64_t offset, csize, usize;
	uint32_t crc;
	uint16_t flags, method, nlen;
	int zip64;	     /* sizes in a zip64 extra field */
	const uint8_t *name; /* in the central directory */
};

struct zip {
	const char *path;
	int fd;
	uint64_t size;
	uint64_t cd_offset, cd_size, entries;
	uint64_t cd_end; /* where the central directory must end */
	uint8_t *cd;
	struct entry *e;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int bad(const struct zip *z, const char *what, uint64_t at)
{
	return diag_error(EXIT_BUILD, "%s: %s (byte %llu); refused", z->path,
			  what, (unsigned long long)at);
}

/* LEN bytes at AT, all of them inside the file. */
static int get(const struct zip *z, uint64_t at, void *buf, size_t len)
{
	ssize_t n;

	if (at > z->size || len > z->size - at)
		return bad(z, "a zip record runs past the end of the file", at);
	n = pread(z->fd, buf, len, (off_t)at);
	if (n < 0)
		return diag_error(EXIT_BUILD, "%s: %s", z->path,
				  strerror(errno));
	return (size_t)n == len ?
		       0 :
		       bad(z, "a zip record runs past the end of the file", at);
}

/* The end of central directory record: the last one whose comment ends
 * the file exactly.  Its offset, or the file's size if there is none. */
static uint64_t find_eocd(const struct zip *z, uint8_t *rec)
{
	size_t span = z->size < EOCD_SIZE + MAX_COMMENT ?
			      (size_t)z->size :
			      EOCD_SIZE + MAX_COMMENT;
	uint8_t *tail;
	uint64_t at = z->size;
	size_t i;

	if (span < EOCD_SIZE || !(tail = malloc(span)))
		return at;
	if (pread(z->fd, tail, span, (off_t)(z->size - span)) ==
	    (ssize_t)span) {
		for (i = span - EOCD_SIZE + 1; i-- > 0;) {
			if (le32(tail + i) == 0x06054b50 &&
			    i + EOCD_SIZE + le16(tail + i + 20) == span) {
				at = z->size - span + i;
				memcpy(rec, tail + i, EOCD_SIZE);
				break;
			}
		}
	}
	free(tail);
	return at;
}

/* The zip64 end record, when the end record defers to it: it must sit
 * right before its locator, which sits right before the end record. */
static int read_eocd64(struct zip *z, uint64_t eocd)
{
	uint8_t loc[LOC64_SIZE], rec[EOCD64_SIZE];
	uint64_t at;
	int r;

	if (eocd < LOC64_SIZE ||
	    (r = get(z, eocd - LOC64_SIZE, loc, sizeof(loc))))
		return eocd < LOC64_SIZE ?
			       bad(z, "no zip64 end record locator", eocd) :
			       r;
	if (le32(loc) != 0x07064b50)
		return bad(z, "no zip64 end record locator", eocd - LOC64_SIZE);
	at = le64(loc + 8);
	if (le32(loc + 4) != 0 || le32(loc + 16) != 1)
		return bad(z, "a zip split over several disks",
			   eocd - LOC64_SIZE);
	if ((r = get(z, at, rec, sizeof(rec))))
		return r;
	if (le32(rec) != 0x06064b50 ||
	    at + 12 + le64(rec + 4) != eocd - LOC64_SIZE)
		return bad(z,
			   "the zip64 end record is not where its locator says",
			   at);
	if (le32(rec + 16) != 0 || le32(rec + 20) != 0 ||
	    le64(rec + 24) != le64(rec + 32))
		return bad(z, "a zip split over several disks", at);
	z->entries = le64(rec + 32);
	z->cd_size = le64(rec + 40);
	z->cd_offset = le64(rec + 48);
	z->cd_end = at;
	return 0;
}

static int read_eocd(struct zip *z)
{
	uint8_t rec[EOCD_SIZE] = { 0 };
	uint64_t at = find_eocd(z, rec);

	if (at == z->size)
		return bad(
			z,
			"no zip end of central directory record ends the file",
			z->size);
	if (le16(rec + 4) != 0 && le16(rec + 4) != 0xffff)
		return bad(z, "a zip split over several disks", at);
	z->entries = le16(rec + 10);
	z->cd_size = le32(rec + 12);
	z->cd_offset = le32(rec + 16);
	z->cd_end = at;
	if (z->entries == 0xffff || z->cd_size == 0xffffffff ||
	    z->cd_offset == 0xffffffff)
		return read_eocd64(z, at);
	if (le16(rec + 6) != 0 || le16(rec + 8) != le16(rec + 10))
		return bad(z, "a zip split over several disks", at);
	return 0;
}

/* The zip64 extra field of a central entry: the fields whose 32-bit
 * value is 0xffffffff, in their order. */
static int zip64_extra(const struct zip *z, struct entry *e, const uint8_t *x,
		       size_t xlen, uint64_t at)
{
	size_t i = 0, k;

	while (i + 4 <= xlen) {
		size_t len = le16(x + i + 2);

		if (i + 4 + len > xlen)
			return bad(z, "a zip extra field runs past its entry",
				   at);
		if (le16(x + i) == 0x0001) {
			uint64_t *want[3] = { &e->usize, &e->csize,
					      &e->offset };

			for (k = 0, i += 4; k < 3; k++) {
				if (*want[k] != 0xffffffff)
					continue;
				if (len < 8)
					return bad(
						z,
						"a zip64 extra field is too short",
						at);
				*want[k] = le64(x + i);
				i += 8;
				len -= 8;
				e->zip64 = 1;
			}
			return 0;
		}
		i += 4 + len;
	}
	return 0;
}

static int read_cd(struct zip *z)
{
	uint64_t i, p = 0;
	int r;

	if (z->cd_offset > z->cd_end || z->cd_end - z->cd_offset != z->cd_size)
		return bad(
			z,
			"the zip central directory does not end where its end record starts",
			z->cd_offset);
	if (z->entries > z->cd_size / CDH_SIZE)
		return bad(
			z,
			"more zip entries announced than the central directory holds",
			z->cd_offset);
	z->cd = malloc(z->cd_size + 1);
	z->e = calloc(z->entries + 1, sizeof(*z->e));
	if (!z->cd || !z->e)
		return diag_error(EXIT_BUILD, "out of memory");
	if ((r = get(z, z->cd_offset, z->cd, z->cd_size)))
		return r;
	for (i = 0; i < z->entries; i++) {
		const uint8_t *h = z->cd + p;
		struct entry *e = &z->e[i];
		size_t nlen, xlen, clen;

		if (z->cd_size - p < CDH_SIZE || le32(h) != 0x02014b50)
			return bad(z,
				   "a zip central directory entry is damaged",
				   z->cd_offset + p);
		nlen = le16(h + 28);
		xlen = le16(h + 30);
		clen = le16(h + 32);
		if (z->cd_size - p - CDH_SIZE < nlen + xlen + clen)
			return bad(
				z,
				"a zip central directory entry runs past the directory",
				z->cd_offset + p);
		e->flags = le16(h + 8);
		e->method = le16(h + 10);
		e->crc = le32(h + 16);
		e->csize = le32(h + 20);
		e->usize = le32(h + 24);
		e->offset = le32(h + 42);
		e->nlen = (uint16_t)nlen;
		e->name = h + CDH_SIZE;
		if ((r = zip64_extra(z, e, h + CDH_SIZE + nlen, xlen,
				     z->cd_offset + p)))
			return r;
		if (le16(h + 34) != 0 && le16(h + 34) != 0xffff)
			return bad(z, "a zip entry on another disk",
				   z->cd_offset + p);
		p += CDH_SIZE + nlen + xlen + clen;
	}
	if (p != z->cd_size)
		return bad(z,
			   "bytes after the last zip central directory entry",
			   z->cd_offset + p);
	return 0;
}

/* Where the data descriptor after E's data (at AT) ends. */
static int descriptor_end(const struct zip *z, const struct entry *e,
			  uint64_t at, uint64_t *end)
{
	uint8_t sig[4];
	int r;

	if ((r = get(z, at, sig, 4)))
		return r;
	*end = at + (le32(sig) == DESCRIPTOR_SIG ? 4 : 0) +
	       (e->zip64 ? 20 : 12);
	return 0;
}

/* E's local header agrees with its central entry; *END: where its data
 * (and descriptor) end. */
static int check_local(const struct zip *z, const struct entry *e,
		       uint64_t *end)
{
	uint8_t h[LFH_SIZE], name[65536];
	uint64_t data;
	int r;

	if ((r = get(z, e->offset, h, LFH_SIZE)))
		return r;
	if (le32(h) != 0x04034b50)
		return bad(
			z,
			"no zip local header where the central directory says",
			e->offset);
	if (le16(h + 26) != e->nlen ||
	    (r = get(z, e->offset + LFH_SIZE, name, e->nlen)))
		return r ? r :
			   bad(z,
			       "a zip local header names another file than the central directory",
			       e->offset);
	if (memcmp(name, e->name, e->nlen))
		return bad(
			z,
			"a zip local header names another file than the central directory",
			e->offset);
	if (le16(h + 6) != e->flags || le16(h + 8) != e->method)
		return bad(
			z,
			"a zip local header's flags or method differ from the central directory",
			e->offset);
	if (!(e->flags & 8) &&
	    (le32(h + 14) != e->crc ||
	     (le32(h + 18) != 0xffffffff && le32(h + 18) != e->csize) ||
	     (le32(h + 22) != 0xffffffff && le32(h + 22) != e->usize)))
		return bad(
			z,
			"a zip local header's CRC-32 or sizes differ from the central directory",
			e->offset);
	data = e->offset + LFH_SIZE + e->nlen + le16(h + 28);
	if (data > z->size || e->csize > z->size - data)
		return bad(z,
			   "a zip entry's data runs past the end of the file",
			   e->offset);
	*end = data + e->csize;
	return e->flags & 8 ? descriptor_end(z, e, *end, end) : 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* The entries, in the order they are in the file, fill it from byte 0
 * to the central directory. */
static int check_entries(struct zip *z)
{
	uint64_t i, at = 0, end;
	int r;

	if (z->entries)
		qsort(z->e, z->entries, sizeof(*z->e), by_offset);
	for (i = 0; i < z->entries; i++) {
		if (z->e[i].offset != at)
			return bad(
				z,
				z->e[i].offset > at ?
					"bytes in the zip that belong to no entry" :
					"zip entries overlap",
				at);
		if ((r = check_local(z, &z->e[i], &end)))
			return r;
		at = end;
	}
	return at == z->cd_offset ?
		       0 :
		       bad(z,
			   at < z->cd_offset ?
				   "bytes in the zip that belong to no entry" :
				   "the last zip entry overlaps the central directory",
			   at);
}

int zip_check(const char *path)
{
	struct zip z = { path, -1, 0, 0, 0, 0, 0, NULL, NULL };
	struct stat st;
	int r;

	z.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (z.fd < 0 || fstat(z.fd, &st)) {
		r = diag_error(EXIT_BUILD, "%s: %s", path, strerror(errno));
		if (z.fd >= 0)
			close(z.fd);
		return r;
	}
	z.size = (uint64_t)st.st_size;
	r = read_eocd(&z);
	if (!r)
		r = read_cd(&z);
	if (!r)
		r = check_entries(&z);
	free(z.cd);
	free(z.e);
	close(z.fd);
	return r;
}
