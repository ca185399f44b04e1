/* agreement.h: agreement between two coders who coded the same items into
 * k categories. Pure functions over a k x k table of counts (row: the
 * first coder's category, column: the second's); nothing is printed.
 *
 * Cohen's kappa (Cohen 1960), its large-sample standard error of Fleiss,
 * Cohen & Everitt (1969), the one R's psych::cohen.kappa reports, and a
 * normal interval kappa +- z * SE; Gwet's AC1 (Gwet 2008, Br J Math Stat
 * Psychol 61:29), whose chance agreement does not grow when one category
 * dominates, so that it stays high where kappa collapses, with Gwet's
 * (2008) standard error and the interval his R package irrCAC reports
 * (gwet.ac1.table, irrCAC 1.4): ac1 +- t(1 - alpha/2; n - 1) * SE, a
 * Student t quantile and not a normal one, with the upper bound at most 1.
 * Each figure matches the program that R users would check it with:
 * psych::cohen.kappa for kappa, irrCAC for AC1. */
#ifndef CT_STATS_AGREEMENT_H
#define CT_STATS_AGREEMENT_H

/* Up to this many categories (the five outcomes, or two for one
 * category against the rest). */
#define AGREEMENT_MAX_K 16

struct agreement {
	long n;        /* items coded by both */
	double po;     /* observed agreement: the share on the diagonal */
	double pe;     /* Cohen's chance agreement: sum of row share x column share */
	double kappa;  /* (po - pe) / (1 - pe) */
	double se;     /* Fleiss-Cohen-Everitt (1969) large-sample SE of kappa */
	double lo, hi; /* kappa -/+ z(1 - alpha/2) * se */
	double pe_ac1; /* Gwet's chance agreement: sum pi_k (1 - pi_k) / (k - 1) */
	double ac1;    /* (po - pe_ac1) / (1 - pe_ac1) */
	double ac1_se;           /* Gwet (2008) large-sample standard error of AC1 */
	/* ac1 -/+ t(1 - alpha/2; n - 1) * ac1_se, hi at most 1, as Gwet's
	 * irrCAC package reports (gwet.ac1.table uses qt(., n - 1), not a
	 * normal quantile, and min(1, .) on the upper bound only). */
	double ac1_lo, ac1_hi;
	/* 0 when undefined: no items; kappa when pe = 1 (both coders used one
	 * category only, where kappa is 0/0); ac1 and ac1_se when pe_ac1 = 1
	 * (which cannot happen: pe_ac1 <= 1/k); the AC1 interval also when
	 * n < 2 (no t quantile with 0 degrees of freedom; irrCAC gives NA). */
	int kappa_defined, se_defined, ac1_defined;
	int ac1_ci_defined;
};

/* table: k x k counts, row-major (table[i * k + j]: first coder i, second
 * coder j), every count >= 0; 2 <= k <= AGREEMENT_MAX_K; 0 < alpha < 1.
 * AC1 counts all k categories of the scale, used or not (as Gwet's
 * formula and irrCAC's gwet.ac1.table do with the table given). Returns 0
 * for bad arguments, else 1 with *out filled (see the *_defined flags). */
int agreement_compute(const long *table, int k, double alpha, struct agreement *out);

/* The table of category c against all others (2 x 2: c, not c), from a
 * k x k table; out has 4 cells. For the kappa of one category. */
void agreement_collapse(const long *table, int k, int c, long out[4]);

#endif
