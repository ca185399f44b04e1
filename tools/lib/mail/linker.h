/* linker.h: which application an incoming message belongs to, and what it
 * is (a reply, a bounce, a copy of our own message), from what reply_parse
 * read and what the study holds. The rules, strongest first:
 *   1. In-Reply-To/References hold one of our Message-IDs (the inquiry's, or
 *      a later message of ours such as a decline);
 *   2. the sender is the listing's contact and the mailbox is the persona
 *      of that listing's application;
 *   3. a listing's ref appears in the subject, and the mailbox's persona
 *      wrote to that listing;
 * else the message waits unlinked (corrtest fetch --unlinked, corrtest link).
 * A bounce is linked by the Message-ID of the message it returns, else by
 * the failed recipient (a listing contact the mailbox's persona wrote to),
 * else by the rules above. Nothing here prints. */
#ifndef CT_LINKER_H
#define CT_LINKER_H

#include <stdint.h>

#include "mail/reply.h"
#include "store/study.h"
#include "base/util.h"

/* Every string is static. */
struct link_result {
	const char *kind;     /* "reply", "bounce", "self" or "other" (auto-reply, delay notice) */
	int64_t application;  /* 0: unlinked */
	/* in_reply_to, sender, subject_ref, message_id (a self copy),
	 * returned_id / bounce_recipient (a bounce), manual; NULL when unlinked. */
	const char *method;
	/* For a bounce: 1 when what bounced is the application's inquiry
	 * (so the application is marked bounced), 0 when it is a later
	 * message of ours (a decline) or cannot be told. */
	int bounced_inquiry;
};

/* Classifies and links r, which arrived in mailbox (a persona's address). */
int linker_classify(struct study *s, const struct reply *r, const char *mailbox,
		    struct link_result *out, struct ct_err *err);

/* Writes the classification onto message row msg (kind, from_addr, subject,
 * in_reply_to, application, link_method); a bounce of an inquiry marks the
 * application 'bounced' with last_error = the reason (when it is 'sent' or
 * 'sending'); appends an event (no landlord data in it: the event log
 * cannot be purged). Inside the caller's transaction. */
int linker_store(struct study *s, int64_t msg, const struct reply *r, const struct link_result *lr,
		 struct ct_err *err);

/* A linking session over one study, for a caller that links many messages
 * in a row (the inbox engine): its statements are prepared once and kept.
 * linker_classify_in and linker_store_in do what linker_classify and
 * linker_store do. Close it (linker_close) before the study. */
struct linker;
int linker_open(struct study *s, struct linker **out, struct ct_err *err);
void linker_close(struct linker *l);
int linker_classify_in(struct linker *l, const struct reply *r, const char *mailbox,
		       struct link_result *out, struct ct_err *err);
int linker_store_in(struct linker *l, int64_t msg, const struct reply *r,
		    const struct link_result *lr, struct ct_err *err);

/* Links message msg (incoming) to application app by hand (method
 * 'manual'): CT_EINPUT when either does not exist, the message is outgoing,
 * or it is already linked (unless force). A bounce linked this way marks
 * the application bounced, and a bounce moved away (force) puts the
 * application it leaves back to 'sent' unless another bounce is linked to
 * it. *was (may be NULL) gets the previous
 * application, 0 if none. Runs its own transaction with an event. */
int linker_manual(struct study *s, int64_t msg, int64_t app, int force, int64_t *was,
		  struct ct_err *err);

/* Whether a listing ref appears in text as a whole token (not inside a
 * longer run of letters and digits), case-insensitively. */
int linker_ref_in(const char *text, const char *ref);

#endif
