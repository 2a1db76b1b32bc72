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
#include "strbuf.h"

static const char *const base_groups[] = {
	"root", "wheel",  "users", "nogroup", "tty",	"dialout",
	"kmem", "input",  "video", "audio",   "netdev", "lp",
	"disk", "floppy", "cdrom", "tape",    "kvm",	"sgx",
};

/* guix-service-type's build-accounts default, and the fixed GID of its
 * group (so that files it owns keep their owner across systems). */
#define GUIX_BUILD_ACCOUNTS 10
#define GUIX_BUILD_GID 30000

struct account_group {
	const char *name;
	long gid; /* -1: a system id from 999 down; -2: from 1000 up */
	struct strbuf members;
};

struct account_user {
	const char *name, *comment, *home, *shell, *password, *group;
	char *const *groups; /* supplementary */
	size_t ngroups;
	long uid, gid;
	int system; /* a system account, as Guix's (system? #t) */
	int line;
};

struct accounts {
	struct account_group *g;
	size_t ng;
	struct account_user *u;
	size_t nu;
	const char *nologin, *sh; /* shells: the closure's, or plain paths */
	char builder_name[GUIX_BUILD_ACCOUNTS][16];
	char builder_comment[GUIX_BUILD_ACCOUNTS][24];
};

static char *builder_groups[] = { "guixbuild", "kvm" };

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

static void add_group(struct accounts *a, const char *name, long gid)
{
	a->g[a->ng].name = name;
	a->g[a->ng].gid = gid;
	a->ng++;
}

/* Guix's base groups, then the groups its services declare, then the
 * configuration's (new ones, or ids for existing ones). */
static int make_groups(const struct os_config *cfg, struct accounts *a)
{
	size_t i, nbase = sizeof(base_groups) / sizeof(*base_groups);
	long next_sys = 999, next_user = 1000;

	a->g = calloc(nbase + 3 + cfg->ngroups, sizeof(*a->g));
	if (!a->g)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < nbase; i++)
		add_group(a, base_groups[i], i == 0 ? 0 : -1);
	if (cfg->guix_system)
		add_group(a, "guixbuild", GUIX_BUILD_GID);
	if (cfg->openssh.enabled)
		add_group(a, "sshd", -1);
	if (cfg->offloading)
		add_group(a, "offloading", -1);
	for (i = 0; i < cfg->ngroups; i++) {
		struct account_group *g = find_group(a, cfg->groups[i].name);

		if (!g) {
			g = &a->g[a->ng++];
			g->name = cfg->groups[i].name;
			g->gid = -2; /* a user group */
		}
		if (cfg->groups[i].gid >= 0) {
			if (gid_used(a, cfg->groups[i].gid))
				return diag_error_at(
					EXIT_USAGE, cfg->file,
					cfg->groups[i].line,
					"group '%s': gid %ld is taken", g->name,
					cfg->groups[i].gid);
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

static struct account_user *add_user(struct accounts *a, const char *name,
				     long uid, const char *group,
				     const char *comment, const char *home,
				     const char *shell, const char *password)
{
	struct account_user *u = &a->u[a->nu++];

	memset(u, 0, sizeof(*u));
	u->name = name;
	u->uid = uid;
	u->group = group;
	u->comment = comment;
	u->home = home;
	u->shell = shell;
	u->password = password;
	u->system = 1;
	return u;
}

/* The system accounts Guix's services declare for this configuration:
 * guix-service-type's build users (with a Guix system), openssh's sshd,
 * and the childhurd's offloading account. */
static void service_users(const struct os_config *cfg, struct accounts *a)
{
	struct account_user *u;
	int i;

	for (i = 0; cfg->guix_system && i < GUIX_BUILD_ACCOUNTS; i++) {
		snprintf(a->builder_name[i], sizeof(a->builder_name[i]),
			 "guixbuilder%02d", i + 1);
		snprintf(a->builder_comment[i], sizeof(a->builder_comment[i]),
			 "Guix Build User %2d", i + 1);
		u = add_user(a, a->builder_name[i], -1, "guixbuild",
			     a->builder_comment[i], "/var/empty", a->nologin,
			     "!");
		u->groups = builder_groups;
		u->ngroups = 2;
	}
	if (cfg->openssh.enabled)
		add_user(a, "sshd", -1, "sshd",
			 "sshd privilege separation user", "/var/run/sshd",
			 a->nologin, "!");
	if (cfg->offloading)
		add_user(a, "offloading", -1, "offloading",
			 "Offloading privilege separation user",
			 "/var/run/offloading", a->sh, "!");
}

static int config_users(const struct os_config *cfg, struct accounts *a)
{
	size_t i, k;

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
		u->name = c->name;
		u->comment = c->comment;
		u->home = c->home;
		u->shell = c->shell;
		u->password = c->password;
		u->group = c->group;
		u->groups = c->groups;
		u->ngroups = c->ngroups;
		u->system = 0;
		u->line = c->line;
		if (c->uid >= 0)
			u->uid = c->uid;
		if (u->uid >= 0 && uid_used(a, u->uid, (size_t)(u - a->u)))
			return diag_error_at(EXIT_USAGE, cfg->file, c->line,
					     "user '%s': uid %ld is taken",
					     c->name, u->uid);
	}
	return 0;
}

/* Ids (system ones from 999 down, the others from 1000 up), primary
 * groups, and each supplementary group's member list. */
static int resolve_users(const struct os_config *cfg, struct accounts *a)
{
	long next_user = 1000, next_sys = 999;
	size_t i, k;

	for (i = 0; i < a->nu; i++) {
		struct account_user *u = &a->u[i];
		long *next = u->system ? &next_sys : &next_user;
		struct account_group *g;

		while (u->uid < 0 && uid_used(a, *next, i))
			*next += u->system ? -1 : 1;
		if (u->uid < 0) {
			u->uid = *next;
			*next += u->system ? -1 : 1;
		}
		if (!(g = find_group(a, u->group)))
			return diag_error_at(
				EXIT_USAGE, cfg->file, u->line,
				"user '%s': group '%s' does not exist", u->name,
				u->group);
		u->gid = g->gid;
		for (k = 0; k < u->ngroups; k++) {
			if (!(g = find_group(a, u->groups[k])))
				return diag_error_at(
					EXIT_USAGE, cfg->file, u->line,
					"user '%s': supplementary group '%s' does not exist",
					u->name, u->groups[k]);
			sb_addf(&g->members, "%s%s", g->members.len ? "," : "",
				u->name);
		}
	}
	return 0;
}

static int make_users(const struct os_config *cfg, struct accounts *a)
{
	int r;

	a->u = calloc(cfg->nusers + 4 + GUIX_BUILD_ACCOUNTS, sizeof(*a->u));
	if (!a->u)
		return diag_error(EXIT_BUILD, "out of memory");
	/* %root-account, locked by the childhurd when it offloads. */
	add_user(a, "root", 0, "root", "System administrator", "/root",
		 "/bin/sh", cfg->offloading ? "!" : "")
		->system = 0;
	add_user(a, "nobody", 65534, "nogroup", "Unprivileged user",
		 "/nonexistent", a->nologin, "!");
	service_users(cfg, a);
	if ((r = config_users(cfg, a)))
		return r;
	return resolve_users(cfg, a);
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

/* A directory with exactly this owner and mode, over any directory a
 * source made (its contents stay). */
static int own_dir(struct tree *t, const char *path, uint32_t mode, long uid,
		   long gid, int64_t mtime)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFDIR | mode);

	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	ino->uid = (uint32_t)uid;
	ino->gid = (uint32_t)gid;
	ino->mtime = mtime;
	return tree_put(t, path, ino, NULL) ? EXIT_BUILD : 0;
}

static int shared_home(const struct accounts *a, size_t i)
{
	size_t k;

	for (k = 0; k < a->nu; k++)
		if (k != i && a->u[k].system &&
		    !strcmp(a->u[k].home, a->u[i].home))
			return 1;
	return 0;
}

/* Home directories as Guix's activation leaves them: a system account's
 * is its own, 0700, and one several share (/var/empty) is root's, 0555;
 * others are made 0700 for their user unless a source made them. */
static int make_homes(struct tree *t, const struct accounts *a, int64_t mtime)
{
	size_t i;
	int r = 0;

	for (i = 0; !r && i < a->nu; i++) {
		const struct account_user *u = &a->u[i];

		if (!strcmp(u->home, "/nonexistent"))
			continue;
		if (u->system && shared_home(a, i))
			r = own_dir(t, u->home, 0555, 0, 0, mtime);
		else if (u->system)
			r = own_dir(t, u->home, 0700, u->uid, u->gid, mtime);
		else
			r = tree_add_dir(t, u->home, 0700, (uint32_t)u->uid,
					 (uint32_t)u->gid, mtime);
	}
	return r;
}

static int write_accounts(struct tree *t, const struct os_config *cfg,
			  struct accounts *a, int64_t mtime)
{
	struct strbuf pw, sh, gr;
	/* Shadow reads a last change of 0 as "must change the password
	 * now", which blocks the login; Guix never writes it. */
	long days = mtime / 86400 > 1 ? mtime / 86400 : 1;
	size_t i;
	int r;

	sb_init(&pw);
	sb_init(&sh);
	sb_init(&gr);
	for (i = 0; i < a->nu; i++) {
		const struct account_user *u = &a->u[i];

		sb_addf(&pw, "%s:x:%ld:%ld:%s:%s:%s\n", u->name, u->uid, u->gid,
			u->comment, u->home, u->shell);
		sb_addf(&sh, "%s:%s:%ld:0:99999:7:::\n", u->name, u->password,
			days);
	}
	for (i = 0; i < a->ng; i++)
		sb_addf(&gr, "%s:x:%ld:%s\n", a->g[i].name, a->g[i].gid,
			a->g[i].members.s ? a->g[i].members.s : "");
	if ((r = put_text(t, "/etc/passwd", &pw, 0644, mtime)) ||
	    (r = put_text(t, "/etc/shadow", &sh, 0600, mtime)) ||
	    (r = put_text(t, "/etc/group", &gr, 0644, mtime)))
		return r;
	return make_homes(t, a, mtime);
}

/* PROGRAM (e.g. "sbin/nologin") of PACKAGE's item in the image's store
 * (the greatest name, if several), or FALLBACK: a Guix system's accounts
 * name their shells by store path, as Guix's (file-append shadow ...). */
static const char *store_program(const struct tree *t, const char *store,
				 const char *package, const char *program,
				 const char *fallback, char *buf, size_t len)
{
	struct tree_node *dir = store ? tree_lookup(t, store) : NULL;
	const char *best = NULL;
	size_t plen = strlen(package);
	uint32_t i;

	for (i = 0; dir && i < tree_nkids(dir); i++) {
		const char *name = tree_kids(dir)[i]->name,
			   *dash = strchr(name, '-');
		struct tree_node *n;

		if (!dash || strncmp(dash + 1, package, plen) ||
		    dash[1 + plen] != '-' || dash[2 + plen] < '0' ||
		    dash[2 + plen] > '9' || (best && strcmp(name, best) <= 0))
			continue;
		snprintf(buf, len, "%s/%s/%s", store, name, program);
		n = tree_lookup(t, buf);
		if (n && (n->inode->mode & S_IFMT) == S_IFREG)
			best = name;
	}
	if (!best)
		return fallback;
	snprintf(buf, len, "%s/%s/%s", store, best, program);
	return buf;
}

static int accounts(struct tree *t, const struct os_config *cfg, int64_t mtime)
{
	char nologin[4096], sh[4096], store[4096];
	const char *slash;
	struct accounts a;
	size_t i;
	int r;

	memset(&a, 0, sizeof(a));
	/* The store directory: where the system item is. */
	store[0] = '\0';
	if (cfg->guix_system && (slash = strrchr(cfg->guix_system, '/')))
		snprintf(store, sizeof(store), "%.*s",
			 (int)(slash - cfg->guix_system), cfg->guix_system);
	a.nologin = store_program(t, *store ? store : NULL, "shadow",
				  "sbin/nologin", "/sbin/nologin", nologin,
				  sizeof(nologin));
	a.sh = store_program(t, *store ? store : NULL, "bash-minimal", "bin/sh",
			     "/bin/sh", sh, sizeof(sh));
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
	if (!*cfg->timezone || strstr(cfg->timezone, "..") ||
	    cfg->timezone[0] == '/')
		return diag_error(
			EXIT_USAGE,
			"%s: timezone '%s' is not a zone name like Europe/Amsterdam",
			cfg->file, diag_value(cfg->timezone));
	memset(&z, 0, sizeof(z));
	z.zone = cfg->timezone;
	tree_walk(t, find_zone, &z);
	if (!*z.found)
		return diag_error(
			EXIT_BUILD,
			"%s: timezone %s: no share/zoneinfo/%s in the image; add the tzdata package to the closure",
			cfg->file, diag_value(cfg->timezone),
			diag_value(cfg->timezone));
	sb_init(&b);
	sb_addf(&b, "%s\n", cfg->timezone);
	if ((r = put_text(t, "/etc/timezone", &b, 0644, mtime)))
		return r;
	return tree_add_symlink(t, "/etc/localtime", z.found, mtime);
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

/* Line for line what Guix's openssh-config-file writes for the same
 * fields (gnu/services/ssh.scm); no HostKey lines: sshd's defaults,
 * filled at activation or by the childhurd's secret service. */
static int sshd_config(struct tree *t, const struct os_config *cfg,
		       int64_t mtime)
{
	const struct os_openssh *o = &cfg->openssh;
	struct strbuf b;
	const char *p;
	size_t i;

	if (!o->enabled)
		return 0;
	sb_init(&b);
	sb_add(&b, "# Generated by 'openssh-service'.\n");
	sb_addf(&b, "Port %ld\n", o->port);
	sb_addf(&b, "PermitRootLogin %s\n", o->permit_root_login);
	sb_addf(&b, "PermitEmptyPasswords %s\n",
		yes_no(o->allow_empty_passwords));
	sb_addf(&b, "PasswordAuthentication %s\n",
		yes_no(o->password_authentication));
	sb_addf(&b, "PubkeyAuthentication %s\n",
		yes_no(o->public_key_authentication));
	sb_addf(&b, "X11Forwarding %s\n", yes_no(o->x11_forwarding));
	sb_addf(&b, "AllowAgentForwarding %s\n",
		yes_no(o->allow_agent_forwarding));
	sb_addf(&b, "AllowTcpForwarding %s\n", yes_no(o->allow_tcp_forwarding));
	sb_addf(&b, "GatewayPorts %s\n", yes_no(o->gateway_ports));
	sb_addf(&b, "PidFile %s\n", o->pid_file);
	sb_addf(&b, "ChallengeResponseAuthentication %s\n",
		yes_no(o->challenge_response_authentication));
	sb_addf(&b, "UsePAM %s\n", yes_no(o->use_pam));
	sb_addf(&b, "PrintLastLog %s\n", yes_no(o->print_last_log));
	sb_add(&b, "LogLevel ");
	for (p = o->log_level; *p; p++)
		sb_addf(&b, "%c", *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	sb_add(&b,
	       "\nAuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/authorized_keys.d/%u\n");
	for (i = 0; i < o->naccept_env; i++)
		sb_addf(&b, "AcceptEnv %s\n", o->accept_env[i]);
	for (i = 0; i < o->nsubsystems; i++) {
		const char *sp = strchr(o->subsystems[i], ' ');

		sb_addf(&b, "Subsystem\t%.*s\t%s\n",
			(int)(sp - o->subsystems[i]), o->subsystems[i], sp + 1);
	}
	sb_addf(&b, "%s\n", o->extra_content);
	return put_text(t, "/etc/ssh/sshd_config", &b, 0644, mtime);
}

/* Secrets (SSH host keys, a Guix signing key) come only from a
 * directory the configuration names, as the childhurd hands them over:
 * each file to the same path under /, root-owned, 0600.  Directories on
 * the way are made (0755) only where the image has none. */
static int copy_secrets(struct tree *t, struct inputs *in, const char *host,
			const char *image, int64_t mtime)
{
	DIR *d = opendir(host);
	struct dirent *de;
	int r = 0;

	if (!d)
		return diag_error(EXIT_BUILD, "%s: secrets: %s",
				  diag_value(host), strerror(errno));
	r = inputs_add(in, host);
	while (!r && (de = readdir(d))) {
		char hp[4096], ip[4096];
		struct tree_inode *ino;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(hp, sizeof(hp), "%s/%s", host, de->d_name);
		snprintf(ip, sizeof(ip), "%s/%s", image, de->d_name);
		if (lstat(hp, &st)) {
			r = diag_error(EXIT_BUILD, "%s: %s", hp,
				       strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = copy_secrets(t, in, hp, ip, mtime);
		} else if (!S_ISREG(st.st_mode)) {
			r = diag_error(EXIT_BUILD,
				       "%s: secrets must be regular files", hp);
		} else if (!(ino = tree_inode_new(t, S_IFREG | 0600)) ||
			   tree_inode_set_host(ino, hp, &st)) {
			tree_inode_free(ino);
			r = diag_error(EXIT_BUILD, "out of memory");
		} else {
			ino->mtime = mtime;
			r = tree_put(t, ip, ino, NULL) ? EXIT_BUILD : 0;
			/* Empty, it has no content to list it by. */
			if (!r && !st.st_size)
				r = inputs_add(in, hp);
		}
	}
	closedir(d);
	return r;
}

/* Every mounted file system and every swap partition, with the device
 * names the disk driver gives: /dev/hd0sN (GNU Mach's IDE) or /dev/wd0sN
 * (rumpdisk).  The root alone keeps its historical comment line. */
static void fstab(struct strbuf *b, const struct os_config *cfg,
		  enum disk_driver drv)
{
	const char *disk = drv == DRIVER_WD ? "wd0" : "hd0";
	size_t i;

	sb_add(b, cfg->npartitions > 1 ? "# Written by " PACKAGE_STRING
					 ": the file systems and swap.\n" :
					 "# Written by " PACKAGE_STRING
					 ": the root file system.\n");
	for (i = 0; i < cfg->npartitions; i++) {
		const struct os_partition *p = &cfg->partitions[i];
		const char *type = p->kind ? p->kind->name : "ext2";

		if (!strcmp(type, "swap"))
			sb_addf(b, "/dev/%ss%zu\tnone\tswap\tsw\t0\t0\n", disk,
				i + 1);
		else if (p->mount_point)
			sb_addf(b, "/dev/%ss%zu\t%s\t%s\tdefaults\t0\t%d\n",
				disk, i + 1, p->mount_point, type,
				i == cfg->root_partition ? 1 : 2);
	}
}

int etc_add(struct tree *t, struct inputs *in, const struct os_config *cfg,
	    enum disk_driver drv, int64_t mtime)
{
	struct strbuf b;
	int r;

	sb_init(&b);
	sb_add(&b, cfg->host_name); /* no newline, as Guix writes it */
	if ((r = put_text(t, "/etc/hostname", &b, 0644, mtime)))
		return r;
	sb_addf(&b, "127.0.0.1 localhost %s\n::1 localhost %s\n",
		cfg->host_name, cfg->host_name);
	if ((r = put_text(t, "/etc/hosts", &b, 0644, mtime)))
		return r;
	fstab(&b, cfg, drv);
	if ((r = put_text(t, "/etc/fstab", &b, 0644, mtime)) ||
	    (r = accounts(t, cfg, mtime)) ||
	    (r = timezone_files(t, cfg, mtime)) ||
	    (r = sshd_config(t, cfg, mtime)))
		return r;
	return cfg->secrets ? copy_secrets(t, in, cfg->secrets, "", mtime) : 0;
}
