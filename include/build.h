/* build.h - the pipeline: config -> tree -> layout -> writers */
#ifndef MKHURDIMG_BUILD_H
#define MKHURDIMG_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "image-type.h"

struct build_options {
	const char *config;
	const char *type;	   /* image type name */
	const char *output;	   /* NULL: the type's default */
	const char *size;	   /* NULL: the config's; "guess" or a size */
	const char *cluster_size;  /* NULL: the type's (qcow2) */
	const char *preallocation; /* NULL: the type's (qcow2) */
	int compress;		   /* --compress (qcow2) */
	unsigned threads;	   /* --threads; 0: 2 */
	const char *depfile;	   /* --depfile: write the inputs there */
	int json;		   /* --json: the result on stdout */
};

/* Build the image.  Returns an exit status (diag.h). */
int build_image(const struct build_options *o, const struct image_types *types);

#endif
