/* personas.c: drawing the study's fictitious candidates from the seed and
 * storing them (see personas.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design/personas.h"
#include "messages/outbox.h"
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

/* With placebo pairs (placebo_share > 0), a second control persona per
 * gender: the cells of the placebo group (store/study.h), after the
 * design's. */
static void add_placebo_cells(const struct design *d, struct persona_set *r)
{
	if (!(d->placebo_share > 0))
		return;
	r->group_owned = xrealloc(r->group_owned, (size_t)(r->ngroup_owned + 1) * sizeof(*r->group_owned));
	char *name = r->group_owned[r->ngroup_owned++] = study_placebo_group(d);
	for (int k = 0; k < d->ngenders; k++) {
		struct persona *p = cell_add(r);
		p->group = name;
		p->gender = d->genders[k];
		p->in_design = 1;
	}
}

/* The cells of the design (groups in design order, genders in design
 * order, then the placebo group's), then the rows of groups or genders no
 * longer in it. */
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
	add_placebo_cells(d, r);
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

/* Refuses --redraw once a candidate has actually written: the sent
 * messages carry the names, and the study must keep describing what
 * landlords received. Messages only composed (compose --outbox) do not
 * count: they are dropped and composed again. Simulated rows refuse it
 * too: they were made up for the candidates of now. */
static int redraw_allowed(struct study *s, struct ct_err *err)
{
	long long real;
	int rc = personas_real_sends(s, &real, err);
	if (rc)
		return rc;
	if (real)
		return ct_fail(err, CT_EINPUT,
			       "--redraw refused: %lld application%s %s actually sent; the candidates "
			       "must stay as the landlords saw them",
			       real, real == 1 ? "" : "s", real == 1 ? "was" : "were");
	sqlite3_stmt *st;
	if ((rc = study_prepare(s, "SELECT (SELECT count(*) FROM application WHERE simulated = 1) + "
				   "(SELECT count(*) FROM response WHERE simulated = 1)",
				&st, err)))
		return rc;
	long long sim = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (sim < 0)
		return study_db_error(s, err, "counting simulated rows");
	if (sim)
		return ct_fail(err, CT_EINPUT,
			       "--redraw refused: the study holds rows made up by 'corrtest simulate' "
			       "for the candidates of now; run 'corrtest simulate --undo' first");
	return CT_OK;
}

int personas_real_sends(struct study *s, long long *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	*n = 0;
	int rc = study_prepare(s,
			       "SELECT count(*) FROM application WHERE simulated = 0 AND (status IN "
			       "('sent', 'sending', 'bounced') OR sent_at IS NOT NULL)",
			       &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = study_db_error(s, err, "counting sent applications");
	sqlite3_finalize(st);
	return rc;
}

/* Drops the messages composed for applications not sent (they carry the
 * personas' old values) and clears their Message-IDs, so that compose or
 * send renders them again. Inside the caller's transaction. */
static int discard_composed(struct study *s, long long *n, struct ct_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM message WHERE direction = 'out' AND application IN (SELECT id FROM "
		"application WHERE status = 'planned' AND sent_at IS NULL AND simulated = 0)",
		"UPDATE application SET message_id = NULL WHERE status = 'planned' AND sent_at IS "
		"NULL AND simulated = 0 AND message_id IS NOT NULL",
	};
	*n = 0;
	/* Their files in an outbox go first, while the rows still say where
	 * they are: a mail client must not send the old text. */
	struct outbox_withdrawn w;
	int wrc = outbox_withdraw_unsent(s, &w, err);
	outbox_withdrawn_free(&w);
	if (wrc)
		return wrc;
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st;
		int rc = study_prepare(s, sql[i], &st, err);
		if (rc)
			return rc;
		rc = study_step_done(s, st, err, "dropping composed messages");
		sqlite3_finalize(st);
		if (rc)
			return rc;
		long long k = sqlite3_changes(s->db);
		if (k > *n)
			*n = k;
	}
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
	p->phone = personas_phone(s, p->group, p->gender);
	if ((rc = value_ok("e-mail address", p->email, p, err)) ||
	    (rc = value_ok("phone", p->phone, p, err)))
		return rc;
	p->profile = profile_json(d, p->gender);
	for (int i = 0; i < d->nprofile; i++)
		if ((rc = value_ok("profile", d->profile[i].value, p, err)))
			return rc;
	return CT_OK;
}

/* The placebo personas, after the design's from the same stream: names
 * from the control group's bank, none shared with any other candidate
 * (draw_name), and their own mailboxes (draw_one). */
static int draw_placebo(struct study *s, struct persona_set *r, struct rng *g, const char *names_dir,
			int *drawn, struct ct_err *err)
{
	const struct design *d = s->design;
	if (!(d->placebo_share > 0))
		return CT_OK;
	const struct design_group *c = NULL;
	for (int i = 0; i < d->ngroups; i++)
		if (d->groups[i].control)
			c = &d->groups[i];
	char *name = study_placebo_group(d);
	struct names_bank *b = NULL;
	int rc = CT_OK;
	for (int k = 0; k < d->ngenders && !rc && c; k++) {
		struct persona *p = cell_find(r, name, d->genders[k]);
		if (!p || p->draw != 1)
			continue;
		if (!b && (rc = names_load(names_dir, c->bank, &b, err))) {
			char *m = xstrdup(err->msg);
			rc = ct_fail(err, rc, "[group %s] bank '%s' (placebo personas): %s", c->id, c->bank, m);
			free(m);
			break;
		}
		if (!(rc = draw_one(s, r, g, b, p, err)))
			(*drawn)++;
	}
	names_bank_free(b);
	free(name);
	return rc;
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
	if (!rc)
		rc = draw_placebo(s, r, &g, names_dir, drawn, err);
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
	return personas_draw_ex(s, redraw, out, NULL, err);
}

int personas_draw_ex(struct study *s, int redraw, struct persona_set **out, long long *discarded,
		     struct ct_err *err)
{
	struct persona_set *r = xcalloc(1, sizeof(*r));
	int rc, drawn = 0;
	long long dropped = 0;
	*out = NULL;
	if (discarded)
		*discarded = 0;
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
		char detail[96];
		if (redraw && (rc = discard_composed(s, &dropped, err)))
			goto fail;
		if (dropped)
			snprintf(detail, sizeof(detail), "%d drawn; %lld composed message%s dropped",
				 drawn, dropped, dropped == 1 ? "" : "s");
		else
			snprintf(detail, sizeof(detail), "%d drawn", drawn);
		if ((rc = write_all(s, r, err)) ||
		    (rc = study_event(s, "personas", redraw ? "redraw" : "draw", detail, err)) ||
		    (rc = study_commit(s, err)))
			goto fail;
	}
	r->drawn = drawn;
	if (discarded)
		*discarded = dropped;
	*out = r;
	return CT_OK;
fail:
	study_rollback(s);
	persona_set_free(r);
	return rc;
}

/* The persona's number for a '#' placeholder: its cell in design order. */
static int cell_number(const struct design *d, const char *group, int gender)
{
	for (int g = 0; g < d->ngroups; g++)
		for (int k = 0; k < d->ngenders; k++)
			if (d->genders[k] == gender && !strcmp(d->groups[g].id, group))
				return g * d->ngenders + k + 1;
	/* The placebo personas (a second control persona per gender) come
	 * after the design's cells, so that each has a number of its own. */
	char *placebo = study_placebo_group(d);
	int n = 0;
	for (int k = 0; k < d->ngenders; k++)
		if (d->genders[k] == gender && !strcmp(placebo, group))
			n = d->ngroups * d->ngenders + k + 1;
	free(placebo);
	return n;
}

/* The phone as study.ini writes it, before the placeholder is filled. */
static const char *phone_written(const struct study *s, const char *group, int gender)
{
	const char *v = design_phone(s->cfg, s->design, group, gender);
	return v ? v : "";
}

char *personas_phone(const struct study *s, const char *group, int gender)
{
	const char *v = phone_written(s, group, gender);
	const char *end = strrchr(v, '#');
	if (!end)
		return xstrdup(v);
	const char *start = end;
	while (start > v && start[-1] == '#')
		start--;
	int width = (int)(end - start + 1);
	return xasprintf("%.*s%0*d%s", (int)(start - v), v, width,
			 cell_number(s->design, group, gender), end + 1);
}

void personas_follow_free(struct personas_follow *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->c[i].cell);
		free(f->c[i].was);
		free(f->c[i].now);
	}
	free(f->c);
	memset(f, 0, sizeof(*f));
}

static void change_add(struct personas_follow *f, const struct persona *p, const char *what,
		       const char *was, const char *now)
{
	f->c = xrealloc(f->c, (size_t)(f->n + 1) * sizeof(*f->c));
	struct persona_change *c = &f->c[f->n++];
	c->cell = xasprintf("%s.%s", p->group, gender_name(p->gender));
	c->what = what;
	c->was = xstrdup(was ? was : "");
	c->now = xstrdup(now);
}

/* The [profile] values of gender that the stored profile (compact JSON, as
 * profile_json writes it) does not hold as they are: "KEY = VALUE, ...",
 * or "keys removed" when only keys went away. Caller frees. */
static char *profile_changed(const struct design *d, int gender, const char *stored)
{
	char *now = profile_json(d, gender);
	struct strbuf sb = STRBUF_INIT;
	/* Each "key":"value" pair of the new object, looked for whole (after
	 * '{' or ',') in the stored one. */
	for (const char *q = now + 1; *q && *q != '}';) {
		const char *e = q;
		int quotes = 0;
		for (; *e; e++) {
			if (*e == '\\' && e[1]) {
				e++;
				continue;
			}
			if (*e == '"' && ++quotes == 4) {
				e++;
				break;
			}
		}
		char *pair = xstrndup(q, (size_t)(e - q));
		int found = 0;
		for (const char *h = strstr(stored, pair); h && !found; h = strstr(h + 1, pair))
			found = h > stored && (h[-1] == '{' || h[-1] == ',') &&
				(h[strlen(pair)] == ',' || h[strlen(pair)] == '}');
		if (!found) {
			/* "key":"value" shown as key = value, the JSON escapes kept. */
			char *colon = strstr(pair, "\":\"");
			if (colon) {
				char *v = colon + 3;
				*colon = 0;
				v[strlen(v) - 1] = 0;
				sb_addf(&sb, "%s%s = %s", sb.len ? ", " : "", pair + 1, v);
			}
		}
		free(pair);
		q = *e == ',' ? e + 1 : e;
	}
	free(now);
	if (!sb.len)
		sb_adds(&sb, "keys removed");
	return sb_detach(&sb);
}

/* What study.ini gives each drawn persona now, next to what it carries:
 * the changes go to f, the new values to the set's fields (the stored
 * ones are kept in f). */
static int follow_compare(struct study *s, struct persona_set *r, struct personas_follow *f,
			  struct ct_err *err)
{
	const struct design *d = s->design;
	for (int i = 0; i < r->n; i++) {
		struct persona *p = &r->p[i];
		p->draw = 0;
		if (!p->in_design || !p->exists)
			continue;
		int n0 = f->n;
		char *phone = personas_phone(s, p->group, p->gender);
		const char *at = strrchr(p->email, '@');
		char *email = xasprintf("%.*s@%s", at ? (int)(at - p->email) : (int)strlen(p->email),
					p->email, d->mail_domain);
		char *profile = profile_json(d, p->gender);
		if (strcmp(phone, p->phone))
			change_add(f, p, "phone", p->phone, phone);
		if (strcmp(email, p->email))
			change_add(f, p, "mail domain", at ? at + 1 : p->email, d->mail_domain);
		if (strcmp(profile, p->profile)) {
			char *keys = profile_changed(d, p->gender, p->profile);
			change_add(f, p, "profile", NULL, keys);
			free(keys);
		}
		int rc = value_ok("phone", phone, p, err);
		for (int k = 0; !rc && k < d->nprofile; k++)
			rc = value_ok("profile", d->profile[k].value, p, err);
		free(p->phone), free(p->email), free(p->profile);
		p->phone = phone, p->email = email, p->profile = profile;
		if (rc && f->n > n0) {
			char *m = xstrdup(err->msg);
			rc = ct_fail(err, rc, "study.ini: %s", m);
			free(m);
			return rc;
		}
		if (f->n > n0) {
			p->draw = 1; /* to be written */
			f->personas++;
		}
	}
	return CT_OK;
}

char **personas_follow_lines(const struct personas_follow *f, int *n)
{
	char **lines = xcalloc((size_t)f->n + 1, sizeof(*lines));
	char *done = xcalloc((size_t)f->n + 1, 1);
	*n = 0;
	for (int i = 0; i < f->n; i++) {
		if (done[i])
			continue;
		const struct persona_change *c = &f->c[i];
		struct strbuf cells = STRBUF_INIT;
		int k = 0;
		for (int j = i; j < f->n; j++)
			if (!done[j] && !strcmp(f->c[j].what, c->what) && !strcmp(f->c[j].was, c->was) &&
			    !strcmp(f->c[j].now, c->now)) {
				done[j] = 1;
				sb_addf(&cells, "%s%s", k++ ? ", " : "", f->c[j].cell);
			}
		if (*c->was)
			lines[(*n)++] = xasprintf("%s %s -> %s (%s)", c->what, c->was, c->now,
						  sb_str(&cells));
		else
			lines[(*n)++] = xasprintf("%s %s (%s)", c->what, c->now, sb_str(&cells));
		sb_free(&cells);
	}
	free(done);
	return lines;
}

/* The event's detail: what changed, for whom. */
static char *follow_detail(const struct personas_follow *f)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "study.ini applied to %d persona%s", f->personas, f->personas == 1 ? "" : "s");
	if (f->discarded)
		sb_addf(&sb, "; %lld composed message%s dropped", f->discarded,
			f->discarded == 1 ? "" : "s");
	int n;
	char **lines = personas_follow_lines(f, &n);
	for (int i = 0; i < n; i++) {
		sb_addf(&sb, "; %s", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return sb_detach(&sb);
}

static int follow_write(struct study *s, struct persona_set *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = CT_OK;
	/* Placeholders first, as in write_all: a new address may equal another
	 * row's old one. */
	for (int i = 0; i < r->n && !rc; i++) {
		if (r->p[i].draw != 1)
			continue;
		if ((rc = study_prepare(s, "UPDATE persona SET email = 'follow-' || id WHERE id = ?",
					&st, err)))
			break;
		sqlite3_bind_int64(st, 1, r->p[i].id);
		rc = study_step_done(s, st, err, "updating a persona");
		sqlite3_finalize(st);
	}
	for (int i = 0; i < r->n && !rc; i++) {
		const struct persona *p = &r->p[i];
		if (p->draw != 1)
			continue;
		if ((rc = study_prepare(s, "UPDATE persona SET email = ?2, phone = ?3, profile = ?4 "
					   "WHERE id = ?1",
					&st, err)))
			break;
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_text(st, 2, p->email, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, p->phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, p->profile, -1, SQLITE_TRANSIENT);
		rc = study_step_done(s, st, err, "updating a persona");
		sqlite3_finalize(st);
	}
	return rc;
}

int personas_follow(struct study *s, struct personas_follow *f, struct ct_err *err)
{
	memset(f, 0, sizeof(*f));
	struct persona_set *r = xcalloc(1, sizeof(*r));
	char *detail = NULL;
	/* Read without the write lock: most runs find nothing to do. */
	int rc = load_cells(s, r, err);
	if (!rc)
		rc = follow_compare(s, r, f, err);
	if (!rc && f->n)
		rc = personas_real_sends(s, &f->real_sends, err);
	if (rc || !f->n || f->real_sends)
		goto out;
	/* Again under the write lock: a send may have come in between. */
	if ((rc = study_begin(s, err)) || (rc = personas_real_sends(s, &f->real_sends, err)))
		goto fail;
	if (f->real_sends) {
		study_rollback(s);
		goto out;
	}
	if ((rc = follow_write(s, r, err)) || (rc = discard_composed(s, &f->discarded, err)))
		goto fail;
	detail = follow_detail(f);
	rc = study_event(s, "personas", "follow", detail, err);
	free(detail);
	if (rc || (rc = study_commit(s, err)))
		goto fail;
	f->applied = 1;
	goto out;
fail:
	study_rollback(s);
out:
	persona_set_free(r);
	if (rc)
		personas_follow_free(f);
	return rc;
}

/* A domain that can never receive mail: the reserved names of RFC 2606
 * and RFC 6761. */
static void warn_add(char ***lines, int *n, char *line)
{
	*lines = xrealloc(*lines, (size_t)(*n + 2) * sizeof(**lines));
	(*lines)[(*n)++] = line;
	(*lines)[*n] = NULL;
}

int personas_warnings(const struct study *s, const struct persona_set *ps, char ***lines)
{
	int n = 0;
	*lines = NULL;
	const struct design *d = s->design;
	/* A shared phone: the landlord who calls back reaches one line for
	 * candidates who should be strangers. */
	char *seen = xcalloc((size_t)ps->n + 1, 1);
	int empty = 0, placeholder = 0;
	for (int i = 0; i < ps->n; i++) {
		const struct persona *p = &ps->p[i];
		if (!p->in_design)
			continue;
		if (!p->phone || !*p->phone) {
			empty++;
			continue;
		}
		if (strchr(phone_written(s, p->group, p->gender), '#'))
			placeholder++;
		if (seen[i])
			continue;
		struct strbuf sb = STRBUF_INIT;
		int same = 0;
		for (int k = i; k < ps->n; k++)
			if (ps->p[k].in_design && ps->p[k].phone && phone_same(ps->p[k].phone, p->phone)) {
				seen[k] = 1;
				sb_addf(&sb, "%s%s.%s", same++ ? ", " : "", ps->p[k].group,
					gender_name(ps->p[k].gender));
			}
		if (same > 1)
			warn_add(lines, &n,
				 xasprintf("%d personas share the phone %s (%s): a landlord who calls "
					   "back reaches one line; give each its own number in [phones] "
					   "GROUP.GENDER, or a placeholder ending in ## in [personas] phone",
					   same, p->phone, sb_str(&sb)));
		sb_free(&sb);
	}
	free(seen);
	if (empty)
		warn_add(lines, &n,
			 xasprintf("%d persona%s no phone: set [personas] phone or [phones] "
				   "GROUP.GENDER if the templates or a channel need one",
				   empty, empty == 1 ? " has" : "s have"));
	if (placeholder)
		warn_add(lines, &n,
			 xasprintf("the phones of %d persona%s are fictitious placeholders ('#' in "
				   "study.ini): for a dry run only; replace them with numbers the team "
				   "answers before going live",
				   placeholder, placeholder == 1 ? "" : "s"));
	if (domain_reserved(d->mail_domain))
		warn_add(lines, &n,
			 xasprintf("the mail domain %s is reserved (RFC 2606/6761) and can never "
				   "receive mail: set [personas] mail_domain to the team's own domain "
				   "before going live",
				   d->mail_domain));
	return n;
}

char *persona_profile_json(const struct design *d, int gender)
{
	return profile_json(d, gender);
}

