/* prop.h: one binomial proportion and its intervals; shared by the paired
 * and unpaired measures. Pure functions: counts in, numbers out. */
#ifndef CT_PROP_H
#define CT_PROP_H

/* z = the 1 - alpha/2 quantile of the standard normal (R: qnorm). */
double prop_z(double alpha);

/* Wilson score interval for x successes out of n, without continuity
 * correction (Wilson 1927; Newcombe 1998, Stat Med 17:857, method 3;
 * R: prop.test(x, n, correct = FALSE)$conf.int). Returns 0 when n <= 0. */
int prop_wilson(double x, double n, double alpha, double *lo, double *hi);

/* Clopper-Pearson exact interval (R: binom.test(x, n)$conf.int), from
 * beta quantiles. Returns 0 when n <= 0. */
int prop_clopper_pearson(double x, double n, double alpha, double *lo, double *hi);

#endif
