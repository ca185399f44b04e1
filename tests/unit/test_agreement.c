/* test_agreement.c: Cohen's kappa, its Fleiss-Cohen-Everitt standard error
 * and interval, and Gwet's AC1 with its standard error and interval
 * (stats/agreement.c) on tables whose values were computed by hand and,
 * for the standard errors, by an independent Python script with exact
 * fractions (it follows Fleiss, Cohen & Everitt 1969, eq. 13, and Gwet
 * 2008's expanded variance of AC1, written from the papers, not from this
 * code). R's psych::cohen.kappa (2.2.9) gives the same for Cohen's table
 * below: kappa 0.491525423728813, SE 0.051001815576078, 95% interval
 * 0.3915637 to 0.5914871; e2e 0205 runs it on a study's coder table. AC1
 * is held to a transcription of irrCAC's gwet.ac1.table
 * (tests/r/agreement_ac1.R, writing tests/fixtures/stats-ac1.tsv) and to
 * the figures Gwet's irrCAC README prints. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	/* Gwet's var(AC1) (script, exact): 14778504 / 6414247921. */
	ck_assert(a.ac1_ci_defined);
	ck_assert_double_eq_tol(a.ac1_se, sqrt(14778504.0 / 6414247921.0), 1e-12);
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
	/* Gwet's var(AC1) (script, exact): 131639856 / 25856961601. */
	ck_assert_double_eq_tol(a.ac1_se, sqrt(131639856.0 / 25856961601.0), 1e-12);
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
	/* Gwet's var(AC1) (script, exact): 1425636 / 1073283121. */
	ck_assert_double_eq_tol(a.ac1_se, sqrt(1425636.0 / 1073283121.0), 1e-12);
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
	/* Every u_kl is the same, so var(AC1) = 0: SE 0, interval [1, 1]. */
	ck_assert(a.ac1_ci_defined);
	ck_assert_double_eq_tol(a.ac1_se, 0, EPS);
	ck_assert_double_eq_tol(a.ac1_lo, 1, EPS);
	ck_assert_double_eq_tol(a.ac1_hi, 1, EPS);
	t[6] = 0;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert(!a.kappa_defined);
	ck_assert(a.ac1_defined && a.ac1_ci_defined);
	ck_assert_double_eq_tol(a.ac1, 1, EPS);
	/* One item: AC1 and its SE, but no t quantile with 0 degrees of
	 * freedom, so no interval (irrCAC gives NA). */
	t[0] = 1;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert(a.ac1_defined && !a.ac1_ci_defined);
	t[0] = 0;
	ck_assert(agreement_compute(t, 5, 0.05, &a));
	ck_assert(!a.kappa_defined && !a.ac1_defined && !a.ac1_ci_defined && a.n == 0);
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

/* A published example: Gwet's own figures for irrCAC's data set
 * cont3x3abstractors (two abstractors, 100 subjects, categories Ectopic,
 * AIU, NIU), as the irrCAC README (github.com/kgwet/irrCAC, version 1.4)
 * prints gwet.ac1.table's output: AC1 0.8493305, SE 0.04321747, 95% CI
 * (0.764,0.935). By hand: pa = 89/100; pi = (.13, .255, .615), pe =
 * (.1131 + .189975 + .236775) / 2 = .269925; AC1 = .620075 / .730075 =
 * .8493305. The interval is the t one: 0.8493305 -/+ qt(.975, 99) =
 * 1.984217 x 0.04321747 rounds to (0.764, 0.935); a normal quantile
 * (1.959964) would give (0.765, 0.934). */
START_TEST(gwet_readme)
{
	const long t[9] = { 13, 0, 0, 0, 20, 7, 0, 4, 56 };
	struct agreement a;
	ck_assert(agreement_compute(t, 3, 0.05, &a));
	ck_assert(a.ac1_defined && a.ac1_ci_defined);
	ck_assert_double_eq_tol(a.pe_ac1, 0.269925, EPS);
	ck_assert_double_eq_tol(a.ac1, 0.8493305, 5e-8);
	ck_assert_double_eq_tol(a.ac1_se, 0.04321747, 5e-9);
	ck_assert_double_eq_tol(a.ac1_lo, 0.764, 5e-4);
	ck_assert_double_eq_tol(a.ac1_hi, 0.935, 5e-4);
}
END_TEST

/* ---- AC1 against irrCAC's gwet.ac1.table (tests/r/agreement_ac1.R) ---- */

#define FIXTURE "tests/fixtures/stats-ac1.tsv"

/* The fixture's number (or NA) against a figure: both undefined, or both
 * defined and within 1e-9. irrCAC floors the variance at 1e-100, so where
 * it is 0 the fixture has SE 1e-50 and this code 0: within 1e-9 too. */
static void compare(const char *table, const char *col, const char *want, int defined, double got)
{
	if (!strcmp(want, "NA")) {
		ck_assert_msg(!defined, "%s %s: want NA, got %.15g", table, col, got);
		return;
	}
	ck_assert_msg(defined, "%s %s: want %s, got undefined", table, col, want);
	double w = strtod(want, NULL);
	ck_assert_msg(fabs(got - w) <= 1e-9, "%s %s: want %s, got %.15g", table, col, want, got);
}

START_TEST(against_irrcac)
{
	FILE *f = fopen(FIXTURE, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", FIXTURE);
	char line[4096];
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert_str_eq(line, "k\talpha\ttable\tn\tpa\tpe\tac1\tac1_se\tac1_lo\tac1_hi\n");
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		char *v[10];
		int nv = 0;
		for (char *p = line; nv < 10;) {
			v[nv++] = p;
			p += strcspn(p, "\t\n");
			if (*p == '\0')
				break;
			*p++ = '\0';
		}
		ck_assert_int_eq(nv, 10);
		int k = atoi(v[0]);
		ck_assert(k >= 2 && k <= AGREEMENT_MAX_K);
		double alpha = strtod(v[1], NULL);
		long t[AGREEMENT_MAX_K * AGREEMENT_MAX_K];
		char *p = v[2];
		for (int i = 0; i < k * k; i++) {
			char *end;
			t[i] = strtol(p, &end, 10);
			ck_assert(end != p && (*end == ',' || (*end == '\0' && i == k * k - 1)));
			p = end + 1;
		}
		struct agreement a;
		ck_assert(agreement_compute(t, k, alpha, &a));
		ck_assert_int_eq(a.n, atol(v[3]));
		char name[64];
		snprintf(name, sizeof(name), "row %d (%.20s)", rows + 1, v[2]);
		compare(name, "pa", v[4], a.n > 0, a.po);
		compare(name, "pe", v[5], a.n > 0, a.pe_ac1);
		compare(name, "ac1", v[6], a.ac1_defined, a.ac1);
		compare(name, "ac1_se", v[7], a.ac1_defined, a.ac1_se);
		compare(name, "ac1_lo", v[8], a.ac1_ci_defined, a.ac1_lo);
		compare(name, "ac1_hi", v[9], a.ac1_ci_defined, a.ac1_hi);
		rows++;
	}
	fclose(f);
	ck_assert_int_ge(rows, 30);
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
	tcase_add_test(tc, gwet_readme);
	tcase_add_test(tc, against_irrcac);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
