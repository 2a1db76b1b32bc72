/* zipcheck.h - a zip's structure, checked as unzip -t checks it
 *
 * libarchive reads a zip file by its central directory and takes the
 * local headers as they come: a local header that disagrees with the
 * central directory, a split archive or stray bytes between the entries
 * pass unnoticed, where unzip -t fails.  An image is not made from a zip
 * whose two descriptions of its entries do not agree.
 */
#ifndef MKHURDIMG_ZIPCHECK_H
#define MKHURDIMG_ZIPCHECK_H

/* 0, or EXIT_BUILD with a message naming PATH and what is wrong. */
int zip_check(const char *path);

#endif
