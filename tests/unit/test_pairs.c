/* test_pairs.c: tools/lib/pairs.c: the outcome definitions, and pairs read
 * from a real study database: the latest response counts, each pair's group,
 * gender and outcomes, and exclusions by reason (including the cases the e2e test
 * does not build: several control applications on one listing, several
 * test candidates sharing one control). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/embedded.h"
#include "analysis/pairs.h"
#include "store/study.h"
#include "preset_study.h"

START_TEST(definitions)
{
	ck_assert_int_eq(pairs_def_parse("strict"), PAIRS_STRICT);
	ck_assert_int_eq(pairs_def_parse("broad"), PAIRS_BROAD);
	ck_assert_int_eq(pairs_def_parse("any"), PAIRS_ANY);
	ck_assert_int_eq(pairs_def_parse("Strict"), -1);
	ck_assert_int_eq(pairs_def_parse(NULL), -1);
	ck_assert_str_eq(pairs_def_name(PAIRS_BROAD), "broad");
	/* METHOD.md: strict = invitation; broad = invitation or info; any =
	 * any reply. No reply (recorded or not) is never positive. */
	static const int want[6][3] = {
		/* none */ { 0, 0, 0 },   /* invitation */ { 1, 1, 1 },
		/* info */ { 0, 1, 1 },   /* refusal */ { 0, 0, 1 },
		/* other */ { 0, 0, 1 }, /* no_reply */ { 0, 0, 0 },
	};
	for (int o = 0; o < 6; o++)
		for (int d = 0; d < 3; d++)
			ck_assert_msg(pairs_outcome_positive(o, d) == want[o][d], "outcome %d def %d", o, d);
	ck_assert_int_eq(pairs_outcome_parse("no_reply"), PAIRS_NO_REPLY);
	ck_assert_int_eq(pairs_outcome_parse("maybe"), -1);
	ck_assert_str_eq(pairs_excl_key(PAIRS_EXCL_WITHDRAWN), "withdrawn_listing");
}
END_TEST

static struct study *new_study(void)
{
	return preset_study("ct-pairs", NULL);
}

static void exec(struct study *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

/* Personas 1..8: belgian f/m, maghrebi f/m, turkish f/m, african f/m. */
static const char setup[] =
	"INSERT INTO persona (id, grp, gender, first_name, last_name, email, phone, profile, "
	"drawn_at) SELECT 2 * (g.id - 1) + x.k, g.id, x.gender, 'F', 'L', g.name || x.gender, '0', "
	"'{}', 'now' FROM grp g, (SELECT 1 AS k, 'female' AS gender UNION ALL SELECT 2, 'male') x;"
	"INSERT INTO listing (id, ref, agent_type, added_at) VALUES "
	"(1, 'l1', 'agency', 'now'), (2, 'l2', 'agency', 'now'), (3, 'l3', 'agency', 'now'),"
	"(4, 'l4', 'agency', 'now'), (5, 'l5', 'agency', 'now');"
	/* l1: control (female) info then invitation; Maghrebi female no reply. */
	"INSERT INTO application (id, listing, persona, status) VALUES (1, 1, 1, 'sent'), (2, 1, 3, 'sent');"
	"INSERT INTO response (application, channel, outcome, coder, coded_at) VALUES "
	"(1, 'email', 'info', 'x', 'now'), (1, 'email', 'invitation', 'x', 'now');"
	/* l2: male pair, Turkish male invited, control refused then 'no_reply'. */
	"INSERT INTO application (id, listing, persona, status) VALUES (3, 2, 2, 'sent'), (4, 2, 6, 'sent');"
	"INSERT INTO response (application, channel, outcome, coder, coded_at) VALUES "
	"(3, 'email', 'refusal', 'x', 'now'), (3, 'manual', 'no_reply', 'x', 'now'),"
	"(4, 'email', 'invitation', 'x', 'now');"
	/* l3: two control applications: excluded, once per test application. */
	"INSERT INTO application (id, listing, persona, status) VALUES (5, 3, 1, 'sent'), "
	"(6, 3, 2, 'sent'), (7, 3, 3, 'sent');"
	/* l4: one control and two test candidates: two pairs sharing the control. */
	"INSERT INTO application (id, listing, persona, status) VALUES (8, 4, 1, 'sent'), "
	"(9, 4, 3, 'sent'), (10, 4, 7, 'sent');"
	/* l5: a sent test application whose control is cancelled. */
	"INSERT INTO application (id, listing, persona, status) VALUES (11, 5, 1, 'cancelled'), "
	"(12, 5, 7, 'sent');";

START_TEST(collect_and_tabulate)
{
	struct study *s = new_study();
	exec(s, setup);
	struct ct_err err = { 0 };
	struct pairs_set ps;
	ck_assert_msg(pairs_collect(s, &ps, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(ps.ngroups, 3);
	ck_assert_str_eq(ps.groups[0].name, "maghrebi");
	/* Valid pairs: l1 (1,2), l2 (3,4), l4 (8,9) and (8,10). */
	ck_assert_uint_eq(ps.npairs, 4);
	ck_assert_int_eq(ps.pairs[0].control_outcome, PAIRS_INVITATION); /* the latest of two */
	ck_assert_int_eq(ps.pairs[0].test_outcome, PAIRS_NONE);
	ck_assert_int_eq(ps.pairs[1].control_outcome, PAIRS_NO_REPLY);
	ck_assert_int_eq(ps.pairs[1].gender, GENDER_MALE);
	ck_assert_int_eq(ps.pairs[2].control_app, 8);
	ck_assert_int_eq(ps.pairs[3].control_app, 8);
	ck_assert_int_eq(ps.pairs[3].test_app, 10);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_CONTROLS], 1);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_CANCELLED], 1);
	ck_assert_int_eq(ps.excluded_total, 2);

	/* Each pair's test group (0 Maghrebi, 1 Turkish, 2 African), the test
	 * candidate's gender, and who was positive under strict: l1 b
	 * (control invited, test none), l2 c (control's latest is no_reply),
	 * l4 d twice (no responses; personas 3 and 7 are Maghrebi and African
	 * women). */
	static const struct {
		int group, gender, control_positive, test_positive;
	} want[4] = { { 0, GENDER_FEMALE, 1, 0 },
		      { 1, GENDER_MALE, 0, 1 },
		      { 0, GENDER_FEMALE, 0, 0 },
		      { 2, GENDER_FEMALE, 0, 0 } };
	for (size_t i = 0; i < 4; i++) {
		const struct pair *p = &ps.pairs[i];
		ck_assert_int_eq(p->group, want[i].group);
		ck_assert_int_eq(p->gender, want[i].gender);
		ck_assert_int_eq(pairs_outcome_positive(p->control_outcome, PAIRS_STRICT),
				 want[i].control_positive);
		ck_assert_int_eq(pairs_outcome_positive(p->test_outcome, PAIRS_STRICT),
				 want[i].test_positive);
	}
	pairs_set_free(&ps);

	/* A withdrawn listing outranks every other reason. */
	exec(s, "UPDATE listing SET status = 'withdrawn' WHERE id IN (3, 5)");
	ck_assert_int_eq(pairs_collect(s, &ps, &err), CT_OK);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_WITHDRAWN], 2);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_CANCELLED], 0);
	pairs_set_free(&ps);
	study_close(s);
}
END_TEST

/* The same study written in another order: application ids do not follow
 * the listings (l4's applications first), and responses arrive out of
 * order. The pairs come out the same, by listing and then by test
 * application, each outcome the application's latest response; a
 * listing's texts are shared by its pairs. */
static const char setup_shuffled[] =
	"INSERT INTO persona (id, grp, gender, first_name, last_name, email, phone, profile, "
	"drawn_at) SELECT 2 * (g.id - 1) + x.k, g.id, x.gender, 'F', 'L', g.name || x.gender, '0', "
	"'{}', 'now' FROM grp g, (SELECT 1 AS k, 'female' AS gender UNION ALL SELECT 2, 'male') x;"
	"INSERT INTO listing (id, ref, agent_type, area, agent_key, added_at) VALUES "
	"(1, 'l1', 'agency', NULL, NULL, 'now'), (2, 'l2', 'private', 'Gent', NULL, 'now'),"
	"(3, 'l3', 'agency', NULL, NULL, 'now'), (4, 'l4', 'agency', 'Gent-Zuid', 'ag-1', 'now'),"
	"(5, 'l5', 'agency', NULL, NULL, 'now'), (6, 'l6', 'agency', NULL, NULL, 'now');"
	"INSERT INTO application (id, listing, persona, status) VALUES "
	"(1, 4, 1, 'sent'), (2, 4, 3, 'sent'), (3, 4, 7, 'sent'),"
	"(4, 2, 2, 'sent'), (5, 2, 6, 'sent'),"
	"(6, 3, 1, 'sent'), (7, 3, 2, 'sent'), (8, 3, 3, 'sent'),"
	"(9, 5, 1, 'cancelled'), (12, 5, 7, 'sent'),"
	"(11, 1, 3, 'sent'), (10, 1, 1, 'sent');"
	"INSERT INTO response (application, channel, outcome, coder, coded_at) VALUES "
	"(5, 'email', 'invitation', 'x', 'now'), (4, 'email', 'refusal', 'x', 'now'),"
	"(10, 'email', 'info', 'x', 'now'), (4, 'manual', 'no_reply', 'x', 'now'),"
	"(10, 'email', 'invitation', 'x', 'now');";

START_TEST(order_of_rows_does_not_matter)
{
	struct study *s = new_study();
	exec(s, setup_shuffled);
	struct ct_err err = { 0 };
	struct pairs_set ps;
	ck_assert_msg(pairs_collect(s, &ps, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(ps.npairs, 4);
	static const struct {
		long listing, control_app, test_app;
		int control_outcome, test_outcome;
	} want[4] = { { 1, 10, 11, PAIRS_INVITATION, PAIRS_NONE },
		      { 2, 4, 5, PAIRS_NO_REPLY, PAIRS_INVITATION },
		      { 4, 1, 2, PAIRS_NONE, PAIRS_NONE },
		      { 4, 1, 3, PAIRS_NONE, PAIRS_NONE } };
	for (size_t i = 0; i < 4; i++) {
		const struct pair *p = &ps.pairs[i];
		ck_assert_int_eq(p->listing, want[i].listing);
		ck_assert_int_eq(p->control_app, want[i].control_app);
		ck_assert_int_eq(p->test_app, want[i].test_app);
		ck_assert_int_eq(p->control_outcome, want[i].control_outcome);
		ck_assert_int_eq(p->test_outcome, want[i].test_outcome);
	}
	ck_assert_ptr_null(ps.pairs[0].area);
	ck_assert_str_eq(ps.pairs[1].area, "Gent");
	ck_assert_str_eq(ps.pairs[1].agent_type, "private");
	ck_assert_str_eq(ps.pairs[2].area, "Gent-Zuid");
	ck_assert_str_eq(ps.pairs[2].agent_key, "ag-1");
	ck_assert_ptr_eq(ps.pairs[2].area, ps.pairs[3].area);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_CONTROLS], 1);
	ck_assert_int_eq(ps.excluded[PAIRS_EXCL_CANCELLED], 1);
	ck_assert_int_eq(ps.excluded_total, 2);
	pairs_set_free(&ps);
	study_close(s);
}
END_TEST

/* A study without applications: no pairs, nothing excluded, no error. */
START_TEST(no_applications)
{
	struct study *s = new_study();
	exec(s, "INSERT INTO listing (id, ref, agent_type, added_at) VALUES (1, 'l1', 'agency', 'now')");
	struct ct_err err = { 0 };
	struct pairs_set ps;
	ck_assert_msg(pairs_collect(s, &ps, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(ps.npairs, 0);
	ck_assert_int_eq(ps.excluded_total, 0);
	ck_assert_int_eq(ps.ngroups, 3);
	pairs_set_free(&ps);
	study_close(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pairs");
	TCase *tc = tcase_create("pairs");
	tcase_add_test(tc, definitions);
	tcase_add_test(tc, collect_and_tabulate);
	tcase_add_test(tc, order_of_rows_does_not_matter);
	tcase_add_test(tc, no_applications);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
