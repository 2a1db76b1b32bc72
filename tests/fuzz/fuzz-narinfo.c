/* fuzz-narinfo.c - narinfo_parse() on arbitrary text */
#include "fuzz-common.h"
#include "narinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct narinfo ni;

	memset(&ni, 0, sizeof(ni));
	if (narinfo_parse("fuzz.narinfo", (const char *)data, size, &ni) == 0)
		narinfo_free(&ni);
	diag_clear();
	return 0;
}
