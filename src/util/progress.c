/* progress.c - bytes and files done, rate and time left, on a terminal
 *
 * Only what is shown depends on the clock; the image never does.  The
 * bytes are those of the regular files' contents, as in the summary
 * line.  A terminal that TERM calls dumb (or no TERM) gets no escape
 * sequences: a carriage return, and spaces over what is left of the
 * previous line.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "progress.h"
#include "size.h"

static struct {
	int on, dumb;
	int width; /* of the last line shown */
	uint64_t bytes, files, done_bytes, done_files;
	double start, last;
} p;

static int dumb_terminal(void)
{
	const char *term = getenv("TERM");

	return !term || !*term || !strcmp(term, "dumb");
}

double progress_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(uint64_t bytes, uint64_t files)
{
	p.on = isatty(2) && diag_get_level() >= DIAG_NORMAL;
	p.dumb = dumb_terminal();
	p.width = 0;
	p.bytes = bytes;
	p.files = files;
	p.done_bytes = p.done_files = 0;
	p.start = p.last = progress_clock();
}

static void show(double now)
{
	char done[32], total[32], rate[32];
	double secs = now - p.start,
	       bps = secs > 0 ? (double)p.done_bytes / secs : 0;
	double left = bps > 0 && p.bytes > p.done_bytes ?
			      (double)(p.bytes - p.done_bytes) / bps :
			      0;

	int width;

	size_format(p.done_bytes, done, sizeof(done));
	size_format(p.bytes, total, sizeof(total));
	size_format((uint64_t)bps, rate, sizeof(rate));
	width = fprintf(stderr,
			"%s%s / %s, %llu / %llu files, %s/s, %.0f s left",
			p.dumb ? "\r" : "\r\033[K", done, total,
			(unsigned long long)p.done_files,
			(unsigned long long)p.files, rate, left) -
		(p.dumb ? 1 : 4);
	if (p.dumb && width < p.width)
		fprintf(stderr, "%*s", p.width - width, "");
	p.width = width;
}

void progress_add(uint64_t bytes, uint64_t files)
{
	double now;

	p.done_bytes += bytes;
	p.done_files += files;
	if (!p.on)
		return;
	now = progress_clock();
	if (now - p.last < 0.1)
		return;
	p.last = now;
	show(now);
}

void progress_end(void)
{
	if (!p.on)
		return;
	show(progress_clock());
	if (p.dumb)
		fprintf(stderr, "\r%*s\r", p.width, "");
	else
		fputs("\r\033[K", stderr);
	p.on = 0;
}
