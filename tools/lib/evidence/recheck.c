/* recheck.c: planning, running and reading back the re-checks of
 * listings (see recheck.h); what a page says is in recheck_page.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <zlib.h>

#include "mail/curl_dl.h"
#include "evidence/recheck.h"
#include "analysis/pairs.h"
#include "mail/mailcfg.h"
#include "base/banned.h"

/* ---- configuration ---- */

static int cfg_bad(const struct config *cfg, const char *key, struct ct_err *err, const char *what)
{
	return ct_fail(err, CT_EINPUT, "study.ini:%d: [recheck] %s %s",
		       config_line(cfg, "recheck", key), key, what);
}

static int cfg_int(const struct config *cfg, const char *key, long lo, long hi, int *out,
		   struct ct_err *err)
{
	const char *v = config_get(cfg, "recheck", key);
	long l;
	if (!v || !*v)
		return CT_OK;
	if (!parse_long(v, &l) || l < lo || l > hi)
		return ct_fail(err, CT_EINPUT,
			       "study.ini:%d: [recheck] %s must be a whole number of seconds from "
			       "%ld to %ld, not '%s'",
			       config_line(cfg, "recheck", key), key, lo, hi, v);
	*out = (int)l;
	return CT_OK;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int recheck_cfg_load(const struct config *cfg, struct recheck_cfg *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	out->rate_seconds = 10;
	out->timeout_seconds = 30;
	const char *v = config_get(cfg, "recheck", "days");
	if (!v || !*v)
		v = "1, 3, 7";
	char *copy = xstrdup(v);
	int rc = CT_OK;
	/* Split by hand: strtok_r would skip an empty field, and "1,,3" or
	 * "1, 3," is a typo to point at, not a list to guess. */
	for (char *tok = copy, *next; tok; tok = next) {
		long d;
		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		str_trim(tok);
		if (!*tok) {
			rc = cfg_bad(cfg, "days", err,
				     "has an empty entry (two commas in a row, or a comma at an "
				     "end)");
			break;
		}
		if (!parse_long(tok, &d) || d < 0 || d > 365) {
			rc = cfg_bad(cfg, "days", err,
				     "must be whole numbers of days from 0 to 365, separated by "
				     "commas (e.g. 1, 3, 7)");
			break;
		}
		if (out->ndays == (int)ARRAY_SIZE(out->days)) {
			rc = cfg_bad(cfg, "days", err, "has more than 16 days");
			break;
		}
		for (int i = 0; i < out->ndays && !rc; i++)
			if (out->days[i] == d)
				rc = cfg_bad(cfg, "days", err, "names a day twice");
		if (rc)
			break;
		out->days[out->ndays++] = (int)d;
	}
	free(copy);
	if (!rc && !out->ndays)
		rc = cfg_bad(cfg, "days", err, "names no day");
	if (!rc)
		qsort(out->days, (size_t)out->ndays, sizeof(int), cmp_int);
	if (!rc)
		rc = cfg_int(cfg, "rate_seconds", 0, 3600, &out->rate_seconds, err);
	if (!rc)
		rc = cfg_int(cfg, "timeout_seconds", 1, 600, &out->timeout_seconds, err);
	if (!rc) {
		v = config_get(cfg, "recheck", "user_agent");
		if (v && *v && !text_ok(v, strlen(v), NULL, NULL, NULL))
			rc = cfg_bad(cfg, "user_agent", err, "is not plain text");
		else
			out->user_agent = xstrdup(v && *v ? v : "corrtest/" CORRTEST_VERSION);
	}
	if (rc)
		recheck_cfg_free(out);
	return rc;
}

void recheck_cfg_free(struct recheck_cfg *c)
{
	free(c->user_agent);
	c->user_agent = NULL;
}

/* ---- planning ---- */

/* The sub-codes of the codebook that say the offer is gone. */
#define GONE_SUBCODES "('let', 'filled')"

struct trigger {
	int64_t listing, application;
	const char *reason;
	time_t at;
};

static int http_url(const char *u)
{
	return u && (!strncasecmp(u, "http://", 7) || !strncasecmp(u, "https://", 8));
}

/* The time of an application's analysed outcome: its latest response's
 * at, else its reply message's, else when it was coded. 0 when none. */
static int latest_time(struct study *s, sqlite3_stmt *st, int64_t app, time_t *t,
		       struct ct_err *err)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, app);
	int r = sqlite3_step(st);
	*t = 0;
	if (r == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v && !time_parse_iso(v, t))
			*t = 0;
		return CT_OK;
	}
	return r == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading a response");
}

static int collect_triggers(struct study *s, struct trigger **out, int *n, struct ct_err *err)
{
	struct trigger *v = NULL;
	int nv = 0, cap = 0, rc;
	sqlite3_stmt *st = NULL, *lt = NULL;
	/* A reply's code: adjudicated, else first (coding/store.h). A hand
	 * logged reply (message NULL) is named by its application. */
	rc = study_prepare(
		s,
		"SELECT a.listing, c.application, coalesce(m.at, (SELECT r.at FROM response r WHERE "
		"r.coding = c.id), c.coded_at) FROM coding c JOIN application a ON a.id = "
		"c.application LEFT JOIN message m ON m.id = c.message WHERE c.sub_code IN " GONE_SUBCODES
		" AND (c.pass = 'adjudicated' OR (c.pass = 'first' AND NOT EXISTS (SELECT 1 FROM "
		"coding x WHERE x.pass = 'adjudicated' AND ((c.message IS NOT NULL AND x.message = "
		"c.message) OR (c.message IS NULL AND x.message IS NULL AND x.application = "
		"c.application))))) ORDER BY c.id",
		&st, err);
	while (!rc) {
		int r = sqlite3_step(st);
		if (r == SQLITE_DONE)
			break;
		if (r != SQLITE_ROW) {
			rc = study_db_error(s, err, "reading the codes");
			break;
		}
		time_t t = 0;
		const char *at = (const char *)sqlite3_column_text(st, 2);
		if (!at || !time_parse_iso(at, &t))
			continue;
		if (nv == cap)
			v = xrealloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*v));
		v[nv++] = (struct trigger){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					    "unavailable", t };
	}
	sqlite3_finalize(st);
	struct pairs_set ps = { 0 };
	int have_pairs = 0;
	if (!rc && !(rc = pairs_collect(s, &ps, err)))
		have_pairs = 1;
	if (!rc)
		rc = study_prepare(s,
				   "SELECT coalesce(r.at, m.at, r.coded_at) FROM response r LEFT JOIN "
				   "message m ON m.id = r.message WHERE r.application = ? ORDER BY "
				   "r.id DESC LIMIT 1",
				   &lt, err);
	int def = pairs_design_def(s->design->outcome);
	for (size_t i = 0; !rc && have_pairs && i < ps.npairs; i++) {
		const struct pair *p = &ps.pairs[i];
		int pc = pairs_outcome_positive(p->control_outcome, def);
		int pt = pairs_outcome_positive(p->test_outcome, def);
		if (pc == pt)
			continue;
		time_t tc, tt;
		if ((rc = latest_time(s, lt, p->control_app, &tc, err)) ||
		    (rc = latest_time(s, lt, p->test_app, &tt, err)))
			break;
		time_t t = tc > tt ? tc : tt;
		if (!t)
			continue;
		if (nv == cap)
			v = xrealloc(v, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*v));
		/* The application that was turned down (or got nothing). */
		v[nv++] = (struct trigger){ p->listing, pc ? p->test_app : p->control_app,
					    "differing", t };
	}
	sqlite3_finalize(lt);
	if (have_pairs)
		pairs_set_free(&ps);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = nv;
	return CT_OK;
}

/* "unavailable" before "differing", then the earliest reply. */
static int cmp_trigger(const void *a, const void *b)
{
	const struct trigger *x = a, *y = b;
	int rx = strcmp(x->reason, "unavailable") != 0, ry = strcmp(y->reason, "unavailable") != 0;
	if (rx != ry)
		return rx - ry;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x->listing > y->listing) - (x->listing < y->listing);
}

static void add_due(struct recheck_plan *p, int64_t listing, const char *ref, const char *reason,
		    int64_t app, int day, const char *due)
{
	p->v = xrealloc(p->v, (size_t)(p->n + 1) * sizeof(*p->v));
	struct recheck_planned *r = &p->v[p->n++];
	r->listing = listing;
	r->ref = xstrdup(ref);
	r->reason = !strcmp(reason, "unavailable") ? "unavailable" : "differing";
	r->application = app;
	r->day = day;
	snprintf(r->due_at, sizeof(r->due_at), "%s", due);
}

int recheck_plan(struct study *s, const struct recheck_cfg *c, int write, struct recheck_plan *out,
		 struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	struct trigger *tr = NULL;
	int ntr = 0, rc;
	if ((rc = write ? study_begin(s, err) : CT_OK))
		return rc;
	if ((rc = collect_triggers(s, &tr, &ntr, err)))
		goto done;
	qsort(tr, (size_t)ntr, sizeof(*tr), cmp_trigger);
	sqlite3_stmt *li = NULL, *have = NULL, *ins = NULL, *due = NULL;
	if ((rc = study_prepare(s, "SELECT ref, url FROM listing WHERE id = ?", &li, err)) ||
	    (rc = study_prepare(s, "SELECT 1 FROM recheck WHERE listing = ? AND day = ?", &have,
				err)) ||
	    (rc = study_prepare(s,
				"INSERT INTO recheck (listing, application, reason, day, due_at, "
				"planned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				&ins, err)))
		goto stmts;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	for (int i = 0; i < ntr && !rc; i++) {
		sqlite3_reset(li);
		sqlite3_bind_int64(li, 1, tr[i].listing);
		if (sqlite3_step(li) != SQLITE_ROW)
			continue;
		const char *ref = (const char *)sqlite3_column_text(li, 0);
		const char *url = (const char *)sqlite3_column_text(li, 1);
		if (!http_url(url)) {
			int seen = 0;
			for (int k = 0; k < out->nskip && !seen; k++)
				seen = out->skip[k].listing == tr[i].listing;
			if (!seen) {
				out->skip = xrealloc(out->skip,
						     (size_t)(out->nskip + 1) * sizeof(*out->skip));
				out->skip[out->nskip++] = (struct recheck_skipped){
					tr[i].listing, xstrdup(ref ? ref : ""),
					xstrdup(url && *url ? "its URL is not http:// or https://"
							    : "no URL recorded (or it was purged)")
				};
			}
			continue;
		}
		for (int d = 0; d < c->ndays; d++) {
			int dup = 0;
			for (int k = 0; k < out->n && !dup; k++)
				dup = out->v[k].listing == tr[i].listing && out->v[k].day == c->days[d];
			sqlite3_reset(have);
			sqlite3_bind_int64(have, 1, tr[i].listing);
			sqlite3_bind_int(have, 2, c->days[d]);
			int r = sqlite3_step(have);
			if (r != SQLITE_ROW && r != SQLITE_DONE) {
				rc = study_db_error(s, err, "reading the rechecks");
				break;
			}
			if (dup || r == SQLITE_ROW)
				continue;
			char at[ISO_LEN];
			time_iso_utc(tr[i].at + (time_t)c->days[d] * 86400, at);
			add_due(out, tr[i].listing, ref, tr[i].reason, tr[i].application, c->days[d],
				at);
			if (!write)
				continue;
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, tr[i].listing);
			sqlite3_bind_int64(ins, 2, tr[i].application);
			sqlite3_bind_text(ins, 3, tr[i].reason, -1, SQLITE_STATIC);
			sqlite3_bind_int(ins, 4, c->days[d]);
			sqlite3_bind_text(ins, 5, at, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 6, now, -1, SQLITE_STATIC);
			rc = study_step_done(s, ins, err, "planning a recheck");
		}
	}
	/* What is due now among the rechecks planned before (for --plan). */
	if (!rc)
		rc = study_prepare(s,
				   "SELECT r.listing, l.ref, r.reason, r.application, r.day, r.due_at "
				   "FROM recheck r JOIN listing l ON l.id = r.listing WHERE r.status "
				   "= 'due' AND r.due_at <= ? ORDER BY r.due_at, r.id",
				   &due, err);
	if (!rc) {
		sqlite3_bind_text(due, 1, now, -1, SQLITE_STATIC);
		int r;
		while ((r = sqlite3_step(due)) == SQLITE_ROW) {
			out->due = xrealloc(out->due, (size_t)(out->ndue + 1) * sizeof(*out->due));
			struct recheck_planned *d = &out->due[out->ndue++];
			d->listing = sqlite3_column_int64(due, 0);
			d->ref = study_column_dup(due, 1, "");
			d->reason = !strcmp((const char *)sqlite3_column_text(due, 2), "unavailable")
					    ? "unavailable"
					    : "differing";
			d->application = sqlite3_column_int64(due, 3);
			d->day = sqlite3_column_int(due, 4);
			snprintf(d->due_at, sizeof(d->due_at), "%s",
				 (const char *)sqlite3_column_text(due, 5));
		}
		if (r != SQLITE_DONE)
			rc = study_db_error(s, err, "reading the rechecks");
	}
	if (!rc && write && out->n) {
		char *detail = xasprintf("planned=%d", out->n);
		rc = study_event(s, "recheck-plan", NULL, detail, err);
		free(detail);
	}
stmts:
	sqlite3_finalize(li), sqlite3_finalize(have), sqlite3_finalize(ins), sqlite3_finalize(due);
done:
	free(tr);
	if (write) {
		if (!rc)
			rc = study_commit(s, err);
		if (rc)
			study_rollback(s);
	}
	if (rc)
		recheck_plan_free(out);
	return rc;
}

void recheck_plan_free(struct recheck_plan *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i].ref);
	for (int i = 0; i < p->ndue; i++)
		free(p->due[i].ref);
	for (int i = 0; i < p->nskip; i++)
		free(p->skip[i].ref), free(p->skip[i].why);
	free(p->v), free(p->due), free(p->skip);
	memset(p, 0, sizeof(*p));
}

/* ---- fetching ---- */

struct body {
	struct strbuf sb;
	int cut;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb, room = RECHECK_MAX_BODY - b->sb.len;
	if (n > room) {
		sb_add(&b->sb, data, room);
		b->cut = 1;
		return 0; /* stops the transfer: CURLE_WRITE_ERROR */
	}
	sb_add(&b->sb, data, n);
	return n;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* When each host was last asked (the end of the last request). */
struct host_clock {
	char **host;
	double *last;
	int n;
};

static void wait_for_host(struct host_clock *hc, const char *host, int rate)
{
	for (int i = 0; i < hc->n; i++) {
		if (strcmp(hc->host[i], host))
			continue;
		double left = hc->last[i] + rate - mono_now();
		while (left > 0) {
			struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
			nanosleep(&ts, NULL);
			left = hc->last[i] + rate - mono_now();
		}
		return;
	}
}

static void host_done(struct host_clock *hc, const char *host)
{
	for (int i = 0; i < hc->n; i++)
		if (!strcmp(hc->host[i], host)) {
			hc->last[i] = mono_now();
			return;
		}
	hc->host = xrealloc(hc->host, (size_t)(hc->n + 1) * sizeof(char *));
	hc->last = xrealloc(hc->last, (size_t)(hc->n + 1) * sizeof(double));
	hc->host[hc->n] = xstrdup(host);
	hc->last[hc->n++] = mono_now();
}

struct fetched {
	long http;
	char *final_url;
	struct body body;
	int ok;           /* a response came */
	char *error;      /* generic, no host in it */
	const char *stopped; /* a redirect not followed: why (static), else NULL */
};

/* ---- where a fetch may connect ---- */

enum recheck_addr_kind recheck_addr_kind(int family, const void *addr)
{
	const unsigned char *b = addr;
	if (family == AF_INET6) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
		static const unsigned char zero[16] = { 0 };
		if (!memcmp(b, mapped, 12))
			return recheck_addr_kind(AF_INET, b + 12);
		if (!memcmp(b, zero, 16))
			return RECHECK_ADDR_UNSPECIFIED;
		if (!memcmp(b, zero, 15) && b[15] == 1)
			return RECHECK_ADDR_LOOPBACK;
		if ((b[0] & 0xFE) == 0xFC)
			return RECHECK_ADDR_PRIVATE;
		if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
			return RECHECK_ADDR_LINK_LOCAL;
		return RECHECK_ADDR_PUBLIC;
	}
	if (family != AF_INET)
		return RECHECK_ADDR_UNSPECIFIED;
	if (b[0] == 0)
		return RECHECK_ADDR_UNSPECIFIED;
	if (b[0] == 127)
		return RECHECK_ADDR_LOOPBACK;
	if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168))
		return RECHECK_ADDR_PRIVATE;
	if (b[0] == 169 && b[1] == 254)
		return RECHECK_ADDR_LINK_LOCAL;
	return RECHECK_ADDR_PUBLIC;
}

int recheck_addr_allowed(enum recheck_addr_kind listing, enum recheck_addr_kind to)
{
	return to == RECHECK_ADDR_PUBLIC || to == listing;
}

/* What the socket guard of one fetch knows: the kind of the first
 * address (the listing's own URL's), and whether it refused one. */
struct guard {
	int started, refused;
	enum recheck_addr_kind listing;
};

/* CURLOPT_OPENSOCKETFUNCTION: every connection of a fetch, redirects
 * included, goes through here before it is made, with the address it
 * would reach (after DNS, so a name that resolves to 127.0.0.1 is seen
 * as such). A refused address gives libcurl no socket: it tries the
 * host's next address, else fails with CURLE_COULDNT_CONNECT. */
static curl_socket_t open_guarded(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct guard *g = arg;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &a->addr, a->addrlen < sizeof(ss) ? a->addrlen : sizeof(ss));
	enum recheck_addr_kind kind = RECHECK_ADDR_UNSPECIFIED;
	if (ss.ss_family == AF_INET)
		kind = recheck_addr_kind(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr);
	else if (ss.ss_family == AF_INET6)
		kind = recheck_addr_kind(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	if (!g->started) {
		g->started = 1;
		g->listing = kind;
	}
	if (purpose != CURLSOCKTYPE_IPCXN || !recheck_addr_allowed(g->listing, kind)) {
		g->refused = 1;
		return CURL_SOCKET_BAD;
	}
#ifdef SOCK_CLOEXEC
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
#else
	return socket(a->family, a->socktype, a->protocol);
#endif
}

static void fetch(const struct recheck_cfg *c, const char *url, struct fetched *f)
{
	memset(f, 0, sizeof(*f));
	CURL *h = curl_easy_init();
	if (!h) {
		f->error = xstrdup("cannot start libcurl");
		return;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)RECHECK_MAX_REDIRECTS);
	/* Only what the listing's URL names: no proxy from the environment. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_seconds);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 (long)(c->timeout_seconds < 20 ? c->timeout_seconds : 20));
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &f->body);
	struct guard g = { 0 };
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &g);
	CURLcode rc = curl_easy_perform(h);
	long http = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	/* A redirect that was answered but is not to be followed: the 3xx is
	 * what the advert showed, kept once (done), not a network error to
	 * retry at every run. libcurl's response code is then the 3xx's, and
	 * its effective URL where it pointed (no body of it is fetched). */
	int redirect = http >= 300 && http < 400;
	if (redirect && rc == CURLE_COULDNT_CONNECT && g.refused)
		f->stopped = "the advert redirected to an address corrtest does not fetch (loopback, "
			     "a private network or link-local)";
	else if (redirect && rc == CURLE_UNSUPPORTED_PROTOCOL)
		f->stopped = "the advert redirected to an address corrtest does not fetch (not http or "
			     "https)";
	else if (redirect && rc == CURLE_TOO_MANY_REDIRECTS)
		f->stopped = "the advert redirected too many times (a loop?)";
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && f->body.cut) || f->stopped) {
		char *eff = NULL;
		f->ok = 1;
		f->http = http;
		curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
		f->final_url = xstrdup(eff ? eff : url);
	} else {
		/* libcurl's words for the code, not its error buffer: that
		 * names the host, and last_error is not purged. */
		f->error = xstrdup(curl_easy_strerror(rc));
	}
	curl_easy_cleanup(h);
}

static void fetched_free(struct fetched *f)
{
	free(f->final_url), free(f->error);
	sb_free(&f->body.sb);
}

struct due_item {
	int64_t id, listing;
	int day, attempts;
	char *ref, *url, *title;
};

static void done_push(struct recheck_run_result *r, const struct due_item *d, struct recheck_done **out)
{
	r->v = xrealloc(r->v, (size_t)(r->n + 1) * sizeof(*r->v));
	struct recheck_done *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->recheck = d->id;
	x->listing = d->listing;
	x->ref = xstrdup(d->ref);
	x->day = d->day;
	x->advertised = -1;
	*out = x;
}

static const char *adv_word(int a)
{
	return a == 1 ? "yes" : a == 0 ? "no" : "unknown";
}

/* Stores one response as a snapshot, with its event, in one transaction. */
static int store_snapshot(struct study *s, const struct due_item *d, const struct fetched *f,
			  const struct recheck_phrases *ph, struct recheck_done *x,
			  struct ct_err *err)
{
	struct recheck_page page;
	recheck_page_read(f->body.sb.buf ? f->body.sb.buf : "", f->body.sb.len, ph, &page);
	char *why = NULL;
	x->http_status = f->http;
	if (f->stopped) {
		x->advertised = -1;
		why = xasprintf("HTTP %ld: %s: cannot tell, check by hand", f->http, f->stopped);
	} else {
		x->advertised = recheck_judge(f->http, d->url, f->final_url, d->title, &page, &why);
	}
	if (f->body.cut) {
		char *w = xasprintf("%s (the body was cut at %u bytes)", why, RECHECK_MAX_BODY);
		free(why);
		why = w;
	}
	x->why = why;
	sha256_hex(f->body.sb.buf ? f->body.sb.buf : "", f->body.sb.len, x->body_sha256);
	uLongf zlen = compressBound((uLong)f->body.sb.len);
	Bytef *z = xmalloc(zlen ? zlen : 1);
	int zr = compress2(z, &zlen, (const Bytef *)(f->body.sb.buf ? f->body.sb.buf : ""),
			   (uLong)f->body.sb.len, 9);
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	/* A server error, or "too many requests" (429): the site could not
	 * or would not answer now, so it is asked again by the next run. */
	int retry = f->http >= 500 || f->http == 429, rc;
	int attempts = d->attempts + 1;
	x->status = !retry ? "done" : attempts >= RECHECK_MAX_ATTEMPTS ? "failed" : "due";
	sqlite3_stmt *ins = NULL, *up = NULL;
	if (zr != Z_OK) {
		rc = ct_fail(err, CT_EENV, "cannot compress a page (zlib %d)", zr);
		goto out;
	}
	if ((rc = study_begin(s, err)))
		goto out;
	if ((rc = study_prepare(s,
				"INSERT INTO snapshot (recheck, listing, at, url, http_status, "
				"final_url, body_sha256, body_size, title, price, body, advertised, "
				"why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				&ins, err)))
		goto fail;
	sqlite3_bind_int64(ins, 1, d->id);
	sqlite3_bind_int64(ins, 2, d->listing);
	sqlite3_bind_text(ins, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, d->url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 5, f->http);
	sqlite3_bind_text(ins, 6, f->final_url, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, x->body_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 8, (sqlite3_int64)f->body.sb.len);
	if (page.title)
		sqlite3_bind_text(ins, 9, page.title, -1, SQLITE_STATIC);
	if (page.price)
		sqlite3_bind_text(ins, 10, page.price, -1, SQLITE_STATIC);
	sqlite3_bind_blob(ins, 11, z, (int)zlen, SQLITE_STATIC);
	if (x->advertised >= 0)
		sqlite3_bind_int(ins, 12, x->advertised);
	sqlite3_bind_text(ins, 13, why, -1, SQLITE_STATIC);
	if ((rc = study_step_done(s, ins, err, "storing a snapshot")))
		goto fail;
	x->snapshot = sqlite3_last_insert_rowid(s->db);
	if ((rc = study_prepare(s,
				"UPDATE recheck SET status = ?, attempts = ?, last_error = ? WHERE "
				"id = ?",
				&up, err)))
		goto fail;
	sqlite3_bind_text(up, 1, x->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(up, 2, attempts);
	char *le = retry ? xasprintf("HTTP %ld", f->http) : NULL;
	if (le)
		sqlite3_bind_text(up, 3, le, -1, SQLITE_TRANSIENT);
	free(le);
	sqlite3_bind_int64(up, 4, d->id);
	if ((rc = study_step_done(s, up, err, "updating a recheck")))
		goto fail;
	char *subject = xasprintf("listing %s", d->ref);
	char *detail = xasprintf("recheck=%lld day=%d snapshot=%lld http=%ld advertised=%s "
				 "body_sha256=%s body_size=%zu",
				 (long long)d->id, d->day, (long long)x->snapshot, f->http,
				 adv_word(x->advertised), x->body_sha256, f->body.sb.len);
	rc = study_event(s, "recheck", subject, detail, err);
	free(subject), free(detail);
	if (!rc)
		rc = study_commit(s, err);
fail:
	if (rc)
		study_rollback(s);
out:
	sqlite3_finalize(ins), sqlite3_finalize(up);
	free(z);
	recheck_page_free(&page);
	return rc;
}

/* A fetch that got no response: attempts + 1, still due or failed. */
static int store_error(struct study *s, const struct due_item *d, const char *error,
		       struct recheck_done *x, struct ct_err *err)
{
	int attempts = d->attempts + 1;
	x->status = attempts >= RECHECK_MAX_ATTEMPTS ? "failed" : "due";
	x->error = xstrdup(error);
	sqlite3_stmt *up;
	int rc = study_prepare(s, "UPDATE recheck SET status = ?, attempts = ?, last_error = ? WHERE "
				  "id = ?",
			       &up, err);
	if (rc)
		return rc;
	sqlite3_bind_text(up, 1, x->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(up, 2, attempts);
	sqlite3_bind_text(up, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 4, d->id);
	rc = study_step_done(s, up, err, "updating a recheck");
	sqlite3_finalize(up);
	return rc;
}

static int load_due(struct study *s, struct due_item **out, int *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_prepare(s,
			       "SELECT r.id, r.listing, r.day, r.attempts, l.ref, l.url, l.title FROM "
			       "recheck r JOIN listing l ON l.id = r.listing WHERE r.status = 'due' "
			       "AND r.due_at <= ? ORDER BY r.due_at, r.id",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	struct due_item *v = NULL;
	int nv = 0, r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(nv + 1) * sizeof(*v));
		v[nv++] = (struct due_item){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					     sqlite3_column_int(st, 2),	  sqlite3_column_int(st, 3),
					     study_column_dup(st, 4, ""), study_column_dup(st, 5, NULL),
					     study_column_dup(st, 6, NULL) };
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the rechecks");
	sqlite3_finalize(st);
	*out = v;
	*n = nv;
	return rc;
}

int recheck_run(struct study *s, const struct recheck_cfg *c, struct recheck_run_result *out,
		struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	struct due_item *due = NULL;
	int ndue = 0, lockfd = -1, rc;
	struct recheck_phrases *ph = NULL;
	struct host_clock hc = { 0 };
	/* One run at a time: two cron runs must not fetch a listing twice. */
	if ((rc = study_lock_run(s, NULL, "corrtest recheck", &lockfd, err)) ||
	    (rc = load_due(s, &due, &ndue, err)))
		goto out;
	if (!ndue)
		goto out;
	if ((rc = recheck_phrases_load(s, &ph, err)) || (rc = curl_dl_load(err)))
		goto out;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int i = 0; i < ndue && !rc; i++) {
		struct due_item *d = &due[i];
		struct recheck_done *x;
		done_push(out, d, &x);
		if (!http_url(d->url)) {
			/* Purged (or changed) since it was planned. */
			x->status = "cancelled";
			x->why = xstrdup("the listing has no http(s) URL any more (purged?)");
			sqlite3_stmt *up;
			if ((rc = study_begin(s, err)))
				break;
			if (!(rc = study_prepare(s,
						 "UPDATE recheck SET status = 'cancelled', last_error = "
						 "'no URL (purged)' WHERE id = ?",
						 &up, err))) {
				sqlite3_bind_int64(up, 1, d->id);
				rc = study_step_done(s, up, err, "cancelling a recheck");
				sqlite3_finalize(up);
			}
			if (!rc) {
				char *subject = xasprintf("listing %s", d->ref);
				char *detail = xasprintf("recheck=%lld day=%d cancelled: no URL",
							 (long long)d->id, d->day);
				rc = study_event(s, "recheck-cancel", subject, detail, err);
				free(subject), free(detail);
			}
			if (!rc)
				rc = study_commit(s, err);
			if (rc)
				study_rollback(s);
			out->cancelled++;
			continue;
		}
		char *host = mail_url_host(d->url);
		if (!host)
			host = xstrdup("");
		wait_for_host(&hc, host, c->rate_seconds);
		struct fetched f;
		fetch(c, d->url, &f);
		host_done(&hc, host);
		free(host);
		if (f.ok) {
			rc = store_snapshot(s, d, &f, ph, x, err);
			out->fetched++;
			if (x->advertised == 1)
				out->advertised++;
			else if (x->advertised == 0)
				out->gone++;
			else
				out->unknown++;
		} else {
			if (!(rc = study_begin(s, err))) {
				rc = store_error(s, d, f.error, x, err);
				if (!rc)
					rc = study_commit(s, err);
				if (rc)
					study_rollback(s);
			}
			out->errors++;
		}
		if (!rc && !strcmp(x->status, "failed"))
			out->failed++;
		fetched_free(&f);
	}
	if (!rc && out->n) {
		char *detail = xasprintf("fetched=%d advertised=%d gone=%d unknown=%d errors=%d "
					 "failed=%d cancelled=%d",
					 out->fetched, out->advertised, out->gone, out->unknown,
					 out->errors, out->failed, out->cancelled);
		if (!(rc = study_begin(s, err))) {
			rc = study_event(s, "recheck-run", NULL, detail, err);
			if (!rc)
				rc = study_commit(s, err);
			if (rc)
				study_rollback(s);
		}
		free(detail);
	}
out:
	for (int i = 0; i < ndue; i++)
		free(due[i].ref), free(due[i].url), free(due[i].title);
	free(due);
	for (int i = 0; i < hc.n; i++)
		free(hc.host[i]);
	free(hc.host), free(hc.last);
	recheck_phrases_free(ph);
	study_unlock_run(lockfd);
	return rc;
}

void recheck_run_result_free(struct recheck_run_result *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->v[i].ref), free(r->v[i].why), free(r->v[i].error);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- reading back ---- */

static int load_snaps(struct study *s, sqlite3_stmt *st, struct recheck_item *it, struct ct_err *err)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, it->id);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		it->snaps = xrealloc(it->snaps, (size_t)(it->nsnaps + 1) * sizeof(*it->snaps));
		struct recheck_snapshot *x = &it->snaps[it->nsnaps++];
		x->id = sqlite3_column_int64(st, 0);
		x->recheck = it->id;
		x->at = study_column_dup(st, 1, "");
		x->url = study_column_dup(st, 2, NULL);
		x->final_url = study_column_dup(st, 3, NULL);
		x->http_status = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
		x->error = study_column_dup(st, 5, NULL);
		x->body_sha256 = study_column_dup(st, 6, NULL);
		x->body_size = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7);
		x->title = study_column_dup(st, 8, NULL);
		x->price = study_column_dup(st, 9, NULL);
		x->has_body = sqlite3_column_int(st, 10);
		x->advertised = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 11);
		x->why = study_column_dup(st, 12, NULL);
	}
	return r == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the snapshots");
}

int recheck_list(struct study *s, int64_t listing, struct recheck_listing **out, int *n,
		 struct ct_err *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *ls = NULL, *is = NULL, *ss = NULL;
	int rc;
	if ((rc = study_prepare(s,
				"SELECT l.id, l.ref, l.url, l.title FROM listing l WHERE EXISTS "
				"(SELECT 1 FROM recheck r WHERE r.listing = l.id) AND (?1 = 0 OR l.id "
				"= ?1) ORDER BY l.id",
				&ls, err)) ||
	    (rc = study_prepare(s,
				"SELECT id, application, reason, day, due_at, status, planned_at, "
				"attempts, last_error FROM recheck WHERE listing = ? ORDER BY day, id",
				&is, err)) ||
	    (rc = study_prepare(s,
				"SELECT id, at, url, final_url, http_status, error, body_sha256, "
				"body_size, title, price, body IS NOT NULL, advertised, why FROM "
				"snapshot WHERE recheck = ? ORDER BY at, id",
				&ss, err)))
		goto out;
	sqlite3_bind_int64(ls, 1, listing);
	struct recheck_listing *v = NULL;
	int nv = 0, r;
	while (!rc && (r = sqlite3_step(ls)) == SQLITE_ROW) {
		v = xrealloc(v, (size_t)(nv + 1) * sizeof(*v));
		struct recheck_listing *l = &v[nv++];
		memset(l, 0, sizeof(*l));
		l->listing = sqlite3_column_int64(ls, 0);
		l->ref = study_column_dup(ls, 1, "");
		l->url = study_column_dup(ls, 2, NULL);
		l->title = study_column_dup(ls, 3, NULL);
		l->advertised = -1;
		sqlite3_reset(is);
		sqlite3_bind_int64(is, 1, l->listing);
		const char *latest = NULL;
		int ri;
		while (!rc && (ri = sqlite3_step(is)) == SQLITE_ROW) {
			l->items = xrealloc(l->items, (size_t)(l->nitems + 1) * sizeof(*l->items));
			struct recheck_item *it = &l->items[l->nitems++];
			memset(it, 0, sizeof(*it));
			it->id = sqlite3_column_int64(is, 0);
			it->application = sqlite3_column_int64(is, 1);
			it->reason = study_column_dup(is, 2, "");
			it->day = sqlite3_column_int(is, 3);
			it->due_at = study_column_dup(is, 4, "");
			it->status = study_column_dup(is, 5, "");
			it->planned_at = study_column_dup(is, 6, "");
			it->attempts = sqlite3_column_int(is, 7);
			it->last_error = study_column_dup(is, 8, NULL);
			rc = load_snaps(s, ss, it, err);
			/* Still advertised: what the latest snapshot that could
			 * tell found (a server error on day 7 does not undo what
			 * day 3 showed; advertised_at says when that was). */
			for (int k = 0; k < it->nsnaps; k++)
				if (it->snaps[k].advertised >= 0 &&
				    (!latest || strcmp(it->snaps[k].at, latest) >= 0)) {
					latest = it->snaps[k].at;
					l->advertised = it->snaps[k].advertised;
				}
		}
		if (!rc && ri != SQLITE_DONE)
			rc = study_db_error(s, err, "reading the rechecks");
		l->advertised_at = latest ? xstrdup(latest) : NULL;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the rechecks");
	if (rc)
		recheck_list_free(v, nv);
	else
		*out = v, *n = nv;
out:
	sqlite3_finalize(ls), sqlite3_finalize(is), sqlite3_finalize(ss);
	return rc;
}

void recheck_list_free(struct recheck_listing *v, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < v[i].nitems; j++) {
			struct recheck_item *it = &v[i].items[j];
			for (int k = 0; k < it->nsnaps; k++) {
				struct recheck_snapshot *x = &it->snaps[k];
				free(x->at), free(x->url), free(x->final_url), free(x->error);
				free(x->body_sha256), free(x->title), free(x->price), free(x->why);
			}
			free(it->snaps), free(it->reason), free(it->due_at), free(it->status);
			free(it->planned_at), free(it->last_error);
		}
		free(v[i].items), free(v[i].ref), free(v[i].url), free(v[i].title);
		free(v[i].advertised_at);
	}
	free(v);
}

int recheck_snapshot_body(struct study *s, int64_t snapshot, char **body, size_t *len,
			  struct ct_err *err)
{
	*body = NULL;
	*len = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT body, body_size, body_sha256 FROM snapshot WHERE id = ?",
			       &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, snapshot);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const void *z = sqlite3_column_blob(st, 0);
		uLong zn = (uLong)sqlite3_column_bytes(st, 0);
		uLongf n = (uLongf)sqlite3_column_int64(st, 1);
		const char *want = (const char *)sqlite3_column_text(st, 2);
		char *b = xmalloc(n + 1);
		char have[65];
		if (uncompress((Bytef *)b, &n, z, zn) != Z_OK) {
			free(b);
			rc = ct_fail(err, CT_EENV, "snapshot %lld: the stored body does not inflate",
				     (long long)snapshot);
		} else {
			b[n] = 0;
			sha256_hex(b, n, have);
			if (!want || strcmp(want, have)) {
				free(b);
				rc = ct_fail(err, CT_EENV,
					     "snapshot %lld: the stored body does not match its SHA-256",
					     (long long)snapshot);
			} else {
				*body = b;
				*len = n;
			}
		}
	} else if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = study_db_error(s, err, "reading a snapshot");
	}
	sqlite3_finalize(st);
	return rc;
}

