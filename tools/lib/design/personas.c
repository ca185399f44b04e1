/* personas.c: drawing the study's fictitious candidates from the seed and
 * storing them (see personas.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design/personas.h"
#include "design/names.h"
#include "io/json.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "base/banned.h"

static void persona_free_fields(struct persona *p)
{
	free(p->first);
	free(p->last);
	free(p->email);
	free(p->phone);
	free(p->profile);
	p->first = p->last = p->email = p->phone = p->profile = NULL;
}

void persona_set_free(struct persona_set *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		persona_free_fields(&r->p[i]);
	free(r->p);
	for (int i = 0; i < r->ngroup_owned; i++)
		free(r->group_owned[i]);
	free(r->group_owned);
	free(r);
}

static struct persona *cell_find(struct persona_set *r, const char *group, int gender)
{
	for (int i = 0; i < r->n; i++)
		if (r->p[i].gender == gender && !strcmp(r->p[i].group, group))
			return &r->p[i];
	return NULL;
}

static struct persona *cell_add(struct persona_set *r)
{
	r->p = xrealloc(r->p, (size_t)(r->n + 1) * sizeof(*r->p));
	struct persona *p = &r->p[r->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The cells of the design (groups in design order, genders in design
 * order), then the rows of groups or genders no longer in it. */
static int load_cells(struct study *s, struct persona_set *r, struct ct_err *err)
{
	const struct design *d = s->design;
	for (int g = 0; g < d->ngroups; g++)
		for (int k = 0; k < d->ngenders; k++) {
			struct persona *p = cell_add(r);
			p->group = d->groups[g].id;
			p->gender = d->genders[k];
			p->in_design = 1;
		}
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT p.id, g.name, p.gender, p.first_name, p.last_name, p.email, "
			       "p.phone, p.profile FROM persona p JOIN grp g ON g.id = p.grp ORDER BY p.id",
			       &st, err);
	if (rc)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *group = (const char *)sqlite3_column_text(st, 1);
		int gender = gender_parse((const char *)sqlite3_column_text(st, 2));
		struct persona *p = cell_find(r, group, gender);
		if (!p) {
			p = cell_add(r);
			r->group_owned = xrealloc(r->group_owned, (size_t)(r->ngroup_owned + 1) *
							  sizeof(*r->group_owned));
			p->group = r->group_owned[r->ngroup_owned++] = xstrdup(group ? group : "");
			p->gender = gender;
		}
		p->exists = 1;
		p->id = sqlite3_column_int64(st, 0);
		p->first = study_column_dup(st, 3, "");
		p->last = study_column_dup(st, 4, "");
		p->email = study_column_dup(st, 5, "");
		p->phone = study_column_dup(st, 6, "");
		p->profile = study_column_dup(st, 7, "");
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "reading the personas");
	for (int i = 0; i < r->n; i++)
		r->p[i].draw = r->p[i].in_design && (r->redraw || !r->p[i].exists);
	return CT_OK;
}

/* Refuses --redraw once a candidate has written: the sent messages carry
 * the names, and the study must keep describing what landlords received. */
static int redraw_allowed(struct study *s, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT (SELECT count(*) FROM application WHERE status NOT IN "
			       "('planned', 'cancelled')), (SELECT count(*) FROM message WHERE "
			       "direction = 'out')",
			       &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return study_db_error(s, err, "counting sent messages");
	}
	long long apps = sqlite3_column_int64(st, 0), msgs = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (apps || msgs)
		return ct_fail(err, CT_EINPUT,
			       "--redraw refused: messages were already sent (%lld application%s past "
			       "'planned', %lld outgoing message%s); the candidates must stay as the "
			       "landlords saw them",
			       apps, apps == 1 ? "" : "s", msgs, msgs == 1 ? "" : "s");
	return CT_OK;
}

/* [profile] resolved for one gender, as a compact JSON object: KEY.female
 * and KEY.male override a plain KEY for that gender, in the order keys
 * first appear. Caller frees. */
static char *profile_json(const struct design *d, int gender)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		ct_oom(0);
	struct json j;
	json_init(&j, f, 0);
	json_obj_begin(&j);
	for (int i = 0; i < d->nprofile; i++) {
		const char *k = d->profile[i].key;
		const char *dot = strrchr(k, '.');
		size_t blen = dot && (!strcmp(dot, ".female") || !strcmp(dot, ".male"))
				      ? (size_t)(dot - k)
				      : strlen(k);
		char *base = xstrndup(k, blen);
		/* Only the first key of each base writes it, with the value that
		 * applies: the gendered one if any, else the plain one. */
		int seen = 0;
		for (int m = 0; m < i && !seen; m++) {
			const char *km = d->profile[m].key;
			seen = !strncmp(km, base, blen) &&
			       (!km[blen] || !strcmp(km + blen, ".female") || !strcmp(km + blen, ".male"));
		}
		const char *plain = NULL, *gendered = NULL;
		for (int m = i; m < d->nprofile && !seen; m++) {
			const char *km = d->profile[m].key;
			if (strncmp(km, base, blen))
				continue;
			if (!km[blen])
				plain = d->profile[m].value;
			else if (km[blen] == '.' && !strcmp(km + blen + 1, gender_name(gender)))
				gendered = d->profile[m].value;
		}
		const char *v = gendered ? gendered : plain;
		if (!seen && v) {
			json_key(&j, base);
			json_str(&j, v);
		}
		free(base);
	}
	json_obj_end(&j);
	fclose(f);
	return buf;
}

static int name_used(struct persona_set *r, const char *name, int last)
{
	char *f = names_fold(name);
	int used = 0;
	for (int i = 0; i < r->n && !used; i++) {
		const char *o = last ? r->p[i].last : r->p[i].first;
		if (!o || r->p[i].draw == 1)
			continue;
		char *g = names_fold(o);
		used = !strcmp(f, g);
		free(g);
	}
	free(f);
	return used;
}

static int email_used(struct persona_set *r, const struct persona *self, const char *email)
{
	for (int i = 0; i < r->n; i++)
		if (&r->p[i] != self && r->p[i].email && r->p[i].draw != 1 &&
		    str_eq_ci(r->p[i].email, email))
			return 1;
	return 0;
}

/* Draws a name of kind for p among those not used by another candidate. */
static int draw_name(struct persona_set *r, struct rng *g, const struct names_bank *b, struct persona *p,
		     int kind, struct ct_err *err)
{
	const struct names_entry **all;
	int n = names_pick(b, kind, p->gender, &all), m = 0;
	for (int i = 0; i < n; i++)
		if (!name_used(r, all[i]->name, kind == NAMES_LAST))
			all[m++] = all[i];
	if (!m) {
		free(all);
		return ct_fail(err, CT_EINPUT,
			       "name bank '%s' has no %s %s left that no other candidate carries",
			       b->id, p->gender == GENDER_FEMALE ? "female" : "male",
			       kind == NAMES_FIRST ? "first name" : "surname");
	}
	const char *name = all[rng_below(g, (uint64_t)m)]->name;
	if (kind == NAMES_FIRST)
		p->first = xstrdup(name);
	else
		p->last = xstrdup(name);
	free(all);
	return CT_OK;
}

/* The one rule of base/util.h for text users bring, applied to every value
 * a candidate carries before it is stored: what is refused here would go out
 * in every message that candidate writes. */
static int value_ok(const char *what, const char *v, const struct persona *p, struct ct_err *err)
{
	const char *why;
	unsigned long cp;
	if (!text_ok(v, strlen(v), &why, NULL, &cp))
		return ct_fail(err, CT_EINPUT,
			       "the %s of the %s %s candidate contains %s (U+%04lX); nothing was drawn",
			       what, p->group, gender_name(p->gender), why, cp);
	return CT_OK;
}

static int draw_one(struct study *s, struct persona_set *r, struct rng *g, const struct names_bank *b, struct persona *p,
		    struct ct_err *err)
{
	const struct design *d = s->design;
	persona_free_fields(p);
	p->draw = 2; /* from now on its names count as used */
	int rc;
	if ((rc = draw_name(r, g, b, p, NAMES_FIRST, err)) ||
	    (rc = draw_name(r, g, b, p, NAMES_LAST, err)))
		return rc;
	if ((rc = value_ok("first name", p->first, p, err)) ||
	    (rc = value_ok("surname", p->last, p, err)))
		return rc;
	char *local = names_email_local(p->first, p->last);
	if (!local)
		return ct_fail(err, CT_EINPUT,
			       "cannot make an e-mail address from '%s %s' (bank %s): no Latin letters",
			       p->first, p->last, b->id);
	p->email = xasprintf("%s@%s", local, d->mail_domain);
	for (int k = 2; email_used(r, p, p->email); k++) {
		free(p->email);
		p->email = xasprintf("%s%d@%s", local, k, d->mail_domain);
	}
	free(local);
	const char *phone = design_phone(s->cfg, d, p->group, p->gender);
	p->phone = xstrdup(phone ? phone : "");
	if ((rc = value_ok("e-mail address", p->email, p, err)) ||
	    (rc = value_ok("phone", p->phone, p, err)))
		return rc;
	p->profile = profile_json(d, p->gender);
	for (int i = 0; i < d->nprofile; i++)
		if ((rc = value_ok("profile", d->profile[i].value, p, err)))
			return rc;
	return CT_OK;
}

/* Draws every cell marked draw, in design order, from the "personas"
 * stream of the seed; nothing is written yet. */
static int draw_all(struct study *s, struct persona_set *r, int *drawn, struct ct_err *err)
{
	const struct design *d = s->design;
	char *names_dir = xasprintf("%s/names", s->dir);
	struct rng g;
	int rc = CT_OK;
	*drawn = 0;
	if (!r->redraw) {
		rng_init(&g, d->seed, "personas");
	} else {
		/* Each redraw takes its own stream, numbered from the event log,
		 * so that it gives new candidates and is still reproducible. */
		sqlite3_stmt *st;
		if ((rc = study_prepare(s,
					"SELECT count(*) FROM event WHERE action = 'personas' AND "
					"subject = 'redraw'",
					&st, err))) {
			free(names_dir);
			return rc;
		}
		long long k = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		char stream[64];
		snprintf(stream, sizeof(stream), "personas/redraw %lld", k + 1);
		rng_init(&g, d->seed, stream);
	}
	for (int gi = 0; gi < d->ngroups && !rc; gi++) {
		const struct design_group *dg = &d->groups[gi];
		struct names_bank *b = NULL;
		for (int k = 0; k < d->ngenders && !rc; k++) {
			struct persona *p = cell_find(r, dg->id, d->genders[k]);
			if (p->draw != 1)
				continue;
			if (!b && (rc = names_load(names_dir, dg->bank, &b, err))) {
				char *m = xstrdup(err->msg);
				rc = ct_fail(err, rc, "[group %s] bank '%s': %s", dg->id, dg->bank, m);
				free(m);
				break;
			}
			if (!(rc = draw_one(s, r, &g, b, p, err)))
				(*drawn)++;
		}
		names_bank_free(b);
	}
	free(names_dir);
	return rc;
}

static int write_all(struct study *s, struct persona_set *r, struct ct_err *err)
{
	char at[ISO_LEN];
	time_iso_utc(time_now(), at);
	sqlite3_stmt *st;
	int rc = CT_OK;
	/* Redrawn rows first take a placeholder address, so that a new address
	 * equal to another row's old one does not trip the UNIQUE constraint. */
	for (int i = 0; i < r->n && !rc; i++) {
		if (!r->p[i].draw || !r->p[i].exists)
			continue;
		if ((rc = study_prepare(s, "UPDATE persona SET email = 'redraw-' || id WHERE id = ?",
					&st, err)))
			break;
		sqlite3_bind_int64(st, 1, r->p[i].id);
		rc = study_step_done(s, st, err, "updating a persona");
		sqlite3_finalize(st);
	}
	for (int i = 0; i < r->n && !rc; i++) {
		struct persona *p = &r->p[i];
		if (!p->draw)
			continue;
		if (p->exists)
			rc = study_prepare(s,
					   "UPDATE persona SET first_name = ?2, last_name = ?3, email = ?4, "
					   "phone = ?5, profile = ?6, drawn_at = ?7 WHERE id = ?1",
					   &st, err);
		else
			rc = study_prepare(s,
					   "INSERT INTO persona(grp, gender, first_name, last_name, email, "
					   "phone, profile, drawn_at) VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, ?7)",
					   &st, err);
		if (rc)
			break;
		if (p->exists)
			sqlite3_bind_int64(st, 1, p->id);
		else
			sqlite3_bind_int64(st, 1, study_group_id(s, p->group));
		sqlite3_bind_text(st, 2, p->first, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, p->last, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, p->email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, p->phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, p->profile, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, at, -1, SQLITE_TRANSIENT);
		if (!p->exists)
			sqlite3_bind_text(st, 8, gender_name(p->gender), -1, SQLITE_TRANSIENT);
		if (!(rc = study_step_done(s, st, err, "writing a persona")) && !p->exists) {
			p->id = sqlite3_last_insert_rowid(s->db);
			p->exists = 1;
		}
		sqlite3_finalize(st);
	}
	return rc;
}

int personas_draw(struct study *s, int redraw, struct persona_set **out, struct ct_err *err)
{
	struct persona_set *r = xcalloc(1, sizeof(*r));
	int rc, drawn = 0;
	*out = NULL;
	r->redraw = redraw;
	r->seed = s->design->seed;
	/* The write lock comes first, so that a busy study is reported before
	 * anything is drawn. */
	if ((rc = study_begin(s, err)))
		goto fail;
	if ((rc = study_sync_groups(s, err)) || (redraw && (rc = redraw_allowed(s, err))) ||
	    (rc = load_cells(s, r, err)) || (rc = draw_all(s, r, &drawn, err)))
		goto fail;
	if (!drawn) {
		/* Nothing new: the study stays exactly as it was. */
		study_rollback(s);
	} else {
		char detail[64];
		snprintf(detail, sizeof(detail), "%d drawn", drawn);
		if ((rc = write_all(s, r, err)) ||
		    (rc = study_event(s, "personas", redraw ? "redraw" : "draw", detail, err)) ||
		    (rc = study_commit(s, err)))
			goto fail;
	}
	r->drawn = drawn;
	*out = r;
	return CT_OK;
fail:
	study_rollback(s);
	persona_set_free(r);
	return rc;
}

char *persona_profile_json(const struct design *d, int gender)
{
	return profile_json(d, gender);
}
