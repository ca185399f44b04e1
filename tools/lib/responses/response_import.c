/* response_import.c: the response-log import engine (see response_import.h). */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listings/listing.h"
#include "responses/outcome.h"
#include "responses/response_import.h"
#include "base/timeutil.h"
#include "base/banned.h"


const char *const response_import_columns[] = { "listing",    "group", "gender", "outcome",
				       "channel",    "at",    "note",   "agent_type",
				       "round",      "area",  "variant", "position",
				       NULL };
enum { C_LISTING, C_GROUP, C_GENDER, C_OUTCOME, C_CHANNEL, C_AT, C_NOTE, C_AGENT_TYPE,
       C_ROUND, C_AREA, C_VARIANT, C_POSITION, C_N };

/* One application of a listing: already in the study (line 0) or to be
 * created for the row on line. */
struct imp_app {
	int64_t id, persona;
	int control, gender, line, variant, position;
	const char *grp; /* borrowed from the design */
	char *status;
};

struct imp_listing {
	char *ref;
	int64_t id; /* 0 until created */
	int first_line;
	char *agent_type, *area;
	long round;
	int agent_type_line, area_line, round_line;
	struct imp_app *apps;
	int napps;
};

struct imp_row {
	int listing, app, line;
	const char *outcome, *channel;
	char at[ISO_LEN];
	int has_at;
	char *note;
};

struct persona_key {
	int64_t id, grp;
	int gender;
};

struct importer {
	struct study *s;
	struct csv *csv;
	struct csv_errs *errs; /* the caller's */
	const struct csv_record *rec;
	int col[C_N];
	struct imp_listing *ls;
	int nls, capls;
	struct seen_set refs, cells;
	struct seen_set folded, study_refs; /* refs folded: this file's, the study's */
	struct imp_row *rows;
	int nrows;
	struct persona_key *personas;
	int npersonas;
};

static int line_of(struct importer *im, int c)
{
	int i = im->col[c];
	return i >= 0 ? im->rec->line[i] : im->rec->start_line;
}

static void errf(struct importer *im, int c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(struct importer *im, int c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	csv_errs_add(im->errs, im->csv->path, line_of(im, c), response_import_columns[c], "%s", sb_str(&sb));
	sb_free(&sb);
}

/* The trimmed value of column c (caller frees), NULL when absent or empty,
 * or when it is not one line of text (reported; *bad set). */
static char *get(struct importer *im, int c, int *bad)
{
	const char *why;
	if (im->col[c] < 0)
		return NULL;
	const char *raw = im->rec->field[im->col[c]];
	/* Every value of a response log is short; a huge one is a broken file,
	 * and must not be echoed back in a message. */
	size_t max = c == C_NOTE ? 1000 : 200;
	if (strlen(raw) > max) {
		errf(im, c, "is longer than %zu bytes", max);
		*bad = 1;
		return NULL;
	}
	if (!listing_check_text(raw, &why)) {
		errf(im, c, "%s", why);
		*bad = 1;
		return NULL;
	}
	char *v = str_trim(xstrdup(raw));
	if (!*v) {
		free(v);
		return NULL;
	}
	return v;
}

static int load_personas(struct importer *im, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(im->s, "SELECT id, grp, gender FROM persona ORDER BY id", &st, err);
	if (rc)
		return rc;
	int r, cap = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (im->npersonas == cap) {
			cap = cap ? cap * 2 : 16;
			im->personas = xrealloc(im->personas, sizeof(*im->personas) * (size_t)cap);
		}
		struct persona_key *p = &im->personas[im->npersonas++];
		p->id = sqlite3_column_int64(st, 0);
		p->grp = sqlite3_column_int64(st, 1);
		p->gender = gender_parse((const char *)sqlite3_column_text(st, 2));
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(im->s, err, "reading the personas");
	sqlite3_finalize(st);
	if (!rc && im->npersonas == 0)
		rc = ct_fail(err, CT_EINPUT,
			     "the study has no personas yet: run 'corrtest personas' first");
	return rc;
}

/* Adds the applications a listing already has in the study. */
static int load_apps(struct importer *im, struct imp_listing *l, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(im->s,
			       "SELECT a.id, a.persona, g.role = 'control', p.gender, g.name,"
			       " coalesce(a.variant, 0), coalesce(a.position, 0), a.status"
			       " FROM application a JOIN persona p ON p.id = a.persona"
			       " JOIN grp g ON g.id = p.grp WHERE a.listing = ? ORDER BY a.id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, l->id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		l->apps = xrealloc(l->apps, sizeof(*l->apps) * (size_t)(l->napps + 1));
		struct imp_app *a = &l->apps[l->napps++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->persona = sqlite3_column_int64(st, 1);
		a->control = sqlite3_column_int(st, 2);
		a->gender = gender_parse((const char *)sqlite3_column_text(st, 3));
		const struct design_group *g =
			design_group_find(im->s->design, (const char *)sqlite3_column_text(st, 4));
		a->grp = g ? g->id : "(a group no longer in the design)";
		a->variant = sqlite3_column_int(st, 5);
		a->position = sqlite3_column_int(st, 6);
		a->status = xstrdup((const char *)sqlite3_column_text(st, 7));
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(im->s, err, "reading applications");
	sqlite3_finalize(st);
	return rc;
}

/* The listing entry for ref, created (and its study state loaded) on first use. */
static int listing_for(struct importer *im, const char *ref, int line, int *idx,
		       struct ct_err *err)
{
	int prev = seen_add(&im->refs, ref, im->nls + 1);
	if (prev) {
		*idx = prev - 1;
		return CT_OK;
	}
	if (im->nls == im->capls) {
		im->capls = im->capls ? im->capls * 2 : 32;
		im->ls = xrealloc(im->ls, sizeof(*im->ls) * (size_t)im->capls);
	}
	struct imp_listing *l = &im->ls[im->nls];
	memset(l, 0, sizeof(*l));
	l->ref = xstrdup(ref);
	l->first_line = line;
	l->round = 1;
	*idx = im->nls++;
	int rc = listing_ref_id(im->s, ref, &l->id, err);
	if (!rc && l->id)
		rc = load_apps(im, l, err);
	return rc;
}

static const struct design_group *find_group(const struct design *d, const char *name)
{
	for (int i = 0; i < d->ngroups; i++)
		if (str_eq_ci(d->groups[i].id, name))
			return &d->groups[i];
	return NULL;
}

/* A listing column given in a row for a listing to be created: the first
 * row that gives it sets it; a later row may repeat it but not contradict it. */
static void set_once(struct importer *im, int c, char **slot, int *slot_line, char *v)
{
	if (!v)
		return;
	if (!*slot) {
		*slot = v;
		*slot_line = line_of(im, c);
		return;
	}
	if (strcmp(*slot, v))
		errf(im, c, "'%s' contradicts '%s' given for the same listing on line %d", v, *slot,
		     *slot_line);
	free(v);
}

static int small_int(const char *s, int lo, int hi, int *out)
{
	long v;
	if (!s || strspn(s, "0123456789") != strlen(s) || !parse_long(s, &v) || v < lo || v > hi)
		return 0;
	*out = (int)v;
	return 1;
}

/* Validates one record and, if it names a listing, group and gender,
 * attaches it to an application. */
static int read_row(struct importer *im, struct ct_err *err)
{
	const struct design *d = im->s->design;
	int bad[C_N] = { 0 }, rc = CT_OK, line = im->rec->start_line;
	const char *why;
	char *v[C_N];
	for (int c = 0; c < C_N; c++)
		v[c] = get(im, c, &bad[c]);

	struct imp_row row = { .listing = -1, .app = -1, .line = line };
	if (!v[C_LISTING] && !bad[C_LISTING])
		errf(im, C_LISTING, "is required (the listing's ref)");
	else if (v[C_LISTING] && !listing_check_ref(v[C_LISTING], &why))
		errf(im, C_LISTING, "'%s' %s", v[C_LISTING], why);
	const struct design_group *g = NULL;
	if (!v[C_GROUP]) {
		if (!bad[C_GROUP])
			errf(im, C_GROUP, "is required (a group of the design)");
	} else if (!(g = find_group(d, v[C_GROUP]))) {
		struct strbuf sb = STRBUF_INIT;
		for (int i = 0; i < d->ngroups; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", d->groups[i].id);
		errf(im, C_GROUP, "'%s' is not a group of the design (%s)", v[C_GROUP], sb_str(&sb));
		sb_free(&sb);
	}
	int gender = -1;
	if (v[C_GENDER]) {
		for (char *p = v[C_GENDER]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		gender = gender_parse(v[C_GENDER]);
		int in_design = 0;
		for (int i = 0; i < d->ngenders; i++)
			in_design |= d->genders[i] == gender;
		if (gender < 0 || !in_design) {
			errf(im, C_GENDER, "'%s' is not a gender of the design (%s%s%s)", v[C_GENDER],
			     gender_name(d->genders[0]), d->ngenders > 1 ? " or " : "",
			     d->ngenders > 1 ? gender_name(d->genders[1]) : "");
			gender = -1;
		}
	} else if (!bad[C_GENDER]) {
		errf(im, C_GENDER, "is required (female or male)");
	}
	if (!v[C_OUTCOME] && !bad[C_OUTCOME])
		errf(im, C_OUTCOME, "is required: %s", outcome_list());
	else if (v[C_OUTCOME] && !(row.outcome = outcome_parse(v[C_OUTCOME])))
		errf(im, C_OUTCOME, "'%s' is not one of %s", v[C_OUTCOME], outcome_list());
	row.channel = "email";
	if (v[C_CHANNEL] && !(row.channel = channel_parse(v[C_CHANNEL])))
		errf(im, C_CHANNEL, "'%s' is not one of %s", v[C_CHANNEL], channel_list());
	if (v[C_AT]) {
		time_t t;
		if (!outcome_parse_time(v[C_AT], d->timezone, &t)) {
			errf(im, C_AT,
			     "'%s' is not a time: write 2026-12-08 14:30 (%s) or 2026-12-08T13:30:00Z",
			     v[C_AT], d->timezone);
		} else if (outcome_time_future(t)) {
			errf(im, C_AT, "'%s' is in the future (a typo in the year?)", v[C_AT]);
		} else {
			time_iso_utc(t, row.at);
			row.has_at = 1;
		}
	}
	row.note = v[C_NOTE];
	v[C_NOTE] = NULL;
	const char *agent_type = NULL;
	if (v[C_AGENT_TYPE] && !(agent_type = listing_agent_type(v[C_AGENT_TYPE])))
		errf(im, C_AGENT_TYPE, "'%s' must be agency or private", v[C_AGENT_TYPE]);
	long round = 0;
	if (v[C_ROUND] && !listing_parse_round(v[C_ROUND], &round))
		errf(im, C_ROUND, "'%s' must be a whole number from 1 to 999999999", v[C_ROUND]);
	int variant = 0, position = 0;
	if (v[C_VARIANT] && !small_int(v[C_VARIANT], 1, d->variants, &variant))
		errf(im, C_VARIANT, "'%s' must be a message variant from 1 to %d", v[C_VARIANT],
		     d->variants);
	if (v[C_POSITION] && !small_int(v[C_POSITION], 1, 2, &position))
		errf(im, C_POSITION, "'%s' must be 1 (wrote first) or 2", v[C_POSITION]);

	if (!v[C_LISTING] || !listing_check_ref(v[C_LISTING], &why) || !g || gender < 0)
		goto done;
	/* Refs that differ only in case name one listing: the file must write
	 * each one way, and the way the study has it. */
	if (!seen_get(&im->refs, v[C_LISTING])) {
		char *fold = listing_ref_fold(v[C_LISTING]);
		/* The exact look-up uses the index; the scan runs only for a ref
		 * the study has in another case. */
		int64_t id = 0;
		char *stored = NULL;
		if (seen_get(&im->study_refs, fold) &&
		    !(rc = listing_ref_id(im->s, v[C_LISTING], &id, err)) && !id &&
		    !(rc = listing_ref_find(im->s, v[C_LISTING], &id, &stored, err)) && stored)
			errf(im, C_LISTING,
			     "'%s' is not in the study, but '%s' is: write the ref as the study has "
			     "it",
			     v[C_LISTING], stored);
		/* Only a ref that passed is remembered: a row that repeats a
		 * refused one gets the same message, not "differs only in case". */
		int prev = rc || stored ? 0 : seen_add(&im->folded, fold, line);
		free(fold);
		if (prev)
			errf(im, C_LISTING,
			     "'%s' differs only in case from the listing's ref on line %d; write "
			     "each listing's ref the same way on every row",
			     v[C_LISTING], prev);
		int refused = stored || prev;
		free(stored);
		if (rc || refused)
			goto done;
	}
	/* One row per application: the same cell twice would be two outcomes. */
	char *cell = xasprintf("%s\037%s\037%s", v[C_LISTING], g->id, gender_name(gender));
	int prev = seen_add(&im->cells, cell, line);
	free(cell);
	if (prev) {
		errf(im, C_LISTING, "listing %s, group %s, %s appears twice (lines %d and %d)",
		     v[C_LISTING], g->id, gender_name(gender), prev, line);
		goto done;
	}
	if ((rc = listing_for(im, v[C_LISTING], line, &row.listing, err)))
		goto done;
	struct imp_listing *l = &im->ls[row.listing];
	if (!l->id) {
		set_once(im, C_AGENT_TYPE, &l->agent_type, &l->agent_type_line,
			 agent_type ? xstrdup(agent_type) : NULL);
		set_once(im, C_AREA, &l->area, &l->area_line, v[C_AREA]);
		v[C_AREA] = NULL;
		if (round) {
			if (l->round_line && l->round != round)
				errf(im, C_ROUND, "%ld contradicts %ld given for the same listing on line %d",
				     round, l->round, l->round_line);
			l->round = round;
			l->round_line = line_of(im, C_ROUND);
		}
	}
	int64_t grp_id = study_group_id(im->s, g->id), persona = 0;
	for (int i = 0; i < im->npersonas; i++)
		if (im->personas[i].grp == grp_id && im->personas[i].gender == gender)
			persona = im->personas[i].id;
	if (!persona) {
		errf(im, C_GROUP, "the study has no persona for %s, %s: run 'corrtest personas' first",
		     g->id, gender_name(gender));
		goto done;
	}
	for (int i = 0; i < l->napps; i++) {
		struct imp_app *a = &l->apps[i];
		if (a->persona != persona)
			continue;
		row.app = i;
		/* Already in the study: it must have been sent, and the file
		 * must not contradict what the study recorded. */
		if (strcmp(a->status, "sent"))
			errf(im, C_LISTING,
			     "application %lld (listing %s, %s %s) is %s, not sent; an outcome is "
			     "recorded only for a sent application",
			     (long long)a->id, l->ref, g->id, gender_name(gender), a->status);
		if (variant && a->variant && variant != a->variant)
			errf(im, C_VARIANT, "%d differs from the study's variant %d of application %lld",
			     variant, a->variant, (long long)a->id);
		if (position && a->position && position != a->position)
			errf(im, C_POSITION,
			     "%d differs from the study's position %d of application %lld", position,
			     a->position, (long long)a->id);
		goto done;
	}
	l->apps = xrealloc(l->apps, sizeof(*l->apps) * (size_t)(l->napps + 1));
	struct imp_app *a = &l->apps[l->napps];
	memset(a, 0, sizeof(*a));
	a->persona = persona;
	a->control = g->control;
	a->gender = gender;
	a->grp = g->id;
	a->line = line;
	a->variant = variant;
	a->position = position;
	a->status = xstrdup("sent");
	row.app = l->napps++;
done:
	for (int c = 0; c < C_N; c++)
		free(v[c]);
	im->rows = xrealloc(im->rows, sizeof(*im->rows) * (size_t)(im->nrows + 1));
	im->rows[im->nrows++] = row;
	return rc;
}

static const char *where(const struct imp_app *a, char *buf, size_t n)
{
	if (a->line)
		snprintf(buf, n, "line %d", a->line);
	else
		snprintf(buf, n, "application %lld in the study", (long long)a->id);
	return buf;
}

/* A listing must stay one pair: at most two applications, the control and
 * one test group, one gender, distinct positions. */
static void check_pair(struct importer *im, struct imp_listing *l)
{
	const char *path = im->csv->path;
	char w1[64], w2[64];
	if (!l->id && !l->agent_type)
		csv_errs_add(im->errs, path, l->first_line, "agent_type",
			     "listing %s is not in the study, and no row gives its agent_type "
			     "(agency or private) to create it",
			     l->ref);
	for (int i = 1; i < l->napps; i++) {
		struct imp_app *a = &l->apps[i], *b = &l->apps[0];
		if (!a->line)
			continue; /* already in the study: assign made it a pair */
		if (i >= 2) {
			csv_errs_add(im->errs, path, a->line, "listing",
				     "listing %s would have %d applications (the others: %s and %s); "
				     "a pair is two, the control and one test candidate",
				     l->ref, i + 1, where(&l->apps[0], w1, sizeof(w1)),
				     where(&l->apps[1], w2, sizeof(w2)));
			continue;
		}
		if (!a->control && !b->control)
			csv_errs_add(im->errs, path, a->line, "group",
				     "listing %s would have two test groups, %s (%s) and %s; a pair "
				     "is the control and one test group",
				     l->ref, b->grp, where(b, w1, sizeof(w1)), a->grp);
		if (a->gender != b->gender)
			csv_errs_add(im->errs, path, a->line, "gender",
				     "listing %s would mix genders, %s (%s) and %s; both candidates "
				     "of a pair have the same gender",
				     l->ref, gender_name(b->gender), where(b, w1, sizeof(w1)),
				     gender_name(a->gender));
		if (a->position && a->position == b->position)
			csv_errs_add(im->errs, path, a->line, "position",
				     "listing %s would have two applications in position %d (the "
				     "other: %s)",
				     l->ref, a->position, where(b, w1, sizeof(w1)));
	}
}

static int insert_all(struct importer *im, const char *coder, int *created_l, int *created_a,
		      int *replaced, struct ct_err *err)
{
	struct study *s = im->s;
	int rc = CT_OK;
	for (int i = 0; i < im->nls && !rc; i++) {
		struct imp_listing *l = &im->ls[i];
		if (l->id)
			continue;
		struct listing nl;
		memset(&nl, 0, sizeof(nl));
		nl.f[LF_REF] = l->ref;
		nl.f[LF_AGENT_TYPE] = l->agent_type;
		nl.f[LF_AREA] = l->area;
		nl.round = l->round;
		rc = listing_insert(s, &nl, &l->id, err); /* nl borrows; not freed */
		(*created_l)++;
	}
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = study_prepare(s,
				   "INSERT INTO application (listing, persona, variant, position,"
				   " scheduled_at, status) VALUES (?, ?, ?, ?, NULL, 'sent')",
				   &st, err);
	for (int i = 0; i < im->nls && !rc; i++) {
		struct imp_listing *l = &im->ls[i];
		for (int k = 0; k < l->napps && !rc; k++) {
			struct imp_app *a = &l->apps[k];
			if (a->id)
				continue;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, l->id);
			sqlite3_bind_int64(st, 2, a->persona);
			if (a->variant)
				sqlite3_bind_int(st, 3, a->variant);
			else
				sqlite3_bind_null(st, 3);
			if (a->position)
				sqlite3_bind_int(st, 4, a->position);
			else
				sqlite3_bind_null(st, 4);
			rc = study_step_done(s, st, err, "adding an application");
			a->id = sqlite3_last_insert_rowid(s->db);
			(*created_a)++;
		}
	}
	sqlite3_finalize(st);
	for (int i = 0; i < im->nrows && !rc; i++) {
		struct imp_row *r = &im->rows[i];
		int64_t app = im->ls[r->listing].apps[r->app].id;
		char *prev_o = NULL, *prev_c = NULL;
		rc = response_latest(s, app, &prev_o, &prev_c, err);
		*replaced += prev_o != NULL;
		free(prev_o);
		free(prev_c);
		if (!rc)
			rc = response_insert(s, app, r->channel, r->outcome, coder,
					     r->has_at ? r->at : NULL, r->note, err);
	}
	return rc;
}

static void importer_free(struct importer *im)
{
	for (int i = 0; i < im->nls; i++) {
		struct imp_listing *l = &im->ls[i];
		for (int k = 0; k < l->napps; k++)
			free(l->apps[k].status);
		free(l->apps);
		free(l->ref);
		free(l->agent_type);
		free(l->area);
	}
	free(im->ls);
	for (int i = 0; i < im->nrows; i++)
		free(im->rows[i].note);
	free(im->rows);
	free(im->personas);
	seen_free(&im->refs);
	seen_free(&im->cells);
	seen_free(&im->folded);
	seen_free(&im->study_refs);
	csv_free(im->csv);
}



int responses_import_file(struct study *s, const char *path,
			  struct responses_import_summary *sum, struct csv_errs *errs,
			  struct ct_err *err)
{
	static const char *const required[] = { "listing", "group", "gender", "outcome", NULL };
	struct importer im;
	memset(&im, 0, sizeof(im));
	memset(sum, 0, sizeof(*sum));
	im.s = s;
	im.errs = errs;
	char *buf = NULL, *pathc = xstrdup(path);
	size_t len;
	int rc, in_tx = 0, created_l = 0, created_a = 0, replaced = 0, single = 0;
	if ((rc = csv_read_file(path, &buf, &len, err)) ||
	    (rc = csv_parse(path, buf, len, &im.csv, NULL, err)) ||
	    (rc = csv_check_columns(im.csv, response_import_columns, required, 0, err)))
		goto out;
	if (im.csv->nrec == 0) {
		rc = ct_fail(err, CT_EINPUT, "%s: the file has a header but no rows", path);
		goto out;
	}
	for (int c = 0; c < C_N; c++)
		im.col[c] = csv_col(im.csv, response_import_columns[c]);
	if ((rc = study_begin(s, err)))
		goto out;
	in_tx = 1;
	if ((rc = load_personas(&im, err)) || (rc = listing_refs_load(s, &im.study_refs, err)))
		goto out;
	for (int k = 0; k < im.csv->nrec && !rc; k++) {
		im.rec = &im.csv->rec[k];
		rc = read_row(&im, err);
	}
	for (int i = 0; i < im.nls && !rc; i++) {
		check_pair(&im, &im.ls[i]);
		single += im.ls[i].napps == 1;
	}
	if (rc)
		goto out;
	if (errs->n) {
		rc = ct_fail(err, CT_EINPUT, "%d error%s in %s; nothing was imported", errs->n,
			     errs->n == 1 ? "" : "s", path);
		goto out;
	}
	char *coder = xasprintf("import:%s", basename(pathc));
	rc = insert_all(&im, coder, &created_l, &created_a, &replaced, err);
	free(coder);
	if (!rc) {
		char *detail = xasprintf("rows=%d listings_created=%d applications_created=%d "
					 "replaced=%d file=%s",
					 im.nrows, created_l, created_a, replaced, basename(pathc));
		rc = study_event(s, "import", basename(pathc), detail, err);
		free(detail);
	}
	if (!rc && !(rc = study_commit(s, err))) {
		in_tx = 0;
		sum->rows = im.nrows;
		sum->listings_created = created_l;
		sum->applications_created = created_a;
		sum->replaced = replaced;
		sum->single = single;
	}
out:
	if (in_tx)
		study_rollback(s);
	importer_free(&im);
	free(buf);
	free(pathc);
	return rc;
}
