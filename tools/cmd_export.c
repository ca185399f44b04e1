/* cmd_export.c: corrtest export KIND --csv: the study's records as CSV for
 * R, Stata and Python. Pseudonymous: no landlord or agent contact data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/csv.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_export_usage[] =
	"usage: corrtest export assignments [--csv] [-o FILE]\n"
	"       corrtest export responses [--csv] [-o FILE]\n"
	"\n"
	"Writes CSV (RFC 4180 quoting, UTF-8, a header row, LF line ends) to stdout\n"
	"or FILE. Rows are ordered by listing, then by who writes first. Landlords'\n"
	"and agents' contact data are never exported; agents appear as agent_key.\n"
	"\n"
	"  assignments  one row per application: listing_ref, group, gender, persona\n"
	"               (the candidate's e-mail address), variant, position (1 writes\n"
	"               first), scheduled_at (local time of study.ini's zone, with offset)\n"
	"  responses    one row per application: listing_ref, agent_type, agent_key,\n"
	"               round, area, group, gender, variant, position, status, outcome\n"
	"               (the latest coded response, empty if none), channel\n"
	"\n"
	"  --csv        the format (the only one so far; the default)\n"
	"  -o FILE      write FILE (atomically) instead of stdout\n";

/* Appends one field, quoted only when it holds a comma, a quote or a line
 * break (RFC 4180); a quote inside is doubled. NULL is an empty field. */
static void csv_field(struct strbuf *sb, const char *v, int last)
{
	csv_quote(sb, v);
	sb_addc(sb, last ? '\n' : ',');
}

struct kind {
	const char *name, *header, *sql;
	int at_col; /* column holding a UTC time to show in local time, or -1 */
};

static const struct kind kinds[] = {
	{ "assignments", "listing_ref,group,gender,persona,variant,position,scheduled_at",
	  "SELECT l.ref, g.name, p.gender, p.email, a.variant, a.position, a.scheduled_at "
	  "FROM application a JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
	  "JOIN grp g ON g.id = p.grp ORDER BY l.id, a.position IS NULL, a.position, a.id",
	  6 },
	{ "responses",
	  "listing_ref,agent_type,agent_key,round,area,group,gender,variant,position,status,outcome,"
	  "channel",
	  "SELECT l.ref, l.agent_type, l.agent_key, l.round, l.area, g.name, p.gender, a.variant, "
	  "a.position, a.status, r.outcome, r.channel FROM application a "
	  "JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona "
	  "JOIN grp g ON g.id = p.grp LEFT JOIN response r ON r.id = "
	  "(SELECT max(id) FROM response WHERE application = a.id) "
	  "ORDER BY l.id, a.position IS NULL, a.position, a.id",
	  -1 },
};

static int export_kind(struct cmd_ctx *ctx, const struct kind *k, struct strbuf *sb)
{
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	sqlite3_stmt *st;
	int rc = study_prepare(s, k->sql, &st, &err);
	if (rc)
		return cmd_error(ctx, &err);
	sb_adds(sb, k->header);
	sb_addc(sb, '\n');
	int ncol = sqlite3_column_count(st), step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			char local[40];
			time_t t;
			if (i == k->at_col && v && time_parse_iso(v, &t)) {
				time_iso_local(t, s->design->timezone, local);
				v = local;
			}
			csv_field(sb, v, i == ncol - 1);
		}
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		study_db_error(s, &err, "read the study");
		return cmd_error(ctx, &err);
	}
	return CT_OK;
}

int cmd_export(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "csv", no_argument, NULL, 'c' },
					      { "output", required_argument, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	const char *outpath = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': break;
		case 'o': outpath = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "name one kind to export: assignments or responses");
	const struct kind *k = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(argv[optind], kinds[i].name))
			k = &kinds[i];
	if (!k)
		return cmd_usage_error(ctx, "unknown kind '%s'; kinds: assignments, responses",
				       argv[optind]);
	struct strbuf sb = STRBUF_INIT;
	int rc = export_kind(ctx, k, &sb);
	if (!rc && outpath) {
		struct ct_err err = { 0 };
		if ((rc = file_write_atomic(outpath, sb.buf ? sb.buf : "", sb.len, 0644, &err)))
			rc = cmd_error(ctx, &err);
	} else if (!rc) {
		fwrite(sb_str(&sb), 1, sb.len, stdout);
		rc = cmd_flush(ctx);
	}
	sb_free(&sb);
	return rc;
}
