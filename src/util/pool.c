/* pool.c - a few helper threads for work split by index
 *
 * The items are taken in chunks from a shared counter, so a slow item
 * does not hold the others back.  Helpers sleep between runs.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

#define MAX_HELPERS 15
#define CHUNK 16

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	pthread_t tid[MAX_HELPERS];
	unsigned nhelpers;
	unsigned long run; /* runs started; a helper waits for a new one */
	unsigned active;   /* helpers still in this run */
	int quit;
	/* The run: FN over [0, n), chunks claimed from NEXT. */
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n, next;
};

/* Take chunks until none is left. */
static void take(struct pool *p)
{
	size_t i, end;

	for (;;) {
		i = __atomic_fetch_add(&p->next, CHUNK, __ATOMIC_RELAXED);
		if (i >= p->n)
			return;
		end = i + CHUNK < p->n ? i + CHUNK : p->n;
		for (; i < end; i++)
			p->fn(p->ctx, i);
	}
}

static void *helper(void *arg)
{
	struct pool *p = arg;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->run == seen && !p->quit)
			pthread_cond_wait(&p->start, &p->lock);
		if (p->quit)
			break;
		seen = p->run;
		pthread_mutex_unlock(&p->lock);
		take(p);
		pthread_mutex_lock(&p->lock);
		if (!--p->active)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct pool *pool_new(unsigned threads)
{
	struct pool *p = calloc(1, sizeof(*p));
	unsigned i;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->start, NULL);
	pthread_cond_init(&p->done, NULL);
	for (i = 1; i < threads && p->nhelpers < MAX_HELPERS; i++)
		if (!pthread_create(&p->tid[p->nhelpers], NULL, helper, p))
			p->nhelpers++;
	return p;
}

void pool_free(struct pool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nhelpers; i++)
		pthread_join(p->tid[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	free(p);
}

void pool_run(struct pool *p, size_t n, size_t min_split,
	      void (*fn)(void *ctx, size_t i), void *ctx)
{
	size_t i;

	if (!p || !p->nhelpers || n < min_split) {
		for (i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->next = 0;
	p->active = p->nhelpers;
	p->run++;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	take(p);
	pthread_mutex_lock(&p->lock);
	while (p->active)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}
