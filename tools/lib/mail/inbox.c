/* inbox.c: the inbox engine (see inbox.h): IMAP by UID, raw bytes stored
 * first, copies recognised, then classification and links. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/imap.h"
#include "mail/inbox.h"
#include "mail/linker.h"
#include "mail/mailcfg.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* One run: the study, the caller's options and the counts so far. */
struct run {
	struct study *s;
	const struct inbox_options *o;
	struct inbox_counts *n;
};

static void report(struct run *x, enum inbox_step step, const char *mailbox, const char *folder,
		   size_t done, size_t total, const struct inbox_mailbox_error *e)
{
	if (!x->o->progress)
		return;
	struct inbox_progress p = { step, mailbox, folder, done, total, x->n, e };
	x->o->progress(x->o->progress_arg, &p);
}

static void count_link(struct inbox_counts *n, const struct link_result *lr)
{
	if (!lr->application)
		n->unlinked++;
	if (!strcmp(lr->kind, "bounce")) {
		n->bounces++;
	} else if (!strcmp(lr->kind, "self")) {
		n->self++;
	} else if (!strcmp(lr->kind, "other")) {
		n->other++;
	} else if (lr->application) {
		n->replies++;
		if (!strcmp(lr->method, "in_reply_to"))
			n->by_in_reply_to++;
		else if (!strcmp(lr->method, "sender"))
			n->by_sender++;
		else if (!strcmp(lr->method, "subject_ref"))
			n->by_subject_ref++;
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
static int derive(struct run *x, int64_t msg, const struct reply *r, const char *persona,
		  struct ct_err *err)
{
	struct link_result lr;
	int rc = study_begin(x->s, err);
	if (rc)
		return rc;
	rc = linker_classify(x->s, r, persona, &lr, err);
	if (!rc)
		rc = linker_store(x->s, msg, r, &lr, err);
	if (!rc)
		rc = study_commit(x->s, err);
	if (rc) {
		study_rollback(x->s);
		return rc;
	}
	count_link(x->n, &lr);
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
static int derive_pending(struct run *x, struct ct_err *err)
{
	struct study *s = x->s;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	int n = 0, cap = 0;
	int rc = study_prepare(s, "SELECT id FROM message WHERE direction = 'in' AND kind IS NULL"
				  " AND raw IS NOT NULL AND duplicate_of IS NULL ORDER BY id", &st, err);
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
				rc = derive(x, ids[i], r, who, err);
			reply_free(r);
			free(who);
		}
		sqlite3_finalize(st);
	}
	free(ids);
	return rc;
}

/* Trace fields: what delivery puts on top of a message (RFC 5321 section
 * 4.4 and the fields servers add beside them). Two deliveries of one
 * message differ only there. */
static int trace_field(const char *name, size_t n)
{
	static const char *const names[] = { "Return-Path", "Received", "Delivered-To",
					     "X-Original-To", "X-Delivered-To", "Envelope-To",
					     "X-Envelope-To", "X-Envelope-From", "Received-SPF",
					     "Authentication-Results", "ARC-Seal",
					     "ARC-Message-Signature", "ARC-Authentication-Results" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && !strncasecmp(name, names[i], n))
			return 1;
	return 0;
}

/* SHA-256 (hex) of raw without the trace fields at its top: what the
 * sender wrote. */
static void content_sha256(const char *raw, size_t len, char out[65])
{
	size_t p = 0;
	while (p < len) {
		size_t colon = p;
		while (colon < len && raw[colon] != ':' && raw[colon] != '\n' && raw[colon] != ' ')
			colon++;
		if (colon >= len || raw[colon] != ':' || !trace_field(raw + p, colon - p))
			break;
		/* Past the field's last (folded) line. */
		const char *nl = memchr(raw + colon, '\n', len - colon);
		while (nl && nl + 1 < raw + len && (nl[1] == ' ' || nl[1] == '\t'))
			nl = memchr(nl + 1, '\n', (size_t)(raw + len - nl - 1));
		p = nl ? (size_t)(nl - raw) + 1 : len;
	}
	sha256_hex(raw + p, len - p, out);
}

/* Messages fetched before schema version 3 have no content hash: computed
 * once, in one transaction, so that their second deliveries are
 * recognised too. */
static int backfill_content_hashes(struct study *s, struct ct_err *err)
{
	sqlite3_stmt *sel = NULL, *up = NULL;
	int rc = study_begin(s, err), r = SQLITE_DONE;
	if (rc)
		return rc;
	rc = study_prepare(s, "SELECT id, raw FROM message WHERE direction = 'in' AND"
			      " content_sha256 IS NULL AND raw IS NOT NULL", &sel, err);
	if (!rc)
		rc = study_prepare(s, "UPDATE message SET content_sha256 = ?2 WHERE id = ?1", &up, err);
	int n = 0;
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		char csha[65];
		content_sha256(sqlite3_column_blob(sel, 1), (size_t)sqlite3_column_bytes(sel, 1), csha);
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, sqlite3_column_int64(sel, 0));
		sqlite3_bind_text(up, 2, csha, -1, SQLITE_TRANSIENT);
		rc = study_step_done(s, up, err, "recording a content hash");
		n++;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading stored messages");
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	if (!rc && n) {
		char *det = xasprintf("content hashes of %d stored messages", n);
		rc = study_event(s, "fetch.content-hash", NULL, det, err);
		free(det);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc)
		study_rollback(s);
	return rc;
}

/* An earlier copy of a message in this persona's mailbox (any folder).
 * *same_bytes: a message with exactly these bytes (nothing new to store);
 * else *copy_of: the first message with the same content (a second
 * delivery: its bytes are stored, nothing derived). Never by Message-ID:
 * two different messages may carry one. Inside the transaction, so that
 * two runs at once cannot both store a message as new. */
static int find_copy(struct study *s, const char *persona, const char *sha, const char *csha,
		     int *same_bytes, int64_t *copy_of, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	*same_bytes = 0;
	*copy_of = 0;
	int rc = study_prepare(s, "SELECT sha256 = ?2, coalesce(duplicate_of, id) FROM message"
				  " WHERE direction = 'in' AND (sha256 = ?2 OR content_sha256 = ?3)"
				  " AND (mailbox = ?1 OR substr(mailbox, 1, length(?1) + 1) = ?1 || '/')"
				  " ORDER BY sha256 = ?2 DESC, id LIMIT 1",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, persona, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, csha, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*same_bytes = sqlite3_column_int(st, 0);
		*copy_of = *same_bytes ? 0 : sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(s, err, "looking for copies");
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

/* Stores one fetched message and moves the folder's state past it, in one
 * transaction: a crash either keeps both or neither, so no message is lost
 * or stored twice. Every message's raw bytes are stored, unless a message
 * with exactly these bytes already is (the same message seen again, e.g.
 * after a new UIDVALIDITY). r: the message as parse() read it; only its
 * Message-ID and Date go into this transaction: what is derived from it
 * waits until the raw bytes are stored. *msg = the new row, 0 when nothing
 * was stored; *copy_of = the message it is a second delivery of (stored,
 * nothing to derive), else 0. */
static int store_one(struct study *s, const char *persona, const char *box, const char *folder,
		     uint32_t uidvalidity, uint32_t uid, const char *raw, size_t len,
		     const struct reply *r, int64_t *msg, int64_t *copy_of, struct ct_err *err)
{
	char sha[65], csha[65], now[ISO_LEN], at[ISO_LEN];
	sqlite3_stmt *st = NULL;
	int same = 0, rc;
	*msg = 0;
	sha256_hex(raw, len, sha);
	content_sha256(raw, len, csha);
	time_t tnow = time_now();
	time_iso_utc(tnow, now);
	/* The Date the sender wrote, unless missing or from the future. */
	if (r->date_t > 0 && r->date_t <= tnow + 86400)
		time_iso_utc(r->date_t, at);
	else
		memcpy(at, now, ISO_LEN);

	if ((rc = study_begin(s, err)))
		return rc;
	if ((rc = find_copy(s, persona, sha, csha, &same, copy_of, err)))
		goto fail;
	if (!same) {
		if ((rc = study_prepare(s, "INSERT INTO message (direction, raw, sha256, at, mailbox,"
					   " uidvalidity, uid, message_id, content_sha256, duplicate_of)"
					   " VALUES ('in', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
					&st, err)))
			goto fail;
		sqlite3_bind_blob(st, 1, raw, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, box, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, uidvalidity);
		sqlite3_bind_int64(st, 6, uid);
		sqlite3_bind_text(st, 7, r->message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, csha, -1, SQLITE_STATIC);
		if (*copy_of)
			sqlite3_bind_int64(st, 9, *copy_of);
		else
			sqlite3_bind_null(st, 9);
		rc = study_step_done(s, st, err, "storing a message");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
		*msg = sqlite3_last_insert_rowid(s->db);
	}
	if ((rc = save_state(s, persona, folder, uidvalidity, uid, err)))
		goto fail;
	char *subject = xasprintf("message %lld", (long long)*msg);
	char *copy = *copy_of ? xasprintf(", a second delivery of message %lld", (long long)*copy_of)
			      : xstrdup("");
	char *detail = xasprintf("%s %s UID %u (UIDVALIDITY %u), %zu bytes, sha256 %s%s",
				 same ? "skipped a duplicate from" : "stored from", box, uid,
				 uidvalidity, len, sha, copy);
	rc = study_event(s, same ? "fetch.duplicate" : "fetch.store", same ? NULL : subject, detail,
			 err);
	free(subject);
	free(copy);
	free(detail);
	if (!rc)
		rc = study_commit(s, err);
fail:
	if (rc)
		study_rollback(s);
	return rc;
}

/* Records a folder's state (and, when it changed, its new UIDVALIDITY) in
 * a transaction of its own. */
static int save_state_tx(struct study *s, const char *persona, const char *folder,
			 uint32_t uidvalidity, uint32_t uid, const char *event_detail,
			 struct ct_err *err)
{
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if (event_detail)
		rc = study_event(s, "fetch.uidvalidity", persona, event_detail, err);
	if (!rc)
		rc = save_state(s, persona, folder, uidvalidity, uid, err);
	if (!rc)
		rc = study_commit(s, err);
	if (rc)
		study_rollback(s);
	return rc;
}

/* Reads one folder of one mailbox. */
static int fetch_folder(struct run *x, struct imap_session *im, const char *persona,
			const char *folder, struct ct_err *err)
{
	struct study *s = x->s;
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
		rc = save_state_tx(s, persona, folder, fs.uidvalidity, 0, det, err);
		free(det);
		if (rc)
			goto out;
	}
	x->n->folders++;
	/* UIDNEXT says whether anything is new without a search. */
	if (fs.uidnext && from >= fs.uidnext && known && known_v == fs.uidvalidity)
		goto out;
	if ((rc = imap_search_from(im, folder, from, &uids, &n, err)))
		goto out;
	report(x, INBOX_FOLDER_BEGIN, persona, folder, 0, n, NULL);
	for (size_t i = 0; !rc && i < n; i++) {
		char *raw = NULL;
		size_t len = 0;
		int64_t msg = 0, copy_of = 0;
		struct reply *r = NULL;
		if ((rc = imap_fetch(im, folder, uids[i], &raw, &len, err)))
			break;
		/* Parsed once: the Message-ID and Date stored with the raw
		 * bytes, then, once those are stored, the classification. */
		rc = parse(raw, len, &r, err);
		if (!rc)
			rc = store_one(s, persona, box, folder, fs.uidvalidity, uids[i], raw, len, r,
				       &msg, &copy_of, err);
		if (!rc && (!msg || copy_of))
			x->n->duplicates++;
		if (!rc && msg && !copy_of) {
			x->n->fresh++;
			rc = derive(x, msg, r, persona, err);
		}
		reply_free(r);
		free(raw);
		if (!rc)
			report(x, INBOX_MESSAGES_DONE, persona, folder, i + 1, n, NULL);
	}
	if (!rc && !n && (!known || known_v != fs.uidvalidity))
		/* Nothing there yet: remember the UIDVALIDITY all the same. */
		rc = save_state_tx(s, persona, folder, fs.uidvalidity, from - 1, NULL, err);
out:
	free(uids);
	free(box);
	return rc;
}

/* The addresses of the personas that have written (only their mailboxes
 * can hold replies), lower case, in persona order; only: just that one. */
static int mailboxes_to_read(struct study *s, const char *only, char ***out, int *nout,
			     struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	char **boxes = NULL;
	int n = 0, r;
	*out = NULL;
	*nout = 0;
	int rc = study_prepare(s, "SELECT DISTINCT lower(p.email) FROM persona p JOIN application a"
				  " ON a.persona = p.id WHERE a.status NOT IN ('planned', 'cancelled')"
				  " ORDER BY p.id", &st, err);
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 0);
		if (only && strcasecmp(only, e))
			continue;
		boxes = xrealloc(boxes, (size_t)(n + 1) * sizeof(*boxes));
		boxes[n++] = xstrdup(e);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the personas' mailboxes");
	else if (only && !n)
		rc = ct_fail(err, CT_EINPUT, "no persona with address '%s' has sent an application",
			     only);
	if (rc) {
		for (int i = 0; i < n; i++)
			free(boxes[i]);
		free(boxes);
		return rc;
	}
	*out = boxes;
	*nout = n;
	return CT_OK;
}

/* Reads one persona's mailbox: INBOX, then Junk and Spam when they exist.
 * A failure is left in e (err of the mailbox, not of the run). */
static void fetch_mailbox(struct run *x, const struct mailcfg *mc, const struct mail_secrets *sec,
			  const char *who, struct ct_err *e)
{
	const char *pw = mailcfg_password(sec, who);
	struct imap_session *im = NULL;
	if (!pw) {
		ct_fail(e, CT_EINPUT, "%s has no password for mailbox %s", mailcfg_secrets_path(sec),
			who);
		return;
	}
	if (imap_open(mc, who, pw, &im, e))
		return;
	static const char *const extra[] = { "Junk", "Spam" };
	int frc = fetch_folder(x, im, who, "INBOX", e);
	for (size_t f = 0; !frc && f < ARRAY_SIZE(extra); f++) {
		int exists = 0;
		frc = imap_folder_exists(im, extra[f], &exists, e);
		if (!frc && exists)
			frc = fetch_folder(x, im, who, extra[f], e);
	}
	if (frc && imap_auth_failed(im))
		ct_fail(e, CT_EENV, "mailbox %s: the server refused the login (wrong password in %s?)",
			who, mailcfg_secrets_path(sec));
	if (!frc)
		memset(e, 0, sizeof(*e));
	imap_close(im);
}

int inbox_fetch(struct study *s, const struct inbox_options *o, struct inbox_report *out,
		struct ct_err *err)
{
	static const struct inbox_options none = { 0 };
	struct mailcfg *mc = NULL;
	struct mail_secrets *sec = NULL;
	char **boxes = NULL;
	int nboxes = 0;
	memset(out, 0, sizeof(*out));
	struct run x = { s, o ? o : &none, &out->n };

	int rc = mailcfg_load(s->cfg, &mc, err);
	if (!rc)
		rc = mailcfg_require(mc, "imap_url", err);
	if (!rc)
		rc = mailcfg_secrets_load(s->dir, &sec, err);
	if (!rc)
		rc = backfill_content_hashes(s, err);
	if (!rc)
		rc = derive_pending(&x, err);
	if (!rc)
		rc = mailboxes_to_read(s, x.o->only, &boxes, &nboxes, err);
	if (rc)
		goto done;

	for (int b = 0; b < nboxes; b++) {
		struct ct_err e = { 0 };
		out->n.mailboxes++;
		report(&x, INBOX_MAILBOX_BEGIN, boxes[b], NULL, 0, 0, NULL);
		fetch_mailbox(&x, mc, sec, boxes[b], &e);
		if (!e.status)
			continue;
		out->errors = xrealloc(out->errors, (size_t)(out->nerrors + 1) * sizeof(*out->errors));
		struct inbox_mailbox_error *me = &out->errors[out->nerrors++];
		me->mailbox = xstrdup(boxes[b]);
		me->msg = xstrdup(e.msg);
		me->status = e.status;
		if (out->status != CT_EENV)
			out->status = e.status;
		report(&x, INBOX_MAILBOX_FAILED, boxes[b], NULL, 0, 0, me);
	}
done:
	for (int i = 0; i < nboxes; i++)
		free(boxes[i]);
	free(boxes);
	mailcfg_secrets_free(sec);
	mailcfg_free(mc);
	if (rc)
		inbox_report_free(out);
	return rc;
}

void inbox_report_free(struct inbox_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nerrors; i++)
		free(r->errors[i].mailbox), free(r->errors[i].msg);
	free(r->errors);
	memset(r, 0, sizeof(*r));
}

int inbox_unlinked(struct study *s, struct inbox_row **rows, int *n, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	struct inbox_row *v = NULL;
	int cnt = 0, r;
	*rows = NULL;
	*n = 0;
	int rc = study_prepare(s, "SELECT id, mailbox, kind, from_addr, subject, at FROM message"
				  " WHERE direction = 'in' AND application IS NULL"
				  " AND duplicate_of IS NULL ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(cnt + 1) * sizeof(*v));
		struct inbox_row *w = &v[cnt++];
		w->id = sqlite3_column_int64(st, 0);
		w->mailbox = study_column_dup(st, 1, NULL);
		w->kind = study_column_dup(st, 2, NULL);
		w->from = study_column_dup(st, 3, NULL);
		w->subject = study_column_dup(st, 4, NULL);
		w->at = study_column_dup(st, 5, NULL);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		inbox_rows_free(v, cnt);
		return study_db_error(s, err, "reading the unlinked messages");
	}
	*rows = v;
	*n = cnt;
	return CT_OK;
}

void inbox_rows_free(struct inbox_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		free(rows[i].mailbox), free(rows[i].kind), free(rows[i].from), free(rows[i].subject),
			free(rows[i].at);
	free(rows);
}

int inbox_message_read(struct study *s, int64_t id, struct inbox_message **out,
		       struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	int rc = study_prepare(s, "SELECT direction, mailbox, kind, application, link_method, at,"
				  " raw FROM message WHERE id = ?1", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		sqlite3_finalize(st);
		return step == SQLITE_DONE ? ct_fail(err, CT_EINPUT, "no message %lld", (long long)id)
					   : study_db_error(s, err, "reading a message");
	}
	if (sqlite3_column_type(st, 6) == SQLITE_NULL) {
		sqlite3_finalize(st);
		return ct_fail(err, CT_EINPUT, "message %lld was purged: its text is gone",
			       (long long)id);
	}
	struct reply *r = NULL;
	rc = reply_parse(sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6), &r, err);
	if (rc) {
		sqlite3_finalize(st);
		return rc;
	}
	struct inbox_message *m = xcalloc(1, sizeof(*m));
	m->id = id;
	m->direction = study_column_dup(st, 0, NULL);
	m->mailbox = study_column_dup(st, 1, NULL);
	m->kind = study_column_dup(st, 2, NULL);
	m->application = sqlite3_column_int64(st, 3);
	m->link_method = study_column_dup(st, 4, NULL);
	m->at = study_column_dup(st, 5, NULL);
	m->r = r;
	sqlite3_finalize(st);
	*out = m;
	return CT_OK;
}

void inbox_message_free(struct inbox_message *m)
{
	if (!m)
		return;
	free(m->direction), free(m->mailbox), free(m->kind), free(m->link_method), free(m->at);
	reply_free(m->r);
	free(m);
}
