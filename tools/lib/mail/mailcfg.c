/* mailcfg.c: the [mail] settings and the secrets file. The TLS rule is
 * checked here, before any connection exists, so that a plain-text URL to a
 * real server is refused without ever contacting it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mail/curl_dl.h"
#include "mail/mailcfg.h"
#include "base/secure.h"
#include "base/banned.h"

static const char *nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

char *mail_url_host(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	/* user:password@ before the host is refused by the caller; skip it here
	 * so that the host is still found for the message. The authority ends
	 * at the first '/', '?' or '#' (RFC 3986, as libcurl reads it): an '@'
	 * after that is not userinfo, and "smtp://evil.org?@127.0.0.1" has the
	 * host evil.org. */
	const char *at = strpbrk(p, "@/?#");
	if (at && *at == '@')
		p = at + 1;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		return e ? xstrndup(p + 1, (size_t)(e - p - 1)) : NULL;
	}
	size_t n = strcspn(p, ":/?#");
	return n ? xstrndup(p, n) : NULL;
}

void *mailcfg_curl_new(struct ct_err *err)
{
	if (curl_dl_load(err) != CT_OK)
		return NULL;
	/* Idempotent in libcurl 7.84 and later; needed before the first handle. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	if (!c)
		ct_fail(err, CT_EENV, "cannot start libcurl");
	return c;
}

void mailcfg_curl_setup(void *curl, const struct mailcfg *m, int imap, const char *user,
			const char *password, char *errbuf, long low_speed_seconds)
{
	CURL *c = curl;
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, imap ? "imap,imaps" : "smtp,smtps");
	/* Only the server the study names: no proxy from the environment
	 * (all_proxy) may carry the mail elsewhere. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, low_speed_seconds);
	/* Implicit TLS or loopback only (mailcfg_load); on loopback plain text
	 * is used as it is, without trying STARTTLS. */
	int tls = imap ? m->imap_implicit_tls : m->smtp_implicit_tls;
	curl_easy_setopt(c, CURLOPT_USE_SSL, tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (m->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, m->ca_file);
}

size_t mail_upload_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct mail_upload *u = arg;
	size_t n = size * nmemb, left = u->len - u->off;
	if (n > left)
		n = left;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

int mail_curl_tls_error(int code)
{
	CURLcode rc = (CURLcode)code;
	return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_USE_SSL_FAILED || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

int mail_host_is_loopback(const char *host)
{
	if (!host)
		return 0;
	if (str_eq_ci(host, "localhost") || str_eq_ci(host, "localhost.") || !strcmp(host, "::1") ||
	    !strcmp(host, "0:0:0:0:0:0:0:1"))
		return 1;
	/* 127.0.0.0/8 as a dotted quad of decimal numbers only: "127.evil.org"
	 * must not pass. */
	if (strncmp(host, "127.", 4))
		return 0;
	int parts = 0;
	for (const char *p = host; *p;) {
		long v = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 4)
			v = v * 10 + (*p++ - '0'), digits++;
		if (!digits || v > 255)
			return 0;
		parts++;
		if (*p == '.')
			p++;
		else if (*p)
			return 0;
	}
	return parts == 4;
}

/* Checks one URL against its schemes and the TLS rule. */
static int check_url(const char *key, const char *url, const char *plain, const char *tls,
		     int *implicit_tls, int *loopback, struct ct_err *err)
{
	size_t np = strlen(plain), nt = strlen(tls);
	if (has_control(url) || strchr(url, ' '))
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] %s has a space or control character",
			       key);
	if (!strncmp(url, tls, nt) && !strncmp(url + nt, "://", 3))
		*implicit_tls = 1;
	else if (!strncmp(url, plain, np) && !strncmp(url + np, "://", 3))
		*implicit_tls = 0;
	else
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] %s must start with %s:// or %s://",
			       key, tls, plain);
	const char *rest = strstr(url, "://") + 3;
	size_t hostpart = strcspn(rest, "/?#");
	if (memchr(rest, '@', hostpart))
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] %s must not hold a user name or "
			       "password (passwords go in secrets.ini)", key);
	char *host = mail_url_host(url);
	if (!host || !*host) {
		free(host);
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] %s has no host", key);
	}
	*loopback = mail_host_is_loopback(host);
	/* Plain text only on this machine. A real server is reached over
	 * implicit TLS (smtps://, imaps://), which RFC 8314 recommends over
	 * STARTTLS: refused here, before anything connects, so that a password
	 * can never cross a network in clear (not even by a DNS typo). */
	if (!*implicit_tls && !*loopback) {
		int r = ct_fail(err, CT_EINPUT, "study.ini: [mail] %s: plain %s:// is allowed only "
				"to a loopback address (127.0.0.1, ::1, localhost), not to %s; use "
				"%s://", key, plain, host, tls);
		free(host);
		return r;
	}
	free(host);
	return CT_OK;
}

int mailcfg_load(const struct config *cfg, struct mailcfg **out, struct ct_err *err)
{
	struct mailcfg *m = xcalloc(1, sizeof(*m));
	const char *v;
	int rc = CT_OK;
	m->min_interval_seconds = 20;
	m->retries = 5;
	m->decline_within_hours = 24;
	if ((v = nonempty(config_get(cfg, "mail", "smtp_url")))) {
		m->smtp_url = xstrdup(v);
		if ((rc = check_url("smtp_url", v, "smtp", "smtps", &m->smtp_implicit_tls,
				    &m->smtp_loopback, err)))
			goto fail;
	}
	if ((v = nonempty(config_get(cfg, "mail", "imap_url")))) {
		m->imap_url = xstrdup(v);
		if ((rc = check_url("imap_url", v, "imap", "imaps", &m->imap_implicit_tls,
				    &m->imap_loopback, err)))
			goto fail;
	}
	if ((v = nonempty(config_get(cfg, "mail", "ca_file"))))
		m->ca_file = xstrdup(v);
	v = nonempty(config_get(cfg, "mail", "sent_folder"));
	m->sent_folder = xstrdup(v ? v : "Sent");
	if (has_control(m->sent_folder) || strpbrk(m->sent_folder, "\"\\*%")) {
		rc = ct_fail(err, CT_EINPUT, "study.ini: [mail] sent_folder has a character IMAP "
			     "folder names here may not hold");
		goto fail;
	}
	long l;
	if ((v = nonempty(config_get(cfg, "mail", "min_interval_seconds")))) {
		if (!parse_long(v, &l) || l < 0 || l > 86400) {
			rc = ct_fail(err, CT_EINPUT, "study.ini:%d: [mail] min_interval_seconds must be "
				     "a whole number of seconds from 0 to 86400",
				     config_line(cfg, "mail", "min_interval_seconds"));
			goto fail;
		}
		m->min_interval_seconds = (int)l;
	}
	if ((v = nonempty(config_get(cfg, "mail", "retries")))) {
		if (!parse_long(v, &l) || l < 0 || l > 100) {
			rc = ct_fail(err, CT_EINPUT, "study.ini:%d: [mail] retries must be a whole "
				     "number from 0 to 100", config_line(cfg, "mail", "retries"));
			goto fail;
		}
		m->retries = (int)l;
	}
	if ((v = nonempty(config_get(cfg, "mail", "decline_within_hours")))) {
		double d;
		if (!parse_double(v, &d) || d < 0 || d > 24 * 365) {
			rc = ct_fail(err, CT_EINPUT, "study.ini:%d: [mail] decline_within_hours must be "
				     "a number of hours", config_line(cfg, "mail", "decline_within_hours"));
			goto fail;
		}
		m->decline_within_hours = d;
	}
	*out = m;
	return CT_OK;
fail:
	mailcfg_free(m);
	return rc;
}

void mailcfg_free(struct mailcfg *m)
{
	if (!m)
		return;
	free(m->smtp_url), free(m->imap_url), free(m->ca_file), free(m->sent_folder);
	free(m);
}

int mailcfg_require(const struct mailcfg *m, const char *which, struct ct_err *err)
{
	const char *v = !strcmp(which, "smtp_url") ? m->smtp_url : m->imap_url;
	if (!v)
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] %s is not set", which);
	return CT_OK;
}

/* Secrets. */

struct secret {
	char *address; /* lower case */
	char *password;
	size_t pwlen;
};

struct mail_secrets {
	char *path;
	struct secret *v;
	int n, cap;
};

/* The secrets file is read here rather than with inih: inih strips the
 * white space at the end of a value, and a password may end in spaces
 * (kept exactly); and errors must name the line. The format is the INI
 * subset the file needs: blank lines, comment lines (';' or '#' first),
 * "[address]" lines and "password = VALUE" lines. VALUE is everything after
 * the '=' and the spaces or tabs right after it, to the end of the line (a
 * final CR of a CRLF file excluded): ';' and '#' in it are part of it. */
static int add_secret(struct mail_secrets *s, const char *section, int line, const char *value,
		      size_t len, struct ct_err *err)
{
	if (!len)
		return ct_fail(err, CT_EINPUT, "%s:%d: the password of [%s] is empty; write the "
			       "mailbox's password after 'password = '", s->path, line, section);
	for (int i = 0; i < s->n; i++)
		if (str_eq_ci(s->v[i].address, section))
			return ct_fail(err, CT_EINPUT, "%s:%d: two passwords for [%s]", s->path, line,
				       section);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, (size_t)s->cap * sizeof(*s->v));
	}
	struct secret *e = &s->v[s->n++];
	e->address = xstrdup(section);
	for (char *p = e->address; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	e->pwlen = len;
	e->password = xstrndup(value, len);
	return CT_OK;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses buf (len bytes, NUL-terminated) into s. Messages name the file,
 * the line and the key or section, never a value. */
static int parse_secrets(struct mail_secrets *s, const char *buf, size_t len, struct ct_err *err)
{
	char *section = NULL;
	int line = 0, rc = CT_OK;
	const char *p = buf, *end = buf + len;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	if (memchr(buf, 0, len))
		return ct_fail(err, CT_EINPUT, "%s: holds a NUL byte; not a secrets file", s->path);
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
		line++;
		if (e > p && e[-1] == '\r')
			e--;
		while (p < e && is_blank(*p))
			p++;
		if (p == e || *p == ';' || *p == '#') {
			p = next;
			continue;
		}
		if (*p == '[') {
			const char *q = e;
			while (q > p && is_blank(q[-1]))
				q--;
			if (q - p < 3 || q[-1] != ']' || memchr(p + 1, ']', (size_t)(q - p - 2))) {
				rc = ct_fail(err, CT_EINPUT, "%s:%d: a section line must be [ADDRESS]",
					     s->path, line);
				break;
			}
			free(section);
			section = xstrndup(p + 1, (size_t)(q - p - 2));
			str_trim(section);
			p = next;
			continue;
		}
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (!eq) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: not a '[address]' or 'password = ...' line",
				     s->path, line);
			break;
		}
		const char *k = eq;
		while (k > p && is_blank(k[-1]))
			k--;
		if ((size_t)(k - p) != strlen("password") || memcmp(p, "password", 8)) {
			char *key = xstrndup(p, (size_t)(k - p));
			rc = ct_fail(err, CT_EINPUT, "%s:%d: unknown key '%s' in [%s] (one section per "
				     "mailbox address, with a 'password' key)", s->path, line, key,
				     section ? section : "");
			free(key);
			break;
		}
		if (!section || !*section) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: 'password' before any [mailbox address] "
				     "section", s->path, line);
			break;
		}
		const char *v = eq + 1;
		while (v < e && is_blank(*v))
			v++;
		rc = add_secret(s, section, line, v, (size_t)(e - v), err);
		p = next;
	}
	free(section);
	return rc;
}

int mailcfg_secrets_load_path(const char *path, struct mail_secrets **out, struct ct_err *err)
{
	struct stat sb;
	/* No password enters this process before it is hardened. */
	int hrc = secure_hold_secrets(err);
	if (hrc)
		return hrc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_fail(err, errno == ENOENT ? CT_EINPUT : CT_EENV,
			       "cannot read the secrets file %s: %s (one section per mailbox "
			       "address with a 'password' key; mode 0600)", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ct_fail(err, CT_EINPUT, "the secrets file %s is not a regular file", path);
	}
	/* Checked on the open file, so that a chmod between check and read
	 * cannot slip through. */
	if (sb.st_mode & 077) {
		close(fd);
		return ct_fail(err, CT_EINPUT, "the secrets file %s can be read or written by group "
			       "or others (mode %04o); refused: run 'chmod 600 %s'",
			       path, (unsigned)(sb.st_mode & 07777), path);
	}
	size_t cap = (size_t)sb.st_size + 1, len = 0;
	if (cap > (1u << 20)) {
		close(fd);
		return ct_fail(err, CT_EINPUT, "the secrets file %s is too large", path);
	}
	char *buf = xmalloc(cap);
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			explicit_bzero(buf, cap);
			free(buf);
			close(fd);
			return ct_fail(err, CT_EENV, "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == cap - 1)
			break;
	}
	close(fd);
	buf[len] = 0;

	struct mail_secrets *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	int rc = parse_secrets(s, buf, len, err);
	explicit_bzero(buf, cap);
	free(buf);
	if (rc) {
		mailcfg_secrets_free(s);
		return rc;
	}
	*out = s;
	return CT_OK;
}

int mailcfg_secrets_load(const char *study_dir, struct mail_secrets **out, struct ct_err *err)
{
	const char *env = getenv("CORRTEST_SECRETS");
	if (env && *env)
		return mailcfg_secrets_load_path(env, out, err);
	char *path = xasprintf("%s/secrets.ini", study_dir);
	int rc = mailcfg_secrets_load_path(path, out, err);
	free(path);
	return rc;
}

const char *mailcfg_password(const struct mail_secrets *s, const char *address)
{
	for (int i = 0; s && address && i < s->n; i++)
		if (str_eq_ci(s->v[i].address, address))
			return s->v[i].password;
	return NULL;
}

const char *mailcfg_secrets_path(const struct mail_secrets *s)
{
	return s->path;
}

void mailcfg_secrets_free(struct mail_secrets *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		explicit_bzero(s->v[i].password, s->v[i].pwlen);
		free(s->v[i].password);
		free(s->v[i].address);
	}
	free(s->v);
	free(s->path);
	free(s);
}

long mail_backoff_ms(int attempt)
{
	long base = 1000;
	const char *e = getenv("CORRTEST_BACKOFF_MS");
	long v;
	if (e && parse_long(e, &v) && v >= 0 && v <= 60000)
		base = v;
	long ms = base;
	for (int i = 1; i < attempt && ms < 60000; i++)
		ms *= 2;
	return ms > 60000 ? 60000 : ms;
}
