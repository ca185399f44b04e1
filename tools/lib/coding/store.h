/* store.h: the codes given to replies (table coding, schema 6) and how they
 * become the analysed outcome.
 *
 * A reply is an incoming message linked to an application, of kind 'reply'
 * or 'other' (an automatic reply, whose text still counts), not a second
 * delivery of another message. Each reply gets at most one code per pass:
 * 'first' (a person in the blind queue, or the rules), 'second' (the
 * independent coder of the double-coded sample) and 'adjudicated' (the
 * settled code after a disagreement).
 *
 * From codes to the analysis: a reply's code is its adjudicated code, else
 * its first code (a second code only measures agreement). An application's
 * outcome is the code of the reply that study.ini's [coding] reply_rule
 * picks among its coded replies: best (invitation > info > refusal > other
 * > no_reply; ties to the earlier reply), first or last (by the time the
 * reply came). Whenever that changes, coding_apply appends a response row
 * (channel email, coder the code's coder, response.coding its id), which,
 * as the application's latest response, is what the analysis reads. Undoing
 * a code removes the response row it made.
 *
 * Every function that changes the study runs in one transaction with one
 * study_event, and leaves the study unchanged unless it returns CT_OK. */
#ifndef CT_CODING_STORE_H
#define CT_CODING_STORE_H

#include <stdint.h>

#include "coding/codebook.h"
#include "store/study.h"

/* The five outcomes (coding_outcomes, CODING_NOUTCOMES, in the order of
 * the best-reply rule: 0 is best) and the sub-codes each admits come from
 * the codebook (coding/codebook.h). */

/* 1 when coder is a usable coder id: 1 to 64 characters of text_ok text,
 * not 'rules' (reserved for automatic codes). */
int coding_coder_ok(const char *coder);

/* One reply as a coder sees it. text is blind (coding_blind); owned. */
struct coding_item {
	int64_t message, application;
	char *text;
	char *first_coder; /* the first code's coder, when there is one; owned */
};
void coding_items_free(struct coding_item *items, int n);

/* The replies waiting for a code of pass "first" (no first code yet) or
 * "second" (in the second coder's sample, first-coded by someone other
 * than coder, not yet second-coded; coder may be NULL: any), in message id
 * order, with their blind text. *items: caller frees (coding_items_free). */
int coding_queue(struct study *s, const char *pass, const char *coder, struct coding_item **items,
		 int *n, struct ct_err *err);

/* The text of a reply as the blind coder sees it: the decoded text
 * (mail/reply.h), with every candidate's name replaced by [CANDIDATE]:
 * the full names (first last, last first), the e-mail addresses and their
 * local parts, the first and the last names alone; longest first, ignoring
 * ASCII case, at word boundaries. Caller frees. */
int coding_blind_text(struct study *s, int64_t message, char **text, struct ct_err *err);

/* Records one code of pass for reply message (an incoming linked reply),
 * in its own transaction with a "code" event, and applies it (see above).
 * CT_EINPUT when message is not a reply, outcome or sub_code is not valid,
 * the reply already has a code of that pass, a second code comes from
 * the first coder or for a reply outside the sample, or the coder id is
 * not valid. note may be NULL. *id: the new coding row (may be NULL). */
int coding_record(struct study *s, int64_t message, const char *pass, const char *coder,
		  const char *outcome, const char *sub_code, const char *note, int64_t *id,
		  struct ct_err *err);
/* The same inside the caller's transaction, without an event. */
int coding_insert(struct study *s, int64_t message, const char *pass, const char *coder,
		  const char *outcome, const char *sub_code, const char *note, int64_t *id,
		  struct ct_err *err);
/* Removes coding row id and the response row it made, and applies the
 * reply's application again; its own transaction with a "code-undo" event. */
int coding_undo(struct study *s, int64_t id, struct ct_err *err);

/* Brings application app's analysed response in line with its codes (see
 * above); inside the caller's transaction. */
int coding_apply(struct study *s, int64_t app, struct ct_err *err);

/* code --export-queue: writes path (atomically) as CSV with the columns
 * id, text, outcome, sub_code, note: the replies of coding_queue(pass,
 * coder), blind, with the last three empty. *n: rows written. */
int coding_export_queue(struct study *s, const char *path, const char *pass, const char *coder,
			int *n, struct ct_err *err);

/* code --import-coded: reads the CSV back (columns id, outcome, sub_code,
 * note; text and unknown columns are ignored; a row whose outcome is empty
 * is not coded yet and skipped). Each row's pass: first when the reply has
 * no first code, else second when it is in the sample and coder did not
 * give its first code; anything else is an error. All or nothing: every
 * error is collected and named "FILE:LINE: ..." in err's message (one per
 * line), and then nothing is recorded. *coded: codes recorded. */
int coding_import(struct study *s, const char *path, const char *coder, int *coded,
		  struct ct_err *err);

/* code --second: the sample for the second coder, drawn once from the
 * first-coded replies (rules' codes included): max(ceil(10%), 50) of
 * them, or all when fewer, uniformly at random from seed. When a sample
 * exists, a draw with the same seed keeps it (and adds nothing) and one
 * with another seed is refused (CT_EINPUT), so that the sample cannot be
 * drawn until it suits. *drawn: the sample's size; *pool: the first-coded
 * replies it was drawn from. */
int coding_second_draw(struct study *s, uint64_t seed, int *drawn, int *pool, struct ct_err *err);

/* Codes every reply that has no first code with the rules rs (for the
 * study's market and language): what the rules code with confidence is
 * stored as the first code, coder 'rules', with the rule and its file's
 * SHA-256, and becomes the analysed response (coding_apply); the rest wait
 * for a person (the queue). One transaction, one event. */
struct coding_rules;
int coding_auto(struct study *s, const struct coding_rules *rs, int *coded, int *review,
		struct ct_err *err);

#endif
