/* config.h - os.conf, the description of the system to build */
#ifndef MKHURDIMG_CONFIG_H
#define MKHURDIMG_CONFIG_H

#include <confuse.h>
#include <stddef.h>
#include <stdint.h>

struct os_config;

/* A libconfuse validating callback for one option of a kind's. */
struct conf_check {
	const char *option;
	int (*check)(cfg_t *sec, cfg_opt_t *opt);
};

/* A kind that a higher stage owns and the configuration names (a
 * partition type, ...): its own options, their checks, and the step that
 * reads a parsed section into the object it configures.  config.c splices
 * the options into the schema; it never looks inside a kind. */
struct conf_kind {
	const char *name;
	cfg_opt_t *opts;		 /* CFG_END-terminated */
	const struct conf_check *checks; /* { NULL } ends; or NULL */
	/* Fill OBJECT (an os_partition, ...) from SEC, which starts at LINE
	 * of CFG's file.  0, or EXIT_USAGE with a FILE:LINE message. */
	int (*parse)(cfg_t *sec, const struct os_config *cfg, int line,
		     void *object);
	void (*release)(void *data); /* the object's DATA, or NULL */
};

/* The kinds this build knows, gathered from their registries: sections
 * of their own (sources), types of a partition section, and the image
 * type's bootloader, whose options join the bootloader section's. */
struct config_kinds {
	const struct conf_kind *const *sources;	   /* NULL-terminated */
	const struct conf_kind *const *partitions; /* NULL-terminated */
	const struct conf_kind *bootloader;	   /* or NULL */
};

/* The kernel when neither the configuration nor a Guix system names one. */
#define DEFAULT_KERNEL "/boot/gnumach.gz"

/* One source section; sources are kept in the order they appear in the
 * file, whatever their kind, because later sources override earlier ones.
 * The kind's parse step fills it; what only that kind has is in DATA. */
struct os_source {
	const struct conf_kind *kind; /* a source kind's (source.h) */
	int seq;		      /* place among the file's sections */
	char *path;   /* the title: a host path resolved against the
				 * config's directory, or a path in the image */
	char *target; /* where it goes in the image */
	void *data;   /* the kind's own options, parsed */
	int line;
};

/* The default max-ratio: far above real archives (xz on a store is
 * about 5:1, gzip of zeros about 1000:1 at most) yet it stops a bomb
 * that would fill the disk. */
#define SOURCE_MAX_RATIO 1000
/* Below this many uncompressed bytes no ratio is too high. */
#define SOURCE_RATIO_FLOOR (64ull << 20)

/* partition "NAME" { type = ext2|swap|raw  size = ... }: one entry of the
 * partition table, in the file's order.  The root file system is the
 * ext2 partition mounted at "/"; without one, it is partition 1. */
struct os_partition {
	char *name;
	const struct conf_kind *kind; /* its type */
	void *data;		      /* the kind's own options, parsed */
	uint64_t size;		      /* bytes; 0: guess, or the kind's */
	uint64_t offset;	      /* bytes; 0: after the previous one */
	int mbr_type;		      /* -1: the kind's */
	char *mount_point;	      /* file systems: where in the tree */
	char *label;		      /* NULL: the kind's default */
	int line;		      /* of its section (the root made from
					 * file-system "/": that one's, or 0) */
	int implicit;		      /* that root: no partition section */
};

/* Swap is a header page and at least 9 more (mkswap's minimum). */
#define PARTITION_SWAP_MIN (40 * 1024)

/* permissions "GLOB" { owner = N group = N mode = N } */
struct os_rule {
	char *glob;
	long uid, gid, mode; /* -1: leave as it is */
	int line;
};

/* translator "/PATH" { command = { ... } mode = N remove = BOOL } */
struct os_translator {
	char *path;
	char **argv;
	size_t argc;
	long mode;
	int remove;
	int line;
};

/* user "NAME" { ... }: an account, as Guix's user-account */
struct os_user {
	char *name;
	long uid; /* -1: allocated from 1000 up */
	char *group;
	char **groups; /* supplementary */
	size_t ngroups;
	char *comment;
	char *home;
	char *shell;
	char *password; /* "" empty, "!" locked, or a crypt hash */
	int line;
};

/* group "NAME" { gid = N } */
struct os_group {
	char *name;
	long gid; /* -1: allocated from 999 down */
	int line;
};

/* service "openssh" { ... }: Guix's openssh-configuration fields that
 * shape sshd_config, with Guix's defaults */
struct os_openssh {
	int enabled;
	long port;
	char *permit_root_login; /* yes, no, prohibit-password */
	int allow_empty_passwords;
	int password_authentication;
	int public_key_authentication;
	int x11_forwarding;
	int allow_agent_forwarding;
	int allow_tcp_forwarding;
	int gateway_ports;
	char *pid_file;
	int challenge_response_authentication;
	int use_pam;
	int print_last_log;
	char *log_level;   /* info, verbose, ...: written upper-case */
	char **accept_env; /* AcceptEnv NAME */
	size_t naccept_env;
	char **subsystems; /* "NAME COMMAND" */
	size_t nsubsystems;
	char *extra_content; /* appended as it is, then a newline */
	int line;
};

struct os_config {
	char *file; /* the config file as named on the command line */
	char *host_name;
	char *kernel; /* GNU Mach image, path inside the image */
	char *hurd;   /* directory inside the image holding hurd/ */
	char **kernel_args;
	size_t nkernel_args;
	/* Where each was set; 0 when not (a Guix system then gives them). */
	int kernel_line, hurd_line, kernel_args_line;

	char *fs_label;
	int fs_label_line;  /* 0: the default label */
	uint64_t fs_size;   /* bytes; 0 = guess */
	unsigned max_depth; /* components in a path, at most */
	int fs_line;

	long timeout;	  /* the bootloader's menu timeout, seconds */
	int serial;	  /* bootloader and GNU Mach on the serial console */
	void *bootloader; /* the bootloader kind's own options, parsed */
	const struct conf_kind *bootloader_kind; /* it, to free them */
	int boot_line; /* line of the bootloader section, 0 if none */

	struct os_partition *partitions; /* the root's included */
	size_t npartitions;
	size_t root_partition; /* its index: partition number - 1 */

	struct os_source *sources;
	size_t nsources;
	struct os_rule *rules;
	size_t nrules;

	int guix_translators;	/* the default table: translators = "guix" */
	int legacy_translators; /* translator-format = "legacy" */
	struct os_translator *translators;
	size_t ntranslators;

	char *timezone; /* NULL: no /etc/timezone, /etc/localtime */
	struct os_user *users;
	size_t nusers;
	struct os_group *groups;
	size_t ngroups;
	struct os_openssh openssh;
	char *secrets;	/* host directory copied in, 0600 root; or NULL */
	int offloading; /* the childhurd's offloading account, root locked */
	int register_store; /* register closures in /var/guix/db */
	char *guix_system;  /* the system item, for /var/guix/profiles */
	int guix_system_line;
};

/* Parse PATH, with the option sets of KINDS (NULL: no partition types).
 * Returns 0, or EXIT_USAGE with a FILE:LINE message. */
int config_load(const char *path, const struct config_kinds *kinds,
		struct os_config *cfg);
void config_free(struct os_config *cfg);

/* Join a relative path from the config onto the config file's directory. */
char *config_resolve(const struct os_config *cfg, const char *path);

/* "partition 'NAME'", or "the root file system" for the implicit one,
 * into BUF: how messages name P. */
const char *config_partition_what(const struct os_partition *p, char *buf,
				  size_t len);

/* For the kinds' parse steps: a copy of S (exits when out of memory), and
 * the option checks every kind may use. */
char *config_strdup(const char *s);
int config_check_size(cfg_t *sec, cfg_opt_t *opt);  /* guess or a size */
int config_check_range(cfg_t *sec, cfg_opt_t *opt); /* max-ratio, timeout */
int config_check_mode(cfg_t *sec, cfg_opt_t *opt);  /* 0 to 07777 */
int config_check_id(cfg_t *sec, cfg_opt_t *opt);    /* a uid or gid */
int config_check_label(cfg_t *sec, cfg_opt_t *opt); /* at most 16 bytes */
/* An absolute path in the image, without ".", ".." or empty components. */
int config_image_path_ok(const char *path);

#endif
