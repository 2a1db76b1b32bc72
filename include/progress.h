/* progress.h - a progress line on stderr when it is a terminal */
#ifndef MKHURDIMG_PROGRESS_H
#define MKHURDIMG_PROGRESS_H

#include <stdint.h>

/* Start showing progress towards BYTES of content (the regular files',
 * the summary's figure) and FILES entries; nothing is shown unless stderr
 * is a terminal and not --quiet, and no escape sequence when TERM is
 * dumb or unset. */
void progress_start(uint64_t bytes, uint64_t files);
void progress_add(uint64_t bytes, uint64_t files);
void progress_end(void);

/* Seconds since an arbitrary start (monotonic), for phase timings. */
double progress_clock(void);

#endif
