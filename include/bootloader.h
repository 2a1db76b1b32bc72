/* bootloader.h - the registry of bootloaders */
#ifndef MKHURDIMG_BOOTLOADER_H
#define MKHURDIMG_BOOTLOADER_H

#include <stdint.h>

#include "config.h"
#include "disk.h"
#include "hurd-boot.h"
#include "image-type.h"
#include "inputs.h"
#include "tree.h"

struct bootloader;

struct bootloader_ops {
	/* Its options in the bootloader section, and their parse step,
	 * which sets os_config's BOOTLOADER to a struct of its own. */
	struct conf_kind conf;
	/* Check the host files, build what is built once (core.img) and add
	 * the bootloader's files (modules, grub.cfg) to the tree; set GAP.
	 * Runs after the sources, before the disk is laid out. */
	int (*prepare)(struct bootloader *b, struct tree *t, int64_t mtime);
	/* Write the boot code into SECTOR0 (the table goes in after) and
	 * the sectors after it, once the file systems are written. */
	int (*install)(struct bootloader *b, struct disk *d,
		       uint8_t sector0[512]);
	void (*release)(struct bootloader *b);
};

struct bootloader {
	const struct bootloader_ops *ops;
	const struct os_config *cfg;
	const struct image_type *type;
	const struct hurd_boot *boot; /* the entry to render */
	struct inputs *inputs;	      /* host files read, for --depfile */
	const char *partmap;	      /* the table's name for GRUB: msdos */
	uint64_t gap;		      /* bytes it needs after sector 0 */
	void *priv;
};

const struct bootloader_ops *bootloader_find(const char *name);
/* Their names, NULL-terminated. */
const char *const *bootloader_names(void);

extern const struct bootloader_ops bootloader_grub_pc;

#endif
