/* signrank.h: the Wilcoxon signed-rank test of paired differences (e.g.
 * the difference in hours to the first reply between the control and the
 * test candidate of a pair), with the Hodges-Lehmann estimate and its
 * confidence interval (Hollander, Wolfe & Chicken, Nonparametric
 * Statistical Methods, 3rd ed., 3.1-3.3; Bauer 1972, JASA 67:687). It
 * gives what R's
 *   wilcox.test(x, conf.int = TRUE, conf.level = 1 - alpha)
 * gives with its defaults (mu = 0, exact = NULL, correct = TRUE): zero
 * differences are dropped; with fewer than 50 non-zero differences, no tied
 * absolute values and no zeros, the exact null distribution (psignrank and
 * qsignrank of libRmath), the estimate the median of the Walsh averages
 * (x_i + x_j)/2, i <= j, and the interval their order statistics, with R's
 * adjustments when the level cannot be reached; otherwise the normal
 * approximation with the tie and continuity corrections.
 *
 * In the normal case R finds the estimate and the bounds by uniroot(tol =
 * 1e-4) on the corrected statistic W(d) of x - d, a step function of d
 * that jumps at the Walsh averages. This module solves the same equations
 * exactly: a bound is the Walsh average at which W crosses the normal
 * quantile, and the estimate the median of the Walsh averages, which lies
 * in the set where W = 0 (W is 0 on a whole interval when the statistic is
 * within the continuity correction of its mean; R's uniroot returns some
 * point of it). So R's figures agree with these to within R's tolerance,
 * about 1e-4, or the width of that set (tests/r/signrank.R writes both and
 * tests/unit/test_signrank.c compares each). The Walsh averages are never
 * stored: the k-th smallest is found by bisection over the doubles with an
 * O(n) count of the averages below a value, so n = 20,000 takes
 * milliseconds. Pure: no I/O; it allocates 2n doubles. */
#ifndef CT_STATS_SIGNRANK_H
#define CT_STATS_SIGNRANK_H

#include <stddef.h>

#define SIGNRANK_NOTE_NONE "no non-zero difference: the test is undefined"
#define SIGNRANK_NOTE_ZEROS "zero differences were left out (as R does); the normal approximation is used"
#define SIGNRANK_NOTE_TIES \
	"tied absolute differences: the normal approximation with tie and continuity corrections is used"
#define SIGNRANK_NOTE_LEVEL \
	"the requested confidence level cannot be reached with so few differences: the interval has the level in conf_level"
#define SIGNRANK_NOTE_NO_CI "all non-zero differences are equal: no interval"
#define SIGNRANK_NOTE_INVALID "invalid input (a difference not finite, or alpha outside (0, 1))"
#define SIGNRANK_NOTE_MEMORY "out of memory"

#define SIGNRANK_MAX_NOTES 4
struct signrank_result {
	size_t n;            /* differences given */
	size_t nonzero;      /* used by the test (zeros dropped, as R does) */
	int exact;           /* 1: exact distribution; 0: normal approximation */
	int defined;         /* nonzero >= 1 */
	double v;            /* R's V: the sum of the ranks of the positive differences */
	double p;            /* two-sided */
	int est_defined; double estimate;   /* Hodges-Lehmann estimate (R's "(pseudo)median") */
	int ci_defined; double lo, hi;
	double conf_level;   /* the interval's level: 1 - alpha, or less when that cannot be
			      * reached (R's attr(conf.int, "conf.level"); SIGNRANK_NOTE_LEVEL) */
	const char *notes[SIGNRANK_MAX_NOTES]; int nnotes; /* SIGNRANK_NOTE_* */
};

/* Tests that the differences x[0..n-1] are symmetric about 0 (two-sided),
 * with the Hodges-Lehmann estimate and its interval at level 1 - alpha, as
 * above. The estimate is defined whenever a non-zero difference is (with
 * all of them equal it is that value, R's midrange); the interval too,
 * except when all non-zero differences are equal in the normal case (R
 * gives NaN there). Returns 1 on valid input, 0 on invalid input (a
 * non-finite x, alpha outside (0,1)) or when memory runs out (then a note
 * says which). */
int signrank_test(const double *x, size_t n, double alpha, struct signrank_result *out);

#endif
