/* test_purge.c: evidence/purge on a real study database. The selection
 * rule: a listing is due from the moment its last contact is retention_days
 * whole days old (at the boundary it goes, one second later it stays),
 * times with an offset are compared as instants, a re-check snapshot is
 * contact, pending work keeps a listing, and a legal hold matches the agent
 * however its name is typed. A run clears the personal columns, keeps the
 * hashes and the pseudonymous rows, records one event, and verify still
 * holds. study.ini errors name their line. Times and expected states are
 * worked out by hand below. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "evidence/purge.h"
#include "evidence/verify.h"
#include "store/study.h"
#include "preset_study.h"

static char *study_dir;

static void exec(struct study *s, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
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

/* listing REF with an agent key for AGENT (or none), contact data, and
 * one application of the one persona, sent at SENT, status STATUS. */
static void listing(struct study *s, int id, const char *ref, const char *agent,
		    const char *status, const char *sent)
{
	char key[16] = "";
	struct ct_err err = { 0 };
	if (agent)
		ck_assert_int_eq(study_agent_key(s, agent, key, &err), CT_OK);
	char *sql = sqlite3_mprintf(
		"INSERT INTO listing (id, ref, url, title, agent_type, agent_key, area, price, added_at)"
		" VALUES (%d, %Q, 'https://example.org/%q', 'Flat, Street %d', 'agency', %Q, 'Gent',"
		" 800, '2027-01-01T00:00:00Z');"
		"INSERT INTO listing_contact (listing, contact_email, contact_name, agent_name,"
		" contact_phone) VALUES (%d, '%q@example.test', 'Name %q', %Q, '+32 470 00 00 %02d');"
		"INSERT INTO application (id, listing, persona, variant, position, scheduled_at, status,"
		" sent_at) VALUES (%d, %d, 1, 1, 1, '2027-01-02T00:00:00Z', %Q, %Q);",
		id, ref, ref, id, agent ? key : NULL, id, ref, ref, agent, id, id, id, status, sent);
	exec(s, sql);
	sqlite3_free(sql);
}

/* SHA-256 of "From: x", by sha256sum. */
#define RAW_SHA "a35251810769fe85b339ccc18be9666b6ffc854eb45c6966fb8a2afe188d4d41"

/* An incoming message to listing id's application at AT. */
static void message(struct study *s, int id, const char *at)
{
	char *sql = sqlite3_mprintf("INSERT INTO message (application, direction, raw, sha256, at,"
				    " from_addr, subject) VALUES (%d, 'in', CAST('From: x' AS BLOB),"
				    " '" RAW_SHA "', %Q, 'landlord%d@example.test', 'Re: flat')",
				    id, at, id);
	exec(s, sql);
	sqlite3_free(sql);
}

static struct study *new_study(void)
{
	struct study *s = preset_study("ct-purge", &study_dir);
	exec(s, "INSERT INTO persona (id, grp, gender, first_name, last_name, email, phone, profile,"
		" drawn_at) SELECT 1, min(id), 'female', 'An', 'Test', 'an@persona.test', '0', '{}',"
		" '2027-01-01' FROM grp");
	/* Retention 30 days before 2028-01-01T00:00:00Z: the cutoff is
	 * 2027-12-02T00:00:00Z. */
	listing(s, 1, "EDGE", NULL, "sent", "2027-11-01T00:00:00Z");
	message(s, 1, "2027-12-02T00:00:00Z"); /* exactly 30 days: due */
	listing(s, 2, "JUST", NULL, "sent", "2027-11-01T00:00:00Z");
	message(s, 2, "2027-12-02T00:00:01Z"); /* one second less: kept */
	listing(s, 3, "OFFSET", NULL, "sent", "2027-11-01T00:00:00Z");
	/* 01:00 at +01:00 is the cutoff itself (as text it sorts after it). */
	message(s, 3, "2027-12-02T01:00:00+01:00");
	listing(s, 4, "HELD", "Agence Dupont", "sent", "2027-01-05T00:00:00Z");
	listing(s, 5, "PENDING", NULL, "planned", NULL);
	listing(s, 6, "SNAP", NULL, "sent", "2027-01-05T00:00:00Z");
	exec(s, "INSERT INTO snapshot (listing, at, url, title, body, body_sha256, advertised)"
		" VALUES (6, '2027-12-15T00:00:00Z', 'https://example.org/SNAP', 'Flat', x'00', 'b', 1)");
	listing(s, 7, "RECHECK", NULL, "sent", "2027-01-05T00:00:00Z");
	exec(s, "INSERT INTO recheck (listing, reason, day, due_at, planned_at) VALUES"
		" (7, 'unavailable', 7, '2027-01-12T00:00:00Z', '2027-01-05T00:00:00Z')");
	listing(s, 8, "OLD", "Agence Martin", "sent", "2027-01-05T00:00:00Z");
	message(s, 8, "2027-01-06T00:00:00Z");
	/* Unlinked replies: an old one from a stranger (due), an old one
	 * from the held listing's address (kept, it may still be linked), a
	 * recent one (kept), and a second delivery of the first (due with it). */
	exec(s, "INSERT INTO message (id, direction, raw, sha256, at, from_addr) VALUES"
		" (101, 'in', CAST('From: x' AS BLOB), '" RAW_SHA "', '2027-02-01T00:00:00Z',"
		"  'stranger@example.test'),"
		" (102, 'in', CAST('From: x' AS BLOB), '" RAW_SHA "', '2027-02-01T00:00:00Z',"
		"  'held@EXAMPLE.test'),"
		" (103, 'in', CAST('From: x' AS BLOB), '" RAW_SHA "', '2027-12-20T00:00:00Z',"
		"  'stranger@example.test')");
	exec(s, "INSERT INTO message (id, direction, raw, sha256, at, duplicate_of) VALUES"
		" (104, 'in', CAST('From: x' AS BLOB), '" RAW_SHA "', '2027-12-20T00:00:00Z', 101)");
	return s;
}

static const char *state_of(struct purge_listing *l, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].ref, ref))
			return purge_state_key(l[i].state);
	return "absent";
}

START_TEST(selection_boundary_and_hold)
{
	struct study *s = new_study();
	char *holds[] = { " AGENCE\u00a0  dupont " }; /* another spelling of the held agent */
	struct purge_config c = { .retention_days = 30, .holds = holds, .nholds = 1 };
	time_t now;
	ck_assert(time_parse_iso("2028-01-01T00:00:00Z", &now));
	struct purge_listing *l;
	size_t n;
	struct ct_err err = { 0 };
	ck_assert_msg(purge_select(s, &c, now, &l, &n, &err) == CT_OK, "%s", err.msg);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(state_of(l, n, "EDGE"), "due");
	ck_assert_str_eq(state_of(l, n, "JUST"), "recent");
	ck_assert_str_eq(state_of(l, n, "OFFSET"), "due");
	ck_assert_str_eq(state_of(l, n, "HELD"), "held");
	ck_assert_str_eq(state_of(l, n, "PENDING"), "pending");
	ck_assert_str_eq(state_of(l, n, "SNAP"), "recent");
	ck_assert_str_eq(state_of(l, n, "RECHECK"), "pending");
	ck_assert_str_eq(state_of(l, n, "OLD"), "due");
	purge_listings_free(l, n);
	/* Without the hold, the held listing (last contact in January) is due. */
	c.nholds = 0;
	ck_assert_int_eq(purge_select(s, &c, now, &l, &n, &err), CT_OK);
	ck_assert_str_eq(state_of(l, n, "HELD"), "due");
	/* Retention 0: everything not pending is due, JUST included. */
	c.retention_days = 0;
	purge_listings_free(l, n);
	ck_assert_int_eq(purge_select(s, &c, now, &l, &n, &err), CT_OK);
	ck_assert_str_eq(state_of(l, n, "JUST"), "due");
	ck_assert_str_eq(state_of(l, n, "SNAP"), "due");
	ck_assert_str_eq(state_of(l, n, "PENDING"), "pending");
	purge_listings_free(l, n);
	study_close(s);
	free(study_dir);
}
END_TEST

/* Replaces the study's study.ini as read by text's [evidence] section. */
static void use_ini(struct study *s, const char *evidence)
{
	char *text = preset_filled();
	char *at = strstr(text, "\n[evidence]");
	ck_assert_ptr_nonnull(at);
	char *end = strstr(at + 1, "\n[");
	char *ini = xasprintf("%.*s\n[evidence]\n%s\n%s", (int)(at - text), text, evidence,
			      end ? end : "");
	struct config *cfg;
	struct ct_err err = { 0 };
	ck_assert_msg(config_parse("study.ini", ini, &cfg, &err) == CT_OK, "%s", err.msg);
	config_free(s->cfg);
	s->cfg = cfg;
	free(ini);
	free(text);
}

START_TEST(run_clears_and_keeps)
{
	struct study *s = new_study();
	setenv("CORRTEST_NOW", "2028-01-01T00:00:00Z", 1);
	struct ct_err err = { 0 };
	struct purge_result *r;
	/* Bad values: refused with their line, nothing changed. */
	const char *bad[] = { "retention_days = -1", "retention_days = 3x", "legal_hold = a,,b",
			      "legal_hold = a,", NULL };
	long long events = one(s, "SELECT count(*) FROM event");
	for (int i = 0; bad[i]; i++) {
		use_ini(s, bad[i]);
		struct purge_options o = { 0 };
		ck_assert_int_eq(purge_run(s, &o, &r, &err), CT_EINPUT);
		ck_assert_msg(strstr(err.msg, "study.ini:") && strstr(err.msg, "[evidence]"), "%s",
			      err.msg);
	}
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events);
	ck_assert_int_eq(one(s, "SELECT count(contact_email) FROM listing_contact"), 8);

	use_ini(s, "retention_days = 30\nlegal_hold = agence dupont");
	/* Copies: an export (removed), a design file (named, kept), an event
	 * naming a landlord (named: the chain keeps it). */
	char *exp = xasprintf("%s/exports", study_dir), *tpl = xasprintf("%s/templates/x.txt",
									  study_dir);
	char *csv = xasprintf("%s/exports/contacts.csv", study_dir);
	ck_assert_int_eq(mkdir(exp, 0700), 0);
	char *tdir = xasprintf("%s/templates", study_dir);
	mkdir(tdir, 0700); /* study_create made none */
	free(tdir);
	const char *rows = "ref,name\nOLD,\"NAME OLD\"\n";
	ck_assert_int_eq(file_write_atomic(csv, rows, strlen(rows), 0600, &err), CT_OK);
	ck_assert_int_eq(file_write_atomic(tpl, "to edge@example.test", 20, 0600, &err), CT_OK);
	ck_assert_int_eq(study_begin(s, &err), CT_OK);
	ck_assert_int_eq(study_event(s, "note", "OLD", "called Name OLD", &err), CT_OK);
	ck_assert_int_eq(study_commit(s, &err), CT_OK);
	long long noted = one(s, "SELECT max(id) FROM event");
	events++;
	struct purge_options dry = { .dry_run = 1 };
	ck_assert_msg(purge_run(s, &dry, &r, &err) == CT_OK, "%s", err.msg);
	/* EDGE, OFFSET, OLD: an e-mail, a phone, a contact name and a URL
	 * each, and OLD's agent name; one raw message each. */
	ck_assert_int_eq(r->due, 3);
	ck_assert_int_eq(r->held, 1);
	ck_assert_int_eq(r->counts[PK_EMAIL], 3);
	ck_assert_int_eq(r->counts[PK_PHONE], 3);
	ck_assert_int_eq(r->counts[PK_NAME], 4);
	ck_assert_int_eq(r->counts[PK_URL], 3);
	/* and the stranger's old unlinked reply with its second delivery */
	ck_assert_int_eq(r->counts[PK_RAW], 5);
	ck_assert_int_eq(r->unlinked, 1);
	ck_assert_int_eq(r->event_id, 0);
	ck_assert_uint_eq(r->nfiles_removed, 1);
	ck_assert_str_eq(r->files_removed[0], "exports/contacts.csv");
	ck_assert_uint_eq(r->nfiles_kept, 1);
	ck_assert_str_eq(r->files_kept[0], "templates/x.txt");
	ck_assert_uint_eq(r->nevents_with_data, 1);
	ck_assert_int_eq(r->events_with_data[0], noted);
	purge_result_free(r);
	ck_assert_int_eq(access(csv, F_OK), 0);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events);
	ck_assert_int_eq(one(s, "SELECT count(contact_email) FROM listing_contact"), 8);

	struct purge_options run = { 0 };
	ck_assert_msg(purge_run(s, &run, &r, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(r->due, 3);
	ck_assert(r->vacuumed);
	purge_result_free(r);
	ck_assert_int_eq(access(csv, F_OK), -1);
	ck_assert_int_eq(access(tpl, F_OK), 0);
	free(exp);
	free(tpl);
	free(csv);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event"), events + 1);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM event WHERE action = 'purge' AND detail LIKE"
				" '%listings=3 held=1%' AND detail NOT LIKE '%example%'"),
			 1);
	/* Cleared where due, kept elsewhere. */
	ck_assert_int_eq(one(s, "SELECT count(*) FROM listing_contact WHERE contact_email IS NULL"
				" AND contact_name IS NULL AND agent_name IS NULL AND"
				" contact_phone IS NULL AND listing IN (1, 3, 8)"),
			 3);
	ck_assert_int_eq(one(s, "SELECT count(contact_email) FROM listing_contact"), 5);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM listing WHERE url IS NULL AND title IS NULL"),
			 3);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM message WHERE raw IS NULL AND from_addr IS NULL"
				" AND subject IS NULL AND (application IN (1, 3, 8) OR id IN (101, 104))"),
			 5);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM message WHERE raw IS NULL"), 5);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM message WHERE id IN (102, 103) AND raw IS NOT"
				" NULL AND from_addr IS NOT NULL"),
			 2);
	/* The pseudonymous record stays: every row, its hash, its key. */
	ck_assert_int_eq(one(s, "SELECT count(*) FROM message WHERE sha256 = '" RAW_SHA "'"), 8);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM listing WHERE agent_key IS NOT NULL"), 2);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM listing WHERE price = 800 AND area = 'Gent'"),
			 8);
	/* The held agent's and the snapshot listing's data are all there. */
	ck_assert_int_eq(one(s, "SELECT count(*) FROM snapshot WHERE url IS NOT NULL"), 1);
	ck_assert_int_eq(one(s, "SELECT count(*) FROM listing_contact WHERE listing = 4 AND"
				" contact_email = 'HELD@example.test'"),
			 1);
	/* verify: the chain holds, the purged messages are counted as such. */
	struct verify_options vo = { 0 };
	struct verify_result *vr;
	ck_assert_int_eq(verify_run(s, &vo, &vr, &err), CT_OK);
	ck_assert_int_eq(vr->messages_purged, 5);
	ck_assert_int_eq(vr->messages, 8);
	ck_assert_int_eq(vr->nfindings, 0);
	verify_result_free(vr);
	/* Again: nothing more to do. */
	ck_assert_int_eq(purge_run(s, &run, &r, &err), CT_OK);
	ck_assert_int_eq(r->due, 0);
	ck_assert_int_eq(r->counts[PK_RAW], 0);
	purge_result_free(r);
	unsetenv("CORRTEST_NOW");
	study_close(s);
	free(study_dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("purge");
	TCase *tc = tcase_create("purge");
	tcase_add_test(tc, selection_boundary_and_hold);
	tcase_add_test(tc, run_clears_and_keeps);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
