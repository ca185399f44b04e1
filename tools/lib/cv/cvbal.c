/* cvbal.c: the balance of the recorded CVs over the groups, and the CV
 * codebook export (cvtpl.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv/cvtpl.h"
#include "io/csv.h"
#include "messages/template.h"
#include "rmath.h"
#include "base/banned.h"

void cv_balance_free(struct cv_balance *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->ngroups; i++)
		free(b->group[i]);
	free(b->group);
	free(b->ncv);
	for (int r = 0; r < b->nrow; r++) {
		free(b->row[r].attr);
		for (int v = 0; v < b->row[r].nvalues; v++)
			free(b->row[r].value[v]);
		free(b->row[r].value);
		free(b->row[r].count);
	}
	free(b->row);
	free(b);
}

static int group_index(struct cv_balance *b, const char *g)
{
	for (int i = 0; i < b->ngroups; i++)
		if (!strcmp(b->group[i], g))
			return i;
	return -1;
}

static struct cv_balance_row *row_get(struct cv_balance *b, const char *attr)
{
	for (int r = 0; r < b->nrow; r++)
		if (!strcmp(b->row[r].attr, attr))
			return &b->row[r];
	b->row = xrealloc(b->row, (size_t)(b->nrow + 1) * sizeof(*b->row));
	struct cv_balance_row *x = &b->row[b->nrow++];
	memset(x, 0, sizeof(*x));
	x->attr = xstrdup(attr);
	return x;
}

static void row_count(struct cv_balance *b, struct cv_balance_row *x, int g, const char *value)
{
	int v = 0;
	while (v < x->nvalues && strcmp(x->value[v], value))
		v++;
	if (v == x->nvalues) {
		x->value = xrealloc(x->value, (size_t)(v + 1) * sizeof(char *));
		x->value[v] = xstrdup(value);
		long *c = xcalloc((size_t)b->ngroups * (size_t)(v + 1), sizeof(long));
		for (int gi = 0; gi < b->ngroups; gi++)
			for (int k = 0; k < v; k++)
				c[gi * (v + 1) + k] = x->count[gi * v + k];
		free(x->count);
		x->count = c;
		x->nvalues++;
	}
	x->count[g * x->nvalues + v]++;
}

/* Pearson's chi-square of the group x value table (groups and values that
 * hold nothing left out), as R's chisq.test(correct = FALSE). */
static void chi_square(const struct cv_balance *b, struct cv_balance_row *x)
{
	int G = b->ngroups, V = x->nvalues, rows = 0, cols = 0;
	double *rs = xcalloc((size_t)G, sizeof(double)), *cs = xcalloc((size_t)V + 1, sizeof(double));
	double n = 0;
	for (int g = 0; g < G; g++)
		for (int v = 0; v < V; v++) {
			double c = (double)x->count[g * V + v];
			rs[g] += c;
			cs[v] += c;
			n += c;
		}
	for (int g = 0; g < G; g++)
		rows += rs[g] > 0;
	for (int v = 0; v < V; v++)
		cols += cs[v] > 0;
	x->chi2 = 0;
	x->df = (rows - 1) * (cols - 1);
	if (rows < 2 || cols < 2) {
		x->p = NAN;
		x->df = 0;
	} else {
		for (int g = 0; g < G; g++)
			for (int v = 0; v < V; v++) {
				if (rs[g] <= 0 || cs[v] <= 0)
					continue;
				double e = rs[g] * cs[v] / n, d = (double)x->count[g * V + v] - e;
				x->chi2 += d * d / e;
			}
		x->p = pchisq(x->chi2, (double)x->df, 0, 0);
	}
	free(rs);
	free(cs);
}

/* Holm's step-down adjustment of the rows' p-values (one test per
 * attribute, a score of them): with p < 0.01 taken raw, a well randomised
 * study would be called unbalanced somewhere one time in eight. The i-th
 * smallest of m p-values becomes max over j <= i of min(1, (m - j + 1) p_j). */
static int cmp_p(const void *a, const void *b)
{
	double x = (*(struct cv_balance_row *const *)a)->p, y = (*(struct cv_balance_row *const *)b)->p;
	return x < y ? -1 : x > y;
}

static void holm(struct cv_balance *b)
{
	struct cv_balance_row **v = xcalloc((size_t)b->nrow + 1, sizeof(*v));
	int m = 0;
	for (int i = 0; i < b->nrow; i++) {
		b->row[i].p_holm = b->row[i].p;
		if (!isnan(b->row[i].p))
			v[m++] = &b->row[i];
	}
	qsort(v, (size_t)m, sizeof(*v), cmp_p);
	double run = 0;
	for (int j = 0; j < m; j++) {
		double adj = (double)(m - j) * v[j]->p;
		adj = adj > 1 ? 1 : adj;
		run = adj > run ? adj : run;
		v[j]->p_holm = run;
	}
	free(v);
}

/* Whether an attrs key is a draw worth balancing: a drawn or worded node
 * (or one of its jobs), the number of jobs, the family. */
static int balanced_key(const struct cv_template *t, const char *key)
{
	if (!strcmp(key, "cv.jobs") || !strcmp(key, "cv.family"))
		return 1;
	char *k = xstrdup(key);
	const struct cvt_node *n = cvt_node_find(t, k);
	if (!n) {
		char *dot = strrchr(k, '.');
		if (dot) {
			*dot = '\0';
			n = cvt_node_find(t, k);
		}
	}
	free(k);
	return n && (n->drawn || n->worded);
}

int cv_balance(struct study *s, struct cv_balance **out, struct ct_err *err)
{
	*out = NULL;
	struct cv_template *t = NULL;
	int rc = cv_template_load(s, &t, err);
	if (rc)
		return rc;
	struct cv_balance *b = xcalloc(1, sizeof(*b));
	sqlite3_stmt *st;
	if ((rc = study_prepare(s,
				"SELECT name FROM grp ORDER BY role <> 'control', role = 'placebo', id",
				&st, err)))
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		b->group = xrealloc(b->group, (size_t)(b->ngroups + 1) * sizeof(char *));
		b->group[b->ngroups++] = study_column_dup(st, 0, "");
	}
	sqlite3_finalize(st);
	b->ncv = xcalloc((size_t)b->ngroups + 1, sizeof(long));
	struct cv_balance_row *lay = row_get(b, "layout"), *phr = NULL;
	(void)lay;
	row_get(b, "phrasing");
	if ((rc = study_prepare(s,
				"SELECT g.name, c.layout, c.phrasing, c.attrs FROM cv c JOIN application a "
				"ON a.id = c.application JOIN persona p ON p.id = a.persona JOIN grp g ON "
				"g.id = p.grp WHERE a.kind = 'main' ORDER BY a.listing, a.position",
				&st, err)))
		goto out;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int g = group_index(b, (const char *)sqlite3_column_text(st, 0));
		if (g < 0)
			continue;
		b->ncv[g]++;
		char num[4];
		snprintf(num, sizeof(num), "%d", sqlite3_column_int(st, 1));
		row_count(b, &b->row[0], g, num);
		snprintf(num, sizeof(num), "%d", sqlite3_column_int(st, 2));
		row_count(b, &b->row[1], g, num);
		struct tpl_vars v = { 0 };
		if ((rc = json_read_flat((const char *)sqlite3_column_text(st, 3), "", &v, err))) {
			tpl_vars_free(&v);
			break;
		}
		for (int i = 0; i < v.n; i++)
			if (balanced_key(t, v.v[i].name)) {
				phr = row_get(b, v.v[i].name);
				row_count(b, phr, g, v.v[i].value ? v.v[i].value : "");
			}
		tpl_vars_free(&v);
	}
	sqlite3_finalize(st);
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the CVs");
	for (int i = 0; i < b->nrow; i++)
		chi_square(b, &b->row[i]);
	holm(b);
out:
	cvt_free(t);
	if (rc)
		cv_balance_free(b);
	else
		*out = b;
	return rc;
}

int cv_export_csv(struct study *s, FILE *out, struct ct_err *err)
{
	static const char *const fixed[] = { "listing_ref", "application_id", "group", "gender",
					     "position", "layout", "phrasing", "family", "isco",
					     "level", "kind" };
	sqlite3_stmt *st;
	const char *sql = "SELECT l.ref, a.id, g.name, p.gender, a.position, c.layout, c.phrasing, "
			  "c.family, l.isco, l.level, a.kind, c.attrs FROM cv c JOIN application a ON a.id = "
			  "c.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = "
			  "a.persona JOIN grp g ON g.id = p.grp ORDER BY l.id, a.kind, a.position, a.id";
	/* First pass: the union of the attributes, in the order first seen
	 * (the template's). */
	struct tpl_vars cols = { 0 };
	int rc = study_prepare(s, sql, &st, err), r;
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct tpl_vars v = { 0 };
		rc = json_read_flat((const char *)sqlite3_column_text(st, 11), "", &v, err);
		for (int i = 0; !rc && i < v.n; i++)
			if (!tpl_vars_has(&cols, v.v[i].name))
				tpl_vars_set(&cols, v.v[i].name, NULL);
		tpl_vars_free(&v);
		if (rc)
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the CVs");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		sb_adds(&sb, fixed[i]);
		sb_addc(&sb, ',');
	}
	for (int i = 0; i < cols.n; i++) {
		csv_quote(&sb, cols.v[i].name);
		sb_addc(&sb, i == cols.n - 1 ? '\n' : ',');
	}
	if (!cols.n)
		sb.len--, sb_addc(&sb, '\n');
	if (!rc)
		fwrite(sb_str(&sb), 1, sb.len, out);
	sqlite3_reset(st);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		sb_reset(&sb);
		for (int i = 0; i < (int)ARRAY_SIZE(fixed); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			if (i == 1 || i == 4 || i == 5 || i == 6)
				csv_quote_number(&sb, v);
			else
				csv_quote(&sb, v);
			sb_addc(&sb, ',');
		}
		struct tpl_vars v = { 0 };
		rc = json_read_flat((const char *)sqlite3_column_text(st, 11), "", &v, err);
		for (int i = 0; !rc && i < cols.n; i++) {
			csv_quote(&sb, tpl_vars_get(&v, cols.v[i].name));
			sb_addc(&sb, i == cols.n - 1 ? '\n' : ',');
		}
		if (!cols.n)
			sb.len--, sb_addc(&sb, '\n');
		tpl_vars_free(&v);
		if (!rc)
			fwrite(sb_str(&sb), 1, sb.len, out);
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the CVs");
	sb_free(&sb);
	tpl_vars_free(&cols);
	sqlite3_finalize(st);
	if (!rc && ferror(out))
		rc = ct_fail(err, CT_EENV, "cannot write the export");
	return rc;
}
