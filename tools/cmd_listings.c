/* cmd_listings.c: corrtest listings add | import | list | withdraw: the
 * offers a study tests, validated strictly, all or nothing. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/csv.h"
#include "io/json.h"
#include "listings/listing.h"
#include "io/table.h"
#include "base/banned.h"

const char cmd_listings_usage[] =
	"usage: corrtest listings add --ref R --agent-type agency|private [--url U]\n"
	"                             [--contact-email E] [--contact-name N] [--agent NAME]\n"
	"                             [--area A] [--price P] [--round N] [--posted-on YYYY-MM-DD]\n"
	"                             [--title T]\n"
	"       corrtest listings import FILE.csv\n"
	"       corrtest listings list [--contacts]\n"
	"       corrtest listings withdraw REF [--note TEXT]\n"
	"\n"
	"The offers to test. import reads a CSV file (UTF-8, header row) with the\n"
	"columns ref, url, contact_email, contact_name, agent_type, agent, area, price,\n"
	"round, posted_on and title (ref and agent_type required; see\n"
	"docs/csv-formats.md). Every value is checked; every error is reported with its\n"
	"line and column, and nothing is imported unless the whole file is valid.\n"
	"Refs are compared ignoring case: GENT-001 and gent-001 are one listing.\n"
	"\n"
	"The agent (or, without one, the contact address) is stored as a pseudonymous\n"
	"key (agent_key); names and addresses are kept apart so that they can be purged.\n"
	"list shows them only with --contacts. withdraw marks a listing withdrawn (it is\n"
	"never deleted; stats leaves its pair out).\n";

/* At most this many errors are printed: enough to fix a file in one pass,
 * few enough to read. */
#define MAX_ERRORS 50

/* ---- listings add ---- */

struct add_report {
	struct cmd_ctx *ctx;
	int n;
};

static void add_report(void *ud, const char *column, const char *msg)
{
	struct add_report *r = ud;
	struct strbuf opt = STRBUF_INIT;
	for (const char *p = column; *p; p++)
		sb_addc(&opt, *p == '_' ? '-' : *p);
	cmd_errorf(r->ctx, CT_EINPUT, "--%s: %s", sb_str(&opt), msg);
	sb_free(&opt);
	r->n++;
}

/* getopt values of the add options: OPT + the listing field. */
#define OPT 256

static int listings_add(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "ref", required_argument, NULL, OPT + LF_REF },
		{ "url", required_argument, NULL, OPT + LF_URL },
		{ "contact-email", required_argument, NULL, OPT + LF_CONTACT_EMAIL },
		{ "contact-name", required_argument, NULL, OPT + LF_CONTACT_NAME },
		{ "agent-type", required_argument, NULL, OPT + LF_AGENT_TYPE },
		{ "agent", required_argument, NULL, OPT + LF_AGENT },
		{ "area", required_argument, NULL, OPT + LF_AREA },
		{ "price", required_argument, NULL, OPT + LF_PRICE },
		{ "round", required_argument, NULL, OPT + LF_ROUND },
		{ "posted-on", required_argument, NULL, OPT + LF_POSTED_ON },
		{ "title", required_argument, NULL, OPT + LF_TITLE },
		{ NULL, 0, NULL, 0 }
	};
	const char *in[LF_COUNT] = { 0 };
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c < OPT || c >= OPT + LF_COUNT)
			return cmd_usage_error(ctx, "unknown option for 'listings add'");
		/* The last of two values must not win silently. */
		if (in[c - OPT])
			return cmd_usage_error(ctx, "--%s is given twice", opts[c - OPT].name);
		in[c - OPT] = optarg;
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "'listings add' takes options only, not '%s'",
				       argv[optind]);

	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	struct listing l;
	struct add_report rep = { ctx, 0 };
	int rc = study_begin(s, &err);
	if (rc)
		return cmd_error(ctx, &err);
	listing_validate(in, &l, add_report, &rep);
	int64_t id = 0;
	char *taken = NULL, *stored = NULL;
	if (l.f[LF_REF] && !(rc = listing_ref_find(s, l.f[LF_REF], &id, &stored, &err)) && id) {
		/* Refs that differ only in case name one listing. */
		if (strcmp(stored, l.f[LF_REF]))
			cmd_errorf(ctx, CT_EINPUT, "--ref: '%s' is already in the study (as '%s')",
				   l.f[LF_REF], stored);
		else
			cmd_errorf(ctx, CT_EINPUT, "--ref: '%s' is already in the study", l.f[LF_REF]);
		rep.n++;
	}
	free(stored);
	if (!rc && l.f[LF_URL] && !(rc = listing_url_taken(s, l.f[LF_URL], &taken, &err)) &&
	    taken) {
		cmd_errorf(ctx, CT_EINPUT, "--url: '%s' is already in the study (listing %s)",
			   l.f[LF_URL], taken);
		rep.n++;
	}
	free(taken);
	if (!rc && rep.n) {
		study_rollback(s);
		listing_free(&l);
		return CT_EINPUT;
	}
	if (!rc)
		rc = listing_insert(s, &l, &id, &err);
	if (!rc)
		rc = study_event(s, "listings.add", l.f[LF_REF], NULL, &err);
	if (!rc)
		rc = study_commit(s, &err);
	if (rc) {
		study_rollback(s);
		listing_free(&l);
		return cmd_error(ctx, &err);
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "id");
		json_int(&j, id);
		json_key(&j, "ref");
		json_str(&j, l.f[LF_REF]);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Added listing %s (%s).\n", l.f[LF_REF], l.f[LF_AGENT_TYPE]);
	}
	listing_free(&l);
	return CT_OK;
}

/* ---- listings import ---- */

struct import_report {
	struct csv_errs *errs;
	const struct csv *csv;
	const struct csv_record *rec;
};

/* The line of a column's field in the current record (a quoted field may
 * start on a later line than its record). */
static int field_line(const struct csv *c, const struct csv_record *rec, const char *column)
{
	int i = csv_col(c, column);
	return i >= 0 && i < rec->n ? rec->line[i] : rec->start_line;
}

static void import_report(void *ud, const char *column, const char *msg)
{
	struct import_report *r = ud;
	csv_errs_add(r->errs, r->csv->path, field_line(r->csv, r->rec, column), column, "%s", msg);
}


static int listings_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc != 2)
		return cmd_usage_error(ctx, "'listings import' takes one CSV file");
	const char *path = argv[1];
	struct ct_err err = { 0 };
	char *buf = NULL;
	size_t len;
	struct csv *c = NULL;
	struct listing *ls = NULL;
	struct seen_set refs = { 0 }, urls = { 0 }, study_refs = { 0 };
	struct csv_errs errs;
	csv_errs_init(&errs, MAX_ERRORS);
	static const char *const required[] = { "ref", "agent_type", NULL };
	int rc;
	if ((rc = csv_read_file(path, &buf, &len, &err)) ||
	    (rc = csv_parse(path, buf, len, &c, NULL, &err)) ||
	    (rc = csv_check_columns(c, listing_columns, required, 0, &err)))
		goto fail;
	if (c->nrec == 0) {
		rc = ct_fail(&err, CT_EINPUT, "%s: the file has a header but no listings", path);
		goto fail;
	}
	struct study *s = ctx->study;
	if ((rc = study_begin(s, &err)))
		goto fail;
	int col[LF_COUNT];
	for (int i = 0; i < LF_COUNT; i++)
		col[i] = csv_col(c, listing_columns[i]);
	ls = xcalloc((size_t)c->nrec, sizeof(*ls));
	rc = listing_refs_load(s, &study_refs, &err);
	for (int k = 0; k < c->nrec && !rc; k++) {
		const struct csv_record *rec = &c->rec[k];
		const char *in[LF_COUNT];
		for (int i = 0; i < LF_COUNT; i++)
			in[i] = col[i] >= 0 ? rec->field[col[i]] : NULL;
		struct import_report rep = { &errs, c, rec };
		listing_validate(in, &ls[k], import_report, &rep);
		const char *ref = ls[k].f[LF_REF], *url = ls[k].f[LF_URL];
		int line, prev;
		int64_t id;
		char *taken = NULL;
		char shown[CSV_SHORT], shown2[CSV_SHORT];
		if (ref) {
			/* Refs that differ only in case name one listing: a sheet with
			 * GENT-001 and gent-001 would test it twice. */
			char *fold = listing_ref_fold(ref);
			line = field_line(c, rec, "ref");
			if ((prev = seen_add(&refs, fold, k + 1))) {
				const char *first = ls[prev - 1].f[LF_REF];
				int pline = field_line(c, &c->rec[prev - 1], "ref");
				if (!strcmp(first, ref))
					csv_errs_add(&errs, path, line, "ref",
						     "'%s' appears twice in the file (lines %d and %d)",
						     csv_short(ref, shown, sizeof(shown)), pline, line);
				else
					csv_errs_add(&errs, path, line, "ref",
						     "'%s' and '%s' (line %d) differ only in case: "
						     "they are one listing, given twice",
						     csv_short(ref, shown, sizeof(shown)),
						     csv_short(first, shown2, sizeof(shown2)), pline);
			} else if (seen_get(&study_refs, fold)) {
				char *stored = NULL;
				if (!(rc = listing_ref_find(s, ref, &id, &stored, &err)))
					csv_errs_add(&errs, path, line, "ref",
						     "'%s' is already in the study%s%s%s",
						     csv_short(ref, shown, sizeof(shown)),
						     stored && strcmp(stored, ref) ? " (as '" : "",
						     stored && strcmp(stored, ref)
							     ? csv_short(stored, shown2, sizeof(shown2))
							     : "",
						     stored && strcmp(stored, ref) ? "')" : "");
				free(stored);
			}
			free(fold);
		}
		if (!rc && url) {
			line = field_line(c, rec, "url");
			if ((prev = seen_add(&urls, url, line)))
				csv_errs_add(&errs, path, line, "url",
					     "'%s' appears twice in the file (lines %d and %d)",
					     csv_short(url, shown, sizeof(shown)), prev, line);
			else if (!(rc = listing_url_taken(s, url, &taken, &err)) && taken)
				csv_errs_add(&errs, path, line, "url",
					     "'%s' is already in the study (listing %s)",
					     csv_short(url, shown, sizeof(shown)), taken);
			free(taken);
		}
	}
	if (!rc && errs.n) {
		study_rollback(s);
		cmd_error_lines(ctx, csv_errs_text(&errs));
		rc = cmd_errorf(ctx, CT_EINPUT, "%d error%s in %s; nothing was imported", errs.n,
				errs.n == 1 ? "" : "s", path);
		goto out;
	}
	for (int k = 0; k < c->nrec && !rc; k++) {
		int64_t id;
		rc = listing_insert(s, &ls[k], &id, &err);
	}
	if (!rc) {
		char *pathc = xstrdup(path);
		char *detail = xasprintf("count=%d file=%s", c->nrec, basename(pathc));
		rc = study_event(s, "listings.import", basename(pathc), detail, &err);
		free(detail);
		free(pathc);
	}
	if (!rc)
		rc = study_commit(s, &err);
	if (rc) {
		study_rollback(s);
		goto fail;
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "imported");
		json_int(&j, c->nrec);
		json_key(&j, "file");
		json_str(&j, path);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Imported %d listing%s from %s.\n", c->nrec, c->nrec == 1 ? "" : "s", path);
	}
	goto out;
fail:
	rc = cmd_error(ctx, &err);
out:
	if (ls)
		for (int k = 0; k < c->nrec; k++)
			listing_free(&ls[k]);
	free(ls);
	seen_free(&refs);
	seen_free(&urls);
	seen_free(&study_refs);
	csv_errs_free(&errs);
	csv_free(c);
	free(buf);
	return rc;
}

/* ---- listings list ---- */

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int listings_list(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "contacts", no_argument, NULL, 'c' },
					       { NULL, 0, NULL, 0 } };
	int contacts = 0, c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c')
			return cmd_usage_error(ctx, "unknown option for 'listings list'");
		contacts = 1;
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "'listings list' takes no arguments");
	struct ct_err err = { 0 };
	sqlite3_stmt *st;
	int rc = study_prepare(
		ctx->study,
		"SELECT l.id, l.ref, l.url, l.title, l.agent_type, l.agent_key, l.area, l.price,"
		" l.round, l.posted_on, l.status,"
		" (SELECT count(*) FROM application a WHERE a.listing = l.id),"
		" c.contact_email, c.contact_name, c.agent_name"
		" FROM listing l LEFT JOIN listing_contact c ON c.listing = l.id ORDER BY l.id",
		&st, &err);
	if (rc)
		return cmd_error(ctx, &err);
	static const char *const head[] = { "ref",    "agent_type", "agent_key", "area",
					    "price",  "round",	    "posted_on", "status",
					    "assigned", "contact_email", "contact_name", "agent" };
	struct table *t = table_new(contacts ? 12 : 9, head);
	struct json j;
	if (ctx->json) {
		json_init(&j, stdout, 1);
		json_arr_begin(&j);
	}
	int r, n = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		n++;
		int64_t apps = sqlite3_column_int64(st, 11);
		if (ctx->json) {
			static const char *const keys[] = { "id",	"ref",	 "url",	  "title",
							    "agent_type", "agent_key", "area", "price",
							    "round",	"posted_on", "status" };
			json_obj_begin(&j);
			for (int i = 0; i < 11; i++) {
				json_key(&j, keys[i]);
				int type = sqlite3_column_type(st, i);
				if (type == SQLITE_NULL)
					json_null(&j);
				else if (type == SQLITE_INTEGER)
					json_int(&j, sqlite3_column_int64(st, i));
				else if (type == SQLITE_FLOAT)
					json_num(&j, sqlite3_column_double(st, i));
				else
					json_str(&j, col_text(st, i));
			}
			json_key(&j, "applications");
			json_int(&j, apps);
			json_key(&j, "assigned");
			json_bool(&j, apps > 0);
			if (contacts) {
				json_key(&j, "contact_email");
				json_str(&j, col_text(st, 12));
				json_key(&j, "contact_name");
				json_str(&j, col_text(st, 13));
				json_key(&j, "agent");
				json_str(&j, col_text(st, 14));
			}
			json_obj_end(&j);
			continue;
		}
		char price[32] = "", round[24];
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			double p = sqlite3_column_double(st, 7);
			snprintf(price, sizeof(price), p == (double)(long long)p ? "%.0f" : "%.2f", p);
		}
		snprintf(round, sizeof(round), "%lld", (long long)sqlite3_column_int64(st, 8));
		const char *cells[12] = { col_text(st, 1),  col_text(st, 4), col_text(st, 5),
					  col_text(st, 6),  price[0] ? price : NULL, round,
					  col_text(st, 9),  col_text(st, 10), apps ? "yes" : "no",
					  col_text(st, 12), col_text(st, 13), col_text(st, 14) };
		table_add(t, cells);
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(ctx->study, &err, "listing the listings");
	sqlite3_finalize(st);
	if (rc) {
		table_free(t);
		return cmd_error(ctx, &err);
	}
	if (ctx->json) {
		json_arr_end(&j);
		json_end(&j);
	} else if (n == 0) {
		printf("No listings yet: add them with 'corrtest listings import FILE.csv'.\n");
	} else {
		table_print(t, stdout);
	}
	table_free(t);
	return CT_OK;
}

/* ---- listings withdraw ---- */

static int listings_withdraw(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "note", required_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	const char *note = NULL, *why;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cmd_usage_error(ctx, "unknown option for 'listings withdraw'");
		note = optarg;
	}
	if (optind != argc - 1)
		return cmd_usage_error(ctx, "'listings withdraw' takes one listing ref");
	const char *ref = argv[optind];
	if (!listing_check_ref(ref, &why))
		return cmd_usage_error(ctx, "the ref %s", why);
	if (note && !listing_check_text(note, &why))
		return cmd_usage_error(ctx, "--note %s", why);
	if (note && strlen(note) > 1000)
		return cmd_usage_error(ctx, "--note is longer than 1000 bytes");
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	int64_t id = 0;
	char *stored = NULL;
	int rc = study_begin(s, &err);
	if (!rc)
		rc = listing_ref_find(s, ref, &id, &stored, &err);
	if (!rc && !id)
		rc = ct_fail(&err, CT_EINPUT, "no listing '%s' in the study", ref);
	if (stored)
		ref = stored; /* as the study writes it */
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = study_prepare(s,
				   "UPDATE listing SET status = 'withdrawn' WHERE id = ?"
				   " AND status <> 'withdrawn'",
				   &st, &err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, id);
		rc = study_step_done(s, st, &err, "withdrawing a listing");
		if (!rc && sqlite3_changes(s->db) == 0)
			rc = ct_fail(&err, CT_EINPUT, "listing '%s' is already withdrawn", ref);
	}
	sqlite3_finalize(st);
	if (!rc)
		rc = study_event(s, "listings.withdraw", ref, note, &err);
	if (!rc)
		rc = study_commit(s, &err);
	if (rc) {
		study_rollback(s);
		free(stored);
		return cmd_error(ctx, &err);
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "ref");
		json_str(&j, ref);
		json_key(&j, "status");
		json_str(&j, "withdrawn");
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Withdrew listing %s: it stays in the study, and stats leaves its pair out.\n",
		       ref);
	}
	free(stored);
	return CT_OK;
}

int cmd_listings(int argc, char **argv, struct cmd_ctx *ctx)
{
	if (argc < 2)
		return cmd_usage_error(ctx, "name an action: add, import, list or withdraw");
	const char *action = argv[1];
	argv[1] = argv[0]; /* the action's parser reports as "corrtest listings" */
	if (!strcmp(action, "add"))
		return listings_add(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "import"))
		return listings_import(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "list"))
		return listings_list(argc - 1, argv + 1, ctx);
	if (!strcmp(action, "withdraw"))
		return listings_withdraw(argc - 1, argv + 1, ctx);
	return cmd_usage_error(ctx, "unknown action '%s' (add, import, list or withdraw)", action);
}
