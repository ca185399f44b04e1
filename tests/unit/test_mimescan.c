/* test_mimescan.c: coding reads replies through mimescan instead of
 * GMime's object tree (REPLY_TEXT_ONLY), and must read exactly what GMime
 * reads. The reference is GMime itself: every message of the labelled
 * corpora and the mail fixtures, whole and cut short, gives the same text
 * and HTML flag both ways; hand-written messages show what the scanner
 * leaves to GMime and what it decodes. The charsets converted without
 * iconv are held to iconv (g_convert) byte by byte. */
#include <check.h>
#include <dirent.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "mail/mimescan.h"
#include "mail/reply.h"
#include "corpus.h"
#include "base/banned.h"

static void noop_leaf(const struct mimescan_leaf *l, void *arg)
{
	(void)l;
	(void)arg;
}

static int scans(const char *raw, size_t len)
{
	return mimescan_walk(raw, len, NULL, noop_leaf, NULL);
}

/* The two readings of raw agree (text, HTML flag). */
static void same(const char *what, const char *raw, size_t len)
{
	struct reply *a = NULL, *b = NULL;
	struct ct_err e1 = { 0 }, e2 = { 0 };
	int ra = reply_parse_flags(raw, len, REPLY_HTML_QUOTES, &a, &e1);
	int rb = reply_parse_flags(raw, len, REPLY_HTML_QUOTES | REPLY_TEXT_ONLY, &b, &e2);
	ck_assert_int_eq(ra, rb);
	if (ra == CT_OK) {
		ck_assert_msg(!strcmp(a->text, b->text), "%s: text differs:\n[%s]\n[%s]", what, a->text,
			      b->text);
		ck_assert_msg(a->text_from_html == b->text_from_html, "%s: html flag", what);
	}
	reply_free(a);
	reply_free(b);
}

/* The corpora, and the mail fixtures (bounces, DSNs, broken MIME). */
static const char *const dirs[] = { "tests/fixtures/replies",	       "tests/fixtures/replies-dev",
				    "tests/fixtures/replies-holdout",  "tests/fixtures/replies-holdout2",
				    "tests/fixtures/replies-holdout3", "tests/fixtures/replies-holdout4",
				    "tests/fixtures/coding",	       "tests/fixtures" };

struct tally {
	int scanned;
	unsigned seed;
};

static void read_both_ways(const char *path, const char *raw, size_t len, void *arg)
{
	struct tally *t = arg;
	t->scanned += scans(raw, len);
	same(path, raw, len);
	/* Cut short: a lost closing boundary, a part cut in a base64 quartet
	 * or a quoted-printable escape. */
	for (int k = 0; k < 3; k++) {
		t->seed = t->seed * 1103515245u + 12345u;
		size_t cut = 1 + (t->seed >> 8) % len;
		char *what = xasprintf("%s cut at %zu", path, cut);
		same(what, raw, cut);
		free(what);
	}
}

START_TEST(corpus_read_as_gmime_reads_it)
{
	struct tally t = { 0, 12345 };
	int n = corpus_each(dirs, sizeof(dirs) / sizeof(*dirs), read_both_ways, &t);
	ck_assert_int_gt(n, 1100);
	/* The scanner is what coding uses for nearly all of them. */
	ck_assert_msg(t.scanned * 10 >= n * 9, "scanned %d of %d", t.scanned, n);
}
END_TEST

#define HEAD "From: a@b.test\nTo: c@d.test\nSubject: Re: flat\nMIME-Version: 1.0\n"

START_TEST(left_to_gmime)
{
	static const char *cases[] = {
		/* an encoded word in a field the scanner reads */
		HEAD "Content-Type: text/plain; charset=\"=?utf-8?q?x?=\"\n\nhi\n",
		/* RFC 2231 parameter */
		HEAD "Content-Type: text/plain; charset*=utf-8''%41\n\nhi\n",
		/* 8-bit header byte */
		HEAD "X-Name: Ren\xc3\xa9\n\nhi\n",
		/* a message part (a bounce's returned message) */
		HEAD "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
		     "--b\nContent-Type: message/rfc822\n\nSubject: y\n\nz\n--b--\n",
		/* no closing boundary */
		HEAD "Content-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n",
		/* uuencode */
		HEAD "Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n`\nend\n",
		/* a boundary line with more after it */
		HEAD "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--bx\n\ny\n--b--\n",
		/* the same boundary nested */
		HEAD "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; "
		     "boundary=b\n\n--b\n\nx\n--b--\n--b--\n",
		/* a digest (parts default to message/rfc822) */
		HEAD "Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\ny\n--b--\n",
		/* a malformed Content-Type */
		HEAD "Content-Type: text\n\nhi\n",
		/* a comment in a parameter */
		HEAD "Content-Type: text/plain; charset=utf-8 (Unicode)\n\nhi\n",
		/* repeated Content-Type */
		HEAD "Content-Type: text/plain\nContent-Type: text/html\n\nhi\n",
		/* no empty line after the header block */
		HEAD "Content-Type: text/plain",
		/* an mbox From line */
		"From a@b.test Mon Jan 1 00:00:00 2024\n" HEAD "\nhi\n",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ck_assert_msg(!scans(cases[i], strlen(cases[i])), "case %zu was scanned", i);
		same("left to GMime", cases[i], strlen(cases[i]));
	}
}
END_TEST

/* What a differential fuzzer (mutations of the corpus and random MIME
 * trees, both readers compared) found, each as small as it could be made:
 * the scanner must read these as GMime does or leave them to it. */
START_TEST(fuzz_findings)
{
	static const char *cases[] = {
		/* CRLF content, LF boundary lines: GMime takes one byte off */
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\r\n--b--\n",
		/* CRLF throughout, no line break after the closing boundary */
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--",
		/* LF content, a CRLF boundary line: GMime takes two bytes off */
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nt\n--b\r\n\n\n--b--\n",
		/* more than the token before ';' */
		"Content-Disposition: attachment x\n\nbody\n",
		"Content-Disposition: attachment (c)\n\nbody\n",
		"Content-Disposition: attachment\n filename=a.txt\n\nbody\n",
		/* an encoded word GMime decodes first */
		"Content-Disposition: =?us-ascii?q?attachment?=\n\nbody\n",
		/* a message that starts with its empty line */
		"\n=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=\n",
		/* an empty charset */
		"Content-Type: text/html;charset=\n\ncharset=iso8859-1\x94",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		same("fuzz finding", cases[i], strlen(cases[i]));
	/* A field name of thousands of bytes: GMime's parser gives up. */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 4300; i++)
		sb_addc(&sb, 'X');
	sb_adds(&sb, ": y\nContent-Type: text/plain\n\nbody\n");
	same("long field name", sb_str(&sb), sb.len);
	sb_free(&sb);
	/* A Content-Type folded over thousands of lines (it used to be copied
	 * whole for each line: minutes for a 1 MB reply). */
	struct strbuf fold = STRBUF_INIT;
	sb_adds(&fold, "Content-Type: text/plain; charset=utf-8");
	for (int i = 0; i < 3000; i++)
		sb_adds(&fold, "\n x=y;");
	sb_adds(&fold, "\n\nbody\n");
	same("folded Content-Type", sb_str(&fold), fold.len);
	ck_assert(!scans(sb_str(&fold), fold.len));
	sb_free(&fold);
}
END_TEST

/* What the scanner decodes, checked against text written by hand and
 * against GMime. */
struct got {
	char text[512];
	int n;
};

static void collect(const struct mimescan_leaf *l, void *arg)
{
	struct got *g = arg;
	size_t k = strlen(g->text);
	snprintf(g->text + k, sizeof(g->text) - k, "[%s/%s %s%s:%s]", l->type, l->subtype,
		 l->charset ? l->charset : "-", l->attachment ? " att" : "", l->bytes);
	g->n++;
}

START_TEST(decodes_plain_shapes)
{
	struct got g = { "", 0 };
	const char *qp = HEAD "Content-Type: text/plain; charset=iso-8859-1\n"
			      "Content-Transfer-Encoding: quoted-printable\n\n"
			      "Het appartement is al verhuurd, d=E9sol=E9 voor de lange =\nregel.\n";
	ck_assert(mimescan_walk(qp, strlen(qp), NULL, collect, &g));
	ck_assert_str_eq(g.text, "[text/plain iso-8859-1:Het appartement is al verhuurd, d\xe9sol\xe9 "
				 "voor de lange regel.\n]");
	same("qp", qp, strlen(qp));

	memset(&g, 0, sizeof(g));
	/* "Kan u zaterdag komen?" in base64; CRLF line ends; an alternative
	 * inside a mixed with a text attachment that is not the body. */
	const char *mixed =
		"From: a@b.test\r\nSubject: Re: flat\r\nContent-Type: multipart/mixed;\r\n"
		" boundary=\"outer b\"\r\n\r\npreamble\r\n--outer b\r\n"
		"Content-Type: multipart/alternative; boundary=in\r\n\r\n--in\r\n"
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		"S2FuIHUgemF0ZXJkYWcga29tZW4/\r\n--in\r\nContent-Type: text/html\r\n\r\n"
		"<p>Kan u zaterdag komen?</p>\r\n--in--\r\n--outer b\r\n"
		"Content-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n"
		"bijlage\r\n--outer b--\r\nepilogue\r\n";
	ck_assert(mimescan_walk(mixed, strlen(mixed), NULL, collect, &g));
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.text, "[text/plain utf-8:Kan u zaterdag komen?][text/html -:<p>Kan u "
				 "zaterdag komen?</p>][text/plain - att:bijlage]");
	same("mixed", mixed, strlen(mixed));
}
END_TEST

/* Each byte, and a run of all of them, in the charsets reply_to_utf8
 * converts by table: where iconv converts strictly, the result is iconv's
 * (CR aside, which becomes LF). */
START_TEST(charsets_as_iconv)
{
	static const char *labels[] = { "iso-8859-1", "ISO-8859-1", "latin1", "windows-1252",
					"cp1252", "us-ascii", "utf-8" };
	mime_init_once();
	char all[256];
	int k = 0;
	for (int c = 1; c < 256; c++)
		if (c != '\r')
			all[k++] = (char)c;
	for (size_t l = 0; l < sizeof(labels) / sizeof(*labels); l++) {
		const char *iconv_name = g_mime_charset_iconv_name(labels[l]);
		int converted = 0;
		for (int c = 0; c <= 255; c++) {
			char in[2] = { (char)c, 0 };
			const char *s = c < 255 ? in : all;
			size_t n = c < 255 ? 1 : (size_t)k;
			if (c == 0 || c == '\r')
				continue;
			gsize rd = 0, wr = 0;
			GError *ge = NULL;
			gchar *ref = g_convert(s, (gssize)n, "UTF-8", iconv_name, &rd, &wr, &ge);
			char *got = reply_to_utf8(s, n, labels[l]);
			if (ref && !ge && rd == n) {
				ck_assert_msg(!strcmp(got, ref), "%s byte %02x: [%s] iconv [%s]", labels[l],
					      c, got, ref);
				converted++;
			}
			free(got);
			g_free(ref);
			if (ge)
				g_error_free(ge);
		}
		ck_assert_msg(converted >= 126, "%s: %d", labels[l], converted);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mimescan");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, corpus_read_as_gmime_reads_it);
	tcase_add_test(tc, left_to_gmime);
	tcase_add_test(tc, decodes_plain_shapes);
	tcase_add_test(tc, charsets_as_iconv);
	tcase_add_test(tc, fuzz_findings);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
