/* smtp.c: one SMTP transaction at a time over libcurl, with the outcome
 * classified from the server's replies. libcurl's debug callback shows the
 * dialogue: the verbs we send tell how far the transaction got, the lines
 * the server sends give its reply text. Our own lines are never copied (an
 * AUTH line carries the password). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/curl_dl.h"
#include "mail/smtp.h"
#include "base/banned.h"

struct smtp_session {
	CURL *curl;
	char *url, *user;
	char errbuf[CURL_ERROR_SIZE];
	/* The transaction under way. */
	struct mail_upload upload;
	enum smtp_phase phase;
	int rcpt_sent;     /* RCPT commands sent so far */
	int rcpt_rejected; /* index of the RCPT a 5xx answered, or -1 */
	int quitting;      /* QUIT sent: its 221 is not the transaction's answer */
	int last_code;
	char last_reply[512];
};

static int starts(const char *p, size_t n, const char *verb)
{
	size_t v = strlen(verb);
	if (n < v)
		return 0;
	for (size_t i = 0; i < v; i++) {
		char c = p[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != verb[i])
			return 0;
	}
	return 1;
}

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t n, void *arg)
{
	struct smtp_session *s = arg;
	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		/* Only the verb is looked at: never keep what we send. */
		if (starts(data, n, "AUTH"))
			s->phase = SMTP_PHASE_AUTH;
		else if (starts(data, n, "MAIL FROM"))
			s->phase = SMTP_PHASE_MAIL;
		else if (starts(data, n, "QUIT"))
			s->quitting = 1;
		else if (starts(data, n, "RCPT TO")) {
			s->phase = SMTP_PHASE_RCPT;
			s->rcpt_sent++;
		}
	} else if (type == CURLINFO_HEADER_IN && n >= 3 && !s->quitting) {
		int code = 0;
		for (int i = 0; i < 3; i++) {
			if (data[i] < '0' || data[i] > '9')
				return 0;
			code = code * 10 + (data[i] - '0');
		}
		/* 334 is an AUTH challenge (base64 of "Password:" and the like):
		 * nothing worth keeping. */
		if (code == 334)
			return 0;
		s->last_code = code;
		if (code == 354)
			s->phase = SMTP_PHASE_DATA;
		if (code >= 500 && s->phase == SMTP_PHASE_RCPT && s->rcpt_rejected < 0)
			s->rcpt_rejected = s->rcpt_sent - 1;
		size_t m = n;
		while (m && (data[m - 1] == '\n' || data[m - 1] == '\r'))
			m--;
		if (m >= sizeof(s->last_reply))
			m = sizeof(s->last_reply) - 1;
		memcpy(s->last_reply, data, m);
		s->last_reply[m] = 0;
		for (char *p = s->last_reply; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7F)
				*p = ' ';
	}
	return 0;
}

int smtp_open(const struct mailcfg *mc, const char *user, const char *password,
	      struct smtp_session **out, struct ct_err *err)
{
	if (!mc->smtp_url)
		return ct_fail(err, CT_EINPUT, "study.ini: [mail] smtp_url is not set");
	struct smtp_session *s = xcalloc(1, sizeof(*s));
	if (!(s->curl = mailcfg_curl_new(err))) {
		free(s);
		return CT_EENV;
	}
	s->url = xstrdup(mc->smtp_url);
	s->user = xstrdup(user);
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	mailcfg_curl_setup(c, mc, 0, user, password, s->errbuf, 120L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &s->upload);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	/* The debug callback reads the server's reply codes and our verbs; it
	 * never keeps what we send (AUTH carries the password). */
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
	const char *noreuse = getenv("CORRTEST_SMTP_NO_REUSE");
	if (noreuse && !strcmp(noreuse, "1")) {
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	}
	*out = s;
	return CT_OK;
}

void smtp_close(struct smtp_session *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	free(s->url);
	free(s->user);
	free(s);
}

static int addr_local_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(".!#$%&'*+/=?^_`{|}~-", c)) || (unsigned char)c >= 0x80;
}

static int addr_domain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '[' || c == ']' || c == ':' || (unsigned char)c >= 0x80;
}

void mail_redact_addresses(char *text)
{
	static const char word[] = "address";
	char *w = text;
	for (const char *r = text; *r;) {
		if (*r != '@') {
			*w++ = *r++;
			continue;
		}
		/* Back over the local part already copied; forward over the
		 * domain. The word is never longer than what it replaces when
		 * both sides are non-empty (one side alone is not an address). */
		char *start = w;
		while (start > text && addr_local_char(start[-1]))
			start--;
		const char *end = r + 1;
		while (addr_domain_char(*end))
			end++;
		size_t span = (size_t)(w - start) + (size_t)(end - r);
		if (start == w || end == r + 1 || span < sizeof(word) - 1) {
			*w++ = *r++;
			continue;
		}
		memcpy(start, word, sizeof(word) - 1);
		w = start + sizeof(word) - 1;
		r = end;
	}
	*w = '\0';
}

char *mail_crlf(const char *raw, size_t len, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t from = 0;
	for (size_t i = 0; i < len; i++)
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
			sb_add(&sb, raw + from, i - from);
			sb_add(&sb, "\r\n", 2);
			from = i + 1;
		}
	sb_add(&sb, raw + from, len - from);
	*outlen = sb.len;
	if (sb.len)
		return sb_detach(&sb);
	sb_free(&sb);
	return xstrdup("");
}

int smtp_send(struct smtp_session *s, const char *from, const char *const *rcpt, size_t nrcpt,
	      const char *raw, size_t len, struct smtp_outcome *out)
{
	CURL *c = s->curl;
	struct curl_slist *list = NULL;
	char *mfrom = xasprintf("<%s>", from);
	for (size_t i = 0; i < nrcpt; i++) {
		char *r = xasprintf("<%s>", rcpt[i]);
		list = curl_slist_append(list, r);
		free(r);
	}
	size_t crlen;
	char *crlf = mail_crlf(raw, len, &crlen);
	s->upload = (struct mail_upload){ crlf, crlen, 0 };
	s->phase = SMTP_PHASE_CONNECT;
	s->rcpt_sent = 0;
	s->rcpt_rejected = -1;
	s->quitting = 0;
	s->last_code = 0;
	s->last_reply[0] = 0;
	s->errbuf[0] = 0;
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)crlen);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(list);
	free(mfrom);
	free(crlf);
	s->upload = (struct mail_upload){ NULL, 0, 0 };

	memset(out, 0, sizeof(*out));
	out->phase = s->phase;
	out->code = s->last_code;
	const char *why = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_OK) {
		out->result = SMTP_OK;
		snprintf(out->reply, sizeof(out->reply), "%s", s->last_reply);
		return CT_OK;
	}
	if (rc == CURLE_LOGIN_DENIED || (s->phase == SMTP_PHASE_AUTH && s->last_code >= 500))
		out->result = SMTP_AUTH;
	else if (mail_curl_tls_error(rc))
		out->result = SMTP_TLS;
	else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		 (rc == CURLE_OPERATION_TIMEDOUT && s->phase == SMTP_PHASE_CONNECT && !s->last_code))
		out->result = SMTP_CONNECT;
	else if (s->last_code >= 500 && s->last_code < 600 &&
		 s->phase == SMTP_PHASE_RCPT && s->rcpt_rejected == 0)
		out->result = SMTP_REJECT_RCPT;
	else if (s->last_code >= 500 && s->last_code < 600 && s->phase >= SMTP_PHASE_MAIL)
		out->result = SMTP_PERM;
	else
		/* 4xx, a dropped connection, a timeout: worth another try. */
		out->result = SMTP_TEMP;
	if (out->result == SMTP_TLS || out->result == SMTP_CONNECT || !s->last_reply[0] ||
	    (s->last_code >= 200 && s->last_code < 400))
		snprintf(out->reply, sizeof(out->reply), "%s", why);
	else
		snprintf(out->reply, sizeof(out->reply), "%s", s->last_reply);
	return CT_EENV;
}

const char *smtp_result_name(enum smtp_result r)
{
	switch (r) {
	case SMTP_OK: return "ok";
	case SMTP_TEMP: return "temporary";
	case SMTP_PERM: return "permanent";
	case SMTP_REJECT_RCPT: return "recipient rejected";
	case SMTP_AUTH: return "login refused";
	case SMTP_TLS: return "tls";
	case SMTP_CONNECT: return "connect";
	}
	return "?";
}
