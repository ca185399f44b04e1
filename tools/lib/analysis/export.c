/* export.c: the records of a study as CSV (export.h). */
#include <stdio.h>
#include <string.h>

#include "analysis/export.h"
#include "cv/cvtpl.h"
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

const char export_kinds[] = "assignments, responses, followups, cv";

static const struct kind *find_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(name, kinds[i].name))
			return &kinds[i];
	return NULL;
}

int export_kind_known(const char *name)
{
	return find_kind(name) != NULL || !strcmp(name, "cv");
}

int export_csv(struct study *s, const char *kind, FILE *out, struct ct_err *err)
{
	/* The CVs' codebook: its columns are the template's nodes. */
	if (!strcmp(kind, "cv"))
		return cv_export_csv(s, out, err);
	const struct kind *k = find_kind(kind);
	if (!k)
		return ct_fail(err, CT_EINPUT, "unknown kind '%s'; kinds: %s", kind, export_kinds);
	sqlite3_stmt *st;
	int rc = study_prepare(s, k->sql, &st, err);
	if (rc)
		return rc;
	fputs(k->header, out);
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
			sb_addc(&sb, i == ncol - 1 ? '\n' : ',');
		}
		fwrite(sb_str(&sb), 1, sb.len, out);
	}
	sb_free(&sb);
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return study_db_error(s, err, "read the study");
	if (ferror(out))
		return ct_fail(err, CT_EENV, "cannot write the export");
	return CT_OK;
}
