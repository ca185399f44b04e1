/* test_paired.c: the paired measures of stats/paired.c on tables whose
 * values are computed by hand (the arithmetic is in each comment), the
 * undefined cases (N = 0, a+b+c = 0), large counts, and the simulation
 * model's cell probabilities. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "paired.h"

#define EPS 1e-12
/* Calls a measure and checks it is defined and equal to want; the call and
 * the read of its result are sequenced (function arguments are not). */
#define EXPECT(fn, t, want)                      \
	do {                                     \
		double v_ = -1.0;                \
		int d_ = fn(t, &v_);             \
		expect(d_, v_, want);            \
	} while (0)

static void expect(int defined, double got, double want)
{
	ck_assert_int_eq(defined, 1);
	ck_assert_msg(fabs(got - want) < EPS, "got %.15g, want %.15g", got, want);
}

START_TEST(worked_example)
{
	/* a=30 b=20 c=5 d=45: N = 100; p_C = (30+20)/100 = 0.5;
	 * p_T = (30+5)/100 = 0.35; a+b+c = 55; net ILO = (20-5)/55 = 15/55
	 * = 0.272727...; gross control = 20/55; gross test = 5/55;
	 * net all pairs = 15/100 = 0.15. */
	struct paired_counts t = { 30, 20, 5, 45 };
	ck_assert_int_eq(paired_n(&t), 100);
	EXPECT(paired_rate_control, &t, 0.5);
	EXPECT(paired_rate_test, &t, 0.35);
	EXPECT(paired_net_ilo, &t, 15.0 / 55.0);
	EXPECT(paired_gross_control, &t, 20.0 / 55.0);
	EXPECT(paired_gross_test, &t, 5.0 / 55.0);
	EXPECT(paired_net_all, &t, 0.15);
}
END_TEST

START_TEST(second_example_reverse)
{
	/* a=7 b=2 c=9 d=12: N = 30; p_C = 9/30 = 0.3; p_T = 16/30;
	 * a+b+c = 18; net ILO = (2-9)/18 = -7/18 (the test candidate was
	 * favoured); gross 2/18 and 9/18 = 0.5; net all = -7/30. */
	struct paired_counts t = { 7, 2, 9, 12 };
	EXPECT(paired_rate_control, &t, 0.3);
	EXPECT(paired_rate_test, &t, 16.0 / 30.0);
	EXPECT(paired_net_ilo, &t, -7.0 / 18.0);
	EXPECT(paired_gross_control, &t, 2.0 / 18.0);
	EXPECT(paired_gross_test, &t, 0.5);
	EXPECT(paired_net_all, &t, -7.0 / 30.0);
}
END_TEST

START_TEST(no_pairs)
{
	/* N = 0: nothing is defined, and the out value is 0, not NaN. */
	struct paired_counts t = { 0, 0, 0, 0 };
	double v = 99;
	ck_assert_int_eq(paired_rate_control(&t, &v), 0);
	ck_assert(v == 0.0);
	ck_assert_int_eq(paired_rate_test(&t, &v), 0);
	ck_assert_int_eq(paired_net_ilo(&t, &v), 0);
	ck_assert_int_eq(paired_gross_control(&t, &v), 0);
	ck_assert_int_eq(paired_gross_test(&t, &v), 0);
	ck_assert_int_eq(paired_net_all(&t, &v), 0);
	ck_assert(!isnan(v));
	struct paired_summary s;
	paired_summarise(&t, &s);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(s.nnotes, 1);
	ck_assert_str_eq(s.notes[0], PAIRED_NOTE_NO_PAIRS);
	ck_assert_int_eq(s.rate_control.defined, 0);
	ck_assert_int_eq(s.net_all.defined, 0);
}
END_TEST

START_TEST(no_positive_outcome)
{
	/* a=b=c=0, d=40: p_C = p_T = 0/40 = 0 and net all = 0/40 = 0 are
	 * defined; the ILO rates have a+b+c = 0 and are not. */
	struct paired_counts t = { 0, 0, 0, 40 };
	double v;
	EXPECT(paired_rate_control, &t, 0.0);
	EXPECT(paired_rate_test, &t, 0.0);
	EXPECT(paired_net_all, &t, 0.0);
	ck_assert_int_eq(paired_net_ilo(&t, &v), 0);
	ck_assert_int_eq(paired_gross_control(&t, &v), 0);
	ck_assert_int_eq(paired_gross_test(&t, &v), 0);
	struct paired_summary s;
	paired_summarise(&t, &s);
	ck_assert_int_eq(s.nnotes, 1);
	ck_assert_str_eq(s.notes[0], PAIRED_NOTE_NO_POSITIVE);
	ck_assert_int_eq(s.rate_test.defined, 1);
	ck_assert_int_eq(s.gross_test.defined, 0);
}
END_TEST

START_TEST(equal_discordant)
{
	/* b = c: no net discrimination. a=10 b=4 c=4 d=2: N = 20;
	 * net ILO = 0/18 = 0; gross 4/18 each; p_C = p_T = 14/20 = 0.7. */
	struct paired_counts t = { 10, 4, 4, 2 };
	EXPECT(paired_net_ilo, &t, 0.0);
	EXPECT(paired_net_all, &t, 0.0);
	EXPECT(paired_gross_control, &t, 4.0 / 18.0);
	EXPECT(paired_gross_test, &t, 4.0 / 18.0);
	EXPECT(paired_rate_control, &t, 0.7);
	EXPECT(paired_rate_test, &t, 0.7);
	struct paired_summary s;
	paired_summarise(&t, &s);
	ck_assert_int_eq(s.nnotes, 0);
}
END_TEST

START_TEST(only_discordant)
{
	/* a=0 b=3 c=0 d=0: N = 3; p_C = 1, p_T = 0; net ILO = 3/3 = 1;
	 * gross control 1, gross test 0; net all = 1. */
	struct paired_counts t = { 0, 3, 0, 0 };
	EXPECT(paired_rate_control, &t, 1.0);
	EXPECT(paired_rate_test, &t, 0.0);
	EXPECT(paired_net_ilo, &t, 1.0);
	EXPECT(paired_gross_test, &t, 0.0);
	EXPECT(paired_net_all, &t, 1.0);
}
END_TEST

START_TEST(large_counts)
{
	/* a=4·10^7 b=3·10^7 c=10^7 d=2·10^7: N = 10^8; p_C = 7·10^7/10^8
	 * = 0.7; p_T = 5·10^7/10^8 = 0.5; a+b+c = 8·10^7; net ILO =
	 * 2·10^7/8·10^7 = 0.25; gross 3/8 and 1/8; net all = 0.2. */
	struct paired_counts t = { 40000000L, 30000000L, 10000000L, 20000000L };
	ck_assert_int_eq(paired_n(&t), 100000000L);
	EXPECT(paired_rate_control, &t, 0.7);
	EXPECT(paired_rate_test, &t, 0.5);
	EXPECT(paired_net_ilo, &t, 0.25);
	EXPECT(paired_gross_control, &t, 0.375);
	EXPECT(paired_gross_test, &t, 0.125);
	EXPECT(paired_net_all, &t, 0.2);
	/* b − c = 1 among 10^7 discordant-heavy pairs: 1/(10^7+...) keeps
	 * its precision: a=0 b=5000001 c=5000000 d=0 → net = 1/10000001. */
	struct paired_counts u = { 0, 5000001L, 5000000L, 0 };
	EXPECT(paired_net_ilo, &u, 1.0 / 10000001.0);
}
END_TEST

START_TEST(invalid_counts)
{
	struct paired_counts neg = { 1, -1, 0, 0 };
	struct paired_counts big = { LONG_MAX, 1, 0, 0 };
	double v;
	ck_assert_int_eq(paired_counts_valid(&neg), 0);
	ck_assert_int_eq(paired_n(&neg), -1);
	ck_assert_int_eq(paired_net_ilo(&neg, &v), 0);
	ck_assert_int_eq(paired_rate_control(&big, &v), 0);
	ck_assert_int_eq(paired_counts_valid(&big), 0);
	struct paired_summary s;
	paired_summarise(&neg, &s);
	ck_assert_int_eq(s.nnotes, 1);
}
END_TEST

START_TEST(add_tables)
{
	struct paired_counts t = { 1, 2, 3, 4 }, u = { 10, 20, 30, 40 };
	paired_add(&t, &u);
	ck_assert_int_eq(t.a, 11);
	ck_assert_int_eq(t.b, 22);
	ck_assert_int_eq(t.c, 33);
	ck_assert_int_eq(t.d, 44);
}
END_TEST

/* Checks that the model's cells are a distribution with control rate P and
 * net rate D, as the comment of paired_model_cells proves. */
static void check_model(double p, double dnet, double k)
{
	double cell[4];
	const char *why = NULL;
	ck_assert_msg(paired_model_cells(p, dnet, k, cell, &why), "P=%g D=%g: %s", p, dnet, why);
	for (int i = 0; i < 4; i++)
		ck_assert(cell[i] >= -EPS && cell[i] <= 1 + EPS);
	ck_assert(fabs(cell[0] + cell[1] + cell[2] + cell[3] - 1.0) < EPS);
	ck_assert(fabs(cell[0] + cell[1] - p) < 1e-9);
	ck_assert(fabs((cell[1] - cell[2]) / (cell[0] + cell[1] + cell[2]) - dnet) < 1e-9);
}

START_TEST(model_cells_by_hand)
{
	/* P = 0.6, D = 0.3, k = 0.1: g = 1 − 0.1·0.7 = 0.93; s = 0.6/0.93;
	 * f_a = 0.8·0.7 = 0.56, f_b = 0.1 + 0.3·0.9 = 0.37, f_c = 0.07.
	 * P(a) = 0.56·0.6/0.93, P(b) = 0.37·0.6/0.93, P(c) = 0.07·0.6/0.93,
	 * P(d) = 1 − 0.6/0.93. */
	double cell[4];
	ck_assert(paired_model_cells(0.6, 0.3, 0.1, cell, NULL));
	double s = 0.6 / 0.93;
	ck_assert(fabs(cell[0] - 0.56 * s) < EPS);
	ck_assert(fabs(cell[1] - 0.37 * s) < EPS);
	ck_assert(fabs(cell[2] - 0.07 * s) < EPS);
	ck_assert(fabs(cell[3] - (1 - s)) < EPS);
	/* D = −0.5, P = 0.2, k = 0.1: g = 0.5·0.9 = 0.45, s = 0.2/0.45;
	 * f_a = 0.8·0.5 = 0.4, f_b = 0.1·0.5 = 0.05, f_c = 0.1 + 0.5·0.9 = 0.55. */
	ck_assert(paired_model_cells(0.2, -0.5, 0.1, cell, NULL));
	s = 0.2 / 0.45;
	ck_assert(fabs(cell[0] - 0.4 * s) < EPS);
	ck_assert(fabs(cell[1] - 0.05 * s) < EPS);
	ck_assert(fabs(cell[2] - 0.55 * s) < EPS);
	ck_assert(fabs(paired_model_max_p_control(0.3, 0.1) - 0.93) < EPS);
	ck_assert(fabs(paired_model_max_p_control(-0.5, 0.1) - 0.45) < EPS);
}
END_TEST

START_TEST(model_cells_grid)
{
	for (int i = 1; i <= 20; i++)
		for (int j = -19; j <= 20; j++) {
			double p = i / 20.0, dnet = j / 20.0;
			if (p <= paired_model_max_p_control(dnet, 0.1))
				check_model(p, dnet, 0.1);
		}
	check_model(1.0, 1.0, 0.1); /* every pair b */
	check_model(0.5, 0.0, 0.0);
}
END_TEST

START_TEST(model_refusals)
{
	double cell[4];
	const char *why = NULL;
	ck_assert(!paired_model_cells(1.5, 0.3, 0.1, cell, &why));
	ck_assert_ptr_nonnull(why);
	ck_assert(!paired_model_cells(0.5, -1.2, 0.1, cell, &why));
	ck_assert(!paired_model_cells(NAN, 0.3, 0.1, cell, &why));
	ck_assert(!paired_model_cells(0.0, 0.3, 0.1, cell, &why)); /* no positive at all */
	ck_assert(!paired_model_cells(0.5, -1.0, 0.1, cell, &why));
	/* P = 0.95 > 0.93 = 1 − 0.1·(1 − 0.3). */
	why = NULL;
	ck_assert(!paired_model_cells(0.95, 0.3, 0.1, cell, &why));
	ck_assert_ptr_nonnull(why);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("paired");
	TCase *tc = tcase_create("measures");
	tcase_add_test(tc, worked_example);
	tcase_add_test(tc, second_example_reverse);
	tcase_add_test(tc, no_pairs);
	tcase_add_test(tc, no_positive_outcome);
	tcase_add_test(tc, equal_discordant);
	tcase_add_test(tc, only_discordant);
	tcase_add_test(tc, large_counts);
	tcase_add_test(tc, invalid_counts);
	tcase_add_test(tc, add_tables);
	suite_add_tcase(s, tc);
	TCase *tm = tcase_create("model");
	tcase_add_test(tm, model_cells_by_hand);
	tcase_add_test(tm, model_cells_grid);
	tcase_add_test(tm, model_refusals);
	suite_add_tcase(s, tm);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
