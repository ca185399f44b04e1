/* test_core.c: the shared core: text checks, times, study.ini, the random
 * streams, the JSON writer and the study store with its event chain. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "design/config.h"
#include "base/embedded.h"
#include "io/json.h"
#include "base/rng.h"
#include "store/study.h"
#include "base/timeutil.h"
#include "base/util.h"
#include "evidence/verify.h"
#include "preset_study.h"

START_TEST(utf8_valid_and_invalid)
{
	size_t bad = 99;
	ck_assert(utf8_check("Gülşen Öztürk", strlen("Gülşen Öztürk"), NULL));
	ck_assert(utf8_check("\xF0\x9F\x98\x80", 4, NULL)); /* U+1F600 */
	ck_assert(!utf8_check("ab\xFF", 3, &bad));
	ck_assert_uint_eq(bad, 2);
	ck_assert(!utf8_check("\xC0\xAF", 2, &bad)); /* overlong '/' */
	ck_assert(!utf8_check("\xED\xA0\x80", 3, &bad)); /* surrogate D800 */
	ck_assert(!utf8_check("x\xE2\x82", 3, &bad));  /* truncated */
	ck_assert_uint_eq(bad, 1);
	/* Past runs of ASCII read eight bytes at a time: the offset of the
	 * first bad byte, wherever it falls in a run of eight. */
	for (size_t at = 0; at < 20; at++) {
		char s[32];
		memset(s, 'a', sizeof(s));
		s[at] = (char)0xFF;
		ck_assert(!utf8_check(s, sizeof(s), &bad));
		ck_assert_uint_eq(bad, at);
		memcpy(s + at, "\xC3\xA9", 2); /* é: valid */
		ck_assert(utf8_check(s, sizeof(s), NULL));
	}
	ck_assert(!utf8_check("abcdefgh\xC3", 9, &bad)); /* cut after a run */
	ck_assert_uint_eq(bad, 8);
}
END_TEST

START_TEST(control_characters)
{
	ck_assert(!has_control("Fatima El Amrani"));
	ck_assert(has_control("Eve\r\nBcc: x@y"));
	ck_assert(has_control("tab\there"));
	ck_assert(has_control("del\x7f"));
	ck_assert(has_control("c1\xC2\x85")); /* U+0085 NEXT LINE */
	ck_assert(!has_control("é\xC2\xA0")); /* U+00A0 is not a control */
	ck_assert(is_plain_ascii("Pieter Peeters"));
	ck_assert(!is_plain_ascii("Zoë"));
}
END_TEST

/* The characters of the one text rule, written as their UTF-8 bytes (from
 * the Unicode code charts), each inside an otherwise good name. */
START_TEST(text_rule)
{
	static const struct {
		const char *s;
		unsigned long cp;
	} bad[] = {
		{ "Ann\xe2\x80\xae" "A", 0x202E },  /* RIGHT-TO-LEFT OVERRIDE */
		{ "Ann\xe2\x81\xa6" "A", 0x2066 },  /* LEFT-TO-RIGHT ISOLATE */
		{ "Ann\xe2\x80\x8f" "A", 0x200F },  /* RIGHT-TO-LEFT MARK */
		{ "Ann\xd8\x9c" "A", 0x061C },      /* ARABIC LETTER MARK */
		{ "Ann\xe2\x80\x8b" "A", 0x200B },  /* ZERO WIDTH SPACE */
		{ "Ann\xe2\x80\x8d" "A", 0x200D },  /* ZERO WIDTH JOINER */
		{ "Ann\xe2\x81\xa0" "A", 0x2060 },  /* WORD JOINER */
		{ "\xef\xbb\xbf" "Ann", 0xFEFF },   /* BYTE ORDER MARK */
		{ "Ann\xc2\xad" "A", 0x00AD },      /* SOFT HYPHEN */
		{ "Ann\xf3\xa0\x81\x81", 0xE0041 }, /* TAG LATIN CAPITAL LETTER A */
		{ "Ann\xef\xb8\x8f", 0xFE0F },      /* VARIATION SELECTOR-16 */
		{ "Ann\xe3\x85\xa4", 0x3164 },      /* HANGUL FILLER */
		{ "Ann\xcd\x8f", 0x034F },          /* COMBINING GRAPHEME JOINER */
		{ "Ann\xe2\x80\xa8" "A", 0x2028 },  /* LINE SEPARATOR */
		{ "Ann\xc2\x85" "A", 0x0085 },      /* NEXT LINE (C1) */
		{ "Ann\tA", 0x09 },
		{ "Ann\x7f", 0x7F },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = NULL;
		size_t off = 99;
		unsigned long cp = 0;
		ck_assert_msg(!text_ok(bad[i].s, strlen(bad[i].s), &why, &off, &cp), "case %zu", i);
		ck_assert_uint_eq(cp, bad[i].cp);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(off, bad[i].cp == 0xFEFF ? 0 : 3);
	}
	/* NUL inside the given length. */
	ck_assert(!text_ok("A\0B", 3, NULL, NULL, NULL));
	ck_assert(!text_ok("\xc3(", 2, NULL, NULL, NULL));
	/* Letters of every script a name bank holds, with marks and joiners
	 * that are part of the writing (ZWNJ U+200C is refused: it is
	 * invisible in Latin names, the only script banks use). */
	const char *good[] = { "Ana\xc3\xafs", "\xc5\x9etefan", "D'Hondt", "Jean-Luc", "\xc3\x87" "elik",
			       "M\xe2\x80\x99" "Barek" };
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ck_assert_msg(text_ok(good[i], strlen(good[i]), NULL, NULL, NULL), "%s", good[i]);
}
END_TEST

START_TEST(number_parsing)
{
	long l;
	double d;
	uint64_t u;
	ck_assert(parse_long("42", &l) && l == 42);
	ck_assert(!parse_long("42x", &l));
	ck_assert(!parse_long("", &l));
	ck_assert(!parse_long("99999999999999999999", &l));
	ck_assert(parse_double("1250.50", &d) && d == 1250.5);
	ck_assert(!parse_double("1.250,00", &d));
	ck_assert(parse_u64("18446744073709551615", &u) && u == UINT64_MAX);
	ck_assert(!parse_u64("-1", &u));
	/* strtoull skips blanks and then takes a sign: " -1" must not become
	 * 2^64 - 1. strtod reads "inf" and "nan": not numbers either. */
	ck_assert(!parse_u64(" -1", &u));
	ck_assert(!parse_u64(" 5", &u));
	ck_assert(!parse_long(" 5", &l));
	ck_assert(!parse_long("\t-5", &l));
	ck_assert(parse_long("-5", &l) && l == -5);
	ck_assert(!parse_double(" 1", &d));
	ck_assert(!parse_double("inf", &d));
	ck_assert(!parse_double("-infinity", &d));
	ck_assert(!parse_double("nan", &d));
	ck_assert(!parse_double("1e999", &d));
}
END_TEST

START_TEST(iso_times)
{
	time_t t;
	char buf[ISO_LEN];
	/* 2026-12-07 is 20794 days after 1970-01-01 (computed by hand with
	 * Python: date(2026,12,7) - date(1970,1,1)). */
	ck_assert(time_parse_iso("2026-12-07T09:30:00Z", &t));
	ck_assert_int_eq((long)t, 20794L * 86400 + 9 * 3600 + 30 * 60);
	ck_assert(time_parse_iso("2026-12-07T10:30+01:00", &t));
	ck_assert_int_eq((long)t, 20794L * 86400 + 9 * 3600 + 30 * 60);
	time_iso_utc(t, buf);
	ck_assert_str_eq(buf, "2026-12-07T09:30:00Z");
	ck_assert(!time_parse_iso("2026-02-29T10:00Z", &t)); /* not a leap year */
	ck_assert(time_parse_iso("2028-02-29", &t));
	ck_assert(!time_parse_iso("2026-12-07T25:00Z", &t));
	ck_assert(!time_parse_iso("2026-12-07T10:00", &t)); /* no zone: ambiguous */
	ck_assert(!time_parse_iso("yesterday", &t));
	/* sscanf-style leniency is refused: blanks, signs, one-digit fields. */
	ck_assert(!time_parse_iso("2026- 1-05", &t));
	ck_assert(!time_parse_iso("2026-12-07T 9:30Z", &t));
	ck_assert(!time_parse_iso("2026-12-07T09:-3Z", &t));
	ck_assert(!time_parse_iso("2026-12-07T09:30+1:00", &t));
	ck_assert(!time_parse_iso("+2026-12-07", &t));
	ck_assert(time_parse_iso("2026-12-07 09:30:15Z", &t));
	ck_assert_int_eq((long)t, 20794L * 86400 + 9 * 3600 + 30 * 60 + 15);
}
END_TEST

START_TEST(calendar_dates)
{
	int y, m, d;
	ck_assert(date_valid("2026-11-30"));
	ck_assert(date_valid("2024-02-29"));  /* leap year */
	ck_assert(date_valid("2000-02-29"));  /* divisible by 400 */
	ck_assert(!date_valid("1900-02-29")); /* divisible by 100 only */
	ck_assert(!date_valid("2026-02-29"));
	ck_assert(!date_valid("2026-02-30"));
	ck_assert(!date_valid("2026-04-31"));
	ck_assert(!date_valid("2026-13-01"));
	ck_assert(!date_valid("2026-00-10"));
	ck_assert(!date_valid("2026-01-00"));
	ck_assert(!date_valid("2026-1-5"));
	ck_assert(!date_valid("30/11/2026"));
	ck_assert(!date_valid("2026-11-30T10:00"));
	ck_assert(!date_valid("+026-11-30"));
	ck_assert(!date_valid("2026-12-07 "));
	ck_assert(!date_valid(""));
	ck_assert(date_parse_prefix("2026-12-07T10:00Z", &y, &m, &d));
	ck_assert(y == 2026 && m == 12 && d == 7);
	/* A year before 1900 is a typing slip (0026 for 2026), refused with a
	 * reason that says so; 1900-01-01 itself is a date. */
	ck_assert(!date_valid("0026-11-30"));
	ck_assert(!date_valid("1026-11-30"));
	ck_assert(!date_valid("1899-12-31"));
	ck_assert(date_valid("1900-01-01"));
	ck_assert(!date_parse_prefix("0026-12-07T10:00Z", &y, &m, &d));
	time_t t;
	ck_assert(!time_parse_iso("0026-12-07T09:30:00Z", &t));
	ck_assert_ptr_null(date_problem("2026-11-30"));
	ck_assert(strstr(date_problem("0026-11-30"), "before 1900") != NULL);
	ck_assert(strstr(date_problem("2026-02-30"), "not a day of the calendar") != NULL);
	ck_assert(strstr(date_problem("2026-1-5"), "YYYY-MM-DD") != NULL);
}
END_TEST

/* The text an agent's key is computed over. Expected values by hand from
 * the Unicode tables (NFKC, CaseFolding.txt), cross-checked with Python's
 * unicodedata.normalize("NFKC", s.casefold()). */
START_TEST(agent_names_normalised)
{
	static const char *const same[] = {
		"Immo Dewaele",
		"IMMO DEWAELE",
		"  immo   dewaele ",
		"Immo\xC2\xA0" "Dewaele",           /* NO-BREAK SPACE */
		"Immo\xE2\x80\x8B" "Dewaele",     /* ZERO WIDTH SPACE between the words */
		"Immo\xE2\x80\x83" "Dewaele",     /* EM SPACE */
		"Immo\tDewaele\n",
		"\xEF\xBB\xBF" "Immo Dewaele",        /* a byte-order mark in front */
		"Immo De\xE2\x80\x8D" "waele",        /* ZERO WIDTH JOINER inside a word */
		"\xEF\xBC\xA9mmo Dewaele",         /* FULLWIDTH LATIN CAPITAL LETTER I */
		"Immo \xE2\x80\xAE" "Dewaele",     /* RIGHT-TO-LEFT OVERRIDE */
	};
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		char *n = study_agent_norm(same[i]);
		ck_assert_msg(!strcmp(n, "immo dewaele"), "%zu: '%s'", i, n);
		free(n);
	}
	/* NFD and NFC spellings of Génicot; capitals outside ASCII; ß folds to ss. */
	static const char *const pairs[][2] = {
		{ "Immo Ge\xCC\x81" "nicot", "immo g\xC3\xA9" "nicot" },
		{ "IMMO G\xC3\x89" "NICOT", "immo g\xC3\xA9" "nicot" },
		{ "Stra\xC3\x9F" "e Vastgoed", "strasse vastgoed" },
		{ "\xEF\xAC\x81" "ne Immo", "fine immo" }, /* the fi ligature */
	};
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		char *n = study_agent_norm(pairs[i][0]);
		ck_assert_msg(!strcmp(n, pairs[i][1]), "%zu: '%s'", i, n);
		free(n);
	}
	char *n = study_agent_norm("Immo Janssens");
	ck_assert_str_eq(n, "immo janssens");
	free(n);
}
END_TEST

/* file_write_atomic never writes through a link planted where its
 * temporary file used to be (PATH.tmp.PID, a predictable name). */
START_TEST(atomic_write_ignores_planted_links)
{
	char *dir = tmpdir_new("ct-atomic");
	char *victim = xasprintf("%s/victim", dir), *path = xasprintf("%s/out.csv", dir);
	char *planted = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(victim, "w");
	ck_assert_ptr_nonnull(f);
	fputs("keep me\n", f);
	fclose(f);
	ck_assert_int_eq(symlink(victim, planted), 0);
	struct ct_err err = { 0 };
	ck_assert_int_eq(file_write_atomic(path, "new\n", 4, 0644, &err), CT_OK);
	char *text;
	size_t len;
	ck_assert_int_eq(file_read(victim, &text, &len, &err), CT_OK);
	ck_assert_str_eq(text, "keep me\n");
	free(text);
	ck_assert_int_eq(file_read(path, &text, &len, &err), CT_OK);
	ck_assert_str_eq(text, "new\n");
	free(text);
	/* A link at the target itself is replaced, not followed. */
	unlink(path);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(file_write_atomic(path, "again\n", 6, 0644, &err), CT_OK);
	ck_assert_int_eq(file_read(victim, &text, &len, &err), CT_OK);
	ck_assert_str_eq(text, "keep me\n");
	free(text);
	free(victim);
	free(path);
	free(planted);
	free(dir);
}
END_TEST

START_TEST(brussels_offsets)
{
	/* CET is UTC+1 and CEST UTC+2; in 2027 summer time starts on Sunday
	 * 28 March at 02:00 local and in 2026 ends on Sunday 25 October. */
	char out[40];
	time_t t = time_from_local("Europe/Brussels", 2026, 12, 7, 9, 0);
	time_iso_local(t, "Europe/Brussels", out);
	ck_assert_str_eq(out, "2026-12-07T09:00:00+01:00");
	char utc[ISO_LEN];
	time_iso_utc(t, utc);
	ck_assert_str_eq(utc, "2026-12-07T08:00:00Z");
	t = time_from_local("Europe/Brussels", 2027, 3, 29, 9, 0);
	time_iso_utc(t, utc);
	ck_assert_str_eq(utc, "2027-03-29T07:00:00Z");
	t = time_from_local("Europe/Brussels", 2026, 10, 26, 9, 0);
	time_iso_utc(t, utc);
	ck_assert_str_eq(utc, "2026-10-26T08:00:00Z");
	int y, m, d;
	civil_from_days(days_from_civil(2027, 3, 1) - 1, &y, &m, &d);
	ck_assert(y == 2027 && m == 2 && d == 28);
}
END_TEST


/* The preset with its @KEY@ markers filled in. */

START_TEST(preset_design)
{
	struct config *c;
	struct design *d;
	struct ct_err err = { 0 };
	char *text = preset_filled();
	ck_assert_int_eq(config_parse("study.ini", text, &c, &err), CT_OK);
	ck_assert_int_eq(design_from_config(c, &d, &err), CT_OK);
	ck_assert_int_eq(d->ngroups, 4);
	ck_assert(d->groups[0].control);
	ck_assert_str_eq(d->groups[0].bank, "belgian_flemish");
	ck_assert_str_eq(d->groups[1].id, "maghrebi");
	ck_assert_int_eq(d->ngenders, 2);
	ck_assert_int_eq(d->variants, 3);
	ck_assert_int_eq(d->day_from, 9 * 60);
	ck_assert_int_eq(d->day_to, 17 * 60);
	ck_assert_int_eq(d->days_mask, 0x1F); /* Monday to Friday */
	ck_assert(d->seed == 7);
	ck_assert_str_eq(d->timezone, "Europe/Brussels");
	design_free(d);
	config_free(c);
	free(text);
}
END_TEST

/* Parses text that must fail; the message must contain want. */
static void expect_bad(const char *text, const char *want)
{
	struct config *c = NULL;
	struct design *d = NULL;
	struct ct_err err = { 0 };
	int rc = config_parse("study.ini", text, &c, &err);
	if (!rc) {
		rc = design_from_config(c, &d, &err);
		config_free(c);
		design_free(d);
	}
	ck_assert_int_eq(rc, CT_EINPUT);
	if (!strstr(err.msg, want))
		ck_abort_msg("'%s' lacks '%s'", err.msg, want);
}

START_TEST(config_errors_name_lines)
{
	expect_bad("[study]\nname = x\nnmae = y\n", "study.ini:3: unknown key 'nmae'");
	expect_bad("[study]\nname = x\nname = y\n", "study.ini:3: 'name' is set twice");
	expect_bad("[stuyd]\nname = x\n", "study.ini:2: unknown section [stuyd]");
	expect_bad("[study]\nthis is not a setting\n", "study.ini:2:");
	expect_bad("[study]\nname = \xff\n", "study.ini:2: invalid UTF-8");
	char *text = preset_filled();
	char *swapped = xstrdup(text);
	char *p = strstr(swapped, "variants = 3");
	memcpy(p, "variants = 1", 12);
	expect_bad(swapped, "variants");
	free(swapped);
	swapped = xstrdup(text);
	p = strstr(swapped, "role = test");
	memcpy(p, "role = cont", 11);
	expect_bad(swapped, "role must be control or test");
	free(swapped);
	swapped = xstrdup(text);
	p = strstr(swapped, "Europe/Brussels");
	memcpy(p, "Europe/Brusels ", 15);
	expect_bad(swapped, "unknown time zone");
	free(swapped);
	/* A folder of zoneinfo, another file there, or nothing at all would
	 * each silently become UTC in the C library. */
	static const char *const not_zones[] = { "Europe         ", "zone.tab       ",
						 "               " };
	for (size_t i = 0; i < ARRAY_SIZE(not_zones); i++) {
		swapped = xstrdup(text);
		p = strstr(swapped, "Europe/Brussels");
		memcpy(p, not_zones[i], 15);
		expect_bad(swapped, "unknown time zone");
		free(swapped);
	}
	free(text);
}
END_TEST

START_TEST(rng_streams)
{
	/* The published xoshiro256** outputs from the state {1, 2, 3, 4}
	 * (Blackman & Vigna's reference C code, as quoted in the test suites of
	 * rand_xoshiro and others). */
	struct rng vec = { { 1, 2, 3, 4 } };
	static const uint64_t ref[] = { 11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL,
					1216172134540287360ULL, 607988272756665600ULL };
	for (size_t i = 0; i < ARRAY_SIZE(ref); i++)
		ck_assert_uint_eq(rng_next(&vec), ref[i]);
	/* Seeding: the seed XOR the FNV-1a hash of the stream name goes
	 * through SplitMix64. The hash of "" is the FNV offset basis, so this
	 * seed gives SplitMix64 from 0, whose published first outputs are
	 * these four. */
	struct rng sm;
	rng_init(&sm, 0xCBF29CE484222325ULL, "");
	ck_assert_uint_eq(sm.s[0], 0xE220A8397B1DCDAFULL);
	ck_assert_uint_eq(sm.s[1], 0x6E789E6AA1B965F4ULL);
	ck_assert_uint_eq(sm.s[2], 0x06C45D188009454FULL);
	ck_assert_uint_eq(sm.s[3], 0xF88BB8A8724C81ECULL);

	struct rng a, b, c;
	rng_init(&a, 42, "assign");
	rng_init(&b, 42, "assign");
	rng_init(&c, 42, "personas");
	int same = 1, diff = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);
		same &= x == y;
		diff += x != z;
	}
	ck_assert(same);
	ck_assert_int_gt(diff, 95);
	/* rng_below stays in range and hits every value of a small range. */
	int seen[7] = { 0 };
	for (int i = 0; i < 7000; i++) {
		uint64_t v = rng_below(&a, 7);
		ck_assert_uint_lt(v, 7);
		seen[v]++;
	}
	for (int i = 0; i < 7; i++)
		ck_assert_int_gt(seen[i], 800); /* expected 1000, sd ~29 */
	double u = rng_uniform(&a);
	ck_assert(u >= 0 && u < 1);
	/* A shuffle of elements of any size is a permutation of them. */
	struct big {
		int key;
		char pad[300];
	} v[20];
	for (int i = 0; i < 20; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].key = i;
		v[i].pad[299] = (char)i;
	}
	rng_shuffle(&a, v, 20, sizeof(v[0]));
	int moved = 0, found[20] = { 0 };
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(v[i].pad[299], v[i].key);
		found[v[i].key]++;
		moved += v[i].key != i;
	}
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(found[i], 1);
	ck_assert_int_gt(moved, 0);
}
END_TEST

START_TEST(json_writer)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	json_init(&j, f, 0);
	json_obj_begin(&j);
	json_key(&j, "n");
	json_int(&j, 3);
	json_key(&j, "rate");
	json_num(&j, 0.5);
	json_key(&j, "undefined");
	json_num(&j, 0.0 / 0.0);
	json_key(&j, "name");
	json_str(&j, "a\"b\n");
	/* Every escape RFC 8259 requires (and DEL), between runs of plain
	 * bytes and UTF-8 that are written as they are. */
	json_key(&j, "all");
	json_str(&j, "x\\y\t\r\001\177\xc3\xa9 \"q\"");
	json_key(&j, "list");
	json_arr_begin(&j);
	json_int(&j, 1);
	json_null(&j);
	json_arr_end(&j);
	json_key(&j, "empty");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	fclose(f);
	ck_assert_str_eq(buf, "{\"n\":3,\"rate\":0.5,\"undefined\":null,\"name\":\"a\\\"b\\n\","
			      "\"all\":\"x\\\\y\\t\\r\\u0001\\u007f\xc3\xa9 \\\"q\\\"\","
			      "\"list\":[1,null],\"empty\":{}}");
	free(buf);
}
END_TEST

static char *tmp_study_dir(void)
{
	char *tmp = tmpdir_new("ct-core");
	char *dir = xasprintf("%s/study", tmp);
	free(tmp);
	return dir;
}

START_TEST(study_store)
{
	struct ct_err err = { 0 };
	char *dir = tmp_study_dir();
	char *text = preset_filled();
	ck_assert_int_eq(study_create(dir, text, &err), CT_OK);
	struct study *s;
	ck_assert_int_eq(study_open(dir, STUDY_RW, &s, &err), CT_OK);
	ck_assert_int_eq(study_group_id(s, "belgian") > 0, 1);
	ck_assert_int_eq(study_group_id(s, "nobody"), 0);

	/* The event chain verifies, and detects an edited row. */
	ck_assert_int_eq(study_begin(s, &err), CT_OK);
	ck_assert_int_eq(study_event(s, "test", "subject", NULL, &err), CT_OK);
	ck_assert_int_eq(study_commit(s, &err), CT_OK);
	struct verify_options vo = { 0 };
	struct verify_result *vr;
	ck_assert_int_eq(verify_run(s, &vo, &vr, &err), CT_OK);
	ck_assert_int_eq(vr->events, 2);
	ck_assert_int_eq(vr->nfindings, 0);
	verify_result_free(vr);
	ck_assert_int_eq(sqlite3_exec(s->db, "UPDATE event SET detail = 'edited' WHERE id = 1", NULL,
				      NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(verify_run(s, &vo, &vr, &err), CT_OK);
	ck_assert_int_eq(vr->nfindings, 1);
	ck_assert_str_eq(vr->findings[0].subject, "event 1");
	verify_result_free(vr);

	/* Agent keys: normalised names share a key; other names do not. */
	char k1[16], k2[16], k3[16];
	ck_assert_int_eq(study_agent_key(s, "Immo Peeters", k1, &err), CT_OK);
	ck_assert_int_eq(study_agent_key(s, "  immo   PEETERS ", k2, &err), CT_OK);
	ck_assert_int_eq(study_agent_key(s, "Immo Janssens", k3, &err), CT_OK);
	ck_assert_str_eq(k1, k2);
	ck_assert_str_ne(k1, k3);
	ck_assert_int_eq(strlen(k1), 15);
	ck_assert(!strncmp(k1, "ag-", 3));
	study_close(s);

	/* A second create in the same folder is refused and changes nothing. */
	ck_assert_int_eq(study_create(dir, text, &err), CT_EINPUT);
	/* A missing folder is an input error. */
	ck_assert_int_eq(study_open("/nonexistent/study", STUDY_RO, &s, &err), CT_EINPUT);
	free(text);
	free(dir);
}
END_TEST

START_TEST(create_leaves_nothing_on_bad_design)
{
	struct ct_err err = { 0 };
	char *dir = tmp_study_dir();
	ck_assert_int_eq(study_create(dir, "[study]\nname = x\n", &err), CT_EINPUT);
	ck_assert_int_ne(access(dir, F_OK), 0);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, utf8_valid_and_invalid);
	tcase_add_test(tc, control_characters);
	tcase_add_test(tc, text_rule);
	tcase_add_test(tc, number_parsing);
	tcase_add_test(tc, iso_times);
	tcase_add_test(tc, calendar_dates);
	tcase_add_test(tc, agent_names_normalised);
	tcase_add_test(tc, atomic_write_ignores_planted_links);
	tcase_add_test(tc, brussels_offsets);
	tcase_add_test(tc, preset_design);
	tcase_add_test(tc, config_errors_name_lines);
	tcase_add_test(tc, rng_streams);
	tcase_add_test(tc, json_writer);
	tcase_add_test(tc, study_store);
	tcase_add_test(tc, create_leaves_nothing_on_bad_design);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
