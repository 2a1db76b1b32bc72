/* check_size.c - sizes as people write them: parsing and printing */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"
#include "check-run.h"

/* Parse TEXT, which must be accepted, and return the bytes. */
static uint64_t parsed(const char *text)
{
	uint64_t v = 12345;

	ck_assert_msg(size_parse(text, &v) == 0, "'%s' refused", text);
	return v;
}

static void refused(const char *text)
{
	uint64_t v = 777;

	ck_assert_msg(size_parse(text, &v) == -1, "'%s' accepted as %llu",
		      text ? text : "(null)", (unsigned long long)v);
	ck_assert_uint_eq(v, 777); /* untouched on failure */
}

static const char *formatted(uint64_t bytes)
{
	static char buf[64];

	memset(buf, 'Z', sizeof(buf));
	size_format(bytes, buf, sizeof(buf));
	return buf;
}

START_TEST(plain_numbers_and_bytes)
{
	ck_assert_uint_eq(parsed("0"), 0);
	ck_assert_uint_eq(parsed("1"), 1);
	ck_assert_uint_eq(parsed("512"), 512);
	ck_assert_uint_eq(parsed("007"), 7);
	ck_assert_uint_eq(parsed("512B"), 512);
	ck_assert_uint_eq(parsed("512b"), 512);
	ck_assert_uint_eq(parsed("18446744073709551615"), UINT64_MAX);
	ck_assert_uint_eq(parsed("18446744073709551615B"), UINT64_MAX);
}
END_TEST

START_TEST(every_suffix_is_a_binary_multiple)
{
	ck_assert_uint_eq(parsed("4K"), 4096);
	ck_assert_uint_eq(parsed("4k"), 4096);
	ck_assert_uint_eq(parsed("4KiB"), 4096);
	ck_assert_uint_eq(parsed("4kib"), 4096);
	ck_assert_uint_eq(parsed("4KIB"), 4096);
	ck_assert_uint_eq(parsed("64M"), 64ULL << 20);
	ck_assert_uint_eq(parsed("64m"), 64ULL << 20);
	ck_assert_uint_eq(parsed("64MiB"), 64ULL << 20);
	ck_assert_uint_eq(parsed("64mib"), 64ULL << 20);
	ck_assert_uint_eq(parsed("3G"), 3ULL << 30);
	ck_assert_uint_eq(parsed("3g"), 3ULL << 30);
	ck_assert_uint_eq(parsed("3GiB"), 3ULL << 30);
	ck_assert_uint_eq(parsed("3gib"), 3ULL << 30);
	ck_assert_uint_eq(parsed("2T"), 2ULL << 40);
	ck_assert_uint_eq(parsed("2t"), 2ULL << 40);
	ck_assert_uint_eq(parsed("2TiB"), 2ULL << 40);
	ck_assert_uint_eq(parsed("0M"), 0);
	/* Spaces between the number and its unit are allowed. */
	ck_assert_uint_eq(parsed("5 MiB"), 5ULL << 20);
}
END_TEST

/* KB, MB, GB, TB: 10^3.. bytes to coreutils, refused by qemu-img and
 * mke2fs, meant either way by people: refused, and named. */
START_TEST(decimal_units_are_refused_and_explained)
{
	static const char *const dec[] = { "512MB", "512mb", "4KB", "4kB",
					   "3GB",   "2TB",   "5 MB" };
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(dec) / sizeof(*dec); i++) {
		refused(dec[i]);
		ck_assert_ptr_nonnull(size_decimal_unit(dec[i]));
	}
	ck_assert_ptr_null(size_decimal_unit("512M"));
	ck_assert_ptr_null(size_decimal_unit("512MiB"));
	ck_assert_ptr_null(size_decimal_unit("512MBB"));
	ck_assert_ptr_null(size_decimal_unit("MB"));
	size_explain("512MB", why, sizeof(why));
	ck_assert_str_eq(
		why,
		"is ambiguous: MB is 10^6 bytes to some tools, 2^20 to others; write 512M or 512MiB");
	size_explain("4kB", why, sizeof(why));
	ck_assert_str_eq(
		why,
		"is ambiguous: kB is 10^3 bytes to some tools, 2^10 to others; write 4K or 4KiB");
	size_explain("2tb", why, sizeof(why));
	ck_assert_str_eq(
		why,
		"is ambiguous: tb is 10^12 bytes to some tools, 2^40 to others; write 2T or 2TiB");
	size_explain("12X", why, sizeof(why));
	ck_assert_str_eq(
		why,
		"is not a size: use guess or a number with K, M, G, KiB, MiB or GiB");
}
END_TEST

START_TEST(largest_values_per_unit)
{
	ck_assert_uint_eq(parsed("16777215T"), 16777215ULL << 40);
	ck_assert_uint_eq(parsed("17179869183G"), 17179869183ULL << 30);
	ck_assert_uint_eq(parsed("18014398509481983K"),
			  18014398509481983ULL << 10);
	refused("16777216T");
	refused("17179869184G");
	refused("17592186044416M");
	refused("18014398509481984K");
}
END_TEST

START_TEST(overflow_is_refused)
{
	refused("20000000T");
	refused("18446744073709551616");
	refused("18446744073709551616B");
	refused("99999999999999999999999K");
}
END_TEST

START_TEST(junk_is_refused)
{
	static const char *const bad[] = {
		"",    "-1",	"+1",	" 5M",	"5M ",	"5.5M",	  "12X",
		"M",   "KiB",	"B",	"0x10", "1e3",	"5 MiBs", "5MM",
		"5iB", "5KiBB", "five", "5\tM", "5\nM",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		refused(bad[i]);
	refused(NULL);
}
END_TEST

START_TEST(guess_is_zero_and_zero_is_not_a_size)
{
	uint64_t v = 99;

	ck_assert_int_eq(size_parse_or_guess("guess", &v), 0);
	ck_assert_uint_eq(v, 0);
	v = 99;
	ck_assert_int_eq(size_parse_or_guess("64MiB", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 20);
	ck_assert_int_eq(size_parse_or_guess("1", &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(size_parse_or_guess("0", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("0M", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("0GiB", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("guess ", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("guessing", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("12X", &v), -1);
	ck_assert_int_eq(size_parse_or_guess("20000000T", &v), -1);
	ck_assert_int_eq(size_parse_or_guess(NULL, &v), -1);
}
END_TEST

START_TEST(formatting_picks_a_binary_unit)
{
	ck_assert_str_eq(formatted(0), "0 bytes");
	ck_assert_str_eq(formatted(1023), "1023 bytes");
	ck_assert_str_eq(formatted(1024), "1.0 KiB");
	ck_assert_str_eq(formatted(1536), "1.5 KiB");
	ck_assert_str_eq(formatted(3ULL << 19), "1.5 MiB");
	ck_assert_str_eq(formatted(1048576), "1.0 MiB");
	ck_assert_str_eq(formatted(75ULL << 19), "37.5 MiB");
	ck_assert_str_eq(formatted(1ULL << 30), "1.0 GiB");
	ck_assert_str_eq(formatted(5ULL << 39), "2.5 TiB");
	/* TiB is the largest unit. */
	ck_assert_str_eq(formatted(1ULL << 50), "1024.0 TiB");
	ck_assert_str_eq(formatted(UINT64_MAX), "16777216.0 TiB");
}
END_TEST

START_TEST(formatting_respects_the_buffer)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	size_format(3ULL << 19, buf, 4);
	ck_assert_str_eq(buf, "1.5");
	ck_assert_int_eq(buf[4], 'Z');
	memset(buf, 'Z', sizeof(buf));
	size_format(1000, buf, 5);
	ck_assert_str_eq(buf, "1000");
	ck_assert_int_eq(buf[5], 'Z');
}
END_TEST

int main(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("size");

	tcase_add_test(tc, plain_numbers_and_bytes);
	tcase_add_test(tc, every_suffix_is_a_binary_multiple);
	tcase_add_test(tc, decimal_units_are_refused_and_explained);
	tcase_add_test(tc, largest_values_per_unit);
	tcase_add_test(tc, overflow_is_refused);
	tcase_add_test(tc, junk_is_refused);
	tcase_add_test(tc, guess_is_zero_and_zero_is_not_a_size);
	tcase_add_test(tc, formatting_picks_a_binary_unit);
	tcase_add_test(tc, formatting_respects_the_buffer);
	suite_add_tcase(s, tc);
	return check_run(s);
}
