/* source-symlink.h - the symlink source kind: one symbolic link, written
 * in the configuration */
#ifndef MKHURDIMG_SOURCE_SYMLINK_H
#define MKHURDIMG_SOURCE_SYMLINK_H

#include "source.h"

extern const struct source_kind source_symlink;

#endif
