/* listing_import.c: the listings import engine (see listing_import.h).
 *
 * One pass over the file, streamed through the CSV reader, inside one
 * transaction: each row is validated and, as long as no row so far had an
 * error, inserted; at the end the transaction commits only if the whole
 * file was clean, so that a bad file changes nothing. Memory holds the
 * current record, the file's refs and URLs (for duplicates) and the
 * study's refs as hashes; every statement is prepared once. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listings/listing.h"
#include "listings/listing_import.h"
#include "base/banned.h"

struct importer {
	const char *path;
	struct study *s;
	struct csv_errs *errs;
	struct csv_reader r;
	struct csv_record rec;
	int col[LF_COUNT];
	struct listing_stmts q;
	struct listing_ref_index study_refs;
	struct seen_set refs; /* folded ref -> line of its field, with the ref as written */
	struct seen_set urls; /* url_key -> line of its field, with the url as written */
	/* Portal numbers: with the host of the row's address ("host number"),
	 * without an address ("number"), and every number with the first
	 * line that gave it. */
	struct seen_set portal_host, portal_bare, portal_any;
};

/* The line of field c in the current record (a quoted field may start on a
 * later line than its record). */
static int field_line(const struct importer *im, int c)
{
	int i = im->col[c];
	return i >= 0 ? im->rec.line[i] : im->rec.start_line;
}

static void report(void *ud, const char *column, long off, const char *msg)
{
	struct importer *im = ud;
	int c = 0;
	while (c < LF_COUNT && strcmp(listing_columns[c], column))
		c++;
	int line = c < LF_COUNT ? field_line(im, c) : im->rec.start_line;
	/* A character at fault is named by its line and column in the file. */
	if (off >= 0 && c < LF_COUNT && im->col[c] >= 0)
		csv_errs_add_at(im->errs, im->path, line,
				csv_field_col(&im->rec, im->col[c], (size_t)off), column, "%s", msg);
	else
		csv_errs_add(im->errs, im->path, line, column, "%s", msg);
}

/* The checks that need more than the row: refs, addresses and portal
 * numbers new to the file and to the study. */
static int check_unique(struct importer *im, const struct listing *l, struct ct_err *err)
{
	const char *ref = l->f[LF_REF], *url = l->f[LF_URL];
	char shown[CSV_SHORT], shown2[CSV_SHORT];
	int rc = CT_OK, prev, line;
	if (ref) {
		/* Refs that differ only in case name one listing: a sheet with
		 * GENT-001 and gent-001 would test it twice. */
		char *fold = listing_ref_fold(ref);
		line = field_line(im, LF_REF);
		const char *first = seen_val(&im->refs, fold);
		if ((prev = seen_add_val(&im->refs, fold, line, ref))) {
			if (!strcmp(first, ref))
				csv_errs_add(im->errs, im->path, line, "ref",
					     "'%s' appears twice in the file (lines %d and %d)",
					     csv_short(ref, shown, sizeof(shown)), prev, line);
			else
				csv_errs_add(im->errs, im->path, line, "ref",
					     "'%s' and '%s' (line %d) differ only in case: "
					     "they are one listing, given twice",
					     csv_short(ref, shown, sizeof(shown)),
					     csv_short(first, shown2, sizeof(shown2)), prev);
		} else if (listing_ref_index_has(&im->study_refs, fold)) {
			int64_t id;
			char *stored = NULL;
			rc = listing_stmts_ref_find(&im->q, ref, &id, &stored, err);
			if (!rc && id)
				csv_errs_add(im->errs, im->path, line, "ref",
					     "'%s' is already in the study%s%s%s",
					     csv_short(ref, shown, sizeof(shown)),
					     strcmp(stored, ref) ? " (as '" : "",
					     strcmp(stored, ref) ? csv_short(stored, shown2, sizeof(shown2))
								 : "",
					     strcmp(stored, ref) ? "')" : "");
			free(stored);
		}
		free(fold);
	}
	/* Addresses that differ only in case, www., tracking parameters or a
	 * trailing slash are one listing. */
	int dup_url = 0, dup_portal = 0;
	if (!rc && url && l->url_key) {
		line = field_line(im, LF_URL);
		const char *first = seen_val(&im->urls, l->url_key);
		if ((prev = seen_add_val(&im->urls, l->url_key, line, url))) {
			dup_url = 1;
			if (!strcmp(first, url))
				csv_errs_add(im->errs, im->path, line, "url",
					     "'%s' appears twice in the file (lines %d and %d)",
					     csv_short(url, shown, sizeof(shown)), prev, line);
			else
				csv_errs_add(im->errs, im->path, line, "url",
					     "'%s' is the listing of line %d, '%s' (the same address "
					     "once case, www., tracking parameters and trailing "
					     "slashes are set aside)",
					     csv_short(url, shown, sizeof(shown)), prev,
					     csv_short(first, shown2, sizeof(shown2)));
		}
	}
	const char *pref = l->f[LF_PORTAL_REF];
	if (!rc && pref) {
		/* One portal's number 123 is not another's; a number without an
		 * address is compared with every row that has it. */
		line = field_line(im, LF_PORTAL_REF);
		size_t n = 0;
		const char *host = l->url_key ? listing_key_host(l->url_key, &n) : NULL;
		if (host) {
			char *hk = xasprintf("%.*s %s", (int)n, host, pref);
			prev = seen_get(&im->portal_host, hk);
			if (!prev)
				prev = seen_get(&im->portal_bare, pref);
			seen_add(&im->portal_host, hk, line);
			free(hk);
		} else {
			prev = seen_get(&im->portal_any, pref);
			seen_add(&im->portal_bare, pref, line);
		}
		seen_add(&im->portal_any, pref, line);
		if (prev) {
			dup_portal = 1;
			csv_errs_add(im->errs, im->path, line, "portal_ref",
				     "'%s' appears twice in the file for the same portal (lines %d "
				     "and %d)",
				     csv_short(pref, shown, sizeof(shown)), prev, line);
		}
	}
	if (!rc && ((l->url_key && !dup_url) || (pref && !dup_portal))) {
		/* The study's listings: what was not already found in the file. */
		struct listing t = *l; /* borrows l's values */
		if (dup_url)
			t.url_key = NULL;
		if (dup_portal)
			t.f[LF_PORTAL_REF] = NULL;
		int bad = 0;
		rc = listing_stmts_check_dups(&im->q, &t, 0, report, im, &bad, err);
	}
	return rc;
}

int listings_import_file(struct study *s, const char *path, char delim,
			 struct listings_import_summary *sum, struct csv_errs *errs,
			 struct ct_err *err)
{
	static const char *const required[] = { "ref", "agent_type", NULL };
	struct importer im = { .path = path, .s = s, .errs = errs, .q = { .s = s } };
	long rows = 0;
	int rc, in_tx = 0, got;
	memset(sum, 0, sizeof(*sum));
	if ((rc = csv_reader_open_file_as(&im.r, path, delim, err)) ||
	    (rc = csv_reader_check_columns(&im.r, listing_columns, required, 0, err)))
		goto out;
	for (int i = 0; i < LF_COUNT; i++)
		im.col[i] = csv_reader_col(&im.r, listing_columns[i]);
	if ((rc = study_begin(s, err)))
		goto out;
	in_tx = 1;
	/* Listings added before url_key existed are compared too. */
	if ((rc = listing_url_keys_fill(s, &sum->url_keys, err)) ||
	    (rc = listing_ref_index_load(s, &im.study_refs, err)))
		goto out;
	while (!(rc = csv_next(&im.r, &im.rec, &got, err)) && got) {
		const char *in[LF_COUNT];
		char price[64];
		for (int i = 0; i < LF_COUNT; i++)
			in[i] = im.col[i] >= 0 ? im.rec.field[im.col[i]] : NULL;
		/* A semicolon file from a Belgian Excel writes 1250,50. */
		in[LF_PRICE] = csv_number(&im.r, in[LF_PRICE], price, sizeof(price));
		struct listing l;
		listing_validate(in, &l, report, &im);
		listing_check_market(&l, s->design->market, report, &im);
		rc = check_unique(&im, &l, err);
		/* Once a row is bad nothing will be kept: validate the rest only. */
		if (!rc && !errs->n) {
			int64_t id;
			rc = listing_stmts_insert(&im.q, &l, &id, err);
		}
		listing_free(&l);
		rows++;
		if (rc)
			goto out;
	}
	if (rc) {
		rc = csv_errs_reading_stopped(errs, &im.r, path, rc, err);
		goto out;
	}
	if (rows == 0) {
		rc = ct_fail(err, CT_EINPUT, "%s: the file has a header but no listings", path);
		goto out;
	}
	if (errs->n) {
		rc = ct_fail(err, CT_EINPUT, "%d error%s in %s; nothing was imported", errs->n,
			     errs->n == 1 ? "" : "s", path);
		goto out;
	}
	char *pathc = xstrdup(path);
	char *detail = sum->url_keys
			       ? xasprintf("count=%ld file=%s url_keys_filled=%ld", rows,
					   basename(pathc), sum->url_keys)
			       : xasprintf("count=%ld file=%s", rows, basename(pathc));
	rc = study_event(s, "listings.import", basename(pathc), detail, err);
	free(detail);
	free(pathc);
	if (!rc && !(rc = study_commit(s, err))) {
		in_tx = 0;
		sum->imported = rows;
		sum->delim = im.r.delim;
		sum->delim_guessed = im.r.delim_guessed;
		sum->dialect = csv_dialect(&im.r);
	}
out:
	listing_stmts_close(&im.q);
	if (in_tx)
		study_rollback(s);
	listing_ref_index_free(&im.study_refs);
	seen_free(&im.refs);
	seen_free(&im.urls);
	seen_free(&im.portal_host);
	seen_free(&im.portal_bare);
	seen_free(&im.portal_any);
	csv_record_free(&im.rec);
	csv_reader_close(&im.r);
	return rc;
}
