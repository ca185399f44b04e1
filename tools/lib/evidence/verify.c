/* verify.c: the checks of `corrtest verify` and the checkpoint of `seal`
 * (verify.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/verify.h"
#include "report/report.h"
#include "base/timeutil.h"
#include "base/banned.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

const char *verify_kind_key(int kind)
{
	static const char *const keys[VERIFY_KIND_N] = {
		"event_edited",	    "event_inserted", "event_deleted",	"event_reordered",
		"events_cut",	    "chain_rewritten", "message_changed", "figure_changed",
		"text_changed",	    "timestamp_invalid",
	};
	return kind >= 0 && kind < VERIFY_KIND_N ? keys[kind] : "?";
}

static void find(struct verify_result *r, int kind, char *subject, char *what)
{
	r->findings = xrealloc(r->findings, (size_t)(r->nfindings + 1) * sizeof(*r->findings));
	r->findings[r->nfindings++] = (struct verify_finding){ kind, subject, what };
}

/* ---- The event chain ---- */

struct ev {
	long id;
	char prev[65], hash[65]; /* as stored */
	int intact;              /* its content hashes to its stored hash */
};

static int load_events(struct study *s, struct ev **out, size_t *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, at, actor, action, subject, detail, prev_hash, hash "
				  "FROM event ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct ev *e = &(*out)[(*n)++];
		const char *f[8];
		for (int i = 1; i < 8; i++)
			f[i] = (const char *)sqlite3_column_text(st, i);
		e->id = (long)sqlite3_column_int64(st, 0);
		snprintf(e->prev, sizeof(e->prev), "%s", f[6] ? f[6] : "");
		snprintf(e->hash, sizeof(e->hash), "%s", f[7] ? f[7] : "");
		/* The content is checked against the previous hash the row
		 * names: an edit shows here, a broken link below. */
		char h[65];
		study_event_hash(e->prev, f[1], f[2], f[3], f[4], f[5], h);
		e->intact = !strcmp(h, e->hash);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the event log");
}

/* The row whose stored hash is h, or -1. */
static long row_of(const struct ev *e, size_t n, const char *h)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].hash, h))
			return (long)i;
	return -1;
}

static void check_chain(struct verify_result *r, const struct ev *e, size_t n)
{
	const char *expect = ZERO_HASH;
	size_t explained = 0; /* rows up to here belong to a break already named */
	for (size_t i = 0; i < n; i++) {
		if (!e[i].intact)
			find(r, VERIFY_EVENT_EDITED, xasprintf("event %ld", e[i].id),
			     xasprintf("its content no longer matches its hash: it was changed after it "
				       "was written"));
		if (strcmp(e[i].prev, expect) && i >= explained) {
			long j = row_of(e, n, e[i].prev);
			if (j > (long)i) {
				find(r, VERIFY_EVENT_REORDERED, xasprintf("event %ld", e[i].id),
				     xasprintf("comes before event %ld, which it follows: the events were "
					       "reordered",
					       e[j].id));
				/* The rows up to the one after its partner break too. */
				explained = (size_t)j + 2;
			} else if (i >= 2 && j == (long)i - 2) {
				/* It follows the event two back: the one between, linked
				 * to the chain with a hash made for it, was put in. */
				find(r, VERIFY_EVENT_INSERTED, xasprintf("event %ld", e[i - 1].id),
				     xasprintf("was put into the log: event %ld follows the event before it",
					       e[i].id));
			} else if (i + 1 < n && !strcmp(e[i + 1].prev, expect)) {
				find(r, VERIFY_EVENT_INSERTED, xasprintf("event %ld", e[i].id),
				     xasprintf("was put into the log: the event after it follows the one "
					       "before it"));
				explained = i + 2;
			} else if (j < 0) {
				find(r, VERIFY_EVENT_DELETED, xasprintf("event %ld", e[i].id),
				     xasprintf("follows an event that is no longer in the log: an event "
					       "before it was deleted"));
			} else {
				find(r, VERIFY_EVENT_REORDERED, xasprintf("event %ld", e[i].id),
				     xasprintf("follows event %ld, not the event before it: the events "
					       "were reordered",
					       e[j].id));
			}
		} else if (!strcmp(e[i].prev, expect) && i && e[i].id != e[i - 1].id + 1) {
			/* Linked, yet numbers are missing: rows deleted and the chain
			 * mended, or numbers changed. */
			find(r, VERIFY_EVENT_DELETED, xasprintf("event %ld", e[i].id),
			     xasprintf("the event numbers jump from %ld to %ld", e[i - 1].id, e[i].id));
		}
		expect = e[i].hash;
	}
}

/* ---- The checkpoint ---- */

/* The value of "key: value" in a checkpoint (caller frees), or NULL. */
static char *cp_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > kl + 1 && !strncmp(p, key, kl) && p[kl] == ':') {
			const char *v = p + kl + 1;
			while (*v == ' ')
				v++;
			return xstrndup(v, len - (size_t)(v - p));
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

static int check_checkpoint(struct verify_result *r, const char *path, const struct ev *e,
			    size_t n, struct ct_err *err)
{
	char *text;
	size_t len;
	int rc = file_read(path, &text, &len, err);
	if (rc)
		return rc;
	char *count = cp_value(text, "events"), *head = cp_value(text, "head");
	long cnt = 0;
	if (strncmp(text, "corrtest checkpoint 1\n", 22) || !count || !parse_long(count, &cnt) ||
	    cnt < 1 || !head || strlen(head) != 64) {
		rc = ct_fail(err, CT_EINPUT,
			     "%s is not a checkpoint written by corrtest seal (it needs the lines "
			     "'corrtest checkpoint 1', 'events: N' and 'head: HASH')",
			     path);
	} else {
		r->checkpoint_checked = 1;
		r->checkpoint_events = cnt;
		/* Fewer events than sealed, but the sealed event still there: they
		 * went from before it, which the chain names (event_deleted);
		 * nothing was cut from the end. */
		int head_kept = 0;
		for (size_t i = 0; i < n && !head_kept; i++)
			head_kept = !strcmp(e[i].hash, head);
		if ((size_t)cnt > n && !head_kept)
			find(r, VERIFY_EVENTS_CUT, xasprintf("events %zu-%ld", n + 1, cnt),
			     xasprintf("the checkpoint counted %ld events, the log holds %zu: events "
				       "were cut from its end",
				       cnt, n));
		else if ((size_t)cnt <= n && strcmp(e[cnt - 1].hash, head))
			find(r, VERIFY_CHAIN_REWRITTEN, xasprintf("event %ld", e[cnt - 1].id),
			     xasprintf("the checkpoint's event %ld had the hash %.12s..., the log's "
				       "has %.12s...: the log was rewritten since the seal",
				       cnt, head, e[cnt - 1].hash));
	}
	free(count);
	free(head);
	free(text);
	return rc;
}

/* The checkpoint's time-stamp (tsa.h): a .tsr that does not hold is a
 * finding, not an error: a token for another file, a corrupted one and a
 * failing signature are what verify is for. */
static int check_timestamp(struct verify_result *r, const struct verify_options *o,
			   struct ct_err *err)
{
	char *path = o->tsr ? xstrdup(o->tsr) : xasprintf("%s.tsr", o->checkpoint);
	if (!o->tsr && access(path, F_OK) != 0) {
		int rc = o->tsa_ca ? ct_fail(err, CT_EINPUT, "--tsa-ca given, but the checkpoint has "
					     "no time-stamp: %s does not exist", path)
				   : CT_OK;
		free(path);
		return rc;
	}
	char *cp = NULL, *tsr = NULL, *problem = NULL;
	size_t cp_len, tsr_len;
	int rc = file_read(o->checkpoint, &cp, &cp_len, err);
	if (!rc)
		rc = file_read(path, &tsr, &tsr_len, err);
	if (!rc)
		rc = tsa_verify((const unsigned char *)tsr, tsr_len, cp, cp_len, o->tsa_ca,
				&r->timestamp, &problem, err);
	if (!rc) {
		r->timestamp_checked = 1;
		r->timestamp_valid = !problem;
		r->timestamp_trusted = !problem && o->tsa_ca;
		r->timestamp_file = path;
		path = NULL;
		if (problem)
			find(r, VERIFY_TIMESTAMP_INVALID, xstrdup(r->timestamp_file),
			     xasprintf("the checkpoint's time-stamp does not hold: %s", problem));
	}
	free(problem);
	free(path);
	free(tsr);
	free(cp);
	return rc;
}

/* ---- Raw messages ---- */

static int check_messages(struct study *s, struct verify_result *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, raw, sha256 FROM message ORDER BY id", &st, err);
	if (rc)
		return rc;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		long id = (long)sqlite3_column_int64(st, 0);
		const void *raw = sqlite3_column_blob(st, 1);
		int len = sqlite3_column_bytes(st, 1);
		const char *want = (const char *)sqlite3_column_text(st, 2);
		r->messages++;
		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			r->messages_purged++; /* purged: its hash stays as the record */
			continue;
		}
		char h[65];
		sha256_hex(raw ? raw : "", (size_t)len, h);
		if (!want || strcmp(h, want))
			find(r, VERIFY_MESSAGE_CHANGED, xasprintf("message %ld", id),
			     xasprintf("its raw bytes hash to %.12s..., the record says %.12s...: the "
				       "message was changed",
				       h, want ? want : "(none)"));
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the messages");
}

/* ---- A report ---- */

#define BLOCK_OPEN "<script type=\"application/json\" id=\"corrtest-data\">\n"

/* Splits html into the data block (JSON, with "\u003c" back to "<") and
 * the rest. NULL when there is no block. */
static char *split_report(const char *html, char **rest)
{
	const char *a = strstr(html, BLOCK_OPEN);
	const char *b = a ? strstr(a, "\n</script>") : NULL;
	if (!b)
		return NULL;
	a += strlen(BLOCK_OPEN);
	struct strbuf js = STRBUF_INIT, text = STRBUF_INIT;
	for (const char *p = a; p < b; p++) {
		if (!strncmp(p, "\\u003c", 6)) {
			sb_addc(&js, '<');
			p += 5;
		} else {
			sb_addc(&js, *p);
		}
	}
	sb_add(&text, html, (size_t)(a - html));
	sb_adds(&text, b);
	*rest = sb_detach(&text);
	return sb_detach(&js);
}

/* The value on the line `"key": value` at an indent of depth levels of the
 * pretty-printed block (caller frees), without quotes or comma; NULL when
 * absent. The block is corrtest's own output, two spaces a level. */
static char *block_value(const char *js, int depth, const char *key)
{
	char pat[96];
	snprintf(pat, sizeof(pat), "\n%*s\"%s\": ", 2 * depth, "", key);
	const char *p = strstr(js, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	size_t len = strcspn(p, "\n");
	if (len && p[len - 1] == ',')
		len--;
	if (len >= 2 && p[0] == '"' && p[len - 1] == '"')
		return xstrndup(p + 1, len - 2);
	return xstrndup(p, len);
}

/* The JSON path of each line of a pretty-printed block, kept as the lines
 * go by: key names by depth, array items by their index. */
struct jpath {
	char key[32][64];
	long index[32];
	int array[32];
};

static void jpath_line(struct jpath *jp, const char *line, char *path, size_t cap)
{
	int depth = (int)(strspn(line, " ") / 2);
	const char *t = line + 2 * depth;
	if (depth >= 32)
		depth = 31;
	if (*t == '"') {
		const char *q = strchr(t + 1, '"');
		snprintf(jp->key[depth], sizeof(jp->key[depth]), "%.*s", q ? (int)(q - t - 1) : 0,
			 t + 1);
	} else if (*t != '}' && *t != ']' && depth > 0 && jp->array[depth - 1]) {
		snprintf(jp->key[depth], sizeof(jp->key[depth]), "[%ld]", jp->index[depth - 1]++);
	}
	const char *end = line + strlen(line);
	while (end > t && (end[-1] == ',' || end[-1] == ' '))
		end--;
	if (end > t && (end[-1] == '[' || end[-1] == '{')) {
		jp->array[depth] = end[-1] == '[';
		jp->index[depth] = 0;
	}
	size_t n = 0;
	path[0] = '\0';
	for (int d = 1; d <= depth && n + 1 < cap; d++) {
		const char *k = jp->key[d];
		n += (size_t)snprintf(path + n, cap - n, "%s%s", d > 1 && k[0] != '[' ? "." : "", k);
		if (n >= cap)
			n = cap - 1;
	}
}

/* The text of an HTML line for people: tags dropped, at most 160 bytes. */
static char *line_text(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	int tag = 0;
	for (size_t i = 0; i < len && sb.len < 160; i++) {
		if (s[i] == '<')
			tag = 1;
		else if (s[i] == '>') {
			tag = 0;
			sb_addc(&sb, ' ');
		} else if (!tag)
			sb_addc(&sb, s[i]);
	}
	return sb_detach(&sb);
}

/* Compares two texts line by line; each differing line is a finding. */
static long compare_lines(struct verify_result *r, const char *got, const char *want, int json)
{
	struct jpath jp;
	memset(&jp, 0, sizeof(jp));
	long lines = 0, shown = 0;
	const char *a = got, *b = want;
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		lines++;
		char path[512] = "";
		if (json) {
			char *cur = xstrndup(b, lb);
			jpath_line(&jp, cur, path, sizeof(path));
			free(cur);
		}
		if ((la != lb || memcmp(a, b, la)) && shown < 50) {
			shown++;
			if (json) {
				const char *va = memchr(a, ':', la), *vb = memchr(b, ':', lb);
				char *x = va ? xstrndup(va + 2, la - (size_t)(va + 2 - a)) : xstrndup(a, la);
				char *y = vb ? xstrndup(vb + 2, lb - (size_t)(vb + 2 - b)) : xstrndup(b, lb);
				/* The value alone, without the comma that ends its line. */
				for (char *v = x; v; v = v == x ? y : NULL) {
					size_t n = strlen(v);
					if (n && v[n - 1] == ',')
						v[n - 1] = '\0';
				}
				find(r, VERIFY_FIGURE_CHANGED, xstrdup(path[0] ? path : "data block"),
				     xasprintf("the report says %s, the study gives %s", x, y));
				free(x);
				free(y);
			} else {
				char *x = line_text(a, la), *y = line_text(b, lb);
				find(r, VERIFY_TEXT_CHANGED, xasprintf("report line %ld", lines),
				     xasprintf("the report reads \"%s\", the study gives \"%s\"", x, y));
				free(x);
				free(y);
			}
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	return lines;
}

static int check_report(struct study *s, struct verify_result *r, const struct verify_options *o,
			struct ct_err *err)
{
	char *html;
	size_t len;
	int rc = file_read(o->report, &html, &len, err);
	if (rc)
		return rc;
	char *rest = NULL, *js = split_report(html, &rest);
	char *lang = js ? block_value(js, 1, "lang") : NULL;
	char *conf = js ? block_value(js, 1, "confidential") : NULL;
	char *at = js ? block_value(js, 1, "generated_at") : NULL;
	char *outcome = js ? block_value(js, 2, "outcome") : NULL;
	char *alpha = js ? block_value(js, 2, "alpha") : NULL;
	char *min = js ? block_value(js, 3, "min_tests") : NULL;
	char *events = js ? block_value(js, 2, "events") : NULL;
	if (!events || !parse_long(events, &r->report_events))
		r->report_events = -1;
	free(events);
	long min_tests = 0;
	if (!js || !lang || !conf || !at || !outcome || !alpha || !min ||
	    !parse_long(min, &min_tests)) {
		rc = ct_fail(err, CT_EINPUT,
			     "%s is not a report written by corrtest report (no data block with its "
			     "language, options and time)",
			     o->report);
		goto out;
	}
	struct report_options ro = { 0 };
	ro.lang = lang;
	ro.outcome = outcome;
	ro.alpha = alpha;
	ro.min_tests = min_tests;
	ro.confidential = !strcmp(conf, "true");
	ro.previous = o->previous;
	ro.nprevious = o->nprevious;
	/* A report made before a seal, a re-check or a purge states the log as
	 * it was: made again as of that event, it differs only where the
	 * study's data differ. That the report's head is the hash of that
	 * event in this log is then compared like any figure. */
	if (r->report_events > 0 && r->report_events <= r->events)
		ro.as_of_events = r->report_events;
	struct report_output ref;
	if ((rc = report_make(s, &ro, at, &ref, err)))
		goto out;
	r->report_checked = 1;
	/* The data block, then the text around it (which holds the figures
	 * people read). */
	char *ref_rest = NULL, *ref_js = split_report(ref.html, &ref_rest);
	r->figures = compare_lines(r, js, ref_js ? ref_js : "", 1);
	r->text_lines = compare_lines(r, rest, ref_rest ? ref_rest : "", 0);
	free(ref_js);
	free(ref_rest);
	report_output_free(&ref);
out:
	free(lang);
	free(conf);
	free(at);
	free(outcome);
	free(alpha);
	free(min);
	free(js);
	free(rest);
	free(html);
	return rc;
}

int verify_run(struct study *s, const struct verify_options *o, struct verify_result **out,
	       struct ct_err *err)
{
	struct verify_result *r = xcalloc(1, sizeof(*r));
	struct ev *e = NULL;
	size_t n = 0;
	int rc = load_events(s, &e, &n, err);
	if (!rc) {
		r->events = (long)n;
		snprintf(r->head, sizeof(r->head), "%s", n ? e[n - 1].hash : "");
		check_chain(r, e, n);
		if (o->checkpoint)
			rc = check_checkpoint(r, o->checkpoint, e, n, err);
		if (!rc && o->checkpoint)
			rc = check_timestamp(r, o, err);
	}
	if (!rc)
		rc = check_messages(s, r, err);
	if (!rc && o->report)
		rc = check_report(s, r, o, err);
	free(e);
	if (rc) {
		verify_result_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

void verify_result_free(struct verify_result *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nfindings; i++) {
		free(r->findings[i].subject);
		free(r->findings[i].what);
	}
	free(r->findings);
	free(r->timestamp_file);
	tsa_info_free(&r->timestamp);
	free(r);
}

/* The seal's files (the checkpoint, its time-stamp) put in place, or none. */
static int put_files(const char *const *paths, char **tmps, int n, struct ct_err *err)
{
	int rc = CT_OK, done = 0;
	for (; done < n && !rc; done++)
		if ((rc = file_commit_temp(tmps[done], paths[done], err)))
			break;
	if (rc) {
		for (int i = 0; i < done; i++)
			unlink(paths[i]);
		for (int i = done; i < n; i++)
			unlink(tmps[i]);
	}
	return rc;
}

/* The log's length and head (the zero hash for an empty log) and the
 * study's name, read in one statement. */
static int seal_head(struct study *s, char prev[65], long *n, char *name, size_t name_len,
		     struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT (SELECT count(*) FROM event), (SELECT hash FROM event "
				  "ORDER BY id DESC LIMIT 1), (SELECT name FROM study WHERE id = 1)",
			       &st, err);
	if (rc)
		return rc;
	snprintf(prev, 65, "%s", ZERO_HASH);
	*n = 0;
	name[0] = '\0';
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			snprintf(prev, 65, "%s", (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			snprintf(name, name_len, "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	return step == SQLITE_ROW ? CT_OK : study_db_error(s, err, "reading the event log");
}

int verify_seal(struct study *s, const char *path, struct seal_tsa *tsa, char **checkpoint,
		long *events, char head[65], struct ct_err *err)
{
	*checkpoint = NULL;
	if (tsa) {
		memset(&tsa->info, 0, sizeof(tsa->info));
		tsa->tsr_path = NULL;
		if (!path)
			return ct_fail(err, CT_EINPUT, "a time-stamped checkpoint needs a file to go "
				       "to (--out FILE; the time-stamp goes to FILE.tsr)");
		/* Refused before anything is recorded or sent. */
		int rc = tsa_url_check(tsa->url, err);
		if (rc)
			return rc;
	}
	/* The seal event is built before it is written: its hash is what the
	 * checkpoint names as the head. Without an authority it is all done
	 * in one transaction. With one, the transaction must not be held
	 * during the HTTP exchange (up to its timeout: cron's send and fetch
	 * would find the study locked), so the log's head is read, the
	 * checkpoint made and stamped outside it, and the seal written only
	 * if the head is still the one it was built on. */
	int rc = tsa ? CT_OK : study_begin(s, err);
	if (rc)
		return rc;
	int in_tx = !tsa; /* whether the transaction is open */
	char prev[65], name[512];
	long nev = 0;
	if ((rc = seal_head(s, prev, &nev, name, sizeof(name), err))) {
		if (in_tx)
			study_rollback(s);
		return rc;
	}
	char *detail = tsa ? xasprintf("time-stamped by %s", tsa->url) : NULL;
	char at[ISO_LEN];
	time_iso_utc(time_now(), at);
	study_event_hash(prev, at, study_actor(), "seal", NULL, detail, head);
	*events = nev + 1;
	char *text = xasprintf("corrtest checkpoint 1\n"
			       "study: %s\n"
			       "events: %ld\n"
			       "head: %s\n"
			       "sealed_at: %s\n"
			       "# Keep this file outside the study (print it, mail it to a partner).\n"
			       "# corrtest verify --checkpoint FILE finds events cut from the log's end\n"
			       "# and a log rewritten since this seal.\n",
			       name, *events, head, at);
	unsigned char *reply = NULL;
	size_t reply_len = 0;
	char *tmps[2] = { NULL, NULL };
	char *tsr_path = path ? xasprintf("%s.tsr", path) : NULL;
	const char *paths[2] = { path, tsr_path };
	int nfiles = path ? 1 : 0;
	/* The time-stamp first: a refusal leaves nothing. Then the events (the
	 * seal exactly as the checkpoint names it), then the files, then the
	 * commit: a checkpoint that cannot be written leaves no seal event
	 * behind, and one whose seal did not commit is removed, so that the
	 * two never disagree. */
	if (tsa && !(rc = tsa_stamp(tsa->url, tsa->ca_file, tsa->timeout_seconds, text,
				    strlen(text), &reply, &reply_len, &tsa->info, err)) &&
	    !(rc = study_begin(s, err))) {
		in_tx = 1;
		char now_prev[65];
		long now_n = 0;
		if (!(rc = seal_head(s, now_prev, &now_n, name, sizeof(name), err)) &&
		    (now_n != nev || strcmp(now_prev, prev)))
			rc = ct_fail(err, CT_EENV,
				     "the study changed while the time-stamp was requested (another "
				     "command wrote to it); nothing was recorded: run seal again");
	}
	if (!rc)
		rc = study_event_at(s, at, "seal", NULL, detail, err);
	free(detail);
	if (!rc) {
		/* The hash written must be the one stamped (the same fields over
		 * the same head); anything else is a bug, refused. */
		char now_prev[65];
		long now_n = 0;
		if (!(rc = seal_head(s, now_prev, &now_n, name, sizeof(name), err)) &&
		    strcmp(now_prev, head))
			rc = ct_fail(err, CT_EENV, "the seal event's hash is not the one the "
				     "checkpoint names; nothing was recorded");
	}
	if (!rc && tsa) {
		char h[65];
		sha256_hex(reply, reply_len, h);
		char *d = xasprintf("tsa %s; time %s; serial %s; %s.tsr sha256 %s", tsa->url,
				    tsa->info.gen_time, tsa->info.serial, path, h);
		rc = study_event(s, "timestamp", NULL, d, err);
		free(d);
		nfiles = 2;
	}
	if (rc) {
		if (in_tx)
			study_rollback(s);
		free(text);
		free(tsr_path);
		free(reply);
		if (tsa)
			tsa_info_free(&tsa->info);
		return rc;
	}
	if (!rc && path)
		rc = file_write_temp(path, text, strlen(text), 0644, &tmps[0], err);
	if (!rc && nfiles == 2)
		rc = file_write_temp(tsr_path, reply, reply_len, 0644, &tmps[1], err);
	if (rc) {
		for (int i = 0; i < 2; i++)
			if (tmps[i])
				unlink(tmps[i]);
	} else {
		rc = put_files(paths, tmps, nfiles, err);
	}
	if (rc)
		study_rollback(s);
	else if ((rc = study_commit(s, err)))
		for (int i = 0; i < nfiles; i++)
			unlink(paths[i]);
	/* A time-stamp of the checkpoint this one replaces would not hold. */
	if (!rc && path && !tsa)
		unlink(tsr_path);
	free(tmps[0]);
	free(tmps[1]);
	free(reply);
	if (rc) {
		free(text);
		free(tsr_path);
		if (tsa)
			tsa_info_free(&tsa->info);
		return rc;
	}
	if (tsa)
		tsa->tsr_path = tsr_path;
	else
		free(tsr_path);
	*checkpoint = text;
	return CT_OK;
}
