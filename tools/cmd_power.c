/* cmd_power.c: corrtest power: how many listings a paired correspondence
 * test needs to detect a given difference, what a given number of pairs
 * can detect, and (--grid) the exact power over a grid of sample sizes and
 * designs, for McNemar's test. No study is needed. The plan is computed by
 * tools/lib/analysis/powerplan.c (from the formulas of stats/power.c);
 * docs/power.md explains the choices. This file parses the options, asks
 * for the plan and renders it through the output layer. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/powerplan.h"
#include "cmd.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_power_usage[] =
	"usage: corrtest power --pb P --pc P [options]\n"
	"       corrtest power --p-control P --p-test P (--concordance K | --phi R) [options]\n"
	"       corrtest power --previous A B C D [--diff D] [options]\n"
	"       corrtest power --grid --n NS (--pb PS --pc PS | --previous A B C D --diff DS)\n"
	"                      [--alpha A] [--groups K --adjust M] [--json | --csv]\n"
	"\n"
	"Sample size and power of McNemar's test for a paired design: one control and\n"
	"one test candidate write to each listing. The design is the share of pairs in\n"
	"which only the control candidate gets a positive outcome (p_b, cell b) and\n"
	"only the test candidate does (p_c, cell c); their difference p_b - p_c is the\n"
	"difference in response rates p_C - p_T to detect.\n"
	"\n"
	"The design, in one of three ways:\n"
	"  --pb P, --pc P      p_b and p_c directly (fractions, 0..1)\n"
	"  --p-control P --p-test P\n"
	"                      the two response rates, with either\n"
	"    --concordance K   the share of pairs treated alike, (a+d)/N: both\n"
	"                      candidates invited or both not (from last round's\n"
	"                      table: (a+d)/N); p_b + p_c = 1 - K\n"
	"    --phi R           or the phi correlation of the two outcomes in a pair\n"
	"  --previous A B C D  last round's paired table (METHOD.md order): p_b = B/N,\n"
	"                      p_c = C/N\n"
	"    --diff D          with --previous: keep last round's share of discordant\n"
	"                      pairs (B+C)/N but plan for a difference p_C - p_T = D\n"
	"\n"
	"Options:\n"
	"  --alpha A           two-sided level (default 0.05; below 0.5)\n"
	"  --power P           target power (default 0.8)\n"
	"  --n N               valid pairs per test group: the power at N, and the\n"
	"                      smallest difference N pairs detect\n"
	"  --attrition A       expected share of pairs lost (bounces, withdrawn\n"
	"                      listings), 0..1 (default 0): pairs to send = ceil(n/(1-A))\n"
	"  --groups K          test groups, each compared with the control on its own\n"
	"                      listings (default 1): total = K x pairs per group\n"
	"  --adjust M          none (default), bonferroni or holm: plan each comparison\n"
	"                      at alpha/K (for Holm, its strictest first step)\n"
	"  --basis B           the n the plan uses (and the method of the detectable\n"
	"                      difference): exact (default: the exact McNemar test\n"
	"                      that the report publishes), connor (Connor 1987, the\n"
	"                      normal approximation), miettinen or midp\n"
	"  --grid              the exact power at every n of --n for every design: one\n"
	"                      row per design and n with power_exact, power_midp and\n"
	"                      power_connor. NS is a list (100,200,500) or a range\n"
	"                      FROM:TO:STEP (100:5000:100); --pb and --pc (or --diff\n"
	"                      with --previous) take comma-separated lists, a single\n"
	"                      value going with every item of the other; at most\n"
	"                      100000 cells\n"
	"  --csv               with --grid: the grid as CSV\n"
	"  --json              n_connor, n_miettinen, n_exact, n_midp, method (whose n\n"
	"                      n_per_group is), power_connor, power_miettinen,\n"
	"                      power_exact, power_midp (at --n, else at the plan's n),\n"
	"                      n_per_group, n_per_group_sent, n_total, the inputs,\n"
	"                      detectable_delta (by method), detectable_delta_exact and\n"
	"                      detectable_delta_connor (with --n) and notes\n"
	"\n"
	"Every n counts valid (analysed) pairs per test group unless it says 'sent'.\n"
	"The plan uses the exact test's n unless --basis says otherwise; Connor's n\n"
	"gives the exact test a few points less power than asked. The exact power sums\n"
	"over every possible table (no simulation). It is not monotone in n: n_exact\n"
	"(n_midp) is the smallest n at which the power reaches the target and stays\n"
	"there for each of the next 20 sample sizes. The conditional rejection\n"
	"probabilities are computed once per design and shared by every n (docs/power.md).\n";

#define GRID_MAX POWERPLAN_GRID_MAX

/* The options: the design as given (resolved by powerplan_resolve), the
 * plan's options, and the lists of --grid. */
struct power_opts {
	struct powerplan_design d;
	struct powerplan_opts po;
	int have_pcontrol, have_ptest;
	const char *pb_s, *pc_s, *diff_s, *n_s; /* as given (lists with --grid) */
	int grid, csv;
	int power_given, attrition_given, basis_given;
	/* --grid: the designs (pb[i], pc[i]) and the sample sizes */
	double *gpb, *gpc;
	size_t ndesigns;
	long *ns;
	size_t nn;
};

/* getopt_long takes one argument per option; "--previous A B C D" is turned
 * into "--previous=A,B,C,D" before parsing (the comma form is accepted too).
 * The returned vector borrows argv's strings except the joined ones, which
 * are collected in *owned (caller frees both). */
static char **join_previous(int *argc, char **argv, char ***owned, int *nowned)
{
	char **out = xcalloc((size_t)*argc + 1, sizeof(char *));
	*owned = xcalloc((size_t)*argc + 1, sizeof(char *));
	*nowned = 0;
	int o = 0;
	for (int i = 0; i < *argc; i++) {
		double tmp;
		if (!strcmp(argv[i], "--previous") && i + 4 < *argc && parse_double(argv[i + 1], &tmp) &&
		    parse_double(argv[i + 2], &tmp) && parse_double(argv[i + 3], &tmp) &&
		    parse_double(argv[i + 4], &tmp)) {
			char *s = xasprintf("--previous=%s,%s,%s,%s", argv[i + 1], argv[i + 2],
					    argv[i + 3], argv[i + 4]);
			(*owned)[(*nowned)++] = s;
			out[o++] = s;
			i += 4;
		} else {
			out[o++] = argv[i];
		}
	}
	out[o] = NULL;
	*argc = o;
	return out;
}

static int parse_prob(struct cmd_ctx *ctx, const char *name, const char *s, double *out)
{
	if (!parse_double(s, out) || *out < 0 || *out > 1)
		return cmd_usage_error(ctx, "%s must be a number in [0, 1], not '%s'", name, s);
	return 0;
}

static int parse_previous(struct cmd_ctx *ctx, const char *s, long prev[4])
{
	char buf[256];
	if (strlen(s) >= sizeof buf)
		return cmd_usage_error(ctx, "--previous needs four counts A B C D");
	memcpy(buf, s, strlen(s) + 1);
	int k = 0;
	char *p = buf;
	while (k < 4) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!parse_long(p, &prev[k]) || prev[k] < 0)
			return cmd_usage_error(ctx, "--previous needs four counts A B C D (>= 0), "
						    "not '%s'", s);
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (k != 4 || strchr(p, ',') != NULL)
		return cmd_usage_error(ctx, "--previous needs four counts A B C D, not '%s'", s);
	return 0;
}

/* A comma-separated list of numbers in [lo, hi] (caller frees *out). */
static int parse_list(struct cmd_ctx *ctx, const char *name, const char *s, double lo, double hi,
		      double **out, size_t *n)
{
	char *copy = xstrdup(s), *p = copy;
	*out = NULL;
	*n = 0;
	int rc = 0;
	while (p && !rc) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		double v;
		if (!parse_double(p, &v) || v < lo || v > hi || *n >= GRID_MAX)
			rc = cmd_usage_error(ctx, "%s takes numbers in [%g, %g] separated by commas, "
						  "not '%s'", name, lo, hi, p);
		else {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = v;
		}
		p = comma ? comma + 1 : NULL;
	}
	free(copy);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* --n with --grid: "100,200,500" or "FROM:TO:STEP". */
static int parse_ns(struct cmd_ctx *ctx, const char *s, long **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (strchr(s, ':')) {
		long v[3];
		char *copy = xstrdup(s), *p = copy;
		int k = 0, ok = 1;
		while (p && k < 3 && ok) {
			char *colon = strchr(p, ':');
			if (colon)
				*colon = '\0';
			ok = parse_long(p, &v[k++]);
			p = colon ? colon + 1 : NULL;
		}
		free(copy);
		if (!ok || k != 3 || p || v[0] < 1 || v[1] < v[0] || v[1] > POWER_N_MAX || v[2] < 1)
			return cmd_usage_error(ctx, "--n FROM:TO:STEP needs 1 <= FROM <= TO <= %ld and "
						    "STEP >= 1, not '%s'", POWER_N_MAX, s);
		if ((v[1] - v[0]) / v[2] >= GRID_MAX)
			return cmd_usage_error(ctx, "--n '%s' has more than %d sample sizes", s,
					       GRID_MAX);
		for (long x = v[0]; x <= v[1]; x += v[2]) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = x;
		}
		return 0;
	}
	double *d;
	size_t m;
	int rc = parse_list(ctx, "--n", s, 1, (double)POWER_N_MAX, &d, &m);
	if (rc)
		return rc;
	*out = xcalloc(m + 1, sizeof(**out));
	for (size_t i = 0; i < m; i++) {
		if (d[i] != floor(d[i])) {
			free(d);
			free(*out);
			*out = NULL;
			return cmd_usage_error(ctx, "--n takes whole numbers, not '%s'", s);
		}
		(*out)[i] = (long)d[i];
	}
	*n = m;
	free(d);
	return 0;
}

/* The designs of a grid: pb and pc lists, one of them possibly a single
 * value; or --previous with a list of --diff. */
static int grid_designs(struct cmd_ctx *ctx, struct power_opts *o)
{
	double *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int rc;
	if (o->d.src == POWERPLAN_PREVIOUS) {
		if (!o->diff_s)
			return cmd_usage_error(ctx, "--grid with --previous needs --diff (a list)");
		if ((rc = parse_list(ctx, "--diff", o->diff_s, -1, 1, &a, &na)))
			return rc;
		/* One design per difference, each resolved from the table. */
		o->gpb = xcalloc(na + 1, sizeof(double));
		o->gpc = xcalloc(na + 1, sizeof(double));
		for (size_t i = 0; i < na; i++) {
			struct powerplan_design d = o->d;
			struct ct_err err = { 0 };
			d.diff = a[i];
			if (powerplan_resolve(&d, &err)) {
				free(a);
				return cmd_error(ctx, &err);
			}
			o->gpb[i] = d.pb;
			o->gpc[i] = d.pc;
		}
		o->ndesigns = na;
		free(a);
	} else if (o->d.src == POWERPLAN_CELLS) {
		if ((rc = parse_list(ctx, "--pb", o->pb_s, 0, 1, &a, &na)) ||
		    (rc = parse_list(ctx, "--pc", o->pc_s, 0, 1, &b, &nb))) {
			free(a);
			return rc;
		}
		if (na != nb && na != 1 && nb != 1) {
			free(a);
			free(b);
			return cmd_usage_error(ctx, "--pb and --pc lists must have the same length, or "
						    "one of them a single value");
		}
		size_t n = na > nb ? na : nb;
		o->gpb = xcalloc(n + 1, sizeof(double));
		o->gpc = xcalloc(n + 1, sizeof(double));
		for (size_t i = 0; i < n; i++) {
			o->gpb[i] = a[na == 1 ? 0 : i];
			o->gpc[i] = b[nb == 1 ? 0 : i];
		}
		o->ndesigns = n;
		free(a);
		free(b);
	} else {
		return cmd_usage_error(ctx, "--grid takes the designs as --pb and --pc, or as "
					    "--previous A B C D with --diff");
	}
	for (size_t i = 0; i < o->ndesigns; i++) {
		struct powerplan_design d = { .src = POWERPLAN_CELLS, .pb = o->gpb[i], .pc = o->gpc[i] };
		struct ct_err err = { 0 };
		if (powerplan_resolve(&d, &err))
			return cmd_error(ctx, &err);
	}
	if (!o->n_s)
		return cmd_usage_error(ctx, "--grid needs --n: a list or FROM:TO:STEP");
	if ((rc = parse_ns(ctx, o->n_s, &o->ns, &o->nn)))
		return rc;
	if (o->nn * o->ndesigns > GRID_MAX)
		return cmd_usage_error(ctx, "the grid has %zu cells; at most %d", o->nn * o->ndesigns,
				       GRID_MAX);
	return 0;
}

static int parse_args(struct cmd_ctx *ctx, int argc, char **argv, struct power_opts *o)
{
	enum { O_PB = 256, O_PC, O_PCONTROL, O_PTEST, O_CONC, O_PHI, O_PREV, O_DIFF, O_ALPHA,
	       O_POWER, O_N, O_ATTR, O_GROUPS, O_ADJUST, O_BASIS, O_DETECT, O_GRID, O_CSV };
	static const struct option opts[] = {
		{ "pb", required_argument, NULL, O_PB },
		{ "pc", required_argument, NULL, O_PC },
		{ "p-control", required_argument, NULL, O_PCONTROL },
		{ "p-test", required_argument, NULL, O_PTEST },
		{ "concordance", required_argument, NULL, O_CONC },
		{ "phi", required_argument, NULL, O_PHI },
		{ "previous", required_argument, NULL, O_PREV },
		{ "diff", required_argument, NULL, O_DIFF },
		{ "alpha", required_argument, NULL, O_ALPHA },
		{ "power", required_argument, NULL, O_POWER },
		{ "n", required_argument, NULL, O_N },
		{ "attrition", required_argument, NULL, O_ATTR },
		{ "groups", required_argument, NULL, O_GROUPS },
		{ "adjust", required_argument, NULL, O_ADJUST },
		{ "basis", required_argument, NULL, O_BASIS },
		{ "detectable", no_argument, NULL, O_DETECT },
		{ "grid", no_argument, NULL, O_GRID },
		{ "csv", no_argument, NULL, O_CSV },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc, have_prev = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case O_PB: o->pb_s = optarg; break;
		case O_PC: o->pc_s = optarg; break;
		case O_PCONTROL:
			rc = parse_prob(ctx, "--p-control", optarg, &o->d.p_control);
			o->have_pcontrol = 1;
			break;
		case O_PTEST:
			rc = parse_prob(ctx, "--p-test", optarg, &o->d.p_test);
			o->have_ptest = 1;
			break;
		case O_CONC: rc = parse_prob(ctx, "--concordance", optarg, &o->d.concordance); break;
		case O_PHI:
			if (!parse_double(optarg, &o->d.phi) || o->d.phi < -1 || o->d.phi > 1)
				rc = cmd_usage_error(ctx, "--phi must be in [-1, 1], not '%s'", optarg);
			break;
		case O_PREV: rc = parse_previous(ctx, optarg, o->d.prev); have_prev = 1; break;
		case O_DIFF: o->diff_s = optarg; break;
		case O_ALPHA:
			if (!parse_double(optarg, &o->po.alpha) || !(o->po.alpha > 0 && o->po.alpha < 0.5))
				rc = cmd_usage_error(ctx, "--alpha must be above 0 and below 0.5, not '%s'",
						     optarg);
			break;
		case O_POWER:
			if (!parse_double(optarg, &o->po.power) || !(o->po.power > 0 && o->po.power < 1))
				rc = cmd_usage_error(ctx, "--power must be above 0 and below 1, not '%s'",
						     optarg);
			o->power_given = 1;
			break;
		case O_N: o->n_s = optarg; break;
		case O_ATTR:
			if (!parse_double(optarg, &o->po.attrition) ||
			    !(o->po.attrition >= 0 && o->po.attrition < 1))
				rc = cmd_usage_error(ctx, "--attrition must be in [0, 1), not '%s'", optarg);
			o->attrition_given = 1;
			break;
		case O_GROUPS:
			if (!parse_long(optarg, &o->po.groups) || o->po.groups < 1 || o->po.groups > 1000)
				rc = cmd_usage_error(ctx, "--groups must be a whole number from 1 to 1000, "
						     "not '%s'", optarg);
			break;
		case O_ADJUST:
			if (!strcmp(optarg, "none"))
				o->po.adjust = POWER_ADJUST_NONE;
			else if (!strcmp(optarg, "bonferroni"))
				o->po.adjust = POWER_ADJUST_BONFERRONI;
			else if (!strcmp(optarg, "holm"))
				o->po.adjust = POWER_ADJUST_HOLM;
			else
				rc = cmd_usage_error(ctx, "--adjust is none, bonferroni or holm, not '%s'",
						     optarg);
			break;
		case O_BASIS: {
			int b = powerplan_basis_parse(optarg);
			if (b < 0)
				rc = cmd_usage_error(ctx, "--basis is connor, miettinen, exact or midp, "
						     "not '%s'", optarg);
			o->po.basis = b < 0 ? POWERPLAN_BASIS_DEFAULT : (enum powerplan_basis)b;
			o->basis_given = 1;
			break;
		}
		case O_DETECT: break; /* the detectable difference comes with every --n */
		case O_GRID: o->grid = 1; break;
		case O_CSV: o->csv = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (o->csv && !o->grid)
		return cmd_usage_error(ctx, "--csv goes with --grid");
	if (o->csv && ctx->json)
		return cmd_usage_error(ctx, "--csv and --json exclude each other");
	if (o->grid && (o->power_given || o->attrition_given || o->basis_given))
		return cmd_usage_error(ctx, "--grid gives powers at given sample sizes: --power, "
					    "--attrition and --basis do not apply");

	int cells = o->pb_s || o->pc_s;
	int rates = o->have_pcontrol || o->have_ptest || !isnan(o->d.concordance) || !isnan(o->d.phi);
	if (cells + rates + have_prev != 1)
		return cmd_usage_error(ctx, "give the design one way: --pb and --pc, or --p-control, "
					    "--p-test and --concordance (or --phi), or --previous A B C D");
	if (o->diff_s && !have_prev)
		return cmd_usage_error(ctx, "--diff goes with --previous");
	if (cells && (!o->pb_s || !o->pc_s))
		return cmd_usage_error(ctx, "--pb and --pc go together");
	o->d.src = cells ? POWERPLAN_CELLS : rates ? POWERPLAN_RATES : POWERPLAN_PREVIOUS;
	if (o->grid)
		return grid_designs(ctx, o);

	if (o->n_s && (!parse_long(o->n_s, &o->po.n) || o->po.n < 1 || o->po.n > POWER_N_MAX))
		return cmd_usage_error(ctx, "--n must be a whole number from 1 to %ld, not '%s'",
				       POWER_N_MAX, o->n_s);
	int rc2;
	if (cells) {
		if ((rc2 = parse_prob(ctx, "--pb", o->pb_s, &o->d.pb)) ||
		    (rc2 = parse_prob(ctx, "--pc", o->pc_s, &o->d.pc)))
			return rc2;
	} else if (rates) {
		if (!o->have_pcontrol || !o->have_ptest)
			return cmd_usage_error(ctx, "--p-control and --p-test go together");
		if (isnan(o->d.concordance) == isnan(o->d.phi))
			return cmd_usage_error(ctx, "with the response rates give --concordance or "
						    "--phi (one of them)");
	} else if (o->diff_s) {
		if (!parse_double(o->diff_s, &o->d.diff) || o->d.diff < -1 || o->d.diff > 1)
			return cmd_usage_error(ctx, "--diff must be in [-1, 1], not '%s'", o->diff_s);
	}
	struct ct_err err = { 0 };
	if (powerplan_resolve(&o->d, &err))
		return cmd_error(ctx, &err);
	return 0;
}

/* A count that is missing when not positive. */
static void count_or_missing(struct out *o, const char *key, const char *label, long v,
			     const char *why)
{
	struct out_field f = { key, label, OUT_COUNT, 0 };
	if (v > 0)
		out_int(o, &f, v);
	else
		out_missing(o, &f, why);
}

/* A number that is missing when NaN (not given). */
static void num_given(struct out *o, const char *key, const char *label, double v)
{
	out_num(o, &(struct out_field){ key, isnan(v) ? NULL : label, OUT_REAL, 0 }, v);
}

static void describe(struct out *o, const struct power_opts *op, const struct powerplan *r)
{
	static const struct out_field item = { NULL, NULL, OUT_COUNT, 0 };
	out_text(o, "Design");
	out_num(o, &(struct out_field){ "pb", "p_b (only control +)", OUT_REAL, 0 }, op->d.pb);
	out_num(o, &(struct out_field){ "pc", "p_c (only test +)", OUT_REAL, 0 }, op->d.pc);
	out_num(o, &(struct out_field){ "psi", "discordant share psi", OUT_REAL, 0 },
		op->d.pb + op->d.pc);
	out_num(o, &(struct out_field){ "delta", "difference p_C - p_T", OUT_REAL, 0 },
		op->d.pb - op->d.pc);
	num_given(o, "p_control", "response rate, control", op->d.src == POWERPLAN_RATES ? op->d.p_control : NAN);
	num_given(o, "p_test", "response rate, test", op->d.src == POWERPLAN_RATES ? op->d.p_test : NAN);
	num_given(o, "concordance", "concordance (a+d)/N", op->d.concordance);
	num_given(o, "phi", "phi", op->d.phi);
	struct out_field prev = { "previous", op->d.src == POWERPLAN_PREVIOUS ? "previous round a, b, c, d"
								   : NULL, OUT_COUNT, 0 };
	if (op->d.src == POWERPLAN_PREVIOUS) {
		out_list_begin(o, &prev);
		for (int i = 0; i < 4; i++)
			out_int(o, &item, op->d.prev[i]);
		out_list_end(o);
	} else {
		out_missing(o, &prev, NULL);
	}
	num_given(o, "diff", "difference kept from --diff", op->d.diff);
	out_num(o, &(struct out_field){ "alpha", "alpha (two-sided, McNemar)", OUT_REAL, 0 },
		op->po.alpha);
	out_str(o, &(struct out_field){ "adjust", "adjustment", OUT_TEXT, 0 }, powerplan_adjust_name(op->po.adjust));
	out_num(o, &(struct out_field){ "alpha_per_comparison", "alpha per comparison", OUT_REAL, 0 },
		r->alpha_cmp);
	out_num(o, &(struct out_field){ "target_power", "target power", OUT_REAL, 0 }, op->po.power);
	out_int(o, &(struct out_field){ "groups", "test groups", OUT_COUNT, 0 }, op->po.groups);
	out_num(o, &(struct out_field){ "attrition", "expected share of pairs lost", OUT_REAL, 0 },
		op->po.attrition);
	out_str(o, &(struct out_field){ "basis", "basis of the plan (--basis)", OUT_TEXT, 0 },
		powerplan_basis_name(op->po.basis));
	count_or_missing(o, "n", op->po.n ? "--n" : NULL, op->po.n, NULL);
	out_text(o, "\nValid pairs needed per test group");
	out_int(o, &(struct out_field){ "n_connor", "Connor (1987)", OUT_COUNT, 0 }, r->n_connor);
	out_num(o, &(struct out_field){ "n_connor_unrounded", NULL, OUT_REAL, 0 }, r->n_connor_raw);
	out_int(o, &(struct out_field){ "n_miettinen", "Miettinen (1968)", OUT_COUNT, 0 },
		r->n_miettinen);
	out_num(o, &(struct out_field){ "n_miettinen_unrounded", NULL, OUT_REAL, 0 },
		r->n_miettinen_raw);
	count_or_missing(o, "n_exact", "exact McNemar test", r->n_exact, "none up to the search limit");
	count_or_missing(o, "n_midp", "mid-p McNemar test", r->n_midp, "none up to the search limit");
	/* Which of these the plan uses, in words. */
	const char *method = powerplan_basis_label(r->method);
	if (op->po.n) {
		out_text(o, "The plan uses --n; the smallest difference it detects is by %s.",
			 method);
	} else if (r->method == POWERPLAN_EXACT || r->method == POWERPLAN_MIDP) {
		out_text(o, "The plan uses the n of %s, %ld: the smallest n at which its exact",
			 method, r->per_group);
		out_text(o, "power reaches %g and stays there for each of the next %d sample sizes.",
			 op->po.power, POWER_EXACT_WINDOW);
	} else if (r->per_group > 0) {
		out_text(o, "The plan uses the n of %s, %ld.", method, r->per_group);
	}
	if ((r->method != POWERPLAN_CONNOR || op->po.n) && !isnan(r->pw_exact_at_connor))
		out_text(o, "At Connor's n, %ld, the exact test's power is %.4f.", r->n_connor,
			 r->pw_exact_at_connor);
	out_num(o, &(struct out_field){ "power_exact_at_n_connor", NULL, OUT_PROB, 0 },
		r->pw_exact_at_connor);
	out_text(o, "\nPower at %ld valid pairs%s", r->n_at,
		 op->po.n ? "" : r->method == POWERPLAN_CONNOR ? " (Connor's n, the plan's)"
								: " (the plan's n)");
	out_int(o, &(struct out_field){ "power_at_n", NULL, OUT_COUNT, 0 }, r->n_at);
	out_num(o, &(struct out_field){ "power_connor", "Connor", OUT_PROB, 0 }, r->pw_connor);
	out_num(o, &(struct out_field){ "power_miettinen", "Miettinen", OUT_PROB, 0 },
		r->pw_miettinen);
	out_num(o, &(struct out_field){ "power_exact", "exact test", OUT_PROB, 0 }, r->pw_exact);
	out_num(o, &(struct out_field){ "power_midp", "mid-p test", OUT_PROB, 0 }, r->pw_midp);
	out_text(o, "\nPlan%s", op->po.n ? " (at --n)" : "");
	out_str(o, &(struct out_field){ "method", "method of the plan", OUT_TEXT, 0 },
		powerplan_basis_name(r->method));
	const char *none = r->per_group < 0 ? "no sample size on this basis" : NULL;
	count_or_missing(o, "n_per_group", "valid pairs per group", r->per_group, none);
	count_or_missing(o, "n_per_group_sent", "pairs to send per group", r->per_group_sent, none);
	count_or_missing(o, "n_total", "listings in total", r->total, none);
	char label[128];
	snprintf(label, sizeof(label), "smallest difference %ld pairs detect (%s)", op->po.n,
		 powerplan_basis_name(r->method));
	struct out_field dd = { "detectable_delta", op->po.n ? label : NULL, OUT_REAL, 0 };
	const char *undetectable = op->po.n ? "no difference reaches the target power" : NULL;
	if (op->po.n && r->detectable > 0)
		out_num(o, &dd, r->detectable);
	else
		out_missing(o, &dd, undetectable);
	/* Both methods side by side, whichever the plan uses. */
	struct out_field de = { "detectable_delta_exact", op->po.n ? "  by the exact test" : NULL,
				OUT_REAL, 0 };
	struct out_field dc = { "detectable_delta_connor", op->po.n ? "  by Connor's formula" : NULL,
				OUT_REAL, 0 };
	if (op->po.n && r->detectable_exact > 0)
		out_num(o, &de, r->detectable_exact);
	else
		out_missing(o, &de, undetectable);
	if (op->po.n && r->detectable_connor > 0)
		out_num(o, &dc, r->detectable_connor);
	else
		out_missing(o, &dc, undetectable);
	out_notes(o, &(struct out_field){ "notes", NULL, OUT_TEXT, 0 }, r->notes, r->nnotes);
}

/* --grid: the exact and mid-p power of every design at every n, and
 * Connor's approximation beside them. */
static int run_grid(struct cmd_ctx *ctx, const struct power_opts *op)
{
	struct powerplan_grid g;
	struct ct_err err = { 0 };
	if (powerplan_grid(op->gpb, op->gpc, op->ndesigns, op->ns, op->nn, op->po.alpha,
			   op->po.groups, op->po.adjust, &g, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : op->csv ? OUT_CSV : OUT_TABLE);
	out_num(o, &(struct out_field){ "alpha", "alpha (two-sided, McNemar)", OUT_REAL, 0 },
		op->po.alpha);
	out_str(o, &(struct out_field){ "adjust", "adjustment", OUT_TEXT, 0 },
		powerplan_adjust_name(op->po.adjust));
	out_int(o, &(struct out_field){ "groups", "test groups", OUT_COUNT, 0 }, op->po.groups);
	out_num(o, &(struct out_field){ "alpha_per_comparison", "alpha per comparison", OUT_REAL, 0 },
		g.alpha_cmp);
	out_text(o, "%s", "");
	/* Up to 100000 rows: streamed, so that JSON and CSV are written as
	 * they come. */
	out_table_stream_begin(o, &(struct out_field){ "grid", NULL, OUT_TEXT, 0 });
	for (size_t d = 0; d < g.ndesigns; d++) {
		double pb = g.pb[d], pc = g.pc[d];
		for (size_t i = 0; i < g.nn; i++) {
			size_t at = d * g.nn + i;
			out_row_begin(o, NULL);
			out_num(o, &(struct out_field){ "pb", "p_b", OUT_REAL, OUT_ID }, pb);
			out_num(o, &(struct out_field){ "pc", "p_c", OUT_REAL, OUT_ID }, pc);
			out_num(o, &(struct out_field){ "delta", "difference", OUT_REAL, 0 }, pb - pc);
			out_int(o, &(struct out_field){ "n", "n", OUT_COUNT, 0 }, g.ns[i]);
			out_num(o, &(struct out_field){ "power_exact", "exact", OUT_PROB, 0 }, g.exact[at]);
			out_num(o, &(struct out_field){ "power_midp", "mid-p", OUT_PROB, 0 }, g.midp[at]);
			out_num(o, &(struct out_field){ "power_connor", "Connor", OUT_PROB, 0 },
				g.connor[at]);
			out_row_end(o);
		}
	}
	out_table_end(o);
	powerplan_grid_free(&g);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_power(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct power_opts o = { .po = { .alpha = 0.05, .power = 0.8, .groups = 1,
					.basis = POWERPLAN_BASIS_DEFAULT },
				.d = { .concordance = NAN, .phi = NAN, .diff = NAN, .p_control = NAN,
				       .p_test = NAN } };
	char **owned;
	int nowned;
	char **av = join_previous(&argc, argv, &owned, &nowned);
	int rc = parse_args(ctx, argc, av, &o);
	if (!rc && o.grid) {
		rc = run_grid(ctx, &o);
	} else if (!rc) {
		struct powerplan r;
		struct ct_err err = { 0 };
		if (powerplan_compute(&o.d, &o.po, &r, &err)) {
			rc = cmd_error(ctx, &err);
		} else {
			struct out *out = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
			describe(out, &o, &r);
			if (out_free(out))
				rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
		}
	}
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(av);
	free(o.gpb);
	free(o.gpc);
	free(o.ns);
	return rc;
}
