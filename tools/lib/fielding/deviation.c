/* deviation.c: departures from the plan in the field (see deviation.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fielding/deviation.h"
#include "fielding/channel.h"
#include "base/timeutil.h"
#include "base/banned.h"

static const char *const keys[DEVIATION_N] = { "sent_late", "out_of_order", "other_channel" };
static const char *const texts[DEVIATION_N] = {
	"sent late (over 2 hours after the planned time and after that day's sending hours)",
	"sent before the pair's first application",
	"sent by another channel than planned",
};

const char *deviation_key(int k)
{
	return k >= 0 && k < DEVIATION_N ? keys[k] : "?";
}

const char *deviation_text(int k)
{
	return k >= 0 && k < DEVIATION_N ? texts[k] : "?";
}

void deviations_free(struct deviation *d, int n)
{
	for (int i = 0; i < n; i++) {
		free(d[i].ref), free(d[i].grp), free(d[i].gender);
		free(d[i].planned), free(d[i].actual);
	}
	free(d);
}

/* One application as the checks see it. */
struct srow {
	int64_t app, listing;
	int position;
	char *ref, *grp, *gender, *status, *sched, *sent_at, *channel, *via;
};

static void srow_free(struct srow *r)
{
	free(r->ref), free(r->grp), free(r->gender), free(r->status), free(r->sched);
	free(r->sent_at), free(r->channel), free(r->via);
}

/* The end of the sending hours of t's local day. */
static time_t day_end(const struct design *d, time_t t)
{
	char local[40];
	int y, m, dd;
	time_iso_local(t, d->timezone, local);
	if (sscanf(local, "%d-%d-%d", &y, &m, &dd) != 3)
		return t;
	return time_from_local(d->timezone, y, m, dd, d->day_to / 60, d->day_to % 60);
}

static void add(struct deviation **out, int *n, const struct srow *r, int kind, const char *planned,
		const char *actual)
{
	*out = xrealloc(*out, (size_t)(*n + 1) * sizeof(**out));
	struct deviation *x = &(*out)[(*n)++];
	x->app = r->app;
	x->listing = r->listing;
	x->ref = xstrdup(r->ref);
	x->grp = xstrdup(r->grp);
	x->gender = xstrdup(r->gender);
	x->kind = kind;
	x->planned = planned ? xstrdup(planned) : NULL;
	x->actual = actual ? xstrdup(actual) : NULL;
}

int deviations_list(struct study *s, struct deviation **out, int *n, struct ct_err *err)
{
	/* A listing's applications come together, the first position first. */
	static const char sql[] =
		/* Deviations from the pairs' protocol (the main kind); a follow-up has
		 * no pair order to break. */
		"SELECT a.id, a.listing, a.position, l.ref, g.name, p.gender, a.status,"
		" a.scheduled_at, a.sent_at, a.channel, l.channel, a.sent_via"
		" FROM application a JOIN listing l ON l.id = a.listing"
		" JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp"
		" WHERE a.kind = 'main'"
		" ORDER BY a.listing, a.position IS NULL, a.position, a.id";
	sqlite3_stmt *st;
	struct srow *rows = NULL;
	int nrows = 0, rc = study_prepare(s, sql, &st, err);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rows = xrealloc(rows, (size_t)(nrows + 1) * sizeof(*rows));
		struct srow *r = &rows[nrows++];
		r->app = sqlite3_column_int64(st, 0);
		r->listing = sqlite3_column_int64(st, 1);
		r->position = sqlite3_column_int(st, 2);
		r->ref = study_column_dup(st, 3, "");
		r->grp = study_column_dup(st, 4, "");
		r->gender = study_column_dup(st, 5, "");
		r->status = study_column_dup(st, 6, "");
		r->sched = study_column_dup(st, 7, NULL);
		r->sent_at = study_column_dup(st, 8, NULL);
		r->channel = xstrdup(fielding_channel_effective(
			s->design, (const char *)sqlite3_column_text(st, 9),
			(const char *)sqlite3_column_text(st, 10)));
		r->via = study_column_dup(st, 11, NULL);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading the applications");
		goto out;
	}
	rc = CT_OK;
	for (int i = 0; i < nrows; i++) {
		struct srow *r = &rows[i];
		time_t sent, planned;
		if (strcmp(r->status, "sent") || !r->sent_at || !time_parse_iso(r->sent_at, &sent))
			continue;
		if (r->sched && time_parse_iso(r->sched, &planned)) {
			time_t limit = planned + DEVIATION_LATE_HOURS * 3600;
			time_t end = day_end(s->design, planned);
			if (end > limit)
				limit = end;
			if (sent > limit)
				add(out, n, r, DEVIATION_LATE, r->sched, r->sent_at);
		}
		if (r->position == 2) {
			/* The pair's first: the same listing's application in position 1. */
			const struct srow *f = NULL;
			for (int j = i - 1; j >= 0 && rows[j].listing == r->listing; j--)
				if (rows[j].position == 1)
					f = &rows[j];
			time_t fsent;
			int first_sent = f && !strcmp(f->status, "sent") && f->sent_at &&
					 time_parse_iso(f->sent_at, &fsent);
			if (f && (first_sent ? fsent > sent : !strcmp(f->status, "planned")))
				add(out, n, r, DEVIATION_ORDER, first_sent ? f->sent_at : NULL,
				    r->sent_at);
		}
		if (r->via && strcmp(r->via, r->channel))
			add(out, n, r, DEVIATION_CHANNEL, r->channel, r->via);
	}
out:
	for (int i = 0; i < nrows; i++)
		srow_free(&rows[i]);
	free(rows);
	if (rc) {
		deviations_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void field_summary_free(struct field_summary *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nreasons; i++)
		free(f->reason[i]);
	free(f->reason);
	free(f->cancelled);
	free(f->listings);
	free(f);
}

int field_summary_read(struct study *s, struct field_summary **out, struct ct_err *err)
{
	struct field_summary *f = xcalloc(1, sizeof(*f));
	struct deviation *d;
	int n;
	*out = NULL;
	int rc = deviations_list(s, &d, &n, err);
	if (rc) {
		free(f);
		return rc;
	}
	for (int i = 0; i < n; i++)
		f->deviations[d[i].kind]++;
	deviations_free(d, n);
	sqlite3_stmt *st;
	rc = study_prepare(s,
			   "SELECT cancel_reason, count(*), count(DISTINCT listing) FROM application"
			   " WHERE status = 'cancelled' AND cancel_reason IS NOT NULL AND kind = 'main'"
			   " GROUP BY cancel_reason ORDER BY count(*) DESC, cancel_reason",
			   &st, err);
	if (rc) {
		field_summary_free(f);
		return rc;
	}
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int k = f->nreasons++;
		f->reason = xrealloc(f->reason, (size_t)f->nreasons * sizeof(*f->reason));
		f->cancelled = xrealloc(f->cancelled, (size_t)f->nreasons * sizeof(*f->cancelled));
		f->listings = xrealloc(f->listings, (size_t)f->nreasons * sizeof(*f->listings));
		f->reason[k] = study_column_dup(st, 0, "");
		f->cancelled[k] = sqlite3_column_int64(st, 1);
		f->listings[k] = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		field_summary_free(f);
		return study_db_error(s, err, "reading cancelled applications");
	}
	*out = f;
	return CT_OK;
}
