/* store.h - the store items the sources found, for registration
 *
 * Closures and substitute caches copy store items into the tree and list
 * them here with their references, deriver and, when a narinfo gives it,
 * NAR hash; the hurd stage registers them in the Guix database
 * (guix-db.h), and the ext2 writer hashes the others while it copies.
 */
#ifndef MKHURDIMG_STORE_H
#define MKHURDIMG_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store_item {
	char *path;
	char *deriver; /* full store path, or NULL */
	char **refs;   /* full store paths */
	size_t nrefs;
	uint8_t hash[32]; /* SHA-256 of the item's nar */
	uint64_t nar_size;
	int hashed; /* hash and nar_size are known */
};

struct store_items {
	struct store_item *items;
	size_t n, cap;
	int sorted; /* sorted by path: no more additions */
};

/* List PATH; REFS and DERIVER are copied.  HASH may be NULL (the writer
 * computes it).  A path listed twice keeps its first entry.  0, or
 * EXIT_BUILD with a message. */
int store_items_add(struct store_items *s, const char *path,
		    const char *deriver, char *const *refs, size_t nrefs,
		    const uint8_t *hash, uint64_t nar_size);
struct store_item *store_items_find(const struct store_items *s,
				    const char *path);
/* Sort by path (find bisects from then on; adding is an error). */
void store_items_sort(struct store_items *s);
void store_items_free(struct store_items *s);

#endif
