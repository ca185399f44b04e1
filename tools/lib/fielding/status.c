/* status.c: the figures of `corrtest status` (status.h), each one query on
 * the study. Times are stored as UTC ISO 8601 text of one width, so that
 * they compare as text against the bounds computed here in the study's
 * zone. */
#include <stdio.h>
#include <string.h>

#include "fielding/status.h"
#include "analysis/simulate.h"
#include "fielding/channel.h"
#include "assign/schedule.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char *const status_states[STATUS_NSTATES] = { "planned", "sending", "sent",
						    "bounced", "failed",  "cancelled" };

static int index_of(const char *const *list, int n, const char *v)
{
	for (int i = 0; v && i < n; i++)
		if (!strcmp(list[i], v))
			return i;
	return -1;
}

/* One count: sql with up to two text parameters. */
static int count(struct study *s, const char *sql, const char *a, const char *b, long *out,
		 struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return study_db_error(s, err, "counting for the status");
	}
	*out = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return CT_OK;
}

static int by_status_and_channel(struct study *s, struct status_report *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT coalesce(a.channel, l.channel, ?1), a.status, count(*), a.kind "
			       "FROM application a JOIN listing l ON l.id = a.listing GROUP BY 1, 2, 4",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, fielding_channel_default(s->design), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = index_of(fielding_channels, FIELDING_NCHANNELS,
				 (const char *)sqlite3_column_text(st, 0));
		int k = index_of(status_states, STATUS_NSTATES,
				 (const char *)sqlite3_column_text(st, 1));
		long n = (long)sqlite3_column_int64(st, 2);
		/* Follow-ups and re-tests are counted apart: the study's
		 * applications are its pairs (the main kind). */
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		if (kind && strcmp(kind, "main")) {
			if (k >= 0)
				(kind[0] == 'f' ? r->followups : r->retests)[k] += n;
			continue;
		}
		r->applications += n;
		if (k < 0)
			continue;
		r->by_status[k] += n;
		if (c >= 0)
			r->by_channel[c][k] += n;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "counting the applications");
	return CT_OK;
}

static int sent_per_day(struct study *s, long today, struct status_report *r, struct ct_err *err)
{
	const char *tz = s->design->timezone;
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT count(*) FROM application WHERE sent_at IS NOT NULL "
			       "AND sent_at >= ?1 AND sent_at < ?2",
			       &st, err);
	if (rc)
		return rc;
	for (int i = 0; i < STATUS_DAYS; i++) {
		long day = today - (STATUS_DAYS - 1) + i;
		char from[ISO_LEN], to[ISO_LEN];
		int y, m, d;
		civil_from_days(day, &y, &m, &d);
		snprintf(r->per_day[i].date, sizeof(r->per_day[i].date), "%04d-%02d-%02d", y, m, d);
		time_iso_utc(schedule_instant(tz, day, 0), from);
		time_iso_utc(schedule_instant(tz, day + 1, 0), to);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return study_db_error(s, err, "counting the sends per day");
		}
		r->per_day[i].sent = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return CT_OK;
}

int status_run(struct study *s, struct status_report *r, struct ct_err *err)
{
	const struct design *d = s->design;
	time_t now = time_now();
	long today;
	int minute, y, m, dd, rc;
	char now_iso[ISO_LEN], end_iso[ISO_LEN];
	schedule_local(d->timezone, now, &today, &minute);
	civil_from_days(today, &y, &m, &dd);
	snprintf(r->today, sizeof(r->today), "%04d-%02d-%02d", y, m, dd);
	snprintf(r->timezone, sizeof(r->timezone), "%s", d->timezone);
	time_iso_utc(now, now_iso);
	time_iso_utc(schedule_instant(d->timezone, today + 1, 0), end_iso);
	if ((rc = count(s, "SELECT count(*) FROM listing WHERE status = 'active'", NULL, NULL,
			&r->listings_active, err)) ||
	    (rc = count(s, "SELECT count(*) FROM listing WHERE status = 'withdrawn'", NULL, NULL,
			&r->listings_withdrawn, err)) ||
	    (rc = by_status_and_channel(s, r, err)) ||
	    (rc = count(s,
			"SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing "
			"WHERE a.status = 'planned' AND l.status = 'active' "
			"AND a.scheduled_at >= ?1 AND a.scheduled_at < ?2",
			now_iso, end_iso, &r->due_today, err)) ||
	    (rc = count(s,
			"SELECT count(*) FROM application a JOIN listing l ON l.id = a.listing "
			"WHERE a.status = 'planned' AND l.status = 'active' AND a.scheduled_at < ?1",
			now_iso, NULL, &r->overdue, err)) ||
	    (rc = count(s,
			"SELECT count(*) FROM message m WHERE m.direction = 'in' AND m.kind = 'reply' "
			"AND m.application IS NOT NULL AND m.duplicate_of IS NULL AND NOT EXISTS "
			"(SELECT 1 FROM response r WHERE r.application = m.application)",
			NULL, NULL, &r->replies_to_code, err)) ||
	    (rc = count(s,
			"SELECT count(*) FROM message WHERE direction = 'in' AND application IS NULL "
			"AND duplicate_of IS NULL",
			NULL, NULL, &r->unlinked, err)) ||
	    (rc = count(s,
			"SELECT count(*) FROM message WHERE direction = 'in' AND kind = 'bounce' "
			"AND duplicate_of IS NULL",
			NULL, NULL, &r->bounces, err)) ||
	    (rc = sent_per_day(s, today, r, err)))
		return rc;
	/* Simulated rows counted as simulate counts them. */
	struct simulate_held h;
	if ((rc = simulate_held(s, &h, err)))
		return rc;
	r->simulated_sends = h.applications;
	r->simulated_responses = h.responses;
	return preflight_run(s, &r->preflight, err);
}

void status_report_free(struct status_report *r)
{
	preflight_report_free(&r->preflight);
}
