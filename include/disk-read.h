/* disk-read.h - reading an existing disk image, raw or qcow2, read-only
 *
 * The containers of disk.h are written once, front to back; this is the
 * other direction, for images that already exist (mkhurdimg inspect):
 * the file is opened O_RDONLY and never written.  A qcow2 file is read
 * through its L1 and L2 tables, compressed clusters included
 * (hurd-disk-format.md, section 6); anything else is taken as raw.
 */
#ifndef MKHURDIMG_DISK_READ_H
#define MKHURDIMG_DISK_READ_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct disk_reader;

/* Open PATH read-only and recognise its format.  Returns 0, or
 * EXIT_BUILD with a message naming PATH (unreadable, or a qcow2 file
 * using what we cannot read: backing files, encryption, zstd, ...). */
int disk_reader_open(const char *path, struct disk_reader **out);
void disk_reader_close(struct disk_reader *r);

/* "raw" or "qcow2". */
const char *disk_reader_format(const struct disk_reader *r);
/* The virtual disk size in bytes. */
uint64_t disk_reader_size(const struct disk_reader *r);
/* The qcow2 cluster size, 0 for raw. */
uint64_t disk_reader_cluster_size(const struct disk_reader *r);

/* Read LEN bytes at virtual offset OFF; unallocated clusters read as
 * zeros.  Returns 0 or an errno value (EINVAL beyond the disk's end,
 * EIO for a damaged or truncated qcow2 file). */
int disk_reader_read(struct disk_reader *r, void *buf, size_t len,
		     uint64_t off);

/* A read-only io_manager for libext2fs over [offset, offset + size) of
 * a reader, selected by the name disk_reader_io_name() writes. */
extern io_manager disk_reader_io_manager;
void disk_reader_io_name(struct disk_reader *r, uint64_t offset, uint64_t size,
			 char *buf, size_t len);

#endif
