/* result.c: the analysis engine of result.h: from the pairs of a study to
 * every count, measure, test and interval that `stats` reports. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/result.h"
#include "analysis/simulate.h"
#include "coding/agreement.h"
#include "multi.h"
#include "fielding/deviation.h"
#include "base/banned.h"

static const char *const dim_names[ANALYSIS_DIM_N] = { "agent_type", "gender",  "round",
						       "area",       "variant", "position" };

const char *analysis_dim_name(int dim)
{
	if (dim == ANALYSIS_DIM_N)
		return "agent_history"; /* the split by earlier waves */
	return dim >= 0 && dim < ANALYSIS_DIM_N ? dim_names[dim] : "?";
}

/* What Belgian city reports split by (METHOD.md, "Reports people read"). */
const int analysis_split_dims[] = { ANALYSIS_DIM_GENDER, ANALYSIS_DIM_AGENT_TYPE,
				    ANALYSIS_DIM_AREA, ANALYSIS_DIM_ROUND };
const int analysis_nsplit_dims = (int)ARRAY_SIZE(analysis_split_dims);

const double analysis_within_hours[ANALYSIS_WITHIN_N] = { 24.0, 72.0 };

static const int stage_def[ANALYSIS_STAGE_N] = { PAIRS_ANY, PAIRS_BROAD, PAIRS_STRICT };

const char *analysis_stage_key(int stage)
{
	static const char *const keys[ANALYSIS_STAGE_N] = { "any_reply", "positive_reply",
							    "invitation" };
	return stage >= 0 && stage < ANALYSIS_STAGE_N ? keys[stage] : "?";
}

int analysis_dims_parse(const char *s, int dims[ANALYSIS_DIM_N], char **bad)
{
	int n = 0;
	char *copy = xstrdup(s), *p = copy;
	while (p) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		int d = -1;
		for (int i = 0; i < ANALYSIS_DIM_N; i++)
			if (!strcmp(p, dim_names[i]))
				d = i;
		for (int i = 0; i < n && d >= 0; i++)
			if (dims[i] == d)
				d = -1; /* twice */
		if (d < 0 || n == ANALYSIS_DIM_N) {
			*bad = xstrdup(p);
			free(copy);
			return -1;
		}
		dims[n++] = d;
		p = comma ? comma + 1 : NULL;
	}
	free(copy);
	return n;
}

int analysis_options_parse(const char *alpha, const char *by, struct analysis_options *ao,
			   struct ct_err *err)
{
	ao->alpha = 0.05;
	if (alpha && (!parse_double(alpha, &ao->alpha) || !(ao->alpha > 0.0 && ao->alpha < 1.0)))
		return ct_fail(err, CT_EINPUT,
			       "--alpha must be a number between 0 and 1 (e.g. 0.05), not '%s'", alpha);
	ao->ndims = 0;
	if (by) {
		char *bad = NULL;
		ao->ndims = analysis_dims_parse(by, ao->dims, &bad);
		if (ao->ndims < 0) {
			ct_fail(err, CT_EINPUT,
				"--by: '%s' is not one of agent_type, gender, round, area, variant, "
				"position (or is given twice)",
				bad);
			free(bad);
			ao->ndims = 0;
			return CT_EINPUT;
		}
	}
	return CT_OK;
}

int analysis_outcome_set(struct analysis_options *ao, const char *outcome,
			 const char *design_outcome, struct ct_err *err)
{
	ao->def = pairs_def_parse(outcome ? outcome : design_outcome);
	ao->outcome_given = outcome != NULL;
	if (ao->def >= 0)
		return CT_OK;
	if (outcome)
		return ct_fail(err, CT_EINPUT, "--outcome must be strict, broad or any, not '%s'",
			       outcome);
	return ct_fail(err, CT_EINPUT, "study.ini: [design] outcome '%s' is not strict, broad or any",
		       design_outcome ? design_outcome : "");
}

/* The value of one dimension for a pair, as text (buf holds numbers). */
static const char *dim_value(const struct pair *p, int dim, char buf[32])
{
	switch (dim) {
	case ANALYSIS_DIM_AGENT_TYPE: return p->agent_type ? p->agent_type : "agency";
	case ANALYSIS_DIM_GENDER: return p->gender == GENDER_MALE ? "male" : "female";
	case ANALYSIS_DIM_ROUND: snprintf(buf, 32, "%ld", p->round); return buf;
	case ANALYSIS_DIM_AREA: return p->area ? p->area : "(none)";
	case ANALYSIS_DIM_VARIANT:
		if (!p->test_variant)
			return "(none)";
		snprintf(buf, 32, "%d", p->test_variant);
		return buf;
	case ANALYSIS_DIM_POSITION:
		if (!p->test_position)
			return "(none)";
		snprintf(buf, 32, "%d", p->test_position);
		return buf;
	default: /* ANALYSIS_DIM_N: the agent's history */
		return p->history == 2 ? "tested before" : p->history == 1 ? "new" : "(unknown)";
	}
}

/* ---- Strata ---- */

/* A pair's stratum key: its values of the --by dimensions joined by '\x1f'
 * (a character no value holds: text is checked at the door). */
static char *stratum_key(const int *dims, int ndims, const struct pair *p)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[32];
	for (int i = 0; i < ndims; i++) {
		if (i)
			sb_addc(&sb, '\x1f');
		sb_adds(&sb, dim_value(p, dims[i], buf));
	}
	return sb_detach(&sb);
}

static int cmp_key_ref(const void *a, const void *b)
{
	return strcmp(**(char **const *)a, **(char **const *)b);
}

/* The distinct strata of dims, sorted, into *out and *nout, and each
 * pair's index among them (caller frees the returned array). */
static int *build_strata(struct analysis_result *r, const int *dims, int ndims,
			 struct analysis_stratum **out, int *nout)
{
	size_t np = r->ps.npairs;
	char **keys = xcalloc(np + 1, sizeof(char *));
	char ***order = xcalloc(np + 1, sizeof(char **));
	int *stratum = xcalloc(np + 1, sizeof(int));
	for (size_t i = 0; i < np; i++) {
		keys[i] = stratum_key(dims, ndims, &r->ps.pairs[i]);
		order[i] = &keys[i];
	}
	if (np > 1)
		qsort(order, np, sizeof(*order), cmp_key_ref);
	struct analysis_stratum *strata = xcalloc(np + 1, sizeof(*strata));
	const char *prev = NULL;
	int n = 0;
	for (size_t i = 0; i < np; i++) {
		const char *key = *order[i];
		if (!prev || strcmp(prev, key)) {
			struct analysis_stratum *s = &strata[n++];
			struct strbuf label = STRBUF_INIT;
			const char *p = key;
			for (int d = 0; d < ndims; d++) {
				size_t len = strcspn(p, "\x1f");
				s->values[d] = xstrndup(p, len);
				if (d)
					sb_adds(&label, ", ");
				sb_add(&label, p, len);
				p += len + (p[len] != '\0');
			}
			s->label = sb_detach(&label);
			prev = key;
		}
		stratum[order[i] - keys] = n - 1;
	}
	*out = strata;
	*nout = n;
	for (size_t i = 0; i < np; i++)
		free(keys[i]);
	free(keys);
	free(order);
	return stratum;
}

/* ---- The main tables ---- */

static struct analysis_group *group_at(struct analysis_result *r, int g)
{
	return g < r->ngroups ? &r->groups[g] : &r->all;
}

const struct analysis_group *analysis_group(const struct analysis_result *r, int g)
{
	return g < r->ngroups ? &r->groups[g] : &r->all;
}

int analysis_groups_shown(const struct analysis_result *r)
{
	return r->ngroups + (r->ngroups > 1);
}

/* Holm over the test groups compared with the control, for the exact and
 * the mid-p McNemar p; groups without discordant pairs have no p and do not
 * count in m. */
static void holm_over_groups(struct analysis_result *r)
{
	int ng = r->ngroups;
	double *pe = xcalloc((size_t)ng + 1, sizeof(double));
	double *pm = xcalloc((size_t)ng + 1, sizeof(double));
	int *idx = xcalloc((size_t)ng + 1, sizeof(int));
	size_t m = 0;
	for (int g = 0; g < ng; g++) {
		const struct paired_analysis *a = &r->groups[g].overall.r;
		if (!a->mcnemar_exact_p.defined)
			continue;
		pe[m] = a->mcnemar_exact_p.v;
		pm[m] = a->mcnemar_midp.v;
		idx[m++] = g;
	}
	if (m && multi_holm(pe, m, pe) && multi_holm(pm, m, pm)) {
		for (size_t i = 0; i < m; i++) {
			struct analysis_cell *c = &r->groups[idx[i]].overall;
			c->holm_exact = (struct paired_value){ pe[i], 1 };
			c->holm_midp = (struct paired_value){ pm[i], 1 };
		}
	}
	free(pe);
	free(pm);
	free(idx);
}

static void build_main(struct analysis_result *r)
{
	const struct pairs_set *ps = &r->ps;
	int ng = r->ngroups;
	int *stratum = r->ndims ? build_strata(r, r->dims, r->ndims, &r->strata, &r->nstrata) : NULL;
	r->groups = xcalloc((size_t)ng + 1, sizeof(*r->groups));
	for (int g = 0; g <= ng; g++) {
		struct analysis_group *G = group_at(r, g);
		if (g < ng) {
			G->name = ps->groups[g].name;
			G->label = ps->groups[g].label;
			G->in_design = ps->groups[g].in_design;
		} else {
			G->name = "all";
			G->label = "All test groups";
			G->in_design = 1;
		}
		G->strata = xcalloc((size_t)r->nstrata + 1, sizeof(*G->strata));
	}
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		int pc = pairs_outcome_positive(p->control_outcome, r->def);
		int pt = pairs_outcome_positive(p->test_outcome, r->def);
		paired_counts_add(&r->groups[p->group].overall.r.t, pc, pt);
		paired_counts_add(&r->all.overall.r.t, pc, pt);
		if (stratum) {
			paired_counts_add(&r->groups[p->group].strata[stratum[i]].r.t, pc, pt);
			paired_counts_add(&r->all.strata[stratum[i]].r.t, pc, pt);
		}
	}
	free(stratum);
	for (int g = 0; g <= ng; g++) {
		struct analysis_group *G = group_at(r, g);
		struct paired_counts t = G->overall.r.t;
		paired_analyse(&t, r->alpha, &G->overall.r);
		for (int s = 0; s < r->nstrata; s++) {
			t = G->strata[s].r.t;
			paired_analyse(&t, r->alpha, &G->strata[s].r);
		}
	}
	holm_over_groups(r);
	if (r->ndims) {
		long *b = xcalloc((size_t)r->nstrata + 1, sizeof(long));
		long *c = xcalloc((size_t)r->nstrata + 1, sizeof(long));
		for (int g = 0; g <= ng; g++) {
			struct analysis_group *G = group_at(r, g);
			for (int s = 0; s < r->nstrata; s++) {
				b[s] = G->strata[s].r.t.b;
				c[s] = G->strata[s].r.t.c;
			}
			strata_homogeneity(b, c, (size_t)r->nstrata, &G->hom);
		}
		free(b);
		free(c);
	}
}


/* ---- The funnel, response times, net rates compared ---- */

static int in_group(const struct analysis_result *r, const struct pair *p, int g)
{
	return g == r->ngroups || p->group == g;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The median of v[0..n) (sorted in place); n > 0. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void build_times(const struct analysis_result *r, int g, struct analysis_times *t)
{
	const struct pairs_set *ps = &r->ps;
	double *dc = xcalloc(ps->npairs + 1, sizeof(double));
	double *dt = xcalloc(ps->npairs + 1, sizeof(double));
	double *diff = xcalloc(ps->npairs + 1, sizeof(double));
	struct paired_counts within[ANALYSIS_WITHIN_N] = { { 0, 0, 0, 0 } }, answered = { 0, 0, 0, 0 };
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		if (!in_group(r, p, g) || isnan(p->control_hours) || isnan(p->test_hours))
			continue;
		t->timed++;
		for (int w = 0; w < ANALYSIS_WITHIN_N; w++)
			paired_counts_add(&within[w], p->control_hours <= analysis_within_hours[w],
					  p->test_hours <= analysis_within_hours[w]);
		paired_counts_add(&answered, !isinf(p->control_hours), !isinf(p->test_hours));
		if (isinf(p->control_hours) || isinf(p->test_hours))
			continue;
		dc[t->both] = p->control_hours;
		dt[t->both] = p->test_hours;
		diff[t->both++] = p->test_hours - p->control_hours;
	}
	signrank_test(diff, t->both, r->alpha, &t->sr);
	if (t->both) {
		t->medians_defined = 1;
		t->median_control = median(dc, t->both);
		t->median_test = median(dt, t->both);
	}
	for (int w = 0; w < ANALYSIS_WITHIN_N; w++)
		paired_analyse(&within[w], r->alpha, &t->within[w]);
	paired_analyse(&answered, r->alpha, &t->answered);
	free(dc);
	free(dt);
	free(diff);
}

/* The net rates of cells[0..n) compared (struct analysis_netcmp). */
static void build_netcmp(const struct paired_analysis *const *cells, int n, double alpha,
			 struct analysis_netcmp *nc)
{
	long *b = xcalloc((size_t)n + 1, sizeof(long));
	long *c = xcalloc((size_t)n + 1, sizeof(long));
	long *nilo = xcalloc((size_t)n + 1, sizeof(long));
	long *nall = xcalloc((size_t)n + 1, sizeof(long));
	for (int k = 0; k < n; k++) {
		const struct paired_counts *t = &cells[k]->t;
		b[k] = t->b;
		c[k] = t->c;
		nilo[k] = t->a + t->b + t->c;
		nall[k] = t->a + t->b + t->c + t->d;
	}
	memset(nc, 0, sizeof(*nc));
	strata_net_heterogeneity(b, c, nilo, (size_t)n, &nc->het_ilo);
	strata_net_heterogeneity(b, c, nall, (size_t)n, &nc->het_all);
	if (n == 2) {
		nc->two = 1;
		strata_net_diff(b[0], c[0], nilo[0], b[1], c[1], nilo[1], alpha, &nc->diff_ilo);
		strata_net_diff(b[0], c[0], nall[0], b[1], c[1], nall[1], alpha, &nc->diff_all);
	}
	free(b);
	free(c);
	free(nilo);
	free(nall);
}

/* Funnel and times for every group and "all"; the clustered net rates of
 * "all"; the net rates of the --by strata compared. */
static void build_extra(struct analysis_result *r)
{
	const struct pairs_set *ps = &r->ps;
	for (int g = 0; g <= r->ngroups; g++) {
		struct analysis_group *G = group_at(r, g);
		struct paired_counts t[ANALYSIS_STAGE_N] = { { 0, 0, 0, 0 } };
		for (size_t i = 0; i < ps->npairs; i++) {
			const struct pair *p = &ps->pairs[i];
			if (!in_group(r, p, g))
				continue;
			for (int k = 0; k < ANALYSIS_STAGE_N; k++)
				paired_counts_add(&t[k],
						  pairs_outcome_positive(p->control_outcome, stage_def[k]),
						  pairs_outcome_positive(p->test_outcome, stage_def[k]));
		}
		for (int k = 0; k < ANALYSIS_STAGE_N; k++)
			paired_analyse(&t[k], r->alpha, &G->stage[k]);
		build_times(r, g, &G->times);
		if (r->ndims) {
			const struct paired_analysis **cells =
				xcalloc((size_t)r->nstrata + 1, sizeof(*cells));
			for (int k = 0; k < r->nstrata; k++)
				cells[k] = &G->strata[k].r;
			build_netcmp(cells, r->nstrata, r->alpha, &G->netcmp);
			free(cells);
		}
	}
	/* Pairs come by listing, as cluster_net_rate needs them. */
	struct cluster_pair *cp = xcalloc(ps->npairs + 1, sizeof(*cp));
	for (size_t i = 0; i < ps->npairs; i++)
		cp[i] = (struct cluster_pair){ (long)ps->pairs[i].listing,
					       pairs_outcome_positive(ps->pairs[i].control_outcome, r->def),
					       pairs_outcome_positive(ps->pairs[i].test_outcome, r->def) };
	r->all.clustered = 1;
	cluster_net_rate(cp, ps->npairs, 1, r->alpha, &r->all.cl_ilo);
	cluster_net_rate(cp, ps->npairs, 0, r->alpha, &r->all.cl_all);
	free(cp);
}

/* ---- Splits: one dimension at a time ---- */

static void build_split(struct analysis_result *r, int dim, struct analysis_split *sp)
{
	const struct pairs_set *ps = &r->ps;
	sp->dim = dim;
	int *stratum = build_strata(r, &dim, 1, &sp->strata, &sp->nstrata);
	int ng = r->ngroups, ns = sp->nstrata;
	sp->g = xcalloc((size_t)ng + 1, sizeof(*sp->g));
	for (int g = 0; g <= ng; g++)
		sp->g[g].cells = xcalloc((size_t)ns + 1, sizeof(*sp->g[g].cells));
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		int pc = pairs_outcome_positive(p->control_outcome, r->def);
		int pt = pairs_outcome_positive(p->test_outcome, r->def);
		paired_counts_add(&sp->g[p->group].cells[stratum[i]].t, pc, pt);
		paired_counts_add(&sp->g[ng].cells[stratum[i]].t, pc, pt);
	}
	free(stratum);
	long *b = xcalloc((size_t)ns + 1, sizeof(long));
	long *c = xcalloc((size_t)ns + 1, sizeof(long));
	const struct paired_analysis **cells = xcalloc((size_t)ns + 1, sizeof(*cells));
	for (int g = 0; g <= ng; g++) {
		struct analysis_split_group *sg = &sp->g[g];
		for (int k = 0; k < ns; k++) {
			struct paired_counts t = sg->cells[k].t;
			paired_analyse(&t, r->alpha, &sg->cells[k]);
			b[k] = t.b;
			c[k] = t.c;
			cells[k] = &sg->cells[k];
		}
		strata_homogeneity(b, c, (size_t)ns, &sg->hom);
		build_netcmp(cells, ns, r->alpha, &sg->netcmp);
	}
	free(b);
	free(c);
	free(cells);
}

static void split_free(struct analysis_split *sp, int ngroups)
{
	for (int k = 0; k < sp->nstrata; k++) {
		free(sp->strata[k].label);
		free(sp->strata[k].values[0]);
	}
	free(sp->strata);
	for (int g = 0; g <= ngroups && sp->g; g++)
		free(sp->g[g].cells);
	free(sp->g);
}

static void add_split(struct analysis_result *r, int dim)
{
	r->splits = xrealloc(r->splits, (size_t)(r->nsplits + 1) * sizeof(*r->splits));
	memset(&r->splits[r->nsplits], 0, sizeof(r->splits[0]));
	build_split(r, dim, &r->splits[r->nsplits++]);
}


/* ---- Agents' distribution, earlier waves, warnings ---- */

/* Pairs by agent key, then listing. */
static int cmp_pair_agent(const void *x, const void *y)
{
	const struct pair *p = *(const struct pair *const *)x, *q = *(const struct pair *const *)y;
	int k = strcmp(p->agent_key, q->agent_key);
	return k ? k : (p->listing > q->listing) - (p->listing < q->listing);
}

static void build_agent_dist(struct analysis_result *r, long min_tests)
{
	const struct pairs_set *ps = &r->ps;
	struct analysis_agent_dist *d = &r->agent_dist;
	d->min_tests = min_tests > 0 ? min_tests : 2;
	const struct pair **pp = xcalloc(ps->npairs + 1, sizeof(*pp));
	size_t n = 0;
	for (size_t i = 0; i < ps->npairs; i++)
		if (ps->pairs[i].agent_key)
			pp[n++] = &ps->pairs[i];
	if (n > 1)
		qsort(pp, n, sizeof(*pp), cmp_pair_agent);
	/* A test is a listing: its pairs (one per test candidate) share the
	 * agent's one decision about it, which favoured the control candidate
	 * when in any of them only the control candidate was positive. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		long favoured = 0, tests = 0;
		while (j < n && !strcmp(pp[j]->agent_key, pp[i]->agent_key)) {
			size_t k = j;
			int fav = 0;
			for (; k < n && pp[k]->listing == pp[j]->listing; k++)
				fav |= pairs_outcome_positive(pp[k]->control_outcome, r->def) &&
				       !pairs_outcome_positive(pp[k]->test_outcome, r->def);
			favoured += fav;
			tests++;
			j = k;
		}
		d->agents_keyed++;
		if (tests >= d->min_tests) {
			d->agents++;
			if (!favoured)
				d->never++;
			else if (favoured == tests)
				d->always++;
			else
				d->sometimes++;
		}
		i = j;
	}
	free(pp);
}

const char *analysis_warning_key(int kind)
{
	static const char *const keys[ANALYSIS_WARN_N] = { "small_counts",	   "interval_not_test",
							   "test_not_interval",	   "placebo_differs",
							   "no_pairs" };
	return kind >= 0 && kind < ANALYSIS_WARN_N ? keys[kind] : "?";
}

static void warn(struct analysis_result *r, int kind, int group, const struct paired_analysis *a)
{
	r->warnings = xrealloc(r->warnings, (size_t)(r->nwarnings + 1) * sizeof(*r->warnings));
	r->warnings[r->nwarnings++] = (struct analysis_warning){
		kind, group, a->t.b + a->t.c, a->mcnemar_exact_p.defined ? a->mcnemar_exact_p.v : 1.0
	};
}

/* METHOD.md, "Small counts": fewer than about 10 discordant pairs leave
 * only the exact test meaningful; an interval of the net rate that
 * excludes 0 while the exact test does not reject (or the reverse) is said
 * in words. The placebo pairs should not differ. */
static void build_warnings(struct analysis_result *r)
{
	for (int g = 0; g <= r->ngroups; g++) {
		const struct paired_analysis *a = &group_at(r, g)->overall.r;
		if (g == r->ngroups && r->ngroups < 2)
			continue;
		if (a->n <= 0) {
			/* One warning for a study without any pair; else each test
			 * group that has none. */
			if (g < r->ngroups ? r->npairs > 0 : r->npairs == 0)
				warn(r, ANALYSIS_WARN_NO_PAIRS, g, a);
			continue;
		}
		long disc = a->t.b + a->t.c;
		if (disc < ANALYSIS_SMALL_DISCORDANT)
			warn(r, ANALYSIS_WARN_SMALL, g, a);
		if (!disc || !a->mcnemar_exact_p.defined || !a->net_ilo_ci.lo_defined ||
		    !a->net_ilo_ci.hi_defined)
			continue;
		int excludes = a->net_ilo_ci.lo > 0.0 || a->net_ilo_ci.hi < 0.0;
		int rejects = a->mcnemar_exact_p.v <= r->alpha;
		if (excludes && !rejects)
			warn(r, ANALYSIS_WARN_CI_NOT_TEST, g, a);
		else if (rejects && !excludes)
			warn(r, ANALYSIS_WARN_TEST_NOT_CI, g, a);
	}
	const struct paired_analysis *pl = &r->placebo.r;
	if (r->placebo.present && pl->mcnemar_exact_p.defined && pl->mcnemar_exact_p.v <= r->alpha)
		warn(r, ANALYSIS_WARN_PLACEBO, -1, pl);
}

/* Sorted agent keys of a study. */
static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int load_keys(struct study *s, char ***keys, size_t *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	/* An agent tested before is one written to: a listing with an
	 * application that went out. */
	int rc = study_prepare(s,
			       "SELECT DISTINCT agent_key FROM listing l WHERE agent_key IS NOT NULL AND "
			       "EXISTS (SELECT 1 FROM application a WHERE a.listing = l.id AND a.status = "
			       "'sent' AND a.kind = 'main')",
			       &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*keys = xrealloc(*keys, cap * sizeof(char *));
		}
		(*keys)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading an earlier study's agents");
	if (*n > 1)
		qsort(*keys, *n, sizeof(char *), cmp_str);
	return CT_OK;
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

struct seen_listing {
	int64_t id;
	int history; /* as struct pair */
};

static int cmp_seen(const void *x, const void *y)
{
	int64_t a = ((const struct seen_listing *)x)->id, b = ((const struct seen_listing *)y)->id;
	return (a > b) - (a < b);
}

/* Marks each pair new or tested before in any of the earlier studies. An
 * agent is matched by its normalised name (or contact address, as its key
 * was made) keyed with the earlier study's own secret, so that studies
 * with different secrets still meet; a listing without a name left (an
 * imported log with keys only, or purged contact data) is matched by its
 * key as it stands, which meets only keys made with the same secret. */
static int mark_history(struct pairs_set *ps, struct study *cur, struct study **prev, int nprev,
			struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(cur,
			       "SELECT l.id, coalesce(c.agent_name, c.contact_email), l.agent_key "
			       "FROM listing l LEFT JOIN listing_contact c ON c.listing = l.id "
			       "ORDER BY l.id",
			       &st, err);
	if (rc)
		return rc;
	char ***keys = xcalloc((size_t)nprev + 1, sizeof(*keys));
	size_t *nkeys = xcalloc((size_t)nprev + 1, sizeof(*nkeys));
	struct seen_listing *seen = NULL;
	size_t nseen = 0, cap = 0;
	char *nokey = xcalloc((size_t)nprev + 1, 1);
	for (int k = 0; k < nprev && !rc; k++)
		rc = load_keys(prev[k], &keys[k], &nkeys[k], err);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *key = (const char *)sqlite3_column_text(st, 2);
		int history = name || key ? 1 : 0;
		for (int k = 0; k < nprev && history == 1; k++) {
			char kbuf[16];
			const char *probe = key;
			/* An earlier study whose key was purged can no longer key a
			 * name: its stored keys are compared as they stand. */
			if (name && !nokey[k]) {
				if (study_agent_key(prev[k], name, kbuf, err) == CT_OK)
					probe = kbuf;
				else
					nokey[k] = 1;
			}
			if (!probe)
				continue;
			if (bsearch(&probe, keys[k], nkeys[k], sizeof(char *), cmp_str))
				history = 2;
		}
		if (nseen == cap) {
			cap = cap ? 2 * cap : 256;
			seen = xrealloc(seen, cap * sizeof(*seen));
		}
		seen[nseen++] = (struct seen_listing){ sqlite3_column_int64(st, 0), history };
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(cur, err, "reading the agents");
	sqlite3_finalize(st);
	for (size_t i = 0; !rc && i < ps->npairs; i++) {
		struct seen_listing key = { ps->pairs[i].listing, 0 };
		const struct seen_listing *f = bsearch(&key, seen, nseen, sizeof(*seen), cmp_seen);
		ps->pairs[i].history = f ? f->history : 0;
	}
	for (int k = 0; k < nprev; k++)
		keys_free(keys[k], nkeys[k]);
	free(keys);
	free(nkeys);
	free(seen);
	free(nokey);
	return rc;
}

/* One earlier wave: its test groups together, compared with this study's. */
static int build_wave(struct analysis_result *r, struct study *prev, struct analysis_wave *w,
		      struct ct_err *err)
{
	struct pairs_set ps;
	int rc = pairs_collect(prev, &ps, err);
	if (rc)
		return rc;
	struct paired_counts t = { 0, 0, 0, 0 };
	for (size_t i = 0; i < ps.npairs; i++)
		paired_counts_add(&t, pairs_outcome_positive(ps.pairs[i].control_outcome, r->def),
				  pairs_outcome_positive(ps.pairs[i].test_outcome, r->def));
	w->npairs = ps.npairs;
	pairs_set_free(&ps);
	paired_analyse(&t, r->alpha, &w->all);
	const struct paired_counts *c = &r->all.overall.r.t;
	strata_net_diff(c->b, c->c, c->a + c->b + c->c, t.b, t.c, t.a + t.b + t.c, r->alpha,
			&w->diff_ilo);
	strata_net_diff(c->b, c->c, c->a + c->b + c->c + c->d, t.b, t.c, t.a + t.b + t.c + t.d,
			r->alpha, &w->diff_all);
	sqlite3_stmt *st;
	if ((rc = study_prepare(prev, "SELECT name, created_at FROM study WHERE id = 1", &st, err)))
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		w->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		w->created_at = xstrdup((const char *)sqlite3_column_text(st, 1));
	} else {
		rc = study_db_error(prev, err, "reading an earlier study");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- Placebo pairs ---- */

/* The placebo pairs' table and measures, computed as a test group's are
 * (the placebo persona in the test candidate's place), and kept apart. */
static void build_placebo(struct analysis_result *r)
{
	const struct pairs_set *ps = &r->ps;
	struct paired_counts t = { 0, 0, 0, 0 };
	for (size_t i = 0; i < ps->nplacebo; i++)
		paired_counts_add(&t, pairs_outcome_positive(ps->placebo[i].control_outcome, r->def),
				  pairs_outcome_positive(ps->placebo[i].test_outcome, r->def));
	r->placebo.present = ps->nplacebo > 0 || ps->placebo_excluded_total > 0;
	r->placebo.npairs = ps->nplacebo;
	r->placebo.excluded_total = ps->placebo_excluded_total;
	paired_analyse(&t, r->alpha, &r->placebo.r);
}

/* ---- Cochran's Q ---- */

/* The listings where the control and two or more test candidates all have
 * valid pairs, one test per distinct set of test groups (a bit mask: a
 * study has a handful of groups; sets over more than 64 are skipped). A
 * listing with two test candidates of one group has fewer groups than
 * pairs and belongs to no set. */
static void build_cochran(struct analysis_result *r)
{
	const struct pairs_set *ps = &r->ps;
	uint64_t *masks = NULL;
	int n = 0;
	if (r->ngroups > 64)
		return;
	for (size_t i = 0; i < ps->npairs;) {
		size_t j = i;
		uint64_t mask = 0;
		while (j < ps->npairs && ps->pairs[j].listing == ps->pairs[i].listing) {
			mask |= (uint64_t)1 << ps->pairs[j].group;
			j++;
		}
		if (mask & (mask - 1)) {
			int k;
			for (k = 0; k < n && masks[k] != mask; k++)
				;
			if (k == n) {
				masks = xrealloc(masks, (size_t)(n + 1) * sizeof(*masks));
				masks[n++] = mask;
			}
		}
		i = j;
	}
	if (!n)
		return;
	r->cochran = xcalloc((size_t)n, sizeof(*r->cochran));
	r->ncochran = n;
	for (int k = 0; k < n; k++) {
		struct analysis_cochran *c = &r->cochran[k];
		c->groups = xcalloc(64, sizeof(int));
		for (int g = 0; g < r->ngroups; g++)
			if (masks[k] & ((uint64_t)1 << g))
				c->groups[c->ngroups++] = g;
		size_t cols = (size_t)c->ngroups + 1, cap = 0, rows = 0;
		unsigned char *x = NULL;
		for (size_t i = 0; i < ps->npairs;) {
			size_t j = i;
			uint64_t mask = 0;
			while (j < ps->npairs && ps->pairs[j].listing == ps->pairs[i].listing) {
				mask |= (uint64_t)1 << ps->pairs[j].group;
				j++;
			}
			/* Exactly one valid pair per group of the set. */
			if (mask == masks[k] && (int)(j - i) == c->ngroups) {
				if (rows == cap) {
					cap = cap ? 2 * cap : 16;
					x = xrealloc(x, cap * cols);
				}
				unsigned char *row = x + rows * cols;
				row[0] = (unsigned char)pairs_outcome_positive(ps->pairs[i].control_outcome,
									       r->def);
				for (size_t q = i; q < j; q++) {
					int col = 0;
					for (int g = 0; g < c->ngroups; g++)
						if (c->groups[g] == ps->pairs[q].group)
							col = g + 1;
					row[col] = (unsigned char)pairs_outcome_positive(
						ps->pairs[q].test_outcome, r->def);
				}
				rows++;
			}
			i = j;
		}
		c->listings = rows;
		c->defined = multi_cochran_q(x, rows, cols, &c->q, &c->p, &c->why);
		free(x);
	}
	free(masks);
}

/* ---- Agents ---- */

static int build_agents(struct analysis_result *r, struct ct_err *err)
{
	const struct pairs_set *ps = &r->ps;
	/* The pairs with an agent key, sorted by key and listing, so that each
	 * agent's pairs, and each listing's among them, are consecutive. */
	size_t n = 0;
	const struct pair **pp = xcalloc(ps->npairs + 1, sizeof(*pp));
	for (size_t i = 0; i < ps->npairs; i++) {
		if (ps->pairs[i].agent_key)
			pp[n++] = &ps->pairs[i];
		else
			r->pairs_without_agent_key++;
	}
	if (n > 1)
		qsort(pp, n, sizeof(*pp), cmp_pair_agent);
	struct analysis_agent *rows = xcalloc(n + 1, sizeof(*rows));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++) {
		int same_agent = i && !strcmp(pp[i]->agent_key, pp[i - 1]->agent_key);
		if (!same_agent)
			rows[nr++].key = pp[i]->agent_key;
		struct analysis_agent *a = &rows[nr - 1];
		int pc = pairs_outcome_positive(pp[i]->control_outcome, r->def);
		int pt = pairs_outcome_positive(pp[i]->test_outcome, r->def);
		a->r.b += pc && !pt;
		a->r.c += !pc && pt;
		a->pairs++;
		if (!same_agent || pp[i]->listing != pp[i - 1]->listing)
			a->listings++;
	}
	free(pp);
	/* Only agents tested on two listings or more. */
	size_t m = 0;
	for (size_t i = 0; i < nr; i++) {
		if (rows[i].listings >= 2)
			rows[m++] = rows[i];
		else
			r->agents_one_listing++;
	}
	struct agent_counts *in = xcalloc(m + 1, sizeof(*in));
	struct agent_result *res = xcalloc(m + 1, sizeof(*res));
	for (size_t i = 0; i < m; i++)
		in[i] = (struct agent_counts){ rows[i].r.b, rows[i].r.c, rows[i].pairs };
	int flagged = agent_analyse(in, m, r->alpha, AGENT_FLAG_HOLM, res);
	for (size_t i = 0; i < m; i++)
		rows[i].r = res[i];
	free(in);
	free(res);
	r->agents = rows;
	r->nagents = m;
	r->have_agents = 1;
	if (flagged < 0)
		return ct_fail(err, CT_EENV, "the agent-level tests failed (out of memory?)");
	r->flagged = flagged;
	return CT_OK;
}

/* ---- The regression view (METHOD.md, "regression view") ---- */

/* A coefficient's label for people: the group's label, "sent second",
 * "variant 2". */
static void term_label(const struct analysis_result *r, const struct regress_column *c, char *buf,
		       size_t len)
{
	if (c->term == REGRESS_TERM_GROUP && c->level >= 1 && c->level <= r->ps.ngroups)
		snprintf(buf, len, "%s (vs control)", r->ps.groups[c->level - 1].label);
	else if (c->term == REGRESS_TERM_POSITION)
		snprintf(buf, len, "sent %s", c->level == 2 ? "second" : "later");
	else if (c->term == REGRESS_TERM_VARIANT)
		snprintf(buf, len, "message variant %d", c->level);
	else
		snprintf(buf, len, "%s", c->name);
}

static int build_model(struct analysis_result *r, int lpm, struct analysis_model **out,
		       struct ct_err *err)
{
	const struct pairs_set *ps = &r->ps;
	/* One observation per application. Pairs come by listing, so a control
	 * shared by several test candidates is the previous pair's. Covariates
	 * enter only when every application has them (not so for an imported
	 * log that did not record them). */
	struct regress_obs *obs = xcalloc(2 * ps->npairs + 1, sizeof(*obs));
	size_t n = 0;
	int64_t last_control = -1;
	int covariates = ps->npairs > 0;
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		if (!p->test_variant || !p->test_position || !p->control_variant ||
		    !p->control_position)
			covariates = 0;
	}
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		if (p->control_app != last_control) {
			obs[n++] = (struct regress_obs){ (long)p->listing,
							 pairs_outcome_positive(p->control_outcome, r->def),
							 0, covariates ? p->control_position : 1,
							 covariates ? p->control_variant : 1 };
			last_control = p->control_app;
		}
		obs[n++] = (struct regress_obs){ (long)p->listing,
						 pairs_outcome_positive(p->test_outcome, r->def),
						 p->group + 1, covariates ? p->test_position : 1,
						 covariates ? p->test_variant : 1 };
	}
	struct regress_design d;
	const char *why = NULL;
	unsigned cov = covariates ? REGRESS_COV_POSITION | REGRESS_COV_VARIANT : 0;
	int built = regress_design_build(obs, n, cov, &d, &why);
	free(obs);
	if (!built)
		return ct_fail(err, CT_EINPUT, "cannot build the model: %s", why);
	struct analysis_model *m = xcalloc(1, sizeof(*m));
	m->lpm = lpm;
	m->covariates = covariates;
	m->n_applications = d.n;
	m->n_listings = d.g;
	m->k = d.k;
	for (int k = 0; k < d.k; k++) {
		snprintf(m->terms[k].name, sizeof(m->terms[k].name), "%s", d.col[k].name);
		term_label(r, &d.col[k], m->terms[k].label, sizeof(m->terms[k].label));
	}
	if (lpm)
		regress_lpm_fit(&d, REGRESS_DOF_NESTED, r->alpha, &m->fit);
	else
		regress_clogit_fit(&d, r->alpha, &m->fit);
	regress_design_free(&d);
	*out = m;
	return CT_OK;
}

/* ---- The result ---- */

/* A test group removed from study.ini after pairs were made keeps its grp
 * row (nothing is deleted); with no valid pair it says nothing, and an
 * empty row for it would look like a group of the design that found
 * nothing. Such groups are dropped; a removed group that has valid pairs
 * stays, because those pairs are data. The pairs' group indexes follow. */
static void drop_deleted_groups(struct pairs_set *ps)
{
	int ng = ps->ngroups;
	long *count = xcalloc((size_t)ng + 1, sizeof(long));
	int *map = xcalloc((size_t)ng + 1, sizeof(int));
	for (size_t i = 0; i < ps->npairs; i++)
		count[ps->pairs[i].group]++;
	int k = 0;
	for (int g = 0; g < ng; g++) {
		if (ps->groups[g].in_design || count[g]) {
			map[g] = k;
			ps->groups[k++] = ps->groups[g];
		} else {
			map[g] = -1;
			free(ps->groups[g].name);
			free(ps->groups[g].label);
		}
	}
	ps->ngroups = k;
	for (size_t i = 0; i < ps->npairs; i++)
		ps->pairs[i].group = map[ps->pairs[i].group];
	free(count);
	free(map);
}

int analysis_from_pairs(struct pairs_set *ps, const struct analysis_options *o,
			struct analysis_result **out, struct ct_err *err)
{
	*out = NULL;
	struct analysis_result *r = xcalloc(1, sizeof(*r));
	r->ps = *ps;
	memset(ps, 0, sizeof(*ps));
	drop_deleted_groups(&r->ps);
	r->def = o->def;
	r->alpha = o->alpha;
	r->ndims = o->ndims;
	memcpy(r->dims, o->dims, sizeof(r->dims));
	r->outcome_given = o->outcome_given;
	r->ngroups = r->ps.ngroups;
	r->npairs = r->ps.npairs;
	memcpy(r->excluded, r->ps.excluded, sizeof(r->excluded));
	r->excluded_total = r->ps.excluded_total;
	build_main(r);
	build_extra(r);
	build_placebo(r);
	build_cochran(r);
	build_agent_dist(r, o->min_tests);
	build_warnings(r);
	if (o->parts & ANALYSIS_SPLITS)
		for (int k = 0; k < analysis_nsplit_dims; k++)
			add_split(r, analysis_split_dims[k]);
	if (o->nprevious)
		add_split(r, ANALYSIS_DIM_N);
	int rc = CT_OK;
	if (o->parts & ANALYSIS_AGENTS)
		rc = build_agents(r, err);
	if (!rc && (o->parts & ANALYSIS_MODEL_LPM))
		rc = build_model(r, 1, &r->lpm, err);
	if (!rc && (o->parts & ANALYSIS_MODEL_CLOGIT))
		rc = build_model(r, 0, &r->clogit, err);
	if (rc) {
		analysis_free(r);
		return rc;
	}
	*out = r;
	return CT_OK;
}

/* The coding of the replies (see struct analysis_coding): *out stays NULL
 * when no reply is coded. The agreement is coding/agreement.h's, not
 * computed again here. */
static int coding_read(struct study *s, struct analysis_coding **out, struct ct_err *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	/* The codes the analysis reads: first and adjudicated (a second code
	 * only measures agreement), counted per application and reply. */
	int rc = study_prepare(s,
			/* Of the main kind only: a follow-up's reply is coded like any other,
			 * but the report describes the coding of the pairs it analyses. */
			       "SELECT count(*), coalesce(sum(n > 1), 0) FROM (SELECT application, "
			       "count(DISTINCT coalesce(message, -id)) AS n FROM coding WHERE pass IN "
			       "('first', 'adjudicated') AND application IN (SELECT id FROM "
			       "application WHERE kind = 'main') GROUP BY application)",
			       &st, err);
	if (rc)
		return rc;
	long apps = 0, several = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		apps = (long)sqlite3_column_int64(st, 0);
		several = (long)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the codes");
	if (apps == 0)
		return CT_OK;
	/* Who gave the first codes: the rules, or people. */
	long by_rules = 0, by_people = 0;
	if ((rc = study_prepare(s,
				"SELECT coalesce(sum(coder = 'rules'), 0), coalesce(sum(coder <> 'rules'), "
				"0) FROM coding WHERE pass = 'first' AND application IN (SELECT id "
				"FROM application WHERE kind = 'main')",
				&st, err)))
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		by_rules = (long)sqlite3_column_int64(st, 0);
		by_people = (long)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the codes");
	struct coding_agreement *a;
	if ((rc = coding_agreement_run(s, &a, err)))
		return rc;
	struct analysis_coding *c = xcalloc(1, sizeof(*c));
	c->reply_rule = xstrdup(s->design && s->design->reply_rule ? s->design->reply_rule : "best");
	c->applications = apps;
	c->several = several;
	c->by_rules = by_rules;
	c->by_people = by_people;
	c->double_coded = a->all.n;
	c->kappa_defined = a->all.kappa_defined;
	c->kappa = a->all.kappa;
	c->agreement = a->all;
	c->sample = a->sample;
	c->disagreeing = a->disagreeing;
	c->adjudicated = a->adjudicated;
	c->min_kappa = s->design ? s->design->min_kappa : 0.7;
	if (c->kappa_defined && c->kappa < c->min_kappa)
		c->warning = xasprintf("Cohen's kappa of the double coding, %.3f over %ld replies, is "
				       "below the study's min_kappa %.2f: the coding is not reliable "
				       "enough to publish as is (corrtest code --agreement, "
				       "--adjudicate)",
				       c->kappa, c->double_coded, c->min_kappa);
	coding_agreement_free(a);
	*out = c;
	return CT_OK;
}

int analysis_run(struct study *s, const struct analysis_options *o, struct analysis_result **out,
		 struct ct_err *err)
{
	struct pairs_set ps;
	*out = NULL;
	struct simulate_held h;
	int rc = simulate_held(s, &h, err);
	if (rc || (rc = pairs_collect(s, &ps, err)))
		return rc;
	if (o->nprevious && (rc = mark_history(&ps, s, o->previous, o->nprevious, err))) {
		pairs_set_free(&ps);
		return rc;
	}
	if ((rc = analysis_from_pairs(&ps, o, out, err)))
		return rc;
	struct analysis_result *r = *out;
	r->waves = xcalloc((size_t)o->nprevious + 1, sizeof(*r->waves));
	for (int k = 0; k < o->nprevious && !rc; k++, r->nwaves++)
		rc = build_wave(r, o->previous[k], &r->waves[k], err);
	if (rc) {
		analysis_free(r);
		*out = NULL;
		return rc;
	}
	(*out)->simulated_apps = h.applications;
	(*out)->simulated_responses = h.responses;
	if ((rc = field_summary_read(s, &(*out)->field, err)) ||
	    (rc = coding_read(s, &(*out)->coding, err))) {
		analysis_free(*out);
		*out = NULL;
	}
	return rc;
}

void analysis_free(struct analysis_result *r)
{
	if (!r)
		return;
	for (int g = 0; g <= r->ngroups && r->groups; g++)
		free(group_at(r, g)->strata);
	free(r->groups);
	for (int s = 0; s < r->nstrata; s++) {
		free(r->strata[s].label);
		for (int d = 0; d < r->ndims; d++)
			free(r->strata[s].values[d]);
	}
	free(r->strata);
	for (int k = 0; k < r->ncochran; k++)
		free(r->cochran[k].groups);
	free(r->cochran);
	free(r->agents);
	for (int k = 0; k < r->nsplits; k++)
		split_free(&r->splits[k], r->ngroups);
	free(r->splits);
	for (int k = 0; k < r->nwaves; k++) {
		free(r->waves[k].name);
		free(r->waves[k].created_at);
	}
	free(r->waves);
	free(r->warnings);
	free(r->lpm);
	free(r->clogit);
	field_summary_free(r->field);
	if (r->coding) {
		free(r->coding->reply_rule);
		free(r->coding->warning);
		free(r->coding);
	}
	pairs_set_free(&r->ps);
	free(r);
}
