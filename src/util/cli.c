/* cli.c - what the subcommands' command lines share */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "diag.h"

int cli_usage_error(const char *try_help, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(EXIT_USAGE, fmt, ap);
	va_end(ap);
	diag_print();
	diag_clear();
	fputs(try_help, stderr);
	return EXIT_USAGE;
}

int cli_number(const char *text, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
