/* grub.h - GRUB for BIOS: grub.cfg for the Hurd, core.img, boot sector */
#ifndef MKHURDIMG_GRUB_H
#define MKHURDIMG_GRUB_H

#include <stddef.h>
#include <stdint.h>

#include "hurd-boot.h"

/* boot.img offsets (GRUB include/grub/i386/pc/boot.h). */
#define GRUB_BOOT_KERNEL_SECTOR 0x5c /* u64 LE: LBA of core.img */
#define GRUB_BOOT_DRIVE 0x64	     /* 0xff: the drive the BIOS booted */
#define GRUB_BOOT_DRIVE_CHECK 0x66   /* 90 90 for hard disks */

/* What grub.cfg says besides the menu entry. */
struct grub_settings {
	long timeout; /* seconds the menu shows */
	int serial;   /* GRUB on the serial console too */
};

/* The grub.cfg text for ENTRY (malloc'd), or NULL when out of memory. */
char *grub_cfg_generate(const struct grub_settings *g,
			const struct boot_entry *entry);

/* Boot sector: GRUB's code from BOOT_IMG into SECTOR (whose table and
 * disk signature are kept), pointed at core.img at CORE_LBA. */
void grub_patch_boot_sector(uint8_t sector[512], const uint8_t boot_img[512],
			    uint64_t core_lba);

#endif
