/* worklist.h: what a person has to send by hand (every channel but smtp):
 * for each due planned application, the persona to act as, the listing,
 * the landlord's contact for the channel, and the exact text to paste
 * (subject and body as the landlord will read them, not MIME), with the
 * planned local time. Also the page a volunteer prints (worklist_html). */
#ifndef CT_WORKLIST_H
#define CT_WORKLIST_H

#include <time.h>

#include "messages/compose.h"
#include "store/study.h"
#include "base/util.h"

struct worklist_opts {
	/* Due: scheduled before the end of this local date (YYYY-MM-DD;
	 * NULL: today in the study's zone). */
	const char *date;
	int all;             /* every planned application, due or not */
	const char *persona; /* only this persona: e-mail, "First Last" or GROUP:GENDER; NULL: all */
};

struct worklist_item {
	const struct compose_app *app; /* borrowed from the list */
	char *subject, *body;          /* the text to paste (owned) */
	const char *contact_kind;      /* "email", "phone" or "url" (static) */
	const char *contact;           /* borrowed: the address, number or URL; NULL when missing */
	char planned_local[17];        /* "YYYY-MM-DD HH:MM" in the study's zone */
	int overdue;                   /* planned before now */
};

struct worklist {
	struct compose_app *apps; /* owned */
	int napps;
	struct worklist_item *items; /* in planned order */
	int n;
	char date[11];    /* the day it is due by (empty with all) */
	long later;       /* planned by hand, not due by then */
	long by_smtp;     /* planned for smtp, left to send --live */
	char *persona;    /* the persona asked for, as matched (NULL: all) */
};

/* Builds the list. CT_EINPUT for a bad date, a persona the study does not
 * have, or a text that cannot be rendered (the templates' problems in
 * probs, or err naming the application). */
int worklist_build(struct study *s, const struct worklist_opts *o, struct worklist *out,
		   struct tpl_problems *probs, struct ct_err *err);
void worklist_free(struct worklist *w);

/* The file a person uploads with application a, by hand: its CV
 * ("CV_First_Last.pdf") when the study sends CVs and the channel takes a
 * file (a portal's form, webmail); NULL otherwise (a phone call, an SMS, a
 * housing study). */
const char *worklist_attachment(const struct compose_app *a);

/* Writes the files to upload for every item of w: DIR/<application id>/
 * CV_First_Last.pdf, rendered from the CV recorded for it (the bytes the
 * e-mail channel would attach), each written atomically; DIR and the
 * subfolders are made as needed. *nfiles: files written. CT_EENV for a
 * folder or file that cannot be made, or a CV that cannot be rendered. */
int worklist_write_files(const struct worklist *w, const char *dir, long *nfiles,
			 struct ct_err *err);

/* One self-contained HTML page (inline print CSS, every value escaped),
 * one block per application with its text in a <pre>. Appended to html. */
void worklist_html(const struct study *s, const struct worklist *w, struct strbuf *html);

#endif
