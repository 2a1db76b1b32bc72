/* config-partitions.h - partition "NAME" { ... } sections of os.conf
 *
 * The options every partition has (type, size, offset, partition-type)
 * and, spliced in, those of each partition type (conf_kind), whose parse
 * step reads its own.  Used by config.c only.
 */
#ifndef MKHURDIMG_CONFIG_PARTITIONS_H
#define MKHURDIMG_CONFIG_PARTITIONS_H

#include <confuse.h>

#include "config.h"

/* The options of a partition section for KINDS (malloc'd, CFG_END-ended;
 * free with free() once the configuration is freed), or NULL. */
cfg_opt_t *partition_options(const struct config_kinds *kinds);

/* Register the option checks of KINDS' options on CFG. */
void partition_checks(cfg_t *cfg, const struct config_kinds *kinds);

/* Read every partition section of CFG into OUT->partitions, in the file's
 * order, and place the root file system: the ext2 partition mounted at
 * "/", or a partition "root" made first from the file-system "/" section.
 * 0 or EXIT_USAGE with a FILE:LINE message. */
int partitions_collect(cfg_t *cfg, struct os_config *out,
		       const struct config_kinds *kinds);

void partitions_free(struct os_config *out);

#endif
