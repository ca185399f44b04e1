/* listing_import.c: the listings import engine (see listing_import.h). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listings/listing.h"
#include "listings/listing_import.h"
#include "base/banned.h"

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

int listings_import_file(struct study *s, const char *path, struct listings_import_summary *sum,
			 struct csv_errs *errs, struct ct_err *err)
{
	char *buf = NULL;
	size_t len;
	struct csv *c = NULL;
	struct listing *ls = NULL;
	struct seen_set refs = { 0 }, urls = { 0 }, study_refs = { 0 };
	static const char *const required[] = { "ref", "agent_type", NULL };
	int rc, in_tx = 0;
	memset(sum, 0, sizeof(*sum));
	if ((rc = csv_read_file(path, &buf, &len, err)) ||
	    (rc = csv_parse(path, buf, len, &c, NULL, err)) ||
	    (rc = csv_check_columns(c, listing_columns, required, 0, err)))
		goto out;
	if (c->nrec == 0) {
		rc = ct_fail(err, CT_EINPUT, "%s: the file has a header but no listings", path);
		goto out;
	}
	if ((rc = study_begin(s, err)))
		goto out;
	in_tx = 1;
	int col[LF_COUNT];
	for (int i = 0; i < LF_COUNT; i++)
		col[i] = csv_col(c, listing_columns[i]);
	ls = xcalloc((size_t)c->nrec, sizeof(*ls));
	rc = listing_refs_load(s, &study_refs, err);
	for (int k = 0; k < c->nrec && !rc; k++) {
		const struct csv_record *rec = &c->rec[k];
		const char *in[LF_COUNT];
		for (int i = 0; i < LF_COUNT; i++)
			in[i] = col[i] >= 0 ? rec->field[col[i]] : NULL;
		struct import_report rep = { errs, c, rec };
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
					csv_errs_add(errs, path, line, "ref",
						     "'%s' appears twice in the file (lines %d and %d)",
						     csv_short(ref, shown, sizeof(shown)), pline, line);
				else
					csv_errs_add(errs, path, line, "ref",
						     "'%s' and '%s' (line %d) differ only in case: "
						     "they are one listing, given twice",
						     csv_short(ref, shown, sizeof(shown)),
						     csv_short(first, shown2, sizeof(shown2)), pline);
			} else if (seen_get(&study_refs, fold)) {
				char *stored = NULL;
				if (!(rc = listing_ref_find(s, ref, &id, &stored, err)))
					csv_errs_add(errs, path, line, "ref",
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
				csv_errs_add(errs, path, line, "url",
					     "'%s' appears twice in the file (lines %d and %d)",
					     csv_short(url, shown, sizeof(shown)), prev, line);
			else if (!(rc = listing_url_taken(s, url, &taken, err)) && taken)
				csv_errs_add(errs, path, line, "url",
					     "'%s' is already in the study (listing %s)",
					     csv_short(url, shown, sizeof(shown)), taken);
			free(taken);
		}
	}
	if (!rc && errs->n) {
		rc = ct_fail(err, CT_EINPUT, "%d error%s in %s; nothing was imported", errs->n,
			     errs->n == 1 ? "" : "s", path);
		goto out;
	}
	for (int k = 0; k < c->nrec && !rc; k++) {
		int64_t id;
		rc = listing_insert(s, &ls[k], &id, err);
	}
	if (!rc) {
		char *pathc = xstrdup(path);
		char *detail = xasprintf("count=%d file=%s", c->nrec, basename(pathc));
		rc = study_event(s, "listings.import", basename(pathc), detail, err);
		free(detail);
		free(pathc);
	}
	if (!rc && !(rc = study_commit(s, err))) {
		in_tx = 0;
		sum->imported = c->nrec;
	}
out:
	if (in_tx)
		study_rollback(s);
	if (ls)
		for (int k = 0; k < c->nrec; k++)
			listing_free(&ls[k]);
	free(ls);
	seen_free(&refs);
	seen_free(&urls);
	seen_free(&study_refs);
	csv_free(c);
	free(buf);
	return rc;
}
