/* cmd_power.c: corrtest power: how many listings a paired correspondence
 * test needs to detect a given difference, what a given number of pairs
 * can detect, and (--grid) the exact power over a grid of sample sizes and
 * designs, for McNemar's test. No study is needed. The arithmetic is in
 * stats/power.c; docs/power.md explains the choices. This file parses the
 * options, calls stats/ and renders through the output layer. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/out.h"
#include "power.h"
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
	"  --basis B           the n the design is built on: connor (default),\n"
	"                      miettinen, exact (exact McNemar test) or midp\n"
	"  --grid              the exact power at every n of --n for every design: one\n"
	"                      row per design and n with power_exact, power_midp and\n"
	"                      power_connor. NS is a list (100,200,500) or a range\n"
	"                      FROM:TO:STEP (100:5000:100); --pb and --pc (or --diff\n"
	"                      with --previous) take comma-separated lists, a single\n"
	"                      value going with every item of the other; at most\n"
	"                      100000 cells\n"
	"  --csv               with --grid: the grid as CSV\n"
	"  --json              n_connor, n_miettinen, n_exact, n_midp, power_connor,\n"
	"                      power_miettinen, power_exact, power_midp (at --n, else at\n"
	"                      n_connor), n_per_group, n_per_group_sent, n_total, the\n"
	"                      inputs, detectable_delta (with --n) and notes\n"
	"\n"
	"Every n counts valid (analysed) pairs per test group unless it says 'sent'.\n"
	"The exact power sums over every possible table (no simulation). The exact\n"
	"power is not monotone in n; n_exact is the smallest n from which it stays at\n"
	"or above the target for the next 20 sample sizes. The conditional rejection\n"
	"probabilities are computed once per design and shared by every n (docs/power.md).\n";

enum source { SRC_NONE, SRC_CELLS, SRC_RATES, SRC_PREVIOUS };

/* The most cells a grid may have. */
#define GRID_MAX 100000

struct power_opts {
	enum source src;
	double pb, pc;                 /* the design, once resolved */
	double p_control, p_test;      /* given or implied (NAN when unknown) */
	double concordance, phi, diff; /* NAN when not given */
	int have_pcontrol, have_ptest;
	const char *pb_s, *pc_s, *diff_s, *n_s; /* as given (lists with --grid) */
	long prev[4];
	double alpha, power, attrition;
	long n; /* 0 when --n is absent */
	long groups;
	enum power_adjust adjust;
	const char *basis;
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
	if (o->src == SRC_PREVIOUS) {
		if (!o->diff_s)
			return cmd_usage_error(ctx, "--grid with --previous needs --diff (a list)");
		if ((rc = parse_list(ctx, "--diff", o->diff_s, -1, 1, &a, &na)))
			return rc;
		const char *why = NULL;
		double pb, pc;
		if (!power_from_previous(o->prev[0], o->prev[1], o->prev[2], o->prev[3], &pb, &pc,
					 &why)) {
			free(a);
			return cmd_errorf(ctx, CT_EINPUT, "%s", why);
		}
		double psi = pb + pc;
		o->gpb = xcalloc(na + 1, sizeof(double));
		o->gpc = xcalloc(na + 1, sizeof(double));
		for (size_t i = 0; i < na; i++) {
			if (fabs(a[i]) > psi) {
				free(a);
				return cmd_errorf(ctx, CT_EINPUT,
						  "--diff %g is larger than last round's share of "
						  "discordant pairs %.4g: no table has both", a[i], psi);
			}
			o->gpb[i] = (psi + a[i]) / 2;
			o->gpc[i] = (psi - a[i]) / 2;
		}
		o->ndesigns = na;
		free(a);
	} else if (o->src == SRC_CELLS) {
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
		const char *why = NULL;
		if (!power_design_valid(o->gpb[i], o->gpc[i], &why))
			return cmd_errorf(ctx, CT_EINPUT, "%s (p_b = %.6g, p_c = %.6g)", why, o->gpb[i],
					  o->gpc[i]);
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
			rc = parse_prob(ctx, "--p-control", optarg, &o->p_control);
			o->have_pcontrol = 1;
			break;
		case O_PTEST:
			rc = parse_prob(ctx, "--p-test", optarg, &o->p_test);
			o->have_ptest = 1;
			break;
		case O_CONC: rc = parse_prob(ctx, "--concordance", optarg, &o->concordance); break;
		case O_PHI:
			if (!parse_double(optarg, &o->phi) || o->phi < -1 || o->phi > 1)
				rc = cmd_usage_error(ctx, "--phi must be in [-1, 1], not '%s'", optarg);
			break;
		case O_PREV: rc = parse_previous(ctx, optarg, o->prev); have_prev = 1; break;
		case O_DIFF: o->diff_s = optarg; break;
		case O_ALPHA:
			if (!parse_double(optarg, &o->alpha) || !(o->alpha > 0 && o->alpha < 0.5))
				rc = cmd_usage_error(ctx, "--alpha must be above 0 and below 0.5, not '%s'",
						     optarg);
			break;
		case O_POWER:
			if (!parse_double(optarg, &o->power) || !(o->power > 0 && o->power < 1))
				rc = cmd_usage_error(ctx, "--power must be above 0 and below 1, not '%s'",
						     optarg);
			o->power_given = 1;
			break;
		case O_N: o->n_s = optarg; break;
		case O_ATTR:
			if (!parse_double(optarg, &o->attrition) ||
			    !(o->attrition >= 0 && o->attrition < 1))
				rc = cmd_usage_error(ctx, "--attrition must be in [0, 1), not '%s'", optarg);
			o->attrition_given = 1;
			break;
		case O_GROUPS:
			if (!parse_long(optarg, &o->groups) || o->groups < 1 || o->groups > 1000)
				rc = cmd_usage_error(ctx, "--groups must be a whole number from 1 to 1000, "
						     "not '%s'", optarg);
			break;
		case O_ADJUST:
			if (!strcmp(optarg, "none"))
				o->adjust = POWER_ADJUST_NONE;
			else if (!strcmp(optarg, "bonferroni"))
				o->adjust = POWER_ADJUST_BONFERRONI;
			else if (!strcmp(optarg, "holm"))
				o->adjust = POWER_ADJUST_HOLM;
			else
				rc = cmd_usage_error(ctx, "--adjust is none, bonferroni or holm, not '%s'",
						     optarg);
			break;
		case O_BASIS:
			if (strcmp(optarg, "connor") && strcmp(optarg, "miettinen") &&
			    strcmp(optarg, "exact") && strcmp(optarg, "midp"))
				rc = cmd_usage_error(ctx, "--basis is connor, miettinen, exact or midp, "
						     "not '%s'", optarg);
			o->basis = optarg;
			o->basis_given = 1;
			break;
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
	int rates = o->have_pcontrol || o->have_ptest || !isnan(o->concordance) || !isnan(o->phi);
	if (cells + rates + have_prev != 1)
		return cmd_usage_error(ctx, "give the design one way: --pb and --pc, or --p-control, "
					    "--p-test and --concordance (or --phi), or --previous A B C D");
	if (o->diff_s && !have_prev)
		return cmd_usage_error(ctx, "--diff goes with --previous");
	if (cells && (!o->pb_s || !o->pc_s))
		return cmd_usage_error(ctx, "--pb and --pc go together");
	o->src = cells ? SRC_CELLS : rates ? SRC_RATES : SRC_PREVIOUS;
	if (o->grid)
		return grid_designs(ctx, o);

	if (o->n_s && (!parse_long(o->n_s, &o->n) || o->n < 1 || o->n > POWER_N_MAX))
		return cmd_usage_error(ctx, "--n must be a whole number from 1 to %ld, not '%s'",
				       POWER_N_MAX, o->n_s);
	const char *why = NULL;
	int rc2;
	if (cells) {
		if ((rc2 = parse_prob(ctx, "--pb", o->pb_s, &o->pb)) ||
		    (rc2 = parse_prob(ctx, "--pc", o->pc_s, &o->pc)))
			return rc2;
	} else if (rates) {
		if (!o->have_pcontrol || !o->have_ptest)
			return cmd_usage_error(ctx, "--p-control and --p-test go together");
		if (isnan(o->concordance) == isnan(o->phi))
			return cmd_usage_error(ctx, "with the response rates give --concordance or "
						    "--phi (one of them)");
		int ok = !isnan(o->concordance)
				 ? power_from_concordance(o->p_control, o->p_test, o->concordance,
							  &o->pb, &o->pc, &why)
				 : power_from_phi(o->p_control, o->p_test, o->phi, &o->pb, &o->pc, &why);
		if (!ok)
			return cmd_errorf(ctx, CT_EINPUT, "%s", why);
	} else {
		if (!power_from_previous(o->prev[0], o->prev[1], o->prev[2], o->prev[3], &o->pb,
					 &o->pc, &why))
			return cmd_errorf(ctx, CT_EINPUT, "%s", why);
		if (o->diff_s) {
			if (!parse_double(o->diff_s, &o->diff) || o->diff < -1 || o->diff > 1)
				return cmd_usage_error(ctx, "--diff must be in [-1, 1], not '%s'",
						       o->diff_s);
			double psi = o->pb + o->pc;
			if (fabs(o->diff) > psi)
				return cmd_errorf(ctx, CT_EINPUT,
						  "--diff %g is larger than last round's share of "
						  "discordant pairs %.4g: no table has both", o->diff, psi);
			o->pb = (psi + o->diff) / 2;
			o->pc = (psi - o->diff) / 2;
		}
	}
	if (!power_design_valid(o->pb, o->pc, &why))
		return cmd_errorf(ctx, CT_EINPUT, "%s (p_b = %.6g, p_c = %.6g)", why, o->pb, o->pc);
	return 0;
}

/* The unrounded formula value as a design: whole pairs, rounded up; a hair
 * above an integer from rounding error is that integer. */
static long round_up(double n)
{
	return (long)ceil(n - 1e-9);
}

struct power_result {
	double alpha_cmp; /* the level of each comparison */
	double n_connor_raw, n_miettinen_raw;
	long n_connor, n_miettinen, n_exact, n_midp;
	long n_at; /* where the powers are computed */
	double pw_connor, pw_miettinen, pw_exact, pw_midp;
	long per_group, per_group_sent, total; /* -1 when undefined */
	double detectable;                      /* 0 when none / not asked */
	const char *notes[8];
	int nnotes;
};

/* Everything once: each exact test's context serves its sample-size search
 * and its power at n. */
static int compute(const struct power_opts *o, struct power_result *r)
{
	memset(r, 0, sizeof *r);
	r->alpha_cmp = power_alpha_adjusted(o->alpha, (int)o->groups, o->adjust);
	double a = r->alpha_cmp;
	r->n_connor_raw = power_n_connor(o->pb, o->pc, a, o->power);
	r->n_miettinen_raw = power_n_miettinen(o->pb, o->pc, a, o->power);
	r->n_connor = round_up(r->n_connor_raw);
	r->n_miettinen = round_up(r->n_miettinen_raw);
	struct power_exact_ctx *ce = power_exact_ctx_new(o->pb, o->pc, a, POWER_EXACT);
	struct power_exact_ctx *cm = power_exact_ctx_new(o->pb, o->pc, a, POWER_MIDP);
	if (!ce || !cm) {
		power_exact_ctx_free(ce);
		power_exact_ctx_free(cm);
		return CT_EENV;
	}
	r->n_exact = power_exact_ctx_n(ce, o->power);
	r->n_midp = power_exact_ctx_n(cm, o->power);
	r->n_at = o->n ? o->n : r->n_connor;
	r->pw_connor = power_connor(o->pb, o->pc, a, (double)r->n_at);
	r->pw_miettinen = power_miettinen(o->pb, o->pc, a, (double)r->n_at);
	r->pw_exact = power_exact_ctx_at(ce, r->n_at);
	r->pw_midp = power_exact_ctx_at(cm, r->n_at);
	power_exact_ctx_free(ce);
	power_exact_ctx_free(cm);
	if (!o->n)
		r->notes[r->nnotes++] = "power_* are at n_connor, since --n was not given";
	if ((!r->n_exact || !r->n_midp) &&
	    fmin(r->n_connor_raw, r->n_miettinen_raw) >= (double)POWER_EXACT_SEARCH_MAX)
		r->notes[r->nnotes++] = "n_exact and n_midp are null: the normal approximations ask "
					"for more than 1000000 pairs, beyond the exact search (at that "
					"size the exact tests' n is within a few percent of Connor's)";
	else if (!r->n_exact || !r->n_midp)
		r->notes[r->nnotes++] = "n_exact or n_midp is null: no sample size up to the "
					"search limit reaches the target power";
	if (o->adjust == POWER_ADJUST_HOLM && o->groups > 1)
		r->notes[r->nnotes++] = "holm: each comparison is planned at alpha/groups, the level "
					"of Holm's first step, so the power holds for every step";

	long basis = r->n_connor;
	if (!strcmp(o->basis, "miettinen"))
		basis = r->n_miettinen;
	else if (!strcmp(o->basis, "exact"))
		basis = r->n_exact;
	else if (!strcmp(o->basis, "midp"))
		basis = r->n_midp;
	r->per_group = o->n ? o->n : (basis > 0 ? basis : -1);
	r->per_group_sent = r->per_group > 0 ? power_inflate(r->per_group, o->attrition) : -1;
	r->total = r->per_group_sent > 0 && r->per_group_sent <= POWER_N_MAX * 1000L
			   ? r->per_group_sent * o->groups
			   : -1;
	if (r->per_group < 0)
		r->notes[r->nnotes++] = "n_per_group and n_total are null: the chosen basis has no "
					"sample size";
	if (o->n) {
		r->detectable = power_detectable_delta(o->pb + o->pc, a, o->power, (double)o->n);
		if (r->detectable <= 0)
			r->notes[r->nnotes++] = "detectable_delta is null: at this share of discordant "
						"pairs no difference reaches the target power with --n "
						"pairs";
	}
	return CT_OK;
}

static const char *adjust_name(enum power_adjust a)
{
	return a == POWER_ADJUST_BONFERRONI ? "bonferroni" : a == POWER_ADJUST_HOLM ? "holm" : "none";
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

static void describe(struct out *o, const struct power_opts *op, const struct power_result *r)
{
	static const struct out_field item = { NULL, NULL, OUT_COUNT, 0 };
	out_text(o, "Design");
	out_num(o, &(struct out_field){ "pb", "p_b (only control +)", OUT_REAL, 0 }, op->pb);
	out_num(o, &(struct out_field){ "pc", "p_c (only test +)", OUT_REAL, 0 }, op->pc);
	out_num(o, &(struct out_field){ "psi", "discordant share psi", OUT_REAL, 0 },
		op->pb + op->pc);
	out_num(o, &(struct out_field){ "delta", "difference p_C - p_T", OUT_REAL, 0 },
		op->pb - op->pc);
	num_given(o, "p_control", "response rate, control", op->src == SRC_RATES ? op->p_control : NAN);
	num_given(o, "p_test", "response rate, test", op->src == SRC_RATES ? op->p_test : NAN);
	num_given(o, "concordance", "concordance (a+d)/N", op->concordance);
	num_given(o, "phi", "phi", op->phi);
	struct out_field prev = { "previous", op->src == SRC_PREVIOUS ? "previous round a, b, c, d"
								   : NULL, OUT_COUNT, 0 };
	if (op->src == SRC_PREVIOUS) {
		out_list_begin(o, &prev);
		for (int i = 0; i < 4; i++)
			out_int(o, &item, op->prev[i]);
		out_list_end(o);
	} else {
		out_missing(o, &prev, NULL);
	}
	num_given(o, "diff", "difference kept from --diff", op->diff);
	out_num(o, &(struct out_field){ "alpha", "alpha (two-sided, McNemar)", OUT_REAL, 0 },
		op->alpha);
	out_str(o, &(struct out_field){ "adjust", "adjustment", OUT_TEXT, 0 }, adjust_name(op->adjust));
	out_num(o, &(struct out_field){ "alpha_per_comparison", "alpha per comparison", OUT_REAL, 0 },
		r->alpha_cmp);
	out_num(o, &(struct out_field){ "target_power", "target power", OUT_REAL, 0 }, op->power);
	out_int(o, &(struct out_field){ "groups", "test groups", OUT_COUNT, 0 }, op->groups);
	out_num(o, &(struct out_field){ "attrition", "expected share of pairs lost", OUT_REAL, 0 },
		op->attrition);
	out_str(o, &(struct out_field){ "basis", "basis of the design", OUT_TEXT, 0 }, op->basis);
	count_or_missing(o, "n", op->n ? "--n" : NULL, op->n, NULL);
	out_text(o, "\nValid pairs needed per test group");
	out_int(o, &(struct out_field){ "n_connor", "Connor (1987)", OUT_COUNT, 0 }, r->n_connor);
	out_num(o, &(struct out_field){ "n_connor_unrounded", NULL, OUT_REAL, 0 }, r->n_connor_raw);
	out_int(o, &(struct out_field){ "n_miettinen", "Miettinen (1968)", OUT_COUNT, 0 },
		r->n_miettinen);
	out_num(o, &(struct out_field){ "n_miettinen_unrounded", NULL, OUT_REAL, 0 },
		r->n_miettinen_raw);
	count_or_missing(o, "n_exact", "exact McNemar test", r->n_exact, "none up to the search limit");
	count_or_missing(o, "n_midp", "mid-p McNemar test", r->n_midp, "none up to the search limit");
	out_text(o, "\nPower at %ld valid pairs%s", r->n_at, op->n ? "" : " (Connor's n)");
	out_int(o, &(struct out_field){ "power_at_n", NULL, OUT_COUNT, 0 }, r->n_at);
	out_num(o, &(struct out_field){ "power_connor", "Connor", OUT_PROB, 0 }, r->pw_connor);
	out_num(o, &(struct out_field){ "power_miettinen", "Miettinen", OUT_PROB, 0 },
		r->pw_miettinen);
	out_num(o, &(struct out_field){ "power_exact", "exact test", OUT_PROB, 0 }, r->pw_exact);
	out_num(o, &(struct out_field){ "power_midp", "mid-p test", OUT_PROB, 0 }, r->pw_midp);
	out_text(o, "\nDesign%s", op->n ? " (at --n)" : "");
	const char *none = r->per_group < 0 ? "no sample size on this basis" : NULL;
	count_or_missing(o, "n_per_group", "valid pairs per group", r->per_group, none);
	count_or_missing(o, "n_per_group_sent", "pairs to send per group", r->per_group_sent, none);
	count_or_missing(o, "n_total", "listings in total", r->total, none);
	char label[96];
	snprintf(label, sizeof(label), "smallest difference %ld pairs detect (Connor)", op->n);
	struct out_field dd = { "detectable_delta", op->n ? label : NULL, OUT_REAL, 0 };
	if (op->n && r->detectable > 0)
		out_num(o, &dd, r->detectable);
	else
		out_missing(o, &dd, op->n ? "no difference reaches the target power" : NULL);
	out_notes(o, &(struct out_field){ "notes", NULL, OUT_TEXT, 0 }, r->notes, r->nnotes);
}

/* --grid: the exact and mid-p power of every design at every n, and
 * Connor's approximation beside them. */
static int run_grid(struct cmd_ctx *ctx, const struct power_opts *op)
{
	double a = power_alpha_adjusted(op->alpha, (int)op->groups, op->adjust);
	size_t cells = op->nn * op->ndesigns;
	double *pe = xcalloc(cells + 1, sizeof(double)), *pm = xcalloc(cells + 1, sizeof(double));
	for (size_t d = 0; d < op->ndesigns; d++) {
		if (!power_exact_many(op->gpb[d], op->gpc[d], a, POWER_EXACT, op->ns, op->nn,
				      pe + d * op->nn) ||
		    !power_exact_many(op->gpb[d], op->gpc[d], a, POWER_MIDP, op->ns, op->nn,
				      pm + d * op->nn)) {
			free(pe);
			free(pm);
			return cmd_errorf(ctx, CT_EENV, "out of memory computing the grid");
		}
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : op->csv ? OUT_CSV : OUT_TABLE);
	out_num(o, &(struct out_field){ "alpha", "alpha (two-sided, McNemar)", OUT_REAL, 0 }, op->alpha);
	out_str(o, &(struct out_field){ "adjust", "adjustment", OUT_TEXT, 0 }, adjust_name(op->adjust));
	out_int(o, &(struct out_field){ "groups", "test groups", OUT_COUNT, 0 }, op->groups);
	out_num(o, &(struct out_field){ "alpha_per_comparison", "alpha per comparison", OUT_REAL, 0 },
		a);
	out_text(o, "%s", "");
	out_table_begin(o, &(struct out_field){ "grid", NULL, OUT_TEXT, 0 });
	for (size_t d = 0; d < op->ndesigns; d++) {
		double pb = op->gpb[d], pc = op->gpc[d];
		for (size_t i = 0; i < op->nn; i++) {
			size_t at = d * op->nn + i;
			out_row_begin(o, NULL);
			out_num(o, &(struct out_field){ "pb", "p_b", OUT_REAL, OUT_ID }, pb);
			out_num(o, &(struct out_field){ "pc", "p_c", OUT_REAL, OUT_ID }, pc);
			out_num(o, &(struct out_field){ "delta", "difference", OUT_REAL, 0 }, pb - pc);
			out_int(o, &(struct out_field){ "n", "n", OUT_COUNT, 0 }, op->ns[i]);
			out_num(o, &(struct out_field){ "power_exact", "exact", OUT_PROB, 0 }, pe[at]);
			out_num(o, &(struct out_field){ "power_midp", "mid-p", OUT_PROB, 0 }, pm[at]);
			out_num(o, &(struct out_field){ "power_connor", "Connor", OUT_PROB, 0 },
				power_connor(pb, pc, a, (double)op->ns[i]));
			out_row_end(o);
		}
	}
	out_table_end(o);
	free(pe);
	free(pm);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_power(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct power_opts o = { .alpha = 0.05, .power = 0.8, .groups = 1, .basis = "connor",
				.concordance = NAN, .phi = NAN, .diff = NAN, .p_control = NAN,
				.p_test = NAN };
	char **owned;
	int nowned;
	char **av = join_previous(&argc, argv, &owned, &nowned);
	int rc = parse_args(ctx, argc, av, &o);
	if (!rc && o.grid) {
		rc = run_grid(ctx, &o);
	} else if (!rc) {
		struct power_result r;
		if (compute(&o, &r)) {
			rc = cmd_errorf(ctx, CT_EENV, "out of memory computing the exact power");
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
