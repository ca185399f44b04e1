/* imap.c: IMAP over libcurl. libcurl selects the folder named in the URL
 * itself and remembers it per connection, so this file never sends SELECT
 * or EXAMINE by hand (that would make libcurl's memory wrong): folder
 * status comes from STATUS, which changes no selection. */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/curl_dl.h"
#include "mail/imap.h"
#include "base/banned.h"

struct imap_session {
	CURL *curl;
	char *base; /* imap_url without a trailing '/' */
	char *user;
	char errbuf[CURL_ERROR_SIZE];
	struct strbuf body;
	struct mail_upload upload;
	int auth_failed, tls_failed;
	CURLcode last_rc; /* of the last request */
	/* The second connection, for reading many messages at once
	 * (imap_fetch_many): logged in by libcurl, then spoken to with
	 * curl_easy_send and curl_easy_recv. NULL until first needed, and
	 * again after it failed (the next call connects anew). */
	CURL *raw;
	curl_socket_t raw_sock;
	char *raw_folder;          /* the folder EXAMINEd on it, or NULL */
	uint32_t raw_uidvalidity;  /* its UIDVALIDITY then */
	uint32_t raw_exists;       /* and how many messages it had */
	unsigned raw_tag;          /* the last tag used */
	struct strbuf raw_pending; /* bytes received past the last tagged line */
	char *rbuf;                /* RBUF_SIZE bytes, for curl_easy_recv */
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct imap_session *s = arg;
	sb_add(&s->body, ptr, size * nmemb);
	return size * nmemb;
}

int imap_open(const struct mailcfg *mc, const char *user, const char *password,
	      struct imap_session **out, struct ct_err *err)
{
	if (!mc->imap_url)
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] imap_url is not set");
	struct imap_session *s = xcalloc(1, sizeof(*s));
	if (!(s->curl = mailcfg_curl_new(err))) {
		free(s);
		return CT_EENV;
	}
	size_t n = strlen(mc->imap_url);
	while (n && mc->imap_url[n - 1] == '/')
		n--;
	s->base = xstrndup(mc->imap_url, n);
	s->user = xstrdup(user);
	CURL *c = s->curl;
	mailcfg_curl_setup(c, mc, 1, user, password, s->errbuf, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &s->upload);
	*out = s;
	return CT_OK;
}

void imap_close(struct imap_session *s)
{
	if (!s)
		return;
	if (s->raw)
		curl_easy_cleanup(s->raw);
	free(s->raw_folder);
	sb_free(&s->raw_pending);
	free(s->rbuf);
	curl_easy_cleanup(s->curl);
	free(s->base);
	free(s->user);
	sb_free(&s->body);
	free(s);
}

int imap_auth_failed(const struct imap_session *s)
{
	return s->auth_failed;
}

int imap_tls_failed(const struct imap_session *s)
{
	return s->tls_failed;
}

/* Folder names go into URLs (escaped) and into quoted strings. */
static int folder_ok(const char *f, struct ct_err *err)
{
	if (!f || !*f || has_control(f) || strpbrk(f, "\"\\*%"))
		return ct_fail(err, CT_EINPUT, "IMAP folder name '%s' is not supported", f ? f : "");
	return CT_OK;
}

static int curl_failed(struct imap_session *s, CURLcode rc, const char *what, const char *folder,
		       struct ct_err *err);

/* One request. folder NULL: the URL names no folder (a command that needs
 * none). uid 0: no ;UID=. custom NULL: libcurl's own request (FETCH when
 * uid, APPEND when uploading). The response body is in s->body. */
static int perform(struct imap_session *s, const char *folder, uint32_t uid, const char *custom,
		   const char *what, struct ct_err *err)
{
	CURL *c = s->curl;
	char *url;
	if (folder) {
		char *esc = curl_easy_escape(c, folder, 0);
		url = uid ? xasprintf("%s/%s/;UID=%u", s->base, esc, uid)
			  : xasprintf("%s/%s", s->base, esc);
		curl_free(esc);
	} else {
		url = xasprintf("%s/", s->base);
	}
	sb_reset(&s->body);
	s->errbuf[0] = 0;
	s->auth_failed = s->tls_failed = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, custom);
	CURLcode rc = s->last_rc = curl_easy_perform(c);
	free(url);
	/* Options for one request only must not leak into the next. */
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 0L);
	if (rc == CURLE_OK)
		return CT_OK;
	return curl_failed(s, rc, what, folder, err);
}

/* The error of a libcurl call that returned rc, in the user's terms. */
static int curl_failed(struct imap_session *s, CURLcode rc, const char *what, const char *folder,
		       struct ct_err *err)
{
	const char *why = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_LOGIN_DENIED) {
		s->auth_failed = 1;
		return ct_fail(err, CT_EENV, "IMAP login refused for mailbox %s (wrong password in "
			       "the secrets file?)", s->user);
	}
	if (mail_curl_tls_error(rc)) {
		s->tls_failed = 1;
		return ct_fail(err, CT_EENV, "IMAP TLS failed for mailbox %s at %s: %s (is [mail] "
			       "ca_file the CA that signed the server's certificate?)",
			       s->user, s->base, why);
	}
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	    rc == CURLE_OPERATION_TIMEDOUT)
		return ct_fail(err, CT_EENV, "IMAP server %s not reachable (mailbox %s): %s",
			       s->base, s->user, why);
	return ct_fail(err, CT_EENV, "IMAP %s failed (mailbox %s%s%s): %s", what, s->user,
		       folder ? ", folder " : "", folder ? folder : "", why);
}

static uint32_t status_item(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);
	while ((p = strstr(p, name))) {
		if ((p == text || p[-1] == ' ' || p[-1] == '(') && p[n] == ' ') {
			uint64_t v = strtoull(p + n + 1, NULL, 10);
			return v > UINT32_MAX ? 0 : (uint32_t)v;
		}
		p += n;
	}
	return 0;
}

int imap_status(struct imap_session *s, const char *folder, struct imap_folder_status *out,
		struct ct_err *err)
{
	int rc = folder_ok(folder, err);
	if (rc)
		return rc;
	char *cmd = xasprintf("STATUS \"%s\" (UIDVALIDITY UIDNEXT MESSAGES)", folder);
	rc = perform(s, NULL, 0, cmd, "STATUS", err);
	free(cmd);
	if (rc)
		return rc;
	const char *line = strstr(sb_str(&s->body), "STATUS");
	if (!line)
		return ct_fail(err, CT_EENV, "IMAP STATUS of %s (mailbox %s): no answer", folder,
			       s->user);
	memset(out, 0, sizeof(*out));
	out->uidvalidity = status_item(line, "UIDVALIDITY");
	out->uidnext = status_item(line, "UIDNEXT");
	out->messages = status_item(line, "MESSAGES");
	return CT_OK;
}

int imap_folder_exists(struct imap_session *s, const char *folder, int *exists,
		       struct ct_err *err)
{
	struct imap_folder_status st;
	struct ct_err e = { 0 };
	int rc = imap_status(s, folder, &st, &e);
	*exists = rc == CT_OK;
	/* A NO (or BAD) to STATUS means no such folder: libcurl says
	 * CURLE_QUOTE_ERROR for a custom command the server refused. A login,
	 * TLS or network failure is an error. */
	if (rc && s->last_rc != CURLE_QUOTE_ERROR) {
		if (err)
			*err = e;
		return rc;
	}
	return CT_OK;
}

int imap_create(struct imap_session *s, const char *folder, struct ct_err *err)
{
	int exists, rc = imap_folder_exists(s, folder, &exists, err);
	if (rc || exists)
		return rc;
	char *cmd = xasprintf("CREATE \"%s\"", folder);
	rc = perform(s, NULL, 0, cmd, "CREATE", err);
	free(cmd);
	if (rc) {
		/* Someone else may have created it meanwhile. */
		int again = 0;
		if (!imap_folder_exists(s, folder, &again, NULL) && again)
			return CT_OK;
	}
	return rc;
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void imap_parse_search(const char *text, uint32_t min, uint32_t **uids, size_t *n)
{
	size_t cap = 0;
	int sorted = 1;
	*uids = NULL;
	*n = 0;
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		if (!strncmp(line, "* SEARCH", 8)) {
			const char *p = line + 8;
			while (p < (eol ? eol : line + strlen(line))) {
				while (*p == ' ')
					p++;
				if (*p < '0' || *p > '9')
					break;
				char *end;
				unsigned long long v = strtoull(p, &end, 10);
				p = end;
				if (v < min || v > UINT32_MAX)
					continue;
				if (*n == cap) {
					cap = cap ? 2 * cap : 64;
					*uids = xrealloc(*uids, cap * sizeof(**uids));
				}
				if (*n && (*uids)[*n - 1] > (uint32_t)v)
					sorted = 0;
				(*uids)[(*n)++] = (uint32_t)v;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	/* Servers answer in ascending order in practice, which costs one
	 * comparison per UID to confirm; otherwise an O(n log n) sort (a
	 * folder can hold hundreds of thousands of messages). */
	if (!sorted)
		qsort(*uids, *n, sizeof(**uids), uid_cmp);
}

static int search(struct imap_session *s, const char *folder, const char *criteria,
		  uint32_t min, uint32_t **uids, size_t *n, struct ct_err *err)
{
	*uids = NULL;
	*n = 0;
	int rc = folder_ok(folder, err);
	if (rc)
		return rc;
	char *cmd = xasprintf("UID SEARCH %s", criteria);
	rc = perform(s, folder, 0, cmd, "UID SEARCH", err);
	free(cmd);
	if (!rc)
		imap_parse_search(sb_str(&s->body), min, uids, n);
	return rc;
}

int imap_search_all(struct imap_session *s, const char *folder, uint32_t **uids, size_t *n,
		    struct ct_err *err)
{
	return search(s, folder, "ALL", 0, uids, n, err);
}

int imap_search_from(struct imap_session *s, const char *folder, uint32_t from_uid,
		     uint32_t **uids, size_t *n, struct ct_err *err)
{
	if (from_uid < 1)
		from_uid = 1;
	char crit[32];
	snprintf(crit, sizeof(crit), "UID %u:*", from_uid);
	return search(s, folder, crit, from_uid, uids, n, err);
}

int imap_search_message_id(struct imap_session *s, const char *folder, const char *message_id,
			   uint32_t **uids, size_t *n, struct ct_err *err)
{
	*uids = NULL;
	*n = 0;
	if (!message_id || !*message_id || has_control(message_id) || strpbrk(message_id, "\"\\") ||
	    !is_plain_ascii(message_id))
		return ct_fail(err, CT_EINPUT, "a Message-ID to search for must be printable ASCII "
			       "without quotes or backslashes");
	char *crit = xasprintf("HEADER Message-ID \"%s\"", message_id);
	int rc = search(s, folder, crit, 0, uids, n, err);
	free(crit);
	return rc;
}

int imap_find_sent(struct imap_session *s, const char *sent_folder, const char *message_id,
		   int *where, struct ct_err *err)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	int exists = 0;
	*where = 0;
	int rc = imap_folder_exists(s, sent_folder, &exists, err);
	if (!rc && exists)
		rc = imap_search_message_id(s, sent_folder, message_id, &uids, &n, err);
	free(uids);
	if (rc || n) {
		*where = n ? 1 : 0;
		return rc;
	}
	long wait_ms = 5000, v;
	const char *e = getenv("CORRTEST_RECOVER_WAIT_MS");
	if (e && parse_long(e, &v) && v >= 0)
		wait_ms = v;
	for (long waited = 0;; waited += 250) {
		if ((rc = imap_search_message_id(s, "INBOX", message_id, &uids, &n, err)))
			return rc;
		free(uids);
		if (n) {
			*where = 2;
			return CT_OK;
		}
		if (waited >= wait_ms)
			return CT_OK;
		struct timespec ts = { 0, 250 * 1000000L };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
}

int imap_fetch(struct imap_session *s, const char *folder, uint32_t uid, char **raw,
	       size_t *len, struct ct_err *err)
{
	int rc = folder_ok(folder, err);
	if (rc)
		return rc;
	if (!uid)
		return ct_fail(err, CT_EINPUT, "UID 0 does not exist");
	if ((rc = perform(s, folder, uid, NULL, "UID FETCH", err)))
		return rc;
	*len = s->body.len;
	*raw = s->body.len ? sb_detach(&s->body) : xstrdup("");
	return CT_OK;
}

int imap_append(struct imap_session *s, const char *folder, const char *raw, size_t len,
		struct ct_err *err)
{
	int rc = folder_ok(folder, err);
	if (rc)
		return rc;
	s->upload = (struct mail_upload){ raw, len, 0 };
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = perform(s, folder, 0, NULL, "APPEND", err);
	s->upload = (struct mail_upload){ NULL, 0, 0 };
	return rc;
}

/* ---- Many messages at once: the answer reader ---------------------------- */

/* No message is larger than SQLite stores in one blob (SQLITE_MAX_LENGTH,
 * 1,000,000,000 bytes by default), and a length must fit an int for
 * sqlite3_bind_blob. */
#define IMAP_MAX_LITERAL 1000000000u
/* The text of one response outside its literals (a FETCH's UID, FLAGS,
 * sizes; a status line) is short; 1 MiB is far beyond any real one. */
#define IMAP_MAX_TEXT (1u << 20)

struct imap_reader {
	char *tag;
	size_t taglen;
	struct strbuf resp;   /* the response being read, literals included */
	size_t seg;           /* where the text after the last literal starts in resp */
	size_t text;          /* bytes of resp outside literals */
	uint64_t literal_left; /* bytes of the current literal still to come */
	size_t max_bytes, literal_bytes;
	int done;
	char status[4];
	char *status_text;
	uint32_t uidvalidity, exists;
	struct imap_message *msgs;
	size_t n, cap;
};

struct imap_reader *imap_reader_new(const char *tag, size_t max_bytes)
{
	struct imap_reader *r = xcalloc(1, sizeof(*r));
	r->tag = xstrdup(tag);
	r->taglen = strlen(tag);
	r->max_bytes = max_bytes ? max_bytes : IMAP_MAX_LITERAL;
	return r;
}

void imap_messages_free(struct imap_message *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].raw);
	free(v);
}

void imap_reader_free(struct imap_reader *r)
{
	if (!r)
		return;
	free(r->tag);
	sb_free(&r->resp);
	free(r->status_text);
	imap_messages_free(r->msgs, r->n);
	free(r);
}

int imap_reader_done(const struct imap_reader *r)
{
	return r->done;
}

const char *imap_reader_status(const struct imap_reader *r)
{
	return r->status;
}

const char *imap_reader_text(const struct imap_reader *r)
{
	return r->status_text ? r->status_text : "";
}

uint32_t imap_reader_uidvalidity(const struct imap_reader *r)
{
	return r->uidvalidity;
}

uint32_t imap_reader_exists(const struct imap_reader *r)
{
	return r->exists;
}

void imap_reader_take(struct imap_reader *r, struct imap_message **out, size_t *n)
{
	*out = r->msgs;
	*n = r->n;
	r->msgs = NULL;
	r->n = r->cap = 0;
}

/* A server's words for an error message: printable, on one line, short. */
static char *server_text(const char *p, size_t n)
{
	if (n > 200)
		n = 200;
	char *t = xstrndup(p, n);
	for (char *q = t; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return t;
}

/* A decimal number of at most 32 bits at [*p, end); advances *p. */
static int read_u32(const char **p, const char *end, uint32_t *v)
{
	uint64_t x = 0;
	const char *q = *p;
	while (q < end && *q >= '0' && *q <= '9' && x <= UINT32_MAX)
		x = x * 10 + (uint64_t)(*q++ - '0');
	if (q == *p || x > UINT32_MAX)
		return 0;
	*p = q;
	*v = (uint32_t)x;
	return 1;
}

static int prefix_ci(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && !strncasecmp(p, word, n);
}

/* A literal's header "{N}" or "~{N}" (literal8) and its line end at *p;
 * advances past them to the literal's first byte. */
static int literal_head(const char **p, const char *end, uint32_t *n)
{
	const char *q = *p;
	if (q < end && *q == '~')
		q++;
	if (q >= end || *q++ != '{' || !read_u32(&q, end, n))
		return 0;
	if (q < end && *q == '+')
		q++;
	if (q >= end || *q++ != '}')
		return 0;
	if (q < end && *q == '\r')
		q++;
	if (q >= end || *q++ != '\n')
		return 0;
	*p = q;
	return 1;
}

/* One value of a FETCH response at *p: a literal, a quoted string (*quoted
 * = 1: the caller unescapes), a parenthesised list (nested, with quoted
 * strings and literals inside) or an atom (a number, NIL). [*v, *v + *vn) is
 * the value without its delimiters; advances *p past it. */
static int fetch_value(const char **p, const char *end, const char **v, size_t *vn, int *quoted,
		       int *literal)
{
	const char *q = *p;
	uint32_t n;
	*quoted = *literal = 0;
	if (q >= end)
		return 0;
	if (*q == '{' || *q == '~') {
		if (!literal_head(&q, end, &n) || (size_t)(end - q) < n)
			return 0;
		*v = q;
		*vn = n;
		*p = q + n;
		*literal = 1;
		return 1;
	}
	if (*q == '"') {
		const char *s = ++q;
		while (q < end && *q != '"')
			q += *q == '\\' && q + 1 < end ? 2 : 1;
		if (q >= end)
			return 0;
		*v = s;
		*vn = (size_t)(q - s);
		*p = q + 1;
		*quoted = 1;
		return 1;
	}
	if (*q == '(') {
		const char *s = q;
		int depth = 0;
		while (q < end) {
			if (*q == '(') {
				depth++, q++;
			} else if (*q == ')') {
				q++;
				if (!--depth)
					break;
			} else if (*q == '"' || *q == '{' || *q == '~') {
				const char *iv;
				size_t ivn;
				int iq, il;
				if (*q == '~' && (q + 1 >= end || q[1] != '{')) {
					q++;
					continue;
				}
				if (!fetch_value(&q, end, &iv, &ivn, &iq, &il))
					return 0;
			} else {
				q++;
			}
		}
		if (depth)
			return 0;
		*v = s;
		*vn = (size_t)(q - s);
		*p = q;
		return 1;
	}
	const char *s = q;
	while (q < end && *q != ' ' && *q != ')' && *q != '(')
		q++;
	*v = s;
	*vn = (size_t)(q - s);
	*p = q;
	return q > s;
}

/* A FETCH response's attribute list "(NAME VALUE NAME VALUE ...)" at p. */
static int read_fetch(struct imap_reader *r, const char *p, const char *end, struct ct_err *err)
{
	uint32_t uid = 0, size = 0;
	int has_uid = 0, has_size = 0, has_body = 0;
	const char *body = NULL;
	size_t body_n = 0;
	int body_quoted = 0;
	if (p >= end || *p++ != '(')
		goto bad;
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			goto bad;
		if (*p == ')')
			break;
		/* The name, e.g. UID, RFC822.SIZE, BODY[], BODY[HEADER.FIELDS (A B)]<0>. */
		const char *name = p;
		int depth = 0;
		while (p < end && (depth || (*p != ' ' && *p != ')'))) {
			depth += *p == '[';
			depth -= *p == ']' && depth;
			p++;
		}
		size_t nn = (size_t)(p - name);
		if (p >= end || *p != ' ')
			goto bad;
		p++;
		const char *v;
		size_t vn;
		int quoted, literal;
		if (!fetch_value(&p, end, &v, &vn, &quoted, &literal))
			goto bad;
		if (nn == 3 && !strncasecmp(name, "UID", 3)) {
			const char *q = v;
			if (quoted || literal || !read_u32(&q, v + vn, &uid) || q != v + vn || !uid)
				goto bad;
			has_uid = 1;
		} else if (nn == 11 && !strncasecmp(name, "RFC822.SIZE", 11)) {
			const char *q = v;
			if (quoted || literal || !read_u32(&q, v + vn, &size) || q != v + vn)
				goto bad;
			has_size = 1;
		} else if (nn == 6 && !strncasecmp(name, "BODY[]", 6)) {
			if (!quoted && !literal)
				return ct_fail(err, CT_EENV, "the server sent no message content (%.*s) for "
					       "a message it lists", (int)(vn < 20 ? vn : 20), v);
			body = v;
			body_n = vn;
			body_quoted = quoted;
			has_body = 1;
		}
	}
	if (!has_body && !has_size)
		return CT_OK; /* e.g. a flag change another session made */
	if (!has_uid)
		return ct_fail(err, CT_EENV, "the server answered UID FETCH without the UID");
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->msgs = xrealloc(r->msgs, r->cap * sizeof(*r->msgs));
	}
	struct imap_message *m = &r->msgs[r->n++];
	memset(m, 0, sizeof(*m));
	m->uid = uid;
	m->size = has_size ? size : 0;
	if (has_body) {
		m->raw = xmalloc(body_n + 1);
		if (body_quoted) {
			size_t k = 0;
			for (size_t i = 0; i < body_n; i++) {
				if (body[i] == '\\' && i + 1 < body_n)
					i++;
				m->raw[k++] = body[i];
			}
			m->len = k;
		} else {
			memcpy(m->raw, body, body_n);
			m->len = body_n;
		}
		m->raw[m->len] = 0;
	}
	return CT_OK;
bad:
	return ct_fail(err, CT_EENV, "the server's FETCH response cannot be read");
}

/* One complete response (a line, with its literals): the tagged status, an
 * untagged FETCH, EXISTS or [UIDVALIDITY n]; other untagged data is not
 * needed here. */
static int read_response(struct imap_reader *r, const char *p, size_t n, struct ct_err *err)
{
	/* Without its line end (only that: the bytes before it may be a
	 * literal's). */
	const char *end = p + n;
	if (end > p && end[-1] == '\n')
		end--;
	if (end > p && end[-1] == '\r')
		end--;
	if ((size_t)(end - p) > r->taglen && !memcmp(p, r->tag, r->taglen) && p[r->taglen] == ' ') {
		const char *q = p + r->taglen + 1, *w = q;
		while (q < end && *q != ' ')
			q++;
		size_t wn = (size_t)(q - w);
		if (wn < 2 || wn > 3)
			return ct_fail(err, CT_EENV, "the server's answer ends in an unknown status");
		memcpy(r->status, w, wn);
		r->status[wn] = 0;
		for (char *c = r->status; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		if (strcmp(r->status, "OK") && strcmp(r->status, "NO") && strcmp(r->status, "BAD"))
			return ct_fail(err, CT_EENV, "the server's answer ends in an unknown status");
		while (q < end && *q == ' ')
			q++;
		r->status_text = server_text(q, (size_t)(end - q));
		r->done = 1;
		return CT_OK;
	}
	if (n >= 1 && *p == '+')
		return ct_fail(err, CT_EENV, "the server asked for more input where none was due");
	if (n < 2 || p[0] != '*' || p[1] != ' ') {
		char *t = server_text(p, (size_t)(end - p) < 40 ? (size_t)(end - p) : 40);
		ct_fail(err, CT_EENV, "the server sent a line that is not IMAP: \"%s\"", t);
		free(t);
		return CT_EENV;
	}
	const char *q = p + 2;
	uint32_t num;
	if (prefix_ci(q, end, "OK [UIDVALIDITY ")) {
		q += 16;
		if (read_u32(&q, end, &num))
			r->uidvalidity = num;
		return CT_OK;
	}
	if (!read_u32(&q, end, &num))
		return CT_OK;
	if (prefix_ci(q, end, " EXISTS") && q + 7 == end) {
		r->exists = num;
		return CT_OK;
	}
	if (prefix_ci(q, end, " FETCH "))
		return read_fetch(r, q + 7, end, err);
	return CT_OK;
}

/* If the text of resp after seg ends in a literal's header "{N}" (the
 * line end already stripped in [b, e)), N. */
static int ends_in_literal(const char *b, const char *e, uint64_t *n)
{
	if (e == b || e[-1] != '}')
		return 0;
	const char *q = e - 1;
	if (q > b && q[-1] == '+')
		q--;
	const char *digits_end = q;
	while (q > b && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q == digits_end || q == b || q[-1] != '{' || digits_end - q > 10)
		return 0;
	uint64_t v = 0;
	for (const char *d = q; d < digits_end; d++)
		v = v * 10 + (uint64_t)(*d - '0');
	*n = v;
	return 1;
}

int imap_reader_feed(struct imap_reader *r, const char *data, size_t len, size_t *used,
		     struct ct_err *err)
{
	size_t off = 0;
	int rc = CT_OK;
	while (!rc && off < len && !r->done) {
		if (r->literal_left) {
			size_t take = len - off;
			if (take > r->literal_left)
				take = (size_t)r->literal_left;
			sb_add(&r->resp, data + off, take);
			off += take;
			r->literal_left -= take;
			if (!r->literal_left)
				r->seg = r->resp.len;
			continue;
		}
		const char *nl = memchr(data + off, '\n', len - off);
		size_t take = nl ? (size_t)(nl - (data + off)) + 1 : len - off;
		r->text += take;
		if (r->text > IMAP_MAX_TEXT) {
			rc = ct_fail(err, CT_EENV, "the server sent a line of more than %u bytes",
				     IMAP_MAX_TEXT);
			break;
		}
		sb_add(&r->resp, data + off, take);
		off += take;
		if (!nl)
			continue;
		/* A line is complete: it announces a literal or ends the response. */
		const char *b = r->resp.buf + r->seg, *e = r->resp.buf + r->resp.len - 1;
		if (e > b && e[-1] == '\r')
			e--;
		uint64_t lit;
		if (ends_in_literal(b, e, &lit)) {
			if (lit > IMAP_MAX_LITERAL || lit > r->max_bytes - r->literal_bytes) {
				rc = ct_fail(err, CT_EENV, "the server's answer is larger than announced "
					     "(a literal of %llu bytes)", (unsigned long long)lit);
				break;
			}
			r->literal_bytes += (size_t)lit;
			r->literal_left = lit;
			r->seg = r->resp.len;
			continue;
		}
		rc = read_response(r, r->resp.buf, r->resp.len, err);
		sb_reset(&r->resp);
		r->seg = r->text = 0;
	}
	*used = off;
	return rc;
}

char *imap_uid_set(const uint32_t *uids, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (j > i)
			sb_addf(&sb, "%s%u:%u", sb.len ? "," : "", uids[i], uids[j]);
		else
			sb_addf(&sb, "%s%u", sb.len ? "," : "", uids[i]);
		i = j + 1;
	}
	return sb_detach(&sb);
}

/* ---- Many messages at once: the second connection ------------------------ */

/* How long to wait for the server to accept or send a byte: what
 * imap_open gives libcurl as its low-speed time. */
#define IMAP_WAIT_MS 60000
#define RBUF_SIZE (256u << 10)

static void raw_drop(struct imap_session *s)
{
	if (s->raw)
		curl_easy_cleanup(s->raw);
	s->raw = NULL;
	free(s->raw_folder);
	s->raw_folder = NULL;
	s->raw_uidvalidity = s->raw_exists = 0;
	sb_reset(&s->raw_pending);
}

/* Opens the second connection: libcurl connects, does TLS and logs in as
 * for any other call (CURLOPT_CONNECT_ONLY stops it there). */
static int raw_connect(struct imap_session *s, struct ct_err *err)
{
	if (s->raw)
		return CT_OK;
	CURL *c = curl_easy_duphandle(s->curl);
	if (!c)
		return ct_fail(err, CT_EENV, "cannot start libcurl");
	char *url = xasprintf("%s/", s->base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	s->errbuf[0] = 0;
	s->auth_failed = s->tls_failed = 0;
	CURLcode rc = s->last_rc = curl_easy_perform(c);
	free(url);
	curl_socket_t sock = CURL_SOCKET_BAD;
	if (rc == CURLE_OK && (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
			       sock == CURL_SOCKET_BAD))
		rc = CURLE_COULDNT_CONNECT;
	if (rc) {
		curl_easy_cleanup(c);
		return curl_failed(s, rc, "login", NULL, err);
	}
	s->raw = c;
	s->raw_sock = sock;
	if (!s->rbuf)
		s->rbuf = xmalloc(RBUF_SIZE);
	return CT_OK;
}

/* Waits until the connection can be read (POLLIN) or written (POLLOUT). */
static int raw_wait(struct imap_session *s, short events, const char *what, struct ct_err *err)
{
	struct pollfd pfd = { s->raw_sock, events, 0 };
	for (;;) {
		int r = poll(&pfd, 1, IMAP_WAIT_MS);
		if (r > 0)
			return CT_OK;
		if (r == 0)
			return ct_fail(err, CT_EENV, "IMAP %s (mailbox %s): no answer from %s for %d s",
				       what, s->user, s->base, IMAP_WAIT_MS / 1000);
		if (errno != EINTR)
			return ct_fail(err, CT_EENV, "IMAP %s (mailbox %s): %s", what, s->user,
				       strerror(errno));
	}
}

static int raw_send(struct imap_session *s, const char *buf, size_t len, const char *what,
		    struct ct_err *err)
{
	while (len) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(s->raw, buf, len, &sent);
		if (rc == CURLE_AGAIN) {
			int wrc = raw_wait(s, POLLOUT, what, err);
			if (wrc)
				return wrc;
			continue;
		}
		if (rc != CURLE_OK)
			return curl_failed(s, rc, what, NULL, err);
		buf += sent;
		len -= sent;
	}
	return CT_OK;
}

/* Feeds data to r; what r does not take (past its tagged line) is kept
 * for the next command. */
static int raw_feed(struct imap_session *s, struct imap_reader *r, const char *data, size_t len,
		    struct ct_err *err)
{
	size_t used = 0;
	int rc = imap_reader_feed(r, data, len, &used, err);
	if (!rc && used < len)
		sb_add(&s->raw_pending, data + used, len - used);
	return rc;
}

/* Sends one command (cmd, without tag and line end) and reads its answer
 * into *out (imap_reader_free) when the server said OK. Any failure but
 * the server's NO or BAD drops the connection: what is left on it cannot
 * be trusted, and the next call connects anew. */
static int raw_command(struct imap_session *s, const char *cmd, size_t max_bytes,
		       const char *folder, const char *what, struct imap_reader **out,
		       struct ct_err *err)
{
	char tag[16];
	*out = NULL;
	snprintf(tag, sizeof(tag), "c%u", ++s->raw_tag);
	char *line = xasprintf("%s %s\r\n", tag, cmd);
	int rc = raw_send(s, line, strlen(line), what, err);
	free(line);
	struct imap_reader *r = imap_reader_new(tag, max_bytes);
	struct ct_err re = { 0 };
	if (!rc && s->raw_pending.len) {
		/* What came after the last command's tagged line (unsolicited
		 * data a server may send at any time) starts this answer. */
		struct strbuf old = s->raw_pending;
		memset(&s->raw_pending, 0, sizeof(s->raw_pending));
		rc = raw_feed(s, r, old.buf, old.len, &re);
		sb_free(&old);
	}
	while (!rc && !imap_reader_done(r)) {
		size_t got = 0;
		CURLcode crc = curl_easy_recv(s->raw, s->rbuf, RBUF_SIZE, &got);
		if (crc == CURLE_AGAIN) {
			rc = raw_wait(s, POLLIN, what, err);
			continue;
		}
		if (crc != CURLE_OK) {
			rc = curl_failed(s, crc, what, folder, err);
			break;
		}
		if (!got) {
			rc = ct_fail(err, CT_EENV, "IMAP %s (mailbox %s%s%s): the server closed the "
				     "connection", what, s->user, folder ? ", folder " : "",
				     folder ? folder : "");
			break;
		}
		rc = raw_feed(s, r, s->rbuf, got, &re);
	}
	if (rc && re.status)
		ct_fail(err, CT_EENV, "IMAP %s (mailbox %s%s%s): %s", what, s->user,
			folder ? ", folder " : "", folder ? folder : "", re.msg);
	if (rc) {
		imap_reader_free(r);
		raw_drop(s);
		return rc;
	}
	if (strcmp(imap_reader_status(r), "OK")) {
		ct_fail(err, CT_EENV, "IMAP %s failed (mailbox %s%s%s): the server said %s %s", what,
			s->user, folder ? ", folder " : "", folder ? folder : "",
			imap_reader_status(r), imap_reader_text(r));
		imap_reader_free(r);
		return CT_EENV;
	}
	*out = r;
	return CT_OK;
}

/* EXAMINE folder on the second connection (read-only: nothing in it
 * changes, whatever is fetched). */
static int raw_examine(struct imap_session *s, const char *folder, struct ct_err *err)
{
	struct imap_reader *r = NULL;
	free(s->raw_folder);
	s->raw_folder = NULL;
	char *cmd = xasprintf("EXAMINE \"%s\"", folder);
	int rc = raw_command(s, cmd, 0, folder, "EXAMINE", &r, err);
	free(cmd);
	if (rc)
		return rc;
	s->raw_folder = xstrdup(folder);
	s->raw_uidvalidity = imap_reader_uidvalidity(r);
	s->raw_exists = imap_reader_exists(r);
	imap_reader_free(r);
	if (!s->raw_uidvalidity)
		return ct_fail(err, CT_EENV, "IMAP EXAMINE (mailbox %s, folder %s): the server did "
			       "not say the folder's UIDVALIDITY", s->user, folder);
	return CT_OK;
}

static int msg_uid_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct imap_message *)a)->uid, y = ((const struct imap_message *)b)->uid;
	return (x > y) - (x < y);
}

/* Keeps the messages of v[0..*n) that keep(uid) accepts, ascending by UID,
 * each UID once (a server that answers for one twice sends one message). */
static void msgs_tidy(struct imap_message *v, size_t *n, int (*keep)(uint32_t, const void *),
		      const void *arg)
{
	int sorted = 1;
	for (size_t i = 1; i < *n && sorted; i++)
		sorted = v[i - 1].uid < v[i].uid;
	/* Servers answer in UID order in practice: one pass confirms it. */
	if (!sorted)
		qsort(v, *n, sizeof(*v), msg_uid_cmp);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if ((k && v[k - 1].uid == v[i].uid) || !keep(v[i].uid, arg)) {
			free(v[i].raw);
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
}

static int keep_from(uint32_t uid, const void *arg)
{
	return uid >= *(const uint32_t *)arg;
}

int imap_list_from(struct imap_session *s, const char *folder, uint32_t from_uid,
		   uint32_t *uidvalidity, struct imap_message **out, size_t *n, struct ct_err *err)
{
	struct imap_reader *r = NULL;
	*out = NULL;
	*n = 0;
	*uidvalidity = 0;
	int rc = folder_ok(folder, err);
	if (!rc)
		rc = raw_connect(s, err);
	/* Selected afresh: its UIDVALIDITY now, and whether it is empty. */
	if (!rc)
		rc = raw_examine(s, folder, err);
	if (rc)
		return rc;
	*uidvalidity = s->raw_uidvalidity;
	if (!s->raw_exists)
		return CT_OK; /* "from:*" means nothing in an empty folder */
	if (from_uid < 1)
		from_uid = 1;
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "UID FETCH %u:* (UID RFC822.SIZE)", from_uid);
	if ((rc = raw_command(s, cmd, 0, folder, "UID FETCH", &r, err)))
		return rc;
	imap_reader_take(r, out, n);
	imap_reader_free(r);
	/* "from:*" includes the highest UID even when it is below from. */
	msgs_tidy(*out, n, keep_from, &from_uid);
	if (!*n) {
		free(*out);
		*out = NULL;
	}
	return CT_OK;
}

struct uid_list {
	const uint32_t *v;
	size_t n;
};

static int keep_asked(uint32_t uid, const void *arg)
{
	const struct uid_list *l = arg;
	return bsearch(&uid, l->v, l->n, sizeof(*l->v), uid_cmp) != NULL;
}

int imap_fetch_many(struct imap_session *s, const char *folder, uint32_t uidvalidity,
		    const uint32_t *uids, size_t n, size_t max_bytes, struct imap_message **out,
		    size_t *nout, struct ct_err *err)
{
	struct imap_reader *r = NULL;
	*out = NULL;
	*nout = 0;
	int rc = folder_ok(folder, err);
	if (rc || !n)
		return rc;
	if ((rc = raw_connect(s, err)))
		return rc;
	if ((!s->raw_folder || strcmp(s->raw_folder, folder)) && (rc = raw_examine(s, folder, err)))
		return rc;
	if (s->raw_uidvalidity != uidvalidity)
		return ct_fail(err, CT_EENV, "folder %s of mailbox %s was rebuilt while it was read "
			       "(UIDVALIDITY %u, was %u): run fetch again", folder, s->user,
			       s->raw_uidvalidity, uidvalidity);
	char *set = imap_uid_set(uids, n);
	char *cmd = xasprintf("UID FETCH %s (UID BODY.PEEK[])", set);
	free(set);
	rc = raw_command(s, cmd, max_bytes, folder, "UID FETCH", &r, err);
	free(cmd);
	if (rc)
		return rc;
	imap_reader_take(r, out, nout);
	imap_reader_free(r);
	/* Only what was asked for, with its bytes (an unsolicited FETCH of
	 * another message's size is not a message read). */
	struct uid_list asked = { uids, n };
	msgs_tidy(*out, nout, keep_asked, &asked);
	size_t k = 0;
	for (size_t i = 0; i < *nout; i++) {
		if ((*out)[i].raw)
			(*out)[k++] = (*out)[i];
	}
	*nout = k;
	if (!k) {
		free(*out);
		*out = NULL;
	}
	return CT_OK;
}
