/* test_followup.c: evidence/followup on a hand-made study (the housing-nl
 * preset: outcome strict, Monday to Friday 09:00-17:00 in Brussels,
 * [followup] delay_hours 48, from refused): which pairs get a follow-up,
 * from whom, when (the due times worked out by hand, one moved to the next
 * opening of the window), once only; --dry-run stores nothing; from =
 * third takes a control persona who has not written to the listing, and
 * says how to get one when there is none; study.ini errors name the line;
 * an unanswered side waits for the due time; a planned follow-up whose
 * pair stops differing is cancelled and never picked for sending. The
 * clock (CORRTEST_NOW) is 20 December 2026 unless a test moves it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "evidence/followup.h"
#include "messages/compose.h"
#include "store/study.h"
#include "preset_study.h"

static void exec(struct study *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static long long one(struct study *s, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Personas 1..8: belgian (control) f/m, maghrebi f/m, turkish f/m,
 * african f/m. Applications a<L>c and a<L>t: ids 10L+1 (control, position
 * 1) and 10L+2 (test, position 2), sent 2026-12-07 09:00 UTC. */
static const char setup[] =
	"INSERT INTO persona (id, grp, gender, first_name, last_name, email, phone, profile, "
	"drawn_at) SELECT 2 * (g.id - 1) + x.k, g.id, x.gender, 'F', 'L', g.name || x.gender || "
	"'@x.invalid', '0', '{}', 'now' FROM grp g, (SELECT 1 AS k, 'female' AS gender UNION ALL "
	"SELECT 2, 'male') x;"
	"INSERT INTO listing (id, ref, agent_type, status, added_at) VALUES "
	"(1, 'l1', 'agency', 'active', 'now'), (2, 'l2', 'agency', 'active', 'now'),"
	"(3, 'l3', 'agency', 'active', 'now'), (4, 'l4', 'agency', 'active', 'now'),"
	"(5, 'l5', 'agency', 'active', 'now'), (6, 'l6', 'agency', 'active', 'now'),"
	"(7, 'l7', 'agency', 'withdrawn', 'now'), (8, 'l8', 'agency', 'active', 'now');"
	"INSERT INTO application (id, listing, persona, variant, position, status, sent_at) VALUES "
	/* l1: women; control invited, Maghrebi refused. */
	"(11, 1, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (12, 1, 3, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l2: men; control refused, Turkish invited on a Friday evening. */
	"(21, 2, 2, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (22, 2, 6, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l3: both invited. */
	"(31, 3, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (32, 3, 7, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l4: control invited, African woman no response at all. */
	"(41, 4, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (42, 4, 7, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l5: control invited, the test message bounced. */
	"(51, 5, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (52, 5, 3, 2, 2, 'bounced', NULL),"
	/* l6: control asked for information (not positive under strict), test refused. */
	"(61, 6, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (62, 6, 3, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l7: withdrawn listing, answered differently. */
	"(71, 7, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (72, 7, 3, 2, 2, 'sent', '2026-12-07T09:00:00Z'),"
	/* l8: answered differently, but the invitation was made up by simulate. */
	"(81, 8, 1, 1, 1, 'sent', '2026-12-07T09:00:00Z'), (82, 8, 3, 2, 2, 'sent', '2026-12-07T09:00:00Z');"
	"INSERT INTO response (application, channel, outcome, coder, coded_at, at, simulated) VALUES "
	"(11, 'email', 'invitation', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(12, 'email', 'refusal', 'x', 'now', '2026-12-08T11:00:00Z', 0),"
	"(21, 'email', 'refusal', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(22, 'email', 'info', 'x', 'now', '2026-12-09T10:00:00Z', 0),"
	"(22, 'email', 'invitation', 'x', 'now', '2026-12-11T16:30:00Z', 0),"
	"(31, 'email', 'invitation', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(32, 'email', 'invitation', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(41, 'phone', 'invitation', 'x', 'now', '2026-12-09T12:00:00Z', 0),"
	"(51, 'email', 'invitation', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(61, 'email', 'info', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(62, 'email', 'refusal', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(71, 'email', 'invitation', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(72, 'email', 'refusal', 'x', 'now', '2026-12-08T10:00:00Z', 0),"
	"(81, 'email', 'invitation', 'simulate', 'now', '2026-12-08T10:00:00Z', 1),"
	"(82, 'email', 'refusal', 'x', 'now', '2026-12-08T10:00:00Z', 0);";

static struct study *new_study(char **dir)
{
	struct study *s = preset_study("ct-followup", dir);
	exec(s, setup);
	return s;
}

static const struct followup_item *item_following(const struct followup_plan *p, int64_t app)
{
	for (int i = 0; i < p->n; i++)
		if (p->items[i].follows == app)
			return &p->items[i];
	return NULL;
}

START_TEST(which_pairs_from_whom_when)
{
	struct study *s = new_study(NULL);
	struct followup_plan p;
	struct ct_err err = { 0 };
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.cfg.from, FOLLOWUP_REFUSED);
	ck_assert(p.cfg.delay_hours == 48);
	/* l1, l2 and l4 differ; l3 agrees, l5 was not sent, l6 agrees under
	 * strict, l7 is withdrawn, l8 simulated. */
	ck_assert_int_eq(p.differing, 3);
	ck_assert_int_eq(p.already, 0);
	ck_assert_int_eq(p.n, 3);
	/* l1: 2026-12-08 10:00 UTC + 48 h = Thursday 10 December 11:00 in
	 * Brussels, inside the window. */
	const struct followup_item *it = item_following(&p, 12);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->positive, 11);
	ck_assert_str_eq(it->due, "2026-12-10T10:00:00Z");
	ck_assert_str_eq(it->who, "maghrebi/female");
	ck_assert_str_eq(it->outcome, "refusal");
	/* l2: the latest response counts (16:30 UTC on Friday 11 December);
	 * + 48 h is Sunday 17:30 in Brussels, moved to Monday 14 December at
	 * 09:00 (08:00 UTC). The control candidate was refused. */
	it = item_following(&p, 21);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(it->positive, 22);
	ck_assert_str_eq(it->due, "2026-12-14T08:00:00Z");
	ck_assert_str_eq(it->who, "belgian/male");
	/* l4: no response at all is not positive; 2026-12-09 12:00 UTC + 48 h
	 * is Friday 11 December 13:00 in Brussels. */
	it = item_following(&p, 42);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->outcome, "none");
	ck_assert_str_eq(it->due, "2026-12-11T12:00:00Z");
	/* Stored: each from the persona of the application it follows, with
	 * no variant or position, and an event each. */
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application a JOIN application f ON f.id = "
				"a.follows WHERE a.kind = 'followup' AND a.persona = f.persona AND "
				"a.variant IS NULL AND a.position IS NULL AND a.status = 'planned'"),
			 3);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event WHERE action = 'followup'"), 3);
	followup_plan_free(&p);
	/* Once only. */
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.n, 0);
	ck_assert_int_eq(p.differing, 3);
	ck_assert_int_eq(p.already, 3);
	followup_plan_free(&p);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE kind = 'followup'"), 3);
	study_close(s);
}
END_TEST

/* What the dossier lists for an agent: its follow-ups (and re-tests), by
 * agent key, with the latest outcome. */
START_TEST(agent_list)
{
	struct study *s = new_study(NULL);
	exec(s, "UPDATE listing SET agent_key = 'ag-00000000000a' WHERE id IN (1, 2);"
		"UPDATE listing SET agent_key = 'ag-00000000000b' WHERE id = 4");
	struct followup_plan p;
	struct ct_err err = { 0 };
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	int64_t fu1 = item_following(&p, 12)->id, fu2 = item_following(&p, 21)->id;
	followup_plan_free(&p);
	char sql[160];
	snprintf(sql, sizeof(sql), "UPDATE application SET status = 'sent', sent_at = "
		 "'2026-12-10T10:05:00Z' WHERE id = %lld", (long long)fu1);
	exec(s, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO response (application, channel, outcome, coder, "
		 "coded_at, at) VALUES (%lld, 'email', 'invitation', 'x', 'now', '2026-12-10T12:00:00Z')",
		 (long long)fu1);
	exec(s, sql);
	struct followup_row *r;
	size_t n;
	ck_assert_msg(followup_agent_list(s, "ag-00000000000a", &r, &n, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(r[0].id, fu1 < fu2 ? fu1 : fu2);
	const struct followup_row *a = r[0].id == fu1 ? &r[0] : &r[1], *b = a == r ? &r[1] : &r[0];
	ck_assert_str_eq(a->kind, "followup");
	ck_assert_int_eq(a->follows, 12);
	ck_assert_str_eq(a->ref, "l1");
	ck_assert_str_eq(a->who, "maghrebi/female");
	ck_assert_str_eq(a->status, "sent");
	ck_assert_str_eq(a->sent_at, "2026-12-10T10:05:00Z");
	ck_assert_str_eq(a->outcome, "invitation");
	ck_assert_str_eq(a->replied_at, "2026-12-10T12:00:00Z");
	ck_assert_int_eq(b->follows, 21);
	ck_assert_ptr_null(b->outcome);
	ck_assert_ptr_null(b->sent_at);
	followup_rows_free(r, n);
	ck_assert_msg(followup_agent_list(s, "ag-00000000000c", &r, &n, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(n, 0);
	followup_rows_free(r, n);
	study_close(s);
}
END_TEST

START_TEST(dry_run_stores_nothing)
{
	struct study *s = new_study(NULL);
	long long events = one(s, "SELECT count(*) FROM event");
	struct followup_plan p;
	struct ct_err err = { 0 };
	ck_assert_msg(followup_plan(s, 1, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.n, 3);
	followup_plan_free(&p);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE kind <> 'main'"), 0);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events);
	study_close(s);
}
END_TEST

/* study.ini of dir with its [followup] section's line key = ... replaced. */
static void set_ini(const char *dir, const char *key, const char *value)
{
	char *path = xasprintf("%s/study.ini", dir), *text = NULL;
	size_t len;
	struct ct_err err = { 0 };
	ck_assert_int_eq(file_read(path, &text, &len, &err), CT_OK);
	struct strbuf sb = STRBUF_INIT;
	int in = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '[')
			in = !strcmp(line, "[followup]");
		if (in && !strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
			sb_addf(&sb, "%s = %s\n", key, value);
		else
			sb_addf(&sb, "%s\n", line);
	}
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(sb_str(&sb), f);
	fclose(f);
	sb_free(&sb);
	free(text);
	free(path);
}

START_TEST(third_persona)
{
	char *dir;
	struct study *s = new_study(&dir);
	study_close(s);
	set_ini(dir, "from", "third");
	struct ct_err err = { 0 };
	ck_assert_msg(study_open(dir, STUDY_RW, &s, &err) == CT_OK, "%s", err.msg);
	struct followup_plan p;
	ck_assert_msg(followup_plan(s, 1, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.cfg.from, FOLLOWUP_THIRD);
	ck_assert_int_eq(p.n, 3);
	/* l1 (two women, the Belgian one wrote): the Belgian man, the one
	 * control persona who has not written to it. l2 (two men): the
	 * Belgian woman. */
	ck_assert_str_eq(item_following(&p, 12)->who, "belgian/male");
	ck_assert_str_eq(item_following(&p, 21)->who, "belgian/female");
	followup_plan_free(&p);
	/* Once the Belgian man has written to l1 too (here a re-test's
	 * message), no control persona is left for it: an error saying how to
	 * get one, and nothing stored for the other listings either. */
	exec(s, "INSERT INTO application (listing, persona, variant, position, status, kind, follows) "
		"VALUES (1, 2, 1, 1, 'planned', 'retest', 11)");
	ck_assert_int_eq(followup_plan(s, 0, &p, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:") && strstr(err.msg, "placebo_share") &&
			      strstr(err.msg, "listing l1"),
		      "%s", err.msg);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE kind = 'followup'"), 0);
	study_close(s);
	free(dir);
}
END_TEST

START_TEST(config_errors_name_the_line)
{
	const struct embedded_file *f = embedded_find("templates/presets/housing-nl.ini");
	ck_assert_ptr_nonnull(f);
	/* The line of "delay_hours" in the preset, counted here. */
	int line = 1, want = 0, in = 0;
	for (const char *p = f->data; *p; p++) {
		if (p == f->data || p[-1] == '\n') {
			if (*p == '[')
				in = !strncmp(p, "[followup]", 10);
			if (in && !strncmp(p, "delay_hours", 11))
				want = line;
		}
		if (*p == '\n')
			line++;
	}
	ck_assert_int_gt(want, 0);
	char *bad = preset_filled(), *at = strstr(bad, "delay_hours = 48");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "delay_hours = -1", 16);
	struct config *cfg;
	struct ct_err err = { 0 };
	ck_assert_int_eq(config_parse("study.ini", bad, &cfg, &err), CT_OK);
	struct followup_cfg c;
	ck_assert_int_eq(followup_config(cfg, &c, &err), CT_EINPUT);
	char expect[64];
	snprintf(expect, sizeof(expect), "study.ini:%d: [followup] delay_hours", want);
	ck_assert_msg(strstr(err.msg, expect), "%s (wanted %s)", err.msg, expect);
	config_free(cfg);
	memcpy(at, "delay_hours = 12", 16);
	char *from = strstr(bad, "from = refused");
	ck_assert_ptr_nonnull(from);
	memcpy(from, "from = nobody ", 14);
	ck_assert_int_eq(config_parse("study.ini", bad, &cfg, &err), CT_OK);
	ck_assert_int_eq(followup_config(cfg, &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "[followup] from must be refused or third"), "%s", err.msg);
	config_free(cfg);
	free(bad);
}
END_TEST

static void at_time(const char *iso)
{
	ck_assert_int_eq(setenv("CORRTEST_NOW", iso, 1), 0);
}

/* l4: the control was invited 2026-12-09 12:00 UTC, the African woman has
 * no response. Her silence counts as not positive only once the follow-up
 * is due: 48 h later, Friday 11 December 12:00 UTC (13:00 in Brussels,
 * inside the window). */
START_TEST(unanswered_waits_for_the_due_time)
{
	struct study *s = new_study(NULL);
	struct followup_plan p;
	struct ct_err err = { 0 };
	at_time("2026-12-11T11:59:59Z");
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_ptr_null(item_following(&p, 42));
	ck_assert_int_eq(p.waiting, 1);
	ck_assert_int_eq(p.differing, 2);
	ck_assert_int_eq(p.n, 2);
	followup_plan_free(&p);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE follows = 42"), 0);
	at_time("2026-12-11T12:00:00Z");
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.waiting, 0);
	ck_assert_int_eq(p.n, 1);
	const struct followup_item *it = item_following(&p, 42);
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->outcome, "none");
	ck_assert_str_eq(it->due, "2026-12-11T12:00:00Z");
	followup_plan_free(&p);
	at_time("2026-12-20T12:00:00Z");
	study_close(s);
}
END_TEST

/* Whether application id is among the planned ones compose, send and the
 * worklist load. */
static int loaded(struct study *s, int64_t id)
{
	struct compose_app *a;
	int n, found = 0;
	struct ct_err err = { 0 };
	ck_assert_msg(compose_load_apps(s, 0, &a, &n, &err) == CT_OK, "%s", err.msg);
	for (int i = 0; i < n; i++)
		found |= a[i].id == id;
	compose_apps_free(a, n);
	return found;
}

START_TEST(stale_followup_is_cancelled)
{
	struct study *s = new_study(NULL);
	struct followup_plan p;
	struct ct_err err = { 0 };
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.n, 3);
	int64_t fu1 = item_following(&p, 12)->id, fu4 = item_following(&p, 42)->id;
	followup_plan_free(&p);
	/* l1: the refused Maghrebi woman is invited after all (a later
	 * response): the pair agrees. --dry-run says so and changes nothing. */
	exec(s, "INSERT INTO response (application, channel, outcome, coder, coded_at, at) VALUES "
		"(12, 'email', 'invitation', 'x', 'now', '2026-12-12T10:00:00Z')");
	long long events = one(s, "SELECT count(*) FROM event");
	ck_assert_msg(followup_plan(s, 1, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.cancelled, 1);
	ck_assert_int_eq(p.n, 0);
	followup_plan_free(&p);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE status = 'planned' AND "
				"kind = 'followup'"), 3);
	/* The next run cancels it, with the reason and one event; l2 and l4
	 * still differ and stay planned (followed up before). */
	ck_assert_msg(followup_plan(s, 0, &p, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(p.cancelled, 1);
	ck_assert_int_eq(p.differing, 2);
	ck_assert_int_eq(p.already, 2);
	ck_assert_int_eq(p.n, 0);
	followup_plan_free(&p);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM application WHERE id = %lld AND status = "
		 "'cancelled' AND cancel_reason = 'the pair no longer differs'", (long long)fu1);
	ck_assert_int_eq(one(s, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event WHERE action = 'followup-cancel' AND "
		 "subject = 'application %lld'", (long long)fu1);
	ck_assert_int_eq(one(s, sql), 1);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events + 1);
	ck_assert(!loaded(s, fu1));
	/* l4: the unanswered side is invited too, after the follow-up was
	 * planned. What send, compose and the worklist call first cancels it,
	 * so it is not among what they pick; a second call writes nothing. */
	ck_assert(loaded(s, fu4));
	exec(s, "INSERT INTO response (application, channel, outcome, coder, coded_at, at) VALUES "
		"(42, 'phone', 'invitation', 'x', 'now', '2026-12-12T10:00:00Z')");
	int n = -1;
	ck_assert_msg(followup_refresh(s, &n, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(n, 1);
	ck_assert(!loaded(s, fu4));
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events + 2);
	ck_assert_msg(followup_refresh(s, &n, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events + 2);
	/* l2 still differs: its follow-up stays. */
	ck_assert_int_eq(one(s, "SELECT count(*) FROM application WHERE follows = 21 AND status = "
				"'planned'"), 1);
	study_close(s);
}
END_TEST

int main(void)
{
	/* After every due time of the setup (the latest is 14 December). */
	setenv("CORRTEST_NOW", "2026-12-20T12:00:00Z", 1);
	Suite *su = suite_create("followup");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, which_pairs_from_whom_when);
	tcase_add_test(tc, dry_run_stores_nothing);
	tcase_add_test(tc, agent_list);
	tcase_add_test(tc, third_persona);
	tcase_add_test(tc, config_errors_name_the_line);
	tcase_add_test(tc, unanswered_waits_for_the_due_time);
	tcase_add_test(tc, stale_followup_is_cancelled);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
