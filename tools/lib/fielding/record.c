/* record.c: recording sends made by hand and applications skipped in the
 * field (see record.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fielding/record.h"
#include "fielding/channel.h"
#include "analysis/simulate.h"
#include "io/csv.h"
#include "base/banned.h"

void field_done_free(struct field_done *d)
{
	app_info_free(&d->app);
	free(d->channel);
	free(d->via);
	free(d->cancelled);
	memset(d, 0, sizeof(*d));
}

const char *field_text_problem(const char *s, size_t max)
{
	const char *why;
	if (!*s)
		return "is empty";
	if (strlen(s) > max)
		return max > 100 ? "is longer than 500 bytes" : "is longer than 100 bytes";
	if (!text_ok(s, strlen(s), &why, NULL, NULL))
		return why;
	return NULL;
}

/* What recording needs to know of an application beyond app_info. */
struct app_state {
	int64_t listing;
	char *status, *sched, *channel, *lstatus, *sent_at, *sent_via, *cancel_reason;
};

static void state_free(struct app_state *st)
{
	free(st->status), free(st->sched), free(st->channel), free(st->lstatus);
	free(st->sent_at), free(st->sent_via), free(st->cancel_reason);
	memset(st, 0, sizeof(*st));
}

static int state_load(struct study *s, int64_t app, struct app_state *out, struct ct_err *err)
{
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	int rc = study_prepare(s,
			       "SELECT a.listing, a.status, a.scheduled_at, a.channel, l.channel, l.status,"
			       " a.sent_at, a.sent_via, a.cancel_reason"
			       " FROM application a JOIN listing l ON l.id = a.listing WHERE a.id = ?",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->listing = sqlite3_column_int64(st, 0);
		out->status = study_column_dup(st, 1, "");
		out->sched = study_column_dup(st, 2, NULL);
		const char *ach = (const char *)sqlite3_column_text(st, 3);
		const char *lch = (const char *)sqlite3_column_text(st, 4);
		out->channel = xstrdup(fielding_channel_effective(s->design, ach, lch));
		out->lstatus = study_column_dup(st, 5, "");
		out->sent_at = study_column_dup(st, 6, NULL);
		out->sent_via = study_column_dup(st, 7, NULL);
		out->cancel_reason = study_column_dup(st, 8, NULL);
	} else {
		rc = r == SQLITE_DONE ? ct_fail(err, CT_EINPUT, "no application %lld", (long long)app)
				      : study_db_error(s, err, "reading an application");
	}
	sqlite3_finalize(st);
	return rc;
}

/* A status an application cannot be recorded from, said in words. */
static int not_planned(const struct app_state *st, int64_t app, const char *what,
		       struct ct_err *err)
{
	if (!strcmp(st->status, "sent"))
		return ct_fail(err, CT_EINPUT, "application %lld was already recorded as sent (%s); %s",
			       (long long)app, st->sent_at ? st->sent_at : "time unknown", what);
	if (!strcmp(st->status, "cancelled"))
		return ct_fail(err, CT_EINPUT, "application %lld is cancelled (%s); %s", (long long)app,
			       st->cancel_reason ? st->cancel_reason : "no reason recorded", what);
	return ct_fail(err, CT_EINPUT, "application %lld is %s, not planned; %s", (long long)app,
		       st->status, what);
}

/* The first instant of the study's start day, in its zone. */
static time_t study_start(const struct study *s)
{
	int y, m, d;
	if (!s->design->start || !date_parse_prefix(s->design->start, &y, &m, &d))
		return 0;
	return time_from_local(s->design->timezone, y, m, d, 0, 0);
}

/* Records one send inside the caller's transaction. *unchanged (when not
 * NULL) accepts an application already recorded with the same time and
 * channel, and says so, instead of refusing it. */
static int sent_one(struct study *s, int64_t app, time_t at, const char *via, const char *by,
		    int *unchanged, struct field_done *out, struct ct_err *err)
{
	struct app_state st;
	char iso[ISO_LEN], local[40];
	time_iso_utc(at, iso);
	int rc = state_load(s, app, &st, err);
	if (rc)
		return rc;
	const char *how = via ? via : st.channel;
	if (unchanged)
		*unchanged = 0;
	if (at > time_now() + FIELD_FUTURE_SLACK) {
		time_iso_local(at, s->design->timezone, local);
		rc = ct_fail(err, CT_EINPUT, "the send time %.10s %.5s (%s) is in the future", local, local + 11,
			     s->design->timezone);
	} else if (at < study_start(s)) {
		time_iso_local(at, s->design->timezone, local);
		rc = ct_fail(err, CT_EINPUT, "the send time %.10s %.5s is before the study's start (%s)",
			     local, local + 11, s->design->start);
	} else if (unchanged && !strcmp(st.status, "sent") && st.sent_at &&
		   !strcmp(st.sent_at, iso) && st.sent_via && !strcmp(st.sent_via, how)) {
		*unchanged = 1;
	} else if (strcmp(st.status, "planned")) {
		rc = not_planned(&st, app, "only a planned application is recorded as sent", err);
	} else if (!strcmp(st.lstatus, "withdrawn")) {
		rc = ct_fail(err, CT_EINPUT, "application %lld: its listing was withdrawn",
			     (long long)app);
	}
	if (!rc && !(unchanged && *unchanged)) {
		sqlite3_stmt *up;
		rc = study_prepare(s,
				   "UPDATE application SET status = 'sent', sent_at = ?2, channel = ?3,"
				   " sent_via = ?4, recorded_by = ?5 WHERE id = ?1 AND status = 'planned'",
				   &up, err);
		if (!rc) {
			sqlite3_bind_int64(up, 1, app);
			sqlite3_bind_text(up, 2, iso, -1, SQLITE_STATIC);
			sqlite3_bind_text(up, 3, st.channel, -1, SQLITE_STATIC);
			sqlite3_bind_text(up, 4, how, -1, SQLITE_STATIC);
			sqlite3_bind_text(up, 5, by, -1, SQLITE_STATIC);
			rc = study_step_done(s, up, err, "recording a send");
			sqlite3_finalize(up);
		}
	}
	if (!rc && out) {
		out->channel = xstrdup(st.channel);
		out->via = xstrdup(how);
		memcpy(out->sent_at, iso, sizeof(iso));
	}
	state_free(&st);
	return rc;
}

/* Cancels app and its listing's other planned applications inside the
 * caller's transaction; *unchanged as for sent_one (cancelled already, for
 * the same reason). */
static int skip_one(struct study *s, int64_t app, const char *reason, const char *by,
		    int *unchanged, struct field_done *out, struct ct_err *err)
{
	struct app_state st;
	int rc = state_load(s, app, &st, err);
	if (rc)
		return rc;
	if (unchanged)
		*unchanged = 0;
	if (unchanged && !strcmp(st.status, "cancelled") && st.cancel_reason &&
	    !strcmp(st.cancel_reason, reason)) {
		*unchanged = 1;
		state_free(&st);
		return CT_OK;
	}
	if (strcmp(st.status, "planned")) {
		rc = not_planned(&st, app, "only a planned application is skipped", err);
		state_free(&st);
		return rc;
	}
	sqlite3_stmt *q = NULL, *up = NULL;
	/* Skipping one side of a pair cancels its pair (main or re-test); a
	 * follow-up has no pair and is skipped alone. */
	rc = study_prepare(s, "SELECT id, status FROM application WHERE listing = ?1 AND kind = "
			      "(SELECT kind FROM application WHERE id = ?2) AND (kind <> 'followup' OR "
			      "id = ?2) ORDER BY id = ?2 DESC, id", &q, err);
	if (!rc)
		rc = study_prepare(s,
				   "UPDATE application SET status = 'cancelled', cancel_reason = ?2,"
				   " recorded_by = ?3 WHERE id = ?1 AND status = 'planned'",
				   &up, err);
	if (!rc) {
		sqlite3_bind_int64(q, 1, st.listing);
		sqlite3_bind_int64(q, 2, app);
		int r = SQLITE_DONE;
		while (!rc && (r = sqlite3_step(q)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(q, 0);
			const char *status = (const char *)sqlite3_column_text(q, 1);
			if (strcmp(status, "planned")) {
				if (out && !strcmp(status, "sent") && !out->partner_sent)
					out->partner_sent = id;
				continue;
			}
			sqlite3_reset(up);
			sqlite3_bind_int64(up, 1, id);
			sqlite3_bind_text(up, 2, reason, -1, SQLITE_STATIC);
			sqlite3_bind_text(up, 3, by, -1, SQLITE_STATIC);
			if ((rc = study_step_done(s, up, err, "cancelling an application")))
				break;
			if (out) {
				out->cancelled = xrealloc(out->cancelled, (size_t)(out->ncancelled + 1) *
									  sizeof(*out->cancelled));
				out->cancelled[out->ncancelled++] = id;
			}
		}
		/* Reading on after the updates began is fine: they change no
		 * column the SELECT orders or filters by. A read that fails ends
		 * the skip: half a pair is never cancelled. */
		if (!rc && r != SQLITE_DONE)
			rc = study_db_error(s, err, "reading the listing's applications");
	}
	sqlite3_finalize(q);
	sqlite3_finalize(up);
	state_free(&st);
	return rc;
}

int field_sent(struct study *s, const struct app_ref *r, time_t at, const char *via,
	       const char *by, struct field_done *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!by)
		by = study_actor();
	/* A real send must not mix with made-up ones (simulate --undo first). */
	int rc = simulate_guard(s, "field sent", err);
	if (rc || (rc = study_begin(s, err)))
		return rc;
	rc = app_by_ref(s, r, &out->app, err);
	if (!rc)
		rc = sent_one(s, out->app.id, at, via, by, NULL, out, err);
	if (!rc) {
		char *subject = xasprintf("application %lld", (long long)out->app.id);
		char *detail = xasprintf("sent_at=%s channel=%s via=%s by=%s", out->sent_at,
					 out->channel, out->via, by);
		rc = study_event(s, "field sent", subject, detail, err);
		free(subject);
		free(detail);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		field_done_free(out);
	}
	return rc;
}

int field_skip(struct study *s, const struct app_ref *r, const char *reason, const char *by,
	       struct field_done *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!by)
		by = study_actor();
	int rc = simulate_guard(s, "field skip", err);
	if (rc || (rc = study_begin(s, err)))
		return rc;
	rc = app_by_ref(s, r, &out->app, err);
	if (!rc)
		rc = skip_one(s, out->app.id, reason, by, NULL, out, err);
	if (!rc) {
		struct strbuf d = STRBUF_INIT;
		sb_addf(&d, "cancelled=");
		for (int i = 0; i < out->ncancelled; i++)
			sb_addf(&d, "%s%lld", i ? "," : "", (long long)out->cancelled[i]);
		sb_addf(&d, " by=%s reason=%s", by, reason);
		char *subject = xasprintf("application %lld", (long long)out->app.id);
		rc = study_event(s, "field skip", subject, sb_str(&d), err);
		free(subject);
		sb_free(&d);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		field_done_free(out);
	}
	return rc;
}

/* ---- field import ---- */

/* The applications a file names, and the line that named each first. */
struct seen {
	int64_t *id;
	int *line;
	int n, cap;
};

static int seen_line(const struct seen *sn, int64_t id)
{
	for (int i = 0; i < sn->n; i++)
		if (sn->id[i] == id)
			return sn->line[i];
	return 0;
}

static void seen_add(struct seen *sn, int64_t id, int line)
{
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? 2 * sn->cap : 64;
		sn->id = xrealloc(sn->id, (size_t)sn->cap * sizeof(*sn->id));
		sn->line = xrealloc(sn->line, (size_t)sn->cap * sizeof(*sn->line));
	}
	sn->id[sn->n] = id;
	sn->line[sn->n++] = line;
}

/* At most this many problems are listed: enough to fix a file in one pass. */
#define IMPORT_MAX_PROBLEMS 100

/* One record of the file: checked, then recorded inside the transaction.
 * A problem goes to probs (and the row is not recorded). */
static int import_row(struct study *s, const struct csv_reader *rd, struct csv_record *rec,
		      const int *col, const char *default_by, struct seen *sn,
		      struct field_import_result *res, struct tpl_problems *probs,
		      struct ct_err *err)
{
	enum { C_APP, C_SENT, C_VIA, C_BY, C_SKIP };
	static const char *const names[] = { "application", "sent_at", "via", "by", "skip_reason" };
	const char *v[5];
	char shortv[CSV_SHORT];
	int nprobs = probs->n;
	for (int k = 0; k < 5; k++) {
		v[k] = col[k] >= 0 ? str_trim(rec->field[col[k]]) : "";
	}
	/* The worklist's text cells span several lines, so a physical line is
	 * not the row a spreadsheet shows (the header is its row 1): name the
	 * row as well when the two differ. */
	long row = res->rows + 1;
#define PROB(k, ...)                                                                          \
	do {                                                                                  \
		char *m_ = xasprintf(__VA_ARGS__);                                            \
		int l_ = col[k] >= 0 ? rec->line[col[k]] : rec->start_line;                   \
		char r_[48] = "";                                                             \
		if (l_ != row)                                                                \
			snprintf(r_, sizeof(r_), " (spreadsheet row %ld)", row);              \
		tpl_problems_add(probs, "%s:%d: column %s: %s%s", rd->path, l_, names[k], m_, \
				 r_);                                                         \
		free(m_);                                                                     \
	} while (0)
	if (!*v[C_SENT] && !*v[C_SKIP]) {
		res->ignored++;
		return CT_OK;
	}
	struct app_ref ar;
	struct app_info ai = { 0 };
	time_t at = 0;
	const char *via = NULL, *by = default_by, *why;
	if (*v[C_SENT] && *v[C_SKIP])
		PROB(C_SKIP, "a row is either sent (sent_at) or skipped (skip_reason), not both");
	if (!app_ref_parse(v[C_APP], &ar))
		PROB(C_APP, "'%s' is not an application id", csv_short(v[C_APP], shortv, sizeof(shortv)));
	else {
		struct ct_err e = { 0 };
		int rc = app_by_ref(s, &ar, &ai, &e);
		if (rc == CT_EINPUT)
			PROB(C_APP, "%s", e.msg);
		else if (rc) {
			app_ref_free(&ar);
			*err = e;
			return rc;
		}
	}
	app_ref_free(&ar);
	if (ai.id) {
		int first = seen_line(sn, ai.id);
		if (first)
			PROB(C_APP, "application %lld is also on line %d", (long long)ai.id, first);
		else
			seen_add(sn, ai.id, rec->start_line);
	}
	if (*v[C_SENT] && (strlen(v[C_SENT]) <= 10 ||
			   !outcome_parse_time(v[C_SENT], s->design->timezone, &at)))
		PROB(C_SENT, "'%s' is not a time: write 2026-12-08 14:30 (%s), or with an offset, "
			     "2026-12-08T14:30+01:00",
		     csv_short(v[C_SENT], shortv, sizeof(shortv)), s->design->timezone);
	if (*v[C_VIA] && !(via = fielding_channel_parse(v[C_VIA])))
		PROB(C_VIA, "'%s' is not a channel: %s", csv_short(v[C_VIA], shortv, sizeof(shortv)),
		     fielding_channel_list());
	if (*v[C_BY]) {
		if ((why = field_text_problem(v[C_BY], 100)))
			PROB(C_BY, "the name %s", why);
		else
			by = v[C_BY];
	}
	if (*v[C_SKIP] && (why = field_text_problem(v[C_SKIP], 500)))
		PROB(C_SKIP, "the reason %s", why);
	if (probs->n > nprobs || !ai.id) {
		app_info_free(&ai);
		return CT_OK;
	}
	/* The row reads well: record it (checks that need the study). */
	struct ct_err e = { 0 };
	int unchanged = 0, rc;
	struct field_done d = { 0 };
	if (*v[C_SENT])
		rc = sent_one(s, ai.id, at, via, by, &unchanged, NULL, &e);
	else
		rc = skip_one(s, ai.id, v[C_SKIP], by, &unchanged, &d, &e);
	if (rc == CT_EINPUT)
		PROB(*v[C_SENT] ? C_SENT : C_SKIP, "%s", e.msg);
	else if (rc)
		*err = e;
	else if (unchanged)
		res->unchanged++;
	else if (*v[C_SENT])
		res->sent++;
	else {
		res->skipped++;
		res->cancelled += d.ncancelled;
	}
#undef PROB
	field_done_free(&d);
	app_info_free(&ai);
	return rc == CT_EINPUT ? CT_OK : rc;
}

int field_import(struct study *s, const char *path, const char *default_by,
		 struct field_import_result *res, struct tpl_problems *probs, struct ct_err *err)
{
	static const char *const want[] = { "application", "sent_at", "via", "by", "skip_reason" };
	struct csv_reader rd;
	struct csv_record rec = { 0 };
	struct seen sn = { 0 };
	int col[5], got = 0, rc;
	memset(res, 0, sizeof(*res));
	if (!default_by)
		default_by = study_actor();
	if ((rc = simulate_guard(s, "field import", err)))
		return rc;
	if ((rc = csv_reader_open_file(&rd, path, err)))
		goto out_close;
	for (int k = 0; k < 5; k++)
		col[k] = csv_reader_col(&rd, want[k]);
	if (col[0] < 0 || col[1] < 0 || col[4] < 0) {
		rc = ct_fail(err, CT_EINPUT,
			     "%s: the columns application, sent_at and skip_reason are required (the "
			     "file 'corrtest field list --csv' writes)",
			     path);
		goto out_close;
	}
	if ((rc = study_begin(s, err)))
		goto out_close;
	while (!(rc = csv_next(&rd, &rec, &got, err)) && got) {
		res->rows++;
		if ((rc = import_row(s, &rd, &rec, col, default_by, &sn, res, probs, err)))
			break;
		if (probs->n >= IMPORT_MAX_PROBLEMS) {
			tpl_problems_add(probs, "%s: stopped after %d problems", path, probs->n);
			break;
		}
	}
	if (!rc && probs->n)
		rc = CT_EINPUT;
	if (!rc && (res->sent || res->skipped)) {
		char *detail = xasprintf("sent=%ld skipped=%ld cancelled=%ld unchanged=%ld ignored=%ld",
					 res->sent, res->skipped, res->cancelled, res->unchanged,
					 res->ignored);
		/* The file's name as given: only plain text goes into the log. */
		size_t pl = strlen(path);
		rc = study_event(s, "field import",
				 text_ok(path, pl, NULL, NULL, NULL) ? path : "(a file name with "
									    "control characters)",
				 detail, err);
		free(detail);
		if (!rc)
			rc = study_commit(s, err);
	}
	if (rc || !(res->sent || res->skipped))
		study_rollback(s);
	if (rc && probs->n)
		ct_fail(err, CT_EINPUT, "%s: %d problem%s; nothing was recorded", path, probs->n,
			probs->n == 1 ? "" : "s");
out_close:
	csv_record_free(&rec);
	csv_reader_close(&rd);
	free(sn.id);
	free(sn.line);
	return rc;
}
