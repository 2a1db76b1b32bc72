/* image-type.h - the registry of image types, loaded from image-types/NAME.conf */
#ifndef MKHURDIMG_IMAGE_TYPE_H
#define MKHURDIMG_IMAGE_TYPE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum disk_driver { DRIVER_HD, DRIVER_WD };
enum exec_server { EXEC_STATIC, EXEC_LDSO };

struct image_type {
	char *name; /* the file name without .conf */
	char *file; /* where it was read from */
	char *description;
	char *system;	       /* i586-gnu, x86_64-gnu */
	char *format;	       /* a disk format: raw, ... (disk.h) */
	char *output;	       /* default output file name */
	char *partition_table; /* mbr */
	uint64_t root_offset;  /* bytes from the start of the disk */
	char *bootloader;      /* grub-pc */
	enum disk_driver driver;
	enum exec_server exec;
	char *dynamic_linker;  /* for EXEC_LDSO: /lib/ld.so.1 */
	unsigned cluster_bits; /* qcow2 cluster size, as a power of two */
	int prealloc_metadata; /* qcow2 preallocation = "metadata" */
	int compress;	       /* qcow2 compress = true */
};

/* What type files name that higher stages own: the disk formats (each
 * brings its options, e.g. qcow2's cluster-size, and the parse step that
 * fills its fields of an image_type), the partition tables and the
 * bootloaders (names).  Gathered by registry.c. */
struct image_type_kinds {
	const struct conf_kind *const *formats; /* NULL-terminated */
	const char *const *tables;		/* NULL-terminated */
	const char *const *bootloaders;		/* NULL-terminated */
};

struct image_types {
	struct image_type *types;
	size_t n;
	const struct image_type_kinds *kinds; /* set before loading */
};

/* Load every *.conf of each directory, in order; a later definition of a
 * name replaces an earlier one.  Missing directories are skipped unless
 * REQUIRED (the ones the user named).  Returns 0 or an exit status. */
int image_types_load_dir(struct image_types *reg, const char *dir,
			 int required);
/* The installed types (TYPESDIR), or the source tree's (SRCTYPESDIR) when
 * mkhurdimg runs uninstalled and TYPESDIR does not exist. */
int image_types_load_builtin(struct image_types *reg);
void image_types_free(struct image_types *reg);

/* Find NAME; on failure the message lists the known types. */
int image_types_find(const struct image_types *reg, const char *name,
		     const struct image_type **out);

/* Parse one type file (exposed for the unit tests); on failure T holds
 * nothing to free. */
int image_type_parse(const char *file, const char *name,
		     const struct image_type_kinds *kinds,
		     struct image_type *out);
void image_type_free(struct image_type *t);

#endif
