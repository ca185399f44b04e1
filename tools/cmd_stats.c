/* cmd_stats.c: corrtest stats: every paired measure (rates, differences,
 * the ILO net rate, ratios, McNemar tests) per test group against the
 * control, overall and by strata, with the excluded pairs counted by
 * reason; the agent-level list; and the same measures for a table given on
 * the command line (--table, --unpaired). The arithmetic is in stats/. */
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "io/csv.h"
#include "io/json.h"
#include "analysis/pairs.h"
#include "io/table.h"
#include "multi.h"
#include "paired.h"
#include "regress.h"
#include "strata.h"
#include "unpaired.h"
#include "base/banned.h"

const char cmd_stats_usage[] =
	"usage: corrtest stats [--outcome strict|broad|any] [--by DIM[,DIM...]] [--alpha A]\n"
	"                      [--json | --csv]\n"
	"       corrtest stats --agents [--outcome D] [--alpha A] [--json]\n"
	"       corrtest stats --model lpm|clogit [--outcome D] [--alpha A] [--json]\n"
	"       corrtest stats --table A B C D [--alpha A] [--json | --csv]\n"
	"       corrtest stats --unpaired X1 N1 X2 N2 [--alpha A] [--json]\n"
	"\n"
	"For each test group against the control group, over the valid pairs (both\n"
	"applications to a listing sent, the listing not withdrawn):\n"
	"  a  both candidates positive      b  only the control candidate positive\n"
	"  c  only the test candidate       d  neither\n"
	"and N = a+b+c+d: the response rates (a+b)/N and (a+c)/N with Wilson intervals;\n"
	"the difference (b-c)/N with Newcombe's (method 10) and Tango's intervals; the\n"
	"ILO net discrimination rate (b-c)/(a+b+c) with an interval; the gross rates\n"
	"b/(a+b+c) and c/(a+b+c); the ratio (a+b)/(a+c) with Bonett-Price and log-scale\n"
	"Wald intervals; the odds ratio b/c with an exact interval; McNemar's exact,\n"
	"mid-p and asymptotic tests (with and without continuity correction), and the\n"
	"exact and mid-p values Holm-adjusted over the test groups. A measure that is\n"
	"undefined is shown as '-' (null in JSON) with a note saying why. Formulas and\n"
	"sources: docs/statistics.md. An application's outcome is its latest recorded\n"
	"response; none is 'no reply'. Excluded pairs are counted by reason.\n"
	"\n"
	"  --outcome D     what counts as positive (default: study.ini [design] outcome):\n"
	"                  strict = invitation; broad = invitation or request for\n"
	"                  information; any = any reply\n"
	"  --by DIMS       also every measure per stratum, and the test that b/(b+c) is\n"
	"                  equal across strata; DIMS is one or more (comma-separated) of\n"
	"                  agent_type, gender, round, area, variant, position. gender,\n"
	"                  variant and position are the test candidate's (position 1:\n"
	"                  the test candidate wrote first)\n"
	"  --alpha A       1 - confidence level of every interval (default 0.05: 95%)\n"
	"  --agents        the agent-level list (CONFIDENTIAL): for each agent tested on\n"
	"                  at least 2 listings, its pseudonymous key, b, c, the exact\n"
	"                  binomial p, Holm and Benjamini-Hochberg adjusted p, and whether\n"
	"                  it is flagged (Holm-adjusted p < alpha and b > c)\n"
	"  --model M       the regression view, every test group against the control, with\n"
	"                  send position and message variant as covariates: lpm = linear\n"
	"                  probability model with listing fixed effects and listing-\n"
	"                  clustered errors (CR1 factor G/(G-1)*(N-1)/(N-K), K = slopes:\n"
	"                  the fixed effects are nested in the clusters; t with G-1 df);\n"
	"                  its group coefficient is p_test - p_control. clogit =\n"
	"                  conditional logit with listings as strata; its group\n"
	"                  coefficient is the log conditional odds ratio (log(c/b) for\n"
	"                  pairs without covariates)\n"
	"  --table A B C D the paired measures of these counts; no study needed\n"
	"  --unpaired X1 N1 X2 N2\n"
	"                  two independent proportions X1/N1 (control) and X2/N2 (test):\n"
	"                  Wilson intervals, Newcombe's difference interval, chi-square\n"
	"                  with and without Yates' correction, Fisher's exact test, the\n"
	"                  risk ratio with a log-scale interval; no study needed\n"
	"  --json          one object; rates as fractions (0..1), intervals as [lo, hi]\n"
	"  --csv           one row per group (and stratum) with every measure as columns\n";

/* ---- Dimensions of --by ---- */

enum dim { DIM_AGENT_TYPE, DIM_GENDER, DIM_ROUND, DIM_AREA, DIM_VARIANT, DIM_POSITION, DIM_N };
static const char *const dim_names[DIM_N] = { "agent_type", "gender",  "round",
					      "area",       "variant", "position" };

/* The value of one dimension for a pair, as text (buf holds numbers). */
static const char *dim_value(const struct pair *p, int dim, char buf[32])
{
	switch (dim) {
	case DIM_AGENT_TYPE: return p->agent_type ? p->agent_type : "agency";
	case DIM_GENDER: return p->gender == GENDER_MALE ? "male" : "female";
	case DIM_ROUND: snprintf(buf, 32, "%ld", p->round); return buf;
	case DIM_AREA: return p->area ? p->area : "(none)";
	case DIM_VARIANT:
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

/* Parses "agent_type,gender" into dims[]; returns their number or -1 with
 * *bad set to the offending word (caller frees). */
static int parse_by(const char *s, int dims[DIM_N], char **bad)
{
	int n = 0;
	char *copy = xstrdup(s), *p = copy;
	while (p) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		int d = -1;
		for (int i = 0; i < DIM_N; i++)
			if (!strcmp(p, dim_names[i]))
				d = i;
		for (int i = 0; i < n && d >= 0; i++)
			if (dims[i] == d)
				d = -1; /* twice */
		if (d < 0 || n == DIM_N) {
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

/* ---- Printing the measures ---- */

/* key: v, or null when undefined. */
static void json_opt(struct json *j, const char *key, int defined, double v)
{
	json_key(j, key);
	if (defined)
		json_num(j, v);
	else
		json_null(j);
}

/* [lo, hi], with null for a bound that is infinite, or null when neither
 * bound is defined. */
static void json_interval(struct json *j, const char *key, const struct paired_interval *ci)
{
	json_key(j, key);
	if (!ci->lo_defined && !ci->hi_defined) {
		json_null(j);
		return;
	}
	json_arr_begin(j);
	if (ci->lo_defined)
		json_num(j, ci->lo);
	else
		json_null(j);
	if (ci->hi_defined)
		json_num(j, ci->hi);
	else
		json_null(j);
	json_arr_end(j);
}

static void json_notes(struct json *j, const char *const *notes, int n)
{
	json_key(j, "notes");
	json_arr_begin(j);
	for (int i = 0; i < n; i++)
		json_str(j, notes[i]);
	json_arr_end(j);
}

/* The measures of a paired analysis after the counts, in the order of the
 * JSON fields and CSV columns: a value, or an interval (JSON [lo, hi]; CSV
 * the columns csv_lo and csv_hi). */
struct measure {
	const char *key, *csv; /* csv: NULL for a value */
	size_t off;            /* of the paired_value or paired_interval */
};
#define VALUE(f) { #f, NULL, offsetof(struct paired_analysis, f) }
#define INTERVAL(f, csv) { #f, csv, offsetof(struct paired_analysis, f) }
static const struct measure measures[] = {
	VALUE(rate_control),
	INTERVAL(rate_control_ci, "rate_control"),
	VALUE(rate_test),
	INTERVAL(rate_test_ci, "rate_test"),
	VALUE(diff),
	INTERVAL(diff_ci_newcombe, "diff_newcombe"),
	INTERVAL(diff_ci_tango, "diff_tango"),
	VALUE(net_ilo),
	INTERVAL(net_ilo_ci, "net_ilo"),
	VALUE(gross_control),
	VALUE(gross_test),
	VALUE(net_all),
	VALUE(ratio),
	INTERVAL(ratio_ci_bonett_price, "ratio_bonett_price"),
	INTERVAL(ratio_ci_wald_log, "ratio_wald_log"),
	VALUE(odds_ratio),
	INTERVAL(odds_ratio_ci, "odds_ratio"),
	VALUE(mcnemar_exact_p),
	VALUE(mcnemar_midp),
	VALUE(mcnemar_chi2),
	VALUE(mcnemar_chi2_p),
	VALUE(mcnemar_chi2_cc),
	VALUE(mcnemar_chi2_cc_p),
};
#undef VALUE
#undef INTERVAL

static const void *measure_at(const struct paired_analysis *r, const struct measure *m)
{
	return (const char *)r + m->off;
}

/* The counts and every measure, without the notes. */
static void json_measures(struct json *j, const struct paired_analysis *r)
{
	const char *const keys[] = { "n", "a", "b", "c", "d" };
	const long counts[] = { r->n, r->t.a, r->t.b, r->t.c, r->t.d };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_key(j, keys[i]);
		json_int(j, counts[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(measures); i++) {
		const struct measure *m = &measures[i];
		if (m->csv) {
			json_interval(j, m->key, measure_at(r, m));
		} else {
			const struct paired_value *v = measure_at(r, m);
			json_opt(j, m->key, v->defined, v->v);
		}
	}
}

/* A fraction as a percentage with one decimal (halves away from zero, never
 * "-0.0"), or NULL ("-") when undefined. */
static const char *pct1(int defined, double v, char buf[32])
{
	if (!defined)
		return NULL;
	double x = round(1000.0 * v) / 10.0;
	snprintf(buf, 32, "%.1f", x == 0.0 ? 0.0 : x);
	return buf;
}

/* "42.9 [12.3, 65.0]" in percent, or a plain number with "%.3f" when
 * scale is 0 (ratios). */
static const char *with_ci(const struct paired_value *v, const struct paired_interval *ci,
			   int percent, char buf[128])
{
	char x[32], lo[32], hi[32];
	if (!v->defined && !ci->lo_defined && !ci->hi_defined)
		return NULL;
	const char *xs, *ls, *hs;
	if (percent) {
		xs = pct1(v->defined, v->v, x);
		ls = pct1(ci->lo_defined, ci->lo, lo);
		hs = pct1(ci->hi_defined, ci->hi, hi);
	} else {
		snprintf(x, 32, "%.3f", v->v);
		snprintf(lo, 32, "%.3f", ci->lo);
		snprintf(hi, 32, "%.3f", ci->hi);
		xs = v->defined ? x : NULL;
		ls = ci->lo_defined ? lo : NULL;
		hs = ci->hi_defined ? hi : NULL;
	}
	if (ci->lo_defined || ci->hi_defined)
		snprintf(buf, 128, "%s [%s, %s]", xs ? xs : (v->defined ? "?" : "inf"),
			 ls ? ls : "-", hs ? hs : "inf");
	else
		snprintf(buf, 128, "%s", xs ? xs : "-");
	return buf;
}

/* A p-value with 3 significant digits ("<1e-16" below what doubles hold). */
static const char *pval(const struct paired_value *v, char buf[32])
{
	if (!v->defined)
		return NULL;
	if (v->v < 1e-16)
		snprintf(buf, 32, "<1e-16");
	else if (v->v < 0.0001)
		snprintf(buf, 32, "%.2e", v->v);
	else
		snprintf(buf, 32, "%.4f", v->v);
	return buf;
}

/* ---- --table and --unpaired ---- */

/* Reads four whole numbers >= 0; prints the error and returns 0 when one is
 * not. */
static int parse_counts(struct cmd_ctx *ctx, const char *flag, char **s, long v[4])
{
	for (int i = 0; i < 4; i++) {
		if (!s[i])
			return cmd_usage_error(ctx, "%s needs four counts", flag), 0;
		if (!parse_long(s[i], &v[i]) || v[i] < 0)
			return cmd_usage_error(ctx, "%s: counts must be whole numbers >= 0 that fit "
						    "in 64 bits, not '%s'", flag, s[i]),
			       0;
	}
	return 1;
}

static void print_table_human(const struct paired_analysis *r)
{
	char b1[128], b2[128];
	printf("Paired table: a = %ld (both positive), b = %ld (control only), c = %ld (test "
	       "only), d = %ld (neither); N = %ld.\n",
	       r->t.a, r->t.b, r->t.c, r->t.d, r->n);
	printf("Rates in percent with %g%% intervals.\n", 100.0 * (1.0 - r->alpha));
	struct table *t = table_new(3, (const char *const[]){ "measure", "value", "interval" });
	const char *none = "";
#define ROW(label, text, how) table_add(t, (const char *const[]){ label, text, how })
	ROW("control response rate (a+b)/N", with_ci(&r->rate_control, &r->rate_control_ci, 1, b1),
	    "Wilson");
	ROW("test response rate (a+c)/N", with_ci(&r->rate_test, &r->rate_test_ci, 1, b1), "Wilson");
	ROW("difference (b-c)/N", with_ci(&r->diff, &r->diff_ci_newcombe, 1, b1),
	    "Newcombe method 10");
	ROW("", with_ci(&r->diff, &r->diff_ci_tango, 1, b2), "Tango score");
	ROW("net ILO rate (b-c)/(a+b+c)", with_ci(&r->net_ilo, &r->net_ilo_ci, 1, b1),
	    "Newcombe on (a, b, c, 0)");
	char g1[32], g2[32], g3[32];
	ROW("gross rate b/(a+b+c)", pct1(r->gross_control.defined, r->gross_control.v, g1), none);
	ROW("gross rate c/(a+b+c)", pct1(r->gross_test.defined, r->gross_test.v, g2), none);
	ROW("net rate, all pairs (b-c)/N", pct1(r->net_all.defined, r->net_all.v, g3), none);
	ROW("ratio (a+b)/(a+c)", with_ci(&r->ratio, &r->ratio_ci_bonett_price, 0, b1),
	    "Bonett-Price");
	ROW("", with_ci(&r->ratio, &r->ratio_ci_wald_log, 0, b2), "Wald, log scale");
	char o[128];
	ROW("odds ratio b/c", with_ci(&r->odds_ratio, &r->odds_ratio_ci, 0, o),
	    "exact (Clopper-Pearson)");
	char p1[32], p2[32], p3[32], p4[32], s1[48], s2[48];
	ROW("McNemar exact p", pval(&r->mcnemar_exact_p, p1), none);
	ROW("McNemar mid-p", pval(&r->mcnemar_midp, p2), none);
	if (r->mcnemar_chi2.defined)
		snprintf(s1, sizeof(s1), "chi2 = %.4f, p = %s", r->mcnemar_chi2.v,
			 pval(&r->mcnemar_chi2_p, p3));
	ROW("McNemar asymptotic", r->mcnemar_chi2.defined ? s1 : NULL, none);
	if (r->mcnemar_chi2_cc.defined)
		snprintf(s2, sizeof(s2), "chi2 = %.4f, p = %s", r->mcnemar_chi2_cc.v,
			 pval(&r->mcnemar_chi2_cc_p, p4));
	ROW("McNemar, continuity corrected", r->mcnemar_chi2_cc.defined ? s2 : NULL, none);
#undef ROW
	table_print(t, stdout);
	table_free(t);
	if (r->nnotes) {
		printf("Notes:\n");
		for (int i = 0; i < r->nnotes; i++)
			printf("  %s\n", r->notes[i]);
	}
}

/* Writes one CSV field (RFC 4180 quoting); NULL is an empty field (NA). */
static void csv_field(const char *s, int last)
{
	struct strbuf sb = STRBUF_INIT;
	csv_quote(&sb, s);
	sb_addc(&sb, last ? '\n' : ',');
	fputs(sb_str(&sb), stdout);
	sb_free(&sb);
}

/* A numeric field: written as a number (csv_quote_number), so that a
 * negative difference stays a number rather than text guarded against
 * formulas. */
static void csv_number(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	csv_quote_number(&sb, s);
	sb_addc(&sb, ',');
	fputs(sb_str(&sb), stdout);
	sb_free(&sb);
}

static void csv_num(int defined, double v)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.10g", v);
	csv_number(defined ? buf : NULL);
}

static void csv_int(long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	csv_number(buf);
}

/* The column names of csv_measures, comma-separated, no line end. */
static void csv_measure_head(void)
{
	fputs("n,a,b,c,d", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(measures); i++) {
		if (measures[i].csv)
			printf(",%s_lo,%s_hi", measures[i].csv, measures[i].csv);
		else
			printf(",%s", measures[i].key);
	}
}

static void csv_measures(const struct paired_analysis *r)
{
	csv_int(r->n);
	csv_int(r->t.a);
	csv_int(r->t.b);
	csv_int(r->t.c);
	csv_int(r->t.d);
	for (size_t i = 0; i < ARRAY_SIZE(measures); i++) {
		const struct measure *m = &measures[i];
		if (m->csv) {
			const struct paired_interval *ci = measure_at(r, m);
			csv_num(ci->lo_defined, ci->lo);
			csv_num(ci->hi_defined, ci->hi);
		} else {
			const struct paired_value *v = measure_at(r, m);
			csv_num(v->defined, v->v);
		}
	}
}

static void csv_notes(const char *const *notes, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? "; " : "", notes[i]);
	csv_field(sb_str(&sb), 1);
	sb_free(&sb);
}

static int run_table(struct cmd_ctx *ctx, const long v[4], double alpha, int csv)
{
	struct paired_counts t = { v[0], v[1], v[2], v[3] };
	if (!paired_counts_valid(&t))
		return cmd_usage_error(ctx, "--table: the counts add up to more than a 64-bit "
					    "number holds");
	struct paired_analysis r;
	paired_analyse(&t, alpha, &r);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_measures(&j, &r);
		json_notes(&j, r.notes, r.nnotes);
		json_obj_end(&j);
		json_end(&j);
	} else if (csv) {
		csv_measure_head();
		fputs(",notes\n", stdout);
		csv_measures(&r);
		csv_notes(r.notes, r.nnotes);
	} else {
		print_table_human(&r);
	}
	return CT_OK;
}

static void json_uinterval(struct json *j, const char *key, const struct unpaired_interval *ci)
{
	json_key(j, key);
	if (!ci->defined) {
		json_null(j);
		return;
	}
	json_arr_begin(j);
	json_num(j, ci->lo);
	json_num(j, ci->hi);
	json_arr_end(j);
}

static const char *uci(const struct unpaired_value *v, const struct unpaired_interval *ci,
		       int percent, char buf[96])
{
	if (!v->defined)
		return NULL;
	double k = percent ? 100.0 : 1.0;
	if (ci->defined)
		snprintf(buf, 96, percent ? "%.1f [%.1f, %.1f]" : "%.3f [%.3f, %.3f]", k * v->v,
			 k * ci->lo, k * ci->hi);
	else
		snprintf(buf, 96, percent ? "%.1f" : "%.3f", k * v->v);
	return buf;
}

static int run_unpaired(struct cmd_ctx *ctx, const long v[4], double alpha)
{
	if (v[0] > v[1] || v[2] > v[3])
		return cmd_usage_error(ctx, "--unpaired X1 N1 X2 N2: a count of positive outcomes "
					    "(%ld) exceeds its number of applications (%ld)",
				       v[0] > v[1] ? v[0] : v[2], v[0] > v[1] ? v[1] : v[3]);
	if (!unpaired_counts_valid(v[0], v[1], v[2], v[3]))
		return cmd_usage_error(ctx, "--unpaired: the counts add up to more than a 64-bit "
					    "number holds");
	struct unpaired_summary s;
	unpaired_summarise(v[0], v[1], v[2], v[3], alpha, &s);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "n1");
		json_int(&j, s.n1);
		json_key(&j, "x1");
		json_int(&j, s.x1);
		json_key(&j, "n2");
		json_int(&j, s.n2);
		json_key(&j, "x2");
		json_int(&j, s.x2);
		json_opt(&j, "rate_1", s.rate1.defined, s.rate1.v);
		json_uinterval(&j, "rate_1_ci", &s.rate1_ci);
		json_opt(&j, "rate_2", s.rate2.defined, s.rate2.v);
		json_uinterval(&j, "rate_2_ci", &s.rate2_ci);
		json_opt(&j, "diff", s.diff.defined, s.diff.v);
		json_uinterval(&j, "diff_ci_newcombe", &s.diff_ci_newcombe);
		json_opt(&j, "chi2", s.chi2.defined, s.chi2.v);
		json_opt(&j, "chi2_p", s.chi2_p.defined, s.chi2_p.v);
		json_opt(&j, "chi2_yates", s.chi2_cc.defined, s.chi2_cc.v);
		json_opt(&j, "chi2_yates_p", s.chi2_cc_p.defined, s.chi2_cc_p.v);
		json_opt(&j, "fisher_p", s.fisher_p.defined, s.fisher_p.v);
		json_opt(&j, "risk_ratio", s.risk_ratio.defined, s.risk_ratio.v);
		json_uinterval(&j, "risk_ratio_ci", &s.risk_ratio_ci);
		json_notes(&j, s.notes, s.nnotes);
		json_obj_end(&j);
		json_end(&j);
		return CT_OK;
	}
	char b[4][96], p[5][32];
	struct paired_value pv;
	printf("Unpaired: group 1 (control) %ld of %ld positive, group 2 (test) %ld of %ld; "
	       "%g%% intervals, rates in percent.\n",
	       s.x1, s.n1, s.x2, s.n2, 100.0 * (1.0 - alpha));
	struct table *t = table_new(3, (const char *const[]){ "measure", "value", "interval" });
#define ROW(label, text, how) table_add(t, (const char *const[]){ label, text, how })
#define PV(u, buf) (pv.v = (u).v, pv.defined = (u).defined, pval(&pv, buf))
	ROW("rate 1, x1/n1", uci(&s.rate1, &s.rate1_ci, 1, b[0]), "Wilson");
	ROW("rate 2, x2/n2", uci(&s.rate2, &s.rate2_ci, 1, b[1]), "Wilson");
	ROW("difference p1 - p2", uci(&s.diff, &s.diff_ci_newcombe, 1, b[2]), "Newcombe hybrid score");
	ROW("risk ratio p1/p2", uci(&s.risk_ratio, &s.risk_ratio_ci, 0, b[3]), "Wald, log scale");
	ROW("chi-square p", PV(s.chi2_p, p[0]), "");
	ROW("chi-square p, Yates", PV(s.chi2_cc_p, p[1]), "");
	ROW("Fisher exact p", PV(s.fisher_p, p[2]), "");
#undef PV
#undef ROW
	table_print(t, stdout);
	table_free(t);
	if (s.nnotes) {
		printf("Notes:\n");
		for (int i = 0; i < s.nnotes; i++)
			printf("  %s\n", s.notes[i]);
	}
	return CT_OK;
}

/* ---- A study ---- */

/* One row of the report: a group (or all groups) in one stratum (or all). */
struct row {
	struct paired_counts t;
	struct paired_analysis r;
	struct paired_value holm_exact, holm_midp; /* groups' overall rows only */
};

struct report {
	const struct pairs_set *ps;
	int def;
	double alpha;
	int dims[DIM_N], ndims;
	char **strata; /* keys: values joined by '\x1f' */
	char **labels; /* values joined by ", " */
	int nstrata;
	/* rows[g * (nstrata + 1) + s]: s = nstrata is the whole group; g =
	 * ngroups is all test groups together. */
	struct row *rows;
	struct strata_homogeneity *hom; /* per group (and all), when --by */
};

static struct row *row_at(struct report *rp, int g, int s)
{
	return &rp->rows[(size_t)g * (size_t)(rp->nstrata + 1) + (size_t)s];
}

/* The i-th row of a group as printed: its overall row (stratum nstrata)
 * first, then its strata in order. */
static int stratum_in_order(const struct report *rp, int i)
{
	return i == 0 ? rp->nstrata : i - 1;
}


/* A pair's stratum: its values of the --by dimensions joined by '\x1f'. */
static char *stratum_key(const struct report *rp, const struct pair *p)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[32];
	for (int i = 0; i < rp->ndims; i++) {
		if (i)
			sb_addc(&sb, '\x1f');
		sb_adds(&sb, dim_value(p, rp->dims[i], buf));
	}
	return sb_detach(&sb);
}

/* The same for people: the values joined by ", ". */
static char *stratum_label(const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *c = key; *c; c++) {
		if (*c == '\x1f')
			sb_adds(&sb, ", ");
		else
			sb_addc(&sb, *c);
	}
	return sb_detach(&sb);
}

/* Stratum s's values in --by order, pointing into the returned copy of its
 * key (caller frees); v[d] is NULL for every d when s is the whole group. */
static char *stratum_values(const struct report *rp, int s, const char *v[DIM_N])
{
	if (s == rp->nstrata) {
		for (int d = 0; d < rp->ndims; d++)
			v[d] = NULL;
		return NULL;
	}
	char *copy = xstrdup(rp->strata[s]), *p = copy;
	for (int d = 0; d < rp->ndims; d++) {
		v[d] = p;
		char *sep = strchr(p, '\x1f');
		if (sep)
			*sep = '\0';
		p = sep ? sep + 1 : p + strlen(p);
	}
	return copy;
}

/* Orders pointers to keys by the keys. */
static int cmp_key_ref(const void *a, const void *b)
{
	return strcmp(**(char **const *)a, **(char **const *)b);
}

static void report_build(struct report *rp)
{
	const struct pairs_set *ps = rp->ps;
	/* The distinct strata, sorted, and each pair's among them. */
	int *stratum = NULL;
	if (rp->ndims) {
		size_t np = ps->npairs;
		char **keys = xcalloc(np + 1, sizeof(char *));
		char ***order = xcalloc(np + 1, sizeof(char **));
		stratum = xcalloc(np + 1, sizeof(int));
		for (size_t i = 0; i < np; i++) {
			keys[i] = stratum_key(rp, &ps->pairs[i]);
			order[i] = &keys[i];
		}
		qsort(order, np, sizeof(*order), cmp_key_ref);
		rp->strata = xcalloc(np + 1, sizeof(char *));
		rp->labels = xcalloc(np + 1, sizeof(char *));
		int n = 0;
		for (size_t i = 0; i < np; i++) {
			const char *key = *order[i];
			if (!n || strcmp(rp->strata[n - 1], key)) {
				rp->strata[n] = xstrdup(key);
				rp->labels[n] = stratum_label(key);
				n++;
			}
			stratum[order[i] - keys] = n - 1;
		}
		rp->nstrata = n;
		for (size_t i = 0; i < np; i++)
			free(keys[i]);
		free(keys);
		free(order);
	}
	int ng = ps->ngroups;
	rp->rows = xcalloc((size_t)(ng + 1) * (size_t)(rp->nstrata + 1), sizeof(struct row));
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		int pc = pairs_outcome_positive(p->control_outcome, rp->def);
		int pt = pairs_outcome_positive(p->test_outcome, rp->def);
		paired_counts_add(&row_at(rp, p->group, rp->nstrata)->t, pc, pt);
		paired_counts_add(&row_at(rp, ng, rp->nstrata)->t, pc, pt);
		if (stratum) {
			paired_counts_add(&row_at(rp, p->group, stratum[i])->t, pc, pt);
			paired_counts_add(&row_at(rp, ng, stratum[i])->t, pc, pt);
		}
	}
	free(stratum);
	for (int g = 0; g <= ng; g++)
		for (int s = 0; s <= rp->nstrata; s++) {
			struct row *r = row_at(rp, g, s);
			paired_analyse(&r->t, rp->alpha, &r->r);
		}
	/* Holm over the test groups compared with the control, for the exact
	 * and the mid-p McNemar p; groups without discordant pairs have no p
	 * and do not count in m. */
	double *pe = xcalloc((size_t)ng + 1, sizeof(double));
	double *pm = xcalloc((size_t)ng + 1, sizeof(double));
	int *idx = xcalloc((size_t)ng + 1, sizeof(int));
	size_t m = 0;
	for (int g = 0; g < ng; g++) {
		struct row *r = row_at(rp, g, rp->nstrata);
		if (!r->r.mcnemar_exact_p.defined)
			continue;
		pe[m] = r->r.mcnemar_exact_p.v;
		pm[m] = r->r.mcnemar_midp.v;
		idx[m++] = g;
	}
	if (m && multi_holm(pe, m, pe) && multi_holm(pm, m, pm)) {
		for (size_t i = 0; i < m; i++) {
			struct row *r = row_at(rp, idx[i], rp->nstrata);
			r->holm_exact = (struct paired_value){ pe[i], 1 };
			r->holm_midp = (struct paired_value){ pm[i], 1 };
		}
	}
	free(pe);
	free(pm);
	free(idx);
	if (rp->ndims) {
		rp->hom = xcalloc((size_t)ng + 1, sizeof(*rp->hom));
		long *b = xcalloc((size_t)rp->nstrata + 1, sizeof(long));
		long *c = xcalloc((size_t)rp->nstrata + 1, sizeof(long));
		for (int g = 0; g <= ng; g++) {
			for (int s = 0; s < rp->nstrata; s++) {
				b[s] = row_at(rp, g, s)->t.b;
				c[s] = row_at(rp, g, s)->t.c;
			}
			strata_homogeneity(b, c, (size_t)rp->nstrata, &rp->hom[g]);
		}
		free(b);
		free(c);
	}
}

static void report_free(struct report *rp)
{
	for (int s = 0; s < rp->nstrata; s++) {
		free(rp->strata[s]);
		free(rp->labels[s]);
	}
	free(rp->strata);
	free(rp->labels);
	free(rp->rows);
	free(rp->hom);
}

/* Cochran's Q over the listings where the control and two or more test
 * candidates all have valid pairs, one test per distinct set of groups. */
struct cochran {
	int *groups, ngroups;
	size_t listings;
	int defined;
	double q, p;
	const char *why;
};

static int cochran_collect(const struct pairs_set *ps, int def, struct cochran **out)
{
	int n = 0;
	struct cochran *cs = NULL;
	/* Each distinct set of test groups, as a bit mask over ngroups < 64
	 * (a study has a handful); larger sets are skipped. */
	uint64_t *masks = NULL;
	for (size_t i = 0; i < ps->npairs;) {
		size_t j = i;
		uint64_t mask = 0;
		while (j < ps->npairs && ps->pairs[j].listing == ps->pairs[i].listing) {
			if (ps->pairs[j].group < 64)
				mask |= (uint64_t)1 << ps->pairs[j].group;
			j++;
		}
		/* Two test groups or more (two test candidates of one group
		 * make a listing no set uses: see below). */
		if ((mask & (mask - 1)) && ps->ngroups <= 64) {
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
	if (!n) {
		*out = NULL;
		return 0;
	}
	cs = xcalloc((size_t)n, sizeof(*cs));
	for (int k = 0; k < n; k++) {
		struct cochran *c = &cs[k];
		c->groups = xcalloc(64, sizeof(int));
		for (int g = 0; g < ps->ngroups && g < 64; g++)
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
				unsigned char *r = x + rows * cols;
				r[0] = (unsigned char)pairs_outcome_positive(ps->pairs[i].control_outcome, def);
				for (size_t q = i; q < j; q++) {
					int col = 0;
					for (int g = 0; g < c->ngroups; g++)
						if (c->groups[g] == ps->pairs[q].group)
							col = g + 1;
					r[col] = (unsigned char)pairs_outcome_positive(
						ps->pairs[q].test_outcome, def);
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
	*out = cs;
	return n;
}

static void json_row(struct json *j, const struct report *rp, const char *name, const char *label,
		     int g)
{
	const struct row *top = row_at((struct report *)rp, g, rp->nstrata);
	json_obj_begin(j);
	json_key(j, "group");
	json_str(j, name);
	json_key(j, "label");
	json_str(j, label);
	json_measures(j, &top->r);
	if (g < rp->ps->ngroups) {
		json_opt(j, "mcnemar_exact_p_holm", top->holm_exact.defined, top->holm_exact.v);
		json_opt(j, "mcnemar_midp_holm", top->holm_midp.defined, top->holm_midp.v);
	}
	json_notes(j, top->r.notes, top->r.nnotes);
	if (rp->ndims) {
		json_key(j, "strata");
		json_arr_begin(j);
		for (int s = 0; s < rp->nstrata; s++) {
			const struct row *r = row_at((struct report *)rp, g, s);
			json_obj_begin(j);
			json_key(j, "stratum");
			json_obj_begin(j);
			const char *v[DIM_N];
			char *copy = stratum_values(rp, s, v);
			for (int d = 0; d < rp->ndims; d++) {
				json_key(j, dim_names[rp->dims[d]]);
				json_str(j, v[d]);
			}
			free(copy);
			json_obj_end(j);
			json_key(j, "label");
			json_str(j, rp->labels[s]);
			json_measures(j, &r->r);
			json_notes(j, r->r.notes, r->r.nnotes);
			json_obj_end(j);
		}
		json_arr_end(j);
		const struct strata_homogeneity *h = &rp->hom[g];
		json_key(j, "homogeneity");
		json_obj_begin(j);
		json_key(j, "strata");
		json_int(j, (int64_t)h->strata);
		json_key(j, "informative");
		json_int(j, (int64_t)h->informative);
		json_opt(j, "chi2", h->defined, h->chi2);
		json_key(j, "df");
		if (h->defined)
			json_int(j, h->df);
		else
			json_null(j);
		json_opt(j, "p", h->defined, h->p);
		json_opt(j, "odds_ratio_mh", h->or_defined, h->or_mh);
		json_notes(j, h->notes, h->nnotes);
		json_obj_end(j);
	}
	json_obj_end(j);
}

static void json_excluded(struct json *j, const struct pairs_set *ps)
{
	json_key(j, "excluded");
	json_obj_begin(j);
	for (int r = 0; r < PAIRS_EXCL_N; r++) {
		json_key(j, pairs_excl_key(r));
		json_int(j, ps->excluded[r]);
	}
	json_obj_end(j);
	json_key(j, "excluded_total");
	json_int(j, ps->excluded_total);
}

static void print_json(const struct report *rp, const struct cochran *cq, int ncq)
{
	const struct pairs_set *ps = rp->ps;
	struct json j;
	json_init(&j, stdout, 1);
	json_obj_begin(&j);
	json_key(&j, "outcome");
	json_str(&j, pairs_def_name(rp->def));
	json_key(&j, "alpha");
	json_num(&j, rp->alpha);
	json_key(&j, "by");
	json_arr_begin(&j);
	for (int d = 0; d < rp->ndims; d++)
		json_str(&j, dim_names[rp->dims[d]]);
	json_arr_end(&j);
	json_key(&j, "groups");
	json_arr_begin(&j);
	for (int g = 0; g < ps->ngroups; g++)
		json_row(&j, rp, ps->groups[g].name, ps->groups[g].label, g);
	json_arr_end(&j);
	json_key(&j, "all");
	json_row(&j, rp, "all", "All test groups", ps->ngroups);
	json_key(&j, "cochran_q");
	json_arr_begin(&j);
	for (int k = 0; k < ncq; k++) {
		json_obj_begin(&j);
		json_key(&j, "groups");
		json_arr_begin(&j);
		for (int g = 0; g < cq[k].ngroups; g++)
			json_str(&j, ps->groups[cq[k].groups[g]].name);
		json_arr_end(&j);
		json_key(&j, "listings");
		json_int(&j, (int64_t)cq[k].listings);
		json_opt(&j, "q", cq[k].defined, cq[k].q);
		json_key(&j, "df");
		json_int(&j, cq[k].ngroups);
		json_opt(&j, "p", cq[k].defined, cq[k].p);
		json_notes(&j, cq[k].defined ? NULL : &cq[k].why, cq[k].defined ? 0 : 1);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_excluded(&j, ps);
	json_obj_end(&j);
	json_end(&j);
}

static void print_csv(const struct report *rp)
{
	const struct pairs_set *ps = rp->ps;
	printf("group,label,stratum");
	for (int d = 0; d < rp->ndims; d++)
		printf(",%s", dim_names[rp->dims[d]]);
	putchar(',');
	csv_measure_head();
	fputs(",mcnemar_exact_p_holm,mcnemar_midp_holm,notes\n", stdout);
	for (int g = 0; g <= ps->ngroups; g++) {
		const char *name = g < ps->ngroups ? ps->groups[g].name : "all";
		const char *label = g < ps->ngroups ? ps->groups[g].label : "All test groups";
		for (int i = 0; i <= rp->nstrata; i++) {
			int si = stratum_in_order(rp, i);
			const struct row *r = row_at((struct report *)rp, g, si);
			csv_field(name, 0);
			csv_field(label, 0);
			csv_field(si == rp->nstrata ? "all" : rp->labels[si], 0);
			const char *v[DIM_N];
			char *copy = stratum_values(rp, si, v);
			for (int d = 0; d < rp->ndims; d++)
				csv_field(v[d], 0);
			free(copy);
			csv_measures(&r->r);
			csv_num(r->holm_exact.defined, r->holm_exact.v);
			csv_num(r->holm_midp.defined, r->holm_midp.v);
			csv_notes(r->r.notes, r->r.nnotes);
		}
	}
}

static void human_rows(const struct report *rp, int g, const char *label, struct table *t1,
		       struct table *t2, struct strbuf *notes)
{
	for (int i = 0; i <= rp->nstrata; i++) {
		int si = stratum_in_order(rp, i);
		const struct row *row = row_at((struct report *)rp, g, si);
		const struct paired_analysis *r = &row->r;
		char n[24], a[24], b[24], c[24], d[24], p[6][32], ci[4][128], pv[4][32];
		snprintf(n, sizeof(n), "%ld", r->n);
		snprintf(a, sizeof(a), "%ld", r->t.a);
		snprintf(b, sizeof(b), "%ld", r->t.b);
		snprintf(c, sizeof(c), "%ld", r->t.c);
		snprintf(d, sizeof(d), "%ld", r->t.d);
		const char *st = si == rp->nstrata ? "all" : rp->labels[si];
		const char *lab = si == rp->nstrata ? label : "";
		const char *c1[] = { lab,
				     st,
				     n,
				     a,
				     b,
				     c,
				     d,
				     pct1(r->rate_control.defined, r->rate_control.v, p[0]),
				     pct1(r->rate_test.defined, r->rate_test.v, p[1]),
				     with_ci(&r->net_ilo, &r->net_ilo_ci, 1, ci[0]),
				     pct1(r->gross_control.defined, r->gross_control.v, p[2]),
				     pct1(r->gross_test.defined, r->gross_test.v, p[3]),
				     pct1(r->net_all.defined, r->net_all.v, p[4]) };
		const char *c2[] = { lab,
				     st,
				     with_ci(&r->diff, &r->diff_ci_newcombe, 1, ci[1]),
				     with_ci(&r->ratio, &r->ratio_ci_bonett_price, 0, ci[2]),
				     with_ci(&r->odds_ratio, &r->odds_ratio_ci, 0, ci[3]),
				     pval(&r->mcnemar_exact_p, pv[0]),
				     pval(&r->mcnemar_midp, pv[1]),
				     pval(&r->mcnemar_chi2_p, pv[2]),
				     pval(&row->holm_exact, pv[3]) };
		/* Without --by the stratum column is left out. */
		int off = rp->ndims ? 0 : 1;
		if (off) {
			c1[1] = c1[0];
			c2[1] = c2[0];
		}
		table_add(t1, c1 + off);
		table_add(t2, c2 + off);
		for (int k = 0; k < r->nnotes; k++) {
			if (si == rp->nstrata)
				sb_addf(notes, "  %s: %s\n", label, r->notes[k]);
			else
				sb_addf(notes, "  %s, %s: %s\n", label, st, r->notes[k]);
		}
	}
}

static void print_human(const struct report *rp, const struct cochran *cq, int ncq, int def_given)
{
	const struct pairs_set *ps = rp->ps;
	static const char *const h1[] = { "group",   "stratum",   "pairs",     "a",
					  "b",       "c",         "d",         "control %",
					  "test %",  "net ILO % [CI]", "gross b %", "gross c %",
					  "net all %" };
	static const char *const h2[] = { "group",          "stratum",     "diff % [Newcombe CI]",
					  "ratio [Bonett-Price CI]", "odds ratio b/c [exact CI]",
					  "McNemar exact p", "mid-p",   "chi2 p",
					  "Holm p" };
	int off = rp->ndims ? 0 : 1;
	struct table *t1 = table_new((int)ARRAY_SIZE(h1) - off, off ? (const char *const[]){
		h1[0], h1[2], h1[3], h1[4], h1[5], h1[6], h1[7], h1[8], h1[9], h1[10], h1[11], h1[12] } : h1);
	struct table *t2 = table_new((int)ARRAY_SIZE(h2) - off, off ? (const char *const[]){
		h2[0], h2[2], h2[3], h2[4], h2[5], h2[6], h2[7], h2[8] } : h2);
	struct strbuf notes = STRBUF_INIT;
	for (int g = 0; g < ps->ngroups; g++)
		human_rows(rp, g, ps->groups[g].label, t1, t2, &notes);
	human_rows(rp, ps->ngroups, "All test groups", t1, t2, &notes);
	printf("Outcome %s%s; %g%% intervals.\n", pairs_def_text(rp->def),
	       def_given ? " (--outcome)" : " (study.ini [design] outcome)",
	       100.0 * (1.0 - rp->alpha));
	table_print(t1, stdout);
	printf("a both positive, b control only, c test only, d neither; net ILO = (b-c)/(a+b+c)\n"
	       "[Newcombe interval on (a, b, c, 0)], gross b = b/(a+b+c), gross c = c/(a+b+c),\n"
	       "net all = (b-c)/pairs.\n\n");
	table_print(t2, stdout);
	printf("diff = (b-c)/pairs; ratio = (a+b)/(a+c); Holm: McNemar exact p adjusted over the\n"
	       "test groups with discordant pairs. Tango's interval and the other tests: --json, --csv.\n");
	table_free(t1);
	table_free(t2);
	if (rp->ndims) {
		printf("\nIs b/(b+c) the same in every stratum? (Pearson chi-square, strata with "
		       "b+c > 0)\n");
		struct table *t3 = table_new(6, (const char *const[]){ "group", "strata", "chi2", "df",
								       "p", "MH odds ratio" });
		for (int g = 0; g <= ps->ngroups; g++) {
			const struct strata_homogeneity *h = &rp->hom[g];
			char s[24], c2[32], df[24], p[32], o[32];
			snprintf(s, sizeof(s), "%zu", h->informative);
			snprintf(c2, sizeof(c2), "%.3f", h->chi2);
			snprintf(df, sizeof(df), "%ld", h->df);
			struct paired_value pv = { h->p, h->defined };
			snprintf(o, sizeof(o), "%.3f", h->or_mh);
			const char *cells[] = { g < ps->ngroups ? ps->groups[g].label : "All test groups",
						s,
						h->defined ? c2 : NULL,
						h->defined ? df : NULL,
						pval(&pv, p),
						h->or_defined ? o : NULL };
			table_add(t3, cells);
			for (int i = 0; i < h->nnotes; i++)
				sb_addf(&notes, "  %s (strata): %s\n", cells[0], h->notes[i]);
		}
		table_print(t3, stdout);
		table_free(t3);
	}
	for (int k = 0; k < ncq; k++) {
		printf("\nCochran's Q over %zu listings with the control and %d test candidates (",
		       cq[k].listings, cq[k].ngroups);
		for (int g = 0; g < cq[k].ngroups; g++)
			printf("%s%s", g ? ", " : "", ps->groups[cq[k].groups[g]].label);
		if (cq[k].defined)
			printf("): Q = %.3f, df = %d, p = %.4g.\n", cq[k].q, cq[k].ngroups, cq[k].p);
		else
			printf("): undefined (%s).\n", cq[k].why ? cq[k].why : "?");
	}
	if (ps->excluded_total == 0) {
		printf("Excluded pairs: none.\n");
	} else {
		printf("Excluded pairs: %ld (", ps->excluded_total);
		const char *sep = "";
		for (int r = 0; r < PAIRS_EXCL_N; r++) {
			if (!ps->excluded[r])
				continue;
			printf("%s%s: %ld", sep, pairs_excl_text(r), ps->excluded[r]);
			sep = "; ";
		}
		printf(").\n");
	}
	if (notes.len)
		printf("Notes:\n%s", sb_str(&notes));
	sb_free(&notes);
}

/* ---- --model: the regression view (METHOD.md, "regression view") ---- */

/* A coefficient's label for people: the group's label, "sent second",
 * "variant 2". */
static void model_term_label(const struct pairs_set *ps, const struct regress_column *c,
			     char *buf, size_t len)
{
	if (c->term == REGRESS_TERM_GROUP && c->level >= 1 && c->level <= ps->ngroups)
		snprintf(buf, len, "%s (vs control)", ps->groups[c->level - 1].label);
	else if (c->term == REGRESS_TERM_POSITION)
		snprintf(buf, len, "sent %s", c->level == 2 ? "second" : "later");
	else if (c->term == REGRESS_TERM_VARIANT)
		snprintf(buf, len, "message variant %d", c->level);
	else
		snprintf(buf, len, "%s", c->name);
}

static int run_model(struct cmd_ctx *ctx, const struct pairs_set *ps, int def, double alpha,
		     const char *model)
{
	int lpm = !strcmp(model, "lpm");
	if (!lpm && strcmp(model, "clogit"))
		return cmd_usage_error(ctx, "--model must be lpm or clogit, not '%s'", model);
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
							 pairs_outcome_positive(p->control_outcome, def),
							 0, covariates ? p->control_position : 1,
							 covariates ? p->control_variant : 1 };
			last_control = p->control_app;
		}
		obs[n++] = (struct regress_obs){ (long)p->listing,
						 pairs_outcome_positive(p->test_outcome, def),
						 p->group + 1, covariates ? p->test_position : 1,
						 covariates ? p->test_variant : 1 };
	}
	struct regress_design d;
	const char *why = NULL;
	unsigned cov = covariates ? REGRESS_COV_POSITION | REGRESS_COV_VARIANT : 0;
	if (!regress_design_build(obs, n, cov, &d, &why)) {
		free(obs);
		return cmd_errorf(ctx, CT_EINPUT, "cannot build the model: %s", why);
	}
	free(obs);
	struct regress_fit *f = xcalloc(1, sizeof(*f));
	if (lpm)
		regress_lpm_fit(&d, REGRESS_DOF_NESTED, alpha, f);
	else
		regress_clogit_fit(&d, alpha, f);
	const char *title = lpm ? "linear probability model, listing fixed effects, "
				  "listing-clustered standard errors"
				: "conditional logit, listings as strata";
	const char *cov_note = covariates ? "covariates: send position, message variant"
					  : "no covariates (position or variant not recorded)";
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "model");
		json_str(&j, model);
		json_key(&j, "outcome");
		json_str(&j, pairs_def_name(def));
		json_key(&j, "alpha");
		json_num(&j, alpha);
		json_key(&j, "covariates");
		json_bool(&j, covariates);
		json_key(&j, "ok");
		json_bool(&j, f->ok);
		json_key(&j, "note");
		json_str(&j, f->ok ? NULL : f->why);
		json_key(&j, "n_applications");
		json_int(&j, (int64_t)d.n);
		json_key(&j, "n_listings");
		json_int(&j, (int64_t)d.g);
		json_key(&j, "n_used");
		json_int(&j, (int64_t)f->n_used);
		json_key(&j, "listings_used");
		json_int(&j, (int64_t)f->g_used);
		if (lpm) {
			json_key(&j, "small_sample_factor");
			json_num(&j, f->factor);
			json_key(&j, "df");
			json_num(&j, f->df);
		} else {
			json_key(&j, "loglik0");
			json_num(&j, f->loglik0);
			json_key(&j, "loglik");
			json_num(&j, f->loglik);
			json_key(&j, "iterations");
			json_int(&j, f->iterations);
			json_key(&j, "converged");
			json_bool(&j, f->converged);
		}
		json_key(&j, "coefficients");
		json_arr_begin(&j);
		for (int k = 0; k < d.k; k++) {
			const struct regress_coef *c = &f->coef[k];
			char label[160];
			model_term_label(ps, &d.col[k], label, sizeof(label));
			json_obj_begin(&j);
			json_key(&j, "term");
			json_str(&j, d.col[k].name);
			json_key(&j, "label");
			json_str(&j, label);
			json_opt(&j, "estimate", c->defined, c->est);
			json_opt(&j, "se", c->defined, c->se);
			json_opt(&j, "statistic", c->p_defined, c->stat);
			json_opt(&j, "p", c->p_defined, c->p);
			json_key(&j, "ci");
			if (c->defined) {
				json_arr_begin(&j);
				json_num(&j, c->lo);
				json_num(&j, c->hi);
				json_arr_end(&j);
			} else {
				json_null(&j);
			}
			if (!lpm)
				json_opt(&j, "odds_ratio", c->defined, exp(c->est));
			json_key(&j, "note");
			json_str(&j, c->defined ? NULL : c->why);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Regression: %s (%s).\nOutcome %s\n", title, cov_note, pairs_def_text(def));
		if (!f->ok) {
			printf("The model cannot be fitted: %s.\n", f->why);
		} else {
			if (lpm)
				printf("N = %zu applications in G = %zu listings; small-sample factor "
				       "%.4f (fixed effects nested in listings); t with %.0f df.\n",
				       f->n_used, f->g_used, f->factor, f->df);
			else
				printf("%zu applications in %zu informative listings; log-likelihood "
				       "%.4f (%.4f at zero), %d iterations.\n",
				       f->n_used, f->g_used, f->loglik, f->loglik0, f->iterations);
			char ci_head[32];
			snprintf(ci_head, sizeof(ci_head), "%g%% CI", 100 * (1 - alpha));
			const char *head_lpm[] = { "term", "estimate", "SE", ci_head, "p" };
			const char *head_cl[] = { "term", "log OR", "SE", ci_head, "OR", "p" };
			struct table *t = table_new(lpm ? 5 : 6, lpm ? head_lpm : head_cl);
			for (int k = 0; k < d.k; k++) {
				const struct regress_coef *c = &f->coef[k];
				char label[160], est[32] = "-", se[32] = "-", ci[64] = "-", p[32] = "-",
						 orr[32] = "-";
				model_term_label(ps, &d.col[k], label, sizeof(label));
				if (c->defined) {
					snprintf(est, sizeof(est), "%.4f", c->est);
					snprintf(se, sizeof(se), "%.4f", c->se);
					snprintf(ci, sizeof(ci), "[%.4f, %.4f]", c->lo, c->hi);
					snprintf(orr, sizeof(orr), "%.3f", exp(c->est));
				}
				if (c->p_defined)
					snprintf(p, sizeof(p), "%.4g", c->p);
				if (lpm)
					table_addv(t, label, est, se, ci, p);
				else
					table_addv(t, label, est, se, ci, orr, p);
			}
			table_print(t, stdout);
			table_free(t);
			for (int k = 0; k < d.k; k++)
				if (!f->coef[k].defined)
					printf("%s: undefined (%s)\n", d.col[k].name, f->coef[k].why);
			if (lpm)
				printf("A group's estimate is its response rate minus the control's, "
				       "within listings (-Delta).\n");
		}
	}
	free(f);
	regress_design_free(&d);
	return CT_OK;
}

/* ---- --agents ---- */

struct agent_row {
	const char *key; /* borrowed from the pairs */
	long b, c, pairs, listings;
};

/* Pairs by agent key, then listing. */
static int cmp_pair_agent(const void *x, const void *y)
{
	const struct pair *p = *(const struct pair *const *)x, *q = *(const struct pair *const *)y;
	int k = strcmp(p->agent_key, q->agent_key);
	return k ? k : (p->listing > q->listing) - (p->listing < q->listing);
}

static int run_agents(struct cmd_ctx *ctx, const struct pairs_set *ps, int def, double alpha)
{
	/* The pairs with an agent key, sorted by key and listing, so that each
	 * agent's pairs, and each listing's among them, are consecutive. */
	size_t n = 0, nokey = 0;
	const struct pair **pp = xcalloc(ps->npairs + 1, sizeof(*pp));
	for (size_t i = 0; i < ps->npairs; i++) {
		if (ps->pairs[i].agent_key)
			pp[n++] = &ps->pairs[i];
		else
			nokey++;
	}
	qsort(pp, n, sizeof(*pp), cmp_pair_agent);
	struct agent_row *rows = xcalloc(n + 1, sizeof(*rows));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++) {
		int same_agent = i && !strcmp(pp[i]->agent_key, pp[i - 1]->agent_key);
		if (!same_agent)
			rows[nr++].key = pp[i]->agent_key;
		struct agent_row *r = &rows[nr - 1];
		int pc = pairs_outcome_positive(pp[i]->control_outcome, def);
		int pt = pairs_outcome_positive(pp[i]->test_outcome, def);
		r->b += pc && !pt;
		r->c += !pc && pt;
		r->pairs++;
		if (!same_agent || pp[i]->listing != pp[i - 1]->listing)
			r->listings++;
	}
	/* Only agents tested on two listings or more. */
	size_t m = 0, single = 0;
	for (size_t i = 0; i < nr; i++) {
		if (rows[i].listings >= 2)
			rows[m++] = rows[i];
		else
			single++;
	}
	struct agent_counts *in = xcalloc(m + 1, sizeof(*in));
	struct agent_result *out = xcalloc(m + 1, sizeof(*out));
	for (size_t i = 0; i < m; i++)
		in[i] = (struct agent_counts){ rows[i].b, rows[i].c, rows[i].pairs };
	int flagged = agent_analyse(in, m, alpha, AGENT_FLAG_HOLM, out);
	int rc = CT_OK;
	if (flagged < 0) {
		rc = cmd_errorf(ctx, CT_EENV, "the agent-level tests failed (out of memory?)");
		goto out;
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "confidential");
		json_bool(&j, 1);
		json_key(&j, "outcome");
		json_str(&j, pairs_def_name(def));
		json_key(&j, "alpha");
		json_num(&j, alpha);
		json_key(&j, "flag_rule");
		json_str(&j, "holm");
		json_key(&j, "agents");
		json_arr_begin(&j);
		for (size_t i = 0; i < m; i++) {
			json_obj_begin(&j);
			json_key(&j, "agent_key");
			json_str(&j, rows[i].key);
			json_key(&j, "listings");
			json_int(&j, rows[i].listings);
			json_key(&j, "pairs");
			json_int(&j, rows[i].pairs);
			json_key(&j, "b");
			json_int(&j, out[i].b);
			json_key(&j, "c");
			json_int(&j, out[i].c);
			json_opt(&j, "p_exact", out[i].tested, out[i].p_exact);
			json_opt(&j, "p_greater", out[i].tested, out[i].p_greater);
			json_opt(&j, "p_holm", out[i].tested, out[i].p_holm);
			json_opt(&j, "p_bh", out[i].tested, out[i].p_bh);
			json_key(&j, "flagged");
			json_bool(&j, out[i].flagged);
			json_key(&j, "note");
			json_str(&j, out[i].note);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "flagged");
		json_int(&j, flagged);
		json_key(&j, "agents_one_listing");
		json_int(&j, (int64_t)single);
		json_key(&j, "pairs_without_agent_key");
		json_int(&j, (int64_t)nokey);
		json_obj_end(&j);
		json_end(&j);
		goto out;
	}
	printf("*** CONFIDENTIAL: agent-level results. They point at identifiable agents:\n"
	       "*** share only with those entitled to them (e.g. the equality body). ***\n");
	printf("Outcome %s; agents tested on 2 or more listings: %zu; flagged: %d (Holm-adjusted\n"
	       "exact p < %g and b > c).\n",
	       pairs_def_text(def), m, flagged, alpha);
	struct table *t = table_new(9, (const char *const[]){ "agent_key", "listings", "pairs", "b",
							      "c", "exact p", "Holm p", "BH p",
							      "flagged" });
	for (size_t i = 0; i < m; i++) {
		char l[24], pr[24], b[24], c[24], p[3][32];
		snprintf(l, sizeof(l), "%ld", rows[i].listings);
		snprintf(pr, sizeof(pr), "%ld", rows[i].pairs);
		snprintf(b, sizeof(b), "%ld", out[i].b);
		snprintf(c, sizeof(c), "%ld", out[i].c);
		struct paired_value v[3] = { { out[i].p_exact, out[i].tested },
					     { out[i].p_holm, out[i].tested },
					     { out[i].p_bh, out[i].tested } };
		const char *cells[] = { rows[i].key,	      l, pr, b, c, pval(&v[0], p[0]),
					pval(&v[1], p[1]), pval(&v[2], p[2]),
					out[i].flagged ? "FLAGGED" : "" };
		table_add(t, cells);
	}
	table_print(t, stdout);
	table_free(t);
	printf("Agents tested on one listing only: %zu; pairs without an agent key: %zu.\n", single,
	       nokey);
out:
	free(pp);
	free(rows);
	free(in);
	free(out);
	return rc;
}

/* ---- The command ---- */

/* Takes "--table A B C D" / "--unpaired X1 N1 X2 N2" out of argv before
 * getopt sees it, so that a negative count gets a clear message instead
 * of "unknown option". Returns -1 when the flag is given without four
 * values. */
static int take_counts(int *argc, char **argv, const char *flag, char **vals, int *given)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag))
			continue;
		if (i + 4 >= *argc)
			return -1;
		*given = 1;
		for (int k = 0; k < 4; k++)
			vals[k] = argv[i + 1 + k];
		for (int k = i; k + 5 <= *argc; k++)
			argv[k] = argv[k + 5];
		*argc -= 5;
		return 0;
	}
	return 0;
}

int cmd_stats(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "outcome", required_argument, NULL, 'o' },
					      { "by", required_argument, NULL, 'b' },
					      { "alpha", required_argument, NULL, 'a' },
					      { "csv", no_argument, NULL, 'c' },
					      { "agents", no_argument, NULL, 'g' },
					      { "model", required_argument, NULL, 'm' },
					      { NULL, 0, NULL, 0 } };
	char *tv[4] = { 0 }, *uv[4] = { 0 };
	int table = 0, unpaired = 0;
	if (take_counts(&argc, argv, "--table", tv, &table) < 0)
		return cmd_usage_error(ctx, "--table needs four counts: A B C D");
	if (take_counts(&argc, argv, "--unpaired", uv, &unpaired) < 0)
		return cmd_usage_error(ctx, "--unpaired needs four counts: X1 N1 X2 N2");
	const char *outcome = NULL, *by = NULL, *alpha_s = NULL;
	const char *model = NULL;
	int csv = 0, agents = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outcome = optarg; break;
		case 'b': by = optarg; break;
		case 'a': alpha_s = optarg; break;
		case 'c': csv = 1; break;
		case 'g': agents = 1; break;
		case 'm': model = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	double alpha = 0.05;
	if (alpha_s && (!parse_double(alpha_s, &alpha) || !(alpha > 0.0 && alpha < 1.0)))
		return cmd_usage_error(ctx, "--alpha must be a number between 0 and 1 (e.g. 0.05), "
					    "not '%s'", alpha_s);
	if (csv && ctx->json)
		return cmd_usage_error(ctx, "--csv and --json exclude each other");
	if (table + unpaired + agents + (model != NULL) > 1)
		return cmd_usage_error(ctx, "--table, --unpaired, --agents and --model exclude each "
					    "other");
	if (model && (by || csv))
		return cmd_usage_error(ctx, "--model takes neither --by nor --csv");
	if ((table || unpaired) && (outcome || by))
		return cmd_usage_error(ctx, "--outcome and --by apply to a study, not to --table "
					    "or --unpaired");
	if (agents && (by || csv))
		return cmd_usage_error(ctx, "--agents takes neither --by nor --csv");
	long v[4];
	if (table)
		return parse_counts(ctx, "--table", tv, v) ? run_table(ctx, v, alpha, csv) : CT_EINPUT;
	if (unpaired) {
		if (csv)
			return cmd_usage_error(ctx, "--csv is for paired tables");
		return parse_counts(ctx, "--unpaired", uv, v) ? run_unpaired(ctx, v, alpha)
							     : CT_EINPUT;
	}

	struct report rp = { .alpha = alpha };
	if (by) {
		char *bad = NULL;
		rp.ndims = parse_by(by, rp.dims, &bad);
		if (rp.ndims < 0) {
			int rc = cmd_usage_error(ctx, "--by: '%s' is not one of agent_type, gender, "
						 "round, area, variant, position (or is given twice)",
						 bad);
			free(bad);
			return rc;
		}
	}
	int rc = ctx->study ? CT_OK : cmd_open_study(ctx, STUDY_RO);
	if (rc)
		return rc;
	rp.def = pairs_def_parse(outcome ? outcome : ctx->study->design->outcome);
	if (rp.def < 0) {
		if (outcome)
			return cmd_usage_error(ctx, "--outcome must be strict, broad or any, not '%s'",
					       outcome);
		return cmd_errorf(ctx, CT_EINPUT, "study.ini: [design] outcome '%s' is not strict, "
				  "broad or any", ctx->study->design->outcome);
	}
	struct ct_err err = { 0 };
	struct pairs_set ps;
	if ((rc = pairs_collect(ctx->study, &ps, &err)))
		return cmd_error(ctx, &err);
	if (agents || model) {
		rc = agents ? run_agents(ctx, &ps, rp.def, alpha)
			    : run_model(ctx, &ps, rp.def, alpha, model);
		pairs_set_free(&ps);
		return rc;
	}
	rp.ps = &ps;
	report_build(&rp);
	struct cochran *cq = NULL;
	int ncq = cochran_collect(&ps, rp.def, &cq);
	if (ctx->json)
		print_json(&rp, cq, ncq);
	else if (csv)
		print_csv(&rp);
	else
		print_human(&rp, cq, ncq, outcome != NULL);
	for (int k = 0; k < ncq; k++)
		free(cq[k].groups);
	free(cq);
	report_free(&rp);
	pairs_set_free(&ps);
	/* Discrimination found is a result, not a problem: exit 0. */
	return CT_OK;
}
