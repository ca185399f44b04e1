/* power.c: sample size and power for McNemar's test in a paired design:
 * Connor's and Miettinen's normal approximations, the exact power of the
 * exact and mid-p conditional tests by enumeration, and the design
 * arithmetic (lost pairs, several test groups). Sources in each comment;
 * the derivations are summarised in docs/power.md. */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "power.h"
#include "rmath.h"
#include "banned.h"

static int in01(double p)
{
	return isfinite(p) && p >= 0.0 && p <= 1.0;
}

int power_design_valid(double pb, double pc, const char **why)
{
	const char *w = NULL;
	if (!in01(pb) || !in01(pc))
		w = POWER_WHY_RANGE;
	else if (pb + pc > 1.0 + 1e-12)
		w = POWER_WHY_SUM;
	else if (pb == pc)
		w = POWER_WHY_NULL;
	if (why)
		*why = w;
	return w == NULL;
}

/* The four cells must be probabilities; a tiny negative from rounding
 * (e.g. 0.3 - 0.1 - 0.2) is taken as 0. */
static int cells_ok(double pa, double pb, double pc, double pd)
{
	const double tol = 1e-12;
	return pa >= -tol && pb >= -tol && pc >= -tol && pd >= -tol && pa <= 1 + tol &&
	       pb <= 1 + tol && pc <= 1 + tol && pd <= 1 + tol;
}

static double clamp01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

int power_from_concordance(double p_control, double p_test, double concordance, double *pb,
			   double *pc, const char **why)
{
	*pb = *pc = 0;
	if (!in01(p_control) || !in01(p_test) || !in01(concordance)) {
		*why = "response rates and concordance must lie in [0, 1]";
		return 0;
	}
	double psi = 1.0 - concordance, delta = p_control - p_test;
	double b = (psi + delta) / 2, c = (psi - delta) / 2;
	double a = p_control - b, d = 1.0 - p_control - c;
	if (!cells_ok(a, b, c, d)) {
		*why = "no table has these response rates and this concordance: the share of "
		       "discordant pairs (1 - concordance) must be at least |p_control - p_test| "
		       "and at most min(p_control + p_test, 2 - p_control - p_test)";
		return 0;
	}
	*pb = clamp01(b);
	*pc = clamp01(c);
	return 1;
}

int power_from_phi(double p_control, double p_test, double phi, double *pb, double *pc,
		   const char **why)
{
	*pb = *pc = 0;
	if (!in01(p_control) || !in01(p_test) || !isfinite(phi) || phi < -1 || phi > 1) {
		*why = "response rates must lie in [0, 1] and phi in [-1, 1]";
		return 0;
	}
	double s = sqrt(p_control * (1 - p_control) * p_test * (1 - p_test));
	double a = p_control * p_test + phi * s;
	double b = p_control - a, c = p_test - a, d = 1.0 - a - b - c;
	if (!cells_ok(a, b, c, d)) {
		*why = "no table has these response rates and this phi correlation";
		return 0;
	}
	*pb = clamp01(b);
	*pc = clamp01(c);
	return 1;
}

int power_from_previous(long a, long b, long c, long d, double *pb, double *pc,
			const char **why)
{
	*pb = *pc = 0;
	if (a < 0 || b < 0 || c < 0 || d < 0) {
		*why = "the previous table's counts must be >= 0";
		return 0;
	}
	double n = (double)a + (double)b + (double)c + (double)d;
	if (n <= 0) {
		*why = "the previous table has no pairs (N = 0)";
		return 0;
	}
	*pb = (double)b / n;
	*pc = (double)c / n;
	return 1;
}

static double z_two_sided(double alpha)
{
	return qnorm(1.0 - alpha / 2.0, 0.0, 1.0, 1, 0);
}

static int args_ok(double pb, double pc, double alpha)
{
	return power_design_valid(pb, pc, NULL) && alpha > 0 && alpha < 1;
}

/* Connor (1987), Biometrics 43:207-211, eq. (3): the unconditional variance
 * of b - c, n(psi - delta^2), under the alternative, and n psi under the
 * null. */
double power_n_connor(double pb, double pc, double alpha, double power)
{
	if (!args_ok(pb, pc, alpha) || !(power > 0 && power < 1))
		return 0.0;
	double psi = pb + pc, delta = pb - pc;
	double za = z_two_sided(alpha), zb = qnorm(power, 0.0, 1.0, 1, 0);
	double v = psi - delta * delta;
	double num = za * sqrt(psi) + zb * sqrt(v > 0 ? v : 0);
	return num * num / (delta * delta);
}

/* Miettinen (1968), Biometrics 24:339-352, in the form Connor (1987) and
 * Lachin (1992, Stat Med 11:1239-1251) quote it. It follows from the delta
 * method for T = (b - c)/sqrt(b + c): E T = sqrt(n) delta/sqrt(psi),
 * Var T = [psi^2 - delta^2 (3 + psi)/4] / psi^2 (docs/power.md). */
double power_n_miettinen(double pb, double pc, double alpha, double power)
{
	if (!args_ok(pb, pc, alpha) || !(power > 0 && power < 1))
		return 0.0;
	double psi = pb + pc, delta = pb - pc;
	double za = z_two_sided(alpha), zb = qnorm(power, 0.0, 1.0, 1, 0);
	double v = psi * psi - delta * delta * (3.0 + psi) / 4.0;
	double num = za * psi + zb * sqrt(v > 0 ? v : 0);
	return num * num / (psi * delta * delta);
}

/* Phi(num/sd), with sd = 0 (no variance left under the alternative) giving
 * certainty on the side num points to. */
static double norm_power(double num, double var)
{
	if (var <= 0)
		return num > 0 ? 1.0 : num < 0 ? 0.0 : 0.5;
	return pnorm(num / sqrt(var), 0.0, 1.0, 1, 0);
}

double power_connor(double pb, double pc, double alpha, double n)
{
	if (!args_ok(pb, pc, alpha) || !(n > 0))
		return 0.0;
	double psi = pb + pc, delta = fabs(pb - pc);
	return norm_power(delta * sqrt(n) - z_two_sided(alpha) * sqrt(psi), psi - delta * delta);
}

double power_miettinen(double pb, double pc, double alpha, double n)
{
	if (!args_ok(pb, pc, alpha) || !(n > 0))
		return 0.0;
	double psi = pb + pc, delta = fabs(pb - pc);
	return norm_power(delta * sqrt(n * psi) - z_two_sided(alpha) * psi,
			  psi * psi - delta * delta * (3.0 + psi) / 4.0);
}

/* The two-sided p-value of x = min(b, c) successes of m at 1/2, x < m/2:
 * exact 2 P(B <= x) (R's binom.test, whose tail set {y: P(y) <= P(x)} is
 * symmetric at 1/2), mid-p 2 P(B <= x) - P(B = x) (Lancaster 1961;
 * Fagerland, Lydersen & Laake 2013, BMC Med Res Methodol 13:91). Both grow
 * with x. */
static double tail_p(double x, double m, enum power_test test)
{
	double p = 2.0 * pbinom(x, m, 0.5, 1, 0);
	if (test == POWER_MIDP)
		p -= dbinom(x, m, 0.5, 0);
	return p;
}

/* k_m: the largest x < m/2 whose p-value is <= alpha, or -1. The region is
 * {b <= k} U {b >= m - k}. start is a guess (k of m - 1). */
static long reject_bound(long m, double alpha, enum power_test test, long start)
{
	long hi = (m - 1) / 2; /* the largest x with x < m/2 */
	long k = start < -1 ? -1 : start > hi ? hi : start;
	while (k >= 0 && tail_p((double)k, (double)m, test) > alpha)
		k--;
	while (k + 1 <= hi && tail_p((double)(k + 1), (double)m, test) <= alpha)
		k++;
	return k;
}

double power_exact(double pb, double pc, double alpha, long n, enum power_test test)
{
	if (!args_ok(pb, pc, alpha) || n < 1 || n > POWER_N_MAX)
		return 0.0;
	double psi = pb + pc, pi = pb / psi, dn = (double)n;
	/* The range of m worth summing: outward from the mode of
	 * Binomial(n, psi) until the weight falls below 1e-17 of the mode's;
	 * the binomial is unimodal, so nothing larger lies beyond. */
	long mode = (long)floor((dn + 1) * psi);
	if (mode > n)
		mode = n;
	double lmax = dbinom((double)mode, dn, psi, 1), cut = lmax + log(1e-17);
	long lo = mode, hi = mode;
	while (lo > 0 && dbinom((double)(lo - 1), dn, psi, 1) >= cut)
		lo--;
	while (hi < n && dbinom((double)(hi + 1), dn, psi, 1) >= cut)
		hi++;
	double sum = 0.0;
	long k = -1;
	for (long m = lo; m <= hi; m++) {
		if (m == 0)
			continue; /* no discordant pair: nothing to reject */
		if (m == lo || k < 0)
			k = reject_bound(m, alpha, test,
					 (long)qbinom(alpha / 2, (double)m, 0.5, 1, 0));
		else
			k = reject_bound(m, alpha, test, k);
		if (k < 0)
			continue;
		/* P(b <= k) + P(b >= m - k) = P(b <= k) + P(c <= k). */
		double rej = pbinom((double)k, (double)m, pi, 1, 0) +
			     pbinom((double)k, (double)m, 1.0 - pi, 1, 0);
		sum += dbinom((double)m, dn, psi, 0) * rej;
	}
	return sum > 1.0 ? 1.0 : sum;
}

/* Where the scan of power_n_exact starts. For small designs the scan
 * starts at n = 1, so the definition holds exactly. For large ones a scan
 * from 1 (or even across the last percent of power) would take minutes;
 * there bisection finds where the power crosses the target, taking it as
 * monotone: averaging over the number of discordant pairs smooths the
 * wobble of the conditional test's rejection region away (the tests scan
 * thousands of consecutive n without finding a dip), and the window check
 * after it still catches a dip just above the crossing. */
#define POWER_SCAN_FROM_ONE 2000.0

static long scan_start(double pb, double pc, double alpha, double target, enum power_test test,
		       double guess)
{
	if (guess < POWER_SCAN_FROM_ONE)
		return 1;
	long lo = (long)floor(guess / 2), hi = (long)ceil(guess * 2);
	while (lo > 1 && power_exact(pb, pc, alpha, lo, test) >= target)
		lo /= 2;
	while (hi < POWER_N_MAX && power_exact(pb, pc, alpha, hi, test) < target)
		hi = hi > POWER_N_MAX / 2 ? POWER_N_MAX : hi * 2;
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (power_exact(pb, pc, alpha, mid, test) >= target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

long power_n_exact(double pb, double pc, double alpha, double target, enum power_test test)
{
	if (!args_ok(pb, pc, alpha) || !(target > 0 && target < 1))
		return 0;
	double guess = fmin(power_n_connor(pb, pc, alpha, target),
			    power_n_miettinen(pb, pc, alpha, target));
	if (!(guess < (double)POWER_EXACT_SEARCH_MAX))
		return 0;
	long run_from = 0;
	for (long n = scan_start(pb, pc, alpha, target, test, guess); n <= POWER_N_MAX; n++) {
		if (power_exact(pb, pc, alpha, n, test) >= target) {
			if (!run_from)
				run_from = n;
			if (n - run_from >= POWER_EXACT_WINDOW)
				return run_from;
		} else {
			run_from = 0;
		}
	}
	return 0;
}

double power_detectable_delta(double psi, double alpha, double power, double n)
{
	if (!(psi > 0 && psi <= 1) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) ||
	    !(n > 0))
		return 0.0;
	/* Connor's formula with psi fixed: delta sqrt(n) - za sqrt(psi) -
	 * zb sqrt(psi - delta^2) grows with delta on (0, psi]. */
	double za = z_two_sided(alpha), zb = qnorm(power, 0.0, 1.0, 1, 0);
	double lo = 0.0, hi = psi;
#define GAP(d) ((d) * sqrt(n) - za * sqrt(psi) - zb * sqrt(fmax(psi - (d) * (d), 0.0)))
	if (GAP(hi) < 0)
		return 0.0;
	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = (lo + hi) / 2;
		if (GAP(mid) < 0)
			lo = mid;
		else
			hi = mid;
	}
#undef GAP
	return hi;
}

long power_inflate(long n, double attrition)
{
	if (n < 0 || !(attrition >= 0 && attrition < 1))
		return -1;
	double v = ceil((double)n / (1.0 - attrition) - 1e-9);
	if (v > (double)LONG_MAX / 2)
		return -1;
	return (long)v;
}

double power_alpha_adjusted(double alpha, int k, enum power_adjust adj)
{
	if (adj == POWER_ADJUST_NONE || k <= 1)
		return alpha;
	return alpha / (double)k;
}
