/* inspect.h - mkhurdimg inspect: an existing image, read back read-only
 *
 * inspect.c runs the subcommand and prints; inspect-grub.c reads GRUB's
 * sectors and grub.cfg, inspect-super.c checks the file system before
 * anything is read from it, inspect-fs.c reads it (translators, listings,
 * file contents).  The output format is documented at the top
 * of inspect.c.
 */
#ifndef MKHURDIMG_INSPECT_H
#define MKHURDIMG_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "disk-read.h"

/* mkhurdimg inspect [--json] IMAGE [PATH]; argv[0] is "inspect". */
int inspect_main(int argc, char **argv);

/* ---- GRUB (inspect-grub.c) ---- */

struct inspect_grub {
	int boot_img;	       /* GRUB's boot.img code is in sector 0 */
	uint64_t core_lba;     /* where boot.img looks for core.img */
	unsigned core_sectors; /* diskboot.img + its blocklist; 0: none */
	size_t core_bytes;     /* core.img's exact length; 0: unknown */
	char *prefix;	       /* grub-mkimage -p, or NULL */
	int have_cfg;	       /* /boot/grub/grub.cfg is in the file system */
	char **titles;	       /* its menu entries */
	size_t ntitles;
};

/* Fill in boot_img .. prefix from SECTOR0 and the sectors of R it
 * points to.  What is not there stays 0/NULL: nothing here fails. */
void inspect_grub_boot(struct disk_reader *r, const uint8_t sector0[512],
		       struct inspect_grub *g);

/* The prefix grub-mkimage stored in CORE (LEN bytes: the sectors that
 * diskboot.img's blocklist loads, diskboot.img first), malloc'd, or NULL;
 * *BYTES gets core.img's length without the padding of its last sector. */
char *inspect_grub_prefix(const uint8_t *core, size_t len, size_t *bytes);

/* The titles of the menuentry commands of a grub.cfg text.  0, or -1
 * when out of memory. */
int inspect_grub_menu(const char *cfg, size_t len, struct inspect_grub *g);

void inspect_grub_free(struct inspect_grub *g);

/* ---- each partition's contents (inspect-parts.c) ---- */

struct inspect_part {
	const char *kind; /* "ext2", "swap" or "raw" (not read) */
	char label[17];
	char uuid[37];
	uint32_t os; /* ext2: creator OS */
	uint64_t block_size, blocks, free_blocks, inodes, free_inodes;
	uint32_t version; /* swap: 1 */
	uint64_t pages;	  /* swap: 4096-byte pages, the header's included */
};

/* What [OFF, OFF + SIZE) of R holds.  Never fails: unreadable is raw. */
void inspect_part_probe(struct disk_reader *r, uint64_t off, uint64_t size,
			struct inspect_part *p);

/* ---- the file system (inspect-super.c, inspect-fs.c) ---- */

/* Is FS, as libext2fs opened it, consistent enough to describe (e2fsck's
 * superblock checks, the inode tables in use, the root a directory)?
 * 0, or 1 with what is wrong in WHY (LEN bytes). */
int inspect_check_fs(ext2_filsys fs, char *why, size_t len);

struct inspect_translator {
	char *path;
	const char *kind; /* "xattr", "xattr-inode" or "legacy" */
	char *argz;	  /* the record as stored */
	size_t len;
};

struct inspect_translators {
	struct inspect_translator *v;
	size_t n, cap;
};

/* Every passive translator record in FS, sorted by path (a node reached
 * by several hard links is listed under each).  0 or EXIT_BUILD. */
int inspect_translators(ext2_filsys fs, const char *image,
			struct inspect_translators *t);
void inspect_translators_free(struct inspect_translators *t);

/* The regular file PATH of FS, up to MAX bytes, malloc'd (NUL added).
 * 0, 1 when there is no such regular file, or EXIT_BUILD. */
int inspect_read_file(ext2_filsys fs, const char *image, const char *path,
		      size_t max, char **data, size_t *len);

/* PATH in FS: a directory is listed (text or JSON), a regular file's
 * bytes go to stdout, anything else gets its one listing line. */
int inspect_path(ext2_filsys fs, const char *image, const char *path, int json);

/* S on stdout as one line: control characters, backslashes and bytes
 * that are not UTF-8 as \ooo. */
void inspect_put_text(const char *s);

#endif
