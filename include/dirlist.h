/* dirlist.h - a directory's names, sorted, so nothing depends on readdir
 * order */
#ifndef MKHURDIMG_DIRLIST_H
#define MKHURDIMG_DIRLIST_H

#include <stddef.h>

/* The names in DIR that KEEP accepts (all but . and .. when KEEP is
 * NULL), sorted by bytes.  Returns 0 or an errno value. */
int dirlist(const char *dir, int (*keep)(const char *name), char ***names,
	    size_t *n);
void dirlist_free(char **names, size_t n);

#endif
