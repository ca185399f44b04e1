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

#endif
