/* layout.c - disk geometry and identities derived from the inputs */
#include "autoconfig.h"

#include <errno.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "layout.h"

int layout_timestamp(int64_t *ts)
{
	const char *v = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long n;

	*ts = 1;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < 0 || n > INT32_MAX)
		return diag_error(EXIT_USAGE,
				  "SOURCE_DATE_EPOCH='%s' is not a number of seconds between 0 and 2147483647",
				  v);
	*ts = n;
	return 0;
}

static void hash_u64(gcry_md_hd_t md, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	gcry_md_write(md, b, 8);
}

static int hash_node(struct tree_node *n, void *arg)
{
	gcry_md_hd_t md = arg;
	const struct tree_inode *ino = n->inode;
	char path[4096];
	size_t i;

	tree_path(n, path, sizeof(path));
	gcry_md_write(md, path, strlen(path) + 1);
	hash_u64(md, ino->mode);
	hash_u64(md, ino->uid);
	hash_u64(md, ino->gid);
	hash_u64(md, (uint64_t)ino->mtime);
	hash_u64(md, ino->size);
	hash_u64(md, (uint64_t)ino->rdev_major << 32 | ino->rdev_minor);
	if (ino->data)
		gcry_md_write(md, ino->data, ino->size);
	for (i = 0; i < ino->nxattrs; i++) {
		gcry_md_write(md, ino->xattrs[i].name,
			      strlen(ino->xattrs[i].name) + 1);
		gcry_md_write(md, ino->xattrs[i].value, ino->xattrs[i].len);
	}
	return 0;
}

int layout_identities(struct layout *l, const struct os_config *cfg,
		      const struct image_type *type, struct tree *t)
{
	gcry_md_hd_t md;
	const unsigned char *d;

	if (gcry_md_open(&md, GCRY_MD_SHA256, 0))
		return diag_error(EXIT_BUILD, "libgcrypt: cannot start SHA-256");
	gcry_md_write(md, "mkhurdimg-identities-1", 23);
	gcry_md_write(md, cfg->fs_label, strlen(cfg->fs_label) + 1);
	hash_u64(md, l->fs_size);
	hash_u64(md, l->root_offset);
	tree_walk(t, hash_node, md);
	d = gcry_md_read(md, GCRY_MD_SHA256);
	memcpy(l->uuid, d, 16);
	l->uuid[6] = (l->uuid[6] & 0x0f) | 0x80;	/* RFC 9562 version 8 */
	l->uuid[8] = (l->uuid[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	memcpy(l->hash_seed, d + 16, 16);
	l->disk_signature = (uint32_t)d[0] | (uint32_t)d[1] << 8 |
			    (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
	gcry_md_close(md);
	return 0;
}

void layout_uuid_string(const uint8_t uuid[16], char out[37])
{
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		sprintf(out + o, "%02x", uuid[i]);
		o += 2;
	}
	out[o] = '\0';
}
