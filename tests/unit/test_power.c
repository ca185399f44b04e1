/* test_power.c: stats/power.c against the values R computes in
 * tests/r/power.R (tests/fixtures/stats-power.tsv: Connor's and Miettinen's
 * formulas, exact power of the exact and mid-p McNemar tests by summing over
 * every table, the exact sample sizes, the smallest difference Connor's
 * formula and the exact test detect), a published example, the input
 * conversions worked by hand, and the designs that must be refused. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power.h"
#include "rmath.h"

#define FIXTURE "tests/fixtures/stats-power.tsv"
#define NCOL 15

/* Relative 1e-6, or absolute 1e-9 near zero (the house rule). */
static void close_to(double got, double want, const char *what, int row)
{
	double tol = fmax(1e-9, 1e-6 * fabs(want));
	ck_assert_msg(isfinite(got) && fabs(got - want) <= tol, "row %d %s: got %.12g, want %.12g",
		      row, what, got, want);
}

START_TEST(agrees_with_r)
{
	FILE *f = fopen(FIXTURE, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", FIXTURE);
	char line[2048];
	int rows = 0;
	ck_assert(fgets(line, sizeof line, f) != NULL); /* header */
	while (fgets(line, sizeof line, f)) {
		double v[NCOL];
		int na[NCOL] = { 0 }, k = 0;
		for (char *tok = strtok(line, "\t\n"); tok && k < NCOL; tok = strtok(NULL, "\t\n"), k++) {
			na[k] = !strcmp(tok, "NA");
			v[k] = na[k] ? 0 : strtod(tok, NULL);
		}
		ck_assert_int_eq(k, NCOL);
		rows++;
		double pb = v[0], pc = v[1], alpha = v[2], pw = v[3];
		long n = (long)v[4];
		close_to(power_n_connor(pb, pc, alpha, pw), v[5], "n_connor", rows);
		close_to(power_n_miettinen(pb, pc, alpha, pw), v[6], "n_miettinen", rows);
		close_to(power_connor(pb, pc, alpha, (double)n), v[7], "power_connor", rows);
		close_to(power_miettinen(pb, pc, alpha, (double)n), v[8], "power_miettinen", rows);
		close_to(power_exact(pb, pc, alpha, n, POWER_EXACT), v[9], "power_exact", rows);
		close_to(power_exact(pb, pc, alpha, n, POWER_MIDP), v[10], "power_midp", rows);
		if (!na[11])
			ck_assert_int_eq(power_n_exact(pb, pc, alpha, pw, POWER_EXACT), (long)v[11]);
		if (!na[12])
			ck_assert_int_eq(power_n_exact(pb, pc, alpha, pw, POWER_MIDP), (long)v[12]);
		close_to(power_detectable_delta(pb + pc, alpha, pw, (double)n), v[13],
			 "detectable_delta", rows);
		if (!na[14])
			close_to(power_detectable_delta_exact(pb + pc, alpha, pw, n, POWER_EXACT),
				 v[14], "detectable_delta_exact", rows);
	}
	fclose(f);
	ck_assert_int_ge(rows, 10);
}
END_TEST

START_TEST(published_example)
{
	/* powerandsamplesize.com, "Compare Paired Proportions: McNemar's
	 * Z-test, 2-Sided Equality" (after Connor 1987, p. 209): p10 = 0.05,
	 * p01 = 0.45, alpha = 0.05, power = 0.8 gives ceiling(n) = 23. */
	ck_assert_double_eq(ceil(power_n_connor(0.05, 0.45, 0.05, 0.80)), 23);
	/* The 1-sided page of the same site: z(1-alpha) at alpha = 0.05 is
	 * z(1-alpha/2) at alpha = 0.10; with power 0.9 it gives 23 too. */
	ck_assert_double_eq(ceil(power_n_connor(0.05, 0.45, 0.10, 0.90)), 23);
	/* Miettinen's n is below Connor's whenever psi < 1 (Connor 1987):
	 * (3+psi)/(4 psi) >= 1 takes more off the variance. */
	ck_assert(power_n_miettinen(0.15, 0.05, 0.05, 0.8) < power_n_connor(0.15, 0.05, 0.05, 0.8));
}
END_TEST

START_TEST(symmetric_in_direction)
{
	/* Swapping b and c (the test candidate favoured) changes nothing. */
	ck_assert_double_eq_tol(power_n_connor(0.2, 0.1, 0.05, 0.8),
				power_n_connor(0.1, 0.2, 0.05, 0.8), 1e-12);
	ck_assert_double_eq_tol(power_exact(0.2, 0.1, 0.05, 200, POWER_EXACT),
				power_exact(0.1, 0.2, 0.05, 200, POWER_EXACT), 1e-12);
	ck_assert_double_eq_tol(power_exact(0.2, 0.1, 0.05, 200, POWER_MIDP),
				power_exact(0.1, 0.2, 0.05, 200, POWER_MIDP), 1e-12);
}
END_TEST

START_TEST(from_concordance)
{
	/* p_C = 0.6, p_T = 0.5, concordance 0.7: psi = 0.3, delta = 0.1,
	 * p_b = (0.3 + 0.1)/2 = 0.2, p_c = 0.1 (cells a = 0.4, d = 0.3). */
	double pb, pc;
	const char *why = NULL;
	ck_assert(power_from_concordance(0.6, 0.5, 0.7, &pb, &pc, &why));
	ck_assert_double_eq_tol(pb, 0.2, 1e-12);
	ck_assert_double_eq_tol(pc, 0.1, 1e-12);
	/* psi = 0.05 < delta = 0.1: no such table. */
	ck_assert(!power_from_concordance(0.6, 0.5, 0.95, &pb, &pc, &why));
	ck_assert_ptr_nonnull(why);
	/* p_C = 0.9, p_T = 0.8, concordance 0.5: psi = 0.5, p_c = 0.2,
	 * d = 1 - 0.9 - 0.2 < 0. */
	ck_assert(!power_from_concordance(0.9, 0.8, 0.5, &pb, &pc, &why));
	ck_assert(!power_from_concordance(1.2, 0.5, 0.5, &pb, &pc, &why));
}
END_TEST

START_TEST(from_phi)
{
	double pb, pc;
	const char *why = NULL;
	/* Independence: p_C = p_T = 0.5, phi = 0: a = 0.25, b = c = 0.25. */
	ck_assert(power_from_phi(0.5, 0.5, 0.0, &pb, &pc, &why));
	ck_assert_double_eq_tol(pb, 0.25, 1e-12);
	ck_assert_double_eq_tol(pc, 0.25, 1e-12);
	/* p_C = 0.6, p_T = 0.4, phi = 0.5: sqrt(.24 * .24) = .24,
	 * a = .24 + .5 * .24 = .36, b = .6 - .36 = .24, c = .4 - .36 = .04. */
	ck_assert(power_from_phi(0.6, 0.4, 0.5, &pb, &pc, &why));
	ck_assert_double_eq_tol(pb, 0.24, 1e-12);
	ck_assert_double_eq_tol(pc, 0.04, 1e-12);
	/* phi = 1 with unequal rates is impossible (a = .6 > p_T = .4). */
	ck_assert(!power_from_phi(0.6, 0.4, 1.0, &pb, &pc, &why));
	ck_assert(!power_from_phi(0.6, 0.4, 1.5, &pb, &pc, &why));
}
END_TEST

START_TEST(from_previous)
{
	/* Last round: a=40 b=20 c=10 d=30, N = 100: p_b = 0.2, p_c = 0.1. */
	double pb, pc;
	const char *why = NULL;
	ck_assert(power_from_previous(40, 20, 10, 30, &pb, &pc, &why));
	ck_assert_double_eq_tol(pb, 0.2, 1e-12);
	ck_assert_double_eq_tol(pc, 0.1, 1e-12);
	ck_assert(!power_from_previous(0, 0, 0, 0, &pb, &pc, &why));
	ck_assert(!power_from_previous(1, -1, 0, 0, &pb, &pc, &why));
}
END_TEST

START_TEST(invalid_designs)
{
	const char *why = NULL;
	ck_assert(!power_design_valid(0.2, 0.2, &why));
	ck_assert_str_eq(why, POWER_WHY_NULL);
	ck_assert(!power_design_valid(-0.1, 0.2, &why));
	ck_assert_str_eq(why, POWER_WHY_RANGE);
	ck_assert(!power_design_valid(0.7, 0.6, &why));
	ck_assert_str_eq(why, POWER_WHY_SUM);
	ck_assert(!power_design_valid(NAN, 0.1, &why));
	ck_assert(power_design_valid(0.7, 0.3, &why));
	/* Undefined inputs give 0, never NaN. */
	ck_assert_double_eq(power_n_connor(0.2, 0.2, 0.05, 0.8), 0);
	ck_assert_double_eq(power_n_miettinen(0.2, 0.2, 0.05, 0.8), 0);
	ck_assert_double_eq(power_connor(0.2, 0.1, 0.05, 0), 0);
	ck_assert_double_eq(power_exact(0.2, 0.1, 0.05, 0, POWER_EXACT), 0);
	ck_assert_double_eq(power_exact(0.2, 0.1, 0.0, 10, POWER_EXACT), 0);
	ck_assert_int_eq(power_n_exact(0.2, 0.2, 0.05, 0.8, POWER_EXACT), 0);
	ck_assert_double_eq(power_detectable_delta(0.0, 0.05, 0.8, 100), 0);
}
END_TEST

START_TEST(edges)
{
	/* psi = 1, delta = 1: every pair is b; Connor's variance is 0. Under
	 * the exact test one pair never rejects (p = 1), and m pairs all one
	 * way reject when 2 / 2^m <= 0.05, i.e. m >= 6: power 1 at n = 6. */
	ck_assert_double_eq_tol(power_exact(1.0, 0.0, 0.05, 6, POWER_EXACT), 1.0, 1e-12);
	ck_assert_double_eq_tol(power_exact(1.0, 0.0, 0.05, 5, POWER_EXACT), 0.0, 1e-12);
	ck_assert_double_eq(power_connor(1.0, 0.0, 0.05, 10), 1.0);
	ck_assert(isfinite(power_n_connor(1.0, 0.0, 0.05, 0.8)));
	/* A tiny effect with a huge n stays finite and quick. */
	double p = power_exact(0.1505, 0.1495, 0.05, POWER_N_MAX, POWER_EXACT);
	ck_assert(isfinite(p) && p > 0.99);
	/* Nothing detectable: psi = 0.01 with 10 pairs. */
	ck_assert_double_eq(power_detectable_delta(0.01, 0.05, 0.8, 10), 0);
}
END_TEST

START_TEST(detectable_exact)
{
	/* psi = 1, n = 6: only m = 6 discordant pairs exist, and the test
	 * rejects only b = 0 or b = 6 (2 / 2^6 <= 0.05), so the power is
	 * pi^6 + (1 - pi)^6 with pi = (1 + delta)/2. It reaches 0.8 where
	 * pi^6 + (1-pi)^6 = 0.8; (1-pi)^6 is about 2e-9 there, so pi is
	 * 0.8^(1/6) = 0.96349... nearly, and two Newton steps from there
	 * solve the equation to rounding: delta = 2 pi - 1. */
	double pi = pow(0.8, 1.0 / 6.0);
	for (int i = 0; i < 2; i++) {
		double f = pow(pi, 6) + pow(1 - pi, 6) - 0.8;
		double df = 6 * pow(pi, 5) - 6 * pow(1 - pi, 5);
		pi -= f / df;
	}
	ck_assert_double_eq_tol(power_detectable_delta_exact(1.0, 0.05, 0.8, 6, POWER_EXACT),
				2 * pi - 1, 1e-10);
	/* Five pairs never reject: nothing is detectable. */
	ck_assert_double_eq(power_detectable_delta_exact(1.0, 0.05, 0.8, 5, POWER_EXACT), 0);
	/* The exact test needs a larger difference than Connor's formula, the
	 * mid-p test about the same; out-of-range inputs give 0. */
	double e = power_detectable_delta_exact(0.3, 0.05, 0.8, 800, POWER_EXACT);
	double m = power_detectable_delta_exact(0.3, 0.05, 0.8, 800, POWER_MIDP);
	ck_assert(e > power_detectable_delta(0.3, 0.05, 0.8, 800) && m < e);
	ck_assert_double_eq(power_detectable_delta_exact(0.3, 0.05, 0.8, 0, POWER_EXACT), 0);
	ck_assert_double_eq(power_detectable_delta_exact(0.0, 0.05, 0.8, 100, POWER_EXACT), 0);
	/* Miettinen's formula solved for delta gives back its power. */
	double dm = power_detectable_delta_miettinen(0.3, 0.05, 0.8, 800);
	ck_assert_double_eq_tol(power_miettinen((0.3 + dm) / 2, (0.3 - dm) / 2, 0.05, 800), 0.8,
				1e-9);
	/* Below a power of one half there is no monotone answer: refused. */
	ck_assert_double_eq(power_detectable_delta_miettinen(0.3, 0.05, 0.4, 800), 0);
	/* The largest n stays quick and finite. */
	double big = power_detectable_delta_exact(0.3, 0.05, 0.8, POWER_N_MAX, POWER_EXACT);
	ck_assert(isfinite(big) && big > 0 && big < 0.001);
}
END_TEST

START_TEST(design_arithmetic)
{
	/* 100 valid pairs with 10% lost: ceil(100/0.9) = ceil(111.1) = 112;
	 * 90 with 10% lost: 90/0.9 = 100 exactly, not 101. */
	ck_assert_int_eq(power_inflate(100, 0.1), 112);
	ck_assert_int_eq(power_inflate(90, 0.1), 100);
	ck_assert_int_eq(power_inflate(100, 0.0), 100);
	ck_assert_int_eq(power_inflate(100, 1.0), -1);
	ck_assert_int_eq(power_inflate(100, -0.1), -1);
	ck_assert_double_eq_tol(power_alpha_adjusted(0.05, 3, POWER_ADJUST_BONFERRONI), 0.05 / 3,
				1e-15);
	ck_assert_double_eq_tol(power_alpha_adjusted(0.05, 3, POWER_ADJUST_HOLM), 0.05 / 3, 1e-15);
	ck_assert_double_eq(power_alpha_adjusted(0.05, 3, POWER_ADJUST_NONE), 0.05);
	ck_assert_double_eq(power_alpha_adjusted(0.05, 1, POWER_ADJUST_BONFERRONI), 0.05);
}
END_TEST

START_TEST(large_design_search)
{
	/* p_b = 0.1925, p_c = 0.1575 (psi 0.35, delta 0.035): the normal
	 * approximations ask for about 2240 pairs, so power_n_exact takes
	 * the bisection path; a plain scan with the window rule from well
	 * below must find the same n, and the power must not dip there. */
	double pb = 0.1925, pc = 0.1575;
	ck_assert(power_n_miettinen(pb, pc, 0.05, 0.8) > 2000);
	long got = power_n_exact(pb, pc, 0.05, 0.8, POWER_EXACT);
	long run = 0, want = 0;
	double prev = 0;
	for (long n = 1900; n < 2700 && !want; n++) {
		double p = power_exact(pb, pc, 0.05, n, POWER_EXACT);
		ck_assert_msg(p >= prev, "power dips at n = %ld", n);
		prev = p;
		if (p >= 0.8) {
			if (!run)
				run = n;
			if (n - run >= POWER_EXACT_WINDOW)
				want = run;
		} else {
			run = 0;
		}
	}
	ck_assert_int_gt(want, 0);
	ck_assert_int_eq(got, want);
	/* Beyond the search limit: no n, rather than minutes of work. */
	ck_assert_int_eq(power_n_exact(0.2505, 0.2495, 0.05, 0.8, POWER_EXACT), 0);
}
END_TEST

/* A reference for the cached, recurrence-based exact power: the sum over
 * every number of discordant pairs m of dbinom(m; n, psi) times the
 * rejection probability from pbinom at the critical value, which is found
 * from scratch for each m by bisection with pbinom at 1/2 (no recurrence,
 * no cache, no truncation): the method of power.R in C. */
static double reference_power(double pb, double pc, double alpha, long n, int midp)
{
	double psi = pb + pc, pi = pb / psi, sum = 0.0;
	for (long m = 1; m <= n; m++) {
		double w = dbinom((double)m, (double)n, psi, 0);
		if (w == 0.0)
			continue;
		/* The p-value grows with x: bisect for the largest x < m/2
		 * whose p-value is <= alpha (-1 when none). */
		long lo = -1, hi = (m - 1) / 2 + 1;
		while (hi - lo > 1) {
			long x = lo + (hi - lo) / 2;
			double p = 2.0 * pbinom((double)x, (double)m, 0.5, 1, 0);
			if (midp)
				p -= dbinom((double)x, (double)m, 0.5, 0);
			if (p <= alpha)
				lo = x;
			else
				hi = x;
		}
		long k = lo;
		if (k >= 0)
			sum += w * (pbinom((double)k, (double)m, pi, 1, 0) +
				    pbinom((double)k, (double)m, 1.0 - pi, 1, 0));
	}
	return sum;
}

START_TEST(cached_power_matches_reference)
{
	/* By hand first: n = 6, p_b = 0.3, p_c = 0.1, alpha 0.05. Only m = 6
	 * discordant pairs can reject (2 / 2^6 <= 0.05 < 2 / 2^5), and then
	 * only b = 0 or b = 6, pi = 0.75:
	 * 0.4^6 (0.75^6 + 0.25^6) = 0.004096 * 0.178222656 = 0.000729999... */
	double hand = pow(0.4, 6) * (pow(0.75, 6) + pow(0.25, 6));
	ck_assert_double_eq_tol(power_exact(0.3, 0.1, 0.05, 6, POWER_EXACT), hand, 1e-15);
	ck_assert_double_eq_tol(power_exact(0.3, 0.1, 0.05, 5, POWER_EXACT), 0.0, 1e-15);
	/* Against the reference over sample sizes that cross many anchors of
	 * the recurrences (every 512 values of m), one context per design
	 * walked up and down, and a fresh evaluation of each. */
	static const struct { double pb, pc, alpha; } d[] = {
		{ 0.2, 0.1, 0.05 }, { 0.05, 0.45, 0.01 }, { 0.0101, 0.0099, 0.05 },
		{ 0.6, 0.4, 0.05 }, { 0.3, 0.0, 0.05 }, { 0.35, 0.3, 0.0166666666666667 },
	};
	static const long ns[] = { 1, 7, 40, 333, 1200, 2500, 4999, 800, 60 };
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		for (int midp = 0; midp <= 1; midp++) {
			enum power_test t = midp ? POWER_MIDP : POWER_EXACT;
			struct power_exact_ctx *c = power_exact_ctx_new(d[i].pb, d[i].pc, d[i].alpha, t);
			ck_assert_ptr_nonnull(c);
			double many[sizeof(ns) / sizeof(ns[0])];
			ck_assert_int_eq(power_exact_many(d[i].pb, d[i].pc, d[i].alpha, t, ns,
							  sizeof(ns) / sizeof(ns[0]), many), 1);
			for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
				double want = reference_power(d[i].pb, d[i].pc, d[i].alpha, ns[k], midp);
				double got = power_exact_ctx_at(c, ns[k]);
				ck_assert_msg(fabs(got - want) <= 1e-12,
					      "design %zu midp %d n %ld: cached %.17g, reference %.17g", i,
					      midp, ns[k], got, want);
				ck_assert_msg(fabs(many[k] - want) <= 1e-12, "many: n %ld", ns[k]);
				ck_assert_msg(fabs(power_exact(d[i].pb, d[i].pc, d[i].alpha, ns[k], t) -
						   want) <= 1e-12,
					      "fresh: n %ld", ns[k]);
			}
			power_exact_ctx_free(c);
		}
	}
	ck_assert_ptr_null(power_exact_ctx_new(0.2, 0.2, 0.05, POWER_EXACT));
	power_exact_ctx_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("power");
	TCase *tr = tcase_create("r");
	tcase_set_timeout(tr, 60);
	tcase_add_test(tr, agrees_with_r);
	tcase_add_test(tr, large_design_search);
	suite_add_tcase(s, tr);
	TCase *tc = tcase_create("by hand");
	tcase_add_test(tc, published_example);
	tcase_add_test(tc, cached_power_matches_reference);
	tcase_add_test(tc, symmetric_in_direction);
	tcase_add_test(tc, from_concordance);
	tcase_add_test(tc, from_phi);
	tcase_add_test(tc, from_previous);
	tcase_add_test(tc, invalid_designs);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, design_arithmetic);
	tcase_add_test(tc, detectable_exact);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
