/* narinfo.c - substitute descriptions as Guix and Nix caches serve them */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "narinfo.h"

static const char base32[] = "0123456789abcdfghijklmnpqrsvwxyz";

/* Nix base-32 is little-endian in 5-bit digits, last character first. */
static int decode_base32(const char *s, size_t chars, uint8_t *out, size_t len)
{
	size_t k;

	memset(out, 0, len);
	for (k = 0; k < chars; k++) {
		const char *p = strchr(base32, s[chars - 1 - k]);
		size_t b = k * 5, i = b / 8, j = b % 8;
		unsigned d;

		if (!p || !*p)
			return -1;
		d = (unsigned)(p - base32);
		out[i] |= (uint8_t)(d << j);
		if (i + 1 < len)
			out[i + 1] |= (uint8_t)(d >> (8 - j));
		else if (d >> (8 - j))
			return -1; /* bits beyond the hash */
	}
	return 0;
}

/* "sha256:" followed by 52 nix-base32 or 64 hex characters. */
static int parse_hash(const char *text, uint8_t out[32])
{
	size_t i, l;

	if (strncmp(text, "sha256:", 7))
		return -1;
	text += 7;
	l = strlen(text);
	if (l == 52)
		return decode_base32(text, 52, out, 32);
	if (l != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(text + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdef", text[2 * i]) ||
		    !strchr("0123456789abcdef", text[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int set_str(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	return *field ? 0 : -1;
}

static int split_refs(struct narinfo *ni, char *v)
{
	char *save = NULL, *w;

	for (w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char **n = realloc(ni->references,
				   (ni->nreferences + 1) * sizeof(char *));

		if (!n)
			return -1;
		ni->references = n;
		if (!(n[ni->nreferences] = strdup(w)))
			return -1;
		ni->nreferences++;
	}
	return 0;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Whether field BIT was seen before; marks it seen.  Sig is Signature. */
static int seen_field(struct narinfo *ni, size_t bit)
{
	unsigned m = 1u << (bit == 8 ? 7 : bit);
	int was = !!(ni->seen & m);

	ni->seen |= m;
	return was;
}

static int field(const char *file, int line, struct narinfo *ni, char *key,
		 char *v, size_t offset)
{
	static const char *const once[] = {
		"StorePath",  "URL",	 "Compression", "NarHash", "NarSize",
		"References", "Deriver", "Signature",	"Sig"
	};
	int r = 0;
	size_t i;

	for (i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		if (!strcmp(key, once[i]) && seen_field(ni, i))
			return diag_error_at(EXIT_BUILD, file, line,
					     "a second %s field; refused", key);

	if (!strcmp(key, "StorePath"))
		r = set_str(&ni->store_path, v);
	else if (!strcmp(key, "URL"))
		r = set_str(&ni->url, v);
	else if (!strcmp(key, "Compression"))
		r = set_str(&ni->compression, v);
	else if (!strcmp(key, "NarHash")) {
		if (parse_hash(v, ni->nar_hash))
			return diag_error_at(
				EXIT_BUILD, file, line,
				"NarHash '%s' is not sha256:BASE32 or sha256:HEX",
				v);
	} else if (!strcmp(key, "NarSize")) {
		if (parse_u64(v, &ni->nar_size))
			return diag_error_at(EXIT_BUILD, file, line,
					     "NarSize '%s' is not a number", v);
	} else if (!strcmp(key, "References"))
		r = split_refs(ni, v);
	else if (!strcmp(key, "Deriver"))
		r = set_str(&ni->deriver, v);
	else if (!strcmp(key, "Signature") || !strcmp(key, "Sig")) {
		ni->signed_len = offset;
		r = set_str(&ni->signature, v);
	}
	/* FileHash, FileSize, System, CA...: not needed to build an image. */
	return r ? diag_error(EXIT_BUILD, "out of memory") : 0;
}

static int parse(const char *file, const char *text, size_t len,
		 struct narinfo *ni)
{
	size_t pos = 0;
	int line = 0, r;

	memset(ni, 0, sizeof(*ni));
	if (memchr(text, '\0', len))
		return diag_error(EXIT_BUILD, "%s: a NUL byte in the narinfo",
				  file);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text - pos) : len - pos;
		char buf[8192], *colon;

		line++;
		if (l >= sizeof(buf))
			return diag_error_at(EXIT_BUILD, file, line,
					     "line too long");
		memcpy(buf, text + pos, l);
		buf[l] = '\0';
		if (l && (colon = strstr(buf, ": "))) {
			*colon = '\0';
			if ((r = field(file, line, ni, buf, colon + 2, pos)))
				return r;
		} else if (l) {
			return diag_error_at(EXIT_BUILD, file, line,
					     "expected 'Key: value'");
		}
		pos += l + 1;
	}
	if (!ni->store_path || !ni->url || !ni->nar_size ||
	    !memcmp(ni->nar_hash, (uint8_t[32]){ 0 }, 32))
		return diag_error(
			EXIT_BUILD,
			"%s: StorePath, URL, NarHash and NarSize are all required",
			file);
	if (!ni->compression && set_str(&ni->compression, "none"))
		return diag_error(EXIT_BUILD, "out of memory");
	return 0;
}

int narinfo_parse(const char *file, const char *text, size_t len,
		  struct narinfo *ni)
{
	int r = parse(file, text, len, ni);

	if (r)
		narinfo_free(ni);
	return r;
}

void narinfo_free(struct narinfo *ni)
{
	size_t i;

	free(ni->store_path);
	free(ni->url);
	free(ni->compression);
	for (i = 0; i < ni->nreferences; i++)
		free(ni->references[i]);
	free(ni->references);
	free(ni->deriver);
	free(ni->signature);
	memset(ni, 0, sizeof(*ni));
}
