/* store.c - the store items the sources found, for registration */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "diag.h"
#include "store.h"

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_item *)a)->path,
		      ((const struct store_item *)b)->path);
}

struct store_item *store_items_find(const struct store_items *s,
				    const char *path)
{
	struct store_item key;
	size_t i;

	/* Sorted once registration is complete; linear before that. */
	key.path = (char *)path;
	if (s->sorted)
		return bsearch(&key, s->items, s->n, sizeof(key), item_cmp);
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].path, path))
			return &s->items[i];
	return NULL;
}

int store_items_add(struct store_items *s, const char *path,
		    const char *deriver, char *const *refs, size_t nrefs,
		    const uint8_t *hash, uint64_t nar_size)
{
	struct store_item *it;
	size_t k;

	if (store_items_find(s, path))
		return 0;
	if (s->sorted)
		return diag_error(
			EXIT_BUILD,
			"%s: registered after the database was laid out", path);
	if (array_grow(&s->items, &s->cap, s->n + 1, sizeof(*s->items), 64))
		return diag_error(EXIT_BUILD, "out of memory");
	it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	it->path = strdup(path);
	it->deriver = deriver && *deriver ? strdup(deriver) : NULL;
	it->refs = calloc(nrefs + 1, sizeof(char *));
	if (!it->path || !it->refs)
		return diag_error(EXIT_BUILD, "out of memory");
	for (k = 0; k < nrefs; k++)
		if (!(it->refs[it->nrefs++] = strdup(refs[k])))
			return diag_error(EXIT_BUILD, "out of memory");
	if (hash) {
		memcpy(it->hash, hash, 32);
		it->nar_size = nar_size;
		it->hashed = 1;
	}
	return 0;
}

void store_items_sort(struct store_items *s)
{
	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), item_cmp);
	s->sorted = 1;
}

void store_items_free(struct store_items *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		for (k = 0; k < s->items[i].nrefs; k++)
			free(s->items[i].refs[k]);
		free(s->items[i].refs);
		free(s->items[i].path);
		free(s->items[i].deriver);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}
