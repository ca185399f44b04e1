/* eval.h: the rules held to hand-labelled replies (code --eval): how many
 * they code, how many of those right, and what they code each labelled
 * outcome as, by language.
 *
 * The labels file is CSV with the columns file (a message file, relative
 * to the labels file's folder), outcome (the hand code: invitation, info,
 * refusal, other, no_reply), and optionally lang (nl, fr, en: only that
 * language's rules are tried) and market (housing, job). */
#ifndef CT_CODING_EVAL_H
#define CT_CODING_EVAL_H

#include "coding/codebook.h"
#include "coding/rules.h"
#include "base/util.h"

/* Rows of the tallies: nl, fr, en, rows with no language, then all. */
#define CODING_EVAL_ANY CODING_NLANG
#define CODING_EVAL_ALL (CODING_NLANG + 1)
/* The column of the confusion table for replies sent to review. */
#define CODING_EVAL_REVIEW CODING_NOUTCOMES

struct coding_eval_tally {
	long n, coded, correct;
	long conf[CODING_NOUTCOMES][CODING_NOUTCOMES + 1]; /* labelled by coded */
};

/* A reply the rules coded, and coded wrong. */
struct coding_eval_wrong {
	char *file, *lang, *labelled, *outcome, *code, *rule;
};

struct coding_eval {
	struct coding_eval_tally t[CODING_EVAL_ALL + 1];
	struct coding_eval_wrong *wrong;
	int nwrong;
};

/* Codes every reply of labels_csv with rs (market and lang: defaults for
 * rows without their own) into a new *out. CT_EINPUT naming FILE:LINE for
 * a bad row, the message file for one that cannot be read or coded. */
int coding_eval_run(const struct coding_rules *rs, const char *labels_csv, unsigned market,
		    int lang, struct coding_eval **out, struct ct_err *err);
void coding_eval_free(struct coding_eval *e);
/* "nl", "fr", "en", "any" (CODING_EVAL_ANY) or "all" (CODING_EVAL_ALL). */
const char *coding_eval_row_name(int row);

#endif
