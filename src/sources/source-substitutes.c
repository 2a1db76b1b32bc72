/* source-substitutes.c - a substitute cache: narinfo files and their nars
 *
 * The layout of a Guix or Nix substitute server, or of a `guix publish`
 * cache: HASH.narinfo per store item, and the nar it names (URL:,
 * Compression: none, gzip, xz, lzip, zstd or bzip2).  From the root store
 * paths the References: are followed to the whole closure; each nar is
 * streamed, checked against NarSize and NarHash while it is read, and
 * unpacked into the tree.  Any mismatch is an error naming the item, found
 * before the image is written.  The writer reads each nar a second time
 * (a tree_stream) to put file contents in place, and checks the hash
 * again, so a nar that changes meanwhile is caught too.
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
#include "decompress.h"
#include "diag.h"
#include "nar.h"
#include "narinfo.h"
#include "narsig.h"
#include "source-substitutes.h"

#define STORE_MTIME 1 /* what the daemon gives every store file */

struct item_nar {
	char *store_path; /* /gnu/store/HASH-NAME */
	char *nar_file;	  /* host path of the nar */
	char *compression;
	uint8_t nar_hash[32];
	uint64_t nar_size;
	long max_ratio; /* 0: no limit */
};

static const char *const compressions[] = { "none", "gzip",  "xz", "lzip",
					    "zstd", "bzip2", NULL };

/* ---- reading a nar through decompress.c ---- */

struct nar_file {
	struct decomp *d;
	const char *name;
	uint64_t left; /* NarSize + 1 less what was read */
};

/* Never more than NarSize + 1 bytes: enough to tell a nar that is too
 * long, and a compressed bomb is not inflated any further.  The nar
 * parser reads until this says the end: the decompressor's, where its
 * last trailer has been checked. */
static long nar_file_read(void *ctx, void *buf, size_t len)
{
	struct nar_file *f = ctx;
	long n;

	if (len > f->left)
		len = (size_t)f->left;
	if (!len)
		return 0;
	n = decomp_read(f->d, buf, len);
	if (n < 0) {
		diag_error(EXIT_BUILD, "%s: %s", f->name, decomp_error(f->d));
		return -1;
	}
	f->left -= (uint64_t)n;
	return n;
}

/* NarSize against the nar file's size, before inflating anything. */
static int check_ratio(const struct item_nar *it)
{
	struct stat st;
	uint64_t in;

	if (!it->max_ratio || it->nar_size < SOURCE_RATIO_FLOOR ||
	    stat(it->nar_file, &st))
		return 0;
	in = st.st_size > 0 ? (uint64_t)st.st_size : 1;
	if (it->nar_size / in < (uint64_t)it->max_ratio)
		return 0;
	return diag_error(
		EXIT_BUILD,
		"%s: NarSize %llu from a nar file of %llu bytes is more than %ld bytes out per byte in, a decompression bomb; refused (raise max-ratio in its substitutes section, or 0 for no limit)",
		it->store_path, (unsigned long long)it->nar_size,
		(unsigned long long)in, it->max_ratio);
}

static int nar_file_open(struct nar_file *f, const char *path)
{
	f->name = path;
	return decomp_open(path, &f->d);
}

/* After the parser failed with R: if the compressed data under the nar
 * is corrupt (read on as far as NarSize allows), that is the cause. */
static int nar_file_close(struct nar_file *f, int r)
{
	if (r && decomp_corrupt(f->d, f->left)) {
		diag_clear();
		r = diag_error(EXIT_BUILD, "%s: %s", f->name,
			       decomp_error(f->d));
	}
	decomp_close(f->d);
	f->d = NULL;
	return r;
}

/* Parse the nar of IT with V, and check its size and hash. */
static int read_nar(const struct item_nar *it, const struct nar_visitor *v,
		    void *ctx)
{
	struct nar_file f;
	struct nar_result res;
	char want[64], got[64], name[8192];
	struct stat st;
	int r;

	if (stat(it->nar_file, &st))
		return diag_error(EXIT_BUILD, "%s: %s: %s", it->store_path,
				  it->nar_file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return diag_error(EXIT_BUILD, "%s: %s: not a regular file",
				  it->store_path, it->nar_file);
	if ((r = check_ratio(it)) || (r = nar_file_open(&f, it->nar_file)))
		return r;
	f.left = it->nar_size + 1;
	snprintf(name, sizeof(name), "%s (%s)", it->store_path, it->nar_file);
	r = nar_parse(name, nar_file_read, &f, v, ctx, &res);
	r = nar_file_close(&f, r);
	if (r)
		return r;
	if (res.size != it->nar_size)
		return diag_error(
			EXIT_BUILD,
			"%s: the nar is %llu bytes, its narinfo says NarSize %llu",
			it->store_path, (unsigned long long)res.size,
			(unsigned long long)it->nar_size);
	if (memcmp(res.sha256, it->nar_hash, 32)) {
		nix_base32_encode(it->nar_hash, 32, want);
		nix_base32_encode(res.sha256, 32, got);
		return diag_error(
			EXIT_BUILD,
			"%s: the nar's hash is sha256:%s, its narinfo says NarHash sha256:%s",
			it->store_path, got, want);
	}
	return 0;
}

/* ---- first pass: the tree ---- */

struct unpack {
	struct tree *t;
	struct tree_stream *stream;
	const char *item;
	uint64_t tokens;
};

static int node_path(const struct unpack *u, const char *rel, char *out,
		     size_t len)
{
	if ((size_t)snprintf(out, len, "%s%s%s", u->item, *rel ? "/" : "",
			     rel) >= len)
		return diag_error(EXIT_BUILD, "%s/%s: path too long", u->item,
				  rel);
	return 0;
}

static int put(struct unpack *u, const char *rel, struct tree_inode *ino)
{
	char path[4096];

	ino->mtime = STORE_MTIME;
	if (node_path(u, rel, path, sizeof(path))) {
		tree_inode_free(ino);
		return EXIT_BUILD;
	}
	return tree_put(u->t, path, ino, NULL) ? EXIT_BUILD : 0;
}

static int on_directory(void *ctx, const char *rel)
{
	struct unpack *u = ctx;
	struct tree_inode *ino = tree_inode_new(u->t, S_IFDIR | 0555);

	return ino ? put(u, rel, ino) : diag_error(EXIT_BUILD, "out of memory");
}

static int on_regular(void *ctx, const char *rel, int exec, uint64_t size,
		      struct nar *n)
{
	struct unpack *u = ctx;
	struct tree_inode *ino =
		tree_inode_new(u->t, S_IFREG | (exec ? 0555 : 0444));

	if (!ino || tree_inode_set_stream(ino, u->stream, u->tokens++, size)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	return put(u, rel, ino);
}

static int on_symlink(void *ctx, const char *rel, const char *target)
{
	struct unpack *u = ctx;
	struct tree_inode *ino = tree_inode_new(u->t, S_IFLNK | 0777);

	if (!ino || tree_inode_set_symlink(ino, target)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	return put(u, rel, ino);
}

static const struct nar_visitor unpack_visitor = {
	.directory = on_directory,
	.regular = on_regular,
	.symlink = on_symlink,
};

/* ---- second pass: the writer's replay ---- */

struct replaying {
	tree_stream_sink sink;
	void *ctx;
	uint64_t tokens;
};

static long contents_read(void *reader, void *buf, size_t len)
{
	return nar_read_contents(reader, buf, len);
}

static int replay_regular(void *ctx, const char *rel, int exec, uint64_t size,
			  struct nar *n)
{
	struct replaying *rp = ctx;
	uint64_t token = rp->tokens++;

	return size ? rp->sink(rp->ctx, token, size, contents_read, n) : 0;
}

static const struct nar_visitor replay_visitor = {
	.regular = replay_regular,
};

static int nar_replay(struct tree_stream *s, tree_stream_sink sink, void *ctx)
{
	struct replaying rp = { sink, ctx, 0 };

	return read_nar(s->priv, &replay_visitor, &rp);
}

static void item_free(struct item_nar *it)
{
	free(it->store_path);
	free(it->nar_file);
	free(it->compression);
	free(it);
}

static void nar_stream_free(struct tree_stream *s)
{
	item_free(s->priv);
	free(s);
}

static const struct tree_stream_ops nar_stream_ops = {
	.replay = nar_replay,
	.free = nar_stream_free,
};

/* ---- the closure ---- */

struct closure {
	const char *cache;
	struct store_items *store; /* NULL: no registration */
	long max_ratio;
	const struct narsig_key *key; /* NULL: signatures not checked */
	char **paths;		      /* store paths, in the order found */
	struct narinfo *infos;
	size_t n, cap;
	size_t *set;	       /* open addressing: index + 1, 0 = empty */
	size_t setcap;	       /* a power of two */
	struct inputs *inputs; /* the narinfos read */
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int known(const struct closure *c, const char *path)
{
	size_t i;

	if (!c->setcap)
		return 0;
	for (i = str_hash(path) & (c->setcap - 1); c->set[i];
	     i = (i + 1) & (c->setcap - 1))
		if (!strcmp(c->paths[c->set[i] - 1], path))
			return 1;
	return 0;
}

/* Index c->paths[c->n - 1] in the set, growing it as needed. */
static int remember(struct closure *c)
{
	size_t i, k;

	if (c->n * 2 > c->setcap) {
		size_t cap = c->setcap ? c->setcap * 2 : 256;
		size_t *set = calloc(cap, sizeof(*set));

		if (!set)
			return -1;
		free(c->set);
		c->set = set;
		c->setcap = cap;
		for (k = 0; k + 1 < c->n; k++) {
			for (i = str_hash(c->paths[k]) & (cap - 1); set[i];
			     i = (i + 1) & (cap - 1))
				;
			set[i] = k + 1;
		}
	}
	for (i = str_hash(c->paths[c->n - 1]) & (c->setcap - 1); c->set[i];
	     i = (i + 1) & (c->setcap - 1))
		;
	c->set[i] = c->n;
	return 0;
}

static int read_text(const char *path, char **text, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_size > (1 << 20) ||
	    !(*text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	n = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*text);
		errno = EIO;
		return -1;
	}
	(*text)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* Load the narinfo of PATH (REFERRER names who asked, for messages). */
static int load(struct closure *c, const char *path, const char *referrer)
{
	const char *base = strrchr(path, '/');
	char file[4096], *text;
	struct narinfo ni;
	size_t len;
	int r;

	if (!base || strlen(base + 1) < 33 || base[33] != '-')
		return diag_error(EXIT_BUILD,
				  "'%s' is not a store path (/STORE/HASH-NAME)",
				  path);
	snprintf(file, sizeof(file), "%s/%.32s.narinfo", c->cache, base + 1);
	if (read_text(file, &text, &len)) {
		if (referrer)
			return diag_error(
				EXIT_BUILD,
				"%s refers to %s, whose narinfo %s cannot be read: %s",
				referrer, path, file, strerror(errno));
		return diag_error(EXIT_BUILD,
				  "%s: the narinfo of %s cannot be read: %s",
				  file, path, strerror(errno));
	}
	if (inputs_add(c->inputs, file)) {
		free(text);
		return EXIT_BUILD;
	}
	r = narinfo_parse(file, text, len, &ni);
	if (!r && strcmp(ni.store_path, path))
		r = diag_error(EXIT_BUILD, "%s: StorePath is %s, expected %s",
			       file, ni.store_path, path);
	/* Before anything it says is followed or read. */
	if (!r && c->key)
		r = narsig_verify(c->key, &ni, text, path);
	free(text);
	if (r) {
		narinfo_free(&ni);
		return r;
	}
	if (c->n == c->cap) {
		/* Two arrays of one length: the capacity is theirs once both
		 * have grown. */
		size_t pcap = c->cap, icap = c->cap;

		if (array_grow(&c->paths, &pcap, c->n + 1, sizeof(*c->paths),
			       64) ||
		    array_grow(&c->infos, &icap, c->n + 1, sizeof(*c->infos),
			       64)) {
			narinfo_free(&ni);
			return diag_error(EXIT_BUILD, "out of memory");
		}
		c->cap = pcap;
	}
	c->paths[c->n] = strdup(path);
	c->infos[c->n++] = ni;
	if (!c->paths[c->n - 1] || remember(c))
		return diag_error(EXIT_BUILD, "out of memory");
	return 0;
}

/* Breadth first from the roots; references are base names in the same
 * store directory. */
static int walk_closure(struct closure *c, char *const *roots, size_t nroots)
{
	size_t i, k;
	int r;

	for (i = 0; i < nroots; i++)
		if (!known(c, roots[i]) && (r = load(c, roots[i], NULL)))
			return r;
	for (i = 0; i < c->n; i++) {
		const char *slash = strrchr(c->paths[i], '/');
		int dirlen = (int)(slash - c->paths[i]);

		for (k = 0; k < c->infos[i].nreferences; k++) {
			char ref[4096];

			snprintf(ref, sizeof(ref), "%.*s/%s", dirlen,
				 c->paths[i], c->infos[i].references[k]);
			if (!known(c, ref) && (r = load(c, ref, c->paths[i])))
				return r;
		}
	}
	return 0;
}

static int check_compression(const char *item, const char *comp)
{
	size_t i;

	for (i = 0; compressions[i]; i++)
		if (!strcmp(compressions[i], comp))
			return 0;
	return diag_error(
		EXIT_BUILD,
		"%s: Compression '%s' is not one of none, gzip, xz, lzip, zstd, bzip2",
		item, comp);
}

/* Registered with the narinfo's hash, checked against the nar above. */
static int register_item(struct store_items *store, const struct narinfo *ni)
{
	const char *slash = strrchr(ni->store_path, '/');
	int dirlen = (int)(slash - ni->store_path), r;
	char **refs = calloc(ni->nreferences + 1, sizeof(char *));
	char deriver[4096];
	size_t k;

	if (!refs)
		return diag_error(EXIT_BUILD, "out of memory");
	for (k = 0; k < ni->nreferences; k++) {
		refs[k] =
			malloc((size_t)dirlen + 2 + strlen(ni->references[k]));
		if (refs[k])
			sprintf(refs[k], "%.*s/%s", dirlen, ni->store_path,
				ni->references[k]);
	}
	snprintf(deriver, sizeof(deriver), "%.*s/%s", dirlen, ni->store_path,
		 ni->deriver ? ni->deriver : "");
	r = store_items_add(store, ni->store_path, ni->deriver ? deriver : NULL,
			    refs, ni->nreferences, ni->nar_hash, ni->nar_size);
	for (k = 0; k < ni->nreferences; k++)
		free(refs[k]);
	free(refs);
	return r;
}

static int add_item(struct tree *t, const struct closure *c, size_t i)
{
	const struct narinfo *ni = &c->infos[i];
	struct tree_stream *s = calloc(1, sizeof(*s));
	struct item_nar *it = calloc(1, sizeof(*it));
	struct unpack u = { t, s, ni->store_path, 0 };
	char nar[4096];
	int r;

	if (!s || !it) {
		free(s);
		free(it);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if ((r = check_compression(ni->store_path, ni->compression))) {
		free(s);
		free(it);
		return r;
	}
	if (strstr(ni->url, "..") || ni->url[0] == '/') {
		free(s);
		free(it);
		return diag_error(EXIT_BUILD,
				  "%s: URL '%s' leaves the cache; refused",
				  ni->store_path, ni->url);
	}
	snprintf(nar, sizeof(nar), "%s/%s", c->cache, ni->url);
	it->store_path = strdup(ni->store_path);
	it->nar_file = strdup(nar);
	it->compression = strdup(ni->compression);
	memcpy(it->nar_hash, ni->nar_hash, 32);
	it->nar_size = ni->nar_size;
	it->max_ratio = c->max_ratio;
	s->ops = &nar_stream_ops;
	s->name = strdup(nar);
	s->priv = it;
	tree_add_stream(t, s);
	if (!it->store_path || !it->nar_file || !it->compression || !s->name)
		return diag_error(EXIT_BUILD, "out of memory");
	if (inputs_add(c->inputs, nar))
		return EXIT_BUILD;
	if ((r = read_nar(it, &unpack_visitor, &u)))
		return r;
	return c->store ? register_item(c->store, ni) : 0;
}

struct by_path {
	const char *path;
	size_t index;
};

static int by_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_path *)a)->path,
		      ((const struct by_path *)b)->path);
}

/* substitutes "CACHE" { roots = { ... }  max-ratio = 1000  public-key = "..." } */
struct subst_data {
	char **roots; /* the root store paths */
	size_t nroots;
	long max_ratio;
	char *public_key; /* key file, or NULL: signatures not checked */
};

static int substitutes_add(struct source_ctx *sc, const struct os_source *src)
{
	const struct subst_data *d = src->data;
	const struct os_config *cfg = sc->cfg;
	struct tree *t = sc->tree;
	struct closure c = { src->path, sc->store, d->max_ratio,
			     NULL,	NULL,	   NULL,
			     0,		0,	   NULL,
			     0,		sc->inputs };
	struct narsig_key *key = NULL;
	struct tree_inode *store;
	struct by_path *order = NULL;
	size_t i;
	int r;

	if (!d->nroots)
		return diag_error_at(
			EXIT_USAGE, cfg->file, src->line,
			"substitutes '%s': give the root store paths in roots = { ... }",
			diag_value(src->path));
	if (d->public_key && ((r = inputs_add(sc->inputs, d->public_key)) ||
			      (r = narsig_key_load(d->public_key, &key))))
		return r;
	c.key = key;
	r = walk_closure(&c, d->roots, d->nroots);
	if (!r && !(order = calloc(c.n ? c.n : 1, sizeof(*order))))
		r = diag_error(EXIT_BUILD, "out of memory");
	/* Items in sorted order, whatever order the walk found them in. */
	for (i = 0; !r && i < c.n; i++) {
		order[i].path = c.paths[i];
		order[i].index = i;
	}
	if (!r)
		qsort(order, c.n, sizeof(*order), by_path_cmp);
	if (!r && c.n) {
		const char *slash = strrchr(c.paths[0], '/');
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - c.paths[0]),
			 c.paths[0]);
		store = tree_inode_new(t, S_IFDIR | 01775);
		if (!store || tree_put(t, dir, store, NULL))
			r = EXIT_BUILD;
	}
	for (i = 0; !r && i < c.n; i++)
		r = add_item(t, &c, order[i].index);
	for (i = 0; i < c.n; i++) {
		free(c.paths[i]);
		narinfo_free(&c.infos[i]);
	}
	free(c.paths);
	free(c.infos);
	free(c.set);
	free(order);
	narsig_key_free(key);
	return r;
}

static cfg_opt_t subst_opts[] = {
	CFG_STR_LIST("roots", "{}", CFGF_NONE),
	CFG_INT("max-ratio", SOURCE_MAX_RATIO, CFGF_NONE),
	CFG_STR("public-key", NULL, CFGF_NODEFAULT), CFG_END()
};

static const struct conf_check subst_checks[] = {
	{ "max-ratio", config_check_range },
	{ NULL, NULL },
};

/* A store path as the roots name items: /STORE/HASH-NAME. */
static int is_store_path(const char *p)
{
	const char *slash = strrchr(p, '/');

	return p[0] == '/' && slash && slash != p && slash[1] &&
	       slash[1] != '.' && !strstr(p, "//") && !strstr(p, "/./") &&
	       !strstr(p, "/../");
}

static int subst_parse(cfg_t *sec, const struct os_config *cfg, int line,
		       void *object)
{
	struct os_source *src = object;
	struct subst_data *d = calloc(1, sizeof(*d));
	size_t i;

	if (!d)
		return diag_error(EXIT_BUILD, "out of memory");
	src->data = d;
	d->max_ratio = cfg_getint(sec, "max-ratio");
	d->nroots = cfg_size(sec, "roots");
	if (!(d->roots = calloc(d->nroots + 1, sizeof(char *))))
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < d->nroots; i++)
		d->roots[i] = config_strdup(cfg_getnstr(sec, "roots", i));
	if (cfg_size(sec, "public-key"))
		d->public_key =
			config_resolve(cfg, cfg_getstr(sec, "public-key"));
	for (i = 0; i < d->nroots; i++)
		if (!is_store_path(d->roots[i]))
			return diag_error_at(
				EXIT_USAGE, cfg->file, line,
				"'%s' is not a store path (/STORE/HASH-NAME)",
				d->roots[i]);
	return source_parse_path_target(sec, cfg, line, src, 0);
}

static void subst_release(void *data)
{
	struct subst_data *d = data;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nroots; i++)
		free(d->roots[i]);
	free(d->roots);
	free(d->public_key);
	free(d);
}

const struct source_kind source_substitutes = {
	.conf = {
		.name = "substitutes",
		.opts = subst_opts,
		.checks = subst_checks,
		.parse = subst_parse,
		.release = subst_release,
	},
	.add = substitutes_add,
};
