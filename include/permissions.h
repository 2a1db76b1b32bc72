/* permissions.h - owner, group and mode rules over the finished tree */
#ifndef MKHURDIMG_PERMISSIONS_H
#define MKHURDIMG_PERMISSIONS_H

#include "config.h"
#include "tree.h"

/* Apply every `permissions "GLOB" { ... }` rule of CFG, in file order,
 * to each entry whose full path matches GLOB (fnmatch without
 * FNM_PATHNAME: "*" matches across "/").  A tree built as an ordinary
 * user gets its owners this way, without root or fakeroot. */
int permissions_apply(struct tree *t, const struct os_config *cfg);

#endif
