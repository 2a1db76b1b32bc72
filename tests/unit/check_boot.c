/* check_boot.c - the console matcher of "mkhurdimg boot --expect", and
 * the offloading entry of --print-offload-entry */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "check-run.h"
#include "diag.h"
#include "strbuf.h"

/* Feed TEXT to a fresh matcher for PATTERN in chunks of STEP bytes; the
 * number of bytes fed when it matched, or 0. */
static size_t fed_until_match(const char *pattern, const char *text,
			      size_t step)
{
	struct console_match m;
	size_t len = strlen(text), i, n;

	ck_assert_int_eq(console_match_init(&m, pattern), 0);
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		if (console_match_feed(&m, text + i, n)) {
			console_match_free(&m);
			return i + n;
		}
	}
	console_match_free(&m);
	return 0;
}

static const char console[] =
	"\x1b[H\x1b[J\x1b[1;1H  Booting `GNU with the Hurd (hurd-demo)'\n\r"
	"\n\rLoading GNU Mach ...\n\r"
	"\rGNU Mach 1.8+git20221224-486\r\n"
	"\rtask loaded: ext2fs --readonly part:1:device:hd0\r\n"
	"\rtask loaded: exec /hurd/exec\r\n"
	"\rstart ext2fs: ";

START_TEST(matches_whole_lines_in_any_chunking)
{
	size_t step;

	for (step = 1; step <= sizeof(console); step++) {
		ck_assert_uint_eq(fed_until_match("^GNU Mach [0-9]", console,
						  step) > 0,
				  1);
		ck_assert_uint_eq(fed_until_match("^task loaded: exec( |$)",
						  console, step) > 0,
				  1);
		ck_assert_uint_ge(fed_until_match("^start ext2fs:", console,
						  step),
				  sizeof(console) - 2);
		ck_assert_uint_eq(fed_until_match("hd0$", console, step) > 0,
				  1);
	}
}
END_TEST

START_TEST(carriage_returns_and_escapes_are_left_out)
{
	/* The escape sequences and CRs before "Booting" and "GNU Mach". */
	ck_assert_uint_ne(fed_until_match("^  Booting `GNU", console, 7), 0);
	ck_assert_uint_ne(fed_until_match("^GNU Mach 1\\.8\\+git20221224-486$",
					  console, 3),
			  0);
	ck_assert_uint_eq(fed_until_match("\x1b", console, 5), 0);
	ck_assert_uint_eq(fed_until_match("\r", console, 5), 0);
	ck_assert_uint_eq(fed_until_match("1;1H", console, 1), 0);
}
END_TEST

START_TEST(an_unfinished_line_matches_but_not_at_its_end)
{
	/* A prompt with no newline yet. */
	ck_assert_uint_eq(fed_until_match("^login: $", "hello\nlogin: ", 4), 0);
	ck_assert_uint_eq(fed_until_match("^login: ", "hello\nlogin: ", 4), 13);
	/* "foo$" does not match "foo" of "foobar" split after "foo". */
	ck_assert_uint_eq(fed_until_match("foo$", "foobar\n", 3), 0);
	ck_assert_uint_eq(fed_until_match("foo$", "xfoo\n", 4), 5);
}
END_TEST

START_TEST(no_match_across_lines)
{
	ck_assert_uint_eq(fed_until_match("ab", "a\nb\n", 1), 0);
	ck_assert_uint_eq(fed_until_match("^b", "a\nb\n", 64), 4);
	ck_assert_uint_eq(fed_until_match("^b", "ab\n", 1), 0);
}
END_TEST

START_TEST(bad_expressions_are_usage_errors)
{
	struct console_match m;

	diag_clear();
	ck_assert_int_eq(console_match_init(&m, "("), EXIT_USAGE);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(!strncmp(diag_message(),
			       "bad regular expression '(': ", 28),
		      "message: %s", diag_message());
	diag_clear();
}
END_TEST

START_TEST(very_long_lines_are_cut)
{
	size_t n = 65536;
	char *text = malloc(n + 8);

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', n);
	strcpy(text + n, "END\n");
	/* After 65536 bytes a line ends: END is a line of its own. */
	ck_assert_uint_eq(fed_until_match("^END$", text, 4096), n + 4);
	ck_assert_uint_ne(fed_until_match("^x+$", text, 1000), 0);
	free(text);
}
END_TEST

static char *entry(unsigned port, const char *system, const char *key,
		   const char *private_key)
{
	struct strbuf b;

	sb_init(&b);
	boot_offload_entry(&b, port, system, key, strlen(key), private_key);
	return sb_take(&b);
}

START_TEST(the_offload_entry_is_hurd_vm_s)
{
	/* hurd-vm-guix-extension, gnu/services/virtualization.scm */
	char *text = entry(10022, "i586-gnu",
			   "ssh-ed25519 AAAAC3Nz root@childhurd",
			   "/etc/guix/offload/ssh/childhurd");

	ck_assert_str_eq(
		text, "(build-machine (name \"localhost\") (port 10022) "
		      "(systems '(\"i586-gnu\")) "
		      "(host-key \"ssh-ed25519 AAAAC3Nz root@childhurd\") "
		      "(user \"offloading\") (overload-threshold 1.8) "
		      "(private-key \"/etc/guix/offload/ssh/childhurd\"))\n");
	free(text);
	/* Strings are written as Guile's write does. */
	text = entry(12022, "x86_64-gnu", "a \"b\" \\c", "/k \"2\"");
	ck_assert_str_eq(text,
			 "(build-machine (name \"localhost\") (port 12022) "
			 "(systems '(\"x86_64-gnu\")) "
			 "(host-key \"a \\\"b\\\" \\\\c\") "
			 "(user \"offloading\") (overload-threshold 1.8) "
			 "(private-key \"/k \\\"2\\\"\"))\n");
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot");
	TCase *tc = tcase_create("console");

	tcase_add_test(tc, matches_whole_lines_in_any_chunking);
	tcase_add_test(tc, carriage_returns_and_escapes_are_left_out);
	tcase_add_test(tc, an_unfinished_line_matches_but_not_at_its_end);
	tcase_add_test(tc, no_match_across_lines);
	tcase_add_test(tc, bad_expressions_are_usage_errors);
	tcase_add_test(tc, very_long_lines_are_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("offload");
	tcase_add_test(tc, the_offload_entry_is_hurd_vm_s);
	suite_add_tcase(s, tc);
	return check_run(s);
}
