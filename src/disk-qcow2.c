/* disk-qcow2.c - the qcow2 container, written directly in one pass
 *
 * QEMU's docs/interop/qcow2.txt, version 3.  Data clusters are allocated
 * in the host file in the order they are first written (cluster 0 is the
 * header), so the file grows sequentially; a cluster never written (or
 * written only with zeros) stays unallocated and reads as zeros.  The L2
 * tables, the L1 table and the refcounts are appended once, at the end,
 * and the header goes last.  No temporary raw image, no conversion.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "qcow2.h"

#define DEFAULT_CLUSTER_BITS 16		/* 64 KiB, QEMU's default */

struct qcow2 {
	unsigned cb;			/* cluster bits */
	uint64_t cs;			/* cluster size */
	uint32_t l1_size;
	uint64_t **l2;			/* [l1 index] -> host offsets, lazily */
	uint64_t next;			/* next free host offset */
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
	put_be32(b + 96, 4);			/* refcount_order: 16 bits */
	put_be32(b + 100, QCOW2_HEADER_LENGTH);
	/* b + 104: header extension type 0, the end (already zero). */
}

uint64_t qcow2_entry(uint64_t host_offset)
{
	return host_offset | QCOW2_COPIED;
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

static int q_open(struct disk *d)
{
	struct qcow2 *q = calloc(1, sizeof(*q));

	if (!q)
		return ENOMEM;
	q->cb = d->opts.cluster_bits ? d->opts.cluster_bits : DEFAULT_CLUSTER_BITS;
	if (q->cb < 9 || q->cb > 21) {
		free(q);
		return EINVAL;
	}
	q->cs = 1ULL << q->cb;
	q->l1_size = qcow2_l1_size(d->size, q->cb);
	q->l2 = calloc(q->l1_size ? q->l1_size : 1, sizeof(*q->l2));
	if (!q->l2) {
		free(q);
		return ENOMEM;
	}
	q->next = q->cs;	/* cluster 0: the header, written last */
	d->priv = q;
	return 0;
}

/* The host offset of virtual cluster VC, 0 if unallocated; with ALLOC,
 * allocate it at the end of the file. */
static int lookup(struct qcow2 *q, uint64_t vc, int alloc, uint64_t *host)
{
	uint64_t per = q->cs / 8, i = vc / per;

	*host = 0;
	if (!q->l2[i]) {
		if (!alloc)
			return 0;
		q->l2[i] = calloc(per, sizeof(uint64_t));
		if (!q->l2[i])
			return ENOMEM;
	}
	if (!q->l2[i][vc % per] && alloc) {
		q->l2[i][vc % per] = q->next;
		q->next += q->cs;
	}
	*host = q->l2[i][vc % per];
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

static int pwrite_all(int fd, const char *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int q_pwrite(struct disk *d, const void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	const char *p = buf;
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
			size_t more = len - run < q->cs ? len - run : (size_t)q->cs;

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
		if ((err = pwrite_all(d->fd, p, n, host + in)))
			return err;
next:
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int q_pread(struct disk *d, void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = d->priv;
	char *p = buf;
	int err;

	while (len) {
		uint64_t in = off & (q->cs - 1), host;
		size_t n = len < q->cs - in ? len : (size_t)(q->cs - in);

		if ((err = lookup(q, off >> q->cb, 0, &host)))
			return err;
		if (!host) {
			memset(p, 0, n);
		} else {
			size_t got = 0;

			while (got < n) {
				ssize_t r = pread(d->fd, p + got, n - got,
						  (off_t)(host + in + got));

				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0)
					return errno;
				if (r == 0) {	/* a hole at the end of the file */
					memset(p + got, 0, n - got);
					break;
				}
				got += (size_t)r;
			}
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Append the L2 tables, the L1 table and the refcounts; write the
 * header. */
static int q_finish(struct disk *d)
{
	struct qcow2 *q = d->priv;
	uint64_t per = q->cs / 8, vcs = (d->size + q->cs - 1) >> q->cb, i, k;
	uint64_t nl2 = 0, l1_off, l1_clusters, rb_off, rt_off, nblocks, tclusters;
	uint64_t *l2_off, end;
	struct qcow2_header h;
	uint8_t *buf;
	int err = 0;

	if (d->opts.prealloc_metadata)	/* every cluster mapped: holes in the file */
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
		l2_off[i] = q->next;
		q->next += q->cs;
		nl2++;
		for (k = 0; k < per; k++)
			put_be64(buf + 8 * k, q->l2[i][k] ? qcow2_entry(q->l2[i][k]) : 0);
		err = pwrite_all(d->fd, (char *)buf, q->cs, l2_off[i]);
	}
	l1_off = q->next;
	l1_clusters = ((uint64_t)q->l1_size * 8 + q->cs - 1) / q->cs;
	if (!l1_clusters)
		l1_clusters = 1;
	for (i = 0; i < l1_clusters && !err; i++) {
		memset(buf, 0, q->cs);
		for (k = 0; k < per && i * per + k < q->l1_size; k++)
			if (l2_off[i * per + k])
				put_be64(buf + 8 * k, qcow2_entry(l2_off[i * per + k]));
		err = pwrite_all(d->fd, (char *)buf, q->cs, l1_off + i * q->cs);
	}
	q->next = l1_off + l1_clusters * q->cs;
	/* Every cluster up to here is in use exactly once. */
	qcow2_refcount_layout(q->next >> q->cb, q->cb, &nblocks, &tclusters);
	rb_off = q->next;
	rt_off = rb_off + nblocks * q->cs;
	end = rt_off + tclusters * q->cs;
	for (i = 0; i < nblocks && !err; i++) {
		uint64_t first = i * (q->cs / 2), c;

		memset(buf, 0, q->cs);
		for (c = first; c < first + q->cs / 2 && c < (end >> q->cb); c++) {
			buf[2 * (c - first)] = 0;
			buf[2 * (c - first) + 1] = 1;
		}
		err = pwrite_all(d->fd, (char *)buf, q->cs, rb_off + i * q->cs);
	}
	for (i = 0; i < tclusters && !err; i++) {
		memset(buf, 0, q->cs);
		for (k = 0; k < per && i * per + k < nblocks; k++)
			put_be64(buf + 8 * k, rb_off + (i * per + k) * q->cs);
		err = pwrite_all(d->fd, (char *)buf, q->cs, rt_off + i * q->cs);
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
		err = pwrite_all(d->fd, (char *)buf, q->cs, 0);
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

	if (!q)
		return;
	for (i = 0; i < q->l1_size; i++)
		free(q->l2[i]);
	free(q->l2);
	free(q);
	d->priv = NULL;
}

const struct disk_format disk_format_qcow2 = {
	.name = "qcow2",
	.open = q_open,
	.pwrite = q_pwrite,
	.pread = q_pread,
	.finish = q_finish,
	.close = q_close,
};
