/* doc.c: the report's blocks and their two renderings (doc.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/doc.h"
#include "base/banned.h"

struct doc *doc_new(const char *title, const char *lang)
{
	struct doc *d = xcalloc(1, sizeof(*d));
	d->title = xstrdup(title);
	d->lang = xstrdup(lang);
	return d;
}

static struct doc_block *add(struct doc *d, int kind)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->b = xrealloc(d->b, (size_t)d->cap * sizeof(*d->b));
	}
	struct doc_block *b = &d->b[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	return b;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void doc_heading(struct doc *d, int level, const char *id, const char *text)
{
	struct doc_block *b = add(d, DOC_HEADING);
	b->level = level;
	b->id = dup_or_null(id);
	b->text = xstrdup(text);
}

void doc_para(struct doc *d, const char *text)
{
	add(d, DOC_PARA)->text = xstrdup(text);
}

void doc_note(struct doc *d, const char *text)
{
	add(d, DOC_NOTE)->text = xstrdup(text);
}

void doc_banner(struct doc *d, const char *text)
{
	add(d, DOC_BANNER)->text = xstrdup(text);
}

void doc_toc(struct doc *d, const char *text)
{
	add(d, DOC_TOC)->text = xstrdup(text);
}

void doc_list(struct doc *d, const char *const *items, int n)
{
	struct doc_block *b = add(d, DOC_LIST);
	b->items = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		b->items[i] = xstrdup(items[i]);
	b->nitems = n;
}

struct doc_table *doc_table(struct doc *d, const char *caption, int ncols, const char *const *head,
			    const unsigned char *num)
{
	struct doc_table *t = xcalloc(1, sizeof(*t));
	t->caption = dup_or_null(caption);
	t->ncols = ncols;
	t->head = xcalloc((size_t)ncols, sizeof(char *));
	t->num = xcalloc((size_t)ncols, 1);
	for (int i = 0; i < ncols; i++) {
		t->head[i] = xstrdup(head[i]);
		t->num[i] = num ? num[i] : 0;
	}
	add(d, DOC_TABLE)->table = t;
	return t;
}

void doc_row(struct doc_table *t, const char *const *cells)
{
	t->cells = xrealloc(t->cells, (size_t)(t->nrows + 1) * (size_t)t->ncols * sizeof(char *));
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

void doc_table_foot(struct doc_table *t, const char *text)
{
	free(t->foot);
	t->foot = xstrdup(text);
}

void doc_table_pre(struct doc_table *t)
{
	t->pre = 1;
}

void doc_running(struct doc *d, const char *text)
{
	free(d->running);
	d->running = dup_or_null(text);
}

void doc_figure(struct doc *d, const char *id, const char *svg, const char *caption,
		const char *alt)
{
	struct doc_block *b = add(d, DOC_FIGURE);
	b->id = xstrdup(id);
	b->svg = xstrdup(svg);
	b->text = xstrdup(caption);
	b->alt = xstrdup(alt);
}

void doc_free(struct doc *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++) {
		struct doc_block *b = &d->b[i];
		free(b->id);
		free(b->text);
		free(b->svg);
		free(b->alt);
		for (int k = 0; k < b->nitems; k++)
			free(b->items[k]);
		free(b->items);
		if (b->table) {
			struct doc_table *t = b->table;
			for (int k = 0; k < t->ncols; k++)
				free(t->head[k]);
			for (int k = 0; k < t->nrows * t->ncols; k++)
				free(t->cells[k]);
			free(t->head);
			free(t->num);
			free(t->cells);
			free(t->caption);
			free(t->foot);
			free(t);
		}
	}
	free(d->b);
	free(d->title);
	free(d->lang);
	free(d->running);
	free(d);
}

/* ---- HTML ---- */

static void html_esc(struct strbuf *sb, const char *s)
{
	sb_add_xml(sb, s);
}

/* Print rules for A4: margins, no table or figure cut across pages,
 * headings kept with what follows; greys that survive a black-and-white
 * printer. */
static const char css[] =
	"@page{size:A4;margin:16mm 15mm 18mm 15mm}"
	"html{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;font-size:10.5pt;"
	"line-height:1.45;color:#111;background:#fff}"
	"body{max-width:180mm;margin:0 auto;padding:8mm 4mm}"
	"h1{font-size:19pt;margin:0 0 4mm;line-height:1.2}"
	"h2{font-size:14pt;margin:9mm 0 3mm;border-bottom:1.5pt solid #333;padding-bottom:1mm;"
	"break-after:avoid}"
	"h3{font-size:11.5pt;margin:6mm 0 2mm;break-after:avoid}"
	"p{margin:0 0 3mm}"
	"table{border-collapse:collapse;margin:2mm 0 1mm;font-size:9pt;break-inside:avoid;"
	"width:100%}"
	"caption{text-align:left;font-weight:bold;padding-bottom:1.5mm}"
	"th,td{border-bottom:0.5pt solid #999;padding:1mm 1.6mm;vertical-align:top;text-align:left}"
	"thead th{border-bottom:1pt solid #333;background:#eee}"
	"tbody th{font-weight:normal;min-width:38mm}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}"
	".foot{font-size:8.5pt;color:#333;margin:0 0 4mm}"
	"figure.chart{margin:4mm 0 5mm;break-inside:avoid}"
	"figure.chart svg{display:block;width:100%;height:auto}"
	"figcaption{font-size:9pt;color:#222;margin-top:1.5mm}"
	".note{border-left:3pt solid #111;background:#f2f2f2;padding:2mm 3mm;margin:2mm 0 3mm}"
	".banner{border:1.5pt solid #111;padding:2.5mm 3mm;margin:0 0 4mm;font-weight:bold}"
	"ul{margin:0 0 3mm;padding-left:6mm}"
	"nav{margin:0 0 4mm}nav ol{columns:2;font-size:9.5pt;margin:1mm 0 0}"
	"a{color:inherit}";

void doc_html(const struct doc *d, const char *json, struct strbuf *out)
{
	sb_adds(out, "<!DOCTYPE html>\n<html lang=\"");
	html_esc(out, d->lang);
	sb_adds(out, "\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     /* Nothing may be fetched: no scripts, frames, images or fonts from
		      * anywhere but the page itself (inline SVG and styles). */
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:\">\n<title>");
	html_esc(out, d->title);
	sb_adds(out, "</title>\n<style>");
	sb_adds(out, css);
	/* Only a document that uses them gets these rules, so that the
	 * report's page stays byte for byte what it was. */
	int pre = 0;
	for (int i = 0; i < d->n; i++)
		pre |= d->b[i].kind == DOC_TABLE && d->b[i].table->pre;
	if (pre)
		/* A hash or an address may break anywhere; the minimum widths keep
		 * the short words of narrow columns whole. */
		sb_adds(out, "table.pre td,table.pre th{white-space:pre-wrap;overflow-wrap:anywhere}"
			     "table.pre td{min-width:16mm}table.pre tbody th{min-width:28mm}");
	if (d->running) {
		/* A CSS string: every character but letters, digits and spaces
		 * as a hex escape, so that nothing in it ends the string or the
		 * <style> element. */
		sb_adds(out, "@page{@top-center{font:9pt sans-serif;content:\"");
		for (const unsigned char *p = (const unsigned char *)d->running; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == ' ' || *p >= 0x80)
				sb_addc(out, (char)*p);
			else
				sb_addf(out, "\\%x ", *p);
		}
		sb_adds(out, "\"}}");
	}
	sb_adds(out, "</style>\n</head>\n<body>\n");
	for (int i = 0; i < d->n; i++) {
		const struct doc_block *b = &d->b[i];
		switch (b->kind) {
		case DOC_HEADING:
			sb_addf(out, "<h%d", b->level);
			if (b->id) {
				sb_adds(out, " id=\"");
				html_esc(out, b->id);
				sb_addc(out, '"');
			}
			sb_addc(out, '>');
			html_esc(out, b->text);
			sb_addf(out, "</h%d>\n", b->level);
			break;
		case DOC_PARA:
		case DOC_NOTE:
		case DOC_BANNER:
			sb_adds(out, b->kind == DOC_PARA ? "<p>" : b->kind == DOC_NOTE
									? "<p class=\"note\">"
									: "<p class=\"banner\">");
			html_esc(out, b->text);
			sb_adds(out, "</p>\n");
			break;
		case DOC_LIST:
			sb_adds(out, "<ul>\n");
			for (int k = 0; k < b->nitems; k++) {
				sb_adds(out, "<li>");
				html_esc(out, b->items[k]);
				sb_adds(out, "</li>\n");
			}
			sb_adds(out, "</ul>\n");
			break;
		case DOC_TABLE: {
			const struct doc_table *t = b->table;
			sb_adds(out, t->pre ? "<table class=\"pre\">\n" : "<table>\n");
			if (t->caption) {
				sb_adds(out, "<caption>");
				html_esc(out, t->caption);
				sb_adds(out, "</caption>\n");
			}
			sb_adds(out, "<thead><tr>");
			for (int c = 0; c < t->ncols; c++) {
				sb_adds(out, t->num[c] ? "<th class=\"n\" scope=\"col\">"
						       : "<th scope=\"col\">");
				html_esc(out, t->head[c]);
				sb_adds(out, "</th>");
			}
			sb_adds(out, "</tr></thead>\n<tbody>\n");
			for (int r = 0; r < t->nrows; r++) {
				sb_adds(out, "<tr>");
				for (int c = 0; c < t->ncols; c++) {
					sb_adds(out, c == 0 ? "<th scope=\"row\">"
						     : t->num[c] ? "<td class=\"n\">" : "<td>");
					html_esc(out, t->cells[r * t->ncols + c]);
					sb_adds(out, c == 0 ? "</th>" : "</td>");
				}
				sb_adds(out, "</tr>\n");
			}
			sb_adds(out, "</tbody>\n</table>\n");
			if (t->foot) {
				sb_adds(out, "<p class=\"foot\">");
				html_esc(out, t->foot);
				sb_adds(out, "</p>\n");
			}
			break;
		}
		case DOC_TOC:
			sb_adds(out, "<nav><p><b>");
			html_esc(out, b->text);
			sb_adds(out, "</b></p>\n<ol>\n");
			for (int k = i + 1; k < d->n; k++) {
				const struct doc_block *h = &d->b[k];
				if (h->kind != DOC_HEADING || h->level != 2 || !h->id)
					continue;
				sb_adds(out, "<li><a href=\"#");
				html_esc(out, h->id);
				sb_adds(out, "\">");
				html_esc(out, h->text);
				sb_adds(out, "</a></li>\n");
			}
			sb_adds(out, "</ol>\n</nav>\n");
			break;
		case DOC_FIGURE:
			sb_adds(out, "<figure class=\"chart\" id=\"");
			html_esc(out, b->id);
			sb_adds(out, "\">\n");
			sb_adds(out, b->svg); /* drawn and escaped by report/svg */
			sb_adds(out, "\n<figcaption>");
			html_esc(out, b->text);
			sb_adds(out, "</figcaption>\n</figure>\n");
			break;
		}
	}
	if (json) {
		sb_adds(out, "<script type=\"application/json\" id=\"corrtest-data\">\n");
		/* "</script" would end the element early, "<!--" change how it is
		 * read: every "<" (which JSON has inside strings only) is written
		 * as the escape \u003c, the same JSON. */
		for (const char *p = json; *p; p++) {
			if (*p == '<')
				sb_adds(out, "\\u003c");
			else
				sb_addc(out, *p);
		}
		sb_adds(out, "\n</script>\n");
	}
	sb_adds(out, "</body>\n</html>\n");
}

/* ---- Markdown ---- */

/* Characters that would turn plain text into markup (emphasis, links,
 * HTML, table cells, headings) are backslash-escaped, and so are the
 * places GitHub's Markdown would turn into a link by itself ("https://",
 * "www.") and a number that would start an ordered list ("1." at the start
 * of a paragraph); line breaks become spaces (a cell, a list item and a
 * paragraph are one line each). */
static void md_esc(struct strbuf *sb, const char *s, int cell)
{
	int start = !cell && (!sb->len || sb->buf[sb->len - 1] == '\n');
	const char *text = s;
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			sb_addc(sb, ' ');
			continue;
		}
		int esc = strchr("\\`*_{}[]<>()#+!|~&", *s) != NULL;
		if (*s == '-' && start && s == text)
			esc = 1;
		if (*s == ':' && s[1] == '/' && s[2] == '/')
			esc = 1;
		if (*s == '.' && s - text >= 3 && !strncasecmp(s - 3, "www", 3))
			esc = 1;
		if ((*s == '.' || *s == ')') && start && s > text &&
		    strspn(text, "0123456789") == (size_t)(s - text))
			esc = 1;
		if (esc)
			sb_addc(sb, '\\');
		sb_addc(sb, *s);
	}
}

void doc_markdown(const struct doc *d, struct strbuf *out)
{
	int fig = 0;
	for (int i = 0; i < d->n; i++) {
		const struct doc_block *b = &d->b[i];
		switch (b->kind) {
		case DOC_HEADING:
			for (int k = 0; k < b->level; k++)
				sb_addc(out, '#');
			sb_addc(out, ' ');
			md_esc(out, b->text, 0);
			sb_adds(out, "\n\n");
			break;
		case DOC_PARA:
			md_esc(out, b->text, 0);
			sb_adds(out, "\n\n");
			break;
		case DOC_NOTE:
		case DOC_BANNER:
			sb_adds(out, b->kind == DOC_NOTE ? "> " : "> **");
			md_esc(out, b->text, 0);
			sb_adds(out, b->kind == DOC_NOTE ? "\n\n" : "**\n\n");
			break;
		case DOC_LIST:
			for (int k = 0; k < b->nitems; k++) {
				sb_adds(out, "- ");
				md_esc(out, b->items[k], 0);
				sb_addc(out, '\n');
			}
			sb_addc(out, '\n');
			break;
		case DOC_TABLE: {
			const struct doc_table *t = b->table;
			if (t->caption) {
				sb_adds(out, "**");
				md_esc(out, t->caption, 0);
				sb_adds(out, "**\n\n");
			}
			sb_addc(out, '|');
			for (int c = 0; c < t->ncols; c++) {
				sb_addc(out, ' ');
				md_esc(out, t->head[c], 1);
				sb_adds(out, " |");
			}
			sb_adds(out, "\n|");
			for (int c = 0; c < t->ncols; c++)
				sb_adds(out, t->num[c] ? " ---: |" : " --- |");
			sb_addc(out, '\n');
			for (int r = 0; r < t->nrows; r++) {
				sb_addc(out, '|');
				for (int c = 0; c < t->ncols; c++) {
					sb_addc(out, ' ');
					md_esc(out, t->cells[r * t->ncols + c], 1);
					sb_adds(out, " |");
				}
				sb_addc(out, '\n');
			}
			sb_addc(out, '\n');
			if (t->foot) {
				sb_addc(out, '*');
				md_esc(out, t->foot, 0);
				sb_adds(out, "*\n\n");
			}
			break;
		}
		case DOC_TOC:
			sb_adds(out, "**");
			md_esc(out, b->text, 0);
			sb_adds(out, "**\n\n");
			for (int k = i + 1, nr = 1; k < d->n; k++) {
				const struct doc_block *h = &d->b[k];
				if (h->kind != DOC_HEADING || h->level != 2 || !h->id)
					continue;
				sb_addf(out, "%d. ", nr++);
				md_esc(out, h->text, 0);
				sb_addc(out, '\n');
			}
			sb_addc(out, '\n');
			break;
		case DOC_FIGURE:
			fig++;
			sb_adds(out, "**");
			md_esc(out, b->text, 0);
			sb_adds(out, "**\n\n");
			sb_adds(out, "> ");
			md_esc(out, b->alt, 0);
			sb_adds(out, "\n\n");
			break;
		}
	}
	(void)fig;
}
