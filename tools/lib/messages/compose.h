/* compose.h: building applications' messages from the study's templates,
 * shared by `corrtest compose` and `corrtest send` (which composes and
 * stores a due message before sending it, if compose has not yet). */
#ifndef CT_COMPOSE_H
#define CT_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include "cv/cv.h"
#include "store/study.h"
#include "messages/template.h"

/* One application and what its message is built from. */
struct compose_app {
	long long id;
	char *ref, *lstatus, *sched, *status, *msgid;
	int variant; /* 0 when NULL */
	char *first, *last, *email, *phone, *profile;
	char *contact, *title, *area, *url, *price;
	/* The channel it is planned for (fielding_channel_effective: its own,
	 * its listing's or the study's), the landlord's phone and name, and
	 * the persona's group and gender: what a worklist shows. */
	char *channel, *contact_phone, *contact_name, *grp, *gender;
	int position; /* 0 when NULL */
	char *stored; /* latest outgoing message, if any */
	size_t stored_len;
	/* The stored message's template_sha256: the SHA-256 of the template
	 * file it was rendered from; NULL for a message stored before schema 5
	 * (or none stored). */
	char *stored_tpl;
	time_t when;
	/* Built by this run. */
	char *raw, *new_msgid, *fname;
	size_t len;
	char sha[65]; /* SHA-256 of raw when compose_build_many built it, else "" */
	char tpl_sha[65]; /* SHA-256 of the template raw was rendered from, else "" */
	int reused, skip;
	const char *nul_field; /* a field with a NUL byte inside, or NULL */
	/* application.kind (main, followup, retest). A follow-up is written
	 * from the follow-up text (template slot compose_followup_slot), not
	 * from a variant. When its persona wrote the application it follows,
	 * it goes in that thread: thread_id is that message's Message-ID
	 * (In-Reply-To and References) and thread_raw (thread_len bytes) the
	 * message, whose subject it answers ("Re: ..."). */
	char *kind, *thread_id, *thread_raw;
	size_t thread_len;
	/* A job study's CV (study.ini [cv] attach = yes): the document
	 * recorded for this application (cv_doc_load), rendered to PDF and
	 * attached as cv_fname ("CV_First_Last.pdf") when the message is
	 * built. cv_missing: the study sends CVs, this application should
	 * carry one, and none was drawn (built: an error). */
	struct cv_doc *cv;
	char *cv_fname;
	int cv_missing;
	int cv_loaded; /* compose_load_cv has run for it */
	/* A vacancy's occupation and its ISCO-08 code ({{listing.occupation}},
	 * {{listing.isco}}); NULL when the listing has none. */
	char *occupation, *isco;
};

/* The template slots compose_load_templates fills: v1..vN in slots 0..N-1,
 * then the follow-up text (templates/followup.txt of the study, else the
 * built-in templates/followup/LANG.txt) in slot N. Arrays of templates
 * have compose_ntemplates(d) slots. */
static inline int compose_ntemplates(const struct design *d)
{
	return d->variants + 1;
}
static inline int compose_followup_slot(const struct design *d)
{
	return d->variants;
}
/* The slot of a's template, or -1 when its variant has none. */
int compose_slot(const struct design *d, const struct compose_app *a);

/* Loads applications: all planned ones (id 0), or the one with id, with
 * their latest stored outgoing message (stored). *out: compose_apps_free. */
int compose_load_apps(struct study *s, long long id, struct compose_app **out, int *n,
		      struct ct_err *err);
void compose_apps_free(struct compose_app *a, int n);
/* Looks up a's CV (a->cv, cv_fname, cv_missing) when the study sends CVs;
 * once per application. Every caller runs it for an application before
 * compose_stale or building it (compose_build refuses one not looked up). */
int compose_load_cv(struct study *s, struct compose_app *a, struct ct_err *err);
/* Reads and checks v1..vN and the follow-up text; every problem goes to
 * probs. t[] has compose_ntemplates(d) slots. */
void compose_load_templates(struct study *s, struct template **t, struct tpl_problems *probs);
/* The follow-up text compose uses (the study's templates/followup.txt, else
 * the built-in templates/followup/LANG.txt): *text (len bytes) and *shown,
 * the name to show for it (both caller frees). An own file that cannot be
 * read, or no text at all: an error naming it. */
int compose_followup_text(struct study *s, char **text, size_t *len, char **shown,
			  struct ct_err *err);
void compose_templates_free(struct template **t, int n);
/* Builds a's message into a->raw, with the stored Message-ID if there is
 * one; otherwise a fresh one (kept in a->new_msgid) when fresh_id, or a
 * stand-in that is never stored (checking only). Errors name the
 * application and its listing. */
int compose_build(struct study *s, struct template **t, struct compose_app *a, int fresh_id,
		  struct ct_err *err);
/* compose_build(..., fresh_id 1, ...) for every apps[idx[k]], k < nidx, on
 * as many threads as the machine has processors (at most 4; one for short
 * lists). rcs[k] and errs[k] get each one's result. The applications are
 * independent (each thread builds its own GMime objects), so the messages
 * are the ones a loop would build, byte for byte but for their fresh
 * Message-IDs. */
void compose_build_many(struct study *s, struct template **t, struct compose_app *apps,
			const int *idx, int nidx, int *rcs, struct ct_err *errs);
/* compose --check: reads and checks the templates and checks that the
 * message of every planned application of an active listing can be built
 * (as compose_build would, without keeping it). Every problem goes to probs
 * (then CT_EINPUT); *ncomposed counts the messages that can be built.
 * CT_EENV on database errors. */
int compose_check(struct study *s, int *ncomposed, struct tpl_problems *probs, struct ct_err *err);
/* compose --preview: application id with its message: the stored one
 * (out->stored) once written to an outbox, else built now (out->raw) with a
 * Message-ID drawn for the preview only (out->new_msgid, never stored).
 * Template problems go to probs (CT_EINPUT); no such application is
 * CT_EINPUT with err. *out is one application: compose_apps_free(*out, 1). */
int compose_preview(struct study *s, long long id, struct compose_app **out,
		    struct tpl_problems *probs, struct ct_err *err);
/* The text a landlord reads: a's subject and body filled from the
 * templates, as mime_build would carry them but not encoded (for a person
 * to paste into a form or an SMS, and for the preview). Needs no contact
 * e-mail. *subject and *body: caller frees. Errors name the application
 * and its listing. */
int compose_render_text(struct study *s, struct template **t, struct compose_app *a,
			char **subject, char **body, struct ct_err *err);
/* A message as its reader sees it: the header fields decoded (RFC 2047
 * words to UTF-8) and the body as text (quoted-printable decoded). All
 * owned; free with compose_text_free. */
struct compose_text {
	char *from_name, *from_addr, *to_addr, *subject, *body;
	char *date; /* UTC ISO 8601, or NULL */
};
/* Decodes raw (len bytes), a message mime_build wrote, with the parser
 * replies go through (mail/reply.h). CT_EINPUT for an empty message. */
int compose_decode(const char *raw, size_t len, struct compose_text *out, struct ct_err *err);
void compose_text_free(struct compose_text *t);
/* Whether a's stored message may be out of date with the templates t (as
 * compose_load_templates read them; nv is the number of variants): its
 * template (variant, or the follow-up text) changed since
 * it was rendered, does not read now (t[variant - 1] NULL), or is not
 * known (a message stored before schema 5, template_sha256 NULL: such a
 * message is composed again and compared byte for byte). 0 when nothing
 * is stored. */
int compose_stale(const struct compose_app *a, struct template *const *t, int nv);
/* Stores the messages composed in this run (not skip, not reused), with
 * their new Message-IDs and the SHA-256 of the template each was rendered
 * from (message.template_sha256). Inside the caller's transaction. */
int compose_store(struct study *s, struct compose_app *apps, int n, struct ct_err *err);

#endif
