/* strata.h: tests across strata (agent type, gender, round, area...) of a
 * paired study. Each stratum contributes its discordant counts: b_i (only
 * the control positive) and c_i (only the test candidate positive). The
 * measures per stratum are those of stats/paired.h; this module adds what
 * needs all strata at once. Pure: counts in, numbers out, no I/O. */
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

#endif
