/* cmd_retest.c: corrtest retest AGENT: plans a new paired test of one agent
 * on another of its listings (evidence/retest.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/retest.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_retest_usage[] =
	"usage: corrtest retest [--group GROUP] [--dry-run] AGENT\n"
	"\n"
	"Plans a re-test of one agent: a new pair of applications (kind retest) on\n"
	"another of its listings, one that is active and has not been tested (add\n"
	"one with corrtest listings add or import first). AGENT is the agent's name\n"
	"as listings.csv's agent_name gives it (matched through the agent's keyed\n"
	"pseudonym, so spelling in case or spaces does not matter) or its key\n"
	"(ag-...). The pair repeats the agent's latest test answered differently\n"
	"(else its latest test that went out): the same control persona and test\n"
	"persona (--group: the test persona of another test group), in the opposite\n"
	"order and each with the other's message variant; each application follows\n"
	"the same side's earlier one. The messages are scheduled as assign\n"
	"schedules: in the sending window, within the daily quota, agent_gap_days\n"
	"after each persona's earlier messages to the agent. They go out with\n"
	"compose and send (or the field worklist); stats, report and the export's\n"
	"main files never count them.\n"
	"\n"
	"  --group GROUP  the test group of the new pair (default: the earlier one's)\n"
	"  --dry-run      show the plan; change nothing\n"
	"\n"
	"Exit status 2 for an unknown agent, an agent with no test to repeat or no\n"
	"listing left to test on; the study is then unchanged.\n";

int cmd_retest(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "group", required_argument, NULL, 'g' },
					      { NULL, 0, NULL, 0 } };
	int dry = 0, c;
	const char *group = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'g': group = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error(ctx, optind == argc ? "which agent? (its name or key)"
							   : "one agent at a time");
	struct retest_plan p;
	struct ct_err err = { 0 };
	if (retest_plan(ctx->study, argv[optind], group, dry, &p, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "dry_run", NULL, OUT_BOOL, 0 }, dry);
	out_str(o, &(struct out_field){ "agent_key", "agent", OUT_TEXT, 0 }, p.agent_key);
	out_str(o, &(struct out_field){ "listing", "listing re-tested on", OUT_TEXT, 0 }, p.ref);
	out_str(o, &(struct out_field){ "repeats", "repeats the test on listing", OUT_TEXT, 0 },
		p.repeats);
	out_bool(o, &(struct out_field){ "repeats_differing", "which was answered differently",
					 OUT_BOOL, 0 },
		 p.differing);
	out_table_begin(o, &(struct out_field){ "applications", NULL, OUT_TEXT, 0 });
	for (int k = 0; k < 2; k++) {
		const struct retest_app *a = &p.app[k];
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "application", "application", OUT_COUNT, OUT_ID }, a->id);
		out_int(o, &(struct out_field){ "position", "position", OUT_COUNT, 0 }, a->position);
		out_str(o, &(struct out_field){ "persona", "persona", OUT_TEXT, 0 }, a->who);
		out_int(o, &(struct out_field){ "variant", "variant", OUT_COUNT, 0 }, a->variant);
		out_int(o, &(struct out_field){ "follows", "follows", OUT_COUNT, 0 }, a->follows);
		out_str(o, &(struct out_field){ "scheduled_at", "scheduled (UTC)", OUT_TEXT, 0 },
			a->scheduled_at);
		out_row_end(o);
	}
	out_table_end(o);
	if (dry)
		out_text(o, "(dry run: nothing was planned)");
	retest_plan_free(&p);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
