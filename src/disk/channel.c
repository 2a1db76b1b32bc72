/* channel.c - libext2fs io_channels over a region of a disk */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

void channel_name(const char *prefix, const void *disk, uint64_t offset,
		  uint64_t size, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%p:%" PRIu64 ":%" PRIu64, prefix, disk, offset,
		 size);
}

/* NAME is "PREFIX:..." and the three fields after it parse. */
static int parse(const char *name, const char *prefix, struct channel_region *r)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && name[n] == ':' &&
	       sscanf(name + n + 1, "%p:%" SCNu64 ":%" SCNu64, &r->disk,
		      &r->offset, &r->size) == 3;
}

errcode_t channel_open(const char *name, const char *prefix, io_manager manager,
		       size_t priv_size, io_channel *out)
{
	struct channel_region at;
	io_channel ch;
	void *priv;

	if (!parse(name, prefix, &at))
		return EXT2_ET_BAD_DEVICE_NAME;
	ch = calloc(1, sizeof(*ch));
	priv = calloc(1, priv_size);
	if (!ch || !priv || !(ch->name = strdup(name))) {
		free(ch);
		free(priv);
		return EXT2_ET_NO_MEMORY;
	}
	memcpy(priv, &at, sizeof(at));
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = priv;
	*out = ch;
	return 0;
}

void channel_free(io_channel ch)
{
	free(ch->private_data);
	free(ch->name);
	free(ch);
}
