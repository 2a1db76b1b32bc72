/* conffile.h - reading a libconfuse file with correct line numbers */
#ifndef MKHURDIMG_CONFFILE_H
#define MKHURDIMG_CONFFILE_H

#include <confuse.h>
#include <stddef.h>

/* Parse PATH into CFG; "-" is standard input.  Every libconfuse error,
 * the validating callbacks' too, is recorded as "NAME:LINE: message"
 * (exit status EXIT_USAGE), NAME being conffile_name(PATH).  Returns a
 * CFG_* code; CFG_FILE_ERROR leaves errno set. */
int conffile_parse(cfg_t *cfg, const char *path);

/* What messages call the file PATH: itself, or "<stdin>" for "-". */
#define CONFFILE_STDIN "<stdin>"
const char *conffile_name(const char *path);

/* Where a section of the file last parsed starts: libconfuse only knows
 * where it ends.  KIND "TITLE" (TITLE NULL for the NTH untitled one).
 * Returns its line, or 0; *SEQ (if not NULL) gets its place among all
 * sections of the file. */
int conffile_section(const char *kind, const char *title, int nth, int *seq);

/* The line of the last top-level NAME = ... of the file last parsed, or
 * 0 if it has none (libconfuse keeps no line for options). */
int conffile_option(const char *name);

/* How the first unquoted value of option NAME on LINE (where the value
 * is, as libconfuse's cfg->line in a validating callback) is written in
 * the file being parsed, e.g. "644" or "0644"; NULL if there is none.
 * Valid until the next parse. */
const char *conffile_value_text(const char *name, int line);

#endif
