/* agreement.c: Cohen's kappa with its Fleiss-Cohen-Everitt standard error,
 * and Gwet's AC1 with his standard error and interval, from a two-coder
 * table of counts. */
#include <math.h>

#include "agreement.h"
#include "prop.h"
#include "rmath.h"
#include "banned.h"

int agreement_compute(const long *table, int k, double alpha, struct agreement *out)
{
	if (!table || !out || k < 2 || k > AGREEMENT_MAX_K || !(alpha > 0 && alpha < 1))
		return 0;
	*out = (struct agreement){ 0 };
	long n = 0;
	for (int i = 0; i < k * k; i++) {
		if (table[i] < 0)
			return 0;
		n += table[i];
	}
	out->n = n;
	if (n == 0)
		return 1;
	double row[AGREEMENT_MAX_K] = { 0 }, col[AGREEMENT_MAX_K] = { 0 };
	double po = 0;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			double p = (double)table[i * k + j] / (double)n;
			row[i] += p;
			col[j] += p;
			if (i == j)
				po += p;
		}
	double pe = 0, pe_g = 0;
	for (int i = 0; i < k; i++) {
		pe += row[i] * col[i];
		double pi = (row[i] + col[i]) / 2;
		pe_g += pi * (1 - pi);
	}
	pe_g /= (double)(k - 1);
	out->po = po;
	out->pe = pe;
	out->pe_ac1 = pe_g;
	/* Shares are sums of n terms; 1 - pe below a few ulps is 0. */
	if (1 - pe > 1e-12) {
		out->kappa = (po - pe) / (1 - pe);
		out->kappa_defined = 1;
		/* Fleiss, Cohen & Everitt (1969), Psychol Bull 72:323, eq. 13,
		 * as psych::cohen.kappa computes it: the diagonal term, the
		 * off-diagonal term with (p.i + pj.) for cell (i, j), and the
		 * correction, over n (1 - pe)^4. */
		double a = 0, b = 0;
		for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++) {
				double p = (double)table[i * k + j] / (double)n;
				if (i == j) {
					double t = (1 - pe) - (row[i] + col[i]) * (1 - po);
					a += p * t * t;
				} else {
					double t = col[i] + row[j];
					b += p * t * t;
				}
			}
		double c = po * pe - 2 * pe + po;
		double var = (a + (1 - po) * (1 - po) * b - c * c) / ((double)n * pow(1 - pe, 4));
		if (var < 0 && var > -1e-15)
			var = 0;
		if (var >= 0) {
			double z = prop_z(alpha);
			out->se = sqrt(var);
			out->lo = out->kappa - z * out->se;
			out->hi = out->kappa + z * out->se;
			out->se_defined = 1;
		}
	}
	if (1 - pe_g > 1e-12) {
		double ac1 = (po - pe_g) / (1 - pe_g);
		out->ac1 = ac1;
		out->ac1_defined = 1;
		/* Gwet (2008), Br J Math Stat Psychol 61:29, the variance of AC1
		 * for two raters with no finite-population correction (f = 0),
		 * as irrCAC 1.4's gwet.ac1.table computes it (R/agree.coeff2.r):
		 * var = (sum_kl p_kl u_kl^2 - (pa - 2 (1 - AC1) pe)^2)
		 *       / (n (1 - pe)^2),
		 * u_kl = [k = l] - 2 (1 - AC1) (1 - (pi_k + pi_l) / 2) / (q - 1).
		 * Expanded, this is Gwet's pa (1 - pa) - 4 (1 - AC1) (...) +
		 * 4 (1 - AC1)^2 (...). Since sum_kl p_kl u_kl = pa - 2 (1 - AC1)
		 * pe, the numerator is the variance of u under p, summed here
		 * about its mean so that it cannot come out below 0. */
		double m = po - 2 * (1 - ac1) * pe_g, ss = 0;
		for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++) {
				double p = (double)table[i * k + j] / (double)n;
				double pi = (row[i] + col[i]) / 2, pj = (row[j] + col[j]) / 2;
				double u = (i == j) - 2 * (1 - ac1) * (1 - (pi + pj) / 2) / (double)(k - 1);
				ss += p * (u - m) * (u - m);
			}
		out->ac1_se = sqrt(ss / ((double)n * (1 - pe_g) * (1 - pe_g)));
		/* irrCAC's interval: a t quantile with n - 1 degrees of freedom,
		 * and the upper bound cut at 1 (the lower one is not cut). */
		if (n >= 2) {
			double t = qt(1 - alpha / 2, (double)(n - 1), 1, 0);
			out->ac1_lo = ac1 - t * out->ac1_se;
			out->ac1_hi = fmin(1, ac1 + t * out->ac1_se);
			out->ac1_ci_defined = 1;
		}
	}
	return 1;
}

void agreement_collapse(const long *table, int k, int c, long out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
			out[(i == c ? 0 : 2) + (j == c ? 0 : 1)] += table[i * k + j];
}
