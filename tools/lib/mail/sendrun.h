/* sendrun.h: a `send --live` run over a study: what is due, within the
 * daily quota, through the delivery engine (delivery.h), after resolving
 * what a run that died left in 'sending'. One run per study at a time
 * (a lock on the study folder). Never prints: progress goes to a
 * callback, the figures to a summary. */
#ifndef CT_SENDRUN_H
#define CT_SENDRUN_H

#include <time.h>

#include "mail/delivery.h"
#include "mail/mailcfg.h"
#include "store/study.h"
#include "base/util.h"

struct sendrun_summary {
	long sent, failed, bounced;
	long recovered, requeued; /* applications an interrupted run left in 'sending' */
	long not_filed;           /* sent, but not filed in the Sent folder */
	long rerendered;          /* stored unsent messages composed again: template changed */
	int done, total;          /* applications finished so far / known to be due */
};

enum sendrun_note {
	SENDRUN_PROGRESS,  /* an application is finished (sum updated) */
	SENDRUN_NOT_FILED, /* application was sent, but filing it in Sent failed: detail */
	SENDRUN_WAITING    /* --until-done: sleeping until `until` */
};

struct sendrun_progress {
	enum sendrun_note what;
	const struct sendrun_summary *sum;
	long long application; /* SENDRUN_NOT_FILED */
	const char *detail;    /* SENDRUN_NOT_FILED: why */
	time_t until;          /* SENDRUN_WAITING */
};
typedef void sendrun_cb(void *arg, const struct sendrun_progress *p);

struct sendrun_opts {
	int until_done; /* keep going, sleeping until the next due time */
	long limit;     /* at most this many applications; -1: no limit */
	sendrun_cb *cb; /* may be NULL */
	void *cb_arg;
};

/* The run: takes the study's sending lock (CT_EENV "another 'corrtest send
 * --live' is running" when held), resolves every application left in
 * 'sending', then sends what is due (scheduled at or before now, listing
 * not withdrawn, planned channel smtp: the others are sent by hand and
 * recorded with corrtest field) within [schedule] daily_quota and o->limit. Each pass
 * readies its messages before sending the first, as compose --outbox
 * does: the stored message where compose wrote one (its To: must still be
 * the listing's contact), otherwise composed with the templates read once
 * and stored, all in one transaction with one event; a message that cannot
 * be readied stops the run before any of the pass is sent. mc and sec are
 * borrowed (mc with smtp_url and imap_url set). *sum is filled as far as
 * the run got, also on failure. CT_EINPUT: a bad message, a missing
 * password or contact;
 * CT_EENV: the server, the login, TLS, the database. */
int sendrun_live(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 const struct sendrun_opts *o, struct sendrun_summary *sum, struct ct_err *err);

/* Applications still planned for smtp whose listing is not withdrawn. */
long sendrun_count_planned(struct study *s);

#endif
