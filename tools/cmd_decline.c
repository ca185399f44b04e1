/* cmd_decline.c: corrtest decline: politely withdraw every application whose
 * current outcome is an invitation, as a reply in the landlord's thread,
 * from the persona's own mailbox, so that no landlord keeps a slot for a
 * fictitious person. Each withdrawal is stored before it is sent and
 * recorded (table decline) once sent; a run that died in between finds it
 * in the Sent folder, or finds the self copy (the persona's own address is
 * a second envelope recipient, as with `send`) in the INBOX, instead of
 * sending it twice. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "analysis/simulate.h"
#include "base/secure.h"
#include "io/out.h"
#include "mail/decline.h"
#include "mail/mailcfg.h"
#include "messages/template.h"
#include "base/banned.h"

const char cmd_decline_usage[] =
	"usage: corrtest decline [--dry-run]\n"
	"\n"
	"For each application whose current outcome is 'invitation' and that was not\n"
	"declined yet, sends a short, polite withdrawal in the study's language from the\n"
	"persona's mailbox ([mail] smtp_url; passwords in secrets.ini), as a reply in\n"
	"the same thread: to the landlord's reply (In-Reply-To its Message-ID, To its\n"
	"sender) when fetch linked one, else to our own inquiry and the listing's\n"
	"contact; Subject \"Re: \" and the thread's subject. The text is the study's\n"
	"templates/decline.txt if there is one, else the embedded\n"
	"templates/decline/LANG.txt (placeholders as in message templates, plus\n"
	"{{reply.subject}}). The message is filed in the Sent folder over IMAP ([mail]\n"
	"imap_url, required: a withdrawal left in flight by a crash is looked for there\n"
	"instead of being sent twice). One decline runs at a time per study. Reports how\n"
	"long each invitation waited and flags those\n"
	"past [mail] decline_within_hours (informative: exit 0).\n"
	"\n"
	"  --dry-run  print what would be sent; send and record nothing\n"
	"  --json     an array, one object per invitation handled\n"
	"\n"
	"Exit status 3 when a message could not be sent (the others still are).\n";

/* The invitations handled, described once: a bare array in JSON; for
 * people, in a dry run each withdrawal as it would leave, else a table of
 * results; then one summary line. */
static void describe(struct out *o, const struct decline_item *v, int n, int dry, double limit,
		     int sent, int failed)
{
	out_table_begin(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		const char *irt = v[i].reply_msgid ? v[i].reply_msgid : v[i].app_msgid;
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "application", "application", OUT_COUNT, OUT_ID },
			v[i].app);
		out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, 0 }, v[i].ref);
		out_str(o, &(struct out_field){ "to", NULL, OUT_TEXT, 0 }, v[i].to);
		out_str(o, &(struct out_field){ "subject", NULL, OUT_TEXT, 0 }, v[i].subject);
		out_str(o, &(struct out_field){ "in_reply_to", NULL, OUT_TEXT, 0 }, irt);
		out_str(o, &(struct out_field){ "message_id", NULL, OUT_TEXT, 0 }, v[i].msgid);
		out_str(o, &(struct out_field){ "invited_at", NULL, OUT_TEXT, 0 }, v[i].invited_at);
		out_num(o, &(struct out_field){ "waited_hours", "waited_h", OUT_REAL, 0 },
			v[i].waited_h);
		out_bool(o, &(struct out_field){ "late", "late", OUT_BOOL, 0 }, v[i].late);
		out_num(o, &(struct out_field){ "limit_hours", NULL, OUT_REAL, 0 }, limit);
		out_bool(o, &(struct out_field){ "dry_run", NULL, OUT_BOOL, 0 }, dry);
		out_bool(o, &(struct out_field){ "sent", NULL, OUT_BOOL, 0 }, v[i].sent);
		out_str(o, &(struct out_field){ "error", NULL, OUT_TEXT, 0 }, v[i].error);
		out_str(o, &(struct out_field){ NULL, "result", OUT_TEXT, OUT_TABLE_ONLY },
			v[i].failed ? "FAILED"
			: v[i].taken ? "taken by another run"
			: v[i].recovered ? "sent (earlier run)"
			: "sent");
		if (dry && !v[i].failed) {
			out_text(o, "=== application %lld (listing %s): would send, %.1f h after the "
				    "invitation%s", v[i].app, v[i].ref, v[i].waited_h,
				 v[i].late ? " (LATE)" : "");
			if (!v[i].body) /* stored by an earlier run: shown as it will leave */
				out_text(o, "%.*s%s", (int)v[i].len, v[i].raw,
					 v[i].len && v[i].raw[v[i].len - 1] == '\n' ? "" : "\n");
			else
				out_text(o, "From: %s %s <%s>\nTo: %s\nSubject: %s\nMessage-ID: %s\n"
					    "In-Reply-To: %s\n\n%s",
					 v[i].first, v[i].last, v[i].email, v[i].to, v[i].subject,
					 v[i].msgid, irt ? irt : "-", v[i].body);
		}
		out_row_end(o);
	}
	out_table_end(o);
	if (dry)
		out_text(o, "Dry run: %d withdrawal%s would be sent; nothing was sent or recorded.",
			 n - failed, n - failed == 1 ? "" : "s");
	else if (failed)
		out_text(o, "Declined %d invitation%s; %d failed.", sent, sent == 1 ? "" : "s", failed);
	else
		out_text(o, "Declined %d invitation%s.", sent, sent == 1 ? "" : "s");
}

int cmd_decline(int argc, char **argv, struct cmd_ctx *ctx)
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
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	struct mailcfg *mc = NULL;
	struct mail_secrets *sec = NULL;
	struct template *t = NULL;
	struct decline_item *v = NULL;
	int n = 0, failed = 0, late = 0, sent = 0;
	/* Simulated invitations must never be declined to a real landlord. */
	int rc = dry ? CT_OK : simulate_guard(s, "decline", &err);
	if (!rc)
		rc = mailcfg_load(s->cfg, &mc, &err);
	if (!rc)
		rc = decline_template(s, &t, &err);
	if (!rc)
		rc = decline_load(s, mc->decline_within_hours, &v, &n, &err);
	if (!rc && n && !dry)
		rc = mailcfg_require(mc, "smtp_url", &err);
	/* IMAP is how a withdrawal left in flight by a crash is found in Sent
	 * instead of being sent to the landlord a second time. */
	if (!rc && n && !dry)
		rc = mailcfg_require(mc, "imap_url", &err);
	/* Hardened before any password is read or libcurl starts. */
	if (!rc && n && !dry)
		rc = secure_hold_secrets(&err);
	if (!rc && n && !dry)
		rc = mailcfg_secrets_load(s->dir, &sec, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	decline_build_all(s, t, v, n, dry);
	if (!dry)
		decline_send(s, mc, sec, v, n);
	for (int i = 0; i < n; i++) {
		late += v[i].late;
		sent += v[i].sent;
		if (v[i].file_error)
			cmd_errorf(ctx, 0, "application %lld: sent, but not filed in %s: %s", v[i].app,
				   mc->sent_folder, v[i].file_error);
		if (!v[i].failed)
			continue;
		failed++;
		if (rc != CT_EENV)
			rc = v[i].status;
		cmd_errorf(ctx, v[i].status, "application %lld: %s", v[i].app, v[i].error);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_json_compact(o);
	describe(o, v, n, dry, mc->decline_within_hours, sent, failed);
	if (out_free(o) && !rc)
		rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	if (late)
		cmd_errorf(ctx, 0, "%d invitation%s waited longer than decline_within_hours = %g", late,
			   late == 1 ? "" : "s", mc->decline_within_hours);
	if (!rc)
		rc = cmd_flush(ctx);
out:
	decline_free(v, n);
	template_free(t);
	mailcfg_secrets_free(sec);
	mailcfg_free(mc);
	return rc;
}
