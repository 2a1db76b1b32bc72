/* check_config.c - os.conf: every field, defaults, source order, errors */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "registry.h"
#include "diag.h"
#include "check-run.h"

/* Every kind's options, as mkhurdimg builds its schema. */
static const struct config_kinds *all_kinds(void)
{
	static struct config_kinds k;

	registry_config_kinds(NULL, &k);
	return &k;
}

static char dir[] = "/tmp/check_config.XXXXXX";
static char file[256];

static void write_bytes(const char *text, size_t len)
{
	FILE *f;

	snprintf(file, sizeof(file), "%s/os.conf", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_conf(const char *text)
{
	write_bytes(text, strlen(text));
}

/* DIR "/" NAME, in a static buffer. */
static const char *in_dir(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void load_ok(const char *text, struct os_config *c)
{
	write_conf(text);
	diag_clear();
	ck_assert_msg(config_load(file, all_kinds(), c) == 0, "refused: %s",
		      diag_message() ? diag_message() : "(no message)");
	ck_assert_ptr_null(diag_message());
}

/* Expect EXIT_USAGE and a message "FILE:LINE: ..." holding WHAT. */
static void fails_at(const char *text, int line, const char *what)
{
	struct os_config c;
	char prefix[300];

	write_conf(text);
	diag_clear();
	ck_assert_msg(config_load(file, all_kinds(), &c) == EXIT_USAGE,
		      "accepted (line %d, want '%s')", line, what);
	config_free(&c);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(!strncmp(diag_message(), prefix, strlen(prefix)),
		      "'%s' does not start with '%s'", diag_message(), prefix);
	ck_assert_msg(strstr(diag_message(), what), "'%s' lacks '%s'",
		      diag_message(), what);
}

/* One setting or section per line: line N of the file is the Nth string
 * below (the long ones are split only to fit here). */
static const char complete[] =
	"# a complete configuration, one setting per line\n"
	"host-name = \"demo\"\n"
	"kernel = \"/boot/k.gz\"\n"
	"hurd = \"/gnu/store/x-hurd\"\n"
	"kernel-arguments = { \"noide\", \"-s\" }   # trailing comment\n"
	"file-system \"/\" { label = \"root\" size = \"64MiB\" }\n"
	"bootloader { timeout = 0 serial = true grub-directory = \"grub\" "
	"grub-mkimage = \"/usr/bin/gm\" }\n"
	"directory \"b\" { target = \"/opt\" }\n"
	"closure \"g\" { store = \"s\" }\n"
	"directory \"a\" { }\n"
	"archive \"t.tar\" { target = \"/srv\" }\n"
	"file \"/etc/issue\" { contents = \"hi\\n\" mode = 0600 owner = 5 "
	"group = 6 }\n"
	"substitutes \"cache\" { roots = { \"/gnu/store/aaa-x\", "
	"\"/gnu/store/bbb-y\" } public-key = \"key.pub\" }\n"
	"directory \"/abs/dir\" { target = \"/\" }\n"
	"permissions \"/etc/*\" { owner = 1 group = 2 mode = 0640 }\n"
	"translators = \"none\"\n"
	"translator-format = \"legacy\"\n"
	"translator \"/servers/x\" { command = { \"/hurd/x\", \"-a\" } "
	"mode = 0644 }\n"
	"timezone = \"Europe/Paris\"\n"
	"user \"alice\" { uid = 1000 group = \"users\" "
	"supplementary-groups = { \"wheel\" } comment = \"Alice\" "
	"shell = \"/bin/bash\" password = \"\" }\n"
	"group \"wheel\" { gid = 10 }\n"
	"service \"openssh\" { port-number = 2222 permit-root-login = \"yes\" "
	"allow-empty-passwords = true password-authentication = false }\n"
	"secrets = \"secrets\"\n"
	"register-store = false\n"
	"guix-system = \"/gnu/store/sys\"\n";

START_TEST(every_field_is_read)
{
	struct os_config c;
	struct os_source *s;

	load_ok(complete, &c);
	ck_assert_str_eq(c.file, file);
	ck_assert_str_eq(c.host_name, "demo");
	ck_assert_str_eq(c.kernel, "/boot/k.gz");
	ck_assert_str_eq(c.hurd, "/gnu/store/x-hurd");
	ck_assert_uint_eq(c.nkernel_args, 2);
	ck_assert_str_eq(c.kernel_args[0], "noide");
	ck_assert_str_eq(c.kernel_args[1], "-s");
	ck_assert_ptr_null(c.kernel_args[2]);
	ck_assert_str_eq(c.fs_label, "root");
	ck_assert_uint_eq(c.fs_size, 64 << 20);
	ck_assert_int_eq(c.fs_line, 6);
	ck_assert_int_eq(c.timeout, 0);
	ck_assert_int_eq(c.serial, 1);
	ck_assert_int_eq(c.boot_line, 7);

	ck_assert_uint_eq(c.nsources, 7);
	s = c.sources;
	ck_assert_str_eq(s[0].kind->name, "directory");
	ck_assert_str_eq(s[0].path, in_dir("b"));
	ck_assert_str_eq(s[0].target, "/opt");
	ck_assert_int_eq(s[0].line, 8);
	ck_assert_str_eq(s[1].kind->name, "closure");
	ck_assert_str_eq(s[1].path, in_dir("g"));
	ck_assert_str_eq(s[1].target, "/");
	ck_assert_int_eq(s[1].line, 9);
	ck_assert_str_eq(s[2].kind->name, "directory");
	ck_assert_str_eq(s[2].path, in_dir("a"));
	ck_assert_str_eq(s[2].target, "/");
	ck_assert_int_eq(s[2].line, 10);
	ck_assert_str_eq(s[3].kind->name, "archive");
	ck_assert_str_eq(s[3].path, in_dir("t.tar"));
	ck_assert_str_eq(s[3].target, "/srv");
	ck_assert_int_eq(s[3].line, 11);
	ck_assert_str_eq(s[4].kind->name, "file");
	ck_assert_str_eq(s[4].path, "/etc/issue");
	ck_assert_str_eq(s[4].target, "/etc/issue");
	ck_assert_int_eq(s[4].line, 12);
	ck_assert_str_eq(s[5].kind->name, "substitutes");
	ck_assert_str_eq(s[5].path, in_dir("cache"));
	ck_assert_int_eq(s[5].line, 13);
	ck_assert_str_eq(s[6].kind->name, "directory");
	ck_assert_str_eq(s[6].path, "/abs/dir");
	ck_assert_str_eq(s[6].target, "/");
	ck_assert_int_eq(s[6].line, 14);

	ck_assert_uint_eq(c.nrules, 1);
	ck_assert_str_eq(c.rules[0].glob, "/etc/*");
	ck_assert_int_eq(c.rules[0].uid, 1);
	ck_assert_int_eq(c.rules[0].gid, 2);
	ck_assert_int_eq(c.rules[0].mode, 0640);
	ck_assert_int_eq(c.rules[0].line, 15);
	ck_assert_int_eq(c.guix_translators, 0);
	ck_assert_int_eq(c.legacy_translators, 1);
	ck_assert_uint_eq(c.ntranslators, 1);
	ck_assert_str_eq(c.translators[0].path, "/servers/x");
	ck_assert_uint_eq(c.translators[0].argc, 2);
	ck_assert_str_eq(c.translators[0].argv[0], "/hurd/x");
	ck_assert_str_eq(c.translators[0].argv[1], "-a");
	ck_assert_ptr_null(c.translators[0].argv[2]);
	ck_assert_int_eq(c.translators[0].mode, 0644);
	ck_assert_int_eq(c.translators[0].remove, 0);
	ck_assert_int_eq(c.translators[0].line, 18);
	ck_assert_str_eq(c.timezone, "Europe/Paris");
	ck_assert_uint_eq(c.nusers, 1);
	ck_assert_str_eq(c.users[0].name, "alice");
	ck_assert_int_eq(c.users[0].uid, 1000);
	ck_assert_str_eq(c.users[0].group, "users");
	ck_assert_uint_eq(c.users[0].ngroups, 1);
	ck_assert_str_eq(c.users[0].groups[0], "wheel");
	ck_assert_str_eq(c.users[0].comment, "Alice");
	ck_assert_str_eq(c.users[0].home, "/home/alice");
	ck_assert_str_eq(c.users[0].shell, "/bin/bash");
	ck_assert_str_eq(c.users[0].password, "");
	ck_assert_int_eq(c.users[0].line, 20);
	ck_assert_uint_eq(c.ngroups, 1);
	ck_assert_str_eq(c.groups[0].name, "wheel");
	ck_assert_int_eq(c.groups[0].gid, 10);
	ck_assert_int_eq(c.openssh.enabled, 1);
	ck_assert_int_eq(c.openssh.port, 2222);
	ck_assert_str_eq(c.openssh.permit_root_login, "yes");
	ck_assert_int_eq(c.openssh.allow_empty_passwords, 1);
	ck_assert_int_eq(c.openssh.password_authentication, 0);
	ck_assert_int_eq(c.openssh.line, 22);
	ck_assert_str_eq(c.secrets, in_dir("secrets"));
	ck_assert_int_eq(c.register_store, 0);
	ck_assert_str_eq(c.guix_system, "/gnu/store/sys");
	config_free(&c);
	ck_assert_ptr_null(c.host_name);
	ck_assert_uint_eq(c.nsources, 0);
}
END_TEST

/* demo.conf as shipped, copied next to a config of our own. */
START_TEST(the_demo_config)
{
	const char *top = getenv("top_srcdir");
	char src[512], *text;
	struct os_config c;
	FILE *f;
	long n;

	snprintf(src, sizeof(src), "%s/examples/demo.conf",
		 top ? top : "../..");
	f = fopen(src, "r");
	ck_assert_msg(f != NULL, "%s: cannot open (is top_srcdir set?)", src);
	text = calloc(1, 65536);
	n = (long)fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_int_gt(n, 0);
	load_ok(text, &c);
	free(text);
	ck_assert_str_eq(c.host_name, "hurd-demo");
	ck_assert_str_eq(c.kernel, "/boot/gnumach.gz");
	ck_assert_str_eq(c.hurd, "/");
	ck_assert_uint_eq(c.nkernel_args, 0);
	ck_assert_str_eq(c.fs_label, "hurd-demo");
	ck_assert_uint_eq(c.fs_size, 0);
	ck_assert_int_eq(c.timeout, 0);
	ck_assert_int_eq(c.serial, 1);
	ck_assert_uint_eq(c.nsources, 1);
	ck_assert_str_eq(c.sources[0].kind->name, "directory");
	ck_assert_str_eq(c.sources[0].path, in_dir("demo-root"));
	ck_assert_str_eq(c.sources[0].target, "/");
	config_free(&c);
}
END_TEST

START_TEST(defaults_without_sections)
{
	struct os_config c;

	load_ok("\n", &c);
	ck_assert_str_eq(c.host_name, "gnu");
	ck_assert_str_eq(c.kernel, "/boot/gnumach.gz");
	ck_assert_str_eq(c.hurd, "/");
	ck_assert_uint_eq(c.nkernel_args, 0);
	ck_assert_str_eq(c.fs_label, "hurd");
	ck_assert_uint_eq(c.fs_size, 0); /* guess */
	ck_assert_int_eq(c.fs_line, 0);
	ck_assert_int_eq(c.timeout, 5);
	ck_assert_int_eq(c.serial, 0);
	ck_assert_int_eq(c.boot_line, 0);
	ck_assert_uint_eq(c.nsources, 0);
	ck_assert_uint_eq(c.nrules, 0);
	ck_assert_uint_eq(c.ntranslators, 0);
	ck_assert_int_eq(c.guix_translators, 1);
	ck_assert_int_eq(c.legacy_translators, 0);
	ck_assert_ptr_null(c.timezone);
	ck_assert_uint_eq(c.nusers, 0);
	ck_assert_uint_eq(c.ngroups, 0);
	ck_assert_int_eq(c.openssh.enabled, 0);
	ck_assert_ptr_null(c.secrets);
	ck_assert_int_eq(c.register_store, 1);
	ck_assert_ptr_null(c.guix_system);
	config_free(&c);

	/* Empty sections take every default of their own. */
	load_ok("file-system \"/\" { }\nbootloader { }\ndirectory \"r\" { }\n"
		"user \"root\" { }\nservice \"openssh\" { }\n",
		&c);
	ck_assert_str_eq(c.fs_label, "hurd");
	ck_assert_uint_eq(c.fs_size, 0);
	ck_assert_int_eq(c.fs_line, 1);
	ck_assert_int_eq(c.timeout, 5);
	ck_assert_int_eq(c.serial, 0);
	ck_assert_int_eq(c.boot_line, 2);
	ck_assert_str_eq(c.sources[0].target, "/");
	ck_assert_int_eq(c.users[0].uid, -1);
	ck_assert_str_eq(c.users[0].group, "users");
	ck_assert_str_eq(c.users[0].home, "/root");
	ck_assert_str_eq(c.users[0].shell, "/bin/sh");
	ck_assert_str_eq(c.users[0].password, "!");
	/* Guix's openssh-configuration defaults. */
	ck_assert_int_eq(c.openssh.port, 22);
	ck_assert_str_eq(c.openssh.permit_root_login, "no");
	ck_assert_int_eq(c.openssh.allow_empty_passwords, 0);
	ck_assert_int_eq(c.openssh.password_authentication, 1);
	ck_assert_int_eq(c.openssh.public_key_authentication, 1);
	ck_assert_int_eq(c.openssh.x11_forwarding, 0);
	ck_assert_int_eq(c.openssh.allow_agent_forwarding, 1);
	ck_assert_int_eq(c.openssh.allow_tcp_forwarding, 1);
	ck_assert_int_eq(c.openssh.gateway_ports, 0);
	ck_assert_str_eq(c.openssh.pid_file, "/var/run/sshd.pid");
	ck_assert_int_eq(c.openssh.challenge_response_authentication, 0);
	ck_assert_int_eq(c.openssh.use_pam, 1);
	ck_assert_int_eq(c.openssh.print_last_log, 1);
	ck_assert_str_eq(c.openssh.log_level, "info");
	ck_assert_uint_eq(c.openssh.naccept_env, 0);
	ck_assert_uint_eq(c.openssh.nsubsystems, 1);
	ck_assert_str_eq(c.openssh.subsystems[0], "sftp internal-sftp");
	ck_assert_str_eq(c.openssh.extra_content, "");
	ck_assert_int_eq(c.offloading, 0);
	/* Unset, kernel and hurd default, and say so by their line. */
	ck_assert_str_eq(c.kernel, "/boot/gnumach.gz");
	ck_assert_str_eq(c.hurd, "/");
	ck_assert_int_eq(c.kernel_line, 0);
	ck_assert_int_eq(c.hurd_line, 0);
	ck_assert_int_eq(c.kernel_args_line, 0);
	ck_assert_int_eq(c.fs_label_line, 0);
	config_free(&c);

	/* Set, they say where, even when the same as the default. */
	load_ok("\nkernel = \"/boot/gnumach.gz\"\nhurd = \"/\"\n"
		"kernel-arguments = {}\nfile-system \"/\" {\n label = \"hurd\"\n}\n",
		&c);
	ck_assert_int_eq(c.kernel_line, 2);
	ck_assert_int_eq(c.hurd_line, 3);
	ck_assert_int_eq(c.kernel_args_line, 4);
	ck_assert_int_eq(c.fs_label_line, 6);
	config_free(&c);
}
END_TEST

START_TEST(relative_paths_resolve_against_the_config)
{
	struct os_config c;
	char *r;

	memset(&c, 0, sizeof(c));
	c.file = "/etc/hurd/os.conf";
	r = config_resolve(&c, "root");
	ck_assert_str_eq(r, "/etc/hurd/root");
	free(r);
	r = config_resolve(&c, "../store/x");
	ck_assert_str_eq(r, "/etc/hurd/../store/x");
	free(r);
	r = config_resolve(&c, "/abs/path");
	ck_assert_str_eq(r, "/abs/path");
	free(r);
	c.file = "conf/os.conf";
	r = config_resolve(&c, "root");
	ck_assert_str_eq(r, "conf/root");
	free(r);
	c.file = "os.conf"; /* in the working directory */
	r = config_resolve(&c, "root");
	ck_assert_str_eq(r, "root");
	free(r);
	c.file = "/os.conf";
	r = config_resolve(&c, "root");
	ck_assert_str_eq(r, "/root");
	free(r);

	/* Through config_load: host paths resolve, image paths do not. */
	load_ok("directory \"sub/tree\" { target = \"/x\" }\n"
		"file \"/etc/motd\" { }\n"
		"kernel = \"/boot/gnumach.gz\"\n",
		&c);
	ck_assert_str_eq(c.sources[0].path, in_dir("sub/tree"));
	ck_assert_str_eq(c.sources[0].target, "/x");
	ck_assert_str_eq(c.sources[1].path, "/etc/motd");
	ck_assert_str_eq(c.kernel, "/boot/gnumach.gz");
	config_free(&c);
}
END_TEST

START_TEST(directory_sources_in_file_order)
{
	struct os_config c;

	load_ok("directory \"one\" { target = \"/1\" }\n"
		"\n"
		"directory \"two\" {\n"
		"  target = \"/2\"\n"
		"}\n"
		"directory \"three\" { }\n"
		"directory \"four\" { target = \"/opt/4\" }\n",
		&c);
	ck_assert_uint_eq(c.nsources, 4);
	ck_assert_str_eq(c.sources[0].path, in_dir("one"));
	ck_assert_str_eq(c.sources[0].target, "/1");
	ck_assert_str_eq(c.sources[1].path, in_dir("two"));
	ck_assert_str_eq(c.sources[1].target, "/2");
	ck_assert_str_eq(c.sources[2].path, in_dir("three"));
	ck_assert_str_eq(c.sources[2].target, "/");
	ck_assert_str_eq(c.sources[3].path, in_dir("four"));
	ck_assert_str_eq(c.sources[3].target, "/opt/4");
	ck_assert_int_eq(c.sources[0].line, 1);
	ck_assert_int_eq(c.sources[3].line, 7);
	config_free(&c);
}
END_TEST

START_TEST(sources_in_file_order_when_kinds_interleave)
{
	struct os_config c;

	load_ok("archive \"z.tar\" { target = \"/z\" }\n"
		"directory \"d1\" { }\n"
		"closure \"c1\" { }\n"
		"directory \"d2\" {\n"
		"  target = \"/d2\"\n"
		"}\n"
		"file \"/f\" { contents = \"x\" }\n"
		"closure \"c2\" { }\n"
		"directory \"d3\" { }\n",
		&c);
	ck_assert_uint_eq(c.nsources, 7);
	ck_assert_str_eq(c.sources[0].kind->name, "archive");
	ck_assert_str_eq(c.sources[1].kind->name, "directory");
	ck_assert_str_eq(c.sources[1].path, in_dir("d1"));
	ck_assert_str_eq(c.sources[2].kind->name, "closure");
	ck_assert_str_eq(c.sources[2].path, in_dir("c1"));
	ck_assert_str_eq(c.sources[3].kind->name, "directory");
	ck_assert_str_eq(c.sources[3].target, "/d2");
	ck_assert_str_eq(c.sources[4].kind->name, "file");
	ck_assert_str_eq(c.sources[5].kind->name, "closure");
	ck_assert_str_eq(c.sources[5].path, in_dir("c2"));
	ck_assert_str_eq(c.sources[6].kind->name, "directory");
	ck_assert_str_eq(c.sources[6].path, in_dir("d3"));
	config_free(&c);
}
END_TEST

/*
 * Sources are put in file order by sorting on their line, so sections
 * that share a line stay grouped by kind.  Later sources override earlier
 * ones, so the order matters.
 */
START_TEST(sources_on_one_line_keep_their_order)
{
	struct os_config c;

	load_ok("directory \"a\" { } closure \"c\" { } directory \"b\" { }\n",
		&c);
	ck_assert_uint_eq(c.nsources, 3);
	ck_assert_str_eq(c.sources[0].path, in_dir("a"));
	ck_assert_str_eq(c.sources[1].kind->name, "closure");
	ck_assert_str_eq(c.sources[1].path, in_dir("c"));
	ck_assert_str_eq(c.sources[2].path, in_dir("b"));
	config_free(&c);
}
END_TEST

START_TEST(unknown_options_name_their_line)
{
	fails_at("host-name = \"x\"\n\nfoo = 1\n", 3, "no such option 'foo'");
	fails_at("file-system \"/\" {\n  label = \"x\"\n\n  bogus = 3\n}\n", 4,
		 "no such option 'bogus'");
	fails_at("bootloader {\n  timeout = 1\n}\n\nfoo = 1\n", 5,
		 "no such option 'foo'");
	/* Comments of every form do not shift the count. */
	fails_at("# one\n// two\n/* three\n   four */\n"
		 "kernel-arguments = {\n  \"noide\",  # in a "
		 "list\n}\nno-such-key = 1\n",
		 8, "no such option 'no-such-key'");
	/* A '#' inside a string is not a comment. */
	fails_at("kernel = \"/a#b\" foo = 2\n", 1, "no such option 'foo'");
}
END_TEST

START_TEST(syntax_errors)
{
	/* A string left open runs to the end of the file. */
	fails_at("host-name = \"abc\n", 2, "premature end of file");
	fails_at("host-name = 'abc\n", 2, "unterminated string constant");
	fails_at("host-name = \"x\"\n}\n", 2, "unexpected closing brace");
	fails_at("file-system \"/\"\n  label = \"x\"\n}\n", 2,
		 "missing opening brace for section 'file-system'");
	fails_at("host-name = = \"x\"\n", 1, "unexpected");
	fails_at("host-name \"x\"\n", 1,
		 "missing equal sign after option 'host-name'");
	fails_at("kernel-arguments = { \"a\"\n", 2, "premature end of file");
}
END_TEST

/* libconfuse 3.3 takes the end of the file as the end of an open section. */
START_TEST(a_missing_closing_brace_is_an_error)
{
	struct os_config c;

	write_conf("host-name = \"x\"\nfile-system \"/\" {\n  label = \"x\"\n");
	diag_clear();
	ck_assert_int_eq(config_load(file, all_kinds(), &c), EXIT_USAGE);
	config_free(&c);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_msg(!strncmp(diag_message(), file, strlen(file)) &&
			      diag_message()[strlen(file)] == ':',
		      "'%s' does not name %s", diag_message(), file);
}
END_TEST

START_TEST(bad_values)
{
	fails_at("# one\n# two\nfile-system \"/\" {\n  size = \"12X\"\n}\n", 4,
		 "size '12X' is not a size");
	fails_at("file-system \"/\" { size = \"0\" }\n", 1,
		 "size '0' is not a size");
	fails_at("file-system \"/\" { size = \"20000000T\" }\n", 1,
		 "is not a size");
	fails_at("bootloader {\n\n  timeout = 3601\n}\n", 3,
		 "timeout 3601 is out of range (0 to 3600 seconds)");
	fails_at("bootloader {\n  timeout = -1\n}\n", 2,
		 "timeout -1 is out of range");
	fails_at(
		"\nkernel = \"boot/gnumach\"\n", 2,
		"kernel 'boot/gnumach' must be an absolute path inside the image");
	fails_at("hurd = \"gnu/store/x\"\n", 1,
		 "hurd 'gnu/store/x' must be an absolute path");
	fails_at("\n\nhost-name = \"\"\n", 3, "host-name must not be empty");
	fails_at("file-system \"/\" { }\n\nfile-system \"/\" { }\n", 3,
		 "found duplicate title '/'");
	fails_at("\nfile-system \"/home\" { }\n", 2,
		 "file-system '/home': only the root file system \"/\" is "
		 "supported");
	fails_at(
		"file-system \"/\" { label = \"12345678901234567\" }\n", 1,
		"file-system label '12345678901234567' is longer than 16 bytes");
	fails_at("directory \"a\" { }\ndirectory \"x\" { target = \"rel\" }\n",
		 2, "target 'rel' must be an absolute path inside the image");
	fails_at("archive \"x.tar\" { target = \"\" }\n", 1,
		 "target '' must be an absolute path");
	fails_at("bootloader { }\nbootloader { }\n", 2,
		 "a second bootloader section (the first is at line 1)");
	fails_at("translator-format = \"both\"\n", 1, "not allowed");
	fails_at("translators = \"some\"\n", 1,
		 "translators 'some' is not one of: guix, none");
	fails_at("translator \"/dev/x\" { }\n", 1, "has no command");
	fails_at("user \"bad name\" { }\n", 1, "not a valid user name");
	fails_at("service \"ftp\" { }\n", 1, "service 'ftp' is not known");
	fails_at("file \"/x\" { mode = 010000 }\n", 1,
		 "mode 010000 is out of range");
}
END_TEST

/* LeakSanitizer's check, when this is a sanitizer build (make mutants
 * runs one; ./configure --enable-sanitizers makes one): 0 when no block
 * is unreachable.  Without it the test below checks nothing. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* A configuration that fails to load is freed by config_load itself,
 * wherever it fails: the caller frees only what loaded (main does). */
START_TEST(a_failed_load_frees_what_it_allocated)
{
	static const char *const bad[] = {
		"host-name = \"gnu\"\nbootloader { }\nbootloader { }\n",
		"directory \"a\" { }\nuser \"bad name\" { }\n",
		"file-system \"/\" { size = \"12X\" }\n",
		"archive \"x.tar\" { target = \"\" }\ntranslator \"/dev/x\" { }\n",
	};
	struct os_config c;
	size_t i;

	if (!__lsan_do_recoverable_leak_check)
		return;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_conf(bad[i]);
		diag_clear();
		ck_assert_int_eq(config_load(file, all_kinds(), &c),
				 EXIT_USAGE);
		memset(&c, 0, sizeof(c)); /* what it holds is no longer ours */
		ck_assert_msg(
			__lsan_do_recoverable_leak_check() == 0,
			"config %zu: a failed load leaves blocks allocated", i);
	}
}
END_TEST

START_TEST(limits_are_inclusive)
{
	struct os_config c;

	load_ok("bootloader { timeout = 3600 }\n"
		"file-system \"/\" { label = \"1234567890123456\" size = \"1\" }\n",
		&c);
	ck_assert_int_eq(c.timeout, 3600);
	ck_assert_str_eq(c.fs_label, "1234567890123456");
	ck_assert_uint_eq(c.fs_size, 1);
	config_free(&c);
	load_ok("file-system \"/\" { label = \"\" size = \"guess\" }\n", &c);
	ck_assert_str_eq(c.fs_label, "");
	ck_assert_uint_eq(c.fs_size, 0);
	config_free(&c);
}
END_TEST

/*
 * libconfuse gives a section the line it ends on; errors found after
 * parsing (a section's title or settings) should point into the section,
 * not at its closing brace.
 */
START_TEST(errors_in_a_long_section_point_into_it)
{
	fails_at("file-system \"/home\" {\n  label = \"x\"\n}\n", 1,
		 "only the root file system");
	fails_at("host-name = \"x\"\n"
		 "directory \"x\" {\n"
		 "  target = \"rel\"\n"
		 "\n"
		 "}\n",
		 2, "target 'rel'");
	fails_at("file-system \"/\" {\n"
		 "  label = \"12345678901234567\"\n"
		 "}\n",
		 1, "longer than 16 bytes");
}
END_TEST

START_TEST(unreadable_files_are_named)
{
	struct os_config c;
	char path[512];

	diag_clear();
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	ck_assert_int_eq(config_load(path, all_kinds(), &c), EXIT_USAGE);
	config_free(&c);
	ck_assert_ptr_nonnull(diag_message());
	ck_assert_str_eq(
		diag_message(),
		strcat(strcpy((char[600]){ 0 }, path),
		       ": cannot read the configuration: No such file or directory"));
	write_bytes("host-name = \"x\"\n\0\n", 18);
	diag_clear();
	ck_assert_int_eq(config_load(file, all_kinds(), &c), EXIT_USAGE);
	config_free(&c);
	ck_assert_str_eq(
		diag_message(),
		strcat(strcpy((char[600]){ 0 }, file),
		       ": cannot read the configuration: it holds a NUL byte"));
}
END_TEST

/* A UTF-8 byte order mark is not part of the first key, and lines and
 * the rest of the file are as without it. */
START_TEST(a_byte_order_mark_is_skipped)
{
	struct os_config c;

	load_ok("\xef\xbb\xbfhost-name = \"bom\"\nbootloader { timeout = 7 }\n",
		&c);
	ck_assert_str_eq(c.host_name, "bom");
	ck_assert_int_eq(c.boot_line, 2);
	config_free(&c);
	fails_at("\xef\xbb\xbf\nfrob = 1\n", 2, "no such option 'frob'");
}
END_TEST

/* TEXT with every "@" replaced by 64 KiB of "x", malloc'd: 64 times the
 * message buffer.  Not more: libconfuse grows a string a little at a
 * time, which under ASan (realloc always copies) takes minutes for 1 MiB;
 * cli.sh passes 10 MB through the binary. */
static char *huge(const char *text)
{
	size_t n = 64 << 10, len = strlen(text) + n;
	char *out = malloc(len + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	for (; *text; text++) {
		if (*text == '@') {
			memset(o, 'x', n);
			o += n;
		} else {
			*o++ = *text;
		}
	}
	*o = '\0';
	return out;
}

/* A huge value is quoted by its first 60 bytes, then "...", then the
 * reason: in our messages and in libconfuse's. */
START_TEST(huge_values_leave_the_reason_in_the_message)
{
	static const struct {
		const char *text, *before, *after;
	} cases[] = {
		{ "host-name = \"@\"\n", "host-name '",
		  "...' is not a host name (letters, digits, '-' and '.')" },
		{ "kernel = \"@\"\n", "kernel '",
		  "...' must be an absolute path inside the image" },
		{ "\n@ = 1\n", "no such option '", "...'" },
		{ "file-system \"@\" { }\n", "file-system '",
		  "...': only the root file system \"/\" is supported" },
		{ "service \"openssh\" { log-level = \"@\" }\n", "log-level '",
		  "...' is not one of: quiet" },
	};
	char x60[61], want[256];
	size_t i;

	memset(x60, 'x', 60);
	x60[60] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *text = huge(cases[i].text);

		snprintf(want, sizeof(want), "%s%s%s", cases[i].before, x60,
			 cases[i].after);
		fails_at(text,
			 strchr(cases[i].text, '\n') <
					 strchr(cases[i].text, '@') ?
				 2 :
				 1,
			 want);
		ck_assert_uint_lt(strlen(diag_message()), 300);
		free(text);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	int failed;

	if (!mkdtemp(dir))
		return 1;
	/* The tests run in child processes: name the file here too, so
	 * that it can be removed at the end. */
	snprintf(file, sizeof(file), "%s/os.conf", dir);
	tcase_add_test(tc, every_field_is_read);
	tcase_add_test(tc, the_demo_config);
	tcase_add_test(tc, defaults_without_sections);
	tcase_add_test(tc, relative_paths_resolve_against_the_config);
	tcase_add_test(tc, directory_sources_in_file_order);
	tcase_add_test(tc, sources_in_file_order_when_kinds_interleave);
	tcase_add_test(tc, sources_on_one_line_keep_their_order);
	tcase_add_test(tc, unknown_options_name_their_line);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, a_missing_closing_brace_is_an_error);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, a_failed_load_frees_what_it_allocated);
	tcase_add_test(tc, limits_are_inclusive);
	tcase_add_test(tc, errors_in_a_long_section_point_into_it);
	tcase_add_test(tc, unreadable_files_are_named);
	tcase_add_test(tc, a_byte_order_mark_is_skipped);
	tcase_add_test(tc, huge_values_leave_the_reason_in_the_message);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	unlink(file);
	rmdir(dir);
	return failed;
}
