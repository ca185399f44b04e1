/* mime.c: compose an application's message as RFC 5322 text with GMime 3
 * (encoded words, quoted-printable, dates: we do not hand-roll MIME). */
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "mail/mime.h"
#include "base/banned.h"

void mime_init_once(void)
{
	/* g_mime_init counts its calls; once per process is enough, and
	 * g_once makes it so when several threads (compose's builders, a
	 * reader of replies) get here first together. */
	static gsize done;
	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

int mime_addr_ok(const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL;
	if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7F || strchr("<>()[]\\,;:\"", c))
			return 0;
	}
	const char *dot = strchr(at + 1, '.');
	return dot && dot != at + 1 && dot[1];
}

static int msgid_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 5 || id[0] != '<' || id[n - 1] != '>')
		return 0;
	const char *at = memchr(id, '@', n);
	if (!at || at == id + 1 || at == id + n - 2)
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= 0x20 || c >= 0x7F || strchr("<>()[]\\,;:\"", c))
			return 0;
	}
	return 1;
}

/* A header value: valid UTF-8 and no control character at all. CR and LF
 * would let a value start a header of its own (header injection), so they
 * are refused here even though GMime would encode them. */
static int header_ok(const char *what, const char *v, int required, struct ct_err *err)
{
	if (!v || !*v)
		return required ? ct_fail(err, CT_EINPUT, "the %s is empty", what) : CT_OK;
	if (!utf8_check(v, strlen(v), NULL))
		return ct_fail(err, CT_EINPUT, "the %s is not valid UTF-8", what);
	if (has_control(v))
		return ct_fail(err, CT_EINPUT,
			       "the %s contains a control character (CR, LF, TAB or another); "
			       "refused",
			       what);
	if (strstr(v, "\xE2\x80\xA8") || strstr(v, "\xE2\x80\xA9"))
		return ct_fail(err, CT_EINPUT,
			       "the %s contains a line or paragraph separator (U+2028 or U+2029); "
			       "refused",
			       what);
	/* GMime writes ASCII text as is, and every reader decodes "=?...?="
	 * as an RFC 2047 encoded word: the text would not arrive as written. */
	if (strstr(v, "=?"))
		return ct_fail(err, CT_EINPUT,
			       "the %s contains '=?', which mail readers would decode as an "
			       "encoded word; refused",
			       what);
	return CT_OK;
}

/* Whether s ends in suffix, ASCII letters compared without case. */
static int ends_with_nocase(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++) {
		char a = s[n - k + i], b = suffix[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* A content type "type/subtype" of RFC 2045 token characters, without
 * parameters (the charset of text is not ours to set for a file). */
static int content_type_ok(const char *t)
{
	const char *slash = t ? strchr(t, '/') : NULL;
	if (!slash || slash == t || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (const char *p = t; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7F || (c != '/' && strchr("()<>@,;:\\\"[]?=", c)))
			return 0;
	}
	return 1;
}

/* Mail servers commonly refuse messages over 10 to 25 MB; base64 adds a
 * third. A CV is some tens of KB. */
#define MIME_ATT_MAX (10u * 1024 * 1024)

static int attachment_ok(int i, const struct mime_attachment *a, struct ct_err *err)
{
	const char *why = NULL;
	unsigned long cp = 0;
	if (!a->name || !*a->name)
		return ct_fail(err, CT_EINPUT, "attachment %d has no file name", i + 1);
	/* text_ok also refuses the bidi controls that make "fdp.exe" read
	 * "exe.pdf". */
	if (!text_ok(a->name, strlen(a->name), &why, NULL, &cp))
		return ct_fail(err, CT_EINPUT, "attachment file name '%s' contains %s (U+%04lX); refused",
			       a->name, why, cp);
	if (strpbrk(a->name, "/\\"))
		return ct_fail(err, CT_EINPUT,
			       "attachment file name '%s' contains a path separator ('/' or '\\'); "
			       "refused",
			       a->name);
	if (!strcmp(a->name, ".") || !strcmp(a->name, ".."))
		return ct_fail(err, CT_EINPUT, "attachment file name '%s' is not a file name", a->name);
	if (!content_type_ok(a->type))
		return ct_fail(err, CT_EINPUT,
			       "attachment '%s': content type '%s' is not of the form type/subtype",
			       a->name, a->type ? a->type : "");
	if (!g_ascii_strcasecmp(a->type, "application/pdf") && !ends_with_nocase(a->name, ".pdf"))
		return ct_fail(err, CT_EINPUT,
			       "attachment file name '%s' does not end in .pdf, as a PDF's must", a->name);
	if (!a->data || !a->len)
		return ct_fail(err, CT_EINPUT, "attachment '%s' is empty", a->name);
	if (a->len > MIME_ATT_MAX)
		return ct_fail(err, CT_EINPUT, "attachment '%s' is %zu bytes, more than the %u allowed",
			       a->name, a->len, MIME_ATT_MAX);
	return CT_OK;
}

int mime_out_check(const struct mime_out *m, struct ct_err *err)
{
	int rc;
	if ((rc = header_ok("sender name", m->from_name, 1, err)) ||
	    (rc = header_ok("sender address", m->from_addr, 1, err)) ||
	    (rc = header_ok("recipient address", m->to_addr, 1, err)) ||
	    (rc = header_ok("subject", m->subject, 1, err)) ||
	    (rc = header_ok("Message-ID", m->message_id, 1, err)))
		return rc;
	if (!mime_addr_ok(m->from_addr))
		return ct_fail(err, CT_EINPUT, "sender address '%s' is not a plain local@domain",
			       m->from_addr);
	if (!mime_addr_ok(m->to_addr))
		return ct_fail(err, CT_EINPUT, "recipient address '%s' is not a plain local@domain",
			       m->to_addr);
	if (!msgid_ok(m->message_id))
		return ct_fail(err, CT_EINPUT, "Message-ID '%s' is not of the form <id@domain>",
			       m->message_id);
	if (!m->body || !*m->body)
		return ct_fail(err, CT_EINPUT, "the body is empty");
	if (!utf8_check(m->body, strlen(m->body), NULL))
		return ct_fail(err, CT_EINPUT, "the body is not valid UTF-8");
	for (const unsigned char *p = (const unsigned char *)m->body; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F ||
		    (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			return ct_fail(err, CT_EINPUT,
				       "the body contains a control character (0x%02X); refused", *p);
	}
	if (m->natt < 0 || (m->natt && !m->att))
		return ct_fail(err, CT_EINPUT, "the attachments are missing");
	for (int i = 0; i < m->natt; i++) {
		int rc2 = attachment_ok(i, &m->att[i], err);
		if (rc2)
			return rc2;
	}
	return CT_OK;
}

/* The thread's ids of a reply, each of the form "<id@domain>". */
static int reply_ids_ok(const char *in_reply_to, const char *const *refs, int nrefs,
			struct ct_err *err)
{
	if (in_reply_to && !msgid_ok(in_reply_to))
		return ct_fail(err, CT_EINPUT, "In-Reply-To '%s' is not of the form <id@domain>",
			       in_reply_to);
	for (int i = 0; i < nrefs; i++)
		if (!msgid_ok(refs[i]))
			return ct_fail(err, CT_EINPUT, "References id '%s' is not of the form <id@domain>",
				       refs[i]);
	return CT_OK;
}

int mime_reply_check(const struct mime_out *m, const char *in_reply_to, const char *const *refs,
		     int nrefs, struct ct_err *err)
{
	int rc = reply_ids_ok(in_reply_to, refs, nrefs, err);
	return rc ? rc : mime_out_check(m, err);
}

/* The header name (e.g. "From:") of the message text, from its name to the
 * end of its last (folded) line: *len bytes at the returned pointer, or NULL. */
static const char *header_span(const char *msg, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *h = msg;
	while (h && strncmp(h, name, nl)) {
		h = strchr(h, '\n');
		if (h && h[1] == '\n')
			return NULL; /* end of the header block */
		h = h ? h + 1 : NULL;
	}
	if (!h)
		return NULL;
	const char *p = h + nl;
	while (*p && !(p[0] == '\n' && p[1] != ' ' && p[1] != '\t'))
		p++;
	*len = (size_t)(p - h);
	return h;
}

/* Whether GMime folded the From header inside the display name (before the
 * '<' of the address, which it always writes last). Readers unfold that
 * differently: GMime's own parser keeps the line break and tab in the name,
 * Python's email package makes them one space. */
static int folded_in_name(const char *msg)
{
	size_t len;
	const char *h = header_span(msg, "From:", &len);
	const char *lt = NULL;
	for (size_t i = 0; h && i < len; i++)
		if (h[i] == '<')
			lt = h + i;
	if (!lt)
		return 0;
	/* A fold between the name and the address is harmless. */
	while (lt > h && (lt[-1] == ' ' || lt[-1] == '\t' || lt[-1] == '\n'))
		lt--;
	return memchr(h, '\n', (size_t)(lt - h)) != NULL;
}

/* Whether the header name (e.g. "From:") of the message text holds two RFC
 * 2047 encoded words separated only by white space (folding included). RFC
 * 2047 drops that white space, but in an address's display name Python's
 * email package keeps it as a space, so the two readers would see different
 * names; GMime writes such a pair when one word is too long for one encoded
 * word. */
static int adjacent_encoded_words(const char *msg, const char *name)
{
	size_t len;
	const char *h = header_span(msg, name, &len);
	for (size_t i = 0; h && i + 1 < len; i++) {
		if (h[i] != '?' || h[i + 1] != '=')
			continue;
		size_t j = i + 2;
		while (j < len && (h[j] == ' ' || h[j] == '\t' || h[j] == '\n'))
			j++;
		if (j > i + 2 && j + 1 < len && h[j] == '=' && h[j + 1] == '?')
			return 1;
	}
	return 0;
}

/* The display name as one RFC 2047 encoded word in UTF-8: Q or B,
 * whichever is shorter. In Q, only the characters RFC 2047 section 5 (3)
 * allows in a phrase stay as they are ('=' never does), a space is '_', and
 * every other byte is =XX. NULL when the word would exceed the 75
 * characters section 2 allows. Caller frees. */
static char *encoded_name(const char *name)
{
	size_t n = strlen(name);
	struct strbuf q = STRBUF_INIT;
	sb_adds(&q, "=?UTF-8?Q?");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == ' ')
			sb_addc(&q, '_');
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 strchr("!*+-/", c))
			sb_addc(&q, (char)c);
		else
			sb_addf(&q, "=%02X", c);
	}
	sb_adds(&q, "?=");
	gchar *b64 = g_base64_encode((const guchar *)name, n);
	char *b = xasprintf("=?UTF-8?B?%s?=", b64);
	g_free(b64);
	char *best;
	if (strlen(b) < q.len) {
		best = b;
		sb_free(&q);
	} else {
		best = sb_detach(&q);
		free(b);
	}
	if (strlen(best) > 75) {
		free(best);
		return NULL;
	}
	return best;
}

/* GMime 3.2 leaves '=' as it is inside the Q-encoded words of a display
 * name: "Anne=DEvreux-Lefèvre" goes out as "=?UTF-8?q?Anne=DEvreux-...?=",
 * which every reader decodes with a byte 0xDE in it. When the name holds a
 * '=' and GMime encoded it, the name part of the From line is written again
 * here as one correct encoded word. *msg is replaced (g_free'd). */
static int fix_equals_in_name(char **msg, const struct mime_out *m, struct ct_err *err)
{
	size_t hlen;
	const char *h = header_span(*msg, "From:", &hlen);
	if (!strchr(m->from_name, '=') || !h || !g_strstr_len(h, (gssize)hlen, "=?"))
		return CT_OK;
	char *word = encoded_name(m->from_name);
	if (!word)
		return ct_fail(err, CT_EINPUT,
			       "the sender name '%s' holds '=' and is too long to encode in one piece; "
			       "shorten it",
			       m->from_name);
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, *msg, (size_t)(h - *msg));
	sb_addf(&sb, "From: %s <%s>", word, m->from_addr);
	sb_adds(&sb, h + hlen);
	free(word);
	g_free(*msg);
	*msg = g_strdup(sb_str(&sb));
	sb_free(&sb);
	return CT_OK;
}

/* Whether name's RFC 2047 encoded word fits on the Content-Type line
 * itself, 'Content-Type: application/pdf; name="=?UTF-8?x?...?="', within
 * 78 characters: GMime does not fold a lone parameter, and picks Q or B
 * by its own rule, so the word must fit in 40 characters either way (Q:
 * a letter or digit is one character, any other byte three, "=5F" for
 * '_'; B: four for every three bytes). A longer one goes in RFC 2231
 * continuations, which GMime folds. */
static int name_2047_fits(const char *name)
{
	size_t n = strlen(name), q = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		q += (*c < 0x80 && isalnum(*c)) ? 1 : 3;
	size_t b = 4 * ((n + 2) / 3);
	return 12 + (q > b ? q : b) <= 70;
}

/* GMime writes a part's first parameter on its header's line even when
 * that makes the line longer than 78 characters ('Content-Type:
 * application/pdf; name="=?UTF-8?q?CV=5FSevgi=5F=C3=87etin=2Epdf?="'):
 * such a line is folded before the parameter, where RFC 2045 allows white
 * space, so that it reads 'name=...' on a line of its own. */
static char *fold_param_lines(char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *semi = n > 78 && (!strncmp(p, "Content-Type: ", 14) ||
					      !strncmp(p, "Content-Disposition: ", 21))
					   ? memchr(p, ';', n)
					   : NULL;
		if (semi && semi[1] == ' ') {
			sb_add(&sb, p, (size_t)(semi - p) + 1);
			sb_adds(&sb, "\n\t");
			sb_add(&sb, semi + 2, n - (size_t)(semi + 2 - p));
		} else {
			sb_add(&sb, p, n);
		}
		p += n;
		if (*p == '\n')
			sb_addc(&sb, *p++);
	}
	g_free(s);
	return sb_detach(&sb);
}

/* One attachment as a MIME part: base64, its file name in
 * Content-Disposition (RFC 2231 in UTF-8 when not ASCII: what RFC 2183 and
 * every current reader use) and in Content-Type's name parameter (RFC 2047
 * in UTF-8, as Thunderbird and Outlook write it, for readers that know
 * only that; RFC 2231 when the encoded word would not fit on a line). */
static GMimeObject *attachment_part(const struct mime_attachment *a)
{
	char *type = xstrdup(a->type);
	char *slash = strchr(type, '/');
	*slash = '\0';
	GMimePart *p = g_mime_part_new_with_type(type, slash + 1);
	free(type);
	g_mime_part_set_filename(p, a->name);
	int ascii = is_plain_ascii(a->name);
	GMimeParam *pn = g_mime_param_list_get_parameter(
		g_mime_content_type_get_parameters(g_mime_object_get_content_type(GMIME_OBJECT(p))),
		"name");
	GMimeParam *pf = g_mime_param_list_get_parameter(
		g_mime_content_disposition_get_parameters(
			g_mime_object_get_content_disposition(GMIME_OBJECT(p))),
		"filename");
	/* Left to itself GMime names the smallest charset that fits
	 * (iso-8859-2 for "Gülşen"), which some readers do not know. */
	if (!ascii && pn && pf) {
		g_mime_param_set_charset(pn, "UTF-8");
		g_mime_param_set_charset(pf, "UTF-8");
		g_mime_param_set_encoding_method(pn, name_2047_fits(a->name)
							     ? GMIME_PARAM_ENCODING_METHOD_RFC2047
							     : GMIME_PARAM_ENCODING_METHOD_RFC2231);
		g_mime_param_set_encoding_method(pf, GMIME_PARAM_ENCODING_METHOD_RFC2231);
	}
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)a->data, a->len);
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(p, dw);
	g_object_unref(dw);
	g_object_unref(st);
	g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(p);
}

/* multipart/mixed: the text part, then the attachments. The boundary is
 * "=-" and 24 hex digits of the SHA-256 of the Message-ID (random itself),
 * not GMime's random one, so that building the message again gives the
 * same bytes (compose verifies stored messages that way). "=-" appears in
 * neither quoted-printable nor base64 text, so the boundary cannot occur
 * in a part. */
static GMimeMultipart *multipart_with(const struct mime_out *m, GMimeObject *text)
{
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
	char hex[65], boundary[2 + 24 + 1];
	sha256_hex(m->message_id, strlen(m->message_id), hex);
	snprintf(boundary, sizeof(boundary), "=-%.24s", hex);
	g_mime_multipart_set_boundary(mp, boundary);
	g_mime_multipart_add(mp, text);
	for (int i = 0; i < m->natt; i++) {
		GMimeObject *p = attachment_part(&m->att[i]);
		g_mime_multipart_add(mp, p);
		g_object_unref(p);
	}
	return mp;
}

int mime_build(const struct mime_out *m, char **raw, size_t *len, struct ct_err *err)
{
	*raw = NULL;
	*len = 0;
	int rc = mime_out_check(m, err);
	if (rc)
		return rc;
	mime_init_once();

	/* Reading a zone parses its whole zoneinfo file: the last one is kept,
	 * as a study writes every message in the same zone (this was three
	 * quarters of the time compose took). */
	static GTimeZone *cached_tz;
	static char *cached_id;
	/* compose builds on several threads at once (compose_build_many). */
	static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
	GTimeZone *tz = NULL;
	pthread_mutex_lock(&tz_lock);
	if (m->timezone && cached_id && !strcmp(cached_id, m->timezone)) {
		tz = g_time_zone_ref(cached_tz);
	} else if (m->timezone) {
		tz = g_time_zone_new_identifier(m->timezone);
		if (tz) {
			if (cached_tz)
				g_time_zone_unref(cached_tz);
			free(cached_id);
			cached_tz = g_time_zone_ref(tz);
			cached_id = xstrdup(m->timezone);
		}
	} else {
		tz = g_time_zone_new_utc();
	}
	pthread_mutex_unlock(&tz_lock);
	if (!tz)
		return ct_fail(err, CT_EINPUT, "unknown time zone '%s'", m->timezone);
	GDateTime *utc = g_date_time_new_from_unix_utc((gint64)m->date);
	GDateTime *local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	if (utc)
		g_date_time_unref(utc);
	g_time_zone_unref(tz);
	if (!local)
		return ct_fail(err, CT_EINPUT, "date out of range");

	GMimeMessage *msg = g_mime_message_new(TRUE);
	/* The charset is named so that GMime encodes names and subject as UTF-8
	 * encoded words, not in the first 8-bit charset that happens to fit. */
	InternetAddress *from = internet_address_mailbox_new(m->from_name, m->from_addr);
	internet_address_set_charset(from, "utf-8");
	internet_address_list_add(g_mime_message_get_from(msg), from);
	g_object_unref(from);
	InternetAddress *to = internet_address_mailbox_new(NULL, m->to_addr);
	internet_address_list_add(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), to);
	g_object_unref(to);
	g_mime_message_set_subject(msg, m->subject, "utf-8");
	g_mime_message_set_date(msg, local);
	g_date_time_unref(local);
	/* GMime takes the id without its angle brackets and adds them. */
	char *bare = xstrndup(m->message_id + 1, strlen(m->message_id) - 2);
	g_mime_message_set_message_id(msg, bare);
	free(bare);

	/* The body goes in as UTF-8 bytes with an explicit charset, rather than
	 * through g_mime_text_part_set_text, which may convert to another one. */
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(m->body, strlen(m->body));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), dw);
	g_object_unref(dw);
	g_object_unref(st);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	/* Quoted-printable keeps every line short and 7-bit whatever the text,
	 * so no relay has a reason to re-encode (and break) the message. */
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	if (m->natt) {
		GMimeMultipart *mp = multipart_with(m, GMIME_OBJECT(part));
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mp));
		g_object_unref(mp);
	} else {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	}
	g_object_unref(part);

	GMimeFormatOptions *fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
	char *s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	if (!s)
		return ct_fail(err, CT_EENV, "GMime could not serialise the message");
	if ((rc = fix_equals_in_name(&s, m, err))) {
		g_free(s);
		return rc;
	}
	if (m->natt) {
		/* Back into GMime's allocator, which the code below frees. */
		char *f = fold_param_lines(s);
		s = g_strdup(f);
		free(f);
	}
	if (adjacent_encoded_words(s, "From:")) {
		g_free(s);
		return ct_fail(err, CT_EINPUT,
			       "the sender name '%s' has a word too long to encode in one piece: GMime "
			       "splits it into two encoded words, which mail readers join differently "
			       "(Python's email package inserts a space); shorten its longest word",
			       m->from_name);
	}
	if (folded_in_name(s)) {
		g_free(s);
		return ct_fail(err, CT_EINPUT,
			       "the sender name '%s' is too long for one header line: GMime folds the "
			       "From header inside the name, and mail readers unfold it differently; "
			       "shorten the name",
			       m->from_name);
	}
	*len = strlen(s);
	*raw = xstrndup(s, *len);
	g_free(s);
	return CT_OK;
}

int mime_new_message_id(const char *domain, char **out, struct ct_err *err)
{
	unsigned char r[16];
	*out = NULL;
	if (!domain || !*domain || has_control(domain) || strpbrk(domain, "<>@ ()[]\\,;:\""))
		return ct_fail(err, CT_EINPUT, "cannot make a Message-ID for domain '%s'",
			       domain ? domain : "");
	/* getrandom(2) rather than opening /dev/urandom for every message: an
	 * outbox of 6,000 messages spent its time in those opens. */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return ct_fail(err, CT_EENV, "cannot draw random bytes for a Message-ID");
	/* Hex digits by hand: sixteen printf calls per id were a seventh of
	 * what decline --dry-run spent on 2,790 withdrawals. */
	static const char hex[] = "0123456789abcdef";
	size_t dl = strlen(domain);
	char *id = xmalloc(1 + 2 * sizeof(r) + 1 + dl + 2);
	char *p = id;
	*p++ = '<';
	for (size_t i = 0; i < sizeof(r); i++) {
		*p++ = hex[r[i] >> 4];
		*p++ = hex[r[i] & 15];
	}
	*p++ = '@';
	memcpy(p, domain, dl);
	p += dl;
	*p++ = '>';
	*p = '\0';
	*out = id;
	return CT_OK;
}

int mime_build_reply(const struct mime_out *m, const char *in_reply_to, const char *const *refs,
		     int nrefs, char **raw, size_t *len, struct ct_err *err)
{
	*raw = NULL;
	*len = 0;
	int rc = reply_ids_ok(in_reply_to, refs, nrefs, err);
	if (rc)
		return rc;
	char *base = NULL;
	size_t blen = 0;
	if ((rc = mime_build(m, &base, &blen, err)))
		return rc;
	/* The ids were checked to be printable ASCII without spaces, so the two
	 * headers need no encoding; they go after the Message-ID line that
	 * mime_build always writes. References is folded one id per line. */
	size_t hlen;
	const char *h = header_span(base, "Message-Id:", &hlen);
	if (!h)
		h = header_span(base, "Message-ID:", &hlen);
	if (!h) {
		free(base);
		return ct_fail(err, CT_EENV, "GMime wrote no Message-ID header");
	}
	size_t at = (size_t)(h - base) + hlen + 1; /* past the line's newline */
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, base, at);
	if (in_reply_to)
		sb_addf(&sb, "In-Reply-To: %s\n", in_reply_to);
	if (nrefs) {
		sb_adds(&sb, "References:");
		for (int i = 0; i < nrefs; i++)
			sb_addf(&sb, "%s%s", i ? "\n " : " ", refs[i]);
		sb_addc(&sb, '\n');
	}
	sb_add(&sb, base + at, blen - at);
	free(base);
	*len = sb.len;
	*raw = sb_detach(&sb);
	return CT_OK;
}
