/* cvdraw.c: drawing and recording the pairs' CVs (cv_draw_study), loading
 * one back as a document (cv_doc_load) or as its recorded draws. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv/cvtpl.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "messages/template.h"
#include "base/banned.h"

static int level_rank(const char *l)
{
	if (!l || !strcmp(l, "none"))
		return 0;
	if (!strcmp(l, "secondary"))
		return 1;
	if (!strcmp(l, "bachelor"))
		return 2;
	return 3;
}

/* The age at which the level's degree is normally obtained in Belgium. */
static int normal_end(const char *level)
{
	return !strcmp(level, "secondary") ? 18 : !strcmp(level, "bachelor") ? 21 : 22;
}

/* ---- one pair's draw ---- */

struct pair_ctx {
	const struct cv_template *t;
	uint64_t seed;
	const char *stream; /* "cv/REF" or "cv/REF/retest" */
	const char *sit[CVC_N];
	const struct tpl_vars *vars; /* cv.*, study.city, profile.* */
	int phrasing;
};

static int expand(const struct pair_ctx *c, const char *sec, const char *text, const char *job,
		  int depth, struct strbuf *out, struct ct_err *err);

/* The text node n shows in this pair, for the phrasing and job of c. */
static int node_text(const struct pair_ctx *c, const struct cvt_node *n, const char *job, int depth,
		     struct strbuf *out, struct ct_err *err)
{
	if (depth > 8)
		return ct_fail(err, CT_EINPUT, "%s:%d: %s refers to itself (through {{...}})", c->t->path,
			       n->line, n->name);
	const char *sit[CVC_N];
	memcpy(sit, c->sit, sizeof(sit));
	sit[CVC_JOB] = n->per_job ? job : NULL;
	const struct cvt_variant *v = cvt_pick(n, sit);
	if (!v)
		return ct_fail(err, CT_EINPUT, "%s:%d: %s has no value for family %s, level %s, city %s",
			       c->t->path, n->line, n->name, sit[CVC_FAMILY], sit[CVC_LEVEL],
			       sit[CVC_CITY]);
	int a = 0;
	if (v->nalt > 1) {
		/* One stream per pair, node and job: the same draw for both CVs,
		 * and adding a node to the template shifts no other draw. */
		char name[256];
		snprintf(name, sizeof(name), "%s/%s/%s", c->stream, n->name,
			 n->per_job && job ? job : "-");
		struct rng r;
		rng_init(&r, c->seed, name);
		a = (int)rng_below(&r, (uint64_t)v->nalt);
	}
	const char *text = v->alt[a].side[v->worded ? c->phrasing - 1 : 0];
	return expand(c, n->section, text, job, depth + 1, out, err);
}

static int expand(const struct pair_ctx *c, const char *sec, const char *text, const char *job,
		  int depth, struct strbuf *out, struct ct_err *err)
{
	for (const char *p = text; *p;) {
		const char *o = strstr(p, "{{");
		if (!o) {
			sb_adds(out, p);
			break;
		}
		sb_add(out, p, (size_t)(o - p));
		const char *e = strstr(o + 2, "}}");
		char *ref = xstrndup(o + 2, e ? (size_t)(e - o - 2) : strlen(o + 2));
		char *r = str_trim(ref);
		const char *val = tpl_vars_get(c->vars, r);
		int rc = CT_OK;
		if (val) {
			sb_adds(out, val);
		} else {
			const struct cvt_node *n = cvt_node_find(c->t, r);
			if (!n) {
				char *full = xasprintf("%s.%s", sec, r);
				n = cvt_node_find(c->t, full);
				free(full);
			}
			if (n)
				rc = node_text(c, n, job, depth, out, err);
			else
				rc = ct_fail(err, CT_EINPUT, "%s: {{%s}} has no value in this study (a "
					     "[profile] key of study.ini?)", c->t->path, r);
		}
		free(ref);
		if (rc)
			return rc;
		p = e ? e + 2 : o + strlen(o);
	}
	return CT_OK;
}

static void json_sb(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(sb, "\\%c", *p);
		else if (*p < 0x20)
			sb_addf(sb, "\\u%04x", *p);
		else
			sb_addc(sb, (char)*p);
	}
	sb_addc(sb, '"');
}

static void attr_add(struct strbuf *sb, const char *k, const char *v)
{
	sb_addc(sb, sb->len ? ',' : '{');
	json_sb(sb, k);
	sb_addc(sb, ':');
	json_sb(sb, v);
}

/* Node names shown only at some levels. */
static int node_shown(const struct cvt_node *n, const char *level)
{
	if (!strcmp(n->name, "contact.months") || !strcmp(n->name, "experience.jobs"))
		return 0;
	if (!strcmp(n->name, "education.degree") || !strcmp(n->name, "education.school"))
		return level_rank(level) >= 2;
	if (!strcmp(n->name, "education.prior_degree") || !strcmp(n->name, "education.prior_school"))
		return level_rank(level) == 3;
	return 1;
}

struct pair_in {
	long long app[2];   /* [0] the control side */
	char grp[2][96];
	char *ref, *kind, *isco, *level, *gender;
	char *first_at;     /* the pair's first scheduled time, or NULL */
	char *profile;      /* the control side's persona.profile (JSON) */
	char cell[256];
	int control[2], nside;
};

static void pair_in_free(struct pair_in *p)
{
	free(p->ref);
	free(p->kind);
	free(p->isco);
	free(p->level);
	free(p->gender);
	free(p->first_at);
	free(p->profile);
}

struct study_ctx {
	struct study *s;
	struct cv_template *t;
	struct cv_settings cs;
	long age, exp;
};

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The attrs of both phrasings of one pair, and the PDFs' creation time. */
static int draw_pair(struct study_ctx *sc, const struct pair_in *pi, const char *family,
		     char *attrs[2], char created[ISO_LEN], struct ct_err *err)
{
	const struct design *d = sc->s->design;
	const char *level = sc->cs.level;
	char stream[200];
	snprintf(stream, sizeof(stream), "cv/%s%s", pi->ref, strcmp(pi->kind, "main") ? "/retest" : "");
	/* The reference date: the pair's first message, else the study's start. */
	int ry = 0, rm = 0, rday = 0;
	time_t first = 0;
	if (pi->first_at && time_parse_iso(pi->first_at, &first)) {
		char loc[40];
		time_iso_local(first, d->timezone, loc);
		date_parse_prefix(loc, &ry, &rm, &rday);
	} else {
		date_parse_prefix(d->start, &ry, &rm, &rday);
		first = time_from_local(d->timezone, ry, rm, rday, 9, 0);
	}
	struct rng r;
	char sname[240];
	snprintf(sname, sizeof(sname), "%s/dates", stream);
	rng_init(&r, d->seed, sname);
	/* One birth date for every CV of the study, drawn from the seed alone
	 * (not from the pair): a candidate who writes to one agent twice (two
	 * of its vacancies, a re-test) is born on the same day in both CVs,
	 * and the date does not move with the schedule. Between 1 January and
	 * the study's first day, age years earlier: the candidates are exactly
	 * age when fielding starts. */
	int sy = 0, sm = 0, sday = 0;
	date_parse_prefix(d->start, &sy, &sm, &sday);
	struct rng rb;
	rng_init(&rb, d->seed, "cv/birth");
	int by = sy - (int)sc->age;
	int dmax = sm == 2 && sday == 29 && !is_leap(by) ? 28 : sday;
	long lo = days_from_civil(by, 1, 1), hi = days_from_civil(by, sm, dmax);
	long bd = lo + (long)rng_below(&rb, (uint64_t)(hi - lo + 1));
	int byy, bm, bdd;
	civil_from_days(bd, &byy, &bm, &bdd);
	int grad = by + (int)(sc->age - sc->exp);
	/* The PDF's creation: the day before the first message, in office or
	 * evening hours, the same for both CVs. */
	{
		char loc[40];
		time_iso_local(first - 86400, d->timezone, loc);
		int cy, cm, cd;
		date_parse_prefix(loc, &cy, &cm, &cd);
		int h = 8 + (int)rng_below(&r, 14), mi = (int)rng_below(&r, 60);
		time_t ct = time_from_local(d->timezone, cy, cm, cd, h, mi) + (time_t)rng_below(&r, 60);
		time_iso_utc(ct, created);
	}
	struct tpl_vars vars = { 0 };
	struct pair_ctx c = { sc->t, d->seed, stream, { family, level, d->city, pi->gender, NULL },
			      &vars, 1 };
	int rc = CT_OK;
	if (pi->profile && *pi->profile && (rc = json_read_flat(pi->profile, "profile.", &vars, err)))
		return rc;
	char num[32];
	snprintf(num, sizeof(num), "%ld", sc->age);
	tpl_vars_set(&vars, "cv.age", num);
	snprintf(num, sizeof(num), "%ld", sc->exp);
	tpl_vars_set(&vars, "cv.experience_years", num);
	snprintf(num, sizeof(num), "%d", by);
	tpl_vars_set(&vars, "cv.birth_year", num);
	snprintf(num, sizeof(num), "%d", grad);
	tpl_vars_set(&vars, "cv.grad_year", num);
	tpl_vars_set(&vars, "cv.city", d->city);
	tpl_vars_set(&vars, "study.city", d->city);
	tpl_vars_set(&vars, "cv.level", level);

	/* The number of jobs, and the years each began: the oldest right after
	 * the degree, each at least a year long, the last up to now. */
	struct strbuf sb = STRBUF_INIT;
	int njobs = 0;
	if ((rc = node_text(&c, cvt_node_find(sc->t, "experience.jobs"), NULL, 0, &sb, err)))
		goto out;
	njobs = atoi(sb_str(&sb));
	if (njobs > sc->exp)
		njobs = (int)sc->exp;
	int start[4] = { 0 };
	{
		int cand[64], nc = 0;
		for (int y = grad + 1; y < ry && nc < 64; y++)
			cand[nc++] = y;
		snprintf(sname, sizeof(sname), "%s/jobs", stream);
		struct rng jr;
		rng_init(&jr, d->seed, sname);
		rng_shuffle(&jr, cand, (size_t)nc, sizeof(int));
		int cuts[3] = { 0 };
		for (int k = 0; k < njobs - 1; k++)
			cuts[k] = cand[k];
		/* Sorted, most recent first: job 1 began at the latest cut. */
		for (int a = 0; a < njobs - 1; a++)
			for (int b = a + 1; b < njobs - 1; b++)
				if (cuts[b] > cuts[a]) {
					int x = cuts[a];
					cuts[a] = cuts[b];
					cuts[b] = x;
				}
		for (int k = 0; k < njobs - 1; k++)
			start[k + 1] = cuts[k];
		start[njobs] = grad;
	}
	/* Months and "present" in the template's language. */
	char *months[12] = { NULL };
	sb_reset(&sb);
	if ((rc = node_text(&c, cvt_node_find(sc->t, "contact.months"), NULL, 0, &sb, err)))
		goto out;
	{
		char *m = xstrdup(sb_str(&sb)), *p = m;
		for (int k = 0; k < 12; k++) {
			p += strspn(p, " ,");
			size_t n = strcspn(p, " ,");
			months[k] = xstrndup(p, n);
			p += n;
		}
		free(m);
		if (!*months[11]) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: contact.months lists twelve month names",
				     sc->t->path, cvt_node_find(sc->t, "contact.months")->line);
			goto months_out;
		}
	}
	for (int ph = 1; ph <= 2 && !rc; ph++) {
		c.phrasing = ph;
		struct strbuf a = STRBUF_INIT, tmp = STRBUF_INIT;
		char buf[128];
		attr_add(&a, "cv.level", level);
		attr_add(&a, "cv.family", family);
		snprintf(buf, sizeof(buf), "%ld", sc->age);
		attr_add(&a, "cv.age", buf);
		snprintf(buf, sizeof(buf), "%ld", sc->exp);
		attr_add(&a, "cv.experience_years", buf);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", ry, rm, rday);
		attr_add(&a, "cv.reference_date", buf);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", byy, bm, bdd);
		attr_add(&a, "cv.birth_date", buf);
		/* French writes the first of a month "1er". */
		snprintf(buf, sizeof(buf), "%d%s %s %d", bdd,
			 bdd == 1 && !strcmp(d->lang, "fr") ? "er" : "", months[bm - 1], byy);
		attr_add(&a, "cv.birth_label", buf);
		snprintf(buf, sizeof(buf), "%d", grad);
		attr_add(&a, "cv.grad_year", buf);
		snprintf(buf, sizeof(buf), "%d", njobs);
		attr_add(&a, "cv.jobs", buf);
		int lr = level_rank(level);
		int deg_start = lr == 3 ? grad - 4 : grad - 3;
		/* Secondary school ends at 18 (a later diploma, as a secondary
		 * level's graduation age allows, leaves a gap before the first
		 * job rather than a school career that ends at 21). */
		int sec_end = lr == 1 ? by + 18 : (by + 18 < deg_start ? by + 18 : deg_start);
		snprintf(buf, sizeof(buf), "%d \u2013 %d", sec_end - 6, sec_end);
		attr_add(&a, "cv.secondary_years", buf);
		if (lr == 3) {
			snprintf(buf, sizeof(buf), "%d \u2013 %d", grad - 4, grad - 1);
			attr_add(&a, "cv.prior_years", buf);
			snprintf(buf, sizeof(buf), "%d \u2013 %d", grad - 1, grad);
			attr_add(&a, "cv.degree_years", buf);
		} else if (lr == 2) {
			snprintf(buf, sizeof(buf), "%d \u2013 %d", grad - 3, grad);
			attr_add(&a, "cv.degree_years", buf);
		}
		sb_reset(&tmp);
		if ((rc = node_text(&c, cvt_node_find(sc->t, "contact.present"), NULL, 0, &tmp, err))) {
			sb_free(&a);
			sb_free(&tmp);
			break;
		}
		char *present = sb_detach(&tmp);
		for (int k = 1; k <= njobs; k++) {
			char key[32];
			snprintf(key, sizeof(key), "cv.job_years.%d", k);
			if (k == 1)
				snprintf(buf, sizeof(buf), "%d \u2013 %s", start[1], present);
			else
				snprintf(buf, sizeof(buf), "%d \u2013 %d", start[k], start[k - 1]);
			attr_add(&a, key, buf);
		}
		free(present);
		for (int i = 0; i < sc->t->nnode && !rc; i++) {
			const struct cvt_node *n = &sc->t->node[i];
			if (!node_shown(n, level))
				continue;
			for (int k = 1; k <= (n->per_job ? njobs : 1) && !rc; k++) {
				char job[2] = { (char)('0' + k), 0 };
				sb_reset(&tmp);
				if ((rc = node_text(&c, n, n->per_job ? job : NULL, 0, &tmp, err)))
					break;
				if (n->per_job) {
					char *key = xasprintf("%s.%d", n->name, k);
					attr_add(&a, key, sb_str(&tmp));
					free(key);
				} else {
					attr_add(&a, n->name, sb_str(&tmp));
				}
			}
		}
		sb_free(&tmp);
		sb_addc(&a, '}');
		if (rc)
			sb_free(&a);
		else
			attrs[ph - 1] = sb_detach(&a);
	}
months_out:
	for (int k = 0; k < 12; k++)
		free(months[k]);
out:
	sb_free(&sb);
	tpl_vars_free(&vars);
	return rc;
}

/* ---- the study's draw ---- */

/* Counts by name: per cell, the control side's (layout, phrasing) as
 * (1,1) (1,2) (2,1) (2,2); per group, layout 1, layout 2, phrasing 1,
 * phrasing 2. */
struct cell_count {
	char *name;
	long n[4];
};

/* The index of name's counts (added when new). An index, not a pointer:
 * adding another entry moves the array. */
static int cell_of(struct cell_count **c, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*c)[i].name, name))
			return i;
	*c = xrealloc(*c, (size_t)(*n + 1) * sizeof(**c));
	memset(&(*c)[*n], 0, sizeof(**c));
	(*c)[*n].name = xstrdup(name);
	return (*n)++;
}

static int read_int_key(struct study *s, const char *key, long *v, struct ct_err *err)
{
	const char *x = config_get(s->cfg, "profile", key);
	if (!x)
		return ct_fail(err, CT_EINPUT, "%s: [profile] %s is needed for the CVs (an integer)",
			       s->cfg->path, key);
	if (!parse_long(x, v) || *v < 0 || *v > 80)
		return ct_fail(err, CT_EINPUT, "%s:%d: [profile] %s = %s: the CVs need a whole number of "
			       "years", s->cfg->path, config_line(s->cfg, "profile", key), key, x);
	return CT_OK;
}

static int study_ctx_open(struct study *s, struct study_ctx *sc, struct ct_err *err)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = s;
	int rc = cv_settings_read(s, &sc->cs, err);
	if (!rc && !sc->cs.level)
		rc = ct_fail(err, CT_EINPUT, "%s: [cv] level is needed (secondary, bachelor or master)",
			     s->cfg->path);
	if (!rc)
		rc = read_int_key(s, "age", &sc->age, err);
	if (!rc)
		rc = read_int_key(s, "experience_years", &sc->exp, err);
	/* A CV with no job at all is not a matched application: its work
	 * experience section would be empty. */
	if (!rc && sc->exp < 1)
		rc = ct_fail(err, CT_EINPUT, "%s:%d: [profile] experience_years = 0: the CVs need at "
			     "least one year of experience", s->cfg->path,
			     config_line(s->cfg, "profile", "experience_years"));
	if (!rc) {
		long g = sc->age - sc->exp, ne = normal_end(sc->cs.level);
		if (g < ne)
			rc = ct_fail(err, CT_EINPUT, "%s:%d: [profile] experience_years = %ld with age = %ld "
				     "means a %s degree at %ld, before the usual %ld: lower "
				     "experience_years or raise age",
				     s->cfg->path, config_line(s->cfg, "profile", "experience_years"), sc->exp,
				     sc->age, sc->cs.level, g, ne);
		else if (g > ne + 8)
			rc = ct_fail(err, CT_EINPUT, "%s:%d: [profile] experience_years = %ld with age = %ld "
				     "means a %s degree at %ld, unusually late (more than %ld): raise "
				     "experience_years or lower age",
				     s->cfg->path, config_line(s->cfg, "profile", "experience_years"), sc->exp,
				     sc->age, sc->cs.level, g, ne + 8);
	}
	if (!rc)
		rc = cv_template_load(s, &sc->t, err);
	return rc;
}

static void study_ctx_close(struct study_ctx *sc)
{
	cvt_free(sc->t);
	cv_settings_free(&sc->cs);
}

/* The pairs whose CVs are not drawn yet, in listing order. */
static int load_pending(struct study *s, struct pair_in **out, int *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	int rc = study_prepare(
		s,
		"SELECT a.id, a.listing, a.kind, g.name, g.role, p.gender, l.ref, l.isco, l.level, "
		"a.scheduled_at, p.profile FROM application a JOIN persona p ON p.id = a.persona "
		"JOIN grp g ON g.id = p.grp JOIN listing l ON l.id = a.listing "
		"WHERE (a.kind = 'main' OR a.kind = 'retest') AND NOT EXISTS "
		"(SELECT 1 FROM cv WHERE cv.application = a.id) "
		/* A pair whose first message left without a CV keeps going without
		 * one: the CV would not be what the employer got. */
		"AND NOT EXISTS (SELECT 1 FROM application b WHERE b.listing = a.listing AND "
		"b.kind = a.kind AND b.status <> 'planned') ORDER BY a.listing, a.kind, "
		"a.position, a.id",
		&st, err);
	if (rc)
		return rc;
	struct pair_in *v = NULL;
	int nv = 0, r;
	long long cur_listing = -1;
	char cur_kind[16] = "";
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		long long listing = sqlite3_column_int64(st, 1);
		const char *kind = (const char *)sqlite3_column_text(st, 2);
		if (listing != cur_listing || strcmp(kind, cur_kind)) {
			v = xrealloc(v, (size_t)(nv + 1) * sizeof(*v));
			memset(&v[nv], 0, sizeof(*v));
			struct pair_in *p = &v[nv++];
			p->ref = study_column_dup(st, 6, "");
			p->kind = xstrdup(kind);
			p->isco = study_column_dup(st, 7, NULL);
			p->level = study_column_dup(st, 8, NULL);
			p->gender = study_column_dup(st, 5, "female");
			p->profile = study_column_dup(st, 10, "");
			cur_listing = listing;
			snprintf(cur_kind, sizeof(cur_kind), "%s", kind);
		}
		struct pair_in *p = &v[nv - 1];
		int k = p->nside++;
		if (k >= 2)
			continue;
		p->app[k] = sqlite3_column_int64(st, 0);
		p->control[k] = !strcmp((const char *)sqlite3_column_text(st, 4), "control");
		snprintf(p->grp[k], sizeof(p->grp[k]), "%s", (const char *)sqlite3_column_text(st, 3));
		const char *at = (const char *)sqlite3_column_text(st, 9);
		if (at && (!p->first_at || strcmp(at, p->first_at) < 0)) {
			free(p->first_at);
			p->first_at = xstrdup(at);
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		for (int i = 0; i < nv; i++)
			pair_in_free(&v[i]);
		free(v);
		return study_db_error(s, err, "reading the applications");
	}
	for (int i = 0; i < nv; i++) {
		struct pair_in *p = &v[i];
		if (p->nside != 2) {
			rc = ct_fail(err, CT_EINPUT, "listing %s: its %s pair has %d application%s without "
				     "a CV; a pair's two CVs are drawn together", p->ref, p->kind,
				     p->nside, p->nside == 1 ? "" : "s");
			for (int k = 0; k < nv; k++)
				pair_in_free(&v[k]);
			free(v);
			return rc;
		}
		/* The control side first (a placebo pair's: the control persona). */
		if (!p->control[0] && p->control[1]) {
			long long a = p->app[0];
			char g[96];
			p->app[0] = p->app[1];
			p->app[1] = a;
			memcpy(g, p->grp[0], sizeof(g));
			memcpy(p->grp[0], p->grp[1], sizeof(g));
			memcpy(p->grp[1], g, sizeof(g));
		}
		snprintf(p->cell, sizeof(p->cell), "%s:%s/%s", p->kind, p->grp[1], p->gender);
	}
	*out = v;
	*n = nv;
	return CT_OK;
}

/* The counts of earlier draws: per cell the control side's (layout,
 * phrasing), per group its layouts and phrasings. */
static int load_counts(struct study *s, struct cell_count **cells, int *ncell,
		       struct cell_count **groups, int *ngroup, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT c.layout, c.phrasing, a.kind, p.gender, g.name, g.role, c.family, "
		"(SELECT g2.name FROM application b JOIN persona p2 ON p2.id = b.persona JOIN grp g2 "
		"ON g2.id = p2.grp JOIN cv c2 ON c2.application = b.id WHERE b.listing = a.listing AND "
		"b.kind = a.kind AND b.id <> a.id LIMIT 1) FROM cv c JOIN application a ON "
		"a.id = c.application JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp",
		&st, err);
	if (rc)
		return rc;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int l = sqlite3_column_int(st, 0), ph = sqlite3_column_int(st, 1);
		/* The index first: cell_of may move the array. */
		int gi = cell_of(groups, ngroup, (const char *)sqlite3_column_text(st, 4));
		long *gc = (*groups)[gi].n;
		gc[l - 1]++;
		gc[2 + ph - 1]++;
		const char *partner = (const char *)sqlite3_column_text(st, 7);
		if (!strcmp((const char *)sqlite3_column_text(st, 5), "control") && partner) {
			char cell[256];
			snprintf(cell, sizeof(cell), "%s:%s/%s/%s", sqlite3_column_text(st, 2), partner,
				 sqlite3_column_text(st, 3), sqlite3_column_text(st, 6));
			int ci = cell_of(cells, ncell, cell);
			(*cells)[ci].n[(l - 1) * 2 + ph - 1]++;
		}
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the CVs");
}

int cv_draw_study(struct study *s, long *ndrawn, struct ct_err *err)
{
	*ndrawn = 0;
	int on = 0;
	int rc = cv_enabled(s, &on, err);
	if (rc || !on)
		return rc;
	struct study_ctx sc;
	struct pair_in *pi = NULL;
	int npi = 0, ncell = 0, ngroup = 0;
	struct cell_count *cells = NULL;
	struct cell_count *groups = NULL;
	sqlite3_stmt *ins = NULL;
	int own_tx = !s->in_tx;
	long pairs = 0;
	if ((rc = study_ctx_open(s, &sc, err)))
		goto out;
	if (own_tx && (rc = study_begin(s, err)))
		goto out;
	if ((rc = load_pending(s, &pi, &npi, err)) || !npi ||
	    (rc = load_counts(s, &cells, &ncell, &groups, &ngroup, err)))
		goto out;
	if ((rc = study_prepare(s,
				"INSERT INTO cv (application, layout, phrasing, family, attrs, "
				"template_sha256, created_at, drawn_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
				"?8)",
				&ins, err)))
		goto out;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	for (int i = 0; i < npi && !rc; i++) {
		struct pair_in *p = &pi[i];
		if (!p->isco) {
			rc = ct_fail(err, CT_EINPUT, "listing %s has no ISCO-08 code: a job study's CVs "
				     "are drawn for the vacancy's occupation (import the listings with "
				     "an isco column)", p->ref);
			break;
		}
		const struct cvt_family *other = NULL, *f = cvt_family_of(sc.t, p->isco, &other);
		if (!f) {
			rc = other ? ct_fail(err, CT_EINPUT, "listing %s: ISCO code %s is too coarse: "
					     "several families of %s cover it (%s among them); give a "
					     "longer code", p->ref, p->isco, sc.t->path, other->name)
				   : ct_fail(err, CT_EINPUT, "listing %s: ISCO code %s is in no occupation "
					     "family of %s (its [families]); add it to a family or use "
					     "a study template ([cv] template)", p->ref, p->isco, sc.t->path);
			break;
		}
		if (level_rank(p->level) > level_rank(sc.cs.level)) {
			rc = ct_fail(err, CT_EINPUT, "listing %s asks for a %s degree, above the "
				     "candidates' level (study.ini [cv] level = %s)", p->ref, p->level,
				     sc.cs.level);
			break;
		}
		char *attrs[2] = { NULL, NULL };
		char created[ISO_LEN];
		if ((rc = draw_pair(&sc, p, f->name, attrs, created, err)))
			break;
		/* The control side's (layout, phrasing): one of those its cell has
		 * used least, then the one that evens out the groups' own counts,
		 * then at random; the other side takes the other layout and the
		 * other phrasing. */
		/* The cell holds the occupation family too: a worded node's texts
		 * depend on the family and the phrasing, so the phrasings are
		 * balanced within each family for the texts to be balanced over the
		 * groups. */
		char fcell[sizeof(p->cell) + 64];
		snprintf(fcell, sizeof(fcell), "%s/%s", p->cell, f->name);
		int ic = cell_of(&cells, &ncell, fcell);
		int i0 = cell_of(&groups, &ngroup, p->grp[0]);
		int i1 = cell_of(&groups, &ngroup, p->grp[1]);
		long *cc = cells[ic].n, *g0 = groups[i0].n, *g1 = groups[i1].n;
		long lo = cc[0];
		for (int k = 1; k < 4; k++)
			lo = cc[k] < lo ? cc[k] : lo;
		int cand[4], nc = 0;
		long best = -1;
		for (int k = 0; k < 4; k++) {
			if (cc[k] != lo)
				continue;
			int l = k / 2, ph = k % 2;
			long score = g0[l] + g0[2 + ph] + g1[1 - l] + g1[2 + 1 - ph];
			if (best < 0 || score < best) {
				best = score;
				nc = 0;
			}
			if (score == best)
				cand[nc++] = k;
		}
		char bname[240];
		snprintf(bname, sizeof(bname), "cv/%s%s/balance", p->ref,
			 strcmp(p->kind, "main") ? "/retest" : "");
		struct rng br;
		rng_init(&br, s->design->seed, bname);
		int k = cand[rng_below(&br, (uint64_t)nc)];
		int lay[2] = { k / 2 + 1, 2 - k / 2 }, phr[2] = { k % 2 + 1, 2 - k % 2 };
		cc[k]++;
		g0[lay[0] - 1]++;
		g0[2 + phr[0] - 1]++;
		g1[lay[1] - 1]++;
		g1[2 + phr[1] - 1]++;
		for (int sd = 0; sd < 2 && !rc; sd++) {
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, p->app[sd]);
			sqlite3_bind_int(ins, 2, lay[sd]);
			sqlite3_bind_int(ins, 3, phr[sd]);
			sqlite3_bind_text(ins, 4, f->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 5, attrs[phr[sd] - 1], -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 6, sc.t->sha256, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 7, created, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 8, now, -1, SQLITE_STATIC);
			rc = study_step_done(s, ins, err, "recording a CV");
		}
		free(attrs[0]);
		free(attrs[1]);
		if (!rc) {
			*ndrawn += 2;
			pairs++;
		}
	}
	if (!rc && npi) {
		char *detail = xasprintf("%ld CVs of %ld pairs drawn from %s (sha256 %s), level %s",
					 *ndrawn, pairs, sc.t->path, sc.t->sha256, sc.cs.level);
		rc = study_event(s, "cv.draw", NULL, detail, err);
		free(detail);
	}
out:
	sqlite3_finalize(ins);
	if (own_tx) {
		if (!rc && s->in_tx)
			rc = study_commit(s, err);
		else
			study_rollback(s);
	}
	if (rc)
		*ndrawn = 0;
	for (int i = 0; i < npi; i++)
		pair_in_free(&pi[i]);
	free(pi);
	for (int i = 0; i < ncell; i++)
		free(cells[i].name);
	free(cells);
	for (int i = 0; i < ngroup; i++)
		free(groups[i].name);
	free(groups);
	study_ctx_close(&sc);
	return rc;
}

/* ---- loading one back ---- */

void cv_record_free(struct cv_record *r)
{
	free(r->listing_ref);
	free(r->group);
	free(r->gender);
	free(r->family);
	free(r->isco);
	free(r->level);
	free(r->created_at);
	for (int i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->value[i]);
	}
	free(r->key);
	free(r->value);
	free(r->first);
	free(r->last);
	memset(r, 0, sizeof(*r));
}

int cv_record_load(struct study *s, long long app, int *has, struct cv_record *out,
		   struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	*has = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT l.ref, g.name, p.gender, c.family, l.isco, l.level, c.created_at, "
			       "c.layout, c.phrasing, a.position, c.attrs, p.first_name, p.last_name "
			       "FROM cv c JOIN application a ON a.id = c.application JOIN listing l ON "
			       "l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = "
			       "p.grp WHERE c.application = ?1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		out->app = app;
		out->listing_ref = study_column_dup(st, 0, "");
		out->group = study_column_dup(st, 1, "");
		out->gender = study_column_dup(st, 2, "");
		out->family = study_column_dup(st, 3, "");
		out->isco = study_column_dup(st, 4, NULL);
		out->level = study_column_dup(st, 5, NULL);
		out->created_at = study_column_dup(st, 6, "");
		out->layout = sqlite3_column_int(st, 7);
		out->phrasing = sqlite3_column_int(st, 8);
		out->position = sqlite3_column_int(st, 9);
		out->first = study_column_dup(st, 11, "");
		out->last = study_column_dup(st, 12, "");
		struct tpl_vars v = { 0 };
		rc = json_read_flat((const char *)sqlite3_column_text(st, 10), "", &v, err);
		if (!rc) {
			out->key = xcalloc((size_t)v.n + 1, sizeof(char *));
			out->value = xcalloc((size_t)v.n + 1, sizeof(char *));
			for (int i = 0; i < v.n; i++) {
				out->key[i] = v.v[i].name;
				out->value[i] = v.v[i].value ? v.v[i].value : xstrdup("");
			}
			out->n = v.n;
			free(v.v);
			*has = 1;
		} else {
			tpl_vars_free(&v);
		}
	} else if (r != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading a CV");
	}
	sqlite3_finalize(st);
	if (rc)
		cv_record_free(out);
	return rc;
}

static const char *rec_get(const struct cv_record *r, const char *k)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], k))
			return r->value[i];
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static struct cv_section *sec_add(struct cv_doc *d, const char *kind, const char *title)
{
	if (d->nsec >= CV_MAXSECTIONS)
		return NULL;
	struct cv_section *x = &d->sec[d->nsec++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->title = dup_or_null(title);
	return x;
}

static struct cv_entry *entry_add(struct cv_section *x)
{
	x->e = xrealloc(x->e, (size_t)(x->n + 1) * sizeof(*x->e));
	memset(&x->e[x->n], 0, sizeof(*x->e));
	return &x->e[x->n++];
}

/* A list node ("a; b; c") as entries; with split, "Language: level" gives
 * what and text. */
static void items_add(struct cv_section *x, const char *list, int split)
{
	for (const char *p = list ? list : ""; *p;) {
		size_t n = strcspn(p, ";");
		char *it = xstrndup(p, n);
		char *t = str_trim(it);
		if (*t) {
			struct cv_entry *e = entry_add(x);
			char *colon = split ? strchr(t, ':') : NULL;
			if (colon) {
				*colon = '\0';
				/* The level as the entry's place: one line, "Dutch
				 * native", in either layout. */
				e->what = xstrdup(str_trim(t));
				e->where = xstrdup(str_trim(colon + 1));
			} else {
				e->what = xstrdup(t);
			}
		}
		free(it);
		p += n + (p[n] ? 1 : 0);
	}
}

int cv_doc_load(struct study *s, long long app, int *has, struct cv_doc *out, struct ct_err *err)
{
	struct cv_record r;
	*has = 0;
	int rc = cv_record_load(s, app, has, &r, err);
	if (rc || !*has)
		return rc;
	sqlite3_stmt *st;
	if ((rc = study_prepare(s,
				"SELECT p.email, p.phone FROM application a JOIN persona p ON p.id = "
				"a.persona WHERE a.id = ?1",
				&st, err))) {
		cv_record_free(&r);
		*has = 0;
		return rc;
	}
	sqlite3_bind_int64(st, 1, app);
	char *email = NULL, *phone = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		email = study_column_dup(st, 0, "");
		phone = study_column_dup(st, 1, "");
	}
	sqlite3_finalize(st);
	struct cv_doc *d = out;
	memset(d, 0, sizeof(*d));
	d->layout = r.layout;
	d->lang = xstrdup(s->design->lang);
	d->name = xasprintf("%s %s", r.first, r.last);
	d->headline = dup_or_null(rec_get(&r, "profile.headline"));
	d->summary_title = dup_or_null(rec_get(&r, "profile.title"));
	d->summary = dup_or_null(rec_get(&r, "profile.summary"));
	const char *lab[4] = { rec_get(&r, "contact.email"), rec_get(&r, "contact.phone"),
			       rec_get(&r, "contact.city"), rec_get(&r, "contact.born") };
	const char *val[4] = { email, phone, s->design->city, rec_get(&r, "cv.birth_label") };
	for (int k = 0; k < 4; k++)
		if (lab[k] && val[k] && *val[k]) {
			d->contact_label[d->ncontact] = xstrdup(lab[k]);
			d->contact_value[d->ncontact] = xstrdup(val[k]);
			d->ncontact++;
		}
	/* Sections in the order the template gives them (the attrs' order). */
	static const char *const kinds[] = { "experience", "education", "skills", "languages",
					     "interests" };
	int done[5] = { 0 };
	for (int i = 0; i < r.n; i++)
		for (int k = 0; k < 5; k++) {
			size_t kl = strlen(kinds[k]);
			if (done[k] || strncmp(r.key[i], kinds[k], kl) || r.key[i][kl] != '.')
				continue;
			done[k] = 1;
			char key[64];
			snprintf(key, sizeof(key), "%s.title", kinds[k]);
			struct cv_section *x = sec_add(d, kinds[k], rec_get(&r, key));
			if (!x)
				continue;
			if (k == 0) {
				int nj = atoi(rec_get(&r, "cv.jobs") ? rec_get(&r, "cv.jobs") : "0");
				for (int j = 1; j <= nj; j++) {
					struct cv_entry *e = entry_add(x);
					char kk[64];
					snprintf(kk, sizeof(kk), "cv.job_years.%d", j);
					e->when = dup_or_null(rec_get(&r, kk));
					snprintf(kk, sizeof(kk), "experience.job_title.%d", j);
					e->what = dup_or_null(rec_get(&r, kk));
					snprintf(kk, sizeof(kk), "experience.employer.%d", j);
					const char *emp = rec_get(&r, kk);
					snprintf(kk, sizeof(kk), "experience.place.%d", j);
					const char *pl = rec_get(&r, kk);
					e->where = emp && pl ? xasprintf("%s, %s", emp, pl) : dup_or_null(emp);
					snprintf(kk, sizeof(kk), "experience.duties.%d", j);
					e->text = dup_or_null(rec_get(&r, kk));
				}
			} else if (k == 1) {
				static const char *const ed[3][3] = {
					{ "cv.degree_years", "education.degree", "education.school" },
					{ "cv.prior_years", "education.prior_degree", "education.prior_school" },
					{ "cv.secondary_years", "education.secondary", "education.secondary_school" },
				};
				for (int q = 0; q < 3; q++) {
					if (!rec_get(&r, ed[q][1]))
						continue;
					struct cv_entry *e = entry_add(x);
					e->when = dup_or_null(rec_get(&r, ed[q][0]));
					e->what = dup_or_null(rec_get(&r, ed[q][1]));
					e->where = dup_or_null(rec_get(&r, ed[q][2]));
				}
			} else {
				snprintf(key, sizeof(key), "%s.items", kinds[k]);
				items_add(x, rec_get(&r, key), k == 3);
			}
		}
	d->title = xasprintf("CV %s", d->name);
	d->author = xstrdup(d->name);
	time_t ct = 0;
	time_parse_iso(r.created_at, &ct);
	d->created = ct;
	free(email);
	free(phone);
	cv_record_free(&r);
	return CT_OK;
}
