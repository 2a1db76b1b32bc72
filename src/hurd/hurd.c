/* hurd.c - the Hurd skeleton */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "diag.h"
#include "hurd.h"

/* libdiskfs's boot code does dir_lookup("/servers/exec") and asserts it
 * exists; startup binds /servers/startup.  Guix creates the same files
 * (mode 0444, each holding its own name so nothing ever hard-links them). */
static const char *const server_files[] = {
	"startup",	   "exec", "proc",    "password", "default-pager",
	"crash-dump-core", "kill", "suspend",
};

static const struct {
	const char *path;
	uint32_t mode;
} skeleton_dirs[] = {
	{ "/servers", 0755 },	  { "/servers/socket", 0755 },
	{ "/servers/bus", 0755 }, { "/servers/bus/pci", 0755 },
	{ "/dev", 0755 },	  { "/tmp", 01777 },
};

char *hurd_path(const char *hurd_dir, const char *rel)
{
	size_t len = strlen(hurd_dir);
	char *r;

	while (len > 0 && hurd_dir[len - 1] == '/')
		len--;
	r = malloc(len + 1 + strlen(rel) + 1);
	if (r)
		sprintf(r, "%.*s/%s", (int)len, hurd_dir, rel);
	return r;
}

int hurd_add_skeleton(struct tree *t, int64_t mtime)
{
	size_t i;

	for (i = 0; i < sizeof(skeleton_dirs) / sizeof(*skeleton_dirs); i++) {
		struct tree_inode *ino =
			tree_inode_new(t, S_IFDIR | skeleton_dirs[i].mode);

		if (!ino)
			return diag_error(EXIT_BUILD, "out of memory");
		ino->mtime = mtime;
		if (tree_put(t, skeleton_dirs[i].path, ino, NULL))
			return EXIT_BUILD;
	}
	for (i = 0; i < sizeof(server_files) / sizeof(*server_files); i++) {
		char path[64];
		int r;

		snprintf(path, sizeof(path), "/servers/%s", server_files[i]);
		if ((r = tree_add_data(t, path, 0444, server_files[i],
				       strlen(server_files[i]), mtime)))
			return r;
	}
	return 0;
}

/* ---- passive translators ---- */

/* Guix's set-hurd-device-translators and its symlinks
 * (guix-hurd-image.md 2.4), set here at build time instead of at every
 * boot.  Modes apply only to nodes that have to be created. */
static const struct {
	const char *path;
	const char *argv; /* words separated by single spaces */
	uint32_t mode;
	int dir; /* the node is a directory */
} fixed_translators[] = {
	{ "/servers/bus/pci", "/hurd/pci-arbiter", 0755, 1 },
	{ "/servers/crash-dump-core", "/hurd/crash --dump-core", 0600, 0 },
	{ "/servers/crash-kill", "/hurd/crash --kill", 0600, 0 },
	{ "/servers/crash-suspend", "/hurd/crash --suspend", 0600, 0 },
	{ "/servers/password", "/hurd/password", 0600, 0 },
	{ "/servers/socket/1", "/hurd/pflocal", 0600, 0 },
	{ "/proc", "/hurd/procfs --stat-mode=444", 0600, 0 },
	{ "/dev/full", "/hurd/null --full", 0666, 0 },
	{ "/dev/null", "/hurd/null", 0666, 0 },
	{ "/dev/random", "/hurd/random --seed-file /var/lib/random-seed", 0644,
	  0 },
	{ "/dev/zero", "/hurd/storeio --store-type=zero", 0666, 0 },
	{ "/dev/console", "/hurd/term /dev/console device console", 0600, 0 },
	{ "/dev/klog", "/hurd/streamio kmsg", 0600, 0 },
	{ "/dev/mem", "/hurd/storeio --no-cache mem", 0660, 0 },
	{ "/dev/shm", "/hurd/tmpfs --mode=1777 50%", 0644, 0 },
	{ "/dev/time", "/hurd/storeio --no-cache time", 0644, 0 },
	/* A directory made with mkdir -p before its translator is set:
	 * Guix leaves it 0755 (set-translator keeps existing nodes). */
	{ "/dev/vcs", "/hurd/console", 0755, 1 },
	{ "/dev/tty", "/hurd/magic tty", 0666, 0 },
	{ "/dev/fd", "/hurd/magic --directory fd", 0555, 0 },
	{ "/dev/rumpdisk", "/hurd/rumpdisk", 0660, 0 },
	{ "/dev/netdde", "/hurd/netdde", 0660, 0 },
	{ "/dev/eth0", "/hurd/devnode --master-device=/dev/net eth0", 0660, 0 },
	{ "/dev/eth1", "/hurd/devnode --master-device=/dev/net eth1", 0660, 0 },
};

static const struct {
	const char *path, *target;
} fixed_symlinks[] = {
	{ "/dev/urandom", "/dev/random" },
	{ "/dev/stdin", "/dev/fd/0" },
	{ "/dev/stdout", "/dev/fd/1" },
	{ "/dev/stderr", "/dev/fd/2" },
	{ "/servers/crash", "crash-dump-core" },
	{ "/dev/disk", "/dev/rumpdisk" },
	{ "/dev/net", "/dev/netdde" },
	{ "/servers/socket/inet", "/servers/socket/2" },
	{ "/servers/socket/inet6", "/servers/socket/26" },
	{ "/var/run/mtab", "/proc/mounts" },
};

static int add_entry(struct hurd_translators *tt, const char *path,
		     const char *words, uint32_t mode, int dir)
{
	struct hurd_translator *t;
	const char *p;

	if (array_grow(&tt->v, &tt->cap, tt->n + 1, sizeof(*tt->v), 128))
		return -1;
	t = &tt->v[tt->n];
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	t->mode = mode;
	t->dir = dir;
	if (!t->path)
		return -1;
	tt->n++;
	/* The argz: every word followed by a NUL, the last one too. */
	t->argz_len = strlen(words) + 1;
	t->argz = malloc(t->argz_len);
	if (!t->argz)
		return -1;
	memcpy(t->argz, words, t->argz_len);
	for (p = t->argz; (p = strchr(p, ' ')); p++)
		*(char *)p = '\0';
	return 0;
}

int hurd_default_translators(struct hurd_translators *tt)
{
	char path[64], words[128];
	size_t i;
	int n, s, r = 0;

	memset(tt, 0, sizeof(*tt));
	for (i = 0;
	     !r && i < sizeof(fixed_translators) / sizeof(*fixed_translators);
	     i++)
		r = add_entry(tt, fixed_translators[i].path,
			      fixed_translators[i].argv,
			      fixed_translators[i].mode,
			      fixed_translators[i].dir);
	/* No tty12: the console switches to it when syslogd starts. */
	for (n = 1; !r && n <= 11; n++) {
		snprintf(path, sizeof(path), "/dev/tty%d", n);
		snprintf(words, sizeof(words),
			 "/hurd/term /dev/tty%d hurdio /dev/vcs/%d/console", n,
			 n);
		r = add_entry(tt, path, words, 0666, 0);
	}
	for (n = 0; !r && n <= 9; n++) {
		snprintf(path, sizeof(path), "/dev/ptyp%d", n);
		snprintf(words, sizeof(words),
			 "/hurd/term /dev/ptyp%d pty-master /dev/ttyp%d", n, n);
		r = add_entry(tt, path, words, 0666, 0);
		snprintf(path, sizeof(path), "/dev/ttyp%d", n);
		snprintf(words, sizeof(words),
			 "/hurd/term /dev/ttyp%d pty-slave /dev/ptyp%d", n, n);
		if (!r)
			r = add_entry(tt, path, words, 0666, 0);
	}
	for (n = 0; !r && n <= 3; n++) {
		snprintf(path, sizeof(path), "/dev/hd%d", n);
		snprintf(words, sizeof(words), "/hurd/storeio hd%d", n);
		r = add_entry(tt, path, words, 0600, 0);
		for (s = 1; !r && s <= 4; s++) {
			snprintf(path, sizeof(path), "/dev/hd%ds%d", n, s);
			snprintf(words, sizeof(words), "/hurd/storeio hd%ds%d",
				 n, s);
			r = add_entry(tt, path, words, 0660, 0);
		}
		snprintf(path, sizeof(path), "/dev/wd%d", n);
		snprintf(words, sizeof(words), "/hurd/storeio @/dev/disk:wd%d",
			 n);
		if (!r)
			r = add_entry(tt, path, words, 0600, 0);
		for (s = 1; !r && s <= 4; s++) {
			snprintf(path, sizeof(path), "/dev/wd%ds%d", n, s);
			snprintf(
				words, sizeof(words),
				"/hurd/storeio --store-type=typed part:%d:device:@/dev/disk:wd%d",
				s, n);
			r = add_entry(tt, path, words, 0660, 0);
		}
	}
	return r ? diag_error(EXIT_BUILD, "out of memory") : 0;
}

void hurd_translators_free(struct hurd_translators *tt)
{
	size_t i;

	for (i = 0; i < tt->n; i++) {
		free(tt->v[i].path);
		free(tt->v[i].argz);
	}
	free(tt->v);
	memset(tt, 0, sizeof(*tt));
}

static struct hurd_translator *find(struct hurd_translators *tt,
				    const char *path)
{
	size_t i;

	for (i = 0; i < tt->n; i++)
		if (!strcmp(tt->v[i].path, path))
			return &tt->v[i];
	return NULL;
}

int hurd_translator_set(struct hurd_translators *tt, const char *path,
			char *const *argv, size_t argc, uint32_t mode)
{
	struct hurd_translator *t = find(tt, path);
	size_t i, len = 0;
	char *z;

	if (!t) {
		if (add_entry(tt, path, "", mode, 0))
			return diag_error(EXIT_BUILD, "out of memory");
		t = &tt->v[tt->n - 1];
	}
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	z = malloc(len ? len : 1);
	if (!z)
		return diag_error(EXIT_BUILD, "out of memory");
	free(t->argz);
	t->argz = z;
	t->argz_len = len;
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		memcpy(z, argv[i], l);
		z += l;
	}
	t->mode = mode;
	t->removed = 0;
	return 0;
}

int hurd_translator_remove(struct hurd_translators *tt, const char *path)
{
	struct hurd_translator *t = find(tt, path);

	if (!t || t->removed)
		return -1;
	t->removed = 1;
	return 0;
}

/* A node for translator T: kept if a source made it, else a regular file
 * holding its own path (as Guix makes them, so nothing hard-links them)
 * or a directory. */
static int translator_node(struct tree *t, const struct hurd_translator *tr,
			   int64_t mtime, struct tree_node **out)
{
	struct tree_node *n = tree_lookup(t, tr->path);
	struct tree_inode *ino;

	if (n && !S_ISLNK(n->inode->mode)) {
		*out = n;
		return 0;
	}
	if (n)
		diag_warn(
			"%s is a symlink; replaced by a node for its translator",
			tr->path);
	ino = tree_inode_new(t, (tr->dir ? S_IFDIR : S_IFREG) | tr->mode);
	if (!ino || (!tr->dir &&
		     tree_inode_set_data(ino, tr->path, strlen(tr->path)))) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	ino->mtime = mtime;
	return tree_put(t, tr->path, ino, out) ? EXIT_BUILD : 0;
}

/* The program of each translator should be in the image: /hurd/X is
 * looked up under the configured Hurd directory (Guix links /hurd there
 * at boot).  A tree with no such directory has no Hurd to check against
 * (the boot's own check names what is missing): no warnings then. */
static void check_programs(struct tree *t, const struct hurd_translators *tt,
			   const char *hurd_dir)
{
	char *dir = hurd_path(hurd_dir, "hurd");
	int hops;
	struct tree_node *d = dir ? tree_follow(t, dir, &hops) : NULL;
	size_t i, j;

	free(dir);
	if (!d || !tree_is_dir(d->inode))
		return;
	for (i = 0; i < tt->n; i++) {
		const char *prog = tt->v[i].argz;
		struct tree_node *n;
		char *p;
		int seen = 0, count = 0;

		if (tt->v[i].removed || !tt->v[i].argz_len)
			continue;
		for (j = 0; j < i; j++)
			if (!tt->v[j].removed && tt->v[j].argz_len &&
			    !strcmp(tt->v[j].argz, prog))
				seen = 1;
		if (seen)
			continue;
		p = !strncmp(prog, "/hurd/", 6) ?
			    hurd_path(hurd_dir, prog + 1) :
			    strdup(prog);
		n = p ? tree_lookup(t, p) : NULL;
		if (!n || !S_ISREG(n->inode->mode)) {
			for (j = i; j < tt->n; j++)
				count += !tt->v[j].removed &&
					 tt->v[j].argz_len &&
					 !strcmp(tt->v[j].argz, prog);
			diag_warn(
				"translator program %s is not in the image (%s%s)",
				p ? p : prog, tt->v[i].path,
				count > 1 ? " and others" : "");
		}
		free(p);
	}
}

int hurd_apply_translators(struct tree *t, const struct hurd_translators *tt,
			   const char *hurd_dir, int64_t mtime)
{
	struct tree_node *n;
	size_t i;
	int r;

	for (i = 0; i < tt->n; i++) {
		const struct hurd_translator *tr = &tt->v[i];

		if (tr->removed)
			continue;
		if ((r = translator_node(t, tr, mtime, &n)))
			return r;
		if (tree_inode_add_xattr(n->inode, "gnu.translator", tr->argz,
					 tr->argz_len))
			return diag_error(EXIT_BUILD, "out of memory");
	}
	for (i = 0; i < sizeof(fixed_symlinks) / sizeof(*fixed_symlinks); i++)
		if (!tree_lookup(t, fixed_symlinks[i].path) &&
		    (r = tree_add_symlink(t, fixed_symlinks[i].path,
					  fixed_symlinks[i].target, mtime)))
			return r;
	/* /dev/vcs/1 and /dev/vcs/2 exist before the console starts. */
	for (i = 1; i <= 2; i++) {
		char path[32];
		struct tree_inode *ino;

		snprintf(path, sizeof(path), "/dev/vcs/%zu", i);
		if (!find((struct hurd_translators *)tt, "/dev/vcs") ||
		    tree_lookup(t, path))
			continue;
		ino = tree_inode_new(t, S_IFDIR | 0755);
		if (!ino)
			return diag_error(EXIT_BUILD, "out of memory");
		ino->mtime = mtime;
		if (tree_put(t, path, ino, NULL))
			return EXIT_BUILD;
	}
	check_programs(t, tt, hurd_dir);
	return 0;
}
