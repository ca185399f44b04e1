/* retest.c: planning a re-test of one agent (retest.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/retest.h"
#include "cv/cv.h"
#include "analysis/pairs.h"
#include "assign/assignments.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "base/banned.h"

void retest_plan_free(struct retest_plan *p)
{
	free(p->ref), free(p->repeats);
	for (int i = 0; i < 2; i++)
		free(p->app[i].who), free(p->app[i].scheduled_at);
	memset(p, 0, sizeof(*p));
}

/* "ag-" and twelve lower-case hex digits: the form study_agent_key gives. */
static int looks_like_key(const char *a)
{
	if (strncmp(a, "ag-", 3) || strlen(a) != 15)
		return 0;
	for (const char *p = a + 3; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	return 1;
}

static int key_known(struct study *s, const char *key, int *yes, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT 1 FROM listing WHERE agent_key = ?1 LIMIT 1", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*yes = r == SQLITE_ROW;
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading listings");
}

/* The agent's key: the argument itself when it is a key of a listing,
 * else the key of the argument as a name (as listings are keyed). */
static int resolve_agent(struct study *s, const char *agent, char key[16], struct ct_err *err)
{
	int yes = 0, rc;
	if (looks_like_key(agent)) {
		if ((rc = key_known(s, agent, &yes, err)))
			return rc;
		if (yes) {
			snprintf(key, 16, "%s", agent);
			return CT_OK;
		}
	}
	if ((rc = study_agent_key(s, agent, key, err)) || (rc = key_known(s, key, &yes, err)))
		return rc;
	if (!yes)
		return ct_fail(err, CT_EINPUT, "no listing of the study has this agent (give the "
			       "agent's name as listings.csv's agent_name has it, or its key "
			       "ag-..., as 'corrtest export assignments' shows)");
	return CT_OK;
}

/* One side of an earlier pair. */
struct side {
	int64_t id, listing, persona;
	char *ref, *grp, *role, *gender, *status, *outcome;
	int variant, position;
};

static void sides_free(struct side *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].ref), free(v[i].grp), free(v[i].role), free(v[i].gender), free(v[i].status),
			free(v[i].outcome);
	free(v);
}

static int load_sides(struct study *s, const char *key, struct side **out, int *n,
		      struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT a.id, a.listing, a.persona, l.ref, g.name, g.role, p.gender, a.status, "
		"(SELECT outcome FROM response WHERE id = (SELECT max(id) FROM response WHERE "
		"application = a.id)), coalesce(a.variant, 0), coalesce(a.position, 0) "
		"FROM application a JOIN listing l ON l.id = a.listing "
		"JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp "
		"WHERE a.kind = 'main' AND l.agent_key = ?1 ORDER BY a.listing, a.position, a.id",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int cap = 0;
	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, (size_t)cap * sizeof(**out));
		}
		struct side *v = &(*out)[(*n)++];
		v->id = sqlite3_column_int64(st, 0);
		v->listing = sqlite3_column_int64(st, 1);
		v->persona = sqlite3_column_int64(st, 2);
		v->ref = study_column_dup(st, 3, "");
		v->grp = study_column_dup(st, 4, "");
		v->role = study_column_dup(st, 5, "");
		v->gender = study_column_dup(st, 6, "");
		v->status = study_column_dup(st, 7, "");
		v->outcome = study_column_dup(st, 8, NULL);
		v->variant = sqlite3_column_int(st, 9);
		v->position = sqlite3_column_int(st, 10);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the agent's tests");
}

static int persona_of(struct study *s, const char *grp, const char *gender, int64_t *id,
		      struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp "
			       "WHERE g.name = ?1 AND p.gender = ?2",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, grp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, gender, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return study_db_error(s, err, "reading the personas");
	if (!*id)
		return ct_fail(err, CT_EINPUT, "group %s has no %s persona; run 'corrtest personas'",
			       grp, gender);
	return CT_OK;
}

/* The agent's first active listing with no application and no
 * assignment: *id 0 when none. */
static int free_listing(struct study *s, const char *key, int64_t *id, char **ref,
			struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT id, ref FROM listing l WHERE agent_key = ?1 AND status = "
			       "'active' AND NOT EXISTS (SELECT 1 FROM application a WHERE "
			       "a.listing = l.id) AND NOT EXISTS (SELECT 1 FROM assignment x WHERE "
			       "x.listing = l.id) ORDER BY id LIMIT 1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*id = 0;
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*ref = study_column_dup(st, 1, "");
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading listings");
}

int retest_plan(struct study *s, const char *agent, const char *group, int dry_run,
		struct retest_plan *out, struct ct_err *err)
{
	const struct design *d = s->design;
	memset(out, 0, sizeof(*out));
	if (group) {
		const struct design_group *dg = design_group_find(d, group);
		if (!dg || dg->control)
			return ct_fail(err, CT_EINPUT, "--group %s is not a test group of study.ini",
				       group);
	}
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	struct side *v = NULL;
	int nv = 0;
	sqlite3_stmt *ins = NULL;
	if ((rc = resolve_agent(s, agent, out->agent_key, err)) ||
	    (rc = load_sides(s, out->agent_key, &v, &nv, err)))
		goto out;
	int def = pairs_design_def(d->outcome);
	/* The pair to repeat: control against test, both sent; the latest
	 * answered differently, else the latest. */
	int pick = -1, pick_diff = 0;
	for (int i = 0; i < nv;) {
		int j = i;
		while (j < nv && v[j].listing == v[i].listing)
			j++;
		int at = i;
		i = j;
		if (j - at != 2 || strcmp(v[at].status, "sent") || strcmp(v[at + 1].status, "sent"))
			continue;
		int c = !strcmp(v[at].role, "control") ? at : at + 1, t = c == at ? at + 1 : at;
		if (strcmp(v[c].role, "control") || strcmp(v[t].role, "test"))
			continue;
		int diff = pairs_outcome_text_positive(v[c].outcome, def) !=
			   pairs_outcome_text_positive(v[t].outcome, def);
		if (diff || !pick_diff) {
			pick = at;
			pick_diff = diff;
		}
	}
	if (pick < 0) {
		rc = ct_fail(err, CT_EINPUT, "agent %s has no test that went out to repeat (a re-test "
			     "repeats a pair of control and test sent to one of its listings)",
			     out->agent_key);
		goto out;
	}
	int64_t listing = 0;
	if ((rc = free_listing(s, out->agent_key, &listing, &out->ref, err)))
		goto out;
	if (!listing) {
		rc = ct_fail(err, CT_EINPUT, "agent %s has no other active listing that has not been "
			     "tested: add one with 'corrtest listings add' or 'corrtest listings "
			     "import' (with the same agent_name), then run retest again",
			     out->agent_key);
		goto out;
	}
	struct side *e[2] = { &v[pick], &v[pick + 1] }; /* by the earlier positions */
	if (e[0]->position > e[1]->position) {
		struct side *x = e[0];
		e[0] = e[1];
		e[1] = x;
	}
	out->repeats = xstrdup(e[0]->ref);
	out->differing = pick_diff;
	/* The new positions: the earlier second writes first. Each side takes
	 * the other's variant, so that neither order nor text repeats. */
	int64_t persona[2];
	for (int k = 0; k < 2; k++) {
		struct side *was = e[1 - k], *other = e[k];
		const char *grp = was->grp;
		if (group && !strcmp(was->role, "test"))
			grp = group;
		if ((rc = persona_of(s, grp, was->gender, &persona[k], err)))
			goto out;
		struct retest_app *a = &out->app[k];
		a->follows = was->id;
		a->who = xasprintf("%s/%s", grp, was->gender);
		a->position = k + 1;
		a->variant = other->variant ? other->variant : k + 1;
		if (a->variant > d->variants)
			a->variant = 1 + k % (d->variants > 0 ? d->variants : 1);
	}
	/* The gap between the two, drawn as assign draws it, from the seed and
	 * a stream of this listing's own. */
	struct rng g;
	char stream[48];
	snprintf(stream, sizeof(stream), "retest.%lld", (long long)listing);
	rng_init(&g, d->seed, stream);
	int gmin = (int)ceil(d->gap_min_hours * 60 - 1e-9);
	int gmax = (int)floor(d->gap_max_hours * 60 + 1e-9);
	if (gmax < gmin)
		gmax = gmin;
	int gap = gmin + (int)rng_below(&g, (uint64_t)(gmax - gmin + 1));
	time_t t[2];
	/* A negative salt: streams assign's runs (salts 0, 1, ...) never use. */
	if ((rc = assign_schedule_extra(s, out->agent_key, persona[0], persona[1], gap, d->seed,
					-(long)listing, &t[0], &t[1], err)))
		goto out;
	if ((rc = study_prepare(s,
				"INSERT INTO application (listing, persona, variant, position, "
				"scheduled_at, status, kind, follows) VALUES (?1, ?2, ?3, ?4, ?5, "
				"'planned', 'retest', ?6)",
				&ins, err)))
		goto out;
	for (int k = 0; k < 2 && !rc; k++) {
		struct retest_app *a = &out->app[k];
		char iso[ISO_LEN];
		time_iso_utc(t[k], iso);
		a->scheduled_at = xstrdup(iso);
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, listing);
		sqlite3_bind_int64(ins, 2, persona[k]);
		sqlite3_bind_int(ins, 3, a->variant);
		sqlite3_bind_int(ins, 4, a->position);
		sqlite3_bind_text(ins, 5, iso, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, a->follows);
		if (!(rc = study_step_done(s, ins, err, "planning a re-test")))
			a->id = sqlite3_last_insert_rowid(s->db);
	}
	if (!rc) {
		char subject[64];
		snprintf(subject, sizeof(subject), "listing %s", out->ref);
		char *detail = xasprintf(
			"agent %s: applications %lld (%s, position 1, follows %lld, due %s) and %lld "
			"(%s, position 2, follows %lld, due %s) repeat the test on listing %s%s",
			out->agent_key, (long long)out->app[0].id, out->app[0].who,
			(long long)out->app[0].follows, out->app[0].scheduled_at,
			(long long)out->app[1].id, out->app[1].who, (long long)out->app[1].follows,
			out->app[1].scheduled_at, out->repeats,
			pick_diff ? " (answered differently)" : "");
		rc = study_event(s, "retest", subject, detail, err);
		free(detail);
	}
	/* A job study's re-test pair gets its CVs now, in this transaction
	 * (cv/cv.h: nothing when the study sends none). */
	long cvs = 0;
	if (!rc)
		rc = cv_draw_study(s, &cvs, err);
out:
	sqlite3_finalize(ins);
	sides_free(v, nv);
	if (!rc && !dry_run)
		rc = study_commit(s, err);
	else
		study_rollback(s);
	if (rc)
		retest_plan_free(out);
	return rc;
}
