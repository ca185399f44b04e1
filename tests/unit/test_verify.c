/* test_verify.c: evidence/verify on a real study database: an untouched
 * log holds; an edited, a deleted and a swapped event are each named (and
 * only the one); seal's checkpoint finds events cut from the end; a raw
 * message whose bytes changed is named. The e2e test 0400 does the same on
 * a whole study through the command, with reports. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "evidence/verify.h"
#include "store/study.h"
#include "preset_study.h"

static char *study_dir;

static struct study *new_study(void)
{
	struct study *s = preset_study("ct-verify", &study_dir);
	struct ct_err err = { 0 };
	/* Six events of our own after what init wrote. */
	ck_assert_int_eq(study_begin(s, &err), CT_OK);
	for (int i = 0; i < 6; i++) {
		char detail[32];
		snprintf(detail, sizeof(detail), "step %d", i);
		ck_assert_int_eq(study_event(s, "test", NULL, detail, &err), CT_OK);
	}
	ck_assert_int_eq(study_commit(s, &err), CT_OK);
	return s;
}

static void exec(struct study *s, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
}

/* Runs verify and returns its findings' "kind subject" joined by "; ". */
static char *findings(struct study *s, const char *checkpoint)
{
	struct verify_options o = { .checkpoint = checkpoint };
	struct verify_result *r;
	struct ct_err err = { 0 };
	ck_assert_msg(verify_run(s, &o, &r, &err) == CT_OK, "%s", err.msg);
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < r->nfindings; i++)
		sb_addf(&sb, "%s%s %s", i ? "; " : "", verify_kind_key(r->findings[i].kind),
			r->findings[i].subject);
	verify_result_free(r);
	return sb_detach(&sb);
}

static long last_id(struct study *s)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, "SELECT max(id) FROM event", -1, &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long id = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

START_TEST(untouched_edited_deleted_swapped)
{
	struct study *s = new_study();
	char *f = findings(s, NULL);
	ck_assert_str_eq(f, "");
	free(f);
	long n = last_id(s);
	char sql[256];
	/* Edited: the content of event n-2. */
	snprintf(sql, sizeof(sql), "UPDATE event SET detail = 'other' WHERE id = %ld", n - 2);
	exec(s, sql);
	f = findings(s, NULL);
	char want[128];
	snprintf(want, sizeof(want), "event_edited event %ld", n - 2);
	ck_assert_str_eq(f, want);
	free(f);
	snprintf(sql, sizeof(sql), "UPDATE event SET detail = 'step 3' WHERE id = %ld", n - 2);
	exec(s, sql);
	f = findings(s, NULL);
	ck_assert_str_eq(f, "");
	free(f);
	/* Swapped: events n-3 and n-2. */
	snprintf(sql, sizeof(sql),
		 "UPDATE event SET id = -1 WHERE id = %ld; UPDATE event SET id = %ld WHERE id = %ld; "
		 "UPDATE event SET id = %ld WHERE id = -1",
		 n - 3, n - 3, n - 2, n - 2);
	exec(s, sql);
	f = findings(s, NULL);
	snprintf(want, sizeof(want), "event_reordered event %ld", n - 3);
	ck_assert_str_eq(f, want);
	free(f);
	exec(s, sql); /* swapped back */
	/* Deleted: event n-3; event n-2 follows a hash no event has. */
	snprintf(sql, sizeof(sql), "DELETE FROM event WHERE id = %ld", n - 3);
	exec(s, sql);
	f = findings(s, NULL);
	snprintf(want, sizeof(want), "event_deleted event %ld", n - 2);
	ck_assert_str_eq(f, want);
	free(f);
	study_close(s);
	free(study_dir);
}
END_TEST

START_TEST(checkpoint_finds_events_cut)
{
	struct study *s = new_study();
	char *cp, head[65];
	long events = 0;
	struct ct_err err = { 0 };
	char *path = xasprintf("%s/../cp.txt", study_dir);
	/* A checkpoint that cannot be written leaves no seal in the log. */
	long before = last_id(s);
	char *bad = xasprintf("%s/../no/such/folder/cp.txt", study_dir);
	ck_assert_int_eq(verify_seal(s, bad, NULL, &cp, &events, head, &err), CT_EENV);
	ck_assert_int_eq(last_id(s), before);
	free(bad);
	ck_assert_int_eq(verify_seal(s, path, NULL, &cp, &events, head, &err), CT_OK);
	ck_assert_int_eq(events, last_id(s));
	char *f = findings(s, path);
	ck_assert_str_eq(f, "");
	free(f);
	/* The seal and the event before it cut from the end: the chain alone
	 * holds, the checkpoint does not. */
	char sql[128];
	snprintf(sql, sizeof(sql), "DELETE FROM event WHERE id > %ld", events - 2);
	exec(s, sql);
	f = findings(s, NULL);
	ck_assert_str_eq(f, "");
	free(f);
	f = findings(s, path);
	char want[64];
	snprintf(want, sizeof(want), "events_cut events %ld-%ld", events - 1, events);
	ck_assert_str_eq(f, want);
	free(f);
	/* Not a checkpoint: an input error naming the file. */
	ck_assert_int_eq(file_write_atomic(path, "hello\n", 6, 0644, &err), CT_OK);
	struct verify_options o = { .checkpoint = path };
	struct verify_result *r;
	ck_assert_int_eq(verify_run(s, &o, &r, &err), CT_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a checkpoint"));
	free(cp);
	free(path);
	study_close(s);
	free(study_dir);
}
END_TEST

START_TEST(message_changed)
{
	struct study *s = new_study();
	/* Two stored messages with their true hash (the SHA-256 of "hello",
	 * as `printf hello | sha256sum` prints it), then one byte of one
	 * changed. */
	char h[65];
	sha256_hex("hello", 5, h);
	ck_assert_str_eq(h, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	exec(s, "INSERT INTO listing (id, ref, agent_type, added_at) VALUES (1, 'L1', 'agency', 'now');"
		"INSERT INTO persona (id, grp, gender, first_name, last_name, email, phone, profile, "
		"drawn_at) VALUES (1, 1, 'female', 'F', 'L', 'f@x.invalid', '0', '{}', 'now');"
		"INSERT INTO application (id, listing, persona, status) VALUES (1, 1, 1, 'sent');"
		"INSERT INTO message (id, application, direction, raw, sha256, at) VALUES "
		"(1, 1, 'in', CAST('hello' AS BLOB), "
		"'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 'now'),"
		"(2, 1, 'in', CAST('hello' AS BLOB), "
		"'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 'now')");
	char *f = findings(s, NULL);
	ck_assert_str_eq(f, "");
	free(f);
	exec(s, "UPDATE message SET raw = CAST('jello' AS BLOB) WHERE id = 2");
	f = findings(s, NULL);
	ck_assert_str_eq(f, "message_changed message 2");
	free(f);
	/* A purged message (raw NULL) keeps its hash as the record: not a change. */
	exec(s, "UPDATE message SET raw = NULL WHERE id = 2");
	f = findings(s, NULL);
	ck_assert_str_eq(f, "");
	free(f);
	study_close(s);
	free(study_dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("verify");
	tcase_add_test(tc, untouched_edited_deleted_swapped);
	tcase_add_test(tc, checkpoint_finds_events_cut);
	tcase_add_test(tc, message_changed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
