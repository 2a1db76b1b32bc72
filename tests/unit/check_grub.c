/* check_grub.c - grub.cfg for the Hurd and GRUB's boot sector */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grub.h"

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

START_TEST(classic_entry_is_exactly_grubs_10_hurd)
{
	struct grub_menu m = menu();
	char *cfg = grub_cfg_generate(&m);

	ck_assert_str_eq(cfg,
		"# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING ".\n"
		"set default=0\n"
		"set timeout=5\n"
		"\n"
		"menuentry GNU {\n"
		"\tinsmod part_msdos\n"
		"\tinsmod ext2\n"
		"\techo 'Loading GNU Mach ...'\n"
		"\tmultiboot /boot/gnumach.gz root=part:1:device:hd0\n"
		"\techo 'Loading the Hurd ...'\n"
		"\tmodule /hurd/ext2fs.static ext2fs --readonly --multiboot-command-line='${kernel-command-line}' --host-priv-port='${host-port}' --device-master-port='${device-port}' --exec-server-task='${exec-task}' -T typed '${root}' '$(fs-task=task-create)' '$(task-resume)'\n"
		"\tmodule /hurd/exec.static exec '$(exec-task=task-create)'\n"
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
	ck_assert_ptr_nonnull(strstr(cfg, "multiboot /boot/gnumach.gz root=part:1:device:wd0 noide\n"));
	ck_assert_ptr_nonnull(strstr(cfg,
		"\tmodule /hurd/pci-arbiter.static pci-arbiter --host-priv-port='${host-port}' --device-master-port='${device-port}' --next-task='${acpi-task}' '$(pci-task=task-create)' '$(task-resume)'\n"
		"\tmodule /hurd/acpi.static acpi --next-task='${disk-task}' '$(acpi-task=task-create)'\n"
		"\tmodule /hurd/rumpdisk.static rumpdisk --next-task='${fs-task}' '$(disk-task=task-create)'\n"
		"\tmodule /hurd/ext2fs.static ext2fs --readonly --multiboot-command-line='${kernel-command-line}' --exec-server-task='${exec-task}' -T typed '${root}' '$(fs-task=task-create)'\n"));
	/* Only the first task is resumed by GNU Mach. */
	ck_assert_ptr_null(strstr(strstr(cfg, "acpi.static"), "task-resume"));
	free(cfg);
}
END_TEST

START_TEST(rumpdisk_first_when_alone)
{
	struct grub_menu m = menu();
	char *cfg;

	m.driver = DRIVER_WD;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_nonnull(strstr(cfg,
		"\tmodule /hurd/rumpdisk.static rumpdisk --host-priv-port='${host-port}' --device-master-port='${device-port}' --next-task='${fs-task}' '$(disk-task=task-create)' '$(task-resume)'\n"));
	ck_assert_ptr_null(strstr(cfg, "pci-arbiter"));
	free(cfg);
}
END_TEST

START_TEST(noide_selects_wd_once)
{
	char *args[] = { "noide", "-s" };
	struct grub_menu m = menu();
	char *cfg;

	m.kernel_args = args;
	m.nkernel_args = 2;
	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, args, 2), DRIVER_WD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_HD, args + 1, 1), DRIVER_HD);
	ck_assert_int_eq(grub_effective_driver(DRIVER_WD, NULL, 0), DRIVER_WD);
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_nonnull(strstr(cfg, "root=part:1:device:wd0 noide -s\n"));
	free(cfg);
}
END_TEST

START_TEST(serial_console_for_grub_and_mach)
{
	struct grub_menu m = menu();
	char *cfg;

	m.serial = 1;
	m.timeout = 0;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_nonnull(strstr(cfg, "set timeout=0\nserial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\nterminal_input serial console\nterminal_output serial console\n"));
	ck_assert_ptr_nonnull(strstr(cfg, "root=part:1:device:hd0 console=com0\n"));
	free(cfg);
	m.serial = 0;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_null(strstr(cfg, "serial"));
	ck_assert_ptr_null(strstr(cfg, "console=com0"));
	free(cfg);
}
END_TEST

START_TEST(ld_so_exec_and_store_hurd_dir)
{
	struct grub_menu m = menu();
	char *cfg;

	m.exec = EXEC_LDSO;
	m.hurd = "/gnu/store/abc-hurd/";
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_nonnull(strstr(cfg, "\tmodule /lib/ld.so.1 exec /gnu/store/abc-hurd/hurd/exec '$(exec-task=task-create)'\n"));
	ck_assert_ptr_nonnull(strstr(cfg, "\tmodule /gnu/store/abc-hurd/hurd/ext2fs.static ext2fs "));
	ck_assert_ptr_null(strstr(cfg, "//"));
	free(cfg);
}
END_TEST

START_TEST(quoting_of_titles_and_arguments)
{
	char *args[] = { "gnu.system=/a b", "x'y" };
	struct grub_menu m = menu();
	char *cfg;

	m.title = "Joe's Hurd";
	m.kernel_args = args;
	m.nkernel_args = 2;
	cfg = grub_cfg_generate(&m);
	ck_assert_ptr_nonnull(strstr(cfg, "menuentry 'Joe'\\''s Hurd' {\n"));
	ck_assert_ptr_nonnull(strstr(cfg, " 'gnu.system=/a b' 'x'\\''y'\n"));
	free(cfg);
}
END_TEST

START_TEST(boot_sector_points_at_core_img)
{
	uint8_t boot[512], s[512];
	int i;

	for (i = 0; i < 512; i++) {
		boot[i] = (uint8_t)i;
		s[i] = 0xee;
	}
	grub_patch_boot_sector(s, boot, 1);
	for (i = 0; i < 0x1b8; i++) {
		if (i >= 0x5c && i <= 0x67)
			continue;
		ck_assert_uint_eq(s[i], (uint8_t)i);
	}
	ck_assert_uint_eq(s[0x5c], 1);
	for (i = 0x5d; i <= 0x63; i++)
		ck_assert_uint_eq(s[i], 0);
	ck_assert_uint_eq(s[0x64], 0xff);
	ck_assert_uint_eq(s[0x65], 0x65);
	ck_assert_uint_eq(s[0x66], 0x90);
	ck_assert_uint_eq(s[0x67], 0x90);
	for (i = 0x1b8; i < 512; i++)
		ck_assert_uint_eq(s[i], 0xee);	/* signature and table kept */
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
	tcase_add_test(tc, noide_selects_wd_once);
	tcase_add_test(tc, serial_console_for_grub_and_mach);
	tcase_add_test(tc, ld_so_exec_and_store_hurd_dir);
	tcase_add_test(tc, quoting_of_titles_and_arguments);
	tcase_add_test(tc, boot_sector_points_at_core_img);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
