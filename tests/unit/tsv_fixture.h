/* tsv_fixture.h: reads the tab-separated fixtures that the R scripts in
 * tests/r/ write (a header line, then one case per line, "NA" for a value
 * R leaves undefined), and compares numbers to 6 significant digits.
 * Header-only, for the unit tests of stats/unpaired, multi, strata,
 * agent, signrank and cluster. Tests run from the repository root, so
 * paths are relative to it. */
#ifndef CT_TSV_FIXTURE_H
#define CT_TSV_FIXTURE_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TSV_MAX_FIELDS 32
#define TSV_MAX_LINE 8192

struct tsv_row {
	int nf;
	char *f[TSV_MAX_FIELDS];	/* point into line */
	char line[TSV_MAX_LINE];
};

/* Reads the next data line of fp into *r (the header is skipped by the
 * caller with one call whose result it ignores). Returns 1, or 0 at end. */
static int tsv_next(FILE *fp, struct tsv_row *r)
{
	if (!fgets(r->line, sizeof r->line, fp))
		return 0;
	r->line[strcspn(r->line, "\r\n")] = '\0';
	r->nf = 0;
	char *s = r->line;
	for (;;) {
		ck_assert_int_lt(r->nf, TSV_MAX_FIELDS);
		r->f[r->nf++] = s;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = '\0';
		s = t + 1;
	}
	return 1;
}

static FILE *tsv_open(const char *path, struct tsv_row *r)
{
	FILE *fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s (run the tests from the repository root)", path);
	ck_assert_msg(tsv_next(fp, r), "%s is empty", path);
	return fp;
}

static int tsv_is_na(const struct tsv_row *r, int i)
{
	ck_assert_int_lt(i, r->nf);
	return strcmp(r->f[i], "NA") == 0;
}

static double tsv_num(const struct tsv_row *r, int i)
{
	ck_assert_int_lt(i, r->nf);
	char *end;
	double v = strtod(r->f[i], &end);
	ck_assert_msg(*r->f[i] && !*end, "field %d is not a number: '%s'", i, r->f[i]);
	return v;
}

/* Agreement to 6 significant digits: relative 1e-6, or absolute 1e-9 near
 * zero (p-values of 1e-12 need not agree in their relative digits). */
static int tsv_close(double got, double want)
{
	if (!isfinite(got))
		return 0;
	double d = fabs(got - want);
	return d <= 1e-9 || d <= 1e-6 * fabs(want);
}

/* Checks one measure against field i: NA wants defined == 0 and a value
 * that is not NaN; a number wants defined == 1 and agreement. what names
 * the case in a failure. */
static void tsv_expect(const struct tsv_row *r, int i, int defined, double got, const char *what)
{
	ck_assert_msg(!isnan(got), "%s: NaN returned", what);
	if (tsv_is_na(r, i)) {
		ck_assert_msg(!defined, "%s: R says undefined, got %.15g", what, got);
		return;
	}
	double want = tsv_num(r, i);
	ck_assert_msg(defined, "%s: undefined, R says %.15g", what, want);
	ck_assert_msg(tsv_close(got, want), "%s: got %.15g, R says %.15g", what, got, want);
}

#endif
