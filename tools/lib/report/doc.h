/* doc.h: a report as a list of blocks (headings, paragraphs, tables,
 * figures), built once and rendered twice: as one self-contained HTML
 * file and as Markdown with the same content, so that the two can never
 * say different things. Every text given is plain text: the renderers
 * escape it for their format. Nothing here reads a study. */
#ifndef CT_REPORT_DOC_H
#define CT_REPORT_DOC_H

#include <stddef.h>

#include "base/util.h"

enum doc_kind { DOC_HEADING, DOC_PARA, DOC_NOTE, DOC_LIST, DOC_TABLE, DOC_FIGURE, DOC_BANNER, DOC_TOC };

struct doc_table {
	char *caption;
	int ncols;
	char **head;
	unsigned char *num; /* right-aligned (numeric) columns */
	char **cells;       /* nrows x ncols, row-major */
	int nrows;
	char *foot; /* a line under the table: what the columns mean */
	int pre;    /* cells keep their line breaks (messages quoted whole) */
};

struct doc_block {
	int kind;
	int level;  /* headings: 1..3 */
	char *id;   /* headings and figures: the anchor */
	char *text; /* heading, paragraph, note, banner, the figure's caption */
	char **items; int nitems; /* lists */
	struct doc_table *table;
	char *svg;  /* figures: the chart, as drawn by report/svg */
	char *alt;  /* figures: the text alternative (Markdown shows it) */
};

struct doc {
	char *title, *lang;
	char *running; /* printed at the top of every page, or NULL */
	struct doc_block *b;
	int n, cap;
};

struct doc *doc_new(const char *title, const char *lang);
void doc_free(struct doc *d);

void doc_heading(struct doc *d, int level, const char *id, const char *text);
/* A paragraph, a highlighted note (a warning), a banner (simulated data,
 * confidential) at the top of a page. */
void doc_para(struct doc *d, const char *text);
void doc_note(struct doc *d, const char *text);
void doc_banner(struct doc *d, const char *text);
void doc_list(struct doc *d, const char *const *items, int n);
/* A table of contents titled text: the level-2 headings with an id, linked
 * to them in HTML (an anchor, never a request), listed in Markdown. */
void doc_toc(struct doc *d, const char *text);
/* A table of ncols columns; num[i] set for numeric columns (may be NULL). */
struct doc_table *doc_table(struct doc *d, const char *caption, int ncols, const char *const *head,
			    const unsigned char *num);
void doc_row(struct doc_table *t, const char *const *cells);
void doc_table_foot(struct doc_table *t, const char *text);
/* The table's cells keep their line breaks and wrap long lines (a
 * message quoted whole beside another). */
void doc_table_pre(struct doc_table *t);
/* A line printed at the top of every page of the HTML when printed (a
 * CSS page margin box), e.g. "Confidential". Markdown ignores it. */
void doc_running(struct doc *d, const char *text);
void doc_figure(struct doc *d, const char *id, const char *svg, const char *caption,
		const char *alt);

/* The whole HTML page: inline CSS (A4 print rules), no script, no request
 * to anything; json (may be NULL) goes into <script type="application/json"
 * id="corrtest-data">, which browsers never run, every "<" written as \u003c. */
void doc_html(const struct doc *d, const char *json, struct strbuf *out);
/* Markdown (CommonMark with GitHub tables); figures as their caption and
 * text alternative (their figures are in the tables beside them). */
void doc_markdown(const struct doc *d, struct strbuf *out);

#endif
