/* tree.c - the manifest: insert, override, lookup, sorted walk */
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

struct tree_slot {
	struct tree_node *node;	/* NULL: empty */
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

static struct tree_node *slot_find(const struct tree *t,
				   const struct tree_node *parent,
				   const char *name, size_t len)
{
	uint64_t h = slot_hash(parent, name, len);
	size_t mask = t->nslots - 1, i = h & mask;

	for (; t->slots[i].node; i = (i + 1) & mask)
		if (slot_match(&t->slots[i], h, parent, name, len))
			return t->slots[i].node;
	return NULL;
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

static int slot_insert(struct tree *t, struct tree_node *node)
{
	uint64_t h = slot_hash(node->parent, node->name, strlen(node->name));

	if ((t->used + 1) * 4 > t->nslots * 3) {
		size_t n = t->nslots * 2, i;
		struct tree_slot *s = calloc(n, sizeof(*s));

		if (!s)
			return -1;
		for (i = 0; i < t->nslots; i++)
			if (t->slots[i].node)
				slot_insert_raw(s, n, t->slots[i].node,
						t->slots[i].hash);
		free(t->slots);
		t->slots = s;
		t->nslots = n;
	}
	slot_insert_raw(t->slots, t->nslots, node, h);
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

struct tree_inode *tree_inode_new(const struct tree *t, uint32_t mode)
{
	struct tree_inode *ino = calloc(1, sizeof(*ino));

	if (!ino)
		return NULL;
	ino->mode = mode;
	ino->mtime = t->default_mtime;
	return ino;
}

void tree_inode_free(struct tree_inode *ino)
{
	size_t i;

	if (!ino)
		return;
	for (i = 0; i < ino->nxattrs; i++) {
		free(ino->xattrs[i].name);
		free(ino->xattrs[i].value);
	}
	free(ino->xattrs);
	free(ino->extents);
	if (ino->gen_free)
		ino->gen_free(ino->gen_ctx);
	free(ino->host_path);
	free(ino->data);
	free(ino);
}

int tree_inode_set_symlink(struct tree_inode *ino, const char *target)
{
	char *copy = strdup(target);

	if (!copy)
		return -1;
	free(ino->data);
	ino->data = copy;
	ino->size = strlen(target);
	ino->content = CONTENT_NONE;
	return 0;
}

int tree_inode_set_data(struct tree_inode *ino, const void *data, size_t len)
{
	void *copy = malloc(len ? len : 1);

	if (!copy)
		return -1;
	memcpy(copy, data, len);
	free(ino->data);
	ino->data = copy;
	ino->size = len;
	ino->content = CONTENT_MEM;
	return 0;
}

int tree_inode_set_host(struct tree_inode *ino, const char *host_path,
			const struct stat *st)
{
	char *copy = strdup(host_path);

	if (!copy)
		return -1;
	ino->size = (uint64_t)st->st_size;
	free(ino->host_path);
	ino->host_path = copy;
	ino->host_mtime = st->st_mtim;
	ino->content = st->st_size ? CONTENT_HOST : CONTENT_NONE;
	return 0;
}

void tree_inode_set_stream(struct tree_inode *ino, struct tree_stream *s,
			   uint64_t token, uint64_t size)
{
	ino->size = size;
	if (!size)
		return;
	ino->content = CONTENT_STREAM;
	ino->stream = s;
	ino->token = token;
}

void tree_inode_set_gen(struct tree_inode *ino, uint64_t size,
			int (*gen)(void *, void **, size_t *), void *ctx,
			void (*gen_free)(void *))
{
	ino->size = size;
	ino->content = CONTENT_GEN;
	ino->gen = gen;
	ino->gen_ctx = ctx;
	ino->gen_free = gen_free;
}

int tree_inode_add_xattr(struct tree_inode *ino, const char *name,
			 const void *value, size_t len)
{
	struct tree_xattr *x;
	size_t i;

	for (i = 0; i < ino->nxattrs; i++)
		if (!strcmp(ino->xattrs[i].name, name))
			break;
	if (i == ino->nxattrs) {
		x = realloc(ino->xattrs, (i + 1) * sizeof(*x));
		if (!x)
			return -1;
		ino->xattrs = x;
		x[i].name = strdup(name);
		x[i].value = NULL;
		if (!x[i].name)
			return -1;
		ino->nxattrs++;
	}
	x = &ino->xattrs[i];
	free(x->value);
	x->value = malloc(len ? len : 1);
	if (!x->value)
		return -1;
	memcpy(x->value, value, len);
	x->len = len;
	return 0;
}

static struct tree_node *node_new(struct tree_node *parent, const char *name,
				  size_t len, struct tree_inode *ino)
{
	struct tree_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->parent = parent;
	n->inode = ino;
	return n;
}

static int kid_append(struct tree_node *dir, struct tree_node *kid)
{
	size_t cap = dir->cap;	/* 32 bits in every node: a copy */

	if (array_grow(&dir->kids, &cap, (size_t)dir->nkids + 1,
		       sizeof(*dir->kids), 8))
		return -1;
	dir->cap = (uint32_t)cap;
	dir->kids[dir->nkids++] = kid;
	return 0;
}

int tree_init(struct tree *t, int64_t default_mtime)
{
	memset(t, 0, sizeof(*t));
	t->default_mtime = default_mtime;
	t->max_depth = TREE_MAX_DEPTH;
	t->nslots = 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots)
		return -1;
	t->root = node_new(NULL, "", 0, tree_inode_new(t, S_IFDIR | 0755));
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
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		node_free(t, n->kids[i], unhash);
	if (unhash && n->parent)
		slot_delete(t, n);
	inode_unref(n->inode);
	free(n->kids);
	free(n->name);
	free(n);
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
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void kid_remove(struct tree_node *dir, struct tree_node *kid)
{
	uint32_t i;

	for (i = 0; i < dir->nkids; i++)
		if (dir->kids[i] == kid)
			break;
	memmove(&dir->kids[i], &dir->kids[i + 1],
		(dir->nkids - i - 1) * sizeof(*dir->kids));
	dir->nkids--;
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
				diag_error(EXIT_BUILD,
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
		kid = slot_find(t, dir, name, len);
		if (!kid) {
			if (!create) {
				errno = ENOENT;
				return NULL;
			}
			kid = node_new(dir, name, len,
				       tree_inode_new(t, S_IFDIR | 0755));
			if (!kid || !kid->inode || kid_append(dir, kid) ||
			    slot_insert(t, kid)) {
				diag_error(EXIT_BUILD, "out of memory");
				return NULL;
			}
			kid->inode->nlink = 1;
			t->nnodes++;
		} else if (!tree_is_dir(kid->inode)) {
			if (create)
				diag_error(EXIT_BUILD,
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
		return diag_error(EXIT_BUILD, "%s: path in the image must be absolute",
				  path), -1;
	if (strlen(path) > TREE_PATH_MAX)
		return diag_error(EXIT_BUILD, "%.64s...: a path of %zu bytes; at most %d are supported",
				  path, strlen(path), TREE_PATH_MAX), -1;
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!*p)
			break;
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return diag_error(EXIT_BUILD,
					  "%s: not a canonical path in the image", path), -1;
		if (len > TREE_NAME_MAX)
			return diag_error(EXIT_BUILD, "%s: a name is longer than %d bytes",
					  path, TREE_NAME_MAX), -1;
		if (++depth > t->max_depth)
			return diag_error(EXIT_BUILD,
					  "%s: more than %u levels deep (max-depth in the file-system section)",
					  path, t->max_depth), -1;
		p += len;
	}
	return 0;
}

static int put_node(struct tree *t, const char *path, struct tree_inode *ino,
		    struct tree_node **out)
{
	struct tree_node *dir, *old, *n;
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
		return 1;	/* caller merges into the root */
	}
	dir = walk_parent(t, path, 1, &name, &len);
	if (!dir)
		return -1;
	old = slot_find(t, dir, name, len);
	if (old && tree_is_dir(old->inode) && tree_is_dir(ino)) {
		*out = old;
		return 1;
	}
	if (old) {
		kid_remove(dir, old);
		node_free(t, old, 1);
	}
	n = node_new(dir, name, len, ino);
	if (!n || kid_append(dir, n) || slot_insert(t, n)) {
		free(n);
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	}
	t->nnodes++;
	*out = n;
	return 0;
}

int tree_put(struct tree *t, const char *path, struct tree_inode *ino,
	     struct tree_node **out)
{
	struct tree_node *n;
	int r = put_node(t, path, ino, &n);

	if (r < 0) {
		tree_inode_free(ino);
		return -1;
	}
	if (r == 1) {
		/* Directory over directory: new metadata, old contents. */
		struct tree_inode *old = n->inode;

		ino->nlink = old->nlink;
		n->inode = ino;
		tree_inode_free(old);
	} else {
		ino->nlink = 1;
	}
	if (out)
		*out = n;
	return 0;
}

int tree_link(struct tree *t, const char *path, struct tree_node *target)
{
	struct tree_inode *ino = target->inode;
	struct tree_node *n;
	int r;

	struct tree_node *old;

	if (tree_is_dir(ino))
		return diag_error(EXIT_BUILD,
				  "%s: a hard link to a directory is not allowed",
				  path), -1;
	old = tree_lookup(t, path);
	if (old == target)
		return 0;	/* a link to itself: nothing to do */
	if (old && tree_is_dir(old->inode))
		return diag_error(EXIT_BUILD,
				  "%s: is a directory; cannot make it a hard link",
				  path), -1;
	ino->nlink++;	/* keep INO alive if PATH replaces its own name */
	r = put_node(t, path, ino, &n);
	if (r != 0) {
		ino->nlink--;
		if (r == 1)
			return diag_error(EXIT_BUILD,
					  "%s: is a directory; cannot make it a hard link",
					  path), -1;
		return -1;
	}
	return 0;
}

/* "/a/b/../c/./d" -> "/a/c/d" in place; ".." at the root stays there. */
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
	while ((n = tree_lookup(t, cur)) && (n->inode->mode & S_IFMT) == S_IFLNK) {
		const char *target = n->inode->data;

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
};

/* Empty files too: they have no content, but writing into one changes
 * the image. */
static int host_file(struct tree_node *n, void *arg)
{
	const struct each_host *e = arg;

	return n->inode->host_path ? e->fn(n->inode->host_path, e->arg) : 0;
}

int tree_each_host_file(struct tree *t, int (*fn)(const char *path, void *arg),
			void *arg)
{
	struct each_host e = { fn, arg };

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
	return slot_find(t, dir, name, len);
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

static void finish_node(struct tree_node *n)
{
	uint32_t i;

	n->inode->subdirs = 0;
	if (n->nkids)
		qsort(n->kids, n->nkids, sizeof(*n->kids), kid_cmp);
	for (i = 0; i < n->nkids; i++) {
		if (tree_is_dir(n->kids[i]->inode))
			n->inode->subdirs++;
		finish_node(n->kids[i]);
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

int tree_visit_first(struct tree *t, struct tree_inode *ino)
{
	if (ino->visit == t->visit)
		return 0;
	ino->visit = t->visit;
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
	uint32_t i;
	int r = fn(n, arg);

	for (i = 0; !r && i < n->nkids; i++)
		r = walk_node(n->kids[i], fn, arg);
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
		return diag_error(EXIT_BUILD, "%s: %llu bytes in the stream now, %zu when it was first read",
				  g->name, (unsigned long long)size, g->len);
	while (got < g->len && (n = read(reader, g->buf + got, g->len - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		return EXIT_BUILD;
	if (got != g->len)
		return diag_error(EXIT_BUILD, "%s: the stream ended %zu bytes early",
				  g->name, g->len - got);
	return 0;
}

static int read_host(const struct tree_inode *ino, char *buf, size_t len)
{
	int fd = open(ino->host_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return diag_error(EXIT_BUILD, "%s: %s", ino->host_path, strerror(errno));
	if (fstat(fd, &st) || (uint64_t)st.st_size != len) {
		close(fd);
		return diag_error(EXIT_BUILD, "%s: changed while the image was built",
				  ino->host_path);
	}
	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0 || got != len)
		return diag_error(EXIT_BUILD, "%s: %s", ino->host_path,
				  n < 0 ? strerror(errno) : "changed while the image was built");
	return 0;
}

int tree_read_content(const struct tree_inode *ino, const char *name,
		      size_t max, char **out, size_t *len)
{
	struct grab g = { name, ino->token, NULL, (size_t)ino->size, 0 };
	void *gen = NULL;
	size_t genlen = 0;
	int r = 0;

	*out = NULL;
	if (ino->size > max)
		return diag_error(EXIT_BUILD, "%s: larger than %zu bytes", name, max);
	if (!(g.buf = malloc(g.len + 1)))
		return diag_error(EXIT_BUILD, "out of memory");
	switch (ino->content) {
	case CONTENT_NONE:
		break;
	case CONTENT_MEM:
		memcpy(g.buf, ino->data, g.len);
		break;
	case CONTENT_HOST:
		r = read_host(ino, g.buf, g.len);
		break;
	case CONTENT_GEN:
		if ((r = ino->gen(ino->gen_ctx, &gen, &genlen)) == 0 && genlen != g.len)
			r = diag_error(EXIT_BUILD, "%s: generated %zu bytes, not %zu",
				       name, genlen, g.len);
		if (!r)
			memcpy(g.buf, gen, g.len);
		free(gen);
		break;
	case CONTENT_STREAM:
		r = ino->stream->ops->replay(ino->stream, grab_sink, &g);
		if (!r && !g.found)
			r = diag_error(EXIT_BUILD, "%s: no longer in %s", name,
				       ino->stream->name);
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
	uint32_t i;

	if (n == skip)
		return;
	tree_visit_first(t, n->inode);
	for (i = 0; i < n->nkids; i++)
		mark_outside(t, n->kids[i], skip);
}

/* A node under N whose inode has a name outside N, or NULL. */
static struct tree_node *linked_outside(struct tree *t, struct tree_node *n)
{
	struct tree_node *found;
	uint32_t i;

	if (n->inode->visit == t->visit)
		return n;
	for (i = 0; i < n->nkids; i++)
		if ((found = linked_outside(t, n->kids[i])))
			return found;
	return NULL;
}

/* Move the hash slots of N's descendants from T to OUT; their count. */
static size_t move_slots(struct tree *t, struct tree *out, struct tree_node *n)
{
	size_t count = 0;
	uint32_t i;

	for (i = 0; i < n->nkids; i++) {
		slot_delete(t, n->kids[i]);
		if (slot_insert(out, n->kids[i]))
			return (size_t)-1;
		count += 1 + move_slots(t, out, n->kids[i]);
	}
	return count;
}

/* N's place in its parent, for an empty directory like it. */
static struct tree_node *stand_in(struct tree *t, struct tree_node *n)
{
	struct tree_inode *ino = tree_inode_new(t, n->inode->mode);
	struct tree_node *m = ino ? node_new(n->parent, n->name, strlen(n->name), ino)
				  : NULL;
	uint32_t i;

	if (!m) {
		tree_inode_free(ino);
		return NULL;
	}
	ino->uid = n->inode->uid;
	ino->gid = n->inode->gid;
	ino->mtime = n->inode->mtime;
	ino->nlink = 1;
	slot_delete(t, n);
	if (slot_insert(t, m)) {
		tree_inode_free(ino);
		free(m->name);
		free(m);
		return NULL;
	}
	for (i = 0; n->parent->kids[i] != n; i++)
		;
	n->parent->kids[i] = m;
	return m;
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
		return diag_error(EXIT_BUILD, "%s: not a directory in the image, so it cannot be a mount point",
				  path), -1;
	tree_visit_begin(t);
	mark_outside(t, t->root, n);
	if ((bad = linked_outside(t, n))) {
		tree_path(bad, where, sizeof(where));
		return diag_error(EXIT_BUILD,
				  "%s: hard-linked to a name outside %s, which is another file system; ext2 cannot link across file systems",
				  where, path), -1;
	}
	if (tree_init(out, t->default_mtime))
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	node_free(out, out->root, 0);
	out->max_depth = t->max_depth;
	out->visit = t->visit;	/* the inodes' marks stay below it */
	out->streams = t->streams;
	out->borrowed_streams = 1;
	if (!stand_in(t, n) || (moved = move_slots(t, out, n)) == (size_t)-1) {
		out->root = NULL;
		return diag_error(EXIT_BUILD, "out of memory"), -1;
	}
	free(n->name);
	n->name = strdup(path + 1);	/* tree_path: full paths */
	n->parent = NULL;
	n->inode->nlink = 1;
	out->root = n;
	out->nnodes = moved + 1;
	t->nnodes -= moved;
	return n->name ? 0 : (diag_error(EXIT_BUILD, "out of memory"), -1);
}
