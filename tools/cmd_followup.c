/* cmd_followup.c: corrtest followup: plans the "is it still available?"
 * follow-ups after differing replies (evidence/followup.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/followup.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_followup_usage[] =
	"usage: corrtest followup [--dry-run]\n"
	"\n"
	"Plans a follow-up for every pair answered differently (one application\n"
	"positive under study.ini [design] outcome, the other coded not positive, or\n"
	"not answered by the time the follow-up is due): a short \"is it still\n"
	"available?\" message (templates/followup.txt of the study, else the\n"
	"built-in text of its language) from the refused candidate, in the thread\n"
	"of that candidate's first message, or from a third\n"
	"control persona who has not written to the listing (study.ini [followup]\n"
	"from = refused | third), due delay_hours after the positive reply (study.ini\n"
	"[followup] delay_hours, 48), at the next opening of the sending window.\n"
	"It goes out like any application: corrtest compose and send, or the field\n"
	"worklist for a listing fielded by hand; fetch links its reply by\n"
	"In-Reply-To and code codes it. Follow-ups are kept apart from the analysis:\n"
	"stats, report and the export's main files never count them. A pair is\n"
	"followed up once; running followup again plans only new ones, and cancels\n"
	"a planned follow-up whose pair no longer differs (as compose, send and\n"
	"field list do before they pick what is due).\n"
	"\n"
	"  --dry-run   show what would be planned; change nothing\n";

int cmd_followup(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	int dry = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	struct followup_plan p;
	struct ct_err err = { 0 };
	if (followup_plan(ctx->study, dry, &p, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "dry_run", NULL, OUT_BOOL, 0 }, dry);
	out_str(o, &(struct out_field){ "from", "from", OUT_TEXT, 0 },
		p.cfg.from == FOLLOWUP_THIRD ? "third" : "refused");
	out_num(o, &(struct out_field){ "delay_hours", "delay (hours)", OUT_REAL, 0 },
		  p.cfg.delay_hours);
	out_int(o, &(struct out_field){ "differing", "pairs answered differently", OUT_COUNT, 0 },
		p.differing);
	out_int(o, &(struct out_field){ "already", "of which followed up before", OUT_COUNT, 0 },
		p.already);
	out_int(o, &(struct out_field){ "waiting", "positive, other side not answered yet",
					OUT_COUNT, 0 },
		p.waiting);
	out_int(o, &(struct out_field){ "cancelled", dry ? "follow-ups that would be cancelled"
							 : "follow-ups cancelled (pair no longer differs)",
					OUT_COUNT, 0 },
		p.cancelled);
	out_int(o, &(struct out_field){ "planned", dry ? "follow-ups that would be planned"
						       : "follow-ups planned",
					OUT_COUNT, 0 },
		p.n);
	out_table_begin(o, &(struct out_field){ "followups", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < p.n; i++) {
		const struct followup_item *it = &p.items[i];
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "application", "application", OUT_COUNT, OUT_ID }, it->id);
		out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, 0 }, it->ref);
		out_int(o, &(struct out_field){ "follows", "follows", OUT_COUNT, 0 }, it->follows);
		out_str(o, &(struct out_field){ "follows_outcome", "its outcome", OUT_TEXT, 0 },
			it->outcome);
		out_int(o, &(struct out_field){ "positive", "positive", OUT_COUNT, 0 }, it->positive);
		out_str(o, &(struct out_field){ "persona", "from", OUT_TEXT, 0 }, it->who);
		out_str(o, &(struct out_field){ "channel", "channel", OUT_TEXT, 0 }, it->channel);
		out_str(o, &(struct out_field){ "scheduled_at", "due (UTC)", OUT_TEXT, 0 }, it->due);
		out_row_end(o);
	}
	out_table_end(o);
	followup_plan_free(&p);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
