/* review.c: the blind review session (review.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "coding/review.h"
#include "base/banned.h"

struct review {
	struct study *s;
	char *coder, *pass;
	struct coding_item *items;
	int n;
	unsigned char *done; /* items[i] coded (1) or skipped (2) in this session */
	int pos;             /* the current item, or n */
	/* This session's codes, newest last: coding id and item index. */
	int64_t *ids;
	int *idx;
	int ncoded;
	char *note;
};

static const struct {
	char key;
	const char *outcome;
} keys[] = { { 'i', "invitation" }, { 'f', "info" }, { 'r', "refusal" }, { 'o', "other" },
	     { 'x', "no_reply" } };

int review_open(struct study *s, const char *coder, const char *pass, struct review **out,
		struct ct_err *err)
{
	*out = NULL;
	if (!coding_coder_ok(coder))
		return ct_fail(err, CT_EINPUT,
			       "--coder must be 1 to 64 characters of plain text without spaces, "
			       "not 'rules'");
	struct review *r = xcalloc(1, sizeof(*r));
	int rc = coding_queue(s, pass, coder, &r->items, &r->n, err);
	if (rc) {
		free(r);
		return rc;
	}
	r->s = s;
	r->coder = xstrdup(coder);
	r->pass = xstrdup(pass);
	r->done = xcalloc((size_t)r->n + 1, 1);
	r->ids = xcalloc((size_t)r->n + 1, sizeof(*r->ids));
	r->idx = xcalloc((size_t)r->n + 1, sizeof(*r->idx));
	*out = r;
	return CT_OK;
}

void review_close(struct review *r)
{
	if (!r)
		return;
	coding_items_free(r->items, r->n);
	free(r->coder);
	free(r->pass);
	free(r->done);
	free(r->ids);
	free(r->idx);
	free(r->note);
	free(r);
}

const struct coding_item *review_current(const struct review *r)
{
	return r->pos < r->n ? &r->items[r->pos] : NULL;
}

int review_left(const struct review *r)
{
	int left = 0;
	for (int i = r->pos; i < r->n; i++)
		left += !r->done[i];
	return left;
}

int review_coded(const struct review *r)
{
	return r->ncoded;
}

static void advance(struct review *r)
{
	while (r->pos < r->n && r->done[r->pos])
		r->pos++;
}

int review_input(struct review *r, const char *line, int *action, struct ct_err *err)
{
	*action = REVIEW_BAD;
	while (*line == ' ' || *line == '\t')
		line++;
	char key = (char)tolower((unsigned char)line[0]);
	const char *arg = line[0] ? line + 1 : line;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	char *rest = xstrdup(arg);
	size_t len = strlen(rest);
	while (len && (rest[len - 1] == '\n' || rest[len - 1] == '\r' || rest[len - 1] == ' '))
		rest[--len] = 0;
	int rc = CT_OK;
	if (key == 'q') {
		*action = REVIEW_QUIT;
	} else if (key == 'u') {
		if (!r->ncoded) {
			ct_fail(err, CT_EINPUT, "nothing to undo in this session");
		} else if (!(rc = coding_undo(r->s, r->ids[r->ncoded - 1], err))) {
			int i = r->idx[--r->ncoded];
			r->done[i] = 0;
			r->pos = i;
			*action = REVIEW_UNDONE;
		}
	} else if (!review_current(r)) {
		ct_fail(err, CT_EINPUT, "the queue is done: u undoes the last code, q quits");
	} else if (key == 's' && !*rest) {
		r->done[r->pos] = 2;
		advance(r);
		*action = REVIEW_SKIPPED;
	} else if (key == 'n') {
		if (!*rest || !text_ok(rest, len, NULL, NULL, NULL)) {
			ct_fail(err, CT_EINPUT, "a note is 'n' and plain text on one line");
		} else {
			free(r->note);
			r->note = xstrdup(rest);
			*action = REVIEW_NOTED;
		}
	} else {
		const char *outcome = NULL;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (keys[k].key == key && (!line[1] || line[1] == ' ' || line[1] == '\t' ||
						   line[1] == '\n' || line[1] == '\r'))
				outcome = keys[k].outcome;
		int64_t id = 0;
		struct ct_err e = { 0 };
		if (!outcome) {
			ct_fail(err, CT_EINPUT,
				"keys: i invitation, f info, r refusal, o other, x no_reply (then "
				"a sub-code, optional), s skip, n NOTE, u undo, q quit");
		} else if ((rc = coding_record(r->s, r->items[r->pos].message, r->pass, r->coder,
					       outcome, rest, r->note, &id, &e))) {
			*err = e;
			/* A refused code is the coder's to correct, not a failure. */
			if (rc == CT_EINPUT)
				rc = CT_OK;
		} else {
			r->ids[r->ncoded] = id;
			r->idx[r->ncoded++] = r->pos;
			r->done[r->pos] = 1;
			free(r->note);
			r->note = NULL;
			advance(r);
			*action = REVIEW_CODED;
		}
	}
	free(rest);
	return rc;
}
