/* pool.h - a few helper threads for work split by index
 *
 * pool_run() calls FN(CTX, I) for every I below N, on the helpers and on
 * the caller, and returns when all are done.  What each call writes is
 * its own (the caller reads the results in index order afterwards), so
 * the outcome does not depend on the number of threads.
 */
#ifndef MKHURDIMG_POOL_H
#define MKHURDIMG_POOL_H

#include <stddef.h>

struct pool;

/* THREADS in all, the caller among them (1: no helper).  NULL when out
 * of memory; a pool with fewer helpers if threads cannot be made. */
struct pool *pool_new(unsigned threads);
void pool_free(struct pool *p);

/* At least MIN_SPLIT items before the helpers are asked (waking them
 * costs more than a few items); a NULL pool runs everything here. */
void pool_run(struct pool *p, size_t n, size_t min_split,
	      void (*fn)(void *ctx, size_t i), void *ctx);

#endif
