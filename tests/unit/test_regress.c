/* test_regress.c: stats/regress.c against R and against hand-computed
 * identities. R: tests/r/regress.R simulated the applications in
 * tests/fixtures/stats-regress-data.tsv and fitted them with lm() +
 * sandwich::vcovCL() and survival::clogit(); the results are in
 * tests/fixtures/stats-regress-results.tsv and must be matched to 6
 * significant digits. By hand: with pairs and the test indicator alone the
 * LPM slope is (c-b)/N (METHOD.md: beta = -Delta) and the conditional
 * logit's is log(c/b) with SE sqrt(1/b + 1/c). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"

#define DATA "tests/fixtures/stats-regress-data.tsv"
#define RESULTS "tests/fixtures/stats-regress-results.tsv"

/* Agreement to 6 significant digits: relative 1e-6, or absolute 1e-9 near
 * zero. */
static int close6(double got, double want)
{
	return fabs(got - want) <= 1e-6 * fabs(want) || fabs(got - want) <= 1e-9;
}

#define EXPECT_CLOSE(got, want, what)                                                    \
	ck_assert_msg(close6((got), (want)), "%s: got %.12g, want %.12g", (what), (got), \
		      (want))

/* Pairs with the cell counts of METHOD.md: a both positive, b control only,
 * c test only, d neither. Listing ids 0..N-1; the control writes first in
 * even listings, second in odd ones. */
static struct regress_obs *pairs_obs(long a, long b, long c, long d, size_t *n)
{
	long N = a + b + c + d;
	struct regress_obs *o = malloc(sizeof *o * (size_t)(2 * N + 1));
	ck_assert_ptr_nonnull(o);
	long l = 0;
	const long cells[4] = { a, b, c, d };
	for (int cell = 0; cell < 4; cell++)
		for (long i = 0; i < cells[cell]; i++, l++) {
			int yc = cell == 0 || cell == 1, yt = cell == 0 || cell == 2;
			int first = l % 2 == 0;
			o[2 * l] = (struct regress_obs){ l, yc, 0, first ? 1 : 2, 1 };
			o[2 * l + 1] = (struct regress_obs){ l, yt, 1, first ? 2 : 1, 2 };
		}
	*n = (size_t)(2 * N);
	return o;
}

static void lpm_pairs_identity(long a, long b, long c, long d)
{
	size_t n;
	struct regress_obs *o = pairs_obs(a, b, c, d, &n);
	struct regress_design des;
	const char *why = NULL;
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	ck_assert_int_eq(des.k, 1);
	ck_assert_str_eq(des.col[0].name, "group:1");
	double N = (double)(a + b + c + d);
	/* Within a pair the demeaned test indicator is +-1/2 and the
	 * demeaned outcome (y_T - y_C)/2 = D/2, so the slope is
	 * sum(D/4) / (N/2) = (c-b)/N. Each pair's score is (D - beta)/2, so
	 * the sandwich is sum (D-beta)^2 / N^2 = ((b+c) - (c-b)^2/N) / N^2. */
	double beta = (double)(c - b) / N;
	double v0 = ((double)(b + c) - (double)(c - b) * (double)(c - b) / N) / (N * N);
	/* K = 1 slope (nested) or 1 + N (LSDV, the N pair dummies), with 2N
	 * applications in N clusters. */
	double f_nested = N / (N - 1) * (2 * N - 1) / (2 * N - 1);
	double f_lsdv = N / (N - 1) * (2 * N - 1) / (2 * N - (N + 1));
	struct regress_fit f;
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert(f.ok);
	ck_assert(f.coef[0].defined);
	EXPECT_CLOSE(f.coef[0].est, beta, "nested beta");
	EXPECT_CLOSE(f.factor, f_nested, "nested factor");
	EXPECT_CLOSE(f.coef[0].se, sqrt(f_nested * v0), "nested se");
	regress_lpm_fit(&des, REGRESS_DOF_LSDV, 0.05, &f);
	ck_assert(f.ok);
	EXPECT_CLOSE(f.coef[0].est, beta, "lsdv beta");
	EXPECT_CLOSE(f.factor, f_lsdv, "lsdv factor");
	EXPECT_CLOSE(f.coef[0].se, sqrt(f_lsdv * v0), "lsdv se");
	ck_assert(f.df == N - 1);
	regress_design_free(&des);
	free(o);
}

START_TEST(lpm_pairs_by_hand)
{
	/* beta = (5-20)/100 = -0.15 = -Delta. */
	lpm_pairs_identity(30, 20, 5, 45);
	lpm_pairs_identity(7, 2, 9, 12);
	lpm_pairs_identity(0, 1, 0, 3);
	/* 200,000 pairs, 400,000 applications: nothing of size N x N. */
	lpm_pairs_identity(50000, 70000, 30000, 50000);
}
END_TEST

static void clogit_pairs_identity(long a, long b, long c, long d)
{
	size_t n;
	struct regress_obs *o = pairs_obs(a, b, c, d, &n);
	struct regress_design des;
	const char *why = NULL;
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	struct regress_fit f;
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert_msg(f.ok, "%s", f.why ? f.why : "");
	ck_assert(f.converged);
	/* Only the b + c discordant pairs inform: each contributes
	 * e^beta/(1+e^beta) (test chosen) or 1/(1+e^beta), so the maximum is
	 * at e^beta = c/b, the information is b c/(b+c), and the
	 * log-likelihood b log(b/(b+c)) + c log(c/(b+c)); at beta = 0 it is
	 * (b+c) log(1/2). */
	double B = (double)b, C = (double)c;
	ck_assert_uint_eq(f.g_used, (size_t)(b + c));
	ck_assert_uint_eq(f.n_used, (size_t)(2 * (b + c)));
	EXPECT_CLOSE(f.coef[0].est, log(C / B), "beta");
	EXPECT_CLOSE(f.coef[0].se, sqrt(1 / B + 1 / C), "se");
	double z = log(C / B) / sqrt(1 / B + 1 / C);
	EXPECT_CLOSE(f.coef[0].stat, z, "z");
	EXPECT_CLOSE(f.coef[0].p, erfc(fabs(z) / sqrt(2.0)), "p");
	EXPECT_CLOSE(f.loglik, B * log(B / (B + C)) + C * log(C / (B + C)), "loglik");
	EXPECT_CLOSE(f.loglik0, (B + C) * log(0.5), "loglik0");
	/* 95% interval on the log-odds scale: beta -/+ 1.959963984540054 se. */
	EXPECT_CLOSE(f.coef[0].lo, log(C / B) - 1.959963984540054 * sqrt(1 / B + 1 / C), "lo");
	regress_design_free(&des);
	free(o);
}

START_TEST(clogit_pairs_by_hand)
{
	clogit_pairs_identity(30, 20, 5, 45);
	clogit_pairs_identity(7, 2, 9, 12);
	clogit_pairs_identity(0, 1, 1, 0);
	clogit_pairs_identity(50000, 70000, 30000, 50000);
}
END_TEST

START_TEST(clogit_triple_by_hand)
{
	/* One listing, three candidates (x = 0, 1, 2 on one regressor), two
	 * positives: the ones with x = 1 and x = 2; and a second listing with
	 * the same candidates, where x = 0 and x = 2 are positive. The
	 * 2-subsets have sums 1, 2, 3, so with t = e^beta the likelihood is
	 * t^3/(t+t^2+t^3) * t^2/(t+t^2+t^3) = t^3 / (1+t+t^2)^2; d log L /
	 * d beta = 3 - 2 (t + 2t^2)/(1+t+t^2) = 0 gives t^2 - t - 3 = 0,
	 * t = (1 + sqrt(13))/2. The information is 2 Var(sum), with the
	 * subset sums 1, 2, 3 weighted t, t^2, t^3. */
	struct regress_obs o[6];
	for (int l = 0; l < 2; l++)
		for (int i = 0; i < 3; i++)
			o[3 * l + i] = (struct regress_obs){ 10 + l, 0, i, 1, 1 };
	o[1].y = o[2].y = 1;
	o[3].y = o[5].y = 1;
	/* Groups 1 and 2 as indicators would be two regressors; build the
	 * one-regressor design by hand instead. */
	struct regress_design des;
	ck_assert(regress_design_alloc(&des, 6, 1));
	des.g = 2;
	for (size_t i = 0; i < 6; i++) {
		des.cluster[i] = i / 3;
		des.y[i] = o[i].y;
		des.x[i] = o[i].group;
	}
	struct regress_fit f;
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(f.ok);
	double t = (1 + sqrt(13.0)) / 2;
	double w1 = t, w2 = t * t, w3 = t * t * t, W = w1 + w2 + w3;
	double m = (w1 + 2 * w2 + 3 * w3) / W;
	double var = (w1 + 4 * w2 + 9 * w3) / W - m * m;
	EXPECT_CLOSE(f.coef[0].est, log(t), "beta");
	EXPECT_CLOSE(f.coef[0].se, sqrt(1 / (2 * var)), "se");
	EXPECT_CLOSE(f.loglik, log(w3 / W) + log(w2 / W), "loglik");
	EXPECT_CLOSE(f.loglik0, 2 * log(1.0 / 3), "loglik0");
	regress_design_free(&des);
}
END_TEST

START_TEST(clogit_separation)
{
	/* b = 0: the control is never the only one invited, so the
	 * likelihood c log(t/(1+t)) rises towards 0 as beta -> infinity: no
	 * estimate, and the fit says so instead of printing a huge number. */
	size_t n;
	struct regress_obs *o = pairs_obs(10, 0, 7, 20, &n);
	struct regress_design des;
	const char *why = NULL;
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	struct regress_fit f;
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(!f.ok);
	ck_assert(!f.converged);
	ck_assert_ptr_nonnull(f.why);
	ck_assert_ptr_nonnull(strstr(f.why, "separation"));
	ck_assert(!f.coef[0].defined);
	ck_assert_ptr_nonnull(strstr(f.coef[0].why, "infinity"));
	ck_assert(f.coef[0].est == 0 && f.coef[0].se == 0);
	ck_assert(!isnan(f.loglik));
	/* The LPM is still defined there: beta = 7/37. */
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert(f.ok);
	EXPECT_CLOSE(f.coef[0].est, 7.0 / 37, "lpm beta");
	regress_design_free(&des);
	free(o);

	/* Separation on a covariate alongside a finite test effect: whenever
	 * the outcomes differ, the first writer is the one invited. */
	o = pairs_obs(5, 6, 4, 5, &n);
	for (size_t i = 0; i < n; i += 2) {
		if (o[i].y == o[i + 1].y)
			continue;
		o[i].position = o[i].y ? 1 : 2;
		o[i + 1].position = o[i + 1].y ? 1 : 2;
	}
	ck_assert(regress_design_build(o, n, REGRESS_COV_POSITION, &des, &why));
	ck_assert_int_eq(des.k, 2);
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(!f.ok);
	ck_assert(!f.coef[0].defined && !f.coef[1].defined);
	ck_assert_ptr_nonnull(strstr(f.coef[1].why, "infinity"));
	regress_design_free(&des);
	free(o);
}
END_TEST

START_TEST(undefined_fits)
{
	struct regress_design des;
	struct regress_fit f;
	const char *why = NULL;
	/* N = 0. */
	ck_assert(regress_design_build(NULL, 0, REGRESS_COV_POSITION, &des, &why));
	ck_assert_int_eq(des.k, 0);
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert(!f.ok);
	ck_assert_ptr_nonnull(f.why);
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(!f.ok);
	regress_design_free(&des);

	/* Only concordant pairs (b = c = 0): the LPM slope is 0 with SE 0
	 * (defined, but no test statistic); the conditional logit has no
	 * informative listing. */
	size_t n;
	struct regress_obs *o = pairs_obs(3, 0, 0, 4, &n);
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	regress_lpm_fit(&des, REGRESS_DOF_LSDV, 0.05, &f);
	ck_assert(f.ok);
	ck_assert(f.coef[0].defined);
	ck_assert(f.coef[0].est == 0 && f.coef[0].se == 0);
	ck_assert(!f.coef[0].p_defined);
	ck_assert(!isnan(f.coef[0].stat));
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(!f.ok);
	ck_assert_uint_eq(f.g_used, 0);
	ck_assert(!f.coef[0].defined);
	ck_assert_ptr_nonnull(f.coef[0].why);
	regress_design_free(&des);
	free(o);

	/* One listing: no clustered variance. */
	o = pairs_obs(0, 1, 0, 0, &n);
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert(!f.ok);
	regress_design_free(&des);
	free(o);

	/* A bad alpha, and a caller-filled design with a cluster index out
	 * of range, are refused rather than read out of bounds. */
	o = pairs_obs(2, 3, 1, 0, &n);
	ck_assert(regress_design_build(o, n, 0, &des, &why));
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 1.5, &f);
	ck_assert(!f.ok);
	regress_clogit_fit(&des, 0, &f);
	ck_assert(!f.ok);
	des.cluster[3] = des.g;
	regress_lpm_fit(&des, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert(!f.ok);
	ck_assert_ptr_nonnull(strstr(f.why, "cluster"));
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(!f.ok);
	regress_design_free(&des);
	free(o);

	/* Invalid input. */
	struct regress_obs bad = { 1, 2, 0, 1, 1 };
	ck_assert(!regress_design_build(&bad, 1, 0, &des, &why));
	ck_assert_ptr_nonnull(why);
	bad = (struct regress_obs){ 1, 1, -1, 1, 1 };
	ck_assert(!regress_design_build(&bad, 1, 0, &des, &why));
	bad = (struct regress_obs){ 1, 1, 0, 0, 1 };
	ck_assert(!regress_design_build(&bad, 1, 0, &des, &why));
}
END_TEST

START_TEST(aliased_regressor)
{
	/* The variant is the same for both candidates of a listing (1 in
	 * even listings, 2 in odd ones): it does not vary within listings, so
	 * it is aliased with the fixed effects (R: NA) and the test
	 * coefficient is that of the model without it. */
	size_t n;
	struct regress_obs *o = pairs_obs(12, 9, 4, 10, &n);
	for (size_t i = 0; i < n; i++)
		o[i].variant = (int)(o[i].cluster % 2) + 1;
	struct regress_design des;
	const char *why = NULL;
	ck_assert(regress_design_build(o, n, REGRESS_COV_VARIANT, &des, &why));
	ck_assert_int_eq(des.k, 2);
	ck_assert_str_eq(des.col[1].name, "variant:2");
	struct regress_fit f;
	regress_lpm_fit(&des, REGRESS_DOF_LSDV, 0.05, &f);
	ck_assert(f.ok);
	ck_assert_int_eq(f.rank, 1);
	ck_assert(f.coef[0].defined);
	ck_assert(!f.coef[1].defined);
	ck_assert_ptr_nonnull(strstr(f.coef[1].why, "aliased"));
	EXPECT_CLOSE(f.coef[0].est, (4.0 - 9.0) / 35, "beta");
	/* K = 1 + G: the aliased column is not counted. */
	EXPECT_CLOSE(f.factor, 35.0 / 34 * 69.0 / (70 - 36), "factor");
	regress_clogit_fit(&des, 0.05, &f);
	ck_assert(f.ok);
	ck_assert(!f.coef[1].defined);
	EXPECT_CLOSE(f.coef[0].est, log(4.0 / 9.0), "clogit beta");
	regress_design_free(&des);
	free(o);
}
END_TEST

/* ---- against R ------------------------------------------------------ */

struct dataset {
	char name[32];
	struct regress_obs *obs;
	size_t n, cap;
};

static struct dataset sets[8];
static int nsets;

static void load_data(void)
{
	FILE *fp = fopen(DATA, "r");
	ck_assert_msg(fp != NULL, "cannot open %s (run from the repository root)", DATA);
	char line[256], name[32];
	ck_assert(fgets(line, sizeof line, fp) != NULL); /* header */
	while (fgets(line, sizeof line, fp)) {
		struct regress_obs o;
		ck_assert_int_eq(sscanf(line, "%31s %ld %d %d %d %d", name, &o.cluster, &o.y,
					&o.group, &o.position, &o.variant),
				 6);
		int s;
		for (s = 0; s < nsets; s++)
			if (!strcmp(sets[s].name, name))
				break;
		if (s == nsets) {
			ck_assert_int_lt(nsets, 8);
			snprintf(sets[nsets].name, sizeof sets[nsets].name, "%s", name);
			nsets++;
		}
		struct dataset *ds = &sets[s];
		if (ds->n == ds->cap) {
			ds->cap = ds->cap ? 2 * ds->cap : 256;
			ds->obs = realloc(ds->obs, ds->cap * sizeof *ds->obs);
			ck_assert_ptr_nonnull(ds->obs);
		}
		ds->obs[ds->n++] = o;
	}
	fclose(fp);
}

static double num(const char *s)
{
	return strcmp(s, "NA") ? strtod(s, NULL) : NAN;
}

START_TEST(against_r)
{
	load_data();
	ck_assert_int_eq(nsets, 2);
	FILE *fp = fopen(RESULTS, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", RESULTS);
	char line[512];
	ck_assert(fgets(line, sizeof line, fp) != NULL);
	int checked = 0;
	while (fgets(line, sizeof line, fp)) {
		char ds[32], model[16], cov[32], term[32], est[32], se[32], stat[32], p[32];
		ck_assert_int_eq(sscanf(line, "%31s %15s %31s %31s %31s %31s %31s %31s", ds, model,
					cov, term, est, se, stat, p),
				 8);
		int s;
		for (s = 0; s < nsets && strcmp(sets[s].name, ds); s++)
			;
		ck_assert_int_lt(s, nsets);
		unsigned flags = !strcmp(cov, "none")	    ? 0
				 : !strcmp(cov, "position") ? REGRESS_COV_POSITION
							    : REGRESS_COV_POSITION | REGRESS_COV_VARIANT;
		struct regress_design des;
		const char *why = NULL;
		ck_assert(regress_design_build(sets[s].obs, sets[s].n, flags, &des, &why));
		struct regress_fit f;
		if (!strcmp(model, "clogit"))
			regress_clogit_fit(&des, 0.05, &f);
		else
			regress_lpm_fit(&des,
					!strcmp(model, "lpm") ? REGRESS_DOF_LSDV : REGRESS_DOF_NESTED,
					0.05, &f);
		ck_assert_msg(f.ok, "%s %s %s: %s", ds, model, cov, f.why);
		char what[160];
		snprintf(what, sizeof what, "%s %s %s %s", ds, model, cov, term);
		if (!strcmp(term, "_n")) {
			EXPECT_CLOSE((double)f.n_used, num(est), what);
		} else if (!strcmp(term, "_g")) {
			EXPECT_CLOSE((double)f.g_used, num(est), what);
		} else if (!strcmp(term, "_factor")) {
			EXPECT_CLOSE(f.factor, num(est), what);
		} else if (!strcmp(term, "_cov12")) {
			EXPECT_CLOSE(f.vcov[0 * f.k + 1], num(est), what);
			EXPECT_CLOSE(f.vcov[1 * f.k + 0], num(est), what);
		} else if (!strcmp(term, "_loglik_null")) {
			EXPECT_CLOSE(f.loglik0, num(est), what);
		} else if (!strcmp(term, "_loglik")) {
			ck_assert(f.converged);
			EXPECT_CLOSE(f.loglik, num(est), what);
		} else {
			int j;
			for (j = 0; j < des.k && strcmp(des.col[j].name, term); j++)
				;
			ck_assert_msg(j < des.k, "%s: no such column", what);
			const struct regress_coef *c = &f.coef[j];
			ck_assert(c->defined && c->p_defined);
			EXPECT_CLOSE(c->est, num(est), what);
			EXPECT_CLOSE(c->se, num(se), what);
			EXPECT_CLOSE(c->stat, num(stat), what);
			EXPECT_CLOSE(c->p, num(p), what);
		}
		checked++;
		regress_design_free(&des);
	}
	fclose(fp);
	/* Every row of the fixture: 103 lines after the header. */
	ck_assert_int_ge(checked, 100);
	for (int s = 0; s < nsets; s++)
		free(sets[s].obs);
}
END_TEST

START_TEST(design_levels)
{
	/* Reference levels: control, position 1, variant 1; the columns list
	 * the other levels present, in order. */
	struct regress_obs o[] = {
		{ 500, 1, 0, 2, 3 }, { 500, 0, 2, 1, 1 }, { 300, 1, 0, 1, 1 },
		{ 300, 0, 5, 2, 2 }, { 300, 1, 2, 3, 3 },
	};
	struct regress_design des;
	const char *why = NULL;
	ck_assert(regress_design_build(o, 5, REGRESS_COV_POSITION | REGRESS_COV_VARIANT, &des,
				       &why));
	ck_assert_int_eq(des.k, 6);
	const char *names[] = { "group:2", "group:5", "position:2", "position:3", "variant:2",
				"variant:3" };
	for (int j = 0; j < 6; j++)
		ck_assert_str_eq(des.col[j].name, names[j]);
	ck_assert_uint_eq(des.g, 2);
	/* Listing 300 is cluster 0, 500 cluster 1. */
	ck_assert_uint_eq(des.cluster[0], 1);
	ck_assert_uint_eq(des.cluster[2], 0);
	/* Row 3: group 5, position 2, variant 2. */
	const double want[6] = { 0, 1, 1, 0, 1, 0 };
	for (int j = 0; j < 6; j++)
		ck_assert(des.x[3 * 6 + j] == want[j]);
	regress_design_free(&des);
}
END_TEST

/* No observations (a study without valid pairs): the design is empty, not
 * an error, and nothing is sorted or searched through a null array. The
 * fits then say why they are undefined. */
START_TEST(empty_design_null_base)
{
	struct regress_design d;
	const char *why = NULL;
	ck_assert_int_eq(regress_design_build(NULL, 0, REGRESS_COV_POSITION | REGRESS_COV_VARIANT,
					      &d, &why), 1);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(d.g, 0);
	ck_assert_int_eq(d.k, 0);
	struct regress_fit f;
	regress_lpm_fit(&d, REGRESS_DOF_NESTED, 0.05, &f);
	ck_assert_int_eq(f.ok, 0);
	ck_assert_ptr_nonnull(f.why);
	regress_clogit_fit(&d, 0.05, &f);
	ck_assert_int_eq(f.ok, 0);
	regress_design_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("regress");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lpm_pairs_by_hand);
	tcase_add_test(tc, clogit_pairs_by_hand);
	tcase_add_test(tc, clogit_triple_by_hand);
	tcase_add_test(tc, clogit_separation);
	tcase_add_test(tc, undefined_fits);
	tcase_add_test(tc, aliased_regressor);
	tcase_add_test(tc, design_levels);
	tcase_add_test(tc, against_r);
	tcase_add_test(tc, empty_design_null_base);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
