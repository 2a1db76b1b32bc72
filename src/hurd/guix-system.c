/* guix-system.c - a Guix system item's boot parameters
 *
 * Read as Guix's read-boot-parameters reads them (gnu/system.scm):
 * fields are looked up by name, unknown ones ignored; an unknown version
 * is refused, because a newer Guix may mean something else by the
 * fields.  Where Guix would fail later (a Linux system, a store on a
 * separate file system), we fail here, naming the byte.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "guix-system.h"
#include "sexp.h"
#include "strbuf.h"

static int __attribute__((format(printf, 3, 4)))
bad(const char *file, size_t offset, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_error(EXIT_BUILD, "%s: byte %zu: %s", file, offset, msg);
}

/* The value of (NAME VALUE): exactly one item after the name. */
static const struct sexp *value(const struct sexp *top, const char *name,
				const char *file, int required, int *err)
{
	const struct sexp *f = sexp_field(top, name);

	*err = 0;
	if (!f) {
		if (required)
			*err = bad(file, top->offset, "no (%s ...) field",
				   name);
		return NULL;
	}
	if (f->len != 2) {
		*err = bad(file, f->offset, "(%s ...) must hold one value",
			   name);
		return NULL;
	}
	return f->items[1];
}

static int string_value(const struct sexp *v, const char *what,
			const char *file, char **out)
{
	if (v->type != SEXP_STRING)
		return bad(file, v->offset, "%s is not a string", what);
	if (strlen(v->text) != v->len)
		return bad(file, v->offset, "%s holds a NUL character", what);
	if (!(*out = strdup(v->text)))
		return diag_error(EXIT_BUILD, "out of memory");
	return 0;
}

/* A list of strings, each without NUL, into a NULL-terminated vector. */
static int string_list(const struct sexp *v, const char *what, const char *file,
		       char ***out, size_t *n)
{
	size_t i;
	int r;

	if (v->type != SEXP_LIST)
		return bad(file, v->offset, "%s is not a list of strings",
			   what);
	if (!(*out = calloc(v->len + 1, sizeof(char *))))
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < v->len; i++) {
		if (v->items[i]->type != SEXP_STRING)
			return bad(file, v->items[i]->offset,
				   "%s is not a list of strings", what);
		if ((r = string_value(v->items[i], what, file, &(*out)[i])))
			return r;
		*n = i + 1;
	}
	return 0;
}

static int parse_version(const struct sexp *top, const char *file,
			 struct guix_boot_params *p)
{
	int err;
	const struct sexp *v = value(top, "version", file, 1, &err);

	if (err)
		return err;
	if (v->type != SEXP_INTEGER)
		return bad(file, v->offset, "the version is not a number");
	if (v->integer < 0 || v->integer > GUIX_BOOT_PARAMETERS_VERSION)
		return bad(
			file, v->offset,
			"boot-parameters version %lld is not known (0 to %d are); a newer Guix made it",
			v->integer, GUIX_BOOT_PARAMETERS_VERSION);
	p->version = (long)v->integer;
	return 0;
}

static void uuid_string(const uint8_t u[16], char out[37])
{
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += (size_t)sprintf(out + o, "%02x", u[i]);
	}
}

static int set_uuid(const struct sexp *bv, const char *file,
		    struct guix_boot_params *p)
{
	char s[37];

	if (bv->type != SEXP_BYTEVECTOR || bv->len != 16)
		return bad(file, bv->offset,
			   "a DCE UUID is a #vu8 bytevector of 16 bytes");
	memcpy(p->root_uuid, bv->text, 16);
	uuid_string(p->root_uuid, s);
	p->root_kind = GUIX_ROOT_UUID;
	return (p->root = strdup(s)) ? 0 :
				       diag_error(EXIT_BUILD, "out of memory");
}

/* Guix's device-sexp->device, for a root the image's ext2 can be. */
static int parse_root(const struct sexp *top, const char *file,
		      struct guix_boot_params *p)
{
	int err;
	const struct sexp *v = value(top, "root-device", file, 1, &err);

	if (err)
		return err;
	if (v->type == SEXP_BYTEVECTOR) /* the old format */
		return set_uuid(v, file, p);
	if (sexp_is_form(v, "uuid")) {
		if (v->len != 3 || v->items[1]->type != SEXP_SYMBOL)
			return bad(
				file, v->offset,
				"a root-device uuid is (uuid TYPE #vu8(...))");
		if (!sexp_is_symbol(v->items[1], "dce"))
			return bad(
				file, v->items[1]->offset,
				"root-device uuid type '%s': an ext2 root has a dce UUID",
				v->items[1]->text);
		return set_uuid(v->items[2], file, p);
	}
	if (sexp_is_form(v, "file-system-label")) {
		if (v->len != 2 || v->items[1]->type != SEXP_STRING)
			return bad(
				file, v->offset,
				"a root-device label is (file-system-label \"LABEL\")");
		p->root_kind = GUIX_ROOT_LABEL;
		return string_value(v->items[1], "the root label", file,
				    &p->root);
	}
	if (v->type == SEXP_STRING) {
		if (strstr(v->text, ":/"))
			return bad(
				file, v->offset,
				"root-device \"%s\" is a network file system; an image holds its own root",
				v->text);
		/* Old parameters did not tell labels from device names. */
		p->root_kind = v->text[0] == '/' ? GUIX_ROOT_DEVICE :
						   GUIX_ROOT_LABEL;
		return string_value(v, "the root device", file, &p->root);
	}
	return bad(
		file, v->offset,
		"root-device must be a string, (file-system-label ...) or (uuid dce ...)");
}

static int parse_modules(const struct sexp *top, const char *file,
			 struct guix_boot_params *p)
{
	int err, r;
	const struct sexp *v = value(top, "multiboot-modules", file, 0, &err);
	size_t i;

	if (err)
		return err;
	if (!v || (v->type == SEXP_LIST && v->len == 0))
		return bad(
			file, v ? v->offset : top->offset,
			"no multiboot modules: this is not a GNU/Hurd system (a Linux system boots a kernel with an initrd)");
	if (v->type != SEXP_LIST)
		return bad(file, v->offset,
			   "multiboot-modules is not a list of modules");
	if (!(p->modules = calloc(v->len, sizeof(*p->modules))))
		return diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; i < v->len; i++) {
		const struct sexp *m = v->items[i];
		struct boot_module *bm = &p->modules[i];

		p->nmodules = i + 1;
		if (m->type != SEXP_LIST || m->len == 0)
			return bad(
				file, m->offset,
				"multiboot module %zu is not a list of strings (FILE WORD...)",
				i + 1);
		if ((r = string_list(m, "a multiboot module", file, &bm->words,
				     &bm->nwords)))
			return r;
		if (bm->words[0][0] != '/')
			return bad(
				file, m->items[0]->offset,
				"multiboot module file \"%s\" is not an absolute path",
				bm->words[0]);
	}
	return 0;
}

/* (store (device D) (mount-point "/") (directory-prefix #f) ...) */
static int parse_store(const struct sexp *top, const char *file)
{
	const struct sexp *s = sexp_field(top, "store"), *f;

	if (!s)
		return 0; /* the old format: the store is on the root */
	f = sexp_field(s, "mount-point");
	if (f && (f->len != 2 || f->items[1]->type != SEXP_STRING ||
		  strcmp(f->items[1]->text, "/")))
		return bad(
			file, f->offset,
			"the store is on a file system mounted at %s, not on the root; mkhurdimg puts it on the root file system",
			f->len == 2 && f->items[1]->type == SEXP_STRING ?
				f->items[1]->text :
				"(not a string)");
	f = sexp_field(s, "directory-prefix");
	if (f && (f->len != 2 || f->items[1]->type != SEXP_BOOLEAN ||
		  f->items[1]->integer))
		return bad(
			file, f->offset,
			"a store directory-prefix (a Btrfs subvolume) is not supported");
	return 0;
}

static int parse(const struct sexp *top, const char *file,
		 struct guix_boot_params *p)
{
	const struct sexp *v;
	int err, r;

	if (!sexp_is_form(top, "boot-parameters"))
		return bad(file, top->offset,
			   "not a (boot-parameters ...) form");
	if ((r = parse_version(top, file, p)))
		return r;
	v = value(top, "label", file, 1, &err);
	if (err || (err = string_value(v, "the label", file, &p->label)))
		return err;
	if (strpbrk(p->label, "\n\r\t\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
			      "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
			      "\x1a\x1b\x1c\x1d\x1e\x1f\x7f"))
		return bad(
			file, v->offset,
			"the label holds a control character, which a GRUB menu entry cannot show");
	if ((r = parse_root(top, file, p)))
		return r;
	v = value(top, "kernel", file, 1, &err);
	if (err || (err = string_value(v, "the kernel", file, &p->kernel)))
		return err;
	if (p->kernel[0] != '/')
		return bad(file, v->offset,
			   "the kernel \"%s\" is not an absolute path",
			   p->kernel);
	v = value(top, "kernel-arguments", file, 0, &err);
	if (err)
		return err;
	if (v && (r = string_list(v, "kernel-arguments", file, &p->kernel_args,
				  &p->nkernel_args)))
		return r;
	if ((r = parse_modules(top, file, p)))
		return r;
	return parse_store(top, file);
}

int guix_boot_params_parse(const char *text, size_t len, const char *file,
			   struct guix_boot_params *p)
{
	struct sexp_error e;
	struct sexp *top;
	size_t end;
	int r;

	memset(p, 0, sizeof(*p));
	r = sexp_read(text, len, &top, &end, &e);
	if (r == SEXP_INCOMPLETE)
		return bad(file, e.offset, "the file is truncated: %s",
			   e.message);
	if (r)
		return bad(file, e.offset, "%s", e.message);
	if (!sexp_at_end(text, len, end)) {
		sexp_free(top);
		return bad(file, end, "text after the boot-parameters form");
	}
	r = parse(top, file, p);
	sexp_free(top);
	if (r)
		guix_boot_params_free(p);
	return r;
}

static void free_words(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void guix_boot_params_free(struct guix_boot_params *p)
{
	size_t i;

	free(p->label);
	free(p->root);
	free(p->kernel);
	free_words(p->kernel_args, p->nkernel_args);
	for (i = 0; i < p->nmodules; i++)
		free_words(p->modules[i].words, p->modules[i].nwords);
	free(p->modules);
	memset(p, 0, sizeof(*p));
}

static int push(char ***args, size_t *n, char *word)
{
	char **v;

	if (!word)
		return -1;
	v = realloc(*args, (*n + 2) * sizeof(char *));
	if (!v) {
		free(word);
		return -1;
	}
	v[(*n)++] = word;
	v[*n] = NULL;
	*args = v;
	return 0;
}

static char *joined(const char *a, const char *b, const char *c)
{
	struct strbuf s;

	sb_init(&s);
	sb_add(&s, a);
	sb_add(&s, b);
	sb_add(&s, c);
	return sb_take(&s);
}

/* Guix's bootable-kernel-arguments (gnu/system.scm). */
int guix_bootable_args(const struct guix_boot_params *p, const char *system,
		       char ***args, size_t *nargs)
{
	int v1 = p->version > 0;

	if (!strcmp(p->root, "tmpfs")) {
		if (push(args, nargs, strdup("rootfstype=tmpfs")))
			return -1;
	} else if (strcmp(p->root, "none") &&
		   push(args, nargs,
			joined(v1 ? "root=" : "--root=", p->root, ""))) {
		return -1;
	}
	if (push(args, nargs,
		 joined(v1 ? "gnu.system=" : "--system=", system, "")) ||
	    push(args, nargs,
		 joined(v1 ? "gnu.load=" : "--load=", system, "/boot")))
		return -1;
	return 0;
}
