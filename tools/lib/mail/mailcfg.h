/* mailcfg.h: the [mail] settings of study.ini (server URLs, the TLS rule,
 * the CA file, pacing) and the secrets file with the mailbox passwords.
 * Passwords live only in a struct mail_secrets, wiped when it is freed. */
#ifndef CT_MAILCFG_H
#define CT_MAILCFG_H

#include "design/config.h"
#include "base/util.h"

struct mailcfg {
	char *smtp_url;     /* smtp://HOST[:PORT] or smtps://...; NULL when not set */
	char *imap_url;     /* imap://HOST[:PORT] or imaps://...; NULL when not set */
	char *ca_file;      /* NULL: the system's trust store */
	char *sent_folder;  /* default "Sent" */
	int smtp_implicit_tls; /* smtps:// */
	int imap_implicit_tls; /* imaps:// */
	/* The host is a loopback address. Plain smtp:// and imap:// are
	 * accepted only then (mailcfg_load refuses them otherwise), and are
	 * used without STARTTLS. */
	int smtp_loopback, imap_loopback;
	int min_interval_seconds; /* default 20 */
	int retries;              /* default 5 */
	double decline_within_hours; /* default 24 */
};

/* Reads [mail] from the study's config and checks the URLs before anything
 * connects: a scheme other than smtp/smtps (imap/imaps), a URL with a user or
 * password in it, or a plain-text URL (smtp://, imap://) to a host that is
 * not a loopback address (127.0.0.0/8, ::1, localhost) is CT_EINPUT naming
 * the key: real servers are reached over implicit TLS (smtps://, imaps://). An
 * empty smtp_url/imap_url is left NULL: mailcfg_require says so when a
 * command needs it. *out: free with mailcfg_free. */
int mailcfg_load(const struct config *cfg, struct mailcfg **out, struct ct_err *err);
void mailcfg_free(struct mailcfg *m);
/* A new libcurl easy handle (as void *, see below), after the library's
 * one-time initialisation; NULL with err set when libcurl cannot start. */
void *mailcfg_curl_new(struct ct_err *err);
/* What every SMTP and IMAP connection shares, set on a libcurl easy handle
 * (passed as void * so that this header needs no curl.h): the protocols of
 * one kind only, no proxy from the environment, the credentials, the error
 * buffer, timeouts, TLS as mailcfg_load decided (implicit TLS, or plain text
 * to loopback) and the CA file. imap: 1 for IMAP, 0 for SMTP. */
void mailcfg_curl_setup(void *curl, const struct mailcfg *m, int imap, const char *user,
			const char *password, char *errbuf, long low_speed_seconds);
/* Bytes libcurl uploads (an SMTP DATA body, an IMAP APPEND), read through
 * mail_upload_read, set with CURLOPT_READFUNCTION / CURLOPT_READDATA. */
struct mail_upload {
	const char *data;
	size_t len, off;
};
size_t mail_upload_read(char *buf, size_t size, size_t nmemb, void *upload);

/* 1 when a libcurl result code (a CURLcode) is a TLS failure: handshake,
 * certificate, CA file. */
int mail_curl_tls_error(int code);
/* CT_EINPUT "study.ini: [mail] smtp_url is not set" when the URL a command
 * needs is missing. which: "smtp_url" or "imap_url". */
int mailcfg_require(const struct mailcfg *m, const char *which, struct ct_err *err);

/* 1 if host (as written in a URL: "127.0.0.1", "[::1]", "localhost") is a
 * loopback address; 0 otherwise. No name resolution happens. */
int mail_host_is_loopback(const char *host);
/* The URL's host ("[::1]" brackets stripped), caller frees; NULL if the URL
 * does not parse. */
char *mail_url_host(const char *url);

struct mail_secrets;

/* Reads the secrets file: $CORRTEST_SECRETS if set, else DIR/secrets.ini.
 * Refused (CT_EINPUT, saying "chmod 600 FILE") when group or others may
 * read or write it; CT_EINPUT when missing or malformed (naming the line,
 * never a value). Sections are mailbox addresses (case-insensitive), each
 * with a `password` key: everything after "password =" and the blanks
 * right after it, to the end of the line, trailing spaces included; an
 * empty password is CT_EINPUT naming the file and line. Before reading,
 * the process is hardened with secure_hold_secrets (base/secure.h: no core
 * file, no ptrace attach, $SSLKEYLOGFILE dropped), so that every command
 * that holds passwords is. *out: free with mailcfg_secrets_free. */
int mailcfg_secrets_load(const char *study_dir, struct mail_secrets **out, struct ct_err *err);
/* Same, from a given path (tests). */
int mailcfg_secrets_load_path(const char *path, struct mail_secrets **out, struct ct_err *err);
/* The password of an address, borrowed (valid until mailcfg_secrets_free);
 * NULL when the file has none for it. */
const char *mailcfg_password(const struct mail_secrets *s, const char *address);
/* The file's path, for messages. Borrowed. */
const char *mailcfg_secrets_path(const struct mail_secrets *s);
/* Wipes every password (explicit_bzero) and frees. NULL is fine. */
void mailcfg_secrets_free(struct mail_secrets *s);

/* Milliseconds to wait before retry number `attempt` (1, 2, ...): 1 s, 2 s,
 * 4 s ... capped at 60 s; $CORRTEST_BACKOFF_MS replaces the 1 s base
 * (tests set it low). */
long mail_backoff_ms(int attempt);

#endif
