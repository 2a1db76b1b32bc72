/* fuzz-common.h - what the libFuzzer harnesses share
 *
 * The parsers under test read files by name, as mkhurdimg does, so a
 * harness writes each input to one scratch file in /dev/shm (or $TMPDIR)
 * and hands that name over.  diag messages are recorded, not printed.
 */
#ifndef MKHURDIMG_FUZZ_COMMON_H
#define MKHURDIMG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

static char fuzz_path[256];

/* The scratch file, named once per process. */
static const char *fuzz_file(const char *suffix)
{
	if (!fuzz_path[0]) {
		const char *dir = access("/dev/shm", W_OK) ? "/tmp" :
							     "/dev/shm";

		snprintf(fuzz_path, sizeof(fuzz_path),
			 "%s/mkhurdimg-fuzz-%ld%s", dir, (long)getpid(),
			 suffix);
		diag_set_level(DIAG_QUIET);
	}
	return fuzz_path;
}

static const char *fuzz_write(const uint8_t *data, size_t size,
			      const char *suffix)
{
	const char *path = fuzz_file(suffix);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

#endif
