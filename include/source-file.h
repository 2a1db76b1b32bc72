/* source-file.h - the file source kind: one file with literal contents, written in the configuration */
#ifndef MKHURDIMG_SOURCE_FILE_H
#define MKHURDIMG_SOURCE_FILE_H

#include "source.h"

extern const struct source_kind source_file;

#endif
