/* source-closure.h - the closure source kind: a store closure: a reference graph or a list of store paths */
#ifndef MKHURDIMG_SOURCE_CLOSURE_H
#define MKHURDIMG_SOURCE_CLOSURE_H

#include "source.h"

extern const struct source_kind source_closure;

#endif
