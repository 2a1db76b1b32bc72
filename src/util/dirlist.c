/* dirlist.c - sorted directory listings */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dirlist.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dirlist(const char *dir, int (*keep)(const char *name), char ***names,
	    size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (keep && !keep(de->d_name)))
			continue;
		if (array_grow(names, &cap, *n + 1, sizeof(**names), 32)) {
			err = ENOMEM;
			break;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			err = ENOMEM;
			break;
		}
		(*n)++;
		errno = 0;
	}
	if (!err && errno)
		err = errno;
	closedir(d);
	if (err) {
		dirlist_free(*names, *n);
		*names = NULL;
		*n = 0;
		return err;
	}
	if (*n)
		qsort(*names, *n, sizeof(char *), name_cmp);
	return 0;
}

void dirlist_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
