/* compose.c: building applications' messages from the templates and
 * storing them (the core of `corrtest compose`, used by `send` too). */
/* memmem: whether a stored message carries a PDF (compose_stale). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "messages/compose.h"
#include "fielding/channel.h"
#include "io/json.h"
#include "mail/mime.h"
#include "mail/reply.h"
#include "base/embedded.h"
#include "base/timeutil.h"
#include "base/banned.h"

static void app_free(struct compose_app *a)
{
	free(a->ref), free(a->lstatus), free(a->sched), free(a->status), free(a->msgid);
	free(a->first), free(a->last), free(a->email), free(a->phone), free(a->profile);
	free(a->contact), free(a->title), free(a->area), free(a->url), free(a->price);
	free(a->stored), free(a->stored_tpl), free(a->raw), free(a->new_msgid), free(a->fname);
	free(a->channel), free(a->contact_phone), free(a->contact_name), free(a->grp);
	free(a->gender), free(a->kind), free(a->thread_id), free(a->thread_raw);
	free(a->occupation), free(a->isco), free(a->cv_fname);
	if (a->cv) {
		cv_doc_free(a->cv);
		free(a->cv);
	}
}

int compose_slot(const struct design *d, const struct compose_app *a)
{
	if (a->kind && !strcmp(a->kind, "followup"))
		return compose_followup_slot(d);
	return a->variant >= 1 && a->variant <= d->variants ? a->variant - 1 : -1;
}

static int compose_load_apps_as(struct study *s, long long id, int with_stored,
				struct compose_app **out, int *n, struct ct_err *err);

/* Column i as a C string. A value with a NUL byte inside would be cut
 * short without a word: *nul (when not NULL) is set to what (the field's
 * name) so that composing refuses it. */
static char *colv(sqlite3_stmt *st, int i, const char *what, const char **nul)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (t && nul && !*nul && strlen((const char *)t) != (size_t)sqlite3_column_bytes(st, i))
		*nul = what;
	return t ? xstrdup((const char *)t) : NULL;
}

static char *col(sqlite3_stmt *st, int i)
{
	return colv(st, i, NULL, NULL);
}

/* A copy of s fit for an error message: control characters shown as '?'. */
static char *printable(const char *s)
{
	char *c = xstrdup(s ? s : "");
	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
	return c;
}

/* Formats the rent as the study's language writes a number: whole euros
 * without decimals, otherwise two decimals with a comma in nl and fr. */
static char *price_text(sqlite3_stmt *st, int i, const char *lang)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	double v = sqlite3_column_double(st, i);
	if (v == (double)(long long)v)
		return xasprintf("%lld", (long long)v);
	char *s = xasprintf("%.2f", v);
	if (strcmp(lang, "en"))
		for (char *p = s; *p; p++)
			if (*p == '.')
				*p = ',';
	return s;
}

/* Whether another application of a's pair has left (or is leaving). */
static int pair_started(struct study *s, long long app, int *started, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT count(*) FROM application b JOIN application a ON "
			       "a.listing = b.listing AND a.kind = b.kind WHERE a.id = ?1 AND "
			       "b.status <> 'planned'",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	if (sqlite3_step(st) == SQLITE_ROW)
		*started = sqlite3_column_int(st, 0) > 0;
	else
		rc = study_db_error(s, err, "reading a pair");
	sqlite3_finalize(st);
	return rc;
}

/* a's CV, when the study sends CVs: loaded before a is built or checked
 * for staleness (never by the builder threads, which read no database),
 * and only for the applications a run builds, not for every planned one
 * (send passes over a thousand planned applications to send a few). A
 * follow-up carries none (it asks whether the vacancy is still open). */
int compose_load_cv(struct study *s, struct compose_app *a, struct ct_err *err)
{
	if (a->cv_loaded)
		return CT_OK;
	int on = 0, rc = cv_enabled(s, &on, err);
	if (rc)
		return rc;
	a->cv_loaded = 1;
	if (!on || (a->kind && !strcmp(a->kind, "followup")))
		return CT_OK;
	struct cv_doc d;
	int has = 0;
	if ((rc = cv_doc_load(s, a->id, &has, &d, err)))
		return rc;
	if (!has) {
		/* A pair whose first message went without a CV (drawn before
		 * [cv] attach = yes) goes on without one, as cv_draw_study
		 * leaves it: the two sides alike. */
		int started = 0;
		rc = pair_started(s, a->id, &started, err);
		a->cv_missing = !rc && !started;
		return rc;
	}
	a->cv = xmalloc(sizeof(*a->cv));
	*a->cv = d;
	a->cv_fname = cv_file_name(a->first, a->last);
	return CT_OK;
}

/* Loads applications: all planned ones (id 0), or the one with id. */
int compose_load_apps(struct study *s, long long id, struct compose_app **out, int *n, struct ct_err *err)
{
	return compose_load_apps_as(s, id, 1, out, n, err);
}

static int compose_load_apps_as(struct study *s, long long id, int with_stored,
				struct compose_app **out, int *n, struct ct_err *err)
{
	/* ?2 = 0 leaves out the stored messages, which a check does not need. */
	static const char sql[] =
		"SELECT a.id, l.ref, l.status, a.variant, a.scheduled_at, a.status, a.message_id,"
		" p.first_name, p.last_name, p.email, p.phone, p.profile,"
		" c.contact_email, l.title, l.area, l.url, l.price,"
		" CASE WHEN ?2 THEN (SELECT m.raw FROM message m WHERE m.application = a.id"
		"  AND m.direction = 'out' ORDER BY m.id DESC LIMIT 1) END,"
		" a.channel, l.channel, c.contact_phone, c.contact_name, g.name, p.gender, a.position,"
		" CASE WHEN ?2 THEN (SELECT m.template_sha256 FROM message m WHERE"
		"  m.application = a.id AND m.direction = 'out' ORDER BY m.id DESC LIMIT 1) END,"
		" a.kind, CASE WHEN f.persona = a.persona THEN f.message_id END,"
		" CASE WHEN f.persona = a.persona THEN (SELECT m.raw FROM message m WHERE"
		"  m.application = f.id AND m.direction = 'out' ORDER BY m.id DESC LIMIT 1) END,"
		" l.occupation, l.isco"
		" FROM application a JOIN listing l ON l.id = a.listing"
		" JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp"
		" LEFT JOIN listing_contact c ON c.listing = l.id"
		" LEFT JOIN application f ON f.id = a.follows AND a.kind = 'followup'"
		" WHERE (?1 = 0 AND a.status = 'planned') OR a.id = ?1"
		" ORDER BY a.scheduled_at, a.id";
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err), cap = 0;
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, with_stored);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, (size_t)cap * sizeof(**out));
		}
		struct compose_app *a = &(*out)[(*n)++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->ref = colv(st, 1, "listing.ref", &a->nul_field);
		a->lstatus = col(st, 2);
		a->variant = sqlite3_column_int(st, 3);
		a->sched = col(st, 4);
		a->status = col(st, 5);
		a->msgid = col(st, 6);
		a->first = colv(st, 7, "persona.first_name", &a->nul_field);
		a->last = colv(st, 8, "persona.last_name", &a->nul_field);
		a->email = colv(st, 9, "persona.email", &a->nul_field);
		a->phone = colv(st, 10, "persona.phone", &a->nul_field);
		a->profile = colv(st, 11, "the persona's profile", &a->nul_field);
		a->contact = colv(st, 12, "the listing's contact e-mail", &a->nul_field);
		a->title = colv(st, 13, "listing.title", &a->nul_field);
		a->area = colv(st, 14, "listing.area", &a->nul_field);
		a->url = colv(st, 15, "listing.url", &a->nul_field);
		a->price = price_text(st, 16, s->design->lang);
		if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
			a->stored_len = (size_t)sqlite3_column_bytes(st, 17);
			a->stored = xstrndup(sqlite3_column_blob(st, 17), a->stored_len);
		}
		const char *ach = (const char *)sqlite3_column_text(st, 18);
		const char *lch = (const char *)sqlite3_column_text(st, 19);
		a->channel = xstrdup(fielding_channel_effective(s->design, ach, lch));
		a->contact_phone = colv(st, 20, "the listing's contact phone", &a->nul_field);
		a->contact_name = col(st, 21);
		a->grp = col(st, 22);
		a->gender = col(st, 23);
		a->position = sqlite3_column_int(st, 24);
		a->stored_tpl = col(st, 25);
		a->kind = col(st, 26);
		a->thread_id = col(st, 27);
		if (sqlite3_column_type(st, 28) != SQLITE_NULL) {
			a->thread_len = (size_t)sqlite3_column_bytes(st, 28);
			a->thread_raw = xstrndup(sqlite3_column_blob(st, 28), a->thread_len);
		}
		a->occupation = colv(st, 29, "listing.occupation", &a->nul_field);
		a->isco = col(st, 30);
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading applications");
	sqlite3_finalize(st);
	return rc;
}

/* The follow-up text (corrtest followup): the study's own, else the
 * built-in one of its language; an own file that cannot be read is a
 * problem, never replaced by the built-in text. */
int compose_followup_text(struct study *s, char **text, size_t *len, char **shown,
			  struct ct_err *err)
{
	const struct design *d = s->design;
	*text = NULL;
	*shown = NULL;
	*len = 0;
	char *own = d->templates_dir[0] == '/' ? xasprintf("%s/followup.txt", d->templates_dir)
					       : xasprintf("%s/%s/followup.txt", s->dir,
							   d->templates_dir);
	char *builtin = xasprintf("templates/followup/%s.txt", d->lang);
	char *used = NULL;
	int rc = text_or_builtin(own, builtin, text, len, &used, err);
	if (!rc && !*text)
		rc = ct_fail(err, CT_EINPUT, "no follow-up text: %s/followup.txt (or the built-in %s)",
			     d->templates_dir, builtin);
	if (!rc)
		*shown = strcmp(used, builtin) ? xasprintf("%s/followup.txt", d->templates_dir)
					       : xstrdup(builtin);
	free(used), free(own), free(builtin);
	return rc;
}

/* Reads and checks v1..vN; every problem goes to probs. t[] has N slots. */
void compose_load_templates(struct study *s, struct template **t, struct tpl_problems *probs)
{
	const struct design *d = s->design;
	struct tpl_vars names = { 0 };
	tpl_allowed_names(d, &names);
	for (int v = 1; v <= d->variants; v++) {
		char *shown = xasprintf("%s/v%d.txt", d->templates_dir, v);
		char *path = d->templates_dir[0] == '/' ? xstrdup(shown)
							: xasprintf("%s/%s", s->dir, shown);
		char *text = NULL;
		size_t len;
		struct ct_err err = { 0 };
		t[v - 1] = NULL;
		if (file_read(path, &text, &len, &err))
			tpl_problems_add(probs, "%s: cannot read it (study.ini [design] variants = %d "
					 "needs v1.txt .. v%d.txt): %s",
					 shown, d->variants, d->variants, err.msg);
		else
			template_parse(shown, text, len, &names, &t[v - 1], probs);
		free(text);
		free(path);
		free(shown);
	}
	int slot = compose_followup_slot(d);
	t[slot] = NULL;
	char *text = NULL, *shown = NULL;
	size_t len = 0;
	struct ct_err err = { 0 };
	if (compose_followup_text(s, &text, &len, &shown, &err))
		tpl_problems_add(probs, "%s", err.msg);
	else
		template_parse(shown, text, len, &names, &t[slot], probs);
	free(text), free(shown);
	tpl_vars_free(&names);
}

/* The subject of a follow-up in its persona's thread: "Re: " and the
 * subject of the message it follows, as a mail program answers its own
 * message (the subject is left as it is when it already starts so). NULL
 * when that message's subject cannot be read: the follow-up text's own
 * subject is used then. */
static char *thread_subject(const struct compose_app *a)
{
	if (!a->thread_raw)
		return NULL;
	struct reply *r = NULL;
	struct ct_err e = { 0 };
	char *out = NULL;
	if (reply_parse_headers(a->thread_raw, a->thread_len, &r, &e) == CT_OK && r->subject &&
	    *r->subject)
		out = strncasecmp(r->subject, "Re:", 3) ? xasprintf("Re: %s", r->subject)
							: xstrdup(r->subject);
	reply_free(r);
	return out;
}

/* Builds a's message into a->raw, with the stored Message-ID if there is
 * one; otherwise a fresh one (kept in a->new_msgid) when fresh_id, or a
 * stand-in that is never stored (checking only). Errors name the
 * application and its listing. */
/* How compose_build_as builds: a message to keep (with a fresh Message-ID
 * when the application has none), or a check that it can be built. */
enum build_mode { BUILD_KEEP, BUILD_STANDIN, BUILD_VERIFY };

/* Senders (name and address) whose From header GMime has already written
 * without a problem in this check. */
struct from_seen {
	char **key;
	int n, cap;
};

static int from_seen_has(const struct from_seen *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return 1;
	return 0;
}

static void from_seen_add(struct from_seen *f, const char *key)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->key = xrealloc(f->key, (size_t)f->cap * sizeof(*f->key));
	}
	f->key[f->n++] = xstrdup(key);
}

static void from_seen_free(struct from_seen *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->key[i]);
	free(f->key);
}

static int compose_build_as(struct study *s, struct template **t, struct compose_app *a,
			    enum build_mode mode, struct from_seen *seen, struct ct_err *err);

int compose_build(struct study *s, struct template **t, struct compose_app *a, int fresh_id,
		  struct ct_err *err)
{
	return compose_build_as(s, t, a, fresh_id ? BUILD_KEEP : BUILD_STANDIN, NULL, err);
}

/* The work compose_build_many shares out: the next index to take. */
struct build_work {
	struct study *s;
	struct template **t;
	struct compose_app *apps;
	const int *idx;
	int nidx;
	int *rcs;
	struct ct_err *errs;
	atomic_int next;
};

static void *build_worker(void *arg)
{
	struct build_work *w = arg;
	for (int k; (k = atomic_fetch_add(&w->next, 1)) < w->nidx;) {
		struct compose_app *a = &w->apps[w->idx[k]];
		a->sha[0] = '\0';
		/* The hash compose_store records, taken here where it runs in
		 * parallel (7% of an outbox's instructions). */
		if (!(w->rcs[k] = compose_build_as(w->s, w->t, a, BUILD_KEEP, NULL, &w->errs[k])))
			sha256_hex(a->raw, a->len, a->sha);
	}
	return NULL;
}

void compose_build_many(struct study *s, struct template **t, struct compose_app *apps,
			const int *idx, int nidx, int *rcs, struct ct_err *errs)
{
	struct build_work w = { s, t, apps, idx, nidx, rcs, errs, 0 };
	/* GMime's one-time set-up happens here, before any thread uses it. */
	mime_init_once();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* Building is nearly all GMime (a message takes about 0.1 ms), so a
	 * thread pays for itself from a few dozen messages on. */
	int nthreads = nidx < 64 || cpus < 2 ? 1 : cpus > 4 ? 4 : (int)cpus;
	pthread_t th[3];
	int started = 0;
	for (int i = 0; i < nthreads - 1; i++)
		if (pthread_create(&th[started], NULL, build_worker, &w) == 0)
			started++;
	build_worker(&w);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* The values a template is filled with for a: the persona, the listing,
 * the study's city and the persona's profile. full is the persona's full
 * name. CT_EINPUT (e says why) for a profile that is not flat JSON. */
static int fill_vars(struct study *s, const struct compose_app *a, const char *full,
		     struct tpl_vars *v, struct ct_err *e)
{
	tpl_vars_set(v, "persona.first_name", a->first);
	tpl_vars_set(v, "persona.last_name", a->last);
	tpl_vars_set(v, "persona.full_name", full);
	tpl_vars_set(v, "persona.email", a->email);
	tpl_vars_set(v, "persona.phone", a->phone);
	tpl_vars_set(v, "listing.ref", a->ref);
	tpl_vars_set(v, "listing.area", a->area);
	tpl_vars_set(v, "listing.price", a->price);
	tpl_vars_set(v, "listing.url", a->url);
	tpl_vars_set(v, "listing.title", a->title);
	tpl_vars_set(v, "listing.occupation", a->occupation);
	tpl_vars_set(v, "listing.isco", a->isco);
	tpl_vars_set(v, "study.city", s->design->city);
	if (json_read_flat(a->profile ? a->profile : "{}", "profile.", v, e)) {
		char *m = xstrdup(e->msg);
		ct_fail(e, CT_EINPUT, "the persona's profile: %s", m);
		free(m);
		return CT_EINPUT;
	}
	return CT_OK;
}

static int compose_build_as(struct study *s, struct template **t, struct compose_app *a,
			    enum build_mode mode, struct from_seen *seen, struct ct_err *err)
{
	const struct design *d = s->design;
	char *ref = printable(a->ref);
	struct ct_err e = { 0 };
	struct tpl_vars v = { 0 };
	char *subject = NULL, *body = NULL, *full = NULL, *idbuf = NULL;
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	struct mime_attachment att;
	const char *msgid = a->msgid;
	time_t when;
	int rc = CT_EINPUT;
	const char *at = a->email ? strchr(a->email, '@') : NULL;

	if (a->nul_field) {
		ct_fail(&e, CT_EINPUT, "the value of %s contains a NUL byte; refused", a->nul_field);
		goto out;
	}
	int slot = compose_slot(d, a);
	if (slot < 0) {
		ct_fail(&e, CT_EINPUT, "variant %d has no template (study.ini variants = %d)",
			a->variant, d->variants);
		goto out;
	}
	if (!t[slot]) {
		ct_fail(&e, CT_EINPUT, "its template could not be read");
		goto out;
	}
	if (!a->sched || !time_parse_iso(a->sched, &when)) {
		ct_fail(&e, CT_EINPUT, "no scheduled time to date the message with");
		goto out;
	}
	a->when = when;
	if (!a->contact || !*a->contact) {
		ct_fail(&e, CT_EINPUT, "listing %s has no contact e-mail", ref);
		goto out;
	}
	if (!at) {
		ct_fail(&e, CT_EINPUT, "the persona's address has no domain");
		goto out;
	}
	/* What goes into the headers passes the one rule for text users bring
	 * even when the template does not use it: a bidi control in the From
	 * name would show the landlord another name than the one stored. */
	const char *const hv[][2] = { { "persona.first_name", a->first },
				      { "persona.last_name", a->last },
				      { "persona.email", a->email },
				      { "the listing's contact e-mail", a->contact } };
	for (size_t i = 0; i < ARRAY_SIZE(hv); i++) {
		const char *why;
		unsigned long cp;
		if (hv[i][1] && !text_ok(hv[i][1], strlen(hv[i][1]), &why, NULL, &cp)) {
			ct_fail(&e, CT_EINPUT, "the value of %s contains %s (U+%04lX); refused",
				hv[i][0], why, cp);
			goto out;
		}
	}
	full = xasprintf("%s %s", a->first, a->last);
	if (fill_vars(s, a, full, &v, &e))
		goto out;
	if (template_render(t[slot], &v, &subject, &body, &e))
		goto out;
	char *re = thread_subject(a);
	if (re) {
		free(subject);
		subject = re;
	}
	memcpy(a->tpl_sha, t[slot]->sha256, sizeof(a->tpl_sha));
	if (!msgid && mode == BUILD_KEEP) {
		if ((rc = mime_new_message_id(at + 1, &a->new_msgid, &e)))
			goto out;
		msgid = a->new_msgid;
	} else if (!msgid) {
		/* Checking only: a stand-in of the right form, never stored. */
		msgid = idbuf = xasprintf("<0@%s>", at + 1);
	}
	struct mime_out m = { full,	   a->email, a->contact, subject, body,
			      when,	   d->timezone, msgid,	  NULL, 0 };
	free(a->raw);
	a->raw = NULL;
	a->sha[0] = '\0';
	if (!a->cv_loaded) {
		/* Every caller loads the CV first (compose_load_cv): a message
		 * built without asking would leave its CV out unnoticed. */
		rc = ct_fail(&e, CT_EENV, "its CV was not looked up before building (a bug)");
		goto out;
	}
	if (a->cv_missing) {
		rc = ct_fail(&e, CT_EINPUT, "it has no CV, though study.ini [cv] attach = yes "
			     "(corrtest cv --draw draws the CVs of pairs assigned before)");
		goto out;
	}
	/* A check does not render: a CV takes 15 ms, and a check of a whole
	 * study must stay quick; what it can find is a CV not drawn. */
	if (a->cv && mode != BUILD_VERIFY) {
		if ((rc = cv_pdf_render(a->cv, &pdf, &pdf_len, &e)))
			goto out;
		att = (struct mime_attachment){ a->cv_fname, "application/pdf", pdf, pdf_len };
		m.att = &att;
		m.natt = 1;
	}
	if (mode == BUILD_VERIFY) {
		/* mime_build refuses a message in two ways: mime_out_check, which
		 * looks at every header value and the body, and the From header as
		 * GMime writes it (a name folded or split into two encoded words),
		 * which depends only on the sender's name and address. So a check
		 * runs mime_out_check on every message and has GMime write each
		 * sender once: the same verdicts as building all, at a fraction of
		 * the cost. */
		char *key = xasprintf("%s\n%s", full, a->email);
		if (a->thread_id)
			rc = mime_reply_check(&m, a->thread_id, (const char *const *)&a->thread_id, 1,
					      &e);
		else
			rc = mime_out_check(&m, &e);
		if (!rc && !from_seen_has(seen, key)) {
			if (!(rc = mime_build(&m, &a->raw, &a->len, &e)))
				from_seen_add(seen, key);
			free(a->raw);
			a->raw = NULL;
		}
		free(key);
	} else if (a->thread_id) {
		/* A follow-up in its persona's thread: In-Reply-To and References
		 * name the message it follows, as any mail program writes them. */
		rc = mime_build_reply(&m, a->thread_id, (const char *const *)&a->thread_id, 1,
				      &a->raw, &a->len, &e);
	} else {
		rc = mime_build(&m, &a->raw, &a->len, &e);
	}
out:
	if (rc)
		ct_fail(err, rc, "application %lld (listing %s): %s", a->id, ref, e.msg);
	tpl_vars_free(&v);
	free(subject), free(body), free(full), free(idbuf), free(ref), free(pdf);
	return rc;
}

int compose_render_text(struct study *s, struct template **t, struct compose_app *a,
			char **subject, char **body, struct ct_err *err)
{
	struct ct_err e = { 0 };
	struct tpl_vars v = { 0 };
	char *full = NULL;
	int rc = CT_EINPUT;
	*subject = *body = NULL;
	if (a->nul_field)
		ct_fail(&e, CT_EINPUT, "the value of %s contains a NUL byte; refused", a->nul_field);
	else if (compose_slot(s->design, a) < 0)
		ct_fail(&e, CT_EINPUT, "variant %d has no template (study.ini variants = %d)",
			a->variant, s->design->variants);
	else if (!t[compose_slot(s->design, a)])
		ct_fail(&e, CT_EINPUT, "its template could not be read");
	else {
		full = xasprintf("%s %s", a->first, a->last);
		if (!(rc = fill_vars(s, a, full, &v, &e)))
			rc = template_render(t[compose_slot(s->design, a)], &v, subject, body, &e);
		char *re = rc ? NULL : thread_subject(a);
		if (re) {
			free(*subject);
			*subject = re;
		}
	}
	if (rc) {
		char *ref = printable(a->ref);
		ct_fail(err, rc, "application %lld (listing %s): %s", a->id, ref, e.msg);
		free(ref);
	}
	tpl_vars_free(&v);
	free(full);
	return rc;
}

void compose_templates_free(struct template **t, int n)
{
	for (int i = 0; i < n; i++)
		template_free(t[i]);
	free(t);
}

void compose_apps_free(struct compose_app *a, int n)
{
	for (int i = 0; i < n; i++)
		app_free(&a[i]);
	free(a);
}

int compose_stale(const struct compose_app *a, struct template *const *t, int nv)
{
	if (!a->stored)
		return 0;
	int slot = a->kind && !strcmp(a->kind, "followup") ? nv
			 : a->variant >= 1 && a->variant <= nv ? a->variant - 1 : -1;
	if (slot < 0 || !t[slot] || !a->stored_tpl)
		return 1;
	/* A CV switched on or off since the message was stored: the CV itself
	 * is recorded once and renders the same bytes, so only its presence
	 * can change. A CV due but not drawn (cv_missing) counts as present:
	 * the message is built again, and refused until it is drawn. */
	int has_pdf = memmem(a->stored, a->stored_len, "Content-Type: application/pdf", 29) != NULL;
	if (has_pdf != (a->cv != NULL || a->cv_missing))
		return 1;
	return strcmp(a->stored_tpl, t[slot]->sha256) != 0;
}

/* Stores the messages composed in this run, with their Message-IDs. */
int compose_store(struct study *s, struct compose_app *apps, int n, struct ct_err *err)
{
	sqlite3_stmt *up = NULL, *ins = NULL;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_prepare(s, "UPDATE application SET message_id = ?2 WHERE id = ?1 AND "
				  "message_id IS NULL", &up, err);
	if (!rc)
		rc = study_prepare(s, "INSERT INTO message (application, direction, raw, sha256, at, "
				      "mailbox, message_id, template_sha256) "
				      "VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7)",
				   &ins, err);
	for (int i = 0; !rc && i < n; i++) {
		struct compose_app *a = &apps[i];
		if (a->skip || a->reused)
			continue;
		const char *id = a->msgid ? a->msgid : a->new_msgid;
		char sha[65];
		if (a->sha[0])
			memcpy(sha, a->sha, sizeof(sha));
		else
			sha256_hex(a->raw, a->len, sha);
		if (a->new_msgid) {
			sqlite3_reset(up);
			sqlite3_bind_int64(up, 1, a->id);
			sqlite3_bind_text(up, 2, id, -1, SQLITE_STATIC);
			if ((rc = study_step_done(s, up, err, "storing a Message-ID")))
				break;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, a->id);
		sqlite3_bind_blob(ins, 2, a->raw, (int)a->len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, a->email, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, id, -1, SQLITE_STATIC);
		if (a->tpl_sha[0])
			sqlite3_bind_text(ins, 7, a->tpl_sha, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 7);
		rc = study_step_done(s, ins, err, "storing a message");
	}
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	return rc;
}


int compose_check(struct study *s, int *ncomposed, struct tpl_problems *probs, struct ct_err *err)
{
	int nv = compose_ntemplates(s->design), n = 0;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct compose_app *apps = NULL;
	struct from_seen seen = { 0 };
	*ncomposed = 0;
	compose_load_templates(s, t, probs);
	int rc = compose_load_apps_as(s, 0, 0, &apps, &n, err);
	/* Application problems are worth listing only once the templates read. */
	int template_problems = probs->n;
	for (int i = 0; !rc && !template_problems && i < n; i++) {
		struct ct_err e = { 0 };
		if (!strcmp(apps[i].lstatus, "withdrawn"))
			continue;
		if ((rc = compose_load_cv(s, &apps[i], err)))
			break;
		/* A portal form, a call or a text reaches the landlord without a
		 * mail message: what must render is the text a person pastes (as
		 * field list shows it), not a message addressed to a contact
		 * e-mail such a listing need not have. */
		if (strcmp(fielding_channel_contact_kind(apps[i].channel), "email")) {
			char *subject = NULL, *body = NULL;
			if (compose_render_text(s, t, &apps[i], &subject, &body, &e))
				tpl_problems_add(probs, "%s", e.msg);
			else
				(*ncomposed)++;
			free(subject), free(body);
			continue;
		}
		if (compose_build_as(s, t, &apps[i], BUILD_VERIFY, &seen, &e))
			tpl_problems_add(probs, "%s", e.msg);
		else
			(*ncomposed)++;
	}
	from_seen_free(&seen);
	compose_templates_free(t, nv);
	compose_apps_free(apps, n);
	if (rc)
		return rc;
	return probs->n ? CT_EINPUT : CT_OK;
}

int compose_preview(struct study *s, long long id, struct compose_app **out,
		    struct tpl_problems *probs, struct ct_err *err)
{
	int nv = compose_ntemplates(s->design), n = 0, rc;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct compose_app *apps = NULL;
	*out = NULL;
	compose_load_templates(s, t, probs);
	if (probs->n) {
		rc = CT_EINPUT;
		goto out;
	}
	if ((rc = compose_load_apps(s, id, &apps, &n, err)))
		goto out;
	if (!n) {
		rc = ct_fail(err, CT_EINPUT, "no application %lld", id);
		goto out;
	}
	if ((rc = compose_load_cv(s, &apps[0], err)) ||
	    (!apps[0].stored && (rc = compose_build(s, t, &apps[0], 1, err))))
		goto out;
	*out = apps;
	apps = NULL;
	n = 0;
out:
	compose_templates_free(t, nv);
	compose_apps_free(apps, n);
	return rc;
}

int compose_decode(const char *raw, size_t len, struct compose_text *out, struct ct_err *err)
{
	struct reply *r = NULL;
	memset(out, 0, sizeof(*out));
	int rc = reply_parse(raw, len, &r, err);
	if (rc)
		return rc;
	out->from_name = r->from_name ? xstrdup(r->from_name) : NULL;
	out->from_addr = r->from_addr ? xstrdup(r->from_addr) : NULL;
	out->to_addr = r->to_addr ? xstrdup(r->to_addr) : NULL;
	out->subject = r->subject ? xstrdup(r->subject) : NULL;
	out->date = r->date ? xstrdup(r->date) : NULL;
	out->body = xstrdup(r->text ? r->text : "");
	reply_free(r);
	return CT_OK;
}

void compose_text_free(struct compose_text *t)
{
	free(t->from_name), free(t->from_addr), free(t->to_addr), free(t->subject);
	free(t->body), free(t->date);
	memset(t, 0, sizeof(*t));
}
