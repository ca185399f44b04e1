/* cmd_decline.c: corrtest decline: politely withdraw every application whose
 * current outcome is an invitation, as a reply in the landlord's thread,
 * from the persona's own mailbox, so that no landlord keeps a slot for a
 * fictitious person. Each withdrawal is stored before it is sent and
 * recorded (table decline) once sent; a run that died in between finds it
 * in the Sent folder, or finds the self copy (the persona's own address is
 * a second envelope recipient, as with `send`) in the INBOX, instead of
 * sending it twice. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "base/embedded.h"
#include "mail/imap.h"
#include "io/json.h"
#include "mail/mailcfg.h"
#include "mail/mime.h"
#include "mail/smtp.h"
#include "io/table.h"
#include "messages/template.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_decline_usage[] =
	"usage: corrtest decline [--dry-run]\n"
	"\n"
	"For each application whose current outcome is 'invitation' and that was not\n"
	"declined yet, sends a short, polite withdrawal in the study's language from the\n"
	"persona's mailbox ([mail] smtp_url; passwords in secrets.ini), as a reply in\n"
	"the same thread: to the landlord's reply (In-Reply-To its Message-ID, To its\n"
	"sender) when fetch linked one, else to our own inquiry and the listing's\n"
	"contact; Subject \"Re: \" and the thread's subject. The text is the study's\n"
	"templates/decline.txt if there is one, else the embedded\n"
	"templates/decline/LANG.txt (placeholders as in message templates, plus\n"
	"{{reply.subject}}). The message is filed in the Sent folder over IMAP when\n"
	"[mail] imap_url is set. Reports how long each invitation waited and flags those\n"
	"past [mail] decline_within_hours (informative: exit 0).\n"
	"\n"
	"  --dry-run  print what would be sent; send and record nothing\n"
	"  --json     an array, one object per invitation handled\n"
	"\n"
	"Exit status 3 when a message could not be sent (the others still are).\n";

/* One invitation to decline and the thread it belongs to. */
struct inv {
	long long app;
	char *ref, *area, *title, *url, *contact;
	char *first, *last, *email, *phone;
	char *app_msgid;                     /* our inquiry's Message-ID */
	char *reply_msgid, *reply_from, *reply_subject; /* the landlord's latest reply, if linked */
	char *our_subject;                   /* our inquiry's Subject */
	char *invited_at;                    /* when the invitation came */
	/* A withdrawal stored by an earlier run that may or may not have left. */
	long long pending_msg;
	char *pending_raw, *pending_msgid, *pending_to;
	size_t pending_len;
	/* Built by this run. */
	char *to, *subject, *msgid, *raw, *body;
	size_t len;
	double waited_h;
	int late, sent, recovered, failed;
	char *error;
};

static void inv_free(struct inv *v)
{
	free(v->ref), free(v->area), free(v->title), free(v->url), free(v->contact);
	free(v->first), free(v->last), free(v->email), free(v->phone), free(v->app_msgid);
	free(v->reply_msgid), free(v->reply_from), free(v->reply_subject), free(v->our_subject);
	free(v->invited_at), free(v->pending_raw), free(v->pending_msgid), free(v->pending_to);
	free(v->to), free(v->subject), free(v->msgid), free(v->raw), free(v->error);
	free(v->body);
}

/* The invitations not yet declined: latest response 'invitation'. */
static const char inv_sql[] =
	"SELECT a.id, l.ref, l.area, l.title, l.url, c.contact_email,"
	" p.first_name, p.last_name, p.email, p.phone, a.message_id,"
	" coalesce(r.at, r.coded_at)"
	" FROM application a JOIN response r ON r.id ="
	"  (SELECT max(id) FROM response WHERE application = a.id)"
	" JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona"
	" LEFT JOIN listing_contact c ON c.listing = a.listing"
	" WHERE r.outcome = 'invitation' AND a.status = 'sent'"
	" AND NOT EXISTS (SELECT 1 FROM decline d WHERE d.application = a.id)"
	" ORDER BY a.id";

/* The latest linked reply of the landlord: Message-ID, sender, subject, date. */
static const char reply_sql[] =
	"SELECT message_id, from_addr, subject, at FROM message WHERE application = ?1"
	" AND direction = 'in' AND kind = 'reply' ORDER BY at DESC, id DESC LIMIT 1";

/* Our inquiry (the application's Message-ID), for its subject; and a
 * withdrawal left by a run that died (an outgoing message that is not the
 * inquiry, with no decline row). */
static const char out_sql[] =
	"SELECT id, message_id, raw FROM message WHERE application = ?1 AND direction = 'out'"
	" ORDER BY id";

static char *header_of(const char *raw, size_t len, const char *name)
{
	/* Only Subject and To of our own messages, which GMime wrote: one
	 * parse with the reply reader would do too, but this keeps decline
	 * free of the landlord parsing code. */
	size_t n = strlen(name);
	const char *p = raw, *end = raw + len;
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if ((size_t)(nl - p) > n && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			return xstrndup(v, (size_t)(nl - v));
		}
		p = nl + 1;
	}
	return NULL;
}

static int load_invitations(struct study *s, struct inv **out, int *n, struct ct_err *err)
{
	sqlite3_stmt *st = NULL, *rs = NULL, *os = NULL;
	struct inv *v = NULL;
	int cnt = 0, r;
	int rc = study_prepare(s, inv_sql, &st, err);
	if (!rc)
		rc = study_prepare(s, reply_sql, &rs, err);
	if (!rc)
		rc = study_prepare(s, out_sql, &os, err);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(cnt + 1) * sizeof(*v));
		struct inv *x = &v[cnt++];
		memset(x, 0, sizeof(*x));
		x->app = sqlite3_column_int64(st, 0);
		x->ref = study_column_dup(st, 1, NULL), x->area = study_column_dup(st, 2, NULL), x->title = study_column_dup(st, 3, NULL), x->url = study_column_dup(st, 4, NULL);
		x->contact = study_column_dup(st, 5, NULL), x->first = study_column_dup(st, 6, NULL), x->last = study_column_dup(st, 7, NULL);
		x->email = study_column_dup(st, 8, NULL), x->phone = study_column_dup(st, 9, NULL), x->app_msgid = study_column_dup(st, 10, NULL);
		x->invited_at = study_column_dup(st, 11, NULL);
		sqlite3_reset(rs);
		sqlite3_bind_int64(rs, 1, x->app);
		if (sqlite3_step(rs) == SQLITE_ROW) {
			x->reply_msgid = study_column_dup(rs, 0, NULL), x->reply_from = study_column_dup(rs, 1, NULL);
			x->reply_subject = study_column_dup(rs, 2, NULL);
			/* The invitation came with the reply, when it is older than
			 * the coding of it. */
			char *rat = study_column_dup(rs, 3, NULL);
			if (rat && x->invited_at && strcmp(rat, x->invited_at) < 0) {
				free(x->invited_at);
				x->invited_at = rat;
			} else {
				free(rat);
			}
		}
		sqlite3_reset(os);
		sqlite3_bind_int64(os, 1, x->app);
		while (sqlite3_step(os) == SQLITE_ROW) {
			const char *mid = (const char *)sqlite3_column_text(os, 1);
			const char *raw = sqlite3_column_blob(os, 2);
			size_t len = (size_t)sqlite3_column_bytes(os, 2);
			if (!raw)
				continue;
			if (mid && x->app_msgid && !strcmp(mid, x->app_msgid)) {
				free(x->our_subject);
				x->our_subject = header_of(raw, len, "Subject");
			} else if (mid) {
				free(x->pending_raw), free(x->pending_msgid), free(x->pending_to);
				x->pending_msg = sqlite3_column_int64(os, 0);
				x->pending_raw = xstrndup(raw, len);
				x->pending_len = len;
				x->pending_msgid = xstrdup(mid);
				x->pending_to = header_of(raw, len, "To");
			}
		}
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading invitations");
	sqlite3_finalize(st);
	sqlite3_finalize(rs);
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

/* Reads the withdrawal template: the study's templates/decline.txt, else the
 * embedded one of its language. */
static int load_template(struct study *s, struct template **t, struct ct_err *err)
{
	struct tpl_vars names = { 0 };
	struct tpl_problems probs = { 0 };
	static const char *const allowed[] = { "persona.first_name", "persona.last_name",
					       "persona.full_name", "persona.email", "persona.phone",
					       "listing.ref", "listing.area", "listing.title",
					       "listing.url", "study.city", "reply.subject" };
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		tpl_vars_set(&names, allowed[i], NULL);
	char *path = xasprintf("%s/templates/decline.txt", s->dir), *text = NULL, *shown;
	size_t len = 0;
	struct ct_err fe = { 0 };
	int rc;
	if (!file_read(path, &text, &len, &fe)) {
		shown = xstrdup("templates/decline.txt");
	} else {
		shown = xasprintf("templates/decline/%s.txt", s->design->lang);
		const struct embedded_file *f = embedded_find(shown);
		if (!f) {
			rc = ct_fail(err, CT_EENV, "no embedded %s", shown);
			goto out;
		}
		text = xstrndup(f->data, f->len);
		len = f->len;
	}
	rc = template_parse(shown, text, len, &names, t, &probs);
	if (rc)
		ct_fail(err, CT_EINPUT, "%s", probs.n ? probs.msg[0] : "the decline template is invalid");
out:
	tpl_problems_free(&probs);
	tpl_vars_free(&names);
	free(path), free(text), free(shown);
	return rc;
}

/* Builds v's withdrawal (a fresh one, or the one an earlier run stored). */
static int build(struct study *s, const struct template *t, struct inv *v, struct ct_err *err)
{
	if (v->pending_raw) {
		v->raw = xstrndup(v->pending_raw, v->pending_len);
		v->len = v->pending_len;
		v->msgid = xstrdup(v->pending_msgid);
		v->to = v->pending_to ? xstrdup(v->pending_to) : NULL;
		v->subject = header_of(v->raw, v->len, "Subject");
		if (v->to && mime_addr_ok(v->to))
			return CT_OK;
		return ct_fail(err, CT_EINPUT, "the stored withdrawal has no usable To address");
	}
	struct tpl_vars vals = { 0 };
	char *full = xasprintf("%s %s", v->first, v->last), *subject = NULL, *body = NULL;
	const char *base = v->reply_subject && *strip_re(v->reply_subject) ? v->reply_subject
									     : v->our_subject;
	base = base ? strip_re(base) : "";
	if (!*base)
		base = v->ref;
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
	tpl_vars_set(&vals, "reply.subject", base);
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
			      v->msgid };
	rc = mime_build_reply(&m, irt, refs, nrefs, &v->raw, &v->len, err);
	if (rc == CT_EINPUT && v->reply_subject) {
		/* The landlord's subject may hold what a header must not ('=?',
		 * odd characters): fall back to our own. */
		free(subject), free(body);
		subject = body = NULL;
		tpl_vars_set(&vals, "reply.subject", v->our_subject ? strip_re(v->our_subject) : v->ref);
		if (!(rc = template_render(t, &vals, &subject, &body, err))) {
			m.subject = subject;
			m.body = body;
			rc = mime_build_reply(&m, irt, refs, nrefs, &v->raw, &v->len, err);
		}
	}
	if (!rc) {
		v->to = xstrdup(to);
		v->subject = xstrdup(subject);
		v->body = xstrdup(body);
	}
out:
	tpl_vars_free(&vals);
	free(full), free(subject), free(body);
	return rc;
}

/* Stores the withdrawal before it leaves: a crash after sending then finds
 * it (and its Message-ID in the Sent folder) instead of composing another. */
static int store_pending(struct study *s, struct inv *v, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	char sha[65], now[ISO_LEN];
	sha256_hex(v->raw, v->len, sha);
	time_iso_utc(time_now(), now);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = study_prepare(s, "INSERT INTO message (application, direction, raw, sha256, at, mailbox,"
			      " message_id) VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6)", &st, err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, v->app);
		sqlite3_bind_blob(st, 2, v->raw, (int)v->len, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, v->email, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, v->msgid, -1, SQLITE_STATIC);
		rc = study_step_done(s, st, err, "storing a withdrawal");
		sqlite3_finalize(st);
	}
	if (!rc) {
		v->pending_msg = sqlite3_last_insert_rowid(s->db);
		char *sub = xasprintf("application %lld", v->app);
		char *det = xasprintf("withdrawal composed as message %lld (%s)", v->pending_msg,
				      v->msgid);
		rc = study_event(s, "decline.compose", sub, det, err);
		free(sub), free(det);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc)
		study_rollback(s);
	return rc;
}

static int record_sent(struct study *s, struct inv *v, const char *how, struct ct_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = study_prepare(s, "INSERT INTO decline (application, message, sent_at) VALUES (?1, ?2, ?3)",
			   &st, err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, v->app);
		sqlite3_bind_int64(st, 2, v->pending_msg);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		rc = study_step_done(s, st, err, "recording a decline");
		sqlite3_finalize(st);
	}
	if (!rc) {
		char *sub = xasprintf("application %lld", v->app);
		char *det = xasprintf("withdrawal %s (message %lld, %s), %.1f h after the invitation",
				      how, v->pending_msg, v->msgid, v->waited_h);
		rc = study_event(s, "decline", sub, det, err);
		free(sub), free(det);
	}
	if (!rc)
		rc = study_commit(s, err);
	if (rc)
		study_rollback(s);
	return rc;
}

/* One persona's accounts, opened on first use and kept for its next
 * withdrawal (connection reuse). */
struct account {
	char *email;
	struct smtp_session *smtp;
	struct imap_session *imap;
};

static struct account *account_for(struct account **acc, int *nacc, const char *email)
{
	for (int i = 0; i < *nacc; i++)
		if (!strcasecmp((*acc)[i].email, email))
			return &(*acc)[i];
	*acc = xrealloc(*acc, (size_t)(*nacc + 1) * sizeof(**acc));
	struct account *a = &(*acc)[(*nacc)++];
	memset(a, 0, sizeof(*a));
	a->email = xstrdup(email);
	return a;
}

/* Files v in the persona's Sent folder (a failure is reported, not fatal:
 * the withdrawal went out). */
static void file_in_sent(const struct mailcfg *mc, struct account *a, const struct inv *v)
{
	struct ct_err ie = { 0 };
	size_t crlen;
	char *crlf = mail_crlf(v->raw, v->len, &crlen);
	if (imap_create(a->imap, mc->sent_folder, &ie) ||
	    imap_append(a->imap, mc->sent_folder, crlf, crlen, &ie))
		fprintf(stderr, "corrtest decline: application %lld: sent, but not filed in %s: %s\n",
			v->app, mc->sent_folder, ie.msg);
	free(crlf);
}

/* Sends v (or finds that an earlier run did), files it in Sent, records it. */
static int send_one(struct study *s, const struct mailcfg *mc, const struct mail_secrets *sec,
		    struct account *a, struct inv *v, struct ct_err *err)
{
	const char *pw = mailcfg_password(sec, v->email);
	int rc;
	if (!pw)
		return ct_fail(err, CT_EINPUT, "%s has no password for mailbox %s",
			       mailcfg_secrets_path(sec), v->email);
	if (mc->imap_url && !a->imap && (rc = imap_open(mc, v->email, pw, &a->imap, err)))
		return rc;
	/* where: 0 not sent, 1 in Sent, 2 only the self copy in INBOX. */
	int pending = v->pending_raw != NULL, where = 0;
	if (pending && a->imap && (rc = imap_find_sent(a->imap, mc->sent_folder, v->msgid, &where,
						       err)))
		return rc; /* stored by a run that died: did it leave? */
	if (!pending && (rc = store_pending(s, v, err)))
		return rc;
	if (!where) {
		if (!a->smtp && (rc = smtp_open(mc, v->email, pw, &a->smtp, err)))
			return rc;
		struct smtp_outcome o;
		/* The self copy: whenever the landlord got the withdrawal, the
		 * persona's INBOX holds it too, for a run that dies before it
		 * is filed in Sent and recorded. */
		const char *rcpt[2] = { v->to, v->email };
		if (smtp_send(a->smtp, v->email, rcpt, str_eq_ci(v->to, v->email) ? 1 : 2, v->raw,
			      v->len, &o))
			return ct_fail(err, CT_EENV, "application %lld: the withdrawal was not sent "
				       "(%s): %s", v->app, smtp_result_name(o.result), o.reply);
	}
	if (a->imap && where != 1)
		file_in_sent(mc, a, v);
	v->recovered = where != 0;
	rc = record_sent(s, v, where == 1 ? "found in the Sent folder (sent by an earlier run)"
			       : where == 2 ? "found in the INBOX (the self copy; sent by an earlier run)"
					    : "sent",
			 err);
	if (!rc)
		v->sent = 1;
	return rc;
}

static void print_json(const struct inv *v, int n, int dry, double limit)
{
	struct json j;
	json_init(&j, stdout, 0);
	json_arr_begin(&j);
	for (int i = 0; i < n; i++) {
		json_obj_begin(&j);
		json_key(&j, "application");
		json_int(&j, v[i].app);
		json_key(&j, "listing");
		json_str(&j, v[i].ref);
		json_key(&j, "to");
		json_str(&j, v[i].to);
		json_key(&j, "subject");
		json_str(&j, v[i].subject);
		json_key(&j, "in_reply_to");
		json_str(&j, v[i].reply_msgid ? v[i].reply_msgid : v[i].app_msgid);
		json_key(&j, "message_id");
		json_str(&j, v[i].msgid);
		json_key(&j, "invited_at");
		json_str(&j, v[i].invited_at);
		json_key(&j, "waited_hours");
		json_num(&j, v[i].waited_h);
		json_key(&j, "late");
		json_bool(&j, v[i].late);
		json_key(&j, "limit_hours");
		json_num(&j, limit);
		json_key(&j, "dry_run");
		json_bool(&j, dry);
		json_key(&j, "sent");
		json_bool(&j, v[i].sent);
		json_key(&j, "error");
		json_str(&j, v[i].error);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

int cmd_decline(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	int dry = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	struct study *s = ctx->study;
	struct ct_err err = { 0 };
	struct mailcfg *mc = NULL;
	struct mail_secrets *sec = NULL;
	struct template *t = NULL;
	struct inv *v = NULL;
	struct account *acc = NULL;
	int n = 0, nacc = 0, failed = 0, late = 0, sent = 0;
	int rc = mailcfg_load(s->cfg, &mc, &err);
	if (!rc)
		rc = load_template(s, &t, &err);
	if (!rc)
		rc = load_invitations(s, &v, &n, &err);
	if (!rc && n && !dry)
		rc = mailcfg_require(mc, "smtp_url", &err);
	if (!rc && n && !dry)
		rc = mailcfg_secrets_load(s->dir, &sec, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	time_t now = time_now();
	for (int i = 0; i < n; i++) {
		struct ct_err e = { 0 };
		time_t inv_t;
		if (v[i].invited_at && time_parse_iso(v[i].invited_at, &inv_t))
			v[i].waited_h = (double)(now - inv_t) / 3600.0;
		v[i].late = v[i].waited_h > mc->decline_within_hours;
		late += v[i].late;
		int brc = build(s, t, &v[i], &e);
		if (!brc && !dry)
			brc = send_one(s, mc, sec, account_for(&acc, &nacc, v[i].email), &v[i], &e);
		if (brc) {
			v[i].failed = 1;
			v[i].error = xstrdup(e.msg);
			failed++;
			if (rc != CT_EENV)
				rc = brc;
			cmd_errorf(ctx, brc, "application %lld: %s", v[i].app, e.msg);
		}
		sent += v[i].sent;
	}
	if (ctx->json) {
		print_json(v, n, dry, mc->decline_within_hours);
	} else if (dry) {
		for (int i = 0; i < n; i++) {
			if (v[i].failed)
				continue;
			printf("=== application %lld (listing %s): would send, %.1f h after the "
			       "invitation%s\n", v[i].app, v[i].ref, v[i].waited_h,
			       v[i].late ? " (LATE)" : "");
			if (!v[i].body) {
				/* Stored by an earlier run: shown as it will leave. */
				fwrite(v[i].raw, 1, v[i].len, stdout);
				if (v[i].len && v[i].raw[v[i].len - 1] != '\n')
					putchar('\n');
				continue;
			}
			printf("From: %s %s <%s>\nTo: %s\nSubject: %s\nMessage-ID: %s\n", v[i].first,
			       v[i].last, v[i].email, v[i].to, v[i].subject, v[i].msgid);
			printf("In-Reply-To: %s\n\n%s",
			       v[i].reply_msgid ? v[i].reply_msgid : v[i].app_msgid ? v[i].app_msgid : "-",
			       v[i].body);
		}
		printf("Dry run: %d withdrawal%s would be sent; nothing was sent or recorded.\n", n - failed,
		       n - failed == 1 ? "" : "s");
	} else {
		if (n) {
			static const char *const head[] = { "application", "listing", "waited_h", "late",
							     "result" };
			struct table *tb = table_new(5, head);
			for (int i = 0; i < n; i++) {
				char *app = xasprintf("%lld", v[i].app);
				char *w = xasprintf("%.1f", v[i].waited_h);
				const char *res = v[i].failed ? "FAILED"
						  : v[i].recovered ? "sent (earlier run)" : "sent";
				const char *cells[] = { app, v[i].ref, w, v[i].late ? "LATE" : "", res };
				table_add(tb, cells);
				free(app), free(w);
			}
			table_print(tb, stdout);
			table_free(tb);
		}
		printf("Declined %d invitation%s", sent, sent == 1 ? "" : "s");
		if (failed)
			printf("; %d failed", failed);
		printf(".\n");
	}
	if (late)
		fprintf(stderr, "corrtest decline: %d invitation%s waited longer than "
			"decline_within_hours = %g\n", late, late == 1 ? "" : "s",
			mc->decline_within_hours);
	if (!rc)
		rc = cmd_flush(ctx);
out:
	for (int i = 0; i < nacc; i++) {
		smtp_close(acc[i].smtp);
		imap_close(acc[i].imap);
		free(acc[i].email);
	}
	free(acc);
	for (int i = 0; i < n; i++)
		inv_free(&v[i]);
	free(v);
	template_free(t);
	mailcfg_secrets_free(sec);
	mailcfg_free(mc);
	return rc;
}
