/* worklist.c: the sends a person makes by hand, due by a day (see
 * worklist.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fielding/worklist.h"
#include "evidence/followup.h"
#include "fielding/channel.h"
#include "base/timeutil.h"
#include "base/banned.h"

void worklist_free(struct worklist *w)
{
	for (int i = 0; i < w->n; i++) {
		free(w->items[i].subject);
		free(w->items[i].body);
	}
	free(w->items);
	compose_apps_free(w->apps, w->napps);
	free(w->persona);
	memset(w, 0, sizeof(*w));
}

/* Whether a is the persona named by spec: its e-mail, "First Last" or
 * GROUP:GENDER, ASCII case ignored. */
static int persona_is(const struct compose_app *a, const char *spec)
{
	char *full = xasprintf("%s %s", a->first ? a->first : "", a->last ? a->last : "");
	char *cell = xasprintf("%s:%s", a->grp ? a->grp : "", a->gender ? a->gender : "");
	int yes = (a->email && str_eq_ci(a->email, spec)) || str_eq_ci(full, spec) ||
		  str_eq_ci(cell, spec);
	free(full);
	free(cell);
	return yes;
}

int worklist_build(struct study *s, const struct worklist_opts *o, struct worklist *w,
		   struct tpl_problems *probs, struct ct_err *err)
{
	const struct design *d = s->design;
	struct template **t = NULL;
	time_t now = time_now(), until = 0;
	int y, m, dd, rc, matched = 0;
	memset(w, 0, sizeof(*w));
	if (!o->all) {
		char local[40];
		if (o->date) {
			if (!date_parse_prefix(o->date, &y, &m, &dd) || strlen(o->date) != 10)
				return ct_fail(err, CT_EINPUT, "--date '%s' %s", o->date,
					       date_problem(o->date) ? date_problem(o->date)
								     : "must be a date YYYY-MM-DD");
		} else {
			time_iso_local(now, d->timezone, local);
			if (sscanf(local, "%d-%d-%d", &y, &m, &dd) != 3)
				return ct_fail(err, CT_EENV, "cannot tell today's date in %s",
					       d->timezone);
		}
		snprintf(w->date, sizeof(w->date), "%04d-%02d-%02d", y, m, dd);
		int y2, m2, d2;
		civil_from_days(days_from_civil(y, m, dd) + 1, &y2, &m2, &d2);
		until = time_from_local(d->timezone, y2, m2, d2, 0, 0);
	}
	/* A follow-up whose pair no longer differs is cancelled first, so
	 * that no one sends it by hand. */
	if ((rc = followup_refresh(s, NULL, err)) ||
	    (rc = compose_load_apps(s, 0, &w->apps, &w->napps, err)))
		return rc;
	t = xcalloc((size_t)compose_ntemplates(d), sizeof(*t));
	compose_load_templates(s, t, probs);
	if (probs->n) {
		rc = ct_fail(err, CT_EINPUT, "the templates have %d problem%s", probs->n,
			     probs->n == 1 ? "" : "s");
		goto out;
	}
	for (int i = 0; i < w->napps; i++) {
		struct compose_app *a = &w->apps[i];
		time_t when;
		if (strcmp(a->status, "planned") || !strcmp(a->lstatus, "withdrawn"))
			continue;
		if (o->persona && !persona_is(a, o->persona))
			continue;
		matched++;
		if (!fielding_channel_by_hand(a->channel)) {
			w->by_smtp++;
			continue;
		}
		if (!a->sched || !time_parse_iso(a->sched, &when)) {
			rc = ct_fail(err, CT_EINPUT, "application %lld has no planned time (run 'corrtest "
				     "assign')", a->id);
			goto out;
		}
		if (!o->all && when >= until) {
			w->later++;
			continue;
		}
		w->items = xrealloc(w->items, (size_t)(w->n + 1) * sizeof(*w->items));
		struct worklist_item *it = &w->items[w->n];
		memset(it, 0, sizeof(*it));
		it->app = a;
		if ((rc = compose_load_cv(s, a, err)) ||
		    (rc = compose_render_text(s, t, a, &it->subject, &it->body, err)))
			goto out;
		w->n++;
		it->contact_kind = fielding_channel_contact_kind(a->channel);
		const char *c = !strcmp(it->contact_kind, "phone") ? a->contact_phone
				: !strcmp(it->contact_kind, "url") ? a->url
								     : a->contact;
		it->contact = c && *c ? c : NULL;
		char local[40];
		time_iso_local(when, d->timezone, local);
		snprintf(it->planned_local, sizeof(it->planned_local), "%.10s %.5s", local, local + 11);
		it->overdue = when < now;
	}
	if (o->persona && !matched) {
		rc = ct_fail(err, CT_EINPUT,
			     "no planned application of persona '%s' (name a persona by e-mail, "
			     "\"First Last\" or GROUP:GENDER)",
			     o->persona);
		goto out;
	}
	if (o->persona)
		w->persona = xstrdup(o->persona);
out:
	compose_templates_free(t, compose_ntemplates(d));
	if (rc)
		worklist_free(w);
	return rc;
}

const char *worklist_attachment(const struct compose_app *a)
{
	if (!a->cv || !a->cv_fname || !a->channel)
		return NULL;
	return !strcmp(a->channel, "portal") || !strcmp(a->channel, "webmail") ? a->cv_fname
										 : NULL;
}

static int make_dir(const char *path, struct ct_err *err)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return ct_fail(err, CT_EENV, "%s: cannot make the folder: %s", path,
			       strerror(errno));
	return CT_OK;
}

int worklist_write_files(const struct worklist *w, const char *dir, long *nfiles,
			 struct ct_err *err)
{
	*nfiles = 0;
	int rc = make_dir(dir, err);
	for (int i = 0; !rc && i < w->n; i++) {
		const struct compose_app *a = w->items[i].app;
		const char *name = worklist_attachment(a);
		if (!name)
			continue;
		/* One folder per application: a persona's CV differs from one
		 * vacancy to the next under the same file name. */
		char *sub = xasprintf("%s/%lld", dir, a->id);
		char *path = xasprintf("%s/%s", sub, name);
		unsigned char *pdf = NULL;
		size_t len = 0;
		struct ct_err e = { 0 };
		if (!(rc = make_dir(sub, err))) {
			if ((rc = cv_pdf_render(a->cv, &pdf, &len, &e)))
				ct_fail(err, rc, "application %lld: %s", a->id, e.msg);
			else if (!(rc = file_write_atomic(path, (const char *)pdf, len, 0600, err)))
				(*nfiles)++;
		}
		free(pdf), free(path), free(sub);
	}
	return rc;
}

/* Text into HTML: &, <, >, " and ' escaped; the text is valid UTF-8 (the
 * study's rule for every value), so nothing else needs care. */
static void html_esc(struct strbuf *h, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': sb_adds(h, "&amp;"); break;
		case '<': sb_adds(h, "&lt;"); break;
		case '>': sb_adds(h, "&gt;"); break;
		case '"': sb_adds(h, "&quot;"); break;
		case '\'': sb_adds(h, "&#39;"); break;
		default: sb_addc(h, *s);
		}
	}
}

static void html_row(struct strbuf *h, const char *label, const char *value)
{
	sb_adds(h, "<tr><th>");
	html_esc(h, label);
	sb_adds(h, "</th><td>");
	if (value)
		html_esc(h, value);
	else
		sb_adds(h, "<em>missing</em>");
	sb_adds(h, "</td></tr>\n");
}

void worklist_html(const struct study *s, const struct worklist *w, struct strbuf *h)
{
	const struct design *d = s->design;
	sb_adds(h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>Worklist ");
	html_esc(h, w->date[0] ? w->date : "(all planned)");
	sb_adds(h, "</title>\n<style>\n"
		   "body { font-family: sans-serif; margin: 1.5em; }\n"
		   ".app { border: 1px solid #888; padding: 0.6em 1em; margin: 0 0 1.2em; "
		   "page-break-inside: avoid; break-inside: avoid; }\n"
		   ".app h2 { font-size: 1.1em; margin: 0 0 0.4em; }\n"
		   ".overdue { color: #a00; font-weight: bold; }\n"
		   "th { text-align: left; padding-right: 1em; vertical-align: top; }\n"
		   "pre { white-space: pre-wrap; border-left: 3px solid #ccc; padding-left: 0.8em; "
		   "font-size: 0.95em; }\n"
		   ".done td { border-bottom: 1px solid #888; min-width: 10em; height: 1.6em; }\n"
		   "@media print { body { margin: 0; } a { color: inherit; text-decoration: none; } }\n"
		   "</style></head><body>\n<h1>Worklist: ");
	html_esc(h, w->date[0] ? w->date : "every planned application");
	sb_adds(h, "</h1>\n<p>");
	sb_addf(h, "%d application%s to send by hand", w->n, w->n == 1 ? "" : "s");
	if (w->persona) {
		sb_adds(h, " for ");
		html_esc(h, w->persona);
	}
	sb_adds(h, "; times in ");
	html_esc(h, d->timezone);
	sb_adds(h, ". Write down when each was sent (or why it was not), and record it with "
		   "<code>corrtest field sent</code> or <code>corrtest field import</code>.</p>\n");
	for (int i = 0; i < w->n; i++) {
		const struct worklist_item *it = &w->items[i];
		const struct compose_app *a = it->app;
		char *who = xasprintf("%s %s", a->first, a->last);
		sb_addf(h, "<div class=\"app\">\n<h2>Application %lld: ", a->id);
		html_esc(h, a->channel);
		sb_adds(h, ", planned ");
		html_esc(h, it->planned_local);
		if (it->overdue)
			sb_adds(h, " <span class=\"overdue\">OVERDUE</span>");
		sb_adds(h, "</h2>\n<table>\n");
		html_row(h, "act as", who);
		html_row(h, "their e-mail", a->email);
		html_row(h, "their phone", a->phone);
		html_row(h, "listing", a->ref);
		html_row(h, "listing URL", a->url);
		html_row(h, !strcmp(it->contact_kind, "phone") ? "landlord's phone"
			    : !strcmp(it->contact_kind, "url") ? "contact form"
							       : "landlord's e-mail",
			 it->contact);
		html_row(h, "subject", it->subject);
		if (worklist_attachment(a))
			html_row(h, "attach (corrtest field list --files)", worklist_attachment(a));
		sb_adds(h, "</table>\n<pre>");
		html_esc(h, it->body);
		sb_adds(h, "</pre>\n<table class=\"done\"><tr><th>sent at</th><td></td>"
			   "<th>via</th><td></td><th>by</th><td></td></tr>"
			   "<tr><th>not sent, why</th><td colspan=\"5\"></td></tr></table>\n</div>\n");
		free(who);
	}
	sb_adds(h, "</body></html>\n");
}
