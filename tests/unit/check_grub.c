/* check_grub.c - grub.cfg for the Hurd and GRUB's boot sector */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grub.h"

#define HEAD                                                                   \
	"# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING ".\n"

#define EXT2FS_FIRST                                                           \
	"\tmodule /hurd/ext2fs.static ext2fs --readonly "                      \
	"--multiboot-command-line='${kernel-command-line}' "                   \
	"--host-priv-port='${host-port}' "                                     \
	"--device-master-port='${device-port}' "                               \
	"--exec-server-task='${exec-task}' -T typed '${root}' "                \
	"'$(fs-task=task-create)' '$(task-resume)'\n"
#define EXT2FS_CHAINED                                                         \
	"\tmodule /hurd/ext2fs.static ext2fs --readonly "                      \
	"--multiboot-command-line='${kernel-command-line}' "                   \
	"--exec-server-task='${exec-task}' -T typed '${root}' "                \
	"'$(fs-task=task-create)'\n"
#define EXEC_STATIC_LINE                                                       \
	"\tmodule /hurd/exec.static exec '$(exec-task=task-create)'\n"

static struct grub_menu menu(void)
{
	struct grub_menu m;

	memset(&m, 0, sizeof(m));
	m.title = "GNU";
	m.kernel = "/boot/gnumach.gz";
	m.hurd = "/";
	m.driver = DRIVER_HD;
	m.exec = EXEC_STATIC;
	m.dynamic_linker = "/lib/ld.so.1";
	m.timeout = 5;
	return m;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* The generated text must hold WANT. */
static void holds(const char *cfg, const char *want)
{
	ck_assert_msg(strstr(cfg, want) != NULL, "no [%s] in:\n%s", want, cfg);
}

START_TEST(classic_entry_is_exactly_grubs_10_hurd)
{
	struct grub_menu m = menu();
	char *cfg = grub_cfg_generate(&m);

	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(
	    cfg,
	    HEAD "set default=0\n"
		 "set timeout=5\n"
		 "\n"
		 "menuentry GNU {\n"
		 "\tinsmod part_msdos\n"
		 "\tinsmod ext2\n"
		 "\techo 'Loading GNU Mach ...'\n"
		 "\tmultiboot /boot/gnumach.gz root=part:1:device:hd0\n"
		 "\techo 'Loading the Hurd ...'\n" EXT2FS_FIRST EXEC_STATIC_LINE
		 "}\n");
	free(cfg);
}
END_TEST

START_TEST(rumpdisk_chain_hands_the_ports_on)
{
	struct grub_menu m = menu();
	char *cfg;

	m.driver = DRIVER_WD;
	m.has_pci_arbiter = 1;
	m.has_acpi = 1;
	cfg = grub_cfg_generate(&m);
	ck_assert_str_eq(
	    cfg, HEAD
	    "set default=0\n"
	    "set timeout=5\n"
	    "\n"
	    "menuentry GNU {\n"
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
	ck_assert_int_eq(count(cfg, "task-resume"), 1);
	ck_assert_int_eq(count(cfg, "--host-priv-port"), 1);
	ck_assert_int_eq(count(cfg, "--device-master-port"), 1);
	free(cfg);
}
END_TEST

START_TEST(rumpdisk_first_when_alone)
{
	struct grub_menu m = menu();
	char *cfg;

	m.driver = DRIVER_WD;
	cfg = grub_cfg_generate(&m);
	holds(cfg,
	      "\techo 'Loading the Hurd ...'\n"
	      "\tmodule /hurd/rumpdisk.static rumpdisk "
	      "--host-priv-port='${host-port}' "
	      "--device-master-port='${device-port}' --next-task='${fs-task}' "
	      "'$(disk-task=task-create)' '$(task-resume)'\n" EXT2FS_CHAINED
		  EXEC_STATIC_LINE "}\n");
	ck_assert_ptr_null(strstr(cfg, "pci"));
	ck_assert_ptr_null(strstr(cfg, "acpi"));
	ck_assert_int_eq(count(cfg, "task-resume"), 1);
	free(cfg);
}
END_TEST

START_TEST(partial_chains_skip_the_missing_link)
{
	struct grub_menu m = menu();
	char *cfg;

	m.driver = DRIVER_WD;
	m.has_pci_arbiter = 1;
	cfg = grub_cfg_generate(&m);
	holds(
	    cfg,
	    "\tmodule /hurd/pci-arbiter.static pci-arbiter "
	    "--host-priv-port='${host-port}' "
	    "--device-master-port='${device-port}' --next-task='${disk-task}' "
	    "'$(pci-task=task-create)' '$(task-resume)'\n"
	    "\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' "
	    "'$(disk-task=task-create)'\n" EXT2FS_CHAINED);
	ck_assert_ptr_null(strstr(cfg, "acpi"));
	free(cfg);

	m.has_pci_arbiter = 0;
	m.has_acpi = 1;
	cfg = grub_cfg_generate(&m);
	holds(
	    cfg,
	    "\tmodule /hurd/acpi.static acpi --host-priv-port='${host-port}' "
	    "--device-master-port='${device-port}' --next-task='${disk-task}' "
	    "'$(acpi-task=task-create)' '$(task-resume)'\n"
	    "\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' "
	    "'$(disk-task=task-create)'\n" EXT2FS_CHAINED);
	ck_assert_ptr_null(strstr(cfg, "pci"));
	free(cfg);

	/* With the hd driver, the chain's servers are not started at all. */
	m.driver = DRIVER_HD;
	m.has_pci_arbiter = 1;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_null(strstr(cfg, "pci-arbiter"));
	ck_assert_ptr_null(strstr(cfg, "acpi"));
	ck_assert_ptr_null(strstr(cfg, "rumpdisk"));
	holds(cfg, EXT2FS_FIRST);
	free(cfg);
}
END_TEST

START_TEST(effective_driver)
{
	char *noide[] = {"-s", "noide"};
	char *other[] = {"-s", "noide=1", "NOIDE", "xnoide"};

	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, NULL, 0), DRIVER_HD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_WD, NULL, 0), DRIVER_WD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, noide, 2), DRIVER_WD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, noide, 1), DRIVER_HD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_WD, noide, 2), DRIVER_WD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, other, 4), DRIVER_HD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_WD, other, 4), DRIVER_WD);
}
END_TEST

START_TEST(noide_selects_wd_once)
{
	char *args[] = {"noide", "-s"};
	struct grub_menu m = menu();
	char *cfg;

	m.kernel_args = args;
	m.nkernel_args = 2;
	cfg = grub_cfg_generate(&m);
	holds(cfg,
	      "\tmultiboot /boot/gnumach.gz root=part:1:device:wd0 noide -s\n");
	ck_assert_int_eq(count(cfg, "noide"), 1);
	holds(cfg, "rumpdisk.static rumpdisk --host-priv-port=");
	ck_assert_int_eq(count(cfg, "task-resume"), 1);
	free(cfg);
	/* The wd type with noide given as well. */
	m.driver = DRIVER_WD;
	args[0] = "-s";
	args[1] = "noide";
	cfg = grub_cfg_generate(&m);
	holds(cfg, "root=part:1:device:wd0 -s noide\n");
	ck_assert_int_eq(count(cfg, "noide"), 1);
	free(cfg);
}
END_TEST

START_TEST(serial_console_for_grub_and_mach)
{
	char *args[] = {"-s"};
	struct grub_menu m = menu();
	char *cfg;

	m.serial = 1;
	m.kernel_args = args;
	m.nkernel_args = 1;
	cfg = grub_cfg_generate(&m);
	ck_assert_str_eq(
	    cfg, HEAD
	    "set default=0\n"
	    "set timeout=5\n"
	    "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
	    "terminal_input serial console\n"
	    "terminal_output serial console\n"
	    "\n"
	    "menuentry GNU {\n"
	    "\tinsmod part_msdos\n"
	    "\tinsmod ext2\n"
	    "\techo 'Loading GNU Mach ...'\n"
	    "\tmultiboot /boot/gnumach.gz root=part:1:device:hd0 console=com0 "
	    "-s\n"
	    "\techo 'Loading the Hurd ...'\n" EXT2FS_FIRST EXEC_STATIC_LINE
	    "}\n");
	free(cfg);
	/* Asked for in the arguments already: not twice. */
	args[0] = "console=com0";
	cfg = grub_cfg_generate(&m);
	holds(cfg, "root=part:1:device:hd0 console=com0\n");
	ck_assert_int_eq(count(cfg, "console=com0"), 1);
	free(cfg);
	/* No serial: neither the GRUB lines nor the Mach argument. */
	m.serial = 0;
	m.nkernel_args = 0;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_null(strstr(cfg, "serial"));
	ck_assert_ptr_null(strstr(cfg, "terminal_"));
	ck_assert_ptr_null(strstr(cfg, "console=com0"));
	holds(cfg, "root=part:1:device:hd0\n");
	free(cfg);
}
END_TEST

START_TEST(timeout_value)
{
	struct grub_menu m = menu();
	char *cfg;

	m.timeout = 0;
	cfg = grub_cfg_generate(&m);
	holds(cfg, HEAD "set default=0\nset timeout=0\n\nmenuentry");
	free(cfg);
	m.timeout = 3600;
	cfg = grub_cfg_generate(&m);
	holds(cfg, "\nset timeout=3600\n");
	ck_assert_int_eq(count(cfg, "timeout"), 1);
	free(cfg);
}
END_TEST

START_TEST(ld_so_starts_exec)
{
	struct grub_menu m = menu();
	char *cfg;

	m.exec = EXEC_LDSO;
	cfg = grub_cfg_generate(&m);
	holds(
	    cfg, EXT2FS_FIRST
	    "\tmodule /lib/ld.so.1 exec /hurd/exec '$(exec-task=task-create)'\n"
	    "}\n");
	ck_assert_ptr_null(strstr(cfg, "exec.static"));
	free(cfg);
	m.dynamic_linker = "/lib/ld-x86-64.so.1";
	cfg = grub_cfg_generate(&m);
	holds(cfg, "\tmodule /lib/ld-x86-64.so.1 exec /hurd/exec "
		   "'$(exec-task=task-create)'\n");
	free(cfg);
}
END_TEST

START_TEST(hurd_in_a_store_directory)
{
	static const char *const dirs[] = {"/gnu/store/abc-hurd",
					   "/gnu/store/abc-hurd/",
					   "/gnu/store/abc-hurd//"};
	struct grub_menu m = menu();
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char *cfg;

		m.hurd = dirs[i];
		m.exec = EXEC_STATIC;
		m.driver = DRIVER_WD;
		m.has_pci_arbiter = 1;
		cfg = grub_cfg_generate(&m);
		holds(cfg,
		      "\tmodule /gnu/store/abc-hurd/hurd/pci-arbiter.static "
		      "pci-arbiter ");
		holds(cfg, "\tmodule /gnu/store/abc-hurd/hurd/rumpdisk.static "
			   "rumpdisk ");
		holds(
		    cfg,
		    "\tmodule /gnu/store/abc-hurd/hurd/ext2fs.static ext2fs ");
		holds(cfg, "\tmodule /gnu/store/abc-hurd/hurd/exec.static exec "
			   "'$(exec-task=task-create)'\n");
		ck_assert_msg(strstr(cfg, "//") == NULL, "'//' for %s:\n%s",
			      dirs[i], cfg);
		free(cfg);
		m.exec = EXEC_LDSO;
		cfg = grub_cfg_generate(&m);
		holds(
		    cfg,
		    "\tmodule /lib/ld.so.1 exec /gnu/store/abc-hurd/hurd/exec "
		    "'$(exec-task=task-create)'\n");
		ck_assert_msg(strstr(cfg, "//") == NULL, "'//' for %s:\n%s",
			      dirs[i], cfg);
		free(cfg);
	}
}
END_TEST

START_TEST(quoting_of_titles_and_arguments)
{
	char *args[] = {"gnu.system=/gnu/store/x-system", "a b", "x'y", "",
			"$HOME"};
	struct grub_menu m = menu();
	char *cfg;

	m.title = "Joe's Hurd";
	m.kernel = "/boot/gnu mach.gz";
	m.kernel_args = args;
	m.nkernel_args = 5;
	cfg = grub_cfg_generate(&m);
	holds(cfg, "\nmenuentry 'Joe'\\''s Hurd' {\n");
	holds(cfg,
	      "\tmultiboot '/boot/gnu mach.gz' root=part:1:device:hd0 "
	      "gnu.system=/gnu/store/x-system 'a b' 'x'\\''y' '' '$HOME'\n");
	free(cfg);
	m.title = "GNU with the Hurd (demo)";
	cfg = grub_cfg_generate(&m);
	holds(cfg, "\nmenuentry 'GNU with the Hurd (demo)' {\n");
	free(cfg);
}
END_TEST

START_TEST(boot_sector_points_at_core_img)
{
	uint8_t boot[512], s[512];
	int i;

	for (i = 0; i < 512; i++)
		boot[i] = (uint8_t)(i & 0xff);
	/* A sector with a disk signature and a partition table. */
	memset(s, 0, sizeof(s));
	for (i = 0x1b8; i < 0x1fe; i++)
		s[i] = (uint8_t)(0xa0 ^ i);
	s[510] = 0x55;
	s[511] = 0xaa;
	grub_patch_boot_sector(s, boot, 0x0807060504030201ULL);
	for (i = 0; i < 0x1b8; i++) {
		if (i >= GRUB_BOOT_KERNEL_SECTOR &&
		    i < GRUB_BOOT_KERNEL_SECTOR + 8)
			continue;
		if (i == GRUB_BOOT_DRIVE || i == GRUB_BOOT_DRIVE_CHECK ||
		    i == GRUB_BOOT_DRIVE_CHECK + 1)
			continue;
		ck_assert_msg(s[i] == (uint8_t)i, "byte %#x is %#x", i, s[i]);
	}
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(s[0x5c + i], i + 1); /* LE64 */
	ck_assert_uint_eq(s[0x64], 0xff);
	ck_assert_uint_eq(s[0x65], 0x65);
	ck_assert_uint_eq(s[0x66], 0x90);
	ck_assert_uint_eq(s[0x67], 0x90);
	for (i = 0x1b8; i < 0x1fe; i++)
		ck_assert_msg(s[i] == (uint8_t)(0xa0 ^ i), "byte %#x changed",
			      i);
	ck_assert_uint_eq(s[510], 0x55);
	ck_assert_uint_eq(s[511], 0xaa);

	/* LBA 1, as mkhurdimg installs it. */
	grub_patch_boot_sector(s, boot, 1);
	ck_assert_uint_eq(s[0x5c], 1);
	for (i = 0x5d; i <= 0x63; i++)
		ck_assert_uint_eq(s[i], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grub");
	TCase *tc = tcase_create("grub");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, classic_entry_is_exactly_grubs_10_hurd);
	tcase_add_test(tc, rumpdisk_chain_hands_the_ports_on);
	tcase_add_test(tc, rumpdisk_first_when_alone);
	tcase_add_test(tc, partial_chains_skip_the_missing_link);
	tcase_add_test(tc, effective_driver);
	tcase_add_test(tc, noide_selects_wd_once);
	tcase_add_test(tc, serial_console_for_grub_and_mach);
	tcase_add_test(tc, timeout_value);
	tcase_add_test(tc, ld_so_starts_exec);
	tcase_add_test(tc, hurd_in_a_store_directory);
	tcase_add_test(tc, quoting_of_titles_and_arguments);
	tcase_add_test(tc, boot_sector_points_at_core_img);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
