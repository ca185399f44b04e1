/* cmd_compose.c: corrtest compose: check the study's templates, preview one
 * application's message, or write the planned messages to a Maildir outbox. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "messages/compose.h"
#include "messages/outbox.h"
#include "io/out.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_compose_usage[] =
	"usage: corrtest compose --check\n"
	"       corrtest compose --preview APP [--raw]\n"
	"       corrtest compose --outbox DIR [--due] [--force]\n"
	"\n"
	"Fills the study's templates (study.ini [templates] dir, v1.txt .. vN.txt) with\n"
	"each application's persona, profile and listing, and builds the message with\n"
	"GMime (RFC 5322, UTF-8, quoted-printable). Placeholders: templates/README.md.\n"
	"\n"
	"  --check        check every template and that every planned application's\n"
	"                 message can be built; lists every problem as FILE:LINE or by\n"
	"                 application; exit 2 if there is any\n"
	"  --preview APP  print application APP's message as the landlord will read it\n"
	"                 (From, To, Subject and Date decoded, the body as text) to\n"
	"                 stdout; changes nothing. Once written to an outbox, the stored\n"
	"                 message is shown; before that, the Message-ID is drawn for the\n"
	"                 preview only (a note on stderr says so)\n"
	"  --raw          with --preview: the message as sent, in MIME (encoded words,\n"
	"                 quoted-printable), byte for byte\n"
	"  --outbox DIR   write every planned application's message to DIR in Maildir\n"
	"                 layout (DIR/tmp, DIR/new, DIR/cur), one file per message, named\n"
	"                 SCHEDULED-EPOCH.APPLICATION.corrtest; stores each message and its\n"
	"                 Message-ID in the study. All messages are built and checked\n"
	"                 first: one bad record and nothing is written. Re-running writes\n"
	"                 the same bytes again (the stored message is reused), except that\n"
	"                 an unsent message whose template file changed since it was\n"
	"                 composed is composed again, keeping its Message-ID (the count is\n"
	"                 shown; a template that no longer reads is refused, naming the\n"
	"                 applications). A message already moved to DIR/cur is neither\n"
	"                 written nor composed again\n"
	"  --due          with --outbox: only applications scheduled at or before now\n"
	"  --force        with --outbox: compose again from the current templates instead\n"
	"                 of reusing stored messages (the Message-ID is kept)\n"
	"  --json         print a summary object {written, skipped, not_due, other_channel,\n"
	"                 rerendered, taken_stale, outbox}; with --preview, the decoded\n"
	"                 fields and the raw message\n";

static void print_problems(struct cmd_ctx *ctx, const struct tpl_problems *p)
{
	for (int i = 0; i < p->n; i++)
		cmd_errorf(ctx, CT_EINPUT, "%s", p->msg[i]);
}

static int do_check(struct cmd_ctx *ctx)
{
	struct study *s = ctx->study;
	int nv = s->design->variants, ncomposed = 0;
	struct tpl_problems probs = { 0 };
	struct ct_err err = { 0 };
	int rc = compose_check(s, &ncomposed, &probs, &err);
	if (rc && !probs.n) {
		tpl_problems_free(&probs);
		return cmd_error(ctx, &err);
	}
	/* The problems go to stderr, one per line, and into JSON. */
	print_problems(ctx, &probs);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	out_int(o, &(struct out_field){ "templates", NULL, OUT_COUNT, 0 }, nv);
	out_int(o, &(struct out_field){ "applications", NULL, OUT_COUNT, 0 }, ncomposed);
	out_list_begin(o, &(struct out_field){ "problems", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < probs.n; i++)
		out_str(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 }, probs.msg[i]);
	out_list_end(o);
	if (!rc)
		out_text(o, "Templates %s/v1.txt .. v%d.txt are valid; the messages of %d planned "
			    "application%s can be composed.",
			 s->design->templates_dir, nv, ncomposed, ncomposed == 1 ? "" : "s");
	if (out_free(o) && !rc)
		rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	if (probs.n)
		fprintf(stderr, "corrtest compose: %d problem%s found\n", probs.n,
			probs.n == 1 ? "" : "s");
	tpl_problems_free(&probs);
	return rc;
}

static int do_preview(struct cmd_ctx *ctx, const char *arg, int raw_only)
{
	long id;
	if (!parse_long(arg, &id) || id < 1)
		return cmd_usage_error(ctx, "--preview needs an application id, not '%s'", arg);
	struct tpl_problems probs = { 0 };
	struct compose_app *a = NULL;
	struct ct_err err = { 0 };
	int rc = compose_preview(ctx->study, id, &a, &probs, &err);
	if (rc) {
		if (probs.n)
			print_problems(ctx, &probs);
		else
			cmd_error(ctx, &err);
		tpl_problems_free(&probs);
		return rc;
	}
	tpl_problems_free(&probs);
	const char *raw = a->stored ? a->stored : a->raw;
	size_t len = a->stored ? a->stored_len : a->len;
	struct compose_text t;
	if ((rc = compose_decode(raw, len, &t, &err))) {
		compose_apps_free(a, 1);
		return cmd_error(ctx, &err);
	}
	if (a->stored)
		fprintf(stderr, "corrtest compose: application %ld: the message as stored when it "
			"was written to an outbox\n", id);
	else if (a->new_msgid)
		fprintf(stderr, "corrtest compose: application %ld: preview only; the "
			"Message-ID %s is not stored (compose --outbox draws the one that "
			"is sent)\n", id, a->new_msgid);
	/* People see the message itself, with anything in it that could act
	 * on the terminal escaped. */
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	out_int(o, &(struct out_field){ "application", NULL, OUT_COUNT, 0 }, id);
	out_str(o, &(struct out_field){ "message_id", NULL, OUT_TEXT, 0 },
		a->msgid ? a->msgid : a->new_msgid);
	out_bool(o, &(struct out_field){ "stored", NULL, OUT_BOOL, 0 }, a->msgid != NULL);
	out_str(o, &(struct out_field){ "from_name", NULL, OUT_TEXT, 0 }, t.from_name);
	out_str(o, &(struct out_field){ "from_addr", NULL, OUT_TEXT, 0 }, t.from_addr);
	out_str(o, &(struct out_field){ "to_addr", NULL, OUT_TEXT, 0 }, t.to_addr);
	out_str(o, &(struct out_field){ "subject", NULL, OUT_TEXT, 0 }, t.subject);
	out_str(o, &(struct out_field){ "date", NULL, OUT_TEXT, 0 }, t.date);
	out_str(o, &(struct out_field){ "body", NULL, OUT_TEXT, 0 }, t.body);
	out_str(o, &(struct out_field){ "attachment", NULL, OUT_TEXT, 0 }, a->cv_fname);
	out_str(o, &(struct out_field){ "raw", NULL, OUT_TEXT, 0 }, raw);
	if (raw_only) {
		out_text(o, "%s", raw);
	} else {
		char local[40] = "";
		time_t when;
		if (t.date && time_parse_iso(t.date, &when))
			time_iso_local(when, ctx->study->design->timezone, local);
		out_text(o, "From: %s <%s>", t.from_name ? t.from_name : "",
			 t.from_addr ? t.from_addr : "");
		out_text(o, "To: %s", t.to_addr ? t.to_addr : "");
		out_text(o, "Subject: %s", t.subject ? t.subject : "");
		if (local[0])
			out_text(o, "Date: %.10s %.5s (%s)", local, local + 11,
				 ctx->study->design->timezone);
		out_text(o, "%s", "");
		out_text(o, "%s", t.body);
		if (a->cv_fname)
			out_text(o, "[attached: %s; corrtest cv %ld --pdf writes it]", a->cv_fname, id);
	}
	compose_text_free(&t);
	compose_apps_free(a, 1);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

/* What --outbox wrote: the counts (the JSON summary), the messages
 * written (for people), and one sentence. */
static void describe_outbox(struct out *o, const char *dir, const struct outbox_result *r)
{
	static const struct out_field app = { "application", "application", OUT_COUNT, 0 };
	static const struct out_field ref = { "listing", "listing", OUT_TEXT, 0 };
	static const struct out_field who = { "persona", "persona", OUT_TEXT, 0 };
	static const struct out_field var = { "variant", "variant", OUT_COUNT, 0 };
	static const struct out_field sched = { "scheduled_at", "scheduled_at", OUT_TEXT, 0 };
	static const struct out_field file = { "file", "file", OUT_TEXT, 0 };
	out_json_compact(o);
	out_int(o, &(struct out_field){ "written", NULL, OUT_COUNT, 0 }, r->written);
	out_int(o, &(struct out_field){ "skipped", NULL, OUT_COUNT, 0 }, r->skipped);
	out_int(o, &(struct out_field){ "not_due", NULL, OUT_COUNT, 0 }, r->not_due);
	out_int(o, &(struct out_field){ "other_channel", NULL, OUT_COUNT, 0 }, r->other_channel);
	out_int(o, &(struct out_field){ "rerendered", NULL, OUT_COUNT, 0 }, r->rerendered);
	out_int(o, &(struct out_field){ "taken_stale", NULL, OUT_COUNT, 0 }, r->taken_stale);
	out_str(o, &(struct out_field){ "outbox", NULL, OUT_TEXT, 0 }, dir);
	out_table_begin(o, &(struct out_field){ "messages", NULL, OUT_TEXT, OUT_TABLE_ONLY });
	for (int i = 0; i < r->n; i++) {
		const struct compose_app *a = &r->apps[i];
		if (a->skip)
			continue;
		char *name = xasprintf("%s %s", a->first, a->last);
		out_row_begin(o, NULL);
		out_int(o, &app, a->id);
		out_str(o, &ref, a->ref);
		out_str(o, &who, name);
		out_int(o, &var, a->variant);
		out_str(o, &sched, a->sched);
		out_str(o, &file, a->fname);
		out_row_end(o);
		free(name);
	}
	out_table_end(o);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "Wrote %d message%s to %s/new", r->written, r->written == 1 ? "" : "s", dir);
	if (r->skipped)
		sb_addf(&sb, "; skipped %d (withdrawn listing, or already taken from %s/cur)",
			r->skipped, dir);
	if (r->not_due)
		sb_addf(&sb, "; %d not due yet", r->not_due);
	if (r->other_channel)
		sb_addf(&sb, "; %d planned for a portal, web mail, phone or SMS (see 'corrtest field "
			"list')%s", r->other_channel,
			r->other_channel_removed ? ", their files of an earlier run taken back" : "");
	if (r->rerendered)
		sb_addf(&sb, "; %d unsent message%s rendered again because %s template changed "
			"(Message-ID kept)",
			r->rerendered, r->rerendered == 1 ? " was" : "s were",
			r->rerendered == 1 ? "its" : "their");
	out_text(o, "%s.", sb_str(&sb));
	if (r->taken_stale)
		out_text(o, "Warning: %d message%s already taken from %s/cur %s composed from an "
			    "older template; %s kept as taken.",
			 r->taken_stale, r->taken_stale == 1 ? "" : "s", dir,
			 r->taken_stale == 1 ? "was" : "were", r->taken_stale == 1 ? "it is" : "they are");
	sb_free(&sb);
}

static int do_outbox(struct cmd_ctx *ctx, const char *dir, int due, int force)
{
	struct tpl_problems probs = { 0 };
	struct outbox_result o;
	struct ct_err err = { 0 };
	int rc = outbox_write(ctx->study, dir, due, force, &o, &probs, &err);
	if (rc && probs.n) {
		print_problems(ctx, &probs);
		fprintf(stderr, "corrtest compose: nothing written (%d problem%s)\n", probs.n,
			probs.n == 1 ? "" : "s");
	} else if (rc) {
		cmd_error(ctx, &err);
	} else {
		struct out *out = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		describe_outbox(out, dir, &o);
		if (out_free(out))
			rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	}
	tpl_problems_free(&probs);
	outbox_result_free(&o);
	return rc;
}

int cmd_compose(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },	   { "preview", required_argument, NULL, 'p' },
		{ "outbox", required_argument, NULL, 'o' }, { "due", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },	   { "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *preview = NULL, *outbox = NULL;
	int check = 0, due = 0, force = 0, raw = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = 1; break;
		case 'p': preview = optarg; break;
		case 'o': outbox = optarg; break;
		case 'd': due = 1; break;
		case 'f': force = 1; break;
		case 'r': raw = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (check + !!preview + !!outbox != 1)
		return cmd_usage_error(ctx, "give one of --check, --preview APP or --outbox DIR");
	if ((due || force) && !outbox)
		return cmd_usage_error(ctx, "--due and --force go with --outbox");
	if (raw && !preview)
		return cmd_usage_error(ctx, "--raw goes with --preview");
	if (outbox && !*outbox)
		return cmd_usage_error(ctx, "--outbox needs a folder");
	if (check)
		return do_check(ctx);
	if (preview)
		return do_preview(ctx, preview, raw);
	return do_outbox(ctx, outbox, due, force);
}
