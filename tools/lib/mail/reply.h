/* reply.h: the one MIME reader of corrtest: every command that needs what a
 * message says (a reply's sender, a stored message's Subject or To, a
 * bounce's reason) reads it here, never with its own header parser.
 * Reading an incoming message with GMime 3: its identifiers
 * (Message-ID, In-Reply-To, References), sender, subject and date, its text
 * decoded to UTF-8 whatever the charset, transfer encoding and MIME shape
 * (text/plain preferred, else text/html made readable), and whether it is a
 * delivery-status notification or an MTA's bounce text, with the reason and
 * what it says about the message that failed. Pure: no database. */
#ifndef CT_REPLY_H
#define CT_REPLY_H

#include <stddef.h>
#include <time.h>

#include "base/util.h"

/* What reply_parse found. Every string is UTF-8 and owned (reply_free);
 * NULL when the message does not have it. Message-IDs keep their angle
 * brackets, "<id@host>", as application.message_id stores them. */
struct reply {
	char *message_id;
	char *from_addr;   /* lower-case addr-spec of the first From mailbox */
	char *from_name;   /* its display name, decoded */
	char *to_addr;     /* lower-case addr-spec of the first To mailbox */
	char *subject;     /* decoded, on one line */
	char *date;        /* the Date header in UTC ISO 8601, or NULL */
	time_t date_t;     /* 0 when there is no valid Date */
	char *in_reply_to; /* the first id of In-Reply-To */
	/* The ids of In-Reply-To and then References, newest first (In-Reply-To,
	 * then References from its end), without repeats: the order in which
	 * the linker tries them. */
	char **refs;
	int nrefs;
	char *text;        /* the readable text, LF line endings; never NULL */
	int text_from_html; /* 1 when text was made from a text/html part */
	int auto_reply;    /* Auto-Submitted (not "no"), X-Autoreply, ...: an out-of-office */

	/* Bounce classification. is_bounce: a DSN saying "failed" or an MTA's
	 * failure text. A DSN that only says "delayed" is not a bounce but sets
	 * is_dsn. */
	int is_bounce, is_dsn;
	char *bounce_reason;     /* "5.1.1 <addr>: ...diagnostic..." */
	char *bounce_status;     /* "5.1.1", when given */
	char *bounce_message_id; /* the failed message's Message-ID, from the returned headers or text */
	char *bounce_rcpt;       /* the recipient that failed, lower case */
};

/* Parses raw (len bytes; need not be NUL-terminated) into *out (caller frees
 * with reply_free). A message GMime cannot make sense of still gives a
 * struct (with what could be read, text possibly empty): CT_EINPUT only for
 * an empty input. */
int reply_parse(const char *raw, size_t len, struct reply **out, struct ct_err *err);
void reply_free(struct reply *r);

/* reply_parse with options. REPLY_HTML_QUOTES: text made from HTML marks
 * each line inside <blockquote> with "> " per level (as a plain-text client
 * quotes), so that a reader of the text (the coding extractor) can tell a
 * quoted original from an answer written below it; reply_parse leaves the
 * lines unmarked. */
#define REPLY_HTML_QUOTES 1u
/* REPLY_TEXT_ONLY: only text and text_from_html are needed (the coding
 * extractor, on thousands of replies): a plainly built message is read by
 * mimescan instead of GMime's object tree, with the same result; the other
 * fields may then be left empty. */
#define REPLY_TEXT_ONLY 2u
int reply_parse_flags(const char *raw, size_t len, unsigned flags, struct reply **out,
		      struct ct_err *err);

/* The marks of an automatic message in the header block of raw[0..len)
 * (up to its first empty line; folded fields unfolded), as a set of
 * kinds: REPLY_AUTO_RFC3834, Auto-Submitted with a value other than "no"
 * (RFC 3834), X-Autoreply, X-Autorespond, Precedence auto_reply;
 * REPLY_AUTO_BULK, an empty Return-Path "<>", Precedence bulk, junk or
 * list, any RFC 2369/2919 List-* field. X-Auto-Response-Suppress is no
 * such mark (Outlook sets it on ordinary mail to ask others not to answer
 * automatically). why (n bytes) gets the first mark found, "" for none.
 * reply_parse sets auto_reply from the RFC 3834 kind (the linker's
 * notion); coding counts both. why may be NULL when n is 0. */
#define REPLY_AUTO_RFC3834 1u
#define REPLY_AUTO_BULK 2u
unsigned reply_auto_headers(const char *raw, size_t len, char *why, size_t n);

/* The header fields only, for a command that needs a stored message's
 * Subject, To, From or Message-ID (decline reading our inquiry's subject,
 * send checking a stored message's To): only the header block (up to the
 * first empty line) is parsed, so the body's size does not matter. Fills
 * message_id, from_addr, from_name, to_addr, subject, date, date_t,
 * in_reply_to, refs and auto_reply exactly as reply_parse does (encoded
 * words decoded to UTF-8, one line); text is "" and nothing about bounces
 * is set. Free with reply_free. CT_EINPUT only for an empty input. */
int reply_parse_headers(const char *raw, size_t len, struct reply **out, struct ct_err *err);

/* The decoded Subject alone (*subject: caller frees; NULL when there is
 * none), exactly as reply_parse_headers reads it, at a fraction of the
 * cost for the plain header blocks corrtest itself writes: when the block
 * is plain (every line a field or a continuation, 7-bit, one Subject), only
 * that field goes through GMime's decoder; otherwise reply_parse_headers
 * does the work. For decline, which needs our own inquiries' subjects by
 * the thousand. CT_EINPUT only for an empty input. */
int reply_parse_subject(const char *raw, size_t len, char **subject, struct ct_err *err);

/* HTML to readable text: drops tags, comments, <script>, <style> and
 * <head>; decodes character references; block elements (p, div, br, li, tr,
 * h1..h6, ...) end lines; runs of white space collapse outside <pre>.
 * Returns a new UTF-8 string (caller frees). */
char *reply_html_to_text(const char *html, size_t len);
/* The same with the lines inside <blockquote> marked "> " per level. */
char *reply_html_to_text_quoted(const char *html, size_t len);

/* bytes (len) in charset (may be NULL or unknown) to valid UTF-8: iconv when
 * the charset is known and the bytes fit it; else kept if valid UTF-8; else
 * read as Windows-1252 (what unlabelled 8-bit Western mail almost always
 * is). CRLF becomes LF. Caller frees. */
char *reply_to_utf8(const char *bytes, size_t len, const char *charset);

#endif
