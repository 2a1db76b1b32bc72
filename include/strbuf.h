/* strbuf.h - a growable string for generated files */
#ifndef MKHURDIMG_STRBUF_H
#define MKHURDIMG_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	int oom; /* an allocation failed; s is incomplete */
};

void sb_init(struct strbuf *b);
void sb_add(struct strbuf *b, const char *text);
/* N bytes of DATA, which may hold NUL bytes (LEN counts them). */
void sb_addn(struct strbuf *b, const void *data, size_t n);
void sb_addf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The string (caller frees), or NULL after an allocation failure. */
char *sb_take(struct strbuf *b);

#endif
