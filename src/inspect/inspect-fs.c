/* inspect-fs.c - the file system of an image: translators, listings, files
 *
 * Everything is read through libext2fs on a read-only channel.  The
 * translator records are read the way the Hurd's ext2fs finds them
 * (hurd-disk-format.md, section 1): the gnu.translator extended
 * attribute, and on a file system whose creator OS is the Hurd the
 * legacy record, a block named by i_translator (osd1) holding a 2-byte
 * little-endian length and the argz.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "array.h"
#include "diag.h"
#include "ext2.h"
#include "inspect.h"
#include "json-out.h"
#include "strbuf.h"

#define MAX_DEPTH 4096 /* directories nested deeper are not walked */
#define LINK_MAX_LEN 4096

static int fs_fail(const char *image, const char *what, errcode_t err)
{
	return diag_error(EXIT_BUILD, "%s: %s: %s", image, what,
			  error_message(err));
}

/* ---- one directory's entries, sorted ---- */

struct dentry {
	char *name;
	ext2_ino_t ino;
};

struct dlist {
	struct dentry *v;
	size_t n, cap;
	int oom;
};

static int collect(ext2_ino_t dir, int entry, struct ext2_dir_entry *d,
		   int offset, int blocksize, char *buf, void *priv)
{
	struct dlist *l = priv;
	int len = ext2fs_dirent_name_len(d);

	if ((len == 1 && d->name[0] == '.') ||
	    (len == 2 && d->name[0] == '.' && d->name[1] == '.'))
		return 0;
	if (array_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 32)) {
		l->oom = 1;
		return DIRENT_ABORT;
	}
	l->v[l->n].ino = d->inode;
	if (!(l->v[l->n].name = strndup(d->name, (size_t)len))) {
		l->oom = 1;
		return DIRENT_ABORT;
	}
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct dentry *)a)->name,
		      ((const struct dentry *)b)->name);
}

static void dlist_free(struct dlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int read_dir(ext2_filsys fs, const char *image, const char *path,
		    ext2_ino_t dir, struct dlist *l)
{
	errcode_t err;
	char what[4200];

	memset(l, 0, sizeof(*l));
	err = ext2fs_dir_iterate2(fs, dir, 0, NULL, collect, l);
	if (l->oom || err) {
		dlist_free(l);
		if (!err)
			return diag_error(EXIT_BUILD, "out of memory");
		snprintf(what, sizeof(what), "cannot read the directory %s",
			 path);
		return fs_fail(image, what, err);
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), by_name);
	return 0;
}

/* ---- translator records ---- */

struct walk {
	ext2_filsys fs;
	const char *image;
	struct inspect_translators *out;
	ext2fs_inode_bitmap seen; /* directories walked */
};

static int add_record(struct walk *w, const char *path, const char *kind,
		      const char *argz, size_t len)
{
	struct inspect_translators *t = w->out;
	struct inspect_translator *v;

	if (array_grow(&t->v, &t->cap, t->n + 1, sizeof(*t->v), 64))
		return diag_error(EXIT_BUILD, "out of memory");
	v = &t->v[t->n];
	v->kind = kind;
	v->len = len;
	v->path = strdup(path);
	v->argz = malloc(len + 1);
	if (!v->path || !v->argz) {
		free(v->path);
		free(v->argz);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	memcpy(v->argz, argz, len);
	t->n++;
	return 0;
}

/* The gnu.translator attribute.  Where libext2fs found it matters: the
 * Hurd reads only the EA block, never the inode body. */
static int xattr_record(struct walk *w, const char *path, ext2_ino_t ino,
			struct ext2_inode *inode)
{
	struct ext2_xattr_handle *h;
	int in_block = ext2fs_file_acl_block(w->fs, inode) != 0, r = 0;
	void *val = NULL;
	size_t len = 0;
	errcode_t err;

	if (!ext2fs_has_feature_xattr(w->fs->super) ||
	    (!in_block &&
	     EXT2_INODE_SIZE(w->fs->super) <= EXT2_GOOD_OLD_INODE_SIZE))
		return 0;
	if ((err = ext2fs_xattrs_open(w->fs, ino, &h)))
		return fs_fail(w->image, path, err);
	err = ext2fs_xattrs_read(h);
	if (!err)
		err = ext2fs_xattr_get(h, TRANSLATOR_XATTR, &val, &len);
	ext2fs_xattrs_close(&h);
	if (err == EXT2_ET_EA_KEY_NOT_FOUND)
		return 0;
	if (err)
		return fs_fail(w->image, path, err);
	r = add_record(w, path, in_block ? "xattr" : "xattr-inode", val, len);
	ext2fs_free_mem(&val);
	return r;
}

static int legacy_record(struct walk *w, const char *path,
			 struct ext2_inode *inode)
{
	blk64_t blk = inode->osd1.hurd1.h_i_translator;
	unsigned bs = w->fs->blocksize;
	unsigned char *b;
	size_t len;
	errcode_t err;
	int r;

	if (w->fs->super->s_creator_os != EXT2_OS_HURD || !blk)
		return 0;
	if (blk >= ext2fs_blocks_count(w->fs->super))
		return diag_error(
			EXIT_BUILD,
			"%s: %s: the translator block %llu is outside the file system",
			w->image, path, (unsigned long long)blk);
	if (!(b = malloc(bs)))
		return diag_error(EXIT_BUILD, "out of memory");
	if ((err = io_channel_read_blk64(w->fs->io, blk, 1, b))) {
		free(b);
		return fs_fail(w->image, path, err);
	}
	len = (size_t)b[0] | (size_t)b[1] << 8;
	/* The Hurd's reader: datalen > block_size - 2 is EFTYPE. */
	if (len > bs - 2)
		r = diag_error(
			EXIT_BUILD,
			"%s: %s: the legacy translator record claims %zu bytes in a %u-byte block",
			w->image, path, len, bs);
	else
		r = add_record(w, path, "legacy", (char *)b + 2, len);
	free(b);
	return r;
}

static char *join(const char *dir, const char *name)
{
	size_t l = strlen(dir);
	char *p = malloc(l + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, l && dir[l - 1] == '/' ? "" : "/",
			name);
	return p;
}

static int walk_dir(struct walk *w, const char *path, ext2_ino_t dir,
		    int depth);

/* One node: its records, then (a directory) what is under it. */
static int walk_node(struct walk *w, const char *path, ext2_ino_t ino,
		     int depth)
{
	struct ext2_inode inode;
	errcode_t err;
	int r;

	if ((err = ext2fs_read_inode(w->fs, ino, &inode)))
		return fs_fail(w->image, path, err);
	/* The Hurd looks at the legacy record first. */
	if ((r = legacy_record(w, path, &inode)) ||
	    (r = xattr_record(w, path, ino, &inode)))
		return r;
	if (!LINUX_S_ISDIR(inode.i_mode) ||
	    ext2fs_test_inode_bitmap2(w->seen, ino))
		return 0;
	ext2fs_mark_inode_bitmap2(w->seen, ino);
	if (depth >= MAX_DEPTH)
		return diag_error(
			EXIT_BUILD,
			"%s: %s: directories nested deeper than %d levels",
			w->image, path, MAX_DEPTH);
	return walk_dir(w, path, ino, depth + 1);
}

static int walk_dir(struct walk *w, const char *path, ext2_ino_t dir, int depth)
{
	struct dlist l;
	size_t i;
	char *sub;
	int r;

	if ((r = read_dir(w->fs, w->image, path, dir, &l)))
		return r;
	for (i = 0; !r && i < l.n; i++) {
		if (!(sub = join(path, l.v[i].name)))
			r = diag_error(EXIT_BUILD, "out of memory");
		else if (l.v[i].ino < 1 ||
			 l.v[i].ino > w->fs->super->s_inodes_count)
			r = diag_error(EXIT_BUILD,
				       "%s: %s: bad inode number %u", w->image,
				       sub, l.v[i].ino);
		else
			r = walk_node(w, sub, l.v[i].ino, depth);
		free(sub);
	}
	dlist_free(&l);
	return r;
}

static int by_path(const void *a, const void *b)
{
	const struct inspect_translator *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	/* The legacy record first, as the Hurd reads it first. */
	return c ? c : strcmp(x->kind, y->kind);
}

int inspect_translators(ext2_filsys fs, const char *image,
			struct inspect_translators *t)
{
	struct walk w = { fs, image, t, NULL };
	errcode_t err;
	int r;

	memset(t, 0, sizeof(*t));
	if ((err = ext2fs_allocate_inode_bitmap(fs, "walked", &w.seen)))
		return fs_fail(image, "allocating a bitmap", err);
	r = walk_node(&w, "/", EXT2_ROOT_INO, 0);
	ext2fs_free_inode_bitmap(w.seen);
	if (!r && t->n)
		qsort(t->v, t->n, sizeof(*t->v), by_path);
	return r;
}

void inspect_translators_free(struct inspect_translators *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].argz);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- files ---- */

/* PATH's inode, symbolic links followed inside the image. */
static int lookup(ext2_filsys fs, const char *image, const char *path,
		  ext2_ino_t *ino, struct ext2_inode *inode)
{
	errcode_t err;

	err = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino);
	if (err == EXT2_ET_FILE_NOT_FOUND || err == EXT2_ET_NO_DIRECTORY)
		return 1;
	if (!err)
		err = ext2fs_read_inode(fs, *ino, inode);
	return err ? fs_fail(image, path, err) : 0;
}

/* Call OUT on each chunk of inode INO's first MAX bytes. */
static int read_data(ext2_filsys fs, const char *image, const char *path,
		     ext2_ino_t ino, uint64_t max,
		     int (*out)(void *ctx, const char *buf, size_t len),
		     void *ctx)
{
	ext2_file_t f;
	char *buf = malloc(65536);
	unsigned got = 1;
	errcode_t err;
	int r = 0;

	if (!buf)
		return diag_error(EXIT_BUILD, "out of memory");
	if ((err = ext2fs_file_open(fs, ino, 0, &f))) {
		free(buf);
		return fs_fail(image, path, err);
	}
	while (!r && max && got) {
		err = ext2fs_file_read(
			f, buf, max < 65536 ? (unsigned)max : 65536, &got);
		if (err)
			r = fs_fail(image, path, err);
		else if (got)
			r = out(ctx, buf, got);
		max -= got;
	}
	ext2fs_file_close(f);
	free(buf);
	return r;
}

static int to_strbuf(void *ctx, const char *buf, size_t len)
{
	struct strbuf *b = ctx;

	sb_addf(b, "%.*s", (int)len, buf);
	return b->oom ? diag_error(EXIT_BUILD, "out of memory") : 0;
}

int inspect_read_file(ext2_filsys fs, const char *image, const char *path,
		      size_t max, char **data, size_t *len)
{
	struct ext2_inode inode;
	struct strbuf b;
	ext2_ino_t ino;
	int r = lookup(fs, image, path, &ino, &inode);

	if (r || !LINUX_S_ISREG(inode.i_mode))
		return r ? r : 1;
	sb_init(&b);
	sb_add(&b, "");
	/* A NUL in the file would end the strbuf: a text file has none. */
	r = read_data(fs, image, path, ino, max, to_strbuf, &b);
	*len = b.len;
	*data = sb_take(&b);
	if (!r && !*data)
		r = diag_error(EXIT_BUILD, "out of memory");
	return r;
}

static int to_stdout(void *ctx, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		return diag_error(EXIT_BUILD, "standard output: %s",
				  strerror(errno));
	return 0;
}

/* ---- listings ---- */

struct entry {
	char *name;
	ext2_ino_t ino;
	struct ext2_inode inode;
	char *target; /* symbolic links */
};

static const char *type_name(unsigned mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFDIR:
		return "dir";
	case LINUX_S_IFREG:
		return "file";
	case LINUX_S_IFLNK:
		return "symlink";
	case LINUX_S_IFCHR:
		return "chr";
	case LINUX_S_IFBLK:
		return "blk";
	case LINUX_S_IFIFO:
		return "fifo";
	case LINUX_S_IFSOCK:
		return "socket";
	default:
		return "unknown";
	}
}

/* "drwxr-xr-x", as ls -l writes the mode. */
static void mode_string(unsigned mode, char s[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";
	int i;

	s[0] = types[(mode >> 12) & 15];
	for (i = 0; i < 9; i++)
		s[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
	if (mode & 04000)
		s[3] = s[3] == 'x' ? 's' : 'S';
	if (mode & 02000)
		s[6] = s[6] == 'x' ? 's' : 'S';
	if (mode & 01000)
		s[9] = s[9] == 'x' ? 't' : 'T';
	s[10] = '\0';
}

static int link_target(ext2_filsys fs, const char *image, struct entry *e)
{
	uint64_t size = EXT2_I_SIZE(&e->inode);
	struct strbuf b;
	int r;

	if (size > LINK_MAX_LEN)
		size = LINK_MAX_LEN;
	if (ext2fs_is_fast_symlink(&e->inode)) {
		e->target = strndup((char *)e->inode.i_block, (size_t)size);
		return e->target ? 0 : diag_error(EXIT_BUILD, "out of memory");
	}
	sb_init(&b);
	sb_add(&b, "");
	r = read_data(fs, image, e->name, e->ino, size, to_strbuf, &b);
	e->target = sb_take(&b);
	if (!r && !e->target)
		r = diag_error(EXIT_BUILD, "out of memory");
	return r;
}

static int load_entry(ext2_filsys fs, const char *image, struct entry *e)
{
	errcode_t err = ext2fs_read_inode(fs, e->ino, &e->inode);

	if (err)
		return fs_fail(image, e->name, err);
	if (LINUX_S_ISLNK(e->inode.i_mode))
		return link_target(fs, image, e);
	return 0;
}

/* Names in text: one line each, whatever bytes they hold.  Control
 * characters, backslashes and bytes that are not UTF-8 become \ooo. */
void inspect_put_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), n;

	while (left) {
		n = utf8_len(p, left);
		if (!n || *p < 0x20 || *p == 0x7f || *p == '\\') {
			printf("\\%03o", *p);
			n = 1;
		} else {
			fwrite(p, 1, n, stdout);
		}
		p += n;
		left -= n;
	}
}

static int num_width(uint64_t v)
{
	char buf[24];

	return snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
}

static void print_text(const struct entry *v, size_t n)
{
	int wu = 1, wg = 1, ws = 1;
	char mode[11];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ext2_inode *in = &v[i].inode;

		wu = num_width(inode_uid(*in)) > wu ?
			     num_width(inode_uid(*in)) :
			     wu;
		wg = num_width(inode_gid(*in)) > wg ?
			     num_width(inode_gid(*in)) :
			     wg;
		ws = num_width(EXT2_I_SIZE(in)) > ws ?
			     num_width(EXT2_I_SIZE(in)) :
			     ws;
	}
	for (i = 0; i < n; i++) {
		const struct ext2_inode *in = &v[i].inode;

		mode_string(in->i_mode, mode);
		printf("%s %*u %*u %*llu ", mode, wu, inode_uid(*in), wg,
		       inode_gid(*in), ws, (unsigned long long)EXT2_I_SIZE(in));
		inspect_put_text(v[i].name);
		if (v[i].target) {
			fputs(" -> ", stdout);
			inspect_put_text(v[i].target);
		}
		putchar('\n');
	}
}

static void print_json(const char *path, const struct entry *v, size_t n)
{
	struct json_out j;
	char mode[11];
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j, NULL, 0);
	json_string(&j, "path", path);
	json_begin_array(&j, "entries", 0);
	for (i = 0; i < n; i++) {
		const struct ext2_inode *in = &v[i].inode;

		mode_string(in->i_mode, mode);
		json_begin_object(&j, NULL, 1);
		json_string(&j, "name", v[i].name);
		json_uint(&j, "inode", v[i].ino);
		json_string(&j, "type", type_name(in->i_mode));
		json_uint(&j, "mode", in->i_mode);
		json_string(&j, "mode_string", mode);
		json_uint(&j, "uid", inode_uid(*in));
		json_uint(&j, "gid", inode_gid(*in));
		json_uint(&j, "size", EXT2_I_SIZE(in));
		if (v[i].target)
			json_string(&j, "target", v[i].target);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
}

static void entries_free(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].target);
	}
	free(v);
}

static int print_entries(ext2_filsys fs, const char *image, const char *path,
			 struct entry *v, size_t n, int json)
{
	size_t i;
	int r = 0;

	for (i = 0; !r && i < n; i++)
		r = load_entry(fs, image, &v[i]);
	if (!r && json)
		print_json(path, v, n);
	else if (!r)
		print_text(v, n);
	return r;
}

static int list_dir(ext2_filsys fs, const char *image, const char *path,
		    ext2_ino_t dir, int json)
{
	struct entry *v;
	struct dlist l;
	size_t i;
	int r;

	if ((r = read_dir(fs, image, path, dir, &l)))
		return r;
	v = calloc(l.n + 1, sizeof(*v));
	if (!v) {
		dlist_free(&l);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	for (i = 0; i < l.n; i++) {
		v[i].name = l.v[i].name; /* moved */
		v[i].ino = l.v[i].ino;
	}
	free(l.v);
	r = print_entries(fs, image, path, v, l.n, json);
	entries_free(v, l.n);
	return r;
}

/* A node that is neither a directory nor a regular file: one line. */
static int list_one(ext2_filsys fs, const char *image, const char *path,
		    ext2_ino_t ino, int json)
{
	const char *slash = strrchr(path, '/');
	struct entry *v = calloc(1, sizeof(*v));
	int r;

	if (!v || !(v->name = strdup(slash && slash[1] ? slash + 1 : path))) {
		free(v);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	v->ino = ino;
	r = print_entries(fs, image, path, v, 1, json);
	entries_free(v, 1);
	return r;
}

int inspect_path(ext2_filsys fs, const char *image, const char *path, int json)
{
	struct ext2_inode inode;
	ext2_ino_t ino;
	int r = lookup(fs, image, path, &ino, &inode);

	if (r == 1)
		return diag_error(
			EXIT_BUILD,
			"%s: %s: no such file or directory in the image", image,
			path);
	if (r)
		return r;
	if (LINUX_S_ISDIR(inode.i_mode))
		return list_dir(fs, image, path, ino, json);
	if (!LINUX_S_ISREG(inode.i_mode))
		return list_one(fs, image, path, ino, json);
	if (json)
		return diag_error(
			EXIT_USAGE,
			"inspect: --json lists a directory or sums up the image; the bytes of the file %s have no JSON form: leave out --json",
			diag_value(path));
	r = read_data(fs, image, path, ino, EXT2_I_SIZE(&inode), to_stdout,
		      NULL);
	if (!r && fflush(stdout))
		r = diag_error(EXIT_BUILD, "standard output: %s",
			       strerror(errno));
	return r;
}
