/* hurd-boot.h - the Hurd's boot policy: what GNU Mach starts, with which words
 *
 * One decision, made once the sources are in the tree: the kernel and
 * its arguments, the multiboot modules (the servers GNU Mach starts, in
 * order, with the words of their boot script), and the disk driver (hd:
 * GNU Mach's IDE driver; wd: rumpdisk).  It comes from a Guix system's
 * own boot parameters when the configuration names one, otherwise from
 * the image type's chain.  The bootloader renders it; /etc/fstab and the
 * root device read it.
 */
#ifndef MKHURDIMG_HURD_BOOT_H
#define MKHURDIMG_HURD_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "image-type.h"
#include "tree.h"

/* Whose conventions the menu entry follows, to the byte. */
enum boot_style {
	BOOT_STYLE_GRUB, /* GRUB's own 10_hurd (grub-mkconfig, Debian) */
	BOOT_STYLE_GUIX, /* Guix's gnu/bootloader/grub.scm */
};

/* A multiboot module: WORDS[0] is the file in the image, the rest are
 * the words GRUB passes on, verbatim (quotes and ${...} included). */
struct boot_module {
	char **words;
	size_t nwords;
};

struct boot_entry {
	enum boot_style style;
	char *title;
	char *kernel; /* path in the image */
	char **args;  /* the kernel's words, verbatim for GRUB */
	size_t nargs;
	struct boot_module *modules;
	size_t nmodules;
};

struct hurd_boot {
	struct boot_entry entry;
	enum disk_driver driver;
	unsigned root_partition; /* the N of part:N:device:hd0 */
	char *hurd_dir;		 /* holds hurd/: the translators' programs */
	/* What a Guix system's root-device asks of the root file system. */
	char *root_label; /* NULL: no wish */
	int has_root_uuid;
	uint8_t root_uuid[16];
};

/* Decide the boot of the tree T (its sources all added) for CFG and TYPE,
 * and check that the kernel and every module are files in the tree.
 * Returns 0 or an exit status with the message recorded. */
int hurd_boot_decide(struct hurd_boot *b, const struct tree *t,
		     const struct os_config *cfg,
		     const struct image_type *type);
void hurd_boot_free(struct hurd_boot *b);

/* GRUB's word quoting: S as is when it is plain, else in single quotes
 * with ' as '\'' (malloc'd, NULL when out of memory). */
char *hurd_boot_quote(const char *s);

#endif
