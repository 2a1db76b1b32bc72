/* source-substitutes.h - the substitutes source kind: a substitute cache: narinfos and their nars */
#ifndef MKHURDIMG_SOURCE_SUBSTITUTES_H
#define MKHURDIMG_SOURCE_SUBSTITUTES_H

#include "source.h"

extern const struct source_kind source_substitutes;

#endif
