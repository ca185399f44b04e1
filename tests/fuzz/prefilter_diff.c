/* fz.c: differential fuzzer for tools/lib/coding/prefilter.c.
 *
 * Soundness property: whenever PCRE2 (UTF|UCP|CASELESS, interpreter or JIT)
 * finds a match of pattern P in text T, prefilter_may_match(prefilter_new(P),
 * scan(T)) must be 1 and the index candidate flag of P must be 1.
 *
 * Usage: fz [-s seed] [-t seconds] [-r rulesdir] [-q] [-M pattern text]
 *   -M: minimise / check one given pair and exit.
 * Patterns come from a random grammar (gen_*); texts from a sampler that
 * walks a pattern with PCRE2's syntax rules and emits a string it likely
 * matches (s_*), embedded in random text and mutated (case, look-alikes).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>

#include "coding/prefilter.h"

/* ---------------- rng ---------------- */
static uint64_t rs = 88172645463325252ull;
static uint64_t rnd64(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}
static int rn(int n) { return n <= 0 ? 0 : (int)(rnd64() % (uint64_t)n); }
static int chance(int pct) { return rn(100) < pct; }
#define PICK(a) (a[rn((int)(sizeof(a) / sizeof(a[0])))])

/* ---------------- buffers ---------------- */
typedef struct {
	char *b;
	size_t n, cap;
} buf;
static void bput(buf *o, const char *s, size_t n)
{
	if (!o)
		return;
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2 + 64;
		o->b = realloc(o->b, o->cap);
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = 0;
}
static void bputs(buf *o, const char *s) { bput(o, s, strlen(s)); }
static void bputc(buf *o, int c)
{
	char ch = (char)c;
	bput(o, &ch, 1);
}
static void bcp(buf *o, unsigned cp)
{
	char t[4];
	if (cp == 0 || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		t[0] = (char)cp;
		bput(o, t, 1);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 63));
		bput(o, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | cp >> 12);
		t[1] = (char)(0x80 | ((cp >> 6) & 63));
		t[2] = (char)(0x80 | (cp & 63));
		bput(o, t, 3);
	} else {
		t[0] = (char)(0xf0 | cp >> 18);
		t[1] = (char)(0x80 | ((cp >> 12) & 63));
		t[2] = (char)(0x80 | ((cp >> 6) & 63));
		t[3] = (char)(0x80 | (cp & 63));
		bput(o, t, 4);
	}
}
/* decode one UTF-8 char at p; returns length (>=1) */
static int u8dec(const char *p, unsigned *cp)
{
	unsigned c = (unsigned char)p[0];
	if (c < 0x80 || !p[1]) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc0 && c < 0xe0 && ((unsigned char)p[1] & 0xc0) == 0x80) {
		*cp = (c & 31) << 6 | ((unsigned char)p[1] & 63);
		return 2;
	}
	if (c >= 0xe0 && c < 0xf0 && ((unsigned char)p[1] & 0xc0) == 0x80 &&
	    ((unsigned char)p[2] & 0xc0) == 0x80) {
		*cp = (c & 15) << 12 | ((unsigned char)p[1] & 63) << 6 | ((unsigned char)p[2] & 63);
		return 3;
	}
	if (c >= 0xf0 && ((unsigned char)p[1] & 0xc0) == 0x80 && ((unsigned char)p[2] & 0xc0) == 0x80 &&
	    ((unsigned char)p[3] & 0xc0) == 0x80) {
		*cp = (c & 7) << 18 | ((unsigned char)p[1] & 63) << 12 | ((unsigned char)p[2] & 63) << 6 |
		      ((unsigned char)p[3] & 63);
		return 4;
	}
	*cp = c;
	return 1;
}

/* ---------------- character pools ---------------- */
static const char *U8LET[] = { "é", "è", "à", "ç", "’", "ß", "ê", "ë", "ï", "ô", "ù", "û", "ü", "œ", "æ",
			       "É", "È", "À", "Ç", "Œ", "ñ", "ö", "ä", "å", "Å", "ẞ", "ÿ", "Ÿ" };
static const char *LOOK[] = {
	"\xe2\x84\xaa", /* U+212A KELVIN */
	"\xc5\xbf",     /* U+017F long s */
	"\xc4\xb0",     /* U+0130 */
	"\xc4\xb1",     /* U+0131 */
	"\xe2\x84\xab", /* U+212B ANGSTROM */
	"\xe2\x84\xa6", /* U+2126 OHM */
	"\xc2\xb5",     /* micro */
	"\xc2\xa0",     /* NBSP */
	"\xcc\x81",     /* combining acute */
	"\xe1\xba\x9e", /* capital sharp s */
	"\xef\xbc\xa1", /* fullwidth A */
	"\xef\xbd\x8b", /* fullwidth k */
	"\xe2\x80\xaf", /* narrow nbsp */
	"\xef\xac\x80", /* ff ligature */
	"\xef\xac\x81", /* fi ligature */
	"\xe2\x80\x99", /* right quote */
};
static const char *WORDS[] = {
	"verhuurd", "niet", "meer", "geen", "bezichtiging", "kandidaat", "huurder", "al", "is", "weg",
	"déjà", "loué", "plus", "disponible", "n’est", "l’appartement", "ça", "où", "être", "garçon",
	"already", "rented", "taken", "sorry", "skills", "kiss", "ski", "kilo", "Kelvin", "Strasse",
	"straße", "sinds", "kort", "is", "ik", "k", "s", "i", "sk", "ks", "ss", "kk", "iii", "abc",
	"ab", "x", "xy", "qqq", "zz", "ok", "oké", "café", "naïve", "œuvre", "ſ", "İstanbul", "kamer",
	"job", "vacature", "ingevuld", "The", "IS", "NOT", "Ki", "sKi", "a b", "a-b", "a.b", "c'est",
	"c’est", "e-mail", "p.s.", "?", "!", "  ", "ﬁn", "ﬀ",
};
static const char *ASCII_PUNCT = " !\"#%&',-/:;<=>@_`~";
static const char *ESC_PUNCT = ".-/?()[]{}*+|\\^$'\",!#: @&%<>=~`_;";

/* a random "plain" char for texts */
static void rand_char(buf *o)
{
	int k = rn(100);
	if (k < 50)
		bputc(o, 'a' + rn(26));
	else if (k < 60)
		bputc(o, 'A' + rn(26));
	else if (k < 70)
		bputc(o, ' ');
	else if (k < 75)
		bputc(o, '0' + rn(10));
	else if (k < 85)
		bputc(o, ASCII_PUNCT[rn((int)strlen(ASCII_PUNCT))]);
	else if (k < 93)
		bputs(o, PICK(U8LET));
	else if (k < 97)
		bputs(o, PICK(LOOK));
	else if (k < 98)
		bputc(o, '\n');
	else if (k < 99)
		bputc(o, '\t');
	else
		bcp(o, 0x80 + (unsigned)rn(0x3000));
}
static void rand_text(buf *o, int n)
{
	for (int i = 0; i < n; i++) {
		if (chance(15)) {
			bputs(o, PICK(WORDS));
			bputc(o, ' ');
		} else
			rand_char(o);
	}
}

/* ---------------- pattern generator ---------------- */
static void gen_alt(buf *o, int d);
static int gen_ncap;

static void gen_litchar(buf *o)
{
	int k = rn(100);
	if (k < 55) {
		int c = 'a' + rn(26);
		if (chance(20))
			c -= 32;
		bputc(o, c);
	} else if (k < 62)
		bputc(o, ' ');
	else if (k < 67)
		bputc(o, '0' + rn(10));
	else if (k < 75)
		bputc(o, ASCII_PUNCT[rn((int)strlen(ASCII_PUNCT))]);
	else if (k < 90)
		bputs(o, PICK(U8LET));
	else if (k < 93)
		bputs(o, PICK(LOOK));
	else if (k < 96) {
		bputc(o, '\\');
		bputc(o, ESC_PUNCT[rn((int)strlen(ESC_PUNCT))]);
	} else {
		const char *lit[] = { "]", "}", "{", "{,3}", "{1,x}", "{-1}", "{ 1}", "#", "\t", "\n" };
		bputs(o, PICK(lit));
	}
}

static void gen_word(buf *o)
{
	const char *w = PICK(WORDS);
	int mode = rn(4);
	for (; *w; w++) {
		int c = (unsigned char)*w;
		if (strchr(".?()[]{}*+|\\^$", c)) {
			bputc(o, '\\');
			bputc(o, c);
			continue;
		}
		if (mode == 1 && c >= 'a' && c <= 'z')
			c -= 32;
		if (mode == 2 && c >= 'a' && c <= 'z' && chance(30))
			c -= 32;
		bputc(o, c);
	}
}

static void gen_class_char(buf *o)
{
	int k = rn(100);
	if (k < 50)
		bputc(o, 'a' + rn(26) - (chance(20) ? 32 : 0));
	else if (k < 60)
		bputc(o, '0' + rn(10));
	else if (k < 75) {
		const char *pc = " .-/?()|!,:;'\"#&*+${}<>@_~";
		bputc(o, pc[rn((int)strlen(pc))]);
	} else if (k < 90)
		bputs(o, PICK(U8LET));
	else
		bputs(o, PICK(LOOK));
}

static void gen_class(buf *o)
{
	bputc(o, '[');
	if (chance(20))
		bputc(o, '^');
	if (chance(8))
		bputc(o, ']');
	int n = 1 + rn(4);
	for (int i = 0; i < n; i++) {
		int k = rn(100);
		if (k < 40)
			gen_class_char(o);
		else if (k < 55) {
			const char *rg[] = { "a-z", "a-f", "A-F", "0-9", "A-Z", "à-ÿ", "é-ë", "a-é", "k-l", "r-t",
					     "h-j", "!-/", "Z-a", "@-B", "\\.-z", "a-\\d", "j-k", "s-t" };
			bputs(o, PICK(rg));
		} else if (k < 70) {
			const char *es[] = { "\\s", "\\d", "\\w", "\\]", "\\\\", "\\-", "\\.", "\\b", "\\n",
					     "\\t", "\\x41", "\\x{e9}", "\\p{L}", "\\pL", "\\P{Lu}", "\\S",
					     "\\W", "\\D", "\\h", "\\v", "\\/", "\\[", "\\^", "\\x4b",
					     "\\x{212a}", "\\o{101}", "\\101", "\\N{U+41}", "\\e", "\\a" };
			bputs(o, PICK(es));
		} else if (k < 82) {
			const char *px[] = { "[:alpha:]", "[:digit:]", "[:space:]", "[:punct:]", "[:upper:]",
					     "[:lower:]", "[:word:]", "[:^alpha:]", "[:alnum:]", "[:blank:]",
					     "[:xdigit:]", "[:<:]", "[:>:]" };
			bputs(o, PICK(px));
		} else if (k < 88) {
			/* weird bits */
			const char *wd[] = { "\\c]", "\\cA", "\\c)", "[", "[:", ":]", "[:x", "\\Q]\\E",
					     "\\Q]abc[\\E", "\\Qa-z\\E", "\\E", "\\Q\\E", "-", "^", "\\c\\\\",
					     "[:a]", "[=", "[.", "(?#", ")", "(?", "[:alpha:])" };
			bputs(o, PICK(wd));
		} else {
			bputc(o, '\\');
			bputc(o, ESC_PUNCT[rn((int)strlen(ESC_PUNCT))]);
		}
	}
	bputc(o, ']');
}

static void gen_quant(buf *o)
{
	int k = rn(100);
	if (k < 20)
		bputc(o, '?');
	else if (k < 35)
		bputc(o, '*');
	else if (k < 55)
		bputc(o, '+');
	else {
		char t[32];
		int a = rn(4), b = a + rn(4);
		switch (rn(7)) {
		case 0:
			snprintf(t, sizeof t, "{%d}", a);
			break;
		case 1:
			snprintf(t, sizeof t, "{%d,}", a);
			break;
		case 2:
			snprintf(t, sizeof t, "{%d,%d}", a, b);
			break;
		case 3:
			snprintf(t, sizeof t, "{0,%d}", b);
			break;
		case 4:
			snprintf(t, sizeof t, "{,%d}", b);
			break;
		case 5:
			snprintf(t, sizeof t, "{%d,%d,%d}", a, b, b);
			break;
		default:
			snprintf(t, sizeof t, "{%d}", 1 + a);
		}
		bputs(o, t);
	}
	int s = rn(10);
	if (s == 0)
		bputc(o, '?');
	else if (s == 1)
		bputc(o, '+');
}

static void gen_atom(buf *o, int d)
{
	int k = rn(1000);
	if (k < 250) {
		gen_word(o);
	} else if (k < 400) {
		gen_litchar(o);
	} else if (k < 500) {
		gen_class(o);
	} else if (k < 560) {
		const char *es[] = { "\\s", "\\S", "\\w", "\\W", "\\d", "\\D", "\\b", "\\B", "\\h", "\\R",
				     "\\X", "\\p{L}", "\\pL", "\\x41", "\\x{e9}", "\\N", "\\K", "\\G",
				     "\\s+", "\\w+", "\\s*", "\\x{212A}", "\\Qab)c\\E", "\\Q\\E", "\\E",
				     "\\101", "\\cA", "\\o{153}", "\\e", "\\t", "\\n" };
		bputs(o, PICK(es));
	} else if (k < 600) {
		const char *an[] = { "^", "$", "\\A", "\\z", "\\Z", "\\b", "\\B", "." };
		bputs(o, PICK(an));
	} else if (k < 780 && d > 0) {
		const char *gk[] = { "(", "(?:", "(?<n%d>", "(?'q%d'", "(?P<p%d>", "(?>", "(?|", "(?i:",
				     "(?-i:", "(?s:", "(?m:", "(?x:", "(?s-i:", "(?U:", "(?n:", "(?J:",
				     "(*atomic:", "(?^:", "(?xx:", "(?i)(?:" };
		const char *g = PICK(gk);
		char t[32];
		snprintf(t, sizeof t, g, gen_ncap++);
		bputs(o, t);
		gen_alt(o, d - 1);
		bputc(o, ')');
		if (!strcmp(g, "(?i)(?:"))
			;
	} else if (k < 860 && d > 0) {
		const char *lk[] = { "(?=", "(?!", "(?<=", "(?<!", "(*pla:", "(*nla:", "(*plb:",
				     "(*positive_lookahead:", "(?*", "(*napla:" };
		bputs(o, PICK(lk));
		gen_alt(o, d - 1);
		bputc(o, ')');
	} else if (k < 900) {
		const char *op[] = { "(?i)", "(?s)", "(?m)", "(?-i)", "(?x)", "(?U)", "(?n)", "(?J)",
				     "(?^)", "(?xx)", "(?is)", "(?-s)", "(?aD)", "(?r)" };
		bputs(o, PICK(op));
	} else if (k < 930) {
		bputs(o, "\\Q");
		int n = rn(6);
		for (int i = 0; i < n; i++) {
			const char *qc[] = { "a", "b", "k", "s", ")", "(", "]", "[", "|", ".", " ", "é", "*",
					     "\\" };
			bputs(o, PICK(qc));
		}
		if (chance(90))
			bputs(o, "\\E");
	} else if (k < 950) {
		const char *br[] = { "\\1", "\\2", "\\g1", "\\g{-1}", "\\k<n0>", "(?P=n0)", "\\g{1}",
				     "(?1)", "(?R)", "(?&n0)" };
		bputs(o, PICK(br));
	} else if (k < 975) {
		bputs(o, "(?#");
		int n = rn(5);
		for (int i = 0; i < n; i++) {
			const char *cc[] = { "a", "(", "[", "\\", " ", "x", "é", "#" };
			bputs(o, PICK(cc));
		}
		bputc(o, ')');
	} else if (k < 985 && d > 0) {
		/* a negative lookaround holding a class PCRE2 and a naive
		 * scanner end in different places */
		const char *lk[] = { "(?!", "(?<!", "(*nla:" };
		const char *cl[] = { "[:alpha:]", "\\c", "\\Q]\\E", "[:digit:]", "\\Q)\\E", "a" };
		bputs(o, PICK(lk));
		bputc(o, '[');
		bputs(o, PICK(cl));
		bputc(o, ')');
		gen_word(o);
		if (chance(70))
			bputs(o, "(?#");
		bputc(o, ']');
		if (chance(30))
			gen_alt(o, d - 1);
		bputc(o, ')');
	} else {
		const char *wd[] = { "(*ACCEPT)", "(*FAIL)", "(*F)", "(*SKIP)", "(*PRUNE)", "(*COMMIT)",
				     "(?(1)ab|cd)", "(?(?=a)ab|cd)", "(?C)", "(?C1)", "[\\c]]ab", "[[:x]|abc:]]",
				     "\\Qx\\E", "(*MARK:x)", "(?(DEFINE)(?<d>ab))", "(?<=\\Kab)" };
		bputs(o, PICK(wd));
	}
}

static void gen_seq(buf *o, int d)
{
	int n = rn(5) + (chance(50) ? 1 : 0);
	for (int i = 0; i < n; i++) {
		gen_atom(o, d);
		if (chance(25))
			gen_quant(o);
	}
}

static void gen_alt(buf *o, int d)
{
	gen_seq(o, d);
	while (chance(25)) {
		bputc(o, '|');
		gen_seq(o, d);
	}
}

/* Patterns as rule writers write them (see templates/coding/rules-*.txt). */
static void gen_rword(buf *o)
{
	const char *w = PICK(WORDS);
	if (chance(30)) {
		/* a word with a class or an optional letter in it */
		int n = (int)strlen(w);
		int at = rn(n + 1);
		for (int i = 0; i < n; i++) {
			int c = (unsigned char)w[i];
			if (i == at && c < 128 && ((c | 32) >= 'a' && (c | 32) <= 'z')) {
				int k = rn(4);
				if (k == 0)
					bputc(o, '['), bputc(o, c), bputs(o, chance(50) ? "é]" : "e]");
				else if (k == 1)
					bputc(o, c), bputc(o, '?');
				else if (k == 2)
					bputc(o, c), bputs(o, "+");
				else
					bputc(o, '('), bputc(o, c), bputs(o, "|x)");
				continue;
			}
			if (strchr(".?()[]{}*+|\\^$", c))
				bputc(o, '\\');
			bputc(o, c);
		}
		return;
	}
	gen_word(o);
}

static void gen_rule_alt(buf *o, int d);
static void gen_rule_seq(buf *o, int d)
{
	int n = 1 + rn(4);
	if (chance(50))
		bputs(o, "\\b");
	for (int i = 0; i < n; i++) {
		if (i) {
			const char *sep[] = { "\\s+", "\\s*", " ", "\\W+", "\\s", "[\\s-]",
					      "\\s+(\\w+\\s+){0,3}", "[^.?!\\n]{0,60}", "\\b[^.?!\\n]*\\b",
					      ".*", ".{0,20}", "\\w*\\s+", "[ '’]", "l[’']", "-?", "\\s*\\?" };
			bputs(o, PICK(sep));
		}
		int k = rn(100);
		if (k < 55)
			gen_rword(o);
		else if (k < 75 && d > 0) {
			bputs(o, chance(60) ? "(" : "(?:");
			gen_rule_alt(o, d - 1);
			bputc(o, ')');
			if (chance(30))
				bputc(o, '?');
		} else if (k < 82 && d > 0) {
			const char *lk[] = { "(?!\\s+", "(?<!", "(?=\\s*", "(?<=", "(?<!\\bnot\\s)(?!" };
			bputs(o, PICK(lk));
			gen_rule_alt(o, d - 1);
			bputc(o, ')');
			i--;
			continue;
		} else if (k < 88) {
			gen_rword(o);
			bputs(o, PICK(((const char *[]){ "\\w*", "\\w+", "s?", "(s|en)?", "e?s?", "\\b" })));
		} else if (k < 94) {
			gen_class(o);
			if (chance(50))
				gen_quant(o);
		} else {
			gen_atom(o, d);
		}
	}
	if (chance(50))
		bputs(o, "\\b");
}

static void gen_rule_alt(buf *o, int d)
{
	gen_rule_seq(o, d);
	while (chance(35)) {
		bputc(o, '|');
		gen_rule_seq(o, d);
	}
}

static void gen_pattern(buf *o)
{
	if (chance(50)) {
		o->n = 0;
		if (o->b)
			o->b[0] = 0;
		if (chance(15))
			bputs(o, "(?<![^.?!\\n])[^.?!\\n]*");
		gen_rule_alt(o, 2);
		if (chance(15))
			bputs(o, "[^.?!\\n]*");
		return;
	}
	o->n = 0;
	gen_ncap = 0;
	if (o->b)
		o->b[0] = 0;
	if (chance(10))
		bputs(o, chance(50) ? "\\b" : "(?<![^.?!\\n])");
	gen_alt(o, 1 + rn(3));
	if (chance(10))
		bputs(o, "\\b");
}

/* ---------------- sampler: a string a pattern likely matches ---------------- */
static int s_budget;

static void emit_kind(buf *o, int kind)
{
	/* kinds: 'd' digit, 'D' nondigit, 'w' word, 'W' nonword, 's' space, 'S' nonspace,
	 * 'h' hspace, 'v' vspace, 'R' newline, 'X' grapheme, 'N' nonnewline, 'L' letter,
	 * 'u' upper, 'l' lower, 'p' punct, 'x' xdigit, 'a' alnum */
	switch (kind) {
	case 'd':
		if (chance(90))
			bputc(o, '0' + rn(10));
		else
			bcp(o, 0x660 + (unsigned)rn(10));
		break;
	case 'w':
	case 'a':
		if (chance(70))
			bputc(o, "abcdefghijklmnopqrstuvwxyzKSI0123456789_"[rn(40)]);
		else if (chance(50))
			bputs(o, PICK(U8LET));
		else
			bputs(o, PICK(LOOK));
		break;
	case 'L':
	case 'S':
	case 'D':
		if (chance(70))
			bputc(o, 'a' + rn(26) - (chance(30) ? 32 : 0));
		else if (chance(60))
			bputs(o, PICK(U8LET));
		else
			bputs(o, PICK(LOOK));
		break;
	case 'u':
		bputc(o, 'A' + rn(26));
		break;
	case 'l':
		bputc(o, 'a' + rn(26));
		break;
	case 'W':
	case 'p':
		bputc(o, " .,;:!?-'\"()/"[rn(13)]);
		break;
	case 's':
	case 'h': {
		const char *sp[] = { " ", " ", "\t", "\xc2\xa0", "\xe2\x80\xaf", "\n" };
		bputs(o, sp[rn(kind == 'h' ? 5 : 6)]);
		break;
	}
	case 'v':
	case 'R':
		bputs(o, chance(80) ? "\n" : "\r\n");
		break;
	case 'x':
		bputc(o, "0123456789abcdefABCDEF"[rn(22)]);
		break;
	case 'X':
		bputc(o, 'a' + rn(26));
		if (chance(30))
			bputs(o, "\xcc\x81");
		break;
	default:
		rand_char(o);
		if (o && o->n && o->b[o->n - 1] == '\n')
			o->b[o->n - 1] = 'n';
	}
}

/* PCRE2's check_posix_syntax: p at the char after '[' ( ':' '.' '=' ) */
static const char *posix_end(const char *p)
{
	char term = *p++;
	for (; p[0] && p[1]; p++) {
		if (*p == '\\' && (p[1] == ']' || p[1] == '\\'))
			p++;
		else if ((*p == '[' && p[1] == term) || *p == ']')
			return NULL;
		else if (*p == term && p[1] == ']')
			return p;
	}
	return NULL;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses an escape at p (just past the backslash) that denotes one char (or a
 * kind); returns the end. *cp = char, or *kind set. in_class: \b = backspace. */
static const char *s_escape(const char *p, unsigned *cp, int *kind, int in_class)
{
	*kind = 0;
	*cp = 0;
	int c = (unsigned char)*p;
	if (!c)
		return p;
	switch (c) {
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S': case 'h': case 'H':
	case 'v': case 'V': case 'R': case 'X': case 'N':
		*kind = c == 'H' || c == 'V' ? 'S' : c;
		if (c == 'N' && p[1] == '{') {
			/* \N{U+hhhh} */
			const char *q = p + 2;
			if (*q == 'U' && q[1] == '+') {
				unsigned v = 0;
				q += 2;
				while (hexv(*q) >= 0)
					v = v * 16 + (unsigned)hexv(*q++);
				*kind = 0;
				*cp = v;
			}
			while (*q && *q != '}')
				q++;
			return *q ? q + 1 : q;
		}
		return p + 1;
	case 'p':
	case 'P':
		*kind = c == 'p' ? 'L' : 'd';
		if (p[1] == '{') {
			const char *q = strchr(p, '}');
			if (q && (strstr(p, "Lu") == p + 2 || strstr(p, "Lu}") == p + 2))
				*kind = c == 'p' ? 'u' : 'l';
			return q ? q + 1 : p + strlen(p);
		}
		return p[1] ? p + 2 : p + 1;
	case 'x': {
		unsigned v = 0;
		p++;
		if (*p == '{') {
			p++;
			while (hexv(*p) >= 0)
				v = v * 16 + (unsigned)hexv(*p++);
			if (*p == '}')
				p++;
		} else {
			for (int i = 0; i < 2 && hexv(*p) >= 0; i++)
				v = v * 16 + (unsigned)hexv(*p++);
		}
		*cp = v;
		return p;
	}
	case 'o': {
		unsigned v = 0;
		p++;
		if (*p == '{') {
			p++;
			while (*p >= '0' && *p <= '7')
				v = v * 8 + (unsigned)(*p++ - '0');
			if (*p == '}')
				p++;
		}
		*cp = v;
		return p;
	}
	case 'c': {
		int x = (unsigned char)p[1];
		if (!x)
			return p + 1;
		if (x >= 'a' && x <= 'z')
			x -= 32;
		*cp = (unsigned)(x ^ 0x40);
		return p + 2;
	}
	case 'n': *cp = '\n'; return p + 1;
	case 't': *cp = '\t'; return p + 1;
	case 'r': *cp = '\r'; return p + 1;
	case 'f': *cp = '\f'; return p + 1;
	case 'e': *cp = 27; return p + 1;
	case 'a': *cp = 7; return p + 1;
	case 'b':
		if (in_class) {
			*cp = 8;
			return p + 1;
		}
		break;
	}
	if (c >= '0' && c <= '7' && (in_class || c == '0')) {
		unsigned v = 0;
		for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
			v = v * 8 + (unsigned)(*p++ - '0');
		*cp = v;
		return p;
	}
	int n = u8dec(p, cp);
	return p + n;
}

struct cmem {
	unsigned lo, hi;
	int kind;
};

/* A class, p just past '['. Emits one member when o. */
static const char *s_class(const char *p, buf *o)
{
	struct cmem m[64];
	int nm = 0, neg = 0;
	if (*p == '^') {
		neg = 1;
		p++;
	}
	int first = 1;
	for (;;) {
		if (!*p)
			return p;
		if (*p == ']' && !first) {
			p++;
			break;
		}
		first = 0;
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *e = posix_end(p + 1);
			if (e) {
				const char *nm0 = p + 2;
				int k = 'a';
				if (*nm0 == '^')
					k = 'p', nm0++;
				if (!strncmp(nm0, "alpha", 5)) k = k == 'p' ? 'd' : 'L';
				else if (!strncmp(nm0, "digit", 5)) k = k == 'p' ? 'L' : 'd';
				else if (!strncmp(nm0, "space", 5) || !strncmp(nm0, "blank", 5)) k = 's';
				else if (!strncmp(nm0, "punct", 5)) k = 'p';
				else if (!strncmp(nm0, "upper", 5)) k = 'u';
				else if (!strncmp(nm0, "lower", 5)) k = 'l';
				else if (!strncmp(nm0, "xdigit", 6)) k = 'x';
				else if (!strncmp(nm0, "<", 1) || !strncmp(nm0, ">", 1)) k = 0;
				if (nm < 64 && k)
					m[nm++] = (struct cmem){ 0, 0, k };
				p = e + 2;
				continue;
			}
		}
		unsigned lo;
		int kind = 0;
		if (*p == '\\') {
			if (p[1] == 'Q') {
				p += 2;
				while (*p && !(p[0] == '\\' && p[1] == 'E')) {
					unsigned c;
					p += u8dec(p, &c);
					if (nm < 64)
						m[nm++] = (struct cmem){ c, c, 0 };
				}
				if (*p)
					p += 2;
				continue;
			}
			if (p[1] == 'E') {
				p += 2;
				continue;
			}
			p = s_escape(p + 1, &lo, &kind, 1);
		} else {
			p += u8dec(p, &lo);
		}
		if (kind) {
			if (nm < 64)
				m[nm++] = (struct cmem){ 0, 0, kind };
			continue;
		}
		unsigned hi = lo;
		if (p[0] == '-' && p[1] && p[1] != ']' && !(p[1] == '[' && (p[2] == ':'))) {
			const char *q = p + 1;
			int k2 = 0;
			unsigned h;
			if (*q == '\\')
				q = s_escape(q + 1, &h, &k2, 1);
			else
				q += u8dec(q, &h);
			if (!k2) {
				hi = h;
				p = q;
			}
		}
		if (nm < 64)
			m[nm++] = (struct cmem){ lo, hi, 0 };
	}
	if (!o)
		return p;
	if (neg) {
		for (int tries = 0; tries < 10; tries++) {
			buf t = { 0 };
			rand_char(&t);
			unsigned c;
			u8dec(t.b, &c);
			int in = 0;
			for (int i = 0; i < nm; i++)
				if (!m[i].kind && c >= m[i].lo && c <= m[i].hi)
					in = 1;
			if (!in || tries == 9) {
				bputs(o, t.b);
				free(t.b);
				break;
			}
			free(t.b);
		}
		return p;
	}
	if (!nm)
		return p;
	struct cmem *x = &m[rn(nm)];
	if (x->kind)
		emit_kind(o, x->kind);
	else {
		unsigned c = x->lo;
		if (x->hi > x->lo) {
			int r = rn(4);
			c = r == 0 ? x->lo : r == 1 ? x->hi : x->lo + (unsigned)rn((int)(x->hi - x->lo + 1));
		}
		bcp(o, c);
	}
	return p;
}

static const char *s_alts(const char *p, buf *o, int depth);

/* Valid 10.42 quantifier at p? returns end or NULL; sets lo, hi (-1 inf) */
static const char *s_quant(const char *p, int *lo, int *hi)
{
	if (*p == '?') {
		*lo = 0, *hi = 1;
		p++;
	} else if (*p == '*') {
		*lo = 0, *hi = -1;
		p++;
	} else if (*p == '+') {
		*lo = 1, *hi = -1;
		p++;
	} else if (*p == '{') {
		const char *q = p + 1;
		if (!(*q >= '0' && *q <= '9'))
			return NULL;
		int a = 0, b;
		while (*q >= '0' && *q <= '9')
			a = a * 10 + (*q++ - '0');
		if (*q == '}') {
			b = a;
		} else if (*q == ',') {
			q++;
			if (*q == '}')
				b = -1;
			else {
				if (!(*q >= '0' && *q <= '9'))
					return NULL;
				b = 0;
				while (*q >= '0' && *q <= '9')
					b = b * 10 + (*q++ - '0');
				if (*q != '}')
					return NULL;
			}
		} else
			return NULL;
		*lo = a, *hi = b;
		p = q + 1;
	} else
		return NULL;
	if (*p == '?' || *p == '+')
		p++;
	return p;
}

static const char *s_group_body(const char *p, buf *o, int depth, int emit_pct)
{
	buf *oo = o && chance(emit_pct) ? o : NULL;
	p = s_alts(p, oo, depth + 1);
	if (*p == ')')
		p++;
	return p;
}

static const char *s_atom(const char *p, buf *o, int depth)
{
	int c = (unsigned char)*p;
	if (o && (int)o->n > s_budget)
		o = NULL;
	if (c == '\\') {
		int e = (unsigned char)p[1];
		if (!e)
			return p + 1;
		if (e == 'Q') {
			const char *q = strstr(p + 2, "\\E");
			const char *end = q ? q : p + strlen(p);
			bput(o, p + 2, (size_t)(end - (p + 2)));
			return q ? q + 2 : end;
		}
		if (strchr("EbBAzZGK", e))
			return p + 2;
		if (e == 'g' || e == 'k') {
			const char *q = p + 2;
			if (*q == '{' || *q == '<' || *q == '\'') {
				const char *cl = strpbrk(q + 1, "}>'");
				return cl ? cl + 1 : q + strlen(q);
			}
			if (*q == '-' || *q == '+')
				q++;
			while (*q >= '0' && *q <= '9')
				q++;
			return q;
		}
		if (e >= '1' && e <= '9') {
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9')
				q++;
			return q; /* back reference (approx.) */
		}
		unsigned cp;
		int kind;
		const char *q = s_escape(p + 1, &cp, &kind, 0);
		if (o) {
			if (kind)
				emit_kind(o, kind);
			else
				bcp(o, cp);
		}
		return q;
	}
	if (c == '[')
		return s_class(p + 1, o);
	if (c == '.') {
		if (o)
			emit_kind(o, 'N');
		return p + 1;
	}
	if (c == '^' || c == '$')
		return p + 1;
	if (c == '(') {
		const char *q = p + 1;
		if (*q == '*') {
			const char *e = q + 1;
			while (*e && *e != ':' && *e != ')')
				e++;
			size_t nl = (size_t)(e - (q + 1));
			if (*e == ')')
				return e + 1;
			if (!*e)
				return e;
			const char *nm = q + 1;
			int pct = 100;
			if (!strncmp(nm, "n", 1) && strncmp(nm, "napla", 5) && strncmp(nm, "naplb", 5))
				pct = 0; /* nla, nlb, negative_... */
			else if (!strncmp(nm, "pla", 3) || !strncmp(nm, "positive_lookahead", 18) ||
				 !strncmp(nm, "napla", 5) || !strncmp(nm, "non_atomic_positive_lookahead", 29))
				pct = 30;
			else if (!strncmp(nm, "MARK", 4) || nl == 0 || (nm[0] >= 'A' && nm[0] <= 'Z'))
				return strchr(e, ')') ? strchr(e, ')') + 1 : e + strlen(e);
			return s_group_body(e + 1, o, depth, pct);
		}
		if (*q != '?')
			return s_group_body(q, o, depth, 100);
		q++;
		switch (*q) {
		case ':': case '>': case '|':
			return s_group_body(q + 1, o, depth, 100);
		case '=': case '*':
			return s_group_body(q + 1, o, depth, 30);
		case '!':
			return s_group_body(q + 1, o, depth, 0);
		case '#': {
			const char *e = strchr(q, ')');
			return e ? e + 1 : q + strlen(q);
		}
		case '<':
			if (q[1] == '=')
				return s_group_body(q + 2, o, depth, 80);
			if (q[1] == '!')
				return s_group_body(q + 2, o, depth, 0);
			/* fallthrough */
		case '\'': {
			const char *e = strpbrk(q + 1, ">'");
			return e ? s_group_body(e + 1, o, depth, 100) : q + strlen(q);
		}
		case 'P':
			if (q[1] == '<') {
				const char *e = strchr(q, '>');
				return e ? s_group_body(e + 1, o, depth, 100) : q + strlen(q);
			}
			/* (?P=n) (?P>n) */
			{
				const char *e = strchr(q, ')');
				return e ? e + 1 : q + strlen(q);
			}
		case '(': {
			/* conditional: skip the condition */
			int dd = 1;
			const char *e = q + 1;
			while (*e && dd) {
				if (*e == '(')
					dd++;
				else if (*e == ')')
					dd--;
				e++;
			}
			return s_group_body(e, o, depth, 100);
		}
		case 'C': case 'R': case '&': case '+': case '-': case '0': case '1': case '2':
		case '3': case '4': case '5': case '6': case '7': case '8': case '9':
			if (*q == '-' && !(q[1] >= '0' && q[1] <= '9'))
				break;
			{
				const char *e = strchr(q, ')');
				return e ? e + 1 : q + strlen(q);
			}
		}
		/* options */
		const char *e = q;
		while (*e && strchr("imnsxUJ^aDSWPTr-", *e))
			e++;
		if (*e == ')')
			return e + 1;
		if (*e == ':')
			return s_group_body(e + 1, o, depth, 100);
		return s_group_body(q, o, depth, 100);
	}
	/* literal */
	unsigned cp;
	int n = u8dec(p, &cp);
	bput(o, p, (size_t)n);
	return p + n;
}

static const char *s_seq(const char *p, buf *o, int depth)
{
	while (*p && *p != '|' && *p != ')') {
		const char *a = p;
		const char *e = s_atom(p, NULL, depth);
		if (e == a)
			e++;
		int lo = 1, hi = 1;
		const char *qe = s_quant(e, &lo, &hi);
		if (!qe)
			qe = e, lo = hi = 1;
		int k = lo;
		if (hi < 0)
			k = lo + rn(4);
		else if (hi > lo)
			k = lo + rn((hi - lo > 3 ? 3 : hi - lo) + 1);
		if (k > 6)
			k = 6;
		if (o)
			for (int i = 0; i < k; i++)
				s_atom(a, o, depth);
		p = qe;
	}
	return p;
}

static const char *s_alts(const char *p, buf *o, int depth)
{
	if (depth > 30)
		o = NULL;
	/* count alternatives (dry) */
	int n = 0;
	const char *q = p;
	for (;;) {
		q = s_seq(q, NULL, depth);
		n++;
		if (*q != '|')
			break;
		q++;
	}
	if (!o)
		return q;
	int pick = rn(n);
	q = p;
	for (int i = 0;; i++) {
		q = s_seq(q, i == pick ? o : NULL, depth);
		if (*q != '|')
			break;
		q++;
	}
	return q;
}

static void sample(const char *pat, buf *o)
{
	s_budget = 400;
	s_alts(pat, o, 0);
}

/* ---------------- text mutation ---------------- */
static void mutate(const char *in, size_t len, buf *o, int mode)
{
	/* mode 0 none, 1 upper, 2 random case, 3 look-alikes, 4 mixed */
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		int n = u8dec(in + i, &cp);
		const char *s = in + i;
		i += (size_t)n;
		if (mode == 0) {
			bput(o, s, (size_t)n);
			continue;
		}
		if (cp < 128 && ((cp | 32) >= 'a' && (cp | 32) <= 'z')) {
			int lc = (int)(cp | 32);
			if ((mode == 3 || mode == 4) && chance(mode == 3 ? 40 : 10)) {
				if (lc == 'k') { bputs(o, "\xe2\x84\xaa"); continue; }
				if (lc == 's') { bputs(o, "\xc5\xbf"); continue; }
				if (lc == 'i') { bputs(o, chance(50) ? "\xc4\xb0" : "\xc4\xb1"); continue; }
				if (chance(30)) { bcp(o, (unsigned)(0xff21 + (lc - 'a') + (chance(50) ? 32 : 0))); continue; }
				if (chance(20)) { bputc(o, (int)cp); bputs(o, "\xcc\x81"); continue; }
			}
			if (mode == 1)
				bputc(o, lc - 32);
			else if (mode == 2 || mode == 4)
				bputc(o, chance(50) ? lc - 32 : lc);
			else
				bputc(o, (int)cp);
			continue;
		}
		if (cp == ' ' && (mode >= 3) && chance(20)) {
			bputs(o, "\xc2\xa0");
			continue;
		}
		if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7 && (mode == 1 || ((mode == 2 || mode == 4) && chance(50)))) {
			bcp(o, cp - 32);
			continue;
		}
		if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7 && (mode == 2 || mode == 4) && chance(50)) {
			bcp(o, cp + 32);
			continue;
		}
		if (cp == 0xdf && mode >= 1 && chance(50)) {
			bputs(o, "\xe1\xba\x9e");
			continue;
		}
		if (cp == 0x1e9e && mode >= 1 && chance(50)) {
			bputs(o, "ß");
			continue;
		}
		bput(o, s, (size_t)n);
	}
}

/* ---------------- checking ---------------- */
static pcre2_match_context *mctx;
static pcre2_match_data *md;
static pcre2_jit_stack *jstack;

static pcre2_code *compile(const char *pat)
{
	int ec;
	PCRE2_SIZE eo;
	return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
			     &ec, &eo, NULL);
}

/* 1 match, 0 none, -1 error */
static int match1(pcre2_code *re, const char *t, size_t n, int jit)
{
	int r;
	if (jit)
		r = pcre2_jit_match(re, (PCRE2_SPTR)t, n, 0, 0, md, mctx);
	else
		r = pcre2_match(re, (PCRE2_SPTR)t, n, 0, PCRE2_NO_JIT, md, mctx);
	if (r >= 0)
		return 1;
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

/* 0 ok; 1 may_match says no; 2 index says no (may_match yes); -1 pattern
 * does not compile or text does not match */
static int check_pair(const char *pat, const char *text, size_t len)
{
	pcre2_code *re = compile(pat);
	if (!re)
		return -1;
	int m = match1(re, text, len, 0);
	if (m != 1) {
		if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0)
			m = match1(re, text, len, 1);
	}
	pcre2_code_free(re);
	if (m != 1)
		return -1;
	struct prefilter *pf = prefilter_new(pat);
	static struct prefilter_text t;
	prefilter_scan(&t, text, len);
	int r = 0;
	if (!prefilter_may_match(pf, &t))
		r = 1;
	else {
		struct prefilter_index *ix = prefilter_index_new(&pf, 1);
		uint64_t cand = 0;
		prefilter_index_candidates(ix, &t, &cand);
		if (!(cand & 1))
			r = 2;
		prefilter_index_free(ix);
	}
	prefilter_free(pf);
	return r;
}

static int valid_utf8(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = (unsigned char)s[i];
		int k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
		if (!k || i + (size_t)k > n)
			return 0;
		for (int j = 1; j < k; j++)
			if (((unsigned char)s[i + (size_t)j] & 0xc0) != 0x80)
				return 0;
		i += (size_t)k;
	}
	return 1;
}

/* Greedy delta-debugging on both strings. */
static void minimise(char *pat, char *text, size_t *tlen, int kind)
{
	int changed = 1;
	while (changed) {
		changed = 0;
		for (int pass = 0; pass < 2; pass++) {
			char *s = pass ? text : pat;
			size_t n = pass ? *tlen : strlen(pat);
			for (size_t L = n / 2 ? n / 2 : 1; L >= 1; L = L / 2) {
				for (size_t i = 0; i + L <= n;) {
					char *c = malloc(n + 1);
					memcpy(c, s, i);
					memcpy(c + i, s + i + L, n - i - L);
					c[n - L] = 0;
					int ok = 0;
					if (valid_utf8(c, n - L) && (pass || n - L > 0)) {
						int r = pass ? check_pair(pat, c, n - L) : check_pair(c, text, *tlen);
						ok = r == kind;
					}
					if (ok) {
						memcpy(s, c, n - L + 1);
						n -= L;
						if (pass)
							*tlen = n;
						changed = 1;
					} else
						i++;
					free(c);
				}
				if (L == 1)
					break;
			}
		}
	}
}

static void print_esc(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c == '\n')
			fputs("\\n", f);
		else if (c < 32 || c == 127)
			fprintf(f, "\\x%02x", c);
		else
			fputc((int)c, f);
	}
}

/* known failure signatures (minimised patterns) */
#define MAXSIG 512
static char *sigs[MAXSIG];
static int sigcount[MAXSIG], nsig;
static long nfail_mm, nfail_ix;
static int quiet;

static void report(const char *pat, const char *text, size_t len, int kind, const char *origin)
{
	if (kind == 1)
		nfail_mm++;
	else
		nfail_ix++;
	char *p = strdup(pat);
	char *t = malloc(len + 1);
	memcpy(t, text, len);
	t[len] = 0;
	size_t tl = len;
	minimise(p, t, &tl, kind);
	for (int i = 0; i < nsig; i++)
		if (!strcmp(sigs[i], p)) {
			sigcount[i]++;
			free(p);
			free(t);
			return;
		}
	if (nsig < MAXSIG) {
		sigs[nsig] = strdup(p);
		sigcount[nsig++] = 1;
	}
	printf("UNSOUND (%s) [%s]\n  orig pattern: /", kind == 1 ? "prefilter_may_match=0" : "index candidate=0",
	       origin);
	print_esc(stdout, pat, strlen(pat));
	printf("/\n  orig text:    \"");
	print_esc(stdout, text, len);
	printf("\"\n  min pattern:  /");
	print_esc(stdout, p, strlen(p));
	printf("/\n  min text:     \"");
	print_esc(stdout, t, tl);
	printf("\"\n");
	fflush(stdout);
	free(p);
	free(t);
}

/* ---------------- batch ---------------- */
struct pat {
	char *s;
	pcre2_code *re;
	int jit;
	struct prefilter *pf;
	const char *origin;
};

static long n_own, n_own_match, n_rule_own, n_rule_own_match;
static int debug;
static long n_patterns, n_compiled, n_filtered, n_texts, n_pairs, n_matches, n_errors, n_jitdiff;

static void gen_texts_for(const char *pat, buf *texts, int *nt, int max)
{
	for (int i = 0; i < max; i++) {
		buf s = { 0 }, w = { 0 };
		bputs(&s, "");
		int k = rn(100);
		if (k < 80) {
			if (chance(60))
				rand_text(&w, rn(8));
			sample(pat, &w);
			if (chance(30)) /* a second sample */
				sample(pat, &w);
			if (chance(60))
				rand_text(&w, rn(8));
		} else if (k < 92) {
			rand_text(&w, rn(40));
		} else {
			/* words of the pattern's literal letters */
			for (const char *q = pat; *q; q++)
				if ((*q | 32) >= 'a' && (*q | 32) <= 'z' && chance(70))
					bputc(&w, *q);
				else if (chance(20))
					bputc(&w, ' ');
		}
		if (!w.b)
			bputs(&w, "");
		int mode = rn(6);
		if (mode == 5)
			mode = 0;
		mutate(w.b, w.n, &s, mode);
		if (!s.b)
			bputs(&s, "");
		texts[(*nt)++] = s;
		free(w.b);
	}
}

static void run_batch(struct pat *P, int np, int texts_per)
{
	struct prefilter **pfs = malloc(sizeof(*pfs) * (size_t)np);
	for (int i = 0; i < np; i++)
		pfs[i] = P[i].pf;
	struct prefilter_index *ix = prefilter_index_new(pfs, np);
	int maxt = np * texts_per;
	buf *texts = calloc((size_t)maxt, sizeof(buf));
	int *owner = calloc((size_t)maxt, sizeof(int));
	int nt = 0;
	for (int i = 0; i < np; i++) {
		int before = nt;
		gen_texts_for(P[i].s, texts, &nt, texts_per);
		for (int j = before; j < nt; j++)
			owner[j] = i;
	}
	uint64_t *cand = calloc((size_t)np / 64 + 1, sizeof(uint64_t));
	static struct prefilter_text t;
	for (int j = 0; j < nt; j++) {
		const char *tx = texts[j].b;
		size_t tl = texts[j].n;
		n_texts++;
		prefilter_scan(&t, tx, tl);
		prefilter_index_candidates(ix, &t, cand);
		for (int i = 0; i < np; i++) {
			int own = owner[j] == i;
			if (!own && np > 64 && !chance(30))
				continue; /* big sets (rules): sample the cross pairs */
			n_pairs++;
			int m = match1(P[i].re, tx, tl, 0);
			int mj = m;
			if (P[i].jit) {
				mj = match1(P[i].re, tx, tl, 1);
				if (mj >= 0 && m >= 0 && mj != m) {
					n_jitdiff++;
					if (n_jitdiff < 20) {
						fprintf(stderr, "JITDIFF interp=%d jit=%d /", m, mj);
						print_esc(stderr, P[i].s, strlen(P[i].s));
						fprintf(stderr, "/ \"");
						print_esc(stderr, tx, tl);
						fprintf(stderr, "\"\n");
					}
				}
			}
			if (m < 0 || mj < 0)
				n_errors++;
			if (own) {
				n_own++;
				n_own_match += m == 1 || mj == 1;
				if (np > 64) {
					n_rule_own++;
					n_rule_own_match += m == 1 || mj == 1;
				}
				if (debug && chance(2)) {
					printf("D m=%d pf=%d /", m == 1 || mj == 1, P[i].pf != NULL);
					print_esc(stdout, P[i].s, strlen(P[i].s));
					printf("/  \"");
					print_esc(stdout, tx, tl);
					printf("\"\n");
				}
			}
			if (m != 1 && mj != 1)
				continue;
			n_matches++;
			int pm = prefilter_may_match(P[i].pf, &t);
			if (!pm)
				report(P[i].s, tx, tl, 1, P[i].origin);
			else if (!(cand[i / 64] >> (i % 64) & 1))
				report(P[i].s, tx, tl, 2, P[i].origin);
		}
	}
	for (int j = 0; j < nt; j++)
		free(texts[j].b);
	free(texts);
	free(owner);
	free(cand);
	prefilter_index_free(ix);
	free(pfs);
}

/* -x: skip patterns of the bug families already found, to look for others */
static int exclude_known;
static int known_family(const char *s)
{
	if (strstr(s, "\\c"))
		return 1; /* \c inside a class */
	if ((strstr(s, "\\Q") || strstr(s, "\\E")) && strchr(s, '['))
		return 2; /* \Q..\E or \E inside a class */
	if ((strstr(s, "(?!") || strstr(s, "(?<!") || strstr(s, "(*n")) && strstr(s, "[:"))
		return 5; /* POSIX class inside a skipped negative lookaround */
	for (const char *p = s; (p = strstr(p, "[:")); p++) {
		const char *e = posix_end(p + 1), *f = strstr(p + 2, ":]");
		if (e != f)
			return 3; /* "[:" PCRE2 does not read as a POSIX class */
	}
	for (const char *p = s; (p = strstr(p, "(?#")); p++) {
		const char *e = strchr(p, ')');
		if (e && strchr("?*+{", e[1]) && e[1])
			return 4; /* a quantifier after a comment */
	}
	return 0;
}

static int setup_pat(struct pat *p, const char *s, const char *origin)
{
	if (exclude_known && known_family(s))
		return 0;
	n_patterns++;
	pcre2_code *re = compile(s);
	if (!re)
		return 0;
	n_compiled++;
	p->s = strdup(s);
	p->re = re;
	p->jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
	p->pf = prefilter_new(s);
	p->origin = origin;
	if (p->pf)
		n_filtered++;
	return 1;
}

static void free_pat(struct pat *p)
{
	free(p->s);
	pcre2_code_free(p->re);
	prefilter_free(p->pf);
}

/* ---------------- rules files ---------------- */
static struct pat *rules;
static int nrules;

static void load_rules(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return;
	}
	char line[8192];
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#' || *s == '\n')
			continue;
		char *sl = strchr(s, '/');
		if (!sl)
			continue;
		char *p = sl + 1, *e;
		for (e = p; *e && *e != '/'; e++)
			if (*e == '\\' && e[1])
				e++;
		if (*e != '/')
			continue;
		*e = 0;
		rules = realloc(rules, sizeof(*rules) * (size_t)(nrules + 1));
		if (setup_pat(&rules[nrules], p, path))
			nrules++;
		else
			fprintf(stderr, "rule does not compile: %s\n", p);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long seed = (unsigned long)time(NULL);
	int secs = 60;
	const char *rulesdir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			secs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rulesdir = argv[++i];
		else if (!strcmp(argv[i], "-D"))
			debug = 1;
		else if (!strcmp(argv[i], "-x"))
			exclude_known = 1;
		else if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else if (!strcmp(argv[i], "-M") && i + 2 < argc) {
			md = pcre2_match_data_create(64, NULL);
			mctx = pcre2_match_context_create(NULL);
			pcre2_set_match_limit(mctx, 1000000);
			int r = check_pair(argv[i + 1], argv[i + 2], strlen(argv[i + 2]));
			printf("check_pair = %d (0 ok, 1 may_match=0, 2 index=0, -1 no match/compile)\n", r);
			return 0;
		}
	}
	rs ^= seed * 0x9E3779B97F4A7C15ull;
	if (!rs)
		rs = 1;
	for (int i = 0; i < 10; i++)
		rnd64();
	printf("seed %lu\n", seed);
	md = pcre2_match_data_create(64, NULL);
	mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mctx, 1000000);
	jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	pcre2_jit_stack_assign(mctx, NULL, jstack);

	if (rulesdir) {
		const char *langs[] = { "nl", "fr", "en" };
		for (int i = 0; i < 3; i++) {
			char path[1024];
			snprintf(path, sizeof path, "%s/rules-%s.txt", rulesdir, langs[i]);
			load_rules(path);
		}
		int nf = 0;
		for (int i = 0; i < nrules; i++)
			nf += rules[i].pf != NULL;
		printf("rules: %d loaded, %d with a filter\n", nrules, nf);
	}

	time_t t0 = time(NULL);
	long iter = 0;
	buf pb = { 0 };
	while (time(NULL) - t0 < secs) {
		iter++;
		if (rulesdir && iter % 8 == 0) {
			/* the built-in rules, one index over all of them */
			run_batch(rules, nrules, 6);
			continue;
		}
		struct pat P[48];
		int np = 0;
		while (np < 48) {
			gen_pattern(&pb);
			if (setup_pat(&P[np], pb.b, "generated"))
				np++;
		}
		run_batch(P, np, 24);
		for (int i = 0; i < np; i++)
			free_pat(&P[i]);
		if (!quiet && iter % 50 == 0) {
			printf("[%lds] patterns %ld (compiled %ld, filtered %ld) texts %ld pairs %ld matches %ld "
			       "fail mm %ld ix %ld distinct %d\n",
			       (long)(time(NULL) - t0), n_patterns, n_compiled, n_filtered, n_texts, n_pairs,
			       n_matches, nfail_mm, nfail_ix, nsig);
			fflush(stdout);
		}
	}
	printf("DONE seed %lu: patterns generated %ld, compiled %ld, with filter %ld; texts %ld; "
	       "pattern/text pairs %ld; PCRE2 matches %ld; match errors %ld; jit/interp diffs %ld\n",
	       seed, n_patterns, n_compiled, n_filtered, n_texts, n_pairs, n_matches, n_errors, n_jitdiff);
	printf("own-pattern texts %ld, of which matched %ld; rule own texts %ld, matched %ld\n", n_own,
	       n_own_match, n_rule_own, n_rule_own_match);
	printf("failures: may_match %ld, index %ld; distinct minimised patterns %d\n", nfail_mm, nfail_ix,
	       nsig);
	for (int i = 0; i < nsig; i++) {
		printf("  %5d  /", sigcount[i]);
		print_esc(stdout, sigs[i], strlen(sigs[i]));
		printf("/\n");
	}
	free(pb.b);
	return 0;
}
