/* narsig.h - narinfo signatures: Guix's Ed25519 keys and signatures
 *
 * A Guix narinfo ends with "Signature: 1;HOST;BASE64", the base64 of a
 * canonical s-expression
 *   (signature (data (flags eddsa) (hash sha256 #SHA256#))
 *              (sig-val (eddsa (r #..#) (s #..#)))
 *              (public-key (ecc (curve Ed25519) (q #..#))))
 * where SHA256 is the hash of the narinfo text before the Signature line.
 * The public key file is what `guix archive --generate-key` writes:
 *   (public-key (ecc (curve Ed25519) (q #..#)))
 */
#ifndef MKHURDIMG_NARSIG_H
#define MKHURDIMG_NARSIG_H

#include <stddef.h>

#include "narinfo.h"

struct narsig_key;

/* Read a public key file.  0 or EXIT_BUILD with a message. */
int narsig_key_load(const char *file, struct narsig_key **out);
void narsig_key_free(struct narsig_key *k);

/* Check NI (parsed from TEXT) is signed by K.  ITEM names it in messages. */
int narsig_verify(const struct narsig_key *k, const struct narinfo *ni,
		  const char *text, const char *item);

#endif
