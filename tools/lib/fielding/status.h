/* status.h: where a study stands (`corrtest status`): listings,
 * applications by status and by channel, what is due today and overdue,
 * replies waiting to be coded, unlinked messages and bounces, sends per
 * day over the last two weeks, and the pre-flight check's findings. Reads
 * only (works on a read-only copy); never prints. */
#ifndef CT_STATUS_H
#define CT_STATUS_H

#include "fielding/preflight.h"
#include "fielding/channel.h"
#include "store/study.h"
#include "base/util.h"

/* Application statuses, in the order reports show them. */
#define STATUS_NSTATES 6
extern const char *const status_states[STATUS_NSTATES]; /* planned sending sent bounced failed cancelled */
/* Channels, in the order reports show them. */
#define STATUS_DAYS 14

struct status_report {
	char today[11];    /* the study's local date now (CORRTEST_NOW honoured) */
	char timezone[64]; /* the study's zone, for people */
	long listings_active, listings_withdrawn;
	long applications; /* all of the main kind (the pairs) */
	long by_status[STATUS_NSTATES];
	/* By effective channel (application's, else listing's, else the
	 * study's default) and status. */
	long by_channel[FIELDING_NCHANNELS][STATUS_NSTATES];
	/* Follow-ups and re-tests (corrtest followup, retest) by status: kept
	 * apart from the pairs above, as from the analysis. */
	long followups[STATUS_NSTATES], retests[STATUS_NSTATES];
	/* Planned applications of active listings: scheduled from now to the
	 * end of today's local date (due_today), and scheduled before now
	 * (overdue): disjoint. */
	long due_today, overdue; /* of every kind */
	/* Incoming replies linked to an application that has no response row
	 * yet (nothing coded or logged for it). */
	long replies_to_code;
	/* Incoming messages not linked to any application (the queue `link`
	 * works on), and bounces (linked or not); second deliveries of a
	 * message are not counted. */
	long unlinked, bounces;
	/* Applications sent on each of the last STATUS_DAYS local dates, the
	 * oldest first; the last is today. */
	struct {
		char date[11];
		long sent;
	} per_day[STATUS_DAYS];
	/* Rows made up by `corrtest simulate` (applications it marked sent,
	 * responses it drew): a status that counts them must say so. */
	long simulated_sends, simulated_responses;
	struct preflight_report preflight;
};

/* Fills r (zero it first). CT_EENV on a database error. Free with
 * status_report_free. */
int status_run(struct study *s, struct status_report *r, struct ct_err *err);
void status_report_free(struct status_report *r);

#endif
