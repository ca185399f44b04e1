/* report.c: the study report (report.h). The document is built once as
 * blocks (report/doc.h), in the report's language (report/lang.h), and
 * rendered as HTML and Markdown; the charts come from report/svg. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "analysis/describe.h"
#include "fielding/deviation.h"
#include "io/out.h"
#include "report/svg.h"
#include "report/doc.h"
#include "report/lang.h"
#include "report/pdf.h"
#include "base/timeutil.h"
#include "base/banned.h"

#define NIL ((const char *)NULL)

struct rep {
	const struct report_input *in;
	const struct analysis_result *r;
	struct lang *L;
	struct doc *d;
	int charts;
	const char *control; /* the control group's label */
};

/* ---- Small helpers ---- */

static const char *T(struct rep *R, const char *key)
{
	return lang_t(R->L, key, NIL);
}

static const char *I(struct rep *R, long long v)
{
	return lang_int(R->L, v);
}

static const char *P(struct rep *R, int defined, double v)
{
	return defined ? lang_pct(R->L, v) : T(R, "fmt.na");
}

static const char *PCI(struct rep *R, const struct paired_interval *ci)
{
	if (!ci->lo_defined || !ci->hi_defined)
		return T(R, "fmt.na");
	return lang_pct_ci(R->L, ci->lo, ci->hi);
}

static const char *PV(struct rep *R, const struct paired_value *v)
{
	return v->defined ? lang_p(R->L, v->v) : T(R, "fmt.na");
}

static const char *RATIO(struct rep *R, const struct paired_value *v)
{
	return v->defined ? lang_num(R->L, v->v, 2) : T(R, "fmt.na");
}

/* The confidence level, 100 (1 - alpha), as people write it: "95",
 * "97.5" ("97,5"); and alpha itself ("0.05", "0.025"). */
static const char *LEVEL(struct rep *R)
{
	double v = 100.0 * (1.0 - R->r->alpha);
	return lang_num(R->L, v, fabs(v - round(v)) < 1e-9 ? 0 : 1);
}

static const char *ALPHA(struct rep *R)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%g", R->r->alpha);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = lang_decimal(R->L);
	return lang_t(R->L, "fmt.raw", buf, NIL);
}

/* An estimate and its interval ("n/a" alone when the estimate is missing). */
static const char *EST_CI(struct rep *R, int defined, const char *est, const char *ci)
{
	return defined ? lang_t(R->L, "fmt.est_ci", est, ci, NIL) : T(R, "fmt.na");
}

/* A percentage with its interval, and a table's net ILO rate so. */
static const char *VCI(struct rep *R, const struct paired_value *v,
		       const struct paired_interval *ci)
{
	return EST_CI(R, v->defined, P(R, v->defined, v->v), PCI(R, ci));
}

static const char *NET(struct rep *R, const struct paired_analysis *a)
{
	return VCI(R, &a->net_ilo, &a->net_ilo_ci);
}

static const char *group_label(struct rep *R, int g)
{
	if (g < 0)
		return T(R, "group.placebo");
	return g < R->r->ngroups ? R->r->groups[g].label : T(R, "group.all");
}


/* The figure around a chart: "fig-" and the chart's id (the <svg> itself
 * carries the chart's id). */
static void figure(struct rep *R, const char *id, struct strbuf *svg, const char *caption,
		   const char *alt)
{
	char fid[64], num[16];
	snprintf(fid, sizeof(fid), "fig-%s", id);
	snprintf(num, sizeof(num), "%d", R->charts + 1);
	doc_figure(R->d, fid, sb_str(svg), lang_t(R->L, "fig.caption", num, caption, NIL), alt);
	sb_free(svg);
	R->charts++;
}

static struct svg_chart chart(struct rep *R, const char *id, const char *title, const char *desc,
			      const char *x_label, int percent)
{
	struct svg_chart c = { 0 };
	c.id = id;
	c.title = title;
	c.desc = desc;
	c.x_label = x_label;
	c.percent = percent;
	c.decimal = lang_decimal(R->L);
	c.empty_text = T(R, "chart.no_data");
	return c;
}

/* ---- Sections ---- */

static void section_title(struct rep *R)
{
	const struct study_facts *f = R->in->facts;
	doc_heading(R->d, 1, "top",
		    lang_t(R->L, "title", f->name ? f->name : "", NIL));
	doc_para(R->d, lang_t(R->L, "subtitle", T(R, f->market && !strcmp(f->market, "job")
							   ? "market.job"
							   : "market.housing"),
			      f->city ? f->city : "", R->in->generated_at, NIL));
	if (R->in->confidential)
		doc_banner(R->d, T(R, "banner.confidential"));
	else
		doc_banner(R->d, T(R, "banner.public"));
	if (R->r->simulated_apps || R->r->simulated_responses)
		doc_banner(R->d, lang_t(R->L, "banner.simulated", I(R, R->r->simulated_responses),
					I(R, R->r->simulated_apps), NIL));
	doc_toc(R->d, T(R, "toc"));
}

/* "Out of 100 listings where both candidates wrote, ..." */
static void summary_sentences(struct rep *R, int g)
{
	const struct paired_analysis *a = &analysis_group(R->r, g)->overall.r;
	const char *test = group_label(R, g);
	if (a->n <= 0) {
		doc_para(R->d, lang_t(R->L, "summary.no_pairs", test, NIL));
		return;
	}
	double n = (double)a->n;
	doc_para(R->d, lang_t(R->L, "summary.per100", test, lang_num(R->L, 100.0 * a->t.a / n, 0),
			      R->control, lang_num(R->L, 100.0 * a->t.b / n, 0),
			      lang_num(R->L, 100.0 * a->t.c / n, 0),
			      lang_num(R->L, 100.0 * a->t.d / n, 0), I(R, a->n), NIL));
	if (!a->net_ilo.defined) {
		doc_para(R->d, lang_t(R->L, "summary.no_positive", NIL));
		return;
	}
	const char *sig = !a->mcnemar_exact_p.defined ? T(R, "summary.untested")
			  : a->mcnemar_exact_p.v <= R->r->alpha
				  ? lang_t(R->L, "summary.significant",
					   lang_p_eq(R->L, a->mcnemar_exact_p.v), NIL)
				  : lang_t(R->L, "summary.not_significant",
					   lang_p_eq(R->L, a->mcnemar_exact_p.v), NIL);
	const char *dir = a->net_ilo.v > 0	 ? lang_t(R->L, "summary.favours", R->control, test, NIL)
			  : a->net_ilo.v < 0 ? lang_t(R->L, "summary.favours", test, R->control, NIL)
					     : T(R, "summary.equal");
	long pos = a->t.a + a->t.b + a->t.c;
	doc_para(R->d, lang_t(R->L, "summary.net", I(R, pos), lang_pct(R->L, a->net_ilo.v),
			      PCI(R, &a->net_ilo_ci), dir, sig,
			      LEVEL(R), NIL));
}

/* The headline interval and p of a group's net rate: Newcombe's interval
 * and the exact McNemar p; for all test groups together, whose pairs
 * share their control when a listing has several test candidates, the
 * interval and z-test of the standard error clustered by listing (when
 * some listing has several pairs and it is defined: with one pair a
 * listing, the pairs are independent and the exact test is better).
 * Writes the interval and p as text. */
static int headline(struct rep *R, int g, const char **ci, const char **p, double *lo, double *hi,
		    int *ci_defined)
{
	const struct analysis_group *G = analysis_group(R->r, g);
	const struct paired_analysis *a = &G->overall.r;
	if (g == R->r->ngroups && G->clustered && G->cl_ilo.defined &&
	    G->cl_ilo.clusters < G->cl_ilo.pairs) {
		*lo = G->cl_ilo.lo;
		*hi = G->cl_ilo.hi;
		*ci_defined = 1;
		*ci = lang_pct_ci(R->L, *lo, *hi);
		*p = lang_t(R->L, "fmt.p_z", lang_p(R->L, G->cl_ilo.p), NIL);
		return 1;
	}
	*lo = a->net_ilo_ci.lo;
	*hi = a->net_ilo_ci.hi;
	*ci_defined = a->net_ilo_ci.lo_defined && a->net_ilo_ci.hi_defined;
	*ci = PCI(R, &a->net_ilo_ci);
	*p = PV(R, &a->mcnemar_exact_p);
	return 0;
}

static void section_summary(struct rep *R)
{
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "summary", T(R, "h.summary"));
	doc_para(R->d, lang_t(R->L, "summary.intro", I(R, (long long)r->npairs),
			      T(R, r->def == PAIRS_STRICT  ? "outcome.strict"
				   : r->def == PAIRS_BROAD ? "outcome.broad"
							   : "outcome.any"),
			      NIL));
	const char *head[] = { T(R, "col.group"), T(R, "col.pairs"), T(R, "col.net_ilo"),
			       lang_t(R->L, "col.ci", LEVEL(R), NIL), T(R, "col.p_exact") };
	const unsigned char num[] = { 0, 1, 1, 1, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.headline"), 5, head, num);
	int clustered = 0;
	for (int g = 0; g < analysis_groups_shown(r); g++) {
		const struct paired_analysis *a = &analysis_group(r, g)->overall.r;
		const char *ci, *p;
		double lo, hi;
		int cd;
		clustered |= headline(R, g, &ci, &p, &lo, &hi, &cd);
		const char *row[] = { group_label(R, g), I(R, a->n), P(R, a->net_ilo.defined, a->net_ilo.v),
				      ci, p };
		doc_row(t, row);
	}
	doc_table_foot(t, clustered ? lang_t(R->L, "foot.headline_all", T(R, "foot.headline"), NIL)
				    : T(R, "foot.headline"));
	for (int g = 0; g < r->ngroups; g++) {
		doc_heading(R->d, 3, NULL, group_label(R, g));
		summary_sentences(R, g);
	}
	/* The net rates with their intervals. */
	struct svg_ci_item *items = xcalloc((size_t)analysis_groups_shown(r) + 1, sizeof(*items));
	struct strbuf alt = STRBUF_INIT;
	for (int g = 0; g < analysis_groups_shown(r); g++) {
		const struct paired_analysis *a = &analysis_group(r, g)->overall.r;
		const char *ci, *p;
		double lo, hi;
		int cd;
		headline(R, g, &ci, &p, &lo, &hi, &cd);
		items[g] = (struct svg_ci_item){ group_label(R, g), a->net_ilo.defined, a->net_ilo.v, cd,
						 lo, hi,
						 lang_t(R->L, "chart.n", I(R, a->t.a + a->t.b + a->t.c), NIL) };
		sb_addf(&alt, "%s%s: %s %s", g ? "; " : "", group_label(R, g),
			P(R, a->net_ilo.defined, a->net_ilo.v), ci);
	}
	const char *title = lang_t(R->L, "chart.net.title", LEVEL(R), NIL);
	const char *desc = lang_t(R->L, "chart.net.desc", sb_str(&alt), LEVEL(R), NIL);
	struct svg_chart c = chart(R, "chart-net", title, desc, T(R, "chart.net.axis"), 1);
	struct strbuf svg = STRBUF_INIT;
	svg_ci_chart(&svg, &c, items, (size_t)analysis_groups_shown(r), 1);
	figure(R, "chart-net", &svg, title, desc);
	sb_free(&alt);
	free(items);
	/* Warnings belong next to the figures they qualify. */
	for (int k = 0; k < r->nwarnings; k++) {
		const struct analysis_warning *w = &r->warnings[k];
		char key[64];
		snprintf(key, sizeof(key), "warn.%s", analysis_warning_key(w->kind));
		doc_note(R->d, lang_t(R->L, key, group_label(R, w->group), I(R, w->discordant),
				      lang_p_eq(R->L, w->p), I(R, ANALYSIS_SMALL_DISCORDANT), NIL));
	}
}

static void section_flow(struct rep *R)
{
	const struct analysis_result *r = R->r;
	const struct study_facts *f = R->in->facts;
	doc_heading(R->d, 2, "flow", T(R, "h.flow"));
	doc_para(R->d, T(R, "flow.intro"));
	const char *head[] = { T(R, "col.step"), T(R, "col.count") };
	const unsigned char num[] = { 0, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.flow"), 2, head, num);
	long formed = (long)r->npairs + r->excluded_total;
	const char *rows[][2] = {
		{ T(R, "flow.listings"), I(R, f->listings) },
		{ T(R, "flow.not_assigned"), I(R, f->not_assigned) },
		{ T(R, "flow.pairs"), I(R, formed) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		doc_row(t, rows[i]);
	for (int x = 0; x < PAIRS_EXCL_N; x++) {
		char key[64];
		snprintf(key, sizeof(key), "excl.%s", pairs_excl_key(x));
		const char *row[] = { lang_t(R->L, "flow.excluded", T(R, key), NIL), I(R, -r->excluded[x]) };
		doc_row(t, row);
	}
	const char *last[] = { T(R, "flow.analysed"), I(R, (long long)r->npairs) };
	doc_row(t, last);
	if (r->placebo.present) {
		const char *pl[] = { T(R, "flow.placebo"), I(R, (long long)r->placebo.npairs) };
		const char *px[] = { T(R, "flow.placebo_excluded"), I(R, -r->placebo.excluded_total) };
		doc_row(t, pl);
		doc_row(t, px);
	}
	doc_table_foot(t, T(R, "foot.flow"));
	/* Why applications were skipped in the field, in the fielders' own
	 * words: free text that may name a landlord, so only in the
	 * confidential report (the public one counts them above). */
	const struct field_summary *fs = r->field;
	if (R->in->confidential && fs && fs->nreasons) {
		const char *h2[] = { T(R, "col.reason"), T(R, "col.applications"), T(R, "col.listings") };
		const unsigned char n2[] = { 0, 1, 1 };
		struct doc_table *t2 = doc_table(R->d, T(R, "cap.skipped"), 3, h2, n2);
		for (int i = 0; i < fs->nreasons; i++) {
			const char *row[] = { fs->reason[i], I(R, fs->cancelled[i]), I(R, fs->listings[i]) };
			doc_row(t2, row);
		}
	}
}

/* The full measures of each group. */
static void section_measures(struct rep *R)
{
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "measures", T(R, "h.measures"));
	doc_para(R->d, lang_t(R->L, "measures.intro", R->control, NIL));
	const char *head[] = { T(R, "col.measure") };
	int ng = analysis_groups_shown(r);
	const char **h = xcalloc((size_t)ng + 2, sizeof(char *));
	unsigned char *num = xcalloc((size_t)ng + 2, 1);
	h[0] = head[0];
	for (int g = 0; g < ng; g++) {
		h[g + 1] = group_label(R, g);
		num[g + 1] = 1;
	}
	struct doc_table *t = doc_table(R->d, T(R, "cap.measures"), ng + 1, h, num);
	enum { M_N, M_A, M_B, M_C, M_D, M_RC, M_RT, M_DIFF, M_NET, M_GB, M_GC, M_NETALL, M_RATIO, M_OR,
	       M_EXACT, M_MIDP, M_CHI, M_HOLM, M_NMEAS };
	static const char *const keys[M_NMEAS] = {
		"m.n",	   "m.a",      "m.b",	 "m.c",	      "m.d",	  "m.rate_control",
		"m.rate_test", "m.diff", "m.net_ilo", "m.gross_b", "m.gross_c", "m.net_all",
		"m.ratio", "m.odds_ratio", "m.exact", "m.midp", "m.chi2", "m.holm"
	};
	const char **row = xcalloc((size_t)ng + 2, sizeof(char *));
	for (int m = 0; m < M_NMEAS; m++) {
		if (m == M_HOLM && r->ngroups < 2)
			continue;
		row[0] = lang_t(R->L, keys[m], R->control, NIL);
		for (int g = 0; g < ng; g++) {
			const struct analysis_group *G = analysis_group(r, g);
			const struct paired_analysis *a = &G->overall.r;
			const char *v = "";
			switch (m) {
			case M_N: v = I(R, a->n); break;
			case M_A: v = I(R, a->t.a); break;
			case M_B: v = I(R, a->t.b); break;
			case M_C: v = I(R, a->t.c); break;
			case M_D: v = I(R, a->t.d); break;
			case M_RC:
				v = VCI(R, &a->rate_control, &a->rate_control_ci);
				break;
			case M_RT:
				v = VCI(R, &a->rate_test, &a->rate_test_ci);
				break;
			case M_DIFF:
				v = VCI(R, &a->diff, &a->diff_ci_newcombe);
				break;
			case M_NET:
				v = NET(R, a);
				break;
			case M_GB: v = P(R, a->gross_control.defined, a->gross_control.v); break;
			case M_GC: v = P(R, a->gross_test.defined, a->gross_test.v); break;
			case M_NETALL: v = P(R, a->net_all.defined, a->net_all.v); break;
			case M_RATIO:
				v = EST_CI(R, a->ratio.defined, RATIO(R, &a->ratio),
					   a->ratio_ci_bonett_price.lo_defined && a->ratio_ci_bonett_price.hi_defined
						   ? lang_num_ci(R->L, a->ratio_ci_bonett_price.lo,
								 a->ratio_ci_bonett_price.hi, 2)
						   : T(R, "fmt.na"));
				break;
			case M_OR:
				v = EST_CI(R, a->odds_ratio.defined, RATIO(R, &a->odds_ratio),
					   a->odds_ratio_ci.lo_defined && a->odds_ratio_ci.hi_defined
						   ? lang_num_ci(R->L, a->odds_ratio_ci.lo, a->odds_ratio_ci.hi, 2)
						   : T(R, "fmt.na"));
				break;
			case M_EXACT: v = PV(R, &a->mcnemar_exact_p); break;
			case M_MIDP: v = PV(R, &a->mcnemar_midp); break;
			case M_CHI: v = PV(R, &a->mcnemar_chi2_p); break;
			default:
				v = g < r->ngroups ? PV(R, &G->overall.holm_exact) : "";
				break;
			}
			row[g + 1] = v;
		}
		doc_row(t, row);
	}
	doc_table_foot(t, lang_t(R->L, "foot.measures", LEVEL(R), NIL));
	/* The pooled row, clustered by listing. */
	if (r->ngroups > 1) {
		const struct cluster_net *ci = &r->all.cl_ilo, *ca = &r->all.cl_all;
		const char *h2[] = { T(R, "col.measure"), T(R, "col.estimate"),
				     lang_t(R->L, "col.ci", LEVEL(R), NIL),
				     T(R, "col.se_clustered"), T(R, "col.se_naive"), T(R, "col.p") };
		const unsigned char n2[] = { 0, 1, 1, 1, 1, 1 };
		struct doc_table *t2 = doc_table(R->d, T(R, "cap.pooled"), 6, h2, n2);
		const struct cluster_net *cs[] = { ci, ca };
		const char *names[] = { T(R, "pooled.net_ilo"), T(R, "pooled.net_all") };
		for (int k = 0; k < 2; k++) {
			const struct cluster_net *c = cs[k];
			const char *rw[] = { names[k], P(R, c->est_defined, c->est),
					     c->defined ? lang_pct_ci(R->L, c->lo, c->hi) : T(R, "fmt.na"),
					     P(R, c->defined, c->se), P(R, c->defined, c->se_naive),
					     c->defined ? lang_p(R->L, c->p) : T(R, "fmt.na") };
			doc_row(t2, rw);
		}
		doc_table_foot(t2, lang_t(R->L, "foot.pooled", I(R, (long long)ca->clusters),
					  I(R, (long long)ca->pairs), NIL));
	}
	/* Stacked: both / only control / only test / neither. */
	const char *parts[] = { T(R, "part.both"), lang_t(R->L, "part.only", R->control, NIL),
				T(R, "part.only_test"), T(R, "part.neither") };
	struct svg_stack_item *st = xcalloc((size_t)ng + 1, sizeof(*st));
	struct strbuf alt = STRBUF_INIT;
	for (int g = 0; g < ng; g++) {
		const struct paired_counts *c = &analysis_group(r, g)->overall.r.t;
		st[g].label = group_label(R, g);
		st[g].parts[0] = (double)c->a;
		st[g].parts[1] = (double)c->b;
		st[g].parts[2] = (double)c->c;
		st[g].parts[3] = (double)c->d;
		sb_adds(&alt, lang_t(R->L, "chart.stack.item", group_label(R, g), I(R, c->a), I(R, c->b),
				     I(R, c->c), I(R, c->d), NIL));
		sb_adds(&alt, " ");
	}
	const char *title = T(R, "chart.stack.title");
	const char *desc = lang_t(R->L, "chart.stack.desc", sb_str(&alt), NIL);
	struct svg_chart c = chart(R, "chart-pairs", title, desc, T(R, "chart.stack.axis"), 1);
	struct strbuf svg = STRBUF_INIT;
	svg_stacked_chart(&svg, &c, parts, 4, st, (size_t)ng);
	figure(R, "chart-pairs", &svg, title, desc);
	sb_free(&alt);
	free(st);
	free(row);
	free(h);
	free(num);
}

static const char *const stage_keys[ANALYSIS_STAGE_N] = { "stage.any", "stage.positive",
							  "stage.invitation" };

/* Grouped bars of the control and the test candidate's rates in each of
 * n tables of group g (the funnel's stages, answered within 24 h / 72 h /
 * at all): the chart "chart-KIND-G", titled and described by the keys
 * chart.KIND.title and chart.KIND.desc. */
static void rates_chart(struct rep *R, const char *kind, int g, const char *const *labels,
			const struct paired_analysis *const *tables, int n)
{
	const char *series[] = { R->control, group_label(R, g) };
	struct svg_group_item items[8];
	struct strbuf alt = STRBUF_INIT;
	memset(items, 0, sizeof(items));
	for (int k = 0; k < n && k < 8; k++) {
		const struct paired_analysis *a = tables[k];
		items[k].label = labels[k];
		items[k].values[0] = a->rate_control.v;
		items[k].defined[0] = a->rate_control.defined;
		items[k].values[1] = a->rate_test.v;
		items[k].defined[1] = a->rate_test.defined;
		sb_adds(&alt, lang_t(R->L, "chart.funnel.item", labels[k],
				     P(R, a->rate_control.defined, a->rate_control.v),
				     P(R, a->rate_test.defined, a->rate_test.v), NIL));
		sb_adds(&alt, " ");
	}
	char id[48], key[48];
	snprintf(id, sizeof(id), "chart-%s-%d", kind, g + 1);
	snprintf(key, sizeof(key), "chart.%s.title", kind);
	const char *title = lang_t(R->L, key, group_label(R, g), NIL);
	snprintf(key, sizeof(key), "chart.%s.desc", kind);
	const char *desc = lang_t(R->L, key, R->control, group_label(R, g), sb_str(&alt), NIL);
	struct svg_chart c = chart(R, id, title, desc, T(R, "chart.funnel.axis"), 1);
	struct strbuf svg = STRBUF_INIT;
	svg_grouped_chart(&svg, &c, series, 2, items, (size_t)(n < 8 ? n : 8));
	figure(R, id, &svg, title, desc);
	sb_free(&alt);
}

static void section_funnel(struct rep *R)
{
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "funnel", T(R, "h.funnel"));
	doc_para(R->d, T(R, "funnel.intro"));
	const char *head[] = { T(R, "col.stage"), T(R, "col.group"), T(R, "col.rate_control"),
			       T(R, "col.rate_test"), T(R, "col.net_ilo_ci"), T(R, "col.p_exact") };
	const unsigned char num[] = { 0, 0, 1, 1, 1, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.funnel"), 6, head, num);
	for (int k = 0; k < ANALYSIS_STAGE_N; k++) {
		for (int g = 0; g < analysis_groups_shown(r); g++) {
			const struct paired_analysis *a = &analysis_group(r, g)->stage[k];
			const char *row[] = { T(R, stage_keys[k]), group_label(R, g),
					      P(R, a->rate_control.defined, a->rate_control.v),
					      P(R, a->rate_test.defined, a->rate_test.v),
					      NET(R, a),
					      PV(R, &a->mcnemar_exact_p) };
			doc_row(t, row);
		}
	}
	for (int g = 0; g < r->ngroups; g++) {
		const char *labels[ANALYSIS_STAGE_N];
		const struct paired_analysis *tables[ANALYSIS_STAGE_N];
		for (int k = 0; k < ANALYSIS_STAGE_N; k++) {
			labels[k] = T(R, stage_keys[k]);
			tables[k] = &r->groups[g].stage[k];
		}
		rates_chart(R, "funnel", g, labels, tables, ANALYSIS_STAGE_N);
	}
}

static void section_times(struct rep *R)
{
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "times", T(R, "h.times"));
	doc_para(R->d, T(R, "times.intro"));
	const char *head[] = { T(R, "col.group"), T(R, "col.both_replied"), T(R, "col.median_control"),
			       T(R, "col.median_test"), T(R, "col.hl"), T(R, "col.p_signrank") };
	const unsigned char num[] = { 0, 1, 1, 1, 1, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.times"), 6, head, num);
	int ng = analysis_groups_shown(r);
	struct svg_ci_item *items = xcalloc((size_t)ng + 1, sizeof(*items));
	struct strbuf alt = STRBUF_INIT;
	for (int g = 0; g < ng; g++) {
		const struct analysis_times *tm = &analysis_group(r, g)->times;
		const struct signrank_result *sr = &tm->sr;
		const char *row[] = {
			group_label(R, g), I(R, (long long)tm->both),
			tm->medians_defined ? lang_num(R->L, tm->median_control, 1) : T(R, "fmt.na"),
			tm->medians_defined ? lang_num(R->L, tm->median_test, 1) : T(R, "fmt.na"),
			EST_CI(R, sr->est_defined, lang_num(R->L, sr->estimate, 1),
			       sr->ci_defined ? lang_num_ci(R->L, sr->lo, sr->hi, 1) : T(R, "fmt.na")),
			sr->defined ? lang_p(R->L, sr->p) : T(R, "fmt.na")
		};
		doc_row(t, row);
		items[g] = (struct svg_ci_item){ group_label(R, g), sr->est_defined, sr->estimate,
						 sr->ci_defined, sr->lo, sr->hi,
						 lang_t(R->L, "chart.n", I(R, (long long)tm->both), NIL) };
		sb_addf(&alt, "%s%s: %s %s", g ? "; " : "", group_label(R, g),
			sr->est_defined ? lang_num(R->L, sr->estimate, 1) : T(R, "fmt.na"),
			sr->ci_defined ? lang_num_ci(R->L, sr->lo, sr->hi, 1) : "");
	}
	doc_table_foot(t, T(R, "foot.times"));
	const char *title = T(R, "chart.times.title");
	const char *desc = lang_t(R->L, "chart.times.desc", sb_str(&alt), NIL);
	struct svg_chart c = chart(R, "chart-times", title, desc, T(R, "chart.times.axis"), 0);
	struct strbuf svg = STRBUF_INIT;
	svg_ci_chart(&svg, &c, items, (size_t)ng, 0);
	figure(R, "chart-times", &svg, title, desc);
	sb_free(&alt);
	free(items);
	/* Answered within 24 h / 72 h. */
	const char *h2[] = { T(R, "col.within"), T(R, "col.group"), T(R, "col.pairs"),
			     T(R, "col.rate_control"), T(R, "col.rate_test"), T(R, "col.diff_ci"),
			     T(R, "col.p_exact") };
	const unsigned char n2[] = { 0, 0, 1, 1, 1, 1, 1 };
	struct doc_table *t2 = doc_table(R->d, T(R, "cap.within"), 7, h2, n2);
	for (int w = 0; w <= ANALYSIS_WITHIN_N; w++) {
		for (int g = 0; g < ng; g++) {
			const struct analysis_times *tm = &analysis_group(r, g)->times;
			const struct paired_analysis *a =
				w < ANALYSIS_WITHIN_N ? &tm->within[w] : &tm->answered;
			char hours[16];
			snprintf(hours, sizeof(hours), "%.0f",
				 w < ANALYSIS_WITHIN_N ? analysis_within_hours[w] : 0.0);
			const char *row[] = { w < ANALYSIS_WITHIN_N
						      ? lang_t(R->L, "within.hours", hours, NIL)
						      : T(R, "within.any"),
					      group_label(R, g),
					      I(R, a->n), P(R, a->rate_control.defined, a->rate_control.v),
					      P(R, a->rate_test.defined, a->rate_test.v),
					      VCI(R, &a->diff, &a->diff_ci_newcombe),
					      PV(R, &a->mcnemar_exact_p) };
			doc_row(t2, row);
		}
	}
	for (int g = 0; g < r->ngroups; g++) {
		const char *labels[ANALYSIS_WITHIN_N + 1];
		const struct paired_analysis *tables[ANALYSIS_WITHIN_N + 1];
		for (int w = 0; w < ANALYSIS_WITHIN_N; w++) {
			char hours[16];
			snprintf(hours, sizeof(hours), "%.0f", analysis_within_hours[w]);
			labels[w] = lang_t(R->L, "within.hours", hours, NIL);
			tables[w] = &r->groups[g].times.within[w];
		}
		labels[ANALYSIS_WITHIN_N] = T(R, "within.any");
		tables[ANALYSIS_WITHIN_N] = &r->groups[g].times.answered;
		rates_chart(R, "within", g, labels, tables, ANALYSIS_WITHIN_N + 1);
	}
}

static const char *dim_title(struct rep *R, int dim)
{
	char key[48];
	snprintf(key, sizeof(key), "dim.%s", analysis_dim_name(dim));
	return T(R, key);
}

/* A stratum's value for people: the words the data holds, except for the
 * values corrtest itself writes. */
static const char *stratum_text(struct rep *R, const char *v)
{
	static const char *const own[][2] = {
		{ "female", "value.female" }, { "male", "value.male" },
		{ "agency", "value.agency" }, { "private", "value.private" },
		{ "(none)", "value.none" },   { "new", "value.new" },
		{ "tested before", "value.tested_before" }, { "(unknown)", "value.unknown" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(v, own[i][0]))
			return T(R, own[i][1]);
	return v;
}

static const char *het_text(struct rep *R, const struct net_heterogeneity *h)
{
	if (!h->defined)
		return T(R, "cmp.undefined");
	char df[16];
	snprintf(df, sizeof(df), "%ld", h->df);
	return lang_t(R->L, "cmp.het", lang_num(R->L, h->chi2, 2), df, lang_p_eq(R->L, h->p), NIL);
}

static const char *diff_text(struct rep *R, const struct net_rate_diff *d)
{
	if (!d->defined)
		return T(R, "cmp.undefined");
	return lang_t(R->L, "cmp.diff", lang_pct(R->L, d->diff), lang_pct_ci(R->L, d->lo, d->hi),
		      lang_num(R->L, d->z, 2), lang_p_eq(R->L, d->p), NIL);
}

static void section_splits(struct rep *R)
{
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "splits", T(R, "h.splits"));
	doc_para(R->d, T(R, "splits.intro"));
	int gsel = r->ngroups > 1 ? r->ngroups : 0; /* all test groups, or the one */
	if (gsel && r->all.cl_all.clusters < r->all.cl_all.pairs)
		doc_note(R->d, T(R, "note.shared"));
	for (int k = 0; k < r->nsplits; k++) {
		const struct analysis_split *sp = &r->splits[k];
		const struct analysis_split_group *sg = &sp->g[gsel];
		doc_heading(R->d, 3, NULL, dim_title(R, sp->dim));
		const char *head[] = { dim_title(R, sp->dim), T(R, "col.pairs"), T(R, "col.b"),
				       T(R, "col.c"), T(R, "col.net_ilo_ci"), T(R, "col.net_all"),
				       T(R, "col.p_exact") };
		const unsigned char num[] = { 0, 1, 1, 1, 1, 1, 1 };
		struct doc_table *t = doc_table(
			R->d, lang_t(R->L, "cap.split", dim_title(R, sp->dim), group_label(R, gsel), NIL),
			7, head, num);
		struct svg_ci_item *items = xcalloc((size_t)sp->nstrata + 1, sizeof(*items));
		struct strbuf alt = STRBUF_INIT;
		for (int s = 0; s < sp->nstrata; s++) {
			const struct paired_analysis *a = &sg->cells[s];
			const char *name = stratum_text(R, sp->strata[s].label);
			const char *row[] = { name, I(R, a->n), I(R, a->t.b), I(R, a->t.c),
					      NET(R, a),
					      P(R, a->net_all.defined, a->net_all.v), PV(R, &a->mcnemar_exact_p) };
			doc_row(t, row);
			items[s] = (struct svg_ci_item){ name, a->net_ilo.defined, a->net_ilo.v,
							 a->net_ilo_ci.lo_defined && a->net_ilo_ci.hi_defined,
							 a->net_ilo_ci.lo, a->net_ilo_ci.hi,
							 lang_t(R->L, "chart.n",
								I(R, a->t.a + a->t.b + a->t.c), NIL) };
			sb_addf(&alt, "%s%s: %s %s", s ? "; " : "", name,
				P(R, a->net_ilo.defined, a->net_ilo.v), PCI(R, &a->net_ilo_ci));
		}
		const char *foot = lang_t(R->L, "cmp.foot", het_text(R, &sg->netcmp.het_ilo),
					  het_text(R, &sg->netcmp.het_all), NIL);
		if (sg->netcmp.two)
			foot = lang_t(R->L, "cmp.foot_two", foot,
				      stratum_text(R, sp->strata[0].label),
				      stratum_text(R, sp->strata[1].label),
				      diff_text(R, &sg->netcmp.diff_ilo), diff_text(R, &sg->netcmp.diff_all),
				      NIL);
		doc_table_foot(t, foot);
		if (sp->nstrata > 1) {
			char id[48];
			snprintf(id, sizeof(id), "chart-split-%s", analysis_dim_name(sp->dim));
			for (char *p = id; *p; p++)
				if (*p == '_')
					*p = '-';
			const char *title = lang_t(R->L, "chart.split.title", dim_title(R, sp->dim), NIL);
			const char *desc = lang_t(R->L, "chart.split.desc", sb_str(&alt), LEVEL(R), NIL);
			struct svg_chart c = chart(R, id, title, desc, T(R, "chart.net.axis"), 1);
			c.y_label = dim_title(R, sp->dim);
			struct strbuf svg = STRBUF_INIT;
			svg_ci_chart(&svg, &c, items, (size_t)sp->nstrata, 0);
			figure(R, id, &svg, title, desc);
		}
		sb_free(&alt);
		free(items);
	}
}

/* An earlier wave as people know it: its name and when it was set up
 * (waves of one study often share its name). */
static const char *wave_label(struct rep *R, const struct analysis_wave *w)
{
	char day[11] = "";
	if (w->created_at)
		snprintf(day, sizeof(day), "%s", w->created_at);
	return lang_t(R->L, "waves.label", w->name ? w->name : "?", day, NIL);
}

static void section_agents(struct rep *R)
{
	const struct analysis_result *r = R->r;
	const struct analysis_agent_dist *d = &r->agent_dist;
	doc_heading(R->d, 2, "agents", T(R, "h.agents"));
	char k[16];
	snprintf(k, sizeof(k), "%ld", d->min_tests);
	doc_para(R->d, lang_t(R->L, "agents.intro", I(R, (long long)d->agents_keyed), k,
			      I(R, (long long)d->agents), R->control, NIL));
	const char *head[] = { T(R, "col.favoured"), T(R, "col.agents"), T(R, "col.share") };
	const unsigned char num[] = { 0, 1, 1 };
	struct doc_table *t = doc_table(R->d, lang_t(R->L, "cap.agents", k, NIL), 3, head, num);
	size_t v[] = { d->never, d->sometimes, d->always };
	const char *keys[] = { "agents.never", "agents.sometimes", "agents.always" };
	for (int i = 0; i < 3; i++) {
		const char *row[] = { T(R, keys[i]), I(R, (long long)v[i]),
				      d->agents ? lang_pct(R->L, (double)v[i] / (double)d->agents)
						: T(R, "fmt.na") };
		doc_row(t, row);
	}
	doc_table_foot(t, T(R, "foot.agents"));
	if (r->nwaves) {
		doc_heading(R->d, 3, NULL, T(R, "h.waves"));
		doc_para(R->d, T(R, "waves.intro"));
		if (r->ngroups > 1 && r->all.cl_all.clusters < r->all.cl_all.pairs)
			doc_note(R->d, T(R, "note.shared"));
		const char *h2[] = { T(R, "col.wave"), T(R, "col.pairs"), T(R, "col.net_ilo_ci"),
				     T(R, "col.diff_ilo"), T(R, "col.diff_all") };
		const unsigned char n2[] = { 0, 1, 1, 1, 1 };
		struct doc_table *t2 = doc_table(R->d, T(R, "cap.waves"), 5, h2, n2);
		const struct paired_analysis *cur = &r->all.overall.r;
		const char *first[] = { lang_t(R->L, "waves.this", R->in->facts->name, NIL),
					I(R, cur->n),
					NET(R, cur),
					"", "" };
		doc_row(t2, first);
		for (int w = 0; w < r->nwaves; w++) {
			const struct analysis_wave *wv = &r->waves[w];
			const char *row[] = { wave_label(R, wv), I(R, (long long)wv->npairs),
					      NET(R, &wv->all),
					      diff_text(R, &wv->diff_ilo), diff_text(R, &wv->diff_all) };
			doc_row(t2, row);
		}
		/* The differences with a zero line. */
		struct svg_ci_item *items = xcalloc((size_t)r->nwaves + 1, sizeof(*items));
		struct strbuf alt = STRBUF_INIT;
		for (int w = 0; w < r->nwaves; w++) {
			const struct net_rate_diff *df = &r->waves[w].diff_ilo;
			items[w] = (struct svg_ci_item){ wave_label(R, &r->waves[w]), df->defined, df->diff,
							 df->defined,
							 df->lo, df->hi, NULL };
			sb_addf(&alt, "%s%s: %s", w ? "; " : "", wave_label(R, &r->waves[w]),
				diff_text(R, df));
		}
		const char *title = T(R, "chart.waves.title");
		const char *desc = lang_t(R->L, "chart.waves.desc", sb_str(&alt), LEVEL(R), NIL);
		struct svg_chart c = chart(R, "chart-waves", title, desc, T(R, "chart.waves.axis"), 1);
		struct strbuf svg = STRBUF_INIT;
		svg_ci_chart(&svg, &c, items, (size_t)r->nwaves, 0);
		figure(R, "chart-waves", &svg, title, desc);
		sb_free(&alt);
		free(items);
	}
}

static void section_placebo(struct rep *R)
{
	const struct analysis_result *r = R->r;
	if (!r->placebo.present)
		return;
	const struct paired_analysis *a = &r->placebo.r;
	doc_heading(R->d, 2, "placebo", T(R, "h.placebo"));
	doc_para(R->d, lang_t(R->L, "placebo.intro", R->control, NIL));
	const char *head[] = { T(R, "col.pairs"), T(R, "col.b"), T(R, "col.c"), T(R, "col.net_ilo_ci"),
			       T(R, "col.p_exact") };
	const unsigned char num[] = { 1, 1, 1, 1, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.placebo"), 5, head, num);
	const char *row[] = { I(R, a->n), I(R, a->t.b), I(R, a->t.c),
			      NET(R, a),
			      PV(R, &a->mcnemar_exact_p) };
	doc_row(t, row);
}

static void section_coding(struct rep *R)
{
	const struct analysis_coding *c = R->r->coding;
	doc_heading(R->d, 2, "coding", T(R, "h.coding"));
	if (!c) {
		doc_para(R->d, T(R, "coding.none"));
		return;
	}
	doc_para(R->d, lang_t(R->L, "coding.intro", I(R, c->applications), I(R, c->by_rules),
			      I(R, c->by_people), NIL));
	const char *rule = !strcmp(c->reply_rule, "first")  ? "coding.rule.first"
			   : !strcmp(c->reply_rule, "last") ? "coding.rule.last"
							    : "coding.rule.best";
	doc_para(R->d, lang_t(R->L, rule, I(R, c->several), NIL));
	const struct agreement *a = &c->agreement;
	const char *head[] = { T(R, "col.measure"), T(R, "col.value") };
	const unsigned char num[] = { 0, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.coding"), 2, head, num);
	const char *rows[][2] = {
		{ T(R, "coding.double"), I(R, c->double_coded) },
		{ T(R, "coding.po"), a->n ? lang_pct(R->L, a->po) : T(R, "fmt.na") },
		{ T(R, "coding.kappa"),
		  c->kappa_defined ? lang_t(R->L, "fmt.est_ci", lang_num(R->L, c->kappa, 3),
					    a->se_defined ? lang_num_ci(R->L, a->lo, a->hi, 3)
							  : T(R, "fmt.na"),
					    NIL)
				   : T(R, "fmt.na") },
		{ T(R, "coding.ac1"),
		  a->ac1_defined ? lang_t(R->L, "fmt.est_ci", lang_num(R->L, a->ac1, 3),
					  a->ac1_ci_defined ? lang_num_ci(R->L, a->ac1_lo, a->ac1_hi, 3)
							    : T(R, "fmt.na"),
					  NIL)
				 : T(R, "fmt.na") },
		{ T(R, "coding.disagreeing"), I(R, c->disagreeing) },
		{ T(R, "coding.adjudicated"), I(R, c->adjudicated) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		doc_row(t, rows[i]);
	doc_table_foot(t, lang_t(R->L, "foot.coding", lang_num(R->L, c->min_kappa, 2), NIL));
	if (c->warning)
		doc_note(R->d, lang_t(R->L, "warn.kappa", lang_num(R->L, c->kappa, 3),
				      lang_num(R->L, c->min_kappa, 2), NIL));
}

static void section_method(struct rep *R)
{
	const struct study_facts *f = R->in->facts;
	const struct design *dz = R->in->design;
	const struct analysis_result *r = R->r;
	doc_heading(R->d, 2, "method", T(R, "h.method"));
	struct strbuf groups = STRBUF_INIT;
	for (int g = 0; dz && g < dz->ngroups; g++)
		sb_addf(&groups, "%s%s", g ? ", " : "", dz->groups[g].label);
	doc_para(R->d, lang_t(R->L, "method.design", sb_str(&groups),
			      dz ? I(R, dz->variants) : "?", NIL));
	sb_free(&groups);
	if (f->design_hash_from && !strcmp(f->design_hash_from, "study.ini"))
		doc_para(R->d, lang_t(R->L, "method.hash_now",
				      f->design_hash ? f->design_hash : T(R, "fmt.na"), NIL));
	else
		doc_para(R->d, lang_t(R->L, "method.randomisation", f->seed ? f->seed : "?",
				      f->design_hash ? f->design_hash : T(R, "fmt.na"), NIL));
	doc_para(R->d, lang_t(R->L, "method.dates", f->created_at ? f->created_at : "?",
			      f->first_sent ? f->first_sent : T(R, "fmt.na"),
			      f->last_sent ? f->last_sent : T(R, "fmt.na"),
			      f->first_reply ? f->first_reply : T(R, "fmt.na"),
			      f->last_reply ? f->last_reply : T(R, "fmt.na"), NIL));
	/* Channels and deviations. */
	const char *head[] = { T(R, "col.channel"), T(R, "col.applications") };
	const unsigned char num[] = { 0, 1 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.channels"), 2, head, num);
	for (int i = 0; i < f->nchannels; i++) {
		char key[48];
		snprintf(key, sizeof(key), "channel.%s", f->channels[i].channel);
		const char *row[] = { T(R, key), I(R, f->channels[i].applications) };
		doc_row(t, row);
	}
	if (r->field) {
		const char *h2[] = { T(R, "col.deviation"), T(R, "col.applications") };
		struct doc_table *t2 = doc_table(R->d, T(R, "cap.deviations"), 2, h2, num);
		for (int k = 0; k < DEVIATION_N; k++) {
			char key[48];
			snprintf(key, sizeof(key), "deviation.%s", deviation_key(k));
			const char *row[] = { T(R, key), I(R, r->field->deviations[k]) };
			doc_row(t2, row);
		}
	}
	doc_para(R->d, lang_t(R->L, "method.outcome",
			      T(R, r->def == PAIRS_STRICT  ? "outcome.strict"
				   : r->def == PAIRS_BROAD ? "outcome.broad"
							   : "outcome.any"),
			      NIL));
	doc_para(R->d, lang_t(R->L, "method.tests", LEVEL(R), ALPHA(R), NIL));
	doc_para(R->d, lang_t(R->L, "method.software", CORRTEST_VERSION,
			      f->event_head ? f->event_head : T(R, "fmt.na"), I(R, f->events), NIL));
}

void report_method(struct doc *d, struct lang *L, const struct analysis_result *r,
		   const struct study_facts *facts, const struct design *design)
{
	struct report_input in = { .r = r, .facts = facts, .design = design };
	struct rep R = { .in = &in, .r = r, .L = L, .d = d };
	section_method(&R);
}

static void section_limits(struct rep *R)
{
	doc_heading(R->d, 2, "limitations", T(R, "h.limitations"));
	const char *items[] = { T(R, "limit.sample"), T(R, "limit.names"), T(R, "limit.outcome"),
				T(R, "limit.agents"),
				T(R, R->r->coding ? "limit.coding" : "limit.recorded") };
	doc_list(R->d, items, (int)ARRAY_SIZE(items));
	const struct analysis_result *r = R->r;
	if (!r->nwarnings && !(r->coding && r->coding->warning))
		doc_para(R->d, T(R, "limit.no_warnings"));
	for (int k = 0; k < r->nwarnings; k++) {
		const struct analysis_warning *w = &r->warnings[k];
		char key[64];
		snprintf(key, sizeof(key), "warn.%s", analysis_warning_key(w->kind));
		doc_note(R->d, lang_t(R->L, key, group_label(R, w->group), I(R, w->discordant),
				      lang_p_eq(R->L, w->p), I(R, ANALYSIS_SMALL_DISCORDANT), NIL));
	}
}

static const char *agent_name(const struct report_input *in, const char *key)
{
	size_t lo = 0, hi = in->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(in->names[mid].key, key);
		if (!c)
			return in->names[mid].name;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void section_annex(struct rep *R)
{
	const struct analysis_result *r = R->r;
	if (!R->in->confidential)
		return;
	doc_heading(R->d, 2, "annex", T(R, "h.annex"));
	doc_banner(R->d, T(R, "banner.confidential"));
	doc_para(R->d, T(R, "annex.intro"));
	const char *head[] = { T(R, "col.agent"), T(R, "col.agent_key"), T(R, "col.listings"),
			       T(R, "col.pairs"), T(R, "col.b"), T(R, "col.c"), T(R, "col.p_exact"),
			       T(R, "col.p_holm"), T(R, "col.flagged") };
	const unsigned char num[] = { 0, 0, 1, 1, 1, 1, 1, 1, 0 };
	struct doc_table *t = doc_table(R->d, T(R, "cap.annex"), 9, head, num);
	for (size_t i = 0; i < r->nagents; i++) {
		const struct analysis_agent *a = &r->agents[i];
		const char *name = agent_name(R->in, a->key);
		const char *row[] = { name ? name : T(R, "fmt.na"), a->key, I(R, a->listings),
				      I(R, a->pairs), I(R, a->r.b), I(R, a->r.c),
				      a->r.tested ? lang_p(R->L, a->r.p_exact) : T(R, "fmt.na"),
				      a->r.tested ? lang_p(R->L, a->r.p_holm) : T(R, "fmt.na"),
				      a->r.flagged ? T(R, "annex.flagged") : "" };
		doc_row(t, row);
	}
	doc_table_foot(t, T(R, "foot.annex"));
}

/* ---- The machine-readable block ---- */

static char *json_block(const struct report_input *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	struct out *o = out_new(f, OUT_JSON);
	const struct study_facts *s = in->facts;
	out_str(o, &(struct out_field){ "format", NULL, OUT_TEXT, 0 }, "corrtest-report");
	out_int(o, &(struct out_field){ "format_version", NULL, OUT_COUNT, 0 }, 1);
	out_str(o, &(struct out_field){ "software", NULL, OUT_TEXT, 0 }, "corrtest " CORRTEST_VERSION);
	out_str(o, &(struct out_field){ "generated_at", NULL, OUT_TEXT, 0 }, in->generated_at);
	out_str(o, &(struct out_field){ "lang", NULL, OUT_TEXT, 0 }, in->lang);
	out_bool(o, &(struct out_field){ "confidential", NULL, OUT_BOOL, 0 }, in->confidential);
	out_map_begin(o, &(struct out_field){ "study", NULL, OUT_TEXT, 0 });
	out_str(o, &(struct out_field){ "name", NULL, OUT_TEXT, 0 }, s->name);
	out_str(o, &(struct out_field){ "market", NULL, OUT_TEXT, 0 }, s->market);
	out_str(o, &(struct out_field){ "city", NULL, OUT_TEXT, 0 }, s->city);
	out_str(o, &(struct out_field){ "lang", NULL, OUT_TEXT, 0 }, s->lang);
	out_str(o, &(struct out_field){ "seed", NULL, OUT_TEXT, 0 }, s->seed);
	out_str(o, &(struct out_field){ "design_hash", NULL, OUT_TEXT, 0 }, s->design_hash);
	out_str(o, &(struct out_field){ "design_hash_from", NULL, OUT_TEXT, 0 },
		s->design_hash ? s->design_hash_from : NULL);
	out_str(o, &(struct out_field){ "created_at", NULL, OUT_TEXT, 0 }, s->created_at);
	out_str(o, &(struct out_field){ "first_sent", NULL, OUT_TEXT, 0 }, s->first_sent);
	out_str(o, &(struct out_field){ "last_sent", NULL, OUT_TEXT, 0 }, s->last_sent);
	out_str(o, &(struct out_field){ "first_reply", NULL, OUT_TEXT, 0 }, s->first_reply);
	out_str(o, &(struct out_field){ "last_reply", NULL, OUT_TEXT, 0 }, s->last_reply);
	out_int(o, &(struct out_field){ "events", NULL, OUT_COUNT, 0 }, s->events);
	out_str(o, &(struct out_field){ "event_head", NULL, OUT_TEXT, 0 }, s->event_head);
	out_map_begin(o, &(struct out_field){ "flow", NULL, OUT_TEXT, 0 });
	out_int(o, &(struct out_field){ "listings", NULL, OUT_COUNT, 0 }, s->listings);
	out_int(o, &(struct out_field){ "withdrawn", NULL, OUT_COUNT, 0 }, s->withdrawn);
	out_int(o, &(struct out_field){ "not_assigned", NULL, OUT_COUNT, 0 }, s->not_assigned);
	out_int(o, &(struct out_field){ "applications", NULL, OUT_COUNT, 0 }, s->applications);
	out_int(o, &(struct out_field){ "sent", NULL, OUT_COUNT, 0 }, s->sent);
	out_map_end(o);
	out_table_begin(o, &(struct out_field){ "channels", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < s->nchannels; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "channel", NULL, OUT_TEXT, 0 }, s->channels[i].channel);
		out_int(o, &(struct out_field){ "applications", NULL, OUT_COUNT, 0 },
			s->channels[i].applications);
		out_row_end(o);
	}
	out_table_end(o);
	out_map_end(o);
	out_map_begin(o, &(struct out_field){ "analysis", NULL, OUT_TEXT, 0 });
	analysis_describe(o, in->r);
	out_map_end(o);
	if (in->confidential && in->r->have_agents) {
		out_map_begin(o, &(struct out_field){ "agents", NULL, OUT_TEXT, 0 });
		analysis_describe_agents(o, in->r);
		out_map_end(o);
	}
	int rc = out_free(o);
	if (fclose(f) != 0 || rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- The whole ---- */

int report_render(const struct report_input *in, struct report_output *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	struct rep R = { .in = in, .r = in->r };
	int rc = lang_load(in->lang, &R.L, err);
	if (rc)
		return rc;
	R.control = in->design && in->design->ngroups ? in->design->groups[0].label
						      : T(&R, "group.control");
	R.d = doc_new(lang_t(R.L, "title", in->facts->name ? in->facts->name : "", NIL), in->lang);
	section_title(&R);
	section_summary(&R);
	section_flow(&R);
	section_measures(&R);
	section_funnel(&R);
	section_times(&R);
	section_splits(&R);
	section_agents(&R);
	section_placebo(&R);
	section_coding(&R);
	section_method(&R);
	section_limits(&R);
	section_annex(&R);
	out->json = json_block(in);
	if (!out->json) {
		doc_free(R.d);
		lang_free(R.L);
		return ct_fail(err, CT_EENV, "cannot write the report's data block (out of memory?)");
	}
	struct strbuf html = STRBUF_INIT, md = STRBUF_INIT;
	doc_html(R.d, out->json, &html);
	doc_markdown(R.d, &md);
	sb_adds(&md, "```json\n");
	sb_adds(&md, out->json);
	sb_adds(&md, "```\n");
	out->html = sb_detach(&html);
	out->md = sb_detach(&md);
	out->charts = R.charts;
	doc_free(R.d);
	lang_free(R.L);
	return CT_OK;
}

void report_output_free(struct report_output *o)
{
	free(o->html);
	free(o->md);
	free(o->json);
	memset(o, 0, sizeof(*o));
}

int report_agent_names(struct study *s, struct report_agent_name **out, size_t *n,
		       struct ct_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT l.agent_key, min(coalesce(c.agent_name, c.contact_email)) FROM "
			       "listing l JOIN listing_contact c ON c.listing = l.id WHERE l.agent_key IS "
			       "NOT NULL GROUP BY l.agent_key ORDER BY l.agent_key",
			       &st, err);
	if (rc)
		return rc;
	int step;
	size_t cap = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (!name)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = (struct report_agent_name){
			xstrdup((const char *)sqlite3_column_text(st, 0)), xstrdup(name)
		};
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		report_agent_names_free(*out, *n);
		*out = NULL;
		*n = 0;
		return study_db_error(s, err, "reading the agents' names");
	}
	return CT_OK;
}

void report_agent_names_free(struct report_agent_name *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].key);
		free(a[i].name);
	}
	free(a);
}

/* mkdir -p for the output folder (its parents included). */
static int make_dirs(const char *dir, struct ct_err *err)
{
	char *p = xstrdup(dir);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			ct_fail(err, CT_EENV, "cannot create %s: %s", p, strerror(errno));
			free(p);
			return CT_EENV;
		}
		*q = '/';
	}
	int rc = CT_OK;
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = ct_fail(err, CT_EENV, "cannot create %s: %s", p, strerror(errno));
	free(p);
	return rc;
}

/* Writes the n files whole: each to a temporary name first, renamed only
 * once all are written and synced, so that a full disk never leaves an
 * HTML page beside a Markdown file of another run (only a failure between
 * the renames, which need no space, could). */
static int write_all(const char *const *paths, const char *const *data, int n, struct ct_err *err)
{
	char *tmp[4] = { 0 };
	int rc = CT_OK, k;
	for (k = 0; k < n && !rc; k++) {
		int fd = file_create_temp(paths[k], 0644, &tmp[k], err);
		if (fd < 0) {
			rc = CT_EENV;
			break;
		}
		if (file_write_fd(fd, data[k], strlen(data[k])) != 0) {
			rc = ct_fail(err, CT_EENV, "%s: %s", paths[k], strerror(errno));
			close(fd);
		} else if (close(fd) != 0) {
			rc = ct_fail(err, CT_EENV, "%s: %s", paths[k], strerror(errno));
		}
	}
	for (k = 0; k < n && !rc; k++)
		rc = file_commit_temp(tmp[k], paths[k], err);
	for (k = 0; k < n; k++) {
		if (tmp[k] && rc)
			unlink(tmp[k]);
		free(tmp[k]);
	}
	return rc;
}

int report_make(struct study *s, const struct report_options *o, const char *generated_at,
		struct report_output *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *lang = o->lang ? o->lang : s->design && s->design->lang ? s->design->lang : "en";
	if (strcmp(lang, "nl") && strcmp(lang, "fr") && strcmp(lang, "en"))
		return ct_fail(err, CT_EINPUT, "--lang must be nl, fr or en, not '%s'", lang);
	struct analysis_options ao = { 0 };
	int rc = analysis_options_parse(o->alpha, NULL, &ao, err);
	if (rc || (rc = analysis_outcome_set(&ao, o->outcome, s->design ? s->design->outcome : NULL,
					    err)))
		return rc;
	if (o->min_tests < 0)
		return ct_fail(err, CT_EINPUT, "--min-tests must be 1 or more");
	ao.parts = ANALYSIS_SPLITS | (o->confidential ? ANALYSIS_AGENTS : 0);
	ao.min_tests = o->min_tests;
	struct study **prev = xcalloc((size_t)o->nprevious + 1, sizeof(*prev));
	for (int k = 0; k < o->nprevious && !rc; k++) {
		rc = study_open(o->previous[k], STUDY_RO, &prev[k], err);
		if (rc) {
			char *msg = xstrdup(err->msg);
			ct_fail(err, rc == CT_EENV ? CT_EENV : CT_EINPUT, "--previous %s: %s",
				o->previous[k], msg);
			free(msg);
		}
	}
	ao.previous = prev;
	ao.nprevious = o->nprevious;
	struct analysis_result *r = NULL;
	struct study_facts *facts = NULL;
	struct report_agent_name *names = NULL;
	size_t nnames = 0;
	if (!rc)
		rc = analysis_run(s, &ao, &r, err);
	for (int k = 0; k < o->nprevious; k++)
		study_close(prev[k]);
	free(prev);
	/* The reasons fielders typed for skipping an application are free text
	 * that may name a landlord: a public report, and its data block, keep
	 * only their counts (among the cancelled pairs). */
	if (!rc && !o->confidential && r->field) {
		for (int i = 0; i < r->field->nreasons; i++)
			free(r->field->reason[i]);
		r->field->nreasons = 0;
	}
	if (!rc)
		rc = study_facts_read(s, &facts, err);
	if (!rc && o->as_of_events > 0)
		rc = study_facts_events_as_of(s, facts, o->as_of_events, err);
	if (!rc && o->confidential)
		rc = report_agent_names(s, &names, &nnames, err);
	if (!rc) {
		struct report_input in = { r,	  facts, s->design, lang, o->confidential,
					   names, nnames, generated_at };
		rc = report_render(&in, out, err);
	}
	report_agent_names_free(names, nnames);
	study_facts_free(facts);
	analysis_free(r);
	return rc;
}

int report_run(struct study *s, const char *study_dir, const struct report_options *o,
	       struct report_written *w, struct ct_err *err)
{
	memset(w, 0, sizeof(*w));
	if (o->out_dir && !*o->out_dir)
		return ct_fail(err, CT_EINPUT, "--out needs a folder name");
	const char *lang = o->lang ? o->lang : s->design && s->design->lang ? s->design->lang : "en";
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	struct report_output out;
	int rc = report_make(s, o, now, &out, err);
	if (!rc) {
		if (o->out_dir) {
			w->dir = xstrdup(o->out_dir);
		} else {
			char *copy = xstrdup(study_dir);
			char *real = realpath(copy, NULL);
			w->dir = xasprintf("results/%s", basename(real ? real : copy));
			free(real);
			free(copy);
		}
		const char *stem = o->confidential ? "report-confidential" : "report";
		w->html = xasprintf("%s/%s.html", w->dir, stem);
		w->md = xasprintf("%s/%s.md", w->dir, stem);
		snprintf(w->lang, sizeof(w->lang), "%s", lang);
		w->charts = out.charts;
		w->confidential = o->confidential;
		const char *paths[] = { w->html, w->md }, *data[] = { out.html, out.md };
		if (!(rc = make_dirs(w->dir, err)))
			rc = write_all(paths, data, 2, err);
	}
	if (!rc && o->pdf) {
		w->pdf = xasprintf("%s/%s.pdf", w->dir, o->confidential ? "report-confidential" : "report");
		rc = report_pdf(w->html, w->pdf, err);
	}
	report_output_free(&out);
	if (rc)
		report_written_free(w);
	return rc;
}

void report_written_free(struct report_written *w)
{
	free(w->dir);
	free(w->html);
	free(w->md);
	free(w->pdf);
	memset(w, 0, sizeof(*w));
}
