/* test_report.c: report/lang (the three languages have the same words and
 * placeholders; numbers written as each language writes them), report/doc
 * (HTML and Markdown escape what they are given; the data block cannot end
 * its element early) and report/report on a small result built by hand:
 * the headline figures computed by hand, no agent in the public report,
 * the agent annex in the confidential one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/result.h"
#include "report/doc.h"
#include "report/lang.h"
#include "report/report.h"

/* The {n} placeholders of a text, as a bit set. */
static unsigned placeholders(const char *s)
{
	unsigned set = 0;
	for (; *s; s++)
		if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}')
			set |= 1u << (s[1] - '0');
	return set;
}

START_TEST(languages_have_the_same_words)
{
	struct ct_err err = { 0 };
	struct lang *en;
	ck_assert_int_eq(lang_load("en", &en, &err), CT_OK);
	const char **ekeys;
	size_t ne = lang_keys(en, &ekeys);
	ck_assert_uint_gt(ne, 100);
	const char *codes[] = { "nl", "fr" };
	for (int c = 0; c < 2; c++) {
		struct lang *l;
		ck_assert_msg(lang_load(codes[c], &l, &err) == CT_OK, "%s: %s", codes[c], err.msg);
		const char **keys;
		size_t n = lang_keys(l, &keys);
		ck_assert_msg(n == ne, "%s has %zu keys, en %zu", codes[c], n, ne);
		for (size_t i = 0; i < ne; i++) {
			ck_assert_msg(!strcmp(keys[i], ekeys[i]), "%s: key %s, en %s", codes[c], keys[i],
				      ekeys[i]);
			/* Texts with placeholders filled by {1}...: the same set. */
			const char *te = lang_t(en, ekeys[i], NULL);
			const char *tl = lang_t(l, keys[i], NULL);
			ck_assert_msg(placeholders(te) == placeholders(tl), "%s: %s: placeholders differ",
				      codes[c], keys[i]);
		}
		free(keys);
		lang_free(l);
	}
	free(ekeys);
	lang_free(en);
	struct lang *x;
	ck_assert_int_eq(lang_load("de", &x, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nl, fr or en"));
}
END_TEST

START_TEST(numbers_per_language)
{
	struct ct_err err = { 0 };
	struct lang *en, *nl, *fr;
	ck_assert_int_eq(lang_load("en", &en, &err), CT_OK);
	ck_assert_int_eq(lang_load("nl", &nl, &err), CT_OK);
	ck_assert_int_eq(lang_load("fr", &fr, &err), CT_OK);
	ck_assert_str_eq(lang_pct(en, 0.2254), "22.5%");
	ck_assert_str_eq(lang_pct(nl, 0.2254), "22,5%");
	ck_assert_str_eq(lang_pct(fr, 0.2254), "22,5\xe2\x80\xaf%"); /* narrow no-break space */
	/* Never "-0.0": a value that rounds to zero reads 0. */
	ck_assert_str_eq(lang_pct(en, -0.0001), "0.0%");
	ck_assert_str_eq(lang_pct_ci(en, -0.0526, 0.301), "[-5.3, 30.1]");
	ck_assert_str_eq(lang_pct_ci(nl, 0.123, 0.301), "[12,3; 30,1]");
	ck_assert_str_eq(lang_int(en, 1234), "1234");
	ck_assert_str_eq(lang_int(en, 12345), "12,345");
	ck_assert_str_eq(lang_int(nl, 1234567), "1.234.567");
	ck_assert_str_eq(lang_int(fr, 12345), "12\xe2\x80\xaf" "345");
	ck_assert_str_eq(lang_int(en, -42), "-42");
	ck_assert_str_eq(lang_p(en, 0.0004), "<\xc2\xa0" "0.001"); /* no-break space */
	ck_assert_str_eq(lang_p(nl, 0.0426), "0,043");
	ck_assert_str_eq(lang_p_eq(en, 0.0426), "p\xc2\xa0=\xc2\xa0" "0.043");
	ck_assert_str_eq(lang_p_eq(fr, 0.00001), "p\xc2\xa0<\xc2\xa0" "0,001");
	ck_assert_str_eq(lang_num(nl, 2.5, 1), "2,5");
	ck_assert_str_eq(lang_t(en, "no.such.key", NULL), "[no.such.key]");
	ck_assert_str_eq(lang_t(en, "fmt.interval", "1", "2", NULL), "[1, 2]");
	lang_free(en);
	lang_free(nl);
	lang_free(fr);
}
END_TEST

START_TEST(doc_escapes)
{
	struct doc *d = doc_new("A <b> & \"c\"", "en");
	doc_heading(d, 2, "x", "<script>alert(1)</script>");
	doc_para(d, "a | b * c");
	doc_para(d, "1. Immo, see https://immo.example or www.immo.example");
	const char *head[] = { "k|v", "n" };
	const unsigned char num[] = { 0, 1 };
	struct doc_table *t = doc_table(d, "cap", 2, head, num);
	const char *row[] = { "x|y", "1" };
	doc_row(t, row);
	struct strbuf h = STRBUF_INIT, m = STRBUF_INIT;
	doc_html(d, "{\"a\": \"</script><script>x()</script>\"}", &h);
	doc_markdown(d, &m);
	const char *html = sb_str(&h);
	ck_assert_ptr_nonnull(strstr(html, "<title>A &lt;b&gt; &amp; &quot;c&quot;</title>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	/* One script element only: the data block, whose text cannot close it. */
	const char *first = strstr(html, "<script");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "<script"));
	ck_assert_ptr_nonnull(strstr(html, "\\u003c/script>\\u003cscript>x()"));
	ck_assert_ptr_nonnull(strstr(html, "type=\"application/json\""));
	ck_assert_ptr_nonnull(strstr(html, "default-src 'none'"));
	const char *md = sb_str(&m);
	ck_assert_ptr_nonnull(strstr(md, "## \\<script\\>alert\\(1\\)\\</script\\>"));
	ck_assert_ptr_nonnull(strstr(md, "a \\| b \\* c"));
	/* Neither an ordered list nor a link GitHub would make by itself. */
	ck_assert_ptr_nonnull(strstr(md, "\n1\\. Immo, see https\\://immo.example or www\\.immo.example"));
	ck_assert_ptr_nonnull(strstr(md, "| x\\|y | 1 |"));
	ck_assert_ptr_nonnull(strstr(md, "| --- | ---: |"));
	sb_free(&h);
	sb_free(&m);
	doc_free(d);
}
END_TEST

/* A study of one test group: 10 pairs a=3 b=5 c=1 d=1 on listings 1..10,
 * agents "ag-one" (listings 1-3) and "ag-two" (4-5), the rest unkeyed. */
static struct analysis_result *small_result(unsigned parts)
{
	struct pairs_set ps = { 0 };
	ps.ngroups = 1;
	ps.groups = calloc(1, sizeof(*ps.groups));
	ps.groups[0].id = 2;
	ps.groups[0].name = strdup("maghrebi");
	ps.groups[0].label = strdup("Maghrebi");
	ps.groups[0].in_design = 1;
	ps.npairs = 10;
	ps.pairs = calloc(10, sizeof(*ps.pairs));
	/* (control, test) outcomes: 3 x both invited, 5 x control only, 1 x
	 * test only, 1 x neither. */
	static const int co[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 5, 5 };
	static const int to[10] = { 1, 1, 1, 5, 5, 5, 5, 5, 1, 5 };
	for (int i = 0; i < 10; i++) {
		struct pair *p = &ps.pairs[i];
		p->listing = i + 1;
		p->control_app = 2 * i + 1;
		p->test_app = 2 * i + 2;
		p->group = 0;
		p->control_outcome = co[i] == 1 ? PAIRS_INVITATION : PAIRS_NO_REPLY;
		p->test_outcome = to[i] == 1 ? PAIRS_INVITATION : PAIRS_NO_REPLY;
		p->agent_type = "agency";
		p->round = 1;
		p->agent_key = i < 3 ? "ag-one" : i < 5 ? "ag-two" : NULL;
		p->control_hours = p->control_outcome == PAIRS_INVITATION ? 2.0 + i : 1.0 / 0.0;
		p->test_hours = p->test_outcome == PAIRS_INVITATION ? 5.0 + i : 1.0 / 0.0;
	}
	struct analysis_options o = { .def = PAIRS_STRICT, .alpha = 0.05, .parts = parts };
	struct analysis_result *r;
	struct ct_err err = { 0 };
	ck_assert_int_eq(analysis_from_pairs(&ps, &o, &r, &err), CT_OK);
	return r;
}

START_TEST(report_of_a_small_result)
{
	struct analysis_result *r = small_result(ANALYSIS_SPLITS | ANALYSIS_AGENTS);
	/* Hand: a = 3, b = 5, c = 1, d = 1; net ILO (5 - 1)/9 = 44.4%; agents
	 * with >= 2 pairs: ag-one (pairs 1-3: all a, never favoured the
	 * control), ag-two (pairs 4-5: both b, always). */
	ck_assert_int_eq(r->all.overall.r.t.b, 5);
	ck_assert_int_eq((int)r->agent_dist.agents, 2);
	ck_assert_int_eq((int)r->agent_dist.never, 1);
	ck_assert_int_eq((int)r->agent_dist.always, 1);
	ck_assert_int_eq((int)r->agent_dist.sometimes, 0);
	/* b + c = 6 < 10: the small-count warning. */
	ck_assert_int_ge(r->nwarnings, 1);
	ck_assert_int_eq(r->warnings[0].kind, ANALYSIS_WARN_SMALL);
	ck_assert_int_eq(r->warnings[0].discordant, 6);
	/* Times: both replied on pairs 1-3 (test 3 h later each); within 24
	 * h: control 8 of 10, test 4 of 10. */
	ck_assert_int_eq((int)r->groups[0].times.both, 3);
	ck_assert_int_eq(r->groups[0].times.within[0].t.a + r->groups[0].times.within[0].t.b, 8);
	ck_assert_int_eq(r->groups[0].times.within[0].t.a + r->groups[0].times.within[0].t.c, 4);

	struct study_facts f = { 0 };
	f.name = "Test study";
	f.market = "housing";
	f.city = "Gent";
	f.seed = "7";
	f.listings = 10;
	struct report_agent_name names[] = { { "ag-one", "Immo Secret" }, { "ag-two", "Jan Verhuurder" } };
	struct report_input in = { r, &f, NULL, "en", 0, NULL, 0, "2026-12-03T10:00:00Z" };
	struct report_output out;
	struct ct_err err = { 0 };
	ck_assert_int_eq(report_render(&in, &out, &err), CT_OK);
	ck_assert_ptr_nonnull(strstr(out.html, "44.4%"));
	ck_assert_ptr_nonnull(strstr(out.md, "44.4%"));
	ck_assert_ptr_null(strstr(out.html, "ag-one"));
	ck_assert_ptr_null(strstr(out.html, "Immo Secret"));
	ck_assert_ptr_null(strstr(out.md, "ag-two"));
	ck_assert_int_ge(out.charts, 4);
	report_output_free(&out);
	in.confidential = 1;
	in.names = names;
	in.nnames = 2;
	ck_assert_int_eq(report_render(&in, &out, &err), CT_OK);
	ck_assert_ptr_nonnull(strstr(out.html, "Immo Secret"));
	ck_assert_ptr_nonnull(strstr(out.html, "ag-two"));
	ck_assert_ptr_nonnull(strstr(out.md, "Jan Verhuurder"));
	ck_assert_ptr_nonnull(strstr(out.json, "\"confidential\": true"));
	report_output_free(&out);
	analysis_free(r);
}
END_TEST

/* Agents are counted by listing: two test candidates on one listing are
 * one test of its agent. ag-x: listing 1 (two pairs, only the control
 * positive in one) and listing 2 (two pairs, both positive): 2 listings,
 * favoured on 1 = sometimes. ag-y: one listing with two pairs, both only
 * control: one listing, below min_tests = 2, not counted (counted by
 * pairs it would be "always"). The third test group has no valid pair:
 * the no-pairs warning names it. */
START_TEST(agents_by_listing_and_empty_groups)
{
	struct pairs_set ps = { 0 };
	ps.ngroups = 3;
	ps.groups = calloc(3, sizeof(*ps.groups));
	const char *names[] = { "maghrebi", "turkish", "african" };
	for (int g = 0; g < 3; g++) {
		ps.groups[g].id = g + 2;
		ps.groups[g].name = strdup(names[g]);
		ps.groups[g].label = strdup(names[g]);
		ps.groups[g].in_design = 1;
	}
	/* listing, group, control positive, test positive, agent */
	static const struct { int l, g, pc, pt; const char *key; } rows[] = {
		{ 1, 0, 1, 0, "ag-x" }, { 1, 1, 1, 1, "ag-x" }, { 2, 0, 1, 1, "ag-x" },
		{ 2, 1, 1, 1, "ag-x" }, { 3, 0, 1, 0, "ag-y" }, { 3, 1, 1, 0, "ag-y" },
	};
	ps.npairs = ARRAY_SIZE(rows);
	ps.pairs = calloc(ps.npairs, sizeof(*ps.pairs));
	for (size_t i = 0; i < ps.npairs; i++) {
		struct pair *p = &ps.pairs[i];
		p->listing = rows[i].l;
		p->control_app = 100 + rows[i].l;
		p->test_app = (int64_t)i + 1;
		p->group = rows[i].g;
		p->control_outcome = rows[i].pc ? PAIRS_INVITATION : PAIRS_NO_REPLY;
		p->test_outcome = rows[i].pt ? PAIRS_INVITATION : PAIRS_NO_REPLY;
		p->agent_type = "agency";
		p->agent_key = rows[i].key;
		p->control_hours = p->test_hours = 1.0 / 0.0;
	}
	struct analysis_options o = { .def = PAIRS_STRICT, .alpha = 0.05 };
	struct analysis_result *r;
	struct ct_err err = { 0 };
	ck_assert_int_eq(analysis_from_pairs(&ps, &o, &r, &err), CT_OK);
	ck_assert_int_eq((int)r->agent_dist.agents_keyed, 2);
	ck_assert_int_eq((int)r->agent_dist.agents, 1);
	ck_assert_int_eq((int)r->agent_dist.sometimes, 1);
	ck_assert_int_eq((int)r->agent_dist.always, 0);
	int no_pairs = 0;
	for (int k = 0; k < r->nwarnings; k++)
		if (r->warnings[k].kind == ANALYSIS_WARN_NO_PAIRS) {
			ck_assert_int_eq(r->warnings[k].group, 2);
			no_pairs++;
		}
	ck_assert_int_eq(no_pairs, 1);
	analysis_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_add_test(tc, languages_have_the_same_words);
	tcase_add_test(tc, numbers_per_language);
	tcase_add_test(tc, doc_escapes);
	tcase_add_test(tc, report_of_a_small_result);
	tcase_add_test(tc, agents_by_listing_and_empty_groups);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
