/* disk-qcow2.c - the qcow2 container, written directly in one pass
 *
 * QEMU's docs/interop/qcow2.txt, version 3.  Data clusters are allocated
 * in the host file in the order they are first written (cluster 0 is the
 * header), so the file grows sequentially; a cluster never written (or
 * written only with zeros) stays unallocated and reads as zeros.  The L2
 * tables, the L1 table and the refcounts are appended once, at the end,
 * and the header goes last.  No temporary raw image, no conversion.
 *
 * Compressed (--compress): a cluster is compressed (raw deflate, window
 * bits -12, as QEMU writes it) once every byte of it has been written;
 * until then it waits in memory.  Full clusters are compressed in batches
 * on a small pool of threads and appended in their order of completion,
 * so the file is the same whatever the number of threads.  A cluster
 * that does not shrink is stored plain.  The rare cluster written again
 * after it was compressed is read back, changed and appended anew.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "disk.h"
#include "image-type.h"
#include "fullio.h"
#include "qcow2.h"
#include "size.h"

#define DEFAULT_CLUSTER_BITS 16 /* 64 KiB, QEMU's default */

#define BATCH 64	  /* clusters compressed together */
#define COMBINE (1 << 20) /* adjacent writes gathered into one */

/* A cluster being filled (compressed mode). */
struct open_cluster {
	uint64_t vc;
	uint8_t *data;
	uint64_t covered; /* bytes written so far (no overlaps counted twice) */
	uint8_t *map;	  /* which 512-byte sectors were written */
};

struct job {
	uint64_t vc;
	uint8_t *data; /* cs bytes */
	uint8_t *out;  /* compressed, or NULL: store plain */
	size_t outlen;
};

struct qcow2 {
	unsigned cb; /* cluster bits */
	uint64_t cs; /* cluster size */
	uint32_t l1_size;
	uint64_t **l2; /* [l1 index] -> L2 entries, lazily:
					 * a host offset, or a compressed
					 * descriptor with QCOW2_COMPRESSED */
	uint64_t next; /* next free host offset (bytes) */
	uint16_t *rc;  /* refcount per host cluster */
	uint64_t nrc;
	int compress;
	unsigned threads;
	struct open_cluster *open; /* open addressing on vc; data NULL: empty */
	size_t nopen, capopen;
	struct job batch[BATCH];
	size_t nbatch;
	char *wbuf; /* COMBINE bytes for [woff, woff + wlen) */
	uint64_t woff;
	size_t wlen;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

void qcow2_encode_header(const struct qcow2_header *h, uint8_t *b)
{
	memset(b, 0, QCOW2_HEADER_LENGTH + 8);
	memcpy(b, "QFI\xfb", 4);
	put_be32(b + 4, 3);
	put_be32(b + 20, h->cluster_bits);
	put_be64(b + 24, h->size);
	put_be32(b + 36, h->l1_size);
	put_be64(b + 40, h->l1_offset);
	put_be64(b + 48, h->refcount_table_offset);
	put_be32(b + 56, h->refcount_table_clusters);
	put_be32(b + 96, 4); /* refcount_order: 16 bits */
	put_be32(b + 100, QCOW2_HEADER_LENGTH);
	/* b + 104: header extension type 0, the end (already zero). */
}

uint64_t qcow2_entry(uint64_t host_offset)
{
	return host_offset | QCOW2_COPIED;
}

uint64_t qcow2_compressed_entry(uint64_t off, size_t len, unsigned cb)
{
	uint64_t x = 62 - (cb - 8);
	uint64_t sectors = ((off + len - 1) >> 9) - (off >> 9);

	return QCOW2_COMPRESSED | sectors << x | off;
}

uint32_t qcow2_l1_size(uint64_t size, unsigned cb)
{
	uint64_t per_l2 = (1ULL << cb) * ((1ULL << cb) / 8);

	return (uint32_t)((size + per_l2 - 1) / per_l2);
}

void qcow2_refcount_layout(uint64_t n, unsigned cb, uint64_t *blocks,
			   uint64_t *table)
{
	uint64_t per_block = (1ULL << cb) / 2, per_table = (1ULL << cb) / 8;
	uint64_t b = 0, t = 0, nb, nt;

	/* The refcount structures count themselves: iterate to a fixpoint. */
	for (;;) {
		nb = (n + b + t + per_block - 1) / per_block;
		nt = (nb + per_table - 1) / per_table;
		if (nb == b && nt == t)
			break;
		b = nb;
		t = nt;
	}
	*blocks = b;
	*table = t;
}

/* Count one more reference to every host cluster in [off, off + len). */
static int ref_range(struct qcow2 *q, uint64_t off, uint64_t len)
{
	uint64_t first = off >> q->cb, last = (off + len - 1) >> q->cb, c;

	if (last >= q->nrc) {
		uint64_t n = (last + 1) * 2;
		uint16_t *rc = realloc(q->rc, n * sizeof(*rc));

		if (!rc)
			return ENOMEM;
		memset(rc + q->nrc, 0, (n - q->nrc) * sizeof(*rc));
		q->rc = rc;
		q->nrc = n;
	}
	for (c = first; c <= last; c++)
		if (q->rc[c]++ == UINT16_MAX)
			return EOVERFLOW;
	return 0;
}

/* A whole new cluster at the end of the file (cluster-aligned). */
static int new_cluster(struct qcow2 *q, uint64_t *host)
{
	q->next = (q->next + q->cs - 1) & ~(q->cs - 1);
	*host = q->next;
	q->next += q->cs;
	return ref_range(q, *host, q->cs);
}

static int q_open(struct disk *d)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	uint64_t h;

	if (!q)
		return ENOMEM;
	q->cb = d->opts.cluster_bits ? d->opts.cluster_bits :
				       DEFAULT_CLUSTER_BITS;
	if (q->cb < 9 || q->cb > 21) {
		free(q);
		return EINVAL;
	}
	q->cs = 1ULL << q->cb;
	q->compress = d->opts.compress;
	q->threads = d->opts.threads ? d->opts.threads : 2;
	q->l1_size = qcow2_l1_size(d->size, q->cb);
	q->l2 = calloc(q->l1_size ? q->l1_size : 1, sizeof(*q->l2));
	q->wbuf = malloc(COMBINE);
	d->priv = q;
	if (!q->l2 || !q->wbuf)
		return ENOMEM;
	return new_cluster(q, &h); /* cluster 0: the header, written last */
}

static uint64_t *slot(struct qcow2 *q, uint64_t vc, int make)
{
	uint64_t per = q->cs / 8, i = vc / per;

	if (!q->l2[i] && make)
		q->l2[i] = calloc(per, sizeof(uint64_t));
	return q->l2[i] ? &q->l2[i][vc % per] : NULL;
}

/* The plain host offset of virtual cluster VC, 0 if none; with ALLOC,
 * give it a new cluster at the end of the file. */
static int lookup(struct qcow2 *q, uint64_t vc, int alloc, uint64_t *host)
{
	uint64_t *e = slot(q, vc, alloc);
	int err;

	*host = 0;
	if (!e)
		return alloc ? ENOMEM : 0;
	if (!*e && alloc && (err = new_cluster(q, e)))
		return err;
	*host = *e & QCOW2_COMPRESSED ? 0 : *e;
	return 0;
}

static int all_zero(const char *p, size_t n)
{
	while (n && !*p) {
		p++;
		n--;
	}
	return n == 0;
}

/* Past the end of the file is a hole still to be written: zeros. */
static int pread_zero(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got;
	int err = pread_full(fd, buf, len, off, &got);

	if (!err)
		memset((char *)buf + got, 0, len - got);
	return err;
}

/*
 * Writes that follow each other in the file go out as one.  Clusters are
 * appended in the order they are first written, so the writer's run of
 * one-block writes (a small file each) lands in the file back to back.
 * Whatever reads the file flushes first.
 */
static int flush_writes(struct disk *d)
{
	struct qcow2 *q = d->priv;
	int err;

	if (!q->wlen)
		return 0;
	err = pwrite_full(d->fd, q->wbuf, q->wlen, q->woff);
	q->wlen = 0;
	return err;
}

static int put(struct disk *d, const char *p, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	int err;

	if (q->wlen && q->woff + q->wlen == off && q->wlen + len <= COMBINE) {
		memcpy(q->wbuf + q->wlen, p, len);
		q->wlen += len;
		return 0;
	}
	if ((err = flush_writes(d)))
		return err;
	if (len >= COMBINE)
		return pwrite_full(d->fd, p, len, off);
	memcpy(q->wbuf, p, len);
	q->woff = off;
	q->wlen = len;
	return 0;
}

/* ---- plain clusters ---- */

static int plain_pwrite(struct disk *d, const char *p, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	int err;

	while (len) {
		uint64_t in = off & (q->cs - 1), host, run;
		size_t n = len < q->cs - in ? len : (size_t)(q->cs - in);

		if ((err = lookup(q, off >> q->cb, 0, &host)))
			return err;
		/* Zeros into an unallocated cluster: it reads as zeros already. */
		if (!host && all_zero(p, n))
			goto next;
		if ((err = lookup(q, off >> q->cb, 1, &host)))
			return err;
		/* One write for as many following clusters as land right
		 * after this one in the file (mapped so, or new ones, which
		 * are appended there). */
		run = n;
		while (run < len) {
			uint64_t at = host + in + run, h2;
			size_t more = len - run < q->cs ? len - run :
							  (size_t)q->cs;

			if ((err = lookup(q, (off + run) >> q->cb, 0, &h2)))
				return err;
			if (!h2 && q->next == at && !all_zero(p + run, more) &&
			    (err = lookup(q, (off + run) >> q->cb, 1, &h2)))
				return err;
			if (h2 != at)
				break;
			run += more;
		}
		n = (size_t)run;
		if ((err = put(d, p, n, host + in)))
			return err;
next:
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- compressed clusters ---- */

static struct open_cluster *find_open(struct qcow2 *q, uint64_t vc, int make)
{
	size_t mask, i;

	if (make && (q->nopen + 1) * 2 > q->capopen) {
		size_t cap = q->capopen ? q->capopen * 2 : 64, k;
		struct open_cluster *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (k = 0; k < q->capopen; k++) {
			if (!q->open[k].data)
				continue;
			for (i = q->open[k].vc & (cap - 1); n[i].data;
			     i = (i + 1) & (cap - 1))
				;
			n[i] = q->open[k];
		}
		free(q->open);
		q->open = n;
		q->capopen = cap;
	}
	if (!q->capopen)
		return NULL;
	mask = q->capopen - 1;
	for (i = vc & mask; q->open[i].data; i = (i + 1) & mask)
		if (q->open[i].vc == vc)
			return &q->open[i];
	if (!make)
		return NULL;
	q->open[i].vc = vc;
	q->open[i].data = calloc(1, q->cs);
	q->open[i].map = calloc(1, q->cs / 512 / 8 + 1);
	q->open[i].covered = 0;
	if (!q->open[i].data || !q->open[i].map)
		return NULL;
	q->nopen++;
	return &q->open[i];
}

/* Remove O from the table (backward-shift deletion); its buffers are
 * the caller's now. */
static void drop_open(struct qcow2 *q, struct open_cluster *o)
{
	size_t mask = q->capopen - 1, i = (size_t)(o - q->open), j;

	free(o->map);
	o->data = NULL;
	q->nopen--;
	for (j = (i + 1) & mask; q->open[j].data; j = (j + 1) & mask) {
		size_t home = q->open[j].vc & mask;

		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			q->open[i] = q->open[j];
			q->open[j].data = NULL;
			i = j;
		}
	}
}

static void *compress_worker(void *arg)
{
	struct job *jobs = ((struct job **)arg)[0];
	size_t n = (size_t)(uintptr_t)((struct job **)arg)[1],
	       step = (size_t)(uintptr_t)((struct job **)arg)[2],
	       cs = (size_t)(uintptr_t)((struct job **)arg)[3], i;

	for (i = 0; i < n; i += step) {
		struct job *j = &jobs[i];
		z_stream z;
		uint8_t *out = malloc(cs);

		j->out = NULL;
		memset(&z, 0, sizeof(z));
		if (!out || deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
					 -12, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(out);
			continue;
		}
		z.next_in = j->data;
		z.avail_in = (uInt)cs;
		z.next_out = out;
		z.avail_out = (uInt)cs;
		/* Only worth it if it ends before a whole cluster's room. */
		if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < cs) {
			j->out = out;
			j->outlen = z.total_out;
		} else {
			free(out);
		}
		deflateEnd(&z);
	}
	return NULL;
}

/* Compress the batch on the pool, then append in batch order. */
static int flush_batch(struct disk *d)
{
	struct qcow2 *q = d->priv;
	pthread_t tid[16];
	void *args[16][4];
	unsigned t, nt = q->threads < 16 ? q->threads : 16;
	size_t i;
	int err = 0;

	if (!q->nbatch)
		return 0;
	for (t = 0; t < nt; t++) {
		args[t][0] = q->batch + t;
		args[t][1] =
			(void *)(uintptr_t)(q->nbatch > t ? q->nbatch - t : 0);
		args[t][2] = (void *)(uintptr_t)nt;
		args[t][3] = (void *)(uintptr_t)q->cs;
		if (t &&
		    pthread_create(&tid[t], NULL, compress_worker, args[t]))
			compress_worker(args[t]); /* no thread: do it here */
		else if (!t)
			continue;
	}
	compress_worker(args[0]);
	for (t = 1; t < nt; t++)
		pthread_join(tid[t], NULL);
	for (i = 0; i < q->nbatch; i++) {
		struct job *j = &q->batch[i];
		uint64_t *e = slot(q, j->vc, 1), host;

		if (!err && !e)
			err = ENOMEM;
		if (!err && j->out) {
			uint64_t off = q->next;
			uint64_t sectors =
				((off + j->outlen - 1) >> 9) - (off >> 9);

			err = put(d, (char *)j->out, j->outlen, off);
			if (!err)
				err = ref_range(q, off & ~511ULL,
						(sectors + 1) * 512);
			*e = qcow2_compressed_entry(off, j->outlen, q->cb);
			q->next += j->outlen;
		} else if (!err) {
			err = new_cluster(q, &host);
			if (!err)
				err = put(d, (char *)j->data, q->cs, host);
			*e = host;
		}
		free(j->out);
		free(j->data);
	}
	q->nbatch = 0;
	return err;
}

/* A cluster that is complete: queued for compression, or dropped if it
 * is all zeros (it reads as zeros unallocated). */
static int close_cluster(struct disk *d, struct open_cluster *o)
{
	struct qcow2 *q = d->priv;
	uint64_t vc = o->vc;
	uint8_t *data = o->data;

	drop_open(q, o);
	if (all_zero((char *)data, q->cs)) {
		free(data);
		return 0;
	}
	q->batch[q->nbatch].vc = vc;
	q->batch[q->nbatch].data = data;
	q->batch[q->nbatch].out = NULL;
	if (++q->nbatch == BATCH)
		return flush_batch(d);
	return 0;
}

/* The contents of virtual cluster VC, not open, into BUF: from the
 * batch, or from the file. */
static int read_closed(struct disk *d, uint64_t vc, uint8_t *buf)
{
	struct qcow2 *q = d->priv;
	uint64_t *e = slot(q, vc, 0), x = 62 - (q->cb - 8);
	size_t i;
	int err;

	/* Whatever reads the file flushes first. */
	if ((err = flush_writes(d)))
		return err;
	for (i = 0; i < q->nbatch; i++) {
		if (q->batch[i].vc == vc) {
			memcpy(buf, q->batch[i].data, q->cs);
			return 0;
		}
	}
	if (!e || !*e) {
		memset(buf, 0, q->cs);
		return 0;
	}
	if (!(*e & QCOW2_COMPRESSED))
		return pread_zero(d->fd, (char *)buf, q->cs, *e);
	{
		uint64_t off = *e & ((1ULL << x) - 1);
		uint64_t sectors = (*e & ~QCOW2_COMPRESSED) >> x;
		size_t len = (size_t)((sectors + 1) * 512 - (off & 511));
		uint8_t *in = malloc(len);
		z_stream z;

		if (!in)
			return ENOMEM;
		if ((err = pread_zero(d->fd, (char *)in, len, off))) {
			free(in);
			return err;
		}
		memset(&z, 0, sizeof(z));
		inflateInit2(&z, -12);
		z.next_in = in;
		z.avail_in = (uInt)len;
		z.next_out = buf;
		z.avail_out = (uInt)q->cs;
		inflate(&z, Z_FINISH);
		err = z.total_out == q->cs ? 0 : EIO;
		inflateEnd(&z);
		free(in);
		return err;
	}
}

/* The current contents of virtual cluster VC into BUF. */
static int read_cluster(struct disk *d, uint64_t vc, uint8_t *buf)
{
	struct qcow2 *q = d->priv;
	struct open_cluster *o = find_open(q, vc, 0);

	if (o) {
		memcpy(buf, o->data, q->cs);
		return 0;
	}
	return read_closed(d, vc, buf);
}

static int z_pwrite(struct disk *d, const char *p, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	int err;

	while (len) {
		uint64_t vc = off >> q->cb, in = off & (q->cs - 1), s;
		size_t n = len < q->cs - in ? len : (size_t)(q->cs - in);
		struct open_cluster *o = find_open(q, vc, 0);
		uint64_t *e = slot(q, vc, 0);

		if (!o) {
			int queued = 0;
			size_t i;

			for (i = 0; i < q->nbatch; i++)
				queued |= q->batch[i].vc == vc;
			/* Written again after it was complete: flush what is
			 * queued, then start over from its contents. */
			if ((queued || (e && *e)) && (err = flush_batch(d)))
				return err;
			if (!(o = find_open(q, vc, 1)))
				return ENOMEM;
			if ((queued || (e && *e))) {
				/* Not read_cluster(): it would find O, just
				 * opened, and copy its zeros onto themselves. */
				if ((err = read_closed(d, vc, o->data)))
					return err;
				memset(o->map, 0xff, q->cs / 512 / 8 + 1);
				o->covered = q->cs;
				*slot(q, vc, 1) =
					0; /* the old copy is garbage now */
			}
		}
		memcpy(o->data + in, p, n);
		/* Only whole sectors count: a sector written in two pieces
		 * must not close its cluster after the first. */
		for (s = (in + 511) / 512; s < (in + n) / 512; s++) {
			if (!(o->map[s / 8] & (1 << (s % 8)))) {
				o->map[s / 8] |= (uint8_t)(1 << (s % 8));
				o->covered += 512;
			}
		}
		if (o->covered >= q->cs && (err = close_cluster(d, o)))
			return err;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int q_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;

	return q->compress ? z_pwrite(d, buf, len, off) :
			     plain_pwrite(d, buf, len, off);
}

static int q_pread(struct disk *d, void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	uint8_t *tmp = q->compress ? malloc(q->cs) : NULL;
	char *p = buf;
	int err = flush_writes(d);

	if (q->compress && !tmp)
		return ENOMEM;
	while (len && !err) {
		uint64_t in = off & (q->cs - 1), host;
		size_t n = len < q->cs - in ? len : (size_t)(q->cs - in);

		if (q->compress) {
			if (!(err = read_cluster(d, off >> q->cb, tmp)))
				memcpy(p, tmp + in, n);
		} else if (!(err = lookup(q, off >> q->cb, 0, &host))) {
			if (host)
				err = pread_zero(d->fd, p, n, host + in);
			else
				memset(p, 0, n);
		}
		p += n;
		off += n;
		len -= n;
	}
	free(tmp);
	return err;
}

/* Compressed mode: queue every cluster still open, then flush. */
static int close_all(struct disk *d)
{
	struct qcow2 *q = d->priv;
	size_t k;
	int err = 0;

	/* In order of virtual cluster, so the file does not depend on the
	 * hash table's layout. */
	while (!err && q->nopen) {
		struct open_cluster *min = NULL;

		for (k = 0; k < q->capopen; k++)
			if (q->open[k].data &&
			    (!min || q->open[k].vc < min->vc))
				min = &q->open[k];
		err = close_cluster(d, min);
	}
	return err ? err : flush_batch(d);
}

/* Append the L2 tables, the L1 table and the refcounts; write the
 * header. */
static int q_finish(struct disk *d)
{
	struct qcow2 *q = d->priv;
	uint64_t per = q->cs / 8, vcs = (d->size + q->cs - 1) >> q->cb, i, k;
	uint64_t l1_off, l1_clusters, rb_off, rt_off, nblocks, tclusters;
	uint64_t *l2_off, end, used;
	struct qcow2_header h;
	uint8_t *buf;
	int err = 0;

	if (q->compress)
		err = close_all(d);
	if (d->opts.prealloc_metadata) /* every cluster mapped: holes in the file */
		for (i = 0; i < vcs && !err; i++)
			err = lookup(q, i, 1, &k);
	if (err)
		return err;
	l2_off = calloc(q->l1_size ? q->l1_size : 1, sizeof(*l2_off));
	buf = calloc(1, q->cs);
	if (!l2_off || !buf) {
		free(l2_off);
		free(buf);
		return ENOMEM;
	}
	for (i = 0; i < q->l1_size && !err; i++) {
		if (!q->l2[i])
			continue;
		if ((err = new_cluster(q, &l2_off[i])))
			break;
		for (k = 0; k < per; k++) {
			uint64_t e = q->l2[i][k];

			/* The copied flag is for plain clusters only. */
			put_be64(buf + 8 * k, !e ? 0 :
					      e & QCOW2_COMPRESSED ?
						   e :
						   qcow2_entry(e));
		}
		err = put(d, (char *)buf, q->cs, l2_off[i]);
	}
	l1_clusters = ((uint64_t)q->l1_size * 8 + q->cs - 1) / q->cs;
	if (!l1_clusters)
		l1_clusters = 1;
	l1_off = 0;
	for (i = 0; i < l1_clusters && !err; i++) {
		uint64_t at;

		if ((err = new_cluster(q, &at)))
			break;
		if (!i)
			l1_off = at;
		memset(buf, 0, q->cs);
		for (k = 0; k < per && i * per + k < q->l1_size; k++)
			if (l2_off[i * per + k])
				put_be64(buf + 8 * k,
					 qcow2_entry(l2_off[i * per + k]));
		err = put(d, (char *)buf, q->cs, at);
	}
	/* The refcounts, counting themselves. */
	used = (q->next + q->cs - 1) >> q->cb;
	qcow2_refcount_layout(used, q->cb, &nblocks, &tclusters);
	rb_off = used << q->cb;
	rt_off = rb_off + nblocks * q->cs;
	end = rt_off + tclusters * q->cs;
	if (!err)
		err = ref_range(q, rb_off, end - rb_off);
	for (i = 0; i < nblocks && !err; i++) {
		uint64_t first = i * (q->cs / 2), c;

		memset(buf, 0, q->cs);
		for (c = first; c < first + q->cs / 2 && c < (end >> q->cb);
		     c++) {
			buf[2 * (c - first)] = (uint8_t)(q->rc[c] >> 8);
			buf[2 * (c - first) + 1] = (uint8_t)q->rc[c];
		}
		err = put(d, (char *)buf, q->cs, rb_off + i * q->cs);
	}
	for (i = 0; i < tclusters && !err; i++) {
		memset(buf, 0, q->cs);
		for (k = 0; k < per && i * per + k < nblocks; k++)
			put_be64(buf + 8 * k, rb_off + (i * per + k) * q->cs);
		err = put(d, (char *)buf, q->cs, rt_off + i * q->cs);
	}
	if (!err) {
		memset(&h, 0, sizeof(h));
		h.cluster_bits = q->cb;
		h.size = d->size;
		h.l1_size = q->l1_size;
		h.l1_offset = l1_off;
		h.refcount_table_offset = rt_off;
		h.refcount_table_clusters = (uint32_t)tclusters;
		memset(buf, 0, q->cs);
		qcow2_encode_header(&h, buf);
		err = put(d, (char *)buf, q->cs, 0);
		if (!err)
			err = flush_writes(d);
	}
	if (!err && ftruncate(d->fd, (off_t)end))
		err = errno;
	free(l2_off);
	free(buf);
	return err;
}

static void q_close(struct disk *d)
{
	struct qcow2 *q = d->priv;
	uint32_t i;
	size_t k;

	if (!q)
		return;
	for (i = 0; i < q->l1_size; i++)
		free(q->l2[i]);
	for (k = 0; k < q->capopen; k++) {
		if (q->open[k].data) {
			free(q->open[k].data);
			free(q->open[k].map);
		}
	}
	for (k = 0; k < q->nbatch; k++) {
		free(q->batch[k].data);
		free(q->batch[k].out);
	}
	free(q->open);
	free(q->l2);
	free(q->rc);
	free(q->wbuf);
	free(q);
	d->priv = NULL;
}

/* ---- its options in image type files ---- */

int qcow2_cluster_bits(const char *text)
{
	uint64_t v;
	int bits;

	if (size_parse(text, &v))
		return -1;
	for (bits = 9; bits <= 21; bits++)
		if (v == 1ULL << bits)
			return bits;
	return -1;
}

static cfg_opt_t q_opts[] = { CFG_STR("cluster-size", "64KiB", CFGF_NONE),
			      CFG_STR("preallocation", "off", CFGF_NONE),
			      CFG_BOOL("compress", cfg_false, CFGF_NONE),
			      CFG_END() };

static int check_cluster(cfg_t *cfg, cfg_opt_t *opt)
{
	if (qcow2_cluster_bits(cfg_opt_getnstr(opt, 0)) < 0) {
		cfg_error(
			cfg,
			"cluster-size '%s' must be a power of two from 512 bytes to 2 MiB",
			cfg_opt_getnstr(opt, 0));
		return -1;
	}
	return 0;
}

static int check_prealloc(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (v && (!strcmp(v, "off") || !strcmp(v, "metadata")))
		return 0;
	cfg_error(cfg, "preallocation '%s' is not one of: off, metadata",
		  v ? v : "");
	return -1;
}

static const struct conf_check q_checks[] = {
	{ "cluster-size", check_cluster },
	{ "preallocation", check_prealloc },
	{ NULL, NULL },
};

/* OBJECT is the image_type; unset options take their defaults. */
static int q_parse(cfg_t *sec, const struct os_config *cfg, int line,
		   void *object)
{
	struct image_type *t = object;

	t->cluster_bits = (unsigned)qcow2_cluster_bits(
		cfg_size(sec, "cluster-size") ?
			cfg_getstr(sec, "cluster-size") :
			"64KiB");
	t->prealloc_metadata =
		cfg_size(sec, "preallocation") &&
		!strcmp(cfg_getstr(sec, "preallocation"), "metadata");
	t->compress = cfg_size(sec, "compress") &&
		      cfg_getbool(sec, "compress") == cfg_true;
	return 0;
}

const struct disk_format disk_format_qcow2 = {
	.conf = {
		.name = "qcow2",
		.opts = q_opts,
		.checks = q_checks,
		.parse = q_parse,
	},
	.open = q_open,
	.pwrite = q_pwrite,
	.pread = q_pread,
	.finish = q_finish,
	.close = q_close,
};
