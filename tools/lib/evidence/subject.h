/* subject.h: a GDPR access request (art. 15): every piece of data the study
 * holds about one landlord or agent, found by contact e-mail address (and
 * optionally by name or phone number): the listings and their contact
 * data, the messages to and from them (with their hashes; the raw bytes on
 * request), the responses and codes, the re-check snapshots and the events
 * that name those listings, applications or messages. Read-only. Nothing
 * here prints or exits. */
#ifndef CT_EVIDENCE_SUBJECT_H
#define CT_EVIDENCE_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "store/study.h"
#include "base/util.h"

struct subject_query {
	const char *email; /* required */
	const char *name;  /* contact or agent name, or NULL */
	const char *phone; /* or NULL; compared as phone numbers (phone_same) */
	const char *raw_dir; /* write each raw message there as message-ID.eml, or NULL */
};

struct subject_listing {
	int64_t id;
	char *ref, *url, *title, *agent_type, *agent_key, *area, *status, *added_at;
	char *contact_email, *contact_name, *agent_name, *contact_phone, *portal_ref;
	double price;
	int has_price;
};

struct subject_message {
	int64_t id, application;
	char *ref; /* its listing's, NULL for an unlinked message */
	char *direction, *at, *from_addr, *subject, *sha256, *kind;
	long size; /* raw bytes held; -1 when purged */
	char *raw_file; /* where --raw wrote it */
};

struct subject_response {
	int64_t application;
	char *ref, *source, *outcome, *channel, *coder, *at, *note;
};

struct subject_snapshot {
	int64_t id;
	char *ref, *at, *url, *final_url, *title, *price;
	int http_status, has_status, advertised; /* advertised -1: unknown */
	long body_size;
};

struct subject_event {
	int64_t id;
	char *at, *action, *subject;
};

struct subject_result {
	struct subject_listing *listings;
	size_t nlistings;
	struct subject_message *messages;
	size_t nmessages;
	struct subject_response *responses;
	size_t nresponses;
	struct subject_snapshot *snapshots;
	size_t nsnapshots;
	struct subject_event *events;
	size_t nevents;
	long purges; /* purge events in the log: data may have been held before */
};

/* CT_OK with what was found (maybe nothing); CT_EINPUT for a raw_dir that
 * cannot be made or already holds a file of that name, CT_EENV for a
 * database error. Caller frees. */
int subject_run(struct study *s, const struct subject_query *q, struct subject_result **out,
		struct ct_err *err);
int subject_found(const struct subject_result *r);
void subject_result_free(struct subject_result *r);

#endif
