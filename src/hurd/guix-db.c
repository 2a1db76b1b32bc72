/* guix-db.c - the Guix store database of the image, and the NAR hashes */
#include "autoconfig.h"

#include <gcrypt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "guix-db.h"
#include "strbuf.h"

/* guix/store/schema.sql, as Guix creates the image's database. */
static const char schema_sql[] =
	"create table if not exists ValidPaths ("
	" id integer primary key autoincrement not null,"
	" path text unique not null,"
	" hash text not null,"
	" registrationTime integer not null,"
	" deriver text,"
	" narSize integer);"
	"create table if not exists Refs ("
	" referrer integer not null,"
	" reference integer not null,"
	" primary key (referrer, reference),"
	" foreign key (referrer) references ValidPaths(id) on delete cascade,"
	" foreign key (reference) references ValidPaths(id) on delete restrict);"
	"create index if not exists IndexReferrer on Refs(referrer);"
	"create index if not exists IndexReference on Refs(reference);"
	"create trigger if not exists DeleteSelfRefs before delete on ValidPaths"
	" begin delete from Refs where referrer = old.id and reference = old.id; end;"
	"create table if not exists DerivationOutputs ("
	" drv integer not null,"
	" id text not null,"
	" path text not null,"
	" primary key (drv, id),"
	" foreign key (drv) references ValidPaths(id) on delete cascade);"
	"create index if not exists IndexDerivationOutputs on DerivationOutputs(path);"
	"create table if not exists FailedPaths ("
	" path text primary key not null,"
	" time integer not null);";

/* ---- the database file ---- */

/* Leaves first: each item after everything it refers to. */
static void order_visit(struct store_items *db, size_t i, char *state,
			size_t *order, size_t *n)
{
	size_t k;

	if (state[i])
		return;
	state[i] = 1;
	for (k = 0; k < db->items[i].nrefs; k++) {
		struct store_item *r =
			store_items_find(db, db->items[i].refs[k]);

		if (r && r != &db->items[i])
			order_visit(db, (size_t)(r - db->items), state, order,
				    n);
	}
	order[(*n)++] = i;
}

static int sql_fail(sqlite3 *s, const char *what)
{
	return diag_error(EXIT_BUILD, "the store database: %s: %s", what,
			  s ? sqlite3_errmsg(s) : "out of memory");
}

static int insert_all(sqlite3 *s, struct store_items *db, const size_t *order,
		      int64_t regtime, int64_t *ids)
{
	sqlite3_stmt *vp = NULL, *ref = NULL;
	size_t i, k;
	int r = 0;

	if (sqlite3_prepare_v2(
		    s,
		    "insert into ValidPaths (path, hash, registrationTime, deriver, narSize) values (?, ?, ?, ?, ?)",
		    -1, &vp, NULL) ||
	    sqlite3_prepare_v2(
		    s,
		    "insert or ignore into Refs (referrer, reference) values (?, ?)",
		    -1, &ref, NULL))
		r = sql_fail(s, "prepare");
	for (i = 0; !r && i < db->n; i++) {
		struct store_item *it = &db->items[order[i]];
		char hex[8 + 64 + 1];

		for (k = 0; k < 32; k++)
			sprintf(hex + 7 + 2 * k, "%02x", it->hash[k]);
		memcpy(hex, "sha256:", 7);
		sqlite3_reset(vp);
		sqlite3_bind_text(vp, 1, it->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(vp, 2, hex, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(vp, 3, regtime);
		if (it->deriver)
			sqlite3_bind_text(vp, 4, it->deriver, -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(vp, 4);
		sqlite3_bind_int64(vp, 5, (sqlite3_int64)it->nar_size);
		if (sqlite3_step(vp) != SQLITE_DONE)
			r = sql_fail(s, it->path);
		ids[order[i]] = sqlite3_last_insert_rowid(s);
		for (k = 0; !r && k < it->nrefs; k++) {
			struct store_item *t =
				store_items_find(db, it->refs[k]);

			if (!t)
				continue; /* checked when the closure was read */
			sqlite3_reset(ref);
			sqlite3_bind_int64(ref, 1, ids[order[i]]);
			sqlite3_bind_int64(ref, 2, ids[t - db->items]);
			if (sqlite3_step(ref) != SQLITE_DONE)
				r = sql_fail(s, it->refs[k]);
		}
	}
	sqlite3_finalize(vp);
	sqlite3_finalize(ref);
	return r;
}

/* The database file as SQLite bytes (malloc'd). */
static int serialize(struct store_items *db, int64_t regtime, void **out,
		     size_t *len)
{
	sqlite3 *s = NULL;
	size_t *order = calloc(db->n + 1, sizeof(*order)), n = 0, i;
	char *state = calloc(db->n + 1, 1);
	int64_t *ids = calloc(db->n + 1, sizeof(*ids));
	sqlite3_int64 size = 0;
	unsigned char *bytes;
	int r = 0;

	if (!order || !state || !ids)
		r = diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; !r && i < db->n; i++)
		order_visit(db, i, state, order, &n);
	if (!r && sqlite3_open(":memory:", &s))
		r = sql_fail(s, "open");
	if (!r && sqlite3_exec(s, "begin;", NULL, NULL, NULL))
		r = sql_fail(s, "begin");
	if (!r && sqlite3_exec(s, schema_sql, NULL, NULL, NULL))
		r = sql_fail(s, "schema");
	if (!r)
		r = insert_all(s, db, order, regtime, ids);
	if (!r && sqlite3_exec(s, "commit;", NULL, NULL, NULL))
		r = sql_fail(s, "commit");
	if (!r) {
		bytes = sqlite3_serialize(s, "main", &size, 0);
		*out = bytes ? malloc((size_t)size) : NULL;
		if (!*out)
			r = sql_fail(s, "serialize");
		else
			memcpy(*out, bytes, (size_t)size);
		sqlite3_free(bytes);
		*len = (size_t)size;
	}
	sqlite3_close(s);
	free(order);
	free(state);
	free(ids);
	return r;
}

/* ---- the files ---- */

struct db_file {
	struct store_items *db;
	int64_t mtime;
};

static int make_db(void *ctx, void **data, size_t *len)
{
	struct db_file *f = ctx;
	size_t i;

	for (i = 0; i < f->db->n; i++)
		if (!f->db->items[i].hashed)
			return diag_error(
				EXIT_BUILD,
				"%s: no NAR hash when the database was written (is the store directory sorted after /var?)",
				f->db->items[i].path);
	return serialize(f->db, f->mtime, data, len);
}

/* The size of a nar follows from the tree alone: names, file sizes,
 * symlink targets.  Known before the contents are read, it fixes the
 * database's size (SQLite stores integers in as few bytes as they need). */
static uint64_t str_size(uint64_t len)
{
	return 8 + (len + 7) / 8 * 8;
}

static uint64_t nar_node_size(const struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;
	uint64_t s = str_size(1) + str_size(4); /* "(" "type" */
	uint32_t i;

	if (S_ISREG(ino->mode)) {
		s += str_size(7) + str_size(8) + str_size(ino->size);
		if (ino->mode & S_IXUSR)
			s += str_size(10) + str_size(0);
	} else if (S_ISLNK(ino->mode)) {
		s += str_size(7) + str_size(6) + str_size(ino->size);
	} else {
		s += str_size(9);
		for (i = 0; i < tree_nkids(n); i++)
			s += str_size(5) + str_size(1) + str_size(4) +
			     str_size(strlen(tree_kids(n)[i]->name)) +
			     str_size(4) + nar_node_size(tree_kids(n)[i]) +
			     str_size(1);
	}
	return s + str_size(1); /* ")" */
}

static void gen_free(void *ctx)
{
	free(ctx);
}

int guix_db_add_files(struct tree *t, struct store_items *db,
		      const char *system, int64_t mtime)
{
	static const struct {
		const char *path;
		uint32_t mode;
	} dirs[] = {
		/* gnu/build/install.scm, populate-root-file-system */
		{ "/etc", 0755 },
		{ "/var/log", 0755 },
		{ "/var/guix/gcroots", 0755 },
		{ "/var/empty", 0755 },
		{ "/var/db", 0755 },
		{ "/mnt", 0755 },
		{ "/var/guix/profiles/per-user/root", 0755 },
		{ "/bin", 0755 },
		{ "/tmp", 01777 },
		{ "/var/tmp", 01777 },
		{ "/var/lock", 01777 },
		{ "/home", 0755 },
	};
	struct tree_inode *ino;
	struct db_file *f;
	void *bytes;
	size_t len, i;
	int r;

	if (!db->n)
		return 0;
	store_items_sort(db); /* find() may bisect from now on */
	tree_finish(t);
	for (i = 0; i < db->n; i++) {
		struct tree_node *n;

		if (db->items[i].hashed)
			continue;
		n = tree_lookup(t, db->items[i].path);
		if (!n)
			return diag_error(EXIT_BUILD,
					  "%s: registered but not in the image",
					  db->items[i].path);
		db->items[i].nar_size = str_size(13) + nar_node_size(n);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		if ((r = tree_add_dir(t, dirs[i].path, dirs[i].mode, 0, 0,
				      mtime)))
			return r;
	/* The size, from the same rows with hashes not known yet: every
	 * hash has the same length, so the file has the same pages. */
	if ((r = serialize(db, mtime, &bytes, &len)))
		return r;
	free(bytes);
	f = calloc(1, sizeof(*f));
	ino = tree_inode_new(t, S_IFREG | 0644);
	if (!f || !ino) {
		free(f);
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	f->db = db;
	f->mtime = mtime;
	ino->mtime = mtime;
	if (tree_inode_set_gen(ino, len, make_db, f, gen_free)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if (tree_put(t, "/var/guix/db/db.sqlite", ino, NULL))
		return EXIT_BUILD;
	/* The daemon's schema version, so its first start opens, not creates. */
	if ((r = tree_add_data(t, "/var/guix/db/schema", 0644, "7", 1,
			       mtime)) ||
	    (r = tree_add_symlink(t, "/var/guix/gcroots/booted-system",
				  "/run/booted-system", mtime)) ||
	    (r = tree_add_symlink(t, "/var/guix/gcroots/current-system",
				  "/run/current-system", mtime)) ||
	    (r = tree_add_symlink(t, "/var/guix/gcroots/profiles",
				  "/var/guix/profiles", mtime)))
		return r;
	if (system &&
	    ((r = tree_add_symlink(t, "/var/guix/profiles/system",
				   "system-1-link", mtime)) ||
	     (r = tree_add_symlink(t, "/var/guix/profiles/system-1-link",
				   system, mtime))))
		return r;
	return 0;
}

/* ---- NAR hashing while the writer copies ---- */

struct guix_db_hasher {
	struct store_items *db;
	struct store_item *item; /* being hashed, or NULL */
	size_t rootlen;
	gcry_md_hd_t md;
	uint64_t size;
	int dirs[4096]; /* depths of open directories */
	int ndirs;
	int pending; /* a regular file's contents are open */
	int pending_depth;
	uint64_t pending_size, fed;
	int bad;
};

static void put_raw(struct guix_db_hasher *h, const void *p, size_t n)
{
	gcry_md_write(h->md, p, n);
	h->size += n;
}

static void put_u64(struct guix_db_hasher *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put_raw(h, b, 8);
}

static void put_pad(struct guix_db_hasher *h, uint64_t len)
{
	static const unsigned char zero[8];

	put_raw(h, zero, (size_t)((8 - len % 8) % 8));
}

static void put_str(struct guix_db_hasher *h, const char *s, size_t n)
{
	put_u64(h, n);
	put_raw(h, s, n);
	put_pad(h, n);
}

#define TOK(h, s) put_str((h), (s), sizeof(s) - 1)

static void close_pending(struct guix_db_hasher *h)
{
	if (!h->pending)
		return;
	if (h->fed != h->pending_size)
		h->bad = 1;
	put_pad(h, h->pending_size);
	TOK(h, ")");
	if (h->pending_depth > 0)
		TOK(h, ")");
	h->pending = 0;
}

/* Close directories at DEPTH and deeper. */
static void close_to(struct guix_db_hasher *h, int depth)
{
	close_pending(h);
	while (h->ndirs && h->dirs[h->ndirs - 1] >= depth) {
		int d = h->dirs[--h->ndirs];

		TOK(h, ")");
		if (d > 0)
			TOK(h, ")");
	}
}

static void finish_item(struct guix_db_hasher *h)
{
	if (!h->item)
		return;
	close_to(h, 0);
	memcpy(h->item->hash, gcry_md_read(h->md, GCRY_MD_SHA256), 32);
	/* The size was computed from the tree; the bytes must agree. */
	h->item->hashed = !h->bad && h->item->nar_size == h->size;
	gcry_md_close(h->md);
	h->item = NULL;
}

struct guix_db_hasher *guix_db_hasher_new(struct store_items *db)
{
	struct guix_db_hasher *h = calloc(1, sizeof(*h));

	if (h)
		h->db = db;
	return h;
}

void guix_db_hasher_node(struct guix_db_hasher *h, struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;
	char path[4096];
	size_t len = tree_path(n, path, sizeof(path)), i;
	int depth = 0;

	if (h->item &&
	    !(len > h->rootlen && !strncmp(path, h->item->path, h->rootlen) &&
	      path[h->rootlen] == '/'))
		finish_item(h);
	if (!h->item) {
		struct store_item *it = store_items_find(h->db, path);

		if (!it || it->hashed ||
		    gcry_md_open(&h->md, GCRY_MD_SHA256, 0))
			return;
		h->item = it;
		h->rootlen = len;
		h->size = 0;
		h->bad = 0;
		TOK(h, "nix-archive-1");
	}
	for (i = h->rootlen; i < len; i++)
		depth += path[i] == '/';
	close_to(h, depth);
	if (depth > 0) {
		TOK(h, "entry");
		TOK(h, "(");
		TOK(h, "name");
		put_str(h, n->name, strlen(n->name));
		TOK(h, "node");
	}
	TOK(h, "(");
	TOK(h, "type");
	if (S_ISDIR(ino->mode) && h->ndirs < 4096) {
		TOK(h, "directory");
		h->dirs[h->ndirs++] = depth;
	} else if (S_ISLNK(ino->mode)) {
		TOK(h, "symlink");
		TOK(h, "target");
		put_str(h, tree_inode_data(ino), ino->size);
		TOK(h, ")");
		if (depth > 0)
			TOK(h, ")");
	} else if (S_ISREG(ino->mode)) {
		TOK(h, "regular");
		if (ino->mode & S_IXUSR) {
			TOK(h, "executable");
			TOK(h, "");
		}
		TOK(h, "contents");
		put_u64(h, ino->size);
		h->pending = 1;
		h->pending_depth = depth;
		h->pending_size = ino->size;
		h->fed = 0;
	} else {
		h->bad = 1; /* devices and fifos have no NAR form */
	}
}

void guix_db_hasher_data(struct guix_db_hasher *h, const void *buf, size_t len)
{
	if (!h->item || !h->pending)
		return;
	put_raw(h, buf, len);
	h->fed += len;
}

int guix_db_hasher_finish(struct guix_db_hasher *h)
{
	size_t i;

	finish_item(h);
	for (i = 0; i < h->db->n; i++)
		if (!h->db->items[i].hashed)
			return diag_error(
				EXIT_BUILD,
				"%s: its NAR hash could not be computed (special files, or contents from an archive)",
				h->db->items[i].path);
	return 0;
}

void guix_db_hasher_free(struct guix_db_hasher *h)
{
	if (h && h->item)
		gcry_md_close(h->md);
	free(h);
}
