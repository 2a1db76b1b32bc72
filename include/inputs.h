/* inputs.h - the host files and directories an image is made from,
 * besides the file contents still in the tree: archives, graphs,
 * narinfos, nars, keys, directories read (what --depfile lists) */
#ifndef MKHURDIMG_INPUTS_H
#define MKHURDIMG_INPUTS_H

#include <stddef.h>

struct inputs {
	char **paths;
	size_t n, cap;
};

/* Record PATH (copied).  0, or EXIT_BUILD with a message. */
int inputs_add(struct inputs *in, const char *path);
void inputs_free(struct inputs *in);

#endif
