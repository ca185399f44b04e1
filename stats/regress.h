/* regress.h: the regression view of a correspondence test (METHOD.md, "The
 * measures"): a linear probability model with listing fixed effects and
 * listing-clustered standard errors, and a conditional logit with listings
 * as strata, both with covariates (send position, message variant). Pure C:
 * arrays in, numbers out; no I/O. The design builder and the fits allocate
 * (malloc) and report exhaustion as a failure, never by exiting.
 *
 * How a command calls it (e.g. `corrtest stats --model lpm|clogit`):
 *
 *   struct regress_obs *obs = ...;   one row per application: listing id,
 *                                    outcome 0/1, group (0 = control,
 *                                    1.. = test groups), send position
 *                                    (1 = first), message variant (1..)
 *   struct regress_design d;
 *   const char *why;
 *   if (!regress_design_build(obs, n, REGRESS_COV_POSITION | REGRESS_COV_VARIANT,
 *                             &d, &why))
 *           -> input error, print why
 *   struct regress_fit f;
 *   regress_lpm_fit(&d, REGRESS_DOF_NESTED, 0.05, &f);   or
 *   regress_clogit_fit(&d, 0.05, &f);
 *   if (!f.ok) -> the model is undefined: print f.why (JSON: null + note)
 *   for (j = 0; j < f.k; j++): d.col[j].name ("group:1", "position:2",
 *           "variant:3"), f.coef[j].est / .se / .stat / .p / .lo / .hi,
 *           each coefficient with .defined and .why;
 *   regress_design_free(&d);
 *
 * The coefficient on "group:L" is the test group's effect against the
 * control: in the LPM, p_test - p_control (= -Delta of METHOD.md); in the
 * conditional logit, the log of the conditional odds ratio (log(c/b) for
 * pairs without covariates). */
#ifndef CT_STATS_REGRESS_H
#define CT_STATS_REGRESS_H

#include <stddef.h>

/* At most this many regressors (test groups + position and variant levels
 * beyond the reference); results live in fixed arrays of this size. */
#define REGRESS_MAX_COEF 24

/* One application. cluster: the listing (any id; applications of the same
 * listing share it). y: 1 for a positive outcome, 0 otherwise. group: 0 for
 * the control candidate, 1, 2, ... for the test groups. position: the send
 * order within the listing, 1 for the first message. variant: the message
 * variant, numbered from 1. */
struct regress_obs {
	long cluster;
	int y;
	int group;
	int position;
	int variant;
};

/* Which covariates the design builder adds beside the group indicators. */
#define REGRESS_COV_POSITION 1u
#define REGRESS_COV_VARIANT 2u

enum regress_term { REGRESS_TERM_GROUP, REGRESS_TERM_POSITION, REGRESS_TERM_VARIANT,
		    REGRESS_TERM_OTHER };

/* A column of the design: an indicator of `level` of `term`, named
 * "group:L", "position:L" or "variant:L". */
struct regress_column {
	enum regress_term term;
	int level;
	char name[32];
};

/* The design: n rows in g clusters, k regressors. cluster[i] is in 0..g-1
 * (clusters numbered in increasing order of the listing id); x is row-major
 * (x[i*k + j]). No intercept: the fixed effects (LPM) and the strata
 * (clogit) absorb it. Fields are public so that a caller may fill a design
 * of its own after regress_design_alloc. */
struct regress_design {
	size_t n, g;
	int k;
	size_t *cluster;
	int *y;
	double *x;
	struct regress_column col[REGRESS_MAX_COEF];
};

/* Builds the design from n applications: an indicator per test group
 * present (reference: group 0, the control), and with the flags an
 * indicator per send position present beyond position 1 and per variant
 * present beyond variant 1. When no application has position 1 (variant 1),
 * the lowest level present is the reference. Levels are in increasing
 * order, groups first, then positions, then variants. Returns 1 on
 * success (free with regress_design_free); 0 with *why set to a static
 * sentence for invalid input (y not 0/1, a negative group, a position or
 * variant below 1, more than REGRESS_MAX_COEF columns, no memory), in which
 * case nothing needs freeing. */
int regress_design_build(const struct regress_obs *obs, size_t n, unsigned covariates,
			 struct regress_design *d, const char **why);
/* Allocates the arrays of an n-row, k-column design (zeroed; columns
 * named "x1".. with term REGRESS_TERM_OTHER) for callers that fill it
 * themselves; cluster[] must then hold 0..g-1 and g be set. Returns 0 when
 * k is out of range or memory is exhausted. */
int regress_design_alloc(struct regress_design *d, size_t n, int k);
void regress_design_free(struct regress_design *d);

/* The small-sample convention of the clustered variance of the LPM. Both
 * apply the factor G/(G-1) * (N-1)/(N-K) to the Liang-Zeger sandwich; they
 * differ in K:
 * - REGRESS_DOF_LSDV: K counts the G fixed effects as well as the slopes
 *   (the rank of the dummy-variable regression), exactly what R gives with
 *   lm(y ~ x + factor(listing)) and
 *   sandwich::vcovCL(fit, cluster = ~listing, type = "HC1"), and Stata's
 *   areg. With pairs N = 2G, so (N-1)/(N-K) is about 2: the variance is
 *   doubled although no degree of freedom is lost to fixed effects nested
 *   within the clusters (Cameron & Miller 2015, J Human Resources 50:317).
 * - REGRESS_DOF_NESTED: K counts the slopes only, because the fixed effects
 *   are nested in the clusters (Stata's xtreg, fe with vce(cluster)); in R,
 *   vcovCL(fit, cluster = ~listing, type = "HC0") * (N-1)/(N-K). With pairs
 *   and one test group its variance is that of the paired difference.
 *   The recommended choice for reports. */
enum regress_dof { REGRESS_DOF_NESTED, REGRESS_DOF_LSDV };

/* One coefficient. defined: est, se, lo and hi are numbers; otherwise they
 * are 0 and why says why. p_defined: stat and p are numbers (not when
 * se = 0). */
struct regress_coef {
	double est, se, stat, p, lo, hi;
	int defined, p_defined;
	const char *why;
};

/* A fit. ok: the model could be fitted (some coefficients may still be
 * undefined, e.g. aliased ones); otherwise why says why and no coefficient
 * is defined. vcov is k x k row-major (0 in the rows and columns of
 * undefined coefficients). */
struct regress_fit {
	int ok;
	const char *why;
	int k, rank;
	struct regress_coef coef[REGRESS_MAX_COEF];
	double vcov[REGRESS_MAX_COEF * REGRESS_MAX_COEF];
	/* Rows and clusters used: the LPM uses every row and cluster; the
	 * conditional logit only the strata with both outcomes. */
	size_t n_used, g_used;
	/* LPM: the small-sample factor applied and the t distribution's
	 * degrees of freedom (G-1) behind p and the interval. */
	double factor, df;
	/* Conditional logit: log-likelihood at beta = 0 and at the estimate,
	 * Newton-Raphson iterations, and whether it converged. */
	double loglik0, loglik;
	int iterations, converged;
};

/* Linear probability model y = x*beta + listing effect + e, fitted by
 * ordinary least squares after removing the fixed effects by
 * within-listing demeaning (Frisch-Waugh-Lovell: the slopes and residuals
 * equal those of the dummy-variable regression), with the cluster-robust
 * variance of Liang & Zeger (1986, Biometrika 73:13),
 *   V = c * (X'X)^-1 [sum_g (X_g'e_g)(X_g'e_g)'] (X'X)^-1  (demeaned X),
 * c = G/(G-1) * (N-1)/(N-K) with K as `dof` says. t = est/se, p and the
 * 1-alpha interval from Student's t with G-1 degrees of freedom (Stata's
 * convention for clustered errors; Cameron & Miller 2015).
 * A regressor without variation within listings, or a linear combination
 * of earlier ones, is aliased (undefined, as R's NA) and not counted in K.
 * Not ok when N = 0, G < 2, N <= K, or no regressor is left. */
void regress_lpm_fit(const struct regress_design *d, enum regress_dof dof, double alpha,
		     struct regress_fit *f);

/* Conditional logistic regression with the listings as strata: the exact
 * conditional likelihood of the positives given their number in each
 * listing (Breslow & Day 1980, ch. 7; R: survival::clogit, method
 * "exact"), for strata of any size, by the recursion of Gail, Lubin &
 * Rubinstein (1981, Biometrika 68:703) over the stratum's members, with
 * its first and second derivatives. Strata where all outcomes agree carry
 * no information and are left out. Fitted by Newton-Raphson from beta = 0
 * with step halving; SEs from the inverse information at the estimate;
 * z = est/se, p = 2*pnorm(-|z|), interval est -/+ qnorm(1-alpha/2)*se on the
 * log-odds scale. Not ok, with every coefficient undefined and why naming
 * the regressor, when a coefficient runs off to infinity (separation: e.g.
 * the control is never the only one invited) or the iteration does not
 * converge. Regressors aliased within the informative strata are undefined
 * and left out, as R's NA. The cost is O(size x positives x k^2) per
 * stratum; sums of products over a stratum of more than about a thousand
 * members overflow, and the fit then says the likelihood is not finite. */
void regress_clogit_fit(const struct regress_design *d, double alpha, struct regress_fit *f);

#endif
