/* listing.c: validation and insertion of listings (see listing.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/csv.h"
#include "listings/listing.h"
#include "fielding/channel.h"
#include "messages/outbox.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char *const listing_columns[LF_COUNT + 1] = {
	"ref",	 "url",	  "contact_email", "contact_name", "agent_type", "agent",
	"area",	 "price", "round",	   "posted_on",	   "title",	 "channel",
	"contact_phone", "portal_ref", "isco", "occupation", "level", NULL
};

const char *listing_level(const char *s)
{
	static const char *const levels[] = { "none", "secondary", "bachelor", "master" };
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(s, levels[i]))
			return levels[i];
	return NULL;
}

int listing_check_isco(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 4 && strspn(s, "0123456789") == n;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int listing_check_text(const char *s, char why[LISTING_WHY], size_t *off)
{
	const char *what;
	unsigned long cp;
	size_t at;
	if (text_ok(s, strlen(s), &what, &at, &cp))
		return 1;
	if (off)
		*off = at;
	if (!utf8_check(s, strlen(s), NULL))
		snprintf(why, LISTING_WHY, "is not valid UTF-8");
	else if (cp == '\r' || cp == '\n')
		snprintf(why, LISTING_WHY,
			 "contains a line break (CR or LF); a value must fit on one line");
	else
		snprintf(why, LISTING_WHY, "contains %s (U+%04lX)", what, cp);
	return 0;
}

int listing_check_ref(const char *s, char why[LISTING_WHY])
{
	if (!listing_check_text(s, why, NULL))
		return 0;
	if (!*s) {
		snprintf(why, LISTING_WHY, "is empty");
		return 0;
	}
	if (strlen(s) > 100) {
		snprintf(why, LISTING_WHY, "is longer than 100 bytes");
		return 0;
	}
	return 1;
}

int listing_check_email(const char *s, const char **why)
{
	static const char local_ok[] = "!#$%&'*+/=?^_`{|}~.-";
	const char *at = strchr(s, '@');
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7F) {
			*why = "contains a space or a control character";
			return 0;
		}
	}
	if (!at || strchr(at + 1, '@')) {
		*why = "must contain exactly one @";
		return 0;
	}
	if (at == s) {
		*why = "has nothing before the @";
		return 0;
	}
	if (at - s > 64 || strlen(s) > 254) {
		*why = "is too long for an e-mail address";
		return 0;
	}
	for (const char *p = s; p < at; p++) {
		if (*p == '.' && p[1] == '.') {
			*why = "has two dots in a row";
			return 0;
		}
		if (!is_alnum(*p) && !strchr(local_ok, *p)) {
			*why = "has a character before the @ that an address may not use "
			       "(letters, digits and !#$%&'*+/=?^_`{|}~.- only)";
			return 0;
		}
	}
	if (s[0] == '.' || at[-1] == '.') {
		*why = "has a dot at the start or end of the part before the @";
		return 0;
	}
	const char *dom = at + 1;
	if (!*dom || !strchr(dom, '.')) {
		*why = "needs a domain with a dot after the @ (e.g. immo.be)";
		return 0;
	}
	/* Labels: letters, digits and inner hyphens, 1 to 63 characters. */
	const char *label = dom;
	for (const char *p = dom;; p++) {
		if (*p == '.' || !*p) {
			size_t n = (size_t)(p - label);
			if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-') {
				*why = "has a domain that is not a valid host name";
				return 0;
			}
			if (!*p)
				break;
			label = p + 1;
		} else if (!is_alnum(*p) && *p != '-') {
			*why = "has a domain that is not a valid host name (letters, digits, '-' and '.')";
			return 0;
		}
	}
	return 1;
}

int listing_check_url(const char *s, const char **why)
{
	size_t skip;
	if (!strncasecmp(s, "http://", 7))
		skip = 7;
	else if (!strncasecmp(s, "https://", 8))
		skip = 8;
	else {
		*why = "must start with http:// or https://";
		return 0;
	}
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7F) {
			*why = "contains a space or a control character (encode a space as %20)";
			return 0;
		}
	}
	const char *host = s + skip;
	if (!*host || *host == '/' || *host == '?' || *host == '#') {
		*why = "has no host name after the scheme";
		return 0;
	}
	if (strlen(s) > 2000) {
		*why = "is longer than 2000 characters";
		return 0;
	}
	return 1;
}

int listing_parse_price(const char *s, double *out, const char **why)
{
	const char *p = s;
	int digits = 0, decimals = -1;
	if (*p == '-') {
		*why = "must not be negative";
		p++;
	}
	for (; is_digit(*p); p++)
		digits++;
	if (*p == '.') {
		decimals = 0;
		for (p++; is_digit(*p); p++)
			decimals++;
	}
	if (*p || digits == 0 || decimals == 0) {
		if (strpbrk(s, ", ") && strspn(s, "0123456789., -") == strlen(s))
			*why = "is not a number as corrtest reads it: write it with a point "
			       "before the decimals and no thousands separator (1250 or 1250.50)";
		else
			*why = "is not a number (digits, with an optional point and decimals: "
			       "1250 or 1250.50)";
		return 0;
	}
	if (s[0] == '-')
		return 0; /* why was set above */
	if (decimals == 3) {
		*why = "is ambiguous: a point followed by three digits looks like a thousands "
		       "separator; write 1250 (no separator) or 1.25";
		return 0;
	}
	if (decimals > 2 || digits > 12) {
		*why = "is not a price (at most 12 digits and 2 decimals)";
		return 0;
	}
	if (!parse_double(s, out)) {
		*why = "is not a number";
		return 0;
	}
	return 1;
}

int listing_parse_round(const char *s, long *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return 0;
	long v = atol(s);
	if (v < 1)
		return 0;
	*out = v;
	return 1;
}

int listing_check_phone(const char *s, const char **why)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (is_digit(*p))
			digits++;
		else if (!strchr(" +()./-", *p)) {
			*why = "is not a phone number (digits, spaces and + ( ) . / - only)";
			return 0;
		}
	}
	if (digits < 6 || digits > 20) {
		*why = "is not a phone number (6 to 20 digits)";
		return 0;
	}
	return 1;
}

/* Query parameters that say where a visitor came from, not which page:
 * Google's and Matomo's campaign tags, the click ids of the ad networks,
 * the mail tools' ids. A prefix ends with '_' or '*'. */
static int tracking_param(const char *name, size_t n)
{
	static const char *const prefix[] = { "utm_", "mc_", "pk_", "mtm_", "_hs", NULL };
	static const char *const exact[] = { "fbclid",	"gclid",   "dclid",   "gbraid",
					     "wbraid",	"msclkid", "yclid",   "igshid",
					     "twclid",	"ttclid",  "li_fat_id", "mkt_tok",
					     "_ga",	"_gl",	   "srsltid", "oly_anon_id",
					     "oly_enc_id", "vero_id", "wickedid", "ref_src",
					     NULL };
	for (int i = 0; prefix[i]; i++)
		if (n >= strlen(prefix[i]) && !strncasecmp(name, prefix[i], strlen(prefix[i])))
			return 1;
	for (int i = 0; exact[i]; i++)
		if (n == strlen(exact[i]) && !strncasecmp(name, exact[i], n))
			return 1;
	return 0;
}

char *listing_url_key(const char *url)
{
	size_t skip;
	int https;
	if (!strncasecmp(url, "http://", 7))
		skip = 7, https = 0;
	else if (!strncasecmp(url, "https://", 8))
		skip = 8, https = 1;
	else
		return NULL;
	const char *host = url + skip;
	size_t hlen = strcspn(host, "/?#");
	struct strbuf sb = STRBUF_INIT;
	/* The host, lower case, without www. and the scheme's own port. */
	size_t h0 = 0;
	if (hlen > 4 && !strncasecmp(host, "www.", 4))
		h0 = 4;
	size_t hend = hlen;
	const char *colon = memchr(host + h0, ':', hlen - h0);
	if (colon) {
		const char *port = colon + 1;
		size_t plen = (size_t)(host + hlen - port);
		if (plen == 0 || (!https && plen == 2 && !memcmp(port, "80", 2)) ||
		    (https && plen == 3 && !memcmp(port, "443", 3)))
			hend = (size_t)(colon - host);
	}
	for (size_t i = h0; i < hend; i++) {
		char c = host[i];
		sb_addc(&sb, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
	}
	/* The path, without trailing slashes ("/a/" and "/a" are one page). */
	const char *path = host + hlen;
	size_t plen = strcspn(path, "?#");
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	sb_add(&sb, path, plen);
	path += strcspn(path, "?#");
	/* The query, minus tracking parameters and empty pieces. */
	if (*path == '?') {
		const char *q = path + 1;
		size_t qlen = strcspn(q, "#");
		int first = 1;
		for (size_t i = 0; i < qlen;) {
			size_t n = strcspn(q + i, "&#");
			if (i + n > qlen)
				n = qlen - i;
			size_t name = strcspn(q + i, "=&#");
			if (name > n)
				name = n;
			if (n && !tracking_param(q + i, name)) {
				sb_addc(&sb, first ? '?' : '&');
				sb_add(&sb, q + i, n);
				first = 0;
			}
			i += n + 1;
		}
	}
	return sb_detach(&sb);
}

const char *listing_key_host(const char *key, size_t *n)
{
	*n = strcspn(key, "/?");
	return key;
}

const char *listing_agent_type(const char *s)
{
	if (str_eq_ci(s, "agency"))
		return "agency";
	if (str_eq_ci(s, "private"))
		return "private";
	return NULL;
}

static void reportf(listing_report_fn report, void *ud, const char *col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void reportf(listing_report_fn report, void *ud, const char *col, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	report(ud, col, -1, sb_str(&sb));
	sb_free(&sb);
}

int listing_validate(const char *const in[LF_COUNT], struct listing *out,
		     listing_report_fn report, void *ud)
{
	int bad = 0;
	const char *why;
	char text_why[LISTING_WHY];
	size_t off;
	memset(out, 0, sizeof(*out));
	out->round = 1;
	for (int i = 0; i < LF_COUNT; i++) {
		const char *col = listing_columns[i];
		const char *raw = in[i] ? in[i] : "";
		/* Text is checked before trimming: a line break at the end of a
		 * quoted field is still a line break. */
		if (!listing_check_text(raw, text_why, &off)) {
			report(ud, col, (long)off, text_why);
			bad++;
			continue;
		}
		char *v = str_trim(xstrdup(raw));
		if (!*v) {
			free(v);
			continue;
		}
		out->f[i] = v;
		int ok = 1;
		switch (i) {
		case LF_REF:
			ok = listing_check_ref(v, text_why);
			why = text_why;
			break;
		case LF_URL:
			ok = listing_check_url(v, &why);
			break;
		case LF_CONTACT_EMAIL:
			ok = listing_check_email(v, &why);
			break;
		case LF_AGENT_TYPE: {
			const char *t = listing_agent_type(v);
			if (t) {
				free(out->f[i]);
				out->f[i] = xstrdup(t);
			} else {
				ok = 0;
				why = "must be agency or private";
			}
			break;
		}
		case LF_PRICE:
			ok = listing_parse_price(v, &out->price, &why);
			out->has_price = ok;
			break;
		case LF_ROUND:
			ok = listing_parse_round(v, &out->round);
			why = "must be a whole number from 1 to 999999999";
			break;
		case LF_POSTED_ON:
			ok = date_valid(v);
			why = "must be a real date written YYYY-MM-DD";
			break;
		case LF_CHANNEL: {
			const char *ch = fielding_channel_parse(v);
			if (ch) {
				free(out->f[i]);
				out->f[i] = xstrdup(ch);
			} else {
				ok = 0;
				why = fielding_channel_must();
			}
			break;
		}
		case LF_CONTACT_PHONE:
			ok = listing_check_phone(v, &why);
			break;
		case LF_PORTAL_REF:
			ok = strlen(v) <= 100;
			why = "is longer than 100 bytes";
			break;
		case LF_ISCO:
			ok = listing_check_isco(v);
			why = "is not an ISCO-08 code (1 to 4 digits, such as 2411 for accountants)";
			break;
		case LF_LEVEL: {
			const char *t = listing_level(v);
			if (t) {
				free(out->f[i]);
				out->f[i] = xstrdup(t);
			} else {
				ok = 0;
				why = "must be none, secondary, bachelor or master";
			}
			break;
		}
		default:
			if (strlen(v) > 1000) {
				ok = 0;
				why = "is longer than 1000 bytes";
			}
			break;
		}
		if (!ok) {
			char shown[CSV_SHORT];
			reportf(report, ud, col, "'%s' %s", csv_short(v, shown, sizeof(shown)), why);
			bad++;
			if (i == LF_URL) {
				free(out->f[i]);
				out->f[i] = NULL;
			}
		}
	}
	if (out->f[LF_URL])
		out->url_key = listing_url_key(out->f[LF_URL]);
	if (!out->f[LF_REF] && listing_check_text(in[LF_REF] ? in[LF_REF] : "", text_why, NULL)) {
		reportf(report, ud, listing_columns[LF_REF], "is required (the listing's reference)");
		bad++;
	}
	if (!out->f[LF_AGENT_TYPE] &&
	    listing_check_text(in[LF_AGENT_TYPE] ? in[LF_AGENT_TYPE] : "", text_why, NULL)) {
		reportf(report, ud, listing_columns[LF_AGENT_TYPE],
			"is required: agency or private");
		bad++;
	}
	return bad;
}

int listing_check_market(const struct listing *l, const char *market, listing_report_fn report,
			 void *ud)
{
	static const int job_only[] = { LF_ISCO, LF_OCCUPATION, LF_LEVEL };
	int bad = 0;
	if (market && !strcmp(market, "job"))
		return 0;
	for (size_t i = 0; i < sizeof(job_only) / sizeof(job_only[0]); i++)
		if (l->f[job_only[i]]) {
			reportf(report, ud, listing_columns[job_only[i]],
				"applies to vacancies only, and this is a %s study (market = %s in "
				"study.ini): remove the column or leave it empty",
				market ? market : "housing", market ? market : "housing");
			bad++;
		}
	return bad;
}

void listing_free(struct listing *l)
{
	for (int i = 0; i < LF_COUNT; i++)
		free(l->f[i]);
	free(l->url_key);
	memset(l, 0, sizeof(*l));
}

char *listing_ref_fold(const char *ref)
{
	char *f = xstrdup(ref);
	for (char *p = f; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return f;
}

/* Readies *st for a new use: prepared the first time, reset after. */
static int use(struct listing_stmts *q, sqlite3_stmt **st, const char *sql, struct ct_err *err)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		return CT_OK;
	}
	return study_prepare(q->s, sql, st, err);
}

void listing_stmts_close(struct listing_stmts *q)
{
	if (q->keys) {
		seen_free(q->keys);
		free(q->keys);
	}
	sqlite3_finalize(q->by_ref);
	sqlite3_finalize(q->by_ref_ci);
	sqlite3_finalize(q->by_url);
	sqlite3_finalize(q->by_portal);
	sqlite3_finalize(q->insert);
	sqlite3_finalize(q->contact);
	memset(q, 0, sizeof(*q));
}

int listing_stmts_ref_id(struct listing_stmts *q, const char *ref, int64_t *id,
			 struct ct_err *err)
{
	*id = 0;
	int rc = use(q, &q->by_ref, "SELECT id FROM listing WHERE ref = ?", err);
	if (rc)
		return rc;
	sqlite3_stmt *st = q->by_ref;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		rc = study_db_error(q->s, err, "looking up a listing");
	sqlite3_reset(st);
	return rc;
}

int listing_stmts_ref_find(struct listing_stmts *q, const char *ref, int64_t *id, char **stored,
			   struct ct_err *err)
{
	*id = 0;
	*stored = NULL;
	int rc = use(q, &q->by_ref_ci,
		     "SELECT id, ref FROM listing WHERE ref = ?1 COLLATE NOCASE"
		     " ORDER BY ref = ?1 DESC, id LIMIT 1",
		     err);
	if (rc)
		return rc;
	sqlite3_stmt *st = q->by_ref_ci;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*stored = study_column_dup(st, 1, "");
	} else if (r != SQLITE_DONE) {
		rc = study_db_error(q->s, err, "looking up a listing");
	}
	sqlite3_reset(st);
	return rc;
}

int listing_stmts_url_taken(struct listing_stmts *q, const char *key, int64_t except,
			    char **taken, char **url, struct ct_err *err)
{
	*taken = NULL;
	if (url)
		*url = NULL;
	int rc = use(q, &q->by_url,
		     "SELECT ref, url FROM listing WHERE url_key = ? AND id <> ? ORDER BY id LIMIT 1",
		     err);
	if (rc)
		return rc;
	sqlite3_stmt *st = q->by_url;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, except);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*taken = study_column_dup(st, 0, "");
		if (url)
			*url = study_column_dup(st, 1, "");
	} else if (r != SQLITE_DONE) {
		rc = study_db_error(q->s, err, "looking up a listing's url");
	}
	sqlite3_reset(st);
	return rc;
}

int listing_stmts_portal_taken(struct listing_stmts *q, const char *pref, const char *host,
			       size_t n, int64_t except, char **taken, struct ct_err *err)
{
	*taken = NULL;
	int rc = use(q, &q->by_portal,
		     "SELECT ref, url_key FROM listing WHERE portal_ref = ? AND id <> ? ORDER BY id",
		     err);
	if (rc)
		return rc;
	sqlite3_stmt *st = q->by_portal;
	sqlite3_bind_text(st, 1, pref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, except);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 1);
		size_t hn = 0;
		const char *h = key ? listing_key_host(key, &hn) : NULL;
		/* One portal's number 123 is not another portal's 123; a number
		 * given without an address is compared alone. */
		if (!host || !h || (hn == n && !memcmp(h, host, n))) {
			*taken = study_column_dup(st, 0, "");
			break;
		}
	}
	if (!*taken && r != SQLITE_DONE)
		rc = study_db_error(q->s, err, "looking up a listing's portal_ref");
	sqlite3_reset(st);
	return rc;
}

int listing_url_keys_fill(struct study *s, long *n, struct ct_err *err)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	*n = 0;
	int rc = study_prepare(s, "SELECT id, url FROM listing WHERE url IS NOT NULL AND url_key IS NULL",
			       &sel, err);
	if (!rc)
		rc = study_prepare(s, "UPDATE listing SET url_key = ? WHERE id = ?", &upd, err);
	int r = SQLITE_DONE;
	while (!rc && (r = sqlite3_step(sel)) == SQLITE_ROW) {
		char *key = listing_url_key((const char *)sqlite3_column_text(sel, 1));
		if (!key)
			continue; /* not a web address: nothing to compare */
		sqlite3_bind_text(upd, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		rc = study_step_done(s, upd, err, "filling a listing's url_key");
		sqlite3_reset(upd);
		free(key);
		(*n)++;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the listings' addresses");
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* How many agent keys an import keeps: enough for every agency of a
 * city, few enough that a file of a million distinct contacts does not
 * hold them all (the cache starts over when full). */
#define AGENT_KEYS_KEPT 4096

/* study_agent_key, remembered by the text keyed: normalising the name and
 * its HMAC cost more than inserting the row, and the same agency's name
 * comes back on many rows of a file. The key depends on nothing else, so
 * a remembered one is the one study_agent_key would give. */
static int agent_key(struct listing_stmts *q, const char *keyed, char key[16],
		     struct ct_err *err)
{
	if (!q->keys)
		q->keys = xcalloc(1, sizeof(*q->keys));
	const char *kept = seen_val(q->keys, keyed);
	if (kept) {
		snprintf(key, 16, "%s", kept);
		return CT_OK;
	}
	int rc = study_agent_key(q->s, keyed, key, err);
	if (rc)
		return rc;
	if (q->keys->n >= AGENT_KEYS_KEPT)
		seen_free(q->keys);
	seen_add_val(q->keys, keyed, 1, key);
	return CT_OK;
}

int listing_stmts_insert(struct listing_stmts *q, const struct listing *l, int64_t *id,
			 struct ct_err *err)
{
	struct study *s = q->s;
	char key[16];
	const char *keyed = l->f[LF_AGENT] ? l->f[LF_AGENT] : l->f[LF_CONTACT_EMAIL];
	int rc;
	/* The key stands for the agent in every report; without an agent name,
	 * the contact address identifies the same person or office. */
	if (keyed && (rc = agent_key(q, keyed, key, err)))
		return rc;
	if (!q->now[0])
		time_iso_utc(time_now(), q->now);
	if ((rc = use(q, &q->insert,
		      "INSERT INTO listing (ref, url, title, agent_type, agent_key, area, price,"
		      " round, posted_on, status, added_at, channel, url_key, portal_ref, isco,"
		      " occupation, level)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)",
		      err)))
		return rc;
	sqlite3_stmt *st = q->insert;
	bind_opt(st, 1, l->f[LF_REF]);
	bind_opt(st, 2, l->f[LF_URL]);
	bind_opt(st, 3, l->f[LF_TITLE]);
	bind_opt(st, 4, l->f[LF_AGENT_TYPE]);
	bind_opt(st, 5, keyed ? key : NULL);
	bind_opt(st, 6, l->f[LF_AREA]);
	if (l->has_price)
		sqlite3_bind_double(st, 7, l->price);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, l->round);
	bind_opt(st, 9, l->f[LF_POSTED_ON]);
	bind_opt(st, 10, q->now);
	bind_opt(st, 11, l->f[LF_CHANNEL]);
	bind_opt(st, 12, l->url_key);
	bind_opt(st, 13, l->f[LF_PORTAL_REF]);
	bind_opt(st, 14, l->f[LF_ISCO]);
	bind_opt(st, 15, l->f[LF_OCCUPATION]);
	bind_opt(st, 16, l->f[LF_LEVEL]);
	rc = study_step_done(s, st, err, "adding a listing");
	sqlite3_reset(st);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);
	if (!l->f[LF_CONTACT_EMAIL] && !l->f[LF_CONTACT_NAME] && !l->f[LF_AGENT] &&
	    !l->f[LF_CONTACT_PHONE])
		return CT_OK;
	if ((rc = use(q, &q->contact,
		      "INSERT INTO listing_contact (listing, contact_email, contact_name,"
		      " agent_name, contact_phone) VALUES (?, ?, ?, ?, ?)",
		      err)))
		return rc;
	st = q->contact;
	sqlite3_bind_int64(st, 1, *id);
	bind_opt(st, 2, l->f[LF_CONTACT_EMAIL]);
	bind_opt(st, 3, l->f[LF_CONTACT_NAME]);
	bind_opt(st, 4, l->f[LF_AGENT]);
	bind_opt(st, 5, l->f[LF_CONTACT_PHONE]);
	rc = study_step_done(s, st, err, "adding a listing's contact");
	sqlite3_reset(st);
	return rc;
}

int listing_stmts_check_dups(struct listing_stmts *q, const struct listing *l, int64_t except,
			     listing_report_fn report, void *ud, int *bad, struct ct_err *err)
{
	char shown[CSV_SHORT], shown2[CSV_SHORT];
	char *taken = NULL, *url = NULL;
	int rc = CT_OK;
	if (l->url_key && !(rc = listing_stmts_url_taken(q, l->url_key, except, &taken, &url, err)) &&
	    taken) {
		if (!strcmp(url, l->f[LF_URL]))
			reportf(report, ud, listing_columns[LF_URL],
				"'%s' is already in the study (listing %s)",
				csv_short(l->f[LF_URL], shown, sizeof(shown)), taken);
		else
			reportf(report, ud, listing_columns[LF_URL],
				"'%s' is listing %s of the study, written '%s' (the same address "
				"once case, www., tracking parameters and trailing slashes are set "
				"aside)",
				csv_short(l->f[LF_URL], shown, sizeof(shown)), taken,
				csv_short(url, shown2, sizeof(shown2)));
		(*bad)++;
	}
	free(taken);
	free(url);
	taken = NULL;
	const char *pref = l->f[LF_PORTAL_REF];
	if (!rc && pref) {
		size_t n = 0;
		const char *host = l->url_key ? listing_key_host(l->url_key, &n) : NULL;
		rc = listing_stmts_portal_taken(q, pref, host, n, except, &taken, err);
		if (!rc && taken) {
			reportf(report, ud, listing_columns[LF_PORTAL_REF],
				"'%s' is already in the study (listing %s, on the same portal)",
				csv_short(pref, shown, sizeof(shown)), taken);
			(*bad)++;
		}
		free(taken);
	}
	return rc;
}

/* The single look-ups: one statement each, for one use. */
int listing_ref_id(struct study *s, const char *ref, int64_t *id, struct ct_err *err)
{
	struct listing_stmts q = { .s = s };
	int rc = listing_stmts_ref_id(&q, ref, id, err);
	listing_stmts_close(&q);
	return rc;
}

int listing_ref_find(struct study *s, const char *ref, int64_t *id, char **stored,
		     struct ct_err *err)
{
	struct listing_stmts q = { .s = s };
	int rc = listing_stmts_ref_find(&q, ref, id, stored, err);
	listing_stmts_close(&q);
	return rc;
}

int listing_url_taken(struct study *s, const char *key, int64_t except, char **taken,
		      char **url, struct ct_err *err)
{
	struct listing_stmts q = { .s = s };
	int rc = listing_stmts_url_taken(&q, key, except, taken, url, err);
	listing_stmts_close(&q);
	return rc;
}

int listing_portal_taken(struct study *s, const char *pref, const char *host, size_t n,
			 int64_t except, char **taken, struct ct_err *err)
{
	struct listing_stmts q = { .s = s };
	int rc = listing_stmts_portal_taken(&q, pref, host, n, except, taken, err);
	listing_stmts_close(&q);
	return rc;
}

int listing_insert(struct study *s, const struct listing *l, int64_t *id, struct ct_err *err)
{
	struct listing_stmts q = { .s = s };
	int rc = listing_stmts_insert(&q, l, id, err);
	listing_stmts_close(&q);
	return rc;
}

/* FNV-1a: small and good enough for a table of a file's values. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A 64-bit mix of the FNV hash, so that the index's hashes spread well. */
static uint64_t ref_hash(const char *fold)
{
	uint64_t h = hash_str(fold);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int listing_ref_index_load(struct study *s, struct listing_ref_index *x, struct ct_err *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	memset(x, 0, sizeof(*x));
	int rc = study_prepare(s, "SELECT ref FROM listing", &st, err);
	if (rc)
		return rc;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (x->n == cap) {
			cap = cap ? cap * 2 : 256;
			x->hash = xrealloc(x->hash, cap * sizeof(uint64_t));
		}
		char *f = listing_ref_fold((const char *)sqlite3_column_text(st, 0));
		x->hash[x->n++] = ref_hash(f);
		free(f);
	}
	if (r != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the listings' refs");
	sqlite3_finalize(st);
	if (x->n > 1)
		qsort(x->hash, x->n, sizeof(uint64_t), u64_cmp);
	return rc;
}

int listing_ref_index_has(const struct listing_ref_index *x, const char *fold)
{
	uint64_t h = ref_hash(fold);
	return x->n && bsearch(&h, x->hash, x->n, sizeof(uint64_t), u64_cmp) != NULL;
}

void listing_ref_index_free(struct listing_ref_index *x)
{
	free(x->hash);
	memset(x, 0, sizeof(*x));
}

/* Copies str into the set's blocks, which never move once allocated. */
#define SEEN_BLOCK (64u << 10)
static const char *seen_copy(struct seen_set *s, const char *str)
{
	size_t n = strlen(str) + 1;
	int own = n > SEEN_BLOCK / 4; /* a long string gets a block of its own */
	if (own || !s->cur || s->used + n > SEEN_BLOCK) {
		char *b = xmalloc(own ? n : SEEN_BLOCK);
		s->block = xrealloc(s->block, sizeof(char *) * (s->nblock + 1));
		s->block[s->nblock++] = b;
		if (own) {
			memcpy(b, str, n);
			return b;
		}
		s->cur = b;
		s->used = 0;
	}
	char *p = s->cur + s->used;
	memcpy(p, str, n);
	s->used += n;
	return p;
}

static struct seen_entry *seen_find(const struct seen_set *s, const char *key)
{
	if (!s->cap)
		return NULL;
	for (size_t j = hash_str(key) & (s->cap - 1); s->slot[j]; j = (j + 1) & (s->cap - 1)) {
		struct seen_entry *e = &s->e[s->slot[j] - 1];
		if (!strcmp(e->key, key))
			return e;
	}
	return NULL;
}

int seen_add_val(struct seen_set *s, const char *key, int line, const char *val)
{
	struct seen_entry *found = seen_find(s, key);
	if (found)
		return found->line;
	if (2 * (s->n + 1) > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		free(s->slot);
		s->slot = xcalloc(ncap, sizeof(int));
		s->cap = ncap;
		for (size_t i = 0; i < s->n; i++) {
			size_t j = hash_str(s->e[i].key) & (ncap - 1);
			while (s->slot[j])
				j = (j + 1) & (ncap - 1);
			s->slot[j] = (int)i + 1;
		}
	}
	if (s->n == s->ecap) {
		s->ecap = s->ecap ? s->ecap * 2 : 32;
		s->e = xrealloc(s->e, sizeof(*s->e) * s->ecap);
	}
	struct seen_entry *e = &s->e[s->n];
	e->key = seen_copy(s, key);
	e->val = val ? seen_copy(s, val) : NULL;
	e->line = line;
	size_t j = hash_str(key) & (s->cap - 1);
	while (s->slot[j])
		j = (j + 1) & (s->cap - 1);
	s->slot[j] = (int)++s->n;
	return 0;
}

int seen_add(struct seen_set *s, const char *key, int line)
{
	return seen_add_val(s, key, line, NULL);
}

int seen_get(const struct seen_set *s, const char *key)
{
	const struct seen_entry *e = seen_find(s, key);
	return e ? e->line : 0;
}

const char *seen_val(const struct seen_set *s, const char *key)
{
	const struct seen_entry *e = seen_find(s, key);
	return e ? e->val : NULL;
}

void seen_free(struct seen_set *s)
{
	for (size_t i = 0; i < s->nblock; i++)
		free(s->block[i]);
	free(s->block);
	free(s->slot);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

int listing_add(struct study *s, const char *const in[LF_COUNT], listing_report_fn report,
		void *ud, struct listing *out, int64_t *id, struct ct_err *err)
{
	char shown[CSV_SHORT], shown2[CSV_SHORT];
	char *taken = NULL, *stored = NULL;
	*id = 0;
	int rc = study_begin(s, err);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	int bad = listing_validate(in, out, report, ud);
	bad += listing_check_market(out, s->design->market, report, ud);
	const char *ref = out->f[LF_REF], *url = out->f[LF_URL];
	int64_t found = 0;
	if (ref && !(rc = listing_ref_find(s, ref, &found, &stored, err)) && found) {
		/* Refs that differ only in case name one listing. */
		if (strcmp(stored, ref))
			reportf(report, ud, listing_columns[LF_REF],
				"'%s' is already in the study (as '%s')",
				csv_short(ref, shown, sizeof(shown)),
				csv_short(stored, shown2, sizeof(shown2)));
		else
			reportf(report, ud, listing_columns[LF_REF], "'%s' is already in the study",
				csv_short(ref, shown, sizeof(shown)));
		bad++;
	}
	(void)url;
	if (!rc) {
		struct listing_stmts q = { .s = s };
		long filled;
		rc = listing_url_keys_fill(s, &filled, err);
		if (!rc)
			rc = listing_stmts_check_dups(&q, out, 0, report, ud, &bad, err);
		listing_stmts_close(&q);
	}
	free(stored);
	free(taken);
	if (!rc && bad)
		rc = ct_fail(err, CT_EINPUT, "%d error%s; nothing was added", bad,
			     bad == 1 ? "" : "s");
	if (!rc)
		rc = listing_insert(s, out, id, err);
	if (!rc)
		rc = study_event(s, "listings.add", ref, NULL, err);
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		listing_free(out);
		*id = 0;
	}
	return rc;
}

int listing_withdraw(struct study *s, const char *ref, const char *note, char **stored,
		     struct outbox_withdrawn *w, struct ct_err *err)
{
	int64_t id = 0;
	sqlite3_stmt *st = NULL;
	*stored = NULL;
	memset(w, 0, sizeof(*w));
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	rc = listing_ref_find(s, ref, &id, stored, err);
	if (!rc && !id)
		rc = ct_fail(err, CT_EINPUT, "no listing '%s' in the study", ref);
	if (!rc)
		rc = study_prepare(s,
				   "UPDATE listing SET status = 'withdrawn' WHERE id = ?"
				   " AND status <> 'withdrawn'",
				   &st, err);
	if (!rc) {
		sqlite3_bind_int64(st, 1, id);
		rc = study_step_done(s, st, err, "withdrawing a listing");
		if (!rc && sqlite3_changes(s->db) == 0)
			rc = ct_fail(err, CT_EINPUT, "listing '%s' is already withdrawn", *stored);
	}
	sqlite3_finalize(st);
	/* The event names the ref as the study writes it. */
	if (!rc)
		rc = study_event(s, "listings.withdraw", *stored, note, err);
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		free(*stored);
		*stored = NULL;
		return rc;
	}
	/* Only once the withdrawal is committed do its unsent messages leave
	 * the outbox (so that no mail client sends them): a withdrawal that
	 * fails leaves the files where they were. */
	rc = outbox_withdraw_listing(s, id, note, w, err);
	/* What left the outbox is logged in an event of its own. */
	if (!rc && (w->removed || w->taken || w->missing) &&
	    !(rc = study_begin(s, err))) {
		if ((rc = study_event(s, "listings.withdraw", *stored, w->detail, err)) ||
		    (rc = study_commit(s, err)))
			study_rollback(s);
	}
	return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int listing_each(struct study *s, listing_row_fn fn, void *ud, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT l.id, l.ref, l.url, l.title, l.agent_type, l.agent_key, l.area, l.price,"
		" l.round, l.posted_on, l.status,"
		" (SELECT count(*) FROM application a WHERE a.listing = l.id),"
		" c.contact_email, c.contact_name, c.agent_name, l.channel, l.portal_ref,"
		" c.contact_phone, l.isco, l.occupation, l.level"
		" FROM listing l LEFT JOIN listing_contact c ON c.listing = l.id ORDER BY l.id",
		&st, err);
	if (rc)
		return rc;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct listing_row row = {
			.id = sqlite3_column_int64(st, 0),
			.ref = col_text(st, 1),
			.url = col_text(st, 2),
			.title = col_text(st, 3),
			.agent_type = col_text(st, 4),
			.agent_key = col_text(st, 5),
			.area = col_text(st, 6),
			.has_price = sqlite3_column_type(st, 7) != SQLITE_NULL,
			.price = sqlite3_column_double(st, 7),
			.round = (long)sqlite3_column_int64(st, 8),
			.posted_on = col_text(st, 9),
			.status = col_text(st, 10),
			.applications = sqlite3_column_int64(st, 11),
			.contact_email = col_text(st, 12),
			.contact_name = col_text(st, 13),
			.agent = col_text(st, 14),
			.channel = col_text(st, 15),
			.portal_ref = col_text(st, 16),
			.contact_phone = col_text(st, 17),
			.isco = col_text(st, 18),
			.occupation = col_text(st, 19),
			.level = col_text(st, 20),
		};
		if ((rc = fn(ud, &row)))
			break;
	}
	if (!rc && r != SQLITE_DONE)
		rc = study_db_error(s, err, "listing the listings");
	sqlite3_finalize(st);
	return rc;
}

/* ---- listings edit ---- */

/* The fields an edit may change (not the ref: it names the listing in
 * every record and export). */
static const int editable[] = { LF_URL,	       LF_TITLE,	 LF_AREA,	   LF_PRICE,
				LF_AGENT_TYPE, LF_AGENT,	 LF_CONTACT_EMAIL, LF_CONTACT_NAME,
				LF_CONTACT_PHONE, LF_CHANNEL,	 LF_PORTAL_REF,	   LF_ROUND,
				LF_POSTED_ON, LF_ISCO, LF_OCCUPATION, LF_LEVEL };

/* Fields that say where and to whom the applications went: once one was
 * sent, the record must keep what it was sent to. (Title, area and price
 * are written into the message, but the message sent is stored as it was;
 * a correction of the record is an edit with its event.) */
static int addressing(int f)
{
	return f == LF_URL || f == LF_CONTACT_EMAIL || f == LF_CONTACT_PHONE || f == LF_CHANNEL ||
	       f == LF_PORTAL_REF;
}

/* Landlords' data: an event names the field, never the value. */
/* What purge removes: an edit names these fields in its event, never
 * their values, since the hash chain keeps an event's text for good. */
static int personal(int f)
{
	return f == LF_CONTACT_EMAIL || f == LF_CONTACT_NAME || f == LF_CONTACT_PHONE ||
	       f == LF_AGENT || f == LF_URL || f == LF_PORTAL_REF || f == LF_TITLE;
}

static int field_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(editable); i++)
		if (!strcmp(listing_columns[editable[i]], name))
			return editable[i];
	return -1;
}

void listing_edit_result_free(struct listing_edit_result *r)
{
	free(r->ref);
	free(r->fields);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

/* The listing's current values as text, as a file would give them. */
static int edit_load(struct study *s, int64_t id, char *cur[LF_COUNT], char **agent_key,
		     int *sent, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(
		s,
		"SELECT l.ref, l.url, c.contact_email, c.contact_name, l.agent_type, c.agent_name,"
		" l.area, CASE WHEN l.price IS NULL THEN NULL ELSE printf('%.2f', l.price) END,"
		" l.round, l.posted_on, l.title, l.channel, c.contact_phone, l.portal_ref, l.isco,"
		" l.occupation, l.level, l.agent_key,"
		" EXISTS (SELECT 1 FROM application a WHERE a.listing = l.id AND (a.sent_at IS NOT NULL"
		"  OR a.status IN ('sending', 'sent', 'bounced')))"
		" FROM listing l LEFT JOIN listing_contact c ON c.listing = l.id WHERE l.id = ?",
		&st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		for (int i = 0; i < LF_COUNT; i++)
			cur[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
									  : study_column_dup(st, i, "");
		*agent_key = sqlite3_column_type(st, LF_COUNT) == SQLITE_NULL
				     ? NULL
				     : study_column_dup(st, LF_COUNT, "");
		*sent = sqlite3_column_int(st, LF_COUNT + 1);
	} else {
		rc = study_db_error(s, err, "reading a listing");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Whether field f differs between the stored text and the validated value. */
static int edit_differs(int f, const char *old, const struct listing *l)
{
	const char *nv = l->f[f];
	if (!old || !nv)
		return !old != !nv;
	if (f == LF_PRICE) {
		double d;
		return !parse_double(old, &d) || d != l->price;
	}
	if (f == LF_ROUND)
		return atol(old) != l->round;
	return strcmp(old, nv) != 0;
}

int listing_edit(struct study *s, const char *ref, int n, char *const *assign,
		 listing_report_fn report, void *ud, struct listing_edit_result *out,
		 struct ct_err *err)
{
	char *cur[LF_COUNT] = { 0 }, *old_key = NULL;
	const char *in[LF_COUNT];
	int given[LF_COUNT] = { 0 }, bad = 0, sent = 0;
	struct listing l = { 0 };
	struct listing_stmts q = { .s = s };
	sqlite3_stmt *st = NULL;
	char shown[CSV_SHORT], shown2[CSV_SHORT], key[16];
	int64_t id = 0;
	int moved = 0; /* an addressing field changed */
	memset(out, 0, sizeof(*out));
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if ((rc = listing_ref_find(s, ref, &id, &out->ref, err)))
		goto out;
	if (!id) {
		rc = ct_fail(err, CT_EINPUT, "no listing '%s' in the study", ref);
		goto out;
	}
	if ((rc = edit_load(s, id, cur, &old_key, &sent, err)))
		goto out;
	for (int i = 0; i < LF_COUNT; i++)
		in[i] = cur[i];
	/* field=value, each field once, each an editable one. */
	for (int k = 0; k < n; k++) {
		const char *eq = strchr(assign[k], '=');
		char *name = eq ? xstrndup(assign[k], (size_t)(eq - assign[k])) : xstrdup(assign[k]);
		int f = eq ? field_by_name(name) : -1;
		if (!eq) {
			reportf(report, ud, name, "is not field=value");
			bad++;
		} else if (f < 0) {
			struct strbuf sb = STRBUF_INIT;
			for (size_t i = 0; i < ARRAY_SIZE(editable); i++)
				sb_addf(&sb, "%s%s", i ? ", " : "", listing_columns[editable[i]]);
			reportf(report, ud, csv_short(name, shown, sizeof(shown)),
				"is not a field that can be edited (%s)", sb_str(&sb));
			sb_free(&sb);
			bad++;
		} else if (given[f]++) {
			reportf(report, ud, name, "is given twice");
			bad++;
		} else {
			in[f] = eq + 1;
		}
		free(name);
	}
	if (bad)
		goto refused;
	/* Every value checked as an import checks it. */
	char price[64];
	if (given[LF_PRICE] && in[LF_PRICE]) {
		/* A decimal comma is what people type here too: 1250,50. */
		const char *p = in[LF_PRICE];
		size_t lead = strspn(p, "0123456789"), dec;
		if (lead && p[lead] == ',' && (dec = strspn(p + lead + 1, "0123456789")) >= 1 &&
		    dec <= 2 && !p[lead + 1 + dec] && strlen(p) < sizeof(price)) {
			snprintf(price, sizeof(price), "%s", p);
			price[lead] = '.';
			in[LF_PRICE] = price;
		}
	}
	bad = listing_validate(in, &l, report, ud);
	if (!bad)
		bad = listing_check_market(&l, s->design->market, report, ud);
	if (bad)
		goto refused;
	struct strbuf fields = STRBUF_INIT, detail = STRBUF_INIT;
	int changed[LF_COUNT] = { 0 }, nchanged = 0;
	for (int f = 0; f < LF_COUNT; f++) {
		if (!given[f] || !edit_differs(f, cur[f], &l))
			continue;
		changed[f] = 1;
		nchanged++;
		if (sent && addressing(f)) {
			reportf(report, ud, listing_columns[f],
				"cannot be changed: an application of listing %s was sent to the "
				"listing as it is (withdraw it and add the corrected listing under a "
				"new ref)",
				out->ref);
			bad++;
			continue;
		}
		sb_addf(&fields, "%s%s", fields.len ? "," : "", listing_columns[f]);
		if (detail.len)
			sb_adds(&detail, "; ");
		if (personal(f))
			sb_addf(&detail, "%s changed", listing_columns[f]);
		else
			sb_addf(&detail, "%s: %s%s%s -> %s%s%s", listing_columns[f], cur[f] ? "'" : "",
				cur[f] ? csv_short(cur[f], shown, sizeof(shown)) : "(none)",
				cur[f] ? "'" : "", l.f[f] ? "'" : "",
				l.f[f] ? csv_short(l.f[f], shown2, sizeof(shown2)) : "(none)",
				l.f[f] ? "'" : "");
	}
	if (!bad && (changed[LF_URL] || changed[LF_PORTAL_REF])) {
		long filled;
		struct listing t = l; /* borrows l's values */
		if (!changed[LF_URL])
			t.url_key = NULL;
		if (!changed[LF_PORTAL_REF])
			t.f[LF_PORTAL_REF] = NULL;
		if (!(rc = listing_url_keys_fill(s, &filled, err)))
			rc = listing_stmts_check_dups(&q, &t, id, report, ud, &bad, err);
	}
	/* The agent key follows the agent (or, without one, the address). */
	const char *keyed = l.f[LF_AGENT] ? l.f[LF_AGENT] : l.f[LF_CONTACT_EMAIL];
	int rekey = changed[LF_AGENT] || changed[LF_CONTACT_EMAIL];
	if (!rc && !bad && rekey && keyed)
		rc = study_agent_key(s, keyed, key, err);
	const char *new_key = rekey ? (keyed ? key : NULL) : old_key;
	int key_changed = (!old_key) != (!new_key) ||
			  (old_key && new_key && strcmp(old_key, new_key) != 0);
	if (!rc && !bad && rekey && key_changed)
		sb_addf(&detail, " (agent_key %s -> %s)", old_key ? old_key : "(none)",
			new_key ? new_key : "(none)");
	if (!rc && !bad && nchanged) {
		rc = study_prepare(s,
				   "UPDATE listing SET url = ?, url_key = ?, title = ?, agent_type = ?,"
				   " agent_key = ?, area = ?, price = ?, round = ?, posted_on = ?,"
				   " channel = ?, portal_ref = ?, isco = ?, occupation = ?, level = ?"
				   " WHERE id = ?",
				   &st, err);
		if (!rc) {
			bind_opt(st, 1, l.f[LF_URL]);
			bind_opt(st, 2, l.url_key);
			bind_opt(st, 3, l.f[LF_TITLE]);
			bind_opt(st, 4, l.f[LF_AGENT_TYPE]);
			bind_opt(st, 5, new_key);
			bind_opt(st, 6, l.f[LF_AREA]);
			if (l.has_price)
				sqlite3_bind_double(st, 7, l.price);
			else
				sqlite3_bind_null(st, 7);
			sqlite3_bind_int64(st, 8, l.round);
			bind_opt(st, 9, l.f[LF_POSTED_ON]);
			bind_opt(st, 10, l.f[LF_CHANNEL]);
			bind_opt(st, 11, l.f[LF_PORTAL_REF]);
			bind_opt(st, 12, l.f[LF_ISCO]);
			bind_opt(st, 13, l.f[LF_OCCUPATION]);
			bind_opt(st, 14, l.f[LF_LEVEL]);
			sqlite3_bind_int64(st, 15, id);
			rc = study_step_done(s, st, err, "editing a listing");
			sqlite3_finalize(st);
			st = NULL;
		}
		if (!rc)
			rc = study_prepare(s,
					   "INSERT INTO listing_contact (listing, contact_email, contact_name,"
					   " agent_name, contact_phone) VALUES (?1, ?2, ?3, ?4, ?5)"
					   " ON CONFLICT (listing) DO UPDATE SET contact_email = ?2,"
					   " contact_name = ?3, agent_name = ?4, contact_phone = ?5",
					   &st, err);
		if (!rc) {
			sqlite3_bind_int64(st, 1, id);
			bind_opt(st, 2, l.f[LF_CONTACT_EMAIL]);
			bind_opt(st, 3, l.f[LF_CONTACT_NAME]);
			bind_opt(st, 4, l.f[LF_AGENT]);
			bind_opt(st, 5, l.f[LF_CONTACT_PHONE]);
			rc = study_step_done(s, st, err, "editing a listing's contact");
		}
		/* Where the listing's messages go changed: their files waiting in
		 * an outbox are taken back (a mail client would send them to the
		 * old address, or by mail where a person now calls); the next
		 * compose --outbox writes them anew. */
		for (int f = 0; f < LF_COUNT; f++)
			moved |= changed[f] && addressing(f);
		if (!rc)
			rc = study_event(s, "listings.edit", out->ref, sb_str(&detail), err);
	}
	out->changed = nchanged;
	out->fields = sb_detach(&fields);
	out->detail = sb_detach(&detail);
	if (!rc && bad)
		goto refused;
	if (!rc)
		rc = study_commit(s, err);
	/* Where the listing's messages go changed: once the edit is committed
	 * (a refused edit leaves them), its files waiting in an outbox are
	 * taken back (a mail client would send them to the old address, or by
	 * mail where a person now calls); the next compose --outbox writes
	 * them anew. */
	if (!rc && moved) {
		struct outbox_withdrawn w;
		rc = outbox_withdraw_listing(s, id, NULL, &w, err);
		outbox_withdrawn_free(&w);
	}
	goto out;
refused:
	rc = ct_fail(err, CT_EINPUT, "%d error%s; listing %s was not changed", bad,
		     bad == 1 ? "" : "s", out->ref ? out->ref : ref);
out:
	sqlite3_finalize(st);
	listing_stmts_close(&q);
	listing_free(&l);
	for (int i = 0; i < LF_COUNT; i++)
		free(cur[i]);
	free(old_key);
	if (rc) {
		study_rollback(s);
		listing_edit_result_free(out);
	}
	return rc;
}
