/* Differential fuzzer: mimescan (REPLY_TEXT_ONLY) vs GMime (reply_parse_flags). */
#include <dirent.h>
#include <gmime/gmime.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mime.h"
#include "mail/mimescan.h"
#include "mail/reply.h"

/* ---------- buffers ---------- */
typedef struct { char *p; size_t n, cap; } buf;
static void bput(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}
static void bs(buf *b, const char *s) { bput(b, s, strlen(s)); }
static void bf(buf *b, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k > (int)sizeof tmp - 1) k = sizeof tmp - 1;
	bput(b, tmp, (size_t)k);
}
static void bc(buf *b, char c) { bput(b, &c, 1); }

/* ---------- rng ---------- */
static unsigned long long rs = 88172645463325252ULL;
static unsigned rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return (unsigned)(rs >> 11); }
static unsigned R(unsigned n) { return n ? rnd() % n : 0; }
static int P(int pct) { return (int)R(100) < pct; }
#define PICK(a) (a[R(sizeof(a) / sizeof(*a))])

/* ---------- mutation log ---------- */
static char mlog[4096];
static void note(const char *fmt, ...)
{
	size_t k = strlen(mlog);
	if (k > sizeof mlog - 200) return;
	if (k) mlog[k++] = ';', mlog[k] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mlog + k, sizeof mlog - k, fmt, ap);
	va_end(ap);
}

/* ---------- generator ---------- */
static int le_kind;               /* 0 LF, 1 CRLF, 2 mixed per line */

static const char *texts[] = {
	"Hello,\nthe flat is still available.\nRegards\n",
	"Bonjour, d\xc3\xa9sol\xc3\xa9, c'est lou\xc3\xa9.\n",
	"Gr\xfc\xdf" "e aus M\xfcnchen\n",            /* latin1 */
	"Smart \x93quotes\x94 and \x80 euro\n",       /* cp1252 */
	"bad utf8 \xc3 \xff here\n",
	"",
	"   \n\t\n",
	"line without newline",
	"> quoted\n>> deeper\nreply\n",
	"nul\0byte inside\n",
	"--not-a-boundary\n-- \nsig\n",
	"begin 644 file.txt\n`\nend\n",
	"=?utf-8?q?looks=20encoded?=\n",
	"trailing spaces   \nand tabs\t\t\n",
	"x\r\ny\rz\n",
};
static size_t text_len(const char *t) { return t == texts[9] ? 16 : strlen(t); }

static const char *htmls[] = {
	"<html><body><p>Hello <b>there</b></p><blockquote>old text</blockquote></body></html>\n",
	"<html><head><meta charset=\"iso-8859-1\"></head><body>Caf\xe9</body></html>\n",
	"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head><body>\x93hi\x94</body></html>",
	"<div>a&amp;b &eacute; &#233;<br>line2</div>\n",
	"<p></p>\n",
};

static const char *charsets[] = { NULL, "utf-8", "UTF-8", "utf8", "latin1", "iso-8859-1", "ISO_8859-1",
				  "iso_8859-1", "cp1252", "windows-1252", "us-ascii", "ascii", "x-unknown",
				  "", "koi8-r", "utf-16", "l1", "UTF8", "gb2312" };
static const char *ctes[] = { NULL, "7bit", "8bit", "binary", "base64", "quoted-printable", "Base64",
			      "QUOTED-PRINTABLE", " base64 ", "base64\t", "7BIT", "x-uuencode", "7-bit",
			      "base64 junk", "", "quoted-printable (c)", "BINARY" };
static const char *cds[] = { "inline", "attachment", "ATTACHMENT", "attachment; filename=a.txt",
			     "attachment ;filename=\"a b.txt\"", "inline; filename=x.txt", "attachment foo",
			     "attachment (comment)", "=?us-ascii?q?attachment?=", "", " attachment\t",
			     "attachment\n\t; filename=x", "\"attachment\"", "Inline", "attachment;",
			     "attachment\n filename=x", "attach=?us-ascii?q?ment?=", "inline attachment" };
static const char *subtypes_text[] = { "plain", "html", "calendar", "enriched", "PLAIN", "HTML", "x-vcard",
				       "rfc822-headers", "csv" };
static const char *mp_subs[] = { "mixed", "alternative", "related", "report", "signed", "MIXED", "digest",
				 "parallel" };
static const char *bounds[] = { "b", "----=_Part_0_12345.67890", "outer b", "a=b/c", "=_x=", "b1", "==abc==",
				"simple-boundary", "with:colon?and=eq", "trail ", "X", "--", "-b",
				"0123456789012345678901234567890123456789012345678901234567890123456789" };

static int ncounter;

static void hdr_name(buf *b, const char *name)
{
	if (P(10)) { /* case variant */
		for (const char *p = name; *p; p++)
			bc(b, P(50) ? (char)g_ascii_toupper(*p) : (char)g_ascii_tolower(*p));
	} else
		bs(b, name);
}

/* a header field with random separators, folding */
static void header(buf *b, const char *name, const char *value)
{
	hdr_name(b, name);
	if (P(3)) { bs(b, " "); note("sp-before-colon"); }
	bc(b, ':');
	int sp = R(10);
	if (sp < 7) bs(b, " ");
	else if (sp == 7) bs(b, "\t");
	else if (sp == 8) bs(b, "  ");
	/* fold at a random '; ' maybe */
	for (const char *p = value; *p; p++) {
		if (*p == ';' && P(30)) {
			bc(b, ';');
			bs(b, P(50) ? "\n " : "\n\t");
			if (p[1] == ' ') p++;
			continue;
		}
		if (*p == ' ' && P(5)) { bs(b, "\n "); note("fold-mid"); continue; }
		bc(b, *p);
	}
	bc(b, '\n');
}

static void param(buf *v, const char *name, const char *val)
{
	int q = R(10);
	const char *sep1 = P(85) ? "; " : PICK(((const char *[]){ ";", " ; ", ";\t", " ;" }));
	const char *eq = P(90) ? "=" : PICK(((const char *[]){ " =", "= ", " = " }));
	bs(v, sep1);
	bs(v, P(85) ? name : (name[0] == 'c' ? "CHARSET" : "Boundary"));
	bs(v, eq);
	int needq = !*val || strpbrk(val, " ;\"()<>@,:\\/[]?=") != NULL;
	if (q < 6 || (needq && q < 9)) {
		bc(v, '"');
		for (const char *p = val; *p; p++) {
			if (*p == '"' || (*p == '\\')) bc(v, '\\');
			else if (P(2)) { bc(v, '\\'); note("qp-escape"); }
			bc(v, *p);
		}
		bc(v, '"');
	} else {
		bs(v, val);
	}
}

static void encode_body(buf *b, const char *raw, size_t n, int enc)
{
	if (enc == 1) { /* base64 */
		gchar *e = g_base64_encode((const guchar *)raw, n);
		size_t L = strlen(e);
		int ll = P(70) ? 76 : (int)(1 + R(80));
		int garbage = P(10), nopad = P(10), extrapad = P(5);
		if (nopad) while (L && e[L - 1] == '=') L--;
		for (size_t i = 0; i < L; i++) {
			bc(b, e[i]);
			if ((i + 1) % (size_t)ll == 0) bs(b, P(95) ? "\n" : " \n");
			if (garbage && P(3)) bc(b, PICK(((char[]){ '!', '*', ' ', '-', '\t', '=' })));
		}
		if (extrapad) bs(b, "==");
		if (garbage) note("b64-garbage");
		if (nopad) note("b64-nopad");
		if (extrapad) note("b64-extrapad");
		if (P(80)) bc(b, '\n');
		g_free(e);
	} else if (enc == 2) { /* QP */
		int col = 0, invalid = P(10), endeq = P(10), crlfsoft = P(20);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)raw[i];
			if (c == '\n') { bc(b, '\n'); col = 0; continue; }
			if (col > 70 || P(3)) { bs(b, crlfsoft ? "=\r\n" : "=\n"); col = 0; }
			if (c >= 0x80 || c == '=' || c < 0x20 || P(5)) { bf(b, "=%02X", c); col += 3; }
			else { bc(b, (char)c); col++; }
			if (invalid && P(5)) { bs(b, PICK(((const char *[]){ "=ZZ", "=4", "= ", "=\t\n", "=3d" }))); }
		}
		if (endeq) bc(b, '=');
		if (invalid) note("qp-invalid");
		if (endeq) note("qp-end-eq");
		if (crlfsoft) note("qp-crlf-soft");
	} else {
		bput(b, raw, n);
	}
}

static void gen_part(buf *b, int depth, int toplevel);

static void gen_leaf(buf *b, int depth)
{
	(void)depth;
	buf ct = { 0 };
	int sub = R(10);
	const char *st = sub < 5 ? "plain" : sub < 8 ? "html" : PICK(subtypes_text);
	int nontext = P(5);
	const char *typ = nontext ? PICK(((const char *[]){ "application", "image", "TEXT", "Text" })) : "text";
	if (nontext && typ[0] != 'T') st = PICK(((const char *[]){ "octet-stream", "pdf", "png" }));
	bf(&ct, "%s/%s", typ, st);
	const char *cs = PICK(charsets);
	if (cs) param(&ct, "charset", cs);
	if (P(10)) param(&ct, "name", PICK(((const char *[]){ "a.txt", "x y.html", "a=b/c" })));
	if (P(3)) { bs(&ct, ";"); note("ct-trailing-semi"); }
	int has_ct = P(92);
	if (!has_ct) note("no-ct");
	const char *cte = PICK(ctes);
	int enc = 0;
	if (cte) {
		char low[64];
		size_t k = 0;
		for (const char *p = cte; *p && k < 63; p++) if (*p != ' ' && *p != '\t') low[k++] = (char)g_ascii_tolower(*p);
		low[k] = 0;
		if (!strcmp(low, "base64")) enc = 1;
		else if (!strcmp(low, "quoted-printable")) enc = 2;
	}
	if (P(8)) enc = (int)R(3), note("enc-mismatch");
	/* header order */
	int order = R(3);
	if (order == 0 && has_ct) header(b, "Content-Type", ct.p);
	if (cte) header(b, "Content-Transfer-Encoding", cte);
	if (order == 1 && has_ct) header(b, "Content-Type", ct.p);
	if (P(15)) {
		const char *cd = PICK(cds);
		header(b, "Content-Disposition", cd);
		note("cd=%s", cd);
	}
	if (P(10)) header(b, "Content-ID", "<x@y>");
	if (order == 2 && has_ct) header(b, "Content-Type", ct.p);
	if (P(2)) { header(b, "Content-Type", "text/html"); note("dup-ct"); }
	if (P(2)) { header(b, "Content-Transfer-Encoding", "7bit"); note("dup-cte"); }
	bc(b, '\n');
	/* body */
	buf body = { 0 };
	int nt = 1 + R(2);
	for (int i = 0; i < nt; i++) {
		if (!strcasecmp(st, "html") && P(70)) bs(&body, PICK(htmls));
		else { const char *t = PICK(texts); bput(&body, t, text_len(t)); }
	}
	if (P(4)) { for (int i = 0; i < 3000 + (int)R(6000); i++) bc(&body, (char)('a' + i % 26)); bc(&body, '\n'); note("long-line"); }
	if (P(3)) { bput(&body, "\0", 1); note("nul"); }
	if (P(3)) { bc(&body, (char)(0x80 + R(128))); note("8bit"); }
	encode_body(b, body.p ? body.p : "", body.n, enc);
	free(body.p);
	free(ct.p);
}

static void gen_multipart(buf *b, int depth, int toplevel)
{
	(void)toplevel;
	char bnd[600];
	const char *base = PICK(bounds);
	if (P(3)) { /* very long boundary */
		size_t L = 100 + R(400);
		for (size_t i = 0; i < L; i++) bnd[i] = (char)('a' + i % 26);
		bnd[L] = 0;
		note("long-boundary");
	} else
		snprintf(bnd, sizeof bnd, "%s%d", base, depth + ncounter++ % 2 * 10);
	buf ct = { 0 };
	bf(&ct, "multipart/%s", PICK(mp_subs));
	param(&ct, "boundary", bnd);
	if (P(10)) param(&ct, "type", "text/plain");
	header(b, "Content-Type", ct.p);
	free(ct.p);
	if (P(5)) { header(b, "Content-Transfer-Encoding", PICK(((const char *[]){ "7bit", "8bit", "base64" }))); note("mp-cte"); }
	bc(b, '\n');
	/* preamble */
	int pre = R(10);
	if (pre < 5) bs(b, "This is a multi-part message in MIME format.\n");
	else if (pre == 5) { bf(b, "--%sx\n", bnd); note("pre-bx"); }
	else if (pre == 6) { bf(b, "-- %s\n", bnd); note("pre-sp"); }
	else if (pre == 7) { bs(b, "\n"); }
	int n = 1 + R(3);
	for (int i = 0; i < n; i++) {
		bf(b, "--%s", bnd);
		if (P(3)) { bs(b, PICK(((const char *[]){ " ", "\t", "  ", " \t" }))); note("bline-trailing-ws"); }
		bc(b, '\n');
		if (P(3)) { note("part-no-headers"); bs(b, "\n"); bs(b, PICK(texts)); bc(b, '\n'); continue; }
		if (P(2)) { note("part-empty"); continue; }
		gen_part(b, depth + 1, 0);
		bc(b, '\n');
	}
	int close = R(20);
	if (close == 0) { note("no-close"); }
	else if (close == 1) { bf(b, "--%s--", bnd); note("close-no-nl"); return; }
	else if (close == 2) { bf(b, "--%s-- \n", bnd); note("close-trailing-ws"); }
	else bf(b, "--%s--\n", bnd);
	int epi = R(8);
	if (epi == 0) bs(b, "epilogue text\n");
	else if (epi == 1) { bf(b, "--%s\n\nafter close\n", bnd); note("epi-boundary"); }
	else if (epi == 2) { bf(b, "--%s--\n", bnd); note("epi-close-again"); }
}

static void gen_part(buf *b, int depth, int toplevel)
{
	if (depth < 4 && P(toplevel ? 55 : 25))
		gen_multipart(b, depth, toplevel);
	else
		gen_leaf(b, depth);
}

static void gen_message(buf *b)
{
	const char *tops[][2] = { { "From", "Anna <a@b.test>" }, { "To", "c@d.test" },
				  { "Subject", "Re: flat" }, { "Date", "Mon, 1 Jan 2024 10:00:00 +0100" },
				  { "Message-ID", "<m1@b.test>" }, { "MIME-Version", "1.0" } };
	for (size_t i = 0; i < 6; i++)
		if (P(95)) header(b, tops[i][0], tops[i][1]);
	if (P(5)) { header(b, "Subject", "=?utf-8?B?UsOpcG9uc2U6IA==?= =?utf-8?B?YXBw?="); note("ew-subject"); }
	if (P(3)) { header(b, "Received", "from x\n\tby y"); }
	if (P(3)) { bs(b, "X-Long: "); for (int i = 0; i < 2000; i++) bc(b, 'x'); bc(b, '\n'); note("long-header"); }
	gen_part(b, 0, 1);
}

/* ---------- line-ending conversion ---------- */
static void convert_le(buf *in, int mode)
{
	buf o = { 0 };
	for (size_t i = 0; i < in->n; i++) {
		char c = in->p[i];
		if (c == '\n' && (i == 0 || in->p[i - 1] != '\r')) {
			int crlf = mode == 1 || (mode == 2 && P(50));
			if (mode == 3 && P(2)) { bc(&o, '\r'); continue; } /* lone CR */
			if (crlf) bc(&o, '\r');
		}
		bc(&o, c);
	}
	free(in->p);
	*in = o;
}

/* ---------- raw mutations (on corpus or generated) ---------- */
/* line index: starts of lines */
static size_t nth_line(const buf *b, size_t k, size_t *end)
{
	size_t s = 0, line = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->p[i] == '\n') {
			if (line == k) { *end = i + 1; return s; }
			line++;
			s = i + 1;
		}
	}
	*end = b->n;
	return s;
}
static size_t count_lines(const buf *b)
{
	size_t n = 1;
	for (size_t i = 0; i < b->n; i++) n += b->p[i] == '\n';
	return n;
}
static void splice(buf *b, size_t at, size_t del, const char *ins, size_t insn)
{
	buf o = { 0 };
	bput(&o, b->p, at);
	bput(&o, ins, insn);
	bput(&o, b->p + at + del, b->n - at - del);
	free(b->p);
	*b = o;
}
/* find a random occurrence of needle (case-insensitive); -1 if none */
static long find_rand(const buf *b, const char *needle)
{
	size_t nl = strlen(needle);
	long hits[256];
	int nh = 0;
	for (size_t i = 0; i + nl <= b->n && nh < 256; i++)
		if (!g_ascii_strncasecmp(b->p + i, needle, nl)) hits[nh++] = (long)i;
	return nh ? hits[R(nh)] : -1;
}
/* the boundary values present */
static int get_boundary(const buf *b, char *out, size_t cap)
{
	long at = find_rand(b, "boundary=");
	if (at < 0) return 0;
	const char *p = b->p + at + 9;
	const char *e = b->p + b->n;
	size_t k = 0;
	if (p < e && *p == '"') {
		p++;
		while (p < e && *p != '"' && k + 1 < cap) out[k++] = *p++;
	} else {
		while (p < e && *p != ';' && *p != ' ' && *p != '\r' && *p != '\n' && *p != '\t' && k + 1 < cap) out[k++] = *p++;
	}
	out[k] = 0;
	return k > 0;
}
static void replace_all(buf *b, const char *from, const char *to)
{
	buf o = { 0 };
	size_t fl = strlen(from);
	for (size_t i = 0; i < b->n;) {
		if (i + fl <= b->n && !memcmp(b->p + i, from, fl)) { bs(&o, to); i += fl; }
		else bc(&o, b->p[i++]);
	}
	free(b->p);
	*b = o;
}

static void mutate(buf *b)
{
	int op = R(30);
	size_t nl = count_lines(b), e;
	switch (op) {
	case 0: convert_le(b, 1); note("all-crlf"); break;
	case 1: convert_le(b, 2); note("mixed-crlf"); break;
	case 2: convert_le(b, 3); note("lone-cr"); break;
	case 3: { /* strip CR everywhere */
		buf o = { 0 };
		for (size_t i = 0; i < b->n; i++) if (b->p[i] != '\r') bc(&o, b->p[i]);
		free(b->p); *b = o; note("all-lf"); break; }
	case 4: { /* one line's ending flipped */
		size_t s = nth_line(b, R((unsigned)nl), &e);
		if (e > s && b->p[e - 1] == '\n') {
			if (e - s >= 2 && b->p[e - 2] == '\r') splice(b, e - 2, 1, "", 0);
			else splice(b, e - 1, 0, "\r", 1);
			note("flip-le-line");
		}
		break; }
	case 5: { /* fold at a Content- header */
		long at = find_rand(b, "content-");
		if (at < 0) break;
		const char *p = memchr(b->p + at, ';', b->n - (size_t)at);
		if (!p) break;
		splice(b, (size_t)(p - b->p) + 1, 0, P(50) ? "\r\n " : "\n\t", 3 - (size_t)P(50));
		note("fold-ct");
		break; }
	case 6: { /* whitespace around : = ; */
		const char *t[] = { ":", "=", ";" };
		const char *w[] = { " ", "\t", "  " };
		long at = find_rand(b, PICK(t));
		if (at < 0) break;
		splice(b, (size_t)at + (size_t)P(50), 0, PICK(w), 1);
		note("ws-near-sep");
		break; }
	case 7: { /* change boundary value everywhere */
		char bd[600];
		if (!get_boundary(b, bd, sizeof bd)) break;
		const char *nb = PICK(((const char *[]){ "a b", "a=b", "a/b", "x", "=_Part=/x", "q?r", "B", "tr ", " lead" }));
		replace_all(b, bd, nb);
		/* ensure quoted */
		char tmp[700];
		snprintf(tmp, sizeof tmp, "boundary=%s", nb);
		char tmp2[700];
		snprintf(tmp2, sizeof tmp2, "boundary=\"%s\"", nb);
		if (P(70) || strchr(nb, ' ')) replace_all(b, tmp, tmp2);
		note("boundary->[%s]", nb);
		break; }
	case 8: { /* unquote / quote boundary */
		char bd[600];
		if (!get_boundary(b, bd, sizeof bd)) break;
		char q[700], u[700];
		snprintf(q, sizeof q, "boundary=\"%s\"", bd);
		snprintf(u, sizeof u, "boundary=%s", bd);
		if (strstr(b->p, q)) replace_all(b, q, u), note("unquote-boundary");
		else replace_all(b, u, q), note("quote-boundary");
		break; }
	case 9: { /* trailing ws on a boundary line */
		char bd[600], l[700];
		if (!get_boundary(b, bd, sizeof bd)) break;
		snprintf(l, sizeof l, "\n--%s", bd);
		long at = find_rand(b, l);
		if (at < 0) break;
		size_t p = (size_t)at + strlen(l);
		if (p + 2 <= b->n && b->p[p] == '-' && b->p[p + 1] == '-') p += 2;
		splice(b, p, 0, P(50) ? " " : "\t", 1);
		note("bline-ws");
		break; }
	case 10: { /* remove final newline(s) */
		while (b->n && (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == '\r')) b->n--;
		b->p[b->n] = 0;
		note("strip-final-nl");
		break; }
	case 11: { /* cut after closing boundary */
		char bd[600], l[700];
		if (!get_boundary(b, bd, sizeof bd)) break;
		snprintf(l, sizeof l, "--%s--", bd);
		char *f = strstr(b->p, l);
		if (!f) break;
		b->n = (size_t)(f - b->p) + strlen(l) + R(3);
		if (b->n > strlen(b->p)) b->n = strlen(b->p);
		b->p[b->n] = 0;
		note("cut-after-close");
		break; }
	case 12: { /* CTE variants */
		long at = find_rand(b, "content-transfer-encoding:");
		if (at < 0) break;
		size_t s = (size_t)at + 26;
		const char *eo = memchr(b->p + s, '\n', b->n - s);
		if (!eo) break;
		size_t end = (size_t)(eo - b->p);
		if (end > s && b->p[end - 1] == '\r') end--;
		char val[128];
		size_t k = 0;
		for (size_t i = s; i < end && k < 100; i++) val[k++] = b->p[i];
		val[k] = 0;
		char nv[160];
		int how = R(5);
		if (how == 0) { for (size_t i = 0; i < k; i++) val[i] = (char)g_ascii_toupper(val[i]); snprintf(nv, sizeof nv, "%s", val); }
		else if (how == 1) snprintf(nv, sizeof nv, "%s \t", val);
		else if (how == 2) snprintf(nv, sizeof nv, "\t%s", val);
		else if (how == 3) snprintf(nv, sizeof nv, "%s\n ", val);
		else snprintf(nv, sizeof nv, " %s", PICK(ctes) ? PICK(ctes) : "8bit");
		splice(b, s, end - s, nv, strlen(nv));
		note("cte->[%s]", nv);
		break; }
	case 13: { /* insert a CD header after a Content-Type: line start */
		long at = find_rand(b, "\ncontent-type:");
		if (at < 0) break;
		char h[200];
		const char *cd = PICK(cds);
		snprintf(h, sizeof h, "\nContent-Disposition: %s", cd);
		splice(b, (size_t)at, 0, h, strlen(h));
		note("ins-cd=[%s]", cd);
		break; }
	case 14: { /* swap subtype */
		const char *from[] = { "text/plain", "text/html" };
		const char *to[] = { "text/html", "text/plain", "text/calendar", "text/enriched", "TEXT/HTML", "Text/Plain", "application/octet-stream" };
		long at = find_rand(b, PICK(from));
		if (at < 0) break;
		size_t L = b->p[at + 5] == 'p' || b->p[at + 5] == 'P' ? 10 : 9;
		const char *t = PICK(to);
		splice(b, (size_t)at, L, t, strlen(t));
		note("type->%s", t);
		break; }
	case 15: { /* charset swap */
		long at = find_rand(b, "charset=");
		if (at < 0) break;
		size_t s = (size_t)at + 8, end = s;
		int q = end < b->n && b->p[end] == '"';
		if (q) { end++; while (end < b->n && b->p[end] != '"' && b->p[end] != '\n') end++; if (end < b->n && b->p[end] == '"') end++; }
		else while (end < b->n && !strchr("; \t\r\n", b->p[end])) end++;
		const char *cs = PICK(charsets);
		char nv[100];
		snprintf(nv, sizeof nv, P(50) ? "\"%s\"" : "%s", cs ? cs : "utf-8");
		splice(b, s, end - s, nv, strlen(nv));
		note("charset->%s", nv);
		break; }
	case 16: { /* NUL / 8-bit into body */
		char *hb = strstr(b->p, "\n\n");
		size_t body = hb ? (size_t)(hb - b->p) + 2 : 0;
		if (body >= b->n) break;
		size_t at = body + R((unsigned)(b->n - body));
		char c = P(50) ? 0 : (char)(0x80 + R(128));
		splice(b, at, 0, &c, 1);
		note(c ? "ins-8bit" : "ins-nul");
		break; }
	case 17: { /* long line */
		char *hb = strstr(b->p, "\n\n");
		size_t body = hb ? (size_t)(hb - b->p) + 2 : 0;
		if (body >= b->n) break;
		size_t at = body + R((unsigned)(b->n - body));
		size_t L = 4000 + R(10000);
		char *x = malloc(L);
		for (size_t i = 0; i < L; i++) x[i] = (char)('a' + i % 26);
		splice(b, at, 0, x, L);
		free(x);
		note("long-line-%zu", L);
		break; }
	case 18: { /* duplicate a header line */
		size_t s = nth_line(b, R(8), &e);
		char *l = g_strndup(b->p + s, e - s);
		splice(b, s, 0, l, e - s);
		g_free(l);
		note("dup-line");
		break; }
	case 19: { /* wrap as nested multipart */
		char *hb = strstr(b->p, "\n\n");
		if (!hb) break;
		size_t hend = (size_t)(hb - b->p) + 1;
		/* move Content-* headers (single lines + continuations) */
		buf top = { 0 }, inner = { 0 };
		size_t i = 0;
		int incont = 0;
		while (i < hend) {
			size_t j = i;
			while (j < hend && b->p[j] != '\n') j++;
			j++;
			int cont = b->p[i] == ' ' || b->p[i] == '\t';
			if (!cont) incont = !g_ascii_strncasecmp(b->p + i, "content-", 8);
			bput(incont ? &inner : &top, b->p + i, j - i);
			i = j;
		}
		const char *nb = PICK(((const char *[]){ "wrap", "wrap b", "w=1", "wrapX" }));
		bf(&top, "Content-Type: multipart/%s; boundary=\"%s\"\n\n--%s\n", PICK(mp_subs), nb, nb);
		bput(&top, inner.p ? inner.p : "", inner.n);
		bput(&top, b->p + hend, b->n - hend);
		bf(&top, "%s--%s--\n", (b->n && b->p[b->n - 1] == '\n') ? "" : "\n", nb);
		free(inner.p);
		free(b->p);
		*b = top;
		note("wrap[%s]", nb);
		break; }
	case 20: { /* truncate */
		if (b->n > 1) { b->n = 1 + R((unsigned)b->n - 1); b->p[b->n] = 0; note("trunc"); }
		break; }
	case 21: { /* delete a random line */
		size_t s = nth_line(b, R((unsigned)nl), &e);
		splice(b, s, e - s, "", 0);
		note("del-line");
		break; }
	case 22: { /* insert a boundary-like line in a random place */
		char bd[600], l[700];
		if (!get_boundary(b, bd, sizeof bd)) break;
		const char *fm[] = { "--%s\n", "--%s--\n", "--%sX\n", "--%s-\n", "--%s--X\n", "--%s\n\n", "-- %s\n" };
		snprintf(l, sizeof l, PICK(fm), bd);
		size_t s = nth_line(b, R((unsigned)nl), &e);
		splice(b, s, 0, l, strlen(l));
		note("ins-bline[%s]", l);
		break; }
	case 23: { /* byte flip */
		if (!b->n) break;
		size_t at = R((unsigned)b->n);
		b->p[at] = PICK(((char[]){ ' ', '\t', '\r', '\n', ':', ';', '=', '"', '-', '\\', '(', 0 }));
		note("flip@%zu", at);
		break; }
	case 24: { /* header name case */
		long at = find_rand(b, "content-");
		if (at < 0) break;
		for (int i = 0; i < 8; i++) b->p[at + i] = (char)(P(50) ? g_ascii_toupper(b->p[at + i]) : g_ascii_tolower(b->p[at + i]));
		note("name-case");
		break; }
	case 25: { /* blank line with whitespace */
		char *hb = strstr(b->p, "\n\n");
		if (!hb) break;
		splice(b, (size_t)(hb - b->p) + 1, 0, P(50) ? " " : "\t", 1);
		note("ws-blank-line");
		break; }
	case 26: { /* base64 body damage */
		long at = find_rand(b, "base64");
		if (at < 0) break;
		char *hb = strstr(b->p + at, "\n\n");
		if (!hb) break;
		size_t s = (size_t)(hb - b->p) + 2 + R(40);
		if (s >= b->n) break;
		const char *g[] = { "=", "==", "!", " ", "\n", "====", "A", "AB", "-" };
		const char *x = PICK(g);
		splice(b, s, 0, x, strlen(x));
		note("b64dmg[%s]", x);
		break; }
	case 27: { /* QP damage */
		long at = find_rand(b, "quoted-printable");
		if (at < 0) break;
		char *hb = strstr(b->p + at, "\n\n");
		if (!hb) break;
		size_t s = (size_t)(hb - b->p) + 2 + R(60);
		if (s >= b->n) break;
		const char *g[] = { "=", "=\r\n", "=\n", "=ZZ", "=4", "= \n", "=\t\r\n", "=3D", "=0D=0A", "=00" };
		const char *x = PICK(g);
		splice(b, s, 0, x, strlen(x));
		note("qpdmg");
		break; }
	case 28: { /* remove a header block (part without headers) */
		char bd[600], l[700];
		if (!get_boundary(b, bd, sizeof bd)) break;
		snprintf(l, sizeof l, "--%s\n", bd);
		long at = find_rand(b, l);
		if (at < 0) break;
		size_t s = (size_t)at + strlen(l);
		char *hb = strstr(b->p + s, "\n\n");
		if (!hb) break;
		splice(b, s, (size_t)(hb - b->p) + 1 - s, "", 0);
		note("strip-part-headers");
		break; }
	case 29: { /* empty first line */
		splice(b, 0, 0, P(50) ? "\n" : "\r\n", 1 + (size_t)P(50));
		note("leading-blank");
		break; }
	}
}

/* ---------- compare ---------- */
struct res { int ra, rb, scanned; char *ta, *tb; int ha, hb; };

static int run(const char *in, size_t n, struct res *r)
{
	char *raw = malloc(n ? n : 1); /* exact size: ASan catches over-reads */
	memcpy(raw, in, n);
	struct reply *a = NULL, *b = NULL;
	struct ct_err e1 = { 0 }, e2 = { 0 };
	memset(r, 0, sizeof *r);
	r->ra = reply_parse_flags(raw, n, REPLY_HTML_QUOTES, &a, &e1);
	r->rb = reply_parse_flags(raw, n, REPLY_HTML_QUOTES | REPLY_TEXT_ONLY, &b, &e2);
	int differ = r->ra != r->rb;
	if (a && b) {
		differ |= strcmp(a->text, b->text) != 0 || a->text_from_html != b->text_from_html;
		r->ta = strdup(a->text);
		r->tb = strdup(b->text);
		r->ha = a->text_from_html;
		r->hb = b->text_from_html;
	}
	reply_free(a);
	reply_free(b);
	free(raw);
	return differ;
}
static int scans(const char *in, size_t n);
static void noop(const struct mimescan_leaf *l, void *arg) { (void)l, (void)arg; }
static int scans(const char *in, size_t n)
{
	char *raw = malloc(n ? n : 1);
	memcpy(raw, in, n);
	int ok = n ? mimescan_walk(raw, n, NULL, noop, NULL) : 0;
	free(raw);
	return ok;
}
static void res_free(struct res *r) { free(r->ta), free(r->tb); }

static int differs(const char *in, size_t n)
{
	if (!scans(in, n)) return 0;
	struct res r;
	int d = run(in, n, &r);
	res_free(&r);
	return d;
}

/* line-then-byte ddmin-ish minimiser */
static void minimise(buf *b)
{
	int changed = 1;
	while (changed) {
		changed = 0;
		/* remove line chunks */
		for (size_t chunk = count_lines(b) / 2; chunk >= 1; chunk /= 2) {
			for (size_t k = 0; k < count_lines(b);) {
				size_t s, e1, e2;
				s = nth_line(b, k, &e1);
				size_t last = k + chunk - 1;
				if (last >= count_lines(b)) last = count_lines(b) - 1;
				nth_line(b, last, &e2);
				if (e2 <= s) { k++; continue; }
				buf t = { 0 };
				bput(&t, b->p, s);
				bput(&t, b->p + e2, b->n - e2);
				if (t.n && differs(t.p, t.n)) { free(b->p); *b = t; changed = 1; }
				else { free(t.p); k += chunk; }
			}
			if (chunk == 1) break;
		}
		/* remove single bytes (only for small inputs) */
		if (b->n < 600) {
			for (size_t i = 0; i < b->n;) {
				buf t = { 0 };
				bput(&t, b->p, i);
				bput(&t, b->p + i + 1, b->n - i - 1);
				if (t.n && differs(t.p, t.n)) { free(b->p); *b = t; changed = 1; }
				else { free(t.p); i++; }
			}
		}
	}
}


/* ---------- classification by ablation ---------- */
static int ci_starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - p) >= n && !g_ascii_strncasecmp(p, lit, n);
}
static const char *classify(const buf *b)
{
	buf t = { 0 };
	const char *end = b->p + b->n;
	/* 1. Content-Disposition renamed */
	for (const char *p = b->p; p < end; p++) {
		if ((p == b->p || p[-1] == '\n') && ci_starts(p, end, "content-disposition")) { bs(&t, "X-Content-Dispositio"); p += 18; continue; }
		bc(&t, *p);
	}
	int cd = !differs(t.p, t.n);
	free(t.p); t = (buf){ 0 };
	if (cd) return "cd";
	/* 2. all LF and all CRLF both cure it */
	for (const char *p = b->p; p < end; p++) if (!(*p == '\r' && p + 1 < end && p[1] == '\n')) bc(&t, *p);
	int lf = !differs(t.p, t.n);
	buf u = { 0 };
	for (size_t i = 0; i < t.n; i++) { if (t.p[i] == '\n') bc(&u, '\r'); bc(&u, t.p[i]); }
	int crlf = !differs(u.p, u.n);
	free(t.p); free(u.p); t = (buf){ 0 };
	if (lf && crlf) return "nl-mix";
	/* 3. lines cut to 2000 bytes */
	size_t col = 0;
	int cut = 0;
	for (const char *p = b->p; p < end; p++) {
		if (*p == '\n') col = 0; else if (++col > 2000) { cut = 1; continue; }
		bc(&t, *p);
	}
	int longl = cut && !differs(t.p, t.n);
	free(t.p); t = (buf){ 0 };
	if (longl) return "long-line";
	/* 4. a leading blank line */
	if (b->n && (b->p[0] == '\n' || b->p[0] == '\r')) {
		bs(&t, "X: y\n"); bput(&t, b->p, b->n);
		int lb = !differs(t.p, t.n);
		free(t.p);
		if (lb) return "leading-blank";
	}
	/* 5. final newline added */
	if (b->n && b->p[b->n - 1] != '\n') {
		t = (buf){ 0 }; bput(&t, b->p, b->n); bs(&t, b->n > 1 && b->p[b->n-2] == '\r' ? "\n" : "\n");
		int fn = !differs(t.p, t.n);
		free(t.p);
		if (fn) return "no-final-nl";
	}
	return "other";
}

/* ---------- corpus ---------- */
static buf *corpus;
static size_t ncorpus;
static void load_dir(const char *d)
{
	DIR *dir = opendir(d);
	if (!dir) return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".eml")) continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", d, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f) continue;
		buf b = { 0 };
		char tmp[65536];
		size_t k;
		while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) bput(&b, tmp, k);
		fclose(f);
		if (!b.n) continue;
		corpus = realloc(corpus, (ncorpus + 1) * sizeof *corpus);
		corpus[ncorpus++] = b;
	}
	closedir(dir);
}

static void cescape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n') fputs("\\n", f);
		else if (c == '\r') fputs("\\r", f);
		else if (c == '\t') fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
		else fputc(c, f);
	}
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : (unsigned long long)time(NULL);
	const char *outdir = argc > 3 ? argv[3] : "/tmp/fuzz-ms";
	int maxsave = argc > 4 ? atoi(argv[4]) : 60;
	rs ^= seed * 0x9E3779B97F4A7C15ULL;
	if (!rs) rs = 1;
	mime_init_once();
	const char *dirs[] = { "tests/fixtures/replies", "tests/fixtures/replies-dev", "tests/fixtures/replies-holdout",
			       "tests/fixtures/replies-holdout2", "tests/fixtures/replies-holdout3",
			       "tests/fixtures/replies-holdout4", "tests/fixtures/coding", "tests/fixtures" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) load_dir(dirs[i]);
	fprintf(stderr, "corpus %zu seed %llu\n", ncorpus, seed);
	time_t t0 = time(NULL);
	long tried = 0, scanned = 0, ndiff = 0, saved = 0, classcount[6] = { 0 }, classsaved[6] = { 0 };
	/* signature counts (by minimised-note-independent key: first note word) */
	while (time(NULL) - t0 < seconds) {
		buf b = { 0 };
		mlog[0] = 0;
		int fromgen = !ncorpus || P(50);
		if (fromgen) {
			gen_message(&b);
			le_kind = R(10) < 6 ? 0 : R(10) < 8 ? 1 : 2;
			if (le_kind) convert_le(&b, le_kind), note(le_kind == 1 ? "gen-crlf" : "gen-mixed");
			char pre[64];
			snprintf(pre, sizeof pre, "gen");
			(void)pre;
		} else {
			size_t k = R((unsigned)ncorpus);
			bput(&b, corpus[k].p, corpus[k].n);
			note("corpus#%zu", k);
		}
		int nm = fromgen ? (int)R(3) : 1 + (int)R(3);
		for (int i = 0; i < nm; i++) mutate(&b);
		if (!b.n) { free(b.p); continue; }
		tried++;
		int sc = scans(b.p, b.n);
		scanned += sc;
		struct res r;
		int d = run(b.p, b.n, &r);
		if (d) {
			ndiff++;
			const char *cls = classify(&b);
			int ci = !strcmp(cls, "cd") ? 0 : !strcmp(cls, "nl-mix") ? 1 : !strcmp(cls, "long-line") ? 2 : !strcmp(cls, "leading-blank") ? 3 : !strcmp(cls, "no-final-nl") ? 4 : 5;
			classcount[ci]++;
			note("class=%s", cls);
			if (saved < maxsave && classsaved[ci] < (ci == 5 ? maxsave : 3)) {
				classsaved[ci]++;
				char path[4096];
				snprintf(path, sizeof path, "%s/diff-%03ld.eml", outdir, saved);
				FILE *f = fopen(path, "wb");
				fwrite(b.p, 1, b.n, f);
				fclose(f);
				buf m = { 0 };
				bput(&m, b.p, b.n);
				minimise(&m);
				snprintf(path, sizeof path, "%s/diff-%03ld.min.eml", outdir, saved);
				f = fopen(path, "wb");
				fwrite(m.p, 1, m.n, f);
				fclose(f);
				struct res rm;
				run(m.p, m.n, &rm);
				snprintf(path, sizeof path, "%s/diff-%03ld.txt", outdir, saved);
				f = fopen(path, "w");
				fprintf(f, "mutations: %s\nfull: ra=%d rb=%d html %d/%d\nGMime   : [", mlog, r.ra, r.rb, r.ha, r.hb);
				cescape(f, r.ta ? r.ta : "(null)");
				fprintf(f, "]\nmimescan: [");
				cescape(f, r.tb ? r.tb : "(null)");
				fprintf(f, "]\nminimised (%zu bytes): [", m.n);
				char *z = g_strndup(m.p, m.n);
				cescape(f, z);
				g_free(z);
				fprintf(f, "]\n  GMime   : [");
				cescape(f, rm.ta ? rm.ta : "(null)");
				fprintf(f, "] html=%d\n  mimescan: [", rm.ha);
				cescape(f, rm.tb ? rm.tb : "(null)");
				fprintf(f, "] html=%d\n", rm.hb);
				fclose(f);
				res_free(&rm);
				free(m.p);
				saved++;
			}
		}
		res_free(&r);
		free(b.p);
		if (tried % 2000 == 0)
			fprintf(stderr, "tried %ld scanned %ld diffs %ld\n", tried, scanned, ndiff);
	}
	printf("tried %ld scanned %ld diffs %ld saved %ld | cd %ld nl-mix %ld long-line %ld leading-blank %ld no-final-nl %ld other %ld\n", tried, scanned, ndiff, saved, classcount[0], classcount[1], classcount[2], classcount[3], classcount[4], classcount[5]);
	return 0;
}
