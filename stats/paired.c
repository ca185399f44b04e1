/* paired.c: point measures of a paired correspondence test from the cell
 * counts a, b, c, d, and the cell probabilities of the simulation model.
 * Sources: METHOD.md "The measures (paired design)"; the ILO net rate as in
 * Bovenkerk (1992), "Testing discrimination in natural experiments: a manual
 * for international comparative research on discrimination on the grounds
 * of 'race' and ethnic origin" (ILO, Geneva), and Riach & Rich (2002), "Field
 * experiments of discrimination in the market place", Economic Journal 112,
 * F480-F518. */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "paired.h"
#include "prop.h"
#include "rmath.h"
#include "banned.h"

int paired_counts_valid(const struct paired_counts *t)
{
	if (!t || t->a < 0 || t->b < 0 || t->c < 0 || t->d < 0)
		return 0;
	/* Each partial sum must fit: a sum past LONG_MAX would be undefined
	 * behaviour, and no real study comes near it. */
	long s = 0;
	const long v[4] = { t->a, t->b, t->c, t->d };
	for (int i = 0; i < 4; i++) {
		if (v[i] > LONG_MAX - s)
			return 0;
		s += v[i];
	}
	return 1;
}

long paired_n(const struct paired_counts *t)
{
	if (!paired_counts_valid(t))
		return -1;
	return t->a + t->b + t->c + t->d;
}

/* num/den as a defined measure when den > 0; otherwise undefined, *out = 0. */
static int ratio(double num, long den, double *out)
{
	if (den <= 0) {
		*out = 0.0;
		return 0;
	}
	*out = num / (double)den;
	return 1;
}

/* a+b+c: the pairs where at least one candidate had a positive outcome,
 * the denominator of the ILO rates; -1 for an invalid table. */
static long paired_positive_pairs(const struct paired_counts *t)
{
	return paired_counts_valid(t) ? t->a + t->b + t->c : -1;
}

/* Response rate of the control candidate: p_C = (a+b)/N (METHOD.md). */
int paired_rate_control(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)(t->a + t->b) : 0.0, n, out);
}

/* Response rate of the test candidate: p_T = (a+c)/N (METHOD.md). */
int paired_rate_test(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)(t->a + t->c) : 0.0, n, out);
}

/* Net discrimination rate of the ILO method: (b−c)/(a+b+c), the share of
 * pairs with at least one positive outcome in which only the control was
 * favoured, less the share in which only the test candidate was
 * (Bovenkerk 1992; Riach & Rich 2002; METHOD.md). This is the figure the
 * Belgian praktijktesten publish. */
int paired_net_ilo(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->b - (double)t->c : 0.0, m, out);
}

/* Gross rate against the test candidate: b/(a+b+c) (Bovenkerk 1992;
 * METHOD.md "also report the gross rates"). */
int paired_gross_control(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->b : 0.0, m, out);
}

/* Gross rate in favour of the test candidate: c/(a+b+c) (as above). */
int paired_gross_test(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->c : 0.0, m, out);
}

/* Net rate over all pairs: (b−c)/N, which equals p_C − p_T; the measure of
 * the US audit studies (METHOD.md). */
int paired_net_all(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)t->b - (double)t->c : 0.0, n, out);
}

/* ---- Intervals and tests ---- */

/* Sets an interval to "undefined" (both bounds 0, never NaN). */
static void interval_none(struct paired_interval *ci)
{
	ci->lo = ci->hi = 0.0;
	ci->lo_defined = ci->hi_defined = 0;
}

static void interval_set(struct paired_interval *ci, double lo, double hi)
{
	ci->lo = lo;
	ci->hi = hi;
	ci->lo_defined = ci->hi_defined = 1;
}

static int alpha_valid(double alpha)
{
	return alpha > 0.0 && alpha < 1.0; /* false for NaN too */
}

/* Newcombe (1998), Stat Med 17:2635, section 2, method 10: the estimate of
 * the correlation between the two marginal proportions, with the
 * numerator "corrected" towards 0 by N/2 when positive (the same rule as
 * Fagerland, Lydersen & Laake 2017, 8.6.5). Computed in doubles: with
 * counts of 10^7 the products reach 10^28, beyond a long. */
double paired_newcombe_phi(const struct paired_counts *t)
{
	if (paired_n(t) <= 0)
		return 0.0;
	double a = (double)t->a, b = (double)t->b, c = (double)t->c, d = (double)t->d;
	double n = a + b + c + d;
	double den = (a + b) * (c + d) * (a + c) * (b + d);
	if (den <= 0.0)
		return 0.0;
	double num = a * d - b * c;
	if (num > 0.0)
		num = num - n / 2.0 > 0.0 ? num - n / 2.0 : 0.0;
	return num / sqrt(den);
}

/* The square-and-add combination of Newcombe (1998) method 10, on the
 * Wilson intervals (l1, u1) of p1 = (a+b)/N and (l2, u2) of p2 = (a+c)/N:
 *   L = Δ - sqrt((p1-l1)^2 - 2 phi (p1-l1)(u2-p2) + (u2-p2)^2)
 *   U = Δ + sqrt((u1-p1)^2 - 2 phi (u1-p1)(p2-l2) + (p2-l2)^2). */
int paired_diff_ci_newcombe(const struct paired_counts *t, double alpha, double *lo, double *hi)
{
	long n = paired_n(t);
	*lo = *hi = 0.0;
	if (n <= 0 || !alpha_valid(alpha))
		return 0;
	double nn = (double)n;
	double x1 = (double)t->a + (double)t->b, x2 = (double)t->a + (double)t->c;
	double p1 = x1 / nn, p2 = x2 / nn, l1, u1, l2, u2;
	if (!prop_wilson(x1, nn, alpha, &l1, &u1) || !prop_wilson(x2, nn, alpha, &l2, &u2))
		return 0;
	double phi = paired_newcombe_phi(t);
	double diff = ((double)t->b - (double)t->c) / nn;
	double dl = (p1 - l1) * (p1 - l1) - 2.0 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) * (u2 - p2);
	double du = (u1 - p1) * (u1 - p1) - 2.0 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) * (p2 - l2);
	/* |phi| <= 1 keeps both sums >= 0; rounding could leave -1e-18. */
	*lo = diff - sqrt(dl > 0.0 ? dl : 0.0);
	*hi = diff + sqrt(du > 0.0 ? du : 0.0);
	return 1;
}

/* Tango (1998), Stat Med 17:891, eq. (3)-(5). With x12 = b, x21 = c, the
 * score statistic for H0: Δ = d0 is
 *   Z(d0) = (b - c - N d0) / sqrt(N (2 q + d0 (1 - d0)))
 * where q is the restricted maximum likelihood estimate of P(c cell),
 * the positive root of 2N q^2 + W q - c d0 (1 - d0) = 0 with
 * W = -b - c + (2N - b + c) d0. Returns +-HUGE_VAL when the variance
 * vanishes (at d0 = -1 or 1) and 0 when the numerator is 0. */
static double tango_z(double b, double c, double n, double d0)
{
	double num = b - c - n * d0;
	if (num == 0.0)
		return 0.0;
	double w = -b - c + (2.0 * n - b + c) * d0;
	double k = c * d0 * (1.0 - d0); /* the quadratic's constant is -k */
	double disc = w * w + 8.0 * n * k;
	if (disc < 0.0)
		disc = 0.0;
	double root = sqrt(disc), q;
	/* The two algebraically equal forms of the positive root; the second
	 * avoids cancellation when W > 0 (large counts). */
	if (w <= 0.0)
		q = (root - w) / (4.0 * n);
	else
		q = root + w > 0.0 ? 2.0 * k / (root + w) : 0.0;
	double var = n * (2.0 * q + d0 * (1.0 - d0));
	if (!(var > 0.0))
		return num > 0.0 ? HUGE_VAL : -HUGE_VAL;
	return num / sqrt(var);
}

/* The d0 in [lo, hi] where Z(d0) = target, for Z decreasing on the
 * bracket with Z(lo) >= target >= Z(hi): bisection until the bracket
 * cannot shrink in doubles (well below the 1e-12 asked). */
static double tango_root(double b, double c, double n, double target, double lo, double hi)
{
	for (int i = 0; i < 200; i++) {
		double mid = lo + (hi - lo) / 2.0;
		if (mid <= lo || mid >= hi)
			break;
		if (tango_z(b, c, n, mid) > target)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2.0;
}

int paired_diff_ci_tango(const struct paired_counts *t, double alpha, double *lo, double *hi)
{
	long n = paired_n(t);
	*lo = *hi = 0.0;
	if (n <= 0 || !alpha_valid(alpha))
		return 0;
	double z = prop_z(alpha), nn = (double)n, b = (double)t->b, c = (double)t->c;
	double diff = (b - c) / nn;
	/* Z is +inf at -1 and -inf at 1 (the variance vanishes there), and 0
	 * at the estimate: the lower limit solves Z = z on [-1, Δ], the upper
	 * Z = -z on [Δ, 1]. At Δ = -1 (every pair c) the lower limit is -1;
	 * likewise the upper at Δ = 1. */
	*lo = t->c == n ? -1.0 : tango_root(b, c, nn, z, -1.0, diff);
	*hi = t->b == n ? 1.0 : tango_root(b, c, nn, -z, diff, 1.0);
	return 1;
}

int paired_net_ilo_ci(const struct paired_counts *t, double alpha, double *lo, double *hi)
{
	*lo = *hi = 0.0;
	if (!paired_counts_valid(t) || t->a + t->b + t->c <= 0)
		return 0;
	struct paired_counts pos = { t->a, t->b, t->c, 0 };
	return paired_diff_ci_newcombe(&pos, alpha, lo, hi);
}

int paired_ratio(const struct paired_counts *t, double *out)
{
	*out = 0.0;
	if (!paired_counts_valid(t) || t->a + t->c <= 0)
		return 0;
	*out = ((double)t->a + (double)t->b) / ((double)t->a + (double)t->c);
	return 1;
}

/* The Wilson interval written as Bonett & Price (2006) do, with their
 * adjusted z. */
static void bp_wilson(double x, double n, double z, double *lo, double *hi)
{
	double r = z * z + 4.0 * x * (1.0 - x / n);
	double h = z * sqrt(r > 0.0 ? r : 0.0);
	*lo = (2.0 * x + z * z - h) / (2.0 * (n + z * z));
	*hi = (2.0 * x + z * z + h) / (2.0 * (n + z * z));
}

/* Bonett & Price (2006), Stat Med 25:3039-3047, section 3 ("hybrid
 * Wilson"). With n* = a+b+c (d does not affect the ratio), n1 = a+b,
 * n2 = a+c:
 *   A = sqrt((b+c+2) / ((n1+1)(n2+1)))
 *   B = sqrt((1 - (n1+1)/(n*+2)) / (n1+1))
 *   C = sqrt((1 - (n2+1)/(n*+2)) / (n2+1))
 *   z0 = z A / (B + C)
 * (l1, u1), (l2, u2): Wilson intervals of n1/n* and n2/n* with z0;
 * interval [l1/u2, u1/l2]. */
int paired_ratio_ci_bonett_price(const struct paired_counts *t, double alpha,
				 struct paired_interval *ci)
{
	interval_none(ci);
	if (!paired_counts_valid(t) || !alpha_valid(alpha))
		return 0;
	double a = (double)t->a, b = (double)t->b, c = (double)t->c;
	double ns = a + b + c, n1 = a + b, n2 = a + c;
	if (ns <= 0.0)
		return 0;
	double A = sqrt((b + c + 2.0) / ((n1 + 1.0) * (n2 + 1.0)));
	double B = sqrt((1.0 - (n1 + 1.0) / (ns + 2.0)) / (n1 + 1.0));
	double C = sqrt((1.0 - (n2 + 1.0) / (ns + 2.0)) / (n2 + 1.0));
	double z0 = prop_z(alpha) * A / (B + C);
	double l1, u1, l2, u2;
	bp_wilson(n1, ns, z0, &l1, &u1);
	bp_wilson(n2, ns, z0, &l2, &u2);
	if (n1 == 0.0)
		l1 = 0.0; /* exactly, not -1e-17 */
	ci->lo = u2 > 0.0 ? l1 / u2 : 0.0;
	ci->lo_defined = 1;
	if (n2 > 0.0 && l2 > 0.0) {
		ci->hi = u1 / l2;
		ci->hi_defined = 1;
	}
	return 1;
}

int paired_ratio_ci_wald_log(const struct paired_counts *t, double alpha,
			     struct paired_interval *ci)
{
	interval_none(ci);
	if (!paired_counts_valid(t) || !alpha_valid(alpha) || t->a + t->b <= 0 || t->a + t->c <= 0)
		return 0;
	double n1 = (double)t->a + (double)t->b, n2 = (double)t->a + (double)t->c;
	double se = sqrt(((double)t->b + (double)t->c) / (n1 * n2));
	double lr = log(n1 / n2), z = prop_z(alpha);
	interval_set(ci, exp(lr - z * se), exp(lr + z * se));
	return 1;
}

int paired_odds_ratio(const struct paired_counts *t, double *out)
{
	*out = 0.0;
	if (!paired_counts_valid(t) || t->c <= 0)
		return 0;
	*out = (double)t->b / (double)t->c;
	return 1;
}

int paired_odds_ratio_ci(const struct paired_counts *t, double alpha, struct paired_interval *ci)
{
	interval_none(ci);
	if (!paired_counts_valid(t) || !alpha_valid(alpha) || t->b + t->c <= 0)
		return 0;
	double l, u;
	if (!prop_clopper_pearson((double)t->b, (double)t->b + (double)t->c, alpha, &l, &u))
		return 0;
	ci->lo = l / (1.0 - l); /* l < 1 always: l = 1 only for alpha = 0 */
	ci->lo_defined = 1;
	if (t->c > 0 && u < 1.0) {
		ci->hi = u / (1.0 - u);
		ci->hi_defined = 1;
	}
	return 1;
}

/* P(X <= min(b, c)) for X ~ Binomial(b+c, 1/2). */
static double mcnemar_tail(const struct paired_counts *t)
{
	double m = (double)(t->b < t->c ? t->b : t->c);
	return pbinom(m, (double)t->b + (double)t->c, 0.5, 1, 0);
}

int paired_mcnemar_exact_p(const struct paired_counts *t, double *p)
{
	*p = 0.0;
	if (!paired_counts_valid(t) || t->b + t->c <= 0)
		return 0;
	double v = 2.0 * mcnemar_tail(t);
	*p = v < 1.0 ? v : 1.0;
	return 1;
}

int paired_mcnemar_midp(const struct paired_counts *t, double *p)
{
	*p = 0.0;
	if (!paired_counts_valid(t) || t->b + t->c <= 0)
		return 0;
	if (t->b == t->c) {
		/* 2 P(X <= m) - P(X = m) = 1 exactly by symmetry. */
		*p = 1.0;
		return 1;
	}
	double v = 2.0 * mcnemar_tail(t) - dbinom((double)t->b, (double)t->b + (double)t->c, 0.5, 0);
	*p = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
	return 1;
}

int paired_mcnemar_chi2(const struct paired_counts *t, int cc, double *stat, double *p)
{
	*stat = *p = 0.0;
	if (!paired_counts_valid(t) || t->b + t->c <= 0)
		return 0;
	double diff = fabs((double)t->b - (double)t->c);
	/* R applies the correction only when b != c; |b-c| >= 1 then. */
	if (cc && diff > 0.0)
		diff -= 1.0;
	*stat = diff * diff / ((double)t->b + (double)t->c);
	*p = pchisq(*stat, 1.0, 0, 0);
	return 1;
}

#define NOTE_INVALID "invalid counts (negative or too large)"
#define NOTE_ALPHA "alpha must be between 0 and 1"
#define NOTE_NO_PAIRS "no valid pairs (N = 0): every measure is undefined"
#define NOTE_NO_POSITIVE                                                                  \
	"no pair with a positive outcome (a+b+c = 0): the net ILO rate, the gross rates and " \
	"the ratio are undefined"
#define NOTE_NO_DISCORDANT                                                                \
	"no discordant pair (b = c = 0): the McNemar tests and the odds ratio b/c are "        \
	"undefined"
#define NOTE_TEST_NEVER                                                                   \
	"the test candidate was never positive (a+c = 0): the ratio (a+b)/(a+c) and the "      \
	"upper bound of its Bonett-Price interval are infinite (null); its log-scale "        \
	"interval is undefined"
#define NOTE_CONTROL_NEVER                                                                \
	"the control candidate was never positive (a+b = 0): the ratio is 0 and its "         \
	"log-scale interval is undefined"
#define NOTE_C_ZERO                                                                       \
	"no pair where only the test candidate was positive (c = 0): the odds ratio b/c and " \
	"the upper bound of its interval are infinite (null)"
#define NOTE_WALD_ZERO                                                                    \
	"no discordant pair: the log-scale interval of the ratio has zero width"

static void note(struct paired_analysis *out, const char *s)
{
	if (out->nnotes < PAIRED_ANALYSIS_MAX_NOTES)
		out->notes[out->nnotes++] = s;
}

static void value(struct paired_value *v, int defined, double x)
{
	v->defined = defined;
	v->v = defined ? x : 0.0;
}

int paired_analyse(const struct paired_counts *t, double alpha, struct paired_analysis *out)
{
	static const struct paired_analysis zero;
	*out = zero;
	out->t = *t;
	out->alpha = alpha;
	out->n = paired_n(t);
	if (out->n < 0) {
		note(out, NOTE_INVALID);
		return 0;
	}
	if (!alpha_valid(alpha)) {
		note(out, NOTE_ALPHA);
		return 0;
	}
	if (out->n == 0) {
		note(out, NOTE_NO_PAIRS);
		return 1;
	}
	double x, lo, hi, st, p;
	int d;
	double nn = (double)out->n;
	d = paired_rate_control(t, &x);
	value(&out->rate_control, d, x);
	if (prop_wilson((double)t->a + (double)t->b, nn, alpha, &lo, &hi))
		interval_set(&out->rate_control_ci, lo, hi);
	d = paired_rate_test(t, &x);
	value(&out->rate_test, d, x);
	if (prop_wilson((double)t->a + (double)t->c, nn, alpha, &lo, &hi))
		interval_set(&out->rate_test_ci, lo, hi);
	d = paired_net_all(t, &x);
	value(&out->diff, d, x);
	value(&out->net_all, d, x);
	if (paired_diff_ci_newcombe(t, alpha, &lo, &hi))
		interval_set(&out->diff_ci_newcombe, lo, hi);
	if (paired_diff_ci_tango(t, alpha, &lo, &hi))
		interval_set(&out->diff_ci_tango, lo, hi);
	d = paired_net_ilo(t, &x);
	value(&out->net_ilo, d, x);
	if (paired_net_ilo_ci(t, alpha, &lo, &hi))
		interval_set(&out->net_ilo_ci, lo, hi);
	d = paired_gross_control(t, &x);
	value(&out->gross_control, d, x);
	d = paired_gross_test(t, &x);
	value(&out->gross_test, d, x);
	d = paired_ratio(t, &x);
	value(&out->ratio, d, x);
	paired_ratio_ci_bonett_price(t, alpha, &out->ratio_ci_bonett_price);
	paired_ratio_ci_wald_log(t, alpha, &out->ratio_ci_wald_log);
	d = paired_odds_ratio(t, &x);
	value(&out->odds_ratio, d, x);
	paired_odds_ratio_ci(t, alpha, &out->odds_ratio_ci);
	d = paired_mcnemar_exact_p(t, &p);
	value(&out->mcnemar_exact_p, d, p);
	d = paired_mcnemar_midp(t, &p);
	value(&out->mcnemar_midp, d, p);
	d = paired_mcnemar_chi2(t, 0, &st, &p);
	value(&out->mcnemar_chi2, d, st);
	value(&out->mcnemar_chi2_p, d, p);
	d = paired_mcnemar_chi2(t, 1, &st, &p);
	value(&out->mcnemar_chi2_cc, d, st);
	value(&out->mcnemar_chi2_cc_p, d, p);

	if (t->a + t->b + t->c == 0) {
		note(out, NOTE_NO_POSITIVE);
	} else {
		if (t->a + t->c == 0)
			note(out, NOTE_TEST_NEVER);
		else if (t->a + t->b == 0)
			note(out, NOTE_CONTROL_NEVER);
	}
	if (t->b + t->c == 0) {
		note(out, NOTE_NO_DISCORDANT);
		if (out->ratio_ci_wald_log.lo_defined)
			note(out, NOTE_WALD_ZERO);
	} else if (t->c == 0) {
		note(out, NOTE_C_ZERO);
	}
	return 1;
}

/* The simulation model. Write s = P(a)+P(b)+P(c), the probability that a
 * pair has at least one positive outcome, and f_x = P(x)/s for x in a, b, c
 * (so f_a+f_b+f_c = 1). Among the pairs with a positive outcome, a share
 * |D| is discriminatory (control only positive, cell b, when D >= 0; test
 * only, cell c, when D < 0), and the rest is "neutral": concordant with
 * probability 1−2k and discordant each way with probability k, the chance
 * disagreement of two equal candidates (k = noise). Hence, for D >= 0:
 *
 *   f_a = (1−2k)(1−D)      f_b = k + D(1−k)      f_c = k(1−D)
 *
 * and for D < 0 the same with b and c exchanged and |D| for D:
 *
 *   f_a = (1−2k)(1+D)      f_b = k(1+D)          f_c = k + |D|(1−k)
 *
 * Check: f_a+f_b+f_c = (1−|D|)(1−2k+2k) + |D| = 1, and
 *   D >= 0: f_b − f_c = k + D − Dk − k + Dk = D;
 *   D <  0: f_b − f_c = k + kD − k − |D| + |D|k = −|D| = D.
 * The control rate is P = s(f_a+f_b) = s·g with
 *   g = 1 − k(1−D) for D >= 0,   g = (1+D)(1−k) for D < 0,
 * so s = P/g and P(d) = 1 − s; the model exists when g > 0 and P <= g.
 *
 * Expected net rate: over N independent pairs, (b−c)/(a+b+c) =
 * [(b−c)/N]/[(a+b+c)/N]. By the strong law of large numbers the numerator
 * tends to s(f_b−f_c) = sD and the denominator to s > 0, so the ratio tends
 * (almost surely, hence in probability) to D; its bias is O(1/N) (delta
 * method), and E[(b−c)/N]/E[(a+b+c)/N] = D exactly. Likewise (a+b)/N tends
 * to P. P = 0 gives s = 0 (no positive outcome, net rate undefined), and
 * D = −1 gives g = 0: both are refused. */
double paired_model_max_p_control(double net, double noise)
{
	return net >= 0 ? 1.0 - noise * (1.0 - net) : (1.0 + net) * (1.0 - noise);
}

int paired_model_cells(double p_control, double net, double noise, double cell[4],
		       const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	/* Written as negations so that NaN is refused too. */
	if (!(p_control >= 0.0 && p_control <= 1.0)) {
		*why = "the control rate must be between 0 and 1";
		return 0;
	}
	if (!(net >= -1.0 && net <= 1.0)) {
		*why = "the net rate must be between -1 and 1";
		return 0;
	}
	if (!(noise >= 0.0 && noise < 0.5)) {
		*why = "the chance discordance must be in [0, 0.5)";
		return 0;
	}
	if (net <= -1.0) {
		*why = "a net rate of -1 leaves no pair where the control is positive, so the model "
		       "cannot fix how often the test candidate is; use a value above -1";
		return 0;
	}
	if (p_control <= 0.0) {
		*why = "a control rate of 0 with a net rate above -1 gives no positive outcome at all, "
		       "so the net rate would be undefined";
		return 0;
	}
	double g = paired_model_max_p_control(net, noise);
	/* A tolerance of a few ulps, so that P = g exactly (e.g. 1 and 1)
	 * is not refused by rounding. */
	if (p_control > g * (1.0 + 1e-12)) {
		*why = "this control rate is too high for this net rate: the model's neutral pairs "
		       "need some pairs where only the test candidate is positive";
		return 0;
	}
	double s = p_control / g;
	if (s > 1.0)
		s = 1.0;
	double ad = net >= 0 ? net : -net;
	double fa = (1.0 - 2.0 * noise) * (1.0 - ad);
	double fdisc = noise + ad * (1.0 - noise); /* the favoured side */
	double fother = noise * (1.0 - ad);
	cell[0] = s * fa;
	cell[1] = s * (net >= 0 ? fdisc : fother);
	cell[2] = s * (net >= 0 ? fother : fdisc);
	cell[3] = 1.0 - s;
	return 1;
}

void paired_counts_add(struct paired_counts *t, int control_positive, int test_positive)
{
	if (control_positive && test_positive)
		t->a++;
	else if (control_positive)
		t->b++;
	else if (test_positive)
		t->c++;
	else
		t->d++;
}
