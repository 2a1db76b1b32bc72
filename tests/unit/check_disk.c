/* check_disk.c - the io_manager over a raw disk, its write-back cache */
#include "autoconfig.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"

#define DISK (8 << 20)
#define OFF (1 << 20)
#define REGION (4 << 20)
#define BS 4096

START_TEST(random_io_reads_back_and_lands_at_the_offset)
{
	char path[] = "/tmp/check_disk.XXXXXX", name[128];
	static unsigned char shadow[REGION], buf[16 * BS], file[DISK];
	struct disk d;
	io_channel ch;
	int fd = mkstemp(path), i;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(disk_open(&d, &disk_format_raw, fd, path, DISK), 0);
	disk_io_name(&d, OFF, REGION, name, sizeof(name));
	ck_assert_int_eq(disk_io_manager->open(name, IO_FLAG_RW, &ch), 0);
	ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
	memset(shadow, 0, sizeof(shadow));
	srand(1);
	for (i = 0; i < 5000; i++) {
		int op = rand() % 6, n = 1 + rand() % 16, k;
		unsigned long long blk = (unsigned long long)(rand() % (REGION / BS - 16));

		switch (op) {
		case 0: case 1:		/* single-block write: cached */
			n = 1;
			/* fall through */
		case 2:			/* multi-block write */
			for (k = 0; k < n * BS; k++)
				buf[k] = (unsigned char)rand();
			ck_assert_int_eq(io_channel_write_blk64(ch, blk, n, buf), 0);
			memcpy(shadow + blk * BS, buf, (size_t)n * BS);
			break;
		case 3:			/* byte-count write, as the superblock */
			ck_assert_int_eq(io_channel_set_blksize(ch, 1024), 0);
			for (k = 0; k < 1024; k++)
				buf[k] = (unsigned char)rand();
			ck_assert_int_eq(io_channel_write_blk64(ch, 1, -1024, buf), 0);
			memcpy(shadow + 1024, buf, 1024);
			ck_assert_int_eq(io_channel_set_blksize(ch, BS), 0);
			break;
		case 4:			/* reads, single and multi */
			n = rand() % 2 ? 1 : n;
			ck_assert_int_eq(io_channel_read_blk64(ch, blk, n, buf), 0);
			ck_assert_int_eq(memcmp(buf, shadow + blk * BS, (size_t)n * BS), 0);
			break;
		default:
			ck_assert_int_eq(io_channel_flush(ch), 0);
		}
	}
	/* Past the region's end fails. */
	ck_assert_int_ne(io_channel_write_blk64(ch, REGION / BS, 1, buf), 0);
	ck_assert_int_ne(io_channel_write_blk64(ch, REGION / BS - 1, 2, buf), 0);
	ck_assert_int_eq(io_channel_close(ch), 0);
	ck_assert_int_eq(pread(fd, file, DISK, 0), DISK);
	ck_assert_int_eq(memcmp(file + OFF, shadow, REGION), 0);
	memset(shadow, 0, sizeof(shadow));	/* zeros, to compare with */
	ck_assert_int_eq(memcmp(file, shadow, OFF), 0);
	ck_assert_int_eq(memcmp(file + OFF + REGION, shadow, DISK - OFF - REGION), 0);
	disk_close(&d);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("disk");
	TCase *tc = tcase_create("disk");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, random_io_reads_back_and_lands_at_the_offset);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
