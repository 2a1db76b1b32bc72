/* grub.c - GRUB for BIOS, installed natively
 *
 * grub-bios-setup cannot install onto an image file it cannot mount, so
 * we do its BIOS path ourselves (hurd-disk-format.md, section 5):
 * grub-mkimage (a child process) makes core.img, which goes to LBA 1 in
 * the gap before the root partition; GRUB's boot.img code goes to sector
 * 0 around our partition table, pointed at core.img.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootloader.h"
#include "diag.h"
#include "dirlist.h"
#include "grub.h"
#include "hurd.h"
#include "mbr.h"
#include "strbuf.h"

/* ---- grub.cfg ---- */

/* GRUB word quoting: single quotes, with ' written as '\''. */
static void add_quoted(struct strbuf *b, const char *s)
{
	const char *p;
	int plain = *s != '\0';

	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789=:/._,+-@", *p))
			plain = 0;
	if (plain) {
		sb_add(b, s);
		return;
	}
	sb_add(b, "'");
	for (p = s; *p; p++) {
		if (*p == '\'')
			sb_add(b, "'\\''");
		else
			sb_addf(b, "%c", *p);
	}
	sb_add(b, "'");
}

static int has_arg(char *const *args, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(args[i], word))
			return 1;
	return 0;
}

enum disk_driver grub_effective_driver(enum disk_driver type_driver,
				       char *const *args, size_t nargs)
{
	if (type_driver == DRIVER_WD || has_arg(args, nargs, "noide"))
		return DRIVER_WD;
	return DRIVER_HD;
}

static void add_server(struct strbuf *b, const struct grub_menu *m,
		       const char *file, const char *argv0)
{
	size_t len = strlen(m->hurd);

	while (len > 0 && m->hurd[len - 1] == '/')
		len--;
	sb_addf(b, "\tmodule %.*s/hurd/%s %s", (int)len, m->hurd, file, argv0);
}

/* The host and device ports go to the first task of the chain, which
 * hands them on; only that one is resumed by GNU Mach. */
static void add_ports(struct strbuf *b, int first)
{
	if (first)
		sb_add(b, " --host-priv-port='${host-port}' --device-master-port='${device-port}'");
}

static void add_resume(struct strbuf *b, int first)
{
	if (first)
		sb_add(b, " '$(task-resume)'");
	sb_add(b, "\n");
}

static void add_modules(struct strbuf *b, const struct grub_menu *m,
			enum disk_driver driver)
{
	static const struct {
		const char *file, *argv0, *task;
	} chain[] = {
		{ "pci-arbiter.static", "pci-arbiter", "pci-task" },
		{ "acpi.static", "acpi", "acpi-task" },
		{ "rumpdisk.static", "rumpdisk", "disk-task" },
	};
	int present[3] = { m->has_pci_arbiter, m->has_acpi, 1 };
	int first = 1, i, j;

	for (i = 0; driver == DRIVER_WD && i < 3; i++) {
		const char *next = "fs-task";

		if (!present[i])
			continue;
		for (j = i + 1; j < 3; j++) {
			if (present[j]) {
				next = chain[j].task;
				break;
			}
		}
		add_server(b, m, chain[i].file, chain[i].argv0);
		add_ports(b, first);
		sb_addf(b, " --next-task='${%s}' '$(%s=task-create)'", next,
			chain[i].task);
		add_resume(b, first);
		first = 0;
	}
	add_server(b, m, "ext2fs.static", "ext2fs");
	sb_add(b, " --readonly --multiboot-command-line='${kernel-command-line}'");
	add_ports(b, first);
	sb_add(b, " --exec-server-task='${exec-task}' -T typed '${root}' '$(fs-task=task-create)'");
	add_resume(b, first);
	if (m->exec == EXEC_STATIC) {
		add_server(b, m, "exec.static", "exec");
	} else {
		size_t len = strlen(m->hurd);

		while (len > 0 && m->hurd[len - 1] == '/')
			len--;
		sb_addf(b, "\tmodule %s exec %.*s/hurd/exec", m->dynamic_linker,
			(int)len, m->hurd);
	}
	sb_add(b, " '$(exec-task=task-create)'\n");
}

char *grub_cfg_generate(const struct grub_menu *m)
{
	enum disk_driver driver =
		grub_effective_driver(m->driver, m->kernel_args, m->nkernel_args);
	struct strbuf b;
	size_t i;

	sb_init(&b);
	sb_add(&b, "# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING ".\n");
	sb_addf(&b, "set default=0\nset timeout=%ld\n", m->timeout);
	if (m->serial)
		sb_add(&b, "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
			   "terminal_input serial console\n"
			   "terminal_output serial console\n");
	sb_add(&b, "\nmenuentry ");
	add_quoted(&b, m->title);
	sb_add(&b, " {\n\tinsmod part_msdos\n\tinsmod ext2\n"
		   "\techo 'Loading GNU Mach ...'\n\tmultiboot ");
	add_quoted(&b, m->kernel);
	sb_addf(&b, " root=part:1:device:%s0", driver == DRIVER_WD ? "wd" : "hd");
	if (driver == DRIVER_WD && !has_arg(m->kernel_args, m->nkernel_args, "noide"))
		sb_add(&b, " noide");
	if (m->serial && !has_arg(m->kernel_args, m->nkernel_args, "console=com0"))
		sb_add(&b, " console=com0");
	for (i = 0; i < m->nkernel_args; i++) {
		sb_add(&b, " ");
		add_quoted(&b, m->kernel_args[i]);
	}
	sb_add(&b, "\n\techo 'Loading the Hurd ...'\n");
	add_modules(&b, m, driver);
	sb_add(&b, "}\n");
	return sb_take(&b);
}

/* ---- boot sector ---- */

void grub_patch_boot_sector(uint8_t sector[512], const uint8_t boot_img[512],
			    uint64_t core_lba)
{
	int i;

	/* GRUB's code ends where the disk signature and the table begin. */
	memcpy(sector, boot_img, MBR_BOOT_CODE_SIZE);
	for (i = 0; i < 8; i++)
		sector[GRUB_BOOT_KERNEL_SECTOR + i] = (uint8_t)(core_lba >> (8 * i));
	sector[GRUB_BOOT_DRIVE] = 0xff;
	sector[GRUB_BOOT_DRIVE_CHECK] = 0x90;
	sector[GRUB_BOOT_DRIVE_CHECK + 1] = 0x90;
}

/* ---- the grub-pc bootloader ---- */

struct grub_state {
	uint8_t boot_img[512];
	uint8_t *core;
	size_t core_len;
};

static int __attribute__((format(printf, 2, 3)))
grub_fail(const struct bootloader *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->cfg->boot_line)
		return diag_error_at(EXIT_BUILD, b->cfg->file, b->cfg->boot_line,
				     "%s", msg);
	return diag_error(EXIT_BUILD, "%s", msg);
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_size > 64 << 20 ||
	    !(*data = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -1;
	}
	n = read(fd, *data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(*data);
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

static int run_mkimage(struct bootloader *b, struct grub_state *g)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char out[4096];
	int fd, status, err = 0;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/mkhurdimg-core.XXXXXX", tmpdir);
	fd = mkstemp(out);
	if (fd < 0)
		return diag_error(EXIT_BUILD, "%s: cannot create a temporary file: %s",
				  out, strerror(errno));
	close(fd);
	pid = fork();
	if (pid == 0) {
		execlp(b->cfg->grub_mkimage, b->cfg->grub_mkimage, "-O", "i386-pc",
		       "-d", b->cfg->grub_dir, "-o", out, "-p", GRUB_CORE_PREFIX,
		       "biosdisk", "part_msdos", "ext2", (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		err = diag_error(EXIT_BUILD, "cannot run %s: %s",
				 b->cfg->grub_mkimage, strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = grub_fail(b, "%s not found: install grub-common, or set grub-mkimage in the bootloader section",
				b->cfg->grub_mkimage);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		err = grub_fail(b, "%s failed to make core.img (see its message above)",
				b->cfg->grub_mkimage);
	else if (read_file(out, &g->core, &g->core_len) || g->core_len < 512)
		err = diag_error(EXIT_BUILD, "%s: cannot read core.img back", out);
	unlink(out);
	return err;
}

static int add_host_file(struct tree *t, const char *dir, const char *name,
			 const char *image_dir, int64_t mtime)
{
	struct tree_inode *ino = tree_inode_new(t, S_IFREG | 0644);
	char host[4096], image[512];
	struct stat st;

	snprintf(host, sizeof(host), "%s/%s", dir, name);
	snprintf(image, sizeof(image), "%s/%s", image_dir, name);
	if (!ino)
		return diag_error(EXIT_BUILD, "out of memory");
	if (stat(host, &st) || !S_ISREG(st.st_mode)) {
		tree_inode_free(ino);
		return 0;	/* not a file: nothing of GRUB's to copy */
	}
	ino->mtime = mtime;
	ino->size = (uint64_t)st.st_size;
	if (st.st_size) {
		ino->content = CONTENT_HOST;
		ino->host_mtime = st.st_mtim;
		ino->host_path = strdup(host);
	}
	return tree_put(t, image, ino, NULL) ? EXIT_BUILD : 0;
}

static int grub_file(const char *name)
{
	size_t l = strlen(name);

	return l >= 5 && (!strcmp(name + l - 4, ".mod") || !strcmp(name + l - 4, ".lst") ||
			  !strcmp(name, "boot.img"));
}

/* Every module and list of the GRUB build that made core.img: modules
 * of another build fail with symbol errors. */
static int add_modules_dir(struct bootloader *b, struct tree *t, int64_t mtime)
{
	char **names;
	size_t n, i;
	int r = 0;

	/* grub-mkimage reads kernel.img and the rest from here too. */
	if (tree_add_input(t, b->cfg->grub_dir))
		return EXIT_BUILD;
	if (dirlist(b->cfg->grub_dir, grub_file, &names, &n))
		return grub_fail(b, "%s: GRUB's i386-pc directory cannot be read: install grub-pc-bin or set grub-directory in the bootloader section",
				 b->cfg->grub_dir);
	for (i = 0; !r && i < n; i++)
		r = add_host_file(t, b->cfg->grub_dir, names[i],
				  "/boot/grub/i386-pc", mtime);
	dirlist_free(names, n);
	return r;
}

/* A file the boot needs must be in the tree, as a regular file. */
static int need_file(const struct bootloader *b, struct tree *t,
		     const char *path, const char *what)
{
	int hops;
	struct tree_node *n = tree_follow(t, path, &hops);

	if (n && ((n->inode->mode & S_IFMT) == S_IFREG))
		return 0;
	if (n && tree_is_dir(n->inode))
		return diag_error(EXIT_BUILD,
				  "%s: %s %s is a directory in the image, not a file; change the configuration",
				  b->cfg->file, what, path);
	if (n)
		return diag_error(EXIT_BUILD,
				  "%s: %s %s is not a regular file in the image; change the configuration",
				  b->cfg->file, what, path);
	if (hops)
		return diag_error(EXIT_BUILD,
				  "%s: %s %s is a symlink that leads to no file in the image; add it with a source or change the configuration",
				  b->cfg->file, what, path);
	return diag_error(EXIT_BUILD,
			  "%s: %s %s is not in the image; add it with a source or change the configuration",
			  b->cfg->file, what, path);
}

static int has_file(struct tree *t, const char *hurd, const char *rel)
{
	char *p = hurd_path(hurd, rel);
	struct tree_node *n = p ? tree_lookup(t, p) : NULL;

	free(p);
	return n && (n->inode->mode & S_IFMT) == S_IFREG;
}

static int check_servers(struct bootloader *b, struct tree *t,
			 struct grub_menu *m, enum disk_driver driver)
{
	const char *need[3] = { "hurd/ext2fs.static",
				m->exec == EXEC_STATIC ? "hurd/exec.static" : "hurd/exec",
				driver == DRIVER_WD ? "hurd/rumpdisk.static" : NULL };
	int i, r;

	for (i = 0; i < 3; i++) {
		char *p;

		if (!need[i])
			continue;
		p = hurd_path(m->hurd, need[i]);
		r = p ? need_file(b, t, p, "the Hurd server") : EXIT_BUILD;
		free(p);
		if (r)
			return r;
	}
	if (m->exec == EXEC_LDSO)
		return need_file(b, t, m->dynamic_linker, "the dynamic linker");
	return 0;
}

static int grub_prepare(struct bootloader *b, struct tree *t, int64_t mtime)
{
	struct grub_state *g = calloc(1, sizeof(*g));
	const struct os_config *c = b->cfg;
	struct grub_menu m;
	char title[256], bootimg[4096];
	uint8_t *data = NULL;
	size_t len = 0;
	char *cfg;
	int r;

	if (!g)
		return diag_error(EXIT_BUILD, "out of memory");
	b->priv = g;
	snprintf(bootimg, sizeof(bootimg), "%s/boot.img", c->grub_dir);
	if (read_file(bootimg, &data, &len) || len != 512) {
		free(data);
		return grub_fail(b, "%s: GRUB's boot.img is missing or not 512 bytes: install grub-pc-bin or set grub-directory in the bootloader section",
				 bootimg);
	}
	memcpy(g->boot_img, data, 512);
	free(data);
	if ((r = run_mkimage(b, g)) || (r = add_modules_dir(b, t, mtime)) ||
	    (r = tree_add_data(t, "/boot/grub/i386-pc/core.img", 0644, g->core,
			       g->core_len, mtime)))
		return r;

	memset(&m, 0, sizeof(m));
	snprintf(title, sizeof(title), "GNU with the Hurd (%s)", c->host_name);
	m.title = title;
	m.kernel = c->kernel;
	m.hurd = c->hurd;
	m.driver = b->type->driver;
	m.exec = b->type->exec;
	m.dynamic_linker = b->type->dynamic_linker;
	m.kernel_args = c->kernel_args;
	m.nkernel_args = c->nkernel_args;
	m.serial = c->serial;
	m.timeout = c->timeout;
	m.has_pci_arbiter = has_file(t, c->hurd, "hurd/pci-arbiter.static");
	m.has_acpi = has_file(t, c->hurd, "hurd/acpi.static");
	if ((r = need_file(b, t, c->kernel, "the kernel")) ||
	    (r = check_servers(b, t, &m,
			       grub_effective_driver(m.driver, m.kernel_args,
						     m.nkernel_args))))
		return r;
	cfg = grub_cfg_generate(&m);
	if (!cfg)
		return diag_error(EXIT_BUILD, "out of memory");
	r = tree_add_data(t, "/boot/grub/grub.cfg", 0644, cfg, strlen(cfg), mtime);
	free(cfg);
	return r;
}

static int grub_install(struct bootloader *b, struct disk *d,
			uint8_t sector0[512], uint64_t root_offset)
{
	struct grub_state *g = b->priv;

	if (512 + g->core_len > root_offset)
		return diag_error(EXIT_BUILD,
				  "GRUB's core.img (%zu bytes) does not fit in the %llu bytes before the root partition; use an image type with a larger root-offset",
				  g->core_len, (unsigned long long)root_offset - 512);
	/* core.img at LBA 1: grub-mkimage's own blocklist (start 2, the
	 * rest of the image) is then already right. */
	grub_patch_boot_sector(sector0, g->boot_img, 1);
	return disk_write(d, g->core, g->core_len, 512);
}

static void grub_release(struct bootloader *b)
{
	struct grub_state *g = b->priv;

	if (g)
		free(g->core);
	free(g);
	b->priv = NULL;
}

const struct bootloader_ops bootloader_grub_pc = {
	.name = "grub-pc",
	.prepare = grub_prepare,
	.install = grub_install,
	.release = grub_release,
};
