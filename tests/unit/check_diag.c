/* check_diag.c - messages: values quoted short, the reason never cut off */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "check-run.h"

/* A string of N bytes of C, malloc'd. */
static char *filled(size_t n, char c)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(short_values_are_kept_and_escaped)
{
	ck_assert_str_eq(diag_value("hurd"), "hurd");
	ck_assert_str_eq(diag_value(""), "");
	ck_assert_str_eq(diag_value(NULL), "");
	ck_assert_str_eq(diag_value("a\nb\tc\x01"
				    "d\x7f"),
			 "a\\nb\\tc\\x01d\\x7f");
}
END_TEST

START_TEST(long_values_are_cut_at_60_bytes)
{
	char *big = filled(10 << 20, 'x'), want[80];
	const char *a, *b;

	memset(want, 'x', 60);
	strcpy(want + 60, "...");
	ck_assert_str_eq(diag_value(big), want);
	big[61] = '\0';
	ck_assert_str_eq(diag_value(big), want);
	big[60] = '\0';
	ck_assert_str_eq(diag_value(big), big); /* exactly 60: whole */
	/* Two values of one message do not share a buffer. */
	a = diag_value("one");
	b = diag_value("two");
	ck_assert_str_eq(a, "one");
	ck_assert_str_eq(b, "two");
	free(big);
}
END_TEST

START_TEST(a_cut_never_splits_a_utf8_character)
{
	char s[200], want[200];

	/* 59 ASCII bytes, then "é" (2 bytes) straddling byte 60. */
	memset(s, 'a', 59);
	strcpy(s + 59, "\xc3\xa9tail, long enough to be cut");
	memcpy(want, s, 59);
	strcpy(want + 59, "...");
	ck_assert_str_eq(diag_value(s), want);
}
END_TEST

START_TEST(the_reason_survives_a_huge_value)
{
	char *big = filled(10 << 20, 'y');
	const char *m;

	diag_clear();
	ck_assert_int_eq(diag_error_at(EXIT_USAGE, "os.conf", 3,
				       "kernel '%s' is wrong", big),
			 EXIT_USAGE);
	m = diag_message();
	ck_assert_uint_lt(strlen(m), 1024);
	ck_assert_msg(!strncmp(m, "os.conf:3: kernel 'yyy", 22), "start: %.40s",
		      m);
	ck_assert_msg(strstr(m, "yyy ... yyy"), "no ' ... ' in the middle");
	ck_assert_msg(!strcmp(m + strlen(m) - 11, "y' is wrong"),
		      "the end is lost: %s", m + strlen(m) - 11);
	diag_clear();
	free(big);
}
END_TEST

START_TEST(quoted_parts_of_foreign_messages_are_shortened)
{
	char *big = filled(200, 'z'), msg[400], want[400];

	snprintf(msg, sizeof(msg), "no such option '%s'", big);
	snprintf(want, sizeof(want), "no such option '%.60s...'", big);
	diag_shorten_quoted(msg);
	ck_assert_str_eq(msg, want);
	/* Short parts, parts with blanks (a quote inside a value pairing
	 * with the message's own), and a lone quote are left alone. */
	strcpy(msg, "host-name 'it's' is not ('-' and '.')");
	diag_shorten_quoted(msg);
	ck_assert_str_eq(msg, "host-name 'it's' is not ('-' and '.')");
	strcpy(msg, "the system's parameters");
	diag_shorten_quoted(msg);
	ck_assert_str_eq(msg, "the system's parameters");
	free(big);
}
END_TEST

/* What FN prints on stderr. */
static char *stderr_of(void (*fn)(void))
{
	static char buf[4096];
	char path[] = "/tmp/check_diag.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void warn_twice(void)
{
	diag_warn("first %d", 1);
	diag_warn("second");
}

static void held_then_failed(void)
{
	diag_hold_warnings();
	warn_twice();
	diag_release_warnings(1);
	warn_twice(); /* released: at once again */
}

static void held_then_succeeded(void)
{
	diag_hold_warnings();
	warn_twice();
	fputs("(before the release)\n", stderr);
	diag_release_warnings(0);
}

START_TEST(held_warnings_wait_for_the_outcome)
{
	ck_assert_str_eq(
		stderr_of(warn_twice),
		"mkhurdimg: warning: first 1\nmkhurdimg: warning: second\n");
	ck_assert_str_eq(
		stderr_of(held_then_failed),
		"mkhurdimg: warning: first 1\nmkhurdimg: warning: second\n");
	ck_assert_str_eq(stderr_of(held_then_succeeded),
			 "(before the release)\nmkhurdimg: warning: first 1\n"
			 "mkhurdimg: warning: second\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("diag");

	tcase_add_test(tc, short_values_are_kept_and_escaped);
	tcase_add_test(tc, long_values_are_cut_at_60_bytes);
	tcase_add_test(tc, a_cut_never_splits_a_utf8_character);
	tcase_add_test(tc, the_reason_survives_a_huge_value);
	tcase_add_test(tc, quoted_parts_of_foreign_messages_are_shortened);
	tcase_add_test(tc, held_warnings_wait_for_the_outcome);
	suite_add_tcase(s, tc);
	return check_run(s);
}
