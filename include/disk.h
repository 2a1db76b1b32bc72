/* disk.h - disk containers (raw, ...) and the libext2fs io_manager over them
 *
 * A container turns virtual-disk byte offsets into bytes in the output
 * file.  The ext2 writer reaches it through disk_io_manager, the
 * bootloader writes its sectors with disk_write(); nothing writes the
 * output file any other way.
 */
#ifndef MKHURDIMG_DISK_H
#define MKHURDIMG_DISK_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "config.h"

struct disk;

/* One container format; registered in the static table in disk.c. */
struct disk_format {
	/* Its name in image type files, its options there and their parse
	 * step, which fills the image_type's container fields. */
	struct conf_kind conf;
	/* Prepare D (d->fd open and empty, d->size the virtual size). */
	int (*open)(struct disk *d);
	/* Return 0 or an errno value. */
	int (*pwrite)(struct disk *d, const void *buf, size_t len, uint64_t off);
	int (*pread)(struct disk *d, void *buf, size_t len, uint64_t off);
	/* Write what the format keeps until the end (tables, headers). */
	int (*finish)(struct disk *d);
	void (*close)(struct disk *d);
};

/* Container options (from the image type, or the command line). */
struct disk_options {
	unsigned cluster_bits;	/* qcow2: 9..21; 0 = the format's default */
	int prealloc_metadata;	/* qcow2: map every cluster (preallocation=metadata) */
	int compress;		/* qcow2: deflate clusters */
	unsigned threads;	/* qcow2: compression threads; 0 = 2 */
};

struct disk {
	const struct disk_format *fmt;
	int fd;
	const char *path;	/* for messages */
	uint64_t size;		/* virtual disk size in bytes */
	struct disk_options opts;
	void *priv;
};

const struct disk_format *disk_format_find(const char *name);
/* "raw, ..." for messages. */
const char *disk_format_names(void);
/* The formats' configuration, for the image types; NULL-terminated. */
const struct conf_kind *const *disk_format_conf_kinds(void);

/* Each returns 0 or EXIT_BUILD with a message naming the file. */
int disk_open(struct disk *d, const struct disk_format *fmt, int fd,
	      const char *path, uint64_t size, const struct disk_options *opts);
int disk_write(struct disk *d, const void *buf, size_t len, uint64_t off);
int disk_read(struct disk *d, void *buf, size_t len, uint64_t off);
int disk_finish(struct disk *d);
void disk_close(struct disk *d);

/* The io_manager libext2fs writes through, and the channel name that
 * selects the region [offset, offset + size) of D for it. */
extern io_manager disk_io_manager;
void disk_io_name(struct disk *d, uint64_t offset, uint64_t size, char *buf,
		  size_t len);

/* The formats (defined in disk-*.c). */
extern const struct disk_format disk_format_raw;
extern const struct disk_format disk_format_qcow2;

#endif
