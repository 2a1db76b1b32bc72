/* array.h - growing an array by doubling, in one place */
#ifndef MKHURDIMG_ARRAY_H
#define MKHURDIMG_ARRAY_H

#include <stddef.h>

/* Make room in the array *ARRAYP (a pointer to the array's pointer, of
 * any element type) for at least NEED elements of SIZE bytes: when *CAP
 * is short, the capacity doubles, from FIRST, until it is enough, and the
 * array is reallocated.  0, or -1 when memory runs out or the size would
 * overflow; then neither the array nor *CAP has changed. */
int array_grow(void *arrayp, size_t *cap, size_t need, size_t size,
	       size_t first);

#endif
