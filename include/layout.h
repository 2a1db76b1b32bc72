/* layout.h - the disk's layout: partitions, their sizes and offsets, the
 * partition table, and the identities derived from the inputs (UUIDs,
 * hash seeds, disk signature) that make builds repeatable
 *
 * One stage between the tree and the writers.  It splits the tree among
 * the file systems at their mount points, sizes every partition, places
 * them after the bootloader's gap, and checks the table can hold them,
 * all before a byte is written.
 */
#ifndef MKHURDIMG_LAYOUT_H
#define MKHURDIMG_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "disk.h"
#include "ext2.h"
#include "image-type.h"
#include "inputs.h"
#include "tree.h"

struct partition_kind;
struct partition_table;

struct layout_part {
	const struct os_partition *cfg;
	const struct partition_kind *kind;
	unsigned number;       /* in the table: 1, 2, ... */
	uint64_t offset, size; /* bytes on the disk */
	uint8_t mbr_type;
	int active;	   /* the root's: the one the BIOS boots */
	const char *label; /* "" for none */
	uint8_t uuid[16], hash_seed[16];
	/* File systems: their part of the tree and what it needs. */
	struct tree *tree; /* the root's is the build's own */
	struct tree own;   /* the others', detached from it */
	int detached;
	struct ext2_plan plan;
};

struct layout {
	struct layout_part *parts;
	size_t nparts;
	size_t root; /* index of the root file system */
	uint64_t disk_size;
	uint32_t disk_signature;
	const struct partition_table *table;
};

/* What planning needs besides the configuration. */
struct layout_request {
	const struct os_config *cfg;
	const struct image_type *type; /* the table's name, root-offset */
	struct tree *tree;	       /* the whole tree: split here */
	struct inputs *inputs;	       /* host files read (raw images) */
	const char *size;	       /* --size for the root, or NULL */
	uint64_t gap;		       /* bytes the bootloader needs after
					 * sector 0, before any partition */
	char *const *boot_files;       /* must stay on the root file system */
	size_t nboot_files;
};

/* Plan L for RQ.  Returns 0 or an exit status with the message. */
int layout_plan(struct layout *l, const struct layout_request *rq);
void layout_free(struct layout *l);

/* How the partitions' contents are written. */
struct layout_write {
	int64_t timestamp;		      /* superblock times */
	const struct ext2_observer *observer; /* sees every file system */
};

/* Write every partition's bytes into D, in table order. */
int layout_write_partitions(const struct layout *l, struct disk *d,
			    const struct layout_write *w);
/* The table into SECTOR0 (whose boot code is kept) and wherever else the
 * table lives, then sector 0 itself. */
int layout_write_table(const struct layout *l, struct disk *d,
		       uint8_t sector0[512]);

/* The partition kinds' configuration, for config_load. */
const struct config_kinds *layout_config_kinds(void);

/* SOURCE_DATE_EPOCH, or 1 (the store's epoch) when unset. */
int layout_timestamp(int64_t *ts);

/* UUID as 8-4-4-4-12 lowercase hex into OUT (37 bytes). */
void layout_uuid_string(const uint8_t uuid[16], char out[37]);

#endif
