/* paired.h: the measures of a paired correspondence test (one control and
 * one test candidate per listing), computed from the four cell counts of
 * METHOD.md "The measures (paired design)". Pure functions over counts: no
 * I/O, no SQLite, no allocation; later intervals and tests build on them.
 *
 *   cell  control   test
 *   a     positive  positive
 *   b     positive  negative
 *   c     negative  positive
 *   d     negative  negative
 *
 * Every measure is returned through an out parameter with a flag: 1 when it
 * is defined, 0 when its denominator is zero (then *out is set to 0 and must
 * not be shown as a number: JSON prints null with a note, never NaN). */
#ifndef CT_STATS_PAIRED_H
#define CT_STATS_PAIRED_H

struct paired_counts {
	long a, b, c, d;
};

/* Adds one pair to the cell its two outcomes fall in (a, b, c or d). */
void paired_counts_add(struct paired_counts *t, int control_positive, int test_positive);

/* 1 when every count is >= 0 and their sum fits in a long; measures of an
 * invalid table are all undefined. */
int paired_counts_valid(const struct paired_counts *t);
/* N = a+b+c+d, or -1 for an invalid table. */
long paired_n(const struct paired_counts *t);

int paired_rate_control(const struct paired_counts *t, double *out);
int paired_rate_test(const struct paired_counts *t, double *out);
int paired_net_ilo(const struct paired_counts *t, double *out);
int paired_gross_control(const struct paired_counts *t, double *out);
int paired_gross_test(const struct paired_counts *t, double *out);
int paired_net_all(const struct paired_counts *t, double *out);

/* A measure with its flag, for callers that hold all of them at once. */
struct paired_value {
	double v;
	int defined;
};

/* An interval [lo, hi]. Each bound has its own flag, because some intervals
 * are half-open: the ratio's upper bound is infinite when the test
 * candidate was never positive, and is then reported as null (JSON has no
 * infinity) with a note, while the finite lower bound is still shown. */
struct paired_interval {
	double lo, hi;
	int lo_defined, hi_defined;
};

/* The intervals and tests. Each returns 1 when defined (the point value or
 * both bounds; see the bound flags for half-open intervals) and 0 when not;
 * alpha is the two-sided level (0.05 for 95%), 0 < alpha < 1. */

/* Newcombe's correlation estimate for the square-and-add interval
 * (Newcombe 1998, Stat Med 17:2635, method 10): phi = (ad-bc)/sqrt(A),
 * A = (a+b)(c+d)(a+c)(b+d), with ad-bc replaced by max(ad-bc-N/2, 0) when
 * ad > bc, and phi = 0 when A = 0. */
double paired_newcombe_phi(const struct paired_counts *t);
/* Δ = p_C - p_T = (b-c)/N with Newcombe's method 10 (square-and-add of the
 * two Wilson intervals with the phi correction above). Needs N > 0. */
int paired_diff_ci_newcombe(const struct paired_counts *t, double alpha, double *lo,
			    double *hi);
/* Δ with Tango's asymptotic score interval (Tango 1998, Stat Med 17:891,
 * eq. 3-5), the roots of the score equation found by bisection to double
 * precision. Needs N > 0. */
int paired_diff_ci_tango(const struct paired_counts *t, double alpha, double *lo, double *hi);
/* The ILO net rate (b-c)/(a+b+c) with Newcombe's method 10 applied to the
 * table (a, b, c, 0): the paired difference among the pairs with at least
 * one positive outcome (docs/statistics.md). Needs a+b+c > 0. */
int paired_net_ilo_ci(const struct paired_counts *t, double alpha, double *lo, double *hi);
/* The ratio p_C/p_T = (a+b)/(a+c); 0 when a+c = 0 (infinite) or a+b+c = 0. */
int paired_ratio(const struct paired_counts *t, double *out);
/* Bonett & Price (2006), Stat Med 25:3039, the hybrid Wilson interval for
 * the ratio of paired proportions. Returns 1 when a+b+c > 0 (the upper
 * bound may still be infinite: ci->hi_defined = 0). */
int paired_ratio_ci_bonett_price(const struct paired_counts *t, double alpha,
				 struct paired_interval *ci);
/* Wald interval on the log scale: exp(log R -/+ z SE), SE =
 * sqrt((b+c)/((a+b)(a+c))) (METHOD.md; Fagerland, Lydersen & Laake 2017,
 * Statistical Analysis of Contingency Tables, 8.8). Needs a+b > 0, a+c > 0. */
int paired_ratio_ci_wald_log(const struct paired_counts *t, double alpha,
			     struct paired_interval *ci);
/* The conditional odds ratio b/c; 0 when c = 0 (infinite) or b+c = 0. */
int paired_odds_ratio(const struct paired_counts *t, double *out);
/* Its exact interval from the Clopper-Pearson interval [L, U] of b of b+c:
 * [L/(1-L), U/(1-U)] (Breslow & Day 1980, 7.3; Fagerland et al. 2017, 8.9).
 * Returns 1 when b+c > 0 (the upper bound is infinite when c = 0). */
int paired_odds_ratio_ci(const struct paired_counts *t, double alpha, struct paired_interval *ci);
/* McNemar's exact conditional test: two-sided binomial of b of b+c at 1/2,
 * min(1, 2 P(X <= min(b, c))) (R: binom.test(b, b+c)$p.value). Needs b+c > 0. */
int paired_mcnemar_exact_p(const struct paired_counts *t, double *p);
/* The mid-p McNemar test, 2 P(X <= min(b,c)) - P(X = b) (Fagerland,
 * Lydersen & Laake 2013, BMC Med Res Methodol 13:91, eq. 3): the exact p
 * less the probability of the observed b; 1 when b = c. Needs b+c > 0. */
int paired_mcnemar_midp(const struct paired_counts *t, double *p);
/* The asymptotic McNemar test: (b-c)^2/(b+c), or with cc = 1 the continuity
 * corrected (|b-c|-1)^2/(b+c) (0 when b = c), and its upper chi-square(1)
 * p (R: mcnemar.test(m, correct = FALSE/TRUE)). Needs b+c > 0. */
int paired_mcnemar_chi2(const struct paired_counts *t, int cc, double *stat, double *p);

/* Every measure of METHOD.md for one table, at level alpha. Undefined
 * values have defined = 0 and v = 0, each with a note (static strings). */
#define PAIRED_ANALYSIS_MAX_NOTES 10
struct paired_analysis {
	struct paired_counts t;
	long n; /* -1 for an invalid table */
	double alpha;
	struct paired_value rate_control, rate_test;
	struct paired_interval rate_control_ci, rate_test_ci;
	struct paired_value diff;
	struct paired_interval diff_ci_newcombe, diff_ci_tango;
	struct paired_value net_ilo;
	struct paired_interval net_ilo_ci;
	struct paired_value gross_control, gross_test, net_all;
	struct paired_value ratio;
	struct paired_interval ratio_ci_bonett_price, ratio_ci_wald_log;
	struct paired_value odds_ratio;
	struct paired_interval odds_ratio_ci;
	struct paired_value mcnemar_exact_p, mcnemar_midp;
	struct paired_value mcnemar_chi2, mcnemar_chi2_p, mcnemar_chi2_cc, mcnemar_chi2_cc_p;
	const char *notes[PAIRED_ANALYSIS_MAX_NOTES];
	int nnotes;
};
/* Fills *out; returns 1 when the counts and alpha are valid (some measures
 * may still be undefined), 0 when not (everything undefined, one note). */
int paired_analyse(const struct paired_counts *t, double alpha, struct paired_analysis *out);

/* The cell probabilities of the simulation model (see paired.c for the
 * model and the proof that its expected net ILO rate is `net`):
 * p_control in [0,1], net in [-1,1], noise in [0, 1/2). Fills cell[0..3]
 * with P(a), P(b), P(c), P(d) and returns 1; returns 0 with *why set to a
 * static sentence when the combination cannot be produced. */
/* The highest control rate the model can pair with this net rate:
 * 1 − noise·(1−net) for net >= 0, (1+net)(1−noise) below. */
double paired_model_max_p_control(double net, double noise);
int paired_model_cells(double p_control, double net, double noise, double cell[4],
		       const char **why);

#endif
