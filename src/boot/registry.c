/* registry.c - the kinds every stage registers, gathered for os.conf and
 * the image type files */
#include "autoconfig.h"

#include <string.h>

#include "bootloader.h"
#include "disk.h"
#include "layout.h"
#include "partition-table.h"
#include "registry.h"
#include "source.h"

void registry_config_kinds(const struct image_type *type,
			   struct config_kinds *k)
{
	const struct bootloader_ops *b =
		bootloader_find(type ? type->bootloader : "grub-pc");

	memset(k, 0, sizeof(*k));
	k->sources = source_conf_kinds();
	k->partitions = layout_config_kinds()->partitions;
	k->bootloader = b ? &b->conf : NULL;
}

const struct image_type_kinds *registry_image_type_kinds(void)
{
	static struct image_type_kinds k;

	k.formats = disk_format_conf_kinds();
	k.tables = partition_table_name_list();
	k.bootloaders = bootloader_names();
	return &k;
}
