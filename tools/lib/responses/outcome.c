/* outcome.c: outcome and channel names, user-typed times, and the
 * append-only response table (see outcome.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "responses/outcome.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char *const outcome_names[] = { "invitation", "info", "refusal", "other", "no_reply", NULL };
/* As the schema allows since version 4: a reply can come through a portal's
 * message box or a web mail account too. */
const char *const channel_names[] = { "email", "phone", "sms", "voicemail", "portal",
				      "webmail", "manual", NULL };

static const char *find_name(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (str_eq_ci(names[i], s))
			return names[i];
	return NULL;
}

const char *outcome_parse(const char *s)
{
	return find_name(outcome_names, s);
}

const char *channel_parse(const char *s)
{
	return find_name(channel_names, s);
}

const char *outcome_list(void)
{
	return "invitation, info, refusal, other or no_reply";
}

const char *channel_list(void)
{
	return "email, phone, sms, voicemail, portal, webmail or manual";
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int outcome_parse_time(const char *s, const char *tz, time_t *out)
{
	size_t n = strlen(s);
	int y, mo, d;
	if (n < 10 || !date_parse_prefix(s, &y, &mo, &d))
		return 0;
	if (n == 10) {
		*out = time_from_local(tz, y, mo, d, 0, 0);
		return 1;
	}
	/* With a zone (Z or an offset) the time is absolute. */
	if (time_parse_iso(s, out))
		return 1;
	/* Without one, it is the wall clock of the study's time zone. */
	if ((n != 16 && n != 19) || (s[10] != ' ' && s[10] != 'T') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2))
		return 0;
	int h = atoi(s + 11), mi = atoi(s + 14), sec = 0;
	if (n == 19) {
		if (s[16] != ':' || !digits(s + 17, 2))
			return 0;
		sec = atoi(s + 17);
	}
	if (h > 23 || mi > 59 || sec > 59)
		return 0;
	*out = time_from_local(tz, y, mo, d, h, mi) + sec;
	return 1;
}

int outcome_time_future(time_t t)
{
	return t > time_now() + 86400;
}

void app_info_free(struct app_info *a)
{
	free(a->ref);
	free(a->grp);
	free(a->gender);
	free(a->status);
	memset(a, 0, sizeof(*a));
}

#define APP_SELECT                                                                   \
	"SELECT a.id, a.listing, l.ref, g.name, p.gender, a.status FROM application a" \
	" JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona"       \
	" JOIN grp g ON g.id = p.grp "

static int app_fetch(struct study *s, sqlite3_stmt *st, struct app_info *a, int *found,
		     struct ct_err *err)
{
	int rc = CT_OK, r = sqlite3_step(st);
	*found = 0;
	memset(a, 0, sizeof(*a));
	if (r == SQLITE_ROW) {
		*found = 1;
		a->id = sqlite3_column_int64(st, 0);
		a->listing = sqlite3_column_int64(st, 1);
		a->ref = xstrdup((const char *)sqlite3_column_text(st, 2));
		a->grp = xstrdup((const char *)sqlite3_column_text(st, 3));
		a->gender = xstrdup((const char *)sqlite3_column_text(st, 4));
		a->status = xstrdup((const char *)sqlite3_column_text(st, 5));
	} else if (r != SQLITE_DONE) {
		rc = study_db_error(s, err, "looking up an application");
	}
	sqlite3_finalize(st);
	return rc;
}

int app_by_id(struct study *s, int64_t id, struct app_info *a, int *found, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, APP_SELECT "WHERE a.id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	return app_fetch(s, st, a, found, err);
}

int app_by_cell(struct study *s, const char *ref, const char *grp, const char *gender,
		struct app_info *a, int *found, struct ct_err *err)
{
	sqlite3_stmt *st;
	/* Refs that differ only in case name one listing (as in listings);
	 * an exact match comes first. */
	int rc = study_prepare(s,
			       APP_SELECT "WHERE l.ref = ?1 COLLATE NOCASE AND g.name = ?2 AND p.gender = ?3"
					  " ORDER BY l.ref = ?1 DESC, a.kind = 'main' DESC, a.id LIMIT 1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, grp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, gender, -1, SQLITE_TRANSIENT);
	return app_fetch(s, st, a, found, err);
}

int app_ref_parse(const char *app, struct app_ref *r)
{
	long v;
	memset(r, 0, sizeof(*r));
	if (!*app)
		return 0;
	if (strspn(app, "0123456789") == strlen(app)) {
		if (!parse_long(app, &v) || v < 1)
			return 0;
		r->id = v;
		return 1;
	}
	/* From the right: a listing ref may itself contain a colon. */
	const char *c2 = strrchr(app, ':');
	if (!c2 || c2 == app)
		return 0;
	const char *c1 = c2 - 1;
	while (c1 > app && *c1 != ':')
		c1--;
	if (*c1 != ':' || c1 == app || c1 + 1 == c2 || !c2[1])
		return 0;
	/* Group and gender in any case, as import takes them. */
	char *tail = xstrdup(c1 + 1);
	for (char *p = tail; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	int g = gender_parse(tail + (c2 - c1));
	if (g < 0) {
		free(tail);
		return 0;
	}
	r->ref = xstrndup(app, (size_t)(c1 - app));
	r->grp = xstrndup(tail, (size_t)(c2 - c1 - 1));
	r->gender = xstrdup(gender_name(g));
	free(tail);
	return 1;
}

void app_ref_free(struct app_ref *r)
{
	free(r->ref);
	free(r->grp);
	free(r->gender);
	memset(r, 0, sizeof(*r));
}

int app_by_ref(struct study *s, const struct app_ref *r, struct app_info *a, struct ct_err *err)
{
	int found = 0;
	int rc = r->id ? app_by_id(s, r->id, a, &found, err)
		       : app_by_cell(s, r->ref, r->grp, r->gender, a, &found, err);
	if (rc || found)
		return rc;
	if (r->id)
		return ct_fail(err, CT_EINPUT, "no application %lld in the study", (long long)r->id);
	return ct_fail(err, CT_EINPUT, "no application of listing '%s' for group %s, %s in the study",
		       r->ref, r->grp, r->gender);
}

int response_latest(struct study *s, int64_t app, char **outcome, char **channel,
		    struct ct_err *err)
{
	sqlite3_stmt *st;
	*outcome = *channel = NULL;
	int rc = study_prepare(s,
			       "SELECT outcome, channel FROM response WHERE application = ?"
			       " ORDER BY id DESC LIMIT 1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*outcome = study_column_dup(st, 0, "");
		*channel = study_column_dup(st, 1, "");
	} else if (r != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading a response");
	}
	sqlite3_finalize(st);
	return rc;
}

#define RESPONSE_COLUMNS \
	"INSERT INTO response (application, message, channel, outcome, coder, coded_at, at, note)" \
	" VALUES "
#define RESPONSE_VALUES "(?, NULL, ?, ?, ?, ?, ?, ?)"
enum { RESPONSE_PARAMS = 7 };

/* Binds row r as the k-th row of st. */
static void bind_row(struct response_writer *w, sqlite3_stmt *st, int k,
		     const struct response_row *r)
{
	int i = k * RESPONSE_PARAMS;
	sqlite3_bind_int64(st, i + 1, r->app);
	sqlite3_bind_text(st, i + 2, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 3, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 4, r->coder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i + 5, w->now, -1, SQLITE_TRANSIENT);
	if (r->has_at)
		sqlite3_bind_text(st, i + 6, r->at, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i + 6);
	if (r->note)
		sqlite3_bind_text(st, i + 7, r->note, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i + 7);
}

static void drop_rows(struct response_writer *w)
{
	for (int k = 0; k < w->n; k++)
		free(w->row[k].note);
	w->n = 0;
}

/* Runs st once with every parameter bound. */
static int run(struct response_writer *w, sqlite3_stmt *st, struct ct_err *err)
{
	int rc = study_step_done(w->s, st, err, "recording a response");
	sqlite3_reset(st);
	return rc;
}

int response_writer_flush(struct response_writer *w, struct ct_err *err)
{
	int rc = CT_OK;
	if (w->n == RESPONSE_BATCH) {
		if (!w->batch) {
			struct strbuf sql = STRBUF_INIT;
			sb_adds(&sql, RESPONSE_COLUMNS);
			for (int k = 0; k < RESPONSE_BATCH; k++)
				sb_adds(&sql, k ? ", " RESPONSE_VALUES : RESPONSE_VALUES);
			rc = study_prepare(w->s, sb_str(&sql), &w->batch, err);
			sb_free(&sql);
		}
		for (int k = 0; !rc && k < w->n; k++)
			bind_row(w, w->batch, k, &w->row[k]);
		if (!rc)
			rc = run(w, w->batch, err);
	} else if (w->n) {
		if (!w->one)
			rc = study_prepare(w->s, RESPONSE_COLUMNS RESPONSE_VALUES, &w->one, err);
		for (int k = 0; !rc && k < w->n; k++) {
			bind_row(w, w->one, 0, &w->row[k]);
			rc = run(w, w->one, err);
		}
	}
	drop_rows(w);
	return rc;
}

int response_writer_add(struct response_writer *w, int64_t app, const char *channel,
			const char *outcome, const char *coder, const char *at, const char *note,
			struct ct_err *err)
{
	if (!w->now[0])
		time_iso_utc(time_now(), w->now);
	struct response_row *r = &w->row[w->n++];
	r->app = app;
	r->channel = channel_parse(channel);
	r->outcome = outcome_parse(outcome);
	r->coder = coder;
	r->has_at = at != NULL;
	if (at)
		snprintf(r->at, sizeof(r->at), "%s", at);
	r->note = note ? xstrdup(note) : NULL;
	if (!r->channel || !r->outcome) {
		/* Not one of the schema's names: let the CHECK say so. */
		r->channel = r->channel ? r->channel : "?";
		r->outcome = r->outcome ? r->outcome : "?";
	}
	return w->n == RESPONSE_BATCH ? response_writer_flush(w, err) : CT_OK;
}

void response_writer_close(struct response_writer *w)
{
	drop_rows(w);
	sqlite3_finalize(w->one);
	sqlite3_finalize(w->batch);
	memset(w, 0, sizeof(*w));
}

int response_insert(struct study *s, int64_t app, const char *channel, const char *outcome,
		    const char *coder, const char *at, const char *note, struct ct_err *err)
{
	struct response_writer w = { .s = s };
	int rc = response_writer_add(&w, app, channel, outcome, coder, at, note, err);
	if (!rc)
		rc = response_writer_flush(&w, err);
	response_writer_close(&w);
	return rc;
}

void response_logged_free(struct response_logged *r)
{
	app_info_free(&r->app);
	free(r->prev_outcome);
	free(r->prev_channel);
	memset(r, 0, sizeof(*r));
}

/* A reply comes after the message it answers: at (UTC ISO) before the
 * application's sent_at is a typing slip (a wrong day or month), refused.
 * Both are UTC ISO texts of one form, so they compare as strings. */
static int reply_after_send(struct study *s, int64_t app, const char *at, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT sent_at FROM application WHERE id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const char *sent = (const char *)sqlite3_column_text(st, 0);
		time_t ts, ta;
		if (time_parse_iso(sent, &ts) && time_parse_iso(at, &ta) && ta < ts) {
			/* Both in the study's time zone, the form the user typed,
			 * with UTC as stored after it. */
			char local[40], alocal[40];
			time_iso_local(ts, s->design->timezone, local);
			time_iso_local(ta, s->design->timezone, alocal);
			rc = ct_fail(err, CT_EINPUT,
				     "the reply time %.10s %.5s (%s) is before application %lld was sent "
				     "(%.10s %.5s, %s), both in %s; a reply comes after the message",
				     alocal, alocal + 11, at, (long long)app, local, local + 11, sent,
				     s->design->timezone);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int response_log(struct study *s, int64_t app_id, const char *ref, const char *grp,
		 const char *gender, const char *outcome, const char *channel, const char *at,
		 const char *note, const char *coder, struct response_logged *out,
		 struct ct_err *err)
{
	struct app_info *a = &out->app;
	int found = 0;
	memset(out, 0, sizeof(*out));
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = app_id ? app_by_id(s, app_id, a, &found, err)
		    : app_by_cell(s, ref, grp, gender, a, &found, err);
	if (!rc && !found) {
		if (app_id)
			rc = ct_fail(err, CT_EINPUT, "no application %lld in the study",
				     (long long)app_id);
		else
			rc = ct_fail(err, CT_EINPUT,
				     "no application of listing '%s' for group %s, %s in the study",
				     ref, grp, gender);
	}
	if (!rc && !strcmp(a->status, "planned"))
		rc = ct_fail(err, CT_EINPUT,
			     "application %lld was not sent (it is still planned); an outcome is "
			     "logged only for a sent application",
			     (long long)a->id);
	else if (!rc && strcmp(a->status, "sent"))
		rc = ct_fail(err, CT_EINPUT,
			     "application %lld is %s, not sent; an outcome is logged only for a "
			     "sent application",
			     (long long)a->id, a->status);
	if (!rc && at)
		rc = reply_after_send(s, a->id, at, err);
	if (!rc)
		rc = response_latest(s, a->id, &out->prev_outcome, &out->prev_channel, err);
	if (!rc)
		rc = response_insert(s, a->id, channel, outcome, coder, at, note, err);
	if (!rc) {
		char *subject = xasprintf("application %lld", (long long)a->id);
		char *detail = xasprintf("outcome=%s channel=%s%s%s", outcome, channel,
					 out->prev_outcome ? " replaces=" : "",
					 out->prev_outcome ? out->prev_outcome : "");
		rc = study_event(s, "log", subject, detail, err);
		free(subject);
		free(detail);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		response_logged_free(out);
	}
	return rc;
}
