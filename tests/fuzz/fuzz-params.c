/* fuzz-params.c - guix_boot_params_parse() (and so the S-expression
 * reader) on arbitrary text: a Guix system's parameters file */
#include "fuzz-common.h"
#include "guix-system.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guix_boot_params p;

	if (guix_boot_params_parse((const char *)data, size, "fuzz.parameters",
				   &p) == 0)
		guix_boot_params_free(&p);
	diag_clear();
	return 0;
}
