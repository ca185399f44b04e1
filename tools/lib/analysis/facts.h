/* facts.h: what a report's method section and its machine-readable block
 * say about a study beside the analysis: who and where, the seed and the
 * design hash, when it was fielded and by which channels, the flow of
 * listings into pairs, and the head of the event log (the hash that
 * `verify` checks a report against). Read once, never printed here. */
#ifndef CT_ANALYSIS_FACTS_H
#define CT_ANALYSIS_FACTS_H

#include "store/study.h"
#include "base/util.h"

struct facts_channel {
	char *channel; /* smtp, portal, webmail, phone, sms, or "unknown" */
	long applications;
};

struct study_facts {
	char *name, *market, *city, *lang, *seed, *created_at;
	/* The SHA-256 of study.ini when assign last ran; a study that was
	 * never assigned (its pairs imported) has the hash of study.ini as it
	 * is now, and design_hash_from says which: "assign" or "study.ini". */
	char *design_hash;
	const char *design_hash_from;
	/* UTC ISO times; NULL when nothing was sent or answered. */
	char *first_sent, *last_sent, *first_reply, *last_reply;
	/* The flow: listings in the study, withdrawn, never given an
	 * application (not assigned); applications, and those sent. */
	long listings, withdrawn, not_assigned, applications, sent;
	struct facts_channel *channels; /* the sent applications by channel */
	int nchannels;
	long events;
	char *event_head; /* the last event's hash; NULL when the log is empty */
};

int study_facts_read(struct study *s, struct study_facts **out, struct ct_err *err);
/* The event log's length and head as they were after its first n events
 * (the n-th event's hash, in id order): a report made then states these.
 * CT_EINPUT when the log holds fewer than n events. */
int study_facts_events_as_of(struct study *s, struct study_facts *f, long n, struct ct_err *err);
void study_facts_free(struct study_facts *f);

#endif
