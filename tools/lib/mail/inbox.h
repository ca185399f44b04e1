/* inbox.h: the inbox engine. Reads the new messages of every persona's
 * mailbox over IMAP (INBOX, then Junk and Spam when they exist) by UID from
 * where the last run left off (a new UIDVALIDITY means the folder was
 * rebuilt: it is read again from UID 1), stores each message's raw bytes
 * before anything is derived from it, recognises copies already stored
 * by their content, then classifies and links each new message (linker.h) and marks the
 * applications whose inquiry bounced. Also reads back what it stored: the
 * unlinked queue and one message. `corrtest fetch` calls it; so can any
 * later command that needs the replies. Nothing here prints or exits:
 * progress goes to a callback, results into structs the caller frees. */
#ifndef CT_INBOX_H
#define CT_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "mail/reply.h"
#include "store/study.h"
#include "base/util.h"

/* What one run did. */
struct inbox_counts {
	int mailboxes;   /* mailboxes tried */
	int folders;     /* folders read */
	int fresh;       /* new messages stored and classified */
	/* Copies of a message already stored, recognised by content (never by
	 * Message-ID alone): the same bytes (not stored again) or a second
	 * delivery of the same message (its raw bytes stored, not linked). */
	int duplicates;
	int replies;     /* replies linked to an application, by any rule */
	int by_in_reply_to, by_sender, by_subject_ref; /* ... by each rule */
	int bounces;     /* bounces (linked or not) */
	int self;        /* copies of our own messages */
	int other;       /* automatic replies and delay notices */
	int unlinked;    /* new messages left in the unlinked queue */
};

/* A mailbox that could not be read; the others are read all the same. */
struct inbox_mailbox_error {
	char *mailbox; /* the persona's address */
	char *msg;     /* what went wrong, naming the mailbox; never a password */
	int status;    /* CT_EENV (server, network, login) or CT_EINPUT (no password) */
};

/* The outcome of inbox_fetch (free with inbox_report_free). */
struct inbox_report {
	struct inbox_counts n;
	struct inbox_mailbox_error *errors;
	int nerrors;
	/* CT_OK when every mailbox was read; else CT_EENV if any mailbox
	 * failed for the environment, else the status of the failures. */
	int status;
};
void inbox_report_free(struct inbox_report *r);

/* Progress, for a command that shows it. All pointers are borrowed for the
 * duration of the call. */
enum inbox_step {
	INBOX_MAILBOX_BEGIN,  /* mailbox: about to be read */
	INBOX_FOLDER_BEGIN,   /* mailbox, folder: total = the new UIDs found */
	INBOX_MESSAGES_DONE,  /* mailbox, folder: done of total messages stored and linked */
	INBOX_MAILBOX_FAILED  /* mailbox, error: the mailbox could not be read */
};
struct inbox_progress {
	enum inbox_step step;
	const char *mailbox, *folder;
	size_t done, total;
	const struct inbox_counts *n;             /* the counts so far */
	const struct inbox_mailbox_error *error;  /* INBOX_MAILBOX_FAILED only */
};
typedef void (*inbox_progress_fn)(void *arg, const struct inbox_progress *p);

struct inbox_options {
	const char *only;            /* one persona's address (any case), or NULL for all */
	inbox_progress_fn progress;  /* may be NULL */
	void *progress_arg;
};

/* Reads every mailbox of a persona that has sent an application (or only
 * o->only), with the study's [mail] settings and the passwords of its
 * secrets file. First derives what an interrupted earlier run stored but
 * did not classify. *out is filled (and must be freed) whenever CT_OK is
 * returned, also when some mailboxes failed (see out->status). Returns an
 * error without reading anything when the mail settings or secrets are
 * wrong, CT_EINPUT when o->only names no persona that has written, and
 * CT_EENV when the study cannot be written. */
int inbox_fetch(struct study *s, const struct inbox_options *o, struct inbox_report *out,
		struct ct_err *err);

/* One row of the unlinked queue: an incoming message linked to no
 * application. Strings owned; NULL when unknown. */
struct inbox_row {
	int64_t id;
	char *mailbox, *kind, *from, *subject, *at;
};
/* The unlinked queue, oldest first: *rows (free with inbox_rows_free), *n
 * may be 0. */
int inbox_unlinked(struct study *s, struct inbox_row **rows, int *n, struct ct_err *err);
void inbox_rows_free(struct inbox_row *rows, int n);

/* One stored message with what was derived from it and its text read again
 * from the raw bytes. Strings owned; NULL when unknown. */
struct inbox_message {
	int64_t id;
	char *direction, *mailbox, *kind, *link_method, *at;
	int64_t application; /* 0: unlinked */
	struct reply *r;     /* the raw bytes parsed (reply_parse) */
};
/* CT_EINPUT when there is no message id, or its raw bytes were purged.
 * *out: free with inbox_message_free. */
int inbox_message_read(struct study *s, int64_t id, struct inbox_message **out,
		       struct ct_err *err);
void inbox_message_free(struct inbox_message *m);

#endif
