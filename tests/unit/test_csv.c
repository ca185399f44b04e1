/* test_csv.c: the RFC 4180 reader. Every expected line and column below is
 * counted by hand from the input string (columns in characters, 1-based). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "base/util.h"
#include "tmpdir.h"

static struct csv *c;
static struct csv_pos where;
static struct ct_err err;

static int parse_n(const char *text, size_t len)
{
	csv_free(c);
	c = NULL;
	memset(&err, 0, sizeof(err));
	return csv_parse("t.csv", text, len, &c, &where, &err);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* Asserts a syntax error at line:col of the record starting on rec_line,
 * with the message beginning "t.csv:LINE:COL: " and containing what. */
static void expect_error(const char *text, size_t len, int line, int col, int rec_line,
			 const char *what)
{
	ck_assert_int_eq(parse_n(text, len), CT_EINPUT);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(where.line, line);
	ck_assert_int_eq(where.col, col);
	ck_assert_int_eq(where.rec_line, rec_line);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "t.csv:%d:%d: ", line, col);
	ck_assert_msg(!strncmp(err.msg, prefix, strlen(prefix)), "message '%s' lacks '%s'", err.msg,
		      prefix);
	ck_assert_msg(strstr(err.msg, what) != NULL, "message '%s' lacks '%s'", err.msg, what);
}

START_TEST(plain_records)
{
	ck_assert_int_eq(parse("a,b,c\n1,2,3\nx,,z\n"), CT_OK);
	ck_assert_int_eq(c->ncols, 3);
	ck_assert_int_eq(c->nrec, 2);
	ck_assert_str_eq(c->rec[0].field[2], "3");
	ck_assert_int_eq(c->rec[0].start_line, 2);
	ck_assert_str_eq(c->rec[1].field[1], "");
	ck_assert_int_eq(c->rec[1].start_line, 3);
	ck_assert_int_eq(c->rec[1].col[2], 4); /* "x,,z": z is the 4th character */
}
END_TEST

START_TEST(quoted_commas_newlines_and_escapes)
{
	ck_assert_int_eq(parse("ref,name\n"
			       "A,\"Peeters, Jan\"\n"
			       "B,\"two\nlines\"\n"
			       "C,\"say \"\"hi\"\"\"\n"
			       "D,\"\"\n"),
			 CT_OK);
	ck_assert_int_eq(c->nrec, 4);
	ck_assert_str_eq(c->rec[0].field[1], "Peeters, Jan");
	ck_assert_str_eq(c->rec[1].field[1], "two\nlines");
	ck_assert_int_eq(c->rec[1].start_line, 3);
	/* B's record spans lines 3 and 4, so C starts on line 5. */
	ck_assert_str_eq(c->rec[2].field[1], "say \"hi\"");
	ck_assert_int_eq(c->rec[2].start_line, 5);
	ck_assert_str_eq(c->rec[3].field[1], "");
	ck_assert_int_eq(c->rec[3].start_line, 6);
}
END_TEST

START_TEST(crlf_bom_blank_lines)
{
	ck_assert_int_eq(parse("a,b\r\n1,2\r\n3,4"), CT_OK); /* no final line break */
	ck_assert_int_eq(c->nrec, 2);
	ck_assert_str_eq(c->rec[0].field[1], "2");
	ck_assert_str_eq(c->rec[1].field[1], "4");
	ck_assert_int_eq(c->rec[1].start_line, 3);

	/* A quoted CRLF is data, kept as it is. */
	ck_assert_int_eq(parse("a\r\n\"x\r\ny\"\r\n"), CT_OK);
	ck_assert_str_eq(c->rec[0].field[0], "x\r\ny");

	/* The byte-order mark is not part of the first name. */
	ck_assert_int_eq(parse("\xEF\xBB\xBFref, Agent_Type \nA,agency\n"), CT_OK);
	ck_assert_str_eq(c->head[0], "ref");
	ck_assert_int_eq(csv_col(c, "REF"), 0);
	ck_assert_int_eq(csv_col(c, " agent_type"), 1);
	ck_assert_int_eq(csv_col(c, "price"), -1);

	ck_assert_int_eq(parse("a\n\n1\n\n\n2\n\n"), CT_OK);
	ck_assert_int_eq(c->nrec, 2);
	ck_assert_int_eq(c->rec[0].start_line, 3);
	ck_assert_int_eq(c->rec[1].start_line, 6);

	ck_assert_int_eq(parse("a,b\n"), CT_OK); /* a header alone is a valid file */
	ck_assert_int_eq(c->nrec, 0);
}
END_TEST

START_TEST(utf8_fields)
{
	ck_assert_int_eq(parse("name,x\nGülşen Öztürk,\"Liège\"\n"), CT_OK);
	ck_assert_str_eq(c->rec[0].field[0], "Gülşen Öztürk");
	/* "Gülşen Öztürk," is 14 characters (20 bytes): the quote is the 15th. */
	ck_assert_int_eq(c->rec[0].col[1], 15);
}
END_TEST

START_TEST(syntax_errors_with_positions)
{
	/* Line 2 is 1,"abc: the quote opens at column 3; the file ends inside it. */
	expect_error("a,b\n1,\"abc\n2,3\n", 15, 2, 3, 2, "column b: unterminated quoted field");
	/* The record of line 2 holds "x\ny" (lines 2-3), then a quote opens on
	 * line 3, column 4, and is never closed. */
	const char *t = "a,b\n\"x\ny\",\"open\n";
	expect_error(t, strlen(t), 3, 4, 2, "unterminated");
	ck_assert(strstr(err.msg, "record starting on line 2") != NULL);
	/* 12,ab"c: the quote is the 6th character. */
	t = "a,b\n12,ab\"c\n";
	expect_error(t, strlen(t), 2, 6, 2, "column b: a quote inside an unquoted field");
	/* "x"y: y is the 4th character. */
	t = "a,b\n\"x\"y,2\n";
	expect_error(t, strlen(t), 2, 4, 2, "column a: characters after the closing quote");
	/* 1,2 ends at column 4, where column c should have begun. */
	t = "a,b,c\n1,2\n";
	expect_error(t, strlen(t), 2, 4, 2, "column c is missing");
	t = "a,b,c\n1,2";
	expect_error(t, strlen(t), 2, 4, 2, "2 fields where the header has 3");
	/* 1,2,3: the extra third field starts at column 5. */
	t = "a,b\n1,2,3\n";
	expect_error(t, strlen(t), 2, 5, 2, "an extra field after column b");
	/* A record whose first field spans lines 2-3 lacks its second field:
	 * the record ends on line 3 after "y", at column 3. */
	t = "a,b\n\"x\ny\"\n";
	expect_error(t, strlen(t), 3, 3, 2, "column b is missing");
	/* x,é\xff: é is the 3rd character, the bad byte the 4th. */
	t = "a,b\nx,\xC3\xA9\xFF\n";
	expect_error(t, strlen(t), 2, 4, 2, "column b: invalid UTF-8 (byte 0xFF");
	/* A truncated sequence at the very end of the file. */
	t = "a\nx\xC3";
	expect_error(t, strlen(t), 2, 2, 2, "invalid UTF-8 (byte 0xC3");
	/* Inside a quoted field on its second line. */
	t = "a\n\"ok\nb\xC0\xAF\"\n";
	expect_error(t, strlen(t), 3, 2, 2, "invalid UTF-8 (byte 0xC0");
	t = "a\xFF\n";
	expect_error(t, strlen(t), 1, 2, 1, "header: invalid UTF-8");
	/* 1,2<NUL>: the NUL is the 4th character. */
	expect_error("a,b\n1,2\0\n", 9, 2, 4, 2, "a NUL byte");
	t = "a\n1\r2\n";
	expect_error(t, strlen(t), 2, 2, 2, "a carriage return that does not end a line");
}
END_TEST

START_TEST(header_errors)
{
	ck_assert_int_eq(parse(""), CT_EINPUT);
	ck_assert(strstr(err.msg, "a header row is required") != NULL);
	ck_assert_int_eq(parse("\xEF\xBB\xBF\n\n"), CT_EINPUT);
	/* "ref, REF": the second name starts at column 5 (its space). */
	expect_error("ref, REF\n", 9, 1, 5, 1, "column 'REF' appears twice in the header");
	expect_error("a,,b\n", 5, 1, 3, 1, "header column 2 has no name");

	static const char *const known[] = { "ref", "agent_type", "price", NULL };
	static const char *const required[] = { "ref", "agent_type", NULL };
	ck_assert_int_eq(parse("Ref,prcie,agent_type\n"), CT_OK);
	ck_assert_int_eq(csv_check_columns(c, known, required, 0, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.csv:1: column 2 of the header, 'prcie', is not a known") !=
			      NULL,
		      "%s", err.msg);
	ck_assert_int_eq(csv_check_columns(c, known, required, 1, &err), CT_OK);
	ck_assert_int_eq(parse("ref,price\n"), CT_OK);
	ck_assert_int_eq(csv_check_columns(c, known, required, 0, &err), CT_EINPUT);
	ck_assert_str_eq(err.msg, "t.csv:1: column agent_type is required but the header lacks it");
}
END_TEST

/* Excel in Belgian and French locales saves "CSV" with semicolons (and
 * decimal commas); "Text (tab-delimited)" uses tabs. The delimiter is
 * guessed from the header: the one kind of separator outside quotes. (Until
 * issue 9 such a file was refused with a hint; it is now read.) */
START_TEST(semicolon_and_tab_separated)
{
	static const char *const known[] = { "ref", "agent_type", NULL };
	ck_assert_int_eq(parse("ref;agent_type\nA;agency\n"), CT_OK);
	ck_assert_int_eq(c->ncols, 2);
	ck_assert_str_eq(c->head[1], "agent_type");
	ck_assert_str_eq(c->rec[0].field[1], "agency");
	ck_assert_int_eq(csv_check_columns(c, known, known, 0, &err), CT_OK);
	ck_assert_int_eq(parse("ref\tagent_type\nA\t\"x;y,z\"\n"), CT_OK);
	ck_assert_int_eq(c->ncols, 2);
	ck_assert_str_eq(c->rec[0].field[1], "x;y,z");
	/* A separator inside quotes does not count: this header is comma-separated. */
	ck_assert_int_eq(parse("\"a;b\",c\n1,2\n"), CT_OK);
	ck_assert_int_eq(c->ncols, 2);
	ck_assert_str_eq(c->head[0], "a;b");
	/* No separator in the header: one column, read with commas. */
	static const char *const one[] = { "ref", NULL };
	ck_assert_int_eq(parse("ref\nA;B\n"), CT_OK);
	ck_assert_int_eq(c->ncols, 1);
	ck_assert_str_eq(c->rec[0].field[0], "A;B");
	ck_assert_int_eq(csv_check_columns(c, one, one, 0, &err), CT_OK);
	/* Two kinds of separator: refused, the message naming both. */
	ck_assert_int_eq(parse("ref,url;agent_type\n"), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.csv:1: the header has commas and semicolons outside "
				      "quotes, so the separator is ambiguous") == err.msg,
		      "%s", err.msg);
	/* The delimiter given: a semicolon file read with commas is one column,
	 * and the message says what went wrong and how to fix it. */
	struct csv_reader r;
	const char *t = "ref;agent_type\nA;agency\n";
	ck_assert_int_eq(csv_reader_open_as(&r, "t.csv", t, strlen(t), ',', &err), CT_OK);
	ck_assert_int_eq(r.ncols, 1);
	ck_assert_int_eq(r.delim_guessed, 0);
	ck_assert_int_eq(csv_reader_check_columns(&r, known, known, 1, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.csv:1: the file looks semicolon-separated") == err.msg,
		      "%s", err.msg);
	ck_assert(strstr(err.msg, "--delimiter ';'") != NULL);
	ck_assert_str_eq(csv_dialect(&r), "comma-separated");
	csv_reader_close(&r);
	t = "ref\tagent_type\nA\tagency\n";
	ck_assert_int_eq(csv_reader_open_as(&r, "t.csv", t, strlen(t), 0, &err), CT_OK);
	ck_assert_int_eq(r.delim, '\t');
	ck_assert_int_eq(r.delim_guessed, 1);
	ck_assert_str_eq(csv_dialect(&r), "tab-separated, decimal comma");
	csv_reader_close(&r);
}
END_TEST

/* Decimal commas: only in a file whose delimiter is not a comma, and only
 * a plain number with one or two decimals (1,250 could be a thousand). */
START_TEST(decimal_comma)
{
	struct csv_reader r;
	char buf[32];
	const char *t = "ref;price\n";
	ck_assert_int_eq(csv_reader_open(&r, "t.csv", t, strlen(t), &err), CT_OK);
	ck_assert_int_eq(csv_decimal_comma(&r), 1);
	ck_assert_str_eq(csv_dialect(&r), "semicolon-separated, decimal comma");
	ck_assert_str_eq(csv_number(&r, "1250,50", buf, sizeof(buf)), "1250.50");
	ck_assert_str_eq(csv_number(&r, "995,5", buf, sizeof(buf)), "995.5");
	ck_assert_str_eq(csv_number(&r, "800", buf, sizeof(buf)), "800");
	ck_assert_str_eq(csv_number(&r, "800.25", buf, sizeof(buf)), "800.25");
	ck_assert_str_eq(csv_number(&r, "1,250", buf, sizeof(buf)), "1,250");
	/* Thousands points, as a Belgian Excel groups them, are dropped. */
	ck_assert_str_eq(csv_number(&r, "1.250,50", buf, sizeof(buf)), "1250.50");
	ck_assert_str_eq(csv_number(&r, "1.250", buf, sizeof(buf)), "1250");
	ck_assert_str_eq(csv_number(&r, "12.500.000", buf, sizeof(buf)), "12500000");
	ck_assert_str_eq(csv_number(&r, "1.25", buf, sizeof(buf)), "1.25");
	ck_assert_str_eq(csv_number(&r, "1234.567", buf, sizeof(buf)), "1234.567");
	ck_assert_str_eq(csv_number(&r, "1.2500", buf, sizeof(buf)), "1.2500");
	ck_assert_str_eq(csv_number(&r, "12,5x", buf, sizeof(buf)), "12,5x");
	ck_assert_ptr_null(csv_number(&r, NULL, buf, sizeof(buf)));
	csv_reader_close(&r);
	t = "ref,price\n";
	ck_assert_int_eq(csv_reader_open(&r, "t.csv", t, strlen(t), &err), CT_OK);
	ck_assert_int_eq(csv_decimal_comma(&r), 0);
	ck_assert_str_eq(csv_number(&r, "1250,50", buf, sizeof(buf)), "1250,50");
	csv_reader_close(&r);
	ck_assert_int_eq(csv_delim_parse(";"), ';');
	ck_assert_int_eq(csv_delim_parse("tab"), '\t');
	ck_assert_int_eq(csv_delim_parse("TAB"), '\t');
	ck_assert_int_eq(csv_delim_parse(","), ',');
	ck_assert_int_eq(csv_delim_parse("|"), 0);
}
END_TEST

START_TEST(short_values_for_messages)
{
	char buf[CSV_SHORT], big[5000];
	ck_assert_str_eq(csv_short("abc", buf, sizeof(buf)), "abc");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_uint_eq(strlen(csv_short(big, buf, sizeof(buf))), sizeof(buf) - 1);
	ck_assert(!strcmp(buf + sizeof(buf) - 4, "..."));
	/* Cut on a character boundary: "é" is two bytes and is never split. */
	char acc[200];
	for (int i = 0; i < 90; i++)
		memcpy(acc + 2 * i, "\xC3\xA9", 2);
	acc[180] = 0;
	csv_short(acc, buf, sizeof(buf));
	ck_assert(utf8_check(buf, strlen(buf), NULL));
	ck_assert_uint_le(strlen(buf), sizeof(buf) - 1);
	ck_assert(strstr(buf, "...") != NULL);
}
END_TEST

START_TEST(iterating)
{
	const char *t = "a,b\n1,2\n\"3\n\",4\n";
	struct csv_reader r;
	struct csv_record rec = { 0 };
	int got;
	ck_assert_int_eq(csv_reader_open(&r, "t.csv", t, strlen(t), &err), CT_OK);
	ck_assert_int_eq(r.ncols, 2);
	ck_assert_int_eq(csv_next(&r, &rec, &got, &err), CT_OK);
	ck_assert_int_eq(got, 1);
	ck_assert_int_eq(rec.start_line, 2);
	ck_assert_int_eq(csv_next(&r, &rec, &got, &err), CT_OK);
	ck_assert_int_eq(got, 1);
	ck_assert_str_eq(rec.field[0], "3\n");
	ck_assert_int_eq(rec.line[1], 4); /* the second field starts on line 4 */
	ck_assert_int_eq(csv_next(&r, &rec, &got, &err), CT_OK);
	ck_assert_int_eq(got, 0);
	csv_record_free(&rec);
	csv_reader_close(&r);
}
END_TEST

START_TEST(error_list_in_line_order)
{
	struct csv_errs e;
	csv_errs_init(&e, 3);
	csv_errs_add(&e, "f.csv", 5, "price", "'abc' is not a number");
	csv_errs_add(&e, "f.csv", 2, "ref", "is required");
	csv_errs_add(&e, "f.csv", 5, "round", "'0' must be a whole number from 1 up");
	ck_assert_str_eq(csv_errs_text(&e), "f.csv:2: column ref: is required\n"
					    "f.csv:5: column price: 'abc' is not a number\n"
					    "f.csv:5: column round: '0' must be a whole number from 1 up\n");
	csv_errs_add(&e, "f.csv", 1, NULL, "x");
	csv_errs_add(&e, "f.csv", 9, NULL, "y");
	ck_assert_int_eq(e.n, 5);
	ck_assert_str_eq(csv_errs_text(&e), "f.csv:1: x\n"
					    "f.csv:2: column ref: is required\n"
					    "f.csv:5: column price: 'abc' is not a number\n"
					    "... and 2 more errors (only the first 3 are shown)\n");
	csv_errs_free(&e);
}
END_TEST


/* A file several times the reader's window, read in chunks: fields that
 * cross a chunk boundary (a two-byte "é", a quoted line break, a "" escape,
 * a CRLF) must come out whole, with the line each record starts on. The
 * expected values are the ones written, and the lines are counted while
 * writing. */
START_TEST(streaming_across_chunks)
{
	char *dir = tmpdir_new("ct-csv");
	char *path = xasprintf("%s/big.csv", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("id,text,note\r\n", f);
	enum { N = 20000 };
	static int start[N];
	int line = 2;
	for (int i = 0; i < N; i++) {
		start[i] = line;
		/* Record i: its number, i % 7 + 1 "é", and a quoted note that
		 * holds a quote and, for every third record, a line break. */
		fprintf(f, "%d,", i);
		for (int k = 0; k < i % 7 + 1; k++)
			fputs("\xC3\xA9", f);
		if (i % 3 == 0) {
			fprintf(f, ",\"say \"\"%d\"\"\nok\"\r\n", i);
			line += 2;
		} else {
			fprintf(f, ",\"say \"\"%d\"\"\"\r\n", i);
			line++;
		}
	}
	ck_assert_int_eq(fclose(f), 0);

	struct csv_reader r;
	struct csv_record rec = { 0 };
	int got;
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(csv_reader_open_file(&r, path, &err), CT_OK);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			ck_assert_int_eq(csv_next(&r, &rec, &got, &err), CT_OK);
			ck_assert_int_eq(got, 1);
			char want[64];
			snprintf(want, sizeof(want), "%d", i);
			ck_assert_str_eq(rec.field[0], want);
			ck_assert_uint_eq(strlen(rec.field[1]), 2 * (size_t)(i % 7 + 1));
			snprintf(want, sizeof(want), i % 3 == 0 ? "say \"%d\"\nok" : "say \"%d\"", i);
			ck_assert_str_eq(rec.field[2], want);
			ck_assert_int_eq(rec.start_line, start[i]);
		}
		ck_assert_int_eq(csv_next(&r, &rec, &got, &err), CT_OK);
		ck_assert_int_eq(got, 0);
		/* A second pass reads the same records again. */
		if (pass == 0)
			ck_assert_int_eq(csv_reader_rewind(&r, &err), CT_OK);
	}
	csv_record_free(&rec);
	csv_reader_close(&r);

	/* A file whose header changed between the passes is refused. */
	ck_assert_int_eq(csv_reader_open_file(&r, path, &err), CT_OK);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	fputs("ID", f);
	fclose(f);
	ck_assert_int_eq(csv_reader_rewind(&r, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "changed while it was being read") != NULL);
	csv_reader_close(&r);

	/* Missing files and folders are input errors, named. */
	ck_assert_int_eq(csv_reader_open_file(&r, "/nonexistent/x.csv", &err), CT_EINPUT);
	csv_reader_close(&r);
	ck_assert_int_eq(csv_reader_open_file(&r, dir, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "is a folder, not a CSV file") != NULL);
	csv_reader_close(&r);
	free(path);
	free(dir);
}
END_TEST

/* A file with a bad value on every one of 100,000 rows keeps only the
 * messages it can show, and still says how many there were. */
START_TEST(error_list_is_capped_in_memory)
{
	struct csv_errs e;
	csv_errs_init(&e, 5);
	for (int line = 100001; line >= 2; line--)
		csv_errs_add(&e, "f.csv", line, "price", "bad");
	ck_assert_int_eq(e.n, 100000);
	ck_assert_int_le(e.kept, 2 * 5 + 64);
	ck_assert_str_eq(csv_errs_text(&e), "f.csv:2: column price: bad\n"
					    "f.csv:3: column price: bad\n"
					    "f.csv:4: column price: bad\n"
					    "f.csv:5: column price: bad\n"
					    "f.csv:6: column price: bad\n"
					    "... and 99995 more errors (only the first 5 are shown)\n");
	csv_errs_free(&e);
}
END_TEST

/* Quoted by hand after RFC 4180 and OWASP's "CSV Injection" advice: a cell
 * that starts with =, +, -, @, a tab or a carriage return gets a single
 * quote in front and is quoted; numbers written as numbers stay as they are. */
START_TEST(quoting_and_formulas)
{
	static const char *const cases[][2] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "=1+2", "\"'=1+2\"" },
		{ "+32 9 123 45 67", "\"'+32 9 123 45 67\"" },
		{ "-0.25", "\"'-0.25\"" }, /* as text: a name may be "-0.25" */
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "a=b", "a=b" }, /* only the first character counts */
		{ "'quoted'", "'quoted'" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		csv_quote(&sb, cases[i][0]);
		ck_assert_msg(!strcmp(sb_str(&sb), cases[i][1]), "csv_quote(%s) = %s, wanted %s",
			      cases[i][0], sb_str(&sb), cases[i][1]);
		sb_free(&sb);
	}
	static const char *const numbers[][2] = {
		{ "-0.25", "-0.25" },
		{ "0.7934506856", "0.7934506856" },
		{ "-1.5e-07", "-1.5e-07" },
		{ "+3", "+3" },
		{ "42", "42" },
		/* Not a number: guarded as text. */
		{ "=1+2", "\"'=1+2\"" },
		{ "-1+1", "\"'-1+1\"" },
		{ "-0x10", "\"'-0x10\"" },
		{ "-inf", "\"'-inf\"" },
		{ "-", "\"'-\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
		struct strbuf sb = STRBUF_INIT;
		csv_quote_number(&sb, numbers[i][0]);
		ck_assert_msg(!strcmp(sb_str(&sb), numbers[i][1]),
			      "csv_quote_number(%s) = %s, wanted %s", numbers[i][0], sb_str(&sb),
			      numbers[i][1]);
		sb_free(&sb);
	}
	struct strbuf sb = STRBUF_INIT;
	csv_quote(&sb, NULL);
	csv_quote_number(&sb, NULL);
	ck_assert_uint_eq(sb.len, 0); /* NULL is an empty cell */
	sb_free(&sb);
}
END_TEST

/* "n0,n1,...": a header of n names. */
static char *header(int n, const char *last)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%sn%d", i ? "," : "", i);
	if (last)
		sb_addf(&sb, ",%s", last);
	sb_adds(&sb, "\n");
	return sb_detach(&sb);
}

/* Absurd widths are refused with the file and line, at once: the duplicate
 * check used to compare every pair of names, and a million columns hung.
 * (Check stops a test after a few seconds, so a hang fails here.) */
START_TEST(header_limits)
{
	char *h = header(1000, NULL);
	ck_assert_int_eq(parse(h), CT_OK); /* 1,000 is the limit, not an error */
	ck_assert_int_eq(c->ncols, 1000);
	free(h);
	/* n0..n9 are 20 characters, n10..n99 270, n100..n999 3,600, and 1,000
	 * commas: the 1,001st name starts at column 4,891. */
	h = header(1001, NULL);
	expect_error(h, strlen(h), 1, 4891, 1, "header: more than 1000 columns");
	free(h);
	h = header(1000000, NULL);
	expect_error(h, strlen(h), 1, 4891, 1, "more than 1000 columns");
	free(h);
	/* A duplicate far from its twin is found, in linear time. */
	h = header(999, "N0");
	ck_assert_int_eq(parse(h), CT_EINPUT);
	ck_assert(strstr(err.msg, "column 'N0' appears twice in the header (columns 1 and 1000)"));
	free(h);
	/* A header line over 1 MiB, in a name of 2 MB. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "a,b");
	for (int i = 0; i < 2000000; i++)
		sb_addc(&sb, 'x');
	sb_adds(&sb, "\n1,2\n");
	ck_assert_int_eq(parse(sb_str(&sb)), CT_EINPUT);
	ck_assert_msg(!strncmp(err.msg, "t.csv:1:", 8) && strstr(err.msg, "header: longer than 1 MiB"),
		      "%s", err.msg);
	ck_assert_uint_lt(strlen(err.msg), 200);
	sb_free(&sb);
}
END_TEST

/* The column of a character inside a field, as the file writes it. */
START_TEST(columns_inside_fields)
{
	/* Line 2: a,"x""é<U+2028>": the quote is column 3, x 4, "" 5-6, é 7,
	 * and the separator (byte 4 of the value x"é...) column 8. */
	ck_assert_int_eq(parse("h1,h2\na,\"x\"\"\xC3\xA9\xE2\x80\xA8\"\n"), CT_OK);
	ck_assert_int_eq(csv_field_col(&c->rec[0], 1, 4), 8);
	ck_assert_int_eq(csv_field_col(&c->rec[0], 1, 0), 4);
	/* Bare: "ab" then the third byte is column 3 of the line. */
	ck_assert_int_eq(parse("h\nab\xE2\x80\x8B\n"), CT_OK);
	ck_assert_int_eq(csv_field_col(&c->rec[0], 0, 2), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");
	tcase_add_test(tc, plain_records);
	tcase_add_test(tc, quoted_commas_newlines_and_escapes);
	tcase_add_test(tc, crlf_bom_blank_lines);
	tcase_add_test(tc, utf8_fields);
	tcase_add_test(tc, syntax_errors_with_positions);
	tcase_add_test(tc, header_errors);
	tcase_add_test(tc, semicolon_and_tab_separated);
	tcase_add_test(tc, decimal_comma);
	tcase_add_test(tc, short_values_for_messages);
	tcase_add_test(tc, iterating);
	tcase_add_test(tc, error_list_in_line_order);
	tcase_add_test(tc, streaming_across_chunks);
	tcase_add_test(tc, error_list_is_capped_in_memory);
	tcase_add_test(tc, quoting_and_formulas);
	tcase_add_test(tc, header_limits);
	tcase_add_test(tc, columns_inside_fields);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	csv_free(c);
	return failed ? 1 : 0;
}
