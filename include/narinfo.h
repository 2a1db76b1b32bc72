/* narinfo.h - the description of a substitute: store path, nar, hashes */
#ifndef MKHURDIMG_NARINFO_H
#define MKHURDIMG_NARINFO_H

#include <stddef.h>
#include <stdint.h>

struct narinfo {
	char *store_path;
	char *url;
	char *compression;    /* none, gzip, xz, lzip, zstd, bzip2 */
	uint8_t nar_hash[32]; /* sha256 */
	uint64_t nar_size;
	char **references; /* base names */
	size_t nreferences;
	char *deriver;	   /* base name, or NULL */
	char *signature;   /* the Signature: value, or NULL */
	size_t signed_len; /* bytes of the text before Signature: */
	unsigned seen;	   /* fields read so far (one bit each) */
};

/* Parse TEXT (LEN bytes) of FILE.  Returns 0 or EXIT_BUILD with a
 * FILE:LINE message. */
int narinfo_parse(const char *file, const char *text, size_t len,
		  struct narinfo *out);
void narinfo_free(struct narinfo *ni);

#endif
