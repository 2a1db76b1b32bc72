/* source-archive.h - the archive source kind: an archive, streamed twice, never extracted */
#ifndef MKHURDIMG_SOURCE_ARCHIVE_H
#define MKHURDIMG_SOURCE_ARCHIVE_H

#include "source.h"

extern const struct source_kind source_archive;

#endif
