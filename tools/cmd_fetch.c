/* cmd_fetch.c: corrtest fetch: collect new messages from every persona's
 * mailbox and link them (the inbox engine, tools/lib/mail/inbox.h), list
 * the unlinked queue, show one message's decoded text. Options and output
 * only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/out.h"
#include "mail/inbox.h"
#include "base/banned.h"

const char cmd_fetch_usage[] =
	"usage: corrtest fetch [--mailbox ADDRESS]\n"
	"       corrtest fetch --unlinked\n"
	"       corrtest fetch --show MSG\n"
	"\n"
	"Reads every new message in the INBOX (and Junk or Spam, when they exist) of\n"
	"each persona that has sent an application, over IMAP ([mail] imap_url; the\n"
	"passwords come from secrets.ini or $CORRTEST_SECRETS). Each message is stored\n"
	"raw first, then classified (reply, bounce, a copy of our own message, or an\n"
	"automatic reply) and linked to its application: by In-Reply-To/References to\n"
	"our Message-ID, else by the sender being the listing's contact, else by the\n"
	"listing's ref in the subject. A bounce marks its application bounced (the pair\n"
	"is then excluded by stats) with the reason. Copies are recognised by content,\n"
	"never by Message-ID alone: the same bytes already stored from that mailbox are\n"
	"skipped; a second delivery of a message (only the Received lines differ) is\n"
	"stored raw but not linked again. A new UIDVALIDITY makes the folder be read\n"
	"again from the start. Messages stay unread on the server (they are read in\n"
	"batches with IMAP BODY.PEEK[] from folders opened read-only). Linking does not\n"
	"code a reply: the outcome is recorded later (corrtest log).\n"
	"\n"
	"  --mailbox ADDRESS  only this persona's mailbox\n"
	"  --unlinked         list the incoming messages not linked to an application\n"
	"                     (link one with: corrtest link MSG APP)\n"
	"  --show MSG         print message MSG's sender, subject, link and decoded text\n"
	"  --json             machine-readable output\n"
	"\n"
	"Exit status 3 when a mailbox could not be read (the others are still read).\n";

/* Progress on stderr, when it is a terminal: the library reports, the
 * command draws. A mailbox that cannot be read is named at once. */
struct show {
	struct cmd_ctx *ctx;
	int bar;
};

static void on_progress(void *arg, const struct inbox_progress *p)
{
	struct show *sh = arg;
	if (p->step == INBOX_MAILBOX_FAILED) {
		if (sh->bar)
			fputc('\n', stderr);
		cmd_errorf(sh->ctx, p->error->status, "%s", p->error->msg);
	} else if (sh->bar && p->step == INBOX_MESSAGES_DONE) {
		fprintf(stderr, "\r%s %s: %zu/%zu ", p->mailbox, p->folder, p->done, p->total);
		if (p->done == p->total)
			fputc('\n', stderr);
		fflush(stderr);
	}
}

/* What a fetch did: the counts under their JSON keys, and the same counts
 * in sentences for people. */
static void describe_fetch(struct out *o, const struct inbox_counts *t,
			   const struct inbox_report *rep)
{
#define COUNT(key, v) out_int(o, &(struct out_field){ key, NULL, OUT_COUNT, 0 }, v)
	COUNT("mailboxes", t->mailboxes);
	COUNT("folders", t->folders);
	COUNT("new", t->fresh);
	COUNT("duplicates", t->duplicates);
	COUNT("replies", t->replies);
	out_map_begin(o, &(struct out_field){ "linked_by", NULL, OUT_TEXT, 0 });
	COUNT("in_reply_to", t->by_in_reply_to);
	COUNT("sender", t->by_sender);
	COUNT("subject_ref", t->by_subject_ref);
	out_map_end(o);
	COUNT("bounces", t->bounces);
	COUNT("self", t->self);
	COUNT("other", t->other);
	COUNT("unlinked", t->unlinked);
#undef COUNT
	out_table_begin(o, &(struct out_field){ "errors", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < rep->nerrors; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "mailbox", NULL, OUT_TEXT, 0 }, rep->errors[i].mailbox);
		out_str(o, &(struct out_field){ "error", NULL, OUT_TEXT, 0 }, rep->errors[i].msg);
		out_row_end(o);
	}
	out_table_end(o);
	char dup[48] = "";
	if (t->duplicates)
		snprintf(dup, sizeof(dup), ", %d duplicate%s skipped", t->duplicates,
			 t->duplicates == 1 ? "" : "s");
	out_text(o, "Read %d mailbox%s: %d new message%s%s.", t->mailboxes,
		 t->mailboxes == 1 ? "" : "es", t->fresh, t->fresh == 1 ? "" : "s", dup);
	out_text(o, "  replies linked   %d (In-Reply-To %d, sender %d, ref in subject %d)", t->replies,
		 t->by_in_reply_to, t->by_sender, t->by_subject_ref);
	out_text(o, "  bounces          %d", t->bounces);
	out_text(o, "  own copies       %d", t->self);
	out_text(o, "  automatic        %d", t->other);
	out_text(o, "  unlinked         %d%s", t->unlinked,
		 t->unlinked ? " (corrtest fetch --unlinked; corrtest link MSG APP)" : "");
	if (rep->nerrors)
		out_text(o, "  mailbox errors   %d", rep->nerrors);
}

static int do_fetch(struct cmd_ctx *ctx, const char *only)
{
	struct ct_err err = { 0 };
	struct inbox_report rep;
	struct show sh = { ctx, cmd_stderr_is_tty() && !ctx->json };
	struct inbox_options io = { only, on_progress, &sh };
	int rc = inbox_fetch(ctx->study, &io, &rep, &err);
	if (rc)
		return cmd_error(ctx, &err);
	const struct inbox_counts *t = &rep.n;
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	/* Scripts read the summary line by line, as before the output layer. */
	out_json_compact(o);
	describe_fetch(o, t, &rep);
	if (out_free(o))
		rep.status = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	rc = rep.status;
	inbox_report_free(&rep);
	if (!rc)
		rc = cmd_flush(ctx);
	return rc;
}

static int do_unlinked(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct inbox_row *v = NULL;
	int n = 0;
	int rc = inbox_unlinked(ctx->study, &v, &n, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	/* A bare array in JSON: the list is the document. */
	out_table_begin(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "message", "message", OUT_COUNT, OUT_ID }, v[i].id);
		out_str(o, &(struct out_field){ "mailbox", "mailbox", OUT_TEXT, 0 }, v[i].mailbox);
		out_str(o, &(struct out_field){ "kind", "kind", OUT_TEXT, 0 }, v[i].kind);
		out_str(o, &(struct out_field){ "from", "from", OUT_TEXT, 0 }, v[i].from);
		out_str(o, &(struct out_field){ "subject", "subject", OUT_TEXT, 0 }, v[i].subject);
		out_str(o, &(struct out_field){ "date", "date", OUT_TEXT, 0 }, v[i].at);
		out_row_end(o);
	}
	out_table_end(o);
	if (n)
		out_text(o, "%d unlinked message%s; link one with: corrtest link MSG APP", n,
			 n == 1 ? "" : "s");
	else
		out_text(o, "No unlinked messages.");
	inbox_rows_free(v, n);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
static int do_show(struct cmd_ctx *ctx, const char *arg)
{
	struct ct_err err = { 0 };
	long id;
	if (!parse_long(arg, &id) || id < 1)
		return cmd_usage_error(ctx, "--show needs a message id, not '%s'", arg);
	struct inbox_message *m = NULL;
	int rc = inbox_message_read(ctx->study, id, &m, &err);
	if (rc)
		return cmd_error(ctx, &err);
	const struct reply *r = m->r;
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	/* Labelled fields form the header block for people; the text follows
	 * as prose. Everything that came from the message is escaped. */
	out_int(o, &(struct out_field){ "message", "Message", OUT_COUNT, 0 }, id);
	out_str(o, &(struct out_field){ "direction", "Direction", OUT_TEXT, 0 }, m->direction);
	out_str(o, &(struct out_field){ "mailbox", "Mailbox", OUT_TEXT, 0 }, m->mailbox);
	out_str(o, &(struct out_field){ "kind", "Kind", OUT_TEXT, 0 }, m->kind);
	if (m->application)
		out_int(o, &(struct out_field){ "application", "Application", OUT_COUNT, 0 },
			m->application);
	else
		out_missing(o, &(struct out_field){ "application", "Application", OUT_COUNT, 0 },
			    "unlinked");
	out_str(o, &(struct out_field){ "link_method", "Linked by", OUT_TEXT, 0 }, m->link_method);
	out_str(o, &(struct out_field){ "date", "Date", OUT_TEXT, 0 }, m->at);
	out_str(o, &(struct out_field){ "message_id", "Message-ID", OUT_TEXT, 0 }, r->message_id);
	out_str(o, &(struct out_field){ "in_reply_to", "In-Reply-To", OUT_TEXT, 0 }, r->in_reply_to);
	out_str(o, &(struct out_field){ "from", "From", OUT_TEXT, 0 }, r->from_addr);
	out_str(o, &(struct out_field){ "from_name", "From name", OUT_TEXT, 0 }, r->from_name);
	out_str(o, &(struct out_field){ "subject", "Subject", OUT_TEXT, 0 }, r->subject);
	out_bool(o, &(struct out_field){ "text_from_html", NULL, OUT_BOOL, 0 }, r->text_from_html);
	out_str(o, &(struct out_field){ "bounce_reason", "Bounce", OUT_TEXT, 0 }, r->bounce_reason);
	out_str(o, &(struct out_field){ "text", NULL, OUT_TEXT, 0 }, r->text);
	out_text(o, "\n%s", r->text);
	inbox_message_free(m);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_fetch(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "unlinked", no_argument, NULL, 'u' },
					      { "show", required_argument, NULL, 's' },
					      { "mailbox", required_argument, NULL, 'm' },
					      { NULL, 0, NULL, 0 } };
	const char *show = NULL, *only = NULL;
	int unlinked = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': unlinked = 1; break;
		case 's': show = optarg; break;
		case 'm': only = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (unlinked + !!show + !!only > 1)
		return cmd_usage_error(ctx, "give at most one of --unlinked, --show MSG, --mailbox");
	if (unlinked)
		return do_unlinked(ctx);
	if (show)
		return do_show(ctx, show);
	return do_fetch(ctx, only);
}
