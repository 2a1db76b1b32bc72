/* source-dir.c - a directory on the host
 *
 * Every entry keeps its type, permission bits and mtime; owners are
 * root:root (a tree built as an ordinary user has no meaningful owners).
 * Hard links within the directory stay hard links, found through a hash
 * table on (st_dev, st_ino), unless the caller asks to ignore them.
 *
 * The walk holds each directory open and looks every entry up once,
 * relative to it: a directory is opened (openat) and read through its
 * descriptor (fstat, flistxattr, getdents64); anything else gets one
 * fstatat and its xattrs listed relative to the directory (listxattrat,
 * Linux 6.13; by path before).  Files are not opened here: the writer
 * opens each with openat relative to its directory (tree_hostdir).
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "diag.h"
#include "source-dir.h"

/* The *xattrat calls (Linux 6.13) have the same number everywhere. */
#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif
#ifndef SYS_listxattrat
#define SYS_listxattrat 465
#endif

struct xattr_args_at {		/* struct xattr_args of <linux/xattr.h> */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

struct link_slot {
	dev_t dev;
	ino_t ino;
	struct tree_node *node;	/* first name in the image */
};

struct dir_walk {
	struct source_ctx *c;
	struct tree *t;
	int flags;
	char host[4096];	/* the entry's host path, for messages */
	struct link_slot *links;
	size_t nlinks, cap;	/* cap: power of two */
};

/* Where an entry is: NAME in the directory open as DIRFD (AT_FDCWD and
 * a path for the top of a walk), and its host directory, if scanned. */
struct at {
	int dirfd;
	const char *name;
	const struct tree_hostdir *hd;
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
	for (i = link_hash(dev, ino) & (w->cap - 1); w->links[i].node;
	     i = (i + 1) & (w->cap - 1))
		if (w->links[i].dev == dev && w->links[i].ino == ino)
			return &w->links[i];
	return NULL;
}

static int link_add(struct dir_walk *w, dev_t dev, ino_t ino,
		    struct tree_node *node)
{
	size_t i;

	if ((w->nlinks + 1) * 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256, j;
		struct link_slot *n = calloc(cap, sizeof(*n));

		if (!n)
			return -1;
		for (j = 0; j < w->cap; j++) {
			if (!w->links[j].node)
				continue;
			for (i = link_hash(w->links[j].dev, w->links[j].ino) & (cap - 1);
			     n[i].node; i = (i + 1) & (cap - 1))
				;
			n[i] = w->links[j];
		}
		free(w->links);
		w->links = n;
		w->cap = cap;
	}
	for (i = link_hash(dev, ino) & (w->cap - 1); w->links[i].node;
	     i = (i + 1) & (w->cap - 1))
		;
	w->links[i].dev = dev;
	w->links[i].ino = ino;
	w->links[i].node = node;
	w->nlinks++;
	return 0;
}

static int fail_host(struct dir_walk *w, const char *what)
{
	return diag_error(EXIT_BUILD, "%s: %s: %s", w->host, what,
			  strerror(errno));
}

/* ---- listing a directory ---- */

struct listing {
	char *names;		/* NUL-terminated names, one after another */
	size_t len, cap;
	struct dirent_ref {
		const char *name;
		size_t off;
		unsigned char type;	/* DT_* from getdents, or DT_UNKNOWN */
	} *v;
	size_t n, vcap;
};

static int listing_add(struct listing *l, const char *name, unsigned char type)
{
	size_t len = strlen(name) + 1;

	if (l->len + len > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		char *p;

		while (cap < l->len + len)
			cap *= 2;
		if (!(p = realloc(l->names, cap)))
			return -1;
		l->names = p;
		l->cap = cap;
	}
	if (l->n == l->vcap) {
		size_t cap = l->vcap ? l->vcap * 2 : 64;
		struct dirent_ref *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->vcap = cap;
	}
	memcpy(l->names + l->len, name, len);
	l->v[l->n].off = l->len;
	l->v[l->n].type = type;
	l->n++;
	l->len += len;
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dirent_ref *)a)->name,
		      ((const struct dirent_ref *)b)->name);
}

/* The entries of directory FD, sorted, so the walk is the same on every
 * file system.  0 or an errno value. */
static int list_dir(int fd, struct listing *l)
{
	char buf[32768];
	ssize_t got;
	size_t i;

	memset(l, 0, sizeof(*l));
	while ((got = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)got;) {
			struct dirent64 *de = (struct dirent64 *)(buf + i);

			i += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (listing_add(l, de->d_name, de->d_type))
				return ENOMEM;
		}
	}
	if (got < 0)
		return errno;
	for (i = 0; i < l->n; i++)
		l->v[i].name = l->names + l->v[i].off;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), ref_cmp);
	return 0;
}

static void listing_free(struct listing *l)
{
	free(l->names);
	free(l->v);
}

/* ---- one entry ---- */

static int add_entry(struct dir_walk *w, const struct at *at,
		     struct tree_node *dir, int put_flags, const char *image,
		     int fd, const struct stat *st);

static int add_children(struct dir_walk *w, int fd,
			const struct tree_hostdir *hd, struct tree_node *node);

/* The data stretches of a file with holes (SEEK_DATA/SEEK_HOLE), so the
 * image keeps the holes.  Only asked when the file takes fewer blocks
 * than its size. */
static int find_extents(struct dir_walk *w, const struct at *at,
			struct tree_inode *ino)
{
	int fd = openat(at->dirfd, at->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	off_t pos = 0, end = (off_t)ino->size;
	struct tree_extent *v = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return fail_host(w, "cannot open");
	while (pos < end) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0)
			break;		/* ENXIO: only a hole is left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = end;
		if (n == cap) {
			struct tree_extent *m = realloc(v, (cap = cap ? cap * 2 : 8) *
							       sizeof(*m));

			if (!m) {
				free(v);
				close(fd);
				return diag_error(EXIT_BUILD, "out of memory");
			}
			v = m;
		}
		v[n].offset = (uint64_t)data;
		v[n].length = (uint64_t)(hole - data);
		n++;
		pos = hole;
	}
	close(fd);
	/* All hole: an empty extent list, not "no holes". */
	if (!v && !(v = malloc(sizeof(*v))))
		return diag_error(EXIT_BUILD, "out of memory");
	if (tree_inode_set_extents(ino, v, n)) {
		free(v);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	return 0;
}

static int xattrat_missing;	/* the kernel has no *xattrat calls */

static int no_xattrat(void)
{
	/* ENOSYS, or EPERM from a seccomp filter that does not know them. */
	if (errno == ENOSYS || errno == EPERM)
		xattrat_missing = 1;
	return xattrat_missing;
}

/* The names of the entry's xattrs: through FD when it is open (a
 * directory), else relative to its directory. */
static ssize_t list_xattrs(struct dir_walk *w, const struct at *at, int fd,
			   char *buf, size_t len)
{
	ssize_t r;

	if (fd >= 0)
		return flistxattr(fd, buf, len);
	if (!xattrat_missing) {
		r = syscall(SYS_listxattrat, at->dirfd, at->name,
			    AT_SYMLINK_NOFOLLOW, buf, len);
		if (r >= 0 || !no_xattrat())
			return r;
	}
	return llistxattr(w->host, buf, len);
}

static ssize_t get_xattr(struct dir_walk *w, const struct at *at, int fd,
			 const char *name, char *buf, size_t len)
{
	struct xattr_args_at args = { (uint64_t)(uintptr_t)buf, (uint32_t)len, 0 };
	ssize_t r;

	if (fd >= 0)
		return fgetxattr(fd, name, buf, len);
	if (!xattrat_missing) {
		r = syscall(SYS_getxattrat, at->dirfd, at->name,
			    AT_SYMLINK_NOFOLLOW, name, &args, sizeof(args));
		if (r >= 0 || !no_xattrat())
			return r;
	}
	return lgetxattr(w->host, name, buf, len);
}

/* Extended attributes in the user. and gnu. namespaces only: any other
 * (security., system., trusted.) makes the Hurd's listxattr fail.  Each
 * entry's are listed: one file among thousands may have some. */
static int copy_xattrs(struct dir_walk *w, const struct at *at, int fd,
		       struct tree_inode *ino)
{
	char names[65536], value[65536], *p;
	ssize_t len = list_xattrs(w, at, fd, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP || errno == ENOSYS ? 0 :
		       fail_host(w, "cannot list extended attributes");
	for (p = names; p < names + len; p += strlen(p) + 1) {
		ssize_t vl;

		if (strncmp(p, "user.", 5) && strncmp(p, "gnu.", 4))
			continue;
		vl = get_xattr(w, at, fd, p, value, sizeof(value));
		if (vl < 0)
			return fail_host(w, "cannot read an extended attribute");
		if (tree_inode_add_xattr(ino, p, value, (size_t)vl))
			return diag_error(EXIT_BUILD, "out of memory");
	}
	return 0;
}

static int set_content(struct dir_walk *w, const struct at *at,
		       struct tree_inode *ino, const struct stat *st)
{
	char target[4096];
	ssize_t len;
	int r;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		/* Scanned: by its directory; the top of a walk: by path. */
		r = at->hd ? tree_inode_set_host_at(ino, at->hd, st)
			   : tree_inode_set_host(ino, w->host, st);
		if (r)
			return diag_error(EXIT_BUILD, "out of memory");
		if (st->st_size && (uint64_t)st->st_blocks * 512 < ino->size)
			return find_extents(w, at, ino);
		return 0;
	case S_IFLNK:
		len = readlinkat(at->dirfd, at->name, target, sizeof(target) - 1);
		if (len < 0)
			return fail_host(w, "cannot read the symlink");
		target[len] = '\0';
		return tree_inode_set_symlink(ino, target) ?
			       diag_error(EXIT_BUILD, "out of memory") : 0;
	case S_IFCHR:
	case S_IFBLK:
		return tree_inode_set_rdev(ino, major(st->st_rdev), minor(st->st_rdev)) ?
			       diag_error(EXIT_BUILD, "out of memory") : 0;
	default:
		return 0;
	}
}

/* Put INO for the entry: NAME in DIR, or IMAGE (a path) at the top. */
static int put_entry(struct dir_walk *w, const struct at *at,
		     struct tree_node *dir, int put_flags, const char *image,
		     struct tree_inode *ino, struct tree_node **node)
{
	if (!dir)
		return tree_put(w->t, image, ino, node) ? EXIT_BUILD : 0;
	return tree_put_in(w->t, dir, at->name, ino, put_flags, node) < 0 ?
		       EXIT_BUILD : 0;
}

/* Another name for an inode this walk has seen. */
static int put_link(struct dir_walk *w, const struct at *at,
		    struct tree_node *dir, int put_flags, const char *image,
		    struct tree_node *first)
{
	if (!dir)
		return tree_link(w->t, image, first) ? EXIT_BUILD : 0;
	return tree_link_in(w->t, dir, at->name, first, put_flags) ? EXIT_BUILD : 0;
}

/* The entry AT, whose status is ST; FD is open on it if it is a
 * directory (and then owned here), else -1. */
static int add_entry(struct dir_walk *w, const struct at *at,
		     struct tree_node *dir, int put_flags, const char *image,
		     int fd, const struct stat *st)
{
	struct tree_inode *ino;
	struct link_slot *l;
	struct tree_node *node;
	int links = !(w->flags & COPY_NO_HARDLINKS) && !S_ISDIR(st->st_mode) &&
		    st->st_nlink > 1;
	int r;

	if (links && (l = link_find(w, st->st_dev, st->st_ino)))
		return put_link(w, at, dir, put_flags, image, l->node);
	ino = tree_inode_new(w->t, st->st_mode & (S_IFMT | 07777));
	if (ino)
		ino->mtime = st->st_mtim.tv_sec;
	if (!ino)
		r = diag_error(EXIT_BUILD, "out of memory");
	else if ((r = set_content(w, at, ino, st)) ||
		 (r = copy_xattrs(w, at, fd, ino)))
		tree_inode_free(ino);
	else
		r = put_entry(w, at, dir, put_flags, image, ino, &node);
	if (!r && links && link_add(w, st->st_dev, st->st_ino, node))
		r = diag_error(EXIT_BUILD, "out of memory");
	/* A directory is an input too: an entry added to it changes it. */
	if (!r && !S_ISREG(st->st_mode))
		r = inputs_add(w->c->inputs, w->host);
	if (!r && fd >= 0) {
		const struct tree_hostdir *hd = at->hd ?
			tree_hostdir_add(w->t, at->hd, at->name, st->st_dev) :
			tree_hostdir_add(w->t, NULL, w->host, st->st_dev);

		r = hd ? add_children(w, fd, hd, node) :
			 diag_error(EXIT_BUILD, "out of memory");
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* The entry NAME of directory FD: a directory is opened, the rest is
 * looked at from where it is. */
static int add_child(struct dir_walk *w, const struct at *at,
		     unsigned char type, struct tree_node *dir, int put_flags)
{
	struct stat st;
	int fd = -1, open_err = 0;

	if (type == DT_DIR || type == DT_UNKNOWN) {
		fd = openat(at->dirfd, at->name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		open_err = errno;
		if (fd >= 0 && fstat(fd, &st)) {
			close(fd);
			return fail_host(w, "cannot stat");
		}
	}
	/* Not a directory (any more): one look from its directory. */
	if (fd < 0 && fstatat(at->dirfd, at->name, &st, AT_SYMLINK_NOFOLLOW))
		return fail_host(w, "cannot stat");
	if (fd < 0 && S_ISDIR(st.st_mode))	/* it cannot be opened */
		return errno = open_err ? open_err : ENOTDIR,
		       fail_host(w, "cannot read the directory");
	return add_entry(w, at, dir, put_flags, NULL, fd, &st);
}

static int add_children(struct dir_walk *w, int fd,
			const struct tree_hostdir *hd, struct tree_node *node)
{
	size_t hl = strlen(w->host), i;
	struct listing l;
	int r = list_dir(fd, &l), flags;

	if (r) {
		listing_free(&l);
		errno = r;
		return fail_host(w, "cannot read the directory");
	}
	/* An empty directory takes one listing without a look-up per name. */
	flags = tree_nkids(node) ? 0 : TREE_PUT_NEW;
	if (flags && tree_reserve(node, (uint32_t)l.n))
		r = diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; !r && i < l.n; i++) {
		struct at at = { fd, l.v[i].name, hd };

		if (hl + 1 + strlen(at.name) >= sizeof(w->host)) {
			r = diag_error(EXIT_BUILD, "%s/%s: path too long", w->host,
				       at.name);
			break;
		}
		w->host[hl] = '/';
		strcpy(w->host + hl + 1, at.name);
		r = add_child(w, &at, l.v[i].type, node, flags);
		w->host[hl] = '\0';
	}
	listing_free(&l);
	return r;
}

int source_copy_tree(struct source_ctx *c, const char *host, const char *image,
		     int flags)
{
	struct dir_walk w;
	struct at at = { AT_FDCWD, host, NULL };
	struct stat st;
	int r, fd = -1;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.t = c->tree;
	w.flags = flags;
	snprintf(w.host, sizeof(w.host), "%s", host);
	if ((flags & COPY_FOLLOW_TOP ? stat(w.host, &st) : lstat(w.host, &st)))
		return fail_host(&w, "cannot stat");
	if (S_ISDIR(st.st_mode)) {
		fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				(flags & COPY_FOLLOW_TOP ? 0 : O_NOFOLLOW));
		if (fd < 0)
			return fail_host(&w, "cannot read the directory");
	}
	r = add_entry(&w, &at, NULL, 0, image, fd, &st);
	free(w.links);
	return r;
}

static int dir_add(struct source_ctx *c, const struct os_source *src)
{
	const struct os_config *cfg = c->cfg;
	struct stat st;

	if (stat(src->path, &st))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s': %s", src->path,
				     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s' is not a directory",
				     src->path);
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
