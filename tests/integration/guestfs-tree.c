/* guestfs-tree.c - judge a directory tree in a disk image against the host's,
 * through libguestfs: a real Linux kernel (in the libguestfs appliance)
 * mounts the image read-only, and nothing of mkhurdimg reads it.
 *
 * Copyright (C) 2026 the mkhurdimg authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: guestfs-tree [--format raw|qcow2] [--owner UID:GID|host]
 *                     [--xattrs FILE] [--ignore PATH]... [--no-layout]
 *                     [--partition N]
 *                     IMAGE SRCDIR [IMAGE_SUBDIR]
 *
 * The image is added read-only; /dev/sda1 (or partition N, which skips the
 * one-partition layout check) is mounted "ro,user_xattr" (the
 * Linux ext4 driver serves ext2).  Unless --no-layout, the disk must be an
 * MBR ("msdos") disk with exactly one partition, starting at 1 MiB, type
 * 0x83, active, holding ext2 that tune2fs -l (run in the appliance) reports
 * as OS type Hurd, revision 1, 4 KiB blocks, 128-byte inodes, clean, with
 * exactly the features ext_attr sparse_super large_file.
 *
 * Every entry under SRCDIR (lstat, not followed) must be in the image under
 * IMAGE_SUBDIR (default "/") with the same type, permission bits (with
 * setuid, setgid, sticky), mtime (seconds), size (regular files and
 * symlinks), symlink target, device number, SHA-256 of the contents, link
 * count (counted within SRCDIR) and hard-link grouping, owned by UID:GID
 * (default 0:0; "host" means the host file's owner).  A sparse host file must
 * be sparse in the image too.  The image may hold nothing else under
 * IMAGE_SUBDIR, except lost+found at the root of the file system and what
 * --ignore names.  --ignore PATH (repeatable; absolute in the image, or
 * relative to IMAGE_SUBDIR) skips PATH and everything below it entirely.
 *
 * --xattrs FILE holds lines PATH<TAB>NAME<TAB>VALUE, PATH absolute in the
 * image, VALUE with \0 for a NUL byte and \\ for a backslash; lgetxattr must
 * return exactly VALUE.  Blank lines and lines starting with # are skipped.
 *
 * Output: one line per mismatch, "PATH: WHAT IMAGE != SOURCE", then
 * "checked N entries, M mismatches".  Exit 0 when all match, 77 when
 * libguestfs cannot launch its appliance (no kernel, no supermin appliance,
 * no QEMU), 1 otherwise.  The caller chooses the backend, e.g.
 * LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <getopt.h>
#include <guestfs.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 512 /* names per lstatnslist/readlinklist call */

static guestfs_h *g;
static const char *srcdir;
static char *subdir; /* normalised: "/" or "/a/b" */
static bool owner_host;
static long long owner_uid, owner_gid;
static char **ignores; /* relative to subdir; "" = everything */
static size_t n_ignores;
static unsigned long checked, mismatches;

/* The image's entries under subdir (relative paths), sorted. */
static char **img_names;
static bool *img_seen;
static size_t n_img;

/* Image SHA-256 sums from checksums_out, by relative path, sorted. */
struct sum {
	char *rel;
	char hex[65];
};
static struct sum *sums;
static size_t n_sums;

/* Regular files: host inode against image inode, for hard-link groups. */
struct link {
	dev_t hdev;
	ino_t hino;
	int64_t iino;
	int64_t inlink;
	char *rel;
};
static struct link *links;
static size_t n_links, cap_links;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		perror("guestfs-tree");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		perror("guestfs-tree");
		exit(1);
	}
	return p;
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		perror("guestfs-tree");
		exit(1);
	}
	return s;
}

static void mismatch(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mismatch(const char *path, const char *fmt, ...)
{
	va_list ap;
	const unsigned char *c;

	/* control characters in names (a newline!) would break the one-line
	 * rule */
	for (c = (const unsigned char *)path; *c; c++)
		if (*c < 32 || *c == 127)
			printf("\\x%02x", *c);
		else
			putchar(*c);
	fputs(": ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	mismatches++;
}

/* "/" + rel, or subdir + "/" + rel; the caller frees. */
static char *img_path(const char *rel)
{
	if (!*rel)
		return xstrdup(subdir);
	return xasprintf("%s/%s", strcmp(subdir, "/") ? subdir : "", rel);
}

static char *host_path(const char *rel)
{
	return *rel ? xasprintf("%s/%s", srcdir, rel) : xstrdup(srcdir);
}

static char *join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

static bool ignored(const char *rel)
{
	size_t i, n;

	for (i = 0; i < n_ignores; i++) {
		n = strlen(ignores[i]);
		if (n == 0)
			return true;
		if (!strncmp(rel, ignores[i], n) &&
		    (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sum_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sum *)a)->rel,
		      ((const struct sum *)b)->rel);
}

static ssize_t img_index(const char *rel)
{
	char **p = n_img ? bsearch(&rel, img_names, n_img, sizeof(*img_names),
				   str_cmp) :
			   NULL;

	return p ? p - img_names : -1;
}

static const char *img_sum(const char *rel)
{
	struct sum key = { .rel = (char *)rel };
	struct sum *s =
		n_sums ? bsearch(&key, sums, n_sums, sizeof(*sums), sum_cmp) :
			 NULL;

	return s ? s->hex : NULL;
}

static int host_sha256(const char *path, char hex[65])
{
	static unsigned char buf[1 << 17];
	gcry_md_hd_t md;
	unsigned char *d;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW), i;

	if (fd < 0)
		return -1;
	if (gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		gcry_md_write(md, buf, n);
	close(fd);
	if (n < 0) {
		gcry_md_close(md);
		return -1;
	}
	d = gcry_md_read(md, GCRY_MD_SHA256);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	gcry_md_close(md);
	return 0;
}

/* Bytes of the host file in data extents, each widened to 4 KiB blocks (the
 * image's granule); -1 when unknown.  SEEK_DATA/SEEK_HOLE, not st_blocks: a
 * compressing host file system has few blocks and no holes. */
static int64_t host_data_bytes(const char *path, off_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	off_t pos = 0, data, hole;
	int64_t total = 0;

	if (fd < 0)
		return -1;
	while (pos < size) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0)
			break; /* ENXIO: only a hole is left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			close(fd);
			return -1;
		}
		total += ((hole + 4095) / 4096 - data / 4096) * 4096;
		pos = hole;
	}
	close(fd);
	return total;
}

static const char *type_name(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	default:
		return "unknown type";
	}
}

static void fmt_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(buf, len, "?");
}

/* Compare one entry present on both sides. */
static void compare(const char *rel, const struct stat *hs,
		    const struct guestfs_statns *st, const char *target)
{
	char *img = img_path(rel);
	unsigned imode = (unsigned)st->st_mode, hmode = (unsigned)hs->st_mode;
	long long want_uid = owner_host ? (long long)hs->st_uid : owner_uid;
	long long want_gid = owner_host ? (long long)hs->st_gid : owner_gid;

	checked++;
	if ((imode & S_IFMT) != (hmode & S_IFMT)) {
		mismatch(img, "type %s != %s", type_name(imode),
			 type_name(hmode));
		goto out;
	}
	if ((imode & 07777) != (hmode & 07777))
		mismatch(img, "mode %04o != %04o", imode & 07777,
			 hmode & 07777);
	if (st->st_uid != want_uid || st->st_gid != want_gid)
		mismatch(img, "owner %lld:%lld != %lld:%lld",
			 (long long)st->st_uid, (long long)st->st_gid, want_uid,
			 want_gid);
	if (st->st_mtime_sec != (int64_t)hs->st_mtime) {
		char a[32], b[32];

		fmt_time(st->st_mtime_sec, a, sizeof(a));
		fmt_time(hs->st_mtime, b, sizeof(b));
		mismatch(img, "mtime %lld (%s) != %lld (%s)",
			 (long long)st->st_mtime_sec, a,
			 (long long)hs->st_mtime, b);
	}
	if ((S_ISREG(hmode) || S_ISLNK(hmode)) &&
	    st->st_size != (int64_t)hs->st_size)
		mismatch(img, "size %lld != %lld", (long long)st->st_size,
			 (long long)hs->st_size);
	if (S_ISCHR(hmode) || S_ISBLK(hmode)) {
		/* statns carries the appliance's dev_t, which is glibc's
		 * encoding */
		unsigned long imaj = gnu_dev_major((dev_t)st->st_rdev),
			      imin = gnu_dev_minor((dev_t)st->st_rdev);

		if (imaj != major(hs->st_rdev) || imin != minor(hs->st_rdev))
			mismatch(img, "device %lu,%lu != %u,%u", imaj, imin,
				 major(hs->st_rdev), minor(hs->st_rdev));
	}
	if (S_ISLNK(hmode)) {
		char *host = host_path(rel), buf[8192];
		ssize_t n = readlink(host, buf, sizeof(buf) - 1);

		buf[n < 0 ? 0 : n] = '\0';
		if (n < 0)
			mismatch(img, "cannot readlink the host's %s: %s", host,
				 strerror(errno));
		else if (!target || strcmp(target, buf))
			mismatch(img, "symlink -> \"%s\" != \"%s\"",
				 target ? target : "?", buf);
		free(host);
	}
	if (S_ISREG(hmode)) {
		char *host = host_path(rel), want[65], *got_alloc = NULL;
		const char *got = img_sum(rel);

		if (n_links == cap_links) {
			cap_links = cap_links ? 2 * cap_links : 256;
			links = xrealloc(links, cap_links * sizeof(*links));
		}
		links[n_links++] = (struct link){ hs->st_dev, hs->st_ino,
						  st->st_ino, st->st_nlink,
						  xstrdup(rel) };
		/* Holes in the host file must stay holes in the image: the
		 * image may allocate the host's data blocks (4 KiB granules),
		 * its indirect blocks and an xattr block, no more. */
		{
			int64_t data = host_data_bytes(host, hs->st_size);
			uint64_t nblk = ((uint64_t)hs->st_size + 4095) / 4096;
			uint64_t bound =
				(uint64_t)data +
				4096 * ((nblk + 1023) / 1024 +
					(nblk + 1048575) / 1048576 + 4);

			if (data >= 0 && (uint64_t)data < nblk * 4096 &&
			    (uint64_t)st->st_blocks * 512 > bound)
				mismatch(img,
					 "holes not kept: %lld bytes allocated "
					 "> %llu "
					 "(%lld bytes of data in the source)",
					 (long long)st->st_blocks * 512,
					 (unsigned long long)bound,
					 (long long)data);
		}
		if (!got) { /* name escaped by sha256sum, or not listed */
			got_alloc = guestfs_checksum(g, "sha256", img);
			got = got_alloc;
		}
		if (host_sha256(host, want))
			mismatch(img, "cannot read the host's %s: %s", host,
				 strerror(errno));
		else if (!got)
			mismatch(img, "contents unreadable in the image: %s",
				 guestfs_last_error(g));
		else if (strcmp(got, want))
			mismatch(img,
				 "contents differ: sha256 %.16s... != %.16s...",
				 got, want);
		free(got_alloc);
		free(host);
	}
out:
	free(img);
}

/* Walk the host directory rel (already compared itself). */
static void walk(const char *rel)
{
	char *host = host_path(rel), *dimg = img_path(rel);
	struct dirent *de;
	char **names = NULL;
	struct stat *hst;
	size_t n = 0, i, j;
	DIR *d = opendir(host);

	if (!d) {
		mismatch(dimg, "cannot read the host directory %s: %s", host,
			 strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), str_cmp);
	hst = xrealloc(NULL, n * sizeof(*hst));

	/* The names present in the image, in chunks, each with one lstatnslist
	 * and one readlinklist round trip. */
	for (i = 0; i < n;) {
		char *batch[CHUNK + 1], *brel[CHUNK];
		size_t bidx[CHUNK], nb = 0, nlnk = 0;
		struct guestfs_statns_list *sl;
		char **targets = NULL;

		for (; i < n && nb < CHUNK; i++) {
			char *sub = join(rel, names[i]), *hp = host_path(sub);
			ssize_t k;

			if (ignored(sub)) {
				free(hp);
				free(sub);
				continue;
			}
			if (lstat(hp, &hst[i])) {
				mismatch(sub, "cannot lstat the host's %s: %s",
					 hp, strerror(errno));
				free(hp);
				free(sub);
				continue;
			}
			free(hp);
			k = img_index(sub);
			if (k < 0) {
				char *ip = img_path(sub);

				checked++;
				mismatch(
					ip,
					"missing from the image (%s in the source)",
					type_name(hst[i].st_mode));
				free(ip);
				free(sub);
				continue;
			}
			img_seen[k] = true;
			brel[nb] = sub;
			bidx[nb] = i;
			batch[nb++] = names[i];
			if (S_ISLNK(hst[i].st_mode))
				nlnk++;
		}
		if (!nb)
			continue;
		batch[nb] = NULL;
		sl = guestfs_lstatnslist(g, dimg, batch);
		if (nlnk)
			targets = guestfs_readlinklist(g, dimg, batch);
		for (j = 0; j < nb; j++) {
			const struct stat *hs = &hst[bidx[j]];

			if (!sl || sl->len != nb || sl->val[j].st_ino == -1) {
				char *ip = img_path(brel[j]);

				checked++;
				mismatch(ip, "cannot lstat in the image: %s",
					 sl ? "lstat failed" :
					      guestfs_last_error(g));
				free(ip);
			} else {
				compare(brel[j], hs, &sl->val[j],
					targets && targets[j] && *targets[j] ?
						targets[j] :
						NULL);
				if (S_ISDIR(hs->st_mode) &&
				    S_ISDIR(sl->val[j].st_mode))
					walk(brel[j]);
			}
		}
		if (sl)
			guestfs_free_statns_list(sl);
		for (j = 0; targets && targets[j]; j++)
			free(targets[j]);
		free(targets);
		for (j = 0; j < nb; j++)
			free(brel[j]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(hst);
out:
	free(host);
	free(dimg);
}

static int link_host_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->hdev != y->hdev)
		return x->hdev < y->hdev ? -1 : 1;
	if (x->hino != y->hino)
		return x->hino < y->hino ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static int link_img_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->iino != y->iino)
		return x->iino < y->iino ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Hard links: host links within SRCDIR <=> image links, and link counts. */
static void check_links(void)
{
	size_t i, j, k;

	if (n_links)
		qsort(links, n_links, sizeof(*links), link_host_cmp);
	for (i = 0; i < n_links; i = j) {
		for (j = i + 1; j < n_links && links[j].hdev == links[i].hdev &&
				links[j].hino == links[i].hino;
		     j++)
			;
		for (k = i + 1; k < j; k++)
			if (links[k].iino != links[i].iino) {
				char *p = img_path(links[k].rel),
				     *q = img_path(links[i].rel);

				mismatch(
					p,
					"not a hard link to %s, as in the source",
					q);
				free(p);
				free(q);
			}
	}
	if (n_links)
		qsort(links, n_links, sizeof(*links), link_img_cmp);
	for (i = 0; i < n_links; i = j) {
		for (j = i + 1; j < n_links && links[j].iino == links[i].iino;
		     j++)
			;
		for (k = i + 1; k < j; k++)
			if (links[k].hdev != links[i].hdev ||
			    links[k].hino != links[i].hino) {
				char *p = img_path(links[k].rel),
				     *q = img_path(links[i].rel);

				mismatch(p,
					 "a hard link to %s in the image, not "
					 "in the source",
					 q);
				free(p);
				free(q);
			}
	}
	for (i = 0; i < n_links; i++)
		free(links[i].rel);
	free(links);
}

/* Link counts of regular files: the expected count is the number of names the
 * host inode has within SRCDIR (a link out of SRCDIR cannot be in the image).
 */
static void check_nlinks(void)
{
	size_t i, j, k;

	if (n_links)
		qsort(links, n_links, sizeof(*links), link_host_cmp);
	for (i = 0; i < n_links; i = j) {
		for (j = i + 1; j < n_links && links[j].hdev == links[i].hdev &&
				links[j].hino == links[i].hino;
		     j++)
			;
		for (k = i; k < j; k++)
			if (links[k].inlink != (int64_t)(j - i)) {
				char *p = img_path(links[k].rel);

				mismatch(p, "links %lld != %zu",
					 (long long)links[k].inlink, j - i);
				free(p);
			}
	}
}

static void find_extras(void)
{
	size_t i;

	for (i = 0; i < n_img; i++) {
		const char *rel = img_names[i], *slash;
		ssize_t parent;
		char *ip;

		if (img_seen[i] || ignored(rel))
			continue;
		if (!strcmp(subdir, "/") && (!strcmp(rel, "lost+found") ||
					     !strncmp(rel, "lost+found/", 11)))
			continue;
		/* Report only the topmost extra entry of a subtree. */
		slash = strrchr(rel, '/');
		if (slash) {
			char *p = strndup(rel, slash - rel);

			parent = img_index(p);
			free(p);
			if (parent >= 0 && !img_seen[parent])
				continue;
		}
		ip = img_path(rel);
		mismatch(ip, "in the image, not in the source");
		free(ip);
	}
}

/* Read a NUL-separated list written by find0. */
static void load_image_names(const char *top)
{
	char tmpl[] = "/tmp/guestfs-tree-find.XXXXXX", *buf = NULL, *p;
	size_t cap = 0, len = 0, i, start;
	int fd = mkstemp(tmpl);
	ssize_t r;

	if (fd < 0 || guestfs_find0(g, top, tmpl)) {
		fprintf(stderr,
			"guestfs-tree: cannot list %s in the image: %s\n", top,
			fd < 0 ? strerror(errno) : guestfs_last_error(g));
		if (fd >= 0) {
			close(fd);
			unlink(tmpl);
		}
		return;
	}
	for (;;) {
		if (len + 65536 > cap)
			buf = xrealloc(buf, cap = 2 * cap + 65536);
		r = read(fd, buf + len, cap - len);
		if (r <= 0)
			break;
		len += r;
	}
	close(fd);
	unlink(tmpl);
	for (i = start = 0; i < len; i++) {
		if (buf[i])
			continue;
		/* find0 prints paths relative to top: "a/b" for "/", "/a/b" for
		 * a sub-directory; strip any "./" or "/" */
		p = buf + start;
		start = i + 1;
		while (*p == '/' || (p[0] == '.' && p[1] == '/'))
			p += *p == '/' ? 1 : 2;
		if (!*p)
			continue;
		img_names =
			xrealloc(img_names, (n_img + 1) * sizeof(*img_names));
		img_names[n_img++] = xstrdup(p);
	}
	free(buf);
	if (n_img)
		qsort(img_names, n_img, sizeof(*img_names), str_cmp);
	img_seen = xrealloc(NULL, n_img * sizeof(*img_seen));
	memset(img_seen, 0, n_img * sizeof(*img_seen));
}

/* The image's SHA-256 sums, one checksums_out for the whole tree. */
static void load_image_sums(const char *top)
{
	char tmpl[] = "/tmp/guestfs-tree-sums.XXXXXX", *line = NULL, *p;
	size_t cap = 0;
	ssize_t n;
	int fd = mkstemp(tmpl);
	FILE *f;

	if (fd < 0)
		return;
	if (guestfs_checksums_out(g, "sha256", top, tmpl) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		unlink(tmpl);
		return; /* each file falls back to guestfs_checksum */
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		/* "HEX  ./path"; a line starting with a backslash has an
		 * escaped name: leave that one to the per-file fallback. */
		if (n < 68 || line[0] == '\\' || line[64] != ' ' ||
		    line[65] != ' ')
			continue;
		sums = xrealloc(sums, (n_sums + 1) * sizeof(*sums));
		memcpy(sums[n_sums].hex, line, 64);
		sums[n_sums].hex[64] = '\0';
		p = line + 66;
		while (*p == '/' || (p[0] == '.' && p[1] == '/'))
			p += *p == '/' ? 1 : 2;
		sums[n_sums].rel = xstrdup(p);
		n_sums++;
	}
	free(line);
	fclose(f);
	unlink(tmpl);
	if (n_sums)
		qsort(sums, n_sums, sizeof(*sums), sum_cmp);
}

static void print_escaped(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			fputs("\\0", f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c < 32 || c == 127)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	if (len > 200)
		fputs("...", f);
}

static void unescape(char *s, size_t *len)
{
	size_t i, o = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == '0') {
			s[o++] = '\0';
			i++;
		} else if (s[i] == '\\' && s[i + 1] == '\\') {
			s[o++] = '\\';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	*len = o;
}

static void check_xattrs(const char *file)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f = fopen(file, "r");

	if (!f) {
		mismatch(file, "cannot read: %s", strerror(errno));
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		char *path, *name, *value, *got, *t1, *t2;
		size_t len, glen;

		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!*line || *line == '#')
			continue;
		t1 = strchr(line, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			mismatch(file,
				 "line %zu is not PATH<TAB>NAME<TAB>VALUE",
				 lineno);
			continue;
		}
		*t1 = *t2 = '\0';
		path = line;
		name = t1 + 1;
		value = t2 + 1;
		unescape(value, &len);
		checked++;
		got = guestfs_lgetxattr(g, path, name, &glen);
		if (!got) {
			printf("%s: xattr %s absent (%s) != \"", path, name,
			       guestfs_last_error(g));
			print_escaped(stdout, value, len);
			printf("\"\n");
			mismatches++;
			continue;
		}
		if (glen != len || memcmp(got, value, len)) {
			printf("%s: xattr %s \"", path, name);
			print_escaped(stdout, got, glen);
			printf("\" != \"");
			print_escaped(stdout, value, len);
			printf("\"\n");
			mismatches++;
		}
		free(got);
	}
	free(line);
	fclose(f);
}

/* The disk layout and the superblock, as the appliance's tools see them. */
static void check_layout(void)
{
	struct guestfs_partition_list *pl;
	char *pt, *vfs, **kv;
	size_t i;

	checked++;
	pt = guestfs_part_get_parttype(g, "/dev/sda");
	if (!pt || strcmp(pt, "msdos"))
		mismatch("/dev/sda", "partition table %s != msdos",
			 pt ? pt : "none");
	free(pt);
	pl = guestfs_part_list(g, "/dev/sda");
	if (!pl || pl->len != 1) {
		mismatch("/dev/sda", "%u partitions != 1", pl ? pl->len : 0);
	} else {
		if (pl->val[0].part_num != 1 ||
		    pl->val[0].part_start != 1048576)
			mismatch(
				"/dev/sda1",
				"partition %d starts at byte %lld != 1 at 1048576",
				pl->val[0].part_num,
				(long long)pl->val[0].part_start);
		if (guestfs_part_get_mbr_id(g, "/dev/sda", 1) != 0x83)
			mismatch("/dev/sda1", "MBR type 0x%02x != 0x83",
				 guestfs_part_get_mbr_id(g, "/dev/sda", 1));
		if (guestfs_part_get_bootable(g, "/dev/sda", 1) != 1)
			mismatch("/dev/sda1", "not marked active (bootable)");
	}
	if (pl)
		guestfs_free_partition_list(pl);
	vfs = guestfs_vfs_type(g, "/dev/sda1");
	if (!vfs || strcmp(vfs, "ext2"))
		mismatch("/dev/sda1", "file system %s != ext2",
			 vfs ? vfs : "unknown");
	free(vfs);
	kv = guestfs_tune2fs_l(g, "/dev/sda1");
	if (!kv) {
		mismatch("/dev/sda1", "tune2fs -l fails: %s",
			 guestfs_last_error(g));
		return;
	}
	{
		static const char *const want[][2] = {
			{ "Filesystem OS type", "Hurd" },
			{ "Filesystem revision #", "1 (dynamic)" },
			{ "Block size", "4096" },
			{ "Inode size", "128" },
			{ "Filesystem state", "clean" },
			{ "Filesystem features",
			  "ext_attr sparse_super large_file" },
		};
		size_t w;

		for (w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			const char *got = NULL;

			for (i = 0; kv[i] && kv[i + 1]; i += 2)
				if (!strcmp(kv[i], want[w][0]))
					got = kv[i + 1];
			if (w == 5 && got) {
				/* compare the feature sets, not their order */
				char *a = xstrdup(got), *tok, *save = NULL;
				size_t count = 0;
				bool bad = false;

				for (tok = strtok_r(a, " ", &save); tok;
				     tok = strtok_r(NULL, " ", &save)) {
					count++;
					if (strcmp(tok, "ext_attr") &&
					    strcmp(tok, "sparse_super") &&
					    strcmp(tok, "large_file"))
						bad = true;
				}
				free(a);
				if (bad || count != 3)
					mismatch("/dev/sda1",
						 "features \"%s\" != \"%s\"",
						 got, want[w][1]);
			} else if (!got || strcmp(got, want[w][1])) {
				mismatch("/dev/sda1", "%s \"%s\" != \"%s\"",
					 want[w][0], got ? got : "(absent)",
					 want[w][1]);
			}
		}
	}
	for (i = 0; kv[i]; i++)
		free(kv[i]);
	free(kv);
}

static bool launch_error_is_environment(const char *err)
{
	static const char *const env_words[] = {
		"supermin", "appliance",
		"kernel",   "qemu",
		"QEMU",	    "kvm",
		"KVM",	    "libvirt",
		"passt",    "child process died",
		"/dev/kvm", "cannot find",
	};
	size_t i;

	if (!err)
		return true;
	/* qemu naming our drive means the image itself is the problem */
	if (strstr(err, "Could not open") || strstr(err, "Image is not in"))
		return false;
	for (i = 0; i < sizeof(env_words) / sizeof(env_words[0]); i++)
		if (strstr(err, env_words[i]))
			return true;
	return false;
}

/* Create the handle, add IMAGE read-only and launch: 0 when up, 77 when the
 * appliance cannot start, 1 when the image is the problem. */
static int start(const char *image, const char *format, bool tcg)
{
	struct timespec t0, t1;
	const char *err;

	if (g)
		guestfs_close(g);
	g = guestfs_create();
	if (!g) {
		fprintf(stderr,
			"guestfs-tree: SKIP: cannot create a libguestfs handle\n");
		return 77;
	}
	guestfs_set_error_handler(g, NULL,
				  NULL); /* we print errors ourselves */
	if (tcg) {
		char *const settings[] = { (char *)"force_tcg", NULL };

		guestfs_set_backend_settings(g, settings);
	}
	if (guestfs_add_drive_opts(g, image, GUESTFS_ADD_DRIVE_OPTS_FORMAT,
				   format, GUESTFS_ADD_DRIVE_OPTS_READONLY, 1,
				   -1)) {
		fprintf(stderr, "guestfs-tree: cannot add %s: %s\n", image,
			guestfs_last_error(g));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (guestfs_launch(g)) {
		err = guestfs_last_error(g);
		if (launch_error_is_environment(err)) {
			fprintf(stderr,
				"guestfs-tree: libguestfs cannot launch its "
				"appliance%s: %s\n",
				tcg ? " with force_tcg" : "",
				err ? err : "unknown error");
			return 77;
		}
		fprintf(stderr, "guestfs-tree: libguestfs cannot open %s: %s\n",
			image, err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "guestfs-tree: appliance launched in %.1f s%s\n",
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		tcg ? " (force_tcg)" : "");
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: guestfs-tree [--format raw|qcow2] [--owner UID:GID|host] "
	      "[--xattrs FILE]\n"
	      "                    [--ignore PATH]... [--no-layout] "
	      "[--partition N] IMAGE SRCDIR [IMAGE_SUBDIR]\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "owner", required_argument, NULL, 'o' },
		{ "xattrs", required_argument, NULL, 'x' },
		{ "ignore", required_argument, NULL, 'i' },
		{ "no-layout", no_argument, NULL, 'L' },
		{ "partition", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "raw", *xattr_file = NULL, *image;
	char dev[16] = "/dev/sda1";
	const char **ign_args = NULL;
	size_t n_ign_args = 0, i;
	bool layout = true;
	struct guestfs_statns *rst;
	struct stat hs;
	char *tmp;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "host")) {
				owner_host = true;
			} else if (sscanf(optarg, "%lld:%lld", &owner_uid,
					  &owner_gid) != 2) {
				fprintf(stderr, "guestfs-tree: --owner wants "
						"UID:GID or host\n");
				return 1;
			}
			break;
		case 'x':
			xattr_file = optarg;
			break;
		case 'i':
			ign_args = xrealloc(
				ign_args, (n_ign_args + 1) * sizeof(*ign_args));
			ign_args[n_ign_args++] = optarg;
			break;
		case 'L':
			layout = false;
			break;
		case 'p':
			if (atoi(optarg) < 1 || atoi(optarg) > 4) {
				fprintf(stderr,
					"guestfs-tree: --partition wants 1 to 4\n");
				return 1;
			}
			snprintf(dev, sizeof(dev), "/dev/sda%d", atoi(optarg));
			layout = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		usage(stderr);
		return 1;
	}
	image = argv[optind];
	srcdir = argv[optind + 1];
	subdir = xstrdup(argc - optind > 2 ? argv[optind + 2] : "/");
	if (*subdir != '/') {
		fprintf(stderr,
			"guestfs-tree: IMAGE_SUBDIR must be absolute\n");
		return 1;
	}
	for (i = strlen(subdir); i > 1 && subdir[i - 1] == '/'; i--)
		subdir[i - 1] = '\0';
	for (i = 0; i < n_ign_args; i++) {
		const char *p = ign_args[i];
		size_t sl = strlen(subdir), l;

		if (*p == '/') {
			if (!strcmp(subdir, "/"))
				p++;
			else if (!strncmp(p, subdir, sl) &&
				 (p[sl] == '/' || !p[sl]))
				p += sl + (p[sl] == '/');
			else
				continue; /* outside IMAGE_SUBDIR: nothing to
					     skip */
		}
		tmp = xstrdup(p);
		for (l = strlen(tmp); l > 0 && tmp[l - 1] == '/'; l--)
			tmp[l - 1] = '\0';
		ignores = xrealloc(ignores, (n_ignores + 1) * sizeof(*ignores));
		ignores[n_ignores++] = tmp;
	}
	free(ign_args);
	if (access(image, R_OK)) {
		fprintf(stderr, "guestfs-tree: %s: %s\n", image,
			strerror(errno));
		return 1;
	}
	if (lstat(srcdir, &hs) || !S_ISDIR(hs.st_mode)) {
		fprintf(stderr, "guestfs-tree: %s is not a directory\n",
			srcdir);
		return 1;
	}
	if (!gcry_check_version(NULL)) {
		fprintf(stderr,
			"guestfs-tree: libgcrypt does not initialise\n");
		return 1;
	}
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);

	switch (start(image, format, false)) {
	case 0:
		break;
	case 77:
		/* KVM may be there but broken: once more with TCG, unless the
		 * caller asked for it already. */
		if (!getenv("LIBGUESTFS_BACKEND_SETTINGS") ||
		    !strstr(getenv("LIBGUESTFS_BACKEND_SETTINGS"),
			    "force_tcg")) {
			fprintf(stderr,
				"guestfs-tree: trying again with force_tcg\n");
			if (start(image, format, true) == 0)
				break;
		}
		fprintf(stderr,
			"guestfs-tree: SKIP: no usable libguestfs appliance here "
			"(a kernel in /boot, supermin, QEMU?)\n");
		return 77;
	default:
		return 1;
	}
	printf("guestfs-tree: %s:%s against %s (mismatches read IMAGE != "
	       "SOURCE)\n",
	       image, subdir, srcdir);
	if (layout)
		check_layout();
	/* ext2 through the ext4 driver; fall back to naming a type, then to no
	 * options at all (user_xattr is the ext4 default anyway). */
	if (guestfs_mount_options(g, "ro,user_xattr", dev, "/") &&
	    guestfs_mount_vfs(g, "ro,user_xattr", "ext2", dev, "/") &&
	    guestfs_mount_vfs(g, "ro,user_xattr", "ext4", dev, "/") &&
	    guestfs_mount_ro(g, dev, "/")) {
		printf("%s: the Linux kernel cannot mount it: %s\n", dev,
		       guestfs_last_error(g));
		printf("checked %lu entries, %lu mismatches\n", checked,
		       mismatches + 1);
		guestfs_close(g);
		return 1;
	}

	rst = guestfs_lstatns(g, subdir);
	if (!rst) {
		checked++;
		mismatch(subdir, "missing from the image");
	} else {
		load_image_names(subdir);
		load_image_sums(subdir);
		if (!ignored("")) {
			compare("", &hs, rst, NULL);
			if (S_ISDIR(rst->st_mode))
				walk("");
		}
		guestfs_free_statns(rst);
		check_nlinks();
		check_links();
		find_extras();
	}
	if (xattr_file)
		check_xattrs(xattr_file);
	guestfs_shutdown(g);
	guestfs_close(g);
	printf("checked %lu entries, %lu mismatches\n", checked, mismatches);
	return mismatches ? 1 : 0;
}
