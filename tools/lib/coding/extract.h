/* extract.h: the text a coder reads and the rules code, from a raw reply.
 * The message is decoded by the one MIME reader (mail/reply.h: charsets,
 * transfer encodings, HTML made text); then the text is split into what the
 * replier wrote (body), what they quoted or forwarded (quoted: '>' lines,
 * "Op ... schreef ...:", "Le ... a écrit :", "On ... wrote:", Outlook's
 * "Van:/De :/From:" header blocks, "-----Original Message-----", forwarded
 * originals), and their signature and disclaimer (kept apart, not coded).
 * Automatic replies are recognised by their headers (RFC 3834 and the
 * marks list software and autoresponders set); their text is still read.
 * Pure: no database. */
#ifndef CT_CODING_EXTRACT_H
#define CT_CODING_EXTRACT_H

#include <stddef.h>

#include "base/util.h"

/* Every string is UTF-8 with LF line endings, owned, never NULL ("" when
 * there is nothing). Free with coding_text_free. */
struct coding_text {
	char *body;      /* the replier's own words: what is coded */
	char *quoted;    /* quoted and forwarded text, removed from body */
	char *signature; /* signature, closing and disclaimer, removed from body */
	int from_html;   /* the text was made from a text/html part */
	/* 1 when a header marks the message as sent automatically; auto_why
	 * names it ("Auto-Submitted: auto-replied", "Return-Path: <>",
	 * "Precedence: bulk", "List-Id", "X-Autoreply"), "" otherwise. */
	int auto_reply;
	char auto_why[96];
};

/* A message file to code (code --classify, --eval): its bytes, NUL-
 * terminated; an error naming the file when it is missing or empty
 * (CT_EINPUT) or cannot be read (CT_EENV). */
int coding_read_message(const char *path, char **raw, size_t *len, struct ct_err *err);
/* Decodes raw (len bytes) and splits its text. CT_EINPUT only for an empty
 * message (a message the decoder cannot read gives an empty body). */
int coding_extract(const char *raw, size_t len, struct coding_text **out, struct ct_err *err);
/* The split alone, for text already decoded (text: UTF-8, LF lines): body,
 * quoted and signature of a new struct whose other fields are empty. */
struct coding_text *coding_text_split(const char *text);
void coding_text_free(struct coding_text *t);

#endif
