/* power.h: sample size and power for the paired design (one control and one
 * test candidate per listing), tested with McNemar's test. Pure functions:
 * probabilities in, numbers out; no I/O. Only the exact power allocates (a
 * cache, see struct power_exact_ctx) and reports exhaustion as NaN or 0,
 * never by exiting.
 *
 * The design is given by the two discordant probabilities
 *   p_b = P(control positive, test negative)   (cell b of METHOD.md)
 *   p_c = P(control negative, test positive)   (cell c)
 * with psi = p_b + p_c (the share of discordant pairs) and
 * delta = p_b - p_c (the difference in response rates, p_C - p_T).
 * Every n below counts valid (analysed) pairs for one test group; the
 * inflation for lost pairs and for several test groups is separate
 * (power_inflate, power_total). */
#ifndef CT_STATS_POWER_H
#define CT_STATS_POWER_H

#include <stddef.h>

/* Why a design is rejected, for the command's error message. */
#define POWER_WHY_RANGE "probabilities must lie in [0, 1]"
#define POWER_WHY_SUM "p_b + p_c must not exceed 1"
#define POWER_WHY_NULL "p_b = p_c: there is no difference to detect (delta = 0)"

/* 1 when p_b, p_c are a usable alternative: both in [0,1], p_b + p_c <= 1
 * and p_b != p_c; otherwise 0 and *why (if not NULL) one of the above. */
int power_design_valid(double pb, double pc, const char **why);

/* The design from the two response rates and the share of concordant pairs
 * k = P(a) + P(d) = (a+d)/N (both candidates treated alike): psi = 1 - k,
 * delta = p_control - p_test, p_b = (psi + delta)/2, p_c = (psi - delta)/2.
 * Returns 1 when the four cell probabilities a, b, c, d that follow all lie
 * in [0, 1]; otherwise 0 with *why set. */
int power_from_concordance(double p_control, double p_test, double concordance, double *pb,
			   double *pc, const char **why);
/* The same from the phi (Pearson) correlation between the two outcomes of a
 * pair: P(a) = pC pT + phi sqrt(pC(1-pC) pT(1-pT)), p_b = pC - P(a),
 * p_c = pT - P(a) (as in SAS PROC POWER, PAIREDFREQ, CORR=). */
int power_from_phi(double p_control, double p_test, double phi, double *pb, double *pc,
		   const char **why);
/* From a previous round's table a, b, c, d: p_b = b/N, p_c = c/N. Returns 0
 * when N = 0 or a count is negative. */
int power_from_previous(long a, long b, long c, long d, double *pb, double *pc,
			const char **why);

/* Normal approximations, two-sided test at level alpha, target power.
 * Connor (1987), Biometrics 43:207-211, eq. (3) (unconditional variance):
 *   n = [z(1-a/2) sqrt(psi) + z(power) sqrt(psi - delta^2)]^2 / delta^2.
 * Miettinen (1968), Biometrics 24:339-352, as quoted by Connor (1987) and
 * Lachin (1992, Stat Med 11:1239):
 *   n = [z(1-a/2) psi + z(power) sqrt(psi^2 - delta^2 (3+psi)/4)]^2
 *       / (psi delta^2).
 * Both return the unrounded n (round up for a design), 0 for an invalid
 * design. */
double power_n_connor(double pb, double pc, double alpha, double power);
double power_n_miettinen(double pb, double pc, double alpha, double power);
/* The formulas solved for the power at n pairs (one tail, as the formulas
 * themselves are): Phi([|delta| sqrt(n) - z sqrt(psi)] / sqrt(psi - delta^2))
 * and Phi([|delta| sqrt(n psi) - z psi] / sqrt(psi^2 - delta^2 (3+psi)/4)). */
double power_connor(double pb, double pc, double alpha, double n);
double power_miettinen(double pb, double pc, double alpha, double n);

/* Which conditional test the exact power is for. */
enum power_test {
	POWER_EXACT = 0, /* exact McNemar: two-sided binomial test of b | b+c at 1/2 */
	POWER_MIDP = 1   /* its mid-p version: p = 2 P(B < x) + P(B = x), x = min(b,c) */
};

/* The exact power of the test at n pairs: with m ~ Binomial(n, psi) the
 * number of discordant pairs and b | m ~ Binomial(m, p_b/psi),
 *   power = sum_m P(m) P(reject | m),
 * the test rejecting when its two-sided p-value is <= alpha (the p-value of
 * R's binom.test(b, m) for the exact test). Terms with P(m) below 1e-17 of
 * the largest are skipped (their total is below 1e-12); P(reject | m) comes
 * from precomputed critical values and binomial recurrences (power.c), so
 * the cost is a few operations per term and no simulation is needed for
 * any n up to POWER_N_MAX. Returns 0 for an invalid design or n < 1, NaN
 * when memory runs out. */
double power_exact(double pb, double pc, double alpha, long n, enum power_test test);

/* The same for many n of one design: a context keeps P(reject | m) for the
 * range of m seen so far, so that each further n (a grid, a search over n)
 * costs only its weighted sum. new returns NULL for an invalid design or
 * when memory runs out; at returns what power_exact returns; free accepts
 * NULL. */
struct power_exact_ctx;
struct power_exact_ctx *power_exact_ctx_new(double pb, double pc, double alpha,
					    enum power_test test);
double power_exact_ctx_at(struct power_exact_ctx *c, long n);
/* power_n_exact (below) with the context's cache. */
long power_exact_ctx_n(struct power_exact_ctx *c, double target);
void power_exact_ctx_free(struct power_exact_ctx *c);
/* out[i] = the exact power at n[i], i < count. Returns 1, or 0 for an
 * invalid design or when memory runs out. */
int power_exact_many(double pb, double pc, double alpha, enum power_test test, const long *n,
		     size_t count, double *out);

/* The largest n the exact functions accept. */
#define POWER_N_MAX 100000000L
/* How many further sample sizes must keep the power at or above target
 * for power_n_exact to accept n (the exact power is not monotone in n). */
#define POWER_EXACT_WINDOW 20

/* The normal approximations' n above which power_n_exact gives up (each
 * evaluation then costs tens of milliseconds and the exact tests' n is
 * within a few percent of Connor's). */
#define POWER_EXACT_SEARCH_MAX 1000000L

/* The sample size for the exact (or mid-p) test: the smallest n such that
 * the exact power is >= target at n and at each of the next
 * POWER_EXACT_WINDOW sample sizes. When the normal approximations ask for
 * fewer than 2000 pairs, n is scanned one by one from 1, so this holds
 * exactly; above, bisection finds where the power crosses the target
 * (taking it as monotone there, see power.c) and the window is checked
 * from that point. Returns 0 for an invalid design, or when the
 * approximations exceed POWER_EXACT_SEARCH_MAX. */
long power_n_exact(double pb, double pc, double alpha, double target, enum power_test test);

/* The smallest |delta| that n pairs detect with the given power at a fixed
 * discordant share psi, by Connor's formula (solved by bisection). Returns
 * 0 when even delta = psi (every discordant pair one way) falls short. */
double power_detectable_delta(double psi, double alpha, double power, double n);

/* The same for the exact (or mid-p) test: the smallest |delta| at which
 * its exact power at n pairs (power_exact) reaches the target, with psi
 * fixed, so p_b = (psi + delta)/2 and p_c = (psi - delta)/2. At fixed psi
 * and n the exact power grows with |delta| (power.c), so bisection finds
 * it, to 1e-12. Returns 0 when even delta = psi falls short, or for n
 * outside 1..POWER_N_MAX; NaN when memory runs out. */
double power_detectable_delta_exact(double psi, double alpha, double power, long n,
				    enum power_test test);
/* The same by Miettinen's formula (bisection on power_miettinen, which
 * grows with delta where the power is above one half: for a target power
 * of at least 0.5). Returns 0 when delta = psi falls short, and for a
 * power below 0.5. */
double power_detectable_delta_miettinen(double psi, double alpha, double power, double n);

/* ceil(n / (1 - attrition)) for attrition in [0, 1): the pairs to send so
 * that n remain valid in expectation; -1 if attrition is out of range or the
 * result would overflow. */
long power_inflate(long n, double attrition);

/* The level for each of k comparisons against the control: alpha (none),
 * alpha/k (Bonferroni; also Holm's first, strictest step, which is what a
 * design must plan for). */
enum power_adjust { POWER_ADJUST_NONE = 0, POWER_ADJUST_BONFERRONI = 1, POWER_ADJUST_HOLM = 2 };
double power_alpha_adjusted(double alpha, int k, enum power_adjust adj);

#endif
