/* agreement.c (coding): the double coding's tables and measures, the list
 * of disagreements and their adjudication. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coding/agreement.h"
#include "base/banned.h"

#define K CODING_NOUTCOMES

static struct coding_agreement_group *group_get(struct coding_agreement *a, const char *name)
{
	for (int i = 0; i < a->ngroups; i++)
		if (!strcmp(a->groups[i].grp, name))
			return &a->groups[i];
	a->groups = xrealloc(a->groups, (size_t)(a->ngroups + 1) * sizeof(*a->groups));
	struct coding_agreement_group *g = &a->groups[a->ngroups++];
	memset(g, 0, sizeof(*g));
	g->grp = xstrdup(name);
	return g;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct coding_agreement_group *)x)->grp,
		      ((const struct coding_agreement_group *)y)->grp);
}

int coding_agreement_run(struct study *s, struct coding_agreement **out, struct ct_err *err)
{
	*out = NULL;
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		/* The agreement the report gives is over the pairs' replies (the main
		 * kind), as the second coder's sample is drawn from them. */
		"SELECT f.outcome, c2.outcome, g.name, EXISTS (SELECT 1 FROM coding a WHERE "
		"a.message = f.message AND a.pass = 'adjudicated') FROM coding f "
		"JOIN coding c2 ON c2.message = f.message AND c2.pass = 'second' "
		"JOIN application ap ON ap.id = f.application JOIN persona p ON p.id = ap.persona "
		"JOIN grp g ON g.id = p.grp WHERE f.pass = 'first' AND ap.kind = 'main' "
		"ORDER BY f.message",
		&st, err);
	if (rc)
		return rc;
	struct coding_agreement *a = xcalloc(1, sizeof(*a));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int i = coding_outcome_index((const char *)sqlite3_column_text(st, 0));
		int j = coding_outcome_index((const char *)sqlite3_column_text(st, 1));
		if (i < 0 || j < 0)
			continue;
		a->table[i * K + j]++;
		group_get(a, (const char *)sqlite3_column_text(st, 2))->table[i * K + j]++;
		if (i != j) {
			a->disagreeing++;
			a->adjudicated += sqlite3_column_int(st, 3);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		coding_agreement_free(a);
		return study_db_error(s, err, "reading the codes");
	}
	agreement_compute(a->table, K, 0.05, &a->all);
	for (int c = 0; c < K; c++) {
		long t2[4];
		agreement_collapse(a->table, K, c, t2);
		agreement_compute(t2, 2, 0.05, &a->outcome[c]);
	}
	/* No group yet (nothing double-coded): groups is NULL, which qsort
	 * may not be given. */
	if (a->ngroups)
		qsort(a->groups, (size_t)a->ngroups, sizeof(*a->groups), by_name);
	for (int g = 0; g < a->ngroups; g++)
		agreement_compute(a->groups[g].table, K, 0.05, &a->groups[g].a);
	if ((rc = study_prepare(s, "SELECT count(*) FROM coding_sample", &st, err))) {
		coding_agreement_free(a);
		return rc;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		a->sample = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	*out = a;
	return CT_OK;
}

void coding_agreement_free(struct coding_agreement *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->ngroups; i++)
		free(a->groups[i].grp);
	free(a->groups);
	free(a);
}

int coding_disagreements(struct study *s, struct coding_disagreement **out, int *n,
			 struct ct_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT f.message, f.outcome || coalesce('.' || f.sub_code, ''), "
		"c2.outcome || coalesce('.' || c2.sub_code, ''), "
		"(SELECT a.outcome || coalesce('.' || a.sub_code, '') FROM coding a WHERE "
		"a.message = f.message AND a.pass = 'adjudicated') FROM coding f "
		"JOIN coding c2 ON c2.message = f.message AND c2.pass = 'second' "
		"WHERE f.pass = 'first' AND (f.outcome <> c2.outcome OR "
		"coalesce(f.sub_code, '') <> coalesce(c2.sub_code, '')) ORDER BY f.message",
		&st, err);
	if (rc)
		return rc;
	int cap = 0;
	struct coding_disagreement *d = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			d = xrealloc(d, (size_t)cap * sizeof(*d));
		}
		d[*n] = (struct coding_disagreement){ .message = sqlite3_column_int64(st, 0),
						      .first = study_column_dup(st, 1, NULL),
						      .second = study_column_dup(st, 2, NULL),
						      .adjudicated = study_column_dup(st, 3, NULL) };
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		coding_disagreements_free(d, *n);
		*n = 0;
		return study_db_error(s, err, "reading the codes");
	}
	rc = CT_OK;
	for (int i = 0; i < *n && !rc; i++)
		rc = coding_blind_text(s, d[i].message, &d[i].text, err);
	if (rc) {
		coding_disagreements_free(d, *n);
		*n = 0;
		return rc;
	}
	*out = d;
	return CT_OK;
}

void coding_disagreements_free(struct coding_disagreement *d, int n)
{
	for (int i = 0; i < n; i++) {
		free(d[i].first);
		free(d[i].second);
		free(d[i].adjudicated);
		free(d[i].text);
	}
	free(d);
}

/* One ruling, inside the caller's transaction. */
static int adjudicate_one(struct study *s, int64_t message, const char *outcome,
			  const char *sub_code, const char *coder, const char *note,
			  struct ct_err *err)
{
	int rc;
	sqlite3_stmt *st;
	if ((rc = study_prepare(s,
				"SELECT count(*) FROM coding WHERE message = ? AND "
				"(pass = 'first' OR pass = 'second')",
				&st, err)))
		goto fail;
	sqlite3_bind_int64(st, 1, message);
	int both = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2;
	sqlite3_finalize(st);
	if (!both) {
		rc = ct_fail(err, CT_EINPUT,
			     "reply %lld has not been coded twice: only a double-coded reply is "
			     "adjudicated",
			     (long long)message);
		goto fail;
	}
	/* A new ruling replaces the old one and the response row it made. */
	const char *del[] = { "DELETE FROM response WHERE coding IN (SELECT id FROM coding WHERE "
			      "message = ?1 AND pass = 'adjudicated')",
			      "DELETE FROM coding WHERE message = ?1 AND pass = 'adjudicated'" };
	for (int i = 0; i < 2; i++) {
		if ((rc = study_prepare(s, del[i], &st, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, message);
		rc = study_step_done(s, st, err, "replacing the adjudicated code");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
	}
	char subject[48];
	snprintf(subject, sizeof(subject), "message %lld", (long long)message);
	char *detail = xasprintf("coder=%s outcome=%s%s%s", coder ? coder : "", outcome ? outcome : "",
				 sub_code && *sub_code ? "." : "", sub_code && *sub_code ? sub_code : "");
	rc = coding_insert(s, message, "adjudicated", coder, outcome, sub_code, note, NULL, err);
	if (!rc)
		rc = study_event(s, "code-adjudicate", subject, detail, err);
	free(detail);
fail:
	return rc;
}

int coding_adjudicate(struct study *s, const struct coding_ruling *rulings, int n,
		      const char *coder, const char *note, struct ct_err *err)
{
	int rc = study_begin(s, err);
	for (int i = 0; !rc && i < n; i++)
		rc = adjudicate_one(s, rulings[i].message, rulings[i].outcome, rulings[i].sub_code,
				    coder, note, err);
	if (!rc)
		rc = study_commit(s, err);
	if (rc)
		study_rollback(s);
	return rc;
}
