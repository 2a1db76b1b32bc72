/* source-dir.h - the directory source kind: a host directory copied into the image */
#ifndef MKHURDIMG_SOURCE_DIR_H
#define MKHURDIMG_SOURCE_DIR_H

#include "source.h"

extern const struct source_kind source_directory;

#endif
