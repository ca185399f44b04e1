/* template.c: parse, check and render message templates (format and rules in
 * templates/README.md), and read the flat JSON objects of persona.profile. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages/template.h"
#include "base/banned.h"

void tpl_problems_add(struct tpl_problems *p, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->msg = xrealloc(p->msg, (size_t)p->cap * sizeof(*p->msg));
	}
	p->msg[p->n++] = sb_detach(&sb);
}

void tpl_problems_free(struct tpl_problems *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->msg[i]);
	free(p->msg);
	p->msg = NULL;
	p->n = p->cap = 0;
}

void tpl_vars_set(struct tpl_vars *vs, const char *name, const char *value)
{
	for (int i = 0; i < vs->n; i++) {
		if (!strcmp(vs->v[i].name, name)) {
			free(vs->v[i].value);
			vs->v[i].value = value ? xstrdup(value) : NULL;
			return;
		}
	}
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? 2 * vs->cap : 16;
		vs->v = xrealloc(vs->v, (size_t)vs->cap * sizeof(*vs->v));
	}
	vs->v[vs->n].name = xstrdup(name);
	vs->v[vs->n].value = value ? xstrdup(value) : NULL;
	vs->n++;
}

const char *tpl_vars_get(const struct tpl_vars *vs, const char *name)
{
	for (int i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].name, name))
			return vs->v[i].value;
	return NULL;
}

int tpl_vars_has(const struct tpl_vars *vs, const char *name)
{
	for (int i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].name, name))
			return 1;
	return 0;
}

void tpl_vars_free(struct tpl_vars *vs)
{
	for (int i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
	vs->v = NULL;
	vs->n = vs->cap = 0;
}

void tpl_allowed_names(const struct design *d, struct tpl_vars *names)
{
	static const char *const fixed[] = {
		"persona.first_name", "persona.last_name", "persona.full_name", "persona.email",
		"persona.phone",      "listing.ref",       "listing.area",      "listing.price",
		"listing.url",        "listing.title",     "study.city",
		/* Vacancies (job studies); empty elsewhere, so use a |fallback. */
		"listing.occupation", "listing.isco",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tpl_vars_set(names, fixed[i], NULL);
	for (int i = 0; d && i < d->nprofile; i++) {
		const char *k = d->profile[i].key;
		size_t n = strlen(k);
		/* KEY.female / KEY.male are one placeholder, profile.KEY. */
		const char *dot = strrchr(k, '.');
		if (dot && (!strcmp(dot, ".female") || !strcmp(dot, ".male")))
			n = (size_t)(dot - k);
		char *name = xasprintf("profile.%.*s", (int)n, k);
		tpl_vars_set(names, name, NULL);
		free(name);
	}
}

/* ---- parsing ---- */

static void text_add(struct tpl_text *t, int kind, const char *s, size_t n, const char *fb,
		     size_t fbn, int line)
{
	/* Adjacent literal pieces are merged, which keeps rendering simple. */
	if (kind == TPL_TEXT && t->n && t->p[t->n - 1].kind == TPL_TEXT) {
		struct tpl_piece *last = &t->p[t->n - 1];
		size_t old = strlen(last->text);
		last->text = xrealloc(last->text, old + n + 1);
		memcpy(last->text + old, s, n);
		last->text[old + n] = '\0';
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->p = xrealloc(t->p, (size_t)t->cap * sizeof(*t->p));
	}
	t->p[t->n].kind = kind;
	t->p[t->n].text = xstrndup(s, n);
	t->p[t->n].fallback = fb ? xstrndup(fb, fbn) : NULL;
	t->p[t->n].line = line;
	t->n++;
}

static void text_free(struct tpl_text *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->p[i].text);
		free(t->p[i].fallback);
	}
	free(t->p);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Checks the inside of one {{...}} and adds it to out; returns 0 and reports
 * to probs when it is malformed or unknown. */
static int parse_placeholder(const char *file, int line, const char *in, size_t n,
			     const struct tpl_vars *names, struct tpl_text *out,
			     struct tpl_problems *probs)
{
	const char *bar = memchr(in, '|', n);
	size_t nn = bar ? (size_t)(bar - in) : n;
	const char *fb = bar ? bar + 1 : NULL;
	size_t fbn = bar ? n - nn - 1 : 0;
	int ok = 1;
	if (memchr(in, '{', n) || memchr(in, '}', n)) {
		tpl_problems_add(probs,
				 "%s:%d: '{' or '}' inside '{{%.*s}}' (placeholders cannot be nested)",
				 file, line, (int)n, in);
		return 0;
	}
	if (nn == 0) {
		tpl_problems_add(probs, "%s:%d: empty placeholder name in '{{%.*s}}'", file, line,
				 (int)n, in);
		return 0;
	}
	if (is_space(in[0]) || is_space(in[nn - 1]) || (bar && fbn && is_space(fb[0]))) {
		tpl_problems_add(probs,
				 "%s:%d: white space inside '{{%.*s}}' (write it without spaces "
				 "around the name and the '|')",
				 file, line, (int)n, in);
		return 0;
	}
	for (size_t i = 0; i < nn; i++) {
		if (!name_char(in[i])) {
			tpl_problems_add(probs,
					 "%s:%d: malformed placeholder name '%.*s' (lower-case "
					 "letters, digits, '_' and '.' only)",
					 file, line, (int)nn, in);
			return 0;
		}
	}
	if (bar) {
		if (fbn == 0) {
			tpl_problems_add(probs,
					 "%s:%d: empty fallback in '{{%.*s}}' (give a text after "
					 "'|', or drop the '|')",
					 file, line, (int)n, in);
			ok = 0;
		} else if (is_space(fb[fbn - 1])) {
			tpl_problems_add(probs,
					 "%s:%d: the fallback in '{{%.*s}}' ends with white space",
					 file, line, (int)n, in);
			ok = 0;
		} else if (memchr(fb, '|', fbn)) {
			tpl_problems_add(probs, "%s:%d: a second '|' in '{{%.*s}}'", file, line,
					 (int)n, in);
			ok = 0;
		}
	}
	char *name = xstrndup(in, nn);
	if (names && !tpl_vars_has(names, name)) {
		tpl_problems_add(probs, "%s:%d: unknown placeholder '%s'", file, line, name);
		ok = 0;
	}
	free(name);
	if (ok)
		text_add(out, TPL_VAR, in, nn, fb, fbn, line);
	return ok;
}

/* Splits one line (without its newline) into literal text and placeholders. */
static void parse_line(const char *file, int line, const char *s, size_t n,
		       const struct tpl_vars *names, struct tpl_text *out,
		       struct tpl_problems *probs)
{
	size_t lit = 0, i = 0;
	while (i + 1 < n) {
		if (s[i] == '{' && s[i + 1] == '{') {
			text_add(out, TPL_TEXT, s + lit, i - lit, NULL, 0, line);
			size_t j = i + 2;
			while (j + 1 < n && !(s[j] == '}' && s[j + 1] == '}'))
				j++;
			if (j + 1 >= n) {
				tpl_problems_add(probs, "%s:%d: unclosed '{{' (no '}}' on this line)",
						 file, line);
				return;
			}
			parse_placeholder(file, line, s + i + 2, j - i - 2, names, out, probs);
			i = lit = j + 2;
		} else if (s[i] == '}' && s[i + 1] == '}') {
			tpl_problems_add(probs, "%s:%d: '}}' without '{{'", file, line);
			i += 2;
		} else {
			i++;
		}
	}
	text_add(out, TPL_TEXT, s + lit, n - lit, NULL, 0, line);
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space(s[i]))
			return 0;
	return 1;
}

struct line {
	const char *s;
	size_t n;
};

/* Byte-level checks of the whole file, reported per line: UTF-8, line
 * endings, control characters (a template is plain text). */
static void check_bytes(const char *file, const struct line *ln, int nl, struct tpl_problems *probs)
{
	for (int i = 0; i < nl; i++) {
		size_t bad;
		if (!utf8_check(ln[i].s, ln[i].n, &bad)) {
			tpl_problems_add(probs, "%s:%d: invalid UTF-8 at column %zu", file, i + 1,
					 bad + 1);
			continue;
		}
		size_t from = 0;
		if (i == 0 && ln[i].n >= 3 && !memcmp(ln[i].s, "\xEF\xBB\xBF", 3)) {
			tpl_problems_add(probs, "%s:1: byte-order mark (save as UTF-8 without BOM)",
					 file);
			from = 3;
		}
		/* The one rule for text users bring (base/util.h), past the ASCII
		 * controls that the loop below reports: a bidi control, a zero-width
		 * character or a line separator in a template goes out unseen in
		 * every message. Tabs are allowed in templates. */
		for (size_t j = from; j < ln[i].n;) {
			const char *why;
			size_t off;
			unsigned long cp;
			if (text_ok(ln[i].s + j, ln[i].n - j, &why, &off, &cp))
				break;
			if (cp < 0x80) {
				j += off + 1;
				continue;
			}
			tpl_problems_add(probs, "%s:%d: %s (U+%04lX) at column %zu", file, i + 1, why,
					 cp, j + off + 1);
			break;
		}
		for (size_t j = 0; j < ln[i].n; j++) {
			unsigned char c = (unsigned char)ln[i].s[j];
			if (c == '\r') {
				tpl_problems_add(probs,
						 "%s:%d: carriage return (save the file with LF line "
						 "endings)",
						 file, i + 1);
				break;
			}
			if ((c < 0x20 && c != '\t') || c == 0x7F) {
				tpl_problems_add(probs, "%s:%d: control character 0x%02X at column %zu",
						 file, i + 1, c, j + 1);
				break;
			}
		}
	}
}

int template_parse(const char *name, const char *text, size_t len, const struct tpl_vars *names,
		   struct template **out, struct tpl_problems *probs)
{
	int before = probs->n;
	*out = NULL;
	/* Lines without their newline; a final newline does not open a line. */
	int nl = 0, cap = 64;
	struct line *ln = xmalloc((size_t)cap * sizeof(*ln));
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t n = e ? (size_t)(e - (text + i)) : len - i;
		if (nl == cap) {
			cap *= 2;
			ln = xrealloc(ln, (size_t)cap * sizeof(*ln));
		}
		ln[nl].s = text + i;
		ln[nl].n = n;
		nl++;
		i += n + 1;
	}
	if (memchr(text, '\0', len))
		tpl_problems_add(probs, "%s: contains a NUL byte (not a text file)", name);
	check_bytes(name, ln, nl, probs);

	struct template *t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	sha256_hex(text, len, t->sha256);
	int s = 0;
	while (s < nl && ln[s].n && ln[s].s[0] == '#')
		s++;
	if (s >= nl) {
		tpl_problems_add(probs, "%s: no 'Subject:' line", name);
		goto out;
	}
	if (ln[s].n < 8 || memcmp(ln[s].s, "Subject:", 8)) {
		tpl_problems_add(probs,
				 "%s:%d: expected 'Subject: ...' (only '#' comment lines may come "
				 "before it)",
				 name, s + 1);
		goto out;
	}
	t->subject_line = s + 1;
	{
		const char *sub = ln[s].s + 8;
		size_t sn = ln[s].n - 8;
		while (sn && is_space(*sub))
			sub++, sn--;
		while (sn && is_space(sub[sn - 1]))
			sn--;
		if (!sn)
			tpl_problems_add(probs, "%s:%d: empty subject", name, s + 1);
		else
			parse_line(name, s + 1, sub, sn, names, &t->subject, probs);
	}
	if (s + 1 >= nl || (s + 2 >= nl && blank(ln[s + 1].s, ln[s + 1].n))) {
		tpl_problems_add(probs, "%s:%d: no body after the Subject line", name, s + 1);
		goto out;
	}
	if (!blank(ln[s + 1].s, ln[s + 1].n)) {
		tpl_problems_add(probs,
				 "%s:%d: expected one empty line between the Subject line and the "
				 "body",
				 name, s + 2);
		goto out;
	}
	if (blank(ln[s + 2].s, ln[s + 2].n)) {
		tpl_problems_add(probs,
				 "%s:%d: more than one empty line after the Subject line (exactly one "
				 "separates subject and body)",
				 name, s + 3);
		goto out;
	}
	{
		/* Trailing blank lines are dropped: the body ends with one newline. */
		int last = nl - 1;
		while (last > s + 2 && blank(ln[last].s, ln[last].n))
			last--;
		for (int i = s + 2; i <= last; i++) {
			parse_line(name, i + 1, ln[i].s, ln[i].n, names, &t->body, probs);
			text_add(&t->body, TPL_TEXT, "\n", 1, NULL, 0, i + 1);
		}
	}
out:
	free(ln);
	if (probs->n > before) {
		template_free(t);
		return CT_EINPUT;
	}
	*out = t;
	return CT_OK;
}

void template_free(struct template *t)
{
	if (!t)
		return;
	free(t->name);
	text_free(&t->subject);
	text_free(&t->body);
	free(t);
}

/* ---- rendering ---- */

static int render_text(const struct template *t, const struct tpl_text *x,
		       const struct tpl_vars *vals, struct strbuf *sb, struct ct_err *err)
{
	for (int i = 0; i < x->n; i++) {
		const struct tpl_piece *p = &x->p[i];
		if (p->kind == TPL_TEXT) {
			sb_adds(sb, p->text);
			continue;
		}
		const char *v = tpl_vars_get(vals, p->text);
		if (v && *v) {
			/* The one rule for text users bring (base/util.h): besides
			 * controls and invalid UTF-8, a line separator would show as a
			 * line break, and a bidi control or zero-width character would
			 * change, unseen, what the landlord reads. */
			const char *why;
			unsigned long cp;
			if (!text_ok(v, strlen(v), &why, NULL, &cp))
				return ct_fail(err, CT_EINPUT,
					       "%s:%d: the value of %s contains %s (U+%04lX); refused",
					       t->name, p->line, p->text, why, cp);
			sb_adds(sb, v);
		} else if (p->fallback) {
			sb_adds(sb, p->fallback);
		} else {
			return ct_fail(err, CT_EINPUT,
				       "%s:%d: {{%s}} has no value (fill it in, or give the "
				       "placeholder a fallback)",
				       t->name, p->line, p->text);
		}
	}
	return CT_OK;
}

int template_render(const struct template *t, const struct tpl_vars *vals, char **subject,
		    char **body, struct ct_err *err)
{
	struct strbuf s = STRBUF_INIT, b = STRBUF_INIT;
	*subject = *body = NULL;
	int rc = render_text(t, &t->subject, vals, &s, err);
	if (!rc)
		rc = render_text(t, &t->body, vals, &b, err);
	if (rc) {
		sb_free(&s);
		sb_free(&b);
		return rc;
	}
	*subject = sb_detach(&s);
	*body = sb_detach(&b);
	return CT_OK;
}

/* ---- flat JSON objects ---- */

struct jr {
	const char *p;
};

static void jr_ws(struct jr *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* A JSON string at j->p (at the opening quote) into sb. */
static int jr_string(struct jr *j, struct strbuf *sb)
{
	if (*j->p != '"')
		return 0;
	j->p++;
	for (;;) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return 1;
		}
		if (c < 0x20)
			return 0; /* includes the end of the text */
		if (c != '\\') {
			sb_addc(sb, (char)c);
			j->p++;
			continue;
		}
		char e = j->p[1];
		if (!e)
			return 0;
		j->p += 2;
		switch (e) {
		case '"': sb_addc(sb, '"'); break;
		case '\\': sb_addc(sb, '\\'); break;
		case '/': sb_addc(sb, '/'); break;
		case 'b': sb_addc(sb, '\b'); break;
		case 'f': sb_addc(sb, '\f'); break;
		case 'n': sb_addc(sb, '\n'); break;
		case 'r': sb_addc(sb, '\r'); break;
		case 't': sb_addc(sb, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (!hex4(j->p, &cp))
				return 0;
			j->p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (j->p[0] != '\\' || j->p[1] != 'u' || !hex4(j->p + 2, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return 0;
				j->p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return 0;
			}
			if (cp == 0)
				return 0; /* a NUL cannot live in a C string */
			sb_add_utf8(sb, cp);
			break;
		}
		default: return 0;
		}
	}
}

int json_read_flat(const char *text, const char *prefix, struct tpl_vars *vs, struct ct_err *err)
{
	struct jr j = { text };
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	int rc = CT_OK;
	jr_ws(&j);
	if (*j.p != '{')
		goto bad;
	j.p++;
	jr_ws(&j);
	if (*j.p == '}') {
		j.p++;
		goto end;
	}
	for (;;) {
		sb_reset(&key);
		sb_reset(&val);
		sb_adds(&key, prefix ? prefix : "");
		jr_ws(&j);
		if (!jr_string(&j, &key))
			goto bad;
		jr_ws(&j);
		if (*j.p++ != ':')
			goto bad;
		jr_ws(&j);
		if (*j.p == '"') {
			if (!jr_string(&j, &val))
				goto bad;
		} else if (!strncmp(j.p, "null", 4)) {
			j.p += 4;
		} else if (*j.p == '-' || (*j.p >= '0' && *j.p <= '9')) {
			const char *st = j.p;
			while (*j.p && strchr("+-.eE0123456789", *j.p))
				j.p++;
			sb_add(&val, st, (size_t)(j.p - st));
		} else {
			rc = ct_fail(err, CT_EINPUT,
				     "expected a string, number or null as the value of '%s'",
				     sb_str(&key));
			goto out;
		}
		tpl_vars_set(vs, sb_str(&key), sb_str(&val));
		jr_ws(&j);
		if (*j.p == ',') {
			j.p++;
			continue;
		}
		if (*j.p == '}') {
			j.p++;
			break;
		}
		goto bad;
	}
end:
	jr_ws(&j);
	if (*j.p)
		goto bad;
	goto out;
bad:
	rc = ct_fail(err, CT_EINPUT, "malformed JSON object at offset %ld", (long)(j.p - text));
out:
	sb_free(&key);
	sb_free(&val);
	return rc;
}
