/* cmd_fetch.c: corrtest fetch: collect new messages from every persona's
 * mailbox and link them (the inbox engine, tools/lib/mail/inbox.h), list
 * the unlinked queue, show one message's decoded text. Options and output
 * only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/json.h"
#include "io/table.h"
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

static int do_fetch(struct cmd_ctx *ctx, const char *only)
{
	struct ct_err err = { 0 };
	struct inbox_report rep;
	struct show sh = { ctx, cmd_stderr_is_tty() && !ctx->json };
	struct inbox_options o = { only, on_progress, &sh };
	int rc = inbox_fetch(ctx->study, &o, &rep, &err);
	if (rc)
		return cmd_error(ctx, &err);
	const struct inbox_counts *t = &rep.n;
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "mailboxes");
		json_int(&j, t->mailboxes);
		json_key(&j, "folders");
		json_int(&j, t->folders);
		json_key(&j, "new");
		json_int(&j, t->fresh);
		json_key(&j, "duplicates");
		json_int(&j, t->duplicates);
		json_key(&j, "replies");
		json_int(&j, t->replies);
		json_key(&j, "linked_by");
		json_obj_begin(&j);
		json_key(&j, "in_reply_to");
		json_int(&j, t->by_in_reply_to);
		json_key(&j, "sender");
		json_int(&j, t->by_sender);
		json_key(&j, "subject_ref");
		json_int(&j, t->by_subject_ref);
		json_obj_end(&j);
		json_key(&j, "bounces");
		json_int(&j, t->bounces);
		json_key(&j, "self");
		json_int(&j, t->self);
		json_key(&j, "other");
		json_int(&j, t->other);
		json_key(&j, "unlinked");
		json_int(&j, t->unlinked);
		json_key(&j, "errors");
		json_arr_begin(&j);
		for (int i = 0; i < rep.nerrors; i++) {
			json_obj_begin(&j);
			json_key(&j, "mailbox");
			json_str(&j, rep.errors[i].mailbox);
			json_key(&j, "error");
			json_str(&j, rep.errors[i].msg);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Read %d mailbox%s: %d new message%s", t->mailboxes,
		       t->mailboxes == 1 ? "" : "es", t->fresh, t->fresh == 1 ? "" : "s");
		if (t->duplicates)
			printf(", %d duplicate%s skipped", t->duplicates, t->duplicates == 1 ? "" : "s");
		printf(".\n");
		printf("  replies linked   %d (In-Reply-To %d, sender %d, ref in subject %d)\n",
		       t->replies, t->by_in_reply_to, t->by_sender, t->by_subject_ref);
		printf("  bounces          %d\n", t->bounces);
		printf("  own copies       %d\n", t->self);
		printf("  automatic        %d\n", t->other);
		printf("  unlinked         %d%s\n", t->unlinked,
		       t->unlinked ? " (corrtest fetch --unlinked; corrtest link MSG APP)" : "");
		if (rep.nerrors)
			printf("  mailbox errors   %d\n", rep.nerrors);
	}
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
	static const char *const head[] = { "message", "mailbox", "kind", "from", "subject", "date" };
	struct table *tb = ctx->json ? NULL : table_new(6, head);
	struct json j;
	if (ctx->json) {
		json_init(&j, stdout, 0);
		json_arr_begin(&j);
	}
	for (int i = 0; i < n; i++) {
		if (ctx->json) {
			json_obj_begin(&j);
			json_key(&j, "message");
			json_int(&j, v[i].id);
			json_key(&j, "mailbox");
			json_str(&j, v[i].mailbox);
			json_key(&j, "kind");
			json_str(&j, v[i].kind);
			json_key(&j, "from");
			json_str(&j, v[i].from);
			json_key(&j, "subject");
			json_str(&j, v[i].subject);
			json_key(&j, "date");
			json_str(&j, v[i].at);
			json_obj_end(&j);
		} else {
			char id[24];
			snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
			const char *cells[] = { id, v[i].mailbox, v[i].kind, v[i].from, v[i].subject,
						v[i].at };
			table_add(tb, cells);
		}
	}
	if (ctx->json) {
		json_arr_end(&j);
		json_end(&j);
	} else if (n) {
		table_print(tb, stdout);
		printf("%d unlinked message%s; link one with: corrtest link MSG APP\n", n,
		       n == 1 ? "" : "s");
	} else {
		printf("No unlinked messages.\n");
	}
	table_free(tb);
	inbox_rows_free(v, n);
	return cmd_flush(ctx);
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
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "message");
		json_int(&j, id);
		json_key(&j, "direction");
		json_str(&j, m->direction);
		json_key(&j, "mailbox");
		json_str(&j, m->mailbox);
		json_key(&j, "kind");
		json_str(&j, m->kind);
		json_key(&j, "application");
		if (m->application)
			json_int(&j, m->application);
		else
			json_null(&j);
		json_key(&j, "link_method");
		json_str(&j, m->link_method);
		json_key(&j, "date");
		json_str(&j, m->at);
		json_key(&j, "message_id");
		json_str(&j, r->message_id);
		json_key(&j, "in_reply_to");
		json_str(&j, r->in_reply_to);
		json_key(&j, "from");
		json_str(&j, r->from_addr);
		json_key(&j, "from_name");
		json_str(&j, r->from_name);
		json_key(&j, "subject");
		json_str(&j, r->subject);
		json_key(&j, "text_from_html");
		json_bool(&j, r->text_from_html);
		json_key(&j, "bounce_reason");
		json_str(&j, r->bounce_reason);
		json_key(&j, "text");
		json_str(&j, r->text);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Message:     %ld (%s, %s)\n", id, m->direction, m->mailbox ? m->mailbox : "-");
		printf("Kind:        %s\n", m->kind ? m->kind : "-");
		if (m->application)
			printf("Application: %lld (linked by %s)\n", (long long)m->application,
			       m->link_method ? m->link_method : "-");
		else
			printf("Application: - (unlinked)\n");
		printf("From:        %s%s%s%s\n", r->from_name ? r->from_name : "",
		       r->from_name ? " <" : "", r->from_addr ? r->from_addr : "-",
		       r->from_name ? ">" : "");
		printf("Subject:     %s\n", r->subject ? r->subject : "");
		printf("Date:        %s\n", m->at ? m->at : "-");
		printf("Message-ID:  %s\n", r->message_id ? r->message_id : "-");
		if (r->bounce_reason)
			printf("Bounce:      %s\n", r->bounce_reason);
		printf("\n%s", r->text);
		if (*r->text && r->text[strlen(r->text) - 1] != '\n')
			putchar('\n');
	}
	inbox_message_free(m);
	return cmd_flush(ctx);
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
