/* source-archive.c - archives read with libarchive, as a stream
 *
 * tar (ustar, pax, GNU), cpio, zip and the rest libarchive knows, each
 * optionally compressed (gzip, xz, zstd, lzip, bzip2, ...).  The archive
 * is read twice and never extracted: once here, for the entries'
 * metadata, and once by the writer (a tree_stream replay), which puts
 * each file's bytes straight into its blocks.
 *
 * Metadata is honoured with --numeric-owner semantics: numeric uid and
 * gid, mode, mtime, symlinks, hard links, device numbers.  Extended
 * attributes are kept only in the user. and gnu. namespaces: any other
 * makes the Hurd's listxattr fail.
 */
#include "autoconfig.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decompress.h"
#include "diag.h"
#include "source-archive.h"
#include "zipcheck.h"

#define BLOCK_SIZE 65536

/* An archive being read: libarchive's reader of the format, and under it
 * the decompressed bytes when the file is compressed. */
struct opened {
	struct archive *a;
	struct decomp *d; /* NULL: not compressed, libarchive reads the file */
};

static la_ssize_t pull(struct archive *a, void *client, const void **buf)
{
	struct decomp *d = client;
	long n = decomp_block(d, buf);

	if (n < 0)
		archive_set_error(a, EIO, "%s", decomp_error(d));
	return n;
}

/* The decompressor's reason, else libarchive's, or one of ours when
 * neither gives one. */
static const char *why(const struct opened *o, const char *otherwise)
{
	const char *e = o->d ? decomp_error(o->d) : NULL;

	if (!e)
		e = archive_error_string(o->a);
	return e && *e ? e : otherwise;
}

/* After an error R, a corrupt compression is the cause whatever the
 * format reader made of the bytes it gave: that is the message.  On
 * success, the rest of the decompressed bytes (a tar's padding after
 * its end) are read to the end of the file, every check of the
 * compression made, and the reader is closed, before an image is made
 * from it.  RATIO, when given, is checked as the padding is read. */
static int close_archive(const char *path, struct opened *o, int r,
			 int (*ratio)(void *), void *arg)
{
	const void *block;
	long n = 0;

	if (r && o->d && decomp_corrupt(o->d, SOURCE_RATIO_FLOOR)) {
		diag_clear();
		r = diag_error(EXIT_BUILD, "%s: %s", path, decomp_error(o->d));
	}
	while (!r && o->d && (n = decomp_block(o->d, &block)) > 0)
		if (ratio)
			r = ratio(arg);
	if (!r && n < 0)
		r = diag_error(EXIT_BUILD, "%s: %s", path, decomp_error(o->d));
	if (archive_read_close(o->a) != ARCHIVE_OK && !r)
		r = diag_error(EXIT_BUILD, "%s: %s", path,
			       archive_error_string(o->a) ?
				       archive_error_string(o->a) :
				       "cannot close");
	archive_read_free(o->a);
	decomp_close(o->d);
	o->a = NULL;
	o->d = NULL;
	return r;
}

/* A compressed file is decompressed by decompress.c (which checks every
 * trailer) and only the format is libarchive's: its own filters are not
 * enabled, so nothing is decompressed unchecked.  An uncompressed file is
 * opened by name, which lets the zip reader seek to the central
 * directory. */
static int open_archive(const char *path, struct opened *o)
{
	int r;

	o->a = NULL;
	if ((r = decomp_open(path, &o->d)))
		return r;
	if (!decomp_name(o->d)) {
		decomp_close(o->d);
		o->d = NULL;
	}
	o->a = archive_read_new();
	if (!o->a) {
		decomp_close(o->d);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	archive_read_support_format_all(o->a);
	r = o->d ? archive_read_open(o->a, o->d, NULL, pull, NULL) :
		   archive_read_open_filename(o->a, path, BLOCK_SIZE);
	if (r != ARCHIVE_OK)
		return close_archive(path, o,
				     diag_error(EXIT_BUILD, "%s: %s", path,
						why(o, "cannot open")),
				     NULL, NULL);
	return 0;
}

/* NAME as it goes under TARGET: "./a//b/" -> TARGET/a/b.  Refuses what
 * could land outside TARGET instead of rewriting it. */
static int image_path(const char *archive, const char *target, const char *name,
		      char *out, size_t len)
{
	const char *p = name;
	size_t o, tl = strlen(target);

	if (*p == '/')
		return diag_error(
			EXIT_BUILD,
			"%s: entry '%s' has an absolute path; refused", archive,
			name);
	snprintf(out, len, "%s", target);
	o = tl > 1 ? tl : 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == 2 && p[0] == '.' && p[1] == '.')
			return diag_error(
				EXIT_BUILD,
				"%s: entry '%s' has a '..' component; refused",
				archive, name);
		if (l && !(l == 1 && p[0] == '.')) {
			if (o + 1 + l + 1 > len)
				return diag_error(
					EXIT_BUILD,
					"%s: entry '%.200s%s': path too long",
					archive, name,
					strlen(name) > 200 ? "..." : "");
			out[o++] = '/';
			memcpy(out + o, p, l);
			o += l;
			out[o] = '\0';
		}
		p += l;
		while (*p == '/')
			p++;
	}
	if (o == 0)
		snprintf(out, len, "%s", target);
	return 0;
}

static int copy_xattrs(struct archive_entry *e, struct tree_inode *ino)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) ==
	       ARCHIVE_OK) {
		if (strncmp(name, "user.", 5) && strncmp(name, "gnu.", 4))
			continue;
		if (tree_inode_add_xattr(ino, name, value, size))
			return diag_error(EXIT_BUILD, "out of memory");
	}
	return 0;
}

/* A sparse entry (GNU tar --sparse, pax sparse) keeps its holes. */
static int sparse_map(struct archive_entry *e, struct tree_inode *ino)
{
	int n = archive_entry_sparse_reset(e), i;
	struct tree_extent *v;
	la_int64_t off, len;
	size_t count = 0;

	if (n <= 0)
		return 0;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0;
	     i < n && archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK;
	     i++) {
		if (len <= 0)
			continue;
		v[count].offset = (uint64_t)off;
		v[count].length = (uint64_t)len;
		count++;
	}
	if (tree_inode_set_extents(ino, v, count)) {
		free(v);
		return -1;
	}
	return 0;
}

/* The paths an archive has given so far, with their file types: an open
 * addressing table of strings. */
struct seen {
	char **paths;
	uint32_t *types;
	size_t n, cap;
};

static size_t seen_hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int seen_grow(struct seen *set)
{
	struct seen bigger = { NULL, NULL, 0, set->cap ? set->cap * 2 : 1024 };
	size_t i, k;

	bigger.paths = calloc(bigger.cap, sizeof(char *));
	bigger.types = calloc(bigger.cap, sizeof(uint32_t));
	if (!bigger.paths || !bigger.types) {
		free(bigger.paths);
		free(bigger.types);
		return -1;
	}
	for (i = 0; i < set->cap; i++) {
		if (!set->paths[i])
			continue;
		for (k = seen_hash(set->paths[i]) & (bigger.cap - 1);
		     bigger.paths[k]; k = (k + 1) & (bigger.cap - 1))
			;
		bigger.paths[k] = set->paths[i];
		bigger.types[k] = set->types[i];
	}
	bigger.n = set->n;
	free(set->paths);
	free(set->types);
	*set = bigger;
	return 0;
}

/* Record PATH with TYPE; returns the type it had before, 0 if new, or
 * (uint32_t)-1 when out of memory. */
static uint32_t seen_put(struct seen *set, const char *path, uint32_t type)
{
	size_t k;
	uint32_t old;

	if ((set->n + 1) * 2 > set->cap && seen_grow(set))
		return (uint32_t)-1;
	for (k = seen_hash(path) & (set->cap - 1); set->paths[k];
	     k = (k + 1) & (set->cap - 1)) {
		if (!strcmp(set->paths[k], path)) {
			old = set->types[k];
			set->types[k] = type;
			return old;
		}
	}
	if (!(set->paths[k] = strdup(path)))
		return (uint32_t)-1;
	set->types[k] = type;
	set->n++;
	return 0;
}

static void seen_free(struct seen *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->paths[i]);
	free(set->paths);
	free(set->types);
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case S_IFDIR:
		return "a directory";
	case S_IFREG:
		return "a regular file";
	case S_IFLNK:
		return "a symlink";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "an unknown type";
	}
}

struct reading {
	struct tree *t;
	struct tree_stream *stream;
	const char *file;
	const char *target;
	struct opened o;
	long max_ratio;
	uint64_t file_size; /* compressed, on the host */
	uint64_t declared;  /* bytes of data the entries announce */
	struct seen seen;   /* paths of this archive's entries, with types */
};

/* The same name twice is the later one winning (tar -r), unless the two
 * are of different types: then the archive is inconsistent. */
static int check_duplicate(struct reading *rd, const char *name,
			   const char *path, uint32_t type)
{
	uint32_t old = seen_put(&rd->seen, path, type);

	if (old == (uint32_t)-1)
		return diag_error(EXIT_BUILD, "out of memory");
	if (old && old != type)
		return diag_error(
			EXIT_BUILD,
			"%s: entry '%s' appears twice, as %s and as %s; refused",
			rd->file, name, type_name(old), type_name(type));
	return 0;
}

/* A decompression bomb is refused while the headers are read, before
 * anything is written: by what the filters produced so far and by what
 * the entries announce (zip entries are inflated only when read). */
static int check_ratio(struct reading *rd)
{
	uint64_t out = rd->o.d ? decomp_bytes_out(rd->o.d) :
				 (uint64_t)archive_filter_bytes(rd->o.a, 0);

	if (rd->declared > out)
		out = rd->declared;
	if (!rd->max_ratio || out < SOURCE_RATIO_FLOOR ||
	    out / (rd->file_size ? rd->file_size : 1) < (uint64_t)rd->max_ratio)
		return 0;
	return diag_error(
		EXIT_BUILD,
		"%s: more than %ld bytes out per byte in (%llu from %llu) looks like a decompression bomb; refused (raise max-ratio in its archive section, or 0 for no limit)",
		rd->file, rd->max_ratio, (unsigned long long)out,
		(unsigned long long)rd->file_size);
}

static int ratio_of(void *rd)
{
	return check_ratio(rd);
}

/* Every directory above PATH must be a directory in the tree, not a
 * symlink: an entry must not land where a link points. */
static int check_parents(struct reading *rd, const char *name, char *path)
{
	char *p = path;
	struct tree_node *n;

	while ((p = strchr(p + 1, '/'))) {
		*p = '\0';
		n = tree_lookup(rd->t, path);
		if (n && !tree_is_dir(n->inode)) {
			int r = (n->inode->mode & S_IFMT) == S_IFLNK ?
					diag_error(
						EXIT_BUILD,
						"%s: entry '%s' goes through the symlink %s; refused",
						rd->file, name, path) :
					diag_error(
						EXIT_BUILD,
						"%s: entry '%s' is below %s, which is not a directory; refused",
						rd->file, name, path);
			*p = '/';
			return r;
		}
		*p = '/';
		if (!n)
			break; /* the rest is made as directories */
	}
	return 0;
}

static int add_entry(struct reading *rd, struct archive_entry *e,
		     uint64_t token)
{
	const char *name = archive_entry_pathname(e);
	const char *link = archive_entry_hardlink(e);
	char path[4096], lpath[4096];
	struct tree_inode *ino;
	struct tree_node *node;
	mode_t type = archive_entry_filetype(e);
	int64_t size = archive_entry_size(e);

	if (!name)
		return diag_error(EXIT_BUILD, "%s: an entry without a name",
				  rd->file);
	if (image_path(rd->file, rd->target, name, path, sizeof(path)) ||
	    check_parents(rd, name, path))
		return EXIT_BUILD;
	if (type == AE_IFREG && size > 0) {
		int64_t n = archive_entry_sparse_count(e) > 0 ? 0 : size;
		la_int64_t off, len;

		if (!n && archive_entry_sparse_reset(e) > 0)
			while (archive_entry_sparse_next(e, &off, &len) ==
			       ARCHIVE_OK)
				n += len > 0 ? len : 0;
		rd->declared += (uint64_t)n;
	}
	if (check_ratio(rd))
		return EXIT_BUILD;
	if (link) {
		struct tree_node *first;
		struct tree_inode *shared;

		if (image_path(rd->file, rd->target, link, lpath,
			       sizeof(lpath)))
			return EXIT_BUILD;
		first = tree_lookup(rd->t, lpath);
		if (!first)
			return diag_error(
				EXIT_BUILD,
				"%s: entry '%s' is a hard link to '%s', which is not in the archive before it",
				rd->file, name, link);
		/* The link may replace FIRST's own name: keep the inode. */
		shared = first->inode;
		if (check_duplicate(rd, name, path, shared->mode & S_IFMT) ||
		    tree_link(rd->t, path, first))
			return EXIT_BUILD;
		/* cpio: the data comes with the last link */
		if (size > 0 && tree_inode_set_stream(shared, rd->stream, token,
						      (uint64_t)size))
			return diag_error(EXIT_BUILD, "out of memory");
		return 0;
	}
	ino = tree_inode_new(rd->t, type | (archive_entry_perm(e) & 07777));
	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	ino->uid = (uint32_t)archive_entry_uid(e);
	ino->gid = (uint32_t)archive_entry_gid(e);
	ino->mtime = archive_entry_mtime(e);
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		if (!target || tree_inode_set_symlink(ino, target)) {
			tree_inode_free(ino);
			return diag_error(EXIT_BUILD,
					  "%s: symlink '%s' without a target",
					  rd->file, name);
		}
	} else if (type == AE_IFREG && size > 0) {
		if (tree_inode_set_stream(ino, rd->stream, token,
					  (uint64_t)size) ||
		    sparse_map(e, ino)) {
			tree_inode_free(ino);
			return diag_error(EXIT_BUILD, "out of memory");
		}
	} else if (type == AE_IFCHR || type == AE_IFBLK) {
		if (tree_inode_set_rdev(ino,
					(uint32_t)archive_entry_rdevmajor(e),
					(uint32_t)archive_entry_rdevminor(e))) {
			tree_inode_free(ino);
			return diag_error(EXIT_BUILD, "out of memory");
		}
	} else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFIFO &&
		   type != AE_IFSOCK) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD,
				  "%s: entry '%s' has an unknown type",
				  rd->file, name);
	}
	if (copy_xattrs(e, ino) || check_duplicate(rd, name, path, type)) {
		tree_inode_free(ino);
		return EXIT_BUILD;
	}
	return tree_put(rd->t, path, ino, &node) ? EXIT_BUILD : 0;
}

/* Not an archive: nothing at all, or nothing once decompressed. */
static int no_entries(const char *file, const struct opened *o)
{
	if (o->d)
		return diag_error(
			EXIT_BUILD,
			"%s: empty once decompressed (%s), not an archive",
			file, decomp_name(o->d));
	return diag_error(EXIT_BUILD, "%s: an empty file, not an archive",
			  file);
}

/* Walk every header; FN gets each entry and its ordinal.  ARCHIVE_RETRY
 * (a damaged header libarchive could skip) is an error here: an image is
 * not made from what is left of a damaged archive. */
static int for_each(const char *file, const struct opened *o,
		    int (*fn)(void *, struct archive_entry *, uint64_t),
		    void *arg)
{
	struct archive *a = o->a;
	struct archive_entry *e;
	uint64_t token = 0;
	int r;

	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF && token == 0 &&
		    archive_format(a) == ARCHIVE_FORMAT_EMPTY)
			return no_entries(file, o);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return diag_error(EXIT_BUILD, "%s: %s", file,
					  why(o, "a damaged archive header"));
		if ((r = fn(arg, e, token++)))
			return r;
	}
}

static int read_entry(void *arg, struct archive_entry *e, uint64_t token)
{
	return add_entry(arg, e, token);
}

struct replaying {
	struct opened o;
	const char *file;
	tree_stream_sink sink;
	void *ctx;
};

static long read_data(void *reader, void *buf, size_t len)
{
	struct replaying *rp = reader;
	la_ssize_t n = archive_read_data(rp->o.a, buf, len);

	if (n < 0) {
		diag_error(EXIT_BUILD, "%s: %s", rp->file,
			   why(&rp->o, "the entry's data is damaged"));
		return -1;
	}
	return (long)n;
}

static int replay_entry(void *arg, struct archive_entry *e, uint64_t token)
{
	struct replaying *rp = arg;
	int64_t size = archive_entry_size(e);
	char rest[16384];
	la_ssize_t n;
	int r;

	if (size <= 0 || (archive_entry_filetype(e) != AE_IFREG &&
			  !archive_entry_hardlink(e)))
		return 0;
	if ((r = rp->sink(rp->ctx, token, (uint64_t)size, read_data, rp)))
		return r;
	/* Read what the writer left (all of an entry it did not need) to the
	 * end: that read is where zip checks the CRC-32. */
	while ((n = archive_read_data(rp->o.a, rest, sizeof(rest))) > 0)
		;
	if (n < 0)
		return diag_error(EXIT_BUILD, "%s: %s", rp->file,
				  why(&rp->o, "the entry's data is damaged"));
	return 0;
}

/* The archive as it was when its headers were read: the replay must
 * read the same bytes, or the image would mix two archives. */
static int check_same(const struct tree_stream *s)
{
	const struct stat *then = s->priv;
	struct stat now;

	if (!then)
		return 0;
	if (stat(s->name, &now) == 0 && now.st_dev == then->st_dev &&
	    now.st_ino == then->st_ino && now.st_size == then->st_size &&
	    now.st_mtim.tv_sec == then->st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == then->st_mtim.tv_nsec)
		return 0;
	return diag_error(EXIT_BUILD,
			  "%s: the archive changed while the image was built",
			  s->name);
}

static int archive_replay(struct tree_stream *s, tree_stream_sink sink,
			  void *ctx)
{
	struct replaying rp = { { NULL, NULL }, s->name, sink, ctx };
	int r;

	if ((r = check_same(s)) || (r = open_archive(s->name, &rp.o)))
		return r;
	r = for_each(s->name, &rp.o, replay_entry, &rp);
	r = close_archive(s->name, &rp.o, r, NULL, NULL);
	return r ? r : check_same(s);
}

static void archive_stream_free(struct tree_stream *s)
{
	free(s->priv);
	free(s);
}

static const struct tree_stream_ops archive_stream_ops = {
	.replay = archive_replay,
	.free = archive_stream_free,
};

struct archive_data {
	long max_ratio; /* uncompressed bytes per byte read, at most */
};

static int archive_add(struct source_ctx *c, const struct os_source *src)
{
	const struct archive_data *ad = src->data;
	const struct os_config *cfg = c->cfg;
	struct tree *t = c->tree;
	struct reading rd = { t,
			      NULL,
			      src->path,
			      src->target,
			      { NULL, NULL },
			      ad->max_ratio,
			      0,
			      0,
			      { NULL, NULL, 0, 0 } };
	struct stat st;
	int r;

	rd.stream = calloc(1, sizeof(*rd.stream));
	if (!rd.stream || !(rd.stream->name = strdup(src->path))) {
		free(rd.stream);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	rd.stream->ops = &archive_stream_ops;
	tree_add_stream(t, rd.stream);
	if (stat(src->path, &st))
		return diag_error_at(EXIT_BUILD, cfg->file, src->line,
				     "archive '%s': %s", diag_value(src->path),
				     strerror(errno));
	if (S_ISDIR(st.st_mode))
		return diag_error_at(
			EXIT_BUILD, cfg->file, src->line,
			"archive '%s' is a directory; use a directory section",
			diag_value(src->path));
	rd.file_size = (uint64_t)st.st_size;
	rd.stream->priv = malloc(sizeof(st));
	if (!rd.stream->priv)
		return diag_error(EXIT_BUILD, "out of memory");
	memcpy(rd.stream->priv, &st, sizeof(st));
	if (inputs_add(c->inputs, src->path))
		return EXIT_BUILD;
	if ((r = open_archive(src->path, &rd.o)))
		return r;
	r = for_each(src->path, &rd.o, read_entry, &rd);
	if (!r)
		r = check_ratio(&rd);
	/* A zip read by name is read by its central directory: its local
	 * headers must agree (a zip inside a compression is read by those). */
	if (!r && !rd.o.d &&
	    (archive_format(rd.o.a) & ARCHIVE_FORMAT_BASE_MASK) ==
		    ARCHIVE_FORMAT_ZIP)
		r = zip_check(src->path);
	r = close_archive(src->path, &rd.o, r, ratio_of, &rd);
	seen_free(&rd.seen);
	return r;
}

/* archive "PATH" { target = "/"  max-ratio = 1000 } */
static cfg_opt_t archive_opts[] = {
	CFG_STR("target", "/", CFGF_NONE),
	CFG_INT("max-ratio", SOURCE_MAX_RATIO, CFGF_NONE), CFG_END()
};

static const struct conf_check archive_checks[] = {
	{ "max-ratio", config_check_range },
	{ NULL, NULL },
};

static int archive_parse(cfg_t *sec, const struct os_config *cfg, int line,
			 void *object)
{
	struct os_source *src = object;
	struct archive_data *ad = calloc(1, sizeof(*ad));

	if (!ad)
		return diag_error(EXIT_BUILD, "out of memory");
	ad->max_ratio = cfg_getint(sec, "max-ratio");
	src->data = ad;
	return source_parse_path_target(sec, cfg, line, src, 1);
}

const struct source_kind source_archive = {
	.conf = {
		.name = "archive",
		.opts = archive_opts,
		.checks = archive_checks,
		.parse = archive_parse,
		.release = free,
	},
	.add = archive_add,
};
