/* eval.c: the rules held to hand-labelled replies (see eval.h). */
#include <stdlib.h>
#include <string.h>

#include "coding/eval.h"
#include "coding/extract.h"
#include "io/csv.h"
#include "base/banned.h"

static void tally_add(struct coding_eval_tally *t, int truth, int got)
{
	t->n++;
	t->conf[truth][got < 0 ? CODING_EVAL_REVIEW : got]++;
	if (got >= 0) {
		t->coded++;
		t->correct += got == truth;
	}
}

const char *coding_eval_row_name(int row)
{
	return row < CODING_NLANG ? coding_lang_names[row] : row == CODING_EVAL_ANY ? "any" : "all";
}

/* The code of the message file at path. */
static int code_file(const struct coding_rules *rs, const char *path, unsigned market, int lang,
		     struct coding_result *res, struct ct_err *err)
{
	char *raw = NULL;
	size_t len = 0;
	int rc = coding_read_message(path, &raw, &len, err);
	if (rc == CT_OK && (rc = coding_classify_raw(rs, raw, len, market, lang, res, NULL, err))) {
		char *m = xstrdup(err->msg);
		ct_fail(err, rc, "%s: %s", path, m);
		free(m);
	}
	free(raw);
	return rc;
}

/* One row: its hand code, language and market checked, its reply coded
 * and counted. */
static int eval_row(const struct coding_rules *rs, const struct csv *csv, int i, const char *dir,
		    unsigned market, int lang, struct coding_eval *e, struct ct_err *err)
{
	const char *labels = csv->path;
	const struct csv_record *r = &csv->rec[i];
	int cf = csv_col(csv, "file"), co = csv_col(csv, "outcome"), cl = csv_col(csv, "lang"),
	    cm = csv_col(csv, "market");
	const char *file = str_trim(r->field[cf]), *lab = str_trim(r->field[co]);
	int truth = coding_outcome_index(lab);
	if (truth < 0)
		return ct_fail(err, CT_EINPUT,
			       "%s:%d: outcome '%s' is not invitation, info, refusal, other or no_reply",
			       labels, r->start_line, lab);
	if (cl >= 0 && *str_trim(r->field[cl])) {
		lang = coding_lang_parse(r->field[cl]);
		if (lang < 0)
			return ct_fail(err, CT_EINPUT, "%s:%d: lang '%s' is not nl, fr or en", labels,
				       r->start_line, r->field[cl]);
	}
	if (cm >= 0 && *str_trim(r->field[cm])) {
		market = coding_market_parse(r->field[cm]);
		if (!market)
			return ct_fail(err, CT_EINPUT, "%s:%d: market '%s' is not housing or job",
				       labels, r->start_line, r->field[cm]);
	}
	if (!*file)
		return ct_fail(err, CT_EINPUT, "%s:%d: the file is empty", labels, r->start_line);
	char *path = file[0] == '/' ? xstrdup(file) : xasprintf("%s%s", dir, file);
	struct coding_result res = { 0 };
	int rc = code_file(rs, path, market, lang, &res, err);
	free(path);
	if (rc == CT_OK) {
		int row = lang < 0 ? CODING_EVAL_ANY : lang;
		int got = res.outcome ? coding_outcome_index(res.outcome) : -1;
		tally_add(&e->t[row], truth, got);
		tally_add(&e->t[CODING_EVAL_ALL], truth, got);
		if (got >= 0 && got != truth) {
			e->wrong = xrealloc(e->wrong, (size_t)(e->nwrong + 1) * sizeof(*e->wrong));
			e->wrong[e->nwrong++] = (struct coding_eval_wrong){
				xstrdup(file),	     xstrdup(coding_eval_row_name(row)),
				xstrdup(coding_outcomes[truth]), xstrdup(res.outcome),
				xstrdup(res.code),   xstrdup(res.rule)
			};
		}
	}
	coding_result_clear(&res);
	return rc;
}

int coding_eval_run(const struct coding_rules *rs, const char *labels_csv, unsigned market,
		    int lang, struct coding_eval **out, struct ct_err *err)
{
	*out = NULL;
	struct csv *csv = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = file_read(labels_csv, &text, &len, err);
	if (rc == CT_OK)
		rc = csv_parse(labels_csv, text, len, &csv, NULL, err);
	static const char *const known[] = { "file", "outcome", "lang", "market", NULL };
	static const char *const required[] = { "file", "outcome", NULL };
	if (rc == CT_OK)
		rc = csv_check_columns(csv, known, required, 1, err);
	struct coding_eval *e = xcalloc(1, sizeof(*e));
	const char *slash = strrchr(labels_csv, '/');
	char *dir = slash ? xstrndup(labels_csv, (size_t)(slash - labels_csv + 1)) : xstrdup("");
	for (int i = 0; rc == CT_OK && i < csv->nrec; i++)
		rc = eval_row(rs, csv, i, dir, market, lang, e, err);
	free(dir);
	free(text);
	csv_free(csv);
	if (rc != CT_OK) {
		coding_eval_free(e);
		return rc;
	}
	*out = e;
	return CT_OK;
}

void coding_eval_free(struct coding_eval *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nwrong; i++) {
		struct coding_eval_wrong *w = &e->wrong[i];
		free(w->file), free(w->lang), free(w->labelled);
		free(w->outcome), free(w->code), free(w->rule);
	}
	free(e->wrong);
	free(e);
}
