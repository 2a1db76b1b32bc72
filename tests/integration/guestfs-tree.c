/* guestfs-tree.c - compare a directory tree in a disk image with the host's,
 * through libguestfs: a real Linux kernel mounts the image read-only.
 *
 * Usage: guestfs-tree [--format raw|qcow2] [--owner UID:GID]
 *                     [--xattrs FILE] IMAGE SRCDIR [IMAGE_SUBDIR]
 *
 * Every entry under SRCDIR must be in the image under IMAGE_SUBDIR with
 * the same type, permission bits, mtime, size, symlink target, link count
 * and SHA-256 of its contents, owned by UID:GID (default 0:0); a sparse
 * host file must be sparse in the image too; the image may hold nothing
 * else there (but lost+found at the root).  --xattrs lists PATH<TAB>NAME
 * <TAB>VALUE lines (\0 for a NUL byte) that getxattr must return exactly.
 * Exit 0 when all match, 1 otherwise, 77 when libguestfs cannot start.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <gcrypt.h>
#include <guestfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static guestfs_h *g;
static const char *srcdir, *subdir = "/";
static long owner_uid, owner_gid;
static unsigned long checked, mismatches;

static void mismatch(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mismatch(const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	mismatches++;
}

static void image_path(const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", strcmp(subdir, "/") ? subdir : "",
		 *rel ? "/" : "", rel);
	if (!*out)
		snprintf(out, len, "/");
}

static int host_sha256(const char *path, char hex[65])
{
	unsigned char buf[65536];
	gcry_md_hd_t md;
	FILE *f = fopen(path, "rb");
	size_t n;
	int i;

	if (!f || gcry_md_open(&md, GCRY_MD_SHA256, 0))
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		gcry_md_write(md, buf, n);
	fclose(f);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", gcry_md_read(md, GCRY_MD_SHA256)[i]);
	gcry_md_close(md);
	return 0;
}

static void compare(const char *rel)
{
	char host[4096], img[4096];
	struct guestfs_statns *st;
	struct stat hs;

	snprintf(host, sizeof(host), "%s%s%s", srcdir, *rel ? "/" : "", rel);
	image_path(rel, img, sizeof(img));
	checked++;
	if (lstat(host, &hs)) {
		mismatch(img, "cannot lstat the host file %s", host);
		return;
	}
	st = guestfs_lstatns(g, img);
	if (!st) {
		mismatch(img, "missing from the image");
		return;
	}
	if ((st->st_mode & 0170000) != (hs.st_mode & S_IFMT))
		mismatch(img, "type %o != %o", (unsigned)(st->st_mode & 0170000),
			 (unsigned)(hs.st_mode & S_IFMT));
	if ((st->st_mode & 07777) != (hs.st_mode & 07777) && !S_ISLNK(hs.st_mode))
		mismatch(img, "mode %04o != %04o", (unsigned)(st->st_mode & 07777),
			 (unsigned)(hs.st_mode & 07777));
	if (st->st_uid != owner_uid || st->st_gid != owner_gid)
		mismatch(img, "owner %ld:%ld != %ld:%ld", (long)st->st_uid,
			 (long)st->st_gid, owner_uid, owner_gid);
	if (st->st_mtime_sec != hs.st_mtime)
		mismatch(img, "mtime %lld != %lld", (long long)st->st_mtime_sec,
			 (long long)hs.st_mtime);
	if (S_ISREG(hs.st_mode)) {
		char want[65], *got;

		if (st->st_size != hs.st_size)
			mismatch(img, "size %lld != %lld", (long long)st->st_size,
				 (long long)hs.st_size);
		if ((long)st->st_nlink != (long)hs.st_nlink)
			mismatch(img, "links %ld != %ld", (long)st->st_nlink,
				 (long)hs.st_nlink);
		if ((uint64_t)hs.st_blocks * 512 < (uint64_t)hs.st_size &&
		    (uint64_t)st->st_blocks * 512 >= (uint64_t)st->st_size)
			mismatch(img, "sparse on the host (%lld blocks), not in the image (%lld)",
				 (long long)hs.st_blocks, (long long)st->st_blocks);
		got = guestfs_checksum(g, "sha256", img);
		if (host_sha256(host, want) || !got || strcmp(got, want))
			mismatch(img, "contents differ (sha256 %s != %s)", got ? got : "?",
				 want);
		free(got);
	} else if (S_ISLNK(hs.st_mode)) {
		char target[4096], *got = guestfs_readlink(g, img);
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		target[n < 0 ? 0 : n] = '\0';
		if (!got || strcmp(got, target))
			mismatch(img, "symlink -> %s != %s", got ? got : "?", target);
		free(got);
	}
	guestfs_free_statns(st);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(const char *rel)
{
	char host[4096];
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	compare(rel);
	snprintf(host, sizeof(host), "%s%s%s", srcdir, *rel ? "/" : "", rel);
	d = opendir(host);
	if (!d)
		return;		/* not a directory */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		walk(sub);
		free(names[i]);
	}
	free(names);
}

/* Nothing in the image that the host tree does not have. */
static void extras(void)
{
	char top[4096], **all;
	size_t i;

	image_path("", top, sizeof(top));
	all = guestfs_find(g, top);
	for (i = 0; all && all[i]; i++) {
		char host[8192];
		struct stat hs;

		if (!strcmp(subdir, "/") && !strncmp(all[i], "lost+found", 10))
			goto next;
		snprintf(host, sizeof(host), "%s/%s", srcdir, all[i]);
		if (lstat(host, &hs))
			mismatch(all[i], "in the image, not in %s", srcdir);
next:
		free(all[i]);
	}
	free(all);
}

static void unescape(char *s, size_t *len)
{
	size_t i, o = 0;

	for (i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == '0') {
			s[o++] = '\0';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	*len = o;
}

static void xattrs(const char *file)
{
	char line[8192];
	FILE *f = fopen(file, "r");

	if (!f) {
		mismatch(file, "cannot read");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *path = strtok(line, "\t"), *name = strtok(NULL, "\t"),
		     *value = strtok(NULL, "\n"), *got;
		size_t len, glen;

		if (!path || !name || !value)
			continue;
		unescape(value, &len);
		got = guestfs_lgetxattr(g, path, name, &glen);
		checked++;
		if (!got || glen != len || memcmp(got, value, len))
			mismatch(path, "xattr %s: %zu bytes, not the %zu expected", name,
				 got ? glen : 0, len);
		free(got);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *format = "raw", *xattr_file = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--format"))
			format = argv[i + 1];
		else if (!strcmp(argv[i], "--owner"))
			sscanf(argv[i + 1], "%ld:%ld", &owner_uid, &owner_gid);
		else if (!strcmp(argv[i], "--xattrs"))
			xattr_file = argv[i + 1];
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: guestfs-tree [--format F] [--owner U:G] [--xattrs FILE] IMAGE SRCDIR [SUBDIR]\n");
		return 2;
	}
	srcdir = argv[i + 1];
	if (argc - i > 2)
		subdir = argv[i + 2];
	gcry_check_version(NULL);
	g = guestfs_create();
	if (!g || guestfs_add_drive_opts(g, argv[i], GUESTFS_ADD_DRIVE_OPTS_FORMAT, format,
					 GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1) ||
	    guestfs_launch(g)) {
		fprintf(stderr, "guestfs-tree: libguestfs cannot start (a kernel in /boot? LIBGUESTFS_BACKEND=direct?)\n");
		return 77;
	}
	if (guestfs_mount_options(g, "ro,user_xattr", "/dev/sda1", "/")) {
		fprintf(stderr, "guestfs-tree: the Linux kernel cannot mount /dev/sda1\n");
		return 1;
	}
	walk("");
	extras();
	if (xattr_file)
		xattrs(xattr_file);
	guestfs_shutdown(g);
	guestfs_close(g);
	printf("checked %lu entries, %lu mismatches\n", checked, mismatches);
	return mismatches ? 1 : 0;
}
