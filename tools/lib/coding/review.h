/* review.h: the blind review queue of `code --review`, as a state machine
 * the command drives: it shows review_current's text, reads a line, and
 * gives it to review_input. Every code is committed as it is typed (its
 * own transaction), so that a session killed at any point loses nothing
 * already entered; a restarted session's queue holds only what is left.
 *
 * Input, one line at a time:
 *   i, f, r, o, x   invitation, info, refusal, other, no_reply; optionally
 *                   followed by a space and a sub-code ("i viewing")
 *   s               skip this reply (it stays in the queue)
 *   n TEXT          a note for the next code
 *   u               undo this session's last code (its reply comes back)
 *   q               quit */
#ifndef CT_CODING_REVIEW_H
#define CT_CODING_REVIEW_H

#include "coding/store.h"

enum review_action {
	REVIEW_CODED,   /* a code was recorded */
	REVIEW_SKIPPED,
	REVIEW_NOTED,   /* a note waits for the next code */
	REVIEW_UNDONE,
	REVIEW_QUIT,
	REVIEW_BAD      /* the line was not understood, or the code refused: err says why */
};

struct review;

/* Opens a session of coder over the queue of pass ("first" or "second").
 * Caller frees with review_close. */
int review_open(struct study *s, const char *coder, const char *pass, struct review **out,
		struct ct_err *err);
void review_close(struct review *r);
/* The reply to code now, or NULL when the queue is done. Borrowed. */
const struct coding_item *review_current(const struct review *r);
/* Replies left (including the current one), and codes this session made. */
int review_left(const struct review *r);
int review_coded(const struct review *r);
/* Takes one line of input; *action says what happened. CT_OK also for
 * REVIEW_BAD (err then holds the message for the coder); another status
 * when the study could not be written. */
int review_input(struct review *r, const char *line, int *action, struct ct_err *err);

#endif
