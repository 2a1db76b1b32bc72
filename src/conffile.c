/* conffile.c - libconfuse files with correct line numbers */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "diag.h"

void conffile_blank_comments(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		char c = s[i];

		if (c == '"' || c == '\'') {
			/* A quoted string: skip it, escapes included. */
			for (i++; i < len && s[i] != c; i++)
				if (s[i] == '\\' && i + 1 < len)
					i++;
			i++;
		} else if (c == '#' || (c == '/' && i + 1 < len && s[i + 1] == '/')) {
			for (; i < len && s[i] != '\n'; i++)
				s[i] = ' ';
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			s[i] = s[i + 1] = ' ';
			for (i += 2; i < len; i++) {
				if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					s[i] = s[i + 1] = ' ';
					i += 2;
					break;
				}
				if (s[i] != '\n')
					s[i] = ' ';
			}
		} else {
			i++;
		}
	}
}

/* Sections have no file name of their own: errors name the file parsed. */
static const char *parsing;

static void on_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	diag_error_at(EXIT_USAGE, parsing, cfg->line, "%s", buf);
}

int conffile_parse(cfg_t *cfg, const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int r, e;

	if (!f)
		return CFG_FILE_ERROR;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap = cap ? cap * 2 : 8192);

			if (!t) {
				free(text);
				fclose(f);
				errno = ENOMEM;
				return CFG_FILE_ERROR;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	e = ferror(f);
	fclose(f);
	if (e) {
		free(text);
		errno = EIO;
		return CFG_FILE_ERROR;
	}
	if (memchr(text, '\0', len)) {
		free(text);
		errno = EINVAL;
		return CFG_FILE_ERROR;
	}
	text[len] = '\0';
	conffile_blank_comments(text, len);
	parsing = path;
	cfg_set_error_function(cfg, on_error);
	free(cfg->filename);
	cfg->filename = strdup(path);
	r = cfg_parse_buf(cfg, text);
	free(text);
	return r;
}
