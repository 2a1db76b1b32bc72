/* size.c - parsing and printing of sizes */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "size.h"

/* Binary multiples only.  KB, MB, GB and TB are not here: coreutils
 * reads MB as 10^6 bytes, qemu-img and mke2fs refuse it, and people
 * mean either; size_decimal_unit() names it for the message instead. */
static const struct {
	const char *suffix;
	unsigned shift;
} units[] = {
	{ "", 0 },     { "b", 0 },  { "k", 10 },   { "kib", 10 }, { "m", 20 },
	{ "mib", 20 }, { "g", 30 }, { "gib", 30 }, { "t", 40 },	  { "tib", 40 },
};

/* The digits of TEXT, and where its unit starts (after spaces). */
static int number(const char *text, unsigned long long *n, const char **unit)
{
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	*n = strtoull(text, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ')
		end++;
	*unit = end;
	return 0;
}

const char *size_decimal_unit(const char *text)
{
	static const char *const decimal[] = { "kb", "mb", "gb", "tb" };
	unsigned long long n;
	const char *unit;
	size_t i;

	if (number(text, &n, &unit))
		return NULL;
	for (i = 0; i < sizeof(decimal) / sizeof(*decimal); i++)
		if (!strcasecmp(unit, decimal[i]))
			return unit;
	return NULL;
}

int size_parse(const char *text, uint64_t *bytes)
{
	unsigned long long n;
	const char *end;
	size_t i;

	if (number(text, &n, &end))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (units[i].shift && n > (UINT64_MAX >> units[i].shift))
			return -1;
		*bytes = (uint64_t)n << units[i].shift;
		return 0;
	}
	return -1;
}

void size_explain(const char *text, char *buf, size_t len)
{
	static const char exps[] = { 'k', 3, 10, 'm', 6,  20,
				     'g', 9, 30, 't', 12, 40 };
	const char *unit = size_decimal_unit(text);
	int digits;
	size_t i;

	if (!unit) {
		snprintf(
			buf, len,
			"is not a size: use guess or a number with K, M, G, KiB, MiB or GiB");
		return;
	}
	for (i = 0; exps[i] != tolower((unsigned char)unit[0]); i += 3)
		;
	digits = (int)strspn(text, "0123456789");
	snprintf(
		buf, len,
		"is ambiguous: %.2s is 10^%d bytes to some tools, 2^%d to others; write %.*s%c or %.*s%ciB",
		unit, exps[i + 1], exps[i + 2], digits, text,
		toupper((unsigned char)unit[0]), digits, text,
		toupper((unsigned char)unit[0]));
}

int size_parse_or_guess(const char *text, uint64_t *bytes)
{
	if (text && !strcmp(text, "guess")) {
		*bytes = 0;
		return 0;
	}
	if (size_parse(text, bytes) || *bytes == 0)
		return -1;
	return 0;
}

void size_format(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = { "bytes", "KiB", "MiB", "GiB",
					     "TiB" };
	double v = (double)bytes;
	unsigned u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, names[u]);
}
