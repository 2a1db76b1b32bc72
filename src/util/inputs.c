/* inputs.c - the host files and directories an image is made from */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "inputs.h"

int inputs_add(struct inputs *in, const char *path)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		char **v = realloc(in->paths, cap * sizeof(*v));

		if (!v)
			return diag_error(EXIT_BUILD, "out of memory");
		in->paths = v;
		in->cap = cap;
	}
	if (!(in->paths[in->n] = strdup(path)))
		return diag_error(EXIT_BUILD, "out of memory");
	in->n++;
	return 0;
}

void inputs_free(struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	memset(in, 0, sizeof(*in));
}
