/* test_multi.c: stats/multi.c against R (tests/r/multi.R writes
 * tests/fixtures/stats-padjust.tsv from p.adjust and
 * tests/fixtures/stats-cochran.tsv from Cochran's formula, checked there
 * against mcnemar.test for k = 2), and the edge cases: empty input, equal
 * p-values, invalid p-values, degenerate matrices. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multi.h"
#include "tsv_fixture.h"

/* Parses a comma-separated list of numbers into v (at most max). */
static size_t parse_list(const char *s, double *v, size_t max)
{
	size_t n = 0;
	while (*s) {
		char *end;
		ck_assert_uint_lt(n, max);
		v[n++] = strtod(s, &end);
		ck_assert(end != s);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

START_TEST(padjust_agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-padjust.tsv", &r);
	static double p[200], holm[200], bh[200], got[200];
	int sets = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, 4);
		size_t m = (size_t)tsv_num(&r, 0);
		ck_assert_uint_eq(parse_list(r.f[1], p, 200), m);
		ck_assert_uint_eq(parse_list(r.f[2], holm, 200), m);
		ck_assert_uint_eq(parse_list(r.f[3], bh, 200), m);
		ck_assert_int_eq(multi_holm(p, m, got), 1);
		for (size_t i = 0; i < m; i++)
			ck_assert_msg(tsv_close(got[i], holm[i]), "set %d holm[%zu]: got %.15g, R %.15g",
				      sets, i, got[i], holm[i]);
		ck_assert_int_eq(multi_bh(p, m, got), 1);
		for (size_t i = 0; i < m; i++)
			ck_assert_msg(tsv_close(got[i], bh[i]), "set %d bh[%zu]: got %.15g, R %.15g",
				      sets, i, got[i], bh[i]);
		/* In place, as the header allows. */
		ck_assert_int_eq(multi_holm(p, m, p), 1);
		for (size_t i = 0; i < m; i++)
			ck_assert(tsv_close(p[i], holm[i]));
		sets++;
	}
	fclose(fp);
	ck_assert_int_ge(sets, 10);
}
END_TEST

START_TEST(padjust_edges)
{
	double adj[3] = { 7, 7, 7 };
	/* Empty input: success, nothing written. */
	ck_assert_int_eq(multi_holm(NULL, 0, NULL), 1);
	ck_assert_int_eq(multi_bh(NULL, 0, NULL), 1);
	/* Out of range or NaN: refused, adj untouched. */
	const double bad[3] = { 0.1, 1.5, 0.2 };
	ck_assert_int_eq(multi_holm(bad, 3, adj), 0);
	ck_assert_int_eq(multi_bh(bad, 3, adj), 0);
	const double nan3[3] = { 0.1, NAN, 0.2 };
	ck_assert_int_eq(multi_holm(nan3, 3, adj), 0);
	const double neg[1] = { -0.01 };
	ck_assert_int_eq(multi_bh(neg, 1, adj), 0);
	ck_assert(adj[0] == 7 && adj[1] == 7 && adj[2] == 7);
}
END_TEST

START_TEST(cochran_agrees_with_r)
{
	struct tsv_row r;
	FILE *fp = tsv_open("tests/fixtures/stats-cochran.tsv", &r);
	static unsigned char x[4096];
	int cases = 0;
	while (tsv_next(fp, &r)) {
		ck_assert_int_eq(r.nf, 5);
		size_t n = (size_t)tsv_num(&r, 0), k = (size_t)tsv_num(&r, 1), len = 0;
		for (const char *s = r.f[2]; *s; s++) {
			if (*s == ',')
				continue;
			ck_assert_uint_lt(len, sizeof x);
			x[len++] = (unsigned char)(*s - '0');
		}
		ck_assert_uint_eq(len, n * k);
		double q = -1, p = -1;
		const char *why = "unset";
		int def = multi_cochran_q(x, n, k, &q, &p, &why);
		char what[64];
		snprintf(what, sizeof what, "case %d (n %zu, k %zu) Q", cases, n, k);
		tsv_expect(&r, 3, def, q, what);
		snprintf(what, sizeof what, "case %d (n %zu, k %zu) p", cases, n, k);
		tsv_expect(&r, 4, def, p, what);
		if (def)
			ck_assert(why == NULL);
		else
			ck_assert(why != NULL && q == 0 && p == 0);
		cases++;
	}
	fclose(fp);
	ck_assert_int_ge(cases, 12);
}
END_TEST

START_TEST(cochran_k2_is_mcnemar)
{
	/* k = 2: Q is the McNemar chi-square without correction,
	 * (b-c)^2/(b+c). Here a = 4, b = 7, c = 2, d = 3: Q = 25/9, and
	 * p = P(chi2_1 >= 25/9) = 0.0955807... (R: pchisq(25/9, 1,
	 * lower.tail = FALSE) = 0.0955807045). */
	unsigned char x[2 * 16];
	size_t i = 0;
	for (int j = 0; j < 4; j++) { x[i++] = 1; x[i++] = 1; }
	for (int j = 0; j < 7; j++) { x[i++] = 1; x[i++] = 0; }
	for (int j = 0; j < 2; j++) { x[i++] = 0; x[i++] = 1; }
	for (int j = 0; j < 3; j++) { x[i++] = 0; x[i++] = 0; }
	double q, p;
	ck_assert_int_eq(multi_cochran_q(x, 16, 2, &q, &p, NULL), 1);
	ck_assert(fabs(q - 25.0 / 9.0) < 1e-12);
	ck_assert(fabs(p - 0.0955807045) < 1e-9);
}
END_TEST

START_TEST(cochran_edges)
{
	double q = 9, p = 9;
	const char *why = NULL;
	/* No listings at all, k < 2, an entry that is not 0/1. */
	ck_assert_int_eq(multi_cochran_q(NULL, 0, 3, &q, &p, &why), 0);
	ck_assert(why != NULL && q == 0 && p == 0);
	unsigned char one[3] = { 1, 0, 1 };
	ck_assert_int_eq(multi_cochran_q(one, 3, 1, &q, &p, &why), 0);
	ck_assert(why != NULL);
	unsigned char two[2] = { 1, 2 };
	ck_assert_int_eq(multi_cochran_q(two, 1, 2, &q, &p, &why), 0);
	ck_assert(strstr(why, "0 or 1") != NULL);
	/* All rows all-equal: undefined, not NaN. */
	unsigned char eq[6] = { 1, 1, 1, 0, 0, 0 };
	ck_assert_int_eq(multi_cochran_q(eq, 2, 3, &q, &p, &why), 0);
	ck_assert(!isnan(q) && !isnan(p));
}
END_TEST

/* Empty input may come with null arrays (nothing was allocated for zero
 * items); qsort with a null base is undefined behaviour even for zero
 * elements, so the adjustments must not hand it to qsort (UBSan's
 * nonnull-attribute check aborts the sanitizer build if they do). One
 * p-value is its own adjustment. */
START_TEST(empty_input_null_base)
{
	ck_assert_int_eq(multi_holm(NULL, 0, NULL), 1);
	ck_assert_int_eq(multi_bh(NULL, 0, NULL), 1);
	double q = -1, p = -1;
	const char *why = NULL;
	ck_assert_int_eq(multi_cochran_q(NULL, 0, 3, &q, &p, &why), 0);
	ck_assert(q == 0 && p == 0 && why != NULL);
	double one = 0.03, adj = -1;
	ck_assert_int_eq(multi_holm(&one, 1, &adj), 1);
	ck_assert(adj == 0.03);
	ck_assert_int_eq(multi_bh(&one, 1, &adj), 1);
	ck_assert(adj == 0.03);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multi");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, padjust_agrees_with_r);
	tcase_add_test(tc, padjust_edges);
	tcase_add_test(tc, cochran_agrees_with_r);
	tcase_add_test(tc, cochran_k2_is_mcnemar);
	tcase_add_test(tc, cochran_edges);
	tcase_add_test(tc, empty_input_null_base);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
