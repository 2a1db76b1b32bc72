/* disk-mbr.c - the MS-DOS partition table */
#include "autoconfig.h"

#include <string.h>

#include "mbr.h"

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
