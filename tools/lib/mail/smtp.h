/* smtp.h: sending one raw message over SMTP from a persona's own account
 * (libcurl underneath). One session per account keeps one libcurl easy
 * handle, so consecutive messages reuse the connection (and its login).
 * The result of a transaction is classified for the caller: ok, temporary
 * (retry later) or permanent, with the server's reply text. Credentials
 * never appear in a reply text, an error or a log. */
#ifndef CT_SMTP_H
#define CT_SMTP_H

#include <stddef.h>

#include "mail/mailcfg.h"
#include "base/util.h"

struct smtp_session;

enum smtp_result {
	SMTP_OK = 0,
	SMTP_TEMP,        /* 4xx, connection dropped, timeout: try again later */
	SMTP_PERM,        /* 5xx to MAIL FROM or DATA: do not try again */
	SMTP_REJECT_RCPT, /* 5xx to RCPT TO of the first recipient: bounced */
	SMTP_AUTH,        /* the login was refused: wrong password (nothing sent) */
	SMTP_TLS,         /* TLS failed (certificate, handshake): nothing sent */
	SMTP_CONNECT      /* no server there (refused, unresolvable): nothing sent */
};

/* How far a transaction got, for deciding whether a failed one may have
 * been delivered anyway (only possible from SMTP_PHASE_DATA on). */
enum smtp_phase {
	SMTP_PHASE_CONNECT = 0,
	SMTP_PHASE_AUTH,
	SMTP_PHASE_MAIL,
	SMTP_PHASE_RCPT,
	SMTP_PHASE_DATA /* the server said 354: the body was (being) sent */
};

struct smtp_outcome {
	enum smtp_result result;
	enum smtp_phase phase;
	int code;          /* the server's last reply code, 0 if none */
	char reply[512];   /* the server's last reply line(s), or libcurl's error */
};

/* Opens a session for one account (nothing is sent yet). url, TLS rule and
 * ca_file come from mc (checked by mailcfg_load). The password is copied
 * into libcurl; the caller keeps and wipes its own copy. $CORRTEST_SMTP_NO_REUSE
 * set to 1 makes every message use a fresh connection (benchmarks). */
int smtp_open(const struct mailcfg *mc, const char *user, const char *password,
	      struct smtp_session **out, struct ct_err *err);
void smtp_close(struct smtp_session *s);

/* One transaction: MAIL FROM:<from>, RCPT TO each of rcpt[0..nrcpt) in
 * order, DATA raw (LF line endings are sent as CRLF; dot-stuffing by
 * libcurl). Always fills *out; returns CT_OK when out->result is SMTP_OK,
 * else CT_EENV (the caller decides from out->result). */
int smtp_send(struct smtp_session *s, const char *from, const char *const *rcpt, size_t nrcpt,
	      const char *raw, size_t len, struct smtp_outcome *out);

/* Replaces every e-mail address in text (a server's reply, which often
 * quotes the recipient: "550 5.1.1 <jan@example.be>: User unknown") by
 * "address", in place. Replies are stored in the event log and in
 * application.last_error, which must hold no landlord's personal data:
 * the event log cannot be purged without breaking its hash chain. */
void mail_redact_addresses(char *text);

/* A short word for a result, for messages and JSON: "ok", "temporary",
 * "permanent", "recipient rejected", "login refused", "tls", "connect". */
const char *smtp_result_name(enum smtp_result r);

/* raw with every bare LF made CRLF (caller frees; *outlen set). Both SMTP
 * and IMAP APPEND want CRLF. */
char *mail_crlf(const char *raw, size_t len, size_t *outlen);

#endif
