/* svg.c: the report's charts as inline SVG (see svg.h). Each chart is laid
 * out top to bottom into a body buffer (title, legend, the category-axis
 * label, the plot's rows, the value axis); once its height is known the
 * <svg> element, its <title>, <desc> and patterns are written, then the
 * body. Styling is by presentation attributes only: a <style> element in
 * inline SVG would apply to the whole HTML page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "io/out.h"
#include "base/util.h"
#include "base/banned.h"

#define FS 12.0        /* body text */
#define FS_TITLE 14.0
#define LH 15.0        /* line height of body text */
#define MARGIN 8.0
#define GAP 10.0
#define LABEL_MAX 170.0 /* the widest category-label column */
#define VALUE_MAX 220.0 /* the widest value column */
#define LABEL_LINES 2
#define MAX_INTERVALS 8
#define GRID "#d0d0d0"
#define ELLIPSIS "\xe2\x80\xa6"

/* ---- Numbers ---- */

/* Appends v rounded to 2 decimals, trailing zeros dropped, never "-0":
 * integer arithmetic, so that no locale can change the decimal mark. */
static void add_num(struct strbuf *sb, double v)
{
	if (!isfinite(v))
		v = 0;
	if (fabs(v) > 1e12)
		v = v < 0 ? -1e12 : 1e12;
	long long c = llround(v * 100.0);
	if (c < 0) {
		sb_addc(sb, '-');
		c = -c;
	}
	sb_addf(sb, "%lld", c / 100);
	int f = (int)(c % 100);
	if (f % 10)
		sb_addf(sb, ".%02d", f);
	else if (f)
		sb_addf(sb, ".%d", f / 10);
}

/* Appends v in machine format (data attributes), as JSON writes it. */
static void add_machine(struct strbuf *sb, double v)
{
	char b[40];
	const char *m = out_fmt_machine(b, sizeof(b), v == 0.0 ? 0.0 : v);
	sb_adds(sb, m ? m : "0");
}

/* k / 10^dec written with dec (0 to 15) decimals and the decimal mark. */
static void fmt_scaled(char *buf, size_t n, long long k, int dec, char mark)
{
	const char *sign = k < 0 ? "-" : "";
	unsigned long long u = k < 0 ? 0ull - (unsigned long long)k : (unsigned long long)k;
	unsigned long long p = 1;
	char frac[20];
	if (dec < 0)
		dec = 0;
	if (dec > 15)
		dec = 15;
	for (int i = 0; i < dec; i++)
		p *= 10;
	frac[0] = '\0';
	if (dec > 0) {
		unsigned long long f = u % p;
		frac[0] = mark;
		for (int i = dec; i > 0; i--, f /= 10)
			frac[i] = (char)('0' + f % 10);
		frac[dec + 1] = '\0';
	}
	snprintf(buf, n, "%s%llu%s", sign, u / p, frac);
}

/* A value as the reader sees it: times 100 when percent, dec decimals,
 * the chart's decimal mark, rounded as the report's text rounds it
 * (base/util fmt_fixed). Not finite: NULL. */
static const char *fmt_value(char *buf, size_t n, double v, int percent, int dec, char mark)
{
	double x = percent ? 100.0 * v : v;
	return isfinite(x) ? fmt_fixed(buf, n, x, dec, mark) : NULL;
}

/* ---- Text ---- */

/* A copy of s (NULL: "") that XML 1.0 accepts as character data: invalid
 * UTF-8 (utf8_check), what text_ok refuses (C0 and C1, bidi and zero-width
 * controls, line separators) and the non-characters U+FFFE/U+FFFF become
 * U+FFFD, a tab or line break a space. Caller frees. */
static char *text_clean(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = s ? strlen(s) : 0, i = 0;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80) {
			if (ch == '\t' || ch == '\n' || ch == '\r')
				sb_addc(&sb, ' ');
			else if (ch < 0x20 || ch == 0x7F)
				sb_add_utf8(&sb, 0xFFFD);
			else
				sb_addc(&sb, (char)ch);
			i++;
			continue;
		}
		size_t len = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;
		if (i + len > n || !utf8_check(s + i, len, NULL)) {
			sb_add_utf8(&sb, 0xFFFD);
			i++;
			continue;
		}
		size_t adv;
		unsigned long cp = utf8_decode(s + i, &adv);
		/* The project's one rule for text (text_ok: C1, bidi and
		 * zero-width controls, line separators), and the two
		 * non-characters XML refuses on top. */
		if (!text_ok(s + i, len, NULL, NULL, NULL) || cp == 0xFFFE || cp == 0xFFFF)
			sb_add_utf8(&sb, 0xFFFD);
		else
			sb_add(&sb, s + i, len);
		i += len;
	}
	return sb_detach(&sb);
}

/* Appends caller text s cleaned and escaped. */
static void add_text(struct strbuf *sb, const char *s)
{
	char *t = text_clean(s);
	sb_add_xml(sb, t);
	free(t);
}

/* The advance of a code point in sans-serif, in ems: an estimate on the
 * wide side (Helvetica/Arial/DejaVu Sans), since no font metrics are at
 * hand. */
static double cp_width(unsigned long cp)
{
	if (cp < 0x80) {
		if (cp == ' ')
			return 0.3;
		if (strchr("il.,:;'|!Ijft()[]", (int)cp))
			return 0.32;
		if (cp == 'M' || cp == 'W' || cp == 'm' || cp == 'w' || cp == '%')
			return 0.9;
		if (cp >= 'A' && cp <= 'Z')
			return 0.7;
		return 0.58;
	}
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x20000 && cp <= 0x3FFFD))
		return 1.0;
	return 0.65;
}

/* The estimated width of clean text s[0..n) at font size fs. */
static double text_wn(const char *s, size_t n, double fs)
{
	double w = 0;
	for (size_t i = 0, adv; i < n; i += adv)
		w += cp_width(utf8_decode(s + i, &adv));
	return w * fs;
}

static double text_w(const char *s, double fs)
{
	return text_wn(s, strlen(s), fs);
}

/* Clean text cut into at most max lines no wider than maxw: at spaces
 * where it can, inside a word where it must; what does not fit ends the
 * last line with an ellipsis. */
struct lines {
	char *l[3];
	int n;
};

/* The longest prefix of s[0..n) no wider than maxw (at least one
 * character); *word: the longest that ends before a space or at n (0 if
 * none). */
static size_t fit(const char *s, size_t n, double maxw, double fs, size_t *word)
{
	double w = 0;
	size_t i = 0, adv;
	*word = 0;
	while (i < n) {
		double cw = cp_width(utf8_decode(s + i, &adv)) * fs;
		if (i > 0 && w + cw > maxw)
			break;
		w += cw;
		i += adv;
		if (i == n || s[i] == ' ')
			*word = i;
	}
	return i;
}

static void wrap(const char *s, double maxw, double fs, int max, struct lines *out)
{
	size_t n = strlen(s), pos = 0;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	out->n = 0;
	while (out->n < max) {
		while (pos < n && s[pos] == ' ')
			pos++;
		if (pos >= n)
			break;
		size_t word, end = fit(s + pos, n - pos, maxw, fs, &word);
		if (pos + end < n && out->n == max - 1) {
			/* The last line: as much as fits before an ellipsis. */
			double ew = text_w(ELLIPSIS, fs);
			end = fit(s + pos, n - pos, maxw - ew, fs, &word);
			while (end > 0 && s[pos + end - 1] == ' ')
				end--;
			char *l = xmalloc(end + sizeof(ELLIPSIS));
			memcpy(l, s + pos, end);
			memcpy(l + end, ELLIPSIS, sizeof(ELLIPSIS));
			out->l[out->n++] = l;
			break;
		}
		if (pos + end < n && word > 0)
			end = word;
		out->l[out->n++] = xstrndup(s + pos, end);
		pos += end;
	}
	if (out->n == 0)
		out->l[out->n++] = xstrdup("");
}

static void lines_free(struct lines *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

/* Clean text s shortened to maxw with an ellipsis when wider; caller frees. */
static char *shorten(const char *s, double maxw, double fs)
{
	struct lines ls;
	wrap(s, maxw, fs, 1, &ls);
	return ls.l[0];
}

/* ---- The chart's frame ---- */

struct ctx {
	const struct svg_chart *c;
	char *id;   /* the id, made safe for ids and references */
	char mark;  /* the decimal mark */
	const char *na;
	struct strbuf body;
	double y;   /* where the next element goes */
	int patterns; /* how many of the patterns the chart uses */
};

/* Patterns of parts and series: a grey level and a texture each, so that
 * they differ in black and white; text printed on them takes the ink that
 * reads on their ground (dark: white text, light: black). */
static const struct pattern {
	const char *body; /* the tile's content, 6 x 6 units */
	const char *transform;
	int dark;
} PATTERNS[SVG_MAX_PARTS] = {
	{ "<rect width=\"6\" height=\"6\" fill=\"#262626\"/>", NULL, 1 },
	{ "<rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
	  "<line x1=\"3\" y1=\"0\" x2=\"3\" y2=\"6\" stroke=\"#000\" stroke-width=\"2\"/>",
	  "rotate(45)", 0 },
	{ "<rect width=\"6\" height=\"6\" fill=\"#7a7a7a\"/>"
	  "<circle cx=\"3\" cy=\"3\" r=\"1.4\" fill=\"#fff\"/>", NULL, 1 },
	{ "<rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
	  "<path d=\"M3 0V6M0 3H6\" stroke=\"#000\" stroke-width=\"0.7\"/>", "rotate(45)", 0 },
	{ "<rect width=\"6\" height=\"6\" fill=\"#4d4d4d\"/>"
	  "<line x1=\"3\" y1=\"0\" x2=\"3\" y2=\"6\" stroke=\"#fff\" stroke-width=\"1.4\"/>",
	  "rotate(-45)", 1 },
	{ "<rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
	  "<circle cx=\"3\" cy=\"3\" r=\"0.9\" fill=\"#000\"/>", NULL, 0 },
};

/* Text over a pattern: its ink, with a halo of the other ink around the
 * letters (paint-order) so that hatching does not cut through them. */
static void add_ink(struct strbuf *sb, int dark)
{
	sb_addf(sb, " fill=\"%s\" stroke=\"%s\" stroke-width=\"3\" stroke-linejoin=\"round\""
		" paint-order=\"stroke\"", dark ? "#fff" : "#000", dark ? "#000" : "#fff");
}

static void ctx_begin(struct ctx *x, const struct svg_chart *c)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	const char *id = c->id && *c->id ? c->id : "chart";
	x->id = xstrdup(id);
	for (char *p = x->id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			*p = '_';
	x->mark = c->decimal ? c->decimal : '.';
	if (x->mark != '.' && x->mark != ',')
		x->mark = '.';
	x->na = c->na_text ? c->na_text : "n/a";
	x->y = MARGIN;
	if (c->title && *c->title) {
		char *t = text_clean(c->title);
		struct lines ls;
		wrap(t, SVG_WIDTH - 2 * MARGIN, FS_TITLE, 3, &ls);
		sb_adds(&x->body, "<text class=\"ct-title\" font-size=\"14\" font-weight=\"bold\">");
		for (int i = 0; i < ls.n; i++) {
			x->y += FS_TITLE + 3;
			sb_adds(&x->body, "<tspan x=\"");
			add_num(&x->body, MARGIN);
			sb_adds(&x->body, "\" y=\"");
			add_num(&x->body, x->y - 4);
			sb_adds(&x->body, "\">");
			sb_add_xml(&x->body, ls.l[i]);
			sb_adds(&x->body, "</tspan>");
		}
		sb_adds(&x->body, "</text>\n");
		lines_free(&ls);
		free(t);
		x->y += 6;
	}
}

/* Writes the <svg> element with the body into sb and frees x. */
static void ctx_end(struct strbuf *sb, struct ctx *x)
{
	const struct svg_chart *c = x->c;
	double h = x->y + MARGIN;
	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""
		" aria-labelledby=\"%s-title %s-desc\" id=\"%s\" viewBox=\"0 0 ", x->id, x->id, x->id);
	add_num(sb, SVG_WIDTH);
	sb_addc(sb, ' ');
	add_num(sb, h);
	sb_adds(sb, "\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\""
		    " font-family=\"sans-serif\" font-size=\"12\" fill=\"#000\">\n");
	sb_addf(sb, "<title id=\"%s-title\">", x->id);
	add_text(sb, c->title);
	sb_addf(sb, "</title>\n<desc id=\"%s-desc\">", x->id);
	add_text(sb, c->desc ? c->desc : c->title);
	sb_adds(sb, "</desc>\n");
	if (x->patterns) {
		sb_adds(sb, "<defs>");
		for (int i = 0; i < x->patterns; i++) {
			const struct pattern *p = &PATTERNS[i];
			sb_addf(sb, "<pattern id=\"%s-p%d\" width=\"6\" height=\"6\""
				" patternUnits=\"userSpaceOnUse\"", x->id, i);
			if (p->transform)
				sb_addf(sb, " patternTransform=\"%s\"", p->transform);
			sb_addf(sb, ">%s</pattern>", p->body);
		}
		sb_adds(sb, "</defs>\n");
	}
	sb_add(sb, sb_str(&x->body), x->body.len);
	sb_adds(sb, "</svg>\n");
	sb_free(&x->body);
	free(x->id);
}

/* The frame of a chart without items and its centred text. */
static void draw_empty(struct ctx *x)
{
	struct strbuf *b = &x->body;
	double w = SVG_WIDTH - 2 * MARGIN, h = 60;
	sb_adds(b, "<rect class=\"ct-plot\" x=\"");
	add_num(b, MARGIN);
	sb_adds(b, "\" y=\"");
	add_num(b, x->y);
	sb_adds(b, "\" width=\"");
	add_num(b, w);
	sb_adds(b, "\" height=\"");
	add_num(b, h);
	sb_adds(b, "\" fill=\"none\" stroke=\"#808080\" stroke-width=\"0.75\"/>\n");
	char *t = text_clean(x->c->empty_text ? x->c->empty_text : "no data");
	char *s = shorten(t, w - 2 * GAP, FS);
	sb_adds(b, "<text class=\"ct-empty\" text-anchor=\"middle\" x=\"");
	add_num(b, MARGIN + w / 2);
	sb_adds(b, "\" y=\"");
	add_num(b, x->y + h / 2 + 4);
	sb_adds(b, "\">");
	sb_add_xml(b, s);
	sb_adds(b, "</text>\n");
	free(s);
	free(t);
	x->y += h;
}

/* A legend of swatches, left to right, wrapping; labels shortened to 200
 * units (the full label in the item's <title>). */
static void draw_legend(struct ctx *x, const char *const *labels, size_t n)
{
	struct strbuf *b = &x->body;
	double lx = MARGIN, ly = x->y;
	sb_adds(b, "<g class=\"ct-legend\">\n");
	for (size_t i = 0; i < n; i++) {
		char *t = text_clean(labels ? labels[i] : NULL);
		char *s = shorten(t, 200, FS);
		double w = 14 + 5 + text_w(s, FS);
		if (lx > MARGIN && lx + w > SVG_WIDTH - MARGIN) {
			lx = MARGIN;
			ly += LH + 5;
		}
		sb_adds(b, "<g class=\"ct-legend-item\"><title>");
		sb_add_xml(b, t);
		sb_adds(b, "</title><rect x=\"");
		add_num(b, lx);
		sb_adds(b, "\" y=\"");
		add_num(b, ly);
		sb_addf(b, "\" width=\"14\" height=\"14\" fill=\"url(#%s-p%zu)\" stroke=\"#000\""
			" stroke-width=\"0.75\"/><text x=\"", x->id, i);
		add_num(b, lx + 19);
		sb_adds(b, "\" y=\"");
		add_num(b, ly + 11);
		sb_adds(b, "\">");
		sb_add_xml(b, s);
		sb_adds(b, "</text></g>\n");
		lx += w + 18;
		free(s);
		free(t);
	}
	sb_adds(b, "</g>\n");
	x->y = ly + LH + 10;
}

/* The category axis' label, above the category labels. */
static void draw_y_label(struct ctx *x)
{
	if (!x->c->y_label || !*x->c->y_label)
		return;
	char *t = text_clean(x->c->y_label);
	char *s = shorten(t, SVG_WIDTH - 2 * MARGIN, FS);
	struct strbuf *b = &x->body;
	sb_adds(b, "<text class=\"ct-y-label\" font-weight=\"bold\" x=\"");
	add_num(b, MARGIN);
	sb_adds(b, "\" y=\"");
	add_num(b, x->y + FS);
	sb_adds(b, "\">");
	sb_add_xml(b, s);
	sb_adds(b, "</text>\n");
	free(s);
	free(t);
	x->y += LH + 6;
}

/* The plot's frame (with its axis in data attributes) and gridlines, from
 * y0 to y1. */
static void draw_grid(struct ctx *x, const struct svg_axis *a, double y0, double y1)
{
	struct strbuf *b = &x->body;
	sb_addf(b, "<rect class=\"ct-plot\" id=\"%s-plot\" x=\"", x->id);
	add_num(b, a->x0);
	sb_adds(b, "\" y=\"");
	add_num(b, y0);
	sb_adds(b, "\" width=\"");
	add_num(b, a->x1 - a->x0);
	sb_adds(b, "\" height=\"");
	add_num(b, y1 - y0);
	sb_adds(b, "\" data-min=\"");
	add_machine(b, a->min);
	sb_adds(b, "\" data-max=\"");
	add_machine(b, a->max);
	sb_adds(b, "\" data-step=\"");
	add_machine(b, a->step);
	sb_adds(b, "\" fill=\"none\" stroke=\"#808080\" stroke-width=\"0.75\"/>\n");
	for (long k = a->kmin + 1; k < a->kmax; k++) {
		double xv = svg_axis_x(a, (double)k * a->step);
		if (k == 0)
			continue; /* the zero line is drawn over the bars */
		sb_adds(b, "<line class=\"ct-grid\" x1=\"");
		add_num(b, xv);
		sb_adds(b, "\" y1=\"");
		add_num(b, y0);
		sb_adds(b, "\" x2=\"");
		add_num(b, xv);
		sb_adds(b, "\" y2=\"");
		add_num(b, y1);
		sb_adds(b, "\" stroke=\"" GRID "\" stroke-width=\"0.75\"/>\n");
	}
}

/* The value of tick k: k * mant * 10^exp, exactly where it can be. */
static double tick_value(const struct svg_axis *a, long k)
{
	double p = pow(10.0, fabs((double)a->exp));
	return a->exp < 0 ? (double)(k * a->mant) / p : (double)(k * a->mant) * p;
}

/* The zero line, over the bars. */
static void draw_zero(struct ctx *x, const struct svg_axis *a, double y0, double y1)
{
	struct strbuf *b = &x->body;
	double xz = svg_axis_x(a, 0);
	sb_adds(b, "<line class=\"ct-zero\" x1=\"");
	add_num(b, xz);
	sb_adds(b, "\" y1=\"");
	add_num(b, y0);
	sb_adds(b, "\" x2=\"");
	add_num(b, xz);
	sb_adds(b, "\" y2=\"");
	add_num(b, y1);
	sb_adds(b, "\" stroke=\"#000\" stroke-width=\"1.5\"/>\n");
}

/* Tick labels under the plot at y and the value axis' label under them. */
static void draw_ticks(struct ctx *x, const struct svg_axis *a, double y, int percent)
{
	struct strbuf *b = &x->body;
	int e = a->exp + (percent ? 2 : 0);
	for (long k = a->kmin; k <= a->kmax; k++) {
		char buf[64];
		long long m = (long long)k * a->mant;
		if (e >= 0 && e <= 15) {
			for (int i = 0; i < e; i++)
				m *= 10;
			fmt_scaled(buf, sizeof(buf), m, 0, x->mark);
		} else if (e < 0 && e >= -15) {
			fmt_scaled(buf, sizeof(buf), m, -e, x->mark);
		} else {
			fmt_value(buf, sizeof(buf), tick_value(a, k), percent, 0, x->mark);
		}
		double xv = svg_axis_x(a, (double)k * a->step);
		sb_adds(b, "<text class=\"ct-tick\" text-anchor=\"middle\" data-v=\"");
		add_machine(b, tick_value(a, k));
		sb_adds(b, "\" x=\"");
		add_num(b, xv);
		sb_adds(b, "\" y=\"");
		add_num(b, y + FS + 2);
		sb_addf(b, "\">%s</text>\n", buf);
	}
	x->y = y + LH + 4;
	if (x->c->x_label && *x->c->x_label) {
		char *t = text_clean(x->c->x_label);
		char *s = shorten(t, SVG_WIDTH - 2 * MARGIN, FS);
		double w = text_w(s, FS), cx = (a->x0 + a->x1) / 2;
		/* Centred under the plot, moved left when it would leave the chart. */
		if (cx + w / 2 > SVG_WIDTH - MARGIN)
			cx = SVG_WIDTH - MARGIN - w / 2;
		if (cx - w / 2 < MARGIN)
			cx = MARGIN + w / 2;
		sb_adds(b, "<text class=\"ct-x-label\" text-anchor=\"middle\" x=\"");
		add_num(b, cx);
		sb_adds(b, "\" y=\"");
		add_num(b, x->y + FS);
		sb_adds(b, "\">");
		sb_add_xml(b, s);
		sb_adds(b, "</text>\n");
		x->y += LH + 2;
		free(s);
		free(t);
	}
}

/* A category label right-aligned before the plot, its lines centred on yc. */
static void draw_label(struct ctx *x, const struct lines *ls, double xr, double yc)
{
	struct strbuf *b = &x->body;
	double top = yc - (ls->n * LH) / 2;
	sb_adds(b, "<text class=\"ct-label\" text-anchor=\"end\">");
	for (int i = 0; i < ls->n; i++) {
		sb_adds(b, "<tspan x=\"");
		add_num(b, xr);
		sb_adds(b, "\" y=\"");
		add_num(b, top + i * LH + FS - 1);
		sb_adds(b, "\">");
		sb_add_xml(b, ls->l[i]);
		sb_adds(b, "</tspan>");
	}
	sb_adds(b, "</text>\n");
}

/* The width of the category-label column: the widest label, within limits. */
static double label_column(char **labels, size_t n)
{
	double w = 30;
	for (size_t i = 0; i < n; i++) {
		double lw = text_w(labels[i], FS);
		if (lw > w)
			w = lw;
	}
	return w > LABEL_MAX ? LABEL_MAX : w;
}

static void add_rect(struct strbuf *b, double x0, double y, double x1, double h)
{
	double lo = x0 < x1 ? x0 : x1, hi = x0 < x1 ? x1 : x0;
	sb_adds(b, " x=\"");
	add_num(b, lo);
	sb_adds(b, "\" y=\"");
	add_num(b, y);
	sb_adds(b, "\" width=\"");
	/* From rounded ends, so that adjacent widths add up exactly. */
	add_num(b, round(hi * 100) / 100 - round(lo * 100) / 100);
	sb_adds(b, "\" height=\"");
	add_num(b, h);
	sb_addc(b, '"');
}

static void add_line(struct strbuf *b, const char *cls, double x1, double y1, double x2, double y2,
		     const char *width)
{
	sb_addf(b, "<line class=\"%s\" x1=\"", cls);
	add_num(b, x1);
	sb_adds(b, "\" y1=\"");
	add_num(b, y1);
	sb_adds(b, "\" x2=\"");
	add_num(b, x2);
	sb_adds(b, "\" y2=\"");
	add_num(b, y2);
	sb_addf(b, "\" stroke=\"#000\" stroke-width=\"%s\"", width);
}

/* ---- The axis ---- */

void svg_axis_nice(double lo, double hi, double x0, double x1, struct svg_axis *out)
{
	if (!isfinite(lo))
		lo = 0;
	if (!isfinite(hi))
		hi = 0;
	if (lo > hi) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (lo > 0)
		lo = 0;
	if (hi < 0)
		hi = 0;
	if (hi - lo < 1e-12 * (fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi)) || hi - lo < 1e-300)
		hi = lo + (lo == 0 ? 1 : fabs(lo));
	int e = (int)floor(log10((hi - lo) / MAX_INTERVALS));
	static const int M[] = { 1, 2, 5 };
	for (int tries = 0;; tries++) {
		int m = M[tries % 3], ex = e + tries / 3;
		double step = m * pow(10.0, ex);
		/* Slack for quotients such as 0.3 / 0.1 = 2.9999999999999996. */
		double kmin = floor(lo / step + 1e-9), kmax = ceil(hi / step - 1e-9);
		if (kmax - kmin <= MAX_INTERVALS || tries > 60) {
			out->kmin = (long)kmin;
			out->kmax = (long)kmax;
			out->mant = m;
			out->exp = ex;
			out->step = step;
			break;
		}
	}
	out->min = tick_value(out, out->kmin);
	out->max = tick_value(out, out->kmax);
	out->x0 = x0;
	out->x1 = x1;
}

double svg_axis_x(const struct svg_axis *a, double v)
{
	return a->x0 + (v - a->min) / (a->max - a->min) * (a->x1 - a->x0);
}

/* ---- Estimates with intervals ---- */

void svg_ci_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_ci_item *items,
		  size_t n, int bars)
{
	struct ctx x;
	ctx_begin(&x, c);
	if (n == 0) {
		draw_empty(&x);
		ctx_end(sb, &x);
		return;
	}
	struct strbuf *b = &x.body;
	char **label = xcalloc(n, sizeof(*label));
	char **value = xcalloc(n, sizeof(*value)); /* "25.0" or the n/a text */
	char **ci = xcalloc(n, sizeof(*ci));       /* " [12.1; 37.9]" or "" */
	char **note = xcalloc(n, sizeof(*note));  /* " n = 120" or "" */
	struct lines *ls = xcalloc(n, sizeof(*ls));
	double lo = 0, hi = 0, valw = 30;
	char *na = text_clean(x.na);
	for (size_t i = 0; i < n; i++) {
		const struct svg_ci_item *it = &items[i];
		char v[64], l[64], h[64];
		label[i] = text_clean(it->label);
		int def = it->defined && isfinite(it->est);
		int cidef = def && it->ci_defined && isfinite(it->lo) && isfinite(it->hi);
		value[i] = xstrdup(def ? fmt_value(v, sizeof(v), it->est, c->percent, 1, x.mark) : na);
		if (cidef) {
			fmt_value(l, sizeof(l), it->lo, c->percent, 1, x.mark);
			fmt_value(h, sizeof(h), it->hi, c->percent, 1, x.mark);
			ci[i] = xasprintf(" [%s; %s]", l, h);
		} else {
			ci[i] = xstrdup("");
		}
		double w = text_w(value[i], FS) + text_w(ci[i], FS);
		char *t = text_clean(it->note);
		note[i] = *t ? xasprintf(" %s", t) : xstrdup("");
		free(t);
		if (w + text_w(note[i], FS) > VALUE_MAX) {
			char *s = shorten(note[i], VALUE_MAX - w, FS);
			free(note[i]);
			note[i] = s;
		}
		w += text_w(note[i], FS);
		if (w > valw)
			valw = w;
		if (def) {
			lo = fmin(lo, it->est);
			hi = fmax(hi, it->est);
		}
		if (cidef) {
			lo = fmin(lo, fmin(it->lo, it->hi));
			hi = fmax(hi, fmax(it->lo, it->hi));
		}
	}
	double lw = label_column(label, n);
	for (size_t i = 0; i < n; i++)
		wrap(label[i], lw, FS, LABEL_LINES, &ls[i]);
	double x0 = MARGIN + lw + GAP, x1 = SVG_WIDTH - MARGIN - valw - GAP;
	struct svg_axis a;
	svg_axis_nice(lo, hi, x0, x1, &a);
	draw_y_label(&x);

	double y0 = x.y, y = y0;
	double *rh = xcalloc(n, sizeof(*rh));
	for (size_t i = 0; i < n; i++) {
		rh[i] = fmax(28, ls[i].n * LH + 10);
		y += rh[i];
	}
	double y1 = y;
	draw_grid(&x, &a, y0, y1);
	double xz = svg_axis_x(&a, 0);
	y = y0;
	for (size_t i = 0; i < n; i++) {
		const struct svg_ci_item *it = &items[i];
		double yc = y + rh[i] / 2;
		int def = it->defined && isfinite(it->est);
		int cidef = def && it->ci_defined && isfinite(it->lo) && isfinite(it->hi);
		sb_adds(b, "<g class=\"ct-row\"><title>");
		sb_add_xml(b, label[i]);
		sb_adds(b, ": ");
		sb_add_xml(b, value[i]);
		sb_add_xml(b, ci[i]);
		sb_add_xml(b, note[i]);
		sb_adds(b, "</title>\n");
		draw_label(&x, &ls[i], x0 - GAP, yc);
		if (def && bars) {
			sb_adds(b, "<rect class=\"ct-bar\" data-v=\"");
			add_machine(b, it->est);
			sb_addc(b, '"');
			add_rect(b, xz, yc - 7, svg_axis_x(&a, it->est), 14);
			sb_adds(b, " fill=\"#bdbdbd\" stroke=\"#000\" stroke-width=\"0.75\"/>\n");
		}
		if (cidef) {
			double xl = svg_axis_x(&a, it->lo), xh = svg_axis_x(&a, it->hi);
			add_line(b, "ct-ci", xl, yc, xh, yc, "1.5");
			sb_adds(b, " data-lo=\"");
			add_machine(b, it->lo);
			sb_adds(b, "\" data-hi=\"");
			add_machine(b, it->hi);
			sb_adds(b, "\"/>\n");
			add_line(b, "ct-cap", xl, yc - 5, xl, yc + 5, "1.5");
			sb_adds(b, "/>\n");
			add_line(b, "ct-cap", xh, yc - 5, xh, yc + 5, "1.5");
			sb_adds(b, "/>\n");
		}
		if (def && !bars) {
			sb_adds(b, "<circle class=\"ct-dot\" data-v=\"");
			add_machine(b, it->est);
			sb_adds(b, "\" cx=\"");
			add_num(b, svg_axis_x(&a, it->est));
			sb_adds(b, "\" cy=\"");
			add_num(b, yc);
			sb_adds(b, "\" r=\"4.5\" fill=\"#000\" stroke=\"#fff\" stroke-width=\"1\"/>\n");
		}
		sb_adds(b, "<text class=\"ct-value\" x=\"");
		add_num(b, x1 + GAP);
		sb_adds(b, "\" y=\"");
		add_num(b, yc + 4);
		sb_adds(b, def ? "\"><tspan font-weight=\"bold\">" : "\"><tspan font-style=\"italic\">");
		sb_add_xml(b, value[i]);
		sb_adds(b, "</tspan>");
		sb_add_xml(b, ci[i]);
		sb_add_xml(b, note[i]);
		sb_adds(b, "</text></g>\n");
		y += rh[i];
	}
	draw_zero(&x, &a, y0, y1);
	draw_ticks(&x, &a, y1, c->percent);
	ctx_end(sb, &x);

	for (size_t i = 0; i < n; i++) {
		free(label[i]);
		free(value[i]);
		free(ci[i]);
		free(note[i]);
		lines_free(&ls[i]);
	}
	free(label);
	free(value);
	free(ci);
	free(note);
	free(ls);
	free(rh);
	free(na);
}

/* ---- 100% stacked bars ---- */

void svg_stacked_chart(struct strbuf *sb, const struct svg_chart *c, const char *const *part_labels,
		       size_t nparts, const struct svg_stack_item *items, size_t n)
{
	struct ctx x;
	ctx_begin(&x, c);
	if (nparts > SVG_MAX_PARTS)
		nparts = SVG_MAX_PARTS;
	x.patterns = (int)nparts;
	if (nparts)
		draw_legend(&x, part_labels, nparts);
	if (n == 0 || nparts == 0) {
		draw_empty(&x);
		ctx_end(sb, &x);
		return;
	}
	struct strbuf *b = &x.body;
	char **label = xcalloc(n, sizeof(*label));
	char **note = xcalloc(n, sizeof(*note));
	char **part = xcalloc(nparts, sizeof(*part));
	struct lines *ls = xcalloc(n, sizeof(*ls));
	double notew = 0;
	char *na = text_clean(x.na);
	for (size_t j = 0; j < nparts; j++)
		part[j] = text_clean(part_labels ? part_labels[j] : NULL);
	for (size_t i = 0; i < n; i++) {
		label[i] = text_clean(items[i].label);
		char *t = text_clean(items[i].note);
		note[i] = shorten(t, VALUE_MAX, FS);
		free(t);
		notew = fmax(notew, text_w(note[i], FS));
	}
	double lw = label_column(label, n);
	for (size_t i = 0; i < n; i++)
		wrap(label[i], lw, FS, LABEL_LINES, &ls[i]);
	double x0 = MARGIN + lw + GAP, x1 = SVG_WIDTH - MARGIN - (notew > 0 ? notew + GAP : 6);
	struct svg_axis a;
	svg_axis_nice(0, 1, x0, x1, &a);
	draw_y_label(&x);

	double y0 = x.y, y = y0;
	double *rh = xcalloc(n, sizeof(*rh));
	for (size_t i = 0; i < n; i++) {
		rh[i] = fmax(32, ls[i].n * LH + 10);
		y += rh[i];
	}
	double y1 = y;
	draw_grid(&x, &a, y0, y1);
	y = y0;
	for (size_t i = 0; i < n; i++) {
		const struct svg_stack_item *it = &items[i];
		double yc = y + rh[i] / 2, total = 0;
		int ok = 1;
		for (size_t j = 0; j < nparts; j++) {
			if (!isfinite(it->parts[j]) || it->parts[j] < 0)
				ok = 0;
			else
				total += it->parts[j];
		}
		if (!(total > 0) || !isfinite(total))
			ok = 0;
		sb_adds(b, "<g class=\"ct-row\"><title>");
		sb_add_xml(b, label[i]);
		if (*note[i]) {
			sb_adds(b, " (");
			sb_add_xml(b, note[i]);
			sb_adds(b, ")");
		}
		sb_adds(b, "</title>\n");
		draw_label(&x, &ls[i], x0 - GAP, yc);
		if (!ok) {
			sb_adds(b, "<text class=\"ct-value\" font-style=\"italic\" x=\"");
			add_num(b, x0 + 4);
			sb_adds(b, "\" y=\"");
			add_num(b, yc + 4);
			sb_adds(b, "\">");
			sb_add_xml(b, na);
			sb_adds(b, "</text>\n");
		}
		double cum = 0;
		for (size_t j = 0; ok && j < nparts; j++) {
			double v = it->parts[j], share = v / total;
			double xa = svg_axis_x(&a, cum / total);
			cum += v;
			double xb = svg_axis_x(&a, cum / total);
			if (v == 0)
				continue;
			char s[64];
			fmt_value(s, sizeof(s), share, 1, 0, x.mark);
			sb_addf(b, "<rect class=\"ct-seg\" data-part=\"%zu\" data-v=\"", j);
			add_machine(b, v);
			sb_adds(b, "\" data-share=\"");
			add_machine(b, share);
			sb_addc(b, '"');
			add_rect(b, xa, yc - 10, xb, 20);
			sb_addf(b, " fill=\"url(#%s-p%zu)\" stroke=\"#000\" stroke-width=\"0.75\"><title>", x.id, j);
			sb_add_xml(b, label[i]);
			sb_adds(b, ", ");
			sb_add_xml(b, part[j]);
			sb_addf(b, ": %s%%</title></rect>\n", s);
			if (xb - xa >= text_w(s, FS) + 10) {
				sb_adds(b, "<text class=\"ct-share\" text-anchor=\"middle\" x=\"");
				add_num(b, (xa + xb) / 2);
				sb_adds(b, "\" y=\"");
				add_num(b, yc + 4);
				sb_addc(b, '"');
				add_ink(b, PATTERNS[j].dark);
				sb_addf(b, ">%s</text>\n", s);
			}
		}
		if (*note[i]) {
			sb_adds(b, "<text class=\"ct-note\" x=\"");
			add_num(b, x1 + GAP);
			sb_adds(b, "\" y=\"");
			add_num(b, yc + 4);
			sb_adds(b, "\">");
			sb_add_xml(b, note[i]);
			sb_adds(b, "</text>\n");
		}
		sb_adds(b, "</g>\n");
		y += rh[i];
	}
	draw_zero(&x, &a, y0, y1);
	draw_ticks(&x, &a, y1, 1);
	ctx_end(sb, &x);

	for (size_t i = 0; i < n; i++) {
		free(label[i]);
		free(note[i]);
		lines_free(&ls[i]);
	}
	for (size_t j = 0; j < nparts; j++)
		free(part[j]);
	free(label);
	free(note);
	free(part);
	free(ls);
	free(rh);
	free(na);
}

/* ---- Grouped bars ---- */

#define GROUP_BAR 13.0
#define GROUP_GAP 2.0

void svg_grouped_chart(struct strbuf *sb, const struct svg_chart *c, const char *const *series_labels,
		       size_t nseries, const struct svg_group_item *items, size_t n)
{
	struct ctx x;
	ctx_begin(&x, c);
	if (nseries > SVG_MAX_SERIES)
		nseries = SVG_MAX_SERIES;
	x.patterns = (int)nseries;
	if (nseries)
		draw_legend(&x, series_labels, nseries);
	if (n == 0 || nseries == 0) {
		draw_empty(&x);
		ctx_end(sb, &x);
		return;
	}
	struct strbuf *b = &x.body;
	char **label = xcalloc(n, sizeof(*label));
	char **series = xcalloc(nseries, sizeof(*series));
	struct lines *ls = xcalloc(n, sizeof(*ls));
	char *na = text_clean(x.na);
	double lo = 0, hi = 0, valw = text_w(na, FS), negw = 0;
	for (size_t j = 0; j < nseries; j++)
		series[j] = text_clean(series_labels ? series_labels[j] : NULL);
	for (size_t i = 0; i < n; i++) {
		label[i] = text_clean(items[i].label);
		for (size_t j = 0; j < nseries; j++) {
			double v = items[i].values[j];
			char s[64];
			if (!items[i].defined[j] || !isfinite(v))
				continue;
			lo = fmin(lo, v);
			hi = fmax(hi, v);
			double w = text_w(fmt_value(s, sizeof(s), v, c->percent, 1, x.mark), FS);
			if (v < 0)
				negw = fmax(negw, w + 4);
			else
				valw = fmax(valw, w + 4);
		}
	}
	double lw = label_column(label, n);
	for (size_t i = 0; i < n; i++)
		wrap(label[i], lw, FS, LABEL_LINES, &ls[i]);
	double x0 = MARGIN + lw + GAP + negw, x1 = SVG_WIDTH - MARGIN - valw - 4;
	struct svg_axis a;
	svg_axis_nice(lo, hi, x0, x1, &a);
	draw_y_label(&x);

	double y0 = x.y, y = y0;
	double *rh = xcalloc(n, sizeof(*rh));
	double bars_h = (double)nseries * (GROUP_BAR + GROUP_GAP) - GROUP_GAP;
	for (size_t i = 0; i < n; i++) {
		rh[i] = fmax(bars_h + 14, ls[i].n * LH + 10);
		y += rh[i];
	}
	double y1 = y;
	draw_grid(&x, &a, y0, y1);
	double xz = svg_axis_x(&a, 0);
	y = y0;
	for (size_t i = 0; i < n; i++) {
		const struct svg_group_item *it = &items[i];
		double yc = y + rh[i] / 2, top = yc - bars_h / 2;
		sb_adds(b, "<g class=\"ct-row\"><title>");
		sb_add_xml(b, label[i]);
		sb_adds(b, "</title>\n");
		draw_label(&x, &ls[i], x0 - GAP - negw, yc);
		for (size_t j = 0; j < nseries; j++) {
			double by = top + (double)j * (GROUP_BAR + GROUP_GAP), v = it->values[j];
			int def = it->defined[j] && isfinite(v);
			char s[64];
			const char *txt = def ? fmt_value(s, sizeof(s), v, c->percent, 1, x.mark) : na;
			if (def) {
				double xe = svg_axis_x(&a, v);
				sb_addf(b, "<rect class=\"ct-bar\" data-series=\"%zu\" data-v=\"", j);
				add_machine(b, v);
				sb_addc(b, '"');
				add_rect(b, xz, by, xe, GROUP_BAR);
				sb_addf(b, " fill=\"url(#%s-p%zu)\" stroke=\"#000\" stroke-width=\"0.75\"><title>",
					x.id, j);
				sb_add_xml(b, label[i]);
				sb_adds(b, ", ");
				sb_add_xml(b, series[j]);
				sb_addf(b, ": %s</title></rect>\n", txt);
			}
			double xt = def ? svg_axis_x(&a, v) : xz;
			int left = def && v < 0;
			sb_addf(b, "<text class=\"ct-value\"%s%s x=\"", left ? " text-anchor=\"end\"" : "",
				def ? "" : " font-style=\"italic\"");
			add_num(b, left ? xt - 4 : xt + 4);
			sb_adds(b, "\" y=\"");
			add_num(b, by + GROUP_BAR - 3);
			sb_adds(b, "\">");
			sb_add_xml(b, txt);
			sb_adds(b, "</text>\n");
		}
		sb_adds(b, "</g>\n");
		y += rh[i];
	}
	draw_zero(&x, &a, y0, y1);
	draw_ticks(&x, &a, y1, c->percent);
	ctx_end(sb, &x);

	for (size_t i = 0; i < n; i++) {
		free(label[i]);
		lines_free(&ls[i]);
	}
	for (size_t j = 0; j < nseries; j++)
		free(series[j]);
	free(label);
	free(series);
	free(ls);
	free(rh);
	free(na);
}
