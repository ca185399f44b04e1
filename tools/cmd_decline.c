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
#include "base/secure.h"
#include "io/json.h"
#include "io/table.h"
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

static void print_json(const struct decline_item *v, int n, int dry, double limit)
{
	struct json j;
	json_init(&j, stdout, 0);
	json_arr_begin(&j);
	for (int i = 0; i < n; i++) {
		json_obj_begin(&j);
		json_key(&j, "application");
		json_int(&j, v[i].app);
		json_key(&j, "listing");
		json_str(&j, v[i].ref);
		json_key(&j, "to");
		json_str(&j, v[i].to);
		json_key(&j, "subject");
		json_str(&j, v[i].subject);
		json_key(&j, "in_reply_to");
		json_str(&j, v[i].reply_msgid ? v[i].reply_msgid : v[i].app_msgid);
		json_key(&j, "message_id");
		json_str(&j, v[i].msgid);
		json_key(&j, "invited_at");
		json_str(&j, v[i].invited_at);
		json_key(&j, "waited_hours");
		json_num(&j, v[i].waited_h);
		json_key(&j, "late");
		json_bool(&j, v[i].late);
		json_key(&j, "limit_hours");
		json_num(&j, limit);
		json_key(&j, "dry_run");
		json_bool(&j, dry);
		json_key(&j, "sent");
		json_bool(&j, v[i].sent);
		json_key(&j, "error");
		json_str(&j, v[i].error);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
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
	int rc = mailcfg_load(s->cfg, &mc, &err);
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
			fprintf(stderr, "corrtest decline: application %lld: sent, but not filed in %s: "
				"%s\n", v[i].app, mc->sent_folder, v[i].file_error);
		if (!v[i].failed)
			continue;
		failed++;
		if (rc != CT_EENV)
			rc = v[i].status;
		cmd_errorf(ctx, v[i].status, "application %lld: %s", v[i].app, v[i].error);
	}
	if (ctx->json) {
		print_json(v, n, dry, mc->decline_within_hours);
	} else if (dry) {
		for (int i = 0; i < n; i++) {
			if (v[i].failed)
				continue;
			printf("=== application %lld (listing %s): would send, %.1f h after the "
			       "invitation%s\n", v[i].app, v[i].ref, v[i].waited_h,
			       v[i].late ? " (LATE)" : "");
			if (!v[i].body) {
				/* Stored by an earlier run: shown as it will leave. */
				fwrite(v[i].raw, 1, v[i].len, stdout);
				if (v[i].len && v[i].raw[v[i].len - 1] != '\n')
					putchar('\n');
				continue;
			}
			printf("From: %s %s <%s>\nTo: %s\nSubject: %s\nMessage-ID: %s\n", v[i].first,
			       v[i].last, v[i].email, v[i].to, v[i].subject, v[i].msgid);
			printf("In-Reply-To: %s\n\n%s",
			       v[i].reply_msgid ? v[i].reply_msgid : v[i].app_msgid ? v[i].app_msgid : "-",
			       v[i].body);
		}
		printf("Dry run: %d withdrawal%s would be sent; nothing was sent or recorded.\n", n - failed,
		       n - failed == 1 ? "" : "s");
	} else {
		if (n) {
			static const char *const head[] = { "application", "listing", "waited_h", "late",
							     "result" };
			struct table *tb = table_new(5, head);
			for (int i = 0; i < n; i++) {
				char *app = xasprintf("%lld", v[i].app);
				char *w = xasprintf("%.1f", v[i].waited_h);
				const char *res = v[i].failed	   ? "FAILED"
						  : v[i].taken	   ? "taken by another run"
						  : v[i].recovered ? "sent (earlier run)"
								   : "sent";
				const char *cells[] = { app, v[i].ref, w, v[i].late ? "LATE" : "", res };
				table_add(tb, cells);
				free(app), free(w);
			}
			table_print(tb, stdout);
			table_free(tb);
		}
		printf("Declined %d invitation%s", sent, sent == 1 ? "" : "s");
		if (failed)
			printf("; %d failed", failed);
		printf(".\n");
	}
	if (late)
		fprintf(stderr, "corrtest decline: %d invitation%s waited longer than "
			"decline_within_hours = %g\n", late, late == 1 ? "" : "s",
			mc->decline_within_hours);
	if (!rc)
		rc = cmd_flush(ctx);
out:
	decline_free(v, n);
	template_free(t);
	mailcfg_secrets_free(sec);
	mailcfg_free(mc);
	return rc;
}
