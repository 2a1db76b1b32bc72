/* check_grub.c - grub.cfg rendered from a boot entry, in GRUB's and in
 * Guix's style, and GRUB's boot sector */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "grub.h"
#include "check-run.h"

#define HEAD \
	"# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING ".\n"

static char *title_words[] = { "root=part:1:device:hd0", "console=com0" };
static char *mod_a[] = { "/hurd/ext2fs.static", "ext2fs", "'${root}'" };
static char *mod_b[] = { "/hurd/exec.static", "exec" };
static struct boot_module modules[] = { { mod_a, 3 }, { mod_b, 2 } };

static struct boot_entry entry(enum boot_style style)
{
	struct boot_entry e;

	memset(&e, 0, sizeof(e));
	e.style = style;
	e.title = "GNU";
	e.kernel = "/boot/gnumach.gz";
	e.args = title_words;
	e.nargs = 2;
	e.modules = modules;
	e.nmodules = 2;
	return e;
}

static char *generate(const struct boot_entry *e, long timeout, int serial)
{
	struct grub_settings g = { timeout, serial };
	char *cfg = grub_cfg_generate(&g, e);

	ck_assert_ptr_nonnull(cfg);
	return cfg;
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

START_TEST(grub_style_is_10_hurd)
{
	struct boot_entry e = entry(BOOT_STYLE_GRUB);
	char *cfg = generate(&e, 5, 0);

	ck_assert_str_eq(
		cfg, HEAD
		"set default=0\n"
		"set timeout=5\n"
		"\n"
		"menuentry GNU {\n"
		"\tinsmod part_msdos\n"
		"\tinsmod ext2\n"
		"\techo 'Loading GNU Mach ...'\n"
		"\tmultiboot /boot/gnumach.gz root=part:1:device:hd0 console=com0\n"
		"\techo 'Loading the Hurd ...'\n"
		"\tmodule /hurd/ext2fs.static ext2fs '${root}'\n"
		"\tmodule /hurd/exec.static exec\n"
		"}\n");
	free(cfg);
}
END_TEST

/* gnu/bootloader/grub.scm: "\nmenuentry ~s {\n  multiboot ~a root=~a~a~a\n}~%",
 * the modules joined with "\n  module ". */
START_TEST(guix_style_is_guixs_format)
{
	struct boot_entry e = entry(BOOT_STYLE_GUIX);
	char *cfg = generate(&e, 5, 0);

	ck_assert_str_eq(
		cfg, HEAD
		"set default=0\n"
		"set timeout=5\n"
		"\n"
		"menuentry \"GNU\" {\n"
		"  multiboot /boot/gnumach.gz root=part:1:device:hd0 console=com0\n"
		"  module /hurd/ext2fs.static ext2fs '${root}'\n"
		"  module /hurd/exec.static exec\n"
		"}\n");
	free(cfg);
	/* No modules, no arguments. */
	e.nmodules = 0;
	e.nargs = 0;
	cfg = generate(&e, 5, 0);
	holds(cfg,
	      "\n\nmenuentry \"GNU\" {\n  multiboot /boot/gnumach.gz\n}\n");
	free(cfg);
}
END_TEST

START_TEST(titles_are_quoted_per_style)
{
	struct boot_entry e = entry(BOOT_STYLE_GRUB);
	char *cfg;

	e.title = "Joe's \"Hurd\" \\o/";
	e.kernel = "/boot/gnu mach.gz";
	cfg = generate(&e, 5, 0);
	holds(cfg, "\nmenuentry 'Joe'\\''s \"Hurd\" \\o/' {\n");
	holds(cfg, "\tmultiboot '/boot/gnu mach.gz' root=");
	free(cfg);
	/* Guix writes the label with ~s: Scheme's string syntax. */
	e.style = BOOT_STYLE_GUIX;
	e.kernel = "/boot/gnumach.gz";
	cfg = generate(&e, 5, 0);
	holds(cfg, "\nmenuentry \"Joe's \\\"Hurd\\\" \\\\o/\" {\n");
	free(cfg);
	e.title = "GNU with the Hurd (demo)";
	e.style = BOOT_STYLE_GRUB;
	cfg = generate(&e, 5, 0);
	holds(cfg, "\nmenuentry 'GNU with the Hurd (demo)' {\n");
	free(cfg);
}
END_TEST

START_TEST(serial_terminal_for_grub)
{
	struct boot_entry e = entry(BOOT_STYLE_GUIX);
	char *cfg = generate(&e, 5, 1);

	holds(cfg, HEAD
	      "set default=0\n"
	      "set timeout=5\n"
	      "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
	      "terminal_input serial console\n"
	      "terminal_output serial console\n"
	      "\n"
	      "menuentry \"GNU\" {\n");
	free(cfg);
	cfg = generate(&e, 5, 0);
	ck_assert_ptr_null(strstr(cfg, "serial"));
	ck_assert_ptr_null(strstr(cfg, "terminal_"));
	free(cfg);
}
END_TEST

START_TEST(timeout_value)
{
	struct boot_entry e = entry(BOOT_STYLE_GRUB);
	char *cfg = generate(&e, 0, 0);

	holds(cfg, HEAD "set default=0\nset timeout=0\n\nmenuentry");
	free(cfg);
	cfg = generate(&e, 3600, 0);
	holds(cfg, "\nset timeout=3600\n");
	ck_assert_int_eq(count(cfg, "timeout"), 1);
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

	tcase_add_test(tc, grub_style_is_10_hurd);
	tcase_add_test(tc, guix_style_is_guixs_format);
	tcase_add_test(tc, titles_are_quoted_per_style);
	tcase_add_test(tc, serial_terminal_for_grub);
	tcase_add_test(tc, timeout_value);
	tcase_add_test(tc, boot_sector_points_at_core_img);
	suite_add_tcase(s, tc);
	return check_run(s);
}
