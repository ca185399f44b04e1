/* test_template.c: template parsing, checking and rendering against the rules
 * of templates/README.md, with expected texts written by hand. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "messages/template.h"
#include "base/banned.h"

static struct tpl_vars names;

static void setup(void)
{
	memset(&names, 0, sizeof(names));
	struct design d = { 0 };
	struct profile_item prof[] = { { "age", "31" },
				       { "occupation.female", "infirmière" },
				       { "occupation.male", "infirmier" },
				       { "household", "alleenstaand" } };
	d.profile = prof;
	d.nprofile = 4;
	tpl_allowed_names(&d, &names);
}

static void teardown(void)
{
	tpl_vars_free(&names);
}

/* Parses text; returns the problems (caller frees) and the template. */
static struct template *parse(const char *text, struct tpl_problems *p)
{
	struct template *t = NULL;
	memset(p, 0, sizeof(*p));
	template_parse("templates/v2.txt", text, strlen(text), &names, &t, p);
	return t;
}

static int has_problem(const struct tpl_problems *p, const char *want)
{
	for (int i = 0; i < p->n; i++)
		if (strstr(p->msg[i], want))
			return 1;
	return 0;
}

START_TEST(allowed_names_strip_gender)
{
	ck_assert(tpl_vars_has(&names, "profile.occupation"));
	ck_assert(!tpl_vars_has(&names, "profile.occupation.female"));
	ck_assert(tpl_vars_has(&names, "profile.age"));
	ck_assert(!tpl_vars_has(&names, "profile.education"));
	ck_assert(tpl_vars_has(&names, "listing.title"));
	ck_assert(tpl_vars_has(&names, "study.city"));
}
END_TEST

START_TEST(parse_and_render)
{
	struct tpl_problems p;
	struct template *t = parse("# a comment {{not.checked}}\n"
				   "# another\n"
				   "Subject: {{listing.title|Huurwoning}} in {{listing.area}}\n"
				   "\n"
				   "Beste,\n"
				   "\n"
				   "Ik ben {{profile.age}} jaar ({{profile.occupation}}).\n"
				   "# not a comment here\n"
				   "{{persona.full_name}}\n"
				   "\n\n",
				   &p);
	ck_assert_int_eq(p.n, 0);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->subject_line, 3);
	struct tpl_vars v = { 0 };
	tpl_vars_set(&v, "listing.area", "Gent");
	tpl_vars_set(&v, "listing.title", "");
	tpl_vars_set(&v, "profile.age", "31");
	tpl_vars_set(&v, "profile.occupation", "infirmière");
	tpl_vars_set(&v, "persona.full_name", "Zoë Dubois-Lefèvre");
	char *s, *b;
	struct ct_err err = { 0 };
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_OK);
	ck_assert_str_eq(s, "Huurwoning in Gent");
	ck_assert_str_eq(b, "Beste,\n\nIk ben 31 jaar (infirmière).\n# not a comment here\n"
			    "Zoë Dubois-Lefèvre\n");
	free(s);
	free(b);
	/* With a title the value replaces the fallback. */
	tpl_vars_set(&v, "listing.title", "Studio");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_OK);
	ck_assert_str_eq(s, "Studio in Gent");
	free(s);
	free(b);
	/* A required value that is empty is an error naming it and its line. */
	tpl_vars_set(&v, "profile.age", "");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(b);
	ck_assert(strstr(err.msg, "templates/v2.txt:7: {{profile.age}} has no value"));
	/* A missing one too. */
	tpl_vars_set(&v, "profile.age", "31");
	struct tpl_vars w = { 0 };
	tpl_vars_set(&w, "listing.title", "x");
	ck_assert_int_eq(template_render(t, &w, &s, &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "templates/v2.txt:3: {{listing.area}} has no value"));
	tpl_vars_free(&w);
	/* CR/LF or another control character in a value is refused, in the subject
	 * and in the body. */
	tpl_vars_set(&v, "listing.area", "Gent\r\nBcc: x@y.z");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "a line break (U+000D)"));
	ck_assert(strstr(err.msg, "listing.area"));
	tpl_vars_set(&v, "listing.area", "Gent\x07");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "a control character (U+0007)"));
	/* What a reader cannot see is refused too (the one rule of util.h):
	 * a right-to-left override, a zero-width space, a byte-order mark, a
	 * line separator. */
	static const char *const unseen[][2] = {
		{ "Gent\xE2\x80\xAE" "tneG", "a bidi control (U+202E)" },
		{ "Ge\xE2\x80\x8B" "nt", "an invisible character (U+200B)" },
		{ "\xEF\xBB\xBF" "Gent", "a byte-order mark (U+FEFF)" },
		{ "Gent\xE2\x80\xA8" "Bcc: x@y.z", "a line or paragraph separator (U+2028)" },
	};
	for (size_t i = 0; i < sizeof(unseen) / sizeof(unseen[0]); i++) {
		tpl_vars_set(&v, "listing.area", unseen[i][0]);
		ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
		ck_assert_msg(strstr(err.msg, unseen[i][1]) != NULL, "%s", err.msg);
	}
	tpl_vars_set(&v, "listing.area", "Gent");
	tpl_vars_set(&v, "persona.full_name", "Zoë\tD");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "v2.txt:9"));
	tpl_vars_set(&v, "persona.full_name", "Zo\xC3");
	ck_assert_int_eq(template_render(t, &v, &s, &b, &err), CT_EINPUT);
	ck_assert(strstr(err.msg, "UTF-8"));
	tpl_vars_free(&v);
	template_free(t);
}
END_TEST

START_TEST(unknown_placeholder_with_line)
{
	struct tpl_problems p;
	struct template *t = parse("# c\nSubject: x {{listing.titel}}\n\nBody\n\nline {{listing.aera}} "
				   "and {{persona.first_name}}\n",
				   &p);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.msg[0], "templates/v2.txt:2: unknown placeholder 'listing.titel'");
	ck_assert_str_eq(p.msg[1], "templates/v2.txt:6: unknown placeholder 'listing.aera'");
	tpl_problems_free(&p);
	/* A key not in [profile] is unknown, and so is a suffixed one. */
	t = parse("Subject: s\n\n{{profile.education}} {{profile.occupation.male}}\n", &p);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(p.n, 2);
	tpl_problems_free(&p);
}
END_TEST

START_TEST(malformed_placeholders)
{
	struct tpl_problems p;
	struct template *t = parse("Subject: s\n\n"
				   "a {{ persona.phone }} b\n"           /* 3 */
				   "{{listing.title | de woning}}\n"     /* 4 */
				   "{{listing.title|}}\n"                /* 5 */
				   "x {{listing.area\n"                  /* 6 */
				   "{{}}\n"                              /* 7 */
				   "{{Listing.Area}}\n"                  /* 8 */
				   "{{listing.title|a{{b}}}}\n"          /* 9 */
				   "stray }} here\n"                     /* 10 */
				   "{{listing.title|ok fallback}} fine\n", /* 11 */
				   &p);
	ck_assert_ptr_null(t);
	ck_assert(has_problem(&p, "v2.txt:3: white space inside '{{ persona.phone }}'"));
	ck_assert(has_problem(&p, "v2.txt:4: white space inside"));
	ck_assert(has_problem(&p, "v2.txt:5: empty fallback"));
	ck_assert(has_problem(&p, "v2.txt:6: unclosed '{{'"));
	ck_assert(has_problem(&p, "v2.txt:7: empty placeholder name"));
	ck_assert(has_problem(&p, "v2.txt:8: malformed placeholder name 'Listing.Area'"));
	ck_assert(has_problem(&p, "v2.txt:9: "));
	ck_assert(has_problem(&p, "v2.txt:10: '}}' without '{{'"));
	ck_assert(!has_problem(&p, "v2.txt:11"));
	tpl_problems_free(&p);
}
END_TEST

START_TEST(structure_errors)
{
	struct tpl_problems p;
	ck_assert_ptr_null(parse("# only comments\n", &p));
	ck_assert(has_problem(&p, "templates/v2.txt: no 'Subject:' line"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("# c\nHello\nSubject: x\n\nbody\n", &p));
	ck_assert(has_problem(&p, "v2.txt:2: expected 'Subject: ...'"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject: x\n\n\nbody\n", &p));
	ck_assert(has_problem(&p, "v2.txt:3: more than one empty line"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject: x\nbody\n", &p));
	ck_assert(has_problem(&p, "v2.txt:2: expected one empty line"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject:   \n\nbody\n", &p));
	ck_assert(has_problem(&p, "v2.txt:1: empty subject"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject: x\n\n", &p));
	ck_assert(has_problem(&p, "v2.txt:1: no body"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject: x\r\n\r\nbody\r\n", &p));
	ck_assert(has_problem(&p, "v2.txt:1: carriage return"));
	tpl_problems_free(&p);

	ck_assert_ptr_null(parse("Subject: x\n\nbo\xC3(dy\n", &p));
	ck_assert(has_problem(&p, "v2.txt:3: invalid UTF-8"));
	tpl_problems_free(&p);

	/* No final newline is accepted; the body still ends with one. */
	struct template *t = parse("Subject: x\n\nbody", &p);
	ck_assert_ptr_nonnull(t);
	struct tpl_vars v = { 0 };
	char *s, *b;
	ck_assert_int_eq(template_render(t, &v, &s, &b, NULL), CT_OK);
	ck_assert_str_eq(s, "x");
	ck_assert_str_eq(b, "body\n");
	free(s);
	free(b);
	template_free(t);
}
END_TEST

START_TEST(shipped_templates_parse)
{
	/* Every shipped template is clean against the presets' profile keys.
	 * The unit test runs from the top of the repository. */
	static const char *const markets[] = { "housing", "job" };
	static const char *const langs[] = { "nl", "fr", "en" };
	struct tpl_vars all = { 0 };
	struct design d = { 0 };
	struct profile_item prof[] = { { "age", "" },	 { "occupation", "" },
				       { "employer_type", "" }, { "income", "" },
				       { "household", "" },	 { "contract", "" },
				       { "education", "" },	 { "experience_years", "" } };
	d.profile = prof;
	d.nprofile = 8;
	tpl_allowed_names(&d, &all);
	for (int m = 0; m < 2; m++)
		for (int l = 0; l < 3; l++)
			for (int v = 1; v <= 3; v++) {
				char *path = xasprintf("templates/%s/%s/v%d.txt", markets[m], langs[l], v);
				char *text;
				size_t len;
				struct ct_err err;
				ck_assert_msg(file_read(path, &text, &len, &err) == CT_OK, "%s", err.msg);
				struct tpl_problems p = { 0 };
				struct template *t = NULL;
				int rc = template_parse(path, text, len, &all, &t, &p);
				ck_assert_msg(rc == CT_OK, "%s", p.n ? p.msg[0] : path);
				template_free(t);
				free(text);
				free(path);
			}
	tpl_vars_free(&all);
}
END_TEST

START_TEST(json_flat)
{
	struct tpl_vars v = { 0 };
	struct ct_err err;
	ck_assert_int_eq(json_read_flat(" {\"age\": \"31\", \"occupation\":\"infirmi\\u00e8re\","
					" \"n\": 2450, \"x\": null, \"q\": \"a\\\"b\\\\c\","
					" \"e\": \"\\ud83d\\ude00\"} ",
					"profile.", &v, &err),
			 CT_OK);
	ck_assert_str_eq(tpl_vars_get(&v, "profile.age"), "31");
	ck_assert_str_eq(tpl_vars_get(&v, "profile.occupation"), "infirmière");
	ck_assert_str_eq(tpl_vars_get(&v, "profile.n"), "2450");
	ck_assert_str_eq(tpl_vars_get(&v, "profile.x"), "");
	ck_assert_str_eq(tpl_vars_get(&v, "profile.q"), "a\"b\\c");
	ck_assert_str_eq(tpl_vars_get(&v, "profile.e"), "\xF0\x9F\x98\x80");
	tpl_vars_free(&v);
	ck_assert_int_eq(json_read_flat("{}", NULL, &v, &err), CT_OK);
	ck_assert_int_eq(v.n, 0);
	ck_assert_int_eq(json_read_flat("{\"a\": {\"b\": \"c\"}}", NULL, &v, &err), CT_EINPUT);
	ck_assert_int_eq(json_read_flat("{\"a\": \"b\"", NULL, &v, &err), CT_EINPUT);
	ck_assert_int_eq(json_read_flat("{\"a\": \"b\\", NULL, &v, &err), CT_EINPUT);
	ck_assert_int_eq(json_read_flat("{\"a\": \"\\ud800\"}", NULL, &v, &err), CT_EINPUT);
	ck_assert_int_eq(json_read_flat("{\"a\": \"b\"} x", NULL, &v, &err), CT_EINPUT);
	ck_assert_int_eq(json_read_flat("[\"a\"]", NULL, &v, &err), CT_EINPUT);
	tpl_vars_free(&v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, allowed_names_strip_gender);
	tcase_add_test(tc, parse_and_render);
	tcase_add_test(tc, unknown_placeholder_with_line);
	tcase_add_test(tc, malformed_placeholders);
	tcase_add_test(tc, structure_errors);
	tcase_add_test(tc, shipped_templates_parse);
	tcase_add_test(tc, json_flat);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
