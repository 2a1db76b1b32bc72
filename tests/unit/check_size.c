/* check_size.c - sizes as people write them */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

static uint64_t parsed(const char *s)
{
	uint64_t v = 12345;

	ck_assert_int_eq(size_parse(s, &v), 0);
	return v;
}

START_TEST(every_suffix_is_a_binary_multiple)
{
	ck_assert_uint_eq(parsed("0"), 0);
	ck_assert_uint_eq(parsed("512"), 512);
	ck_assert_uint_eq(parsed("512B"), 512);
	ck_assert_uint_eq(parsed("4K"), 4096);
	ck_assert_uint_eq(parsed("4KiB"), 4096);
	ck_assert_uint_eq(parsed("4k"), 4096);
	ck_assert_uint_eq(parsed("64M"), 64ULL << 20);
	ck_assert_uint_eq(parsed("64MiB"), 64ULL << 20);
	ck_assert_uint_eq(parsed("64mib"), 64ULL << 20);
	ck_assert_uint_eq(parsed("3G"), 3ULL << 30);
	ck_assert_uint_eq(parsed("3GiB"), 3ULL << 30);
	ck_assert_uint_eq(parsed("2T"), 2ULL << 40);
}
END_TEST

START_TEST(junk_and_overflow_are_refused)
{
	static const char *const bad[] = { "", "-1", " 5M", "5.5M", "12X", "M",
					   "0x10", "20000000T",
					   "18446744073709551616", "5 MiBs" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(size_parse(bad[i], &v) == -1, "'%s' accepted", bad[i]);
	ck_assert_int_eq(size_parse(NULL, &v), -1);
}
END_TEST

START_TEST(guess_is_zero_and_zero_is_not_a_size)
{
	uint64_t v = 1;

	ck_assert_int_eq(size_parse_or_guess("guess", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(size_parse_or_guess("0", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("Guess", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("1M", &v), 0);
	ck_assert_uint_eq(v, 1 << 20);
}
END_TEST

START_TEST(formatting_uses_binary_units)
{
	char b[32];

	size_format(0, b, sizeof(b));
	ck_assert_str_eq(b, "0 bytes");
	size_format(1023, b, sizeof(b));
	ck_assert_str_eq(b, "1023 bytes");
	size_format(1024, b, sizeof(b));
	ck_assert_str_eq(b, "1.0 KiB");
	size_format(3 << 19, b, sizeof(b));
	ck_assert_str_eq(b, "1.5 MiB");
	size_format(5ULL << 30, b, sizeof(b));
	ck_assert_str_eq(b, "5.0 GiB");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("size");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_suffix_is_a_binary_multiple);
	tcase_add_test(tc, junk_and_overflow_are_refused);
	tcase_add_test(tc, guess_is_zero_and_zero_is_not_a_size);
	tcase_add_test(tc, formatting_uses_binary_units);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
