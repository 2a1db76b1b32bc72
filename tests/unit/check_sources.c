/* check_sources.c - compressed inputs read to their end (decompress.c),
 * and the archive source's stream of entries (source-archive.c) */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "config.h"
#include "decompress.h"
#include "diag.h"
#include "inputs.h"
#include "registry.h"
#include "source-archive.h"
#include "source.h"
#include "tree.h"
#include "zipcheck.h"

static char dir[] = "/tmp/check_sources.XXXXXX";
static char path[4200];
static struct os_config cfg; /* an archive's stream points into it */
static int cfg_loaded;

static void setup(void)
{
	strcpy(dir, "/tmp/check_sources.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/input", dir);
	diag_clear();
}

static void teardown(void)
{
	if (cfg_loaded)
		config_free(&cfg);
	cfg_loaded = 0;
	unlink(path);
	rmdir(dir);
}

static void write_file(const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* LEN bytes of text that deflate shrinks but not to nothing. */
static uint8_t *text(size_t len)
{
	uint8_t *p = malloc(len);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)("abcdefghij\n"[(i * 7 + i / 97) % 11]);
	return p;
}

/* One gzip member of DATA appended at OUT + *N (room for it there). */
static void gzip_member(const uint8_t *data, size_t len, uint8_t *out,
			size_t *n, size_t room)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (uint8_t *)data;
	z.avail_in = (uInt)len;
	z.next_out = out + *n;
	z.avail_out = (uInt)(room - *n);
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*n += z.total_out;
	deflateEnd(&z);
}

/* Everything decomp gives for PATH: 0 and the bytes, or -1 and the
 * message. */
static int drain(uint8_t **out, size_t *len, char *why, size_t whylen)
{
	struct decomp *d;
	const void *b;
	long n;

	*out = NULL;
	*len = 0;
	if (decomp_open(path, &d)) {
		snprintf(why, whylen, "%s", diag_message());
		return -1;
	}
	while ((n = decomp_block(d, &b)) > 0) {
		*out = realloc(*out, *len + (size_t)n);
		memcpy(*out + *len, b, (size_t)n);
		*len += (size_t)n;
	}
	if (n < 0)
		snprintf(why, whylen, "%s", decomp_error(d));
	ck_assert_uint_eq(decomp_bytes_out(d), *len);
	/* The end and a failure are final. */
	ck_assert_int_eq(decomp_block(d, &b), n < 0 ? -1 : 0);
	decomp_close(d);
	return n < 0 ? -1 : 0;
}

START_TEST(gzip_members_and_their_trailers)
{
	enum { LEN = 300000 };
	uint8_t *data = text(LEN), *gz = malloc(2 * LEN), *out;
	size_t n = 0, len, first;
	char why[512];

	ck_assert_ptr_nonnull(gz);
	/* Three members, then zeros (padding, which gzip -t accepts). */
	gzip_member(data, 1000, gz, &n, 2 * LEN);
	first = n;
	gzip_member(data + 1000, 0, gz, &n, 2 * LEN);
	gzip_member(data + 1000, LEN - 1000, gz, &n, 2 * LEN);
	memset(gz + n, 0, 100);
	write_file(gz, n + 100);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), 0);
	ck_assert_uint_eq(len, LEN);
	ck_assert(!memcmp(out, data, LEN));
	free(out);

	/* A byte of garbage after the zeros. */
	gz[n + 60] = 'x';
	write_file(gz, n + 100);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_msg(
		strstr(why, "corrupt compressed data (gzip: byte") &&
			strstr(why,
			       "after member 3, starts neither a member nor zero padding"),
		"%s", why);
	free(out);

	/* The first member's CRC-32, then its ISIZE. */
	gz[first - 8] ^= 1;
	write_file(gz, n);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_str_eq(
		why,
		"corrupt compressed data (gzip, member 1: CRC-32 mismatch)");
	ck_assert_uint_le(len, 1000); /* nothing of member 2 */
	free(out);
	gz[first - 8] ^= 1;
	gz[first - 1] ^= 1;
	write_file(gz, n);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_str_eq(
		why,
		"corrupt compressed data (gzip, member 1: ISIZE mismatch)");
	free(out);
	gz[first - 1] ^= 1;

	/* The last member's trailer cut off. */
	write_file(gz, n - 3);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_str_eq(
		why,
		"truncated compressed data (gzip: the file ends inside member 3)");
	free(out);

	/* A second member whose header is not gzip's. */
	gz[first + 2] = 7; /* compression method 7 */
	write_file(gz, n);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_str_eq(
		why,
		"corrupt compressed data (gzip, member 2: unknown compression method)");
	free(out);
	free(gz);
	free(data);
}
END_TEST

START_TEST(a_plain_file_is_read_as_it_is)
{
	enum { LEN = 200000 };
	uint8_t *data = text(LEN), *out;
	struct decomp *d;
	uint8_t small[7], all[LEN];
	size_t len = 0;
	char why[512];
	long n;

	write_file(data, LEN);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), 0);
	ck_assert_uint_eq(len, LEN);
	ck_assert(!memcmp(out, data, LEN));
	free(out);

	/* decomp_read hands the blocks out in pieces of any size. */
	ck_assert_int_eq(decomp_open(path, &d), 0);
	ck_assert_ptr_null(decomp_name(d));
	len = 0;
	while ((n = decomp_read(d, small, sizeof(small))) > 0) {
		ck_assert_int_le(n, (long)sizeof(small));
		memcpy(all + len, small, (size_t)n);
		len += (size_t)n;
	}
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(len, LEN);
	ck_assert(!memcmp(all, data, LEN));
	ck_assert_ptr_null(decomp_error(d));
	ck_assert_int_eq(decomp_corrupt(d, 100), 0);
	decomp_close(d);

	/* An empty file is plain too: it ends at once. */
	write_file("", 0);
	ck_assert_int_eq(decomp_open(path, &d), 0);
	ck_assert_ptr_null(decomp_name(d));
	ck_assert_int_eq(decomp_read(d, small, sizeof(small)), 0);
	decomp_close(d);
	free(data);
}
END_TEST

/* After a reader failed, decomp_corrupt reads on as far as it is let:
 * it finds the broken CRC-32 at the end of a member 400000 bytes long,
 * but not when held to 100 bytes more than the first block. */
START_TEST(corruption_found_after_the_reader_failed)
{
	enum { LEN = 400000 };
	uint8_t *data = text(LEN), *gz = malloc(LEN);
	struct decomp *d;
	size_t n = 0;
	uint8_t buf[10];

	gzip_member(data, LEN, gz, &n, LEN);
	gz[n - 6] ^= 0x10;
	write_file(gz, n);
	ck_assert_int_eq(decomp_open(path, &d), 0);
	ck_assert_str_eq(decomp_name(d), "gzip");
	ck_assert_int_eq(decomp_read(d, buf, sizeof(buf)), (long)sizeof(buf));
	ck_assert_int_eq(decomp_corrupt(d, 100), 0);
	ck_assert_ptr_null(decomp_error(d));
	ck_assert_int_eq(decomp_corrupt(d, LEN), 1);
	ck_assert_str_eq(
		decomp_error(d),
		"corrupt compressed data (gzip, member 1: CRC-32 mismatch)");
	decomp_close(d);

	/* A missing file: one message naming it. */
	unlink(path);
	ck_assert_int_eq(decomp_open(path, &d), EXIT_BUILD);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(diag_message(), path) &&
			      strstr(diag_message(), "No such file"),
		      "%s", diag_message());
	free(gz);
	free(data);
}
END_TEST

/* xz through libarchive's filter: read whole, then each byte of its
 * check flipped is "corrupt compressed data (xz: ...)". */
START_TEST(xz_through_libarchive_with_its_check)
{
	enum { LEN = 100000 };
	uint8_t *data = text(LEN), *out, *xz;
	char cmd[20000], why[512];
	size_t len, xzlen;
	FILE *f;

	write_file(data, LEN);
	snprintf(cmd, sizeof(cmd),
		 "xz -T1 -c '%s' > '%s.xz' 2>/dev/null && mv '%s.xz' '%s'",
		 path, path, path, path);
	if (system(cmd)) {
		free(data);
		return; /* no xz here: nothing to test */
	}
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), 0);
	ck_assert_uint_eq(len, LEN);
	ck_assert(!memcmp(out, data, LEN));
	free(out);
	f = fopen(path, "rb");
	xz = malloc(LEN);
	xzlen = fread(xz, 1, LEN, f);
	fclose(f);
	xz[xzlen / 2] ^= 0x40; /* in the middle of the compressed data */
	write_file(xz, xzlen);
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "corrupt compressed data (xz: "), "%s", why);
	free(out);
	xz[xzlen / 2] ^= 0x40;
	write_file(xz, xzlen / 3); /* cut off */
	ck_assert_int_eq(drain(&out, &len, why, sizeof(why)), -1);
	/* "truncated" or "corrupt": liblzma cannot always tell them apart. */
	ck_assert_msg(strstr(why, "compressed data (xz: "), "%s", why);
	free(out);
	free(xz);
	free(data);
}
END_TEST

/* A filter that fails on the first block fails as the file is opened,
 * when libarchive leaves no filter to ask the name of: the message still
 * names the compression, by its magic number. */
START_TEST(a_compression_failing_at_once_is_named)
{
	static const char *const tools[][2] = {
		{ "xz -T1", "xz" },
		{ "zstd -q", "zstd" },
		{ "bzip2", "bzip2" },
		{ "lzip", "lzip" },
	};
	enum { LEN = 20000 };
	uint8_t *data = text(LEN), buf[LEN];
	char cmd[20000], want[64];
	struct decomp *d;
	size_t i, n;
	FILE *f;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		write_file(data, LEN);
		snprintf(cmd, sizeof(cmd),
			 "%s -c '%s' > '%s.z' 2>/dev/null && mv '%s.z' '%s'",
			 tools[i][0], path, path, path, path);
		if (system(cmd))
			continue; /* the tool is not here */
		f = fopen(path, "rb");
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		buf[n / 2] ^= 0x55;
		write_file(buf, n);
		diag_clear();
		ck_assert_int_eq(decomp_open(path, &d), EXIT_BUILD);
		snprintf(want, sizeof(want),
			 "compressed data (%s: ", tools[i][1]);
		ck_assert_msg(strstr(diag_message(), want), "%s: %s",
			      tools[i][1], diag_message());
	}
	free(data);
}
END_TEST

/* ---- the archive source ---- */

static void le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* A zip of one file, "srv/f", announced as USIZE bytes, whose deflate
 * stream is DEFL; the headers agree, so only the data can be wrong. */
static size_t zip_one(uint8_t *z, const uint8_t *defl, size_t dlen,
		      uint32_t usize, uint32_t crc)
{
	static const char name[] = "srv/f";
	size_t n = 0, cd;

	memset(z, 0, 30);
	le32(z, 0x04034b50);
	le16(z + 4, 20);
	le16(z + 8, 8); /* deflate */
	le32(z + 14, crc);
	le32(z + 18, (uint32_t)dlen);
	le32(z + 22, usize);
	le16(z + 26, 5);
	memcpy(z + 30, name, 5);
	n = 35;
	memcpy(z + n, defl, dlen);
	n += dlen;
	cd = n;
	memset(z + n, 0, 46);
	le32(z + n, 0x02014b50);
	le16(z + n + 4, 3 << 8 | 20); /* made on Unix */
	le16(z + n + 6, 20);
	le16(z + n + 10, 8);
	le32(z + n + 16, crc);
	le32(z + n + 20, (uint32_t)dlen);
	le32(z + n + 24, usize);
	le16(z + n + 28, 5);
	le32(z + n + 38, (uint32_t)(S_IFREG | 0644) << 16);
	memcpy(z + n + 46, name, 5);
	n += 51;
	memset(z + n, 0, 22);
	le32(z + n, 0x06054b50);
	le16(z + n + 8, 1);
	le16(z + n + 10, 1);
	le32(z + n + 12, (uint32_t)(n - cd));
	le32(z + n + 16, (uint32_t)cd);
	return n + 22;
}

struct seen {
	long last; /* what the reader returned last */
	uint64_t got, size;
};

/* Reads as the writer does: until the entry's size, or the reader stops. */
static int reading_sink(void *ctx, uint64_t token, uint64_t size,
			tree_stream_read read, void *reader)
{
	struct seen *s = ctx;
	char buf[1000];

	s->size = size;
	while (s->got < size && (s->last = read(reader, buf, sizeof(buf))) > 0)
		s->got += (uint64_t)s->last;
	return s->last < 0 ? EXIT_BUILD : 0;
}

/* The archive PATH added to T as an "archive" section of a
 * configuration says: the kind's own parse step sets its options. */
static int add_archive(struct tree *t)
{
	struct config_kinds kinds;
	struct inputs in = { NULL, 0, 0 };
	struct source_ctx c = { t, &in, NULL, &cfg, NULL, NULL, NULL };
	char conf[4300];
	FILE *f;
	int r;

	snprintf(conf, sizeof(conf), "%s/test.conf", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "archive \"%s\" { }\n", path);
	ck_assert_int_eq(fclose(f), 0);
	registry_config_kinds(NULL, &kinds);
	if (cfg_loaded) /* the test's earlier archive, its tree freed */
		config_free(&cfg);
	ck_assert_msg(config_load(conf, &kinds, &cfg) == 0, "%s",
		      diag_message());
	cfg_loaded = 1;
	unlink(conf);
	ck_assert_uint_eq(cfg.nsources, 1);
	ck_assert_int_eq(tree_init(t, 1), 0);
	r = source_archive.add(&c, &cfg.sources[0]);
	inputs_free(&in);
	return r;
}

/* An entry whose data breaks in the middle (six stored deflate blocks
 * of 60000 bytes, more than libarchive inflates at once, then a block of
 * the reserved type): the headers read fine, and the writer's reader
 * must say -1, an error, not 0, the end of the entry, with libarchive's
 * reason recorded. */
START_TEST(a_read_error_in_an_entry_is_an_error_not_its_end)
{
	enum { BLK = 60000, NBLK = 6, DLEN = NBLK * (5 + BLK) + 1 };
	uint8_t *defl = malloc(DLEN), *zip = malloc(DLEN + 200);
	struct seen s = { 0, 0, 0 };
	struct tree t;
	size_t n;
	int i;

	for (i = 0; i < NBLK; i++) {
		uint8_t *b = defl + i * (5 + BLK);

		b[0] = 0x00; /* not the last block, stored */
		le16(b + 1, BLK);
		le16(b + 3, (uint16_t)~BLK);
		memset(b + 5, 'a' + i, BLK);
	}
	defl[DLEN - 1] = 0x07; /* the last block, type 3: reserved */
	n = zip_one(zip, defl, DLEN, 400000, 0x12345678);
	write_file(zip, n);
	ck_assert_int_eq(zip_check(path), 0);
	ck_assert_msg(add_archive(&t) == 0, "%s", diag_message());
	tree_finish(&t);
	ck_assert_ptr_nonnull(t.streams);
	ck_assert_int_eq(t.streams->ops->replay(t.streams, reading_sink, &s),
			 EXIT_BUILD);
	ck_assert_uint_eq(s.size, 400000);
	ck_assert_uint_gt(s.got, 0);
	ck_assert_uint_lt(s.got, NBLK * BLK + 1);
	ck_assert_int_eq(s.last, -1);
	ck_assert_msg(diag_message() && strstr(diag_message(), path), "%s",
		      diag_message());
	tree_free(&t);
	free(zip);
	free(defl);
}
END_TEST

/* A minimal ustar archive: one regular file NAME of LEN bytes. */
static size_t ustar(uint8_t *out, const char *name, const uint8_t *data,
		    size_t len)
{
	unsigned sum = 0, i;
	size_t n;

	memset(out, 0, 512);
	strcpy((char *)out, name);
	sprintf((char *)out + 100, "%07o", 0644);
	sprintf((char *)out + 108, "%07o", 0);
	sprintf((char *)out + 116, "%07o", 0);
	sprintf((char *)out + 124, "%011o", (unsigned)len);
	sprintf((char *)out + 136, "%011o", 1u);
	out[156] = '0';
	memcpy(out + 257, "ustar", 6);
	memcpy(out + 263, "00", 2);
	memset(out + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += out[i];
	sprintf((char *)out + 148, "%06o", sum);
	memcpy(out + 512, data, len);
	n = 512 + (len + 511) / 512 * 512;
	memset(out + 512 + len, 0, n - 512 - len + 1024);
	return n + 1024;
}

static int grab_sink(void *ctx, uint64_t token, uint64_t size,
		     tree_stream_read read, void *reader)
{
	uint8_t *buf = ctx;
	uint64_t got = 0;
	long n = 0;

	while (got < size &&
	       (n = read(reader, buf + got, (size_t)(size - got))) > 0)
		got += (uint64_t)n;
	return n < 0 || got != size ? EXIT_BUILD : 0;
}

/* A tar in two gzip members gives its file whole; the same with the
 * second member's CRC-32 flipped is refused while the headers are read,
 * before anything could be written, naming the compression. */
START_TEST(a_gzipped_tar_is_checked_before_it_is_used)
{
	enum { LEN = 70000 };
	uint8_t *data = text(LEN), *tar = malloc(LEN + 4096),
		*gz = malloc(2 * LEN), *back;
	size_t tlen = ustar(tar, "f", data, LEN), n = 0;
	struct tree t;
	struct tree_node *f;

	gzip_member(tar, 512, gz, &n, 2 * LEN);
	gzip_member(tar + 512, tlen - 512, gz, &n, 2 * LEN);
	write_file(gz, n);
	ck_assert_msg(add_archive(&t) == 0, "%s", diag_message());
	tree_finish(&t);
	f = tree_lookup(&t, "/f");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->inode->size, LEN);
	back = malloc(LEN);
	ck_assert_int_eq(t.streams->ops->replay(t.streams, grab_sink, back), 0);
	ck_assert(!memcmp(back, data, LEN));
	tree_free(&t);

	gz[n - 7] ^= 0x01;
	write_file(gz, n);
	diag_clear();
	ck_assert_int_eq(add_archive(&t), EXIT_BUILD);
	ck_assert_msg(
		strstr(diag_message(),
		       "corrupt compressed data (gzip, member 2: CRC-32 mismatch)"),
		"%s", diag_message());
	tree_free(&t);
	free(back);
	free(gz);
	free(tar);
	free(data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sources");
	TCase *tc = tcase_create("sources");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, gzip_members_and_their_trailers);
	tcase_add_test(tc, a_plain_file_is_read_as_it_is);
	tcase_add_test(tc, corruption_found_after_the_reader_failed);
	tcase_add_test(tc, xz_through_libarchive_with_its_check);
	tcase_add_test(tc, a_compression_failing_at_once_is_named);
	tcase_add_test(tc, a_read_error_in_an_entry_is_an_error_not_its_end);
	tcase_add_test(tc, a_gzipped_tar_is_checked_before_it_is_used);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
