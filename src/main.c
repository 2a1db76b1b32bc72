/* main.c - the command line */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "boot.h"
#include "build.h"
#include "diag.h"
#include "image-type.h"
#include "inspect.h"
#include "json-out.h"
#include "registry.h"
#include "secret-service.h"

enum {
	OPT_LIST = 256,
	OPT_TYPES_DIR,
	OPT_VERSION,
	OPT_HELP,
	OPT_CLUSTER,
	OPT_PREALLOC,
	OPT_COMPRESS,
	OPT_THREADS,
	OPT_DEPFILE,
	OPT_JSON
};

static const struct option long_opts[] = {
	{ "image-type", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "size", required_argument, NULL, 's' },
	{ "list-image-types", no_argument, NULL, OPT_LIST },
	{ "types-dir", required_argument, NULL, OPT_TYPES_DIR },
	{ "cluster-size", required_argument, NULL, OPT_CLUSTER },
	{ "preallocation", required_argument, NULL, OPT_PREALLOC },
	{ "compress", no_argument, NULL, OPT_COMPRESS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "depfile", required_argument, NULL, OPT_DEPFILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: mkhurdimg [OPTION]... CONFIG\n"
	      "  or:  mkhurdimg inspect [--json] IMAGE [PATH]   (see inspect --help)\n"
	      "  or:  mkhurdimg boot [OPTION]... IMAGE          (see boot --help)\n"
	      "  or:  mkhurdimg send-secrets [OPTION]... DIR    (see send-secrets --help)\n"
	      "Build a bootable GNU/Hurd disk image from CONFIG ('-': standard input) as an\n"
	      "ordinary user: no loop devices, mounts, fakeroot or emulator.\n"
	      "  -t, --image-type=TYPE   image type (default hurd-raw); see --list-image-types\n"
	      "  -o, --output=FILE       image file (default: the type's, e.g. hurd.img)\n"
	      "  -s, --size=SIZE         root file system size: guess, or e.g. 512M, 2GiB\n"
	      "      --cluster-size=SIZE qcow2 cluster size (default 64KiB, up to 2MiB)\n"
	      "      --preallocation=off|metadata  qcow2: map every cluster up front\n"
	      "      --compress          qcow2: deflate the clusters (as qemu-img convert -c)\n"
	      "      --threads=N         threads to scan, copy, compress (default 2)\n"
	      "      --depfile=FILE      write a Make rule: the image depends on every input\n"
	      "      --json              print the result as one JSON object on stdout\n"
	      "      --types-dir=DIR     also load image types from DIR/*.conf\n"
	      "      --list-image-types  list the image types and exit\n"
	      "  -q, --quiet             print errors only\n"
	      "  -v, --verbose           say what is being done\n"
	      "      --help, --version   show this help, or the version, and exit\n"
	      "\n"
	      "Exit status: 0 image written; 1 the build failed (nothing is left behind);\n"
	      "2 bad command line or configuration.\n"
	      "SOURCE_DATE_EPOCH sets every generated time stamp (default 1).\n",
	      f);
}

/* --json: one object on one line, {"image_types": [...]}; the key names
 * are an interface (mkhurdimg(1)). */
static void list_types_json(const struct image_types *reg)
{
	struct json_out j;
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j, NULL, 1);
	json_begin_array(&j, "image_types", 1);
	for (i = 0; i < reg->n; i++) {
		const struct image_type *t = &reg->types[i];

		json_begin_object(&j, NULL, 1);
		json_string(&j, "name", t->name);
		json_string(&j, "description", t->description);
		json_string(&j, "system", t->system);
		json_string(&j, "format", t->format);
		json_string(&j, "output", t->output);
		json_string(&j, "file", t->file);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
}

static int list_types(const struct image_types *reg, int json)
{
	const struct image_type *t;
	size_t i;

	/* image_types_find sorts the registry. */
	image_types_find(reg, "", &t);
	diag_clear();
	if (json)
		list_types_json(reg);
	for (i = 0; !json && i < reg->n; i++)
		printf("%-14s %s\n", reg->types[i].name,
		       reg->types[i].description);
	if (fflush(stdout) || ferror(stdout))
		return diag_error(EXIT_BUILD, "standard output: write error");
	return 0;
}

/* Subcommands: "mkhurdimg NAME ARGS...".  Each gets argv from NAME on
 * and returns an exit status; messages go through diag like a build's. */
struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
	{ "boot", boot_main },
	{ "inspect", inspect_main },
	{ "send-secrets", send_secrets_main },
	{ NULL, NULL },
};

static const struct subcommand *find_subcommand(const char *name)
{
	const struct subcommand *s;

	for (s = subcommands; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcommand *sub;
	struct build_options o = { .type = "hurd-raw" };
	char *end;
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
	const char **dirs = calloc((size_t)argc + 1, sizeof(char *));
	size_t ndirs = 0, i;
	int c, list = 0, err;

	diag_set_program("mkhurdimg");
	/* libext2fs's messages are words only once its table is known. */
	initialize_ext2_error_table();
	if (argc > 1 && (sub = find_subcommand(argv[1]))) {
		free(dirs);
		err = sub->run(argc - 1, argv + 1);
		diag_print();
		return err;
	}
	while ((c = getopt_long(argc, argv, "t:o:s:qv", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			o.type = optarg;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 's':
			o.size = optarg;
			break;
		case 'q':
			diag_set_level(DIAG_QUIET);
			break;
		case 'v':
			diag_set_level(DIAG_VERBOSE);
			break;
		case OPT_LIST:
			list = 1;
			break;
		case OPT_TYPES_DIR:
			dirs[ndirs++] = optarg;
			break;
		case OPT_CLUSTER:
			o.cluster_size = optarg;
			break;
		case OPT_PREALLOC:
			o.preallocation = optarg;
			break;
		case OPT_COMPRESS:
			o.compress = 1;
			break;
		case OPT_DEPFILE:
			o.depfile = optarg;
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_THREADS:
			o.threads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || o.threads < 1 ||
			    o.threads > 16) {
				fprintf(stderr,
					"mkhurdimg: --threads '%s' must be a number from 1 to 16\n",
					optarg);
				free(dirs);
				return EXIT_USAGE;
			}
			break;
		case OPT_VERSION:
			printf("%s\n", PACKAGE_STRING);
			free(dirs);
			return EXIT_OK;
		case OPT_HELP:
			usage(stdout);
			free(dirs);
			return EXIT_OK;
		default:
			fputs("Try 'mkhurdimg --help' for more information.\n",
			      stderr);
			free(dirs);
			return EXIT_USAGE;
		}
	}
	err = image_types_load_builtin(&reg);
	for (i = 0; !err && i < ndirs; i++)
		err = image_types_load_dir(&reg, dirs[i], 1);
	free(dirs);
	if (!err && list) {
		err = list_types(&reg, o.json);
	} else if (!err) {
		if (optind != argc - 1) {
			fprintf(stderr,
				"mkhurdimg: %s\nTry 'mkhurdimg --help' for more information.\n",
				optind >= argc ?
					"no CONFIG file given" :
					"only one CONFIG file may be given");
			image_types_free(&reg);
			return EXIT_USAGE;
		}
		o.config = argv[optind];
		err = build_image(&o, &reg);
	}
	diag_print();
	image_types_free(&reg);
	return err;
}
