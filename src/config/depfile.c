/* depfile.c - the inputs of an image as a GNU Make dependency file
 *
 * One rule per input ("IMAGE: INPUT"), then an empty rule per input
 * ("INPUT:"), as gcc -MP writes them, so that a deleted input makes Make
 * rebuild the image instead of failing.  Any byte but a newline can be in
 * a file name, and GNU Make reads a rule line twice (once as written,
 * once expanded) with different rules for targets and prerequisites, so
 * each name is spelled for where it stands.  What each special byte
 * needs was found by running GNU Make 4.3 on every such name as a target
 * and as a prerequisite, and is pinned by tests/integration/depfile.sh:
 *
 *   $            $$ everywhere
 *   blank        \ before it; a tab in a target only as \$(mkhurdimg_tab)
 *                (Make turns an escaped tab there into a space); a
 *                prerequisite ending in a blank gets " |" after it, or
 *                Make strips the blank with the line's end
 *   # : * ? [    \ before it
 *   |            \ before it in a prerequisite, as it is in a target
 *   ;            \\\; (both readings of the line unquote it once)
 *   =            $(or =): a rule line holding = is a variable assignment
 *   %            \% in a target (else a pattern rule), as it is in a
 *                prerequisite
 *   \            doubled where it precedes a byte escaped as above or
 *                ends the name (then " |" follows, as for a blank and a
 *                carriage return)
 *   ~ or a blank first: the absolute name (Make expands ~ and ~USER),
 *                but "./" before the image's own name, which must be
 *                what the user's rule for it names
 *   a directive (define, include, ...) or any byte but a letter, a digit
 *   or ( first: "./" before it
 *
 * Make cannot name a file with a newline, nor one that ends "(MEMBER)",
 * which it reads as a member of the archive before the parenthesis: those
 * are refused, naming the file.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "depfile.h"
#include "diag.h"
#include "fullio.h"
#include "output.h"
#include "strbuf.h"

/* IMAGE is a target too, but it must be the name of the user's own rule
 * for the image, not the file's absolute name. */
enum place { PREREQ, TARGET, IMAGE };

static const char *const directives[] = {
	"define",   "endef",	"undefine", "ifdef",  "ifndef",
	"ifeq",	    "ifneq",	"else",	    "endif",  "include",
	"-include", "sinclude", "override", "export", "unexport",
	"private",  "vpath",	"load",	    "-load",  NULL,
};

/* Does PATH start with a word Make would take for a directive? */
static int starts_with_directive(const char *path)
{
	const char *const *d;

	for (d = directives; *d; d++) {
		size_t n = strlen(*d);

		if (!strncmp(path, *d, n) && path[n] != '_' && path[n] != '-' &&
		    !(path[n] >= 'a' && path[n] <= 'z') &&
		    !(path[n] >= 'A' && path[n] <= 'Z') &&
		    !(path[n] >= '0' && path[n] <= '9'))
			return 1;
	}
	return 0;
}

/* Why Make cannot name PATH, or NULL. */
static const char *unnameable(const char *path)
{
	const char *open = strchr(path, '(');
	size_t len = strlen(path);

	if (strchr(path, '\n'))
		return "a newline in the name";
	if (open && open > path && len && path[len - 1] == ')' &&
	    path + len - 1 != open + 1)
		return "Make reads a name ending in (MEMBER) as a member of an archive";
	return NULL;
}

/* A byte that gets a backslash before it in PLACE. */
static int backslashed(char c, enum place place)
{
	return c && strchr(place == PREREQ ? " \t#:*?[|" : " \t#:*?[%", c);
}

/* The run of N backslashes at P, followed by NEXT. */
static void put_backslashes(struct strbuf *sb, size_t n, char next,
			    enum place place)
{
	size_t times = next == ';'			 ? 4 :
		       !next || backslashed(next, place) ? 2 :
							   1;

	while (n--)
		sb_addn(sb, "\\\\\\\\", times);
}

static void put_byte(struct strbuf *sb, char c, enum place place)
{
	switch (c) {
	case '$':
		sb_add(sb, "$$");
		return;
	case ';':
		sb_add(sb, "\\\\\\;");
		return;
	case '=':
		sb_add(sb, "$(or =)");
		return;
	case '\t':
		sb_add(sb, place == PREREQ ? "\\\t" : "\\$(mkhurdimg_tab)");
		return;
	}
	if (backslashed(c, place))
		sb_addn(sb, "\\", 1);
	sb_addn(sb, &c, 1);
}

/* PATH as PLACE wants it: after any prefix it needs, byte by byte. */
static void put_name(struct strbuf *sb, const char *path, enum place place)
{
	const char *p = path;

	while (*p) {
		size_t n = strspn(p, "\\");

		if (n) {
			put_backslashes(sb, n, p[n], place);
			p += n;
			continue;
		}
		put_byte(sb, *p++, place);
	}
	if (place == PREREQ && *path &&
	    strchr(" \t\\\r", path[strlen(path) - 1]))
		sb_add(sb, " |"); /* what ends the line is not the name's */
}

/* PATH into SB for PLACE, or a message saying why Make cannot name it. */
static int put(struct strbuf *sb, const char *path, enum place place)
{
	const char *why = unnameable(path);
	char cwd[PATH_MAX];

	if (why)
		return diag_error(
			EXIT_BUILD,
			"%s: cannot be named in a Make dependency file: %s",
			diag_value(path), why);
	if (place != IMAGE &&
	    (path[0] == '~' || path[0] == ' ' || path[0] == '\t')) {
		if (!getcwd(cwd, sizeof(cwd)))
			return diag_error(EXIT_BUILD,
					  "the current directory: %s",
					  strerror(errno));
		put_name(sb, cwd, place);
		sb_add(sb, "/");
	} else if (path[0] != '/' && path[0] != '(' && strncmp(path, "./", 2) &&
		   strncmp(path, "../", 3) &&
		   (!isalnum((unsigned char)path[0]) ||
		    starts_with_directive(path))) {
		sb_add(sb, "./"); /* "(" first is no archive member: kept */
	}
	put_name(sb, path, place);
	return 0;
}

struct collect {
	char **v;
	size_t n, cap;
};

/* A copy of PATH: a host file's path is made for the call, not kept. */
static int push(const char *path, void *arg)
{
	struct collect *c = arg;
	char *copy;

	if (array_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v), 256) ||
	    !(copy = strdup(path)))
		return -1;
	c->v[c->n++] = copy;
	return 0;
}

static void collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* FIRST, then C->v sorted: each path once. */
static int unique_inputs(struct collect *c, const char *const *first,
			 size_t nfirst)
{
	struct collect all = { NULL, 0, 0 };
	const char *prev = NULL; /* the last one kept or skipped */
	size_t i, k;

	for (i = 0; i < nfirst; i++)
		if (push(first[i], &all))
			goto fail;
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), path_cmp);
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < nfirst && strcmp(first[k], c->v[i]); k++)
			;
		if (k < nfirst || (prev && !strcmp(c->v[i], prev)))
			continue;
		prev = c->v[i];
		if (array_grow(&all.v, &all.cap, all.n + 1, sizeof(*all.v),
			       256))
			goto fail;
		all.v[all.n++] = c->v[i];
		c->v[i] = NULL;
	}
	collect_free(c);
	*c = all;
	return 0;
fail:
	collect_free(&all);
	return -1;
}

static int format(struct strbuf *sb, const char *target,
		  const struct collect *c)
{
	size_t i;
	int r = 0;

	sb_add(sb, "# Written by mkhurdimg --depfile for GNU Make.\n");
	for (i = 0; i < c->n && !strchr(c->v[i], '\t'); i++)
		;
	if (i < c->n || strchr(target, '\t'))
		sb_add(sb, "mkhurdimg_tab := $(or)\t$(or)\n");
	for (i = 0; !r && i < c->n; i++) {
		if (!(r = put(sb, target, IMAGE)))
			sb_add(sb, ": ");
		if (!r && !(r = put(sb, c->v[i], PREREQ)))
			sb_add(sb, "\n");
	}
	for (i = 0; !r && i < c->n; i++)
		if (!(r = put(sb, c->v[i], TARGET)))
			sb_add(sb, ":\n");
	return r;
}

static int write_all(const char *file, const char *text, size_t len)
{
	struct output out;
	int r, err;

	if ((r = output_open(&out, file, "depfile", 0644)))
		return r;
	if ((err = write_full(out.fd, text, len))) {
		r = diag_error(EXIT_BUILD, "%s: cannot write: %s", file,
			       strerror(err));
		output_abort(&out);
		return r;
	}
	return output_commit(&out);
}

int depfile_write(const char *file, const char *target,
		  const char *const *first, size_t nfirst,
		  const struct inputs *in, struct tree *const *trees,
		  size_t ntrees)
{
	struct collect c = { NULL, 0, 0 };
	struct strbuf sb;
	char *text;
	size_t i;
	int r = 0;

	sb_init(&sb);
	for (i = 0; !r && i < in->n; i++)
		r = push(in->paths[i], &c);
	for (i = 0; !r && i < ntrees; i++)
		r = tree_each_host_file(trees[i], push, &c);
	if (r || unique_inputs(&c, first, nfirst)) {
		collect_free(&c);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	r = format(&sb, target, &c);
	collect_free(&c);
	text = sb_take(&sb);
	if (!r && !text)
		r = diag_error(EXIT_BUILD, "out of memory");
	if (!r)
		r = write_all(file, text, strlen(text));
	free(text);
	return r;
}
