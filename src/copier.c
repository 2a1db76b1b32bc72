/* copier.c - host files into the image without reading them here
 *
 * The writer adds a job per file, in its order; helper threads take them
 * from a ring.  A job opens its file relative to its host directory
 * (each thread has its own cache of directory descriptors), hands the
 * ranges to disk_copy, reads and writes what the kernel leaves, checks
 * the file against what the scan saw, and closes it.  Nothing a thread
 * does records a message: a failure is kept as a kind, an errno and a
 * sequence number, and the first in the writer's order is told by the
 * writer's thread when it finishes.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copier.h"
#include "diag.h"
#include "fullio.h"
#include "hostfile.h"

#define RING 256 /* jobs queued at most */
#define WAKE 32	 /* jobs queued before a helper is woken */
#define MAX_THREADS 16
#define CHUNK (1 << 20) /* read and written at a time */
#define INLINE_RANGES 2
#define RUN 32		       /* jobs a helper takes at a time */
#define BATCH (1 << 20)	       /* small files written at a time */
#define BATCH_RANGE (64 << 10) /* larger ranges are not batched */

enum fail_kind { F_NONE, F_GONE, F_OPEN, F_READ, F_CHANGED, F_WRITE };

struct failure {
	enum fail_kind kind;
	int err;
	uint64_t seq;
	const struct tree_node *n;
};

struct job {
	uint64_t seq;
	const struct tree_node *n;
	struct copy_range *more; /* NULL: the ranges are in inl */
	struct copy_range inl[INLINE_RANGES];
	size_t nv;
};

static const struct copy_range *ranges(const struct job *j)
{
	return j->more ? j->more : j->inl;
}

struct devcaps {
	uint64_t dev;
	int caps;
};

/* Ranges read, not yet written: LEN bytes for DST, the first of them
 * for the job SEQ.  NEXT: where the last range's last block ends, the
 * place the next range may start at to be written with them. */
struct batch {
	char *buf; /* BATCH bytes, when needed */
	uint64_t dst, len, next, seq;
	const struct tree_node *n;
};

struct worker {
	struct copier *c;
	struct hostfiles *hosts;
	char *buf; /* CHUNK bytes, when needed */
	struct batch b;
	pthread_t tid;
};

struct copier {
	struct disk *d;
	uint64_t block; /* the unit a range starts at and owns */
	unsigned nthreads;
	struct worker self; /* the caller's, without threads */
	struct worker *workers;
	unsigned nworkers; /* made; nthreads: still running */
	pthread_mutex_t lock;
	pthread_cond_t more, room, idle;
	struct job ring[RING];
	size_t head, count;
	unsigned busy; /* jobs being done */
	/* Who sleeps: a wake-up costs a system call, so only those who
	 * wait are woken. */
	unsigned idlers, adding, draining;
	int stop;
	int failed;		/* first is set (atomic) */
	struct failure first;	/* the first in order, so far */
	struct devcaps caps[8]; /* what the kernel does, per source */
	size_t ncaps;
};

/* ---- one file ---- */

static uint64_t dev_of(const struct tree_node *n)
{
	const struct tree_inode *ino = n->inode;

	return tree_inode_host_dir(ino) ? tree_inode_host_dir(ino)->dev : 0;
}

/* Under the lock: what the kernel can still do for N's file system. */
static struct devcaps *caps_of(struct copier *c, const struct tree_node *n)
{
	uint64_t dev = dev_of(n);
	size_t i, max = sizeof(c->caps) / sizeof(*c->caps);

	for (i = 0; i < c->ncaps; i++)
		if (c->caps[i].dev == dev)
			return &c->caps[i];
	if (c->ncaps < max)
		c->ncaps++;
	i = c->ncaps - 1;
	c->caps[i].dev = dev;
	c->caps[i].caps = DISK_CLONE | DISK_COPY;
	return &c->caps[i];
}

static int fail(struct failure *f, enum fail_kind kind, int err)
{
	f->kind = kind;
	f->err = err;
	return -1;
}

/* LEN bytes of the host file at OFF into BUF: 0, or -1 with F set (the
 * file ending first is a file shorter than the scan saw it). */
static int read_range(int fd, char *buf, size_t len, uint64_t off,
		      struct failure *f)
{
	size_t got;
	int err = pread_full(fd, buf, len, off, &got);

	if (err)
		return fail(f, F_READ, err);
	return got < len ? fail(f, F_CHANGED, 0) : 0;
}

/* From byte DONE of range V[0], to the end of V[NV - 1]: read and
 * written here.  A container where bytes never written read as zeros
 * needs no padding past the end of the file. */
static int read_write(struct worker *w, int fd, const struct copy_range *v,
		      size_t nv, uint64_t done, struct failure *f)
{
	size_t i;
	int err;

	if (!w->buf && !(w->buf = malloc(CHUNK)))
		return fail(f, F_READ, ENOMEM);
	for (i = 0; i < nv; i++, done = 0) {
		while (done < v[i].len) {
			size_t want = v[i].len - done < CHUNK ?
					      (size_t)(v[i].len - done) :
					      CHUNK;

			if (read_range(fd, w->buf, want, v[i].src + done, f))
				return -1;
			if ((err = disk_pwrite(w->c->d, w->buf, want,
					       v[i].dst + done)))
				return fail(f, F_WRITE, err);
			done += want;
		}
	}
	return 0;
}

/* Write the batch, if any; a failure is the batch's first job's. */
static int batch_flush(struct worker *w, struct failure *f)
{
	struct batch *b = &w->b;
	int err;

	if (!b->len)
		return 0;
	err = disk_pwrite(w->c->d, b->buf, (size_t)b->len, b->dst);
	b->len = 0;
	if (!err)
		return 0;
	f->seq = b->seq;
	f->n = b->n;
	return fail(f, F_WRITE, err);
}

/* Range R of job J read into the batch, written with the ranges before
 * it when it starts where their last block ends: the bytes between are
 * that block's tail, zeros, which belong to no other file. */
static int batch_add(struct worker *w, int fd, const struct job *j,
		     const struct copy_range *r, struct failure *f)
{
	struct batch *b = &w->b;
	uint64_t at, block = w->c->block;

	if (!b->buf && !(b->buf = malloc(BATCH)))
		return fail(f, F_READ, ENOMEM);
	if (b->len && (r->dst != b->next || r->dst - b->dst + r->len > BATCH) &&
	    batch_flush(w, f))
		return -1;
	if (!b->len) {
		b->dst = r->dst;
		b->seq = j->seq;
		b->n = j->n;
	}
	at = r->dst - b->dst;
	memset(b->buf + b->len, 0, (size_t)(at - b->len));
	if (read_range(fd, b->buf + at, (size_t)r->len, r->src, f))
		return -1;
	b->len = at + r->len;
	b->next = r->dst + (r->len + block - 1) / block * block;
	return 0;
}

/* What the kernel does for a source, learnt from one job (FROM) into
 * what INTO says: a kind refused stays refused, sharing seen stays seen. */
static int merge_caps(int into, int from)
{
	return (into & from & ~DISK_SHARED) | ((into | from) & DISK_SHARED);
}

/* What a job learnt of N's file system, for the next (under the lock,
 * when there are helpers). */
static void learn(struct copier *c, const struct tree_node *n, int caps)
{
	struct devcaps *dc = caps_of(c, n);

	dc->caps = merge_caps(dc->caps, caps);
}

/* The bytes of R to offer the kernel; the rest goes to the batch.
 * Once blocks are shared from this source (btrfs, XFS), a file's last
 * partial block is batched too: there copy_file_range of a few bytes
 * first tries a clone, taking the image's lock, then writes one page,
 * each costing more than the copy does (bench/RESULTS.md). */
static uint64_t for_kernel(const struct copy_range *r, int caps, uint64_t block)
{
	if ((caps & DISK_CLONE) && (caps & DISK_SHARED))
		return r->len - r->len % block;
	if (!(caps & (DISK_CLONE | DISK_COPY)) && r->len <= BATCH_RANGE)
		return 0;
	return r->len;
}

/* The copies of one file; *CAPS loses what the kernel refused, and
 * learns when it shared blocks. */
static int copy_ranges(struct worker *w, int fd, const struct job *j, int *caps,
		       struct failure *f)
{
	size_t i;
	int err;

	for (i = 0; i < j->nv; i++) {
		const struct copy_range *r = &ranges(j)[i];
		uint64_t done = 0, kernel = for_kernel(r, *caps, w->c->block);
		struct copy_range rest;

		if (kernel && (err = disk_copy(w->c->d, fd, r->src, kernel,
					       r->dst, caps, &done)))
			return fail(f, F_WRITE, err);
		if (done < kernel)
			return read_write(w, fd, r, j->nv - i, done, f);
		if (done == r->len)
			continue;
		rest.src = r->src + done;
		rest.dst = r->dst + done;
		rest.len = r->len - done;
		if (batch_add(w, fd, j, &rest, f))
			return -1;
	}
	return 0;
}

static void do_job(struct worker *w, const struct job *j, int *caps,
		   struct failure *f)
{
	struct hostfile_stamp stamp;
	int fd;

	f->kind = F_NONE;
	f->seq = j->seq;
	f->n = j->n;
	hostfile_stamp(j->n->inode, &stamp);
	fd = hostfile_open(w->hosts, j->n);
	if (fd < 0) {
		fail(f, errno == ENOENT ? F_GONE : F_OPEN, errno);
		return;
	}
	if (!copy_ranges(w, fd, j, caps, f) && !hostfile_unchanged(fd, &stamp))
		fail(f, F_CHANGED, 0);
	close(fd);
}

/* Keep F in *FIRST if it comes before it in the writer's order. */
static void keep_first(struct failure *first, const struct failure *f)
{
	if (f->kind != F_NONE && (first->kind == F_NONE || f->seq < first->seq))
		*first = *f;
}

/* Under the lock: keep F if it is the first in order so far. */
static void note(struct copier *c, const struct failure *f)
{
	keep_first(&c->first, f);
	if (f->kind != F_NONE)
		__atomic_store_n(&c->failed, 1, __ATOMIC_RELEASE);
}

/* ---- the threads ---- */

/* Under the lock: up to RUN jobs into V, with what the kernel can do
 * for each in CAPS; how many. */
static size_t take_run(struct copier *c, struct job *v, int *caps)
{
	size_t k;

	for (k = 0; k < RUN && c->count; k++) {
		v[k] = c->ring[c->head];
		c->head = (c->head + 1) % RING;
		c->count--;
		caps[k] = caps_of(c, v[k].n)->caps;
	}
	c->busy += k;
	/* The writer sleeps until half the ring is free. */
	if (c->adding && c->count <= RING / 2)
		pthread_cond_signal(&c->room);
	return k;
}

/* The jobs V[0..NV), in order, then the batch they leave; the first
 * failure in *FIRST.  A job learns what the kernel refused the ones
 * before it from the same source. */
static void do_run(struct worker *w, struct job *v, int *caps, size_t nv,
		   struct failure *first)
{
	struct failure f;
	size_t k, m;

	first->kind = F_NONE;
	for (k = 0; k < nv; k++) {
		int had = caps[k];

		do_job(w, &v[k], &caps[k], &f);
		free(v[k].more);
		keep_first(first, &f);
		for (m = k + 1; caps[k] != had && m < nv; m++)
			if (dev_of(v[m].n) == dev_of(v[k].n))
				caps[m] = merge_caps(caps[m], caps[k]);
	}
	f.kind = F_NONE;
	batch_flush(w, &f);
	keep_first(first, &f);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct copier *c = w->c;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct job v[RUN];
		int caps[RUN];
		struct failure f;
		size_t k, nv;

		while (!c->count && !c->stop) {
			c->idlers++;
			pthread_cond_wait(&c->more, &c->lock);
			c->idlers--;
		}
		if (!c->count)
			break;
		nv = take_run(c, v, caps);
		pthread_mutex_unlock(&c->lock);

		do_run(w, v, caps, nv, &f);

		pthread_mutex_lock(&c->lock);
		for (k = 0; k < nv; k++)
			learn(c, v[k].n, caps[k]);
		note(c, &f);
		c->busy -= nv;
		if (!c->busy && !c->count && c->draining)
			pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void worker_free(struct worker *w)
{
	hostfiles_free(w->hosts);
	free(w->buf);
	free(w->b.buf);
}

struct copier *copier_new(struct disk *d, uint64_t block, unsigned threads)
{
	struct copier *c = calloc(1, sizeof(*c));
	unsigned i;

	if (!c)
		return NULL;
	c->d = d;
	c->block = block;
	c->self.c = c;
	if (!(c->self.hosts = hostfiles_new())) {
		free(c);
		return NULL;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
	pthread_cond_init(&c->room, NULL);
	pthread_cond_init(&c->idle, NULL);
	c->workers = threads ? calloc(threads, sizeof(*c->workers)) : NULL;
	for (i = 0; c->workers && i < threads; i++) {
		struct worker *w = &c->workers[c->nworkers];

		w->c = c;
		if (!(w->hosts = hostfiles_new()))
			break;
		if (pthread_create(&w->tid, NULL, work, w)) {
			worker_free(w);
			break; /* fewer threads, or none: the caller copies */
		}
		c->nworkers++;
	}
	c->nthreads = c->nworkers;
	return c;
}

int copier_add(struct copier *c, uint64_t seq, const struct tree_node *n,
	       const struct copy_range *v, size_t nv)
{
	struct job j;
	int caps, stop;

	if (__atomic_load_n(&c->failed, __ATOMIC_ACQUIRE))
		return 1;
	j.seq = seq;
	j.n = n;
	j.nv = nv;
	j.more = NULL;
	if (nv > INLINE_RANGES && !(j.more = malloc(nv * sizeof(*v))))
		return diag_error(EXIT_BUILD, "out of memory");
	memcpy(j.more ? j.more : j.inl, v, nv * sizeof(*v));
	if (!c->nthreads) {
		struct failure f;

		caps = caps_of(c, n)->caps;
		do_job(&c->self, &j, &caps, &f);
		learn(c, n, caps);
		free(j.more);
		note(c, &f);
		return f.kind != F_NONE;
	}
	pthread_mutex_lock(&c->lock);
	while (c->count == RING) {
		c->adding++;
		pthread_cond_wait(&c->room, &c->lock);
		c->adding--;
	}
	c->ring[(c->head + c->count) % RING] = j;
	c->count++;
	stop = c->first.kind != F_NONE;
	/* A sleeping helper is woken for a batch, not for each job. */
	if (c->idlers && c->count >= WAKE)
		pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
	return stop;
}

/* The message of F, as the writer gives it for its own files. */
static int tell(struct copier *c, const struct failure *f)
{
	char path[8192];

	if (f->kind == F_WRITE)
		return disk_error(c->d, "cannot write the image", f->err);
	if (f->kind == F_READ) {
		tree_path(f->n, path, sizeof(path));
		return diag_error(EXIT_BUILD, "%s: cannot read: %s", path,
				  strerror(f->err));
	}
	tree_host_path(f->n, path, sizeof(path));
	if (f->kind == F_GONE)
		return diag_error(
			EXIT_BUILD,
			"%s: the file disappeared while the image was built",
			path);
	if (f->kind == F_OPEN)
		return diag_error(EXIT_BUILD, "%s: cannot open: %s", path,
				  strerror(f->err));
	return diag_error(
		EXIT_BUILD,
		"%s: the file changed while the image was built (was %llu bytes)",
		path, (unsigned long long)f->n->inode->size);
}

/* Wait for the jobs, then for the threads. */
static void drain(struct copier *c)
{
	unsigned i;

	if (!c->nthreads)
		return;
	pthread_mutex_lock(&c->lock);
	c->draining = 1;
	pthread_cond_broadcast(&c->more); /* the last batch */
	while (c->count || c->busy)
		pthread_cond_wait(&c->idle, &c->lock);
	c->stop = 1;
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < c->nthreads; i++)
		pthread_join(c->workers[i].tid, NULL);
	c->nthreads = 0;
}

int copier_finish(struct copier *c, uint64_t seq)
{
	struct failure f;

	drain(c);
	f.kind = F_NONE;
	if (batch_flush(&c->self, &f))
		note(c, &f);
	if (c->first.kind == F_NONE || c->first.seq > seq)
		return 0;
	diag_clear();
	return tell(c, &c->first);
}

void copier_free(struct copier *c)
{
	unsigned i;

	if (!c)
		return;
	drain(c);
	for (i = 0; i < c->nworkers; i++)
		worker_free(&c->workers[i]);
	free(c->workers);
	worker_free(&c->self);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->more);
	pthread_cond_destroy(&c->room);
	pthread_cond_destroy(&c->idle);
	free(c);
}
