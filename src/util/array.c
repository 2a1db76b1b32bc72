/* array.c - growing an array by doubling */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int array_grow(void *arrayp, size_t *cap, size_t need, size_t size,
	       size_t first)
{
	size_t n = *cap ? *cap : first;
	void *old, *grown;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (!size || n > SIZE_MAX / size)
		return -1;
	/* The caller's pointer is of its own type: copied, not cast. */
	memcpy(&old, arrayp, sizeof(old));
	if (!(grown = realloc(old, n * size)))
		return -1;
	memcpy(arrayp, &grown, sizeof(grown));
	*cap = n;
	return 0;
}
