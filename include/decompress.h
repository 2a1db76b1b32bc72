/* decompress.h - a possibly compressed input, read to its real end
 *
 * libarchive's gzip reader checks neither a member's CRC-32 nor its
 * ISIZE, so gzip is inflated here with zlib, member by member, and each
 * member's trailer is checked.  Every other compression (xz, zstd, bzip2,
 * lzip, ...) is libarchive's, whose decoders check their own trailers.
 * Either way a caller reads the decompressed bytes until this says the
 * file has ended, and only then has every check been made; whatever the
 * caller does not need (a tar's padding after its end) must still be read.
 */
#ifndef MKHURDIMG_DECOMPRESS_H
#define MKHURDIMG_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct decomp;

/* Open PATH and find its compression.  0 and *D, or EXIT_BUILD with a
 * message recorded. */
int decomp_open(const char *path, struct decomp **d);

/* "gzip", "xz", ...; NULL when the file is not compressed. */
const char *decomp_name(const struct decomp *d);

/* The next decompressed bytes, valid until the next call: their count,
 * 0 at the end of the file (every check made), or -1 with the reason in
 * decomp_error().  The end and a failure are final. */
long decomp_block(struct decomp *d, const void **buf);

/* The same, copied into BUF (at most LEN bytes). */
long decomp_read(struct decomp *d, void *buf, size_t len);

/* Decompressed bytes handed out so far. */
uint64_t decomp_bytes_out(const struct decomp *d);

/* After a reader of the bytes failed: is the compressed data under them
 * corrupt?  Reads on, at most LIMIT more bytes, and returns 1 (the reason
 * in decomp_error()) when the compression is what is broken. */
int decomp_corrupt(struct decomp *d, uint64_t limit);

/* Why decomp_block() failed: "corrupt compressed data (...)",
 * "truncated compressed data (...)" or a read error; NULL if it has not. */
const char *decomp_error(const struct decomp *d);

void decomp_close(struct decomp *d);

#endif
