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

/* Messages fetched (in one UID FETCH), stored and linked per transaction
 * pair: the raw bytes of a batch are committed together, then what is
 * derived from them in a second transaction. A commit (an fdatasync) per
 * message capped fetch at a few hundred messages a second, and a FETCH per
 * message (with BODY[], which makes the server mark each one read and
 * write its index) at about a thousand. The byte cap, applied to the sizes
 * the server announces before the batch is fetched, bounds the memory a
 * batch of large messages takes. */
#define BATCH_MESSAGES 500
#define BATCH_BYTES (32u << 20)

/* One run: the study, the caller's options, the counts so far, and what is
 * prepared once for the whole run. */
struct run {
	struct study *s;
	const struct inbox_options *o;
	struct inbox_counts *n;
	struct linker *lk;
	sqlite3_stmt *find, *insert;
};

/* One message on its way into the study. */
struct item {
	uint32_t uid;
	char *raw;          /* owned */
	size_t len;
	struct reply *r;    /* owned: raw as parse() read it */
	char *persona;      /* owned: the persona whose mailbox it came from */
	int64_t msg;        /* its row; 0 when its bytes were stored already */
	int64_t copy_of;    /* a second delivery of this message: nothing to derive */
};

static void items_clear(struct item *it, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		free(it[i].raw);
		reply_free(it[i].r);
		free(it[i].persona);
	}
	memset(it, 0, k * sizeof(*it));
}

/* *slot, prepared from sql the first time, reset and unbound after. */
static int run_stmt(struct run *x, sqlite3_stmt **slot, const char *sql, struct ct_err *err)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return CT_OK;
	}
	return study_prepare(x->s, sql, slot, err);
}

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

/* Classifies and links the new messages of a batch (stored, and not a
 * second delivery), in one transaction: their raw bytes are committed
 * already, so nothing derived ever exists without its raw. */
static int derive_batch(struct run *x, struct item *it, size_t k, struct ct_err *err)
{
	size_t todo = 0;
	for (size_t i = 0; i < k; i++)
		todo += it[i].msg && !it[i].copy_of;
	if (!todo)
		return CT_OK;
	struct link_result *lr = xcalloc(k, sizeof(*lr));
	int rc = study_begin(x->s, err);
	for (size_t i = 0; !rc && i < k; i++) {
		if (!it[i].msg || it[i].copy_of)
			continue;
		rc = linker_classify_in(x->lk, it[i].r, it[i].persona, &lr[i], err);
		if (!rc)
			rc = linker_store_in(x->lk, it[i].msg, it[i].r, &lr[i], err);
	}
	if (!rc)
		rc = study_commit(x->s, err);
	if (rc)
		study_rollback(x->s);
	for (size_t i = 0; !rc && i < k; i++)
		if (it[i].msg && !it[i].copy_of)
			count_link(x->n, &lr[i]);
	free(lr);
	return rc;
}

/* The persona whose mailbox message row msg came from: the address before
 * any "/Folder" suffix. Caller frees. */
static char *persona_of(const char *mailbox)
{
	const char *slash = strchr(mailbox, '/');
	return slash ? xstrndup(mailbox, (size_t)(slash - mailbox)) : xstrdup(mailbox);
}

/* Derives what an earlier run stored but did not get to classify (it was
 * interrupted between the two transactions of a batch). */
static int derive_pending(struct run *x, struct ct_err *err)
{
	struct study *s = x->s;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = study_prepare(s, "SELECT id FROM message WHERE direction = 'in' AND kind IS NULL"
				  " AND raw IS NOT NULL AND duplicate_of IS NULL ORDER BY id", &st, err);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap)
			ids = xrealloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*ids));
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (!n)
		return CT_OK;
	if ((rc = study_prepare(s, "SELECT raw, mailbox FROM message WHERE id = ?1", &st, err))) {
		free(ids);
		return rc;
	}
	struct item *it = xcalloc(BATCH_MESSAGES, sizeof(*it));
	for (size_t i = 0; !rc && i < n; i += BATCH_MESSAGES) {
		size_t k = 0;
		for (size_t j = i; !rc && j < n && k < BATCH_MESSAGES; j++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, ids[j]);
			if (sqlite3_step(st) != SQLITE_ROW)
				continue;
			struct item *m = &it[k];
			m->msg = ids[j];
			m->persona = persona_of(sqlite3_column_text(st, 1)
							? (const char *)sqlite3_column_text(st, 1) : "");
			rc = parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &m->r,
				   err);
			k++;
		}
		sqlite3_reset(st);
		if (!rc)
			rc = derive_batch(x, it, k, err);
		items_clear(it, k);
	}
	sqlite3_finalize(st);
	free(it);
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
static int find_copy(struct run *x, const char *persona, const char *sha, const char *csha,
		     int *same_bytes, int64_t *copy_of, struct ct_err *err)
{
	*same_bytes = 0;
	*copy_of = 0;
	int rc = run_stmt(x, &x->find,
			  "SELECT sha256 = ?2, coalesce(duplicate_of, id) FROM message"
			  " WHERE direction = 'in' AND (sha256 = ?2 OR content_sha256 = ?3)"
			  " AND (mailbox = ?1 OR substr(mailbox, 1, length(?1) + 1) = ?1 || '/')"
			  " ORDER BY sha256 = ?2 DESC, id LIMIT 1",
			  err);
	if (rc)
		return rc;
	sqlite3_stmt *st = x->find;
	sqlite3_bind_text(st, 1, persona, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, csha, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*same_bytes = sqlite3_column_int(st, 0);
		*copy_of = *same_bytes ? 0 : sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(x->s, err, "looking for copies");
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

/* Stores one fetched message, inside store_batch's transaction. Every
 * message's raw bytes are stored, unless a message with exactly these
 * bytes already is (the same message seen again, e.g. after a new
 * UIDVALIDITY): then m->msg stays 0. A second delivery of a message
 * (m->copy_of) is stored, and nothing will be derived from it. Only the
 * Message-ID and Date that parse() read go in with the raw bytes. */
static int store_one(struct run *x, const char *box, uint32_t uidvalidity, struct item *m,
		     struct ct_err *err)
{
	char sha[65], csha[65], now[ISO_LEN], at[ISO_LEN];
	int same = 0, rc;
	m->msg = m->copy_of = 0;
	sha256_hex(m->raw, m->len, sha);
	content_sha256(m->raw, m->len, csha);
	time_t tnow = time_now();
	time_iso_utc(tnow, now);
	/* The Date the sender wrote, unless missing or from the future. */
	if (m->r->date_t > 0 && m->r->date_t <= tnow + 86400)
		time_iso_utc(m->r->date_t, at);
	else
		memcpy(at, now, ISO_LEN);

	if ((rc = find_copy(x, m->persona, sha, csha, &same, &m->copy_of, err)))
		return rc;
	if (!same) {
		if ((rc = run_stmt(x, &x->insert,
				   "INSERT INTO message (direction, raw, sha256, at, mailbox, uidvalidity,"
				   " uid, message_id, content_sha256, duplicate_of)"
				   " VALUES ('in', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
				   err)))
			return rc;
		sqlite3_stmt *st = x->insert;
		sqlite3_bind_blob(st, 1, m->raw, (int)m->len, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, box, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, uidvalidity);
		sqlite3_bind_int64(st, 6, m->uid);
		sqlite3_bind_text(st, 7, m->r->message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, csha, -1, SQLITE_STATIC);
		if (m->copy_of)
			sqlite3_bind_int64(st, 9, m->copy_of);
		else
			sqlite3_bind_null(st, 9);
		rc = study_step_done(x->s, st, err, "storing a message");
		sqlite3_reset(st);
		if (rc)
			return rc;
		m->msg = sqlite3_last_insert_rowid(x->s->db);
	}
	/* Each raw message's hash goes into the event chain. */
	char *subject = xasprintf("message %lld", (long long)m->msg);
	char *copy = m->copy_of ? xasprintf(", a second delivery of message %lld", (long long)m->copy_of)
				: xstrdup("");
	char *detail = xasprintf("%s %s UID %u (UIDVALIDITY %u), %zu bytes, sha256 %s%s",
				 same ? "skipped a duplicate from" : "stored from", box, m->uid,
				 uidvalidity, m->len, sha, copy);
	rc = study_event(x->s, same ? "fetch.duplicate" : "fetch.store", same ? NULL : subject,
			 detail, err);
	free(subject);
	free(copy);
	free(detail);
	return rc;
}

/* Stores a batch of fetched messages (it[0..k), in UID order; k may be 0
 * when every message asked for was expunged meanwhile) and moves the
 * folder's state to last_uid, the batch's last UID, in one transaction: a
 * crash keeps all or none, so no message is lost or stored twice. */
static int store_batch(struct run *x, const char *persona, const char *box, const char *folder,
		       uint32_t uidvalidity, struct item *it, size_t k, uint32_t last_uid,
		       struct ct_err *err)
{
	int rc = study_begin(x->s, err);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < k; i++)
		rc = store_one(x, box, uidvalidity, &it[i], err);
	if (!rc)
		rc = save_state(x->s, persona, folder, uidvalidity, last_uid, err);
	if (!rc)
		rc = study_commit(x->s, err);
	if (rc) {
		study_rollback(x->s);
		return rc;
	}
	for (size_t i = 0; i < k; i++) {
		if (!it[i].msg || it[i].copy_of)
			x->n->duplicates++;
		else
			x->n->fresh++;
	}
	return CT_OK;
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

/* Reads one folder of one mailbox: the new UIDs and their sizes in one
 * command, then their bytes a batch at a time, each batch in one UID FETCH
 * (BODY.PEEK[]) on the session's second connection (imap_fetch_many). */
static int fetch_folder(struct run *x, struct imap_session *im, const char *persona,
			const char *folder, struct ct_err *err)
{
	struct study *s = x->s;
	struct imap_folder_status fs = { 0 };
	struct imap_message *list = NULL, *got = NULL;
	uint32_t known_v = 0, last = 0, sel_v = 0, *uids = NULL;
	size_t n = 0, ngot = 0;
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
	if ((rc = imap_list_from(im, folder, from, &sel_v, &list, &n, err)))
		goto out;
	/* The UIDs stored with the messages must be those of the UIDVALIDITY
	 * recorded with them. */
	if (sel_v != fs.uidvalidity) {
		rc = ct_fail(err, CT_EENV, "folder %s of mailbox %s was rebuilt while it was read "
			     "(UIDVALIDITY %u, was %u): run fetch again", folder, persona, sel_v,
			     fs.uidvalidity);
		goto out;
	}
	report(x, INBOX_FOLDER_BEGIN, persona, folder, 0, n, NULL);
	struct item *it = n ? xcalloc(n < BATCH_MESSAGES ? n : BATCH_MESSAGES, sizeof(*it)) : NULL;
	uids = n ? xcalloc(n < BATCH_MESSAGES ? n : BATCH_MESSAGES, sizeof(*uids)) : NULL;
	for (size_t i = 0; !rc && i < n;) {
		/* A batch: as many messages as fit BATCH_BYTES by the sizes the
		 * server announced (at least one), at most BATCH_MESSAGES. */
		size_t k = 0, bytes = 0;
		while (i + k < n && k < BATCH_MESSAGES &&
		       (!k || bytes + list[i + k].size <= BATCH_BYTES)) {
			uids[k] = list[i + k].uid;
			bytes += list[i + k].size;
			k++;
		}
		/* The answer may exceed the announced sizes somewhat (a server that
		 * counts line ends otherwise, or does not know a size), never by
		 * much. */
		rc = imap_fetch_many(im, folder, sel_v, uids, k, 2 * bytes + (16u << 20), &got, &ngot,
				     err);
		size_t m = 0;
		for (size_t j = 0; !rc && j < ngot; j++) {
			struct item *t = &it[m];
			/* Parsed once: the Message-ID and Date stored with the raw
			 * bytes, then, once those are committed, the links. */
			if ((rc = parse(got[j].raw, got[j].len, &t->r, err)))
				break;
			t->raw = got[j].raw;
			t->len = got[j].len;
			got[j].raw = NULL;
			t->uid = got[j].uid;
			t->persona = xstrdup(persona);
			m++;
		}
		imap_messages_free(got, ngot);
		got = NULL;
		if (!rc)
			rc = store_batch(x, persona, box, folder, fs.uidvalidity, it, m, uids[k - 1], err);
		if (!rc)
			rc = derive_batch(x, it, m, err);
		items_clear(it, m);
		i += k;
		if (!rc)
			report(x, INBOX_MESSAGES_DONE, persona, folder, i, n, NULL);
	}
	free(it);
	if (!rc && !n && (!known || known_v != fs.uidvalidity))
		/* Nothing there yet: remember the UIDVALIDITY all the same. */
		rc = save_state_tx(s, persona, folder, fs.uidvalidity, from - 1, NULL, err);
out:
	imap_messages_free(list, n);
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
	struct run x = { s, o ? o : &none, &out->n, NULL, NULL, NULL };

	int rc = linker_open(s, &x.lk, err);
	if (!rc)
		rc = mailcfg_load(s->cfg, &mc, err);
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
	sqlite3_finalize(x.find);
	sqlite3_finalize(x.insert);
	linker_close(x.lk);
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
