/* verify.h: is the study's record what it was? `corrtest verify` checks
 * the hash-chained event log (an event edited, inserted, reordered or
 * deleted), every stored raw message against its SHA-256, optionally a
 * checkpoint written by `corrtest seal` and kept outside the study (events
 * cut from the end, or a chain rewritten since), and optionally a report:
 * the report is made again from the study as it stands, with the options
 * and time its data block records, and every figure of its data block and
 * every line of its text must be the same. `seal` writes the checkpoint.
 * Nothing here prints or exits. */
#ifndef CT_EVIDENCE_VERIFY_H
#define CT_EVIDENCE_VERIFY_H

#include <stddef.h>

#include "store/study.h"
#include "base/util.h"

enum verify_kind {
	VERIFY_EVENT_EDITED,   /* an event's content no longer matches its hash */
	VERIFY_EVENT_INSERTED, /* an event between two that were linked */
	VERIFY_EVENT_DELETED,  /* an event follows a hash no event has */
	VERIFY_EVENT_REORDERED,/* an event follows one that comes after it */
	VERIFY_EVENTS_CUT,     /* fewer events than the checkpoint counted */
	VERIFY_CHAIN_REWRITTEN,/* the checkpoint's event has another hash */
	VERIFY_MESSAGE_CHANGED,/* a raw message no longer matches its SHA-256 */
	VERIFY_FIGURE_CHANGED, /* a figure of the report's data block differs */
	VERIFY_TEXT_CHANGED,   /* a line of the report's text differs */
	VERIFY_KIND_N
};
const char *verify_kind_key(int kind); /* "event_edited", ... */

struct verify_finding {
	int kind;
	char *subject; /* "event 12", "message 3", "analysis.groups[0].net_ilo", "report line 210" */
	char *what;    /* for people */
};

struct verify_options {
	const char *checkpoint; /* a file written by seal, or NULL */
	const char *report;     /* a report.html, or NULL */
	const char *const *previous; /* the earlier studies the report was made with */
	int nprevious;
};

struct verify_result {
	long events;
	char head[65];         /* the last event's hash ("" for none) */
	long messages, messages_purged;
	int checkpoint_checked;
	long checkpoint_events; /* what the checkpoint counted */
	int report_checked;
	long figures;           /* data-block lines compared */
	long text_lines;        /* text lines compared */
	long report_events;     /* events in the log when the report was made (-1: unknown) */
	struct verify_finding *findings;
	int nfindings;
};

/* CT_OK with the findings in *out (none: everything holds); CT_EINPUT for
 * a checkpoint or report that cannot be read or is not one (naming the
 * file and line), CT_EENV for a database error. Caller frees. */
int verify_run(struct study *s, const struct verify_options *o, struct verify_result **out,
	       struct ct_err *err);
void verify_result_free(struct verify_result *r);

/* seal: records a "seal" event and returns the checkpoint text (caller
 * frees): the study's name, the number of events and the head hash after
 * that event, and the time; written to path too when it is not NULL.
 * Both or neither: the file is written before the event commits, and
 * removed if the commit fails. */
int verify_seal(struct study *s, const char *path, char **checkpoint, long *events,
		char head[65], struct ct_err *err);

#endif
