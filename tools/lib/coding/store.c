/* store.c: codes of replies, the blind text, the queue and its
 * spreadsheet round trip, the second coder's sample, and the analysed
 * response that codes make (see store.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coding/store.h"
#include "coding/rules.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "io/csv.h"
#include "mail/reply.h"
#include "base/banned.h"

int coding_coder_ok(const char *coder)
{
	size_t n = coder ? strlen(coder) : 0;
	return n > 0 && n <= 64 && text_ok(coder, n, NULL, NULL, NULL) && strcmp(coder, "rules") &&
	       !strchr(coder, ' ');
}

void coding_items_free(struct coding_item *items, int n)
{
	for (int i = 0; i < n; i++) {
		free(items[i].text);
		free(items[i].first_coder);
	}
	free(items);
}

/* What makes a message a reply that is coded (store.h). */
#define REPLY_WHERE                                                                \
	"m.direction = 'in' AND m.application IS NOT NULL AND m.duplicate_of IS NULL " \
	"AND (m.kind IS NULL OR m.kind = 'reply' OR m.kind = 'other')"

/* ---- blind text ---- */

struct names {
	char **w;
	int n, cap;
};

static void names_add(struct names *nm, const char *s)
{
	if (!s || strlen(s) < 2)
		return;
	for (int i = 0; i < nm->n; i++)
		if (str_eq_ci(nm->w[i], s))
			return;
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? 2 * nm->cap : 16;
		nm->w = xrealloc(nm->w, (size_t)nm->cap * sizeof(*nm->w));
	}
	nm->w[nm->n++] = xstrdup(s);
}

static void names_free(struct names *nm)
{
	for (int i = 0; i < nm->n; i++)
		free(nm->w[i]);
	free(nm->w);
}

static int by_length_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every candidate's names, longest first, so that "Amina El Idrissi" is
 * replaced whole before "Amina" could split it. */
static int names_load(struct study *s, struct names *nm, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT first_name, last_name, email FROM persona", &st, err);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f = (const char *)sqlite3_column_text(st, 0);
		const char *l = (const char *)sqlite3_column_text(st, 1);
		const char *e = (const char *)sqlite3_column_text(st, 2);
		char *full = xasprintf("%s %s", f, l), *rev = xasprintf("%s %s", l, f);
		char *revc = xasprintf("%s, %s", l, f);
		names_add(nm, full);
		names_add(nm, rev);
		names_add(nm, revc);
		free(full);
		free(rev);
		free(revc);
		names_add(nm, e);
		const char *at = e ? strchr(e, '@') : NULL;
		if (at) {
			char *local = xstrndup(e, (size_t)(at - e));
			names_add(nm, local);
			free(local);
		}
		names_add(nm, f);
		names_add(nm, l);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "reading the personas");
	qsort(nm->w, (size_t)nm->n, sizeof(*nm->w), by_length_desc);
	return CT_OK;
}

/* A byte that continues a word: ASCII letters and digits, and every byte
 * of a multi-byte UTF-8 character (letters with accents). */
static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

static char *blind(const char *text, const struct names *nm)
{
	struct strbuf sb = { 0 };
	size_t len = strlen(text);
	for (size_t i = 0; i < len;) {
		int hit = 0;
		if (i == 0 || !word_byte((unsigned char)text[i - 1])) {
			for (int k = 0; k < nm->n && !hit; k++) {
				size_t wl = strlen(nm->w[k]);
				if (wl <= len - i && !strncasecmp(text + i, nm->w[k], wl) &&
				    (i + wl == len || !word_byte((unsigned char)text[i + wl]))) {
					sb_adds(&sb, "[CANDIDATE]");
					i += wl;
					hit = 1;
				}
			}
		}
		if (!hit)
			sb_addc(&sb, text[i++]);
	}
	return sb_detach(&sb);
}

static int blind_with(struct study *s, const struct names *nm, int64_t message, char **text,
		      struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT raw FROM message WHERE id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, message);
	*text = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		struct reply *r = NULL;
		struct ct_err e2 = { 0 };
		if (!reply_parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &r,
				 &e2)) {
			*text = blind(r->text, nm);
			reply_free(r);
		}
	}
	sqlite3_finalize(st);
	/* A purged or empty message has no text to show; the coder sees why. */
	if (!*text)
		*text = xstrdup("[no text: the message was purged or is empty]");
	return CT_OK;
}

int coding_blind_text(struct study *s, int64_t message, char **text, struct ct_err *err)
{
	struct names nm = { 0 };
	int rc = names_load(s, &nm, err);
	if (!rc)
		rc = blind_with(s, &nm, message, text, err);
	names_free(&nm);
	return rc;
}

/* ---- the queue ---- */

int coding_queue(struct study *s, const char *pass, const char *coder, struct coding_item **items,
		 int *n, struct ct_err *err)
{
	*items = NULL;
	*n = 0;
	int second = !strcmp(pass, "second");
	if (!second && strcmp(pass, "first"))
		return ct_fail(err, CT_EINPUT, "unknown pass '%s' (first or second)", pass);
	const char *sql =
		second ? "SELECT m.id, m.application, f.coder FROM message m "
			 "JOIN coding_sample cs ON cs.message = m.id "
			 "JOIN coding f ON f.message = m.id AND f.pass = 'first' "
			 "WHERE " REPLY_WHERE " AND (?1 IS NULL OR f.coder <> ?1) AND NOT EXISTS "
			 "(SELECT 1 FROM coding c WHERE c.message = m.id AND c.pass = 'second') "
			 "ORDER BY m.id"
		       : "SELECT m.id, m.application, NULL FROM message m WHERE " REPLY_WHERE
			 " AND NOT EXISTS (SELECT 1 FROM coding c WHERE c.message = m.id AND "
			 "c.pass = 'first') ORDER BY m.id";
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	if (second && coder)
		sqlite3_bind_text(st, 1, coder, -1, SQLITE_STATIC);
	int cap = 0;
	struct coding_item *it = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			it = xrealloc(it, (size_t)cap * sizeof(*it));
		}
		it[*n] = (struct coding_item){ .message = sqlite3_column_int64(st, 0),
					       .application = sqlite3_column_int64(st, 1),
					       .first_coder = study_column_dup(st, 2, NULL) };
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		coding_items_free(it, *n);
		*n = 0;
		return study_db_error(s, err, "reading the replies");
	}
	struct names nm = { 0 };
	rc = names_load(s, &nm, err);
	for (int i = 0; !rc && i < *n; i++)
		rc = blind_with(s, &nm, it[i].message, &it[i].text, err);
	names_free(&nm);
	if (rc) {
		coding_items_free(it, *n);
		*n = 0;
		return rc;
	}
	*items = it;
	return CT_OK;
}

/* ---- applying codes ---- */

int coding_apply(struct study *s, int64_t app, struct ct_err *err)
{
	/* Each coded reply of app with its effective code (adjudicated, else
	 * first), in the order the replies came. Codes of replies logged by
	 * hand (no message) come in the order they were given. */
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT c.id, c.outcome, c.coder, m.at, c.message FROM coding c "
		"LEFT JOIN message m ON m.id = c.message WHERE c.application = ?1 AND "
		"(c.pass = 'adjudicated' OR (c.pass = 'first' AND NOT EXISTS (SELECT 1 FROM "
		"coding a WHERE a.pass = 'adjudicated' AND a.application = c.application AND "
		"a.message IS c.message))) ORDER BY coalesce(m.at, c.coded_at), c.id",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, app);
	const char *rule = s->design && s->design->reply_rule ? s->design->reply_rule : "best";
	int64_t pick = 0, pick_msg = 0;
	int best = CODING_NOUTCOMES;
	char *outcome = NULL, *coder = NULL, *at = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int o = coding_outcome_index((const char *)sqlite3_column_text(st, 1));
		int take = !strcmp(rule, "last") || (!strcmp(rule, "first") && !pick) ||
			   (!strcmp(rule, "best") && o < best);
		if (take) {
			pick = sqlite3_column_int64(st, 0);
			pick_msg = sqlite3_column_int64(st, 4);
			best = o;
			free(outcome);
			free(coder);
			free(at);
			outcome = study_column_dup(st, 1, NULL);
			coder = study_column_dup(st, 2, NULL);
			at = study_column_dup(st, 3, NULL);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading the codes");
		goto out;
	}
	rc = CT_OK;
	if (!pick)
		goto out;
	/* Appended only when the latest response is not already this code. */
	if ((rc = study_prepare(s,
				"SELECT coding, outcome FROM response WHERE application = ? "
				"ORDER BY id DESC LIMIT 1",
				&st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, app);
	int same = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == pick &&
		   !strcmp((const char *)sqlite3_column_text(st, 1), outcome);
	sqlite3_finalize(st);
	if (same)
		goto out;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	char *note = xasprintf("coded reply (reply_rule %s)", rule);
	if (!(rc = study_prepare(s,
				 "INSERT INTO response (application, message, channel, outcome, coder, "
				 "coded_at, at, note, coding) VALUES (?, ?, 'email', ?, ?, ?, ?, ?, ?)",
				 &st, err))) {
		sqlite3_bind_int64(st, 1, app);
		if (pick_msg)
			sqlite3_bind_int64(st, 2, pick_msg);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, coder, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, note, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, pick);
		rc = study_step_done(s, st, err, "recording the coded response");
		sqlite3_finalize(st);
	}
	free(note);
out:
	free(outcome);
	free(coder);
	free(at);
	return rc;
}

/* ---- recording codes ---- */

static int is_reply(struct study *s, int64_t message, int64_t *app, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT m.application FROM message m WHERE m.id = ? AND " REPLY_WHERE,
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, message);
	*app = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return CT_OK;
}

/* The coder of message's code of pass, copied (caller frees), or NULL. */
static char *coder_of(struct study *s, int64_t message, const char *pass)
{
	sqlite3_stmt *st;
	struct ct_err e = { 0 };
	if (study_prepare(s, "SELECT coder FROM coding WHERE message = ? AND pass = ?", &st, &e))
		return NULL;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_text(st, 2, pass, -1, SQLITE_STATIC);
	char *c = sqlite3_step(st) == SQLITE_ROW ? study_column_dup(st, 0, NULL) : NULL;
	sqlite3_finalize(st);
	return c;
}

static int in_sample(struct study *s, int64_t message)
{
	sqlite3_stmt *st;
	struct ct_err e = { 0 };
	if (study_prepare(s, "SELECT 1 FROM coding_sample WHERE message = ?", &st, &e))
		return 0;
	sqlite3_bind_int64(st, 1, message);
	int in = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return in;
}

/* Checks a code before it is written: CT_EINPUT with the reason (without
 * the location, which the caller adds). *app: the reply's application. */
/* The study's codebook (the built-in one and the study's
 * coding/codebook.ini), read once per process and study folder: a review
 * session or an import checks every code against it. Borrowed. */
static const struct codebook *study_codebook(struct study *s, struct ct_err *err)
{
	static struct codebook *cb;
	static char *dir;
	if (cb && !strcmp(dir, s->dir))
		return cb;
	struct codebook *fresh = NULL;
	if (codebook_load(s->dir, &fresh, err))
		return NULL;
	codebook_free(cb);
	free(dir);
	cb = fresh;
	dir = xstrdup(s->dir);
	return cb;
}

/* sub_code ("let" or "refusal.let", any case) is a sub-code of outcome in
 * the study's codebook, for the study's market; *canon: its name as the
 * codebook spells it ("let"), which is what is stored. */
static int subcode_check(struct study *s, const char *outcome, const char *sub_code,
			 const char **canon, struct ct_err *err)
{
	const struct codebook *cb = study_codebook(s, err);
	if (!cb)
		return CT_EINPUT;
	size_t ol = strlen(outcome);
	char *full = !strncasecmp(sub_code, outcome, ol) && sub_code[ol] == '.'
			     ? xstrdup(sub_code)
			     : xasprintf("%s.%s", outcome, sub_code);
	const struct coding_code *cc = codebook_find(cb, full);
	int rc = CT_OK;
	if (!cc || !cc->sub)
		rc = ct_fail(err, CT_EINPUT,
			     "sub_code '%s' is not a sub-code of %s in the codebook "
			     "(templates/coding/codebook.ini, or the study's coding/codebook.ini)",
			     sub_code, outcome);
	else if (!(cc->markets & coding_market_parse(s->design->market)))
		rc = ct_fail(err, CT_EINPUT, "sub_code '%s' is not used in %s studies (codebook)",
			     sub_code, s->design->market);
	else
		*canon = cc->sub;
	free(full);
	return rc;
}

static int check_code(struct study *s, int64_t message, const char *pass, const char *coder,
		      const char *outcome, const char *sub_code, const char *note, int64_t *app,
		      const char **canon, struct ct_err *err)
{
	int rc = is_reply(s, message, app, err);
	if (rc)
		return rc;
	if (!*app)
		return ct_fail(err, CT_EINPUT, "message %lld is not a linked incoming reply",
			       (long long)message);
	if (!coding_coder_ok(coder))
		return ct_fail(err, CT_EINPUT,
			       "coder id must be 1 to 64 characters of plain text without spaces, "
			       "not 'rules'");
	if (coding_outcome_index(outcome) < 0)
		return ct_fail(err, CT_EINPUT,
			       "outcome '%s' is not one of invitation, info, refusal, other, no_reply",
			       outcome ? outcome : "");
	*canon = NULL;
	if (sub_code && *sub_code && (rc = subcode_check(s, outcome, sub_code, canon, err)))
		return rc;
	if (note && *note && !text_ok(note, strlen(note), NULL, NULL, NULL))
		return ct_fail(err, CT_EINPUT, "the note is not plain text (UTF-8 without controls)");
	char *had = coder_of(s, message, pass);
	if (had) {
		rc = ct_fail(err, CT_EINPUT, "reply %lld already has a %s code (by %s)",
			     (long long)message, pass, had);
		free(had);
		return rc;
	}
	if (!strcmp(pass, "second")) {
		char *first = coder_of(s, message, "first");
		if (!first)
			return ct_fail(err, CT_EINPUT, "reply %lld has no first code to compare with",
				       (long long)message);
		int same = !strcmp(first, coder);
		free(first);
		if (same)
			return ct_fail(err, CT_EINPUT,
				       "reply %lld: the second code must come from another coder than "
				       "the first (%s)",
				       (long long)message, coder);
		if (!in_sample(s, message))
			return ct_fail(err, CT_EINPUT,
				       "reply %lld is not in the second coder's sample (code --second)",
				       (long long)message);
	}
	return CT_OK;
}

int coding_insert(struct study *s, int64_t message, const char *pass, const char *coder,
		  const char *outcome, const char *sub_code, const char *note, int64_t *id,
		  struct ct_err *err)
{
	int64_t app = 0;
	const char *canon = NULL;
	int rc = check_code(s, message, pass, coder, outcome, sub_code, note, &app, &canon, err);
	if (rc)
		return rc;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	sqlite3_stmt *st;
	if ((rc = study_prepare(s,
				"INSERT INTO coding (message, application, pass, coder, outcome, "
				"sub_code, note, coded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				&st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int64(st, 2, app);
	sqlite3_bind_text(st, 3, pass, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, coder, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, outcome, -1, SQLITE_STATIC);
	/* Stored as the codebook spells it ("let"), however it was given. */
	if (canon)
		sqlite3_bind_text(st, 6, canon, -1, SQLITE_STATIC);
	if (note && *note)
		sqlite3_bind_text(st, 7, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	rc = study_step_done(s, st, err, "recording the code");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	/* A second code does not change what is analysed. */
	return strcmp(pass, "second") ? coding_apply(s, app, err) : CT_OK;
}

int coding_record(struct study *s, int64_t message, const char *pass, const char *coder,
		  const char *outcome, const char *sub_code, const char *note, int64_t *id,
		  struct ct_err *err)
{
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	char subject[48];
	snprintf(subject, sizeof(subject), "message %lld", (long long)message);
	char *detail = xasprintf("pass=%s coder=%s outcome=%s%s%s", pass, coder ? coder : "",
				 outcome ? outcome : "", sub_code && *sub_code ? "." : "",
				 sub_code && *sub_code ? sub_code : "");
	if ((rc = coding_insert(s, message, pass, coder, outcome, sub_code, note, id, err)) ||
	    (rc = study_event(s, "code", subject, detail, err)) || (rc = study_commit(s, err)))
		study_rollback(s);
	free(detail);
	return rc;
}

int coding_undo(struct study *s, int64_t id, struct ct_err *err)
{
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	sqlite3_stmt *st;
	int64_t app = 0, msg = 0;
	char *pass = NULL;
	if ((rc = study_prepare(s, "SELECT application, message, pass FROM coding WHERE id = ?", &st,
				err)))
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		app = sqlite3_column_int64(st, 0);
		msg = sqlite3_column_int64(st, 1);
		pass = study_column_dup(st, 2, NULL);
	}
	sqlite3_finalize(st);
	if (!app) {
		rc = ct_fail(err, CT_EINPUT, "no code %lld to undo", (long long)id);
		goto fail;
	}
	const char *del[] = { "DELETE FROM response WHERE coding = ?", "DELETE FROM coding WHERE id = ?" };
	for (int i = 0; i < 2; i++) {
		if ((rc = study_prepare(s, del[i], &st, err)))
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		rc = study_step_done(s, st, err, "undoing the code");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
	}
	char subject[48], detail[64];
	snprintf(subject, sizeof(subject), "message %lld", (long long)msg);
	snprintf(detail, sizeof(detail), "coding=%lld pass=%s", (long long)id, pass);
	if ((rc = coding_apply(s, app, err)) || (rc = study_event(s, "code-undo", subject, detail, err)) ||
	    (rc = study_commit(s, err)))
		goto fail;
	free(pass);
	return CT_OK;
fail:
	free(pass);
	study_rollback(s);
	return rc;
}

/* ---- the spreadsheet ---- */

int coding_export_queue(struct study *s, const char *path, const char *pass, const char *coder,
			int *n, struct ct_err *err)
{
	struct coding_item *it;
	int rc = coding_queue(s, pass, coder, &it, n, err);
	if (rc)
		return rc;
	struct strbuf sb = { 0 };
	sb_adds(&sb, "id,text,outcome,sub_code,note\r\n");
	for (int i = 0; i < *n; i++) {
		sb_addf(&sb, "%lld,", (long long)it[i].message);
		csv_quote(&sb, it[i].text);
		sb_adds(&sb, ",,,\r\n");
	}
	coding_items_free(it, *n);
	rc = file_write_atomic(path, sb_str(&sb), sb.len, 0600, err);
	sb_free(&sb);
	return rc;
}

int coding_import(struct study *s, const char *path, const char *coder, int *coded,
		  struct ct_err *err)
{
	*coded = 0;
	if (!coding_coder_ok(coder))
		return ct_fail(err, CT_EINPUT,
			       "--coder must be 1 to 64 characters of plain text without spaces, "
			       "not 'rules'");
	char *buf;
	size_t len;
	int rc = file_read(path, &buf, &len, err);
	if (rc)
		return rc;
	struct csv *c = NULL;
	rc = csv_parse(path, buf, len, &c, NULL, err);
	free(buf);
	if (rc)
		return rc;
	/* The columns of the exported queue: a misspelt one ("sub-code")
	 * must not drop what the coder typed under it. */
	static const char *const known[] = { "id", "text", "outcome", "sub_code", "note", NULL };
	static const char *const required[] = { "id", "outcome", NULL };
	if ((rc = csv_check_columns(c, known, required, 0, err))) {
		csv_free(c);
		return rc;
	}
	int cid = csv_col(c, "id"), co = csv_col(c, "outcome"), cs = csv_col(c, "sub_code"),
	    cn = csv_col(c, "note");
	if ((rc = study_begin(s, err))) {
		csv_free(c);
		return rc;
	}
	struct csv_errs errs;
	csv_errs_init(&errs, 50);
	int64_t *seen = xcalloc((size_t)c->nrec + 1, sizeof(*seen));
	for (int r = 0; r < c->nrec; r++) {
		struct csv_record *rec = &c->rec[r];
		int line = rec->start_line;
		const char *idv = cid < rec->n ? rec->field[cid] : "";
		char *outcome = xstrdup(co < rec->n ? rec->field[co] : "");
		char *sub = xstrdup(cs >= 0 && cs < rec->n ? rec->field[cs] : "");
		const char *note = cn >= 0 && cn < rec->n ? rec->field[cn] : "";
		str_trim(outcome);
		str_trim(sub);
		for (char *p = outcome; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		long id;
		if (!*outcome) {
			/* Not coded yet: the coder left it for later. */
		} else if (!parse_long(idv, &id) || id <= 0) {
			csv_errs_add(&errs, path, line, "id", "'%s' is not a reply id", idv);
		} else {
			int dup = 0;
			for (int k = 0; k < r; k++)
				dup |= seen[k] == id;
			seen[r] = id;
			/* The pass: first when the reply has none, else second. */
			char *first = coder_of(s, id, "first");
			const char *pass = first && in_sample(s, id) && strcmp(first, coder) ? "second"
											   : "first";
			struct ct_err e = { 0 };
			if (dup)
				csv_errs_add(&errs, path, line, "id", "reply %ld is coded twice in the file",
					     id);
			else if (first && !strcmp(pass, "first") && strcmp(first, coder) &&
				 !in_sample(s, id))
				csv_errs_add(&errs, path, line, "id",
					     "reply %ld already has a first code (by %s) and is not in "
					     "the second coder's sample",
					     id, first);
			else if (coding_insert(s, id, pass, coder, outcome, sub, note, NULL, &e))
				csv_errs_add(&errs, path, line, NULL,
					     "%s", e.msg);
			else
				(*coded)++;
			free(first);
		}
		free(outcome);
		free(sub);
	}
	free(seen);
	csv_free(c);
	char detail[96];
	snprintf(detail, sizeof(detail), "%d codes by %.60s", *coded, coder);
	if (errs.n) {
		study_rollback(s);
		*coded = 0;
		rc = ct_fail(err, CT_EINPUT, "%s", csv_errs_text(&errs));
	} else if ((rc = study_event(s, "code-import", path, detail, err)) ||
		   (rc = study_commit(s, err))) {
		study_rollback(s);
		*coded = 0;
	}
	csv_errs_free(&errs);
	return rc;
}

/* ---- the second coder's sample ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int coding_second_draw(struct study *s, uint64_t seed, int *drawn, int *pool, struct ct_err *err)
{
	*drawn = *pool = 0;
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	char seedtxt[24];
	snprintf(seedtxt, sizeof(seedtxt), "%llu", (unsigned long long)seed);
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	int n = 0, cap = 0;
	if ((rc = study_prepare(s, "SELECT seed, count(*) FROM coding_sample GROUP BY seed", &st, err)))
		goto fail;
	int have = 0;
	char *had_seed = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		have = sqlite3_column_int(st, 1);
		had_seed = study_column_dup(st, 0, NULL);
	}
	sqlite3_finalize(st);
	if (have) {
		int same = !strcmp(had_seed, seedtxt);
		if (!same)
			rc = ct_fail(err, CT_EINPUT,
				     "the second coder's sample was drawn with seed %s; it is drawn "
				     "once (a new seed would let a sample be chosen until it suits)",
				     had_seed);
		free(had_seed);
		if (!same)
			goto fail;
		*drawn = have;
		study_rollback(s);
		return CT_OK;
	}
	free(had_seed);
	if ((rc = study_prepare(s,
				/* The sample measures the coding the analysis uses: the pairs'
				 * replies (the main kind), not follow-ups' or re-tests'. */
				"SELECT m.id FROM message m JOIN coding c ON c.message = m.id AND "
				"c.pass = 'first' WHERE " REPLY_WHERE " AND m.application IN "
				"(SELECT id FROM application WHERE kind = 'main') ORDER BY m.id",
				&st, err)))
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ids = xrealloc(ids, (size_t)cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	*pool = n;
	if (n == 0) {
		rc = ct_fail(err, CT_EINPUT, "no reply has a first code yet: code some, then draw");
		goto fail;
	}
	int k = (n + 9) / 10;
	if (k < 50)
		k = 50;
	if (k > n)
		k = n;
	struct rng g;
	rng_init(&g, seed, "coding-second");
	rng_shuffle(&g, ids, (size_t)n, sizeof(*ids));
	qsort(ids, (size_t)k, sizeof(*ids), cmp_i64);
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	if ((rc = study_prepare(s, "INSERT INTO coding_sample (message, seed, drawn_at) VALUES (?, ?, ?)",
				&st, err)))
		goto fail;
	for (int i = 0; i < k && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_text(st, 2, seedtxt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		rc = study_step_done(s, st, err, "recording the sample");
	}
	sqlite3_finalize(st);
	char detail[96];
	snprintf(detail, sizeof(detail), "seed=%s drawn=%d of %d", seedtxt, k, n);
	if (rc || (rc = study_event(s, "code-second", NULL, detail, err)) ||
	    (rc = study_commit(s, err)))
		goto fail;
	free(ids);
	*drawn = k;
	return CT_OK;
fail:
	free(ids);
	study_rollback(s);
	return rc;
}

int coding_auto(struct study *s, const struct coding_rules *rs, int *coded, int *review,
		struct ct_err *err)
{
	*coded = *review = 0;
	unsigned market = coding_market_parse(s->design->market);
	int lang = coding_lang_parse(s->design->lang);
	sqlite3_stmt *q = NULL, *ins = NULL;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	/* The replies with no first code, read raw: the rules see the decoded
	 * text with quotes and signatures set apart (coding/extract.h). */
	rc = study_prepare(s,
			   "SELECT m.id, m.application, m.raw FROM message m WHERE " REPLY_WHERE
			   " AND m.raw IS NOT NULL AND NOT EXISTS (SELECT 1 FROM coding c WHERE "
			   "c.message = m.id AND c.pass = 'first') ORDER BY m.id",
			   &q, err);
	if (!rc)
		rc = study_prepare(s,
				   "INSERT INTO coding (message, application, pass, coder, outcome, "
				   "sub_code, rule, rules_sha256, coded_at) VALUES (?, ?, 'first', "
				   "'rules', ?, ?, ?, ?, ?)",
				   &ins, err);
	int step;
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t msg = sqlite3_column_int64(q, 0), app = sqlite3_column_int64(q, 1);
		const char *raw = sqlite3_column_blob(q, 2);
		size_t len = (size_t)sqlite3_column_bytes(q, 2);
		struct coding_result res = { 0 };
		struct ct_err e = { 0 };
		/* A reply the rules cannot read (not UTF-8 after decoding) waits
		 * for a person like any other they do not code. */
		if (coding_classify_raw(rs, raw, len, market, lang, &res, NULL, &e) ||
		    !res.outcome || !res.rules_sha256) {
			(*review)++;
			coding_result_clear(&res);
			continue;
		}
		const char *dot = res.code ? strchr(res.code, '.') : NULL;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, msg);
		sqlite3_bind_int64(ins, 2, app);
		sqlite3_bind_text(ins, 3, res.outcome, -1, SQLITE_STATIC);
		if (dot && dot[1])
			sqlite3_bind_text(ins, 4, dot + 1, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 4);
		sqlite3_bind_text(ins, 5, res.rule, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 6, res.rules_sha256, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 7, now, -1, SQLITE_STATIC);
		coding_result_clear(&res);
		if (!(rc = study_step_done(s, ins, err, "recording a code of the rules")) &&
		    !(rc = coding_apply(s, app, err)))
			(*coded)++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the replies to code");
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	if (!rc && *coded) {
		char *detail = xasprintf("coded=%d review=%d", *coded, *review);
		rc = study_event(s, "code", "rules", detail, err);
		free(detail);
	}
	if (!rc)
		rc = study_commit(s, err);
	else
		study_rollback(s);
	return rc;
}
