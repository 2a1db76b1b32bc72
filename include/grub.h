/* grub.h - GRUB for BIOS: grub.cfg for the Hurd, core.img, boot sector */
#ifndef MKHURDIMG_GRUB_H
#define MKHURDIMG_GRUB_H

#include <stddef.h>
#include <stdint.h>

#include "image-type.h"

/* boot.img offsets (GRUB include/grub/i386/pc/boot.h). */
#define GRUB_BOOT_KERNEL_SECTOR 0x5c	/* u64 LE: LBA of core.img */
#define GRUB_BOOT_DRIVE 0x64		/* 0xff: the drive the BIOS booted */
#define GRUB_BOOT_DRIVE_CHECK 0x66	/* 90 90 for hard disks */
#define GRUB_CORE_PREFIX "(,msdos1)/boot/grub"

/* Everything the menu entry depends on. */
struct grub_menu {
	const char *title;
	const char *kernel;		/* GNU Mach, path in the image */
	const char *hurd;		/* directory holding hurd/ */
	enum disk_driver driver;
	enum exec_server exec;
	const char *dynamic_linker;
	char *const *kernel_args;
	size_t nkernel_args;
	int serial;
	long timeout;
	int has_pci_arbiter;		/* links present in the rumpdisk chain */
	int has_acpi;
};

/* The grub.cfg text (malloc'd), or NULL when out of memory. */
char *grub_cfg_generate(const struct grub_menu *m);

/* Boot sector: GRUB's code from BOOT_IMG into SECTOR (whose table and
 * disk signature are kept), pointed at core.img at CORE_LBA. */
void grub_patch_boot_sector(uint8_t sector[512], const uint8_t boot_img[512],
			    uint64_t core_lba);

/* The driver a menu uses: the type's, or wd when "noide" is asked for
 * (as Guix does). */
enum disk_driver grub_effective_driver(enum disk_driver type_driver,
				       char *const *args, size_t nargs);

#endif
