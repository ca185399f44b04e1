/* test_cv.c: the CV engine (cv/cv.h, cv/cvtpl.h): template errors name
 * FILE:LINE; the dates of a drawn CV agree with a hand computation; within
 * a pair the attributes that matter are equal and the worded ones follow
 * the phrasing; layouts and phrasings are counterbalanced over the groups
 * of a 500-listing study; the draws come from the seed, whatever the order
 * in which pairs are drawn. Real study databases (the job-nl preset). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/assignments.h"
#include "base/embedded.h"
#include "base/timeutil.h"
#include "cv/cvtpl.h"
#include "design/personas.h"
#include "evidence/retest.h"
#include "messages/template.h"
#include "store/study.h"
#include "tmpdir.h"

/* ---- template errors ---- */

static const char *const good_tail =
	"[contact]\nemail = E\nphone = P\ncity = C\nborn = B\n"
	"months = a b c d e f g h i j k l\npresent = now\n"
	"[profile]\ntitle = T1 || T2\nheadline = H\nsummary = S {{cv.experience_years}}\n"
	"[experience]\ntitle = X\njobs = 1 | 2\njob_title = J\nemployer = E1 || E2\nplace = P\n"
	"duties = D\n"
	"[education]\ntitle = Ed\nsecondary = Sec\nsecondary_school = S1 || S2\ndegree = Deg\n"
	"school = Sch\nprior_degree = PD\nprior_school = PS\n"
	"[skills]\ntitle = Sk\nitems = a; b | c; d\n"
	"[languages]\ntitle = L\nitems = nl: x\n"
	"[interests]\ntitle = I\nitems = p || q\n";

/* Parses families + good_tail + extra (lines of the last section,
 * [interests]); returns the status and the message. */
static int parse_with(const char *families, const char *extra, struct ct_err *err)
{
	char *text = xasprintf("%s%s%s", families, good_tail, extra);
	struct cv_template *t = NULL;
	memset(err, 0, sizeof(*err));
	int rc = cvt_parse("t.ini", text, strlen(text), &t, err);
	cvt_free(t);
	free(text);
	return rc;
}

START_TEST(test_template_ok)
{
	struct ct_err err;
	ck_assert_msg(parse_with("[families]\nfam = 2411\n", "", &err) == CT_OK, "%s", err.msg);
	/* The three built-in templates read. */
	static const char *const langs[] = { "nl", "fr", "en" };
	for (int i = 0; i < 3; i++) {
		char *name = xasprintf("templates/job/%s/cv.ini", langs[i]);
		const struct embedded_file *f = embedded_find(name);
		ck_assert_ptr_nonnull(f);
		struct cv_template *t = NULL;
		ck_assert_msg(cvt_parse(name, f->data, f->len, &t, &err) == CT_OK, "%s", err.msg);
		ck_assert_int_ge(t->nfam, 6);
		cvt_free(t);
		free(name);
	}
}
END_TEST

/* The line of the first line of extra: the lines before it counted. */
static char *line_of_extra(int nfam_lines)
{
	int n = nfam_lines;
	for (const char *p = good_tail; *p; p++)
		n += *p == '\n';
	return xasprintf("t.ini:%d:", n + 1);
}

START_TEST(test_template_errors)
{
	struct ct_err err;
	char *l3 = line_of_extra(2);
	/* Line numbers counted by hand from the texts. */
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "[hobbies]\n", &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "unknown section"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\nempty =\n", "", &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.ini:3:") && strstr(err.msg, "no ISCO"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 24x1\n", "", &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.ini:2:"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "x = a || b || c\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "more than two"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "x = a {{nope}}\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "{{nope}}"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "x[colour=red] = a\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "unknown condition"), "%s",
		      err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "x[family=it] = a\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "no such family"), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "just words\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3), "%s", err.msg);
	ck_assert_int_eq(parse_with("[families]\nfam = 2411\n", "x = a || b | c\n", &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, l3) && strstr(err.msg, "worded"), "%s", err.msg);
	/* A dependent node that leaves a family without a value: the error
	 * names the node's line: [families] and two families are lines 1-3,
	 * [contact] and its six keys 4-10, [profile] 11, title 12, headline 13,
	 * summary 14. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "[families]\nfam = 2411\nother = 2512\n");
	const char *sum = strstr(good_tail, "summary = S");
	sb_add(&sb, good_tail, (size_t)(sum - good_tail));
	sb_adds(&sb, "summary[family=fam] = S\n");
	sb_adds(&sb, strchr(sum, '\n') + 1);
	struct cv_template *t = NULL;
	ck_assert_int_eq(cvt_parse("t.ini", sb_str(&sb), sb.len, &t, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.ini:14:") && strstr(err.msg, "profile.summary") &&
		      strstr(err.msg, "family other"), "%s", err.msg);
	sb_free(&sb);
	free(l3);
}
END_TEST

START_TEST(test_family_of)
{
	struct ct_err err;
	char *text = xasprintf("[families]\nacc = 2411 3313\nit = 2512\n%s", good_tail);
	struct cv_template *t = NULL;
	ck_assert_msg(cvt_parse("t.ini", text, strlen(text), &t, &err) == CT_OK, "%s", err.msg);
	const struct cvt_family *o;
	ck_assert_str_eq(cvt_family_of(t, "2411", &o)->name, "acc");
	ck_assert_str_eq(cvt_family_of(t, "241", &o)->name, "acc");  /* coarser vacancy code */
	ck_assert_str_eq(cvt_family_of(t, "331", &o)->name, "acc");
	ck_assert_str_eq(cvt_family_of(t, "2512", &o)->name, "it");
	ck_assert_ptr_null(cvt_family_of(t, "9999", &o));
	ck_assert_ptr_null(cvt_family_of(t, "2", &o)); /* both families: ambiguous */
	ck_assert_ptr_nonnull(o);
	cvt_free(t);
	free(text);
}
END_TEST

/* ---- studies ---- */

static char *job_ini(const char *seed, const char *cv_extra)
{
	const struct embedded_file *f = embedded_find("templates/presets/job-nl.ini");
	ck_assert_ptr_nonnull(f);
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = f->data; *p; p++) {
		if (!strncmp(p, "@CITY@", 6)) {
			sb_adds(&sb, "Gent");
			p += 5;
		} else if (!strncmp(p, "@SEED@", 6)) {
			sb_adds(&sb, seed);
			p += 5;
		} else if (!strncmp(p, "@START@", 7)) {
			sb_adds(&sb, "2026-12-07");
			p += 6;
		} else if (!strncmp(p, "attach = yes\n", 13) && cv_extra) {
			sb_adds(&sb, cv_extra);
			p += 12;
		} else {
			sb_addc(&sb, *p);
		}
	}
	return sb_detach(&sb);
}

static void exec_sql(struct study *s, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "");
}

/* A job-nl study (Gent) with n vacancies whose ISCO codes cycle over the
 * families, personas drawn; assigned unless assign is 0. */
static struct study *job_study(const char *prefix, const char *seed, int n, const char *cv_extra,
			       int assign, char **dirp)
{
	char *tmpl = tmpdir_new(prefix);
	char *dir = xasprintf("%s/study", tmpl);
	free(tmpl);
	char *ini = job_ini(seed, cv_extra);
	const struct embedded_file *v[3] = { embedded_find("templates/job/nl/v1.txt"),
					     embedded_find("templates/job/nl/v2.txt"),
					     embedded_find("templates/job/nl/v3.txt") };
	struct study_file files[3] = { { "templates/v1.txt", v[0]->data, v[0]->len },
				       { "templates/v2.txt", v[1]->data, v[1]->len },
				       { "templates/v3.txt", v[2]->data, v[2]->len } };
	struct ct_err err = { 0 };
	ck_assert_msg(study_create_with(dir, ini, files, 3, &err) == CT_OK, "%s", err.msg);
	free(ini);
	struct study *s;
	ck_assert_msg(study_open(dir, STUDY_RW, &s, &err) == CT_OK, "%s", err.msg);
	struct persona_set *ps = NULL;
	ck_assert_msg(personas_draw(s, 0, &ps, &err) == CT_OK, "%s", err.msg);
	persona_set_free(ps);
	static const char *const isco[] = { "2411", "4110", "2221", "2512", "5223", "4321", "5131", "7412" };
	exec_sql(s, "BEGIN");
	for (int i = 1; i <= n; i++) {
		char *sql = xasprintf("INSERT INTO listing (id, ref, agent_type, added_at, isco) VALUES "
				      "(%d, 'V%03d', 'private', '2026-12-01T00:00:00Z', '%s')",
				      i, i, isco[i % 8]);
		exec_sql(s, sql);
		free(sql);
	}
	exec_sql(s, "COMMIT");
	if (assign) {
		struct assign_outcome o;
		ck_assert_msg(assignments_make(s, NULL, 0, &o, &err) == CT_OK, "%s", err.msg);
		ck_assert_int_eq(o.n, n);
		assign_outcome_free(&o);
	}
	if (dirp)
		*dirp = dir;
	else
		free(dir);
	return s;
}

static const char *attr(const struct cv_record *r, const char *k)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], k))
			return r->value[i];
	return NULL;
}

/* The applications of the study's pairs, listing by listing. */
static int apps(struct study *s, long long **out)
{
	sqlite3_stmt *st;
	struct ct_err err;
	ck_assert_int_eq(study_prepare(s, "SELECT id FROM application WHERE kind = 'main' ORDER BY "
				       "listing, position", &st, &err), CT_OK);
	int n = 0;
	long long *a = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		a = xrealloc(a, (size_t)(n + 1) * sizeof(*a));
		a[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	*out = a;
	return n;
}

static int year_of(const char *s)
{
	return atoi(s);
}

START_TEST(test_dates)
{
	struct study *s = job_study("cv-dates", "11", 40, NULL, 1, NULL);
	long long *a;
	int n = apps(s, &a);
	ck_assert_int_eq(n, 80);
	struct ct_err err;
	for (int i = 0; i < n; i++) {
		struct cv_record r;
		int has = 0;
		ck_assert_int_eq(cv_record_load(s, a[i], &has, &r, &err), CT_OK);
		ck_assert_int_eq(has, 1);
		/* The reference date: the pair's first message, read here from
		 * the database (sending hours 9-17 in Brussels: the UTC date is
		 * the local one). */
		sqlite3_stmt *st;
		ck_assert_int_eq(study_prepare(s, "SELECT substr(min(scheduled_at), 1, 10) FROM "
					       "application WHERE listing = (SELECT listing FROM "
					       "application WHERE id = ?1)", &st, &err), CT_OK);
		sqlite3_bind_int64(st, 1, a[i]);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		char ref[11];
		snprintf(ref, sizeof(ref), "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		ck_assert_str_eq(attr(&r, "cv.reference_date"), ref);
		int ry = year_of(ref), age = 31, exp = 10; /* the preset's profile */
		const char *bd = attr(&r, "cv.birth_date");
		ck_assert_int_eq(year_of(bd) + age, ry);
		/* Born on or before the reference day of that year: exactly 31. */
		ck_assert_int_le(strcmp(bd + 5, ref + 5), 0);
		/* Bachelor: the degree at 31 - 10 = 21, three years long. */
		int grad = year_of(bd) + (age - exp);
		ck_assert_int_eq(atoi(attr(&r, "cv.grad_year")), grad);
		char want[32];
		snprintf(want, sizeof(want), "%d \u2013 %d", grad - 3, grad);
		ck_assert_str_eq(attr(&r, "cv.degree_years"), want);
		/* Secondary school: six years, ending at 18 (before the degree). */
		snprintf(want, sizeof(want), "%d \u2013 %d", year_of(bd) + 12, year_of(bd) + 18);
		ck_assert_str_eq(attr(&r, "cv.secondary_years"), want);
		/* Jobs: most recent first, the oldest begun in the degree's year,
		 * each at least a year, none before the degree. */
		int nj = atoi(attr(&r, "cv.jobs"));
		ck_assert(nj >= 1 && nj <= 3);
		int prev_start = ry + 1;
		for (int k = 1; k <= nj; k++) {
			char key[32];
			snprintf(key, sizeof(key), "cv.job_years.%d", k);
			const char *y = attr(&r, key);
			ck_assert_ptr_nonnull(y);
			int from = atoi(y);
			ck_assert_int_ge(from, grad);
			ck_assert_int_lt(from, prev_start);
			if (k == 1)
				ck_assert_ptr_nonnull(strstr(y, "heden"));
			else
				ck_assert_int_eq(atoi(strstr(y, "\u2013") + 4), prev_start);
			if (k == nj)
				ck_assert_int_eq(from, grad);
			prev_start = from;
		}
		snprintf(want, sizeof(want), "cv.job_years.%d", nj + 1);
		ck_assert_ptr_null(attr(&r, want));
		cv_record_free(&r);
	}
	free(a);
	study_close(s);
}
END_TEST

/* Within every pair: the attributes that matter are equal; layout and
 * phrasing differ; worded nodes show the side of their phrasing (texts
 * from templates/job/nl/cv.ini, read by eye). */
START_TEST(test_pairs)
{
	struct study *s = job_study("cv-pairs", "12", 40, NULL, 1, NULL);
	long long *a;
	int n = apps(s, &a);
	struct ct_err err;
	static const char *const same[] = { "cv.level", "cv.family", "cv.birth_date", "cv.grad_year",
					    "cv.jobs", "cv.degree_years", "cv.job_years.1",
					    "education.degree", "skills.items", "languages.items",
					    "experience.job_title.1", "profile.headline" };
	for (int i = 0; i < n; i += 2) {
		struct cv_record r[2];
		int has;
		for (int k = 0; k < 2; k++) {
			ck_assert_int_eq(cv_record_load(s, a[i + k], &has, &r[k], &err), CT_OK);
			ck_assert_int_eq(has, 1);
		}
		ck_assert_str_eq(r[0].listing_ref, r[1].listing_ref);
		ck_assert_int_ne(r[0].layout, r[1].layout);
		ck_assert_int_ne(r[0].phrasing, r[1].phrasing);
		ck_assert_str_eq(r[0].created_at, r[1].created_at);
		for (size_t k = 0; k < sizeof(same) / sizeof(*same); k++)
			ck_assert_str_eq(attr(&r[0], same[k]), attr(&r[1], same[k]));
		for (int k = 0; k < 2; k++) {
			int ph = r[k].phrasing;
			ck_assert_str_eq(attr(&r[k], "profile.title"), ph == 1 ? "Profiel" : "Over mij");
			/* Artevelde has no informatica, elektromechanica or
			 * hotelmanagement: those families' second school is VIVES. */
			const char *fam = attr(&r[k], "cv.family");
			const char *school2 = !strcmp(fam, "hospitality") ? "VIVES, Brugge"
					      : !strcmp(fam, "it") || !strcmp(fam, "technician")
						      ? "VIVES, Kortrijk"
						      : "Arteveldehogeschool, Gent";
			ck_assert_str_eq(attr(&r[k], "education.school"), ph == 1 ? "HOGENT, Gent" : school2);
			ck_assert_str_eq(attr(&r[k], "contact.phone"), ph == 1 ? "Telefoon" : "Gsm");
		}
		ck_assert_str_ne(attr(&r[0], "profile.summary"), attr(&r[1], "profile.summary"));
		ck_assert_str_ne(attr(&r[0], "experience.employer.1"), attr(&r[1], "experience.employer.1"));
		/* The document: the name, the contact block, the sections. */
		struct cv_doc d;
		ck_assert_int_eq(cv_doc_load(s, a[i], &has, &d, &err), CT_OK);
		char *name = xasprintf("%s %s", r[0].first, r[0].last);
		ck_assert_str_eq(d.name, name);
		ck_assert_str_eq(d.author, name);
		free(name);
		ck_assert_int_eq(d.layout, r[0].layout);
		ck_assert_int_eq(d.ncontact, 4);
		ck_assert_int_eq(d.nsec, 5);
		ck_assert_str_eq(d.sec[0].kind, "experience");
		ck_assert_int_eq(d.sec[0].n, atoi(attr(&r[0], "cv.jobs")));
		ck_assert_str_eq(d.sec[1].kind, "education");
		ck_assert_int_eq(d.sec[1].n, 2); /* the bachelor, then secondary school */
		time_t ct;
		ck_assert(time_parse_iso(r[0].created_at, &ct));
		ck_assert(d.created == ct);
		cv_doc_free(&d);
		cv_record_free(&r[0]);
		cv_record_free(&r[1]);
	}
	free(a);
	study_close(s);
}
END_TEST

/* 500 listings: per group, layouts and phrasings within 2 of half. */
START_TEST(test_counterbalance)
{
	struct study *s = job_study("cv-500", "13", 500, NULL, 1, NULL);
	sqlite3_stmt *st;
	struct ct_err err;
	ck_assert_int_eq(study_prepare(s, "SELECT g.name, count(*), sum(c.layout = 1), "
				       "sum(c.phrasing = 1) FROM cv c JOIN application a ON a.id = "
				       "c.application JOIN persona p ON p.id = a.persona JOIN grp g ON "
				       "g.id = p.grp GROUP BY g.name", &st, &err), CT_OK);
	int groups = 0;
	long total = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long n = sqlite3_column_int64(st, 1), l1 = sqlite3_column_int64(st, 2),
		     p1 = sqlite3_column_int64(st, 3);
		ck_assert_msg(labs(2 * l1 - n) <= 4, "%s: layout 1 in %ld of %ld",
			      sqlite3_column_text(st, 0), l1, n);
		ck_assert_msg(labs(2 * p1 - n) <= 4, "%s: phrasing 1 in %ld of %ld",
			      sqlite3_column_text(st, 0), p1, n);
		groups++;
		total += n;
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(groups, 4);
	ck_assert_int_eq(total, 1000);
	struct cv_balance *b;
	ck_assert_int_eq(cv_balance(s, &b, &err), CT_OK);
	ck_assert_str_eq(b->row[0].attr, "layout");
	ck_assert(b->row[0].p > 0.5);
	cv_balance_free(b);
	study_close(s);
}
END_TEST

/* The text of each phrasing of each listing's CVs, "REF/PH" -> attrs. */
static void by_phrasing(struct study *s, struct tpl_vars *out)
{
	sqlite3_stmt *st;
	struct ct_err err;
	ck_assert_int_eq(study_prepare(s, "SELECT l.ref, c.phrasing, c.attrs, c.created_at FROM cv c "
				       "JOIN application a ON a.id = c.application JOIN listing l ON "
				       "l.id = a.listing", &st, &err), CT_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *k = xasprintf("%s/%d", sqlite3_column_text(st, 0), sqlite3_column_int(st, 1));
		char *v = xasprintf("%s %s", sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
		tpl_vars_set(out, k, v);
		free(k);
		free(v);
	}
	sqlite3_finalize(st);
}

START_TEST(test_reproducible)
{
	/* Two studies of one seed draw the same CVs; a study whose CVs are
	 * drawn in two runs (half of the pairs, then the rest) draws the
	 * same texts for each listing and phrasing. */
	struct study *s1 = job_study("cv-rep1", "14", 24, NULL, 1, NULL);
	struct study *s2 = job_study("cv-rep2", "14", 24, NULL, 1, NULL);
	struct tpl_vars a = { 0 }, b = { 0 }, c = { 0 };
	by_phrasing(s1, &a);
	by_phrasing(s2, &b);
	ck_assert_int_eq(a.n, 48);
	ck_assert_int_eq(b.n, 48);
	for (int i = 0; i < a.n; i++)
		ck_assert_str_eq(a.v[i].value, tpl_vars_get(&b, a.v[i].name));
	exec_sql(s2, "DELETE FROM cv WHERE application IN (SELECT id FROM application WHERE "
		     "listing % 2 = 0)");
	struct ct_err err;
	long nd = 0;
	ck_assert_int_eq(cv_draw_study(s2, &nd, &err), CT_OK);
	ck_assert_int_eq(nd, 24);
	by_phrasing(s2, &c);
	ck_assert_int_eq(c.n, 48);
	for (int i = 0; i < a.n; i++)
		ck_assert_str_eq(a.v[i].value, tpl_vars_get(&c, a.v[i].name));
	tpl_vars_free(&a);
	tpl_vars_free(&b);
	tpl_vars_free(&c);
	/* Another seed, other draws. */
	struct study *s3 = job_study("cv-rep3", "15", 24, NULL, 1, NULL);
	struct tpl_vars d = { 0 };
	by_phrasing(s3, &d);
	by_phrasing(s1, &a);
	int differ = 0;
	for (int i = 0; i < a.n; i++)
		differ += strcmp(a.v[i].value, tpl_vars_get(&d, a.v[i].name)) != 0;
	ck_assert_int_gt(differ, 0);
	tpl_vars_free(&a);
	tpl_vars_free(&d);
	study_close(s1);
	study_close(s2);
	study_close(s3);
}
END_TEST

static long count(struct study *s, const char *sql)
{
	sqlite3_stmt *st;
	struct ct_err err;
	ck_assert_int_eq(study_prepare(s, sql, &st, &err), CT_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

START_TEST(test_bad_input)
{
	/* A vacancy with a code no family covers, one that asks for a master:
	 * assign refuses, naming the listing; nothing is assigned. */
	struct study *s = job_study("cv-bad", "16", 8, NULL, 0, NULL);
	exec_sql(s, "UPDATE listing SET isco = '6111' WHERE ref = 'V003'");
	struct assign_outcome o;
	struct ct_err err = { 0 };
	ck_assert_int_eq(assignments_make(s, NULL, 0, &o, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "V003") && strstr(err.msg, "6111"), "%s", err.msg);
	assign_outcome_free(&o);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM assignment"), 0);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM cv"), 0);
	exec_sql(s, "UPDATE listing SET isco = '2411', level = 'master' WHERE ref = 'V003'");
	ck_assert_int_eq(assignments_make(s, NULL, 0, &o, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "V003") && strstr(err.msg, "master"), "%s", err.msg);
	assign_outcome_free(&o);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM application"), 0);
	exec_sql(s, "UPDATE listing SET level = 'bachelor' WHERE ref = 'V003'");
	ck_assert_int_eq(assignments_make(s, NULL, 0, &o, &err), CT_OK);
	ck_assert_int_eq(o.cvs, 16);
	assign_outcome_free(&o);
	study_close(s);

	/* Age and experience that cannot fit a bachelor: the error names
	 * study.ini and the line of experience_years. */
	char *dir;
	s = job_study("cv-age", "17", 4, NULL, 0, &dir);
	study_close(s);
	char *ini = xasprintf("%s/study.ini", dir), *text;
	size_t len;
	ck_assert_int_eq(file_read(ini, &text, &len, &err), CT_OK);
	char *at = strstr(text, "experience_years = 10");
	ck_assert_ptr_nonnull(at);
	/* 31 - 12 = 19, below a bachelor's 21. */
	char *fixed = xasprintf("%.*s12%s", (int)(at - text + 19), text, at + 21);
	int line = 1;
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	ck_assert_int_eq(file_write_atomic(ini, fixed, strlen(fixed), 0644, &err), CT_OK);
	ck_assert_int_eq(study_open(dir, STUDY_RW, &s, &err), CT_OK);
	ck_assert_int_eq(assignments_make(s, NULL, 0, &o, &err), CT_EINPUT);
	char want[64];
	snprintf(want, sizeof(want), "study.ini:%d:", line);
	ck_assert_msg(strstr(err.msg, want) && strstr(err.msg, "19"), "%s (want %s)", err.msg, want);
	assign_outcome_free(&o);
	study_close(s);
	free(fixed);
	free(text);
	free(ini);
	free(dir);
}
END_TEST

/* A re-test's new pair gets its CVs in the re-test's transaction: drawn
 * for its own listing, the two differing in layout and phrasing. */
START_TEST(test_retest)
{
	struct study *s = job_study("cv-retest", "18", 0, NULL, 0, NULL);
	exec_sql(s, "INSERT INTO listing (id, ref, agent_type, added_at, isco, agent_key) VALUES "
		    "(1, 'R1', 'agency', '2026-12-01T00:00:00Z', '2512', 'ag-00000000000a')");
	struct assign_outcome o;
	struct ct_err err = { 0 };
	ck_assert_msg(assignments_make(s, NULL, 0, &o, &err) == CT_OK, "%s", err.msg);
	ck_assert_int_eq(o.cvs, 2);
	assign_outcome_free(&o);
	exec_sql(s, "UPDATE application SET status = 'sent', sent_at = scheduled_at;"
		    "INSERT INTO listing (id, ref, agent_type, added_at, isco, agent_key) VALUES "
		    "(2, 'R2', 'agency', '2026-12-01T00:00:00Z', '2411', 'ag-00000000000a')");
	struct retest_plan rp;
	ck_assert_msg(retest_plan(s, "ag-00000000000a", NULL, 0, &rp, &err) == CT_OK, "%s", err.msg);
	retest_plan_free(&rp);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM cv c JOIN application a ON a.id = "
			       "c.application WHERE a.kind = 'retest' AND a.listing = 2 AND "
			       "c.family = 'accounting'"), 2);
	ck_assert_int_eq(count(s, "SELECT count(DISTINCT layout) + count(DISTINCT phrasing) FROM cv "
			       "c JOIN application a ON a.id = c.application WHERE a.kind = 'retest'"),
			 4);
	study_close(s);
}
END_TEST

START_TEST(test_file_name)
{
	char *f = cv_file_name("Anne-Marie", "Van den Broeck");
	ck_assert_str_eq(f, "CV_Anne-Marie_Van_den_Broeck.pdf");
	free(f);
	f = cv_file_name("Zoë", "Çelik");
	ck_assert_str_eq(f, "CV_Zoë_Çelik.pdf");
	free(f);
}
END_TEST

int main(void)
{
	setenv("CORRTEST_NOW", "2026-12-01T10:00:00Z", 1);
	Suite *s = suite_create("cv");
	TCase *tc = tcase_create("cv");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_template_ok);
	tcase_add_test(tc, test_template_errors);
	tcase_add_test(tc, test_family_of);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_pairs);
	tcase_add_test(tc, test_counterbalance);
	tcase_add_test(tc, test_reproducible);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_retest);
	tcase_add_test(tc, test_file_name);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
