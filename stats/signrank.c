/* signrank.c: the Wilcoxon signed-rank test with the Hodges-Lehmann
 * estimate and interval, as R's wilcox.test(x, conf.int = TRUE) computes
 * them. Sources and the relation to R's uniroot in signrank.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmath.h"
#include "signrank.h"
#include "banned.h"

static void note(struct signrank_result *o, const char *why)
{
	if (o->nnotes < SIGNRANK_MAX_NOTES)
		o->notes[o->nnotes++] = why;
}

static int cmp_abs(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v[0..k-1] by absolute value and gives R's V, the sum of the
 * (average, for ties) ranks of the positive values, and sum(t^3 - t) over
 * the groups of t tied absolute values (R: rank(abs(x)), table(r)). */
static void signed_ranks(double *v, size_t k, double *V, double *ties)
{
	qsort(v, k, sizeof *v, cmp_abs);
	*V = 0.0;
	*ties = 0.0;
	for (size_t i = 0; i < k;) {
		size_t j = i + 1;
		while (j < k && fabs(v[j]) == fabs(v[i]))
			j++;
		/* Ranks i+1..j share their mean (i + 1 + j)/2. */
		double t = (double)(j - i), rank = ((double)i + 1 + (double)j) / 2;
		for (size_t l = i; l < j; l++)
			if (v[l] > 0)
				*V += rank;
		*ties += t * t * t - t;
		i = j;
	}
}

/* The variance of V under the null with k values and the tie term:
 * k(k+1)(2k+1)/24 - sum(t^3 - t)/48. */
static double v_var(double k, double ties)
{
	return k * (k + 1) * (2 * k + 1) / 24 - ties / 48;
}

/* R's continuity-corrected statistic (z - sign(z)/2)/sigma. */
static double corrected(double z, double sigma)
{
	return (z - (z > 0 ? 0.5 : z < 0 ? -0.5 : 0.0)) / sigma;
}

/* R's W(d) at a point, as wilcox.test computes it at the ends of its
 * search, min(x) and max(x): the corrected statistic of x - d with the
 * zeros dropped and the ties of x - d counted. NaN when nothing is left
 * (every x equal to d), as in R. buf has room for m values. */
static double w_at(const double *a, size_t m, double d, double *buf)
{
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (a[i] - d != 0)
			buf[k++] = a[i] - d;
	double V, ties, kk = (double)k;
	signed_ranks(buf, k, &V, &ties);
	double sigma = sqrt(v_var(kk, ties));
	if (!(sigma > 0))
		return NAN;
	return corrected(V - kk * (kk + 1) / 4, sigma);
}

/* The number of Walsh averages (a_i + a_j)/2, i <= j, that are <= t, a
 * sorted ascending. For each i the j >= i with a_i + a_j <= 2t form a run
 * whose end never moves right as i grows: O(m). The average is computed as
 * R computes it, (a_i + a_j)/2 in doubles, so the count steps exactly at
 * R's Walsh averages. */
static double walsh_count_le(const double *a, size_t m, double t)
{
	double count = 0.0;
	size_t j = m; /* one past the last j with (a_i + a_j)/2 <= t */
	for (size_t i = 0; i < m; i++) {
		while (j > i && (a[i] + a[j - 1]) / 2 > t)
			j--;
		if (j <= i)
			break;
		count += (double)(j - i);
	}
	return count;
}

/* Doubles as unsigned integers in the same order, so that bisection can
 * run over the representable values themselves: 64 halvings at most. */
static uint64_t dkey(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	return (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
}

static double dval(uint64_t k)
{
	uint64_t b = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
	double x;
	memcpy(&x, &b, sizeof x);
	return x;
}

/* The k-th smallest Walsh average (1 <= k <= m(m+1)/2): the smallest double
 * t with at least k averages <= t. The smallest average is a_0 and the
 * largest a_{m-1}, so the search starts between the double below a_0 and
 * a_{m-1}. Adding 0.0 turns a -0 into 0. */
static double walsh_kth(const double *a, size_t m, double k)
{
	uint64_t lo = dkey(a[0]) - 1, hi = dkey(a[m - 1]);
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (walsh_count_le(a, m, dval(mid)) >= k)
			hi = mid;
		else
			lo = mid;
	}
	return dval(hi) + 0.0;
}

/* The median of the Walsh averages: the Hodges-Lehmann estimate. */
static double walsh_median(const double *a, size_t m)
{
	double N = (double)m * ((double)m + 1) / 2;
	if (fmod(N, 2) == 1)
		return walsh_kth(a, m, (N + 1) / 2);
	return (walsh_kth(a, m, N / 2) + walsh_kth(a, m, N / 2 + 1)) / 2;
}

/* The root of W(d) = zq in the normal case. Between two consecutive Walsh
 * averages no difference x - d is 0 and no two are tied in absolute value
 * unless the x themselves are equal, so there V(d) is the number of Walsh
 * averages above d and sigma that of m values with the ties of equal x
 * (sigma_ci). W(d) is then g(V) = corrected(V - N/2, sigma_ci), which does
 * not decrease in V, and V falls as d grows: the root is the i-th smallest
 * Walsh average for the smallest i with g(N - i) < zq, found by bisection
 * on i. */
static double w_root(const double *a, size_t m, double sigma_ci, double zq)
{
	double N = (double)m * ((double)m + 1) / 2, lo = 0, hi = N;
	/* Invariant: g(N - lo) >= zq (lo = 0: d below every average) or
	 * lo = 0; g(N - hi) < zq or hi = N. */
	while (hi - lo > 1) {
		double mid = floor((lo + hi) / 2);
		if (corrected(N - mid - N / 2, sigma_ci) < zq)
			hi = mid;
		else
			lo = mid;
	}
	return walsh_kth(a, m, hi);
}

static double median_sorted(const double *a, size_t m)
{
	return m % 2 ? a[m / 2] : (a[m / 2 - 1] + a[m / 2]) / 2;
}

/* The exact case: p from psignrank, the interval from the Walsh averages'
 * order statistics qu and N - qu + 1 with qu = qsignrank(alpha/2), and R's
 * report of a lower level when 2 P(V < qu) exceeds alpha by half. */
static void exact_case(const double *a, size_t m, double alpha, struct signrank_result *out)
{
	double n = (double)m, N = n * (n + 1) / 2;
	double p = out->v > N / 2 ? psignrank(out->v - 1, n, 0, 0) : psignrank(out->v, n, 1, 0);
	out->p = fmin(2 * p, 1.0);
	double qu = qsignrank(alpha / 2, n, 1, 0);
	if (qu == 0)
		qu = 1;
	double ql = N - qu, achieved = 2 * psignrank(trunc(qu) - 1, n, 1, 0);
	out->lo = walsh_kth(a, m, qu);
	out->hi = walsh_kth(a, m, ql + 1);
	out->ci_defined = 1;
	out->conf_level = 1 - alpha;	/* = R's conf.level */
	if (achieved - alpha > alpha / 2) {
		out->conf_level = 1 - fprec(achieved, 2);
		note(out, SIGNRANK_NOTE_LEVEL);
	}
	out->estimate = walsh_median(a, m);
	out->est_defined = 1;
	signrank_free();
}

/* The normal case, following wilcox.test.default step by step: the p of
 * the corrected statistic; W at min(x) and max(x); alpha doubled until
 * both quantiles are reached; the roots (w_root) or, at alpha >= 1, the
 * median of x. */
static void normal_case(const double *a, size_t m, double ties, double alpha, double *buf,
			struct signrank_result *out)
{
	double n = (double)m;
	double z = corrected(out->v - n * (n + 1) / 4, sqrt(v_var(n, ties)));
	out->p = 2 * fmin(pnorm(z, 0, 1, 1, 0), pnorm(z, 0, 1, 0, 0));
	double wmin = w_at(a, m, a[0], buf);
	if (!isfinite(wmin)) {
		/* Every x equal: R gives the midrange and no interval. */
		out->estimate = (a[0] + a[m - 1]) / 2;
		out->est_defined = 1;
		note(out, SIGNRANK_NOTE_NO_CI);
		return;
	}
	double wmax = w_at(a, m, a[m - 1], buf);
	double al = alpha;
	while (wmin - qnorm(al / 2, 0, 1, 0, 0) < 0 || wmax - qnorm(al / 2, 0, 1, 1, 0) > 0)
		al *= 2;
	out->conf_level = 1 - alpha;
	if (al >= 1 || alpha < al * 0.75) {
		out->conf_level = 1 - fmin(1, al);
		note(out, SIGNRANK_NOTE_LEVEL);
	}
	if (al < 1) {
		/* The ties of the equal x, which stay tied for every d. */
		double eq = 0.0;
		for (size_t i = 0; i < m;) {
			size_t j = i + 1;
			while (j < m && a[j] == a[i])
				j++;
			double t = (double)(j - i);
			eq += t * t * t - t;
			i = j;
		}
		double sigma_ci = sqrt(v_var(n, eq));
		out->lo = w_root(a, m, sigma_ci, qnorm(al / 2, 0, 1, 0, 0));
		out->hi = w_root(a, m, sigma_ci, qnorm(al / 2, 0, 1, 1, 0));
	} else {
		out->lo = out->hi = median_sorted(a, m);
	}
	out->ci_defined = 1;
	out->estimate = walsh_median(a, m);
	out->est_defined = 1;
}

int signrank_test(const double *x, size_t n, double alpha, struct signrank_result *out)
{
	static const struct signrank_result zero;
	*out = zero;
	out->n = n;
	if (!(alpha > 0 && alpha < 1)) {
		note(out, SIGNRANK_NOTE_INVALID);
		return 0;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i])) {
			note(out, SIGNRANK_NOTE_INVALID);
			return 0;
		}
		m += x[i] != 0;
	}
	out->nonzero = m;
	if (m < n)
		note(out, SIGNRANK_NOTE_ZEROS);
	if (m == 0) {
		note(out, SIGNRANK_NOTE_NONE);
		return 1;
	}
	/* a: the non-zero x, sorted (for the Walsh averages); buf: scratch. */
	double *a = malloc(2 * m * sizeof *a);
	if (!a) {
		note(out, SIGNRANK_NOTE_MEMORY);
		return 0;
	}
	double *buf = a + m, ties;
	for (size_t i = 0, k = 0; i < n; i++)
		if (x[i] != 0)
			a[k++] = x[i];
	memcpy(buf, a, m * sizeof *a);
	signed_ranks(buf, m, &out->v, &ties);
	qsort(a, m, sizeof *a, cmp_double);
	out->defined = 1;
	if (ties > 0)
		note(out, SIGNRANK_NOTE_TIES);
	out->exact = m < 50 && ties == 0 && m == n;
	/* R works with 1 - conf.level, which is alpha up to rounding (0.1 ->
	 * 0.09999999999999998); using the same number keeps a quantile at
	 * a boundary on R's side of it. */
	double ra = 1 - (1 - alpha);
	if (out->exact)
		exact_case(a, m, ra, out);
	else
		normal_case(a, m, ties, ra, buf, out);
	free(a);
	return 1;
}
