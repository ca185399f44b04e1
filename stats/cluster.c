/* cluster.c: the pooled net rate with listing-clustered standard errors.
 * Sources in cluster.h. */
#include <math.h>
#include <stdlib.h>

#include "cluster.h"
#include "prop.h"
#include "prop.h"
#include "rmath.h"
#include "banned.h"

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* 1 when no listing appears in two separate runs of p. A listing split
 * in two would be counted as two clusters and its pairs taken as
 * independent, the very error this module is for; so the first id of every
 * run is sorted and checked for repeats (O(G log G) on a copy). Sets *why
 * and returns 0 otherwise. */
static int grouped(const struct cluster_pair *p, size_t n, size_t runs, const char **why)
{
	long *id = malloc((runs ? runs : 1) * sizeof *id);
	if (!id) {
		*why = CLUSTER_WHY_MEMORY;
		return 0;
	}
	size_t g = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || p[i].cluster != p[i - 1].cluster)
			id[g++] = p[i].cluster;
	qsort(id, g, sizeof *id, cmp_long);
	int ok = 1;
	for (size_t i = 1; i < g && ok; i++)
		ok = id[i] != id[i - 1];
	free(id);
	if (!ok)
		*why = CLUSTER_WHY_INVALID;
	return ok;
}

int cluster_net_rate(const struct cluster_pair *p, size_t n, int ilo, double alpha, struct cluster_net *out)
{
	static const struct cluster_net zero;
	*out = zero;
	if (!(alpha > 0 && alpha < 1)) {
		out->why = CLUSTER_WHY_INVALID;
		return 0;
	}
	/* Sums of integers stay exact in doubles up to 2^53 pairs. */
	double sd = 0.0, se = 0.0;
	size_t g = 0;
	for (size_t i = 0; i < n; i++) {
		if ((p[i].pc != 0 && p[i].pc != 1) || (p[i].pt != 0 && p[i].pt != 1)) {
			out->why = CLUSTER_WHY_INVALID;
			return 0;
		}
		if (i == 0 || p[i].cluster != p[i - 1].cluster)
			g++;
		sd += p[i].pc - p[i].pt;
		se += ilo ? (p[i].pc || p[i].pt) : 1;
	}
	out->pairs = n;
	out->clusters = g;
	if (!grouped(p, n, g, &out->why))
		return 0;
	if (n == 0) {
		out->why = CLUSTER_WHY_NO_PAIRS;
		return 1;
	}
	if (se == 0) {
		out->why = CLUSTER_WHY_NO_POSITIVE;
		return 1;
	}
	out->est = sd / se;
	out->est_defined = 1;
	if (g < 2) {
		out->why = CLUSTER_WHY_ONE_CLUSTER;
		return 1;
	}
	/* The meat of the sandwich: the squared sums of the scores u_i over
	 * each listing, and over each pair alone for the naive variance. */
	double meat = 0.0, naive = 0.0, sum_g = 0.0;
	for (size_t i = 0; i < n; i++) {
		double e = ilo ? (p[i].pc || p[i].pt) : 1;
		double u = (p[i].pc - p[i].pt) - out->est * e;
		sum_g += u;
		naive += u * u;
		if (i + 1 == n || p[i + 1].cluster != p[i].cluster) {
			meat += sum_g * sum_g;
			sum_g = 0.0;
		}
	}
	double G = (double)g, N = (double)n;
	out->se = sqrt(G / (G - 1) * meat) / se;
	out->se_naive = sqrt(N / (N - 1) * naive) / se;
	/* Every u_i is 0, exactly, when all pairs with e = 1 have the same d
	 * (e.g. every positive pair favours the control, or no pair is
	 * discordant): est is then that d, the se is 0 and a test would divide
	 * by it. */
	if (meat == 0) {
		out->why = CLUSTER_WHY_NO_VARIATION;
		return 1;
	}
	double q = prop_z(alpha);
	out->lo = out->est - q * out->se;
	out->hi = out->est + q * out->se;
	out->z = out->est / out->se;
	out->p = 2 * pnorm(-fabs(out->z), 0, 1, 1, 0);
	out->defined = 1;
	return 1;
}
