/* mbr.h - the MS-DOS partition table in sector 0 */
#ifndef MKHURDIMG_MBR_H
#define MKHURDIMG_MBR_H

#include <stdint.h>

#define MBR_SECTOR 512
#define MBR_SIGNATURE_OFFSET 0x1b8 /* disk signature, u32 LE */
#define MBR_TABLE_OFFSET 0x1be	   /* four 16-byte entries */
#define MBR_BOOT_CODE_SIZE 0x1b8   /* what a boot sector may own */

struct mbr_partition {
	int active;
	uint8_t type;	/* 0x83: Linux/Hurd ext2 */
	uint32_t start; /* LBA */
	uint32_t sectors;
};

/* Fill the table, the disk signature and 55 AA into SECTOR, keeping its
 * first MBR_BOOT_CODE_SIZE bytes (boot code) as they are. */
void mbr_encode(uint8_t sector[MBR_SECTOR], uint32_t disk_signature,
		const struct mbr_partition *parts, int nparts);

#endif
