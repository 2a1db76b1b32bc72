/* hostfile.h - opening the host files the scan found, without paths
 *
 * A scanned file is named by its host directory and its name there
 * (tree_hostdir).  It is opened with openat() relative to its directory,
 * each directory relative to its parent, through a small cache of open
 * directory descriptors (O_PATH): no path is walked after the scan.  A
 * file is checked once, after its bytes are read: the size and mtime the
 * scan saw must still be the open file's (fstat).
 *
 * A cache belongs to one thread.
 */
#ifndef MKHURDIMG_HOSTFILE_H
#define MKHURDIMG_HOSTFILE_H

#include "tree.h"

struct hostfiles;

struct hostfiles *hostfiles_new(void);
void hostfiles_free(struct hostfiles *h);

/* Open N's host file (CONTENT_HOST) for reading: a descriptor, or -1
 * with errno. */
int hostfile_open(struct hostfiles *h, const struct tree_node *n);

/* The size and mtime the scan saw of INO's host file. */
struct hostfile_stamp {
	uint64_t size;
	int64_t sec;
	long nsec;
};

void hostfile_stamp(const struct tree_inode *ino, struct hostfile_stamp *s);
/* 1 if the open file FD is still as S says (a regular file of that size
 * and mtime), else 0. */
int hostfile_unchanged(int fd, const struct hostfile_stamp *s);

#endif
