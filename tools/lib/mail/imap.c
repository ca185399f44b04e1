/* imap.c: IMAP over libcurl. libcurl selects the folder named in the URL
 * itself and remembers it per connection, so this file never sends SELECT
 * or EXAMINE by hand (that would make libcurl's memory wrong): folder
 * status comes from STATUS, which changes no selection. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/imap.h"
#include "base/banned.h"

struct imap_session {
	CURL *curl;
	char *base; /* imap_url without a trailing '/' */
	char *user;
	char errbuf[CURL_ERROR_SIZE];
	struct strbuf body;
	const char *upload;
	size_t upload_len, upload_off;
	int auth_failed, tls_failed;
	CURLcode last_rc; /* of the last request */
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct imap_session *s = arg;
	sb_add(&s->body, ptr, size * nmemb);
	return size * nmemb;
}

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct imap_session *s = arg;
	size_t n = size * nmemb, left = s->upload_len - s->upload_off;
	if (n > left)
		n = left;
	memcpy(buf, s->upload + s->upload_off, n);
	s->upload_off += n;
	return n;
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
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, s);
	*out = s;
	return CT_OK;
}

void imap_close(struct imap_session *s)
{
	if (!s)
		return;
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
	s->upload = raw;
	s->upload_len = len;
	s->upload_off = 0;
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = perform(s, folder, 0, NULL, "APPEND", err);
	s->upload = NULL;
	return rc;
}
