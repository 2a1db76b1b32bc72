/* check_secret_service.c - the secret service's wire format: the guest's
 * greeting as Guix's client accepts it, the header as Guile's `write'
 * prints it, the files in find-files' order, and quoting for messages */
#include "autoconfig.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-run.h"
#include "diag.h"
#include "secret-service.h"
#include "strbuf.h"

static int greeting(const char *text)
{
	return secret_service_greeting(text, strlen(text));
}

START_TEST(greetings_guix_accepts)
{
	/* (match x (('secret-service-server ('version version ...)) ...)) */
	ck_assert_int_eq(greeting("(secret-service-server (version 0))"),
			 GREETING_OK);
	ck_assert_int_eq(greeting("(secret-service-server (version))"),
			 GREETING_OK);
	ck_assert_int_eq(
		greeting("(secret-service-server (version 1 \"x\" (2)))"),
		GREETING_OK);
	ck_assert_int_eq(greeting("\n  (secret-service-server\n (version 0) )"),
			 GREETING_OK);
	/* What follows the datum is not read, as Guile's read leaves it. */
	ck_assert_int_eq(greeting("(secret-service-server (version 0))\n(junk"),
			 GREETING_OK);
}
END_TEST

START_TEST(every_prefix_of_the_greeting_needs_more)
{
	const char *g = "(secret-service-server (version 0))";
	size_t n;

	for (n = 0; n < strlen(g); n++)
		ck_assert_msg(secret_service_greeting(g, n) == GREETING_MORE,
			      "'%.*s' is not 'more'", (int)n, g);
	ck_assert_int_eq(greeting("   \n"), GREETING_MORE);
	ck_assert_int_eq(greeting("(secret-service-server (version \"0"),
			 GREETING_MORE);
}
END_TEST

START_TEST(greetings_guix_refuses)
{
	static const char *const wrong[] = {
		"(hello (version 0))",
		"(secret-service-server)",
		"(secret-service-server (version 0) (more))",
		"(secret-service-server version)",
		"(secret-service-server (versions 0))",
		"(secret-service-server ((version) 0))",
		"(\"secret-service-server\" (version 0))",
		"((secret-service-server) (version 0))",
		"()",
		"secret-service-server ",
		"SSH-2.0-OpenSSH_9.2\r\n",
		")",
		"(secret-service-server [version 0])",
		"#<eof>",
	};
	size_t i;

	for (i = 0; i < sizeof(wrong) / sizeof(*wrong); i++)
		ck_assert_msg(greeting(wrong[i]) == GREETING_WRONG,
			      "'%s' is not wrong", wrong[i]);
}
END_TEST

static char *header(struct secret_file *v, size_t n)
{
	struct secret_files f = { v, n, n };
	struct strbuf b;

	sb_init(&b);
	secret_service_header(&b, &f);
	return sb_take(&b);
}

START_TEST(the_header_as_guile_writes_it)
{
	struct secret_file v[] = {
		{ NULL, "/etc/ssh/ssh_host_ed25519_key", 411, 0100600 },
		{ NULL, "/etc/a \"q\" b\\c", 0, 0100644 },
		{ NULL, "/x\ny\tz\001", 5000000000ULL, 0100755 },
		{ NULL, "/caf\xc3\xa9", 1, 0120777 },
	};
	char *text = header(v, 4);

	ck_assert_str_eq(text, "(secrets (version 0) (files ("
			       "(\"/etc/ssh/ssh_host_ed25519_key\" 411 33152) "
			       "(\"/etc/a \\\"q\\\" b\\\\c\" 0 33188) "
			       "(\"/x\\ny\\tz\\x1;\" 5000000000 33261) "
			       "(\"/caf\xc3\xa9\" 1 41471))))");
	free(text);
	text = header(NULL, 0);
	ck_assert_str_eq(text, "(secrets (version 0) (files ()))");
	free(text);
}
END_TEST

START_TEST(quoting_for_messages)
{
	char q[64], long_text[100];

	secret_service_quote(q, "(hello)", 7);
	ck_assert_str_eq(q, "(hello)");
	secret_service_quote(q, "a\r\n\0b\xff", 6);
	ck_assert_str_eq(q, "a???b?");
	memset(long_text, 'x', sizeof(long_text));
	secret_service_quote(q, long_text, 60);
	ck_assert_uint_eq(strlen(q), 60);
	secret_service_quote(q, long_text, 61);
	ck_assert_uint_eq(strlen(q), 63);
	ck_assert_str_eq(q + 60, "...");
	secret_service_quote(q, "", 0);
	ck_assert_str_eq(q, "");
}
END_TEST

static void put(const char *dir, const char *name, const char *text, int mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
}

static char dir[] = "/tmp/check_secret_service.XXXXXX";

static void sub(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

START_TEST(files_in_find_files_order)
{
	struct secret_files f;
	char path[512], root[600];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub("etc");
	sub("etc/ssh");
	sub("empty");
	put(dir, "etc/ssh/key", "secret\n", 0600);
	put(dir, "etc-x", "x", 0644);
	put(dir, "etc/b", "", 0640);
	snprintf(path, sizeof(path), "%s/etc/link", dir);
	ck_assert_int_eq(symlink("ssh/key", path), 0);

	/* A trailing '/' on DIR changes nothing. */
	snprintf(root, sizeof(root), "%s//", dir);
	ck_assert_int_eq(secret_files_scan(root, &f), 0);
	ck_assert_uint_eq(f.n, 4);
	/* By full name: "/etc-x" before "/etc/...", as '-' < '/'. */
	ck_assert_str_eq(f.v[0].path, "/etc-x");
	ck_assert_str_eq(f.v[1].path, "/etc/b");
	ck_assert_str_eq(f.v[2].path, "/etc/link");
	ck_assert_str_eq(f.v[3].path, "/etc/ssh/key");
	ck_assert_uint_eq(f.v[0].mode, 0100644);
	ck_assert_uint_eq(f.v[1].size, 0);
	/* The link is followed: the key's size and mode. */
	ck_assert_uint_eq(f.v[2].size, 7);
	ck_assert_uint_eq(f.v[2].mode, 0100600);
	snprintf(path, sizeof(path), "%s/etc/link", dir);
	ck_assert_str_eq(f.v[2].source, path);
	secret_files_free(&f);

	/* A FIFO is refused, named. */
	snprintf(path, sizeof(path), "%s/empty/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(secret_files_scan(dir, &f), EXIT_BUILD);
	ck_assert_ptr_nonnull(strstr(diag_message(), "empty/fifo is a FIFO"));
	ck_assert_uint_eq(f.n, 0);
	diag_clear();
	snprintf(root, sizeof(root), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(root), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("secret-service");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, greetings_guix_accepts);
	tcase_add_test(tc, every_prefix_of_the_greeting_needs_more);
	tcase_add_test(tc, greetings_guix_refuses);
	tcase_add_test(tc, the_header_as_guile_writes_it);
	tcase_add_test(tc, quoting_for_messages);
	tcase_add_test(tc, files_in_find_files_order);
	suite_add_tcase(s, tc);
	return check_run(s);
}
