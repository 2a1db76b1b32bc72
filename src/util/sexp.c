/* sexp.c - S-expressions as Guile's `write' prints them
 *
 * A recursive-descent reader over a byte buffer.  Every datum records
 * its offset, so that a caller can name the byte where a boot parameters
 * file goes wrong.  Running out of text is told apart from bad text:
 * the secret-service client reads a socket until a greeting is whole.
 */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "sexp.h"
#include "strbuf.h"

struct reader {
	const char *text;
	size_t len, pos;
	int depth;
	struct sexp_error *err;
};

static int __attribute__((format(printf, 4, 5)))
fail(struct reader *r, int code, size_t offset, const char *fmt, ...)
{
	va_list ap;

	r->err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
	va_end(ap);
	return code;
}

static int incomplete(struct reader *r, size_t start, const char *what)
{
	return fail(r, SEXP_INCOMPLETE, start, "the text ends inside %s", what);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_delimiter(char c)
{
	return is_space(c) || c == '(' || c == ')' || c == '"' || c == ';';
}

static void skip_blank(struct reader *r)
{
	while (r->pos < r->len) {
		char c = r->text[r->pos];

		if (is_space(c)) {
			r->pos++;
		} else if (c == ';') {
			while (r->pos < r->len && r->text[r->pos] != '\n')
				r->pos++;
		} else {
			break;
		}
	}
}

int sexp_at_end(const char *text, size_t len, size_t offset)
{
	struct sexp_error e;
	struct reader r = { text, len, offset, 0, &e };

	skip_blank(&r);
	return r.pos == len;
}

static struct sexp *node(enum sexp_type type, size_t offset)
{
	struct sexp *x = calloc(1, sizeof(*x));

	if (x) {
		x->type = type;
		x->offset = offset;
	}
	return x;
}

void sexp_free(struct sexp *x)
{
	size_t i;

	if (!x)
		return;
	if (x->type == SEXP_LIST)
		for (i = 0; i < x->len; i++)
			sexp_free(x->items[i]);
	free(x->items);
	free(x->text);
	free(x);
}

static int oom(struct reader *r)
{
	return fail(r, SEXP_ERROR, r->pos, "out of memory");
}

static int read_datum(struct reader *r, struct sexp **out);

static int list_push(struct sexp *list, struct sexp *item)
{
	if (array_grow(&list->items, &list->cap, list->len + 1,
		       sizeof(*list->items), 4))
		return -1;
	list->items[list->len++] = item;
	return 0;
}

static int read_list(struct reader *r, struct sexp **out)
{
	size_t start = r->pos++;
	struct sexp *list = node(SEXP_LIST, start);
	int rc;

	if (!list)
		return oom(r);
	if (++r->depth > SEXP_MAX_DEPTH) {
		sexp_free(list);
		return fail(r, SEXP_ERROR, start,
			    "lists nested more than %d deep", SEXP_MAX_DEPTH);
	}
	for (;;) {
		struct sexp *item;

		skip_blank(r);
		if (r->pos == r->len) {
			sexp_free(list);
			return incomplete(r, start,
					  "a list (a ')' is missing)");
		}
		if (r->text[r->pos] == ')')
			break;
		if ((rc = read_datum(r, &item))) {
			sexp_free(list);
			return rc;
		}
		if (list_push(list, item)) {
			sexp_free(item);
			sexp_free(list);
			return oom(r);
		}
	}
	r->pos++;
	r->depth--;
	*out = list;
	return SEXP_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A code point as UTF-8 (Guile strings are characters; files are UTF-8). */
static void add_utf8(struct strbuf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		n = 4;
	}
	for (size_t i = 1; i < n; i++)
		u[i] = (char)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3f));
	sb_addn(b, u, n);
}

/* \xHH; (R7RS, what Guile writes), \uHHHH and \UHHHHHH (Guile's own). */
static int read_hex_escape(struct reader *r, size_t at, int digits,
			   unsigned long *cp)
{
	int n = 0, v;

	*cp = 0;
	while (r->pos < r->len && (digits < 0 || n < digits) &&
	       (v = hex_value(r->text[r->pos])) >= 0) {
		if (*cp > 0x10ffff)
			break;
		*cp = *cp * 16 + (unsigned long)v;
		r->pos++;
		n++;
	}
	if (digits < 0) {
		if (r->pos == r->len)
			return incomplete(r, at, "a \\x escape");
		if (r->text[r->pos] != ';' || n == 0)
			return fail(
				r, SEXP_ERROR, at,
				"a \\x escape must be hex digits and a ';'");
		r->pos++;
	} else if (n < digits) {
		if (r->pos == r->len)
			return incomplete(r, at, "a \\u escape");
		return fail(r, SEXP_ERROR, at,
			    "a \\%c escape needs %d hex digits",
			    digits == 4 ? 'u' : 'U', digits);
	}
	if (*cp > 0x10ffff || (*cp >= 0xd800 && *cp < 0xe000))
		return fail(r, SEXP_ERROR, at,
			    "escape U+%lX is not a character", *cp);
	return SEXP_OK;
}

static char simple_escape(char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'v':
		return '\v';
	case 'f':
		return '\f';
	case 'r':
		return '\r';
	case '0':
		return '\0';
	default:
		return 1; /* not a simple escape */
	}
}

static int read_escape(struct reader *r, struct strbuf *b)
{
	size_t at = r->pos - 1;
	unsigned long cp;
	char c, v;
	int rc;

	if (r->pos == r->len)
		return incomplete(r, at, "a string escape");
	c = r->text[r->pos++];
	if ((v = simple_escape(c)) != 1) {
		sb_addn(b, &v, 1);
		return SEXP_OK;
	}
	if (c == 'x' || c == 'u' || c == 'U') {
		rc = read_hex_escape(r, at,
				     c == 'x' ? -1 :
				     c == 'u' ? 4 :
						6,
				     &cp);
		if (!rc)
			add_utf8(b, cp);
		return rc;
	}
	if (c == '\n') { /* a line continuation: the indentation goes too */
		while (r->pos < r->len &&
		       (r->text[r->pos] == ' ' || r->text[r->pos] == '\t'))
			r->pos++;
		return SEXP_OK;
	}
	return fail(r, SEXP_ERROR, at, "unknown string escape '\\%c'", c);
}

static int read_string(struct reader *r, struct sexp **out)
{
	size_t start = r->pos++;
	struct strbuf b;
	struct sexp *x;
	int rc;

	sb_init(&b);
	sb_add(&b, "");
	for (;;) {
		char c;

		if (r->pos == r->len) {
			free(sb_take(&b));
			return incomplete(r, start,
					  "a string (a '\"' is missing)");
		}
		c = r->text[r->pos++];
		if (c == '"')
			break;
		if (c != '\\') {
			sb_addn(&b, &c, 1);
			continue;
		}
		if ((rc = read_escape(r, &b))) {
			free(sb_take(&b));
			return rc;
		}
	}
	x = node(SEXP_STRING, start);
	if (!x || b.oom) {
		free(x);
		free(sb_take(&b));
		return oom(r);
	}
	x->len = b.len;
	x->text = sb_take(&b);
	*out = x;
	return SEXP_OK;
}

/* The bytes up to the next delimiter: a symbol, a number, #t, ... */
static size_t token_end(const struct reader *r, size_t from)
{
	while (from < r->len && !is_delimiter(r->text[from]))
		from++;
	return from;
}

static int is_integer(const char *s, size_t n)
{
	size_t i = (n > 1 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;

	if (i == n)
		return 0;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int read_atom(struct reader *r, struct sexp **out)
{
	size_t start = r->pos, end = token_end(r, start), n = end - start;
	struct sexp *x;
	char buf[32];

	if (end == r->len && r->depth > 0)
		return incomplete(r, start, "a list (a ')' is missing)");
	x = node(SEXP_SYMBOL, start);
	if (!x)
		return oom(r);
	if (is_integer(r->text + start, n)) {
		char *stop;

		if (n >= sizeof(buf)) {
			free(x);
			return fail(r, SEXP_ERROR, start, "integer too large");
		}
		memcpy(buf, r->text + start, n);
		buf[n] = '\0';
		errno = 0;
		x->integer = strtoll(buf, &stop, 10);
		if (errno) {
			free(x);
			return fail(r, SEXP_ERROR, start, "integer too large");
		}
		x->type = SEXP_INTEGER;
	} else {
		if (!(x->text = malloc(n + 1))) {
			free(x);
			return oom(r);
		}
		memcpy(x->text, r->text + start, n);
		x->text[n] = '\0';
		x->len = n;
	}
	r->pos = end;
	*out = x;
	return SEXP_OK;
}

static int read_bytevector(struct reader *r, struct sexp **out)
{
	size_t start = r->pos;
	struct sexp *list, *x;
	size_t i;
	int rc;

	r->pos += 4; /* "#vu8", then the list */
	if ((rc = read_list(r, &list)))
		return rc;
	x = node(SEXP_BYTEVECTOR, start);
	if (!x || !(x->text = malloc(list->len + 1))) {
		free(x);
		sexp_free(list);
		return oom(r);
	}
	for (i = 0; i < list->len; i++) {
		const struct sexp *b = list->items[i];

		if (b->type != SEXP_INTEGER || b->integer < 0 ||
		    b->integer > 255) {
			size_t at = b->offset;

			sexp_free(list);
			sexp_free(x);
			return fail(
				r, SEXP_ERROR, at,
				"a #vu8 bytevector holds integers from 0 to 255 only");
		}
		x->text[i] = (char)b->integer;
	}
	x->len = list->len;
	sexp_free(list);
	*out = x;
	return SEXP_OK;
}

static int token_is(const struct reader *r, size_t end, const char *word)
{
	size_t n = strlen(word);

	return end - r->pos == n && !memcmp(r->text + r->pos, word, n);
}

static int read_hash(struct reader *r, struct sexp **out)
{
	size_t start = r->pos, end = token_end(r, start);
	struct sexp *x;

	if (r->len - start >= 5 && !memcmp(r->text + start, "#vu8(", 5))
		return read_bytevector(r, out);
	if (end == r->len && r->len - start < 6 &&
	    (!strncmp("#false", r->text + start, r->len - start) ||
	     !strncmp("#true", r->text + start, r->len - start) ||
	     !strncmp("#vu8(", r->text + start, r->len - start)))
		return incomplete(r, start, "a '#' datum");
	if (token_is(r, end, "#t") || token_is(r, end, "#true") ||
	    token_is(r, end, "#f") || token_is(r, end, "#false")) {
		if (!(x = node(SEXP_BOOLEAN, start)))
			return oom(r);
		x->integer = r->text[start + 1] == 't';
		r->pos = end;
		*out = x;
		return SEXP_OK;
	}
	return fail(r, SEXP_ERROR, start,
		    "unknown '#' syntax (only #t, #f and #vu8(...) are read)");
}

/* 'X reads as (quote X), as in Scheme. */
static int read_quote(struct reader *r, struct sexp **out)
{
	size_t start = r->pos++;
	struct sexp *list = node(SEXP_LIST, start), *q, *x;
	int rc;

	if (!list)
		return oom(r);
	skip_blank(r);
	if (r->pos == r->len) {
		sexp_free(list);
		return incomplete(r, start, "a quoted datum");
	}
	if ((rc = read_datum(r, &x))) {
		sexp_free(list);
		return rc;
	}
	q = node(SEXP_SYMBOL, start);
	if (!q || !(q->text = strdup("quote")) || list_push(list, q) ||
	    list_push(list, x)) {
		if (list->len == 0)
			sexp_free(q);
		if (list->len < 2)
			sexp_free(x);
		sexp_free(list);
		return oom(r);
	}
	q->len = 5;
	*out = list;
	return SEXP_OK;
}

static int read_datum(struct reader *r, struct sexp **out)
{
	char c = r->text[r->pos];

	switch (c) {
	case '(':
		return read_list(r, out);
	case ')':
		return fail(r, SEXP_ERROR, r->pos, "unexpected ')'");
	case '"':
		return read_string(r, out);
	case '#':
		return read_hash(r, out);
	case '\'':
		return read_quote(r, out);
	case '[':
	case ']':
	case '{':
	case '}':
	case '`':
	case ',':
	case '|':
		return fail(r, SEXP_ERROR, r->pos, "unexpected '%c'", c);
	default:
		return read_atom(r, out);
	}
}

int sexp_read(const char *text, size_t len, struct sexp **out, size_t *end,
	      struct sexp_error *err)
{
	struct reader r = { text, len, 0, 0, err };
	int rc;

	*out = NULL;
	skip_blank(&r);
	if (r.pos == len)
		return fail(&r, SEXP_INCOMPLETE, r.pos,
			    "no S-expression in the text");
	rc = read_datum(&r, out);
	if (rc)
		return rc;
	*end = r.pos;
	return SEXP_OK;
}

int sexp_is_symbol(const struct sexp *x, const char *name)
{
	return x && x->type == SEXP_SYMBOL && !strcmp(x->text, name);
}

int sexp_is_form(const struct sexp *x, const char *name)
{
	return x && x->type == SEXP_LIST && x->len > 0 &&
	       sexp_is_symbol(x->items[0], name);
}

const struct sexp *sexp_field(const struct sexp *list, const char *name)
{
	size_t i;

	if (!list || list->type != SEXP_LIST)
		return NULL;
	for (i = 1; i < list->len; i++)
		if (sexp_is_form(list->items[i], name))
			return list->items[i];
	return NULL;
}

void sexp_add_string(struct strbuf *b, const char *s, size_t len)
{
	size_t i;

	sb_add(b, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_addf(b, "\\%c", c);
		else if (c == '\n')
			sb_add(b, "\\n");
		else if (c == '\t')
			sb_add(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_addf(b, "\\x%x;", c);
		else
			sb_addn(b, s + i, 1);
	}
	sb_add(b, "\"");
}
