/* prop.c: a binomial proportion's intervals. */
#include <math.h>

#include "prop.h"
#include "rmath.h"
#include "banned.h"

double prop_z(double alpha)
{
	return qnorm(1.0 - alpha / 2.0, 0.0, 1.0, 1, 0);
}

int prop_wilson(double x, double n, double alpha, double *lo, double *hi)
{
	if (!(n > 0) || x < 0 || x > n)
		return 0;
	double z = prop_z(alpha), p = x / n, z2 = z * z;
	double centre = p + z2 / (2 * n);
	double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	double denom = 1 + z2 / n;
	*lo = (centre - half) / denom;
	*hi = (centre + half) / denom;
	/* Exact bounds at the edges, as R gives them (rounding would leave
	 * 1e-17 instead of 0). */
	if (x == 0)
		*lo = 0;
	if (x == n)
		*hi = 1;
	return 1;
}

int prop_clopper_pearson(double x, double n, double alpha, double *lo, double *hi)
{
	if (!(n > 0) || x < 0 || x > n)
		return 0;
	*lo = x == 0 ? 0 : qbeta(alpha / 2, x, n - x + 1, 1, 0);
	*hi = x == n ? 1 : qbeta(1 - alpha / 2, x + 1, n - x, 1, 0);
	return 1;
}
