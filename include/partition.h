/* partition.h - partition kinds: ext2, swap, raw
 *
 * Each kind owns its configuration options (conf, spliced into os.conf's
 * partition sections) and the steps that size it and write its bytes.
 */
#ifndef MKHURDIMG_PARTITION_H
#define MKHURDIMG_PARTITION_H

#include <stdint.h>

#include "config.h"
#include "layout.h"

struct partition_kind {
	struct conf_kind conf; /* first: os_partition's kind is it */
	uint8_t mbr_type;      /* the table's type byte by default */
	int file_system;       /* holds the tree under its mount point */
	/* Decide P's size (P->size is set when the configuration gives
	 * one, 0 otherwise); ROOT_SIZE is --size for the root.  0 or an
	 * exit status with a message. */
	int (*plan)(struct layout_part *p, const struct layout_request *rq);
	/* Its identities, from the disk's DIGEST (32 bytes of SHA-256). */
	void (*identify)(struct layout_part *p, const uint8_t digest[32]);
	/* Write P's bytes into D. */
	int (*write)(const struct layout_part *p, struct disk *d,
		     const struct layout_write *w);
};

static inline const struct partition_kind *
partition_kind_of(const struct conf_kind *k)
{
	return (const struct partition_kind *)k;
}

/* SHA-256 over what decides an ext2 partition's bytes (part-ext2.c): the
 * root's is the disk's digest, whence its signature and the identities
 * of partitions without a tree. */
int layout_ext2_digest(const struct layout_part *p, uint8_t out[32]);

extern const struct partition_kind partition_ext2;
extern const struct partition_kind partition_swap;
extern const struct partition_kind partition_raw;

#endif
