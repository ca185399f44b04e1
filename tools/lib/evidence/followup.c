/* followup.c: planning follow-ups after differing replies (followup.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/followup.h"
#include "analysis/pairs.h"
#include "assign/schedule.h"
#include "base/timeutil.h"
#include "messages/outbox.h"
#include "base/banned.h"

int followup_config(const struct config *cfg, struct followup_cfg *out, struct ct_err *err)
{
	out->delay_hours = 48;
	out->from = FOLLOWUP_REFUSED;
	const char *v = config_get(cfg, "followup", "delay_hours");
	if (v && *v) {
		double h;
		if (!parse_double(v, &h) || h < 0 || h > 24 * 365)
			return ct_fail(err, CT_EINPUT, "study.ini:%d: [followup] delay_hours must be a "
				       "number of hours from 0 to 8760",
				       config_line(cfg, "followup", "delay_hours"));
		out->delay_hours = h;
	}
	v = config_get(cfg, "followup", "from");
	if (v && *v) {
		if (!strcmp(v, "refused"))
			out->from = FOLLOWUP_REFUSED;
		else if (!strcmp(v, "third"))
			out->from = FOLLOWUP_THIRD;
		else
			return ct_fail(err, CT_EINPUT, "study.ini:%d: [followup] from must be refused "
				       "or third", config_line(cfg, "followup", "from"));
	}
	return CT_OK;
}

time_t followup_window_next(const struct design *d, time_t t)
{
	if (!d->days_mask || d->day_to <= d->day_from)
		return t;
	long day;
	int minute;
	schedule_local(d->timezone, t, &day, &minute);
	/* A week and a day cover every allowed weekday. */
	for (int i = 0; i < 8; i++, day++, minute = -1) {
		if (!(d->days_mask & (1 << schedule_weekday(day))))
			continue;
		if (minute < d->day_from)
			return schedule_instant(d->timezone, day, d->day_from);
		if (minute < d->day_to)
			return t;
	}
	return t;
}

static void item_free(struct followup_item *it)
{
	free(it->ref), free(it->who), free(it->outcome), free(it->due), free(it->channel);
}

void followup_plan_free(struct followup_plan *p)
{
	for (int i = 0; i < p->n; i++)
		item_free(&p->items[i]);
	free(p->items);
	memset(p, 0, sizeof(*p));
}

/* One main application of an active listing, as planning reads it. */
struct app {
	int64_t id, listing, persona;
	char *ref, *gender, *who, *status, *outcome, *channel;
	char *at; /* when the latest response's reply came (else when it was coded) */
	int simulated;
};

static void apps_free(struct app *a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i].ref), free(a[i].gender), free(a[i].who), free(a[i].status),
			free(a[i].outcome), free(a[i].channel), free(a[i].at);
	free(a);
}

static int load_apps(struct study *s, struct app **out, int *n, struct ct_err *err)
{
	/* The latest response is the outcome, as the analysis reads it
	 * (analysis/pairs.c); a made-up one (simulate) marks the pair. */
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT a.id, a.listing, l.ref, a.persona, p.gender, g.name || '/' || p.gender, "
		"a.status, r.outcome, coalesce(r.at, r.coded_at), coalesce(a.sent_via, a.channel), "
		"max(a.simulated, coalesce(r.simulated, 0)) "
		"FROM application a JOIN listing l ON l.id = a.listing "
		"JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp "
		"LEFT JOIN response r ON r.id = (SELECT max(id) FROM response WHERE application = a.id) "
		"WHERE a.kind = 'main' AND l.status = 'active' ORDER BY a.listing, a.position, a.id",
		&st, err);
	if (rc)
		return rc;
	int cap = 0;
	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, (size_t)cap * sizeof(**out));
		}
		struct app *a = &(*out)[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->listing = sqlite3_column_int64(st, 1);
		a->ref = study_column_dup(st, 2, "");
		a->persona = sqlite3_column_int64(st, 3);
		a->gender = study_column_dup(st, 4, "");
		a->who = study_column_dup(st, 5, "");
		a->status = study_column_dup(st, 6, "");
		a->outcome = study_column_dup(st, 7, NULL);
		a->at = study_column_dup(st, 8, NULL);
		a->channel = study_column_dup(st, 9, NULL);
		a->simulated = sqlite3_column_int(st, 10);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the pairs");
	return CT_OK;
}

#define STALE_REASON "the pair no longer differs"

/* The two main applications of a's listing, when it has exactly two:
 * apps is in listing order. */
static const struct app *partner_of(const struct app *apps, int napps, int k)
{
	int i = k, j = k;
	while (i > 0 && apps[i - 1].listing == apps[k].listing)
		i--;
	while (j + 1 < napps && apps[j + 1].listing == apps[k].listing)
		j++;
	if (j - i != 1)
		return NULL;
	return &apps[i == k ? j : i];
}

/* How refresh_tx goes about the stale follow-ups. */
enum refresh_mode {
	REFRESH_COUNT, /* only count them (no transaction needed) */
	REFRESH_DRY,   /* cancel them in the database only: the caller rolls back */
	REFRESH_APPLY  /* cancel them, their outbox files removed */
};

/* Counts (*cancelled) or, inside a transaction, cancels the planned
 * follow-ups whose pair no longer differs (followup.h, followup_refresh),
 * one event each. */
static int refresh_tx(struct study *s, const struct app *apps, int napps, int def,
		      enum refresh_mode mode, int *cancelled, struct ct_err *err)
{
	sqlite3_stmt *sel = NULL, *up = NULL;
	int rc = study_prepare(s, "SELECT id, follows FROM application WHERE kind = 'followup' "
				  "AND status = 'planned' ORDER BY id", &sel, err);
	if (!rc)
		rc = study_prepare(s, "UPDATE application SET status = 'cancelled', cancel_reason = "
				      "?2 WHERE id = ?1 AND status = 'planned'", &up, err);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(sel, 0), follows = sqlite3_column_int64(sel, 1);
		int k = 0;
		while (k < napps && apps[k].id != follows)
			k++;
		/* Not a pair of an active listing (any more): nothing to compare. */
		const struct app *neg = k < napps ? &apps[k] : NULL;
		const struct app *pos = neg ? partner_of(apps, napps, k) : NULL;
		if (!pos || (!pairs_outcome_text_positive(neg->outcome, def) &&
			     pairs_outcome_text_positive(pos->outcome, def)))
			continue;
		if (mode == REFRESH_COUNT) {
			(*cancelled)++;
			continue;
		}
		/* A message compose --outbox already wrote for it leaves the outbox
		 * (while it is still planned: that is what the withdrawal reads),
		 * so that no mail client sends it. */
		struct outbox_withdrawn w = { 0 };
		if (mode == REFRESH_APPLY && (rc = outbox_withdraw_application(s, id, &w, err))) {
			outbox_withdrawn_free(&w);
			break;
		}
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, id);
		sqlite3_bind_text(up, 2, STALE_REASON, -1, SQLITE_STATIC);
		if ((rc = study_step_done(s, up, err, "cancelling a follow-up"))) {
			outbox_withdrawn_free(&w);
			break;
		}
		char subject[48];
		snprintf(subject, sizeof(subject), "application %lld", (long long)id);
		char *detail = xasprintf("cancelled: %s (follows application %lld of listing %s, "
					 "now %s; application %lld now %s)%s%s",
					 STALE_REASON, (long long)neg->id, neg->ref,
					 neg->outcome ? neg->outcome : "none", (long long)pos->id,
					 pos->outcome ? pos->outcome : "none", w.detail ? "; " : "",
					 w.detail ? w.detail : "");
		outbox_withdrawn_free(&w);
		rc = study_event(s, "followup-cancel", subject, detail, err);
		free(detail);
		if (!rc)
			(*cancelled)++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the planned follow-ups");
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	return rc;
}

int followup_refresh(struct study *s, int *cancelled, struct ct_err *err)
{
	if (cancelled)
		*cancelled = 0;
	/* Nothing stale, nothing written, no transaction: a look at the
	 * worklist stays a read (on read-only storage too). */
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT 1 FROM application WHERE kind = 'followup' AND "
				  "status = 'planned' LIMIT 1", &st, err);
	if (rc)
		return rc;
	int step = sqlite3_step(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the planned follow-ups");
	sqlite3_finalize(st);
	if (rc || step == SQLITE_DONE)
		return rc; /* no follow-up planned: the pairs need not be read */
	struct app *apps = NULL;
	int napps = 0, n = 0, def = pairs_design_def(s->design->outcome);
	rc = load_apps(s, &apps, &napps, err);
	if (!rc)
		rc = refresh_tx(s, apps, napps, def, REFRESH_COUNT, &n, err);
	apps_free(apps, napps);
	if (rc || !n)
		return rc;
	/* Read again inside the transaction: what is cancelled is what holds
	 * when it is written. */
	apps = NULL, napps = 0, n = 0;
	if ((rc = study_begin(s, err)))
		return rc;
	if (!(rc = load_apps(s, &apps, &napps, err)))
		rc = refresh_tx(s, apps, napps, def, REFRESH_APPLY, &n, err);
	apps_free(apps, napps);
	if (!rc)
		rc = study_commit(s, err);
	else
		study_rollback(s);
	if (!rc && cancelled)
		*cancelled = n;
	return rc;
}

/* A control (or placebo) persona who has not written to the listing, of
 * gender first when there is one: *persona 0 when none. */
static int third_persona(struct study *s, sqlite3_stmt **st, int64_t listing, const char *gender,
			 int64_t *persona, char **who, struct ct_err *err)
{
	*persona = 0;
	*who = NULL;
	if (!*st) {
		int rc = study_prepare(s,
				       "SELECT p.id, g.name || '/' || p.gender FROM persona p "
				       "JOIN grp g ON g.id = p.grp WHERE (g.role = 'control' OR "
				       "g.role = 'placebo') AND NOT EXISTS (SELECT 1 FROM "
				       "application a WHERE a.listing = ?1 AND a.persona = p.id) "
				       "ORDER BY p.gender = ?2 DESC, p.id LIMIT 1",
				       st, err);
		if (rc)
			return rc;
	}
	sqlite3_reset(*st);
	sqlite3_bind_int64(*st, 1, listing);
	sqlite3_bind_text(*st, 2, gender, -1, SQLITE_STATIC);
	int r = sqlite3_step(*st);
	if (r == SQLITE_ROW) {
		*persona = sqlite3_column_int64(*st, 0);
		*who = study_column_dup(*st, 1, "");
	}
	sqlite3_reset(*st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(s, err, "choosing a third persona");
}

static int followed_already(struct study *s, sqlite3_stmt **st, int64_t a, int64_t b, int *yes,
			    struct ct_err *err)
{
	if (!*st) {
		int rc = study_prepare(s,
				       "SELECT 1 FROM application WHERE kind = 'followup' AND "
				       "(follows = ?1 OR follows = ?2) AND NOT (status = "
				       "'cancelled' AND coalesce(cancel_reason, '') = ?3)",
				       st, err);
		if (rc)
			return rc;
	}
	sqlite3_reset(*st);
	sqlite3_bind_int64(*st, 1, a);
	sqlite3_bind_int64(*st, 2, b);
	sqlite3_bind_text(*st, 3, STALE_REASON, -1, SQLITE_STATIC);
	int r = sqlite3_step(*st);
	*yes = r == SQLITE_ROW;
	sqlite3_reset(*st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(s, err, "reading the follow-ups");
}

int followup_plan(struct study *s, int dry_run, struct followup_plan *out, struct ct_err *err)
{
	const struct design *d = s->design;
	memset(out, 0, sizeof(*out));
	int rc = followup_config(s->cfg, &out->cfg, err);
	if (rc)
		return rc;
	int def = pairs_design_def(d->outcome);
	time_t now = time_now();
	struct app *apps = NULL;
	int napps = 0;
	sqlite3_stmt *third = NULL, *had = NULL, *ins = NULL;
	if ((rc = study_begin(s, err)))
		return rc;
	if ((rc = load_apps(s, &apps, &napps, err)) ||
	    (rc = refresh_tx(s, apps, napps, def, dry_run ? REFRESH_DRY : REFRESH_APPLY,
				   &out->cancelled, err)) ||
	    (rc = study_prepare(s,
				"INSERT INTO application (listing, persona, scheduled_at, status, channel, "
				"kind, follows) VALUES (?1, ?2, ?3, 'planned', ?4, 'followup', ?5)",
				&ins, err)))
		goto out;
	int cap = 0;
	for (int i = 0; !rc && i < napps;) {
		int j = i;
		while (j < napps && apps[j].listing == apps[i].listing)
			j++;
		struct app *x = &apps[i], *y = &apps[i + 1];
		int pair = j - i == 2 && !strcmp(x->status, "sent") && !strcmp(y->status, "sent");
		i = j;
		if (!pair || x->simulated || y->simulated)
			continue;
		int px = pairs_outcome_text_positive(x->outcome, def),
		    py = pairs_outcome_text_positive(y->outcome, def);
		if (px == py)
			continue;
		struct app *pos = px ? x : y, *neg = px ? y : x;
		time_t at;
		if (!pos->at || !time_parse_iso(pos->at, &at)) {
			rc = ct_fail(err, CT_EINPUT, "application %lld (listing %s): its positive "
				     "response has no time to count delay_hours from",
				     (long long)pos->id, pos->ref);
			break;
		}
		time_t due_t = followup_window_next(d, at + (time_t)(out->cfg.delay_hours * 3600.0));
		/* No response yet is no refusal yet: it counts as not positive
		 * once the follow-up is due (followup.h). */
		if (!neg->outcome && now < due_t) {
			out->waiting++;
			continue;
		}
		out->differing++;
		int yes = 0;
		if ((rc = followed_already(s, &had, x->id, y->id, &yes, err)))
			break;
		if (yes) {
			out->already++;
			continue;
		}
		int64_t persona = neg->persona;
		char *who = xstrdup(neg->who);
		if (out->cfg.from == FOLLOWUP_THIRD) {
			free(who);
			if ((rc = third_persona(s, &third, neg->listing, neg->gender, &persona, &who,
						err)))
				break;
			if (!persona) {
				rc = ct_fail(err, CT_EINPUT,
					     "study.ini:%d: [followup] from = third needs a control "
					     "persona who has not written to listing %s, and every one "
					     "of the study's has: set [design] placebo_share above 0 "
					     "(which draws a second control persona per gender; personas "
					     "are drawn before the first real send), or use from = "
					     "refused",
					     config_line(s->cfg, "followup", "from"), neg->ref);
				break;
			}
		}
		char due[ISO_LEN];
		time_iso_utc(due_t, due);
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, neg->listing);
		sqlite3_bind_int64(ins, 2, persona);
		sqlite3_bind_text(ins, 3, due, -1, SQLITE_STATIC);
		if (neg->channel)
			sqlite3_bind_text(ins, 4, neg->channel, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 4);
		sqlite3_bind_int64(ins, 5, neg->id);
		if ((rc = study_step_done(s, ins, err, "planning a follow-up"))) {
			free(who);
			break;
		}
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			out->items = xrealloc(out->items, (size_t)cap * sizeof(*out->items));
		}
		struct followup_item *it = &out->items[out->n++];
		it->id = sqlite3_last_insert_rowid(s->db);
		it->follows = neg->id;
		it->positive = pos->id;
		it->ref = xstrdup(neg->ref);
		it->who = who;
		it->outcome = xstrdup(neg->outcome ? neg->outcome : "none");
		it->due = xstrdup(due);
		it->channel = neg->channel ? xstrdup(neg->channel) : NULL;
		char subject[48], *detail;
		snprintf(subject, sizeof(subject), "application %lld", (long long)it->id);
		detail = xasprintf("follows application %lld (listing %s, %s; application %lld "
				   "positive), from %s %s, due %s",
				   (long long)neg->id, neg->ref, it->outcome, (long long)pos->id,
				   out->cfg.from == FOLLOWUP_THIRD ? "a third persona" : "the refused",
				   who, due);
		rc = study_event(s, "followup", subject, detail, err);
		free(detail);
	}
out:
	sqlite3_finalize(third);
	sqlite3_finalize(had);
	sqlite3_finalize(ins);
	apps_free(apps, napps);
	if (!rc && !dry_run)
		rc = study_commit(s, err);
	else
		study_rollback(s);
	if (rc)
		followup_plan_free(out);
	return rc;
}

void followup_rows_free(struct followup_row *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].kind), free(r[i].ref), free(r[i].who), free(r[i].status),
			free(r[i].scheduled_at), free(r[i].sent_at), free(r[i].outcome),
			free(r[i].replied_at);
	free(r);
}

int followup_agent_list(struct study *s, const char *agent_key, struct followup_row **out,
			size_t *n, struct ct_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT a.id, a.follows, a.kind, l.ref, g.name || '/' || p.gender, a.status, "
		"a.scheduled_at, a.sent_at, r.outcome, r.at FROM application a "
		"JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
		"JOIN grp g ON g.id = p.grp "
		"LEFT JOIN response r ON r.id = (SELECT max(id) FROM response WHERE application = a.id) "
		"WHERE a.kind <> 'main' AND l.agent_key = ?1 ORDER BY a.id",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, agent_key, -1, SQLITE_STATIC);
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct followup_row *r = &(*out)[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		r->follows = sqlite3_column_int64(st, 1);
		r->kind = study_column_dup(st, 2, "");
		r->ref = study_column_dup(st, 3, "");
		r->who = study_column_dup(st, 4, "");
		r->status = study_column_dup(st, 5, "");
		r->scheduled_at = study_column_dup(st, 6, NULL);
		r->sent_at = study_column_dup(st, 7, NULL);
		r->outcome = study_column_dup(st, 8, NULL);
		r->replied_at = study_column_dup(st, 9, NULL);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		followup_rows_free(*out, *n);
		*out = NULL;
		*n = 0;
		return study_db_error(s, err, "reading the agent's follow-ups");
	}
	return CT_OK;
}
