/* conffile.c - libconfuse files with correct line numbers */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "conffile.h"
#include "diag.h"

/* Replace every comment (#, // to the end of the line, and the block
 * form) of S with spaces, keeping newlines and quoted strings.
 * libconfuse 3.3 miscounts lines after comments and rejects comments
 * inside lists; blanking them first sidesteps both. */
static void blank_comments(char *s, size_t len)
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
		} else if (c == '#' ||
			   (c == '/' && i + 1 < len && s[i + 1] == '/')) {
			for (; i < len && s[i] != '\n'; i++)
				s[i] = ' ';
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			s[i] = s[i + 1] = ' ';
			for (i += 2; i < len; i++) {
				if (s[i] == '*' && i + 1 < len &&
				    s[i + 1] == '/') {
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
	char *msg;

	/* libconfuse quotes the value ('%s') before the reason: whole, then
	 * shortened, or a long value would push the reason out. */
	if (vasprintf(&msg, fmt, ap) < 0) {
		diag_error(EXIT_BUILD, "out of memory");
		return;
	}
	diag_shorten_quoted(msg);
	diag_error_at(EXIT_USAGE, parsing, cfg->line, "%s", msg);
	free(msg);
}

struct section {
	char *kind, *title;
	int line;
};

static struct section *sections;
static size_t nsections;
/* Top-level options (NAME = ...), as sections with no title: kind "=NAME". */

/* Unquoted values as they are written (NAME = TEXT, at any depth), by
 * the line of the value: libconfuse keeps only what it converted, and
 * "0644" and "644" are not the same mode. */
struct value {
	char *name, *text;
	int line;
};

static struct value *values;
static size_t nvalues;

static void forget_sections(void)
{
	size_t i;

	for (i = 0; i < nsections; i++) {
		free(sections[i].kind);
		free(sections[i].title);
	}
	free(sections);
	sections = NULL;
	nsections = 0;
	for (i = 0; i < nvalues; i++) {
		free(values[i].name);
		free(values[i].text);
	}
	free(values);
	values = NULL;
	nvalues = 0;
}

/* The unquoted value at S (a number, a word) of option NAME, on LINE. */
static void note_value(const char *name, size_t nlen, const char *s, int line)
{
	size_t len = 0;
	struct value *v;

	while (len < 64 &&
	       (isalnum((unsigned char)s[len]) || strchr("+-._", s[len])))
		len++;
	if (!len || !(v = realloc(values, (nvalues + 1) * sizeof(*v))))
		return;
	values = v;
	v[nvalues].name = strndup(name, nlen);
	v[nvalues].text = strndup(s, len);
	v[nvalues].line = line;
	nvalues++;
}

static void note_section(const char *kind, size_t klen, const char *title,
			 size_t tlen, int line)
{
	struct section *v = realloc(sections, (nsections + 1) * sizeof(*v));

	if (!v)
		return;
	sections = v;
	v[nsections].kind = strndup(kind, klen);
	v[nsections].title = title ? strndup(title, tlen) : NULL;
	v[nsections].line = line;
	nsections++;
}

/* Sections (NAME ["TITLE"] "{" at the top level) and their lines, and
 * the line of a section left open at the end of the file (0 if none):
 * libconfuse 3.3 takes the end of the file as a closing brace. */
static int scan_sections(const char *s)
{
	const char *ident = NULL, *title = NULL, *vname = NULL;
	size_t ilen = 0, tlen = 0, vlen = 0;
	int line = 1, iline = 0, depth = 0, open_line = 0;

	forget_sections();
	while (*s) {
		char c = *s;

		if (vname && !isspace((unsigned char)c)) {
			/* The first token after NAME =. */
			if (c != '"' && c != '\'' && c != '{')
				note_value(vname, vlen, s, line);
			vname = NULL;
		}
		if (c == '\n') {
			line++;
			s++;
		} else if (c == '"' || c == '\'') {
			const char *start = ++s;

			while (*s && *s != c) {
				if (*s == '\\' && s[1])
					s++;
				if (*s == '\n')
					line++;
				s++;
			}
			if (ident && !title) {
				title = start;
				tlen = (size_t)(s - start);
			} else {
				ident = NULL;
			}
			if (*s)
				s++;
		} else if (c == '{') {
			if (depth == 0 && ident) {
				note_section(ident, ilen, title, tlen, iline);
				open_line = iline;
			}
			depth++;
			ident = NULL;
			s++;
		} else if (c == '}') {
			if (--depth == 0)
				open_line = 0;
			ident = NULL;
			s++;
		} else if (isalpha((unsigned char)c) || c == '_') {
			const char *start = s;

			while (isalnum((unsigned char)*s) || *s == '_' ||
			       *s == '-')
				s++;
			ident = start;
			ilen = (size_t)(s - start);
			iline = line;
			title = NULL;
		} else {
			if (c == '=' && ident && !title) {
				vname = ident;
				vlen = ilen;
			}
			if (c == '=' && depth == 0 && ident && !title) {
				char kind[128];

				snprintf(kind, sizeof(kind), "=%.*s", (int)ilen,
					 ident);
				note_section(kind, strlen(kind), NULL, 0,
					     iline);
			}
			if (!isspace((unsigned char)c))
				ident = NULL;
			s++;
		}
	}
	/* An open list brace alone is libconfuse's to report. */
	return depth > 0 ? open_line : 0;
}

int conffile_section(const char *kind, const char *title, int nth, int *seq)
{
	size_t i;

	for (i = 0; i < nsections; i++) {
		if (strcmp(sections[i].kind, kind))
			continue;
		if (title ? !sections[i].title ||
				    strcmp(sections[i].title, title) :
			    nth-- > 0)
			continue;
		if (seq)
			*seq = (int)i;
		return sections[i].line;
	}
	return 0;
}

const char *conffile_value_text(const char *name, int line)
{
	size_t i;

	for (i = 0; i < nvalues; i++)
		if (values[i].line == line && !strcmp(values[i].name, name))
			return values[i].text;
	return NULL;
}

int conffile_option(const char *name)
{
	char kind[128];
	size_t i;
	int line = 0;

	snprintf(kind, sizeof(kind), "=%s", name);
	for (i = 0; i < nsections; i++)
		if (!strcmp(sections[i].kind, kind))
			line = sections[i].line;
	return line;
}

const char *conffile_name(const char *path)
{
	return strcmp(path, "-") ? path : CONFFILE_STDIN;
}

/* All of F, NUL-terminated, into *TEXT (malloc'd).  0 or an errno value:
 * EISDIR for a directory, EINVAL for a NUL byte in the text. */
static int slurp(FILE *f, char **text, size_t *len)
{
	size_t cap = 0, n;

	*text = NULL;
	*len = 0;
	do {
		if (array_grow(text, &cap, *len + 4096, 1, 8192)) {
			free(*text);
			return ENOMEM;
		}
		n = fread(*text + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n);
	if (ferror(f) || memchr(*text, '\0', *len)) {
		int e = ferror(f) ? (errno ? errno : EIO) : EINVAL;

		free(*text);
		return e;
	}
	(*text)[*len] = '\0';
	return 0;
}

int conffile_parse(cfg_t *cfg, const char *path)
{
	int in = !strcmp(path, "-"), open_line, e, r;
	FILE *f = in ? stdin : fopen(path, "r");
	char *text;
	size_t len;

	if (!f)
		return CFG_FILE_ERROR;
	e = slurp(f, &text, &len);
	if (!in)
		fclose(f);
	if (e) {
		errno = e;
		return CFG_FILE_ERROR;
	}
	/* A UTF-8 byte order mark (some editors write one) is not part of the
	 * first key: blanked, so columns and lines stay as they were. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		memset(text, ' ', 3);
	blank_comments(text, len);
	parsing = conffile_name(path);
	if ((open_line = scan_sections(text))) {
		free(text);
		diag_error_at(EXIT_USAGE, parsing, open_line,
			      "this section is not closed: a '}' is missing");
		return CFG_PARSE_ERROR;
	}
	cfg_set_error_function(cfg, on_error);
	free(cfg->filename);
	cfg->filename = strdup(parsing);
	r = cfg_parse_buf(cfg, text);
	free(text);
	return r;
}
