/* prefetch.c - host files read ahead of the writer, in its order
 *
 * The helper walks the tree in the writer's order (sorted preorder, an
 * inode at its first name) and queues one item per host file: its bytes
 * when it is small and has no holes, else its open descriptor.  The
 * queue is bounded in items and in bytes, so memory does not grow with
 * the tree.  The writer's visit marks are its own: the helper keeps a set
 * of the hard-linked inodes it has seen.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostfile.h"
#include "prefetch.h"

#define RING 1024		   /* files queued at most */
#define PREFETCH_FILE (256 * 1024) /* larger ones are read by the writer */
#define PREFETCH_BYTES (16 << 20)  /* bytes queued at most */
#define WAKE 64			   /* files queued before the writer is woken */

struct prefetch {
	struct tree *t;
	struct hostfiles *hosts; /* the helper's */
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct prefetched ring[RING];
	size_t head, count, bytes;
	int waiting; /* the writer waits for an item */
	int full;    /* the helper waits for room */
	int done, stop;
	const struct tree_inode **seen; /* open addressing, power of two */
	size_t nseen, capseen;
};

/* Is INO (hard-linked) seen for the first time? */
static int first_time(struct prefetch *p, const struct tree_inode *ino)
{
	size_t i, mask;

	if ((p->nseen + 1) * 2 > p->capseen) {
		size_t cap = p->capseen ? p->capseen * 2 : 256, k;
		const struct tree_inode **v = calloc(cap, sizeof(*v));

		if (!v)
			return 1; /* read it twice: the writer takes one */
		for (k = 0; k < p->capseen; k++) {
			if (!p->seen[k])
				continue;
			for (i = ((uintptr_t)p->seen[k] >> 4) & (cap - 1); v[i];
			     i = (i + 1) & (cap - 1))
				;
			v[i] = p->seen[k];
		}
		free(p->seen);
		p->seen = v;
		p->capseen = cap;
	}
	mask = p->capseen - 1;
	for (i = ((uintptr_t)ino >> 4) & mask; p->seen[i]; i = (i + 1) & mask)
		if (p->seen[i] == ino)
			return 0;
	p->seen[i] = ino;
	p->nseen++;
	return 1;
}

/* All of a small file, checked; or its descriptor. */
static void fetch(struct prefetch *p, const struct tree_node *n,
		  struct prefetched *f)
{
	const struct tree_inode *ino = n->inode;
	struct hostfile_stamp stamp;
	size_t got = 0, next;
	ssize_t r = 1;

	memset(f, 0, sizeof(*f));
	f->n = n;
	hostfile_stamp(ino, &stamp);
	f->fd = hostfile_open(p->hosts, n);
	if (f->fd < 0) {
		f->err = errno;
		return;
	}
	if (ino->size > PREFETCH_FILE || tree_inode_extents(ino, &next) ||
	    !(f->bytes = malloc(ino->size)))
		return;
	while (got < ino->size && r) {
		r = pread(f->fd, f->bytes + got, ino->size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) { /* the writer reads it again and says why */
			free(f->bytes);
			f->bytes = NULL;
			return;
		}
		got += (size_t)r;
	}
	f->changed = got != ino->size || !hostfile_unchanged(f->fd, &stamp);
	close(f->fd);
	f->fd = -1;
}

static int push(struct prefetch *p, const struct prefetched *f)
{
	size_t size = f->bytes ? f->n->inode->size : 0;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && (p->count == RING ||
			    (p->count && p->bytes + size > PREFETCH_BYTES))) {
		p->full = 1;
		pthread_cond_wait(&p->room, &p->lock);
	}
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	p->ring[(p->head + p->count) % RING] = *f;
	p->count++;
	p->bytes += size;
	/* A waiting writer is woken for a batch, not for each file. */
	if (p->waiting &&
	    (p->count >= WAKE || p->bytes + PREFETCH_FILE > PREFETCH_BYTES))
		pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static int walk(struct prefetch *p, const struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;
	uint32_t i, nk = tree_nkids(n);
	struct prefetched f;

	if (ino->content == CONTENT_HOST &&
	    (ino->nlink <= 1 || first_time(p, ino))) {
		fetch(p, n, &f);
		if (push(p, &f)) {
			prefetch_release(&f);
			return -1;
		}
	}
	for (i = 0; i < nk; i++)
		if (walk(p, tree_kids(n)[i]))
			return -1;
	return 0;
}

static void *helper(void *arg)
{
	struct prefetch *p = arg;

	walk(p, p->t->root);
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct prefetch *prefetch_start(struct tree *t)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->t = t;
	if (!(p->hosts = hostfiles_new())) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->room, NULL);
	if (pthread_create(&p->tid, NULL, helper, p)) {
		hostfiles_free(p->hosts);
		free(p);
		return NULL;
	}
	return p;
}

int prefetch_take(struct prefetch *p, const struct tree_node *n,
		  struct prefetched *out)
{
	pthread_mutex_lock(&p->lock);
	while (!p->count && !p->done) {
		p->waiting = 1;
		pthread_cond_wait(&p->more, &p->lock);
		p->waiting = 0;
	}
	if (!p->count || p->ring[p->head].n->inode != n->inode) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	*out = p->ring[p->head];
	p->head = (p->head + 1) % RING;
	p->count--;
	p->bytes -= out->bytes ? out->n->inode->size : 0;
	/* The helper goes on once a quarter of the room is free again. */
	if (p->full && p->count <= RING * 3 / 4 &&
	    p->bytes <= PREFETCH_BYTES * 3 / 4) {
		p->full = 0;
		pthread_cond_signal(&p->room);
	}
	pthread_mutex_unlock(&p->lock);
	out->n = n;
	return 0;
}

void prefetch_release(struct prefetched *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->bytes);
	f->fd = -1;
	f->bytes = NULL;
}

void prefetch_stop(struct prefetch *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_signal(&p->room);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->tid, NULL);
	while (p->count) {
		prefetch_release(&p->ring[p->head]);
		p->head = (p->head + 1) % RING;
		p->count--;
	}
	hostfiles_free(p->hosts);
	free(p->seen);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->room);
	free(p);
}
