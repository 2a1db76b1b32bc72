/* diag.h - the one place where messages for the user are formatted.
 *
 * Modules report a failure by calling diag_error() (or diag_error_at()
 * for a FILE:LINE position) and returning the exit status it gives back.
 * main() prints the recorded message once, as one line on stderr.
 */
#ifndef MKHURDIMG_DIAG_H
#define MKHURDIMG_DIAG_H

#include <stdarg.h>

/* Exit statuses, documented in the README and --help. */
enum {
	EXIT_OK = 0,
	EXIT_BUILD = 1, /* the build failed: I/O, sizes, missing files */
	EXIT_USAGE = 2, /* bad command line or configuration */
};

enum diag_level { DIAG_QUIET = 0, DIAG_NORMAL = 1, DIAG_VERBOSE = 2 };

void diag_set_program(const char *name);
void diag_set_level(enum diag_level level);
enum diag_level diag_get_level(void);

/* Record the message for a failure and return STATUS. */
int diag_error(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int diag_error_at(int status, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int diag_verror(int status, const char *fmt, va_list ap);

/* A value from the user (a configuration string, a path, an option) as a
 * message quotes it: control characters as \n, \t or \xHH, and at most
 * DIAG_VALUE_MAX bytes of it, then "...", so that the reason after it is
 * never cut off.  The result is one of a few static buffers: enough for
 * the values of one message. */
#define DIAG_VALUE_MAX 60
const char *diag_value(const char *v);
/* TEXT (a message) with every '...'-quoted part without blanks that is
 * longer than DIAG_VALUE_MAX shortened as diag_value shortens it, in
 * place: for messages formatted elsewhere (libconfuse's quote an option
 * name, a title or a token). */
void diag_shorten_quoted(char *text);

/* The recorded message, or NULL. */
const char *diag_message(void);
void diag_clear(void);
/* Print the recorded message (if any) on stderr. */
void diag_print(void);

/* Hold warnings from now on: diag_release_warnings() prints them when the
 * run succeeded, and forgets them when it FAILED, so that the error is
 * the first and only line.  Without a hold, warnings print at once. */
void diag_hold_warnings(void);
void diag_release_warnings(int failed);

void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
