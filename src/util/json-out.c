/* json-out.c - a small JSON writer for mkhurdimg inspect --json */
#include "autoconfig.h"

#include <inttypes.h>
#include <string.h>

#include "json-out.h"

size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

static void write_escape(FILE *f, unsigned char c)
{
	static const char short_forms[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	const char *p;

	for (p = short_forms; *p; p += 2) {
		if ((unsigned char)p[0] == c) {
			fprintf(f, "\\%c", p[1]);
			return;
		}
	}
	fprintf(f, "\\u%04x", c);
}

void json_write_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\') {
			write_escape(f, s[i++]);
		} else if (!(n = utf8_len(s + i, len - i))) {
			fprintf(f, "\\udc%02x", s[i++]);
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
	fputc('"', f);
}

void json_init(struct json_out *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->inline_from = JSON_MAX_DEPTH;
}

/* The separator and indentation before a member, then its key. */
static void member(struct json_out *j, const char *key)
{
	int i;

	if (j->depth > 0) {
		if (j->count[j->depth]++)
			fputs(j->depth >= j->inline_from ? ", " : ",", j->f);
		if (j->depth < j->inline_from) {
			fputc('\n', j->f);
			for (i = 0; i < j->depth; i++)
				fputs("  ", j->f);
		}
	}
	if (key) {
		json_write_string(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
}

static void begin(struct json_out *j, const char *key, int inline_, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
	if (inline_ && j->inline_from > j->depth)
		j->inline_from = j->depth;
}

static void end(struct json_out *j, char c)
{
	int i, was_inline = j->depth >= j->inline_from;

	if (j->depth == j->inline_from)
		j->inline_from = JSON_MAX_DEPTH;
	if (!was_inline && j->count[j->depth]) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth - 1; i++)
			fputs("  ", j->f);
	}
	j->depth--;
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_begin_object(struct json_out *j, const char *key, int inline_)
{
	begin(j, key, inline_, '{');
}

void json_end_object(struct json_out *j)
{
	end(j, '}');
}

void json_begin_array(struct json_out *j, const char *key, int inline_)
{
	begin(j, key, inline_, '[');
}

void json_end_array(struct json_out *j)
{
	end(j, ']');
}

void json_bytes(struct json_out *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	json_write_string(j->f, s, len);
}

void json_string(struct json_out *j, const char *key, const char *s)
{
	if (!s) {
		json_null(j, key);
		return;
	}
	json_bytes(j, key, s, strlen(s));
}

void json_uint(struct json_out *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

/* Seconds and such: three decimals, never an exponent. */
void json_fixed3(struct json_out *j, const char *key, double v)
{
	member(j, key);
	fprintf(j->f, "%.3f", v);
}

void json_bool(struct json_out *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json_out *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
