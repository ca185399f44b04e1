/* outbox.h: compose --outbox: every planned application's message written
 * to a Maildir folder (DIR/tmp, DIR/new, DIR/cur) and stored in the study,
 * all or nothing. The engine behind `corrtest compose --outbox`; it never
 * prints. */
#ifndef CT_OUTBOX_H
#define CT_OUTBOX_H

#include "messages/compose.h"

/* What a run wrote. apps[0..n) are the planned applications in schedule
 * order; those written have skip == 0 and fname set (the file's name in
 * DIR/new); skip is 1 for a withdrawn listing, 2 for not due, 3 for a
 * message a reader already took into DIR/cur. Owned: outbox_result_free. */
struct outbox_result {
	struct compose_app *apps;
	int n;
	int written, fresh; /* files written; of them, messages composed in this run */
	int skipped, not_due;
	int other_channel; /* planned for a channel other than smtp: see field list */
	int other_channel_removed; /* of them, files of an earlier run taken back */
	/* Unsent messages rendered again because their template changed (the
	 * Message-ID kept), and unsent messages whose template changed but
	 * that a reader already took into DIR/cur (kept as they are). */
	int rerendered, taken_stale;
};

/* Builds every planned application's message (the stored one unless force,
 * which composes again and keeps the Message-ID), then, when all could be
 * built, stores the new ones with one event and writes one file each,
 * named SCHEDULED-EPOCH.APPLICATION.corrtest, into dir/new. due writes only
 * applications scheduled at or before now.
 *
 * All or nothing: a message that cannot be built is added to probs (every
 * one is listed) and CT_EINPUT is returned before anything is written;
 * any failure later (CT_EENV, err) removes every file of the run and rolls
 * the study back. The study's write lock is taken before the folder is
 * touched. Durability and agreement: every file is staged in dir/tmp and
 * its data flushed in one sync of the file system before the study
 * commits; only then are the files moved into dir/new and the folder
 * synced. So dir/new never holds a message the study does not store, even
 * when the process is killed at any point; once the study has committed,
 * every message's bytes are on disk (in dir/tmp until moved, which a rerun
 * completes with the stored bytes). */
int outbox_write(struct study *s, const char *dir, int due, int force, struct outbox_result *out,
		 struct tpl_problems *probs, struct ct_err *err);
void outbox_result_free(struct outbox_result *r);

/* What withdrawing a listing did to the outbox files of its unsent
 * messages (message.outbox_file, recorded by outbox_write). Owned:
 * outbox_withdrawn_free. */
struct outbox_withdrawn {
	int removed; /* messages whose file was removed from new/ (or tmp/) */
	int taken;   /* already taken by a reader into cur/: left there */
	int missing; /* recorded but not found: the outbox moved or was emptied */
	char **taken_files; /* the files in cur/, as paths (taken of them) */
	char *detail;       /* the event's detail: note and these counts, or NULL */
};

/* Removes the outbox files (DIR/new and DIR/tmp) of the unsent ('planned')
 * applications of listing, as recorded in message.outbox_file (relative
 * to the study folder, or absolute). A file a reader already took into
 * DIR/cur is not removed (it may be on its way) but counted and named in
 * w->taken_files; a file no longer where it was recorded is counted as
 * missing. w->detail combines note (may be NULL) with the counts, for the
 * caller's event. Called inside the caller's transaction, before its
 * commit: should the commit fail, the next compose --outbox writes the
 * removed files again. CT_EENV when a file cannot be removed. */
int outbox_withdraw_listing(struct study *s, long long listing, const char *note,
			    struct outbox_withdrawn *w, struct ct_err *err);
/* The same for one application: its unsent message's outbox files (when it
 * moved to another channel, or its messages are composed anew). */
int outbox_withdraw_application(struct study *s, long long app, struct outbox_withdrawn *w,
				struct ct_err *err);
/* The same for every unsent message of the study (their messages are about
 * to be composed anew: personas follow study.ini, --redraw). */
int outbox_withdraw_unsent(struct study *s, struct outbox_withdrawn *w, struct ct_err *err);
void outbox_withdrawn_free(struct outbox_withdrawn *w);

#endif
