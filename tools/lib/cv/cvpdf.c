/* cvpdf.c: a CV document (cv.h) typeset as an A4 PDF with Pango and cairo:
 * real line breaking and shaping (accents, Turkish and Vietnamese letters),
 * DejaVu fonts embedded as subsets, searchable text, page breaks where a CV
 * is longer than a page, and the file's metadata from the document alone.
 *
 * The pages are laid out before any is drawn: layout 2 has two flows (the
 * side column and the main one) that each break onto the next page on
 * their own, and a PDF page cannot be gone back to once shown. So laying
 * out records what goes where (a line of a Pango layout at a page and a
 * position, a rule) and drawing replays it page by page.
 *
 * Each call has its own Pango font map and context: compose renders on
 * several threads at once, and nothing here is shared between calls but
 * fontconfig's configuration and cairo's font caches, which both lock.
 * Pango's per-thread default font map would be as safe and three to four
 * times faster (4-10 ms a CV instead of 14-19: the fonts are not looked up
 * and loaded again for every CV), but the main thread's map would live to
 * the end of the process, and valgrind would report its caches as
 * "possibly lost" in every test that renders a CV. */
#include "cv/cv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Pango and cairo are not linked but loaded by the first render (why, in
 * the header): every pango_* and cairo_* call below goes through it. */
#include "cv/pango_dl.h"

#include "base/banned.h"

/* A4 in PostScript points, as pdfinfo names it. */
#define PAGE_W 595.28
#define PAGE_H 841.89

/* Colours as 0xRRGGBB: sober, near-black text on white. */
#define INK 0x222222
#define MUTED 0x5f6368
#define RULE 0x9aa0a6
#define ACCENT 0x2b4c6f
#define SHADE 0xedf0f4

enum op_kind { OP_LINE, OP_RULE };

/* One thing to draw: line `line` of lay with its baseline at (x, y), or a
 * horizontal rule from x to x + w at y, h thick. */
struct op {
	enum op_kind kind;
	int page;
	double x, y, w, h;
	PangoLayout *lay; /* borrowed from struct typeset's list */
	int line;
	unsigned rgb;
};

/* A column being filled: its current page and the top of what comes next. */
struct flow {
	int page;
	double y, top, bottom;
};

struct typeset {
	PangoContext *pc;
	const char *family;
	struct op *ops;
	int nops, capops;
	PangoLayout **lays; /* every layout made, unreferenced at the end */
	int nlays, caplays;
	int npages;
};

static void add_op(struct typeset *t, const struct op *o)
{
	if (t->nops == t->capops) {
		t->capops = t->capops ? 2 * t->capops : 256;
		t->ops = xrealloc(t->ops, (size_t)t->capops * sizeof(*t->ops));
	}
	t->ops[t->nops++] = *o;
	if (o->page + 1 > t->npages)
		t->npages = o->page + 1;
}

static void set_font(struct typeset *t, PangoLayout *lay, double size, int bold)
{
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family_static(fd, t->family);
	pango_font_description_set_size(fd, (int)(size * PANGO_SCALE + 0.5));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
}

/* lay's attributes (from its markup, if any) with hyphens never inserted
 * and, if words, no line break inside a word: between spaces only. */
static void set_breaks(PangoLayout *lay, PangoAttrList *base, int words)
{
	PangoAttrList *al = base ? pango_attr_list_copy(base) : pango_attr_list_new();
	pango_attr_list_insert(al, pango_attr_insert_hyphens_new(FALSE));
	const char *text = pango_layout_get_text(lay);
	for (size_t i = 0; words && text[i];) {
		size_t n = strcspn(text + i, " \n");
		if (n > 0) {
			PangoAttribute *a = pango_attr_allow_breaks_new(FALSE);
			a->start_index = (guint)i;
			a->end_index = (guint)(i + n);
			pango_attr_list_insert(al, a);
		}
		i += n;
		i += text[i] != '\0';
	}
	pango_layout_set_attributes(lay, al);
	pango_attr_list_unref(al);
}

static double layout_width(PangoLayout *lay)
{
	PangoRectangle lg;
	pango_layout_get_extents(lay, NULL, &lg);
	return (lg.x + lg.width) / (double)PANGO_SCALE;
}

/* A paragraph in the layout's family at size points (the context is at
 * 72 dpi, so a point is a unit of the page), wrapped at width. The text is
 * Pango markup when markup is set (built with g_markup_printf_escaped),
 * plain text otherwise. Lines break at spaces only, never inside a word
 * (at a '.', '@' or '-' as Unicode's rules allow) and never with a hyphen
 * added: the page shows the document's words whole and nothing else, so
 * that pdftotext reads the same words whichever the layout. A word too long
 * for the width (an e-mail address in the side column) is set smaller
 * when min_size > 0, down to min_size; if it still does not fit it is
 * broken between characters rather than run off the page. */
static PangoLayout *para_fit(struct typeset *t, double size, int bold, double width,
			     const char *text, int markup, double min_size)
{
	PangoLayout *lay = pango_layout_new(t->pc);
	set_font(t, lay, size, bold);
	pango_layout_set_line_spacing(lay, 1.18f);
	if (markup)
		pango_layout_set_markup(lay, text, -1);
	else
		pango_layout_set_text(lay, text, -1);
	PangoAttrList *base = pango_layout_get_attributes(lay);
	if (base)
		pango_attr_list_ref(base);
	pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
	set_breaks(lay, base, 1);
	double w = layout_width(lay);
	if (w > width + 0.01 && min_size > 0) {
		double fit = size * width / w;
		set_font(t, lay, fit > min_size ? fit : min_size, bold);
		w = layout_width(lay);
	}
	if (w > width + 0.01)
		set_breaks(lay, base, 0);
	if (base)
		pango_attr_list_unref(base);
	if (t->nlays == t->caplays) {
		t->caplays = t->caplays ? 2 * t->caplays : 64;
		t->lays = xrealloc(t->lays, (size_t)t->caplays * sizeof(*t->lays));
	}
	t->lays[t->nlays++] = lay;
	return lay;
}

static PangoLayout *para(struct typeset *t, double size, int bold, double width, const char *text,
			 int markup)
{
	return para_fit(t, size, bold, width, text, markup, 0);
}

/* Height in points of the first n lines of lay (all of it when n <= 0). */
static double lines_height(PangoLayout *lay, int n)
{
	if (!lay)
		return 0;
	PangoLayoutIter *it = pango_layout_get_iter(lay);
	double h = 0;
	int i = 0;
	do {
		PangoRectangle lg;
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		h = (lg.y + lg.height) / (double)PANGO_SCALE;
	} while (++i != n && pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	return h;
}

static void flow_break(struct typeset *t, struct flow *f)
{
	f->page++;
	f->y = f->top;
	if (f->page + 1 > t->npages)
		t->npages = f->page + 1;
}

/* Starts a new page when h points do not fit below f->y, unless the flow
 * is at the top of a page already (then nothing would fit better). */
static void need(struct typeset *t, struct flow *f, double h)
{
	if (f->y + h > f->bottom && f->y > f->top + 0.5)
		flow_break(t, f);
}

/* Places lay line by line at x from f->y on, going on to the next page
 * when a line would pass the bottom: text is never cut nor drawn off the
 * page, however long. */
static void place(struct typeset *t, struct flow *f, PangoLayout *lay, double x, unsigned rgb)
{
	if (!lay)
		return;
	PangoLayoutIter *it = pango_layout_get_iter(lay);
	double y0 = f->y, off = 0, end = f->y;
	int i = 0;
	do {
		PangoRectangle lg;
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		double top = lg.y / (double)PANGO_SCALE, bot = (lg.y + lg.height) / (double)PANGO_SCALE;
		int at_top = y0 + top - off <= f->top + 0.5;
		if (y0 + bot - off > f->bottom && !at_top) {
			flow_break(t, f);
			y0 = f->top;
			off = top;
		}
		struct op o = { .kind = OP_LINE, .page = f->page, .lay = lay, .line = i, .rgb = rgb };
		o.x = x + lg.x / (double)PANGO_SCALE;
		o.y = y0 + pango_layout_iter_get_baseline(it) / (double)PANGO_SCALE - off;
		add_op(t, &o);
		end = y0 + bot - off;
		i++;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	f->y = end;
}

static void rule(struct typeset *t, struct flow *f, double x, double w, unsigned rgb)
{
	struct op o = { .kind = OP_RULE, .page = f->page, .x = x, .y = f->y, .w = w, .h = 0.6,
			.rgb = rgb };
	add_op(t, &o);
}

static int is_side(const struct cv_section *s)
{
	return s->kind && (strcmp(s->kind, "skills") == 0 || strcmp(s->kind, "languages") == 0);
}

static int empty(const char *s)
{
	return !s || !*s;
}

/* A section heading with the rule under it, kept on the page of the
 * section's first lines. */
static void heading(struct typeset *t, struct flow *f, const char *title, double x, double w,
		    double size, unsigned rgb, double keep)
{
	if (empty(title))
		return;
	PangoLayout *h = para(t, size, 1, w, title, 0);
	need(t, f, lines_height(h, 0) + 4 + keep);
	place(t, f, h, x, rgb);
	f->y += 2.5;
	rule(t, f, x, w, RULE);
	f->y += 6;
}

/* The parts of one entry, laid out for a column of width w. */
struct entry_lays {
	PangoLayout *when, *head, *where, *text;
};

/* An entry of a skills or languages section with neither date nor text
 * reads as one line: the skill in bold, its level after it. */
static int compact(const struct cv_section *s, const struct cv_entry *e)
{
	return is_side(s) && empty(e->when) && empty(e->text);
}

static struct entry_lays entry_make(struct typeset *t, const struct cv_section *s,
				    const struct cv_entry *e, double w, double when_w, double size)
{
	struct entry_lays l = { 0 };
	if (!empty(e->when))
		l.when = para(t, size - 1, 0, when_w > 0 ? when_w : w, e->when, 0);
	if (compact(s, e) && !empty(e->what) && !empty(e->where)) {
		char *m = g_markup_printf_escaped("<b>%s</b>  <span foreground=\"#%06x\">%s</span>",
						  e->what, MUTED, e->where);
		l.head = para(t, size, 0, w, m, 1);
		g_free(m);
		return l;
	}
	if (!empty(e->what))
		l.head = para(t, size + 0.5, 1, w, e->what, 0);
	if (!empty(e->where))
		l.where = para(t, size, 0, w, e->where, 0);
	if (!empty(e->text))
		l.text = para(t, size - 0.5, 0, w, e->text, 0);
	return l;
}

/* Height the first lines of an entry need on one page: its heading and
 * two lines of its text. */
static double entry_keep(const struct entry_lays *l, int when_beside)
{
	double body = lines_height(l->head, 0) + lines_height(l->where, 0) +
		      lines_height(l->text, 2) + 4;
	double when = lines_height(l->when, 0);
	return when_beside ? (body > when ? body : when) : body + when + 2;
}

/* An entry at x (width w): with when_w > 0 the date sits in a column of
 * that width at x and the rest at x + when_w + gap, else the date above. */
static void entry(struct typeset *t, struct flow *f, const struct cv_section *s,
		  const struct cv_entry *e, double x, double w, double when_w, double size,
		  unsigned accent)
{
	double gap = when_w > 0 ? 10 : 0;
	double cx = x + (when_w > 0 ? when_w + gap : 0), cw = w - (cx - x);
	struct entry_lays l = entry_make(t, s, e, cw, when_w, size);
	need(t, f, entry_keep(&l, when_w > 0));
	struct flow wf = *f;
	if (l.when && when_w > 0) {
		place(t, &wf, l.when, x, MUTED);
	} else if (l.when) {
		place(t, f, l.when, cx, MUTED);
		f->y += 1;
	}
	place(t, f, l.head, cx, INK);
	if (l.where) {
		f->y += 0.5;
		place(t, f, l.where, cx, accent);
	}
	if (l.text) {
		f->y += 2;
		place(t, f, l.text, cx, INK);
	}
	if (wf.page == f->page && wf.y > f->y)
		f->y = wf.y;
	f->y += compact(s, e) ? 3 : 8;
}

static void section(struct typeset *t, struct flow *f, const struct cv_section *s, double x,
		    double w, double when_w, double title_size, double size, unsigned accent,
		    unsigned title_rgb)
{
	if (s->n == 0 && empty(s->title))
		return;
	double keep = 0;
	if (s->n > 0) {
		double cw = w - (when_w > 0 ? when_w + 10 : 0);
		struct typeset probe = *t; /* sizes only: the probe's layouts are dropped */
		probe.lays = NULL, probe.nlays = probe.caplays = 0;
		struct entry_lays l = entry_make(&probe, s, &s->e[0], cw, when_w, size);
		keep = entry_keep(&l, when_w > 0);
		for (int i = 0; i < probe.nlays; i++)
			g_object_unref(probe.lays[i]);
		free(probe.lays);
	}
	heading(t, f, s->title, x, w, title_size, title_rgb, keep);
	for (int i = 0; i < s->n; i++)
		entry(t, f, s, &s->e[i], x, w, when_w, size, accent);
	f->y += 8;
}

/* Layout 1's skills and interests: entries that are a word or two each
 * (no date, place or text) set as one paragraph, "A · B · C", beside the
 * dates' column, so that a CV with three jobs still fits one page. The
 * words are the entries' own; the dots are the only addition. */
static int inline_ok(const struct cv_section *s)
{
	if (!s->kind || (strcmp(s->kind, "skills") && strcmp(s->kind, "interests")) || s->n < 2)
		return 0;
	for (int i = 0; i < s->n; i++)
		if (empty(s->e[i].what) || !empty(s->e[i].when) || !empty(s->e[i].where) ||
		    !empty(s->e[i].text))
			return 0;
	return 1;
}

static void inline_section(struct typeset *t, struct flow *f, const struct cv_section *s,
			   double x, double w, double when_w, double title_size, double size,
			   unsigned title_rgb)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < s->n; i++) {
		if (i)
			sb_adds(&sb, " \u00b7 ");
		sb_adds(&sb, s->e[i].what);
	}
	double cx = x + when_w + 10;
	PangoLayout *p = para(t, size, 0, w - (cx - x), sb_str(&sb), 0);
	sb_free(&sb);
	heading(t, f, s->title, x, w, title_size, title_rgb, lines_height(p, 2));
	place(t, f, p, cx, INK);
	f->y += 14;
}

/* The profile paragraph under its heading. */
static void summary(struct typeset *t, struct flow *f, const struct cv_doc *d, double x, double w,
		    double title_size, double size, unsigned title_rgb)
{
	if (empty(d->summary))
		return;
	PangoLayout *p = para(t, size, 0, w, d->summary, 0);
	heading(t, f, d->summary_title, x, w, title_size, title_rgb, lines_height(p, 2));
	place(t, f, p, x, INK);
	f->y += 16;
}

/* The smallest size a contact value (an e-mail address of 50 characters in
 * the side column) is set at before it would be broken: an address split
 * over two lines is misread by people and by pdftotext alike (a line
 * ending in '-' is joined without it). */
#define CONTACT_MIN 5.5

/* Layout 1: one column, DejaVu Serif; the name large, the contact block as
 * a grid of label and value below it, then every section with its dates in
 * a column on the left. */
static void layout_one(struct typeset *t, const struct cv_doc *d)
{
	const double mx = 64, mw = PAGE_W - 2 * mx;
	struct flow f = { .page = 0, .y = 58, .top = 58, .bottom = PAGE_H - 58 };
	if (!empty(d->name))
		place(t, &f, para(t, 22, 1, mw, d->name, 0), mx, INK);
	if (!empty(d->headline)) {
		f.y += 3;
		place(t, &f, para(t, 12, 0, mw, d->headline, 0), mx, MUTED);
	}
	f.y += 10;
	/* Contacts two to a row: label (muted) and value, each half wide. The
	 * label column as wide as the widest label ("Geboortedatum", "Date de
	 * naissance"), so that no label is broken inside a word. */
	const double half = (mw - 16) / 2;
	double label_w = 64;
	for (int j = 0; j < d->ncontact && j < CV_MAXCONTACT; j++) {
		if (empty(d->contact_label[j]))
			continue;
		double w = layout_width(para(t, 9, 0, half, d->contact_label[j], 0)) + 8;
		if (w > label_w)
			label_w = w < half / 2 ? w : half / 2;
	}
	/* Two to a row when every value fits its half at full size, else one
	 * to a row: an e-mail address is never set small or split. */
	int per_row = 2;
	for (int j = 0; j < d->ncontact && j < CV_MAXCONTACT; j++)
		if (!empty(d->contact_value[j]) &&
		    layout_width(para(t, 9.5, 0, mw, d->contact_value[j], 0)) > half - label_w)
			per_row = 1;
	const double col_w = per_row == 2 ? half : mw;
	for (int i = 0; i < d->ncontact && i < CV_MAXCONTACT; i += per_row) {
		double row_end = f.y;
		int row_page = f.page;
		for (int j = i; j < i + per_row && j < d->ncontact && j < CV_MAXCONTACT; j++) {
			struct flow c = f;
			double cx = mx + (j - i) * (half + 16);
			const char *label = d->contact_label[j], *value = d->contact_value[j];
			struct flow lf = c;
			if (!empty(label))
				place(t, &lf, para(t, 9, 0, label_w - 4, label, 0), cx, MUTED);
			if (!empty(value))
				place(t, &c, para_fit(t, 9.5, 0, col_w - label_w, value, 0, CONTACT_MIN), cx + label_w,
				      INK);
			if (lf.page > c.page || (lf.page == c.page && lf.y > c.y))
				c = lf;
			if (c.page > row_page || (c.page == row_page && c.y > row_end))
				row_end = c.y, row_page = c.page;
		}
		f.page = row_page, f.y = row_end + 2;
	}
	f.y += 14;
	summary(t, &f, d, mx, mw, 12, 10, INK);
	for (int i = 0; i < d->nsec && i < CV_MAXSECTIONS; i++)
		if (inline_ok(&d->sec[i]))
			inline_section(t, &f, &d->sec[i], mx, mw, 86, 12, 10, INK);
		else
			section(t, &f, &d->sec[i], mx, mw, 86, 12, 10, MUTED, INK);
}

/* Layout 2: DejaVu Sans; a shaded side column with the contact block, the
 * skills and the languages; the main column with the name, the profile and
 * the other sections, dates above each entry. The two columns run on to
 * the next page each on its own. The main column is laid out, and so
 * drawn, first: a reader that follows the page's content in order (pdftotext
 * -raw, a screen reader) meets the name first and each column whole. */
#define SIDE_W 200.0
static void layout_two(struct typeset *t, const struct cv_doc *d)
{
	const double sx = 22, sw = SIDE_W - 2 * sx;
	const double mx = SIDE_W + 26, mw = PAGE_W - mx - 44;
	struct flow side = { .page = 0, .y = 56, .top = 56, .bottom = PAGE_H - 50 };
	struct flow main = side;
	if (!empty(d->name))
		place(t, &main, para(t, 24, 1, mw, d->name, 0), mx, INK);
	if (!empty(d->headline)) {
		main.y += 3;
		place(t, &main, para(t, 12.5, 0, mw, d->headline, 0), mx, ACCENT);
	}
	main.y += 22;
	summary(t, &main, d, mx, mw, 12, 9.5, ACCENT);
	for (int i = 0; i < d->nsec && i < CV_MAXSECTIONS; i++)
		if (!is_side(&d->sec[i]))
			section(t, &main, &d->sec[i], mx, mw, 0, 12, 9.5, MUTED, ACCENT);
	for (int i = 0; i < d->ncontact && i < CV_MAXCONTACT; i++) {
		PangoLayout *l = empty(d->contact_label[i]) ? NULL :
				 para(t, 8.5, 0, sw, d->contact_label[i], 0);
		PangoLayout *v = empty(d->contact_value[i]) ? NULL :
				 para_fit(t, 9, 0, sw, d->contact_value[i], 0, CONTACT_MIN);
		need(t, &side, lines_height(l, 0) + lines_height(v, 1));
		place(t, &side, l, sx, MUTED);
		side.y += 1;
		place(t, &side, v, sx, INK);
		side.y += 8;
	}
	side.y += 12;
	for (int i = 0; i < d->nsec && i < CV_MAXSECTIONS; i++)
		if (is_side(&d->sec[i]))
			section(t, &side, &d->sec[i], sx, sw, 0, 10.5, 9, MUTED, ACCENT);
}

static void set_rgb(cairo_t *cr, unsigned rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

static void draw_page(cairo_t *cr, const struct typeset *t, int page, int layout)
{
	if (layout == 2) {
		set_rgb(cr, SHADE);
		cairo_rectangle(cr, 0, 0, SIDE_W, PAGE_H);
		cairo_fill(cr);
	}
	for (int i = 0; i < t->nops; i++) {
		const struct op *o = &t->ops[i];
		if (o->page != page)
			continue;
		set_rgb(cr, o->rgb);
		if (o->kind == OP_LINE) {
			cairo_move_to(cr, o->x, o->y);
			pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(o->lay, o->line));
		} else {
			cairo_set_line_width(cr, o->h);
			cairo_move_to(cr, o->x, o->y);
			cairo_line_to(cr, o->x + o->w, o->y);
			cairo_stroke(cr);
		}
	}
}

/* CT_EENV unless fontconfig gives Pango the DejaVu face asked for (regular
 * and bold of family): another family would be embedded without a word. */
static int fonts_check(PangoFontMap *fm, PangoContext *pc, const char *family, struct ct_err *err)
{
	for (int bold = 0; bold < 2; bold++) {
		PangoFontDescription *want = pango_font_description_new();
		pango_font_description_set_family_static(want, family);
		pango_font_description_set_size(want, 10 * PANGO_SCALE);
		pango_font_description_set_weight(want, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
		PangoFont *font = pango_font_map_load_font(fm, pc, want);
		pango_font_description_free(want);
		int ok = 0;
		if (font) {
			PangoFontDescription *got = pango_font_describe(font);
			const char *fam = pango_font_description_get_family(got);
			ok = fam && strcasecmp(fam, family) == 0 &&
			     (pango_font_description_get_weight(got) >= PANGO_WEIGHT_BOLD) == bold;
			pango_font_description_free(got);
			g_object_unref(font);
		}
		if (!ok)
			return ct_fail(err, CT_EENV,
				       "the font %s%s is not installed (Debian package fonts-dejavu-core)",
				       family, bold ? " Bold" : "");
	}
	return CT_OK;
}

/* CT_EINPUT unless s (NULL allowed) is valid UTF-8: Pango would print a
 * warning and show something else. */
static int utf8_field(const char *s, const char *what, int i, struct ct_err *err)
{
	size_t bad;
	if (!s || utf8_check(s, strlen(s), &bad))
		return CT_OK;
	return ct_fail(err, CT_EINPUT, "the CV's %s%.0d is not valid UTF-8 (byte %zu)", what, i,
		       bad);
}

static int doc_check(const struct cv_doc *d, struct ct_err *err)
{
	if (d->layout != 1 && d->layout != 2)
		return ct_fail(err, CT_EINPUT, "CV layout %d: there are layouts 1 and 2", d->layout);
	int rc = utf8_field(d->name, "name", 0, err);
	rc = rc ? rc : utf8_field(d->headline, "headline", 0, err);
	rc = rc ? rc : utf8_field(d->summary_title, "profile title", 0, err);
	rc = rc ? rc : utf8_field(d->summary, "profile", 0, err);
	rc = rc ? rc : utf8_field(d->title, "title", 0, err);
	rc = rc ? rc : utf8_field(d->author, "author", 0, err);
	for (int i = 0; !rc && i < d->ncontact && i < CV_MAXCONTACT; i++) {
		rc = utf8_field(d->contact_label[i], "contact label ", i + 1, err);
		rc = rc ? rc : utf8_field(d->contact_value[i], "contact ", i + 1, err);
	}
	for (int i = 0; !rc && i < d->nsec && i < CV_MAXSECTIONS; i++) {
		const struct cv_section *s = &d->sec[i];
		rc = utf8_field(s->title, "section title ", i + 1, err);
		for (int j = 0; !rc && j < s->n; j++) {
			const struct cv_entry *e = &s->e[j];
			const char *f[4] = { e->when, e->what, e->where, e->text };
			for (int k = 0; !rc && k < 4; k++)
				rc = utf8_field(f[k], "entry of section ", i + 1, err);
		}
	}
	return rc;
}

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int length)
{
	sb_add(closure, (const char *)data, length);
	return CAIRO_STATUS_SUCCESS;
}

/* t as cairo reads a date: ISO 8601 with the zone, here UTC ("Z"). */
static void iso_date(time_t t, char out[32])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

/* For builds with LeakSanitizer (make SAN=1), which calls this hook of
 * the program's at start: fontconfig 2.14 (Debian 12) loses 288 bytes
 * while it parses its configuration, found again only by FcFini, which a
 * library cannot call while another thread may render. Without this every
 * process that typesets a CV would end with a leak report and exit 23.
 * The pattern is matched against the module of each frame, so it holds
 * for fontconfig loaded with Pango by pango_dl_load, which never unloads
 * it (LSAN_OPTIONS=print_suppressions=1 shows it used by test_cv_pdf).
 * Inert in other builds. valgrind's counterpart: tests/valgrind.supp. */
const char *__lsan_default_suppressions(void);
__attribute__((used)) const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* ... and without its table of the suppressions used on stderr at exit,
 * which the end-to-end tests would read as the command's own output. */
const char *__lsan_default_options(void);
__attribute__((used)) const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

int cv_pdf_render(const struct cv_doc *d, unsigned char **pdf, size_t *len, struct ct_err *err)
{
	*pdf = NULL;
	*len = 0;
	int rc = pango_dl_load(err);
	rc = rc ? rc : doc_check(d, err);
	if (rc != CT_OK)
		return rc;
	struct strbuf out = STRBUF_INIT;
	struct typeset t = { .family = d->layout == 1 ? "DejaVu Serif" : "DejaVu Sans" };
	cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(sink, &out, PAGE_W, PAGE_H);
	cairo_t *cr = cairo_create(surf);
	PangoFontMap *fm = pango_cairo_font_map_new();
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		rc = ct_fail(err, CT_EENV, "cairo could not start a PDF: %s",
			     cairo_status_to_string(cairo_status(cr)));
		goto out;
	}
	/* Only what the document says: the candidate's name as title and
	 * author, and one instant for both dates, so that the two CVs of a
	 * pair differ in the name alone. Without the dates cairo writes the
	 * time of rendering, and the same document would not give the same
	 * bytes. */
	char date[32];
	iso_date(d->created, date);
	if (!empty(d->title))
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, d->title);
	if (!empty(d->author))
		cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_AUTHOR, d->author);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date);

	t.pc = pango_font_map_create_context(fm);
	pango_cairo_update_context(cr, t.pc);
	/* 72 dpi: a Pango point is a unit of the page. Glyph positions not
	 * rounded to whole units: a PDF has no pixels to snap them to. */
	pango_cairo_context_set_resolution(t.pc, 72);
	pango_context_set_round_glyph_positions(t.pc, FALSE);
	if (!empty(d->lang))
		pango_context_set_language(t.pc, pango_language_from_string(d->lang));
	rc = fonts_check(fm, t.pc, t.family, err);
	if (rc != CT_OK)
		goto out;

	if (d->layout == 1)
		layout_one(&t, d);
	else
		layout_two(&t, d);
	if (t.npages == 0)
		t.npages = 1;
	for (int p = 0; p < t.npages; p++) {
		draw_page(cr, &t, p, d->layout);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		rc = ct_fail(err, CT_EENV, "cairo could not write the PDF: %s",
			     cairo_status_to_string(cairo_surface_status(surf)));
		goto out;
	}
out:
	for (int i = 0; i < t.nlays; i++)
		g_object_unref(t.lays[i]);
	free(t.lays);
	free(t.ops);
	if (t.pc)
		g_object_unref(t.pc);
	g_object_unref(fm);
	if (cr)
		cairo_destroy(cr);
	cairo_surface_destroy(surf);
	if (rc == CT_OK) {
		*len = out.len;
		*pdf = (unsigned char *)sb_detach(&out);
	} else {
		sb_free(&out);
	}
	return rc;
}
