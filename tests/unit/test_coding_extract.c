/* test_coding_extract.c: the text a coder reads must be the replier's own
 * words: quoted questions of the candidate (which talk of viewings) and
 * signatures (full of viewing words) must not reach the rules, and an
 * automatic reply must be known by its headers, the RFC 3834 ones and
 * those list software sets, but not by Outlook's X-Auto-Response-Suppress.
 * Each case is a small message written here by hand. */
#include <check.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "coding/extract.h"
#include "mail/reply.h"
#include "base/banned.h"

#define HAS(s, sub) ck_assert_msg(strstr((s), (sub)) != NULL, "[%s] lacks [%s]", (s), (sub))
#define LACKS(s, sub) ck_assert_msg(strstr((s), (sub)) == NULL, "[%s] has [%s]", (s), (sub))

static struct coding_text *extract(const char *raw)
{
	struct coding_text *t = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(coding_extract(raw, strlen(raw), &t, &err), CT_OK);
	return t;
}

#define HEAD "From: a@b.test\nTo: c@d.test\nSubject: Re: x\nContent-Type: text/plain; charset=utf-8\n"

START_TEST(gmail_dutch_quote_and_signature)
{
	struct coding_text *t = extract(
		HEAD "\nBeste,\n\nHet appartement is al verhuurd.\n\nMet vriendelijke groeten,\nJan\n"
		     "Immo Jan - bezichtigingen elke zaterdag\n\n"
		     "Op ma 7 dec. 2026 om 10:02 schreef Sara <s@x.test>:\n"
		     "> Kan ik het appartement bezichtigen?\n");
	ck_assert_str_eq(t->body, "Beste,\n\nHet appartement is al verhuurd.");
	HAS(t->signature, "bezichtigingen elke zaterdag");
	HAS(t->quoted, "Kan ik het appartement bezichtigen?");
	HAS(t->quoted, "schreef Sara");
	ck_assert(!t->auto_reply);
	coding_text_free(t);
}
END_TEST

/* Gmail wraps a long attribution over two lines; the address ends up on
 * the second. */
START_TEST(wrapped_attribution_french)
{
	struct coding_text *t = coding_text_split(
		"Oui, passez samedi.\n\nLe lun. 7 déc. 2026 à 10:02, Amina Benali <\n"
		"amina@x.test> a écrit :\n\nBonjour, une visite est-elle possible ?\n");
	ck_assert_str_eq(t->body, "Oui, passez samedi.");
	HAS(t->quoted, "une visite est-elle possible");
	coding_text_free(t);
}
END_TEST

START_TEST(outlook_header_block_and_original_message)
{
	struct coding_text *t = coding_text_split(
		"The flat is no longer available.\n\n________________________________\n"
		"From: Applicant <a@x.test>\nSent: Monday, 7 December 2026 10:02\nTo: me\n"
		"Subject: Viewing\n\nCould I view the flat on Saturday?\n");
	ck_assert_str_eq(t->body, "The flat is no longer available.");
	HAS(t->quoted, "Could I view");
	coding_text_free(t);

	t = coding_text_split("Bel me.\n-----Oorspronkelijk bericht-----\nVan: x\n"
			      "Kan ik komen kijken?\n");
	ck_assert_str_eq(t->body, "Bel me.");
	coding_text_free(t);

	t = coding_text_split("Rappelez-moi.\n\nDe : Amina <a@x.test>\nEnvoyé : lundi\n"
			      "À : agence\nObjet : visite\n\nJe voudrais visiter.\n");
	ck_assert_str_eq(t->body, "Rappelez-moi.");
	HAS(t->quoted, "Je voudrais visiter.");
	coding_text_free(t);
}
END_TEST

/* A forwarded original carries the whole thread: none of it is the
 * replier's. */
START_TEST(forwarded_message)
{
	struct coding_text *t = coding_text_split(
		"Zie hieronder.\n\n---------- Forwarded message ---------\nFrom: x\n"
		"Het pand is te bezichtigen.\n");
	ck_assert_str_eq(t->body, "Zie hieronder.");
	HAS(t->quoted, "te bezichtigen");
	coding_text_free(t);
}
END_TEST

/* Bottom posting: the answer under the quoted question is kept; the
 * question is not. */
START_TEST(bottom_posted_answer_is_kept)
{
	struct coding_text *t = coding_text_split(
		"On Mon, 7 Dec 2026, Sam <s@x.test> wrote:\n> Is the flat still available?\n>\n\n"
		"Sorry, it has already been let.\n");
	ck_assert_str_eq(t->body, "Sorry, it has already been let.");
	HAS(t->quoted, "still available");
	LACKS(t->quoted, "already been let");
	coding_text_free(t);
}
END_TEST

/* A closing with a time on its line is not a signature: "groeten en tot
 * zaterdag om 10u" must stay codable. A disclaimer is kept apart. */
START_TEST(closing_rules_and_disclaimer)
{
	struct coding_text *t = coding_text_split(
		"Dag Sara,\nGroeten en tot zaterdag om 10u\nJan\n\nDISCLAIMER: dit bericht is "
		"vertrouwelijk. Bezichtigingen enkel op afspraak.\n");
	HAS(t->body, "tot zaterdag om 10u");
	LACKS(t->body, "DISCLAIMER");
	HAS(t->signature, "Bezichtigingen enkel op afspraak");
	coding_text_free(t);

	t = coding_text_split("Merci, je vous rappelle.\n-- \nPierre\nVisites le samedi\n");
	ck_assert_str_eq(t->body, "Merci, je vous rappelle.");
	HAS(t->signature, "Visites le samedi");
	coding_text_free(t);

	t = coding_text_split("Yes, come round.\n\nSent from my iPhone\n");
	ck_assert_str_eq(t->body, "Yes, come round.");
	coding_text_free(t);
}
END_TEST

/* HTML only: the decoder makes it text; the quoted Outlook block in the
 * HTML goes too. */
START_TEST(html_only_reply)
{
	struct coding_text *t = extract(
		"From: a@b.test\nSubject: Re\nContent-Type: text/html; charset=utf-8\n\n"
		"<html><body><p>Het huis is <b>niet meer beschikbaar</b>.</p>"
		"<div>Van: kandidaat<br>Verzonden: maandag<br>Aan: verhuur<br>"
		"Onderwerp: bezoek</div><p>Mag ik komen kijken?</p></body></html>");
	HAS(t->body, "niet meer beschikbaar");
	LACKS(t->body, "komen kijken");
	ck_assert(t->from_html);
	coding_text_free(t);
}
END_TEST

/* HTML with the answer written below the quoted original (the quote in a
 * <blockquote>, its attribution line above it): the answer is the body and
 * the question the candidate asked is quoted. The old extractor saw only
 * the attribution line, took it as the start of the original and cut the
 * rest of the message, answer included, leaving no text to code. */
START_TEST(html_bottom_posted_answer_is_kept)
{
	struct coding_text *t = extract(
		"From: a@b.test\nSubject: Re: woning\nContent-Type: text/html; charset=utf-8\n\n"
		"<div><div class=\"q\">Op di 1 dec 2026 om 09:00 schreef Sara &lt;s@x.test&gt;:<br></div>"
		"<blockquote>Goedendag,<br><br>Kan ik de woning bezichtigen?<br>Sara</blockquote></div>"
		"<p>Dag Sara,</p><p>Sorry, de woning is al verhuurd.</p>"
		"<p>Vriendelijke groet,<br>Piet</p>");
	ck_assert_str_eq(t->body, "Dag Sara,\n\nSorry, de woning is al verhuurd.");
	HAS(t->quoted, "schreef Sara");
	HAS(t->quoted, "> Kan ik de woning bezichtigen?");
	LACKS(t->body, "bezichtigen");
	HAS(t->signature, "Piet");
	ck_assert(t->from_html);
	coding_text_free(t);
}
END_TEST

/* The same in English with a quote inside the quote, a list in it and the
 * answer after both: every quoted level is quoted, the answer kept. */
START_TEST(html_nested_quote_then_answer)
{
	struct coding_text *t = extract(
		"From: a@b.test\nSubject: Re: job\nContent-Type: text/html; charset=utf-8\n\n"
		"On Tue, 1 Dec 2026 at 09:00, Sam &lt;s@x.test&gt; wrote:"
		"<blockquote>Can I come for an interview?<blockquote>We are hiring."
		"<ul><li>interview days: Monday</li></ul></blockquote>Thanks</blockquote>"
		"<div>Please call me to arrange a time.</div>");
	ck_assert_str_eq(t->body, "Please call me to arrange a time.");
	HAS(t->quoted, "> Can I come for an interview?");
	HAS(t->quoted, "> > We are hiring.");
	HAS(t->quoted, "> > - interview days: Monday");
	HAS(t->quoted, "> Thanks");
	coding_text_free(t);
}
END_TEST

/* Top-posted HTML with a blockquoted original below: unchanged, the answer
 * above is the body and the original is quoted. */
START_TEST(html_top_posted_answer)
{
	struct coding_text *t = extract(
		"From: a@b.test\nSubject: Re\nContent-Type: text/html; charset=utf-8\n\n"
		"<p>Le bien est d&eacute;j&agrave; lou&eacute;.</p>"
		"<div>Le mar. 1 d\xc3\xa9" "c. 2026 \xc3\xa0 09:00, Lina a \xc3\xa9" "crit :</div>"
		"<blockquote>Puis-je visiter ?</blockquote>");
	ck_assert_str_eq(t->body, "Le bien est d\xc3\xa9j\xc3\xa0 lou\xc3\xa9.");
	HAS(t->quoted, "> Puis-je visiter ?");
	coding_text_free(t);
}
END_TEST

/* The marks are for the coding reader only: reply_parse (what evidence and
 * the linker read) keeps HTML quotes unmarked. */
START_TEST(reply_parse_keeps_html_quotes_unmarked)
{
	const char *raw = "From: a@b.test\nContent-Type: text/html; charset=utf-8\n\n"
			  "<p>Yes.</p><blockquote>Can I visit?</blockquote>";
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(raw, strlen(raw), &r, &err), CT_OK);
	ck_assert_str_eq(r->text, "Yes.\n\nCan I visit?\n");
	reply_free(r);
	ck_assert_int_eq(reply_parse_flags(raw, strlen(raw), REPLY_HTML_QUOTES, &r, &err), CT_OK);
	ck_assert_str_eq(r->text, "Yes.\n\n> Can I visit?\n");
	reply_free(r);
}
END_TEST

static int auto_of(const char *headers, char *why)
{
	char *raw = xasprintf("%s\nbody\n", headers);
	int a = reply_auto_headers(raw, strlen(raw), why, 96) != 0;
	free(raw);
	return a;
}

START_TEST(auto_reply_headers)
{
	char why[96];
	ck_assert(auto_of("From: a@b.test\nAuto-Submitted: auto-replied\n", why));
	ck_assert_str_eq(why, "Auto-Submitted: auto-replied");
	ck_assert(auto_of("From: a@b.test\nAuto-Submitted: auto-generated (vacation)\n", why));
	ck_assert(!auto_of("From: a@b.test\nAuto-Submitted: no\n", why));
	ck_assert(!auto_of("From: a@b.test\nAuto-Submitted: No (manual)\n", why));
	ck_assert_str_eq(why, "");
	ck_assert(auto_of("Return-Path: <>\nFrom: a@b.test\n", why));
	ck_assert_str_eq(why, "Return-Path: <>");
	ck_assert(!auto_of("Return-Path: <a@b.test>\nFrom: a@b.test\n", why));
	ck_assert(auto_of("From: a@b.test\nPrecedence: bulk\n", why));
	ck_assert(auto_of("From: a@b.test\nPrecedence: JUNK\n", why));
	ck_assert(auto_of("From: a@b.test\nPrecedence: list\n", why));
	ck_assert(!auto_of("From: a@b.test\nPrecedence: first-class\n", why));
	ck_assert(auto_of("From: a@b.test\nList-Id: <tenants.x.test>\n", why));
	ck_assert_str_eq(why, "List-Id");
	ck_assert(auto_of("From: a@b.test\nList-Unsubscribe:\n <mailto:u@x.test>\n", why));
	ck_assert(auto_of("From: a@b.test\nX-Autoreply: yes\n", why));
	ck_assert(auto_of("From: a@b.test\nX-Autorespond: yes\n", why));
	/* Outlook sets this on ordinary mail: it asks others not to answer
	 * automatically and says nothing about this message. */
	ck_assert(!auto_of("From: a@b.test\nX-Auto-Response-Suppress: All\n", why));
	/* A marker in the body is not a header. */
	ck_assert(!auto_of("From: a@b.test\n\nAuto-Submitted: auto-replied\n", why));
	/* A folded Auto-Submitted still counts; CRLF headers too. */
	ck_assert(auto_of("From: a@b.test\r\nAuto-Submitted:\r\n auto-replied\r\n", why));
	/* The kinds: what RFC 3834 calls an automatic reply, which the linker
	 * also goes by, and the marks of bulk and list mail, which only the
	 * coding counts (a landlord's answer through a portal may carry
	 * them); both kinds add up, the reason is the first mark. */
	const char *both = "Precedence: bulk\nFrom: a@b.test\nAuto-Submitted: auto-replied\n\nx\n";
	ck_assert_uint_eq(reply_auto_headers(both, strlen(both), why, sizeof(why)),
			  REPLY_AUTO_RFC3834 | REPLY_AUTO_BULK);
	ck_assert_str_eq(why, "Precedence: bulk");
	const char *list = "List-Id: <t.x.test>\nFrom: a@b.test\n\nx\n";
	ck_assert_uint_eq(reply_auto_headers(list, strlen(list), why, sizeof(why)), REPLY_AUTO_BULK);
	struct reply *r = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(reply_parse(list, strlen(list), &r, &err), CT_OK);
	ck_assert_int_eq(r->auto_reply, 0);
	reply_free(r);
	ck_assert_int_eq(reply_parse(both, strlen(both), &r, &err), CT_OK);
	ck_assert_int_eq(r->auto_reply, 1);
	reply_free(r);
	/* RFC 3834: any Auto-Submitted value but "no" marks a message, in any
	 * of its fields (GMime's lookup, used before, saw only the first and
	 * took any value starting with "no" for "no"); Precedence holds one
	 * value, not a list to search. */
	ck_assert(auto_of("From: a@b.test\nAuto-Submitted: nope\n", why));
	ck_assert(auto_of("Auto-Submitted: no\nFrom: a@b.test\nAuto-Submitted: auto-replied\n", why));
	ck_assert(!auto_of("From: a@b.test\nPrecedence: auto_reply, bulk\n", why));
}
END_TEST

/* An auto reply keeps its text: the rules must still read it. */
START_TEST(auto_reply_text_is_kept)
{
	struct coding_text *t = extract(
		"From: a@b.test\nAuto-Submitted: auto-replied\nContent-Type: text/plain\n\n"
		"I am out of the office. The flat has already been let.\n");
	ck_assert(t->auto_reply);
	HAS(t->body, "already been let");
	coding_text_free(t);
}
END_TEST

int main(void)
{
	g_mime_init();
	Suite *s = suite_create("coding_extract");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, gmail_dutch_quote_and_signature);
	tcase_add_test(tc, wrapped_attribution_french);
	tcase_add_test(tc, outlook_header_block_and_original_message);
	tcase_add_test(tc, forwarded_message);
	tcase_add_test(tc, bottom_posted_answer_is_kept);
	tcase_add_test(tc, closing_rules_and_disclaimer);
	tcase_add_test(tc, html_only_reply);
	tcase_add_test(tc, html_bottom_posted_answer_is_kept);
	tcase_add_test(tc, html_nested_quote_then_answer);
	tcase_add_test(tc, html_top_posted_answer);
	tcase_add_test(tc, reply_parse_keeps_html_quotes_unmarked);
	tcase_add_test(tc, auto_reply_headers);
	tcase_add_test(tc, auto_reply_text_is_kept);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
