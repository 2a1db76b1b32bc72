/* narsig.c - verifying Guix narinfo signatures with libgcrypt */
#include "autoconfig.h"

#include <errno.h>
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "narsig.h"

struct narsig_key {
	gcry_sexp_t sexp;
	char *file;
	void *q; /* the curve point, to compare with a signature's */
	size_t qlen;
};

static int b64_value(int c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* Standard base64 with padding; returns the length or -1. */
static long b64_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t n = 0, len = strlen(in), i;
	unsigned acc = 0;
	int bits = 0;

	if (len % 4)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (in[i] == '=') {
			if (i + 2 < len || (i + 1 < len && in[i + 1] != '='))
				return -1;
			break;
		}
		if (v < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)n;
}

/* A copy (gcry_free it) of the NTH element of the list TOKEN in S. */
static void *token_data(gcry_sexp_t s, const char *token, int nth, size_t *len)
{
	gcry_sexp_t t = gcry_sexp_find_token(s, token, 0);
	void *d = t ? gcry_sexp_nth_buffer(t, nth, len) : NULL;

	gcry_sexp_release(t);
	return d;
}

static int has_token(gcry_sexp_t s, const char *token)
{
	gcry_sexp_t t = gcry_sexp_find_token(s, token, 0);

	gcry_sexp_release(t);
	return t != NULL;
}

int narsig_key_load(const char *file, struct narsig_key **out)
{
	char buf[4096];
	size_t len;
	void *q = NULL;
	struct narsig_key *k;
	FILE *f = fopen(file, "r");

	if (!f)
		return diag_error(EXIT_BUILD,
				  "%s: cannot read the public key: %s", file,
				  strerror(errno));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	k = calloc(1, sizeof(*k));
	if (!k)
		return diag_error(EXIT_BUILD, "out of memory");
	if (gcry_sexp_sscan(&k->sexp, NULL, buf, len) ||
	    !(q = token_data(k->sexp, "q", 1, &k->qlen)) ||
	    !has_token(k->sexp, "public-key")) {
		gcry_free(q);
		narsig_key_free(k);
		return diag_error(
			EXIT_BUILD,
			"%s: not a public key: expected (public-key (ecc (curve Ed25519) (q #...#)))",
			file);
	}
	k->q = q; /* gcry_free'd with the key */
	k->file = strdup(file);
	if (!k->file) {
		narsig_key_free(k);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	*out = k;
	return 0;
}

void narsig_key_free(struct narsig_key *k)
{
	if (!k)
		return;
	gcry_sexp_release(k->sexp);
	gcry_free(k->q);
	free(k->file);
	free(k);
}

static int bad_sig(const struct narsig_key *k, const char *item,
		   const char *why)
{
	return diag_error(EXIT_BUILD, "%s: the narinfo signature %s (key %s)",
			  item, why, k->file);
}

/* The signature s-expression of a "1;HOST;BASE64" value. */
static int parse_value(const struct narsig_key *k, const char *value,
		       const char *item, gcry_sexp_t *sig)
{
	const char *semi = strchr(value, ';'), *b64;
	unsigned char *raw;
	long n;

	if (strncmp(value, "1;", 2) || !semi || !(b64 = strchr(semi + 1, ';')))
		return bad_sig(k, item, "is not of the form 1;HOST;BASE64");
	raw = malloc(strlen(b64));
	if (!raw)
		return diag_error(EXIT_BUILD, "out of memory");
	n = b64_decode(b64 + 1, raw, strlen(b64));
	if (n <= 0 || gcry_sexp_new(sig, raw, (size_t)n, 1)) {
		free(raw);
		return bad_sig(k, item, "is not a base64 s-expression");
	}
	free(raw);
	return 0;
}

int narsig_verify(const struct narsig_key *k, const struct narinfo *ni,
		  const char *text, const char *item)
{
	unsigned char digest[32];
	gcry_sexp_t sig = NULL, data = NULL, val = NULL;
	void *q, *hash;
	size_t qlen = 0, hlen = 0;
	int r;

	if (!ni->signature)
		return bad_sig(k, item, "is missing");
	if ((r = parse_value(k, ni->signature, item, &sig)))
		return r;
	gcry_md_hash_buffer(GCRY_MD_SHA256, digest, text, ni->signed_len);
	data = gcry_sexp_find_token(sig, "data", 0);
	val = gcry_sexp_find_token(sig, "sig-val", 0);
	q = token_data(sig, "q", 1, &qlen);
	hash = data ? token_data(data, "hash", 2, &hlen) : NULL;
	if (!data || !val || !hash)
		r = bad_sig(k, item, "lacks its data or sig-val");
	else if (!q || qlen != k->qlen || memcmp(q, k->q, qlen))
		r = bad_sig(k, item, "is by another key");
	else if (hlen != 32 || memcmp(hash, digest, 32))
		r = bad_sig(k, item, "is over other contents");
	else if (gcry_pk_verify(val, data, k->sexp))
		r = bad_sig(k, item, "does not verify");
	gcry_free(q);
	gcry_free(hash);
	gcry_sexp_release(data);
	gcry_sexp_release(val);
	gcry_sexp_release(sig);
	return r;
}
