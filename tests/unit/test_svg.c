/* test_svg.c: the report's charts (tools/lib/report/svg.c). What a reader
 * relies on, with the expected figures worked out by hand below: the axis
 * has round ticks covering 0 and the data; a bar runs from the zero line to
 * its value, a whisker from lo to hi, stacked parts are as wide as their
 * shares; numbers carry the chart's decimal mark; text from the caller is
 * escaped; an empty chart says so; ids are prefixed by the chart's; and
 * every chart is well-formed XML (checked by Python's parser) that refers
 * to nothing outside itself. The last test writes a demo page with one
 * chart of each kind (into $SVG_DEMO_DIR when set, to look at it). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "report/svg.h"
#include "base/util.h"
#include "tmpdir.h"

/* ---- Reading the output ---- */

/* The nth (from 0) start tag that begins with head, up to its '>';
 * NULL when there is none. Caller frees. */
static char *elem(const char *s, const char *head, int nth)
{
	const char *p = s;
	for (;;) {
		p = strstr(p, head);
		if (!p)
			return NULL;
		if (nth-- == 0)
			break;
		p++;
	}
	const char *e = strchr(p, '>');
	ck_assert_ptr_nonnull(e);
	return xstrndup(p, (size_t)(e - p + 1));
}

static int count(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* The number in attribute name="..." of start tag el. */
static double attr(const char *el, const char *name)
{
	char *key = xasprintf(" %s=\"", name);
	const char *p = strstr(el, key);
	ck_assert_msg(p != NULL, "no %s in %s", name, el);
	char *end;
	double v = strtod(p + strlen(key), &end);
	ck_assert_msg(*end == '"', "%s of %s is not a number", name, el);
	free(key);
	return v;
}

/* The same for the nth element starting with head. */
static double attr_of(const char *s, const char *head, int nth, const char *name)
{
	char *el = elem(s, head, nth);
	ck_assert_msg(el != NULL, "no %d-th %s", nth, head);
	double v = attr(el, name);
	free(el);
	return v;
}

/* Coordinates are written with 2 decimals, and a width from two rounded
 * ends: a hundredth either way each. */
#define ck_near(a, b) ck_assert_msg(fabs((a) - (b)) <= 0.021, "%s = %.4f, expected %.4f", #a, (a), (b))

/* Python's XML parser accepts s. */
static void assert_well_formed(const char *s)
{
	FILE *p = popen("python3 -c 'import sys, xml.dom.minidom; "
			"xml.dom.minidom.parseString(sys.stdin.buffer.read())'",
			"w");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fwrite(s, 1, strlen(s), p), strlen(s));
	int st = pclose(p);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "not well-formed XML: %.200s", s);
}

/* What every chart must be: one well-formed <svg> with its title and desc
 * first, labelled by them, nothing outside itself referred to, no script,
 * no event attribute, no number that is not finite. */
static void assert_clean(const char *s, const char *id)
{
	assert_well_formed(s);
	char *head = xasprintf("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
			       "aria-labelledby=\"%s-title %s-desc\" id=\"%s\" viewBox=\"0 0 640 ",
			       id, id, id);
	ck_assert_msg(!strncmp(s, head, strlen(head)), "%s", s);
	free(head);
	ck_assert_int_eq(count(s, "<svg"), 1);
	ck_assert_int_eq(count(s, "http"), 1);
	ck_assert_int_eq(count(s, "href"), 0);
	ck_assert_int_eq(count(s, "<script"), 0);
	ck_assert_int_eq(count(s, "<style"), 0);
	/* No non-finite number as a value or a coordinate (labels such as
	 * "information" may hold the letters). */
	static const char *const nonfinite[] = { "\"nan\"", "\"-nan\"", "\"inf\"", "\"-inf\"",
						 ">nan<",   ">inf<",    "=\"nan",  "=\"inf" };
	for (size_t k = 0; k < sizeof(nonfinite) / sizeof(nonfinite[0]); k++)
		ck_assert_int_eq(count(s, nonfinite[k]), 0);
	ck_assert_int_eq(count(s, "font-family=\"sans-serif\""), 1);
	/* title then desc right after the opening tag */
	const char *t = strchr(s, '>') + 2;
	char *want = xasprintf("<title id=\"%s-title\">", id);
	ck_assert_msg(!strncmp(t, want, strlen(want)), "%s", t);
	free(want);
	want = xasprintf("</title>\n<desc id=\"%s-desc\">", id);
	ck_assert_ptr_nonnull(strstr(t, want));
	ck_assert_ptr_eq(strstr(t, want), strstr(t, "</title>"));
	free(want);
	/* No attribute named on...= (event handlers). */
	for (const char *p = strstr(s, " on"); p; p = strstr(p + 1, " on")) {
		const char *q = p + 3;
		while (*q >= 'a' && *q <= 'z')
			q++;
		ck_assert_msg(*q != '=', "event attribute in %.40s", p);
	}
	/* Every id starts with the chart's, every reference points at one. */
	char *pre = xasprintf("%s-", id);
	for (const char *p = strstr(s, " id=\""); p; p = strstr(p + 1, " id=\"")) {
		if (!strncmp(p + 5, id, strlen(id)) && p[5 + strlen(id)] == '"')
			continue; /* the svg's own */
		ck_assert_msg(!strncmp(p + 5, pre, strlen(pre)), "id not prefixed: %.40s", p);
	}
	for (const char *p = strstr(s, "url("); p; p = strstr(p + 1, "url(")) {
		ck_assert_msg(p[4] == '#' && !strncmp(p + 5, pre, strlen(pre)), "reference %.30s", p);
		const char *e = strchr(p, ')');
		char *ref = xasprintf(" id=\"%.*s\"", (int)(e - p - 5), p + 5);
		ck_assert_msg(strstr(s, ref) != NULL, "no element %s", ref);
		free(ref);
	}
	free(pre);
}

static char *ci_chart(const struct svg_chart *c, const struct svg_ci_item *it, size_t n, int bars)
{
	struct strbuf sb = STRBUF_INIT;
	svg_ci_chart(&sb, c, it, n, bars);
	return sb_detach(&sb);
}

/* ---- The axis ---- */

START_TEST(axis_ticks_are_round_and_cover_zero_and_the_data)
{
	struct svg_axis a;
	/* [-0.08, 0.43]: steps 0.01, 0.02, 0.05 need 51, 26, 11 intervals
	 * (more than 8); 0.1 needs 6: -0.1 .. 0.5. */
	svg_axis_nice(-0.08, 0.43, 100, 400, &a);
	ck_assert_double_eq_tol(a.min, -0.1, 1e-12);
	ck_assert_double_eq_tol(a.max, 0.5, 1e-12);
	ck_assert_double_eq_tol(a.step, 0.1, 1e-12);
	ck_assert_int_eq(a.kmin, -1);
	ck_assert_int_eq(a.kmax, 5);
	/* 0 is at 100 + 300 * 0.1/0.6 = 150, 0.25 at 100 + 300 * 0.35/0.6 = 275. */
	ck_assert_double_eq_tol(svg_axis_x(&a, 0), 150, 1e-9);
	ck_assert_double_eq_tol(svg_axis_x(&a, 0.25), 275, 1e-9);
	ck_assert_double_eq_tol(svg_axis_x(&a, -0.1), 100, 1e-9);
	ck_assert_double_eq_tol(svg_axis_x(&a, 0.5), 400, 1e-9);
	/* Positive data only: the axis still starts at 0. [0.12, 0.25]: 0.05
	 * is the first step with at most 8 intervals (5). */
	svg_axis_nice(0.12, 0.25, 0, 1, &a);
	ck_assert_double_eq_tol(a.min, 0, 1e-12);
	ck_assert_double_eq_tol(a.max, 0.25, 1e-12);
	ck_assert_double_eq_tol(a.step, 0.05, 1e-12);
	/* Hours, [-3.2, 17]: 1 -> 21 intervals, 2 -> 11, 5 -> 5: -5 .. 20. */
	svg_axis_nice(-3.2, 17, 0, 1, &a);
	ck_assert_double_eq_tol(a.min, -5, 1e-12);
	ck_assert_double_eq_tol(a.max, 20, 1e-12);
	ck_assert_double_eq_tol(a.step, 5, 1e-12);
	/* A bound on a tick is not pushed one tick further: 0.3 / 0.1 is
	 * 2.9999999999999996 in binary. [0, 0.3]: 0.05 gives 6 intervals. */
	svg_axis_nice(0, 0.3, 0, 1, &a);
	ck_assert_double_eq_tol(a.max, 0.3, 1e-12);
	ck_assert_int_eq(a.kmax, 6);
	/* Nothing but zeros, or nothing finite: 0 .. 1 in steps of 0.2 (0.1
	 * would need 10 intervals). */
	svg_axis_nice(0, 0, 0, 1, &a);
	ck_assert_double_eq_tol(a.max, 1, 1e-12);
	ck_assert_double_eq_tol(a.step, 0.2, 1e-12);
	svg_axis_nice(NAN, INFINITY, 0, 1, &a);
	ck_assert_double_eq_tol(a.min, 0, 1e-12);
	ck_assert_double_eq_tol(a.max, 1, 1e-12);
	/* Negative only: -7.5 -> step 1 needs 8 intervals: -8 .. 0. */
	svg_axis_nice(-7.5, -2, 0, 1, &a);
	ck_assert_double_eq_tol(a.min, -8, 1e-12);
	ck_assert_double_eq_tol(a.max, 0, 1e-12);
}
END_TEST

/* ---- Estimates with intervals ---- */

/* Data in [-0.08, 0.43]: the axis is -0.1 .. 0.5. */
static const struct svg_ci_item NET[] = {
	{ "Maghrebi", 1, 0.25, 1, 0.12, 0.43, "n = 120" },
	{ "<script>&\"'", 1, -0.02, 1, -0.08, 0.05, NULL },
	{ "Polish", 0, 0, 0, 0, 0, "n = 0" },
};

START_TEST(ci_bars_from_zero_to_the_estimate)
{
	struct svg_chart c = { "chart-net", "Net discrimination", "Net rates by group.",
			       "net discrimination rate (%)", "origin", 1, ',', NULL, NULL };
	char *s = ci_chart(&c, NET, 3, 1);
	assert_clean(s, "chart-net");
	/* The plot runs from x0 to x0 + W for -0.1 .. 0.5. */
	char *plot = elem(s, "<rect class=\"ct-plot\"", 0);
	double x0 = attr(plot, "x"), W = attr(plot, "width");
	ck_assert_double_eq_tol(attr(plot, "data-min"), -0.1, 1e-12);
	ck_assert_double_eq_tol(attr(plot, "data-max"), 0.5, 1e-12);
	free(plot);
	ck_assert(W > 200);
	double xz = x0 + W * 0.1 / 0.6;
	/* The zero line. */
	ck_near(attr_of(s, "<line class=\"ct-zero\"", 0, "x1"), xz);
	ck_near(attr_of(s, "<line class=\"ct-zero\"", 0, "x2"), xz);
	/* 0.25: from the zero line to x0 + W * 0.35/0.6. */
	char *bar = elem(s, "<rect class=\"ct-bar\" data-v=\"0.25\"", 0);
	ck_assert_ptr_nonnull(bar);
	ck_near(attr(bar, "x"), xz);
	ck_near(attr(bar, "x") + attr(bar, "width"), x0 + W * 0.35 / 0.6);
	free(bar);
	/* -0.02: from x0 + W * 0.08/0.6 to the zero line. */
	bar = elem(s, "<rect class=\"ct-bar\" data-v=\"-0.02\"", 0);
	ck_assert_ptr_nonnull(bar);
	ck_near(attr(bar, "x"), x0 + W * 0.08 / 0.6);
	ck_near(attr(bar, "x") + attr(bar, "width"), xz);
	free(bar);
	/* Only the two defined items have bars; the third reads n/a. */
	ck_assert_int_eq(count(s, "class=\"ct-bar\""), 2);
	ck_assert_ptr_nonnull(strstr(s, ">n/a<"));
	/* Whiskers: 0.12 .. 0.43 and -0.08 .. 0.05. */
	char *w = elem(s, "<line class=\"ct-ci\"", 0);
	ck_near(attr(w, "x1"), x0 + W * 0.22 / 0.6);
	ck_near(attr(w, "x2"), x0 + W * 0.53 / 0.6);
	free(w);
	w = elem(s, "<line class=\"ct-ci\"", 1);
	ck_near(attr(w, "x1"), x0 + W * 0.02 / 0.6);
	ck_near(attr(w, "x2"), x0 + W * 0.15 / 0.6);
	free(w);
	ck_assert_int_eq(count(s, "class=\"ct-ci\""), 2);
	/* Ticks -0.1 .. 0.5 by 0.1, shown as percentages, each at its x. */
	static const char *const label[] = { "-10", "0", "10", "20", "30", "40", "50" };
	ck_assert_int_eq(count(s, "class=\"ct-tick\""), 7);
	for (int k = 0; k < 7; k++) {
		char *t = elem(s, "<text class=\"ct-tick\"", k);
		ck_assert_double_eq_tol(attr(t, "data-v"), -0.1 + 0.1 * k, 1e-12);
		ck_near(attr(t, "x"), x0 + W * k / 6.0);
		free(t);
		char *want = xasprintf(">%s</text>", label[k]);
		ck_assert_msg(strstr(s, want) != NULL, "no tick %s", label[k]);
		free(want);
	}
	/* Values with the decimal comma; the note after them. */
	ck_assert_ptr_nonnull(strstr(s, ">25,0</tspan> [12,0; 43,0] n = 120<"));
	ck_assert_ptr_nonnull(strstr(s, ">-2,0</tspan> [-8,0; 5,0]<"));
	ck_assert_ptr_null(strstr(s, "25.0"));
	/* The caller's text, escaped, in the label and in the row's title. */
	ck_assert_ptr_null(strstr(s, "<script"));
	ck_assert_int_eq(count(s, "&lt;script&gt;&amp;&quot;&#39;"), 2);
	/* The axis labels. */
	ck_assert_ptr_nonnull(strstr(s, ">net discrimination rate (%)</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">origin</text>"));
	free(s);

	/* The decimal point. */
	c.decimal = '.';
	s = ci_chart(&c, NET, 3, 1);
	ck_assert_ptr_nonnull(strstr(s, ">25.0</tspan> [12.0; 43.0] n = 120<"));
	ck_assert_ptr_null(strstr(s, "25,0"));
	free(s);
}
END_TEST

START_TEST(ci_dots_in_hours)
{
	/* Paired differences in hours: [-1.2, 8.4] -> step 1 needs 11
	 * intervals, 2 needs 6: -2 .. 10. A NaN estimate and an infinite
	 * bound are not printed. */
	static const struct svg_ci_item h[] = {
		{ "all pairs", 1, 3.5, 1, -1.2, 8.4, NULL },
		{ "round 2", 1, NAN, 1, 1, 2, NULL },
		{ "round 3", 1, 1.25, 1, 0.5, INFINITY, NULL },
	};
	struct svg_chart c = { "rt", "Reply time", NULL, "hours (test - control)", NULL, 0, '.',
			       NULL, "k.A." };
	char *s = ci_chart(&c, h, 3, 0);
	assert_clean(s, "rt");
	ck_assert_int_eq(count(s, "class=\"ct-bar\""), 0);
	ck_assert_int_eq(count(s, "class=\"ct-dot\""), 2);
	ck_assert_int_eq(count(s, "class=\"ct-ci\""), 1);
	double x0 = attr_of(s, "<rect class=\"ct-plot\"", 0, "x");
	double W = attr_of(s, "<rect class=\"ct-plot\"", 0, "width");
	ck_near(attr_of(s, "<circle class=\"ct-dot\"", 0, "cx"), x0 + W * 5.5 / 12);
	ck_near(attr_of(s, "<circle class=\"ct-dot\"", 1, "cx"), x0 + W * 3.25 / 12);
	ck_near(attr_of(s, "<line class=\"ct-ci\"", 0, "x1"), x0 + W * 0.8 / 12);
	ck_near(attr_of(s, "<line class=\"ct-ci\"", 0, "x2"), x0 + W * 10.4 / 12);
	ck_near(attr_of(s, "<line class=\"ct-zero\"", 0, "x1"), x0 + W * 2 / 12);
	static const char *const label[] = { "-2", "0", "2", "4", "6", "8", "10" };
	ck_assert_int_eq(count(s, "class=\"ct-tick\""), 7);
	for (int k = 0; k < 7; k++) {
		char *want = xasprintf(">%s</text>", label[k]);
		ck_assert_msg(strstr(s, want) != NULL, "no tick %s", label[k]);
		free(want);
	}
	ck_assert_ptr_nonnull(strstr(s, ">3.5</tspan> [-1.2; 8.4]<"));
	/* 1.25 as the C library (and R's sprintf, and the report's text) round
	 * it: a tie to even. */
	ck_assert_ptr_nonnull(strstr(s, ">1.2</tspan><"));
	ck_assert_ptr_nonnull(strstr(s, ">k.A.</tspan>"));
	/* Without a desc, the title is the text alternative. */
	ck_assert_ptr_nonnull(strstr(s, "<desc id=\"rt-desc\">Reply time</desc>"));
	free(s);
}
END_TEST

START_TEST(empty_charts_say_so)
{
	struct svg_chart c = { "e", "Nothing", "No pairs yet.", "x", NULL, 1, '.', NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	svg_ci_chart(&sb, &c, NULL, 0, 1);
	assert_clean(sb_str(&sb), "e");
	ck_assert_ptr_nonnull(strstr(sb_str(&sb), ">no data</text>"));
	ck_assert_ptr_nonnull(strstr(sb_str(&sb), "class=\"ct-plot\""));
	sb_reset(&sb);
	c.empty_text = "pas de données";
	svg_stacked_chart(&sb, &c, (const char *const[]){ "a", "b" }, 2, NULL, 0);
	assert_clean(sb_str(&sb), "e");
	ck_assert_ptr_nonnull(strstr(sb_str(&sb), ">pas de données</text>"));
	sb_reset(&sb);
	svg_grouped_chart(&sb, &c, (const char *const[]){ "a" }, 1, NULL, 0);
	assert_clean(sb_str(&sb), "e");
	ck_assert_ptr_nonnull(strstr(sb_str(&sb), ">pas de données</text>"));
	sb_free(&sb);
}
END_TEST

/* ---- Stacked ---- */

static const char *const PARTS[] = { "both positive", "only control", "only test", "neither" };

START_TEST(stacked_parts_are_proportional)
{
	static const struct svg_stack_item it[] = {
		{ "Maghrebi", { 30, 10, 50, 10 }, "n = 100" },
		{ "Polish", { 0, 5, 15, 0 }, NULL },
		{ "Turkish", { 0, 0, 0, 0 }, NULL },
	};
	struct svg_chart c = { "st", "Outcomes of the pairs", "Shares.", "share of pairs (%)", NULL,
			       1, ',', NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	svg_stacked_chart(&sb, &c, PARTS, 4, it, 3);
	const char *s = sb_str(&sb);
	assert_clean(s, "st");
	double x0 = attr_of(s, "<rect class=\"ct-plot\"", 0, "x");
	double W = attr_of(s, "<rect class=\"ct-plot\"", 0, "width");
	/* 30, 10, 50, 10 of 100: 0.3 W, 0.1 W, 0.5 W, 0.1 W, end to end from x0. */
	static const double share[] = { 0.3, 0.1, 0.5, 0.1 };
	double x = x0, sum = 0;
	for (int j = 0; j < 4; j++) {
		char *seg = elem(s, "<rect class=\"ct-seg\"", j);
		ck_near(attr(seg, "x"), x);
		ck_near(attr(seg, "width"), share[j] * W);
		ck_assert_int_eq((int)attr(seg, "data-part"), j);
		char *fill = xasprintf("fill=\"url(#st-p%d)\"", j);
		ck_assert_ptr_nonnull(strstr(seg, fill));
		free(fill);
		x = attr(seg, "x") + attr(seg, "width");
		sum += attr(seg, "width");
		free(seg);
	}
	ck_assert_double_eq_tol(sum, W, 1e-9); /* exactly: widths from rounded ends */
	/* Polish: parts 1 and 2 only, a quarter and three quarters. */
	char *seg = elem(s, "<rect class=\"ct-seg\"", 4);
	ck_assert_int_eq((int)attr(seg, "data-part"), 1);
	ck_near(attr(seg, "x"), x0);
	ck_near(attr(seg, "width"), W / 4);
	free(seg);
	seg = elem(s, "<rect class=\"ct-seg\"", 5);
	ck_assert_int_eq((int)attr(seg, "data-part"), 2);
	ck_near(attr(seg, "x"), x0 + W / 4);
	ck_near(attr(seg, "width"), 3 * W / 4);
	free(seg);
	ck_assert_int_eq(count(s, "class=\"ct-seg\""), 6);
	/* Turkish: no pairs, n/a. */
	ck_assert_ptr_nonnull(strstr(s, ">n/a</text>"));
	/* Shares printed inside (30 % is wide enough), the axis 0 .. 100 by 20. */
	ck_assert_ptr_nonnull(strstr(s, ">30</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">75</text>"));
	ck_assert_int_eq(count(s, "class=\"ct-tick\""), 6);
	ck_assert_ptr_nonnull(strstr(s, ">100</text>"));
	/* Four patterns, prefixed, and a legend naming the parts. */
	for (int j = 0; j < 4; j++) {
		char *p = xasprintf("<pattern id=\"st-p%d\"", j);
		ck_assert_ptr_nonnull(strstr(s, p));
		free(p);
		p = xasprintf(">%s</text>", PARTS[j]);
		ck_assert_ptr_nonnull(strstr(s, p));
		free(p);
	}
	ck_assert_ptr_null(strstr(s, "st-p4"));
	ck_assert_ptr_nonnull(strstr(s, ">n = 100</text>"));
	sb_free(&sb);
}
END_TEST

/* ---- Grouped ---- */

START_TEST(grouped_bars_per_series)
{
	static const struct svg_group_item it[] = {
		{ "any reply", { 0.62, 0.41 }, { 1, 1 } },
		{ "positive reply", { 0.45, 0.225 }, { 1, 1 } },
		{ "invitation", { 0.2, 0 }, { 1, 0 } },
	};
	struct svg_chart c = { "fun", "Funnel", "Replies by stage.", "share of messages (%)",
			       "stage", 1, ',', NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	svg_grouped_chart(&sb, &c, (const char *const[]){ "Jan (control)", "Mohamed (test)" }, 2, it,
			  3);
	const char *s = sb_str(&sb);
	assert_clean(s, "fun");
	/* [0, 0.62]: steps 0.01, 0.02, 0.05 need 62, 31, 13 intervals; 0.1
	 * needs 7: 0 .. 0.7. */
	double x0 = attr_of(s, "<rect class=\"ct-plot\"", 0, "x");
	double W = attr_of(s, "<rect class=\"ct-plot\"", 0, "width");
	ck_assert_double_eq_tol(attr_of(s, "<rect class=\"ct-plot\"", 0, "data-max"), 0.7, 1e-12);
	ck_assert_int_eq(count(s, "class=\"ct-tick\""), 8);
	ck_assert_int_eq(count(s, "class=\"ct-bar\""), 5);
	static const double v[] = { 0.62, 0.41, 0.45, 0.225, 0.2 };
	static const int series[] = { 0, 1, 0, 1, 0 };
	for (int k = 0; k < 5; k++) {
		char *bar = elem(s, "<rect class=\"ct-bar\"", k);
		ck_assert_int_eq((int)attr(bar, "data-series"), series[k]);
		ck_assert_double_eq_tol(attr(bar, "data-v"), v[k], 1e-12);
		ck_near(attr(bar, "x"), x0);
		ck_near(attr(bar, "width"), W * v[k] / 0.7);
		char *fill = xasprintf("fill=\"url(#fun-p%d)\"", series[k]);
		ck_assert_ptr_nonnull(strstr(bar, fill));
		free(fill);
		free(bar);
	}
	/* The series' bars of a category one under the other. */
	ck_assert(attr_of(s, "<rect class=\"ct-bar\"", 1, "y") >
		  attr_of(s, "<rect class=\"ct-bar\"", 0, "y") + attr_of(s, "<rect class=\"ct-bar\"", 0, "height") - 0.01);
	ck_assert_ptr_nonnull(strstr(s, ">62,0</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">22,5</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">n/a</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">Mohamed (test)</text>"));
	ck_assert_ptr_nonnull(strstr(s, ">stage</text>"));
	sb_free(&sb);
}
END_TEST

/* ---- Text ---- */

START_TEST(caller_text_is_made_safe)
{
	/* Invalid UTF-8, a control character, a non-character, markup in the
	 * id; the output must still parse. */
	static const struct svg_ci_item it[] = {
		{ "bad \xff\xfe byte", 1, 0.1, 0, 0, 0, "a\x01" "b" },
		{ "over\xc3", 1, 0.2, 0, 0, 0, "\xef\xbf\xbe" },
		{ "]]><x a='1'>", 1, 0.2, 0, 0, 0, "&amp;" },
	};
	struct svg_chart c = { "a\"b <c>", "T <&> \"q\"", "D \xc0\xaf", "x & y", "y < z", 1, '.',
			       NULL, NULL };
	char *s = ci_chart(&c, it, 3, 1);
	assert_clean(s, "a_b__c_");
	ck_assert_ptr_nonnull(strstr(s, "bad \xef\xbf\xbd\xef\xbf\xbd byte"));
	ck_assert_ptr_nonnull(strstr(s, "a\xef\xbf\xbd" "b"));
	ck_assert_ptr_nonnull(strstr(s, "over\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(strstr(s, "&amp;amp;"));
	ck_assert_ptr_nonnull(strstr(s, "T &lt;&amp;&gt; &quot;q&quot;"));
	ck_assert_ptr_null(strstr(s, "<x"));
	free(s);
}
END_TEST

START_TEST(long_labels_are_cut_and_kept_whole_in_the_title)
{
	const char *lng = "Applicants with an Arabic-sounding name who also mention a "
			  "permanent contract and a reference from a previous landlord";
	const struct svg_ci_item it[] = { { lng, 1, 0.1, 1, 0.0, 0.2, NULL } };
	struct svg_chart c = { "l", "L", "D", "x", NULL, 1, '.', NULL, NULL };
	char *s = ci_chart(&c, it, 1, 1);
	assert_clean(s, "l");
	/* The full label in the row's title; on the chart at most two lines,
	 * the second ending in an ellipsis, all left of the plot. */
	char *t = xasprintf("<title>%s: 10.0", lng);
	ck_assert_ptr_nonnull(strstr(s, t));
	free(t);
	const char *lab = strstr(s, "<text class=\"ct-label\"");
	ck_assert_ptr_nonnull(lab);
	const char *end = strstr(lab, "</text>");
	char *label = xstrndup(lab, (size_t)(end - lab));
	ck_assert_int_eq(count(label, "<tspan"), 2);
	ck_assert_ptr_nonnull(strstr(label, "\xe2\x80\xa6</tspan>"));
	ck_assert_ptr_nonnull(strstr(label, "text-anchor=\"end\""));
	double x0 = attr_of(s, "<rect class=\"ct-plot\"", 0, "x");
	ck_assert(attr_of(label, "<tspan", 0, "x") < x0);
	ck_assert(x0 <= 8 + 170 + 10 + 0.01);
	free(label);
	free(s);
}
END_TEST

START_TEST(output_is_deterministic_and_ids_do_not_clash)
{
	struct svg_chart a = { "one", "A", "A", "x", NULL, 1, '.', NULL, NULL };
	struct svg_chart b = { "two", "B", "B", "x", NULL, 1, '.', NULL, NULL };
	struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
	static const struct svg_stack_item it[] = { { "g", { 1, 2, 3 }, NULL } };
	for (int i = 0; i < 2; i++) {
		struct strbuf *sb = i ? &s2 : &s1;
		svg_stacked_chart(sb, &a, PARTS, 3, it, 1);
		svg_stacked_chart(sb, &b, PARTS, 3, it, 1);
		svg_ci_chart(sb, &b, NET, 3, 0);
	}
	ck_assert_str_eq(sb_str(&s1), sb_str(&s2));
	/* The patterns of the two stacked charts are their own. */
	ck_assert_int_eq(count(sb_str(&s1), "id=\"one-p0\""), 1);
	ck_assert_int_eq(count(sb_str(&s1), "id=\"two-p0\""), 1);
	ck_assert_int_eq(count(sb_str(&s1), "url(#one-p"), 3 + 3); /* legend and bars */
	sb_free(&s1);
	sb_free(&s2);
}
END_TEST

/* ---- The demo page ---- */

START_TEST(demo_page)
{
	const char *dir = getenv("SVG_DEMO_DIR");
	char *tmp = dir ? NULL : tmpdir_new("ct-svg");
	char *path = xasprintf("%s/charts.html", dir ? dir : tmp);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<title>corrtest charts</title></head>\n"
		     "<body style=\"max-width:170mm;margin:10mm auto;font-family:sans-serif\">\n");
	static const struct svg_ci_item net[] = {
		{ "Maghrebi", 1, 0.25, 1, 0.12, 0.38, "n = 120" },
		{ "Sub-Saharan African", 1, 0.18, 1, 0.04, 0.31, "n = 96" },
		{ "Polish", 1, -0.02, 1, -0.08, 0.05, "n = 110" },
		{ "Turkish, with a reference from a previous landlord and a permanent contract", 1, 0.07,
		  1, -0.03, 0.17, "n = 64" },
		{ "Roma", 0, 0, 0, 0, 0, "n = 0" },
	};
	struct svg_chart c1 = { "chart-net", "Net discrimination by origin",
				"Net discrimination rate per origin group with 95% intervals: Maghrebi "
				"25%, Sub-Saharan African 18%, Polish -2%, Turkish 7%; no pairs for Roma.",
				"net discrimination rate (%)", "origin group", 1, '.', NULL, NULL };
	svg_ci_chart(&sb, &c1, net, 5, 1);
	static const struct svg_ci_item diff[] = {
		{ "round 2 - round 1", 1, 0.041, 1, -0.06, 0.14, NULL },
		{ "Gent - Antwerpen", 1, -0.083, 1, -0.19, 0.02, NULL },
		{ "agency - private", 1, 0.12, 1, 0.03, 0.21, NULL },
	};
	struct svg_chart c2 = { "chart-diff", "Differences between strata",
				"Differences in net discrimination between strata, with 95% intervals.",
				"difference in net rate (percentage points)", NULL, 1, ',', NULL, NULL };
	svg_ci_chart(&sb, &c2, diff, 3, 0);
	static const struct svg_stack_item st[] = {
		{ "Maghrebi", { 40, 12, 3, 65 }, "n = 120" },
		{ "Sub-Saharan African", { 35, 10, 4, 47 }, "n = 96" },
		{ "Polish", { 44, 5, 7, 54 }, "n = 110" },
	};
	struct svg_chart c3 = { "chart-outcomes", "Outcomes of the pairs",
				"For each group, the share of pairs where both, only the control, only "
				"the test candidate or neither received a positive reply.",
				"share of pairs (%)", "origin group", 1, '.', NULL, NULL };
	svg_stacked_chart(&sb, &c3, PARTS, 4, st, 3);
	static const struct svg_group_item fun[] = {
		{ "any reply", { 0.62, 0.48 }, { 1, 1 } },
		{ "positive reply", { 0.45, 0.29 }, { 1, 1 } },
		{ "invitation to a viewing", { 0.21, 0.11 }, { 1, 1 } },
	};
	struct svg_chart c4 = { "chart-funnel", "From reply to invitation",
				"Share of messages reaching each stage: any reply 62% for Jan and 48% "
				"for Mohamed; invitation 21% and 11%.",
				"share of messages (%)", NULL, 1, '.', NULL, NULL };
	svg_grouped_chart(&sb, &c4, (const char *const[]){ "Jan (control)", "Mohamed (test)" }, 2,
			  fun, 3);
	static const struct svg_group_item six[] = {
		{ "within 24 h", { 0.31, 0.22, 0.18, 0.27, -0.05, 0.12 }, { 1, 1, 1, 1, 1, 1 } },
		{ "within 72 h", { 0.44, 0.35, 0.3, 0.41, 0.02, 0.2 }, { 1, 1, 1, 0, 1, 1 } },
	};
	static const char *const six_series[] = { "Jan", "Mohamed", "Kwame", "Agnieszka", "difference",
						  "Fatima (test, second round)" };
	struct svg_chart c6 = { "chart-six", "Replies within a time", "Six series, one negative.",
				"share of messages (%)", "time", 1, ',', NULL, NULL };
	svg_grouped_chart(&sb, &c6, six_series, 6, six, 2);
	static const struct svg_stack_item st6[] = {
		{ "all", { 10, 20, 30, 25, 10, 5 }, NULL },
	};
	svg_stacked_chart(&sb, &(struct svg_chart){ "chart-st6", "Six parts", NULL, "share (%)", NULL,
						     1, '.', NULL, NULL },
			  six_series, 6, st6, 1);
	struct svg_chart c5 = { "chart-empty", "Reply times", "No replies yet.", "hours", NULL, 0, '.',
				NULL, NULL };
	svg_ci_chart(&sb, &c5, NULL, 0, 0);
	sb_adds(&sb, "</body></html>\n");
	/* Seven charts on the page, each well-formed XML on its own, the
	 * empty one saying so. */
	int charts = 0;
	for (const char *p = strstr(sb_str(&sb), "<svg"); p; p = strstr(p + 1, "<svg")) {
		const char *end = strstr(p, "</svg>");
		ck_assert_ptr_nonnull(end);
		char *one = xstrndup(p, (size_t)(end + 6 - p));
		assert_well_formed(one);
		free(one);
		charts++;
	}
	ck_assert_int_eq(charts, 7);
	ck_assert_ptr_nonnull(strstr(sb_str(&sb), ">no data<"));
	struct ct_err err = { 0 };
	ck_assert_int_eq(file_write_atomic(path, sb.buf, sb.len, 0644, &err), CT_OK);
	sb_free(&sb);
	free(path);
	free(tmp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("svg");
	TCase *tc = tcase_create("svg");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, axis_ticks_are_round_and_cover_zero_and_the_data);
	tcase_add_test(tc, ci_bars_from_zero_to_the_estimate);
	tcase_add_test(tc, ci_dots_in_hours);
	tcase_add_test(tc, empty_charts_say_so);
	tcase_add_test(tc, stacked_parts_are_proportional);
	tcase_add_test(tc, grouped_bars_per_series);
	tcase_add_test(tc, caller_text_is_made_safe);
	tcase_add_test(tc, long_labels_are_cut_and_kept_whole_in_the_title);
	tcase_add_test(tc, output_is_deterministic_and_ids_do_not_clash);
	tcase_add_test(tc, demo_page);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
