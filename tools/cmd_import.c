/* cmd_import.c: corrtest import: a response log kept elsewhere (a
 * spreadsheet of who got which reply), read into the study by the
 * response-log import engine (responses/response_import.h): every error with
 * its line and column, all or nothing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "analysis/simulate.h"
#include "io/csv.h"
#include "io/out.h"
#include "responses/response_import.h"
#include "base/banned.h"

const char cmd_import_usage[] =
	"usage: corrtest import FILE.csv [--delimiter ,|;|tab]\n"
	"\n"
	"Reads a response log kept outside corrtest: one row per application with the\n"
	"columns listing (the listing's ref), group, gender and outcome, and optionally\n"
	"channel (default email), at (when the reply came), note, and, for listings the\n"
	"study does not have yet, agent_type (required then), round and area; variant\n"
	"and position if they were recorded (see docs/csv-formats.md).\n"
	"\n"
	"Listings and applications missing from the study are created (the applications\n"
	"as sent); the personas must exist ('corrtest personas'). Each listing must stay\n"
	"one pair: the control and one test group, of one gender. Every error is\n"
	"reported with its line and column, and nothing is imported unless the whole\n"
	"file is valid. A row for an application that already has an outcome replaces\n"
	"it (the earlier one stays in the study).\n"
	"\n"
	"The file of 'corrtest export responses' reads back: listing_ref and replied_at\n"
	"are other names of listing and at; status (with sent_at and sent_via) gives a\n"
	"planned application of the study that status, and a row without an outcome\n"
	"records the status alone; listing_status withdrawn withdraws the listing.\n"
	"application_id, agent_key, planned_channel, scheduled_at, response_hours and\n"
	"coder are the study's own and are not taken (the import codes what it records).\n"
	"\n"
	"The delimiter (comma, semicolon or tab) is guessed from the header and shown;\n"
	"--delimiter names it.\n";

/* At most this many errors are printed: enough to fix a file in one pass,
 * few enough to read. */
#define MAX_ERRORS 50

/* What the import did, in counts and in one sentence (and a note on the
 * listings it left without a pair). */
static void describe(struct out *o, const char *path, const struct responses_import_summary *sum)
{
	out_str(o, &(struct out_field){ "file", NULL, OUT_TEXT, 0 }, path);
	out_int(o, &(struct out_field){ "imported", NULL, OUT_COUNT, 0 }, sum->rows);
	out_int(o, &(struct out_field){ "listings_created", NULL, OUT_COUNT, 0 },
		sum->listings_created);
	out_int(o, &(struct out_field){ "applications_created", NULL, OUT_COUNT, 0 },
		sum->applications_created);
	out_int(o, &(struct out_field){ "replaced", NULL, OUT_COUNT, 0 }, sum->replaced);
	out_int(o, &(struct out_field){ "single", NULL, OUT_COUNT, 0 }, sum->single);
	out_int(o, &(struct out_field){ "statuses_set", NULL, OUT_COUNT, 0 }, sum->statuses_set);
	out_int(o, &(struct out_field){ "withdrawn", NULL, OUT_COUNT, 0 }, sum->withdrawn);
	cmd_show_dialect(o, path, sum->delim, sum->delim_guessed, sum->dialect);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "Imported %ld response%s from %s: %ld listing%s created, %ld application%s "
		     "created",
		sum->rows, sum->rows == 1 ? "" : "s", path, sum->listings_created,
		sum->listings_created == 1 ? "" : "s", sum->applications_created,
		sum->applications_created == 1 ? "" : "s");
	if (sum->replaced)
		sb_addf(&sb, ", %ld earlier outcome%s replaced", sum->replaced,
			sum->replaced == 1 ? "" : "s");
	if (sum->statuses_set)
		sb_addf(&sb, ", %ld planned application%s given the file's status",
			sum->statuses_set, sum->statuses_set == 1 ? "" : "s");
	if (sum->withdrawn)
		sb_addf(&sb, ", %ld listing%s withdrawn", sum->withdrawn,
			sum->withdrawn == 1 ? "" : "s");
	out_text(o, "%s.", sb_str(&sb));
	sb_free(&sb);
	if (sum->single)
		out_text(o, "Note: %ld listing%s only one application (no pair yet); stats leaves %s "
			    "out.", sum->single, sum->single == 1 ? " has" : "s have",
			 sum->single == 1 ? "it" : "them");
}

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "delimiter", required_argument, NULL, 'd' },
					      { NULL, 0, NULL, 0 } };
	char delim = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return cmd_usage_error(ctx, "unknown option");
		if (cmd_delimiter(ctx, optarg, &delim))
			return CT_EINPUT;
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one CSV file");
	const char *path = argv[optind];
	struct ct_err err = { 0 };
	struct csv_errs errs;
	struct responses_import_summary sum;
	/* Real outcomes must not mix with made-up ones. */
	if (simulate_guard(ctx->study, "import", &err))
		return cmd_error(ctx, &err);
	csv_errs_init(&errs, MAX_ERRORS);
	int rc = responses_import_file(ctx->study, path, delim, &sum, &errs, &err);
	if (errs.n)
		cmd_error_lines(ctx, csv_errs_text(&errs));
	csv_errs_free(&errs);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe(o, path, &sum);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
