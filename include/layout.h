/* layout.h - where things go on the disk, and the identities derived from
 * the inputs (UUID, hash seed, disk signature) that make builds repeatable */
#ifndef MKHURDIMG_LAYOUT_H
#define MKHURDIMG_LAYOUT_H

#include <stdint.h>

#include "config.h"
#include "image-type.h"
#include "tree.h"

struct layout {
	uint64_t root_offset;	/* bytes */
	uint64_t fs_size;	/* bytes, a multiple of 4 KiB */
	uint64_t disk_size;
	uint8_t uuid[16];
	uint8_t hash_seed[16];
	uint32_t disk_signature;
};

/* SHA-256 over what decides the image's bytes: the whole tree (paths,
 * metadata, sizes, symlink targets, generated contents such as grub.cfg),
 * the label and the partition geometry; not the container, so a raw and
 * a qcow2 image of one system hold the same disk.  The same tree
 * gives the same identities however it was described (a directory or an
 * archive of it, a graph or a path list). */
int layout_identities(struct layout *l, const struct os_config *cfg,
		      const struct image_type *type, struct tree *t);

/* SOURCE_DATE_EPOCH, or 1 (the store's epoch) when unset. */
int layout_timestamp(int64_t *ts);

/* UUID as 8-4-4-4-12 lowercase hex into OUT (37 bytes). */
void layout_uuid_string(const uint8_t uuid[16], char out[37]);

#endif
