/* cmd_log.c: corrtest log: record an outcome by hand (a phone call, an SMS,
 * a voicemail, a reply read elsewhere). Responses are append-only: a new
 * row supersedes the earlier one and both stay in the study. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "analysis/simulate.h"
#include "io/out.h"
#include "listings/listing.h"
#include "responses/outcome.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_log_usage[] =
	"usage: corrtest log APP --outcome invitation|info|refusal|other|no_reply\n"
	"                    --channel email|phone|sms|voicemail|portal|webmail|manual\n"
	"                    [--at TIME] [--note TEXT]\n"
	"\n"
	"Records the outcome of one sent application. APP is an application id, or\n"
	"REF:GROUP:GENDER (listing ref, group and gender of the persona, e.g.\n"
	"L17:maghrebi:female). A later log for the same application replaces its outcome;\n"
	"the earlier one stays in the study. Only a sent application takes an outcome\n"
	"(no_reply too: an application that will not go out is cancelled with\n"
	"'corrtest field skip'); a reply time before the send time is refused.\n"
	"\n"
	"  --outcome O   invitation (to visit or interview), info (asks for information),\n"
	"                refusal, other, or no_reply\n"
	"  --channel C   how the reply came: email, phone, sms, voicemail, portal (the\n"
	"                site's message box), webmail or manual\n"
	"  --at TIME     when it came: 2026-12-08 14:30 (the study's time zone),\n"
	"                2026-12-08T13:30:00Z, or with an offset (+01:00)\n"
	"  --note TEXT   the text of an SMS or portal message as pasted, or the note of\n"
	"                a call, on one line (at most 1000 bytes)\n";

/* What was logged, and the outcome it replaces, if any. */
static void describe(struct out *o, const struct response_logged *r, const char *outcome,
		     const char *channel)
{
	static const struct out_field f_outcome = { "outcome", NULL, OUT_TEXT, 0 };
	static const struct out_field f_channel = { "channel", NULL, OUT_TEXT, 0 };
	static const struct out_field f_replaced = { "replaced", NULL, OUT_TEXT, 0 };
	out_int(o, &(struct out_field){ "application", NULL, OUT_COUNT, 0 }, r->app.id);
	out_str(o, &(struct out_field){ "listing_ref", NULL, OUT_TEXT, 0 }, r->app.ref);
	out_str(o, &(struct out_field){ "group", NULL, OUT_TEXT, 0 }, r->app.grp);
	out_str(o, &(struct out_field){ "gender", NULL, OUT_TEXT, 0 }, r->app.gender);
	out_str(o, &f_outcome, outcome);
	out_str(o, &f_channel, channel);
	out_text(o, "Logged %s (%s) for application %lld (listing %s, %s %s).", outcome, channel,
		 (long long)r->app.id, r->app.ref, r->app.grp, r->app.gender);
	if (!r->prev_outcome) {
		out_missing(o, &f_replaced, NULL);
		return;
	}
	out_map_begin(o, &f_replaced);
	out_str(o, &f_outcome, r->prev_outcome);
	out_str(o, &f_channel, r->prev_channel);
	out_map_end(o);
	out_text(o, "This replaces the earlier outcome %s (%s); the earlier record stays in the "
		    "study.", r->prev_outcome, r->prev_channel);
}

int cmd_log(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "outcome", required_argument, NULL, 'o' }, { "channel", required_argument, NULL, 'c' },
		{ "at", required_argument, NULL, 'a' },	     { "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *outcome_arg = NULL, *channel_arg = NULL, *at_arg = NULL, *note = NULL;
	char why[LISTING_WHY];
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outcome_arg = optarg; break;
		case 'c': channel_arg = optarg; break;
		case 'a': at_arg = optarg; break;
		case 'n': note = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one application (an id, or REF:GROUP:GENDER)");
	const char *app_arg = argv[optind];
	if (!outcome_arg)
		return cmd_usage_error(ctx, "--outcome is required: %s", outcome_list());
	if (!channel_arg)
		return cmd_usage_error(ctx, "--channel is required: %s", channel_list());
	const char *outcome = outcome_parse(outcome_arg), *channel = channel_parse(channel_arg);
	if (!outcome)
		return cmd_usage_error(ctx, "--outcome '%s' is not one of %s", outcome_arg,
				       outcome_list());
	if (!channel)
		return cmd_usage_error(ctx, "--channel '%s' is not one of %s", channel_arg,
				       channel_list());
	if (note && !listing_check_text(note, why, NULL))
		return cmd_usage_error(ctx, "--note %s", why);
	if (note && strlen(note) > 1000)
		return cmd_usage_error(ctx, "--note is longer than 1000 bytes");
	struct study *s = ctx->study;
	struct ct_err gerr = { 0 };
	/* A real outcome must not mix with made-up ones. */
	if (simulate_guard(s, "log", &gerr))
		return cmd_error(ctx, &gerr);
	char at[ISO_LEN];
	if (at_arg) {
		time_t t;
		if (!outcome_parse_time(at_arg, s->design->timezone, &t))
			return cmd_usage_error(ctx,
					       "--at '%s' is not a time: write 2026-12-08 14:30 (%s), "
					       "or 2026-12-08T13:30:00Z",
					       at_arg, s->design->timezone);
		if (outcome_time_future(t))
			return cmd_usage_error(ctx, "--at '%s' is in the future (a typo in the year?)",
					       at_arg);
		time_iso_utc(t, at);
	}
	struct app_ref ar;
	if (!app_ref_parse(app_arg, &ar)) {
		app_ref_free(&ar);
		return cmd_usage_error(ctx,
				       "'%s' is not an application: give its id (a number) or "
				       "REF:GROUP:GENDER, e.g. L17:maghrebi:female",
				       app_arg);
	}

	struct ct_err err = { 0 };
	struct response_logged r;
	int rc = response_log(s, ar.id, ar.ref, ar.grp, ar.gender, outcome, channel, at_arg ? at : NULL, note,
			      study_actor(), &r, &err);
	if (rc) {
		rc = cmd_error(ctx, &err);
		goto out;
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe(o, &r, outcome, channel);
	response_logged_free(&r);
	if (out_free(o))
		rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
out:
	app_ref_free(&ar);
	return rc;
}
