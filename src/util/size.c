/* size.c - parsing and printing of sizes */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "size.h"

static const struct {
	const char *suffix;
	unsigned shift;
} units[] = {
	{ "", 0 },     { "b", 0 },    { "k", 10 },   { "kib", 10 },
	{ "kb", 10 },  { "m", 20 },   { "mib", 20 }, { "mb", 20 },
	{ "g", 30 },   { "gib", 30 }, { "gb", 30 },  { "t", 40 },
	{ "tib", 40 }, { "tb", 40 },
};

int size_parse(const char *text, uint64_t *bytes)
{
	unsigned long long n;
	char *end;
	size_t i;

	if (!text || !isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ')
		end++;
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
	static const char *const names[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
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
