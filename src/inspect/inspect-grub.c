/* inspect-grub.c - GRUB's boot sector, core.img and grub.cfg, read back
 *
 * What grub.c writes (hurd-disk-format.md, section 5): boot.img's code
 * in sector 0 pointing at core.img (u64 LBA at 0x5c); core.img =
 * diskboot.img (one sector, its blocklist at the end: u64 start, u16
 * sectors, u16 segment, growing downwards), lzma_decompress.img, then
 * the kernel and modules, LZMA-compressed.  The prefix (-p) is one of
 * those modules: grub-mkimage (util/mkimage.c) appends to kernel.img a
 * struct grub_module_info32 { "mimg", offset 12, size } and after it
 * one { u32 type, u32 size } header per object; type 3
 * (OBJ_TYPE_PREFIX) holds the prefix string.  The decompressor's header
 * has the compressed and uncompressed sizes (at 0x08 and 0x0c) but not
 * its own length, so the start of the LZMA stream is found by trying
 * the few places where the stream can end inside core.img's last sector.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <archive.h>

#include "grub.h"
#include "inspect.h"
#include "mbr.h"

#define BOOT_MARK "GRUB \0Geom\0Hard Disk\0Read\0 Error"
#define BLOCKLIST_END 0x200 /* the first entry ends with the sector */
#define BLOCKLIST_ENTRY 12
#define BLOCKLIST_MAX 16       /* entries we follow */
#define CORE_MAX_SECTORS 888   /* (0x78000 - 0x9000) >> 9, util/setup.c */
#define DECOMP_COMPRESSED 0x08 /* in lzma_decompress.img */
#define DECOMP_UNCOMPRESSED 0x0c
#define DECOMP_HEADER 0x20
#define MODULE_MAGIC 0x676d696d /* "mimg" */
#define OBJ_TYPE_PREFIX 3
#define UNCOMPRESSED_MAX (1u << 20)

static uint64_t le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the prefix ---- */

/* Decode GRUB's raw LZMA stream (lc 3, lp 0, pb 2: props byte 0x5d; no
 * header) through libarchive, given an lzma_alone header. */
static int lzma_decode(const uint8_t *in, size_t inlen, uint8_t *out,
		       size_t outlen)
{
	uint8_t *buf = malloc(13 + inlen);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t got = 0;
	ssize_t n = 1;
	int ok = 0;

	if (buf && a) {
		buf[0] = 0x5d;
		put_le(buf + 1, 1u << 20, 4); /* dictionary: at least GRUB's */
		put_le(buf + 5, outlen, 8);
		memcpy(buf + 13, in, inlen);
		archive_read_support_filter_lzma(a);
		archive_read_support_format_raw(a);
		if (archive_read_open_memory(a, buf, 13 + inlen) ==
			    ARCHIVE_OK &&
		    archive_filter_code(a, 0) == ARCHIVE_FILTER_LZMA &&
		    archive_read_next_header(a, &e) == ARCHIVE_OK) {
			while (got < outlen && n > 0)
				if ((n = archive_read_data(a, out + got,
							   outlen - got)) > 0)
					got += (size_t)n;
			ok = got == outlen;
		}
	}
	if (a)
		archive_read_free(a);
	free(buf);
	return ok;
}

/* The module info at the very end of the decoded kernel: "mimg",
 * offset 12, and a size that reaches exactly to the end. */
static char *find_prefix(const uint8_t *k, size_t len)
{
	size_t p, m, end;

	for (p = len >= 12 ? len - 12 : 0; p > 0; p--)
		if (le(k + p, 4) == MODULE_MAGIC && le(k + p + 4, 4) == 12 &&
		    le(k + p + 8, 4) == len - p)
			break;
	if (!p)
		return NULL;
	for (m = p + 12; m + 8 <= len; m += le(k + m + 4, 4)) {
		size_t size = (size_t)le(k + m + 4, 4);

		if (size < 8 || size > len - m)
			return NULL;
		if (le(k + m, 4) != OBJ_TYPE_PREFIX)
			continue;
		end = m + 8;
		while (end < m + size && k[end])
			end++;
		return strndup((const char *)k + m + 8, end - m - 8);
	}
	return NULL;
}

/* Decode the stream if core.img ends at END; the prefix, or NULL. */
static char *try_end(const uint8_t *core, size_t end, size_t clen, size_t ulen)
{
	uint8_t *k;
	char *prefix = NULL;

	if (end < BLOCKLIST_END + DECOMP_HEADER + clen)
		return NULL;
	/* An LZMA stream starts with the range coder's zero byte. */
	if (core[end - clen] != 0 || !(k = malloc(ulen)))
		return NULL;
	if (lzma_decode(core + end - clen, clen, k, ulen))
		prefix = find_prefix(k, ulen);
	free(k);
	return prefix;
}

char *inspect_grub_prefix(const uint8_t *core, size_t len, size_t *bytes)
{
	size_t clen, ulen, last = len, end;
	char *prefix;

	*bytes = 0;
	if (len < BLOCKLIST_END + DECOMP_HEADER || len % 512)
		return NULL;
	clen = (size_t)le(core + BLOCKLIST_END + DECOMP_COMPRESSED, 4);
	ulen = (size_t)le(core + BLOCKLIST_END + DECOMP_UNCOMPRESSED, 4);
	if (!clen || clen > len || !ulen || ulen > UNCOMPRESSED_MAX)
		return NULL;
	/* The image ends in its last sector, not before its last non-zero
	 * byte: the rest of the sector is padding. */
	while (last > len - 512 && !core[last - 1])
		last--;
	for (end = last > len - 511 ? last : len - 511; end <= len; end++) {
		if ((prefix = try_end(core, end, clen, ulen))) {
			*bytes = end;
			return prefix;
		}
	}
	return NULL;
}

/* ---- the boot sector and core.img ---- */

static int is_boot_img(const uint8_t s[512])
{
	return s[0] == 0xeb &&
	       memmem(s, MBR_BOOT_CODE_SIZE, BOOT_MARK, sizeof(BOOT_MARK) - 1);
}

/* Read the sectors diskboot.img's blocklist names after it; its own
 * sector (at G->core_lba) is DISKBOOT.  The total, or 0. */
static unsigned load_core(struct disk_reader *r, const uint8_t diskboot[512],
			  uint8_t **core)
{
	unsigned total = 1, i, len;
	size_t at;
	uint8_t *buf;

	for (i = 0; i < BLOCKLIST_MAX; i++) {
		len = (unsigned)le(diskboot + BLOCKLIST_END -
					   BLOCKLIST_ENTRY * (i + 1) + 8,
				   2);
		if (!len)
			break;
		total += len;
	}
	if (i == BLOCKLIST_MAX || total > CORE_MAX_SECTORS + 1 ||
	    !(buf = malloc((size_t)total * 512)))
		return 0;
	memcpy(buf, diskboot, 512);
	for (at = 512, i = 0; at < (size_t)total * 512; i++) {
		const uint8_t *e =
			diskboot + BLOCKLIST_END - BLOCKLIST_ENTRY * (i + 1);

		len = (unsigned)le(e + 8, 2);
		if (disk_reader_read(r, buf + at, (size_t)len * 512,
				     le(e, 8) * 512)) {
			free(buf);
			return 0;
		}
		at += (size_t)len * 512;
	}
	*core = buf;
	return total;
}

void inspect_grub_boot(struct disk_reader *r, const uint8_t sector0[512],
		       struct inspect_grub *g)
{
	uint8_t diskboot[512], *core = NULL;

	if (!(g->boot_img = is_boot_img(sector0)))
		return;
	g->core_lba = le(sector0 + GRUB_BOOT_KERNEL_SECTOR, 8);
	if (g->core_lba > UINT64_MAX / 512 ||
	    disk_reader_read(r, diskboot, 512, g->core_lba * 512))
		return;
	g->core_sectors = load_core(r, diskboot, &core);
	if (g->core_sectors)
		g->prefix = inspect_grub_prefix(
			core, (size_t)g->core_sectors * 512, &g->core_bytes);
	free(core);
}

/* ---- grub.cfg ---- */

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Does the backslash at P quote the next character?  Not inside '...';
 * inside "..." only before " \\ and $ (GRUB's lexer, as sh). */
static int escapes(char q, const char *p, const char *end)
{
	if (*p != '\\' || p + 1 >= end || p[1] == '\n' || q == '\'')
		return 0;
	return !q || (p[1] && strchr("\"\\$", p[1]));
}

/* One GRUB word at *P (sh-like: '...' literal, "..." and bare text with
 * backslash escapes), ended by a blank, '{' or the end of the line. */
static char *grub_word(const char **pp, const char *end)
{
	const char *p = *pp;
	char *w = malloc((size_t)(end - p) + 1), q = 0;
	size_t n = 0;

	if (!w)
		return NULL;
	for (; p < end && *p != '\n'; p++) {
		if (!q && (*p == ' ' || *p == '\t' || *p == '{' || *p == ';'))
			break;
		if (escapes(q, p, end))
			w[n++] = *++p;
		else if (!q && (*p == '\'' || *p == '"'))
			q = *p;
		else if (q && *p == q)
			q = 0;
		else
			w[n++] = *p;
	}
	w[n] = '\0';
	*pp = p;
	return w;
}

static int add_title(struct inspect_grub *g, char *title)
{
	char **v = realloc(g->titles, (g->ntitles + 1) * sizeof(*v));

	if (!v || !title) {
		free(title);
		return -1;
	}
	g->titles = v;
	g->titles[g->ntitles++] = title;
	return 0;
}

int inspect_grub_menu(const char *cfg, size_t len, struct inspect_grub *g)
{
	const char *p = cfg, *end = cfg + len, *eol;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		p = skip_blanks(p, eol);
		if (eol - p < 10 || memcmp(p, "menuentry", 9) ||
		    (p[9] != ' ' && p[9] != '\t'))
			continue;
		p = skip_blanks(p + 9, eol);
		if (add_title(g, grub_word(&p, eol)))
			return -1;
	}
	return 0;
}

void inspect_grub_free(struct inspect_grub *g)
{
	size_t i;

	for (i = 0; i < g->ntitles; i++)
		free(g->titles[i]);
	free(g->titles);
	free(g->prefix);
	memset(g, 0, sizeof(*g));
}
