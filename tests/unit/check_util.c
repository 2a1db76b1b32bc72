/* check_util.c - the small shared helpers: array_grow and fullio */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "fullio.h"
#include "check-run.h"

START_TEST(arrays_double_from_their_first_size)
{
	long *v = NULL;
	size_t cap = 0, i;

	ck_assert_int_eq(array_grow(&v, &cap, 1, sizeof(*v), 4), 0);
	ck_assert_uint_eq(cap, 4);
	ck_assert_ptr_nonnull(v);
	for (i = 0; i < 4; i++)
		v[i] = (long)i;
	ck_assert_int_eq(array_grow(&v, &cap, 4, sizeof(*v), 4), 0);
	ck_assert_uint_eq(cap, 4); /* enough already */
	ck_assert_int_eq(array_grow(&v, &cap, 5, sizeof(*v), 4), 0);
	ck_assert_uint_eq(cap, 8);
	ck_assert_int_eq(array_grow(&v, &cap, 100, sizeof(*v), 4), 0);
	ck_assert_uint_eq(cap, 128); /* doubled until enough */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(v[i], (long)i); /* kept */
	free(v);
}
END_TEST

START_TEST(an_overflow_leaves_the_array_as_it_was)
{
	char *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(array_grow(&v, &cap, 16, 1, 16), 0);
	strcpy(v, "kept");
	ck_assert_int_eq(array_grow(&v, &cap, SIZE_MAX / 2 + 2, 1, 16), -1);
	ck_assert_int_eq(array_grow(&v, &cap, SIZE_MAX / 8, 16, 16), -1);
	ck_assert_uint_eq(cap, 16);
	ck_assert_str_eq(v, "kept");
	free(v);
}
END_TEST

START_TEST(full_reads_and_writes)
{
	char path[] = "/tmp/check_util.XXXXXX", buf[64];
	int fd = mkstemp(path);
	size_t got = 99;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write_full(fd, "0123456789", 10), 0);
	ck_assert_int_eq(pwrite_full(fd, "abc", 3, 20), 0); /* a hole at 10 */
	ck_assert_int_eq(pread_full(fd, buf, 23, 0, NULL), 0);
	ck_assert_mem_eq(buf, "0123456789", 10);
	ck_assert_mem_eq(buf + 20, "abc", 3);
	/* Past the end: how much was there, or EIO when all is wanted. */
	ck_assert_int_eq(pread_full(fd, buf, 10, 18, &got), 0);
	ck_assert_uint_eq(got, 5);
	ck_assert_int_eq(pread_full(fd, buf, 10, 18, NULL), EIO);
	ck_assert_int_eq(pread_full(fd, buf, 10, 100, &got), 0);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(pread_full(-1, buf, 1, 0, &got), EBADF);
	ck_assert_int_eq(write_full(-1, "x", 1), EBADF);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, arrays_double_from_their_first_size);
	tcase_add_test(tc, an_overflow_leaves_the_array_as_it_was);
	tcase_add_test(tc, full_reads_and_writes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
