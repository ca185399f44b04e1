/* prefilter.c: literal factors of a pattern, and grams of a text (see
 * prefilter.h). The reader follows the approach of RE2's prefilter and
 * Google Code Search's trigram index: each part of a pattern gets the set
 * of strings it matches exactly (when small and known) and up to three
 * sets, each holding a string that its every match contains; sequences
 * multiply exact sets and gather the sets of their parts (all of them are
 * required), alternatives unite them, repeats and classes of many
 * characters turn them into unknowns. Only a subset of PCRE2 syntax is
 * understood: anything else makes the whole pattern unfiltered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coding/prefilter.h"
#include "base/util.h"
#include "base/banned.h"

#define SET_MAX 256 /* strings in a set; more: unknown */
#define STR_MAX 32  /* bytes of a string; longer: unknown */

struct lset {
	int known;
	int n;
	int sc; /* score(), cached; -2: not yet computed */
	unsigned char len[SET_MAX];
	char s[SET_MAX][STR_MAX];
};

#define AND_MAX 3 /* sets required together */
#define BRANCH_MAX 64 /* alternatives of the whole pattern kept apart */

/* What one part of a pattern matches: exactly one of exact's strings (when
 * exact.known), and a string that contains a string of each req[i]. */
struct info {
	struct lset exact;
	struct lset req[AND_MAX];
	int nreq;
};

/* Branches, each a list of sets, each a list of strings, each a list of
 * gram hashes. A text passes when one branch has all of its sets. */
struct prefilter {
	int nbranch, nset, nstr;
	int *branch_first; /* nbranch + 1 offsets into the sets */
	int *set_first; /* nset + 1 offsets into the strings */
	int *str_first; /* nstr + 1 offsets into gram */
	uint16_t *gram;
};

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static uint16_t hash3(unsigned a, unsigned b, unsigned c)
{
	return (uint16_t)(((a << 16 | b << 8 | c) * 2654435761u) >> (32 - PREFILTER_BITS));
}

static uint16_t hash2(unsigned a, unsigned b)
{
	return (uint16_t)((((a << 8 | b) ^ 0x9e3779b9u) * 2246822519u) >> (32 - PREFILTER_BITS));
}

/* The grams checked for string s: its windows of three ASCII bytes, or,
 * when it has none, of two. Returns how many were written to out (NULL:
 * only counted); *tri tells which kind. */
static int grams(const char *s, int len, uint16_t *out, int *tri)
{
	int n = 0;
	for (int i = 0; i + 2 < len; i++) {
		unsigned a = (unsigned char)s[i], b = (unsigned char)s[i + 1],
			 c = (unsigned char)s[i + 2];
		if (a < 128 && b < 128 && c < 128) {
			if (out)
				out[n] = hash3(a, b, c);
			n++;
		}
	}
	*tri = n > 0;
	if (n)
		return n;
	for (int i = 0; i + 1 < len; i++) {
		unsigned a = (unsigned char)s[i], b = (unsigned char)s[i + 1];
		if (a < 128 && b < 128) {
			if (out)
				out[n] = hash2(a, b);
			n++;
		}
	}
	return n;
}

/* How much a string narrows: 0 nothing (no gram), 1 a pair only, else 2
 * plus its length. */
static int weight(const char *s, int len)
{
	int tri;
	int n = grams(s, len, NULL, &tri);
	return !n ? 0 : tri ? 2 + len : 1;
}

/* A set's worth: that of its weakest string; -1 unknown or empty. */
static int score(struct lset *a)
{
	if (!a->known || !a->n)
		return -1;
	if (a->sc != -2)
		return a->sc;
	int m = 1 << 30;
	for (int i = 0; i < a->n; i++) {
		int w = weight(a->s[i], a->len[i]);
		if (w < m)
			m = w;
	}
	return a->sc = m;
}

/* dst := src, copying only the strings in use. */
static void set_copy(struct lset *dst, const struct lset *src)
{
	if (dst == src)
		return;
	dst->known = src->known;
	dst->n = src->n;
	dst->sc = src->sc;
	memcpy(dst->len, src->len, (size_t)src->n);
	memcpy(dst->s, src->s, (size_t)src->n * STR_MAX);
}

/* The better requirement of a and b, into a. */
static void keep_best(struct lset *a, struct lset *b)
{
	int sa = score(a), sb = score(b);
	if (sb > sa || (sb == sa && sb >= 0 && b->n < a->n))
		set_copy(a, b);
}

static void set_one(struct lset *a, const char *s, int len)
{
	a->known = 1;
	a->n = 1;
	a->sc = -2;
	memcpy(a->s[0], s, (size_t)len);
	a->len[0] = (unsigned char)len;
}

/* Adds s to a unless present; 0 when it does not fit. */
static int set_add(struct lset *a, const char *s, int len)
{
	for (int i = 0; i < a->n; i++)
		if (a->len[i] == len && !memcmp(a->s[i], s, (size_t)len))
			return 1;
	if (a->n == SET_MAX || len > STR_MAX)
		return 0;
	memcpy(a->s[a->n], s, (size_t)len);
	a->len[a->n++] = (unsigned char)len;
	a->sc = -2;
	return 1;
}

static void info_empty(struct info *x)
{
	set_one(&x->exact, "", 0);
	x->nreq = 0;
}

static void info_unknown(struct info *x)
{
	x->exact.known = 0;
	x->exact.n = 0;
	x->exact.sc = -2;
	x->nreq = 0;
}

static void info_copy(struct info *dst, const struct info *src)
{
	set_copy(&dst->exact, &src->exact);
	dst->nreq = src->nreq;
	for (int i = 0; i < src->nreq; i++)
		set_copy(&dst->req[i], &src->req[i]);
}

static int set_same(const struct lset *a, const struct lset *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->s[i], b->s[i], a->len[i]))
			return 0;
	return 1;
}

/* Adds s to x's required sets: kept when it narrows at all, in place of
 * the weakest when all places are taken and it is better. */
static void req_add(struct info *x, struct lset *s)
{
	int sc = score(s);
	if (sc < 1)
		return;
	for (int i = 0; i < x->nreq; i++)
		if (set_same(&x->req[i], s))
			return;
	if (x->nreq < AND_MAX) {
		set_copy(&x->req[x->nreq++], s);
		return;
	}
	int w = 0;
	for (int i = 1; i < x->nreq; i++)
		if (score(&x->req[i]) < score(&x->req[w]) ||
		    (score(&x->req[i]) == score(&x->req[w]) && x->req[i].n > x->req[w].n))
			w = i;
	if (sc > score(&x->req[w]) || (sc == score(&x->req[w]) && s->n < x->req[w].n))
		set_copy(&x->req[w], s);
}

/* The one set that narrows x most: the best of its required sets and its
 * exact set (unknown when none narrows). */
static void info_best(struct info *x, struct lset *out)
{
	out->known = 0;
	out->n = 0;
	out->sc = -2;
	for (int i = 0; i < x->nreq; i++)
		keep_best(out, &x->req[i]);
	keep_best(out, &x->exact);
}

/* out := the strings of a followed by those of b; out unknown when a or b
 * is, or when the product is too big. */
static void product(const struct lset *a, const struct lset *b, struct lset *out)
{
	out->known = a->known && b->known && a->n * b->n <= SET_MAX;
	out->n = 0;
	out->sc = -2;
	/* Written straight in: a repeated string does no harm, and looking
	 * for one made reading the rules quadratic. */
	for (int i = 0; out->known && i < a->n; i++)
		for (int j = 0; out->known && j < b->n; j++) {
			int la = a->len[i], lb = b->len[j];
			if (la + lb > STR_MAX) {
				out->known = 0;
				break;
			}
			memcpy(out->s[out->n], a->s[i], (size_t)la);
			memcpy(out->s[out->n] + la, b->s[j], (size_t)lb);
			out->len[out->n++] = (unsigned char)(la + lb);
		}
	if (!out->known)
		out->n = 0;
}

/* Whether a followed by b is a's strings each with b's one string
 * appended, all fitting: then append1 does what product would, in place
 * (a pattern's literal letters come one at a time, and copying every
 * string of the set for each made reading the rules a tenth of start-up). */
static int can_append1(const struct lset *a, const struct lset *b)
{
	if (!a->known || !b->known || b->n != 1)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->len[i] + b->len[0] > STR_MAX)
			return 0;
	return 1;
}

static void append1(struct lset *a, const struct lset *b)
{
	for (int i = 0; i < a->n; i++) {
		memcpy(a->s[i] + a->len[i], b->s[0], b->len[0]);
		a->len[i] = (unsigned char)(a->len[i] + b->len[0]);
	}
	a->sc = -2;
}

/* cur := cur followed by b. tail is the exact set of the sequence's
 * longest known suffix (after a \s+ or a .*, the literal that follows
 * still counts: "\s+verhuurd" requires "verhuurd"); a tail that cannot
 * grow becomes a required set, as do b's own. */
static void concat(struct info *cur, struct lset *tail, struct info *b, struct lset *tmp)
{
	for (int i = 0; i < b->nreq; i++)
		req_add(cur, &b->req[i]);
	if (can_append1(tail, &b->exact)) {
		append1(tail, &b->exact);
	} else {
		product(tail, &b->exact, tmp);
		if (tmp->known) {
			set_copy(tail, tmp);
		} else {
			req_add(cur, tail);
			set_copy(tail, &b->exact);
		}
	}
	if (can_append1(&cur->exact, &b->exact)) {
		append1(&cur->exact, &b->exact);
	} else {
		product(&cur->exact, &b->exact, tmp);
		set_copy(&cur->exact, tmp);
	}
}

struct reader {
	const char *p;
	int bad;          /* syntax outside the understood subset */
	struct lset *tmp; /* scratch for concat, allocated once */
	/* What each alternative of the whole pattern requires, kept apart:
	 * /a\s+b|c\s+d/ needs "a" and "b", or "c" and "d", which is
	 * sharper than one of the four. */
	struct info **branch;
	int nbranch;
};

static void alts(struct reader *rd, struct info *out, int depth);

/* Past the ']' that closes the class whose '[' is just before p, as
 * PCRE2 reads it: a ']' first (after '^' and any \E) is a member, POSIX
 * names ("[:alpha:]") and \Q...\E quote their own ']', \cX takes one
 * more character. NULL when the class does not close. */
static const char *class_end(const char *p)
{
	if (*p == '^')
		p++;
	for (;;) {
		if (p[0] == '\\' && p[1] == 'E')
			p += 2;
		else if (p[0] == '\\' && p[1] == 'Q' && p[2] == '\\' && p[3] == 'E')
			p += 4;
		else
			break;
	}
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (p[0] == '[' && p[1] == ':') {
			const char *q = p + 2;
			if (*q == '^')
				q++;
			while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
				q++;
			p = q[0] == ':' && q[1] == ']' ? q + 2 : p + 1;
			continue;
		}
		if (*p == '\\') {
			if (p[1] == 'Q') {
				const char *e = strstr(p + 2, "\\E");
				if (!e)
					return NULL;
				p = e + 2;
			} else if (p[1] == 'c' && p[2]) {
				p += 3;
			} else if (p[1]) {
				p += 2;
			} else {
				return NULL;
			}
			continue;
		}
		p++;
	}
	return *p == ']' ? p + 1 : NULL;
}

/* Skips a group body up to and past its ')' (rd->p just inside), with
 * classes, quoting, \cX and comments read as PCRE2 reads them. */
static void skip_group(struct reader *rd)
{
	int depth = 1;
	const char *p = rd->p;
	while (*p && depth) {
		if (*p == '\\') {
			if (p[1] == 'Q') {
				const char *e = strstr(p + 2, "\\E");
				p = e ? e + 2 : p + strlen(p);
			} else if (p[1] == 'c' && p[2]) {
				p += 3;
			} else if (p[1]) {
				p += 2;
			} else {
				break;
			}
			continue;
		}
		if (*p == '[') {
			const char *e = class_end(p + 1);
			if (!e)
				break;
			p = e;
			continue;
		}
		if (p[0] == '(' && p[1] == '?' && p[2] == '#') {
			const char *e = strchr(p, ')');
			if (!e)
				break;
			p = e + 1;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		p++;
	}
	if (depth)
		rd->bad = 1;
	rd->p = p;
}

/* A character class, rd->p just past '['. Where it ends is read as PCRE2
 * reads it (class_end); a class of plain single characters (ASCII and its
 * ranges, UTF-8 characters such as the 'e' of "[ée]") becomes the set of
 * its members, one with an escape or a POSIX name an unknown. */
static void char_class(struct reader *rd, struct info *x)
{
	const char *p = rd->p, *end = class_end(p);
	info_unknown(x);
	if (!end) {
		rd->bad = 1;
		return;
	}
	rd->p = end;
	end--; /* the closing ']' */
	if (*p == '^')
		return;
	struct lset *m = &x->exact;
	m->known = 1;
	int simple = 1, first = 1;
	while (p < end && simple) {
		int c = (unsigned char)*p;
		if (c == '\\' || (c == '[' && p[1] == ':')) {
			simple = 0;
		} else if (c >= 128) {
			/* One UTF-8 character, kept whole. */
			int n = 1;
			while (n < 4 && p + n < end && ((unsigned char)p[n] & 0xc0) == 0x80)
				n++;
			if (p + n < end && p[n] == '-' && p + n + 1 < end)
				simple = 0; /* a range from it */
			else if (!set_add(m, p, n))
				simple = 0;
			p += n;
		} else if (!first && p + 2 < end && p[1] == '-') {
			int hi = (unsigned char)p[2];
			if (hi == '\\' || hi >= 128 || hi < c || (hi == '[' && p[3] == ':')) {
				simple = 0;
			} else {
				for (int k = c; k <= hi && simple; k++) {
					char ch = (char)lower_ascii(k);
					simple = set_add(m, &ch, 1);
				}
				p += 3;
			}
		} else if (first && p + 2 < end && p[1] == '-' && c != ']') {
			simple = 0; /* a range at the start: left to PCRE2 */
		} else {
			char ch = (char)lower_ascii(c);
			simple = set_add(m, &ch, 1);
			p++;
		}
		first = 0;
	}
	if (!simple || m->n > 16)
		info_unknown(x);
}

/* One atom at rd->p into x; 0 at the end of a sequence. */
static int atom(struct reader *rd, struct info *x, int depth)
{
	const char *p = rd->p;
	int c = (unsigned char)*p;
	if (!c || c == '|' || c == ')')
		return 0;
	if (c == '\\') {
		int e = (unsigned char)p[1];
		rd->p = p + 2;
		if (!e) {
			rd->bad = 1;
		} else if (strchr("bBAzZG", e)) {
			info_empty(x);
		} else if (strchr("sSwWdDhHvVRXntrfe", e)) {
			info_unknown(x);
		} else if ((e == 'p' || e == 'P') && p[2] == '{') {
			const char *q = strchr(p + 2, '}');
			if (!q)
				rd->bad = 1;
			else
				rd->p = q + 1;
			info_unknown(x);
		} else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') ||
			   e >= 128) {
			/* \Q, \x, back references, \K ...: not followed. */
			rd->bad = 1;
		} else {
			char ch = (char)e;
			set_one(&x->exact, &ch, 1);
			x->nreq = 0;
		}
		return 1;
	}
	if (c == '.') {
		rd->p = p + 1;
		info_unknown(x);
		return 1;
	}
	if (c == '^' || c == '$') {
		rd->p = p + 1;
		info_empty(x);
		return 1;
	}
	if (c == '[') {
		if (!strncmp(p, "[[:<:]]", 7) || !strncmp(p, "[[:>:]]", 7)) {
			/* Not classes: PCRE2's start and end of a word. */
			rd->p = p + 7;
			info_empty(x);
			return 1;
		}
		rd->p = p + 1;
		char_class(rd, x);
		return 1;
	}
	if (c == '(') {
		p++;
		if (*p == '?') {
			if (p[1] == ':' || p[1] == '>' || p[1] == '|') {
				p += 2;
			} else if (p[1] == '=' || (p[1] == '<' && p[2] == '=')) {
				/* A positive lookaround consumes nothing, but what it
				 * requires must be in the text. */
				rd->p = p + (p[1] == '=' ? 2 : 3);
				struct info *in = xmalloc(sizeof(*in));
				alts(rd, in, depth + 1);
				if (rd->bad) {
					free(in);
					return 0;
				}
				info_empty(x);
				for (int i = 0; i < in->nreq; i++)
					req_add(x, &in->req[i]);
				req_add(x, &in->exact);
				free(in);
				if (*rd->p != ')')
					rd->bad = 1;
				else
					rd->p++;
				return 1;
			} else if (p[1] == '!' || (p[1] == '<' && p[2] == '!')) {
				/* A negative one requires nothing. */
				rd->p = p;
				skip_group(rd);
				info_empty(x);
				return 1;
			} else if (p[1] == '#') {
				const char *q = strchr(p, ')');
				/* A quantifier after a comment applies to what stood
				 * before it: left to PCRE2. */
				if (!q || strchr("?*+{", q[1])) {
					rd->bad = 1;
					return 0;
				}
				rd->p = q + 1;
				info_empty(x);
				return 1;
			} else if (p[1] == '<' || p[1] == '\'' || (p[1] == 'P' && p[2] == '<')) {
				const char *q = strpbrk(p + 2, ">'");
				if (!q) {
					rd->bad = 1;
					return 0;
				}
				p = q + 1;
			} else {
				/* Options: those that leave literals alone (dot-all,
				 * multi-line, caseless, ungreedy, no auto capture,
				 * duplicate names) are followed; extended syntax, which
				 * changes what a blank means, is not. */
				const char *q = p + 1;
				while (*q && strchr("imsnUJ-", *q))
					q++;
				if (q == p + 1 || (*q != ')' && *q != ':')) {
					rd->bad = 1;
					return 0;
				}
				if (*q == ')') {
					rd->p = q + 1;
					info_empty(x);
					return 1;
				}
				p = q + 1;
			}
		}
		rd->p = p;
		alts(rd, x, depth + 1);
		if (*rd->p != ')')
			rd->bad = 1;
		else
			rd->p++;
		return 1;
	}
	if (c == '*' || c == '+' || c == '?' || c == '{') {
		rd->bad = 1;
		return 0;
	}
	/* A literal character: ASCII in lower case, UTF-8 whole. */
	int n = 1;
	char buf[4];
	buf[0] = (char)lower_ascii(c);
	if (c >= 0xc0)
		while (n < 4 && ((unsigned char)p[n] & 0xc0) == 0x80) {
			buf[n] = p[n];
			n++;
		}
	rd->p = p + n;
	set_one(&x->exact, buf, n);
	x->nreq = 0;
	return 1;
}

/* A quantifier after an atom, if any, applied to x. */
static void quantifier(struct reader *rd, struct info *x)
{
	const char *p = rd->p;
	long lo;
	if (*p == '?') {
		p++;
		int fits = x->exact.known && set_add(&x->exact, "", 0);
		if (!fits)
			info_unknown(x);
		x->nreq = 0;
	} else if (*p == '*') {
		p++;
		info_unknown(x);
	} else if (*p == '+' || *p == '{') {
		if (*p == '{') {
			char *end;
			lo = strtol(p + 1, &end, 10);
			if (end == p + 1 || (*end != '}' && *end != ',')) {
				rd->bad = 1;
				return;
			}
			while (*end && *end != '}')
				end++;
			if (!*end) {
				rd->bad = 1;
				return;
			}
			p = end + 1;
		} else {
			lo = 1;
			p++;
		}
		if (lo == 0) {
			info_unknown(x);
		} else {
			/* At least once: what one copy requires stays required. */
			req_add(x, &x->exact);
			x->exact.known = 0;
			x->exact.n = 0;
		}
	} else {
		return;
	}
	if (*p == '?' || *p == '+')
		p++;
	rd->p = p;
}

static void seq(struct reader *rd, struct info *cur, int depth)
{
	struct info *a = xmalloc(sizeof(*a));
	struct lset *tail = xmalloc(sizeof(*tail));
	info_empty(cur);
	set_one(tail, "", 0);
	while (!rd->bad && atom(rd, a, depth)) {
		if (rd->bad)
			break;
		quantifier(rd, a);
		concat(cur, tail, a, rd->tmp);
	}
	req_add(cur, tail);
	free(tail);
	free(a);
}

static void alts(struct reader *rd, struct info *out, int depth)
{
	/* out is known to be written, also when the reader gives up. */
	info_unknown(out);
	if (depth > 20) {
		rd->bad = 1;
		return;
	}
	struct info *cur = xmalloc(sizeof(*cur));
	struct lset *r = xmalloc(sizeof(*r)), *u = xmalloc(sizeof(*u));
	int nalt = 0;
	u->known = 1;
	u->n = 0;
	u->sc = -2;
	for (;;) {
		seq(rd, cur, depth);
		if (rd->bad)
			break;
		/* One alternative keeps all it requires; of several, each
		 * gives its best set and the group requires their union. */
		if (nalt++ == 0) {
			info_copy(out, cur);
		} else {
			for (int i = 0; out->exact.known && i < cur->exact.n; i++)
				if (!set_add(&out->exact, cur->exact.s[i], cur->exact.len[i]))
					out->exact.known = 0;
			if (!cur->exact.known)
				out->exact.known = 0;
			out->exact.sc = -2;
		}
		if (depth == 0 && rd->nbranch < BRANCH_MAX) {
			rd->branch[rd->nbranch] = xmalloc(sizeof(struct info));
			info_copy(rd->branch[rd->nbranch++], cur);
		} else if (depth == 0) {
			rd->nbranch = BRANCH_MAX + 1; /* too many: the union only */
		}
		info_best(cur, r);
		if (score(r) < 1)
			u->known = 0;
		for (int i = 0; u->known && i < r->n; i++)
			if (!set_add(u, r->s[i], r->len[i]))
				u->known = 0;
		if (*rd->p != '|')
			break;
		rd->p++;
	}
	if (!out->exact.known)
		out->exact.n = 0;
	if (nalt > 1) {
		out->nreq = 0;
		req_add(out, u);
	}
	free(u);
	free(r);
	free(cur);
}

/* x's required sets, narrowest first (most texts fail it), into order;
 * returns how many. */
static int req_order(struct info *x, int *order)
{
	int nset = x->nreq;
	for (int i = 0; i < nset; i++) {
		int k = i;
		while (k > 0 && score(&x->req[order[k - 1]]) < score(&x->req[i])) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	return nset;
}

/* The filter of the infos x[0..n), one branch each; NULL when one of
 * them requires nothing. */
static struct prefilter *filter_of(struct info **x, int n)
{
	int nset = 0, nstr = 0, ngram = 0, tri;
	for (int b = 0; b < n; b++) {
		req_add(x[b], &x[b]->exact);
		if (!x[b]->nreq)
			return NULL;
		nset += x[b]->nreq;
		for (int i = 0; i < x[b]->nreq; i++) {
			nstr += x[b]->req[i].n;
			for (int j = 0; j < x[b]->req[i].n; j++)
				ngram += grams(x[b]->req[i].s[j], x[b]->req[i].len[j], NULL, &tri);
		}
	}
	/* One block: a check reads the filter front to back, and a text
	 * is checked against hundreds of filters. */
	size_t ints = (size_t)n + 1 + (size_t)nset + 1 + (size_t)nstr + 1;
	struct prefilter *pf = xcalloc(1, sizeof(*pf) + ints * sizeof(int) +
						 (size_t)ngram * sizeof(*pf->gram));
	pf->nbranch = n;
	pf->nset = nset;
	pf->nstr = nstr;
	pf->branch_first = (int *)(pf + 1);
	pf->set_first = pf->branch_first + n + 1;
	pf->str_first = pf->set_first + nset + 1;
	pf->gram = (uint16_t *)(pf->str_first + nstr + 1);
	int si = 0, so = 0;
	for (int b = 0; b < n; b++) {
		int order[AND_MAX], k = req_order(x[b], order);
		for (int o = 0; o < k; o++, so++) {
			struct lset *set = &x[b]->req[order[o]];
			for (int j = 0; j < set->n; j++, si++)
				pf->str_first[si + 1] =
					pf->str_first[si] + grams(set->s[j], set->len[j],
								  pf->gram + pf->str_first[si], &tri);
			pf->set_first[so + 1] = si;
		}
		pf->branch_first[b + 1] = so;
	}
	return pf;
}

struct prefilter *prefilter_new(const char *pattern)
{
	struct reader rd = { pattern, 0, xmalloc(sizeof(struct lset)),
			     xcalloc(BRANCH_MAX, sizeof(struct info *)), 0 };
	struct info *x = xmalloc(sizeof(*x));
	x->nreq = 0;
	alts(&rd, x, 0);
	struct prefilter *pf = NULL;
	if (!rd.bad && !*rd.p)
		pf = rd.nbranch > 1 && rd.nbranch <= BRANCH_MAX ? filter_of(rd.branch, rd.nbranch)
								: filter_of(&x, 1);
	for (int b = 0; b < rd.nbranch && b < BRANCH_MAX; b++)
		free(rd.branch[b]);
	free(rd.branch);
	free(x);
	free(rd.tmp);
	return pf;
}

void prefilter_free(struct prefilter *pf)
{
	free(pf);
}

/* Sets gram h in t's bitmap, listing it the first time. */
static void gram_set(struct prefilter_text *t, uint16_t h)
{
	unsigned char bit = (unsigned char)(1u << (h & 7));
	if (t->map[h >> 3] & bit)
		return;
	t->map[h >> 3] |= bit;
	if (t->ngram < PREFILTER_LIST)
		t->gram[t->ngram] = h;
	if (t->ngram <= PREFILTER_LIST)
		t->ngram++;
}

void prefilter_scan(struct prefilter_text *t, const char *text, size_t len)
{
	memset(t->map, 0, sizeof(t->map));
	t->all = 0;
	t->ngram = 0;
	unsigned a = 0, b = 0; /* the two bytes before, lower case; 0 none */
	for (size_t i = 0; i < len; i++) {
		unsigned c = (unsigned char)text[i];
		if (c >= 128) {
			/* U+212A KELVIN SIGN, U+017F LATIN SMALL LETTER LONG S,
			 * U+0130 and U+0131 (dotted and dotless i) match ASCII
			 * letters caselessly. */
			if ((c == 0xe2 && i + 2 < len && (unsigned char)text[i + 1] == 0x84 &&
			     (unsigned char)text[i + 2] == 0xaa) ||
			    (c == 0xc5 && i + 1 < len && (unsigned char)text[i + 1] == 0xbf) ||
			    (c == 0xc4 && i + 1 < len && ((unsigned char)text[i + 1] == 0xb0 ||
							  (unsigned char)text[i + 1] == 0xb1)))
				t->all = 1;
			a = b = 0;
			continue;
		}
		c = (unsigned)lower_ascii((int)c);
		if (b) {
			gram_set(t, hash2(b, c));
			if (a)
				gram_set(t, hash3(a, b, c));
		}
		a = b;
		b = c;
	}
}

int prefilter_may_match(const struct prefilter *pf, const struct prefilter_text *t)
{
	if (!pf || t->all)
		return 1;
	for (int b = 0; b < pf->nbranch; b++) {
		int set = pf->branch_first[b], found = 1;
		for (; set < pf->branch_first[b + 1] && found; set++) {
			found = 0;
			for (int i = pf->set_first[set]; i < pf->set_first[set + 1] && !found; i++) {
				int k = pf->str_first[i];
				while (k < pf->str_first[i + 1] &&
				       (t->map[pf->gram[k] >> 3] & (1u << (pf->gram[k] & 7))))
					k++;
				found = k == pf->str_first[i + 1];
			}
		}
		if (found)
			return 1;
	}
	return 0;
}

/* The index: each string of the first (narrowest) set of each branch of
 * each filter is keyed by its two rarest grams (one when it has one); a
 * filter is a candidate when both keys of one of those strings are in
 * the text, which every text it passes has. Two keys rather than one:
 * with one, a text was a candidate of 60 filters and passed 11. */
struct prefilter_index {
	int n;            /* filters */
	int nword;        /* (n + 63) / 64 */
	uint64_t *always; /* bits: a NULL filter, a candidate for every text */
	int nkey;
	uint16_t *key;    /* nkey distinct grams, ascending */
	int *first;       /* nkey + 1 offsets into who */
	int *who;         /* keyed strings */
	int nstr;         /* keyed strings */
	struct keyed_str *str;
	unsigned text;    /* the current text's stamp */
	/* key[slot[g] - 1] == g for a key gram g; 0 for the others. */
	uint32_t *slot;
};

/* A keyed string: its filter, how many keys, and for the text last
 * counted (stamp) how many of them it holds. Together: one cache line is
 * read per key found, not four. */
struct keyed_str {
	int owner;
	unsigned stamp;
	unsigned char need, got;
};

struct keyed {
	uint16_t gram;
	int who;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	return x->gram != y->gram ? (x->gram < y->gram ? -1 : 1) : (x->who > y->who) - (x->who < y->who);
}

struct prefilter_index *prefilter_index_new(struct prefilter *const *pf, int n)
{
	struct prefilter_index *ix = xcalloc(1, sizeof(*ix));
	ix->n = n;
	ix->nword = (n + 63) / 64;
	ix->always = xcalloc((size_t)(ix->nword ? ix->nword : 1), sizeof(uint64_t));
	/* Rarest: in the fewest strings of all filters (a common gram, "een"
	 * or "ver", would make its filter a candidate for nearly every text). */
	int *uses = xcalloc(1u << PREFILTER_BITS, sizeof(int));
	int nstr = 0;
	for (int i = 0; i < n; i++) {
		for (int g = 0; pf[i] && g < pf[i]->str_first[pf[i]->nstr]; g++)
			uses[pf[i]->gram[g]]++;
		nstr += pf[i] ? pf[i]->nstr : 0;
	}
	ix->str = xcalloc((size_t)nstr + 1, sizeof(*ix->str));
	int cap = 0, m = 0;
	struct keyed *k = NULL;
	for (int i = 0; i < n; i++) {
		if (!pf[i] || !pf[i]->nset) {
			ix->always[i / 64] |= 1ull << (i % 64);
			continue;
		}
		for (int b = 0; b < pf[i]->nbranch; b++) {
			int set = pf[i]->branch_first[b];
			for (int s = pf[i]->set_first[set]; s < pf[i]->set_first[set + 1]; s++) {
				const uint16_t *g = pf[i]->gram + pf[i]->str_first[s];
				int ng = pf[i]->str_first[s + 1] - pf[i]->str_first[s], a = 0, c = -1;
				for (int q = 1; q < ng; q++)
					if (uses[g[q]] < uses[g[a]])
						a = q;
				for (int q = 0; q < ng; q++)
					if (g[q] != g[a] && (c < 0 || uses[g[q]] < uses[g[c]]))
						c = q;
				if (m + 2 > cap) {
					cap = cap ? 2 * cap : 256;
					k = xrealloc(k, (size_t)cap * sizeof(*k));
				}
				ix->str[ix->nstr].owner = i;
				ix->str[ix->nstr].need = c < 0 ? 1 : 2;
				k[m].gram = g[a];
				k[m++].who = ix->nstr;
				if (c >= 0) {
					k[m].gram = g[c];
					k[m++].who = ix->nstr;
				}
				ix->nstr++;
			}
		}
	}
	free(uses);
	if (m)
		qsort(k, (size_t)m, sizeof(*k), keyed_cmp);
	ix->key = xcalloc((size_t)(m ? m : 1), sizeof(*ix->key));
	ix->first = xcalloc((size_t)m + 1, sizeof(int));
	ix->who = xcalloc((size_t)(m ? m : 1), sizeof(int));
	ix->slot = xcalloc(1u << PREFILTER_BITS, sizeof(*ix->slot));
	int nw = 0;
	for (int j = 0; j < m; j++) {
		if (!j || k[j].gram != k[j - 1].gram) {
			ix->slot[k[j].gram] = (uint32_t)ix->nkey + 1;
			ix->key[ix->nkey] = k[j].gram;
			ix->first[ix->nkey++] = nw;
		}
		ix->who[nw++] = k[j].who;
	}
	ix->first[ix->nkey] = nw;
	free(k);
	return ix;
}

void prefilter_index_free(struct prefilter_index *ix)
{
	if (!ix)
		return;
	free(ix->always), free(ix->key), free(ix->first), free(ix->who);
	free(ix->str), free(ix->slot);
	free(ix);
}

/* Key gram j is in the text: counts it for the strings it keys, and
 * marks the filter of each string whose keys are all there. */
static void mark(struct prefilter_index *ix, int j, uint64_t *cand)
{
	for (int w = ix->first[j]; w < ix->first[j + 1]; w++) {
		struct keyed_str *k = &ix->str[ix->who[w]];
		if (k->stamp != ix->text) {
			k->stamp = ix->text;
			k->got = 0;
		}
		if (++k->got == k->need)
			cand[k->owner / 64] |= 1ull << (k->owner % 64);
	}
}

void prefilter_index_candidates(struct prefilter_index *ix, const struct prefilter_text *t,
				uint64_t *cand)
{
	if (t->all) {
		for (int w = 0; w < ix->nword; w++)
			cand[w] = ~0ull;
		if (ix->n % 64)
			cand[ix->nword - 1] = (1ull << (ix->n % 64)) - 1;
		return;
	}
	memcpy(cand, ix->always, (size_t)ix->nword * sizeof(uint64_t));
	if (++ix->text == 0) { /* the stamps wrapped: start afresh */
		for (int i = 0; i < ix->nstr; i++)
			ix->str[i].stamp = 0;
		ix->text = 1;
	}
	if (t->ngram > PREFILTER_LIST) {
		/* Too many grams to list: every key is tested. */
		for (int j = 0; j < ix->nkey; j++) {
			uint16_t g = ix->key[j];
			if (t->map[g >> 3] & (1u << (g & 7)))
				mark(ix, j, cand);
		}
		return;
	}
	/* Each of the text's grams (each listed once) that keys strings. */
	for (int x = 0; x < t->ngram; x++) {
		uint16_t g = t->gram[x];
		if (ix->slot[g])
			mark(ix, (int)ix->slot[g] - 1, cand);
	}
}
