/* cv.h: the CVs of a job study (issue 13). A CV template
 * (templates/job/LANG/cv.ini, or the study's own) is a tree of sections
 * whose nodes are constant, drawn from a list, or chosen by another node
 * (the vacancy's occupation family, the candidates' education level, the
 * study's city), as in Lahey & Beasley's resume randomizer. For each pair
 * the draws are made once, from the study's seed: the attributes that
 * matter (education level, degree, years of experience, skills, languages)
 * are the same in both CVs; the wording differs by the pair's two phrasings
 * and the page by its two layouts, counterbalanced over the groups. All of
 * it is recorded per application (table cv) and rendered to PDF with cairo
 * and Pango (cv_pdf.c).
 *
 *   cv.h       the document model and the calls other stages use
 *   cvtpl.c    reading and checking a CV template
 *   cvdraw.c   drawing and recording the pairs' CVs, loading one back
 *   cvpdf.c    rendering a document to PDF
 */
#ifndef CT_CV_H
#define CT_CV_H

#include <stddef.h>
#include <time.h>

#include "base/util.h"
#include "store/study.h"

/* One line of a section: a job, a degree, a skill, a language. Any field
 * may be NULL. when: "2019 – 2023" or "2016"; what: the job title or
 * degree, or the skill itself; where: employer or school, with the place;
 * text: a sentence or two (duties). */
struct cv_entry {
	char *when, *what, *where, *text;
};

/* A section in reading order. kind (static string) tells the layout where it
 * goes: "experience", "education", "skills", "languages", "interests". */
struct cv_section {
	const char *kind;
	char *title;
	struct cv_entry *e;
	int n;
};

#define CV_MAXCONTACT 6
#define CV_MAXSECTIONS 8

/* What one CV shows, and its file metadata. Strings are UTF-8, owned. */
struct cv_doc {
	int layout;     /* 1: one column, serif; 2: a side column, sans serif */
	char *lang;     /* nl, fr, en */
	char *name;     /* "First Last", as the heading shows it */
	char *headline; /* the occupation under the name */
	char *summary_title, *summary; /* the profile paragraph (NULL: none) */
	/* The contact block: label and value ("E-mail", "a.b@example.org"). */
	char *contact_label[CV_MAXCONTACT], *contact_value[CV_MAXCONTACT];
	int ncontact;
	struct cv_section sec[CV_MAXSECTIONS];
	int nsec;
	/* PDF metadata: Title and Author (both name the candidate, nothing
	 * else), CreationDate and ModDate (created; the same for both CVs of a
	 * pair). Nothing in the file names the study or corrtest. */
	char *title, *author;
	time_t created;
};

void cv_doc_free(struct cv_doc *d);

/* Renders d as an A4 PDF with cairo and Pango: fonts embedded (subsets),
 * text searchable, metadata from d. *pdf (caller frees, *len bytes). The
 * same document gives the same bytes. CT_EENV when the fonts the layouts
 * name (DejaVu, Debian's fonts-dejavu-core) are not installed or cairo
 * fails. Safe to call from several threads at once. */
int cv_pdf_render(const struct cv_doc *d, unsigned char **pdf, size_t *len, struct ct_err *err);

/* The attachment's file name: "CV_First_Last.pdf", spaces in a name made
 * underscores, letters kept as they are (UTF-8; MIME encodes them per RFC
 * 2231). Caller frees. */
char *cv_file_name(const char *first, const char *last);

/* Whether the study sends CVs: a job study whose study.ini has [cv]
 * attach = yes. Errors (a [cv] key that does not read) name study.ini:LINE. */
int cv_enabled(struct study *s, int *on, struct ct_err *err);

/* Draws the CVs of every application of kind main or retest that has none
 * yet (both of a pair at once), in listing order, and records them (table
 * cv) with one "cv.draw" event, in one transaction. Nothing when the study
 * sends no CVs. CT_EINPUT (naming the file and line, or the listing) for a
 * template that does not read, a vacancy whose ISCO code no occupation
 * family of the template covers, or whose required level is above the
 * candidates', or a profile whose dates cannot fit (more years of
 * experience than the age allows). *ndrawn: CVs drawn. */
int cv_draw_study(struct study *s, long *ndrawn, struct ct_err *err);

/* The CV of application app as recorded, as a document ready to render.
 * *has 0 (and *out untouched) when the application has no CV (a housing
 * study, a follow-up, CVs not drawn yet). */
int cv_doc_load(struct study *s, long long app, int *has, struct cv_doc *out, struct ct_err *err);

#endif
