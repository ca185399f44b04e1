/* test_cluster.c: stats/cluster.c against R (tests/r/cluster.R writes the
 * pairs to tests/fixtures/stats-cluster-data.tsv and lm() with
 * sandwich::vcovCL(type = "HC1") results to tests/fixtures/stats-cluster.tsv),
 * a hand computation, and the edge cases: one listing, no positive pair, no
 * variation, listings not grouped, invalid outcomes. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "tsv_fixture.h"

enum { R_SET, R_ILO, R_ALPHA, R_EST, R_SE, R_NAIVE, R_LO, R_HI, R_Z, R_P, R_PAIRS, R_CLUSTERS,
       R_COUNT };

/* The pairs of one data set of stats-cluster-data.tsv, in file order
 * (which groups each listing's pairs together). */
static size_t load_set(const char *name, struct cluster_pair *p, size_t max)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-cluster-data.tsv", &r);
	size_t n = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, 4);
		if (strcmp(r.f[0], name) != 0)
			continue;
		ck_assert_uint_lt(n, max);
		p[n].cluster = (long)tsv_num(&r, 1);
		p[n].pc = (int)tsv_num(&r, 2);
		p[n].pt = (int)tsv_num(&r, 3);
		n++;
	}
	fclose(fp);
	ck_assert_uint_gt(n, 0);
	return n;
}

START_TEST(agrees_with_r)
{
	static struct cluster_pair p[2000];
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-cluster.tsv", &r);
	int cases = 0, shared = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, R_COUNT);
		size_t n = load_set(r.f[R_SET], p, 2000);
		int ilo = (int)tsv_num(&r, R_ILO);
		struct cluster_net c;
		ck_assert_int_eq(cluster_net_rate(p, n, ilo, tsv_num(&r, R_ALPHA), &c), 1);
		ck_assert_uint_eq(c.pairs, (size_t)tsv_num(&r, R_PAIRS));
		ck_assert_uint_eq(c.clusters, (size_t)tsv_num(&r, R_CLUSTERS));
		const struct { int col, defined; double got; } m[] = {
			{ R_EST, c.est_defined, c.est }, { R_SE, c.defined, c.se },
			{ R_NAIVE, c.defined, c.se_naive }, { R_LO, c.defined, c.lo },
			{ R_HI, c.defined, c.hi }, { R_Z, c.defined, c.z }, { R_P, c.defined, c.p },
		};
		for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
			char what[96];
			snprintf(what, sizeof what, "%s ilo=%d column %d", r.f[R_SET], ilo, m[i].col);
			tsv_expect(&r, m[i].col, m[i].defined, m[i].got, what);
		}
		ck_assert_int_eq(c.why == NULL, c.defined);
		/* Two test groups sharing each control: the naive se is too small. */
		if (strcmp(r.f[R_SET], "shared2") == 0) {
			ck_assert(c.se > 1.15 * c.se_naive);
			shared++;
		}
		cases++;
	}
	fclose(fp);
	ck_assert_int_ge(cases, 28);
	ck_assert_int_eq(shared, 4);
}
END_TEST

/* By hand: listings 1 {(1,0), (1,1)}, 2 {(0,1)}, 3 {(1,0), (0,0)}, d =
 * (1, 0, -1, 1, 0). All pairs: est = 1/5 = 0.2, u = (0.8, -0.2, -1.2, 0.8,
 * -0.2), listing sums 0.6, -1.2, 0.6, so se = sqrt(3/2 * (0.36 + 1.44 +
 * 0.36))/5 = sqrt(3.24)/5 = 0.36; naive: sum u^2 = 2.8, sqrt(5/4 * 2.8)/5
 * = sqrt(3.5)/5. ILO: e = (1, 1, 1, 1, 0), est = 1/4, u = (0.75, -0.25,
 * -1.25, 0.75, 0), sums 0.5, -1.25, 0.75: se = sqrt(1.5 * (0.25 + 1.5625 +
 * 0.5625))/4 = sqrt(3.5625)/4. */
START_TEST(hand_example)
{
	const struct cluster_pair p[] = {
		{ 1, 1, 0 }, { 1, 1, 1 }, { 2, 0, 1 }, { 3, 1, 0 }, { 3, 0, 0 },
	};
	struct cluster_net c;
	ck_assert_int_eq(cluster_net_rate(p, 5, 0, 0.05, &c), 1);
	ck_assert(c.defined && c.clusters == 3 && c.pairs == 5);
	ck_assert(fabs(c.est - 0.2) < 1e-15);
	ck_assert(fabs(c.se - 0.36) < 1e-14);
	ck_assert(fabs(c.se_naive - sqrt(3.5) / 5) < 1e-14);
	ck_assert(fabs(c.z - 0.2 / 0.36) < 1e-12);
	ck_assert_int_eq(cluster_net_rate(p, 5, 1, 0.05, &c), 1);
	ck_assert(c.defined && fabs(c.est - 0.25) < 1e-15);
	ck_assert(fabs(c.se - sqrt(3.5625) / 4) < 1e-14);
}
END_TEST

/* One pair per listing: clustering changes nothing. */
START_TEST(singletons_equal_naive)
{
	const struct cluster_pair p[] = { { 4, 1, 0 }, { 8, 0, 0 }, { 2, 1, 1 }, { 9, 0, 1 }, { 1, 1, 0 } };
	struct cluster_net c;
	ck_assert_int_eq(cluster_net_rate(p, 5, 1, 0.05, &c), 1);
	ck_assert(c.defined && fabs(c.se - c.se_naive) < 1e-15);
}
END_TEST

START_TEST(edges)
{
	struct cluster_net c;
	/* No pairs. */
	ck_assert_int_eq(cluster_net_rate(NULL, 0, 1, 0.05, &c), 1);
	ck_assert(!c.defined && !c.est_defined);
	ck_assert_str_eq(c.why, CLUSTER_WHY_NO_PAIRS);
	/* One listing: the estimate, no se. */
	const struct cluster_pair one[] = { { 3, 1, 0 }, { 3, 1, 1 }, { 3, 0, 0 } };
	ck_assert_int_eq(cluster_net_rate(one, 3, 1, 0.05, &c), 1);
	ck_assert(!c.defined && c.est_defined && fabs(c.est - 0.5) < 1e-15);
	ck_assert_str_eq(c.why, CLUSTER_WHY_ONE_CLUSTER);
	ck_assert(!isnan(c.se) && !isnan(c.z) && !isnan(c.p));
	/* Nobody positive: no ILO rate; the all-pairs rate is 0 with se 0. */
	const struct cluster_pair none[] = { { 1, 0, 0 }, { 2, 0, 0 } };
	ck_assert_int_eq(cluster_net_rate(none, 2, 1, 0.05, &c), 1);
	ck_assert(!c.est_defined && !c.defined);
	ck_assert_str_eq(c.why, CLUSTER_WHY_NO_POSITIVE);
	ck_assert_int_eq(cluster_net_rate(none, 2, 0, 0.05, &c), 1);
	ck_assert(c.est_defined && c.est == 0 && !c.defined);
	ck_assert_str_eq(c.why, CLUSTER_WHY_NO_VARIATION);
	/* A listing whose pairs are split: refused, not counted twice. */
	const struct cluster_pair split[] = { { 1, 1, 0 }, { 2, 0, 1 }, { 1, 1, 1 } };
	ck_assert_int_eq(cluster_net_rate(split, 3, 0, 0.05, &c), 0);
	ck_assert_str_eq(c.why, CLUSTER_WHY_INVALID);
	/* Outcomes other than 0 and 1, and levels outside (0, 1). */
	const struct cluster_pair bad[] = { { 1, 2, 0 }, { 2, 0, 1 } };
	ck_assert_int_eq(cluster_net_rate(bad, 2, 0, 0.05, &c), 0);
	ck_assert_int_eq(cluster_net_rate(one, 3, 0, 0, &c), 0);
	ck_assert_int_eq(cluster_net_rate(one, 3, 0, 1, &c), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cluster");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, agrees_with_r);
	tcase_add_test(tc, hand_example);
	tcase_add_test(tc, singletons_equal_naive);
	tcase_add_test(tc, edges);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
