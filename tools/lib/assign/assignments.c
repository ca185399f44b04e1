/* assignments.c: reading what earlier assign runs stored, storing a new
 * run's pairs and applications, and the balance report of `assign --check`
 * (see assignments.h; the draw itself is assign.c, the window schedule.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assign/assignments.h"
#include "cv/cv.h"
#include "assign/schedule.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* One assigned listing, as stored: its cell and its two applications. A
 * placebo pair's "test" side is the placebo persona's application. */
struct pair {
	int64_t listing;
	char *ref, *group, *gender;
	char *agent_key;       /* NULL when the listing has none */
	int placebo;           /* the pair's group is the placebo group */
	int64_t persona_c, persona_t;
	int block;
	double gap_hours;
	int vc, vt, pc, pt;    /* 0 when not recorded */
	char *sc, *st;         /* scheduled_at of the control and test messages */
	int nctrl, ntest;      /* applications found of each role */
};

static void pairs_free(struct pair *p, int n)
{
	for (int i = 0; i < n; i++) {
		free(p[i].ref);
		free(p[i].group);
		free(p[i].gender);
		free(p[i].agent_key);
		free(p[i].sc);
		free(p[i].st);
	}
	free(p);
}

/* Every assigned listing with its applications, in listing order. */
static int load_pairs(struct study *s, struct pair **out, int *nout, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		/* The pairs' applications (the main kind): a follow-up on an assigned
		 * listing is no part of its pair or of the balance. */
		"SELECT s.listing, l.ref, s.block, g.name, s.gender, s.gap_hours, pg.role, a.variant, "
		"a.position, a.scheduled_at, l.agent_key, g.role, a.persona FROM assignment s "
		"JOIN listing l ON l.id = s.listing "
		"JOIN grp g ON g.id = s.test_grp LEFT JOIN application a ON a.listing = s.listing "
		"AND a.kind = 'main' "
		"LEFT JOIN persona p ON p.id = a.persona LEFT JOIN grp pg ON pg.id = p.grp "
		"ORDER BY s.listing, a.position, a.id",
		&st, err);
	if (rc)
		return rc;
	struct pair *p = NULL;
	int n = 0, cap = 0, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t lid = sqlite3_column_int64(st, 0);
		if (!n || p[n - 1].listing != lid) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				p = xrealloc(p, sizeof(*p) * (size_t)cap);
			}
			struct pair *q = &p[n++];
			memset(q, 0, sizeof(*q));
			q->listing = lid;
			q->ref = study_column_dup(st, 1, NULL);
			q->block = sqlite3_column_int(st, 2);
			q->group = study_column_dup(st, 3, NULL);
			q->gender = study_column_dup(st, 4, NULL);
			q->gap_hours = sqlite3_column_double(st, 5);
			q->agent_key = study_column_dup(st, 10, NULL);
			const unsigned char *grole = sqlite3_column_text(st, 11);
			q->placebo = grole && !strcmp((const char *)grole, "placebo");
		}
		struct pair *q = &p[n - 1];
		const unsigned char *role = sqlite3_column_text(st, 6);
		if (!role)
			continue;
		int ctrl = !strcmp((const char *)role, "control");
		if (ctrl ? q->nctrl++ : q->ntest++)
			continue; /* a second application of one role: reported by --check */
		int v = sqlite3_column_int(st, 7), pos = sqlite3_column_int(st, 8);
		char *at = study_column_dup(st, 9, NULL);
		if (ctrl) {
			q->vc = v;
			q->pc = pos;
			q->sc = at;
			q->persona_c = sqlite3_column_int64(st, 12);
		} else {
			q->vt = v;
			q->pt = pos;
			q->st = at;
			q->persona_t = sqlite3_column_int64(st, 12);
		}
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		pairs_free(p, n);
		return study_db_error(s, err, "read assignments");
	}
	*out = p;
	*nout = n;
	return CT_OK;
}

/* Index of a design test group (0-based, control excluded), or -1. */
static int test_index(const struct design *d, const char *name)
{
	for (int i = 1; i < d->ngroups; i++)
		if (name && !strcmp(d->groups[i].id, name))
			return i - 1;
	return -1;
}

static int gender_index(const struct design *d, const char *name)
{
	int g = name ? gender_parse(name) : -1;
	for (int i = 0; i < d->ngenders; i++)
		if (d->genders[i] == g)
			return i;
	return -1;
}

/* The balance state that earlier runs left (see assign.h). */
static struct assign_state *state_from_pairs(const struct design *d, const struct pair *p, int n)
{
	int T = d->ngroups - 1, G = d->ngenders, V = d->variants;
	struct assign_state *st = assign_state_new(T, G, V);
	for (int i = 0; i < n; i++)
		if (p[i].block > st->last_block)
			st->last_block = p[i].block;
	for (int i = 0; i < n; i++) {
		int t = test_index(d, p[i].group), g = gender_index(d, p[i].gender);
		int vc = p[i].vc - 1, vt = p[i].vt - 1, tf = p[i].pt == 1;
		st->nprev++;
		if (p[i].placebo) {
			/* Apart from the test cells' balance (assign.h). */
			st->nplacebo++;
			if (g >= 0) {
				st->placebo_n[g]++;
				st->placebo_first[g] += tf;
			}
			continue;
		}
		if (t < 0 || g < 0) {
			if (vc >= 0 && vc < V)
				st->ctrl_var_other[vc]++;
			if (p[i].block == st->last_block)
				st->last_block_foreign = 1;
			continue;
		}
		int c = t * G + g;
		st->cell_n[c]++;
		st->cell_test_first[c] += tf;
		if (p[i].block == st->last_block)
			st->block_used[c]++;
		if (vc >= 0 && vc < V)
			st->grp_ctrl_var[t * V + vc]++;
		if (vt >= 0 && vt < V)
			st->grp_test_var[t * V + vt]++;
	}
	return st;
}

/* agent_gap_days of 24 hours, in whole seconds. */
static long agent_gap_seconds(const struct design *d)
{
	return lround(d->agent_gap_days * 86400.0);
}

static long day_of_date(const char *s)
{
	int y, m, d;
	if (!s || sscanf(s, "%d-%d-%d", &y, &m, &d) != 3)
		return 0;
	return days_from_civil(y, m, d);
}

/* The sending window of the design. Nothing is scheduled before the start
 * day, nor, once fielding has begun, before tomorrow: a day's granularity
 * keeps a re-run on the same day identical. */
static struct sched_window window_of(const struct design *d)
{
	struct sched_window w = { d->timezone, day_of_date(d->start), d->days_mask, d->day_from,
				  d->day_to, d->daily_quota, agent_gap_seconds(d), 0, 0 };
	long today;
	int minute;
	schedule_local(d->timezone, time_now(), &today, &minute);
	if (today + 1 > w.first_day)
		w.first_day = today + 1;
	return w;
}

/* The design hash the last assign recorded (NULL when none). */
static int previous_hash(struct study *s, char **out, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT design_hash FROM study WHERE id = 1", &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = study_column_dup(st, 0, NULL);
	sqlite3_finalize(st);
	return CT_OK;
}

struct newl {
	int64_t id;
	char *ref;
	char *agent_key; /* NULL when none */
};

static int check_templates(struct study *s, struct ct_err *err)
{
	const struct design *d = s->design;
	struct strbuf missing = STRBUF_INIT;
	int nmiss = 0;
	char *dir = d->templates_dir[0] == '/' ? xstrdup(d->templates_dir)
					       : xasprintf("%s/%s", s->dir, d->templates_dir);
	for (int v = 1; v <= d->variants; v++) {
		char *path = xasprintf("%s/v%d.txt", dir, v);
		if (access(path, R_OK) != 0)
			sb_addf(&missing, "%sv%d.txt", nmiss++ ? ", " : "", v);
		free(path);
	}
	int rc = CT_OK;
	if (nmiss)
		rc = ct_fail(err, CT_EINPUT,
			     "%s lacks %s: study.ini has variants = %d, which needs v1.txt .. v%d.txt",
			     dir, sb_str(&missing), d->variants, d->variants);
	sb_free(&missing);
	free(dir);
	return rc;
}

/* Persona ids of every design group x gender: ids[gi * ngenders + g]. */
static int load_personas(struct study *s, int64_t *ids, struct ct_err *err)
{
	const struct design *d = s->design;
	struct strbuf missing = STRBUF_INIT;
	int nmiss = 0, rc = CT_OK;
	for (int gi = 0; gi < d->ngroups && !rc; gi++)
		for (int g = 0; g < d->ngenders && !rc; g++) {
			sqlite3_stmt *st;
			if ((rc = study_prepare(s, "SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp "
						   "WHERE g.name = ? AND p.gender = ?", &st, err)))
				break;
			sqlite3_bind_text(st, 1, d->groups[gi].id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, gender_name(d->genders[g]), -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				ids[gi * d->ngenders + g] = sqlite3_column_int64(st, 0);
			} else {
				sb_addf(&missing, "%s%s/%s", nmiss++ ? ", " : "", d->groups[gi].id,
					gender_name(d->genders[g]));
			}
			sqlite3_finalize(st);
		}
	if (!rc && nmiss)
		rc = ct_fail(err, CT_EINPUT, "no persona for %s: run 'corrtest personas' first",
			     sb_str(&missing));
	sb_free(&missing);
	return rc;
}

/* The placebo persona of each gender (ids[g]), needed when placebo_share
 * is above 0. */
static int load_placebo_personas(struct study *s, int64_t *ids, struct ct_err *err)
{
	const struct design *d = s->design;
	char *name = study_placebo_group(d);
	struct strbuf missing = STRBUF_INIT;
	int nmiss = 0, rc = CT_OK;
	for (int g = 0; g < d->ngenders && !rc; g++) {
		sqlite3_stmt *st;
		if ((rc = study_prepare(s, "SELECT p.id FROM persona p JOIN grp g ON g.id = p.grp "
					   "WHERE g.name = ? AND g.role = 'placebo' AND p.gender = ?", &st, err)))
			break;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, gender_name(d->genders[g]), -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			ids[g] = sqlite3_column_int64(st, 0);
		else
			sb_addf(&missing, "%s%s", nmiss++ ? ", " : "", gender_name(d->genders[g]));
		sqlite3_finalize(st);
	}
	if (!rc && nmiss)
		rc = ct_fail(err, CT_EINPUT,
			     "placebo_share = %g needs a second control persona (group %s) for %s: run "
			     "'corrtest personas' first",
			     d->placebo_share, name, sb_str(&missing));
	sb_free(&missing);
	free(name);
	return rc;
}

static int load_new_listings(struct study *s, struct newl **out, int *nout, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT id, ref, agent_key FROM listing l WHERE status = 'active' AND NOT EXISTS "
			       "(SELECT 1 FROM application a WHERE a.listing = l.id) AND NOT EXISTS "
			       "(SELECT 1 FROM assignment s WHERE s.listing = l.id) ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	struct newl *l = NULL;
	int n = 0, cap = 0, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			l = xrealloc(l, sizeof(*l) * (size_t)cap);
		}
		l[n].id = sqlite3_column_int64(st, 0);
		l[n].ref = study_column_dup(st, 1, NULL);
		const unsigned char *key = sqlite3_column_text(st, 2);
		l[n++].agent_key = key && *key ? xstrdup((const char *)key) : NULL;
	}
	sqlite3_finalize(st);
	*out = l;
	*nout = n;
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "read listings");
	return CT_OK;
}

/* Messages already scheduled, for the quota of their days and the agent
 * gap: each with its persona and its listing's agent key (keys[i], NULL
 * when none; the caller frees them). A message already sent counts at the
 * time it was sent, when that is known. */
static int load_existing(struct study *s, struct sched_msg **msgs, char ***keys, int *nout,
			 struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT coalesce(a.sent_at, a.scheduled_at), a.position, a.persona, "
				  "l.agent_key FROM application a JOIN listing l ON l.id = a.listing "
				  "WHERE a.scheduled_at IS NOT NULL AND a.status <> 'cancelled' ORDER BY a.id",
			       &st, err);
	if (rc)
		return rc;
	int n = 0, cap = 0, step;
	struct sched_msg *m = NULL;
	char **k = NULL;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		time_t x;
		if (!time_parse_iso((const char *)sqlite3_column_text(st, 0), &x))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			m = xrealloc(m, sizeof(*m) * (size_t)cap);
			k = xrealloc(k, sizeof(*k) * (size_t)cap);
		}
		m[n].at = x;
		m[n].first = sqlite3_column_int(st, 1) == 1;
		m[n].persona = sqlite3_column_int64(st, 2);
		m[n].agent = -1;
		const unsigned char *key = sqlite3_column_text(st, 3);
		k[n++] = key && *key ? xstrdup((const char *)key) : NULL;
	}
	sqlite3_finalize(st);
	*msgs = m;
	*keys = k;
	*nout = n;
	/* A message missed here would let its day exceed the quota. */
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "read the scheduled messages");
	return CT_OK;
}

/* Inserts one planned application with ins, the prepared INSERT of store. */
static int insert_app(struct study *s, sqlite3_stmt *ins, int64_t listing, int64_t persona,
		      int variant, int position, time_t at, struct ct_err *err)
{
	char iso[ISO_LEN];
	time_iso_utc(at, iso);
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, listing);
	sqlite3_bind_int64(ins, 2, persona);
	sqlite3_bind_int(ins, 3, variant);
	sqlite3_bind_int(ins, 4, position);
	sqlite3_bind_text(ins, 5, iso, -1, SQLITE_TRANSIENT);
	return study_step_done(s, ins, err, "insert application");
}

static int store(struct study *s, const struct newl *l, int n, const struct assign_pair *a,
		 const time_t *t1, const time_t *t2, const int64_t *persona,
		 const int64_t *placebo_persona, struct ct_err *err)
{
	const struct design *d = s->design;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	sqlite3_stmt *asg = NULL, *app = NULL;
	int rc = study_prepare(s, "INSERT INTO assignment(listing, block, test_grp, gender, "
				  "gap_hours, assigned_at) VALUES (?, ?, ?, ?, ?, ?)", &asg, err);
	if (!rc)
		rc = study_prepare(s, "INSERT INTO application(listing, persona, variant, position, "
				      "scheduled_at, status) VALUES (?, ?, ?, ?, ?, 'planned')", &app, err);
	/* The grp ids of the test groups, looked up once rather than per pair. */
	int64_t *grp = xcalloc((size_t)d->ngroups, sizeof(int64_t));
	for (int g = 1; g < d->ngroups; g++)
		grp[g] = study_group_id(s, d->groups[g].id);
	char *pname = study_placebo_group(d);
	int64_t pgrp = study_group_id(s, pname);
	free(pname);
	for (int i = 0; i < n && !rc; i++) {
		int gi = a[i].group + 1;
		sqlite3_reset(asg);
		sqlite3_bind_int64(asg, 1, l[i].id);
		sqlite3_bind_int(asg, 2, a[i].block);
		sqlite3_bind_int64(asg, 3, a[i].placebo ? pgrp : grp[gi]);
		sqlite3_bind_text(asg, 4, gender_name(d->genders[a[i].gender]), -1, SQLITE_STATIC);
		sqlite3_bind_double(asg, 5, a[i].gap_minutes / 60.0);
		sqlite3_bind_text(asg, 6, now, -1, SQLITE_STATIC);
		if ((rc = study_step_done(s, asg, err, "insert assignment")))
			break;
		int64_t pc = persona[a[i].gender];
		int64_t pt = a[i].placebo ? placebo_persona[a[i].gender]
					  : persona[gi * d->ngenders + a[i].gender];
		/* The first writer's application is inserted first. */
		int ctrl_first = a[i].position_control == 1;
		int64_t p1 = ctrl_first ? pc : pt, p2 = ctrl_first ? pt : pc;
		int v1 = ctrl_first ? a[i].variant_control : a[i].variant_test;
		int v2 = ctrl_first ? a[i].variant_test : a[i].variant_control;
		if (!(rc = insert_app(s, app, l[i].id, p1, v1, 1, t1[i], err)))
			rc = insert_app(s, app, l[i].id, p2, v2, 2, t2[i], err);
	}
	sqlite3_finalize(asg);
	sqlite3_finalize(app);
	free(grp);
	return rc;
}

void assign_outcome_free(struct assign_outcome *o)
{
	for (int i = 0; i < o->n; i++)
		free(o->refs[i]);
	free(o->refs);
	free(o->pairs);
	free(o->first);
	free(o->second);
	free(o->warning);
	free(o->agent_note);
	memset(o, 0, sizeof(*o));
}

/* Records the design hash and the run's event. */
static int record_run(struct study *s, int n, uint64_t seed, int seed_given, const char *prev_hash,
		      int nold, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "UPDATE study SET design_hash = ? WHERE id = 1", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, s->ini_sha256, -1, SQLITE_TRANSIENT);
	rc = study_step_done(s, st, err, "record the design hash");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	int changed = nold && prev_hash && strcmp(prev_hash, s->ini_sha256);
	char *detail = xasprintf("{\"count\":%d,\"seed\":\"%llu\",\"seed_from\":\"%s\","
				 "\"design_hash\":\"%s\"%s%s%s}",
				 n, (unsigned long long)seed, seed_given ? "--seed" : "study.ini",
				 s->ini_sha256, changed ? ",\"previous_design_hash\":\"" : "",
				 changed ? prev_hash : "", changed ? "\"" : "");
	char *subject = xasprintf("%d listing%s", n, n == 1 ? "" : "s");
	rc = study_event(s, "assign", subject, detail, err);
	free(detail);
	free(subject);
	return rc;
}

/* The agents of a run: every distinct agent key of the study's listings
 * (earlier pairs, their messages, the new listings), numbered in key order,
 * with what earlier pairs gave each (assign.h, struct assign_agents). A
 * listing without a key is its own agent (-1): nothing else shares it. */
struct agents {
	char **keys;   /* [n], sorted; borrowed from the pairs, listings and messages */
	int n;
	int *of;       /* [new listings] */
	long *cell, *var, *listings; /* [n * k], [n * V], [n]: listings of each agent in the study */
	int *last_gender;
	struct assign_agents pub;
};

static int cmp_str_ref(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int agent_index(const struct agents *ag, const char *key)
{
	if (!key || !ag->n)
		return -1;
	char *const *hit = bsearch(&key, ag->keys, (size_t)ag->n, sizeof(char *), cmp_str_ref);
	return hit ? (int)(hit - ag->keys) : -1;
}

static void agents_build(const struct design *d, struct agents *ag, const struct pair *old, int nold,
			 const struct newl *l, int n, struct sched_msg *ex, char *const *exkeys, int nex)
{
	int T = d->ngroups - 1, G = d->ngenders, V = d->variants, k = T * G;
	char **all = xcalloc((size_t)nold + n + nex + 1, sizeof(char *));
	int na = 0;
	for (int i = 0; i < nold; i++)
		if (old[i].agent_key)
			all[na++] = old[i].agent_key;
	for (int i = 0; i < n; i++)
		if (l[i].agent_key)
			all[na++] = l[i].agent_key;
	for (int i = 0; i < nex; i++)
		if (exkeys[i])
			all[na++] = exkeys[i];
	if (na > 1)
		qsort(all, (size_t)na, sizeof(char *), cmp_str_ref);
	int u = 0;
	for (int i = 0; i < na; i++)
		if (!u || strcmp(all[u - 1], all[i]))
			all[u++] = all[i];
	ag->keys = all;
	ag->n = u;
	ag->of = xcalloc((size_t)n + 1, sizeof(int));
	ag->cell = xcalloc((size_t)u * k + 1, sizeof(long));
	ag->var = xcalloc((size_t)u * V + 1, sizeof(long));
	ag->listings = xcalloc((size_t)u + 1, sizeof(long));
	ag->last_gender = xmalloc(sizeof(int) * ((size_t)u + 1));
	for (int a = 0; a < u; a++)
		ag->last_gender[a] = -1;
	for (int i = 0; i < nex; i++)
		ex[i].agent = agent_index(ag, exkeys[i]);
	/* Earlier pairs, in listing order. */
	for (int i = 0; i < nold; i++) {
		int a = agent_index(ag, old[i].agent_key);
		if (a < 0)
			continue;
		ag->listings[a]++;
		int g = gender_index(d, old[i].gender), t = test_index(d, old[i].group);
		if (g >= 0)
			ag->last_gender[a] = g;
		if (!old[i].placebo && g >= 0 && t >= 0)
			ag->cell[(size_t)a * k + t * G + g]++;
		if (old[i].vc >= 1 && old[i].vc <= V)
			ag->var[(size_t)a * V + old[i].vc - 1]++;
		if (old[i].vt >= 1 && old[i].vt <= V)
			ag->var[(size_t)a * V + old[i].vt - 1]++;
	}
	for (int i = 0; i < n; i++) {
		ag->of[i] = agent_index(ag, l[i].agent_key);
		if (ag->of[i] >= 0)
			ag->listings[ag->of[i]]++;
	}
	ag->pub = (struct assign_agents){ u, ag->of, ag->cell, ag->last_gender, ag->var };
}

static void agents_free(struct agents *ag)
{
	free(ag->keys);
	free(ag->of);
	free(ag->cell);
	free(ag->var);
	free(ag->listings);
	free(ag->last_gender);
}

static void day_text(long day, char out[11]);

/* When pairs had to wait for their agent: how many, how far the schedule
 * now runs, how far the quota alone would have taken it, and the agent that
 * sets the end, with its number of listings. NULL when no pair waited. */
static char *agent_note(const struct design *d, const struct agents *ag,
			const struct sched_report *rep, int n)
{
	if (!rep->delayed)
		return NULL;
	char end[11] = "", qend[11] = "";
	day_text(rep->last_day, end);
	day_text(rep->quota_last_day, qend);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%d of the %d new pairs wait for their agent (no persona writes one agent twice "
		     "within agent_gap_days = %g days; an agent's listings go out on distinct days)",
		rep->delayed, n, d->agent_gap_days);
	if (rep->last_day > rep->quota_last_day + 1) {
		int a = rep->last_agent;
		sb_addf(&sb, "; the schedule now runs to %s, where the daily quota alone would end "
			     "about %s", end, qend);
		if (a >= 0 && a < ag->n)
			sb_addf(&sb, "; agent %s (%ld listings in the study) sets the end", ag->keys[a],
				ag->listings[a]);
		sb_adds(&sb, ". If its listings will be gone by then, lower agent_gap_days in study.ini "
			     "or withdraw some of the agent's listings before assigning");
	}
	return sb_detach(&sb);
}

int assignments_make(struct study *s, const uint64_t *seed_arg, int dry,
		     struct assign_outcome *out, struct ct_err *err)
{
	const struct design *d = s->design;
	memset(out, 0, sizeof(*out));
	out->seed = seed_arg ? *seed_arg : d->seed;
	out->dry = dry;
	if (d->variants < 2)
		return ct_fail(err, CT_EINPUT, "study.ini: variants = %d; at least 2 are needed, as the "
			       "two messages to one listing must differ", d->variants);
	if (d->ngroups < 2)
		return ct_fail(err, CT_EINPUT, "study.ini has no test group");
	int rc = check_templates(s, err);
	if (rc)
		return rc;

	struct newl *l = NULL;
	struct pair *old = NULL;
	struct assign_state *state = NULL;
	struct assign_pair *a = NULL;
	time_t *t1 = NULL, *t2 = NULL;
	struct sched_msg *ex = NULL;
	struct sched_pair *sp = NULL;
	char **exkeys = NULL;
	int n = 0, nold = 0, nex = 0;
	char *prev_hash = NULL;
	struct agents ag = { 0 };
	int64_t *persona = xcalloc((size_t)d->ngroups * d->ngenders, sizeof(int64_t));
	int64_t placebo_persona[2] = { 0, 0 };
	if ((rc = study_begin(s, err)) || (rc = study_sync_groups(s, err)) ||
	    (rc = load_new_listings(s, &l, &n, err)))
		goto out;
	if (!n) {
		study_rollback(s);
		goto out;
	}
	if ((rc = load_personas(s, persona, err)) ||
	    (d->placebo_share > 0 && (rc = load_placebo_personas(s, placebo_persona, err))) ||
	    (rc = load_pairs(s, &old, &nold, err)) ||
	    (rc = load_existing(s, &ex, &exkeys, &nex, err)) || (rc = previous_hash(s, &prev_hash, err)))
		goto out;
	if (nold && prev_hash && strcmp(prev_hash, s->ini_sha256))
		out->warning = xasprintf(
			"%s/study.ini changed since the last assign (design hash %.12s..., now "
			"%.12s...); the %d pairs already assigned keep the old design, and the new hash "
			"is recorded in this run's event",
			s->dir, prev_hash, s->ini_sha256, nold);
	state = state_from_pairs(d, old, nold);
	agents_build(d, &ag, old, nold, l, n, ex, exkeys, nex);
	struct assign_params p = { d->ngroups - 1, d->ngenders, d->variants, d->block_cells, out->seed,
				   (int)ceil(d->gap_min_hours * 60 - 1e-9),
				   (int)floor(d->gap_max_hours * 60 + 1e-9), &ag.pub, d->placebo_share };
	if (p.gap_max_minutes < p.gap_min_minutes)
		p.gap_max_minutes = p.gap_min_minutes;
	a = xcalloc((size_t)n, sizeof(*a));
	if ((rc = assign_run(&p, state, n, a, err)))
		goto out;
	sp = xcalloc((size_t)n, sizeof(*sp));
	t1 = xcalloc((size_t)n, sizeof(time_t));
	t2 = xcalloc((size_t)n, sizeof(time_t));
	for (int i = 0; i < n; i++) {
		int64_t pc = persona[a[i].gender];
		int64_t pt = a[i].placebo ? placebo_persona[a[i].gender]
					  : persona[(a[i].group + 1) * d->ngenders + a[i].gender];
		int cf = a[i].position_control == 1;
		sp[i] = (struct sched_pair){ ag.of[i], cf ? pc : pt, cf ? pt : pc, a[i].gap_minutes };
	}
	struct sched_window w = window_of(d);
	w.seed = out->seed;
	w.salt = state->nprev;
	struct sched_report rep;
	if ((rc = schedule_place(&w, ex, nex, ag.n, sp, n, t1, t2, &rep, err)))
		goto out;
	out->agent_note = agent_note(d, &ag, &rep, n);
	/* The CVs of the new pairs in the same transaction: a vacancy whose
	 * CV cannot be drawn (no ISCO code, a level above the candidates')
	 * leaves the study as it was. */
	if ((rc = store(s, l, n, a, t1, t2, persona, placebo_persona, err)) ||
	    (rc = record_run(s, n, out->seed, seed_arg != NULL, prev_hash, nold, err)) ||
	    (rc = cv_draw_study(s, &out->cvs, err)))
		goto out;
	if (dry)
		study_rollback(s);
	else if ((rc = study_commit(s, err)))
		goto out;
	out->n = n;
	out->refs = xcalloc((size_t)n, sizeof(char *));
	for (int i = 0; i < n; i++) {
		out->refs[i] = l[i].ref;
		l[i].ref = NULL;
	}
	out->pairs = a;
	out->first = t1;
	out->second = t2;
	a = NULL;
	t1 = t2 = NULL;
out:
	if (rc)
		study_rollback(s);
	for (int i = 0; i < n; i++) {
		free(l[i].ref);
		free(l[i].agent_key);
	}
	free(l);
	pairs_free(old, nold);
	assign_state_free(state);
	free(a);
	free(t1);
	free(t2);
	free(ex);
	for (int i = 0; i < nex; i++)
		free(exkeys[i]);
	free(exkeys);
	free(sp);
	agents_free(&ag);
	free(persona);
	free(prev_hash);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The balance report                                                   */

#define MAX_PROBLEMS_SHOWN 50

static void problem(struct assign_balance *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct assign_balance *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (b->nproblems_shown < MAX_PROBLEMS_SHOWN) {
		struct strbuf sb = STRBUF_INIT;
		sb_vaddf(&sb, fmt, ap);
		b->problems = xrealloc(b->problems, (size_t)(b->nproblems_shown + 1) * sizeof(char *));
		b->problems[b->nproblems_shown++] = sb_detach(&sb);
	}
	va_end(ap);
	b->nproblems++;
}

static char *counts_text(const long *v, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%s%ld", i ? "/" : "", v[i]);
	return sb_detach(&sb);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Quantile of sorted x (n >= 1), R's default (type 7). */
static double quantile(const double *x, int n, double q)
{
	double h = (n - 1) * q;
	int lo = (int)floor(h);
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
}

/* YYYY-MM-DD of a day number. */
static void day_text(long day, char out[11])
{
	int y, m, d;
	char buf[32];
	civil_from_days(day, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

/* How many assign runs stored pairs: the study's event log. */
static int count_runs(struct study *s, long *runs, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT count(*) FROM event WHERE action = 'assign'", &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*runs = sqlite3_column_int64(st, 0);
	else
		rc = study_db_error(s, err, "read the event log");
	sqlite3_finalize(st);
	return rc;
}

void assign_balance_free(struct assign_balance *b)
{
	if (!b)
		return;
	free(b->cell);
	for (int r = 0; r < b->nvrows; r++) {
		free(b->vrows[r].label);
		free(b->vrows[r].count);
	}
	free(b->vrows);
	free(b->order);
	free(b->blocks);
	free(b->days);
	free(b->agent_min_key);
	free(b->agent_min_persona);
	free(b->note);
	for (int i = 0; i < b->nproblems_shown; i++)
		free(b->problems[i]);
	free(b->problems);
	free(b);
}

/* The agent gap of --check (see struct assign_balance): messages ordered by
 * agent, persona and time, so that each interval is between neighbours. */
static int agent_gaps(struct study *s, struct assign_balance *b, struct ct_err *err)
{
	const struct design *d = s->design;
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		/* Follow-ups write the agent again on purpose: not a gap broken. */
		"SELECT l.agent_key, a.persona, g.name || '/' || p.gender, l.ref, "
		"coalesce(a.sent_at, a.scheduled_at) AS t FROM application a "
		"JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
		"JOIN grp g ON g.id = p.grp WHERE l.agent_key IS NOT NULL AND l.agent_key <> '' AND "
		"a.status <> 'cancelled' AND a.kind <> 'followup' AND t IS NOT NULL ORDER BY l.agent_key, a.persona, t, a.id",
		&st, err);
	if (rc)
		return rc;
	char *pkey = NULL, *pref = NULL;
	int64_t ppersona = -1;
	time_t pt = 0;
	long shown = 0;
	double limit = d->agent_gap_days * 86400.0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		int64_t persona = sqlite3_column_int64(st, 1);
		const char *who = (const char *)sqlite3_column_text(st, 2);
		const char *ref = (const char *)sqlite3_column_text(st, 3);
		time_t t;
		if (!key || !time_parse_iso((const char *)sqlite3_column_text(st, 4), &t))
			continue;
		if (pkey && !strcmp(pkey, key) && ppersona == persona) {
			double gap = difftime(t, pt);
			if (!b->agent_intervals || gap / 86400.0 < b->agent_min_gap_days) {
				b->agent_min_gap_days = gap / 86400.0;
				free(b->agent_min_key);
				free(b->agent_min_persona);
				b->agent_min_key = xstrdup(key);
				b->agent_min_persona = xstrdup(who ? who : "");
			}
			b->agent_intervals++;
			if (gap < limit - 0.5) {
				b->agent_collisions++;
				if (shown++ < 10)
					problem(b, "agent %s: persona %s writes listings %s and %s %.2f days "
						   "apart (agent_gap_days = %g)",
						key, who ? who : "?", pref ? pref : "?", ref ? ref : "?",
						gap / 86400.0, d->agent_gap_days);
			}
		}
		free(pkey);
		free(pref);
		pkey = xstrdup(key);
		pref = xstrdup(ref ? ref : "");
		ppersona = persona;
		pt = t;
	}
	sqlite3_finalize(st);
	free(pkey);
	free(pref);
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "read the messages by agent");
	if (shown > 10)
		problem(b, "... %ld intervals in all are shorter than agent_gap_days", b->agent_collisions);
	return CT_OK;
}

int assignments_balance(struct study *s, struct assign_balance **out, struct ct_err *err)
{
	const struct design *d = s->design;
	struct pair *p = NULL;
	long runs = 0;
	int n = 0, rc = count_runs(s, &runs, err);
	*out = NULL;
	if (!rc)
		rc = load_pairs(s, &p, &n, err);
	if (rc)
		return rc;
	int T = d->ngroups - 1, G = d->ngenders, V = d->variants, k = T * G, m = d->block_cells;
	struct assign_balance *b = xcalloc(1, sizeof(*b));
	b->npairs = n;
	b->ntest = T;
	b->ngenders = G;
	b->variants = V;
	b->block_cells = m;

	/* Cells: each pair's test group (tof) and cell (cof), -1 when no longer
	 * in the design. */
	int *tof = xcalloc((size_t)n + 1, sizeof(int)), *cof = xcalloc((size_t)n + 1, sizeof(int));
	long *cell = b->cell = xcalloc((size_t)k + 1, sizeof(long));
	for (int i = 0; i < n; i++) {
		int g = gender_index(d, p[i].gender);
		tof[i] = test_index(d, p[i].group);
		cof[i] = tof[i] >= 0 && g >= 0 ? tof[i] * G + g : -1;
		if (p[i].placebo)
			b->placebo_pairs++;
		else if (cof[i] < 0)
			b->other++;
		else
			cell[cof[i]]++;
	}
	if (k && assign_spread(cell, k) > m) {
		char *ct = counts_text(cell, k);
		problem(b, "cells: pair counts per test group x gender (%s) differ by more than %d", ct, m);
		free(ct);
	}

	/* Variants: the control overall, each test group, and the control on
	 * each test group's pairs (reported; kept within 1 whenever possible). */
	int nrows = b->nvrows = 1 + 2 * T;
	struct balance_variants *vr = b->vrows = xcalloc((size_t)nrows, sizeof(*vr));
	int *enforced = xcalloc((size_t)nrows, sizeof(int));
	for (int r = 0; r < nrows; r++)
		vr[r].count = xcalloc((size_t)V, sizeof(long));
	vr[0].label = xstrdup(d->groups[0].id);
	vr[0].group = d->groups[0].id;
	vr[0].role = "control";
	enforced[0] = 1;
	for (int t = 0; t < T; t++) {
		vr[1 + t].label = xstrdup(d->groups[t + 1].id);
		vr[1 + t].group = d->groups[t + 1].id;
		vr[1 + t].role = "test";
		enforced[1 + t] = 1;
		vr[1 + T + t].label = xasprintf("%s (with %s)", d->groups[0].id, d->groups[t + 1].id);
		vr[1 + T + t].group = d->groups[0].id;
		vr[1 + T + t].role = "control";
		vr[1 + T + t].with_group = d->groups[t + 1].id;
	}
	/* order[t]: pairs of test group t where its candidate writes first, second. */
	long (*order)[2] = b->order = xcalloc((size_t)T + 1, sizeof(*order));
	long shared = 0;
	for (int i = 0; i < n; i++) {
		int t = tof[i];
		if (p[i].nctrl != 1 || p[i].ntest != 1) {
			problem(b, "listing %s: %d control and %d test applications (want 1 and 1)", p[i].ref,
				p[i].nctrl, p[i].ntest);
			continue;
		}
		if (p[i].vc == p[i].vt && p[i].vc) {
			if (shared++ < 10)
				problem(b, "listing %s: both candidates send variant v%d", p[i].ref, p[i].vc);
		}
		if (p[i].placebo) {
			/* Placebo pairs: their own order count, no part in the test
			 * groups' balance. */
			b->placebo_first += p[i].pt == 1;
			b->placebo_second += p[i].pt == 2;
			if (p[i].pc + p[i].pt != 3)
				problem(b, "listing %s: positions %d and %d (want 1 and 2)", p[i].ref, p[i].pc,
					p[i].pt);
			continue;
		}
		if (p[i].vc >= 1 && p[i].vc <= V) {
			vr[0].count[p[i].vc - 1]++;
			if (t >= 0)
				vr[1 + T + t].count[p[i].vc - 1]++;
		}
		if (t >= 0 && p[i].vt >= 1 && p[i].vt <= V)
			vr[1 + t].count[p[i].vt - 1]++;
		if (p[i].pc + p[i].pt != 3)
			problem(b, "listing %s: positions %d and %d (want 1 and 2)", p[i].ref, p[i].pc, p[i].pt);
		if (t >= 0) {
			order[t][0] += p[i].pt == 1;
			order[t][1] += p[i].pt == 2;
		}
		b->control_first += p[i].pc == 1;
		b->control_second += p[i].pc == 2;
	}
	if (shared > 10)
		problem(b, "... %ld pairs in all share a variant", shared);
	for (int r = 0; r < nrows; r++)
		vr[r].spread = assign_spread(vr[r].count, V);
	/* The control's total: within 1 after a single run; after several runs
	 * it can be pushed further apart without any defect (docs/assignment.md,
	 * "Incremental runs"), up to T, beyond which it is a defect. */
	long cspread = vr[0].spread;
	if (cspread > 1 && runs > 1 && cspread <= (T > 1 ? T : 1)) {
		char *ct = counts_text(vr[0].count, V);
		b->note = xasprintf("the control group uses v1..v%d %s times, %ld apart, after %ld assign "
				    "runs: within the bound of incremental runs (at most %d apart with %d "
				    "test groups; see docs/assignment.md)",
				    V, ct, cspread, runs, T, T);
		free(ct);
		enforced[0] = 0;
	}
	for (int r = 0; r < 1 + T; r++)
		if (enforced[r] && vr[r].spread > 1) {
			char *ct = counts_text(vr[r].count, V);
			problem(b, "variants: group %s uses v1..v%d %s times: more than 1 apart", vr[r].label,
				V, ct);
			free(ct);
		}
	for (int t = 0; t < T; t++)
		if (labs(order[t][0] - order[t][1]) > 1)
			problem(b, "order: the %s candidate writes first in %ld and second in %ld pairs",
				d->groups[t + 1].id, order[t][0], order[t][1]);
	/* Each gender's placebo pairs alternate, so the total is within one
	 * per gender. */
	if (labs(b->placebo_first - b->placebo_second) > G)
		problem(b, "order: the placebo candidate writes first in %ld and second in %ld placebo "
			   "pairs", b->placebo_first, b->placebo_second);

	/* Blocks: the pairs of each block and its least and most used cell,
	 * counted in one pass (bcell[b * k + c]: pairs of cell c). */
	int maxb = 0;
	for (int i = 0; i < n; i++)
		maxb = p[i].block > maxb ? p[i].block : maxb;
	long *bcell = xcalloc(((size_t)maxb + 1) * (size_t)k + 1, sizeof(long));
	long *bpairs = xcalloc((size_t)maxb + 1, sizeof(long));
	for (int i = 0; i < n; i++) {
		int bl = p[i].block;
		if (bl < 1)
			continue;
		bpairs[bl]++;
		if (cof[i] >= 0)
			bcell[(size_t)bl * k + cof[i]]++;
	}
	b->blocks = xcalloc((size_t)maxb + 1, sizeof(*b->blocks));
	for (int bl = 1; bl <= maxb; bl++) {
		const long *bc = bcell + (size_t)bl * k;
		long lo = k ? bc[0] : 0, hi = lo;
		for (int c = 1; c < k; c++) {
			lo = bc[c] < lo ? bc[c] : lo;
			hi = bc[c] > hi ? bc[c] : hi;
		}
		if (!bpairs[bl])
			continue;
		struct balance_block *x = &b->blocks[b->nblocks++];
		x->block = bl;
		x->pairs = bpairs[bl];
		x->min_per_cell = lo;
		x->max_per_cell = hi;
		x->complete = bpairs[bl] == (long)k * m;
		if (hi > m)
			problem(b, "block %d: a cell appears %ld times (block_cells = %d)", bl, hi, m);
		else if (x->complete && lo != m)
			problem(b, "block %d: complete but its cells appear %ld to %ld times", bl, lo, hi);
	}

	/* Gaps. */
	double *gap = xcalloc((size_t)n + 1, sizeof(double));
	for (int i = 0; i < n; i++)
		gap[i] = p[i].gap_hours;
	if (n)
		qsort(gap, (size_t)n, sizeof(double), cmp_double);
	for (int i = 0; i < n; i++)
		if (gap[i] < d->gap_min_hours - 1e-9 || gap[i] > d->gap_max_hours + 1e-9) {
			problem(b, "gaps: %.2f h is outside [%g, %g] of study.ini", gap[i], d->gap_min_hours,
				d->gap_max_hours);
			break;
		}
	static const double qv[5] = { 0, 0.25, 0.5, 0.75, 1 };
	for (int i = 0; i < 5 && n; i++)
		b->gap_q[i] = quantile(gap, n, qv[i]);
	int nbins = (int)ARRAY_SIZE(b->gap_hist);
	b->gap_lo = d->gap_min_hours;
	b->gap_width = (d->gap_max_hours - d->gap_min_hours) / nbins;
	for (int i = 0; i < n; i++) {
		int bin = b->gap_width > 0 ? (int)((gap[i] - b->gap_lo) / b->gap_width) : 0;
		bin = bin < 0 ? 0 : bin >= nbins ? nbins - 1 : bin;
		b->gap_hist[bin]++;
	}

	/* Days and the window. */
	struct sched_window w = { d->timezone, day_of_date(d->start), d->days_mask, d->day_from,
				  d->day_to, d->daily_quota, agent_gap_seconds(d), 0, 0 };
	long dmin = 0, dmax = -1;
	long *day_of = xcalloc((size_t)2 * n + 1, sizeof(long));
	int nt = 0, outside = 0;
	for (int i = 0; i < n; i++)
		for (int r = 0; r < 2; r++) {
			const char *at = r ? p[i].st : p[i].sc;
			time_t t;
			if (!at || !time_parse_iso(at, &t))
				continue;
			long day;
			int minute;
			schedule_local(d->timezone, t, &day, &minute);
			day_of[nt++] = day;
			dmin = nt == 1 || day < dmin ? day : dmin;
			dmax = nt == 1 || day > dmax ? day : dmax;
			int wd = schedule_weekday(day);
			const char *why = minute < w.day_from || minute >= w.day_to ? "outside the sending hours"
					  : !((w.days_mask >> wd) & 1)                  ? "on a day without sending"
					  : day < w.first_day                            ? "before the start date"
											 : NULL;
			if (why && outside++ < 10) {
				char loc[40];
				time_iso_local(t, d->timezone, loc);
				problem(b, "schedule: listing %s: %s message at %s is %s", p[i].ref,
					r ? "test" : "control", loc, why);
			}
		}
	long ndays = nt ? dmax - dmin + 1 : 0;
	long *per_day = xcalloc((size_t)ndays + 1, sizeof(long));
	for (int i = 0; i < nt; i++)
		per_day[day_of[i] - dmin]++;
	b->days = xcalloc((size_t)ndays + 1, sizeof(*b->days));
	for (long i = 0; i < ndays; i++) {
		if (!per_day[i])
			continue;
		struct balance_day *x = &b->days[b->ndays++];
		day_text(dmin + i, x->date);
		x->weekday = schedule_weekday(dmin + i);
		x->messages = per_day[i];
		if (per_day[i] > d->daily_quota)
			problem(b, "schedule: %s has %ld messages; the daily quota is %d", x->date,
				per_day[i], d->daily_quota);
	}

	free(enforced);
	free(tof);
	free(cof);
	free(bcell);
	free(bpairs);
	free(gap);
	free(day_of);
	free(per_day);
	pairs_free(p, n);
	if ((rc = agent_gaps(s, b, err))) {
		assign_balance_free(b);
		return rc;
	}
	*out = b;
	return CT_OK;
}

int assign_schedule_extra(struct study *s, const char *agent_key, int64_t persona_first,
			  int64_t persona_second, int gap_minutes, uint64_t seed, long salt,
			  time_t *first, time_t *second, struct ct_err *err)
{
	struct sched_msg *ex = NULL;
	char **keys = NULL;
	int nex = 0;
	int rc = load_existing(s, &ex, &keys, &nex, err);
	/* One agent matters: the pair's own; every other message counts
	 * against the quota only. */
	for (int i = 0; i < nex; i++) {
		ex[i].agent = agent_key && keys[i] && !strcmp(keys[i], agent_key) ? 0 : -1;
		free(keys[i]);
	}
	free(keys);
	if (!rc) {
		struct sched_window w = window_of(s->design);
		w.seed = seed;
		w.salt = salt;
		struct sched_pair p = { agent_key ? 0 : -1, persona_first, persona_second, gap_minutes };
		rc = schedule_place(&w, ex, nex, 1, &p, 1, first, second, NULL, err);
	}
	free(ex);
	return rc;
}
