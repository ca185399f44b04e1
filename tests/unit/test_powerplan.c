/* test_powerplan.c: the plan of `corrtest power` (tools/lib/analysis/
 * powerplan.c): designs resolved from the three descriptions (worked by
 * hand), the design's pairs per group, to send and in total (worked by
 * hand from Connor's formula and from R's exact sample size), the method
 * the plan uses and its fallback, the notes that say why a value is missing,
 * and a grid cell against R (tests/r/power.R: the exact power of the
 * exact McNemar test at p_b = 0.2, p_c = 0.1, n = 800, summed over every
 * table). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/powerplan.h"

static const struct powerplan_design NONE = { .concordance = NAN, .phi = NAN, .diff = NAN,
					      .p_control = NAN, .p_test = NAN };

START_TEST(resolves_designs)
{
	struct ct_err err = { 0 };
	/* Last round: a b c d = 40 20 10 30 of N = 100: p_b = 0.2, p_c = 0.1. */
	struct powerplan_design d = NONE;
	d.src = POWERPLAN_PREVIOUS;
	memcpy(d.prev, (long[]){ 40, 20, 10, 30 }, sizeof(d.prev));
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_OK);
	ck_assert_double_eq_tol(d.pb, 0.2, 1e-12);
	ck_assert_double_eq_tol(d.pc, 0.1, 1e-12);
	/* The same share of discordant pairs, 0.3, split for a difference of
	 * 0.02: p_b = 0.16, p_c = 0.14. */
	d.diff = 0.02;
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_OK);
	ck_assert_double_eq_tol(d.pb, 0.16, 1e-12);
	ck_assert_double_eq_tol(d.pc, 0.14, 1e-12);
	/* A difference beyond the discordant share: no table has both. */
	d.diff = 0.5;
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no table has both"));
	/* Rates 0.6 and 0.5 with 70% concordant pairs: p_b + p_c = 0.3 and
	 * p_b - p_c = 0.1, so p_b = 0.2, p_c = 0.1. */
	d = NONE;
	d.src = POWERPLAN_RATES;
	d.p_control = 0.6, d.p_test = 0.5, d.concordance = 0.7;
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_OK);
	ck_assert_double_eq_tol(d.pb, 0.2, 1e-12);
	ck_assert_double_eq_tol(d.pc, 0.1, 1e-12);
	/* No difference to detect. */
	d = NONE;
	d.src = POWERPLAN_CELLS, d.pb = 0.1, d.pc = 0.1;
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "delta = 0"));
}
END_TEST

START_TEST(plans_the_design)
{
	struct ct_err err = { 0 };
	struct powerplan_design d = NONE;
	d.src = POWERPLAN_CELLS, d.pb = 0.2, d.pc = 0.1;
	ck_assert_int_eq(powerplan_resolve(&d, &err), CT_OK);
	/* By default the plan uses the exact test's n. R (tests/r/power.R,
	 * summing over every table): the exact power first reaches 0.8 at
	 * n = 249 (0.801446921029032) and stays there; at Connor's n, 234, it
	 * is 0.77555883048081. 10% lost: ceil(249 / 0.9) = ceil(276.67) = 277
	 * to send per group, 831 for three groups. */
	struct powerplan_opts o = { .alpha = 0.05, .power = 0.8, .attrition = 0.1, .groups = 3,
				    .adjust = POWER_ADJUST_NONE, .basis = POWERPLAN_BASIS_DEFAULT };
	struct powerplan r;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_int_eq(r.method, POWERPLAN_EXACT);
	ck_assert_int_eq(r.n_exact, 249);
	ck_assert_int_eq(r.n_at, 249);
	ck_assert_int_eq(r.per_group, 249);
	ck_assert_int_eq(r.per_group_sent, 277);
	ck_assert_int_eq(r.total, 831);
	ck_assert_double_eq_tol(r.pw_exact, 0.801446921029032, 1e-9);
	ck_assert_double_eq_tol(r.pw_exact_at_connor, 0.77555883048081, 1e-9);
	ck_assert_int_eq(r.nnotes, 1);
	ck_assert_ptr_nonnull(strstr(r.notes[0], "at n_exact, the plan's n"));

	/* --basis connor: Connor (1987): n = (z_.975 sqrt(psi) + z_.8
	 * sqrt(psi - delta^2))^2 / delta^2 = (1.959964 * 0.547723 + 0.841621 *
	 * 0.538516)^2 / 0.01 = 233.09, so 234 pairs; 10% lost: ceil(234 /
	 * 0.9) = 260 to send per group, 780 for three groups. */
	o.basis = POWERPLAN_CONNOR;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_int_eq(r.method, POWERPLAN_CONNOR);
	ck_assert_double_eq_tol(r.n_connor_raw, 233.09, 0.01);
	ck_assert_int_eq(r.n_connor, 234);
	ck_assert_int_eq(r.n_exact, 249);
	ck_assert_int_eq(r.n_at, 234);
	ck_assert_int_eq(r.per_group, 234);
	ck_assert_int_eq(r.per_group_sent, 260);
	ck_assert_int_eq(r.total, 780);
	ck_assert_double_eq_tol(r.alpha_cmp, 0.05, 1e-15);
	ck_assert_int_eq(r.nnotes, 1);
	ck_assert_ptr_nonnull(strstr(r.notes[0], "at n_connor"));
	ck_assert_double_eq(r.detectable, 0.0);

	/* Bonferroni over three groups: each comparison at 0.05 / 3. */
	o.adjust = POWER_ADJUST_BONFERRONI;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_double_eq_tol(r.alpha_cmp, 0.05 / 3, 1e-15);
	ck_assert_int_gt(r.n_connor, 234);

	/* At a given n: the powers are there, and the design is that n. The
	 * exact power at 800 is R's 0.999380207203062; the smallest
	 * difference 800 pairs detect is R's 0.0552702307623408 for the
	 * exact test (the default) and 0.0541725536243732 by Connor's
	 * formula. */
	o.adjust = POWER_ADJUST_NONE;
	o.basis = POWERPLAN_BASIS_DEFAULT;
	o.n = 800;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_int_eq(r.n_at, 800);
	ck_assert_int_eq(r.per_group, 800);
	ck_assert_double_eq_tol(r.pw_exact, 0.999380207203062, 1e-9);
	ck_assert_int_eq(r.nnotes, 0);
	ck_assert_double_eq_tol(r.detectable, 0.0552702307623408, 1e-9);
	ck_assert_double_eq_tol(r.detectable_exact, 0.0552702307623408, 1e-9);
	ck_assert_double_eq_tol(r.detectable_connor, 0.0541725536243732, 1e-9);
	o.basis = POWERPLAN_CONNOR;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_double_eq_tol(r.detectable, 0.0541725536243732, 1e-9);
}
END_TEST

START_TEST(falls_back_to_connor)
{
	/* p_b 0.2505, p_c 0.2495: Connor's n is about 3.9 million, beyond
	 * the exact search, so the plan uses Connor's n and says so. */
	struct ct_err err = { 0 };
	struct powerplan_design d = NONE;
	d.src = POWERPLAN_CELLS, d.pb = 0.2505, d.pc = 0.2495;
	struct powerplan_opts o = { .alpha = 0.05, .power = 0.8, .groups = 1,
				    .basis = POWERPLAN_BASIS_DEFAULT };
	struct powerplan r;
	ck_assert_int_eq(powerplan_compute(&d, &o, &r, &err), CT_OK);
	ck_assert_int_eq(r.n_exact, 0);
	ck_assert_int_eq(r.method, POWERPLAN_CONNOR);
	ck_assert_int_eq(r.per_group, r.n_connor);
	int said = 0;
	for (int i = 0; i < r.nnotes; i++)
		said |= strstr(r.notes[i], "uses Connor's n") != NULL;
	ck_assert(said);
}
END_TEST

START_TEST(grid_cells)
{
	struct ct_err err = { 0 };
	struct powerplan_grid g;
	const double pb[] = { 0.2, 0.25 }, pc[] = { 0.1, 0.1 };
	const long ns[] = { 200, 800 };
	ck_assert_int_eq(powerplan_grid(pb, pc, 2, ns, 2, 0.05, 1, POWER_ADJUST_NONE, &g, &err),
			 CT_OK);
	ck_assert_uint_eq(g.ndesigns, 2);
	ck_assert_uint_eq(g.nn, 2);
	/* Design-major: cell 1 is p_b 0.2 at n 800. */
	ck_assert_double_eq_tol(g.exact[1], 0.999380207203062, 1e-9);
	/* Power grows with the difference at a fixed n. */
	ck_assert(g.exact[2] > g.exact[0]);
	powerplan_grid_free(&g);
	/* A design with no difference is refused, naming it. */
	const double same[] = { 0.1 };
	ck_assert_int_eq(powerplan_grid(same, same, 1, ns, 2, 0.05, 1, POWER_ADJUST_NONE, &g, &err),
			 CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "p_b = 0.1"));
	ck_assert_ptr_null(g.exact);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("powerplan");
	TCase *tc = tcase_create("powerplan");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, resolves_designs);
	tcase_add_test(tc, plans_the_design);
	tcase_add_test(tc, falls_back_to_connor);
	tcase_add_test(tc, grid_cells);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
