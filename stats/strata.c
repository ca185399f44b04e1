/* strata.c: the test that b/(b+c) is equal across strata, the pooled
 * conditional odds ratio, and the comparison of net rates between
 * independent strata. Sources in strata.h. */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "rmath.h"
#include "strata.h"
#include "prop.h"
#include "banned.h"

static void note(struct strata_homogeneity *o, const char *why)
{
	if (o->nnotes < STRATA_MAX_NOTES)
		o->notes[o->nnotes++] = why;
}

/* Pearson's X^2 = sum over cells (O - E)^2 / E of the table whose rows
 * are the informative strata (b_i, c_i), E_i1 = (b_i+c_i) B / T and
 * E_i2 = (b_i+c_i) C / T (B, C, T the column and grand totals); S-1 df.
 * This is what R's chisq.test(cbind(b, c), correct = FALSE) computes. */
int strata_homogeneity(const long *b, const long *c, size_t s, struct strata_homogeneity *out)
{
	static const struct strata_homogeneity zero;
	*out = zero;
	out->strata = s;
	long B = 0, C = 0;
	for (size_t i = 0; i < s; i++) {
		if (b[i] < 0 || c[i] < 0 || b[i] > LONG_MAX - B || c[i] > LONG_MAX - C ||
		    b[i] > LONG_MAX - c[i]) {
			note(out, STRATA_NOTE_INVALID);
			return 0;
		}
		B += b[i];
		C += c[i];
		if (b[i] + c[i] > 0)
			out->informative++;
		else
			out->dropped++;
	}
	if (B > LONG_MAX - C) {
		note(out, STRATA_NOTE_INVALID);
		return 0;
	}
	out->b_total = B;
	out->c_total = C;
	if (out->dropped > 0)
		note(out, STRATA_NOTE_DROPPED);
	if (C > 0) {
		out->or_mh = (double)B / (double)C;
		out->or_defined = 1;
	} else {
		note(out, STRATA_NOTE_NO_C);
	}
	if (out->informative < 2) {
		note(out, STRATA_NOTE_TOO_FEW);
		return 1;
	}
	if (B == 0 || C == 0) {
		note(out, STRATA_NOTE_ONE_WAY);
		return 1;
	}
	double T = (double)B + (double)C, fb = (double)B / T, fc = (double)C / T, x2 = 0.0;
	for (size_t i = 0; i < s; i++) {
		double r = (double)b[i] + (double)c[i];
		if (r == 0)
			continue;
		double eb = r * fb, ec = r * fc, db = (double)b[i] - eb, dc = (double)c[i] - ec;
		x2 += db * db / eb + dc * dc / ec;
	}
	out->chi2 = x2;
	out->df = (long)out->informative - 1;
	out->p = pchisq(x2, (double)out->df, 0, 0);
	out->defined = 1;
	return 1;
}

/* One stratum of the net-rate comparisons: 1 when the counts are valid
 * (0 <= b, c and b + c <= n, written so that nothing overflows). */
static int net_valid(long b, long c, long n)
{
	return b >= 0 && c >= 0 && n >= 0 && b <= n && c <= n - b;
}

/* Var(d) = ((b + c)/n - d^2)/n is 0 exactly when (b + c) n = (b - c)^2.
 * With s = b + c <= n and |b - c| <= s, s n >= s^2 >= (b - c)^2, with
 * equality only when s = 0 or when s = n and one of b, c is 0. Deciding it
 * on the counts keeps a rounding residue of 1e-17 from being weighted by
 * 10^17. Needs n > 0 and valid counts. */
static int net_var_zero(long b, long c, long n)
{
	return (b == 0 && c == 0) || (c == n - b && (b == 0 || c == 0));
}

static double net_rate(long b, long c, long n)
{
	return ((double)b - (double)c) / (double)n;
}

static double net_var(long b, long c, long n)
{
	double d = net_rate(b, c, n), nn = (double)n;
	if (net_var_zero(b, c, n))
		return 0.0;
	return (((double)b + (double)c) / nn - d * d) / nn;
}

int strata_net_diff(long b1, long c1, long n1, long b2, long c2, long n2, double alpha,
		    struct net_rate_diff *out)
{
	static const struct net_rate_diff zero;
	*out = zero;
	if (!net_valid(b1, c1, n1) || !net_valid(b2, c2, n2) || !(alpha > 0 && alpha < 1)) {
		out->why = STRATA_NOTE_NET_INVALID;
		return 0;
	}
	if (n1 > 0) {
		out->d1 = net_rate(b1, c1, n1);
		out->var1 = net_var(b1, c1, n1);
		out->d1_defined = 1;
	}
	if (n2 > 0) {
		out->d2 = net_rate(b2, c2, n2);
		out->var2 = net_var(b2, c2, n2);
		out->d2_defined = 1;
	}
	if (n1 == 0 || n2 == 0) {
		out->why = STRATA_NOTE_NET_EMPTY;
		return 1;
	}
	if (net_var_zero(b1, c1, n1) && net_var_zero(b2, c2, n2)) {
		out->why = STRATA_NOTE_NET_ZERO_VAR;
		return 1;
	}
	double q = prop_z(alpha);
	out->diff = out->d1 - out->d2;
	out->se = sqrt(out->var1 + out->var2);
	out->lo = out->diff - q * out->se;
	out->hi = out->diff + q * out->se;
	out->z = out->diff / out->se;
	out->p = 2 * pnorm(-fabs(out->z), 0, 1, 1, 0);
	out->defined = 1;
	return 1;
}

static void net_note(struct net_heterogeneity *o, const char *why)
{
	if (o->nnotes < STRATA_MAX_NOTES)
		o->notes[o->nnotes++] = why;
}

/* Cochran's Q with weights w_k = 1/Var_k: mean = sum w d / sum w, Q = sum
 * w (d - mean)^2 (Cochran 1954), over the strata with n > 0 and Var > 0. */
int strata_net_heterogeneity(const long *b, const long *c, const long *n, size_t k,
			     struct net_heterogeneity *out)
{
	static const struct net_heterogeneity zero;
	*out = zero;
	out->strata = k;
	int empty = 0, flat = 0;
	for (size_t i = 0; i < k; i++) {
		if (!net_valid(b[i], c[i], n[i])) {
			net_note(out, STRATA_NOTE_NET_INVALID);
			return 0;
		}
		if (n[i] == 0)
			empty = 1;
		else if (net_var_zero(b[i], c[i], n[i]))
			flat = 1;
		else
			out->informative++;
	}
	if (empty)
		net_note(out, STRATA_NOTE_NET_LEFT_EMPTY);
	if (flat)
		net_note(out, STRATA_NOTE_NET_LEFT_ZERO_VAR);
	if (out->informative < 2) {
		net_note(out, STRATA_NOTE_NET_TOO_FEW);
		return 1;
	}
	double sw = 0.0, swd = 0.0;
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0 || net_var_zero(b[i], c[i], n[i]))
			continue;
		double w = 1 / net_var(b[i], c[i], n[i]);
		sw += w;
		swd += w * net_rate(b[i], c[i], n[i]);
	}
	out->mean = swd / sw;
	double q = 0.0;
	for (size_t i = 0; i < k; i++) {
		if (n[i] == 0 || net_var_zero(b[i], c[i], n[i]))
			continue;
		double e = net_rate(b[i], c[i], n[i]) - out->mean;
		q += e * e / net_var(b[i], c[i], n[i]);
	}
	out->chi2 = q;
	out->df = (long)out->informative - 1;
	out->p = pchisq(q, (double)out->df, 0, 0);
	out->defined = 1;
	return 1;
}
