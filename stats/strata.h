/* strata.h: tests across strata (agent type, gender, round, area...) of a
 * paired study. Each stratum contributes its discordant counts: b_i (only
 * the control positive) and c_i (only the test candidate positive). The
 * measures per stratum are those of stats/paired.h; this module adds what
 * needs all strata at once, and the comparison of net rates between
 * independent strata or rounds. Pure: counts in, numbers out, no I/O. */
#ifndef CT_STATS_STRATA_H
#define CT_STATS_STRATA_H

#include <stddef.h>

#define STRATA_NOTE_INVALID "invalid counts (negative or too large)"
#define STRATA_NOTE_DROPPED \
	"strata without discordant pairs (b+c = 0) say nothing about b/(b+c) and were left out"
#define STRATA_NOTE_TOO_FEW \
	"fewer than 2 strata with discordant pairs: the test of equal b/(b+c) is undefined"
#define STRATA_NOTE_ONE_WAY \
	"every discordant pair goes the same way (all b or all c): the test of equal b/(b+c) is undefined"
#define STRATA_NOTE_NO_C "no discordant pair favours the test candidate (sum c = 0): the pooled odds ratio is undefined"

#define STRATA_MAX_NOTES 4
struct strata_homogeneity {
	size_t strata;		/* S given */
	size_t informative;	/* strata with b+c >= 1, those tested */
	size_t dropped;		/* strata with b+c = 0 */
	long b_total, c_total;	/* over all strata */
	int defined;		/* the test below */
	double chi2;		/* Pearson chi-square of the informative x 2 table */
	long df;		/* informative - 1 */
	double p;		/* P(chi-square with df >= chi2) */
	int or_defined;		/* the pooled odds ratio below */
	double or_mh;		/* Mantel-Haenszel conditional odds ratio */
	const char *notes[STRATA_MAX_NOTES]; /* STRATA_NOTE_* */
	int nnotes;
};

/* Tests that the share b_i/(b_i+c_i) of the discordant pairs favouring the
 * control is the same in every stratum: Pearson's chi-square test of
 * homogeneity of the S x 2 table of rows (b_i, c_i), S-1 df, without
 * continuity correction (R: chisq.test(cbind(b, c), correct = FALSE); for
 * the paired design this is the test of equal conditional odds ratios
 * across strata, e.g. Agresti, Categorical Data Analysis, 3rd ed., 11.2).
 * Strata with b_i + c_i = 0 are dropped with a note, as R cannot use them
 * (expected count 0). Also gives the Mantel-Haenszel pooled conditional odds
 * ratio sum(b)/sum(c), which is the MH estimator when each pair is a
 * stratum (Mantel & Haenszel 1959, JNCI 22:719; Breslow & Day 1980, 7.2).
 *
 * b and c have s entries each (s may be 0). Returns 1 when the counts are
 * valid (the test may still be undefined: see out->defined and the notes),
 * 0 when a count is negative or the totals overflow. */
int strata_homogeneity(const long *b, const long *c, size_t s, struct strata_homogeneity *out);

/* The net rate of one stratum, round or group, and the comparison of net
 * rates between independent strata (METHOD.md "More measures the reports
 * need"). A stratum's net rate is d = (b - c)/n, n the pairs with at least
 * one positive for the ILO rate or all pairs for the all-pairs rate, with
 * Var(d) = ((b + c)/n - d^2)/n: the variance of the mean of the n paired
 * differences (+1 for b, -1 for c, 0 otherwise) with divisor n, the
 * variance of Newcombe's Wald interval for the paired difference (Newcombe
 * 1998b, Stat Med 17:2635, method 1). Strata are independent samples, so
 * the variances add. This compares net rates, which the homogeneity test
 * of b/(b+c) above does not: two strata with equal b/(b+c) can have net
 * rates of 22% and 10.5% (z = 2.75; tests/r/netdiff.R). */
#define STRATA_NOTE_NET_INVALID "invalid counts (negative, or b + c more than n)"
#define STRATA_NOTE_NET_EMPTY "a stratum has no pairs (n = 0): it has no net rate"
#define STRATA_NOTE_NET_ZERO_VAR \
	"both net rates have variance 0 (no discordant pair, or every pair discordant one way): no test"
#define STRATA_NOTE_NET_LEFT_EMPTY "strata without pairs (n = 0) have no net rate and were left out"
#define STRATA_NOTE_NET_LEFT_ZERO_VAR \
	"strata whose net rate has variance 0 (no discordant pair, or every pair discordant one way) " \
	"cannot be weighted and were left out"
#define STRATA_NOTE_NET_TOO_FEW \
	"fewer than 2 strata with a net rate of variance > 0: the heterogeneity test is undefined"

/* A net rate d = (b - c)/n of one stratum with Var(d) = ((b + c)/n - d^2)/n
 * (n: pairs with at least one positive for the ILO rate, or all pairs for
 * the all-pairs rate). */
struct net_rate_diff {
	int defined;      /* n1, n2 > 0 and var1 + var2 > 0 */
	int d1_defined, d2_defined; /* n1 > 0, n2 > 0: d and var of that stratum */
	double d1, d2, var1, var2;
	double diff;      /* d1 - d2 */
	double se;        /* sqrt(var1 + var2) */
	double lo, hi;    /* diff -/+ qnorm(1 - alpha/2) * se */
	double z, p;      /* z = diff/se, two-sided normal p */
	const char *why;  /* static, when not defined: STRATA_NOTE_NET_* */
};

/* The difference d1 - d2 of the net rates of two independent strata, its
 * Wald interval at level 1 - alpha and the z test of equal net rates,
 * z = (d1 - d2)/sqrt(Var1 + Var2), p = 2 (1 - Phi(|z|)) (METHOD.md; R:
 * tests/r/netdiff.R). Undefined (out->defined = 0, out->why says why) when
 * a stratum has n = 0 or both variances are 0; a single variance of 0 is
 * fine (that stratum's rate is then known without error). Returns 0 on
 * invalid counts (negative, b + c > n) or alpha outside (0, 1), else 1. */
int strata_net_diff(long b1, long c1, long n1, long b2, long c2, long n2, double alpha,
		    struct net_rate_diff *out);

struct net_heterogeneity {
	size_t strata;       /* K given */
	size_t informative;  /* strata with n > 0 and Var > 0: those weighted */
	int defined;         /* informative >= 2 */
	double mean;         /* inverse-variance weighted mean of the informative d_k */
	double chi2;         /* sum (d_k - mean)^2 / Var_k */
	long df;             /* informative - 1 */
	double p;            /* upper chi-square(df) */
	const char *notes[STRATA_MAX_NOTES]; int nnotes; /* STRATA_NOTE_NET_* */
};

/* The test that K independent strata have the same net rate: Cochran's Q,
 * sum (d_k - mean)^2 / Var_k over the strata that can be weighted (n > 0
 * and Var > 0; the others are left out with a note), mean the inverse-
 * variance weighted mean, upper chi-square with informative - 1 df
 * (Cochran 1954, Biometrics 10:101; METHOD.md). With two strata Q is z^2 of
 * strata_net_diff. b, c and n have k entries each (k may be 0). Returns 0
 * on invalid counts (negative, b + c > n), else 1 (the test may still be
 * undefined: see out->defined and the notes). */
int strata_net_heterogeneity(const long *b, const long *c, const long *n, size_t k,
			     struct net_heterogeneity *out);

#endif
