/* table-msdos.c - the MS-DOS (MBR) partition table: four primary
 * partitions, 32-bit sector numbers */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "mbr.h"
#include "partition-table.h"
#include "size.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* CHS for an LBA with the usual 255 heads x 63 sectors geometry; past
 * cylinder 1023 the tuple saturates as every tool writes it. */
static void put_chs(uint8_t *p, uint32_t lba)
{
	uint32_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;

	if (c > 1023) {
		c = 1023;
		h = 254;
		s = 63;
	}
	p[0] = h;
	p[1] = (uint8_t)(s | ((c >> 2) & 0xc0));
	p[2] = c & 0xff;
}

void mbr_encode(uint8_t sector[MBR_SECTOR], uint32_t disk_signature,
		const struct mbr_partition *parts, int nparts)
{
	int i;

	put_le32(sector + MBR_SIGNATURE_OFFSET, disk_signature);
	sector[0x1bc] = sector[0x1bd] = 0;
	memset(sector + MBR_TABLE_OFFSET, 0, 64);
	for (i = 0; i < nparts && i < 4; i++) {
		uint8_t *e = sector + MBR_TABLE_OFFSET + 16 * i;
		uint32_t last = parts[i].start + parts[i].sectors - 1;

		e[0] = parts[i].active ? 0x80 : 0x00;
		put_chs(e + 1, parts[i].start);
		e[4] = parts[i].type;
		put_chs(e + 5, last);
		put_le32(e + 8, parts[i].start);
		put_le32(e + 12, parts[i].sectors);
	}
	sector[510] = 0x55;
	sector[511] = 0xaa;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define MSDOS_MAX_SECTORS 0xffffffffULL

static int msdos_check(const struct layout *l, const struct os_config *cfg)
{
	size_t i;

	for (i = 0; i < l->nparts; i++) {
		const struct layout_part *p = &l->parts[i];
		const struct os_partition *c = p->cfg;

		if (i == 4)
			return diag_error_at(
				EXIT_USAGE, cfg->file, c->line,
				"partition '%s': a fifth partition; an MBR (msdos) table holds four",
				c->name);
		if ((p->offset + p->size) / 512 > MSDOS_MAX_SECTORS) {
			char what[300], size[32];

			size_format(p->size, size, sizeof(size));
			return diag_error_at(
				EXIT_USAGE, cfg->file, c->line,
				"%s (%s) ends past 2 TiB, beyond what an MBR (msdos) table can address",
				config_partition_what(c, what, sizeof(what)),
				size);
		}
	}
	return 0;
}

static int msdos_write(const struct layout *l, struct disk *d,
		       uint8_t sector0[512])
{
	struct mbr_partition v[4];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < l->nparts && i < 4; i++) {
		v[i].active = l->parts[i].active;
		v[i].type = l->parts[i].mbr_type;
		v[i].start = (uint32_t)(l->parts[i].offset / 512);
		v[i].sectors = (uint32_t)(l->parts[i].size / 512);
	}
	mbr_encode(sector0, l->disk_signature, v,
		   (int)(l->nparts < 4 ? l->nparts : 4));
	return 0;
}

static int msdos_read(const uint8_t sector0[512], struct table_entry *v,
		      size_t max)
{
	size_t i, n = 0;

	if (sector0[510] != 0x55 || sector0[511] != 0xaa)
		return -1;
	for (i = 0; i < 4 && n < max; i++) {
		const uint8_t *e = sector0 + MBR_TABLE_OFFSET + 16 * i;

		if (!e[4] || !get_le32(e + 12))
			continue;
		v[n].number = (unsigned)i + 1;
		v[n].type = e[4];
		v[n].active = (e[0] & 0x80) != 0;
		v[n].offset = (uint64_t)get_le32(e + 8) * 512;
		v[n].size = (uint64_t)get_le32(e + 12) * 512;
		n++;
	}
	return (int)n;
}

const struct partition_table partition_table_msdos = {
	.name = "mbr",
	.grub_name = "msdos",
	.check = msdos_check,
	.write = msdos_write,
	.read = msdos_read,
};

static const struct partition_table *const tables[] = {
	&partition_table_msdos,
};

const struct partition_table *partition_table_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(*tables); i++)
		if (!strcmp(tables[i]->name, name))
			return tables[i];
	return NULL;
}

#define NTABLES (sizeof(tables) / sizeof(*tables))

const char *const *partition_table_name_list(void)
{
	static const char *v[NTABLES + 1];
	size_t i;

	for (i = 0; i < NTABLES; i++)
		v[i] = tables[i]->name;
	return v;
}

const char *partition_table_names(void)
{
	static char buf[128];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < NTABLES; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 i ? ", " : "", tables[i]->name);
	return buf;
}
