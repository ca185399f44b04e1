/* imap.h: the few IMAP operations corrtest needs (libcurl underneath): folder
 * status (UIDVALIDITY, UIDNEXT), UID SEARCH, fetching one message by UID or
 * many at once, APPEND to a folder, CREATE. One session per mailbox
 * account; it keeps one libcurl easy handle, so every call after the first
 * reuses the connection, and opens a second connection the first time many
 * messages are read at once (see imap_fetch_many).
 *
 * Errors: every function returns CT_OK or a ct_status with err filled. Mail
 * servers and the network are the environment: CT_EENV, except a refused
 * login, which is also CT_EENV but sets imap_auth_failed() so that the
 * command can say "wrong password for MAILBOX". Messages name the mailbox
 * and folder, never the password. */
#ifndef CT_IMAP_H
#define CT_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "mail/mailcfg.h"
#include "base/util.h"

struct imap_session;

/* Opens a session for one account: url is the [mail] imap_url (already
 * checked by mailcfg_load: imaps://, or plain imap:// to a loopback address
 * only), user the mailbox address, password from the secrets
 * file. Nothing is sent yet (libcurl connects on the first call). The
 * password is copied into libcurl; the caller keeps and wipes its own.
 * *out: free with imap_close. */
int imap_open(const struct mailcfg *mc, const char *user, const char *password,
	      struct imap_session **out, struct ct_err *err);
void imap_close(struct imap_session *s);

/* 1 if the last failure was the server refusing the login (wrong password
 * or unknown user); 0 otherwise. */
int imap_auth_failed(const struct imap_session *s);
/* 1 if the last failure was a TLS error (certificate not trusted, handshake
 * failed); 0 otherwise. */
int imap_tls_failed(const struct imap_session *s);

/* STATUS of a folder, without selecting it (so libcurl's idea of the
 * selected folder stays right). A field the server did not report is 0. */
struct imap_folder_status {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t messages;
};
/* CT_EENV with "no folder" wording when the folder does not exist; use
 * imap_folder_exists to ask without an error. */
int imap_status(struct imap_session *s, const char *folder, struct imap_folder_status *out,
		struct ct_err *err);
/* *exists = 1 if the folder exists (STATUS succeeds), 0 if not. */
int imap_folder_exists(struct imap_session *s, const char *folder, int *exists,
		       struct ct_err *err);
/* CREATE; succeeds too when the folder already exists. */
int imap_create(struct imap_session *s, const char *folder, struct ct_err *err);

/* UID SEARCH in a folder (selected read-write by libcurl; searching does not
 * change flags). *uids: ascending, caller frees; *n may be 0 (then *uids is
 * NULL). */
/* All messages (UID SEARCH ALL). */
int imap_search_all(struct imap_session *s, const char *folder, uint32_t **uids, size_t *n,
		    struct ct_err *err);
/* UIDs >= from_uid (UID SEARCH UID from:*). Note that IMAP answers n:* with
 * the highest UID even when it is below n: this function drops UIDs below
 * from_uid, so the result is exactly the new messages. */
int imap_search_from(struct imap_session *s, const char *folder, uint32_t from_uid,
		     uint32_t **uids, size_t *n, struct ct_err *err);
/* Messages whose Message-ID header contains message_id (with or without the
 * angle brackets; IMAP HEADER search is a substring match, so pass the whole
 * "<...>" id). CT_EINPUT if message_id holds a quote, backslash or control
 * character (it is sent as a quoted string). */
int imap_search_message_id(struct imap_session *s, const char *folder, const char *message_id,
			   uint32_t **uids, size_t *n, struct ct_err *err);

/* Parses the "* SEARCH 1 2 3" lines of a UID SEARCH response into the UIDs
 * >= min, ascending (sorted in O(n log n) when the server did not send them
 * in order; one pass when it did). *uids: caller frees; NULL when *n is 0.
 * Used by the search functions above; public for its tests. */
void imap_parse_search(const char *text, uint32_t min, uint32_t **uids, size_t *n);

/* Where a message we sent (Message-ID message_id) is, for deciding after a
 * crash or a lost answer whether it left: *where = 1 when sent_folder holds
 * it, 2 when only INBOX does (the self copy, delivered in the same SMTP
 * transaction as the landlord's copy), 0 when neither. A missing
 * sent_folder counts as not holding it. A real server may deliver the self
 * copy a little after it accepted the message, so INBOX is polled every
 * 250 ms for $CORRTEST_RECOVER_WAIT_MS (default 5000) before "nowhere". */
int imap_find_sent(struct imap_session *s, const char *sent_folder, const char *message_id,
		   int *where, struct ct_err *err);

/* The raw bytes of one message (UID FETCH uid BODY[], as libcurl sends it:
 * the server sets \Seen, as a mail client reading it does), as the server
 * stores them. *raw: caller frees, NUL-terminated, *len excludes
 * the NUL. CT_EENV when the UID does not exist. */
int imap_fetch(struct imap_session *s, const char *folder, uint32_t uid, char **raw,
	       size_t *len, struct ct_err *err);

/* Reading many messages at once. libcurl's URL fetch reads one message per
 * command with BODY[] (the server marks it \Seen and writes its index each
 * time), and libcurl cannot read a custom command's answer when it carries
 * literals: it passes on only the lines that start with "* ", so message
 * bodies are lost. These functions therefore use a second connection of
 * the session, logged in by libcurl (CURLOPT_CONNECT_ONLY, TLS and login
 * exactly as for the other calls) and then spoken to directly: EXAMINE
 * (read-only), UID FETCH over a set of UIDs with BODY.PEEK[] (nothing is
 * marked), and the answer read by imap_reader below, literals and all. */

/* One message of a multi-message answer. */
struct imap_message {
	uint32_t uid;
	uint32_t size; /* RFC822.SIZE, when it was asked for; else 0 */
	char *raw;     /* BODY[]: owned, NUL-terminated; NULL when not asked for */
	size_t len;    /* bytes of raw, without the NUL */
};
void imap_messages_free(struct imap_message *v, size_t n);

/* The messages with UID >= from_uid in folder and their sizes (UID FETCH
 * from:* (UID RFC822.SIZE)), ascending by UID, and the folder's UIDVALIDITY
 * as the server reported it on selecting it (compare it with the one from
 * imap_status: UIDs mean nothing under another). *out: imap_messages_free;
 * NULL when *n is 0. */
int imap_list_from(struct imap_session *s, const char *folder, uint32_t from_uid,
		   uint32_t *uidvalidity, struct imap_message **out, size_t *n, struct ct_err *err);

/* The raw bytes of the messages uids[0..n) (ascending) of folder, in one
 * UID FETCH (UID BODY.PEEK[]), exactly as the server stores them (what
 * imap_fetch returns for each). uidvalidity: the one imap_list_from
 * reported; CT_EENV if the folder now has another. A UID the server does not
 * answer for was expunged meanwhile and is not in *out (UIDs are never
 * reused under one UIDVALIDITY). max_bytes bounds the bytes of the answer
 * (0: 1 GB; exceeding it is CT_EENV), so that a server cannot make the batch
 * take more memory than the sizes it announced. *out ascending by UID,
 * imap_messages_free; NULL when *nout is 0. */
int imap_fetch_many(struct imap_session *s, const char *folder, uint32_t uidvalidity,
		    const uint32_t *uids, size_t n, size_t max_bytes, struct imap_message **out,
		    size_t *nout, struct ct_err *err);

/* uids[0..n) (ascending) as an IMAP sequence set with runs of consecutive
 * UIDs as ranges ("1:3,5,7:8"). Caller frees. Public for its tests. */
char *imap_uid_set(const uint32_t *uids, size_t n);

/* An incremental reader of the answer to one command sent with tag: fed
 * the bytes as they arrive, in pieces of any size, it collects FETCH
 * responses (UID, RFC822.SIZE, BODY[] as a literal {N} of any bytes, a
 * quoted string or NIL), the UIDVALIDITY and EXISTS of a SELECT or EXAMINE,
 * and the tagged status line. A literal is read by its length, so a message
 * holding CRLF, ")", "{123}", "* 1 FETCH" or the tag itself is read as
 * bytes. Public for its tests; used by imap_list_from and imap_fetch_many. */
struct imap_reader;
/* max_bytes: the most literal bytes accepted in all (0: 1 GB). Free with
 * imap_reader_free. */
struct imap_reader *imap_reader_new(const char *tag, size_t max_bytes);
void imap_reader_free(struct imap_reader *r);
/* Reads data[0..len). *used: the bytes consumed, which is len unless the
 * tagged line ended earlier (the rest belongs to what comes after).
 * CT_EENV (err says why) on an answer that is not IMAP or exceeds the
 * bounds. */
int imap_reader_feed(struct imap_reader *r, const char *data, size_t len, size_t *used,
		     struct ct_err *err);
/* 1 once the tagged line was read. */
int imap_reader_done(const struct imap_reader *r);
/* After done: the tagged status ("OK", "NO" or "BAD"; "" before done) and
 * the text after it (borrowed, with control characters replaced). */
const char *imap_reader_status(const struct imap_reader *r);
const char *imap_reader_text(const struct imap_reader *r);
/* UIDVALIDITY and EXISTS seen in the answer (0 when not). */
uint32_t imap_reader_uidvalidity(const struct imap_reader *r);
uint32_t imap_reader_exists(const struct imap_reader *r);
/* The FETCH responses that carried a UID and a body or size, in the order
 * they came; ownership passes to the caller (imap_messages_free). A FETCH
 * with a body but without its UID is an error of feed. */
void imap_reader_take(struct imap_reader *r, struct imap_message **out, size_t *n);

/* APPEND raw bytes to folder with the \Seen flag (as a mail client files a
 * sent message). The folder must exist (see imap_create). */
int imap_append(struct imap_session *s, const char *folder, const char *raw, size_t len,
		struct ct_err *err);

#endif
