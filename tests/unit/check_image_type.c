/* check_image_type.c - the registry of image types */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "disk.h"
#include "image-type.h"
#include "check-run.h"
#include "qcow2.h"
#include "registry.h"

static char dir[] = "/tmp/check_image_type.XXXXXX";

static const char full[] = "# a type with every key\n"
			   "description = \"a test type\"\n"
			   "system = \"i586-gnu\"\n"
			   "format = \"qcow2\"\n"
			   "output = \"t.img\"\n"
			   "partition-table = \"mbr\"\n"
			   "root-offset = \"2MiB\"\n"
			   "bootloader = \"grub-pc\"\n"
			   "disk-driver = \"wd\"\n"
			   "exec-server = \"ld.so\"\n"
			   "dynamic-linker = \"/lib/ld-x.so.1\"\n"
			   "cluster-size = \"2MiB\"\n"
			   "preallocation = \"metadata\"\n";

#define minimal_qcow2                           \
	"description = \"d\"\nsystem = \"x\"\n" \
	"format = \"qcow2\"\noutput = \"o\"\n"

/* What type files may name: every registry's kinds. */
static const struct image_type_kinds *kinds(void)
{
	return registry_image_type_kinds();
}

static const char minimal[] = "description = \"d\"\n"
			      "system = \"x86_64-gnu\"\n"
			      "format = \"raw\"\n"
			      "output = \"o.img\"\n";

/* Write TEXT to DIR/SUB/NAME; returns the path (static). */
static const char *write_type(const char *sub, const char *name,
			      const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static const char *sub_dir(const char *sub)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	return path;
}

START_TEST(a_full_type_is_read)
{
	const char *path = write_type("a", "t.conf", full);
	struct image_type t;

	diag_clear();
	ck_assert_int_eq(image_type_parse(path, "t", kinds(), &t), 0);
	ck_assert_ptr_null(diag_message());
	ck_assert_str_eq(t.name, "t");
	ck_assert_str_eq(t.file, path);
	ck_assert_str_eq(t.description, "a test type");
	ck_assert_str_eq(t.system, "i586-gnu");
	ck_assert_str_eq(t.format, "qcow2");
	ck_assert_str_eq(t.output, "t.img");
	ck_assert_str_eq(t.partition_table, "mbr");
	ck_assert_uint_eq(t.root_offset, 2 << 20);
	ck_assert_str_eq(t.bootloader, "grub-pc");
	ck_assert_int_eq(t.driver, DRIVER_WD);
	ck_assert_int_eq(t.exec, EXEC_LDSO);
	ck_assert_str_eq(t.dynamic_linker, "/lib/ld-x.so.1");
	ck_assert_uint_eq(t.cluster_bits, 21);
	ck_assert_int_eq(t.prealloc_metadata, 1);
	image_type_free(&t);
	ck_assert_ptr_null(t.name);
	ck_assert_ptr_null(t.system);
}
END_TEST

START_TEST(optional_keys_have_defaults)
{
	struct image_type t;

	ck_assert_int_eq(image_type_parse(write_type("a", "m.conf", minimal),
					  "m", kinds(), &t),
			 0);
	ck_assert_str_eq(t.system, "x86_64-gnu");
	ck_assert_str_eq(t.output, "o.img");
	ck_assert_str_eq(t.partition_table, "mbr");
	ck_assert_uint_eq(t.root_offset, 1 << 20);
	ck_assert_str_eq(t.bootloader, "grub-pc");
	ck_assert_int_eq(t.driver, DRIVER_HD);
	ck_assert_int_eq(t.exec, EXEC_STATIC);
	ck_assert_str_eq(t.dynamic_linker, "/lib/ld.so.1");
	/* A raw disk has no cluster size. */
	ck_assert_uint_eq(t.cluster_bits, 0);
	ck_assert_int_eq(t.prealloc_metadata, 0);
	image_type_free(&t);
}
END_TEST

START_TEST(cluster_sizes)
{
	ck_assert_int_eq(qcow2_cluster_bits("512"), 9);
	ck_assert_int_eq(qcow2_cluster_bits("512B"), 9);
	ck_assert_int_eq(qcow2_cluster_bits("1K"), 10);
	ck_assert_int_eq(qcow2_cluster_bits("4KiB"), 12);
	ck_assert_int_eq(qcow2_cluster_bits("64KiB"), 16);
	ck_assert_int_eq(qcow2_cluster_bits("65536"), 16);
	ck_assert_int_eq(qcow2_cluster_bits("1M"), 20);
	ck_assert_int_eq(qcow2_cluster_bits("2MiB"), 21);
	ck_assert_int_eq(qcow2_cluster_bits("256"), -1);
	ck_assert_int_eq(qcow2_cluster_bits("4MiB"), -1);
	ck_assert_int_eq(qcow2_cluster_bits("3K"), -1);
	ck_assert_int_eq(qcow2_cluster_bits("0"), -1);
	ck_assert_int_eq(qcow2_cluster_bits("64KB "), -1);
	ck_assert_int_eq(qcow2_cluster_bits("x"), -1);
}
END_TEST

START_TEST(root_offset_limits)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "64KiB", 65536 },	{ "68K", 69632 },
		{ "1M", 1 << 20 },	{ "4GiB", 1ULL << 32 },
		{ "1052672", 1052672 },
	};
	struct image_type t;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		snprintf(text, sizeof(text), "%sroot-offset = \"%s\"\n",
			 minimal, ok[i].text);
		diag_clear();
		ck_assert_msg(image_type_parse(write_type("a", "o.conf", text),
					       "o", kinds(), &t) == 0,
			      "%s refused: %s", ok[i].text, diag_message());
		ck_assert_uint_eq(t.root_offset, ok[i].bytes);
		image_type_free(&t);
	}
}
END_TEST

/* image_type_parse of TEXT fails with EXIT_USAGE and a message that
 * starts with the file name, then holds WHAT. */
static void refused(const char *text, const char *what)
{
	const char *path = write_type("b", "bad.conf", text);
	struct image_type t;

	diag_clear();
	ck_assert_int_eq(image_type_parse(path, "bad", kinds(), &t),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(!strncmp(diag_message(), path, strlen(path)),
		      "'%s' does not start with '%s'", diag_message(), path);
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
}

START_TEST(missing_required_keys)
{
	refused("system = \"x\"\nformat = \"raw\"\noutput = \"o\"\n",
		": the image type has no 'description'");
	refused("description = \"d\"\nformat = \"raw\"\noutput = \"o\"\n",
		": the image type has no 'system'");
	refused("description = \"d\"\nsystem = \"x\"\noutput = \"o\"\n",
		": the image type has no 'format'");
	refused("description = \"d\"\nsystem = \"x\"\nformat = \"raw\"\n",
		": the image type has no 'output'");
	refused("", ": the image type has no 'description'");
}
END_TEST

START_TEST(bad_values_name_file_line_and_choices)
{
	char want[256];

	snprintf(
		want, sizeof(want),
		"bad.conf:3: format 'vmdk' is not a known disk format (known: %s)",
		disk_format_names());
	ck_assert_ptr_nonnull(strstr(disk_format_names(), "raw"));
	refused("description = \"d\"\nsystem = \"x\"\nformat = "
		"\"vmdk\"\noutput = \"o\"\n",
		want);
	refused("description = \"d\"\ndisk-driver = \"sd\"\n",
		"bad.conf:2: disk-driver 'sd' is not one of: hd, wd");
	refused("exec-server = \"dynamic\"\n",
		"bad.conf:1: exec-server 'dynamic' is not one of: static, ld.so");
	refused("\npartition-table = \"gpt\"\n",
		"bad.conf:2: partition-table 'gpt' is not one of: mbr");
	refused("bootloader = \"uefi\"\n",
		"bad.conf:1: bootloader 'uefi' is not one of: grub-pc");
	refused("\n\ncolour = \"blue\"\n",
		"bad.conf:3: no such option 'colour'");
	refused("description = \"d\n", "premature end of file");
	refused(minimal_qcow2 "cluster-size = \"48K\"\n",
		"bad.conf:5: cluster-size '48K' must be a power of two from "
		"512 bytes to 2 MiB");
	refused(minimal_qcow2 "cluster-size = \"4MiB\"\n",
		"bad.conf:5: cluster-size '4MiB' must be");
	refused(minimal_qcow2 "preallocation = \"full\"\n",
		"bad.conf:5: preallocation 'full' is not one of: off, metadata");
	/* A format's option on another format's disk. */
	refused("description = \"d\"\nsystem = \"x\"\nformat = \"raw\"\n"
		"output = \"o\"\ncompress = true\n",
		": compress is not an option of raw disks");
}
END_TEST

START_TEST(bad_root_offsets)
{
	static const char *const bad[] = {
		"1001K",		   /* not a multiple of 4 KiB */
		"1048577",  "66000", "4K", /* too small: GRUB's core.img lives
					     before it */
		"60K",	    "0",     "4100M", /* too large */
		"4194308K", "1T",    "x",     "", "-1M",
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "%s\nroot-offset = \"%s\"\n",
			 minimal, bad[i]);
		refused(text, "bad.conf:6: root-offset '");
		ck_assert_msg(
			strstr(diag_message(),
			       "must be a multiple of 4 KiB between 64 KiB and 4 GiB"),
			"'%s'", diag_message());
	}
}
END_TEST

START_TEST(an_absent_file_is_named)
{
	struct image_type t;
	char path[512], want[600];

	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	snprintf(want, sizeof(want),
		 "%s: cannot read the image type: No such file or directory",
		 path);
	diag_clear();
	ck_assert_int_eq(image_type_parse(path, "absent", kinds(), &t),
			 EXIT_USAGE);
	ck_assert_str_eq(diag_message(), want);
}
END_TEST

START_TEST(later_directories_override)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const struct image_type *t;

	write_type("r1", "one.conf", full);
	write_type("r1", "two.conf", full);
	write_type("r2", "two.conf",
		   "description = \"second\"\nsystem = \"x86_64-gnu\"\nformat "
		   "= \"raw\"\noutput = \"2.img\"\n");
	write_type("r2", "three.conf", minimal);
	diag_clear();
	ck_assert_int_eq(image_types_load_dir(&reg, sub_dir("r1"), 1), 0);
	ck_assert_uint_eq(reg.n, 2);
	ck_assert_int_eq(image_types_find(&reg, "two", &t), 0);
	ck_assert_str_eq(t->description, "a test type");
	ck_assert_int_eq(image_types_load_dir(&reg, sub_dir("r2"), 1), 0);
	ck_assert_uint_eq(reg.n, 3);
	ck_assert_int_eq(image_types_find(&reg, "two", &t), 0);
	ck_assert_str_eq(t->name, "two");
	ck_assert_str_eq(t->description, "second");
	ck_assert_str_eq(t->system, "x86_64-gnu");
	ck_assert_int_eq(t->driver, DRIVER_HD);
	ck_assert_ptr_nonnull(strstr(t->file, "/r2/two.conf"));
	ck_assert_int_eq(image_types_find(&reg, "one", &t), 0);
	ck_assert_str_eq(t->description, "a test type");
	ck_assert_int_eq(image_types_find(&reg, "three", &t), 0);
	ck_assert_str_eq(t->output, "o.img");
	ck_assert_ptr_null(diag_message());
	image_types_free(&reg);
	ck_assert_uint_eq(reg.n, 0);
	ck_assert_ptr_null(reg.types);
}
END_TEST

START_TEST(only_conf_files_are_types)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const struct image_type *t;

	write_type("r3", "real.conf", minimal);
	write_type("r3", "README", "not a type");
	write_type("r3", "old.conf.bak", "not a type either");
	write_type("r3", "conf", "no");
	write_type("r3", ".conf", "no");
	write_type("r3", ".hidden.conf", "no");
	write_type("r3", "realconf", "no");
	mkdir(sub_dir("r3/sub"), 0755);
	ck_assert_int_eq(image_types_load_dir(&reg, sub_dir("r3"), 1), 0);
	ck_assert_uint_eq(reg.n, 1);
	ck_assert_str_eq(reg.types[0].name, "real");
	ck_assert_int_eq(image_types_find(&reg, "real", &t), 0);
	image_types_free(&reg);
}
END_TEST

START_TEST(directory_errors)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	char path[512], want[600];

	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	diag_clear();
	ck_assert_int_eq(image_types_load_dir(&reg, path, 0), 0);
	ck_assert_ptr_null(diag_message());
	ck_assert_uint_eq(reg.n, 0);
	ck_assert_int_eq(image_types_load_dir(&reg, path, 1), EXIT_USAGE);
	snprintf(want, sizeof(want),
		 "%s: cannot read the image types directory: No such file or "
		 "directory",
		 path);
	ck_assert_str_eq(diag_message(), want);
	/* A broken type in the directory is an error. */
	write_type("r4", "a.conf", minimal);
	write_type("r4", "b.conf", "description = \"d\"\n");
	diag_clear();
	ck_assert_int_eq(image_types_load_dir(&reg, sub_dir("r4"), 0),
			 EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(diag_message(),
				     "b.conf: the image type has no 'system'"));
	image_types_free(&reg);
}
END_TEST

START_TEST(unknown_names_list_the_known_ones)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const struct image_type *t = NULL;

	diag_clear();
	ck_assert_int_eq(image_types_find(&reg, "hurd-raw", &t), EXIT_USAGE);
	ck_assert_str_eq(diag_message(),
			 "unknown image type 'hurd-raw': no image types are "
			 "installed (use --types-dir DIR)");
	write_type("r5", "zeta.conf", minimal);
	write_type("r5", "alpha.conf", minimal);
	write_type("r5", "mid.conf", minimal);
	ck_assert_int_eq(image_types_load_dir(&reg, sub_dir("r5"), 1), 0);
	diag_clear();
	ck_assert_int_eq(image_types_find(&reg, "beta", &t), EXIT_USAGE);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(diag_message(),
			 "unknown image type 'beta'; known types: alpha, mid, "
			 "zeta (see --list-image-types)");
	/* Names are matched exactly. */
	diag_clear();
	ck_assert_int_eq(image_types_find(&reg, "Alpha", &t), EXIT_USAGE);
	ck_assert_int_eq(image_types_find(&reg, "alpha", &t), 0);
	ck_assert_str_eq(t->name, "alpha");
	image_types_free(&reg);
}
END_TEST

static size_t count_conf(const char *path)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(path);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > 5 &&
		    !strcmp(de->d_name + len - 5, ".conf"))
			n++;
	}
	closedir(d);
	return n;
}

START_TEST(the_shipped_types)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const struct image_type *t;
	const char *top = getenv("top_srcdir");
	char d[512];

	ck_assert_msg(top != NULL,
		      "top_srcdir is not set (make check sets it)");
	snprintf(d, sizeof(d), "%s/image-types", top);
	diag_clear();
	ck_assert_msg(image_types_load_dir(&reg, d, 1) == 0, "%s",
		      diag_message());
	ck_assert_uint_eq(reg.n, count_conf(d));
	ck_assert_uint_ge(reg.n, 2);
	ck_assert_int_eq(image_types_find(&reg, "hurd-raw", &t), 0);
	ck_assert_str_eq(t->system, "i586-gnu");
	ck_assert_str_eq(t->format, "raw");
	ck_assert_int_eq(t->driver, DRIVER_HD);
	ck_assert_int_eq(t->exec, EXEC_STATIC);
	ck_assert_str_eq(t->output, "hurd.img");
	ck_assert_str_eq(t->partition_table, "mbr");
	ck_assert_str_eq(t->bootloader, "grub-pc");
	ck_assert_uint_eq(t->root_offset, 1 << 20);
	ck_assert_str_eq(t->dynamic_linker, "/lib/ld.so.1");
	ck_assert_int_eq(image_types_find(&reg, "hurd64-raw", &t), 0);
	ck_assert_str_eq(t->system, "x86_64-gnu");
	ck_assert_str_eq(t->format, "raw");
	ck_assert_int_eq(t->driver, DRIVER_WD);
	ck_assert_int_eq(t->exec, EXEC_STATIC);
	ck_assert_str_eq(t->output, "hurd64.img");
	ck_assert_uint_eq(t->root_offset, 1 << 20);
	ck_assert_str_eq(t->dynamic_linker, "/lib/ld-x86-64.so.1");
	image_types_free(&reg);
}
END_TEST

/* Uninstalled (no TYPESDIR, unless mkhurdimg was installed here too),
 * the built-in types are the source tree's. */
START_TEST(the_builtin_types)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const struct image_type *t;
	struct stat st;

	diag_clear();
	ck_assert_msg(image_types_load_builtin(&reg) == 0, "%s",
		      diag_message());
	ck_assert_int_eq(image_types_find(&reg, "hurd-qcow2", &t), 0);
	ck_assert_str_eq(t->format, "qcow2");
	if (stat(TYPESDIR, &st)) /* then they came from SRCTYPESDIR */
		ck_assert_int_eq(strncmp(t->file, SRCTYPESDIR "/",
					 strlen(SRCTYPESDIR) + 1),
				 0);
	image_types_free(&reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image-type");
	TCase *tc = tcase_create("image-type");
	pid_t pid;
	int failed;

	if (!mkdtemp(dir))
		return 1;
	tcase_add_test(tc, a_full_type_is_read);
	tcase_add_test(tc, optional_keys_have_defaults);
	tcase_add_test(tc, cluster_sizes);
	tcase_add_test(tc, root_offset_limits);
	tcase_add_test(tc, missing_required_keys);
	tcase_add_test(tc, bad_values_name_file_line_and_choices);
	tcase_add_test(tc, bad_root_offsets);
	tcase_add_test(tc, an_absent_file_is_named);
	tcase_add_test(tc, later_directories_override);
	tcase_add_test(tc, only_conf_files_are_types);
	tcase_add_test(tc, directory_errors);
	tcase_add_test(tc, unknown_names_list_the_known_ones);
	tcase_add_test(tc, the_shipped_types);
	tcase_add_test(tc, the_builtin_types);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return failed;
}
