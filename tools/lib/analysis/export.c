/* export.c: the records of a study as CSV (export.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/export.h"
#include "coding/codebook.h"
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
	/* The CVs' codebook: its columns are the template's nodes. */
	if (!strcmp(kind, "cv"))
		return cv_export_csv(s, out, err);
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

/* ---- the codebook of the exports (export codebook) ---- */

/* One variable of an export. values: what it holds ("" when free text);
 * {G}, {V}, {S} in values stand for the study's groups, variants and
 * genders, filled in by cb_values. */
struct cb_var {
	const char *name, *type, *values, *meaning;
	unsigned files; /* CB_* bits: the exports that have it */
};
enum { CB_A = 1, CB_R = 2, CB_F = 4, CB_JOB = 8 /* job studies only */ };

static const struct cb_var cb_vars[] = {
	{ "listing_ref", "text", "", "the listing's (vacancy's) reference, as imported", CB_A | CB_R | CB_F },
	{ "agent_type", "category", "agency|private",
	  "who advertised: an agency (estate or recruitment agency) or the landlord or employer itself",
	  CB_R },
	{ "agent_key", "text", "ag-<12 hex digits>",
	  "pseudonym of the agent (or, without one, of the contact address): the same agent has the same "
	  "key on every listing; names and addresses are never exported",
	  CB_A | CB_R | CB_F },
	{ "round", "integer", "1, 2, ...", "the listing's round of the study", CB_R },
	{ "area", "text", "", "municipality or neighbourhood of the dwelling; for a vacancy, the work location",
	  CB_R },
	{ "kind", "category", "followup|retest",
	  "followup: a follow-up \"is it still available?\"; retest: a new paired test of the same agent",
	  CB_F },
	{ "application_id", "integer", "", "the application (one message of one candidate to one listing)",
	  CB_A | CB_R | CB_F },
	{ "follows", "integer", "", "the application_id this follow-up or re-test follows", CB_F },
	{ "group", "category", "{G}", "the candidate's group (the origin its name signals)", CB_A | CB_R | CB_F },
	{ "gender", "category", "{S}", "the candidate's gender (both candidates of a pair share it)",
	  CB_A | CB_R | CB_F },
	{ "persona", "text", "", "the candidate's e-mail address (fictitious)", CB_A },
	{ "variant", "integer", "{V}",
	  "the message variant (templates vN.txt); the two messages to one listing never share one",
	  CB_A | CB_R | CB_F },
	{ "position", "integer", "1|2", "1: the candidate who writes first; 2: second", CB_A | CB_R | CB_F },
	{ "status", "category", "planned|sending|sent|bounced|failed|cancelled",
	  "the application's state: planned (not sent yet), sending, sent, bounced (returned by the mail "
	  "system), failed (could not be sent), cancelled",
	  CB_A | CB_R | CB_F },
	{ "outcome", "category", "invitation|info|refusal|other|no_reply|(empty)",
	  "the latest coded response (its values below); empty: none coded yet", CB_R | CB_F },
	{ "channel", "category", "email|phone|sms|voicemail|portal|webmail|manual|(empty)",
	  "how the response came", CB_R | CB_F },
	{ "listing_status", "category", "active|withdrawn",
	  "withdrawn: the listing was taken out of the study (its pair is left out of the analysis)", CB_R },
	{ "planned_channel", "category", "smtp|portal|webmail|phone|sms|(empty)",
	  "how the application was to go: the application's or its listing's channel; empty: the study's "
	  "default (study.ini [fielding] channel)",
	  CB_A | CB_R | CB_F },
	{ "sent_via", "category", "smtp|portal|webmail|phone|sms|(empty)",
	  "how the application actually went; empty: not sent", CB_R | CB_F },
	{ "scheduled_at", "datetime", "YYYY-MM-DDTHH:MM:SS+HH:MM",
	  "when the application was planned to leave, in the study's time zone", CB_A | CB_R | CB_F },
	{ "sent_at", "datetime", "YYYY-MM-DDTHH:MM:SS+HH:MM", "when it left; empty: not sent",
	  CB_R | CB_F },
	{ "replied_at", "datetime", "YYYY-MM-DDTHH:MM:SS+HH:MM",
	  "when the coded response came, if known", CB_R | CB_F },
	{ "response_hours", "number", "", "hours from sending to the response", CB_R | CB_F },
	{ "coder", "text", "", "who (or which rule set) coded the response", CB_R | CB_F },
	{ "simulated", "integer", "0|1",
	  "1: made up by 'corrtest simulate' (the send or the response); never a real observation",
	  CB_A | CB_R | CB_F },
	{ "isco", "text", "1 to 4 digits",
	  "the vacancy's occupation as an ISCO-08 code (a unit group such as 2411, or a coarser group); "
	  "empty when not given",
	  CB_A | CB_R | CB_JOB },
	{ "occupation", "text", "", "the vacancy's occupation as the vacancy names it", CB_A | CB_R | CB_JOB },
};

/* The order of each export's columns (the kinds table above). */
static const char *const cb_order_a[] = { "listing_ref", "group", "gender", "persona", "variant",
					  "position", "scheduled_at", "application_id", "agent_key",
					  "planned_channel", "status", "simulated", "isco",
					  "occupation", NULL };
static const char *const cb_order_r[] = { "listing_ref", "agent_type", "agent_key", "round", "area",
					  "group", "gender", "variant", "position", "status",
					  "outcome", "channel", "application_id", "listing_status",
					  "planned_channel", "sent_via", "scheduled_at", "sent_at",
					  "replied_at", "response_hours", "coder", "simulated",
					  "isco", "occupation", NULL };
static const char *const cb_order_f[] = { "listing_ref", "agent_key", "kind", "application_id",
					  "follows", "group", "gender", "variant", "position",
					  "status", "outcome", "channel", "planned_channel",
					  "sent_via", "scheduled_at", "sent_at", "replied_at",
					  "response_hours", "coder", "simulated", NULL };

static const struct cb_var *cb_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cb_vars); i++)
		if (!strcmp(cb_vars[i].name, name))
			return &cb_vars[i];
	return NULL;
}

static void cb_row(struct strbuf *sb, const char *file, const char *var, const char *type,
		   const char *values, const char *meaning)
{
	csv_quote(sb, file);
	sb_addc(sb, ',');
	csv_quote(sb, var);
	sb_addc(sb, ',');
	csv_quote(sb, type);
	sb_addc(sb, ',');
	csv_quote(sb, values);
	sb_addc(sb, ',');
	csv_quote(sb, meaning);
	sb_addc(sb, '\n');
}

/* The values of v for this study: its groups, variants, genders. */
static char *cb_values(const struct design *d, const struct cb_var *v)
{
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(v->values, "{G}")) {
		for (int i = 0; i < d->ngroups; i++)
			sb_addf(&sb, "%s%s (%s%s)", i ? "|" : "", d->groups[i].id,
				d->groups[i].control ? "control: " : "test: ", d->groups[i].label);
	} else if (!strcmp(v->values, "{V}")) {
		sb_addf(&sb, "1 to %d", d->variants);
	} else if (!strcmp(v->values, "{S}")) {
		for (int i = 0; i < d->ngenders; i++)
			sb_addf(&sb, "%s%s", i ? "|" : "", gender_name(d->genders[i]));
	} else {
		sb_adds(&sb, v->values);
	}
	return sb_detach(&sb);
}

/* The outcome's values, each with its definition and the sub-codes (why)
 * that apply in the study's market, from the coding codebook. */
static void cb_outcomes(struct strbuf *sb, const char *file, const struct codebook *cb,
			unsigned market)
{
	/* What each outcome means in the market, in a few words, before the
	 * codebook's definition (which speaks of both markets). */
	static const char *const gloss[2][CODING_NOUTCOMES] = {
		{ "an invitation to a viewing (or a call to fix one)",
		  "a request for information, documents or a call", "a refusal (let, or turned down)",
		  "another reply (automatic, an acknowledgement)", "no reply by the deadline" },
		{ "an invitation to an interview (or a call to fix one)",
		  "a request for information or a call", "a rejection (position filled, or turned down)",
		  "another reply (automatic, an acknowledgement)", "no reply by the deadline" },
	};
	for (int o = 0; o < CODING_NOUTCOMES; o++) {
		const struct coding_code *c = codebook_find(cb, coding_outcomes[o]);
		struct strbuf m = STRBUF_INIT;
		sb_addf(&m, "%s. %s", gloss[market == CODING_JOB][o], c ? c->definition : "");
		int nsub = 0;
		for (int i = 0; i < cb->n; i++) {
			const struct coding_code *s = &cb->code[i];
			if (!s->sub || strcmp(s->outcome, coding_outcomes[o]) || !(s->markets & market))
				continue;
			/* Definitions end with a full stop; they are joined by "; ". */
			size_t dl = strlen(s->definition);
			if (dl && s->definition[dl - 1] == '.')
				dl--;
			sb_addf(&m, "%s%s (%s): %.*s", nsub++ ? "; " : " Sub-codes in this market: ",
				s->code, s->label, (int)dl, s->definition);
		}
		if (nsub)
			sb_addc(&m, '.');
		cb_row(sb, file, "outcome", "value", coding_outcomes[o], sb_str(&m));
		sb_free(&m);
	}
}

int export_codebook(struct study *s, FILE *out, struct ct_err *err)
{
	const struct design *d = s->design;
	int job = d->market && !strcmp(d->market, "job");
	unsigned market = job ? CODING_JOB : CODING_HOUSING;
	struct codebook *cb = NULL;
	int rc = codebook_load(s->dir, &cb, err);
	if (rc)
		return rc;
	static const struct {
		const char *file;
		const char *const *order;
	} files[] = { { "assignments", cb_order_a }, { "responses", cb_order_r },
		      { "followups", cb_order_f } };
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "file,variable,type,values,meaning\n");
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		for (const char *const *n = files[f].order; *n; n++) {
			const struct cb_var *v = cb_find(*n);
			if (!v || ((v->files & CB_JOB) && !job))
				continue;
			char *vals = cb_values(d, v);
			if (!strcmp(v->name, "outcome")) {
				/* The study's rule of a positive outcome (study.ini
				 * [design] outcome), as stats applies it. */
				char *m = xasprintf("%s. The study counts as positive (outcome = %s): %s",
						    v->meaning, d->outcome,
						    !strcmp(d->outcome, "strict")  ? "invitation"
						    : !strcmp(d->outcome, "broad") ? "invitation or info"
										   : "any reply");
				cb_row(&sb, files[f].file, v->name, v->type, vals, m);
				free(m);
			} else {
				cb_row(&sb, files[f].file, v->name, v->type, vals, v->meaning);
			}
			free(vals);
			if (!strcmp(v->name, "outcome"))
				cb_outcomes(&sb, files[f].file, cb, market);
		}
	}
	if (job) {
		/* export cv (the CV engine's): its fixed columns, then one column
		 * per node of the study's CV template. */
		static const char *const cv[][4] = {
			{ "listing_ref", "text", "", "the vacancy's reference" },
			{ "application_id", "integer", "", "the application the CV went with" },
			{ "group", "category", "", "the candidate's group, as in assignments" },
			{ "gender", "category", "", "the candidate's gender, as in assignments" },
			{ "position", "integer", "1|2", "1: the candidate who writes first" },
			{ "layout", "integer", "1|2",
			  "the CV's page layout (1: one column, serif; 2: a side column, sans serif); the "
			  "two CVs of a pair never share one, counterbalanced over the groups" },
			{ "phrasing", "integer", "1|2",
			  "the CV's wording set; the two CVs of a pair never share one, counterbalanced over "
			  "the groups" },
			{ "family", "text", "",
			  "the CV template's occupation family the vacancy's ISCO code fell in" },
			{ "isco", "text", "1 to 4 digits", "the vacancy's ISCO-08 code" },
			{ "level", "category", "none|secondary|bachelor|master",
			  "the education the vacancy asks for" },
			{ "kind", "category", "main|retest",
			  "main: the study's pair (what stats counts); retest: a re-test of the agent "
			  "(corrtest retest), kept apart" },
			{ "(template nodes)", "text", "",
			  "every further column is a node of the CV template (templates/job/LANG/cv.ini or "
			  "the study's), named as there: the text that CV shows for it (dates included); the "
			  "attributes that matter (education level, degree, years of experience, skills, "
			  "languages) are equal within a pair" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(cv); i++)
			cb_row(&sb, "cv", cv[i][0], cv[i][1], cv[i][2], cv[i][3]);
	}
	codebook_free(cb);
	fwrite(sb_str(&sb), 1, sb.len, out);
	sb_free(&sb);
	if (ferror(out))
		return ct_fail(err, CT_EENV, "cannot write the export");
	return CT_OK;
}
