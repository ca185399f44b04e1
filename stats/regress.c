/* regress.c: the linear probability model with listing fixed effects and
 * clustered standard errors, and the conditional logit, of regress.h. The
 * number of regressors is small (at most REGRESS_MAX_COEF), so the k x k
 * algebra is done by hand with Cholesky factors; the number of rows and
 * listings may be large, so nothing of size N x N or G x G is formed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"
#include "rmath.h"
#include "banned.h"

#define KMAX REGRESS_MAX_COEF

/* A column is aliased when the part of it not explained by the earlier
 * columns is below this fraction of its own sum of squares (relative to
 * the cross-product matrix, so the square of R's QR tolerance 1e-7 would
 * be 1e-14; 1e-10 leaves room for the rounding of the cross products). */
#define ALIAS_TOL 1e-10
/* ...or when its sum of squares after removing the listing means (or its
 * conditional information) is this small a fraction of its raw sum of
 * squares: it does not vary within listings. */
#define NOVAR_TOL 1e-12

static const char WHY_NOMEM[] = "out of memory";

/* ---- the design ---------------------------------------------------- */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Sorts v[0..n) and keeps each value once; returns the count. */
static size_t unique_ints(int *v, size_t n)
{
	if (n == 0)
		return 0; /* v may be NULL then: qsort must not see it */
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_int);
	size_t m = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[m - 1])
			v[m++] = v[i];
	return m;
}

int regress_design_alloc(struct regress_design *d, size_t n, int k)
{
	memset(d, 0, sizeof *d);
	if (k < 0 || k > KMAX)
		return 0;
	d->n = n;
	d->k = k;
	/* One extra element so that n = 0 or k = 0 still gets a pointer. */
	d->cluster = calloc(n + 1, sizeof *d->cluster);
	d->y = calloc(n + 1, sizeof *d->y);
	d->x = calloc(n * (size_t)k + 1, sizeof *d->x);
	if (!d->cluster || !d->y || !d->x) {
		regress_design_free(d);
		return 0;
	}
	for (int j = 0; j < k; j++) {
		d->col[j].term = REGRESS_TERM_OTHER;
		d->col[j].level = j + 1;
		snprintf(d->col[j].name, sizeof d->col[j].name, "x%d", j + 1);
	}
	return 1;
}

void regress_design_free(struct regress_design *d)
{
	free(d->cluster);
	free(d->y);
	free(d->x);
	d->cluster = NULL;
	d->y = NULL;
	d->x = NULL;
}

/* The distinct levels of one field (group, position or variant) of the
 * observations, sorted; returns the count or (size_t)-1 without memory. */
static size_t levels_of(const struct regress_obs *obs, size_t n, int field, int *lv)
{
	for (size_t i = 0; i < n; i++)
		lv[i] = field == 0 ? obs[i].group : field == 1 ? obs[i].position : obs[i].variant;
	return unique_ints(lv, n);
}

int regress_design_build(const struct regress_obs *obs, size_t n, unsigned covariates,
			 struct regress_design *d, const char **why)
{
	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		if (obs[i].y != 0 && obs[i].y != 1) {
			*why = "an outcome is neither 0 nor 1";
			return 0;
		}
		if (obs[i].group < 0) {
			*why = "a group index is negative (0 is the control)";
			return 0;
		}
		if (obs[i].position < 1 || obs[i].variant < 1) {
			*why = "a send position or message variant is below 1";
			return 0;
		}
	}

	int *lv = malloc((n + 1) * sizeof *lv);
	long *ids = malloc((n + 1) * sizeof *ids);
	if (!lv || !ids) {
		free(lv);
		free(ids);
		*why = WHY_NOMEM;
		return 0;
	}

	/* The columns: for each term, every level present except the
	 * reference (group 0 for the groups; the lowest level present,
	 * normally 1, for position and variant). */
	struct regress_column cols[KMAX];
	int k = 0;
	for (int field = 0; field < 3; field++) {
		if (field == 1 && !(covariates & REGRESS_COV_POSITION))
			continue;
		if (field == 2 && !(covariates & REGRESS_COV_VARIANT))
			continue;
		size_t m = levels_of(obs, n, field, lv);
		for (size_t l = 0; l < m; l++) {
			if (field == 0 ? lv[l] == 0 : l == 0)
				continue;
			if (k == KMAX) {
				free(lv);
				free(ids);
				*why = "too many regressors (test groups, positions and variants)";
				return 0;
			}
			static const char *const names[] = { "group", "position", "variant" };
			cols[k].term = field == 0 ? REGRESS_TERM_GROUP
				       : field == 1 ? REGRESS_TERM_POSITION
						    : REGRESS_TERM_VARIANT;
			cols[k].level = lv[l];
			snprintf(cols[k].name, sizeof cols[k].name, "%s:%d", names[field], lv[l]);
			k++;
		}
	}

	if (!regress_design_alloc(d, n, k)) {
		free(lv);
		free(ids);
		*why = WHY_NOMEM;
		return 0;
	}
	memcpy(d->col, cols, sizeof cols[0] * (size_t)k);

	/* Clusters numbered in increasing order of the listing id. */
	for (size_t i = 0; i < n; i++)
		ids[i] = obs[i].cluster;
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_long);
	size_t g = 0;
	for (size_t i = 0; i < n; i++)
		if (g == 0 || ids[i] != ids[g - 1])
			ids[g++] = ids[i];
	d->g = g;
	for (size_t i = 0; i < n; i++) {
		/* g >= 1 here: the loop runs only when there are observations. */
		long *at = bsearch(&obs[i].cluster, ids, g, sizeof *ids, cmp_long);
		d->cluster[i] = (size_t)(at - ids);
		d->y[i] = obs[i].y;
		for (int j = 0; j < k; j++) {
			int v = d->col[j].term == REGRESS_TERM_GROUP	  ? obs[i].group
				: d->col[j].term == REGRESS_TERM_POSITION ? obs[i].position
									  : obs[i].variant;
			d->x[i * (size_t)k + (size_t)j] = v == d->col[j].level;
		}
	}
	free(lv);
	free(ids);
	return 1;
}

/* ---- small dense algebra --------------------------------------------- */

/* Chooses the regressors to keep, in order, as R's lm does with its
 * limited pivoting: column j is aliased when it has (almost) no variation
 * (a[jj] <= NOVAR_TOL * raw[j]) or when the Cholesky pivot left after the
 * earlier kept columns is below ALIAS_TOL * a[jj]. a is k x k (symmetric,
 * positive semi-definite). Returns the number kept; keep[j] is 0 or 1. */
static int select_columns(const double *a, int k, const double *raw, int *keep)
{
	double L[KMAX * KMAX] = { 0 };
	int r = 0;
	for (int j = 0; j < k; j++) {
		keep[j] = 0;
		double ajj = a[j * k + j];
		if (!(ajj > NOVAR_TOL * raw[j]) || !(ajj > 0))
			continue;
		double dj = ajj;
		for (int l = 0; l < j; l++)
			if (keep[l])
				dj -= L[j * k + l] * L[j * k + l];
		if (!(dj > ALIAS_TOL * ajj))
			continue;
		keep[j] = 1;
		r++;
		L[j * k + j] = sqrt(dj);
		for (int i = j + 1; i < k; i++) {
			double s = a[i * k + j];
			for (int l = 0; l < j; l++)
				if (keep[l])
					s -= L[i * k + l] * L[j * k + l];
			L[i * k + j] = s / L[j * k + j];
		}
	}
	return r;
}

/* In-place Cholesky factor (lower triangle) of the m x m matrix a; returns
 * 0 when a is not numerically positive definite. */
static int chol(double *a, int m)
{
	for (int j = 0; j < m; j++) {
		double d = a[j * m + j];
		double orig = d;
		for (int l = 0; l < j; l++)
			d -= a[j * m + l] * a[j * m + l];
		if (!(d > ALIAS_TOL * orig) || !isfinite(d))
			return 0;
		a[j * m + j] = sqrt(d);
		for (int i = j + 1; i < m; i++) {
			double s = a[i * m + j];
			for (int l = 0; l < j; l++)
				s -= a[i * m + l] * a[j * m + l];
			a[i * m + j] = s / a[j * m + j];
		}
	}
	return 1;
}

/* Solves (L L') x = b in place. */
static void chol_solve(const double *L, int m, double *b)
{
	for (int i = 0; i < m; i++) {
		double s = b[i];
		for (int l = 0; l < i; l++)
			s -= L[i * m + l] * b[l];
		b[i] = s / L[i * m + i];
	}
	for (int i = m - 1; i >= 0; i--) {
		double s = b[i];
		for (int l = i + 1; l < m; l++)
			s -= L[l * m + i] * b[l];
		b[i] = s / L[i * m + i];
	}
}

/* inv = (L L')^-1, column by column. */
static void chol_inverse(const double *L, int m, double *inv)
{
	double e[KMAX];
	for (int j = 0; j < m; j++) {
		for (int i = 0; i < m; i++)
			e[i] = i == j;
		chol_solve(L, m, e);
		for (int i = 0; i < m; i++)
			inv[i * m + j] = e[i];
	}
	/* Symmetrise the rounding. */
	for (int i = 0; i < m; i++)
		for (int j = 0; j < i; j++)
			inv[i * m + j] = inv[j * m + i] = (inv[i * m + j] + inv[j * m + i]) / 2;
}

/* The checks both fits share: a usable alpha and cluster indices inside
 * 0..g-1 (a caller-filled design may get them wrong). */
static const char *design_problem(const struct regress_design *d, double alpha)
{
	if (!(alpha > 0 && alpha < 1))
		return "alpha must lie strictly between 0 and 1";
	for (size_t i = 0; i < d->n; i++)
		if (d->cluster[i] >= d->g)
			return "a cluster index is not below the number of clusters";
	return NULL;
}

/* Marks the fit undefined, every coefficient with it. */
static void fit_fail(struct regress_fit *f, const char *why)
{
	f->ok = 0;
	f->why = why;
	for (int j = 0; j < f->k; j++) {
		memset(&f->coef[j], 0, sizeof f->coef[j]);
		f->coef[j].why = why;
	}
	memset(f->vcov, 0, sizeof f->vcov);
}

static void fit_init(struct regress_fit *f, int k)
{
	memset(f, 0, sizeof *f);
	f->k = k;
}

/* Fills the coefficients of the kept columns from beta and the compressed
 * covariance v (r x r); the others get why_alias. Statistic and p from
 * Student's t with df degrees of freedom, or from the normal when df <= 0. */
static void fit_fill(struct regress_fit *f, const int *keep, const double *beta, const double *v,
		     int r, double df, double alpha, const char *why_alias)
{
	int idx[KMAX], m = 0;
	for (int j = 0; j < f->k; j++)
		if (keep[j])
			idx[m++] = j;
	double q = df > 0 ? qt(1 - alpha / 2, df, 1, 0) : qnorm(1 - alpha / 2, 0, 1, 1, 0);
	for (int j = 0; j < f->k; j++) {
		memset(&f->coef[j], 0, sizeof f->coef[j]);
		if (!keep[j])
			f->coef[j].why = why_alias;
	}
	for (int a = 0; a < r; a++) {
		struct regress_coef *c = &f->coef[idx[a]];
		for (int b = 0; b < r; b++)
			f->vcov[idx[a] * f->k + idx[b]] = v[a * r + b];
		double var = v[a * r + a];
		c->est = beta[a];
		c->se = var > 0 ? sqrt(var) : 0;
		c->lo = c->est - q * c->se;
		c->hi = c->est + q * c->se;
		c->defined = 1;
		if (c->se > 0) {
			c->stat = c->est / c->se;
			double t = fabs(c->stat);
			c->p = 2 * (df > 0 ? pt(t, df, 0, 0) : pnorm(t, 0, 1, 0, 0));
			c->p_defined = 1;
		} else {
			c->why = "standard error 0: the outcome does not vary beyond what the model "
				 "fits, so no test statistic";
		}
	}
	f->rank = r;
}

/* ---- linear probability model ---------------------------------------- */

void regress_lpm_fit(const struct regress_design *d, enum regress_dof dof, double alpha,
		     struct regress_fit *f)
{
	int k = d->k;
	size_t n = d->n, g = d->g;
	fit_init(f, k);
	f->n_used = n;
	const char *bad = design_problem(d, alpha);
	if (bad) {
		fit_fail(f, bad);
		return;
	}
	if (n == 0) {
		fit_fail(f, "no applications");
		return;
	}
	if (k == 0) {
		fit_fail(f, "no regressor");
		return;
	}

	double *mean = calloc(g * (size_t)(k + 1), sizeof *mean);
	size_t *cnt = calloc(g + 1, sizeof *cnt);
	double *xt = malloc(n * (size_t)(k + 1) * sizeof *xt);
	double *score = calloc(g * (size_t)k + 1, sizeof *score);
	if (!mean || !cnt || !xt || !score) {
		fit_fail(f, WHY_NOMEM);
		goto out;
	}

	/* Listing means of y and x; the demeaned row i is xt[i*(k+1) ..],
	 * its last element the demeaned y. */
	size_t w = (size_t)k + 1;
	for (size_t i = 0; i < n; i++) {
		size_t c = d->cluster[i];
		cnt[c]++;
		for (int j = 0; j < k; j++)
			mean[c * w + (size_t)j] += d->x[i * (size_t)k + (size_t)j];
		mean[c * w + (size_t)k] += d->y[i];
	}
	size_t G = 0;
	for (size_t c = 0; c < g; c++) {
		if (cnt[c] == 0)
			continue;
		G++;
		for (size_t j = 0; j < w; j++)
			mean[c * w + j] /= (double)cnt[c];
	}
	f->g_used = G;
	if (G < 2) {
		fit_fail(f, "fewer than two listings: no clustered variance");
		goto out;
	}

	double a[KMAX * KMAX] = { 0 }, raw[KMAX] = { 0 }, xy[KMAX] = { 0 };
	for (size_t i = 0; i < n; i++) {
		size_t c = d->cluster[i];
		double *row = xt + i * w;
		for (int j = 0; j < k; j++) {
			double x = d->x[i * (size_t)k + (size_t)j];
			raw[j] += x * x;
			row[j] = x - mean[c * w + (size_t)j];
		}
		row[k] = d->y[i] - mean[c * w + (size_t)k];
		for (int j = 0; j < k; j++) {
			xy[j] += row[j] * row[k];
			for (int l = 0; l <= j; l++)
				a[j * k + l] += row[j] * row[l];
		}
	}
	for (int j = 0; j < k; j++)
		for (int l = 0; l < j; l++)
			a[l * k + j] = a[j * k + l];

	int keep[KMAX];
	int r = select_columns(a, k, raw, keep);
	if (r == 0) {
		fit_fail(f, "no regressor varies within listings");
		goto out;
	}
	/* K: the slopes kept, and under the LSDV convention the G fixed
	 * effects (the rank of the dummy-variable design). */
	double K = r + (dof == REGRESS_DOF_LSDV ? (double)G : 0);
	if (!((double)n > K)) {
		fit_fail(f, "no residual degrees of freedom (N <= K)");
		goto out;
	}

	int idx[KMAX], m = 0;
	for (int j = 0; j < k; j++)
		if (keep[j])
			idx[m++] = j;
	double L[KMAX * KMAX], beta[KMAX], inv[KMAX * KMAX];
	for (int p = 0; p < r; p++) {
		beta[p] = xy[idx[p]];
		for (int q = 0; q < r; q++)
			L[p * r + q] = a[idx[p] * k + idx[q]];
	}
	if (!chol(L, r)) {
		fit_fail(f, "the cross-product matrix is singular");
		goto out;
	}
	chol_solve(L, r, beta);
	chol_inverse(L, r, inv);

	/* Per-listing scores sum_i xt_i e_i, where e is the residual of the
	 * demeaned regression (equal to that of the dummy-variable one). */
	for (size_t i = 0; i < n; i++) {
		const double *row = xt + i * w;
		double e = row[k];
		for (int p = 0; p < r; p++)
			e -= row[idx[p]] * beta[p];
		double *s = score + d->cluster[i] * (size_t)k;
		for (int p = 0; p < r; p++)
			s[p] += row[idx[p]] * e;
	}
	double meat[KMAX * KMAX] = { 0 };
	for (size_t c = 0; c < g; c++) {
		const double *s = score + c * (size_t)k;
		for (int p = 0; p < r; p++)
			for (int q = 0; q < r; q++)
				meat[p * r + q] += s[p] * s[q];
	}
	double Gd = (double)G, Nd = (double)n;
	f->factor = Gd / (Gd - 1) * (Nd - 1) / (Nd - K);
	f->df = Gd - 1;
	double tmp[KMAX * KMAX] = { 0 }, v[KMAX * KMAX] = { 0 };
	for (int p = 0; p < r; p++)
		for (int q = 0; q < r; q++)
			for (int l = 0; l < r; l++)
				tmp[p * r + q] += inv[p * r + l] * meat[l * r + q];
	for (int p = 0; p < r; p++)
		for (int q = 0; q < r; q++) {
			double s = 0;
			for (int l = 0; l < r; l++)
				s += tmp[p * r + l] * inv[l * r + q];
			v[p * r + q] = f->factor * s;
		}
	f->ok = 1;
	fit_fill(f, keep, beta, v, r, f->df, alpha,
		 "aliased: no variation within listings, or a linear combination of the regressors "
		 "before it (R gives NA)");
out:
	free(mean);
	free(cnt);
	free(xt);
	free(score);
}

/* ---- conditional logit --------------------------------------------- */

/* The strata in a form the likelihood walks quickly: the rows of stratum s
 * are order[start[s] .. start[s+1]), only informative strata (0 < cases <
 * size) are kept, and cases[s] is their number of positives. */
struct strata {
	size_t ns, *start, *order, *cases, maxcases;
};

/* Work space of the recursion: B[m], dB[m][k], d2B[m][k][k]. */
struct recur {
	double *B, *dB, *d2B;
};

/* Log conditional likelihood, score u and information (negative Hessian)
 * info at beta, over the columns idx[0..r) of the design. For one stratum
 * with members 1..n and m positives, B(n, m) = sum over the m-subsets S of
 * prod_{i in S} exp(eta_i) satisfies B(i, m) = B(i-1, m) + r_i B(i-1, m-1)
 * (Gail, Lubin & Rubinstein 1981); differentiating it gives the recursions
 * for dB and d2B below. The stratum's log-likelihood is
 * sum_{cases} eta_i - log B(n, m); eta is shifted by its largest value in
 * the stratum so that no exp overflows. Returns 0 when a value is not
 * finite. */
static int clogit_eval(const struct regress_design *d, const struct strata *st, const int *idx,
		       int r, const double *beta, struct recur *w, double *ll, double *u,
		       double *info)
{
	int k = d->k;
	size_t rr = (size_t)r;
	*ll = 0;
	for (int p = 0; p < r; p++) {
		u[p] = 0;
		for (int q = 0; q < r; q++)
			info[p * r + q] = 0;
	}
	for (size_t s = 0; s < st->ns; s++) {
		size_t m1 = st->cases[s];
		size_t b = st->start[s], e = st->start[s + 1];
		double shift = -HUGE_VAL;
		for (size_t t = b; t < e; t++) {
			const double *x = d->x + st->order[t] * (size_t)k;
			double eta = 0;
			for (int p = 0; p < r; p++)
				eta += x[idx[p]] * beta[p];
			if (eta > shift)
				shift = eta;
		}
		for (size_t m = 0; m <= m1; m++) {
			w->B[m] = m == 0;
			for (size_t p = 0; p < rr; p++)
				w->dB[m * rr + p] = 0;
			for (size_t p = 0; p < rr * rr; p++)
				w->d2B[m * rr * rr + p] = 0;
		}
		size_t seen = 0;
		for (size_t t = b; t < e; t++) {
			size_t i = st->order[t];
			const double *x = d->x + i * (size_t)k;
			double xi[KMAX], eta = 0;
			for (int p = 0; p < r; p++) {
				xi[p] = x[idx[p]];
				eta += xi[p] * beta[p];
			}
			double ri = exp(eta - shift);
			if (d->y[i]) {
				*ll += eta - shift;
				for (int p = 0; p < r; p++)
					u[p] += xi[p];
			}
			seen++;
			size_t top = seen < m1 ? seen : m1;
			/* Descending m, so that index m-1 still holds B(i-1, .). */
			for (size_t m = top; m >= 1; m--) {
				const double B0 = w->B[m - 1];
				const double *dB0 = w->dB + (m - 1) * rr;
				double *d2 = w->d2B + m * rr * rr;
				const double *d20 = w->d2B + (m - 1) * rr * rr;
				for (size_t p = 0; p < rr; p++)
					for (size_t q = 0; q < rr; q++)
						d2[p * rr + q] += ri * (d20[p * rr + q] + xi[p] * dB0[q] +
									xi[q] * dB0[p] +
									xi[p] * xi[q] * B0);
				double *d1 = w->dB + m * rr;
				for (size_t p = 0; p < rr; p++)
					d1[p] += ri * (dB0[p] + xi[p] * B0);
				w->B[m] += ri * B0;
			}
		}
		double B = w->B[m1];
		const double *dB = w->dB + m1 * rr, *d2B = w->d2B + m1 * rr * rr;
		*ll -= log(B);
		for (size_t p = 0; p < rr; p++) {
			double gp = dB[p] / B;
			u[p] -= gp;
			for (size_t q = 0; q < rr; q++)
				info[p * rr + q] += d2B[p * rr + q] / B - gp * dB[q] / B;
		}
	}
	if (!isfinite(*ll))
		return 0;
	for (int p = 0; p < r; p++) {
		if (!isfinite(u[p]))
			return 0;
		for (int q = 0; q < r; q++)
			if (!isfinite(info[p * r + q]))
				return 0;
	}
	return 1;
}

#define CLOGIT_MAXIT 60
/* Newton steps below this size (on the log-odds scale) mean convergence:
 * the next step would be of the order of its square. */
#define CLOGIT_STEP_TOL 1e-10
/* A log-likelihood that no longer moves while a step stays this large
 * means a coefficient running off to infinity. */
#define CLOGIT_RUNAWAY_STEP 1e-3

static const char WHY_SEPARATION[] =
	"separation: a coefficient runs off to infinity (the outcome is perfectly predicted "
	"within listings), so the conditional logit has no finite estimate";
static const char WHY_RUNAWAY[] =
	"this coefficient runs off to infinity: within listings, its regressor perfectly "
	"predicts the outcome (e.g. no discordant listing in one direction)";

void regress_clogit_fit(const struct regress_design *d, double alpha, struct regress_fit *f)
{
	int k = d->k;
	size_t n = d->n, g = d->g;
	fit_init(f, k);
	struct strata st = { 0 };
	struct recur w = { 0 };
	size_t *cnt = NULL, *pos = NULL, *ycount = NULL;
	const char *bad = design_problem(d, alpha);
	if (bad) {
		fit_fail(f, bad);
		return;
	}
	if (k == 0) {
		fit_fail(f, "no regressor");
		return;
	}

	cnt = calloc(g + 1, sizeof *cnt);
	ycount = calloc(g + 1, sizeof *ycount);
	pos = calloc(g + 1, sizeof *pos);
	st.start = calloc(g + 2, sizeof *st.start);
	st.order = calloc(n + 1, sizeof *st.order);
	st.cases = calloc(g + 1, sizeof *st.cases);
	if (!cnt || !ycount || !pos || !st.start || !st.order || !st.cases) {
		fit_fail(f, WHY_NOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cnt[d->cluster[i]]++;
		ycount[d->cluster[i]] += d->y[i] != 0;
	}
	/* Informative strata get consecutive slots; pos[c] is the next free
	 * place of stratum c in order[], or (size_t)-1 when c is left out. */
	size_t at = 0;
	for (size_t c = 0; c < g; c++) {
		if (ycount[c] == 0 || ycount[c] == cnt[c]) {
			pos[c] = (size_t)-1;
			continue;
		}
		st.start[st.ns] = at;
		st.cases[st.ns] = ycount[c];
		if (ycount[c] > st.maxcases)
			st.maxcases = ycount[c];
		pos[c] = at;
		at += cnt[c];
		st.ns++;
	}
	st.start[st.ns] = at;
	for (size_t i = 0; i < n; i++) {
		size_t c = d->cluster[i];
		if (pos[c] != (size_t)-1)
			st.order[pos[c]++] = i;
	}
	f->n_used = at;
	f->g_used = st.ns;
	if (st.ns == 0) {
		fit_fail(f, "no listing where one candidate got a positive outcome and another did "
			    "not: the conditional likelihood carries no information");
		goto out;
	}

	size_t kk = (size_t)k, mc = st.maxcases + 1;
	w.B = malloc(mc * sizeof *w.B);
	w.dB = malloc(mc * kk * sizeof *w.dB);
	w.d2B = malloc(mc * kk * kk * sizeof *w.d2B);
	if (!w.B || !w.dB || !w.d2B) {
		fit_fail(f, WHY_NOMEM);
		goto out;
	}

	/* Aliasing from the information at beta = 0: it is a weighted
	 * within-stratum covariance whose null space is the same at every
	 * beta, so the choice made here holds throughout. */
	int all[KMAX], keep[KMAX];
	double beta[KMAX] = { 0 }, u[KMAX], info[KMAX * KMAX], ll;
	for (int j = 0; j < k; j++)
		all[j] = j;
	if (!clogit_eval(d, &st, all, k, beta, &w, &ll, u, info)) {
		fit_fail(f, "the likelihood is not finite at beta = 0");
		goto out;
	}
	f->loglik0 = ll;
	double raw[KMAX] = { 0 };
	for (size_t t = 0; t < at; t++)
		for (int j = 0; j < k; j++) {
			double x = d->x[st.order[t] * kk + (size_t)j];
			raw[j] += x * x;
		}
	int r = select_columns(info, k, raw, keep);
	if (r == 0) {
		fit_fail(f, "no regressor varies within the listings with both outcomes");
		goto out;
	}
	int idx[KMAX], m = 0;
	for (int j = 0; j < k; j++)
		if (keep[j])
			idx[m++] = j;
	if (!clogit_eval(d, &st, idx, r, beta, &w, &ll, u, info)) {
		fit_fail(f, "the likelihood is not finite at beta = 0");
		goto out;
	}

	double L[KMAX * KMAX], step[KMAX], trial[KMAX], u1[KMAX], info1[KMAX * KMAX], ll1;
	int runaway[KMAX] = { 0 }, stalled = 0;
	for (int it = 1; it <= CLOGIT_MAXIT; it++) {
		memcpy(L, info, sizeof info[0] * (size_t)(r * r));
		if (!chol(L, r)) {
			/* Finite coefficients keep the information positive
			 * definite; it degenerates only as some run off. */
			f->iterations = it - 1;
			for (int p = 0; p < r; p++)
				runaway[p] = fabs(beta[p]) > 10;
			stalled = 1;
			break;
		}
		memcpy(step, u, sizeof u[0] * (size_t)r);
		chol_solve(L, r, step);
		/* Step halving (as survival's coxph) when the likelihood would
		 * fall or leave the finite range. */
		double scale = 1;
		int ok = 0;
		for (int h = 0; h < 40; h++, scale /= 2) {
			for (int p = 0; p < r; p++)
				trial[p] = beta[p] + scale * step[p];
			if (clogit_eval(d, &st, idx, r, trial, &w, &ll1, u1, info1) &&
			    ll1 >= ll - 1e-12 * (1 + fabs(ll))) {
				ok = 1;
				break;
			}
		}
		f->iterations = it;
		if (!ok) {
			stalled = 1;
			break;
		}
		double dl = ll1 - ll, maxstep = 0;
		for (int p = 0; p < r; p++) {
			double sp = fabs(scale * step[p]);
			if (sp > maxstep)
				maxstep = sp;
		}
		memcpy(beta, trial, sizeof trial[0] * (size_t)r);
		memcpy(u, u1, sizeof u1[0] * (size_t)r);
		memcpy(info, info1, sizeof info1[0] * (size_t)(r * r));
		ll = ll1;
		if (maxstep <= CLOGIT_STEP_TOL) {
			f->converged = 1;
			break;
		}
		/* The likelihood has stopped moving but the steps have not:
		 * the maximum is at infinity along the steps' direction. */
		if (fabs(dl) <= 1e-10 * (1 + fabs(ll)) && maxstep > CLOGIT_RUNAWAY_STEP) {
			for (int p = 0; p < r; p++)
				runaway[p] = fabs(scale * step[p]) > CLOGIT_RUNAWAY_STEP;
			stalled = 1;
			break;
		}
	}
	f->loglik = ll;
	if (!f->converged) {
		int any = 0;
		for (int p = 0; p < r; p++)
			any |= runaway[p];
		if (stalled && any) {
			fit_fail(f, WHY_SEPARATION);
			for (int p = 0; p < r; p++)
				if (runaway[p])
					f->coef[idx[p]].why = WHY_RUNAWAY;
		} else {
			fit_fail(f, "Newton-Raphson did not converge");
		}
		goto out;
	}

	double v[KMAX * KMAX];
	memcpy(L, info, sizeof info[0] * (size_t)(r * r));
	if (!chol(L, r)) {
		fit_fail(f, "the information matrix is singular at the estimate");
		goto out;
	}
	chol_inverse(L, r, v);
	f->ok = 1;
	fit_fill(f, keep, beta, v, r, 0, alpha,
		 "aliased: no variation within the listings with both outcomes, or a linear "
		 "combination of the regressors before it (R gives NA)");
out:
	free(cnt);
	free(ycount);
	free(pos);
	free(st.start);
	free(st.order);
	free(st.cases);
	free(w.B);
	free(w.dB);
	free(w.d2B);
}
