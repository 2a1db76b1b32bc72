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
	CONTENT_STREAM,	/* entry TOKEN of a stream (an archive, a nar) */
	CONTENT_GEN,	/* SIZE bytes made by gen() when the writer gets there */
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
	char *name;		/* for messages: the archive's path */
	void *priv;
	struct tree_stream *next;	/* the tree's list, in order of addition */
};

/* A stretch of a sparse file that holds data; the rest are holes. */
struct tree_extent {
	uint64_t offset, length;
};

struct tree_xattr {
	char *name;		/* full name, e.g. "gnu.translator" */
	void *value;
	size_t len;
};

struct tree_inode {
	uint32_t mode;		/* S_IFMT type bits and permissions */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;		/* bytes of content; symlink: target length */
	uint32_t rdev_major, rdev_minor;
	enum tree_content content;
	char *host_path;	/* CONTENT_HOST */
	struct timespec host_mtime;	/* CONTENT_HOST: when it was looked at */
	void *data;		/* CONTENT_MEM, or the symlink target */
	struct tree_stream *stream;	/* CONTENT_STREAM */
	/* CONTENT_GEN: makes exactly SIZE bytes (malloc'd), or fails. */
	int (*gen)(void *ctx, void **data, size_t *len);
	void *gen_ctx;
	void (*gen_free)(void *ctx);
	uint64_t token;		/* CONTENT_STREAM: the entry in the stream */
	struct tree_xattr *xattrs;
	size_t nxattrs;
	struct tree_extent *extents;	/* sorted; NULL: no holes */
	size_t nextents;
	uint32_t min_blocks;	/* directories: at least this many blocks */
	uint32_t nlink;		/* names pointing here (set by tree_finish) */
	uint32_t subdirs;	/* directories: number of subdirectories */
	uint32_t ino;		/* inode number, assigned by the writer */
	uint32_t visit;		/* the last visit that saw it (tree_visit_*) */
};

struct tree_node {
	char *name;		/* "" for the root */
	struct tree_node *parent;
	struct tree_node **kids;
	uint32_t nkids, cap;
	struct tree_inode *inode;
};

struct tree_slot;

struct tree {
	struct tree_node *root;
	struct tree_slot *slots;	/* (parent, name) -> node */
	size_t nslots, used;
	int64_t default_mtime;		/* for directories made implicitly */
	unsigned max_depth;		/* components in a path, at most */
	size_t nnodes;
	uint32_t visit;			/* the current visit (tree_visit_*) */
	struct tree_stream *streams;	/* owned; freed with the tree */
	int borrowed_streams;		/* another tree's (tree_detach) */
};

/* Paths deeper than this are refused unless max_depth is changed;
 * longer ones always (every module builds paths in PATH_MAX buffers). */
#define TREE_MAX_DEPTH 256
#define TREE_PATH_MAX 4095

int tree_init(struct tree *t, int64_t default_mtime);
/* The tree takes S (freed by tree_free with its ops->free). */
void tree_add_stream(struct tree *t, struct tree_stream *s);
void tree_free(struct tree *t);

/* A fresh inode with the given mode and the tree's defaults (root:root). */
struct tree_inode *tree_inode_new(const struct tree *t, uint32_t mode);
void tree_inode_free(struct tree_inode *ino);

/* Set *target; returns 0.  Symlink targets are kept NUL-terminated. */
int tree_inode_set_symlink(struct tree_inode *ino, const char *target);
int tree_inode_set_data(struct tree_inode *ino, const void *data, size_t len);
/* The content of a regular file: the host file HOST_PATH as ST says it
 * is now (an empty one has no content, but keeps its name: an input);
 * entry TOKEN of stream S; or SIZE bytes that GEN makes when the writer
 * gets there.  Only set_host allocates: -1 when out of memory. */
int tree_inode_set_host(struct tree_inode *ino, const char *host_path,
			const struct stat *st);
void tree_inode_set_stream(struct tree_inode *ino, struct tree_stream *s,
			   uint64_t token, uint64_t size);
void tree_inode_set_gen(struct tree_inode *ino, uint64_t size,
			int (*gen)(void *ctx, void **data, size_t *len),
			void *ctx, void (*gen_free)(void *ctx));
int tree_inode_add_xattr(struct tree_inode *ino, const char *name,
			 const void *value, size_t len);

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

/* Add PATH as another name (hard link) for the inode of TARGET. */
int tree_link(struct tree *t, const char *path, struct tree_node *target);

struct tree_node *tree_lookup(const struct tree *t, const char *path);

/* The node PATH names once symlinks in its last component are followed
 * inside the tree (as GRUB does), at most 8 of them; NULL if it leads
 * nowhere.  *HOPS gets the number followed. */
struct tree_node *tree_follow(const struct tree *t, const char *path, int *hops);


/* FN on the host path of every file of T taken from the host (empty ones
 * too), in no particular order and possibly more than once (hard links).
 * Stops at, and returns, FN's first non-zero value. */
int tree_each_host_file(struct tree *t, int (*fn)(const char *path, void *arg),
			void *arg);

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

/* The bytes of INO's file (at most MAX; NUL-terminated for text), read
 * before the image is written: from memory, the host, its generator or a
 * replay of its stream.  Returns 0 with *OUT malloc'd, or EXIT_BUILD with
 * a message naming NAME. */
int tree_read_content(const struct tree_inode *ino, const char *name,
		      size_t max, char **out, size_t *len);

/* Move the subtree at PATH (a directory, made if missing) into OUT, a
 * tree of its own for another file system, whose root is that directory
 * and whose paths (tree_path) still read in full.  PATH stays in T as an
 * empty directory with the same owner, mode and time.  OUT borrows T's
 * streams: free it before T.  -1 with a message if PATH is not a
 * directory or a file under it has hard links outside it.  Call it on
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

#endif
