/* test_strata.c: stats/strata.c against R (tests/r/strata.R writes
 * tests/fixtures/stats-strata.tsv from chisq.test(cbind(b, c),
 * correct = FALSE); tests/r/netdiff.R writes tests/fixtures/stats-netdiff.tsv
 * for the net-rate comparisons), and the edge cases: no strata, one
 * stratum, empty strata, all discordant pairs one way, counts of 10^7,
 * invalid counts. */
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

/* The columns of tests/fixtures/stats-netdiff.tsv. */
enum { N_KIND, N_B, N_C, N_N, N_ALPHA, N_D1, N_D2, N_VAR1, N_VAR2, N_DIFF, N_SE, N_LO, N_HI,
       N_Z, N_P, N_MEAN, N_CHI2, N_DF, N_HET_P, N_INF, N_COUNT };

static int has_net_note(const struct net_heterogeneity *h, const char *note)
{
	for (int i = 0; i < h->nnotes; i++)
		if (strcmp(h->notes[i], note) == 0)
			return 1;
	return 0;
}

START_TEST(net_agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-netdiff.tsv", &r);
	int diffs = 0, hets = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, N_COUNT);
		long b[64], c[64], n[64];
		size_t k = parse_counts(r.f[N_B], b, 64);
		ck_assert_uint_eq(parse_counts(r.f[N_C], c, 64), k);
		ck_assert_uint_eq(parse_counts(r.f[N_N], n, 64), k);
		char what[64];
		if (strcmp(r.f[N_KIND], "diff") == 0) {
			ck_assert_uint_eq(k, 2);
			struct net_rate_diff d;
			ck_assert_int_eq(strata_net_diff(b[0], c[0], n[0], b[1], c[1], n[1],
							 tsv_num(&r, N_ALPHA), &d), 1);
			const struct { int col, defined; double got; } m[] = {
				{ N_D1, d.d1_defined, d.d1 }, { N_D2, d.d2_defined, d.d2 },
				{ N_VAR1, d.d1_defined, d.var1 }, { N_VAR2, d.d2_defined, d.var2 },
				{ N_DIFF, d.defined, d.diff }, { N_SE, d.defined, d.se },
				{ N_LO, d.defined, d.lo }, { N_HI, d.defined, d.hi },
				{ N_Z, d.defined, d.z }, { N_P, d.defined, d.p },
			};
			for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
				snprintf(what, sizeof what, "diff case %d column %d", diffs, m[i].col);
				tsv_expect(&r, m[i].col, m[i].defined, m[i].got, what);
			}
			ck_assert_int_eq(d.why == NULL, d.defined);
			diffs++;
		} else {
			ck_assert_str_eq(r.f[N_KIND], "het");
			struct net_heterogeneity h;
			ck_assert_int_eq(strata_net_heterogeneity(b, c, n, k, &h), 1);
			snprintf(what, sizeof what, "het case %d mean", hets);
			tsv_expect(&r, N_MEAN, h.defined, h.mean, what);
			snprintf(what, sizeof what, "het case %d chi2", hets);
			tsv_expect(&r, N_CHI2, h.defined, h.chi2, what);
			snprintf(what, sizeof what, "het case %d df", hets);
			tsv_expect(&r, N_DF, h.defined, (double)h.df, what);
			snprintf(what, sizeof what, "het case %d p", hets);
			tsv_expect(&r, N_HET_P, h.defined, h.p, what);
			ck_assert_uint_eq(h.informative, (size_t)tsv_num(&r, N_INF));
			ck_assert_uint_eq(h.strata, k);
			ck_assert_int_eq(has_net_note(&h, STRATA_NOTE_NET_TOO_FEW), !h.defined);
			hets++;
		}
	}
	fclose(fp);
	ck_assert_int_ge(diffs, 15);
	ck_assert_int_ge(hets, 10);
}
END_TEST

/* The issue's case: b/(b+c) = 11/15 in both strata, so the homogeneity
 * test of b/(b+c) says nothing (chi2 = 0, p = 1), while the net rates
 * 77/350 = 22% and 42/400 = 10.5% differ: by hand, Var1 = (165/350 -
 * 0.22^2)/350 = 0.0012086531, Var2 = (90/400 - 0.105^2)/400 = 0.0005349375,
 * se = sqrt(0.0017435906) = 0.0417563, z = 0.115/0.0417563 = 2.7541 (R:
 * 2.75407387586696, tests/r/netdiff.R). */
START_TEST(net_diff_issue_case)
{
	const long b[] = { 121, 66 }, c[] = { 44, 24 };
	struct strata_homogeneity h;
	ck_assert_int_eq(strata_homogeneity(b, c, 2, &h), 1);
	ck_assert(h.defined && fabs(h.chi2) < 1e-12 && fabs(h.p - 1) < 1e-12);
	struct net_rate_diff d;
	ck_assert_int_eq(strata_net_diff(121, 44, 350, 66, 24, 400, 0.05, &d), 1);
	ck_assert(d.defined);
	ck_assert(fabs(d.d1 - 0.22) < 1e-15 && fabs(d.d2 - 0.105) < 1e-15);
	ck_assert(fabs(d.var1 - 0.0012086530612244898) < 1e-15);
	ck_assert(fabs(d.var2 - 0.0005349375) < 1e-15);
	ck_assert(fabs(d.z - 2.75407387586696) < 1e-12);
	/* Two strata: Cochran's Q is z^2 with the same p. */
	const long n[] = { 350, 400 };
	struct net_heterogeneity q;
	ck_assert_int_eq(strata_net_heterogeneity(b, c, n, 2, &q), 1);
	ck_assert(q.defined && q.df == 1);
	ck_assert(fabs(q.chi2 - d.z * d.z) < 1e-9);
	ck_assert(fabs(q.p - d.p) < 1e-12);
}
END_TEST

START_TEST(net_edges)
{
	struct net_rate_diff d;
	/* Invalid counts and levels are refused, with a reason. */
	ck_assert_int_eq(strata_net_diff(-1, 0, 5, 1, 1, 5, 0.05, &d), 0);
	ck_assert_str_eq(d.why, STRATA_NOTE_NET_INVALID);
	ck_assert_int_eq(strata_net_diff(3, 3, 5, 1, 1, 5, 0.05, &d), 0);
	ck_assert_int_eq(strata_net_diff(1, 1, 5, 1, 1, -5, 0.05, &d), 0);
	ck_assert_int_eq(strata_net_diff(1, 1, 5, 1, 1, 5, 0, &d), 0);
	ck_assert_int_eq(strata_net_diff(1, 1, 5, 1, 1, 5, 1, &d), 0);
	ck_assert_int_eq(strata_net_diff(LONG_MAX, LONG_MAX, LONG_MAX, 1, 1, 5, 0.05, &d), 0);
	/* b = c = 0 and all one way in both: variance 0 each, no test, no NaN. */
	ck_assert_int_eq(strata_net_diff(0, 0, 10, 7, 0, 7, 0.05, &d), 1);
	ck_assert(!d.defined && d.d1_defined && d.d2_defined);
	ck_assert_str_eq(d.why, STRATA_NOTE_NET_ZERO_VAR);
	ck_assert(d.var1 == 0 && d.var2 == 0 && d.d2 == 1 && !isnan(d.z) && !isnan(d.p));
	/* Every pair discordant the other way: d = -1, variance 0. */
	ck_assert_int_eq(strata_net_diff(0, 4, 4, 0, 0, 3, 0.05, &d), 1);
	ck_assert(!d.defined && d.d1 == -1 && d.var1 == 0);
	/* An empty stratum. */
	ck_assert_int_eq(strata_net_diff(0, 0, 0, 2, 1, 9, 0.05, &d), 1);
	ck_assert(!d.defined && !d.d1_defined && d.d2_defined);
	ck_assert_str_eq(d.why, STRATA_NOTE_NET_EMPTY);

	struct net_heterogeneity h;
	ck_assert_int_eq(strata_net_heterogeneity(NULL, NULL, NULL, 0, &h), 1);
	ck_assert(!h.defined && h.strata == 0 && !isnan(h.chi2));
	ck_assert(has_net_note(&h, STRATA_NOTE_NET_TOO_FEW));
	const long b[] = { 5, 0, 0, 9, 4 }, c[] = { 1, 0, 0, 0, 4 }, n[] = { 20, 0, 6, 9, 30 };
	ck_assert_int_eq(strata_net_heterogeneity(b, c, n, 5, &h), 1);
	ck_assert_uint_eq(h.informative, 2);
	ck_assert(h.defined && h.df == 1);
	ck_assert(has_net_note(&h, STRATA_NOTE_NET_LEFT_EMPTY));
	ck_assert(has_net_note(&h, STRATA_NOTE_NET_LEFT_ZERO_VAR));
	/* By hand for the two weighted strata: d = 0.2, Var = (0.3 - 0.04)/20
	 * = 0.013; d = 0, Var = (8/30)/30 = 0.0088889; mean = (0.2/0.013)/
	 * (1/0.013 + 1/0.0088889) = 0.081218; Q = 0.2^2/(0.013 + 0.0088889)
	 * = 1.8274 (two strata: Q = z^2). */
	ck_assert(fabs(h.mean - 0.2 / 0.013 / (1 / 0.013 + 1 / (8.0 / 900))) < 1e-12);
	ck_assert(fabs(h.chi2 - 0.04 / (0.013 + 8.0 / 900)) < 1e-12);
	const long bi[] = { 3 }, ci[] = { 4 }, ni[] = { 2 };
	ck_assert_int_eq(strata_net_heterogeneity(bi, ci, ni, 1, &h), 0);
	ck_assert(has_net_note(&h, STRATA_NOTE_NET_INVALID));
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
	tcase_add_test(tc, net_agrees_with_r);
	tcase_add_test(tc, net_diff_issue_case);
	tcase_add_test(tc, net_edges);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
