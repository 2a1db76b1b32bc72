/* size.h - sizes as people write them: 64MiB, 1G, 512K, guess */
#ifndef MKHURDIMG_SIZE_H
#define MKHURDIMG_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Parse "N", "NK", "NKiB", "NM", "NMiB", "NG", "NGiB", "NT" (binary
 * multiples, case-insensitive suffix; a trailing "B" alone means bytes).
 * Returns 0, or -1 when TEXT is not a size or overflows 64 bits. */
int size_parse(const char *text, uint64_t *bytes);

/* "guess" or a size; *bytes = 0 for guess. */
int size_parse_or_guess(const char *text, uint64_t *bytes);

/* Human form with a binary unit, e.g. "37.5 MiB". */
void size_format(uint64_t bytes, char *buf, size_t len);

#endif
