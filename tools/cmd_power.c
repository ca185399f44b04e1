/* cmd_power.c: corrtest power: how many listings a paired correspondence
 * test needs to detect a given difference, and what a given number of pairs
 * can detect, for McNemar's test. No study is needed. The arithmetic is in
 * stats/power.c; docs/power.md explains the choices. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/json.h"
#include "power.h"
#include "base/banned.h"

const char cmd_power_usage[] =
	"usage: corrtest power --pb P --pc P [options]\n"
	"       corrtest power --p-control P --p-test P (--concordance K | --phi R) [options]\n"
	"       corrtest power --previous A B C D [--diff D] [options]\n"
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
	"  --json              n_connor, n_miettinen, n_exact, n_midp, power_connor,\n"
	"                      power_miettinen, power_exact, power_midp (at --n, else at\n"
	"                      n_connor), n_per_group, n_per_group_sent, n_total, the\n"
	"                      inputs, detectable_delta (with --n) and notes\n"
	"\n"
	"Every n counts valid (analysed) pairs per test group unless it says 'sent'.\n"
	"The exact power sums over every possible table (no simulation). The exact\n"
	"power is not monotone in n; n_exact is the smallest n from which it stays at\n"
	"or above the target for the next 20 sample sizes.\n";

enum source { SRC_NONE, SRC_CELLS, SRC_RATES, SRC_PREVIOUS };

struct power_opts {
	enum source src;
	double pb, pc;                 /* the design, once resolved */
	double p_control, p_test;      /* given or implied (NAN when unknown) */
	double concordance, phi, diff; /* NAN when not given */
	int have_pb, have_pc, have_pcontrol, have_ptest;
	long prev[4];
	double alpha, power, attrition;
	long n; /* 0 when --n is absent */
	long groups;
	enum power_adjust adjust;
	const char *basis;
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

static int parse_args(struct cmd_ctx *ctx, int argc, char **argv, struct power_opts *o)
{
	enum { O_PB = 256, O_PC, O_PCONTROL, O_PTEST, O_CONC, O_PHI, O_PREV, O_DIFF, O_ALPHA,
	       O_POWER, O_N, O_ATTR, O_GROUPS, O_ADJUST, O_BASIS, O_DETECT };
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
		{ NULL, 0, NULL, 0 }
	};
	int c, rc, have_prev = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case O_PB: rc = parse_prob(ctx, "--pb", optarg, &o->pb); o->have_pb = 1; break;
		case O_PC: rc = parse_prob(ctx, "--pc", optarg, &o->pc); o->have_pc = 1; break;
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
		case O_DIFF:
			if (!parse_double(optarg, &o->diff) || o->diff < -1 || o->diff > 1)
				rc = cmd_usage_error(ctx, "--diff must be in [-1, 1], not '%s'", optarg);
			break;
		case O_ALPHA:
			if (!parse_double(optarg, &o->alpha) || !(o->alpha > 0 && o->alpha < 0.5))
				rc = cmd_usage_error(ctx, "--alpha must be above 0 and below 0.5, not '%s'",
						     optarg);
			break;
		case O_POWER:
			if (!parse_double(optarg, &o->power) || !(o->power > 0 && o->power < 1))
				rc = cmd_usage_error(ctx, "--power must be above 0 and below 1, not '%s'",
						     optarg);
			break;
		case O_N:
			if (!parse_long(optarg, &o->n) || o->n < 1 || o->n > POWER_N_MAX)
				rc = cmd_usage_error(ctx, "--n must be a whole number from 1 to %ld, not '%s'",
						     POWER_N_MAX, optarg);
			break;
		case O_ATTR:
			if (!parse_double(optarg, &o->attrition) ||
			    !(o->attrition >= 0 && o->attrition < 1))
				rc = cmd_usage_error(ctx, "--attrition must be in [0, 1), not '%s'", optarg);
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
			break;
		case O_DETECT: break; /* the detectable difference comes with every --n */
		default: return cmd_usage_error(ctx, "unknown option");
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);

	int cells = o->have_pb || o->have_pc;
	int rates = o->have_pcontrol || o->have_ptest || !isnan(o->concordance) || !isnan(o->phi);
	if (cells + rates + have_prev != 1)
		return cmd_usage_error(ctx, "give the design one way: --pb and --pc, or --p-control, "
					    "--p-test and --concordance (or --phi), or --previous A B C D");
	if (!isnan(o->diff) && !have_prev)
		return cmd_usage_error(ctx, "--diff goes with --previous");
	const char *why = NULL;
	if (cells) {
		if (!o->have_pb || !o->have_pc)
			return cmd_usage_error(ctx, "--pb and --pc go together");
		o->src = SRC_CELLS;
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
		o->src = SRC_RATES;
	} else {
		if (!power_from_previous(o->prev[0], o->prev[1], o->prev[2], o->prev[3], &o->pb,
					 &o->pc, &why))
			return cmd_errorf(ctx, CT_EINPUT, "%s", why);
		if (!isnan(o->diff)) {
			double psi = o->pb + o->pc;
			if (fabs(o->diff) > psi)
				return cmd_errorf(ctx, CT_EINPUT,
						  "--diff %g is larger than last round's share of "
						  "discordant pairs %.4g: no table has both", o->diff, psi);
			o->pb = (psi + o->diff) / 2;
			o->pc = (psi - o->diff) / 2;
		}
		o->src = SRC_PREVIOUS;
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

static void compute(const struct power_opts *o, struct power_result *r)
{
	memset(r, 0, sizeof *r);
	r->alpha_cmp = power_alpha_adjusted(o->alpha, (int)o->groups, o->adjust);
	double a = r->alpha_cmp;
	r->n_connor_raw = power_n_connor(o->pb, o->pc, a, o->power);
	r->n_miettinen_raw = power_n_miettinen(o->pb, o->pc, a, o->power);
	r->n_connor = round_up(r->n_connor_raw);
	r->n_miettinen = round_up(r->n_miettinen_raw);
	r->n_exact = power_n_exact(o->pb, o->pc, a, o->power, POWER_EXACT);
	r->n_midp = power_n_exact(o->pb, o->pc, a, o->power, POWER_MIDP);
	r->n_at = o->n ? o->n : r->n_connor;
	r->pw_connor = power_connor(o->pb, o->pc, a, (double)r->n_at);
	r->pw_miettinen = power_miettinen(o->pb, o->pc, a, (double)r->n_at);
	r->pw_exact = power_exact(o->pb, o->pc, a, r->n_at, POWER_EXACT);
	r->pw_midp = power_exact(o->pb, o->pc, a, r->n_at, POWER_MIDP);
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
}

static void json_long_or_null(struct json *j, const char *key, long v)
{
	json_key(j, key);
	if (v > 0)
		json_int(j, v);
	else
		json_null(j);
}

static void json_num_or_null(struct json *j, const char *key, double v)
{
	json_key(j, key);
	if (isnan(v))
		json_null(j);
	else
		json_num(j, v);
}

static const char *adjust_name(enum power_adjust a)
{
	return a == POWER_ADJUST_BONFERRONI ? "bonferroni" : a == POWER_ADJUST_HOLM ? "holm" : "none";
}

static void print_json(const struct power_opts *o, const struct power_result *r)
{
	struct json j;
	json_init(&j, stdout, 1);
	json_obj_begin(&j);
	json_key(&j, "pb");
	json_num(&j, o->pb);
	json_key(&j, "pc");
	json_num(&j, o->pc);
	json_key(&j, "psi");
	json_num(&j, o->pb + o->pc);
	json_key(&j, "delta");
	json_num(&j, o->pb - o->pc);
	json_num_or_null(&j, "p_control", o->src == SRC_RATES ? o->p_control : NAN);
	json_num_or_null(&j, "p_test", o->src == SRC_RATES ? o->p_test : NAN);
	json_num_or_null(&j, "concordance", o->concordance);
	json_num_or_null(&j, "phi", o->phi);
	json_key(&j, "previous");
	if (o->src == SRC_PREVIOUS) {
		json_arr_begin(&j);
		for (int i = 0; i < 4; i++)
			json_int(&j, o->prev[i]);
		json_arr_end(&j);
	} else {
		json_null(&j);
	}
	json_num_or_null(&j, "diff", o->diff);
	json_key(&j, "alpha");
	json_num(&j, o->alpha);
	json_key(&j, "adjust");
	json_str(&j, adjust_name(o->adjust));
	json_key(&j, "alpha_per_comparison");
	json_num(&j, r->alpha_cmp);
	json_key(&j, "target_power");
	json_num(&j, o->power);
	json_key(&j, "groups");
	json_int(&j, o->groups);
	json_key(&j, "attrition");
	json_num(&j, o->attrition);
	json_key(&j, "basis");
	json_str(&j, o->basis);
	json_long_or_null(&j, "n", o->n);
	json_key(&j, "n_connor");
	json_int(&j, r->n_connor);
	json_key(&j, "n_connor_unrounded");
	json_num(&j, r->n_connor_raw);
	json_key(&j, "n_miettinen");
	json_int(&j, r->n_miettinen);
	json_key(&j, "n_miettinen_unrounded");
	json_num(&j, r->n_miettinen_raw);
	json_long_or_null(&j, "n_exact", r->n_exact);
	json_long_or_null(&j, "n_midp", r->n_midp);
	json_key(&j, "power_at_n");
	json_int(&j, r->n_at);
	json_key(&j, "power_connor");
	json_num(&j, r->pw_connor);
	json_key(&j, "power_miettinen");
	json_num(&j, r->pw_miettinen);
	json_key(&j, "power_exact");
	json_num(&j, r->pw_exact);
	json_key(&j, "power_midp");
	json_num(&j, r->pw_midp);
	json_long_or_null(&j, "n_per_group", r->per_group);
	json_long_or_null(&j, "n_per_group_sent", r->per_group_sent);
	json_long_or_null(&j, "n_total", r->total);
	json_key(&j, "detectable_delta");
	if (o->n && r->detectable > 0)
		json_num(&j, r->detectable);
	else
		json_null(&j);
	json_key(&j, "notes");
	json_arr_begin(&j);
	for (int i = 0; i < r->nnotes; i++)
		json_str(&j, r->notes[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void print_n(const char *label, long n)
{
	if (n > 0)
		printf("  %-26s %ld\n", label, n);
	else
		printf("  %-26s -  (none up to the search limit)\n", label);
}

static void print_text(const struct power_opts *o, const struct power_result *r)
{
	double psi = o->pb + o->pc, delta = o->pb - o->pc;
	printf("Design\n");
	if (o->src == SRC_RATES) {
		printf("  response rates            control %.4g, test %.4g", o->p_control, o->p_test);
		if (!isnan(o->concordance))
			printf(", concordance (a+d)/N %.4g\n", o->concordance);
		else
			printf(", phi %.4g\n", o->phi);
	} else if (o->src == SRC_PREVIOUS) {
		printf("  previous round            a=%ld b=%ld c=%ld d=%ld", o->prev[0], o->prev[1],
		       o->prev[2], o->prev[3]);
		if (!isnan(o->diff))
			printf(" (its discordant share, difference %.4g)\n", o->diff);
		else
			printf("\n");
	}
	printf("  p_b (only control +)      %.4g\n", o->pb);
	printf("  p_c (only test +)         %.4g\n", o->pc);
	printf("  discordant share psi      %.4g\n", psi);
	printf("  difference p_C - p_T      %.4g (%.1f percentage points)\n", delta, 100 * delta);
	printf("  test                      McNemar, two-sided, alpha %.4g", o->alpha);
	if (r->alpha_cmp != o->alpha)
		printf(" (%.4g per comparison, %s over %ld groups)", r->alpha_cmp,
		       adjust_name(o->adjust), o->groups);
	printf("; target power %.4g\n\n", o->power);

	printf("Valid pairs needed per test group\n");
	print_n("Connor (1987)", r->n_connor);
	print_n("Miettinen (1968)", r->n_miettinen);
	print_n("exact McNemar test", r->n_exact);
	print_n("mid-p McNemar test", r->n_midp);
	printf("\nPower at %ld valid pairs%s\n", r->n_at, o->n ? "" : " (Connor's n)");
	printf("  Connor %.4f   Miettinen %.4f   exact test %.4f   mid-p test %.4f\n",
	       r->pw_connor, r->pw_miettinen, r->pw_exact, r->pw_midp);
	if (o->n) {
		if (r->detectable > 0)
			printf("  smallest difference %ld pairs detect with power %.4g at psi %.4g:\n"
			       "  %.4g (%.1f percentage points; Connor)\n",
			       o->n, o->power, psi, r->detectable, 100 * r->detectable);
		else
			printf("  no difference reaches power %.4g with %ld pairs at psi %.4g\n",
			       o->power, o->n, psi);
	}

	printf("\nDesign%s\n", o->n ? " (at --n)" : "");
	if (r->per_group < 0) {
		printf("  no sample size on the basis '%s'\n", o->basis);
		return;
	}
	printf("  valid pairs per group     %ld%s\n", r->per_group,
	       o->n ? "" : (!strcmp(o->basis, "connor") ? " (Connor)" : ""));
	if (o->attrition > 0)
		printf("  pairs to send per group   %ld (%.4g%% expected lost)\n", r->per_group_sent,
		       100 * o->attrition);
	if (r->total > 0 && o->groups > 1)
		printf("  listings in total         %ld (%ld test groups, each with its own pairs)\n",
		       r->total, o->groups);
	else if (r->total > 0)
		printf("  listings in total         %ld\n", r->total);
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
	if (!rc) {
		struct power_result r;
		compute(&o, &r);
		if (ctx->json)
			print_json(&o, &r);
		else
			print_text(&o, &r);
	}
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(av);
	return rc;
}
