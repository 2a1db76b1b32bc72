/* check_image_type.c - the registry of image types */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "image-type.h"

static char dir[] = "/tmp/check_image_type.XXXXXX";

static const char full[] =
	"description = \"a test type\"\n"
	"system = \"i586-gnu\"\n"
	"format = \"raw\"\n"
	"output = \"t.img\"\n"
	"root-offset = \"2MiB\"\n"
	"disk-driver = \"wd\"\n"
	"exec-server = \"ld.so\"\n"
	"dynamic-linker = \"/lib/ld.so.1\"\n";

static char *write_type(const char *sub, const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(a_full_type_is_read)
{
	struct image_type t;

	ck_assert_int_eq(image_type_parse(write_type("a", "t.conf", full), "t", &t), 0);
	ck_assert_str_eq(t.name, "t");
	ck_assert_str_eq(t.system, "i586-gnu");
	ck_assert_str_eq(t.format, "raw");
	ck_assert_uint_eq(t.root_offset, 2 << 20);
	ck_assert_int_eq(t.driver, DRIVER_WD);
	ck_assert_int_eq(t.exec, EXEC_LDSO);
	ck_assert_str_eq(t.bootloader, "grub-pc");
	image_type_free(&t);
}
END_TEST

static void refused(const char *text, const char *what)
{
	struct image_type t;

	diag_clear();
	ck_assert_int_eq(image_type_parse(write_type("b", "bad.conf", text), "bad", &t),
			 EXIT_USAGE);
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
}

START_TEST(bad_types_are_refused)
{
	refused("system = \"x\"\nformat = \"raw\"\noutput = \"o\"\n", "no 'description'");
	refused("description = \"d\"\nsystem = \"x\"\nformat = \"vmdk\"\noutput = \"o\"\n",
		"bad.conf:3: format 'vmdk' is not a known disk format");
	refused("description = \"d\"\ndisk-driver = \"sd\"\n", "bad.conf:2: disk-driver 'sd' is not one of: hd, wd");
	refused("exec-server = \"dynamic\"\n", "not one of: static, ld.so");
	refused("root-offset = \"1001K\"\n", "multiple of 4 KiB");
	refused("root-offset = \"4K\"\n", "between 64 KiB");
	refused("colour = \"blue\"\n", "no such option 'colour'");
}
END_TEST

START_TEST(later_directories_override_and_unknown_names_list_the_rest)
{
	struct image_types reg = { NULL, 0 };
	const struct image_type *t;
	char d1[512], d2[512];

	write_type("r1", "one.conf", full);
	write_type("r1", "two.conf", full);
	write_type("r1", "README", "not a type");
	write_type("r2", "two.conf", "description = \"second\"\nsystem = \"x86_64-gnu\"\nformat = \"raw\"\noutput = \"2.img\"\n");
	snprintf(d1, sizeof(d1), "%s/r1", dir);
	snprintf(d2, sizeof(d2), "%s/r2", dir);
	ck_assert_int_eq(image_types_load_dir(&reg, d1, 1), 0);
	ck_assert_int_eq(image_types_load_dir(&reg, d2, 1), 0);
	ck_assert_uint_eq(reg.n, 2);
	ck_assert_int_eq(image_types_find(&reg, "two", &t), 0);
	ck_assert_str_eq(t->description, "second");
	diag_clear();
	ck_assert_int_eq(image_types_find(&reg, "three", &t), EXIT_USAGE);
	ck_assert_str_eq(diag_message(),
			 "unknown image type 'three'; known types: one, two (see --list-image-types)");
	ck_assert_int_eq(image_types_load_dir(&reg, "/nonexistent", 0), 0);
	diag_clear();
	ck_assert_int_eq(image_types_load_dir(&reg, "/nonexistent", 1), EXIT_USAGE);
	image_types_free(&reg);
}
END_TEST

START_TEST(the_shipped_types)
{
	struct image_types reg = { NULL, 0 };
	const struct image_type *t;
	const char *top = getenv("top_srcdir");
	char d[512];

	snprintf(d, sizeof(d), "%s/image-types", top ? top : "../..");
	ck_assert_int_eq(image_types_load_dir(&reg, d, 1), 0);
	ck_assert_int_eq(image_types_find(&reg, "hurd-raw", &t), 0);
	ck_assert_str_eq(t->system, "i586-gnu");
	ck_assert_str_eq(t->format, "raw");
	ck_assert_int_eq(t->driver, DRIVER_HD);
	ck_assert_uint_eq(t->root_offset, 1 << 20);
	ck_assert_int_eq(image_types_find(&reg, "hurd64-raw", &t), 0);
	ck_assert_str_eq(t->system, "x86_64-gnu");
	ck_assert_int_eq(t->driver, DRIVER_WD);
	ck_assert_str_eq(t->dynamic_linker, "/lib/ld-x86-64.so.1");
	image_types_free(&reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image-type");
	TCase *tc = tcase_create("image-type");
	SRunner *sr;
	int failed;

	if (!mkdtemp(dir))
		return EXIT_FAILURE;
	tcase_add_test(tc, a_full_type_is_read);
	tcase_add_test(tc, bad_types_are_refused);
	tcase_add_test(tc, later_directories_override_and_unknown_names_list_the_rest);
	tcase_add_test(tc, the_shipped_types);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (!fork())
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
