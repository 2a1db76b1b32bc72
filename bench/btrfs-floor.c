/*
 * btrfs-floor: the least work any tool must do to put a tree's file data
 * into one image file on btrfs with reflinks, and nothing else.
 *
 *	btrfs-floor [-g] [-j] TREE IMAGE [IMAGE2]
 *
 * It walks TREE with names relative to open directories, and for each
 * regular file: fstatat, openat, FICLONERANGE of its whole 4 KiB blocks
 * into IMAGE at the next 4 KiB-aligned offset, pread of the last partial
 * block (which no reflink can share), close.  The partial blocks are
 * written in batches of up to 1 MiB where they are contiguous, as
 * mkhurdimg writes them.  No file system metadata, no links.
 * With IMAGE2, two threads share the work, the files dealt alternately,
 * each thread into its own image: what two cores could do at best (one
 * image would have them wait for its lock).  With -j, two threads share
 * the work into the one IMAGE, each taking its files' places from a
 * common counter: what the lock costs.  With -g, what mkhurdimg's
 * README promises is added: every entry's xattrs listed (flistxattr on
 * the open file or directory, listxattrat for the rest), each file's
 * fstat after its copy, to see it did not change, and the image's fsync
 * before it would be put in place.  The tree's file system must give
 * readdir's d_type (btrfs, ext4, XFS and tmpfs do).
 *
 * Its time against tar -cf's on the same btrfs is a lower bound for the
 * ratio goal 4 of issue 14 sets (at most 0.5): see bench/RESULTS.md.
 * Build: cc -O2 -pthread -o btrfs-floor btrfs-floor.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_listxattrat
#define SYS_listxattrat 465
#endif
#define BLOCK 4096L
#define BATCH (1L << 20)

static int checks;	 /* -g */
static off_t shared_pos; /* -j: the next free place in the one image */

struct floor {
	const char *tree, *image;
	int out, nth, of, shared;
	off_t pos;
	long files, clones, seen;
	char batch[BATCH];
	off_t batch_at;
	size_t batch_len;
};

static void die(const char *what, const char *name)
{
	fprintf(stderr, "btrfs-floor: %s: %s: %s\n", what, name,
		strerror(errno));
	exit(1);
}

static void flush(struct floor *t)
{
	if (t->batch_len && pwrite(t->out, t->batch, t->batch_len,
				   t->batch_at) != (ssize_t)t->batch_len)
		die("pwrite", t->image);
	t->batch_len = 0;
}

/* Append one partial block at AT, starting a new batch if it is not
 * contiguous with the current one. */
static void put_tail(struct floor *t, int fd, const char *name, off_t from,
		     size_t n, off_t at)
{
	if (at != t->batch_at + (off_t)t->batch_len ||
	    t->batch_len + BLOCK > BATCH) {
		flush(t);
		t->batch_at = at;
	}
	if (pread(fd, t->batch + t->batch_len, n, from) != (ssize_t)n)
		die("pread", name);
	memset(t->batch + t->batch_len + n, 0, BLOCK - n);
	t->batch_len += BLOCK;
}

/* -g: the names of FD's xattrs, as a tool keeping them must read. */
static void list_xattrs(int fd, const char *name)
{
	char names[4096];

	if (checks && flistxattr(fd, names, sizeof(names)) < 0 &&
	    errno != ERANGE)
		die("flistxattr", name);
}

/* The place of SIZE bytes in the image. */
static off_t place(struct floor *t, off_t size)
{
	off_t at, len = (size + BLOCK - 1) & ~(BLOCK - 1);

	if (!t->shared) {
		at = t->pos;
		t->pos += len;
		return at;
	}
	at = __atomic_fetch_add(&shared_pos, len, __ATOMIC_RELAXED);
	if (at + len > t->pos)
		t->pos = at + len;
	return at;
}

static void copy_file(struct floor *t, int dfd, const char *name,
		      const struct stat *st)
{
	off_t whole = st->st_size & ~(BLOCK - 1), tail = st->st_size - whole;
	off_t at = place(t, st->st_size);
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	struct stat after;

	if (fd < 0)
		die("openat", name);
	list_xattrs(fd, name);
	if (whole) {
		struct file_clone_range r = { .src_fd = fd,
					      .src_length = whole,
					      .dest_offset = at };

		if (ioctl(t->out, FICLONERANGE, &r))
			die("FICLONERANGE", name);
		t->clones++;
	}
	if (tail)
		put_tail(t, fd, name, whole, tail, at + whole);
	if (checks && (fstat(fd, &after) || after.st_size != st->st_size ||
		       after.st_mtim.tv_nsec != st->st_mtim.tv_nsec))
		die("changed", name);
	t->files++;
	close(fd);
}

/* Thread NTH of OF takes every OF-th regular file; all walk the
 * directories, and the first looks at them. */
static void walk(struct floor *t, int dfd, const char *path)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	struct stat st;

	if (!d)
		die("fdopendir", path);
	while ((errno = 0, e = readdir(d))) {
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type == DT_REG && t->seen++ % t->of != t->nth)
			continue;
		if ((e->d_type != DT_DIR || !t->nth) &&
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			die("fstatat", e->d_name);
		if (e->d_type == DT_DIR) {
			sub = openat(dfd, e->d_name,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub < 0)
				die("openat", e->d_name);
			if (!t->nth)
				list_xattrs(sub, e->d_name);
			walk(t, sub, e->d_name);
		} else if (e->d_type == DT_REG) {
			copy_file(t, dfd, e->d_name, &st);
		} else if (checks && !t->nth) {
			char names[4096];

			/* A symlink cannot be opened: relative to its
			 * directory (listxattrat, Linux 6.13). */
			if (syscall(SYS_listxattrat, dfd, e->d_name,
				    AT_SYMLINK_NOFOLLOW, names,
				    sizeof(names)) < 0 &&
			    errno != ERANGE)
				die("listxattrat", e->d_name);
		}
	}
	if (errno)
		die("readdir", path);
	closedir(d);
}

/* -g: on the disk before it is put in place, as mkhurdimg's output is
 * (the rename and the directory's fsync after it cost little). */
static int sync_image(int fd)
{
	return checks ? fsync(fd) : 0;
}

static int open_image(const char *image)
{
	int fd = open(image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("open", image);
	return fd;
}

static void *run(void *arg)
{
	struct floor *t = arg;
	int root = open(t->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		die("open", t->tree);
	if (!t->shared)
		t->out = open_image(t->image);
	walk(t, root, t->tree);
	flush(t);
	if (!t->shared &&
	    (ftruncate(t->out, t->pos) || sync_image(t->out) || close(t->out)))
		die("ftruncate", t->image);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: btrfs-floor [-g] [-j] TREE IMAGE [IMAGE2]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct floor t[2];
	pthread_t tid;
	int i, of, shared = 0, opt, out = -1;

	while ((opt = getopt(argc, argv, "gj")) != -1) {
		if (opt == 'g')
			checks = 1;
		else if (opt == 'j')
			shared = 1;
		else
			usage();
	}
	of = argc - optind - 1;
	if (of < 1 || of > 2 || (shared && of != 1))
		usage();
	if (shared) {
		out = open_image(argv[optind + 1]);
		of = 2;
	}
	for (i = 0; i < of; i++) {
		t[i].tree = argv[optind];
		t[i].image = argv[optind + 1 + (shared ? 0 : i)];
		t[i].nth = i;
		t[i].of = of;
		t[i].shared = shared;
		t[i].out = out;
	}
	if (of == 2 && pthread_create(&tid, NULL, run, &t[1]))
		die("pthread_create", "a second thread");
	run(&t[0]);
	if (of == 2)
		pthread_join(tid, NULL);
	if (shared &&
	    (ftruncate(out, shared_pos) || sync_image(out) || close(out)))
		die("ftruncate", argv[optind + 1]);
	for (i = 0; i < of; i++)
		fprintf(stderr, "%s: %ld files, %ld clones, up to %lld bytes\n",
			t[i].image, t[i].files, t[i].clones,
			(long long)t[i].pos);
	return 0;
}
