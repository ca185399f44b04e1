/* test_names.c: name banks (tools/lib/names.c): parsing good and bad TSV
 * text with the line of each problem, duplicates in a bank and across
 * banks, the minimum counts, which names need header encoding, picking by
 * gender, and e-mail local parts (expectations written by hand from the
 * rule in names.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "design/names.h"
#include "base/util.h"

/* A valid bank "t": comments on lines 1-4, the header on 5, ten female
 * first names on 6-15, ten male ones on 16-25, ten 'any' surnames on 26-35;
 * extra is appended from line 36. Caller frees. */
static char *bank_text(const char *id, const char *extra)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "# bank: %s\n# label: Test\n# signal: why\n# sources: where\n", id);
	sb_adds(&sb, "kind\tgender\tname\tnote\n");
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "first\tfemale\tFem%c%s\tnote\n", 'a' + i, id);
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "first\tmale\tMal%c%s\tnote\n", 'a' + i, id);
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "last\tany\tSur%c%s\tnote\n", 'a' + i, id);
	sb_adds(&sb, extra ? extra : "");
	return sb_detach(&sb);
}

static struct names_bank *parse(const char *id, const char *text, struct names_problems *ps)
{
	return names_parse(id, "t.tsv", text, strlen(text), ps);
}

/* The problem on line (0: whole file) whose message contains what. */
static int has_problem(const struct names_problems *ps, int line, const char *what)
{
	for (int i = 0; i < ps->n; i++)
		if (ps->p[i].line == line && strstr(ps->p[i].msg, what))
			return 1;
	return 0;
}

static void dump(const struct names_problems *ps)
{
	for (int i = 0; i < ps->n; i++) {
		char *t = names_problem_text(&ps->p[i]);
		fprintf(stderr, "  problem: %s\n", t);
		free(t);
	}
}

#define EXPECT_PROBLEM(ps, line, what)                                                   \
	do {                                                                             \
		if (!has_problem(ps, line, what)) {                                      \
			dump(ps);                                                        \
			ck_abort_msg("no problem on line %d with '%s'", line, what);     \
		}                                                                        \
	} while (0)

START_TEST(good_bank)
{
	char *t = bank_text("t", "last\tany\tÖztürk\tTurkish ö and ü\n");
	struct names_problems ps = { 0 };
	struct names_bank *b = parse("t", t, &ps);
	if (ps.n)
		dump(&ps);
	ck_assert_int_eq(ps.n, 0);
	ck_assert_int_eq(b->n, 31);
	ck_assert_str_eq(b->label, "Test");
	ck_assert_str_eq(b->e[0].name, "Femat");
	ck_assert_int_eq(b->e[0].line, 6);
	ck_assert_int_eq(b->e[0].kind, NAMES_FIRST);
	ck_assert_int_eq(b->e[0].gender, NAMES_FEMALE);
	ck_assert_int_eq(b->e[0].needs_encoding, 0);
	ck_assert_str_eq(b->e[30].name, "Öztürk");
	ck_assert_int_eq(b->e[30].line, 36);
	ck_assert_int_eq(b->e[30].needs_encoding, 1);
	names_bank_free(b);
	names_problems_free(&ps);
	free(t);
}
END_TEST

START_TEST(bad_lines_named)
{
	char *t = bank_text("t", "first\tfemale\tAnna\n"                 /* 36: three fields */
				 "first\tfemale\tBea\tnote\textra\n"     /* 37: five */
				 "middle\tfemale\tCora\tnote\n"          /* 38: kind */
				 "first\twoman\tDora\tnote\n"            /* 39: gender */
				 "first\tany\tEva\tnote\n"               /* 40: first any */
				 "last\tany\t\tnote\n"                   /* 41: empty name */
				 "last\tany\t Fink\tnote\n"              /* 42: leading space */
				 "last\tany\tGans \tnote\n"              /* 43: trailing space */
				 "last\tany\tHa\x01ns\tnote\n"           /* 44: control */
				 "last\tany\tIn\xc3\x28s\tnote\n"        /* 45: bad UTF-8 */
				 "last\tany\tJansen\tnote\r\n"           /* 46: CR */
				 "# late comment\n"                      /* 47 */
				 "last\tany\tKe\xcc\x81s\tnote\n");      /* 48: e + combining acute */
	struct names_problems ps = { 0 };
	struct names_bank *b = parse("t", t, &ps);
	EXPECT_PROBLEM(&ps, 36, "3 fields, expected 4");
	EXPECT_PROBLEM(&ps, 37, "5 fields");
	EXPECT_PROBLEM(&ps, 38, "kind 'middle'");
	EXPECT_PROBLEM(&ps, 39, "gender 'woman'");
	EXPECT_PROBLEM(&ps, 40, "must be female or male");
	EXPECT_PROBLEM(&ps, 41, "empty name");
	EXPECT_PROBLEM(&ps, 42, "leading or trailing spaces");
	EXPECT_PROBLEM(&ps, 43, "leading or trailing spaces");
	EXPECT_PROBLEM(&ps, 44, "control character");
	EXPECT_PROBLEM(&ps, 45, "invalid UTF-8");
	EXPECT_PROBLEM(&ps, 46, "CR line ending");
	EXPECT_PROBLEM(&ps, 47, "comment after the header");
	EXPECT_PROBLEM(&ps, 48, "NFC");
	ck_assert_int_eq(ps.n, 13);
	/* Only the clean CR line (46, once the CR is reported) was kept. */
	ck_assert_int_eq(b->n, 31);
	char *p0 = names_problem_text(&ps.p[0]);
	ck_assert_str_eq(p0, "t.tsv:36: 3 fields, expected 4 (kind, gender, name, note) separated by tabs");
	free(p0);
	names_bank_free(b);
	names_problems_free(&ps);
	free(t);
}
END_TEST

START_TEST(header_and_comments)
{
	struct names_problems ps = { 0 };
	/* bank id mismatch, misspelled header, missing label */
	const char *t = "# bank: other\n# signal: s\n# sources: s\nkind\tgender\tname\tnotes\n"
			"first\tfemale\tAnna\tnote\n";
	struct names_bank *b = parse("t", t, &ps);
	EXPECT_PROBLEM(&ps, 1, "does not match the file name");
	EXPECT_PROBLEM(&ps, 4, "expected the header line");
	EXPECT_PROBLEM(&ps, 0, "no '# label:'");
	EXPECT_PROBLEM(&ps, 0, "1 female first names; at least 10");
	EXPECT_PROBLEM(&ps, 0, "0 male first names");
	EXPECT_PROBLEM(&ps, 0, "0 surnames for any gender");
	ck_assert_int_eq(b->n, 1);
	names_bank_free(b);
	names_problems_free(&ps);

	/* A byte-order mark; an empty file has no header. */
	char *t2 = bank_text("t", NULL);
	char *bom = xasprintf("\xef\xbb\xbf%s", t2);
	b = parse("t", bom, &ps);
	EXPECT_PROBLEM(&ps, 1, "byte-order mark");
	ck_assert_int_eq(ps.n, 1);
	names_bank_free(b);
	names_problems_free(&ps);
	b = parse("t", "", &ps);
	EXPECT_PROBLEM(&ps, 0, "no header line");
	EXPECT_PROBLEM(&ps, 0, "no '# bank: t'");
	names_bank_free(b);
	names_problems_free(&ps);
	free(bom);
	free(t2);
}
END_TEST

START_TEST(duplicates_in_bank)
{
	/* Case does not make a different name; lines 36 and 37 repeat 6 and 26. */
	char *t = bank_text("t", "first\tmale\tFEMAT\tnote\nlast\tany\tsurat\tnote\n");
	struct names_problems ps = { 0 };
	struct names_bank *b = parse("t", t, &ps);
	EXPECT_PROBLEM(&ps, 36, "'FEMAT' is already in this bank (line 6)");
	EXPECT_PROBLEM(&ps, 37, "'surat' is already in this bank (line 26)");
	ck_assert_int_eq(ps.n, 2);
	names_bank_free(b);
	names_problems_free(&ps);
	free(t);
}
END_TEST

START_TEST(gendered_surnames_counts)
{
	/* Nine female and ten male gendered surnames besides ten 'any': the
	 * female ones are too few. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 9; i++)
		sb_addf(&sb, "last\tfemale\tKowal%cska\tn\n", 'a' + i);
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "last\tmale\tKowal%cski\tn\n", 'a' + i);
	char *t = bank_text("t", sb_str(&sb));
	struct names_problems ps = { 0 };
	struct names_bank *b = parse("t", t, &ps);
	EXPECT_PROBLEM(&ps, 0, "9 female surnames");
	ck_assert_int_eq(ps.n, 1);

	/* Picking: female first names only; surnames of her gender or any. */
	const struct names_entry **v;
	int n = names_pick(b, NAMES_FIRST, NAMES_FEMALE, &v);
	ck_assert_int_eq(n, 10);
	for (int i = 0; i < n; i++)
		ck_assert(!strncmp(v[i]->name, "Fem", 3));
	free(v);
	n = names_pick(b, NAMES_LAST, NAMES_FEMALE, &v);
	ck_assert_int_eq(n, 19);
	for (int i = 0; i < n; i++)
		ck_assert(!strncmp(v[i]->name, "Sur", 3) || strstr(v[i]->name, "ska"));
	free(v);
	n = names_pick(b, NAMES_LAST, NAMES_MALE, &v);
	ck_assert_int_eq(n, 20);
	free(v);
	names_bank_free(b);
	names_problems_free(&ps);
	sb_free(&sb);
	free(t);
}
END_TEST

START_TEST(across_banks)
{
	char *ta = bank_text("a", "last\tany\tŠtefan\tn\nlast\tany\tDe Smet\tn\n");
	char *tb = bank_text("b", "last\tany\tȘtefan\tn\nlast\tany\tde smet\tn\nlast\tany\tÖz\tn\n");
	struct names_problems ps = { 0 };
	struct names_bank *banks[2];
	banks[0] = names_parse("a", "a.tsv", ta, strlen(ta), &ps);
	banks[1] = names_parse("b", "b.tsv", tb, strlen(tb), &ps);
	ck_assert_int_eq(ps.n, 0);
	names_check_across(banks, 2, &ps);
	ck_assert_int_eq(ps.n, 2);
	ck_assert_str_eq(ps.p[0].file, "b.tsv");
	ck_assert_int_eq(ps.p[0].line, 36);
	ck_assert(strstr(ps.p[0].msg, "only in its accents"));
	ck_assert(strstr(ps.p[0].msg, "a.tsv:36"));
	ck_assert_int_eq(ps.p[1].line, 37);
	ck_assert(strstr(ps.p[1].msg, "'de smet' is also in bank a (a.tsv:37)"));
	names_bank_free(banks[0]);
	names_bank_free(banks[1]);
	names_problems_free(&ps);
	free(ta);
	free(tb);
}
END_TEST

START_TEST(email_local_parts)
{
	static const char *const cases[][3] = {
		{ "Gülşen", "Öztürk", "gulsen.ozturk" },
		{ "Fatima", "El Amrani", "fatima.elamrani" },
		{ "Jean-Luc", "D'Hondt", "jean-luc.dhondt" },
		{ "Yıldız", "Işık", "yildiz.isik" },
		{ "Małgorzata", "Wiśniewska", "malgorzata.wisniewska" },
		{ "Ștefan", "Dumitrescu", "stefan.dumitrescu" },
		{ "Ľubica", "Kováčová", "lubica.kovacova" },
		{ "Mélanie", "Van den Broeck", "melanie.vandenbroeck" },
		{ "-Anne-", "Ba--Mba", "anne.ba-mba" },
		{ "山田", "Dupont", "dupont" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *l = names_email_local(cases[i][0], cases[i][1]);
		ck_assert_msg(l && !strcmp(l, cases[i][2]), "%s %s -> %s, want %s", cases[i][0],
			      cases[i][1], l ? l : "(null)", cases[i][2]);
		free(l);
	}
	ck_assert_ptr_null(names_email_local("山田", "太郎"));
}
END_TEST

START_TEST(load_embedded_and_folder)
{
	struct names_bank *b;
	struct ct_err err = { 0 };
	ck_assert_int_eq(names_load(NULL, "turkish", &b, &err), CT_OK);
	ck_assert_str_eq(b->path, "templates/names/turkish.tsv");
	ck_assert_int_eq(b->embedded, 1);
	ck_assert_int_ge(b->n, 40);
	names_bank_free(b);
	ck_assert_int_eq(names_load(NULL, "klingon", &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "no name bank 'klingon'"));
	ck_assert(strstr(err.msg, "turkish"));
	ck_assert_int_eq(names_load(NULL, "../x", &b, &err), CT_EINPUT);

	/* A folder's bank overrides the embedded one; a broken one is refused
	 * with its file and line. */
	char dir[] = "/tmp/test_names.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/turkish.tsv", dir);
	char *t = bank_text("turkish", NULL);
	ck_assert_int_eq(file_write_atomic(path, t, strlen(t), 0644, &err), CT_OK);
	ck_assert_int_eq(names_load(dir, "turkish", &b, &err), CT_OK);
	ck_assert_int_eq(b->embedded, 0);
	ck_assert_int_eq(b->n, 30);
	names_bank_free(b);
	char *bad = bank_text("turkish", "first\tfemale\tAy\nse\tnote\n");
	ck_assert_int_eq(file_write_atomic(path, bad, strlen(bad), 0644, &err), CT_OK);
	ck_assert_int_eq(names_load(dir, "turkish", &b, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "/turkish.tsv:36: 3 fields"), "%s", err.msg);
	char **ids;
	int n;
	ck_assert_int_eq(names_list_ids(dir, &ids, &n, &err), CT_OK);
	ck_assert_int_ge(n, 10);
	int turkish = 0;
	for (int i = 0; i < n; i++) {
		turkish += !strcmp(ids[i], "turkish");
		if (i)
			ck_assert(strcmp(ids[i - 1], ids[i]) < 0);
	}
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	ck_assert_int_eq(turkish, 1);
	unlink(path);
	rmdir(dir);
	free(path);
	free(t);
	free(bad);
}
END_TEST

START_TEST(shipped_banks_pass)
{
	struct names_bank **banks;
	int n;
	struct names_problems ps = { 0 };
	struct ct_err err = { 0 };
	ck_assert_int_eq(names_check_all(NULL, &banks, &n, &ps, &err), CT_OK);
	if (ps.n)
		dump(&ps);
	ck_assert_int_eq(ps.n, 0);
	ck_assert_int_ge(n, 10);
	for (int i = 0; i < n; i++)
		names_bank_free(banks[i]);
	free(banks);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, good_bank);
	tcase_add_test(tc, bad_lines_named);
	tcase_add_test(tc, header_and_comments);
	tcase_add_test(tc, duplicates_in_bank);
	tcase_add_test(tc, gendered_surnames_counts);
	tcase_add_test(tc, across_banks);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("use");
	tcase_add_test(te, email_local_parts);
	tcase_add_test(te, load_embedded_and_folder);
	tcase_add_test(te, shipped_banks_pass);
	suite_add_tcase(s, te);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
