/* bootloader.c - the registry of bootloaders */
#include "autoconfig.h"

#include <string.h>

#include "bootloader.h"

static const struct bootloader_ops *const loaders[] = {
	&bootloader_grub_pc,
};

const char *const *bootloader_names(void)
{
	static const char *v[sizeof(loaders) / sizeof(*loaders) + 1];
	size_t i;

	for (i = 0; i < sizeof(loaders) / sizeof(*loaders); i++)
		v[i] = loaders[i]->conf.name;
	return v;
}

const struct bootloader_ops *bootloader_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(loaders) / sizeof(*loaders); i++)
		if (!strcmp(loaders[i]->conf.name, name))
			return loaders[i];
	return NULL;
}
