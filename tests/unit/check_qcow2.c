/* check_qcow2.c - qcow2 header, table entries and refcount arithmetic,
 * a compressed disk read back in every state of its clusters, and its
 * clusters leaving memory as they are complete */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "disk.h"
#include "qcow2.h"
#include "check-run.h"

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

START_TEST(header_is_version_3_big_endian)
{
	struct qcow2_header h = { 16, 5ULL << 30, 10, 0x50000, 0x60000, 1 };
	uint8_t b[112];

	memset(b, 0xee, sizeof(b));
	qcow2_encode_header(&h, b);
	ck_assert_mem_eq(b, "QFI\xfb", 4);
	ck_assert_uint_eq(be32(b + 4), 3);
	ck_assert_uint_eq(be64(b + 8), 0); /* no backing file */
	ck_assert_uint_eq(be32(b + 16), 0);
	ck_assert_uint_eq(be32(b + 20), 16);
	ck_assert_uint_eq(be64(b + 24), 5ULL << 30);
	ck_assert_uint_eq(be32(b + 32), 0); /* no encryption */
	ck_assert_uint_eq(be32(b + 36), 10);
	ck_assert_uint_eq(be64(b + 40), 0x50000);
	ck_assert_uint_eq(be64(b + 48), 0x60000);
	ck_assert_uint_eq(be32(b + 56), 1);
	ck_assert_uint_eq(be32(b + 60), 0); /* no snapshots */
	ck_assert_uint_eq(be64(b + 64), 0);
	ck_assert_uint_eq(be64(b + 72), 0); /* incompatible features */
	ck_assert_uint_eq(be64(b + 80), 0);
	ck_assert_uint_eq(be64(b + 88), 0);
	ck_assert_uint_eq(be32(b + 96), 4); /* 16-bit refcounts */
	ck_assert_uint_eq(be32(b + 100), 104);
	ck_assert_uint_eq(be64(b + 104), 0); /* end of extensions */
}
END_TEST

START_TEST(entries_carry_the_copied_flag)
{
	ck_assert_uint_eq(qcow2_entry(0x30000), 0x8000000000030000ULL);
	ck_assert_uint_eq(qcow2_entry(0x30000) & 0x1ff, 0); /* reserved bits */
}
END_TEST

START_TEST(compressed_descriptors)
{
	/* 64 KiB clusters: offset in bits 0..53, sector count from bit 54. */
	uint64_t e = qcow2_compressed_entry(0x10000, 1000, 16);

	ck_assert_uint_eq(e >> 62, 1); /* compressed, not copied */
	ck_assert_uint_eq(e & ((1ULL << 54) - 1), 0x10000);
	ck_assert_uint_eq((e >> 54) & 0xff, 1); /* 1000 bytes: 2 sectors */
	/* A stream starting mid-sector: 0x101f0 + 0x20 ends in the next one. */
	e = qcow2_compressed_entry(0x101f0, 0x20, 16);
	ck_assert_uint_eq((e >> 54) & 0xff, 1);
	ck_assert_uint_eq(e & ((1ULL << 54) - 1), 0x101f0);
	/* Within one sector: no additional sector. */
	e = qcow2_compressed_entry(0x10200, 512, 16);
	ck_assert_uint_eq((e >> 54) & 0xff, 0);
	/* 2 MiB clusters: the count starts at bit 49. */
	e = qcow2_compressed_entry(0x200000, 4096, 21);
	ck_assert_uint_eq(e & ((1ULL << 49) - 1), 0x200000);
	ck_assert_uint_eq((e >> 49) & 0x1fff, 7);
}
END_TEST

START_TEST(l1_covers_the_disk)
{
	/* 64 KiB clusters: an L2 table maps 8192 clusters, 512 MiB. */
	ck_assert_uint_eq(qcow2_l1_size(512ULL << 20, 16), 1);
	ck_assert_uint_eq(qcow2_l1_size((512ULL << 20) + 1, 16), 2);
	ck_assert_uint_eq(qcow2_l1_size(12ULL << 30, 16), 24);
	/* 2 MiB clusters: 512 GiB per L2 table. */
	ck_assert_uint_eq(qcow2_l1_size(1ULL << 40, 21), 2);
}
END_TEST

START_TEST(refcounts_count_themselves)
{
	uint64_t b, t;

	/* 64 KiB clusters: a block holds 32768 counts, a table cluster
	 * 8192 block offsets. */
	qcow2_refcount_layout(10, 16, &b, &t);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(t, 1);
	qcow2_refcount_layout(32766, 16, &b, &t); /* + 1 block + 1 table */
	ck_assert_uint_eq(b, 1);
	qcow2_refcount_layout(32767, 16, &b, &t); /* one too many */
	ck_assert_uint_eq(b, 2);
	ck_assert_uint_eq(t, 1);
	/* 512-byte clusters: 256 counts per block, 64 offsets per table. */
	qcow2_refcount_layout(100000, 9, &b, &t);
	ck_assert_uint_ge(b * 256, 100000 + b + t);
	ck_assert_uint_lt((b - 1) * 256, 100000 + b + t);
	ck_assert_uint_eq(t, (b + 63) / 64);
}
END_TEST

/* With --compress a cluster is open while it is written, then waits in
 * the compression batch (64 clusters), then is deflated (or stored when
 * deflate does not shrink it) and appended; a write to part of it later
 * reads it back first.  Whatever the state, reading gives what was
 * written: 4000 random writes and reads over 160 clusters of 4 KiB, half
 * of the writes whole clusters (so they complete and queue), half of the
 * data a repeated byte (deflated) and half random (stored). */
/* A qcow2 disk of SIZE bytes in D, in a file already unlinked (the name
 * is for messages only); the file's descriptor. */
static int open_scratch(struct disk *d, uint64_t size,
			const struct disk_options *opts)
{
	char path[] = "/tmp/check_qcow2.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	diag_clear();
	ck_assert_int_eq(disk_open(d, &disk_format_qcow2, fd,
				   "check_qcow2 scratch disk", size, opts),
			 0);
	return fd;
}

START_TEST(compressed_clusters_read_back_in_every_state)
{
	enum { CS = 4096, SIZE = 160 * CS, MAX = 3 * CS };
	static uint8_t shadow[SIZE], buf[MAX], got[MAX];
	struct disk_options opts = { 12, 0, 1, 1 };
	struct disk d;
	int fd = open_scratch(&d, SIZE, &opts), i, reads = 0;
	size_t k;

	memset(shadow, 0, sizeof(shadow));
	srand(16);
	for (i = 0; i < 4000; i++) {
		int whole = rand() % 2;
		size_t len = whole ? CS * (size_t)(1 + rand() % 3) :
				     1 + (size_t)rand() % MAX;
		uint64_t off =
			whole ? (uint64_t)(rand() % (SIZE / CS - 3)) * CS :
				(uint64_t)rand() % (SIZE - MAX);

		if (rand() % 3) {
			if (rand() % 2)
				memset(buf, 'a' + rand() % 26, len);
			else
				for (k = 0; k < len; k++)
					buf[k] = (uint8_t)rand();
			ck_assert_int_eq(disk_write(&d, buf, len, off), 0);
			memcpy(shadow + off, buf, len);
		} else {
			ck_assert_int_eq(disk_read(&d, got, len, off), 0);
			ck_assert_msg(!memcmp(got, shadow + off, len),
				      "op %d: %zu bytes at %llu read wrong", i,
				      len, (unsigned long long)off);
			reads++;
		}
	}
	ck_assert_int_gt(reads, 1000);
	ck_assert_int_eq(disk_finish(&d), 0);
	for (k = 0; k < SIZE; k += MAX) {
		size_t n = SIZE - k < MAX ? SIZE - k : MAX;

		ck_assert_int_eq(disk_read(&d, got, n, k), 0);
		ck_assert_msg(!memcmp(got, shadow + k, n),
			      "%zu bytes at %zu read wrong at the end", n, k);
	}
	disk_close(&d);
	close(fd);
}
END_TEST

/* A cluster of a compressed disk written whole, in pieces, is compressed
 * and written out with its batch, not held until the end: memory stays
 * bounded by the batch, whatever the disk's size. */
START_TEST(clusters_written_in_pieces_leave_memory_with_their_batch)
{
	enum { CS = 4096, N = 1024, SIZE = N * CS };
	static uint8_t buf[CS];
	struct disk_options opts = { 12, 0, 1, 1 };
	struct disk d;
	int fd = open_scratch(&d, SIZE, &opts);
	struct stat st;
	size_t i, k;

	srand(7);
	for (i = 0; i < N; i++) {
		for (k = 0; k < CS; k++)
			buf[k] = (uint8_t)rand(); /* deflate cannot shrink it */
		ck_assert_int_eq(disk_write(&d, buf, CS / 2, i * CS), 0);
		ck_assert_int_eq(disk_write(&d, buf + CS / 2, CS / 2,
					    i * CS + CS / 2),
				 0);
	}
	/* At most a batch (64 clusters) and a combined write (1 MiB) are
	 * still in memory: over 2.5 of the 4 MiB are in the file. */
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_gt(st.st_size, (off_t)(SIZE / 8 * 5));
	ck_assert_int_eq(disk_finish(&d), 0);
	disk_close(&d);
	close(fd);
}
END_TEST

/* A cluster is appended when first written: until the rest of it is,
 * the file ends inside it, and what lies past the end reads as zeros. */
START_TEST(a_cluster_partly_written_reads_zeros_past_the_end_of_the_file)
{
	enum { CS = 65536 };
	static uint8_t buf[CS];
	struct disk_options opts = { 16, 0, 0, 1 };
	struct disk d;
	int fd = open_scratch(&d, 4 * CS, &opts);
	struct stat st;
	size_t k;

	memset(buf, 'x', 512);
	ck_assert_int_eq(disk_write(&d, buf, 512, CS), 0);
	memset(buf, 'y', CS);
	ck_assert_int_eq(disk_read(&d, buf, CS, CS), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_lt(st.st_size % CS, CS - 512); /* the file ends in it */
	for (k = 0; k < CS; k++)
		ck_assert_msg(buf[k] == (k < 512 ? 'x' : 0),
			      "byte %zu of the cluster reads %d", k, buf[k]);
	ck_assert_int_eq(disk_finish(&d), 0);
	disk_close(&d);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("qcow2");
	TCase *tc = tcase_create("qcow2");

	tcase_add_test(tc, header_is_version_3_big_endian);
	tcase_add_test(tc, entries_carry_the_copied_flag);
	tcase_add_test(tc, compressed_descriptors);
	tcase_add_test(tc, l1_covers_the_disk);
	tcase_add_test(tc, refcounts_count_themselves);
	tcase_add_test(tc, compressed_clusters_read_back_in_every_state);
	tcase_add_test(
		tc, clusters_written_in_pieces_leave_memory_with_their_batch);
	tcase_add_test(
		tc,
		a_cluster_partly_written_reads_zeros_past_the_end_of_the_file);
	suite_add_tcase(s, tc);
	return check_run(s);
}
