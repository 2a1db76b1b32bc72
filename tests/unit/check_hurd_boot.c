/* check_hurd_boot.c - the boot policy: the image type's chain (GRUB's
 * 10_hurd) and a Guix system's own parameters, rendered by grub.c */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "grub.h"
#include "hurd-boot.h"
#include "check-run.h"

#define HEAD                                                                  \
	"# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING ".\n" \
	"set default=0\nset timeout=5\n\n"

#define EXT2FS_FIRST                                            \
	"\tmodule /hurd/ext2fs.static ext2fs --readonly "       \
	"--multiboot-command-line='${kernel-command-line}' "    \
	"--host-priv-port='${host-port}' "                      \
	"--device-master-port='${device-port}' "                \
	"--exec-server-task='${exec-task}' -T typed '${root}' " \
	"'$(fs-task=task-create)' '$(task-resume)'\n"
#define EXT2FS_CHAINED                                          \
	"\tmodule /hurd/ext2fs.static ext2fs --readonly "       \
	"--multiboot-command-line='${kernel-command-line}' "    \
	"--exec-server-task='${exec-task}' -T typed '${root}' " \
	"'$(fs-task=task-create)'\n"
#define EXEC_STATIC_LINE \
	"\tmodule /hurd/exec.static exec '$(exec-task=task-create)'\n"

#define SYS "/gnu/store/4rb3r1dfrmy3s1wx3d4dn0p2ak0f9b0b-system"
#define MACH "/gnu/store/0b3ydc8i1m2dvhmsbrnfhcqqj3k7jl3i-gnumach-1.8"
#define HURD "/gnu/store/1hqdzmf8rjmwfrc39dha7lmjmz2vwlf5-hurd-0.9"

static struct tree t;
static struct os_config cfg;
static struct image_type type;
static struct hurd_boot b;

static void put(const char *path)
{
	ck_assert_int_eq(tree_add_data(&t, path, 0555, "x", 1, 1), 0);
}

/* The fixture's tree without SKIP (NULL: all of it). */
static void setup_without(const char *skip)
{
	static const char *const files[] = { "/boot/gnumach.gz",
					     "/hurd/ext2fs.static",
					     "/hurd/exec.static",
					     "/hurd/rumpdisk.static" };
	size_t i;

	ck_assert_int_eq(tree_init(&t, 1), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.file = "os.conf";
	cfg.host_name = "gnu";
	cfg.kernel = "/boot/gnumach.gz";
	cfg.hurd = "/";
	cfg.timeout = 5;
	memset(&type, 0, sizeof(type));
	type.system = "i586-gnu";
	type.driver = DRIVER_HD;
	type.exec = EXEC_STATIC;
	type.dynamic_linker = "/lib/ld.so.1";
	memset(&b, 0, sizeof(b));
	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (!skip || strcmp(skip, files[i]))
			put(files[i]);
	diag_clear();
}

static void setup(void)
{
	setup_without(NULL);
}

static void teardown(void)
{
	hurd_boot_free(&b);
	tree_free(&t);
	diag_clear();
}

/* Start again from the fixture's tree without SKIP. */
static void again_without(const char *skip)
{
	teardown();
	setup_without(skip);
}

/* The grub.cfg of the decided boot; the test frees it. */
static char *rendered(void)
{
	struct grub_settings g = { cfg.timeout, cfg.serial };
	char *text;

	hurd_boot_free(&b);
	ck_assert_msg(hurd_boot_decide(&b, &t, &cfg, &type) == 0, "refused: %s",
		      diag_message() ? diag_message() : "(no message)");
	text = grub_cfg_generate(&g, &b.entry);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* The decision fails with STATUS and exactly MESSAGE. */
static void refused(int status, const char *message)
{
	hurd_boot_free(&b);
	diag_clear();
	ck_assert_int_eq(hurd_boot_decide(&b, &t, &cfg, &type), status);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_str_eq(diag_message(), message);
	diag_clear();
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void holds(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "no [%s] in:\n%s", want,
		      text);
}

/* ---- the image type's chain ---- */

START_TEST(classic_entry_is_exactly_grubs_10_hurd)
{
	char *text = rendered();

	ck_assert_str_eq(
		text, HEAD
		"menuentry 'GNU with the Hurd (gnu)' {\n"
		"\tinsmod part_msdos\n"
		"\tinsmod ext2\n"
		"\techo 'Loading GNU Mach ...'\n"
		"\tmultiboot /boot/gnumach.gz root=part:1:device:hd0\n"
		"\techo 'Loading the Hurd ...'\n" EXT2FS_FIRST EXEC_STATIC_LINE
		"}\n");
	ck_assert_int_eq(b.driver, DRIVER_HD);
	ck_assert_str_eq(b.hurd_dir, "/");
	ck_assert_ptr_null(b.root_label);
	ck_assert_int_eq(b.has_root_uuid, 0);
	free(text);
}
END_TEST

START_TEST(rumpdisk_chain_hands_the_ports_on)
{
	char *text;

	type.driver = DRIVER_WD;
	put("/hurd/pci-arbiter.static");
	put("/hurd/acpi.static");
	text = rendered();
	ck_assert_str_eq(
		text, HEAD
		"menuentry 'GNU with the Hurd (gnu)' {\n"
		"\tinsmod part_msdos\n"
		"\tinsmod ext2\n"
		"\techo 'Loading GNU Mach ...'\n"
		"\tmultiboot /boot/gnumach.gz root=part:1:device:wd0 noide\n"
		"\techo 'Loading the Hurd ...'\n"
		"\tmodule /hurd/pci-arbiter.static pci-arbiter "
		"--host-priv-port='${host-port}' "
		"--device-master-port='${device-port}' --next-task='${acpi-task}' "
		"'$(pci-task=task-create)' '$(task-resume)'\n"
		"\tmodule /hurd/acpi.static acpi --next-task='${disk-task}' "
		"'$(acpi-task=task-create)'\n"
		"\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' "
		"'$(disk-task=task-create)'\n" EXT2FS_CHAINED EXEC_STATIC_LINE
		"}\n");
	/* Only the first task gets the ports and is resumed by GNU Mach. */
	ck_assert_int_eq(count(text, "task-resume"), 1);
	ck_assert_int_eq(count(text, "--host-priv-port"), 1);
	ck_assert_int_eq(count(text, "--device-master-port"), 1);
	ck_assert_int_eq(b.driver, DRIVER_WD);
	free(text);
}
END_TEST

START_TEST(rumpdisk_first_when_alone)
{
	char *text;

	type.driver = DRIVER_WD;
	text = rendered();
	holds(text,
	      "\techo 'Loading the Hurd ...'\n"
	      "\tmodule /hurd/rumpdisk.static rumpdisk "
	      "--host-priv-port='${host-port}' "
	      "--device-master-port='${device-port}' --next-task='${fs-task}' "
	      "'$(disk-task=task-create)' '$(task-resume)'\n" EXT2FS_CHAINED
		      EXEC_STATIC_LINE "}\n");
	ck_assert_ptr_null(strstr(text, "pci"));
	ck_assert_ptr_null(strstr(text, "acpi"));
	ck_assert_int_eq(count(text, "task-resume"), 1);
	free(text);
}
END_TEST

START_TEST(partial_chains_skip_the_missing_link)
{
	char *text;

	type.driver = DRIVER_WD;
	put("/hurd/pci-arbiter.static");
	text = rendered();
	holds(text,
	      "\tmodule /hurd/pci-arbiter.static pci-arbiter "
	      "--host-priv-port='${host-port}' "
	      "--device-master-port='${device-port}' --next-task='${disk-task}' "
	      "'$(pci-task=task-create)' '$(task-resume)'\n"
	      "\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' "
	      "'$(disk-task=task-create)'\n" EXT2FS_CHAINED);
	ck_assert_ptr_null(strstr(text, "acpi"));
	free(text);

	again_without(NULL);
	type.driver = DRIVER_WD;
	put("/hurd/acpi.static");
	text = rendered();
	holds(text,
	      "\tmodule /hurd/acpi.static acpi --host-priv-port='${host-port}' "
	      "--device-master-port='${device-port}' --next-task='${disk-task}' "
	      "'$(acpi-task=task-create)' '$(task-resume)'\n"
	      "\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' "
	      "'$(disk-task=task-create)'\n" EXT2FS_CHAINED);
	ck_assert_ptr_null(strstr(text, "pci"));
	free(text);

	/* With the hd driver, the chain's servers are not started at all. */
	type.driver = DRIVER_HD;
	put("/hurd/pci-arbiter.static");
	text = rendered();
	ck_assert_ptr_null(strstr(text, "pci-arbiter"));
	ck_assert_ptr_null(strstr(text, "acpi"));
	ck_assert_ptr_null(strstr(text, "rumpdisk"));
	holds(text, EXT2FS_FIRST);
	free(text);
}
END_TEST

START_TEST(noide_selects_wd_once)
{
	char *args[] = { "noide", "-s" };
	char *text;

	cfg.kernel_args = args;
	cfg.nkernel_args = 2;
	text = rendered();
	holds(text,
	      "\tmultiboot /boot/gnumach.gz root=part:1:device:wd0 noide -s\n");
	ck_assert_int_eq(count(text, "noide"), 1);
	holds(text, "rumpdisk.static rumpdisk --host-priv-port=");
	ck_assert_int_eq(count(text, "task-resume"), 1);
	ck_assert_int_eq(b.driver, DRIVER_WD);
	free(text);
	/* The wd type with noide given as well. */
	type.driver = DRIVER_WD;
	args[0] = "-s";
	args[1] = "noide";
	text = rendered();
	holds(text, "root=part:1:device:wd0 -s noide\n");
	ck_assert_int_eq(count(text, "noide"), 1);
	free(text);
	/* Words like noide are not noide. */
	type.driver = DRIVER_HD;
	args[0] = "noide=1";
	args[1] = "NOIDE";
	text = rendered();
	ck_assert_int_eq(b.driver, DRIVER_HD);
	holds(text, "root=part:1:device:hd0 noide=1 NOIDE\n");
	free(text);
}
END_TEST

START_TEST(serial_console_for_mach)
{
	char *args[] = { "-s" };
	char *text;

	cfg.serial = 1;
	cfg.kernel_args = args;
	cfg.nkernel_args = 1;
	text = rendered();
	holds(text,
	      "\tmultiboot /boot/gnumach.gz root=part:1:device:hd0 console=com0 -s\n");
	free(text);
	/* Asked for in the arguments already: not twice. */
	args[0] = "console=com0";
	text = rendered();
	holds(text, "root=part:1:device:hd0 console=com0\n");
	ck_assert_int_eq(count(text, "console=com0"), 1);
	free(text);
	cfg.serial = 0;
	cfg.nkernel_args = 0;
	text = rendered();
	ck_assert_ptr_null(strstr(text, "console=com0"));
	free(text);
}
END_TEST

START_TEST(ld_so_starts_exec)
{
	char *text;

	type.exec = EXEC_LDSO;
	put("/hurd/exec");
	put("/lib/ld.so.1");
	text = rendered();
	holds(text, EXT2FS_FIRST
	      "\tmodule /lib/ld.so.1 exec /hurd/exec '$(exec-task=task-create)'\n"
	      "}\n");
	ck_assert_ptr_null(strstr(text, "exec.static"));
	free(text);
	type.dynamic_linker = "/lib/ld-x86-64.so.1";
	put("/lib/ld-x86-64.so.1");
	text = rendered();
	holds(text, "\tmodule /lib/ld-x86-64.so.1 exec /hurd/exec "
		    "'$(exec-task=task-create)'\n");
	free(text);
	type.dynamic_linker = "/lib/none.so";
	refused(EXIT_BUILD,
		"os.conf: the dynamic linker /lib/none.so is not in the image; add it with a source or change the configuration");
}
END_TEST

START_TEST(hurd_in_a_store_directory)
{
	static const char *const dirs[] = { "/gnu/store/abc-hurd",
					    "/gnu/store/abc-hurd/",
					    "/gnu/store/abc-hurd//" };
	size_t i;

	put("/gnu/store/abc-hurd/hurd/pci-arbiter.static");
	put("/gnu/store/abc-hurd/hurd/rumpdisk.static");
	put("/gnu/store/abc-hurd/hurd/ext2fs.static");
	put("/gnu/store/abc-hurd/hurd/exec.static");
	put("/gnu/store/abc-hurd/hurd/exec");
	put("/lib/ld.so.1");
	type.driver = DRIVER_WD;
	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char *text;

		cfg.hurd = (char *)dirs[i];
		type.exec = EXEC_STATIC;
		text = rendered();
		holds(text,
		      "\tmodule /gnu/store/abc-hurd/hurd/pci-arbiter.static pci-arbiter ");
		holds(text,
		      "\tmodule /gnu/store/abc-hurd/hurd/rumpdisk.static rumpdisk ");
		holds(text,
		      "\tmodule /gnu/store/abc-hurd/hurd/ext2fs.static ext2fs ");
		holds(text,
		      "\tmodule /gnu/store/abc-hurd/hurd/exec.static exec "
		      "'$(exec-task=task-create)'\n");
		ck_assert_msg(strstr(text, "//") == NULL, "'//' for %s:\n%s",
			      dirs[i], text);
		free(text);
		type.exec = EXEC_LDSO;
		text = rendered();
		holds(text,
		      "\tmodule /lib/ld.so.1 exec /gnu/store/abc-hurd/hurd/exec "
		      "'$(exec-task=task-create)'\n");
		ck_assert_msg(strstr(text, "//") == NULL, "'//' for %s:\n%s",
			      dirs[i], text);
		free(text);
	}
}
END_TEST

START_TEST(arguments_are_quoted_for_grub)
{
	char *args[] = { "gnu.system=/gnu/store/x-system", "a b", "x'y", "",
			 "$HOME" };
	char *text;

	put("/boot/gnu mach.gz");
	cfg.kernel = "/boot/gnu mach.gz";
	cfg.kernel_args = args;
	cfg.nkernel_args = 5;
	cfg.host_name = "joe's";
	text = rendered();
	holds(text, "\nmenuentry 'GNU with the Hurd (joe'\\''s)' {\n");
	holds(text,
	      "\tmultiboot '/boot/gnu mach.gz' root=part:1:device:hd0 "
	      "gnu.system=/gnu/store/x-system 'a b' 'x'\\''y' '' '$HOME'\n");
	free(text);
}
END_TEST

START_TEST(missing_files_are_named)
{
	cfg.kernel = "/boot/none";
	refused(EXIT_BUILD,
		"os.conf: the kernel /boot/none is not in the image; add it with a source or change the configuration");
	cfg.kernel = "/hurd";
	refused(EXIT_BUILD,
		"os.conf: the kernel /hurd is a directory in the image, not a file; change the configuration");
	cfg.kernel = "/boot/gnumach.gz";
	ck_assert_int_eq(tree_add_symlink(&t, "/boot/k", "/nowhere", 1), 0);
	cfg.kernel = "/boot/k";
	refused(EXIT_BUILD,
		"os.conf: the kernel /boot/k is a symlink that leads to no file in the image; add it with a source or change the configuration");
	cfg.kernel = "/boot/gnumach.gz";
	cfg.hurd = "/nowhere";
	refused(EXIT_BUILD,
		"os.conf: the Hurd server /nowhere/hurd/ext2fs.static is not in the image; add it with a source or change the configuration");
	cfg.hurd = "/";
	again_without("/hurd/rumpdisk.static");
	type.driver = DRIVER_WD;
	refused(EXIT_BUILD,
		"os.conf: the Hurd server /hurd/rumpdisk.static is not in the image; add it with a source or change the configuration");
}
END_TEST

/* ---- a Guix system ---- */

#define MODULES                                                             \
	"(multiboot-modules ((\"" HURD "/hurd/pci-arbiter.static\" "        \
	"\"pci-arbiter\" \"--host-priv-port='${host-port}'\" "              \
	"\"--device-master-port='${device-port}'\" "                        \
	"\"--next-task='${disk-task}'\" \"'$(pci-task=task-create)'\" "     \
	"\"'$(task-resume)'\") (\"" HURD "/hurd/rumpdisk.static\" "         \
	"\"rumpdisk\" \"--next-task='${fs-task}'\" "                        \
	"\"'$(disk-task=task-create)'\") (\"" HURD "/hurd/ext2fs.static\" " \
	"\"ext2fs\" \"--multiboot-command-line='${kernel-command-line}'\" " \
	"\"--exec-server-task='${exec-task}'\" \"--store-type=typed\" "     \
	"\"'${root}'\" \"'$(fs-task=task-create)'\") (\"" HURD              \
	"/hurd/exec.static\" \"exec\" \"'$(exec-task=task-create)'\")))"

/* A system item whose parameters are TEXT. */
static void guix_system(const char *text)
{
	ck_assert_int_eq(tree_add_data(&t, SYS "/parameters", 0444, text,
				       strlen(text), 1),
			 0);
	cfg.guix_system = SYS;
	cfg.guix_system_line = 3;
}

/* A system's store items, without SKIP (NULL: all of them). */
static void guix_files_without(const char *skip)
{
	static const char *const files[] = { MACH "/boot/gnumach",
					     HURD "/hurd/pci-arbiter.static",
					     HURD "/hurd/rumpdisk.static",
					     HURD "/hurd/ext2fs.static",
					     HURD "/hurd/exec.static" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (!skip || strcmp(skip, files[i]))
			put(files[i]);
	if (!skip || strcmp(skip, SYS "/hurd"))
		ck_assert_int_eq(tree_add_symlink(&t, SYS "/hurd", HURD, 1), 0);
}

static void guix_files(void)
{
	guix_files_without(NULL);
}

static const char *params(const char *version, const char *root,
			  const char *args)
{
	static char buf[4096];

	snprintf(
		buf, sizeof(buf),
		"(boot-parameters (version %s) (label \"GNU with the Hurd 0.9\")"
		" (root-device %s) (kernel \"" MACH "/boot/gnumach\")"
		" (kernel-arguments (%s)) " MODULES
		" (bootloader-name grub) (bootloader-menu-entries ())"
		" (locale \"en_US.utf8\") (store (device #f) (mount-point \"/\")"
		" (directory-prefix #f) (crypto-devices ())))\n",
		version, root, args);
	return buf;
}

#define GUIX_MODULE_LINES                                                        \
	"  module " HURD "/hurd/pci-arbiter.static pci-arbiter "                 \
	"--host-priv-port='${host-port}' --device-master-port='${device-port}' " \
	"--next-task='${disk-task}' '$(pci-task=task-create)' "                  \
	"'$(task-resume)'\n"                                                     \
	"  module " HURD "/hurd/rumpdisk.static rumpdisk "                       \
	"--next-task='${fs-task}' '$(disk-task=task-create)'\n"                  \
	"  module " HURD "/hurd/ext2fs.static ext2fs "                           \
	"--multiboot-command-line='${kernel-command-line}' "                     \
	"--exec-server-task='${exec-task}' --store-type=typed '${root}' "        \
	"'$(fs-task=task-create)'\n"                                             \
	"  module " HURD "/hurd/exec.static exec '$(exec-task=task-create)'\n"

START_TEST(guix_entry_is_guixs_own)
{
	char *text;

	guix_files();
	guix_system(params("1", "(file-system-label \"hurd\")", ""));
	text = rendered();
	ck_assert_str_eq(text, HEAD "menuentry \"GNU with the Hurd 0.9\" {\n"
				    "  multiboot " MACH
				    "/boot/gnumach root=part:1:device:hd0 "
				    "root=hurd gnu.system=" SYS " gnu.load=" SYS
				    "/boot\n" GUIX_MODULE_LINES "}\n");
	ck_assert_int_eq(b.driver, DRIVER_HD);
	ck_assert_str_eq(b.hurd_dir, HURD);
	ck_assert_str_eq(b.root_label, "hurd");
	ck_assert_int_eq(b.has_root_uuid, 0);
	free(text);
}
END_TEST

START_TEST(guix_arguments_come_last_and_noide_means_wd)
{
	char *text;

	guix_files();
	guix_system(params("1", "(file-system-label \"hurd\")",
			   "\"noide\" \"console=com0\""));
	cfg.serial = 1; /* GRUB's terminal only: the entry stays Guix's */
	text = rendered();
	holds(text, "  multiboot " MACH "/boot/gnumach root=part:1:device:wd0 "
		    "root=hurd gnu.system=" SYS " gnu.load=" SYS "/boot "
		    "noide console=com0\n");
	ck_assert_int_eq(count(text, "console=com0"), 1);
	ck_assert_int_eq(b.driver, DRIVER_WD);
	free(text);
	/* hurd64: rumpdisk always, no noide added. */
	guix_system(params("1", "(file-system-label \"hurd\")", ""));
	type.system = "x86_64-gnu";
	text = rendered();
	holds(text, "root=part:1:device:wd0 root=hurd gnu.system=" SYS
		    " gnu.load=" SYS "/boot\n");
	ck_assert_ptr_null(strstr(text, "noide"));
	ck_assert_int_eq(b.driver, DRIVER_WD);
	free(text);
}
END_TEST

START_TEST(guix_root_devices)
{
	char *text;

	guix_files();
	guix_system(params(
		"1",
		"(uuid dce #vu8(18 52 86 120 154 188 222 240 1 35 69 103 137 171 205 239))",
		""));
	text = rendered();
	holds(text, " root=12345678-9abc-def0-0123-456789abcdef gnu.system=");
	ck_assert_int_eq(b.has_root_uuid, 1);
	ck_assert_int_eq(b.root_uuid[0], 0x12);
	ck_assert_int_eq(b.root_uuid[15], 0xef);
	ck_assert_ptr_null(b.root_label);
	free(text);
	guix_system(params("1", "\"/dev/hd0s1\"", ""));
	text = rendered();
	holds(text, " root=/dev/hd0s1 gnu.system=");
	ck_assert_ptr_null(b.root_label);
	free(text);
	/* Version 0: the long options of old Guix. */
	guix_system(params("0", "\"my-root\"", ""));
	text = rendered();
	holds(text, "root=part:1:device:hd0 --root=my-root --system=" SYS
		    " --load=" SYS "/boot\n");
	ck_assert_str_eq(b.root_label, "my-root");
	free(text);
}
END_TEST

START_TEST(guix_hurd_directory)
{
	char *text;

	guix_files_without(SYS "/hurd");
	guix_system(params("1", "\"/dev/hd0s1\"", ""));
	text = rendered(); /* from the modules' files */
	ck_assert_str_eq(b.hurd_dir, HURD);
	free(text);
}
END_TEST

START_TEST(guix_and_the_configuration_must_agree)
{
	char *args[] = { "console=com0" };
	char *text;

	guix_files();
	guix_system(params("1", "(file-system-label \"hurd\")",
			   "\"console=com0\""));
	cfg.kernel = MACH "/boot/gnumach";
	cfg.kernel_line = 5;
	cfg.hurd = HURD;
	cfg.hurd_line = 6;
	cfg.kernel_args = args;
	cfg.nkernel_args = 1;
	cfg.kernel_args_line = 7;
	text = rendered(); /* the same: fine */
	free(text);
	cfg.kernel = "/boot/gnumach.gz";
	refused(EXIT_USAGE,
		"os.conf:5: kernel /boot/gnumach.gz differs from the one the system's parameters name (" MACH
		"/boot/gnumach); remove kernel from the configuration");
	cfg.kernel = MACH "/boot/gnumach";
	cfg.hurd = "/";
	refused(EXIT_USAGE, "os.conf:6: hurd / differs from the system's (" HURD
			    "); remove hurd from the configuration");
	cfg.hurd = HURD;
	cfg.nkernel_args = 0;
	refused(EXIT_USAGE,
		"os.conf:7: kernel-arguments {  } differ from the system's parameters ({ \"console=com0\" }); remove kernel-arguments from the configuration");
}
END_TEST

START_TEST(guix_missing_pieces_are_named)
{
	guix_files();
	cfg.guix_system = SYS;
	cfg.guix_system_line = 3;
	refused(EXIT_USAGE,
		"os.conf:3: guix-system " SYS
		" has no parameters file in the image: name the system item that `guix system build' prints, and put its closure in the sources");
	ck_assert_int_eq(tree_add_dir(&t, SYS "/parameters", 0555, 0, 0, 1), 0);
	refused(EXIT_USAGE,
		"os.conf:3: guix-system " SYS
		" has no parameters file in the image: name the system item that `guix system build' prints, and put its closure in the sources");
}
END_TEST

START_TEST(guix_missing_module_is_named)
{
	guix_files_without(HURD "/hurd/rumpdisk.static");
	guix_system(params("1", "\"/dev/hd0s1\"", ""));
	refused(EXIT_BUILD, SYS
		"/parameters: the multiboot module " HURD
		"/hurd/rumpdisk.static is not in the image; add its store item to the closure");
	again_without(NULL);
	guix_files_without(MACH "/boot/gnumach");
	guix_system(params("1", "\"/dev/hd0s1\"", ""));
	refused(EXIT_BUILD, SYS
		"/parameters: the kernel " MACH
		"/boot/gnumach is not in the image; add its store item to the closure");
}
END_TEST

/* TEXT as the parameters is refused with MESSAGE (after "FILE: "). */
static void bad_params(const char *text, const char *message)
{
	char want[1024];

	guix_system(text);
	snprintf(want, sizeof(want), SYS "/parameters (in the image): %s",
		 message);
	refused(EXIT_BUILD, want);
}

START_TEST(malformed_parameters_are_refused_with_the_byte)
{
	char text[4096];

	guix_files();
	snprintf(text, sizeof(text), "%s", params("1", "\"/dev/hd0s1\"", ""));
	text[100] = '\0';
	bad_params(
		text,
		"byte 96: the file is truncated: the text ends inside a string (a '\"' is missing)");
	text[90] = '\0';
	bad_params(
		text,
		"byte 89: the file is truncated: the text ends inside a list (a ')' is missing)");
	bad_params("(boot-parameters (version 1)))",
		   "byte 29: text after the boot-parameters form");
	bad_params(
		"",
		"byte 0: the file is truncated: no S-expression in the text");
	bad_params(
		"(boot-parameters (version 2) (label \"x\"))",
		"byte 26: boot-parameters version 2 is not known (0 to 1 are); a newer Guix made it");
	bad_params("(boot-parameters (version \"1\"))",
		   "byte 26: the version is not a number");
	bad_params("(parameters (version 1))",
		   "byte 0: not a (boot-parameters ...) form");
	bad_params("(boot-parameters (version 1))",
		   "byte 0: no (label ...) field");
	bad_params("(boot-parameters (version 1) (label x))",
		   "byte 36: the label is not a string");
	bad_params(
		"(boot-parameters (version 1) (label \"a\\nb\"))",
		"byte 36: the label holds a control character, which a GRUB menu entry cannot show");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device (uuid dce #vu8(1 2))) (kernel \"/k\"))",
		"byte 64: a DCE UUID is a #vu8 bytevector of 16 bytes");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device 3) (kernel \"/k\"))",
		"byte 54: root-device must be a string, (file-system-label ...) or (uuid dce ...)");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (kernel-arguments (\"a\" 3)))",
		"byte 101: kernel-arguments is not a list of strings");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (initrd \"/i\"))",
		"byte 0: no multiboot modules: this is not a GNU/Hurd system (a Linux system boots a kernel with an initrd)");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (multiboot-modules ((\"/a\" \"a\") \"/b\")))",
		"byte 109: multiboot module 2 is not a list of strings (FILE WORD...)");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (multiboot-modules ((\"/a\" a))))",
		"byte 104: a multiboot module is not a list of strings");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (multiboot-modules ((\"a\"))) )",
		"byte 99: multiboot module file \"a\" is not an absolute path");
	bad_params(
		"(boot-parameters (version 1) (label \"x\") (root-device \"/dev/x\") (kernel \"/k\") (multiboot-modules ((\"/a\"))) (store (device #f) (mount-point \"/gnu\")))",
		"byte 126: the store is on a file system mounted at /gnu, not on the root; mkhurdimg puts it on the root file system");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hurd-boot");
	TCase *chain = tcase_create("chain"), *guix = tcase_create("guix");

	tcase_add_checked_fixture(chain, setup, teardown);
	tcase_add_test(chain, classic_entry_is_exactly_grubs_10_hurd);
	tcase_add_test(chain, rumpdisk_chain_hands_the_ports_on);
	tcase_add_test(chain, rumpdisk_first_when_alone);
	tcase_add_test(chain, partial_chains_skip_the_missing_link);
	tcase_add_test(chain, noide_selects_wd_once);
	tcase_add_test(chain, serial_console_for_mach);
	tcase_add_test(chain, ld_so_starts_exec);
	tcase_add_test(chain, hurd_in_a_store_directory);
	tcase_add_test(chain, arguments_are_quoted_for_grub);
	tcase_add_test(chain, missing_files_are_named);
	suite_add_tcase(s, chain);
	tcase_add_checked_fixture(guix, setup, teardown);
	tcase_add_test(guix, guix_entry_is_guixs_own);
	tcase_add_test(guix, guix_arguments_come_last_and_noide_means_wd);
	tcase_add_test(guix, guix_root_devices);
	tcase_add_test(guix, guix_hurd_directory);
	tcase_add_test(guix, guix_and_the_configuration_must_agree);
	tcase_add_test(guix, guix_missing_pieces_are_named);
	tcase_add_test(guix, guix_missing_module_is_named);
	tcase_add_test(guix, malformed_parameters_are_refused_with_the_byte);
	suite_add_tcase(s, guix);
	return check_run(s);
}
