/* cmd_verify.c: corrtest verify and corrtest seal: is the record what it
 * was (evidence/verify.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/verify.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_verify_usage[] =
	"usage: corrtest verify [--checkpoint FILE] [--report FILE [--previous DIR]...]\n"
	"\n"
	"Checks that the study's record was not changed: the hash-chained event log\n"
	"(an event edited, inserted, reordered or deleted is named), every stored raw\n"
	"message against its SHA-256, and with --checkpoint a checkpoint written by\n"
	"corrtest seal and kept outside the study (events cut from the end of the\n"
	"log, or a log rewritten since the seal). With --report, a report written\n"
	"by corrtest report is made again from the study as it stands, with the\n"
	"language, options and time its data block records, and every figure of\n"
	"the data block and every line of its text must be the same; --previous\n"
	"gives the earlier studies the report was made with.\n"
	"\n"
	"Exit status 0 when everything holds, 1 when something differs (each\n"
	"difference is listed), 2 for a file that is not a checkpoint or a report.\n";

const char cmd_seal_usage[] =
	"usage: corrtest seal [--out FILE]\n"
	"\n"
	"Records a seal in the event log and writes a checkpoint: the number of\n"
	"events and the hash of the last one, with the time. Keep it outside the\n"
	"study (print it, mail it to a partner, file it): corrtest verify\n"
	"--checkpoint FILE then also finds events cut from the end of the log,\n"
	"which the hash chain alone cannot show. Without --out the checkpoint is\n"
	"printed.\n";

int cmd_verify(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "checkpoint", required_argument, NULL, 'c' },
					      { "report", required_argument, NULL, 'r' },
					      { "previous", required_argument, NULL, 'p' },
					      { NULL, 0, NULL, 0 } };
	struct verify_options vo = { 0 };
	const char **previous = xcalloc((size_t)argc + 1, sizeof(char *));
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': vo.checkpoint = optarg; break;
		case 'r': vo.report = optarg; break;
		case 'p': previous[vo.nprevious++] = optarg; break;
		default: free(previous); return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc) {
		free(previous);
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	}
	if (vo.nprevious && !vo.report) {
		free(previous);
		return cmd_usage_error(ctx, "--previous goes with --report");
	}
	vo.previous = previous;
	struct verify_result *r;
	struct ct_err err = { 0 };
	int rc = verify_run(ctx->study, &vo, &r, &err);
	free(previous);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "ok", NULL, OUT_BOOL, 0 }, r->nfindings == 0);
	out_int(o, &(struct out_field){ "events", "events in the log", OUT_COUNT, 0 }, r->events);
	out_str(o, &(struct out_field){ "head", "hash of the last event", OUT_TEXT, 0 },
		r->head[0] ? r->head : NULL);
	out_int(o, &(struct out_field){ "messages", "raw messages", OUT_COUNT, 0 }, r->messages);
	out_int(o, &(struct out_field){ "messages_purged", "of which purged (hash kept)", OUT_COUNT,
					0 },
		r->messages_purged);
	struct out_field cp = { "checkpoint_events", "events at the checkpoint", OUT_COUNT, 0 };
	if (r->checkpoint_checked)
		out_int(o, &cp, r->checkpoint_events);
	else
		out_missing(o, &(struct out_field){ "checkpoint_events", NULL, OUT_COUNT, 0 }, NULL);
	struct out_field fig = { "report_figures", "report: data-block lines compared", OUT_COUNT, 0 };
	struct out_field txt = { "report_lines", "report: text lines compared", OUT_COUNT, 0 };
	struct out_field rev = { "report_events", "report: events when it was made", OUT_COUNT, 0 };
	if (r->report_checked) {
		out_int(o, &fig, r->figures);
		out_int(o, &txt, r->text_lines);
		out_value(o, &rev, r->report_events >= 0, (double)r->report_events);
	} else {
		out_missing(o, &(struct out_field){ "report_figures", NULL, OUT_COUNT, 0 }, NULL);
		out_missing(o, &(struct out_field){ "report_lines", NULL, OUT_COUNT, 0 }, NULL);
		out_missing(o, &(struct out_field){ "report_events", NULL, OUT_COUNT, 0 }, NULL);
	}
	out_table_begin(o, &(struct out_field){ "findings", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < r->nfindings; i++) {
		const struct verify_finding *f = &r->findings[i];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "kind", NULL, OUT_TEXT, 0 }, verify_kind_key(f->kind));
		out_str(o, &(struct out_field){ "subject", NULL, OUT_TEXT, 0 }, f->subject);
		out_str(o, &(struct out_field){ "what", NULL, OUT_TEXT, 0 }, f->what);
		out_text(o, "%s: %s: %s", verify_kind_key(f->kind), f->subject, f->what);
		out_row_end(o);
	}
	out_table_end(o);
	if (r->report_checked && r->report_events >= 0 && r->report_events != r->events)
		out_text(o, "\nThe report was made when the event log held %ld events; it holds %ld "
			    "now: figures may differ because of what was recorded since (make the "
			    "report again, or verify a copy of the study as it was).",
			 r->report_events, r->events);
	if (r->nfindings)
		out_text(o, "\nThe record does NOT hold: %d difference%s above.", r->nfindings,
			 r->nfindings == 1 ? "" : "s");
	else
		out_text(o, "\nEverything holds.");
	int findings = r->nfindings;
	verify_result_free(r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	rc = cmd_flush(ctx);
	return rc ? rc : findings ? CT_PROBLEM : CT_OK;
}

int cmd_seal(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	const char *path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	char *text, head[65];
	long events = 0;
	struct ct_err err = { 0 };
	int rc = verify_seal(ctx->study, path, &text, &events, head, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "events", "events", OUT_COUNT, 0 }, events);
	out_str(o, &(struct out_field){ "head", "head", OUT_TEXT, 0 }, head);
	out_str(o, &(struct out_field){ "checkpoint", path ? "checkpoint written to" : NULL, OUT_TEXT,
					0 },
		path);
	if (!path)
		out_text(o, "\n%s", text);
	free(text);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
