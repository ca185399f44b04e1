/* sendrun.c: a `send --live` run (sendrun.h): the due applications, the
 * daily quota, the recovery of 'sending', composing what compose has not
 * (a pass's messages at once, stored in one transaction), and the
 * one-run-per-study lock; each message goes through the delivery engine. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "mail/sendrun.h"
#include "evidence/followup.h"
#include "fielding/channel.h"
#include "mail/reply.h"
#include "messages/compose.h"
#include "base/timeutil.h"
#include "base/banned.h"

struct run {
	struct study *s;
	const struct mailcfg *mc;
	const struct sendrun_opts *o;
	struct sendrun_summary *sum;
	struct delivery *d;
};

static void note(struct run *x, enum sendrun_note what, long long app, const char *detail,
		 time_t until)
{
	if (!x->o->cb)
		return;
	struct sendrun_progress p = { what, x->sum, app, detail, until };
	x->o->cb(x->o->cb_arg, &p);
}

/* The engine's word that a message was sent but not filed in Sent. */
static void on_delivery(void *arg, enum delivery_step step, const struct delivery_job *job,
			const struct delivery_outcome *out)
{
	struct run *x = arg;
	if (step == DELIVERY_STEP_NOT_FILED) {
		x->sum->not_filed++;
		note(x, SENDRUN_NOT_FILED, job->application, out->file_error, 0);
	}
}

static void sleep_s(time_t s)
{
	struct timespec ts = { s, 0 };
	while (s > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* One sending run per study at a time: recovery treats every 'sending'
 * application as left by a dead run, which is only true when no other run
 * is alive. The lock is on the study folder itself (flock works on a
 * directory), so no lock file is left behind; the kernel releases it when a
 * run dies, even by SIGKILL. */
static int take_lock(struct study *s, int *fd, struct ct_err *err)
{
	*fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return ct_fail(err, CT_EENV, "cannot open %s: %s", s->dir, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return ct_fail(err, CT_EENV, "another 'corrtest send --live' is running on the study "
			       "in %s", s->dir);
	}
	return CT_OK;
}

/* Resolves every application left in 'sending' by a run that died. */
static int recover_sending(struct run *x, struct ct_err *err)
{
	static const char sql[] =
		"SELECT a.id, a.message_id, p.email,"
		" (SELECT m.raw FROM message m WHERE m.application = a.id AND m.direction = 'out'"
		"  ORDER BY m.id DESC LIMIT 1)"
		" FROM application a JOIN persona p ON p.id = a.persona"
		" WHERE a.status = 'sending' ORDER BY a.id";
	sqlite3_stmt *st;
	struct rec {
		long long id;
		char *msgid, *email, *raw;
		size_t len;
	} *r = NULL;
	int n = 0, rc = study_prepare(x->s, sql, &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = xrealloc(r, (size_t)(n + 1) * sizeof(*r));
		struct rec *e = &r[n++];
		e->id = sqlite3_column_int64(st, 0);
		e->msgid = study_column_dup(st, 1, NULL);
		e->email = study_column_dup(st, 2, "");
		e->len = (size_t)sqlite3_column_bytes(st, 3);
		e->raw = e->len ? xstrndup(sqlite3_column_blob(st, 3), e->len) : NULL;
	}
	sqlite3_finalize(st);
	for (int i = 0; !rc && i < n; i++) {
		struct delivery_job job = { .kind = DELIVERY_APPLICATION, .application = r[i].id,
					    .mailbox = r[i].email, .message_id = r[i].msgid,
					    .raw = r[i].raw, .len = r[i].len };
		struct delivery_outcome out;
		if ((rc = delivery_recover(x->d, &job, &out, err)))
			break;
		if (out.result == DELIVERY_FOUND)
			x->sum->recovered++;
		else
			x->sum->requeued++;
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

long sendrun_count_planned(struct study *s)
{
	sqlite3_stmt *st;
	long n = 0;
	if (study_prepare(s, "SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing"
			     " WHERE a.status = 'planned' AND l.status != 'withdrawn'"
			     " AND coalesce(a.channel, l.channel, ?1) = 'smtp'", &st, NULL))
		return 0;
	sqlite3_bind_text(st, 1, fielding_channel_default(s->design), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The stored message of a (compose --outbox wrote it) is what goes out:
 * the envelope goes to the listing's contact as it is now, so the stored
 * message must name the same address, or the landlord would read a To:
 * that is not theirs. Only its header block is read. */
static int take_stored(struct compose_app *a, struct ct_err *err)
{
	struct reply *r = NULL;
	int same = reply_parse_headers(a->stored, a->stored_len, &r, err) == CT_OK && r->to_addr &&
		   str_eq_ci(r->to_addr, a->contact);
	reply_free(r);
	if (!same)
		return ct_fail(err, CT_EINPUT,
			       "application %lld: the contact e-mail of listing %s changed after its "
			       "message was composed; compose it again with 'corrtest compose "
			       "--outbox DIR --force'",
			       a->id, a->ref);
	a->raw = a->stored;
	a->len = a->stored_len;
	a->stored = NULL;
	a->reused = 1;
	return CT_OK;
}

/* Readies the messages of a pass's batch (apps[i] with skip == 0) before
 * anything is sent, the way compose --outbox does: the stored message
 * where compose has written one and its template has not changed since
 * (one that changed is composed again, counted in *rerendered when its
 * bytes differ), otherwise composed here with the
 * templates read once, and every new message stored with its Message-ID
 * in one transaction with one event. A message that cannot be readied
 * stops the run before any of the batch is sent. */
static int ready_batch(struct study *s, struct compose_app *apps, int n, long *rerendered,
		       struct ct_err *err)
{
	int nv = s->design->variants, rc = CT_OK, fresh = 0;
	struct template **t = xcalloc((size_t)compose_ntemplates(s->design), sizeof(*t));
	struct tpl_problems probs = { 0 };
	/* The templates are read first: a stored message whose template
	 * changed since it was composed is composed again (compose_stale). */
	compose_load_templates(s, t, &probs);
	/* The messages to build, up to the first application that cannot be
	 * sent (whose error is kept until the ones before it are built, so
	 * that the first problem in order is the one reported). */
	int *idx = xcalloc((size_t)n + 1, sizeof(int)), nidx = 0;
	struct ct_err stop = { 0 };
	int stop_rc = CT_OK;
	for (int i = 0; !stop_rc && i < n; i++) {
		struct compose_app *a = &apps[i];
		if (a->skip)
			continue;
		if ((rc = compose_load_cv(s, a, err)))
			break;
		if (!a->contact || !*a->contact)
			stop_rc = ct_fail(&stop, CT_EINPUT, "application %lld: listing %s has no "
					  "contact e-mail to send to", a->id, a->ref);
		else if (a->stored && a->msgid && !compose_stale(a, t, nv))
			stop_rc = take_stored(a, &stop);
		else
			idx[nidx++] = i;
	}
	if (nidx && probs.n)
		rc = ct_fail(err, CT_EINPUT, "%s (needed to compose application %lld%s)", probs.msg[0],
			     apps[idx[0]].id, nidx > 1 ? " and others" : "");
	if (!rc && nidx) {
		int *rcs = xcalloc((size_t)nidx, sizeof(int));
		struct ct_err *errs = xcalloc((size_t)nidx, sizeof(*errs));
		compose_build_many(s, t, apps, idx, nidx, rcs, errs);
		for (int k = 0; !rc && k < nidx; k++) {
			struct compose_app *a = &apps[idx[k]];
			if ((rc = rcs[k]))
				ct_fail(err, rc, "%s", errs[k].msg);
			else if (a->stored && a->stored_len == a->len &&
				 !memcmp(a->stored, a->raw, a->len))
				a->reused = 1; /* the same bytes as stored */
			else
				fresh++, *rerendered += a->stored != NULL;
		}
		free(rcs), free(errs);
	}
	free(idx);
	if (!rc && stop_rc)
		rc = ct_fail(err, stop_rc, "%s", stop.msg);
	if (!rc && fresh) {
		char *detail = xasprintf("%d message%s composed for sending", fresh,
					 fresh == 1 ? "" : "s");
		if (!(rc = study_begin(s, err))) {
			rc = compose_store(s, apps, n, err);
			if (!rc)
				rc = study_event(s, "compose", "send --live", detail, err);
			if (!rc)
				rc = study_commit(s, err);
			else
				study_rollback(s);
		}
		free(detail);
	}
	for (int i = 0; !rc && i < n; i++) {
		struct compose_app *a = &apps[i];
		if (!a->skip && a->new_msgid) {
			a->msgid = a->new_msgid;
			a->new_msgid = NULL;
		}
	}
	tpl_problems_free(&probs);
	compose_templates_free(t, compose_ntemplates(s->design));
	return rc;
}

/* Sends one application, its message readied. CT_OK when the run may go on
 * (whatever happened to this application); an error when it must stop. */
static int send_one(struct run *x, struct compose_app *a, struct ct_err *err)
{
	struct delivery_job job = { .kind = DELIVERY_APPLICATION, .application = a->id,
				    .mailbox = a->email, .to = a->contact, .message_id = a->msgid,
				    .raw = a->raw, .len = a->len };
	struct delivery_outcome out;
	int rc = delivery_send(x->d, &job, &out, err);
	if (rc)
		return rc;
	switch (out.result) {
	case DELIVERY_TAKEN: return CT_OK; /* another run took it */
	case DELIVERY_SENT: x->sum->sent++; break;
	case DELIVERY_BOUNCED: x->sum->bounced++; break;
	default: x->sum->failed++; break;
	}
	x->sum->done++;
	note(x, SENDRUN_PROGRESS, a->id, NULL, 0);
	return CT_OK;
}

/* One pass over what is due now: the applications due at its start, as
 * many as the limit and what is left of today's quota allow, readied as
 * one batch (ready_batch) and then sent one by one. *next: when the next
 * planned application becomes due (0 if none is planned), or when the
 * quota starts over. *again: the whole batch went (no limit or quota
 * stopped it), so applications that became due meanwhile may be sent by
 * another pass at once. */
static int send_due(struct run *x, long *nsent_total, time_t *next, int *again,
		    struct ct_err *err)
{
	struct compose_app *apps = NULL;
	/* A follow-up whose pair no longer differs is cancelled before the
	 * due ones are picked, each pass: it must not go out. */
	int n = 0, rc = followup_refresh(x->s, NULL, err);
	if (!rc)
		rc = compose_load_apps(x->s, 0, &apps, &n, err);
	time_t now = time_now();
	long limit = x->o->limit, today = 0;
	*next = 0;
	*again = 0;
	if (!rc)
		rc = sent_today(x->s, now, &today, err);
	if (rc) {
		compose_apps_free(apps, n);
		return rc;
	}
	/* The batch: due applications in schedule order, within the limit and
	 * today's quota; everything else is skipped in this pass. */
	long room = x->s->design->daily_quota - today;
	if (limit >= 0 && limit - *nsent_total < room)
		room = limit - *nsent_total;
	int due = 0, batch = 0;
	for (int i = 0; i < n; i++) {
		struct compose_app *a = &apps[i];
		time_t when;
		a->skip = 1;
		/* Only smtp goes out here; a person sends the other channels
		 * and records them (corrtest field). */
		if (fielding_channel_by_hand(a->channel))
			continue;
		if (!strcmp(a->lstatus, "withdrawn") || !a->sched || !time_parse_iso(a->sched, &when))
			continue;
		if (when > now) {
			if (!*next || when < *next)
				*next = when;
			continue;
		}
		due++;
		if (batch < room) {
			a->skip = 0;
			batch++;
		}
	}
	x->sum->total = x->sum->done + due;
	if (today >= x->s->design->daily_quota && due)
		*next = next_midnight(x->s, now);
	if (batch)
		rc = ready_batch(x->s, apps, n, &x->sum->rerendered, err);
	int stopped = 0;
	for (int i = 0; !rc && i < n; i++) {
		struct compose_app *a = &apps[i];
		if (a->skip)
			continue;
		if (limit >= 0 && *nsent_total >= limit) {
			stopped = 1;
			break;
		}
		/* The quota again before each message: the day may turn while the
		 * pass runs. */
		if ((rc = sent_today(x->s, time_now(), &today, err)))
			break;
		if (today >= x->s->design->daily_quota) {
			*next = next_midnight(x->s, time_now());
			stopped = 1;
			break;
		}
		rc = send_one(x, a, err);
		(*nsent_total)++;
	}
	*again = !rc && !stopped && batch && batch == due;
	compose_apps_free(apps, n);
	return rc;
}

int sendrun_live(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 const struct sendrun_opts *o, struct sendrun_summary *sum, struct ct_err *err)
{
	struct run x = { s, mc, o, sum, NULL };
	int fd = -1, rc;
	memset(sum, 0, sizeof(*sum));
	if ((rc = take_lock(s, &fd, err)))
		return rc;
	if ((rc = delivery_new(s, mc, sec, &x.d, err)))
		goto out;
	delivery_on_progress(x.d, on_delivery, &x);
	if ((rc = recover_sending(&x, err)))
		goto out;
	long nsent = 0;
	for (;;) {
		time_t next = 0;
		int again = 0;
		if ((rc = send_due(&x, &nsent, &next, &again, err)))
			break;
		/* What became due while a batch went is sent by the same run, as
		 * when each application's time was looked at just before sending. */
		if (again && next && next <= time_now())
			continue;
		if (!o->until_done || (o->limit >= 0 && nsent >= o->limit) || !next ||
		    !sendrun_count_planned(s))
			break;
		/* With a fixed clock (CORRTEST_NOW) time never comes: stop. */
		const char *fixed = getenv("CORRTEST_NOW");
		if (fixed && *fixed)
			break;
		time_t now = time_now();
		if (next > now) {
			note(&x, SENDRUN_WAITING, 0, NULL, next);
			sleep_s(next - now);
		}
	}
out:
	delivery_free(x.d);
	if (fd >= 0)
		close(fd); /* releases the lock */
	return rc;
}
