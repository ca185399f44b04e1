/* mime.h: RFC 5322 messages built with GMime 3: an application's message
 * and a reply in its thread (replies are read in reply.h). Nothing
 * identifies a message as part of a test: no X- headers, no markers in the
 * body. */
#ifndef CT_MIME_H
#define CT_MIME_H

#include <stddef.h>
#include <time.h>

#include "base/util.h"

/* A file sent with a message (a job study's CV). Borrowed. name: the file
 * name the recipient sees, UTF-8 ("CV_Gülşen_Öztürk.pdf"); type: its
 * content type ("application/pdf"); data[0..len): its bytes. */
struct mime_attachment {
	const char *name;
	const char *type;
	const unsigned char *data;
	size_t len;
};

/* What one outgoing message carries. All strings are UTF-8 and borrowed. */
struct mime_out {
	const char *from_name;  /* display name, e.g. "Gülşen Öztürk" */
	const char *from_addr;  /* the persona's address */
	const char *to_addr;    /* the listing's contact address */
	const char *subject;
	const char *body;       /* text with LF line endings */
	time_t date;            /* the Date header's instant */
	const char *timezone;   /* IANA zone the Date is written in; NULL = UTC */
	const char *message_id; /* "<id@domain>", as stored on the application */
	/* Files attached after the body, in this order (att NULL and natt 0:
	 * none, and the message is a single text/plain part). */
	const struct mime_attachment *att;
	int natt;
};

/* Initialises GMime once per process (g_mime_init counts its calls); every
 * module that builds or parses mail calls this first. */
void mime_init_once(void);

/* Refuses (CT_EINPUT, naming the field) any header value with CR, LF or
 * another control character, invalid UTF-8, an address that is not a plain
 * local@domain, a malformed Message-ID, or a body with control characters
 * other than LF and TAB; an attachment whose file name is empty, holds a
 * path separator ('/' or '\\'), a control character or invalid UTF-8, or
 * (for application/pdf) does not end in ".pdf", whose content type is not
 * a plain type/subtype, or whose data are empty or over 10 MiB (mail
 * servers refuse larger messages). mime_build calls it first; callers may call it to
 * validate without building. */
int mime_out_check(const struct mime_out *m, struct ct_err *err);

/* Builds the message: From (display name RFC 2047-encoded in UTF-8 when it
 * needs to be), To, Subject, Date, Message-ID, MIME-Version, text/plain;
 * charset=utf-8 in quoted-printable. With attachments the message is
 * multipart/mixed: that same text/plain part first, then each attachment
 * in base64 with Content-Disposition: attachment; filename (RFC 2231,
 * UTF-8, when the name is not ASCII) and a Content-Type name parameter for
 * readers that know no RFC 2231 (an RFC 2047 encoded word, as Thunderbird
 * writes it, when it fits on one line). The boundary is derived from the
 * Message-ID, so the same message builds to the same bytes. Every line is
 * at most 78 characters but for long header values GMime cannot fold.
 * *raw (caller frees, NUL-terminated, *len bytes) has LF line endings, as
 * a Maildir file does. */
int mime_build(const struct mime_out *m, char **raw, size_t *len, struct ct_err *err);

/* mime_build for a reply in a thread: the same message with In-Reply-To
 * (in_reply_to) and References (refs[0..nrefs), oldest first) after the
 * Message-ID, each id of the form "<id@domain>" (CT_EINPUT otherwise). Used
 * by corrtest decline. */
int mime_build_reply(const struct mime_out *m, const char *in_reply_to, const char *const *refs,
		     int nrefs, char **raw, size_t *len, struct ct_err *err);

/* What mime_build_reply would refuse for these values, without building
 * the message: the thread's ids and mime_out_check. Only a sender name
 * GMime encodes or folds badly is found by building alone (it depends on
 * the sender only). Used by corrtest decline --dry-run. */
int mime_reply_check(const struct mime_out *m, const char *in_reply_to, const char *const *refs,
		     int nrefs, struct ct_err *err);

/* A fresh, unique Message-ID "<32 hex digits@domain>" from /dev/urandom
 * (caller frees). CT_EENV when no randomness is available. */
int mime_new_message_id(const char *domain, char **out, struct ct_err *err);

/* Checks that addr is a plain addr-spec (local@domain, printable ASCII, no
 * spaces, quotes, brackets or commas). Returns 1 when it is. */
int mime_addr_ok(const char *addr);

#endif
