/* inputs.c - the host files and directories an image is made from */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "diag.h"
#include "inputs.h"

int inputs_add(struct inputs *in, const char *path)
{
	if (array_grow(&in->paths, &in->cap, in->n + 1, sizeof(*in->paths), 64))
		return diag_error(EXIT_BUILD, "out of memory");
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
