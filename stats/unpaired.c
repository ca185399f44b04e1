/* unpaired.c: two independent proportions (one application per listing):
 * Wilson intervals, Newcombe's difference interval, chi-square and Fisher
 * tests, the risk ratio. Sources in each function's comment and in
 * unpaired.h. */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "prop.h"
#include "rmath.h"
#include "unpaired.h"
#include "banned.h"

int unpaired_counts_valid(long x1, long n1, long x2, long n2)
{
	if (x1 < 0 || x2 < 0 || n1 < 0 || n2 < 0 || x1 > n1 || x2 > n2)
		return 0;
	return n1 <= LONG_MAX - n2;
}

/* Both groups non-empty and valid: what every comparison needs. */
static int comparable(long x1, long n1, long x2, long n2)
{
	return unpaired_counts_valid(x1, n1, x2, n2) && n1 > 0 && n2 > 0;
}

int unpaired_newcombe(long x1, long n1, long x2, long n2, double alpha, double *lo,
		      double *hi)
{
	double l1, u1, l2, u2;
	*lo = *hi = 0.0;
	if (!comparable(x1, n1, x2, n2) || !(alpha > 0 && alpha < 1))
		return 0;
	if (!prop_wilson((double)x1, (double)n1, alpha, &l1, &u1) ||
	    !prop_wilson((double)x2, (double)n2, alpha, &l2, &u2))
		return 0;
	double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2, d = p1 - p2;
	/* Newcombe (1998) Stat Med 17:873, method 10, eq. for L and U: the
	 * distance from each estimate to the Wilson limit on the side that
	 * moves the difference, added in quadrature. */
	*lo = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
	*hi = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
	return 1;
}

/* Pearson's X^2 for the 2x2 table, as R's prop.test computes it for k = 2
 * (R 4.2 src/library/stats/R/prop.test.R): E = n_i * pbar and
 * n_i * (1 - pbar); X^2 = sum (|O - E| - Y)^2 / E with Y = 0, or with
 * Yates Y = min(1/2, |p1 - p2| / (1/n1 + 1/n2)) so that the correction
 * never reverses the sign of |O - E| (Yates 1934, JRSS Suppl 1:217). */
int unpaired_chi2(long x1, long n1, long x2, long n2, int yates, double *stat, double *p)
{
	*stat = *p = 0.0;
	if (!comparable(x1, n1, x2, n2))
		return 0;
	double N = (double)n1 + (double)n2, X = (double)x1 + (double)x2;
	if (X <= 0 || X >= N)
		return 0;
	double pbar = X / N;
	double n[2] = { (double)n1, (double)n2 }, x[2] = { (double)x1, (double)x2 };
	double y = 0.0;
	if (yates) {
		double delta = x[0] / n[0] - x[1] / n[1];
		double cap = fabs(delta) / (1 / n[0] + 1 / n[1]);
		y = cap < 0.5 ? cap : 0.5;
	}
	double s = 0.0;
	for (int i = 0; i < 2; i++) {
		double e1 = n[i] * pbar, e0 = n[i] * (1 - pbar);
		double d1 = fabs(x[i] - e1) - y, d0 = fabs((n[i] - x[i]) - e0) - y;
		s += d1 * d1 / e1 + d0 * d0 / e0;
	}
	*stat = s;
	*p = pchisq(s, 1.0, 0, 0);
	return 1;
}

/* Fisher's exact test (Fisher 1935, JRSS 98:39), two-sided, following R's
 * fisher.test for a 2x2 table (R 4.2 src/library/stats/R/fisher.test.R):
 * with m = n1, n = n2 and k = x1 + x2 positives, x1 is hypergeometric on
 * lo = max(0, k - n2) .. hi = min(k, n1); the p-value sums the densities
 * d(j) <= d(x1) * (1 + 1e-7), the tolerance keeping tables of equal
 * probability that rounding would separate. Densities are taken on the log
 * scale relative to their maximum, as R does, so that huge tables neither
 * underflow nor overflow. */
int unpaired_fisher_p(long x1, long n1, long x2, long n2, double *p)
{
	*p = 0.0;
	if (!comparable(x1, n1, x2, n2))
		return 0;
	double m = (double)n1, n = (double)n2, k = (double)x1 + (double)x2;
	long lo = (long)(k - n > 0 ? k - n : 0), hi = (long)(k < m ? k : m);
	/* The mode of the hypergeometric gives the largest log density, so
	 * that exp(d - dmax) <= 1 everywhere. */
	double mode = floor((k + 1) * (m + 1) / (m + n + 2));
	if (mode < lo)
		mode = (double)lo;
	if (mode > hi)
		mode = (double)hi;
	double dmax = dhyper(mode, m, n, k, 1);
	double dobs = exp(dhyper((double)x1, m, n, k, 1) - dmax);
	/* R sums every density from lo to hi; past the point where
	 * exp(d - dmax) underflows to 0 the terms add nothing, so walking out
	 * from the mode and stopping there gives R's sum with far fewer
	 * terms (counts of 10^7 would otherwise cost 10^7 dhyper calls).
	 * The density is unimodal, so once a term is 0 the rest are too. */
	long double total = 0.0L, tail = 0.0L;
	double tol = 1 + 1e-7;
	long mo = (long)mode;
	for (long j = mo; j >= lo; j--) {
		double d = exp(dhyper((double)j, m, n, k, 1) - dmax);
		if (d == 0.0)
			break;
		total += d;
		if (d <= dobs * tol)
			tail += d;
	}
	for (long j = mo + 1; j <= hi; j++) {
		double d = exp(dhyper((double)j, m, n, k, 1) - dmax);
		if (d == 0.0)
			break;
		total += d;
		if (d <= dobs * tol)
			tail += d;
	}
	double v = (double)(tail / total);
	*p = v > 1 ? 1 : v;
	return 1;
}

/* Risk ratio with the Wald interval of log(RR) (Katz, Baptista, Azen &
 * Pike 1978, Biometrics 34:469; Rothman, Modern Epidemiology, 3rd ed.,
 * eq. 14-16): SE(log RR) = sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2). */
int unpaired_risk_ratio(long x1, long n1, long x2, long n2, double alpha, double *rr,
			double *lo, double *hi, int *ci_defined)
{
	*rr = *lo = *hi = 0.0;
	*ci_defined = 0;
	if (!comparable(x1, n1, x2, n2) || x2 == 0)
		return 0;
	double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
	*rr = p1 / p2;
	if (x1 > 0 && alpha > 0 && alpha < 1) {
		double se = sqrt(1.0 / (double)x1 - 1.0 / (double)n1 + 1.0 / (double)x2 -
				 1.0 / (double)n2);
		double z = prop_z(alpha), l = log(*rr);
		*lo = exp(l - z * se);
		*hi = exp(l + z * se);
		*ci_defined = 1;
	}
	return 1;
}

static void note(struct unpaired_summary *s, const char *why)
{
	for (int i = 0; i < s->nnotes; i++)
		if (s->notes[i] == why)
			return;
	if (s->nnotes < UNPAIRED_MAX_NOTES)
		s->notes[s->nnotes++] = why;
}

int unpaired_summarise(long x1, long n1, long x2, long n2, double alpha,
		       struct unpaired_summary *out)
{
	static const struct unpaired_summary zero;
	*out = zero;
	out->x1 = x1;
	out->n1 = n1;
	out->x2 = x2;
	out->n2 = n2;
	out->alpha = alpha;
	if (!unpaired_counts_valid(x1, n1, x2, n2) || !(alpha > 0 && alpha < 1)) {
		note(out, UNPAIRED_NOTE_INVALID);
		return 0;
	}
	if (n1 > 0) {
		out->rate1.v = (double)x1 / (double)n1;
		out->rate1.defined = 1;
		out->rate1_ci.defined = prop_wilson((double)x1, (double)n1, alpha,
						    &out->rate1_ci.lo, &out->rate1_ci.hi);
	} else {
		note(out, UNPAIRED_NOTE_N1_ZERO);
	}
	if (n2 > 0) {
		out->rate2.v = (double)x2 / (double)n2;
		out->rate2.defined = 1;
		out->rate2_ci.defined = prop_wilson((double)x2, (double)n2, alpha,
						    &out->rate2_ci.lo, &out->rate2_ci.hi);
	} else {
		note(out, UNPAIRED_NOTE_N2_ZERO);
	}
	if (n1 == 0 || n2 == 0)
		return 1;
	out->diff.v = out->rate1.v - out->rate2.v;
	out->diff.defined = 1;
	out->diff_ci_newcombe.defined = unpaired_newcombe(
		x1, n1, x2, n2, alpha, &out->diff_ci_newcombe.lo, &out->diff_ci_newcombe.hi);
	out->chi2.defined = out->chi2_p.defined =
		unpaired_chi2(x1, n1, x2, n2, 0, &out->chi2.v, &out->chi2_p.v);
	out->chi2_cc.defined = out->chi2_cc_p.defined =
		unpaired_chi2(x1, n1, x2, n2, 1, &out->chi2_cc.v, &out->chi2_cc_p.v);
	if (!out->chi2.defined)
		note(out, UNPAIRED_NOTE_NO_VARIATION);
	out->fisher_p.defined = unpaired_fisher_p(x1, n1, x2, n2, &out->fisher_p.v);
	out->risk_ratio.defined =
		unpaired_risk_ratio(x1, n1, x2, n2, alpha, &out->risk_ratio.v,
				    &out->risk_ratio_ci.lo, &out->risk_ratio_ci.hi,
				    &out->risk_ratio_ci.defined);
	if (x2 == 0)
		note(out, UNPAIRED_NOTE_X2_ZERO);
	else if (x1 == 0)
		note(out, UNPAIRED_NOTE_X1_ZERO);
	return 1;
}
