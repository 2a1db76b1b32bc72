/* diag.c - formatting of errors, warnings and progress messages */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
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

/* A message too long for the buffer keeps its start and its end, where
 * the reason is, with " ... " between. */
static void keep_ends(const char *fmt, va_list ap)
{
	size_t half = (sizeof(message) - 6) / 2;
	char *all;

	if (vasprintf(&all, fmt, ap) < 0) {
		snprintf(message, sizeof(message), "%s", "out of memory");
		return;
	}
	snprintf(message, sizeof(message), "%.*s ... %s", (int)half, all,
		 all + strlen(all) - half);
	free(all);
}

int diag_verror(int status, const char *fmt, va_list ap)
{
	va_list again;

	/* The first failure is the cause; later ones are consequences. */
	if (!have_message) {
		va_copy(again, ap);
		if ((size_t)vsnprintf(message, sizeof(message), fmt, ap) >=
		    sizeof(message))
			keep_ends(fmt, again);
		va_end(again);
		have_message = 1;
	}
	return status;
}

/* Bytes of V to show: at most DIAG_VALUE_MAX, not ending inside a UTF-8
 * sequence. */
static size_t value_cut(const char *v, size_t len)
{
	size_t n = DIAG_VALUE_MAX;

	if (len <= n)
		return len;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	return n;
}

const char *diag_value(const char *v)
{
	static char bufs[4][DIAG_VALUE_MAX * 4 + 8];
	static unsigned next;
	char *buf = bufs[next++ % 4];
	size_t len = v ? strlen(v) : 0, cut = value_cut(v ? v : "", len), i,
	       o = 0;

	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\n')
			o += (size_t)sprintf(buf + o, "\\n");
		else if (c == '\t')
			o += (size_t)sprintf(buf + o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(buf + o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	strcpy(buf + o, cut < len ? "..." : "");
	return buf;
}

void diag_shorten_quoted(char *text)
{
	char *p = text, *open, *close;

	while ((open = strchr(p, '\'')) && (close = strchr(open + 1, '\''))) {
		size_t len = (size_t)(close - open - 1),
		       cut = value_cut(open + 1, len);

		/* Only a part with no blank: a quote inside a value would
		 * otherwise pair with one in the message's own words. */
		if (len > cut + 3 && !memchr(open + 1, ' ', len)) {
			memmove(open + 1 + cut + 3, close, strlen(close) + 1);
			memcpy(open + 1 + cut, "...", 3);
			close = open + 1 + cut + 3;
		}
		p = close + 1;
	}
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
	char *what;
	va_list ap;
	int n;

	if (have_message)
		return status;
	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return diag_error(status, "out of memory");
	if (line > 0)
		diag_error(status, "%s:%d: %s", file, line, what);
	else
		diag_error(status, "%s: %s", file, what);
	free(what);
	return status;
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

static struct {
	int on;
	char **v;
	size_t n;
} held;

void diag_hold_warnings(void)
{
	held.on = 1;
}

void diag_release_warnings(int failed)
{
	size_t i;

	for (i = 0; i < held.n; i++) {
		if (!failed)
			fprintf(stderr, "%s: warning: %s\n", program,
				held.v[i]);
		free(held.v[i]);
	}
	free(held.v);
	memset(&held, 0, sizeof(held));
}

/* Keep the warning for later; printed at once when memory runs out. */
static int hold(const char *fmt, va_list ap)
{
	char **v, *text;

	if (vasprintf(&text, fmt, ap) < 0)
		return -1;
	if (!(v = realloc(held.v, (held.n + 1) * sizeof(*v)))) {
		free(text);
		return -1;
	}
	held.v = v;
	held.v[held.n++] = text;
	return 0;
}

void diag_warn(const char *fmt, ...)
{
	va_list ap, again;

	if (level < DIAG_NORMAL)
		return;
	va_start(ap, fmt);
	va_copy(again, ap);
	if (!held.on || hold(fmt, again))
		vprint("warning: ", fmt, ap);
	va_end(again);
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
