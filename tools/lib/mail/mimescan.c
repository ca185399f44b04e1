/* mimescan.c: the leaf parts of a plainly built MIME message (see
 * mimescan.h). Every check below that fails returns 0, and the message is
 * then GMime's to read: the scanner only has to be right on what it
 * accepts. */
#include <gmime/gmime.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "mail/mimescan.h"
#include "mail/mime.h"
#include "base/util.h"
#include "base/banned.h"

#define MAX_DEPTH 8

/* The header fields a part's reading needs, unfolded (owned). */
struct fields {
	char *ct, *cte, *cd;
};

static void fields_free(struct fields *f)
{
	free(f->ct), free(f->cte), free(f->cd);
}

static int ieq(const char *a, size_t n, const char *lit)
{
	return strlen(lit) == n && !g_ascii_strncasecmp(a, lit, n);
}

/* The end of the line starting at p (the '\n', or end). */
static const char *eol_of(const char *p, const char *end)
{
	const char *e = memchr(p, '\n', (size_t)(end - p));
	return e ? e : end;
}

/* Whether [p, e) holds no byte >= 0x80, NUL or CR; eight bytes at a time
 * (a byte is zero in x exactly when the classic "has a zero byte" test
 * flags it: (x - 0x01..) & ~x & 0x80..). */
static int plain_bytes(const char *p, const char *e)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	for (; e - p >= 8; p += 8) {
		uint64_t w, cr;
		memcpy(&w, p, 8);
		cr = w ^ (ones * '\r');
		if ((w & high) || (((w - ones) & ~w) & high) || (((cr - ones) & ~cr) & high))
			return 0;
	}
	for (; p < e; p++)
		if ((unsigned char)*p >= 0x80 || !*p || *p == '\r')
			return 0;
	return 1;
}

/* Reads the header block at [p, end) into f and sets *body to the byte
 * after the empty line that ends it. 0 when a line is not a plain field
 * or continuation, or a field needed is repeated. */
static int read_fields(const char *p, const char *end, struct fields *f, const char **body)
{
	char **cur = NULL; /* the value being continued, when one we keep */
	int in_field = 0;
	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *e = eol_of(p, end), *le = e;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			*body = e < end ? e + 1 : end;
			return 1;
		}
		/* RFC 5322's 998 bytes a line: GMime's parser gives up on a
		 * much longer field name, and this reader must not differ. */
		if (le - p > 998)
			return 0;
		if (!plain_bytes(p, le))
			return 0;
		if (*p == ' ' || *p == '\t') {
			if (!in_field)
				return 0;
			if (cur) {
				/* Appended in place (a value folded over thousands
				 * of lines must not cost their square); a value no
				 * plainly built message has is GMime's. */
				size_t have = strlen(*cur), more = (size_t)(le - p);
				if (have + more > 4096)
					return 0;
				*cur = xrealloc(*cur, have + more + 1);
				memcpy(*cur + have, p, more);
				(*cur)[have + more] = 0;
			}
		} else {
			const char *c = p;
			while (c < le && *c > 0x20 && *c < 0x7f && *c != ':')
				c++;
			if (c == p || c == le || *c != ':')
				return 0;
			size_t n = (size_t)(c - p);
			cur = ieq(p, n, "Content-Type")		     ? &f->ct
			      : ieq(p, n, "Content-Transfer-Encoding") ? &f->cte
			      : ieq(p, n, "Content-Disposition")       ? &f->cd
								       : NULL;
			if (cur && *cur)
				return 0;
			if (cur)
				*cur = xstrndup(c + 1, (size_t)(le - c - 1));
			in_field = 1;
		}
		if (e == end)
			break;
		p = e + 1;
	}
	/* No empty line: a block GMime may read otherwise. */
	return 0;
}

/* RFC 2045 token characters. */
static int tok(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A Content-Type value: type and subtype (lower case, into type[32] and
 * sub[64]), charset and boundary (owned, NULL when absent). */
static int parse_ct(const char *v, char *type, char *sub, char **charset, char **boundary)
{
	const char *p = skip_ws(v);
	char *outs[2] = { type, sub };
	size_t caps[2] = { 32, 64 };
	for (int side = 0; side < 2; side++) {
		size_t n = 0;
		while (tok((unsigned char)*p)) {
			if (n + 1 >= caps[side])
				return 0;
			outs[side][n++] = (char)g_ascii_tolower(*p++);
		}
		if (!n)
			return 0;
		outs[side][n] = 0;
		if (side == 0 && *p++ != '/')
			return 0;
	}
	for (;;) {
		p = skip_ws(p);
		if (!*p)
			return 1;
		if (*p++ != ';')
			return 0;
		p = skip_ws(p);
		if (!*p)
			return 1;
		const char *name = p;
		while (tok((unsigned char)*p))
			p++;
		size_t nl = (size_t)(p - name);
		if (!nl || memchr(name, '*', nl))
			return 0; /* RFC 2231 continuations and charsets: GMime's */
		p = skip_ws(p);
		if (*p++ != '=')
			return 0;
		p = skip_ws(p);
		struct strbuf val = STRBUF_INIT;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				sb_addc(&val, *p);
			}
			if (*p != '"') {
				sb_free(&val);
				return 0;
			}
			p++;
		} else {
			/* Unquoted: up to ';' or white space; a comment or a quote
			 * inside is left to GMime. */
			while (*p && *p != ';' && *p != ' ' && *p != '\t') {
				if (*p == '(' || *p == '"' || (unsigned char)*p < 0x20) {
					sb_free(&val);
					return 0;
				}
				sb_addc(&val, *p++);
			}
		}
		char **slot = ieq(name, nl, "charset") ? charset : ieq(name, nl, "boundary") ? boundary : NULL;
		if (slot && (*slot || !val.len)) {
			/* Twice, or empty: how GMime reads that is its own. */
			sb_free(&val);
			return 0;
		}
		if (slot)
			*slot = sb_detach(&val);
		else
			sb_free(&val);
	}
}

/* The transfer encoding: GMIME_CONTENT_ENCODING_DEFAULT for none, or -1
 * when not one the scanner decodes. */
static int parse_cte(const char *v)
{
	if (!v)
		return GMIME_CONTENT_ENCODING_DEFAULT;
	const char *p = skip_ws(v), *e = p;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*skip_ws(e))
		return -1;
	size_t n = (size_t)(e - p);
	if (!n || ieq(p, n, "7bit") || ieq(p, n, "8bit") || ieq(p, n, "binary"))
		return GMIME_CONTENT_ENCODING_DEFAULT;
	if (ieq(p, n, "quoted-printable"))
		return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	if (ieq(p, n, "base64"))
		return GMIME_CONTENT_ENCODING_BASE64;
	return -1;
}

/* Content-Disposition as GMime reads it: everything before the first
 * ';', white space trimmed, is "attachment" (so "attachment (x)" is
 * not). -1 for a value with an encoded word, which GMime decodes first. */
static int disposition(const char *cd)
{
	if (!cd)
		return 0;
	if (strstr(cd, "=?"))
		return -1;
	const char *p = skip_ws(cd), *e = p;
	while (*e && *e != ';')
		e++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return ieq(p, (size_t)(e - p), "attachment");
}

/* The content [p, end) with its transfer encoding undone by GMime's
 * decoder, NUL-terminated (owned). */
static char *decode(const char *p, const char *end, int enc, size_t *len)
{
	size_t n = (size_t)(end - p);
	if (enc == GMIME_CONTENT_ENCODING_DEFAULT) {
		*len = n;
		return xstrndup(p, n);
	}
	GMimeEncoding st;
	g_mime_encoding_init_decode(&st, (GMimeContentEncoding)enc);
	char *out = xmalloc(g_mime_encoding_outlen(&st, n) + 64);
	size_t k = g_mime_encoding_step(&st, p, n, out);
	k += g_mime_encoding_flush(&st, "", 0, out + k);
	out[k] = 0;
	*len = k;
	return out;
}

struct scan {
	const char *raw_end; /* the end of the whole message */
	int (*want)(const struct mimescan_leaf *l, void *arg);
	void (*leaf)(const struct mimescan_leaf *l, void *arg);
	void *arg;
	const char *bounds[MAX_DEPTH];
	int depth;
};

static int part(struct scan *s, const char *p, const char *end);

/* Whether the line [p, le) starts with "--" and one of the boundaries of
 * the enclosing multiparts; *close is set for "--b--", *which to the
 * level. -1 for a line that starts like one but is not exactly one. */
static int boundary_line(const struct scan *s, const char *p, const char *le, int *close, int *which)
{
	if (le - p < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	for (int i = s->depth - 1; i >= 0; i--) {
		size_t bl = strlen(s->bounds[i]);
		if ((size_t)(le - p) < 2 + bl || memcmp(p + 2, s->bounds[i], bl))
			continue;
		const char *r = p + 2 + bl;
		*which = i;
		if (r == le) {
			*close = 0;
			return 1;
		}
		if (le - r == 2 && r[0] == '-' && r[1] == '-') {
			*close = 1;
			return 1;
		}
		return -1;
	}
	return 0;
}

/* The parts of a multipart's content [p, end), boundary already pushed. */
static int multipart(struct scan *s, const char *p, const char *end)
{
	int me = s->depth - 1, nparts = 0, closed = 0;
	const char *start = NULL; /* the current part's first byte */
	while (p < end && !closed) {
		const char *e = eol_of(p, end), *le = e;
		if (le > p && le[-1] == '\r')
			le--;
		int close = 0, which = -1;
		int b = boundary_line(s, p, le, &close, &which);
		if (b < 0 || (b && which != me))
			return 0; /* another level's boundary here: GMime's to sort out */
		if (b) {
			if (start) {
				/* The line break before the boundary belongs to it.
				 * GMime takes two bytes off when the boundary line
				 * ends in CRLF, else one (also at the end of the
				 * input): the same here, and where those bytes are
				 * not a line break of that kind (mixed line ends),
				 * the message is GMime's. */
				int crlf = e < end && le < e;
				if (e == end && end < s->raw_end) {
					/* The line reaches the end of this part of
					 * the message: its line break is the one
					 * GMime sees after it. */
					if (le < e)
						return 0;
					crlf = s->raw_end - end >= 2 && end[0] == '\r' && end[1] == '\n';
				} else if (e == end && le < e) {
					return 0;
				}
				if (p - start < 1 + crlf)
					return 0;
				if (crlf ? (p[-2] != '\r' || p[-1] != '\n') : p[-1] != '\n')
					return 0;
				if (!part(s, start, p - 1 - crlf))
					return 0;
				nparts++;
			}
			if (close)
				closed = 1;
			start = e < end ? e + 1 : end;
		}
		p = e < end ? e + 1 : end;
	}
	return closed && nparts > 0;
}

static int part(struct scan *s, const char *p, const char *end)
{
	struct fields f;
	const char *body = NULL;
	char type[32], sub[64], *charset = NULL, *boundary = NULL;
	int ok = read_fields(p, end, &f, &body);
	if (ok) {
		if (f.ct) {
			ok = parse_ct(f.ct, type, sub, &charset, &boundary) && !strstr(f.ct, "=?");
		} else {
			memcpy(type, "text", 5);
			memcpy(sub, "plain", 6);
		}
	}
	int enc = ok ? parse_cte(f.cte) : -1;
	int att = ok ? disposition(f.cd) : 0;
	if (enc < 0 || att < 0 || !strcmp(type, "message") || !strcmp(sub, "rfc822-headers"))
		ok = 0;
	if (ok && !strcmp(type, "multipart")) {
		ok = boundary && *boundary && strcmp(sub, "digest") && s->depth < MAX_DEPTH &&
		     enc == GMIME_CONTENT_ENCODING_DEFAULT;
		for (int i = 0; ok && i < s->depth; i++)
			ok = strcmp(s->bounds[i], boundary) != 0;
		if (ok) {
			s->bounds[s->depth++] = boundary;
			ok = multipart(s, body, end);
			s->depth--;
		}
	} else if (ok) {
		struct mimescan_leaf l = { type, sub, charset, att, "", 0 };
		if (!s->want || s->want(&l, s->arg)) {
			char *bytes = NULL;
			if (!strcmp(type, "text")) {
				bytes = decode(body, end, enc, &l.len);
				l.bytes = bytes;
			}
			s->leaf(&l, s->arg);
			free(bytes);
		}
	}
	free(charset);
	free(boundary);
	fields_free(&f);
	return ok;
}

int mimescan_walk(const char *raw, size_t len,
		  int (*want)(const struct mimescan_leaf *l, void *arg),
		  void (*leaf)(const struct mimescan_leaf *l, void *arg), void *arg)
{
	/* A message that starts with its empty line has no header block;
	 * reply.c's GMime path reads it otherwise. */
	if (!raw || !len || raw[0] == '\n' || (raw[0] == '\r' && len > 1 && raw[1] == '\n'))
		return 0;
	mime_init_once();
	struct scan s = { raw + len, want, leaf, arg, { 0 }, 0 };
	return part(&s, raw, raw + len);
}
