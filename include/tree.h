/* tree.h - the in-memory manifest of everything that goes into the image.
 *
 * Sources add entries; nothing else decides what the image contains.
 * A node is one name in one directory; an inode is what the name points
 * to, shared by hard links.  Walking the tree sorted gives the order in
 * which inodes and blocks are allocated, so the output never depends on
 * readdir or hash-table order.
 */
#ifndef MKHURDIMG_TREE_H
#define MKHURDIMG_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/types.h>

#define TREE_NAME_MAX 255

enum tree_content {
	CONTENT_NONE,	/* empty file, directory, device, fifo, socket */
	CONTENT_HOST,	/* bytes of a file on the host (host_path) */
	CONTENT_MEM,	/* bytes held in memory (data, size) */
	CONTENT_STREAM, /* entry TOKEN of a stream (an archive, a nar) */
	CONTENT_GEN, /* SIZE bytes made by gen() when the writer gets there */
};

/*
 * A stream holds the bytes of many files in an order of its own (an
 * archive read front to back).  The writer lays every file out in tree
 * order first, then replays each stream once and puts each entry's bytes
 * where its file's blocks are: no temporary extraction, one pass.
 */
struct tree_stream;

/* Reads up to LEN bytes of the current entry; returns the count, 0 at its
 * end, or -1 with a message recorded. */
typedef long (*tree_stream_read)(void *reader, void *buf, size_t len);
/* Called by replay() for every entry with content, in stream order. */
typedef int (*tree_stream_sink)(void *ctx, uint64_t token, uint64_t size,
				tree_stream_read read, void *reader);

struct tree_stream_ops {
	/* Read the stream from its start, calling SINK per entry with
	 * content.  Returns 0 or an exit status. */
	int (*replay)(struct tree_stream *s, tree_stream_sink sink, void *ctx);
	void (*free)(struct tree_stream *s);
};

struct tree_stream {
	const struct tree_stream_ops *ops;
	char *name; /* for messages: the archive's path */
	void *priv;
	struct tree_stream *next; /* the tree's list, in order of addition */
};

/* A stretch of a sparse file that holds data; the rest are holes. */
struct tree_extent {
	uint64_t offset, length;
};

struct tree_xattr {
	char *name; /* full name, e.g. "gnu.translator" */
	void *value;
	size_t len;
};

/*
 * A directory on the host that a source scanned.  A file read from it is
 * named by its directory and its name there: the writer opens it with
 * openat() relative to the directory (opened in turn relative to its
 * parent), so no path is walked after the scan, and the tree keeps no
 * full path per file.  A root's name is the host path the source gave.
 */
struct tree_hostdir {
	const struct tree_hostdir *parent; /* NULL: a root */
	const char *name;
	uint64_t dev; /* st_dev: the file system it is on */
};

/* What a directory holds: its entries (sorted by tree_finish). */
struct tree_dir {
	struct tree_node **kids;
	uint32_t nkids, cap;
	uint32_t min_blocks; /* at least this many blocks */
	int indexed;	     /* its entries are in the name hash */
};

/* The one pointer an inode's kind needs. */
union tree_kind {
	struct tree_dir *dir; /* directories, once they have entries */
	void *data;	      /* symlink target, CONTENT_MEM bytes */
	const struct tree_hostdir *host_dir; /* scanned host file */
};

/* What few inodes have, kept apart so that the many do not pay for it. */
struct tree_inode_more {
	union tree_kind kind; /* moved here from the inode */
	struct tree_xattr *xattrs;
	size_t nxattrs;
	struct tree_extent *extents; /* sorted; NULL: no holes */
	size_t nextents;
	uint32_t rdev_major, rdev_minor;
	uint32_t visit;	       /* hard-linked inodes: the last visit */
	const char *host_name; /* a host file's name in host_dir, when
				 * its first name in the tree is another */
	char *host_path;       /* CONTENT_HOST by path (tree_inode_set_host) */
	struct timespec host_mtime; /* and its mtime then */
	struct tree_stream *stream; /* CONTENT_STREAM */
	uint64_t token;		    /* the entry in the stream */
	/* CONTENT_GEN: makes exactly SIZE bytes (malloc'd), or fails. */
	int (*gen)(void *ctx, void **data, size_t *len);
	void *gen_ctx;
	void (*gen_free)(void *ctx);
};

/*
 * An inode is 48 bytes: a tree holds a million of them.  The unions say
 * which fields an inode of each kind uses.  Its kind's pointer is in the
 * inode, or, once it has some of the rare fields (TREE_MORE), in the
 * tree_inode_more the inode points to instead: use the accessors below.
 */
#define TREE_MORE 1
struct tree_inode {
	uint16_t mode;	 /* S_IFMT type bits and permissions */
	uint8_t content; /* enum tree_content */
	uint8_t flags;	 /* TREE_MORE */
	uint32_t uid, gid;
	uint32_t nlink; /* names pointing here (set by tree_finish) */
	int64_t mtime;	/* a scanned host file: its mtime on the host */
	uint64_t size;	/* bytes of content; symlink: target length */
	uint32_t ino;	/* inode number, assigned by the writer */
	union {
		uint32_t subdirs;   /* directories: subdirectories */
		uint32_t host_nsec; /* scanned host file: st_mtim.tv_nsec */
	};
	union {
		union tree_kind kind;
		struct tree_inode_more *more; /* TREE_MORE */
	} u;
};

/*
 * A name in a directory.  Nodes, inodes and host directories live in the
 * tree's arena (freed with the tree); a node's name is stored inline.
 */
struct tree_node {
	struct tree_node *parent;
	struct tree_inode *inode;
	char name[]; /* "" for the root */
};

struct tree_slot;
struct tree_arena;

struct tree {
	struct tree_node *root;
	struct tree_slot *slots; /* (parent, name) -> node, for the
					 * directories looked up by name */
	size_t nslots, used;
	int64_t default_mtime; /* for directories made implicitly */
	unsigned max_depth;    /* components in a path, at most */
	size_t nnodes;
	uint32_t visit;		     /* the current visit (tree_visit_*) */
	struct tree_stream *streams; /* owned; freed with the tree */
	int borrowed_streams;	     /* another tree's (tree_detach) */
	struct tree_arena *arena;    /* owned unless borrowed_streams */
};

/* Paths deeper than this are refused unless max_depth is changed;
 * longer ones always (every module builds paths in PATH_MAX buffers). */
#define TREE_MAX_DEPTH 256
#define TREE_PATH_MAX 4095

int tree_init(struct tree *t, int64_t default_mtime);
/* The tree takes S (freed by tree_free with its ops->free). */
void tree_add_stream(struct tree *t, struct tree_stream *s);
void tree_free(struct tree *t);

/* A fresh inode with the given mode and the tree's defaults (root:root),
 * in the tree's arena; NULL when out of memory. */
struct tree_inode *tree_inode_new(struct tree *t, uint32_t mode);
/* What INO owns (its data, entries, attributes); its own bytes go with
 * the tree's arena. */
void tree_inode_free(struct tree_inode *ino);

/* Set *target; returns 0.  Symlink targets are kept NUL-terminated. */
int tree_inode_set_symlink(struct tree_inode *ino, const char *target);
int tree_inode_set_data(struct tree_inode *ino, const void *data, size_t len);
/* The content of a regular file: the host file HOST_PATH as ST says it
 * is now (an empty one has no content, but keeps its name: an input);
 * the file of a scanned host directory (set_host_at: it is the file
 * named as INO's node in DIR, with ST's mtime, which becomes INO's);
 * entry TOKEN of stream S; or SIZE bytes that GEN makes when the writer
 * gets there.  Each returns 0, or -1 when out of memory. */
int tree_inode_set_host(struct tree_inode *ino, const char *host_path,
			const struct stat *st);
int tree_inode_set_host_at(struct tree_inode *ino,
			   const struct tree_hostdir *dir,
			   const struct stat *st);
int tree_inode_set_stream(struct tree_inode *ino, struct tree_stream *s,
			  uint64_t token, uint64_t size);
int tree_inode_set_gen(struct tree_inode *ino, uint64_t size,
		       int (*gen)(void *ctx, void **data, size_t *len),
		       void *ctx, void (*gen_free)(void *ctx));
int tree_inode_add_xattr(struct tree_inode *ino, const char *name,
			 const void *value, size_t len);
/* A device's numbers; the data stretches of a sparse file (the inode
 * takes V, which is not NULL even when there are none: all hole); the
 * least size of a directory.  Each returns 0 or -1 (out of memory). */
int tree_inode_set_rdev(struct tree_inode *ino, uint32_t major, uint32_t minor);
int tree_inode_set_extents(struct tree_inode *ino, struct tree_extent *v,
			   size_t n);
int tree_inode_set_min_blocks(struct tree_inode *ino, uint32_t blocks);

/* A host directory a source scans: DIR named NAME in PARENT, or a root
 * (PARENT NULL, NAME its host path).  NULL when out of memory. */
const struct tree_hostdir *tree_hostdir_add(struct tree *t,
					    const struct tree_hostdir *parent,
					    const char *name, uint64_t dev);

/*
 * Put INO at PATH (absolute, "/a/b").  Missing parent directories are
 * created (0755, root, default mtime).  An existing entry is overridden:
 * a directory over a directory takes the new metadata and keeps the
 * contents; anything else replaces the old entry and what was under it.
 * The tree owns INO afterwards, also on failure.
 * Returns 0, or -1 with a message recorded (bad path, parent not a dir).
 */
int tree_put(struct tree *t, const char *path, struct tree_inode *ino,
	     struct tree_node **out);

/* The same for NAME in directory DIR, for a source walking a tree of its
 * own.  With TREE_PUT_NEW the caller knows DIR has no entry NAME (DIR is
 * new and the names come from one listing): nothing is looked up, and
 * DIR is not indexed.  Returns 0 (a new node), 1 (a directory over a
 * directory: merged) or -1 with a message recorded. */
#define TREE_PUT_NEW 1
int tree_put_in(struct tree *t, struct tree_node *dir, const char *name,
		struct tree_inode *ino, int flags, struct tree_node **out);
/* Room for N more entries in DIR, so that a listing costs no slack. */
int tree_reserve(struct tree_node *dir, uint32_t n);

/* Add PATH as another name (hard link) for the inode of TARGET. */
int tree_link(struct tree *t, const char *path, struct tree_node *target);
/* The same for NAME in directory DIR (flags as tree_put_in). */
int tree_link_in(struct tree *t, struct tree_node *dir, const char *name,
		 struct tree_node *target, int flags);

struct tree_node *tree_lookup(const struct tree *t, const char *path);

/* The node PATH names once symlinks in its last component are followed
 * inside the tree (as GRUB does), at most 8 of them; NULL if it leads
 * nowhere.  *HOPS gets the number followed. */
struct tree_node *tree_follow(const struct tree *t, const char *path,
			      int *hops);

/* The name index seen from outside, for the unit tests: the node in slot
 * I of T->nslots (NULL: empty), and in *HOME the slot its hash points
 * at (a name sits at its home or after it, wrapping at the end). */
const struct tree_node *tree_slot(const struct tree *t, size_t i, size_t *home);

/* FN on the host path of every file of T whose bytes come from the host,
 * in no particular order and possibly more than once (hard links); PATH
 * lives only during the call.  An empty host file has no content here:
 * its source lists it among the inputs instead.  Stops at, and returns,
 * FN's first non-zero value. */
int tree_each_host_file(struct tree *t, int (*fn)(const char *path, void *arg),
			void *arg);
/* The same for the files given by path (tree_inode_set_host) only, not
 * those of a scanned directory: a source checked those as it scanned. */
int tree_each_host_path_file(struct tree *t,
			     int (*fn)(const char *path, void *arg), void *arg);

/* Entries the tool itself makes (root-owned unless said, with MTIME).
 * Each returns 0 or EXIT_BUILD with a message recorded. */
/* A directory, unless PATH exists already (a source made it: kept). */
int tree_add_dir(struct tree *t, const char *path, uint32_t mode, uint32_t uid,
		 uint32_t gid, int64_t mtime);
/* A symlink to TARGET, or a regular file holding DATA, over any entry. */
int tree_add_symlink(struct tree *t, const char *path, const char *target,
		     int64_t mtime);
int tree_add_data(struct tree *t, const char *path, uint32_t mode,
		  const void *data, size_t len, int64_t mtime);

/* The bytes of N's file (at most MAX; NUL-terminated for text), read
 * before the image is written: from memory, the host, its generator or a
 * replay of its stream.  Returns 0 with *OUT malloc'd, or EXIT_BUILD with
 * a message naming NAME. */
int tree_read_content(const struct tree_node *n, const char *name, size_t max,
		      char **out, size_t *len);

/* A CONTENT_HOST file of node N: its name in its host directory (NULL
 * for one set by path), and its host path in BUF (for messages and
 * --depfile; what it returns is BUF). */
const char *tree_host_name(const struct tree_node *n);
const char *tree_host_path(const struct tree_node *n, char *buf, size_t len);

/* Move the subtree at PATH (a directory, made if missing) into OUT, a
 * tree of its own for another file system, whose root is that directory
 * and whose paths (tree_path) still read in full.  PATH stays in T as an
 * empty directory with the same owner, mode and time.  OUT borrows T's
 * streams and arena: free it before T.  -1 with a message if PATH is not
 * a directory or a file under it has hard links outside it.  Call it on
 * the deepest mount point first. */
int tree_detach(struct tree *t, const char *path, struct tree *out);

/* Sort directories, count links and subdirectories.  Call once all
 * sources are in, before walking. */
void tree_finish(struct tree *t);

/* A visit sees each inode once, however many names it has: begin one,
 * then tree_visit_first() is true at an inode's first name only. */
void tree_visit_begin(struct tree *t);
int tree_visit_first(struct tree *t, struct tree_inode *ino);

/* Full path of NODE into BUF ("/" for the root). */
size_t tree_path(const struct tree_node *node, char *buf, size_t len);

/* Preorder walk in sorted order; stops when FN returns non-zero. */
int tree_walk(struct tree *t, int (*fn)(struct tree_node *, void *), void *arg);

static inline int tree_is_dir(const struct tree_inode *ino)
{
	return (ino->mode & 0170000) == 0040000;
}

/* The rare fields, or NULL. */
static inline struct tree_inode_more *
tree_inode_more(const struct tree_inode *ino)
{
	return ino->flags & TREE_MORE ? ino->u.more : NULL;
}

/* Where the kind's pointer is. */
static inline union tree_kind *tree_kind(const struct tree_inode *ino)
{
	return (union tree_kind *)(ino->flags & TREE_MORE ? &ino->u.more->kind :
							    &ino->u.kind);
}

static inline struct tree_dir *tree_inode_dir(const struct tree_inode *ino)
{
	return tree_is_dir(ino) ? tree_kind(ino)->dir : NULL;
}

/* A directory's entries (sorted once tree_finish ran); none for others. */
static inline uint32_t tree_nkids(const struct tree_node *n)
{
	struct tree_dir *d = tree_inode_dir(n->inode);

	return d ? d->nkids : 0;
}

static inline struct tree_node *const *tree_kids(const struct tree_node *n)
{
	return tree_nkids(n) ? tree_inode_dir(n->inode)->kids : NULL;
}

/* The rare fields, 0 or NULL where an inode has none. */
static inline size_t tree_inode_nxattrs(const struct tree_inode *ino)
{
	return tree_inode_more(ino) ? tree_inode_more(ino)->nxattrs : 0;
}

static inline const struct tree_xattr *
tree_inode_xattrs(const struct tree_inode *ino)
{
	return tree_inode_more(ino) ? tree_inode_more(ino)->xattrs : NULL;
}

/* NULL: no holes; else *N stretches hold data. */
static inline const struct tree_extent *
tree_inode_extents(const struct tree_inode *ino, size_t *n)
{
	const struct tree_inode_more *m = tree_inode_more(ino);

	*n = m ? m->nextents : 0;
	return m ? m->extents : NULL;
}

static inline uint32_t tree_inode_rdev_major(const struct tree_inode *ino)
{
	return tree_inode_more(ino) ? tree_inode_more(ino)->rdev_major : 0;
}

static inline uint32_t tree_inode_rdev_minor(const struct tree_inode *ino)
{
	return tree_inode_more(ino) ? tree_inode_more(ino)->rdev_minor : 0;
}

static inline uint32_t tree_inode_min_blocks(const struct tree_inode *ino)
{
	struct tree_dir *d = tree_inode_dir(ino);

	return d ? d->min_blocks : 0;
}

/* Symlink target or CONTENT_MEM bytes (what tree_inode_set_symlink or
 * tree_inode_set_data gave it); NULL for every other inode. */
static inline const void *tree_inode_data(const struct tree_inode *ino)
{
	if (tree_is_dir(ino) || ino->content == CONTENT_HOST)
		return NULL;
	return tree_kind(ino)->data;
}

/* A scanned host file's directory (NULL for one set by path). */
static inline const struct tree_hostdir *
tree_inode_host_dir(const struct tree_inode *ino)
{
	const struct tree_inode_more *m = tree_inode_more(ino);

	if (ino->content != CONTENT_HOST || (m && m->host_path))
		return NULL;
	return tree_kind(ino)->host_dir;
}

#endif
