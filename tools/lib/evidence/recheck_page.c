/* recheck_page.c: what a fetched advert says (title, price, "let"), and
 * whether it is still advertised. Pure functions over bytes, so that the
 * rules are tested on hand-written HTML (tests/unit/test_recheck.c). A
 * small scanner, not an HTML parser: adverts are read for three facts,
 * and a page that defeats the scanner gives "none found", never a guess. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/recheck.h"
#include "base/embedded.h"
#include "base/banned.h"

/* ---- phrases ---- */

struct phrase {
	char *text; /* ASCII letters lower-cased */
	int except;
};
struct recheck_phrases {
	struct phrase *v;
	int n;
};

static char *ascii_lower(const char *s, size_t n)
{
	char *o = xstrndup(s, n);
	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return o;
}

int recheck_phrases_parse(const char *name, const char *text, struct recheck_phrases **out,
			  struct ct_err *err)
{
	struct recheck_phrases *p = xcalloc(1, sizeof(*p));
	int line = 0, cap = 0;
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		line++;
		char *row = xstrndup(l, n);
		l += n + (e ? 1 : 0);
		str_trim(row);
		if (!*row || *row == '#') {
			free(row);
			continue;
		}
		/* LANG, blanks, then the phrase (! for an exception). */
		char *sp = row;
		while (*sp && *sp != ' ' && *sp != '\t')
			sp++;
		size_t langlen = (size_t)(sp - row);
		while (*sp == ' ' || *sp == '\t')
			sp++;
		int except = *sp == '!';
		if (except)
			sp++;
		const char *why = NULL;
		if (langlen < 2 || langlen > 8 || !*sp)
			why = "a line is LANG PHRASE or LANG !PHRASE";
		else if (!text_ok(sp, strlen(sp), NULL, NULL, NULL))
			why = "the phrase is not plain text";
		if (why) {
			free(row);
			recheck_phrases_free(p);
			return ct_fail(err, CT_EINPUT, "%s:%d: %s", name, line, why);
		}
		if (p->n == cap)
			p->v = xrealloc(p->v, (size_t)(cap = cap ? cap * 2 : 32) * sizeof(*p->v));
		p->v[p->n].text = ascii_lower(sp, strlen(sp));
		p->v[p->n++].except = except;
		free(row);
	}
	*out = p;
	return CT_OK;
}

int recheck_phrases_load(struct study *s, struct recheck_phrases **out, struct ct_err *err)
{
	static const char builtin[] = "templates/recheck/phrases.txt";
	char *path = xasprintf("%s/templates/recheck-phrases.txt", s->dir), *text = NULL,
	     *used = NULL;
	size_t len = 0;
	int rc = text_or_builtin(path, builtin, &text, &len, &used, err);
	if (rc == CT_OK && !text)
		rc = ct_fail(err, CT_EENV, "no embedded %s", builtin);
	if (rc == CT_OK)
		rc = recheck_phrases_parse(strcmp(used, builtin) ? "templates/recheck-phrases.txt"
								 : builtin,
					   text, out, err);
	free(path), free(text), free(used);
	return rc;
}

void recheck_phrases_free(struct recheck_phrases *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->v[i].text);
	free(p->v);
	free(p);
}

/* ---- HTML scanning ---- */

/* s as UTF-8: kept when it is valid, else read as Latin-1 (what pages
 * without a charset, or in windows-1252, mostly are), so that a title is
 * stored as text and "lou\xe9" is found as "loué". Caller frees. */
static char *as_utf8(const char *s, size_t n)
{
	size_t bad;
	int latin1 = !utf8_check(s, n, &bad);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* A NUL byte would end the text early: a space instead. */
		if (!c)
			sb_addc(&sb, ' ');
		else if (latin1 && c >= 0x80)
			sb_add_utf8(&sb, c);
		else
			sb_addc(&sb, (char)c);
	}
	return sb_detach(&sb);
}

/* Case-insensitive (ASCII) search of needle in h[0..n). */
static const char *ci_find(const char *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m > n)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (!strncasecmp(h + i, needle, m))
			return h + i;
	return NULL;
}

/* Decodes the entity at p (after '&') into sb; returns the bytes read
 * after '&', or 0 when it is not one (the '&' is then kept). The five of
 * XML, numeric ones, and the few named ones adverts use. */
static size_t entity(const char *p, const char *end, struct strbuf *sb)
{
	static const struct {
		const char *name;
		unsigned long cp;
	} named[] = { { "amp", '&' },	  { "lt", '<' },       { "gt", '>' },	    { "quot", '"' },
		      { "apos", '\'' },	  { "nbsp", 0xA0 },    { "euro", 0x20AC },  { "eacute", 0xE9 },
		      { "egrave", 0xE8 }, { "ecirc", 0xEA },   { "agrave", 0xE0 },  { "acirc", 0xE2 },
		      { "ccedil", 0xE7 }, { "euml", 0xEB },    { "iuml", 0xEF },    { "ouml", 0xF6 },
		      { "uuml", 0xFC },	  { "ocirc", 0xF4 },   { "ucirc", 0xFB },   { "icirc", 0xEE },
		      { "Eacute", 0xC9 }, { "rsquo", 0x2019 }, { "lsquo", 0x2018 }, { "ndash", 0x2013 },
		      { "mdash", 0x2014 }, { "hellip", 0x2026 }, { "sup2", 0xB2 } };
	const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
	if (!semi || semi == p)
		return 0;
	size_t n = (size_t)(semi - p);
	if (*p == '#') {
		unsigned long cp = 0;
		int hex = n > 1 && (p[1] == 'x' || p[1] == 'X');
		size_t i = hex ? 2 : 1;
		if (i >= n)
			return 0;
		for (; i < n; i++) {
			int c = (unsigned char)p[i], d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && isxdigit(c))
				d = (tolower(c) - 'a') + 10;
			else
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			if (cp > 0x10FFFF)
				return 0;
		}
		sb_add_utf8(sb, cp);
		return n + 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(named); i++)
		if (named[i].cp && strlen(named[i].name) == n && !strncmp(p, named[i].name, n)) {
			sb_add_utf8(sb, named[i].cp);
			return n + 1;
		}
	return 0;
}

/* s[0..n) with entities decoded and white space (ASCII, and the no-break
 * space) collapsed to single spaces, trimmed. Caller frees. */
static char *clean_text(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	const char *end = s + n;
	for (const char *p = s; p < end; p++) {
		size_t k;
		if (*p == '&' && (k = entity(p + 1, end, &sb)))
			p += k;
		else
			sb_addc(&sb, *p);
	}
	const char *t = sb_str(&sb);
	int space = 0;
	for (size_t i = 0; i < sb.len; i++) {
		unsigned char c = (unsigned char)t[i];
		int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
		if (c == 0xC2 && i + 1 < sb.len && (unsigned char)t[i + 1] == 0xA0)
			ws = 1, i++;
		if (ws) {
			space = out.len > 0;
			continue;
		}
		if (space)
			sb_addc(&out, ' ');
		space = 0;
		sb_addc(&out, (char)c);
	}
	sb_free(&sb);
	return sb_detach(&out);
}

/* A tag at p ('<'): its name and where its attributes are, and where it
 * ends (after '>'). Returns 0 when p starts no tag. Quoted attribute
 * values may hold '>'. */
struct tag {
	const char *name;
	size_t namelen;
	const char *attrs, *attrs_end;
	const char *after;
	int closing;
};
static int tag_at(const char *p, const char *end, struct tag *t)
{
	const char *q = p + 1;
	t->closing = q < end && *q == '/';
	if (t->closing)
		q++;
	if (q >= end || !isalpha((unsigned char)*q))
		return 0;
	t->name = q;
	while (q < end && (isalnum((unsigned char)*q) || *q == '-' || *q == ':'))
		q++;
	t->namelen = (size_t)(q - t->name);
	t->attrs = q;
	char quote = 0;
	for (; q < end; q++) {
		if (quote) {
			if (*q == quote)
				quote = 0;
		} else if (*q == '"' || *q == '\'')
			quote = *q;
		else if (*q == '>')
			break;
	}
	t->attrs_end = q;
	t->after = q < end ? q + 1 : end;
	return 1;
}

static int tag_is(const struct tag *t, const char *name)
{
	return t->namelen == strlen(name) && !strncasecmp(t->name, name, t->namelen);
}

/* The value of attribute name in a tag, entities decoded and white space
 * collapsed; NULL when absent. */
static char *tag_attr(const struct tag *t, const char *name)
{
	const char *p = t->attrs, *end = t->attrs_end;
	size_t want = strlen(name);
	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == '/'))
			p++;
		const char *k = p;
		while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/')
			p++;
		size_t klen = (size_t)(p - k);
		if (!klen) {
			p++;
			continue;
		}
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *v = NULL, *vend = NULL;
		if (p < end && *p == '=') {
			p++;
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				char q = *p++;
				v = p;
				while (p < end && *p != q)
					p++;
				vend = p;
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !isspace((unsigned char)*p))
					p++;
				vend = p;
			}
		}
		if (klen == want && !strncasecmp(k, name, want))
			return v ? clean_text(v, (size_t)(vend - v)) : xstrdup("");
	}
	return NULL;
}

/* Where the raw text of an element ends: the start of its closing tag
 * </name, or end. */
static const char *element_end(const char *p, const char *end, const char *name)
{
	char close[16];
	snprintf(close, sizeof(close), "</%s", name);
	const char *e = ci_find(p, (size_t)(end - p), close);
	return e ? e : end;
}

/* ---- amounts ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A separator of digit groups at p: one byte (. , ' space) or the UTF-8
 * no-break space (two); returns its length, 0 for none. */
static size_t sep_len(const char *p, const char *end)
{
	if (p < end && (*p == '.' || *p == ',' || *p == '\'' || *p == ' '))
		return 1;
	if (p + 1 < end && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
		return 2;
	return 0;
}

static size_t digits_at(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && is_digit(p[n]))
		n++;
	return n;
}

/* Reads an amount at p (a digit): groups of three after a separator are
 * thousands; a last '.' or ',' followed by one or two digits is the
 * decimal part. Writes the normalised amount ("1250", "995.50") to out and
 * returns the bytes read, or 0. */
static size_t amount_at(const char *p, const char *end, struct strbuf *out)
{
	size_t n = digits_at(p, end);
	if (!n)
		return 0;
	struct strbuf ip = STRBUF_INIT;
	sb_add(&ip, p, n);
	const char *q = p + n;
	char dec[3] = "";
	for (;;) {
		size_t sl = sep_len(q, end);
		if (!sl)
			break;
		size_t d = digits_at(q + sl, end);
		if (d == 3) {
			sb_add(&ip, q + sl, 3);
			q += sl + 3;
			continue;
		}
		if ((d == 1 || d == 2) && (*q == '.' || *q == ',')) {
			memcpy(dec, q + sl, d);
			dec[1] = d == 1 ? '0' : dec[1];
			dec[2] = 0;
			q += sl + d;
		}
		break;
	}
	/* Leading zeros go ("0950" is 950); one stays for "0.50". */
	const char *i = sb_str(&ip);
	while (i[0] == '0' && i[1])
		i++;
	sb_adds(out, i);
	if (dec[0] && strcmp(dec, "00"))
		sb_addf(out, ".%s", dec);
	sb_free(&ip);
	return (size_t)(q - p);
}

/* An amount in a whole attribute or JSON value ("1250.00", "€ 1.250"):
 * the first amount in it. */
static char *amount_in(const char *s)
{
	const char *end = s + strlen(s);
	for (const char *p = s; p < end; p++)
		if (is_digit(*p)) {
			struct strbuf sb = STRBUF_INIT;
			if (amount_at(p, end, &sb))
				return sb_detach(&sb);
			sb_free(&sb);
			return NULL;
		}
	return NULL;
}

/* Whether the euro (€, "EUR", "euro") is at p, skipping blanks first
 * forwards; returns 1. */
static int euro_after(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	if (end - p >= 3 && !memcmp(p, "\xE2\x82\xAC", 3))
		return 1;
	if (end - p >= 3 && !strncasecmp(p, "eur", 3) &&
	    (end - p == 3 || !isalpha((unsigned char)p[3]) ||
	     (end - p >= 4 && (p[3] == 'o' || p[3] == 'O') &&
	      (end - p == 4 || !isalpha((unsigned char)p[4])))))
		return 1;
	return 0;
}

static int euro_before(const char *start, const char *p)
{
	while (p > start && p[-1] == ' ')
		p--;
	if (p - start >= 3 && !memcmp(p - 3, "\xE2\x82\xAC", 3))
		return 1;
	if (p - start >= 3 && !strncasecmp(p - 3, "eur", 3) &&
	    (p - start == 3 || !isalpha((unsigned char)p[-4])))
		return 1;
	return 0;
}

/* The first amount in text written next to the euro. */
static char *euro_amount(const char *text)
{
	const char *end = text + strlen(text);
	for (const char *p = text; p < end; p++) {
		if (!is_digit(*p) || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
						   p[-1] == ',')))
			continue;
		struct strbuf sb = STRBUF_INIT;
		size_t n = amount_at(p, end, &sb);
		if (n && (euro_before(text, p) || euro_after(p + n, end)))
			return sb_detach(&sb);
		sb_free(&sb);
		p += n ? n - 1 : 0;
	}
	return NULL;
}

/* A JSON-LD "price": the value after the key, a number or a string. */
static char *jsonld_price(const char *s, const char *end)
{
	for (const char *p = s; (p = ci_find(p, (size_t)(end - p), "\"price\"")); p += 7) {
		const char *q = p + 7;
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q >= end || *q != ':')
			continue;
		q++;
		while (q < end && isspace((unsigned char)*q))
			q++;
		const char *v = q, *vend;
		if (q < end && *q == '"') {
			v = ++q;
			while (q < end && *q != '"')
				q++;
			vend = q;
		} else {
			while (q < end && (is_digit(*q) || *q == '.'))
				q++;
			vend = q;
		}
		char *raw = xstrndup(v, (size_t)(vend - v));
		char *a = amount_in(raw);
		free(raw);
		if (a)
			return a;
	}
	return NULL;
}

/* ---- the page ---- */

static int word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Where phrase occurs in low (lower-cased text) at word boundaries, from
 * from; NULL when not. */
static const char *phrase_find(const char *low, const char *from, const char *phrase)
{
	size_t m = strlen(phrase);
	for (const char *p = from; (p = strstr(p, phrase)); p++) {
		if (p > low && word_byte((unsigned char)p[-1]) && word_byte((unsigned char)phrase[0]))
			continue;
		if (word_byte((unsigned char)p[m]) && word_byte((unsigned char)phrase[m - 1]))
			continue;
		return p;
	}
	return NULL;
}

static const char *gone_phrase(const struct recheck_phrases *ph, const char *text)
{
	if (!ph || !*text)
		return NULL;
	char *low = ascii_lower(text, strlen(text));
	const char *found = NULL;
	for (int i = 0; i < ph->n && !found; i++) {
		if (ph->v[i].except)
			continue;
		size_t m = strlen(ph->v[i].text);
		for (const char *p = low; !found && (p = phrase_find(low, p, ph->v[i].text)); p++) {
			int inside = 0;
			for (int j = 0; j < ph->n && !inside; j++) {
				if (!ph->v[j].except)
					continue;
				size_t em = strlen(ph->v[j].text);
				for (const char *e = low; !inside && (e = phrase_find(low, e, ph->v[j].text));
				     e++)
					inside = e <= p && p + m <= e + em;
			}
			if (!inside)
				found = ph->v[i].text;
		}
	}
	free(low);
	return found;
}

/* s cut to at most max bytes, "…" included, at a UTF-8 boundary: a page
 * can hold a title of a megabyte, and the snapshot keeps the body
 * anyway (s is valid UTF-8: as_utf8 made it so). Returns s, or a new
 * string after freeing s; NULL stays NULL. */
static char *cut_utf8(char *s, size_t max)
{
	static const char mark[] = "\xE2\x80\xA6"; /* … */
	if (!s || strlen(s) <= max)
		return s;
	size_t n = max - (sizeof(mark) - 1);
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	char *o = xasprintf("%.*s%s", (int)n, s, mark);
	free(s);
	return o;
}

void recheck_page_read(const char *raw, size_t rawlen, const struct recheck_phrases *ph,
		       struct recheck_page *out)
{
	memset(out, 0, sizeof(*out));
	char *utf8 = as_utf8(raw, rawlen);
	const char *body = utf8;
	size_t len = strlen(utf8); /* no NUL inside: as_utf8 replaced them */
	const char *end = body + len;
	struct strbuf text = STRBUF_INIT;
	char *title = NULL, *og_title = NULL, *meta_price = NULL, *ld_price = NULL;
	for (const char *p = body; p < end;) {
		if (*p != '<') {
			const char *lt = memchr(p, '<', (size_t)(end - p));
			const char *stop = lt ? lt : end;
			sb_add(&text, p, (size_t)(stop - p));
			p = stop;
			continue;
		}
		if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
			const char *e = ci_find(p + 4, (size_t)(end - p - 4), "-->");
			p = e ? e + 3 : end;
			continue;
		}
		struct tag t;
		if (!tag_at(p, end, &t)) {
			/* "<" that opens no tag ("< 5 min", "<!DOCTYPE"): a doctype or
			 * processing instruction is skipped, a lone '<' is text. */
			if (p + 1 < end && (p[1] == '!' || p[1] == '?')) {
				const char *gt = memchr(p, '>', (size_t)(end - p));
				p = gt ? gt + 1 : end;
			} else {
				sb_addc(&text, *p++);
			}
			continue;
		}
		p = t.after;
		sb_addc(&text, ' ');
		if (t.closing)
			continue;
		if (tag_is(&t, "script") || tag_is(&t, "style") || tag_is(&t, "title")) {
			const char *name = tag_is(&t, "script") ? "script" : tag_is(&t, "style") ? "style"
												 : "title";
			const char *e = element_end(p, end, name);
			if (!strcmp(name, "title")) {
				/* A title that says "VERHUURD" counts as text. */
				sb_add(&text, p, (size_t)(e - p));
				if (!title)
					title = clean_text(p, (size_t)(e - p));
			}
			if (!strcmp(name, "script") && !ld_price) {
				char *type = tag_attr(&t, "type");
				if (type && str_eq_ci(type, "application/ld+json"))
					ld_price = jsonld_price(p, e);
				free(type);
			}
			p = e;
			continue;
		}
		if (tag_is(&t, "meta")) {
			char *prop = tag_attr(&t, "property"), *nm = tag_attr(&t, "name"),
			     *ip = tag_attr(&t, "itemprop");
			const char *key = prop ? prop : nm;
			if (key && str_eq_ci(key, "og:title") && !og_title)
				og_title = tag_attr(&t, "content");
			if (!meta_price &&
			    ((key && (str_eq_ci(key, "product:price:amount") ||
				      str_eq_ci(key, "og:price:amount"))) ||
			     (ip && str_eq_ci(ip, "price")))) {
				char *c = tag_attr(&t, "content");
				meta_price = c ? amount_in(c) : NULL;
				free(c);
			}
			free(prop), free(nm), free(ip);
		} else if (!meta_price) {
			/* <span itemprop="price" content="950"> */
			char *ip = tag_attr(&t, "itemprop");
			if (ip && str_eq_ci(ip, "price")) {
				char *c = tag_attr(&t, "content");
				meta_price = c ? amount_in(c) : NULL;
				free(c);
			}
			free(ip);
		}
	}
	char *visible = clean_text(sb_str(&text), text.len);
	sb_free(&text);
	if (og_title && *og_title) {
		out->title = og_title;
		free(title);
	} else {
		free(og_title);
		if (title && *title)
			out->title = title;
		else
			free(title);
	}
	out->price = meta_price ? meta_price : ld_price ? ld_price : euro_amount(visible);
	if (out->price != ld_price)
		free(ld_price);
	out->title = cut_utf8(out->title, RECHECK_MAX_TITLE);
	out->price = cut_utf8(out->price, RECHECK_MAX_PRICE);
	const char *g = gone_phrase(ph, visible);
	out->gone_phrase = g ? xstrdup(g) : NULL;
	free(visible);
	free(utf8);
}

void recheck_page_free(struct recheck_page *p)
{
	free(p->title), free(p->price), free(p->gone_phrase);
	memset(p, 0, sizeof(*p));
}

/* ---- the judgement ---- */

/* The path and query of a URL, a trailing slash and the fragment aside;
 * caller frees. */
static char *path_query(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p)
		return xstrdup(url ? url : "");
	p += 3;
	p += strcspn(p, "/?#");
	size_t n = strcspn(p, "#");
	char *o = n ? xstrndup(p, n) : xstrdup("/");
	size_t l = strlen(o);
	char *q = strchr(o, '?');
	size_t pathlen = q ? (size_t)(q - o) : l;
	if (pathlen > 1 && o[pathlen - 1] == '/')
		memmove(o + pathlen - 1, o + pathlen, l - pathlen + 1);
	return o;
}

/* The host of a URL, lower-cased, without user, port or a leading
 * "www." (portal.example and www.portal.example are one site); "" when
 * none. Caller frees. */
static char *url_host(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p)
		return xstrdup("");
	p += 3;
	size_t n = strcspn(p, "/?#");
	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == '@') {
			n -= i;
			p += i;
			break;
		}
	/* An IPv6 literal keeps its brackets; else the port goes. */
	size_t h = *p == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":");
	char *o = ascii_lower(p, h < n ? h : n);
	if (!strncmp(o, "www.", 4))
		memmove(o, o + 4, strlen(o + 4) + 1);
	return o;
}

/* A title as compared: entities decoded, white space collapsed, ASCII
 * letters lower-cased. Caller frees. */
static char *title_norm(const char *t)
{
	char *c = clean_text(t, strlen(t)), *o = ascii_lower(c, strlen(c));
	free(c);
	return o;
}

/* Whether hay contains needle, both as title_norm makes them. */
static int title_contains(const char *hay, const char *needle)
{
	char *h = title_norm(hay), *n = title_norm(needle);
	int r = *n && strstr(h, n) != NULL;
	free(h), free(n);
	return r;
}

static int title_equals(const char *a, const char *b)
{
	char *x = title_norm(a), *y = title_norm(b);
	int r = *y && !strcmp(x, y);
	free(x), free(y);
	return r;
}

int recheck_judge(long http, const char *url, const char *final_url, const char *listing_title,
		  const struct recheck_page *page, char **why)
{
	if (http == 404 || http == 410) {
		*why = xasprintf("HTTP %ld: the advert is gone", http);
		return 0;
	}
	if (http >= 500) {
		*why = xasprintf("HTTP %ld, a server error: cannot tell", http);
		return -1;
	}
	if (http == 429) {
		*why = xstrdup("HTTP 429, too many requests: cannot tell");
		return -1;
	}
	if (http >= 400) {
		*why = xasprintf("HTTP %ld: the site refused the request, cannot tell", http);
		return -1;
	}
	if (http < 200 || http >= 300) {
		*why = xasprintf("HTTP %ld without a page (a redirect not followed to its end): "
				 "cannot tell",
				 http);
		return -1;
	}
	const char *fin = final_url ? final_url : url;
	char *a = path_query(url), *b = path_query(fin), *ha = url_host(url), *hb = url_host(fin);
	int same_host = !strcmp(ha, hb), moved = strcmp(a, b) != 0 || !same_host;
	free(a), free(b), free(ha), free(hb);
	int has_title = listing_title && *listing_title;
	if (moved && !(has_title && page->title && title_contains(page->title, listing_title))) {
		*why = xstrdup(has_title
				       ? "redirected away from the advert's address to a page "
					 "without the advert's title: the advert is gone"
				       : "redirected away from the advert's address (the listing "
					 "has no recorded title to recognise it by): the advert is "
					 "gone");
		return 0;
	}
	/* A page elsewhere that merely contains the title ("Studio" in "Studio
	 * te huur in Gent (124 resultaten)") is as likely a search page as the
	 * advert: only the same title on the same site is the advert moved;
	 * another site is never taken for it. Checked before the phrases: a
	 * list page's "verhuurd" may be another advert's. */
	if (moved && (!same_host || !title_equals(page->title, listing_title))) {
		*why = xstrdup(same_host
				       ? "redirected to another page of the site whose title contains "
					 "the advert's title but is not it (a search or list page?): "
					 "cannot tell, check by hand"
				       : "redirected to another site whose page's title contains the "
					 "advert's title: cannot tell, check by hand");
		return -1;
	}
	if (page->gone_phrase) {
		*why = xasprintf("HTTP %ld, but the page says it is let or gone (\"%s\")", http,
				 page->gone_phrase);
		return 0;
	}
	*why = xasprintf(moved ? "HTTP %ld: the advert is online at a new address, with its title"
			       : "HTTP %ld: the advert is online",
			 http);
	return 1;
}
