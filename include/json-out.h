/* json-out.h - writing one JSON document, members one per line
 *
 * Strings are escaped as RFC 8259 asks.  A file name need not be UTF-8:
 * each byte that is not part of a valid UTF-8 sequence is written as
 * \udcXX (XX its value), Python's "surrogateescape" reading, so no byte
 * is lost and every valid name comes out as itself.
 */
#ifndef MKHURDIMG_JSON_OUT_H
#define MKHURDIMG_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_out {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH]; /* members written at each level */
	int inline_from;	   /* depth from which all is on one line */
};

void json_init(struct json_out *j, FILE *f);
/* KEY is the member name inside an object, NULL inside an array or at
 * the top.  An INLINE array or object is written on one line. */
void json_begin_object(struct json_out *j, const char *key, int inline_);
void json_end_object(struct json_out *j);
void json_begin_array(struct json_out *j, const char *key, int inline_);
void json_end_array(struct json_out *j);
void json_string(struct json_out *j, const char *key, const char *s);
void json_bytes(struct json_out *j, const char *key, const char *s, size_t len);
void json_uint(struct json_out *j, const char *key, uint64_t v);
void json_fixed3(struct json_out *j, const char *key, double v);
void json_bool(struct json_out *j, const char *key, int v);
void json_null(struct json_out *j, const char *key);

/* The length of the valid UTF-8 sequence at S (at most LEN > 0 bytes),
 * or 0: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t utf8_len(const unsigned char *s, size_t len);

/* LEN bytes of S as a JSON string literal, quotes included. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif
