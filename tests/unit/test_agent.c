/* test_agent.c: stats/agent.c against R (tests/r/agent.R writes
 * tests/fixtures/stats-agent.tsv from binom.test and p.adjust), with the
 * flag rule of agent.h, and the edge cases: no agents, no agent tested,
 * b+c = 1, equal p-values, counts of 10^7, invalid input. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"
#include "tsv_fixture.h"

enum {
	F_SET, F_B, F_C, F_LISTINGS, F_TESTED, F_P, F_PG, F_HOLM, F_BH, F_FLAG_HOLM, F_FLAG_BH,
	F_COUNT
};

#define MAXA 64

/* Runs agent_analyse on one set from the fixture and checks every line. */
static void check_set(struct tsv_row *rows, size_t m, int set)
{
	struct agent_counts in[MAXA];
	struct agent_result out[MAXA];
	for (size_t i = 0; i < m; i++) {
		in[i].b = (long)tsv_num(&rows[i], F_B);
		in[i].c = (long)tsv_num(&rows[i], F_C);
		in[i].listings = (long)tsv_num(&rows[i], F_LISTINGS);
	}
	for (int rule = AGENT_FLAG_HOLM; rule <= AGENT_FLAG_BH; rule++) {
		int nflag = agent_analyse(in, m, 0.05, (enum agent_flag_rule)rule, out);
		ck_assert_int_ge(nflag, 0);
		int count = 0;
		for (size_t i = 0; i < m; i++) {
			const struct tsv_row *r = &rows[i];
			const struct agent_result *a = &out[i];
			char what[64];
			ck_assert_int_eq(a->b, in[i].b);
			ck_assert_int_eq(a->listings, in[i].listings);
			ck_assert_int_eq(a->tested, (int)tsv_num(r, F_TESTED));
			ck_assert_int_eq(a->note != NULL, !a->tested);
			snprintf(what, sizeof what, "set %d agent %zu p_exact", set, i);
			tsv_expect(r, F_P, a->tested, a->p_exact, what);
			snprintf(what, sizeof what, "set %d agent %zu p_greater", set, i);
			tsv_expect(r, F_PG, a->tested, a->p_greater, what);
			snprintf(what, sizeof what, "set %d agent %zu p_holm", set, i);
			tsv_expect(r, F_HOLM, a->tested, a->p_holm, what);
			snprintf(what, sizeof what, "set %d agent %zu p_bh", set, i);
			tsv_expect(r, F_BH, a->tested, a->p_bh, what);
			int want = (int)tsv_num(r, rule == AGENT_FLAG_HOLM ? F_FLAG_HOLM : F_FLAG_BH);
			ck_assert_msg(a->flagged == want, "set %d agent %zu rule %d: flagged %d", set,
				      i, rule, a->flagged);
			count += a->flagged;
		}
		ck_assert_int_eq(nflag, count);
	}
}

START_TEST(agrees_with_r)
{
	/* All lines first (a row's fields point into its own line, so rows
	 * are never copied), then each set, whose lines are consecutive. */
	static struct tsv_row rows[256];
	struct tsv_row hdr;
	FILE *fp = tsv_open("tests/fixtures/stats-agent.tsv", &hdr);
	size_t n = 0;
	while (n < 256 && tsv_next(fp, &rows[n])) {
		ck_assert_int_eq(rows[n].nf, F_COUNT);
		n++;
	}
	ck_assert_uint_lt(n, 256);
	fclose(fp);
	int sets = 0;
	for (size_t i = 0; i < n;) {
		int set = (int)tsv_num(&rows[i], F_SET);
		size_t j = i;
		while (j < n && (int)tsv_num(&rows[j], F_SET) == set)
			j++;
		ck_assert_uint_le(j - i, MAXA);
		check_set(&rows[i], j - i, set);
		sets++;
		i = j;
	}
	ck_assert_int_ge(sets, 8);
}
END_TEST

START_TEST(binom_by_hand)
{
	/* b = 9, c = 0: two-sided 2 * 0.5^9 = 0.00390625; one-sided 0.5^9.
	 * b = 0, c = 9: two-sided the same; P(X >= 0) = 1. */
	double p;
	ck_assert_int_eq(agent_binom_two_sided(9, 0, &p), 1);
	ck_assert(fabs(p - 0.00390625) < 1e-15);
	ck_assert_int_eq(agent_binom_greater(9, 0, &p), 1);
	ck_assert(fabs(p - 0.001953125) < 1e-15);
	ck_assert_int_eq(agent_binom_two_sided(0, 9, &p), 1);
	ck_assert(fabs(p - 0.00390625) < 1e-15);
	ck_assert_int_eq(agent_binom_greater(0, 9, &p), 1);
	ck_assert(p == 1.0);
	/* b + c = 1: p = 1 both ways round; b = c: 1. */
	ck_assert_int_eq(agent_binom_two_sided(1, 0, &p), 1);
	ck_assert(p == 1.0);
	ck_assert_int_eq(agent_binom_two_sided(4, 4, &p), 1);
	ck_assert(p == 1.0);
	/* b + c = 0 or negative: undefined, p = 0 (not NaN). */
	ck_assert_int_eq(agent_binom_two_sided(0, 0, &p), 0);
	ck_assert(p == 0.0);
	ck_assert_int_eq(agent_binom_greater(-1, 3, &p), 0);
	ck_assert_int_eq(agent_binom_two_sided(LONG_MAX, 1, &p), 0);
	ck_assert_int_eq(agent_binom_greater(1, LONG_MAX, &p), 0);
	/* Counts of 10^7, nearly balanced: finite, in (0, 1], and fast. */
	ck_assert_int_eq(agent_binom_two_sided(5000100, 4999900, &p), 1);
	/* R: binom.test(5000100, 10^7)$p.value = 0.949822783211. */
	ck_assert(fabs(p - 0.949822783211) < 1e-9);
}
END_TEST

START_TEST(edges)
{
	struct agent_result out[3];
	/* No agents. */
	ck_assert_int_eq(agent_analyse(NULL, 0, 0.05, AGENT_FLAG_HOLM, NULL), 0);
	/* Invalid input: b + c > listings, negative, bad alpha or rule. */
	struct agent_counts bad[1] = { { 3, 2, 4 } };
	ck_assert_int_eq(agent_analyse(bad, 1, 0.05, AGENT_FLAG_HOLM, out), -1);
	ck_assert_int_eq(out[0].tested, 0);
	struct agent_counts neg[1] = { { -1, 2, 4 } };
	ck_assert_int_eq(agent_analyse(neg, 1, 0.05, AGENT_FLAG_HOLM, out), -1);
	struct agent_counts ok[1] = { { 1, 2, 4 } };
	ck_assert_int_eq(agent_analyse(ok, 1, 0.0, AGENT_FLAG_HOLM, out), -1);
	ck_assert_int_eq(agent_analyse(ok, 1, 0.05, (enum agent_flag_rule)7, out), -1);
	/* A significant agent favouring the test candidate is not flagged. */
	struct agent_counts rev[1] = { { 0, 12, 12 } };
	ck_assert_int_eq(agent_analyse(rev, 1, 0.05, AGENT_FLAG_HOLM, out), 0);
	ck_assert(out[0].p_holm < 0.05 && !out[0].flagged);
}
END_TEST

/* No agent tested on two listings: nothing to adjust, nothing flagged, and
 * the null arrays are never sorted. */
START_TEST(no_agents_null_base)
{
	ck_assert_int_eq(agent_analyse(NULL, 0, 0.05, AGENT_FLAG_HOLM, NULL), 0);
	ck_assert_int_eq(agent_analyse(NULL, 0, 0.05, AGENT_FLAG_BH, NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, agrees_with_r);
	tcase_add_test(tc, binom_by_hand);
	tcase_add_test(tc, edges);
	tcase_add_test(tc, no_agents_null_base);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
