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
	return dim >= 0 && dim < ANALYSIS_DIM_N ? dim_names[dim] : "?";
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
	default:
		if (!p->test_position)
			return "(none)";
		snprintf(buf, 32, "%d", p->test_position);
		return buf;
	}
}

/* ---- Strata ---- */

/* A pair's stratum key: its values of the --by dimensions joined by '\x1f'
 * (a character no value holds: text is checked at the door). */
static char *stratum_key(const struct analysis_result *r, const struct pair *p)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[32];
	for (int i = 0; i < r->ndims; i++) {
		if (i)
			sb_addc(&sb, '\x1f');
		sb_adds(&sb, dim_value(p, r->dims[i], buf));
	}
	return sb_detach(&sb);
}

static int cmp_key_ref(const void *a, const void *b)
{
	return strcmp(**(char **const *)a, **(char **const *)b);
}

/* The distinct strata, sorted, and each pair's index among them (caller
 * frees the returned array). */
static int *build_strata(struct analysis_result *r)
{
	size_t np = r->ps.npairs;
	char **keys = xcalloc(np + 1, sizeof(char *));
	char ***order = xcalloc(np + 1, sizeof(char **));
	int *stratum = xcalloc(np + 1, sizeof(int));
	for (size_t i = 0; i < np; i++) {
		keys[i] = stratum_key(r, &r->ps.pairs[i]);
		order[i] = &keys[i];
	}
	if (np > 1)
		qsort(order, np, sizeof(*order), cmp_key_ref);
	r->strata = xcalloc(np + 1, sizeof(*r->strata));
	const char *prev = NULL;
	int n = 0;
	for (size_t i = 0; i < np; i++) {
		const char *key = *order[i];
		if (!prev || strcmp(prev, key)) {
			struct analysis_stratum *s = &r->strata[n++];
			struct strbuf label = STRBUF_INIT;
			const char *p = key;
			for (int d = 0; d < r->ndims; d++) {
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
	r->nstrata = n;
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
	int *stratum = r->ndims ? build_strata(r) : NULL;
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

/* Pairs by agent key, then listing. */
static int cmp_pair_agent(const void *x, const void *y)
{
	const struct pair *p = *(const struct pair *const *)x, *q = *(const struct pair *const *)y;
	int k = strcmp(p->agent_key, q->agent_key);
	return k ? k : (p->listing > q->listing) - (p->listing < q->listing);
}

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
	build_placebo(r);
	build_cochran(r);
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
			       "SELECT count(*), coalesce(sum(n > 1), 0) FROM (SELECT application, "
			       "count(DISTINCT coalesce(message, -id)) AS n FROM coding WHERE pass IN "
			       "('first', 'adjudicated') GROUP BY application)",
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
	struct coding_agreement *a;
	if ((rc = coding_agreement_run(s, &a, err)))
		return rc;
	struct analysis_coding *c = xcalloc(1, sizeof(*c));
	c->reply_rule = xstrdup(s->design && s->design->reply_rule ? s->design->reply_rule : "best");
	c->applications = apps;
	c->several = several;
	c->double_coded = a->all.n;
	c->kappa_defined = a->all.kappa_defined;
	c->kappa = a->all.kappa;
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
	if ((rc = analysis_from_pairs(&ps, o, out, err)))
		return rc;
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
