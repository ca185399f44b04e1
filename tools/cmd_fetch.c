/* cmd_fetch.c: corrtest fetch: collect new messages from every persona's
 * mailbox over IMAP, store each raw message before anything is derived from
 * it, then classify and link it (tools/lib/reply.c, linker.c). Also lists
 * the unlinked queue and shows one message's decoded text. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mail/imap.h"
#include "io/json.h"
#include "mail/linker.h"
#include "mail/mailcfg.h"
#include "mail/reply.h"
#include "io/table.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_fetch_usage[] =
	"usage: corrtest fetch [--mailbox ADDRESS]\n"
	"       corrtest fetch --unlinked\n"
	"       corrtest fetch --show MSG\n"
	"\n"
	"Reads every new message in the INBOX (and Junk or Spam, when they exist) of\n"
	"each persona that has sent an application, over IMAP ([mail] imap_url; the\n"
	"passwords come from secrets.ini or $CORRTEST_SECRETS). Each message is stored\n"
	"raw first, then classified (reply, bounce, a copy of our own message, or an\n"
	"automatic reply) and linked to its application: by In-Reply-To/References to\n"
	"our Message-ID, else by the sender being the listing's contact, else by the\n"
	"listing's ref in the subject. A bounce marks its application bounced (the pair\n"
	"is then excluded by stats) with the reason. Messages already stored (same\n"
	"Message-ID or same bytes in that mailbox) are skipped; a new UIDVALIDITY makes\n"
	"the folder be read again from the start. Linking does not code a reply: the\n"
	"outcome is recorded later (corrtest log).\n"
	"\n"
	"  --mailbox ADDRESS  only this persona's mailbox\n"
	"  --unlinked         list the incoming messages not linked to an application\n"
	"                     (link one with: corrtest link MSG APP)\n"
	"  --show MSG         print message MSG's sender, subject, link and decoded text\n"
	"  --json             machine-readable output\n"
	"\n"
	"Exit status 3 when a mailbox could not be read (the others are still read).\n";

/* Counts for the summary. */
struct tally {
	int mailboxes, folders, fresh, duplicates, bounces, self, other, unlinked, errors;
	int reply_by[4]; /* in_reply_to, sender, subject_ref, other method */
};

static const char *const reply_methods[] = { "in_reply_to", "sender", "subject_ref" };

static void tally_link(struct tally *t, const struct link_result *lr)
{
	if (!lr->application)
		t->unlinked++;
	if (!strcmp(lr->kind, "bounce")) {
		t->bounces++;
	} else if (!strcmp(lr->kind, "self")) {
		t->self++;
	} else if (!strcmp(lr->kind, "other")) {
		t->other++;
	} else if (lr->application) {
		int i = 0;
		while (i < 3 && strcmp(lr->method, reply_methods[i]))
			i++;
		t->reply_by[i]++;
	}
}

/* Parses raw into *r. An empty message (the only thing reply_parse refuses)
 * is read as an empty one: classified as an unlinked reply. */
static int parse(const char *raw, size_t len, struct reply **r, struct ct_err *err)
{
	int rc = reply_parse(raw, len, r, err);
	return rc == CT_EINPUT ? reply_parse("\n", 1, r, err) : rc;
}

/* Classifies and links stored message msg, as parse() read it, in its own
 * transaction. */
static int derive(struct study *s, int64_t msg, const struct reply *r, const char *persona,
		  struct tally *t, struct ct_err *err)
{
	struct link_result lr;
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = linker_classify(s, r, persona, &lr, err);
	if (!rc)
		rc = linker_store(s, msg, r, &lr, err);
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		return rc;
	}
	tally_link(t, &lr);
	return CT_OK;
}

/* The persona whose mailbox message row msg came from: the address before
 * any "/Folder" suffix. Caller frees. */
static char *persona_of(const char *mailbox)
{
	const char *slash = strchr(mailbox, '/');
	return slash ? xstrndup(mailbox, (size_t)(slash - mailbox)) : xstrdup(mailbox);
}

/* Derives what an earlier run stored but did not get to classify (it was
 * interrupted between the two transactions). */
static int derive_pending(struct study *s, struct tally *t, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	int n = 0, cap = 0;
	int rc = study_prepare(s, "SELECT id FROM message WHERE direction = 'in' AND kind IS NULL"
				  " AND raw IS NOT NULL ORDER BY id", &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap)
			ids = xrealloc(ids, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*ids));
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (int i = 0; !rc && i < n; i++) {
		if ((rc = study_prepare(s, "SELECT raw, mailbox FROM message WHERE id = ?1", &st, err)))
			break;
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			char *who = persona_of(sqlite3_column_text(st, 1)
						       ? (const char *)sqlite3_column_text(st, 1) : "");
			struct reply *r = NULL;
			rc = parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &r,
				   err);
			if (!rc)
				rc = derive(s, ids[i], r, who, t, err);
			reply_free(r);
			free(who);
		}
		sqlite3_finalize(st);
	}
	free(ids);
	return rc;
}

/* An earlier copy of this message in this persona's mailbox (any folder):
 * same Message-ID, or the same bytes. Inside the transaction, so that two
 * runs at once cannot both store it. */
static int is_duplicate(struct study *s, const char *persona, const char *msgid, const char *sha,
			int *dup, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = study_prepare(s, "SELECT 1 FROM message WHERE direction = 'in' AND"
				  " (mailbox = ?1 OR substr(mailbox, 1, length(?1) + 1) = ?1 || '/')"
				  " AND (sha256 = ?2 OR (?3 IS NOT NULL AND message_id = ?3)) LIMIT 1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, persona, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, msgid, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*dup = r == SQLITE_ROW;
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(s, err, "looking for duplicates");
}

static int save_state(struct study *s, const char *persona, const char *folder, uint32_t uidvalidity,
		      uint32_t uid, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_prepare(
		s,
		"INSERT INTO mailbox_state (mailbox, folder, uidvalidity, last_uid, checked_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (mailbox, folder) DO UPDATE SET"
		" last_uid = CASE WHEN uidvalidity = excluded.uidvalidity"
		"  THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,"
		" uidvalidity = excluded.uidvalidity, checked_at = excluded.checked_at",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, persona, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, uidvalidity);
	sqlite3_bind_int64(st, 4, uid);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	rc = study_step_done(s, st, err, "recording where fetch left off");
	sqlite3_finalize(st);
	return rc;
}

/* Where fetch left off in a folder: *known = 0 when never read. */
static int load_state(struct study *s, const char *persona, const char *folder, int *known,
		      uint32_t *uidvalidity, uint32_t *last_uid, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = study_prepare(s, "SELECT uidvalidity, last_uid FROM mailbox_state"
				  " WHERE mailbox = ?1 AND folder = ?2", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, persona, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	*known = r == SQLITE_ROW;
	if (*known) {
		*uidvalidity = (uint32_t)sqlite3_column_int64(st, 0);
		*last_uid = (uint32_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(s, err, "reading mailbox state");
}

/* Stores one fetched message (or skips it as a duplicate) and moves the
 * folder's state past it, in one transaction: a crash either keeps both or
 * neither, so no message is lost or stored twice. r: the message as
 * parse() read it; only its Message-ID (for the duplicate check) and Date go
 * into this transaction: what is derived from it waits until the raw bytes
 * are stored. *msg = the new row, 0 for a duplicate. */
static int store_one(struct study *s, const char *persona, const char *box, const char *folder,
		     uint32_t uidvalidity, uint32_t uid, const char *raw, size_t len,
		     const struct reply *r, int64_t *msg, struct ct_err *err)
{
	char sha[65], now[ISO_LEN], at[ISO_LEN];
	sqlite3_stmt *st = NULL;
	int dup = 0, rc;
	*msg = 0;
	sha256_hex(raw, len, sha);
	time_t tnow = time_now();
	time_iso_utc(tnow, now);
	const char *msgid = r->message_id;
	/* The Date the sender wrote, unless missing or from the future. */
	if (r->date_t > 0 && r->date_t <= tnow + 86400)
		time_iso_utc(r->date_t, at);
	else
		memcpy(at, now, ISO_LEN);

	if ((rc = study_begin(s, err)))
		return rc;
	if ((rc = is_duplicate(s, persona, msgid, sha, &dup, err)))
		goto fail;
	if (!dup) {
		if ((rc = study_prepare(s, "INSERT INTO message (direction, raw, sha256, at, mailbox,"
					   " uidvalidity, uid, message_id) VALUES ('in', ?1, ?2, ?3,"
					   " ?4, ?5, ?6, ?7)", &st, err)))
			goto fail;
		sqlite3_bind_blob(st, 1, raw, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, box, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, uidvalidity);
		sqlite3_bind_int64(st, 6, uid);
		sqlite3_bind_text(st, 7, msgid, -1, SQLITE_STATIC);
		rc = study_step_done(s, st, err, "storing a message");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
		*msg = sqlite3_last_insert_rowid(s->db);
	}
	if ((rc = save_state(s, persona, folder, uidvalidity, uid, err)))
		goto fail;
	char *subject = xasprintf("message %lld", (long long)*msg);
	char *detail = xasprintf("%s %s UID %u (UIDVALIDITY %u), %zu bytes, sha256 %s",
				 dup ? "skipped a duplicate from" : "stored from", box, uid,
				 uidvalidity, len, sha);
	rc = study_event(s, dup ? "fetch.duplicate" : "fetch.store", dup ? NULL : subject, detail,
			 err);
	free(subject);
	free(detail);
	if (!rc)
		rc = study_commit(s, err);
fail:
	if (rc)
		study_rollback(s);
	return rc;
}

/* Reads one folder of one mailbox. */
static int fetch_folder(struct cmd_ctx *ctx, struct imap_session *im, const char *persona,
			const char *folder, struct tally *t, struct ct_err *err)
{
	struct study *s = ctx->study;
	struct imap_folder_status fs = { 0 };
	uint32_t *uids = NULL, known_v = 0, last = 0;
	size_t n = 0;
	int known = 0;
	int rc = imap_status(im, folder, &fs, err);
	if (rc)
		return rc;
	if ((rc = load_state(s, persona, folder, &known, &known_v, &last, err)))
		return rc;
	char *box = strcmp(folder, "INBOX") ? xasprintf("%s/%s", persona, folder) : xstrdup(persona);
	uint32_t from = 1;
	if (known && known_v == fs.uidvalidity) {
		from = last + 1;
	} else if (known) {
		/* The folder was rebuilt: its UIDs mean other messages now. Read it
		 * all again; what is already stored is recognised as duplicate. */
		char *det = xasprintf("%s: UIDVALIDITY %u, was %u; reading it again from UID 1",
				      box, fs.uidvalidity, known_v);
		if (!(rc = study_begin(s, err))) {
			rc = study_event(s, "fetch.uidvalidity", persona, det, err);
			if (!rc)
				rc = save_state(s, persona, folder, fs.uidvalidity, 0, err);
			if (!rc)
				rc = study_commit(s, err);
			if (rc)
				study_rollback(s);
		}
		free(det);
		if (rc)
			goto out;
	}
	t->folders++;
	/* UIDNEXT says whether anything is new without a search. */
	if (fs.uidnext && from >= fs.uidnext && known && known_v == fs.uidvalidity)
		goto out;
	if ((rc = imap_search_from(im, folder, from, &uids, &n, err)))
		goto out;
	for (size_t i = 0; !rc && i < n; i++) {
		char *raw = NULL;
		size_t len = 0;
		int64_t msg = 0;
		struct reply *r = NULL;
		if ((rc = imap_fetch(im, folder, uids[i], &raw, &len, err)))
			break;
		/* Parsed once: the Message-ID for the duplicate check, then,
		 * once the raw bytes are stored, the classification. */
		rc = parse(raw, len, &r, err);
		if (!rc)
			rc = store_one(s, persona, box, folder, fs.uidvalidity, uids[i], raw, len, r,
				       &msg, err);
		if (!rc && !msg)
			t->duplicates++;
		if (!rc && msg) {
			t->fresh++;
			rc = derive(s, msg, r, persona, t, err);
		}
		reply_free(r);
		free(raw);
	}
	if (!rc && !n && (!known || known_v != fs.uidvalidity)) {
		/* Nothing there yet: remember the UIDVALIDITY all the same. */
		if (!(rc = study_begin(s, err))) {
			rc = save_state(s, persona, folder, fs.uidvalidity, from - 1, err);
			if (!rc)
				rc = study_commit(s, err);
			if (rc)
				study_rollback(s);
		}
	}
out:
	free(uids);
	free(box);
	return rc;
}

struct mailbox_error {
	char *mailbox, *msg;
	int status;
};

static int do_fetch(struct cmd_ctx *ctx, const char *only)
{
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	struct mailcfg *mc = NULL;
	struct mail_secrets *sec = NULL;
	struct tally t = { 0 };
	struct mailbox_error *errs = NULL;
	int nerrs = 0, worst = CT_OK;
	char **boxes = NULL;
	int nboxes = 0;
	sqlite3_stmt *st = NULL;

	int rc = mailcfg_load(s->cfg, &mc, &err);
	if (!rc)
		rc = mailcfg_require(mc, "imap_url", &err);
	if (!rc)
		rc = mailcfg_secrets_load(s->dir, &sec, &err);
	if (!rc)
		rc = derive_pending(s, &t, &err);
	/* Personas that have written: only their mailboxes can hold replies. */
	if (!rc)
		rc = study_prepare(s, "SELECT DISTINCT lower(p.email) FROM persona p JOIN application a"
				      " ON a.persona = p.id WHERE a.status NOT IN ('planned', 'cancelled')"
				      " ORDER BY p.id", &st, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 0);
		if (only && strcasecmp(only, e))
			continue;
		boxes = xrealloc(boxes, (size_t)(nboxes + 1) * sizeof(*boxes));
		boxes[nboxes++] = xstrdup(e);
	}
	sqlite3_finalize(st);
	if (only && !nboxes) {
		rc = cmd_errorf(ctx, CT_EINPUT,
				"no persona with address '%s' has sent an application", only);
		goto out;
	}

	for (int b = 0; b < nboxes; b++) {
		const char *who = boxes[b];
		const char *pw = mailcfg_password(sec, who);
		struct imap_session *im = NULL;
		struct ct_err e = { 0 };
		t.mailboxes++;
		if (!pw) {
			ct_fail(&e, CT_EINPUT, "%s has no password for mailbox %s",
				mailcfg_secrets_path(sec), who);
		} else if (!imap_open(mc, who, pw, &im, &e)) {
			static const char *const extra[] = { "Junk", "Spam" };
			int frc = fetch_folder(ctx, im, who, "INBOX", &t, &e);
			for (size_t f = 0; !frc && f < ARRAY_SIZE(extra); f++) {
				int exists = 0;
				frc = imap_folder_exists(im, extra[f], &exists, &e);
				if (!frc && exists)
					frc = fetch_folder(ctx, im, who, extra[f], &t, &e);
			}
			if (frc && imap_auth_failed(im))
				ct_fail(&e, CT_EENV, "mailbox %s: the server refused the login (wrong "
					"password in %s?)", who, mailcfg_secrets_path(sec));
			if (!frc)
				memset(&e, 0, sizeof(e));
			imap_close(im);
		}
		if (e.status) {
			errs = xrealloc(errs, (size_t)(nerrs + 1) * sizeof(*errs));
			errs[nerrs].mailbox = xstrdup(who);
			errs[nerrs].msg = xstrdup(e.msg);
			errs[nerrs].status = e.status;
			nerrs++;
			if (worst != CT_EENV)
				worst = e.status;
			cmd_errorf(ctx, e.status, "%s", e.msg);
		}
	}
	t.errors = nerrs;
	int replies = t.reply_by[0] + t.reply_by[1] + t.reply_by[2] + t.reply_by[3];
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "mailboxes");
		json_int(&j, t.mailboxes);
		json_key(&j, "folders");
		json_int(&j, t.folders);
		json_key(&j, "new");
		json_int(&j, t.fresh);
		json_key(&j, "duplicates");
		json_int(&j, t.duplicates);
		json_key(&j, "replies");
		json_int(&j, replies);
		json_key(&j, "linked_by");
		json_obj_begin(&j);
		for (int i = 0; i < 3; i++) {
			json_key(&j, reply_methods[i]);
			json_int(&j, t.reply_by[i]);
		}
		json_obj_end(&j);
		json_key(&j, "bounces");
		json_int(&j, t.bounces);
		json_key(&j, "self");
		json_int(&j, t.self);
		json_key(&j, "other");
		json_int(&j, t.other);
		json_key(&j, "unlinked");
		json_int(&j, t.unlinked);
		json_key(&j, "errors");
		json_arr_begin(&j);
		for (int i = 0; i < nerrs; i++) {
			json_obj_begin(&j);
			json_key(&j, "mailbox");
			json_str(&j, errs[i].mailbox);
			json_key(&j, "error");
			json_str(&j, errs[i].msg);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Read %d mailbox%s: %d new message%s", t.mailboxes, t.mailboxes == 1 ? "" : "es",
		       t.fresh, t.fresh == 1 ? "" : "s");
		if (t.duplicates)
			printf(", %d duplicate%s skipped", t.duplicates, t.duplicates == 1 ? "" : "s");
		printf(".\n");
		printf("  replies linked   %d (In-Reply-To %d, sender %d, ref in subject %d)\n",
		       replies, t.reply_by[0], t.reply_by[1], t.reply_by[2]);
		printf("  bounces          %d\n", t.bounces);
		printf("  own copies       %d\n", t.self);
		printf("  automatic        %d\n", t.other);
		printf("  unlinked         %d%s\n", t.unlinked,
		       t.unlinked ? " (corrtest fetch --unlinked; corrtest link MSG APP)" : "");
		if (nerrs)
			printf("  mailbox errors   %d\n", nerrs);
	}
	rc = worst;
	if (!rc)
		rc = cmd_flush(ctx);
out:
	for (int i = 0; i < nerrs; i++)
		free(errs[i].mailbox), free(errs[i].msg);
	free(errs);
	for (int i = 0; i < nboxes; i++)
		free(boxes[i]);
	free(boxes);
	mailcfg_secrets_free(sec);
	mailcfg_free(mc);
	return rc;
}

static int do_unlinked(struct cmd_ctx *ctx)
{
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	sqlite3_stmt *st = NULL;
	int rc = study_prepare(s, "SELECT id, mailbox, kind, from_addr, subject, at FROM message"
				  " WHERE direction = 'in' AND application IS NULL ORDER BY id",
			       &st, &err);
	if (rc)
		return cmd_error(ctx, &err);
	static const char *const head[] = { "message", "mailbox", "kind", "from", "subject", "date" };
	struct table *tb = ctx->json ? NULL : table_new(6, head);
	struct json j;
	int n = 0;
	if (ctx->json) {
		json_init(&j, stdout, 0);
		json_arr_begin(&j);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *id = study_column_dup(st, 0, NULL), *box = study_column_dup(st, 1, NULL), *kind = study_column_dup(st, 2, NULL);
		char *from = study_column_dup(st, 3, NULL), *subj = study_column_dup(st, 4, NULL), *at = study_column_dup(st, 5, NULL);
		n++;
		if (ctx->json) {
			json_obj_begin(&j);
			json_key(&j, "message");
			json_int(&j, sqlite3_column_int64(st, 0));
			json_key(&j, "mailbox");
			json_str(&j, box);
			json_key(&j, "kind");
			json_str(&j, kind);
			json_key(&j, "from");
			json_str(&j, from);
			json_key(&j, "subject");
			json_str(&j, subj);
			json_key(&j, "date");
			json_str(&j, at);
			json_obj_end(&j);
		} else {
			const char *cells[] = { id, box, kind, from, subj, at };
			table_add(tb, cells);
		}
		free(id), free(box), free(kind), free(from), free(subj), free(at);
	}
	sqlite3_finalize(st);
	if (ctx->json) {
		json_arr_end(&j);
		json_end(&j);
	} else if (n) {
		table_print(tb, stdout);
		printf("%d unlinked message%s; link one with: corrtest link MSG APP\n", n,
		       n == 1 ? "" : "s");
	} else {
		printf("No unlinked messages.\n");
	}
	table_free(tb);
	return cmd_flush(ctx);
}

static int do_show(struct cmd_ctx *ctx, const char *arg)
{
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	sqlite3_stmt *st = NULL;
	long id;
	if (!parse_long(arg, &id) || id < 1)
		return cmd_usage_error(ctx, "--show needs a message id, not '%s'", arg);
	int rc = study_prepare(s, "SELECT direction, mailbox, kind, application, link_method, at,"
				  " raw FROM message WHERE id = ?1", &st, &err);
	if (rc)
		return cmd_error(ctx, &err);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cmd_errorf(ctx, CT_EINPUT, "no message %ld", id);
	}
	if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
		sqlite3_finalize(st);
		return cmd_errorf(ctx, CT_EINPUT, "message %ld was purged: its text is gone", id);
	}
	struct reply *r = NULL;
	rc = reply_parse(sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), &r, &err);
	if (rc) {
		sqlite3_finalize(st);
		return cmd_error(ctx, &err);
	}
	char *dir = study_column_dup(st, 0, NULL), *box = study_column_dup(st, 1, NULL), *kind = study_column_dup(st, 2, NULL);
	char *method = study_column_dup(st, 4, NULL), *at = study_column_dup(st, 5, NULL);
	int64_t app = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "message");
		json_int(&j, id);
		json_key(&j, "direction");
		json_str(&j, dir);
		json_key(&j, "mailbox");
		json_str(&j, box);
		json_key(&j, "kind");
		json_str(&j, kind);
		json_key(&j, "application");
		if (app)
			json_int(&j, app);
		else
			json_null(&j);
		json_key(&j, "link_method");
		json_str(&j, method);
		json_key(&j, "date");
		json_str(&j, at);
		json_key(&j, "message_id");
		json_str(&j, r->message_id);
		json_key(&j, "in_reply_to");
		json_str(&j, r->in_reply_to);
		json_key(&j, "from");
		json_str(&j, r->from_addr);
		json_key(&j, "from_name");
		json_str(&j, r->from_name);
		json_key(&j, "subject");
		json_str(&j, r->subject);
		json_key(&j, "text_from_html");
		json_bool(&j, r->text_from_html);
		json_key(&j, "bounce_reason");
		json_str(&j, r->bounce_reason);
		json_key(&j, "text");
		json_str(&j, r->text);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Message:     %ld (%s, %s)\n", id, dir, box ? box : "-");
		printf("Kind:        %s\n", kind ? kind : "-");
		if (app)
			printf("Application: %lld (linked by %s)\n", (long long)app, method ? method : "-");
		else
			printf("Application: - (unlinked)\n");
		printf("From:        %s%s%s%s\n", r->from_name ? r->from_name : "",
		       r->from_name ? " <" : "", r->from_addr ? r->from_addr : "-",
		       r->from_name ? ">" : "");
		printf("Subject:     %s\n", r->subject ? r->subject : "");
		printf("Date:        %s\n", at ? at : "-");
		printf("Message-ID:  %s\n", r->message_id ? r->message_id : "-");
		if (r->bounce_reason)
			printf("Bounce:      %s\n", r->bounce_reason);
		printf("\n%s", r->text);
		if (*r->text && r->text[strlen(r->text) - 1] != '\n')
			putchar('\n');
	}
	free(dir), free(box), free(kind), free(method), free(at);
	reply_free(r);
	return cmd_flush(ctx);
}

int cmd_fetch(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "unlinked", no_argument, NULL, 'u' },
					      { "show", required_argument, NULL, 's' },
					      { "mailbox", required_argument, NULL, 'm' },
					      { NULL, 0, NULL, 0 } };
	const char *show = NULL, *only = NULL;
	int unlinked = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': unlinked = 1; break;
		case 's': show = optarg; break;
		case 'm': only = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (unlinked + !!show + !!only > 1)
		return cmd_usage_error(ctx, "give at most one of --unlinked, --show MSG, --mailbox");
	if (unlinked)
		return do_unlinked(ctx);
	if (show)
		return do_show(ctx, show);
	return do_fetch(ctx, only);
}
