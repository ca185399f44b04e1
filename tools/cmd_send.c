/* cmd_send.c: corrtest send: write the due messages to the outbox, or with
 * --live send them over SMTP from each persona's own mailbox, exactly once.
 *
 * The state machine of an application (docs/mail.md):
 *
 *   planned --(commit before SMTP)--> sending --(250 after DATA)--> sent
 *                                        |--(5xx to the landlord's RCPT)--> bounced
 *                                        |--(other 5xx, or 4xx past retries)--> failed
 *                                        `--(login refused, no server, TLS)--> planned
 *
 * Every message is sent with two envelope recipients: the landlord and the
 * persona's own address. The second ("self copy") is delivered in the same
 * transaction, so whenever the landlord got the message, the persona's
 * INBOX holds a copy with its Message-ID; the landlord sees nothing of it
 * (it is not in the headers). After a crash, an application left in
 * 'sending' is resolved by looking for its Message-ID in the persona's Sent
 * folder and INBOX (recover_sending): found means it went out (sent); not
 * found means the server never accepted it (back to planned). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "messages/compose.h"
#include "mail/imap.h"
#include "io/json.h"
#include "mail/mailcfg.h"
#include "mail/reply.h"
#include "mail/smtp.h"
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
	"are recorded with the server's reply. See docs/mail.md.\n"
	"\n"
	"  --outbox DIR   without --live: the outbox folder\n"
	"  --live         send over SMTP\n"
	"  --until-done   with --live: keep going, sleeping until the next due time,\n"
	"                 until nothing is planned; a summary at the end\n"
	"  --limit N      with --live: send at most N messages in this run\n"
	"  --json         print the summary as an object {sent, failed, bounced,\n"
	"                 recovered, left, seconds}\n"
	"\n"
	"Exit status: 0 done; 1 some application failed (or was sent but could not be\n"
	"filed in Sent); 2 bad settings or secrets file;\n"
	"3 the server could not be reached, refused the login, or TLS failed.\n";

/* One persona's connections, opened on first use and reused. */
struct account {
	char *email;
	struct smtp_session *smtp;
	struct imap_session *imap;
	int sent_folder_ok; /* the Sent folder exists (or was created) */
};

struct sender {
	struct cmd_ctx *ctx;
	struct study *s;
	struct mailcfg *mc;
	struct mail_secrets *secrets;
	struct account *acc;
	int nacc;
	int progress, total, done;
	long sent, failed, bounced, recovered, requeued, sent_folder_errors;
	time_t last_send; /* for min_interval_seconds; 0 before the first */
};

static struct account *account_get(struct sender *x, const char *email)
{
	for (int i = 0; i < x->nacc; i++)
		if (str_eq_ci(x->acc[i].email, email))
			return &x->acc[i];
	x->acc = xrealloc(x->acc, (size_t)(x->nacc + 1) * sizeof(*x->acc));
	struct account *a = &x->acc[x->nacc++];
	memset(a, 0, sizeof(*a));
	a->email = xstrdup(email);
	return a;
}

static int password_of(struct sender *x, const char *email, const char **pw, struct ct_err *err)
{
	*pw = mailcfg_password(x->secrets, email);
	if (!*pw)
		return ct_fail(err, CT_EINPUT, "the secrets file %s has no password for mailbox %s "
			       "(a section [%s] with 'password = ...')",
			       mailcfg_secrets_path(x->secrets), email, email);
	return CT_OK;
}

static int account_imap(struct sender *x, struct account *a, struct ct_err *err)
{
	const char *pw;
	if (a->imap)
		return CT_OK;
	int rc = password_of(x, a->email, &pw, err);
	return rc ? rc : imap_open(x->mc, a->email, pw, &a->imap, err);
}

static int account_smtp(struct sender *x, struct account *a, struct ct_err *err)
{
	const char *pw;
	if (a->smtp)
		return CT_OK;
	int rc = password_of(x, a->email, &pw, err);
	return rc ? rc : smtp_open(x->mc, a->email, pw, &a->smtp, err);
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Changes an application's status (from `from`, so that a concurrent run
 * cannot double-move it) with an event, in one transaction. sent_at is set
 * for 'sent'; attempts_delta is added; last_error replaced (NULL clears). */
static int set_status(struct study *s, long long app, const char *from, const char *to,
		      int attempts_delta, const char *last_error, const char *action,
		      const char *detail, int *changed, struct ct_err *err)
{
	static const char sql[] =
		"UPDATE application SET status = ?3, attempts = attempts + ?4, last_error = ?5,"
		" sent_at = CASE WHEN ?3 = 'sent' THEN ?6 ELSE sent_at END"
		" WHERE id = ?1 AND status = ?2";
	char now[ISO_LEN], subj[32];
	sqlite3_stmt *st = NULL;
	time_iso_utc(time_now(), now);
	snprintf(subj, sizeof(subj), "application %lld", app);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if ((rc = study_prepare(s, sql, &st, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, app);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, attempts_delta);
	if (last_error)
		sqlite3_bind_text(st, 5, last_error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	if ((rc = study_step_done(s, st, err, "changing an application's status")))
		goto fail;
	int n = sqlite3_changes(s->db);
	if (changed)
		*changed = n;
	if (n && (rc = study_event(s, action, subj, detail, err)))
		goto fail;
	sqlite3_finalize(st);
	return study_commit(s, err);
fail:
	sqlite3_finalize(st);
	study_rollback(s);
	return rc;
}

static int ensure_sent_folder(struct sender *x, struct account *a, struct ct_err *err)
{
	if (a->sent_folder_ok)
		return CT_OK;
	int rc = imap_create(a->imap, x->mc->sent_folder, err);
	if (!rc)
		a->sent_folder_ok = 1;
	return rc;
}

/* Files the message in the persona's Sent folder, as a mail client does. */
static int file_in_sent(struct sender *x, struct account *a, const char *raw, size_t len,
			struct ct_err *err)
{
	int rc = account_imap(x, a, err);
	if (!rc)
		rc = ensure_sent_folder(x, a, err);
	if (!rc) {
		size_t crlen;
		char *crlf = mail_crlf(raw, len, &crlen);
		rc = imap_append(a->imap, x->mc->sent_folder, crlf, crlen, err);
		free(crlf);
	}
	return rc;
}

/* Where is the message? *where: 0 nowhere, 1 in Sent, 2 only in INBOX (the
 * self copy); see imap_find_sent. */
static int locate(struct sender *x, struct account *a, const char *msgid, int *where,
		  struct ct_err *err)
{
	int rc = account_imap(x, a, err);
	*where = 0;
	return rc ? rc : imap_find_sent(a->imap, x->mc->sent_folder, msgid, where, err);
}

/* An IMAP or SMTP failure of the environment, said the same way everywhere. */
static int env_error(struct sender *x, struct account *a, const struct ct_err *e)
{
	(void)a;
	return cmd_errorf(x->ctx, CT_EENV, "%s", e->msg);
}

/* Resolves every application left in 'sending' by a run that died. */
static int recover_sending(struct sender *x)
{
	static const char sql[] =
		"SELECT a.id, a.message_id, p.email,"
		" (SELECT m.raw FROM message m WHERE m.application = a.id AND m.direction = 'out'"
		"  ORDER BY m.id DESC LIMIT 1)"
		" FROM application a JOIN persona p ON p.id = a.persona"
		" WHERE a.status = 'sending' ORDER BY a.id";
	struct ct_err err = { 0 };
	sqlite3_stmt *st;
	struct rec {
		long long id;
		char *msgid, *email, *raw;
		size_t len;
	} *r = NULL;
	int n = 0, rc = study_prepare(x->s, sql, &st, &err);
	if (rc)
		return cmd_error(x->ctx, &err);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = xrealloc(r, (size_t)(n + 1) * sizeof(*r));
		struct rec *e = &r[n++];
		e->id = sqlite3_column_int64(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 1);
		e->msgid = t ? xstrdup((const char *)t) : NULL;
		e->email = xstrdup((const char *)sqlite3_column_text(st, 2));
		e->len = (size_t)sqlite3_column_bytes(st, 3);
		e->raw = e->len ? xstrndup(sqlite3_column_blob(st, 3), e->len) : NULL;
	}
	sqlite3_finalize(st);
	for (int i = 0; !rc && i < n; i++) {
		struct rec *e = &r[i];
		struct account *a = account_get(x, e->email);
		int where = 0;
		if (!e->msgid || !e->raw) {
			/* Never composed: it cannot have left. */
		} else if ((rc = locate(x, a, e->msgid, &where, &err))) {
			rc = env_error(x, a, &err);
			break;
		}
		if (where == 2 && (rc = file_in_sent(x, a, e->raw, e->len, &err))) {
			rc = env_error(x, a, &err);
			break;
		}
		char *detail = xasprintf(where == 1 ? "found in %s after an interrupted run"
					 : where == 2 ? "the self copy was found in INBOX after an "
						        "interrupted run; filed in %s"
						      : "not found in %s nor INBOX after an interrupted "
							"run: the server never accepted it; planned again",
					 x->mc->sent_folder);
		rc = set_status(x->s, e->id, "sending", where ? "sent" : "planned", 0, NULL,
				where ? "send-recovered" : "send-requeued", detail, NULL, &err);
		free(detail);
		if (rc)
			rc = cmd_error(x->ctx, &err);
		else if (where)
			x->recovered++;
		else
			x->requeued++;
	}
	for (int i = 0; i < n; i++)
		free(r[i].msgid), free(r[i].email), free(r[i].raw);
	free(r);
	return rc;
}

/* Messages counted against today's quota: sent (or being sent) since local
 * midnight in the study's time zone. */
static int sent_today(struct study *s, time_t now, long *count, struct ct_err *err)
{
	const char *tz = s->design->timezone;
	char local[40], from[ISO_LEN], to[ISO_LEN];
	int y, m, d;
	time_iso_local(now, tz, local);
	if (sscanf(local, "%d-%d-%d", &y, &m, &d) != 3)
		return ct_fail(err, CT_EENV, "cannot tell today's date in %s", tz);
	int y2, m2, d2;
	civil_from_days(days_from_civil(y, m, d) + 1, &y2, &m2, &d2);
	time_iso_utc(time_from_local(tz, y, m, d, 0, 0), from);
	time_iso_utc(time_from_local(tz, y2, m2, d2, 0, 0), to);
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT count(*) FROM application WHERE (sent_at >= ?1 AND "
				  "sent_at < ?2) OR status = 'sending'", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	*count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return CT_OK;
}

/* The next local midnight, when the quota starts over. */
static time_t next_midnight(struct study *s, time_t now)
{
	char local[40];
	int y, m, d;
	time_iso_local(now, s->design->timezone, local);
	if (sscanf(local, "%d-%d-%d", &y, &m, &d) != 3)
		return now + 3600;
	civil_from_days(days_from_civil(y, m, d) + 1, &y, &m, &d);
	return time_from_local(s->design->timezone, y, m, d, 0, 0);
}

static void progress(struct sender *x)
{
	if (!x->progress || x->total <= 0)
		return;
	int w = 30, fill = (int)((long)w * x->done / x->total);
	char bar[31];
	for (int i = 0; i < w; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[w] = 0;
	fprintf(stderr, "\r[%s] %d/%d sent %ld failed %ld bounced %ld ", bar, x->done, x->total,
		x->sent, x->failed, x->bounced);
	fflush(stderr);
}

/* Composes and stores a's message if compose has not stored one yet. */
static int ensure_composed(struct sender *x, struct compose_app *a, struct ct_err *err)
{
	if (a->stored && a->msgid) {
		/* The envelope goes to the listing's contact as it is now; the stored
		 * message must name the same address, or the landlord would read a
		 * To: that is not theirs. */
		struct reply *r = NULL;
		int same = reply_parse(a->stored, a->stored_len, &r, err) == CT_OK && r->to_addr &&
			   str_eq_ci(r->to_addr, a->contact);
		reply_free(r);
		if (!same)
			return ct_fail(err, CT_EINPUT,
				       "application %lld: the contact e-mail of listing %s changed after "
				       "its message was composed; compose it again with 'corrtest "
				       "compose --outbox DIR --force'",
				       a->id, a->ref);
		a->raw = a->stored;
		a->len = a->stored_len;
		a->stored = NULL;
		a->reused = 1;
		return CT_OK;
	}
	struct study *s = x->s;
	int nv = s->design->variants, rc;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct tpl_problems probs = { 0 };
	compose_load_templates(s, t, &probs);
	if (probs.n) {
		rc = ct_fail(err, CT_EINPUT, "%s", probs.msg[0]);
		goto out;
	}
	if ((rc = compose_build(s, t, a, 1, err)))
		goto out;
	if ((rc = study_begin(s, err)))
		goto out;
	char subj[32];
	snprintf(subj, sizeof(subj), "application %lld", a->id);
	rc = compose_store(s, a, 1, err);
	if (!rc)
		rc = study_event(s, "compose", subj, "composed for sending", err);
	if (!rc)
		rc = study_commit(s, err);
	else
		study_rollback(s);
	if (!rc && a->new_msgid) {
		a->msgid = a->new_msgid;
		a->new_msgid = NULL;
	}
out:
	tpl_problems_free(&probs);
	compose_templates_free(t, nv);
	return rc;
}

/* Sends one application. Returns CT_OK when the run may go on (whatever
 * happened to this application), CT_EENV/CT_EINPUT when it must stop. */
static int send_one(struct sender *x, struct compose_app *a)
{
	struct ct_err err = { 0 };
	struct account *acc = account_get(x, a->email);
	int rc, changed = 0;
	if (!a->contact || !*a->contact)
		return cmd_errorf(x->ctx, CT_EINPUT, "application %lld: listing %s has no contact "
				  "e-mail to send to", a->id, a->ref);
	if ((rc = ensure_composed(x, a, &err)))
		return cmd_error(x->ctx, &err);
	/* The password and the connection are checked before the application
	 * leaves 'planned': a missing password changes nothing. */
	if ((rc = account_smtp(x, acc, &err)))
		return cmd_error(x->ctx, &err);
	if (x->mc->min_interval_seconds && x->last_send) {
		time_t next = x->last_send + x->mc->min_interval_seconds, now = time(NULL);
		if (next > now)
			sleep_ms((long)(next - now) * 1000);
	}
	const char *rcpt[2] = { a->contact, a->email };
	size_t nrcpt = str_eq_ci(a->contact, a->email) ? 1 : 2;
	const char *from = "planned";
	struct smtp_outcome out;
	for (int attempt = 1;; attempt++) {
		/* Committed before the transaction: a crash from here on leaves
		 * 'sending', which recover_sending resolves. */
		if ((rc = set_status(x->s, a->id, from, "sending", 1, NULL, "send-start", a->msgid,
				     &changed, &err)))
			return cmd_error(x->ctx, &err);
		if (!changed)
			return CT_OK; /* another run took it */
		from = "sending";
		smtp_send(acc->smtp, a->email, rcpt, nrcpt, a->raw, a->len, &out);
		x->last_send = time(NULL);
		if (out.result != SMTP_TEMP)
			break;
		/* A failure after the body went out may hide a delivery (the
		 * 250 lost): the self copy tells. */
		if (out.phase == SMTP_PHASE_DATA) {
			int where = 0;
			if ((rc = locate(x, acc, a->msgid, &where, &err)))
				return env_error(x, acc, &err);
			if (where) {
				out.result = SMTP_OK;
				snprintf(out.reply, sizeof(out.reply),
					 "delivered although the server's answer was lost");
				break;
			}
		}
		if (attempt > x->mc->retries)
			break;
		char *detail = xasprintf("attempt %d: %s", attempt, out.reply);
		set_status(x->s, a->id, "sending", "sending", 0, out.reply, "send-tempfail", detail,
			   NULL, &err);
		free(detail);
		sleep_ms(mail_backoff_ms(attempt));
	}
	char *detail = xasprintf("%s: %s", smtp_result_name(out.result), out.reply);
	x->done++;
	switch (out.result) {
	case SMTP_OK:
		/* Filed in Sent before 'sent' is committed: a crash between the
		 * two leaves 'sending', and recovery finds it in Sent; a crash
		 * before the filing finds the self copy and files it then. So the
		 * Sent folder holds every sent message exactly once. */
		if (file_in_sent(x, acc, a->raw, a->len, &err)) {
			/* Sent all the same; the study records it. */
			x->sent_folder_errors++;
			fprintf(stderr, "%scorrtest send: application %lld was sent, but filing it in "
				"%s failed: %s\n", x->progress ? "\n" : "", a->id, x->mc->sent_folder,
				err.msg);
		}
		rc = set_status(x->s, a->id, "sending", "sent", 0, NULL, "sent", out.reply, NULL,
				&err);
		x->sent += !rc;
		break;
	case SMTP_REJECT_RCPT:
		rc = set_status(x->s, a->id, "sending", "bounced", 0, out.reply, "bounced", detail,
				NULL, &err);
		x->bounced += !rc;
		break;
	case SMTP_TEMP:
	case SMTP_PERM:
		rc = set_status(x->s, a->id, "sending", "failed", 0, out.reply, "send-failed",
				detail, NULL, &err);
		x->failed += !rc;
		break;
	case SMTP_AUTH:
	case SMTP_TLS:
	case SMTP_CONNECT:
		/* Nothing left: back to planned, not failed, and stop the run. */
		x->done--;
		set_status(x->s, a->id, "sending", "planned", -1, out.reply, "send-aborted", detail,
			   NULL, &err);
		free(detail);
		if (x->progress)
			fputc('\n', stderr);
		if (out.result == SMTP_AUTH)
			return cmd_errorf(x->ctx, CT_EENV, "the SMTP server refused the login for "
					  "mailbox %s: wrong password in %s? (%s)", a->email,
					  mailcfg_secrets_path(x->secrets), out.reply);
		if (out.result == SMTP_TLS)
			return cmd_errorf(x->ctx, CT_EENV, "TLS with the SMTP server %s failed: %s (is "
					  "[mail] ca_file the CA that signed its certificate?)",
					  x->mc->smtp_url, out.reply);
		return cmd_errorf(x->ctx, CT_EENV, "cannot reach the SMTP server %s: %s",
				  x->mc->smtp_url, out.reply);
	}
	free(detail);
	if (rc)
		return cmd_error(x->ctx, &err);
	progress(x);
	return CT_OK;
}

static long count_planned(struct study *s)
{
	sqlite3_stmt *st;
	long n = 0;
	if (study_prepare(s, "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing"
			     " WHERE a.status = 'planned' AND l.status != 'withdrawn'", &st, NULL))
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* One pass over what is due now. *next: when the next planned application
 * becomes due (0 if none is planned), or when the quota starts over. */
static int send_due(struct sender *x, long limit, long *nsent_total, time_t *next)
{
	struct ct_err err = { 0 };
	struct compose_app *apps = NULL;
	int n = 0, rc = compose_load_apps(x->s, 0, &apps, &n, &err);
	time_t now = time_now();
	*next = 0;
	if (rc) {
		compose_apps_free(apps, n);
		return cmd_error(x->ctx, &err);
	}
	int due = 0;
	for (int i = 0; i < n; i++) {
		time_t when;
		if (!strcmp(apps[i].lstatus, "withdrawn"))
			continue;
		if (apps[i].sched && time_parse_iso(apps[i].sched, &when) && when <= now)
			due++;
	}
	x->total = x->done + due;
	for (int i = 0; !rc && i < n; i++) {
		struct compose_app *a = &apps[i];
		time_t when;
		if (!strcmp(a->lstatus, "withdrawn"))
			continue;
		if (!a->sched || !time_parse_iso(a->sched, &when))
			continue;
		if (when > time_now()) {
			if (!*next || when < *next)
				*next = when;
			continue;
		}
		if (limit >= 0 && *nsent_total >= limit)
			break;
		long today = 0;
		if ((rc = sent_today(x->s, time_now(), &today, &err))) {
			rc = cmd_error(x->ctx, &err);
			break;
		}
		if (today >= x->s->design->daily_quota) {
			*next = next_midnight(x->s, time_now());
			break;
		}
		rc = send_one(x, a);
		(*nsent_total)++;
	}
	compose_apps_free(apps, n);
	return rc;
}

/* One sending run per study at a time: recovery treats every 'sending'
 * application as left by a dead run, which is only true when no other run
 * is alive. The lock is on the study folder itself (flock works on a
 * directory), so no lock file is left behind; the kernel releases it when a
 * run dies, even by SIGKILL. The descriptor stays open until the process
 * ends. */
static int take_send_lock(struct cmd_ctx *ctx)
{
	int fd = open(ctx->study->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = CT_OK;
	if (fd < 0)
		rc = cmd_errorf(ctx, CT_EENV, "cannot open %s: %s", ctx->study->dir, strerror(errno));
	else if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		rc = cmd_errorf(ctx, CT_EENV, "another 'corrtest send --live' is running on the study "
				"in %s", ctx->study->dir);
	if (rc && fd >= 0)
		close(fd);
	return rc;
}

static int do_live(struct cmd_ctx *ctx, int until_done, long limit)
{
	struct sender x = { 0 };
	struct ct_err err = { 0 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	x.ctx = ctx;
	x.s = ctx->study;
	/* Settings and secrets first: a bad URL is refused before anything
	 * connects. */
	int rc = mailcfg_load(x.s->cfg, &x.mc, &err);
	if (!rc)
		rc = mailcfg_require(x.mc, "smtp_url", &err);
	if (!rc)
		rc = mailcfg_require(x.mc, "imap_url", &err);
	if (!rc)
		rc = mailcfg_secrets_load(x.s->dir, &x.secrets, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	x.progress = until_done && cmd_stderr_is_tty() && !ctx->json;
	if ((rc = take_send_lock(ctx)) || (rc = recover_sending(&x)))
		goto out;
	long nsent = 0;
	for (;;) {
		time_t next = 0;
		if ((rc = send_due(&x, limit, &nsent, &next)))
			break;
		if (!until_done || (limit >= 0 && nsent >= limit) || !next || !count_planned(x.s))
			break;
		/* With a fixed clock (CORRTEST_NOW) time never comes: stop. */
		const char *fixed = getenv("CORRTEST_NOW");
		if (fixed && *fixed)
			break;
		time_t now = time_now();
		if (next > now) {
			if (x.progress) {
				char when[ISO_LEN];
				time_iso_utc(next, when);
				fprintf(stderr, "\rwaiting until %s ... ", when);
				fflush(stderr);
			}
			sleep_ms((long)(next - now) * 1000);
		}
	}
	if (x.progress)
		fputc('\n', stderr);
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (x.mc) {
		long left = count_planned(x.s);
		if (ctx->json) {
			struct json j;
			json_init(&j, stdout, 0);
			json_obj_begin(&j);
			json_key(&j, "sent");
			json_int(&j, x.sent);
			json_key(&j, "failed");
			json_int(&j, x.failed);
			json_key(&j, "bounced");
			json_int(&j, x.bounced);
			json_key(&j, "recovered");
			json_int(&j, x.recovered);
			json_key(&j, "requeued");
			json_int(&j, x.requeued);
			json_key(&j, "left");
			json_int(&j, left);
			json_key(&j, "seconds");
			char num[32];
			snprintf(num, sizeof(num), "%.3f", secs);
			json_raw(&j, num);
			json_obj_end(&j);
			json_end(&j);
		} else if (x.secrets) {
			printf("Sent %ld, failed %ld, bounced %ld", x.sent, x.failed, x.bounced);
			if (x.recovered || x.requeued)
				printf("; after an interrupted run: %ld found sent, %ld planned again",
				       x.recovered, x.requeued);
			printf("; %ld left planned; %.1f s", left, secs);
			if (x.sent && secs > 0)
				printf(" (%.1f messages/s)", (double)x.sent / secs);
			printf(".\n");
		}
	}
	for (int i = 0; i < x.nacc; i++) {
		smtp_close(x.acc[i].smtp);
		imap_close(x.acc[i].imap);
		free(x.acc[i].email);
	}
	free(x.acc);
	mailcfg_secrets_free(x.secrets);
	mailcfg_free(x.mc);
	if (!rc && (x.failed || x.sent_folder_errors))
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
