/* test_signrank.c: stats/signrank.c against R (tests/r/signrank.R writes
 * tests/fixtures/stats-signrank.tsv from wilcox.test(x, conf.int = TRUE,
 * conf.level = 1 - alpha)), a hand computation, and invalid input.
 *
 * In the exact case R's estimate and bounds are Walsh averages and are
 * compared to 6 significant digits. In the normal case R finds them with
 * uniroot(tol = 1e-4) on a step function; the fixture also holds the exact
 * solutions of R's equations, found in R by evaluating R's W(d) between
 * every two consecutive Walsh averages (est_exact, lo_exact, hi_exact, and
 * the set [zlo, zhi] where W = 0). The module's values are compared with
 * those to 6 significant digits, and with R's uniroot values to within
 * R's tolerance: uniroot stops once its bracket is at most tol = 1e-4 wide
 * (R_zeroin2: |c - b|/2 <= 2 eps |b| + tol/2), so its root lies within
 * 1e-4 (plus rounding) of the step, and for the estimate within 1e-4 of
 * the set where W = 0, which may be wider than a point. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signrank.h"
#include "tsv_fixture.h"

enum { F_CASE, F_X, F_ALPHA, F_NONZERO, F_EXACT, F_V, F_P, F_EST, F_LO, F_HI, F_CONF,
       F_EST_EXACT, F_LO_EXACT, F_HI_EXACT, F_ZLO, F_ZHI, F_COUNT };

/* R's uniroot tolerance, with room for the rounding of its last step. */
#define UNIROOT_TOL (1e-4 + 1e-10)

/* The case gen20000 of tests/r/signrank.R: x_i = ((i * 7919) mod 1000 -
 * 400)/10, i = 1..20000. */
static double *gen20000(size_t *n)
{
	double *x = malloc(20000 * sizeof *x);
	ck_assert_ptr_nonnull(x);
	for (long i = 1; i <= 20000; i++)
		x[i - 1] = (double)((i * 7919) % 1000 - 400) / 10;
	*n = 20000;
	return x;
}

static double *parse_x(const char *s, size_t *n)
{
	if (strcmp(s, "gen20000") == 0)
		return gen20000(n);
	double *x = malloc(256 * sizeof *x);
	ck_assert_ptr_nonnull(x);
	*n = 0;
	while (*s) {
		char *end;
		ck_assert_uint_lt(*n, 256);
		x[(*n)++] = strtod(s, &end);
		ck_assert(end != s);
		s = *end == ',' ? end + 1 : end;
	}
	return x;
}

static int has_note(const struct signrank_result *r, const char *note)
{
	for (int i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], note) == 0)
			return 1;
	return 0;
}

START_TEST(agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-signrank.tsv", &r);
	int cases = 0, exact = 0, normal = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, F_COUNT);
		size_t n;
		double *x = parse_x(r.f[F_X], &n);
		struct signrank_result s;
		ck_assert_int_eq(signrank_test(x, n, tsv_num(&r, F_ALPHA), &s), 1);
		free(x);
		const char *name = r.f[F_CASE];
		char what[96];
		ck_assert_uint_eq(s.n, n);
		ck_assert_uint_eq(s.nonzero, (size_t)tsv_num(&r, F_NONZERO));
		ck_assert_int_eq(s.defined, !tsv_is_na(&r, F_V));
		ck_assert_int_eq(has_note(&s, SIGNRANK_NOTE_ZEROS), s.nonzero < n);
		if (!s.defined) {
			ck_assert(has_note(&s, SIGNRANK_NOTE_NONE));
			ck_assert(!s.est_defined && !s.ci_defined);
			cases++;
			continue;
		}
		ck_assert_int_eq(s.exact, (int)tsv_num(&r, F_EXACT));
		snprintf(what, sizeof what, "%s v", name);
		tsv_expect(&r, F_V, 1, s.v, what);
		snprintf(what, sizeof what, "%s p", name);
		tsv_expect(&r, F_P, 1, s.p, what);
		snprintf(what, sizeof what, "%s conf_level", name);
		tsv_expect(&r, F_CONF, s.ci_defined, s.conf_level, what);
		ck_assert_int_eq(has_note(&s, SIGNRANK_NOTE_LEVEL),
				 s.ci_defined && s.conf_level < 1 - tsv_num(&r, F_ALPHA) - 1e-12);
		ck_assert(s.est_defined);
		if (s.exact) {
			snprintf(what, sizeof what, "%s estimate", name);
			tsv_expect(&r, F_EST, 1, s.estimate, what);
			snprintf(what, sizeof what, "%s lo", name);
			tsv_expect(&r, F_LO, s.ci_defined, s.lo, what);
			snprintf(what, sizeof what, "%s hi", name);
			tsv_expect(&r, F_HI, s.ci_defined, s.hi, what);
			exact++;
			cases++;
			continue;
		}
		/* Normal approximation: R's uniroot values within its tolerance. */
		double tol_est = UNIROOT_TOL;
		if (!tsv_is_na(&r, F_ZLO)) {
			snprintf(what, sizeof what, "%s estimate (exact root)", name);
			tsv_expect(&r, F_EST_EXACT, 1, s.estimate, what);
			double zlo = tsv_num(&r, F_ZLO), zhi = tsv_num(&r, F_ZHI);
			/* To within rounding: Walsh averages equal in decimals can
			 * differ in their last bit. */
			double eps = 1e-9 * fmax(1, fmax(fabs(zlo), fabs(zhi)));
			ck_assert_msg(s.estimate >= zlo - eps && s.estimate <= zhi + eps,
				      "%s: estimate %.15g outside R's zero set [%.15g, %.15g]", name,
				      s.estimate, zlo, zhi);
			tol_est += zhi - zlo;
		}
		ck_assert_msg(fabs(s.estimate - tsv_num(&r, F_EST)) <= tol_est,
			      "%s: estimate %.15g, R's uniroot %.15g", name, s.estimate, tsv_num(&r, F_EST));
		ck_assert_int_eq(s.ci_defined, !tsv_is_na(&r, F_LO));
		ck_assert_int_eq(has_note(&s, SIGNRANK_NOTE_NO_CI), !s.ci_defined);
		if (s.ci_defined) {
			if (!tsv_is_na(&r, F_LO_EXACT)) {
				snprintf(what, sizeof what, "%s lo (exact root)", name);
				tsv_expect(&r, F_LO_EXACT, 1, s.lo, what);
				snprintf(what, sizeof what, "%s hi (exact root)", name);
				tsv_expect(&r, F_HI_EXACT, 1, s.hi, what);
			}
			ck_assert_msg(fabs(s.lo - tsv_num(&r, F_LO)) <= UNIROOT_TOL,
				      "%s: lo %.15g, R's uniroot %.15g", name, s.lo, tsv_num(&r, F_LO));
			ck_assert_msg(fabs(s.hi - tsv_num(&r, F_HI)) <= UNIROOT_TOL,
				      "%s: hi %.15g, R's uniroot %.15g", name, s.hi, tsv_num(&r, F_HI));
		}
		normal++;
		cases++;
	}
	fclose(fp);
	ck_assert_int_ge(cases, 39);
	ck_assert_int_ge(exact, 8);
	ck_assert_int_ge(normal, 12);
}
END_TEST

/* By hand: x = (1, 2, 3), exact. V = 1 + 2 + 3 = 6 is the largest of the
 * 2^3 equally likely sign patterns: p = 2 * 1/8 = 0.25. The Walsh averages
 * 1, 1.5, 2, 2, 2.5, 3 have median 2. */
START_TEST(hand_example)
{
	const double x[] = { 3, 1, 2 };
	struct signrank_result s;
	ck_assert_int_eq(signrank_test(x, 3, 0.05, &s), 1);
	ck_assert(s.defined && s.exact && s.est_defined);
	ck_assert(s.v == 6 && fabs(s.p - 0.25) < 1e-15 && s.estimate == 2);
	/* Negated: V = 0, the same p, the estimate -2. */
	const double y[] = { -3, -1, -2 };
	ck_assert_int_eq(signrank_test(y, 3, 0.05, &s), 1);
	ck_assert(s.v == 0 && fabs(s.p - 0.25) < 1e-15 && s.estimate == -2);
}
END_TEST

START_TEST(invalid)
{
	struct signrank_result s;
	const double x[] = { 1, NAN, 2 }, y[] = { 1, INFINITY }, z[] = { 1, 2 };
	ck_assert_int_eq(signrank_test(x, 3, 0.05, &s), 0);
	ck_assert(has_note(&s, SIGNRANK_NOTE_INVALID));
	ck_assert_int_eq(signrank_test(y, 2, 0.05, &s), 0);
	ck_assert_int_eq(signrank_test(z, 2, 0, &s), 0);
	ck_assert_int_eq(signrank_test(z, 2, 1, &s), 0);
	ck_assert_int_eq(signrank_test(z, 2, NAN, &s), 0);
	/* Nothing given: valid, undefined. */
	ck_assert_int_eq(signrank_test(NULL, 0, 0.05, &s), 1);
	ck_assert(!s.defined && has_note(&s, SIGNRANK_NOTE_NONE) && !isnan(s.p));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("signrank");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, agrees_with_r);
	tcase_add_test(tc, hand_example);
	tcase_add_test(tc, invalid);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
