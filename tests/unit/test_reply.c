/* test_reply.c: replies as mail clients and MTAs write them must read back
 * as the text a person sees, in UTF-8, whatever the charset, transfer
 * encoding and MIME shape; DSNs and MTA bounce texts must be recognised with
 * their reason, the failed message's Message-ID and recipient; nothing a
 * message contains (a broken MIME tree, an unknown charset, 10 MB) may
 * crash the parser. Fixtures: tests/fixtures/mail-*.eml. */
#include <check.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/reply.h"
#include "base/banned.h"

static struct reply *parse_fixture(const char *name)
{
	char *path = xasprintf("tests/fixtures/%s", name), *raw = NULL;
	size_t len = 0;
	struct ct_err err = { 0 };
	ck_assert_msg(file_read(path, &raw, &len, &err) == CT_OK, "%s: %s", path, err.msg);
	struct reply *r = NULL;
	ck_assert_int_eq(reply_parse(raw, len, &r, &err), CT_OK);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->text);
	ck_assert(utf8_check(r->text, strlen(r->text), NULL));
	free(raw);
	free(path);
	return r;
}

#define HAS(hay, needle) ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay), (needle))
#define LACKS(hay, needle) ck_assert_msg(strstr((hay), (needle)) == NULL, "'%s' has '%s'", (hay), (needle))

START_TEST(latin1_quoted_printable)
{
	struct reply *r = parse_fixture("mail-latin1-qp.eml");
	ck_assert_str_eq(r->message_id, "<reply-latin1.1@immo-example.test>");
	ck_assert_str_eq(r->from_addr, "verhuur@immo-example.test");
	ck_assert_str_eq(r->from_name, "Jan D\xc3\xa9sir\xc3\xa9");
	/* 0x96 in an ISO-8859-1 encoded word is an en dash in practice. */
	HAS(r->subject, "Re: Huurwoning in Gent (ref. L7)");
	ck_assert_str_eq(r->date, "2026-12-08T09:15:00Z");
	ck_assert_str_eq(r->in_reply_to, "<0123456789abcdef0123456789abcdef@corrtest.test>");
	ck_assert_int_eq(r->nrefs, 2);
	ck_assert_str_eq(r->refs[0], "<0123456789abcdef0123456789abcdef@corrtest.test>");
	ck_assert_str_eq(r->refs[1], "<older@corrtest.test>");
	HAS(r->text, "Caf\xc3\xa9 om de hoek, pr\xc3\xaat \xc3\xa0 louer");
	HAS(r->text, "Jan D\xc3\xa9sir\xc3\xa9\n");
	LACKS(r->text, "\r");
	LACKS(r->text, "=E9");
	ck_assert(!r->is_bounce && !r->is_dsn && !r->auto_reply && !r->text_from_html);
	reply_free(r);
}
END_TEST

START_TEST(base64_html)
{
	struct reply *r = parse_fixture("mail-html-base64.eml");
	ck_assert(r->text_from_html);
	HAS(r->text, "Bonjour Madame,\n\nL'appartement est toujours disponible. Visite possible "
		     "samedi \xc3\xa0 10h \xe2\x80\x93 merci de confirmer.");
	HAS(r->text, "- Loyer : 850 \xe2\x82\xac\n- Charges : 50 \xe2\x82\xac");
	HAS(r->text, "Cordialement,\nAgence Dup\xc3\xa9rr\xc3\xa9 & Fils\n");
	LACKS(r->text, "<");
	LACKS(r->text, "alert");
	LACKS(r->text, "color:red");
	LACKS(r->text, "Ignore me");
	LACKS(r->text, "hidden");
	ck_assert(!r->is_bounce);
	ck_assert_ptr_null(r->in_reply_to);
	ck_assert_int_eq(r->nrefs, 0);
	reply_free(r);
}
END_TEST

START_TEST(alternative_prefers_plain)
{
	struct reply *r = parse_fixture("mail-alternative.eml");
	ck_assert(!r->text_from_html);
	HAS(r->text, "Helaas, het appartement is al verhuurd.");
	LACKS(r->text, "HTML VERSION");
	ck_assert_str_eq(r->from_addr, "landlord3@example.test");
	reply_free(r);
}
END_TEST

START_TEST(dsn)
{
	struct reply *r = parse_fixture("mail-dsn.eml");
	ck_assert(r->is_bounce && r->is_dsn);
	ck_assert_str_eq(r->bounce_status, "5.1.1");
	ck_assert_str_eq(r->bounce_rcpt, "gone@example.test");
	ck_assert_str_eq(r->bounce_message_id, "<fedcba9876543210fedcba9876543210@corrtest.test>");
	HAS(r->bounce_reason, "5.1.1 550 5.1.1 <gone@example.test>: Recipient address rejected: "
			      "User unknown");
	ck_assert_str_eq(r->from_addr, "mailer-daemon@localhost");
	reply_free(r);
	/* The explanation in HTML only, the returned headers as
	 * message/rfc822-headers (RFC 6522): the text is the explanation, never
	 * the returned headers. */
	static const char h[] =
		"From: MAILER-DAEMON@x.test\nSubject: Undelivered Mail Returned to Sender\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
		"boundary=b\n\n--b\nContent-Type: text/html\n\n<p>Your message could not be "
		"delivered.</p>\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
		"Final-Recipient: rfc822; a@b.test\nAction: failed\nStatus: 5.1.1\n--b\n"
		"Content-Type: message/rfc822-headers\n\nFrom: p@corrtest.test\nTo: a@b.test\n"
		"Message-ID: <h1@corrtest.test>\n--b--\n";
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(h, strlen(h), &r, &err), CT_OK);
	ck_assert(r->is_bounce);
	ck_assert_str_eq(r->text, "Your message could not be delivered.\n");
	ck_assert(r->text_from_html);
	ck_assert_str_eq(r->bounce_message_id, "<h1@corrtest.test>");
	reply_free(r);
}
END_TEST

START_TEST(postfix_like_text_bounce)
{
	struct reply *r = parse_fixture("mail-postfix-bounce.eml");
	ck_assert(r->is_bounce);
	ck_assert_str_eq(r->bounce_status, "5.1.1");
	ck_assert_str_eq(r->bounce_rcpt, "nobody-here@example.test");
	ck_assert_str_eq(r->bounce_message_id, "<11111111111111111111111111111111@corrtest.test>");
	ck_assert_ptr_nonnull(r->bounce_reason);
	HAS(r->bounce_reason, "550 5.1.1 User unknown");
	reply_free(r);

	r = parse_fixture("mail-ndr-nl.eml");
	ck_assert(r->is_bounce);
	ck_assert_str_eq(r->bounce_status, "5.4.1");
	ck_assert_str_eq(r->bounce_rcpt, "verhuur@example.test");
	ck_assert_str_eq(r->bounce_message_id, "<22222222222222222222222222222222@corrtest.test>");
	reply_free(r);
}
END_TEST

START_TEST(broken_mime)
{
	struct reply *r = parse_fixture("mail-broken-mime.eml");
	HAS(r->text, "de woning is nog vrij");
	ck_assert(!r->is_bounce);
	ck_assert_str_eq(r->message_id, "<broken.6@example.test>");
	reply_free(r);
}
END_TEST

START_TEST(invalid_charset)
{
	struct reply *r = parse_fixture("mail-bad-charset.eml");
	/* Unknown label, not UTF-8: read as Windows-1252. */
	HAS(r->text, "Caf\xc3\xa9 en cr\xc3\xa8me");
	ck_assert(utf8_check(r->subject, strlen(r->subject), NULL));
	reply_free(r);
}
END_TEST

START_TEST(auto_reply_is_not_a_bounce)
{
	struct reply *r = parse_fixture("mail-autoreply.eml");
	ck_assert(r->auto_reply);
	ck_assert(!r->is_bounce);
	reply_free(r);
}
END_TEST

START_TEST(a_human_reply_about_a_bounce_is_not_one)
{
	static const char m[] = "From: MAILER-DAEMON@x.test\nSubject: Re: Undelivered Mail Returned "
				"to Sender\nMessage-ID: <h@x.test>\n\nI got your 550 5.1.1, thanks\n";
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(m, strlen(m), &r, &err), CT_OK);
	ck_assert(!r->is_bounce);
	reply_free(r);
	/* A delay warning (4.x.x, Action: delayed) is a DSN but not a bounce. */
	static const char d[] =
		"From: MAILER-DAEMON@x.test\nSubject: Delayed Mail (still being retried)\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
		"boundary=b\n\n--b\nContent-Type: text/plain\n\ndelayed\n--b\nContent-Type: "
		"message/delivery-status\n\nReporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b.test\n"
		"Action: delayed\nStatus: 4.4.1\n--b--\n";
	ck_assert_int_eq(reply_parse(d, strlen(d), &r, &err), CT_OK);
	ck_assert(r->is_dsn && !r->is_bounce);
	reply_free(r);
}
END_TEST

START_TEST(ten_megabytes)
{
	/* A 10 MB reply: 200 KB of text and a large base64 attachment. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "From: big@example.test\nSubject: big\nMessage-ID: <big@example.test>\n"
		     "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
		     "Content-Type: text/plain; charset=utf-8\n\nStart of the text.\n");
	for (int i = 0; i < 4000; i++)
		sb_adds(&sb, "Een lange regel tekst in een heel groot antwoord, regel na regel.\n");
	sb_adds(&sb, "End of the text.\n--B\nContent-Type: application/pdf\n"
		     "Content-Disposition: attachment; filename=x.pdf\n"
		     "Content-Transfer-Encoding: base64\n\n");
	while (sb.len < 10u * 1024 * 1024)
		sb_adds(&sb, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\n");
	sb_adds(&sb, "--B--\n");
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	clock_t t0 = clock();
	ck_assert_int_eq(reply_parse(sb.buf, sb.len, &r, &err), CT_OK);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ck_assert_msg(secs < 5, "parsing 10 MB took %.1f s", secs);
	HAS(r->text, "Start of the text.");
	HAS(r->text, "End of the text.");
	LACKS(r->text, "QUJDREVG");
	ck_assert(!r->is_bounce);
	reply_free(r);
	sb_free(&sb);
}
END_TEST

START_TEST(html_details)
{
	const char *h = "<p>a&lt;b &amp;&amp; c&gt;d</p>x < y<br/>&#233;&#xE9;&eacute;&unknown; "
			"<pre>  keep\n  this</pre><table><tr><td>1</td><td>2</td></tr></table>"
			"&#150;<SCRIPT type=x>var a = '</p>';</SCRIPT>end";
	char *t = reply_html_to_text(h, strlen(h));
	HAS(t, "a<b && c>d\n\nx < y\n\xc3\xa9\xc3\xa9\xc3\xa9&unknown;");
	HAS(t, "  keep\n  this");
	HAS(t, "1 2\n");
	HAS(t, "\xe2\x80\x93"); /* &#150; is Windows-1252's en dash */
	LACKS(t, "var a");
	HAS(t, "end");
	free(t);
	/* Not valid UTF-8 and no charset: Windows-1252. */
	char *u = reply_to_utf8("\x93quoted\x94 \xe9t\xe9\r\n", 13, NULL);
	ck_assert_str_eq(u, "\xe2\x80\x9cquoted\xe2\x80\x9d \xc3\xa9t\xc3\xa9\n");
	free(u);
	/* A label that lies (UTF-8 bytes labelled Latin-1) still converts; an
	 * empty message is an input error. */
	u = reply_to_utf8("\xc3\xa9", 2, "iso-8859-1");
	ck_assert_str_eq(u, "\xc3\x83\xc2\xa9");
	free(u);
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse("", 0, &r, &err), CT_EINPUT);
}
END_TEST

START_TEST(garbage_does_not_crash)
{
	/* Deep nesting, binary bytes, headers only: a struct comes back. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "Content-Type: multipart/mixed; boundary=a0\n\n");
	for (int i = 0; i < 100; i++)
		sb_addf(&sb, "--a%d\nContent-Type: multipart/mixed; boundary=a%d\n\n", i, i + 1);
	sb_adds(&sb, "--a100\nContent-Type: text/plain\n\ndeep\n");
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(sb.buf, sb.len, &r, &err), CT_OK);
	reply_free(r);
	sb_free(&sb);
	const char bin[] = "\x00\x01\xff\xfe\n\n\x80\x81";
	ck_assert_int_eq(reply_parse(bin, sizeof(bin) - 1, &r, &err), CT_OK);
	ck_assert(utf8_check(r->text, strlen(r->text), NULL));
	reply_free(r);
	ck_assert_int_eq(reply_parse("Subject: x\n", 11, &r, &err), CT_OK);
	ck_assert_str_eq(r->subject, "x");
	reply_free(r);
}
END_TEST

/* The header-only reader gives the same header fields as the full parse,
 * for every fixture; text is empty and no bounce is read. */
static void same_str(const char *what, const char *a, const char *b)
{
	ck_assert_msg((!a && !b) || (a && b && !strcmp(a, b)), "%s: '%s' vs '%s'", what,
		      a ? a : "(null)", b ? b : "(null)");
}

START_TEST(headers_only_reads_what_the_full_parse_reads)
{
	static const char *const fx[] = { "mail-alternative.eml", "mail-autoreply.eml", "mail-encoded-words.eml",
					  "mail-bad-charset.eml", "mail-broken-mime.eml",
					  "mail-dsn.eml", "mail-html-base64.eml", "mail-latin1-qp.eml",
					  "mail-ndr-nl.eml", "mail-postfix-bounce.eml" };
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		char *path = xasprintf("tests/fixtures/%s", fx[i]), *raw = NULL;
		size_t len = 0;
		struct ct_err err = { 0 };
		ck_assert_msg(file_read(path, &raw, &len, &err) == CT_OK, "%s", err.msg);
		struct reply *f = NULL, *h = NULL;
		ck_assert_int_eq(reply_parse(raw, len, &f, &err), CT_OK);
		ck_assert_int_eq(reply_parse_headers(raw, len, &h, &err), CT_OK);
		same_str("message_id", f->message_id, h->message_id);
		same_str("from_addr", f->from_addr, h->from_addr);
		same_str("from_name", f->from_name, h->from_name);
		same_str("to_addr", f->to_addr, h->to_addr);
		same_str("subject", f->subject, h->subject);
		same_str("date", f->date, h->date);
		same_str("in_reply_to", f->in_reply_to, h->in_reply_to);
		ck_assert_int_eq(f->nrefs, h->nrefs);
		for (int k = 0; k < f->nrefs; k++)
			same_str("refs", f->refs[k], h->refs[k]);
		ck_assert_int_eq(f->auto_reply, h->auto_reply);
		ck_assert_str_eq(h->text, "");
		ck_assert(!h->is_bounce && !h->is_dsn && !h->bounce_reason);
		reply_free(f);
		reply_free(h);
		free(raw);
		free(path);
	}
}
END_TEST

/* What decline needs: the accented subject of a stored message, decoded
 * (Python's email.header reads this Q-encoded word as the same text); the
 * body is never looked at, however it is shaped. */
START_TEST(headers_only_decodes_an_accented_subject)
{
	const char m[] = "From: =?UTF-8?Q?Zo=C3=AB_Dubois-Lef=C3=A8vre?= <zoe@corrtest.test>\n"
			 "To: Agence <Verhuur@Example.test>\n"
			 "Subject: =?UTF-8?Q?Demande_de_visite_=3A_appartement_=C2=AB_Le_Jard?=\n"
			 " =?UTF-8?Q?in_=C2=BB_=C3=A0_Li=C3=A8ge_\"ref=2E_L7\"?=\n"
			 "Message-ID: <abc@corrtest.test>\n"
			 "Content-Type: multipart/mixed; boundary=\"never-closed\"\n"
			 "\n--never-closed\n\x01\xff binary\n";
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse_headers(m, sizeof(m) - 1, &r, &err), CT_OK);
	ck_assert_str_eq(r->subject, "Demande de visite : appartement \xc2\xab Le Jardin \xc2\xbb "
				     "\xc3\xa0 Li\xc3\xa8ge \"ref. L7\"");
	ck_assert_str_eq(r->from_name, "Zo\xc3\xab Dubois-Lef\xc3\xa8vre");
	ck_assert_str_eq(r->from_addr, "zoe@corrtest.test");
	ck_assert_str_eq(r->to_addr, "verhuur@example.test");
	ck_assert_str_eq(r->message_id, "<abc@corrtest.test>");
	ck_assert_str_eq(r->text, "");
	reply_free(r);
	/* Headers with no body and no empty line still read. */
	ck_assert_int_eq(reply_parse_headers("Subject: x\r\nTo: a@b.be", 22, &r, &err), CT_OK);
	ck_assert_str_eq(r->subject, "x");
	ck_assert_str_eq(r->to_addr, "a@b.be");
	reply_free(r);
	ck_assert_int_eq(reply_parse_headers("", 0, &r, &err), CT_EINPUT);
}
END_TEST

/* Defect: GMime lost the second of two base64 encoded words when the first
 * ends in '=' padding. The expected texts are Python's
 * email.header.decode_header + make_header of the same headers. */
START_TEST(encoded_words_after_padding)
{
	struct reply *r = parse_fixture("mail-encoded-words.eml");
	ck_assert_str_eq(r->subject, "R\xc3\xa9ponse : votre demande (r\xc3\xa9" "f. L7) \xc3\xa0 "
				     "Li\xc3\xa8ge");
	ck_assert_str_eq(r->from_name, "Agence Dup\xc3\xa9rr\xc3\xa9 & Fils");
	ck_assert_str_eq(r->from_addr, "info@dupere-fils.test");
	HAS(r->text, "L'appartement est libre.");
	reply_free(r);
	/* A character split across two words (C3 | A9), the first padded; a
	 * padded word followed by one in another charset; lower-case "utf-8"
	 * and "b". */
	const char m[] = "Subject: =?UTF-8?B?Q2Fmww==?= =?utf-8?b?qSBvaw==?= and\n"
			 " =?UTF-8?B?UsOpcG9uc2U6IA==?= =?ISO-8859-1?Q?D=E9j=E0?=\n"
			 "From: =?UTF-8?B?w6k=?= =?UTF-8?Q?_=C3=A0?= <a@b.test>\n\nx\n";
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(m, sizeof(m) - 1, &r, &err), CT_OK);
	ck_assert_str_eq(r->subject, "Caf\xc3\xa9 ok and R\xc3\xa9ponse: D\xc3\xa9j\xc3\xa0");
	ck_assert_str_eq(r->from_name, "\xc3\xa9 \xc3\xa0");
	reply_free(r);
	/* The header-only reader reads them the same way. */
	ck_assert_int_eq(reply_parse_headers(m, sizeof(m) - 1, &r, &err), CT_OK);
	ck_assert_str_eq(r->subject, "Caf\xc3\xa9 ok and R\xc3\xa9ponse: D\xc3\xa9j\xc3\xa0");
	reply_free(r);
}
END_TEST

/* reply_parse_subject (decline reads our inquiries' subjects by the
 * thousand with it) gives exactly the Subject reply_parse_headers gives,
 * on the plain header blocks it decodes alone and on those it hands to
 * GMime's parser: folded, CRLF, encoded words (Q, B, '=' padding inside a
 * run, a character split across words, mixed charsets, an unknown one,
 * broken base64), empty, absent, twice, after a line that is not a field,
 * raw 8-bit, lower case. Some with the text Python's email.header gives. */
START_TEST(subject_alone_reads_as_the_headers_do)
{
	static const struct {
		const char *m, *want; /* want NULL: only compared with the header reader */
	} cases[] = {
		{ "Date: Mon, 01 Mar 2027 09:00:00 +0100\nFrom: Thijs <t@corrtest.invalid>\n"
		  "Subject: Interesse in uw huurwoning in Sint-Amandsberg\nTo: o@example.org\n"
		  "Message-Id: <a@b>\n\nGoedendag,\n", "Interesse in uw huurwoning in Sint-Amandsberg" },
		{ "Subject: =?iso-8859-1?Q?R=E9ponse?=\n\nx", "R\xc3\xa9ponse" },
		{ "Subject: =?UTF-8?B?UsOpcG9uc2U6IA==?=\n =?UTF-8?B?YXBwYXJ0ZW1lbnQ=?=\n\n",
		  "R\xc3\xa9ponse: appartement" },
		{ "From: a@b\r\nSubject: Re: =?utf-8?q?caf=C3=A9?= en meer\r\nTo: c@d\r\n\r\nx",
		  "Re: caf\xc3\xa9 en meer" },
		{ "subject: lower case name\n\n", "lower case name" },
		{ "Subject: =?UTF-8?B?Q2Fmww==?= =?utf-8?b?qSBvaw==?= and\n"
		  " =?UTF-8?B?UsOpcG9uc2U6IA==?= =?ISO-8859-1?Q?D=E9j=E0?=\n\nx\n",
		  "Caf\xc3\xa9 ok and R\xc3\xa9ponse: D\xc3\xa9j\xc3\xa0" },
		{ "Subject: a long subject\r\n  folded over\r\n\tthree lines\r\nTo: x@y\r\n\r\n", NULL },
		{ "Subject: =?UTF-8?Q?Demande_de_visite_=3A_appartement_=C2=AB_Le_Jard?=\n"
		  " =?UTF-8?Q?in_=C2=BB_=C3=A0_Li=C3=A8ge_\"ref=2E_L7\"?=\n\n",
		  "Demande de visite : appartement \xc2\xab Le Jardin \xc2\xbb \xc3\xa0 Li\xc3\xa8ge "
		  "\"ref. L7\"" },
		{ "Subject: =?x-unknown?Q?abc?= tail\n\n", NULL },
		{ "Subject: =?UTF-8?B?!!!not base64?=\n\n", NULL },
		{ "Subject: =?UTF-8?Q?a?= =?UTF-8?Q?b?=  c  d\n\n", NULL },
		{ "Subject:\n\nx", NULL },
		{ "Subject:    \nTo: a@b\n\n", NULL },
		{ "To: a@b\n\nSubject: in the body\n", NULL },
		{ "Subject: first\nSubject: second\n\n", NULL },
		{ "Date: x\nnot a field line\nSubject: after it\n\n", NULL },
		{ "From nobody Mon Mar  1 09:00:00 2027\nSubject: mbox\n\n", NULL },
		{ "Subject: caf\xe9 raw latin-1\n\n", NULL },
		{ "Subject : space before the colon\n\n", NULL },
		{ "X-Note: a\n Subject: inside a continuation\n\n", NULL },
		{ " Subject: starts folded\n\n", NULL },
		{ "Subject: tab\tinside and a \x01 control\n\n", NULL },
		{ "Subject: ends without a line end", "ends without a line end" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *m = cases[i].m;
		struct ct_err err = { 0 };
		struct reply *h = NULL;
		char *subj = NULL;
		ck_assert_int_eq(reply_parse_headers(m, strlen(m), &h, &err), CT_OK);
		ck_assert_int_eq(reply_parse_subject(m, strlen(m), &subj, &err), CT_OK);
		same_str("subject", h->subject, subj);
		if (cases[i].want)
			ck_assert_msg(subj && !strcmp(subj, cases[i].want), "case %zu: '%s', want '%s'", i,
				      subj ? subj : "(null)", cases[i].want);
		free(subj);
		reply_free(h);
	}
	char *subj = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse_subject("", 0, &subj, &err), CT_EINPUT);
	ck_assert_ptr_null(subj);
}
END_TEST

static struct reply *parse_text(const char *m)
{
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(m, strlen(m), &r, &err), CT_OK);
	ck_assert(utf8_check(r->text, strlen(r->text), NULL));
	return r;
}

/* Defect: a malformed Content-Type gave empty text. RFC 2045 section 5.2:
 * read such a part as plain text (transfer encoding still undone). */
START_TEST(malformed_content_type_reads_as_plain_text)
{
	struct reply *r = parse_text("From: a@b.test\nSubject: x\nContent-Type: text\n"
				     "Content-Transfer-Encoding: quoted-printable\n\n"
				     "De woning is vrij =E2=80=93 caf=C3=A9 om de hoek.\n");
	HAS(r->text, "De woning is vrij \xe2\x80\x93 caf\xc3\xa9 om de hoek.");
	reply_free(r);
	r = parse_text("From: a@b.test\nContent-Type: ;charset=utf-8\n\nLibre samedi.\n");
	HAS(r->text, "Libre samedi.");
	reply_free(r);
	r = parse_text("From: a@b.test\nContent-Type: /plain\n\nKomt u kijken?\n");
	HAS(r->text, "Komt u kijken?");
	reply_free(r);
	/* Inside a multipart, next to an attachment. */
	r = parse_text("From: a@b.test\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
		       "Content-Type: te xt/plain; charset=utf-8\n\nU kunt dinsdag komen.\n--b\n"
		       "Content-Type: application/pdf\nContent-Disposition: attachment\n"
		       "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n");
	HAS(r->text, "U kunt dinsdag komen.");
	LACKS(r->text, "PDF");
	reply_free(r);
	/* A well-formed non-text part stays out of the text. */
	r = parse_text("From: a@b.test\nContent-Type: application/octet-stream\n\nbinary\n");
	ck_assert_str_eq(r->text, "");
	reply_free(r);
}
END_TEST

/* Defect: one invalid byte made the whole UTF-8 part mojibake (read as
 * Windows-1252). Only that byte becomes U+FFFD (EF BF BD). */
START_TEST(one_bad_byte_is_replaced_alone)
{
	struct reply *r = parse_text("From: a@b.test\nContent-Type: text/plain; charset=UTF-8\n"
				     "Content-Transfer-Encoding: 8bit\n\n"
				     "Caf\xc3\xa9 \xe9t\xc3\xa9 na\xc3\xafve cr\xc3\xa8me\n");
	ck_assert_str_eq(r->text, "Caf\xc3\xa9 \xef\xbf\xbdt\xc3\xa9 na\xc3\xafve cr\xc3\xa8me\n");
	reply_free(r);
	/* Labelled UTF-8: the label is believed, also for an ASCII text with
	 * one stray byte. */
	r = parse_text("From: a@b.test\nContent-Type: text/plain; charset=utf8\n\nlibre\xff ok\n");
	ck_assert_str_eq(r->text, "libre\xef\xbf\xbd ok\n");
	reply_free(r);
	/* Unlabelled, mostly valid UTF-8 (three characters, one bad byte). */
	r = parse_text("From: a@b.test\nContent-Type: text/plain\n\n"
		       "\xc3\xa9\xc3\xa8\xc3\xa0 \x92 fin\n");
	ck_assert_str_eq(r->text, "\xc3\xa9\xc3\xa8\xc3\xa0 \xef\xbf\xbd fin\n");
	reply_free(r);
	/* Unlabelled 8-bit text that is not UTF-8 at all: Windows-1252 as
	 * before ("caf\xe9" is "café"; 0x92 is a right single quote). */
	r = parse_text("From: a@b.test\n\ncaf\xe9 l\x92" "eau\n");
	ck_assert_str_eq(r->text, "caf\xc3\xa9 l\xe2\x80\x99" "eau\n");
	reply_free(r);
	char *u = reply_to_utf8("\xc3\xa9\xc3", 3, "UTF-8");
	ck_assert_str_eq(u, "\xc3\xa9\xef\xbf\xbd");
	free(u);
}
END_TEST

/* Defect: a long bounce reason was cut at byte 500 in the middle of a
 * character. Reason = "5.1.1 " + the Diagnostic-Code after "smtp; ":
 * "5.1.1 550 x" is 11 bytes, then 300 x "é" (2 bytes each); byte 500 falls
 * inside the 245th "é", so the cut keeps 11 + 244 * 2 = 499 bytes. */
START_TEST(bounce_reason_cut_between_characters)
{
	struct strbuf e = STRBUF_INIT;
	for (int i = 0; i < 300; i++)
		sb_adds(&e, "\xc3\xa9");
	char *m = xasprintf("From: MAILER-DAEMON@mx.test\nTo: p@corrtest.test\nSubject: Undelivered\n"
			    "MIME-Version: 1.0\nContent-Type: multipart/report; "
			    "report-type=delivery-status; boundary=\"R\"\n\n--R\n"
			    "Content-Type: text/plain\n\nFailed.\n--R\n"
			    "Content-Type: message/delivery-status\n\n"
			    "Reporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; a@b.test\n"
			    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 x%s\n--R--\n",
			    sb_str(&e));
	struct reply *r = parse_text(m);
	ck_assert(r->is_bounce);
	ck_assert_uint_eq(strlen(r->bounce_reason), 499);
	ck_assert(utf8_check(r->bounce_reason, strlen(r->bounce_reason), NULL));
	ck_assert(!strncmp(r->bounce_reason, "5.1.1 550 x\xc3\xa9\xc3\xa9", 15));
	ck_assert_str_eq(r->bounce_reason + 497, "\xc3\xa9");
	reply_free(r);
	free(m);
	sb_free(&e);
}
END_TEST

/* Defect: a multipart/report (report-type=delivery-status) whose report
 * cannot be read (no boundary that matches, no delivery-status part) was
 * taken for a mere notice; it is a bounce, reason unknown, still linked by
 * the returned Message-ID its text quotes. A report whose subject says the
 * mail is only delayed stays a notice. */
START_TEST(unreadable_delivery_report_is_a_bounce)
{
	struct reply *r = parse_text(
		"From: MAILER-DAEMON@mx.test\nTo: p@corrtest.test\nSubject: Returned mail\n"
		"MIME-Version: 1.0\nContent-Type: multipart/report; "
		"report-type=delivery-status; boundary=\"nowhere\"\n\n"
		"--elsewhere\nContent-Type: text/plain\n\nYour message could not be sent.\n\n"
		"Message-ID: <0123456789abcdef@corrtest.test>\n--elsewhere--\n");
	ck_assert(r->is_bounce);
	ck_assert_ptr_nonnull(r->bounce_reason);
	HAS(r->bounce_reason, "reason unknown");
	ck_assert_str_eq(r->bounce_message_id, "<0123456789abcdef@corrtest.test>");
	reply_free(r);
	/* The delivery-status part is there but holds nothing readable. */
	r = parse_text("From: postmaster@mx.test\nTo: p@corrtest.test\nSubject: Notification\n"
		       "MIME-Version: 1.0\nContent-Type: multipart/report; "
		       "report-type=delivery-status; boundary=\"R\"\n\n--R\n"
		       "Content-Type: text/plain\n\nSee below.\n--R\n"
		       "Content-Type: message/delivery-status\n\n\x01\x02 garbage\n--R--\n");
	ck_assert(r->is_bounce);
	reply_free(r);
	r = parse_text("From: MAILER-DAEMON@mx.test\nTo: p@corrtest.test\n"
		       "Subject: Delivery delayed: your message\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n"
		       "still trying\n");
	ck_assert(!r->is_bounce);
	ck_assert(r->is_dsn);
	reply_free(r);
}
END_TEST

int main(void)
{
	g_mime_init();
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, latin1_quoted_printable);
	tcase_add_test(tc, base64_html);
	tcase_add_test(tc, alternative_prefers_plain);
	tcase_add_test(tc, dsn);
	tcase_add_test(tc, postfix_like_text_bounce);
	tcase_add_test(tc, broken_mime);
	tcase_add_test(tc, invalid_charset);
	tcase_add_test(tc, auto_reply_is_not_a_bounce);
	tcase_add_test(tc, a_human_reply_about_a_bounce_is_not_one);
	tcase_add_test(tc, ten_megabytes);
	tcase_add_test(tc, html_details);
	tcase_add_test(tc, garbage_does_not_crash);
	tcase_add_test(tc, headers_only_reads_what_the_full_parse_reads);
	tcase_add_test(tc, headers_only_decodes_an_accented_subject);
	tcase_add_test(tc, encoded_words_after_padding);
	tcase_add_test(tc, subject_alone_reads_as_the_headers_do);
	tcase_add_test(tc, malformed_content_type_reads_as_plain_text);
	tcase_add_test(tc, one_bad_byte_is_replaced_alone);
	tcase_add_test(tc, bounce_reason_cut_between_characters);
	tcase_add_test(tc, unreadable_delivery_report_is_a_bounce);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
