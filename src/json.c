/* json.c - JSON strings */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "json.h"

/* Length of the UTF-8 sequence at S (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (s[0] >= 0xf5)
		n = 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_string(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char chunk[8];

	sb_add(sb, "\"");
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			chunk[0] = '\\';
			chunk[1] = (char)*p;
			chunk[2] = '\0';
			n = 1;
		} else if (*p == '\n') {
			strcpy(chunk, "\\n");
			n = 1;
		} else if (*p == '\t') {
			strcpy(chunk, "\\t");
			n = 1;
		} else if (*p < 0x20 || n == 0) {
			sb_addf(sb, "\\u%04x", *p);
			p++;
			continue;
		} else {
			memcpy(chunk, p, n);
			chunk[n] = '\0';
		}
		sb_add(sb, chunk);
		p += n;
	}
	sb_add(sb, "\"");
}
