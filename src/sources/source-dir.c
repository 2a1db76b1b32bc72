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

#include "array.h"
#include "diag.h"
#include "pool.h"
#include "source-dir.h"

/* The *xattrat calls (Linux 6.13) have the same number everywhere. */
#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif
#ifndef SYS_listxattrat
#define SYS_listxattrat 465
#endif

struct xattr_args_at { /* struct xattr_args of <linux/xattr.h> */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

struct link_slot {
	dev_t dev;
	ino_t ino;
	struct tree_node *node; /* first name in the image */
};

struct dir_walk {
	struct source_ctx *c;
	struct tree *t;
	int flags;
	char host[4096]; /* the entry's host path, for messages */
	struct link_slot *links;
	size_t nlinks, cap; /* cap: power of two */
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
			for (i = link_hash(w->links[j].dev, w->links[j].ino) &
				 (cap - 1);
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
	char *names; /* NUL-terminated names, one after another */
	size_t len, cap;
	struct dirent_ref {
		const char *name;
		size_t off;
		unsigned char type; /* DT_* from getdents, or DT_UNKNOWN */
	} * v;
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
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
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
			break; /* ENXIO: only a hole is left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = end;
		if (array_grow(&v, &cap, n + 1, sizeof(*v), 8)) {
			free(v);
			close(fd);
			return diag_error(EXIT_BUILD, "out of memory");
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

/*
 * What the scan learns of one entry, before it goes in the tree: its
 * status, its xattrs in the user. and gnu. namespaces (NAME\0, 4-byte
 * length, value, one after another) and a symlink's target.  Looking is
 * done on helper threads too, so it records no message: a failure is an
 * errno and the step that failed.
 */
struct look {
	struct stat st;
	int fd;	 /* a directory, opened: -1 for the rest */
	int err; /* 0, or why STEP failed */
	const char *step;
	char *xattrs;
	size_t xlen;
	char *target;
};

static int xattrat_missing; /* the kernel has no *xattrat calls */

static int no_xattrat(void)
{
	/* ENOSYS, or EPERM from a seccomp filter that does not know them. */
	if (errno == ENOSYS || errno == EPERM)
		__atomic_store_n(&xattrat_missing, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&xattrat_missing, __ATOMIC_RELAXED);
}

/* The names of the entry's xattrs: through FD when it is open (a
 * directory), else relative to its directory; by PATH on kernels before
 * the *xattrat calls. */
static ssize_t list_xattrs(const struct at *at, const char *path, int fd,
			   char *buf, size_t len)
{
	ssize_t r;

	if (fd >= 0)
		return flistxattr(fd, buf, len);
	if (!__atomic_load_n(&xattrat_missing, __ATOMIC_RELAXED)) {
		r = syscall(SYS_listxattrat, at->dirfd, at->name,
			    AT_SYMLINK_NOFOLLOW, buf, len);
		if (r >= 0 || !no_xattrat())
			return r;
	}
	return llistxattr(path, buf, len);
}

static ssize_t get_xattr(const struct at *at, const char *path, int fd,
			 const char *name, char *buf, size_t len)
{
	struct xattr_args_at args = { (uint64_t)(uintptr_t)buf, (uint32_t)len,
				      0 };
	ssize_t r;

	if (fd >= 0)
		return fgetxattr(fd, name, buf, len);
	if (!__atomic_load_n(&xattrat_missing, __ATOMIC_RELAXED)) {
		r = syscall(SYS_getxattrat, at->dirfd, at->name,
			    AT_SYMLINK_NOFOLLOW, name, &args, sizeof(args));
		if (r >= 0 || !no_xattrat())
			return r;
	}
	return lgetxattr(path, name, buf, len);
}

static int look_fail(struct look *l, const char *step)
{
	l->err = errno;
	l->step = step;
	return -1;
}

static int keep_xattr(struct look *l, const char *name, const char *value,
		      size_t len)
{
	size_t nl = strlen(name) + 1;
	uint32_t len32 = (uint32_t)len;
	char *p = realloc(l->xattrs, l->xlen + nl + 4 + len);

	if (!p)
		return errno = ENOMEM,
		       look_fail(l, "cannot list extended attributes");
	memcpy(p + l->xlen, name, nl);
	memcpy(p + l->xlen + nl, &len32, 4);
	memcpy(p + l->xlen + nl + 4, value, len);
	l->xattrs = p;
	l->xlen += nl + 4 + len;
	return 0;
}

/* Extended attributes in the user. and gnu. namespaces only: any other
 * (security., system., trusted.) makes the Hurd's listxattr fail.  Each
 * entry's are listed: one file among thousands may have some. */
static int look_xattrs(const struct at *at, const char *path, struct look *l)
{
	char names[65536], value[65536], *p;
	ssize_t len = list_xattrs(at, path, l->fd, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP || errno == ENOSYS ?
			       0 :
			       look_fail(l, "cannot list extended attributes");
	for (p = names; p < names + len; p += strlen(p) + 1) {
		ssize_t vl;

		if (strncmp(p, "user.", 5) && strncmp(p, "gnu.", 4))
			continue;
		vl = get_xattr(at, path, l->fd, p, value, sizeof(value));
		if (vl < 0)
			return look_fail(l,
					 "cannot read an extended attribute");
		if (keep_xattr(l, p, value, (size_t)vl))
			return -1;
	}
	return 0;
}

static int look_link(const struct at *at, struct look *l)
{
	char target[4096];
	ssize_t len =
		readlinkat(at->dirfd, at->name, target, sizeof(target) - 1);

	if (len < 0)
		return look_fail(l, "cannot read the symlink");
	target[len] = '\0';
	if (!(l->target = strdup(target)))
		return errno = ENOMEM, look_fail(l, "cannot read the symlink");
	return 0;
}

/* Everything but a directory: one look from where it is.  PATH is for
 * kernels without listxattrat. */
static void look_at(const struct at *at, const char *path, struct look *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	if (fstatat(at->dirfd, at->name, &l->st, AT_SYMLINK_NOFOLLOW)) {
		look_fail(l, "cannot stat");
		return;
	}
	if (S_ISDIR(l->st.st_mode))
		return; /* opened by the walk when it gets there */
	if (!look_xattrs(at, path, l) && S_ISLNK(l->st.st_mode))
		look_link(at, l);
}

/* A directory: opened, and looked at through its descriptor. */
static void look_dir(const struct at *at, int follow, struct look *l)
{
	int open_err;

	memset(l, 0, sizeof(*l));
	l->fd = openat(at->dirfd, at->name,
		       O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			       (follow ? 0 : O_NOFOLLOW));
	open_err = errno;
	if (l->fd >= 0) {
		if (fstat(l->fd, &l->st))
			look_fail(l, "cannot stat");
		else
			look_xattrs(at, NULL, l);
		return;
	}
	/* Not a directory (any more), or one that cannot be read. */
	look_at(at, NULL, l);
	if (!l->err && S_ISDIR(l->st.st_mode)) {
		errno = open_err;
		look_fail(l, "cannot read the directory");
	}
}

static void look_free(struct look *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->xattrs);
	free(l->target);
}

static int copy_xattrs(struct dir_walk *w, const struct look *l,
		       struct tree_inode *ino)
{
	const char *p = l->xattrs;

	while (p && p < l->xattrs + l->xlen) {
		size_t nl = strlen(p) + 1;
		uint32_t len;

		memcpy(&len, p + nl, 4);
		if (tree_inode_add_xattr(ino, p, p + nl + 4, len))
			return diag_error(EXIT_BUILD, "out of memory");
		p += nl + 4 + len;
	}
	return 0;
}

static int set_content(struct dir_walk *w, const struct at *at,
		       struct tree_inode *ino, const struct look *l)
{
	const struct stat *st = &l->st;
	int r;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		/* Scanned: by its directory; the top of a walk: by path. */
		r = at->hd ? tree_inode_set_host_at(ino, at->hd, st) :
			     tree_inode_set_host(ino, w->host, st);
		if (r)
			return diag_error(EXIT_BUILD, "out of memory");
		if (st->st_size && (uint64_t)st->st_blocks * 512 < ino->size)
			return find_extents(w, at, ino);
		return 0;
	case S_IFLNK:
		return tree_inode_set_symlink(ino, l->target) ?
			       diag_error(EXIT_BUILD, "out of memory") :
			       0;
	case S_IFCHR:
	case S_IFBLK:
		return tree_inode_set_rdev(ino, major(st->st_rdev),
					   minor(st->st_rdev)) ?
			       diag_error(EXIT_BUILD, "out of memory") :
			       0;
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
		       EXIT_BUILD :
		       0;
}

/* Another name for an inode this walk has seen. */
static int put_link(struct dir_walk *w, const struct at *at,
		    struct tree_node *dir, int put_flags, const char *image,
		    struct tree_node *first)
{
	if (!dir)
		return tree_link(w->t, image, first) ? EXIT_BUILD : 0;
	return tree_link_in(w->t, dir, at->name, first, put_flags) ?
		       EXIT_BUILD :
		       0;
}

/* The entry AT, as L saw it (a directory's descriptor included). */
static int add_entry(struct dir_walk *w, const struct at *at,
		     struct tree_node *dir, int put_flags, const char *image,
		     struct look *l)
{
	const struct stat *st = &l->st;
	struct tree_inode *ino;
	struct link_slot *lk;
	struct tree_node *node;
	int links = !(w->flags & COPY_NO_HARDLINKS) && !S_ISDIR(st->st_mode) &&
		    st->st_nlink > 1;
	int r;

	if (l->err) {
		errno = l->err;
		return fail_host(w, l->step);
	}
	if (S_ISREG(st->st_mode) && w->c->check_file &&
	    (r = w->c->check_file(w->c->check_arg, w->host, st)))
		return r;
	if (links && (lk = link_find(w, st->st_dev, st->st_ino)))
		return put_link(w, at, dir, put_flags, image, lk->node);
	ino = tree_inode_new(w->t, st->st_mode & (S_IFMT | 07777));
	if (ino)
		ino->mtime = st->st_mtim.tv_sec;
	if (!ino)
		r = diag_error(EXIT_BUILD, "out of memory");
	else if ((r = set_content(w, at, ino, l)) ||
		 (r = copy_xattrs(w, l, ino)))
		tree_inode_free(ino);
	else
		r = put_entry(w, at, dir, put_flags, image, ino, &node);
	if (!r && links && link_add(w, st->st_dev, st->st_ino, node))
		r = diag_error(EXIT_BUILD, "out of memory");
	/* What Make must watch besides the host files still in the tree: a
	 * directory (an entry added or removed changes it), an empty file (no
	 * content to copy, but writing into it changes the image), a device
	 * or FIFO.  Not a symlink: Make would follow it, and a dangling one
	 * would make the image out of date forever; replacing a symlink
	 * changes its directory, which is listed. */
	if (!r && !S_ISLNK(st->st_mode) &&
	    !(S_ISREG(st->st_mode) && st->st_size))
		r = inputs_add(w->c->inputs, w->host);
	if (!r && l->fd >= 0) {
		const struct tree_hostdir *hd =
			at->hd ? tree_hostdir_add(w->t, at->hd, at->name,
						  st->st_dev) :
				 tree_hostdir_add(w->t, NULL, w->host,
						  st->st_dev);

		r = hd ? add_children(w, l->fd, hd, node) :
			 diag_error(EXIT_BUILD, "out of memory");
	}
	return r;
}

/* ---- a directory's entries, looked at by several threads ---- */

#define BATCH 4096 /* entries looked at before they go in */
#define SPLIT 32   /* fewer are looked at by this thread alone */

struct batch {
	const struct listing *l;
	size_t first;
	int dirfd;
	const char *dirpath; /* for kernels without listxattrat */
	struct look *looks;
};

static void look_one(void *ctx, size_t i)
{
	struct batch *b = ctx;
	const struct dirent_ref *e = &b->l->v[b->first + i];
	struct at at = { b->dirfd, e->name, NULL };
	char path[8192];

	/* Directories are opened by the walk itself, one at a time. */
	if (e->type == DT_DIR) {
		b->looks[i].fd = -2;
		return;
	}
	/* The path, should the kernel turn out not to have listxattrat. */
	snprintf(path, sizeof(path), "%s/%s", b->dirpath, e->name);
	look_at(&at, path, &b->looks[i]);
}

static int add_batch(struct dir_walk *w, struct batch *b, size_t n,
		     const struct tree_hostdir *hd, struct tree_node *node,
		     int flags)
{
	size_t hl = strlen(w->host), i;
	int r = 0;

	pool_run(w->c->pool, n, SPLIT, look_one, b);
	for (i = 0; !r && i < n; i++) {
		struct at at = { b->dirfd, b->l->v[b->first + i].name, hd };
		struct look *l = &b->looks[i];

		if (hl + 1 + strlen(at.name) >= sizeof(w->host)) {
			r = diag_error(EXIT_BUILD, "%s/%s: path too long",
				       w->host, at.name);
			break;
		}
		w->host[hl] = '/';
		strcpy(w->host + hl + 1, at.name);
		/* A directory (or an entry that became one): opened now. */
		if (l->fd == -2 || (!l->err && S_ISDIR(l->st.st_mode)))
			look_dir(&at, 0, l);
		r = add_entry(w, &at, node, flags, NULL, l);
		look_free(l); /* a directory is closed once it is in */
		w->host[hl] = '\0';
	}
	for (; i < n; i++)
		if (b->looks[i].fd != -2)
			look_free(&b->looks[i]);
	return r;
}

static int add_children(struct dir_walk *w, int fd,
			const struct tree_hostdir *hd, struct tree_node *node)
{
	struct listing l;
	struct batch b;
	size_t i;
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
	b.l = &l;
	b.dirfd = fd;
	b.dirpath = w->host;
	b.looks = calloc(l.n < BATCH ? l.n + 1 : BATCH, sizeof(*b.looks));
	if (!r && !b.looks)
		r = diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; !r && i < l.n; i += BATCH) {
		b.first = i;
		r = add_batch(w, &b, l.n - i < BATCH ? l.n - i : BATCH, hd,
			      node, flags);
	}
	free(b.looks);
	listing_free(&l);
	return r;
}

int source_copy_tree(struct source_ctx *c, const char *host, const char *image,
		     int flags)
{
	struct dir_walk w;
	struct at at = { AT_FDCWD, host, NULL };
	struct stat st;
	struct look l;
	int r;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.t = c->tree;
	w.flags = flags;
	snprintf(w.host, sizeof(w.host), "%s", host);
	if ((flags & COPY_FOLLOW_TOP ? stat(w.host, &st) : lstat(w.host, &st)))
		return fail_host(&w, "cannot stat");
	/* The top, by its path: a directory is followed if it is named
	 * through a symlink (COPY_FOLLOW_TOP), as stat() above. */
	if (S_ISDIR(st.st_mode))
		look_dir(&at, flags & COPY_FOLLOW_TOP, &l);
	else
		look_at(&at, host, &l);
	r = add_entry(&w, &at, NULL, 0, image, &l);
	look_free(&l);
	free(w.links);
	return r;
}

static int dir_add(struct source_ctx *c, const struct os_source *src)
{
	const struct os_config *cfg = c->cfg;
	struct stat st;

	if (stat(src->path, &st))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s': %s",
				     diag_value(src->path), strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "directory '%s' is not a directory",
				     diag_value(src->path));
	return source_copy_tree(c, src->path, src->target, COPY_FOLLOW_TOP);
}

/* directory "PATH" { target = "/" } */
static cfg_opt_t dir_opts[] = { CFG_STR("target", "/", CFGF_NONE), CFG_END() };

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
