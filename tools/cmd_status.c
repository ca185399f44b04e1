/* cmd_status.c: corrtest status: one screen on where the study stands
 * (fielding/status.h), as a table for people or one JSON object. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "fielding/status.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_status_usage[] =
	"usage: corrtest status [--json]\n"
	"\n"
	"Where the study stands, read-only (works on a read-only copy):\n"
	"  listings        active and withdrawn\n"
	"  applications    by status (planned, sending, sent, bounced, failed,\n"
	"                  cancelled) and by channel (the application's, else its\n"
	"                  listing's, else study.ini [fielding] channel)\n"
	"  due today       planned, scheduled from now to the end of today in the\n"
	"                  study's time zone\n"
	"  overdue         planned and scheduled before now\n"
	"  replies to code incoming replies linked to an application that has no\n"
	"                  coded or logged response yet\n"
	"  unlinked        incoming messages not linked to an application ('link')\n"
	"  bounces         bounce messages received\n"
	"  sent per day    applications sent on each of the last 14 days\n"
	"  warnings        the warnings of the pre-flight check, and how many errors\n"
	"                  it finds ('corrtest check' lists them)\n"
	"Overdue and due today count only applications of active listings.\n"
	"$CORRTEST_NOW (YYYY-MM-DDTHH:MM:SSZ) sets the time taken as now.\n"
	"A study holding rows made up by 'corrtest simulate' says so (a banner;\n"
	"\"simulated\": true in JSON).\n"
	"\n"
	"  --json   one object: today, timezone, simulated, listings {active, withdrawn},\n"
	"           by_channel [{channel, total, planned, ...}], by_status {total,\n"
	"           planned, ...}, due_today, overdue, replies_to_code,\n"
	"           unlinked, bounces, sent_per_day [{date, sent}], preflight_errors,\n"
	"           warnings, warning_list [{severity, code, subject, message}]\n";

int cmd_status(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cmd_usage_error(ctx, "unknown option");
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	struct status_report r = { 0 };
	struct ct_err err = { 0 };
	if (status_run(ctx->study, &r, &err)) {
		status_report_free(&r);
		return cmd_error(ctx, &err);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(o, &(struct out_field){ "today", "today", OUT_TEXT, 0 }, r.today);
	out_str(o, &(struct out_field){ "timezone", "time zone", OUT_TEXT, 0 }, r.timezone);
	/* Sends made up by 'corrtest simulate' count as sent below: say so, as
	 * stats and export do, so that they are not taken for real ones. */
	int sim = r.simulated_sends || r.simulated_responses;
	out_bool(o, &(struct out_field){ "simulated", NULL, OUT_BOOL, 0 }, sim);
	if (sim)
		out_text(o, "*** SIMULATED: %ld send%s and %ld response%s of this study were made up by "
			    "'corrtest simulate'\n*** ('corrtest simulate --undo' removes them). ***",
			 r.simulated_sends, r.simulated_sends == 1 ? "" : "s", r.simulated_responses,
			 r.simulated_responses == 1 ? "" : "s");

	out_map_begin(o, &(struct out_field){ "listings", "Listings", OUT_TEXT, 0 });
	out_int(o, &(struct out_field){ "active", "active", OUT_COUNT, 0 }, r.listings_active);
	out_int(o, &(struct out_field){ "withdrawn", "withdrawn", OUT_COUNT, 0 },
		r.listings_withdrawn);
	out_map_end(o);

	out_text(o, "Applications by channel and status:");
	out_table_begin(o, &(struct out_field){ "by_channel", NULL, OUT_TEXT, 0 });
	for (int ch = 0; ch < FIELDING_NCHANNELS; ch++) {
		long total = 0;
		for (int k = 0; k < STATUS_NSTATES; k++)
			total += r.by_channel[ch][k];
		if (!total)
			continue;
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "channel", "channel", OUT_TEXT, OUT_ID },
			fielding_channels[ch]);
		out_int(o, &(struct out_field){ "total", "total", OUT_COUNT, 0 }, total);
		for (int k = 0; k < STATUS_NSTATES; k++)
			out_int(o, &(struct out_field){ status_states[k], status_states[k], OUT_COUNT, 0 },
				r.by_channel[ch][k]);
		out_row_end(o);
	}
	out_table_end(o);
	/* The totals by status: in JSON applications.by_status, for people the
	 * channel table's last row. */
	out_row_begin(o, &(struct out_field){ "by_status", NULL, OUT_TEXT, 0 });
	out_str(o, &(struct out_field){ "channel", "channel", OUT_TEXT, OUT_ID | OUT_TABLE_ONLY },
		"all");
	out_int(o, &(struct out_field){ "total", "total", OUT_COUNT, 0 }, r.applications);
	for (int k = 0; k < STATUS_NSTATES; k++)
		out_int(o, &(struct out_field){ status_states[k], status_states[k], OUT_COUNT, 0 },
			r.by_status[k]);
	out_row_end(o);

	/* Follow-ups and re-tests on their own lines (only when there are
	 * any), as the analysis keeps them apart from the pairs. */
	for (int kind = 0; kind < 2; kind++) {
		const long *v = kind ? r.retests : r.followups;
		long total = 0;
		for (int k = 0; k < STATUS_NSTATES; k++)
			total += v[k];
		if (!total)
			continue;
		out_row_begin(o, &(struct out_field){ kind ? "retests" : "followups", NULL, OUT_TEXT, 0 });
		out_str(o, &(struct out_field){ "channel", "channel", OUT_TEXT, OUT_ID | OUT_TABLE_ONLY },
			kind ? "re-tests" : "follow-ups");
		out_int(o, &(struct out_field){ "total", "total", OUT_COUNT, 0 }, total);
		for (int k = 0; k < STATUS_NSTATES; k++)
			out_int(o, &(struct out_field){ status_states[k], status_states[k], OUT_COUNT, 0 },
				v[k]);
		out_row_end(o);
	}

	out_map_begin(o, &(struct out_field){ "work", "To do", OUT_TEXT, OUT_NO_JSON });
	out_map_end(o);
	out_int(o, &(struct out_field){ "due_today", "due today", OUT_COUNT, 0 }, r.due_today);
	out_int(o, &(struct out_field){ "overdue", "overdue", OUT_COUNT, 0 }, r.overdue);
	out_int(o, &(struct out_field){ "replies_to_code", "replies to code", OUT_COUNT, 0 },
		r.replies_to_code);
	out_int(o, &(struct out_field){ "unlinked", "unlinked messages", OUT_COUNT, 0 }, r.unlinked);
	out_int(o, &(struct out_field){ "bounces", "bounces", OUT_COUNT, 0 }, r.bounces);

	out_text(o, "Sent per day (last %d days):", STATUS_DAYS);
	out_table_begin(o, &(struct out_field){ "sent_per_day", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < STATUS_DAYS; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "date", "date", OUT_TEXT, OUT_ID }, r.per_day[i].date);
		out_int(o, &(struct out_field){ "sent", "sent", OUT_COUNT, 0 }, r.per_day[i].sent);
		out_row_end(o);
	}
	out_table_end(o);

	out_int(o, &(struct out_field){ "preflight_errors", "pre-flight errors", OUT_COUNT, 0 },
		r.preflight.nerrors);
	if (r.preflight.nerrors)
		out_text(o, "The pre-flight check finds %d error%s: see 'corrtest check'.",
			 r.preflight.nerrors, r.preflight.nerrors == 1 ? "" : "s");
	preflight_describe(o, &r.preflight, 1);
	status_report_free(&r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
