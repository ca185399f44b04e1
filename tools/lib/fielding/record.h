/* record.h: recording what a person did in the field (corrtest field sent,
 * skip and import): an application sent by hand, at a time, by a channel;
 * an application that will not go out, cancelled with its pair. Each is
 * one transaction with one event; an import is all or nothing. */
#ifndef CT_RECORD_H
#define CT_RECORD_H

#include <stdint.h>
#include <time.h>

#include "messages/template.h"
#include "responses/outcome.h"
#include "store/study.h"
#include "base/timeutil.h"
#include "base/util.h"

/* A send is refused when its time is later than now by more than this
 * (seconds): a clock a little ahead is not a typing slip. */
#define FIELD_FUTURE_SLACK 300

/* What field_sent and field_skip did. Free with field_done_free. */
struct field_done {
	struct app_info app;    /* the application named */
	char *channel;          /* sent: its planned channel, now frozen */
	char *via;              /* sent: the channel it went by */
	char sent_at[ISO_LEN];  /* sent: UTC */
	int64_t *cancelled;     /* skip: the applications cancelled (its listing's planned ones) */
	int ncancelled;
	int64_t partner_sent;   /* skip: an application of the pair already sent (kept), or 0 */
};
void field_done_free(struct field_done *d);

/* `field sent`: application r, planned, was sent at `at` by channel via
 * (NULL: the planned one), recorded by `by` (NULL: study_actor()). Sets
 * status sent, sent_at, channel (the planned one, frozen), sent_via and
 * recorded_by, with one "field sent" event. CT_EINPUT (study unchanged)
 * for no such application, one not planned, a withdrawn listing, a time
 * in the future (FIELD_FUTURE_SLACK) or before the study's start. */
int field_sent(struct study *s, const struct app_ref *r, time_t at, const char *via,
	       const char *by, struct field_done *out, struct ct_err *err);

/* `field skip`: application r, planned, will not go out (reason: checked
 * text): it and every other planned application of its listing (its pair)
 * become cancelled with cancel_reason, in one transaction with one "field
 * skip" event. A pair partner already sent is left as it is (its reply
 * may still be logged; the pair is excluded as cancelled either way). */
int field_skip(struct study *s, const struct app_ref *r, const char *reason, const char *by,
	       struct field_done *out, struct ct_err *err);

/* What field_import did. */
struct field_import_result {
	long rows;      /* records in the file */
	long sent;      /* recorded as sent */
	long skipped;   /* rows that cancelled an application (with its pair) */
	long cancelled; /* applications cancelled in all */
	long unchanged; /* rows already recorded so (a file imported again) */
	long ignored;   /* rows with neither sent_at nor skip_reason */
};

/* `field import`: the worklist CSV (field list --csv) filled in. Reads the
 * columns application, sent_at, via, by and skip_reason (others are
 * ignored): a row with sent_at is recorded as field_sent does (via and by
 * optional; by defaults to default_by), a row with skip_reason as
 * field_skip does, a row with neither is ignored, a row already recorded
 * the same way is unchanged. Every problem goes to probs as "FILE:LINE:
 * column NAME: what"; then CT_EINPUT and nothing is changed. All or
 * nothing, in one transaction with one "field import" event; when every
 * row was already recorded nothing is written. */
int field_import(struct study *s, const char *path, const char *default_by,
		 struct field_import_result *res, struct tpl_problems *probs, struct ct_err *err);

/* Checks a free text a user typed (a reason, a name): text_ok, at most max
 * bytes. Returns NULL when fine, else why (static). */
const char *field_text_problem(const char *s, size_t max);

#endif
