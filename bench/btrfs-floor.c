/*
 * btrfs-floor: the least work any tool must do to put a tree's file data
 * into one image file on btrfs with reflinks, and nothing else.
 *
 *	btrfs-floor TREE IMAGE [IMAGE2]
 *
 * It walks TREE with names relative to open directories, and for each
 * regular file: fstatat, openat, FICLONERANGE of its whole 4 KiB blocks
 * into IMAGE at the next 4 KiB-aligned offset, pread of the last partial
 * block (which no reflink can share), close.  The partial blocks are
 * written in batches of up to 1 MiB where they are contiguous, as
 * mkhurdimg writes them.  No file system metadata, no xattrs, no links.
 * With IMAGE2, two threads share the work, the files dealt alternately,
 * each thread into its own image: what two cores could do at best (one
 * image would have them wait for its lock).  The tree's file system must
 * give readdir's d_type (btrfs, ext4, XFS and tmpfs do).
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
#include <unistd.h>

#define BLOCK 4096L
#define BATCH (1L << 20)

struct floor {
	const char *tree, *image;
	int out, nth, of;
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

static void copy_file(struct floor *t, int dfd, const char *name,
		      const struct stat *st)
{
	off_t whole = st->st_size & ~(BLOCK - 1), tail = st->st_size - whole;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("openat", name);
	if (whole) {
		struct file_clone_range r = { .src_fd = fd,
					      .src_length = whole,
					      .dest_offset = t->pos };

		if (ioctl(t->out, FICLONERANGE, &r))
			die("FICLONERANGE", name);
		t->clones++;
	}
	if (tail)
		put_tail(t, fd, name, whole, tail, t->pos + whole);
	t->pos += (st->st_size + BLOCK - 1) & ~(BLOCK - 1);
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
			walk(t, sub, e->d_name);
		} else if (e->d_type == DT_REG) {
			copy_file(t, dfd, e->d_name, &st);
		}
	}
	if (errno)
		die("readdir", path);
	closedir(d);
}

static void *run(void *arg)
{
	struct floor *t = arg;
	int root = open(t->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		die("open", t->tree);
	t->out = open(t->image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (t->out < 0)
		die("open", t->image);
	walk(t, root, t->tree);
	flush(t);
	if (ftruncate(t->out, t->pos))
		die("ftruncate", t->image);
	if (close(t->out))
		die("close", t->image);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct floor t[2];
	pthread_t tid;
	int i, of = argc - 2;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: btrfs-floor TREE IMAGE [IMAGE2]\n");
		return 2;
	}
	for (i = 0; i < of; i++) {
		t[i].tree = argv[1];
		t[i].image = argv[2 + i];
		t[i].nth = i;
		t[i].of = of;
	}
	if (of == 2 && pthread_create(&tid, NULL, run, &t[1]))
		die("pthread_create", "a second thread");
	run(&t[0]);
	if (of == 2)
		pthread_join(tid, NULL);
	for (i = 0; i < of; i++)
		fprintf(stderr, "%s: %ld files, %ld clones, %lld bytes\n",
			t[i].image, t[i].files, t[i].clones,
			(long long)t[i].pos);
	return 0;
}
