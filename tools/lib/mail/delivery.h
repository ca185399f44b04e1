/* delivery.h: the one delivery engine. Every message corrtest sends from a
 * persona's mailbox (an application's inquiry, a decline's withdrawal, and
 * later follow-ups and re-tests) goes through it, exactly once:
 *
 *   stored --commit 'sending'--> SMTP (landlord + self copy) --250-->
 *     APPEND to Sent --> commit 'sent'
 *
 * with temporary failures (4xx, a dropped connection) retried with backoff
 * ([mail] retries), a lost 250 resolved by looking for the self copy,
 * permanent failures recorded once with the server's reply, [mail]
 * min_interval_seconds kept between two messages, and a message left in
 * flight by a run that died found in the Sent folder or INBOX (by its
 * Message-ID) instead of being sent twice. See docs/mail.md.
 *
 * The engine owns one SMTP and one IMAP session per persona mailbox,
 * opened on first use and reused. It never prints: a callback hears of
 * each finished job, each retry and each message that could not be filed
 * in Sent. */
#ifndef CT_DELIVERY_H
#define CT_DELIVERY_H

#include <stddef.h>

#include "mail/mailcfg.h"
#include "store/study.h"
#include "base/util.h"

/* What a message is, which decides where its state is kept. Adding a kind
 * (a follow-up in the thread, a re-test asking whether a listing is still
 * available) means adding its four recording steps to delivery.c (taken,
 * sent, failed, put back); the SMTP, retry, Sent and recovery logic is
 * shared. */
enum delivery_kind {
	/* An application's own message. State: application.status (planned,
	 * sending, sent, bounced, failed), attempts, last_error, sent_at. The
	 * message must already be stored (compose) with the application's
	 * Message-ID. */
	DELIVERY_APPLICATION = 0,
	/* A withdrawal after an invitation (decline). State: the message row
	 * (stored = in flight), then a decline row once sent; a permanent
	 * failure is an event 'decline-failed' (decline_load skips it). */
	DELIVERY_WITHDRAWAL
};

/* One message to deliver. Strings are borrowed for the call. */
struct delivery_job {
	enum delivery_kind kind;
	long long application; /* the application the message belongs to */
	/* The stored message row. DELIVERY_WITHDRAWAL: 0 when not stored yet;
	 * delivery_send stores raw first and sets it. */
	long long message;
	const char *mailbox;    /* the persona's address: login, MAIL FROM, self copy */
	const char *to;         /* the envelope recipient (the landlord) */
	const char *message_id; /* "<id@domain>", the raw message's own */
	const char *raw;        /* the message as stored (LF or CRLF line ends) */
	size_t len;
	const char *note;       /* a few words for the events; may be NULL */
};

enum delivery_result {
	DELIVERY_SENT = 0, /* the server took it in this call */
	DELIVERY_FOUND,    /* an earlier run had sent it: found in Sent or INBOX */
	DELIVERY_NOT_FOUND, /* an earlier run's message never reached the server:
			     * to be sent again (an application is planned again) */
	DELIVERY_BOUNCED,  /* 5xx to the landlord's RCPT TO: recorded, not retried */
	DELIVERY_FAILED,   /* other 5xx, or 4xx after [mail] retries: recorded, not retried */
	DELIVERY_TAKEN     /* another run took the job meanwhile: nothing done */
};

struct delivery_outcome {
	enum delivery_result result;
	int attempts;     /* SMTP transactions made in this call */
	char reply[512];  /* the server's last reply (or libcurl's error) */
	/* Sent (or found) but filing it in the Sent folder failed: the study
	 * records it as sent all the same; why is in file_error. */
	int not_filed;
	char file_error[1024];
};

/* What the callback is told. */
enum delivery_step {
	DELIVERY_STEP_RETRY,     /* a temporary failure; waiting out the backoff */
	DELIVERY_STEP_NOT_FILED, /* sent, but not filed in Sent (out->file_error) */
	DELIVERY_STEP_DONE       /* the job is finished (out->result) */
};
typedef void delivery_cb(void *arg, enum delivery_step step, const struct delivery_job *job,
			 const struct delivery_outcome *out);

struct delivery;

/* An engine for one run over study s, with the settings mc and passwords
 * sec (both borrowed; they must outlive the engine). sec may be NULL only
 * for an engine that will not send (it then refuses delivery_send). mc's
 * imap_url may be unset: then nothing is filed in Sent and a message in
 * flight cannot be looked for (it counts as not found). *out: free with
 * delivery_free, which closes every connection. */
int delivery_new(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 struct delivery **out, struct ct_err *err);
void delivery_free(struct delivery *d);
/* Sets the progress callback (NULL: none). */
void delivery_on_progress(struct delivery *d, delivery_cb *cb, void *arg);

/* Sends job. Before anything is recorded, the persona's password and SMTP
 * session are checked (a missing password changes nothing). Then the job
 * is marked taken (committed), the SMTP transaction runs with the persona
 * as second envelope recipient (the self copy), temporary failures are
 * retried with backoff, and the outcome is committed. Returns CT_OK when
 * the run may go on, whatever happened to this job (out->result says);
 * CT_EINPUT (no password, bad job) or CT_EENV (login refused, no server,
 * TLS failed, the database) when the run must stop: nothing was sent, an
 * application is put back to 'planned', a withdrawal stays stored (the
 * next run looks for it first, then sends it), and err says why, naming
 * the mailbox or the server. */
int delivery_send(struct delivery *d, struct delivery_job *job, struct delivery_outcome *out,
		  struct ct_err *err);

/* Resolves a job an earlier run left in flight (an application in
 * 'sending', a stored withdrawal without its decline row): looks for its
 * Message-ID in the Sent folder, then in INBOX (the self copy, which it
 * then files in Sent). Found: recorded as sent, DELIVERY_FOUND. Not found:
 * DELIVERY_NOT_FOUND, and an application goes back to 'planned' (both with
 * an event). CT_EENV when IMAP fails (nothing recorded). */
int delivery_recover(struct delivery *d, struct delivery_job *job, struct delivery_outcome *out,
		     struct ct_err *err);

/* The wording of a result for tables and messages: "sent", "found sent",
 * "not found", "bounced", "failed", "taken by another run". */
const char *delivery_result_name(enum delivery_result r);

#endif
