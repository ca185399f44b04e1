/* facts.c: the study facts of facts.h. */
#include <stdlib.h>
#include <string.h>

#include "analysis/facts.h"
#include "base/banned.h"

static char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? xstrdup(v) : NULL;
}

/* Runs one query expected to give one row and hands it to fill. */
static int one_row(struct study *s, const char *sql, struct study_facts *f,
		   void (*fill)(sqlite3_stmt *, struct study_facts *), struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		fill(st, f);
	sqlite3_finalize(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? CT_OK
							: study_db_error(s, err, "reading the study");
}

static void fill_study(sqlite3_stmt *st, struct study_facts *f)
{
	f->name = col(st, 0);
	f->market = col(st, 1);
	f->city = col(st, 2);
	f->lang = col(st, 3);
	f->seed = col(st, 4);
	f->design_hash = col(st, 5);
	f->created_at = col(st, 6);
}

static void fill_listings(sqlite3_stmt *st, struct study_facts *f)
{
	f->listings = (long)sqlite3_column_int64(st, 0);
	f->withdrawn = (long)sqlite3_column_int64(st, 1);
	f->not_assigned = (long)sqlite3_column_int64(st, 2);
}

static void fill_apps(sqlite3_stmt *st, struct study_facts *f)
{
	f->applications = (long)sqlite3_column_int64(st, 0);
	f->sent = (long)sqlite3_column_int64(st, 1);
	f->first_sent = col(st, 2);
	f->last_sent = col(st, 3);
}

static void fill_replies(sqlite3_stmt *st, struct study_facts *f)
{
	f->first_reply = col(st, 0);
	f->last_reply = col(st, 1);
}

static void fill_events(sqlite3_stmt *st, struct study_facts *f)
{
	f->events = (long)sqlite3_column_int64(st, 0);
	f->event_head = col(st, 1);
}

int study_facts_read(struct study *s, struct study_facts **out, struct ct_err *err)
{
	struct study_facts *f = xcalloc(1, sizeof(*f));
	*out = NULL;
	int rc;
	/* The flow, the fielding dates and the channels are the pairs' (the main
	 * kind): follow-ups and re-tests never change a report's figures. */
	if ((rc = one_row(s, "SELECT name, market, city, lang, seed, design_hash, created_at FROM "
			     "study WHERE id = 1",
			  f, fill_study, err)) ||
	    (rc = one_row(s, "SELECT count(*), coalesce(sum(status = 'withdrawn'), 0), "
			     "coalesce(sum(NOT EXISTS (SELECT 1 FROM application a WHERE a.listing = "
			     "l.id AND a.kind = 'main')), 0) FROM listing l",
			  f, fill_listings, err)) ||
	    (rc = one_row(s, "SELECT count(*), coalesce(sum(status = 'sent'), 0), "
			     "min(CASE WHEN status = 'sent' THEN sent_at END), "
			     "max(CASE WHEN status = 'sent' THEN sent_at END) FROM application "
			     "WHERE kind = 'main'",
			  f, fill_apps, err)) ||
	    (rc = one_row(s, "SELECT min(at), max(at) FROM response WHERE outcome <> 'no_reply' AND "
			     "application IN (SELECT id FROM application WHERE kind = 'main')", f,
			  fill_replies, err)) ||
	    (rc = one_row(s, "SELECT (SELECT count(*) FROM event), (SELECT hash FROM event ORDER BY "
			     "id DESC LIMIT 1)",
			  f, fill_events, err)))
		goto fail;
	f->design_hash_from = "assign";
	if (!f->design_hash && s->ini_sha256) {
		f->design_hash = xstrdup(s->ini_sha256);
		f->design_hash_from = "study.ini";
	}
	sqlite3_stmt *st;
	if ((rc = study_prepare(s,
				"SELECT coalesce(sent_via, channel, 'unknown'), count(*) FROM application "
				"WHERE status = 'sent' AND kind = 'main' GROUP BY 1 ORDER BY 2 DESC, 1",
				&st, err)))
		goto fail;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		f->channels = xrealloc(f->channels, (size_t)(f->nchannels + 1) * sizeof(*f->channels));
		f->channels[f->nchannels++] =
			(struct facts_channel){ col(st, 0), (long)sqlite3_column_int64(st, 1) };
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading the channels");
		goto fail;
	}
	*out = f;
	return CT_OK;
fail:
	study_facts_free(f);
	return rc;
}

int study_facts_events_as_of(struct study *s, struct study_facts *f, long n, struct ct_err *err)
{
	if (n > f->events)
		return ct_fail(err, CT_EINPUT, "the event log holds %ld events, not %ld", f->events, n);
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT hash FROM event ORDER BY id LIMIT 1 OFFSET ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, n - 1);
	if (sqlite3_step(st) == SQLITE_ROW) {
		free(f->event_head);
		f->event_head = col(st, 0);
		f->events = n;
	} else {
		rc = study_db_error(s, err, "reading the event log");
	}
	sqlite3_finalize(st);
	return rc;
}

void study_facts_free(struct study_facts *f)
{
	if (!f)
		return;
	char **strs[] = { &f->name,	    &f->market,	    &f->city,	    &f->lang,
			  &f->seed,	    &f->created_at, &f->design_hash, &f->first_sent,
			  &f->last_sent,    &f->first_reply, &f->last_reply, &f->event_head };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	for (int i = 0; i < f->nchannels; i++)
		free(f->channels[i].channel);
	free(f->channels);
	free(f);
}
