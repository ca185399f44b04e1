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

#include "evidence/tsa.h"
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
	VERIFY_TIMESTAMP_INVALID, /* the checkpoint's time-stamp does not hold */
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
	/* Its RFC 3161 time-stamp (tsa.h): CHECKPOINT.tsr when it exists, or
	 * this file (needs checkpoint); checked against the authority's CA
	 * certificates in tsa_ca (PEM) when given. */
	const char *tsr, *tsa_ca;
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
	int timestamp_checked;  /* a time-stamp of the checkpoint was checked */
	int timestamp_valid;    /* ... and holds (else a finding says why) */
	int timestamp_trusted;  /* ... and its signer chains to tsa_ca */
	char *timestamp_file;   /* the .tsr checked */
	struct tsa_info timestamp; /* what it says (when valid) */
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

/* A time-stamp for seal (tsa.h). */
struct seal_tsa {
	const char *url;      /* the authority: https://, or http:// to loopback */
	const char *ca_file;  /* its CA certificates (PEM) to check the reply with, or NULL */
	long timeout_seconds; /* for the whole exchange; 0: 30 */
	/* Out: what the authority signed, and the file its reply went to
	 * (PATH.tsr, caller frees; free info with tsa_info_free). */
	struct tsa_info info;
	char *tsr_path;
};

/* seal: records a "seal" event and returns the checkpoint text (caller
 * frees): the study's name, the number of events and the head hash after
 * that event, and the time; written to path too when it is not NULL.
 * Both or neither: the file is written before the event commits, and
 * removed if the commit fails.
 *
 * With tsa (which needs path): the checkpoint is time-stamped by the
 * authority before anything is written, its reply kept in PATH.tsr, and
 * a "timestamp" event after the seal records the URL, the authority's
 * time and serial and the SHA-256 of PATH.tsr (the seal event itself
 * names the URL: it cannot hold the time, since the checkpoint the
 * authority signs holds the seal event's hash). All or nothing: an
 * authority that cannot be reached, refuses or answers anything but a good
 * time-stamp is CT_EENV naming it, and then no file is written and no
 * event recorded. Without tsa, a PATH.tsr of an earlier seal is removed
 * (it time-stamped the checkpoint this one replaces). */
int verify_seal(struct study *s, const char *path, struct seal_tsa *tsa, char **checkpoint,
		long *events, char head[65], struct ct_err *err);

#endif
