/* nar.c - the Nix ARchive format, streamed, checked and hashed */
#include "autoconfig.h"

#include <gcrypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "nar.h"

#define STR_MAX 4096 /* longest token, name or target we accept */

struct nar {
	const char *name;
	nar_input input;
	void *input_ctx;
	gcry_md_hd_t md;
	uint64_t offset;
	uint64_t left; /* unread bytes of the current contents */
	char path[4096];
	int failed;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct nar *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n->failed = 1;
	return diag_error(EXIT_BUILD, "%s: at byte %llu: %s", n->name,
			  (unsigned long long)n->offset, msg);
}

static int read_exact(struct nar *n, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		long r = n->input(n->input_ctx, p, len);

		if (r < 0) {
			n->failed = 1;
			return EXIT_BUILD;
		}
		if (r == 0)
			return fail(n, "%s",
				    "the nar ends too early (truncated?)");
		gcry_md_write(n->md, p, (size_t)r);
		n->offset += (uint64_t)r;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int read_u64(struct nar *n, uint64_t *v)
{
	uint8_t b[8];
	int i, r = read_exact(n, b, 8);

	*v = 0;
	for (i = 7; !r && i >= 0; i--)
		*v = *v << 8 | b[i];
	return r;
}

static int read_padding(struct nar *n, uint64_t len)
{
	static const uint8_t zero[8];
	uint8_t pad[8];
	size_t p = (size_t)((8 - len % 8) % 8);
	int r;

	if (!p)
		return 0;
	if ((r = read_exact(n, pad, p)))
		return r;
	return memcmp(pad, zero, p) ? fail(n, "%s", "non-zero padding") : 0;
}

/* A string of at most MAX bytes into BUF (NUL-terminated). */
static int read_str(struct nar *n, char *buf, size_t max)
{
	uint64_t len;
	int r;

	if ((r = read_u64(n, &len)))
		return r;
	if (len > max)
		return fail(n, "%s", "a string is longer than allowed");
	if ((r = read_exact(n, buf, (size_t)len)))
		return r;
	buf[len] = '\0';
	if (memchr(buf, '\0', (size_t)len))
		return fail(n, "%s", "a NUL byte inside a string");
	return read_padding(n, len);
}

static int expect(struct nar *n, const char *token)
{
	char buf[64];
	int r = read_str(n, buf, sizeof(buf) - 1);

	if (r)
		return r;
	return strcmp(buf, token) ? fail(n, "expected '%s'", token) : 0;
}

long nar_read_contents(struct nar *n, void *buf, size_t len)
{
	if (len > n->left)
		len = (size_t)n->left;
	if (!len)
		return 0;
	if (read_exact(n, buf, len))
		return -1;
	n->left -= len;
	return (long)len;
}

static int skip_contents(struct nar *n)
{
	char buf[65536];

	while (n->left) {
		if (nar_read_contents(n, buf, sizeof(buf)) < 0)
			return EXIT_BUILD;
	}
	return 0;
}

static int valid_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') &&
	       strlen(s) <= NAR_NAME_MAX;
}

static int parse_node(struct nar *n, const struct nar_visitor *v, void *ctx,
		      int depth);

static int parse_regular(struct nar *n, const struct nar_visitor *v, void *ctx)
{
	char tok[64];
	uint64_t size;
	int exec = 0, r;

	if ((r = read_str(n, tok, sizeof(tok) - 1)))
		return r;
	if (!strcmp(tok, "executable")) {
		exec = 1;
		if ((r = expect(n, "")) ||
		    (r = read_str(n, tok, sizeof(tok) - 1)))
			return r;
	}
	if (strcmp(tok, "contents"))
		return fail(n, "unknown token '%s' in a regular file", tok);
	if ((r = read_u64(n, &size)))
		return r;
	n->left = size;
	if (v->regular && (r = v->regular(ctx, n->path, exec, size, n)))
		return r;
	if (n->failed)
		return EXIT_BUILD;
	if ((r = skip_contents(n)) || (r = read_padding(n, size)))
		return r;
	return expect(n, ")");
}

static int parse_directory(struct nar *n, const struct nar_visitor *v,
			   void *ctx, int depth)
{
	char tok[64], name[NAR_NAME_MAX + 2], prev[NAR_NAME_MAX + 2] = "";
	size_t plen = strlen(n->path);
	int r;

	if (v->directory && (r = v->directory(ctx, n->path)))
		return r;
	for (;;) {
		if ((r = read_str(n, tok, sizeof(tok) - 1)))
			return r;
		if (!strcmp(tok, ")"))
			return 0;
		if (strcmp(tok, "entry"))
			return fail(n, "unknown token '%s' in a directory",
				    tok);
		if ((r = expect(n, "(")) || (r = expect(n, "name")))
			return r;
		if ((r = read_str(n, name, NAR_NAME_MAX)))
			return r;
		if (!valid_name(name))
			return fail(n, "'%s' is not a valid entry name", name);
		if (*prev && strcmp(prev, name) >= 0)
			return fail(n, "entry '%s' is out of order or repeated",
				    name);
		snprintf(prev, sizeof(prev), "%s", name);
		if (plen + 1 + strlen(name) >= sizeof(n->path))
			return fail(n, "%s", "path too long");
		snprintf(n->path + plen, sizeof(n->path) - plen, "%s%s",
			 plen ? "/" : "", name);
		if ((r = expect(n, "node")) ||
		    (r = parse_node(n, v, ctx, depth + 1)) ||
		    (r = expect(n, ")")))
			return r;
		n->path[plen] = '\0';
	}
}

static int parse_node(struct nar *n, const struct nar_visitor *v, void *ctx,
		      int depth)
{
	char tok[64], *target;
	int r;

	if (depth > NAR_DEPTH_MAX)
		return fail(n, "%s", "directories nested too deeply");
	if ((r = expect(n, "(")) || (r = expect(n, "type")) ||
	    (r = read_str(n, tok, sizeof(tok) - 1)))
		return r;
	if (!strcmp(tok, "regular"))
		return parse_regular(n, v, ctx);
	if (!strcmp(tok, "directory"))
		return parse_directory(n, v, ctx, depth);
	if (strcmp(tok, "symlink"))
		return fail(n, "unknown node type '%s'", tok);
	if ((r = expect(n, "target")))
		return r;
	target = malloc(NAR_TARGET_MAX + 1);
	if (!target)
		return diag_error(EXIT_BUILD, "out of memory");
	r = read_str(n, target, NAR_TARGET_MAX);
	if (!r && !*target)
		r = fail(n, "%s", "a symlink with an empty target");
	if (!r && v->symlink)
		r = v->symlink(ctx, n->path, target);
	free(target);
	return r ? r : expect(n, ")");
}

int nar_parse(const char *name, nar_input input, void *input_ctx,
	      const struct nar_visitor *v, void *ctx, struct nar_result *res)
{
	struct nar n;
	char extra;
	int r;

	memset(&n, 0, sizeof(n));
	n.name = name;
	n.input = input;
	n.input_ctx = input_ctx;
	if (gcry_md_open(&n.md, GCRY_MD_SHA256, 0))
		return diag_error(EXIT_BUILD,
				  "libgcrypt: cannot start SHA-256");
	r = expect(&n, "nix-archive-1");
	if (!r)
		r = parse_node(&n, v, ctx, 0);
	if (!r && input(input_ctx, &extra, 1) != 0)
		r = fail(&n, "%s", "data after the end of the nar");
	if (!r) {
		res->size = n.offset;
		memcpy(res->sha256, gcry_md_read(n.md, GCRY_MD_SHA256), 32);
	}
	gcry_md_close(n.md);
	return r;
}

void nix_base32_encode(const uint8_t *hash, size_t len, char *out)
{
	static const char alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";
	size_t chars = (len * 8 - 1) / 5 + 1, k;

	for (k = 0; k < chars; k++) {
		size_t n = chars - 1 - k, b = n * 5, i = b / 8, j = b % 8;
		unsigned c = hash[i] >> j;

		if (i + 1 < len)
			c |= (unsigned)hash[i + 1] << (8 - j);
		out[k] = alphabet[c & 0x1f];
	}
	out[chars] = '\0';
}
