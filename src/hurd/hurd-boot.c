/* hurd-boot.c - the Hurd's boot policy: what GNU Mach starts, with which words
 *
 * Two sources of truth.  A Guix system says it all in its parameters
 * file, and Guix's GRUB entry is made from them word for word.  A root
 * without a Guix system (a Debian tree, the demo) boots the chain of its
 * image type, as GRUB's own 10_hurd writes it: ext2fs first with GNU
 * Mach's IDE driver, or pci-arbiter -> acpi -> rumpdisk -> ext2fs for
 * rumpdisk, each link only when its server is in the tree.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "guix-system.h"
#include "hurd-boot.h"
#include "hurd.h"
#include "strbuf.h"

/* The parameters file is a few kilobytes; this is far above any. */
#define PARAMETERS_MAX (1 << 20)

/* Does ARGS hold the word WORD? ("noide" switches i586 to rumpdisk.) */
static int has_arg(char *const *args, size_t nargs, const char *word)
{
	size_t i;

	for (i = 0; i < nargs; i++)
		if (!strcmp(args[i], word))
			return 1;
	return 0;
}

char *hurd_boot_quote(const char *s)
{
	struct strbuf b;
	const char *p;
	int plain = *s != '\0';

	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789=:/._,+-@",
			    *p))
			plain = 0;
	if (plain)
		return strdup(s);
	sb_init(&b);
	sb_add(&b, "'");
	for (p = s; *p; p++) {
		if (*p == '\'')
			sb_add(&b, "'\\''");
		else
			sb_addn(&b, p, 1);
	}
	sb_add(&b, "'");
	return sb_take(&b);
}

/* ---- building the entry ---- */

static int oom(void)
{
	return diag_error(EXIT_BUILD, "out of memory");
}

/* Append WORD (taken) to a NULL-terminated vector. */
static int push(char ***v, size_t *n, char *word)
{
	char **nv;

	if (!word)
		return oom();
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(word);
		return oom();
	}
	nv[(*n)++] = word;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int pushf(char ***v, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pushf(char ***v, size_t *n, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	return push(v, n, len < 0 ? NULL : s);
}

static struct boot_module *new_module(struct boot_entry *e)
{
	struct boot_module *m =
		realloc(e->modules, (e->nmodules + 1) * sizeof(*m));

	if (!m)
		return NULL;
	e->modules = m;
	m += e->nmodules++;
	memset(m, 0, sizeof(*m));
	return m;
}

static void free_words(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void hurd_boot_free(struct hurd_boot *b)
{
	size_t i;

	free(b->entry.title);
	free(b->entry.kernel);
	free_words(b->entry.args, b->entry.nargs);
	for (i = 0; i < b->entry.nmodules; i++)
		free_words(b->entry.modules[i].words,
			   b->entry.modules[i].nwords);
	free(b->entry.modules);
	free(b->hurd_dir);
	free(b->root_label);
	memset(b, 0, sizeof(*b));
}

/* ---- the files the boot needs ---- */

/* PATH must be a regular file in the tree.  WHAT names it in the
 * message, whose start is WHERE ("os.conf: " or "SYSTEM/parameters: "). */
static int need_file(const struct tree *t, const char *where, const char *path,
		     const char *what, const char *hint)
{
	int hops;
	struct tree_node *n = tree_follow(t, path, &hops);

	if (n && (n->inode->mode & S_IFMT) == S_IFREG)
		return 0;
	if (n && tree_is_dir(n->inode))
		return diag_error(
			EXIT_BUILD,
			"%s%s %s is a directory in the image, not a file; change the configuration",
			where, what, path);
	if (n)
		return diag_error(
			EXIT_BUILD,
			"%s%s %s is not a regular file in the image; change the configuration",
			where, what, path);
	if (hops)
		return diag_error(
			EXIT_BUILD,
			"%s%s %s is a symlink that leads to no file in the image; %s",
			where, what, path, hint);
	return diag_error(EXIT_BUILD, "%s%s %s is not in the image; %s", where,
			  what, path, hint);
}

static int has_file(const struct tree *t, const char *hurd, const char *rel)
{
	char *p = hurd_path(hurd, rel);
	struct tree_node *n = p ? tree_lookup(t, p) : NULL;

	free(p);
	return n && (n->inode->mode & S_IFMT) == S_IFREG;
}

/* ---- the image type's chain (GRUB's 10_hurd) ---- */

struct chain {
	const struct tree *t;
	const struct os_config *cfg;
	struct boot_entry *e;
	int first; /* the next module is the first task */
};

/* A module HURD/hurd/FILE ARGV0; the host and device ports go to the
 * first task of the chain, which hands them on. */
static int chain_module(struct chain *c, const char *file, const char *argv0,
			struct boot_module **out)
{
	struct boot_module *m = new_module(c->e);
	char *path = hurd_path(c->cfg->hurd, file);
	int r;

	if (!m || !path) {
		free(path);
		return oom();
	}
	if ((r = push(&m->words, &m->nwords, path)) ||
	    (r = push(&m->words, &m->nwords, strdup(argv0))))
		return r;
	*out = m;
	return 0;
}

static int chain_ports(struct chain *c, struct boot_module *m)
{
	int r;

	if (!c->first)
		return 0;
	if ((r = push(&m->words, &m->nwords,
		      strdup("--host-priv-port='${host-port}'"))))
		return r;
	return push(&m->words, &m->nwords,
		    strdup("--device-master-port='${device-port}'"));
}

/* Only the first task is resumed by GNU Mach; it starts the others. */
static int chain_resume(struct chain *c, struct boot_module *m)
{
	int r = 0;

	if (c->first)
		r = push(&m->words, &m->nwords, strdup("'$(task-resume)'"));
	c->first = 0;
	return r;
}

static int rumpdisk_links(struct chain *c)
{
	static const struct {
		const char *file, *argv0, *task;
	} link[] = {
		{ "hurd/pci-arbiter.static", "pci-arbiter", "pci-task" },
		{ "hurd/acpi.static", "acpi", "acpi-task" },
		{ "hurd/rumpdisk.static", "rumpdisk", "disk-task" },
	};
	int present[3], i, j, r;

	present[0] = has_file(c->t, c->cfg->hurd, link[0].file);
	present[1] = has_file(c->t, c->cfg->hurd, link[1].file);
	present[2] = 1;
	for (i = 0; i < 3; i++) {
		const char *next = "fs-task";
		struct boot_module *m;

		if (!present[i])
			continue;
		for (j = i + 1; j < 3; j++) {
			if (present[j]) {
				next = link[j].task;
				break;
			}
		}
		if ((r = chain_module(c, link[i].file, link[i].argv0, &m)) ||
		    (r = chain_ports(c, m)) ||
		    (r = pushf(&m->words, &m->nwords, "--next-task='${%s}'",
			       next)) ||
		    (r = pushf(&m->words, &m->nwords, "'$(%s=task-create)'",
			       link[i].task)) ||
		    (r = chain_resume(c, m)))
			return r;
	}
	return 0;
}

static int chain_ext2fs_exec(struct chain *c, const struct image_type *type)
{
	static const char *const ext2fs_words[] = {
		"--exec-server-task='${exec-task}'", "-T", "typed", "'${root}'",
		"'$(fs-task=task-create)'",
	};
	struct boot_module *m;
	size_t i;
	char *exec;
	int r;

	if ((r = chain_module(c, "hurd/ext2fs.static", "ext2fs", &m)) ||
	    (r = push(&m->words, &m->nwords, strdup("--readonly"))) ||
	    (r = push(
		     &m->words, &m->nwords,
		     strdup("--multiboot-command-line='${kernel-command-line}'"))) ||
	    (r = chain_ports(c, m)))
		return r;
	for (i = 0; i < sizeof(ext2fs_words) / sizeof(*ext2fs_words); i++)
		if ((r = push(&m->words, &m->nwords, strdup(ext2fs_words[i]))))
			return r;
	if ((r = chain_resume(c, m)))
		return r;
	if (type->exec == EXEC_STATIC) {
		if ((r = chain_module(c, "hurd/exec.static", "exec", &m)))
			return r;
	} else {
		if (!(m = new_module(c->e)) ||
		    (r = push(&m->words, &m->nwords,
			      strdup(type->dynamic_linker))) ||
		    (r = push(&m->words, &m->nwords, strdup("exec"))))
			return m ? r : oom();
		exec = hurd_path(c->cfg->hurd, "hurd/exec");
		if ((r = push(&m->words, &m->nwords,
			      exec ? hurd_boot_quote(exec) : NULL))) {
			free(exec);
			return r;
		}
		free(exec);
	}
	return push(&m->words, &m->nwords,
		    strdup("'$(exec-task=task-create)'"));
}

static int chain_args(struct hurd_boot *b, const struct os_config *cfg)
{
	struct boot_entry *e = &b->entry;
	size_t i;
	int r;

	if ((r = pushf(&e->args, &e->nargs, "root=part:%u:device:%s0",
		       b->root_partition,
		       b->driver == DRIVER_WD ? "wd" : "hd")))
		return r;
	if (b->driver == DRIVER_WD &&
	    !has_arg(cfg->kernel_args, cfg->nkernel_args, "noide") &&
	    (r = push(&e->args, &e->nargs, strdup("noide"))))
		return r;
	if (cfg->serial &&
	    !has_arg(cfg->kernel_args, cfg->nkernel_args, "console=com0") &&
	    (r = push(&e->args, &e->nargs, strdup("console=com0"))))
		return r;
	for (i = 0; i < cfg->nkernel_args; i++)
		if ((r = push(&e->args, &e->nargs,
			      hurd_boot_quote(cfg->kernel_args[i]))))
			return r;
	return 0;
}

/* The servers the chain starts must be files in the tree. */
static int chain_check(const struct hurd_boot *b, const struct tree *t,
		       const struct os_config *cfg,
		       const struct image_type *type)
{
	const char *need[3] = {
		"hurd/ext2fs.static",
		type->exec == EXEC_STATIC ? "hurd/exec.static" : "hurd/exec",
		b->driver == DRIVER_WD ? "hurd/rumpdisk.static" : NULL
	};
	const char *hint = "add it with a source or change the configuration";
	char where[4096];
	int i, r;

	snprintf(where, sizeof(where), "%s: ", cfg->file);
	if ((r = need_file(t, where, cfg->kernel, "the kernel", hint)))
		return r;
	for (i = 0; i < 3; i++) {
		char *p;

		if (!need[i])
			continue;
		p = hurd_path(cfg->hurd, need[i]);
		r = p ? need_file(t, where, p, "the Hurd server", hint) : oom();
		free(p);
		if (r)
			return r;
	}
	if (type->exec == EXEC_LDSO)
		return need_file(t, where, type->dynamic_linker,
				 "the dynamic linker", hint);
	return 0;
}

static int decide_chain(struct hurd_boot *b, const struct tree *t,
			const struct os_config *cfg,
			const struct image_type *type)
{
	struct chain c = { t, cfg, &b->entry, 1 };
	int r;

	b->driver = type->driver == DRIVER_WD ||
				    has_arg(cfg->kernel_args, cfg->nkernel_args,
					    "noide") ?
			    DRIVER_WD :
			    DRIVER_HD;
	b->entry.style = BOOT_STYLE_GRUB;
	if (asprintf(&b->entry.title, "GNU with the Hurd (%s)",
		     cfg->host_name) < 0) {
		b->entry.title = NULL;
		return oom();
	}
	if (!(b->entry.kernel = strdup(cfg->kernel)) ||
	    !(b->hurd_dir = strdup(cfg->hurd)))
		return oom();
	if ((r = chain_check(b, t, cfg, type)) || (r = chain_args(b, cfg)))
		return r;
	if (b->driver == DRIVER_WD && (r = rumpdisk_links(&c)))
		return r;
	return chain_ext2fs_exec(&c, type);
}

/* ---- a Guix system ---- */

/* The system's parameters file, read from the tree. */
static int read_parameters(const struct tree *t, const struct os_config *cfg,
			   struct guix_boot_params *p)
{
	char path[4096], name[8192];
	struct tree_node *n;
	char *text;
	size_t len;
	int hops, r;

	if (!tree_follow(t, cfg->guix_system, &hops))
		return diag_error_at(EXIT_USAGE, cfg->file,
				     cfg->guix_system_line,
				     "guix-system %s is not in the closure",
				     diag_value(cfg->guix_system));
	snprintf(path, sizeof(path), "%s/parameters", cfg->guix_system);
	n = tree_follow(t, path, &hops);
	if (!n || (n->inode->mode & S_IFMT) != S_IFREG)
		return diag_error_at(
			EXIT_USAGE, cfg->file, cfg->guix_system_line,
			"guix-system %s has no parameters file in the image: name the system item that `guix system build' prints, and put its closure in the sources",
			diag_value(cfg->guix_system));
	/* The host's name when there is one: that is the file to look at. */
	if (n->inode->content == CONTENT_HOST)
		tree_host_path(n, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s (in the image)", path);
	if ((r = tree_read_content(n, name, PARAMETERS_MAX, &text, &len)))
		return r;
	r = guix_boot_params_parse(text, len, name, p);
	free(text);
	return r;
}

static int same_words(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

static void words_text(char *const *v, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"",
				      i ? ", " : "", v[i]);
}

/* The configuration may say what the system says, nothing else. */
static int agree(const struct os_config *cfg, const struct guix_boot_params *p,
		 const char *hurd)
{
	char a[1024], b[1024];

	if (cfg->kernel_line && strcmp(cfg->kernel, p->kernel))
		return diag_error_at(
			EXIT_USAGE, cfg->file, cfg->kernel_line,
			"kernel %s differs from the one the system's parameters name (%s); remove kernel from the configuration",
			cfg->kernel, p->kernel);
	if (cfg->hurd_line && hurd && strcmp(cfg->hurd, hurd))
		return diag_error_at(
			EXIT_USAGE, cfg->file, cfg->hurd_line,
			"hurd %s differs from the system's (%s); remove hurd from the configuration",
			cfg->hurd, hurd);
	if (cfg->kernel_args_line &&
	    !same_words(cfg->kernel_args, cfg->nkernel_args, p->kernel_args,
			p->nkernel_args)) {
		words_text(cfg->kernel_args, cfg->nkernel_args, a, sizeof(a));
		words_text(p->kernel_args, p->nkernel_args, b, sizeof(b));
		return diag_error_at(
			EXIT_USAGE, cfg->file, cfg->kernel_args_line,
			"kernel-arguments { %s } differ from the system's parameters ({ %s }); remove kernel-arguments from the configuration",
			a, b);
	}
	return 0;
}

/* The directory holding hurd/: SYSTEM/hurd, or the one the modules name. */
static char *system_hurd(const struct tree *t, const char *system,
			 const struct guix_boot_params *p)
{
	char path[4096];
	struct tree_node *n;
	size_t i;

	snprintf(path, sizeof(path), "%s/hurd", system);
	n = tree_lookup(t, path);
	if (n && (n->inode->mode & S_IFMT) == S_IFLNK &&
	    tree_inode_data(n->inode) &&
	    ((const char *)tree_inode_data(n->inode))[0] == '/')
		return strdup(tree_inode_data(n->inode));
	for (i = 0; i < p->nmodules; i++) {
		const char *f = p->modules[i].words[0],
			   *s = strstr(f, "/hurd/");

		if (s && s > f && !strchr(s + 6, '/'))
			return strndup(f, (size_t)(s - f));
	}
	return NULL;
}

static int guix_entry(struct hurd_boot *b, const struct os_config *cfg,
		      struct guix_boot_params *p)
{
	struct boot_entry *e = &b->entry;
	size_t i;
	int r;

	e->style = BOOT_STYLE_GUIX;
	e->title = p->label;
	e->kernel = p->kernel;
	p->label = p->kernel = NULL;
	if ((r = pushf(&e->args, &e->nargs, "root=part:%u:device:%s0",
		       b->root_partition,
		       b->driver == DRIVER_WD ? "wd" : "hd")))
		return r;
	if (guix_bootable_args(p, cfg->guix_system, &e->args, &e->nargs))
		return oom();
	for (i = 0; i < p->nkernel_args; i++)
		if ((r = push(&e->args, &e->nargs, strdup(p->kernel_args[i]))))
			return r;
	e->modules = p->modules;
	e->nmodules = p->nmodules;
	p->modules = NULL;
	p->nmodules = 0;
	return 0;
}

static int guix_check(const struct hurd_boot *b, const struct tree *t,
		      const struct os_config *cfg)
{
	const char *hint = "add its store item to the closure";
	char where[4096];
	size_t i;
	int r;

	snprintf(where, sizeof(where), "%s/parameters: ", cfg->guix_system);
	if ((r = need_file(t, where, b->entry.kernel, "the kernel", hint)))
		return r;
	for (i = 0; i < b->entry.nmodules; i++)
		if ((r = need_file(t, where, b->entry.modules[i].words[0],
				   "the multiboot module", hint)))
			return r;
	return 0;
}

/* Does the fstab TEXT mount something at DIR? */
static int fstab_has(const char *text, const char *dir)
{
	const char *line;

	for (line = text; line && *line;
	     line = strchr(line, '\n'), line += !!line) {
		char dev[4096], mnt[4096];

		if (*line == '#' ||
		    sscanf(line, "%4095s %4095s", dev, mnt) != 2)
			continue;
		if (!strcmp(mnt, dir))
			return 1;
	}
	return 0;
}

/* A Guix system mounts the file systems its operating-system declares
 * (its etc/fstab), not the image's /etc/fstab: a partition it does not
 * know of is there, unmounted.  Say so. */
static void warn_undeclared(const struct tree *t, const struct os_config *cfg)
{
	char path[4096], *text = NULL;
	struct tree_node *etc, *n;
	size_t len, i;
	int hops;

	snprintf(path, sizeof(path), "%s/etc", cfg->guix_system);
	if ((etc = tree_follow(t, path, &hops))) {
		tree_path(etc, path, sizeof(path));
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "/fstab");
		n = tree_follow(t, path, &hops);
		if (n && S_ISREG(n->inode->mode) &&
		    tree_read_content(n, path, 1 << 20, &text, &len))
			diag_clear(); /* unreadable: as if it declared none */
	}
	for (i = 0; i < cfg->npartitions; i++) {
		const struct os_partition *p = &cfg->partitions[i];

		if (p->mount_point && strcmp(p->mount_point, "/") &&
		    !(text && fstab_has(text, p->mount_point)))
			diag_warn(
				"partition '%s' (mount-point %s): the Guix system %s declares no file system there, so it will not mount it; add it to the operating-system's file-systems",
				p->name, p->mount_point, cfg->guix_system);
	}
	free(text);
}

static int decide_guix(struct hurd_boot *b, const struct tree *t,
		       const struct os_config *cfg,
		       const struct image_type *type)
{
	struct guix_boot_params p;
	int r;

	if ((r = read_parameters(t, cfg, &p)))
		return r;
	b->hurd_dir = system_hurd(t, cfg->guix_system, &p);
	if ((r = agree(cfg, &p, b->hurd_dir))) {
		guix_boot_params_free(&p);
		return r;
	}
	if (!b->hurd_dir && !(b->hurd_dir = strdup(cfg->hurd))) {
		guix_boot_params_free(&p);
		return oom();
	}
	/* Guix's grub.scm: rumpdisk on hurd64, or when asked with noide. */
	b->driver = !strcmp(type->system, "x86_64-gnu") ||
				    has_arg(p.kernel_args, p.nkernel_args,
					    "noide") ?
			    DRIVER_WD :
			    DRIVER_HD;
	if (p.root_kind == GUIX_ROOT_LABEL && !(b->root_label = strdup(p.root)))
		r = oom();
	if (p.root_kind == GUIX_ROOT_UUID) {
		b->has_root_uuid = 1;
		memcpy(b->root_uuid, p.root_uuid, 16);
	}
	if (!r)
		r = guix_entry(b, cfg, &p);
	guix_boot_params_free(&p);
	if (!r && !(r = guix_check(b, t, cfg)))
		warn_undeclared(t, cfg);
	return r;
}

int hurd_boot_decide(struct hurd_boot *b, const struct tree *t,
		     const struct os_config *cfg, const struct image_type *type)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->root_partition = (unsigned)cfg->root_partition + 1;
	if (cfg->guix_system)
		r = decide_guix(b, t, cfg, type);
	else
		r = decide_chain(b, t, cfg, type);
	if (r)
		hurd_boot_free(b);
	return r;
}
