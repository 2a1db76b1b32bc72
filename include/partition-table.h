/* partition-table.h - partition table handlers (msdos now; gpt later)
 *
 * A handler checks that a planned layout fits its table, writes the
 * table, and reads one back for inspect.
 */
#ifndef MKHURDIMG_PARTITION_TABLE_H
#define MKHURDIMG_PARTITION_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "disk.h"
#include "layout.h"

/* One entry of a table, as read back. */
struct table_entry {
	unsigned number;
	uint64_t offset, size; /* bytes */
	uint8_t type;
	int active;
};

struct partition_table {
	const char *name;      /* the image type's partition-table */
	const char *grub_name; /* GRUB's: (,msdosN) */
	/* Can the table hold L (count, where and how large)?  0 or
	 * EXIT_USAGE naming the partition's section. */
	int (*check)(const struct layout *l, const struct os_config *cfg);
	/* Encode L's table into SECTOR0 (boot code kept) and write what
	 * lies elsewhere. */
	int (*write)(const struct layout *l, struct disk *d,
		     uint8_t sector0[512]);
	/* Read the table of SECTOR0 into V (at most MAX); the count, or -1
	 * when there is none of this kind. */
	int (*read)(const uint8_t sector0[512], struct table_entry *v,
		    size_t max);
};

const struct partition_table *partition_table_find(const char *name);
/* "mbr, ..." for messages, and as a NULL-terminated list. */
const char *partition_table_names(void);
const char *const *partition_table_name_list(void);

extern const struct partition_table partition_table_msdos;

#endif
