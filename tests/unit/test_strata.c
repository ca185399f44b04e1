/* test_strata.c: stats/strata.c against R (tests/r/strata.R writes
 * tests/fixtures/stats-strata.tsv from chisq.test(cbind(b, c),
 * correct = FALSE)), and the edge cases: no strata, one stratum, empty
 * strata, all discordant pairs one way, counts of 10^7, invalid counts. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"
#include "tsv_fixture.h"

enum { F_B, F_C, F_CHI2, F_DF, F_P, F_OR, F_INF, F_DROP, F_COUNT };

static size_t parse_counts(const char *s, long *v, size_t max)
{
	size_t n = 0;
	while (*s) {
		char *end;
		ck_assert_uint_lt(n, max);
		v[n++] = strtol(s, &end, 10);
		ck_assert(end != s);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static int has_note(const struct strata_homogeneity *h, const char *note)
{
	for (int i = 0; i < h->nnotes; i++)
		if (strcmp(h->notes[i], note) == 0)
			return 1;
	return 0;
}

START_TEST(agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-strata.tsv", &r);
	int cases = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, F_COUNT);
		long b[64], c[64];
		size_t s = parse_counts(r.f[F_B], b, 64);
		ck_assert_uint_eq(parse_counts(r.f[F_C], c, 64), s);
		struct strata_homogeneity h;
		ck_assert_int_eq(strata_homogeneity(b, c, s, &h), 1);
		char what[64];
		snprintf(what, sizeof what, "case %d chi2", cases);
		tsv_expect(&r, F_CHI2, h.defined, h.chi2, what);
		snprintf(what, sizeof what, "case %d df", cases);
		tsv_expect(&r, F_DF, h.defined, (double)h.df, what);
		snprintf(what, sizeof what, "case %d p", cases);
		tsv_expect(&r, F_P, h.defined, h.p, what);
		snprintf(what, sizeof what, "case %d or_mh", cases);
		tsv_expect(&r, F_OR, h.or_defined, h.or_mh, what);
		ck_assert_uint_eq(h.informative, (size_t)tsv_num(&r, F_INF));
		ck_assert_uint_eq(h.dropped, (size_t)tsv_num(&r, F_DROP));
		ck_assert_uint_eq(h.strata, s);
		/* An undefined result is explained; a dropped stratum is noted. */
		if (!h.defined)
			ck_assert(has_note(&h, STRATA_NOTE_TOO_FEW) || has_note(&h, STRATA_NOTE_ONE_WAY));
		ck_assert_int_eq(has_note(&h, STRATA_NOTE_DROPPED), h.dropped > 0);
		ck_assert_int_eq(has_note(&h, STRATA_NOTE_NO_C), !h.or_defined);
		cases++;
	}
	fclose(fp);
	ck_assert_int_ge(cases, 20);
}
END_TEST

START_TEST(hand_example)
{
	/* b = (20, 10), c = (5, 10): B = 30, C = 15, T = 45; expected b
	 * counts 25*30/45 = 16.667 and 20*30/45 = 13.333, c counts 8.333 and
	 * 6.667; X^2 = 3.333^2 (1/16.667 + 1/8.333 + 1/13.333 + 1/6.667)
	 * = 11.111 * 0.405 = 4.5 with 1 df. */
	const long b[] = { 20, 10 }, c[] = { 5, 10 };
	struct strata_homogeneity h;
	ck_assert_int_eq(strata_homogeneity(b, c, 2, &h), 1);
	ck_assert(h.defined);
	ck_assert(fabs(h.chi2 - 4.5) < 1e-12);
	ck_assert_int_eq(h.df, 1);
	ck_assert(h.or_defined && fabs(h.or_mh - 2.0) < 1e-15);
	ck_assert_int_eq(h.b_total, 30);
	ck_assert_int_eq(h.c_total, 15);
}
END_TEST

START_TEST(edges)
{
	struct strata_homogeneity h;
	/* No strata: valid, nothing defined, never NaN. */
	ck_assert_int_eq(strata_homogeneity(NULL, NULL, 0, &h), 1);
	ck_assert(!h.defined && !h.or_defined && !isnan(h.chi2) && !isnan(h.p));
	ck_assert(has_note(&h, STRATA_NOTE_TOO_FEW));
	/* Negative or overflowing counts: refused. */
	const long bn[] = { 3, -1 }, cn[] = { 1, 1 };
	ck_assert_int_eq(strata_homogeneity(bn, cn, 2, &h), 0);
	ck_assert(has_note(&h, STRATA_NOTE_INVALID));
	const long bo[] = { LONG_MAX, 1 }, co[] = { 0, 0 };
	ck_assert_int_eq(strata_homogeneity(bo, co, 2, &h), 0);
	const long bo2[] = { LONG_MAX / 2 + 1 }, co2[] = { LONG_MAX / 2 + 1 };
	ck_assert_int_eq(strata_homogeneity(bo2, co2, 1, &h), 0);
	/* b+c = 1 in each of two strata, opposite ways: X^2 = 2. */
	const long b1[] = { 1, 0 }, c1[] = { 0, 1 };
	ck_assert_int_eq(strata_homogeneity(b1, c1, 2, &h), 1);
	ck_assert(h.defined && fabs(h.chi2 - 2.0) < 1e-12);
}
END_TEST

/* No strata at all: valid, the test undefined with a note. */
START_TEST(no_strata_null_base)
{
	struct strata_homogeneity h;
	ck_assert_int_eq(strata_homogeneity(NULL, NULL, 0, &h), 1);
	ck_assert_int_eq(h.defined, 0);
	ck_assert_uint_eq(h.strata, 0);
	ck_assert_int_ge(h.nnotes, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strata");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, agrees_with_r);
	tcase_add_test(tc, hand_example);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, no_strata_null_base);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
