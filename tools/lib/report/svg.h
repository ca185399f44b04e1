/* svg.h: the charts of the study report, drawn by corrtest itself as inline
 * SVG (no plotting service, no script): estimates with intervals, 100%
 * stacked bars and grouped bars. Each chart is one <svg> element with a
 * <title> and a <desc> (its text alternative), readable in black and white
 * (parts and series differ by grey level and by pattern, never by colour
 * alone) and on A4 print: its sizes are in a viewBox 640 units wide that
 * scales to the width of the page, and its height grows with the items.
 *
 * Everything the caller passes as text is made valid UTF-8 (invalid bytes
 * and control characters become U+FFFD) and XML-escaped. The output is
 * deterministic, and its numbers are formatted without the C library's
 * locale (coordinates with at most 2 decimals; displayed values with the
 * chart's decimal mark).
 *
 * Elements carry hooks for tests and the report's CSS: class "ct-bar",
 * "ct-dot", "ct-ci" (whisker), "ct-zero" (the zero line), "ct-grid",
 * "ct-tick", "ct-value", "ct-label", "ct-seg" (a stacked part), "ct-plot"
 * (the plot frame, with data-min, data-max, data-step of its axis), and
 * data-v (the value drawn, in machine format) on bars, dots, segments and
 * ticks. */
#ifndef CT_SVG_H
#define CT_SVG_H

#include <stddef.h>

#include "base/util.h"

#define SVG_MAX_PARTS 6
#define SVG_MAX_SERIES 6
/* The width of every chart's viewBox, in its own units (A4's printable
 * width of about 170 mm is 640 units: 12-unit text prints at about 9 pt). */
#define SVG_WIDTH 640.0

struct svg_chart {
	const char *id;        /* unique in the document: the <svg>'s id and the prefix of its
				* elements' ids ("chart-net" -> "chart-net-title"); characters
				* other than [A-Za-z0-9_-] become '_'; NULL: "chart" */
	const char *title;     /* shown above the chart and as the svg <title> */
	const char *desc;      /* the text alternative: <desc>, a sentence or two saying what the
				* chart shows and its key figures; NULL: the title */
	const char *x_label;   /* the value axis' label, e.g. "net discrimination rate (%)" */
	const char *y_label;   /* the category axis' label, may be NULL */
	int percent;           /* values are fractions (0.22) shown as percentages (22) */
	char decimal;          /* '.' or ',' (nl, fr): the decimal mark in every number drawn;
				* 0: '.' */
	const char *empty_text; /* drawn when there are no items; NULL: "no data" */
	const char *na_text;    /* drawn for an undefined value; NULL: "n/a" */
};

/* One row of an estimate chart: an estimate with its interval. */
struct svg_ci_item {
	const char *label;     /* the category, e.g. "Maghrebi" */
	int defined;           /* 0: drawn as "n/a" text, no bar */
	double est;            /* not finite: as if not defined */
	int ci_defined;        /* 0: no whisker */
	double lo, hi;         /* a bound that is not finite: no whisker */
	const char *note;      /* optional short text after the value, e.g. "n = 120" */
};
/* Horizontal bars from 0 to each estimate (bars = 1) or dots (bars = 0),
 * each with its interval as a whisker, on a signed axis with a zero line
 * drawn heavier; the value (one decimal) and its interval printed beside
 * each bar, in a column right of the plot. Used for: net rates per group
 * with CI (bars), differences between strata/rounds with CI (dots), paired
 * response-time differences in hours (dots, percent = 0). Appends to sb. */
void svg_ci_chart(struct strbuf *sb, const struct svg_chart *c, const struct svg_ci_item *items,
		  size_t n, int bars);

/* One bar of a stacked chart: counts of its parts (e.g. both positive,
 * only the control candidate, only the test candidate, neither). */
struct svg_stack_item {
	const char *label;
	double parts[SVG_MAX_PARTS]; /* counts; a negative or non-finite count, or a
				      * total of 0: the bar is drawn as "n/a" */
	const char *note;            /* optional short text right of the bar, e.g. "n = 120" */
};
/* Horizontal 100% stacked bars, one per item, parts in the order given,
 * each part filled with a distinct grey level AND a distinct pattern
 * (hatching, dots, solid...) so that it reads in black and white, with a
 * legend naming the parts and each segment's share printed inside it
 * (whole percent) when wide enough. The axis is always in percent (0 to
 * 100), whatever c->percent says. nparts is at most SVG_MAX_PARTS (more
 * are not drawn). Appends to sb. */
void svg_stacked_chart(struct strbuf *sb, const struct svg_chart *c, const char *const *part_labels,
		       size_t nparts, const struct svg_stack_item *items, size_t n);

/* A grouped bar chart: categories (e.g. the funnel's stages "any reply",
 * "positive reply", "invitation"; or "within 24 h", "within 72 h") along
 * the axis, one bar per series (e.g. "Jan (control)", "Mohamed (test)") in
 * each, series told apart by fill and pattern, with a legend; values
 * printed at the bars' ends. The bars are horizontal, a category's series
 * one under the other, so that long labels fit. nseries is at most
 * SVG_MAX_SERIES. Appends to sb. */
struct svg_group_item {
	const char *label;                 /* the category */
	double values[SVG_MAX_SERIES];     /* not finite: as if not defined */
	int defined[SVG_MAX_SERIES];       /* 0: "n/a" instead of the bar */
};
void svg_grouped_chart(struct strbuf *sb, const struct svg_chart *c, const char *const *series_labels,
		       size_t nseries, const struct svg_group_item *items, size_t n);

/* The value axis of a chart: from min to max in steps of step (1, 2 or 5
 * times a power of ten: step = mant * 10^exp), drawn from x0 (at min) to x1
 * (at max). The ticks are k * step for k = kmin..kmax. */
struct svg_axis {
	double min, max, step;
	double x0, x1;
	long kmin, kmax;
	int mant, exp;
};
/* The axis of round ticks that covers lo, hi and 0 with at most 8
 * intervals, the smallest such step. Non-finite lo or hi count as 0; when
 * everything is 0, the axis is 0 to 1. */
void svg_axis_nice(double lo, double hi, double x0, double x1, struct svg_axis *out);
/* The x coordinate of value v on axis a. */
double svg_axis_x(const struct svg_axis *a, double v);

#endif
