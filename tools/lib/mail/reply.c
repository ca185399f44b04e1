/* reply.c: parse an incoming message with GMime 3: identifiers, sender,
 * subject, date, the readable text (any charset, transfer encoding and MIME
 * shape), and whether it is a bounce (a DSN or an MTA's failure text). */
#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "mail/mimescan.h"
#include "mail/reply.h"
#include "base/timeutil.h"
#include "base/banned.h"

void reply_free(struct reply *r)
{
	if (!r)
		return;
	free(r->message_id), free(r->from_addr), free(r->from_name), free(r->to_addr), free(r->subject);
	free(r->date), free(r->in_reply_to), free(r->text);
	for (int i = 0; i < r->nrefs; i++)
		free(r->refs[i]);
	free(r->refs);
	free(r->bounce_reason), free(r->bounce_status), free(r->bounce_message_id);
	free(r->bounce_rcpt);
	free(r);
}

/* ---- text and charsets ---------------------------------------------------- */

/* Windows-1252's 0x80..0x9F; 0 where it has no character. */
static const unsigned short cp1252_hi[32] = {
	0x20AC, 0,	0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0,	0x017D, 0,	0,	0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,	0x017E, 0x0178
};

static char *cp1252_to_utf8(const char *s, size_t n)
{
	/* At most three bytes a character; written in place, as coding
	 * converts every reply. */
	char *out = xmalloc(3 * n + 1), *w = out;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c >= 0x80 && c < 0xA0)
			c = cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : 0xFFFD;
		if (c < 0x80) {
			*w++ = (char)c;
		} else if (c < 0x800) {
			*w++ = (char)(0xC0 | c >> 6);
			*w++ = (char)(0x80 | (c & 0x3F));
		} else {
			*w++ = (char)(0xE0 | c >> 12);
			*w++ = (char)(0x80 | ((c >> 6) & 0x3F));
			*w++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*w = 0;
	return out;
}

/* CRLF and lone CR become LF; NUL bytes are dropped (they end C strings). */
static char *normalise_newlines(char *s)
{
	char *w = strchr(s, '\r');
	if (!w)
		return s; /* most text has LF lines already */
	for (char *p = w; *p; p++) {
		if (*p == '\r') {
			*w++ = '\n';
			if (p[1] == '\n')
				p++;
		} else {
			*w++ = *p;
		}
	}
	*w = 0;
	return s;
}

/* s[0..n) with each byte that is not part of a valid UTF-8 sequence
 * replaced by U+FFFD, and the rest kept. *multi gets the number of valid
 * multi-byte characters, *bad the number of bytes replaced. Caller frees. */
static char *utf8_repair(const char *s, size_t n, size_t *multi, size_t *bad)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0;
	*multi = *bad = 0;
	sb_add(&sb, "", 0);
	while (i < n) {
		size_t off = 0;
		int ok = utf8_check(s + i, n - i, &off);
		size_t good = ok ? n - i : off;
		for (size_t k = 0; k < good; k++)
			*multi += ((unsigned char)s[i + k] & 0xC0) == 0xC0;
		sb_add(&sb, s + i, good);
		i += good;
		if (!ok) {
			sb_add_utf8(&sb, 0xFFFD);
			(*bad)++;
			i++;
		}
	}
	return sb_detach(&sb);
}

static int is_utf8_label(const char *charset)
{
	return charset && (!g_ascii_strcasecmp(charset, "utf-8") || !g_ascii_strcasecmp(charset, "utf8"));
}

/* What the strict conversion below makes of s[0..n) (no NUL in it) from
 * the charsets most replies use, without opening iconv: the same bytes
 * for UTF-8 that is valid and ASCII that is ASCII, a table for ISO-8859-1
 * and for Windows-1252 when every byte is one of its characters (glibc's
 * CP1252 has none at 0x81, 0x8D, 0x8F, 0x90, 0x9D). NULL: not one of
 * these, or bytes the strict conversion would refuse; iconv decides. A
 * unit test holds each to g_convert. */
static char *known_charset(const char *s, size_t n, const char *name)
{
	int latin1 = !g_ascii_strcasecmp(name, "iso-8859-1") || !g_ascii_strcasecmp(name, "latin1") ||
		     !g_ascii_strcasecmp(name, "iso_8859-1") || !g_ascii_strcasecmp(name, "l1");
	int cp1252 = !g_ascii_strcasecmp(name, "cp1252") || !g_ascii_strcasecmp(name, "windows-1252");
	int ascii = !g_ascii_strcasecmp(name, "us-ascii") || !g_ascii_strcasecmp(name, "ascii");
	if (is_utf8_label(name))
		return utf8_check(s, n, NULL) ? xstrndup(s, n) : NULL;
	if (!latin1 && !cp1252 && !ascii)
		return NULL;
	/* ASCII reads the same in all three: most replies are. */
	if (ascii_prefix(s, n) == n)
		return xstrndup(s, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 && (ascii || (cp1252 && c < 0xA0 && !cp1252_hi[c - 0x80])))
			return NULL;
	}
	/* ASCII text reads the same through Windows-1252's table. */
	if (cp1252 || ascii)
		return cp1252_to_utf8(s, n);
	char *out = xmalloc(2 * n + 1), *w = out;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c < 0x80) {
			*w++ = (char)c;
		} else {
			*w++ = (char)(0xC0 | c >> 6);
			*w++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*w = 0;
	return out;
}

char *reply_to_utf8(const char *bytes, size_t len, const char *charset)
{
	char *out = NULL;
	/* Drop NUL bytes first: no text needs them and they would cut it. */
	char *clean = xmalloc(len + 1);
	size_t n = 0;
	const char *nul = memchr(bytes, 0, len);
	if (!nul) {
		memcpy(clean, bytes, len);
		n = len;
	}
	for (size_t i = 0; nul && i < len; i++)
		if (bytes[i])
			clean[n++] = bytes[i];
	clean[n] = 0;

	const char *name = charset && *charset && !has_control(charset)
				   ? g_mime_charset_iconv_name(charset)
				   : NULL;
	if (name)
		out = known_charset(clean, n, name);
	if (!out && name) {
		GError *ge = NULL;
		gsize rd = 0, wr = 0;
		/* Strict first: bytes that do not fit the label mean the label is
		 * wrong, and the fallbacks below do better than '?' marks. A
		 * character cut at the end leaves input unread (rd < n). */
		gchar *conv = g_convert(clean, (gssize)n, "UTF-8", name, &rd, &wr, &ge);
		if (conv && !ge && rd == n && g_utf8_validate(conv, (gssize)wr, NULL) &&
		    strlen(conv) == wr)
			out = xstrdup(conv);
		g_free(conv);
		if (ge)
			g_error_free(ge);
	}
	if (!out && utf8_check(clean, n, NULL))
		out = xstrdup(clean);
	if (!out && (is_utf8_label(charset) || !charset || !*charset)) {
		/* UTF-8 with a few damaged bytes (a gateway cut a character, one
		 * byte in another charset): replace those bytes only. Read as
		 * Windows-1252, every valid character of the text would become
		 * mojibake ("Ã©"). Text labelled UTF-8 is UTF-8, as its label
		 * says; unlabelled text is when its valid multi-byte characters
		 * outnumber the bad bytes. Otherwise it is 8-bit text in another
		 * charset: Windows-1252 below reads it, and no UTF-8 is there to
		 * garble. */
		size_t multi = 0, bad = 0;
		char *fixed = utf8_repair(clean, n, &multi, &bad);
		if (is_utf8_label(charset) || multi > bad)
			out = fixed;
		else
			free(fixed);
	}
	if (!out)
		out = cp1252_to_utf8(clean, n);
	free(clean);
	return normalise_newlines(out);
}

/* A copy of s that is valid UTF-8 on one line: controls become spaces. */
static char *one_line(const char *s)
{
	if (!s)
		return NULL;
	char *c = reply_to_utf8(s, strlen(s), "utf-8");
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
	return str_trim(c);
}

static int has_prefix_ci(const char *s, const char *prefix)
{
	return !g_ascii_strncasecmp(s, prefix, strlen(prefix));
}

static const char *strcasestr_ascii(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (!g_ascii_strncasecmp(p, needle, n))
			return p;
	return NULL;
}

/* ---- HTML to text ---------------------------------------------------------- */

struct entity {
	const char *name;
	unsigned short cp;
};
/* The named references that mail actually uses (Western languages, typography). */
static const struct entity entities[] = {
	{ "amp", '&' },	     { "lt", '<' },	   { "gt", '>' },	 { "quot", '"' },
	{ "apos", '\'' },    { "nbsp", 0xA0 },	   { "shy", 0xAD },	 { "copy", 0xA9 },
	{ "reg", 0xAE },     { "euro", 0x20AC },   { "hellip", 0x2026 }, { "ndash", 0x2013 },
	{ "mdash", 0x2014 }, { "laquo", 0xAB },	   { "raquo", 0xBB },	 { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201C },  { "rdquo", 0x201D },	 { "bdquo", 0x201E },
	{ "sbquo", 0x201A }, { "bull", 0x2022 },   { "middot", 0xB7 },	 { "deg", 0xB0 },
	{ "sup2", 0xB2 },    { "times", 0xD7 },	   { "szlig", 0xDF },	 { "agrave", 0xE0 },
	{ "aacute", 0xE1 },  { "acirc", 0xE2 },	   { "auml", 0xE4 },	 { "ccedil", 0xE7 },
	{ "egrave", 0xE8 },  { "eacute", 0xE9 },   { "ecirc", 0xEA },	 { "euml", 0xEB },
	{ "igrave", 0xEC },  { "iacute", 0xED },   { "icirc", 0xEE },	 { "iuml", 0xEF },
	{ "ntilde", 0xF1 },  { "ograve", 0xF2 },   { "oacute", 0xF3 },	 { "ocirc", 0xF4 },
	{ "ouml", 0xF6 },    { "ugrave", 0xF9 },   { "uacute", 0xFA },	 { "ucirc", 0xFB },
	{ "uuml", 0xFC },    { "yuml", 0xFF },	   { "Agrave", 0xC0 },	 { "Aacute", 0xC1 },
	{ "Acirc", 0xC2 },   { "Auml", 0xC4 },	   { "Ccedil", 0xC7 },	 { "Egrave", 0xC8 },
	{ "Eacute", 0xC9 },  { "Ecirc", 0xCA },	   { "Euml", 0xCB },	 { "Icirc", 0xCE },
	{ "Iuml", 0xCF },    { "Ocirc", 0xD4 },	   { "Ouml", 0xD6 },	 { "Ugrave", 0xD9 },
	{ "Ucirc", 0xDB },   { "Uuml", 0xDC },	   { "oelig", 0x153 },	 { "OElig", 0x152 },
	{ "scaron", 0x161 }, { "Scaron", 0x160 },  { "ccaron", 0x10D },	 { "gbreve", 0x11F },
	{ "zwnj", 0x200C },  { "zwj", 0x200D },	   { "ensp", 0x2002 },	 { "emsp", 0x2003 },
	{ "thinsp", 0x2009 },
};

/* Decodes the reference at s ('&' ...) into sb; returns the bytes used, or 0
 * when it is not one (the '&' is then literal). */
static size_t decode_entity(const char *s, struct strbuf *sb)
{
	if (s[1] == '#') {
		unsigned long cp = 0;
		size_t i = 2;
		int hex = s[2] == 'x' || s[2] == 'X', digits = 0;
		if (hex)
			i++;
		for (; digits < 8; i++, digits++) {
			int c = (unsigned char)s[i];
			if (isdigit(c))
				cp = cp * (hex ? 16 : 10) + (unsigned long)(c - '0');
			else if (hex && isxdigit(c))
				cp = cp * 16 + (unsigned long)(tolower(c) - 'a' + 10);
			else
				break;
		}
		if (!digits)
			return 0;
		/* Numeric references in 0x80..0x9F mean Windows-1252 in practice. */
		if (cp >= 0x80 && cp < 0xA0 && cp1252_hi[cp - 0x80])
			cp = cp1252_hi[cp - 0x80];
		sb_add_utf8(sb, cp == 0xA0 ? ' ' : cp);
		return i + (s[i] == ';');
	}
	size_t n = 0;
	while (n < 10 && isalnum((unsigned char)s[1 + n]))
		n++;
	if (!n)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(entities); k++) {
		if (strlen(entities[k].name) == n && !strncmp(entities[k].name, s + 1, n)) {
			unsigned long cp = entities[k].cp;
			sb_add_utf8(sb, cp == 0xA0 ? ' ' : cp); /* a no-break space reads as a space */
			return 1 + n + (s[1 + n] == ';');
		}
	}
	return 0;
}

static int tag_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

/* Ends the current line (unless it is already ended); with para, also
 * leaves one empty line. */
static void html_break(struct strbuf *sb, int para)
{
	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = 0;
	if (!sb->len)
		return;
	if (sb->buf[sb->len - 1] != '\n')
		sb_addc(sb, '\n');
	if (para && (sb->len < 2 || sb->buf[sb->len - 2] != '\n'))
		sb_addc(sb, '\n');
}

/* Before text is added at the start of a line inside depth <blockquote>
 * elements, the quote marks a plain-text client would write there. */
static void quote_marks(struct strbuf *sb, int depth)
{
	if (depth <= 0 || (sb->len && sb->buf[sb->len - 1] != '\n'))
		return;
	for (int i = 0; i < depth && i < 32; i++)
		sb_adds(sb, "> ");
}

static char *html_to_text(const char *html, size_t len, int mark_quotes)
{
	static const char *const skip[] = { "script", "style", "head", "title", "noscript",
					    "template", NULL };
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6", "table",
					     "blockquote", "ul", "ol", "dl", "pre", NULL };
	static const char *const line[] = { "br", "div", "tr", "li", "dt", "dd", "hr",
					     "section", "article", "header", "footer", "address",
					     "center", "form", "fieldset", "caption", NULL };
	struct strbuf sb = STRBUF_INIT;
	char *src = xstrndup(html, len);
	int pre = 0, depth = 0; /* depth: open <blockquote>s, with mark_quotes */
	sb_add(&sb, "", 0);
	for (const char *p = src; *p;) {
		if (*p == '<') {
			if (!strncmp(p, "<!--", 4)) {
				const char *e = strstr(p + 4, "-->");
				p = e ? e + 3 : p + strlen(p);
				continue;
			}
			const char *q = p + 1;
			int closing = 0;
			if (*q == '/')
				closing = 1, q++;
			if (!isalpha((unsigned char)*q)) {
				if (*q == '!' || *q == '?') { /* doctype, processing instruction */
					const char *e = strchr(q, '>');
					p = e ? e + 1 : p + strlen(p);
					continue;
				}
				/* A '<' that starts no tag is text ("a < b"). */
				quote_marks(&sb, depth);
				sb_addc(&sb, '<');
				p++;
				continue;
			}
			char name[16];
			size_t n = 0;
			while (isalnum((unsigned char)*q)) {
				if (n + 1 < sizeof(name))
					name[n++] = (char)tolower((unsigned char)*q);
				q++;
			}
			name[n] = 0;
			/* The tag ends at the first '>' outside a quoted attribute. */
			char quote = 0;
			while (*q && (quote || *q != '>')) {
				if (quote && *q == quote)
					quote = 0;
				else if (!quote && (*q == '"' || *q == '\''))
					quote = *q;
				q++;
			}
			p = *q ? q + 1 : q;
			if (!closing && tag_is(name, skip)) {
				/* Skip to the matching end tag (or the end of the text). */
				char *end = xasprintf("</%s", name);
				const char *e = strcasestr_ascii(p, end);
				free(end);
				if (!e) {
					p += strlen(p);
				} else {
					const char *gt = strchr(e, '>');
					p = gt ? gt + 1 : e + strlen(e);
				}
				continue;
			}
			if (!strcmp(name, "pre"))
				pre = !closing;
			if (mark_quotes && !strcmp(name, "blockquote"))
				depth += closing ? (depth > 0 ? -1 : 0) : 1;
			if (!strcmp(name, "br")) {
				while (sb.len && sb.buf[sb.len - 1] == ' ')
					sb.buf[--sb.len] = 0;
				sb_addc(&sb, '\n');
			} else if (tag_is(name, para)) {
				html_break(&sb, 1);
			} else if (tag_is(name, line)) {
				html_break(&sb, 0);
				if (!strcmp(name, "li") && !closing) {
					quote_marks(&sb, depth);
					sb_adds(&sb, "- ");
				}
			} else if ((!strcmp(name, "td") || !strcmp(name, "th")) && !closing) {
				if (sb.len && sb.buf[sb.len - 1] != '\n' && sb.buf[sb.len - 1] != ' ')
					sb_addc(&sb, ' ');
			}
			continue;
		}
		if (*p == '&') {
			quote_marks(&sb, depth);
			size_t used = decode_entity(p, &sb);
			if (used) {
				p += used;
				continue;
			}
			sb_addc(&sb, '&');
			p++;
			continue;
		}
		if (!pre && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')) {
			/* HTML white space is one space, and none at the start of a line. */
			if (sb.len && sb.buf[sb.len - 1] != ' ' && sb.buf[sb.len - 1] != '\n')
				sb_addc(&sb, ' ');
			p++;
			continue;
		}
		/* A run of text with no markup, entity or white space: copied
		 * whole (quote marks go only at the start of a line). */
		size_t run = strcspn(p, "<& \t\n\r\f");
		if (run > 1) {
			quote_marks(&sb, depth);
			sb_add(&sb, p, run);
			p += run;
			continue;
		}
		if (*p != '\r')
			quote_marks(&sb, depth);
		sb_addc(&sb, *p == '\r' ? '\n' : *p);
		p++;
	}
	free(src);

	/* Tidy: no spaces at line ends, at most one empty line in a row, none at
	 * the start or the end; the text ends with one newline. */
	struct strbuf out = STRBUF_INIT;
	sb_add(&out, "", 0);
	const char *s = sb.buf;
	int blank = 0;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		size_t m = n;
		while (m && (s[m - 1] == ' ' || s[m - 1] == '\t'))
			m--;
		if (!m) {
			blank = out.len > 0;
		} else {
			if (blank)
				sb_addc(&out, '\n');
			blank = 0;
			sb_add(&out, s, m);
			sb_addc(&out, '\n');
		}
		s += n + (e != NULL);
	}
	sb_free(&sb);
	return sb_detach(&out);
}

char *reply_html_to_text(const char *html, size_t len)
{
	return html_to_text(html, len, 0);
}

char *reply_html_to_text_quoted(const char *html, size_t len)
{
	return html_to_text(html, len, 1);
}

/* ---- the MIME tree ---------------------------------------------------------- */

/* The decoded bytes of a leaf part (transfer encoding undone), NUL-terminated. */
static char *part_bytes(GMimePart *part, size_t *len)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	*len = 0;
	if (!dw)
		return xstrdup("");
	GMimeStream *st = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, st);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	char *out = xstrndup(ba && ba->len ? (const char *)ba->data : "", ba ? ba->len : 0);
	*len = ba ? ba->len : 0;
	g_object_unref(st);
	return out;
}

/* The charset an HTML document names in a <meta> tag, when the MIME header
 * names none. Borrowed into buf. */
static const char *html_meta_charset(const char *html, char *buf, size_t bufsz)
{
	char head[2048];
	size_t n = strlen(html);
	if (n >= sizeof(head))
		n = sizeof(head) - 1;
	memcpy(head, html, n);
	head[n] = 0;
	const char *c = strcasestr_ascii(head, "charset=");
	if (!c)
		return NULL;
	c += 8;
	while (*c == '"' || *c == '\'' || *c == ' ')
		c++;
	size_t k = 0;
	while (c[k] && k + 1 < bufsz && (isalnum((unsigned char)c[k]) || strchr("-_.:", c[k]))) {
		buf[k] = c[k];
		k++;
	}
	buf[k] = 0;
	return k ? buf : NULL;
}

/* Whether a Content-Type value starts with type "/" subtype, tokens in the
 * sense of RFC 2045 section 5.1 (after optional white space). */
static int content_type_ok(const char *v)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";
	const char *p = v;
	while (*p == ' ' || *p == '\t')
		p++;
	for (int side = 0; side < 2; side++) {
		const char *t = p;
		while (*p > 0x20 && *p < 0x7F && !strchr(tspecials, *p))
			p++;
		if (p == t)
			return 0;
		if (side == 0 && *p++ != '/')
			return 0;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return !*p || *p == ';' || *p == '(';
}

/* A leaf part whose Content-Type is malformed ("text", "te xt/plain",
 * ";charset=utf-8"): GMime calls it application/octet-stream, and its text
 * would be lost. RFC 2045 section 5.2 says to read it as plain text, as
 * Python's email package does. */
static int malformed_content_type(GMimeObject *obj)
{
	const char *v = g_mime_object_get_header(obj, "Content-Type");
	return v && !content_type_ok(v);
}

/* The text of a text part's decoded bytes (NUL-terminated) as UTF-8,
 * made readable when it is HTML: what both readers of the MIME tree (GMime's
 * and mimescan's) make of a leaf. */
static char *bytes_text(const char *bytes, size_t len, const char *charset, int is_html,
			int mark_quotes)
{
	char mbuf[64];
	if (is_html && !charset)
		charset = html_meta_charset(bytes, mbuf, sizeof(mbuf));
	char *text = reply_to_utf8(bytes, len, charset);
	if (is_html) {
		char *t = html_to_text(text, strlen(text), mark_quotes);
		free(text);
		text = t;
	}
	return text;
}

/* The text of a text/... part as UTF-8; html set when it was HTML and was
 * made readable. as_plain: the part's Content-Type is malformed; read it
 * as text/plain (with the charset GMime found in it, if any). */
static char *part_text(GMimeObject *obj, int *html, int as_plain, int mark_quotes)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	size_t len;
	char *bytes = part_bytes(GMIME_PART(obj), &len);
	int is_html = !as_plain && ct && g_mime_content_type_is_type(ct, "text", "html");
	char *text = bytes_text(bytes, len, charset, is_html, mark_quotes);
	free(bytes);
	if (html)
		*html = is_html;
	return text;
}

static int is_attachment(GMimeObject *obj)
{
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
	return cd && g_mime_content_disposition_is_attachment(cd);
}

/* What the walk over the parts collects. */
struct walk {
	char *plain, *html;   /* the first non-empty text/plain and text/html of the body */
	struct strbuf all;    /* every text part and returned header block, for bounce texts */
	struct strbuf dsn;    /* message/delivery-status content */
	char *returned_id;    /* Message-ID of a returned message (message/rfc822) */
	char *returned_to;    /* its first To address */
	int depth;
	int mark_quotes;      /* REPLY_HTML_QUOTES: mark <blockquote> lines with '> ' */
};

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static char *bracketed(const char *id)
{
	if (!id || !*id)
		return NULL;
	if (id[0] == '<')
		return one_line(id);
	char *t = xasprintf("<%s>", id);
	char *o = one_line(t);
	free(t);
	return o;
}

static char *first_addr(InternetAddressList *l)
{
	int n = l ? internet_address_list_length(l) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
			if (addr && *addr)
				return g_ascii_strdown(addr, -1);
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			char *r = first_addr(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
			if (r)
				return r;
		}
	}
	return NULL;
}

static void walk_part(GMimeObject *obj, struct walk *w, int in_returned)
{
	if (++w->depth > 32) { /* a hostile nesting must not exhaust the stack */
		w->depth--;
		return;
	}
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk_part(g_mime_multipart_get_part(mp, i), w, in_returned);
		/* A multipart without a (matching) boundary has no parts: GMime
		 * keeps its content as the prologue, which is then the text. */
		const char *pro = g_mime_multipart_get_prologue(mp);
		if (!n && pro && !blank(pro) && !in_returned) {
			char *t = reply_to_utf8(pro, strlen(pro), NULL);
			sb_adds(&w->all, t);
			sb_addc(&w->all, '\n');
			if (!w->plain)
				w->plain = t;
			else
				free(t);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m) {
			if (!w->returned_id)
				w->returned_id = bracketed(g_mime_message_get_message_id(m));
			if (!w->returned_to)
				w->returned_to = first_addr(
					g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO));
			/* Its headers, for a bounce text that quotes them. */
			GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
			char *h = hl ? g_mime_header_list_to_string(hl, NULL) : NULL;
			if (h) {
				sb_adds(&w->all, h);
				sb_addc(&w->all, '\n');
				g_free(h);
			}
			GMimeObject *body = g_mime_message_get_mime_part(m);
			if (body)
				walk_part(body, w, 1);
		}
	} else if (GMIME_IS_PART(obj) && ct) {
		if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
		    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
			size_t len;
			char *b = part_bytes(GMIME_PART(obj), &len);
			char *t = reply_to_utf8(b, len, "utf-8");
			sb_adds(&w->dsn, t);
			sb_addc(&w->dsn, '\n');
			free(t), free(b);
		} else if (g_mime_content_type_is_type(ct, "text", "*") ||
			   g_mime_content_type_is_type(ct, "message", "rfc822-headers") ||
			   malformed_content_type(obj)) {
			int html = 0;
			char *t = part_text(obj, &html, !g_mime_content_type_is_type(ct, "text", "*") &&
							       malformed_content_type(obj), w->mark_quotes);
			sb_adds(&w->all, t);
			sb_addc(&w->all, '\n');
			/* Returned headers (message/rfc822-headers, RFC 6522, or
			 * the older text/rfc822-headers) are never the body. */
			int body_text = !in_returned && !is_attachment(obj) && !blank(t) &&
					!g_mime_content_type_is_type(ct, "*", "rfc822-headers");
			if (body_text && html && !w->html)
				w->html = t;
			else if (body_text && !html && !w->plain &&
				 (g_mime_content_type_is_type(ct, "text", "plain") ||
				  !g_mime_content_type_is_type(ct, "text", "calendar")))
				w->plain = t;
			else
				free(t);
		}
	}
	w->depth--;
}

/* ---- bounces ---------------------------------------------------------------- */

/* The next "<...>" id after p, or NULL. */
static char *angle_id(const char *p)
{
	const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *nl = strchr(p, '\n');
	if (!lt || !gt || (nl && lt > nl) || gt - lt < 3 || gt - lt > 250)
		return NULL;
	char *id = xstrndup(lt, (size_t)(gt - lt + 1));
	if (!strchr(id, '@') || strpbrk(id + 1, " \t<")) {
		free(id);
		return NULL;
	}
	return id;
}

/* The first "Message-ID: <...>" line of text (returned headers). */
static char *find_message_id(const char *text)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p;
		while (*q == ' ' || *q == '\t' || *q == '>')
			q++;
		if (has_prefix_ci(q, "Message-ID:")) {
			char *id = angle_id(q + 11);
			if (!id) {
				/* The id may be on the next (folded) line. */
				const char *nl = strchr(q, '\n');
				if (nl && (nl[1] == ' ' || nl[1] == '\t'))
					id = angle_id(nl + 1);
			}
			if (id)
				return id;
		}
	}
	return NULL;
}

static int is_addr_char(int c)
{
	return isalnum(c) || (c && strchr(".!#$%&'*+/=?^_`{|}~-", c));
}

/* An address that starts exactly at p (local@domain.tld), copied in lower
 * case; NULL if there is none. *end is set past it. */
static char *addr_at(const char *p, const char **end)
{
	const char *q = p;
	while (is_addr_char((unsigned char)*q))
		q++;
	if (q == p || *q != '@')
		return NULL;
	const char *d = ++q;
	while (isalnum((unsigned char)*q) || *q == '-' || *q == '.')
		q++;
	while (q > d && q[-1] == '.')
		q--;
	if (q == d || !memchr(d, '.', (size_t)(q - d)))
		return NULL;
	if (end)
		*end = q;
	char *a = xstrndup(p, (size_t)(q - p));
	for (char *c = a; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return a;
}

/* The first status code "5.x.y" (or "4.x.y" when perm is 0) in text. */
static char *find_status(const char *text, int perm)
{
	for (const char *p = text; *p; p++) {
		if ((*p == '5' || (!perm && *p == '4')) && p[1] == '.' &&
		    (p == text || !isalnum((unsigned char)p[-1]) ) && isdigit((unsigned char)p[2])) {
			const char *q = p + 2;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q != '.' || !isdigit((unsigned char)q[1]))
				continue;
			q++;
			while (isdigit((unsigned char)*q))
				q++;
			if (q - p > 9 || isalnum((unsigned char)*q) || *q == '.')
				continue;
			return xstrndup(p, (size_t)(q - p));
		}
	}
	return NULL;
}

/* Unfolded "Field: value" fields of a DSN block, one per call. */
static char *dsn_field(const char *dsn, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = dsn; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (g_ascii_strncasecmp(p, name, n) || p[n] != ':')
			continue;
		struct strbuf sb = STRBUF_INIT;
		const char *v = p + n + 1;
		for (;;) {
			const char *nl = strchr(v, '\n');
			size_t len = nl ? (size_t)(nl - v) : strlen(v);
			if (sb.len)
				sb_addc(&sb, ' ');
			sb_add(&sb, v, len);
			if (!nl || (nl[1] != ' ' && nl[1] != '\t'))
				break;
			v = nl + 1;
		}
		char *r = one_line(sb_str(&sb));
		sb_free(&sb);
		/* Collapse the folding white space. */
		char *w = r;
		for (char *q = r; *q; q++)
			if (!(*q == ' ' && w > r && w[-1] == ' '))
				*w++ = *q;
		*w = 0;
		return r;
	}
	return NULL;
}

/* The value after "type;" (e.g. "rfc822; a@b" -> "a@b", "smtp; 550 ..."). */
static const char *after_type(const char *v)
{
	const char *semi = strchr(v, ';');
	if (!semi)
		return v;
	semi++;
	while (*semi == ' ')
		semi++;
	return semi;
}

/* Subjects of failure notices, as MTAs in the languages of the studies
 * write them; matched case-insensitively anywhere in the subject. */
static const char *const bounce_subjects[] = {
	"undelivered mail returned to sender",
	"delivery status notification (failure)",
	"mail delivery failed",
	"mail delivery failure",
	"delivery failure",
	"failure notice",
	"returned mail",
	"undeliverable",
	"undelivered mail",
	"message not delivered",
	"could not be delivered",
	"delivery has failed",
	"unzustellbar",
	"onbestelbaar",
	"niet bezorgd",
	"niet afgeleverd",
	"non remis",
	"non distribuable",
	"remise impossible",
	"\xc3\xa9" "chec de la remise",
	"\xc3\xa9" "chec de remise",
	NULL
};

static int subject_says_failure(const char *subject)
{
	if (!subject)
		return 0;
	for (int i = 0; bounce_subjects[i]; i++)
		if (strcasestr_ascii(subject, bounce_subjects[i]))
			return 1;
	return 0;
}

static int subject_says_delay(const char *subject)
{
	static const char *const words[] = { "delayed mail", "delivery delayed", "delivery status notification (delay)",
					     "warning: message", "vertraagd", "retard", NULL };
	for (int i = 0; subject && words[i]; i++)
		if (strcasestr_ascii(subject, words[i]))
			return 1;
	return 0;
}

/* A human's reply or forward keeps "Re:"/"Fwd:"; an MTA never writes them. */
static int subject_is_reply(const char *subject)
{
	static const char *const pre[] = { "re:", "aw:", "fw:", "fwd:", "tr:", "antw:", "wg:", NULL };
	const char *s = subject;
	while (s && (*s == ' ' || *s == '['))
		s++;
	for (int i = 0; s && pre[i]; i++)
		if (has_prefix_ci(s, pre[i]))
			return 1;
	return 0;
}

static int daemon_sender(const char *addr)
{
	if (!addr)
		return 0;
	static const char *const names[] = { "mailer-daemon@", "postmaster@", "mail-daemon@",
					     "mailerdaemon@", NULL };
	for (int i = 0; names[i]; i++)
		if (has_prefix_ci(addr, names[i]))
			return 1;
	return 0;
}

/* The diagnostic line of a bounce text: the first line that holds the
 * status, an SMTP reply code 5xx, or "said:", with its indented
 * continuation lines; trimmed to a sensible length. */
static char *diagnostic_line(const char *text, const char *status)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		int hit = strstr(line, " said:") || (status && strstr(line, status));
		for (const char *q = line; !hit && *q; q++)
			hit = (q == line || !isalnum((unsigned char)q[-1])) && q[0] == '5' &&
			      isdigit((unsigned char)q[1]) && isdigit((unsigned char)q[2]) &&
			      (q[3] == ' ' || q[3] == '-');
		free(line);
		if (!hit)
			continue;
		struct strbuf sb = STRBUF_INIT;
		sb_add(&sb, p, n);
		while (nl && (nl[1] == ' ' || nl[1] == '\t')) {
			const char *q = nl + 1, *e = strchr(q, '\n');
			sb_adds(&sb, " ");
			sb_add(&sb, q, e ? (size_t)(e - q) : strlen(q));
			nl = e;
		}
		char *r = one_line(sb_str(&sb));
		sb_free(&sb);
		char *w = r;
		for (char *q = r; *q; q++)
			if (!(*q == ' ' && (w == r || w[-1] == ' ')))
				*w++ = *q;
		*w = 0;
		return r;
	}
	return NULL;
}

/* The failed recipient named in a bounce text: a line "<addr>:" (Postfix),
 * or a line that holds only an address (Exim and others). */
static char *text_recipient(const char *text, const char *not1, const char *not2)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p, *e = NULL;
		while (*q == ' ' || *q == '\t')
			q++;
		int lt = *q == '<';
		char *a = addr_at(q + lt, &e);
		if (!a)
			continue;
		int ok = lt ? (*e == '>' && (e[1] == ':' || e[1] == '\n' || e[1] == ' ' || !e[1]))
			    : (*e == '\n' || *e == ':' || !*e || *e == ' ');
		if (ok && (!not1 || strcmp(a, not1)) && (!not2 || strcmp(a, not2)))
			return a;
		free(a);
	}
	return NULL;
}

static void classify_bounce(struct reply *r, GMimeMessage *msg, struct walk *w)
{
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	GMimeContentType *ct = top ? g_mime_object_get_content_type(top) : NULL;
	const char *rt = ct ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
	int report = ct && g_mime_content_type_is_type(ct, "multipart", "report") && rt &&
		     (!g_ascii_strcasecmp(rt, "delivery-status") ||
		      !g_ascii_strcasecmp(rt, "global-delivery-status"));
	const char *all = sb_str(&w->all);
	char *to = first_addr(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));

	if (report || w->dsn.len) {
		const char *dsn = sb_str(&w->dsn);
		char *action = dsn_field(dsn, "Action"), *status = dsn_field(dsn, "Status");
		char *diag = dsn_field(dsn, "Diagnostic-Code");
		char *final = dsn_field(dsn, "Final-Recipient");
		if (!final)
			final = dsn_field(dsn, "Original-Recipient");
		r->is_dsn = 1;
		int failed = action ? has_prefix_ci(action, "failed")
				    : (status && status[0] == '5');
		if (report && !action && !status &&
		    !(subject_says_delay(r->subject) && !subject_says_failure(r->subject))) {
			/* A delivery report whose delivery-status part is missing or
			 * unreadable: it reports a failure all the same (reason
			 * unknown), unless its subject says the mail is only delayed.
			 * Taken for a mere notice, the bounce would leave its
			 * application counted as sent and unanswered. */
			char *dl = diagnostic_line(all, NULL);
			r->is_bounce = 1;
			r->bounce_status = find_status(all, 1);
			r->bounce_rcpt = text_recipient(all, to, r->from_addr);
			r->bounce_reason = dl ? dl : xstrdup("reason unknown (the delivery report could not be read)");
		} else if (failed) {
			r->is_bounce = 1;
			r->bounce_status = status && *status ? xstrndup(status, strcspn(status, " ("))
							     : find_status(all, 1);
			if (final) {
				const char *a = after_type(final);
				char *addr = addr_at(a + (*a == '<'), NULL);
				r->bounce_rcpt = addr;
			}
			const char *d = diag ? after_type(diag) : NULL;
			char *dl = d ? NULL : diagnostic_line(all, r->bounce_status);
			r->bounce_reason = xasprintf("%s%s%s", r->bounce_status ? r->bounce_status : "",
						     r->bounce_status && (d || dl) ? " " : "",
						     d ? d : dl ? dl : "");
			free(dl);
		}
		free(action), free(status), free(diag), free(final);
	} else if (!subject_is_reply(r->subject)) {
		int daemon = daemon_sender(r->from_addr);
		int says_failure = subject_says_failure(r->subject);
		char *perm = find_status(all, 1);
		char *diag = diagnostic_line(all, perm);
		if (daemon && subject_says_delay(r->subject) && !says_failure) {
			r->is_dsn = 1;
		} else if ((daemon && (says_failure || perm || diag)) ||
			   (says_failure && (perm || diag))) {
			r->is_bounce = r->is_dsn = 1;
			r->bounce_status = perm;
			perm = NULL;
			r->bounce_reason = diag ? xstrdup(diag)
						: xasprintf("%s%s%s", r->bounce_status ? r->bounce_status : "",
							    r->bounce_status ? " " : "",
							    r->subject ? r->subject : "bounce");
			r->bounce_rcpt = text_recipient(all, to, r->from_addr);
		}
		free(perm), free(diag);
	}
	if (r->is_bounce) {
		r->bounce_message_id = w->returned_id ? xstrdup(w->returned_id) : find_message_id(all);
		if (!r->bounce_rcpt && w->returned_to)
			r->bounce_rcpt = xstrdup(w->returned_to);
		if (r->bounce_reason && strlen(r->bounce_reason) > 500) {
			/* At most 500 bytes, cut before a character, never inside
			 * one (a cut UTF-8 sequence would make the reason invalid
			 * text in the study and in every export). */
			size_t cut = 500;
			while (cut > 0 && ((unsigned char)r->bounce_reason[cut] & 0xC0) == 0x80)
				cut--;
			r->bounce_reason[cut] = 0;
		}
	}
	free(to);
}

/* ---- the message ------------------------------------------------------------ */

static void add_ref(struct reply *r, const char *id)
{
	char *b = bracketed(id);
	if (!b)
		return;
	for (int i = 0; i < r->nrefs; i++)
		if (!strcmp(r->refs[i], b)) {
			free(b);
			return;
		}
	r->refs = xrealloc(r->refs, (size_t)(r->nrefs + 1) * sizeof(*r->refs));
	r->refs[r->nrefs++] = b;
}

static void read_refs(struct reply *r, GMimeMessage *msg)
{
	const char *irt = g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
	const char *refs = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
	GMimeReferences *l = irt ? g_mime_references_parse(NULL, irt) : NULL;
	int n = l ? g_mime_references_length(l) : 0;
	for (int i = 0; i < n; i++) {
		if (!r->in_reply_to)
			r->in_reply_to = bracketed(g_mime_references_get_message_id(l, i));
		add_ref(r, g_mime_references_get_message_id(l, i));
	}
	if (l)
		g_mime_references_free(l);
	l = refs ? g_mime_references_parse(NULL, refs) : NULL;
	n = l ? g_mime_references_length(l) : 0;
	for (int i = n - 1; i >= 0; i--)
		add_ref(r, g_mime_references_get_message_id(l, i));
	if (l)
		g_mime_references_free(l);
}

static int ci_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);
	return n >= pl && !strncasecmp(s, p, pl);
}

/* The fields that can mark an automatic message, and their kinds (those
 * that depend on the value are decided in auto_field). */
static const struct {
	const char *name;
	unsigned kind;
} auto_fields[] = {
	{ "Auto-Submitted", REPLY_AUTO_RFC3834 }, { "Return-Path", REPLY_AUTO_BULK },
	{ "Precedence", 0 },			  { "List-Id", REPLY_AUTO_BULK },
	{ "List-Unsubscribe", REPLY_AUTO_BULK },  { "List-Post", REPLY_AUTO_BULK },
	{ "List-Help", REPLY_AUTO_BULK },	  { "List-Subscribe", REPLY_AUTO_BULK },
	{ "List-Owner", REPLY_AUTO_BULK },	  { "List-Archive", REPLY_AUTO_BULK },
	{ "X-Autoreply", REPLY_AUTO_RFC3834 },	  { "X-Autorespond", REPLY_AUTO_RFC3834 },
};

/* Whether a field whose name starts with c may be one of auto_fields:
 * most of a header block (Received, DKIM) is not gathered at all. */
static int may_be_auto_field(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(auto_fields); i++)
		if ((c | 0x20) == (auto_fields[i].name[0] | 0x20))
			return 1;
	return 0;
}

/* Looks at one unfolded field "Name: value": REPLY_AUTO_* or 0. */
static unsigned auto_field(const char *name, size_t nl, const char *v, char *why, size_t n)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	size_t f = 0;
	while (f < ARRAY_SIZE(auto_fields) &&
	       (nl != strlen(auto_fields[f].name) || strncasecmp(name, auto_fields[f].name, nl)))
		f++;
	if (f == ARRAY_SIZE(auto_fields))
		return 0;
	const char *fn = auto_fields[f].name;
	if (!strcmp(fn, "Auto-Submitted")) {
		/* "no" may carry a comment: "no (manual)". */
		if (vl == 0 || (ci_prefix(v, vl, "no") && (vl == 2 || v[2] == ' ' || v[2] == '(' ||
							   v[2] == ';')))
			return 0;
		snprintf(why, n, "Auto-Submitted: %.*s", (int)(vl > 40 ? 40 : vl), v);
	} else if (!strcmp(fn, "Return-Path")) {
		if (vl != 2 || strncmp(v, "<>", 2))
			return 0;
		snprintf(why, n, "Return-Path: <>");
	} else if (!strcmp(fn, "Precedence")) {
		static const char *const kinds[] = { "bulk", "junk", "list", "auto_reply" };
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
			if (vl == strlen(kinds[i]) && !strncasecmp(v, kinds[i], vl)) {
				snprintf(why, n, "Precedence: %s", kinds[i]);
				return i == 3 ? REPLY_AUTO_RFC3834 : REPLY_AUTO_BULK;
			}
		return 0;
	} else if (!strncmp(fn, "List-", 5)) {
		snprintf(why, n, "%s", fn);
	} else {
		snprintf(why, n, "%.*s", (int)nl, name);
	}
	return auto_fields[f].kind;
}

unsigned reply_auto_headers(const char *raw, size_t len, char *why, size_t n)
{
	if (n)
		why[0] = 0;
	struct strbuf field = STRBUF_INIT;
	size_t i = 0;
	unsigned found = 0;
	char first[96];
	while (i <= len) {
		const char *lf = i < len ? memchr(raw + i, '\n', len - i) : NULL;
		size_t e = lf ? (size_t)(lf - raw) : len;
		size_t le = e;
		if (le > i && raw[le - 1] == '\r')
			le--;
		int end = (le == i) || i >= len;
		int cont = !end && (raw[i] == ' ' || raw[i] == '\t');
		if (!cont && field.len) {
			const char *f = sb_str(&field), *colon = strchr(f, ':');
			if (colon) {
				size_t nl = (size_t)(colon - f);
				while (nl && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
					nl--;
				/* Every field is read (the kinds add up); the
				 * reason given is the first. */
				unsigned k = auto_field(f, nl, colon + 1, first, sizeof(first));
				if (k && !found && n)
					snprintf(why, n, "%s", first);
				found |= k;
			}
			sb_reset(&field);
		}
		if (end)
			break;
		if (cont ? field.len > 0 : may_be_auto_field(raw[i]))
			sb_add(&field, raw + i, le - i);
		i = e + 1;
	}
	sb_free(&field);
	return found;
}

/* The length of raw's header block, up to and including the empty line
 * that ends it (LF or CRLF); len when there is none. */
static size_t header_block_len(const char *raw, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i + 1 < len && raw[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* ---- encoded words GMime misreads -------------------------------------------- */

/* One RFC 2047 encoded word "=?charset?E?payload?=" in a header block. */
struct eword {
	size_t start, end;            /* its bytes: [start, end) */
	const char *cs, *payload;     /* borrowed from the block */
	size_t cslen, paylen;
	char enc;                     /* 'B' or 'Q' */
};

/* Reads the encoded word at h[i] (which starts with "=?"), if it is one:
 * no white space or '?' inside its parts, as RFC 2047 section 2 says. */
static int eword_at(const char *h, size_t n, size_t i, struct eword *w)
{
	size_t p = i + 2, q;
	for (q = p; q < n && h[q] != '?' && !isspace((unsigned char)h[q]); q++)
		;
	if (q == p || q + 3 >= n || h[q] != '?' || h[q + 2] != '?' ||
	    !strchr("BbQq", h[q + 1]) || !h[q + 1])
		return 0;
	w->cs = h + p;
	w->cslen = q - p;
	w->enc = (char)toupper((unsigned char)h[q + 1]);
	p = q + 3;
	for (q = p; q < n && h[q] != '?' && !isspace((unsigned char)h[q]); q++)
		;
	if (q + 1 >= n || h[q] != '?' || h[q + 1] != '=')
		return 0;
	w->payload = h + p;
	w->paylen = q - p;
	w->start = i;
	w->end = q + 2;
	return 1;
}

/* The bytes an encoded word stands for, appended to sb. */
static void eword_bytes(const struct eword *w, struct strbuf *sb)
{
	if (w->enc == 'B') {
		gint state = 0;
		guint save = 0;
		guchar *out = xmalloc(w->paylen * 3 / 4 + 4);
		gsize k = g_base64_decode_step(w->payload, w->paylen, out, &state, &save);
		sb_add(sb, (const char *)out, k);
		free(out);
		return;
	}
	for (size_t i = 0; i < w->paylen; i++) {
		char c = w->payload[i];
		if (c == '_') {
			sb_addc(sb, ' ');
		} else if (c == '=' && i + 2 < w->paylen && isxdigit((unsigned char)w->payload[i + 1]) &&
			   isxdigit((unsigned char)w->payload[i + 2])) {
			char hex[3] = { w->payload[i + 1], w->payload[i + 2], 0 };
			sb_addc(sb, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			sb_addc(sb, c);
		}
	}
}

/* GMime 3.2 decodes a run of adjacent encoded words in one charset by
 * joining their payloads before decoding them, so a base64 word that ends
 * in '=' padding ends the run: "=?UTF-8?B?UsOpcG9uc2U6IA==?=
 * =?UTF-8?B?YXBw...?=" reads as "Réponse: " and the rest is lost (a
 * reply's Subject or From mangled, the reply left unlinked). RFC 2047
 * section 6.2 drops the white space between adjacent encoded words, and
 * decoders join their bytes (so that a character split across two words
 * survives), as Python's email.header does. Such a run is rewritten here
 * as the one encoded word it stands for, with the joined bytes in base64
 * and no padding inside, which GMime then reads right. Returns the header
 * block rewritten (caller frees, *outlen bytes), or NULL when no run needs
 * it. */
static char *fix_encoded_words(const char *h, size_t n, size_t *outlen)
{
	struct strbuf out = STRBUF_INIT;
	size_t copied = 0, i = 0;
	int changed = 0;
	while (i + 1 < n) {
		struct eword first;
		if (h[i] != '=' || h[i + 1] != '?' || !eword_at(h, n, i, &first)) {
			i++;
			continue;
		}
		/* The run: words in the same charset separated only by white
		 * space (folding included). */
		struct eword last = first, cur;
		int words = 1, padded_inside = 0;
		for (;;) {
			size_t j = last.end;
			while (j < n && (h[j] == ' ' || h[j] == '\t' || h[j] == '\r' || h[j] == '\n'))
				j++;
			if (j + 1 >= n || h[j] != '=' || h[j + 1] != '?' || !eword_at(h, n, j, &cur) ||
			    cur.cslen != first.cslen || g_ascii_strncasecmp(cur.cs, first.cs, first.cslen))
				break;
			if (last.enc == 'B' && last.paylen && last.payload[last.paylen - 1] == '=')
				padded_inside = 1;
			last = cur;
			words++;
		}
		if (words < 2 || !padded_inside) {
			i = last.end;
			continue;
		}
		struct strbuf bytes = STRBUF_INIT;
		for (size_t j = first.start; j < last.end;) {
			struct eword w;
			if (h[j] == '=' && j + 1 < last.end && h[j + 1] == '?' && eword_at(h, n, j, &w)) {
				eword_bytes(&w, &bytes);
				j = w.end;
			} else {
				j++;
			}
		}
		gchar *b64 = g_base64_encode((const guchar *)sb_str(&bytes), bytes.len);
		sb_add(&out, h + copied, first.start - copied);
		sb_adds(&out, "=?");
		sb_add(&out, first.cs, first.cslen);
		sb_adds(&out, "?B?");
		sb_adds(&out, b64);
		sb_adds(&out, "?=");
		g_free(b64);
		sb_free(&bytes);
		copied = i = last.end;
		changed = 1;
	}
	if (!changed) {
		sb_free(&out);
		return NULL;
	}
	sb_add(&out, h + copied, n - copied);
	*outlen = out.len;
	return sb_detach(&out);
}

/* GMime's reading of raw (len bytes), or NULL when it finds not even a
 * header block. Caller unrefs. */
static GMimeMessage *gmime_message(const char *raw, size_t len)
{
	mime_init_once();
	/* Encoded words GMime would misread are rewritten in the header block
	 * (see fix_encoded_words); the body is never touched. */
	size_t hn = header_block_len(raw, len), fixed_len = 0;
	char *fixed = fix_encoded_words(raw, hn, &fixed_len), *copy = NULL;
	if (fixed) {
		copy = xmalloc(fixed_len + (len - hn) + 1);
		memcpy(copy, fixed, fixed_len);
		memcpy(copy + fixed_len, raw + hn, len - hn);
		free(fixed);
		raw = copy;
		len = fixed_len + (len - hn);
	}
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	g_object_unref(st);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	free(copy);
	return msg;
}

/* The fields of the top-level header block into r. */
static void read_headers(struct reply *r, GMimeMessage *msg, const char *raw, size_t len)
{
	r->message_id = bracketed(g_mime_message_get_message_id(msg));
	InternetAddressList *from = g_mime_message_get_from(msg);
	r->from_addr = first_addr(from);
	if (!r->from_addr)
		r->from_addr = first_addr(g_mime_message_get_sender(msg));
	if (r->from_addr) {
		char *a = one_line(r->from_addr);
		free(r->from_addr);
		r->from_addr = a;
	}
	r->to_addr = first_addr(g_mime_message_get_to(msg));
	if (from && internet_address_list_length(from) > 0) {
		const char *nm = internet_address_get_name(internet_address_list_get_address(from, 0));
		r->from_name = nm && *nm ? one_line(nm) : NULL;
	}
	const char *subj = g_mime_message_get_subject(msg);
	r->subject = subj ? one_line(subj) : NULL;
	GDateTime *dt = g_mime_message_get_date(msg);
	if (dt) {
		char iso[ISO_LEN];
		r->date_t = (time_t)g_date_time_to_unix(dt);
		time_iso_utc(r->date_t, iso);
		r->date = xstrdup(iso);
	}
	read_refs(r, msg);
	/* The linker's notion: an automatic reply in RFC 3834's sense (a
	 * list's or a bulk sender's marks do not make a landlord's answer
	 * automatic). */
	r->auto_reply = (reply_auto_headers(raw, len, NULL, 0) & REPLY_AUTO_RFC3834) != 0;
}

int reply_parse_headers(const char *raw, size_t len, struct reply **out, struct ct_err *err)
{
	*out = NULL;
	if (!raw || !len)
		return ct_fail(err, CT_EINPUT, "the message is empty");
	struct reply *r = xcalloc(1, sizeof(*r));
	/* Only the header block goes to GMime, ended by an empty line so that
	 * a block without a body still reads as a message. */
	size_t n = header_block_len(raw, len);
	char *head = xmalloc(n + 2);
	memcpy(head, raw, n);
	head[n] = '\n';
	head[n + 1] = 0;
	GMimeMessage *msg = gmime_message(head, n + 1);
	if (msg)
		read_headers(r, msg, head, n + 1);
	free(head);
	if (msg) {
		g_object_unref(msg);
	}
	r->text = xstrdup("");
	*out = r;
	return CT_OK;
}

/* [*b, *e): the value of the one Subject field of a header block h[0..n),
 * when the block is plain enough that GMime's parser is sure to read that
 * field as the message's Subject: every line up to the end of that field a
 * field "name:" (printable ASCII name, no space before the colon) or a
 * continuation, 7-bit bytes only, no second Subject. 0 otherwise (the
 * caller then asks GMime's parser). */
static int plain_subject_field(const char *h, size_t n, size_t *b, size_t *e)
{
	int found = 0;
	size_t i = 0;
	while (i < n) {
		size_t eol = i;
		while (eol < n && h[eol] != '\n')
			eol++;
		size_t end = eol > i && h[eol - 1] == '\r' ? eol - 1 : eol;
		if (end == i)
			break; /* the empty line: end of the block */
		for (size_t k = i; k < end; k++)
			if ((unsigned char)h[k] >= 0x80 || h[k] == 0 || h[k] == '\r')
				return 0;
		if (h[i] == ' ' || h[i] == '\t') {
			if (i == 0)
				return 0;
			if (found == 1)
				*e = end;
		} else {
			size_t c = i;
			while (c < end && h[c] > 0x20 && h[c] < 0x7f && h[c] != ':')
				c++;
			if (c == i || c >= end || h[c] != ':')
				return 0;
			if (found == 1)
				found = 2; /* the Subject field ended */
			if (c - i == 7 && !g_ascii_strncasecmp(h + i, "Subject", 7)) {
				if (found)
					return 0;
				found = 1;
				*b = c + 1;
				*e = end;
			}
		}
		i = eol + 1;
	}
	return found != 0;
}

int reply_parse_subject(const char *raw, size_t len, char **subject, struct ct_err *err)
{
	*subject = NULL;
	if (!raw || !len)
		return ct_fail(err, CT_EINPUT, "the message is empty");
	size_t hn = header_block_len(raw, len), b = 0, e = 0;
	if (!plain_subject_field(raw, hn, &b, &e)) {
		struct reply *r = NULL;
		int rc = reply_parse_headers(raw, len, &r, err);
		if (!rc) {
			*subject = r->subject;
			r->subject = NULL;
			reply_free(r);
		}
		return rc;
	}
	mime_init_once();
	/* What GMime's parser does with the field's value: the encoded words
	 * it misreads rewritten (fix_encoded_words), unfolded, decoded. */
	size_t fixed_len = 0;
	char *fixed = fix_encoded_words(raw + b, e - b, &fixed_len);
	char *value = fixed ? fixed : xstrndup(raw + b, e - b);
	char *unfolded = g_mime_utils_header_unfold(value);
	char *decoded = g_mime_utils_header_decode_text(NULL, unfolded);
	*subject = one_line(decoded);
	g_free(decoded);
	g_free(unfolded);
	free(value);
	return CT_OK;
}

/* ---- the text of a plain message, without GMime's tree ---------------------- */

/* What walk_part keeps of a body, from mimescan's leaves. */
struct fast {
	char *plain, *html;
	int mark_quotes;
};

/* Whether a leaf can still change the text: once a plain text is found
 * nothing else counts, and only the first HTML one may (walk_part's
 * choice, below); the rest is not decoded. */
static int fast_want(const struct mimescan_leaf *l, void *arg)
{
	const struct fast *f = arg;
	if (f->plain || strcmp(l->type, "text") || l->attachment)
		return 0;
	return strcmp(l->subtype, "html") || !f->html;
}

static void fast_leaf(const struct mimescan_leaf *l, void *arg)
{
	struct fast *f = arg;
	if (strcmp(l->type, "text"))
		return;
	int is_html = !strcmp(l->subtype, "html");
	char *t = bytes_text(l->bytes, l->len, l->charset, is_html, f->mark_quotes);
	/* As walk_part: the first non-empty text/html, and the first
	 * non-empty other text that is not a calendar. */
	int body_text = !l->attachment && !blank(t);
	if (body_text && is_html && !f->html)
		f->html = t;
	else if (body_text && !is_html && !f->plain && strcmp(l->subtype, "calendar"))
		f->plain = t;
	else
		free(t);
}

/* REPLY_TEXT_ONLY: text and text_from_html of a plainly built message; 0
 * when GMime must read it. */
static int fast_text(const char *raw, size_t len, unsigned flags, struct reply *r)
{
	struct fast f = { NULL, NULL, (flags & REPLY_HTML_QUOTES) != 0 };
	if (!mimescan_walk(raw, len, fast_want, fast_leaf, &f)) {
		free(f.plain), free(f.html);
		return 0;
	}
	if (f.plain) {
		r->text = f.plain;
		free(f.html);
	} else if (f.html) {
		r->text = f.html;
		r->text_from_html = 1;
	} else {
		r->text = xstrdup("");
	}
	return 1;
}

int reply_parse(const char *raw, size_t len, struct reply **out, struct ct_err *err)
{
	return reply_parse_flags(raw, len, 0, out, err);
}

int reply_parse_flags(const char *raw, size_t len, unsigned flags, struct reply **out,
		      struct ct_err *err)
{
	*out = NULL;
	if (!raw || !len)
		return ct_fail(err, CT_EINPUT, "the message is empty");
	struct reply *r = xcalloc(1, sizeof(*r));
	if ((flags & REPLY_TEXT_ONLY) && fast_text(raw, len, flags, r)) {
		*out = r;
		return CT_OK;
	}
	struct walk w = { 0 };
	w.mark_quotes = (flags & REPLY_HTML_QUOTES) != 0;
	sb_add(&w.all, "", 0);
	sb_add(&w.dsn, "", 0);

	GMimeMessage *msg = gmime_message(raw, len);
	if (!msg) {
		/* Not even a header block: keep the bytes as text. */
		r->text = reply_to_utf8(raw, len, NULL);
		*out = r;
		sb_free(&w.all);
		sb_free(&w.dsn);
		return CT_OK;
	}
	read_headers(r, msg, raw, len);

	GMimeObject *body = g_mime_message_get_mime_part(msg);
	if (body)
		walk_part(body, &w, 0);
	if (w.plain && !blank(w.plain)) {
		r->text = w.plain;
		w.plain = NULL;
	} else if (w.html) {
		r->text = w.html;
		r->text_from_html = 1;
		w.html = NULL;
	} else {
		r->text = xstrdup("");
	}
	classify_bounce(r, msg, &w);

	free(w.plain), free(w.html), free(w.returned_id), free(w.returned_to);
	sb_free(&w.all);
	sb_free(&w.dsn);
	g_object_unref(msg);
	*out = r;
	return CT_OK;
}
