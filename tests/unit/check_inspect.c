/* check_inspect.c - the read-only disk reader (raw, qcow2 as our writer
 * and as a hand-built file make it, its errors), the JSON writer, and
 * inspect's GRUB parsing (grub.cfg titles, the prefix in core.img) */
#include "autoconfig.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "diag.h"
#include "disk-read.h"
#include "disk.h"
#include "inspect.h"
#include "json-out.h"
#include "qcow2.h"
#include "check-run.h"

#define SIZE (6 << 20)
#define SPLIT (137 * 512 + 200) /* inside a cluster and a sector */

static char path[64];
static unsigned char shadow[SIZE], got[SIZE];

static void setup(void)
{
	int fd;

	strcpy(path, "/tmp/check_inspect.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	diag_clear();
}

static void teardown(void)
{
	unlink(path);
}

/* Some runs of pseudo-random bytes, some of zeros, some compressible. */
static void fill_shadow(void)
{
	unsigned x = 12345;
	size_t i;

	memset(shadow, 0, sizeof(shadow));
	for (i = 0; i < SIZE; i++) {
		x = x * 1103515245 + 12345;
		if ((i >> 16) % 3 == 0)
			shadow[i] = (unsigned char)(x >> 16);
		else if ((i >> 16) % 3 == 1 && (i & 0x3ff) < 0x200)
			shadow[i] = (unsigned char)(i >> 9);
	}
}

static void write_with_our_writer(int compress, unsigned cluster_bits)
{
	struct disk_options o = { cluster_bits, 0, compress, 2 };
	struct disk d;
	int fd = open(path, O_RDWR | O_TRUNC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(disk_open(&d, &disk_format_qcow2, fd, path, SIZE, &o),
			 0);
	/* In two pieces split inside a cluster and inside a sector: with
	 * 512-byte compressed clusters the sector is covered only by the
	 * second piece. */
	ck_assert_int_eq(disk_write(&d, shadow, SPLIT, 0), 0);
	ck_assert_int_eq(disk_write(&d, shadow + SPLIT, SIZE - SPLIT, SPLIT),
			 0);
	ck_assert_int_eq(disk_finish(&d), 0);
	disk_close(&d);
	close(fd);
}

static void reads_back(void)
{
	struct disk_reader *r;
	uint64_t off = 0;
	size_t len;
	unsigned x = 7;

	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_str_eq(disk_reader_format(r), "qcow2");
	ck_assert_uint_eq(disk_reader_size(r), SIZE);
	ck_assert_int_eq(disk_reader_read(r, got, SIZE, 0), 0);
	ck_assert(!memcmp(got, shadow, SIZE));
	/* Random pieces, backwards and forwards through the caches. */
	for (int i = 0; i < 2000; i++) {
		x = x * 1103515245 + 12345;
		off = (x >> 4) % SIZE;
		len = (size_t)((x >> 8) % 70000);
		if (len > SIZE - off)
			len = SIZE - off;
		ck_assert_int_eq(disk_reader_read(r, got, len, off), 0);
		ck_assert(!memcmp(got, shadow + off, len));
	}
	ck_assert_int_eq(disk_reader_read(r, got, 2, SIZE - 1), EINVAL);
	ck_assert_int_eq(disk_reader_read(r, got, 0, SIZE), 0);
	disk_reader_close(r);
}

START_TEST(qcow2_from_our_writer)
{
	static const unsigned bits[] = { 16, 9, 21 };

	char cmd[128];
	int oracle = system("qemu-img --version >/dev/null 2>&1") == 0;

	fill_shadow();
	for (int c = 0; c < 2; c++) {
		for (int b = 0; b < 3; b++) {
			write_with_our_writer(c, bits[b]);
			reads_back();
			/* qemu-img's view: no corruption and no leaked cluster
			 * (a cluster closed early, then rewritten, leaks one). */
			snprintf(cmd, sizeof(cmd), "qemu-img check -q %s",
				 path);
			ck_assert_msg(
				!oracle || system(cmd) == 0,
				"qemu-img check fails: compress %d, cluster bits %u",
				c, bits[b]);
		}
	}
}
END_TEST

START_TEST(raw_and_the_io_manager)
{
	struct disk_reader *r;
	io_channel ch;
	char name[128];
	FILE *f = fopen(path, "wb");

	fill_shadow();
	ck_assert_uint_eq(fwrite(shadow, 1, 1 << 20, f), 1 << 20);
	fclose(f);
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_str_eq(disk_reader_format(r), "raw");
	ck_assert_uint_eq(disk_reader_size(r), 1 << 20);
	ck_assert_uint_eq(disk_reader_cluster_size(r), 0);
	disk_reader_io_name(r, 4096, 65536, name, sizeof(name));
	ck_assert_int_eq(disk_reader_io_manager->open(name, IO_FLAG_RW, &ch),
			 EROFS);
	ck_assert_int_eq(disk_reader_io_manager->open(name, 0, &ch), 0);
	ck_assert_int_eq(io_channel_set_blksize(ch, 4096), 0);
	ck_assert_int_eq(io_channel_read_blk64(ch, 2, 3, got), 0);
	ck_assert(!memcmp(got, shadow + 4096 + 2 * 4096, 3 * 4096));
	ck_assert_int_eq(io_channel_read_blk64(ch, 0, -100, got), 0);
	ck_assert(!memcmp(got, shadow + 4096, 100));
	/* Not past the region, and never a write. */
	ck_assert_int_eq(io_channel_read_blk64(ch, 15, 2, got),
			 EXT2_ET_SHORT_READ);
	ck_assert_int_eq(io_channel_write_blk64(ch, 0, 1, got), EROFS);
	ck_assert_int_eq(io_channel_close(ch), 0);
	disk_reader_close(r);
	ck_assert_int_eq(disk_reader_open("/nonexistent/x.img", &r),
			 EXIT_BUILD);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(diag_message(), "No such file"));
}
END_TEST

/* ---- a qcow2 file built by hand: 4 KiB clusters, version 3 ---- */

#define CB 12
#define CS 4096
static uint8_t img[8 * CS], plain[CS], packed[CS];

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static size_t deflate_raw(const uint8_t *in, uint8_t *out)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, -12, 9,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = (uint8_t *)in;
	z.avail_in = CS;
	z.next_out = out;
	z.avail_out = CS;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return CS - z.avail_out;
}

/* Cluster 0 header, 1 L1, 2 L2, 3 data; a compressed stream at 0x4000
 * + 10.  Virtual clusters: 0 data, 1 compressed, 2 zero flag (over
 * cluster 3: reads zeros anyway), 3 unallocated; 16 in all. */
static size_t build_image(void)
{
	struct qcow2_header h = { CB, 16 * CS, 1, 1 * CS, 5 * CS, 1 };
	size_t clen, off = 4 * CS + 10;

	memset(img, 0, sizeof(img));
	for (int i = 0; i < CS; i++)
		plain[i] = (uint8_t)(i * 7 + i / 100);
	qcow2_encode_header(&h, img);
	put_be64(img + 1 * CS, qcow2_entry(2 * CS));
	put_be64(img + 2 * CS, qcow2_entry(3 * CS));
	memcpy(img + 3 * CS, plain, CS);
	clen = deflate_raw(plain, packed);
	memcpy(img + off, packed, clen);
	put_be64(img + 2 * CS + 8, qcow2_compressed_entry(off, clen, CB));
	put_be64(img + 2 * CS + 16, qcow2_entry(3 * CS) | 1);
	return off + clen; /* the file ends inside the stream's last sector */
}

static void write_image(size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_uint_eq(fwrite(img, 1, len, f), len);
	fclose(f);
}

START_TEST(qcow2_by_hand)
{
	struct disk_reader *r;
	static uint8_t zero[CS];

	write_image(build_image());
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_uint_eq(disk_reader_cluster_size(r), CS);
	ck_assert_int_eq(disk_reader_read(r, got, 4 * CS, 0), 0);
	ck_assert(!memcmp(got, plain, CS));
	ck_assert(!memcmp(got + CS, plain, CS));
	ck_assert(!memcmp(got + 2 * CS, zero, CS));
	ck_assert(!memcmp(got + 3 * CS, zero, CS));
	ck_assert_int_eq(disk_reader_read(r, got, 100, CS + 4000), 0);
	ck_assert(!memcmp(got, plain + 4000, 96));
	disk_reader_close(r);
}
END_TEST

START_TEST(qcow2_damage_is_an_error)
{
	struct disk_reader *r;
	size_t len = build_image();

	/* A broken deflate stream. */
	img[4 * CS + 10] ^= 0xff;
	img[4 * CS + 11] ^= 0xff;
	write_image(len);
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_int_eq(disk_reader_read(r, got, CS, 0), 0);
	ck_assert_int_eq(disk_reader_read(r, got, CS, CS), EIO);
	disk_reader_close(r);
	/* An L2 table past the end of the file. */
	build_image();
	put_be64(img + 1 * CS, qcow2_entry(64 * CS));
	write_image(len);
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_int_eq(disk_reader_read(r, got, 512, 0), EIO);
	disk_reader_close(r);
	/* A data cluster that is not cluster-aligned. */
	build_image();
	put_be64(img + 2 * CS, qcow2_entry(3 * CS + 512));
	write_image(len);
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_int_eq(disk_reader_read(r, got, 512, 0), EIO);
	disk_reader_close(r);
	/* The file cut 100 bytes into the data cluster: what is there
	 * reads, what is not is an error, not bytes of whatever was in the
	 * buffer. */
	build_image();
	write_image(3 * CS + 100);
	ck_assert_int_eq(disk_reader_open(path, &r), 0);
	ck_assert_int_eq(disk_reader_read(r, got, 100, 0), 0);
	ck_assert(!memcmp(got, plain, 100));
	ck_assert_int_eq(disk_reader_read(r, got, 512, 0), EIO);
	disk_reader_close(r);
}
END_TEST

/* Patch the built header at OFF (SIZE bytes), expect a refusal naming
 * WHAT. */
static void refused(size_t off, int bytes, uint64_t v, const char *what)
{
	struct disk_reader *r;
	size_t len = build_image();

	for (int i = 0; i < bytes; i++)
		img[off + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	write_image(len);
	diag_clear();
	ck_assert_int_eq(disk_reader_open(path, &r), EXIT_BUILD);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(diag_message(), what), "%s: want '%s'",
		      diag_message(), what);
}

START_TEST(qcow2_headers_we_refuse)
{
	refused(4, 4, 1, "version 1");
	refused(8, 8, 0x1000, "backing file");
	refused(20, 4, 8, "cluster bits 8");
	refused(20, 4, 22, "cluster bits 22");
	refused(32, 4, 1, "encrypted");
	refused(36, 4, 0, "too small");
	refused(40, 8, 1 * CS + 8, "outside the file");
	refused(72, 8, 1ULL << 2, "incompatible features 0x4");
	refused(72, 8, 1ULL << 3, "incompatible features 0x8");
	refused(100, 4, 50, "header length");
}
END_TEST

/* ---- JSON ---- */

static char *json_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	json_write_string(f, s, len);
	fclose(f);
	return buf;
}

static void json_is(const char *s, size_t len, const char *want)
{
	char *got_ = json_of(s, len);

	ck_assert_str_eq(got_, want);
	free(got_);
}

START_TEST(json_strings)
{
	json_is("plain /hurd/term", 16, "\"plain /hurd/term\"");
	json_is("q\"b\\n\nt\tc\001\037", 11,
		"\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001f\"");
	json_is("nul\0x", 5, "\"nul\\u0000x\"");
	json_is("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	json_is("a\xff", 2, "\"a\\udcff\"");
	json_is("\xc0\x80", 2, "\"\\udcc0\\udc80\"");		 /* overlong */
	json_is("\xed\xa0\x80", 3, "\"\\udced\\udca0\\udc80\""); /* surrogate */
	json_is("\xf4\x90\x80\x80", 4, "\"\\udcf4\\udc90\\udc80\\udc80\"");
	json_is("\xe2\x82", 2, "\"\\udce2\\udc82\""); /* cut short */
	json_is("\x7f", 1, "\"\x7f\"");
}
END_TEST

START_TEST(json_documents)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct json_out j;

	json_init(&j, f);
	json_begin_object(&j, NULL, 0);
	json_uint(&j, "n", 18446744073709551615ULL);
	json_begin_array(&j, "empty", 0);
	json_end_array(&j);
	json_begin_array(&j, "line", 1);
	json_string(&j, NULL, "a");
	json_begin_object(&j, NULL, 1);
	json_bool(&j, "t", 1);
	json_null(&j, "z");
	json_end_object(&j);
	json_end_array(&j);
	json_begin_object(&j, "o", 0);
	json_string(&j, "s", NULL);
	json_bool(&j, "f", 0);
	json_end_object(&j);
	json_end_object(&j);
	fclose(f);
	ck_assert_str_eq(buf,
			 "{\n"
			 "  \"n\": 18446744073709551615,\n"
			 "  \"empty\": [],\n"
			 "  \"line\": [\"a\", {\"t\": true, \"z\": null}],\n"
			 "  \"o\": {\n"
			 "    \"s\": null,\n"
			 "    \"f\": false\n"
			 "  }\n"
			 "}\n");
	free(buf);
}
END_TEST

/* ---- GRUB ---- */

START_TEST(grub_menu_titles)
{
	static const char cfg[] =
		"# menuentry 'not this'\n"
		"set timeout=5\n"
		"menuentry 'GNU with the Hurd (x)' {\n"
		"\tmultiboot /boot/gnumach.gz\n}\n"
		"  menuentry \"A \\\"b\\\" \\$c \\d\" --class gnu {\n"
		"menuentry plain\\ word{\n"
		"menuentry 'it'\\''s'\n"
		"menuentryfoo 'no'\n"
		"submenu 'no' {\n"
		"\tmenuentry\t'nested' {";
	struct inspect_grub g;

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(inspect_grub_menu(cfg, sizeof(cfg) - 1, &g), 0);
	ck_assert_uint_eq(g.ntitles, 5);
	ck_assert_str_eq(g.titles[0], "GNU with the Hurd (x)");
	ck_assert_str_eq(g.titles[1], "A \"b\" $c \\d");
	ck_assert_str_eq(g.titles[2], "plain word");
	ck_assert_str_eq(g.titles[3], "it's");
	ck_assert_str_eq(g.titles[4], "nested");
	inspect_grub_free(&g);
}
END_TEST

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* LEN bytes of IN as an lzma_alone file (13-byte header, props 0x5d:
 * lc 3, lp 0, pb 2, as GRUB's) made by libarchive; its size. */
static size_t lzma_alone(const uint8_t *in, size_t len, uint8_t *out,
			 size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	ck_assert_int_eq(archive_write_add_filter_lzma(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_set_bytes_in_last_block(a, 1),
			 ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open_memory(a, out, cap, &used),
			 ARCHIVE_OK);
	archive_entry_set_filetype(e, AE_IFREG);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, in, len), (ssize_t)len);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
	ck_assert_uint_eq(out[0], 0x5d);
	return used;
}

/* A kernel whose module area holds an ELF object and the prefix. */
static size_t kernel_with_prefix(uint8_t *k, const char *prefix)
{
	size_t at = 3001, mods;

	for (size_t i = 0; i < at; i++)
		k[i] = (uint8_t)(i * 13);
	mods = at;
	memcpy(k + at, "mimg", 4);
	put_le32(k + at + 4, 12);
	at += 12;
	put_le32(k + at, 0); /* OBJ_TYPE_ELF */
	put_le32(k + at + 4, 8 + 100);
	memset(k + at + 8, 'm', 100);
	at += 108;
	put_le32(k + at, 3); /* OBJ_TYPE_PREFIX */
	put_le32(k + at + 4, 8 + 24);
	memset(k + at + 8, 0, 24);
	strcpy((char *)k + at + 8, prefix);
	at += 32;
	put_le32(k + mods + 8, (uint32_t)(at - mods));
	return at;
}

START_TEST(grub_prefix_in_core_img)
{
	static uint8_t kernel[8192], stream[16384], core[32768];
	size_t klen = kernel_with_prefix(kernel, "(,msdos1)/boot/grub");
	size_t slen = lzma_alone(kernel, klen, stream, sizeof(stream)) - 13;
	size_t decomp = 0x321, total = 512 + decomp + slen, bytes;
	size_t sectors = (total + 511) / 512;
	char *prefix;

	memset(core, 0, sizeof(core));
	put_le32(core + 512 + 0x08, (uint32_t)slen);
	put_le32(core + 512 + 0x0c, (uint32_t)klen);
	memset(core + 512 + 0x20, 0x90, decomp - 0x20); /* "code" */
	memcpy(core + 512 + decomp, stream + 13, slen);
	prefix = inspect_grub_prefix(core, sectors * 512, &bytes);
	ck_assert_ptr_nonnull(prefix);
	ck_assert_str_eq(prefix, "(,msdos1)/boot/grub");
	ck_assert_uint_eq(bytes, total);
	free(prefix);
	/* Sizes that cannot be: nothing, no crash. */
	put_le32(core + 512 + 0x08, 1u << 30);
	ck_assert_ptr_null(inspect_grub_prefix(core, sectors * 512, &bytes));
	ck_assert_uint_eq(bytes, 0);
	ck_assert_ptr_null(inspect_grub_prefix(core, 512, &bytes));
}
END_TEST

/* ---- the file system's own consistency (inspect-super.c) ---- */

/* A small file system in PATH, as libext2fs makes one: 1 KiB blocks,
 * 128-byte inodes, a root directory. */
static void make_fs(void)
{
	struct ext2_super_block param;
	ext2_filsys fs;

	memset(&param, 0, sizeof(param));
	ext2fs_blocks_count_set(&param, 2048);
	param.s_inodes_count = 256;
	param.s_rev_level = 1;
	param.s_inode_size = 128;
	ck_assert_int_eq(truncate(path, 2048 * 1024), 0);
	ck_assert_int_eq(ext2fs_initialize(path, EXT2_FLAG_RW, &param,
					   unix_io_manager, &fs),
			 0);
	ck_assert_int_eq(ext2fs_allocate_tables(fs), 0);
	ck_assert_int_eq(ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, 0), 0);
	ck_assert_int_eq(ext2fs_close_free(&fs), 0);
}

/* What inspect_check_fs says of PATH once DAMAGE has changed the open
 * file system: in memory only (the superblock and group descriptors are
 * never written back), or on disk where DAMAGE writes and flushes. */
static const char *verdict(void (*damage)(ext2_filsys fs))
{
	static char why[256];
	ext2_filsys fs;

	ck_assert_int_eq(ext2fs_open2(path, NULL, EXT2_FLAG_RW, 0, 0,
				      unix_io_manager, &fs),
			 0);
	if (damage)
		damage(fs);
	why[0] = '\0';
	if (!inspect_check_fs(fs, why, sizeof(why)))
		snprintf(why, sizeof(why), "whole");
	ext2fs_free(fs);
	return why;
}

static void bpg_zero(ext2_filsys fs)
{
	fs->super->s_blocks_per_group = 4;
}

static void inode_count(ext2_filsys fs)
{
	fs->super->s_inodes_count++;
}

static void too_many_free(ext2_filsys fs)
{
	fs->super->s_free_inodes_count = fs->super->s_inodes_count + 1;
}

static void table_outside(ext2_filsys fs)
{
	ext2fs_inode_table_loc_set(fs, 0, ext2fs_blocks_count(fs->super) - 2);
}

static void bitmap_outside(ext2_filsys fs)
{
	ext2fs_block_bitmap_loc_set(fs, 0, ext2fs_blocks_count(fs->super) + 5);
}

/* The block bitmap, on disk, says the inode table's last block is free. */
static void table_block_free(ext2_filsys fs)
{
	blk64_t last =
		ext2fs_inode_table_loc(fs, 0) + fs->inode_blocks_per_group - 1;

	ck_assert_int_eq(ext2fs_read_block_bitmap(fs), 0);
	ext2fs_unmark_block_bitmap2(fs->block_map, last);
	ext2fs_mark_bb_dirty(fs);
	ck_assert_int_eq(ext2fs_write_block_bitmap(fs), 0);
	ck_assert_int_eq(io_channel_flush(fs->io), 0);
	ext2fs_free_block_bitmap(fs->block_map);
	fs->block_map = NULL;
}

static void root_a_file(ext2_filsys fs)
{
	struct ext2_inode root;

	ck_assert_int_eq(ext2fs_read_inode(fs, EXT2_ROOT_INO, &root), 0);
	root.i_mode = LINUX_S_IFREG | 0644;
	ck_assert_int_eq(ext2fs_write_inode(fs, EXT2_ROOT_INO, &root), 0);
	ck_assert_int_eq(io_channel_flush(fs->io), 0);
}

START_TEST(a_damaged_file_system_is_named)
{
	make_fs();
	ck_assert_str_eq(verdict(NULL), "whole");
	ck_assert_str_eq(verdict(bpg_zero),
			 "blocks per group 4 is out of range (8 to 8192)");
	ck_assert_str_eq(verdict(inode_count),
			 "the inode count 257 is not 1 groups of 256 inodes");
	ck_assert_str_eq(verdict(too_many_free), "257 free inodes of 256");
	ck_assert_str_eq(
		verdict(bitmap_outside),
		"the block bitmap of group 0 (block 2053) is outside blocks 1 to 2047");
	ck_assert_str_eq(
		verdict(table_outside),
		"the inode table of group 0 (blocks 2046 to 2077, for 128-byte inodes) is outside blocks 1 to 2047");
	ck_assert_str_eq(verdict(NULL), "whole"); /* nothing was written */
	verdict(table_block_free);
	ck_assert_msg(strstr(verdict(NULL),
			     "which the block bitmap marks free"),
		      "a free inode table block: %s", verdict(NULL));
	make_fs();
	verdict(root_a_file);
	ck_assert_str_eq(
		verdict(NULL),
		"the root directory (inode 2) is not a directory (mode 100644, with inodes read as 128 bytes each)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("inspect");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, qcow2_from_our_writer);
	tcase_add_test(tc, raw_and_the_io_manager);
	tcase_add_test(tc, qcow2_by_hand);
	tcase_add_test(tc, qcow2_damage_is_an_error);
	tcase_add_test(tc, qcow2_headers_we_refuse);
	tcase_add_test(tc, json_strings);
	tcase_add_test(tc, json_documents);
	tcase_add_test(tc, grub_menu_titles);
	tcase_add_test(tc, grub_prefix_in_core_img);
	tcase_add_test(tc, a_damaged_file_system_is_named);
	suite_add_tcase(s, tc);
	return check_run(s);
}
