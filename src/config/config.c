/* config.c - os.conf -> struct os_config (libconfuse) */
#include "autoconfig.h"

#include <confuse.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "config-partitions.h"
#include "config.h"
#include "diag.h"
#include "size.h"
#include "tree.h"

static cfg_opt_t permissions_opts[] = { CFG_INT("owner", -1, CFGF_NONE),
					CFG_INT("group", -1, CFGF_NONE),
					CFG_INT("mode", -1, CFGF_NONE),
					CFG_END() };

static cfg_opt_t translator_opts[] = { CFG_STR_LIST("command", "{}", CFGF_NONE),
				       CFG_INT("mode", 0600, CFGF_NONE),
				       CFG_BOOL("remove", cfg_false, CFGF_NONE),
				       CFG_END() };

static cfg_opt_t user_opts[] = { CFG_INT("uid", -1, CFGF_NONE),
				 CFG_STR("group", "users", CFGF_NONE),
				 CFG_STR_LIST("supplementary-groups", "{}",
					      CFGF_NONE),
				 CFG_STR("comment", "", CFGF_NONE),
				 CFG_STR("home", NULL, CFGF_NODEFAULT),
				 CFG_STR("shell", "/bin/sh", CFGF_NONE),
				 CFG_STR("password", "!", CFGF_NONE),
				 CFG_END() };

static cfg_opt_t group_opts[] = { CFG_INT("gid", -1, CFGF_NONE), CFG_END() };

/* Guix's openssh-configuration fields that shape sshd_config, with its
 * defaults (gnu/services/ssh.scm). */
static cfg_opt_t service_opts[] = {
	CFG_INT("port-number", 22, CFGF_NONE),
	CFG_STR("permit-root-login", "no", CFGF_NONE),
	CFG_BOOL("allow-empty-passwords", cfg_false, CFGF_NONE),
	CFG_BOOL("password-authentication", cfg_true, CFGF_NONE),
	CFG_BOOL("public-key-authentication", cfg_true, CFGF_NONE),
	CFG_BOOL("x11-forwarding", cfg_false, CFGF_NONE),
	CFG_BOOL("allow-agent-forwarding", cfg_true, CFGF_NONE),
	CFG_BOOL("allow-tcp-forwarding", cfg_true, CFGF_NONE),
	CFG_BOOL("gateway-ports", cfg_false, CFGF_NONE),
	CFG_STR("pid-file", "/var/run/sshd.pid", CFGF_NONE),
	CFG_BOOL("challenge-response-authentication", cfg_false, CFGF_NONE),
	CFG_BOOL("use-pam", cfg_true, CFGF_NONE),
	CFG_BOOL("print-last-log", cfg_true, CFGF_NONE),
	CFG_STR("log-level", "info", CFGF_NONE),
	CFG_STR_LIST("accepted-environment", "{}", CFGF_NONE),
	CFG_STR_LIST("subsystems", "{\"sftp internal-sftp\"}", CFGF_NONE),
	CFG_STR("extra-content", "", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t fs_opts[] = { CFG_STR("label", "hurd", CFGF_NONE),
			       CFG_STR("size", "guess", CFGF_NONE),
			       CFG_INT("max-depth", TREE_MAX_DEPTH, CFGF_NONE),
			       CFG_END() };

/* What every bootloader has; the image type's bootloader adds its own. */
static const cfg_opt_t bootloader_opts[] = {
	CFG_INT("timeout", 5, CFGF_NONE),
	CFG_BOOL("serial", cfg_false, CFGF_NONE), CFG_END()
};

static cfg_opt_t top_opts[] = {
	CFG_STR("host-name", "gnu", CFGF_NONE),
	/* Unset, these come from a Guix system's parameters, or default to
	 * DEFAULT_KERNEL and "/". */
	CFG_STR("kernel", NULL, CFGF_NODEFAULT),
	CFG_STR("hurd", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("kernel-arguments", NULL, CFGF_NODEFAULT),
	CFG_SEC("file-system", fs_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("permissions", permissions_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_STR("translators", "guix", CFGF_NONE),
	CFG_STR("timezone", NULL, CFGF_NODEFAULT),
	CFG_STR("secrets", NULL, CFGF_NODEFAULT),
	CFG_BOOL("offloading", cfg_false, CFGF_NONE),
	CFG_BOOL("register-store", cfg_true, CFGF_NONE),
	CFG_STR("guix-system", NULL, CFGF_NODEFAULT),
	CFG_SEC("user", user_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("group", group_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("service", service_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_STR("translator-format", "xattr", CFGF_NONE),
	CFG_SEC("translator", translator_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

int config_check_size(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t bytes;
	char why[160];

	if (size_parse_or_guess(cfg_opt_getnstr(opt, 0), &bytes)) {
		size_explain(cfg_opt_getnstr(opt, 0), why, sizeof(why));
		cfg_error(cfg, "size '%s' %s",
			  diag_value(cfg_opt_getnstr(opt, 0)), why);
		return -1;
	}
	return 0;
}

/* Integer options with a range, by option name. */
static const struct int_range {
	const char *name;
	long min, max;
	const char *range; /* as the message says it */
} int_ranges[] = {
	{ "timeout", 0, 3600, "0 to 3600 seconds" },
	{ "max-depth", 8, 1024, "8 to 1024" },
	{ "max-ratio", 0, 1000000, "1 to 1000000, or 0 for no limit" },
};

int config_check_range(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, 0);
	size_t i;

	for (i = 0; i < sizeof(int_ranges) / sizeof(*int_ranges); i++) {
		const struct int_range *r = &int_ranges[i];

		if (strcmp(opt->name, r->name) || (v >= r->min && v <= r->max))
			continue;
		cfg_error(cfg, "%s %ld is out of range (%s)", r->name, v,
			  r->range);
		return -1;
	}
	return 0;
}

/* "644" is 01204 to libconfuse: a mode written without its leading 0 is
 * a mistake, never a decimal mode. */
static int decimal_looking(const char *text)
{
	return text && text[0] >= '1' && text[0] <= '9' &&
	       strspn(text, "0123456789") == strlen(text);
}

int config_check_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, 0);
	const char *text = conffile_value_text(opt->name, cfg->line);

	if (decimal_looking(text)) {
		cfg_error(
			cfg,
			"mode %s has no leading 0, so it would be read as decimal (%#lo); write modes in octal, as 0%s",
			text, v, text);
		return -1;
	}
	if (v < (strcmp(cfg->name, "permissions") ? 0 : -1) || v > 07777) {
		if (v < 0)
			cfg_error(cfg, "mode %ld is out of range (0 to 07777)",
				  v);
		else
			cfg_error(cfg, "mode %#lo is out of range (0 to 07777)",
				  v);
		return -1;
	}
	return 0;
}

int config_check_id(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, 0);

	if (v < (strcmp(cfg->name, "permissions") ? 0 : -1) ||
	    v > 0xfffffffeL) {
		cfg_error(cfg, "%s %ld is out of range (0 to 4294967294)",
			  opt->name, v);
		return -1;
	}
	return 0;
}

static int validate_translators(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (strcmp(v, "guix") && strcmp(v, "none")) {
		cfg_error(cfg, "translators '%s' is not one of: guix, none",
			  diag_value(v));
		return -1;
	}
	return 0;
}

static int validate_format(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (!strcmp(v, "both")) {
		cfg_error(
			cfg,
			"translator-format \"both\" is not allowed: the Hurd reads the legacy record first, so the xattr would never be seen; choose xattr (Hurd 2020 and later) or legacy");
		return -1;
	}
	if (strcmp(v, "xattr") && strcmp(v, "legacy")) {
		cfg_error(cfg,
			  "translator-format '%s' is not one of: xattr, legacy",
			  diag_value(v));
		return -1;
	}
	return 0;
}

static int validate_image_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (!v || v[0] != '/') {
		cfg_error(cfg,
			  "%s '%s' must be an absolute path inside the image",
			  opt->name, diag_value(v));
		return -1;
	}
	return 0;
}

/* RFC 1123 host names: it goes into /etc/hostname and /etc/hosts. */
static int validate_host_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (!v || !*v) {
		cfg_error(cfg, "host-name must not be empty");
		return -1;
	}
	if (strlen(v) <= 253 && v[0] != '-' && v[0] != '.' &&
	    strspn(v,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
		    strlen(v))
		return 0;
	cfg_error(
		cfg,
		"host-name '%s' is not a host name (letters, digits, '-' and '.')",
		diag_value(v));
	return -1;
}

/* Where the root's label was set (inside its section, where the file
 * scan finds no option lines): a Guix system's root-device may ask for
 * another, and the message names the line. */
static int label_line;

static int note_line(cfg_t *cfg, cfg_opt_t *opt)
{
	label_line = cfg->line;
	return 0;
}

char *config_strdup(const char *s)
{
	char *r = strdup(s ? s : "");

	if (!r) {
		fputs("mkhurdimg: out of memory\n", stderr);
		exit(EXIT_BUILD);
	}
	return r;
}

#define xstrdup config_strdup

char *config_resolve(const struct os_config *cfg, const char *path)
{
	const char *slash = strrchr(cfg->file, '/');
	size_t dirlen;
	char *r;

	if (path[0] == '/' || !slash)
		return xstrdup(path);
	dirlen = (size_t)(slash - cfg->file);
	r = malloc(dirlen + 1 + strlen(path) + 1);
	if (!r)
		return xstrdup(path);
	sprintf(r, "%.*s/%s", (int)dirlen, cfg->file, path);
	return r;
}

/* Where SEC starts (libconfuse's own line is where it ends); NTH counts
 * untitled sections of its kind. */
static int start_line(cfg_t *sec, int nth)
{
	const char *title = cfg_title(sec);
	int line = conffile_section(sec->name, title, title ? 0 : nth, NULL);

	return line ? line : sec->line;
}

static int cmp_source_seq(const void *a, const void *b)
{
	const struct os_source *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

static size_t count_sources(cfg_t *cfg, const struct config_kinds *kinds)
{
	const struct conf_kind *const *k;
	size_t n = 0;

	for (k = kinds->sources; k && *k; k++)
		n += cfg_size(cfg, (*k)->name);
	return n;
}

/* Each source section, read by its kind, then put in the file's order. */
static int collect_sources(cfg_t *cfg, struct os_config *out,
			   const struct config_kinds *kinds)
{
	const struct conf_kind *const *k;
	size_t i, n = count_sources(cfg, kinds);
	int r;

	out->sources = calloc(n ? n : 1, sizeof(*out->sources));
	if (!out->sources)
		return diag_error(EXIT_BUILD, "out of memory");
	for (k = kinds->sources; k && *k; k++) {
		for (i = 0; i < cfg_size(cfg, (*k)->name); i++) {
			cfg_t *sec = cfg_getnsec(cfg, (*k)->name, i);
			struct os_source *s = &out->sources[out->nsources++];

			s->kind = *k;
			s->line = start_line(sec, 0);
			conffile_section((*k)->name, cfg_title(sec), 0,
					 &s->seq);
			if ((r = (*k)->parse(sec, out, s->line, s)))
				return r;
		}
	}
	/* libconfuse groups sections by kind; the file's order is what counts. */
	if (out->nsources)
		qsort(out->sources, out->nsources, sizeof(*out->sources),
		      cmp_source_seq);
	return 0;
}

static int collect_rules(cfg_t *cfg, struct os_config *out)
{
	size_t i, n = cfg_size(cfg, "permissions");

	out->rules = calloc(n ? n : 1, sizeof(*out->rules));
	if (!out->rules)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "permissions", i);
		struct os_rule *r = &out->rules[i];

		r->glob = xstrdup(cfg_title(sec));
		r->uid = cfg_getint(sec, "owner");
		r->gid = cfg_getint(sec, "group");
		r->mode = cfg_getint(sec, "mode");
		r->line = start_line(sec, 0);
		out->nrules++;
		if (r->glob[0] != '/')
			return diag_error_at(
				EXIT_USAGE, out->file, r->line,
				"permissions '%s': the pattern must be an absolute path inside the image",
				diag_value(r->glob));
	}
	return 0;
}

static int collect_translators(cfg_t *cfg, struct os_config *out)
{
	size_t i, k, n = cfg_size(cfg, "translator");

	out->guix_translators = !strcmp(cfg_getstr(cfg, "translators"), "guix");
	out->legacy_translators =
		!strcmp(cfg_getstr(cfg, "translator-format"), "legacy");
	out->translators = calloc(n ? n : 1, sizeof(*out->translators));
	if (!out->translators)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "translator", i);
		struct os_translator *t = &out->translators[i];

		t->path = xstrdup(cfg_title(sec));
		t->line = start_line(sec, 0);
		t->mode = cfg_getint(sec, "mode");
		t->remove = cfg_getbool(sec, "remove") == cfg_true;
		t->argc = cfg_size(sec, "command");
		t->argv = calloc(t->argc + 1, sizeof(char *));
		for (k = 0; t->argv && k < t->argc; k++)
			t->argv[k] = xstrdup(cfg_getnstr(sec, "command", k));
		out->ntranslators++;
		if (t->path[0] != '/')
			return diag_error_at(
				EXIT_USAGE, out->file, t->line,
				"translator '%s' must be an absolute path inside the image",
				diag_value(t->path));
		if (t->remove && t->argc)
			return diag_error_at(
				EXIT_USAGE, out->file, t->line,
				"translator '%s': give either command or remove, not both",
				diag_value(t->path));
		if (!t->remove && (!t->argc || !*t->argv[0]))
			return diag_error_at(
				EXIT_USAGE, out->file, t->line,
				"translator '%s' has no command (or use remove = true)",
				diag_value(t->path));
	}
	return 0;
}

/* POSIX portable user and group names, as useradd accepts them. */
static int valid_account_name(const char *s)
{
	size_t i;

	if (!*s || strlen(s) > 32 || *s == '-')
		return 0;
	for (i = 0; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-",
			    s[i]))
			return 0;
	return 1;
}

static int collect_accounts(cfg_t *cfg, struct os_config *out)
{
	size_t i, k, nu = cfg_size(cfg, "user"), ng = cfg_size(cfg, "group");

	out->users = calloc(nu ? nu : 1, sizeof(*out->users));
	out->groups = calloc(ng ? ng : 1, sizeof(*out->groups));
	if (!out->users || !out->groups)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < ng; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "group", i);
		struct os_group *g = &out->groups[out->ngroups++];

		g->name = xstrdup(cfg_title(sec));
		g->gid = cfg_getint(sec, "gid");
		g->line = start_line(sec, 0);
		if (!valid_account_name(g->name))
			return diag_error_at(
				EXIT_USAGE, out->file, g->line,
				"group '%s': not a valid group name",
				diag_value(g->name));
	}
	for (i = 0; i < nu; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "user", i);
		struct os_user *u = &out->users[out->nusers++];
		char home[512];

		u->name = xstrdup(cfg_title(sec));
		u->line = start_line(sec, 0);
		u->uid = cfg_getint(sec, "uid");
		u->group = xstrdup(cfg_getstr(sec, "group"));
		u->comment = xstrdup(cfg_getstr(sec, "comment"));
		snprintf(home, sizeof(home), "%s%s",
			 strcmp(u->name, "root") ? "/home/" : "/", u->name);
		u->home = xstrdup(
			cfg_size(sec, "home") ? cfg_getstr(sec, "home") : home);
		u->shell = xstrdup(cfg_getstr(sec, "shell"));
		u->password = xstrdup(cfg_getstr(sec, "password"));
		u->ngroups = cfg_size(sec, "supplementary-groups");
		u->groups = calloc(u->ngroups + 1, sizeof(char *));
		for (k = 0; u->groups && k < u->ngroups; k++)
			u->groups[k] = xstrdup(
				cfg_getnstr(sec, "supplementary-groups", k));
		if (!valid_account_name(u->name))
			return diag_error_at(EXIT_USAGE, out->file, u->line,
					     "user '%s': not a valid user name",
					     diag_value(u->name));
		if (strpbrk(u->comment, ":\n") || strpbrk(u->password, ":\n") ||
		    u->home[0] != '/' || u->shell[0] != '/' ||
		    strchr(u->home, ':') || strchr(u->shell, ':'))
			return diag_error_at(
				EXIT_USAGE, out->file, u->line,
				"user '%s': comment and password may not hold ':' or a newline; home and shell must be absolute paths",
				diag_value(u->name));
	}
	return 0;
}

static int ssh_bool(cfg_t *sec, const char *name)
{
	return cfg_getbool(sec, name) == cfg_true;
}

static const char *const log_levels[] = {
	"quiet", "fatal",  "error",  "info",   "verbose",
	"debug", "debug1", "debug2", "debug3", NULL,
};

static int one_of(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(v, *words))
			return 1;
	return 0;
}

/* A word sshd_config can hold: no blank or newline to break its line. */
static int ssh_word(const char *v)
{
	return *v && !strpbrk(v, " \t\n\r");
}

static int ssh_lists(cfg_t *sec, struct os_config *out, int line)
{
	struct os_openssh *o = &out->openssh;
	size_t i;

	o->naccept_env = cfg_size(sec, "accepted-environment");
	o->accept_env = calloc(o->naccept_env + 1, sizeof(char *));
	o->nsubsystems = cfg_size(sec, "subsystems");
	o->subsystems = calloc(o->nsubsystems + 1, sizeof(char *));
	if (!o->accept_env || !o->subsystems)
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < o->naccept_env; i++) {
		o->accept_env[i] =
			xstrdup(cfg_getnstr(sec, "accepted-environment", i));
		if (!ssh_word(o->accept_env[i]))
			return diag_error_at(
				EXIT_USAGE, out->file, line,
				"accepted-environment '%s' is not one word",
				diag_value(o->accept_env[i]));
	}
	for (i = 0; i < o->nsubsystems; i++) {
		const char *v = cfg_getnstr(sec, "subsystems", i),
			   *sp = strchr(v, ' ');

		o->subsystems[i] = xstrdup(v);
		if (!sp || sp == v || !sp[1] || strpbrk(v, "\t\n\r"))
			return diag_error_at(
				EXIT_USAGE, out->file, line,
				"subsystems entry '%s' is not \"NAME COMMAND\"",
				diag_value(v));
	}
	return 0;
}

static int collect_openssh(cfg_t *sec, struct os_config *out)
{
	struct os_openssh *o = &out->openssh;
	int line = start_line(sec, 0);
	const char *prl = cfg_getstr(sec, "permit-root-login");

	if (strcmp(prl, "yes") && strcmp(prl, "no") &&
	    strcmp(prl, "prohibit-password"))
		return diag_error_at(
			EXIT_USAGE, out->file, line,
			"permit-root-login '%s' is not one of: yes, no, prohibit-password",
			diag_value(prl));
	if (!one_of(cfg_getstr(sec, "log-level"), log_levels))
		return diag_error_at(
			EXIT_USAGE, out->file, line,
			"log-level '%s' is not one of: quiet, fatal, error, info, verbose, debug, debug1, debug2, debug3",
			diag_value(cfg_getstr(sec, "log-level")));
	o->enabled = 1;
	o->line = line;
	o->port = cfg_getint(sec, "port-number");
	o->permit_root_login = xstrdup(prl);
	o->allow_empty_passwords = ssh_bool(sec, "allow-empty-passwords");
	o->password_authentication = ssh_bool(sec, "password-authentication");
	o->public_key_authentication =
		ssh_bool(sec, "public-key-authentication");
	o->x11_forwarding = ssh_bool(sec, "x11-forwarding");
	o->allow_agent_forwarding = ssh_bool(sec, "allow-agent-forwarding");
	o->allow_tcp_forwarding = ssh_bool(sec, "allow-tcp-forwarding");
	o->gateway_ports = ssh_bool(sec, "gateway-ports");
	o->pid_file = xstrdup(cfg_getstr(sec, "pid-file"));
	o->challenge_response_authentication =
		ssh_bool(sec, "challenge-response-authentication");
	o->use_pam = ssh_bool(sec, "use-pam");
	o->print_last_log = ssh_bool(sec, "print-last-log");
	o->log_level = xstrdup(cfg_getstr(sec, "log-level"));
	o->extra_content = xstrdup(cfg_getstr(sec, "extra-content"));
	if (o->port < 1 || o->port > 65535)
		return diag_error_at(
			EXIT_USAGE, out->file, line,
			"port-number %ld is out of range (1 to 65535)",
			o->port);
	if (o->pid_file[0] != '/' || strpbrk(o->pid_file, " \t\n\r"))
		return diag_error_at(
			EXIT_USAGE, out->file, line,
			"pid-file '%s' must be an absolute path without blanks",
			diag_value(o->pid_file));
	return ssh_lists(sec, out, line);
}

static int collect_services(cfg_t *cfg, struct os_config *out)
{
	size_t i;
	int r;

	for (i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "service", i);

		if (strcmp(cfg_title(sec), "openssh"))
			return diag_error_at(
				EXIT_USAGE, out->file, start_line(sec, 0),
				"service '%s' is not known (known: openssh)",
				diag_value(cfg_title(sec)));
		if ((r = collect_openssh(sec, out)))
			return r;
	}
	return 0;
}

static int collect_fs(cfg_t *cfg, struct os_config *out)
{
	cfg_t *root = NULL;
	size_t i;

	for (i = 0; i < cfg_size(cfg, "file-system"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "file-system", i);

		if (strcmp(cfg_title(sec), "/"))
			return diag_error_at(
				EXIT_USAGE, out->file, start_line(sec, 0),
				"file-system '%s': only the root file system \"/\" is supported",
				diag_value(cfg_title(sec)));
		root = sec;
	}
	if (!root) {
		out->fs_label = xstrdup("hurd");
		out->fs_size = 0;
		out->max_depth = TREE_MAX_DEPTH;
		return 0;
	}
	out->fs_line = start_line(root, 0);
	out->fs_label = xstrdup(cfg_getstr(root, "label"));
	out->fs_label_line = label_line;
	if (strlen(out->fs_label) > 16)
		return diag_error_at(
			EXIT_USAGE, out->file, start_line(root, 0),
			"file-system label '%s' is longer than 16 bytes (ext2's limit)",
			diag_value(out->fs_label));
	size_parse_or_guess(cfg_getstr(root, "size"), &out->fs_size);
	out->max_depth = (unsigned)cfg_getint(root, "max-depth");
	return 0;
}

/* libconfuse merges a repeated plain section silently; say so instead. */
static int single_section(cfg_t *cfg, const struct os_config *out,
			  const char *name)
{
	if (cfg_size(cfg, name) < 2)
		return 0;
	return diag_error_at(
		EXIT_USAGE, out->file, start_line(cfg_getnsec(cfg, name, 1), 1),
		"a second %s section (the first is at line %d); merge them",
		name, start_line(cfg_getnsec(cfg, name, 0), 0));
}

static void collect_top(cfg_t *cfg, struct os_config *out)
{
	cfg_t *boot = cfg_getsec(cfg, "bootloader");
	size_t i;

	out->host_name = xstrdup(cfg_getstr(cfg, "host-name"));
	out->kernel = xstrdup(cfg_size(cfg, "kernel") ?
				      cfg_getstr(cfg, "kernel") :
				      DEFAULT_KERNEL);
	out->hurd =
		xstrdup(cfg_size(cfg, "hurd") ? cfg_getstr(cfg, "hurd") : "/");
	out->kernel_line = conffile_option("kernel");
	out->hurd_line = conffile_option("hurd");
	out->kernel_args_line = conffile_option("kernel-arguments");
	out->nkernel_args = cfg_size(cfg, "kernel-arguments");
	out->kernel_args = calloc(out->nkernel_args + 1, sizeof(char *));
	for (i = 0; out->kernel_args && i < out->nkernel_args; i++)
		out->kernel_args[i] =
			xstrdup(cfg_getnstr(cfg, "kernel-arguments", i));
	out->timeout = cfg_getint(boot, "timeout");
	out->serial = cfg_getbool(boot, "serial") == cfg_true;
	out->boot_line = start_line(boot, 0);
}

/* OPTS then MORE's options, in a new CFG_END-ended table. */
static cfg_opt_t *joined(const cfg_opt_t *opts, size_t n, const cfg_opt_t *more)
{
	size_t m = 0;
	cfg_opt_t *v;

	while (more && more[m].name)
		m++;
	if (!(v = calloc(n + m + 1, sizeof(*v)))) /* zeroed: CFG_END */
		return NULL;
	memcpy(v, opts, n * sizeof(*v));
	if (m)
		memcpy(v + n, more, m * sizeof(*v));
	return v;
}

/* The schema: the top level's options, then the sections whose options
 * the kinds bring: each source kind's, the partitions', the bootloader's. */
static cfg_opt_t *schema(const struct config_kinds *kinds, cfg_opt_t *partition,
			 cfg_opt_t *boot)
{
	size_t n = sizeof(top_opts) / sizeof(*top_opts) - 1, i = n;
	const struct conf_kind *const *k;
	cfg_opt_t *v;

	for (k = kinds->sources; k && *k; k++)
		n++;
	if (!(v = joined(top_opts, i, NULL)) ||
	    !(v = realloc(v, (n + 3) * sizeof(*v)))) {
		free(v);
		return NULL;
	}
	for (k = kinds->sources; k && *k; k++)
		v[i++] = (cfg_opt_t)CFG_SEC((*k)->name, (*k)->opts,
					    CFGF_MULTI | CFGF_TITLE |
						    CFGF_NO_TITLE_DUPES);
	v[i++] = (cfg_opt_t)CFG_SEC("partition", partition,
				    CFGF_MULTI | CFGF_TITLE |
					    CFGF_NO_TITLE_DUPES);
	v[i++] = (cfg_opt_t)CFG_SEC("bootloader", boot, CFGF_MULTI);
	v[i] = (cfg_opt_t)CFG_END();
	return v;
}

/* The option checks the kinds bring, on their sections. */
static void kind_checks(cfg_t *cfg, const struct config_kinds *kinds)
{
	const struct conf_kind *const *k;
	const struct conf_check *c;
	char name[128];

	for (k = kinds->sources; k && *k; k++)
		for (c = (*k)->checks; c && c->option; c++) {
			snprintf(name, sizeof(name), "%s|%s", (*k)->name,
				 c->option);
			cfg_set_validate_func(cfg, name, c->check);
		}
	for (c = kinds->bootloader ? kinds->bootloader->checks : NULL;
	     c && c->option; c++) {
		snprintf(name, sizeof(name), "bootloader|%s", c->option);
		cfg_set_validate_func(cfg, name, c->check);
	}
	partition_checks(cfg, kinds);
}

int config_image_path_ok(const char *p)
{
	const char *c;

	if (p[0] != '/')
		return 0;
	if (!strcmp(p, "/"))
		return 1;
	for (c = p; *c; c++)
		if (*c == '/' &&
		    (c[1] == '/' || c[1] == '\0' || !strncmp(c + 1, "./", 2) ||
		     !strcmp(c + 1, ".") || !strncmp(c + 1, "../", 3) ||
		     !strcmp(c + 1, "..")))
			return 0;
	return 1;
}

int config_check_label(cfg_t *sec, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (v && strlen(v) > 16) {
		cfg_error(sec, "label '%s' is longer than 16 bytes", v);
		return -1;
	}
	return 0;
}

static int load(const char *path, const struct config_kinds *kinds,
		struct os_config *out)
{
	cfg_opt_t *partition = NULL, *opts = NULL, *boot = NULL;
	cfg_t *cfg = NULL;
	int r, had_boot;

	memset(out, 0, sizeof(*out));
	label_line = 0;
	out->file = xstrdup(conffile_name(path));
	partition = partition_options(kinds);
	boot = joined(bootloader_opts,
		      sizeof(bootloader_opts) / sizeof(*bootloader_opts) - 1,
		      kinds->bootloader ? kinds->bootloader->opts : NULL);
	if (partition && boot)
		opts = schema(kinds, partition, boot);
	if (opts)
		cfg = cfg_init(opts, CFGF_NONE);
	if (!cfg) {
		free(opts);
		free(partition);
		free(boot);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	kind_checks(cfg, kinds);
	cfg_set_validate_func(cfg, "file-system|size", config_check_size);
	cfg_set_validate_func(cfg, "bootloader|timeout", config_check_range);
	cfg_set_validate_func(cfg, "file-system|max-depth", config_check_range);
	cfg_set_validate_func(cfg, "kernel", validate_image_path);
	cfg_set_validate_func(cfg, "hurd", validate_image_path);
	cfg_set_validate_func(cfg, "file-system|label", note_line);
	cfg_set_validate_func(cfg, "host-name", validate_host_name);
	cfg_set_validate_func(cfg, "permissions|mode", config_check_mode);
	cfg_set_validate_func(cfg, "translator|mode", config_check_mode);
	cfg_set_validate_func(cfg, "user|uid", config_check_id);
	cfg_set_validate_func(cfg, "group|gid", config_check_id);
	cfg_set_validate_func(cfg, "translators", validate_translators);
	cfg_set_validate_func(cfg, "translator-format", validate_format);
	cfg_set_validate_func(cfg, "permissions|owner", config_check_id);
	cfg_set_validate_func(cfg, "permissions|group", config_check_id);

	r = conffile_parse(cfg, path);
	if (r == CFG_FILE_ERROR) {
		int e = errno;

		r = diag_error(EXIT_USAGE,
			       "%s: cannot read the configuration: %s", path,
			       e == EINVAL ? "it holds a NUL byte" :
					     strerror(e));
		goto out;
	}
	if (r != CFG_SUCCESS) {
		if (!diag_message())
			diag_error(EXIT_USAGE,
				   "%s: cannot parse the configuration", path);
		r = EXIT_USAGE;
		goto out;
	}
	if ((r = single_section(cfg, out, "bootloader")))
		goto out;
	/* No bootloader section: one with the defaults, at no line. */
	had_boot = cfg_size(cfg, "bootloader") > 0;
	if (!had_boot && !cfg_addtsec(cfg, "bootloader", NULL)) {
		r = diag_error(EXIT_BUILD, "out of memory");
		goto out;
	}
	collect_top(cfg, out);
	if (!had_boot)
		out->boot_line = 0;
	out->bootloader_kind = kinds->bootloader;
	if (kinds->bootloader &&
	    (r = kinds->bootloader->parse(cfg_getsec(cfg, "bootloader"), out,
					  out->boot_line, out)))
		goto out;
	r = collect_fs(cfg, out);
	if (!r)
		r = partitions_collect(cfg, out, kinds);
	if (!r)
		r = collect_sources(cfg, out, kinds);
	if (!r)
		r = collect_rules(cfg, out);
	if (!r)
		r = collect_translators(cfg, out);
	if (!r)
		r = collect_accounts(cfg, out);
	if (!r)
		r = collect_services(cfg, out);
	if (!r && cfg_size(cfg, "timezone"))
		out->timezone = xstrdup(cfg_getstr(cfg, "timezone"));
	out->register_store = cfg_getbool(cfg, "register-store") == cfg_true;
	if (!r && cfg_size(cfg, "guix-system"))
		out->guix_system = xstrdup(cfg_getstr(cfg, "guix-system"));
	out->guix_system_line = conffile_option("guix-system");
	if (!r && cfg_size(cfg, "secrets"))
		out->secrets = config_resolve(out, cfg_getstr(cfg, "secrets"));
	out->offloading = cfg_getbool(cfg, "offloading") == cfg_true;
out:
	cfg_free(cfg);
	free(opts);
	free(partition);
	free(boot);
	return r;
}

int config_load(const char *path, const struct config_kinds *kinds,
		struct os_config *out)
{
	int r = load(path, kinds, out);

	if (r)
		config_free(out);
	return r;
}

void config_free(struct os_config *cfg)
{
	size_t i, k;

	partitions_free(cfg);
	for (i = 0; i < cfg->nsources; i++) {
		if (cfg->sources[i].kind->release)
			cfg->sources[i].kind->release(cfg->sources[i].data);
		free(cfg->sources[i].path);
		free(cfg->sources[i].target);
	}
	free(cfg->sources);
	for (i = 0; i < cfg->nrules; i++)
		free(cfg->rules[i].glob);
	free(cfg->rules);
	for (i = 0; i < cfg->ntranslators; i++) {
		for (k = 0; k < cfg->translators[i].argc; k++)
			free(cfg->translators[i].argv[k]);
		free(cfg->translators[i].argv);
		free(cfg->translators[i].path);
	}
	free(cfg->translators);
	for (i = 0; i < cfg->nusers; i++) {
		struct os_user *u = &cfg->users[i];

		for (k = 0; k < u->ngroups; k++)
			free(u->groups[k]);
		free(u->groups);
		free(u->name);
		free(u->group);
		free(u->comment);
		free(u->home);
		free(u->shell);
		free(u->password);
	}
	free(cfg->users);
	for (i = 0; i < cfg->ngroups; i++)
		free(cfg->groups[i].name);
	free(cfg->groups);
	free(cfg->openssh.permit_root_login);
	free(cfg->openssh.pid_file);
	free(cfg->openssh.log_level);
	free(cfg->openssh.extra_content);
	for (i = 0; cfg->openssh.accept_env && i < cfg->openssh.naccept_env;
	     i++)
		free(cfg->openssh.accept_env[i]);
	free(cfg->openssh.accept_env);
	for (i = 0; cfg->openssh.subsystems && i < cfg->openssh.nsubsystems;
	     i++)
		free(cfg->openssh.subsystems[i]);
	free(cfg->openssh.subsystems);
	free(cfg->timezone);
	free(cfg->secrets);
	free(cfg->guix_system);
	for (i = 0; cfg->kernel_args && i < cfg->nkernel_args; i++)
		free(cfg->kernel_args[i]);
	free(cfg->kernel_args);
	free(cfg->file);
	free(cfg->host_name);
	free(cfg->kernel);
	free(cfg->hurd);
	free(cfg->fs_label);
	if (cfg->bootloader_kind && cfg->bootloader_kind->release)
		cfg->bootloader_kind->release(cfg->bootloader);
	memset(cfg, 0, sizeof(*cfg));
}
