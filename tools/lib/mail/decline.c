/* decline.c: the invitations to withdraw from, the withdrawal as a reply
 * in the landlord's thread, and its delivery (decline.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/decline.h"
#include "mail/delivery.h"
#include "mail/mime.h"
#include "mail/reply.h"
#include "messages/template.h"
#include "base/embedded.h"
#include "base/timeutil.h"
#include "base/banned.h"

static void item_free(struct decline_item *v)
{
	free(v->ref), free(v->area), free(v->title), free(v->url), free(v->contact);
	free(v->first), free(v->last), free(v->email), free(v->phone), free(v->app_msgid);
	free(v->reply_msgid), free(v->reply_from), free(v->reply_subject), free(v->our_subject);
	free(v->invited_at), free(v->pending_raw), free(v->pending_msgid);
	free(v->to), free(v->subject), free(v->msgid), free(v->raw), free(v->body);
	free(v->error), free(v->file_error);
}

void decline_free(struct decline_item *v, int n)
{
	for (int i = 0; i < n; i++)
		item_free(&v[i]);
	free(v);
}

/* The invitations not yet declined: latest response 'invitation', no
 * withdrawal recorded as sent, none refused by the server. A refused one
 * is recorded once as an event 'decline-failed' (subject "application N")
 * and not tried again. "+a.status": the applications are read in id order
 * rather than through the index on status, which then needs a sort (half
 * the query's time on 6,000 applications). */
static const char inv_sql[] =
	"SELECT a.id, l.ref, l.area, l.title, l.url, c.contact_email,"
	" p.first_name, p.last_name, p.email, p.phone, a.message_id,"
	" coalesce(r.at, r.coded_at)"
	" FROM application a JOIN response r ON r.id ="
	"  (SELECT max(id) FROM response WHERE application = a.id)"
	" JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona"
	" LEFT JOIN listing_contact c ON c.listing = a.listing"
	" WHERE r.outcome = 'invitation' AND +a.status = 'sent'"
	" AND NOT EXISTS (SELECT 1 FROM decline d WHERE d.application = a.id)"
	" AND a.id NOT IN (SELECT CAST(substr(subject, 13) AS INTEGER) FROM event"
	"  WHERE action = 'decline-failed' AND subject LIKE 'application %')"
	" ORDER BY a.id";

/* The landlord's linked replies, of which the latest is taken (latest_sql
 * reads it): an ORDER BY here made SQLite build and drop a temporary
 * b-tree per invitation, a fifth of a dry run's time. */
static const char replies_sql[] =
	"SELECT id, at FROM message WHERE application = ?1 AND direction = 'in' AND kind = 'reply'";

/* That reply: raw (to read its headers), and the columns fetch derived,
 * for when raw was purged. */
static const char latest_sql[] =
	"SELECT raw, message_id, from_addr, subject, at FROM message WHERE id = ?1";

/* The id of the latest reply (by time, then id) among the rows of
 * replies_sql, or 0. */
static sqlite3_int64 latest_reply(sqlite3_stmt *rs)
{
	sqlite3_int64 best = 0;
	char *best_at = NULL;
	while (sqlite3_step(rs) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(rs, 0);
		const char *at = (const char *)sqlite3_column_text(rs, 1);
		int c = !best ? 1 : strcmp(at ? at : "", best_at ? best_at : "");
		if (c > 0 || (c == 0 && id > best)) {
			best = id;
			free(best_at);
			best_at = at ? xstrdup(at) : NULL;
		}
	}
	free(best_at);
	return best;
}

/* Our inquiry (the application's Message-ID), for its subject; and a
 * withdrawal left by a run that died (an outgoing message that is not the
 * inquiry, with no decline row). */
static const char out_sql[] =
	"SELECT id, message_id, raw FROM message WHERE application = ?1 AND direction = 'out'"
	" ORDER BY id";

/* The headers of a stored message, read by GMime (the header block only:
 * nothing here needs a body, and parsing every inquiry whole was most of
 * what decline --dry-run spent reading); NULL when there are no bytes
 * (purged) or they do not parse. Caller frees with reply_free. */
static struct reply *headers_of(const void *raw, size_t len)
{
	struct reply *r = NULL;
	struct ct_err ignored = { 0 };
	if (!raw || !len || reply_parse_headers(raw, len, &r, &ignored))
		return NULL;
	return r;
}

static char *take(char **p)
{
	char *v = *p;
	*p = NULL;
	return v;
}

static void load_reply(sqlite3_stmt *rs, struct decline_item *x)
{
	struct reply *r = headers_of(sqlite3_column_blob(rs, 0), (size_t)sqlite3_column_bytes(rs, 0));
	x->reply_msgid = r && r->message_id ? take(&r->message_id) : study_column_dup(rs, 1, NULL);
	x->reply_from = r && r->from_addr ? take(&r->from_addr) : study_column_dup(rs, 2, NULL);
	x->reply_subject = r && r->subject ? take(&r->subject) : study_column_dup(rs, 3, NULL);
	reply_free(r);
	/* The invitation came with the reply, when it is older than the coding
	 * of it. */
	char *rat = study_column_dup(rs, 4, NULL);
	if (rat && x->invited_at && strcmp(rat, x->invited_at) < 0) {
		free(x->invited_at);
		x->invited_at = rat;
	} else {
		free(rat);
	}
}

static void load_outgoing(sqlite3_stmt *os, struct decline_item *x)
{
	while (sqlite3_step(os) == SQLITE_ROW) {
		const char *mid = (const char *)sqlite3_column_text(os, 1);
		const char *raw = sqlite3_column_blob(os, 2);
		size_t len = (size_t)sqlite3_column_bytes(os, 2);
		if (!raw || !mid)
			continue;
		if (x->app_msgid && !strcmp(mid, x->app_msgid)) {
			/* The Subject alone: a dry run reads one per invitation, and
			 * parsing each inquiry's header block was most of its time. */
			struct ct_err ignored = { 0 };
			free(x->our_subject);
			x->our_subject = NULL;
			if (len)
				reply_parse_subject(raw, len, &x->our_subject, &ignored);
		} else {
			free(x->pending_raw), free(x->pending_msgid);
			x->pending_msg = sqlite3_column_int64(os, 0);
			x->pending_raw = xstrndup(raw, len);
			x->pending_len = len;
			x->pending_msgid = xstrdup(mid);
		}
	}
}

int decline_load(struct study *s, double within_hours, struct decline_item **out, int *n,
		 struct ct_err *err)
{
	sqlite3_stmt *st = NULL, *rs = NULL, *ls = NULL, *os = NULL;
	struct decline_item *v = NULL;
	int cnt = 0, cap = 0, r = SQLITE_DONE;
	time_t now = time_now();
	int rc = study_prepare(s, inv_sql, &st, err);
	if (!rc)
		rc = study_prepare(s, replies_sql, &rs, err);
	if (!rc)
		rc = study_prepare(s, latest_sql, &ls, err);
	if (!rc)
		rc = study_prepare(s, out_sql, &os, err);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, (size_t)cap * sizeof(*v));
		}
		struct decline_item *x = &v[cnt++];
		memset(x, 0, sizeof(*x));
		x->app = sqlite3_column_int64(st, 0);
		x->ref = study_column_dup(st, 1, NULL);
		x->area = study_column_dup(st, 2, NULL);
		x->title = study_column_dup(st, 3, NULL);
		x->url = study_column_dup(st, 4, NULL);
		x->contact = study_column_dup(st, 5, NULL);
		x->first = study_column_dup(st, 6, NULL);
		x->last = study_column_dup(st, 7, NULL);
		x->email = study_column_dup(st, 8, NULL);
		x->phone = study_column_dup(st, 9, NULL);
		x->app_msgid = study_column_dup(st, 10, NULL);
		x->invited_at = study_column_dup(st, 11, NULL);
		sqlite3_reset(rs);
		sqlite3_bind_int64(rs, 1, x->app);
		sqlite3_int64 latest = latest_reply(rs);
		if (latest) {
			sqlite3_reset(ls);
			sqlite3_bind_int64(ls, 1, latest);
			if (sqlite3_step(ls) == SQLITE_ROW)
				load_reply(ls, x);
		}
		sqlite3_reset(os);
		sqlite3_bind_int64(os, 1, x->app);
		load_outgoing(os, x);
		time_t inv_t;
		if (x->invited_at && time_parse_iso(x->invited_at, &inv_t))
			x->waited_h = (double)(now - inv_t) / 3600.0;
		x->late = x->waited_h > within_hours;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading invitations");
	sqlite3_finalize(st);
	sqlite3_finalize(rs);
	sqlite3_finalize(ls);
	sqlite3_finalize(os);
	*out = v;
	*n = cnt;
	return rc;
}

/* The subject without the "Re:", "AW:", "Antw:" ... a thread piles up. */
static const char *strip_re(const char *s)
{
	static const char *const pre[] = { "re:", "aw:", "antw:", "antwoord:", "sv:", "réf:", "fw:",
					   "fwd:", "tr:", NULL };
	for (int again = 1; s && again;) {
		again = 0;
		while (*s == ' ')
			s++;
		for (int i = 0; pre[i]; i++) {
			size_t n = strlen(pre[i]);
			if (!strncasecmp(s, pre[i], n)) {
				s += n;
				again = 1;
				break;
			}
		}
	}
	return s;
}

int decline_template(struct study *s, struct template **t, struct ct_err *err)
{
	struct tpl_vars names = { 0 };
	struct tpl_problems probs = { 0 };
	static const char *const allowed[] = { "persona.first_name", "persona.last_name",
					       "persona.full_name", "persona.email", "persona.phone",
					       "listing.ref", "listing.area", "listing.title",
					       "listing.url", "study.city", "reply.subject" };
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		tpl_vars_set(&names, allowed[i], NULL);
	/* The study's own decline text, else the built-in one of its
	 * language; an own file that cannot be read is an error, not a
	 * reason to send the built-in text. */
	char *path = xasprintf("%s/templates/decline.txt", s->dir), *text = NULL, *used = NULL;
	char *builtin = xasprintf("templates/decline/%s.txt", s->design->lang), *shown;
	size_t len = 0;
	int rc = text_or_builtin(path, builtin, &text, &len, &used, err);
	if (rc == CT_OK && !text)
		rc = ct_fail(err, CT_EENV, "no embedded %s", builtin);
	if (rc != CT_OK) {
		shown = NULL;
		goto out;
	}
	shown = strcmp(used, builtin) ? xstrdup("templates/decline.txt") : xstrdup(builtin);
	free(used);
	rc = template_parse(shown, text, len, &names, t, &probs);
	if (rc)
		ct_fail(err, CT_EINPUT, "%s", probs.n ? probs.msg[0] : "the decline template is invalid");
out:
	tpl_problems_free(&probs);
	tpl_vars_free(&names);
	free(path), free(text), free(shown), free(builtin);
	return rc;
}

/* The stored withdrawal of an earlier run, as it will leave. */
static int build_pending(struct decline_item *v, struct ct_err *err)
{
	v->raw = xstrndup(v->pending_raw, v->pending_len);
	v->len = v->pending_len;
	v->msgid = xstrdup(v->pending_msgid);
	struct reply *r = headers_of(v->raw, v->len);
	if (r) {
		v->to = take(&r->to_addr);
		v->subject = take(&r->subject);
		reply_free(r);
	}
	if (v->to && mime_addr_ok(v->to))
		return CT_OK;
	return ct_fail(err, CT_EINPUT, "the stored withdrawal has no usable To address");
}

/* A fresh withdrawal, with the landlord's subject when with_reply and there
 * is one (*used says whether it was used), else our own inquiry's. check:
 * validated as building it would be (mime_out_check and the thread's ids),
 * without building it (v->raw stays NULL). */
static int build_fresh(struct study *s, const struct template *t, struct decline_item *v,
		       int with_reply, int check, int *used, struct ct_err *err)
{
	struct tpl_vars vals = { 0 };
	char *full = xasprintf("%s %s", v->first, v->last), *subject = NULL, *body = NULL;
	const char *ours = v->our_subject && *strip_re(v->our_subject) ? strip_re(v->our_subject)
								       : v->ref;
	*used = with_reply && v->reply_subject && *strip_re(v->reply_subject);
	tpl_vars_set(&vals, "persona.first_name", v->first);
	tpl_vars_set(&vals, "persona.last_name", v->last);
	tpl_vars_set(&vals, "persona.full_name", full);
	tpl_vars_set(&vals, "persona.email", v->email);
	tpl_vars_set(&vals, "persona.phone", v->phone);
	tpl_vars_set(&vals, "listing.ref", v->ref);
	tpl_vars_set(&vals, "listing.area", v->area);
	tpl_vars_set(&vals, "listing.title", v->title);
	tpl_vars_set(&vals, "listing.url", v->url);
	tpl_vars_set(&vals, "study.city", s->design->city);
	tpl_vars_set(&vals, "reply.subject", *used ? strip_re(v->reply_subject) : ours);
	int rc = template_render(t, &vals, &subject, &body, err);
	if (rc)
		goto out;
	/* The landlord's reply address when it is a plain one, else the
	 * listing's contact. */
	const char *to = v->reply_from && mime_addr_ok(v->reply_from) ? v->reply_from : v->contact;
	if (!to || !mime_addr_ok(to)) {
		rc = ct_fail(err, CT_EINPUT, "no address to write to (the listing has no contact "
					     "e-mail and no reply was linked)");
		goto out;
	}
	const char *at = strchr(v->email, '@');
	if ((rc = mime_new_message_id(at ? at + 1 : "", &v->msgid, err)))
		goto out;
	const char *irt = v->reply_msgid ? v->reply_msgid : v->app_msgid;
	const char *refs[2];
	int nrefs = 0;
	if (v->app_msgid)
		refs[nrefs++] = v->app_msgid;
	if (v->reply_msgid && (!v->app_msgid || strcmp(v->reply_msgid, v->app_msgid)))
		refs[nrefs++] = v->reply_msgid;
	struct mime_out m = { full, v->email, to, subject, body, time_now(), s->design->timezone,
			      v->msgid, NULL, 0 };
	if (check)
		rc = mime_reply_check(&m, irt, refs, nrefs, err);
	else
		rc = mime_build_reply(&m, irt, refs, nrefs, &v->raw, &v->len, err);
	if (rc)
		goto out;
	v->to = xstrdup(to);
	v->subject = xstrdup(subject);
	v->body = xstrdup(body);
out:
	if (rc) {
		free(v->msgid);
		v->msgid = NULL;
	}
	tpl_vars_free(&vals);
	free(full), free(subject), free(body);
	return rc;
}

/* Builds (or, check, validates) one withdrawal. */
static int build_one(struct study *s, const struct template *t, struct decline_item *v, int check,
		     struct ct_err *err)
{
	if (v->pending_raw)
		return build_pending(v, err);
	int used = 0, rc = build_fresh(s, t, v, 1, check, &used, err);
	/* The landlord's subject may hold what a header must not (a control
	 * character, a literal '=?'): fall back to our own. */
	if (rc == CT_EINPUT && used)
		rc = build_fresh(s, t, v, 0, check, &used, err);
	return rc;
}

int decline_build_all(struct study *s, const struct template *t, struct decline_item *v, int n,
		      int check_only)
{
	/* The personas whose From header was built once: what only building
	 * can refuse (a name GMime would encode or fold badly) depends on the
	 * sender alone, so a check builds one withdrawal per persona and
	 * validates the others without GMime, which was most of a dry run's
	 * time. */
	const char **built = xcalloc((size_t)n + 1, sizeof(*built));
	int nbuilt = 0, worst = CT_OK;
	for (int i = 0; i < n; i++) {
		struct ct_err e = { 0 };
		int known = 0;
		for (int j = 0; check_only && j < nbuilt && !known; j++)
			known = !strcmp(built[j], v[i].email);
		int rc = build_one(s, t, &v[i], check_only && known, &e);
		if (rc) {
			v[i].failed = 1;
			v[i].status = rc;
			free(v[i].error);
			v[i].error = xstrdup(e.msg);
			if (worst != CT_EENV)
				worst = rc;
		} else if (check_only && !known && !v[i].pending_raw) {
			built[nbuilt++] = v[i].email;
		}
	}
	free(built);
	return worst;
}

struct send_ctx {
	struct decline_item *cur;
};

/* The engine's word that a withdrawal went out but was not filed in Sent. */
static void on_delivery(void *arg, enum delivery_step step, const struct delivery_job *job,
			const struct delivery_outcome *out)
{
	struct send_ctx *c = arg;
	(void)job;
	if (step == DELIVERY_STEP_NOT_FILED && c->cur && !c->cur->file_error)
		c->cur->file_error = xstrdup(out->file_error);
}

static void item_failed(struct decline_item *v, int status, const char *msg)
{
	v->failed = 1;
	v->status = status;
	free(v->error);
	v->error = xstrdup(msg);
}

/* Sends one item (or finds that an earlier run did). */
static int send_item(struct delivery *d, struct decline_item *v, struct ct_err *err)
{
	char *note = xasprintf("%.1f h after the invitation", v->waited_h);
	struct delivery_job job = { .kind = DELIVERY_WITHDRAWAL, .application = v->app,
				    .message = v->pending_raw ? v->pending_msg : 0,
				    .mailbox = v->email, .to = v->to, .message_id = v->msgid,
				    .raw = v->raw, .len = v->len, .note = note };
	struct delivery_outcome out = { 0 };
	int rc = CT_OK;
	if (v->pending_raw) {
		/* Stored by a run that died: did it leave? */
		if (!(rc = delivery_recover(d, &job, &out, err)) && out.result == DELIVERY_FOUND)
			v->sent = v->recovered = 1;
	}
	if (!rc && !v->sent)
		rc = delivery_send(d, &job, &out, err);
	free(note);
	if (rc || v->sent)
		return rc;
	switch (out.result) {
	case DELIVERY_SENT:
	case DELIVERY_FOUND:
		v->sent = 1;
		v->recovered = out.result == DELIVERY_FOUND;
		break;
	case DELIVERY_TAKEN:
		v->taken = 1;
		break;
	default: {
		/* Recorded as failed: not tried again by a later run. This
		 * item failed; the run goes on with the next. */
		char *msg = xasprintf("the withdrawal was not sent (%s): %s; recorded as failed, "
				      "not tried again",
				      delivery_result_name(out.result), out.reply);
		item_failed(v, CT_EENV, msg);
		free(msg);
		break;
	}
	}
	return CT_OK;
}

int decline_send(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		 struct decline_item *v, int n)
{
	struct delivery *d = NULL;
	struct ct_err err = { 0 };
	struct send_ctx c = { NULL };
	int worst = CT_OK, lockfd = -1;
	/* One decline run at a time: recovery takes a stored withdrawal
	 * without its own claim, so two runs could both send it. */
	if (study_lock_run(s, "study.db", "corrtest decline", &lockfd, &err) ||
	    delivery_new(s, mc, sec, &d, &err)) {
		for (int i = 0; i < n; i++)
			if (!v[i].failed)
				item_failed(&v[i], err.status, err.msg);
		study_unlock_run(lockfd);
		return err.status;
	}
	delivery_on_progress(d, on_delivery, &c);
	for (int i = 0; i < n; i++) {
		if (v[i].failed)
			continue;
		c.cur = &v[i];
		memset(&err, 0, sizeof(err));
		int rc = send_item(d, &v[i], &err);
		if (v[i].failed && worst != CT_EENV)
			worst = v[i].status;
		if (!rc)
			continue;
		/* The engine stops the run (no server, login refused, the
		 * study locked): the others are not attempted, so that no
		 * withdrawal is stored for a server that cannot take it. */
		item_failed(&v[i], rc, err.msg);
		for (int k = i + 1; k < n; k++)
			if (!v[k].failed) {
				char *msg = xasprintf("not attempted: %s", err.msg);
				item_failed(&v[k], rc, msg);
				free(msg);
			}
		worst = rc;
		break;
	}
	delivery_free(d);
	study_unlock_run(lockfd);
	return worst;
}
