/* test_agreement.c: Cohen's kappa, its Fleiss-Cohen-Everitt standard error
 * and interval, and Gwet's AC1 (stats/agreement.c) on tables whose values
 * were computed by hand and, for the standard errors, by an independent
 * Python script with exact fractions (it follows Fleiss, Cohen & Everitt
 * 1969, eq. 13, written from the paper, not from this code). R's
 * psych::cohen.kappa (2.2.9) gives the same for Cohen's table below:
 * kappa 0.491525423728813, SE 0.051001815576078, 95% interval 0.3915637 to
 * 0.5914871; e2e 0205 runs it on a study's coder table. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "agreement.h"

#define EPS 1e-9

/* Cohen (1960), Table 1, as counts of 200 items: row shares .60 .30 .10,
 * column shares .50 .30 .20, diagonal .44 + .20 + .06 = .70. By hand:
 * pe = .6 x .5 + .3 x .3 + .1 x .2 = .41; kappa = (.70 - .41) / .59 =
 * .491525 (Cohen reports .49). AC1: pi = (.55, .30, .15), pe = (.55 x .45
 * + .30 x .70 + .15 x .85) / (3 - 1) = (.2475 + .21 + .1275) / 2 = .2925;
 * AC1 = (.70 - .2925) / (1 - .2925) = .4075 / .7075 = .575972.
 * SE (script): 0.0510018155760778. */
START_TEST(cohen_1960)
{
	const long t[9] = { 88, 14, 18, 10, 40, 10, 2, 6, 12 };
	struct agreement a;
	ck_assert(agreement_compute(t, 3, 0.05, &a));
	ck_assert_int_eq(a.n, 200);
	ck_assert(a.kappa_defined && a.se_defined && a.ac1_defined);
	ck_assert_double_eq_tol(a.po, 0.70, EPS);
	ck_assert_double_eq_tol(a.pe, 0.41, EPS);
	ck_assert_double_eq_tol(a.kappa, 0.29 / 0.59, EPS);
	ck_assert_double_eq_tol(a.pe_ac1, 0.2925, EPS);
	ck_assert_double_eq_tol(a.ac1, 0.4075 / 0.7075, EPS);
	ck_assert_double_eq_tol(a.se, 0.0510018155760778, 1e-12);
	ck_assert_double_eq_tol(a.lo, 0.391563702053547, 1e-9);
	ck_assert_double_eq_tol(a.hi, 0.591487145404080, 1e-9);
}
END_TEST

/* A 2 x 2 table, n = 100: 40 9 / 6 45. po = .85; rows .49 .51, columns
 * .46 .54; pe = .2254 + .2754 = .5008; kappa = .3492 / .4992 = .699519.
 * AC1: pi = .475, .525; pe = 2 x .475 x .525 / 1 = .49875; AC1 = .35125 /
 * .50125 = .700748. SE (script): 0.0713936026999882. */
START_TEST(two_by_two)
{
	const long t[4] = { 40, 9, 6, 45 };
	struct agreement a;
	ck_assert(agreement_compute(t, 2, 0.05, &a));
	ck_assert_double_eq_tol(a.kappa, 0.3492 / 0.4992, EPS);
	ck_assert_double_eq_tol(a.ac1, 0.35125 / 0.50125, EPS);
	ck_assert_double_eq_tol(a.se, 0.0713936026999882, 1e-12);
	ck_assert_double_eq_tol(a.lo, 0.559590340750692, 1e-9);
	ck_assert_double_eq_tol(a.hi, 0.839448120787769, 1e-9);
}
END_TEST

/* The paradox AC1 answers: 90 5 / 5 0, one category dominating. po = .9,
 * pe = .95^2 + .05^2 = .905, kappa = -.005 / .095 = -.052632 although the
 * coders agree on 90%; AC1: pe = 2 x .95 x .05 = .095, AC1 = .805 / .905 =
 * .889503. */
START_TEST(kappa_paradox)
{
	const long t[4] = { 90, 5, 5, 0 };
	struct agreement a;
	ck_assert(agreement_compute(t, 2, 0.05, &a));
	ck_assert_double_eq_tol(a.kappa, -0.005 / 0.095, EPS);
	ck_assert_double_eq_tol(a.ac1, 0.805 / 0.905, EPS);
	ck_assert_double_eq_tol(a.se, 0.0166204986149584, 1e-12);
}
END_TEST

/* Perfect agreement on two used categories of five: kappa 1 with SE 0;
 * AC1 over the five categories of the scale: pi = .5, .5, 0, 0, 0, pe =
 * (.25 + .25) / 4 = .125, AC1 = .875 / .875 = 1. One category only: kappa
 * is 0/0 and undefined; AC1 is defined (pe = 0) and 1. No items: nothing
 * defined. */
START_TEST(edges)
{
	long t[25] = { 0 };
	t[0] = 10;
	t[6] = 10;
	struct agreement a;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert_double_eq_tol(a.kappa, 1, EPS);
	ck_assert_double_eq_tol(a.se, 0, EPS);
	ck_assert_double_eq_tol(a.pe_ac1, 0.125, EPS);
	ck_assert_double_eq_tol(a.ac1, 1, EPS);
	t[6] = 0;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert(!a.kappa_defined);
	ck_assert(a.ac1_defined);
	ck_assert_double_eq_tol(a.ac1, 1, EPS);
	t[0] = 0;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert(!a.kappa_defined && !a.ac1_defined && a.n == 0);
	t[0] = -1;
	ck_assert(!agreement_compute(t, 5, 0.05, &a));
	ck_assert(!agreement_compute(t, 1, 0.05, &a));
}
END_TEST

/* Category 0 of Cohen's table against the rest: 88 | 14 + 18 over
 * 10 + 2 | 40 + 10 + 6 + 12 = 88 32 / 12 68. */
START_TEST(collapse)
{
	const long t[9] = { 88, 14, 18, 10, 40, 10, 2, 6, 12 };
	long c[4];
	agreement_collapse(t, 3, 0, c);
	ck_assert(c[0] == 88 && c[1] == 32 && c[2] == 12 && c[3] == 68);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agreement");
	TCase *tc = tcase_create("agreement");
	tcase_add_test(tc, cohen_1960);
	tcase_add_test(tc, two_by_two);
	tcase_add_test(tc, kappa_paradox);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, collapse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
