/* sexp.h - S-expressions as Guile's `write' prints them
 *
 * Guix keeps a system's boot parameters as one S-expression (the system
 * item's `parameters' file), and the childhurd's secret service speaks
 * S-expressions on its socket.  This reads the lexical syntax Guile's
 * `write' produces for them: lists, strings with escapes, symbols,
 * decimal integers, #t/#f and #vu8(...) bytevectors.
 */
#ifndef MKHURDIMG_SEXP_H
#define MKHURDIMG_SEXP_H

#include <stddef.h>

struct strbuf;

enum sexp_type {
	SEXP_LIST,
	SEXP_STRING,
	SEXP_SYMBOL,
	SEXP_INTEGER,
	SEXP_BOOLEAN,
	SEXP_BYTEVECTOR,
};

struct sexp {
	enum sexp_type type;
	size_t offset;	   /* byte offset of its first character */
	char *text;	   /* string, symbol, bytevector: LEN bytes + NUL */
	size_t len;	   /* string, symbol, bytevector: bytes; list: items */
	long long integer; /* integer; boolean: 1 for #t, 0 for #f */
	struct sexp **items; /* list */
	size_t cap;	     /* list: room for items */
};

/* Nesting deeper than this is refused (a stack, not a heap, reads it). */
#define SEXP_MAX_DEPTH 64

enum {
	SEXP_OK = 0,
	SEXP_INCOMPLETE = 1, /* the text ends inside the datum */
	SEXP_ERROR = -1,     /* not an S-expression this reader knows */
};

struct sexp_error {
	size_t offset; /* where the problem is */
	char message[160];
};

/* Read the first datum of TEXT (LEN bytes, any bytes).  On SEXP_OK, *OUT
 * is the datum (free with sexp_free) and *END the offset just past it.
 * Otherwise ERR says what and where; SEXP_INCOMPLETE means more text
 * could still make it whole (a stream reader reads on). */
int sexp_read(const char *text, size_t len, struct sexp **out, size_t *end,
	      struct sexp_error *err);

/* Only white space and comments from OFFSET to LEN? */
int sexp_at_end(const char *text, size_t len, size_t offset);

void sexp_free(struct sexp *x);

/* Is X the symbol NAME? */
int sexp_is_symbol(const struct sexp *x, const char *name);
/* Is X a list whose first item is the symbol NAME? */
int sexp_is_form(const struct sexp *x, const char *name);
/* The first item of LIST (after its head) that is a list headed by the
 * symbol NAME, as Scheme's (assq 'NAME (cdr LIST)); NULL if none. */
const struct sexp *sexp_field(const struct sexp *list, const char *name);

/* S as Guile's `write' prints a string: quoted, with \" \\ and escapes
 * for control characters. */
void sexp_add_string(struct strbuf *b, const char *s, size_t len);

#endif
