/* cmd_export.c: corrtest export KIND: the study's records as CSV for R,
 * Stata and Python (tools/lib/analysis/export.h), or the analysis result
 * that `stats` shows, as CSV or JSON (result.h, describe.h). Pseudonymous:
 * no landlord or agent contact data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/describe.h"
#include "analysis/export.h"
#include "analysis/result.h"
#include "cmd.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_export_usage[] =
	"usage: corrtest export assignments [--csv] [-o FILE]\n"
	"       corrtest export responses [--csv] [-o FILE]\n"
	"       corrtest export followups [--csv] [-o FILE]\n"
	"       corrtest export codebook [--csv] [-o FILE]\n"
	"       corrtest export cv [--csv] [-o FILE]\n"
	"       corrtest export stats [--csv | --json] [--outcome D] [--by DIMS] [--alpha A]\n"
	"                             [-o FILE]\n"
	"\n"
	"Writes CSV (RFC 4180 quoting, UTF-8, a header row, LF line ends) to stdout\n"
	"or FILE. Rows are ordered by listing, then by who writes first. Landlords'\n"
	"and agents' contact data are never exported; agents appear as agent_key.\n"
	"\n"
	"  assignments  one row per application: listing_ref, group, gender, persona\n"
	"               (the candidate's e-mail address), variant, position (1 writes\n"
	"               first), scheduled_at (local time of study.ini's zone, with offset),\n"
	"               application_id, agent_key, planned_channel (the application's or\n"
	"               its listing's; empty: study.ini [fielding] channel), status,\n"
	"               simulated (1: marked sent by 'corrtest simulate')\n"
	"  responses    one row per application: listing_ref, agent_type, agent_key,\n"
	"               round, area, group, gender, variant, position, status, outcome\n"
	"               (the latest coded response, empty if none), channel (the\n"
	"               reply's), application_id, listing_status, planned_channel,\n"
	"               sent_via, scheduled_at, sent_at, replied_at, response_hours,\n"
	"               coder, simulated (1: the send or the response was made up by\n"
	"               'corrtest simulate'); 'corrtest import' reads it back\n"
	"  (assignments and responses hold the study's pairs only, which stats counts)\n"
	"  followups    one row per follow-up and re-test (corrtest followup, retest),\n"
	"               kept apart from the pairs: listing_ref, agent_key, kind\n"
	"               (followup or retest), application_id, follows (the application\n"
	"               it follows up or repeats), group, gender, variant, position,\n"
	"               status, outcome, channel, planned_channel, sent_via,\n"
	"               scheduled_at, sent_at, replied_at, response_hours, coder,\n"
	"               simulated\n"
	"  (a job study's assignments and responses end with isco and occupation:\n"
	"               the vacancy's ISCO-08 code and occupation)\n"
	"  codebook     what every column of these exports means: one row per\n"
	"               column (file, variable, type, values, meaning), with the\n"
	"               study's own groups, genders and variants, and one row per\n"
	"               outcome value with the coding codebook's definition and the\n"
	"               sub-codes of the study's market (a job study: interview,\n"
	"               call to fix one, call back, documents, position filled, ...);\n"
	"               a job study also describes the cv export's columns\n"
	"  cv           one row per application with a CV (a job study, corrtest cv):\n"
	"               listing_ref, application_id, group, gender, position, layout,\n"
	"               phrasing, family (the template's occupation family), isco and\n"
	"               level (the vacancy's), kind (main, or retest: apart from the\n"
	"               analysis), then one column per drawn attribute in the template's\n"
	"               order (cv.birth_date, education.degree, ...)\n"
	"  stats        the analysis result of 'corrtest stats', the same numbers: CSV\n"
	"               one row per group (and stratum) with every measure as columns,\n"
	"               or with --json the whole result as one object; --outcome, --by\n"
	"               and --alpha as for 'corrtest stats'; a study holding simulated\n"
	"               rows says so (a simulated column in CSV, \"simulated\" in JSON)\n"
	"\n"
	"  --csv        CSV (the default)\n"
	"  --json       JSON (stats only)\n"
	"  -o FILE      write FILE (atomically) instead of stdout\n";

/* The analysis result, described as `stats` describes it. */
static int export_stats(struct cmd_ctx *ctx, const char *outcome, const char *by,
			const char *alpha_s, FILE *f)
{
	struct analysis_options ao = { 0 };
	struct ct_err err = { 0 };
	if (analysis_options_parse(alpha_s, by, &ao, &err))
		return cmd_usage_error(ctx, "%s", err.msg);
	if (analysis_outcome_set(&ao, outcome, ctx->study->design->outcome, &err))
		return outcome ? cmd_usage_error(ctx, "%s", err.msg) : cmd_error(ctx, &err);
	struct analysis_result *r;
	if (analysis_run(ctx->study, &ao, &r, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(f, ctx->json ? OUT_JSON : OUT_CSV);
	analysis_describe(o, r);
	analysis_free(r);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the export") : CT_OK;
}

int cmd_export(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "csv", no_argument, NULL, 'c' },
					      { "output", required_argument, NULL, 'o' },
					      { "outcome", required_argument, NULL, 'u' },
					      { "by", required_argument, NULL, 'b' },
					      { "alpha", required_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	const char *outpath = NULL, *outcome = NULL, *by = NULL, *alpha_s = NULL;
	int csv = 0, c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': csv = 1; break;
		case 'o': outpath = optarg; break;
		case 'u': outcome = optarg; break;
		case 'b': by = optarg; break;
		case 'a': alpha_s = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one kind to export: assignments or responses (or "
					    "stats)");
	const char *kind = argv[optind];
	int stats = !strcmp(kind, "stats"), codebook = !strcmp(kind, "codebook");
	if (!stats && !codebook && !export_kind_known(kind))
		return cmd_usage_error(ctx, "unknown kind '%s'; kinds: %s, codebook, stats", kind,
				       export_kinds);
	if (csv && ctx->json)
		return cmd_usage_error(ctx, "--csv and --json exclude each other");
	if (!stats && (ctx->json || outcome || by || alpha_s))
		return cmd_usage_error(ctx, "--json, --outcome, --by and --alpha are for 'export "
					    "stats'");

	/* To a file: the whole export in memory first, then written atomically,
	 * so that a failure leaves no half file. To stdout: streamed. */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = outpath ? open_memstream(&buf, &len) : stdout;
	if (!f)
		return cmd_errorf(ctx, CT_EENV, "out of memory");
	struct ct_err err = { 0 };
	int rc;
	if (stats) {
		rc = export_stats(ctx, outcome, by, alpha_s, f);
	} else if (codebook) {
		rc = export_codebook(ctx->study, f, &err);
		if (rc)
			rc = cmd_error(ctx, &err);
	} else {
		rc = export_csv(ctx->study, kind, f, &err);
		if (rc)
			rc = cmd_error(ctx, &err);
	}
	if (outpath) {
		if (fclose(f) != 0 && !rc)
			rc = cmd_errorf(ctx, CT_EENV, "out of memory");
		if (!rc && (rc = file_write_atomic(outpath, buf ? buf : "", len, 0644, &err)))
			rc = cmd_error(ctx, &err);
		free(buf);
		return rc;
	}
	return rc ? rc : cmd_flush(ctx);
}
