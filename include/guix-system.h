/* guix-system.h - a Guix system item's boot parameters
 *
 * `guix system build' makes /gnu/store/HASH-system; its `parameters'
 * file is one S-expression (boot-parameters (version 1) (label ...) ...)
 * from which Guix writes the GRUB entry (guix-boot-parameters.md).
 */
#ifndef MKHURDIMG_GUIX_SYSTEM_H
#define MKHURDIMG_GUIX_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include "hurd-boot.h"

/* The versions this reader knows: 0 (--root=, --system=, --load=) and 1
 * (root=, gnu.system=, gnu.load=), as Guix's read-boot-parameters. */
#define GUIX_BOOT_PARAMETERS_VERSION 1

enum guix_root_kind {
	GUIX_ROOT_DEVICE, /* a device name: "/dev/hd0s1" */
	GUIX_ROOT_LABEL,  /* (file-system-label "hurd") */
	GUIX_ROOT_UUID,	  /* (uuid dce #vu8(...)) */
};

struct guix_boot_params {
	long version;
	char *label;
	enum guix_root_kind root_kind;
	char *root; /* its string form, as on the kernel command line */
	uint8_t root_uuid[16];
	char *kernel;
	char **kernel_args; /* the system's own, without root= & co */
	size_t nkernel_args;
	struct boot_module *modules;
	size_t nmodules;
};

/* Parse the TEXT of a parameters file.  FILE names it in the messages,
 * which say the byte offset: "FILE: byte N: what is wrong".  Returns 0
 * or EXIT_BUILD. */
int guix_boot_params_parse(const char *text, size_t len, const char *file,
			   struct guix_boot_params *p);
void guix_boot_params_free(struct guix_boot_params *p);

/* The kernel's arguments Guix puts before the system's own for SYSTEM:
 * root=ROOT gnu.system=SYSTEM gnu.load=SYSTEM/boot (version 0: --root=,
 * --system=, --load=).  Appended to *ARGS; returns -1 when out of memory. */
int guix_bootable_args(const struct guix_boot_params *p, const char *system,
		       char ***args, size_t *nargs);

#endif
