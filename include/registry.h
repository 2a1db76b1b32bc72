/* registry.h - the kinds every stage registers, gathered for the files
 * the user writes: os.conf (source kinds, partition types, the image
 * type's bootloader) and image type files (disk formats, partition
 * tables, bootloaders).  The configuration stage reads both without
 * including the headers of the stages that own the kinds. */
#ifndef MKHURDIMG_REGISTRY_H
#define MKHURDIMG_REGISTRY_H

#include "config.h"
#include "image-type.h"

/* The kinds os.conf may name for an image of TYPE (NULL: the default
 * bootloader's options). */
void registry_config_kinds(const struct image_type *type,
			   struct config_kinds *k);

/* The kinds image type files may name. */
const struct image_type_kinds *registry_image_type_kinds(void);

#endif
