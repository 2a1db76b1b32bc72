/* fullio.h - reads and writes that move every byte asked for
 *
 * Each retries after EINTR and after a short transfer, and returns 0 or
 * an errno value.
 */
#ifndef MKHURDIMG_FULLIO_H
#define MKHURDIMG_FULLIO_H

#include <stddef.h>
#include <stdint.h>

/* A write that makes no progress is EIO. */
int write_full(int fd, const void *buf, size_t len);
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* LEN bytes at OFF; the end of the file stops it without an error, with
 * *GOT (when not NULL) the bytes read before it.  GOT NULL: the end of
 * the file before LEN bytes is EIO. */
int pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got);

#endif
