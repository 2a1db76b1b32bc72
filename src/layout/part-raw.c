/* part-raw.c - a raw partition: its bytes from a host file, as genimage's
 * image = "..." (firmware, a prepared file system)
 *
 *   partition "fw" { type = raw  image = "firmware.bin"  partition-type = 0xda }
 *
 * The partition is the file's size rounded up to a sector, or the size
 * given (the rest zeros).  The file is checked again while it is copied:
 * one that changes under the build is an error, not a half-new partition.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "partition.h"

#define COPY_CHUNK (1 << 20)

struct raw_data {
	char *image;	/* host path */
	struct stat st; /* as planned */
};

static cfg_opt_t raw_opts[] = { CFG_STR("image", NULL, CFGF_NODEFAULT),
				CFG_END() };

static int raw_parse(cfg_t *sec, const struct os_config *cfg, int line,
		     void *object)
{
	struct os_partition *p = object;
	struct raw_data *r;

	if (!cfg_size(sec, "image"))
		return diag_error_at(
			EXIT_USAGE, cfg->file, line,
			"partition '%s': a raw partition needs image = \"FILE\"",
			p->name);
	if (!(r = calloc(1, sizeof(*r))))
		return diag_error(EXIT_BUILD, "out of memory");
	r->image = config_resolve(cfg, cfg_getstr(sec, "image"));
	p->data = r;
	return 0;
}

static void raw_release(void *data)
{
	struct raw_data *r = data;

	if (r)
		free(r->image);
	free(r);
}

static int raw_plan(struct layout_part *p, const struct layout_request *rq)
{
	struct raw_data *r = p->cfg->data;
	uint64_t need;

	if (stat(r->image, &r->st))
		return diag_error(EXIT_BUILD, "%s: partition '%s': %s",
				  r->image, p->cfg->name, strerror(errno));
	if (!S_ISREG(r->st.st_mode))
		return diag_error(EXIT_BUILD,
				  "%s: partition '%s': not a regular file",
				  r->image, p->cfg->name);
	if (inputs_add(rq->inputs, r->image))
		return EXIT_BUILD;
	need = ((uint64_t)r->st.st_size + 511) / 512 * 512;
	if (p->cfg->size && p->cfg->size < (uint64_t)r->st.st_size)
		return diag_error_at(
			EXIT_USAGE, rq->cfg->file, p->cfg->line,
			"partition '%s': its image %s is %llu bytes, larger than its size (%llu)",
			p->cfg->name, r->image,
			(unsigned long long)r->st.st_size,
			(unsigned long long)p->cfg->size);
	p->size = p->cfg->size ? (p->cfg->size + 511) / 512 * 512 : need;
	if (!p->size)
		return diag_error_at(
			EXIT_USAGE, rq->cfg->file, p->cfg->line,
			"partition '%s': its image %s is empty; give it a size",
			p->cfg->name, r->image);
	return 0;
}

static int changed(const struct raw_data *r, const struct stat *now)
{
	return now->st_size != r->st.st_size ||
	       now->st_mtim.tv_sec != r->st.st_mtim.tv_sec ||
	       now->st_mtim.tv_nsec != r->st.st_mtim.tv_nsec;
}

static int copy(int fd, const struct layout_part *p, struct disk *d, char *buf)
{
	const struct raw_data *r = p->cfg->data;
	uint64_t done = 0, total = (uint64_t)r->st.st_size;
	int err;

	while (done < total) {
		size_t want = total - done < COPY_CHUNK ?
				      (size_t)(total - done) :
				      COPY_CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)done);

		if (n <= 0)
			return diag_error(
				EXIT_BUILD, "%s: %s", r->image,
				n < 0 ? strerror(errno) :
					"changed while the image was built");
		if ((err = disk_write(d, buf, (size_t)n, p->offset + done)))
			return err;
		done += (uint64_t)n;
	}
	return 0;
}

static int raw_write(const struct layout_part *p, struct disk *d,
		     const struct layout_write *w)
{
	const struct raw_data *r = p->cfg->data;
	int fd = open(r->image, O_RDONLY | O_CLOEXEC);
	struct stat now;
	char *buf;
	int err;

	if (fd < 0)
		return diag_error(EXIT_BUILD, "%s: %s", r->image,
				  strerror(errno));
	if (!(buf = malloc(COPY_CHUNK))) {
		close(fd);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	err = fstat(fd, &now) || changed(r, &now) ?
		      diag_error(EXIT_BUILD,
				 "%s: changed while the image was built",
				 r->image) :
		      copy(fd, p, d, buf);
	if (!err && (fstat(fd, &now) || changed(r, &now)))
		err = diag_error(EXIT_BUILD,
				 "%s: changed while the image was built",
				 r->image);
	free(buf);
	close(fd);
	return err;
}

const struct partition_kind partition_raw = {
	.conf = {
		.name = "raw",
		.opts = raw_opts,
		.parse = raw_parse,
		.release = raw_release,
	},
	.mbr_type = 0xda,	/* "non-FS data" */
	.plan = raw_plan,
	.write = raw_write,
};
