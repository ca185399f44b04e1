/* codebook.h: the coding codebook (templates/coding/codebook.ini, and a
 * study's coding/codebook.ini on top of it): the five outcomes, their
 * sub-codes, and for each a definition, the markets it applies to and
 * examples in nl, fr and en. The rules (coding/rules.h) and the review
 * queue check every code against it. Pure: no database. */
#ifndef CT_CODING_CODEBOOK_H
#define CT_CODING_CODEBOOK_H

#include "base/util.h"

/* The outcomes are fixed: the analysis counts these five. */
#define CODING_NOUTCOMES 5
extern const char *const coding_outcomes[CODING_NOUTCOMES];

/* Market bits of a code. */
#define CODING_HOUSING 1u
#define CODING_JOB 2u

enum coding_lang { CODING_NL = 0, CODING_FR = 1, CODING_EN = 2, CODING_NLANG = 3 };
extern const char *const coding_lang_names[CODING_NLANG]; /* "nl", "fr", "en" */

/* One code: an outcome ("refusal", sub NULL) or a sub-code ("refusal.let").
 * Strings owned by the codebook. */
struct coding_code {
	char *code;       /* "refusal.let" or "refusal" */
	char *outcome;    /* "refusal" */
	char *sub;        /* "let", or NULL for the outcome itself */
	char *label;
	char *definition;
	unsigned markets; /* CODING_HOUSING | CODING_JOB; both for an outcome */
	char *example[CODING_NLANG];
	char *source;     /* the file that defined (or last reworded) it */
};

struct codebook {
	struct coding_code *code;
	int n;
};

/* Loads the built-in codebook and then, when study_dir is not NULL and
 * study_dir/coding/codebook.ini exists, the study's sections on top: a new
 * sub-code is added, an existing code's keys are replaced. CT_EINPUT (naming
 * the file and section) for an outcome that is not one of the five, a code
 * with no definition, an unknown key or market, text that fails text_ok.
 * *out: caller frees with codebook_free. */
int codebook_load(const char *study_dir, struct codebook **out, struct ct_err *err);
/* The same from INI text (path names it in messages), over *cb (a new
 * codebook when *cb is NULL): what codebook_load does for each file. */
int codebook_load_text(struct codebook **cb, const char *path, const char *text,
		       struct ct_err *err);
void codebook_free(struct codebook *cb);

/* The code (exact, ASCII case ignored), or NULL. Borrowed. */
const struct coding_code *codebook_find(const struct codebook *cb, const char *code);
/* Index of outcome in coding_outcomes (name or the outcome part of a
 * "outcome.sub" code), or -1. */
int coding_outcome_index(const char *code);
/* CODING_HOUSING, CODING_JOB, or 0 for an unknown name. */
unsigned coding_market_parse(const char *name);
/* Index in coding_lang_names, or -1. */
int coding_lang_parse(const char *name);

#endif
