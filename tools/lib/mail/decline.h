/* decline.h: withdrawing politely after an invitation: which applications
 * to decline, the withdrawal as a reply in the landlord's thread (in the
 * study's language), and its delivery through the delivery engine
 * (delivery.h, kind DELIVERY_WITHDRAWAL). Headers of the stored messages
 * (our inquiry's Subject, the landlord's reply) are read with GMime, from
 * the header block only (reply_parse_subject, reply_parse_headers), so
 * encoded words are decoded as any mail reader does. Never prints. */
#ifndef CT_DECLINE_H
#define CT_DECLINE_H

#include <stddef.h>

#include "mail/mailcfg.h"
#include "store/study.h"
#include "base/util.h"

/* One invitation to decline and the thread it belongs to. Every string is
 * owned (decline_free); NULL when absent. */
struct decline_item {
	long long app;
	char *ref, *area, *title, *url, *contact;
	char *first, *last, *email, *phone;
	char *app_msgid;   /* our inquiry's Message-ID */
	/* The landlord's latest linked reply, if any: its Message-ID, sender
	 * and decoded subject. */
	char *reply_msgid, *reply_from, *reply_subject;
	char *our_subject; /* our inquiry's Subject, decoded */
	char *invited_at;  /* when the invitation came (UTC ISO 8601) */
	double waited_h;   /* hours from the invitation to now */
	int late;          /* waited longer than [mail] decline_within_hours */
	/* A withdrawal stored by an earlier run that may or may not have left. */
	long long pending_msg;
	char *pending_raw, *pending_msgid;
	size_t pending_len;
	/* The withdrawal (decline_build_all): To, decoded Subject, Message-ID,
	 * the message (raw NULL when a dry run only checked it) and its text
	 * (body NULL when it is the stored one). */
	char *to, *subject, *msgid, *raw, *body;
	size_t len;
	/* What decline_send did. */
	int sent, recovered, failed, taken;
	int status;        /* the ct_status of the failure, 0 if none */
	char *error;       /* why it failed */
	char *file_error;  /* sent, but not filed in the Sent folder: why */
};

/* The applications whose current outcome is 'invitation', that were sent,
 * and whose withdrawal was neither recorded as sent nor as refused by the
 * server ('decline-failed'), in application order. within_hours: [mail]
 * decline_within_hours, for late. *out: decline_free. */
int decline_load(struct study *s, double within_hours, struct decline_item **out, int *n,
		 struct ct_err *err);
void decline_free(struct decline_item *v, int n);

struct template;
/* The withdrawal template: the study's templates/decline.txt if there is
 * one, else the embedded templates/decline/LANG.txt. *t: template_free. */
int decline_template(struct study *s, struct template **t, struct ct_err *err);

/* Builds the withdrawals v[0..n): for each, the one an earlier run stored,
 * or a fresh reply to the landlord's reply (In-Reply-To it, To its sender)
 * when one was linked, else to our inquiry and the listing's contact;
 * Subject "Re: " and the thread's subject without its "Re:"s (our own when
 * the landlord's cannot go in a header). An item that cannot be built gets
 * failed, status and error. check_only (a dry run): every item is
 * validated exactly as building it would be, but only the first fresh one
 * of each persona is built (raw set); the others keep raw NULL, with their
 * To, Subject, Message-ID and body filled. Returns CT_OK, or the worst
 * status of the failed items (CT_EENV wins). */
int decline_build_all(struct study *s, const struct template *t, struct decline_item *v, int n,
		      int check_only);

/* Sends every built item (not failed) through one delivery engine: a
 * stored one is first looked for over IMAP. Fills sent, recovered, failed,
 * taken, status, error and file_error of each. Returns CT_OK, or the worst
 * status of the items that failed (CT_EENV wins). */
int decline_send(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 struct decline_item *v, int n);

#endif
