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
#include "hurd-boot.h"
#include "mbr.h"
#include "sexp.h"
#include "strbuf.h"

/* ---- grub.cfg ---- */

static void add_words(struct strbuf *b, char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sb_add(b, " ");
		sb_add(b, words[i]);
	}
}

/* FILE as a word: store paths are plain and stay as they are. */
static void add_file(struct strbuf *b, const char *file)
{
	char *q = hurd_boot_quote(file);

	if (!q) {
		b->oom = 1;
		return;
	}
	sb_add(b, q);
	free(q);
}

/* GRUB's 10_hurd, as grub-mkconfig writes it on Debian GNU/Hurd. */
static void entry_grub(struct strbuf *b, const struct boot_entry *e)
{
	size_t i;

	sb_add(b, "menuentry ");
	add_file(b, e->title);
	sb_add(b, " {\n\tinsmod part_msdos\n\tinsmod ext2\n"
		  "\techo 'Loading GNU Mach ...'\n\tmultiboot ");
	add_file(b, e->kernel);
	add_words(b, e->args, e->nargs);
	sb_add(b, "\n\techo 'Loading the Hurd ...'\n");
	for (i = 0; i < e->nmodules; i++) {
		sb_add(b, "\tmodule ");
		add_file(b, e->modules[i].words[0]);
		add_words(b, e->modules[i].words + 1, e->modules[i].nwords - 1);
		sb_add(b, "\n");
	}
	sb_add(b, "}\n");
}

/* Guix's gnu/bootloader/grub.scm, multiboot case: the title as Scheme's
 * ~s writes a string, two-space indentation, words verbatim. */
static void entry_guix(struct strbuf *b, const struct boot_entry *e)
{
	size_t i;

	sb_add(b, "menuentry ");
	sexp_add_string(b, e->title, strlen(e->title));
	sb_add(b, " {\n  multiboot ");
	sb_add(b, e->kernel);
	add_words(b, e->args, e->nargs);
	for (i = 0; i < e->nmodules; i++) {
		sb_add(b, "\n  module ");
		sb_add(b, e->modules[i].words[0]);
		add_words(b, e->modules[i].words + 1, e->modules[i].nwords - 1);
	}
	sb_add(b, "\n}\n");
}

char *grub_cfg_generate(const struct grub_settings *g,
			const struct boot_entry *e)
{
	struct strbuf b;

	sb_init(&b);
	sb_add(&b,
	       "# GRUB configuration for GNU/Hurd, written by " PACKAGE_STRING
	       ".\n");
	sb_addf(&b, "set default=0\nset timeout=%ld\n", g->timeout);
	if (g->serial)
		sb_add(&b,
		       "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
		       "terminal_input serial console\n"
		       "terminal_output serial console\n");
	sb_add(&b, "\n");
	if (e->style == BOOT_STYLE_GUIX)
		entry_guix(&b, e);
	else
		entry_grub(&b, e);
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
		sector[GRUB_BOOT_KERNEL_SECTOR + i] =
			(uint8_t)(core_lba >> (8 * i));
	sector[GRUB_BOOT_DRIVE] = 0xff;
	sector[GRUB_BOOT_DRIVE_CHECK] = 0x90;
	sector[GRUB_BOOT_DRIVE_CHECK + 1] = 0x90;
}

/* ---- the grub-pc bootloader ---- */

/* Its options in the bootloader section. */
struct grub_conf {
	char *dir;     /* GRUB's i386-pc files on the host */
	char *mkimage; /* the grub-mkimage program */
};

static cfg_opt_t grub_opts[] = {
	CFG_STR("grub-directory", DEFAULT_GRUB_DIRECTORY, CFGF_NONE),
	CFG_STR("grub-mkimage", "grub-mkimage", CFGF_NONE), CFG_END()
};

static int grub_parse(cfg_t *sec, const struct os_config *cfg, int line,
		      void *object)
{
	struct os_config *c = object;
	struct grub_conf *g = calloc(1, sizeof(*g));

	if (!g)
		return diag_error(EXIT_BUILD, "out of memory");
	g->dir = config_resolve(cfg, cfg_getstr(sec, "grub-directory"));
	g->mkimage = config_strdup(cfg_getstr(sec, "grub-mkimage"));
	c->bootloader = g;
	return 0;
}

static void grub_conf_free(void *data)
{
	struct grub_conf *g = data;

	if (g) {
		free(g->dir);
		free(g->mkimage);
	}
	free(g);
}

static const struct grub_conf *g_conf(const struct bootloader *b)
{
	return b->cfg->bootloader;
}

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
		return diag_error_at(EXIT_BUILD, b->cfg->file,
				     b->cfg->boot_line, "%s", msg);
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
		*data = NULL; /* the caller frees it on failure too */
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

static int run_mkimage(struct bootloader *b, struct grub_state *g)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char out[4096], prefix[64], partmap[32];
	int fd, status, err = 0;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/mkhurdimg-core.XXXXXX", tmpdir);
	fd = mkstemp(out);
	if (fd < 0)
		return diag_error(EXIT_BUILD,
				  "%s: cannot create a temporary file: %s", out,
				  strerror(errno));
	close(fd);
	snprintf(prefix, sizeof(prefix), "(,%s%u)/boot/grub", b->partmap,
		 b->boot->root_partition);
	snprintf(partmap, sizeof(partmap), "part_%s", b->partmap);
	pid = fork();
	if (pid == 0) {
		execlp(g_conf(b)->mkimage, g_conf(b)->mkimage, "-O", "i386-pc",
		       "-d", g_conf(b)->dir, "-o", out, "-p", prefix,
		       "biosdisk", partmap, "ext2", (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		err = diag_error(EXIT_BUILD, "cannot run %s: %s",
				 g_conf(b)->mkimage, strerror(errno));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err = grub_fail(
			b,
			"%s not found: install grub-common, or set grub-mkimage in the bootloader section",
			g_conf(b)->mkimage);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		err = grub_fail(
			b, "%s failed to make core.img (see its message above)",
			g_conf(b)->mkimage);
	else if (read_file(out, &g->core, &g->core_len) || g->core_len < 512)
		err = diag_error(EXIT_BUILD, "%s: cannot read core.img back",
				 out);
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
		return 0; /* not a file: nothing of GRUB's to copy */
	}
	ino->mtime = mtime;
	if (tree_inode_set_host(ino, host, &st)) {
		tree_inode_free(ino);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	return tree_put(t, image, ino, NULL) ? EXIT_BUILD : 0;
}

static int grub_file(const char *name)
{
	size_t l = strlen(name);

	return l >= 5 &&
	       (!strcmp(name + l - 4, ".mod") ||
		!strcmp(name + l - 4, ".lst") || !strcmp(name, "boot.img"));
}

/* Every module and list of the GRUB build that made core.img: modules
 * of another build fail with symbol errors. */
static int add_modules_dir(struct bootloader *b, struct tree *t, int64_t mtime)
{
	char **names;
	size_t n, i;
	int r = 0;

	/* grub-mkimage reads kernel.img and the rest from here too. */
	if (inputs_add(b->inputs, g_conf(b)->dir))
		return EXIT_BUILD;
	if (dirlist(g_conf(b)->dir, grub_file, &names, &n))
		return grub_fail(
			b,
			"%s: GRUB's i386-pc directory cannot be read: install grub-pc-bin or set grub-directory in the bootloader section",
			g_conf(b)->dir);
	for (i = 0; !r && i < n; i++)
		r = add_host_file(t, g_conf(b)->dir, names[i],
				  "/boot/grub/i386-pc", mtime);
	dirlist_free(names, n);
	return r;
}

static int grub_prepare(struct bootloader *b, struct tree *t, int64_t mtime)
{
	struct grub_state *g = calloc(1, sizeof(*g));
	const struct os_config *c = b->cfg;
	struct grub_settings settings = { c->timeout, c->serial };
	char bootimg[4096];
	uint8_t *data = NULL;
	size_t len = 0;
	char *cfg;
	int r;

	if (!g)
		return diag_error(EXIT_BUILD, "out of memory");
	b->priv = g;
	snprintf(bootimg, sizeof(bootimg), "%s/boot.img", g_conf(b)->dir);
	if (read_file(bootimg, &data, &len) || len != 512) {
		free(data);
		return grub_fail(
			b,
			"%s: GRUB's boot.img is missing or not 512 bytes: install grub-pc-bin or set grub-directory in the bootloader section",
			bootimg);
	}
	memcpy(g->boot_img, data, 512);
	free(data);
	if ((r = run_mkimage(b, g)) || (r = add_modules_dir(b, t, mtime)) ||
	    (r = tree_add_data(t, "/boot/grub/i386-pc/core.img", 0644, g->core,
			       g->core_len, mtime)))
		return r;
	b->gap = g->core_len; /* core.img at LBA 1 */
	cfg = grub_cfg_generate(&settings, &b->boot->entry);
	if (!cfg)
		return diag_error(EXIT_BUILD, "out of memory");
	r = tree_add_data(t, "/boot/grub/grub.cfg", 0644, cfg, strlen(cfg),
			  mtime);
	free(cfg);
	return r;
}

static int grub_install(struct bootloader *b, struct disk *d,
			uint8_t sector0[512])
{
	struct grub_state *g = b->priv;

	/* The layout left b->gap bytes after sector 0.  core.img at LBA 1: grub-mkimage's own blocklist (start 2, the
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
	.conf = {
		.name = "grub-pc",
		.opts = grub_opts,
		.parse = grub_parse,
		.release = grub_conf_free,
	},
	.prepare = grub_prepare,
	.install = grub_install,
	.release = grub_release,
};
