/* channel.h - libext2fs io_channels over a region of a disk
 *
 * The writer's io_manager (disk.c) and inspect's read-only one
 * (disk-read.c) both open a channel from a name that carries a pointer to
 * their disk and the region's offset and size; this is that part, once.
 */
#ifndef MKHURDIMG_CHANNEL_H
#define MKHURDIMG_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

/* The start of every channel's private data. */
struct channel_region {
	void *disk;	       /* the manager's own: struct disk, disk_reader */
	uint64_t offset, size; /* bytes of the disk the channel sees */
};

/* "PREFIX:POINTER:OFFSET:SIZE" into BUF, the name channel_open reads. */
void channel_name(const char *prefix, const void *disk, uint64_t offset,
		  uint64_t size, char *buf, size_t len);

/* A channel of MANAGER for NAME (made by channel_name with PREFIX), with
 * PRIV_SIZE bytes of zeroed private data that start with the struct
 * channel_region NAME describes, and 1 KiB blocks.  0,
 * EXT2_ET_BAD_DEVICE_NAME or EXT2_ET_NO_MEMORY. */
errcode_t channel_open(const char *name, const char *prefix, io_manager manager,
		       size_t priv_size, io_channel *out);

/* Free CH, its name and its private data. */
void channel_free(io_channel ch);

#endif
