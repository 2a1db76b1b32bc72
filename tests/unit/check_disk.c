/* check_disk.c - the raw container and the io_manager over it, with its
 * write-back cache of single blocks */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "disk-read.h"
#include "disk.h"
#include "check-run.h"

#define DISK (8 << 20)
#define OFF (1 << 20)
#define REGION (4 << 20)
#define BS 4096
#define NBLK (REGION / BS)

static char path[] = "/tmp/check_disk.XXXXXX";
static struct disk d;
static io_channel ch;
static int fd = -1;
static unsigned char shadow[REGION], file[DISK], buf[16 * BS], got[16 * BS];

static void setup(void)
{
	char name[128];

	strcpy(path, "/tmp/check_disk.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	diag_clear();
	ck_assert_int_eq(disk_open(&d, &disk_format_raw, fd, path, DISK, NULL),
			 0);
	disk_io_name(&d, OFF, REGION, name, sizeof(name));
	ck_assert_int_eq(disk_io_manager->open(name, IO_FLAG_RW, &ch), 0);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
	memset(shadow, 0, sizeof(shadow));
}

static void teardown(void)
{
	if (ch)
		io_channel_close(ch);
	ch = NULL;
	disk_close(&d);
	close(fd);
}

static void random_bytes(unsigned char *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		p[k] = (unsigned char)rand();
}

/* Close the channel and compare the whole file with the shadow: the
 * region at OFF, zeros elsewhere. */
static void file_matches_shadow(void)
{
	struct stat st;
	size_t i;

	ck_assert_int_eq(io_channel_close(ch), 0);
	ch = NULL;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, DISK);
	ck_assert_int_eq(pread(fd, file, DISK, 0), DISK);
	/* Find the first difference without an assertion per byte. */
	for (i = 0; i < OFF && !file[i]; i++)
		;
	ck_assert_msg(i == OFF, "byte %zu before the region is %#x", i,
		      file[i]);
	for (i = OFF + REGION; i < DISK && !file[i]; i++)
		;
	ck_assert_msg(i == DISK, "byte %zu after the region is %#x", i,
		      file[i]);
	for (i = 0; i < REGION && file[OFF + i] == shadow[i]; i++)
		;
	ck_assert_msg(i == REGION,
		      "region byte %zu (block %zu) is %#x, want %#x", i, i / BS,
		      file[OFF + i], shadow[i]);
}

enum op {
	SINGLE_WRITE,
	MULTI_WRITE,
	SUPER_WRITE,
	BYTE_WRITE,
	SINGLE_READ,
	MULTI_READ,
	BYTE_READ,
	FLUSH,
	NOPS
};

/* Weights out of 40: flushes are rare so that dirty blocks pile up in
 * the cache and the other operations meet them. */
static enum op pick_op(void)
{
	static const int upto[NOPS] = {
		[SINGLE_WRITE] = 10, [MULTI_WRITE] = 15, [SUPER_WRITE] = 18,
		[BYTE_WRITE] = 24,   [SINGLE_READ] = 30, [MULTI_READ] = 34,
		[BYTE_READ] = 39,    [FLUSH] = 40,
	};
	int r = rand() % 40, op = 0;

	while (r >= upto[op])
		op++;
	return (enum op)op;
}

/* Half the transfers start in the first 96 blocks, where the cache's 64
 * slots collide; the rest anywhere. */
static unsigned long long pick_block(void)
{
	if (rand() % 2)
		return (unsigned long long)(rand() % 96);
	return (unsigned long long)(rand() % (NBLK - 16));
}

START_TEST(random_io_reads_back_and_lands_at_the_offset)
{
	int i, counts[NOPS] = { 0 };

	srand(1);
	for (i = 0; i < 5000; i++) {
		enum op op = pick_op();
		int n = 2 + rand() % 15;
		unsigned long long blk = pick_block(), b1k;
		int bytes;

		counts[op]++;
		switch (op) {
		case SINGLE_WRITE: /* goes to the cache */
			random_bytes(buf, BS);
			ck_assert_int_eq(
				io_channel_write_blk64(ch, blk, 1, buf), 0);
			memcpy(shadow + blk * BS, buf, BS);
			break;
		case MULTI_WRITE: /* straight to the disk */
			random_bytes(buf, (size_t)n * BS);
			ck_assert_int_eq(
				io_channel_write_blk64(ch, blk, n, buf), 0);
			memcpy(shadow + blk * BS, buf, (size_t)n * BS);
			break;
		case SUPER_WRITE: /* bytes at 1 KiB blocks, as the superblock */
			b1k = blk * 4 + (unsigned long long)(rand() % 4);
			ck_assert_int_eq(io_channel_set_blksize(ch, 1024), 0);
			random_bytes(buf, 1024);
			ck_assert_int_eq(
				io_channel_write_blk64(ch, b1k, -1024, buf), 0);
			memcpy(shadow + b1k * 1024, buf, 1024);
			ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
			break;
		case BYTE_WRITE: /* bytes over part of (cached) blocks */
			bytes = 1 + rand() % (3 * BS);
			random_bytes(buf, (size_t)bytes);
			ck_assert_int_eq(io_channel_write_blk64(ch, blk, -bytes,
								buf),
					 0);
			memcpy(shadow + blk * BS, buf, (size_t)bytes);
			break;
		case SINGLE_READ:
			ck_assert_int_eq(io_channel_read_blk64(ch, blk, 1, got),
					 0);
			ck_assert_msg(!memcmp(got, shadow + blk * BS, BS),
				      "op %d: block %llu reads wrong", i, blk);
			break;
		case MULTI_READ:
			ck_assert_int_eq(io_channel_read_blk64(ch, blk, n, got),
					 0);
			ck_assert_msg(
				!memcmp(got, shadow + blk * BS, (size_t)n * BS),
				"op %d: blocks %llu+%d read wrong", i, blk, n);
			break;
		case BYTE_READ:
			bytes = 1 + rand() % (3 * BS);
			memset(got, 0xee, (size_t)bytes + 1);
			ck_assert_int_eq(
				io_channel_read_blk64(ch, blk, -bytes, got), 0);
			ck_assert_msg(
				!memcmp(got, shadow + blk * BS, (size_t)bytes),
				"op %d: %d bytes at block %llu read wrong", i,
				bytes, blk);
			ck_assert_uint_eq(got[bytes], 0xee);
			break;
		case FLUSH:
			ck_assert_int_eq(io_channel_flush(ch), 0);
			break;
		case NOPS:
			break;
		}
	}
	for (i = 0; i < NOPS; i++)
		ck_assert_msg(counts[i] > 60, "op %d ran %d times only", i,
			      counts[i]);
	/* Everything, read back through the channel, then from the file. */
	for (i = 0; i < NBLK; i += 16) {
		ck_assert_int_eq(io_channel_read_blk64(
					 ch, (unsigned long long)i, 16, got),
				 0);
		ck_assert_msg(!memcmp(got, shadow + (size_t)i * BS, 16 * BS),
			      "blocks %d+16 read wrong at the end", i);
	}
	file_matches_shadow();
}
END_TEST

/* Cases the random run hits only by chance, each checked on its own. */
START_TEST(cache_corner_cases)
{
	unsigned char a[BS], b[3 * BS];

	/* A dirty cached block, then a partial byte write over it. */
	memset(a, 'a', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 3, 1, a), 0);
	memcpy(shadow + 3 * BS, a, BS);
	memset(b, 'b', 100);
	ck_assert_int_eq(io_channel_write_blk64(ch, 3, -100, b), 0);
	memcpy(shadow + 3 * BS, b, 100);
	ck_assert_int_eq(io_channel_read_blk64(ch, 3, 1, got), 0);
	ck_assert_mem_eq(got, shadow + 3 * BS, BS);

	/* A dirty block under a multi-block write: the write wins. */
	memset(a, 'c', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 10, 1, a), 0);
	memset(b, 'd', sizeof(b));
	ck_assert_int_eq(io_channel_write_blk64(ch, 9, 3, b), 0);
	memcpy(shadow + 9 * BS, b, sizeof(b));
	ck_assert_int_eq(io_channel_flush(ch), 0);
	ck_assert_int_eq(io_channel_read_blk64(ch, 10, 1, got), 0);
	ck_assert_mem_eq(got, shadow + 10 * BS, BS);

	/* Dirty blocks just outside a multi-block write are kept. */
	memset(a, 'j', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 30, 1, a), 0);
	memcpy(shadow + 30 * BS, a, BS);
	memset(a, 'k', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 34, 1, a), 0);
	memcpy(shadow + 34 * BS, a, BS);
	memset(b, 'l', sizeof(b));
	ck_assert_int_eq(io_channel_write_blk64(ch, 31, 3, b), 0);
	memcpy(shadow + 31 * BS, b, sizeof(b));
	ck_assert_int_eq(io_channel_flush(ch), 0);
	ck_assert_int_eq(pread(fd, got, 5 * BS, OFF + 30 * BS), 5 * BS);
	ck_assert_mem_eq(got, shadow + 30 * BS, 5 * BS);

	/* A dirty block inside a multi-block read is seen by it. */
	memset(a, 'e', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 21, 1, a), 0);
	memcpy(shadow + 21 * BS, a, BS);
	ck_assert_int_eq(io_channel_read_blk64(ch, 20, 3, got), 0);
	ck_assert_mem_eq(got, shadow + 20 * BS, 3 * BS);

	/* Two blocks sharing a cache slot (64 apart). */
	memset(a, 'f', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 100, 1, a), 0);
	memcpy(shadow + 100 * BS, a, BS);
	memset(a, 'g', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 164, 1, a), 0);
	memcpy(shadow + 164 * BS, a, BS);
	ck_assert_int_eq(io_channel_read_blk64(ch, 100, 1, got), 0);
	ck_assert_mem_eq(got, shadow + 100 * BS, BS);
	ck_assert_int_eq(io_channel_read_blk64(ch, 164, 1, got), 0);
	ck_assert_mem_eq(got, shadow + 164 * BS, BS);

	/* A block size change writes the cache back at the old size. */
	memset(a, 'h', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 200, 1, a), 0);
	memcpy(shadow + 200 * BS, a, BS);
	ck_assert_int_eq(io_channel_set_blksize(ch, 1024), 0);
	ck_assert_int_eq(io_channel_read_blk64(ch, 800, 4, got), 0);
	ck_assert_mem_eq(got, shadow + 200 * BS, BS);
	ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);

	/* Flushed data is in the file at the region's offset. */
	memset(a, 'i', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, 0, 1, a), 0);
	memcpy(shadow, a, BS);
	ck_assert_int_eq(io_channel_flush(ch), 0);
	ck_assert_int_eq(pread(fd, got, BS, OFF), BS);
	ck_assert_mem_eq(got, a, BS);
	file_matches_shadow();
}
END_TEST

START_TEST(nothing_goes_past_the_region)
{
	unsigned char a[2 * BS];

	memset(a, 'x', sizeof(a));
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK, 1, a),
			 EXT2_ET_LLSEEK_FAILED);
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK - 1, 2, a),
			 EXT2_ET_LLSEEK_FAILED);
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK + 100, 1, a),
			 EXT2_ET_LLSEEK_FAILED);
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK - 1, -(BS + 1), a),
			 EXT2_ET_LLSEEK_FAILED);
	ck_assert_int_ne(io_channel_read_blk64(ch, NBLK, 1, got), 0);
	ck_assert_int_ne(io_channel_read_blk64(ch, NBLK - 1, 2, got), 0);
	ck_assert_int_ne(io_channel_read_blk64(ch, NBLK - 1, -(BS + 1), got),
			 0);
	/* The last block itself is fine, whole or in bytes. */
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK - 2, 2, a), 0);
	memcpy(shadow + REGION - 2 * BS, a, 2 * BS);
	memset(a, 'y', BS);
	ck_assert_int_eq(io_channel_write_blk64(ch, NBLK - 1, -BS, a), 0);
	memcpy(shadow + REGION - BS, a, BS);
	ck_assert_int_eq(io_channel_read_blk64(ch, NBLK - 1, 1, got), 0);
	ck_assert_mem_eq(got, shadow + REGION - BS, BS);
	file_matches_shadow();
}
END_TEST

START_TEST(disk_calls_check_the_disk_size)
{
	char b[16] = "0123456789abcdef";

	ck_assert_int_eq(disk_write(&d, b, 16, DISK - 16), 0);
	ck_assert_int_eq(disk_read(&d, got, 16, DISK - 16), 0);
	ck_assert_mem_eq(got, b, 16);
	ck_assert_int_eq(disk_write(&d, b, 16, 0), 0);
	ck_assert_int_eq(pread(fd, got, 16, 0), 16);
	ck_assert_mem_eq(got, b, 16);
	diag_clear();
	ck_assert_int_eq(disk_write(&d, b, 16, DISK - 15), EXIT_BUILD);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_ptr_nonnull(strstr(diag_message(), path));
	ck_assert_ptr_nonnull(
		strstr(diag_message(), "write beyond the end of the disk"));
	diag_clear();
	ck_assert_int_eq(disk_read(&d, got, 1, DISK), EXIT_BUILD);
	ck_assert_ptr_nonnull(
		strstr(diag_message(), "read beyond the end of the disk"));
	diag_clear();
	ck_assert_int_eq(disk_write(&d, b, 1, UINT64_MAX), EXIT_BUILD);
	ck_assert_int_eq(disk_write(&d, b, 0, DISK), 0);
	ck_assert_int_eq(disk_finish(&d), 0);
}
END_TEST

START_TEST(the_format_registry)
{
	ck_assert_ptr_eq(disk_format_find("raw"), &disk_format_raw);
	ck_assert_str_eq(disk_format_raw.conf.name, "raw");
	ck_assert_ptr_null(disk_format_find("RAW"));
	ck_assert_ptr_null(disk_format_find("vmdk"));
	ck_assert_ptr_null(disk_format_find(""));
	ck_assert_ptr_null(disk_format_find(NULL));
	ck_assert_int_eq(strncmp(disk_format_names(), "raw", 3), 0);
}
END_TEST

START_TEST(channel_names_and_options)
{
	io_channel c2 = NULL;
	char name[128];

	ck_assert_int_eq(disk_io_manager->open("/dev/sda", IO_FLAG_RW, &c2),
			 EXT2_ET_BAD_DEVICE_NAME);
	ck_assert_int_eq(disk_io_manager->open("disk:0x1:2", IO_FLAG_RW, &c2),
			 EXT2_ET_BAD_DEVICE_NAME);
	/* The other manager's names are not this one's. */
	ck_assert_int_eq(disk_io_manager->open("diskread:0x1:0:1", IO_FLAG_RW,
					       &c2),
			 EXT2_ET_BAD_DEVICE_NAME);
	ck_assert_int_eq(disk_reader_io_manager->open("disk:0x1:0:1", 0, &c2),
			 EXT2_ET_BAD_DEVICE_NAME);
	/* A region without a disk is for sizing: no I/O at all. */
	disk_io_name(NULL, 0, REGION, name, sizeof(name));
	ck_assert_int_eq(disk_io_manager->open(name, IO_FLAG_RW, &c2), 0);
	ck_assert_int_eq(io_channel_set_blksize(c2, BS), 0);
	ck_assert_int_eq(io_channel_read_blk64(c2, 0, 2, got), EROFS);
	ck_assert_int_eq(io_channel_write_blk64(c2, 0, 2, got), EROFS);
	ck_assert_int_eq(io_channel_close(c2), 0);
	ck_assert_int_eq(io_channel_set_options(ch, "cache=off"),
			 EXT2_ET_INVALID_ARGUMENT);
	/* The name round-trips the offset and size. */
	disk_io_name(&d, 123456789012ULL, 42, name, sizeof(name));
	ck_assert_ptr_nonnull(strstr(name, ":123456789012:42"));
	ck_assert_int_eq(strncmp(name, "disk:", 5), 0);
}
END_TEST

/* LeakSanitizer's check, in a sanitizer build (make mutants runs one):
 * 0 when no block is unreachable.  Without it, leaks are not judged. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* A write the file refuses is an error, at once: not retried forever
 * (only EINTR is).  The disk's descriptor is swapped for a read-only
 * one of the same file, so pwrite fails with EBADF. */
START_TEST(a_write_error_is_returned)
{
	char p[] = "/tmp/check_disk_ro.XXXXXX";
	int wfd = mkstemp(p), rfd = open(p, O_RDONLY);
	struct disk rd;
	char b[512] = "x";

	ck_assert_int_ge(wfd, 0);
	ck_assert_int_ge(rfd, 0);
	unlink(p);
	ck_assert_int_eq(
		disk_open(&rd, &disk_format_raw, wfd, p, 1 << 20, NULL), 0);
	rd.fd = rfd;
	diag_clear();
	ck_assert_int_eq(disk_write(&rd, b, sizeof(b), 4096), EXIT_BUILD);
	ck_assert_msg(diag_message() && strstr(diag_message(), strerror(EBADF)),
		      "%s", diag_message());
	disk_close(&rd);
	close(rfd);
	close(wfd);
}
END_TEST

/* qcow2 clusters of 512 bytes to 2 MiB: others are refused when the
 * disk is opened, and nothing of the attempt stays allocated. */
START_TEST(qcow2_cluster_sizes_out_of_range)
{
	static const unsigned bad[] = { 8, 22 }, good[] = { 9, 21 };
	char p[] = "/tmp/check_disk_q.XXXXXX";
	int qfd = mkstemp(p);
	struct disk q;
	size_t i;

	ck_assert_int_ge(qfd, 0);
	unlink(p);
	for (i = 0; i < 2; i++) {
		struct disk_options o = { bad[i], 0, 0, 1 },
				    g = { good[i], 0, 0, 1 };

		diag_clear();
		ck_assert_int_eq(disk_open(&q, &disk_format_qcow2, qfd, p,
					   1 << 20, &o),
				 EXIT_BUILD);
		ck_assert_msg(strstr(diag_message(), strerror(EINVAL)), "%s",
			      diag_message());
		if (__lsan_do_recoverable_leak_check)
			ck_assert_msg(
				__lsan_do_recoverable_leak_check() == 0,
				"cluster bits %u: the refused open leaves blocks allocated",
				bad[i]);
		ck_assert_int_eq(ftruncate(qfd, 0), 0);
		ck_assert_int_eq(disk_open(&q, &disk_format_qcow2, qfd, p,
					   1 << 20, &g),
				 0);
		disk_close(&q);
	}
	close(qfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("disk");
	TCase *tc = tcase_create("disk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, random_io_reads_back_and_lands_at_the_offset);
	tcase_add_test(tc, cache_corner_cases);
	tcase_add_test(tc, nothing_goes_past_the_region);
	tcase_add_test(tc, disk_calls_check_the_disk_size);
	tcase_add_test(tc, the_format_registry);
	tcase_add_test(tc, channel_names_and_options);
	suite_add_tcase(s, tc);
	/* Its own timeout: a write retried forever must fail here, soon. */
	tc = tcase_create("errors");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, a_write_error_is_returned);
	tcase_add_test(tc, qcow2_cluster_sizes_out_of_range);
	suite_add_tcase(s, tc);
	return check_run(s);
}
