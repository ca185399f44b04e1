/* multi.h: more than one comparison at a time. Adjusted p-values for
 * several test groups compared with one control (Holm) or for many agents
 * (Holm, Benjamini-Hochberg), and Cochran's Q for more than two candidates
 * per listing. Pure: numbers in, numbers out, no I/O. */
#ifndef CT_STATS_MULTI_H
#define CT_STATS_MULTI_H

#include <stddef.h>

/* Holm's step-down adjusted p-values (Holm 1979, Scand J Statist 6:65):
 * with p sorted ascending, adj_(i) = min(1, max_{j<=i} (m-j+1) p_(j)),
 * returned in the order of the input (R: p.adjust(p, method = "holm")).
 * p[0..m-1] must each lie in [0, 1]; adj may be the same array as p.
 * Returns 1 on success (m = 0 is a success with nothing to do); 0 when a
 * p-value is outside [0, 1] or NaN, or memory runs out (adj untouched). */
int multi_holm(const double *p, size_t m, double *adj);

/* Benjamini-Hochberg adjusted p-values, the false discovery rate
 * (Benjamini & Hochberg 1995, JRSS B 57:289): with p sorted ascending,
 * adj_(i) = min(1, min_{j>=i} m/j p_(j)) (R: p.adjust(p, method = "BH")).
 * Same contract as multi_holm. */
int multi_bh(const double *p, size_t m, double *adj);

/* Cochran's Q test that k >= 2 binary outcomes have the same success
 * probability, for n listings each with all k outcomes (Cochran 1950,
 * Biometrika 37:256; Conover, Practical Nonparametric Statistics, 3rd ed.,
 * 5.7):
 *   Q = (k-1) [k sum_j C_j^2 - T^2] / [k T - sum_i R_i^2]
 * with C_j the column totals, R_i the row totals and T the grand total;
 * p = P(chi-square with k-1 df >= Q). For k = 2 Q is the McNemar
 * chi-square without continuity correction, (b-c)^2/(b+c).
 *
 * x is the n x k matrix row by row (x[i*k + j] is outcome j of listing i),
 * each entry 0 or 1; listings with a missing outcome must be left out by
 * the caller. Rows that are all 0 or all 1 carry no information and cancel
 * out of Q. Returns 1 and sets *q, *p when Q is defined; 0 (both 0) with
 * *why set to a static sentence when it is not (k < 2, an entry other than
 * 0/1, or no listing whose outcomes differ). why may be NULL. */
int multi_cochran_q(const unsigned char *x, size_t n, size_t k, double *q, double *p,
		    const char **why);

#endif
