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
	int (*pwrite)(struct disk *d, const void *buf, size_t len,
		      uint64_t off);
	int (*pread)(struct disk *d, void *buf, size_t len, uint64_t off);
	/* Or NULL: put LEN bytes at SRC_OFF of the file FD at OFF without
	 * reading them here (see disk_copy).  0 or an errno value of the
	 * output. */
	int (*copy)(struct disk *d, int fd, uint64_t src_off, uint64_t len,
		    uint64_t off, int *caps, uint64_t *done);
	/* Write what the format keeps until the end (tables, headers). */
	int (*finish)(struct disk *d);
	void (*close)(struct disk *d);
};

/* Container options (from the image type, or the command line). */
struct disk_options {
	unsigned cluster_bits; /* qcow2: 9..21; 0 = the format's default */
	int prealloc_metadata; /* qcow2: map every cluster (preallocation=metadata) */
	int compress;	       /* qcow2: deflate clusters */
	unsigned threads; /* --threads: compression, copies; 0 = 2 */
};

struct disk {
	const struct disk_format *fmt;
	int fd;
	const char *path; /* for messages */
	uint64_t size;	  /* virtual disk size in bytes */
	struct disk_options opts;
	void *priv;
	uint64_t written; /* bytes put into the output, for its writeback */
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

/* The message of a failed operation WHAT on D: EXIT_BUILD. */
int disk_error(struct disk *d, const char *what, int err);

/*
 * The zero-copy data path: put LEN bytes at SRC_OFF of the host file FD
 * at OFF in D, in the kernel, where the container maps disk offsets to
 * file offsets as they are (raw).  What *CAPS allows is tried: with
 * DISK_CLONE the whole blocks are shared with the host file (reflink,
 * FICLONERANGE), with DISK_COPY the rest is copied (copy_file_range).  A
 * kind the kernel refuses between these files (EXDEV, EOPNOTSUPP, ...)
 * is cleared from *CAPS, so the caller need not ask again for files of
 * the same file system, and DISK_SHARED is set once blocks were shared.
 * *DONE gets the bytes done from the start; the caller writes the rest
 * itself (also after a short count or 0).
 * Returns 0, or an errno value of the output (a full disk), without a
 * message: helper threads call it, and so disk_pwrite.  Without a copy
 * operation, nothing is done.
 */
#define DISK_CLONE 1
#define DISK_COPY 2
#define DISK_SHARED 4 /* a clone worked: not a kind to try, a fact learnt */
int disk_copy(struct disk *d, int fd, uint64_t src_off, uint64_t len,
	      uint64_t off, int *caps, uint64_t *done);
int disk_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off);
static inline int disk_can_copy(const struct disk *d)
{
	return d->fmt->copy != NULL;
}
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
