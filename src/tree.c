/* tree.c - the manifest: insert, override, lookup, sorted walk
 *
 * Memory is what limits the size of a tree, so a node is its parent, its
 * inode and its name inline, an inode is 56 bytes with the rare fields
 * apart (tree_inode_more), and both come from an arena freed with the
 * tree.  Names are looked up through a hash table only in the
 * directories that are looked up by name at all: a source that fills a
 * new directory from one listing (TREE_PUT_NEW) never indexes it, and a
 * small directory is searched in place.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "diag.h"
#include "tree.h"

/* ---- the arena ---- */

#define ARENA_CHUNK (256 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	char mem[];
};

struct tree_arena {
	struct arena_chunk *chunks;
	char *pos, *end;
};

/* N bytes, zeroed, aligned for any field of the tree's structures. */
static void *arena_alloc(struct tree_arena *a, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if ((size_t)(a->end - a->pos) < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		struct arena_chunk *c = malloc(sizeof(*c) + size);

		if (!c)
			return NULL;
		c->next = a->chunks;
		c->size = size;
		a->chunks = c;
		a->pos = c->mem;
		a->end = c->mem + size;
	}
	p = a->pos;
	a->pos += n;
	memset(p, 0, n);
	return p;
}

static void arena_free(struct tree_arena *a)
{
	struct arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ---- the name hash: (parent, name) -> node, for indexed directories ---- */

#define INDEX_MIN 16 /* smaller directories are searched in place */

struct tree_slot {
	struct tree_node *node; /* NULL: empty */
	uint64_t hash;
};

static uint64_t slot_hash(const struct tree_node *parent, const char *name,
			  size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)parent;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 31);
}

static int slot_match(const struct tree_slot *s, uint64_t h,
		      const struct tree_node *parent, const char *name,
		      size_t len)
{
	return s->hash == h && s->node->parent == parent &&
	       !strncmp(s->node->name, name, len) && s->node->name[len] == '\0';
}

static void slot_insert_raw(struct tree_slot *slots, size_t n,
			    struct tree_node *node, uint64_t h)
{
	size_t i = h & (n - 1);

	while (slots[i].node)
		i = (i + 1) & (n - 1);
	slots[i].node = node;
	slots[i].hash = h;
}

/* Room for MORE entries without passing a load of 3/4. */
static int slot_reserve(struct tree *t, size_t more)
{
	size_t n = t->nslots ? t->nslots : 1024, i;
	struct tree_slot *s;

	while ((t->used + more) * 4 > n * 3)
		n *= 2;
	if (n == t->nslots)
		return 0;
	if (!(s = calloc(n, sizeof(*s))))
		return -1;
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].node)
			slot_insert_raw(s, n, t->slots[i].node,
					t->slots[i].hash);
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return 0;
}

static int slot_insert(struct tree *t, struct tree_node *node)
{
	if (slot_reserve(t, 1))
		return -1;
	slot_insert_raw(t->slots, t->nslots, node,
			slot_hash(node->parent, node->name,
				  strlen(node->name)));
	t->used++;
	return 0;
}

/* Linear probing with backward-shift deletion: no tombstones. */
static void slot_delete(struct tree *t, struct tree_node *node)
{
	uint64_t h = slot_hash(node->parent, node->name, strlen(node->name));
	size_t mask = t->nslots - 1, i = h & mask, j;

	while (t->slots[i].node != node)
		i = (i + 1) & mask;
	t->slots[i].node = NULL;
	t->used--;
	for (j = (i + 1) & mask; t->slots[j].node; j = (j + 1) & mask) {
		size_t home = t->slots[j].hash & mask;

		/* Move j back into the hole unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			t->slots[j].node = NULL;
			i = j;
		}
	}
}

const struct tree_node *tree_slot(const struct tree *t, size_t i, size_t *home)
{
	*home = (size_t)(t->slots[i].hash & (t->nslots - 1));
	return t->slots[i].node;
}

static int is_indexed(const struct tree_node *dir)
{
	return dir && tree_inode_dir(dir->inode) &&
	       tree_inode_dir(dir->inode)->indexed;
}

/* Put DIR's entries in the hash: it is looked up by name now. */
static int index_dir(struct tree *t, struct tree_node *dir)
{
	struct tree_dir *d = tree_inode_dir(dir->inode);
	uint32_t i;

	if (slot_reserve(t, d->nkids))
		return -1;
	for (i = 0; i < d->nkids; i++) {
		slot_insert_raw(t->slots, t->nslots, d->kids[i],
				slot_hash(dir, d->kids[i]->name,
					  strlen(d->kids[i]->name)));
		t->used++;
	}
	d->indexed = 1;
	return 0;
}

/* The entry NAME (LEN bytes) of directory DIR, or NULL.  The tree is
 * const for its callers: indexing a directory only speeds it up. */
static struct tree_node *find_kid(const struct tree *ct, struct tree_node *dir,
				  const char *name, size_t len)
{
	struct tree *t = (struct tree *)ct;
	struct tree_dir *d = tree_inode_dir(dir->inode);
	uint64_t h;
	size_t mask, i;
	uint32_t k;

	if (!d || !d->nkids)
		return NULL;
	if (!d->indexed && (d->nkids < INDEX_MIN || index_dir(t, dir))) {
		for (k = 0; k < d->nkids; k++)
			if (!strncmp(d->kids[k]->name, name, len) &&
			    d->kids[k]->name[len] == '\0')
				return d->kids[k];
		return NULL;
	}
	h = slot_hash(dir, name, len);
	mask = t->nslots - 1;
	for (i = h & mask; t->slots[i].node; i = (i + 1) & mask)
		if (slot_match(&t->slots[i], h, dir, name, len))
			return t->slots[i].node;
	return NULL;
}

/* ---- inodes ---- */

struct tree_inode *tree_inode_new(struct tree *t, uint32_t mode)
{
	struct tree_inode *ino = arena_alloc(t->arena, sizeof(*ino));

	if (!ino)
		return NULL;
	ino->mode = (uint16_t)mode;
	ino->mtime = t->default_mtime;
	return ino;
}

/* The rare fields, made on first need: the kind's pointer moves there. */
static struct tree_inode_more *more_of(struct tree_inode *ino)
{
	struct tree_inode_more *m;

	if (ino->flags & TREE_MORE)
		return ino->u.more;
	if (!(m = calloc(1, sizeof(*m))))
		return NULL;
	m->kind = ino->u.kind;
	ino->u.more = m;
	ino->flags |= TREE_MORE;
	return m;
}

static int has_data(const struct tree_inode *ino)
{
	return tree_inode_data(ino) != NULL;
}

void tree_inode_free(struct tree_inode *ino)
{
	struct tree_inode_more *m;
	size_t i;

	if (!ino)
		return;
	if (tree_inode_dir(ino)) {
		free(tree_inode_dir(ino)->kids);
		free(tree_inode_dir(ino));
	} else if (has_data(ino)) {
		free(tree_kind(ino)->data);
	}
	if ((m = tree_inode_more(ino))) {
		for (i = 0; i < m->nxattrs; i++) {
			free(m->xattrs[i].name);
			free(m->xattrs[i].value);
		}
		free(m->xattrs);
		free(m->extents);
		if (m->gen_free)
			m->gen_free(m->gen_ctx);
		free(m->host_path);
		free(m);
	}
	/* Its bytes stay in the arena; nothing must use it again. */
	memset(ino, 0, sizeof(*ino));
}

/* Forget INO's content (before it gets another). */
static void clear_content(struct tree_inode *ino)
{
	struct tree_inode_more *m = tree_inode_more(ino);

	if (has_data(ino))
		free(tree_kind(ino)->data);
	if (!tree_is_dir(ino))
		tree_kind(ino)->data = NULL;
	if (m) {
		free(m->host_path);
		m->host_path = NULL;
		m->host_name = NULL;
		if (m->gen_free)
			m->gen_free(m->gen_ctx);
		m->gen = NULL;
		m->gen_ctx = NULL;
		m->gen_free = NULL;
		m->stream = NULL;
	}
	ino->content = CONTENT_NONE;
}

int tree_inode_set_symlink(struct tree_inode *ino, const char *target)
{
	char *copy = strdup(target);

	if (!copy)
		return -1;
	clear_content(ino);
	tree_kind(ino)->data = copy;
	ino->size = strlen(target);
	return 0;
}

int tree_inode_set_data(struct tree_inode *ino, const void *data, size_t len)
{
	void *copy = malloc(len ? len : 1);

	if (!copy)
		return -1;
	memcpy(copy, data, len);
	clear_content(ino);
	tree_kind(ino)->data = copy;
	ino->size = len;
	ino->content = CONTENT_MEM;
	return 0;
}

int tree_inode_set_host(struct tree_inode *ino, const char *host_path,
			const struct stat *st)
{
	char *copy;

	clear_content(ino);
	ino->size = (uint64_t)st->st_size;
	if (!st->st_size)
		return 0; /* no content: nothing to read */
	if (!more_of(ino) || !(copy = strdup(host_path)))
		return -1;
	tree_inode_more(ino)->host_path = copy;
	tree_inode_more(ino)->host_mtime = st->st_mtim;
	ino->content = CONTENT_HOST;
	return 0;
}

int tree_inode_set_host_at(struct tree_inode *ino,
			   const struct tree_hostdir *dir,
			   const struct stat *st)
{
	clear_content(ino);
	ino->size = (uint64_t)st->st_size;
	ino->mtime = st->st_mtim.tv_sec;
	if (!st->st_size)
		return 0;
	tree_kind(ino)->host_dir = dir;
	ino->host_nsec = (uint32_t)st->st_mtim.tv_nsec;
	ino->content = CONTENT_HOST;
	return 0;
}

int tree_inode_set_stream(struct tree_inode *ino, struct tree_stream *s,
			  uint64_t token, uint64_t size)
{
	clear_content(ino);
	ino->size = size;
	if (!size)
		return 0;
	if (!more_of(ino))
		return -1;
	ino->content = CONTENT_STREAM;
	tree_inode_more(ino)->stream = s;
	tree_inode_more(ino)->token = token;
	return 0;
}

int tree_inode_set_gen(struct tree_inode *ino, uint64_t size,
		       int (*gen)(void *, void **, size_t *), void *ctx,
		       void (*gen_free)(void *))
{
	clear_content(ino);
	if (!more_of(ino)) {
		if (gen_free)
			gen_free(ctx);
		return -1;
	}
	ino->size = size;
	ino->content = CONTENT_GEN;
	tree_inode_more(ino)->gen = gen;
	tree_inode_more(ino)->gen_ctx = ctx;
	tree_inode_more(ino)->gen_free = gen_free;
	return 0;
}

int tree_inode_add_xattr(struct tree_inode *ino, const char *name,
			 const void *value, size_t len)
{
	struct tree_inode_more *m = more_of(ino);
	struct tree_xattr *x;
	size_t i;

	if (!m)
		return -1;
	for (i = 0; i < m->nxattrs; i++)
		if (!strcmp(m->xattrs[i].name, name))
			break;
	if (i == m->nxattrs) {
		x = realloc(m->xattrs, (i + 1) * sizeof(*x));
		if (!x)
			return -1;
		m->xattrs = x;
		x[i].name = strdup(name);
		x[i].value = NULL;
		if (!x[i].name)
			return -1;
		m->nxattrs++;
	}
	x = &m->xattrs[i];
	free(x->value);
	x->value = malloc(len ? len : 1);
	if (!x->value)
		return -1;
	memcpy(x->value, value, len);
	x->len = len;
	return 0;
}

int tree_inode_set_rdev(struct tree_inode *ino, uint32_t major, uint32_t minor)
{
	struct tree_inode_more *m;

	if (!major && !minor && !tree_inode_more(ino))
		return 0;
	if (!(m = more_of(ino)))
		return -1;
	m->rdev_major = major;
	m->rdev_minor = minor;
	return 0;
}

int tree_inode_set_extents(struct tree_inode *ino, struct tree_extent *v,
			   size_t n)
{
	struct tree_inode_more *m = more_of(ino);

	if (!m)
		return -1;
	free(m->extents);
	m->extents = v;
	m->nextents = n;
	return 0;
}

static struct tree_dir *dir_of(struct tree_inode *ino)
{
	struct tree_dir **d = &tree_kind(ino)->dir;

	if (!*d)
		*d = calloc(1, sizeof(**d));
	return *d;
}

int tree_inode_set_min_blocks(struct tree_inode *ino, uint32_t blocks)
{
	if (!tree_is_dir(ino) || !dir_of(ino))
		return -1;
	tree_inode_dir(ino)->min_blocks = blocks;
	return 0;
}

/* ---- host directories ---- */

const struct tree_hostdir *tree_hostdir_add(struct tree *t,
					    const struct tree_hostdir *parent,
					    const char *name, uint64_t dev)
{
	size_t len = strlen(name);
	struct tree_hostdir *d = arena_alloc(t->arena, sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	memcpy(d + 1, name, len + 1);
	d->parent = parent;
	d->name = (const char *)(d + 1);
	d->dev = dev;
	return d;
}

/* A host directory's path in BUF, as the source named it. */
static const char *tree_hostdir_path(const struct tree_hostdir *d, char *buf,
				     size_t len)
{
	size_t at;

	if (!d->parent) {
		snprintf(buf, len, "%s", d->name);
		return buf;
	}
	tree_hostdir_path(d->parent, buf, len);
	at = strlen(buf);
	snprintf(buf + at, len - at, "/%s", d->name);
	return buf;
}

const char *tree_host_name(const struct tree_node *n)
{
	const struct tree_inode_more *m = tree_inode_more(n->inode);

	if (!tree_inode_host_dir(n->inode))
		return NULL;
	return m && m->host_name ? m->host_name : n->name;
}

const char *tree_host_path(const struct tree_node *n, char *buf, size_t len)
{
	const struct tree_inode *ino = n->inode;
	size_t at;

	if (ino->content != CONTENT_HOST) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	if (!tree_inode_host_dir(ino)) {
		snprintf(buf, len, "%s", tree_inode_more(ino)->host_path);
		return buf;
	}
	tree_hostdir_path(tree_inode_host_dir(ino), buf, len);
	at = strlen(buf);
	snprintf(buf + at, len - at, "/%s", tree_host_name(n));
	return buf;
}

/* ---- nodes ---- */

static struct tree_node *node_new(struct tree *t, struct tree_node *parent,
				  const char *name, size_t len,
				  struct tree_inode *ino)
{
	struct tree_node *n = arena_alloc(t->arena, sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->parent = parent;
	n->inode = ino;
	return n;
}

static int kid_append(struct tree *t, struct tree_node *dir,
		      struct tree_node *kid)
{
	struct tree_dir *d = dir_of(dir->inode);
	size_t cap;

	if (!d)
		return -1;
	cap = d->cap; /* 32 bits in every directory: a copy */
	if (array_grow(&d->kids, &cap, (size_t)d->nkids + 1, sizeof(*d->kids),
		       8))
		return -1;
	d->cap = (uint32_t)cap;
	if (d->indexed && slot_insert(t, kid))
		return -1;
	d->kids[d->nkids++] = kid;
	return 0;
}

int tree_reserve(struct tree_node *dir, uint32_t n)
{
	struct tree_dir *d = dir_of(dir->inode);
	struct tree_node **k;

	if (!d)
		return -1;
	if (d->cap - d->nkids >= n)
		return 0;
	k = realloc(d->kids, (size_t)(d->nkids + n) * sizeof(*k));
	if (!k)
		return -1;
	d->kids = k;
	d->cap = d->nkids + n;
	return 0;
}

int tree_init(struct tree *t, int64_t default_mtime)
{
	memset(t, 0, sizeof(*t));
	t->default_mtime = default_mtime;
	t->max_depth = TREE_MAX_DEPTH;
	if (!(t->arena = calloc(1, sizeof(*t->arena))))
		return -1;
	t->root = node_new(t, NULL, "", 0, tree_inode_new(t, S_IFDIR | 0755));
	if (!t->root || !t->root->inode)
		return -1;
	t->nnodes = 1;
	return 0;
}

/* Inodes are shared by hard links: free one only with its last name. */
static void inode_unref(struct tree_inode *ino)
{
	if (ino->nlink > 1)
		ino->nlink--;
	else
		tree_inode_free(ino);
}

static void node_free(struct tree *t, struct tree_node *n, int unhash)
{
	uint32_t i, nk = tree_nkids(n);

	for (i = 0; i < nk; i++)
		node_free(t, tree_inode_dir(n->inode)->kids[i], unhash);
	if (unhash && is_indexed(n->parent))
		slot_delete(t, n);
	inode_unref(n->inode);
	t->nnodes--;
}

void tree_add_stream(struct tree *t, struct tree_stream *s)
{
	struct tree_stream **p = &t->streams;

	while (*p)
		p = &(*p)->next;
	s->next = NULL;
	*p = s;
}

void tree_free(struct tree *t)
{
	struct tree_stream *s, *next;

	if (t->root)
		node_free(t, t->root, 0);
	for (s = t->borrowed_streams ? NULL : t->streams; s; s = next) {
		next = s->next;
		free(s->name);
		s->ops->free(s);
	}
	if (!t->borrowed_streams)
		arena_free(t->arena);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void kid_remove(struct tree_node *dir, struct tree_node *kid)
{
	struct tree_dir *d = tree_inode_dir(dir->inode);
	uint32_t i;

	for (i = 0; i < d->nkids; i++)
		if (d->kids[i] == kid)
			break;
	memmove(&d->kids[i], &d->kids[i + 1],
		(d->nkids - i - 1) * sizeof(*d->kids));
	d->nkids--;
}

/*
 * Walk PATH's components.  With CREATE, missing directories are made.
 * Returns the parent directory of the last component and sets *last and
 * *lastlen to that component.
 */
static struct tree_node *walk_parent(struct tree *t, const char *path,
				     int create, const char **last,
				     size_t *lastlen)
{
	struct tree_node *dir = t->root;
	const char *p = path;

	if (*p != '/') {
		if (create)
			diag_error(EXIT_BUILD,
				   "%s: path in the image must be absolute",
				   path);
		return NULL;
	}
	for (;;) {
		const char *name, *end;
		struct tree_node *kid;
		size_t len;

		while (*p == '/')
			p++;
		name = p;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (len == 1 && name[0] == '.') ||
		    (len == 2 && name[0] == '.' && name[1] == '.')) {
			if (create)
				diag_error(
					EXIT_BUILD,
					"%s: not a canonical path in the image",
					path);
			return NULL;
		}
		if (len > TREE_NAME_MAX) {
			if (create)
				diag_error(EXIT_BUILD,
					   "%s: a name is longer than %d bytes",
					   path, TREE_NAME_MAX);
			return NULL;
		}
		p = name + len;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*last = name;
			*lastlen = len;
			return dir;
		}
		kid = find_kid(t, dir, name, len);
		if (!kid) {
			struct tree_inode *ino;

			if (!create) {
				errno = ENOENT;
				return NULL;
			}
			ino = tree_inode_new(t, S_IFDIR | 0755);
			kid = ino ? node_new(t, dir, name, len, ino) : NULL;
			if (!kid || kid_append(t, dir, kid)) {
				diag_error(EXIT_BUILD, "out of memory");
				return NULL;
			}
			kid->inode->nlink = 1;
			t->nnodes++;
		} else if (!tree_is_dir(kid->inode)) {
			if (create)
				diag_error(
					EXIT_BUILD,
					"%s: a parent of this path is not a directory in the image",
					path);
			return NULL;
		}
		dir = kid;
	}
}

/* Check every component before anything is made, so a bad path leaves
 * the tree as it was. */
static int check_path(const struct tree *t, const char *path)
{
	const char *p = path;
	unsigned depth = 0;

	if (*p != '/')
		return diag_error(EXIT_BUILD,
				  "%s: path in the image must be absolute",
				  path),
		       -1;
	if (strlen(path) > TREE_PATH_MAX)
		return diag_error(
			       EXIT_BUILD,
			       "%.64s...: a path of %zu bytes; at most %d are supported",
			       path, strlen(path), TREE_PATH_MAX),
		       -1;
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!*p)
			break;
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return diag_error(
				       EXIT_BUILD,
				       "%s: not a canonical path in the image",
				       path),
			       -1;
		if (len > TREE_NAME_MAX)
			return diag_error(EXIT_BUILD,
					  "%s: a name is longer than %d bytes",
					  path, TREE_NAME_MAX),
			       -1;
		if (++depth > t->max_depth)
			return diag_error(
				       EXIT_BUILD,
				       "%s: more than %u levels deep (max-depth in the file-system section)",
				       path, t->max_depth),
			       -1;
		p += len;
	}
	return 0;
}

/* NAME under DIR replaces what is there, or merges into a directory
 * there: 0 (new node), 1 (*out is the directory to merge into) or -1. */
static int put_under(struct tree *t, struct tree_node *dir, const char *name,
		     size_t len, struct tree_inode *ino, int flags,
		     struct tree_node **out)
{
	struct tree_node *old = flags & TREE_PUT_NEW ?
					NULL :
					find_kid(t, dir, name, len),
			 *n;

	if (old && tree_is_dir(old->inode) && tree_is_dir(ino)) {
		*out = old;
		return 1;
	}
	if (old) {
		kid_remove(dir, old);
		node_free(t, old, 1);
	}
	n = node_new(t, dir, name, len, ino);
	if (!n || kid_append(t, dir, n))
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	t->nnodes++;
	*out = n;
	return 0;
}

static int put_node(struct tree *t, const char *path, struct tree_inode *ino,
		    struct tree_node **out)
{
	struct tree_node *dir;
	const char *name;
	size_t len;

	if (check_path(t, path))
		return -1;

	if (!strcmp(path, "/")) {
		if (!tree_is_dir(ino))
			return diag_error(EXIT_BUILD,
					  "/: the root must be a directory"),
			       -1;
		*out = t->root;
		return 1; /* caller merges into the root */
	}
	dir = walk_parent(t, path, 1, &name, &len);
	if (!dir)
		return -1;
	return put_under(t, dir, name, len, ino, 0, out);
}

/* Directory over directory: N takes INO's metadata, keeps its entries. */
static void merge_dir(struct tree_node *n, struct tree_inode *ino)
{
	struct tree_inode *old = n->inode;

	ino->nlink = old->nlink;
	if (!tree_kind(ino)->dir) {
		tree_kind(ino)->dir = tree_kind(old)->dir;
		tree_kind(old)->dir = NULL;
	}
	n->inode = ino;
	tree_inode_free(old);
}

static int finish_put(int r, struct tree_node *n, struct tree_inode *ino,
		      struct tree_node **out)
{
	if (r < 0) {
		tree_inode_free(ino);
		return -1;
	}
	if (r == 1)
		merge_dir(n, ino);
	else
		ino->nlink = 1;
	if (out)
		*out = n;
	return r;
}

int tree_put(struct tree *t, const char *path, struct tree_inode *ino,
	     struct tree_node **out)
{
	struct tree_node *n = NULL;
	int r = put_node(t, path, ino, &n);

	return finish_put(r, n, ino, out) < 0 ? -1 : 0;
}

/* DIR/NAME for a message, when DIR is not the root. */
static void join(const struct tree_node *dir, const char *name, char *buf,
		 size_t len)
{
	size_t at = tree_path(dir, buf, len);

	if (at == 1 && buf[0] == '/')
		at = 0;
	snprintf(buf + at, len - at, "/%s", name);
}

/* What check_path() would say of DIR/NAME, DIR being a valid path. */
static int check_name(const struct tree *t, const struct tree_node *dir,
		      const char *name)
{
	size_t len = strlen(name), plen = 0;
	const struct tree_node *p;
	unsigned depth = 1;
	char path[2 * TREE_PATH_MAX + TREE_NAME_MAX + 8];

	for (p = dir; p->parent; p = p->parent) {
		plen += 1 + strlen(p->name);
		depth++;
	}
	if (plen + 1 + len <= TREE_PATH_MAX && len && len <= TREE_NAME_MAX &&
	    !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	    depth <= t->max_depth)
		return 0;
	join(dir, name, path, sizeof(path));
	return check_path(t, path) ?
		       -1 :
		       diag_error(EXIT_BUILD,
				  "%s: not a canonical path in the image",
				  path),
	       -1;
}

int tree_put_in(struct tree *t, struct tree_node *dir, const char *name,
		struct tree_inode *ino, int flags, struct tree_node **out)
{
	struct tree_node *n = NULL;
	int r;

	if (check_name(t, dir, name)) {
		tree_inode_free(ino);
		return -1;
	}
	r = put_under(t, dir, name, strlen(name), ino, flags, &n);
	return finish_put(r, n, ino, out);
}

/* Another name N for TARGET's inode, already counted in its links. */
static void note_host_name(struct tree_node *target)
{
	struct tree_inode *ino = target->inode;

	/* The host file keeps the name it has in its host directory. */
	if (tree_inode_host_dir(ino) && !tree_inode_more(ino)->host_name)
		tree_inode_more(ino)->host_name = target->name;
}

static int link_check(struct tree_node *old, struct tree_node *target,
		      const char *path)
{
	if (tree_is_dir(target->inode))
		return diag_error(
			       EXIT_BUILD,
			       "%s: a hard link to a directory is not allowed",
			       path),
		       -1;
	if (old && tree_is_dir(old->inode))
		return diag_error(
			       EXIT_BUILD,
			       "%s: is a directory; cannot make it a hard link",
			       path),
		       -1;
	if (!more_of(target->inode)) /* visits and the host name */
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	return 0;
}

static int link_done(int r, struct tree_node *target, const char *path)
{
	struct tree_inode *ino = target->inode;

	if (r != 0) {
		ino->nlink--;
		if (r == 1)
			return diag_error(
				       EXIT_BUILD,
				       "%s: is a directory; cannot make it a hard link",
				       path),
			       -1;
		return -1;
	}
	return 0;
}

int tree_link(struct tree *t, const char *path, struct tree_node *target)
{
	struct tree_node *old, *n;
	int r;

	old = tree_lookup(t, path);
	if (old == target && !tree_is_dir(target->inode))
		return 0; /* a link to itself: nothing to do */
	if (link_check(old, target, path))
		return -1;
	note_host_name(target);
	target->inode->nlink++; /* keep it alive if PATH replaces its own name */
	r = put_node(t, path, target->inode, &n);
	return link_done(r, target, path);
}

int tree_link_in(struct tree *t, struct tree_node *dir, const char *name,
		 struct tree_node *target, int flags)
{
	struct tree_node *old = flags & TREE_PUT_NEW ?
					NULL :
					find_kid(t, dir, name, strlen(name)),
			 *n;
	char path[2 * TREE_PATH_MAX + TREE_NAME_MAX + 8];
	int r;

	if (old == target && !tree_is_dir(target->inode))
		return 0;
	if (check_name(t, dir, name))
		return -1;
	join(dir, name, path, sizeof(path));
	if (link_check(old, target, path))
		return -1;
	note_host_name(target);
	target->inode->nlink++;
	r = put_under(t, dir, name, strlen(name), target->inode, flags, &n);
	return link_done(r, target, path);
}

/* PATH as an absolute path without ".", ".." or repeated slashes, in
 * place.  A relative PATH is taken from the root; the result is at most
 * one byte longer than PATH, which the callers' buffers allow. */
static void normalize(char *path)
{
	char in[2 * TREE_PATH_MAX + 2], *out = path, *p = in;

	snprintf(in, sizeof(in), "%s", path);
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else if (!(len == 1 && p[0] == '.')) {
			*out++ = '/';
			memcpy(out, p, len);
			out += len;
		}
		p += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

struct tree_node *tree_follow(const struct tree *t, const char *path, int *hops)
{
	char cur[TREE_PATH_MAX + 2], next[2 * TREE_PATH_MAX + 2];
	struct tree_node *n;

	*hops = 0;
	snprintf(cur, sizeof(cur), "%s", path);
	normalize(cur);
	while ((n = tree_lookup(t, cur)) &&
	       (n->inode->mode & S_IFMT) == S_IFLNK) {
		const char *target = tree_inode_data(n->inode);

		if (++*hops > 8 || !target)
			return NULL;
		if (target[0] == '/')
			snprintf(next, sizeof(next), "%s", target);
		else
			snprintf(next, sizeof(next), "%.*s/%s",
				 (int)(strrchr(cur, '/') - cur), cur, target);
		if (strlen(next) > TREE_PATH_MAX)
			return NULL;
		normalize(next);
		memcpy(cur, next, strlen(next) + 1);
	}
	return n;
}

struct each_host {
	int (*fn)(const char *path, void *arg);
	void *arg;
	int by_path_only;
};

static int host_file(struct tree_node *n, void *arg)
{
	const struct each_host *e = arg;
	char path[8192];

	if (n->inode->content != CONTENT_HOST ||
	    (e->by_path_only && tree_inode_host_dir(n->inode)))
		return 0;
	return e->fn(tree_host_path(n, path, sizeof(path)), e->arg);
}

int tree_each_host_file(struct tree *t, int (*fn)(const char *path, void *arg),
			void *arg)
{
	struct each_host e = { fn, arg, 0 };

	return tree_walk(t, host_file, &e);
}

int tree_each_host_path_file(struct tree *t,
			     int (*fn)(const char *path, void *arg), void *arg)
{
	struct each_host e = { fn, arg, 1 };

	return tree_walk(t, host_file, &e);
}

struct tree_node *tree_lookup(const struct tree *t, const char *path)
{
	const char *name;
	struct tree_node *dir;
	size_t len;

	if (!strcmp(path, "/"))
		return t->root;
	dir = walk_parent((struct tree *)t, path, 0, &name, &len);
	if (!dir)
		return NULL;
	return find_kid(t, dir, name, len);
}

int tree_add_dir(struct tree *t, const char *path, uint32_t mode, uint32_t uid,
		 uint32_t gid, int64_t mtime)
{
	struct tree_inode *ino;

	if (tree_lookup(t, path))
		return 0;
	ino = tree_inode_new(t, S_IFDIR | mode);
	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	ino->uid = uid;
	ino->gid = gid;
	ino->mtime = mtime;
	return tree_put(t, path, ino, NULL) ? EXIT_BUILD : 0;
}

int tree_add_symlink(struct tree *t, const char *path, const char *target,
		     int64_t mtime)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFLNK | 0777);

	if (!ino || tree_inode_set_symlink(ino, target)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	ino->mtime = mtime;
	return tree_put(t, path, ino, NULL) ? EXIT_BUILD : 0;
}

int tree_add_data(struct tree *t, const char *path, uint32_t mode,
		  const void *data, size_t len, int64_t mtime)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFREG | mode);

	if (!ino || tree_inode_set_data(ino, data, len)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	ino->mtime = mtime;
	return tree_put(t, path, ino, NULL) ? EXIT_BUILD : 0;
}

static int kid_cmp(const void *a, const void *b)
{
	const struct tree_node *x = *(const struct tree_node *const *)a;
	const struct tree_node *y = *(const struct tree_node *const *)b;

	return strcmp(x->name, y->name);
}

static int sorted(struct tree_node *const *v, uint32_t n)
{
	uint32_t i;

	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1]->name, v[i]->name) > 0)
			return 0;
	return 1;
}

static void finish_node(struct tree_node *n)
{
	struct tree_dir *d = tree_inode_dir(n->inode);
	uint32_t i;

	/* Only a directory has subdirs: a file keeps its host_nsec there. */
	if (!tree_is_dir(n->inode))
		return;
	n->inode->subdirs = 0;
	if (!d)
		return;
	/* A source that listed its directory sorted needs no sorting. */
	if (d->nkids > 1 && !sorted(d->kids, d->nkids))
		qsort(d->kids, d->nkids, sizeof(*d->kids), kid_cmp);
	for (i = 0; i < d->nkids; i++) {
		if (tree_is_dir(d->kids[i]->inode)) {
			n->inode->subdirs++;
			finish_node(d->kids[i]);
		}
	}
}

void tree_finish(struct tree *t)
{
	t->root->inode->nlink = 1;
	finish_node(t->root);
}

void tree_visit_begin(struct tree *t)
{
	t->visit++;
}

/* Only an inode with more than one name can be seen twice: the others
 * need no mark. */
static int visited(const struct tree *t, const struct tree_inode *ino)
{
	return ino->nlink > 1 && tree_inode_more(ino) &&
	       tree_inode_more(ino)->visit == t->visit;
}

int tree_visit_first(struct tree *t, struct tree_inode *ino)
{
	if (visited(t, ino))
		return 0;
	if (ino->nlink > 1 && tree_inode_more(ino))
		tree_inode_more(ino)->visit = t->visit;
	return 1;
}

/* The root's name is "", or, for a tree detached at a mount point, that
 * path without its first '/': paths then read in full everywhere. */
size_t tree_path(const struct tree_node *node, char *buf, size_t len)
{
	size_t need, pos;
	const struct tree_node *n;

	need = 0;
	for (n = node; n; n = n->parent)
		if (n->parent || *n->name)
			need += 1 + strlen(n->name);
	if (need == 0) {
		snprintf(buf, len, "/");
		return 1;
	}
	if (need + 1 > len) {
		snprintf(buf, len, "%s", "...");
		return need;
	}
	pos = need;
	buf[pos] = '\0';
	for (n = node; n; n = n->parent) {
		size_t l = strlen(n->name);

		if (!n->parent && !l)
			break;
		pos -= l;
		memcpy(buf + pos, n->name, l);
		buf[--pos] = '/';
	}
	return need;
}

static int walk_node(struct tree_node *n, int (*fn)(struct tree_node *, void *),
		     void *arg)
{
	uint32_t i, nk;
	int r = fn(n, arg);

	nk = tree_nkids(n);
	for (i = 0; !r && i < nk; i++)
		r = walk_node(tree_inode_dir(n->inode)->kids[i], fn, arg);
	return r;
}

int tree_walk(struct tree *t, int (*fn)(struct tree_node *, void *), void *arg)
{
	return walk_node(t->root, fn, arg);
}

/* ---- reading a file's bytes before the image is written ---- */

struct grab {
	const char *name;
	uint64_t token;
	char *buf;
	size_t len;
	int found;
};

static int grab_sink(void *ctx, uint64_t token, uint64_t size,
		     tree_stream_read read, void *reader)
{
	struct grab *g = ctx;
	size_t got = 0;
	long n = 0;

	if (token != g->token || g->found)
		return 0;
	g->found = 1;
	if (size != g->len)
		return diag_error(
			EXIT_BUILD,
			"%s: %llu bytes in the stream now, %zu when it was first read",
			g->name, (unsigned long long)size, g->len);
	while (got < g->len &&
	       (n = read(reader, g->buf + got, g->len - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		return EXIT_BUILD;
	if (got != g->len)
		return diag_error(EXIT_BUILD,
				  "%s: the stream ended %zu bytes early",
				  g->name, g->len - got);
	return 0;
}

/* Before the image: a few files (boot parameters), by their host path. */
static int read_host(const struct tree_node *n, char *buf, size_t len)
{
	char path[2 * TREE_PATH_MAX + 2];
	int fd = open(tree_host_path(n, path, sizeof(path)),
		      O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	ssize_t r = 0;

	if (fd < 0)
		return diag_error(EXIT_BUILD, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || (uint64_t)st.st_size != len) {
		close(fd);
		return diag_error(EXIT_BUILD,
				  "%s: changed while the image was built",
				  path);
	}
	while (got < len && (r = read(fd, buf + got, len - got)) > 0)
		got += (size_t)r;
	close(fd);
	if (r < 0 || got != len)
		return diag_error(EXIT_BUILD, "%s: %s", path,
				  r < 0 ? strerror(errno) :
					  "changed while the image was built");
	return 0;
}

int tree_read_content(const struct tree_node *n, const char *name, size_t max,
		      char **out, size_t *len)
{
	const struct tree_inode *ino = n->inode;
	const struct tree_inode_more *m = tree_inode_more(ino);
	struct grab g = { name, m ? m->token : 0, NULL, (size_t)ino->size, 0 };
	void *gen = NULL;
	size_t genlen = 0;
	int r = 0;

	*out = NULL;
	if (ino->size > max)
		return diag_error(EXIT_BUILD, "%s: larger than %zu bytes", name,
				  max);
	if (!(g.buf = malloc(g.len + 1)))
		return diag_error(EXIT_BUILD, "out of memory");
	switch (ino->content) {
	case CONTENT_NONE:
		break;
	case CONTENT_MEM:
		memcpy(g.buf, tree_inode_data(ino), g.len);
		break;
	case CONTENT_HOST:
		r = read_host(n, g.buf, g.len);
		break;
	case CONTENT_GEN:
		if ((r = m->gen(m->gen_ctx, &gen, &genlen)) == 0 &&
		    genlen != g.len)
			r = diag_error(EXIT_BUILD,
				       "%s: generated %zu bytes, not %zu", name,
				       genlen, g.len);
		if (!r)
			memcpy(g.buf, gen, g.len);
		free(gen);
		break;
	case CONTENT_STREAM:
		r = m->stream->ops->replay(m->stream, grab_sink, &g);
		if (!r && !g.found)
			r = diag_error(EXIT_BUILD, "%s: no longer in %s", name,
				       m->stream->name);
		break;
	}
	if (r) {
		free(g.buf);
		return r;
	}
	g.buf[g.len] = '\0';
	*out = g.buf;
	*len = g.len;
	return 0;
}

/* ---- detaching a mount point's subtree ---- */

static void mark_outside(struct tree *t, struct tree_node *n,
			 const struct tree_node *skip)
{
	uint32_t i, nk = tree_nkids(n);

	if (n == skip)
		return;
	tree_visit_first(t, n->inode);
	for (i = 0; i < nk; i++)
		mark_outside(t, tree_inode_dir(n->inode)->kids[i], skip);
}

/* A node under N whose inode has a name outside N, or NULL. */
static struct tree_node *linked_outside(struct tree *t, struct tree_node *n)
{
	struct tree_node *found;
	uint32_t i, nk = tree_nkids(n);

	if (visited(t, n->inode))
		return n;
	for (i = 0; i < nk; i++)
		if ((found = linked_outside(t,
					    tree_inode_dir(n->inode)->kids[i])))
			return found;
	return NULL;
}

/* Move the hash slots of N's descendants from T to OUT; their count. */
static size_t move_slots(struct tree *t, struct tree *out, struct tree_node *n)
{
	size_t count = 0;
	uint32_t i, nk = tree_nkids(n);
	int indexed = is_indexed(n);

	for (i = 0; i < nk; i++) {
		struct tree_node *kid = tree_inode_dir(n->inode)->kids[i];

		if (indexed) {
			slot_delete(t, kid);
			if (slot_insert(out, kid))
				return (size_t)-1;
		}
		count += 1 + move_slots(t, out, kid);
	}
	return count;
}

/* N's place in its parent, for an empty directory like it. */
static struct tree_node *stand_in(struct tree *t, struct tree_node *n)
{
	struct tree_inode *ino = tree_inode_new(t, n->inode->mode);
	struct tree_node *m =
		ino ? node_new(t, n->parent, n->name, strlen(n->name), ino) :
		      NULL;
	struct tree_dir *pd = tree_inode_dir(n->parent->inode);
	uint32_t i;

	if (!m)
		return NULL;
	ino->uid = n->inode->uid;
	ino->gid = n->inode->gid;
	ino->mtime = n->inode->mtime;
	ino->nlink = 1;
	if (pd->indexed) {
		slot_delete(t, n);
		if (slot_insert(t, m))
			return NULL;
	}
	for (i = 0; pd->kids[i] != n; i++)
		;
	pd->kids[i] = m;
	return m;
}

/* The root of a detached tree is named by its path (tree_path), so it is
 * a new node: its entries get it as their parent. */
static struct tree_node *new_root(struct tree *out, struct tree_node *n,
				  const char *path)
{
	struct tree_node *r =
		node_new(out, NULL, path + 1, strlen(path + 1), n->inode);
	uint32_t i, nk = tree_nkids(n);
	int indexed = is_indexed(n);

	if (!r)
		return NULL;
	for (i = 0; i < nk; i++) {
		struct tree_node *kid = tree_inode_dir(n->inode)->kids[i];

		if (indexed)
			slot_delete(out, kid);
		kid->parent = r;
		if (indexed && slot_insert(out, kid))
			return NULL;
	}
	return r;
}

int tree_detach(struct tree *t, const char *path, struct tree *out)
{
	struct tree_node *n = tree_lookup(t, path), *bad;
	char where[4096];
	size_t moved;

	if (!n) {
		struct tree_inode *ino = tree_inode_new(t, S_IFDIR | 0755);

		if (!ino || tree_put(t, path, ino, &n))
			return -1;
	}
	if (!tree_is_dir(n->inode) || !n->parent)
		return diag_error(
			       EXIT_BUILD,
			       "%s: not a directory in the image, so it cannot be a mount point",
			       path),
		       -1;
	tree_visit_begin(t);
	mark_outside(t, t->root, n);
	if ((bad = linked_outside(t, n))) {
		tree_path(bad, where, sizeof(where));
		return diag_error(
			       EXIT_BUILD,
			       "%s: hard-linked to a name outside %s, which is another file system; ext2 cannot link across file systems",
			       where, path),
		       -1;
	}
	memset(out, 0, sizeof(*out));
	out->default_mtime = t->default_mtime;
	out->max_depth = t->max_depth;
	out->visit = t->visit; /* the inodes' marks stay below it */
	out->streams = t->streams;
	out->borrowed_streams = 1;
	out->arena = t->arena;
	if (!stand_in(t, n) || (moved = move_slots(t, out, n)) == (size_t)-1 ||
	    !(out->root = new_root(out, n, path)))
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	out->root->inode->nlink = 1;
	out->nnodes = moved + 1;
	t->nnodes -= moved;
	return 0;
}
