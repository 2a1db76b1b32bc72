/* hostfile.c - opening the host files the scan found, without paths */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostfile.h"

/* Enough for the directories a sorted walk has open at once (its path
 * and a few siblings), so each is opened about once. */
#define CACHED_DIRS 32

struct hostfiles {
	struct {
		const struct tree_hostdir *dir; /* NULL: free */
		int fd;
		unsigned long used; /* last use, for eviction */
	} slot[CACHED_DIRS];
	unsigned long clock;
};

struct hostfiles *hostfiles_new(void)
{
	return calloc(1, sizeof(struct hostfiles));
}

void hostfiles_free(struct hostfiles *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < CACHED_DIRS; i++)
		if (h->slot[i].dir)
			close(h->slot[i].fd);
	free(h);
}

/* An O_PATH descriptor of DIR, opened relative to its parent's; -1 with
 * errno.  A root is the path its source named (followed, as the scan
 * did); below it nothing is followed. */
static int dir_fd(struct hostfiles *h, const struct tree_hostdir *dir)
{
	int i, victim = 0, parent, fd;

	for (i = 0; i < CACHED_DIRS; i++) {
		if (h->slot[i].dir == dir) {
			h->slot[i].used = ++h->clock;
			return h->slot[i].fd;
		}
	}
	parent = dir->parent ? dir_fd(h, dir->parent) : AT_FDCWD;
	if (parent == -1)
		return -1;
	fd = openat(parent, dir->name,
		    O_PATH | O_DIRECTORY | O_CLOEXEC |
			    (dir->parent ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	/* Chosen only now: the parent, just opened or used, is the newest
	 * and stays (chosen before, it took the same slot and was closed
	 * at once, to be opened again for each of its subdirectories). */
	for (i = 1; i < CACHED_DIRS; i++)
		if (h->slot[i].used < h->slot[victim].used)
			victim = i;
	if (h->slot[victim].dir)
		close(h->slot[victim].fd);
	h->slot[victim].dir = dir;
	h->slot[victim].fd = fd;
	h->slot[victim].used = ++h->clock;
	return fd;
}

/* Open NAME in host directory DIR (NULL: NAME is a path). */
static int hostfile_open_at(struct hostfiles *h, const struct tree_hostdir *dir,
			    const char *name)
{
	int at = dir ? dir_fd(h, dir) : AT_FDCWD;

	if (at == -1)
		return -1;
	/* O_NONBLOCK: a file swapped for a FIFO must not hang the build. */
	return openat(at, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

int hostfile_open(struct hostfiles *h, const struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;

	if (!tree_inode_host_dir(ino))
		return hostfile_open_at(h, NULL,
					tree_inode_more(ino)->host_path);
	return hostfile_open_at(h, tree_inode_host_dir(ino), tree_host_name(n));
}

void hostfile_stamp(const struct tree_inode *ino, struct hostfile_stamp *s)
{
	s->size = ino->size;
	if (!tree_inode_host_dir(ino)) {
		s->sec = tree_inode_more(ino)->host_mtime.tv_sec;
		s->nsec = tree_inode_more(ino)->host_mtime.tv_nsec;
	} else {
		s->sec = ino->mtime;
		s->nsec = (long)ino->host_nsec;
	}
}

int hostfile_unchanged(int fd, const struct hostfile_stamp *s)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_size == s->size && st.st_mtim.tv_sec == s->sec &&
	       st.st_mtim.tv_nsec == s->nsec;
}
