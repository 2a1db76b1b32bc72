/* check_mbr.c - the MS-DOS partition table in sector 0 */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mbr.h"
#include "check-run.h"

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A sector whose every byte is known: boot code and an old table. */
static void fill(uint8_t s[MBR_SECTOR])
{
	int i;

	for (i = 0; i < MBR_SECTOR; i++)
		s[i] = (uint8_t)(i * 7 + 3);
}

static void boot_code_kept(const uint8_t s[MBR_SECTOR])
{
	int i;

	for (i = 0; i < MBR_BOOT_CODE_SIZE; i++)
		ck_assert_msg(s[i] == (uint8_t)(i * 7 + 3), "byte %#x changed",
			      i);
}

static void entry_is(const uint8_t *e, const uint8_t want[16])
{
	int i;

	for (i = 0; i < 16; i++)
		ck_assert_msg(e[i] == want[i], "entry byte %d is %#x, want %#x",
			      i, e[i], want[i]);
}

START_TEST(one_active_linux_partition_at_1_mib)
{
	static const uint8_t want[16] = {
		0x80,			/* active */
		32,   33,   0,		/* LBA 2048 = C 0, H 32, S 33 */
		0x83,			/* Linux */
		162,  34,   0,		/* LBA 10239 = C 0, H 162, S 34 */
		0x00, 0x08, 0x00, 0x00, /* start 2048 */
		0x00, 0x20, 0x00, 0x00, /* 8192 sectors */
	};
	struct mbr_partition p = { 1, 0x83, 2048, 8192 };
	uint8_t s[MBR_SECTOR];
	int i;

	fill(s);
	mbr_encode(s, 0xdeadbeef, &p, 1);
	boot_code_kept(s);
	ck_assert_uint_eq(s[0x1b8], 0xef);
	ck_assert_uint_eq(s[0x1b9], 0xbe);
	ck_assert_uint_eq(s[0x1ba], 0xad);
	ck_assert_uint_eq(s[0x1bb], 0xde);
	ck_assert_uint_eq(s[0x1bc], 0);
	ck_assert_uint_eq(s[0x1bd], 0);
	entry_is(s + 0x1be, want);
	for (i = 0x1ce; i < 0x1fe; i++)
		ck_assert_msg(s[i] == 0, "byte %#x of the empty entries is %#x",
			      i, s[i]);
	ck_assert_uint_eq(s[510], 0x55);
	ck_assert_uint_eq(s[511], 0xaa);
}
END_TEST

START_TEST(chs_saturates_past_cylinder_1023)
{
	/* 2048 + 20000000 - 1 = LBA 20002047, cylinder 1245. */
	static const uint8_t want[16] = {
		0x00, 32,   33,	  0,	0x83, 0xfe, 0xff, 0xff,
		0x00, 0x08, 0x00, 0x00, 0x00, 0x2d, 0x31, 0x01,
	};
	struct mbr_partition p = { 0, 0x83, 2048, 20000000 };
	uint8_t s[MBR_SECTOR];

	fill(s);
	mbr_encode(s, 1, &p, 1);
	entry_is(s + 0x1be, want);
	boot_code_kept(s);
}
END_TEST

START_TEST(chs_boundaries)
{
	/*
	 * Entry 1 starts at the last sector of cylinder 1023 (the largest
	 * CHS there is) and ends one past it; entry 2 starts at C 300 H 5
	 * S 10, whose cylinder needs the high bits in the sector byte.
	 */
	static const uint8_t want1[16] = {
		0x00, 0xfe, 0xff, 0xff, 0x0c, 0xfe, 0xff, 0xff,
		0xff, 0x03, 0xfb, 0x00, 0x02, 0x00, 0x00, 0x00,
	};
	static const uint8_t want2[16] = {
		0x80, 5,    0x4a, 0x2c, 0x07, 5,    0x4a, 0x2c,
		0x70, 0x8b, 0x49, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	struct mbr_partition p[2] = {
		{ 0, 0x0c, 16450559, 2 },
		{ 1, 0x07, 300 * 16065 + 5 * 63 + 9, 1 },
	};
	uint8_t s[MBR_SECTOR];

	fill(s);
	mbr_encode(s, 0, p, 2);
	entry_is(s + 0x1be, want1);
	entry_is(s + 0x1ce, want2);
	ck_assert_uint_eq(s[0x1de], 0);
	ck_assert_uint_eq(s[0x1ee + 15], 0);
	ck_assert_uint_eq(s[0x1b8] | s[0x1b9] | s[0x1ba] | s[0x1bb], 0);
	ck_assert_uint_eq(s[510], 0x55);
	ck_assert_uint_eq(s[511], 0xaa);
	boot_code_kept(s);
}
END_TEST

START_TEST(at_most_four_entries)
{
	struct mbr_partition p[5];
	uint8_t s[MBR_SECTOR];
	int i;

	for (i = 0; i < 5; i++) {
		p[i].active = 0;
		p[i].type = (uint8_t)(0x10 + i);
		p[i].start = 100u * (uint32_t)(i + 1);
		p[i].sectors = 10;
	}
	fill(s);
	mbr_encode(s, 0x01020304, p, 5);
	for (i = 0; i < 4; i++) {
		const uint8_t *e = s + MBR_TABLE_OFFSET + 16 * i;

		ck_assert_uint_eq(e[0], 0);
		ck_assert_uint_eq(e[4], 0x10 + i);
		ck_assert_uint_eq(le32(e + 8), 100 * (i + 1));
		ck_assert_uint_eq(le32(e + 12), 10);
	}
	/* The fifth did not overwrite the signature. */
	ck_assert_uint_eq(s[510], 0x55);
	ck_assert_uint_eq(s[511], 0xaa);
	ck_assert_uint_eq(s[0x1b8], 4);
	ck_assert_uint_eq(s[0x1bb], 1);
	/* None at all: an empty table. */
	fill(s);
	mbr_encode(s, 0, NULL, 0);
	for (i = 0x1b8; i < 0x1fe; i++)
		ck_assert_uint_eq(s[i], 0);
	ck_assert_uint_eq(s[510], 0x55);
	boot_code_kept(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mbr");
	TCase *tc = tcase_create("mbr");

	tcase_add_test(tc, one_active_linux_partition_at_1_mib);
	tcase_add_test(tc, chs_saturates_past_cylinder_1023);
	tcase_add_test(tc, chs_boundaries);
	tcase_add_test(tc, at_most_four_entries);
	suite_add_tcase(s, tc);
	return check_run(s);
}
