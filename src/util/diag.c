/* diag.c - formatting of errors, warnings and progress messages */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"

static const char *program = "mkhurdimg";
static enum diag_level level = DIAG_NORMAL;
static char message[1024];
static int have_message;

void diag_set_program(const char *name)
{
	program = name;
}

void diag_set_level(enum diag_level l)
{
	level = l;
}

enum diag_level diag_get_level(void)
{
	return level;
}

int diag_verror(int status, const char *fmt, va_list ap)
{
	/* The first failure is the cause; later ones are consequences. */
	if (!have_message) {
		vsnprintf(message, sizeof(message), fmt, ap);
		have_message = 1;
	}
	return status;
}

int diag_error(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(status, fmt, ap);
	va_end(ap);
	return status;
}

int diag_error_at(int status, const char *file, int line, const char *fmt, ...)
{
	char buf[sizeof(message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (line > 0)
		return diag_error(status, "%s:%d: %s", file, line, buf);
	return diag_error(status, "%s: %s", file, buf);
}

const char *diag_message(void)
{
	return have_message ? message : NULL;
}

void diag_clear(void)
{
	have_message = 0;
	message[0] = '\0';
}

void diag_print(void)
{
	if (have_message)
		fprintf(stderr, "%s: %s\n", program, message);
}

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", program, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void diag_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < DIAG_NORMAL)
		return;
	va_start(ap, fmt);
	vprint("warning: ", fmt, ap);
	va_end(ap);
}

void diag_info(const char *fmt, ...)
{
	va_list ap;

	if (level < DIAG_NORMAL)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void diag_verbose(const char *fmt, ...)
{
	va_list ap;

	if (level < DIAG_VERBOSE)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}
