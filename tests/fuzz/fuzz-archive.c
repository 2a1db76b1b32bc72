/* fuzz-archive.c - an archive (any format and filter libarchive reads)
 * into the tree, then the writer's replay of its contents */
#include "fuzz-common.h"
#include "config.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_config cfg;
	struct os_source src;
	struct tree t;
	struct tree_stream *s;

	memset(&cfg, 0, sizeof(cfg));
	memset(&src, 0, sizeof(src));
	cfg.file = "fuzz.conf";
	src.kind = "archive";
	src.path = (char *)fuzz_write(data, size, ".archive");
	src.target = size & 1 ? "/" : "/opt";
	src.line = 1;
	if (tree_init(&t, 1))
		abort();
	if (source_archive.add(&t, &cfg, &src) == 0) {
		tree_finish(&t);
		for (s = t.streams; s; s = s->next)
			if (s->ops->replay(s, sink, NULL))
				break;
	}
	tree_free(&t);
	diag_clear();
	return 0;
}
