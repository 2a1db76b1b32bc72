/* check_sexp.c - the S-expression reader: what Guile's `write' prints */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sexp.h"
#include "strbuf.h"
#include "check-run.h"

static struct sexp *read_ok(const char *text)
{
	struct sexp_error e;
	struct sexp *x = NULL;
	size_t end = 0;
	int rc = sexp_read(text, strlen(text), &x, &end, &e);

	ck_assert_msg(rc == SEXP_OK, "'%s' refused at %zu: %s", text, e.offset,
		      e.message);
	ck_assert_msg(sexp_at_end(text, strlen(text), end),
		      "'%s': text left after the datum at %zu", text, end);
	return x;
}

/* TEXT must fail with CODE at OFFSET, the message holding WORDS. */
static void read_fails(const char *text, size_t len, int code, size_t offset,
		       const char *words)
{
	struct sexp_error e;
	struct sexp *x = (struct sexp *)1;
	size_t end = 77;
	int rc = sexp_read(text, len, &x, &end, &e);

	ck_assert_msg(rc == code, "'%.*s': %d, not %d", (int)len, text, rc,
		      code);
	ck_assert_ptr_null(x);
	ck_assert_msg(e.offset == offset, "'%.*s': offset %zu, not %zu (%s)",
		      (int)len, text, e.offset, offset, e.message);
	ck_assert_msg(strstr(e.message, words),
		      "'%.*s': message '%s' lacks '%s'", (int)len, text,
		      e.message, words);
}

START_TEST(boot_parameters_as_guix_writes_them)
{
	const char *text =
		"(boot-parameters\n  (version 1)\n  (label \"GNU with the Hurd 0.9\")\n"
		"  (root-device (uuid dce #vu8(18 52 86 120 154 188 222 240 1 2 3 4 5 6 7 8)))\n"
		"  (kernel \"/gnu/store/x-gnumach/boot/gnumach\")\n"
		"  (kernel-arguments (\"noide\"))\n"
		"  (multiboot-modules ((\"/gnu/store/h/hurd/exec.static\" \"exec\" \"'$(exec-task=task-create)'\")))\n"
		"  (store (device #f) (mount-point \"/\") (directory-prefix #f) (crypto-devices ())))\n";
	struct sexp *x = read_ok(text);
	const struct sexp *f;

	ck_assert(sexp_is_form(x, "boot-parameters"));
	ck_assert_uint_eq(x->len, 8);
	f = sexp_field(x, "version");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->items[1]->type, SEXP_INTEGER);
	ck_assert_int_eq(f->items[1]->integer, 1);
	f = sexp_field(x, "label");
	ck_assert_str_eq(f->items[1]->text, "GNU with the Hurd 0.9");
	f = sexp_field(x, "root-device")->items[1];
	ck_assert(sexp_is_form(f, "uuid"));
	ck_assert(sexp_is_symbol(f->items[1], "dce"));
	ck_assert_int_eq(f->items[2]->type, SEXP_BYTEVECTOR);
	ck_assert_uint_eq(f->items[2]->len, 16);
	ck_assert_int_eq((unsigned char)f->items[2]->text[0], 18);
	ck_assert_int_eq((unsigned char)f->items[2]->text[7], 240);
	f = sexp_field(x, "multiboot-modules")->items[1];
	ck_assert_uint_eq(f->len, 1);
	ck_assert_str_eq(f->items[0]->items[2]->text,
			 "'$(exec-task=task-create)'");
	f = sexp_field(x, "store");
	ck_assert_int_eq(f->items[1]->items[1]->type, SEXP_BOOLEAN);
	ck_assert_int_eq(f->items[1]->items[1]->integer, 0);
	ck_assert_uint_eq(sexp_field(f, "crypto-devices")->items[1]->len, 0);
	ck_assert_ptr_null(sexp_field(x, "initrd"));
	/* Offsets point at the datum's first byte. */
	ck_assert_uint_eq(sexp_field(x, "version")->offset, 19);
	sexp_free(x);
}
END_TEST

START_TEST(string_escapes_are_decoded)
{
	struct sexp *x = read_ok(
		"\"a\\\"b\\\\c\\nd\\te\\x41;\\x3bb;\\u00e9\\U01F600\\0z\"");

	ck_assert_int_eq(x->type, SEXP_STRING);
	ck_assert_uint_eq(x->len, 20);
	ck_assert(!memcmp(x->text,
			  "a\"b\\c\nd\teA\xce\xbb\xc3\xa9\xf0\x9f\x98\x80\0z",
			  20));
	sexp_free(x);
	x = read_ok("\"one \\\n     two\""); /* a continuation line */
	ck_assert_str_eq(x->text, "one two");
	sexp_free(x);
	x = read_ok("\"\"");
	ck_assert_uint_eq(x->len, 0);
	ck_assert_str_eq(x->text, "");
	sexp_free(x);
}
END_TEST

START_TEST(atoms_symbols_numbers_booleans)
{
	struct sexp *x =
		read_ok("(a-b 42 -7 +3 #t #f #true #false 1.8 ; comment\n z)");

	ck_assert_uint_eq(x->len, 10);
	ck_assert(sexp_is_symbol(x->items[0], "a-b"));
	ck_assert_int_eq(x->items[1]->integer, 42);
	ck_assert_int_eq(x->items[2]->integer, -7);
	ck_assert_int_eq(x->items[3]->integer, 3);
	ck_assert_int_eq(x->items[4]->integer, 1);
	ck_assert_int_eq(x->items[5]->integer, 0);
	ck_assert_int_eq(x->items[6]->integer, 1);
	ck_assert_int_eq(x->items[7]->integer, 0);
	ck_assert(sexp_is_symbol(x->items[8], "1.8"));
	ck_assert(sexp_is_symbol(x->items[9], "z"));
	sexp_free(x);
	x = read_ok("'(a)");
	ck_assert(sexp_is_form(x, "quote"));
	ck_assert(sexp_is_form(x->items[1], "a"));
	sexp_free(x);
	x = read_ok("-");
	ck_assert(sexp_is_symbol(x, "-"));
	sexp_free(x);
}
END_TEST

START_TEST(truncated_text_is_incomplete_not_wrong)
{
	static const char *const cuts[] = {
		"(",
		"(a",
		"(a \"b",
		"(a \"b\\",
		"(a \"\\x4",
		"(a #vu8(1 2",
		"(secret-service-server (version 0)",
		"\"abc",
		"#",
		"#tr",
		"#vu8",
		"'",
		"  ",
	};
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(*cuts); i++) {
		struct sexp_error e;
		struct sexp *x = NULL;
		size_t end;
		int rc = sexp_read(cuts[i], strlen(cuts[i]), &x, &end, &e);

		ck_assert_msg(rc == SEXP_INCOMPLETE, "'%s': %d (%s)", cuts[i],
			      rc, e.message);
		ck_assert_ptr_null(x);
	}
}
END_TEST

START_TEST(errors_and_where_they_are)
{
	read_fails(")", 1, SEXP_ERROR, 0, "unexpected ')'");
	read_fails("(a \"b\\q\")", 9, SEXP_ERROR, 5, "unknown string escape");
	read_fails("(#vu8(1 256))", 13, SEXP_ERROR, 8, "0 to 255");
	read_fails("(#vu8(1 a))", 11, SEXP_ERROR, 8, "0 to 255");
	read_fails("(x #:key)", 9, SEXP_ERROR, 3, "unknown '#' syntax");
	read_fails("(x [a])", 7, SEXP_ERROR, 3, "unexpected '['");
	read_fails("(x |a|)", 7, SEXP_ERROR, 3, "unexpected '|'");
	read_fails("(99999999999999999999999)", 25, SEXP_ERROR, 1, "too large");
	read_fails("\"\\x;\"", 5, SEXP_ERROR, 1, "hex digits");
	read_fails("\"\\xd800;\"", 9, SEXP_ERROR, 1, "not a character");
	read_fails("\"\\u12g4\"", 8, SEXP_ERROR, 1, "4 hex digits");
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
	char text[2 * SEXP_MAX_DEPTH + 2];
	struct sexp_error e;
	struct sexp *x;
	size_t end;

	memset(text, '(', sizeof(text));
	read_fails(text, SEXP_MAX_DEPTH + 3, SEXP_ERROR, SEXP_MAX_DEPTH,
		   "nested");
	/* At the limit it is read. */
	memset(text, ')', sizeof(text));
	memset(text, '(', SEXP_MAX_DEPTH);
	ck_assert_int_eq(sexp_read(text, 2 * SEXP_MAX_DEPTH, &x, &end, &e),
			 SEXP_OK);
	ck_assert_uint_eq(end, 2 * SEXP_MAX_DEPTH);
	sexp_free(x);
}
END_TEST

START_TEST(only_the_first_datum_is_read)
{
	const char *text = " (a) (b)";
	struct sexp_error e;
	struct sexp *x;
	size_t end;

	ck_assert_int_eq(sexp_read(text, strlen(text), &x, &end, &e), SEXP_OK);
	ck_assert_uint_eq(end, 4);
	ck_assert(!sexp_at_end(text, strlen(text), end));
	ck_assert(sexp_at_end("(a) ; c\n ", 9, 3));
	sexp_free(x);
}
END_TEST

START_TEST(strings_are_written_as_guile_writes_them)
{
	struct strbuf b;
	char *s;

	sb_init(&b);
	sexp_add_string(&b, "/etc/a \"b\"\\c\n\x01", 14);
	s = sb_take(&b);
	ck_assert_str_eq(s, "\"/etc/a \\\"b\\\"\\\\c\\n\\x1;\"");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sexp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, boot_parameters_as_guix_writes_them);
	tcase_add_test(tc, string_escapes_are_decoded);
	tcase_add_test(tc, atoms_symbols_numbers_booleans);
	tcase_add_test(tc, truncated_text_is_incomplete_not_wrong);
	tcase_add_test(tc, errors_and_where_they_are);
	tcase_add_test(tc, deep_nesting_is_refused);
	tcase_add_test(tc, only_the_first_datum_is_read);
	tcase_add_test(tc, strings_are_written_as_guile_writes_them);
	suite_add_tcase(s, tc);
	return check_run(s);
}
