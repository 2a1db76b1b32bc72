/* strbuf.c - a growable string */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "strbuf.h"

void sb_init(struct strbuf *b)
{
	memset(b, 0, sizeof(*b));
}

static int grow(struct strbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (array_grow(&b->s, &b->cap, b->len + more + 1, 1, 256)) {
		b->oom = 1;
		return -1;
	}
	return 0;
}

void sb_add(struct strbuf *b, const char *text)
{
	size_t l = strlen(text);

	if (grow(b, l))
		return;
	memcpy(b->s + b->len, text, l + 1);
	b->len += l;
}

void sb_addn(struct strbuf *b, const void *data, size_t n)
{
	if (grow(b, n))
		return;
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *sb_take(struct strbuf *b)
{
	char *s = b->s;

	if (b->oom || !s) {
		free(s);
		s = b->oom ? NULL : strdup("");
	}
	memset(b, 0, sizeof(*b));
	return s;
}
