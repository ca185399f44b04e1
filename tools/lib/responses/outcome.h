/* outcome.h: responses to applications. The outcome and channel names of
 * the data model, the times users type, and the append-only response table
 * (the latest row of an application is its current outcome). */
#ifndef CT_OUTCOME_H
#define CT_OUTCOME_H

#include <stdint.h>
#include <time.h>

#include "base/timeutil.h"
#include "store/study.h"
#include "base/util.h"

/* NULL-terminated, in the order of the schema's CHECK constraints. */
extern const char *const outcome_names[];
extern const char *const channel_names[];

/* The canonical name (case-insensitive match), or NULL. */
const char *outcome_parse(const char *s);
const char *channel_parse(const char *s);
/* "a, b, c or d", for messages; borrowed. */
const char *outcome_list(void);
const char *channel_list(void);

/* A time as users write it: ISO 8601 with Z or an offset
 * ("2026-12-08T14:30:00Z", "2026-12-08T15:30+01:00"), or a local time in
 * zone tz: "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS]", or a date
 * "YYYY-MM-DD" (local midnight). Returns 1 on success. */
int outcome_parse_time(const char *s, const char *tz, time_t *out);
/* 1 when t is more than a day after now (time_now()): a reply cannot come
 * from the future, so such a time is a typo (2062 for 2026). The day of
 * slack covers clocks and zones. */
int outcome_time_future(time_t t);

/* An application and what a response needs to know about it. */
struct app_info {
	int64_t id, listing;
	char *ref, *grp, *gender, *status; /* owned */
};
void app_info_free(struct app_info *a);
/* Looks an application up by id; *found = 0 when there is none. */
int app_by_id(struct study *s, int64_t id, struct app_info *a, int *found, struct ct_err *err);
/* Looks it up by listing ref (ignoring ASCII case, as listings compare
 * refs), group name and gender. */
int app_by_cell(struct study *s, const char *ref, const char *grp, const char *gender,
		struct app_info *a, int *found, struct ct_err *err);

/* An application as users name it: its id, or REF:GROUP:GENDER (listing
 * ref, group and gender of the persona, e.g. L17:maghrebi:female), as log,
 * field sent and field skip take it. */
struct app_ref {
	int64_t id;                /* 0 when named by cell */
	char *ref, *grp, *gender;  /* owned; NULL when named by id */
};
/* Parses s; returns 1 on success (free with app_ref_free, also on
 * failure). Group and gender in any case; the ref is split from the right,
 * so that a ref may itself contain a colon. */
int app_ref_parse(const char *s, struct app_ref *out);
void app_ref_free(struct app_ref *r);
/* Looks r up: CT_EINPUT naming it when the study has no such application. */
int app_by_ref(struct study *s, const struct app_ref *r, struct app_info *a, struct ct_err *err);

/* The current outcome of an application (latest response row): outcome and
 * channel copied (caller frees) or NULL when none was logged. */
int response_latest(struct study *s, int64_t app, char **outcome, char **channel,
		    struct ct_err *err);
/* Appends a response row; at may be NULL (unknown), note NULL. coded_at is now. */
int response_insert(struct study *s, int64_t app, const char *channel, const char *outcome,
		    const char *coder, const char *at, const char *note, struct ct_err *err);

/* Appends many responses (an import), fast: rows are buffered and
 * written RESPONSE_BATCH at a time by one multi-row INSERT, prepared once.
 * (A single-row INSERT evaluates the table's CHECK (... IN (...)) lists by
 * building two temporary tables on every execution; a batch builds them
 * once for all its rows.) All rows get one coded_at, the time of the first.
 * Zero the struct and set s; response_writer_flush writes what is pending
 * (call it before reading the responses back, and before the commit);
 * response_writer_close discards what was not flushed. */
#define RESPONSE_BATCH 64
struct response_writer {
	struct study *s;
	sqlite3_stmt *one, *batch;
	char now[ISO_LEN];
	int n;
	struct response_row {
		int64_t app;
		const char *channel, *outcome, *coder; /* static names; coder borrowed */
		char at[ISO_LEN];
		int has_at;
		char *note; /* owned */
	} row[RESPONSE_BATCH];
};
/* Queues one response; at and note may be NULL. */
int response_writer_add(struct response_writer *w, int64_t app, const char *channel,
			const char *outcome, const char *coder, const char *at, const char *note,
			struct ct_err *err);
int response_writer_flush(struct response_writer *w, struct ct_err *err);
void response_writer_close(struct response_writer *w);

/* What response_log recorded: the application, and the outcome it replaces
 * (NULL when it had none). Free with response_logged_free. */
struct response_logged {
	struct app_info app;
	char *prev_outcome, *prev_channel;
};
void response_logged_free(struct response_logged *r);
/* `corrtest log`: records one outcome for the sent application with id
 * app_id, or, when app_id is 0, the one of listing ref (ignoring ASCII
 * case), group grp and gender; with its "log" event, in one transaction.
 * outcome and channel are canonical names (outcome_parse, channel_parse),
 * at a UTC ISO time or NULL, note NULL or checked text. CT_EINPUT when there
 * is no such application, when it was not sent (whatever the outcome: a
 * no_reply is the outcome of a message that went out; an application that
 * will not go out is cancelled with 'field skip'), or when at is before
 * the application's sent_at (a reply cannot precede the message); the
 * study is unchanged unless CT_OK. */
int response_log(struct study *s, int64_t app_id, const char *ref, const char *grp,
		 const char *gender, const char *outcome, const char *channel, const char *at,
		 const char *note, const char *coder, struct response_logged *out,
		 struct ct_err *err);

#endif
