/* test_out.c: the output layer (tools/lib/io/out.c). One small result,
 * described once, rendered as a table, as JSON and as CSV, each compared
 * with the text written out by hand below; numbers that are not finite
 * never print as inf or nan; control characters from data are escaped in
 * the table format and by JSON's rules in JSON; the number formats. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/out.h"
#include "base/util.h"

static const struct out_field F_OUTCOME = { "outcome", "outcome", OUT_TEXT, 0 };
static const struct out_field F_ALPHA = { "alpha", "alpha", OUT_REAL, 0 };
static const struct out_field F_GROUPS = { "groups", NULL, OUT_TEXT, 0 };
static const struct out_field F_GROUP = { "group", "group", OUT_TEXT, OUT_ID };
static const struct out_field F_N = { "n", "pairs", OUT_COUNT, 0 };
static const struct out_field F_NET = { "net", "net %", OUT_FRACTION, 0 };
static const struct out_field F_NET_CI = { "net_ci", NULL, OUT_FRACTION, OUT_ATTACH };
static const struct out_field F_P = { "p", "p", OUT_PVALUE, OUT_PART2 };
static const struct out_field F_NOTES = { "notes", NULL, OUT_TEXT, 0 };
static const struct out_field F_ALL = { "all", NULL, OUT_TEXT, 0 };

/* Renders describe() in one format into a string (caller frees). */
static char *render(enum out_format fmt, void (*describe)(struct out *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	struct out *o = out_new(f, fmt);
	describe(o);
	ck_assert_int_eq(out_free(o), CT_OK);
	fclose(f);
	return buf;
}

/* Two groups and the pooled row; the second group has no pairs, so its
 * measures are missing, with a note; its name carries an escape sequence
 * (ESC [ 3 1 m would turn a terminal red). */
static void small_result(struct out *o)
{
	out_str(o, &F_OUTCOME, "strict");
	out_num(o, &F_ALPHA, 0.05);
	out_table_begin(o, &F_GROUPS);

	out_row_begin(o, NULL);
	out_str(o, &F_GROUP, "Maghrebi");
	out_int(o, &F_N, 10);
	out_num(o, &F_NET, 3.0 / 7.0);
	out_interval(o, &F_NET_CI, &(struct out_interval){ 0.0625, 0.70001, 1, 1 });
	out_num(o, &F_P, 0.0004);
	out_notes(o, &F_NOTES, NULL, 0);
	out_row_end(o);

	out_row_begin(o, NULL);
	out_str(o, &F_GROUP, "Red\x1b[31m");
	out_int(o, &F_N, 0);
	out_missing(o, &F_NET, NULL);
	out_interval(o, &F_NET_CI, &(struct out_interval){ 0, 0, 0, 0 });
	out_missing(o, &F_P, NULL);
	out_notes(o, &F_NOTES, (const char *const[]){ "N = 0: no pairs" }, 1);
	out_row_end(o);

	out_table_end(o);
	/* The pooled row: a member "all" in JSON, the table's last row in the
	 * other formats. An infinite upper bound is missing. */
	out_row_begin(o, &F_ALL);
	out_str(o, &F_GROUP, "all");
	out_int(o, &F_N, 10);
	out_num(o, &F_NET, 0.5);
	out_interval(o, &F_NET_CI, &(struct out_interval){ 0.25, INFINITY, 1, 1 });
	out_num(o, &F_P, 0.5);
	out_notes(o, &F_NOTES, NULL, 0);
	out_row_end(o);
}

START_TEST(small_result_as_json)
{
	char *s = render(OUT_JSON, small_result);
	/* 3/7 with 15 significant digits is 0.428571428571429; 0.70001 and
	 * 0.0004 are written as given; the missing values are null; the
	 * interval with an infinite bound has null there. */
	const char *want = "{\n"
			   "  \"outcome\": \"strict\",\n"
			   "  \"alpha\": 0.05,\n"
			   "  \"groups\": [\n"
			   "    {\n"
			   "      \"group\": \"Maghrebi\",\n"
			   "      \"n\": 10,\n"
			   "      \"net\": 0.428571428571429,\n"
			   "      \"net_ci\": [\n"
			   "        0.0625,\n"
			   "        0.70001\n"
			   "      ],\n"
			   "      \"p\": 0.0004,\n"
			   "      \"notes\": []\n"
			   "    },\n"
			   "    {\n"
			   "      \"group\": \"Red\\u001b[31m\",\n"
			   "      \"n\": 0,\n"
			   "      \"net\": null,\n"
			   "      \"net_ci\": null,\n"
			   "      \"p\": null,\n"
			   "      \"notes\": [\n"
			   "        \"N = 0: no pairs\"\n"
			   "      ]\n"
			   "    }\n"
			   "  ],\n"
			   "  \"all\": {\n"
			   "    \"group\": \"all\",\n"
			   "    \"n\": 10,\n"
			   "    \"net\": 0.5,\n"
			   "    \"net_ci\": [\n"
			   "      0.25,\n"
			   "      null\n"
			   "    ],\n"
			   "    \"p\": 0.5,\n"
			   "    \"notes\": []\n"
			   "  }\n"
			   "}\n";
	ck_assert_str_eq(s, want);
	ck_assert_ptr_null(strstr(s, "inf"));
	ck_assert_ptr_null(strstr(s, "nan"));
	free(s);
}
END_TEST

START_TEST(small_result_as_table)
{
	char *s = render(OUT_TABLE, small_result);
	/* The scalars as a label block; the table in two parts (p is in the
	 * second), the group column in both; percentages with one decimal:
	 * 3/7 = 42.857 -> 42.9, 0.0625 -> 6.3 (halves away from zero),
	 * 0.70001 -> 70.0; p = 0.0004 -> "<0.001"; the escape shown as text;
	 * the note prefixed with its row. Numbers are right-aligned. */
	const char *want = "outcome  strict\n"
			   "alpha    0.05\n"
			   "group        pairs             net %\n"
			   "Maghrebi        10  42.9 [6.3, 70.0]\n"
			   "Red\\x1b[31m      0               n/a\n"
			   "all             10  50.0 [25.0, n/a]\n"
			   "\n"
			   "group             p\n"
			   "Maghrebi     <0.001\n"
			   "Red\\x1b[31m     n/a\n"
			   "all           0.500\n"
			   "Notes:\n"
			   "  Red\\x1b[31m: N = 0: no pairs\n";
	ck_assert_str_eq(s, want);
	ck_assert_ptr_null(strchr(s, '\x1b'));
	free(s);
}
END_TEST

START_TEST(small_result_as_csv)
{
	char *s = render(OUT_CSV, small_result);
	/* The table's rows and the joined row; the interval as net_lo and
	 * net_hi; missing values and the infinite bound empty. */
	const char *want = "group,n,net,net_lo,net_hi,p,notes\n"
			   "Maghrebi,10,0.428571428571429,0.0625,0.70001,0.0004,\n"
			   "Red\x1b[31m,0,,,,,N = 0: no pairs\n"
			   "all,10,0.5,0.25,,0.5,\n";
	ck_assert_str_eq(s, want);
	free(s);
}
END_TEST

/* Nested rows: a child table inside a row adds rows below it; CSV repeats
 * the parent's identifying cell, the table leaves it blank. */
static const struct out_field F_STRATA = { "strata", NULL, OUT_TEXT, 0 };
static const struct out_field F_STRATUM = { "stratum", "stratum", OUT_TEXT, OUT_ID };

static void nested(struct out *o)
{
	out_table_begin(o, &F_GROUPS);
	out_row_begin(o, NULL);
	out_str(o, &F_GROUP, "g1");
	out_int(o, &F_N, 3);
	out_table_begin(o, &F_STRATA);
	out_row_begin(o, NULL);
	out_str(o, &F_STRATUM, "agency");
	out_int(o, &F_N, 2);
	out_row_end(o);
	out_row_begin(o, NULL);
	out_str(o, &F_STRATUM, "private");
	out_int(o, &F_N, 1);
	out_row_end(o);
	out_table_end(o);
	out_row_end(o);
	out_table_end(o);
}

START_TEST(child_rows)
{
	char *s = render(OUT_CSV, nested);
	ck_assert_str_eq(s, "group,n,stratum\n"
			    "g1,3,\n"
			    "g1,2,agency\n"
			    "g1,1,private\n");
	free(s);
	s = render(OUT_TABLE, nested);
	ck_assert_str_eq(s, "group  pairs  stratum\n"
			    "g1         3  \n"
			    "           2  agency\n"
			    "           1  private\n");
	free(s);
	s = render(OUT_JSON, nested);
	ck_assert_ptr_nonnull(strstr(s, "\"strata\": [\n        {\n          \"stratum\": \"agency\",\n"));
	free(s);
}
END_TEST

static void not_finite(struct out *o)
{
	static const struct out_field a = { "a", "a", OUT_REAL, 0 };
	static const struct out_field b = { "b", "b", OUT_FRACTION, 0 };
	static const struct out_field c = { "c", "c", OUT_RATIO, 0 };
	static const struct out_field d = { "d", "d", OUT_RATIO, 0 };
	out_num(o, &a, INFINITY);
	out_num(o, &b, NAN);
	out_interval(o, &c, &(struct out_interval){ -INFINITY, NAN, 1, 1 });
	out_missing(o, &d, "no discordant pairs");
}

START_TEST(never_inf_or_nan)
{
	char *s = render(OUT_JSON, not_finite);
	ck_assert_str_eq(s, "{\n  \"a\": null,\n  \"b\": null,\n  \"c\": null,\n  \"d\": null\n}\n");
	free(s);
	s = render(OUT_TABLE, not_finite);
	ck_assert_str_eq(s, "a  n/a\nb  n/a\nc  [n/a, n/a]\nd  n/a (no discordant pairs)\n");
	free(s);
	s = render(OUT_CSV, not_finite);
	ck_assert_str_eq(s, "a,b,c_lo,c_hi,d\n,,,,\n");
	free(s);
	char buf[32];
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_STAT, INFINITY), "n/a");
	ck_assert_ptr_null(out_fmt_machine(buf, sizeof(buf), NAN));
	ck_assert_ptr_null(out_fmt_machine(buf, sizeof(buf), -INFINITY));
}
END_TEST

START_TEST(number_formats)
{
	char buf[64];
	/* Machine: counts as integers, others with 15 significant digits. */
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), 42.0), "42");
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), -0.0), "0");
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), 0.1 + 0.2), "0.3");
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), 1.0 / 3.0), "0.333333333333333");
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), 1.25e-20), "1.25e-20");
	ck_assert_str_eq(out_fmt_machine(buf, sizeof(buf), 1e15), "1e+15");
	/* Tables: p-values in one format. */
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_PVALUE, 0.000999), "<0.001");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_PVALUE, 0.001), "0.001");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_PVALUE, 0.04951), "0.050");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_PVALUE, 1.0), "1.000");
	/* Percentages: one decimal, halves away from zero, never -0.0. */
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_FRACTION, -0.0004), "0.0");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_FRACTION, -0.0625), "-6.3");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_RATIO, 1.25), "1.250");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_PROB, 0.80004), "0.8000");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_COUNT, 1234567.0), "1234567");
	/* Sums: whole as such, else two decimals. */
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_AMOUNT, 12500.0), "12500");
	ck_assert_str_eq(out_fmt_table(buf, sizeof(buf), OUT_AMOUNT, 995.5), "995.50");
}
END_TEST

START_TEST(terminal_escapes)
{
	struct strbuf sb = STRBUF_INIT;
	/* ESC, BEL, CR, DEL; a C1 control (U+009B, the one-byte CSI); a
	 * right-to-left override; an invalid byte; plain accented letters
	 * and a newline kept where asked. */
	out_escape_terminal(&sb, "a\x1b[2Jb\a\r\x7f|\xc2\x9b|\xe2\x80\xae|\xff|\xc3\xa9\n", 1);
	ck_assert_str_eq(sb_str(&sb), "a\\x1b[2Jb\\x07\\x0d\\x7f|\\u009b|\\u202e|\\xff|\xc3\xa9\n");
	sb_reset(&sb);
	out_escape_terminal(&sb, "x\ny\tz", 0);
	ck_assert_str_eq(sb_str(&sb), "x\\x0ay\\x09z");
	sb_free(&sb);
}
END_TEST

/* A scalar list: a JSON array, one cell elsewhere. A document without a
 * table is one CSV row. */
static void with_list(struct out *o)
{
	static const struct out_field by = { "by", "by", OUT_TEXT, 0 };
	static const struct out_field item = { NULL, NULL, OUT_TEXT, 0 };
	static const struct out_field n = { "n", "n", OUT_COUNT, 0 };
	out_list_begin(o, &by);
	out_str(o, &item, "agent_type");
	out_str(o, &item, "gender");
	out_list_end(o);
	out_int(o, &n, 7);
	out_text(o, "a line for people, with data: %s", "\x1b]0;title\a");
}

START_TEST(lists_and_text)
{
	char *s = render(OUT_JSON, with_list);
	ck_assert_str_eq(s, "{\n  \"by\": [\n    \"agent_type\",\n    \"gender\"\n  ],\n  \"n\": 7\n}\n");
	free(s);
	s = render(OUT_TABLE, with_list);
	ck_assert_str_eq(s, "by  agent_type, gender\nn   7\n"
			    "a line for people, with data: \\x1b]0;title\\x07\n");
	free(s);
	s = render(OUT_CSV, with_list);
	ck_assert_str_eq(s, "by,n\nagent_type;gender,7\n");
	free(s);
}
END_TEST

/* A list document (`names --json`): a top-level table without a key is
 * the JSON document itself, a bare array; a raw JSON value is written as
 * is; the title is for people only. Compact JSON is one line. */
static const struct out_field F_ID = { "id", "bank", OUT_TEXT, OUT_ID };
static const struct out_field F_PROFILE = { "profile", NULL, OUT_TEXT, 0 };
static const struct out_field F_LIST = { NULL, NULL, OUT_TEXT, 0 };

static void bare_list(struct out *o)
{
	out_text(o, "Banks:");
	out_table_begin(o, &F_LIST);
	out_row_begin(o, NULL);
	out_str(o, &F_ID, "polish");
	out_int(o, &F_N, 2);
	out_raw_json(o, &F_PROFILE, "{\"age\":\"31\"}");
	out_row_end(o);
	out_table_end(o);
}

START_TEST(bare_array_and_raw_json)
{
	char *s = render(OUT_JSON, bare_list);
	ck_assert_str_eq(s, "[\n  {\n    \"id\": \"polish\",\n    \"n\": 2,\n"
			    "    \"profile\": {\"age\":\"31\"}\n  }\n]\n");
	free(s);
	s = render(OUT_TABLE, bare_list);
	ck_assert_str_eq(s, "Banks:\nbank    pairs\npolish      2\n");
	free(s);
	s = render(OUT_CSV, bare_list);
	ck_assert_str_eq(s, "id,n,profile\npolish,2,\"{\"\"age\"\":\"\"31\"\"}\"\n");
	free(s);
}
END_TEST

static void compact_summary(struct out *o)
{
	out_json_compact(o);
	out_int(o, &F_N, 4);
	out_str(o, &F_OUTCOME, "a \"quoted\" word");
}

START_TEST(compact_json)
{
	char *s = render(OUT_JSON, compact_summary);
	ck_assert_str_eq(s, "{\"n\":4,\"outcome\":\"a \\\"quoted\\\" word\"}\n");
	free(s);
}
END_TEST

/* The same flat table, kept whole or streamed row by row, renders the
 * same in every format; a scalar after the table follows it in JSON. The
 * table format's text is also written out by hand. */
static const struct out_field F_ROWS = { "rows", "Rows", OUT_TEXT, 0 };
static const struct out_field F_TAIL = { "tail", "tail", OUT_COUNT, 0 };

static void rows_doc(struct out *o, int stream)
{
	out_str(o, &F_OUTCOME, "strict");
	if (stream)
		out_table_stream_begin(o, &F_ROWS);
	else
		out_table_begin(o, &F_ROWS);
	for (int i = 0; i < 3; i++) {
		out_row_begin(o, NULL);
		out_str(o, &F_GROUP, i == 1 ? "=cmd|x\x1b[2J" : i ? "g2" : "g0");
		out_int(o, &F_N, 10 * i);
		out_num(o, &F_NET, i == 2 ? NAN : 0.25 * i);
		out_notes(o, &F_NOTES, (const char *const[]){ "few pairs" }, i == 2);
		out_row_end(o);
	}
	out_table_end(o);
	out_int(o, &F_TAIL, 7);
}

static void rows_whole(struct out *o) { rows_doc(o, 0); }
static void rows_streamed(struct out *o) { rows_doc(o, 1); }

START_TEST(streamed_table_renders_the_same)
{
	const enum out_format fmts[] = { OUT_TABLE, OUT_JSON, OUT_CSV };
	for (int i = 0; i < 3; i++) {
		char *a = render(fmts[i], rows_whole), *b = render(fmts[i], rows_streamed);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}
	char *s = render(OUT_TABLE, rows_streamed);
	ck_assert_str_eq(s, "outcome  strict\n"
			    "Rows\n"
			    "group          pairs  net %\n"
			    "g0                 0    0.0\n"
			    "=cmd|x\\x1b[2J     10   25.0\n"
			    "g2                20    n/a\n"
			    "tail  7\n"
			    "Notes:\n"
			    "  g2: few pairs\n");
	free(s);
	s = render(OUT_CSV, rows_streamed);
	ck_assert_str_eq(s, "group,n,net,notes\n"
			    "g0,0,0,\n"
			    "\"'=cmd|x\x1b[2J\",10,0.25,\n"
			    "g2,20,,few pairs\n");
	free(s);
	s = render(OUT_JSON, rows_streamed);
	ck_assert_ptr_nonnull(strstr(s, "\"group\": \"=cmd|x\\u001b[2J\""));
	ck_assert_ptr_nonnull(strstr(s, "  ],\n  \"tail\": 7\n}\n"));
	free(s);
}
END_TEST

/* Prose keeps its line breaks and tabs; a cell does not. */
static void prose(struct out *o)
{
	out_text(o, "Subject: x\n\tfolded\x1b[2J");
	out_str(o, &F_OUTCOME, "a\tb");
}

START_TEST(prose_keeps_lines_and_tabs)
{
	char *s = render(OUT_TABLE, prose);
	ck_assert_str_eq(s, "Subject: x\n\tfolded\\x1b[2J\noutcome  a\\x09b\n");
	free(s);
}
END_TEST

/* Text in a table is its form for people: compiler-style problem lines,
 * while JSON and CSV get the rows' fields. */
static const struct out_field F_FILE = { "file", NULL, OUT_TEXT, 0 };
static const struct out_field F_LINE = { "line", NULL, OUT_COUNT, 0 };
static const struct out_field F_MSG = { "message", NULL, OUT_TEXT, 0 };
static const struct out_field F_PROBLEMS = { "problems", NULL, OUT_TEXT, 0 };

static void problems(struct out *o)
{
	out_table_begin(o, &F_PROBLEMS);
	out_text(o, "Problems:");
	for (int i = 1; i <= 2; i++) {
		out_row_begin(o, NULL);
		out_str(o, &F_FILE, "a.tsv");
		out_int(o, &F_LINE, i);
		out_str(o, &F_MSG, i == 1 ? "bad\x1b[2J" : "worse");
		out_text(o, "a.tsv:%d: %s", i, i == 1 ? "bad\x1b[2J" : "worse");
		out_row_end(o);
	}
	out_table_end(o);
}

START_TEST(text_rows)
{
	char *s = render(OUT_TABLE, problems);
	ck_assert_str_eq(s, "Problems:\na.tsv:1: bad\\x1b[2J\na.tsv:2: worse\n");
	free(s);
	s = render(OUT_CSV, problems);
	ck_assert_str_eq(s, "file,line,message\na.tsv,1,bad\x1b[2J\na.tsv,2,worse\n");
	free(s);
	s = render(OUT_JSON, problems);
	ck_assert_str_eq(s, "{\n  \"problems\": [\n    {\n      \"file\": \"a.tsv\",\n      \"line\": 1,\n"
			    "      \"message\": \"bad\\u001b[2J\"\n    },\n    {\n      \"file\": \"a.tsv\",\n"
			    "      \"line\": 2,\n      \"message\": \"worse\"\n    }\n  ]\n}\n");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("out");
	TCase *tc = tcase_create("out");
	tcase_add_test(tc, small_result_as_json);
	tcase_add_test(tc, small_result_as_table);
	tcase_add_test(tc, small_result_as_csv);
	tcase_add_test(tc, child_rows);
	tcase_add_test(tc, never_inf_or_nan);
	tcase_add_test(tc, number_formats);
	tcase_add_test(tc, terminal_escapes);
	tcase_add_test(tc, lists_and_text);
	tcase_add_test(tc, bare_array_and_raw_json);
	tcase_add_test(tc, compact_json);
	tcase_add_test(tc, streamed_table_renders_the_same);
	tcase_add_test(tc, prose_keeps_lines_and_tabs);
	tcase_add_test(tc, text_rows);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
