/* cmd_stats.c: corrtest stats: parses the options, has the analysis engine
 * (tools/lib/analysis/result.h) compute every measure of the study, or
 * stats/ those of a table given on the command line (--table, --unpaired),
 * and renders the result through the output layer as a table, JSON or CSV
 * (tools/lib/analysis/describe.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/describe.h"
#include "analysis/result.h"
#include "cmd.h"
#include "io/out.h"
#include "paired.h"
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

static int run_table(struct cmd_ctx *ctx, const long v[4], double alpha, struct out *o)
{
	struct paired_counts t = { v[0], v[1], v[2], v[3] };
	if (!paired_counts_valid(&t))
		return cmd_usage_error(ctx, "--table: the counts add up to more than a 64-bit "
					    "number holds");
	struct paired_analysis r;
	paired_analyse(&t, alpha, &r);
	analysis_describe_paired(o, &r);
	return CT_OK;
}

static int run_unpaired(struct cmd_ctx *ctx, const long v[4], double alpha, struct out *o)
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
	analysis_describe_unpaired(o, &s);
	return CT_OK;
}

/* A study: the engine computes, the description renders. */
static int run_study(struct cmd_ctx *ctx, struct analysis_options *ao, const char *outcome,
		     const char *model, struct out *o)
{
	int rc = ctx->study ? CT_OK : cmd_open_study(ctx, STUDY_RO);
	if (rc)
		return rc;
	struct ct_err err = { 0 };
	if (analysis_outcome_set(ao, outcome, ctx->study->design->outcome, &err))
		return outcome ? cmd_usage_error(ctx, "%s", err.msg) : cmd_error(ctx, &err);
	if (model && !strcmp(model, "lpm"))
		ao->parts |= ANALYSIS_MODEL_LPM;
	else if (model && !strcmp(model, "clogit"))
		ao->parts |= ANALYSIS_MODEL_CLOGIT;
	else if (model)
		return cmd_usage_error(ctx, "--model must be lpm or clogit, not '%s'", model);
	struct analysis_result *r;
	if ((rc = analysis_run(ctx->study, ao, &r, &err)))
		return cmd_error(ctx, &err);
	if (ao->parts & ANALYSIS_AGENTS)
		analysis_describe_agents(o, r);
	else if (model)
		analysis_describe_model(o, r, r->lpm ? r->lpm : r->clogit);
	else
		analysis_describe(o, r);
	analysis_free(r);
	/* Discrimination found is a result, not a problem: exit 0. */
	return CT_OK;
}

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
	struct analysis_options ao = { 0 };
	struct ct_err perr = { 0 };
	if (analysis_options_parse(alpha_s, by, &ao, &perr))
		return cmd_usage_error(ctx, "%s", perr.msg);
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
	if (unpaired && csv)
		return cmd_usage_error(ctx, "--csv is for paired tables");
	if (agents)
		ao.parts |= ANALYSIS_AGENTS;
	long v[4];
	if (table && !parse_counts(ctx, "--table", tv, v))
		return CT_EINPUT;
	if (unpaired && !parse_counts(ctx, "--unpaired", uv, v))
		return CT_EINPUT;

	/* Nothing is written until the printer is freed, so that an error
	 * found on the way leaves stdout empty. */
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : csv ? OUT_CSV : OUT_TABLE);
	int rc = table ? run_table(ctx, v, ao.alpha, o)
		 : unpaired ? run_unpaired(ctx, v, ao.alpha, o)
			    : run_study(ctx, &ao, outcome, model, o);
	if (rc) {
		out_discard(o);
		return rc;
	}
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
