/* fuzz-config.c - os.conf: libconfuse, conffile.c and config.c's checks */
#include "fuzz-common.h"
#include "config.h"
#include "registry.h"

/* Every kind's options, as mkhurdimg builds its schema. */
static const struct config_kinds *all_kinds(void)
{
	static struct config_kinds k;

	registry_config_kinds(NULL, &k);
	return &k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_config cfg;
	const char *path = fuzz_write(data, size, ".conf");

	memset(&cfg, 0, sizeof(cfg));
	if (config_load(path, all_kinds(), &cfg) == 0)
		config_free(&cfg);
	diag_clear();
	return 0;
}
