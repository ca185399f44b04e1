/* purge.h: retention of landlords' and agents' personal data (GDPR art. 5
 * (1)(e)). `corrtest purge` removes, for every listing whose last activity
 * is older than study.ini [evidence] retention_days and whose agent is not
 * under legal hold, everything that identifies the landlord or agent:
 * listing_contact (e-mail, names, phone), the listing's URL, url_key,
 * portal_ref and title, the raw messages and what was derived from them
 * (From, Subject, In-Reply-To, the landlord's Message-ID), free-text notes
 * (not the reasons pairs were skipped in the field: stats counts them),
 * re-check snapshots' URLs, titles, prices and bodies, the outbox files of
 * its messages and any other file in the study folder that holds one of
 * those values; then rewrites the database so that no old page survives
 * in study.db or its WAL. The pseudonymous record stays (refs, agent keys,
 * agent types, areas, prices, applications, responses, codes, message
 * hashes), so every figure of stats and the report is unchanged, and a
 * "purge" event records the counts. Nothing here prints or exits. */
#ifndef CT_EVIDENCE_PURGE_H
#define CT_EVIDENCE_PURGE_H

#include <stddef.h>
#include <stdint.h>

#include "store/study.h"
#include "base/util.h"

/* study.ini [evidence]: retention_days (0..36500, default 365) and
 * legal_hold (names of agents, or contact e-mail addresses of private
 * landlords, comma-separated). Errors name study.ini:LINE. */
struct purge_config {
	long retention_days;
	char **holds; /* as written */
	int nholds;
};
int purge_config_read(const struct study *s, struct purge_config *c, struct ct_err *err);
void purge_config_free(struct purge_config *c);

/* Which listings are due. A listing's last activity is the latest of: when
 * it was added, its applications' sending, its messages, the times of its
 * replies (also those logged by hand), its re-check snapshots. It is due when last + retention_days days
 * <= now, unless its agent_key is one of the held agents' keys, or it still
 * has work pending (an application planned or sending, a re-check due):
 * then it is kept. Listings with nothing left to purge are not listed. */
enum purge_state { PURGE_DUE = 0, PURGE_HELD, PURGE_RECENT, PURGE_PENDING };
const char *purge_state_key(int state); /* "due", "held", "recent", "pending" */

struct purge_listing {
	int64_t id;
	char *ref;
	char last[21]; /* last activity, UTC ISO ("" unknown) */
	int state;
};

struct purge_options {
	int dry_run;
	int secrets; /* also remove the personas' mailbox passwords */
	int all;     /* with secrets: also the agent key's secret */
};

/* What was (or, dry run, would be) removed. */
enum purge_kind {
	PK_EMAIL,    /* contact e-mail addresses */
	PK_NAME,     /* contact and agent names */
	PK_PHONE,    /* phone numbers */
	PK_URL,      /* listing URLs, url keys, portal refs, snapshot URLs */
	PK_TITLE,    /* listing and snapshot titles, snapshot prices */
	PK_RAW,      /* raw messages */
	PK_HEADER,   /* From, Subject, In-Reply-To, Message-ID derived from them */
	PK_NOTE,     /* free text: notes, errors, skip reasons */
	PK_BODY,     /* re-check snapshot bodies */
	PK_KIND_N
};
const char *purge_kind_key(int kind);

struct purge_result {
	long retention_days;
	char now[21], cutoff[21]; /* data last active at or before cutoff go */
	struct purge_listing *listings; /* every listing with something to purge, by ref */
	size_t nlistings;
	long due, held, recent, pending; /* counts of the above */
	long unlinked;                   /* unlinked incoming messages due */
	long counts[PK_KIND_N];          /* values removed, by kind */
	char **files_removed;            /* relative to the study folder, or absolute */
	size_t nfiles_removed;
	char **files_kept; /* design files holding purged values: not removed, named */
	size_t nfiles_kept;
	long files_left; /* renamed aside and committed, but not removed (the next purge does) */
	long *events_with_data; /* ids of events whose text holds a purged value */
	size_t nevents_with_data;
	int64_t event_id;       /* the purge event (0: none, dry run) */
	/* --secrets */
	char *secrets_path;     /* the secrets file looked at (NULL: none) */
	long secret_sections;   /* mailbox sections removed */
	int secrets_file_removed;
	int agent_key_removed;
	int vacuumed;
};

/* Runs the purge. CT_EINPUT for a bad [evidence] section (the study is
 * unchanged), CT_EENV for a database or file error, CT_PROBLEM when the
 * agent key is gone and a legal hold cannot be matched. */
int purge_run(struct study *s, const struct purge_options *o, struct purge_result **out,
	      struct ct_err *err);
void purge_result_free(struct purge_result *r);

/* The selection alone (no change): every listing with its state, ordered
 * by ref; for the unit test and for subject. */
int purge_select(struct study *s, const struct purge_config *c, time_t now,
		 struct purge_listing **out, size_t *n, struct ct_err *err);
void purge_listings_free(struct purge_listing *l, size_t n);

#endif
