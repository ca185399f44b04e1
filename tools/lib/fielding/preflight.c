/* preflight.c: the pre-flight check (preflight.h). Each check reads what it
 * needs from the study, adds its findings, and the report is ordered errors
 * first at the end. Nothing here writes to the study. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fielding/preflight.h"
#include "fielding/channel.h"
#include "cv/cv.h"
#include "cv/cvtpl.h"
#include "design/personas.h"
#include "mail/mailcfg.h"
#include "messages/compose.h"
#include "messages/template.h"
#include "assign/schedule.h"
#include "base/timeutil.h"
#include "io/out.h"
#include "base/banned.h"

/* Channels as bits, so that a persona's or a listing's set of channels is
 * one number: bit i is fielding_channels[i]. */
enum {
	CH_SMTP = 1,
	CH_PORTAL = 2,
	CH_WEBMAIL = 4,
	CH_PHONE = 8,
	CH_SMS = 16
};
#define CH_MAIL (CH_SMTP | CH_WEBMAIL)
#define CH_VOICE (CH_PHONE | CH_SMS)

/* A channel's bit: 1 << its place in fielding_channels (the CH_ values). */
static int channel_bit(const char *c)
{
	int i = fielding_channel_index(c);
	return i < 0 ? 0 : 1 << i;
}

const char *preflight_severity_name(enum preflight_severity sev)
{
	return sev == PREFLIGHT_ERROR ? "error" : "warning";
}

__attribute__((format(printf, 5, 6))) static void add(struct preflight_report *r,
							enum preflight_severity sev,
							const char *code, const char *subject,
							const char *fmt, ...)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->f = xrealloc(r->f, (size_t)r->cap * sizeof(*r->f));
	}
	struct preflight_finding *f = &r->f[r->n++];
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	f->severity = sev;
	f->code = code;
	f->subject = subject ? xstrdup(subject) : NULL;
	f->message = sb_detach(&sb);
	if (sev == PREFLIGHT_ERROR)
		r->nerrors++;
	else
		r->nwarnings++;
}

void preflight_report_free(struct preflight_report *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->f[i].subject);
		free(r->f[i].message);
	}
	free(r->f);
	memset(r, 0, sizeof(*r));
}

int preflight_phone_placeholder(const char *phone)
{
	char digits[64];
	size_t nd = 0;
	for (const char *p = phone ? phone : ""; *p; p++)
		if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1)
			digits[nd++] = *p;
	digits[nd] = 0;
	if (nd < 8)
		return 1;
	return !strcmp(digits + nd - 6, "000000");
}

/* A candidate: a drawn persona, or a cell of the design not drawn yet
 * (id 0: its mailbox is not known, its phone is the design's). */
struct cand {
	long long id;
	char *group, *role, *email, *phone, *profile;
	int gender;
	int channels; /* channels of its planned applications */
	char *name;   /* "group.gender", for subjects */
};

struct ctx {
	struct study *s;
	struct preflight_report *r;
	struct cand *c;
	int nc;
	int all_channels; /* channels every candidate may be asked to use */
	int used;         /* every channel in use */
};

static void cands_free(struct ctx *x)
{
	for (int i = 0; i < x->nc; i++) {
		free(x->c[i].group);
		free(x->c[i].role);
		free(x->c[i].email);
		free(x->c[i].phone);
		free(x->c[i].profile);
		free(x->c[i].name);
	}
	free(x->c);
}

static struct cand *cand_add(struct ctx *x)
{
	x->c = xrealloc(x->c, (size_t)(x->nc + 1) * sizeof(*x->c));
	struct cand *c = &x->c[x->nc++];
	memset(c, 0, sizeof(*c));
	return c;
}

static struct cand *cand_find_id(struct ctx *x, long long id)
{
	for (int i = 0; i < x->nc; i++)
		if (x->c[i].id == id)
			return &x->c[i];
	return NULL;
}

/* The drawn personas, then the design's cells that have none. */
static int load_cands(struct ctx *x, int *ndrawn, struct ct_err *err)
{
	struct study *s = x->s;
	const struct design *d = s->design;
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT p.id, g.name, g.role, p.gender, p.email, p.phone, p.profile "
			       "FROM persona p JOIN grp g ON g.id = p.grp ORDER BY p.id",
			       &st, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cand *c = cand_add(x);
		c->id = sqlite3_column_int64(st, 0);
		c->group = study_column_dup(st, 1, "");
		c->role = study_column_dup(st, 2, "");
		const char *g = (const char *)sqlite3_column_text(st, 3);
		c->gender = gender_parse(g ? g : "");
		c->email = study_column_dup(st, 4, "");
		c->phone = study_column_dup(st, 5, "");
		c->profile = study_column_dup(st, 6, "");
		c->name = xasprintf("%s.%s", c->group, g ? g : "?");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the personas");
	*ndrawn = x->nc;
	for (int gi = 0; gi < d->ngroups; gi++)
		for (int k = 0; k < d->ngenders; k++) {
			int found = 0;
			for (int i = 0; i < *ndrawn && !found; i++)
				found = !strcmp(x->c[i].group, d->groups[gi].id) &&
					x->c[i].gender == d->genders[k];
			if (found)
				continue;
			struct cand *c = cand_add(x);
			c->group = xstrdup(d->groups[gi].id);
			c->role = xstrdup(d->groups[gi].control ? "control" : "test");
			c->gender = d->genders[k];
			/* The number personas would give it ('#' filled in). */
			c->phone = personas_phone(s, c->group, c->gender);
			c->name = xasprintf("%s.%s", c->group, gender_name(c->gender));
		}
	return CT_OK;
}

/* The channels in use: those of planned applications of active listings
 * (by persona), and the channel of active listings that have no
 * application yet (every persona will write those). Also checks that
 * each active listing has the contact its channels need. */
static int load_channels(struct ctx *x, struct ct_err *err)
{
	struct study *s = x->s;
	int defbit = channel_bit(s->design->channel);
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT a.persona, a.channel, l.channel FROM application a "
			       "JOIN listing l ON l.id = a.listing "
			       "WHERE a.status = 'planned' AND l.status = 'active'",
			       &st, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int bit = channel_bit((const char *)sqlite3_column_text(st, 1));
		if (!bit)
			bit = channel_bit((const char *)sqlite3_column_text(st, 2));
		if (!bit)
			bit = defbit;
		struct cand *c = cand_find_id(x, sqlite3_column_int64(st, 0));
		if (c)
			c->channels |= bit;
		x->used |= bit;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the planned applications");

	/* Contacts: per active listing, the channels of its planned
	 * applications, or its own channel while it has no application. */
	rc = study_prepare(s,
			   "SELECT l.ref, l.url, l.channel, lc.contact_email, lc.contact_phone, "
			   "(SELECT count(*) FROM application a WHERE a.listing = l.id), "
			   "(SELECT group_concat(DISTINCT coalesce(a.channel, '')) FROM application a "
			   " WHERE a.listing = l.id AND a.status = 'planned') "
			   "FROM listing l LEFT JOIN listing_contact lc ON lc.listing = l.id "
			   "WHERE l.status = 'active' ORDER BY l.id",
			   &st, err);
	if (rc)
		return rc;
	long nlistings = 0, unassigned = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nlistings++;
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		const char *url = (const char *)sqlite3_column_text(st, 1);
		int lbit = channel_bit((const char *)sqlite3_column_text(st, 2));
		const char *email = (const char *)sqlite3_column_text(st, 3);
		const char *phone = (const char *)sqlite3_column_text(st, 4);
		long long napps = sqlite3_column_int64(st, 5);
		const char *chans = (const char *)sqlite3_column_text(st, 6);
		int need = 0;
		if (!lbit)
			lbit = defbit;
		if (!napps) {
			unassigned++;
			need = lbit;
			x->all_channels |= lbit;
			x->used |= lbit;
		} else if (chans) {
			/* A planned application without its own channel takes the
			 * listing's; group_concat gives '' for it. */
			char *list = xstrdup(chans);
			for (char *p = list;;) {
				char *comma = strchr(p, ',');
				if (comma)
					*comma = 0;
				int b = channel_bit(p);
				need |= b ? b : lbit;
				if (!comma)
					break;
				p = comma + 1;
			}
			free(list);
		}
		ref = ref ? ref : "?";
		if ((need & CH_MAIL) && (!email || !*email))
			add(x->r, PREFLIGHT_ERROR, "no-contact", ref,
			    "listing %s goes out by %s but has no contact e-mail address; add one "
			    "(listings import) or give the listing another channel",
			    ref, (need & CH_SMTP) ? "smtp" : "webmail");
		if ((need & CH_VOICE) && (!phone || !*phone))
			add(x->r, PREFLIGHT_ERROR, "no-contact", ref,
			    "listing %s goes out by %s but has no contact phone number",
			    ref, (need & CH_PHONE) ? "phone" : "sms");
		if ((need & CH_PORTAL) && (!url || !*url))
			add(x->r, PREFLIGHT_ERROR, "no-contact", ref,
			    "listing %s goes out through its portal but has no URL", ref);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the listings");
	if (!nlistings) {
		add(x->r, PREFLIGHT_WARNING, "no-listings", NULL,
		    "the study has no active listing yet (corrtest listings import)");
		x->all_channels |= defbit;
		x->used |= defbit;
	} else if (unassigned) {
		add(x->r, PREFLIGHT_WARNING, "not-assigned", NULL,
		    "%ld listing%s %s not assigned yet (corrtest assign)", unassigned,
		    unassigned == 1 ? "" : "s", unassigned == 1 ? "is" : "are");
	}
	/* Cells not drawn yet will write by the default channel. */
	for (int i = 0; i < x->nc; i++)
		x->c[i].channels |= x->all_channels | (x->c[i].id ? 0 : defbit);
	return CT_OK;
}

/* "a, b and c" of the candidates idx[0..n). */
static char *name_list(const struct ctx *x, const int *idx, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++) {
		if (i)
			sb_adds(&sb, i == n - 1 ? " and " : ", ");
		sb_adds(&sb, x->c[idx[i]].name);
	}
	return sb_detach(&sb);
}

/* Personas sharing a phone number or a mailbox: a landlord who calls back
 * or writes back cannot tell them apart, and sees one person behind two
 * names. An empty phone is no number, not a shared one. */
static void check_shared(struct ctx *x)
{
	int *idx = xcalloc((size_t)x->nc + 1, sizeof(int));
	char *done = xcalloc((size_t)x->nc + 1, 1);
	for (int pass = 0; pass < 2; pass++) {
		memset(done, 0, (size_t)x->nc + 1);
		for (int i = 0; i < x->nc; i++) {
			const char *v = pass ? x->c[i].email : x->c[i].phone;
			if (done[i] || !v || !*v)
				continue;
			int n = 0;
			idx[n++] = i;
			for (int j = i + 1; j < x->nc; j++) {
				const char *w = pass ? x->c[j].email : x->c[j].phone;
				if (!done[j] && w && (pass ? str_eq_ci(v, w) : phone_same(v, w))) {
					idx[n++] = j;
					done[j] = 1;
				}
			}
			if (n < 2)
				continue;
			char *names = name_list(x, idx, n);
			if (pass)
				add(x->r, PREFLIGHT_ERROR, "shared-mailbox", names,
				    "personas %s share the mailbox %s", names, v);
			else
				add(x->r, PREFLIGHT_ERROR, "shared-phone", names,
				    "personas %s share the phone number %s; give each its own in "
				    "study.ini [phones] (GROUP.GENDER = number)",
				    names, v);
			free(names);
		}
	}
	free(idx);
	free(done);
}

/* Reserved mail domains for personas who write by mail, and placeholder
 * phones for personas who call or text. A test server on loopback is a
 * rehearsal: its reserved domains are only a warning. */
static void check_contacts_of_personas(struct ctx *x, int smtp_loopback)
{
	const struct design *d = x->s->design;
	int *idx = xcalloc((size_t)x->nc + 1, sizeof(int));
	char *done = xcalloc((size_t)x->nc + 1, 1);
	for (int i = 0; i < x->nc; i++) {
		struct cand *c = &x->c[i];
		const char *dom = c->email ? strchr(c->email, '@') : NULL;
		dom = c->id ? (dom ? dom + 1 : "") : d->mail_domain;
		/* A portal's contact form asks for the mailbox the landlord
		 * answers too. */
		if (done[i] || !(c->channels & (CH_MAIL | CH_PORTAL)) || !domain_reserved(dom))
			continue;
		int n = 0, web = 0;
		for (int j = i; j < x->nc; j++) {
			struct cand *e = &x->c[j];
			const char *dj = e->email ? strchr(e->email, '@') : NULL;
			dj = e->id ? (dj ? dj + 1 : "") : d->mail_domain;
			if (!done[j] && (e->channels & (CH_MAIL | CH_PORTAL)) && str_eq_ci(dj, dom)) {
				idx[n++] = j;
				done[j] = 1;
				web |= e->channels & (CH_WEBMAIL | CH_PORTAL);
			}
		}
		char *names = name_list(x, idx, n);
		int warn = smtp_loopback && !web;
		add(x->r, warn ? PREFLIGHT_WARNING : PREFLIGHT_ERROR, "reserved-domain", names,
		    "the mail domain %s of %s is reserved (RFC 2606/6761) and can never receive "
		    "mail%s",
		    dom, names,
		    warn ? "; accepted only because the mail server is on loopback (a rehearsal)"
			 : "; set [personas] mail_domain in study.ini to the study's own domain");
		free(names);
	}
	/* A number study.ini writes with a '#' placeholder is fictitious
	 * whatever digits fill it. Every channel gives landlords the persona's
	 * number: calls and texts come from it, portal forms ask for it, and
	 * the messages' signatures carry it. One finding for all of them. */
	int n = 0;
	struct strbuf nums = STRBUF_INIT;
	for (int i = 0; i < x->nc; i++) {
		struct cand *c = &x->c[i];
		const char *written = design_phone(x->s->cfg, d, c->group, c->gender);
		int fictitious = written && strchr(written, '#');
		if (!c->channels || !(fictitious || preflight_phone_placeholder(c->phone)))
			continue;
		sb_addf(&nums, "%s%s", n ? ", " : "", *c->phone ? c->phone : "none");
		idx[n++] = i;
	}
	if (n) {
		char *names = name_list(x, idx, n);
		add(x->r, PREFLIGHT_ERROR, "placeholder-phone", names,
		    "%s give%s landlords a phone number that is a placeholder or missing (%s): "
		    "calls and texts come from it, portal forms ask for it and every message's "
		    "signature carries it; give each persona a number the team answers in "
		    "study.ini [phones] (GROUP.GENDER = number)",
		    names, n == 1 ? "s" : "", sb_str(&nums));
		free(names);
	}
	sb_free(&nums);
	free(idx);
	free(done);
}

/* study.ini and the drawn personas: the messages must carry what the
 * design says. Personas of groups no longer in the design are left alone. */
static void check_drift(struct ctx *x)
{
	struct study *s = x->s;
	const struct design *d = s->design;
	/* What to do about it: until the first real send the personas follow
	 * study.ini as soon as a command applies it; after it they stay as the
	 * landlords saw them, and it is study.ini that must be put back. */
	long long sent = 0;
	struct ct_err e = { 0 };
	const char *fix = personas_real_sends(s, &sent, &e) || sent
				  ? "; an application was sent, so the personas no longer "
				    "change: put study.ini back to what they carry"
				  : "; nothing was sent yet: 'corrtest personas' applies study.ini "
				    "to the personas";
	for (int i = 0; i < x->nc; i++) {
		struct cand *c = &x->c[i];
		if (!c->id || c->gender < 0)
			continue;
		int in_design = design_group_find(d, c->group) != NULL;
		int placebo = !strcmp(c->role, "placebo");
		if (!in_design && !placebo)
			continue;
		char *want = persona_profile_json(d, c->gender);
		if (strcmp(want, c->profile))
			add(x->r, PREFLIGHT_ERROR, "persona-profile", c->name,
			    "persona %s carries the profile %s, study.ini [profile] says %s%s",
			    c->name, c->profile, want, fix);
		free(want);
		if (in_design || placebo) {
			/* As personas gives it: a '#' placeholder filled with the
			 * persona's own number. */
			char *ph = personas_phone(s, c->group, c->gender);
			if (strcmp(ph, c->phone))
				add(x->r, PREFLIGHT_ERROR, "persona-phone", c->name,
				    "persona %s has the phone number '%s', study.ini says '%s'%s",
				    c->name, c->phone, ph, fix);
			free(ph);
		}
		const char *at = strchr(c->email, '@');
		if (!at || !str_eq_ci(at + 1, d->mail_domain))
			add(x->r, PREFLIGHT_ERROR, "persona-mail-domain", c->name,
			    "persona %s has the mailbox %s, not at study.ini's mail_domain %s%s",
			    c->name, c->email, d->mail_domain, fix);
	}
}

/* smtp: a server to send through and a password for each mailbox that
 * sends. The secrets file is read for the presence of passwords only. */
static void check_smtp(struct ctx *x, int *loopback)
{
	struct study *s = x->s;
	struct mailcfg *mc = NULL;
	struct mail_secrets *sec = NULL;
	struct ct_err e = { 0 };
	*loopback = 0;
	if (!(x->used & CH_SMTP))
		return;
	if (mailcfg_load(s->cfg, &mc, &e)) {
		add(x->r, PREFLIGHT_ERROR, "mail-config", "study.ini", "%s", e.msg);
		return;
	}
	if (!mc->smtp_url || !mc->imap_url) {
		add(x->r, PREFLIGHT_ERROR, "no-mail-server", "study.ini",
		    "applications go out by smtp but study.ini [mail] %s",
		    !mc->smtp_url && !mc->imap_url ? "smtp_url and imap_url are not set"
		    : !mc->smtp_url		    ? "smtp_url is not set"
						    : "imap_url is not set");
	}
	*loopback = mc->smtp_url && mc->smtp_loopback;
	mailcfg_free(mc);
	if (mailcfg_secrets_load(s->dir, &sec, &e)) {
		add(x->r, PREFLIGHT_ERROR, "no-secrets", NULL, "%s", e.msg);
		return;
	}
	for (int i = 0; i < x->nc; i++) {
		struct cand *c = &x->c[i];
		if (c->id && (c->channels & CH_SMTP) && !mailcfg_password(sec, c->email))
			add(x->r, PREFLIGHT_ERROR, "no-secret", c->name,
			    "%s has no password for the mailbox %s of persona %s",
			    mailcfg_secrets_path(sec), c->email, c->name);
	}
	mailcfg_secrets_free(sec);
}

static int check_templates(struct ctx *x, struct ct_err *err)
{
	struct tpl_problems probs = { 0 };
	int n = 0;
	int rc = compose_check(x->s, &n, &probs, err);
	for (int i = 0; i < probs.n; i++)
		add(x->r, PREFLIGHT_ERROR, "template", NULL, "%s", probs.msg[i]);
	tpl_problems_free(&probs);
	return rc == CT_EENV ? rc : CT_OK;
}

/* The letters of a CV study that name the candidates' occupation or
 * degree from [profile] while the CVs are drawn for several occupations:
 * the letter would call an accountant's CV a nurse's. The example studies
 * name the vacancy's occupation ({{listing.occupation}}) instead. */
static int check_cv_letters(struct ctx *x, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(x->s, "SELECT count(DISTINCT family), group_concat(DISTINCT family)"
				     " FROM (SELECT family FROM cv ORDER BY family)",
			       &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = study_db_error(x->s, err, "reading the CVs' families");
		sqlite3_finalize(st);
		return rc;
	}
	int nfam = sqlite3_column_int(st, 0);
	char *fams = study_column_dup(st, 1, "");
	sqlite3_finalize(st);
	const struct design *d = x->s->design;
	int nt = compose_ntemplates(d);
	struct template **t = xcalloc((size_t)nt, sizeof(*t));
	struct tpl_problems probs = { 0 };
	if (nfam > 1)
		compose_load_templates(x->s, t, &probs);
	for (int v = 0; v < d->variants; v++) {
		const struct tpl_text *parts[2] = { t[v] ? &t[v]->subject : NULL,
						    t[v] ? &t[v]->body : NULL };
		for (int k = 0; k < 2 && parts[k]; k++)
			for (int i = 0; i < parts[k]->n; i++) {
				const struct tpl_piece *p = &parts[k]->p[i];
				if (p->kind != TPL_VAR || (strcmp(p->text, "profile.occupation") &&
							   strcmp(p->text, "profile.education")))
					continue;
				char *subj = xasprintf("%s:%d", t[v]->name, p->line);
				add(x->r, PREFLIGHT_WARNING, "cv-letter-profile", subj,
				    "%s: {{%s}} is the same for every vacancy, while the CVs are "
				    "drawn for %d occupations (%s): the letter may name another "
				    "occupation or degree than the CV; name the vacancy's "
				    "({{listing.occupation}}), as studies/job-market-* do",
				    subj, p->text, nfam, fams);
				free(subj);
				k = 2; /* one finding per template */
				break;
			}
	}
	compose_templates_free(t, nt);
	tpl_problems_free(&probs);
	free(fams);
	return CT_OK;
}

/* A job study that sends CVs: its [cv] settings and template read, and a
 * CV of each layout renders with the fonts of this machine (a study moved
 * to a machine without fonts-dejavu-core would fail at its first send).
 * A planned application without a CV is compose_check's finding. */
static int check_cvs(struct ctx *x, struct ct_err *err)
{
	struct ct_err e = { 0 };
	struct cv_template *t = NULL;
	int on = 0;
	if (cv_enabled(x->s, &on, &e)) {
		add(x->r, PREFLIGHT_ERROR, "cv-config", "study.ini", "%s", e.msg);
		return CT_OK;
	}
	if (!on)
		return CT_OK;
	if (cv_template_load(x->s, &t, &e)) {
		add(x->r, PREFLIGHT_ERROR, "cv-template", NULL, "%s", e.msg);
		return CT_OK;
	}
	cvt_free(t);
	sqlite3_stmt *st = NULL;
	int rc = study_prepare(x->s,
			       "SELECT min(a.id) FROM application a JOIN cv c ON c.application = a.id"
			       " WHERE a.status = 'planned' GROUP BY c.layout ORDER BY c.layout",
			       &st, err);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long long app = sqlite3_column_int64(st, 0);
		struct cv_doc d;
		int has = 0;
		unsigned char *pdf = NULL;
		size_t len = 0;
		/* A recorded CV that does not read is a finding about that
		 * application, not the end of the check. */
		if (cv_doc_load(x->s, app, &has, &d, &e)) {
			add(x->r, PREFLIGHT_ERROR, "cv-render", NULL, "application %lld: its recorded "
			    "CV: %s", app, e.msg);
			continue;
		}
		if (has && cv_pdf_render(&d, &pdf, &len, &e))
			add(x->r, PREFLIGHT_ERROR, "cv-render", NULL, "application %lld: %s", app,
			    e.msg);
		free(pdf);
		if (has)
			cv_doc_free(&d);
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(x->s, err, "reading the CVs");
	sqlite3_finalize(st);
	return rc ? rc : check_cv_letters(x, err);
}

/* "application 3", or "applications 3, 7, 9 and 12 more". */
static char *app_list(const long long *ids, long n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, n == 1 ? "application " : "applications ");
	for (long i = 0; i < n && i < 5; i++)
		sb_addf(&sb, "%s%lld", i ? ", " : "", ids[i]);
	if (n > 5)
		sb_addf(&sb, " and %ld more", n - 5);
	return sb_detach(&sb);
}

/* Planned times outside the study's sending days and hours, in its time
 * zone (the schedule was made for another study.ini, or edited). */
static int check_hours(struct ctx *x, struct ct_err *err)
{
	struct study *s = x->s;
	const struct design *d = s->design;
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT a.id, a.scheduled_at FROM application a JOIN listing l ON "
			       "l.id = a.listing WHERE a.status = 'planned' AND l.status = 'active' "
			       "AND a.scheduled_at IS NOT NULL ORDER BY a.id",
			       &st, err);
	if (rc)
		return rc;
	long long *ids = NULL;
	long n = 0, cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		time_t t;
		long day;
		int minute;
		const char *at = (const char *)sqlite3_column_text(st, 1);
		if (!at || !time_parse_iso(at, &t))
			continue;
		schedule_local(d->timezone, t, &day, &minute);
		if (((d->days_mask >> schedule_weekday(day)) & 1) && minute >= d->day_from &&
		    minute < d->day_to)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			ids = xrealloc(ids, (size_t)cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return study_db_error(s, err, "reading the schedule");
	}
	if (n) {
		char *subj = app_list(ids, n);
		const char *hours = config_get(s->cfg, "schedule", "hours");
		const char *days = config_get(s->cfg, "schedule", "days");
		add(x->r, PREFLIGHT_WARNING, "outside-hours", subj,
		    "%ld planned application%s fall%s outside the sending days (%s) and hours (%s, "
		    "%s): %s",
		    n, n == 1 ? "" : "s", n == 1 ? "s" : "", days ? days : "mon-fri",
		    hours ? hours : "09:00-17:00", d->timezone, subj);
		free(subj);
	}
	free(ids);
	return CT_OK;
}

struct agent_app {
	long long id, persona;
	char *agent; /* normalised: trimmed, lower case */
	time_t t;
	int gone; /* sent (or being sent, or bounced): no longer movable */
};

static int agent_app_cmp(const void *a, const void *b)
{
	const struct agent_app *x = a, *y = b;
	if (x->persona != y->persona)
		return x->persona < y->persona ? -1 : 1;
	int c = strcmp(x->agent, y->agent);
	if (c)
		return c;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Two applications of one persona to one agent within agent_gap_days: the
 * agent sees the same person ask twice. Applications that went out count
 * at their send time, planned ones at their planned time. Neighbours in
 * time suffice: a pair further apart than its neighbours is no closer. */
static int check_agents(struct ctx *x, struct ct_err *err)
{
	struct study *s = x->s;
	double gap = s->design->agent_gap_days;
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		/* A follow-up writes the agent again on purpose (it asks after the
		 * same listing), so it is no collision; a re-test is scheduled
		 * within the gap and counts. */
		"SELECT a.id, a.persona, l.agent_key, coalesce(a.sent_at, a.scheduled_at), "
		"a.status <> 'planned' "
		"FROM application a JOIN listing l ON l.id = a.listing "
		"WHERE l.agent_key IS NOT NULL AND coalesce(a.sent_at, a.scheduled_at) IS NOT NULL "
		"AND a.kind <> 'followup' "
		"AND (a.status IN ('sending', 'sent', 'bounced') OR "
		"     (a.status = 'planned' AND l.status = 'active'))",
		&st, err);
	if (rc)
		return rc;
	struct agent_app *v = NULL;
	long n = 0, cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		time_t t;
		const char *at = (const char *)sqlite3_column_text(st, 3);
		const char *key = (const char *)sqlite3_column_text(st, 2);
		if (!at || !time_parse_iso(at, &t) || !key)
			continue;
		char *k = str_trim(xstrdup(key)), *norm;
		for (char *p = k; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		norm = xstrdup(k);
		free(k);
		if (!*norm) {
			free(norm);
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, (size_t)cap * sizeof(*v));
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].persona = sqlite3_column_int64(st, 1);
		v[n].agent = norm;
		v[n].t = t;
		v[n].gone = sqlite3_column_int(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading the applications by agent");
		goto out;
	}
	rc = CT_OK;
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), agent_app_cmp);
	for (long i = 1; i < n; i++) {
		if (v[i].persona != v[i - 1].persona || strcmp(v[i].agent, v[i - 1].agent))
			continue;
		double days = (double)(v[i].t - v[i - 1].t) / 86400.0;
		if (x->r->min_agent_gap_days < 0 || days < x->r->min_agent_gap_days) {
			x->r->min_agent_gap_days = days;
			x->r->min_agent_gap_apps[0] = v[i - 1].id;
			x->r->min_agent_gap_apps[1] = v[i].id;
		}
		if (days >= gap)
			continue;
		struct cand *c = cand_find_id(x, v[i].persona);
		char subj[96];
		snprintf(subj, sizeof(subj), "applications %lld and %lld", v[i - 1].id, v[i].id);
		/* Both already out: nothing can be done about it any more, and
		 * refusing every later send for it would stop the study; it is
		 * reported (a deviation to discuss), not an error. */
		int gone = v[i].gone && v[i - 1].gone;
		add(x->r, gone ? PREFLIGHT_WARNING : PREFLIGHT_ERROR, "agent-collision", subj,
		    "persona %s writes agent %s twice within %.2f days (applications %lld and %lld; "
		    "agent_gap_days = %g)%s",
		    c ? c->name : "?", v[i].agent, days, v[i - 1].id, v[i].id, gap,
		    gone ? "; both were already sent"
			 : "; skip one of them ('corrtest field skip') or withdraw its listing");
	}
out:
	for (long i = 0; i < n; i++)
		free(v[i].agent);
	free(v);
	return rc;
}

/* Stable: errors first, each kind in the order the checks found them. */
static void order_findings(struct preflight_report *r)
{
	struct preflight_finding *sorted = xcalloc((size_t)r->n + 1, sizeof(*sorted));
	int k = 0;
	for (int sev = PREFLIGHT_ERROR; sev <= PREFLIGHT_WARNING; sev++)
		for (int i = 0; i < r->n; i++)
			if ((int)r->f[i].severity == sev)
				sorted[k++] = r->f[i];
	free(r->f);
	r->f = sorted;
	r->cap = r->n + 1;
}

int preflight_run(struct study *s, struct preflight_report *r, struct ct_err *err)
{
	struct ctx x = { s, r, NULL, 0, 0, 0 };
	int ndrawn = 0, loopback = 0, rc;
	preflight_report_free(r);
	r->min_agent_gap_days = -1;
	if ((rc = load_cands(&x, &ndrawn, err)) || (rc = load_channels(&x, err)))
		goto out;
	if (ndrawn < x.nc) {
		int *idx = xcalloc((size_t)x.nc, sizeof(int));
		for (int i = ndrawn; i < x.nc; i++)
			idx[i - ndrawn] = i;
		char *names = name_list(&x, idx, x.nc - ndrawn);
		add(r, PREFLIGHT_WARNING, "personas-not-drawn", names,
		    "personas %s are not drawn yet (corrtest personas)", names);
		free(names);
		free(idx);
	}
	check_shared(&x);
	check_smtp(&x, &loopback);
	check_contacts_of_personas(&x, loopback);
	check_drift(&x);
	if ((rc = check_templates(&x, err)) || (rc = check_cvs(&x, err)) ||
	    (rc = check_hours(&x, err)) ||
	    (rc = check_agents(&x, err)))
		goto out;
	order_findings(r);
out:
	cands_free(&x);
	return rc;
}

/* The findings about sending by SMTP itself (server, secrets). */
static int mail_sending_code(const char *code)
{
	return !strcmp(code, "no-mail-server") || !strcmp(code, "no-secrets") ||
	       !strcmp(code, "no-secret") || !strcmp(code, "mail-config");
}

int preflight_errors(struct study *s, enum preflight_scope scope, struct preflight_report *r,
		     struct ct_err *err)
{
	int rc = preflight_run(s, r, err);
	if (rc)
		return rc;
	for (int i = 0; scope == PREFLIGHT_FIELD && i < r->n; i++)
		if (r->f[i].severity == PREFLIGHT_ERROR && mail_sending_code(r->f[i].code)) {
			r->f[i].severity = PREFLIGHT_WARNING;
			r->nerrors--;
			r->nwarnings++;
		}
	if (!r->nerrors)
		return CT_OK;
	struct strbuf sb = STRBUF_INIT;
	int shown = 0;
	for (int i = 0; i < r->n && shown < 4; i++) {
		if (r->f[i].severity != PREFLIGHT_ERROR)
			continue;
		int dup = 0;
		for (int j = 0; j < i && !dup; j++)
			dup = r->f[j].severity == PREFLIGHT_ERROR && !strcmp(r->f[j].code, r->f[i].code);
		if (dup)
			continue;
		sb_addf(&sb, "%s%s", shown ? ", " : "", r->f[i].code);
		shown++;
	}
	rc = ct_fail(err, CT_EINPUT,
		     "refused: the pre-flight check found %d error%s (%s%s); see 'corrtest check'",
		     r->nerrors, r->nerrors == 1 ? "" : "s", sb_str(&sb), shown == 4 ? ", ..." : "");
	sb_free(&sb);
	return rc;
}

void preflight_describe(struct out *o, const struct preflight_report *r, int warnings_only)
{
	static const struct out_field f_sev = { "severity", "severity", OUT_TEXT, 0 };
	static const struct out_field f_code = { "code", "code", OUT_TEXT, OUT_ID };
	static const struct out_field f_subj = { "subject", "subject", OUT_TEXT, 0 };
	static const struct out_field f_msg = { "message", "message", OUT_TEXT, 0 };
	if (!warnings_only)
		out_int(o, &(struct out_field){ "errors", NULL, OUT_COUNT, 0 }, r->nerrors);
	out_int(o, &(struct out_field){ "warnings", NULL, OUT_COUNT, 0 }, r->nwarnings);
	if (!warnings_only) {
		const struct out_field f_gap = { "min_agent_gap_days", NULL, OUT_REAL, 0 };
		out_value(o, &f_gap, r->min_agent_gap_days >= 0, r->min_agent_gap_days);
	}
	out_table_begin(o, &(struct out_field){ warnings_only ? "warning_list" : "findings",
						  NULL, OUT_TEXT, 0 });
	for (int i = 0; i < r->n; i++) {
		const struct preflight_finding *f = &r->f[i];
		if (warnings_only && f->severity != PREFLIGHT_WARNING)
			continue;
		out_row_begin(o, NULL);
		out_str(o, &f_sev, preflight_severity_name(f->severity));
		out_str(o, &f_code, f->code);
		out_str(o, &f_subj, f->subject);
		out_str(o, &f_msg, f->message);
		out_text(o, "%-7s %s: %s", preflight_severity_name(f->severity), f->code, f->message);
		out_row_end(o);
	}
	out_table_end(o);
}
