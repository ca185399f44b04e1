/* unpaired.h: the measures of an unpaired correspondence test (one
 * application per listing, the group drawn at random): x1 positive outcomes
 * of n1 applications in group 1 against x2 of n2 in group 2. By the
 * convention of `corrtest stats`, group 1 is the control and group 2 the
 * test group, so that diff = p1 - p2 has the sign of the paired Δ and a
 * risk ratio above 1 favours the control (METHOD.md "unpaired designs").
 *
 * Pure functions over counts: no I/O, no allocation. Every measure comes
 * with a flag: 1 when defined, 0 when not (then the value is 0 and must be
 * printed as null with a note, never as a number or NaN). */
#ifndef CT_STATS_UNPAIRED_H
#define CT_STATS_UNPAIRED_H

/* Why a measure is undefined, for the "notes" of the output (static
 * strings; the summary holds pointers to them). */
#define UNPAIRED_NOTE_INVALID "invalid counts (negative, x > n, or too large)"
#define UNPAIRED_NOTE_N1_ZERO \
	"group 1 has no applications (n1 = 0): its rate and every comparison are undefined"
#define UNPAIRED_NOTE_N2_ZERO \
	"group 2 has no applications (n2 = 0): its rate and every comparison are undefined"
#define UNPAIRED_NOTE_NO_VARIATION \
	"every application had the same outcome (x1+x2 = 0 or n1+n2): the chi-square tests are undefined"
#define UNPAIRED_NOTE_X2_ZERO \
	"no positive outcome in group 2 (x2 = 0): the risk ratio p1/p2 is undefined"
#define UNPAIRED_NOTE_X1_ZERO \
	"no positive outcome in group 1 (x1 = 0): the risk ratio is 0 and its log-scale interval is undefined"

/* A point value with its flag. */
struct unpaired_value {
	double v;
	int defined;
};

/* An interval [lo, hi] with its flag. */
struct unpaired_interval {
	double lo, hi;
	int defined;
};

/* 1 when 0 <= x1 <= n1, 0 <= x2 <= n2 and n1+n2 fits in a long. */
int unpaired_counts_valid(long x1, long n1, long x2, long n2);

/* Newcombe's hybrid score interval for p1 - p2 of two independent
 * proportions: Newcombe (1998), "Interval estimation for the difference
 * between independent proportions: comparison of eleven methods", Stat Med
 * 17:873-890, method 10 (square-and-add of the two Wilson intervals):
 *   L = (p1-p2) - sqrt((p1-l1)^2 + (u2-p2)^2)
 *   U = (p1-p2) + sqrt((u1-p1)^2 + (p2-l2)^2)
 * Returns 1 and sets *lo, *hi; returns 0 (and sets both to 0) when
 * n1 or n2 is 0 or the counts are invalid. */
int unpaired_newcombe(long x1, long n1, long x2, long n2, double alpha, double *lo,
		      double *hi);

/* Pearson's chi-square test of the 2x2 table (x1, n1-x1; x2, n2-x2), 1 df,
 * without (yates = 0) or with (yates = 1) Yates' continuity correction, the
 * correction capped at |p1-p2| / (1/n1 + 1/n2) as R does
 * (R: prop.test(c(x1,x2), c(n1,n2), correct = FALSE/TRUE): statistic and
 * p.value). Returns 1 and sets *stat and *p; returns 0 (both 0) when a
 * group is empty or every outcome is the same (an expected count of 0). */
int unpaired_chi2(long x1, long n1, long x2, long n2, int yates, double *stat, double *p);

/* Fisher's exact test, two-sided, by R's rule: the sum of the
 * hypergeometric probabilities of every table with the same margins whose
 * probability is <= that of the observed table times (1 + 1e-7)
 * (R: fisher.test(matrix(c(x1, n1-x1, x2, n2-x2), 2))$p.value; Fisher 1935).
 * Returns 1 and sets *p; returns 0 (*p = 0) when a group is empty. */
int unpaired_fisher_p(long x1, long n1, long x2, long n2, double *p);

/* Risk ratio p1/p2 with the Wald interval on the log scale (Katz et al.
 * 1978, Biometrics 34:469): exp(log(RR) -/+ z * SE),
 * SE = sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2). The ratio is defined when n1 > 0
 * and x2 > 0 (it is 0 when x1 = 0); the interval needs x1 > 0 and x2 > 0.
 * Returns the ratio's flag; *ci_defined receives the interval's flag. */
int unpaired_risk_ratio(long x1, long n1, long x2, long n2, double alpha, double *rr,
			double *lo, double *hi, int *ci_defined);

/* Everything above for one comparison. alpha is the two-sided level of
 * every interval (0.05 for 95%). */
#define UNPAIRED_MAX_NOTES 6
struct unpaired_summary {
	long x1, n1, x2, n2;
	double alpha;
	struct unpaired_value rate1, rate2;		/* x1/n1, x2/n2 */
	struct unpaired_interval rate1_ci, rate2_ci;	/* Wilson (stats/prop.h) */
	struct unpaired_value diff;			/* p1 - p2 */
	struct unpaired_interval diff_ci_newcombe;	/* method 10, above */
	struct unpaired_value chi2, chi2_p;		/* without correction */
	struct unpaired_value chi2_cc, chi2_cc_p;	/* with Yates' correction */
	struct unpaired_value fisher_p;
	struct unpaired_value risk_ratio;		/* p1 / p2 */
	struct unpaired_interval risk_ratio_ci;		/* Wald, log scale */
	const char *notes[UNPAIRED_MAX_NOTES];		/* UNPAIRED_NOTE_* */
	int nnotes;
};

/* Fills *out for x1/n1 against x2/n2 at level alpha (0 < alpha < 1).
 * Returns 1 when the counts are valid (some measures may still be
 * undefined, each with a note), 0 for invalid counts or alpha (then
 * everything is undefined and notes[0] says why). Never NaN. */
int unpaired_summarise(long x1, long n1, long x2, long n2, double alpha,
		       struct unpaired_summary *out);

#endif
