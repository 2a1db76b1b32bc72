/* guix-db.h - registering a store closure for the Guix daemon
 *
 * /var/guix/db/db.sqlite with Guix's schema (guix/store/schema.sql):
 * ValidPaths(path, hash "sha256:<base16>", registrationTime, deriver,
 * narSize) and Refs, items inserted leaves first, no WAL (WAL fails on the
 * Hurd).  NAR hashes come from the narinfo of a substitute, or are
 * computed by the ext2 writer while it copies the item (guix_db_observer),
 * never in a second pass over the data.
 */
#ifndef MKHURDIMG_GUIX_DB_H
#define MKHURDIMG_GUIX_DB_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

struct store_item {
	char *path;
	char *deriver;		/* full store path, or NULL */
	char **refs;		/* full store paths */
	size_t nrefs;
	uint8_t hash[32];	/* SHA-256 of the item's nar */
	uint64_t nar_size;
	int hashed;		/* hash and nar_size are known */
};

struct guix_db {
	struct store_item *items;
	size_t n, cap;
	int sorted;		/* items sorted by path: no more additions */
	char *system;		/* the system item, for /var/guix/profiles */
};

/* The database of TREE (made on first use; the tree owns it). */
struct guix_db *guix_db_of(struct tree *t);

/* Register PATH; REFS and DERIVER are copied.  HASH may be NULL (the
 * writer computes it).  A path registered twice keeps its first entry. */
int guix_db_add(struct guix_db *db, const char *path, const char *deriver,
		char *const *refs, size_t nrefs, const uint8_t *hash,
		uint64_t nar_size);

/* Add /var/guix/db/{db.sqlite,schema}, the profile and gcroot links and
 * the directories of Guix's image skeleton.  db.sqlite's size is fixed
 * here; its bytes are made when the writer reaches it. */
int guix_db_add_files(struct tree *t, int64_t mtime);

/* Tree observer for the ext2 writer: feeds every registered, unhashed
 * item's nodes and bytes, in the writer's (sorted) order, to a NAR
 * hasher. */
struct guix_db_hasher;
struct guix_db_hasher *guix_db_hasher_new(struct guix_db *db);
void guix_db_hasher_node(struct guix_db_hasher *h, struct tree_node *n);
void guix_db_hasher_data(struct guix_db_hasher *h, const void *buf, size_t len);
/* Close the last item.  0, or EXIT_BUILD if some item was never seen. */
int guix_db_hasher_finish(struct guix_db_hasher *h);
void guix_db_hasher_free(struct guix_db_hasher *h);

#endif
