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

#include "store.h"
#include "tree.h"

/* Register DB's items: add /var/guix/db/{db.sqlite,schema}, the gcroot
 * links, /var/guix/profiles/system -> system-1-link -> SYSTEM (when not
 * NULL) and the directories of Guix's image skeleton.  db.sqlite's size
 * is fixed here; its bytes are made when the writer reaches it.  Nothing
 * when DB is empty. */
int guix_db_add_files(struct tree *t, struct store_items *db,
		      const char *system, int64_t mtime);

/* Tree observer for the ext2 writer: feeds every registered, unhashed
 * item's nodes and bytes, in the writer's (sorted) order, to a NAR
 * hasher. */
struct guix_db_hasher;
struct guix_db_hasher *guix_db_hasher_new(struct store_items *db);
void guix_db_hasher_node(struct guix_db_hasher *h, struct tree_node *n);
void guix_db_hasher_data(struct guix_db_hasher *h, const void *buf, size_t len);
/* Close the last item.  0, or EXIT_BUILD if some item was never seen. */
int guix_db_hasher_finish(struct guix_db_hasher *h);
void guix_db_hasher_free(struct guix_db_hasher *h);

#endif
