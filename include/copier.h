/* copier.h - host files into the image without reading them here
 *
 * The zero-copy data path of the ext2 writer, for a container that maps
 * disk offsets to file offsets as they are (raw) and where bytes never
 * written read as zeros.  Each file's byte ranges go to their places in
 * the disk through disk_copy (shared blocks, copy_file_range); what the
 * kernel leaves, and where blocks are shared each file's last partial
 * block, is read and written here, neighbours together.  The size and
 * mtime the scan saw are checked once the bytes are in
 * (hostfile_unchanged).
 *
 * The copies run on helper threads while the writer goes on with the
 * inodes: every file has its own place, so the image is the same in any
 * order, and an error is the one of the first failing file in the
 * writer's order, as if one thread had done it all.
 */
#ifndef MKHURDIMG_COPIER_H
#define MKHURDIMG_COPIER_H

#include <stdint.h>

#include "disk.h"
#include "tree.h"

/* LEN bytes at SRC of a host file go at DST in the disk. */
struct copy_range {
	uint64_t src, len, dst;
};

struct copier;

/* A copier into D, laid out in BLOCK-byte blocks (a range starts at a
 * block and owns the tail of its last one), with THREADS helper threads
 * (0: each copy is done when it is added).  NULL when out of memory. */
struct copier *copier_new(struct disk *d, uint64_t block, unsigned threads);

/* Copy N's host file (CONTENT_HOST) as V[0..NV) says.  SEQ orders the
 * errors: the writer's position.  Returns 0, or 1 when a copy failed
 * already (stop, and let copier_finish say why). */
int copier_add(struct copier *c, uint64_t seq, const struct tree_node *n,
	       const struct copy_range *v, size_t nv);

/* Wait for every copy.  If one failed at or before SEQ (the writer's
 * own error, or UINT64_MAX for none), its message replaces any other:
 * EXIT_BUILD; else 0. */
int copier_finish(struct copier *c, uint64_t seq);

void copier_free(struct copier *c);

#endif
