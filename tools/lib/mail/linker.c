/* linker.c: link an incoming message to the application it answers (see
 * linker.h for the rules) and record what it is. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/linker.h"
#include "base/banned.h"

int linker_ref_in(const char *text, const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	if (!text || !n)
		return 0;
	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, ref, n))
			continue;
		int before = p == text || !isalnum((unsigned char)p[-1]);
		int after = !isalnum((unsigned char)p[n]);
		/* A ref that ends in a letter or digit must not continue into
		 * another one: "L1" is not in "L17". */
		if (before && after)
			return 1;
	}
	return 0;
}

/* The statements of linking, each prepared on first use and kept: linking
 * thousands of messages in a row would otherwise spend much of its time
 * compiling the same SQL again and again. */
struct linker {
	struct study *s;
	sqlite3_stmt *inquiry, *ours, *cands, *decline, *store, *bounce;
};

int linker_open(struct study *s, struct linker **out, struct ct_err *err)
{
	(void)err;
	*out = xcalloc(1, sizeof(**out));
	(*out)->s = s;
	return CT_OK;
}

void linker_close(struct linker *l)
{
	if (!l)
		return;
	sqlite3_finalize(l->inquiry);
	sqlite3_finalize(l->ours);
	sqlite3_finalize(l->cands);
	sqlite3_finalize(l->decline);
	sqlite3_finalize(l->store);
	sqlite3_finalize(l->bounce);
	free(l);
}

/* *slot, prepared from sql the first time, reset and unbound after. */
static int stmt(struct linker *l, sqlite3_stmt **slot, const char *sql, struct ct_err *err)
{
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		return CT_OK;
	}
	return study_prepare(l->s, sql, slot, err);
}

/* The application whose inquiry has Message-ID id (*inquiry = 1), or that a
 * later message of ours with that id belongs to (*inquiry = 0); 0 if none.
 * mailbox: only the applications of that mailbox's persona (NULL: any). A
 * message in persona B's mailbox that refers to persona A's inquiry (the
 * landlord answered A and put B in copy) is B's answer, not A's: it is left
 * to the rules that look at B's own applications. */
static int our_message(struct linker *l, const char *id, const char *mailbox, int64_t *app,
		       int *inquiry, struct ct_err *err)
{
	struct study *s = l->s;
	sqlite3_stmt *st = NULL;
	*app = 0;
	*inquiry = 0;
	int rc = stmt(l, &l->inquiry,
		      "SELECT a.id FROM application a JOIN persona p ON p.id = a.persona"
		      " WHERE a.message_id = ?1 AND (?2 IS NULL OR lower(p.email) = lower(?2))",
		      err);
	if (rc)
		return rc;
	st = l->inquiry;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mailbox, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*app = sqlite3_column_int64(st, 0);
		*inquiry = 1;
	}
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return study_db_error(s, err, "looking up a Message-ID");
	if (*app)
		return CT_OK;
	rc = stmt(l, &l->ours,
		  "SELECT m.application FROM message m JOIN application a ON"
		  " a.id = m.application JOIN persona p ON p.id = a.persona"
		  " WHERE m.direction = 'out' AND m.message_id = ?1"
		  " AND (?2 IS NULL OR lower(p.email) = lower(?2)) ORDER BY m.id DESC LIMIT 1",
		  err);
	if (rc)
		return rc;
	st = l->ours;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, mailbox, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*app = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return study_db_error(s, err, "looking up a Message-ID");
	return CT_OK;
}

/* Applications of the mailbox's persona that went out (or may have), with
 * their listing's ref and contact: the candidates of rules 2 and 3. */
static const char cand_sql[] =
	"SELECT a.id, l.ref, lower(coalesce(c.contact_email, '')) FROM application a"
	" JOIN listing l ON l.id = a.listing"
	" LEFT JOIN listing_contact c ON c.listing = a.listing"
	" WHERE a.persona IN (SELECT id FROM persona WHERE lower(email) = lower(?1))"
	" AND a.status NOT IN ('planned', 'cancelled')"
	" ORDER BY a.id";

/* Rule 2 (sender = contact) and rule 3 (ref in subject) over the mailbox's
 * applications. sender may be NULL (rule 3 only). A sender who is the
 * contact of several of the persona's listings is told apart by the ref in
 * the subject; what stays ambiguous stays unlinked. Of the refs in the
 * subject the longest wins only over those it contains ("L1-b" over "L1");
 * a subject naming two listings ("L12 or L3") links to neither. */
static int by_sender_or_ref(struct linker *l, const char *mailbox, const char *sender,
			    const char *subject, int64_t *app, const char **method,
			    struct ct_err *err)
{
	int rc = stmt(l, &l->cands, cand_sql, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = l->cands;
	sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_STATIC);
	int64_t by_sender = 0, by_both = 0;
	int n_sender = 0, n_both = 0;
	struct hit {
		int64_t id;
		char *ref;
	} *hits = NULL;
	int nhits = 0, best = -1;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *ref = (const char *)sqlite3_column_text(st, 1);
		const char *contact = (const char *)sqlite3_column_text(st, 2);
		int is_sender = sender && contact && *contact && !strcmp(contact, sender);
		int has_ref = linker_ref_in(subject, ref);
		if (is_sender) {
			by_sender = id;
			n_sender++;
		}
		if (is_sender && has_ref) {
			by_both = id;
			n_both++;
		}
		if (has_ref) {
			hits = xrealloc(hits, (size_t)(nhits + 1) * sizeof(*hits));
			hits[nhits].id = id;
			hits[nhits].ref = xstrdup(ref);
			if (best < 0 || strlen(ref) > strlen(hits[best].ref))
				best = nhits;
			nhits++;
		}
	}
	sqlite3_reset(st);
	/* The longest ref links only when every other ref found is a part of
	 * it; a second application with the same ref, or another listing's
	 * ref, makes it ambiguous. */
	int64_t by_ref = best >= 0 ? hits[best].id : 0;
	for (int i = 0; i < nhits; i++)
		if (i != best && (!strcasecmp(hits[i].ref, hits[best].ref) ||
				  !linker_ref_in(hits[best].ref, hits[i].ref)))
			by_ref = 0;
	for (int i = 0; i < nhits; i++)
		free(hits[i].ref);
	free(hits);
	if (r != SQLITE_DONE)
		return study_db_error(l->s, err, "reading the mailbox's applications");
	*app = 0;
	*method = NULL;
	if (n_sender == 1) {
		*app = by_sender;
		*method = "sender";
	} else if (n_sender > 1 && n_both == 1) {
		*app = by_both;
		*method = "sender";
	} else if (by_ref) {
		*app = by_ref;
		*method = "subject_ref";
	}
	return CT_OK;
}

/* Whether our decline went out for app: a bounce that cannot name the
 * returned message may then be the decline's. */
static int has_decline(struct linker *l, int64_t app, int *yes, struct ct_err *err)
{
	int rc = stmt(l, &l->decline, "SELECT 1 FROM decline WHERE application = ?1", err);
	if (rc)
		return rc;
	sqlite3_stmt *st = l->decline;
	sqlite3_bind_int64(st, 1, app);
	int r = sqlite3_step(st);
	*yes = r == SQLITE_ROW;
	sqlite3_reset(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CT_OK
						   : study_db_error(l->s, err, "reading declines");
}

int linker_classify(struct study *s, const struct reply *r, const char *mailbox,
		    struct link_result *out, struct ct_err *err)
{
	struct linker *l = NULL;
	int rc = linker_open(s, &l, err);
	if (!rc)
		rc = linker_classify_in(l, r, mailbox, out, err);
	linker_close(l);
	return rc;
}

int linker_classify_in(struct linker *l, const struct reply *r, const char *mailbox,
		       struct link_result *out, struct ct_err *err)
{
	int rc, inquiry = 0;
	int64_t app = 0;
	memset(out, 0, sizeof(*out));
	out->kind = "reply";

	/* A copy of a message of ours (filed back into the INBOX by a Bcc or
	 * a server rule): not a reply. Looked up in every persona's messages:
	 * our own inquiry must never pass for a reply (its subject may name
	 * the listing's ref). */
	if (r->message_id) {
		if ((rc = our_message(l, r->message_id, NULL, &app, &inquiry, err)))
			return rc;
		if (app) {
			out->kind = "self";
			out->application = app;
			out->method = "message_id";
			return CT_OK;
		}
	}
	if (r->is_bounce) {
		out->kind = "bounce";
		if (r->bounce_message_id) {
			if ((rc = our_message(l, r->bounce_message_id, mailbox, &app, &inquiry, err)))
				return rc;
			if (app) {
				out->application = app;
				out->method = "returned_id";
				out->bounced_inquiry = inquiry;
				return CT_OK;
			}
		}
		if (r->bounce_rcpt) {
			const char *m = NULL;
			if ((rc = by_sender_or_ref(l, mailbox, r->bounce_rcpt, r->subject, &app, &m,
						   err)))
				return rc;
			if (app && !strcmp(m, "sender")) {
				out->application = app;
				out->method = "bounce_recipient";
			}
		}
	} else if (r->auto_reply || r->is_dsn) {
		out->kind = "other";
	}
	if (!out->application) {
		for (int i = 0; i < r->nrefs && !app; i++)
			if ((rc = our_message(l, r->refs[i], mailbox, &app, &inquiry, err)))
				return rc;
		if (app) {
			out->application = app;
			out->method = "in_reply_to";
		}
	}
	if (!out->application) {
		const char *m = NULL;
		/* A bounce's From is the MTA, never the landlord: rule 3 only. */
		if ((rc = by_sender_or_ref(l, mailbox, r->is_bounce ? NULL : r->from_addr, r->subject,
					   &app, &m, err)))
			return rc;
		out->application = app;
		out->method = m;
	}
	if (r->is_bounce && out->application && strcmp(out->method, "returned_id")) {
		int declined = 0;
		if ((rc = has_decline(l, out->application, &declined, err)))
			return rc;
		out->bounced_inquiry = !declined;
	}
	return CT_OK;
}

/* Marks app bounced with reason, if it was sent (or being sent). */
static int mark_bounced(struct linker *l, int64_t app, const char *reason, int *changed,
			struct ct_err *err)
{
	*changed = 0;
	int rc = stmt(l, &l->bounce, "UPDATE application SET status = 'bounced', last_error = ?2"
				     " WHERE id = ?1 AND status IN ('sent', 'sending')", err);
	if (rc)
		return rc;
	sqlite3_stmt *st = l->bounce;
	sqlite3_bind_int64(st, 1, app);
	sqlite3_bind_text(st, 2, reason && *reason ? reason : "bounced", -1, SQLITE_STATIC);
	rc = study_step_done(l->s, st, err, "marking an application bounced");
	sqlite3_reset(st);
	if (!rc)
		*changed = sqlite3_changes(l->s->db) > 0;
	return rc;
}

/* A bounce moved from app to another application (link --force) no longer
 * says app bounced: app is 'sent' again unless another bounce is linked to
 * it. Only an application that had been sent (sent_at) is put back; one
 * that bounced at RCPT TO when it was sent has no bounce message and no
 * sent_at, and stays. */
static int unmark_bounced(struct study *s, int64_t app, int64_t msg, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = study_prepare(s, "UPDATE application SET status = 'sent', last_error = NULL"
			       " WHERE id = ?1 AND status = 'bounced' AND sent_at IS NOT NULL"
			       " AND NOT EXISTS (SELECT 1 FROM message WHERE application = ?1"
			       "  AND kind = 'bounce' AND id != ?2)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	sqlite3_bind_int64(st, 2, msg);
	rc = study_step_done(s, st, err, "putting a wrongly bounced application back");
	sqlite3_finalize(st);
	if (!rc && sqlite3_changes(s->db) > 0) {
		char *sub = xasprintf("application %lld", (long long)app);
		char *det = xasprintf("not bounced: message %lld was linked to another application",
				      (long long)msg);
		rc = study_event(s, "bounce-undone", sub, det, err);
		free(sub);
		free(det);
	}
	return rc;
}

int linker_store(struct study *s, int64_t msg, const struct reply *r, const struct link_result *lr,
		 struct ct_err *err)
{
	struct linker *l = NULL;
	int rc = linker_open(s, &l, err);
	if (!rc)
		rc = linker_store_in(l, msg, r, lr, err);
	linker_close(l);
	return rc;
}

int linker_store_in(struct linker *l, int64_t msg, const struct reply *r,
		    const struct link_result *lr, struct ct_err *err)
{
	struct study *s = l->s;
	int rc = stmt(l, &l->store, "UPDATE message SET kind = ?2, from_addr = ?3, subject = ?4,"
				    " in_reply_to = ?5, application = ?6, link_method = ?7 WHERE id = ?1",
		      err);
	if (rc)
		return rc;
	sqlite3_stmt *st = l->store;
	sqlite3_bind_int64(st, 1, msg);
	sqlite3_bind_text(st, 2, lr->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->from_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->in_reply_to, -1, SQLITE_STATIC);
	if (lr->application)
		sqlite3_bind_int64(st, 6, lr->application);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, lr->method, -1, SQLITE_STATIC);
	rc = study_step_done(s, st, err, "recording a message's link");
	sqlite3_reset(st);
	if (rc)
		return rc;

	int bounced = 0;
	if (!strcmp(lr->kind, "bounce") && lr->application && lr->bounced_inquiry &&
	    (rc = mark_bounced(l, lr->application, r->bounce_reason, &bounced, err)))
		return rc;
	char *subject = xasprintf("message %lld", (long long)msg);
	char *detail;
	if (lr->application)
		detail = xasprintf("%s linked to application %lld by %s%s", lr->kind,
				   (long long)lr->application, lr->method,
				   bounced ? "; application marked bounced" : "");
	else
		detail = xasprintf("%s, unlinked", lr->kind);
	rc = study_event(s, "fetch.link", subject, detail, err);
	free(subject);
	free(detail);
	if (!rc && bounced) {
		char *sub = xasprintf("application %lld", (long long)lr->application);
		char *det = xasprintf("bounced (message %lld): %s", (long long)msg,
				      r->bounce_status ? r->bounce_status : "no status");
		rc = study_event(s, "bounce", sub, det, err);
		free(sub);
		free(det);
	}
	return rc;
}

int linker_manual(struct study *s, int64_t msg, int64_t app, int force, int64_t *was,
		  struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	struct reply *r = NULL;
	char *kind = NULL, *dir = NULL;
	int64_t prev = 0;
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if ((rc = study_prepare(s, "SELECT direction, kind, application, raw FROM message WHERE id = ?1",
				&st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, msg);
	int step = sqlite3_step(st);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? ct_fail(err, CT_EINPUT, "no message %lld", (long long)msg)
					 : study_db_error(s, err, "reading a message");
		goto out;
	}
	dir = xstrdup((const char *)sqlite3_column_text(st, 0));
	kind = sqlite3_column_text(st, 1) ? xstrdup((const char *)sqlite3_column_text(st, 1)) : NULL;
	prev = sqlite3_column_int64(st, 2);
	/* Only a bounce needs its text (the reason it gives). */
	if (kind && !strcmp(kind, "bounce") && sqlite3_column_type(st, 3) != SQLITE_NULL) {
		struct ct_err perr = { 0 };
		if (reply_parse(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3), &r,
				&perr))
			r = NULL;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (strcmp(dir, "in")) {
		rc = ct_fail(err, CT_EINPUT, "message %lld is one we sent, not a reply", (long long)msg);
		goto out;
	}
	if (prev && !force) {
		rc = ct_fail(err, CT_EINPUT,
			     "message %lld is already linked to application %lld (--force to link it "
			     "elsewhere)",
			     (long long)msg, (long long)prev);
		goto out;
	}
	if (prev == app) {
		rc = ct_fail(err, CT_EINPUT, "message %lld is already linked to application %lld",
			     (long long)msg, (long long)app);
		goto out;
	}
	if ((rc = study_prepare(s, "SELECT 1 FROM application WHERE id = ?1", &st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, app);
	step = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? ct_fail(err, CT_EINPUT, "no application %lld", (long long)app)
					 : study_db_error(s, err, "reading an application");
		goto out;
	}
	if ((rc = study_prepare(s, "UPDATE message SET application = ?2, link_method = 'manual',"
				   " kind = coalesce(kind, 'reply') WHERE id = ?1",
				&st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, msg);
	sqlite3_bind_int64(st, 2, app);
	rc = study_step_done(s, st, err, "linking a message");
	sqlite3_finalize(st);
	st = NULL;
	if (rc)
		goto out;
	char *subject = xasprintf("message %lld", (long long)msg);
	char *detail = prev ? xasprintf("linked by hand to application %lld (was %lld)", (long long)app,
					(long long)prev)
			    : xasprintf("linked by hand to application %lld", (long long)app);
	rc = study_event(s, "link", subject, detail, err);
	free(subject);
	free(detail);
	int bounced = 0;
	if (!rc && prev && kind && !strcmp(kind, "bounce"))
		rc = unmark_bounced(s, prev, msg, err);
	if (!rc && kind && !strcmp(kind, "bounce")) {
		struct linker *l = NULL;
		rc = linker_open(s, &l, err);
		if (!rc)
			rc = mark_bounced(l, app, r ? r->bounce_reason : NULL, &bounced, err);
		linker_close(l);
	}
	if (!rc && bounced) {
		char *sub = xasprintf("application %lld", (long long)app);
		char *det = xasprintf("bounced (message %lld, linked by hand)", (long long)msg);
		rc = study_event(s, "bounce", sub, det, err);
		free(sub);
		free(det);
	}
	if (!rc)
		rc = study_commit(s, err);
out:
	if (st)
		sqlite3_finalize(st);
	if (rc)
		study_rollback(s);
	else if (was)
		*was = prev;
	reply_free(r);
	free(kind);
	free(dir);
	return rc;
}
