/* cmd_send.c: corrtest send: write the due messages to the outbox, or with
 * --live send them over SMTP from each persona's own mailbox, exactly once.
 * The run (what is due, the quota, recovery after a crash) is in
 * mail/sendrun.c and every message goes through the delivery engine,
 * mail/delivery.c, whose header describes the states; this file parses
 * the options and shows the progress and the summary. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "analysis/simulate.h"
#include "fielding/preflight.h"
#include "base/secure.h"
#include "io/out.h"
#include "mail/mailcfg.h"
#include "mail/sendrun.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_send_usage[] =
	"usage: corrtest send [--outbox DIR] [--json]\n"
	"       corrtest send --live [--until-done] [--limit N] [--json]\n"
	"\n"
	"Without --live, writes the messages that are due (scheduled at or before now)\n"
	"to the outbox (default: the study's outbox/ folder) exactly as 'compose --outbox\n"
	"DIR --due' does, and sends nothing.\n"
	"\n"
	"With --live, sends every due application over SMTP from its persona's own\n"
	"mailbox ([mail] smtp_url, passwords from secrets.ini or $CORRTEST_SECRETS),\n"
	"within [schedule] daily_quota and [mail] min_interval_seconds, then files the\n"
	"message in the persona's Sent folder over IMAP. Each application goes planned\n"
	"-> sending -> sent | failed | bounced, committed before and after the SMTP\n"
	"transaction; an application found in 'sending' (after a crash) is resolved\n"
	"first by looking for its Message-ID over IMAP, so nothing is sent twice.\n"
	"Temporary failures are retried with backoff ([mail] retries); permanent ones\n"
	"are recorded with the server's reply. A message compose --outbox stored is\n"
	"sent as stored, unless its template file changed since: then it is composed\n"
	"again (Message-ID kept) and the summary counts it. See docs/mail.md.\n"
	"Before anything connects, --live runs the pre-flight check ('corrtest check')\n"
	"and refuses, naming them, while it finds errors.\n"
	"\n"
	"  --outbox DIR   without --live: the outbox folder\n"
	"  --live         send over SMTP\n"
	"  --until-done   with --live: keep going, sleeping until the next due time,\n"
	"                 until nothing is planned; a summary at the end\n"
	"  --limit N      with --live: send at most N messages in this run\n"
	"  --json         print the summary as an object {sent, failed, bounced,\n"
	"                 recovered, requeued, left, rerendered, seconds}\n"
	"\n"
	"Exit status: 0 done; 1 some application failed (or was sent but could not be\n"
	"filed in Sent); 2 bad settings or secrets file, or the pre-flight check found\n"
	"an error;\n"
	"3 the server could not be reached, refused the login, or TLS failed.\n";

/* What the terminal shows while sending. */
struct view {
	int progress; /* draw the progress bar */
	const char *sent_folder;
};

static void on_progress(void *arg, const struct sendrun_progress *p)
{
	struct view *v = arg;
	const struct sendrun_summary *x = p->sum;
	if (p->what == SENDRUN_NOT_FILED) {
		fprintf(stderr, "%scorrtest send: application %lld was sent, but filing it in %s "
			"failed: %s\n", v->progress ? "\n" : "", p->application, v->sent_folder,
			p->detail);
	} else if (p->what == SENDRUN_WAITING && v->progress) {
		char when[ISO_LEN];
		time_iso_utc(p->until, when);
		fprintf(stderr, "\rwaiting until %s ... ", when);
		fflush(stderr);
	} else if (p->what == SENDRUN_PROGRESS && v->progress && x->total > 0) {
		int w = 30, fill = (int)((long)w * x->done / x->total);
		char bar[31];
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = 0;
		fprintf(stderr, "\r[%s] %d/%d sent %ld failed %ld bounced %ld ", bar, x->done,
			x->total, x->sent, x->failed, x->bounced);
		fflush(stderr);
	}
}

/* The run's summary: one JSON line for scripts; for people a sentence,
 * once the secrets were read (before that, the error says it all). */
static void describe_summary(struct out *o, const struct sendrun_summary *x, long left,
			     double secs, int text)
{
	out_json_compact(o);
	out_int(o, &(struct out_field){ "sent", NULL, OUT_COUNT, 0 }, x->sent);
	out_int(o, &(struct out_field){ "failed", NULL, OUT_COUNT, 0 }, x->failed);
	out_int(o, &(struct out_field){ "bounced", NULL, OUT_COUNT, 0 }, x->bounced);
	out_int(o, &(struct out_field){ "recovered", NULL, OUT_COUNT, 0 }, x->recovered);
	out_int(o, &(struct out_field){ "requeued", NULL, OUT_COUNT, 0 }, x->requeued);
	out_int(o, &(struct out_field){ "left", NULL, OUT_COUNT, 0 }, left);
	out_int(o, &(struct out_field){ "rerendered", NULL, OUT_COUNT, 0 }, x->rerendered);
	/* To the millisecond: a clock's noise beyond that says nothing. */
	out_num(o, &(struct out_field){ "seconds", NULL, OUT_REAL, 0 }, round(secs * 1000.0) / 1000.0);
	if (!text)
		return;
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "Sent %ld, failed %ld, bounced %ld", x->sent, x->failed, x->bounced);
	if (x->recovered || x->requeued)
		sb_addf(&sb, "; after an interrupted run: %ld found sent, %ld planned again",
			x->recovered, x->requeued);
	if (x->rerendered)
		sb_addf(&sb, "; %ld stored message%s composed again (template changed)",
			x->rerendered, x->rerendered == 1 ? "" : "s");
	sb_addf(&sb, "; %ld left planned; %.1f s", left, secs);
	if (x->sent && secs > 0)
		sb_addf(&sb, " (%.1f messages/s)", (double)x->sent / secs);
	out_text(o, "%s.", sb_str(&sb));
	sb_free(&sb);
}

static int do_live(struct cmd_ctx *ctx, int until_done, long limit)
{
	struct study *s = ctx->study;
	struct mailcfg *mc = NULL;
	struct mail_secrets *secrets = NULL;
	struct sendrun_summary sum = { 0 };
	struct ct_err err = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The pre-flight check first: a study that would fail or reveal itself
	 * is refused before anything connects, naming every error. */
	struct preflight_report pr = { 0 };
	int prc = preflight_errors(s, PREFLIGHT_SEND, &pr, &err);
	for (int i = 0; prc == CT_EINPUT && i < pr.n; i++)
		if (pr.f[i].severity == PREFLIGHT_ERROR)
			cmd_errorf(ctx, CT_EINPUT, "%s: %s", pr.f[i].code, pr.f[i].message);
	preflight_report_free(&pr);
	if (prc)
		return cmd_error(ctx, &err);
	/* Hardened before any password is read or libcurl starts; then the
	 * settings and secrets: a bad URL is refused before anything connects. */
	/* Real mail must not go out from a study holding simulated rows. */
	int rc = simulate_guard(s, "send --live", &err);
	if (!rc)
		rc = secure_hold_secrets(&err);
	if (!rc)
		rc = mailcfg_load(s->cfg, &mc, &err);
	if (!rc)
		rc = mailcfg_require(mc, "smtp_url", &err);
	if (!rc)
		rc = mailcfg_require(mc, "imap_url", &err);
	if (!rc)
		rc = mailcfg_secrets_load(s->dir, &secrets, &err);
	struct view v = { until_done && cmd_stderr_is_tty() && !ctx->json,
			  mc ? mc->sent_folder : "Sent" };
	if (!rc) {
		struct sendrun_opts o = { until_done, limit, on_progress, &v };
		rc = sendrun_live(s, mc, secrets, &o, &sum, &err);
		if (v.progress)
			fputc('\n', stderr);
	}
	if (rc)
		cmd_error(ctx, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (mc) {
		struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
		describe_summary(o, &sum, sendrun_count_planned(s), secs, secrets != NULL);
		if (out_free(o) && !rc)
			rc = cmd_errorf(ctx, CT_EENV, "cannot write the output");
	}
	mailcfg_secrets_free(secrets);
	mailcfg_free(mc);
	if (!rc && (sum.failed || sum.not_filed))
		rc = CT_PROBLEM;
	if (!rc)
		rc = cmd_flush(ctx);
	return rc;
}

int cmd_send(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "outbox", required_argument, NULL, 'o' }, { "live", no_argument, NULL, 'l' },
		{ "until-done", no_argument, NULL, 'u' },   { "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char *outbox = NULL;
	int live = 0, until_done = 0, c;
	long limit = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outbox = optarg; break;
		case 'l': live = 1; break;
		case 'u': until_done = 1; break;
		case 'n':
			if (!parse_long(optarg, &limit) || limit < 0)
				return cmd_usage_error(ctx, "--limit needs a number, not '%s'", optarg);
			break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (live && outbox)
		return cmd_usage_error(ctx, "--outbox and --live do not go together");
	if (!live && (until_done || limit >= 0))
		return cmd_usage_error(ctx, "--until-done and --limit go with --live");
	if (live)
		return do_live(ctx, until_done, limit);
	/* Exactly what compose --outbox DIR --due does, by the same code. */
	char *dir = outbox ? xstrdup(outbox) : xasprintf("%s/outbox", ctx->study->dir);
	char *args[] = { "compose", "--outbox", dir, "--due", NULL };
	optind = 0;
	int rc = cmd_compose(4, args, ctx);
	free(dir);
	return rc;
}
