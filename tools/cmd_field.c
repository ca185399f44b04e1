/* cmd_field.c: corrtest field list | sent | skip | import | deviations:
 * fielding by hand (portal, web mail, phone, SMS): the worklist of what is
 * due, and recording what was done. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fielding/channel.h"
#include "fielding/deviation.h"
#include "fielding/record.h"
#include "fielding/worklist.h"
#include "fielding/preflight.h"
#include "io/out.h"
#include "responses/outcome.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_field_usage[] =
	"usage: corrtest field list [--date YYYY-MM-DD | --all] [--persona P] [--csv | --html]\n"
	"                           [--files DIR]\n"
	"       corrtest field sent APP --at TIME [--via CHANNEL] [--by NAME]\n"
	"       corrtest field skip APP --reason TEXT [--by NAME]\n"
	"       corrtest field import FILE.csv [--by NAME]\n"
	"       corrtest field deviations\n"
	"\n"
	"Fielding by hand. An application goes out by its channel: its listing's\n"
	"(listings column channel), else the study's (study.ini [fielding] channel):\n"
	"smtp (corrtest send --live), or portal, webmail, phone or sms, which a person\n"
	"sends and records here.\n"
	"\n"
	"list     what is due by the end of --date (default today, in the study's time\n"
	"         zone; --all: every planned application): the persona to act as (name,\n"
	"         e-mail, phone), the listing and its URL, the landlord's contact for the\n"
	"         channel, the subject and text to paste as the landlord will read them,\n"
	"         the planned local time, and whether it is overdue. --persona: only one\n"
	"         persona (its e-mail, \"First Last\" or GROUP:GENDER). --csv: a spreadsheet\n"
	"         with empty columns sent_at, via, by and skip_reason to fill in and give\n"
	"         to 'field import'; --html: one page to print, one block per application.\n"
	"         In a job study that sends CVs, each application by portal or webmail\n"
	"         names the CV to upload (column attachment); --files DIR writes them,\n"
	"         DIR/<application>/CV_First_Last.pdf, the same file the e-mail gets.\n"
	"         Runs the pre-flight check ('corrtest check') first and refuses, naming\n"
	"         them, while it finds errors.\n"
	"sent     records that APP (an id, or REF:GROUP:GENDER) was sent at TIME\n"
	"         (2026-12-08 14:30 in the study's time zone, or with an offset,\n"
	"         2026-12-08T14:30+01:00), by --via (default: the planned channel), by\n"
	"         --by (default $CORRTEST_ACTOR or $USER). Refused for a time in the\n"
	"         future or before the study's start, and for an application not planned.\n"
	"skip     APP will not be sent (e.g. --reason \"listing gone\"): it and its pair\n"
	"         are cancelled with the reason; stats counts the pair as excluded.\n"
	"import   the --csv worklist filled in: a row with sent_at is recorded as sent,\n"
	"         a row with skip_reason is skipped, an empty row is ignored. Every\n"
	"         problem is named by FILE:LINE and column; all or nothing. A row already\n"
	"         recorded the same way changes nothing, so a file can be imported again.\n"
	"deviations  sends that departed from the plan: late (over 2 hours after the\n"
	"         planned time and after that day's sending hours), out of the pair's\n"
	"         order, or by another channel than planned.\n";

/* ---- field list ---- */

static void list_render(struct out *o, const struct worklist *w)
{
	static const struct out_field f_app = { "application", NULL, OUT_COUNT, OUT_ID };
	static const struct out_field f_ref = { "listing", NULL, OUT_TEXT, 0 };
	static const struct out_field f_url = { "url", NULL, OUT_TEXT, 0 };
	static const struct out_field f_ch = { "channel", NULL, OUT_TEXT, 0 };
	static const struct out_field f_name = { "persona", NULL, OUT_TEXT, 0 };
	static const struct out_field f_mail = { "persona_email", NULL, OUT_TEXT, 0 };
	static const struct out_field f_phone = { "persona_phone", NULL, OUT_TEXT, 0 };
	static const struct out_field f_grp = { "group", NULL, OUT_TEXT, 0 };
	static const struct out_field f_gender = { "gender", NULL, OUT_TEXT, 0 };
	static const struct out_field f_kind = { "contact_kind", NULL, OUT_TEXT, 0 };
	static const struct out_field f_contact = { "contact", NULL, OUT_TEXT, 0 };
	static const struct out_field f_planned = { "planned_at", NULL, OUT_TEXT, 0 };
	static const struct out_field f_overdue = { "overdue", NULL, OUT_BOOL, 0 };
	static const struct out_field f_subject = { "subject", NULL, OUT_TEXT, 0 };
	static const struct out_field f_body = { "body", NULL, OUT_TEXT, 0 };
	static const struct out_field f_attach = { "attachment", NULL, OUT_TEXT, 0 };
	/* What a volunteer fills in, for field import: in the spreadsheet only. */
	static const struct out_field f_fill[] = { { "sent_at", NULL, OUT_TEXT, OUT_NO_JSON },
						   { "via", NULL, OUT_TEXT, OUT_NO_JSON },
						   { "by", NULL, OUT_TEXT, OUT_NO_JSON },
						   { "skip_reason", NULL, OUT_TEXT, OUT_NO_JSON } };
	out_table_begin(o, NULL);
	for (int i = 0; i < w->n; i++) {
		const struct worklist_item *it = &w->items[i];
		const struct compose_app *a = it->app;
		char *who = xasprintf("%s %s", a->first, a->last);
		out_row_begin(o, NULL);
		out_int(o, &f_app, a->id);
		out_str(o, &f_ref, a->ref);
		out_str(o, &f_url, a->url);
		out_str(o, &f_ch, a->channel);
		out_str(o, &f_name, who);
		out_str(o, &f_mail, a->email);
		out_str(o, &f_phone, a->phone);
		out_str(o, &f_grp, a->grp);
		out_str(o, &f_gender, a->gender);
		out_str(o, &f_kind, it->contact_kind);
		out_str(o, &f_contact, it->contact);
		out_str(o, &f_planned, it->planned_local);
		out_bool(o, &f_overdue, it->overdue);
		out_str(o, &f_subject, it->subject);
		out_str(o, &f_body, it->body);
		out_str(o, &f_attach, worklist_attachment(a));
		for (size_t k = 0; k < ARRAY_SIZE(f_fill); k++)
			out_missing(o, &f_fill[k], NULL);
		/* For people: one block per application. */
		out_text(o, "== Application %lld, by %s, planned %s%s ==", a->id, a->channel,
			 it->planned_local, it->overdue ? "  OVERDUE" : "");
		out_text(o, "act as:   %s <%s>, phone %s", who, a->email, a->phone);
		out_text(o, "listing:  %s%s%s", a->ref, a->url ? "  " : "", a->url ? a->url : "");
		out_text(o, "contact:  %s (%s)", it->contact ? it->contact : "MISSING",
			 it->contact_kind);
		out_text(o, "subject:  %s", it->subject);
		if (worklist_attachment(a))
			out_text(o, "attach:   %s (field list --files DIR writes it to DIR/%lld/)",
				 worklist_attachment(a), a->id);
		out_text(o, "%s", "---");
		out_text(o, "%s", it->body);
		out_text(o, "%s", "");
		out_row_end(o);
		free(who);
	}
	out_table_end(o);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%d application%s to send by hand", w->n, w->n == 1 ? "" : "s");
	if (w->date[0])
		sb_addf(&sb, " due by the end of %s", w->date);
	if (w->later)
		sb_addf(&sb, "; %ld planned later", w->later);
	if (w->by_smtp)
		sb_addf(&sb, "; %ld planned for smtp (corrtest send --live)", w->by_smtp);
	out_text(o, "%s.", sb_str(&sb));
	sb_free(&sb);
}

static int field_list(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "date", required_argument, NULL, 'd' },
					      { "persona", required_argument, NULL, 'p' },
					      { "all", no_argument, NULL, 'a' },
					      { "csv", no_argument, NULL, 'c' },
					      { "html", no_argument, NULL, 'h' },
					      { "files", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	struct worklist_opts wo = { 0 };
	int csv = 0, html = 0, c;
	const char *files = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': files = optarg; break;
		case 'd': wo.date = optarg; break;
		case 'p': wo.persona = optarg; break;
		case 'a': wo.all = 1; break;
		case 'c': csv = 1; break;
		case 'h': html = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (csv + html + ctx->json > 1)
		return cmd_usage_error(ctx, "give one of --csv, --html and --json");
	if (wo.all && wo.date)
		return cmd_usage_error(ctx, "--all and --date do not go together");
	struct worklist w;
	struct tpl_problems probs = { 0 };
	struct ct_err err = { 0 };
	/* The pre-flight check first, as send --live runs it: a worklist for a
	 * study that would fail or reveal itself is not handed out. */
	struct preflight_report pr = { 0 };
	int rc = preflight_errors(ctx->study, PREFLIGHT_FIELD, &pr, &err);
	for (int i = 0; rc == CT_EINPUT && i < pr.n; i++)
		if (pr.f[i].severity == PREFLIGHT_ERROR)
			cmd_errorf(ctx, CT_EINPUT, "%s: %s", pr.f[i].code, pr.f[i].message);
	preflight_report_free(&pr);
	if (rc)
		return cmd_error(ctx, &err);
	rc = worklist_build(ctx->study, &wo, &w, &probs, &err);
	for (int i = 0; i < probs.n; i++)
		cmd_errorf(ctx, CT_EINPUT, "%s", probs.msg[i]);
	tpl_problems_free(&probs);
	if (rc)
		return cmd_error(ctx, &err);
	if (files) {
		long nfiles = 0;
		if ((rc = worklist_write_files(&w, files, &nfiles, &err))) {
			worklist_free(&w);
			return cmd_error(ctx, &err);
		}
		fprintf(stderr, "corrtest field: %ld file%s to upload written to %s/<application>/\n",
			nfiles, nfiles == 1 ? "" : "s", files);
	}
	if (html) {
		struct strbuf h = STRBUF_INIT;
		worklist_html(ctx->study, &w, &h);
		fwrite(h.buf, 1, h.len, stdout);
		sb_free(&h);
		worklist_free(&w);
		return cmd_flush(ctx);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : csv ? OUT_CSV : OUT_TABLE);
	list_render(o, &w);
	worklist_free(&w);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- field sent, field skip ---- */

static int parse_ref(struct cmd_ctx *ctx, const char *arg, struct app_ref *r)
{
	if (app_ref_parse(arg, r))
		return CT_OK;
	app_ref_free(r);
	return cmd_usage_error(ctx,
			       "'%s' is not an application: give its id (a number) or "
			       "REF:GROUP:GENDER, e.g. L17:maghrebi:female",
			       arg);
}

static int check_by(struct cmd_ctx *ctx, const char *by)
{
	const char *why = by ? field_text_problem(by, 100) : NULL;
	return why ? cmd_usage_error(ctx, "--by: the name %s", why) : CT_OK;
}

static void describe_app(struct out *o, const struct app_info *a)
{
	out_int(o, &(struct out_field){ "application", NULL, OUT_COUNT, 0 }, a->id);
	out_str(o, &(struct out_field){ "listing_ref", NULL, OUT_TEXT, 0 }, a->ref);
	out_str(o, &(struct out_field){ "group", NULL, OUT_TEXT, 0 }, a->grp);
	out_str(o, &(struct out_field){ "gender", NULL, OUT_TEXT, 0 }, a->gender);
}

static int field_sent_cmd(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "at", required_argument, NULL, 'a' },
					      { "via", required_argument, NULL, 'v' },
					      { "by", required_argument, NULL, 'b' },
					      { NULL, 0, NULL, 0 } };
	const char *at_arg = NULL, *via_arg = NULL, *by = NULL, *via = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': at_arg = optarg; break;
		case 'v': via_arg = optarg; break;
		case 'b': by = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one application (an id, or REF:GROUP:GENDER)");
	if (!at_arg)
		return cmd_usage_error(ctx, "--at TIME is required: when it was sent");
	struct study *s = ctx->study;
	time_t at;
	if (strlen(at_arg) <= 10 || !outcome_parse_time(at_arg, s->design->timezone, &at))
		return cmd_usage_error(ctx,
				       "--at '%s' is not a time: write 2026-12-08 14:30 (%s), or "
				       "with an offset, 2026-12-08T14:30+01:00",
				       at_arg, s->design->timezone);
	if (via_arg && !(via = fielding_channel_parse(via_arg)))
		return cmd_usage_error(ctx, "--via '%s' is not one of %s", via_arg,
				       fielding_channel_list());
	int rc = check_by(ctx, by);
	if (rc)
		return rc;
	struct app_ref r;
	if ((rc = parse_ref(ctx, argv[optind], &r)))
		return rc;
	struct field_done d;
	struct ct_err err = { 0 };
	rc = field_sent(s, &r, at, via, by, &d, &err);
	app_ref_free(&r);
	if (rc)
		return cmd_error(ctx, &err);
	char local[40];
	time_iso_local(at, s->design->timezone, local);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_app(o, &d.app);
	out_str(o, &(struct out_field){ "sent_at", NULL, OUT_TEXT, 0 }, d.sent_at);
	out_str(o, &(struct out_field){ "channel", NULL, OUT_TEXT, 0 }, d.channel);
	out_str(o, &(struct out_field){ "via", NULL, OUT_TEXT, 0 }, d.via);
	out_text(o, "Recorded application %lld (listing %s, %s %s) as sent at %.10s %.5s by %s%s%s.",
		 (long long)d.app.id, d.app.ref, d.app.grp, d.app.gender, local, local + 11, d.via,
		 strcmp(d.via, d.channel) ? ", not as planned by " : "",
		 strcmp(d.via, d.channel) ? d.channel : "");
	field_done_free(&d);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

static int field_skip_cmd(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "reason", required_argument, NULL, 'r' },
					      { "by", required_argument, NULL, 'b' },
					      { NULL, 0, NULL, 0 } };
	const char *reason = NULL, *by = NULL, *why;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reason = optarg; break;
		case 'b': by = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one application (an id, or REF:GROUP:GENDER)");
	if (!reason)
		return cmd_usage_error(ctx, "--reason TEXT is required: why it is not sent");
	if ((why = field_text_problem(reason, 500)))
		return cmd_usage_error(ctx, "--reason %s", why);
	int rc = check_by(ctx, by);
	if (rc)
		return rc;
	struct app_ref r;
	if ((rc = parse_ref(ctx, argv[optind], &r)))
		return rc;
	struct field_done d;
	struct ct_err err = { 0 };
	rc = field_skip(ctx->study, &r, reason, by, &d, &err);
	app_ref_free(&r);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_app(o, &d.app);
	out_list_begin(o, &(struct out_field){ "cancelled", NULL, OUT_COUNT, 0 });
	struct strbuf ids = STRBUF_INIT;
	for (int i = 0; i < d.ncancelled; i++) {
		out_int(o, &(struct out_field){ NULL, NULL, OUT_COUNT, 0 }, d.cancelled[i]);
		sb_addf(&ids, "%s%lld", i ? ", " : "", (long long)d.cancelled[i]);
	}
	out_list_end(o);
	out_str(o, &(struct out_field){ "reason", NULL, OUT_TEXT, 0 }, reason);
	out_text(o, "Cancelled application%s %s (listing %s): %s.", d.ncancelled == 1 ? "" : "s",
		 sb_str(&ids), d.app.ref, reason);
	if (d.partner_sent) {
		out_int(o, &(struct out_field){ "partner_sent", NULL, OUT_COUNT, 0 }, d.partner_sent);
		out_text(o, "Application %lld of the pair was already sent and stays so; the pair "
			    "is excluded from stats as cancelled.",
			 (long long)d.partner_sent);
	}
	sb_free(&ids);
	field_done_free(&d);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- field import ---- */

static int field_import_cmd(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "by", required_argument, NULL, 'b' },
					      { NULL, 0, NULL, 0 } };
	const char *by = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': by = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one file: the worklist from 'field list --csv', "
					    "filled in");
	int rc = check_by(ctx, by);
	if (rc)
		return rc;
	const char *path = argv[optind];
	struct field_import_result res;
	struct tpl_problems probs = { 0 };
	struct ct_err err = { 0 };
	rc = field_import(ctx->study, path, by, &res, &probs, &err);
	for (int i = 0; i < probs.n; i++)
		cmd_errorf(ctx, CT_EINPUT, "%s", probs.msg[i]);
	tpl_problems_free(&probs);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	out_int(o, &(struct out_field){ "rows", NULL, OUT_COUNT, 0 }, res.rows);
	out_int(o, &(struct out_field){ "sent", NULL, OUT_COUNT, 0 }, res.sent);
	out_int(o, &(struct out_field){ "skipped", NULL, OUT_COUNT, 0 }, res.skipped);
	out_int(o, &(struct out_field){ "cancelled", NULL, OUT_COUNT, 0 }, res.cancelled);
	out_int(o, &(struct out_field){ "unchanged", NULL, OUT_COUNT, 0 }, res.unchanged);
	out_int(o, &(struct out_field){ "ignored", NULL, OUT_COUNT, 0 }, res.ignored);
	if (!res.sent && !res.skipped)
		out_text(o, "Nothing changed: %ld row%s already recorded, %ld without sent_at or "
			    "skip_reason.",
			 res.unchanged, res.unchanged == 1 ? "" : "s", res.ignored);
	else
		out_text(o, "Recorded %ld sent, %ld skipped (%ld application%s cancelled); %ld "
			    "already recorded, %ld empty row%s ignored.",
			 res.sent, res.skipped, res.cancelled, res.cancelled == 1 ? "" : "s",
			 res.unchanged, res.ignored, res.ignored == 1 ? "" : "s");
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* ---- field deviations ---- */

static int field_deviations_cmd(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argv;
	if (argc != 1)
		return cmd_usage_error(ctx, "deviations takes no argument");
	struct deviation *d;
	int n;
	struct ct_err err = { 0 };
	int rc = deviations_list(ctx->study, &d, &n, &err);
	if (rc)
		return cmd_error(ctx, &err);
	static const struct out_field f_app = { "application", "application", OUT_COUNT, OUT_ID };
	static const struct out_field f_ref = { "listing", "listing", OUT_TEXT, 0 };
	static const struct out_field f_grp = { "group", "group", OUT_TEXT, 0 };
	static const struct out_field f_gender = { "gender", "gender", OUT_TEXT, 0 };
	static const struct out_field f_kind = { "kind", "deviation", OUT_TEXT, 0 };
	static const struct out_field f_planned = { "planned", "planned", OUT_TEXT, 0 };
	static const struct out_field f_actual = { "actual", "actual", OUT_TEXT, 0 };
	long count[DEVIATION_N] = { 0 };
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_table_begin(o, &(struct out_field){ "deviations", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		count[d[i].kind]++;
		out_row_begin(o, NULL);
		out_int(o, &f_app, d[i].app);
		out_str(o, &f_ref, d[i].ref);
		out_str(o, &f_grp, d[i].grp);
		out_str(o, &f_gender, d[i].gender);
		out_str(o, &f_kind, deviation_key(d[i].kind));
		out_str(o, &f_planned, d[i].planned);
		out_str(o, &f_actual, d[i].actual);
		out_row_end(o);
	}
	out_table_end(o);
	out_map_begin(o, &(struct out_field){ "counts", "\nDeviations, by kind", OUT_TEXT, 0 });
	for (int k = 0; k < DEVIATION_N; k++)
		out_int(o, &(struct out_field){ deviation_key(k), deviation_text(k), OUT_COUNT, 0 },
			count[k]);
	out_map_end(o);
	deviations_free(d, n);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_field(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc < 2)
		return cmd_usage_error(ctx, "name an action: list, sent, skip, import or deviations");
	const char *action = argv[1];
	argv[1] = argv[0]; /* the action's parser reports as "corrtest field" */
	if (!strcmp(action, "list"))
		return field_list(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "sent"))
		return field_sent_cmd(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "skip"))
		return field_skip_cmd(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "import"))
		return field_import_cmd(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "deviations"))
		return field_deviations_cmd(argc - 1, argv + 1, ctx);
	return cmd_usage_error(ctx, "unknown action '%s' (list, sent, skip, import or deviations)",
			       action);
}
