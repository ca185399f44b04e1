/* test_paired.c: the paired measures of stats/paired.c on tables whose
 * values are computed by hand (the arithmetic is in each comment), the
 * undefined cases (N = 0, a+b+c = 0), large counts, and the simulation
 * model's cell probabilities. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct paired_analysis r;
	ck_assert(paired_analyse(&t, 0.05, &r));
	ck_assert_int_eq(r.n, 0);
	ck_assert_int_eq(r.nnotes, 1);
	ck_assert_ptr_nonnull(strstr(r.notes[0], "N = 0"));
	ck_assert_int_eq(r.rate_control.defined, 0);
	ck_assert_int_eq(r.net_all.defined, 0);
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
	/* The notes: no positive outcome, and (b = c = 0) no discordant pair. */
	struct paired_analysis r;
	ck_assert(paired_analyse(&t, 0.05, &r));
	ck_assert_int_eq(r.nnotes, 2);
	ck_assert_ptr_nonnull(strstr(r.notes[0], "a+b+c = 0"));
	ck_assert_ptr_nonnull(strstr(r.notes[1], "b = c = 0"));
	ck_assert_int_eq(r.rate_test.defined, 1);
	ck_assert_int_eq(r.gross_test.defined, 0);
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
	struct paired_analysis r;
	ck_assert(paired_analyse(&t, 0.05, &r));
	ck_assert_int_eq(r.nnotes, 0);
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
	struct paired_analysis r;
	ck_assert(!paired_analyse(&big, 0.05, &r));
	ck_assert_int_eq(r.nnotes, 1);
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

/* ---- Intervals and tests against R (tests/r/paired.R) ---- */

#define FIXTURE "tests/fixtures/stats-paired.tsv"

/* One interval or value of the analysis, by the fixture's column name. */
struct col_ref {
	const char *name;
	const struct paired_value *v; /* a value, or */
	const struct paired_interval *ci;
	int hi; /* for ci: 0 lower bound, 1 upper */
};

/* The fixture's number (or NA) against a measure: both undefined, or both
 * defined and equal to 1e-6 relative (1e-9 absolute near zero). */
static void compare(const char *table, const char *col, const char *want, int defined, double got)
{
	if (!strcmp(want, "NA")) {
		ck_assert_msg(!defined, "%s %s: want null, got %.15g", table, col, got);
		return;
	}
	ck_assert_msg(defined, "%s %s: want %s, got null", table, col, want);
	double w = strtod(want, NULL);
	ck_assert_msg(!isnan(got) && fabs(got - w) <= fmax(1e-9, 1e-6 * fabs(w)),
		      "%s %s: want %s, got %.15g", table, col, want, got);
}

static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	char *save = line;
	while (n < max) {
		f[n++] = save;
		char *tab = strchr(save, '\t');
		if (!tab)
			break;
		*tab = '\0';
		save = tab + 1;
	}
	char *nl = strchr(f[n - 1], '\n');
	if (nl)
		*nl = '\0';
	return n;
}

START_TEST(against_r)
{
	FILE *f = fopen(FIXTURE, "r");
	ck_assert_msg(f != NULL, "cannot open %s (run from the repository root)", FIXTURE);
	char head[4096], line[4096];
	char *h[64], *v[64];
	ck_assert(fgets(head, sizeof(head), f) != NULL);
	int nh = split_tabs(head, h, 64);
	int rows = 0;
	while (fgets(line, sizeof(line), f)) {
		int nv = split_tabs(line, v, 64);
		ck_assert_int_eq(nv, nh);
		struct paired_counts t = { strtol(v[0], NULL, 10), strtol(v[1], NULL, 10),
					   strtol(v[2], NULL, 10), strtol(v[3], NULL, 10) };
		double alpha = strtod(v[4], NULL);
		struct paired_analysis r;
		ck_assert(paired_analyse(&t, alpha, &r));
		char name[128];
		snprintf(name, sizeof(name), "(%s %s %s %s, alpha %s)", v[0], v[1], v[2], v[3], v[4]);
		const struct col_ref refs[] = {
			{ "rate_control", &r.rate_control, NULL, 0 },
			{ "rate_control_ci_lo", NULL, &r.rate_control_ci, 0 },
			{ "rate_control_ci_hi", NULL, &r.rate_control_ci, 1 },
			{ "rate_test", &r.rate_test, NULL, 0 },
			{ "rate_test_ci_lo", NULL, &r.rate_test_ci, 0 },
			{ "rate_test_ci_hi", NULL, &r.rate_test_ci, 1 },
			{ "diff", &r.diff, NULL, 0 },
			{ "diff_ci_newcombe_lo", NULL, &r.diff_ci_newcombe, 0 },
			{ "diff_ci_newcombe_hi", NULL, &r.diff_ci_newcombe, 1 },
			{ "diff_ci_tango_lo", NULL, &r.diff_ci_tango, 0 },
			{ "diff_ci_tango_hi", NULL, &r.diff_ci_tango, 1 },
			{ "net_ilo", &r.net_ilo, NULL, 0 },
			{ "net_ilo_ci_lo", NULL, &r.net_ilo_ci, 0 },
			{ "net_ilo_ci_hi", NULL, &r.net_ilo_ci, 1 },
			{ "gross_control", &r.gross_control, NULL, 0 },
			{ "gross_test", &r.gross_test, NULL, 0 },
			{ "net_all", &r.net_all, NULL, 0 },
			{ "ratio", &r.ratio, NULL, 0 },
			{ "ratio_ci_bonett_price_lo", NULL, &r.ratio_ci_bonett_price, 0 },
			{ "ratio_ci_bonett_price_hi", NULL, &r.ratio_ci_bonett_price, 1 },
			{ "ratio_ci_wald_log_lo", NULL, &r.ratio_ci_wald_log, 0 },
			{ "ratio_ci_wald_log_hi", NULL, &r.ratio_ci_wald_log, 1 },
			{ "odds_ratio", &r.odds_ratio, NULL, 0 },
			{ "odds_ratio_ci_lo", NULL, &r.odds_ratio_ci, 0 },
			{ "odds_ratio_ci_hi", NULL, &r.odds_ratio_ci, 1 },
			{ "mcnemar_exact_p", &r.mcnemar_exact_p, NULL, 0 },
			{ "mcnemar_midp", &r.mcnemar_midp, NULL, 0 },
			{ "mcnemar_chi2", &r.mcnemar_chi2, NULL, 0 },
			{ "mcnemar_chi2_p", &r.mcnemar_chi2_p, NULL, 0 },
			{ "mcnemar_chi2_cc", &r.mcnemar_chi2_cc, NULL, 0 },
			{ "mcnemar_chi2_cc_p", &r.mcnemar_chi2_cc_p, NULL, 0 },
		};
		int checked = 0;
		for (int i = 0; i < nh; i++) {
			if (!strcmp(h[i], "n")) {
				ck_assert_int_eq(r.n, strtol(v[i], NULL, 10));
				continue;
			}
			for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
				const struct col_ref *c = &refs[k];
				if (strcmp(h[i], c->name))
					continue;
				if (c->v)
					compare(name, c->name, v[i], c->v->defined, c->v->v);
				else if (c->hi)
					compare(name, c->name, v[i], c->ci->hi_defined, c->ci->hi);
				else
					compare(name, c->name, v[i], c->ci->lo_defined, c->ci->lo);
				checked++;
			}
		}
		ck_assert_int_eq(checked, (int)(sizeof(refs) / sizeof(refs[0])));
		/* Every null has a reason. */
		for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
			int def = refs[k].v ? refs[k].v->defined
				  : refs[k].hi ? refs[k].ci->hi_defined : refs[k].ci->lo_defined;
			if (!def)
				ck_assert_msg(r.nnotes > 0, "%s: %s null without a note", name,
					      refs[k].name);
		}
		rows++;
	}
	fclose(f);
	ck_assert_int_ge(rows, 40);
}
END_TEST

/* Published worked examples: Fagerland, Lydersen & Laake (2017),
 * Statistical Analysis of Contingency Tables, chapter 8, the Cavo et al.
 * (2012) table (a, b, c, d) = (59, 6, 16, 80), as printed (4 decimals):
 * Newcombe (-0.1186, -0.0046), Tango (-0.1240, -0.0054), Bonett-Price
 * (0.7579, 0.9910), Wald log (0.7597, 0.9886); McNemar exact P = 0.052479,
 * mid-P 0.034690, asymptotic 0.033006, with continuity correction 0.055009
 * (also Fagerland et al. 2013, BMC Med Res Methodol 13:91). */
START_TEST(published_examples)
{
	struct paired_counts t = { 59, 6, 16, 80 };
	struct paired_analysis r;
	ck_assert(paired_analyse(&t, 0.05, &r));
#define NEAR(x, want, tol) ck_assert_msg(fabs((x) - (want)) < (tol), #x " = %.6f", (x))
	NEAR(r.diff.v, -0.0621, 5e-5);
	NEAR(r.diff_ci_newcombe.lo, -0.1186, 5e-5);
	NEAR(r.diff_ci_newcombe.hi, -0.0046, 5e-5);
	NEAR(r.diff_ci_tango.lo, -0.1240, 5e-5);
	NEAR(r.diff_ci_tango.hi, -0.0054, 5e-5);
	NEAR(r.ratio.v, 0.8667, 5e-5);
	NEAR(r.ratio_ci_bonett_price.lo, 0.7579, 5e-5);
	NEAR(r.ratio_ci_bonett_price.hi, 0.9910, 5e-5);
	NEAR(r.ratio_ci_wald_log.lo, 0.7597, 5e-5);
	NEAR(r.ratio_ci_wald_log.hi, 0.9886, 5e-5);
	NEAR(r.mcnemar_exact_p.v, 0.052479, 5e-7);
	NEAR(r.mcnemar_midp.v, 0.034690, 5e-7);
	NEAR(r.mcnemar_chi2_p.v, 0.033006, 5e-7);
	NEAR(r.mcnemar_chi2_cc_p.v, 0.055009, 5e-7);
#undef NEAR
}
END_TEST

START_TEST(analysis_edges)
{
	/* Never NaN, whatever the table. */
	const struct paired_counts ts[] = { { 0, 0, 0, 0 },	{ 0, 0, 0, 7 }, { 7, 0, 0, 0 },
					    { 0, 1, 0, 0 },	{ 0, 0, 1, 0 }, { 0, 3, 0, 0 },
					    { 10000000, 0, 0, 0 }, { 0, 10000000, 10000000, 0 } };
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct paired_analysis r;
		ck_assert(paired_analyse(&ts[i], 0.05, &r));
		const struct paired_interval *cis[] = { &r.rate_control_ci, &r.diff_ci_newcombe,
							&r.diff_ci_tango, &r.net_ilo_ci,
							&r.ratio_ci_bonett_price, &r.ratio_ci_wald_log,
							&r.odds_ratio_ci };
		for (size_t k = 0; k < sizeof(cis) / sizeof(cis[0]); k++)
			ck_assert(isfinite(cis[k]->lo) && isfinite(cis[k]->hi));
		ck_assert(isfinite(r.mcnemar_midp.v) && isfinite(r.mcnemar_chi2_cc_p.v));
	}
	/* Invalid counts and alpha: refused with one note. */
	struct paired_counts neg = { -1, 0, 0, 0 }, ok = { 1, 2, 3, 4 };
	struct paired_analysis r;
	ck_assert(!paired_analyse(&neg, 0.05, &r));
	ck_assert_int_eq(r.nnotes, 1);
	ck_assert(!paired_analyse(&ok, 1.5, &r));
	ck_assert(!paired_analyse(&ok, NAN, &r));
	/* N = 0: one note saying why. */
	struct paired_counts z = { 0, 0, 0, 0 };
	ck_assert(paired_analyse(&z, 0.05, &r));
	ck_assert_int_eq(r.nnotes, 1);
	ck_assert(strstr(r.notes[0], "N = 0") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("paired");
	TCase *tc = tcase_create("measures");
	tcase_add_test(tc, worked_example);
	tcase_add_test(tc, against_r);
	tcase_add_test(tc, published_examples);
	tcase_add_test(tc, analysis_edges);
	tcase_add_test(tc, second_example_reverse);
	tcase_add_test(tc, no_pairs);
	tcase_add_test(tc, no_positive_outcome);
	tcase_add_test(tc, equal_discordant);
	tcase_add_test(tc, only_discordant);
	tcase_add_test(tc, large_counts);
	tcase_add_test(tc, invalid_counts);
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
