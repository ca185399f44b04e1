/* cluster.h: the net rate of pairs pooled over test groups that share a
 * control. When a listing is written by the control and by two or more
 * test candidates, its pairs (control, test 1), (control, test 2) share the
 * control's outcome and are not independent: the standard error of the
 * pooled net rate must be clustered by listing (METHOD.md "More measures
 * the reports need"; Liang & Zeger 1986, Biometrika 73:13; Cameron & Miller
 * 2015, J Human Resources 50:317). Pure: pairs in, numbers out, no I/O. */
#ifndef CT_STATS_CLUSTER_H
#define CT_STATS_CLUSTER_H

#include <stddef.h>

#define CLUSTER_WHY_INVALID "invalid input (outcome not 0 or 1, alpha outside (0, 1), or pairs not grouped by listing)"
#define CLUSTER_WHY_MEMORY "out of memory"
#define CLUSTER_WHY_NO_PAIRS "no pairs: the net rate is undefined"
#define CLUSTER_WHY_NO_POSITIVE "no pair with a positive outcome: the ILO net rate is undefined"
#define CLUSTER_WHY_ONE_CLUSTER "all pairs come from one listing: a clustered standard error needs at least 2"
#define CLUSTER_WHY_NO_VARIATION \
	"every pair has the same difference from the net rate (standard error 0): no interval or test"

struct cluster_pair { long cluster; int pc, pt; };  /* listing, control positive, test positive */

struct cluster_net {
	int defined;      /* est and se with se > 0, and so lo, hi, z, p */
	int est_defined;  /* est alone: sum(e) > 0 (shown even when se is not) */
	size_t pairs, clusters;
	double est;       /* sum(pc - pt) / sum(e); e = 1 for the all-pairs rate, e = (pc || pt) for the ILO rate */
	double se;        /* clustered by listing, CR1: sqrt(G/(G-1) * sum_g (sum_{i in g} u_i)^2) / sum(e), u_i = (pc_i - pt_i) - est * e_i */
	double se_naive;  /* the same with every pair its own cluster (what treating pairs as independent gives) */
	double lo, hi;    /* est -/+ qnorm(1 - alpha/2) * se */
	double z, p;      /* est / se, two-sided normal p */
	const char *why;  /* static, when not defined: CLUSTER_WHY_* */
};

/* The pooled net rate with its listing-clustered standard error. The
 * all-pairs rate (b-c)/N is the intercept of the regression of d = pc - pt
 * on a constant, the ILO rate (b-c)/(a+b+c) the slope of d on e = (pc ||
 * pt) through the origin (a pair with e = 0 has d = 0); se is the
 * cluster-robust (sandwich) standard error of that coefficient with the
 * CR1 small-sample factor G/(G-1) * (N-1)/(N-K), which with K = 1
 * regressor is G/(G-1): R's sandwich::vcovCL(fit, cluster = ~listing,
 * type = "HC1") (tests/r/cluster.R checks that the two agree). G counts
 * every listing given, also one whose pairs are all negative. se_naive is
 * the same with G = N one-pair clusters, factor N/(N-1) (vcovCL with
 * cluster = ~pair, i.e. HC1). Normal interval and test, as the other
 * paired measures; with few listings a t with G-1 df would be more
 * cautious (Cameron & Miller 2015, VI).
 *
 * pairs must come grouped by cluster (consecutive equal cluster values);
 * ilo: 1 for the ILO rate (b-c)/(a+b+c), 0 for (b-c)/N. Returns 1 when the
 * input is valid (the result may still be undefined: out->why says why),
 * 0 when pc or pt is not 0 or 1, alpha is outside (0, 1), a listing's
 * pairs are not consecutive, or memory runs out (out->why says which). */
int cluster_net_rate(const struct cluster_pair *p, size_t n, int ilo, double alpha, struct cluster_net *out);

#endif
