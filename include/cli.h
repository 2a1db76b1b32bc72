/* cli.h - what the subcommands' command lines share: a usage error, said
 * as every other message is, then a pointer to --help; and numbers */
#ifndef MKHURDIMG_CLI_H
#define MKHURDIMG_CLI_H

/* Record and print the message, then TRY_HELP ("Try '... --help' ...").
 * Returns EXIT_USAGE. */
int cli_usage_error(const char *try_help, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* TEXT as a decimal number from MIN to MAX, nothing else: 0, or -1. */
int cli_number(const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);

#endif
