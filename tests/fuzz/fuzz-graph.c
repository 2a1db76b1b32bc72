/* fuzz-graph.c - the closure source: a reference graph (or a guix gc -R
 * list) read, parsed and checked, against a small store on the host */
#include <sys/stat.h>

#include "fuzz-common.h"
#include "config.h"
#include "source.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char store[300];

/* Items the seed graphs name, so valid graphs get as far as the copy. */
static void make_store(void)
{
	static const char *const items[] = {
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-item",
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-dep",
	};
	char path[600];
	size_t i;
	FILE *f;

	snprintf(store, sizeof(store), "%s.store", fuzz_file(".graph"));
	mkdir(store, 0755);
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", store, items[i]);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/file", store, items[i]);
		if ((f = fopen(path, "w"))) {
			fputs("contents\n", f);
			fclose(f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_config cfg;
	struct os_source src;
	struct tree t;

	if (!store[0])
		make_store();
	memset(&cfg, 0, sizeof(cfg));
	memset(&src, 0, sizeof(src));
	cfg.file = "fuzz.conf";
	cfg.register_store = size & 1;
	src.kind = "closure";
	src.path = (char *)fuzz_write(data, size, ".graph");
	src.target = "/";
	src.store = store;
	src.line = 1;
	if (tree_init(&t, 1))
		abort();
	if (source_closure.add(&t, &cfg, &src) == 0)
		tree_finish(&t);
	tree_free(&t);
	diag_clear();
	return 0;
}
