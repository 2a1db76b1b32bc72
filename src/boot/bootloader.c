/* bootloader.c - the registry of bootloaders */
#include "autoconfig.h"

#include <string.h>

#include "bootloader.h"

static const struct bootloader_ops *const loaders[] = {
	&bootloader_grub_pc,
};

const struct bootloader_ops *bootloader_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(loaders) / sizeof(*loaders); i++)
		if (!strcmp(loaders[i]->name, name))
			return loaders[i];
	return NULL;
}
