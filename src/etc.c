/* etc.c - /etc and the accounts from the OS description, at build time
 *
 * Guix writes these at every boot (activation); here they are in the
 * image from the start.  Accounts follow Guix's %base-groups and
 * %base-user-accounts: root with an empty password, nobody, and system
 * groups numbered down from 999; other users and groups are numbered up
 * from 1000.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "etc.h"
#include "grub.h"
#include "strbuf.h"

static const char *const base_groups[] = {
	"root", "wheel", "users", "nogroup", "tty", "dialout", "kmem", "input",
	"video", "audio", "netdev", "lp", "disk", "floppy", "cdrom", "tape",
	"kvm", "sgx",
};

struct account_group {
	const char *name;
	long gid;
	struct strbuf members;
};

struct account_user {
	const struct os_user *cfg;	/* NULL for nobody */
	const char *name, *comment, *home, *shell, *password, *group;
	long uid, gid;
	int line;
};

struct accounts {
	struct account_group *g;
	size_t ng;
	struct account_user *u;
	size_t nu;
};

static struct account_group *find_group(struct accounts *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->ng; i++)
		if (!strcmp(a->g[i].name, name))
			return &a->g[i];
	return NULL;
}

static int gid_used(const struct accounts *a, long gid)
{
	size_t i;

	for (i = 0; i < a->ng; i++)
		if (a->g[i].gid == gid)
			return 1;
	return 0;
}

static int uid_used(const struct accounts *a, long uid, size_t except)
{
	size_t i;

	for (i = 0; i < a->nu; i++)
		if (i != except && a->u[i].uid == uid)
			return 1;
	return 0;
}

static int make_groups(const struct os_config *cfg, struct accounts *a)
{
	size_t i, nbase = sizeof(base_groups) / sizeof(*base_groups);
	long next_sys = 999, next_user = 1000;

	a->g = calloc(nbase + cfg->ngroups, sizeof(*a->g));
	if (!a->g)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < nbase; i++) {
		a->g[a->ng].name = base_groups[i];
		a->g[a->ng].gid = i == 0 ? 0 : -1;
		a->ng++;
	}
	/* The configuration's groups: new ones, or ids for base ones. */
	for (i = 0; i < cfg->ngroups; i++) {
		struct account_group *g = find_group(a, cfg->groups[i].name);

		if (!g) {
			g = &a->g[a->ng++];
			g->name = cfg->groups[i].name;
			g->gid = -2;	/* a user group */
		}
		if (cfg->groups[i].gid >= 0) {
			if (gid_used(a, cfg->groups[i].gid))
				return diag_error_at(EXIT_USAGE, cfg->file,
						     cfg->groups[i].line,
						     "group '%s': gid %ld is taken",
						     g->name, cfg->groups[i].gid);
			g->gid = cfg->groups[i].gid;
		}
	}
	for (i = 0; i < a->ng; i++) {
		long *next = a->g[i].gid == -2 ? &next_user : &next_sys;

		if (a->g[i].gid >= 0)
			continue;
		while (gid_used(a, *next))
			*next += next == &next_user ? 1 : -1;
		a->g[i].gid = *next;
	}
	return 0;
}

static void base_user(struct account_user *u, const char *name, long uid,
		      const char *group, const char *comment, const char *home,
		      const char *shell, const char *password)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->uid = uid;
	u->group = group;
	u->comment = comment;
	u->home = home;
	u->shell = shell;
	u->password = password;
}

static int make_users(const struct os_config *cfg, struct accounts *a)
{
	long next = 1000;
	size_t i, k;

	a->u = calloc(cfg->nusers + 2, sizeof(*a->u));
	if (!a->u)
		return diag_error(EXIT_BUILD, "out of memory");
	base_user(&a->u[a->nu++], "root", 0, "root", "System administrator",
		  "/root", "/bin/sh", "");
	base_user(&a->u[a->nu++], "nobody", 65534, "nogroup", "Unprivileged user",
		  "/nonexistent", "/sbin/nologin", "!");
	for (i = 0; i < cfg->nusers; i++) {
		const struct os_user *c = &cfg->users[i];
		struct account_user *u = NULL;

		for (k = 0; k < a->nu; k++)
			if (!strcmp(a->u[k].name, c->name))
				u = &a->u[k];
		if (!u) {
			u = &a->u[a->nu++];
			memset(u, 0, sizeof(*u));
			u->uid = -1;
		}
		u->cfg = c;
		u->name = c->name;
		u->comment = c->comment;
		u->home = c->home;
		u->shell = c->shell;
		u->password = c->password;
		u->group = c->group;
		u->line = c->line;
		if (c->uid >= 0)
			u->uid = c->uid;
		if (u->uid >= 0 && uid_used(a, u->uid, (size_t)(u - a->u)))
			return diag_error_at(EXIT_USAGE, cfg->file, c->line,
					     "user '%s': uid %ld is taken", c->name, u->uid);
	}
	for (i = 0; i < a->nu; i++) {
		struct account_group *g;

		while (a->u[i].uid < 0 && uid_used(a, next, i))
			next++;
		if (a->u[i].uid < 0)
			a->u[i].uid = next++;
		g = find_group(a, a->u[i].group);
		if (!g)
			return diag_error_at(EXIT_USAGE, cfg->file, a->u[i].line,
					     "user '%s': group '%s' does not exist",
					     a->u[i].name, a->u[i].group);
		a->u[i].gid = g->gid;
		for (k = 0; a->u[i].cfg && k < a->u[i].cfg->ngroups; k++) {
			g = find_group(a, a->u[i].cfg->groups[k]);
			if (!g)
				return diag_error_at(EXIT_USAGE, cfg->file, a->u[i].line,
						     "user '%s': supplementary group '%s' does not exist",
						     a->u[i].name, a->u[i].cfg->groups[k]);
			sb_addf(&g->members, "%s%s", g->members.len ? "," : "",
				a->u[i].name);
		}
	}
	return 0;
}

static int put_text(struct tree *t, const char *path, struct strbuf *b,
		    uint32_t mode, int64_t mtime)
{
	char *text = sb_take(b);
	int r;

	if (!text)
		return diag_error(EXIT_BUILD, "out of memory");
	r = tree_add_data(t, path, mode, text, strlen(text), mtime);
	free(text);
	return r;
}

static int write_accounts(struct tree *t, const struct os_config *cfg,
			  struct accounts *a, int64_t mtime)
{
	struct strbuf pw, sh, gr;
	long days = mtime / 86400;
	size_t i;
	int r;

	sb_init(&pw);
	sb_init(&sh);
	sb_init(&gr);
	for (i = 0; i < a->nu; i++) {
		const struct account_user *u = &a->u[i];

		sb_addf(&pw, "%s:x:%ld:%ld:%s:%s:%s\n", u->name, u->uid, u->gid,
			u->comment, u->home, u->shell);
		sb_addf(&sh, "%s:%s:%ld:0:99999:7:::\n", u->name, u->password, days);
	}
	for (i = 0; i < a->ng; i++)
		sb_addf(&gr, "%s:x:%ld:%s\n", a->g[i].name, a->g[i].gid,
			a->g[i].members.s ? a->g[i].members.s : "");
	if ((r = put_text(t, "/etc/passwd", &pw, 0644, mtime)) ||
	    (r = put_text(t, "/etc/shadow", &sh, 0600, mtime)) ||
	    (r = put_text(t, "/etc/group", &gr, 0644, mtime)))
		return r;
	for (i = 0; i < a->nu; i++) {
		const struct account_user *u = &a->u[i];

		if (!strcmp(u->home, "/nonexistent"))
			continue;
		if ((r = tree_add_dir(t, u->home, 0700, (uint32_t)u->uid,
				      (uint32_t)u->gid, mtime)))
			return r;
	}
	return 0;
}

static int accounts(struct tree *t, const struct os_config *cfg, int64_t mtime)
{
	struct accounts a;
	size_t i;
	int r;

	memset(&a, 0, sizeof(a));
	r = make_groups(cfg, &a);
	if (!r)
		r = make_users(cfg, &a);
	if (!r)
		r = write_accounts(t, cfg, &a, mtime);
	for (i = 0; i < a.ng; i++)
		free(sb_take(&a.g[i].members));
	free(a.g);
	free(a.u);
	return r;
}

/* The zone's file in a zoneinfo directory somewhere in the image (the
 * tzdata package of the closure). */
struct zone_search {
	const char *zone;
	char found[4096];
};

static int find_zone(struct tree_node *n, void *arg)
{
	struct zone_search *z = arg;
	char path[4096];
	size_t pl, zl = strlen(z->zone);
	const char *suffix = "/share/zoneinfo/";

	if (*z->found || !S_ISREG(n->inode->mode))
		return 0;
	pl = tree_path(n, path, sizeof(path));
	if (pl > zl + strlen(suffix) && !strcmp(path + pl - zl, z->zone) &&
	    !strncmp(path + pl - zl - strlen(suffix), suffix, strlen(suffix)))
		snprintf(z->found, sizeof(z->found), "%s", path);
	return 0;
}

static int timezone_files(struct tree *t, const struct os_config *cfg,
			  int64_t mtime)
{
	struct zone_search z;
	struct strbuf b;
	int r;

	if (!cfg->timezone)
		return 0;
	if (!*cfg->timezone || strstr(cfg->timezone, "..") || cfg->timezone[0] == '/')
		return diag_error(EXIT_USAGE, "%s: timezone '%s' is not a zone name like Europe/Amsterdam",
				  cfg->file, cfg->timezone);
	memset(&z, 0, sizeof(z));
	z.zone = cfg->timezone;
	tree_walk(t, find_zone, &z);
	if (!*z.found)
		return diag_error(EXIT_BUILD,
				  "%s: timezone %s: no share/zoneinfo/%s in the image; add the tzdata package to the closure",
				  cfg->file, cfg->timezone, cfg->timezone);
	sb_init(&b);
	sb_addf(&b, "%s\n", cfg->timezone);
	if ((r = put_text(t, "/etc/timezone", &b, 0644, mtime)))
		return r;
	return tree_add_symlink(t, "/etc/localtime", z.found, mtime);
}

static int sshd_config(struct tree *t, const struct os_config *cfg, int64_t mtime)
{
	const struct os_openssh *o = &cfg->openssh;
	struct strbuf b;

	if (!o->enabled)
		return 0;
	sb_init(&b);
	sb_add(&b, "# Written by " PACKAGE_STRING " from the openssh service.\n");
	sb_addf(&b, "Port %ld\n", o->port);
	sb_addf(&b, "PermitRootLogin %s\n", o->permit_root_login);
	sb_addf(&b, "PermitEmptyPasswords %s\n", o->allow_empty_passwords ? "yes" : "no");
	sb_addf(&b, "PasswordAuthentication %s\n",
		o->password_authentication ? "yes" : "no");
	sb_add(&b, "PubkeyAuthentication yes\n"
		   "UsePAM no\n"
		   "PidFile /var/run/sshd.pid\n"
		   "# Host keys are made at first boot, or come from the secrets directory.\n"
		   "HostKey /etc/ssh/ssh_host_ed25519_key\n"
		   "HostKey /etc/ssh/ssh_host_rsa_key\n"
		   "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/authorized_keys.d/%u\n");
	return put_text(t, "/etc/ssh/sshd_config", &b, 0644, mtime);
}

/* Secrets (SSH host keys, a Guix signing key) come only from a
 * directory the configuration names, as the childhurd hands them over:
 * each file to the same path under /, root-owned, 0600.  Directories on
 * the way are made (0755) only where the image has none. */
static int copy_secrets(struct tree *t, const char *host, const char *image,
			int64_t mtime)
{
	DIR *d = opendir(host);
	struct dirent *de;
	int r = 0;

	if (!d)
		return diag_error(EXIT_BUILD, "%s: secrets: %s", host, strerror(errno));
	r = tree_add_input(t, host);
	while (!r && (de = readdir(d))) {
		char hp[4096], ip[4096];
		struct tree_inode *ino;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(hp, sizeof(hp), "%s/%s", host, de->d_name);
		snprintf(ip, sizeof(ip), "%s/%s", image, de->d_name);
		if (lstat(hp, &st)) {
			r = diag_error(EXIT_BUILD, "%s: %s", hp, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = copy_secrets(t, hp, ip, mtime);
		} else if (!S_ISREG(st.st_mode)) {
			r = diag_error(EXIT_BUILD, "%s: secrets must be regular files", hp);
		} else if (!(ino = tree_inode_new(t, S_IFREG | 0600)) ||
			   !(ino->host_path = strdup(hp))) {
			tree_inode_free(ino);
			r = diag_error(EXIT_BUILD, "out of memory");
		} else {
			ino->size = (uint64_t)st.st_size;
			ino->content = st.st_size ? CONTENT_HOST : CONTENT_NONE;
			ino->host_mtime = st.st_mtim;
			ino->mtime = mtime;
			r = tree_put(t, ip, ino, NULL) ? EXIT_BUILD : 0;
		}
	}
	closedir(d);
	return r;
}

int etc_add(struct tree *t, const struct os_config *cfg,
	    const struct image_type *type, int64_t mtime)
{
	enum disk_driver drv = grub_effective_driver(type->driver, cfg->kernel_args,
						     cfg->nkernel_args);
	struct strbuf b;
	int r;

	sb_init(&b);
	sb_add(&b, cfg->host_name);	/* no newline, as Guix writes it */
	if ((r = put_text(t, "/etc/hostname", &b, 0644, mtime)))
		return r;
	sb_addf(&b, "127.0.0.1 localhost %s\n::1 localhost %s\n", cfg->host_name,
		cfg->host_name);
	if ((r = put_text(t, "/etc/hosts", &b, 0644, mtime)))
		return r;
	sb_add(&b, "# Written by " PACKAGE_STRING ": the root file system.\n");
	sb_addf(&b, "/dev/%s0s1\t/\text2\tdefaults\t0\t1\n",
		drv == DRIVER_WD ? "wd" : "hd");
	if ((r = put_text(t, "/etc/fstab", &b, 0644, mtime)) ||
	    (r = accounts(t, cfg, mtime)) || (r = timezone_files(t, cfg, mtime)) ||
	    (r = sshd_config(t, cfg, mtime)))
		return r;
	return cfg->secrets ? copy_secrets(t, cfg->secrets, "", mtime) : 0;
}
