/* check_config.c - os.conf and its errors */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

static char dir[] = "/tmp/check_config.XXXXXX";
static char file[256];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(file, sizeof(file), "%s/os.conf", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Expect EXIT_USAGE and a message "FILE:LINE: ..." holding WHAT. */
static void fails_at(const char *text, int line, const char *what)
{
	struct os_config c;
	char prefix[300];

	write_conf(text);
	diag_clear();
	ck_assert_int_eq(config_load(file, &c), EXIT_USAGE);
	config_free(&c);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(!strncmp(diag_message(), prefix, strlen(prefix)),
		      "'%s' does not start with '%s'", diag_message(), prefix);
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
}

START_TEST(every_field_is_read)
{
	struct os_config c;

	write_conf("# comment\n"
		   "host-name = \"demo\"\n"
		   "kernel = \"/boot/k.gz\"\n"
		   "hurd = \"/gnu/store/x-hurd\"\n"
		   "kernel-arguments = { \"noide\", \"-s\" }   # trailing comment\n"
		   "file-system \"/\" { label = \"root\" size = \"64MiB\" }\n"
		   "bootloader { timeout = 0 serial = true grub-directory = \"grub\" }\n"
		   "directory \"b\" { target = \"/opt\" }\n"
		   "closure \"g\" { store = \"/s\" }\n"
		   "directory \"a\" { }\n");
	ck_assert_int_eq(config_load(file, &c), 0);
	ck_assert_str_eq(c.host_name, "demo");
	ck_assert_str_eq(c.kernel, "/boot/k.gz");
	ck_assert_str_eq(c.hurd, "/gnu/store/x-hurd");
	ck_assert_uint_eq(c.nkernel_args, 2);
	ck_assert_str_eq(c.kernel_args[1], "-s");
	ck_assert_str_eq(c.fs_label, "root");
	ck_assert_uint_eq(c.fs_size, 64 << 20);
	ck_assert_int_eq(c.timeout, 0);
	ck_assert_int_eq(c.serial, 1);
	/* Relative host paths resolve against the config's directory. */
	ck_assert_str_eq(c.grub_dir, strcat(strcpy((char[300]){ 0 }, dir), "/grub"));
	/* Sources in the file's order, whatever their kind. */
	ck_assert_uint_eq(c.nsources, 3);
	ck_assert_str_eq(c.sources[0].kind, "directory");
	ck_assert_str_eq(c.sources[0].target, "/opt");
	ck_assert_str_eq(c.sources[1].kind, "closure");
	ck_assert_str_eq(c.sources[1].store, "/s");
	ck_assert_str_eq(c.sources[2].kind, "directory");
	ck_assert_int_eq(c.sources[2].line, 10);
	ck_assert_str_eq(c.sources[2].path, strcat(strcpy((char[300]){ 0 }, dir), "/a"));
	config_free(&c);
}
END_TEST

START_TEST(defaults_without_sections)
{
	struct os_config c;

	write_conf("\n");
	ck_assert_int_eq(config_load(file, &c), 0);
	ck_assert_str_eq(c.host_name, "gnu");
	ck_assert_str_eq(c.kernel, "/boot/gnumach.gz");
	ck_assert_uint_eq(c.fs_size, 0);	/* guess */
	ck_assert_int_eq(c.timeout, 5);
	ck_assert_int_eq(c.serial, 0);
	ck_assert_int_eq(c.boot_line, 0);
	ck_assert_str_eq(c.grub_dir, DEFAULT_GRUB_DIRECTORY);
	ck_assert_int_eq(c.guix_translators, 1);
	ck_assert_int_eq(c.legacy_translators, 0);
	config_free(&c);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	fails_at("host-name = \"x\"\n\nfoo = 1\n", 3, "no such option 'foo'");
	fails_at("# one\n# two\nfile-system \"/\" {\n  size = \"12X\"\n}\n", 4, "is not a size");
	fails_at("bootloader {\n  timeout = 4000\n}\n", 2, "out of range");
	fails_at("kernel = \"boot/gnumach\"\n", 1, "must be an absolute path");
	fails_at("host-name = \"\"\n", 1, "must not be empty");
	fails_at("file-system \"/\" { }\nfile-system \"/\" { }\n", 2, "/");
	fails_at("file-system \"/home\" { }\n", 1, "only the root file system");
	fails_at("file-system \"/\" { label = \"12345678901234567\" }\n", 1,
		 "longer than 16 bytes");
	fails_at("directory \"x\" { target = \"rel\" }\n", 1, "must be an absolute path");
	fails_at("host-name = = \"x\"\n", 1, "unexpected");
	fails_at("bootloader { }\nbootloader { }\n", 2, "a second bootloader section");
	fails_at("translator-format = \"both\"\n", 1, "not allowed");
	fails_at("translator \"/dev/x\" { }\n", 1, "has no command");
	fails_at("user \"bad name\" { }\n", 1, "not a valid user name");
	fails_at("service \"ftp\" { }\n", 1, "not known");
	fails_at("file \"/x\" { mode = 010000 }\n", 1, "out of range");
}
END_TEST

START_TEST(a_missing_file_is_named)
{
	struct os_config c;

	diag_clear();
	ck_assert_int_eq(config_load("/nonexistent/os.conf", &c), EXIT_USAGE);
	config_free(&c);
	ck_assert_str_eq(diag_message(),
			 "/nonexistent/os.conf: cannot read the configuration: No such file or directory");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	tcase_add_test(tc, every_field_is_read);
	tcase_add_test(tc, defaults_without_sections);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, a_missing_file_is_named);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unlink(file);
	rmdir(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
