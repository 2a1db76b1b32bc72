/* part-swap.c - a swap partition, as Linux's mkswap makes it
 *
 *   partition "swap" { type = swap  size = 512MiB  label = "swap" }
 *
 * The Hurd's default pager (swapon, mach-defpager) takes Linux swap v1:
 * "SWAPSPACE2" in the last 10 bytes of the first 4096-byte page, after a
 * header at byte 1024 (include/linux/swap.h, union swap_header): version
 * 1, the last page's number, no bad pages, a UUID and a label.  The page
 * is 4096 bytes on x86 whatever the building host's page size; the rest
 * of the partition is left unwritten (zeros).
 */
#include "autoconfig.h"

#include <gcrypt.h>
#include <string.h>

#include "diag.h"
#include "partition.h"

#define SWAP_PAGE 4096
#define SWAP_HEADER 1024 /* after the boot bits */
#define SWAP_MAGIC "SWAPSPACE2"

static cfg_opt_t swap_opts[] = { CFG_STR("label", NULL, CFGF_NODEFAULT),
				 CFG_END() };

static const struct conf_check swap_checks[] = {
	{ "label", config_check_label },
	{ NULL, NULL },
};

static int swap_parse(cfg_t *sec, const struct os_config *cfg, int line,
		      void *object)
{
	struct os_partition *p = object;

	if (cfg_size(sec, "label"))
		p->label = config_strdup(cfg_getstr(sec, "label"));
	if (!p->size)
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"partition '%s': a swap partition needs its size (no guess)",
			p->name);
	if (p->size < PARTITION_SWAP_MIN)
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"partition '%s': %llu bytes of swap is less than 40 KiB (ten 4 KiB pages, mkswap's least)",
			p->name, (unsigned long long)p->size);
	return 0;
}

/* Whole pages: the last one must be complete. */
static int swap_plan(struct layout_part *p, const struct layout_request *rq)
{
	p->size = p->cfg->size / SWAP_PAGE * SWAP_PAGE;
	return 0;
}

static void swap_identify(struct layout_part *p, const uint8_t digest[32])
{
	gcry_md_hd_t md;

	if (gcry_md_open(&md, GCRY_MD_SHA256, 0)) {
		memcpy(p->uuid, digest, 16);
	} else {
		gcry_md_write(md, "mkhurdimg-swap-1", 17);
		gcry_md_write(md, digest, 32);
		gcry_md_write(md, p->cfg->name, strlen(p->cfg->name) + 1);
		memcpy(p->uuid, gcry_md_read(md, GCRY_MD_SHA256), 16);
		gcry_md_close(md);
	}
	p->uuid[6] = (p->uuid[6] & 0x0f) | 0x80; /* RFC 9562 version 8 */
	p->uuid[8] = (p->uuid[8] & 0x3f) | 0x80; /* RFC 4122 variant */
}

static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static int swap_write(const struct layout_part *p, struct disk *d,
		      const struct layout_write *w)
{
	uint8_t page[SWAP_PAGE];

	memset(page, 0, sizeof(page));
	put_le32(page + SWAP_HEADER, 1); /* version */
	put_le32(page + SWAP_HEADER + 4,
		 (uint32_t)(p->size / SWAP_PAGE - 1)); /* last_page */
	put_le32(page + SWAP_HEADER + 8, 0);	       /* nr_badpages */
	memcpy(page + SWAP_HEADER + 12, p->uuid, 16);
	strncpy((char *)page + SWAP_HEADER + 28, p->label, 16);
	memcpy(page + SWAP_PAGE - 10, SWAP_MAGIC, 10);
	return disk_write(d, page, sizeof(page), p->offset);
}

const struct partition_kind partition_swap = {
	.conf = {
		.name = "swap",
		.opts = swap_opts,
		.checks = swap_checks,
		.parse = swap_parse,
	},
	.mbr_type = 0x82,
	.plan = swap_plan,
	.identify = swap_identify,
	.write = swap_write,
};
