/* imap.h: the few IMAP operations corrtest needs (libcurl underneath): folder
 * status (UIDVALIDITY, UIDNEXT), UID SEARCH, fetching one message by UID,
 * APPEND to a folder, CREATE. One session per mailbox account; it keeps one
 * libcurl easy handle, so every call after the first reuses the connection.
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

/* APPEND raw bytes to folder with the \Seen flag (as a mail client files a
 * sent message). The folder must exist (see imap_create). */
int imap_append(struct imap_session *s, const char *folder, const char *raw, size_t len,
		struct ct_err *err);

#endif
