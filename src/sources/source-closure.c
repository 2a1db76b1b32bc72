/* source-closure.c - a store closure: a reference graph or a path list
 *
 * The reference graph is what the build daemon writes for
 * exportReferencesGraph: per item its path, its deriver (or an empty
 * line), the number of references and the references.  A plain list of
 * store paths (`guix gc -R` output) is accepted too.  Each item is copied
 * from the host store directory (`store`, so a copy of a store anywhere
 * works) to its own path in the image.  A reference to an item outside
 * the closure is an error naming both.
 *
 * Inside store items host hard links are ignored: Guix and Nix
 * deduplicate identical files across items with hard links only on some
 * hosts, and the image must be the same either way.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "diag.h"
#include "source-closure.h"

struct item {
	char *path;
	const char *deriver; /* a line of the graph, or NULL */
	char **refs;
	size_t nrefs;
	int line;
};

struct graph {
	const char *file;
	struct item *items;
	size_t n, cap;
	char **lines;
	size_t nlines;
};

static int read_lines(struct graph *g)
{
	FILE *f = fopen(g->file, "r");
	char *line = NULL;
	size_t cap = 0, lcap = 0;
	ssize_t len;

	if (!f)
		return diag_error(EXIT_BUILD, "%s: cannot read the closure: %s",
				  g->file, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len != strlen(line)) {
			fclose(f);
			free(line);
			return diag_error_at(EXIT_BUILD, g->file,
					     (int)g->nlines + 1,
					     "a NUL byte in the closure file");
		}
		if (array_grow(&g->lines, &lcap, g->nlines + 1,
			       sizeof(*g->lines), 256))
			break;
		if (!(g->lines[g->nlines] = strdup(line)))
			break;
		g->nlines++;
	}
	free(line);
	if (len >= 0) {
		fclose(f);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	if (ferror(f)) { /* a directory, an I/O error */
		int e = errno;

		fclose(f);
		return diag_error(EXIT_BUILD, "%s: cannot read the closure: %s",
				  g->file, strerror(e));
	}
	fclose(f);
	return 0;
}

/* A store path: STOREDIR/NAME with NAME a single, ordinary component. */
static int canonical(const char *p)
{
	while (*p == '/') {
		size_t len = strcspn(++p, "/");

		if (!len || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += len;
	}
	return !*p;
}

/* A store path: STOREDIR/NAME with NAME a single, ordinary component,
 * and the whole path canonical (no //, . or ..). */
static int check_path(const struct graph *g, int line, const char *p)
{
	const char *slash = strrchr(p, '/');

	if (p[0] != '/' || !slash || slash == p || !slash[1] ||
	    slash[1] == '.' || strlen(slash + 1) > 255 || !canonical(p))
		return diag_error_at(
			EXIT_BUILD, g->file, line,
			"'%s' is not a store path (/STORE/HASH-NAME)", p);
	return 0;
}

static struct item *add_item(struct graph *g, const char *path, int line)
{
	struct item *it;

	if (array_grow(&g->items, &g->cap, g->n + 1, sizeof(*g->items), 64))
		return NULL;
	it = &g->items[g->n++];
	memset(it, 0, sizeof(*it));
	it->path = strdup(path);
	it->line = line;
	return it->path ? it : NULL;
}

static int is_count(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* exportReferencesGraph blocks, or one path per line. */
static int parse(struct graph *g)
{
	int graph = g->nlines >= 3 && is_count(g->lines[2]);
	size_t i = 0, k;
	int r;

	while (i < g->nlines) {
		int line = (int)i + 1;
		struct item *it;
		unsigned long n;

		if (!graph && !*g->lines[i]) {
			i++;
			continue;
		}
		if ((r = check_path(g, line, g->lines[i])))
			return r;
		if (!(it = add_item(g, g->lines[i], line)))
			return diag_error(EXIT_BUILD, "out of memory");
		i++;
		if (!graph)
			continue;
		if (i + 1 >= g->nlines ||
		    (*g->lines[i] && g->lines[i][0] != '/') ||
		    !is_count(g->lines[i + 1]))
			return diag_error_at(
				EXIT_BUILD, g->file, line,
				"%s: expected a deriver line and a number of references after it",
				it->path);
		it->deriver = *g->lines[i] ? g->lines[i] : NULL;
		n = strtoul(g->lines[i + 1], NULL, 10);
		i += 2;
		if (n >
		    g->nlines -
			    i) /* strtoul saturates: say what the file says */
			return diag_error_at(
				EXIT_BUILD, g->file, (int)i,
				"%s: %s references announced, the file ends first",
				it->path, g->lines[i - 1]);
		it->refs = calloc(n ? n : 1, sizeof(char *));
		if (!it->refs)
			return diag_error(EXIT_BUILD, "out of memory");
		for (k = 0; k < n; k++, i++) {
			if ((r = check_path(g, (int)i + 1, g->lines[i])))
				return r;
			it->refs[k] = g->lines[i];
		}
		it->nrefs = n;
	}
	if (!g->n)
		return diag_error(EXIT_BUILD,
				  "%s: the closure lists no store item",
				  g->file);
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path,
		      ((const struct item *)b)->path);
}

static const struct item *find_item(const struct graph *g, const char *path)
{
	struct item key = { (char *)path, NULL, NULL, 0, 0 };

	return bsearch(&key, g->items, g->n, sizeof(*g->items), item_cmp);
}

/* Sorted, no duplicates, one store directory, closed under references. */
static int check_closure(struct graph *g, size_t *storelen)
{
	size_t i, j, k;

	qsort(g->items, g->n, sizeof(*g->items), item_cmp);
	*storelen = (size_t)(strrchr(g->items[0].path, '/') - g->items[0].path);
	for (i = 0; i < g->n; i++) {
		const struct item *it = &g->items[i];

		if (strncmp(it->path, g->items[0].path, *storelen + 1) ||
		    strchr(it->path + *storelen + 1, '/'))
			return diag_error_at(
				EXIT_BUILD, g->file, it->line,
				"%s is not in the store directory %.*s of the other items",
				it->path, (int)*storelen, g->items[0].path);
	}
	/* Then drop repeated items (only when all are known good, so that
	 * graph_free never sees an item twice). */
	for (i = 0, j = 0; i < g->n; i++) {
		struct item *it = &g->items[i];

		if (j && !strcmp(g->items[j - 1].path, it->path)) {
			free(it->path);
			free(it->refs);
			continue;
		}
		g->items[j++] = *it;
	}
	g->n = j;
	for (i = 0; i < g->n; i++)
		for (k = 0; k < g->items[i].nrefs; k++)
			if (!find_item(g, g->items[i].refs[k]))
				return diag_error_at(
					EXIT_BUILD, g->file, g->items[i].line,
					"%s refers to %s, which is not in the closure",
					g->items[i].path, g->items[i].refs[k]);
	return 0;
}

/* The store directory itself: 1775 root:root, as Guix makes it. */
static int add_store_dir(struct tree *t, const char *path, size_t len)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFDIR | 01775);
	char dir[4096];

	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	snprintf(dir, sizeof(dir), "%.*s", (int)len, path);
	return tree_put(t, dir, ino, NULL) ? EXIT_BUILD : 0;
}

static void graph_free(struct graph *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->items[i].path);
		free(g->items[i].refs);
	}
	free(g->items);
	for (i = 0; i < g->nlines; i++)
		free(g->lines[i]);
	free(g->lines);
}

static int closure_add(struct source_ctx *c, const struct os_source *src)
{
	const char *store = src->data;
	const struct os_config *cfg = c->cfg;
	struct tree *t = c->tree;
	struct graph g;
	struct stat st;
	size_t storelen, i;
	int r;

	memset(&g, 0, sizeof(g));
	g.file = src->path;
	if (stat(store, &st) || !S_ISDIR(st.st_mode)) {
		r = diag_error_at(EXIT_BUILD, cfg->file, src->line,
				  "store '%s' is not a directory on this host",
				  diag_value(store));
		goto out;
	}
	if ((r = inputs_add(c->inputs, src->path)) || (r = read_lines(&g)) ||
	    (r = parse(&g)) || (r = check_closure(&g, &storelen)) ||
	    (r = add_store_dir(t, g.items[0].path, storelen)))
		goto out;
	for (i = 0; !r && i < g.n; i++) {
		const char *name = g.items[i].path + storelen + 1;
		char host[4096];

		snprintf(host, sizeof(host), "%s/%s", store, name);
		if (lstat(host, &st)) {
			r = diag_error_at(
				EXIT_BUILD, g.file, g.items[i].line,
				"%s is in the closure but not in the store %s: %s",
				g.items[i].path, store, strerror(errno));
			break;
		}
		r = source_copy_tree(c, host, g.items[i].path,
				     COPY_NO_HARDLINKS);
		/* Registered; the writer hashes the nar while it copies. */
		if (!r && c->store)
			r = store_items_add(c->store, g.items[i].path,
					    g.items[i].deriver, g.items[i].refs,
					    g.items[i].nrefs, NULL, 0);
	}
out:
	graph_free(&g);
	return r;
}

/* closure "GRAPH" { store = "/gnu/store" }: DATA is the store's host
 * path, resolved against the configuration's directory. */
static cfg_opt_t closure_opts[] = { CFG_STR("store", "/gnu/store", CFGF_NONE),
				    CFG_END() };

static int closure_parse(cfg_t *sec, const struct os_config *cfg, int line,
			 void *object)
{
	struct os_source *src = object;

	src->data = config_resolve(cfg, cfg_getstr(sec, "store"));
	return source_parse_path_target(sec, cfg, line, src, 0);
}

const struct source_kind source_closure = {
	.conf = {
		.name = "closure",
		.opts = closure_opts,
		.parse = closure_parse,
		.release = free,
	},
	.add = closure_add,
};
