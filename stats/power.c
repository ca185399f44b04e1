/* power.c: sample size and power for McNemar's test in a paired design:
 * Connor's and Miettinen's normal approximations, the exact power of the
 * exact and mid-p conditional tests by enumeration, and the design
 * arithmetic (lost pairs, several test groups). Sources in each comment;
 * the derivations are summarised in docs/power.md. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

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

/* ---- Exact power with a cache of the conditional power ---- */

/* power = sum_m P(m) r(m), where m ~ Binomial(n, psi) is the number of
 * discordant pairs and r(m) = P(reject | m) = P(b <= k_m) + P(c <= k_m),
 * b ~ Binomial(m, pi), c = m - b, pi = p_b/psi, with k_m the test's
 * critical value. r(m) does not depend on n, so a context keeps it for a
 * contiguous range of m and every n whose range of m falls inside costs
 * only the weighted sum; the weights P(m) come from the mode outward by
 * the ratio of consecutive binomial probabilities.
 *
 * r(m) itself is carried from m to m+1 by recurrences instead of a call to
 * pbinom per m (Johnson, Kemp & Kotz, Univariate Discrete Distributions,
 * 3rd ed., 3.2): with f(k; m) the binomial probability of k and F(k; m)
 * its distribution function,
 *   F(k; m+1) = F(k; m) - p f(k; m)
 *   f(k; m+1) = f(k; m) (m+1)(1-p) / (m+1-k)
 *   f(k+1; m) = f(k; m) (m-k) p / ((k+1)(1-p)),
 * the same for the null distribution at p = 1/2 that gives k_m. The
 * critical value never falls as m grows and rises by at most one per
 * step (B(m+1) is B(m) plus one Bernoulli), so one candidate k_m + 1 is
 * tested per step. Every POWER_ANCHOR steps the state is recomputed
 * exactly with pbinom and dbinom, which bounds the rounding drift to a few
 * hundred ulps and recovers from any underflow; a p-value within 1e-9 of
 * alpha is recomputed exactly before the test decides, so k_m is the
 * exact test's (and R's) critical value. */
#define POWER_ANCHOR 512
/* The longest range of m a context keeps (doubles): beyond, it restarts. */
#define POWER_SEGMENT_MAX 4000000L

struct power_exact_ctx {
	double pb, pc, alpha, psi, pi;
	enum power_test test;
	long lo, hi; /* r(m) is known for lo <= m <= hi; none while hi < lo */
	double *r;   /* r[m - lo] */
	size_t cap;
	/* The recurrences' state at m = hi. */
	long k;         /* the critical value k_hi, -1 when nothing is rejected */
	double G, g;    /* null F and f at the candidate k + 1 */
	double F1, f1;  /* F(k; hi, pi), f(k; hi, pi) (k >= 0) */
	double F2, f2;  /* the same at 1 - pi */
	long since_anchor;
};

/* The two-sided p-value, from the null distribution function G and
 * probability g at x. */
static double tail_from(double G, double g, enum power_test test)
{
	return test == POWER_MIDP ? 2.0 * G - g : 2.0 * G;
}

/* The exact state at (m, k). */
static void ctx_anchor(struct power_exact_ctx *c, long m, long k)
{
	double dm = (double)m;
	c->k = k;
	c->G = pbinom((double)(k + 1), dm, 0.5, 1, 0);
	c->g = dbinom((double)(k + 1), dm, 0.5, 0);
	if (k >= 0) {
		c->F1 = pbinom((double)k, dm, c->pi, 1, 0);
		c->f1 = dbinom((double)k, dm, c->pi, 0);
		c->F2 = pbinom((double)k, dm, 1.0 - c->pi, 1, 0);
		c->f2 = dbinom((double)k, dm, 1.0 - c->pi, 0);
	}
	c->since_anchor = 0;
}

static double ctx_r(const struct power_exact_ctx *c)
{
	if (c->k < 0)
		return 0.0;
	if (c->pi >= 1.0 || c->pi <= 0.0)
		return 1.0; /* every discordant pair one way: b = m or b = 0 */
	double r = c->F1 + c->F2;
	return r < 0 ? 0 : r > 1 ? 1 : r;
}

/* Moves the state from m = hi to hi + 1; returns r(hi + 1). */
static double ctx_step(struct power_exact_ctx *c)
{
	long m = c->hi, m1 = m + 1, xc = c->k + 1;
	double dm1 = (double)m1;
	int alt = c->pi > 0.0 && c->pi < 1.0;
	if (++c->since_anchor >= POWER_ANCHOR) {
		/* The critical value at m1 from the recurrence's candidate,
		 * confirmed exactly, then the exact state. */
		long k = reject_bound(m1, c->alpha, c->test, c->k);
		ctx_anchor(c, m1, k);
		c->hi = m1;
		return ctx_r(c);
	}
	c->G -= 0.5 * c->g;
	c->g *= 0.5 * dm1 / (double)(m1 - xc);
	if (c->k >= 0 && alt) {
		double q = 1.0 - c->pi, den = (double)(m1 - c->k);
		c->F1 -= c->pi * c->f1;
		c->f1 *= dm1 * q / den;
		c->F2 -= q * c->f2;
		c->f2 *= dm1 * c->pi / den;
	}
	c->hi = m1;
	/* Is the candidate k + 1 rejected at m1 now? */
	while (2 * xc < m1) {
		double t = tail_from(c->G, c->g, c->test);
		if (fabs(t - c->alpha) <= 1e-9 * c->alpha)
			t = tail_p((double)xc, dm1, c->test);
		if (t > c->alpha)
			break;
		long k = xc;
		if (c->k < 0 || !alt) {
			ctx_anchor(c, m1, k);
		} else {
			double q = 1.0 - c->pi, kk = (double)k, up = (dm1 - kk + 1.0) / kk;
			c->f1 *= up * c->pi / q;
			c->F1 += c->f1;
			c->f2 *= up * q / c->pi;
			c->F2 += c->f2;
			c->k = k;
			/* The next candidate: g(k + 1) from g(k). */
			c->g *= (dm1 - kk) / (kk + 1.0);
			c->G += c->g;
		}
		xc = c->k + 1;
	}
	return ctx_r(c);
}

/* Makes r(m) known for lo <= m <= hi (1 <= lo <= hi). Returns 0 when
 * memory runs out. */
static int ctx_ensure(struct power_exact_ctx *c, long lo, long hi)
{
	if (c->hi >= c->lo && lo >= c->lo && hi <= c->hi)
		return 1;
	int extend = c->hi >= c->lo && lo >= c->lo && lo <= c->hi + 1 &&
		     hi - c->lo < POWER_SEGMENT_MAX;
	if (!extend) {
		/* Start afresh at lo, exactly. */
		c->lo = lo;
		c->hi = lo;
		ctx_anchor(c, lo, reject_bound(lo, c->alpha, c->test,
						(long)qbinom(c->alpha / 2, (double)lo, 0.5, 1, 0)));
	}
	size_t need = (size_t)(hi - c->lo + 1);
	if (need > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		while (cap < need)
			cap *= 2;
		double *r = realloc(c->r, cap * sizeof(*r));
		if (!r)
			return 0;
		c->r = r;
		c->cap = cap;
	}
	if (!extend)
		c->r[0] = ctx_r(c);
	while (c->hi < hi) {
		double v = ctx_step(c);
		c->r[c->hi - c->lo] = v;
	}
	return 1;
}

struct power_exact_ctx *power_exact_ctx_new(double pb, double pc, double alpha,
					    enum power_test test)
{
	if (!args_ok(pb, pc, alpha) || (test != POWER_EXACT && test != POWER_MIDP))
		return NULL;
	struct power_exact_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pb = pb;
	c->pc = pc;
	c->alpha = alpha;
	c->test = test;
	c->psi = pb + pc;
	c->pi = pb / c->psi;
	c->lo = 1;
	c->hi = 0;
	return c;
}

void power_exact_ctx_free(struct power_exact_ctx *c)
{
	if (!c)
		return;
	free(c->r);
	free(c);
}

double power_exact_ctx_at(struct power_exact_ctx *c, long n)
{
	if (!c || n < 1 || n > POWER_N_MAX)
		return 0.0;
	double psi = c->psi, dn = (double)n;
	if (psi >= 1.0) {
		/* Every pair is discordant: m = n. */
		if (!ctx_ensure(c, n, n))
			return NAN;
		return c->r[n - c->lo];
	}
	/* The range of m worth summing: outward from the mode of
	 * Binomial(n, psi) until the weight falls below 1e-17 of the mode's;
	 * the binomial is unimodal, so nothing larger lies beyond (the
	 * neglected mass is below 1e-12). */
	long mode = (long)floor((dn + 1) * psi);
	if (mode > n)
		mode = n;
	double rho = psi / (1.0 - psi), cut = 1e-17;
	long lo = mode, hi = mode;
	for (double w = 1.0; lo > 0;) {
		w *= (double)lo / ((dn - (double)lo + 1.0) * rho);
		if (w < cut)
			break;
		lo--;
	}
	for (double w = 1.0; hi < n;) {
		w *= (dn - (double)hi) / ((double)hi + 1.0) * rho;
		if (w < cut)
			break;
		hi++;
	}
	long from = lo < 1 ? 1 : lo; /* r(0) = 0: no discordant pair */
	if (hi < 1)
		return 0.0;
	if (!ctx_ensure(c, from, hi))
		return NAN;
	/* The weights relative to the mode's, then scaled by its dbinom. */
	double sum = 0.0, w = 1.0;
	for (long m = mode; m >= from; m--) {
		sum += w * c->r[m - c->lo];
		w *= (double)m / ((dn - (double)m + 1.0) * rho);
	}
	w = 1.0;
	for (long m = mode + 1; m <= hi; m++) {
		w *= (dn - (double)(m - 1)) / (double)m * rho;
		sum += w * c->r[m - c->lo];
	}
	sum *= dbinom((double)mode, dn, psi, 0);
	return sum > 1.0 ? 1.0 : sum;
}

double power_exact(double pb, double pc, double alpha, long n, enum power_test test)
{
	if (!args_ok(pb, pc, alpha) || n < 1 || n > POWER_N_MAX)
		return 0.0;
	struct power_exact_ctx *c = power_exact_ctx_new(pb, pc, alpha, test);
	if (!c)
		return NAN;
	double p = power_exact_ctx_at(c, n);
	power_exact_ctx_free(c);
	return p;
}

int power_exact_many(double pb, double pc, double alpha, enum power_test test, const long *n,
		     size_t count, double *out)
{
	struct power_exact_ctx *c = power_exact_ctx_new(pb, pc, alpha, test);
	if (!c)
		return 0;
	int ok = 1;
	for (size_t i = 0; i < count; i++) {
		out[i] = power_exact_ctx_at(c, n[i]);
		if (isnan(out[i]))
			ok = 0;
	}
	power_exact_ctx_free(c);
	return ok;
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

static long scan_start(struct power_exact_ctx *c, double target, double guess)
{
	if (guess < POWER_SCAN_FROM_ONE)
		return 1;
	long lo = (long)floor(guess / 2), hi = (long)ceil(guess * 2);
	while (lo > 1 && power_exact_ctx_at(c, lo) >= target)
		lo /= 2;
	while (hi < POWER_N_MAX && power_exact_ctx_at(c, hi) < target)
		hi = hi > POWER_N_MAX / 2 ? POWER_N_MAX : hi * 2;
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (power_exact_ctx_at(c, mid) >= target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

long power_exact_ctx_n(struct power_exact_ctx *c, double target)
{
	if (!c || !(target > 0 && target < 1))
		return 0;
	double guess = fmin(power_n_connor(c->pb, c->pc, c->alpha, target),
			    power_n_miettinen(c->pb, c->pc, c->alpha, target));
	if (!(guess < (double)POWER_EXACT_SEARCH_MAX))
		return 0;
	long run_from = 0;
	for (long n = scan_start(c, target, guess); n <= POWER_N_MAX; n++) {
		double p = power_exact_ctx_at(c, n);
		if (isnan(p))
			return 0;
		if (p >= target) {
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

long power_n_exact(double pb, double pc, double alpha, double target, enum power_test test)
{
	if (!args_ok(pb, pc, alpha) || !(target > 0 && target < 1))
		return 0;
	struct power_exact_ctx *c = power_exact_ctx_new(pb, pc, alpha, test);
	long n = power_exact_ctx_n(c, target);
	power_exact_ctx_free(c);
	return n;
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

/* For m discordant pairs the test rejects b <= k or b >= m - k (k < m/2),
 * with probability R(pi) = F(k; m, pi) + F(k; m, 1 - pi), pi = p_b/psi.
 * Since dF(k; m, pi)/dpi = -m f(k; m-1, pi),
 *   R'(pi) = m C(m-1, k) [pi^(m-1-k) (1-pi)^k - pi^k (1-pi)^(m-1-k)],
 * which is >= 0 for pi >= 1/2 because m - 1 - k >= k. The weights P(m) =
 * dbinom(m; n, psi) do not depend on delta, so at fixed psi and n the
 * exact power grows with |delta| = psi |2 pi - 1|, and bisection applies. */
double power_detectable_delta_exact(double psi, double alpha, double power, long n,
				    enum power_test test)
{
	if (!(psi > 0 && psi <= 1) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) ||
	    n < 1 || n > POWER_N_MAX)
		return 0.0;
	double top = power_exact(psi, 0.0, alpha, n, test);
	if (isnan(top))
		return NAN;
	if (top < power)
		return 0.0;
	double lo = 0.0, hi = psi;
	while (hi - lo > 1e-12) {
		double mid = (lo + hi) / 2;
		if (mid <= lo || mid >= hi)
			break;
		double p = power_exact((psi + mid) / 2, (psi - mid) / 2, alpha, n, test);
		if (isnan(p))
			return NAN;
		if (p >= power)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

double power_detectable_delta_miettinen(double psi, double alpha, double power, double n)
{
	/* Below a power of one half the power is not monotone in delta, and
	 * bisection would return a wrong answer without a sign (power.h). */
	if (!(psi > 0 && psi <= 1) || !(alpha > 0 && alpha < 1) || !(power >= 0.5 && power < 1) ||
	    !(n > 0))
		return 0.0;
	if (power_miettinen(psi, 0.0, alpha, n) < power)
		return 0.0;
	double lo = 0.0, hi = psi;
	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = (lo + hi) / 2;
		if (power_miettinen((psi + mid) / 2, (psi - mid) / 2, alpha, n) < power)
			lo = mid;
		else
			hi = mid;
	}
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
