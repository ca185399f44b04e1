/* dossier.h: `corrtest dossier AGENT`, everything about one agent for a
 * complaint (an equality body, a regulator's disciplinary board, a court):
 * a folder and a zip of it holding
 *   index.html       a printable summary: every test of the agent with both
 *                    candidates side by side (their messages as sent, the
 *                    replies, times, channels, codes and coders, response
 *                    delays), re-check snapshots, follow-ups and re-tests,
 *                    the exact test over the agent's pairs in words, the
 *                    protocol (the report's method section) and how to
 *                    check everything;
 *   messages/        every stored raw message (in and out) of the agent's
 *                    applications, one .eml each, numbered in time order;
 *   events.csv       the events of the chain about the agent's listings,
 *                    applications and messages, and the study-wide ones
 *                    (init, migrate, assign, seal), with every field;
 *   chain.csv        id, prev_hash and hash of every event of the chain, so
 *                    that the extract can be linked to the head;
 *   VERIFY.txt       how to recompute an event's hash and check the files;
 *   design/          study.ini and the message templates;
 *   MANIFEST.sha256  the SHA-256 of every other file (sha256sum -c).
 * It identifies the agent and holds landlords' personal data: it is
 * confidential, says so on every page, and nothing of it goes into the
 * public report. Nothing here prints or exits. */
#ifndef CT_EVIDENCE_DOSSIER_H
#define CT_EVIDENCE_DOSSIER_H

#include <stddef.h>

#include "store/study.h"
#include "base/util.h"

struct dossier_options {
	const char *agent;   /* the agent's name as in the listings, or its key "ag-..." */
	const char *out_dir; /* NULL: <study>/dossiers/<agent key> */
	const char *lang;    /* nl, fr, en; NULL: the study's */
};

struct dossier_result {
	char key[16];    /* the agent key */
	char *name;      /* the agent's name (or address) as recorded; NULL once purged */
	char *dir, *zip; /* where the folder and the zip are */
	int replaced;    /* an earlier dossier of this agent was replaced */
	long listings, applications, followups;
	long messages;        /* raw messages written */
	long messages_purged; /* messages whose raw bytes were purged (hash kept, no file) */
	long snapshots;
	long events_extract, events; /* events in events.csv; in the chain */
	long files;           /* files in the folder, MANIFEST.sha256 included */
	char manifest_sha256[65];
	/* The exact test over the agent's valid pairs (stats/agent.h). */
	long pairs, b, c;
	int tested; /* b + c >= 1 */
	double p_exact, p_greater;
};

/* Makes the dossier: the folder is written under a temporary name beside
 * its place and renamed when whole, the zip likewise; an earlier dossier
 * at that place is replaced (its manifest's hash stays in its own event).
 * A "dossier" event (subject: the agent key; detail: the number of files
 * and the manifest's SHA-256) anchors it in the chain; the files are put
 * in place just before that event commits, and taken out again (the
 * earlier dossier put back) when it does not.
 * CT_EINPUT: an agent the study does not know, a bad --lang;
 * CT_PROBLEM: the study's record does not hold (corrtest verify finds
 * something, e.g. a raw message that no longer matches its hash): no
 * dossier is made from a record that was changed;
 * CT_EENV: the database or a file. Nothing is left behind on failure. */
int dossier_make(struct study *s, const struct dossier_options *o, struct dossier_result *r,
		 struct ct_err *err);
void dossier_result_free(struct dossier_result *r);

/* Whether s has the form of an agent key, "ag-" and 12 lower-case hex
 * digits (study_agent_key). */
int dossier_is_agent_key(const char *s);
/* A file name made of the listing reference (or any text): letters,
 * digits, '-' and '_' kept, anything else '_', at most 40 bytes; "x" when
 * nothing is left. Caller frees. */
char *dossier_safe_name(const char *s);
/* The hours from sent to reply (UTC ISO times), or -1 when either is
 * missing or the reply is earlier. */
double dossier_delay_hours(const char *sent, const char *reply);
#endif
