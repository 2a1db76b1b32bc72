/* check_mbr.c - the MS-DOS partition table */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mbr.h"

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

START_TEST(one_active_linux_partition_at_1_mib)
{
	struct mbr_partition p = { 1, 0x83, 2048, 8192 };
	uint8_t s[512];
	const uint8_t *e = s + 0x1be;
	int i;

	for (i = 0; i < 512; i++)
		s[i] = (uint8_t)(i * 7);
	mbr_encode(s, 0xdeadbeef, &p, 1);
	for (i = 0; i < 0x1b8; i++)
		ck_assert_uint_eq(s[i], (uint8_t)(i * 7));	/* boot code kept */
	ck_assert_uint_eq(le32(s + 0x1b8), 0xdeadbeef);
	ck_assert_uint_eq(s[0x1bc], 0);
	ck_assert_uint_eq(s[0x1bd], 0);
	ck_assert_uint_eq(e[0], 0x80);
	/* LBA 2048 = C 0, H 32, S 33 with 255 heads x 63 sectors. */
	ck_assert_uint_eq(e[1], 32);
	ck_assert_uint_eq(e[2], 33);
	ck_assert_uint_eq(e[3], 0);
	ck_assert_uint_eq(e[4], 0x83);
	/* LBA 10239 = C 0, H 162, S 34 */
	ck_assert_uint_eq(e[5], 162);
	ck_assert_uint_eq(e[6], 34);
	ck_assert_uint_eq(e[7], 0);
	ck_assert_uint_eq(le32(e + 8), 2048);
	ck_assert_uint_eq(le32(e + 12), 8192);
	for (i = 0x1ce; i < 0x1fe; i++)
		ck_assert_uint_eq(s[i], 0);	/* entries 2..4 empty */
	ck_assert_uint_eq(s[510], 0x55);
	ck_assert_uint_eq(s[511], 0xaa);
}
END_TEST

START_TEST(chs_saturates_past_cylinder_1023)
{
	struct mbr_partition p = { 0, 0x83, 2048, 40000000 };
	uint8_t s[512];
	const uint8_t *e = s + 0x1be;

	memset(s, 0, sizeof(s));
	mbr_encode(s, 1, &p, 1);
	ck_assert_uint_eq(e[0], 0x00);	/* not active */
	ck_assert_uint_eq(e[5], 0xfe);
	ck_assert_uint_eq(e[6], 0xff);
	ck_assert_uint_eq(e[7], 0xff);
	ck_assert_uint_eq(le32(e + 12), 40000000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mbr");
	TCase *tc = tcase_create("mbr");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, one_active_linux_partition_at_1_mib);
	tcase_add_test(tc, chs_saturates_past_cylinder_1023);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
