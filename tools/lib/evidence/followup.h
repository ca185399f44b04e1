/* followup.h: follow-ups (`corrtest followup`): after a pair answered
 * differently (one application positive under the study's outcome
 * definition, [design] outcome, the other not), a short "is it still
 * available?" message from the refused candidate, or from a third control
 * persona, delay_hours after the positive reply (the method Unia uses).
 * "Answered differently" at a time now: one side positive, the other with
 * a response coded not positive (refusal, other, no_reply, or info under
 * [design] outcome = strict), or with no response at all once the
 * follow-up is due (delay_hours after the positive reply, moved into the
 * sending window): by then the other side has had as long to answer, and
 * until then its silence is not yet a reply.
 * A follow-up is an application of kind 'followup' (follows = the refused
 * application): compose, send and the field worklist pick it up like any
 * other, fetch links its reply by In-Reply-To, code codes it. The
 * analysis, the report and the flow never count it (kind = 'main' only).
 * Reads study.ini [followup]; never prints. */
#ifndef CT_FOLLOWUP_H
#define CT_FOLLOWUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/study.h"

enum followup_from { FOLLOWUP_REFUSED = 0, FOLLOWUP_THIRD = 1 };

/* study.ini [followup]. */
struct followup_cfg {
	double delay_hours; /* delay_hours (48): after the positive reply */
	int from;           /* from (refused): enum followup_from */
};

/* Parses and checks [followup] of the study's study.ini: delay_hours a
 * number of hours from 0 to 8760, from refused or third. CT_EINPUT naming
 * study.ini:LINE otherwise. */
int followup_config(const struct config *cfg, struct followup_cfg *out, struct ct_err *err);

/* One follow-up planned. */
struct followup_item {
	int64_t id;         /* the new application (as it would be, with dry_run) */
	int64_t follows;    /* the refused (or unanswered) application */
	int64_t positive;   /* the application answered positively */
	char *ref;          /* the listing's ref */
	char *who;          /* the persona writing: "group/gender" */
	char *outcome;      /* the refused application's outcome, "none" if none */
	char *due;          /* UTC ISO 8601: the planned send time */
	char *channel;      /* the channel (the followed application's) */
};

struct followup_plan {
	struct followup_cfg cfg;
	struct followup_item *items;
	int n;
	int differing;  /* pairs answered differently */
	int already;    /* of which followed up before (not planned again) */
	int waiting;    /* pairs with one side positive, the other unanswered
			 * and its follow-up not yet due (planned by a later run) */
	int cancelled;  /* planned follow-ups cancelled: the pair no longer differs */
};

/* First re-checks the planned follow-ups as followup_refresh does; then
 * plans a follow-up for every pair of the main kind, both sent, on an
 * active listing, answered differently now (time_now) and not followed up
 * yet (one cancelled because its pair no longer differed does not count;
 * a simulated pair is never followed up). The due time is delay_hours after
 * the positive reply's time, moved to the next opening of the sending
 * window when it falls outside. from = third takes a persona of the
 * control (or placebo) group that has not written to the listing, of the
 * refused persona's gender when there is one; with none, CT_EINPUT saying
 * how to get one. All in one transaction with one event per follow-up;
 * dry_run rolls it back (the plan shows the ids it would have). */
int followup_plan(struct study *s, int dry_run, struct followup_plan *out, struct ct_err *err);
void followup_plan_free(struct followup_plan *p);

/* Cancels every still planned follow-up whose pair no longer differs:
 * the application it follows is now positive, or the other side of the
 * pair no longer is (a follow-up whose side is still unanswered stays: it
 * goes out only once due, when that silence counts as not positive).
 * Each gets status 'cancelled', cancel_reason "the pair no longer
 * differs" and one "followup-cancel" event, in one transaction, and a
 * message compose --outbox wrote for it leaves the outbox; with nothing
 * planned or nothing to cancel it writes nothing (no transaction). Compose
 * --outbox, send --live and the field worklist call it before they pick
 * what is due, so a stale follow-up never goes out. *cancelled may be
 * NULL. */
int followup_refresh(struct study *s, int *cancelled, struct ct_err *err);

/* One follow-up or re-test of an agent, for its case file (corrtest
 * dossier): the application, its kind, the one it follows, the listing,
 * the persona, its status and times, its latest outcome. */
struct followup_row {
	int64_t id, follows;
	char *kind;     /* "followup" or "retest" */
	char *ref;      /* the listing's ref */
	char *who;      /* "group/gender" */
	char *status;   /* application.status */
	char *scheduled_at, *sent_at; /* NULL when not (yet) */
	char *outcome;  /* latest response's outcome, NULL when none */
	char *replied_at; /* that response's time, NULL when none */
};

/* Every follow-up and re-test of the agent with key agent_key (listing
 * agent_key), in application order. *out: followup_rows_free. */
int followup_agent_list(struct study *s, const char *agent_key, struct followup_row **out,
			size_t *n, struct ct_err *err);
void followup_rows_free(struct followup_row *r, size_t n);

/* The next instant at or after t inside the study's sending window
 * ([schedule] days and hours, in its time zone); t itself when inside. */
time_t followup_window_next(const struct design *d, time_t t);

#endif
