/* nar.h - the Nix ARchive format, read as a stream
 *
 * A nar serialises one file system object: strings are a u64 LE length,
 * the bytes and zero padding to 8; the grammar is
 *   "nix-archive-1" node
 *   node = "(" "type" ( "regular" ["executable" ""] "contents" DATA
 *                     | "symlink" "target" STR
 *                     | "directory" { "entry" "(" "name" STR "node" node ")" } ) ")"
 * Directory entries are sorted and unique.  The reader checks all of it
 * and hashes every byte (SHA-256), so the caller can compare the NarHash
 * and NarSize of a narinfo.
 */
#ifndef MKHURDIMG_NAR_H
#define MKHURDIMG_NAR_H

#include <stddef.h>
#include <stdint.h>

#define NAR_NAME_MAX 255
#define NAR_TARGET_MAX 4095
#define NAR_DEPTH_MAX 256

/* Reads up to LEN bytes of the nar; returns the count, 0 at the end, or
 * -1 with a message recorded. */
typedef long (*nar_input)(void *ctx, void *buf, size_t len);

struct nar;

/* Reads up to LEN bytes of the current regular file's contents. */
long nar_read_contents(struct nar *n, void *buf, size_t len);

struct nar_visitor {
	/* PATH is relative to the nar's root: "" for the root itself. */
	int (*directory)(void *ctx, const char *path);
	/* May read the contents with nar_read_contents(); what it leaves
	 * unread is skipped. */
	int (*regular)(void *ctx, const char *path, int executable,
		       uint64_t size, struct nar *n);
	int (*symlink)(void *ctx, const char *path, const char *target);
};

struct nar_result {
	uint64_t size; /* bytes of the nar */
	uint8_t sha256[32];
};

/* Parse a whole nar from INPUT.  NAME is used in messages.  Returns 0 or
 * EXIT_BUILD with a message recorded. */
int nar_parse(const char *name, nar_input input, void *input_ctx,
	      const struct nar_visitor *v, void *ctx, struct nar_result *res);

/* Nix's base-32 form of a hash (52 characters for SHA-256) into OUT,
 * which must hold len * 8 / 5 + 2 bytes. */
void nix_base32_encode(const uint8_t *hash, size_t len, char *out);

#endif
