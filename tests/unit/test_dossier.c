/* test_dossier.c: the pure parts of the dossier: the CRC-32 of the zip
 * writer against published check values, the archive's layout against
 * PKWARE's APPNOTE read by hand (offsets counted here, not taken from the
 * writer), the names it refuses, and the dossier's small helpers. The e2e
 * test 0440 has the archive read by Python's zipfile and by unzip. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/dossier.h"
#include "evidence/zip.h"

START_TEST(crc32_check_values)
{
	/* The CRC-32 "check" value of the catalogue of parametrised CRCs
	 * (CRC-32/ISO-HDLC), and zlib's crc32 of the pangram. */
	ck_assert_uint_eq(zip_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(zip_crc32(0, "", 0), 0);
	const char *fox = "The quick brown fox jumps over the lazy dog";
	ck_assert_uint_eq(zip_crc32(0, fox, strlen(fox)), 0x414FA339u);
	/* Continued over two pieces, the same as over the whole. */
	ck_assert_uint_eq(zip_crc32(zip_crc32(0, "12345", 5), "6789", 4), 0xCBF43926u);
}
END_TEST

static unsigned u16(const char *p)
{
	return (unsigned)(unsigned char)p[0] | (unsigned)(unsigned char)p[1] << 8;
}

static unsigned long u32(const char *p)
{
	return u16(p) | (unsigned long)u16(p + 2) << 16;
}

START_TEST(archive_layout)
{
	struct zip_file f[2] = { { "d/a.txt", "123456789", 9 }, { "d/m/b.eml", "", 0 } };
	struct strbuf sb = STRBUF_INIT;
	/* 2027-03-01 08:21:14 UTC = 1803889274 (date -u -d ... +%s). */
	ck_assert_int_eq(zip_build(f, 2, 1803889274, &sb), 0);
	const char *z = sb.buf;
	/* Local header 1 at 0: 30 bytes, the name (7), the data (9). */
	ck_assert_uint_eq(u32(z), 0x04034b50u);
	ck_assert_uint_eq(u16(z + 6), 0x0800);		  /* UTF-8 names */
	ck_assert_uint_eq(u16(z + 8), 0);		  /* stored */
	ck_assert_uint_eq(u16(z + 10), 8u << 11 | 21u << 5 | 7u); /* 08:21:14 */
	ck_assert_uint_eq(u16(z + 12), 47u << 9 | 3u << 5 | 1u); /* 2027-03-01 */
	ck_assert_uint_eq(u32(z + 14), 0xCBF43926u);
	ck_assert_uint_eq(u32(z + 18), 9);
	ck_assert_uint_eq(u32(z + 22), 9);
	ck_assert_uint_eq(u16(z + 26), 7);
	ck_assert(!memcmp(z + 30, "d/a.txt123456789", 16));
	/* Local header 2 at 46: empty data, CRC 0. */
	ck_assert_uint_eq(u32(z + 46), 0x04034b50u);
	ck_assert_uint_eq(u32(z + 46 + 14), 0);
	ck_assert(!memcmp(z + 46 + 30, "d/m/b.eml", 9));
	/* The central directory at 46 + 39 = 85: two 46-byte headers and
	 * the names, 46 + 7 + 46 + 9 = 108 bytes; then the 22-byte end. */
	ck_assert_uint_eq(sb.len, 85 + 108 + 22);
	ck_assert_uint_eq(u32(z + 85), 0x02014b50u);
	ck_assert_uint_eq(u32(z + 85 + 42), 0);		/* local header offset */
	ck_assert_uint_eq(u32(z + 85 + 53 + 42), 46);
	const char *end = z + sb.len - 22;
	ck_assert_uint_eq(u32(end), 0x06054b50u);
	ck_assert_uint_eq(u16(end + 8), 2);
	ck_assert_uint_eq(u16(end + 10), 2);
	ck_assert_uint_eq(u32(end + 12), 108);
	ck_assert_uint_eq(u32(end + 16), 85);
	sb_free(&sb);
}
END_TEST

START_TEST(bad_names_refused)
{
	const char *bad[] = { "", "/etc/x", "../x", "a/../x", "a/..", "a\\b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zip_file f = { bad[i], "x", 1 };
		struct strbuf sb = STRBUF_INIT;
		sb_adds(&sb, "kept");
		ck_assert_msg(zip_build(&f, 1, 0, &sb) == -1, "'%s' was taken", bad[i]);
		ck_assert_str_eq(sb_str(&sb), "kept");
		sb_free(&sb);
	}
	/* A name with dots that is not "..". */
	struct zip_file ok = { "a/..b/.c", "x", 1 };
	struct strbuf sb = STRBUF_INIT;
	ck_assert_int_eq(zip_build(&ok, 1, 0, &sb), 0);
	sb_free(&sb);
}
END_TEST

START_TEST(helpers)
{
	ck_assert(dossier_is_agent_key("ag-0123456789ab"));
	ck_assert(!dossier_is_agent_key("ag-0123456789AB"));
	ck_assert(!dossier_is_agent_key("ag-0123456789a"));
	ck_assert(!dossier_is_agent_key("Vastgoed Fictief"));
	char *s = dossier_safe_name("GNT/EX 002é");
	ck_assert_str_eq(s, "GNT_EX_002__"); /* é is two bytes */
	free(s);
	s = dossier_safe_name(NULL);
	ck_assert_str_eq(s, "x");
	free(s);
	/* 2027-03-01 08:00 to 2027-03-02 10:30 is 26.5 hours. */
	ck_assert(dossier_delay_hours("2027-03-01T08:00:00Z", "2027-03-02T10:30:00Z") == 26.5);
	ck_assert(dossier_delay_hours("2027-03-02T10:30:00Z", "2027-03-01T08:00:00Z") < 0);
	ck_assert(dossier_delay_hours(NULL, "2027-03-01T08:00:00Z") < 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dossier");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, crc32_check_values);
	tcase_add_test(tc, archive_layout);
	tcase_add_test(tc, bad_names_refused);
	tcase_add_test(tc, helpers);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
