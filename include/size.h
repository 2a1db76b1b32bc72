/* size.h - sizes as people write them: 64MiB, 1G, 512K, guess */
#ifndef MKHURDIMG_SIZE_H
#define MKHURDIMG_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Parse "N", "NK", "NKiB", "NM", "NMiB", "NG", "NGiB", "NT", "NTiB"
 * (binary multiples, case-insensitive suffix; a trailing "B" alone means
 * bytes).  Returns 0, or -1 when TEXT is not a size or overflows 64
 * bits.  "NKB", "NMB", "NGB", "NTB" are refused: see below. */
int size_parse(const char *text, uint64_t *bytes);

/* The unit of TEXT when it is a number with KB, MB, GB or TB (any case),
 * which size_parse refuses as ambiguous (10^6 or 2^20 bytes?); NULL
 * otherwise.  For messages that say what to write instead. */
const char *size_decimal_unit(const char *text);

/* The message for a size TEXT that size_parse_or_guess refused, after
 * "WHAT 'TEXT' ", into BUF: what to write instead. */
void size_explain(const char *text, char *buf, size_t len);

/* "guess" or a size; *bytes = 0 for guess. */
int size_parse_or_guess(const char *text, uint64_t *bytes);

/* Human form with a binary unit, e.g. "37.5 MiB". */
void size_format(uint64_t bytes, char *buf, size_t len);

#endif
