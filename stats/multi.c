/* multi.c: multiple comparisons (Holm, Benjamini-Hochberg) and Cochran's
 * Q. Sources in multi.h and in each function's comment. */
#include <math.h>
#include <stdlib.h>

#include "multi.h"
#include "rmath.h"
#include "banned.h"

/* qsort has no context argument, so the comparison sorts pointers into the
 * p array; ties keep input order (by address), as R's order() does, which
 * keeps the adjusted values identical to R's for tied p-values. */
static int by_value(const void *a, const void *b)
{
	const double *x = *(const double *const *)a, *y = *(const double *const *)b;
	if (*x < *y)
		return -1;
	if (*x > *y)
		return 1;
	return (x > y) - (x < y);
}

/* The input sorted ascending, as pointers; NULL on a bad p-value or when
 * memory runs out. One extra element, so that m = 0 still gets a pointer;
 * qsort is not called with fewer than two (qsort with a null base is
 * undefined behaviour even for zero elements). */
static const double **sorted(const double *p, size_t m)
{
	for (size_t i = 0; i < m; i++)
		if (!(p[i] >= 0.0 && p[i] <= 1.0))
			return NULL;
	const double **o = malloc((m + 1) * sizeof *o);
	if (!o)
		return NULL;
	for (size_t i = 0; i < m; i++)
		o[i] = &p[i];
	if (m > 1)
		qsort(o, m, sizeof *o, by_value);
	return o;
}

/* Writes v[i] (the value for the i-th smallest) back in input order. */
static void scatter(const double *p, const double **o, const double *v, size_t m, double *adj)
{
	for (size_t i = 0; i < m; i++)
		adj[o[i] - p] = v[i];
}

/* Both adjustments walk the p-values in ascending order (pointers o[]),
 * scale the i-th smallest (1-based) and carry a running bound, capped at 1:
 * - Holm (1979) steps down from the smallest p, multiplying by m-i+1 and
 *   carrying the running maximum, so that the adjusted values keep the
 *   order of the raw ones: R's p.adjust "holm",
 *   pmin(1, cummax((n - i + 1) * p[o]))[ro];
 * - Benjamini & Hochberg (1995) step up from the largest p, multiplying by
 *   m/i and carrying the running minimum: R's p.adjust "BH",
 *   pmin(1, cummin(n / i * p[o]))[ro] with o decreasing. */
static int adjust(const double *p, size_t m, double *adj, int bh)
{
	if (m == 0)
		return 1;
	const double **o = sorted(p, m);
	double *v = o ? malloc(m * sizeof *v) : NULL;
	if (!v) {
		free(o);
		return 0;
	}
	if (bh) {
		double run = 1.0;
		for (size_t i = m; i-- > 0;) {
			double x = (double)m / (double)(i + 1) * *o[i];
			if (x < run)
				run = x;
			v[i] = run;
		}
	} else {
		double run = 0.0;
		for (size_t i = 0; i < m; i++) {
			double x = (double)(m - i) * *o[i];
			if (x > run)
				run = x;
			v[i] = run < 1.0 ? run : 1.0;
		}
	}
	scatter(p, o, v, m, adj);
	free(v);
	free(o);
	return 1;
}

int multi_holm(const double *p, size_t m, double *adj)
{
	return adjust(p, m, adj, 0);
}

int multi_bh(const double *p, size_t m, double *adj)
{
	return adjust(p, m, adj, 1);
}

int multi_cochran_q(const unsigned char *x, size_t n, size_t k, double *q, double *p,
		    const char **why)
{
	const char *w = NULL;
	*q = *p = 0.0;
	if (k < 2) {
		w = "Cochran's Q needs at least 2 outcomes per listing";
		goto out;
	}
	/* Totals in doubles: exact for any count below 2^53, and the squares
	 * of sums of 10^7 listings would overflow a 32-bit long. */
	double T = 0.0, sum_r2 = 0.0, sum_c2 = 0.0;
	for (size_t i = 0; i < n; i++) {
		double r = 0.0;
		for (size_t j = 0; j < k; j++) {
			unsigned char v = x[i * k + j];
			if (v > 1) {
				w = "Cochran's Q needs outcomes coded 0 or 1";
				goto out;
			}
			r += v;
		}
		T += r;
		sum_r2 += r * r;
	}
	for (size_t j = 0; j < k; j++) {
		double cj = 0.0;
		for (size_t i = 0; i < n; i++)
			cj += x[i * k + j];
		sum_c2 += cj * cj;
	}
	/* The denominator sum_i R_i (k - R_i) is zero exactly when every
	 * listing has all outcomes equal: nothing to compare. */
	double kk = (double)k, den = kk * T - sum_r2;
	if (!(den > 0)) {
		w = "no listing whose candidates had different outcomes: Cochran's Q is undefined";
		goto out;
	}
	*q = (kk - 1) * (kk * sum_c2 - T * T) / den;
	if (*q < 0) /* only rounding could make it negative */
		*q = 0;
	*p = pchisq(*q, kk - 1, 0, 0);
out:
	if (why)
		*why = w;
	return w == NULL;
}
