/* bootloader.h - the registry of bootloaders */
#ifndef MKHURDIMG_BOOTLOADER_H
#define MKHURDIMG_BOOTLOADER_H

#include <stdint.h>

#include "config.h"
#include "disk.h"
#include "hurd-boot.h"
#include "image-type.h"
#include "tree.h"

struct bootloader;

struct bootloader_ops {
	const char *name;
	/* Check the host files, build what is built once (core.img) and add
	 * the bootloader's files (modules, grub.cfg) to the tree.  Runs
	 * after the sources, before the file system is laid out. */
	int (*prepare)(struct bootloader *b, struct tree *t, int64_t mtime);
	/* Write the boot code into SECTOR0 (which keeps its partition
	 * table) and the sectors after it, once the file system is closed. */
	int (*install)(struct bootloader *b, struct disk *d, uint8_t sector0[512],
		       uint64_t root_offset);
	void (*release)(struct bootloader *b);
};

struct bootloader {
	const struct bootloader_ops *ops;
	const struct os_config *cfg;
	const struct image_type *type;
	const struct hurd_boot *boot;	/* the entry to render */
	void *priv;
};

const struct bootloader_ops *bootloader_find(const char *name);

extern const struct bootloader_ops bootloader_grub_pc;

#endif
