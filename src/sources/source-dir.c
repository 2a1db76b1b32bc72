/* source-dir.c - a directory on the host
 *
 * Every entry keeps its type, permission bits and mtime; owners are
 * root:root (a tree built as an ordinary user has no meaningful owners).
 * Hard links within the directory stay hard links, found through a hash
 * table on (st_dev, st_ino), unless the caller asks to ignore them.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "array.h"
#include "diag.h"
#include "dirlist.h"
#include "source-dir.h"

struct link_slot {
	dev_t dev;
	ino_t ino;
	char *path;		/* first name in the image */
};

struct dir_walk {
	struct source_ctx *c;
	struct tree *t;
	int flags;
	char host[4096];
	char image[4096];
	struct link_slot *links;
	size_t nlinks, cap;	/* cap: power of two */
};

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ino;

	h ^= h >> 29;
	return (size_t)(h * 0xbf58476d1ce4e5b9ULL);
}

static struct link_slot *link_find(struct dir_walk *w, dev_t dev, ino_t ino)
{
	size_t i;

	if (!w->cap)
		return NULL;
	for (i = link_hash(dev, ino) & (w->cap - 1); w->links[i].path;
	     i = (i + 1) & (w->cap - 1))
		if (w->links[i].dev == dev && w->links[i].ino == ino)
			return &w->links[i];
	return NULL;
}

static int link_add(struct dir_walk *w, dev_t dev, ino_t ino, const char *path)
{
	size_t i;

	if ((w->nlinks + 1) * 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256, j;
		struct link_slot *n = calloc(cap, sizeof(*n));

		if (!n)
			return -1;
		for (j = 0; j < w->cap; j++) {
			if (!w->links[j].path)
				continue;
			for (i = link_hash(w->links[j].dev, w->links[j].ino) & (cap - 1);
			     n[i].path; i = (i + 1) & (cap - 1))
				;
			n[i] = w->links[j];
		}
		free(w->links);
		w->links = n;
		w->cap = cap;
	}
	for (i = link_hash(dev, ino) & (w->cap - 1); w->links[i].path;
	     i = (i + 1) & (w->cap - 1))
		;
	w->links[i].dev = dev;
	w->links[i].ino = ino;
	w->links[i].path = strdup(path);
	if (!w->links[i].path)
		return -1;
	w->nlinks++;
	return 0;
}

static int fail_host(struct dir_walk *w, const char *what)
{
	return diag_error(EXIT_BUILD, "%s: %s: %s", w->host, what,
			  strerror(errno));
}

static int add_entry(struct dir_walk *w, const struct stat *st);

static int add_children(struct dir_walk *w)
{
	size_t hl = strlen(w->host), il = strlen(w->image), n, i;
	char **names;
	int r = dirlist(w->host, NULL, &names, &n);

	/* Sorted, so the walk is the same on every file system. */
	if (r) {
		errno = r;
		return fail_host(w, "cannot read the directory");
	}
	for (i = 0; !r && i < n; i++) {
		struct stat st;

		if (hl + 1 + strlen(names[i]) >= sizeof(w->host) ||
		    il + 1 + strlen(names[i]) >= sizeof(w->image)) {
			r = diag_error(EXIT_BUILD, "%s/%s: path too long", w->host,
				       names[i]);
			break;
		}
		snprintf(w->host + hl, sizeof(w->host) - hl, "/%s", names[i]);
		snprintf(w->image + il, sizeof(w->image) - il, "%s%s",
			 il > 1 ? "/" : "", names[i]);
		if (lstat(w->host, &st))
			r = fail_host(w, "cannot stat");
		else
			r = add_entry(w, &st);
		w->host[hl] = '\0';
		w->image[il] = '\0';
	}
	dirlist_free(names, n);
	return r;
}

/* The data stretches of a file with holes (SEEK_DATA/SEEK_HOLE), so the
 * image keeps the holes.  Only asked when the file takes fewer blocks
 * than its size. */
static int find_extents(struct dir_walk *w, struct tree_inode *ino)
{
	int fd = open(w->host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	off_t pos = 0, end = (off_t)ino->size;
	size_t cap = 0;

	if (fd < 0)
		return fail_host(w, "cannot open");
	while (pos < end) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0)
			break;		/* ENXIO: only a hole is left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = end;
		if (array_grow(&ino->extents, &cap, ino->nextents + 1,
			       sizeof(*ino->extents), 8)) {
			close(fd);
			return diag_error(EXIT_BUILD, "out of memory");
		}
		ino->extents[ino->nextents].offset = (uint64_t)data;
		ino->extents[ino->nextents].length = (uint64_t)(hole - data);
		ino->nextents++;
		pos = hole;
	}
	close(fd);
	if (!ino->extents) {
		/* All hole: an empty extent list, not "no holes". */
		ino->extents = malloc(sizeof(*ino->extents));
		if (!ino->extents)
			return diag_error(EXIT_BUILD, "out of memory");
	}
	return 0;
}

/* Extended attributes in the user. and gnu. namespaces only: any other
 * (security., system., trusted.) makes the Hurd's listxattr fail. */
static int copy_xattrs(struct dir_walk *w, struct tree_inode *ino)
{
	char names[65536], value[65536], *p;
	ssize_t len = llistxattr(w->host, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP || errno == ENOSYS ? 0 :
		       fail_host(w, "cannot list extended attributes");
	for (p = names; p < names + len; p += strlen(p) + 1) {
		ssize_t vl;

		if (strncmp(p, "user.", 5) && strncmp(p, "gnu.", 4))
			continue;
		vl = lgetxattr(w->host, p, value, sizeof(value));
		if (vl < 0)
			return fail_host(w, "cannot read an extended attribute");
		if (tree_inode_add_xattr(ino, p, value, (size_t)vl))
			return diag_error(EXIT_BUILD, "out of memory");
	}
	return 0;
}

static int set_content(struct dir_walk *w, struct tree_inode *ino,
		       const struct stat *st)
{
	char target[4096];
	ssize_t len;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		if (tree_inode_set_host(ino, w->host, st))
			return diag_error(EXIT_BUILD, "out of memory");
		if (st->st_size && (uint64_t)st->st_blocks * 512 < ino->size)
			return find_extents(w, ino);
		return 0;
	case S_IFLNK:
		len = readlink(w->host, target, sizeof(target) - 1);
		if (len < 0)
			return fail_host(w, "cannot read the symlink");
		target[len] = '\0';
		return tree_inode_set_symlink(ino, target) ?
			       diag_error(EXIT_BUILD, "out of memory") : 0;
	case S_IFCHR:
	case S_IFBLK:
		ino->rdev_major = major(st->st_rdev);
		ino->rdev_minor = minor(st->st_rdev);
		return 0;
	default:
		return 0;
	}
}

static int add_entry(struct dir_walk *w, const struct stat *st)
{
	struct tree_inode *ino;
	struct link_slot *l;
	struct tree_node *node;

	int links = !(w->flags & COPY_NO_HARDLINKS) && !S_ISDIR(st->st_mode) &&
		    st->st_nlink > 1;

	if (links && (l = link_find(w, st->st_dev, st->st_ino))) {
		struct tree_node *first = tree_lookup(w->t, l->path);

		if (first)
			return tree_link(w->t, w->image, first) ? EXIT_BUILD : 0;
	}
	ino = tree_inode_new(w->t, st->st_mode & (S_IFMT | 07777));
	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	ino->mtime = st->st_mtime;
	if (set_content(w, ino, st) || copy_xattrs(w, ino)) {
		tree_inode_free(ino);
		return EXIT_BUILD;
	}
	if (tree_put(w->t, w->image, ino, &node))
		return EXIT_BUILD;
	if (links && link_add(w, st->st_dev, st->st_ino, w->image))
		return diag_error(EXIT_BUILD, "out of memory");
	/* What Make must watch besides the host files still in the tree: a
	 * directory (an entry added or removed changes it), an empty file (no
	 * content to copy, but writing into it changes the image), a device
	 * or FIFO.  Not a symlink: Make would follow it, and a dangling one
	 * would make the image out of date forever; replacing a symlink
	 * changes its directory, which is listed. */
	if (!S_ISLNK(st->st_mode) && !(S_ISREG(st->st_mode) && st->st_size) &&
	    inputs_add(w->c->inputs, w->host))
		return EXIT_BUILD;
	if (S_ISDIR(st->st_mode))
		return add_children(w);
	return 0;
}

int source_copy_tree(struct source_ctx *c, const char *host, const char *image,
		     int flags)
{
	struct dir_walk w;
	struct stat st;
	size_t i;
	int r;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.t = c->tree;
	w.flags = flags;
	snprintf(w.host, sizeof(w.host), "%s", host);
	snprintf(w.image, sizeof(w.image), "%s", image);
	if ((flags & COPY_FOLLOW_TOP ? stat(w.host, &st) : lstat(w.host, &st)))
		return fail_host(&w, "cannot stat");
	r = add_entry(&w, &st);
	for (i = 0; i < w.cap; i++)
		free(w.links[i].path);
	free(w.links);
	return r;
}

static int dir_add(struct source_ctx *c, const struct os_source *src)
{
	const struct os_config *cfg = c->cfg;
	struct stat st;

	if (stat(src->path, &st))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s': %s", diag_value(src->path),
				     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s' is not a directory",
				     diag_value(src->path));
	return source_copy_tree(c, src->path, src->target, COPY_FOLLOW_TOP);
}

/* directory "PATH" { target = "/" } */
static cfg_opt_t dir_opts[] = {
	CFG_STR("target", "/", CFGF_NONE),
	CFG_END()
};

static int dir_parse(cfg_t *sec, const struct os_config *cfg, int line,
		     void *object)
{
	return source_parse_path_target(sec, cfg, line, object, 1);
}

const struct source_kind source_directory = {
	.conf = {
		.name = "directory",
		.opts = dir_opts,
		.parse = dir_parse,
	},
	.add = dir_add,
};
