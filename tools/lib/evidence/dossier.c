/* dossier.c: one agent's case file (dossier.h). Everything is gathered in
 * memory first (a dossier is a few dozen messages), then written under
 * temporary names and put in place with its event. */
#define _GNU_SOURCE /* mkdtemp, nftw's FTW_PHYS */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence/dossier.h"
#include "evidence/verify.h"
#include "evidence/zip.h"
#include "io/json.h"
#include "analysis/facts.h"
#include "analysis/result.h"
#include "mail/reply.h"
#include "messages/compose.h"
#include "report/doc.h"
#include "report/lang.h"
#include "report/report.h"
#include "base/timeutil.h"
#include "base/banned.h"

#define NIL ((const char *)NULL)

/* ---- Pure helpers ---- */

int dossier_is_agent_key(const char *s)
{
	if (!s || strncmp(s, "ag-", 3) || strlen(s) != 15)
		return 0;
	for (const char *p = s + 3; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

char *dossier_safe_name(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = s ? s : ""; *p && sb.len < 40; p++) {
		char c = *p;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '_';
		sb_addc(&sb, keep ? c : '_');
	}
	if (!sb.len)
		sb_addc(&sb, 'x');
	return sb_detach(&sb);
}

double dossier_delay_hours(const char *sent, const char *reply)
{
	time_t a, b;
	if (!sent || !reply || !time_parse_iso(sent, &a) || !time_parse_iso(reply, &b) || b < a)
		return -1;
	return (double)(b - a) / 3600.0;
}

/* ---- What is gathered ---- */

struct dfile {
	char *name; /* path inside the dossier */
	char *data;
	size_t len;
};

struct dmsg {
	long id;
	char *direction, *sha256, *at, *kind, *from_addr, *template_sha256;
	char *raw;
	size_t len;
	int purged;
	char *file;    /* messages/... ; NULL when purged */
	const char *lref; /* its listing's reference (borrowed) */
	char *subject; /* decoded */
	char *text;    /* the readable text, decoded */
	/* Not linked to an application (gather.um): why it belongs to the
	 * agent's tests, and the message it is a second delivery of. */
	enum { UL_NONE, UL_SENDER, UL_DUPLICATE, UL_BOUNCE } why;
	long dup_of;
};

struct dresp {
	long id, message;
	char *channel, *outcome, *coder, *coded_at, *at, *note;
	int simulated;
};

struct dapp {
	long id, follows;
	char *kind, *status, *scheduled_at, *sent_at, *channel, *group, *role, *persona, *email,
		*cancel_reason, *recorded_by;
	long position, variant;
	struct dmsg *m;
	int nm;
	struct dresp *r;
	int nr;
};

struct dsnap {
	char *at, *final_url, *title, *price, *body_sha256, *error, *why, *reason;
	long http_status, day;
	int advertised; /* 1, 0, -1 unknown */
};

struct dlisting {
	long id;
	char *ref, *url, *title, *agent_type, *area, *status, *posted_on, *contact_name,
		*contact_email, *contact_phone, *agent_name;
	double price;
	int has_price;
	struct dapp *a;
	int na;
	struct dsnap *sn;
	int nsn;
};

struct dev {
	long id;
	char *f[7]; /* at, actor, action, subject, detail, prev_hash, hash */
};

struct gather {
	struct study *s;
	char key[16];
	struct dlisting *l;
	int nl;
	struct dev *ev;
	size_t nev;
	struct dmsg *um; /* messages of its tests not linked to an application */
	int num;
};

static char *col(sqlite3_stmt *st, int i)
{
	return study_column_dup(st, i, NULL);
}

static void msg_free(struct dmsg *m)
{
	free(m->direction);
	free(m->sha256);
	free(m->at);
	free(m->kind);
	free(m->from_addr);
	free(m->template_sha256);
	free(m->raw);
	free(m->file);
	free(m->subject);
	free(m->text);
}

static void gather_free(struct gather *g)
{
	for (int i = 0; i < g->nl; i++) {
		struct dlisting *l = &g->l[i];
		char *lf[] = { l->ref, l->url, l->title, l->agent_type, l->area, l->status, l->posted_on,
			       l->contact_name, l->contact_email, l->contact_phone, l->agent_name };
		for (size_t k = 0; k < ARRAY_SIZE(lf); k++)
			free(lf[k]);
		for (int j = 0; j < l->na; j++) {
			struct dapp *a = &l->a[j];
			char *af[] = { a->kind, a->status, a->scheduled_at, a->sent_at, a->channel,
				       a->group, a->role, a->persona, a->email, a->cancel_reason,
				       a->recorded_by };
			for (size_t k = 0; k < ARRAY_SIZE(af); k++)
				free(af[k]);
			for (int k = 0; k < a->nm; k++)
				msg_free(&a->m[k]);
			free(a->m);
			for (int k = 0; k < a->nr; k++) {
				struct dresp *r = &a->r[k];
				free(r->channel);
				free(r->outcome);
				free(r->coder);
				free(r->coded_at);
				free(r->at);
				free(r->note);
			}
			free(a->r);
		}
		free(l->a);
		for (int j = 0; j < l->nsn; j++) {
			struct dsnap *n = &l->sn[j];
			char *nf[] = { n->at, n->final_url, n->title, n->price, n->body_sha256, n->error,
				       n->why, n->reason };
			for (size_t k = 0; k < ARRAY_SIZE(nf); k++)
				free(nf[k]);
		}
		free(l->sn);
	}
	free(g->l);
	for (int k = 0; k < g->num; k++)
		msg_free(&g->um[k]);
	free(g->um);
	for (size_t i = 0; i < g->nev; i++)
		for (int k = 0; k < 7; k++)
			free(g->ev[i].f[k]);
	free(g->ev);
}

/* The agent's key: the text given when it is one the study holds, else the
 * key of the text as a name (study_agent_key normalises it as the import
 * did, so any spelling of the name that import took as the same agent
 * finds it). */
static int resolve_agent(struct study *s, const char *agent, char key[16], struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT count(*) FROM listing WHERE agent_key = ?", &st, err);
	if (rc)
		return rc;
	long n = 0;
	if (dossier_is_agent_key(agent)) {
		sqlite3_bind_text(st, 1, agent, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (n)
			snprintf(key, 16, "%s", agent);
	}
	if (!n && (rc = study_agent_key(s, agent, key, err)) == CT_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (!n)
		return ct_fail(err, CT_EINPUT,
			       "no agent '%s' in this study: give the agent's name as in the "
			       "listings (or the contact address, for a listing without an agent "
			       "name), or its key ag-... as the confidential report prints it",
			       agent);
	return CT_OK;
}

static int read_listings(struct gather *g, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s,
			       "SELECT l.id, l.ref, l.url, l.title, l.agent_type, l.area, l.price, "
			       "l.status, l.posted_on, c.contact_name, c.contact_email, "
			       "c.contact_phone, c.agent_name FROM listing l LEFT JOIN listing_contact "
			       "c ON c.listing = l.id WHERE l.agent_key = ? ORDER BY l.id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, g->key, -1, SQLITE_TRANSIENT);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		g->l = xrealloc(g->l, (size_t)(g->nl + 1) * sizeof(*g->l));
		struct dlisting *l = &g->l[g->nl++];
		memset(l, 0, sizeof(*l));
		l->id = (long)sqlite3_column_int64(st, 0);
		l->ref = col(st, 1);
		l->url = col(st, 2);
		l->title = col(st, 3);
		l->agent_type = col(st, 4);
		l->area = col(st, 5);
		l->has_price = sqlite3_column_type(st, 6) != SQLITE_NULL;
		l->price = sqlite3_column_double(st, 6);
		l->status = col(st, 7);
		l->posted_on = col(st, 8);
		l->contact_name = col(st, 9);
		l->contact_email = col(st, 10);
		l->contact_phone = col(st, 11);
		l->agent_name = col(st, 12);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(g->s, err, "reading the agent's listings");
}

#define MSG_COLS "id, direction, raw, sha256, at, kind, from_addr, template_sha256"

/* One row of MSG_COLS into m. */
static void msg_read(sqlite3_stmt *st, struct dmsg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = (long)sqlite3_column_int64(st, 0);
	m->direction = col(st, 1);
	m->purged = sqlite3_column_type(st, 2) == SQLITE_NULL;
	if (!m->purged) {
		m->len = (size_t)sqlite3_column_bytes(st, 2);
		m->raw = xmalloc(m->len + 1);
		if (m->len)
			memcpy(m->raw, sqlite3_column_blob(st, 2), m->len);
		m->raw[m->len] = '\0';
	}
	m->sha256 = col(st, 3);
	m->at = col(st, 4);
	m->kind = col(st, 5);
	m->from_addr = col(st, 6);
	m->template_sha256 = col(st, 7);
}

/* What a message says, decoded by the one MIME reader. */
static void msg_decode(struct dmsg *m)
{
	struct reply *rp = NULL;
	struct ct_err e2 = { 0 };
	if (m->purged || !m->len || reply_parse(m->raw, m->len, &rp, &e2) != CT_OK)
		return;
	m->subject = rp->subject ? xstrdup(rp->subject) : NULL;
	m->text = xstrdup(rp->text ? rp->text : "");
	reply_free(rp);
}

static int read_messages(struct gather *g, struct dapp *a, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s,
			       "SELECT " MSG_COLS " FROM message WHERE application = ? ORDER BY at, id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		a->m = xrealloc(a->m, (size_t)(a->nm + 1) * sizeof(*a->m));
		msg_read(st, &a->m[a->nm++]);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return study_db_error(g->s, err, "reading the agent's messages");
	for (int k = 0; k < a->nm; k++)
		msg_decode(&a->m[k]);
	return CT_OK;
}

/* The listing reference of a message already gathered (NULL: none). */
static const char *gathered_ref(const struct gather *g, long id)
{
	for (int i = 0; i < g->nl; i++)
		for (int j = 0; j < g->l[i].na; j++)
			for (int k = 0; k < g->l[i].a[j].nm; k++)
				if (g->l[i].a[j].m[k].id == id)
					return g->l[i].ref ? g->l[i].ref : "";
	for (int k = 0; k < g->num; k++)
		if (g->um[k].id == id)
			return g->um[k].lref ? g->um[k].lref : "";
	return NULL;
}

/* Rows of st not gathered yet go to g->um, each with why (and dup_of, the
 * listing's ref). */
static int add_unlinked(struct gather *g, sqlite3_stmt *st, const char *ref, long dup_of,
			const char *addr, struct ct_err *err)
{
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (gathered_ref(g, (long)sqlite3_column_int64(st, 0)))
			continue;
		g->um = xrealloc(g->um, (size_t)(g->num + 1) * sizeof(*g->um));
		struct dmsg *m = &g->um[g->num++];
		msg_read(st, m);
		m->lref = ref;
		m->dup_of = dup_of;
		m->why = dup_of ? UL_DUPLICATE
			 : m->from_addr && addr && !strcasecmp(m->from_addr, addr) ? UL_SENDER
										    : UL_BOUNCE;
		msg_decode(m);
	}
	return step == SQLITE_DONE ? CT_OK
				   : study_db_error(g->s, err, "reading the unlinked messages");
}

/* The messages of the agent's tests that fetch could not link to an
 * application: replies from a listing's contact address (compared
 * ignoring case, as addresses are), bounces whose text names that address,
 * and the second deliveries of every message gathered. */
static int read_unlinked(struct gather *g, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s,
			       "SELECT " MSG_COLS " FROM message WHERE application IS NULL AND "
			       "direction = 'in' AND (lower(from_addr) = lower(?1) OR (kind = "
			       "'bounce' AND raw IS NOT NULL AND instr(lower(CAST(raw AS TEXT)), "
			       "lower(?1)) > 0)) ORDER BY at, id",
			       &st, err);
	for (int i = 0; !rc && i < g->nl; i++) {
		const char *addr = g->l[i].contact_email;
		if (!addr || !*addr)
			continue;
		sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
		rc = add_unlinked(g, st, g->l[i].ref, 0, addr, err);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc || (rc = study_prepare(g->s,
				      "SELECT " MSG_COLS " FROM message WHERE duplicate_of = ? "
				      "ORDER BY at, id",
				      &st, err)))
		return rc;
	/* Of the linked messages, then of the unlinked ones (g->um grows
	 * while it is walked: a second delivery of a second delivery). */
	for (int i = 0; !rc && i < g->nl; i++)
		for (int j = 0; !rc && j < g->l[i].na; j++)
			for (int k = 0; !rc && k < g->l[i].a[j].nm; k++) {
				sqlite3_bind_int64(st, 1, g->l[i].a[j].m[k].id);
				rc = add_unlinked(g, st, g->l[i].ref, g->l[i].a[j].m[k].id, NULL, err);
				sqlite3_reset(st);
			}
	for (int k = 0; !rc && k < g->num; k++) {
		long id = g->um[k].id;
		sqlite3_bind_int64(st, 1, id);
		rc = add_unlinked(g, st, g->um[k].lref, id, NULL, err);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int read_responses(struct gather *g, struct dapp *a, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s,
			       "SELECT id, message, channel, outcome, coder, coded_at, at, note, "
			       "simulated FROM response WHERE application = ? ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		a->r = xrealloc(a->r, (size_t)(a->nr + 1) * sizeof(*a->r));
		struct dresp *r = &a->r[a->nr++];
		r->id = (long)sqlite3_column_int64(st, 0);
		r->message = (long)sqlite3_column_int64(st, 1);
		r->channel = col(st, 2);
		r->outcome = col(st, 3);
		r->coder = col(st, 4);
		r->coded_at = col(st, 5);
		r->at = col(st, 6);
		r->note = col(st, 7);
		r->simulated = sqlite3_column_int(st, 8);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(g->s, err, "reading the responses");
}

static int read_applications(struct gather *g, struct dlisting *l, struct ct_err *err)
{
	sqlite3_stmt *st;
	/* The pair first, by position; follow-ups and re-tests after it. */
	int rc = study_prepare(g->s,
			       "SELECT a.id, a.kind, a.follows, a.position, a.variant, a.status, "
			       "a.scheduled_at, a.sent_at, coalesce(a.sent_via, a.channel), g.label, "
			       "g.role, p.first_name || ' ' || p.last_name, p.email, a.cancel_reason, "
			       "a.recorded_by FROM application a JOIN persona p ON p.id = a.persona "
			       "JOIN grp g ON g.id = p.grp WHERE a.listing = ? ORDER BY a.kind <> "
			       "'main', a.position IS NULL, a.position, a.id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, l->id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		l->a = xrealloc(l->a, (size_t)(l->na + 1) * sizeof(*l->a));
		struct dapp *a = &l->a[l->na++];
		memset(a, 0, sizeof(*a));
		a->id = (long)sqlite3_column_int64(st, 0);
		a->kind = col(st, 1);
		a->follows = (long)sqlite3_column_int64(st, 2);
		a->position = (long)sqlite3_column_int64(st, 3);
		a->variant = (long)sqlite3_column_int64(st, 4);
		a->status = col(st, 5);
		a->scheduled_at = col(st, 6);
		a->sent_at = col(st, 7);
		a->channel = col(st, 8);
		a->group = col(st, 9);
		a->role = col(st, 10);
		a->persona = col(st, 11);
		a->email = col(st, 12);
		a->cancel_reason = col(st, 13);
		a->recorded_by = col(st, 14);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return study_db_error(g->s, err, "reading the applications");
	for (int j = 0; j < l->na && !rc; j++)
		if (!(rc = read_messages(g, &l->a[j], err)))
			rc = read_responses(g, &l->a[j], err);
	return rc;
}

static int read_snapshots(struct gather *g, struct dlisting *l, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s,
			       "SELECT s.at, s.http_status, s.final_url, s.title, s.price, "
			       "s.advertised, s.body_sha256, s.error, s.why, r.day, r.reason FROM "
			       "snapshot s LEFT JOIN recheck r ON r.id = s.recheck WHERE s.listing = ? "
			       "ORDER BY s.at, s.id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, l->id);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		l->sn = xrealloc(l->sn, (size_t)(l->nsn + 1) * sizeof(*l->sn));
		struct dsnap *n = &l->sn[l->nsn++];
		n->at = col(st, 0);
		n->http_status = sqlite3_column_type(st, 1) == SQLITE_NULL
					 ? -1
					 : (long)sqlite3_column_int64(st, 1);
		n->final_url = col(st, 2);
		n->title = col(st, 3);
		n->price = col(st, 4);
		n->advertised = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1
									   : sqlite3_column_int(st, 5);
		n->body_sha256 = col(st, 6);
		n->error = col(st, 7);
		n->why = col(st, 8);
		n->day = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1
								   : (long)sqlite3_column_int64(st, 9);
		n->reason = col(st, 10);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(g->s, err, "reading the snapshots");
}

static int read_events(struct gather *g, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(g->s, "SELECT id, at, actor, action, subject, detail, prev_hash, hash "
				     "FROM event ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->nev == cap) {
			cap = cap ? 2 * cap : 256;
			g->ev = xrealloc(g->ev, cap * sizeof(*g->ev));
		}
		struct dev *e = &g->ev[g->nev++];
		e->id = (long)sqlite3_column_int64(st, 0);
		for (int k = 0; k < 7; k++)
			e->f[k] = col(st, k + 1);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(g->s, err, "reading the event log");
}

/* ---- The files ---- */

struct files {
	struct dfile *f;
	int n;
};

static void add_file(struct files *fs, char *name, char *data, size_t len)
{
	fs->f = xrealloc(fs->f, (size_t)(fs->n + 1) * sizeof(*fs->f));
	fs->f[fs->n++] = (struct dfile){ name, data, len };
}

static char *memdup(const char *p, size_t n)
{
	char *c = xmalloc(n + 1);
	if (n)
		memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static void add_text(struct files *fs, const char *name, struct strbuf *sb)
{
	size_t len = sb->len;
	add_file(fs, xstrdup(name), sb_detach(sb), len);
}

static int cmp_msg_time(const void *x, const void *y)
{
	const struct dmsg *a = *(const struct dmsg *const *)x, *b = *(const struct dmsg *const *)y;
	int c = strcmp(a->at ? a->at : "", b->at ? b->at : "");
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* messages/NNNN_<time>_<in|out>_<listing>_m<id>.eml, numbered over the
 * whole dossier in the order the messages were stored. */
static void message_files(struct gather *g, struct files *fs, struct dossier_result *res)
{
	size_t n = 0;
	for (int i = 0; i < g->nl; i++)
		for (int j = 0; j < g->l[i].na; j++)
			n += (size_t)g->l[i].a[j].nm;
	n += (size_t)g->num;
	struct dmsg **all = xcalloc(n + 1, sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < g->nl; i++)
		for (int j = 0; j < g->l[i].na; j++)
			for (int m = 0; m < g->l[i].a[j].nm; m++) {
				all[k] = &g->l[i].a[j].m[m];
				all[k++]->lref = g->l[i].ref;
			}
	for (int m = 0; m < g->num; m++)
		all[k++] = &g->um[m];
	qsort(all, n, sizeof(*all), cmp_msg_time);
	long seq = 0;
	for (size_t i = 0; i < n; i++) {
		struct dmsg *m = all[i];
		if (m->purged) {
			res->messages_purged++;
			continue;
		}
		char stamp[ISO_LEN] = "unknown";
		if (m->at) {
			snprintf(stamp, sizeof(stamp), "%s", m->at);
			for (char *p = stamp; *p; p++)
				if (*p == ':')
					*p = '-';
		}
		char *safe = dossier_safe_name(m->lref);
		m->file = xasprintf("messages/%04ld_%s_%s_%s_m%ld.eml", ++seq, stamp,
				    m->direction && !strcmp(m->direction, "in") ? "in" : "out", safe, m->id);
		free(safe);
		add_file(fs, xstrdup(m->file), memdup(m->raw, m->len), m->len);
		res->messages++;
	}
	free(all);
}

/* Whether an event's subject names one of the agent's listings (by its
 * reference, bare or as "listing REF"), applications or messages. */
static int event_about_agent(const struct gather *g, const char *subject)
{
	if (!subject)
		return 0;
	long id;
	const char *num = NULL;
	int app = 0;
	if (!strncmp(subject, "application ", 12)) {
		num = subject + 12;
		app = 1;
	} else if (!strncmp(subject, "message ", 8)) {
		num = subject + 8;
	} else if (!strncmp(subject, "listing ", 8)) {
		/* retest, recheck and recheck-cancel name "listing REF". */
		subject += 8;
	}
	for (int i = 0; i < g->nl; i++) {
		const struct dlisting *l = &g->l[i];
		if (!num && l->ref && !strcmp(subject, l->ref))
			return 1;
		if (!num || !parse_long(num, &id))
			continue;
		for (int j = 0; j < l->na; j++) {
			if (app && l->a[j].id == id)
				return 1;
			for (int k = 0; !app && k < l->a[j].nm; k++)
				if (l->a[j].m[k].id == id)
					return 1;
		}
	}
	return 0;
}

/* The study-wide events an extract keeps: the study made, its schema
 * upgraded, the assignment (with the design hash) and the seals. */
static int event_study_wide(const struct dev *e, const char *key)
{
	const char *a = e->f[2] ? e->f[2] : "";
	return !strcmp(a, "init") || !strcmp(a, "migrate") || !strcmp(a, "assign") ||
	       !strcmp(a, "seal") ||
	       (!strcmp(a, "dossier") && e->f[3] && !strcmp(e->f[3], key));
}

static void event_files(struct gather *g, struct files *fs, struct dossier_result *res,
			int *keep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		ct_oom(0);
	struct json j;
	json_init(&j, f, 1);
	json_arr_begin(&j);
	static const char *const names[7] = { "at",	"actor",     "action", "subject",
					      "detail", "prev_hash", "hash" };
	for (size_t i = 0; i < g->nev; i++) {
		const struct dev *e = &g->ev[i];
		keep[i] = event_about_agent(g, e->f[3]) || event_study_wide(e, g->key);
		if (!keep[i])
			continue;
		res->events_extract++;
		json_obj_begin(&j);
		json_key(&j, "id");
		json_int(&j, e->id);
		for (int k = 0; k < 7; k++) {
			json_key(&j, names[k]);
			json_str(&j, e->f[k]);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
	if (fclose(f) != 0)
		ct_oom(len);
	add_file(fs, xstrdup("events.json"), buf, len);
	struct strbuf c = STRBUF_INIT;
	sb_adds(&c, "id,prev_hash,hash\n");
	for (size_t i = 0; i < g->nev; i++)
		sb_addf(&c, "%ld,%s,%s\n", g->ev[i].id, g->ev[i].f[5] ? g->ev[i].f[5] : "",
			g->ev[i].f[6] ? g->ev[i].f[6] : "");
	add_text(fs, "chain.csv", &c);
	res->events = (long)g->nev;
}

/* ---- index.html ---- */

struct page {
	struct lang *L;
	struct doc *d;
	const struct gather *g;
	const struct analysis_result *r;
	const struct dossier_result *res;
	char ini_sha256[65]; /* of study.ini as read for design/ ("" if unread) */
	int ini_redacted;    /* design/study.ini had legal_hold removed */
};

static const char *T(struct page *P, const char *key)
{
	return lang_t(P->L, key, NIL);
}

/* Every table of the dossier keeps line breaks and wraps anywhere: a
 * message is quoted whole, a hash or an address must not widen the page. */
static struct doc_table *dtable(struct page *P, const char *caption, int ncols,
				const char *const *head, const unsigned char *num)
{
	struct doc_table *t = doc_table(P->d, caption, ncols, head, num);
	doc_table_pre(t);
	return t;
}

static const char *OR_NA(struct page *P, const char *s)
{
	return s && *s ? s : T(P, "fmt.na");
}

static const char *channel_word(struct page *P, const char *ch)
{
	char key[48];
	snprintf(key, sizeof(key), "channel.%s", ch ? ch : "unknown");
	return T(P, key);
}

/* How a reply came (response.channel): e-mail, phone, ..., manual. */
static const char *reply_channel_word(struct page *P, const char *ch)
{
	char key[48];
	snprintf(key, sizeof(key), "dossier.rch.%s", ch ? ch : "manual");
	return T(P, key);
}

static const char *outcome_word(struct page *P, const char *o)
{
	char key[48];
	snprintf(key, sizeof(key), "dossier.outcome.%s", o ? o : "none");
	return T(P, key);
}

/* The first reply's time: the earliest response that is not no_reply and
 * has a time (what the analysis counts the delay to, pairs.h). */
static const char *first_reply_at(const struct dapp *a)
{
	const char *best = NULL;
	for (int k = 0; k < a->nr; k++) {
		const struct dresp *r = &a->r[k];
		if (!r->at || !r->outcome || !strcmp(r->outcome, "no_reply"))
			continue;
		if (!best || strcmp(r->at, best) < 0)
			best = r->at;
	}
	return best;
}

/* One cell: what a candidate sent, as decoded, and the file it is in. */
static char *sent_cell(struct page *P, const struct dapp *a)
{
	struct strbuf sb = STRBUF_INIT;
	for (int k = 0; k < a->nm; k++) {
		const struct dmsg *m = &a->m[k];
		if (!m->direction || strcmp(m->direction, "out"))
			continue;
		if (sb.len)
			sb_adds(&sb, "\n\n");
		if (m->purged) {
			sb_adds(&sb, lang_t(P->L, "dossier.msg.purged", m->sha256, NIL));
			continue;
		}
		sb_adds(&sb, lang_t(P->L, "dossier.msg.subject", OR_NA(P, m->subject), NIL));
		sb_adds(&sb, "\n\n");
		sb_adds(&sb, m->text ? m->text : "");
		sb_adds(&sb, "\n\n");
		sb_adds(&sb, lang_t(P->L, "dossier.msg.file", m->file, NIL));
	}
	if (!sb.len)
		sb_adds(&sb, T(P, "dossier.msg.none_out"));
	for (int k = 0; k < a->nm; k++)
		if (a->m[k].kind && !strcmp(a->m[k].kind, "self") && a->m[k].file) {
			sb_adds(&sb, "\n");
			sb_adds(&sb, lang_t(P->L, "dossier.msg.self", a->m[k].file, NIL));
		}
	return sb_detach(&sb);
}

static char *replies_cell(struct page *P, const struct dapp *a)
{
	struct strbuf sb = STRBUF_INIT;
	for (int k = 0; k < a->nm; k++) {
		const struct dmsg *m = &a->m[k];
		/* The candidate's own copy of its message is no reply (it is
		 * named under the message it copies). */
		if (!m->direction || strcmp(m->direction, "in") || (m->kind && !strcmp(m->kind, "self")))
			continue;
		if (sb.len)
			sb_adds(&sb, "\n\n——————\n\n");
		sb_adds(&sb, lang_t(P->L, "dossier.msg.in_head", OR_NA(P, m->at), OR_NA(P, m->from_addr),
				    OR_NA(P, m->kind), NIL));
		sb_addc(&sb, '\n');
		if (m->purged) {
			sb_adds(&sb, lang_t(P->L, "dossier.msg.purged", m->sha256, NIL));
			continue;
		}
		sb_adds(&sb, lang_t(P->L, "dossier.msg.subject", OR_NA(P, m->subject), NIL));
		sb_adds(&sb, "\n\n");
		sb_adds(&sb, m->text ? m->text : "");
		sb_adds(&sb, "\n\n");
		sb_adds(&sb, lang_t(P->L, "dossier.msg.file", m->file, NIL));
	}
	/* Replies recorded by hand (a call, a portal message) have a
	 * response row and no message. */
	for (int k = 0; k < a->nr; k++) {
		const struct dresp *r = &a->r[k];
		if (r->message || !r->outcome || !strcmp(r->outcome, "no_reply"))
			continue;
		if (sb.len)
			sb_adds(&sb, "\n\n");
		char *note = r->note ? xasprintf(": %s", r->note) : xstrdup("");
		sb_adds(&sb, lang_t(P->L, "dossier.msg.logged", OR_NA(P, r->at),
				    reply_channel_word(P, r->channel), note, NIL));
		free(note);
	}
	if (!sb.len)
		sb_adds(&sb, T(P, "dossier.msg.none_in"));
	return sb_detach(&sb);
}

static char *outcome_cell(struct page *P, const struct dapp *a)
{
	if (!a->nr)
		return xstrdup(T(P, "dossier.outcome.none"));
	const struct dresp *r = &a->r[a->nr - 1]; /* the latest row is the outcome */
	return xstrdup(lang_t(P->L, "dossier.code", outcome_word(P, r->outcome),
			      reply_channel_word(P, r->channel), OR_NA(P, r->coder), OR_NA(P, r->coded_at),
			      NIL));
}

static char *delay_cell(struct page *P, const struct dapp *a)
{
	double h = dossier_delay_hours(a->sent_at, first_reply_at(a));
	if (h < 0)
		return xstrdup(T(P, "fmt.na"));
	return xstrdup(lang_t(P->L, "dossier.hours", lang_num(P->L, h, 1), NIL));
}

/* Both (or all) candidates of a listing's paired test, a column each. */
static void side_by_side(struct page *P, const struct dlisting *l)
{
	int n = 0;
	for (int j = 0; j < l->na; j++)
		n += !strcmp(l->a[j].kind, "main");
	if (!n) {
		doc_para(P->d, T(P, "dossier.no_applications"));
		return;
	}
	const char **head = xcalloc((size_t)n + 1, sizeof(*head));
	head[0] = "";
	const struct dapp **apps = xcalloc((size_t)n, sizeof(*apps));
	int k = 0;
	for (int j = 0; j < l->na; j++)
		if (!strcmp(l->a[j].kind, "main"))
			apps[k++] = &l->a[j];
	char **cells = xcalloc((size_t)n, sizeof(*cells));
	for (int i = 0; i < n; i++) {
		char pos[24];
		snprintf(pos, sizeof(pos), "%ld", apps[i]->position);
		cells[i] = xstrdup(lang_t(P->L, "dossier.col.candidate", apps[i]->group,
					  apps[i]->position ? pos : "?", NIL));
		head[i + 1] = cells[i];
	}
	struct doc_table *t = dtable(P, lang_t(P->L, "dossier.cap.pair", l->ref, NIL), n + 1,
					head, NULL);
	for (int i = 0; i < n; i++)
		free(cells[i]);
	enum { ROWS = 10 };
	static const char *const keys[ROWS] = {
		"dossier.row.persona",	 "dossier.row.channel", "dossier.row.scheduled",
		"dossier.row.sent",	 "dossier.row.status",	"dossier.row.variant",
		"dossier.row.message",	 "dossier.row.replies", "dossier.row.outcome",
		"dossier.row.delay",
	};
	const char **row = xcalloc((size_t)n + 1, sizeof(*row));
	char **own = xcalloc((size_t)n + 1, sizeof(*own));
	for (int r = 0; r < ROWS; r++) {
		row[0] = T(P, keys[r]);
		for (int i = 0; i < n; i++) {
			const struct dapp *a = apps[i];
			switch (r) {
			case 0: own[i] = xasprintf("%s\n%s", a->persona, a->email); break;
			case 1: own[i] = xstrdup(channel_word(P, a->channel)); break;
			case 2: own[i] = xstrdup(OR_NA(P, a->scheduled_at)); break;
			case 3: own[i] = xstrdup(OR_NA(P, a->sent_at)); break;
			case 4:
				own[i] = a->cancel_reason ? xasprintf("%s (%s)", a->status, a->cancel_reason)
							  : xstrdup(a->status);
				break;
			case 5:
				own[i] = a->variant ? xasprintf("v%ld", a->variant)
						    : xstrdup(T(P, "fmt.na"));
				break;
			case 6: own[i] = sent_cell(P, a); break;
			case 7: own[i] = replies_cell(P, a); break;
			case 8: own[i] = outcome_cell(P, a); break;
			default: own[i] = delay_cell(P, a); break;
			}
			row[i + 1] = own[i];
		}
		doc_row(t, row);
		for (int i = 0; i < n; i++)
			free(own[i]);
	}
	doc_table_foot(t, T(P, "dossier.foot.pair"));
	free(own);
	free(row);
	free(cells);
	free(apps);
	free(head);
}

/* Which way this listing's pairs count in the exact test. */
static void pair_verdict(struct page *P, const struct dlisting *l)
{
	const struct pairs_set *ps = &P->r->ps;
	int any = 0;
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		if (p->listing != l->id)
			continue;
		any = 1;
		int pc = pairs_outcome_positive(p->control_outcome, P->r->def);
		int pt = pairs_outcome_positive(p->test_outcome, P->r->def);
		const char *grp = p->group >= 0 && p->group < ps->ngroups ? ps->groups[p->group].label
									 : "?";
		const char *key = pc && !pt   ? "dossier.pair.b"
				  : !pc && pt ? "dossier.pair.c"
				  : pc	      ? "dossier.pair.both"
					      : "dossier.pair.neither";
		doc_para(P->d, lang_t(P->L, key, grp, NIL));
	}
	if (!any)
		doc_para(P->d, T(P, "dossier.pair.excluded"));
}

static void history_table(struct page *P, const struct dlisting *l)
{
	int n = 0;
	for (int j = 0; j < l->na; j++)
		n += l->a[j].nr;
	if (!n)
		return;
	const char *head[] = { T(P, "dossier.col.candidate_short"), T(P, "dossier.col.reply_at"),
			       T(P, "col.channel"),		    T(P, "dossier.col.code"),
			       T(P, "dossier.col.coder"),	    T(P, "dossier.col.coded_at"),
			       T(P, "dossier.col.note") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.codes"), 7, head, NULL);
	for (int j = 0; j < l->na; j++) {
		const struct dapp *a = &l->a[j];
		for (int k = 0; k < a->nr; k++) {
			const struct dresp *r = &a->r[k];
			char *who = xasprintf("%s (%s)", a->group, a->persona);
			char *note = r->simulated ? xasprintf("%s%s%s", T(P, "dossier.simulated"),
							      r->note ? "; " : "", r->note ? r->note : "")
						  : xstrdup(r->note ? r->note : "");
			const char *row[] = { who,
					      OR_NA(P, r->at),
					      reply_channel_word(P, r->channel),
					      outcome_word(P, r->outcome),
					      r->coder,
					      r->coded_at,
					      note };
			doc_row(t, row);
			free(who);
			free(note);
		}
	}
	doc_table_foot(t, T(P, "dossier.foot.codes"));
}

static void snapshot_table(struct page *P, const struct dlisting *l)
{
	if (!l->nsn) {
		doc_para(P->d, T(P, "dossier.snap.none"));
		return;
	}
	const char *head[] = { T(P, "dossier.col.snap_at"), T(P, "dossier.col.day"),
			       T(P, "dossier.col.http"),    T(P, "dossier.col.final_url"),
			       T(P, "dossier.col.title"),   T(P, "dossier.col.price"),
			       T(P, "dossier.col.advertised"), T(P, "dossier.col.body_sha256") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.snapshots"), 8, head, NULL);
	for (int j = 0; j < l->nsn; j++) {
		const struct dsnap *n = &l->sn[j];
		char day[24], http[24];
		snprintf(day, sizeof(day), "%ld", n->day);
		snprintf(http, sizeof(http), "%ld", n->http_status);
		char *adv = xasprintf("%s%s%s",
				      T(P, n->advertised == 1   ? "dossier.adv.yes"
					   : n->advertised == 0 ? "dossier.adv.no"
								: "dossier.adv.unknown"),
				      n->why || n->error ? ": " : "",
				      n->why ? n->why : n->error ? n->error : "");
		const char *row[] = { n->at,
				      n->day >= 0 ? day : T(P, "fmt.na"),
				      n->http_status >= 0 ? http : T(P, "fmt.na"),
				      OR_NA(P, n->final_url),
				      OR_NA(P, n->title),
				      OR_NA(P, n->price),
				      adv,
				      OR_NA(P, n->body_sha256) };
		doc_row(t, row);
		free(adv);
	}
	doc_table_foot(t, T(P, "dossier.foot.snapshots"));
}

static void followup_table(struct page *P, const struct dlisting *l)
{
	int n = 0;
	for (int j = 0; j < l->na; j++)
		n += strcmp(l->a[j].kind, "main") != 0;
	if (!n) {
		doc_para(P->d, T(P, "dossier.followup.none"));
		return;
	}
	const char *head[] = { T(P, "dossier.col.kind"),	T(P, "dossier.col.candidate_short"),
			       T(P, "dossier.row.sent"),	T(P, "dossier.row.message"),
			       T(P, "dossier.row.replies"),	T(P, "dossier.row.outcome") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.followups"), 6, head, NULL);
	for (int j = 0; j < l->na; j++) {
		const struct dapp *a = &l->a[j];
		if (!strcmp(a->kind, "main"))
			continue;
		char key[48], follows[32];
		snprintf(key, sizeof(key), "dossier.kind.%s", a->kind);
		snprintf(follows, sizeof(follows), "%ld", a->follows);
		char *kind = xstrdup(lang_t(P->L, key, follows, NIL));
		char *who = xasprintf("%s\n%s\n%s", a->group, a->persona, a->email);
		char *sent = xasprintf("%s\n%s\n%s", OR_NA(P, a->sent_at), channel_word(P, a->channel),
				       a->status);
		char *msg = sent_cell(P, a), *rep = replies_cell(P, a), *out = outcome_cell(P, a);
		const char *row[] = { kind, who, sent, msg, rep, out };
		doc_row(t, row);
		free(kind);
		free(who);
		free(sent);
		free(msg);
		free(rep);
		free(out);
	}
	doc_table_foot(t, T(P, "dossier.foot.followups"));
}

static void listing_section(struct page *P, const struct dlisting *l, int index)
{
	char num[24];
	snprintf(num, sizeof(num), "%d", index);
	doc_heading(P->d, 3, NULL, lang_t(P->L, "dossier.h.listing", num, l->ref, NIL));
	const char *head[] = { T(P, "col.measure"), T(P, "col.value") };
	struct doc_table *t = dtable(P, NULL, 2, head, NULL);
	char price[64] = "";
	if (l->has_price)
		snprintf(price, sizeof(price), "%s", lang_num(P->L, l->price, 0));
	const char *rows[][2] = {
		{ T(P, "dossier.l.ref"), l->ref },
		{ T(P, "dossier.l.area"), OR_NA(P, l->area) },
		{ T(P, "dossier.l.price"), OR_NA(P, price) },
		{ T(P, "dossier.l.type"), OR_NA(P, l->agent_type) },
		{ T(P, "dossier.l.title"), OR_NA(P, l->title) },
		{ T(P, "dossier.l.url"), OR_NA(P, l->url) },
		{ T(P, "dossier.l.posted_on"), OR_NA(P, l->posted_on) },
		{ T(P, "dossier.l.agent"), OR_NA(P, l->agent_name) },
		{ T(P, "dossier.l.contact"), OR_NA(P, l->contact_name) },
		{ T(P, "dossier.l.email"), OR_NA(P, l->contact_email) },
		{ T(P, "dossier.l.phone"), OR_NA(P, l->contact_phone) },
		{ T(P, "dossier.l.status"), OR_NA(P, l->status) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		doc_row(t, rows[i]);
	side_by_side(P, l);
	pair_verdict(P, l);
	history_table(P, l);
	doc_heading(P->d, 3, NULL, lang_t(P->L, "dossier.h.snapshots", l->ref, NIL));
	snapshot_table(P, l);
	doc_heading(P->d, 3, NULL, lang_t(P->L, "dossier.h.followups", l->ref, NIL));
	followup_table(P, l);
}

/* The exact test over the agent's pairs, with its counts in words. */
static void test_section(struct page *P, struct dossier_result *res, const char *control)
{
	const struct analysis_result *r = P->r;
	const struct pairs_set *ps = &r->ps;
	long pairs = 0, b = 0, c = 0, lst = 0;
	int64_t last = -1;
	for (size_t i = 0; i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
		if (!p->agent_key || strcmp(p->agent_key, P->g->key))
			continue;
		int pc = pairs_outcome_positive(p->control_outcome, r->def);
		int pt = pairs_outcome_positive(p->test_outcome, r->def);
		pairs++;
		b += pc && !pt;
		c += !pc && pt;
		lst += p->listing != last;
		last = p->listing;
	}
	res->pairs = pairs;
	res->b = b;
	res->c = c;
	agent_binom_two_sided(b, c, &res->p_exact);
	agent_binom_greater(b, c, &res->p_greater);
	res->tested = b + c > 0;
	doc_heading(P->d, 2, "test", T(P, "dossier.h.test"));
	const char *def = T(P, r->def == PAIRS_STRICT  ? "outcome.strict"
			       : r->def == PAIRS_BROAD ? "outcome.broad"
						       : "outcome.any");
	doc_para(P->d, lang_t(P->L, "dossier.test.outcome", def, NIL));
	const char *head[] = { T(P, "col.measure"), T(P, "col.value") };
	const unsigned char num[] = { 0, 1 };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.test"), 2, head, num);
	const struct analysis_agent *annex = NULL;
	for (size_t i = 0; i < r->nagents; i++)
		if (!strcmp(r->agents[i].key, P->g->key))
			annex = &r->agents[i];
	const char *rows[][2] = {
		{ T(P, "dossier.test.listings"), lang_int(P->L, lst) },
		{ T(P, "dossier.test.pairs"), lang_int(P->L, pairs) },
		{ T(P, "dossier.test.concordant"), lang_int(P->L, pairs - b - c) },
		{ lang_t(P->L, "dossier.test.b", control, NIL), lang_int(P->L, b) },
		{ T(P, "dossier.test.c"), lang_int(P->L, c) },
		{ T(P, "dossier.test.p_exact"),
		  res->tested ? lang_p(P->L, res->p_exact) : T(P, "fmt.na") },
		{ T(P, "dossier.test.p_greater"),
		  res->tested ? lang_p(P->L, res->p_greater) : T(P, "fmt.na") },
		{ T(P, "dossier.test.p_holm"),
		  annex && annex->r.tested ? lang_p(P->L, annex->r.p_holm) : T(P, "fmt.na") },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		doc_row(t, rows[i]);
	doc_table_foot(t, T(P, "dossier.foot.test"));
	if (!res->tested) {
		doc_para(P->d, lang_t(P->L, "dossier.test.none", lang_int(P->L, pairs), NIL));
	} else {
		/* Six digits, so that the figure can be held to R's binom.test. */
		char exact[32];
		fmt_fixed(exact, sizeof(exact), res->p_exact, 6, lang_decimal(P->L));
		doc_para(P->d, lang_t(P->L, "dossier.test.words", lang_int(P->L, pairs), control,
				      lang_int(P->L, b), lang_int(P->L, c), lang_int(P->L, b + c),
				      lang_p_eq(P->L, res->p_exact), exact, NIL));
	}
	if (annex)
		doc_para(P->d, lang_t(P->L, annex->r.flagged ? "dossier.test.flagged"
							       : "dossier.test.not_flagged",
				      lang_int(P->L, (long long)r->nagents), NIL));
	else
		doc_para(P->d, T(P, "dossier.test.not_in_annex"));
	doc_note(P->d, T(P, "dossier.test.caution"));
}

static void messages_section(struct page *P)
{
	doc_heading(P->d, 2, "messages", T(P, "dossier.h.messages"));
	doc_para(P->d, T(P, "dossier.messages.intro"));
	const char *head[] = { T(P, "dossier.col.file"), T(P, "dossier.col.direction"),
			       T(P, "dossier.col.stored_at"), T(P, "dossier.col.sha256") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.messages"), 4, head, NULL);
	const struct gather *g = P->g;
	for (int i = 0; i < g->nl; i++)
		for (int j = 0; j < g->l[i].na; j++)
			for (int k = 0; k < g->l[i].a[j].nm; k++) {
				const struct dmsg *m = &g->l[i].a[j].m[k];
				const char *row[] = { m->file ? m->file : T(P, "dossier.msg.purged_file"),
						      m->direction, OR_NA(P, m->at), m->sha256 };
				doc_row(t, row);
			}
	doc_table_foot(t, T(P, "dossier.foot.messages"));
	if (!g->num)
		return;
	doc_para(P->d, T(P, "dossier.unlinked.intro"));
	const char *uhead[] = { T(P, "dossier.col.file"),      T(P, "dossier.col.direction"),
				T(P, "dossier.col.stored_at"), T(P, "dossier.col.from"),
				T(P, "dossier.col.why"),       T(P, "dossier.col.sha256") };
	t = dtable(P, T(P, "dossier.cap.unlinked"), 6, uhead, NULL);
	for (int k = 0; k < g->num; k++) {
		const struct dmsg *m = &g->um[k];
		char num[24];
		snprintf(num, sizeof(num), "%ld", m->dup_of);
		char *why = xstrdup(lang_t(P->L,
					   m->why == UL_DUPLICATE ? "dossier.unlinked.duplicate"
					   : m->why == UL_SENDER  ? "dossier.unlinked.sender"
								  : "dossier.unlinked.bounce",
					   m->why == UL_DUPLICATE ? num : OR_NA(P, m->lref), NIL));
		const char *row[] = { m->file ? m->file : T(P, "dossier.msg.purged_file"),
				      m->direction, OR_NA(P, m->at), OR_NA(P, m->from_addr), why,
				      m->sha256 };
		doc_row(t, row);
		free(why);
	}
	doc_table_foot(t, T(P, "dossier.foot.unlinked"));
}

static void events_section(struct page *P, const int *keep)
{
	const struct gather *g = P->g;
	doc_heading(P->d, 2, "events", T(P, "dossier.h.events"));
	doc_para(P->d, lang_t(P->L, "dossier.events.intro", lang_int(P->L, P->res->events_extract),
			      lang_int(P->L, (long long)g->nev),
			      g->nev ? g->ev[g->nev - 1].f[6] : T(P, "fmt.na"), NIL));
	const char *head[] = { T(P, "dossier.col.event"), T(P, "dossier.col.at"),
			       T(P, "dossier.col.action"), T(P, "dossier.col.subject"),
			       T(P, "dossier.col.detail"), T(P, "dossier.col.hash") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.events"), 6, head, NULL);
	for (size_t i = 0; i < g->nev; i++) {
		if (!keep[i])
			continue;
		const struct dev *e = &g->ev[i];
		char id[24];
		snprintf(id, sizeof(id), "%ld", e->id);
		const char *row[] = { id, e->f[0], e->f[2], e->f[3] ? e->f[3] : "", e->f[4] ? e->f[4] : "",
				      e->f[6] };
		doc_row(t, row);
	}
	doc_heading(P->d, 3, NULL, T(P, "dossier.h.verify"));
	const char *items[] = { T(P, "dossier.verify.manifest"), T(P, "dossier.verify.messages"),
				T(P, "dossier.verify.hash"), T(P, "dossier.verify.chain"),
				T(P, "dossier.verify.head") };
	doc_list(P->d, items, (int)ARRAY_SIZE(items));
}

/* ---- VERIFY.txt ---- */

static void verify_text(struct page *P, struct strbuf *sb, const char *head)
{
	sb_adds(sb, T(P, "dossier.running"));
	sb_adds(sb, "\n\n");
	const char *keys[] = { "dossier.verify.manifest", "dossier.verify.messages",
			       "dossier.verify.hash", "dossier.verify.chain", "dossier.verify.head" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		sb_addf(sb, "%zu. %s\n\n", i + 1, T(P, keys[i]));
		if (i == 0)
			sb_adds(sb, "sha256sum -c MANIFEST.sha256\n\n");
		if (i != 2)
			continue;
		/* The formula of study_event_hash (store/study.c), spelt out for a
		 * shell and for Python: fields joined by the byte 0x1F, an absent
		 * (null) field written as the byte 0x1E. */
		sb_adds(sb, "printf '%s\\037%s\\037%s\\037%s\\037%s\\037%s' \\\n"
			    "  \"$prev_hash\" \"$at\" \"$actor\" \"$action\" \"$subject\" "
			    "\"$detail\" | sha256sum\n\n");
		sb_adds(sb, T(P, "dossier.verify.null"));
		sb_adds(sb, "\n\n");
		sb_adds(sb, T(P, "dossier.verify.all"));
		sb_adds(sb, "\n\n"
			    "python3 -c 'import json,hashlib\n"
			    "for e in json.load(open(\"events.json\")):\n"
			    "    f=[e[k] if e[k] is not None else \"\\x1e\" for k in\n"
			    "       (\"prev_hash\",\"at\",\"actor\",\"action\",\"subject\",\"detail\")]\n"
			    "    h=hashlib.sha256(\"\\x1f\".join(f).encode()).hexdigest()\n"
			    "    print(e[\"id\"], \"ok\" if h==e[\"hash\"] else \"DIFFERS\")'\n\n");
	}
	sb_addf(sb, "head: %s\n", head ? head : "");
	/* design/study.ini is compared with the study's own file by this hash
	 * when its copy had legal_hold removed. */
	if (P->ini_sha256[0])
		sb_addf(sb, "study.ini sha256: %s\n", P->ini_sha256);
	if (P->ini_redacted) {
		sb_adds(sb, "\n");
		sb_adds(sb, lang_t(P->L, "dossier.design.redacted", P->ini_sha256, NIL));
		sb_adds(sb, "\n");
	}
}

/* ---- Writing ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a folder this module made (its files and sub-folders). */
static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *dir, const struct dfile *f, struct ct_err *err)
{
	char *path = xasprintf("%s/%s", dir, f->name);
	/* Its folders first. */
	for (char *q = path + strlen(dir) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			int rc = ct_fail(err, CT_EENV, "cannot create %s: %s", path, strerror(errno));
			free(path);
			return rc;
		}
		*q = '/';
	}
	int rc = file_write_atomic(path, f->data, f->len, 0600, err);
	free(path);
	return rc;
}

static int cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct dfile *)x)->name, ((const struct dfile *)y)->name);
}

#define LEGAL_HOLD_REMOVED "legal_hold = (removed from this copy: it names other agents)"

/* study.ini with the value of [evidence] legal_hold replaced: it names
 * other agents under legal hold, who have no place in this agent's file.
 * Every other byte is kept. *redacted: whether a value was removed. */
static char *ini_redact(const char *text, size_t len, size_t *out_len, int *redacted)
{
	struct strbuf sb = STRBUF_INIT;
	int in_evidence = 0;
	*redacted = 0;
	for (size_t i = 0; i < len;) {
		const char *line = text + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		size_t k = 0;
		while (k < n && (line[k] == ' ' || line[k] == '\t'))
			k++;
		int keep = 1;
		if (k < n && line[k] == '[') {
			const char *end = memchr(line + k, ']', n - k);
			size_t sl = end ? (size_t)(end - line - k - 1) : 0;
			in_evidence = end && sl == 8 && !strncmp(line + k + 1, "evidence", 8);
		} else if (in_evidence && n - k >= 10 && !strncmp(line + k, "legal_hold", 10)) {
			size_t e = k + 10;
			while (e < n && (line[e] == ' ' || line[e] == '\t'))
				e++;
			if (e < n && line[e] == '=') {
				size_t v = e + 1;
				while (v < n && (line[v] == ' ' || line[v] == '\t' || line[v] == '\r'))
					v++;
				if (v < n) { /* a value to remove (an empty one names nobody) */
					sb_adds(&sb, LEGAL_HOLD_REMOVED);
					if (n && line[n - 1] == '\r')
						sb_addc(&sb, '\r');
					keep = 0;
					*redacted = 1;
				}
			}
		}
		if (keep)
			sb_add(&sb, line, n);
		if (nl)
			sb_addc(&sb, '\n');
		i += n + (nl ? 1 : 0);
	}
	*out_len = sb.len;
	return sb.buf ? sb_detach(&sb) : xstrdup("");
}

/* The design's files: study.ini as it is (legal_hold removed), and the
 * message variants. */
static void design_files(struct study *s, struct files *fs, struct page *P)
{
	char *text;
	size_t len;
	struct ct_err e2 = { 0 };
	if (file_read(s->ini_path, &text, &len, &e2) == CT_OK) {
		size_t clen;
		sha256_hex(text, len, P->ini_sha256);
		char *copy = ini_redact(text, len, &clen, &P->ini_redacted);
		free(text);
		add_file(fs, xstrdup("design/study.ini"), copy, clen);
		if (P->ini_redacted)
			doc_para(P->d, lang_t(P->L, "dossier.design.redacted", P->ini_sha256, NIL));
	}
	const struct design *d = s->design;
	const char *head[] = { T(P, "dossier.col.file"), T(P, "dossier.col.sha256"),
			       T(P, "dossier.col.used") };
	struct doc_table *t = dtable(P, T(P, "dossier.cap.templates"), 3, head, NULL);
	for (int v = 1; d && d->templates_dir && v <= d->variants; v++) {
		char *path = d->templates_dir[0] == '/'
				     ? xasprintf("%s/v%d.txt", d->templates_dir, v)
				     : xasprintf("%s/%s/v%d.txt", s->dir, d->templates_dir, v);
		char *name = xasprintf("design/templates/v%d.txt", v);
		char h[65] = "";
		if (file_read(path, &text, &len, &e2) == CT_OK) {
			sha256_hex(text, len, h);
			add_file(fs, xstrdup(name), text, len);
		}
		/* How many of the agent's messages were rendered from this variant,
		 * and whether the file is still the one they were rendered from. */
		long used = 0, same = 0;
		for (int i = 0; i < P->g->nl; i++)
			for (int j = 0; j < P->g->l[i].na; j++) {
				const struct dapp *a = &P->g->l[i].a[j];
				if (a->kind && !strcmp(a->kind, "followup"))
					continue; /* made from the follow-up text */
				for (int k = 0; a->variant == v && k < a->nm; k++)
					if (a->m[k].template_sha256) {
						used++;
						same += h[0] && !strcmp(a->m[k].template_sha256, h);
					}
			}
		char *cell = xstrdup(lang_t(P->L, "dossier.template.used", lang_int(P->L, used),
					    lang_int(P->L, same), NIL));
		const char *row[] = { name, h[0] ? h : T(P, "dossier.template.missing"), cell };
		doc_row(t, row);
		free(cell);
		free(name);
		free(path);
	}
	/* The follow-up text, as compose chooses it (the study's own, else the
	 * built-in one of its language), and the follow-ups made from it. */
	char *shown = NULL;
	if (d && d->templates_dir && compose_followup_text(s, &text, &len, &shown, &e2) == CT_OK) {
		char h[65];
		sha256_hex(text, len, h);
		add_file(fs, xstrdup("design/templates/followup.txt"), text, len);
		long used = 0, same = 0;
		for (int i = 0; i < P->g->nl; i++)
			for (int j = 0; j < P->g->l[i].na; j++) {
				const struct dapp *a = &P->g->l[i].a[j];
				if (!a->kind || strcmp(a->kind, "followup"))
					continue;
				for (int k = 0; k < a->nm; k++)
					if (a->m[k].template_sha256) {
						used++;
						same += !strcmp(a->m[k].template_sha256, h);
					}
			}
		char *cell = xstrdup(lang_t(P->L, "dossier.template.used", lang_int(P->L, used),
					    lang_int(P->L, same), NIL));
		char *name = xstrdup(lang_t(P->L, "dossier.template.followup",
					    "design/templates/followup.txt", shown, NIL));
		const char *row[] = { name, h, cell };
		doc_row(t, row);
		free(name);
		free(cell);
		free(shown);
	}
	doc_table_foot(t, T(P, "dossier.foot.templates"));
}

void dossier_result_free(struct dossier_result *r)
{
	free(r->name);
	free(r->dir);
	free(r->zip);
	memset(r, 0, sizeof(*r));
}

/* Everything but the writing: the files of the dossier, in fs. */
static int build(struct study *s, struct gather *g, struct lang *L, const char *now,
		 struct files *fs, struct dossier_result *res, struct ct_err *err)
{
	int rc = read_listings(g, err);
	for (int i = 0; !rc && i < g->nl; i++) {
		if (!(rc = read_applications(g, &g->l[i], err)))
			rc = read_snapshots(g, &g->l[i], err);
	}
	if (!rc)
		rc = read_unlinked(g, err);
	if (!rc)
		rc = read_events(g, err);
	if (rc)
		return rc;
	/* That every raw message is still what the study recorded was checked
	 * by verify_run before anything was gathered (dossier_make). */
	/* The analysis as the report runs it (the agents part is the
	 * confidential annex's), for the agent's pairs and the method. */
	struct analysis_options ao = { 0 };
	if ((rc = analysis_options_parse(NULL, NULL, &ao, err)) ||
	    (rc = analysis_outcome_set(&ao, NULL, s->design ? s->design->outcome : NULL, err)))
		return rc;
	ao.parts = ANALYSIS_AGENTS;
	struct analysis_result *r = NULL;
	struct study_facts *facts = NULL;
	if ((rc = analysis_run(s, &ao, &r, err)) || (rc = study_facts_read(s, &facts, err))) {
		analysis_free(r);
		return rc;
	}
	res->listings = g->nl;
	for (int i = 0; i < g->nl; i++)
		for (int j = 0; j < g->l[i].na; j++) {
			res->applications++;
			res->followups += strcmp(g->l[i].a[j].kind, "main") != 0;
		}
	for (int i = 0; i < g->nl; i++)
		res->snapshots += g->l[i].nsn;
	for (int i = 0; i < g->nl && !res->name; i++) {
		const char *n = g->l[i].agent_name ? g->l[i].agent_name : g->l[i].contact_email;
		if (n)
			res->name = xstrdup(n);
	}
	message_files(g, fs, res);
	int *keep = xcalloc(g->nev + 1, sizeof(*keep));
	event_files(g, fs, res, keep);

	const char *control = s->design && s->design->ngroups ? s->design->groups[0].label
							      : lang_t(L, "group.control", NIL);
	struct doc *d = doc_new(lang_t(L, "dossier.title", res->name ? res->name : g->key, NIL),
				lang_code(L));
	struct page P = { L, d, g, r, res, "", 0 };
	doc_running(d, lang_t(L, "dossier.running_key", g->key, NIL));
	doc_heading(d, 1, "top", lang_t(L, "dossier.title", res->name ? res->name : g->key, NIL));
	doc_banner(d, T(&P, "dossier.banner"));
	char nl[24];
	snprintf(nl, sizeof(nl), "%ld", res->listings);
	doc_para(d, lang_t(L, "dossier.intro", facts->name ? facts->name : "",
			   facts->city ? facts->city : "", g->key,
			   res->name ? res->name : T(&P, "dossier.name_purged"), lang_int(L, res->listings),
			   now, NIL));
	doc_toc(d, T(&P, "toc"));
	test_section(&P, res, control);
	doc_heading(d, 2, "tests", T(&P, "dossier.h.tests"));
	doc_para(d, T(&P, "dossier.tests.intro"));
	for (int i = 0; i < g->nl; i++)
		listing_section(&P, &g->l[i], i + 1);
	messages_section(&P);
	events_section(&P, keep);
	doc_heading(d, 2, "design", T(&P, "dossier.h.design"));
	doc_para(d, lang_t(L, "dossier.design.intro",
			   facts->design_hash ? facts->design_hash : T(&P, "fmt.na"),
			   s->ini_sha256 ? s->ini_sha256 : T(&P, "fmt.na"), NIL));
	design_files(s, fs, &P);
	report_method(d, L, r, facts, s->design);
	doc_heading(d, 2, "integrity", T(&P, "dossier.h.integrity"));
	doc_para(d, lang_t(L, "dossier.integrity", lang_int(L, res->events),
			   g->nev ? g->ev[g->nev - 1].f[6] : T(&P, "fmt.na"), now, NIL));
	doc_banner(d, T(&P, "dossier.banner"));
	struct strbuf html = STRBUF_INIT;
	doc_html(d, NULL, &html);
	add_text(fs, "index.html", &html);
	struct strbuf vt = STRBUF_INIT;
	verify_text(&P, &vt, g->nev ? g->ev[g->nev - 1].f[6] : NULL);
	add_text(fs, "VERIFY.txt", &vt);
	doc_free(d);
	free(keep);
	study_facts_free(facts);
	analysis_free(r);
	/* The manifest over every other file, in name order. */
	qsort(fs->f, (size_t)fs->n, sizeof(*fs->f), cmp_file);
	struct strbuf man = STRBUF_INIT;
	for (int i = 0; i < fs->n; i++) {
		char h[65];
		sha256_hex(fs->f[i].data, fs->f[i].len, h);
		sb_addf(&man, "%s  %s\n", h, fs->f[i].name);
	}
	sha256_hex(man.buf ? man.buf : "", man.len, res->manifest_sha256);
	add_text(fs, "MANIFEST.sha256", &man);
	res->files = fs->n;
	return CT_OK;
}

/* Whether a folder is an earlier dossier: what dossier_make writes into
 * every one (checked before anything is built or moved). */
static int is_dossier(const char *dir)
{
	char *m = xasprintf("%s/MANIFEST.sha256", dir), *v = xasprintf("%s/VERIFY.txt", dir);
	struct stat a, b;
	int yes = lstat(m, &a) == 0 && S_ISREG(a.st_mode) && lstat(v, &b) == 0 && S_ISREG(b.st_mode);
	free(m), free(v);
	return yes;
}

/* What a new dossier replaces, refused unless it is an earlier dossier:
 * --out names a folder the user may well keep other things in, and a
 * dossier that replaces it would remove them. An empty folder is taken
 * too; DIR.zip only beside a folder so taken, or alone when it is a zip. */
static int replaceable(const char *dir, const char *zip, struct ct_err *err)
{
	struct stat st;
	int dir_ok = 1;
	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return ct_fail(err, CT_EINPUT, "%s is in the way and is not a folder", dir);
		DIR *d = opendir(dir);
		struct dirent *e = NULL;
		while (d && (e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
			;
		int empty = d && !e;
		if (d)
			closedir(d);
		if (!empty && !is_dossier(dir))
			return ct_fail(err, CT_EINPUT, "%s holds files and is not an earlier dossier "
				       "(no MANIFEST.sha256 and VERIFY.txt): name a new or empty folder",
				       dir);
		dir_ok = !empty;
	} else {
		dir_ok = 0;
	}
	if (lstat(zip, &st) == 0) {
		char head[4] = { 0 };
		FILE *f = S_ISREG(st.st_mode) ? fopen(zip, "rb") : NULL;
		int pk = f && fread(head, 1, 4, f) == 4 && !memcmp(head, "PK\3\4", 4);
		if (f)
			fclose(f);
		if (!pk || (!dir_ok && lstat(dir, &st) == 0))
			return ct_fail(err, CT_EINPUT, "%s is in the way and is not an earlier dossier's "
				       "zip: name another folder", zip);
	}
	return CT_OK;
}

int dossier_make(struct study *s, const struct dossier_options *o, struct dossier_result *res,
		 struct ct_err *err)
{
	memset(res, 0, sizeof(*res));
	if (!o->agent || !*o->agent)
		return ct_fail(err, CT_EINPUT, "name the agent (its name as in the listings, or its key)");
	if (o->out_dir && !*o->out_dir)
		return ct_fail(err, CT_EINPUT, "--out needs a folder name");
	const char *lang = o->lang ? o->lang : s->design && s->design->lang ? s->design->lang : "en";
	if (strcmp(lang, "nl") && strcmp(lang, "fr") && strcmp(lang, "en"))
		return ct_fail(err, CT_EINPUT, "--lang must be nl, fr or en, not '%s'", lang);
	struct gather g = { .s = s };
	int rc = resolve_agent(s, o->agent, g.key, err);
	if (rc)
		return rc;
	snprintf(res->key, sizeof(res->key), "%s", g.key);
	/* The whole record first: a dossier vouches for it. */
	struct verify_options vo = { 0 };
	struct verify_result *vr = NULL;
	if ((rc = verify_run(s, &vo, &vr, err)))
		return rc;
	if (vr->nfindings) {
		rc = ct_fail(err, CT_PROBLEM,
			     "the study's record does not hold (%s: %s; %d finding%s in all): run "
			     "corrtest verify. No dossier was made.",
			     vr->findings[0].subject, vr->findings[0].what, vr->nfindings,
			     vr->nfindings == 1 ? "" : "s");
		verify_result_free(vr);
		return rc;
	}
	verify_result_free(vr);
	struct lang *L = NULL;
	if ((rc = lang_load(lang, &L, err)))
		return rc;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	struct files fs = { 0 };
	rc = build(s, &g, L, now, &fs, res, err);
	lang_free(L);
	gather_free(&g);
	char *tmpdir = NULL, *tmpzip = NULL, *old = NULL, *oldzip = NULL;
	if (rc)
		goto out;
	res->dir = o->out_dir ? xstrdup(o->out_dir) : xasprintf("%s/dossiers/%s", s->dir, res->key);
	size_t dl = strlen(res->dir);
	while (dl > 1 && res->dir[dl - 1] == '/')
		res->dir[--dl] = '\0';
	res->zip = xasprintf("%s.zip", res->dir);
	if ((rc = replaceable(res->dir, res->zip, err)))
		goto out;
	/* The parent folder (dossiers/ by default), private: what is in it
	 * identifies people. */
	if (!o->out_dir) {
		char *parent = xasprintf("%s/dossiers", s->dir);
		if (mkdir(parent, 0700) != 0 && errno != EEXIST)
			rc = ct_fail(err, CT_EENV, "cannot create %s: %s", parent, strerror(errno));
		free(parent);
		if (rc)
			goto out;
	}
	tmpdir = xasprintf("%s.tmp-XXXXXX", res->dir);
	if (!mkdtemp(tmpdir)) {
		rc = ct_fail(err, CT_EENV, "cannot create a folder beside %s: %s", res->dir,
			     strerror(errno));
		free(tmpdir);
		tmpdir = NULL;
		goto out;
	}
	for (int i = 0; i < fs.n && !rc; i++)
		rc = write_file(tmpdir, &fs.f[i], err);
	if (rc)
		goto out;
	/* The zip holds the folder's files under the folder's name. */
	const char *base = strrchr(res->dir, '/') ? strrchr(res->dir, '/') + 1 : res->dir;
	struct zip_file *zf = xcalloc((size_t)fs.n + 1, sizeof(*zf));
	char **znames = xcalloc((size_t)fs.n + 1, sizeof(*znames));
	for (int i = 0; i < fs.n; i++) {
		znames[i] = xasprintf("%s/%s", base, fs.f[i].name);
		zf[i] = (struct zip_file){ znames[i], fs.f[i].data, fs.f[i].len };
	}
	struct strbuf zip = STRBUF_INIT;
	time_t t = time_now();
	if (zip_build(zf, (size_t)fs.n, t, &zip) != 0)
		rc = ct_fail(err, CT_EENV, "the dossier is too big for a zip file (over 4 GiB)");
	for (int i = 0; i < fs.n; i++)
		free(znames[i]);
	free(znames);
	free(zf);
	if (!rc) {
		int fd = file_create_temp(res->zip, 0600, &tmpzip, err);
		if (fd < 0)
			rc = CT_EENV;
		else if (file_write_fd(fd, zip.buf ? zip.buf : "", zip.len) != 0 || fsync(fd) != 0) {
			rc = ct_fail(err, CT_EENV, "%s: %s", res->zip, strerror(errno));
			close(fd);
		} else if (close(fd) != 0) {
			rc = ct_fail(err, CT_EENV, "%s: %s", res->zip, strerror(errno));
		}
	}
	sb_free(&zip);
	if (rc)
		goto out;
	/* The event, then the files into place; both or neither. */
	if ((rc = study_begin(s, err)))
		goto out;
	char *detail = xasprintf("files=%ld manifest_sha256=%s messages=%ld listings=%ld", res->files,
				 res->manifest_sha256, res->messages, res->listings);
	rc = study_event(s, "dossier", res->key, detail, err);
	free(detail);
	if (rc) {
		study_rollback(s);
		goto out;
	}
	struct stat st;
	if (lstat(res->dir, &st) == 0) {
		/* An earlier dossier: moved aside, removed once the new one is in. */
		if (!S_ISDIR(st.st_mode)) {
			study_rollback(s);
			rc = ct_fail(err, CT_EINPUT, "%s is in the way and is not a folder", res->dir);
			goto out;
		}
		old = xasprintf("%s.old-XXXXXX", res->dir);
		if (!mkdtemp(old) || rmdir(old) != 0 || rename(res->dir, old) != 0) {
			study_rollback(s);
			rc = ct_fail(err, CT_EENV, "cannot move the earlier %s aside: %s", res->dir,
				     strerror(errno));
			free(old);
			old = NULL;
			goto out;
		}
		res->replaced = 1;
	}
	if (rename(tmpdir, res->dir) != 0) {
		rc = ct_fail(err, CT_EENV, "cannot rename %s to %s: %s", tmpdir, res->dir,
			     strerror(errno));
		study_rollback(s);
		if (old && rename(old, res->dir) == 0) {
			free(old);
			old = NULL;
		}
		goto out;
	}
	/* An earlier zip is moved aside too, so that a failure can put it back. */
	if (lstat(res->zip, &st) == 0) {
		oldzip = xasprintf("%s.old-XXXXXX", res->zip);
		if (!mkdtemp(oldzip) || rmdir(oldzip) != 0 || rename(res->zip, oldzip) != 0) {
			rc = ct_fail(err, CT_EENV, "cannot move the earlier %s aside: %s", res->zip,
				     strerror(errno));
			free(oldzip);
			oldzip = NULL;
		}
	}
	int zip_in = 0;
	if (!rc && !(rc = file_commit_temp(tmpzip, res->zip, err)))
		zip_in = 1;
	if (rc || (rc = study_commit(s, err))) {
		/* Not recorded: the new files go, the earlier ones come back
		 * (study_commit rolls back by itself when it fails). */
		study_rollback(s);
		remove_tree(res->dir);
		if (zip_in)
			unlink(res->zip);
		if (old && rename(old, res->dir) == 0) {
			free(old);
			old = NULL;
		}
		if (oldzip && rename(oldzip, res->zip) == 0) {
			free(oldzip);
			oldzip = NULL;
		}
		free(tmpdir);
		tmpdir = NULL;
		goto out;
	}
	free(tmpdir);
	tmpdir = NULL;
	free(tmpzip);
	tmpzip = NULL;
	char *parent = xstrdup(res->dir);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	(void)dir_fsync(slash ? parent : ".", err);
	free(parent);
out:
	if (tmpdir) {
		remove_tree(tmpdir);
		free(tmpdir);
	}
	if (tmpzip) {
		unlink(tmpzip);
		free(tmpzip);
	}
	/* The earlier dossier is removed once the new one is recorded; after
	 * a failure it stays (under its .old- name if it could not be put
	 * back), never lost. */
	if (old && !rc)
		remove_tree(old);
	if (oldzip && !rc)
		unlink(oldzip);
	free(old);
	free(oldzip);
	for (int i = 0; i < fs.n; i++) {
		free(fs.f[i].name);
		free(fs.f[i].data);
	}
	free(fs.f);
	if (rc) {
		char key[16];
		memcpy(key, res->key, sizeof(key));
		dossier_result_free(res);
		memcpy(res->key, key, sizeof(key));
	}
	return rc;
}
