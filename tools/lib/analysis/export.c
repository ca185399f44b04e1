/* export.c: the records of a study as CSV (export.h). */
#include <stdio.h>
#include <string.h>

#include "analysis/export.h"
#include "io/csv.h"
#include "base/timeutil.h"
#include "base/banned.h"

struct kind {
	const char *name, *header, *sql;
	/* Columns holding a UTC time, shown in the study's local time with its
	 * offset (-1 ends the list), and numeric columns, written as numbers. */
	int at_col[4];
	int num_col[6];
};

/* The application's planned channel: its own once frozen, else the
 * listing's; empty means the study's default ([fielding] channel). */
static const struct kind kinds[] = {
	/* simulated: 1 for a row made up by `corrtest simulate` (the
	 * application marked sent, or its response drawn), so that no analysis
	 * takes it for a real one; a column keeps the file machine-readable. */
	{ "assignments",
	  "listing_ref,group,gender,persona,variant,position,scheduled_at,application_id,"
	  "agent_key,planned_channel,status,simulated",
	  "SELECT l.ref, g.name, p.gender, p.email, a.variant, a.position, a.scheduled_at, a.id, "
	  "l.agent_key, coalesce(a.channel, l.channel), a.status, a.simulated "
	  "FROM application a JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
	  "JOIN grp g ON g.id = p.grp WHERE a.kind = 'main' "
	  "ORDER BY l.id, a.position IS NULL, a.position, a.id",
	  { 6, -1 },
	  { 4, 5, 7, 11, -1 } },
	{ "responses",
	  "listing_ref,agent_type,agent_key,round,area,group,gender,variant,position,status,outcome,"
	  "channel,application_id,listing_status,planned_channel,sent_via,scheduled_at,sent_at,"
	  "replied_at,response_hours,coder,simulated",
	  "SELECT l.ref, l.agent_type, l.agent_key, l.round, l.area, g.name, p.gender, a.variant, "
	  "a.position, a.status, r.outcome, r.channel, a.id, l.status, "
	  "coalesce(a.channel, l.channel), a.sent_via, a.scheduled_at, a.sent_at, r.at, "
	  "round((julianday(r.at) - julianday(a.sent_at)) * 24, 2), r.coder, "
	  "max(a.simulated, coalesce(r.simulated, 0)) FROM application a "
	  "JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
	  "JOIN grp g ON g.id = p.grp LEFT JOIN response r ON r.id = "
	  "(SELECT max(id) FROM response WHERE application = a.id) WHERE a.kind = 'main' "
	  "ORDER BY l.id, a.position IS NULL, a.position, a.id",
	  { 16, 17, 18, -1 },
	  { 12, 19, 21, -1 } },
	/* Follow-ups and re-tests (corrtest followup, retest) in a file of
	 * their own: the two files above hold the study's pairs (the main
	 * kind), which the analysis counts; these it never counts. */
	{ "followups",
	  "listing_ref,agent_key,kind,application_id,follows,group,gender,variant,position,status,"
	  "outcome,channel,planned_channel,sent_via,scheduled_at,sent_at,replied_at,response_hours,"
	  "coder,simulated",
	  "SELECT l.ref, l.agent_key, a.kind, a.id, a.follows, g.name, p.gender, a.variant, "
	  "a.position, a.status, r.outcome, r.channel, coalesce(a.channel, l.channel), a.sent_via, "
	  "a.scheduled_at, a.sent_at, r.at, "
	  "round((julianday(r.at) - julianday(a.sent_at)) * 24, 2), r.coder, "
	  "max(a.simulated, coalesce(r.simulated, 0)) FROM application a "
	  "JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
	  "JOIN grp g ON g.id = p.grp LEFT JOIN response r ON r.id = "
	  "(SELECT max(id) FROM response WHERE application = a.id) WHERE a.kind <> 'main' "
	  "ORDER BY a.id",
	  { 14, 15, 16, -1 },
	  { 3, 4, 17, 19, -1 } },
};

static int in_cols(const int *cols, int i)
{
	for (; *cols >= 0; cols++)
		if (*cols == i)
			return 1;
	return 0;
}

const char export_kinds[] = "assignments, responses, followups";

static const struct kind *find_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(name, kinds[i].name))
			return &kinds[i];
	return NULL;
}

int export_kind_known(const char *name)
{
	return find_kind(name) != NULL;
}

/* ---- the vacancies' occupation (job studies) ----
 *
 * A job study's assignments and responses end with the vacancy's isco and
 * occupation (listing.isco, listing.occupation), after every column a
 * housing study has, so that its files keep their columns and `corrtest
 * import` reads either back (it knows the two names and sets them aside).
 * They are looked up by application id, the column app_col of the kind. */
struct job_cols {
	sqlite3_stmt *st;
	int app_col; /* -1: the kind has no job columns, or the study is not a job study */
};

static int job_cols_open(struct study *s, const struct kind *k, struct job_cols *j,
			 struct ct_err *err)
{
	j->st = NULL;
	j->app_col = -1;
	if (!s->design->market || strcmp(s->design->market, "job"))
		return CT_OK;
	if (!strcmp(k->name, "assignments"))
		j->app_col = 7;
	else if (!strcmp(k->name, "responses"))
		j->app_col = 12;
	else
		return CT_OK;
	return study_prepare(s,
			     "SELECT l.isco, l.occupation FROM application a"
			     " JOIN listing l ON l.id = a.listing WHERE a.id = ?",
			     &j->st, err);
}

/* ",isco,occupation" of the row whose application id is app. */
static int job_cols_row(struct study *s, struct job_cols *j, sqlite3_int64 app, struct strbuf *sb,
			struct ct_err *err)
{
	sqlite3_reset(j->st);
	sqlite3_bind_int64(j->st, 1, app);
	if (sqlite3_step(j->st) != SQLITE_ROW)
		return study_db_error(s, err, "read a vacancy's occupation");
	for (int i = 0; i < 2; i++) {
		sb_addc(sb, ',');
		csv_quote(sb, (const char *)sqlite3_column_text(j->st, i));
	}
	return CT_OK;
}

int export_csv(struct study *s, const char *kind, FILE *out, struct ct_err *err)
{
	const struct kind *k = find_kind(kind);
	if (!k)
		return ct_fail(err, CT_EINPUT, "unknown kind '%s'; kinds: %s", kind, export_kinds);
	sqlite3_stmt *st;
	struct job_cols job;
	int rc = study_prepare(s, k->sql, &st, err);
	if (rc)
		return rc;
	if ((rc = job_cols_open(s, k, &job, err))) {
		sqlite3_finalize(st);
		return rc;
	}
	fputs(k->header, out);
	if (job.st)
		fputs(",isco,occupation", out);
	fputc('\n', out);
	/* One row at a time through a reused buffer: a million rows need no
	 * more memory than one. */
	struct strbuf sb = STRBUF_INIT;
	int ncol = sqlite3_column_count(st), step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sb_reset(&sb);
		for (int i = 0; i < ncol; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			char local[40];
			time_t t;
			if (v && in_cols(k->at_col, i) && time_parse_iso(v, &t)) {
				time_iso_local(t, s->design->timezone, local);
				v = local;
			}
			/* Every text cell through csv_quote (formulas neutralised);
			 * a number as a number, so that -0.5 hours stays -0.5. */
			if (in_cols(k->num_col, i))
				csv_quote_number(&sb, v);
			else
				csv_quote(&sb, v);
			if (i < ncol - 1)
				sb_addc(&sb, ',');
		}
		if (job.st && (rc = job_cols_row(s, &job, sqlite3_column_int64(st, job.app_col), &sb,
						 err)))
			break;
		sb_addc(&sb, '\n');
		fwrite(sb_str(&sb), 1, sb.len, out);
	}
	sb_free(&sb);
	sqlite3_finalize(st);
	sqlite3_finalize(job.st);
	if (rc)
		return rc;
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "read the study");
	if (ferror(out))
		return ct_fail(err, CT_EENV, "cannot write the export");
	return CT_OK;
}
