/* depfile.c - the inputs of an image as a Make dependency file */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "depfile.h"
#include "diag.h"
#include "output.h"
#include "strbuf.h"

int depfile_escape(const char *path, char *buf, size_t len)
{
	size_t o = 0;
	const char *p;

	for (p = path; *p; p++) {
		const char *rep;
		char one[3] = { *p, 0, 0 };

		switch (*p) {
		case '\n':
			return -1;
		case '$': rep = "$$"; break;
		case ' ': rep = "\\ "; break;
		case '\t': rep = "\\\t"; break;
		case '#': rep = "\\#"; break;
		case ':': rep = "\\:"; break;
		default: rep = one; break;
		}
		if (o + strlen(rep) + 1 > len)
			return -1;
		memcpy(buf + o, rep, strlen(rep));
		o += strlen(rep);
	}
	buf[o] = '\0';
	return 0;
}

struct collect {
	char **v;
	size_t n, cap;
};

/* A copy of PATH: a host file's path is made, not kept, by the tree. */
static int push(struct collect *c, const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		return -1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		char **v = realloc(c->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -1;
		}
		c->v = v;
		c->cap = cap;
	}
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

static int host_file(struct tree_node *n, void *arg)
{
	char path[8192];

	if (n->inode->content != CONTENT_HOST)
		return 0;
	return push(arg, tree_host_path(n, path, sizeof(path))) ? 1 : 0;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int put(struct strbuf *sb, const char *path, const char *after)
{
	char esc[8192];

	if (depfile_escape(path, esc, sizeof(esc)))
		return diag_error(EXIT_BUILD,
				  "%s: this name cannot be written in a Make dependency file",
				  path);
	sb_add(sb, esc);
	sb_add(sb, after);
	return 0;
}

/* C->v sorted: each path once, and not again if it is among FIRST. */
static int wanted(const struct collect *c, size_t i, const char *const *first,
		  size_t nfirst)
{
	size_t k;

	if (i && !strcmp(c->v[i], c->v[i - 1]))
		return 0;
	for (k = 0; k < nfirst; k++)
		if (!strcmp(first[k], c->v[i]))
			return 0;
	return 1;
}

static int format(struct strbuf *sb, const char *target,
		  const char *const *first, size_t nfirst,
		  const struct collect *c)
{
	size_t i;
	int r;

	if ((r = put(sb, target, ":")))
		return r;
	for (i = 0; i < nfirst; i++) {
		sb_add(sb, " \\\n ");
		if ((r = put(sb, first[i], "")))
			return r;
	}
	for (i = 0; i < c->n; i++) {
		if (!wanted(c, i, first, nfirst))
			continue;
		sb_add(sb, " \\\n ");
		if ((r = put(sb, c->v[i], "")))
			return r;
	}
	sb_add(sb, "\n");
	for (i = 0; i < nfirst; i++)
		if ((r = put(sb, first[i], ":\n")))
			return r;
	for (i = 0; i < c->n; i++)
		if (wanted(c, i, first, nfirst) && (r = put(sb, c->v[i], ":\n")))
			return r;
	return 0;
}

static int write_all(const char *file, const char *text, size_t len)
{
	struct output out;
	int r;

	if ((r = output_open(&out, file, "depfile", 0644)))
		return r;
	while (len) {
		ssize_t n = write(out.fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = diag_error(EXIT_BUILD, "%s: cannot write: %s", file,
				       strerror(n < 0 ? errno : EIO));
			output_abort(&out);
			return r;
		}
		text += n;
		len -= (size_t)n;
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
		r = push(&c, in->paths[i]);
	for (i = 0; !r && i < ntrees; i++)
		r = tree_walk(trees[i], host_file, &c);
	if (r) {
		collect_free(&c);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), path_cmp);
	r = format(&sb, target, first, nfirst, &c);
	collect_free(&c);
	text = sb_take(&sb);
	if (!r && !text)
		r = diag_error(EXIT_BUILD, "out of memory");
	if (!r)
		r = write_all(file, text, strlen(text));
	free(text);
	return r;
}
