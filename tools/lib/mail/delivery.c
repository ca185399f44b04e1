/* delivery.c: the delivery engine (delivery.h): exactly-once sending of a
 * stored message, with the state of each kind of message kept where that
 * kind keeps it. The mail side (pacing, SMTP with the self copy, retries,
 * the lost 250, Sent, recovery) is written once; only the recording steps
 * differ by kind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/delivery.h"
#include "mail/imap.h"
#include "mail/smtp.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* One persona's connections, opened on first use and reused. */
struct account {
	char *email;
	struct smtp_session *smtp;
	struct imap_session *imap;
	int sent_folder_ok; /* the Sent folder exists (or was created) */
};

struct delivery {
	struct study *s;
	const struct mailcfg *mc;
	const struct mail_secrets *sec;
	struct account *acc;
	int nacc;
	long long last_send_ms; /* monotonic, for min_interval_seconds; 0 before the first */
	delivery_cb *cb;
	void *cb_arg;
};

int delivery_new(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 struct delivery **out, struct ct_err *err)
{
	(void)err;
	struct delivery *d = xcalloc(1, sizeof(*d));
	d->s = s;
	d->mc = mc;
	d->sec = sec;
	*out = d;
	return CT_OK;
}

void delivery_free(struct delivery *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->nacc; i++) {
		smtp_close(d->acc[i].smtp);
		imap_close(d->acc[i].imap);
		free(d->acc[i].email);
	}
	free(d->acc);
	free(d);
}

void delivery_on_progress(struct delivery *d, delivery_cb *cb, void *arg)
{
	d->cb = cb;
	d->cb_arg = arg;
}

const char *delivery_result_name(enum delivery_result r)
{
	switch (r) {
	case DELIVERY_SENT: return "sent";
	case DELIVERY_FOUND: return "found sent";
	case DELIVERY_NOT_FOUND: return "not found";
	case DELIVERY_BOUNCED: return "bounced";
	case DELIVERY_FAILED: return "failed";
	case DELIVERY_TAKEN: return "taken by another run";
	}
	return "?";
}

static void tell(struct delivery *d, enum delivery_step step, const struct delivery_job *job,
		 const struct delivery_outcome *out)
{
	if (d->cb)
		d->cb(d->cb_arg, step, job, out);
}

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Connections. */

static struct account *account_get(struct delivery *d, const char *email)
{
	for (int i = 0; i < d->nacc; i++)
		if (str_eq_ci(d->acc[i].email, email))
			return &d->acc[i];
	d->acc = xrealloc(d->acc, (size_t)(d->nacc + 1) * sizeof(*d->acc));
	struct account *a = &d->acc[d->nacc++];
	memset(a, 0, sizeof(*a));
	a->email = xstrdup(email);
	return a;
}

static int password_of(struct delivery *d, const char *email, const char **pw, struct ct_err *err)
{
	*pw = d->sec ? mailcfg_password(d->sec, email) : NULL;
	if (!*pw)
		return ct_fail(err, CT_EINPUT, "the secrets file %s has no password for mailbox %s "
			       "(a section [%s] with 'password = ...')",
			       d->sec ? mailcfg_secrets_path(d->sec) : "(none)", email, email);
	return CT_OK;
}

static int account_imap(struct delivery *d, struct account *a, struct ct_err *err)
{
	const char *pw;
	if (a->imap)
		return CT_OK;
	int rc = password_of(d, a->email, &pw, err);
	return rc ? rc : imap_open(d->mc, a->email, pw, &a->imap, err);
}

static int account_smtp(struct delivery *d, struct account *a, struct ct_err *err)
{
	const char *pw;
	if (a->smtp)
		return CT_OK;
	int rc = password_of(d, a->email, &pw, err);
	return rc ? rc : smtp_open(d->mc, a->email, pw, &a->smtp, err);
}

/* Files the message in the persona's Sent folder, as a mail client does.
 * Without [mail] imap_url there is no Sent folder to file it in. */
static int file_in_sent(struct delivery *d, struct account *a, const char *raw, size_t len,
			struct ct_err *err)
{
	if (!d->mc->imap_url)
		return CT_OK;
	int rc = account_imap(d, a, err);
	if (!rc && !a->sent_folder_ok) {
		rc = imap_create(a->imap, d->mc->sent_folder, err);
		a->sent_folder_ok = !rc;
	}
	if (!rc) {
		size_t crlen;
		char *crlf = mail_crlf(raw, len, &crlen);
		rc = imap_append(a->imap, d->mc->sent_folder, crlf, crlen, err);
		free(crlf);
	}
	return rc;
}

/* Where is the message? *where: 0 nowhere (or no IMAP to ask), 1 in Sent,
 * 2 only in INBOX (the self copy); see imap_find_sent. */
static int locate(struct delivery *d, struct account *a, const char *msgid, int *where,
		  struct ct_err *err)
{
	*where = 0;
	if (!d->mc->imap_url || !msgid)
		return CT_OK;
	int rc = account_imap(d, a, err);
	return rc ? rc : imap_find_sent(a->imap, d->mc->sent_folder, msgid, where, err);
}

/* Recording: applications. */

/* Changes an application's status (from `from`, so that a concurrent run
 * cannot double-move it) with an event, in one transaction. sent_at is set
 * for 'sent', with the channel it went by; attempts_delta is added;
 * last_error replaced (NULL clears). */
static int app_status(struct study *s, long long app, const char *from, const char *to,
		      int attempts_delta, const char *last_error, const char *action,
		      const char *detail, int *changed, struct ct_err *err)
{
	static const char sql[] =
		"UPDATE application SET status = ?3, attempts = attempts + ?4, last_error = ?5,"
		" sent_at = CASE WHEN ?3 = 'sent' THEN ?6 ELSE sent_at END,"
		/* send --live sends only what is planned for smtp; the channel
		 * is fixed once sent, as field sent fixes its own. */
		" channel = CASE WHEN ?3 = 'sent' THEN coalesce(channel, 'smtp') ELSE channel END,"
		" sent_via = CASE WHEN ?3 = 'sent' THEN 'smtp' ELSE sent_via END"
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

/* Recording: withdrawals. */

/* One event in its own transaction. */
static int event_alone(struct study *s, const char *action, long long app, const char *detail,
		       struct ct_err *err)
{
	char subj[32];
	snprintf(subj, sizeof(subj), "application %lld", app);
	int rc = study_begin(s, err);
	if (!rc)
		rc = study_event(s, action, subj, detail, err);
	if (!rc)
		return study_commit(s, err);
	study_rollback(s);
	return rc;
}

/* Stores a withdrawal before it leaves, unless the application already has
 * one in flight or sent (another run took it: *taken = 0): a crash after
 * sending then finds it, and its Message-ID in the Sent folder, instead of
 * composing another. The check and the insert are one transaction (BEGIN
 * IMMEDIATE), so two runs cannot both store one. */
static int withdrawal_take(struct study *s, struct delivery_job *job, int *taken,
			   struct ct_err *err)
{
	static const char busy_sql[] =
		"SELECT 1 FROM decline WHERE application = ?1 UNION ALL"
		" SELECT 1 FROM message m JOIN application a ON a.id = m.application"
		" WHERE m.application = ?1 AND m.direction = 'out' AND m.message_id IS NOT NULL"
		" AND m.message_id IS NOT a.message_id"
		" AND NOT EXISTS (SELECT 1 FROM decline d WHERE d.message = m.id) LIMIT 1";
	static const char ins_sql[] =
		"INSERT INTO message (application, direction, raw, sha256, at, mailbox, message_id)"
		" VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *st = NULL;
	char sha[65], now[ISO_LEN];
	*taken = 0;
	sha256_hex(job->raw, job->len, sha);
	time_iso_utc(time_now(), now);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if ((rc = study_prepare(s, busy_sql, &st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, job->application);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (r == SQLITE_ROW)
		goto out; /* not taken */
	if (r != SQLITE_DONE) {
		rc = study_db_error(s, err, "looking for a withdrawal in flight");
		goto out;
	}
	if ((rc = study_prepare(s, ins_sql, &st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, job->application);
	sqlite3_bind_blob(st, 2, job->raw, (int)job->len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, job->mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, job->message_id, -1, SQLITE_STATIC);
	if ((rc = study_step_done(s, st, err, "storing a withdrawal")))
		goto out;
	job->message = sqlite3_last_insert_rowid(s->db);
	char subj[32];
	snprintf(subj, sizeof(subj), "application %lld", job->application);
	char *det = xasprintf("withdrawal composed as message %lld (%s)", job->message,
			      job->message_id);
	rc = study_event(s, "decline.compose", subj, det, err);
	free(det);
	if (!rc)
		*taken = 1;
out:
	sqlite3_finalize(st);
	if (!rc)
		return study_commit(s, err);
	study_rollback(s);
	return rc;
}

static int withdrawal_sent(struct study *s, const struct delivery_job *job, const char *how,
			   struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[ISO_LEN], subj[32];
	time_iso_utc(time_now(), now);
	snprintf(subj, sizeof(subj), "application %lld", job->application);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = study_prepare(s, "INSERT INTO decline (application, message, sent_at) VALUES (?1, ?2, ?3)",
			   &st, err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, job->application);
		sqlite3_bind_int64(st, 2, job->message);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		rc = study_step_done(s, st, err, "recording a decline");
		sqlite3_finalize(st);
	}
	if (!rc) {
		char *det = xasprintf("withdrawal %s (message %lld, %s)%s%s", how, job->message,
				      job->message_id, job->note ? ", " : "",
				      job->note ? job->note : "");
		rc = study_event(s, "decline", subj, det, err);
		free(det);
	}
	if (!rc)
		return study_commit(s, err);
	study_rollback(s);
	return rc;
}

/* Recording, by kind. */

/* The job leaves its resting state for an attempt: committed before the
 * SMTP transaction, so that a crash from here on leaves it in flight. */
static int record_taken(struct delivery *d, struct delivery_job *job, int attempt, int *taken,
			struct ct_err *err)
{
	*taken = 1;
	if (job->kind == DELIVERY_APPLICATION)
		return app_status(d->s, job->application, attempt == 1 ? "planned" : "sending",
				  "sending", 1, NULL, "send-start", job->message_id, taken, err);
	if (attempt == 1 && !job->message)
		return withdrawal_take(d->s, job, taken, err);
	return CT_OK;
}

static int record_tempfail(struct delivery *d, const struct delivery_job *job, int attempt,
			   const char *reply, struct ct_err *err)
{
	char *detail = xasprintf("attempt %d: %s", attempt, reply);
	int rc = job->kind == DELIVERY_APPLICATION
			 ? app_status(d->s, job->application, "sending", "sending", 0, reply,
				      "send-tempfail", detail, NULL, err)
			 : event_alone(d->s, "decline-tempfail", job->application, detail, err);
	free(detail);
	return rc;
}

/* how: the event's wording for how we know it left. */
static int record_sent(struct delivery *d, const struct delivery_job *job, const char *action,
		       const char *detail, const char *how, struct ct_err *err)
{
	if (job->kind == DELIVERY_APPLICATION)
		return app_status(d->s, job->application, "sending", "sent", 0, NULL, action, detail,
				  NULL, err);
	return withdrawal_sent(d->s, job, how, err);
}

static int record_failed(struct delivery *d, const struct delivery_job *job, int bounced,
			 const char *reply, const char *detail, struct ct_err *err)
{
	if (job->kind == DELIVERY_APPLICATION)
		return app_status(d->s, job->application, "sending", bounced ? "bounced" : "failed",
				  0, reply, bounced ? "bounced" : "send-failed", detail, NULL, err);
	/* The stored withdrawal stays, with the reason in the event log;
	 * decline_load does not offer the application again. */
	char *det = xasprintf("withdrawal message %lld (%s) not sent: %s", job->message,
			      job->message_id, detail);
	int rc = event_alone(d->s, "decline-failed", job->application, det, err);
	free(det);
	return rc;
}

/* Nothing was sent (login refused, no server, TLS): back to where the job
 * was. A stored withdrawal stays stored; the next run looks for it first. */
static int record_back(struct delivery *d, const struct delivery_job *job, const char *reply,
		       const char *detail, struct ct_err *err)
{
	if (job->kind == DELIVERY_APPLICATION)
		return app_status(d->s, job->application, "sending", "planned", -1, reply,
				  "send-aborted", detail, NULL, err);
	(void)reply;
	return event_alone(d->s, "decline-aborted", job->application, detail, err);
}

/* Sending. */

static int abort_error(struct delivery *d, const struct delivery_job *job,
		       const struct smtp_outcome *o, struct ct_err *err)
{
	if (o->result == SMTP_AUTH)
		return ct_fail(err, CT_EENV, "the SMTP server refused the login for mailbox %s: "
			       "wrong password in %s? (%s)", job->mailbox,
			       mailcfg_secrets_path(d->sec), o->reply);
	if (o->result == SMTP_TLS)
		return ct_fail(err, CT_EENV, "TLS with the SMTP server %s failed: %s (is [mail] "
			       "ca_file the CA that signed its certificate?)", d->mc->smtp_url,
			       o->reply);
	return ct_fail(err, CT_EENV, "cannot reach the SMTP server %s: %s", d->mc->smtp_url,
		       o->reply);
}

/* After a successful transaction (or one found delivered): filed in Sent
 * before 'sent' is committed. A crash between the two leaves the job in
 * flight, and recovery finds it in Sent; a crash before the filing finds
 * the self copy and files it then. So the Sent folder holds every sent
 * message exactly once. A failed filing is told, not fatal: it went out. */
static void file_after_send(struct delivery *d, struct account *a, const struct delivery_job *job,
			    struct delivery_outcome *out)
{
	struct ct_err fe = { 0 };
	if (file_in_sent(d, a, job->raw, job->len, &fe)) {
		out->not_filed = 1;
		snprintf(out->file_error, sizeof(out->file_error), "%s", fe.msg);
		tell(d, DELIVERY_STEP_NOT_FILED, job, out);
	}
}

int delivery_send(struct delivery *d, struct delivery_job *job, struct delivery_outcome *out,
		  struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!job->raw || !job->len || !job->message_id || !job->to || !*job->to)
		return ct_fail(err, CT_EINPUT, "application %lld: nothing to send (no stored message "
			       "or no recipient)", job->application);
	if (!d->mc->smtp_url)
		return mailcfg_require(d->mc, "smtp_url", err);
	struct account *acc = account_get(d, job->mailbox);
	/* The password and the connection are checked before the job leaves
	 * its resting state: a missing password changes nothing. */
	int rc = account_smtp(d, acc, err);
	if (rc)
		return rc;
	/* At least min_interval_seconds from the start of one message's
	 * transaction to the next, on the monotonic clock (whole seconds of
	 * time() would let two messages go out barely one second apart). */
	if (d->mc->min_interval_seconds && d->last_send_ms) {
		long long wait = d->last_send_ms + 1000LL * d->mc->min_interval_seconds - monotonic_ms();
		if (wait > 0)
			sleep_ms((long)wait);
	}
	const char *rcpt[2] = { job->to, job->mailbox };
	size_t nrcpt = str_eq_ci(job->to, job->mailbox) ? 1 : 2;
	struct smtp_outcome o;
	int taken;
	for (int attempt = 1;; attempt++) {
		if ((rc = record_taken(d, job, attempt, &taken, err)))
			return rc;
		if (!taken) {
			out->result = DELIVERY_TAKEN;
			return CT_OK;
		}
		d->last_send_ms = monotonic_ms();
		smtp_send(acc->smtp, job->mailbox, rcpt, nrcpt, job->raw, job->len, &o);
		/* The reply goes into the event log and last_error: no
		 * landlord's address there. */
		mail_redact_addresses(o.reply);
		out->attempts = attempt;
		if (o.result != SMTP_TEMP)
			break;
		/* A failure after the body went out may hide a delivery (the
		 * 250 lost): the self copy tells. */
		if (o.phase == SMTP_PHASE_DATA) {
			int where = 0;
			if ((rc = locate(d, acc, job->message_id, &where, err)))
				return rc;
			if (where) {
				o.result = SMTP_OK;
				snprintf(o.reply, sizeof(o.reply),
					 "delivered although the server's answer was lost");
				break;
			}
		}
		if (attempt > d->mc->retries)
			break;
		snprintf(out->reply, sizeof(out->reply), "%s", o.reply);
		/* A failure to record a retry is not worth stopping for: the
		 * final outcome is recorded below. */
		struct ct_err ignored = { 0 };
		record_tempfail(d, job, attempt, o.reply, &ignored);
		tell(d, DELIVERY_STEP_RETRY, job, out);
		sleep_ms(mail_backoff_ms(attempt));
	}
	snprintf(out->reply, sizeof(out->reply), "%s", o.reply);
	char *detail = xasprintf("%s: %s", smtp_result_name(o.result), o.reply);
	switch (o.result) {
	case SMTP_OK:
		file_after_send(d, acc, job, out);
		rc = record_sent(d, job, "sent", o.reply, "sent", err);
		out->result = DELIVERY_SENT;
		break;
	case SMTP_REJECT_RCPT:
		rc = record_failed(d, job, 1, o.reply, detail, err);
		out->result = DELIVERY_BOUNCED;
		break;
	case SMTP_TEMP:
	case SMTP_PERM:
		rc = record_failed(d, job, 0, o.reply, detail, err);
		out->result = DELIVERY_FAILED;
		break;
	case SMTP_AUTH:
	case SMTP_TLS:
	case SMTP_CONNECT: {
		/* Nothing left: put back, and the run stops. */
		struct ct_err ignored = { 0 };
		record_back(d, job, o.reply, detail, &ignored);
		free(detail);
		return abort_error(d, job, &o, err);
	}
	}
	free(detail);
	if (!rc)
		tell(d, DELIVERY_STEP_DONE, job, out);
	return rc;
}

int delivery_recover(struct delivery *d, struct delivery_job *job, struct delivery_outcome *out,
		     struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	struct account *a = account_get(d, job->mailbox);
	int where = 0, rc = CT_OK;
	/* Never composed (no bytes, no Message-ID): it cannot have left. */
	if (job->raw && job->message_id && (rc = locate(d, a, job->message_id, &where, err)))
		return rc;
	if (where == 2 && (rc = file_in_sent(d, a, job->raw, job->len, err)))
		return rc;
	const char *sent = d->mc->sent_folder;
	if (where) {
		char *detail = xasprintf(where == 1 ? "found in %s after an interrupted run"
					 : "the self copy was found in INBOX after an "
					   "interrupted run; filed in %s",
					 sent);
		rc = record_sent(d, job, "send-recovered", detail,
				 where == 1 ? "found in the Sent folder (sent by an earlier run)"
					    : "found in the INBOX (the self copy; sent by an earlier run)",
				 err);
		free(detail);
		out->result = DELIVERY_FOUND;
	} else {
		if (job->kind == DELIVERY_APPLICATION) {
			char *detail = xasprintf("not found in %s nor INBOX after an interrupted run: "
						 "the server never accepted it; planned again", sent);
			rc = app_status(d->s, job->application, "sending", "planned", 0, NULL,
					"send-requeued", detail, NULL, err);
			free(detail);
		}
		out->result = DELIVERY_NOT_FOUND;
	}
	if (!rc)
		tell(d, DELIVERY_STEP_DONE, job, out);
	return rc;
}
