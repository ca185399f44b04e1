/* agreement.h (coding): the double coding's agreement, from the study.
 * The replies with both a first and a second code are counted into a 5 x 5
 * table of outcomes (row: first code, column: second, in the order of
 * coding_outcomes); stats/agreement.h computes the measures over all of
 * them, for each outcome against the rest, and for each candidate group's
 * replies (the group of the persona the reply answers), so that coding
 * that treats one group's replies differently shows. Disagreements are
 * listed for adjudication; an adjudicated code is the one analysed. */
#ifndef CT_CODING_AGREEMENT_H
#define CT_CODING_AGREEMENT_H

/* stats/agreement.h, named by its path: this header has the same name. */
#include "../../../stats/agreement.h"
#include "coding/store.h"

struct coding_agreement_group {
	char *grp; /* grp.name; owned */
	long table[CODING_NOUTCOMES * CODING_NOUTCOMES];
	struct agreement a;
};

struct coding_agreement {
	long table[CODING_NOUTCOMES * CODING_NOUTCOMES]; /* all double-coded replies */
	struct agreement all;
	struct agreement outcome[CODING_NOUTCOMES]; /* each outcome against the rest (2 x 2) */
	struct coding_agreement_group *groups;      /* by group name */
	int ngroups;
	long sample;      /* replies in the second coder's sample */
	long disagreeing; /* double-coded replies whose codes differ (outcome) */
	long adjudicated; /* of those, how many have an adjudicated code */
};

/* Computes it (alpha 0.05 for the intervals). Caller frees. */
int coding_agreement_run(struct study *s, struct coding_agreement **out, struct ct_err *err);
void coding_agreement_free(struct coding_agreement *a);

/* One disagreement: the reply, both codes ("outcome" or "outcome.sub"),
 * the adjudicated code or NULL, and the blind text. All owned. */
struct coding_disagreement {
	int64_t message;
	char *first, *second, *adjudicated, *text;
};
int coding_disagreements(struct study *s, struct coding_disagreement **out, int *n,
			 struct ct_err *err);
void coding_disagreements_free(struct coding_disagreement *d, int n);

/* One ruling of code --adjudicate --set ID=OUTCOME[.SUB]. */
struct coding_ruling {
	int64_t message;
	const char *outcome, *sub_code;
};
/* Records (or replaces) the adjudicated code of each of the n rulings, by
 * coder, all in one transaction with a "code-adjudicate" event each: every
 * reply must have a first and a second code, or nothing is recorded
 * (CT_EINPUT naming the reply and the problem). */
int coding_adjudicate(struct study *s, const struct coding_ruling *rulings, int n,
		      const char *coder, const char *note, struct ct_err *err);

#endif
