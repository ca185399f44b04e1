/* response_import.c: the response-log import engine (see response_import.h).
 *
 * Two passes over the file, each streamed through the CSV reader, in one
 * transaction. The first validates every row and builds a compact model of
 * the listings the file names and their applications, enough to check that
 * each listing stays a pair; if anything is wrong, nothing is written. Then
 * the new listings and applications are inserted, and the second pass reads
 * the file again and records one response per row. Memory is that model
 * (about 150 bytes a listing) and one record, never the file; every
 * statement is prepared once. */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listings/listing.h"
#include "fielding/channel.h"
#include "responses/outcome.h"
#include "responses/response_import.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* The columns of a response log, then those of `export responses` that an
 * import reads back: listing_ref and replied_at are other names of listing
 * and at; status, listing_status, sent_at and sent_via carry what the
 * export says of the application; simulated must be 0 (a row `corrtest
 * simulate` made up is never imported as a real one); application_id, agent_key,
 * planned_channel, scheduled_at, response_hours and coder are the study's
 * own (ids, keys, the schedule, a derived figure, who coded) and are read
 * but not taken: the import codes what it records. */
const char *const response_import_columns[] = {
	"listing",	   "group",	     "gender",	       "outcome",	"channel",
	"at",		   "note",	     "agent_type",     "round",		"area",
	"variant",	   "position",	     "listing_ref",    "replied_at",	"status",
	"listing_status", "sent_at",	     "sent_via",       "simulated",	"application_id",
	"agent_key",	   "planned_channel", "scheduled_at",  "response_hours", "coder",
	/* A job study's export ends with its vacancies' occupation. */
	"isco",		   "occupation",
	NULL
};
enum { C_LISTING, C_GROUP, C_GENDER, C_OUTCOME, C_CHANNEL, C_AT, C_NOTE, C_AGENT_TYPE,
       C_ROUND, C_AREA, C_VARIANT, C_POSITION, C_LISTING_REF, C_REPLIED_AT, C_STATUS,
       C_LISTING_STATUS, C_SENT_AT, C_SENT_VIA, C_SIMULATED, C_N_READ };
#define C_N C_N_READ

/* The application statuses of the schema; an application holds an index. */
static const char *const statuses[] = { "planned", "sending", "sent", "bounced",
					"failed",  "cancelled", NULL };
enum { STATUS_PLANNED = 0, STATUS_SENT = 2 };

/* A persona of the study, with its group as the study and the design know it. */
struct persona {
	int64_t id;
	char *grp;		      /* the group's name in the study; owned */
	const struct design_group *g; /* NULL for a group no longer in the design */
	int gender, control;
};

/* One application of a listing: in the study already, or to be created for
 * the row on line. line is also the row that names an application the
 * study has, so that a second row for it is a duplicate. */
struct imp_app {
	int64_t id;  /* 0 until created */
	int line;    /* the row for it, 0 while none */
	int persona; /* index into the importer's personas */
	unsigned char variant, position, status, in_study;
	unsigned char answered; /* in the study with an outcome already */
	unsigned char set_status; /* in the study, planned: the status the file gives, + 1 */
	char sent_at[ISO_LEN];	  /* from the file, "" when not given */
	const char *sent_via;	  /* static; NULL when not given */
};

struct imp_listing {
	const char *ref;	/* as the file writes it; borrowed from the importer's refs */
	int64_t id;		/* 0 until created */
	const char *agent_type; /* static */
	char *area;		/* owned */
	long round;
	int first_line, agent_type_line, area_line, round_line;
	int napps;
	int withdraw; /* the file says the listing was withdrawn */
	struct imp_app app[2];
	struct imp_app *more; /* applications beyond a pair (an error); owned */
};

/* Listings live in chunks that never move, so that a million of them grow
 * without copying. */
#define CHUNK 4096

struct importer {
	struct study *s;
	const char *path;
	struct csv_errs *errs; /* the caller's list, or a scratch one in the second pass */
	struct csv_reader r;
	struct csv_record rec;
	int col[C_N];
	struct imp_listing **chunk;
	int nls;
	struct seen_set refs; /* folded ref -> listing index + 1, with the ref as written */
	struct listing_ref_index study_refs;
	struct persona *personas;
	int npersonas;
	char *groups; /* "belgian, maghrebi, ..." for messages */
	/* With placebo pairs, their group ("belgian.placebo"): not a group of
	 * study.ini, but an export names it and its rows read back. */
	struct design_group placebo;
	struct listing_stmts q;
	sqlite3_stmt *apps_st;
	struct response_writer w;
	long statuses_set, withdrawn, responses; /* planned applications given a status; listings withdrawn */
};

/* One row's values: trimmed in the record (borrowed), NULL when empty or
 * refused, and what they mean. */
struct row {
	char *v[C_N];
	int bad[C_N];
	int line;
	const struct design_group *g;
	int gender;
	const char *outcome, *channel, *agent_type;
	char at[ISO_LEN];
	int has_at;
	long round;
	int variant, position;
	int status;	   /* index into statuses; STATUS_SENT when not given */
	int withdrawn;	   /* listing_status withdrawn */
	char sent_at[ISO_LEN];
	const char *sent_via;
};

static struct imp_listing *listing_at(struct importer *im, int i)
{
	return &im->chunk[i / CHUNK][i % CHUNK];
}

static struct imp_app *app_at(struct imp_listing *l, int i)
{
	return i < 2 ? &l->app[i] : &l->more[i - 2];
}

static struct imp_app *app_new(struct imp_listing *l)
{
	if (l->napps >= 2)
		l->more = xrealloc(l->more, sizeof(*l->more) * (size_t)(l->napps - 1));
	struct imp_app *a = app_at(l, l->napps++);
	memset(a, 0, sizeof(*a));
	return a;
}

static int line_of(struct importer *im, int c)
{
	int i = im->col[c];
	return i >= 0 ? im->rec.line[i] : im->rec.start_line;
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
	csv_errs_add(im->errs, im->path, line_of(im, c), response_import_columns[c], "%s",
		     sb_str(&sb));
	sb_free(&sb);
}

/* The value of column c trimmed in place, NULL when absent or empty, or
 * when it is not one short line of text (reported; *bad set). */
static char *get(struct importer *im, int c, int *bad)
{
	char why[LISTING_WHY];
	size_t off;
	if (im->col[c] < 0)
		return NULL;
	char *raw = im->rec.field[im->col[c]];
	/* Every value of a response log is short; a huge one is a broken file,
	 * and must not be echoed back in a message. */
	size_t max = c == C_NOTE ? 1000 : 200;
	if (strlen(raw) > max) {
		errf(im, c, "is longer than %zu bytes", max);
		*bad = 1;
		return NULL;
	}
	if (!listing_check_text(raw, why, &off)) {
		/* A character at fault is named by its line and column in the file. */
		csv_errs_add_at(im->errs, im->path, line_of(im, c),
				csv_field_col(&im->rec, im->col[c], off), response_import_columns[c],
				"%s", why);
		*bad = 1;
		return NULL;
	}
	str_trim(raw);
	return *raw ? raw : NULL;
}

static const struct design_group *find_group(const struct importer *im, const char *name)
{
	const struct design *d = im->s->design;
	for (int i = 0; i < d->ngroups; i++)
		if (str_eq_ci(d->groups[i].id, name))
			return &d->groups[i];
	if (im->placebo.id && str_eq_ci(im->placebo.id, name))
		return &im->placebo;
	return NULL;
}

static int small_int(const char *s, int lo, int hi, int *out)
{
	long v;
	if (!s || strspn(s, "0123456789") != strlen(s) || !parse_long(s, &v) || v < lo || v > hi)
		return 0;
	*out = (int)v;
	return 1;
}

/* Reads and checks the values of the current record into w, reporting
 * every value that is wrong on its own. */
static void row_read(struct importer *im, struct row *w)
{
	const struct design *d = im->s->design;
	char why[LISTING_WHY];
	memset(w, 0, sizeof(*w));
	w->line = im->rec.start_line;
	w->gender = -1;
	for (int c = 0; c < C_N; c++)
		w->v[c] = get(im, c, &w->bad[c]);
	char **v = w->v;
	if (!v[C_LISTING] && !w->bad[C_LISTING])
		errf(im, C_LISTING, "is required (the listing's ref)");
	else if (v[C_LISTING] && !listing_check_ref(v[C_LISTING], why))
		errf(im, C_LISTING, "'%s' %s", v[C_LISTING], why);
	if (!v[C_GROUP]) {
		if (!w->bad[C_GROUP])
			errf(im, C_GROUP, "is required (a group of the design)");
	} else if (!(w->g = find_group(im, v[C_GROUP]))) {
		errf(im, C_GROUP, "'%s' is not a group of the design (%s)", v[C_GROUP], im->groups);
	}
	if (v[C_GENDER]) {
		for (char *p = v[C_GENDER]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		int gender = gender_parse(v[C_GENDER]), in_design = 0;
		for (int i = 0; i < d->ngenders; i++)
			in_design |= d->genders[i] == gender;
		if (gender < 0 || !in_design)
			errf(im, C_GENDER, "'%s' is not a gender of the design (%s%s%s)", v[C_GENDER],
			     gender_name(d->genders[0]), d->ngenders > 1 ? " or " : "",
			     d->ngenders > 1 ? gender_name(d->genders[1]) : "");
		else
			w->gender = gender;
	} else if (!w->bad[C_GENDER]) {
		errf(im, C_GENDER, "is required (female or male)");
	}
	/* An export carries a row for every application, answered or not:
	 * with a status column, an empty outcome records the status alone. */
	if (!v[C_OUTCOME] && !w->bad[C_OUTCOME] && im->col[C_STATUS] < 0)
		errf(im, C_OUTCOME, "is required: %s", outcome_list());
	else if (v[C_OUTCOME] && !(w->outcome = outcome_parse(v[C_OUTCOME])))
		errf(im, C_OUTCOME, "'%s' is not one of %s", v[C_OUTCOME], outcome_list());
	w->channel = "email";
	if (v[C_CHANNEL] && !(w->channel = channel_parse(v[C_CHANNEL])))
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
			time_iso_utc(t, w->at);
			w->has_at = 1;
		}
	}
	if (v[C_AGENT_TYPE] && !(w->agent_type = listing_agent_type(v[C_AGENT_TYPE])))
		errf(im, C_AGENT_TYPE, "'%s' must be agency or private", v[C_AGENT_TYPE]);
	if (v[C_ROUND] && !listing_parse_round(v[C_ROUND], &w->round))
		errf(im, C_ROUND, "'%s' must be a whole number from 1 to 999999999", v[C_ROUND]);
	if (v[C_VARIANT] && !small_int(v[C_VARIANT], 1, d->variants, &w->variant))
		errf(im, C_VARIANT, "'%s' must be a message variant from 1 to %d", v[C_VARIANT],
		     d->variants);
	if (v[C_POSITION] && !small_int(v[C_POSITION], 1, 2, &w->position))
		errf(im, C_POSITION, "'%s' must be 1 (wrote first) or 2", v[C_POSITION]);
	if (v[C_SIMULATED] && strcmp(v[C_SIMULATED], "0")) {
		if (!strcmp(v[C_SIMULATED], "1"))
			errf(im, C_SIMULATED, "is 1: the row was made up by 'corrtest simulate' and "
					      "is not imported as a real outcome");
		else
			errf(im, C_SIMULATED, "'%s' must be 0 or 1", v[C_SIMULATED]);
	}
	w->status = STATUS_SENT;
	if (v[C_STATUS]) {
		int k = 0;
		while (statuses[k] && !str_eq_ci(statuses[k], v[C_STATUS]))
			k++;
		if (!statuses[k] || k == 1)
			errf(im, C_STATUS, "'%s' is not one of planned, sent, bounced, failed or cancelled",
			     v[C_STATUS]);
		else
			w->status = k;
	}
	if (w->outcome && w->status != STATUS_SENT)
		errf(im, C_OUTCOME, "'%s' is given for an application that is %s; an outcome is "
				    "recorded only for a sent application",
		     w->outcome, statuses[w->status]);
	if (v[C_LISTING_STATUS]) {
		if (str_eq_ci(v[C_LISTING_STATUS], "withdrawn"))
			w->withdrawn = 1;
		else if (!str_eq_ci(v[C_LISTING_STATUS], "active"))
			errf(im, C_LISTING_STATUS, "'%s' must be active or withdrawn",
			     v[C_LISTING_STATUS]);
	}
	if (v[C_SENT_AT]) {
		time_t t;
		if (!outcome_parse_time(v[C_SENT_AT], d->timezone, &t))
			errf(im, C_SENT_AT, "'%s' is not a time: write 2026-12-08 14:30 (%s) or "
					    "2026-12-08T13:30:00Z",
			     v[C_SENT_AT], d->timezone);
		else if (outcome_time_future(t))
			errf(im, C_SENT_AT, "'%s' is in the future (a typo in the year?)", v[C_SENT_AT]);
		else
			time_iso_utc(t, w->sent_at);
	}
	if (v[C_SENT_VIA] && !(w->sent_via = fielding_channel_parse(v[C_SENT_VIA])))
		errf(im, C_SENT_VIA, "'%s' %s", v[C_SENT_VIA], fielding_channel_must());
	if ((w->sent_at[0] || w->sent_via) && w->status == STATUS_PLANNED)
		errf(im, C_SENT_AT, "a planned application has no send time or channel");
}

/* 1 when the row names a listing, a group and a gender that can be looked up. */
static int row_names_cell(const struct row *w)
{
	char why[LISTING_WHY];
	return w->v[C_LISTING] && listing_check_ref(w->v[C_LISTING], why) && w->g &&
	       w->gender >= 0;
}

/* The persona of group g and gender, or -1. */
static int persona_of(const struct importer *im, const struct design_group *g, int gender)
{
	for (int i = 0; i < im->npersonas; i++)
		if (im->personas[i].g == g && im->personas[i].gender == gender)
			return i;
	return -1;
}

static int load_personas(struct importer *im, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(im->s,
			       "SELECT p.id, g.name, p.gender, g.role = 'control' FROM persona p"
			       " JOIN grp g ON g.id = p.grp ORDER BY p.id",
			       &st, err);
	if (rc)
		return rc;
	int r, cap = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (im->npersonas == cap) {
			cap = cap ? cap * 2 : 16;
			im->personas = xrealloc(im->personas, sizeof(*im->personas) * (size_t)cap);
		}
		struct persona *p = &im->personas[im->npersonas++];
		p->id = sqlite3_column_int64(st, 0);
		p->grp = study_column_dup(st, 1, "");
		p->g = find_group(im, p->grp);
		p->gender = gender_parse((const char *)sqlite3_column_text(st, 2));
		p->control = sqlite3_column_int(st, 3);
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(im->s, err, "reading the personas");
	sqlite3_finalize(st);
	if (!rc && im->npersonas == 0)
		rc = ct_fail(err, CT_EINPUT,
			     "the study has no personas yet: run 'corrtest personas' first");
	return rc;
}

/* Adds the applications a listing already has in the study, in id order.
 * The query leaves the order to the index on (listing, ...) and the few
 * rows are sorted here: an ORDER BY made SQLite build and sort a temporary
 * b-tree for every listing of the file. */
static int load_apps(struct importer *im, struct imp_listing *l, struct ct_err *err)
{
	int rc = CT_OK;
	if (!im->apps_st &&
	    (rc = study_prepare(im->s,
				/* An imported log records the pairs (the main kind). */
				"SELECT a.id, a.persona, coalesce(a.variant, 0),"
				" coalesce(a.position, 0), a.status,"
				" EXISTS (SELECT 1 FROM response r WHERE r.application = a.id)"
				" FROM application a WHERE a.listing = ? AND a.kind = 'main'",
				&im->apps_st, err)))
		return rc;
	sqlite3_stmt *st = im->apps_st;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, l->id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t persona = sqlite3_column_int64(st, 1);
		int p = 0;
		while (p < im->npersonas && im->personas[p].id != persona)
			p++;
		const char *status = (const char *)sqlite3_column_text(st, 4);
		int k = 0;
		while (statuses[k] && strcmp(statuses[k], status))
			k++;
		if (p == im->npersonas || !statuses[k]) {
			rc = ct_fail(err, CT_EENV, "%s: application %lld is not as the schema says",
				     im->s->db_path, (long long)sqlite3_column_int64(st, 0));
			break;
		}
		struct imp_app *a = app_new(l);
		a->id = sqlite3_column_int64(st, 0);
		a->persona = p;
		a->variant = (unsigned char)sqlite3_column_int(st, 2);
		a->position = (unsigned char)sqlite3_column_int(st, 3);
		a->status = (unsigned char)k;
		a->in_study = 1;
		a->answered = (unsigned char)sqlite3_column_int(st, 5);
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(im->s, err, "reading applications");
	sqlite3_reset(st);
	for (int i = 1; i < l->napps; i++)
		for (int j = i; j > 0 && app_at(l, j - 1)->id > app_at(l, j)->id; j--) {
			struct imp_app t = *app_at(l, j);
			*app_at(l, j) = *app_at(l, j - 1);
			*app_at(l, j - 1) = t;
		}
	return rc;
}

/* A new listing entry for ref (with its study state when id is not 0). */
static int listing_add_entry(struct importer *im, const char *ref, const char *fold,
			     int64_t id, int line, int *idx, struct ct_err *err)
{
	if (im->nls % CHUNK == 0) {
		im->chunk = xrealloc(im->chunk, sizeof(*im->chunk) * (size_t)(im->nls / CHUNK + 1));
		im->chunk[im->nls / CHUNK] = xmalloc(sizeof(struct imp_listing) * CHUNK);
	}
	*idx = im->nls++;
	seen_add_val(&im->refs, fold, *idx + 1, ref);
	struct imp_listing *l = listing_at(im, *idx);
	memset(l, 0, sizeof(*l));
	l->ref = seen_val(&im->refs, fold);
	l->id = id;
	l->first_line = line;
	l->round = 1;
	return id ? load_apps(im, l, err) : CT_OK;
}

/* The listing the row's ref names: one the file named before (written the
 * same way), or a new entry. *idx is -1 when the ref is refused (reported). */
static int listing_for(struct importer *im, const struct row *w, int *idx, struct ct_err *err)
{
	const char *ref = w->v[C_LISTING];
	char *fold = listing_ref_fold(ref);
	int rc = CT_OK, prev = seen_get(&im->refs, fold);
	*idx = -1;
	if (prev) {
		/* Refs that differ only in case name one listing: the file must
		 * write each one way. */
		struct imp_listing *l = listing_at(im, prev - 1);
		if (!strcmp(l->ref, ref))
			*idx = prev - 1;
		else
			errf(im, C_LISTING,
			     "'%s' differs only in case from the listing's ref on line %d; write "
			     "each listing's ref the same way on every row",
			     ref, l->first_line);
		free(fold);
		return CT_OK;
	}
	/* The index has every ref the study has: a miss needs no query, and
	 * the case-insensitive scan runs only for a ref the study may have in
	 * another case. */
	int64_t id = 0;
	if (listing_ref_index_has(&im->study_refs, fold)) {
		rc = listing_stmts_ref_id(&im->q, ref, &id, err);
		char *stored = NULL;
		int64_t other;
		if (!rc && !id && !(rc = listing_stmts_ref_find(&im->q, ref, &other, &stored, err)) &&
		    stored) {
			errf(im, C_LISTING,
			     "'%s' is not in the study, but '%s' is: write the ref as the study has "
			     "it",
			     ref, stored);
			free(stored);
			free(fold);
			return CT_OK;
		}
		free(stored);
	}
	if (!rc)
		rc = listing_add_entry(im, ref, fold, id, w->line, idx, err);
	free(fold);
	return rc;
}

/* A listing column given in a row for a listing to be created: the first
 * row that gives it sets it; a later row may repeat it but not contradict
 * it. Returns 1 when v is the first value (the caller keeps it). */
static int first_value(struct importer *im, int c, const char *cur, int cur_line, const char *v)
{
	if (!v)
		return 0;
	if (!cur)
		return 1;
	if (strcmp(cur, v))
		errf(im, c, "'%s' contradicts '%s' given for the same listing on line %d", v, cur,
		     cur_line);
	return 0;
}

/* First pass: attaches a row that names a cell to its listing and
 * application, checking it against the study and the rows before it. */
static int row_attach(struct importer *im, const struct row *w, struct ct_err *err)
{
	int idx, rc = listing_for(im, w, &idx, err);
	if (rc || idx < 0)
		return rc;
	struct imp_listing *l = listing_at(im, idx);
	const char *ref = l->ref, *grp = w->g->id, *gender = gender_name(w->gender);
	l->withdraw |= w->withdrawn;
	int p = persona_of(im, w->g, w->gender);
	/* One row per application: the same cell twice would be two outcomes. */
	for (int i = 0; p >= 0 && i < l->napps; i++) {
		struct imp_app *a = app_at(l, i);
		if (a->persona == p && a->line) {
			errf(im, C_LISTING, "listing %s, group %s, %s appears twice (lines %d and %d)",
			     ref, grp, gender, a->line, w->line);
			return CT_OK;
		}
	}
	if (!l->id) {
		if (first_value(im, C_AGENT_TYPE, l->agent_type, l->agent_type_line,
				w->agent_type)) {
			l->agent_type = w->agent_type;
			l->agent_type_line = line_of(im, C_AGENT_TYPE);
		}
		if (first_value(im, C_AREA, l->area, l->area_line, w->v[C_AREA])) {
			l->area = xstrdup(w->v[C_AREA]);
			l->area_line = line_of(im, C_AREA);
		}
		if (w->round) {
			if (l->round_line && l->round != w->round)
				errf(im, C_ROUND, "%ld contradicts %ld given for the same listing on line %d",
				     w->round, l->round, l->round_line);
			l->round = w->round;
			l->round_line = line_of(im, C_ROUND);
		}
	}
	if (p < 0) {
		errf(im, C_GROUP, "the study has no persona for %s, %s: run 'corrtest personas' first",
		     grp, gender);
		return CT_OK;
	}
	for (int i = 0; i < l->napps; i++) {
		struct imp_app *a = app_at(l, i);
		if (a->persona != p)
			continue;
		a->line = w->line;
		/* Already in the study: the file must not contradict what the
		 * study recorded. A planned application takes the status the
		 * file gives (an export of a study fielded elsewhere, read into
		 * a copy of its design). */
		if (a->status == STATUS_PLANNED && w->status != STATUS_PLANNED &&
		    im->col[C_STATUS] >= 0) {
			a->set_status = (unsigned char)(w->status + 1);
			memcpy(a->sent_at, w->sent_at, sizeof(a->sent_at));
			a->sent_via = w->sent_via;
		} else if (a->status != w->status) {
			if (w->outcome && a->status != STATUS_SENT)
				errf(im, C_LISTING,
				     "application %lld (listing %s, %s %s) is %s, not sent; an outcome "
				     "is recorded only for a sent application",
				     (long long)a->id, ref, grp, gender, statuses[a->status]);
			else
				errf(im, C_STATUS,
				     "'%s' contradicts the study: application %lld (listing %s, %s %s) "
				     "is %s (a status is given to a planned application only)",
				     statuses[w->status], (long long)a->id, ref, grp, gender,
				     statuses[a->status]);
		}
		if (w->variant && a->variant && w->variant != a->variant)
			errf(im, C_VARIANT, "%d differs from the study's variant %d of application %lld",
			     w->variant, a->variant, (long long)a->id);
		if (w->position && a->position && w->position != a->position)
			errf(im, C_POSITION,
			     "%d differs from the study's position %d of application %lld",
			     w->position, a->position, (long long)a->id);
		return CT_OK;
	}
	struct imp_app *a = app_new(l);
	a->persona = p;
	a->line = w->line;
	a->variant = (unsigned char)w->variant;
	a->position = (unsigned char)w->position;
	a->status = (unsigned char)w->status;
	memcpy(a->sent_at, w->sent_at, sizeof(a->sent_at));
	a->sent_via = w->sent_via;
	return CT_OK;
}

static const char *app_group(const struct importer *im, const struct imp_app *a)
{
	const struct persona *p = &im->personas[a->persona];
	return p->g ? p->g->id : "(a group no longer in the design)";
}

static const char *where(const struct imp_app *a, char *buf, size_t n)
{
	if (a->in_study)
		snprintf(buf, n, "application %lld in the study", (long long)a->id);
	else
		snprintf(buf, n, "line %d", a->line);
	return buf;
}

/* A listing must stay one pair: at most two applications, the control and
 * one test group, one gender, distinct positions. */
static void check_pair(struct importer *im, struct imp_listing *l)
{
	const char *path = im->path;
	char w1[64], w2[64];
	if (!l->id && !l->agent_type)
		csv_errs_add(im->errs, path, l->first_line, "agent_type",
			     "listing %s is not in the study, and no row gives its agent_type "
			     "(agency or private) to create it",
			     l->ref);
	for (int i = 1; i < l->napps; i++) {
		struct imp_app *a = app_at(l, i), *b = app_at(l, 0);
		if (a->in_study)
			continue; /* assign made it a pair */
		if (i >= 2) {
			csv_errs_add(im->errs, path, a->line, "listing",
				     "listing %s would have %d applications (the others: %s and %s); "
				     "a pair is two, the control and one test candidate",
				     l->ref, i + 1, where(b, w1, sizeof(w1)),
				     where(app_at(l, 1), w2, sizeof(w2)));
			continue;
		}
		const struct persona *pa = &im->personas[a->persona], *pb = &im->personas[b->persona];
		if (!pa->control && !pb->control)
			csv_errs_add(im->errs, path, a->line, "group",
				     "listing %s would have two test groups, %s (%s) and %s; a pair "
				     "is the control and one test group",
				     l->ref, app_group(im, b), where(b, w1, sizeof(w1)),
				     app_group(im, a));
		if (pa->gender != pb->gender)
			csv_errs_add(im->errs, path, a->line, "gender",
				     "listing %s would mix genders, %s (%s) and %s; both candidates "
				     "of a pair have the same gender",
				     l->ref, gender_name(pb->gender), where(b, w1, sizeof(w1)),
				     gender_name(pa->gender));
		if (a->position && a->position == b->position)
			csv_errs_add(im->errs, path, a->line, "position",
				     "listing %s would have two applications in position %d (the "
				     "other: %s)",
				     l->ref, a->position, where(b, w1, sizeof(w1)));
	}
}

/* Applications are inserted APP_BATCH at a time by one multi-row INSERT:
 * a single-row INSERT builds a temporary table for the CHECK on status at
 * every execution, a batch once. RETURNING gives each row's id, matched
 * back by listing and persona (a pair that is unique in the table). */
#define APP_BATCH 64
struct app_batch {
	sqlite3_stmt *one, *full;
	int n;
	struct imp_listing *l[APP_BATCH];
	struct imp_app *a[APP_BATCH];
};

static int app_flush(struct importer *im, struct app_batch *b, struct ct_err *err)
{
	if (!b->n)
		return CT_OK;
	sqlite3_stmt **st = b->n == APP_BATCH ? &b->full : &b->one;
	int rc = CT_OK;
	if (!*st) {
		struct strbuf sql = STRBUF_INIT;
		sb_adds(&sql, "INSERT INTO application (listing, persona, variant, position,"
			      " scheduled_at, status, sent_at, sent_via) VALUES ");
		for (int k = 0; k < (b->n == APP_BATCH ? APP_BATCH : 1); k++)
			sb_adds(&sql, k ? ", (?, ?, ?, ?, NULL, ?, ?, ?)" : "(?, ?, ?, ?, NULL, ?, ?, ?)");
		sb_adds(&sql, " RETURNING id, listing, persona");
		rc = study_prepare(im->s, sb_str(&sql), st, err);
		sb_free(&sql);
	}
	/* The batch statement takes all rows at once; the one-row statement
	 * takes the rows of a last, short batch one by one. */
	int per = b->n == APP_BATCH ? APP_BATCH : 1;
	for (int first = 0; !rc && first < b->n; first += per) {
		for (int k = 0; k < per; k++) {
			const struct imp_app *a = b->a[first + k];
			int i = 7 * k;
			sqlite3_bind_int64(*st, i + 1, b->l[first + k]->id);
			sqlite3_bind_int64(*st, i + 2, im->personas[a->persona].id);
			if (a->variant)
				sqlite3_bind_int(*st, i + 3, a->variant);
			else
				sqlite3_bind_null(*st, i + 3);
			if (a->position)
				sqlite3_bind_int(*st, i + 4, a->position);
			else
				sqlite3_bind_null(*st, i + 4);
			sqlite3_bind_text(*st, i + 5, statuses[a->status], -1, SQLITE_STATIC);
			if (a->sent_at[0])
				sqlite3_bind_text(*st, i + 6, a->sent_at, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(*st, i + 6);
			if (a->sent_via)
				sqlite3_bind_text(*st, i + 7, a->sent_via, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(*st, i + 7);
		}
		int r;
		while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(*st, 0), listing = sqlite3_column_int64(*st, 1),
				persona = sqlite3_column_int64(*st, 2);
			for (int k = first; k < first + per; k++)
				if (b->l[k]->id == listing && im->personas[b->a[k]->persona].id == persona)
					b->a[k]->id = id;
		}
		if (r != SQLITE_DONE)
			rc = study_db_error(im->s, err, "adding an application");
		sqlite3_reset(*st);
	}
	for (int k = 0; !rc && k < b->n; k++)
		if (!b->a[k]->id)
			rc = ct_fail(err, CT_EENV, "%s: an application of listing %s got no id",
				     im->s->db_path, b->l[k]->ref);
	b->n = 0;
	return rc;
}

/* Between the passes: the listings and applications the study lacks, in
 * the order the file first names them. */
static int insert_listings_apps(struct importer *im, long *created_l, long *created_a,
				struct ct_err *err)
{
	int rc = CT_OK;
	for (int i = 0; i < im->nls && !rc; i++) {
		struct imp_listing *l = listing_at(im, i);
		if (l->id)
			continue;
		struct listing nl;
		memset(&nl, 0, sizeof(nl));
		/* nl borrows the values and is not freed. */
		nl.f[LF_REF] = (char *)l->ref;
		nl.f[LF_AGENT_TYPE] = (char *)l->agent_type;
		nl.f[LF_AREA] = l->area;
		nl.round = l->round;
		rc = listing_stmts_insert(&im->q, &nl, &l->id, err);
		(*created_l)++;
	}
	struct app_batch b = { 0 };
	for (int i = 0; i < im->nls && !rc; i++) {
		struct imp_listing *l = listing_at(im, i);
		for (int k = 0; k < l->napps && !rc; k++) {
			struct imp_app *a = app_at(l, k);
			if (a->in_study)
				continue;
			b.l[b.n] = l;
			b.a[b.n++] = a;
			(*created_a)++;
			if (b.n == APP_BATCH)
				rc = app_flush(im, &b, err);
		}
	}
	if (!rc)
		rc = app_flush(im, &b, err);
	sqlite3_finalize(b.one);
	sqlite3_finalize(b.full);
	/* Planned applications the file says went out (or were cancelled),
	 * and listings it says were withdrawn. */
	sqlite3_stmt *up = NULL, *wd = NULL;
	if (!rc)
		rc = study_prepare(im->s,
				   "UPDATE application SET status = ?, sent_at = ?, sent_via = ?"
				   " WHERE id = ? AND status = 'planned'",
				   &up, err);
	if (!rc)
		rc = study_prepare(im->s,
				   "UPDATE listing SET status = 'withdrawn' WHERE id = ?", &wd, err);
	for (int i = 0; i < im->nls && !rc; i++) {
		struct imp_listing *l = listing_at(im, i);
		for (int k = 0; k < l->napps && !rc; k++) {
			struct imp_app *a = app_at(l, k);
			if (!a->set_status)
				continue;
			sqlite3_bind_text(up, 1, statuses[a->set_status - 1], -1, SQLITE_STATIC);
			if (a->sent_at[0])
				sqlite3_bind_text(up, 2, a->sent_at, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(up, 2);
			if (a->sent_via)
				sqlite3_bind_text(up, 3, a->sent_via, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(up, 3);
			sqlite3_bind_int64(up, 4, a->id);
			rc = study_step_done(im->s, up, err, "recording an application's status");
			sqlite3_reset(up);
			im->statuses_set++;
		}
		if (!rc && l->withdraw) {
			sqlite3_bind_int64(wd, 1, l->id);
			rc = study_step_done(im->s, wd, err, "withdrawing a listing");
			sqlite3_reset(wd);
			im->withdrawn++;
		}
	}
	sqlite3_finalize(up);
	sqlite3_finalize(wd);
	return rc;
}

/* Second pass: one response per row, to the application the first pass
 * found or created for it. The file was checked whole; a row that no
 * longer reads the same means the file changed in between. */
static int insert_responses(struct importer *im, const char *coder, long rows, long *replaced,
			    struct ct_err *err)
{
	struct csv_errs scratch;
	csv_errs_init(&scratch, 1);
	struct csv_errs *caller = im->errs;
	im->errs = &scratch;
	long n = 0;
	int rc = csv_reader_rewind(&im->r, err), got;
	while (!rc && !(rc = csv_next(&im->r, &im->rec, &got, err)) && got) {
		struct row w;
		row_read(im, &w);
		int64_t app = 0;
		int answered = 0;
		if (!scratch.n && row_names_cell(&w)) {
			char *fold = listing_ref_fold(w.v[C_LISTING]);
			int idx = seen_get(&im->refs, fold) - 1, p = persona_of(im, w.g, w.gender);
			free(fold);
			struct imp_listing *l = idx >= 0 ? listing_at(im, idx) : NULL;
			for (int i = 0; l && p >= 0 && i < l->napps; i++) {
				struct imp_app *a = app_at(l, i);
				if (a->persona == p && a->line == w.line) {
					app = a->id;
					answered = a->answered;
				}
			}
		}
		if (scratch.n || !app || ++n > rows) {
			rc = ct_fail(err, CT_EINPUT,
				     "%s: the file changed while it was being imported (line %d); "
				     "nothing was imported",
				     im->path, w.line);
			break;
		}
		if (!w.outcome)
			continue; /* a status alone (an export's unanswered row) */
		*replaced += answered;
		im->responses++;
		rc = response_writer_add(&im->w, app, w.channel, w.outcome, coder,
						 w.has_at ? w.at : NULL, w.v[C_NOTE], err);
	}
	if (!rc)
		rc = response_writer_flush(&im->w, err);
	if (!rc && n != rows)
		rc = ct_fail(err, CT_EINPUT,
			     "%s: the file changed while it was being imported; nothing was imported",
			     im->path);
	im->errs = caller;
	csv_errs_free(&scratch);
	return rc;
}

static void importer_free(struct importer *im)
{
	for (int i = 0; i < im->nls; i++) {
		free(listing_at(im, i)->area);
		free(listing_at(im, i)->more);
	}
	for (int i = 0; i * CHUNK < im->nls; i++)
		free(im->chunk[i]);
	free(im->chunk);
	for (int i = 0; i < im->npersonas; i++)
		free(im->personas[i].grp);
	free(im->personas);
	free(im->groups);
	free(im->placebo.id);
	seen_free(&im->refs);
	listing_ref_index_free(&im->study_refs);
	listing_stmts_close(&im->q);
	sqlite3_finalize(im->apps_st);
	response_writer_close(&im->w);
	csv_record_free(&im->rec);
	csv_reader_close(&im->r);
}

int responses_import_file(struct study *s, const char *path, char delim,
			  struct responses_import_summary *sum, struct csv_errs *errs,
			  struct ct_err *err)
{
	static const char *const required[] = { "group", "gender", NULL };
	struct importer im = { .s = s, .path = path, .errs = errs, .q = { .s = s }, .w = { .s = s } };
	struct responses_import_summary n = { 0 };
	char *pathc = xstrdup(path), *coder = NULL;
	int rc, in_tx = 0, got;
	memset(sum, 0, sizeof(*sum));
	struct strbuf groups = STRBUF_INIT;
	for (int i = 0; i < s->design->ngroups; i++)
		sb_addf(&groups, "%s%s", i ? ", " : "", s->design->groups[i].id);
	if (s->design->placebo_share > 0) {
		im.placebo.id = study_placebo_group(s->design);
		sb_addf(&groups, ", %s", im.placebo.id);
	}
	im.groups = sb_detach(&groups);
	if ((rc = csv_reader_open_file_as(&im.r, path, delim, err)) ||
	    (rc = csv_reader_check_columns(&im.r, response_import_columns, required, 0, err)))
		goto out;
	for (int c = 0; c < C_N; c++)
		im.col[c] = csv_reader_col(&im.r, response_import_columns[c]);
	/* An export names the ref listing_ref and the reply's time replied_at. */
	static const int alias[][2] = { { C_LISTING, C_LISTING_REF }, { C_AT, C_REPLIED_AT } };
	for (size_t k = 0; k < ARRAY_SIZE(alias) && !rc; k++) {
		int a = alias[k][0], b = alias[k][1];
		if (im.col[a] >= 0 && im.col[b] >= 0)
			rc = ct_fail(err, CT_EINPUT, "%s:1: columns %s and %s are one column given twice",
				     path, response_import_columns[a], response_import_columns[b]);
		else if (im.col[a] < 0)
			im.col[a] = im.col[b];
		im.col[b] = -1;
	}
	if (!rc && im.col[C_LISTING] < 0)
		rc = ct_fail(err, CT_EINPUT, "%s:1: column listing is required but the header lacks it",
			     path);
	if (!rc && im.col[C_OUTCOME] < 0 && im.col[C_STATUS] < 0)
		rc = ct_fail(err, CT_EINPUT, "%s:1: column outcome is required but the header lacks it",
			     path);
	if (rc || (rc = study_begin(s, err)))
		goto out;
	in_tx = 1;
	if ((rc = load_personas(&im, err)) || (rc = listing_ref_index_load(s, &im.study_refs, err)))
		goto out;
	while (!(rc = csv_next(&im.r, &im.rec, &got, err)) && got) {
		struct row w;
		row_read(&im, &w);
		n.rows++;
		if (row_names_cell(&w) && (rc = row_attach(&im, &w, err)))
			goto out;
	}
	if (rc) {
		rc = csv_errs_reading_stopped(errs, &im.r, path, rc, err);
		goto out;
	}
	if (n.rows == 0) {
		rc = ct_fail(err, CT_EINPUT, "%s: the file has a header but no rows", path);
		goto out;
	}
	for (int i = 0; i < im.nls; i++) {
		check_pair(&im, listing_at(&im, i));
		n.single += listing_at(&im, i)->napps == 1;
	}
	if (errs->n) {
		rc = ct_fail(err, CT_EINPUT, "%d error%s in %s; nothing was imported", errs->n,
			     errs->n == 1 ? "" : "s", path);
		goto out;
	}
	coder = xasprintf("import:%s", basename(pathc));
	if ((rc = insert_listings_apps(&im, &n.listings_created, &n.applications_created, err)) ||
	    (rc = insert_responses(&im, coder, n.rows, &n.replaced, err)))
		goto out;
	long nrows = n.rows;
	n.rows = im.responses;
	n.statuses_set = im.statuses_set;
	n.withdrawn = im.withdrawn;
	char *detail = nrows == n.rows && !n.statuses_set && !n.withdrawn
			       ? xasprintf("rows=%ld listings_created=%ld applications_created=%ld "
					   "replaced=%ld file=%s",
					   n.rows, n.listings_created, n.applications_created,
					   n.replaced, basename(pathc))
			       : xasprintf("rows=%ld responses=%ld listings_created=%ld "
					   "applications_created=%ld replaced=%ld statuses_set=%ld "
					   "withdrawn=%ld file=%s",
					   nrows, n.rows, n.listings_created, n.applications_created,
					   n.replaced, n.statuses_set, n.withdrawn, basename(pathc));
	rc = study_event(s, "import", basename(pathc), detail, err);
	free(detail);
	if (!rc && !(rc = study_commit(s, err))) {
		in_tx = 0;
		*sum = n;
		sum->delim = im.r.delim;
		sum->delim_guessed = im.r.delim_guessed;
		sum->dialect = csv_dialect(&im.r);
	}
out:
	importer_free(&im);
	if (in_tx)
		study_rollback(s);
	free(coder);
	free(pathc);
	return rc;
}
