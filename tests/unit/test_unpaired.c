/* test_unpaired.c: stats/unpaired.c against R (tests/r/unpaired.R writes
 * tests/fixtures/stats-unpaired.tsv: prop.test, fisher.test and the
 * published formulas), against Newcombe (1998) Stat Med 17:873 Table II,
 * and on the edge cases: empty groups, x = 0, x = n, 10^7 counts. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsv_fixture.h"
#include "unpaired.h"

#define FIXTURE "tests/fixtures/stats-unpaired.tsv"

enum {
	F_X1, F_N1, F_X2, F_N2, F_ALPHA, F_RATE1, F_RATE1_LO, F_RATE1_HI, F_RATE2, F_RATE2_LO,
	F_RATE2_HI, F_DIFF, F_DIFF_LO, F_DIFF_HI, F_CHI2, F_CHI2_P, F_CHI2_CC, F_CHI2_CC_P,
	F_FISHER, F_RR, F_RR_LO, F_RR_HI, F_COUNT
};

START_TEST(agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open(FIXTURE, &r);
	int rows = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, F_COUNT);
		long x1 = (long)tsv_num(&r, F_X1), n1 = (long)tsv_num(&r, F_N1);
		long x2 = (long)tsv_num(&r, F_X2), n2 = (long)tsv_num(&r, F_N2);
		double alpha = tsv_num(&r, F_ALPHA);
		char what[160];
		struct unpaired_summary s;
		ck_assert_int_eq(unpaired_summarise(x1, n1, x2, n2, alpha, &s), 1);
#define CHECK(field, val)                                                              \
	do {                                                                           \
		snprintf(what, sizeof what, "%ld/%ld vs %ld/%ld alpha %g: %s", x1, n1, x2, \
			 n2, alpha, #field);                                           \
		tsv_expect(&r, field, (val).defined, (val).v, what);                   \
	} while (0)
#define CHECK_CI(flo, fhi, ci)                                                         \
	do {                                                                           \
		snprintf(what, sizeof what, "%ld/%ld vs %ld/%ld alpha %g: %s", x1, n1, x2, \
			 n2, alpha, #ci);                                              \
		tsv_expect(&r, flo, (ci).defined, (ci).lo, what);                      \
		tsv_expect(&r, fhi, (ci).defined, (ci).hi, what);                      \
	} while (0)
		CHECK(F_RATE1, s.rate1);
		CHECK_CI(F_RATE1_LO, F_RATE1_HI, s.rate1_ci);
		CHECK(F_RATE2, s.rate2);
		CHECK_CI(F_RATE2_LO, F_RATE2_HI, s.rate2_ci);
		CHECK(F_DIFF, s.diff);
		CHECK_CI(F_DIFF_LO, F_DIFF_HI, s.diff_ci_newcombe);
		CHECK(F_CHI2, s.chi2);
		CHECK(F_CHI2_P, s.chi2_p);
		CHECK(F_CHI2_CC, s.chi2_cc);
		CHECK(F_CHI2_CC_P, s.chi2_cc_p);
		CHECK(F_FISHER, s.fisher_p);
		CHECK(F_RR, s.risk_ratio);
		CHECK_CI(F_RR_LO, F_RR_HI, s.risk_ratio_ci);
#undef CHECK
#undef CHECK_CI
		/* Every undefined measure is explained by a note. */
		int any_undefined = !s.rate1.defined || !s.rate2.defined || !s.chi2.defined ||
				    !s.risk_ratio.defined || !s.risk_ratio_ci.defined;
		ck_assert_int_eq(any_undefined, s.nnotes > 0);
		rows++;
	}
	fclose(fp);
	ck_assert_int_ge(rows, 60);
}
END_TEST

START_TEST(newcombe_table_ii)
{
	/* Newcombe (1998) Stat Med 17:873, Table II, method 10 (95%), to the
	 * four decimals printed there. */
	static const struct {
		long x1, n1, x2, n2;
		double lo, hi;
	} t[] = {
		{ 56, 70, 48, 80, 0.0524, 0.3339 }, { 9, 10, 3, 10, 0.1705, 0.8090 },
		{ 6, 7, 2, 7, 0.0582, 0.8062 },	    { 5, 56, 0, 29, -0.0381, 0.1926 },
		{ 0, 10, 0, 20, -0.1611, 0.2775 },  { 0, 10, 0, 10, -0.2775, 0.2775 },
		{ 10, 10, 0, 20, 0.6791, 1.0000 },  { 10, 10, 0, 10, 0.6075, 1.0000 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		double lo, hi;
		ck_assert_int_eq(unpaired_newcombe(t[i].x1, t[i].n1, t[i].x2, t[i].n2, 0.05, &lo, &hi), 1);
		ck_assert_msg(fabs(lo - t[i].lo) < 5e-5 && fabs(hi - t[i].hi) < 5e-5,
			      "case %zu: got [%.5f, %.5f]", i, lo, hi);
	}
}
END_TEST

START_TEST(edges_never_nan)
{
	/* Every combination of small counts, including empty groups: no
	 * NaN, no infinity, and an undefined measure has the value 0. */
	for (long n1 = 0; n1 <= 4; n1++)
		for (long n2 = 0; n2 <= 4; n2++)
			for (long x1 = 0; x1 <= n1; x1++)
				for (long x2 = 0; x2 <= n2; x2++) {
					struct unpaired_summary s;
					ck_assert_int_eq(unpaired_summarise(x1, n1, x2, n2, 0.05, &s), 1);
					const struct unpaired_value *v[] = {
						&s.rate1, &s.rate2, &s.diff, &s.chi2, &s.chi2_p,
						&s.chi2_cc, &s.chi2_cc_p, &s.fisher_p, &s.risk_ratio
					};
					for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
						ck_assert(isfinite(v[i]->v));
						if (!v[i]->defined)
							ck_assert(v[i]->v == 0.0);
					}
					const struct unpaired_interval *c[] = {
						&s.rate1_ci, &s.rate2_ci, &s.diff_ci_newcombe, &s.risk_ratio_ci
					};
					for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
						ck_assert(isfinite(c[i]->lo) && isfinite(c[i]->hi));
						if (c[i]->defined)
							ck_assert(c[i]->lo <= c[i]->hi);
					}
					if (s.fisher_p.defined)
						ck_assert(s.fisher_p.v > 0 && s.fisher_p.v <= 1);
				}
}
END_TEST

START_TEST(notes_say_why)
{
	struct unpaired_summary s;
	unpaired_summarise(0, 0, 0, 0, 0.05, &s);
	ck_assert_int_eq(s.nnotes, 2);
	ck_assert_str_eq(s.notes[0], UNPAIRED_NOTE_N1_ZERO);
	ck_assert_str_eq(s.notes[1], UNPAIRED_NOTE_N2_ZERO);
	ck_assert(!s.diff.defined && !s.fisher_p.defined);

	unpaired_summarise(0, 10, 0, 10, 0.05, &s);
	ck_assert(!s.chi2.defined && !s.chi2_cc_p.defined && !s.risk_ratio.defined);
	ck_assert(s.fisher_p.defined && s.fisher_p.v == 1.0);
	ck_assert_int_eq(s.nnotes, 2);
	ck_assert_str_eq(s.notes[0], UNPAIRED_NOTE_NO_VARIATION);
	ck_assert_str_eq(s.notes[1], UNPAIRED_NOTE_X2_ZERO);

	unpaired_summarise(0, 10, 3, 10, 0.05, &s);
	ck_assert(s.risk_ratio.defined && s.risk_ratio.v == 0.0 && !s.risk_ratio_ci.defined);
	ck_assert_int_eq(s.nnotes, 1);
	ck_assert_str_eq(s.notes[0], UNPAIRED_NOTE_X1_ZERO);

	/* Invalid counts and alpha: 0, and a note. */
	ck_assert_int_eq(unpaired_summarise(5, 4, 1, 4, 0.05, &s), 0);
	ck_assert_str_eq(s.notes[0], UNPAIRED_NOTE_INVALID);
	ck_assert_int_eq(unpaired_summarise(-1, 4, 1, 4, 0.05, &s), 0);
	ck_assert_int_eq(unpaired_summarise(1, 4, 1, 4, 0.0, &s), 0);
	ck_assert_int_eq(unpaired_summarise(1, 4, 1, 4, 1.0, &s), 0);
	ck_assert(!s.rate1.defined);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unpaired");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, agrees_with_r);
	tcase_add_test(tc, newcombe_table_ii);
	tcase_add_test(tc, edges_never_nan);
	tcase_add_test(tc, notes_say_why);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
