/* inspect.c - mkhurdimg inspect: what an image holds, read back read-only
 *
 *   mkhurdimg inspect [--json] IMAGE          the summary below
 *   mkhurdimg inspect [--json] IMAGE PATH     list a directory of the image,
 *                                             or write a file's bytes
 *
 * IMAGE is raw or qcow2 (disk-read.c); it is opened O_RDONLY and never
 * written.  The output depends only on the virtual disk, so a raw image
 * and its qcow2 conversion (compressed or not) print the same.
 *
 * The summary has four parts: the MBR partition table, with what each
 * partition holds (ext2, swap or raw); the parameters of the root file
 * system (the active partition of type 0x83, else the first of that type,
 * else the first one; or the whole disk when it has no partition table
 * but an ext2 superblock at byte 1024, as mke2fs makes a bare file
 * system); GRUB (boot.img in sector 0, core.img's sectors and prefix, the
 * menu entries of /boot/grub/grub.cfg); and every passive translator.
 * The file system is checked first (inspect-super.c): a damaged one is
 * an error, not a summary of garbage.
 *
 * With --json it is one object; these key names are stable:
 *
 *   disk         { size: bytes, signature: "0x%08x" (the MBR disk id; null
 *                  for a bare file system) }
 *   partitions   [ { index: 1-4, start: LBA, sectors, type: number
 *                    (131 = 0x83), bootable: bool, content: { kind:
 *                    "ext2"|"swap"|"raw", and for ext2: label, uuid, os,
 *                    blocks, free_blocks, inodes, free_inodes; for swap:
 *                    label, uuid, version, pages } } ]  (empty slots
 *                    left out; [] for a bare file system)
 *   filesystem   { partition: index (null for a bare file system),
 *                  os: "Linux"|"Hurd"|..., block_size,
 *                  inode_size, revision, features: [names, as dumpe2fs],
 *                  label, uuid, blocks, free_blocks, inodes, free_inodes }
 *   grub         { boot_img: bool, core_lba, core_sectors, core_bytes,
 *                  prefix, config: "/boot/grub/grub.cfg" or null,
 *                  menu_entries: [titles] }  (numbers and prefix are null
 *                  when not found)
 *   translators  [ { path, kind: "xattr" (gnu.translator in the EA
 *                    block) | "xattr-inode" (in the inode body, which
 *                    the Hurd does not read) | "legacy" (i_translator
 *                    block), argv: [the record's NUL-separated words] } ]
 *
 * A listing (--json) is { path, entries: [ { name, inode, type: "file"|
 * "dir"|"symlink"|"chr"|"blk"|"fifo"|"socket", mode: i_mode as a number,
 * mode_string: "drwxr-xr-x", uid, gid, size, target (symlinks only) } ] },
 * sorted by name, without "." and "..".  Strings are JSON-escaped; bytes
 * that are not UTF-8 come out as \udcXX (json-out.h).
 *
 * Exit status: 0; 1 when IMAGE is not a regular file or block device, is
 * not a disk image we can read, has no partition or file system, its file
 * system is damaged, or PATH is not in it; 2 for usage errors.
 */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "diag.h"
#include "disk-read.h"
#include "inspect.h"
#include "json-out.h"
#include "mbr.h"
#include "partition-table.h"

#define GRUB_CFG "/boot/grub/grub.cfg"
#define GRUB_CFG_MAX (1u << 20)
#define PART_LINUX 0x83
#define PART_GPT 0xee

struct part {
	int index; /* 1-4 */
	uint8_t type;
	int bootable;
	uint32_t start, sectors;
	struct inspect_part content;
};

struct inspection {
	const char *image;
	struct disk_reader *disk;
	uint8_t sector0[512];
	struct part parts[4];
	int nparts;
	const struct part *root;     /* NULL: a bare file system */
	uint64_t fs_offset, fs_size; /* the root file system's bytes */
	ext2_filsys fs;
	struct inspect_grub grub;
	struct inspect_translators trans;
};

static void usage(FILE *f)
{
	fputs("Usage: mkhurdimg inspect [--json] IMAGE [PATH]\n"
	      "Show what a disk image (raw or qcow2) holds, reading it only:\n"
	      "its partition table, the root file system's parameters, GRUB's\n"
	      "boot sector, core.img and menu entries, and every passive\n"
	      "translator.  With PATH, list that directory of the image, or write\n"
	      "that file's bytes to standard output.\n"
	      "\n"
	      "      --json   one JSON object instead of text (key names are stable)\n"
	      "      --help   show this help and exit\n"
	      "\n"
	      "Exit status: 0 done; 1 IMAGE cannot be read as a disk image, or PATH\n"
	      "is not in it; 2 bad command line.\n",
	      f);
}

/* ---- the disk and its partition table ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The table as its handler reads it back (partition-table.h). */
static void read_table(struct inspection *in)
{
	struct table_entry v[4];
	int i, n = partition_table_msdos.read(in->sector0, v, 4);

	for (i = 0; i < n; i++) {
		struct part *p = &in->parts[in->nparts++];

		p->index = (int)v[i].number;
		p->type = v[i].type;
		p->bootable = v[i].active;
		p->start = (uint32_t)(v[i].offset / 512);
		p->sectors = (uint32_t)(v[i].size / 512);
	}
}

/* The one the BIOS boots, when it holds ext2; else the first ext2. */
static const struct part *root_partition(const struct inspection *in)
{
	int i;

	for (i = 0; i < in->nparts; i++)
		if (in->parts[i].type == PART_LINUX && in->parts[i].bootable)
			return &in->parts[i];
	for (i = 0; i < in->nparts; i++)
		if (in->parts[i].type == PART_LINUX)
			return &in->parts[i];
	return in->nparts ? &in->parts[0] : NULL;
}

static void probe_parts(struct inspection *in)
{
	int i;

	for (i = 0; i < in->nparts; i++)
		inspect_part_probe(in->disk, (uint64_t)in->parts[i].start * 512,
				   (uint64_t)in->parts[i].sectors * 512,
				   &in->parts[i].content);
}

/* An ext2 superblock at byte 1024: a file system with no partition
 * table around it (mke2fs on a file). */
static int bare_fs(struct inspection *in)
{
	uint8_t magic[2];

	return disk_reader_size(in->disk) >= 2048 &&
	       !disk_reader_read(in->disk, magic, 2, 1024 + 56) &&
	       magic[0] == (EXT2_SUPER_MAGIC & 0xff) &&
	       magic[1] == EXT2_SUPER_MAGIC >> 8;
}

static int open_table(struct inspection *in)
{
	read_table(in);
	if (!(in->root = root_partition(in)))
		return diag_error(EXIT_BUILD,
				  "%s: the partition table is empty",
				  in->image);
	if (in->root->type == PART_GPT)
		return diag_error(
			EXIT_BUILD,
			"%s: a GPT disk: only MBR partition tables are read",
			in->image);
	in->fs_offset = (uint64_t)in->root->start * 512;
	in->fs_size = (uint64_t)in->root->sectors * 512;
	if (in->fs_offset >= disk_reader_size(in->disk) ||
	    in->fs_size > disk_reader_size(in->disk) - in->fs_offset)
		return diag_error(
			EXIT_BUILD,
			"%s: partition %d (sectors %u+%u) runs past the end of the disk",
			in->image, in->root->index, in->root->start,
			in->root->sectors);
	return 0;
}

static int open_disk(struct inspection *in)
{
	int r = disk_reader_open(in->image, &in->disk);

	if (r)
		return r;
	if (disk_reader_size(in->disk) < 512 ||
	    disk_reader_read(in->disk, in->sector0, 512, 0))
		return diag_error(
			EXIT_BUILD,
			"%s: not a disk image: shorter than one sector",
			in->image);
	if (in->sector0[510] == 0x55 && in->sector0[511] == 0xaa)
		return open_table(in);
	if (bare_fs(in)) {
		in->fs_size = disk_reader_size(in->disk);
		return 0;
	}
	return diag_error(
		EXIT_BUILD,
		"%s: not a disk image: no MBR boot signature (55 AA) in sector 0, and no ext2 superblock at byte 1024",
		in->image);
}

/* ---- the root file system ---- */

/* "partition N" or "the disk", for messages. */
static const char *where(const struct inspection *in, char buf[32])
{
	if (!in->root)
		return "the disk";
	snprintf(buf, 32, "partition %d", in->root->index);
	return buf;
}

static int open_fs(struct inspection *in)
{
	char name[128], place[32], why[256];
	errcode_t err;

	disk_reader_io_name(in->disk, in->fs_offset, in->fs_size, name,
			    sizeof(name));
	err = ext2fs_open2(name, NULL, EXT2_FLAG_64BITS, 0, 0,
			   disk_reader_io_manager, &in->fs);
	if (err) {
		in->fs = NULL;
		return diag_error(
			EXIT_BUILD,
			"%s: %s holds no ext2 file system we can read: %s",
			in->image, where(in, place), error_message(err));
	}
	if (inspect_check_fs(in->fs, why, sizeof(why)))
		return diag_error(EXIT_BUILD,
				  "%s: %s: the file system is damaged: %s",
				  in->image, where(in, place), why);
	return 0;
}

static int read_menu(struct inspection *in)
{
	char *cfg = NULL;
	size_t len = 0;
	int r = inspect_read_file(in->fs, in->image, GRUB_CFG, GRUB_CFG_MAX,
				  &cfg, &len);

	if (r == 1)
		return 0; /* no grub.cfg: no entries */
	if (!r) {
		in->grub.have_cfg = 1;
		if (inspect_grub_menu(cfg, len, &in->grub))
			r = diag_error(EXIT_BUILD, "out of memory");
	}
	free(cfg);
	return r;
}

/* ---- text output ---- */

static const char *os_name(uint32_t os)
{
	static const char *const names[] = { "Linux", "Hurd", "Masix",
					     "FreeBSD", "Lites" };

	return os < 5 ? names[os] : "unknown";
}

/* The names dumpe2fs prints (lib/e2p/feature.c), in its order: compat,
 * incompat, ro_compat, each by bit; FEATURE_C12 and so on otherwise. */
static const char *const feature_names[3][32] = {
	{ "dir_prealloc", "imagic_inodes", "has_journal", "ext_attr",
	  "resize_inode", "dir_index", "lazy_bg", "snapshot_bitmap", NULL,
	  "sparse_super2", "fast_commit", "stable_inodes", "orphan_file" },
	{ "compression", "filetype", "needs_recovery", "journal_dev", "meta_bg",
	  NULL, "extent", "64bit", "mmp", "flex_bg", "ea_inode", NULL,
	  "dirdata", "metadata_csum_seed", "large_dir", "inline_data",
	  "encrypt", "casefold" },
	{ "sparse_super", "large_file", NULL, "huge_file", "uninit_bg",
	  "dir_nlink", "extra_isize", "snapshot", "quota", "bigalloc",
	  "metadata_csum", "replica", "read-only", "project", "shared_blocks",
	  "verity", "orphan_present" },
};

static void feature_name(int kind, int bit, char buf[20])
{
	if (feature_names[kind][bit])
		snprintf(buf, 20, "%s", feature_names[kind][bit]);
	else
		snprintf(buf, 20, "FEATURE_%c%d", "CIR"[kind], bit);
}

static uint32_t feature_mask(const struct ext2_super_block *sb, int kind)
{
	return kind == 0 ? sb->s_feature_compat :
	       kind == 1 ? sb->s_feature_incompat :
			   sb->s_feature_ro_compat;
}

static void uuid_string(const uint8_t u[16], char s[37])
{
	int i, n = 0;

	for (i = 0; i < 16; i++)
		n += sprintf(s + n, "%s%02x",
			     i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
			     u[i]);
}

static void label_string(const struct ext2_super_block *sb, char s[17])
{
	memcpy(s, sb->s_volume_name, 16);
	s[16] = '\0';
}

/* A word of argv for text: as it is when plain, else single-quoted as
 * a shell would need it (inspect_put_text's escapes inside). */
static void put_word(const char *w)
{
	const char *p, *q;
	int plain = *w != '\0';

	for (p = w; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789=:/._,+-@%",
			    *p))
			plain = 0;
	if (plain) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (p = w; (q = strchr(p, '\'')); p = q + 1) {
		char *part = strndup(p, (size_t)(q - p));

		inspect_put_text(part ? part : "?");
		free(part);
		fputs("'\\''", stdout);
	}
	inspect_put_text(p);
	putchar('\'');
}

/* The argz split into words: each NUL ends one; a last word without
 * its NUL (which the Hurd would refuse) still counts. */
static size_t next_word(const char *argz, size_t len, size_t at, size_t *wlen)
{
	const char *nul = memchr(argz + at, '\0', len - at);

	*wlen = nul ? (size_t)(nul - argz) - at : len - at;
	return at + *wlen + (nul ? 1 : 0);
}

static void text_partitions(const struct inspection *in)
{
	int i;

	if (!in->root) {
		printf("Disk: %llu bytes, no partition table\n"
		       "Partitions:    none: a bare file system\n",
		       (unsigned long long)disk_reader_size(in->disk));
		return;
	}
	printf("Disk: %llu bytes, MBR disk signature 0x%08x\n",
	       (unsigned long long)disk_reader_size(in->disk),
	       le32(in->sector0 + MBR_SIGNATURE_OFFSET));
	printf("Partitions:\n  %-2s %10s %10s %-5s %s\n", "#", "Start",
	       "Sectors", "Type", "Boot");
	for (i = 0; i < in->nparts; i++)
		printf("  %-2d %10u %10u 0x%02x%s\n", in->parts[i].index,
		       in->parts[i].start, in->parts[i].sectors,
		       in->parts[i].type, in->parts[i].bootable ? "  *" : "");
}

/* One line for each partition but the root, which gets a section. */
static void text_contents(const struct inspection *in)
{
	int i;

	for (i = 0; i < in->nparts; i++) {
		const struct part *p = &in->parts[i];
		const struct inspect_part *c = &p->content;

		if (p == in->root)
			continue;
		printf("Partition %d: %s", p->index, c->kind);
		if (!strcmp(c->kind, "raw")) {
			printf(", %llu bytes\n",
			       (unsigned long long)p->sectors * 512);
			continue;
		}
		fputs(", label ", stdout);
		put_word(c->label);
		printf(", UUID %s", c->uuid);
		if (!strcmp(c->kind, "swap"))
			printf(", version %u, %llu pages\n", c->version,
			       (unsigned long long)c->pages);
		else
			printf(", %s, %llu blocks (%llu free), %llu inodes (%llu free)\n",
			       os_name(c->os), (unsigned long long)c->blocks,
			       (unsigned long long)c->free_blocks,
			       (unsigned long long)c->inodes,
			       (unsigned long long)c->free_inodes);
	}
}

static void text_features(const struct ext2_super_block *sb)
{
	char name[20];
	int kind, bit, any = 0;

	fputs("  Features:      ", stdout);
	for (kind = 0; kind < 3; kind++) {
		for (bit = 0; bit < 32; bit++) {
			if (!(feature_mask(sb, kind) & (1u << bit)))
				continue;
			feature_name(kind, bit, name);
			printf("%s%s", any++ ? " " : "", name);
		}
	}
	puts(any ? "" : "(none)");
}

static void text_fs(const struct inspection *in)
{
	struct ext2_super_block *sb = in->fs->super;
	char uuid[37], label[17];

	uuid_string(sb->s_uuid, uuid);
	label_string(sb, label);
	if (in->root)
		printf("File system (partition %d):\n", in->root->index);
	else
		puts("File system (the whole disk):");
	printf("  OS type:       %s\n", os_name(sb->s_creator_os));
	printf("  Block size:    %u\n", in->fs->blocksize);
	printf("  Inode size:    %u\n", EXT2_INODE_SIZE(sb));
	printf("  Revision:      %u\n", sb->s_rev_level);
	text_features(sb);
	fputs("  Label:         ", stdout);
	put_word(label);
	printf("\n  UUID:          %s\n", uuid);
	printf("  Blocks:        %llu (%llu free)\n",
	       (unsigned long long)ext2fs_blocks_count(sb),
	       (unsigned long long)ext2fs_free_blocks_count(sb));
	printf("  Inodes:        %u (%u free)\n", sb->s_inodes_count,
	       sb->s_free_inodes_count);
}

static void text_grub(const struct inspect_grub *g)
{
	size_t i;

	puts("GRUB:");
	if (!g->boot_img) {
		puts("  boot.img:      not in sector 0");
	} else {
		printf("  boot.img:      in sector 0, core.img at LBA %llu\n",
		       (unsigned long long)g->core_lba);
		if (g->core_sectors)
			printf("  core.img:      %u sectors", g->core_sectors);
		else
			fputs("  core.img:      not found", stdout);
		if (g->core_bytes)
			printf(", %zu bytes", g->core_bytes);
		printf("\n  Prefix:        %s\n",
		       g->prefix ? g->prefix : "(not found)");
	}
	printf("  grub.cfg:      %s\n", g->have_cfg ? GRUB_CFG : "(none)");
	for (i = 0; i < g->ntitles; i++) {
		printf("  Menu entry %zu:  ", i + 1);
		put_word(g->titles[i]);
		putchar('\n');
	}
}

static void text_translators(const struct inspect_translators *t)
{
	size_t i, at, wl, wpath = 4, wkind = 4;

	for (i = 0; i < t->n; i++) {
		if (strlen(t->v[i].path) > wpath)
			wpath = strlen(t->v[i].path);
		if (strlen(t->v[i].kind) > wkind)
			wkind = strlen(t->v[i].kind);
	}
	printf("Translators (%zu):\n", t->n);
	if (t->n)
		printf("  %-*s  %-*s  %s\n", (int)wpath, "Path", (int)wkind,
		       "Kind", "Command");
	for (i = 0; i < t->n; i++) {
		const struct inspect_translator *r = &t->v[i];

		printf("  %-*s  %-*s ", (int)wpath, r->path, (int)wkind,
		       r->kind);
		for (at = 0; at < r->len;) {
			size_t next = next_word(r->argz, r->len, at, &wl);
			char *w = strndup(r->argz + at, wl);

			putchar(' ');
			put_word(w ? w : "?");
			free(w);
			at = next;
		}
		putchar('\n');
	}
}

static void print_text(const struct inspection *in)
{
	text_partitions(in);
	text_fs(in);
	text_contents(in);
	text_grub(&in->grub);
	text_translators(&in->trans);
}

/* ---- JSON output ---- */

static void json_content(struct json_out *j, const struct inspect_part *c)
{
	json_begin_object(j, "content", 1);
	json_string(j, "kind", c->kind);
	if (strcmp(c->kind, "raw")) {
		json_string(j, "label", c->label);
		json_string(j, "uuid", c->uuid);
	}
	if (!strcmp(c->kind, "swap")) {
		json_uint(j, "version", c->version);
		json_uint(j, "pages", c->pages);
	} else if (!strcmp(c->kind, "ext2")) {
		json_string(j, "os", os_name(c->os));
		json_uint(j, "blocks", c->blocks);
		json_uint(j, "free_blocks", c->free_blocks);
		json_uint(j, "inodes", c->inodes);
		json_uint(j, "free_inodes", c->free_inodes);
	}
	json_end_object(j);
}

static void json_partitions(struct json_out *j, const struct inspection *in)
{
	char sig[16];
	int i;

	snprintf(sig, sizeof(sig), "0x%08x",
		 le32(in->sector0 + MBR_SIGNATURE_OFFSET));
	json_begin_object(j, "disk", 1);
	json_uint(j, "size", disk_reader_size(in->disk));
	json_string(j, "signature", in->root ? sig : NULL);
	json_end_object(j);
	json_begin_array(j, "partitions", 0);
	for (i = 0; i < in->nparts; i++) {
		json_begin_object(j, NULL, 1);
		json_uint(j, "index", (uint64_t)in->parts[i].index);
		json_uint(j, "start", in->parts[i].start);
		json_uint(j, "sectors", in->parts[i].sectors);
		json_uint(j, "type", in->parts[i].type);
		json_bool(j, "bootable", in->parts[i].bootable);
		json_content(j, &in->parts[i].content);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_uint_or_null(struct json_out *j, const char *key, int have,
			      uint64_t v)
{
	if (have)
		json_uint(j, key, v);
	else
		json_null(j, key);
}

static void json_features(struct json_out *j, const struct ext2_super_block *sb)
{
	char name[20];
	int kind, bit;

	json_begin_array(j, "features", 1);
	for (kind = 0; kind < 3; kind++) {
		for (bit = 0; bit < 32; bit++) {
			if (feature_mask(sb, kind) & (1u << bit)) {
				feature_name(kind, bit, name);
				json_string(j, NULL, name);
			}
		}
	}
	json_end_array(j);
}

static void json_fs(struct json_out *j, const struct inspection *in)
{
	struct ext2_super_block *sb = in->fs->super;
	char uuid[37], label[17];

	uuid_string(sb->s_uuid, uuid);
	label_string(sb, label);
	json_begin_object(j, "filesystem", 0);
	json_uint_or_null(j, "partition", in->root != NULL,
			  in->root ? (uint64_t)in->root->index : 0);
	json_string(j, "os", os_name(sb->s_creator_os));
	json_uint(j, "block_size", in->fs->blocksize);
	json_uint(j, "inode_size", EXT2_INODE_SIZE(sb));
	json_uint(j, "revision", sb->s_rev_level);
	json_features(j, sb);
	json_string(j, "label", label);
	json_string(j, "uuid", uuid);
	json_uint(j, "blocks", ext2fs_blocks_count(sb));
	json_uint(j, "free_blocks", ext2fs_free_blocks_count(sb));
	json_uint(j, "inodes", sb->s_inodes_count);
	json_uint(j, "free_inodes", sb->s_free_inodes_count);
	json_end_object(j);
}

static void json_grub(struct json_out *j, const struct inspect_grub *g)
{
	size_t i;

	json_begin_object(j, "grub", 0);
	json_bool(j, "boot_img", g->boot_img);
	json_uint_or_null(j, "core_lba", g->boot_img, g->core_lba);
	json_uint_or_null(j, "core_sectors", g->core_sectors != 0,
			  g->core_sectors);
	json_uint_or_null(j, "core_bytes", g->core_bytes != 0, g->core_bytes);
	json_string(j, "prefix", g->prefix);
	json_string(j, "config", g->have_cfg ? GRUB_CFG : NULL);
	json_begin_array(j, "menu_entries", 0);
	for (i = 0; i < g->ntitles; i++)
		json_string(j, NULL, g->titles[i]);
	json_end_array(j);
	json_end_object(j);
}

static void json_translators(struct json_out *j,
			     const struct inspect_translators *t)
{
	size_t i, at, wl;

	json_begin_array(j, "translators", 0);
	for (i = 0; i < t->n; i++) {
		const struct inspect_translator *r = &t->v[i];

		json_begin_object(j, NULL, 1);
		json_string(j, "path", r->path);
		json_string(j, "kind", r->kind);
		json_begin_array(j, "argv", 1);
		for (at = 0; at < r->len;) {
			size_t next = next_word(r->argz, r->len, at, &wl);

			json_bytes(j, NULL, r->argz + at, wl);
			at = next;
		}
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static void print_json(const struct inspection *in)
{
	struct json_out j;

	json_init(&j, stdout);
	json_begin_object(&j, NULL, 0);
	json_partitions(&j, in);
	json_fs(&j, in);
	json_grub(&j, &in->grub);
	json_translators(&j, &in->trans);
	json_end_object(&j);
}

/* ---- the subcommand ---- */

static int summary(struct inspection *in, int json)
{
	int r;

	inspect_grub_boot(in->disk, in->sector0, &in->grub);
	probe_parts(in);
	if ((r = read_menu(in)) ||
	    (r = inspect_translators(in->fs, in->image, &in->trans)))
		return r;
	if (json)
		print_json(in);
	else
		print_text(in);
	if (fflush(stdout) || ferror(stdout))
		return diag_error(EXIT_BUILD, "standard output: write error");
	return 0;
}

static int run(const char *image, const char *path, int json)
{
	struct inspection in;
	int r;

	memset(&in, 0, sizeof(in));
	in.image = image;
	if (!(r = open_disk(&in)) && !(r = open_fs(&in)))
		r = path ? inspect_path(in.fs, image, path, json) :
			   summary(&in, json);
	inspect_translators_free(&in.trans);
	inspect_grub_free(&in.grub);
	if (in.fs)
		ext2fs_close_free(&in.fs);
	disk_reader_close(in.disk);
	return r;
}

int inspect_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, json = 0;

	optind = 0; /* a fresh scan of this argv (glibc) */
	opterr = 0; /* the message goes through diag */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return diag_error(
				EXIT_USAGE,
				"inspect: unknown option '%s'; try 'mkhurdimg inspect --help'",
				argv[optind - 1]);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return diag_error(EXIT_USAGE,
				  "inspect: %s; try 'mkhurdimg inspect --help'",
				  optind >= argc ? "no IMAGE given" :
						   "too many arguments");
	return run(argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL,
		   json);
}
