/* fuzz-archive.c - an archive (any format and filter libarchive reads)
 * into the tree, then the writer's replay of its contents */
#include "fuzz-common.h"
#include "config.h"
#include "inputs.h"
#include "registry.h"
#include "source-archive.h"
#include "source.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, uint64_t token, uint64_t size, tree_stream_read read,
		void *reader)
{
	char buf[65536];
	uint64_t left = size;
	long n = 0;

	while (left && (n = read(reader, buf, sizeof(buf))) > 0)
		left -= (uint64_t)n < left ? (uint64_t)n : left;
	return n < 0 ? EXIT_BUILD : 0;
}

/* The archive section a configuration would have, TARGET its target:
 * loaded once, through the kind's own parse step, naming the scratch
 * file every input is written to. */
static const struct os_config *section(const char *target)
{
	static struct os_config cfg[2];
	static int loaded[2];
	int i = !strcmp(target, "/");
	struct config_kinds kinds;
	char conf[300];
	FILE *f;

	if (loaded[i])
		return &cfg[i];
	snprintf(conf, sizeof(conf), "%s.conf", fuzz_file(".archive"));
	f = fopen(conf, "w");
	if (!f ||
	    fprintf(f, "archive \"%s\" { target = \"%s\" }\n",
		    fuzz_file(".archive"), target) < 0 ||
	    fclose(f))
		abort();
	registry_config_kinds(NULL, &kinds);
	if (config_load(conf, &kinds, &cfg[i]) || cfg[i].nsources != 1)
		abort();
	unlink(conf);
	loaded[i] = 1;
	return &cfg[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct os_config *cfg = section(size & 1 ? "/" : "/opt");
	struct inputs in = { NULL, 0, 0 };
	struct tree t;
	struct source_ctx c = { &t, &in, NULL, cfg, NULL, NULL, NULL };
	struct tree_stream *s;

	fuzz_write(data, size, ".archive");
	if (tree_init(&t, 1))
		abort();
	if (source_archive.add(&c, &cfg->sources[0]) == 0) {
		tree_finish(&t);
		for (s = t.streams; s; s = s->next)
			if (s->ops->replay(s, sink, NULL))
				break;
	}
	tree_free(&t);
	inputs_free(&in);
	diag_clear();
	return 0;
}
