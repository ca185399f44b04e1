/* describe.c: the analysis results told to the output layer once, for
 * tables, JSON and CSV alike (describe.h). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analysis/describe.h"
#include "fielding/deviation.h"
#include "base/banned.h"

/* ---- The paired measures ---- */

/* A measure of struct paired_analysis: its JSON key (CSV columns follow,
 * see io/out.h), unit, where it sits, and how it is shown in a row of the
 * group table and in the block of a single table (--table). */
struct measure {
	const char *key;
	size_t off;
	int interval;
	enum out_unit unit;
	const char *row_label;
	unsigned row_flags;
	const char *one_label;
	unsigned one_flags;
};

#define V(f, u, rl, rf, ol, of) { #f, offsetof(struct paired_analysis, f), 0, u, rl, rf, ol, of }
#define I(f, u, rl, rf, ol, of) { #f, offsetof(struct paired_analysis, f), 1, u, rl, rf, ol, of }
static const struct measure measures[] = {
	V(rate_control, OUT_FRACTION, "control %", 0, "control response rate (a+b)/N, %, Wilson", 0),
	I(rate_control_ci, OUT_FRACTION, NULL, 0, NULL, OUT_ATTACH),
	V(rate_test, OUT_FRACTION, "test %", 0, "test response rate (a+c)/N, %, Wilson", 0),
	I(rate_test_ci, OUT_FRACTION, NULL, 0, NULL, OUT_ATTACH),
	V(diff, OUT_FRACTION, "diff % [Newcombe CI]", OUT_PART2,
	  "difference (b-c)/N, %, Newcombe method 10", 0),
	I(diff_ci_newcombe, OUT_FRACTION, NULL, OUT_ATTACH, NULL, OUT_ATTACH),
	I(diff_ci_tango, OUT_FRACTION, NULL, 0, "  Tango score interval", 0),
	V(net_ilo, OUT_FRACTION, "net ILO % [CI]", 0,
	  "net ILO rate (b-c)/(a+b+c), %, Newcombe on (a, b, c, 0)", 0),
	I(net_ilo_ci, OUT_FRACTION, NULL, OUT_ATTACH, NULL, OUT_ATTACH),
	V(gross_control, OUT_FRACTION, "gross b %", 0, "gross rate b/(a+b+c), %", 0),
	V(gross_test, OUT_FRACTION, "gross c %", 0, "gross rate c/(a+b+c), %", 0),
	V(net_all, OUT_FRACTION, "net all %", 0, "net rate, all pairs (b-c)/N, %", 0),
	V(ratio, OUT_RATIO, "ratio [Bonett-Price CI]", OUT_PART2, "ratio (a+b)/(a+c), Bonett-Price",
	  0),
	I(ratio_ci_bonett_price, OUT_RATIO, NULL, OUT_ATTACH, NULL, OUT_ATTACH),
	I(ratio_ci_wald_log, OUT_RATIO, NULL, 0, "  Wald interval, log scale", 0),
	V(odds_ratio, OUT_RATIO, "odds ratio b/c [exact CI]", OUT_PART2,
	  "odds ratio b/c, exact (Clopper-Pearson)", 0),
	I(odds_ratio_ci, OUT_RATIO, NULL, OUT_ATTACH, NULL, OUT_ATTACH),
	V(mcnemar_exact_p, OUT_PVALUE, "McNemar exact p", OUT_PART2, "McNemar exact p", 0),
	V(mcnemar_midp, OUT_PVALUE, "mid-p", OUT_PART2, "McNemar mid-p", 0),
	V(mcnemar_chi2, OUT_STAT, NULL, 0, "McNemar chi-square", 0),
	V(mcnemar_chi2_p, OUT_PVALUE, "chi2 p", OUT_PART2, "  its p", 0),
	V(mcnemar_chi2_cc, OUT_STAT, NULL, 0, "McNemar chi-square, continuity corrected", 0),
	V(mcnemar_chi2_cc_p, OUT_PVALUE, NULL, 0, "  its p", 0),
};
#undef V
#undef I

static const struct out_field F_NOTES = { "notes", NULL, OUT_TEXT, 0 };

/* The counts and every measure, in the order of the JSON fields; one: the
 * labels of a single table, else those of a row of the group table. */
static void describe_measures(struct out *o, const struct paired_analysis *a, int one)
{
	static const char *const keys[] = { "n", "a", "b", "c", "d" };
	static const char *const row_labels[] = { "pairs", "a", "b", "c", "d" };
	static const char *const one_labels[] = { "pairs (N)", "a (both positive)",
						  "b (only the control candidate positive)",
						  "c (only the test candidate positive)", "d (neither)" };
	const long counts[] = { a->n, a->t.a, a->t.b, a->t.c, a->t.d };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		struct out_field f = { keys[i], one ? one_labels[i] : row_labels[i], OUT_COUNT, 0 };
		out_int(o, &f, counts[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(measures); i++) {
		const struct measure *m = &measures[i];
		struct out_field f = { m->key, one ? m->one_label : m->row_label, m->unit,
				       one ? m->one_flags : m->row_flags };
		const void *at = (const char *)a + m->off;
		if (m->interval) {
			const struct paired_interval *ci = at;
			out_interval(o, &f, &(struct out_interval){ ci->lo, ci->hi, ci->lo_defined,
								     ci->hi_defined });
		} else {
			const struct paired_value *v = at;
			out_value(o, &f, v->defined, v->v);
		}
	}
}

void analysis_describe_paired(struct out *o, const struct paired_analysis *a)
{
	describe_measures(o, a, 1);
	out_notes(o, &F_NOTES, a->notes, a->nnotes);
	out_text(o, "Percentages with %g%% intervals (each after its estimate); formulas and "
		    "sources: docs/statistics.md.", 100.0 * (1.0 - a->alpha));
}

/* ---- Two independent proportions ---- */

static void u_value(struct out *o, const char *key, const char *label, enum out_unit unit,
		    const struct unpaired_value *v)
{
	out_value(o, &(struct out_field){ key, label, unit, 0 }, v->defined, v->v);
}

static void u_interval(struct out *o, const char *key, enum out_unit unit,
		       const struct unpaired_interval *ci)
{
	out_interval(o, &(struct out_field){ key, NULL, unit, OUT_ATTACH },
		     &(struct out_interval){ ci->lo, ci->hi, ci->defined, ci->defined });
}

void analysis_describe_unpaired(struct out *o, const struct unpaired_summary *s)
{
	static const char *const keys[] = { "n1", "x1", "n2", "x2" };
	static const char *const labels[] = { "n1 (control applications)", "x1 (control positive)",
					      "n2 (test applications)", "x2 (test positive)" };
	const long v[] = { s->n1, s->x1, s->n2, s->x2 };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		out_int(o, &(struct out_field){ keys[i], labels[i], OUT_COUNT, 0 }, v[i]);
	u_value(o, "rate_1", "rate 1, x1/n1, %, Wilson", OUT_FRACTION, &s->rate1);
	u_interval(o, "rate_1_ci", OUT_FRACTION, &s->rate1_ci);
	u_value(o, "rate_2", "rate 2, x2/n2, %, Wilson", OUT_FRACTION, &s->rate2);
	u_interval(o, "rate_2_ci", OUT_FRACTION, &s->rate2_ci);
	u_value(o, "diff", "difference p1 - p2, %, Newcombe hybrid score", OUT_FRACTION, &s->diff);
	u_interval(o, "diff_ci_newcombe", OUT_FRACTION, &s->diff_ci_newcombe);
	u_value(o, "chi2", "chi-square", OUT_STAT, &s->chi2);
	u_value(o, "chi2_p", "  its p", OUT_PVALUE, &s->chi2_p);
	u_value(o, "chi2_yates", "chi-square, Yates", OUT_STAT, &s->chi2_cc);
	u_value(o, "chi2_yates_p", "  its p", OUT_PVALUE, &s->chi2_cc_p);
	u_value(o, "fisher_p", "Fisher exact p", OUT_PVALUE, &s->fisher_p);
	u_value(o, "risk_ratio", "risk ratio p1/p2, Wald on the log scale", OUT_RATIO,
		&s->risk_ratio);
	u_interval(o, "risk_ratio_ci", OUT_RATIO, &s->risk_ratio_ci);
	out_notes(o, &F_NOTES, s->notes, s->nnotes);
	out_text(o, "Group 1 is the control, group 2 the test group; %g%% intervals.",
		 100.0 * (1.0 - s->alpha));
}

/* ---- A study: groups, strata, tests, exclusions ---- */

static const struct out_field F_GROUPS = { "groups", NULL, OUT_TEXT, 0 };
static const struct out_field F_GROUP = { "group", NULL, OUT_TEXT, OUT_ID };
static const struct out_field F_GROUP_LABEL = { "label", "group", OUT_TEXT, OUT_ID };
/* Columns of the group table that JSON has elsewhere or not at all. */
static const struct out_field F_STRATUM_ALL = { "stratum", "stratum", OUT_TEXT, OUT_NO_JSON };
static const struct out_field F_STRATUM_ALL_CSV = { "stratum", NULL, OUT_TEXT, OUT_NO_JSON };
static const struct out_field F_STRATUM = { "stratum", "stratum", OUT_TEXT, OUT_NO_JSON | OUT_ID };
static const struct out_field F_STRATUM_MAP = { "stratum", NULL, OUT_TEXT, 0 };
static const struct out_field F_STRATUM_LABEL = { "label", NULL, OUT_TEXT, OUT_NO_CSV };
static const struct out_field F_STRATA = { "strata", NULL, OUT_TEXT, 0 };
static const struct out_field F_HOLM = { "mcnemar_exact_p_holm", "Holm p", OUT_PVALUE, OUT_PART2 };
static const struct out_field F_HOLM_MIDP = { "mcnemar_midp_holm", NULL, OUT_PVALUE, 0 };
static const struct out_field F_HOM = {
	"homogeneity",
	"Is b/(b+c) the same in every stratum? (Pearson chi-square over the strata with b+c > 0)",
	OUT_TEXT, OUT_NO_CSV
};

static void describe_netcmp(struct out *o, const struct analysis_netcmp *nc);

static void describe_homogeneity(struct out *o, const struct strata_homogeneity *h)
{
	out_map_begin(o, &F_HOM);
	out_int(o, &(struct out_field){ "strata", "strata", OUT_COUNT, 0 }, (long long)h->strata);
	out_int(o, &(struct out_field){ "informative", "with b+c > 0", OUT_COUNT, 0 },
		(long long)h->informative);
	out_value(o, &(struct out_field){ "chi2", "chi2", OUT_STAT, 0 }, h->defined, h->chi2);
	struct out_field df = { "df", "df", OUT_COUNT, 0 };
	if (h->defined)
		out_int(o, &df, h->df);
	else
		out_missing(o, &df, NULL);
	out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, h->defined, h->p);
	out_value(o, &(struct out_field){ "odds_ratio_mh", "MH odds ratio", OUT_RATIO, 0 },
		  h->or_defined, h->or_mh);
	out_notes(o, &F_NOTES, h->notes, h->nnotes);
	out_map_end(o);
}

/* A group's row: its overall measures, then its strata as child rows, then
 * the homogeneity test. */
/* A study holding rows made up by `corrtest simulate` says so in every
 * format: a banner for people, "simulated" in JSON and a column in CSV. */
static void describe_simulated(struct out *o, const struct analysis_result *r)
{
	int sim = r->simulated_apps || r->simulated_responses;
	out_bool(o, &(struct out_field){ "simulated", NULL, OUT_BOOL, OUT_NO_CSV }, sim);
	if (sim)
		out_text(o, "*** SIMULATED: %lld response%s and %lld send%s of this study were made up "
			    "by 'corrtest simulate';\n*** these are not the results of a real study "
			    "('corrtest simulate --undo' removes them). ***\n",
			 r->simulated_responses, r->simulated_responses == 1 ? "" : "s",
			 r->simulated_apps, r->simulated_apps == 1 ? "" : "s");
}

static void describe_group(struct out *o, const struct analysis_result *r,
			   const struct analysis_group *G, int test_group)
{
	out_str(o, &F_GROUP, G->name);
	out_str(o, &F_GROUP_LABEL, G->label);
	out_str(o, r->ndims ? &F_STRATUM_ALL : &F_STRATUM_ALL_CSV, "all");
	for (int d = 0; d < r->ndims; d++)
		out_str(o, &(struct out_field){ analysis_dim_name(r->dims[d]), NULL, OUT_TEXT, OUT_NO_JSON },
			NULL);
	describe_measures(o, &G->overall.r, 0);
	if (test_group) {
		out_value(o, &F_HOLM, G->overall.holm_exact.defined, G->overall.holm_exact.v);
		out_value(o, &F_HOLM_MIDP, G->overall.holm_midp.defined, G->overall.holm_midp.v);
	}
	out_notes(o, &F_NOTES, G->overall.r.notes, G->overall.r.nnotes);
	/* CSV only (JSON has it once, at the top), on every row. */
	out_bool(o, &(struct out_field){ "simulated", NULL, OUT_BOOL, OUT_NO_JSON | OUT_ID },
		 r->simulated_apps || r->simulated_responses);
	if (!r->ndims)
		return;
	out_table_begin(o, &F_STRATA);
	for (int s = 0; s < r->nstrata; s++) {
		const struct analysis_cell *c = &G->strata[s];
		out_row_begin(o, NULL);
		out_map_begin(o, &F_STRATUM_MAP);
		for (int d = 0; d < r->ndims; d++)
			out_str(o, &(struct out_field){ analysis_dim_name(r->dims[d]), NULL, OUT_TEXT, 0 },
				r->strata[s].values[d]);
		out_map_end(o);
		out_str(o, &F_STRATUM_LABEL, r->strata[s].label);
		out_str(o, &F_STRATUM, r->strata[s].label);
		describe_measures(o, &c->r, 0);
		out_notes(o, &F_NOTES, c->r.notes, c->r.nnotes);
		out_row_end(o);
	}
	out_table_end(o);
	describe_homogeneity(o, &G->hom);
	describe_netcmp(o, &G->netcmp);
}

static void describe_cochran(struct out *o, const struct analysis_result *r)
{
	static const struct out_field table = {
		"cochran_q",
		"\nCochran's Q: listings where the control and every test group of a set have one valid "
		"pair each",
		OUT_TEXT, OUT_NO_CSV
	};
	static const struct out_field item = { NULL, NULL, OUT_TEXT, 0 };
	out_table_begin(o, &table);
	for (int k = 0; k < r->ncochran; k++) {
		const struct analysis_cochran *c = &r->cochran[k];
		out_row_begin(o, NULL);
		out_list_begin(o, &(struct out_field){ "groups", NULL, OUT_TEXT, 0 });
		for (int g = 0; g < c->ngroups; g++)
			out_str(o, &item, r->groups[c->groups[g]].name);
		out_list_end(o);
		out_list_begin(o, &(struct out_field){ "labels", "test groups", OUT_TEXT,
						       OUT_TABLE_ONLY | OUT_ID });
		for (int g = 0; g < c->ngroups; g++)
			out_str(o, &item, r->groups[c->groups[g]].label);
		out_list_end(o);
		out_int(o, &(struct out_field){ "listings", "listings", OUT_COUNT, 0 },
			(long long)c->listings);
		out_value(o, &(struct out_field){ "q", "Q", OUT_STAT, 0 }, c->defined, c->q);
		out_int(o, &(struct out_field){ "df", "df", OUT_COUNT, 0 }, c->ngroups);
		out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, c->defined, c->p);
		out_notes(o, &F_NOTES, c->defined ? NULL : &c->why, c->defined ? 0 : 1);
		out_row_end(o);
	}
	out_table_end(o);
}

static void describe_excluded(struct out *o, const struct analysis_result *r)
{
	out_map_begin(o, &(struct out_field){ "excluded", "\nExcluded pairs, by reason", OUT_TEXT, 0 });
	for (int x = 0; x < PAIRS_EXCL_N; x++)
		out_int(o, &(struct out_field){ pairs_excl_key(x), pairs_excl_text(x), OUT_COUNT, 0 },
			r->excluded[x]);
	out_map_end(o);
	out_int(o, &(struct out_field){ "excluded_total", "excluded pairs in all", OUT_COUNT, 0 },
		r->excluded_total);
}

/* Fielding by hand: how far the sends kept to the plan, and why pairs were
 * skipped in the field (they are among the cancelled above). In the table
 * format only when there is something to say. */
static void describe_field(struct out *o, const struct analysis_result *r)
{
	const struct field_summary *f = r->field;
	if (!f)
		return;
	long any = f->nreasons;
	for (int k = 0; k < DEVIATION_N; k++)
		any += f->deviations[k];
	out_map_begin(o, &(struct out_field){ "fielding", any ? "\nFielding: deviations from the "
							       "plan (corrtest field deviations)"
							     : NULL,
					       OUT_TEXT, 0 });
	for (int k = 0; k < DEVIATION_N; k++)
		out_int(o, &(struct out_field){ deviation_key(k), any ? deviation_text(k) : NULL,
						OUT_COUNT, 0 },
			f->deviations[k]);
	out_table_begin(o, &(struct out_field){ "skipped", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < f->nreasons; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "reason", NULL, OUT_TEXT, 0 }, f->reason[i]);
		out_int(o, &(struct out_field){ "applications", NULL, OUT_COUNT, 0 },
			f->cancelled[i]);
		out_int(o, &(struct out_field){ "listings", NULL, OUT_COUNT, 0 }, f->listings[i]);
		out_text(o, "  cancelled in the field: %ld application%s of %ld listing%s: %s",
			 f->cancelled[i], f->cancelled[i] == 1 ? "" : "s", f->listings[i],
			 f->listings[i] == 1 ? "" : "s", f->reason[i]);
		out_row_end(o);
	}
	out_table_end(o);
	out_map_end(o);
}

/* Placebo pairs: two control personas on one listing, apart from the test
 * groups. Their net rate measures the protocol's own noise: it should be
 * near zero. Shown only when the study has placebo pairs. */
static void describe_placebo(struct out *o, const struct analysis_result *r)
{
	if (!r->placebo.present)
		return;
	out_map_begin(o, &(struct out_field){ "placebo",
					      "\nPlacebo pairs (the control persona against a second "
					      "control persona; apart from the test groups)",
					      OUT_TEXT, 0 });
	describe_measures(o, &r->placebo.r, 1);
	out_notes(o, &F_NOTES, r->placebo.r.notes, r->placebo.r.nnotes);
	out_int(o, &(struct out_field){ "excluded_total", "excluded placebo pairs", OUT_COUNT, 0 },
		r->placebo.excluded_total);
	out_map_end(o);
	out_text(o, "Here b: only the control persona positive; c: only the placebo persona "
		    "positive. Both are of the\ncontrol group, so the net rate should be near zero; "
		    "a clear difference points at the\nprotocol (order, timing, texts), not at the "
		    "names.");
}

/* The coding of the replies: which reply counted, and whether the double
 * coding agrees well enough (the warning below study.ini's min_kappa). */
static void describe_coding(struct out *o, const struct analysis_result *r)
{
	const struct analysis_coding *c = r->coding;
	if (!c)
		return;
	static const struct out_field F_KAPPA = { "kappa", "Cohen's kappa (double coding)", OUT_STAT,
						  0 };
	out_map_begin(o, &(struct out_field){ "coding", "\nCoding of the replies (corrtest code)",
					      OUT_TEXT, 0 });
	out_str(o, &(struct out_field){ "reply_rule", "reply rule (study.ini [coding])", OUT_TEXT, 0 },
		c->reply_rule);
	out_int(o, &(struct out_field){ "applications", "applications with a coded reply",
					OUT_COUNT, 0 },
		c->applications);
	out_int(o, &(struct out_field){ "several_replies", "of which with several replies",
					OUT_COUNT, 0 },
		c->several);
	out_int(o, &(struct out_field){ "double_coded", "replies coded twice", OUT_COUNT, 0 },
		c->double_coded);
	if (c->kappa_defined)
		out_num(o, &F_KAPPA, c->kappa);
	else
		out_missing(o, &F_KAPPA,
			    c->double_coded ? "both coders used one outcome only" : "no reply coded twice");
	const struct agreement *ag = &c->agreement;
	out_interval(o, &(struct out_field){ "kappa_ci", NULL, OUT_STAT, OUT_ATTACH },
		     &(struct out_interval){ ag->lo, ag->hi, ag->se_defined, ag->se_defined });
	out_value(o, &(struct out_field){ "kappa_se", NULL, OUT_STAT, 0 }, ag->se_defined, ag->se);
	out_value(o, &(struct out_field){ "observed_agreement", "observed agreement %", OUT_FRACTION,
					  0 },
		  ag->n > 0, ag->po);
	out_value(o, &(struct out_field){ "ac1", "Gwet's AC1", OUT_STAT, 0 }, ag->ac1_defined, ag->ac1);
	out_int(o, &(struct out_field){ "sample", NULL, OUT_COUNT, 0 }, c->sample);
	out_int(o, &(struct out_field){ "disagreeing", "double-coded replies that disagree",
					OUT_COUNT, 0 },
		c->disagreeing);
	out_int(o, &(struct out_field){ "adjudicated", "of which adjudicated", OUT_COUNT, 0 },
		c->adjudicated);
	out_int(o, &(struct out_field){ "first_codes_by_rules", "first codes by the rules", OUT_COUNT,
					0 },
		c->by_rules);
	out_int(o, &(struct out_field){ "first_codes_by_people", "first codes by people", OUT_COUNT,
					0 },
		c->by_people);
	out_num(o, &(struct out_field){ "min_kappa", "min_kappa (study.ini [coding])", OUT_STAT, 0 },
		c->min_kappa);
	out_bool(o, &(struct out_field){ "below_min_kappa", NULL, OUT_BOOL, 0 }, c->warning != NULL);
	const char *w[] = { c->warning };
	out_notes(o, &(struct out_field){ "warnings", "warnings", OUT_TEXT, 0 }, w, c->warning ? 1 : 0);
	out_map_end(o);
	if (c->several)
		out_text(o, "%ld application%s had several coded replies; the analysed one is %s "
			    "(reply_rule %s).",
			 c->several, c->several == 1 ? "" : "s",
			 !strcmp(c->reply_rule, "first")  ? "the first to arrive"
			 : !strcmp(c->reply_rule, "last") ? "the last to arrive"
							  : "the one with the best outcome (invitation > "
							    "info > refusal > other > no_reply)",
			 c->reply_rule);
}


/* ---- The measures added for reports: funnel, times, pooled, splits ---- */

static void describe_het(struct out *o, const char *key, const char *label,
			 const struct net_heterogeneity *h)
{
	out_map_begin(o, &(struct out_field){ key, label, OUT_TEXT, OUT_NO_CSV });
	out_int(o, &(struct out_field){ "strata", "strata", OUT_COUNT, 0 }, (long long)h->strata);
	out_int(o, &(struct out_field){ "informative", "weighted (Var > 0)", OUT_COUNT, 0 },
		(long long)h->informative);
	out_value(o, &(struct out_field){ "mean", "weighted mean %", OUT_FRACTION, 0 }, h->defined,
		  h->mean);
	out_value(o, &(struct out_field){ "chi2", "chi2", OUT_STAT, 0 }, h->defined, h->chi2);
	struct out_field df = { "df", "df", OUT_COUNT, 0 };
	if (h->defined)
		out_int(o, &df, h->df);
	else
		out_missing(o, &df, NULL);
	out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, h->defined, h->p);
	out_notes(o, &F_NOTES, h->notes, h->nnotes);
	out_map_end(o);
}

static void describe_diff(struct out *o, const char *key, const char *label,
			  const struct net_rate_diff *d)
{
	out_map_begin(o, &(struct out_field){ key, label, OUT_TEXT, OUT_NO_CSV });
	out_value(o, &(struct out_field){ "d1", "first %", OUT_FRACTION, 0 }, d->defined, d->d1);
	out_value(o, &(struct out_field){ "d2", "second %", OUT_FRACTION, 0 }, d->defined, d->d2);
	out_value(o, &(struct out_field){ "diff", "difference %", OUT_FRACTION, 0 }, d->defined,
		  d->diff);
	out_interval(o, &(struct out_field){ "diff_ci", NULL, OUT_FRACTION, OUT_ATTACH },
		     &(struct out_interval){ d->lo, d->hi, d->defined, d->defined });
	out_value(o, &(struct out_field){ "se", "SE %", OUT_FRACTION, 0 }, d->defined, d->se);
	out_value(o, &(struct out_field){ "z", "z", OUT_STAT, 0 }, d->defined, d->z);
	out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, d->defined, d->p);
	out_notes(o, &F_NOTES, &d->why, d->defined ? 0 : 1);
	out_map_end(o);
}

/* The net rates of a split's strata compared: both net rates, since they
 * can move apart (METHOD.md, "More measures the reports need"). */
static void describe_netcmp(struct out *o, const struct analysis_netcmp *nc)
{
	out_map_begin(o, &(struct out_field){ "net_rate_comparison", NULL, OUT_TEXT, OUT_NO_CSV });
	describe_het(o, "heterogeneity_ilo",
		     "Is the net ILO rate the same in every stratum? (chi-square of the "
		     "inverse-variance weighted rates)",
		     &nc->het_ilo);
	describe_het(o, "heterogeneity_all", "The same for the net rate over all pairs",
		     &nc->het_all);
	if (nc->two) {
		describe_diff(o, "difference_ilo",
			      "Net ILO rate, first stratum - second (z test of independent rates)",
			      &nc->diff_ilo);
		describe_diff(o, "difference_all", "Net rate over all pairs, first - second",
			      &nc->diff_all);
	}
	out_map_end(o);
}

static const char *const stage_labels[ANALYSIS_STAGE_N] = { "any reply", "positive reply",
							    "invitation" };

static void describe_funnel(struct out *o, const struct analysis_result *r)
{
	out_table_begin(o, &(struct out_field){ "funnel",
						"\nResponse funnel: the measures with positive read as "
						"any reply, a positive reply (invitation or "
						"information), an invitation",
						OUT_TEXT, 0 });
	for (int g = 0; g < analysis_groups_shown(r); g++) {
		const struct analysis_group *G = analysis_group(r, g);
		for (int k = 0; k < ANALYSIS_STAGE_N; k++) {
			out_row_begin(o, NULL);
			out_str(o, &F_GROUP, G->name);
			out_str(o, &F_GROUP_LABEL, G->label);
			out_str(o, &(struct out_field){ "stage", "stage", OUT_TEXT, OUT_ID },
				analysis_stage_key(k));
			out_str(o, &(struct out_field){ "stage_text", NULL, OUT_TEXT, OUT_NO_JSON },
				stage_labels[k]);
			describe_measures(o, &G->stage[k], 0);
			out_notes(o, &F_NOTES, G->stage[k].notes, G->stage[k].nnotes);
			out_row_end(o);
		}
	}
	out_table_end(o);
}

static void describe_times(struct out *o, const struct analysis_result *r)
{
	out_table_begin(o, &(struct out_field){ "response_times",
						"\nResponse times: hours to the first reply, pairs "
						"where both were answered (test - control; Wilcoxon "
						"signed-rank, Hodges-Lehmann estimate)",
						OUT_TEXT, 0 });
	for (int g = 0; g < analysis_groups_shown(r); g++) {
		const struct analysis_group *G = analysis_group(r, g);
		const struct analysis_times *t = &G->times;
		const struct signrank_result *sr = &t->sr;
		out_row_begin(o, NULL);
		out_str(o, &F_GROUP, G->name);
		out_str(o, &F_GROUP_LABEL, G->label);
		out_int(o, &(struct out_field){ "timed_pairs", "timed", OUT_COUNT, 0 },
			(long long)t->timed);
		out_int(o, &(struct out_field){ "both_replied", "both replied", OUT_COUNT, 0 },
			(long long)t->both);
		out_value(o, &(struct out_field){ "median_hours_control", "median h control", OUT_REAL, 0 },
			  t->medians_defined, t->median_control);
		out_value(o, &(struct out_field){ "median_hours_test", "median h test", OUT_REAL, 0 },
			  t->medians_defined, t->median_test);
		out_value(o, &(struct out_field){ "hodges_lehmann_hours", "HL h [CI]", OUT_REAL, 0 },
			  sr->est_defined, sr->estimate);
		out_interval(o, &(struct out_field){ "hodges_lehmann_ci", NULL, OUT_REAL, OUT_ATTACH },
			     &(struct out_interval){ sr->lo, sr->hi, sr->ci_defined, sr->ci_defined });
		out_value(o, &(struct out_field){ "signed_rank_v", "V", OUT_STAT, 0 }, sr->defined, sr->v);
		out_value(o, &(struct out_field){ "signed_rank_p", "p", OUT_PVALUE, 0 }, sr->defined,
			  sr->p);
		out_bool(o, &(struct out_field){ "signed_rank_exact", NULL, OUT_BOOL, 0 }, sr->exact);
		/* Below 1 - alpha when a handful of pairs cannot reach it (R's
		 * attr(conf.int, "conf.level")). */
		out_value(o, &(struct out_field){ "hodges_lehmann_conf_level", NULL, OUT_PROB, 0 },
			  sr->ci_defined, sr->conf_level);
		out_notes(o, &F_NOTES, sr->notes, sr->nnotes);
		out_row_end(o);
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "within",
						"\nAnswered within 24 h, 72 h and at all, as paired "
						"outcomes (pairs whose reply times are known)",
						OUT_TEXT, 0 });
	for (int g = 0; g < analysis_groups_shown(r); g++) {
		const struct analysis_group *G = analysis_group(r, g);
		/* The rows within 24 h, 72 h, then at all (hours null). */
		for (int w = 0; w <= ANALYSIS_WITHIN_N; w++) {
			const struct paired_analysis *a =
				w < ANALYSIS_WITHIN_N ? &G->times.within[w] : &G->times.answered;
			struct out_field hours = { "hours", "within h", OUT_COUNT, OUT_ID };
			out_row_begin(o, NULL);
			out_str(o, &F_GROUP, G->name);
			out_str(o, &F_GROUP_LABEL, G->label);
			if (w < ANALYSIS_WITHIN_N)
				out_int(o, &hours, (long long)analysis_within_hours[w]);
			else
				out_missing(o, &hours, "at all");
			describe_measures(o, a, 0);
			out_notes(o, &F_NOTES, a->notes, a->nnotes);
			out_row_end(o);
		}
	}
	out_table_end(o);
}

static void describe_cluster(struct out *o, const char *key, const char *label,
			     const struct cluster_net *c)
{
	out_map_begin(o, &(struct out_field){ key, label, OUT_TEXT, 0 });
	out_value(o, &(struct out_field){ "estimate", "estimate %", OUT_FRACTION, 0 }, c->est_defined,
		  c->est);
	out_interval(o, &(struct out_field){ "ci", NULL, OUT_FRACTION, OUT_ATTACH },
		     &(struct out_interval){ c->lo, c->hi, c->defined, c->defined });
	out_value(o, &(struct out_field){ "se", "SE clustered by listing %", OUT_FRACTION, 0 },
		  c->defined, c->se);
	out_value(o, &(struct out_field){ "se_naive", "SE if pairs were independent %",
					  OUT_FRACTION, 0 },
		  c->defined, c->se_naive);
	out_value(o, &(struct out_field){ "z", "z", OUT_STAT, 0 }, c->defined, c->z);
	out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, c->defined, c->p);
	out_notes(o, &F_NOTES, &c->why, c->defined ? 0 : 1);
	out_map_end(o);
}

static void describe_pooled(struct out *o, const struct analysis_result *r)
{
	if (r->ngroups < 2)
		return;
	out_map_begin(o, &(struct out_field){ "all_clustered",
					      "\nAll test groups together, standard errors clustered "
					      "by listing (pairs of one listing share its control)",
					      OUT_TEXT, 0 });
	out_int(o, &(struct out_field){ "pairs", "pairs", OUT_COUNT, 0 },
		(long long)r->all.cl_all.pairs);
	out_int(o, &(struct out_field){ "listings", "listings", OUT_COUNT, 0 },
		(long long)r->all.cl_all.clusters);
	describe_cluster(o, "net_ilo", "net ILO rate (b-c)/(a+b+c)", &r->all.cl_ilo);
	describe_cluster(o, "net_all", "net rate over all pairs (b-c)/N", &r->all.cl_all);
	out_map_end(o);
}

static void describe_splits(struct out *o, const struct analysis_result *r)
{
	if (!r->nsplits)
		return;
	out_table_begin(o, &(struct out_field){ "splits", "\nSplits, one dimension at a time",
						OUT_TEXT, 0 });
	for (int k = 0; k < r->nsplits; k++) {
		const struct analysis_split *sp = &r->splits[k];
		for (int g = 0; g < analysis_groups_shown(r); g++) {
			const struct analysis_group *G = analysis_group(r, g);
			for (int t = 0; t < sp->nstrata; t++) {
				const struct paired_analysis *a = &sp->g[g].cells[t];
				out_row_begin(o, NULL);
				out_str(o, &(struct out_field){ "dimension", "by", OUT_TEXT, OUT_ID },
					analysis_dim_name(sp->dim));
				out_str(o, &(struct out_field){ "stratum", "stratum", OUT_TEXT, OUT_ID },
					sp->strata[t].label);
				out_str(o, &F_GROUP, G->name);
				out_str(o, &F_GROUP_LABEL, G->label);
				describe_measures(o, a, 0);
				out_notes(o, &F_NOTES, a->notes, a->nnotes);
				out_row_end(o);
			}
		}
	}
	out_table_end(o);
	out_table_begin(o, &(struct out_field){ "split_tests",
						"\nAre the strata of a split alike? (b/(b+c) and the "
						"net rates)",
						OUT_TEXT, OUT_NO_CSV });
	for (int k = 0; k < r->nsplits; k++) {
		const struct analysis_split *sp = &r->splits[k];
		for (int g = 0; g < analysis_groups_shown(r); g++) {
			const struct analysis_group *G = analysis_group(r, g);
			out_row_begin(o, NULL);
			out_str(o, &(struct out_field){ "dimension", "by", OUT_TEXT, OUT_ID },
				analysis_dim_name(sp->dim));
			out_str(o, &F_GROUP, G->name);
			out_str(o, &F_GROUP_LABEL, G->label);
			describe_homogeneity(o, &sp->g[g].hom);
			describe_netcmp(o, &sp->g[g].netcmp);
			out_row_end(o);
		}
	}
	out_table_end(o);
}

static void describe_agent_dist(struct out *o, const struct analysis_result *r)
{
	const struct analysis_agent_dist *d = &r->agent_dist;
	char label[160];
	snprintf(label, sizeof(label),
		 "\nAgents tested on at least %ld listings: on how many they favoured the control "
		 "candidate (only it positive)",
		 d->min_tests);
	out_map_begin(o, &(struct out_field){ "agent_distribution", label, OUT_TEXT, 0 });
	out_int(o, &(struct out_field){ "min_tests", NULL, OUT_COUNT, 0 }, d->min_tests);
	out_int(o, &(struct out_field){ "agents", "agents", OUT_COUNT, 0 }, (long long)d->agents);
	out_int(o, &(struct out_field){ "never", "never", OUT_COUNT, 0 }, (long long)d->never);
	out_int(o, &(struct out_field){ "sometimes", "sometimes", OUT_COUNT, 0 },
		(long long)d->sometimes);
	out_int(o, &(struct out_field){ "always", "always", OUT_COUNT, 0 }, (long long)d->always);
	out_int(o, &(struct out_field){ "agents_keyed", "agents with a key, any number of listings",
					OUT_COUNT, 0 },
		(long long)d->agents_keyed);
	out_map_end(o);
}

static void describe_waves(struct out *o, const struct analysis_result *r)
{
	if (!r->nwaves)
		return;
	out_table_begin(o, &(struct out_field){ "waves",
						"\nEarlier waves (--previous): all test groups, this "
						"study - the earlier one",
						OUT_TEXT, OUT_NO_CSV });
	for (int k = 0; k < r->nwaves; k++) {
		const struct analysis_wave *w = &r->waves[k];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "name", "study", OUT_TEXT, OUT_ID }, w->name);
		out_str(o, &(struct out_field){ "created_at", NULL, OUT_TEXT, 0 }, w->created_at);
		out_int(o, &(struct out_field){ "pairs", "pairs", OUT_COUNT, 0 }, (long long)w->npairs);
		out_map_begin(o, &(struct out_field){ "all", NULL, OUT_TEXT, 0 });
		describe_measures(o, &w->all, 0);
		out_map_end(o);
		describe_diff(o, "difference_ilo", "net ILO rate, this study - earlier", &w->diff_ilo);
		describe_diff(o, "difference_all", "net rate over all pairs, this study - earlier",
			      &w->diff_all);
		out_row_end(o);
	}
	out_table_end(o);
}

const char *analysis_warning_text(const struct analysis_result *r, const struct analysis_warning *w,
				  char *buf, size_t len)
{
	const char *who = w->group < 0 ? "placebo pairs"
			  : w->group < r->ngroups ? r->groups[w->group].label
						  : "all test groups";
	switch (w->kind) {
	case ANALYSIS_WARN_SMALL:
		snprintf(buf, len,
			 "%s: only %ld discordant pair%s (b + c < %d): only the exact McNemar test is "
			 "meaningful; read the intervals with care",
			 who, w->discordant, w->discordant == 1 ? "" : "s", ANALYSIS_SMALL_DISCORDANT);
		break;
	case ANALYSIS_WARN_CI_NOT_TEST:
		snprintf(buf, len,
			 "%s: the interval of the net ILO rate excludes 0, but the exact McNemar test "
			 "does not reject (p = %.3f): the evidence is borderline; the exact test is the "
			 "one to go by",
			 who, w->p);
		break;
	case ANALYSIS_WARN_TEST_NOT_CI:
		snprintf(buf, len,
			 "%s: the exact McNemar test rejects (p = %.3f), but the interval of the net ILO "
			 "rate includes 0: the evidence is borderline",
			 who, w->p);
		break;
	case ANALYSIS_WARN_NO_PAIRS:
		if (w->group < r->ngroups)
			snprintf(buf, len, "%s: no valid pair: nothing can be said of this group", who);
		else
			snprintf(buf, len, "no valid pair in the study: nothing can be said yet");
		break;
	default:
		snprintf(buf, len,
			 "placebo pairs differ (exact p = %.3f): two candidates of the same group were "
			 "answered differently, so the protocol (order, timing, texts) may drive "
			 "differences, not only the names",
			 w->p);
		break;
	}
	return buf;
}

static void describe_warnings(struct out *o, const struct analysis_result *r)
{
	out_table_begin(o, &(struct out_field){ "warnings", r->nwarnings ? "\nWarnings" : NULL,
						OUT_TEXT, OUT_NO_CSV });
	for (int k = 0; k < r->nwarnings; k++) {
		const struct analysis_warning *w = &r->warnings[k];
		char text[400];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "kind", NULL, OUT_TEXT, 0 }, analysis_warning_key(w->kind));
		out_str(o, &(struct out_field){ "group", NULL, OUT_TEXT, 0 },
			w->group < 0 ? "placebo" : w->group < r->ngroups ? r->groups[w->group].name : "all");
		out_str(o, &(struct out_field){ "text", NULL, OUT_TEXT, 0 },
			analysis_warning_text(r, w, text, sizeof(text)));
		out_text(o, "  %s", text);
		out_row_end(o);
	}
	out_table_end(o);
}

void analysis_describe(struct out *o, const struct analysis_result *r)
{
	static const struct out_field item = { NULL, NULL, OUT_TEXT, 0 };
	describe_simulated(o, r);
	out_str(o, &(struct out_field){ "outcome", NULL, OUT_TEXT, 0 }, pairs_def_name(r->def));
	char text[160];
	snprintf(text, sizeof(text), "%s (%s)", pairs_def_text(r->def),
		 r->outcome_given ? "--outcome" : "study.ini [design] outcome");
	out_str(o, &(struct out_field){ "outcome_text", "outcome", OUT_TEXT, OUT_TABLE_ONLY }, text);
	out_num(o, &(struct out_field){ "alpha", "alpha", OUT_REAL, 0 }, r->alpha);
	out_list_begin(o, &(struct out_field){ "by", r->ndims ? "by" : NULL, OUT_TEXT, 0 });
	for (int d = 0; d < r->ndims; d++)
		out_str(o, &item, analysis_dim_name(r->dims[d]));
	out_list_end(o);
	out_text(o, "%s", "");
	out_table_begin(o, &F_GROUPS);
	for (int g = 0; g < r->ngroups; g++) {
		out_row_begin(o, NULL);
		describe_group(o, r, &r->groups[g], 1);
		out_row_end(o);
	}
	out_table_end(o);
	out_row_begin(o, &(struct out_field){ "all", NULL, OUT_TEXT, 0 });
	describe_group(o, r, &r->all, 0);
	out_row_end(o);
	out_text(o, "\na both positive, b control only, c test only, d neither; net ILO = "
		    "(b-c)/(a+b+c) [Newcombe\n"
		    "interval on (a, b, c, 0)], gross b = b/(a+b+c), gross c = c/(a+b+c), net all = "
		    "(b-c)/pairs;\n"
		    "diff = (b-c)/pairs; ratio = (a+b)/(a+c); Holm: McNemar exact p adjusted over the "
		    "test groups\n"
		    "with discordant pairs; %g%% intervals. Tango's interval and the other tests: "
		    "--json, --csv.",
		 100.0 * (1.0 - r->alpha));
	describe_cochran(o, r);
	describe_excluded(o, r);
	describe_field(o, r);
	describe_placebo(o, r);
	describe_coding(o, r);
	describe_pooled(o, r);
	describe_funnel(o, r);
	describe_times(o, r);
	describe_splits(o, r);
	describe_agent_dist(o, r);
	describe_waves(o, r);
	describe_warnings(o, r);
}

/* ---- The agent-level list ---- */

void analysis_describe_agents(struct out *o, const struct analysis_result *r)
{
	out_text(o, "*** CONFIDENTIAL: agent-level results. They point at identifiable agents:\n"
		    "*** share only with those entitled to them (e.g. the equality body). ***");
	out_bool(o, &(struct out_field){ "confidential", NULL, OUT_BOOL, 0 }, 1);
	describe_simulated(o, r);
	out_str(o, &(struct out_field){ "outcome", "outcome", OUT_TEXT, 0 }, pairs_def_name(r->def));
	out_num(o, &(struct out_field){ "alpha", "alpha", OUT_REAL, 0 }, r->alpha);
	out_str(o, &(struct out_field){ "flag_rule", "flagged when", OUT_TEXT, OUT_NO_JSON },
		"Holm-adjusted exact p < alpha and b > c");
	out_str(o, &(struct out_field){ "flag_rule", NULL, OUT_TEXT, OUT_NO_CSV }, "holm");
	out_text(o, "%s", "");
	out_table_begin(o, &(struct out_field){ "agents", NULL, OUT_TEXT, 0 });
	for (size_t i = 0; i < r->nagents; i++) {
		const struct analysis_agent *a = &r->agents[i];
		const struct agent_result *x = &a->r;
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "agent_key", "agent_key", OUT_TEXT, OUT_ID }, a->key);
		out_int(o, &(struct out_field){ "listings", "listings", OUT_COUNT, 0 }, a->listings);
		out_int(o, &(struct out_field){ "pairs", "pairs", OUT_COUNT, 0 }, a->pairs);
		out_int(o, &(struct out_field){ "b", "b", OUT_COUNT, 0 }, x->b);
		out_int(o, &(struct out_field){ "c", "c", OUT_COUNT, 0 }, x->c);
		out_value(o, &(struct out_field){ "p_exact", "exact p", OUT_PVALUE, 0 }, x->tested,
			  x->p_exact);
		out_value(o, &(struct out_field){ "p_greater", NULL, OUT_PVALUE, 0 }, x->tested,
			  x->p_greater);
		out_value(o, &(struct out_field){ "p_holm", "Holm p", OUT_PVALUE, 0 }, x->tested,
			  x->p_holm);
		out_value(o, &(struct out_field){ "p_bh", "BH p", OUT_PVALUE, 0 }, x->tested, x->p_bh);
		out_bool(o, &(struct out_field){ "flagged", NULL, OUT_BOOL, 0 }, x->flagged);
		out_str(o, &(struct out_field){ "flag", "flagged", OUT_TEXT, OUT_TABLE_ONLY },
			x->flagged ? "FLAGGED" : "");
		out_str(o, &(struct out_field){ "note", NULL, OUT_TEXT, 0 }, x->note);
		out_row_end(o);
	}
	out_table_end(o);
	out_int(o, &(struct out_field){ "flagged", "agents flagged", OUT_COUNT, 0 }, r->flagged);
	out_int(o, &(struct out_field){ "agents_one_listing", "agents tested on one listing only",
					OUT_COUNT, 0 },
		(long long)r->agents_one_listing);
	out_int(o, &(struct out_field){ "pairs_without_agent_key", "pairs without an agent key",
					OUT_COUNT, 0 },
		(long long)r->pairs_without_agent_key);
}

/* ---- The regression view ---- */

void analysis_describe_model(struct out *o, const struct analysis_result *r,
			     const struct analysis_model *m)
{
	const struct regress_fit *f = &m->fit;
	int lpm = m->lpm;
	describe_simulated(o, r);
	out_str(o, &(struct out_field){ "model", NULL, OUT_TEXT, 0 }, lpm ? "lpm" : "clogit");
	out_str(o, &(struct out_field){ "model_text", "model", OUT_TEXT, OUT_TABLE_ONLY },
		lpm ? "linear probability model, listing fixed effects, listing-clustered standard "
		      "errors"
		    : "conditional logit, listings as strata");
	out_str(o, &(struct out_field){ "outcome", "outcome", OUT_TEXT, 0 }, pairs_def_name(r->def));
	out_num(o, &(struct out_field){ "alpha", "alpha", OUT_REAL, 0 }, r->alpha);
	out_bool(o, &(struct out_field){ "covariates", NULL, OUT_BOOL, 0 }, m->covariates);
	out_str(o, &(struct out_field){ "covariates_text", "covariates", OUT_TEXT, OUT_TABLE_ONLY },
		m->covariates ? "send position, message variant"
			      : "none (position or variant not recorded)");
	out_bool(o, &(struct out_field){ "ok", "fitted", OUT_BOOL, 0 }, f->ok);
	out_str(o, &(struct out_field){ "note", f->ok ? NULL : "why not", OUT_TEXT, 0 },
		f->ok ? NULL : f->why);
	out_int(o, &(struct out_field){ "n_applications", "applications", OUT_COUNT, 0 },
		(long long)m->n_applications);
	out_int(o, &(struct out_field){ "n_listings", "listings", OUT_COUNT, 0 },
		(long long)m->n_listings);
	out_int(o, &(struct out_field){ "n_used", "applications used", OUT_COUNT, 0 },
		(long long)f->n_used);
	out_int(o, &(struct out_field){ "listings_used", "listings used", OUT_COUNT, 0 },
		(long long)f->g_used);
	if (lpm) {
		out_num(o, &(struct out_field){ "small_sample_factor", "small-sample factor", OUT_REAL, 0 },
			f->factor);
		out_num(o, &(struct out_field){ "df", "t degrees of freedom", OUT_REAL, 0 }, f->df);
	} else {
		out_num(o, &(struct out_field){ "loglik0", "log-likelihood at zero", OUT_REAL, 0 },
			f->loglik0);
		out_num(o, &(struct out_field){ "loglik", "log-likelihood", OUT_REAL, 0 }, f->loglik);
		out_int(o, &(struct out_field){ "iterations", "iterations", OUT_COUNT, 0 }, f->iterations);
		out_bool(o, &(struct out_field){ "converged", "converged", OUT_BOOL, 0 }, f->converged);
	}
	out_text(o, "%s", "");
	char ci_head[32];
	snprintf(ci_head, sizeof(ci_head), "%g%% CI", 100 * (1 - r->alpha));
	out_table_begin(o, &(struct out_field){ "coefficients", NULL, OUT_TEXT, 0 });
	for (int k = 0; k < m->k; k++) {
		const struct regress_coef *c = &f->coef[k];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "term", NULL, OUT_TEXT, 0 }, m->terms[k].name);
		out_str(o, &(struct out_field){ "label", "term", OUT_TEXT, OUT_ID }, m->terms[k].label);
		out_value(o, &(struct out_field){ "estimate", lpm ? "estimate" : "log OR", OUT_REAL, 0 },
			  c->defined, c->est);
		out_value(o, &(struct out_field){ "se", "SE", OUT_REAL, 0 }, c->defined, c->se);
		out_value(o, &(struct out_field){ "statistic", NULL, OUT_REAL, 0 }, c->p_defined,
			  c->stat);
		out_value(o, &(struct out_field){ "p", "p", OUT_PVALUE, 0 }, c->p_defined, c->p);
		out_interval(o, &(struct out_field){ "ci", ci_head, OUT_REAL, 0 },
			     &(struct out_interval){ c->lo, c->hi, c->defined, c->defined });
		if (!lpm)
			out_value(o, &(struct out_field){ "odds_ratio", "OR", OUT_RATIO, 0 }, c->defined,
				  exp(c->est));
		out_str(o, &(struct out_field){ "note", NULL, OUT_TEXT, 0 }, c->defined ? NULL : c->why);
		const char *why = c->defined ? NULL : c->why;
		out_notes(o, &(struct out_field){ "notes", NULL, OUT_TEXT, OUT_NO_JSON | OUT_NO_CSV },
			  &why, why ? 1 : 0);
		out_row_end(o);
	}
	out_table_end(o);
	if (lpm)
		out_text(o, "A group's estimate is its response rate minus the control's, within "
			    "listings (-Delta).");
}
